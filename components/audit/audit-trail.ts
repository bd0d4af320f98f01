import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { SecureBucket } from "../storage/secure-bucket";
import { encryptedLogGroup, logGroupArn } from "./log-group";
import { SECURITY_ALARMS } from "./security-alarms";
import { withName, type Tags } from "../tags";
import { denyInsecureTransport, type PolicyStatement } from "../keys/key-policies";

export interface AuditTrailArgs {
  /** Trail name (the audit key's policy names it). Required. */
  trailName: string;
  /** Archive bucket name. Required. */
  bucketName: pulumi.Input<string>;
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  accountId: pulumi.Input<string>;
  /** The KeyRing's audit key: trail files, archive bucket and alarm topic. Required. */
  auditKeyArn: pulumi.Input<string>;
  /** The KeyRing's logs key: CloudWatch log groups. Required. */
  logsKeyArn: pulumi.Input<string>;
  /** Log-group name prefix, e.g. `/sovereign-llm/prod/`. Required. */
  logGroupPrefix: string;
  /** Buckets whose object reads and writes are recorded as S3 data events (the model store). Required. */
  dataEventBucketArns: pulumi.Input<string>[];
  /** Retention of audit-class logs, days. Required. */
  auditRetentionDays: number;
  /** Object Lock of the archive: COMPLIANCE in prod, GOVERNANCE elsewhere; days. Required. */
  lock: { mode: "GOVERNANCE" | "COMPLIANCE"; days: number };
  /** Content-class log group (prompts, completions): created only when `enabled`, with short retention. Default off. */
  content?: { mode: "off" | "enabled"; retentionDays: number };
  /** E-mail subscribers of the alarm topic. Default none. */
  alarmEmails?: string[];
  /** Protect the archive bucket. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * The audit record: a multi-region CloudTrail with log-file validation and S3 data events for
 * the model store, archived in an object-locked, KMS-encrypted bucket and streamed to an
 * audit-class log group with metric filters and alarms; plus, only when enabled, a content-class
 * log group with short retention.
 */
export class AuditTrail extends pulumi.ComponentResource {
  public readonly trail: aws.cloudtrail.Trail;
  public readonly archive: SecureBucket;
  public readonly auditLogGroup: aws.cloudwatch.LogGroup;
  public readonly contentLogGroup?: aws.cloudwatch.LogGroup;
  /** Audit class: one line per gateway request (who, which model, decision), never content. */
  public readonly gatewayAuditLogGroup: aws.cloudwatch.LogGroup;
  public readonly alarmTopic: aws.sns.Topic;

  constructor(name: string, args: AuditTrailArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:audit:AuditTrail", name, {}, opts);
    const partition = args.partition ?? "aws";
    const tags = args.tags ?? {};
    const content = args.content ?? { mode: "off", retentionDays: 7 };
    const alarmEmails = args.alarmEmails ?? [];
    if (args.dataEventBucketArns.length === 0) throw new Error(`AuditTrail ${name}: dataEventBucketArns: name the model store bucket`);

    const accountId = pulumi.output(args.accountId);
    const trailArn = accountId.apply((id) => `arn:${partition}:cloudtrail:${args.region}:${id}:trail/${args.trailName}`);

    this.archive = new SecureBucket(
      `${name}-archive`,
      {
        bucketName: args.bucketName,
        kmsKeyArn: args.auditKeyArn,
        partition,
        objectLock: args.lock,
        // No bucket key: see SecureBucketArgs.bucketKey. CloudTrail writes a few objects per
        // region every five minutes, so per-object KMS requests cost little.
        bucketKey: false,
        protect: args.protect,
        tags: { ...tags, "data-class": "audit" },
        // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
        policyStatements: (arn) =>
          pulumi.all([accountId, trailArn]).apply(([id, trail]): PolicyStatement[] => [
            {
              Sid: "CloudTrailAclCheck",
              Effect: "Allow",
              Principal: { Service: "cloudtrail.amazonaws.com" },
              Action: "s3:GetBucketAcl",
              Resource: arn,
              Condition: { StringEquals: { "aws:SourceArn": trail } },
            },
            {
              Sid: "CloudTrailWrite",
              Effect: "Allow",
              Principal: { Service: "cloudtrail.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `${arn}/AWSLogs/${id}/*`,
              Condition: { StringEquals: { "aws:SourceArn": trail, "s3:x-amz-acl": "bucket-owner-full-control" } },
            },
          ]),
      },
      { parent: this },
    );

    const auditLogGroupName = `${args.logGroupPrefix}audit/cloudtrail`;
    const auditLogGroupArn = logGroupArn(partition, args.region, args.accountId, auditLogGroupName);
    this.auditLogGroup = encryptedLogGroup(
      `${name}-cloudtrail`,
      { name: auditLogGroupName, kmsKeyArn: args.logsKeyArn, retentionInDays: args.auditRetentionDays, logClass: "audit", tags },
      { parent: this },
    );
    const deliveryRole = new aws.iam.Role(
      `${name}-cloudtrail-to-logs`,
      {
        description: "CloudTrail delivery to its CloudWatch log group",
        // As AWS documents the role: CloudTrail sends no aws:SourceArn or aws:SourceAccount when it
        // assumes it ("Confused deputy prevention is not applicable to the role policy for
        // CloudWatch Logs monitoring"), so a condition on them would stop delivery. The role can
        // write only this trail's streams of this group.
        // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-required-policy-for-cloudwatch-logs.html
        assumeRolePolicy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "sts:AssumeRole" }],
        }),
        tags: withName(tags, `${name}-cloudtrail-to-logs`),
      },
      { parent: this },
    );
    const deliveryPolicy = new aws.iam.RolePolicy(
      `${name}-cloudtrail-to-logs`,
      {
        role: deliveryRole.id,
        // CloudTrail names its streams <account>_CloudTrail_<region>.
        policy: pulumi.all([auditLogGroupArn, accountId]).apply(([arn, id]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${arn}:log-stream:${id}_CloudTrail_*` }],
          }),
        ),
      },
      { parent: deliveryRole, dependsOn: [this.auditLogGroup] },
    );

    // From the archive's name (known at preview), so packs can read the selectors before the bucket exists.
    const archiveObjects = [
      { field: "eventCategory", equals: ["Data"] },
      { field: "resources.type", equals: ["AWS::S3::Object"] },
      { field: "resources.ARN", startsWiths: [pulumi.interpolate`arn:${partition}:s3:::${args.bucketName}/`] },
    ];
    this.trail = new aws.cloudtrail.Trail(
      `${name}`,
      {
        name: args.trailName,
        s3BucketName: this.archive.name,
        kmsKeyId: args.auditKeyArn,
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        enableLogFileValidation: true,
        enableLogging: true,
        cloudWatchLogsGroupArn: pulumi.interpolate`${auditLogGroupArn}:*`,
        cloudWatchLogsRoleArn: deliveryRole.arn,
        advancedEventSelectors: [
          { name: "Management events", fieldSelectors: [{ field: "eventCategory", equals: ["Management"] }] },
          {
            name: "Model store object reads and writes",
            fieldSelectors: [
              { field: "eventCategory", equals: ["Data"] },
              { field: "resources.type", equals: ["AWS::S3::Object"] },
              { field: "resources.ARN", startsWiths: args.dataEventBucketArns.map((arn) => pulumi.interpolate`${arn}/`) },
            ],
          },
          // The archive's own access. Its writes are CloudTrail's deliveries (PutObject), which a
          // data-event selector on the archive would record recursively, so writes are recorded
          // except PutObject: deletions, retention and legal-hold changes; Object Lock keeps every
          // delivered version. https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-trail-recursive-logging.html
          {
            name: "Audit archive reads",
            fieldSelectors: [...archiveObjects, { field: "readOnly", equals: ["true"] }],
          },
          {
            name: "Audit archive deletions and lock changes",
            fieldSelectors: [...archiveObjects, { field: "readOnly", equals: ["false"] }, { field: "eventName", notEquals: ["PutObject"] }],
          },
        ],
        tags: withName(tags, args.trailName),
      },
      // The archive's default retention and encryption exist before the first log file is
      // written, so no trail file is ever stored unlocked or under another key.
      { parent: this, dependsOn: [this.archive.policy, this.archive.lockConfiguration, this.archive.encryption, deliveryPolicy, this.auditLogGroup] },
    );

    this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, { kmsMasterKeyId: args.auditKeyArn, tags: withName(tags, `${name}-alarms`) }, { parent: this });
    new aws.sns.TopicPolicy(
      `${name}-alarms`,
      {
        arn: this.alarmTopic.arn,
        policy: pulumi.all([this.alarmTopic.arn, accountId]).apply(([topic, id]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "CloudWatchAlarmsOfThisAccount",
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: topic,
                Condition: { StringEquals: { "aws:SourceAccount": id } },
              },
              denyInsecureTransport("sns:Publish", topic),
            ],
          }),
        ),
      },
      { parent: this.alarmTopic },
    );
    for (const email of [...alarmEmails].sort()) {
      new aws.sns.TopicSubscription(`${name}-alarms-${email.replace(/[^a-zA-Z0-9]/g, "-")}`, { topic: this.alarmTopic.arn, protocol: "email", endpoint: email }, { parent: this.alarmTopic });
    }
    const namespace = `SovereignLlm/${args.trailName}`;
    for (const alarm of SECURITY_ALARMS) {
      const filter = new aws.cloudwatch.LogMetricFilter(
        `${name}-${alarm.id}`,
        {
          logGroupName: this.auditLogGroup.name,
          pattern: alarm.pattern,
          metricTransformation: { name: alarm.id, namespace, value: "1", defaultValue: "0" },
        },
        { parent: this.auditLogGroup },
      );
      new aws.cloudwatch.MetricAlarm(
        `${name}-${alarm.id}`,
        {
          alarmDescription: alarm.description,
          namespace,
          metricName: alarm.id,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: alarm.threshold,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [this.alarmTopic.arn],
          tags: withName(tags, `${name}-${alarm.id}`),
        },
        { parent: filter },
      );
    }

    this.gatewayAuditLogGroup = encryptedLogGroup(
      `${name}-gateway`,
      { name: `${args.logGroupPrefix}audit/gateway`, kmsKeyArn: args.logsKeyArn, retentionInDays: args.auditRetentionDays, logClass: "audit", tags },
      { parent: this },
    );

    if (content.mode === "enabled") {
      this.contentLogGroup = encryptedLogGroup(
        `${name}-content`,
        { name: `${args.logGroupPrefix}content/inference`, kmsKeyArn: args.logsKeyArn, retentionInDays: content.retentionDays, logClass: "content", tags },
        { parent: this },
      );
    }
    this.registerOutputs({ trailArn: this.trail.arn, archiveBucket: this.archive.name });
  }
}
