import type { Control } from "./types";
import { asArray, label, nodesOf, ofType, refersTo } from "./lib/resources";
import { containsUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const VPC = "aws:ec2/vpc:Vpc";
const DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup";

export const ec2DefaultSgClosed: Control = {
  policy: {
    name: "sovereign-llm-ec2-default-sg-closed",
    description:
      "Every VPC's default security group is adopted by the program and has no ingress or egress rules, so anything attached to it by default can neither receive nor send traffic.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const sgs = ofType(all, DEFAULT_SG);
      const undecided = new Undecided();
      for (const vpc of ofType(all, VPC)) {
        const linked = sgs.filter((sg) => refersTo(sg, "vpcId", vpc, [vpc.props.id, vpc.name]) === "yes");
        const unsure = sgs.some((sg) => refersTo(sg, "vpcId", vpc, [vpc.props.id, vpc.name]) === "unknown");
        if (linked.length === 0) {
          if (unsure) undecided.note(`${label(vpc)}: default security group link unknown`);
          else report(`VPC "${vpc.name}": its default security group is not managed (it keeps AWS's default allow rules); declare aws.ec2.DefaultSecurityGroup with no rules`, vpc.urn);
          continue;
        }
        for (const sg of linked) {
          if (containsUnknown(sg.props.ingress) || containsUnknown(sg.props.egress)) {
            undecided.note(`${label(sg)}: rules unknown`);
            continue;
          }
          const rules = asArray(sg.props.ingress).length + asArray(sg.props.egress).length;
          if (rules > 0) report(`default security group "${sg.name}" has ${rules} rule(s); it must have none`, sg.urn);
        }
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Declare aws.ec2.DefaultSecurityGroup for the VPC with ingress: [] and egress: [] (IsolatedVpc does this).",
  frameworks: {
    hipaa: [HIPAA.accessControl],
    gdpr: [GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.logicalAccess],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CM-7"],
  },
  references: ["AWS Config: vpc-default-security-group-closed (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-VPCDefaultSecurityGroupClosed", "cdk-nag: NIST.800.53.R5-VPCDefaultSecurityGroupClosed"],
  resourceTypes: [VPC, DEFAULT_SG],
};
