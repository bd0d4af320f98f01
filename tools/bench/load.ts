// `npm run bench:load [-- --files 4 --mib 512 --runs 3 --concurrency 8 --part-mib 16 --dir <tmp> --keep]`
//
// The download-and-verify pipeline (model:fetch: parallel ranged GETs, every byte hashed as it
// arrives and written once, signature and digests checked before hand-over) against a local
// S3-compatible server on loopback (tools/bench/local-s3.ts, in its own process), over a generated
// multi-GB sharded safetensors model. Next to it, measured in the same run over the same bytes,
// the two limits a one-pass pipeline cannot beat: the raw SHA-256 rate (`openssl dgst -sha256`,
// which uses the CPU's SHA instructions, and `sha256sum`), and the rate of reading the files from
// the disk (`dd iflag=direct`, bypassing the page cache). Reports medians and ratios. A third
// figure says what the loopback transport alone allows on this machine: the same ranged GETs with
// the same client and concurrency, every byte discarded (no hash, no write). On a machine with few
// cores the S3 server, the client and the kernel's loopback copies share them with the hashing,
// and that ceiling, not the pipeline, is what the one-pass fetch meets.
import { spawn, spawnSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync, sign as cryptoSign } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { fetchModel } from "../model-signing/fetch.js";
import { s3Source } from "../model-signing/s3-source.js";
import { hashFiles } from "../model-signing/hasher.js";
import { signModel } from "../model-signing/publish.js";
import type { Signer } from "../model-signing/publish.js";
import { median, writeShard } from "./shards";

interface Options {
  files: number;
  mib: number;
  runs: number;
  concurrency: number;
  partMiB: number;
  dir: string | undefined;
  keep: boolean;
}

function parse(argv: string[]): Options {
  const o: Options = { files: 4, mib: 512, runs: 3, concurrency: 8, partMiB: 16, dir: undefined, keep: false };
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
    else if (a === "--concurrency") o.concurrency = num();
    else if (a === "--part-mib") o.partMiB = num();
    else if (a === "--dir") o.dir = argv[++i];
    else if (a === "--keep") o.keep = true;
    else throw new Error(`unknown option ${a}`);
  }
  return o;
}

/** The same ranged GETs as the fetch (same client, parts and concurrency), bytes discarded; seconds. */
async function transportOnly(s3: S3Client, bucket: string, objects: { key: string; size: number }[], partBytes: number, concurrency: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  const parts = objects.flatMap((o) => Array.from({ length: Math.ceil(o.size / partBytes) }, (_, i) => ({ key: o.key, start: i * partBytes, end: Math.min(o.size, (i + 1) * partBytes) - 1 })));
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < parts.length) {
        const p = parts[next++]!;
        const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: p.key, Range: `bytes=${p.start}-${p.end}` }));
        for await (const _ of res.Body as AsyncIterable<Uint8Array>) {
          // discarded
        }
      }
    }),
  );
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function timed(cmd: string, args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  if (r.status !== 0) throw new Error(`${cmd} failed (${r.error?.message ?? `exit ${r.status}`}): ${r.stderr?.toString().slice(0, 300)}`);
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

/** Starts the local S3 server in a child process; resolves to its endpoint and a stop function. */
async function startServer(root: string, bucket: string, prefix: string): Promise<{ endpoint: string; stop: () => void }> {
  const child = spawn(process.execPath, [...process.execArgv, join(__dirname, "local-s3-main.ts"), root, bucket, prefix], { stdio: ["pipe", "pipe", "inherit"] });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(out.slice(0, nl).trim());
    });
    child.on("exit", (code) => reject(new Error(`local S3 server exited (${code})`)));
  });
  return { endpoint, stop: () => child.stdin.end() };
}

async function main(): Promise<void> {
  const o = parse(process.argv.slice(2));
  const root = o.dir !== undefined ? (mkdirSync(o.dir, { recursive: true }), mkdtempSync(join(o.dir, "bench-"))) : mkdtempSync(join(tmpdir(), "bench-load-"));
  const model = join(root, "model");
  mkdirSync(model);
  const bucket = "bench-models";
  const prefix = "models/bench-model/";
  let server: { endpoint: string; stop: () => void } | undefined;
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
    const signed = await signModel({ modelDir: model, modelName: "bench-model", signer });
    writeFileSync(join(model, "model.sig"), signed.bundle);
    const gb = signed.bytes / 1e9;
    // The source in the page cache: the server plays S3, whose reads are not this machine's disk.
    await hashFiles(paths.map((p) => ({ path: p, size: (signed.files.find((f) => f.path === p)?.size ?? 0) })));

    server = await startServer(model, bucket, prefix);
    const s3 = new S3Client({ endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true, credentials: { accessKeyId: "bench", secretAccessKey: "bench" } });
    const rows: { name: string; times: number[] }[] = [
      { name: `model:fetch (${o.concurrency} x ${o.partMiB} MiB ranged GETs, hash + write + verify)`, times: [] },
      { name: "openssl dgst -sha256 (raw hash rate, 1 process)", times: [] },
      { name: "sha256sum (1 process)", times: [] },
      { name: "dd iflag=direct (disk read rate, page cache bypassed)", times: [] },
      { name: `loopback transport alone (same ranged GETs, bytes discarded)`, times: [] },
    ];
    const objects = signed.files.map((f) => ({ key: prefix + f.name, size: f.size }));
    for (let r = 0; r < o.runs; r++) {
      const dest = join(root, `dest-${r}`, "bench-model");
      mkdirSync(join(root, `dest-${r}`));
      const res = await fetchModel({ source: s3Source(s3, bucket, prefix), dest, publicKey: signer.publicKey, expectName: "bench-model", concurrency: o.concurrency, partBytes: o.partMiB * 1024 * 1024 });
      rows[0]!.times.push(res.seconds);
      rmSync(join(root, `dest-${r}`), { recursive: true, force: true });
      rows[1]!.times.push(timed("openssl", ["dgst", "-sha256", ...paths]));
      rows[2]!.times.push(timed("sha256sum", paths));
      rows[3]!.times.push(paths.reduce((t, p) => t + timed("dd", [`if=${p}`, "of=/dev/null", "bs=16M", "iflag=direct"]), 0));
      rows[4]!.times.push(await transportOnly(s3, bucket, objects, o.partMiB * 1024 * 1024, o.concurrency));
      process.stderr.write(`run ${r + 1}/${o.runs}: ${rows.map((x) => x.times[r]!.toFixed(3)).join(" s, ")} s (fetch held at most ${(res.maxBufferedBytes / 1048576).toFixed(0)} MiB)\n`);
    }
    s3.destroy();

    const rate = (row: { times: number[] }): number => gb / median(row.times);
    const pipeline = rate(rows[0]!);
    const hash = rate(rows[1]!);
    const disk = rate(rows[3]!);
    const limit = Math.min(hash, disk);
    const transport = rate(rows[4]!);
    const cpu = cpus()[0]?.model ?? "unknown CPU";
    const load = (): string => {
      try {
        return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
      } catch {
        return "unknown";
      }
    };
    const lines = [
      `model: ${o.files} x ${o.mib} MiB = ${gb.toFixed(2)} GB, ${o.runs} runs, medians; ${availableParallelism()} cores (${cpu}), node ${process.version}`,
      "",
      "| what | median s | GB/s | model:fetch / this |",
      "|---|---:|---:|---:|",
      ...rows.map((row) => `| ${row.name} | ${median(row.times).toFixed(3)} | ${rate(row).toFixed(2)} | ${(pipeline / rate(row)).toFixed(2)} |`),
      "",
      `model:fetch at ${((pipeline / limit) * 100).toFixed(0)}% of the slower limit (${hash <= disk ? "raw hash rate" : "disk read rate"}, ${limit.toFixed(2)} GB/s), ` +
        `and at ${((pipeline / transport) * 100).toFixed(0)}% of what the loopback transport alone delivers here (${transport.toFixed(2)} GB/s)`,
      `load average at the end: ${load()}`,
    ];
    process.stdout.write(lines.join("\n") + "\n");
  } finally {
    server?.stop();
    if (!o.keep) rmSync(root, { recursive: true, force: true });
    else process.stderr.write(`kept ${root}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench:load failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
