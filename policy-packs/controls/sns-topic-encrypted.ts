import type { Control } from "./types";
import { byUrnOf, customerKeyOf, label, nodesOf, ofType } from "./lib/resources";
import { Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const TOPIC = "aws:sns/topic:Topic";

export const snsTopicEncrypted: Control = {
  policy: {
    name: "sovereign-llm-sns-topic-encrypted",
    description:
      "Every SNS topic (the alarm topic carries finding and alarm details) is encrypted with a customer-managed KMS key: kmsMasterKeyId set to a key ARN, not unset and not the AWS-managed alias/aws/sns. A key ARN not known until deployment passes when it is computed only from KMS keys declared in the program.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const byUrn = byUrnOf(all);
      const undecided = new Undecided();
      for (const topic of ofType(all, TOPIC)) {
        const key = customerKeyOf(topic, "kmsMasterKeyId", byUrn);
        if (key === "unknown") undecided.note(`${label(topic)}: kmsMasterKeyId unknown`);
        else if (key === "missing") report(`SNS topic ${label(topic)} is not encrypted at rest: set kmsMasterKeyId to a customer-managed key`, topic.urn);
        else if (key === "not-key-arn") report(`SNS topic ${label(topic)} uses ${String(topic.props.kmsMasterKeyId)}, which is not a customer-managed key ARN (alias/aws/sns is AWS-managed: its policy cannot be narrowed)`, topic.urn);
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set kmsMasterKeyId on the aws.sns.Topic to the ARN of the stack's audit key, whose policy lets CloudWatch, EventBridge and SNS use it for this account.",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.confidentialInfo],
    "fedramp-moderate": ["SC-28", "SC-28(1)"],
  },
  references: ["AWS Config: sns-encrypted-kms (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-SNSEncryptedKMS", "cdk-nag: NIST.800.53.R5-SNSEncryptedKMS"],
  resourceTypes: [TOPIC],
};
