/**
 * Reads `stacks/Pulumi.<stack>.yaml` the way the Pulumi CLI hands config to a program: every
 * value as a string (structured values as JSON), secure values as secret keys. Secure values
 * cannot be decrypted offline, so they become placeholders that stay marked secret.
 */
import { readFileSync, readdirSync, existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";

export const REPO_ROOT = resolve(__dirname, "..", "..");
export const STACKS_DIR = join(REPO_ROOT, "stacks");
export const SECRET_PLACEHOLDER = "[secret placeholder: secure values are not decrypted offline]";

export class InputError extends Error {
  override name = "InputError";
}

export interface StackFile {
  stack: string;
  path: string;
  /** `namespace:key` → value as the CLI passes it (strings; objects as JSON). */
  config: Record<string, string>;
  /** Keys whose values were `secure:` in the file. */
  secretKeys: string[];
}

export function availableStacks(dir = STACKS_DIR): string[] {
  return readdirSync(dir)
    .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
    .filter((s): s is string => s !== undefined)
    .sort();
}

export function readStackFile(stack: string, dir = STACKS_DIR): StackFile {
  const path = join(dir, `Pulumi.${stack}.yaml`);
  if (!/^[A-Za-z0-9_.-]+$/.test(stack) || !existsSync(path)) {
    throw new InputError(`unknown stack "${stack}": there is no ${join("stacks", `Pulumi.${stack}.yaml`)}; known stacks: ${availableStacks(dir).join(", ")}`);
  }
  let doc: unknown;
  try {
    doc = parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new InputError(`${path} is not valid YAML: ${(err as Error).message}`);
  }
  return stackFileFromConfig(stack, configMapOf(doc, join("stacks", `Pulumi.${stack}.yaml`)), path);
}

/** Top-level keys of a stack file (https://www.pulumi.com/docs/iac/concepts/projects/stack-settings-file/). */
export const STACK_FILE_KEYS = ["config", "secretsprovider", "encryptedkey", "encryptionsalt", "environment"] as const;

function kindOf(value: unknown): string {
  return Array.isArray(value) ? "a list" : value === null ? "empty" : typeof value === "object" ? "a mapping" : `the ${typeof value} ${JSON.stringify(value)}`;
}

/**
 * The `config:` mapping of a parsed stack file. An empty file (or an empty `config:`) is an empty
 * mapping, so every missing key is reported by the config check; a top level or a `config` that
 * is not a mapping, and a misspelt top-level key (whose block Pulumi would ignore), are refused.
 */
export function configMapOf(doc: unknown, name: string): Record<string, unknown> {
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(`${name}: the top level is ${kindOf(doc)}, not a mapping; a stack file is a mapping with a config: key whose entries are namespace:key: value, e.g.\nconfig:\n  aws:region: eu-central-1\n  sovereign-llm:environment: dev`);
  }
  const problems: string[] = [];
  for (const key of Object.keys(doc)) {
    if (!(STACK_FILE_KEYS as readonly string[]).includes(key)) {
      problems.push(`${name}: unknown top-level key "${key}"; a stack file has ${STACK_FILE_KEYS.join(", ")}${/^conf/i.test(key) ? ' (did you mean "config"?)' : ""}; settings go under config:`);
    }
  }
  const config = (doc as { config?: unknown }).config;
  if (config !== undefined && config !== null && (typeof config !== "object" || Array.isArray(config))) {
    problems.push(`${name}: config is ${kindOf(config)}, not a mapping; write each setting as an indented namespace:key: value line under config:`);
  }
  if (problems.length > 0) throw new InputError(problems.join("\n"));
  return (config ?? {}) as Record<string, unknown>;
}

/** Converts a `config:` map (as parsed from YAML) into CLI form. */
export function stackFileFromConfig(stack: string, yamlConfig: Record<string, unknown>, path = "<inline>"): StackFile {
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of Object.entries(yamlConfig)) {
    if (value !== null && typeof value === "object" && !Array.isArray(value) && "secure" in value) {
      config[key] = SECRET_PLACEHOLDER;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { stack, path, config, secretKeys };
}
