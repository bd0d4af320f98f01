// `npm run bench:verify [-- --files 6 --mib 256 --runs 5 --workers N --dir <tmp> --keep]`
//
// Throughput of the model verifier (full verification: signature, file walk, safetensors headers,
// SHA-256 of every file with worker threads) over a generated multi-file model, next to GNU
// sha256sum over the same files in the same run. Files are read once before timing so that both
// measure hashing from the page cache, not the disk. Reports medians.
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { hashFiles } from "../model-signing/hasher.js";
import { signModel } from "../model-signing/publish.js";
import type { Signer } from "../model-signing/publish.js";
import { verifyModel } from "../model-signing/verify.js";
import { createPublicKey, sign as cryptoSign } from "node:crypto";
import { median, writeShard } from "./shards";

interface Options {
  files: number;
  mib: number;
  runs: number;
  workers: number;
  dir: string | undefined;
  keep: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { files: 6, mib: 256, runs: 5, workers: availableParallelism(), dir: undefined, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const num = (): number => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 1) throw new Error(`${a} needs a positive integer`);
      return v;
    };
    if (a === "--files") o.files = num();
    else if (a === "--mib") o.mib = num();
    else if (a === "--runs") o.runs = num();
    else if (a === "--workers") o.workers = num();
    else if (a === "--dir") o.dir = argv[++i];
    else if (a === "--keep") o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

async function timeAsync(fn: () => Promise<unknown>): Promise<number> {
  const t0 = process.hrtime.bigint();
  await fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function sha256sum(paths: string[], parallel: number): void {
  const r =
    parallel <= 1
      ? spawnSync("sha256sum", paths, { stdio: ["ignore", "ignore", "inherit"] })
      : spawnSync("sh", ["-c", `printf '%s\\0' "$@" | xargs -0 -n 1 -P ${parallel} sha256sum > /dev/null`, "sh", ...paths], { stdio: ["ignore", "ignore", "inherit"] });
  if (r.status !== 0) throw new Error(`sha256sum failed (${r.error?.message ?? `exit ${r.status}`})`);
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const root = o.dir !== undefined ? (mkdirSync(o.dir, { recursive: true }), mkdtempSync(join(o.dir, "bench-"))) : mkdtempSync(join(tmpdir(), "bench-verify-"));
  const model = join(root, "model");
  mkdirSync(model);
  try {
    const shardBytes = o.mib * 1024 * 1024;
    const paths: string[] = [];
    process.stderr.write(`generating ${o.files} x ${o.mib} MiB safetensors shards in ${model} ...\n`);
    for (let i = 1; i <= o.files; i++) {
      const p = join(model, `model-${String(i).padStart(5, "0")}-of-${String(o.files).padStart(5, "0")}.safetensors`);
      writeShard(p, shardBytes);
      paths.push(p);
    }
    writeFileSync(join(model, "config.json"), JSON.stringify({ architectures: ["LlamaForCausalLM"] }));
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const signer: Signer = {
      publicKey: createPublicKey(privateKey),
      describe: "bench key",
      sign: async (paeBytes) => cryptoSign("sha256", paeBytes, { key: privateKey, dsaEncoding: "der" }),
    };
    const signed = await signModel({ modelDir: model, modelName: "bench-model", signer, workers: o.workers });
    writeFileSync(join(model, "model.sig"), signed.bundle);
    const totalBytes = signed.bytes;
    // Warm the page cache (and check the model verifies) before timing anything.
    // The hasher reads exactly the size it is given: a shard is its header plus its data bytes.
    await hashFiles(paths.map((p) => ({ path: p, size: statSync(p).size })), { workers: o.workers });

    const rows: { name: string; times: number[] }[] = [
      { name: `model:verify, ${o.workers} worker${o.workers > 1 ? "s" : ""}`, times: [] },
      { name: "model:verify, 1 worker", times: [] },
      { name: "sha256sum (1 process)", times: [] },
      { name: `sha256sum x${o.workers} (xargs -P${o.workers})`, times: [] },
    ];
    for (let r = 0; r < o.runs; r++) {
      rows[0]!.times.push(await timeAsync(() => verifyModel({ modelPath: model, publicKey: signer.publicKey, workers: o.workers, expectName: "bench-model" })));
      rows[1]!.times.push(await timeAsync(() => verifyModel({ modelPath: model, publicKey: signer.publicKey, workers: 1 })));
      rows[2]!.times.push(time(() => sha256sum(paths, 1)));
      rows[3]!.times.push(time(() => sha256sum(paths, o.workers)));
      process.stderr.write(`run ${r + 1}/${o.runs}: ${rows.map((x) => x.times[r]!.toFixed(3)).join(" s, ")} s\n`);
    }

    const base = median(rows[2]!.times);
    const gb = totalBytes / 1e9;
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    const lines = [
      `model: ${o.files} files x ${o.mib} MiB = ${gb.toFixed(2)} GB (page cache warm), ${o.runs} runs, medians; ${availableParallelism()} cores (${cpu}), node ${process.version}`,
      "",
      "| tool | median s | GB/s | vs sha256sum |",
      "|---|---:|---:|---:|",
      ...rows.map((row) => {
        const t = median(row.times);
        return `| ${row.name} | ${t.toFixed(3)} | ${(gb / t).toFixed(2)} | ${(base / t).toFixed(2)}x |`;
      }),
    ];
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    if (!o.keep) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`kept ${root}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:verify failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
