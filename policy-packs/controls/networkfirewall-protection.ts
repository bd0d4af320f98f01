import type { Control } from "./types";
import { bool, configOf, propsOf, tagsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const DEFAULTS = { requireProtection: true, protectedEnvironments: ["prod"] };
const SWITCHES = ["deleteProtection", "subnetChangeProtection", "firewallPolicyChangeProtection"] as const;

export const networkfirewallProtection: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-protection",
    description:
      "In protected environments (resources tagged environment: prod by default), the egress firewall has delete, subnet-change and policy-change protection on, so removing the only egress control takes two deliberate steps. Other environments are not checked, so dev can iterate.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        requireProtection: { type: "boolean", default: DEFAULTS.requireProtection },
        protectedEnvironments: { type: "array", items: { type: "string" }, default: DEFAULTS.protectedEnvironments },
      },
    },
    validateResource: (args, report) => {
      if (args.type !== FIREWALL) return;
      const { requireProtection, protectedEnvironments } = configOf(args, DEFAULTS);
      if (!requireProtection) return;
      const p = propsOf(args);
      const tags = tagsOf(p);
      const undecided = new Undecided();
      const env = isUnknown(tags) ? tags : tags?.environment;
      if (isUnknown(env)) undecided.note("environment tag unknown");
      else if (typeof env === "string" && protectedEnvironments.includes(env)) {
        const off: string[] = [];
        for (const s of SWITCHES) {
          const v = bool(p[s]);
          if (isUnknown(v)) undecided.note(`${s} unknown`);
          else if (v !== true) off.push(s);
        }
        if (off.length > 0) report(`${env} firewall without ${off.join(", ")}: set ${off.map((s) => `${s}: true`).join(", ")}`);
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set deleteProtection, subnetChangeProtection and firewallPolicyChangeProtection to true on the aws.networkfirewall.Firewall in prod (EgressFirewall does this when environment is prod).",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.transmissionSecurity],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.change, SOC2.boundary],
    "fedramp-moderate": ["CM-3", "CM-5", "SC-7"],
  },
  references: ["AWS Config: netfw-deletion-protection-enabled", "AWS Config: netfw-subnet-change-protection-enabled"],
  resourceTypes: [FIREWALL],
};
