/**
 * The cost model's arithmetic on a small fixture stack (registrations written by hand, prices
 * from test/fixtures/cost/data with round numbers), against values computed by hand.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { join } from "node:path";
import type { Registration } from "../../../tools/check/synth";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import { apiMonthly, breakEven, costAtVolume, modelCostFn, priceStack, type CostInputs } from "../../../tools/cost/estimate";
import { PriceBook } from "../../../tools/cost/prices";
import { priceRegistrations, unpricedTypes, VolumeInvariantLines } from "../../../tools/cost/rules";
import { loadThroughputTable } from "../../../tools/cost/throughput";
import { DAYS_PER_MONTH, resolveUsage } from "../../../tools/cost/usage";

const DATA = join(REPO_ROOT, "test", "fixtures", "cost", "data");
const book = new PriceBook({ dataDir: DATA });
const table = loadThroughputTable();

function reg(type: string, name: string, inputs: Record<string, unknown>, propertyDependencies: Record<string, string[]> = {}): Registration {
  return {
    urn: `urn:pulumi:test::p::${type}::${name}`,
    type,
    name,
    custom: true,
    parent: "",
    provider: "",
    id: "",
    protect: false,
    retainOnDelete: false,
    deleteBeforeReplace: false,
    ignoreChanges: [],
    dependencies: [],
    propertyDependencies,
    additionalSecretOutputs: [],
    inputs,
    outputs: {},
  };
}

const lt = (name: string, dataGb: number) =>
  reg("aws:ec2/launchTemplate:LaunchTemplate", name, {
    blockDeviceMappings: [{ ebs: { volumeSize: 4, volumeType: "gp3" } }, { ebs: { volumeSize: dataGb, volumeType: "gp3" } }],
  });
const systemLt = lt("t-system", 50);
const gpuLt = lt("t-gpu", 100);

const FIXTURE: Registration[] = [
  reg("aws:eks/cluster:Cluster", "t-eks", {}),
  systemLt,
  gpuLt,
  reg("aws:eks/nodeGroup:NodeGroup", "t-system", { nodeGroupName: "system", capacityType: "ON_DEMAND", instanceTypes: ["m7i.large"], scalingConfig: { minSize: 2, desiredSize: 3, maxSize: 4 } }, { launchTemplate: [systemLt.urn] }),
  reg("aws:eks/nodeGroup:NodeGroup", "t-gpu", { nodeGroupName: "gpu", capacityType: "ON_DEMAND", instanceTypes: ["g6e.xlarge"], scalingConfig: { minSize: 1, desiredSize: 1, maxSize: 3 } }, { launchTemplate: [gpuLt.urn] }),
  reg("kubernetes:apps/v1:Deployment", "t-vllm", {
    metadata: { labels: { "app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "test-8b-instruct" } },
    spec: { replicas: 1, template: { spec: { nodeSelector: { "sovereign-llm/node-group": "gpu" }, containers: [{ resources: { limits: { "nvidia.com/gpu": "1" } } }] } } },
  }),
  reg("aws:ec2/vpcEndpoint:VpcEndpoint", "t-sts", { vpcEndpointType: "Interface", serviceName: "com.amazonaws.xx-test-1.sts", subnetIds: ["a", "b"] }),
  reg("aws:ec2/vpcEndpoint:VpcEndpoint", "t-kms", { vpcEndpointType: "Interface", serviceName: "com.amazonaws.xx-test-1.kms", subnetIds: ["a", "b"] }),
  reg("aws:ec2/vpcEndpoint:VpcEndpoint", "t-s3", { vpcEndpointType: "Gateway", serviceName: "com.amazonaws.xx-test-1.s3" }),
  reg("aws:kms/key:Key", "t-key", {}),
  reg("aws:networkfirewall/firewall:Firewall", "t-fw", { subnetMappings: [{ subnetId: "a" }, { subnetId: "b" }] }),
  reg("aws:ec2/natGateway:NatGateway", "t-nat", {}),
  reg("aws:ec2/eip:Eip", "t-eip", {}),
  reg("aws:cloudwatch/logGroup:LogGroup", "t-audit", { name: "/t/audit/gateway", retentionInDays: 30 }),
  reg("aws:iam/role:Role", "t-role", {}),
];

const usage = resolveUsage({ values: { requestsPerSecond: 1 }, modelStorageGiB: 0 });
const inputs: CostInputs = { regs: FIXTURE, region: "xx-test-1", book, table, usage };

// Hand-computed monthly figures (730 hours).
const EKS = 730 * 0.1; // 73
const SYSTEM = { min: 2 * 730 * 0.1, desired: 3 * 730 * 0.1, max: 4 * 730 * 0.1 }; // 146 / 219 / 292
const SYSTEM_EBS = { min: 2 * 54 * 0.1, desired: 3 * 54 * 0.1, max: 4 * 54 * 0.1 }; // 10.8 / 16.2 / 21.6
const GPU = { min: 730 * 2, desired: 730 * 2, max: 3 * 730 * 2 }; // 1460 / 1460 / 4380
const GPU_EBS = { min: 104 * 0.1, desired: 104 * 0.1, max: 3 * 104 * 0.1 }; // 10.4 / 10.4 / 31.2
const ENDPOINTS = 2 * 2 * 730 * 0.01; // 29.2; the gateway endpoint is free
const KEY = 1;
const FIREWALL = 2 * 730 * 0.4 + 10 * 0.05; // 584 + 0.5 (10 GB inspected by default)
const NAT = 730 * 0.05 - 730 * 0.05; // waived behind the firewall
const EIP = 730 * 0.005; // 3.65
const AUDIT_GB = (730 * 3600 * 1024) / 1e9; // 2,628,000 requests x 1 KiB = 2.691072 GB
const LOGS = AUDIT_GB * 0.5 + AUDIT_GB * (30 / 30.4) * 0.03;
const KMS_REQUESTS = ((200_000 - 20_000) / 10_000) * 0.03; // 0.54
const ENDPOINT_GB = 1000 * 0.01; // 10
const FIXED = EKS + ENDPOINTS + KEY + FIREWALL + NAT + EIP + LOGS + KMS_REQUESTS + ENDPOINT_GB;

const close = (actual: number, expected: number, what: string) => assert.ok(Math.abs(actual - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `${what}: ${actual} != ${expected}`);

describe("cost of the fixture stack at min, desired and max", () => {
  const base = priceStack(inputs);
  test("every line is priced", () => {
    assert.deepEqual(base.missing, []);
  });
  test("totals equal the hand-computed sums", () => {
    close(base.total.min, FIXED + SYSTEM.min + SYSTEM_EBS.min + GPU.min + GPU_EBS.min, "min");
    close(base.total.desired, FIXED + SYSTEM.desired + SYSTEM_EBS.desired + GPU.desired + GPU_EBS.desired, "desired");
    close(base.total.max, FIXED + SYSTEM.max + SYSTEM_EBS.max + GPU.max + GPU_EBS.max, "max");
  });
  test("node groups scale with their sizes; the gateway endpoint and IAM cost nothing", () => {
    const gpu = base.lines.find((l) => l.what.startsWith("g6e.xlarge"));
    assert.deepEqual(gpu?.monthly, GPU);
    assert.equal(base.lines.filter((l) => l.resource === "t-s3").length, 0);
    assert.equal(base.lines.filter((l) => l.resource === "t-role").length, 0);
  });
  test("a NAT gateway behind the firewall has its hours waived", () => {
    const nat = base.lines.filter((l) => l.resource === "t-nat");
    assert.equal(nat.length, 2);
    close(nat.reduce((s, l) => s + (l.monthly?.desired ?? 0), 0), 0, "net NAT");
  });
  test("the model's GPU and class are read from the rendered objects", () => {
    assert.equal(base.models.length, 1);
    assert.equal(base.models[0].modelClass, "8b");
    assert.equal(base.models[0].gpusPerReplica, 1);
    assert.equal(base.models[0].maxReplicas, 3);
    assert.match(base.models[0].throughput?.basis ?? "", /derived/);
  });
});

describe("gp3 performance beyond the included baseline", () => {
  const fastLt = reg("aws:ec2/launchTemplate:LaunchTemplate", "t-fast", {
    blockDeviceMappings: [
      { ebs: { volumeSize: 4, volumeType: "gp3", throughput: 125, iops: 3000 } },
      { ebs: { volumeSize: 500, volumeType: "gp3", throughput: 625, iops: 5000 } },
    ],
  });
  const group = reg("aws:eks/nodeGroup:NodeGroup", "t-fast", { nodeGroupName: "fast", capacityType: "ON_DEMAND", instanceTypes: ["g6e.xlarge"], scalingConfig: { minSize: 1, desiredSize: 2, maxSize: 3 } }, { launchTemplate: [fastLt.urn] });
  const lines = priceRegistrations([fastLt, group], { region: "xx-test-1", book, usage }).filter((l) => l.resource === "t-fast");
  test("throughput and IOPS above 125 MiB/s and 3,000 are priced per node; the baseline volume adds nothing", () => {
    const mibps = lines.find((l) => l.what.startsWith("gp3 throughput"));
    const iops = lines.find((l) => l.what.startsWith("gp3 IOPS"));
    assert.ok(mibps && iops, JSON.stringify(lines.map((l) => l.what)));
    close(mibps.monthly!.desired, 2 * 500 * 0.04, "throughput at two nodes");
    close(mibps.monthly!.max, 3 * 500 * 0.04, "throughput at three nodes");
    close(iops.monthly!.desired, 2 * 2000 * 0.005, "IOPS at two nodes");
  });
  test("volumes at the baseline have no performance line", () => {
    const plain = priceRegistrations([systemLt, FIXTURE[3]!], { region: "xx-test-1", book, usage });
    assert.equal(plain.filter((l) => /gp3 (throughput|IOPS)/.test(l.what)).length, 0);
  });
});

describe("cost at a load", () => {
  const base = priceStack(inputs);
  test("a load the declared replica serves costs the desired sizes", () => {
    const c = costAtVolume(inputs, base, 1e6);
    assert.equal(c.replicas["test-8b-instruct"], 1);
    assert.equal(c.nodes.gpu, 1);
    assert.ok(c.fits);
  });
  test("a load beyond one replica adds GPU nodes, up to the group's maximum", () => {
    // 2B tokens a day is ~30 requests/s, ~7,700 completion tokens/s: more than one L40S replica keeps up with.
    const heavy = costAtVolume(inputs, base, 2e9);
    assert.ok(heavy.nodes.gpu > 1, JSON.stringify(heavy));
    const beyond = costAtVolume(inputs, base, 1e11);
    assert.equal(beyond.fits, false);
    assert.equal(beyond.nodes.gpu, 3);
  });
});

describe("pricing one stack at many volumes", () => {
  const base = priceStack(inputs);
  test("reuses only the lines whose rule reads neither the usage nor the node counts", () => {
    // Warm at a light load, then price heavier and lighter ones: each must equal a cold pricing.
    const volumes = [1e6, 2e9, 5e8, 1e6, 1e10];
    const warm = volumes.map((v) => costAtVolume(inputs, base, v));
    const cold = volumes.map((v) => costAtVolume({ ...inputs }, base, v));
    assert.deepEqual(warm, cold);
    assert.notEqual(warm[0].monthlyUsd, warm[1].monthlyUsd, "the volumes chosen change the cost");
  });
  test("the reused lines are those of volume-independent rules", () => {
    const usageAt = (v: number) => resolveUsage({ values: { requestsPerSecond: v }, modelStorageGiB: 0 });
    const invariant = new VolumeInvariantLines(FIXTURE, "xx-test-1", book);
    const first = priceRegistrations(FIXTURE, { region: "xx-test-1", book, usage: usageAt(1) }, invariant);
    const kept = new Set([...invariant.lines.keys()].map((r) => r.name));
    assert.ok(kept.has("t-eks") && kept.has("t-key"), [...kept].join(", "));
    assert.ok(!kept.has("t-audit"), "the audit log group's size follows the requests");
    assert.ok(!kept.has("t-gpu") && !kept.has("t-system"), "node groups follow the node counts");
    assert.deepEqual(first, priceRegistrations(FIXTURE, { region: "xx-test-1", book, usage: usageAt(1) }));
    assert.deepEqual(priceRegistrations(FIXTURE, { region: "xx-test-1", book, usage: usageAt(50) }, invariant), priceRegistrations(FIXTURE, { region: "xx-test-1", book, usage: usageAt(50) }));
    assert.throws(() => priceRegistrations(FIXTURE.slice(1), { region: "xx-test-1", book, usage: usageAt(1) }, invariant), /another stack/);
  });
});

describe("API prices and break-even", () => {
  const [flat, split] = book.apis;
  test("an API's monthly cost follows the request shape", () => {
    // 512 prompt + 256 completion tokens at $1/$4: (512 + 1024) / 768 = $2 per million tokens.
    close(apiMonthly(split, usage, 1e6), 1e6 * DAYS_PER_MONTH * 2e-6, "split");
    close(apiMonthly(flat, usage, 1e6), 1e6 * DAYS_PER_MONTH * 1e-6, "flat");
  });
  test("a fixed cost breaks even where the API's monthly bill reaches it", () => {
    const r = breakEven(() => 1000, (v) => apiMonthly(flat, usage, v));
    close(r.tokensPerDay ?? 0, 1000 / (DAYS_PER_MONTH * 1e-6), "break-even");
  });
  test("a stack that cannot serve the volume before the API gets dearer never breaks even", () => {
    const r = breakEven((v) => (v < 1e6 ? 1e9 : undefined), (v) => apiMonthly(flat, usage, v));
    assert.equal(r.tokensPerDay, undefined);
    assert.equal(r.capacityReached, true);
  });
  test("the model's break-even: its GPU plus the rest of the platform against the API", () => {
    const base = priceStack(inputs);
    const platform = base.total.min - GPU.min - GPU_EBS.min;
    close(platform, FIXED + SYSTEM.min + SYSTEM_EBS.min, "platform share");
    const r = breakEven(modelCostFn(inputs, base, base.models[0]), (v) => apiMonthly(flat, usage, v));
    // One replica serves the break-even volume (~76M tokens a day, ~1.15 requests/s).
    close(r.tokensPerDay ?? 0, (1460 + platform) / (DAYS_PER_MONTH * 1e-6), "model break-even");
  });
});

describe("missing prices and unpriced types", () => {
  test("a region with no prices says so on every line instead of guessing", () => {
    const c = priceStack({ ...inputs, region: "yy-none-1" });
    assert.equal(c.total.desired, 0);
    assert.ok(c.missing.length > 0);
    const eks = c.missing.find((l) => l.resource === "t-eks");
    assert.match(eks?.missing ?? "", /no price for eks:cluster-hour in yy-none-1/);
    assert.match(eks?.missing ?? "", /--prices FILE/);
  });
  test("an override file supplies a missing price and is cited as the source", () => {
    const c = priceStack({ ...inputs, region: "yy-none-1", book: new PriceBook({ dataDir: DATA, overridePath: join(REPO_ROOT, "test", "fixtures", "cost", "override.json") }) });
    const eks = c.lines.find((l) => l.resource === "t-eks");
    assert.equal(eks?.price?.usd, 0.2);
    assert.equal(eks?.price?.confidence, "override");
    assert.match(eks?.price?.source ?? "", /negotiated/);
  });
  test("a resource type with neither a rule nor a no-charge reason is reported", () => {
    assert.deepEqual(unpricedTypes(FIXTURE), []);
    assert.deepEqual(unpricedTypes([...FIXTURE, reg("aws:rds/cluster:Cluster", "t-db", {})]), ["aws:rds/cluster:Cluster"]);
  });
});

describe("a model KEDA scales", () => {
  // The platform renders an autoscaled model's Deployment without `replicas` (KEDA's HPA owns the
  // count) and a ScaledObject with its floor and ceiling.
  const autoscaled = (min: number, max: number): Registration[] =>
    FIXTURE.map((r) =>
      r.name !== "t-vllm"
        ? r
        : reg(r.type, r.name, {
            metadata: { name: "vllm-test-8b-instruct", labels: { "app.kubernetes.io/component": "model-server", "app.kubernetes.io/instance": "test-8b-instruct" } },
            spec: { template: { spec: { nodeSelector: { "sovereign-llm/node-group": "gpu" }, containers: [{ resources: { limits: { "nvidia.com/gpu": "1" } } }] } } },
          }),
    ).concat(reg("kubernetes:keda.sh/v1alpha1:ScaledObject", "t-vllm-scaling", { spec: { scaleTargetRef: { name: "vllm-test-8b-instruct" }, minReplicaCount: min, maxReplicaCount: max } }));

  test("runs KEDA's floor of replicas, and its GPU nodes are priced at a light load", () => {
    const scaled = { ...inputs, regs: autoscaled(2, 2) };
    const base = priceStack(scaled);
    assert.equal(base.models[0].replicas, 2);
    assert.equal(base.models[0].maxReplicas, 2, "KEDA's ceiling, below the three the group could hold");
    const c = costAtVolume(scaled, base, 1e6);
    assert.equal(c.replicas["test-8b-instruct"], 2);
    assert.equal(c.nodes.gpu, 2, "two one-GPU replicas need two nodes although the group's minimum is one");
  });

  test("a model scaled to zero declares none but serves a load with one", () => {
    const scaled = { ...inputs, regs: autoscaled(0, 1) };
    const base = priceStack(scaled);
    assert.equal(base.models[0].replicas, 0);
    assert.equal(costAtVolume(scaled, base, 1e6).replicas["test-8b-instruct"], 1);
  });
});
