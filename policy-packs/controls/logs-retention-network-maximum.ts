import type { Control } from "./types";
import { asArray, asRecord, configOf, label, nodesOf, ofType, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR } from "./lib/refs";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const FIREWALL_LOGGING = "aws:networkfirewall/loggingConfiguration:LoggingConfiguration";
const QUERY_LOG = "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig";
const DEFAULTS = { maximumDays: 365 };

/** Names a destination value may carry for a log group: its name, or an ARN ending in it (":*" allowed). */
function namesGroup(value: unknown, group: Node): boolean {
  if (typeof value !== "string") return false;
  const name = group.props.name;
  if (typeof name !== "string") return false;
  return value === name || value.endsWith(`:log-group:${name}`) || value.endsWith(`:log-group:${name}:*`);
}

/** The log groups that receive network records (flow logs, firewall logs, DNS query logs), with what feeds each. */
function networkGroups(all: Node[], undecided: Undecided): Map<Node, string> {
  const groups = ofType(all, LOG_GROUP);
  const out = new Map<Node, string>();
  const link = (source: Node, prop: string, values: unknown[], what: string) => {
    const deps = source.propertyDependencies[prop] ?? [];
    for (const g of groups) {
      if (deps.includes(g.urn) || values.some((v) => namesGroup(v, g))) out.set(g, what);
    }
    if (deps.length === 0 && values.some(isUnknown)) undecided.note(`${label(source)}: destination unknown`);
  };
  for (const f of ofType(all, FLOW_LOG)) link(f, f.props.logDestination !== undefined ? "logDestination" : "logGroupName", [f.props.logDestination, f.props.logGroupName], "VPC flow logs");
  for (const c of ofType(all, FIREWALL_LOGGING)) {
    const configs = asArray(asRecord(c.props.loggingConfiguration).logDestinationConfigs).map(asRecord);
    link(c, "loggingConfiguration", configs.map((d) => asRecord(d.logDestination).logGroup), "Network Firewall logs");
  }
  for (const q of ofType(all, QUERY_LOG)) link(q, "destinationArn", [q.props.destinationArn], "DNS query logs");
  return out;
}

export const logsRetentionNetworkMaximum: Control = {
  policy: {
    name: "sovereign-llm-logs-retention-network-maximum",
    description:
      "Log groups that receive network records (VPC flow logs, Network Firewall ALERT and FLOW logs, Route 53 Resolver query logs) expire within the configured maximum (default 365 days): every record carries the IP addresses of the people and systems talking to the platform, which are personal data under GDPR and are kept no longer than their security purpose needs (storage limitation). Goes beyond the public rule sets, which only ask for a minimum.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { maximumDays: { type: "integer", minimum: 1, default: DEFAULTS.maximumDays } } },
    validateStack: (args, report) => {
      const { maximumDays } = configOf(args, DEFAULTS);
      const undecided = new Undecided();
      for (const [group, what] of networkGroups(nodesOf(args), undecided)) {
        const days = group.props.retentionInDays;
        if (isUnknown(days)) undecided.note(`${label(group)}: retentionInDays unknown`);
        else if (typeof days !== "number" || days === 0) report(`log group "${group.name}" holds ${what} (IP addresses) and never expires; set at most ${maximumDays} days`, group.urn);
        else if (days > maximumDays) report(`log group "${group.name}" keeps ${what} (IP addresses) ${days} days; the maximum is ${maximumDays}`, group.urn);
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set logging.networkRetentionDays (at most the maximum; 365 by default when the stack is under GDPR) so flow, firewall and DNS query log groups expire; audit trails of who did what keep logging.auditRetentionDays.",
  frameworks: {
    gdpr: [GDPR.storageLimitation, GDPR.minimisation],
  },
  references: [],
  resourceTypes: [LOG_GROUP, FLOW_LOG, FIREWALL_LOGGING, QUERY_LOG],
};
