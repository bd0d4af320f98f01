/**
 * Shared test helpers: the committed stacks, their config in the forms the program sees, and
 * offline synthesis of several stacks at once.
 *
 * `synthesize` in tools/check runs one child process synchronously (~2 s); `synthesizeMany` runs
 * the same worker for several stack files in parallel, so a test file pays for its syntheses once
 * and at the same time. Results are meant to be computed once per file and shared by every test
 * in it. Test files run as separate processes of one `node --test` run; `synthesizeMany` shares
 * outcomes between them through a cache scoped to that run (see `cachedSynthesis`).
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { NAMESPACE, decodeValue } from "../../infra/config.js";
import { REPO_ROOT, STACKS_DIR, stackFileFromConfig, type StackFile } from "../../tools/check/stack-file.js";
import { synthesizeAsync as synthesizeInChild, type Registration, type SynthOutcome, type SynthResult } from "../../tools/check/synth.js";

/** The committed stacks, in a fixed order. */
export const STACKS = ["dev", "staging", "prod", "prod-eu"] as const;
export type StackName = (typeof STACKS)[number];

/** Stacks whose `environment` is prod (protected data, COMPLIANCE Object Lock). */
export const PROD_STACKS: readonly StackName[] = ["prod", "prod-eu"];

/** Stacks that protect keys, buckets and the firewall: prod, and any stack with phi or pii (staging holds PHI). */
export const PROTECTED_STACKS: readonly StackName[] = ["staging", "prod", "prod-eu"];

/** The five base tags every taggable resource must carry. */
export const BASE_TAG_KEYS = ["project", "stack", "environment", "data-classification", "owner"] as const;

/** A fresh (deep) copy of the `config:` map of `stacks/Pulumi.<stack>.yaml`, as parsed from YAML. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML map that tests mutate freely
export function yamlConfig(stack: string): Record<string, any> {
  const doc = parse(readFileSync(join(STACKS_DIR, `Pulumi.${stack}.yaml`), "utf8")) as { config: Record<string, unknown> };
  return structuredClone(doc.config);
}

/**
 * The `sovereign-llm:` values of a YAML config map exactly as `loadSettings` hands them to
 * `parseStackConfig`: through the CLI's string form (objects as JSON) and back, keyed without
 * the namespace; plus `aws:region`.
 */
export function rawConfig(config: Record<string, unknown>): { raw: Record<string, unknown>; region: string } {
  const file = stackFileFromConfig("test", config);
  const raw: Record<string, unknown> = {};
  for (const [fullKey, value] of Object.entries(file.config)) {
    const [ns, key] = fullKey.split(":", 2);
    if (ns === NAMESPACE && key !== undefined) raw[key] = decodeValue(value);
  }
  return { raw, region: file.config["aws:region"] ?? "" };
}

/** Runs tools/check's synthesis worker in a child process without blocking the event loop. */
export const synthesizeAsync = synthesizeInChild;

/**
 * The cache directory of this test run: keyed by the parent process (the `node --test` runner
 * that started every test file of the run), so nothing outlives a run in a way that matters and
 * a code change between runs is always seen. Directories of finished runs are removed.
 */
function runCacheDir(): string {
  const root = join(tmpdir(), "sovereign-llm-test-synth");
  mkdirSync(root, { recursive: true });
  for (const entry of readdirSync(root)) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === process.ppid) continue;
    try {
      process.kill(pid, 0);
    } catch {
      rmSync(join(root, entry), { recursive: true, force: true });
    }
  }
  const dir = join(root, String(process.ppid));
  mkdirSync(dir, { recursive: true });
  return dir;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let fingerprint: string | undefined;
/**
 * Path, size and mtime of every file the program can load, so that even when a test file is run
 * on its own (its parent then being a long-lived shell) an edit is never answered from the cache.
 */
function sourceFingerprint(): string {
  if (fingerprint) return fingerprint;
  const hash = createHash("sha256");
  const walk = (dir: string) => {
    let entries: string[];
    try {
      entries = readdirSync(dir).sort();
    } catch {
      return;
    }
    for (const entry of entries) {
      if (entry === "node_modules" || entry.startsWith(".")) continue;
      const path = join(dir, entry);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else hash.update(`${path}\0${st.size}\0${st.mtimeMs}\n`);
    }
  };
  for (const dir of ["infra", "components", "services", "tools", "stacks"]) walk(join(REPO_ROOT, dir));
  for (const file of ["package-lock.json", "Pulumi.yaml"]) {
    const st = statSync(join(REPO_ROOT, file));
    hash.update(`${file}\0${st.size}\0${st.mtimeMs}\n`);
  }
  fingerprint = hash.digest("hex");
  return fingerprint;
}

/** Whether the process that took a lock is still running (a lock without an owner yet counts as held). */
function lockHeld(lock: string): boolean {
  let owner: number;
  try {
    owner = Number(readFileSync(join(lock, "owner"), "utf8"));
  } catch {
    // Written right after the mkdir; missing for long only if its writer died in between.
    try {
      return Date.now() - statSync(lock).mtimeMs < 60_000;
    } catch {
      return false;
    }
  }
  try {
    process.kill(owner, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * One synthesis per (stack file, mode) per test run: the first file to ask takes a lock (an
 * atomic mkdir, with its pid inside) and synthesizes; the others wait for its result for as long
 * as that process lives, however slow the machine is. A lock whose owner is gone is taken over.
 */
export async function cachedSynthesis(file: StackFile, opts: { preview: boolean }): Promise<SynthOutcome> {
  const dir = runCacheDir();
  const key = createHash("sha256").update(JSON.stringify({ source: sourceFingerprint(), config: file.config, secretKeys: file.secretKeys, stack: file.stack, opts })).digest("hex").slice(0, 32);
  const result = join(dir, `${key}.json`);
  const lock = join(dir, `${key}.lock`);
  for (;;) {
    try {
      return JSON.parse(readFileSync(result, "utf8")) as SynthOutcome;
    } catch {
      // not there yet
    }
    try {
      mkdirSync(lock);
    } catch {
      if (lockHeld(lock)) {
        await sleep(150);
        continue;
      }
      // Abandoned: take it over.
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    try {
      writeFileSync(join(lock, "owner"), String(process.pid));
      const outcome = await synthesizeAsync(file, opts);
      const tmp = `${result}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(outcome));
      renameSync(tmp, result);
      return outcome;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Synthesizes several stack files in parallel; fails loudly when one does not synthesize. */
export async function synthesizeMany<K extends string>(files: Record<K, StackFile>, opts: { preview: boolean }): Promise<Record<K, SynthResult>> {
  const entries = Object.entries(files) as [K, StackFile][];
  const outcomes = await Promise.all(entries.map(([, file]) => cachedSynthesis(file, opts)));
  const out = {} as Record<K, SynthResult>;
  entries.forEach(([key], i) => {
    const outcome = outcomes[i];
    if (!outcome.ok) {
      throw new Error(`stack ${key} did not synthesize (${outcome.kind}): ${outcome.kind === "config" ? outcome.problems.join("\n") : outcome.message}`);
    }
    out[key] = outcome.result;
  });
  return out;
}

/** Every committed stack, synthesized once (in parallel) in one mode. */
export async function synthesizeCommitted(opts: { preview: boolean }): Promise<Record<StackName, SynthResult>> {
  const files = Object.fromEntries(STACKS.map((s) => [s, stackFileFromConfig(s, yamlConfig(s), join(STACKS_DIR, `Pulumi.${s}.yaml`))])) as Record<StackName, StackFile>;
  return synthesizeMany(files, opts);
}

/** Registrations of one resource type (token such as `aws:s3/bucket:Bucket`). */
export function ofType(result: SynthResult, type: string): Registration[] {
  return result.registrations.filter((r) => r.type === type);
}

/** The single registration of a type with a logical name ending in `suffix`; fails otherwise. */
export function one(result: SynthResult, type: string, suffix: string): Registration {
  const found = ofType(result, type).filter((r) => r.name.endsWith(suffix));
  if (found.length !== 1) throw new Error(`expected one ${type} named *${suffix} in ${result.stack}, found ${found.map((r) => r.name).join(", ") || "none"}`);
  return found[0];
}

/** The parsed JSON of a policy input (fails when it is unknown or not JSON). */
export function policyOf(r: Registration, key = "policy"): PolicyDoc {
  const value = r.inputs[key];
  if (typeof value !== "string") throw new Error(`${r.name}.${key} is not a string: ${JSON.stringify(value)}`);
  return JSON.parse(value) as PolicyDoc;
}

export interface PolicyStatementDoc {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}
export interface PolicyDoc {
  Version: string;
  Statement: PolicyStatementDoc[];
}

/** A string-or-list IAM field as a list. */
export function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Registrations whose parent is `parent`. */
export function childrenOf(result: SynthResult, parent: Registration, type?: string): Registration[] {
  return result.registrations.filter((r) => r.parent === parent.urn && (type === undefined || r.type === type));
}

const taggable = new Map<string, boolean>();
/**
 * Whether an AWS resource type takes `tags`, read from the installed provider SDK (its
 * constructor copies `args.tags` into the inputs exactly when the resource is taggable).
 */
export function isTaggable(type: string): boolean {
  const cached = taggable.get(type);
  if (cached !== undefined) return cached;
  const m = /^aws:([\w]+)\/(\w+):\w+$/.exec(type);
  let result = false;
  if (m) {
    const source = readFileSync(require.resolve(`@pulumi/aws/${m[1]}/${m[2]}.js`, { paths: [REPO_ROOT] }), "utf8");
    result = /resourceInputs\["tags"\] = args/.test(source);
  }
  taggable.set(type, result);
  return result;
}

/** The `sovereign-llm:` config of a committed stack, parsed and validated (defaults filled). */
export async function settingsOf(stack: string) {
  const { parseStackConfig } = await import("../../infra/config.js");
  const { raw, region } = rawConfig(yamlConfig(stack));
  return { region, cfg: parseStackConfig(raw, region) };
}
