/**
 * The machinery of the mutation table (mutations.test.ts): one process per pack, started as the
 * Pulumi CLI starts it and configured once, serving every row over gRPC.
 *
 * A row changes a few resources of a synthesized stack. Analyze is a per-resource call whose
 * answer depends only on that resource's inputs and provider, so the answers for the resources a
 * row did not touch are the baseline's (which the baseline test asserts are clean): a row sends
 * Analyze only for the resources it touched, then AnalyzeStack for the whole mutated stack, which
 * is what a real `pulumi preview` of the mutated program would send for those resources. This
 * keeps the table fast (one Analyze per touched resource, not per resource of the stack).
 */
import { isBlocking } from "../../tools/check/evidence";
import { analyzeRequest, analyzeStackRequest, analyzeWith, providerResolver, type Diagnostic } from "../../tools/check/analyzer";
import { applyMutation, type Mutation } from "../../tools/check/mutate";
import { configure, startPacks, type PendingPacks, type RunningPack } from "../../tools/check/session";
import { stackPackConfig } from "../../tools/check/pack-config";
import { readStackFile, type StackFile } from "../../tools/check/stack-file";
import { synthesize, type Registration, type SynthResult } from "../../tools/check/synth";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";

const UNKNOWN_PREFIX = /^can't run policy '[^']+' from policy pack '[^']+' during preview: /;

/** A mutation limited, optionally, to resources whose name matches `name`. */
export type TargetedMutation = Mutation & { name?: RegExp };

const LEVELS: Record<number, Diagnostic["enforcementLevel"]> = {
  [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
  [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
};

/** The blocking (mandatory, evaluable) diagnostics of one response. */
function blocking(resp: analyzerpb.AnalyzeResponse, urn: string | undefined): Diagnostic[] {
  return resp
    .getDiagnosticsList()
    .map(
      (d): Diagnostic => ({
        policyName: d.getPolicyname(),
        packName: d.getPolicypackname(),
        packVersion: d.getPolicypackversion(),
        description: d.getDescription(),
        message: d.getMessage(),
        enforcementLevel: LEVELS[d.getEnforcementlevel()] ?? "advisory",
        severity: "unspecified",
        urn: d.getUrn() || urn || "",
        phase: urn ? "analyze" : "analyzeStack",
        notEvaluable: UNKNOWN_PREFIX.test(d.getMessage()),
      }),
    )
    .filter(isBlocking);
}

/** Applies `m` to the resources of its type (and, when given, matching `name`); returns the copy and the URNs changed or removed. */
export function mutate(synth: SynthResult, m: TargetedMutation): { synth: SynthResult; touched: string[] } {
  const { name, ...mutation } = m;
  const out = applyMutation(synth, mutation as Mutation);
  if (!name) return out;
  const original = new Map(synth.registrations.map((r) => [r.urn, r]));
  const keep = (urn: string) => name.test(original.get(urn)?.name ?? urn);
  if (mutation.op === "remove") {
    const removed = new Set(out.touched.filter(keep));
    return { synth: { ...out.synth, registrations: structuredClone(synth.registrations).filter((r) => !removed.has(r.urn)) }, touched: [...removed] };
  }
  const registrations = out.synth.registrations.map((r) => (keep(r.urn) ? r : structuredClone(original.get(r.urn)!)));
  return { synth: { ...out.synth, registrations }, touched: out.touched.filter(keep) };
}

export class MutationBench {
  private pending!: PendingPacks;
  packs: RunningPack[] = [];
  readonly files = new Map<string, StackFile>();
  readonly synths = new Map<string, SynthResult>();

  constructor(
    private readonly packNames: string[],
    private readonly stackFor: (pack: string) => string,
  ) {}

  /** Starts the packs (they compile while the stacks synthesize in update mode), configures each once. */
  async start(): Promise<void> {
    // One process per pack: each row asks each pack on its own, as the CLI would run it.
    this.pending = startPacks(this.packNames, { processes: "separate" });
    for (const stack of new Set(this.packNames.map(this.stackFor))) {
      const file = readStackFile(stack);
      const outcome = synthesize(file, { preview: false });
      if (!outcome.ok) throw new Error(`stack ${stack} does not synthesize: ${JSON.stringify(outcome)}`);
      this.files.set(stack, file);
      this.synths.set(stack, outcome.result);
    }
    this.packs = await this.pending.ready;
    // Each pack serves one stack, configured as npm run check configures it for that stack.
    await Promise.all(this.packs.map((p) => p.process.configure(this.configFor(p).get(p.name)!)));
  }

  async stop(): Promise<void> {
    await this.pending?.close();
  }

  /** The pack's config for its stack: what the stack file implies (residency regions, strategies, alarms). */
  private configFor(pack: RunningPack) {
    return configure([pack], stackPackConfig(this.files.get(this.stackFor(pack.name))!.config, {}));
  }

  pack(name: string): RunningPack {
    const p = this.packs.find((x) => x.name === name);
    if (!p) throw new Error(`pack ${name} is not running`);
    return p;
  }

  /** The full check of an unmutated stack (every resource analysed), as `npm run check` runs it. */
  async baseline(name: string): Promise<Diagnostic[]> {
    const pack = this.pack(name);
    const stack = this.stackFor(name);
    const run = await analyzeWith(pack.process, pack.info, this.configFor(pack).get(name)!, this.synths.get(stack)!, this.files.get(stack)!);
    return run.diagnostics.filter(isBlocking);
  }

  /** Blocking diagnostics of pack `name` over a mutated stack whose changed resources are `touched`. */
  async blockingFor(name: string, synth: SynthResult, touched: string[]): Promise<Diagnostic[]> {
    const pack = this.pack(name);
    const file = this.files.get(this.stackFor(name))!;
    const resolve = providerResolver(synth, file);
    const changed = new Set(touched);
    const targets: Registration[] = synth.registrations.filter((r) => changed.has(r.urn) && !r.type.startsWith("pulumi:providers:"));
    const perResource = await Promise.all(targets.map(async (r) => blocking(await pack.process.analyze(analyzeRequest(r, resolve(r))), r.urn)));
    const stack = blocking(await pack.process.analyzeStack(analyzeStackRequest(synth, resolve)), undefined);
    return [...perResource.flat(), ...stack];
  }
}
