import type { Control } from "./types";
import { checkFirewallPolicy, FIREWALL_POLICY, knownActions } from "./lib/firewall-policy";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FORWARD = "aws:forward_to_sfe";

export const networkfirewallPolicyStatelessForward: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-stateless-forward",
    description:
      "The firewall policy's stateless default actions, for full packets and for fragments, forward to the stateful engine (aws:forward_to_sfe), so every packet meets the domain allow-list and the default drop; aws:pass would let traffic skip inspection.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkFirewallPolicy(args, (f, undecided) => {
        for (const [key, what] of [
          ["statelessDefaultActions", "full packets"],
          ["statelessFragmentDefaultActions", "fragmented packets"],
        ] as const) {
          const list = knownActions(f, key, undecided);
          if (list && !list.includes(FORWARD)) report(`stateless default action for ${what} is [${list.join(", ")}]: set ${key}: ["${FORWARD}"] so they reach the stateful engine`);
        }
      }),
  },
  severity: "high",
  remediation: "Set firewallPolicy.statelessDefaultActions and statelessFragmentDefaultActions to [\"aws:forward_to_sfe\"].",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "AC-4", "SC-7(5)"],
  },
  references: ["AWS Config: netfw-policy-default-action-full-packets", "AWS Config: netfw-policy-default-action-fragment-packets", "Related: AWS Config: netfw-policy-rule-group-associated (that a firewall policy has rule groups at all; checked by sovereign-llm-networkfirewall-policy-rule-groups)"],
  resourceTypes: [FIREWALL_POLICY],
};
