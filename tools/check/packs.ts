/**
 * The policy packs of this repository: every directory under `policy-packs/` with a
 * `PulumiPolicy.yaml`. A pack's directory name is the framework it serves.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { InputError, REPO_ROOT } from "./stack-file";

export const PACKS_DIR = join(REPO_ROOT, "policy-packs");

export function availablePacks(dir = PACKS_DIR): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, "PulumiPolicy.yaml")))
    .map((e) => e.name)
    .sort();
}

export function packDir(name: string, dir = PACKS_DIR): string {
  const known = availablePacks(dir);
  if (!known.includes(name)) throw new InputError(`unknown policy pack "${name}": known packs are ${known.join(", ")}`);
  return join(dir, name);
}

export function packVersion(dir: string): string {
  return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { version: string }).version;
}

/**
 * The packs a stack's config requires (`sovereign-llm:compliance`). A value that cannot be read
 * yields [] here; the program's config validation reports it properly.
 */
export function packsFromStackConfig(config: Record<string, string>): string[] {
  const raw = config["sovereign-llm:compliance"];
  if (raw === undefined) return [];
  try {
    const list = JSON.parse(raw) as unknown;
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
  } catch {
    return [];
  }
}
