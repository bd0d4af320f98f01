/** Compliant fixtures shared by the control tests; each test breaks one thing. */
import { type Fixture, UNKNOWN, urnOf } from "../harness";

export const ACCOUNT = "111122223333";
export const TAGS = { project: "sovereign-llm", stack: "test", environment: "prod", "data-classification": "phi", owner: "ml-platform@example.org" };

export const T = {
  bucket: "aws:s3/bucket:Bucket",
  sse: "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
  pab: "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock",
  ownership: "aws:s3/bucketOwnershipControls:BucketOwnershipControls",
  versioning: "aws:s3/bucketVersioning:BucketVersioning",
  lock: "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration",
  bucketPolicy: "aws:s3/bucketPolicy:BucketPolicy",
  replication: "aws:s3/bucketReplicationConfig:BucketReplicationConfig",
  key: "aws:kms/key:Key",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  vpc: "aws:ec2/vpc:Vpc",
  flowLog: "aws:ec2/flowLog:FlowLog",
  subnet: "aws:ec2/subnet:Subnet",
  sg: "aws:ec2/securityGroup:SecurityGroup",
  defaultSg: "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  endpoint: "aws:ec2/vpcEndpoint:VpcEndpoint",
  trail: "aws:cloudtrail/trail:Trail",
  role: "aws:iam/role:Role",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  routeTable: "aws:ec2/routeTable:RouteTable",
  route: "aws:ec2/route:Route",
} as const;

export function tlsPolicy(bucketName: string): string {
  const arn = `arn:aws:s3:::${bucketName}`;
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { Bool: { "aws:SecureTransport": "false" } } }],
  });
}

/**
 * A bucket and all its side resources. `preview` makes the `bucket` inputs unknown (as in a first
 * preview) and links them only through property dependencies, as the engine does.
 */
export function secureBucket(name: string, opts: { preview?: boolean; tags?: Record<string, string> } = {}): Fixture[] {
  const bucketUrn = urnOf(T.bucket, name);
  const bucketName = `${name}-${ACCOUNT}-us-east-1`;
  const ref = opts.preview ? UNKNOWN : `${name}-id`;
  const side = (type: string, props: Record<string, unknown>): Fixture => ({
    type,
    name,
    props: { bucket: ref, ...props },
    parent: bucketUrn,
    dependencies: [bucketUrn],
    propertyDependencies: { bucket: [bucketUrn] },
  });
  return [
    { type: T.bucket, name, props: { bucket: bucketName, objectLockEnabled: true, forceDestroy: false, tags: { ...TAGS, ...(opts.tags ?? {}) } } },
    side(T.sse, { rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: opts.preview ? UNKNOWN : `arn:aws:kms:us-east-1:${ACCOUNT}:key/k1` }, bucketKeyEnabled: true }] }),
    side(T.pab, { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }),
    side(T.ownership, { rule: { objectOwnership: "BucketOwnerEnforced" } }),
    side(T.versioning, { versioningConfiguration: { status: "Enabled" } }),
    side(T.lock, { objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: "COMPLIANCE", days: 30 } } }),
    side(T.bucketPolicy, { policy: tlsPolicy(bucketName) }),
  ];
}

/** Replaces the fixture of `type` (first match) using `change`. */
export function edit(fixtures: Fixture[], type: string, change: (f: Fixture) => Fixture | undefined): Fixture[] {
  const i = fixtures.findIndex((f) => f.type === type);
  if (i < 0) throw new Error(`no fixture of type ${type}`);
  const out = [...fixtures];
  const next = change(structuredClone(fixtures[i]!));
  if (next === undefined) out.splice(i, 1);
  else out[i] = next;
  return out;
}
