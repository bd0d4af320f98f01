/**
 * The access matrix of every committed stack, simulated from the program as synthesized (update
 * mode: identifiers known): every flow that must be allowed is, every flow that must be refused
 * is, every action exists, and the auditor's questions are answered.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { STACKS, synthesizeCommitted, yamlConfig, type StackName } from "../../../helpers/stacks";
import { STACKS_DIR, stackFileFromConfig } from "../../../../tools/check/stack-file";
import type { SynthResult } from "../../../../tools/check/synth";
import { podRole, readAccessModel, type AccessModel } from "../../../../tools/check/access/model";
import { INFERENCE_NAMESPACE, modelCacheServiceAccount } from "../../../../tools/check/access/flows";
import { accessMatrix, matrixFailures, type AccessMatrix } from "../../../../tools/check/access/matrix";
import { accessSections } from "../../../../tools/check/access/sections";

let synths: Record<StackName, SynthResult>;
const matrices = new Map<StackName, { model: AccessModel; matrix: AccessMatrix }>();
before(async () => {
  synths = await synthesizeCommitted({ preview: false });
  for (const stack of STACKS) {
    const config = stackFileFromConfig(stack, yamlConfig(stack), join(STACKS_DIR, `Pulumi.${stack}.yaml`)).config;
    const model = readAccessModel(synths[stack], config);
    matrices.set(stack, { model, matrix: await accessMatrix(model) });
  }
});

for (const stack of STACKS) {
  describe(`access matrix: stack ${stack}`, () => {
    test("every flow holds, every action exists, nothing is left unproven", () => {
      const { matrix } = matrices.get(stack)!;
      assert.deepEqual(matrixFailures(matrix), []);
      assert.equal(matrix.passed, true);
    });

    test("the matrix covers every flow the platform promises", () => {
      const { matrix, model } = matrices.get(stack)!;
      const ids = matrix.flows.map((f) => f.id);
      const expected = [
        "publish-model",
        "model-upload-other-encryption",
        "admin-outside-endpoint-without-mfa",
        ...model.models.flatMap((m) => [`model-read:${m}`, `model-read-other-prefix:${m}`, `model-read-outside-endpoint:${m}`]),
        "model-store-outside-endpoint",
        "cloudtrail-writes-archive",
        ...model.adminRoleArns.map((a) => `admin-decrypts-audit:${a.split("/").pop()}`),
        ...model.logGroups.map((g) => `log-group-encrypts:${g.name}`),
        "autoscaler-resizes",
        "autoscaler-resizes-other-cluster",
        "backup-copies-records",
        "backup-reads-other-data",
        "backup-changes-records",
        "foreign-account",
      ];
      for (const id of expected) assert.ok(ids.includes(id), `flow ${id} is missing; flows: ${ids.join(", ")}`);
      assert.ok(model.models.length > 0 && model.logGroups.length > 0 && model.adminRoleArns.length > 0, "the stack has models, log groups and admins to simulate");
      for (const f of matrix.flows) assert.ok(f.requests.length > 0, `${f.id} simulated no request`);
    });

    test("the publisher's multipart upload is simulated part by part, UploadPart without SSE headers", () => {
      const publish = matrices.get(stack)!.matrix.flows.find((f) => f.id === "publish-model")!;
      const labels = publish.requests.map((r) => r.label);
      for (const l of ["CreateMultipartUpload", "UploadPart (no SSE headers)", "CompleteMultipartUpload", "GenerateDataKey through S3", "Decrypt through S3 (part data keys)"]) assert.ok(labels.includes(l), l);
      assert.ok(publish.requests.every((r) => r.decision === "Allowed"));
    });

    test("auditor's questions: only each model's own pod role reads its weights through the endpoint, no stranger reads them", () => {
      const { matrix, model } = matrices.get(stack)!;
      for (const m of model.models) {
        const q = matrix.questions.find((x) => x.question === `Who can read the weights of ${m}?`)!;
        assert.ok(q, `a question for ${m}`);
        const platformReaders = q.rows.filter((r) => r.basis === "declared policies" && r.decision === "Allowed").map((r) => r.principal);
        const own = podRole(model, INFERENCE_NAMESPACE, modelCacheServiceAccount(m));
        assert.ok(own, `a Pod Identity role for ${m}`);
        assert.deepEqual([...new Set(platformReaders)], [own.logicalName], `platform roles reading ${m}`);
        const foreign = q.rows.filter((r) => r.principal.startsWith("a role of another account"));
        assert.ok(foreign.length > 0 && foreign.every((r) => r.decision !== "Allowed"), "another account reads nothing");
        const outside = q.rows.filter((r) => !r.through && r.decision === "Allowed");
        assert.deepEqual([...new Set(outside.map((r) => r.principal))].sort(), model.adminRoleArns.map((a) => `admin ${a.split("/").pop()}`).sort(), "from outside the VPC, only admins");
        assert.ok(outside.every((r) => r.label.includes("signed in with MFA")), `from outside the VPC, admins only with MFA: ${outside.map((r) => r.label).join(", ")}`);
      }
      const audit = matrix.questions.find((x) => x.question === "Who can decrypt with the audit key?")!;
      assert.ok(audit.rows.filter((r) => r.principal.startsWith("admin ")).every((r) => r.decision === "ExplicitlyDenied"), "admins never decrypt the trail");
    });
  });
}

test("the matrix becomes evidence-report sections: the flows, then one table per auditor's question", () => {
  const { matrix, model } = matrices.get("prod")!;
  const sections = accessSections(matrix);
  assert.equal(sections[0].id, "access-matrix");
  assert.match(sections[0].title, /every flow holds/);
  assert.equal(sections[0].table!.rows.length, matrix.flows.length);
  const ids = sections.map((s) => s.id);
  for (const m of model.models) assert.ok(ids.includes(`access-who-can-read-the-weights-of-${m}`), ids.join(", "));
  for (const purpose of ["models", "logs", "audit"]) assert.ok(ids.includes(`access-who-can-decrypt-with-the-${purpose.toLowerCase()}-key`), ids.join(", "));
  assert.ok(ids.some((id) => id.startsWith("access-who-can-change-the-trail")));
  const audit = sections.find((s) => s.id === "access-who-can-decrypt-with-the-audit-key")!;
  for (const row of audit.table!.rows.filter((r) => String(r[0]).startsWith("admin "))) assert.match(String(row[2]), /^no: /);
  const failing = accessSections({ ...matrix, passed: false, flows: [{ ...matrix.flows[0], passed: false, failure: "UploadPart is explicitly denied" }, ...matrix.flows.slice(1)] });
  assert.match(failing[0].title, /^Access matrix: FAILED \(1 flow/);
  assert.match(String(failing[0].table!.rows[0][2]), /^FAILS: UploadPart is explicitly denied/);
});
