import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { encryptedLogGroup } from "../audit/log-group";
import { withName, type Tags } from "../tags";
import { nonCompliancePattern } from "./config-rules";

export interface FindingsArgs {
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  accountId: pulumi.Input<string>;
  /** Log group of findings (audit class), e.g. `/sovereign-llm/prod/findings`. Required. */
  logGroupName: string;
  logsKeyArn: pulumi.Input<string>;
  retentionDays: number;
  /** The alarm topic every alarm notifies. Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** CloudWatch namespace of the platform's metrics. Required. */
  metricNamespace: string;
  /** GuardDuty findings at or above this severity raise the alarm (1-10). Default 7 (high). */
  guardDutyMinSeverity?: number;
  /** Inspector image findings of these severities raise the alarm. Default HIGH and CRITICAL. */
  inspectorSeverities?: InspectorSeverity[];
  /** Prefix of this stack's AWS Config rule names: any of them turning NON_COMPLIANT raises the alarm. Default none (no Config alarm). */
  configRulePrefix?: string;
  /** Protect the log group. Default false. */
  protect?: boolean;
  tags?: Tags;
}

export const INSPECTOR_SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"] as const;
export type InspectorSeverity = (typeof INSPECTOR_SEVERITIES)[number];

/** The severities at or above `min` (Inspector's order: CRITICAL highest). */
export function severitiesFrom(min: InspectorSeverity): InspectorSeverity[] {
  return INSPECTOR_SEVERITIES.slice(0, INSPECTOR_SEVERITIES.indexOf(min) + 1);
}

/**
 * EventBridge patterns of the findings that must reach a person. Pure, so tests can match them
 * against sample events. Event shapes:
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html and
 * https://docs.aws.amazon.com/inspector/latest/user/eventbridge-integration.html
 */
export function findingPatterns(guardDutyMinSeverity: number, inspectorSeverities: readonly string[], configRulePrefix?: string): { id: string; source: string; description: string; pattern: object }[] {
  return [
    {
      id: "guardduty-finding",
      source: "aws.guardduty",
      description: `GuardDuty finding of severity ${guardDutyMinSeverity} or more (threat in the account, the cluster or the model store)`,
      pattern: { source: ["aws.guardduty"], "detail-type": ["GuardDuty Finding"], detail: { severity: [{ numeric: [">=", guardDutyMinSeverity] }] } },
    },
    {
      id: "inspector-image-finding",
      source: "aws.inspector2",
      description: `Inspector finding (${inspectorSeverities.join(", ")}) in an image the platform runs`,
      pattern: {
        source: ["aws.inspector2"],
        "detail-type": ["Inspector2 Finding"],
        detail: { severity: [...inspectorSeverities], status: ["ACTIVE"], type: ["PACKAGE_VULNERABILITY", "CODE_VULNERABILITY"] },
      },
    },
    ...(configRulePrefix
      ? [
          {
            id: "config-noncompliant",
            source: "aws.config",
            description: "An AWS Config rule of the platform turned NON_COMPLIANT (a setting changed outside the reviewed deploy)",
            pattern: nonCompliancePattern(configRulePrefix),
          },
        ]
      : []),
  ];
}

/**
 * Findings that must reach a person: EventBridge rules for high-severity GuardDuty findings,
 * Inspector image vulnerabilities and AWS Config rules turning NON_COMPLIANT deliver them to an audit-class log group, where metric filters
 * count them and alarms notify the alarm topic. (A log group as target keeps the encrypted topic's
 * key and topic policies unchanged; the log group also keeps the finding itself for review.)
 */
export class FindingsPipeline extends pulumi.ComponentResource {
  public readonly logGroup: aws.cloudwatch.LogGroup;

  constructor(name: string, args: FindingsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:monitoring:FindingsPipeline", name, {}, opts);
    const partition = args.partition ?? "aws";
    const tags = args.tags ?? {};
    const patterns = findingPatterns(args.guardDutyMinSeverity ?? 7, args.inspectorSeverities ?? ["CRITICAL", "HIGH"], args.configRulePrefix);

    this.logGroup = encryptedLogGroup(
      `${name}-log`,
      { name: args.logGroupName, kmsKeyArn: args.logsKeyArn, retentionInDays: args.retentionDays, logClass: "audit", tags },
      { parent: this, protect: args.protect, retainOnDelete: args.protect },
    );
    const groupArn = pulumi.interpolate`arn:${partition}:logs:${args.region}:${args.accountId}:log-group:${args.logGroupName}:*`;

    // EventBridge writes to a log group only when the group's resource policy lets it:
    // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html#eb-cloudwatchlogs-permissions
    const policy = new aws.cloudwatch.LogResourcePolicy(
      `${name}-events`,
      {
        policyName: `${name}-events`,
        policyDocument: groupArn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "EventBridgeDeliversFindings",
                Effect: "Allow",
                Principal: { Service: ["events.amazonaws.com", "delivery.logs.amazonaws.com"] },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: arn,
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    for (const p of patterns) {
      const rule = new aws.cloudwatch.EventRule(
        `${name}-${p.id}`,
        { description: p.description, eventPattern: JSON.stringify(p.pattern), tags: withName(tags, `${name}-${p.id}`) },
        { parent: this },
      );
      new aws.cloudwatch.EventTarget(`${name}-${p.id}`, { rule: rule.name, arn: this.logGroup.arn }, { parent: this, dependsOn: [policy] });
      const filter = new aws.cloudwatch.LogMetricFilter(
        `${name}-${p.id}`,
        {
          logGroupName: this.logGroup.name,
          // EventBridge writes the whole event as JSON: count those from this rule's source.
          pattern: `{ $.source = "${p.source}" }`,
          metricTransformation: { name: p.id, namespace: args.metricNamespace, value: "1", defaultValue: "0", unit: "Count" },
        },
        { parent: this },
      );
      new aws.cloudwatch.MetricAlarm(
        `${name}-${p.id}`,
        {
          alarmDescription: p.description,
          namespace: args.metricNamespace,
          metricName: p.id,
          statistic: "Sum",
          period: 300,
          evaluationPeriods: 1,
          threshold: 1,
          comparisonOperator: "GreaterThanOrEqualToThreshold",
          treatMissingData: "notBreaching",
          alarmActions: [args.alarmTopicArn],
          okActions: [args.alarmTopicArn],
          tags,
        },
        { parent: this, dependsOn: [filter] },
      );
    }
    this.registerOutputs({ logGroup: this.logGroup.name });
  }
}
