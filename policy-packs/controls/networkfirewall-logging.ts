import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const LOGGING = "aws:networkfirewall/loggingConfiguration:LoggingConfiguration";
const REQUIRED = ["ALERT", "FLOW"] as const;

export const networkfirewallLogging: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-logging",
    description:
      "Every Network Firewall has a logging configuration sending both ALERT logs (what the default drop refused) and FLOW logs (every connection that left) to CloudWatch Logs, where retention and encryption are governed by the log controls.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const configs = ofType(all, LOGGING);
      const undecided = new Undecided();
      for (const fw of ofType(all, FIREWALL)) {
        let unsure = false;
        let linked = false;
        const have = new Set<string>();
        for (const c of configs) {
          const link = refersTo(c, "firewallArn", fw, [fw.props.arn, fw.props.id]);
          if (link === "unknown") unsure = true;
          if (link !== "yes") continue;
          linked = true;
          const lc = c.props.loggingConfiguration;
          if (isUnknown(lc)) {
            unsure = true;
            continue;
          }
          for (const d of asArray(asRecord(lc).logDestinationConfigs)) {
            const dest = asRecord(d);
            const type = str(dest.logType);
            const kind = str(dest.logDestinationType);
            if (isUnknown(type) || isUnknown(kind)) unsure = true;
            else if (type && kind === "CloudWatchLogs") have.add(type);
          }
        }
        const missing = REQUIRED.filter((t) => !have.has(t));
        if (missing.length === 0) continue;
        if (unsure) undecided.note(`${label(fw)}: logging configuration link or destinations unknown`);
        else if (!linked) report(`firewall "${fw.name}" has no logging configuration: its drops and flows are not recorded`, fw.urn);
        else report(`firewall "${fw.name}" does not send ${missing.join(" and ")} logs to CloudWatch Logs`, fw.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare aws.networkfirewall.LoggingConfiguration for the firewall with ALERT and FLOW destinations of type CloudWatchLogs, each to a KMS-encrypted log group with audit retention (EgressFirewall does this).",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.incidentResponse],
    gdpr: [GDPR.accountability, GDPR.transfers],
    soc2: [SOC2.monitoring, SOC2.incidents],
    // IR-4: ALERT logs are the record of refused egress (exfiltration attempts) an incident analysis starts from.
    "fedramp-moderate": ["AU-2", "AU-12", "SI-4", "SC-7", "CA-7", "IR-4"],
  },
  references: ["AWS Config: netfw-logging-enabled"],
  resourceTypes: [FIREWALL, LOGGING],
};
