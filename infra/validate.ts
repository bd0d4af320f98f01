/**
 * Validation of a whole stack configuration, as the Pulumi CLI hands it to a program: every key
 * `namespace:name` with its value as a string (structured values as JSON), plus which keys were
 * secrets. Pure: no Pulumi, no I/O beyond reading the installed providers' lists of settings, so
 * `npm run check` refuses a bad stack file before it starts anything, and the program (config.ts)
 * runs exactly the same checks before it declares a resource.
 */
import type { z } from "zod";
import { stackSchema, type StackConfig } from "./schema";
import { crossFieldProblems, type RuleEnv } from "./rules";
import { partialParse, guard } from "./partial";
import { errorMap, describeIssue, keyName, NAMESPACE } from "./messages";
import { namespaceProblems, PROVIDER_SECRET_KEYS } from "./namespaces";
import { partitionOf } from "./regions";

export { NAMESPACE, keyName } from "./messages";

/**
 * Keys that hold secrets (`pulumi config set --secret`). They never enter the parsed object;
 * the code that needs one reads it with `requireSecret`/`getSecretObject`, so it stays a secret
 * Output end to end. `gatewayApiKeyHashes`: workload API keys for the gateway, as a JSON map of
 * key name to SHA-256 hex of the key.
 */
export const SECRET_KEYS = ["gatewayApiKeyHashes"] as const;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`The stack configuration has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n` + problems.map((p) => `  - ${p}`).join("\n"));
    this.name = "ConfigError";
  }
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

/** Schema problems of the `sovereign-llm:` values (keyed without the namespace), one line each. */
function schemaProblems(raw: Record<string, unknown>): { data?: StackConfig; problems: string[] } {
  // reportInput: zod 4 records the offending value on an issue only when asked; the messages
  // quote it. error: wording for every issue the schema gives no message of its own.
  const parsed = stackSchema.safeParse(raw, { reportInput: true, error: errorMap });
  if (parsed.success) return { data: parsed.data, problems: [] };
  return { problems: parsed.error.issues.flatMap((issue) => describeIssue(issue, stackSchema as unknown as z.ZodType)) };
}

/**
 * Parses the `sovereign-llm:` values for a stack in `region` (undefined: `aws:region` is missing,
 * reported with everything else). Returns the parsed config when there is no problem.
 */
export function checkStackConfig(raw: Record<string, unknown>, region: string | undefined, opts: { apiKeyHashes?: boolean } = {}): { config?: StackConfig; problems: string[] } {
  const problems: string[] = [];
  if (region === undefined || region === "") problems.push("aws:region: is required; set the stack's AWS region in the stack file, e.g. aws:region: eu-central-1");
  const { data, problems: schema } = schemaProblems(raw);
  problems.push(...schema);
  // Cross-field rules run on whatever parsed, so one bad key never hides another rule's finding.
  const whole = partialParse(stackSchema as unknown as z.ZodType, raw);
  const cfg = guard((whole.ok ? whole.value : (whole.partial ?? {})) as StackConfig);
  const envValues = { region, partition: region ? partitionOf(region) : undefined, apiKeyHashes: opts.apiKeyHashes ?? false };
  const env = guard(envValues as RuleEnv, new Set(region ? [] : ["region", "partition"]));
  problems.push(...crossFieldProblems(cfg, env).map((p) => `${keyName(p.path)}: ${p.message}`));
  return problems.length === 0 && data ? { config: data, problems } : { problems };
}

/**
 * Parses raw values (already JSON-decoded) of the `sovereign-llm:` namespace, keyed without the
 * namespace, for a stack in `region`. Throws a ConfigError naming every problem.
 */
export function parseStackConfig(raw: Record<string, unknown>, region: string | undefined, opts: { apiKeyHashes?: boolean } = {}): StackConfig {
  const { config, problems } = checkStackConfig(raw, region, { apiKeyHashes: opts.apiKeyHashes ?? true });
  if (!config) throw new ConfigError(problems);
  return config;
}

/** The whole configuration in CLI form: `namespace:key` → string value, and the keys that are secrets. */
export interface CliConfig {
  config: Readonly<Record<string, string>>;
  secretKeys: readonly string[];
}

/**
 * Every problem of a stack's configuration, in the order a reader fixes them: keys and
 * namespaces, secrets in plain text, then the `sovereign-llm:` values and the rules between them.
 */
export function validateCliConfig({ config, secretKeys }: CliConfig): { config?: StackConfig; region?: string; apiKeyHashes: boolean; problems: string[] } {
  const keys = Object.keys(config);
  const problems = namespaceProblems(keys, config);
  const secret = new Set(secretKeys);
  for (const key of SECRET_KEYS) {
    const full = `${NAMESPACE}:${key}`;
    if (full in config && !secret.has(full)) {
      problems.push(`${full}: is written in plain text in the stack file, where everyone who can read the repository sees it; remove the line and set it with \`pulumi config set --secret ${full} '<value>'\`, which stores it as a secure: value`);
    }
  }
  for (const full of PROVIDER_SECRET_KEYS) {
    if (full in config && !secret.has(full)) {
      problems.push(`${full}: is a credential written in plain text in the stack file; remove it and let the provider take credentials from the environment or an assumed role (never commit them)`);
    }
  }
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(config)) {
    const colon = fullKey.indexOf(":");
    if (fullKey.slice(0, colon) !== NAMESPACE) continue;
    const key = fullKey.slice(colon + 1);
    if ((SECRET_KEYS as readonly string[]).includes(key)) continue;
    raw[key] = decodeValue(value);
  }
  const region = config["aws:region"];
  const apiKeyHashes = `${NAMESPACE}:gatewayApiKeyHashes` in config;
  const checked = checkStackConfig(raw, region, { apiKeyHashes });
  problems.push(...checked.problems);
  return problems.length === 0 && checked.config ? { config: checked.config, region, apiKeyHashes, problems } : { region, apiKeyHashes, problems };
}
