// npm run bench:gateway — what the guardrail gateway adds to each request.
// Three processes on loopback: the fake vLLM-shaped upstream (mutual TLS), the gateway (TLS,
// API-key auth, rate limits, heuristic input guard, PII output guard, audit line per request),
// and this load generator at fixed concurrency. The same request mix runs directly against the
// upstream and through the gateway in one run; the difference is the gateway's cost.
// Env: BENCH_CONCURRENCY, a comma list of fixed concurrencies (default "1,32": the gateway's own
// per-request cost, then a saturating load); BENCH_SECONDS per phase (default 5); BENCH_STREAM=0
// to skip streamed responses. On a 2-core machine the three processes share the cores, so at
// high concurrency the added latency is mostly queueing for CPU, not gateway work.
import { fork, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";

const role = process.argv[2];

async function runUpstream(pkiPath: string): Promise<void> {
  const { FakeUpstream } = await import("../../services/gateway/test-support/fake-upstream.js");
  const up = new FakeUpstream(JSON.parse(readFileSync(pkiPath, "utf8")));
  // A typical short answer, in 4-character deltas when streamed.
  up.behaviour = { chunks: "The discharge summary lists three follow-up appointments and no medication changes.".match(/.{1,4}/g)! };
  const port = await up.start();
  process.on("disconnect", () => process.exit(0));
  process.send!({ port });
}

async function runGateway(configPath: string): Promise<void> {
  const { loadConfig } = await import("../../services/gateway/src/config.js");
  const { Gateway } = await import("../../services/gateway/src/server.js");
  const gw = new Gateway(loadConfig(configPath), { log: () => {} });
  const { port } = await gw.start({ port: 0, opsPort: 0 });
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
  process.send!({ port });
}

function child(args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    // stdout (the gateway's audit lines) is discarded, as a log shipper would consume it.
    const profile = process.env["BENCH_PROFILE_DIR"] && args[0] === "gateway" ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE_DIR"]}`] : [];
    const proc = fork(__filename, args, { execArgv: ["--import", "tsx", ...profile], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    proc.once("message", (m) => resolve({ proc, port: (m as { port: number }).port }));
    proc.once("exit", (code) => reject(new Error(`${args[0]} exited with ${code}`)));
  });
}

interface PhaseResult {
  name: string;
  requests: number;
  errors: number;
  seconds: number;
  latencies: number[];
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function phase(
  name: string,
  target: { port: number; agent: Agent; headers: Record<string, string> },
  body: Buffer,
  concurrency: number,
  seconds: number,
): Promise<PhaseResult> {
  const one = () =>
    new Promise<number>((resolve) => {
      const t0 = performance.now();
      const req = request(
        { host: "127.0.0.1", port: target.port, path: "/v1/chat/completions", method: "POST", agent: target.agent, servername: "localhost", headers: { ...target.headers, "content-type": "application/json", "content-length": body.length } },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve(res.statusCode === 200 ? performance.now() - t0 : -1));
        },
      );
      req.on("error", () => resolve(-1));
      req.end(body);
    });
  // Warm-up: TLS handshakes, JIT, JWKS-free API-key path.
  const warmUntil = performance.now() + 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < warmUntil) await one();
  }));
  const latencies: number[] = [];
  let errors = 0;
  const start = performance.now();
  const end = start + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() < end) {
      const ms = await one();
      if (ms < 0) errors++;
      else latencies.push(ms);
    }
  }));
  return { name, requests: latencies.length, errors, seconds: (performance.now() - start) / 1000, latencies: latencies.sort((a, b) => a - b) };
}

async function main(): Promise<void> {
  const levels = (process.env["BENCH_CONCURRENCY"] ?? "1,32").split(",").map(Number);
  const concurrency = Math.max(...levels);
  const seconds = Number(process.env["BENCH_SECONDS"] ?? 5);
  const withStream = process.env["BENCH_STREAM"] !== "0";
  const { makeTestPki } = await import("../../services/gateway/test-support/certs.js");
  const { hashApiKey } = await import("../../services/gateway/src/auth.js");
  const pki = makeTestPki();
  const dir = mkdtempSync(join(tmpdir(), "gateway-bench-"));
  writeFileSync(join(dir, "pki.json"), JSON.stringify(pki));
  const upstream = await child(["upstream", join(dir, "pki.json")]);
  const apiKey = "sk-bench-0123456789abcdefghijklmnopqrstuvwxyzABCDEF";
  writeFileSync(join(dir, "keys.yaml"), `- name: bench\n  sha256: ${hashApiKey(apiKey)}\n`);
  const config = {
    server: { host: "127.0.0.1", port: 18443, opsPort: 19090, tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile } },
    upstream: { tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile }, maxSockets: concurrency * 2 },
    models: [{ id: "bench-model", upstream: `https://127.0.0.1:${upstream.port}` }],
    auth: { apiKeys: { file: join(dir, "keys.yaml") } },
    authorization: { rules: [{ name: "bench", apiKeys: ["bench"], models: ["*"] }] },
    rateLimits: { requestsPerMinute: 10_000_000, tokensPerMinute: 1_000_000_000 },
  };
  writeFileSync(join(dir, "config.json"), JSON.stringify(config));
  const gateway = await child(["gateway", join(dir, "config.json")]).catch((err: unknown) => {
    upstream.proc.kill();
    throw err;
  });

  const ca = readFileSync(pki.caFile);
  const direct = {
    port: upstream.port,
    agent: new Agent({ ca, cert: readFileSync(pki.clientCertFile), key: readFileSync(pki.clientKeyFile), keepAlive: true, maxSockets: concurrency }),
    headers: {},
  };
  const viaGateway = { port: gateway.port, agent: new Agent({ ca, keepAlive: true, maxSockets: concurrency }), headers: { authorization: `Bearer ${apiKey}` } };
  const messages = [
    { role: "system", content: "You are a careful clinical documentation assistant." },
    { role: "user", content: "Summarise the follow-up plan in the discharge note for the patient's family, in plain language, in two sentences." },
  ];
  const plain = Buffer.from(JSON.stringify({ model: "bench-model", messages, max_tokens: 128 }));
  const streamed = Buffer.from(JSON.stringify({ model: "bench-model", messages, max_tokens: 128, stream: true }));

  const results: [PhaseResult, PhaseResult][] = [];
  for (const c of levels) {
    results.push([await phase(`non-streamed c=${c}, direct`, direct, plain, c, seconds), await phase(`non-streamed c=${c}, via gateway`, viaGateway, plain, c, seconds)]);
    if (withStream) {
      results.push([await phase(`streamed c=${c}, direct`, direct, streamed, c, seconds), await phase(`streamed c=${c}, via gateway`, viaGateway, streamed, c, seconds)]);
    }
  }
  upstream.proc.kill();
  gateway.proc.kill("SIGINT");
  direct.agent.destroy();
  viaGateway.agent.destroy();

  const f = (n: number) => n.toFixed(2);
  console.log(`\ngateway benchmark: concurrency ${levels.join(" and ")}, ${seconds} s per phase, loopback, node ${process.version}, 3 processes on ${(await import("node:os")).cpus().length} CPUs\n`);
  console.log("| scenario | req/s | p50 ms | p90 ms | p99 ms | errors |");
  console.log("|---|---:|---:|---:|---:|---:|");
  for (const pair of results) {
    for (const r of pair) {
      console.log(`| ${r.name} | ${(r.requests / r.seconds).toFixed(0)} | ${f(percentile(r.latencies, 50))} | ${f(percentile(r.latencies, 90))} | ${f(percentile(r.latencies, 99))} | ${r.errors} |`);
    }
  }
  console.log("\n| added by the gateway | p50 ms | p99 ms | throughput |");
  console.log("|---|---:|---:|---:|");
  for (const [d, g] of results) {
    const kind = d.name.split(",")[0];
    console.log(
      `| ${kind} | ${f(percentile(g.latencies, 50) - percentile(d.latencies, 50))} | ${f(percentile(g.latencies, 99) - percentile(d.latencies, 99))} | ${((100 * g.requests) / g.seconds / (d.requests / d.seconds)).toFixed(0)}% of direct |`,
    );
  }
  console.log("\nreference: LiteLLM proxy adds 12 ms p50 / 43 ms p99 (published, ~1,000 req/s on two 4-vCPU instances).");
  const failed = results.flat().some((r) => r.errors > 0 || r.requests === 0);
  process.exit(failed ? 1 : 0);
}

if (role === "upstream") void runUpstream(process.argv[3]!);
else if (role === "gateway") void runGateway(process.argv[3]!);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
