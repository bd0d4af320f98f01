import type { Control } from "./types";
import { bool, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const KEY = "aws:kms/key:Key";

export const kmsKeyRotation: Control = {
  policy: {
    name: "sovereign-llm-kms-key-rotation",
    description: "Every symmetric encryption KMS key has automatic rotation on. Asymmetric and HMAC keys cannot rotate automatically and are not checked.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
      if (args.type !== KEY) return;
      const p = propsOf(args);
      const spec = str(p.customerMasterKeySpec) ?? "SYMMETRIC_DEFAULT";
      const usage = str(p.keyUsage) ?? "ENCRYPT_DECRYPT";
      const rotation = bool(p.enableKeyRotation);
      const undecided = new Undecided();
      if (isUnknown(spec) || isUnknown(usage) || isUnknown(rotation)) undecided.note("key spec, usage or rotation unknown");
      else if (spec === "SYMMETRIC_DEFAULT" && usage === "ENCRYPT_DECRYPT" && rotation !== true) report("symmetric KMS key without automatic rotation: set enableKeyRotation: true");
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set enableKeyRotation: true on the aws.kms.Key (KeyRing does this for every symmetric key).",
  frameworks: {
    hipaa: [HIPAA.encryptionAtRest],
    gdpr: [GDPR.encryption],
    soc2: [SOC2.logicalAccess],
    "fedramp-moderate": ["SC-12", "SC-13"],
  },
  references: ["AWS Config: cmk-backing-key-rotation-enabled (FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: NIST.800.53.R5-KMSBackingKeyRotationEnabled"],
  resourceTypes: [KEY],
};
