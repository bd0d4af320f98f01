import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { denyInsecureTransport } from "../keys/key-policies";
import { withName, type Tags } from "../tags";
import { DetectionNotVerified, type DetectionStrategy } from "./threat-detection";
import { configRetentionDays, managedRules, recordedResourceTypes, recorderFromCloudControl, recorderGaps, ruleParameters } from "./config-rules";

export interface ConfigComplianceArgs {
  /** `create`: this stack records with its own recorder; `organization`: a recorder the organisation runs is verified at preview. Required. */
  strategy: DetectionStrategy;
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  accountId: pulumi.Input<string>;
  /** Prefix of the rule names (`<prefix>-<rule>`), the recorder and the delivery channel. Required. */
  namePrefix: string;
  /** Delivery bucket name (create only). Required. */
  bucketName: pulumi.Input<string>;
  /** Customer-managed key encrypting what Config delivers (the KeyRing's audit key). Required. */
  kmsKeyArn: pulumi.Input<string>;
  /** Retention of audit records, days: configuration items and delivered files are kept as long (Config keeps at most 2557). Required. */
  auditRetentionDays: number;
  /** Audit-class log groups whose retention a rule checks. Required. */
  auditLogGroupNames: string[];
  /** Name of the organisation's recorder in this account (organization only). Default `default`. */
  organizationRecorderName?: string;
  /** Protect the delivery bucket. Default false. */
  protect?: boolean;
  tags?: Tags;
}

/** Where Config writes in the delivery bucket (it appends `AWSLogs/<account>/Config/`). */
export const CONFIG_KEY_PREFIX = "config";

/**
 * AWS Config: a recorder of every resource type the platform uses (create), or the organisation's
 * recorder verified at preview (organization), and managed rules that turn a change made by hand
 * NON_COMPLIANT. Non-compliance reaches a person through the findings pipeline (EventBridge).
 *
 * The delivery bucket is the platform's own and, unlike the other buckets, has Object Lock without
 * a default retention: AWS Config refuses to deliver to a bucket with default retention
 * (https://docs.aws.amazon.com/config/latest/developerguide/manage-delivery-channel.html). The
 * configuration history itself is kept by Config for the audit retention (RetentionConfiguration).
 */
export class ConfigCompliance extends pulumi.ComponentResource {
  /** Names of the managed rules, for the findings pipeline's pattern. */
  public readonly rulePrefix: string;
  public readonly summary: pulumi.Output<string>;
  /** The delivery bucket's ARN (create only): the history of the account's configuration, backed up with the other records. */
  public readonly deliveryBucketArn?: pulumi.Output<string>;

  constructor(name: string, args: ConfigComplianceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:monitoring:ConfigCompliance", name, {}, opts);
    const partition = args.partition ?? "aws";
    const tags = args.tags ?? {};
    const protect = args.protect ?? false;
    this.rulePrefix = args.namePrefix;
    const required = recordedResourceTypes();

    let ready: pulumi.Resource[] = [];
    if (args.strategy === "create") {
      const bucketArn = pulumi.output(args.bucketName).apply((b) => `arn:${partition}:s3:::${b}`);
      const bucket = new aws.s3.Bucket(
        `${name}-delivery`,
        { bucket: args.bucketName, objectLockEnabled: true, forceDestroy: false, tags: { ...withName(tags, `${name}-delivery`), "data-class": "config-delivery" } },
        { parent: this, protect, retainOnDelete: protect },
      );
      this.deliveryBucketArn = bucket.arn;
      const child = { parent: bucket };
      const pab = new aws.s3.BucketPublicAccessBlock(`${name}-delivery`, { bucket: bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true }, child);
      new aws.s3.BucketOwnershipControls(`${name}-delivery`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, child);
      const versioning = new aws.s3.BucketVersioning(`${name}-delivery`, { bucket: bucket.id, versioningConfiguration: { status: "Enabled" } }, child);
      const encryption = new aws.s3.BucketServerSideEncryptionConfiguration(
        `${name}-delivery`,
        { bucket: bucket.id, rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: args.kmsKeyArn }, bucketKeyEnabled: true }] },
        child,
      );
      new aws.s3.BucketLifecycleConfiguration(
        `${name}-delivery`,
        {
          bucket: bucket.id,
          rules: [
            { id: "abort-incomplete-uploads", status: "Enabled", filter: {}, abortIncompleteMultipartUpload: { daysAfterInitiation: 7 } },
            { id: "audit-retention", status: "Enabled", filter: {}, expiration: { days: args.auditRetentionDays }, noncurrentVersionExpiration: { noncurrentDays: args.auditRetentionDays } },
          ],
        },
        { parent: bucket, dependsOn: [versioning] },
      );
      const policy = new aws.s3.BucketPolicy(
        `${name}-delivery`,
        {
          bucket: bucket.id,
          policy: bucketArn.apply((arn) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                denyInsecureTransport("s3:*", [arn, `${arn}/*`]),
                { Sid: "DenyTlsBelow12", Effect: "Deny", Principal: { AWS: "*" }, Action: "s3:*", Resource: [arn, `${arn}/*`], Condition: { NumericLessThan: { "s3:TlsVersion": "1.2" } } },
              ],
            }),
          ),
        },
        { parent: bucket, dependsOn: [pab] },
      );

      // The recorder's role: AWS_ConfigRole (the read permissions recording needs, maintained by
      // AWS as types are added) plus delivery to this bucket's prefix only, with this key only.
      // https://docs.aws.amazon.com/config/latest/developerguide/iamrole-permissions.html
      const role = new aws.iam.Role(
        `${name}-recorder`,
        {
          assumeRolePolicy: pulumi.output(args.accountId).apply((accountId) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Principal: { Service: "config.amazonaws.com" }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": accountId } } }],
            }),
          ),
          tags: withName(tags, `${name}-recorder`),
        },
        { parent: this },
      );
      const managed = new aws.iam.RolePolicyAttachment(`${name}-recorder`, { role: role.name, policyArn: `arn:${partition}:iam::aws:policy/service-role/AWS_ConfigRole` }, { parent: role });
      const delivery = new aws.iam.RolePolicy(
        `${name}-recorder-delivery`,
        {
          role: role.id,
          policy: pulumi.all([bucketArn, args.accountId, args.kmsKeyArn]).apply(([arn, accountId, keyArn]) =>
            JSON.stringify({
              Version: "2012-10-17",
              Statement: [
                { Sid: "DeliverToPrefix", Effect: "Allow", Action: "s3:PutObject", Resource: `${arn}/${CONFIG_KEY_PREFIX}/AWSLogs/${accountId}/*`, Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } } },
                { Sid: "CheckBucketAcl", Effect: "Allow", Action: "s3:GetBucketAcl", Resource: arn },
                // https://docs.aws.amazon.com/config/latest/developerguide/s3-kms-key-policy.html
                { Sid: "EncryptDeliveries", Effect: "Allow", Action: ["kms:Decrypt", "kms:GenerateDataKey"], Resource: keyArn, Condition: { StringLike: { "kms:EncryptionContext:aws:s3:arn": `${arn}/*` } } },
              ],
            }),
          ),
        },
        { parent: role },
      );

      const recorder = new aws.cfg.Recorder(
        `${name}-recorder`,
        {
          name: `${args.namePrefix}-recorder`,
          roleArn: role.arn,
          recordingGroup: { allSupported: false, includeGlobalResourceTypes: false, recordingStrategies: [{ useOnly: "INCLUSION_BY_RESOURCE_TYPES" }], resourceTypes: required },
          recordingMode: { recordingFrequency: "CONTINUOUS" },
        },
        { parent: this, dependsOn: [managed] },
      );
      const channel = new aws.cfg.DeliveryChannel(
        `${name}-delivery`,
        {
          name: `${args.namePrefix}-delivery`,
          s3BucketName: bucket.bucket,
          s3KeyPrefix: CONFIG_KEY_PREFIX,
          s3KmsKeyArn: args.kmsKeyArn,
          snapshotDeliveryProperties: { deliveryFrequency: "TwentyFour_Hours" },
        },
        // Config test-writes to the bucket when the channel is put: its policy and key must be in place.
        { parent: this, dependsOn: [recorder, delivery, policy, encryption] },
      );
      const status = new aws.cfg.RecorderStatus(`${name}-recorder`, { name: recorder.name, isEnabled: true }, { parent: this, dependsOn: [channel] });
      new aws.cfg.RetentionConfiguration(`${name}-retention`, { retentionPeriodInDays: configRetentionDays(args.auditRetentionDays) }, { parent: this, dependsOn: [recorder] });
      ready = [status];
      this.summary = pulumi.output(`recorder ${args.namePrefix}-recorder created by this stack, ${required.length} resource types`);
    } else {
      const recorderName = args.organizationRecorderName ?? "default";
      // Cloud Control reads the recorder (AWS::Config::ConfigurationRecorder) through the provider's credentials.
      this.summary = pulumi.output(
        aws.cloudcontrol
          .getResource({ typeName: "AWS::Config::ConfigurationRecorder", identifier: recorderName }, { parent: this })
          .then(
            (r) => recorderGaps(recorderFromCloudControl(r.properties), required),
            () => [`no configuration recorder named "${recorderName}" exists in this account and region`],
          )
          .then((gaps) => {
            if (gaps.length > 0) throw new DetectionNotVerified(`detection.config is "organization", but ${gaps.join("; ")}. Name the organisation's recorder with detection.configRecorderName, or set detection.config: create.`);
            return `organization recorder ${recorderName}, verified at preview`;
          }),
      );
    }

    const ctx = { auditLogGroupNames: args.auditLogGroupNames, auditRetentionDays: args.auditRetentionDays };
    for (const rule of managedRules()) {
      const params = ruleParameters(rule.id, ctx);
      new aws.cfg.Rule(
        `${name}-${rule.id}`,
        {
          name: `${args.namePrefix}-${rule.id}`,
          description: rule.watches,
          source: { owner: "AWS", sourceIdentifier: rule.identifier },
          ...(params ? { inputParameters: JSON.stringify(params) } : {}),
          ...(rule.resourceTypes.length > 0 ? { scope: { complianceResourceTypes: rule.resourceTypes } } : {}),
          tags,
        },
        // A rule needs a recorder; in create mode, the one this stack starts.
        { parent: this, dependsOn: ready },
      );
    }
    this.registerOutputs({ summary: this.summary });
  }
}
