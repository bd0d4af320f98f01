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
  const config = (doc as { config?: Record<string, unknown> } | null)?.config ?? {};
  return stackFileFromConfig(stack, config, path);
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
