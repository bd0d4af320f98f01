import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";

export const ec2EndpointSgHttpsOnly: Control = {
  policy: {
    name: "sovereign-llm-ec2-endpoint-sg-https-only",
    description: "Security groups attached to interface VPC endpoints admit only TCP 443: AWS APIs are reached over TLS and nothing else.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const endpoints = ofType(all, ENDPOINT);
      const undecided = new Undecided();
      for (const sg of ofType(all, SG)) {
        const attached = endpoints.filter((e) => refersTo(e, "securityGroupIds", sg, [sg.props.id, sg.name]) === "yes");
        if (attached.length === 0) continue;
        if (isUnknown(sg.props.ingress)) {
          undecided.note(`${label(sg)}: ingress unknown`);
          continue;
        }
        for (const rule of asArray(sg.props.ingress).map(asRecord)) {
          if (containsUnknown(rule.protocol) || containsUnknown(rule.fromPort) || containsUnknown(rule.toPort)) {
            undecided.note(`${label(sg)}: a rule's ports are unknown`);
            continue;
          }
          const protocol = str(rule.protocol);
          if (!(protocol === "tcp" || protocol === "6") || rule.fromPort !== 443 || rule.toPort !== 443) {
            report(`security group "${sg.name}" of VPC endpoint(s) ${attached.map((e) => e.name).join(", ")} admits ${String(protocol)} ${String(rule.fromPort)}-${String(rule.toPort)}; only tcp 443 is allowed`, sg.urn);
          }
        }
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Limit the endpoint security group's ingress to { protocol: \"tcp\", fromPort: 443, toPort: 443, cidrBlocks: [vpcCidr] }.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.boundary, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "CM-7", "SC-8"],
  },
  references: ["AWS Config: vpc-sg-open-only-to-authorized-ports (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5, authorizedTcpPorts 443)"],
  resourceTypes: [SG, ENDPOINT],
};
