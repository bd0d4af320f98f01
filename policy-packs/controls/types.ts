/**
 * The shape of a control in the library. A control is one CrossGuard policy plus what an auditor
 * needs to know about it: why it exists, how bad a violation is, how to fix one, and which
 * framework requirements and public rule sets it answers to.
 *
 * Modules under `controls/` never construct a PolicyPack (its constructor starts a gRPC server),
 * so tests and tools can import them.
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

export type Framework = "hipaa" | "gdpr" | "soc2" | "fedramp-moderate";
export const FRAMEWORKS: readonly Framework[] = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];

export type Severity = "low" | "medium" | "high" | "critical";

/**
 * Framework requirements a control serves, with real identifiers:
 * hipaa: 45 CFR paragraphs ("164.312(a)(2)(iv)"); gdpr: articles ("Art. 32(1)(a)");
 * soc2: Trust Services Criteria ("CC6.1"); fedramp-moderate: NIST SP 800-53 rev 5 controls in the
 * FedRAMP Moderate baseline ("SC-28(1)").
 */
export type FrameworkRefs = Partial<Record<Framework, string[]>>;

export interface Control {
  /** The CrossGuard policy. Its name is `sovereign-llm-<service>-<what>` and never changes. */
  policy: ResourceValidationPolicy | StackValidationPolicy;
  severity: Severity;
  /** What to change, in the words an operator needs. */
  remediation: string;
  frameworks: FrameworkRefs;
  /**
   * Public rules this control corresponds to, e.g. "AWS Config: s3-bucket-ssl-requests-only (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
   * "cdk-nag HIPAA.Security: HIPAA.Security-S3BucketSSLRequestsOnly", "PSS restricted: runAsNonRoot".
   * A public rule is cited only when the control checks what that rule checks; a rule about a
   * neighbouring concern is prefixed "Related: " with what it covers. Empty when the control goes
   * beyond the public lists (say why in the description).
   */
  references: string[];
  /** Resource types (Pulumi tokens) the control examines; evidence lists them per control. */
  resourceTypes: string[];
}
