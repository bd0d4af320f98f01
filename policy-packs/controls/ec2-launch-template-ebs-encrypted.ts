import type { Control } from "./types";
import { asArray, asRecord, bool, byUrnOf, computedOnlyFrom, KMS_KEY_TYPES, label, nodesOf, ofType, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate";

/** Checks one launch template's volumes. */
function check(lt: Node, byUrn: Map<string, Node>, report: (message: string) => void, note: (what: string) => void): void {
  const mappings = lt.props.blockDeviceMappings;
  const keyFromProgram = computedOnlyFrom(lt, "blockDeviceMappings", byUrn, KMS_KEY_TYPES);
  if (isUnknown(mappings)) note("blockDeviceMappings unknown");
  else if (asArray(mappings).length === 0) report("launch template declares no block device mappings: declare the OS and data volumes with encrypted: \"true\" and the node-volume key");
  else {
    for (const raw of asArray(mappings)) {
      if (isUnknown(raw)) {
        note("a block device mapping is unknown");
        continue;
      }
      const m = asRecord(raw);
      const device = typeof m.deviceName === "string" ? m.deviceName : "?";
      if (m.noDevice !== undefined && m.noDevice !== "" && m.ebs === undefined) continue;
      if (isUnknown(m.ebs)) {
        note(`${device}: ebs unknown`);
        continue;
      }
      if (m.ebs === undefined) continue; // instance-store (virtualName) mapping: no EBS volume
      const ebs = asRecord(m.ebs);
      const encrypted = bool(ebs.encrypted);
      if (isUnknown(encrypted)) note(`${device}: encrypted unknown`);
      else if (encrypted !== true) report(`volume ${device} is not encrypted: set ebs.encrypted: "true" with the node-volume KMS key`);
      const key = ebs.kmsKeyId;
      // An unknown key computed only from KMS keys of the program is a customer-managed key.
      if (isUnknown(key)) {
        if (!keyFromProgram) note(`${device}: kmsKeyId unknown`);
      } else if (encrypted === true && (typeof key !== "string" || key.length === 0)) report(`volume ${device} is encrypted with the AWS-managed EBS key: set ebs.kmsKeyId to the customer-managed node-volume key`);
    }
  }
}

export const ec2LaunchTemplateEbsEncrypted: Control = {
  policy: {
    name: "sovereign-llm-ec2-launch-template-ebs-encrypted",
    description:
      "Every EBS volume a node launch template declares is encrypted with a named customer-managed KMS key: node volumes hold model weights, container images and pod scratch data. A template with no block device mappings leaves the AMI's volumes to the account default and fails too. A key not known until deployment passes when blockDeviceMappings is computed only from KMS keys declared in the program (property dependencies).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const byUrn = byUrnOf(all);
      const undecided = new Undecided();
      for (const lt of ofType(all, LAUNCH_TEMPLATE)) check(lt, byUrn, (m) => report(m, lt.urn), (what) => undecided.note(`${label(lt)}: ${what}`));
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare each volume in blockDeviceMappings with ebs: { encrypted: \"true\", kmsKeyId: keys.nodeVolumes.arn, volumeType: \"gp3\" }; the key policy must allow the Auto Scaling service-linked role.",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.logicalAccess, SOC2.confidentialInfo],
    "fedramp-moderate": ["SC-28", "SC-28(1)", "SC-12", "SC-13"],
  },
  references: ["Related: AWS Config: ec2-ebs-encryption-by-default (an account-wide setting; this control checks the node launch templates' volumes)", "AWS Config: encrypted-volumes (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)"],
  resourceTypes: [LAUNCH_TEMPLATE],
};
