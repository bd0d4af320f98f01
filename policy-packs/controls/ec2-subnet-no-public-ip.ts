import type { Control } from "./types";
import { bool, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const SUBNET = "aws:ec2/subnet:Subnet";

export const ec2SubnetNoPublicIp: Control = {
  policy: {
    name: "sovereign-llm-ec2-subnet-no-public-ip",
    description: "No subnet assigns public IPv4 addresses to instances launched in it.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== SUBNET) return;
      const v = bool(propsOf(args).mapPublicIpOnLaunch);
      const undecided = new Undecided();
      if (isUnknown(v)) undecided.note("mapPublicIpOnLaunch unknown");
      else if (v === true) report("subnet sets mapPublicIpOnLaunch: instances in it get public IP addresses");
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set mapPublicIpOnLaunch: false on the aws.ec2.Subnet; reach AWS services through VPC endpoints.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity, HIPAA.workforceSecurity, HIPAA.accessEstablishment],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(3)", "AC-4"],
  },
  references: ["AWS Config: subnet-auto-assign-public-ip-disabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-VPCSubnetAutoAssignPublicIpDisabled", "cdk-nag: NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled"],
  resourceTypes: [SUBNET],
};
