/**
 * A set of running packs for one check: start them (in parallel with synthesis), read their
 * analyzer info, validate pack config against every policy's schema, analyze, stop them.
 * Shared by the `check` command, its tests and the mutation table.
 *
 * Two ways to run several packs (CHECK_PACK_PROCESSES):
 *   - "shared" (the default): one process (`pack-host.ts`) loads every pack and serves the union
 *     of their policies; each resource is analyzed once per distinct policy, and every pack gets
 *     the diagnostics of its own policies under its own name and version, with the analyzer info
 *     the pack itself reports. Same SDK, same policy code, a third of the work for three packs.
 *   - "separate": one process per pack, started exactly as the Pulumi CLI starts it.
 * test/tools/check/shared-packs.test.ts holds the two to the same result on every committed stack.
 */
import { PackProcess, analyzeWith, type AnalyzerInfo, type Diagnostic, type NotApplicable, type PackRun } from "./analyzer";
import { effectiveConfig, unknownPolicyNames, type EffectivePolicyConfig, type PackConfigFile } from "./pack-config";
import { packDir } from "./packs";
import type { StartLimits } from "./start-watch";
import { PackError } from "./serve-process";
import { UNION_PACK } from "./pack-host";
import { InputError, type StackFile } from "./stack-file";
import type { SynthResult } from "./synth";

export interface RunningPack {
  /** Directory name under policy-packs/ (= framework). */
  name: string;
  dir: string;
  /** The process that serves this pack; in shared mode, the same for every pack. */
  process: PackProcess;
  info: AnalyzerInfo;
}

export type PackProcesses = "shared" | "separate";

/** The mode from CHECK_PACK_PROCESSES (default shared). */
export function packProcessesFromEnv(env: NodeJS.ProcessEnv = process.env): PackProcesses {
  const v = env.CHECK_PACK_PROCESSES ?? "shared";
  if (v !== "shared" && v !== "separate") throw new InputError(`CHECK_PACK_PROCESSES must be "shared" or "separate", not "${v}"`);
  return v;
}

export interface PendingPacks {
  names: string[];
  /** Resolves once every pack serves and has reported its analyzer info. */
  ready: Promise<RunningPack[]>;
  /** Stops every pack that started (safe to call at any time, more than once). */
  close(): Promise<void>;
}

/**
 * Spawns the packs now and returns at once, so the packs start while the caller synthesizes.
 * Unknown pack names throw InputError before anything is spawned.
 */
export function startPacks(names: string[], opts: { limits?: Partial<StartLimits>; processes?: PackProcesses } = {}): PendingPacks {
  const dirs = names.map((n) => packDir(n));
  const processes = opts.processes ?? packProcessesFromEnv();
  const started: PackProcess[] = [];
  const startSeparate = () =>
    Promise.all(
      names.map(async (name, i) => {
        const process = await PackProcess.start(dirs[i], opts);
        started.push(process);
        return { name, dir: dirs[i], process, info: await process.getAnalyzerInfo() };
      }),
    );
  const startShared = async () => {
    if (names.length === 0) return [];
    const { process, infos } = await PackProcess.startHost(dirs, opts);
    started.push(process);
    return names.map((name, i) => ({ name, dir: dirs[i], process, info: infos[i] }));
  };
  const ready: Promise<RunningPack[]> = processes === "shared" ? startShared() : startSeparate();
  // Failures surface through `ready`; this keeps an unawaited rejection from crashing the process.
  ready.catch(() => undefined);
  return {
    names,
    ready,
    async close() {
      await ready.catch(() => undefined);
      await Promise.all(started.splice(0).map((p) => p.close()));
    },
  };
}

/** Effective config per pack; every problem across all packs is reported at once as InputError. */
export function configure(packs: RunningPack[], file: PackConfigFile): Map<string, EffectivePolicyConfig> {
  const problems = unknownPolicyNames(file, packs.map((p) => p.info));
  const result = new Map<string, EffectivePolicyConfig>();
  for (const p of packs) {
    const { config, problems: mine } = effectiveConfig(p.info, file);
    for (const m of mine) if (!problems.includes(m)) problems.push(m);
    result.set(p.name, config);
  }
  if (problems.length > 0) throw new InputError(`invalid pack config:\n${problems.map((m) => `  - ${m}`).join("\n")}`);
  return result;
}

/**
 * Analyzes the synthesis with every pack: packs with a process of their own in parallel, packs
 * served by one shared process with one analysis of the union, split per pack.
 */
export async function analyzeAll(packs: RunningPack[], configs: Map<string, EffectivePolicyConfig>, synth: SynthResult, file: StackFile | undefined, onDone?: (pack: RunningPack, run: PackRun) => void): Promise<{ pack: string; run: PackRun }[]> {
  const byProcess = new Map<PackProcess, RunningPack[]>();
  for (const p of packs) byProcess.set(p.process, [...(byProcess.get(p.process) ?? []), p]);
  const runs = new Map<RunningPack, PackRun>();
  await Promise.all(
    [...byProcess.entries()].map(async ([process, group]) => {
      if (!process.servesUnion) {
        const [p] = group;
        const run = await analyzeWith(process, p.info, configs.get(p.name)!, synth, file);
        runs.set(p, run);
        onDone?.(p, run);
        return;
      }
      const union = unionOf(group, configs);
      const run = await analyzeWith(process, union.info, union.config, synth, file);
      for (const p of group) {
        const own = splitRun(run, p, configs.get(p.name)!);
        runs.set(p, own);
        onDone?.(p, own);
      }
    }),
  );
  return packs.map((p) => ({ pack: p.name, run: runs.get(p)! }));
}

/** The union's info and config: every policy once, configured as every pack that has it is. */
function unionOf(group: RunningPack[], configs: Map<string, EffectivePolicyConfig>): { info: AnalyzerInfo; config: EffectivePolicyConfig } {
  const config: EffectivePolicyConfig = {};
  const owner: Record<string, string> = {};
  const policies: AnalyzerInfo["policies"] = [];
  for (const p of group) {
    const own = configs.get(p.name)!;
    for (const policy of p.info.policies) {
      const c = own[policy.name];
      if (config[policy.name] === undefined) {
        config[policy.name] = c;
        owner[policy.name] = p.name;
        policies.push(policy);
      } else if (JSON.stringify(config[policy.name]) !== JSON.stringify(c)) {
        throw new PackError(`policy ${policy.name} is configured differently in packs ${owner[policy.name]} and ${p.name}, which one process cannot serve; run them as separate processes (CHECK_PACK_PROCESSES=separate)`);
      }
    }
  }
  return { info: { name: UNION_PACK.name, version: UNION_PACK.version, displayName: "", description: "", policies }, config };
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** One pack's share of a union run: its own policies' results, under its own name and version. */
function splitRun(run: PackRun, pack: RunningPack, config: EffectivePolicyConfig): PackRun {
  const mine = new Set(pack.info.policies.map((p) => p.name));
  const unionRef = `from policy pack '${UNION_PACK.name}@v${UNION_PACK.version}'`;
  const ownRef = `from policy pack '${pack.info.name}@v${pack.info.version}'`;
  // In the pack's own order: per resource (in the order analyzed), then by the pack's policy order,
  // as the pack's own server reports them; a sort is stable, so a policy's reports keep their order.
  const policyIndex = new Map(pack.info.policies.map((p, i) => [p.name, i]));
  const resourceIndex = new Map<string, number>();
  for (const d of run.diagnostics) if (d.phase === "analyze" && !resourceIndex.has(d.urn)) resourceIndex.set(d.urn, resourceIndex.size);
  const key = (d: Diagnostic): number[] => (d.phase === "analyze" ? [0, resourceIndex.get(d.urn)!, policyIndex.get(d.policyName)!] : [1, 0, policyIndex.get(d.policyName)!]);
  const naResource = new Map<string, number>();
  for (const n of run.notApplicable) if (n.urn !== undefined && !naResource.has(n.urn)) naResource.set(n.urn, naResource.size);
  const naKey = (n: NotApplicable): number[] => (n.urn !== undefined ? [0, naResource.get(n.urn)!, policyIndex.get(n.policyName)!] : [1, 0, policyIndex.get(n.policyName)!]);
  const diagnostics: Diagnostic[] = run.diagnostics
    .filter((d) => mine.has(d.policyName))
    .map((d) => ({ ...d, packName: pack.info.name, packVersion: pack.info.version, message: d.message.split(unionRef).join(ownRef) }))
    .sort((a, b) => compare(key(a), key(b)));
  return {
    ...run,
    dir: pack.dir,
    info: pack.info,
    config,
    diagnostics,
    notApplicable: run.notApplicable.filter((n) => mine.has(n.policyName)).sort((a, b) => compare(naKey(a), naKey(b))),
  };
}
