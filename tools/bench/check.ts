// `npm run bench:check [-- --runs 5 --stack prod ...]`
//
// Wall time of `npm run check -- <stack>` (synthesis under mocks, every pack the stack names
// started as the Pulumi CLI starts it and driven over gRPC, evidence written) for each stack,
// and of the refusal of a bad stack file (exit 2, before any pack or synthesis starts), next to
// the floor: a Node process that only imports the Pulumi SDKs the program uses. Reports the
// median of N runs (default 5) per row and its ratio to the floor's median.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, availableStacks } from "../check/stack-file";

function parse(argv: string[]): { runs: number; stacks: string[] } {
  let runs = 5;
  const stacks: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs") {
      runs = Number(argv[++i]);
      if (!Number.isInteger(runs) || runs < 1) throw new Error("--runs needs a positive integer");
    } else if (a === "--stack") stacks.push(argv[++i]);
    else throw new Error(`unknown argument ${a}; usage: npm run bench:check -- [--runs N] [--stack NAME ...]`);
  }
  return { runs, stacks: stacks.length > 0 ? stacks : availableStacks() };
}

function timeOnce(args: string[], okCodes: number[]): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (!okCodes.includes(r.status ?? -1)) throw new Error(`${args.join(" ")} exited ${r.status}:\n${r.stderr}`);
  return seconds;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function main() {
  const { runs, stacks } = parse(process.argv.slice(2));
  const out = mkdtempSync(join(tmpdir(), "bench-check-"));
  try {
    const floorArgs = ["-e", 'require("@pulumi/pulumi"); require("@pulumi/aws"); require("@pulumi/kubernetes"); require("@pulumi/tls");'];
    const floor = Array.from({ length: runs }, () => timeOnce(floorArgs, [0]));
    const rows: { name: string; times: number[] }[] = [{ name: "floor (import @pulumi/pulumi, aws, kubernetes, tls)", times: floor }];
    for (const stack of stacks) {
      // Exit 1 (mandatory violations) is still a complete check; only 2 and 3 are failures here.
      const args = ["--import", "tsx", join(REPO_ROOT, "tools", "check", "cli.ts"), stack, "--format", "json", "--out", join(out, stack)];
      rows.push({ name: `check ${stack}`, times: Array.from({ length: runs }, () => timeOnce(args, [0, 1])) });
    }
    // A bad stack file as a user writes one: a typo in a namespace, an impossible CIDR, an image
    // the nodes cannot pull, a missing key. Refused with exit 2.
    const badDir = join(out, "bad-stacks");
    mkdirSync(badDir, { recursive: true });
    const bad = readFileSync(join(REPO_ROOT, "stacks", "Pulumi.prod.yaml"), "utf8")
      .replace("sovereign-llm:egress:", "sovereign-lm:egress:")
      .replace("clientCidrs: [10.200.0.0/16]", "clientCidrs: [10.200.0.0/33]")
      .replace(/vllmImage: \S+/, `vllmImage: vllm/vllm-openai@sha256:${"ab".repeat(32)}`)
      .replace(/\n  sovereign-llm:owner: .*/, "");
    writeFileSync(join(badDir, "Pulumi.bad.yaml"), bad);
    const badArgs = ["--import", "tsx", join(REPO_ROOT, "tools", "check", "cli.ts"), "bad", "--stacks-dir", badDir, "--out", join(out, "bad")];
    rows.push({ name: "check of a bad stack file (refused, exit 2)", times: Array.from({ length: runs }, () => timeOnce(badArgs, [2])) });
    const floorMedian = median(floor);
    console.log(`npm run bench:check: ${runs} runs each, median wall time; node ${process.version}, ${availableParallelism()} cores\n`);
    console.log("| run | median s | min s | max s | ratio to floor |");
    console.log("|---|---:|---:|---:|---:|");
    for (const r of rows) {
      const m = median(r.times);
      console.log(`| ${r.name} | ${m.toFixed(2)} | ${Math.min(...r.times).toFixed(2)} | ${Math.max(...r.times).toFixed(2)} | ${(m / floorMedian).toFixed(1)}x |`);
    }
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

main();
