/**
 * Starting a policy pack on a busy machine: no fixed time-out fails a pack that is merely slow,
 * and a pack that died, one that waits for nothing and one that spins are each told apart.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { PackError, PackProcess } from "../../../tools/check/analyzer";
import { PACKS_DIR } from "../../../tools/check/packs";
import { REPO_ROOT } from "../../../tools/check/stack-file";
import { DEFAULT_LIMITS, StartJudge, WALL_FALLBACK_SECONDS, cpuSecondsOf, resolveLimits } from "../../../tools/check/start-watch";
import { burnCpu } from "../../helpers/cpu-burner";

const procReadable = cpuSecondsOf(process.pid) !== undefined;
const noProc = procReadable ? false : "CPU time of a process is read from /proc, which this system does not have";

describe("the start judge (pure)", () => {
  test("a slow pack that keeps using CPU is never given up on by the clock", () => {
    const judge = new StartJudge(DEFAULT_LIMITS);
    // Ten minutes on the clock at a tenth of a core: 60 s of CPU, progressing at every sample.
    for (let wall = 0; wall <= 600; wall += 1) assert.equal(judge.judge({ wall, cpu: wall / 10 }), undefined, `at ${wall}s`);
  });

  test("a pack that has used its CPU budget without serving is given up on", () => {
    const judge = new StartJudge({ cpuSeconds: 5, idleSeconds: 0 });
    assert.equal(judge.judge({ wall: 1, cpu: 4.9 }), undefined);
    assert.match(judge.judge({ wall: 6, cpu: 5 }) ?? "", /used 5\.0s of CPU \(limit 5s, CHECK_PACK_CPU_SECONDS\)/);
  });

  test("idle means no CPU at all since the last progress, however long the start took before", () => {
    const judge = new StartJudge({ cpuSeconds: 0, idleSeconds: 10 });
    assert.equal(judge.judge({ wall: 0, cpu: 0.1 }), undefined);
    assert.equal(judge.judge({ wall: 100, cpu: 2 }), undefined);
    assert.equal(judge.judge({ wall: 109, cpu: 2 }), undefined);
    assert.match(judge.judge({ wall: 110, cpu: 2 }) ?? "", /alive but has used no CPU for 10s \(limit 10s, CHECK_PACK_IDLE_SECONDS\)/);
  });

  test("without CPU readings only the wall clock applies: the configured one, else a generous default", () => {
    assert.equal(new StartJudge(DEFAULT_LIMITS).judge({ wall: WALL_FALLBACK_SECONDS - 1, cpu: undefined }), undefined);
    assert.match(new StartJudge(DEFAULT_LIMITS).judge({ wall: WALL_FALLBACK_SECONDS, cpu: undefined }) ?? "", /did not serve within 1800s/);
    assert.match(new StartJudge({ ...DEFAULT_LIMITS, wallSeconds: 30 }).judge({ wall: 30, cpu: 1 }) ?? "", /within 30s on the clock \(CHECK_PACK_WALL_SECONDS\)/);
    assert.equal(new StartJudge({ ...DEFAULT_LIMITS, wallSeconds: 0 }).judge({ wall: 1e6, cpu: undefined }), undefined, "0 turns the wall clock off");
  });

  test("limits come from options, then the environment, then the defaults; bad values are refused", () => {
    assert.deepEqual(resolveLimits({}, {}), { cpuSeconds: 300, idleSeconds: 120, wallSeconds: undefined });
    assert.deepEqual(resolveLimits({}, { CHECK_PACK_CPU_SECONDS: "30", CHECK_PACK_IDLE_SECONDS: "0", CHECK_PACK_WALL_SECONDS: "900" }), { cpuSeconds: 30, idleSeconds: 0, wallSeconds: 900 });
    assert.deepEqual(resolveLimits({ cpuSeconds: 7 }, { CHECK_PACK_CPU_SECONDS: "30" }).cpuSeconds, 7);
    assert.throws(() => resolveLimits({}, { CHECK_PACK_CPU_SECONDS: "two minutes" }), /CHECK_PACK_CPU_SECONDS must be a number of seconds/);
  });
});

/** A pack directory whose entry point is `js`; it links the root install as the real packs do. */
function fakePack(root: string, name: string, js: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  symlinkSync(join(REPO_ROOT, "node_modules"), join(dir, "node_modules"));
  writeFileSync(join(dir, "PulumiPolicy.yaml"), "runtime: nodejs\n");
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "0.0.1", main: "index.js" }));
  writeFileSync(join(dir, "index.js"), js);
  return dir;
}

describe("starting a pack process", () => {
  const root = mkdtempSync(join(tmpdir(), "pack-start-"));
  after(() => rmSync(root, { recursive: true, force: true }));

  test("a pack that dies is reported as dead at once, with its stderr", async () => {
    const dir = fakePack(root, "dies", 'process.stderr.write("cannot read the control library\\n");\nprocess.exit(7);\n');
    await assert.rejects(PackProcess.start(dir), (err: Error) => err instanceof PackError && /exited \(code 7\) before serving/.test(err.message) && /cannot read the control library/.test(err.message));
  });

  test("a pack that is alive but waits for nothing is told apart from one still starting", { skip: noProc }, async () => {
    const dir = fakePack(root, "waits", "setInterval(() => undefined, 1 << 30);\n");
    await assert.rejects(PackProcess.start(dir, { limits: { idleSeconds: 2 } }), (err: Error) => err instanceof PackError && /is alive but has used no CPU for \d+s/.test(err.message));
  });

  test("a pack that spins without serving is stopped by its CPU budget, not by the clock", { skip: noProc }, async () => {
    const dir = fakePack(root, "spins", "for (;;) {}\n");
    await assert.rejects(PackProcess.start(dir, { limits: { cpuSeconds: 3 } }), (err: Error) => err instanceof PackError && /used \d+\.\ds of CPU \(limit 3s/.test(err.message));
  });

  test("a real pack starts and serves while the machine is loaded (about 5 busy processes per core)", async () => {
    assert.ok(existsSync(join(PACKS_DIR, "soc2")));
    const burner = burnCpu(availableParallelism() * 5, 600);
    try {
      const pack = await PackProcess.start(join(PACKS_DIR, "soc2"));
      try {
        const info = await pack.getAnalyzerInfo();
        assert.equal(info.name, "sovereign-llm-soc2");
        assert.ok(info.policies.length > 0);
      } finally {
        await pack.close();
      }
    } finally {
      await burner.stop();
    }
  });
});

/** A pack that needs `cpuSeconds` of its own CPU time before it loads the real soc2 pack (and serves). */
function slowPack(root: string, name: string, cpuSeconds: number): string {
  return fakePack(
    root,
    name,
    `const t0 = process.cpuUsage();
const used = () => { const u = process.cpuUsage(t0); return (u.user + u.system) / 1e6; };
while (used() < ${cpuSeconds}) {}
require(${JSON.stringify(join(PACKS_DIR, "soc2", "index.js"))});
`,
  );
}

/** A pack that works for `cpuSeconds` of CPU and then dies without serving. */
function dyingPack(root: string, name: string, cpuSeconds: number): string {
  return fakePack(
    root,
    name,
    `const t0 = process.cpuUsage();
const used = () => { const u = process.cpuUsage(t0); return (u.user + u.system) / 1e6; };
while (used() < ${cpuSeconds}) {}
process.stderr.write("the control library failed to load\\n");
process.exit(9);
`,
  );
}

describe("on a machine with a load average of about 10 more than it had (a bounded CPU burner)", () => {
  const root = mkdtempSync(join(tmpdir(), "pack-start-loaded-"));
  // Five spinning processes per core, each stopped by after() or at the latest after ten minutes.
  let burner: ReturnType<typeof burnCpu>;
  before(() => {
    burner = burnCpu(availableParallelism() * 5, 600);
  });
  after(async () => {
    await burner.stop();
    rmSync(root, { recursive: true, force: true });
  });
  const bothModes = [
    { mode: "one process for the stack's packs (check's default)", start: async (dir: string) => (await PackProcess.startHost([dir])).process },
    { mode: "one process per pack, as the Pulumi CLI starts it", start: (dir: string) => PackProcess.start(dir) },
  ];

  // The CLI's way of starting a slow pack is covered above (a real pack under the same load).
  test("a pack that needs a second of CPU before serving is waited for, with the default limits (check's one process)", async (t) => {
    const started = Date.now();
    const pack = await bothModes[0].start(slowPack(root, "slow", 1));
    try {
      t.diagnostic(`served after ${((Date.now() - started) / 1000).toFixed(1)} s on the clock, ${(cpuSecondsOf(pack.pid!) ?? Number.NaN).toFixed(1)} s of CPU, next to ${burner.count} burners`);
      const info = await pack.getAnalyzerInfo();
      assert.ok(info.policies.length > 0);
    } finally {
      await pack.close();
    }
  });

  for (const [i, { mode, start }] of bothModes.entries()) {
    test(`a pack that dies after working is reported as dead, not as slow or stuck: ${mode}`, async () => {
      await assert.rejects(start(dyingPack(root, `dying-${i}`, 0.2)), (err: Error) => {
        assert.ok(err instanceof PackError, String(err));
        assert.match(err.message, /exited \(code 9\) before serving/);
        assert.match(err.message, /the control library failed to load/);
        assert.doesNotMatch(err.message, /of CPU|no CPU|on the clock/);
        return true;
      });
    });
  }

  test("a pack that is alive and waits for nothing is told apart from one still starting", { skip: noProc }, async () => {
    const dir = fakePack(root, "waits-loaded", "setInterval(() => undefined, 1 << 30);\n");
    await assert.rejects(PackProcess.start(dir, { limits: { idleSeconds: 3 } }), (err: Error) => err instanceof PackError && /is alive but has used no CPU for \d+s/.test(err.message));
  });
});
