/**
 * Runs a stack's deploy sequence (plan.ts) for real through the Pulumi Automation API: each
 * `pulumi up` with the stack's policy packs and the pack config `npm run check` wrote, the port
 * forward to a private API endpoint opened for the run that needs it; then, on request, a first
 * chat completion through the gateway, verified against the stack's internal CA.
 *
 * Needs the Pulumi CLI, the AWS CLI v2 with the Session Manager plugin, credentials of an admin
 * role, and a stack selected in a backend (`pulumi login`, `pulumi stack init`). Nothing here is
 * simulated: without them it fails, naming what is missing.
 */
import { existsSync } from "node:fs";
import { request } from "node:https";
import { join } from "node:path";
import { LocalWorkspace, type OutputMap, type Stack } from "@pulumi/pulumi/automation";
import { readStackFile, REPO_ROOT } from "../check/stack-file";
import { deployPlan, type DeployPlan } from "./plan";
import { apiEndpointHost, openPortForward, systemNode, type Tunnel } from "./tunnel";

export interface DeployOptions {
  stack: string;
  onOutput?: (text: string) => void;
}

export interface DeployResult {
  plan: DeployPlan;
  outputs: OutputMap;
}

/** The stack's current layer: `none` when it has never been deployed (no outputs). */
async function currentLayer(stack: Stack): Promise<"none" | "deferred" | "applied"> {
  const value = (await stack.outputs()).kubernetesLayer?.value;
  return value === "deferred" || value === "applied" ? value : "none";
}

export async function selectStack(name: string): Promise<Stack> {
  return LocalWorkspace.selectStack({ stackName: name, workDir: REPO_ROOT });
}

/** Deploys `opts.stack` to completion: the runs of its plan, in order. */
export async function deploy(opts: DeployOptions): Promise<DeployResult> {
  const say = opts.onOutput ?? (() => {});
  const file = readStackFile(opts.stack);
  const stack = await selectStack(opts.stack);
  const plan = deployPlan(file, await currentLayer(stack));
  const packConfig = join(REPO_ROOT, plan.policyPackConfig);
  if (!existsSync(packConfig)) throw new Error(`${plan.policyPackConfig} is missing: run \`npm run check -- ${opts.stack}\` first (it must exit 0), and keep its evidence with the change record`);
  const region = file.config["aws:region"];
  if (!region) throw new Error(`stacks/Pulumi.${opts.stack}.yaml has no aws:region`);
  for (const [i, run] of plan.runs.entries()) {
    say(`\n== run ${i + 1} of ${plan.runs.length}: ${run.title}\n`);
    await stack.setConfig("sovereign-llm:deploy.kubernetesLayer", { value: run.kubernetesLayer }, true);
    let tunnel: Tunnel | undefined;
    if (run.apiTunnelPort !== undefined) {
      await stack.setConfig("sovereign-llm:deploy.apiTunnelPort", { value: String(run.apiTunnelPort) }, true);
      const clusterName = String((await stack.outputs()).clusterName?.value ?? "");
      if (!clusterName) throw new Error(`stack ${opts.stack} has no clusterName output: its AWS layer is not deployed`);
      tunnel = await openPortForward({ region, instanceId: await systemNode(region, clusterName), host: await apiEndpointHost(region, clusterName), remotePort: 443, localPort: run.apiTunnelPort, onOutput: (l) => say(`[tunnel] ${l}\n`) });
    }
    try {
      const up = await stack.up({
        policyPacks: plan.policyPacks.map((p) => join(REPO_ROOT, p)),
        policyPackConfigs: plan.policyPacks.map(() => packConfig),
        onOutput: say,
      });
      if (up.summary.result !== "succeeded") throw new Error(`run ${i + 1} (${run.title}) ended ${up.summary.result}`);
    } finally {
      await tunnel?.close();
    }
  }
  return { plan, outputs: await stack.outputs() };
}

export interface AnswerOptions {
  region: string;
  outputs: OutputMap;
  /** OIDC access token or workload API key the gateway accepts. */
  token: string;
  model: string;
  prompt: string;
  /** Local port of the port forward to the load balancer. Default 8444. */
  localPort?: number;
  /** How long a model that is still loading is waited for, ms. Default 30 minutes. */
  waitMs?: number;
  onOutput?: (text: string) => void;
}

function post(port: number, hostname: string, ca: string, token: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, servername: hostname, path: "/v1/chat/completions", method: "POST", ca, headers: { Host: hostname, Authorization: `Bearer ${token}`, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) } },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * One chat completion through the gateway, the way a client on the organisation's network makes
 * it (TLS verified against the stack's CA for `gateway.hostname`), reached from here through a
 * port forward to the internal load balancer. Retries while the model server is still loading
 * (502/503, connection reset) until `waitMs`; any other answer is returned as it is.
 */
export async function firstAnswer(opts: AnswerOptions): Promise<{ status: number; text: string }> {
  const out = (k: string) => String(opts.outputs[k]?.value ?? "");
  const [lb, hostname, ca, clusterName] = [out("gatewayLoadBalancer"), out("gatewayHostname"), out("internalCaCertificate"), out("clusterName")];
  if (!lb) throw new Error("the stack has no gatewayLoadBalancer output: its Kubernetes layer is not applied, or no model is configured");
  const port = opts.localPort ?? 8444;
  const tunnel = await openPortForward({ region: opts.region, instanceId: await systemNode(opts.region, clusterName), host: lb, remotePort: 443, localPort: port, onOutput: (l) => opts.onOutput?.(`[tunnel] ${l}\n`) });
  const body = JSON.stringify({ model: opts.model, messages: [{ role: "user", content: opts.prompt }], max_tokens: 64 });
  const deadline = Date.now() + (opts.waitMs ?? 30 * 60 * 1000);
  try {
    for (;;) {
      let answer: { status: number; text: string } | undefined;
      try {
        answer = await post(port, hostname, ca, opts.token, body);
      } catch (err) {
        if (Date.now() > deadline) throw err;
      }
      if (answer && ![502, 503].includes(answer.status)) return answer;
      if (Date.now() > deadline) return answer ?? { status: 0, text: "no answer" };
      opts.onOutput?.(`model ${opts.model} not ready yet (${answer ? `HTTP ${answer.status}` : "no connection"}); waiting\n`);
      await new Promise((r) => setTimeout(r, 15_000));
    }
  } finally {
    await tunnel.close();
  }
}
