/**
 * CrossGuard pack: the control library's HIPAA Security Rule (45 CFR 164.308-316) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "../controls/pack-policies";

new PolicyPack("sovereign-llm-hipaa", {
  description: "sovereign-llm controls for HIPAA Security Rule (45 CFR 164.308-316)",
  enforcementLevel: "mandatory",
  policies: packPolicies("hipaa", "45 CFR Part 164 Subpart C"),
});
