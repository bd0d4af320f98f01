import type { Control } from "./types";
import { asArray, asRecord, bool, configOf, nodesOf, ofType, str, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const CLUSTER = "aws:eks/cluster:Cluster";

/**
 * The alarms every stack deploys, by the metric each watches (Contributor Insights alarms by the
 * suffix of their rule's name). Stack-dependent ones (request volume per model, attempted egress
 * in a stack without egress) are added from the stack file by `npm run check`
 * (tools/check/pack-config.ts).
 */
export const REQUIRED_ALARMS: readonly string[] = [
  // gateway audit lines
  "auth-failures",
  "auth-failures-by-client",
  "authz-denials",
  "denials-by-principal",
  "injection-blocks",
  "rate-limited",
  "redactions",
  "upstream-errors",
  "latency-ms",
  // EKS audit log and CloudTrail
  "pod-exec",
  "secret-read",
  "firewall-changed",
  "endpoint-changed",
  "key-policy-changed",
  "model-store-foreign-read",
  "root-account-use",
  "unauthorized-api-calls",
  "cloudtrail-changed",
  "kms-key-disabled-or-deleted",
  "security-group-changed",
  "route-table-changed",
  "bucket-policy-changed",
  // findings
  "guardduty-finding",
  "inspector-image-finding",
  "config-noncompliant",
];

/** The signal ids an alarm watches: its metric names, and the Contributor Insights rules it reads. */
export function watchedBy(alarm: Node): { ids: string[]; ruleNames: string[]; unknown: boolean } {
  const p = alarm.props;
  const ids: string[] = [];
  const ruleNames: string[] = [];
  let unknown = false;
  const name = str(p.metricName);
  if (isUnknown(name)) unknown = true;
  else if (name) ids.push(name);
  const queries = p.metricQueries;
  if (isUnknown(queries)) unknown = true;
  for (const q of asArray(queries).map(asRecord)) {
    const m = asRecord(q.metric);
    if (typeof m.metricName === "string") ids.push(m.metricName);
    const expr = q.expression;
    if (isUnknown(expr)) unknown = true;
    const insight = typeof expr === "string" ? /INSIGHT_RULE_METRIC\("([^"]+)"/.exec(expr) : null;
    if (insight) ruleNames.push(insight[1]);
  }
  return { ids, ruleNames, unknown };
}

/** Does the alarm notify someone: actions enabled and at least one alarm action. */
function notifies(alarm: Node): boolean | "unknown" {
  const enabled = bool(alarm.props.actionsEnabled);
  const actions = alarm.props.alarmActions;
  if (isUnknown(enabled) || isUnknown(actions)) return "unknown";
  return enabled !== false && asArray(actions).length > 0;
}

export const monitoringRequiredAlarms: Control = {
  policy: {
    name: "sovereign-llm-monitoring-required-alarms",
    description:
      "In a stack that runs the platform (declares an EKS cluster), every alarm its monitoring depends on after deploy exists and notifies someone: failed authentication, denials, injection attempts, rate limiting, redactions, upstream errors and latency at the gateway; exec into pods, secret reads, changes to the firewall, endpoints, key policies, the trail, security groups, routes and bucket policies; root use and denied API calls; reads of the model store by strangers; GuardDuty, Inspector and AWS Config findings; plus, from the stack file, request volume per model and attempted egress in a stack without egress. An alarm removed, or left with no action, is a monitoring gap an auditor would find only after an incident.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        requiredAlarms: { type: "array", items: { type: "string" }, default: [...REQUIRED_ALARMS] },
      },
    },
    validateStack: (args, report) => {
      const cfg = configOf(args, { requiredAlarms: [...REQUIRED_ALARMS] as string[] });
      const all = nodesOf(args);
      // A stack that does not run the platform (no EKS cluster) has none of these signals.
      if (ofType(all, CLUSTER).length === 0) return;
      const alarms = ofType(all, ALARM);
      const undecided = new Undecided();
      const watched = alarms.map((a) => ({ a, w: watchedBy(a) }));
      for (const id of [...new Set(cfg.requiredAlarms)].sort()) {
        const matching = watched.filter(({ w }) => w.ids.includes(id) || w.ruleNames.some((n) => n === id || n.endsWith(`-${id}`)));
        if (matching.length === 0) {
          if (watched.some(({ w }) => w.unknown)) undecided.note(`alarm for ${id}: some alarms' metrics unknown`);
          else report(`no alarm watches ${id}: it was removed, or its metric renamed`);
          continue;
        }
        const states = matching.map(({ a }) => notifies(a));
        if (states.includes(true)) continue;
        if (states.includes("unknown")) undecided.note(`alarm for ${id}: actions unknown`);
        else report(`the alarm on ${id} notifies nobody (no alarm action, or actions disabled)`, matching[0].a.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Keep PlatformMonitoring, AuditTrail's security alarms and FindingsPipeline in the program with their alarm actions on the alarm topic; an alarm that is genuinely not wanted is removed from requiredAlarms in the pack config, where the change is reviewed.",
  frameworks: {
    hipaa: [HIPAA.activityReview, HIPAA.auditControls, HIPAA.loginMonitoring, HIPAA.incidentResponse],
    gdpr: [GDPR.testing, GDPR.confidentialityResilience],
    soc2: [SOC2.monitoring, SOC2.incidents],
    // IR-4: suspected incidents (and findings routed from the detection services) reach a person;
    // IR-6(1): they are reported by an automated mechanism, every alarm notifying the alarm topic.
    "fedramp-moderate": ["AU-6", "CA-7", "SI-4", "IR-4", "IR-6(1)"],
  },
  references: ["Related: AWS Config: cloudwatch-alarm-action-check (an alarm without actions; this control also finds an alarm that is missing altogether)", "Beyond the public lists: the CIS AWS Foundations metric-filter alarms (root use, denied calls, trail, key, security group, route and bucket-policy changes) and the platform's own LLM signals"],
  resourceTypes: [ALARM, CLUSTER],
};
