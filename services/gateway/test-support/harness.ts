// Everything a gateway test or benchmark needs on loopback: the test PKI, a fake identity
// provider serving a JWKS over TLS, the fake model server, a gateway with an in-memory audit
// sink, and an HTTPS client.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from "node:http";
import { Agent, createServer, request, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from "jose";
import { AuditLog, type LogSink } from "../src/audit.js";
import { hashApiKey } from "../src/auth.js";
import { parseConfig, type GatewayConfig } from "../src/config.js";
import { Gateway } from "../src/server.js";
import { makeTestPki, type TestPki } from "./certs.js";
import { FakeUpstream } from "./fake-upstream.js";

export const ISSUER = "https://idp.test/realms/hospital";
export const AUDIENCE = "sovereign-llm-gateway";

export interface SigningKey {
  kid: string;
  alg: "RS256" | "ES256";
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function makeSigningKey(kid: string, alg: "RS256" | "ES256"): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: "sig" };
  return { kid, alg, privateKey, publicJwk };
}

/** A fake OIDC issuer: serves /jwks over TLS with the test CA, counts fetches. */
export class FakeIdp {
  keys: SigningKey[] = [];
  fetches = 0;
  private server: Server | undefined;
  port = 0;

  constructor(private readonly pki: TestPki) {}

  async start(): Promise<void> {
    this.server = createServer({ cert: readPem(this.pki.serverCertFile), key: readPem(this.pki.serverKeyFile) }, (req, res) => {
      this.fetches++;
      if (req.url !== "/jwks") return void res.writeHead(404).end();
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ keys: this.keys.map((k) => k.publicJwk) }));
    });
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.port = (this.server.address() as AddressInfo).port;
  }

  get jwksUri(): string {
    return `https://127.0.0.1:${this.port}/jwks`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

function readPem(path: string): string {
  return readFileSync(path, "utf8");
}

export async function signToken(key: SigningKey, claims: JWTPayload, opts: { expiresIn?: string | number; issuer?: string; audience?: string; notBefore?: number } = {}): Promise<string> {
  const jwt = new SignJWT({ sub: "alice", groups: ["clinicians"], ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "JWT" })
    .setIssuedAt()
    .setIssuer(opts.issuer ?? ISSUER)
    .setAudience(opts.audience ?? AUDIENCE)
    .setExpirationTime(opts.expiresIn ?? "5m");
  if (opts.notBefore !== undefined) jwt.setNotBefore(opts.notBefore);
  return jwt.sign(key.privateKey);
}

export class MemorySink implements LogSink {
  readonly lines: string[] = [];
  write(line: string): void {
    this.lines.push(line);
  }
  async close(): Promise<void> {}
  records(): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  }
}

export const API_KEY = "sk-test-batch-0123456789abcdefghijklmnopqrstuvwxyz";
export const OTHER_API_KEY = "sk-test-other-zyxwvutsrqponmlkjihgfedcba9876543210";

export interface Harness {
  pki: TestPki;
  idp: FakeIdp;
  upstream: FakeUpstream;
  gateway: Gateway;
  config: GatewayConfig;
  audit: MemorySink;
  content: MemorySink;
  port: number;
  opsPort: number;
  key: SigningKey;
  token(claims?: JWTPayload, opts?: Parameters<typeof signToken>[2]): Promise<string>;
  close(): Promise<void>;
}

export type ConfigOverrides = (c: Record<string, any>) => void;

/** Starts PKI, IdP, fake upstream and a gateway. `override` edits the raw config before validation. */
export async function startHarness(override?: ConfigOverrides, opts: { contentLog?: boolean; pki?: TestPki } = {}): Promise<Harness> {
  const pki = opts.pki ?? makeTestPki();
  const idp = new FakeIdp(pki);
  const key = await makeSigningKey("key-1", "RS256");
  idp.keys = [key];
  await idp.start();
  const upstream = new FakeUpstream(pki);
  await upstream.start();
  const dir = mkdtempSync(join(tmpdir(), "gateway-cfg-"));
  const keysFile = join(dir, "api-keys.yaml");
  writeFileSync(keysFile, `- name: batch-job\n  sha256: ${hashApiKey(API_KEY)}\n- name: other-job\n  sha256: ${hashApiKey(OTHER_API_KEY)}\n`);
  const raw: Record<string, any> = {
    server: { host: "127.0.0.1", port: 8443, opsPort: 9090, tls: { certFile: pki.serverCertFile, keyFile: pki.serverKeyFile }, shutdownGraceMs: 1000 },
    upstream: { tls: { caFile: pki.caFile, certFile: pki.clientCertFile, keyFile: pki.clientKeyFile }, timeoutMs: 5000 },
    models: [
      { id: "llama-3.1-8b", upstream: upstream.url, upstreamModel: "meta-llama/Llama-3.1-8B-Instruct", inputGuard: "block" },
      { id: "llama-flag", upstream: upstream.url, inputGuard: "flag" },
      { id: "restricted-model", upstream: upstream.url },
      { id: "embed", upstream: upstream.url, routes: ["embeddings"] },
    ],
    auth: {
      oidc: { issuer: ISSUER, audience: AUDIENCE, jwksUri: idp.jwksUri, caFile: pki.caFile, jwksCooldownSeconds: 0 },
      apiKeys: { file: keysFile },
    },
    authorization: {
      rules: [
        { name: "clinicians", groups: ["clinicians"], models: ["llama-3.1-8b", "llama-flag", "embed"] },
        { name: "batch", apiKeys: ["batch-job"], models: ["*"] },
        { name: "radiology", claims: { department: ["radiology"] }, models: ["restricted-model"] },
      ],
    },
    limits: { maxBodyBytes: 64 * 1024, maxTokens: 512, maxN: 2, maxMessages: 8, maxEmbeddingInputs: 4 },
    rateLimits: { requestsPerMinute: 1000, tokensPerMinute: 1_000_000 },
  };
  let config: GatewayConfig;
  try {
    override?.(raw);
    config = parseConfig(raw, "test config");
  } catch (err) {
    // A refused config fails the test instead of leaving the servers holding the process open.
    await upstream.stop();
    await idp.stop();
    throw err;
  }
  const audit = new MemorySink();
  const content = new MemorySink();
  const gateway = new Gateway(config, { audit: new AuditLog(audit, opts.contentLog ? content : undefined), log: () => {} });
  const { port, opsPort } = await gateway.start({ port: 0, opsPort: 0 });
  return {
    pki,
    idp,
    upstream,
    gateway,
    config,
    audit,
    content,
    port,
    opsPort,
    key,
    token: (claims = {}, o = {}) => signToken(key, claims, o),
    async close() {
      await gateway.stop();
      await upstream.stop();
      await idp.stop();
    },
  };
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json(): any;
}

const clientAgents = new Map<string, Agent>();
function agentFor(ca: string): Agent {
  let a = clientAgents.get(ca);
  if (!a) {
    a = new Agent({ ca, keepAlive: true, maxSockets: 64 });
    clientAgents.set(ca, a);
  }
  return a;
}

/** One HTTPS request to the gateway (or anything signed by the test CA). */
export function call(
  h: { port: number; pki: TestPki },
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {},
): Promise<HttpResult> {
  const payload = opts.rawBody !== undefined ? Buffer.from(opts.rawBody) : opts.body !== undefined ? Buffer.from(JSON.stringify(opts.body)) : undefined;
  const headers: Record<string, string | number> = { ...(opts.headers ?? {}) };
  if (payload) {
    headers["content-type"] ??= "application/json";
    if (headers["transfer-encoding"] === undefined) headers["content-length"] = payload.length;
  }
  if (opts.token !== undefined) headers["authorization"] = `Bearer ${opts.token}`;
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port: h.port, path, method, headers, agent: agentFor(h.pki.ca), servername: "localhost" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(payload);
  });
}

/** GET on the plain-HTTP ops port. */
export function opsGet(port: number, path: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET" }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }));
    });
    req.on("error", reject);
    req.end();
  });
}

/** Content of an SSE body: the parsed `data:` payloads, and the concatenated text deltas. */
export function parseSse(text: string): { events: (Record<string, any> | "[DONE]")[]; content: string; wellFormed: boolean } {
  const blocks = text.split("\n\n");
  const wellFormed = text.endsWith("\n\n") && blocks.slice(0, -1).every((b) => b.startsWith("data: ") && !b.slice(6).includes("\n"));
  const events = blocks
    .filter((b) => b.startsWith("data: "))
    .map((b) => (b.slice(6) === "[DONE]" ? ("[DONE]" as const) : (JSON.parse(b.slice(6)) as Record<string, any>)));
  let content = "";
  for (const e of events) {
    if (e === "[DONE]") continue;
    for (const c of e["choices"] ?? []) content += c.delta?.content ?? c.text ?? "";
  }
  return { events, content, wellFormed };
}

/** A plain-HTTP server answering with `handler`; for the fake classifier. */
export async function startJsonServer(handler: (path: string, body: any) => { status?: number; body: unknown }): Promise<{ url: string; hits: any[]; close(): Promise<void> }> {
  const hits: any[] = [];
  const server: HttpServer = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "null");
      hits.push({ path: req.url, body });
      const r = handler(req.url ?? "", body);
      res.writeHead(r.status ?? 200, { "content-type": "application/json" }).end(JSON.stringify(r.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
