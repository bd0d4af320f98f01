import type { Control } from "./types";
import { asArray, asRecord, propsOf } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FIREWALL_POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy";
const FORWARD = "aws:forward_to_sfe";

export const networkfirewallPolicyStatelessForward: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-stateless-forward",
    description:
      "The firewall policy's stateless default actions, for full packets and for fragments, forward to the stateful engine (aws:forward_to_sfe), so every packet meets the domain allow-list and the default drop; aws:pass would let traffic skip inspection.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== FIREWALL_POLICY) return;
      const fp = propsOf(args).firewallPolicy;
      const undecided = new Undecided();
      if (isUnknown(fp)) undecided.note("firewallPolicy unknown");
      else {
        const f = asRecord(fp);
        for (const [key, what] of [
          ["statelessDefaultActions", "full packets"],
          ["statelessFragmentDefaultActions", "fragmented packets"],
        ] as const) {
          const actions = f[key];
          if (isUnknown(actions) || containsUnknown(actions)) undecided.note(`${key} unknown`);
          else {
            const list = asArray(actions).filter((a): a is string => typeof a === "string");
            if (!list.includes(FORWARD)) report(`stateless default action for ${what} is [${list.join(", ")}]: set ${key}: ["${FORWARD}"] so they reach the stateful engine`);
          }
        }
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set firewallPolicy.statelessDefaultActions and statelessFragmentDefaultActions to [\"aws:forward_to_sfe\"].",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "AC-4", "SC-7(5)"],
  },
  references: ["AWS Config: netfw-policy-default-action-full-packets", "AWS Config: netfw-policy-default-action-fragment-packets", "AWS Config: netfw-policy-rule-group-associated"],
  resourceTypes: [FIREWALL_POLICY],
};
