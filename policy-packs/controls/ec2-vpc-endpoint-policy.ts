import type { Control } from "./types";
import { bool, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { hasRestrictingCondition, isPublicPrincipal, parsePolicy } from "./lib/policy-doc";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

export const ec2VpcEndpointPolicy: Control = {
  policy: {
    name: "sovereign-llm-ec2-vpc-endpoint-policy",
    description:
      "Every VPC endpoint carries its own endpoint policy (not the default full-access one), and interface endpoints enable private DNS so SDKs resolve AWS APIs to the endpoint rather than the internet. Goes beyond the public rule sets, which do not inspect endpoint policies: an endpoint is otherwise a path to any account's resources.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== ENDPOINT) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      const kind = str(p.vpcEndpointType) ?? "Gateway";
      if (isUnknown(kind)) undecided.note("endpoint type unknown");
      if (kind === "Interface") {
        const dns = bool(p.privateDnsEnabled);
        if (isUnknown(dns)) undecided.note("privateDnsEnabled unknown");
        else if (dns !== true) report("interface endpoint without privateDnsEnabled: clients keep resolving the public service endpoint");
      }
      if (p.policy === undefined || p.policy === "") report("VPC endpoint has no policy: the default allows any principal any action on any resource of the service");
      else {
        const doc = parsePolicy(p.policy);
        if (isUnknown(doc)) undecided.note("endpoint policy unknown");
        else if (!doc.ok) report(`endpoint policy is unreadable: ${doc.reason}`);
        else if (doc.statements.some((s) => s.effect === "Allow" && isPublicPrincipal(s.principal) && s.actions.includes("*") && s.resources.includes("*") && !hasRestrictingCondition(s)))
          report("endpoint policy is the full-access default (Allow * on * to *); restrict it to this account's principals and resources");
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Give every aws.ec2.VpcEndpoint a policy allowing only the service actions needed with aws:PrincipalAccount / aws:ResourceAccount conditions, and privateDnsEnabled: true for interface endpoints.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers],
    soc2: [SOC2.boundary, SOC2.logicalAccess],
    "fedramp-moderate": ["AC-4", "SC-7", "SC-7(4)"],
  },
  references: [],
  resourceTypes: [ENDPOINT],
};
