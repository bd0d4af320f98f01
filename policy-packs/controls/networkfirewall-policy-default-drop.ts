import type { Control } from "./types";
import { asRecord, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { checkFirewallPolicy, FIREWALL_POLICY, knownActions } from "./lib/firewall-policy";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DROPS = ["aws:drop_established", "aws:drop_strict"];
const ALERTS = ["aws:alert_established", "aws:alert_strict"];

export const networkfirewallPolicyDefaultDrop: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-stateful-default-drop",
    description:
      "The egress firewall policy evaluates stateful rules in strict order and, for traffic no rule passed, drops it (aws:drop_established or aws:drop_strict) and raises an alert (aws:alert_established or aws:alert_strict), so everything not allow-listed is both refused and recorded. Goes beyond the public lists, which only check the stateless defaults.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkFirewallPolicy(args, (f, undecided) => {
        const order = isUnknown(f.statefulEngineOptions) ? f.statefulEngineOptions : str(asRecord(f.statefulEngineOptions).ruleOrder);
        if (isUnknown(order)) undecided.note("ruleOrder unknown");
        else if (order !== "STRICT_ORDER") report(`stateful rule order is ${order ?? "unset (DEFAULT_ACTION_ORDER)"}: set statefulEngineOptions.ruleOrder: "STRICT_ORDER" (default actions apply only in strict order)`);
        const list = knownActions(f, "statefulDefaultActions", undecided);
        if (list) {
          if (!list.some((a) => DROPS.includes(a))) report(`stateful default actions [${list.join(", ")}] do not drop unmatched traffic: include "aws:drop_established" (or "aws:drop_strict")`);
          if (!list.some((a) => ALERTS.includes(a))) report(`stateful default actions [${list.join(", ")}] do not alert on unmatched traffic: include "aws:alert_established" (or "aws:alert_strict")`);
        }
      }),
  },
  severity: "critical",
  remediation: "Set firewallPolicy.statefulEngineOptions.ruleOrder: \"STRICT_ORDER\" and statefulDefaultActions: [\"aws:drop_established\", \"aws:alert_established\"] (EgressFirewall does this).",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.auditControls],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.monitoring],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "SI-4"],
  },
  references: ["Beyond the public lists: AWS Config checks only stateless default actions (see sovereign-llm-networkfirewall-stateless-forward); this is the deny-by-default of SC-7(5)"],
  resourceTypes: [FIREWALL_POLICY],
};
