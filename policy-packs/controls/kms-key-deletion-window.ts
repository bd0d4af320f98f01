import type { Control } from "./types";
import { configOf, propsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { HIPAA, SOC2, GDPR } from "./lib/refs";

const KEY = "aws:kms/key:Key";
const DEFAULTS = { minimumDays: 30 };

export const kmsKeyDeletionWindow: Control = {
  policy: {
    name: "sovereign-llm-kms-key-deletion-window",
    description:
      "Every KMS key keeps a deletion waiting period of at least the configured number of days (default 30, the AWS maximum), so a key scheduled for deletion by mistake can be recovered before the data it protects becomes unreadable.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { minimumDays: { type: "integer", minimum: 7, maximum: 30, default: DEFAULTS.minimumDays } } },
    validateResource: (args, report) => {
      if (args.type !== KEY) return;
      const { minimumDays } = configOf(args, DEFAULTS);
      const days = propsOf(args).deletionWindowInDays;
      const undecided = new Undecided();
      // Absent means the AWS default of 30 days.
      if (isUnknown(days)) undecided.note("deletionWindowInDays unknown");
      else if (typeof days === "number" && days < minimumDays) report(`KMS key deletion window is ${days} days; it must be at least ${minimumDays}`);
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Set deletionWindowInDays to 30 on the aws.kms.Key (or at least the configured minimum).",
  frameworks: {
    hipaa: [HIPAA.backup, HIPAA.encryptionAtRest, HIPAA.contingencyPlan, HIPAA.disasterRecovery],
    gdpr: [GDPR.restore],
    soc2: [SOC2.recovery],
    "fedramp-moderate": ["SC-12", "CP-9", "CP-10"],
  },
  references: ["AWS Config: kms-cmk-not-scheduled-for-deletion (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)"],
  resourceTypes: [KEY],
};
