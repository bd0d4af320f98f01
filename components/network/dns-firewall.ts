import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { dnsAllowList } from "./dns-domains";
import { encryptedLogGroup } from "../audit/log-group";
import { withName, type Tags } from "../tags";

export interface DnsFirewallArgs {
  vpcId: pulumi.Input<string>;
  /** Region of the VPC (its EC2 host-name domain). Required. */
  region: string;
  /** Account of the VPC: scopes the log group's delivery policy. Required. */
  accountId: pulumi.Input<string>;
  /** AWS partition. Default `aws`. */
  partition?: string;
  /**
   * Domains resolvable besides AWS's (`example.com`, `*.example.com`): the egress allow-list and
   * the organisation's domains forwarded on premises. Default none.
   */
  allowedDomains?: string[];
  /** Key of the query-log group. Required. */
  logsKeyArn: pulumi.Input<string>;
  /** Log-group prefix (`/sovereign-llm/prod/`). Required. */
  logGroupPrefix: string;
  /** Retention of the query log (audit class), days. Required. */
  logRetentionDays: number;
  /** SNS topic that blocked queries alarm to. Default none (blocked queries are still logged). */
  alarmTopicArn?: pulumi.Input<string>;
  /** Lock the rule-group association against changes (prod). Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * Route 53 Resolver DNS Firewall on the VPC: AWS service names and the allowed domains resolve,
 * every other query is answered NXDOMAIN; the firewall fails closed; every query the VPC makes is
 * logged to an audit-class log group.
 */
export class DnsFirewall extends pulumi.ComponentResource {
  public readonly ruleGroup: aws.route53.ResolverFirewallRuleGroup;
  public readonly allowList: aws.route53.ResolverFirewallDomainList;
  public readonly queryLogGroup: aws.cloudwatch.LogGroup;
  /** The domains that resolve, in DNS Firewall syntax. */
  public readonly allowedDomains: string[];

  constructor(name: string, args: DnsFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:network:DnsFirewall", name, {}, opts);
    const partition = args.partition ?? "aws";
    const tags = args.tags ?? {};
    const { domains, errors } = dnsAllowList(args.region, args.allowedDomains ?? []);
    if (errors.length > 0) throw new Error(`DnsFirewall ${name}: allowedDomains: ${errors.join("; ")}`);
    this.allowedDomains = domains;

    this.allowList = new aws.route53.ResolverFirewallDomainList(`${name}-allowed`, { domains, tags: withName(tags, `${name}-allowed`) }, { parent: this });
    // "*" matches every name: the catch-all below the allow rule.
    const everything = new aws.route53.ResolverFirewallDomainList(`${name}-everything`, { domains: ["*"], tags: withName(tags, `${name}-everything`) }, { parent: this });
    this.ruleGroup = new aws.route53.ResolverFirewallRuleGroup(`${name}-rules`, { tags: withName(tags, `${name}-rules`) }, { parent: this });
    const allow = new aws.route53.ResolverFirewallRule(
      `${name}-allow`,
      { firewallRuleGroupId: this.ruleGroup.id, firewallDomainListId: this.allowList.id, priority: 100, action: "ALLOW" },
      { parent: this.ruleGroup },
    );
    // Blocked queries are answered NXDOMAIN and appear in the query log with the rule's action,
    // where the metric filter below counts them.
    const block = new aws.route53.ResolverFirewallRule(
      `${name}-block-rest`,
      { firewallRuleGroupId: this.ruleGroup.id, firewallDomainListId: everything.id, priority: 200, action: "BLOCK", blockResponse: "NXDOMAIN" },
      { parent: this.ruleGroup },
    );
    new aws.route53.ResolverFirewallRuleGroupAssociation(
      `${name}-vpc`,
      { firewallRuleGroupId: this.ruleGroup.id, vpcId: args.vpcId, priority: 101, mutationProtection: args.protect ? "ENABLED" : "DISABLED", tags: withName(tags, `${name}-vpc`) },
      { parent: this.ruleGroup, dependsOn: [allow, block] },
    );
    // Fail closed: if DNS Firewall cannot answer, queries fail instead of resolving unfiltered.
    new aws.route53.ResolverFirewallConfig(`${name}-fail-closed`, { resourceId: args.vpcId, firewallFailOpen: "DISABLED" }, { parent: this });

    // Query logging: every query, its answer and the firewall's action, kept as audit records.
    const logGroupName = `${args.logGroupPrefix}dns/queries`;
    this.queryLogGroup = encryptedLogGroup(
      `${name}-queries`,
      { name: logGroupName, kmsKeyArn: args.logsKeyArn, retentionInDays: args.logRetentionDays, logClass: "audit", tags },
      { parent: this },
    );
    // Resolver delivers through CloudWatch Logs' vended-log delivery, which needs this resource
    // policy on the group (scoped to this account's deliveries).
    // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/AWS-logs-and-resource-policy.html#AWS-logs-infrastructure-CWL
    const delivery = new aws.cloudwatch.LogResourcePolicy(
      `${name}-queries-delivery`,
      {
        policyName: `${name}-dns-query-logs`,
        policyDocument: pulumi.all([this.queryLogGroup.arn, args.accountId]).apply(([arn, account]) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Sid: "ResolverQueryLogDelivery",
                Effect: "Allow",
                Principal: { Service: "delivery.logs.amazonaws.com" },
                Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                Resource: `${arn}:*`,
                Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": `arn:${partition}:logs:${args.region}:${account}:*` } },
              },
            ],
          }),
        ),
      },
      { parent: this.queryLogGroup },
    );
    const queryLog = new aws.route53.ResolverQueryLogConfig(
      `${name}-queries`,
      { destinationArn: this.queryLogGroup.arn, tags: withName(tags, `${name}-queries`) },
      { parent: this, dependsOn: [delivery] },
    );
    new aws.route53.ResolverQueryLogConfigAssociation(`${name}-queries`, { resolverQueryLogConfigId: queryLog.id, resourceId: args.vpcId }, { parent: queryLog });

    // Alert on blocked queries: a workload asking for names outside the list is either
    // misconfigured or trying to leave.
    const filter = new aws.cloudwatch.LogMetricFilter(
      `${name}-blocked`,
      {
        logGroupName: this.queryLogGroup.name,
        pattern: '{ $.firewall_rule_action = "BLOCK" }',
        metricTransformation: { name: "dns-queries-blocked", namespace: `SovereignLlm/${name}`, value: "1", defaultValue: "0" },
      },
      { parent: this.queryLogGroup },
    );
    new aws.cloudwatch.MetricAlarm(
      `${name}-blocked`,
      {
        alarmDescription: "DNS Firewall blocked a query: a name outside the allow-list was asked for (misconfiguration or exfiltration attempt)",
        namespace: `SovereignLlm/${name}`,
        metricName: "dns-queries-blocked",
        statistic: "Sum",
        period: 300,
        evaluationPeriods: 1,
        threshold: 1,
        comparisonOperator: "GreaterThanOrEqualToThreshold",
        treatMissingData: "notBreaching",
        alarmActions: args.alarmTopicArn ? [args.alarmTopicArn] : [],
        tags: withName(tags, `${name}-blocked`),
      },
      { parent: filter },
    );
    this.registerOutputs({ ruleGroupId: this.ruleGroup.id, queryLogGroup: this.queryLogGroup.name });
  }
}
