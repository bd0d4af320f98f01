import type { Control } from "./types";
import { configOf, label, propsOf, providerRegionOf } from "./lib/resources";
import { placement, regionsReferenced } from "./lib/regions";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DEFAULTS = { allowedRegions: [] as string[] };

/**
 * A resource policy: each resource is checked on its own planned inputs, so in a real deploy a
 * resource outside the allow-list is refused before it is created (also with
 * `pulumi up --skip-preview`, where stack policies run only after the changes).
 */
export const regionAllowList: Control = {
  policy: {
    name: "sovereign-llm-region-allow-list",
    description:
      "Every resource is placed in, and every region named in its configuration (ARNs, endpoint service names, regional hostnames, availability zones) is in, the residency allow-list. Goes beyond the public rule sets: data residency is a legal requirement (GDPR Chapter V) they do not express. With no allow-list configured, the region of the resource's provider is the only one allowed (check and the deploy instructions always configure the stack's residency regions).",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        allowedRegions: { type: "array", items: { type: "string", pattern: "^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\\d$" }, default: DEFAULTS.allowedRegions },
      },
    },
    validateResource: (args, report) => {
      if (args.type.startsWith("pulumi:")) return;
      const cfg = configOf(args, DEFAULTS);
      const node = { type: args.type, name: args.name, props: propsOf(args), providerRegion: providerRegionOf(args.provider?.props) };
      const configured = cfg.allowedRegions.length > 0;
      const regions = configured ? cfg.allowedRegions : node.providerRegion ? [node.providerRegion] : [];
      // Nothing to compare against: no allow-list and no provider region (never the case in a deploy).
      if (regions.length === 0) return;
      const source = configured ? "allowedRegions" : "its provider's region (no allowedRegions configured)";
      const where = placement(node);
      if (where && !regions.includes(where)) report(`${label(node)} is placed in ${where}, outside ${source}: ${regions.join(", ")}`);
      const outside = [...regionsReferenced(node)].filter((r) => !regions.includes(r) && r !== where);
      if (outside.length > 0) report(`${label(node)} refers to region(s) ${outside.join(", ")}, outside ${source}: ${regions.join(", ")}`);
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
