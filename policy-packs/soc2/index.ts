/**
 * CrossGuard pack: the control library's SOC 2 Trust Services Criteria (CC6-CC8, A1, C1) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "../controls/pack-policies";

new PolicyPack("sovereign-llm-soc2", {
  description: "sovereign-llm controls for SOC 2 Trust Services Criteria (CC6-CC8, A1, C1)",
  enforcementLevel: "mandatory",
  policies: packPolicies("soc2", "2017 Trust Services Criteria (revised 2022)"),
});
