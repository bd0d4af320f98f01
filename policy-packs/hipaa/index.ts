/**
 * CrossGuard pack: the control library's HIPAA Security Rule (45 CFR 164.308-316) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { controlsFor } from "../controls";

const FRAMEWORK = "hipaa";
const VERSION = "45 CFR Part 164 Subpart C";

new PolicyPack("sovereign-llm-hipaa", {
  description: "sovereign-llm controls for HIPAA Security Rule (45 CFR 164.308-316)",
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
