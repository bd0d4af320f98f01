/**
 * The only reader of stack configuration. Everything under `sovereign-llm:` is parsed by the zod
 * schema in `schema.ts`; every problem is reported at once, each naming its full key and the fix,
 * and the program stops before a single resource is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { stackSchema, crossFieldProblems, type StackConfig } from "./schema";
import { partitionOf } from "./regions";

export const NAMESPACE = "sovereign-llm";

/**
 * Keys that hold secrets (`pulumi config set --secret`). They never enter the parsed object;
 * the code that needs one reads it with `requireSecret`/`getSecretObject`, so it stays a secret
 * Output end to end. `gatewayApiKeyHashes`: workload API keys for the gateway, as a JSON map of
 * key name to SHA-256 hex of the key.
 */
export const SECRET_KEYS = ["gatewayApiKeyHashes"] as const;

/** Data classes whose stacks protect keys, buckets, log groups and the firewall in any environment. */
export const PROTECTED_CLASSIFICATIONS: readonly string[] = ["phi", "pii"];

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` + problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "ConfigError";
  }
}

/** Everything the program needs to know about where and what it deploys. */
export interface PlatformSettings extends StackConfig {
  /** Pulumi project and stack names. */
  project: string;
  stack: string;
  region: string;
  partition: "aws" | "aws-us-gov";
  /** Whether data that must outlive a mistake is protected: in prod, and wherever personal or health data is processed. */
  protect: boolean;
  /** Whether the secret gatewayApiKeyHashes is set (its value is read only where it is used). */
  gatewayApiKeys: boolean;
}

/** `sovereign-llm:gpuNodeGroups[0].instanceTypes[1]` from a zod path. */
export function keyName(path: readonly PropertyKey[]): string {
  if (path.length === 1 && typeof path[0] === "string" && path[0].includes(":")) return path[0];
  let out = `${NAMESPACE}:`;
  path.forEach((part, i) => {
    if (typeof part === "number") out += `[${part}]`;
    else out += `${i === 0 ? "" : "."}${String(part)}`;
  });
  return out;
}

function describeIssue(issue: z.core.$ZodIssue): string[] {
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((k) => `${keyName([...issue.path, k])}: unknown key; check its spelling against the README's configuration table, or remove it`);
  }
  if (issue.code === "invalid_type" && issue.input === undefined) {
    return [`${keyName(issue.path)}: is required (${issue.expected}); add it to the stack file`];
  }
  if (issue.code === "invalid_value") {
    return [`${keyName(issue.path)}: must be one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`];
  }
  return [`${keyName(issue.path)}: ${issue.message}`];
}

/**
 * Parses raw values (already JSON-decoded) of the `sovereign-llm:` namespace, keyed without the
 * namespace, for a stack in `region`. Throws a ConfigError naming every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>, region: string): StackConfig {
  // reportInput: zod 4 only records the offending value on an issue when asked, and the messages
  // tell "missing" from "wrong type" by it.
  const parsed = stackSchema.safeParse(raw, { reportInput: true });
  if (parsed.success) {
    const problems = crossFieldProblems(parsed.data, region);
    if (problems.length > 0) throw new ConfigError(problems.map((p) => `${keyName(p.path)}: ${p.message}`));
    return parsed.data;
  }
  // Report the schema's problems and, for the keys that did parse, the cross-field ones too.
  const partial: Record<string, unknown> = {};
  const present = new Set<string>();
  for (const [key, schema] of Object.entries(stackSchema.shape)) {
    const one = (schema as z.ZodType).safeParse(raw[key]);
    if (one.success) {
      partial[key] = one.data;
      present.add(key);
    }
  }
  const cross = crossFieldProblems(partial as StackConfig, region, present).map((p) => `${keyName(p.path)}: ${p.message}`);
  throw new ConfigError([...parsed.error.issues.flatMap(describeIssue), ...cross]);
}

/**
 * Structured config values (objects, lists) reach the program as JSON text; every other value is
 * a string as written (`owner: "12345"` stays the string "12345").
 */
export function decodeValue(text: string): unknown {
  const trimmed = text.trimStart();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Reads and validates the stack's configuration; secrets (SECRET_KEYS) are left out. */
export function loadSettings(): PlatformSettings {
  const all = pulumi.runtime.allConfig();
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(all)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns !== NAMESPACE || key === undefined) continue;
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = decodeValue(value);
  }
  const region = new pulumi.Config("aws").get("region");
  if (!region) throw new ConfigError(["aws:region: is required; set it in the stack file (e.g. aws:region: eu-central-1)"]);
  const cfg = parseStackConfig(raw, region);
  const gatewayApiKeys = `${NAMESPACE}:gatewayApiKeyHashes` in all;
  if (!cfg.gateway.oidc && !gatewayApiKeys) {
    throw new ConfigError([`${NAMESPACE}:gateway.oidc: the gateway needs a way to authenticate callers; configure gateway.oidc, or set workload API keys with \`pulumi config set --secret ${NAMESPACE}:gatewayApiKeyHashes '{"name":"<sha256 hex>"}'\``]);
  }
  const keyRules = cfg.gateway.rules.filter((r) => r.apiKeys.length > 0 && r.groups.length + r.subjects.length === 0);
  if (!gatewayApiKeys && keyRules.length > 0) {
    throw new ConfigError(keyRules.map((r) => `${NAMESPACE}:gateway.rules: rule "${r.name}" grants only API keys, but the secret ${NAMESPACE}:gatewayApiKeyHashes is not set; set it or remove the rule`));
  }
  return {
    ...cfg,
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    region,
    partition: partitionOf(region),
    // Protection follows the data as well as the environment: a staging stack with PHI loses the
    // same records if its keys or buckets are deleted by mistake.
    protect: cfg.environment === "prod" || PROTECTED_CLASSIFICATIONS.includes(cfg.dataClassification),
    gatewayApiKeys,
  };
}
