import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tags } from "../tags";
import { DEFAULT_THRESHOLDS, SAVED_QUERIES, gatewaySignals, modelReadSignal, securitySignals, type LogSource, type MonitoringThresholds, type Signal } from "./signals";

export interface PlatformMonitoringArgs {
  /** CloudWatch metric namespace for the platform's own metrics, e.g. `SovereignLLM/prod`. Required. */
  metricNamespace: string;
  /** Dashboard name and prefix of saved queries and Contributor Insights rules. Required. */
  dashboardName: string;
  region: string;
  /** The alarm topic every alarm notifies (alarm and recovery). Required. */
  alarmTopicArn: pulumi.Input<string>;
  /** Names of the log groups the signals read. Required. */
  logGroups: Record<LogSource, pulumi.Input<string>>;
  /** Models the gateway serves: request volume per model gets an anomaly-detection alarm. Default none. */
  models?: string[];
  /** The stack has no internet path: any egress the firewall sees is a compromise indicator. Required. */
  noEgress: boolean;
  /** Model-store reads by anyone but these roles raise an alarm. Required. */
  modelStore: { bucketName: pulumi.Input<string>; readerRoleArns: pulumi.Input<string>[] };
  /** Thresholds; unset ones take DEFAULT_THRESHOLDS. */
  thresholds?: Partial<MonitoringThresholds>;
  /** Detector names the gateway counts under `redactions` (built-ins plus configured patterns). Default the built-ins. */
  redactionKinds?: string[];
  /** Base tags. Default none. */
  tags?: Tags;
}

const PERIOD = 300;

/** Metric name of a signal: counts are named by the signal, measures by what they measure. */
export function metricNameOf(s: Pick<Signal, "id" | "statistic">): string {
  return s.id === "latency-p99" ? "latency-ms" : s.id;
}

/**
 * Continuous monitoring after deploy: metric filters and alarms on the gateway's audit lines
 * (failed authentication, denials, injection attempts, rate limiting, redactions, upstream errors,
 * latency), per-principal and per-client outliers through Contributor Insights, an anomaly band on
 * each model's request volume, compromise and tampering indicators from the firewall, the EKS
 * audit log and CloudTrail, a dashboard and saved Logs Insights queries for reviews. Every alarm
 * notifies the alarm topic.
 */
export class PlatformMonitoring extends pulumi.ComponentResource {
  /** Alarm names, by signal id. */
  public readonly alarmNames: pulumi.Output<string>[];
  public readonly dashboard: aws.cloudwatch.Dashboard;

  constructor(name: string, args: PlatformMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:monitoring:PlatformMonitoring", name, {}, opts);
    const thresholds: MonitoringThresholds = { ...DEFAULT_THRESHOLDS, ...(args.thresholds ?? {}) };
    const models = args.models ?? [];
    const tags = args.tags ?? {};
    const ns = args.metricNamespace;
    const actions = [args.alarmTopicArn];
    const alarms: aws.cloudwatch.MetricAlarm[] = [];

    // The model-store signal names roles whose ARNs are known only after deploy; its pattern is an output.
    const foreignRead = modelReadSignal("", []);
    const signals: (Omit<Signal, "pattern"> & { pattern: pulumi.Input<string> })[] = [
      ...gatewaySignals(thresholds, args.redactionKinds),
      ...securitySignals({ noEgress: args.noEgress }),
      {
        ...foreignRead,
        pattern: pulumi.all([args.modelStore.bucketName, pulumi.all(args.modelStore.readerRoleArns)]).apply(([bucket, roles]) => modelReadSignal(bucket, roles).pattern),
      },
    ];

    for (const signal of signals) {
      const id = signal.id;
      const isMeasure = signal.statistic !== "Sum";
      const filter = new aws.cloudwatch.LogMetricFilter(
        `${name}-${id}`,
        {
          logGroupName: args.logGroups[signal.source],
          pattern: signal.pattern,
          metricTransformation: {
            name: metricNameOf(signal),
            namespace: ns,
            value: signal.value,
            // Counts report 0 when nothing matched, so "no events" is data, not missing data.
            ...(isMeasure ? { unit: "Milliseconds" } : { defaultValue: "0", unit: "Count" }),
          },
        },
        { parent: this },
      );
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-${id}`,
          {
            alarmDescription: signal.description,
            namespace: ns,
            metricName: metricNameOf(signal),
            ...(isMeasure ? { extendedStatistic: signal.statistic } : { statistic: "Sum" }),
            period: PERIOD,
            evaluationPeriods: 1,
            threshold: signal.threshold,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            treatMissingData: "notBreaching",
            alarmActions: actions,
            okActions: actions,
            tags,
          },
          { parent: this, dependsOn: [filter] },
        ),
      );
    }

    // Tokens for the dashboard (no alarm: volume is watched per model below).
    new aws.cloudwatch.LogMetricFilter(
      `${name}-tokens`,
      {
        logGroupName: args.logGroups["gateway-audit"],
        pattern: "{ $.tokens.total >= 0 }",
        metricTransformation: { name: "tokens", namespace: ns, value: "$.tokens.total", defaultValue: "0", unit: "Count" },
      },
      { parent: this },
    );

    // Request volume per model against its learned band: "unusual traffic patterns".
    for (const model of models) {
      const metricName = `requests-${model}`;
      const filter = new aws.cloudwatch.LogMetricFilter(
        `${name}-requests-${model}`,
        {
          logGroupName: args.logGroups["gateway-audit"],
          pattern: `{ $.model = "${model}" }`,
          metricTransformation: { name: metricName, namespace: ns, value: "1", defaultValue: "0", unit: "Count" },
        },
        { parent: this },
      );
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Anomaly_Detection_Alarm.html
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-volume-${model}`,
          {
            alarmDescription: `Request volume of ${model} outside its expected band (unusual traffic)`,
            comparisonOperator: "LessThanLowerOrGreaterThanUpperThreshold",
            evaluationPeriods: 3,
            thresholdMetricId: "band",
            metricQueries: [
              { id: "m1", returnData: true, metric: { namespace: ns, metricName, period: PERIOD, stat: "Sum" } },
              { id: "band", returnData: true, expression: `ANOMALY_DETECTION_BAND(m1, ${thresholds.volumeAnomalyBand})`, label: `${model} expected` },
            ],
            treatMissingData: "notBreaching",
            alarmActions: actions,
            okActions: actions,
            tags,
          },
          { parent: this, dependsOn: [filter] },
        ),
      );
    }

    // One principal or one client address standing out: Contributor Insights over the audit lines.
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/ContributorInsights-CreateAlarm.html
    const outliers: { id: string; key: string; status: number; threshold: number; what: string }[] = [
      { id: "auth-failures-by-client", key: "$.clientAddress", status: 401, threshold: thresholds.authFailuresPerClient, what: "Failed authentications from one client address" },
      { id: "denials-by-principal", key: "$.principal.id", status: 404, threshold: thresholds.authzDenialsPerPrincipal, what: "Authorisation denials of one principal" },
    ];
    for (const o of outliers) {
      const ruleName = `${args.dashboardName}-${o.id}`;
      const rule = new aws.cloudwatch.ContributorInsightRule(
        `${name}-${o.id}`,
        {
          ruleName,
          ruleState: "ENABLED",
          ruleDefinition: pulumi.output(args.logGroups["gateway-audit"]).apply((group) =>
            JSON.stringify({
              Schema: { Name: "CloudWatchLogRule", Version: 1 },
              LogGroupNames: [group],
              LogFormat: "JSON",
              Contribution: { Keys: [o.key], Filters: [{ Match: "$.status", In: [o.status] }, { Match: "$.decision", In: ["denied"] }] },
              AggregateOn: "Count",
            }),
          ),
          tags,
        },
        { parent: this },
      );
      alarms.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-${o.id}`,
          {
            alarmDescription: `${o.what} in 5 minutes`,
            comparisonOperator: "GreaterThanOrEqualToThreshold",
            evaluationPeriods: 1,
            threshold: o.threshold,
            metricQueries: [{ id: "top", returnData: true, period: PERIOD, expression: `INSIGHT_RULE_METRIC("${ruleName}", "MaxContributorValue")`, label: o.what }],
            treatMissingData: "notBreaching",
            alarmActions: actions,
            okActions: actions,
            tags,
          },
          { parent: this, dependsOn: [rule] },
        ),
      );
    }

    for (const q of SAVED_QUERIES) {
      new aws.cloudwatch.QueryDefinition(
        `${name}-query-${q.id}`,
        { name: `${args.dashboardName}/${q.name}`, logGroupNames: [args.logGroups[q.source]], queryString: q.query },
        { parent: this },
      );
    }

    this.alarmNames = alarms.map((a) => a.name);
    this.dashboard = new aws.cloudwatch.Dashboard(
      `${name}-dashboard`,
      {
        dashboardName: args.dashboardName,
        dashboardBody: pulumi.all(alarms.map((a) => a.arn)).apply((alarmArns) => JSON.stringify(dashboardBody(ns, args.region, models, alarmArns))),
      },
      { parent: this },
    );
    this.registerOutputs({ alarmNames: this.alarmNames, dashboard: this.dashboard.dashboardName });
  }
}

/** The dashboard: traffic and tokens per model, latency, guard decisions, and every alarm's state. */
export function dashboardBody(ns: string, region: string, models: string[], alarmArns: string[]): { widgets: object[] } {
  const metric = (name: string, stat = "Sum", label?: string) => [ns, name, { stat, period: PERIOD, ...(label ? { label } : {}) }];
  const widget = (x: number, y: number, title: string, metrics: unknown[][], extra: object = {}) => ({
    type: "metric",
    x,
    y,
    width: 12,
    height: 6,
    properties: { title, region, view: "timeSeries", stacked: false, metrics, ...extra },
  });
  return {
    widgets: [
      widget(0, 0, "Requests per model", models.length > 0 ? models.map((m) => metric(`requests-${m}`, "Sum", m)) : [metric("tokens", "SampleCount", "requests")]),
      widget(12, 0, "Tokens (prompt + completion)", [metric("tokens")]),
      widget(0, 6, "Gateway latency (ms)", [metric("latency-ms", "p50", "p50"), metric("latency-ms", "p99", "p99")]),
      widget(12, 6, "Guard and access decisions", [
        metric("auth-failures"),
        metric("authz-denials"),
        metric("injection-blocks"),
        metric("rate-limited"),
        metric("redactions"),
      ]),
      widget(0, 12, "Model server health (errors and time-outs seen by the gateway)", [metric("upstream-errors")]),
      {
        type: "alarm",
        x: 12,
        y: 12,
        width: 12,
        height: 6,
        properties: { title: "Alarms", alarms: alarmArns, sortBy: "stateUpdatedTimestamp" },
      },
    ],
  };
}
