import type { Control } from "./types";
import { asArray, asRecord, bool, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const CLUSTER = "aws:eks/cluster:Cluster";
const WORLD = ["0.0.0.0/0", "::/0"];

export const eksClusterEndpointPrivate: Control = {
  policy: {
    name: "sovereign-llm-eks-endpoint-private",
    description:
      "The EKS API server endpoint is reachable privately from the VPC, and publicly only when the stack lists the source CIDRs: never the whole internet. EKS defaults publicAccessCidrs to 0.0.0.0/0 when the public endpoint is on and no CIDRs are given, so an empty list counts as the world.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== CLUSTER) return;
      const vpc = propsOf(args).vpcConfig;
      const undecided = new Undecided();
      if (isUnknown(vpc)) undecided.note("vpcConfig unknown");
      else {
        const v = asRecord(vpc);
        const priv = bool(v.endpointPrivateAccess);
        // AWS defaults: private access false, public access true.
        if (isUnknown(priv)) undecided.note("endpointPrivateAccess unknown");
        else if (priv !== true) report("the private API endpoint is off: set vpcConfig.endpointPrivateAccess: true so nodes and in-VPC runners reach the API without leaving the VPC");
        const pub = v.endpointPublicAccess === undefined ? true : bool(v.endpointPublicAccess);
        if (isUnknown(pub)) undecided.note("endpointPublicAccess unknown");
        else if (pub !== false) {
          const cidrs = v.publicAccessCidrs;
          if (isUnknown(cidrs)) undecided.note("publicAccessCidrs unknown");
          else {
            const list = asArray(cidrs);
            const world = list.filter((c): c is string => typeof c === "string" && WORLD.includes(c));
            if (list.length === 0) report("the public API endpoint is on with no publicAccessCidrs, which EKS opens to 0.0.0.0/0: set endpointPublicAccess: false or list the allowed CIDRs");
            else if (world.length > 0) report(`the public API endpoint admits ${world.join(", ")}: set endpointPublicAccess: false or list only the allowed CIDRs`);
            else if (list.some(isUnknown)) undecided.note("a publicAccessCidrs entry is unknown");
          }
        }
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Set vpcConfig.endpointPrivateAccess: true and endpointPublicAccess: false (prod); where a public endpoint is really needed, list narrow publicAccessCidrs (cluster.publicAccessCidrs in the stack file), never 0.0.0.0/0.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity, HIPAA.workforceSecurity, HIPAA.accessEstablishment],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.logicalAccess],
    "fedramp-moderate": ["SC-7", "SC-7(3)", "AC-17", "AC-3"],
  },
  references: ["AWS Config: eks-endpoint-no-public-access"],
  resourceTypes: [CLUSTER],
};
