/**
 * CrossGuard pack: the control library's FedRAMP Moderate (NIST SP 800-53 rev 5 Moderate baseline) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { controlsFor } from "../controls";

const FRAMEWORK = "fedramp-moderate";
const VERSION = "FedRAMP Rev 5 Moderate (NIST SP 800-53 rev 5)";

new PolicyPack("sovereign-llm-fedramp-moderate", {
  description: "sovereign-llm controls for FedRAMP Moderate (NIST SP 800-53 rev 5 Moderate baseline)",
  enforcementLevel: "mandatory",
  policies: controlsFor(FRAMEWORK).map((control) => ({
    ...control.policy,
    severity: control.policy.severity ?? control.severity,
    remediationSteps: control.policy.remediationSteps ?? control.remediation,
    // The framework requirements this policy serves, so the analyzer info alone is enough evidence.
    framework: {
      name: FRAMEWORK,
      version: VERSION,
      reference: (control.frameworks[FRAMEWORK] ?? []).join("; "),
      specification: control.references.join("; "),
    },
  })),
});
