/**
 * The only reader of stack configuration. The whole configuration (every namespace, and which
 * keys are secrets) goes through `validateCliConfig` in `validate.ts`, the same check
 * `npm run check` runs on the stack file before anything else: every problem is reported at once,
 * each naming its full key and the fix, and the program stops before a single resource is
 * declared.
 */
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, NAMESPACE, validateCliConfig } from "./validate";
import type { StackConfig } from "./schema";
import { partitionOf } from "./regions";

export { ConfigError, NAMESPACE, SECRET_KEYS, decodeValue, keyName, parseStackConfig } from "./validate";

/** Data classes whose stacks protect keys, buckets, log groups and the firewall in any environment. */
export const PROTECTED_CLASSIFICATIONS: readonly string[] = ["phi", "pii"];

/**
 * Retention of network logs (flow and firewall logs hold every peer's IP address): the configured
 * value, else 365 days under GDPR (personal data, kept as long as an investigation needs and no
 * longer), else the audit retention.
 */
export function networkRetentionDays(cfg: StackConfig): number {
  return cfg.logging.networkRetentionDays ?? (cfg.compliance.includes("gdpr") ? 365 : cfg.logging.auditRetentionDays);
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
  /** Retention of network logs (IP addresses): logging.networkRetentionDays, else 365 under GDPR, else the audit retention. */
  networkRetentionDays: number;
  /** Whether the secret gatewayApiKeyHashes is set (its value is read only where it is used). */
  gatewayApiKeys: boolean;
}

/**
 * Which config keys the CLI marked secret. `isConfigSecret` is internal to the SDK (it reads the
 * secret-key list the CLI passes with the config), hence the cast.
 */
function secretKeysOf(keys: readonly string[]): string[] {
  const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
  return runtime.isConfigSecret ? keys.filter((k) => runtime.isConfigSecret!(k)) : [];
}

/** Reads and validates the stack's configuration; secrets (SECRET_KEYS) are left out. */
export function loadSettings(): PlatformSettings {
  const all = pulumi.runtime.allConfig();
  const result = validateCliConfig({ config: all, secretKeys: secretKeysOf(Object.keys(all)) });
  if (!result.config || !result.region) throw new ConfigError(result.problems);
  const cfg = result.config;
  return {
    ...cfg,
    project: pulumi.getProject(),
    stack: pulumi.getStack(),
    region: result.region,
    partition: partitionOf(result.region),
    // Protection follows the data as well as the environment: a staging stack with PHI loses the
    // same records if its keys or buckets are deleted by mistake.
    protect: cfg.environment === "prod" || PROTECTED_CLASSIFICATIONS.includes(cfg.dataClassification),
    networkRetentionDays: networkRetentionDays(cfg),
    gatewayApiKeys: `${NAMESPACE}:gatewayApiKeyHashes` in all,
  };
}
