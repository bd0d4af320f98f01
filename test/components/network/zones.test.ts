/**
 * Availability zones by zone ID: resolved against the account at preview, and refused, naming
 * the zone and the service, when a needed endpoint service is not offered there or EKS refuses it.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { synthesizeAsync, yamlConfig, rawConfig, ofType } from "../../helpers/stacks.js";
import { stackFileFromConfig } from "../../../tools/check/stack-file.js";
import { resolveZones, zoneBelongsTo, zoneIndex, zoneSuffix } from "../../../components/network/zones.js";
import { mockZones } from "../../../tools/check/mocks.js";
import { ConfigError, parseStackConfig } from "../../../infra/config.js";

test("zone names and zone IDs: region membership, index and suffix", () => {
  assert.ok(zoneBelongsTo("us-east-1a", "us-east-1"));
  assert.ok(zoneBelongsTo("use1-az4", "us-east-1"));
  assert.ok(!zoneBelongsTo("use2-az1", "us-east-1"));
  assert.ok(!zoneBelongsTo("us-east-1-bos-1a", "us-east-1"));
  assert.deepEqual(["us-east-1c", "use1-az3"].map(zoneIndex), [2, 2]);
  assert.deepEqual(["us-east-1c", "use1-az3"].map(zoneSuffix), ["c", "az3"]);
});

test("resolveZones maps names and IDs through the account's mapping and names every problem", () => {
  const account = { names: ["us-east-1a", "us-east-1b", "us-east-1c"], ids: ["use1-az4", "use1-az3", "use1-az1"] };
  const all = account.names;
  assert.deepEqual(resolveZones(["use1-az4", "use1-az1"], account, { s3: all }).zones.map((z) => z.name), ["us-east-1a", "us-east-1c"]);
  const { problems } = resolveZones(["us-east-1b", "use1-az1", "use1-az9"], account, { s3: all, autoscaling: ["us-east-1a", "us-east-1b"] });
  assert.deepEqual(problems, [
    "use1-az9 is not an available zone of this account and region (available: us-east-1a=use1-az4, us-east-1b=use1-az3, us-east-1c=use1-az1)",
    "us-east-1b (use1-az3 in this account): EKS does not accept cluster subnets in use1-az3; choose another zone",
    "use1-az1: the VPC endpoint service autoscaling is not offered in this zone; choose another zone",
  ]);
});

test("a stack may list zone IDs: subnets land in the account's zones of those IDs", async () => {
  const config = yamlConfig("staging");
  const zones = mockZones("us-west-2", "usw2");
  config["sovereign-llm:network"].availabilityZones = ["usw2-az1", "usw2-az2"];
  const outcome = await synthesizeAsync(stackFileFromConfig("staging", config), { preview: true });
  assert.ok(outcome.ok, outcome.ok ? "" : outcome.kind === "program" ? outcome.message : outcome.problems.join("\n"));
  const workload = ofType(outcome.result, "aws:ec2/subnet:Subnet").filter((s) => (s.inputs.tags as Record<string, string>).tier === "workload");
  const expected = ["usw2-az1", "usw2-az2"].map((id) => zones.names[zones.zoneIds.indexOf(id)]).sort();
  assert.deepEqual(workload.map((s) => s.inputs.availabilityZone).sort(), expected);
  assert.deepEqual(workload.map((s) => s.name.split("-").pop()).sort(), ["az1", "az2"]);
});

test("a zone that lacks an endpoint service the platform calls stops the program, naming zone and service", async () => {
  const config = yamlConfig("prod-eu");
  const outcome = await synthesizeAsync(stackFileFromConfig("prod-eu", config), { preview: true, unofferedZoneIds: { autoscaling: ["euc1-az2"], "ecr.dkr": ["euc1-az2"] } });
  assert.equal(outcome.ok, false);
  const message = !outcome.ok && outcome.kind === "program" ? outcome.message : "";
  const name = mockZones("eu-central-1", "euc1").names[mockZones("eu-central-1", "euc1").zoneIds.indexOf("euc1-az2")];
  assert.ok(message.includes(`${name} (euc1-az2 in this account): the VPC endpoint services autoscaling, ecr.dkr are not offered in this zone; choose another zone`), message);
});

test("config: names and IDs are not mixed; an ID of another region is refused", () => {
  const config = yamlConfig("prod");
  config["sovereign-llm:network"].availabilityZones = ["use1-az1", "us-east-1b", "use2-az1"];
  const { raw, region } = rawConfig(config);
  assert.throws(
    () => parseStackConfig(raw, region),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.problems.some((p) => p.includes("availabilityZones[2]: \"use2-az1\" is not an availability zone of us-east-1")) &&
      e.problems.some((p) => p.includes("mixes zone names and zone IDs")),
  );
});
