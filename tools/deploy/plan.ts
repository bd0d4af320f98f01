/**
 * The deploy sequence of a stack, as data. Pure: reads a stack file, declares and calls nothing.
 *
 * A stack whose cluster API endpoint is private (`cluster.publicAccessCidrs` empty) cannot have
 * its Kubernetes objects created by the run that creates its VPC and nodes: nothing outside the
 * VPC reaches the endpoint yet, and the Session Manager port forward that does goes through a
 * system node, which that run creates. So its first deploy is two runs of the same program and
 * state: the AWS layer (`deploy.kubernetesLayer: deferred`), then, through the port forward, the
 * Kubernetes layer (`applied` with `deploy.apiTunnelPort`). Once applied, every later deploy is the
 * second run only; `deferred` is never set again, since it would remove the Kubernetes layer.
 * A stack with a public endpoint reachable from the deployer (dev) deploys in one run.
 */
import { join } from "node:path";
import type { StackFile } from "../check/stack-file";

/** The local port the Kubernetes provider connects to when none is configured. */
export const DEFAULT_TUNNEL_PORT = 8443;

export interface DeployRun {
  /** What the run creates, as the operator reads it. */
  title: string;
  kubernetesLayer: "deferred" | "applied";
  /** Local port of the port forward to the API endpoint the run needs open, if any. */
  apiTunnelPort?: number;
}

export interface DeployPlan {
  stack: string;
  /** Whether the cluster API endpoint is reachable only inside the VPC. */
  privateEndpoint: boolean;
  /** Policy pack directories (repository-relative) the stack's compliance list names. */
  policyPacks: string[];
  /** The pack config `npm run check` writes, passed once per pack. */
  policyPackConfig: string;
  /** Runs of `pulumi up`, in order. */
  runs: DeployRun[];
}

function json<T>(file: StackFile, key: string, fallback: T): T {
  const raw = file.config[`sovereign-llm:${key}`];
  if (raw === undefined) return fallback;
  try {
    return JSON.parse(raw) as T;
  } catch {
    return fallback;
  }
}

/**
 * The runs that take `file`'s stack from its current state to a complete platform. `current` is
 * the stack's `kubernetesLayer` output: `none` for a stack never deployed.
 */
export function deployPlan(file: StackFile, current: "none" | "deferred" | "applied", evidenceDir = join("evidence", file.stack)): DeployPlan {
  const cluster = json<{ publicAccessCidrs?: string[] }>(file, "cluster", {});
  const deploy = json<{ apiTunnelPort?: number }>(file, "deploy", {});
  const privateEndpoint = (cluster.publicAccessCidrs ?? []).length === 0;
  const port = deploy.apiTunnelPort ?? DEFAULT_TUNNEL_PORT;
  const aws: DeployRun = { title: "AWS layer: network, keys, buckets, trail, cluster and node groups (Kubernetes layer deferred)", kubernetesLayer: "deferred" };
  const kubernetes: DeployRun = privateEndpoint
    ? { title: `Kubernetes layer, through the port forward to the private API endpoint on 127.0.0.1:${port}`, kubernetesLayer: "applied", apiTunnelPort: port }
    : { title: "the whole platform, the API endpoint reached directly", kubernetesLayer: "applied" };
  return {
    stack: file.stack,
    privateEndpoint,
    policyPacks: json<string[]>(file, "compliance", []).map((p) => join("policy-packs", p)),
    policyPackConfig: join(evidenceDir, "policy-pack-config.json"),
    runs: privateEndpoint && current === "none" ? [aws, kubernetes] : [kubernetes],
  };
}
