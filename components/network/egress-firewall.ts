import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { normaliseDomains, renderAllowRules, renderBaselineRules, BASELINE_RULE_CAPACITY } from "./egress-rules";
import { encryptedLogGroup } from "../audit/log-group";
import type { VpcZone } from "./isolated-vpc";
import { zoneSuffix } from "./zones";
import { withName, type Tags } from "../tags";

/** Stateful default actions: drop what no rule passed, and log it. */
export const STATEFUL_DEFAULT_ACTIONS = ["aws:drop_established", "aws:alert_established"] as const;
/** Rule-group capacity, fixed at creation; 2 rules per domain, so up to 500 domains. */
export const RULE_GROUP_CAPACITY = 1000;

export interface EgressFirewallArgs {
  vpcId: pulumi.Input<string>;
  vpcCidr: string;
  /** The VPC's zones: firewall subnets, workload and public route tables. Required. */
  zones: VpcZone[];
  /** `none`: nothing may leave (no NAT exists); `allowlist`: allowedDomains only. Required. */
  egressMode: "none" | "allowlist";
  /** Domains reachable in allowlist mode. Default none (everything denied). */
  allowedDomains?: string[];
  /** Key of the log groups. Required. */
  logsKeyArn: pulumi.Input<string>;
  /** Log-group prefix (`/sovereign-llm/prod/`). Required. */
  logGroupPrefix: string;
  /** Retention of ALERT and FLOW logs, days. Required. */
  logRetentionDays: number;
  /** Delete, subnet-change and policy-change protection. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * AWS Network Firewall between the workload subnets and everything outside the VPC: one
 * endpoint per zone, strict rule order, stateless traffic forwarded to the stateful engine,
 * a domain allow-list on TLS SNI and HTTP Host, default drop and alert, ALERT and FLOW logs.
 * Routes are symmetric per zone: workload → firewall endpoint (same zone) → NAT → internet, and
 * the NAT's return traffic to the workload CIDR goes back through the same endpoint.
 */
export class EgressFirewall extends pulumi.ComponentResource {
  public readonly firewall: aws.networkfirewall.Firewall;
  public readonly policy: aws.networkfirewall.FirewallPolicy;
  public readonly ruleGroup?: aws.networkfirewall.RuleGroup;
  /** Drops UDP, ICMP and TCP to ports other than 80/443 before the allow-list is consulted. */
  public readonly baselineRuleGroup: aws.networkfirewall.RuleGroup;
  public readonly alertLogGroup: aws.cloudwatch.LogGroup;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;
  /** Firewall endpoint id per AZ. */
  public readonly endpointIds: Record<string, pulumi.Output<string>>;

  constructor(name: string, args: EgressFirewallArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:network:EgressFirewall", name, {}, opts);
    const protect = args.protect ?? false;
    const tags = args.tags ?? {};
    const { domains, errors } = normaliseDomains(args.allowedDomains ?? []);
    const problems = errors.map((e) => `allowedDomains: ${e}`);
    if (args.egressMode === "none" && domains.length > 0) problems.push("allowedDomains: must be empty when egressMode is none");
    if (domains.length * 2 > RULE_GROUP_CAPACITY) problems.push(`allowedDomains: at most ${RULE_GROUP_CAPACITY / 2} domains`);
    if (args.zones.length === 0) problems.push("zones: the VPC has no zones");
    if (problems.length > 0) throw new Error(`EgressFirewall ${name}: ${problems.join("; ")}`);

    this.baselineRuleGroup = new aws.networkfirewall.RuleGroup(
      `${name}-baseline`,
      {
        type: "STATEFUL",
        capacity: BASELINE_RULE_CAPACITY,
        description: "Egress baseline: no UDP, no ICMP, TCP only to 80 and 443",
        ruleGroup: {
          ruleVariables: { ipSets: [{ key: "HOME_NET", ipSet: { definitions: [args.vpcCidr] } }] },
          rulesSource: { rulesString: renderBaselineRules() },
          statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
        },
        tags: withName(tags, `${name}-baseline`),
      },
      { parent: this },
    );
    if (domains.length > 0) {
      this.ruleGroup = new aws.networkfirewall.RuleGroup(
        `${name}-allow-domains`,
        {
          // Auto-named: a change of capacity replaces the group, and the new one is created (and
          // the policy pointed at it) before the old one is deleted; a fixed name would collide.
          type: "STATEFUL",
          capacity: RULE_GROUP_CAPACITY,
          description: "Egress allow-list: TLS SNI and HTTP Host of the allowed domains",
          ruleGroup: {
            ruleVariables: { ipSets: [{ key: "HOME_NET", ipSet: { definitions: [args.vpcCidr] } }] },
            rulesSource: { rulesString: renderAllowRules(domains) },
            statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
          },
          tags: withName(tags, `${name}-allow-domains`),
        },
        { parent: this },
      );
    }
    this.policy = new aws.networkfirewall.FirewallPolicy(
      `${name}-policy`,
      {
        // Auto-named, for the same reason: a replacement policy is created, the firewall switched
        // to it, then the old one deleted.
        description: `Egress policy (${args.egressMode}): default drop, allow-listed domains only`,
        firewallPolicy: {
          statelessDefaultActions: ["aws:forward_to_sfe"],
          statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
          statefulEngineOptions: { ruleOrder: "STRICT_ORDER", streamExceptionPolicy: "DROP" },
          statefulDefaultActions: [...STATEFUL_DEFAULT_ACTIONS],
          statefulRuleGroupReferences: [
            { resourceArn: this.baselineRuleGroup.arn, priority: 10 },
            ...(this.ruleGroup ? [{ resourceArn: this.ruleGroup.arn, priority: 100 }] : []),
          ],
        },
        tags: withName(tags, `${name}-policy`),
      },
      { parent: this },
    );
    this.firewall = new aws.networkfirewall.Firewall(
      `${name}`,
      {
        name: `${name}`,
        vpcId: args.vpcId,
        firewallPolicyArn: this.policy.arn,
        subnetMappings: args.zones.map((z) => ({ subnetId: z.firewallSubnet.id, ipAddressType: "IPV4" })),
        deleteProtection: protect,
        subnetChangeProtection: protect,
        firewallPolicyChangeProtection: protect,
        description: "Egress firewall of the isolated VPC",
        tags: withName(tags, name),
      },
      // A firewall owns one endpoint in each firewall subnet, so two cannot coexist: a replaced
      // firewall is deleted first (its routes are replaced with it). In prod, delete protection
      // stops that until an operator lifts it.
      { parent: this, deleteBeforeReplace: true },
    );

    this.alertLogGroup = encryptedLogGroup(
      `${name}-alert`,
      { name: `${args.logGroupPrefix}firewall/alert`, kmsKeyArn: args.logsKeyArn, retentionInDays: args.logRetentionDays, logClass: "audit", tags },
      { parent: this },
    );
    this.flowLogGroup = encryptedLogGroup(
      `${name}-flow`,
      { name: `${args.logGroupPrefix}firewall/flow`, kmsKeyArn: args.logsKeyArn, retentionInDays: args.logRetentionDays, logClass: "audit", tags },
      { parent: this },
    );
    new aws.networkfirewall.LoggingConfiguration(
      `${name}-logging`,
      {
        firewallArn: this.firewall.arn,
        loggingConfiguration: {
          logDestinationConfigs: [
            { logType: "ALERT", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: this.alertLogGroup.name } },
            { logType: "FLOW", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: this.flowLogGroup.name } },
          ],
        },
      },
      { parent: this.firewall },
    );

    // The endpoint of each zone, found by zone (never by list position).
    this.endpointIds = {};
    for (const zone of args.zones) {
      const endpointId = pulumi.all([this.firewall.firewallStatuses, zone.azName]).apply(([statuses, azName]) => {
        const state = statuses?.[0]?.syncStates?.find((s) => s.availabilityZone === azName);
        const id = state?.attachments?.[0]?.endpointId;
        if (!id) throw new Error(`EgressFirewall ${name}: no firewall endpoint reported for ${zone.az}`);
        return id;
      });
      this.endpointIds[zone.az] = endpointId;
      const suffix = zoneSuffix(zone.az);
      new aws.ec2.Route(
        `${name}-workload-${suffix}-default`,
        { routeTableId: zone.workloadRouteTable.id, destinationCidrBlock: "0.0.0.0/0", vpcEndpointId: endpointId },
        { parent: zone.workloadRouteTable },
      );
      if (args.egressMode === "allowlist" && zone.publicRouteTable) {
        // Return path: the NAT's replies to this zone's workloads re-enter through the same endpoint.
        new aws.ec2.Route(
          `${name}-public-${suffix}-return`,
          { routeTableId: zone.publicRouteTable.id, destinationCidrBlock: zone.plan.workload, vpcEndpointId: endpointId },
          { parent: zone.publicRouteTable },
        );
      }
    }
    this.registerOutputs({ firewallArn: this.firewall.arn, endpointIds: this.endpointIds });
  }
}
