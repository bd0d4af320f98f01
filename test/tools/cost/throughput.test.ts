/**
 * Reading published throughput: the load curve is interpolated (demand-limited at low load,
 * flat at saturation), GPUs without a measurement are derived only through a published factor,
 * and replicas are added until each keeps up with its share.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { KEEP_UP, loadThroughputTable, modelClassOf, replicaThroughput, replicasFor } from "../../../tools/cost/throughput";

const table = loadThroughputTable();

describe("model class from the served name", () => {
  test("parameter counts", () => {
    assert.equal(modelClassOf("llama-3-1-8b-instruct"), "8b");
    assert.equal(modelClassOf("llama-3-3-70b-instruct"), "70b");
    assert.equal(modelClassOf("mistral-7b"), "7b");
    assert.equal(modelClassOf("qwen"), undefined);
    assert.equal(modelClassOf("gpt4b0"), undefined);
  });
});

describe("a measured curve", () => {
  const h100 = replicaThroughput(table, "8b", "H100", 1);
  test("is used as measured at its points and between them", () => {
    assert.ok(h100);
    assert.match(h100.basis, /measured load curve/);
    assert.equal(h100.served(10 * 256), 2464.4);
    const mid = h100.served((10 * 256 + 25 * 256) / 2);
    assert.ok(mid > 2464.4 && mid < 5265.1);
    assert.equal(h100.served(1e9), 6237.6);
  });
  test("a light load is served in full; a heavy one is not", () => {
    assert.ok(h100 && h100.served(256) / 256 > KEEP_UP);
    assert.ok(h100 && h100.served(50 * 256) / (50 * 256) < KEEP_UP);
  });
});

describe("GPUs without a measurement", () => {
  test("L40S is derived from H100 through the published factor and marked unconfirmed", () => {
    const l40s = replicaThroughput(table, "8b", "L40S", 1);
    assert.ok(l40s);
    assert.equal(l40s.confidence, "unconfirmed");
    assert.match(l40s.basis, /derived/);
    assert.ok(Math.abs(l40s.saturation - 6237.6 * 0.4565) < 1e-9);
  });
  test("L4 has no measurement and no factor: nothing is guessed", () => {
    assert.equal(replicaThroughput(table, "8b", "L4", 1), undefined);
  });
  test("70B on 4 GPUs uses the measured saturation", () => {
    const r = replicaThroughput(table, "70b", "H100", 4);
    assert.equal(r?.saturation, 3542.88);
    assert.equal(r?.served(1000), 1000);
    assert.equal(r?.served(5000), 3542.88);
  });
});

describe("replicas for a load", () => {
  const h100 = replicaThroughput(table, "8b", "H100", 1)!;
  test("at least the declared replicas", () => {
    assert.deepEqual(replicasFor(h100, 100, 2, 10), { replicas: 2, fits: true });
  });
  test("enough replicas that each keeps up", () => {
    const r = replicasFor(h100, 20_000, 1, 10);
    assert.ok(r.fits);
    assert.ok(h100.served(20_000 / r.replicas) >= KEEP_UP * (20_000 / r.replicas));
    assert.ok(h100.served(20_000 / (r.replicas - 1)) < KEEP_UP * (20_000 / (r.replicas - 1)));
  });
  test("more than the maximum does not fit", () => {
    assert.deepEqual(replicasFor(h100, 1e6, 1, 4), { replicas: 4, fits: false });
  });
});
