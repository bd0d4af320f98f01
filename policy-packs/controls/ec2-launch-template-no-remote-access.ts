import type { Control } from "./types";
import { asArray, asRecord, bool, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export const ec2LaunchTemplateNoRemoteAccess: Control = {
  policy: {
    name: "sovereign-llm-ec2-launch-template-no-remote-access",
    description:
      "Node launch templates carry no SSH key pair and give no network interface a public IP address: nodes are reached only through SSM Session Manager, which is IAM-authorised and recorded in CloudTrail.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== LAUNCH_TEMPLATE) return;
      const p = propsOf(args);
      const undecided = new Undecided();
      const keyName = str(p.keyName);
      if (isUnknown(keyName)) undecided.note("keyName unknown");
      else if (keyName !== undefined && keyName !== "") report(`launch template installs SSH key pair "${keyName}": remove keyName and use SSM Session Manager`);
      if (isUnknown(p.networkInterfaces)) undecided.note("networkInterfaces unknown");
      else
        for (const ni of asArray(p.networkInterfaces)) {
          const pub = bool(asRecord(ni).associatePublicIpAddress);
          if (isUnknown(pub)) undecided.note("associatePublicIpAddress unknown");
          else if (pub === true) report("a network interface of the launch template gets a public IP address: set associatePublicIpAddress: \"false\"");
        }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Remove keyName and any associatePublicIpAddress: \"true\" from the launch template; operators use `aws ssm start-session` (the node role has AmazonSSMManagedInstanceCore).",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.workforceSecurity, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.logicalAccess, SOC2.boundary],
    "fedramp-moderate": ["AC-17", "SC-7", "IA-2", "CM-7"],
  },
  references: [
    "AWS Config: ec2-no-amazon-key-pair",
    "AWS Config: ec2-launch-template-public-ip-disabled",
    "AWS Config: ec2-instance-no-public-ip (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "cdk-nag: HIPAA.Security-EC2InstanceNoPublicIp",
    "cdk-nag: NIST.800.53.R5-EC2InstanceNoPublicIp",
  ],
  resourceTypes: [LAUNCH_TEMPLATE],
};
