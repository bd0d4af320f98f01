import type { Control } from "./types";
import { asRecord, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

export const ec2LaunchTemplateImdsv2: Control = {
  policy: {
    name: "sovereign-llm-ec2-launch-template-imdsv2",
    description:
      "Node launch templates require IMDSv2 session tokens with a response hop limit of 1, so pods (one network hop further) cannot read the node role's credentials from the instance metadata service.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== LAUNCH_TEMPLATE) return;
      const meta = propsOf(args).metadataOptions;
      const undecided = new Undecided();
      if (isUnknown(meta)) undecided.note("metadataOptions unknown");
      else if (meta === undefined || meta === null) report("launch template has no metadataOptions, so IMDSv1 stays available: set httpTokens: \"required\" and httpPutResponseHopLimit: 1");
      else {
        const m = asRecord(meta);
        const endpoint = str(m.httpEndpoint);
        const tokens = str(m.httpTokens);
        if (isUnknown(endpoint) || isUnknown(tokens)) undecided.note("httpEndpoint or httpTokens unknown");
        else if (endpoint !== "disabled" && tokens !== "required") report(`IMDSv1 is allowed (httpTokens ${tokens ?? "unset"}): set metadataOptions.httpTokens: "required"`);
        const hops = m.httpPutResponseHopLimit;
        if (isUnknown(hops)) undecided.note("httpPutResponseHopLimit unknown");
        else if (endpoint !== "disabled" && hops !== 1) report(`IMDS hop limit is ${hops === undefined ? "unset" : String(hops)}: set metadataOptions.httpPutResponseHopLimit: 1 so containers cannot reach the node's credentials`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set metadataOptions: { httpEndpoint: \"enabled\", httpTokens: \"required\", httpPutResponseHopLimit: 1 } on the node launch template (node-hardening.ts does this); pods get AWS credentials from EKS Pod Identity instead.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.accessAuthorization, HIPAA.workforceSecurity, HIPAA.accessEstablishment],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.leastPrivilege],
    "fedramp-moderate": ["AC-3", "AC-6", "CM-7", "SC-3"],
  },
  references: [
    "AWS Config: ec2-launch-template-imdsv2-check",
    "AWS Config: ec2-imdsv2-check (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: ec2-token-hop-limit-check",
    "cdk-nag: HIPAA.Security-EC2IMDSv2Enabled",
    "cdk-nag: NIST.800.53.R5-EC2IMDSv2Enabled",
  ],
  resourceTypes: [LAUNCH_TEMPLATE],
};
