/** The deploy sequence of each committed stack, as the README documents it and `npm run deploy` runs it. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import { yamlConfig } from "../../helpers/stacks";
import { STACKS_DIR, stackFileFromConfig, readStackFile } from "../../../tools/check/stack-file";
import { deployPlan, DEFAULT_TUNNEL_PORT } from "../../../tools/deploy/plan";
import { main } from "../../../tools/deploy/cli";

test("a private-endpoint stack deploys the first time in two runs: the AWS layer deferred, then the Kubernetes layer through the port forward", () => {
  const plan = deployPlan(readStackFile("prod"), "none");
  assert.equal(plan.privateEndpoint, true);
  assert.deepEqual(
    plan.runs.map((r) => [r.kubernetesLayer, r.apiTunnelPort]),
    [
      ["deferred", undefined],
      ["applied", DEFAULT_TUNNEL_PORT],
    ],
  );
  assert.deepEqual(plan.policyPacks, ["hipaa", "soc2", "fedramp-moderate"].map((p) => join("policy-packs", p)));
  assert.equal(plan.policyPackConfig, join("evidence", "prod", "policy-pack-config.json"));
});

test("once its AWS layer exists, a private-endpoint stack never defers again (that would remove the Kubernetes layer)", () => {
  for (const current of ["deferred", "applied"] as const) {
    const plan = deployPlan(readStackFile("prod"), current);
    assert.deepEqual(plan.runs.map((r) => r.kubernetesLayer), ["applied"], current);
    assert.equal(plan.runs[0].apiTunnelPort, DEFAULT_TUNNEL_PORT);
  }
});

test("the tunnel port the stack configures is the one opened", () => {
  const config = yamlConfig("staging");
  config["sovereign-llm:deploy"] = { apiTunnelPort: 9443 };
  const plan = deployPlan(stackFileFromConfig("staging", config, join(STACKS_DIR, "Pulumi.staging.yaml")), "none");
  assert.deepEqual(plan.runs.map((r) => r.apiTunnelPort), [undefined, 9443]);
});

test("a stack whose API endpoint the deployer reaches (dev) deploys in one run without a tunnel", () => {
  const plan = deployPlan(readStackFile("dev"), "none");
  assert.equal(plan.privateEndpoint, false);
  assert.deepEqual(plan.runs.map((r) => [r.kubernetesLayer, r.apiTunnelPort]), [["applied", undefined]]);
});

test("npm run deploy refuses bad arguments before touching anything (exit 2)", async () => {
  for (const argv of [[], ["--ask", "hi"], ["prod", "--ask", "hi"], ["prod", "--bogus"]]) {
    let err = "";
    const code = await main(argv, { out: () => {}, err: (s) => (err += s) });
    assert.equal(code, 2, argv.join(" "));
    assert.match(err, /usage: npm run deploy -- <stack>/);
  }
});
