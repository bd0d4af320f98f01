/** Rollout budgets follow the model's size and the load path's throughput (pure arithmetic, no clock). */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { MARGIN, NODE_PROVISION_SECONDS, rolloutBudget } from "../../../components/serving/rollout-budget.js";

const gp3 = { volumeMiBps: 125 };

describe("rollout budget", () => {
  test("a 70B model (140 GiB) on a default gp3 volume: three passes take about an hour, and every deadline covers them", () => {
    const b = rolloutBudget({ modelGiB: 140, engineStartMinutes: 10, replicas: 2, loadPath: gp3 });
    assert.equal(b.passSeconds, Math.ceil((140 * 1024) / 125)); // 1147 s, 19 minutes a pass
    const threePasses = 3 * b.passSeconds;
    assert.ok(threePasses > 55 * 60, "about an hour: the old 40-minute progress deadline and 45-minute timeout were too short");
    assert.ok(b.progressDeadlineSeconds > threePasses + 10 * 60 + NODE_PROVISION_SECONDS);
    assert.ok(b.createTimeoutMinutes * 60 > b.progressDeadlineSeconds, "Pulumi outwaits Kubernetes' own deadline");
    assert.ok(b.updateTimeoutMinutes * 60 >= 2 * b.progressDeadlineSeconds, "a rolling update replaces replicas one after another");
    assert.ok(b.startupSeconds >= b.passSeconds + 10 * 60);
  });

  test("a faster volume shortens every budget: a deploy waits no longer than the load path needs", () => {
    const slow = rolloutBudget({ modelGiB: 140, engineStartMinutes: 10, replicas: 2, loadPath: gp3 });
    const fast = rolloutBudget({ modelGiB: 140, engineStartMinutes: 10, replicas: 2, loadPath: { volumeMiBps: 1000 } });
    for (const k of ["passSeconds", "startupSeconds", "progressDeadlineSeconds", "createTimeoutMinutes", "updateTimeoutMinutes"] as const) assert.ok(fast[k] < slow[k], k);
  });

  test("budgets grow with the model, the engine start and the replica count; margins stay bounded", () => {
    const base = { modelGiB: 16, engineStartMinutes: 5, replicas: 1, loadPath: gp3 };
    const small = rolloutBudget(base);
    assert.ok(rolloutBudget({ ...base, modelGiB: 32 }).progressDeadlineSeconds > small.progressDeadlineSeconds);
    assert.ok(rolloutBudget({ ...base, engineStartMinutes: 15 }).startupSeconds > small.startupSeconds);
    assert.ok(rolloutBudget({ ...base, replicas: 3 }).updateTimeoutMinutes > small.updateTimeoutMinutes);
    assert.equal(rolloutBudget({ ...base, replicas: 3 }).progressDeadlineSeconds, small.progressDeadlineSeconds, "the deadline is per replica");
    assert.ok(small.progressDeadlineSeconds <= Math.ceil(small.podReadySeconds * MARGIN));
  });

  test("one pass with the image pre-pulled: the 70B model's budget drops from an hour to minutes, still covering the path", () => {
    const old = rolloutBudget({ modelGiB: 140, engineStartMinutes: 2, replicas: 1, loadPath: gp3 });
    const path = { volumeMiBps: 2000, fetchMiBps: 1400, imagePrepulled: true };
    const b = rolloutBudget({ modelGiB: 140, engineStartMinutes: 2, replicas: 1, loadPath: path });
    assert.equal(b.initSeconds, Math.ceil((140 * 1024) / 1400), "one pass at the fetch rate, not two at the volume's");
    assert.ok(b.progressDeadlineSeconds < old.progressDeadlineSeconds / 3);
    // The image pull overlaps the download: only the longer of the two counts.
    const serial = rolloutBudget({ modelGiB: 140, engineStartMinutes: 2, replicas: 1, loadPath: { ...path, imagePrepulled: false } });
    assert.equal(serial.podReadySeconds - b.podReadySeconds, Math.min(b.initSeconds, Math.ceil((20 * 1024) / 2000)));
    assert.throws(() => rolloutBudget({ modelGiB: 1, engineStartMinutes: 5, replicas: 1, loadPath: { volumeMiBps: 125, fetchMiBps: 0 } }), /fetchMiBps/);
  });

  test("with a node cache: the first pod on a fresh node waits for the cache's download (beside the image pull), then its copy; the copy's wait covers the download", () => {
    const path = { volumeMiBps: 2000, fetchMiBps: 1400, copyMiBps: 1400, imagePrepulled: true };
    const b = rolloutBudget({ modelGiB: 140, engineStartMinutes: 2, replicas: 1, loadPath: path });
    assert.equal(b.downloadSeconds, Math.ceil((140 * 1024) / 1400));
    assert.equal(b.copySeconds, Math.ceil((140 * 1024) / 1400));
    assert.equal(b.initSeconds, b.downloadSeconds + b.copySeconds);
    const without = rolloutBudget({ modelGiB: 140, engineStartMinutes: 2, replicas: 1, loadPath: { ...path, copyMiBps: undefined } });
    assert.equal(b.podReadySeconds - without.podReadySeconds, b.copySeconds, "the copy follows the download; the image overlaps only the download");
    assert.ok(b.cacheWaitSeconds > b.downloadSeconds);
    assert.throws(() => rolloutBudget({ modelGiB: 1, engineStartMinutes: 5, replicas: 1, loadPath: { volumeMiBps: 125, copyMiBps: 0 } }), /copyMiBps/);
  });

  test("bad input is refused", () => {
    assert.throws(() => rolloutBudget({ modelGiB: 0, engineStartMinutes: 5, replicas: 1, loadPath: gp3 }), /modelGiB/);
    assert.throws(() => rolloutBudget({ modelGiB: 1, engineStartMinutes: 5, replicas: 1, loadPath: { volumeMiBps: 0 } }), /volumeMiBps/);
    assert.throws(() => rolloutBudget({ modelGiB: 1, engineStartMinutes: 5, replicas: 0, loadPath: gp3 }), /replicas/);
  });
});
