// `npm run bench:check [-- --runs 5 --stack prod ... --readme]`
//
// Wall time and CPU time of `npm run check -- <stack>` (synthesis under mocks, the stack's packs
// started and driven over gRPC, evidence written) for each stack and for a stack file with a bad
// key (exit 2), next to the floor: a Node process that only imports the Pulumi SDKs the program
// uses. Runs are interleaved (floor, each stack, bad config; N rounds), so a change in the
// machine's load hits every row alike. Reports medians, the ratio of each median to the floor's,
// and the load average before and after. CPU time is that of the whole process tree (Linux).
// --readme rewrites the two bench:check rows of README.md's benchmark table from this run.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, STACKS_DIR, availableStacks } from "../check/stack-file";

interface Options {
  runs: number;
  stacks: string[];
  readme: boolean;
}

function parse(argv: string[]): Options {
  let runs = 5;
  let readme = false;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
    } else if (a === "--stack") stacks.push(argv[++i]);
    else if (a === "--readme") readme = true;
    else throw new Error(`unknown argument ${a}; usage: npm run bench:check -- [--runs N] [--stack NAME ...] [--readme]`);
  }
  return { runs, stacks: stacks.length > 0 ? stacks : availableStacks(), readme };
}

/** CPU seconds of every reaped child of this process so far (proc(5) cutime + cstime), or NaN. */
function childrenCpu(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[13]) + Number(f[14])) / 100;
  } catch {
    return NaN;
  }
}

interface Sample {
  wall: number;
  cpu: number;
}

function timeOnce(args: string[], okCodes: number[]): Sample {
  const cpu0 = childrenCpu();
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const wall = Number(process.hrtime.bigint() - start) / 1e9;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return { wall, cpu: childrenCpu() - cpu0 };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** `npm run check` exactly as package.json runs it, minus npm. */
function checkArgs(...args: string[]): string[] {
  const script = (JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts.check;
  const words = script.split(/\s+/);
  if (words[0] !== "node") throw new Error(`package.json's check script does not start with node: ${script}`);
  return [...words.slice(1), ...args];
}

interface Row {
  name: string;
  samples: Sample[];
}

function main() {
  const { runs, stacks, readme } = parse(process.argv.slice(2));
  const out = mkdtempSync(join(tmpdir(), "bench-check-"));
  try {
    // A bad stack file as a user writes one: a typo in a namespace, an impossible CIDR, an image
    // the nodes cannot pull, a missing key. Refused with exit 2.
    const badDir = join(out, "bad-stacks");
    mkdirSync(badDir, { recursive: true });
    const bad = readFileSync(join(STACKS_DIR, "Pulumi.prod.yaml"), "utf8")
      .replace("sovereign-llm:egress:", "sovereign-lm:egress:")
      .replace("clientCidrs: [10.200.0.0/16]", "clientCidrs: [10.200.0.0/33]")
      .replace(/vllmImage: \S+/, `vllmImage: vllm/vllm-openai@sha256:${"ab".repeat(32)}`)
      .replace(/\n  sovereign-llm:owner: .*/, "");
    writeFileSync(join(badDir, "Pulumi.bad.yaml"), bad);

    const imports = 'require("@pulumi/pulumi"); require("@pulumi/aws"); require("@pulumi/kubernetes"); require("@pulumi/tls");';
    const floorArgs = ["-e", imports];
    // Check's workers load less of the SDK than a plain import (tools/check/sdk-load.ts): shown
    // for comparison; the ratios stay against the plain import.
    const deferredArgs = ["--require", join(REPO_ROOT, "tools", "check", "dist", "ts-require.js"), "-e", `require("./tools/check/sdk-load").deferSdkClosureModules(); ${imports}`];
    const jobs: { name: string; args: string[]; ok: number[] }[] = [
      { name: "floor (import @pulumi/pulumi, aws, kubernetes, tls)", args: floorArgs, ok: [0] },
      { name: "the same imports as check's workers make them (function-serialization modules deferred)", args: deferredArgs, ok: [0] },
      // Exit 1 (mandatory violations) is still a complete check; only 2 and 3 are failures here.
      ...stacks.map((stack) => ({ name: `check ${stack}`, args: checkArgs(stack, "--format", "json", "--out", join(out, stack)), ok: [0, 1] })),
      { name: "check of a bad stack file (refused, exit 2)", args: checkArgs("bad", "--stacks-dir", badDir, "--out", join(out, "bad")), ok: [2] },
    ];
    const rows: Row[] = jobs.map((j) => ({ name: j.name, samples: [] }));
    const loadBefore = loadavg();
    const started = Date.now();
    for (let round = 0; round < runs; round++) {
      jobs.forEach((j, i) => rows[i].samples.push(timeOnce(j.args, j.ok)));
    }
    const loadAfter = loadavg();
    const floorWall = median(rows[0].samples.map((s) => s.wall));
    const floorCpu = median(rows[0].samples.map((s) => s.cpu));
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(2)).join(", ");
    console.log(`npm run bench:check, ${new Date(started).toISOString()}: ${runs} interleaved runs each, medians; node ${process.version}, ${availableParallelism()} cores; load average (1, 5, 15 min) ${fmt(loadBefore)} before, ${fmt(loadAfter)} after; ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
    console.log("| run | wall s | min s | max s | wall ratio to floor | CPU s | CPU ratio to floor |");
    console.log("|---|---:|---:|---:|---:|---:|---:|");
    for (const r of rows) {
      const walls = r.samples.map((s) => s.wall);
      const cpu = median(r.samples.map((s) => s.cpu));
      const m = median(walls);
      console.log(`| ${r.name} | ${m.toFixed(2)} | ${Math.min(...walls).toFixed(2)} | ${Math.max(...walls).toFixed(2)} | ${(m / floorWall).toFixed(1)}x | ${cpu.toFixed(2)} | ${(cpu / floorCpu).toFixed(1)}x |`);
    }
    if (readme) writeReadmeRows(rows, loadBefore, loadAfter, runs, new Date(started));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

/**
 * Replaces the two `npm run bench:check` rows of README.md's benchmark table (the committed
 * stacks, and the bad stack file) with this run's figures, saying when and under what load.
 */
function writeReadmeRows(rows: Row[], loadBefore: number[], loadAfter: number[], runs: number, at: Date): void {
  const path = join(REPO_ROOT, "README.md");
  let text = readFileSync(path, "utf8");
  const wall = (r: Row) => median(r.samples.map((s) => s.wall));
  const cpu = (r: Row) => median(r.samples.map((s) => s.cpu));
  const [floor] = rows;
  const checks = rows.filter((r) => r.name.startsWith("check "));
  const stackRows = checks.filter((r) => !r.name.includes("bad"));
  const bad = checks.find((r) => r.name.includes("bad"))!;
  const wallRatios = stackRows.map((r) => wall(r) / wall(floor));
  const cpuRatios = stackRows.map((r) => cpu(r) / cpu(floor));
  const range = (xs: number[]) => `${Math.min(...xs).toFixed(1)}x to ${Math.max(...xs).toFixed(1)}x`;
  const when = `${runs} interleaved runs on ${at.toISOString().slice(0, 16).replace("T", " ")} UTC, load average ${loadBefore[0].toFixed(1)} before, ${loadAfter[0].toFixed(1)} after`;
  const baseline = `importing the Pulumi SDKs: ${wall(floor).toFixed(2)} s (CPU ${cpu(floor).toFixed(2)} s)`;
  const stacks = `| \`npm run bench:check\` | ${stackRows.map((r) => `${r.name.replace(/^check /, "")} ${wall(r).toFixed(1)} s (CPU ${cpu(r).toFixed(1)} s)`).join(", ")}; ${when} | ${baseline} | wall ${range(wallRatios)}; CPU ${range(cpuRatios)} |`;
  const refused = `| \`npm run bench:check\` (bad stack file) | refused with exit 2 in ${wall(bad).toFixed(2)} s (CPU ${cpu(bad).toFixed(2)} s), same run | ${baseline}, same run | wall ${(wall(bad) / wall(floor)).toFixed(1)}x; CPU ${(cpu(bad) / cpu(floor)).toFixed(1)}x |`;
  for (const [re, row] of [
    [/^\| `npm run bench:check` \|.*$/m, stacks],
    [/^\| `npm run bench:check` \(bad stack file\) \|.*$/m, refused],
  ] as const) {
    if (!re.test(text)) throw new Error(`README.md has no row matching ${re} in its benchmark table`);
    text = text.replace(re, row);
    console.log(`\nREADME.md: ${row}`);
  }
  writeFileSync(path, text);
}

main();
