/**
 * A set of running packs for one check: start them (in parallel with synthesis), read their
 * analyzer info, validate pack config against every policy's schema, analyze, stop them.
 * Shared by the `check` command, its tests and the mutation table.
 */
import { PackProcess, analyzeWith, type AnalyzerInfo, type PackRun } from "./analyzer";
import { effectiveConfig, unknownPolicyNames, type EffectivePolicyConfig, type PackConfigFile } from "./pack-config";
import { packDir } from "./packs";
import type { StartLimits } from "./start-watch";
import { InputError, type StackFile } from "./stack-file";
import type { SynthResult } from "./synth";

export interface RunningPack {
  /** Directory name under policy-packs/ (= framework). */
  name: string;
  dir: string;
  process: PackProcess;
  info: AnalyzerInfo;
}

export interface PendingPacks {
  names: string[];
  /** Resolves once every pack serves and has reported its analyzer info. */
  ready: Promise<RunningPack[]>;
  /** Stops every pack that started (safe to call at any time, more than once). */
  close(): Promise<void>;
}

/**
 * Spawns the packs now and returns at once, so the packs compile while the caller synthesizes.
 * Unknown pack names throw InputError before anything is spawned.
 */
export function startPacks(names: string[], opts: { limits?: Partial<StartLimits> } = {}): PendingPacks {
  const dirs = names.map((n) => packDir(n));
  const started: PackProcess[] = [];
  const ready = Promise.all(
    names.map(async (name, i) => {
      const process = await PackProcess.start(dirs[i], opts);
      started.push(process);
      return { name, dir: dirs[i], process, info: await process.getAnalyzerInfo() };
    }),
  );
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

/** Analyzes the synthesis with every pack (in parallel: each pack is its own process). */
export async function analyzeAll(packs: RunningPack[], configs: Map<string, EffectivePolicyConfig>, synth: SynthResult, file: StackFile | undefined, onDone?: (pack: RunningPack, run: PackRun) => void): Promise<{ pack: string; run: PackRun }[]> {
  return Promise.all(
    packs.map(async (p) => {
      const run = await analyzeWith(p.process, p.info, configs.get(p.name)!, synth, file);
      onDone?.(p, run);
      return { pack: p.name, run };
    }),
  );
}
