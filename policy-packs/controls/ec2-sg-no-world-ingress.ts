import type { Control } from "./types";
import { asArray, asRecord, propsOf, str } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SG = "aws:ec2/securityGroup:SecurityGroup";
const SG_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule";
const INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule";
const WORLD = ["0.0.0.0/0", "::/0"];

function worldCidrs(rule: Record<string, unknown>): string[] {
  return [...asArray(rule.cidrBlocks), ...asArray(rule.ipv6CidrBlocks), rule.cidrIpv4, rule.cidrIpv6].filter((c): c is string => typeof c === "string" && WORLD.includes(c));
}

export const ec2SgNoWorldIngress: Control = {
  policy: {
    name: "sovereign-llm-ec2-sg-no-world-ingress",
    description: "No security group (or separate ingress rule) admits traffic from 0.0.0.0/0 or ::/0, on any port: the platform has no internet-facing listener.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      const p = propsOf(args);
      const undecided = new Undecided();
      let rules: Record<string, unknown>[] = [];
      if (args.type === SG) {
        if (isUnknown(p.ingress)) undecided.note("ingress unknown");
        else rules = asArray(p.ingress).map(asRecord);
      } else if (args.type === SG_RULE) {
        const kind = str(p.type);
        if (isUnknown(kind)) undecided.note("rule type unknown");
        else if (kind === "ingress") rules = [p];
      } else if (args.type === INGRESS_RULE) rules = [p];
      else return;
      for (const rule of rules) {
        const world = worldCidrs(rule);
        if (world.length > 0) report(`ingress from ${world.join(", ")} on ports ${String(rule.fromPort ?? "all")}-${String(rule.toPort ?? "all")}: restrict the source to the VPC or a named security group`);
        else if (containsUnknown(rule)) undecided.note("an ingress rule's sources are unknown");
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Replace 0.0.0.0/0 and ::/0 sources with the VPC CIDR or source security groups.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity, HIPAA.workforceSecurity, HIPAA.informationAccess],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CM-7"],
  },
  references: [
    "AWS Config: restricted-ssh (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: restricted-common-ports (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: vpc-sg-open-only-to-authorized-ports (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-EC2RestrictedSSH",
    "cdk-nag: HIPAA.Security-EC2RestrictedCommonPorts",
    "cdk-nag: NIST.800.53.R5-EC2RestrictedSSH",
    "cdk-nag: NIST.800.53.R5-EC2RestrictedCommonPorts",
  ],
  resourceTypes: [SG, SG_RULE, INGRESS_RULE],
};
