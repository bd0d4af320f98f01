import type { Control } from "./types";
import { byUrnOf, customerKeyOf, label, nodesOf, ofType } from "./lib/resources";
import { Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

export const logsGroupEncrypted: Control = {
  policy: {
    name: "sovereign-llm-logs-group-encrypted",
    description:
      "Every CloudWatch log group is encrypted with a customer-managed KMS key (kmsKeyId set to a key ARN, not an AWS-managed alias). A key ARN not known until deployment passes when it is computed only from KMS keys declared in the program (property dependencies).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const byUrn = byUrnOf(all);
      const undecided = new Undecided();
      for (const group of ofType(all, LOG_GROUP)) {
        const key = customerKeyOf(group, "kmsKeyId", byUrn);
        if (key === "unknown") undecided.note(`${label(group)}: kmsKeyId unknown`);
        else if (key === "missing") report("log group has no kmsKeyId: it is encrypted only with a CloudWatch-owned key; set a customer-managed KMS key", group.urn);
        else if (key === "not-key-arn") report(`log group kmsKeyId ${String(group.props.kmsKeyId)} is not a KMS key ARN (CloudWatch Logs requires the key ARN; AWS-managed aliases are not customer-managed)`, group.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set kmsKeyId on the aws.cloudwatch.LogGroup to the ARN of the stack's logs key, whose policy allows logs.<region>.amazonaws.com for this account's log groups.",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest, HIPAA.transmissionEncryption],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.confidentialInfo],
    "fedramp-moderate": ["SC-28", "SC-28(1)", "AU-9"],
  },
  references: ["AWS Config: cloudwatch-log-group-encrypted (FedRAMP Moderate)", "cdk-nag: HIPAA.Security-CloudWatchLogGroupEncrypted", "cdk-nag: NIST.800.53.R5-CloudWatchLogGroupEncrypted"],
  resourceTypes: [LOG_GROUP],
};
