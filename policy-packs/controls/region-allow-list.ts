import type { Control } from "./types";
import { configOf, label, nodesOf } from "./lib/resources";
import { allowedRegions, placement, regionsReferenced } from "./lib/regions";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DEFAULTS = { allowedRegions: [] as string[] };

export const regionAllowList: Control = {
  policy: {
    name: "sovereign-llm-region-allow-list",
    description:
      "Every resource is placed in, and every region named in its configuration (ARNs, endpoint service names, regional hostnames, availability zones) is in, the residency allow-list. Goes beyond the public rule sets: data residency is a legal requirement (GDPR Chapter V) they do not express. With no allow-list configured, the stack's provider region (or home region) is the only one allowed.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        allowedRegions: { type: "array", items: { type: "string", pattern: "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$" }, default: DEFAULTS.allowedRegions },
      },
    },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      const all = nodesOf(args).filter((n) => !n.type.startsWith("pulumi:"));
      const { regions, source } = allowedRegions(cfg.allowedRegions, all);
      if (regions.length === 0) return;
      for (const node of all) {
        const where = placement(node);
        if (where && !regions.includes(where)) report(`${label(node)} is placed in ${where}, outside ${source}: ${regions.join(", ")}`, node.urn);
        const outside = [...regionsReferenced(node)].filter((r) => !regions.includes(r) && r !== where);
        if (outside.length > 0) report(`${label(node)} refers to region(s) ${outside.join(", ")}, outside ${source}: ${regions.join(", ")}`, node.urn);
      }
    },
  },
  severity: "high",
  remediation: "Keep every resource and every ARN, endpoint and hostname it names in the stack's residency regions (sovereign-llm:residency); set the pack config allowedRegions to those regions.",
  frameworks: {
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality],
    hipaa: [HIPAA.riskManagement],
    soc2: [SOC2.confidentialInfo],
    "fedramp-moderate": ["SA-9(5)", "SC-7"],
  },
  references: [],
  resourceTypes: ["*"],
};
