/**
 * A stack file that defers the Kubernetes layer (the first run of a private-endpoint stack) has
 * no Pod Identity roles yet. Its access matrix is simulated as the second run leaves the stack:
 * pod flows are proven from the roles that run declares, and the matrix says so, instead of
 * reporting the flows as failing.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { synthesizeAsync, yamlConfig } from "../../../helpers/stacks";
import { STACKS_DIR, stackFileFromConfig, type StackFile } from "../../../../tools/check/stack-file";
import { readAccessModel } from "../../../../tools/check/access/model";
import { accessMatrix, matrixFailures } from "../../../../tools/check/access/matrix";
import { accessFromSynthesis, accessStackFile, DEFERRED_LAYER_ASSUMPTION, renderAccessText } from "../../../../tools/check/access/report";
import type { SynthOutcome } from "../../../../tools/check/synth";

let deferred: StackFile;
let asIs: SynthOutcome;
let asSimulated: SynthOutcome;
before(async () => {
  const config = yamlConfig("prod");
  config["sovereign-llm:deploy"] = { ...(config["sovereign-llm:deploy"] ?? {}), kubernetesLayer: "deferred" };
  deferred = stackFileFromConfig("prod", config, join(STACKS_DIR, "Pulumi.prod.yaml"));
  [asIs, asSimulated] = await Promise.all([synthesizeAsync(deferred, { preview: false }), synthesizeAsync(accessStackFile(deferred).file, { preview: false })]);
});

test("the deferred stack itself declares no pod roles: simulated as is, the pod flows could not hold", async () => {
  assert.ok(asIs.ok, asIs.ok ? "" : asIs.kind === "config" ? asIs.problems.join("\n") : asIs.message);
  const matrix = await accessMatrix(readAccessModel(asIs.result, deferred.config));
  assert.ok(matrixFailures(matrix).some((f) => f.startsWith("flow autoscaler-resizes ") && f.includes("no Pod Identity association")), matrixFailures(matrix).join("\n"));
});

test("check simulates the deferred stack as applied: every flow holds, pod flows included, and the matrix says why", async () => {
  const { file, deferred: isDeferred } = accessStackFile(deferred);
  assert.equal(isDeferred, true);
  assert.equal(JSON.parse(file.config["sovereign-llm:deploy"]).kubernetesLayer, "applied");
  assert.equal(JSON.parse(deferred.config["sovereign-llm:deploy"]).kubernetesLayer, "deferred", "the stack file itself is not changed");
  const outcome = await accessFromSynthesis(asSimulated, deferred);
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.message);
  const { matrix } = outcome;
  assert.deepEqual(matrixFailures(matrix), []);
  const ids = matrix.flows.map((f) => f.id);
  for (const id of ["autoscaler-resizes", "autoscaler-resizes-other-cluster"]) assert.ok(ids.includes(id), id);
  assert.ok(ids.some((id) => id.startsWith("model-read:")), ids.join(", "));
  assert.ok(matrix.assumptions.includes(DEFERRED_LAYER_ASSUMPTION));
  assert.match(renderAccessText(matrix), /defers the Kubernetes layer: pod flows are simulated with the roles the second run/);
});

test("an applied stack file is simulated as it is", () => {
  const config = yamlConfig("prod");
  const file = stackFileFromConfig("prod", config, join(STACKS_DIR, "Pulumi.prod.yaml"));
  assert.equal(accessStackFile(file).deferred, false);
  assert.equal(accessStackFile(file).file, file);
});
