/**
 * The cost model of a synthesized stack: priced line items at the node groups' minimum, desired
 * and maximum sizes, the cost of serving a given load (replicas from published throughput, nodes
 * from replicas), cost per million tokens at that load, and the break-even against API prices.
 */
import type { Registration } from "../check/synth";
import type { ApiPrice, PriceBook } from "./prices";
import { instanceTypeOf, nodeCounts, priceRegistrations, VolumeInvariantLines, type LineItem, type RuleContext, type Scaled } from "./rules";
import { modelClassOf, replicaThroughput, replicasFor, type ReplicaThroughput, type ThroughputTable } from "./throughput";
import { atVolume, DAYS_PER_MONTH, type Usage } from "./usage";

type Json = Record<string, unknown>;

export interface NodeGroupInfo {
  name: string;
  instanceType?: string;
  gpu?: string;
  gpusPerNode: number;
  capacityType: string;
  nodes: Scaled;
  /** Monthly price of one GPU of this group (instance price / GPUs per node), when priced. */
  gpuMonthlyUsd?: number;
}

export interface ModelInfo {
  name: string;
  nodeGroup: string;
  gpusPerReplica: number;
  /** Replicas the model always runs: the Deployment's, or KEDA's floor when it autoscales. */
  replicas: number;
  /** Most replicas the group's maximum size holds (other models on the group ignored), or KEDA's ceiling if lower. */
  maxReplicas: number;
  modelClass?: string;
  throughput?: ReplicaThroughput;
  /** Why no throughput applies, when none does. */
  throughputMissing?: string;
}

export interface StackCost {
  region: string;
  lines: LineItem[];
  total: Scaled;
  missing: LineItem[];
  nodeGroups: NodeGroupInfo[];
  models: ModelInfo[];
}

function sum(lines: LineItem[], pick: (s: Scaled) => number): number {
  return lines.reduce((acc, l) => acc + (l.monthly ? pick(l.monthly) : 0), 0);
}

export function nodeGroupsOf(regs: Registration[], ctx: RuleContext): NodeGroupInfo[] {
  return regs
    .filter((r) => r.custom && r.type === "aws:eks/nodeGroup:NodeGroup")
    .map((r) => {
      const i = r.inputs as Json;
      const name = String(i.nodeGroupName ?? r.name);
      const type = instanceTypeOf(r, ctx);
      const gpuInfo = type ? ctx.book.gpuInstance(type) : undefined;
      const capacityType = String(i.capacityType ?? "ON_DEMAND");
      const key = capacityType === "CAPACITY_BLOCK" ? `ec2-capacity-block:${type}` : `ec2:${type}`;
      const price = type ? ctx.book.lookup(key, ctx.region) : undefined;
      const gpusPerNode = gpuInfo?.gpuCount ?? 0;
      return {
        name,
        instanceType: type,
        gpu: gpuInfo?.gpu,
        gpusPerNode,
        capacityType,
        nodes: nodeCounts(r, { ...ctx, nodesOverride: undefined }),
        gpuMonthlyUsd: price && gpusPerNode > 0 ? (price.usd * ctx.book.hoursPerMonth) / gpusPerNode : undefined,
      };
    });
}

/**
 * The replica bounds KEDA keeps for a Deployment it scales: such a Deployment declares no
 * `replicas` (the HPA owns the count), so the floor and ceiling are the ScaledObject's.
 */
export function scaledReplicas(regs: Registration[], deploymentName: string): { min: number; max: number } | undefined {
  for (const r of regs) {
    if (r.type !== "kubernetes:keda.sh/v1alpha1:ScaledObject") continue;
    const spec = ((r.inputs as Json).spec ?? {}) as Json;
    if ((spec.scaleTargetRef as Json | undefined)?.name !== deploymentName) continue;
    // KEDA's defaults when a bound is not written: 0 and 100.
    return { min: typeof spec.minReplicaCount === "number" ? spec.minReplicaCount : 0, max: typeof spec.maxReplicaCount === "number" ? spec.maxReplicaCount : 100 };
  }
  return undefined;
}

/** Replicas that serve a demand: a model scaled to zero is woken by its first request. */
const floorAt = (m: ModelInfo, demand: number) => Math.max(m.replicas, demand > 0 ? 1 : 0);

export function modelsOf(regs: Registration[], groups: NodeGroupInfo[], table: ThroughputTable): ModelInfo[] {
  const out: ModelInfo[] = [];
  for (const r of regs) {
    if (!r.custom || r.type !== "kubernetes:apps/v1:Deployment") continue;
    const i = r.inputs as Json;
    const meta = (i.metadata ?? {}) as Json;
    const labels = (meta.labels ?? {}) as Record<string, string>;
    if (labels["app.kubernetes.io/component"] !== "model-server") continue;
    const spec = (i.spec ?? {}) as Json;
    const pod = ((spec.template as Json | undefined)?.spec ?? {}) as Json;
    const containers = (pod.containers ?? []) as { resources?: { limits?: Record<string, string> } }[];
    const gpus = containers.reduce((n, c) => n + Number(c.resources?.limits?.["nvidia.com/gpu"] ?? 0), 0);
    const group = String(((pod.nodeSelector ?? {}) as Record<string, string>)["sovereign-llm/node-group"] ?? "");
    const name = labels["app.kubernetes.io/instance"] ?? r.name;
    const g = groups.find((x) => x.name === group);
    const modelClass = modelClassOf(name);
    const scaled = typeof spec.replicas === "number" ? undefined : scaledReplicas(regs, String(meta.name ?? ""));
    const capacity = g && gpus > 0 ? Math.floor((g.nodes.max * g.gpusPerNode) / gpus) : 0;
    const info: ModelInfo = {
      name,
      nodeGroup: group,
      gpusPerReplica: gpus,
      replicas: typeof spec.replicas === "number" ? spec.replicas : (scaled?.min ?? 1),
      maxReplicas: scaled ? Math.min(capacity, scaled.max) : capacity,
      modelClass,
    };
    if (!modelClass) info.throughputMissing = `the model class (parameter count) cannot be read from the name "${name}"`;
    else if (!g?.gpu) info.throughputMissing = `node group "${group}" has no known GPU type`;
    else {
      info.throughput = replicaThroughput(table, modelClass, g.gpu, gpus);
      if (!info.throughput) info.throughputMissing = `no published vLLM measurement of a ${modelClass} model on ${gpus} x ${g.gpu} in the committed table (add one to tools/cost/data/throughput.json)`;
    }
    out.push(info);
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

export interface CostInputs {
  regs: Registration[];
  region: string;
  book: PriceBook;
  table: ThroughputTable;
  usage: Usage;
}

/** The declared stack, priced at the node groups' minimum, desired and maximum sizes. */
export function priceStack(inp: CostInputs): StackCost {
  const ctx: RuleContext = { region: inp.region, book: inp.book, usage: inp.usage, byUrn: new Map(inp.regs.map((r) => [r.urn, r])), all: inp.regs };
  const lines = priceRegistrations(inp.regs, ctx);
  const nodeGroups = nodeGroupsOf(inp.regs, ctx);
  return {
    region: inp.region,
    lines,
    total: { min: sum(lines, (s) => s.min), desired: sum(lines, (s) => s.desired), max: sum(lines, (s) => s.max) },
    missing: lines.filter((l) => l.missing),
    nodeGroups,
    models: modelsOf(inp.regs, nodeGroups, inp.table),
  };
}

export interface LoadCost {
  tokensPerDay: number;
  monthlyUsd: number;
  /** False when some model cannot keep up even at its group's maximum size. */
  fits: boolean;
  replicas: Record<string, number>;
  nodes: Record<string, number>;
}

const invariantLines = new WeakMap<CostInputs, VolumeInvariantLines>();

/** The volume-independent lines of a stack's pricing, kept while its inputs are in use. */
function invariantLinesOf(inp: CostInputs): VolumeInvariantLines {
  let kept = invariantLines.get(inp);
  if (!kept || kept.regs !== inp.regs || kept.region !== inp.region || kept.book !== inp.book) {
    kept = new VolumeInvariantLines(inp.regs, inp.region, inp.book);
    invariantLines.set(inp, kept);
  }
  return kept;
}

/**
 * What the stack costs a month serving `tokensPerDay` (split evenly across its models): each
 * model gets the replicas its throughput needs (at least those declared), each GPU group the
 * nodes those replicas need (at least its minimum; bin packing by GPU count), and every usage
 * line follows the volume.
 */
export function costAtVolume(inp: CostInputs, base: StackCost, tokensPerDay: number): LoadCost {
  const usage = atVolume(inp.usage, tokensPerDay);
  const models = base.models;
  const demandPerModel = models.length > 0 ? (usage.requestsPerSecond * usage.completionTokens) / models.length : 0;
  let fits = true;
  const replicas: Record<string, number> = {};
  const gpus: Record<string, number> = {};
  for (const m of models) {
    const r = m.throughput ? replicasFor(m.throughput, demandPerModel, m.replicas, Math.max(m.replicas, m.maxReplicas)) : { replicas: floorAt(m, demandPerModel), fits: true };
    fits &&= r.fits;
    replicas[m.name] = r.replicas;
    gpus[m.nodeGroup] = (gpus[m.nodeGroup] ?? 0) + r.replicas * m.gpusPerReplica;
  }
  const nodes: Record<string, number> = {};
  for (const g of base.nodeGroups) {
    const need = g.gpusPerNode > 0 ? Math.ceil((gpus[g.name] ?? 0) / g.gpusPerNode) : 0;
    nodes[g.name] = Math.min(Math.max(g.nodes.min, need, g.gpusPerNode > 0 ? 0 : g.nodes.desired), Math.max(g.nodes.max, g.nodes.min));
    if (need > g.nodes.max) fits = false;
  }
  const ctx: RuleContext = { region: inp.region, book: inp.book, usage, byUrn: new Map(inp.regs.map((r) => [r.urn, r])), all: inp.regs, nodesOverride: nodes };
  const lines = priceRegistrations(inp.regs, ctx, invariantLinesOf(inp));
  return { tokensPerDay, monthlyUsd: sum(lines, (s) => s.desired), fits, replicas, nodes };
}

/** Monthly cost of `tokensPerDay` at an API's list prices, for the usage's request shape. */
export function apiMonthly(api: ApiPrice, usage: Usage, tokensPerDay: number): number {
  const p = usage.promptTokens;
  const c = usage.completionTokens;
  const perToken = (p * api.inputUsdPerMTok + c * api.outputUsdPerMTok) / (p + c) / 1e6;
  return tokensPerDay * DAYS_PER_MONTH * perToken;
}

export interface BreakEven {
  api: ApiPrice;
  /** Daily tokens above which the stack is cheaper; undefined when it never is within capacity. */
  tokensPerDay?: number;
  reason?: string;
}

/** Log-spaced volumes from 10^3 to 10^12 tokens a day. */
export function volumeGrid(steps = 360): number[] {
  return Array.from({ length: steps + 1 }, (_, i) => 10 ** (3 + (9 * i) / steps));
}

/**
 * The smallest daily volume at which `cost(v) <= api(v)`: scanned on a log grid, then narrowed
 * by bisection between the last grid point where the API was cheaper and the first where it was
 * not. `cost` returns undefined where the stack cannot serve the volume.
 */
export function breakEven(cost: (v: number) => number | undefined, api: (v: number) => number): { tokensPerDay?: number; capacityReached: boolean } {
  const grid = volumeGrid();
  let prev: number | undefined;
  for (const v of grid) {
    const c = cost(v);
    if (c === undefined) return { capacityReached: true };
    if (api(v) >= c) {
      if (prev === undefined) return { tokensPerDay: v, capacityReached: false };
      let lo = prev;
      let hi = v;
      for (let i = 0; i < 60; i++) {
        const mid = Math.sqrt(lo * hi);
        const cm = cost(mid);
        if (cm !== undefined && api(mid) >= cm) hi = mid;
        else lo = mid;
      }
      return { tokensPerDay: hi, capacityReached: false };
    }
    prev = v;
  }
  return { capacityReached: false };
}

/** Monthly cost of one model at its share of a volume: its own GPUs plus an even share of the rest. */
export function modelCostFn(inp: CostInputs, base: StackCost, m: ModelInfo): (tokensPerDay: number) => number | undefined {
  const group = base.nodeGroups.find((g) => g.name === m.nodeGroup);
  const gpuGroupsMin = base.lines.filter((l) => l.nodeGroup && base.nodeGroups.find((g) => g.name === l.nodeGroup)?.gpusPerNode);
  const platform = base.total.min - sum(gpuGroupsMin, (s) => s.min);
  const share = platform / Math.max(1, base.models.length);
  return (tokensPerDay) => {
    const usage = atVolume(inp.usage, tokensPerDay);
    const demand = usage.requestsPerSecond * usage.completionTokens;
    let n = floorAt(m, demand);
    if (m.throughput) {
      const r = replicasFor(m.throughput, demand, m.replicas, Math.max(m.replicas, m.maxReplicas));
      if (!r.fits) return undefined;
      n = r.replicas;
    }
    return n * m.gpusPerReplica * (group?.gpuMonthlyUsd ?? 0) + share;
  };
}
