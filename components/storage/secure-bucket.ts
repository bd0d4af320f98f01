import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { denyInsecureTransport, type PolicyStatement } from "../keys/key-policies";
import { withName, type Tags } from "../tags";

export interface SecureBucketArgs {
  /** Globally unique bucket name. Required. */
  bucketName: pulumi.Input<string>;
  /** AWS partition, for the bucket ARN. Default `aws`. */
  partition?: string;
  /** Customer-managed key for SSE-KMS (with an S3 bucket key). Required. */
  kmsKeyArn: pulumi.Input<string>;
  /** Object Lock default retention: GOVERNANCE (admins with the bypass permission may delete) or COMPLIANCE (nobody may, not even root). Required. */
  objectLock: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
  /** Statements added to the bucket policy after the TLS statements. Receives the bucket ARN. Default none. */
  policyStatements?: (bucketArn: string) => pulumi.Input<PolicyStatement[]>;
  /**
   * S3 Bucket Key for SSE-KMS (fewer KMS requests). Default true. Off for a CloudTrail archive:
   * with a bucket key, creating or updating a trail needs kms:Decrypt on the key
   * (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html),
   * which would have to be granted to whoever deploys, on the key that protects the audit record.
   */
  bucketKey?: boolean;
  /** Days after which incomplete multipart uploads are aborted. Default 7. */
  abortIncompleteUploadsAfterDays?: number;
  /**
   * Days a version stays after it stops being current (replaced or deleted) before it expires.
   * Default the Object Lock retention: a version cannot be removed before then anyway.
   */
  noncurrentVersionDays?: number;
  /** Protect from deletion and keep on removal. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * An S3 bucket with every control AWS v7 declares as a separate resource: SSE-KMS with a
 * customer-managed key and bucket key, versioning, Object Lock, all public access blocked,
 * ACLs disabled (BucketOwnerEnforced), and a policy that refuses plain HTTP and TLS below 1.2.
 */
export class SecureBucket extends pulumi.ComponentResource {
  public readonly bucket: aws.s3.Bucket;
  public readonly arn: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;
  public readonly policy: aws.s3.BucketPolicy;
  /** Object Lock default retention: writers that must never leave an object unlocked depend on it. */
  public readonly lockConfiguration: aws.s3.BucketObjectLockConfiguration;
  /** Default encryption: writers that rely on the bucket's key depend on it. */
  public readonly encryption: aws.s3.BucketServerSideEncryptionConfiguration;

  constructor(name: string, args: SecureBucketArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:storage:SecureBucket", name, {}, opts);
    const protect = args.protect ?? false;
    const tags = args.tags ?? {};
    const abortDays = args.abortIncompleteUploadsAfterDays ?? 7;
    const noncurrentDays = args.noncurrentVersionDays ?? args.objectLock.days;
    if (!(args.objectLock.days >= 1)) throw new Error(`SecureBucket ${name}: objectLock.days must be at least 1`);
    if (!(noncurrentDays >= 1)) throw new Error(`SecureBucket ${name}: noncurrentVersionDays must be at least 1`);

    this.bucket = new aws.s3.Bucket(
      `${name}`,
      { bucket: args.bucketName, objectLockEnabled: true, forceDestroy: false, tags: withName(tags, name) },
      { parent: this, protect, retainOnDelete: protect },
    );
    const child = { parent: this.bucket };
    const bucketId = this.bucket.id;
    const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(
      `${name}`,
      { bucket: bucketId, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
      child,
    );
    new aws.s3.BucketOwnershipControls(`${name}`, { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
    const versioning = new aws.s3.BucketVersioning(`${name}`, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } }, child);
    this.encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}`,
      { bucket: bucketId, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: args.bucketKey ?? true }] },
      child,
    );
    this.lockConfiguration = new aws.s3.BucketObjectLockConfiguration(
      `${name}`,
      { bucket: bucketId, objectLockEnabled: "Enabled", rule: { defaultRetention: { mode: args.objectLock.mode, days: args.objectLock.days } } },
      { parent: this.bucket, dependsOn: [versioning] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}`,
      {
        bucket: bucketId,
        rules: [
          { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: abortDays } },
          // Lifecycle never removes a version Object Lock still retains, so this only clears what is free to go.
          // https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-lock-managing.html#object-lock-managing-lifecycle
          { id: "expire-noncurrent-versions", status: "Enabled", filter: {}, noncurrentVersionExpiration: { noncurrentDays: noncurrentDays } },
        ],
      },
      { parent: this.bucket, dependsOn: [versioning] },
    );
    const extra = args.policyStatements;
    // The ARN follows from the name, so the policy is known at preview, before the bucket exists,
    // and policy packs can read it (unless the caller's statements name ids AWS assigns at
    // creation, as the model store's endpoint and key conditions do).
    const partition = args.partition ?? "aws";
    const policy = pulumi.output(args.bucketName).apply((bucketName) => `arn:${partition}:s3:::${bucketName}`).apply((arn) =>
      pulumi.output(extra ? extra(arn) : []).apply((statements) =>
        JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            denyInsecureTransport("s3:*", [arn, `${arn}/*`]),
            {
              Sid: "DenyTlsBelow12",
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: "s3:*",
              Resource: [arn, `${arn}/*`],
              Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } },
            },
            ...statements,
          ],
        }),
      ),
    );
    // The public access block goes first: a policy put while it is absent could be public.
    this.policy = new aws.s3.BucketPolicy(`${name}`, { bucket: bucketId, policy }, { parent: this.bucket, dependsOn: [publicAccessBlock] });
    this.arn = this.bucket.arn;
    this.name = this.bucket.bucket;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
