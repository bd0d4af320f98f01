import type { Control } from "./types";
import { bool, configOf, propsOf, tagsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const DEFAULTS = { requireProtection: true, protectedEnvironments: ["prod"], protectedClassifications: ["phi", "pii"] };
const SWITCHES = ["deleteProtection", "subnetChangeProtection", "firewallPolicyChangeProtection"] as const;

export const networkfirewallProtection: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-protection",
    description:
      "In protected environments (resources tagged environment: prod by default) and wherever protected data is processed (tagged data-classification: phi or pii by default), the egress firewall has delete, subnet-change and policy-change protection on, so removing the only egress control takes two deliberate steps. Other stacks are not checked, so a dev stack with no regulated data can iterate.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        requireProtection: { type: "boolean", default: DEFAULTS.requireProtection },
        protectedEnvironments: { type: "array", items: { type: "string" }, default: DEFAULTS.protectedEnvironments },
        protectedClassifications: { type: "array", items: { type: "string" }, default: DEFAULTS.protectedClassifications },
      },
    },
    validateResource: (args, report) => {
      if (args.type !== FIREWALL) return;
      const { requireProtection, protectedEnvironments, protectedClassifications } = configOf(args, DEFAULTS);
      if (!requireProtection) return;
      const p = propsOf(args);
      const tags = tagsOf(p);
      const undecided = new Undecided();
      const env = isUnknown(tags) ? tags : tags?.environment;
      const cls = isUnknown(tags) ? tags : tags?.["data-classification"];
      const byEnv = typeof env === "string" && protectedEnvironments.includes(env);
      const byData = typeof cls === "string" && protectedClassifications.includes(cls);
      if ((isUnknown(env) || isUnknown(cls)) && !byEnv && !byData) undecided.note("environment or data-classification tag unknown");
      else if (byEnv || byData) {
        const off: string[] = [];
        for (const s of SWITCHES) {
          const v = bool(p[s]);
          if (isUnknown(v)) undecided.note(`${s} unknown`);
          else if (v !== true) off.push(s);
        }
        const why = byEnv ? `${env} firewall` : `firewall of a stack processing ${cls} data`;
        if (off.length > 0) report(`${why} without ${off.join(", ")}: set ${off.map((s) => `${s}: true`).join(", ")}`);
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set deleteProtection, subnetChangeProtection and firewallPolicyChangeProtection to true on the aws.networkfirewall.Firewall in prod and in any stack processing phi or pii (EgressFirewall does this when the stack protects its data).",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.transmissionSecurity, HIPAA.emergencyMode, HIPAA.contingencyPlan],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.change, SOC2.boundary],
    "fedramp-moderate": ["CM-3", "CM-5", "SC-7"],
  },
  references: ["AWS Config: netfw-deletion-protection-enabled", "AWS Config: netfw-subnet-change-protection-enabled"],
  resourceTypes: [FIREWALL],
};
