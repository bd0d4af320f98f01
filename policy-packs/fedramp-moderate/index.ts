/**
 * CrossGuard pack: the control library's FedRAMP Moderate (NIST SP 800-53 rev 5 Moderate baseline) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "../controls/pack-policies";

new PolicyPack("sovereign-llm-fedramp-moderate", {
  description: "sovereign-llm controls for FedRAMP Moderate (NIST SP 800-53 rev 5 Moderate baseline)",
  enforcementLevel: "mandatory",
  policies: packPolicies("fedramp-moderate", "FedRAMP Rev 5 Moderate (NIST SP 800-53 rev 5)"),
});
