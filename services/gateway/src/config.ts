// The gateway's only reader of configuration: one YAML or JSON file, validated with zod.
// Strict objects everywhere, so a typo in the file is an error that names the key, not a
// silently ignored setting. Secrets never live in this file: it names files (mounted from
// Kubernetes Secrets) that hold them.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { linearPatternProblem } from "./linear-pattern.js";

/** Asymmetric JWS algorithms only: an HMAC algorithm would let anyone holding the JWKS forge tokens. */
export const ASYMMETRIC_ALGORITHMS = [
  "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519",
] as const;

export const PII_DETECTORS = ["email", "phone", "ssn", "card", "iban", "ipv4", "ipv6"] as const;
export type PiiDetectorName = (typeof PII_DETECTORS)[number];

export const ROUTES = ["chat", "completions", "embeddings"] as const;
export type RouteName = (typeof ROUTES)[number];

const file = z.string().min(1, "must be a file path");
const port = z.number().int().min(1).max(65535);
const httpsUrl = z
  .string()
  .refine((s) => URL.canParse(s) && new URL(s).protocol === "https:", "must be an https:// URL");
const regexSource = z.string().min(1);
const serverSchema = z.strictObject({
  /** Interface to listen on. Default "0.0.0.0". */
  host: z.string().default("0.0.0.0"),
  /** TLS port for the OpenAI-compatible API. Default 8443. */
  port: port.default(8443),
  /** Plain-HTTP port for /healthz, /readyz and /metrics (no request content is served there). Default 9090. */
  opsPort: port.default(9090),
  tls: z.strictObject({
    /** PEM certificate chain served to clients. Required. */
    certFile: file,
    /** PEM private key. Required. */
    keyFile: file,
    /** Lowest TLS version accepted. Default "TLSv1.2". */
    minVersion: z.enum(["TLSv1.2", "TLSv1.3"]).default("TLSv1.2"),
  }),
  /** Time allowed to receive a whole request (headers and body). Default 60000. */
  requestTimeoutMs: z.number().int().min(1000).default(60_000),
  /** Idle keep-alive timeout for client connections. Default 65000 (longer than typical LB idle timeouts). */
  keepAliveTimeoutMs: z.number().int().min(1000).default(65_000),
  /** Time given to in-flight requests after SIGTERM before the process exits. Default 20000. */
  shutdownGraceMs: z.number().int().min(0).default(20_000),
  /** How often certificate, key and API-key files are checked for rotation. Default 60. */
  reloadIntervalSeconds: z.number().int().min(1).default(60),
});

const upstreamSchema = z.strictObject({
  tls: z.strictObject({
    /** CA bundle that signs the model servers' certificates. Required. */
    caFile: file,
    /** Client certificate presented to the model servers (mutual TLS). Required. */
    certFile: file,
    /** Client private key. Required. */
    keyFile: file,
    /** Overrides the SNI / certificate name checked on the upstream. Default: the URL's host. */
    serverName: z.string().optional(),
  }),
  /**
   * File holding vLLM's --api-key, sent as a bearer token upstream (defence in depth), for models
   * that name no `apiKeyFile` of their own. Default: none.
   */
  apiKeyFile: file.optional(),
  /** Upper bound for one upstream exchange, streaming included. Default 600000. */
  timeoutMs: z.number().int().min(1000).default(600_000),
  /** Largest non-streamed upstream response body accepted. Default 16777216 (16 MiB). */
  maxResponseBytes: z.number().int().min(1024).default(16 * 1024 * 1024),
  /** Keep-alive sockets per upstream host. Default 256. */
  maxSockets: z.number().int().min(1).default(256),
});

const modelSchema = z.strictObject({
  /** Model name clients send in `model`. Required. */
  id: z.string().min(1),
  /** Base URL of the model server (https, mutual TLS), e.g. https://vllm-llama.models.svc:8000. Required. */
  upstream: httpsUrl,
  /** Model name the upstream serves (vLLM --served-model-name). Default: `id`. */
  upstreamModel: z.string().min(1).optional(),
  /**
   * File holding this model server's own --api-key (each model server has its own, so one leaked
   * key opens one model). Default: upstream.apiKeyFile.
   */
  apiKeyFile: file.optional(),
  /** Routes this model answers. Default ["chat", "completions"]. */
  routes: z.array(z.enum(ROUTES)).min(1).default(["chat", "completions"]),
  /** What the input guard does on a detection: reject the request, or forward it and record it. Default "block". */
  inputGuard: z.enum(["block", "flag"]).default("block"),
  /** Per-model cap on max_tokens. Default: limits.maxTokens. */
  maxTokens: z.number().int().min(1).optional(),
  /**
   * DNS name that lists every ready replica of the model server (a headless Service); the
   * scaling endpoint (`/scaling/<id>` on the ops port) reads each replica's queue through it.
   * Default: the upstream's host (right for one replica).
   */
  replicasHost: z.string().min(1).optional(),
});

const oidcSchema = z.strictObject({
  /** Expected `iss`, exactly. Required. */
  issuer: z.string().min(1),
  /** Accepted `aud` value(s). Required. */
  audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** The issuer's JWKS URL (https). Required. */
  jwksUri: httpsUrl,
  /** CA bundle for the JWKS endpoint when the issuer uses a private CA. Default: system trust store. */
  caFile: file.optional(),
  /** Accepted JWS algorithms (asymmetric only). Default ["RS256", "ES256"]. */
  algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(["RS256", "ES256"]),
  /** Allowed clock skew for exp/nbf/iat. Default 30, at most 300. */
  clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  /** Reject tokens whose iat is older than this. Default: no limit beyond exp. */
  maxTokenAgeSeconds: z.number().int().min(1).optional(),
  /** Required JOSE `typ` header, e.g. "at+jwt" (RFC 9068). Default: not checked. */
  requiredTyp: z.string().min(1).optional(),
  /** Claim naming the principal. Default "sub". */
  subjectClaim: z.string().min(1).default("sub"),
  /** Claim holding group names (array or space-separated string). Default "groups". */
  groupsClaim: z.string().min(1).default("groups"),
  /** Minimum time between JWKS refetches triggered by an unknown `kid`. Default 30. */
  jwksCooldownSeconds: z.number().min(0).default(30),
  /** Maximum age of the cached JWKS. Default 600. */
  jwksCacheMaxAgeSeconds: z.number().min(1).default(600),
});

const apiKeysSchema = z.strictObject({
  /** YAML/JSON file (a mounted Secret): [{name, sha256}] where sha256 is the hex SHA-256 of the key. Required. */
  file: file,
});

const authSchema = z
  .strictObject({
    oidc: oidcSchema.optional(),
    apiKeys: apiKeysSchema.optional(),
  })
  .refine((a) => a.oidc !== undefined || a.apiKeys !== undefined, {
    message: "configure at least one of auth.oidc or auth.apiKeys",
  });

const ruleSchema = z
  .strictObject({
    /** Rule name, used in audit reasons. Required. */
    name: z.string().min(1),
    /** Subjects (the subject claim, e.g. sub) this rule grants. Default []. */
    subjects: z.array(z.string().min(1)).default([]),
    /** Groups (from the groups claim) this rule grants. Default []. */
    groups: z.array(z.string().min(1)).default([]),
    /** API key names this rule grants. Default []. */
    apiKeys: z.array(z.string().min(1)).default([]),
    /** Other claims: the principal matches when the claim equals (or contains) one of the values. Default {}. */
    claims: z.record(z.string(), z.array(z.string()).min(1)).default({}),
    /** Model ids granted, or "*" for every configured model. Required. */
    models: z.array(z.string().min(1)).min(1),
    /** Overrides rateLimits.requestsPerMinute for matching principals (the largest matching rule wins). */
    requestsPerMinute: z.number().int().min(1).optional(),
    /** Overrides rateLimits.tokensPerMinute for matching principals (the largest matching rule wins). */
    tokensPerMinute: z.number().int().min(1).optional(),
  })
  .refine(
    (r) => r.subjects.length + r.groups.length + r.apiKeys.length + Object.keys(r.claims).length > 0,
    { message: "a rule needs at least one of subjects, groups, apiKeys or claims" },
  );

const limitsSchema = z.strictObject({
  /** Largest request body. Default 1048576 (1 MiB). */
  maxBodyBytes: z.number().int().min(1024).default(1024 * 1024),
  /** Largest max_tokens / max_completion_tokens; also injected when a request sets none. Default 4096. */
  maxTokens: z.number().int().min(1).default(4096),
  /** Largest n (and best_of). Default 4. */
  maxN: z.number().int().min(1).default(4),
  /** Most chat messages in one request. Default 256. */
  maxMessages: z.number().int().min(1).default(256),
  /** Most inputs in one embeddings request. Default 256. */
  maxEmbeddingInputs: z.number().int().min(1).default(256),
});

const rateLimitsSchema = z.strictObject({
  /** Requests per minute per principal, per gateway replica. Default 120. */
  requestsPerMinute: z.number().int().min(1).default(120),
  /** Tokens (prompt estimate + max_tokens, settled to actual usage) per minute per principal, per replica. Default 200000. */
  tokensPerMinute: z.number().int().min(1).default(200_000),
});

const classifierSchema = z.strictObject({
  /** Endpoint URL, e.g. https://prompt-guard.guard.svc:8000/classify. Required. */
  url: z.string().refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol), "must be an http(s) URL"),
  /** Wire format: vLLM's /classify ({model,input} -> data[].probs) or Hugging Face text-classification ({inputs} -> [{label,score}]). */
  style: z.enum(["vllm-classify", "hf-text-classification"]),
  /** Model name sent with vllm-classify requests. Default: none. */
  model: z.string().optional(),
  /** Labels that mean "attack". Default ["MALICIOUS", "INJECTION", "JAILBREAK", "LABEL_1"]. */
  maliciousLabels: z.array(z.string()).min(1).default(["MALICIOUS", "INJECTION", "JAILBREAK", "LABEL_1"]),
  /** For vllm-classify: index of the attack class in `probs`. Default 1. */
  maliciousIndex: z.number().int().min(0).default(1),
  /** Score at or above which a text is an attack. Default 0.5. */
  threshold: z.number().min(0).max(1).default(0.5),
  /** Request timeout. Default 2000. */
  timeoutMs: z.number().int().min(50).default(2000),
  /** Texts are split into windows of this many characters (Prompt Guard reads 512 tokens). Default 1500. */
  windowChars: z.number().int().min(100).default(1500),
  /** When the classifier fails: refuse the request, or fall back to the built-in detector. Default "heuristic". */
  onError: z.enum(["block", "heuristic"]).default("heuristic"),
});

const inputGuardSchema = z.strictObject({
  /** Score at or above which the built-in detector reports an attack. Default 1. */
  heuristicThreshold: z.number().min(0.1).default(1),
  /** In-cluster classifier; when absent the built-in detector is used. Default: none. */
  classifier: classifierSchema.optional(),
});

const patternSchema = z
  .strictObject({
    /** Name used in the replacement and metrics, e.g. "mrn". Required. */
    name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "lower-case letters, digits and _"),
    /** Regular expression source (u flag, plus i when ignoreCase); must run in linear time. Required. */
    regex: regexSource,
    /** Case-insensitive match. Default false. */
    ignoreCase: z.boolean().default(false),
  })
  .superRefine((p, ctx) => {
    const problem = linearPatternProblem(p.regex, p.ignoreCase);
    if (problem) ctx.addIssue({ code: "custom", path: ["regex"], message: problem });
  });

const outputGuardSchema = z.strictObject({
  /** Built-in detectors. Default: all of email, phone, ssn, card, iban, ipv4, ipv6. */
  detectors: z.array(z.enum(PII_DETECTORS)).min(1).default([...PII_DETECTORS]),
  /** Extra patterns, e.g. medical record numbers. Default []. */
  patterns: z.array(patternSchema).default([]),
  /** Replacement text; {type} becomes the detector name. Default "[REDACTED:{type}]". */
  replacement: z.string().default("[REDACTED:{type}]"),
  /** Characters held back in streams so a value split across chunks is still caught; must exceed the longest value. Default 128. */
  streamHoldbackChars: z.number().int().min(48).max(4096).default(128),
});

const auditSchema = z.strictObject({
  /** Where audit lines go: stdout (collected into the audit log class) or a file. Default "stdout". */
  sink: z.enum(["stdout", "file"]).default("stdout"),
  /** File for sink "file". */
  path: file.optional(),
});

const contentLogSchema = z.strictObject({
  /** Prompt/completion logging: off, or a separate file shipped to the short-retention content log class. Default "off". */
  mode: z.enum(["off", "file"]).default("off"),
  /** File for mode "file". */
  path: file.optional(),
});

export const configSchema = z
  .strictObject({
    server: serverSchema,
    upstream: upstreamSchema,
    models: z.array(modelSchema).min(1),
    auth: authSchema,
    authorization: z.strictObject({ rules: z.array(ruleSchema).default([]) }).prefault({}),
    limits: limitsSchema.prefault({}),
    rateLimits: rateLimitsSchema.prefault({}),
    inputGuard: inputGuardSchema.prefault({}),
    outputGuard: outputGuardSchema.prefault({}),
    audit: auditSchema.prefault({}),
    contentLog: contentLogSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.models.forEach((m, i) => {
      if (ids.has(m.id)) ctx.addIssue({ code: "custom", path: ["models", i, "id"], message: `duplicate model id "${m.id}"` });
      ids.add(m.id);
    });
    c.authorization.rules.forEach((r, i) => {
      r.models.forEach((m, j) => {
        if (m !== "*" && !ids.has(m)) {
          ctx.addIssue({
            code: "custom",
            path: ["authorization", "rules", i, "models", j],
            message: `unknown model "${m}": add it to models[] or use "*"`,
          });
        }
      });
      if (r.apiKeys.length > 0 && c.auth.apiKeys === undefined) {
        ctx.addIssue({ code: "custom", path: ["authorization", "rules", i, "apiKeys"], message: "auth.apiKeys is not configured" });
      }
    });
    if (c.audit.sink === "file" && c.audit.path === undefined) {
      ctx.addIssue({ code: "custom", path: ["audit", "path"], message: 'required when audit.sink is "file"' });
    }
    if (c.contentLog.mode === "file" && c.contentLog.path === undefined) {
      ctx.addIssue({ code: "custom", path: ["contentLog", "path"], message: 'required when contentLog.mode is "file"' });
    }
    if (c.contentLog.mode === "file" && c.audit.sink === "file" && c.contentLog.path === c.audit.path) {
      ctx.addIssue({ code: "custom", path: ["contentLog", "path"], message: "must differ from audit.path: content and audit are separate log classes" });
    }
    if (c.server.port === c.server.opsPort) {
      ctx.addIssue({ code: "custom", path: ["server", "opsPort"], message: "must differ from server.port" });
    }
  });

export type GatewayConfig = z.infer<typeof configSchema>;
export type ModelConfig = GatewayConfig["models"][number];
export type AuthorizationRule = GatewayConfig["authorization"]["rules"][number];

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? String(p) : `.${String(p)}`;
  return out === "" ? "(top level)" : out;
}

/** Validates a parsed config object; throws one ConfigError listing every problem by key. */
export function parseConfig(raw: unknown, source = "config"): GatewayConfig {
  const result = configSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const keys = issue.code === "unrecognized_keys" ? ` (unknown key${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")})` : "";
    return `  ${formatPath(issue.path)}: ${issue.message}${keys}`;
  });
  throw new ConfigError(`${source} is invalid:\n${lines.join("\n")}`);
}

/** Reads and validates a YAML or JSON file (JSON is valid YAML). */
export function loadConfig(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${path} is not valid YAML/JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, path);
}
