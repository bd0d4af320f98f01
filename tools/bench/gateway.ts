// npm run bench:gateway — what the guardrail gateway adds to each request.
// Three processes on loopback: the fake vLLM-shaped upstream (mutual TLS), the gateway (TLS,
// API-key auth, rate limits, heuristic input guard, PII output guard, audit line per request),
// and this load generator at fixed concurrency. The same request mix runs directly against the
// upstream and through the gateway in one run; the difference is the gateway's cost.
// Then the worst case: request bodies at the maximum body size built to make the guards
// backtrack (the families in test-support/adversarial.ts), each next to a benign body of the
// same size, one at a time through the gateway, medians and their ratio; meanwhile a loop polls
// /healthz on the ops port, to show whether the scans stall the event loop.
// Env: BENCH_CONCURRENCY, a comma list of fixed concurrencies (default "1,32": the gateway's own
// per-request cost, then a saturating load); BENCH_SECONDS per phase (default 5); BENCH_STREAM=0
// to skip streamed responses; BENCH_ADVERSARIAL_RUNS, runs per body in the worst-case phase
// (default 5; 0 skips it). On a 2-core machine the three processes share the cores, so at
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
  const { port, opsPort } = await gw.start({ port: 0, opsPort: 0 });
  process.on("disconnect", () => process.exit(0));
  process.on("SIGINT", () => process.exit(0));
  process.send!({ port, opsPort });
}

function child(args: string[]): Promise<{ proc: ChildProcess; port: number; opsPort: number }> {
  return new Promise((resolve, reject) => {
    // stdout (the gateway's audit lines) is discarded, as a log shipper would consume it.
    const profile = process.env["BENCH_PROFILE_DIR"] && args[0] === "gateway" ? ["--cpu-prof", `--cpu-prof-dir=${process.env["BENCH_PROFILE_DIR"]}`] : [];
    const proc = fork(__filename, args, { execArgv: ["--import", "tsx", ...profile], stdio: ["ignore", "ignore", "inherit", "ipc"] });
    proc.once("message", (m) => resolve({ proc, port: (m as { port: number }).port, opsPort: (m as { opsPort?: number }).opsPort ?? 0 }));
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
  const runs = Number(process.env["BENCH_ADVERSARIAL_RUNS"] ?? 5);
  const worst = runs > 0 ? await worstCase(viaGateway, gateway.opsPort, runs) : undefined;
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
  if (worst) printWorstCase(worst);
  const failed = results.flat().some((r) => r.errors > 0 || r.requests === 0) || (worst?.rows.some((r) => r.errors > 0) ?? false);
  process.exit(failed ? 1 : 0);
}

interface WorstRow {
  name: string;
  bytes: number;
  status: number;
  medianMs: number;
  errors: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** The largest message content of family `make` whose request body still fits in `limit` bytes. */
function fitBody(make: (size: number) => string, limit: number): Buffer {
  let size = limit;
  for (;;) {
    const body = Buffer.from(JSON.stringify({ model: "bench-model", messages: [{ role: "user", content: make(size) }], max_tokens: 16 }));
    if (body.length <= limit) return body;
    size = Math.floor((size * limit) / body.length) - 16;
  }
}

async function worstCase(target: { port: number; agent: Agent; headers: Record<string, string> }, opsPort: number, runs: number): Promise<{ rows: WorstRow[]; health: number[] }> {
  const { adversarialBodies, benignBody } = await import("../../services/gateway/test-support/adversarial.js");
  const limit = 1024 * 1024; // the gateway's default limits.maxBodyBytes, which the bench config keeps
  const bodies: [string, Buffer][] = [["benign clinical prose", fitBody(benignBody, limit)]];
  for (const name of Object.keys(adversarialBodies(16))) bodies.push([name, fitBody((n) => adversarialBodies(n)[name]!, limit)]);
  const send = (body: Buffer) =>
    new Promise<{ ms: number; status: number }>((resolve) => {
      const t0 = performance.now();
      const req = request(
        { host: "127.0.0.1", port: target.port, path: "/v1/chat/completions", method: "POST", agent: target.agent, servername: "localhost", headers: { ...target.headers, "content-type": "application/json", "content-length": body.length } },
        (res) => {
          res.on("data", () => {});
          res.on("end", () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
        },
      );
      req.on("error", () => resolve({ ms: -1, status: 0 }));
      req.end(body);
    });
  // /healthz answered while the scans run: the event loop's responsiveness under the worst case.
  const health: number[] = [];
  let polling = true;
  const poll = (async () => {
    const { request: httpRequest } = await import("node:http");
    while (polling) {
      const t0 = performance.now();
      await new Promise<void>((resolve) => {
        const r = httpRequest({ host: "127.0.0.1", port: opsPort, path: "/healthz" }, (res) => {
          res.resume();
          res.on("end", () => resolve());
        });
        r.on("error", () => resolve());
        r.end();
      });
      health.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const rows: WorstRow[] = [];
  for (const [name, body] of bodies) {
    const times: number[] = [];
    let status = 0;
    let errors = 0;
    await send(body); // warm-up
    for (let i = 0; i < runs; i++) {
      const r = await send(body);
      if (r.ms < 0 || (r.status !== 200 && r.status !== 400)) errors++;
      else times.push(r.ms);
      status = r.status;
    }
    rows.push({ name, bytes: body.length, status, medianMs: median(times), errors });
  }
  polling = false;
  await poll;
  return { rows, health };
}

function printWorstCase(w: { rows: WorstRow[]; health: number[] }): void {
  const benign = w.rows[0]!;
  console.log(`\nworst case at the maximum body size (${benign.bytes} bytes), one request at a time through the gateway, medians:\n`);
  console.log("| body | status | median ms | ratio to benign |");
  console.log("|---|---:|---:|---:|");
  for (const r of w.rows) console.log(`| ${r.name} | ${r.status} | ${r.medianMs.toFixed(1)} | ${(r.medianMs / benign.medianMs).toFixed(2)} |`);
  const adversarial = w.rows.slice(1);
  const worst = adversarial.reduce((a, b) => (b.medianMs > a.medianMs ? b : a));
  console.log(`\nworst adversarial: ${worst.name}, ${worst.medianMs.toFixed(1)} ms median, ${(worst.medianMs / benign.medianMs).toFixed(2)}x the benign body of the same size`);
  const h = [...w.health].sort((a, b) => a - b);
  console.log(`/healthz during this phase: ${h.length} polls, median ${median(h).toFixed(1)} ms, max ${(h.at(-1) ?? NaN).toFixed(1)} ms`);
}

if (role === "upstream") void runUpstream(process.argv[3]!);
else if (role === "gateway") void runGateway(process.argv[3]!);
else
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
