/**
 * The matrix catches what it claims to: each test takes prod's access model, breaks or widens
 * one policy the way a careless edit would, and asserts that the flow guarding against it fails,
 * naming the flow, the resource and the statement. The unmodified model passes (matrix.test.ts).
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { synthesizeCommitted, yamlConfig } from "../../../helpers/stacks";
import { STACKS_DIR, stackFileFromConfig } from "../../../../tools/check/stack-file";
import { podRole, readAccessModel, type AccessModel, type PolicyJson } from "../../../../tools/check/access/model";
import { INFERENCE_NAMESPACE, modelCacheServiceAccount } from "../../../../tools/check/access/flows";
import { accessMatrix, matrixFailures } from "../../../../tools/check/access/matrix";

let base: AccessModel;
before(async () => {
  const { prod } = await synthesizeCommitted({ preview: false });
  base = readAccessModel(prod, stackFileFromConfig("prod", yamlConfig("prod"), join(STACKS_DIR, "Pulumi.prod.yaml")).config);
});

type Statement = Record<string, unknown>;
const statements = (p: PolicyJson): Statement[] => (Array.isArray(p.Statement) ? p.Statement : [p.Statement]);

/** A copy of prod's model with one policy document rewritten. */
function mutate(edit: (m: AccessModel) => void): AccessModel {
  const copy = structuredClone(base);
  edit(copy);
  return copy;
}

async function failuresOf(model: AccessModel): Promise<string[]> {
  return matrixFailures(await accessMatrix(model));
}

function roleNamed(m: AccessModel, suffix: string) {
  const r = m.roles.find((x) => x.logicalName.endsWith(suffix));
  assert.ok(r, `a role named *${suffix}`);
  return r;
}

/** The Pod Identity role of a model's server (its logical name may be shortened to fit IAM's limit). */
function modelRole(m: AccessModel, model: string) {
  const r = podRole(m, INFERENCE_NAMESPACE, modelCacheServiceAccount(model));
  assert.ok(r, `a Pod Identity role for ${model}`);
  return r;
}

test("the unmodified model passes, so every failure below comes from its mutation", async () => {
  assert.deepEqual(await failuresOf(base), []);
});

test("a broken pod policy (wrong prefix) makes the must-allow model read fail, naming the flow, the bucket and the request", async () => {
  const model = base.models[0];
  const broken = mutate((m) => {
    const role = modelRole(m, model);
    role.policies = role.policies.map((p) => ({ ...p, document: JSON.parse(JSON.stringify(p.document).split(`models/${model}/`).join(`models/${model}-old/`)) as PolicyJson }));
  });
  const failures = await failuresOf(broken);
  const line = failures.find((f) => f.startsWith(`flow model-read:${model} `));
  assert.ok(line, failures.join("\n"));
  assert.match(line, /must be allowed/);
  assert.ok(line.includes(base.modelBucket.arn), line);
  assert.match(line, /ListObjectsV2 models\/.* is not allowed: no statement allows it in: identity policies/);
});

test("a widened pod policy (every model's prefix) is caught: the pod reading another model's prefix is allowed", async () => {
  const model = base.models[0];
  const widened = mutate((m) => {
    const role = modelRole(m, model);
    role.policies = role.policies.map((p) => ({ ...p, document: JSON.parse(JSON.stringify(p.document).split(`models/${model}/`).join("models/")) as PolicyJson }));
  });
  const failures = await failuresOf(widened);
  const line = failures.find((f) => f.startsWith(`flow model-read-other-prefix:${model} `));
  assert.ok(line, failures.join("\n"));
  assert.match(line, /must be denied/);
  assert.match(line, /is allowed: allowed by identity .*ReadModelObjects|is allowed: allowed by identity .*ListModelPrefix/);
});

test("dropping the bucket policy's endpoint condition is caught: principals read the weights from outside the VPC", async () => {
  const widened = mutate((m) => {
    const policy = m.bucketPolicies.get(m.modelBucket.arn)!;
    m.bucketPolicies.set(m.modelBucket.arn, { ...policy, Statement: statements(policy).filter((s) => s.Sid !== "DenyDataAccessOutsideVpcEndpoint") });
  });
  const failures = await failuresOf(widened);
  for (const id of ["model-store-outside-endpoint", `model-read-outside-endpoint:${base.models[0]}`]) {
    assert.ok(failures.some((f) => f.startsWith(`flow ${id} `) && f.includes(base.modelBucket.arn)), `${id} fails: ${failures.join("\n")}`);
  }
});

for (const operator of ["StringNotEquals", "StringNotEqualsIfExists"]) {
  test(`an encryption-header deny with ${operator} (true when the header is missing) refuses UploadPart: the multipart upload fails at that part`, async () => {
    const broken = mutate((m) => {
      const policy = m.bucketPolicies.get(m.modelBucket.arn)!;
      const deny: Statement = {
        Sid: "DenyUploadsNotSseKmsStrict",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:PutObject",
        Resource: `${m.modelBucket.arn}/*`,
        Condition: { [operator]: { "s3:x-amz-server-side-encryption": "aws:kms" } },
      };
      m.bucketPolicies.set(m.modelBucket.arn, { ...policy, Statement: [...statements(policy), deny] });
    });
    const failures = await failuresOf(broken);
    const line = failures.find((f) => f.startsWith("flow publish-model "));
    assert.ok(line, failures.join("\n"));
    assert.match(line, /UploadPart \(no SSE headers\) \(s3:PutObject on .*\) is explicitly denied: denied by resource policy#DenyUploadsNotSseKmsStrict/);
  });
}

test("a bucket policy without its key-id deny is caught: an upload naming another key is allowed", async () => {
  const widened = mutate((m) => {
    const policy = m.bucketPolicies.get(m.modelBucket.arn)!;
    m.bucketPolicies.set(m.modelBucket.arn, { ...policy, Statement: statements(policy).filter((s) => s.Sid !== "DenyUploadsWithOtherKeys") });
  });
  const failures = await failuresOf(widened);
  assert.ok(failures.some((f) => f.startsWith("flow model-upload-other-encryption ") && /PutObject naming another key .* is allowed/.test(f)), failures.join("\n"));
});

test("removing the admins' deny on the audit key is caught: an admin with AdministratorAccess decrypts the trail", async () => {
  const widened = mutate((m) => {
    const key = m.keys.audit;
    const policy = m.keyPolicies.get(key)!;
    m.keyPolicies.set(key, { ...policy, Statement: statements(policy).filter((s) => s.Effect !== "Deny") });
  });
  const failures = await failuresOf(widened);
  const admin = base.adminRoleArns[0].split("/").pop();
  const line = failures.find((f) => f.startsWith(`flow admin-decrypts-audit:${admin} `));
  assert.ok(line, failures.join("\n"));
  assert.ok(line.includes(base.keys.audit), line);
  assert.match(line, /is allowed: allowed by identity assumed-unrestricted.*resource policy#AccountAdministration/);
});

test("an autoscaler policy without its cluster-tag condition is caught: it may resize another cluster's groups", async () => {
  const widened = mutate((m) => {
    const role = roleNamed(m, "-autoscaler");
    role.policies = role.policies.map((p) => ({ ...p, document: { ...p.document, Statement: statements(p.document).map(({ Condition: _dropped, ...s }) => s) } }));
  });
  const failures = await failuresOf(widened);
  assert.ok(failures.some((f) => f.startsWith("flow autoscaler-resizes-other-cluster ") && /SetDesiredCapacity of another cluster's node group .* is allowed/.test(f)), failures.join("\n"));
});

test("a trust policy open to every AWS principal is caught: another account assumes the role", async () => {
  const widened = mutate((m) => {
    const role = roleNamed(m, "-autoscaler");
    role.trust = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }] };
  });
  const failures = await failuresOf(widened);
  assert.ok(failures.some((f) => f.startsWith("flow foreign-account ") && /AssumeRole .*autoscaler .* is allowed/.test(f)), failures.join("\n"));
});

test("CloudTrail's write fails when the archive policy loses its write statement", async () => {
  const broken = mutate((m) => {
    const policy = m.bucketPolicies.get(m.auditBucket.arn)!;
    m.bucketPolicies.set(m.auditBucket.arn, { ...policy, Statement: statements(policy).filter((s) => s.Sid !== "CloudTrailWrite") });
  });
  const failures = await failuresOf(broken);
  assert.ok(failures.some((f) => f.startsWith("flow cloudtrail-writes-archive ") && f.includes(base.auditBucket.arn) && /PutObject of a log file .* is not allowed/.test(f)), failures.join("\n"));
});

test("dropping the admins' MFA condition is caught: an admin's leaked key reads the weights from outside the VPC", async () => {
  const widened = mutate((m) => {
    const policy = m.bucketPolicies.get(m.modelBucket.arn)!;
    m.bucketPolicies.set(m.modelBucket.arn, { ...policy, Statement: statements(policy).filter((s) => s.Sid !== "DenyAdminsOutsideVpcEndpointWithoutMfa") });
  });
  const failures = await failuresOf(widened);
  const line = failures.find((f) => f.startsWith("flow admin-outside-endpoint-without-mfa "));
  assert.ok(line, failures.join("\n"));
  assert.ok(line.includes(base.modelBucket.arn), line);
  assert.match(line, /GetObject by admin .* without MFA .* is allowed/);
});

test("rule called-apis-have-endpoints: a pod role granted an API the VPC has no endpoint for fails, naming the role and the rule", async () => {
  const widened = mutate((m) => {
    const role = roleNamed(m, "-autoscaler");
    role.policies = [...role.policies, { name: "notify", document: { Version: "2012-10-17", Statement: [{ Sid: "Notify", Effect: "Allow", Action: "sqs:SendMessage", Resource: "*" }] } }];
  });
  const failures = await failuresOf(widened);
  const line = failures.find((f) => f.startsWith("rule called-apis-have-endpoints: role ") && f.includes("sqs:SendMessage"));
  assert.ok(line, failures.join("\n"));
  assert.match(line, /role \S*-autoscaler \(aws:iam\/role:Role\) is granted sqs:SendMessage, an API the platform has no VPC endpoint for/);
});

test("rule called-apis-have-endpoints: without the autoscaling endpoint, the Cluster Autoscaler's calls fail, from the table and from its role", async () => {
  const broken = mutate((m) => {
    m.endpoints = m.endpoints.filter((e) => e.service !== "autoscaling");
  });
  const failures = (await failuresOf(broken)).filter((f) => f.startsWith("rule called-apis-have-endpoints: "));
  assert.ok(failures.some((f) => f.includes("caller clusterAutoscaler") && f.includes(`no com.amazonaws.${base.region}.autoscaling endpoint`)), failures.join("\n"));
  assert.ok(failures.some((f) => /role \S*-autoscaler \(aws:iam\/role:Role\) is granted autoscaling:\w+, but the VPC has no com\.amazonaws\.[a-z0-9-]+\.autoscaling endpoint/.test(f)), failures.join("\n"));
});

test("rule called-apis-have-endpoints: an endpoint policy that no longer admits a granted call fails, naming the endpoint", async () => {
  const broken = mutate((m) => {
    for (const e of m.endpoints.filter((x) => x.service === "autoscaling")) e.policy = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: "*", Action: "autoscaling:Describe*", Resource: "*" }] };
  });
  const failures = (await failuresOf(broken)).filter((f) => f.startsWith("rule called-apis-have-endpoints: "));
  assert.ok(failures.some((f) => /is granted autoscaling:SetDesiredCapacity, but the policy of endpoint \S+ admits no autoscaling:SetDesiredCapacity call/.test(f)), failures.join("\n"));
});

test("the backup role widened like AWS's managed S3 backup policy (every bucket, every key through S3) is caught: it decrypts with the models key", async () => {
  const widened = mutate((m) => {
    const role = roleNamed(m, "-backup-role");
    const wide = (st: Statement): Statement => {
      const sid = String(st.Sid);
      if (sid === "ReadBackedUpBuckets") return { ...st, Resource: "arn:aws:s3:::*" };
      if (sid === "ReadBackedUpObjects") return { ...st, Resource: "arn:aws:s3:::*/*" };
      if (sid === "DecryptBackedUpObjectsThroughS3") return { ...st, Resource: "*" };
      return st;
    };
    role.policies = role.policies.map((p) => ({ ...p, document: { ...p.document, Statement: statements(p.document).map(wide) } }));
  });
  const failures = await failuresOf(widened);
  const line = failures.find((f) => f.startsWith("flow backup-reads-other-data "));
  assert.ok(line, failures.join("\n"));
  assert.match(line, /must be denied/);
  assert.match(line, /Decrypt through S3 with the models key \(kms:Decrypt on [^)]*\) is allowed/);
  // The weights themselves stay out of reach: the model store's bucket policy refuses every
  // principal but the admins outside the VPC endpoint, whatever the role's own policy says.
  assert.doesNotMatch(line, /GetObject of model weights is allowed/);
});

test("a vault key whose policy no longer names the backup role is caught: the recovery point cannot be written", async () => {
  const broken = mutate((m) => {
    const role = roleNamed(m, "-backup-role");
    for (const [arn, doc] of m.keyPolicies) {
      if (!JSON.stringify(doc).includes(`backup.${m.region}.amazonaws.com`)) continue;
      m.keyPolicies.set(arn, { ...doc, Statement: statements(doc).map((st) => (String(st.Sid).startsWith("BackupRole") ? { ...st, Principal: { AWS: `arn:aws:iam::${m.accountId}:role/other` }, Condition: { StringEquals: { "kms:ViaService": `backup.${m.region}.amazonaws.com` } } } : st)) });
    }
    assert.ok(role);
  });
  const failures = await failuresOf(broken);
  assert.ok(failures.some((f) => f.startsWith("flow backup-copies-records ")), failures.join("\n"));
});
