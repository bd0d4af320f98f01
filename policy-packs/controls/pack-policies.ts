/**
 * The policies of one framework's pack: the library's controls for that framework, each carrying
 * its severity, remediation and the framework requirements it serves, so the analyzer's own
 * answer (GetAnalyzerInfo) is enough evidence. Builds no PolicyPack (that starts a server).
 */
import type { Policies } from "@pulumi/policy";
import { controlsFor } from "./index";
import type { Framework } from "./types";

export function packPolicies(framework: Framework, frameworkVersion: string): Policies {
  return controlsFor(framework).map((control) => ({
    ...control.policy,
    severity: control.policy.severity ?? control.severity,
    remediationSteps: control.policy.remediationSteps ?? control.remediation,
    framework: {
      name: framework,
      version: frameworkVersion,
      reference: (control.frameworks[framework] ?? []).join("; "),
      specification: control.references.join("; "),
    },
  }));
}
