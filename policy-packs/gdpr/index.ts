/**
 * CrossGuard pack: the control library's GDPR (Art. 5, 17, 25, 30, 32, 44) controls, mandatory unless
 * a control sets its own level or pack config overrides it. Started by the Pulumi CLI (and by
 * `npm run check`) as `node node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> .` from this
 * directory; it prints its gRPC port as the first line of stdout, so nothing here may log.
 */
import { PolicyPack } from "@pulumi/policy";
import { packPolicies } from "../controls/pack-policies";

new PolicyPack("sovereign-llm-gdpr", {
  description: "sovereign-llm controls for GDPR (Art. 5, 17, 25, 30, 32, 44)",
  enforcementLevel: "mandatory",
  policies: packPolicies("gdpr", "Regulation (EU) 2016/679"),
});
