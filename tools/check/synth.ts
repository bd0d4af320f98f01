/**
 * Offline synthesis: runs the Pulumi program under mocks and records every resource
 * registration with its options and raw (wire-format) inputs, including unknown and secret
 * markers, which is what the engine would hand a policy pack.
 *
 * Pulumi's runtime state is global per process, so syntheses run in a child process
 * (`synthesize`, `synthesizeEach`), each in its own Pulumi state; `synthesizeInProcess` is what
 * that child runs (`synth-worker.ts`).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT, type StackFile } from "./stack-file";
import type { WorkerRequest } from "./synth-worker";

export interface Registration {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** Parent URN ('' for top-level resources). */
  parent: string;
  /** Provider reference (`urn::id`) or ''. */
  provider: string;
  id: string;
  protect: boolean;
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  ignoreChanges: string[];
  dependencies: string[];
  propertyDependencies: Record<string, string[]>;
  additionalSecretOutputs: string[];
  /** Inputs exactly as sent to the engine (unknowns as the unknown sentinel, secrets wrapped). */
  inputs: Record<string, unknown>;
  /** State returned by the (mock) provider, wire format. */
  outputs: Record<string, unknown>;
}

export interface SynthResult {
  stack: string;
  project: string;
  preview: boolean;
  registrations: Registration[];
  stackOutputs: Record<string, unknown>;
}

export type SynthOutcome = { ok: true; result: SynthResult } | { ok: false; kind: "config"; problems: string[] } | { ok: false; kind: "program"; message: string };

export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const PROGRAM = join(REPO_ROOT, "infra", "index.ts");

/** The account the mocks report: the account of the first admin role, so policies see one account. */
function mockAccount(file: StackFile): string {
  try {
    const access = JSON.parse(file.config["sovereign-llm:access"] ?? "{}") as { adminRoleArns?: string[] };
    const m = /^arn:aws[\w-]*:iam::(\d{12}):/.exec(access.adminRoleArns?.[0] ?? "");
    if (m) return m[1];
  } catch {
    // fall through to the documentation account
  }
  return "123456789012";
}

/** Options of a synthesis. `absentRoles`: role ARNs the mock account lacks (tests of the missing-role path). */
export interface SynthOptions {
  preview: boolean;
  project?: string;
  program?: string;
  absentRoles?: string[];
  /** Endpoint services the mock account does not offer in some zones: service → zone IDs. */
  unofferedZoneIds?: Record<string, string[]>;
}

/**
 * The roles the mock account holds: every role the stack's access block names (an account that
 * deploys the stack has created them), the Auto Scaling service-linked role (present in any
 * account that has used Auto Scaling), and the deployer's own; minus `absent`.
 */
export function mockRoles(file: StackFile, accountId: string, partition: string, absent: readonly string[] = []): string[] {
  let access: { adminRoleArns?: string[]; readOnlyRoleArns?: string[]; breakGlassRoleArns?: string[] } = {};
  try {
    access = JSON.parse(file.config["sovereign-llm:access"] ?? "{}");
  } catch {
    // invalid config is reported by the program itself
  }
  const roles = [
    ...(access.adminRoleArns ?? []),
    ...(access.readOnlyRoleArns ?? []),
    ...(access.breakGlassRoleArns ?? []),
    `arn:${partition}:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
    `arn:${partition}:iam::${accountId}:role/deployer`,
  ];
  return [...new Set(roles)].filter((r) => !absent.includes(r));
}

export async function synthesizeInProcess(file: StackFile, opts: SynthOptions): Promise<SynthOutcome> {
  // Required here so that merely loading this module (for types) does not start a runtime.
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  // Internal module of the SDK: the monitor to wrap, and the wait for outstanding registrations.
  const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): unknown; waitForRPCs(): Promise<void> };
  const { createMocks } = require("./mocks") as typeof import("./mocks");
  const project = opts.project ?? "sovereign-llm";
  const region = file.config["aws:region"] ?? "us-east-1";
  const partition = region.startsWith("us-gov-") ? "aws-us-gov" : "aws";
  pulumi.runtime.setAllConfig(file.config, file.secretKeys);
  const accountId = mockAccount(file);
  const roles = mockRoles(file, accountId, partition, opts.absentRoles);
  await pulumi.runtime.setMocks(createMocks({ accountId, region, partition, preview: opts.preview, roles, unofferedZoneIds: opts.unofferedZoneIds }), project, file.stack, opts.preview);

  const registrations: Registration[] = [];
  const monitor = settings.getMonitor() as unknown as { registerResource: (req: any, cb: (err: unknown, resp: any) => void) => void };
  const original = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
    original(req, (err: unknown, resp: any) => {
      if (!err && resp) {
        const propertyDependencies: Record<string, string[]> = {};
        req.getPropertydependenciesMap().forEach((deps: any, key: string) => {
          propertyDependencies[key] = deps.getUrnsList();
        });
        registrations.push({
          urn: resp.getUrn(),
          type: req.getType(),
          name: req.getName(),
          custom: req.getCustom(),
          parent: req.getParent(),
          provider: req.getProvider(),
          id: resp.getId(),
          protect: req.getProtect() ?? false,
          retainOnDelete: req.getRetainondelete() ?? false,
          deleteBeforeReplace: req.getDeletebeforereplace(),
          ignoreChanges: req.getIgnorechangesList(),
          dependencies: req.getDependenciesList(),
          propertyDependencies,
          additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
          inputs: req.getObject()?.toJavaScript() ?? {},
          outputs: resp.getObject()?.toJavaScript() ?? {},
        });
      }
      callback(err, resp);
    });
  };

  let stackOutputs: Record<string, unknown> = {};
  try {
    const program = opts.program ?? PROGRAM;
    const outputs = await pulumi.runtime.runInPulumiStack(async () => require(program));
    stackOutputs = (outputs as Record<string, unknown>) ?? {};
    await settings.waitForRPCs();
  } catch (err) {
    const e = err as Error & { problems?: string[] };
    if (e.name === "ConfigError" && Array.isArray(e.problems)) return { ok: false, kind: "config", problems: e.problems };
    return { ok: false, kind: "program", message: e.stack ?? String(e) };
  }
  return { ok: true, result: { stack: file.stack, project, preview: opts.preview, registrations, stackOutputs: JSON.parse(JSON.stringify(stackOutputs, (_k, v) => (v === undefined ? null : v))) } };
}

/**
 * The command line of the synthesis worker: plain Node with the project's TypeScript loader
 * (`ts-require.ts`), source maps only when asked for (a failed program is re-run with them, so
 * its stack trace names TypeScript lines without every successful run paying for them).
 * `output` is a directory: the worker writes the outcome of its i-th run to `<output>/<i>.json`.
 */
export function synthWorkerArgv(input: string, output: string, opts: { sourceMaps?: boolean } = {}): string[] {
  return [...(opts.sourceMaps ? ["--enable-source-maps"] : []), "--require", join(__dirname, "dist", "ts-require.js"), join(__dirname, "synth-worker.ts"), input, output];
}

type RunOptions = Omit<SynthOptions, "project">;

function workerRequest(file: StackFile, runs: RunOptions[], diagnostic: boolean): { dir: string; input: string; output: string } {
  const dir = mkdtempSync(join(tmpdir(), "sovereign-synth-"));
  const input = join(dir, "input.json");
  const output = join(dir, "out");
  mkdirSync(output);
  const request: WorkerRequest = { file, runs, diagnostic };
  writeFileSync(input, JSON.stringify(request));
  return { dir, input, output };
}

function readOutcome(output: string, i: number): SynthOutcome | undefined {
  try {
    return JSON.parse(readFileSync(join(output, `${i}.json`), "utf8")) as SynthOutcome;
  } catch {
    return undefined;
  }
}

/**
 * One worker process runs `runs` in turn; the i-th promise resolves as soon as the i-th outcome is
 * written (the worker announces it over IPC; the file is what counts, read again when the
 * process ends in case an announcement was lost to the exit).
 */
function runWorker(file: StackFile, runs: RunOptions[], diagnostic: boolean, env: NodeJS.ProcessEnv): Promise<SynthOutcome>[] {
  const { dir, input, output } = workerRequest(file, runs, diagnostic);
  const settle = runs.map(() => {
    let resolve!: (o: SynthOutcome) => void;
    const promise = new Promise<SynthOutcome>((r) => (resolve = r));
    return { promise, resolve, done: false };
  });
  const deliver = (i: number, outcome: SynthOutcome) => {
    if (settle[i].done) return;
    settle[i].done = true;
    settle[i].resolve(outcome);
  };
  const child = spawn(process.execPath, synthWorkerArgv(input, output, { sourceMaps: diagnostic }), { cwd: REPO_ROOT, env, stdio: ["ignore", "pipe", "pipe", "ipc"] });
  let log = "";
  child.stdout!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.stderr!.setEncoding("utf8").on("data", (d: string) => (log += d));
  child.on("message", (i) => {
    const outcome = typeof i === "number" && i >= 0 && i < runs.length ? readOutcome(output, i) : undefined;
    if (outcome) deliver(i as number, outcome);
  });
  child.on("error", (err) => (log += `${err.message}\n`));
  child.on("close", (code, signal) => {
    runs.forEach((_, i) => deliver(i, readOutcome(output, i) ?? { ok: false, kind: "program", message: `synthesis process failed (${signal ?? `exit ${code}`}):\n${log}` }));
    rmSync(dir, { recursive: true, force: true });
  });
  return settle.map((s) => s.promise);
}

/** A program that failed is run again, alone, with source maps and source positions, for its message. */
function withDiagnostics(file: StackFile, opts: RunOptions, env: NodeJS.ProcessEnv) {
  return (outcome: SynthOutcome): Promise<SynthOutcome> | SynthOutcome => (!outcome.ok && outcome.kind === "program" ? runWorker(file, [opts], true, env)[0] : outcome);
}

/**
 * Runs several syntheses of one stack file (preview and update mode, say) in one child process,
 * without blocking the event loop, and returns a promise per synthesis that resolves as soon as
 * that one is done: packs started before come up meanwhile, and the first outcome can be used
 * while the next is computed.
 */
export function synthesizeEach(file: StackFile, runs: RunOptions[], env: NodeJS.ProcessEnv = process.env): Promise<SynthOutcome>[] {
  return runWorker(file, runs, false, env).map((p, i) => p.then(withDiagnostics(file, runs[i], env)));
}

/** One synthesis in a child process (see `synthesizeEach`). */
export async function synthesizeAsync(file: StackFile, opts: RunOptions, env: NodeJS.ProcessEnv = process.env): Promise<SynthOutcome> {
  return synthesizeEach(file, [opts], env)[0];
}

function runWorkerSync(file: StackFile, opts: RunOptions, diagnostic: boolean): SynthOutcome {
  const { dir, input, output } = workerRequest(file, [opts], diagnostic);
  try {
    const child = spawnSync(process.execPath, synthWorkerArgv(input, output, { sourceMaps: diagnostic }), { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    return readOutcome(output, 0) ?? { ok: false, kind: "program", message: `synthesis process failed (exit ${child.status}):\n${child.stderr}${child.stdout}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `synthesizeAsync`, blocking: for callers that have nothing else to do meanwhile. */
export function synthesize(file: StackFile, opts: RunOptions): SynthOutcome {
  const outcome = runWorkerSync(file, opts, false);
  if (!outcome.ok && outcome.kind === "program") return runWorkerSync(file, opts, true);
  return outcome;
}

/** Inputs with secrets unwrapped and unknowns kept as the UNKNOWN sentinel: handy in tests. */
export function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === SECRET_SIG) return plain(obj.value);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}
