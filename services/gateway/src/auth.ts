// Authentication: OIDC access tokens (JWT, verified against the issuer's JWKS) for people and
// services with an identity provider, and API keys for workloads. API keys are stored only as
// SHA-256 hashes in a file mounted from a Kubernetes Secret; keys are high-entropy random
// strings, so an unsalted hash is enough, and the comparison is constant-time and visits every
// entry so timing says nothing about which entry came close.
import { createHash, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { createRemoteJWKSet, customFetch, errors as joseErrors, jwtVerify, type FetchImplementation, type JWTPayload } from "jose";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import type { GatewayConfig } from "./config.js";

export interface Principal {
  kind: "oidc" | "apikey";
  /** Stable identifier for audit and rate limiting: "oidc:<sub>" or "apikey:<name>". */
  id: string;
  subject: string;
  groups: string[];
  claims: Record<string, unknown>;
}

export class AuthError extends Error {
  constructor(
    /** Safe for the client. */
    message: string,
    /** For the audit line only. */
    readonly reason: string,
  ) {
    super(message);
  }
}

const apiKeyFileSchema = z.array(
  z.strictObject({
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, "letters, digits, '.', '_' or '-'"),
    sha256: z.string().regex(/^[0-9a-fA-F]{64}$/, "64 hex digits"),
  }),
);

export interface ApiKeyEntry {
  name: string;
  hash: Buffer;
}

export function parseApiKeyFile(text: string, source: string): ApiKeyEntry[] {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new Error(`${source}: not valid YAML/JSON: ${(err as Error).message}`);
  }
  const r = apiKeyFileSchema.safeParse(raw ?? []);
  if (!r.success) {
    throw new Error(`${source}: ${r.error.issues.map((i) => `[${i.path.join(".")}] ${i.message}`).join("; ")}`);
  }
  const names = new Set<string>();
  for (const e of r.data) {
    if (names.has(e.name)) throw new Error(`${source}: duplicate key name "${e.name}"`);
    names.add(e.name);
  }
  return r.data.map((e) => ({ name: e.name, hash: Buffer.from(e.sha256, "hex") }));
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key, "utf8").digest("hex");
}

/** Constant-time lookup over every entry. */
export function matchApiKey(presented: string, entries: readonly ApiKeyEntry[]): string | undefined {
  const digest = createHash("sha256").update(presented, "utf8").digest();
  let found: string | undefined;
  for (const e of entries) {
    if (timingSafeEqual(digest, e.hash) && found === undefined) found = e.name;
  }
  return found;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const MAX_CREDENTIAL_LENGTH = 16 * 1024;

/** A fetch for jose that trusts a private CA (the global fetch only knows the system store). */
function fetchWithCa(ca: string): FetchImplementation {
  return (url, options) =>
    new Promise<Response>((resolve, reject) => {
      const headers: Record<string, string> = {};
      options.headers.forEach((v, k) => (headers[k] = v));
      const req = httpsRequest(url, { method: "GET", headers, ca, signal: options.signal, minVersion: "TLSv1.2" }, (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (c: Buffer) => {
          size += c.length;
          if (size > 1024 * 1024) req.destroy(new Error("JWKS response too large"));
          else chunks.push(c);
        });
        res.on("end", () => resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500 })));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
}

export class Authenticator {
  private apiKeys: ApiKeyEntry[] = [];
  private readonly jwks: ReturnType<typeof createRemoteJWKSet> | undefined;

  constructor(private readonly cfg: GatewayConfig["auth"]) {
    const oidc = cfg.oidc;
    if (oidc) {
      const ca = oidc.caFile ? readFileSync(oidc.caFile, "utf8") : undefined;
      this.jwks = createRemoteJWKSet(new URL(oidc.jwksUri), {
        cooldownDuration: oidc.jwksCooldownSeconds * 1000,
        cacheMaxAge: oidc.jwksCacheMaxAgeSeconds * 1000,
        timeoutDuration: 5000,
        ...(ca ? { [customFetch]: fetchWithCa(ca) } : {}),
      });
    }
    this.reloadApiKeys();
  }

  /** Re-reads the API key file (a mounted Secret is updated in place by the kubelet). */
  reloadApiKeys(): void {
    if (!this.cfg.apiKeys) return;
    this.apiKeys = parseApiKeyFile(readFileSync(this.cfg.apiKeys.file, "utf8"), this.cfg.apiKeys.file);
  }

  get apiKeyCount(): number {
    return this.apiKeys.length;
  }

  async authenticate(authorization: string | undefined): Promise<Principal> {
    if (authorization === undefined || authorization === "") throw new AuthError("Missing bearer token.", "no_credentials");
    const m = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization);
    if (m === null) throw new AuthError("Authorization must be a bearer token.", "malformed_authorization");
    const credential = m[1]!;
    if (credential.length > MAX_CREDENTIAL_LENGTH) throw new AuthError("Invalid credentials.", "credential_too_long");

    if (JWT_SHAPE.test(credential)) {
      if (!this.jwks || !this.cfg.oidc) throw new AuthError("Invalid credentials.", "oidc_not_configured");
      return this.verifyJwt(credential);
    }
    if (this.cfg.apiKeys) {
      const name = matchApiKey(credential, this.apiKeys);
      if (name !== undefined) return { kind: "apikey", id: `apikey:${name}`, subject: name, groups: [], claims: {} };
    }
    throw new AuthError("Invalid credentials.", "unknown_api_key");
  }

  private async verifyJwt(token: string): Promise<Principal> {
    const oidc = this.cfg.oidc!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks!, {
        issuer: oidc.issuer,
        audience: oidc.audience,
        algorithms: oidc.algorithms,
        clockTolerance: oidc.clockToleranceSeconds,
        requiredClaims: ["exp", "iss", "aud"],
        ...(oidc.maxTokenAgeSeconds !== undefined ? { maxTokenAge: oidc.maxTokenAgeSeconds } : {}),
        ...(oidc.requiredTyp !== undefined ? { typ: oidc.requiredTyp } : {}),
      }));
    } catch (err) {
      throw new AuthError("Invalid credentials.", `jwt_${joseReason(err)}`);
    }
    const subject = payload[oidc.subjectClaim];
    if (typeof subject !== "string" || subject === "") throw new AuthError("Invalid credentials.", "jwt_missing_subject");
    const rawGroups = payload[oidc.groupsClaim];
    const groups = Array.isArray(rawGroups)
      ? rawGroups.filter((g): g is string => typeof g === "string")
      : typeof rawGroups === "string"
        ? rawGroups.split(" ").filter((g) => g !== "")
        : [];
    return { kind: "oidc", id: `oidc:${subject}`, subject, groups, claims: payload };
  }
}

function joseReason(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return "expired";
  if (err instanceof joseErrors.JWTClaimValidationFailed) return `claim_${err.claim}`;
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return "bad_signature";
  if (err instanceof joseErrors.JWKSNoMatchingKey) return "unknown_kid";
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return "alg_not_allowed";
  if (err instanceof joseErrors.JWKSTimeout) return "jwks_timeout";
  if (err instanceof joseErrors.JWSInvalid || err instanceof joseErrors.JWTInvalid) return "malformed";
  if (err instanceof joseErrors.JOSEError) return err.code.toLowerCase().replace(/^err_/, "");
  return "jwks_unavailable";
}
