/**
 * Which config namespaces (the part of a key before the colon) a stack file may use. Pure apart
 * from reading the installed providers' own lists of settings.
 *
 * A key whose namespace nobody reads is silently ignored by Pulumi, so a typo before the colon
 * (`sovereign-lm:network`) would drop a whole block and let defaults apply. Allowed are the
 * project's own namespace and the providers whose default provider the program uses; for those,
 * the key after the colon must be a setting the installed provider has.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { NAMESPACE, closest } from "./messages";

/**
 * Providers the program uses through their default provider (configured from the stack file).
 * The Kubernetes provider is explicit (built from the cluster the program creates), so
 * `kubernetes:` settings would never reach it.
 */
export const DEFAULT_PROVIDERS = ["aws", "random", "tls"] as const;

/** Engine settings Pulumi reads from the `pulumi:` namespace of a stack file. */
export const ENGINE_KEYS = ["disable-default-providers", "tags"] as const;

/** Provider settings that are credentials: only ever `secure:` values (better: not in the file at all). */
export const PROVIDER_SECRET_KEYS = ["aws:accessKey", "aws:secretKey", "aws:token"] as const;

const providerKeyCache = new Map<string, string[] | undefined>();

/**
 * Settings of an installed provider SDK, read from its generated `config/vars.d.ts`; [] for a
 * provider without one (random); undefined when the SDK cannot be found, so nothing is refused
 * on a guess.
 */
export function providerSettings(provider: string): string[] | undefined {
  if (providerKeyCache.has(provider)) return providerKeyCache.get(provider);
  let keys: string[] | undefined;
  try {
    const root = dirname(require.resolve(`@pulumi/${provider}/package.json`));
    const vars = join(root, "config", "vars.d.ts");
    keys = existsSync(vars) ? [...readFileSync(vars, "utf8").matchAll(/^export declare const (\w+):/gm)].map((m) => m[1]) : [];
  } catch {
    keys = undefined;
  }
  providerKeyCache.set(provider, keys);
  return keys;
}

/**
 * Problems with the keys of a CLI-form config map: a key without a namespace, an unknown
 * namespace, an unknown provider setting, and engine settings that would break the program.
 * Each line starts with the offending key.
 */
export function namespaceProblems(keys: readonly string[], values: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  const allowed = [NAMESPACE, ...DEFAULT_PROVIDERS, "pulumi"];
  for (const key of keys) {
    const colon = key.indexOf(":");
    if (colon < 0) {
      problems.push(`${key}: has no namespace, so Pulumi cannot tell whose setting it is; write it as ${NAMESPACE}:${key} (or aws:${key} for an AWS provider setting)`);
      continue;
    }
    const ns = key.slice(0, colon);
    const name = key.slice(colon + 1);
    if (ns === NAMESPACE) continue;
    if (ns === "kubernetes") {
      problems.push(`${key}: the program builds its Kubernetes provider from the cluster it creates, so kubernetes: settings would be ignored; remove the key`);
      continue;
    }
    if (!allowed.includes(ns)) {
      const guess = closest(ns, allowed);
      problems.push(
        `${key}: unknown namespace "${ns}"; nothing reads it, so the setting would be silently ignored. ${guess ? `Did you mean ${guess}:${name}? ` : ""}Keys belong to ${NAMESPACE}: (the platform) or to a provider the program uses: ${DEFAULT_PROVIDERS.map((p) => `${p}:`).join(", ")}`,
      );
      continue;
    }
    if (ns === "pulumi") {
      if (!(ENGINE_KEYS as readonly string[]).includes(name)) {
        problems.push(`${key}: not an engine setting the program supports (${ENGINE_KEYS.map((k) => `pulumi:${k}`).join(", ")}); remove it`);
      } else if (name === "disable-default-providers") {
        let list: unknown;
        try {
          list = JSON.parse(values[key] ?? "[]");
        } catch {
          list = values[key];
        }
        const hit = (Array.isArray(list) ? list : [list]).filter((p) => p === "*" || (DEFAULT_PROVIDERS as readonly unknown[]).includes(p));
        if (hit.length > 0) problems.push(`${key}: disables ${hit.join(", ")}, whose default provider the program uses; remove ${hit.map((h) => JSON.stringify(h)).join(", ")} from the list`);
      }
      continue;
    }
    const settings = providerSettings(ns);
    if (settings && !settings.includes(name)) {
      const guess = closest(name, settings);
      problems.push(
        settings.length === 0
          ? `${key}: the ${ns} provider has no settings; remove the key`
          : `${key}: the ${ns} provider has no setting "${name}"${guess ? `; did you mean ${ns}:${guess}?` : ""} (its settings: ${settings.join(", ")})`,
      );
    }
  }
  return problems;
}
