/**
 * KeyRing and buckets, as an auditor reads them from what each committed stack registers: who a
 * key policy names and what it lets them do, and every bucket's encryption, versioning, public
 * access block, ownership, Object Lock and TLS policy; the model store's perimeter; prod's
 * protection of data that must outlive a mistake.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { STACKS, PROD_STACKS, PROTECTED_STACKS, synthesizeCommitted, ofType, one, policyOf, list, settingsOf, childrenOf, type PolicyStatementDoc } from "../../helpers/stacks.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";

const synth = synthesizeCommitted({ preview: false });

const PURPOSES = ["models", "logs", "cluster", "nodeVolumes", "audit", "signing"] as const;
/** Actions that use key material; admin roles must never get them through the admin statement. */
const USE_ACTIONS = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:Sign", "kms:CreateGrant", "kms:*"];

function principals(s: PolicyStatementDoc): string[] {
  if (s.Principal === "*") return ["*"];
  return [...list(s.Principal?.AWS), ...list(s.Principal?.Service).map((p) => `service:${p}`)];
}

async function load(stack: string) {
  const result = (await synth)[stack as (typeof STACKS)[number]];
  const { cfg, region } = await settingsOf(stack);
  const accountId = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(cfg.access.adminRoleArns[0])![1];
  const keys = Object.fromEntries(PURPOSES.map((p) => [p, one(result, "aws:kms/key:Key", `-keys-${p}`)])) as Record<(typeof PURPOSES)[number], Registration>;
  return { result, cfg, region, accountId, keys, root: `arn:aws:iam::${accountId}:root` };
}

/** AWS Config's delivery bucket: Config refuses a bucket with an Object Lock default retention. */
const isConfigDelivery = (bucket: Registration) => (bucket.inputs.tags as Record<string, string> | undefined)?.["data-class"] === "config-delivery";

function bucketChildren(result: SynthResult, bucket: Registration) {
  const child = (type: string) => {
    const found = childrenOf(result, bucket, type);
    assert.equal(found.length, 1, `${bucket.name} has one ${type}`);
    return found[0];
  };
  const lockType = "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration";
  if (isConfigDelivery(bucket)) assert.equal(childrenOf(result, bucket, lockType).length, 0, `${bucket.name}: no default retention (AWS Config would refuse the bucket)`);
  return {
    sse: child("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    versioning: child("aws:s3/bucketVersioning:BucketVersioning"),
    pab: child("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"),
    ownership: child("aws:s3/bucketOwnershipControls:BucketOwnershipControls"),
    lock: isConfigDelivery(bucket) ? undefined : child(lockType),
    policy: child("aws:s3/bucketPolicy:BucketPolicy"),
  };
}

for (const stack of STACKS) {
  const prod = PROD_STACKS.includes(stack);
  // Protection follows the data as well as the environment: staging holds PHI.
  const protectedData = PROTECTED_STACKS.includes(stack);

  describe(`keys of ${stack}`, () => {
    test("one customer-managed key per purpose, each with an alias", async () => {
      const { result, keys } = await load(stack);
      for (const p of PURPOSES) {
        const aliases = childrenOf(result, keys[p], "aws:kms/alias:Alias");
        assert.equal(aliases.length, 1, `${p} alias`);
        assert.equal(aliases[0].inputs.name, `alias/sovereign-llm/${stack}/${p}`);
      }
    });

    test("symmetric keys rotate; the signing key is ECC_NIST_P256 SIGN_VERIFY without rotation; 30-day deletion window", async () => {
      const { keys } = await load(stack);
      for (const p of PURPOSES) {
        const k = keys[p].inputs;
        assert.equal(k.deletionWindowInDays, 30, `${p} deletion window`);
        assert.notEqual(k.bypassPolicyLockoutSafetyCheck, true);
        assert.equal(typeof k.policy, "string", `${p} has a key policy`);
        if (p === "signing") {
          assert.equal(k.customerMasterKeySpec, "ECC_NIST_P256");
          assert.equal(k.keyUsage, "SIGN_VERIFY");
          assert.equal(k.enableKeyRotation, false);
        } else {
          assert.equal(k.customerMasterKeySpec ?? "SYMMETRIC_DEFAULT", "SYMMETRIC_DEFAULT");
          assert.equal(k.keyUsage ?? "ENCRYPT_DECRYPT", "ENCRYPT_DECRYPT");
          assert.equal(k.enableKeyRotation, true, `${p} rotation`);
        }
      }
    });

    test("only the account root has kms:*, and nothing is open to *", async () => {
      const { keys, root } = await load(stack);
      for (const p of PURPOSES) {
        const statements = policyOf(keys[p]).Statement;
        const adminStatements = statements.filter((s) => list(s.Action).some((a) => a === "kms:*" || a === "*"));
        assert.equal(adminStatements.length, 1, `${p}: one statement with kms:*`);
        assert.deepEqual(principals(adminStatements[0]), [root]);
        assert.equal(adminStatements[0].Effect, "Allow");
        for (const s of statements) {
          // "*" only in a Deny (the audit key's break-glass statement), which grants nothing.
          if (s.Effect === "Allow") assert.ok(!principals(s).includes("*"), `${p}/${s.Sid}: principal *`);
          assert.ok(!principals(s).some((x) => x.endsWith(":root") && x !== root), `${p}/${s.Sid}: another account's root`);
        }
      }
    });

    test("admin roles manage keys but never use them through the admin statement", async () => {
      const { keys, cfg } = await load(stack);
      for (const p of PURPOSES) {
        const admin = policyOf(keys[p]).Statement.find((s) => s.Sid === "KeyAdministrators");
        assert.ok(admin, `${p}: an admin statement`);
        assert.deepEqual([...principals(admin)].sort(), [...cfg.access.adminRoleArns].sort());
        for (const a of list(admin.Action)) assert.ok(!USE_ACTIONS.some((u) => a === u || (a.endsWith("*") && u.startsWith(a.slice(0, -1)))), `${p}: admins get ${a}`);
      }
    });

    test("each key names only the principals it should", async () => {
      const { keys, cfg, root, accountId, region } = await load(stack);
      const admins = cfg.access.adminRoleArns;
      const readers = cfg.access.readOnlyRoleArns;
      const slr = `arn:aws:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;
      const expected: Record<(typeof PURPOSES)[number], string[]> = {
        models: [root, ...admins],
        logs: [root, ...admins, `service:logs.${region}.amazonaws.com`],
        cluster: [root, ...admins],
        nodeVolumes: [root, ...admins, slr],
        audit: [root, ...admins, ...readers, "service:cloudtrail.amazonaws.com", "service:cloudwatch.amazonaws.com"],
        signing: [root, ...admins, ...readers],
      };
      for (const p of PURPOSES) {
        const named = new Set(policyOf(keys[p]).Statement.filter((s) => s.Effect === "Allow").flatMap(principals));
        assert.deepEqual([...named].sort(), [...new Set(expected[p])].sort(), `principals of the ${p} key`);
      }
    });

    test("logs key: CloudWatch Logs of this region, only for this stack's log groups", async () => {
      const { keys, region, accountId, result } = await load(stack);
      const logs = policyOf(keys.logs).Statement.filter((s) => principals(s).includes(`service:logs.${region}.amazonaws.com`));
      assert.equal(logs.length, 1);
      const patterns = list(logs[0].Condition?.ArnLike?.["kms:EncryptionContext:aws:logs:arn"] as string | string[] | undefined);
      assert.ok(patterns.length > 0, "an encryption-context condition");
      for (const pattern of patterns) assert.ok(pattern.startsWith(`arn:aws:logs:${region}:${accountId}:log-group:/`), pattern);
      assert.ok(!patterns.some((pattern) => pattern.endsWith(":log-group:*")), "not every log group of the account");
      // Every log group the program encrypts with this key falls under the condition, or AWS refuses to create it.
      const toRegex = (glob: string) => new RegExp(`^${glob.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`);
      for (const g of ofType(result, "aws:cloudwatch/logGroup:LogGroup").filter((g) => g.inputs.kmsKeyId === keys.logs.outputs.arn)) {
        const arn = `arn:aws:logs:${region}:${accountId}:log-group:${g.inputs.name}`;
        assert.ok(patterns.some((pattern) => toRegex(pattern).test(arn)), `${g.inputs.name} is outside the logs key's encryption context condition`);
      }
    });

    test("audit key: CloudTrail only for this stack's trail", async () => {
      const { keys, result } = await load(stack);
      const trail = ofType(result, "aws:cloudtrail/trail:Trail");
      assert.equal(trail.length, 1);
      for (const s of policyOf(keys.audit).Statement.filter((s) => principals(s).includes("service:cloudtrail.amazonaws.com"))) {
        assert.equal(s.Condition?.StringEquals?.["aws:SourceArn"], trail[0].outputs.arn, `${s.Sid} is scoped to the trail`);
      }
      for (const s of policyOf(keys.audit).Statement.filter((s) => principals(s).includes("service:cloudwatch.amazonaws.com"))) {
        assert.ok(s.Condition?.StringEquals?.["aws:SourceAccount"], `${s.Sid} is scoped to the account`);
      }
    });

    test("node volumes key: the Auto Scaling service-linked role, grants only for AWS resources", async () => {
      const { keys } = await load(stack);
      const statements = policyOf(keys.nodeVolumes).Statement.filter((s) => principals(s).some((p) => p.includes("AWSServiceRoleForAutoScaling")));
      assert.ok(statements.length >= 1);
      for (const s of statements.filter((s) => list(s.Action).includes("kms:CreateGrant"))) {
        assert.equal(s.Condition?.Bool?.["kms:GrantIsForAWSResource"], true);
      }
    });

    test("signing key: admins sign with ECDSA_SHA_256; readers only fetch the public key", async () => {
      const { keys, cfg } = await load(stack);
      const statements = policyOf(keys.signing).Statement;
      const sign = statements.filter((s) => list(s.Action).includes("kms:Sign"));
      assert.equal(sign.length, 1);
      assert.deepEqual([...principals(sign[0])].sort(), [...cfg.access.adminRoleArns].sort());
      assert.equal(sign[0].Condition?.StringEquals?.["kms:SigningAlgorithm"], "ECDSA_SHA_256");
      for (const s of statements.filter((s) => principals(s).some((p) => cfg.access.readOnlyRoleArns.includes(p)))) {
        assert.deepEqual([...list(s.Action)].sort(), ["kms:DescribeKey", "kms:GetPublicKey"]);
      }
    });
  });

  describe(`buckets of ${stack}`, () => {
    test("every bucket: SSE-KMS with a key of the program and a bucket key, versioning, all four public access blocks, BucketOwnerEnforced, Object Lock, TLS-only policy", async () => {
      const { result } = await load(stack);
      const keyArns = ofType(result, "aws:kms/key:Key").map((k) => k.outputs.arn);
      const buckets = ofType(result, "aws:s3/bucket:Bucket");
      assert.ok(buckets.length >= 2);
      for (const bucket of buckets) {
        const c = bucketChildren(result, bucket);
        assert.equal(bucket.inputs.objectLockEnabled, true, `${bucket.name} object lock enabled at creation`);
        assert.notEqual(bucket.inputs.forceDestroy, true, `${bucket.name} forceDestroy`);
        for (const x of [c.sse, c.versioning, c.pab, c.ownership, c.lock, c.policy]) if (x) assert.equal(x.inputs.bucket, bucket.outputs.bucket, `${x.type} targets ${bucket.name}`);
        const rules = c.sse.inputs.rules as { applyServerSideEncryptionByDefault: { sseAlgorithm: string; kmsMasterKeyId?: string }; bucketKeyEnabled?: boolean }[];
        assert.equal(rules.length, 1);
        assert.equal(rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "aws:kms");
        assert.ok(keyArns.includes(rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId), `${bucket.name} is encrypted with a customer key of the program`);
        // The CloudTrail archive has none: with one, creating the trail needs kms:Decrypt on the audit key.
        assert.equal(rules[0].bucketKeyEnabled, !bucket.name.endsWith("-audit-archive"), `${bucket.name} bucket key`);
        assert.equal((c.versioning.inputs.versioningConfiguration as { status: string }).status, "Enabled");
        for (const flag of ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"]) assert.equal(c.pab.inputs[flag], true, `${bucket.name} ${flag}`);
        assert.equal((c.ownership.inputs.rule as { objectOwnership: string }).objectOwnership, "BucketOwnerEnforced");
        if (c.lock) {
          assert.equal(c.lock.inputs.objectLockEnabled, "Enabled");
          const retention = (c.lock.inputs.rule as { defaultRetention: { mode: string; days?: number } }).defaultRetention;
          assert.equal(retention.mode, prod ? "COMPLIANCE" : "GOVERNANCE", `${bucket.name} lock mode`);
          assert.ok((retention.days ?? 0) >= 1);
        }
        assert.ok(c.policy.dependencies.includes(c.pab.urn), "the public access block goes first");
        const tls = policyOf(c.policy).Statement.find((s) => s.Effect === "Deny" && s.Condition?.Bool?.["aws:SecureTransport"] === "false");
        assert.ok(tls, `${bucket.name} denies aws:SecureTransport=false`);
        assert.deepEqual(list(tls.Action), ["s3:*"]);
        assert.deepEqual(principals(tls), ["*"]);
        const arn = `arn:aws:s3:::${bucket.outputs.bucket}`;
        assert.deepEqual([...list(tls.Resource)].sort(), [arn, `${arn}/*`]);
        for (const s of policyOf(c.policy).Statement.filter((s) => s.Effect === "Allow")) {
          assert.ok(!principals(s).includes("*"), `${bucket.name}/${s.Sid} allows anyone`);
        }
      }
    });

    test("the model store: models key, lock days from config, reads only through the VPC endpoint except admins, uploads only with the models key", async () => {
      const { result, cfg, keys, region } = await load(stack);
      const bucket = one(result, "aws:s3/bucket:Bucket", "-models");
      const c = bucketChildren(result, bucket);
      const rules = c.sse.inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[];
      assert.equal(rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, keys.models.outputs.arn);
      assert.equal((c.lock!.inputs.rule as { defaultRetention: { days: number } }).defaultRetention.days, cfg.storage.modelLockDays);
      // The S3 endpoints of the VPC (the gateway, and an interface endpoint where the program has one).
      const s3Endpoints = ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").filter((e) => e.inputs.serviceName === `com.amazonaws.${region}.s3`);
      assert.ok(s3Endpoints.some((e) => e.inputs.vpcEndpointType === "Gateway"));
      const statements = policyOf(c.policy).Statement;
      const perimeter = statements.find((s) => s.Effect === "Deny" && s.Condition?.StringNotEquals?.["aws:SourceVpce"] !== undefined);
      assert.ok(perimeter, "denies access not through the VPC endpoint");
      assert.deepEqual([...list(perimeter.Condition!.StringNotEquals["aws:SourceVpce"] as string | string[])].sort(), s3Endpoints.map((e) => e.id).sort());
      assert.deepEqual(principals(perimeter), ["*"]);
      for (const a of ["s3:GetObject", "s3:PutObject", "s3:DeleteObject", "s3:ListBucket"]) assert.ok(list(perimeter.Action).includes(a), `perimeter covers ${a}`);
      const exempt = list(perimeter.Condition!.ArnNotLike?.["aws:PrincipalArn"] as string | string[] | undefined);
      assert.deepEqual([...exempt].sort(), [...cfg.access.adminRoleArns].sort(), "only the admin roles are exempt");
      // Each encryption deny applies only when its header is present: UploadPart carries none
      // (the access matrix simulates the whole multipart upload).
      const otherKeys = statements.find((s) => s.Effect === "Deny" && list(s.Action).includes("s3:PutObject") && s.Condition?.StringNotEquals?.["s3:x-amz-server-side-encryption-aws-kms-key-id"] !== undefined);
      assert.ok(otherKeys, "denies uploads with another key");
      assert.equal(otherKeys.Condition!.StringNotEquals["s3:x-amz-server-side-encryption-aws-kms-key-id"], keys.models.outputs.arn);
      assert.equal(otherKeys.Condition!.Null?.["s3:x-amz-server-side-encryption-aws-kms-key-id"], "false", "only when the key header is present");
      const notKms = statements.find((s) => s.Effect === "Deny" && list(s.Action).includes("s3:PutObject") && s.Condition?.StringNotEquals?.["s3:x-amz-server-side-encryption"] === "aws:kms");
      assert.ok(notKms, "denies uploads without SSE-KMS");
    });

    test("no bucket policy denies a multipart UploadPart for lacking encryption headers (only CreateMultipartUpload sends them)", async () => {
      const { result } = await load(stack);
      for (const bucket of ofType(result, "aws:s3/bucket:Bucket")) {
        const c = bucketChildren(result, bucket);
        for (const s of policyOf(c.policy).Statement) {
          if (s.Effect !== "Deny" || !list(s.Action).some((a) => a === "s3:PutObject" || a === "s3:*" || a === "*")) continue;
          // UploadPart is authorized as s3:PutObject and carries no SSE header. A condition on an
          // absent key is true for the negated operators and for every ...IfExists operator
          // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists),
          // so a deny on the headers must also require one of them to be present (Null: false),
          // or match them with a positive operator, which is false when they are absent.
          const conditions = Object.entries(s.Condition ?? {}).flatMap(([operator, keys]) => Object.entries(keys).map(([key, value]) => ({ operator, key, value })));
          const sse = conditions.filter((c) => /^s3:x-amz-server-side-encryption/i.test(c.key));
          if (sse.length === 0) continue;
          const requiresHeader = sse.some((c) => (c.operator === "Null" && String(c.value) === "false") || /^(StringEquals|StringLike|StringEqualsIgnoreCase|ArnEquals|ArnLike)$/.test(c.operator));
          assert.ok(requiresHeader, `${bucket.name}/${s.Sid}: ${sse.map((c) => `${c.operator} on ${c.key}`).join(", ")} is true when the header is absent, so it denies every UploadPart; add Null: { ${sse[0].key}: "false" }`);
        }
      }
    });

    test("the audit archive: audit key, lock days from config, CloudTrail writes only for this trail", async () => {
      const { result, cfg, keys } = await load(stack);
      const bucket = one(result, "aws:s3/bucket:Bucket", "-audit-archive");
      const c = bucketChildren(result, bucket);
      const rules = c.sse.inputs.rules as { applyServerSideEncryptionByDefault: { kmsMasterKeyId: string } }[];
      assert.equal(rules[0].applyServerSideEncryptionByDefault.kmsMasterKeyId, keys.audit.outputs.arn);
      assert.equal((c.lock!.inputs.rule as { defaultRetention: { days: number } }).defaultRetention.days, cfg.storage.auditLockDays);
      const trail = ofType(result, "aws:cloudtrail/trail:Trail")[0];
      for (const s of policyOf(c.policy).Statement.filter((s) => s.Effect === "Allow")) {
        assert.deepEqual(principals(s), ["service:cloudtrail.amazonaws.com"]);
        assert.equal(s.Condition?.StringEquals?.["aws:SourceArn"], trail.outputs.arn);
      }
    });
  });

  describe(`protection in ${stack}`, () => {
    test(protectedData ? "keys and buckets are protected and retained on delete" : "keys and buckets are neither protected nor retained", async () => {
      const { result } = await load(stack);
      const data = [...ofType(result, "aws:kms/key:Key"), ...ofType(result, "aws:s3/bucket:Bucket")];
      assert.ok(data.length >= 8);
      for (const r of data) {
        assert.equal(r.protect, protectedData, `${r.name} protect`);
        // The account's default EBS key outlives any one stack: volumes across the account may be encrypted with it.
        assert.equal(r.retainOnDelete, protectedData || r.name.endsWith("-account-ebs-default"), `${r.name} retainOnDelete`);
      }
    });
  });
}
