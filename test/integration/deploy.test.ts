/**
 * Real deployment through the Pulumi Automation API, in the sequence the README documents:
 * `npm run check`, the deploy plan's runs (for a private-endpoint stack: the AWS layer, then the
 * Kubernetes layer through a Session Manager port forward), a model published, a first chat
 * completion through the gateway verified against the stack's CA, then destroy. Each test skips,
 * saying why, when what it needs is missing (reported as skipped, never as passed).
 *
 *   SOVEREIGN_LLM_STACK=staging npm test -- test/integration        # preview with the stack's packs
 *   SOVEREIGN_LLM_INTEGRATION_UP=1 ...                              # also the deploy sequence, then destroy
 *   SOVEREIGN_LLM_MODEL=<name> SOVEREIGN_LLM_MODEL_DIR=<signed weights> SOVEREIGN_LLM_TOKEN=<token> ...
 *                                                                   # and a first answer
 *
 * The stack must exist in a backend (`pulumi login`, `pulumi stack init`, see the README); the
 * run changes its deploy.* config as the sequence does, and restores the stack file afterwards.
 */
import { after, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { LocalWorkspace, type OutputMap } from "@pulumi/pulumi/automation";
import { readStackFile, REPO_ROOT, STACKS_DIR } from "../../tools/check/stack-file";
import { main as check } from "../../tools/check/cli";
import { runPublishCli } from "../../tools/model-signing/publish-cli";
import { deploy, firstAnswer, selectStack } from "../../tools/deploy/run";

function missingPrerequisite(): string | undefined {
  const cli = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (cli.error || cli.status !== 0) return "no Pulumi CLI on PATH";
  const aws = spawnSync("aws", ["--version"], { encoding: "utf8" });
  if (aws.error || aws.status !== 0) return "no AWS CLI on PATH (the port forwards need it and its Session Manager plugin)";
  const env = process.env;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  if (!hasCredentials) return "no AWS credentials in the environment";
  return undefined;
}

const stackName = process.env.SOVEREIGN_LLM_STACK ?? "dev";
const skip = missingPrerequisite();
const skipUp = skip ?? (process.env.SOVEREIGN_LLM_INTEGRATION_UP === "1" ? undefined : "SOVEREIGN_LLM_INTEGRATION_UP is not 1");
const answerNeeds = ["SOVEREIGN_LLM_MODEL", "SOVEREIGN_LLM_MODEL_DIR", "SOVEREIGN_LLM_TOKEN"].filter((k) => !process.env[k]);
const skipAnswer = skipUp ?? (answerNeeds.length > 0 ? `${answerNeeds.join(", ")} not set` : undefined);
const log = (text: string) => process.stderr.write(text);
const stackPath = join(STACKS_DIR, `Pulumi.${stackName}.yaml`);

describe(`integration: stack ${stackName} against AWS`, () => {
  let deployed: OutputMap | undefined;
  const original = readFileSync(stackPath, "utf8");
  after(async () => {
    if (skipUp) return;
    try {
      const stack = await selectStack(stackName);
      await stack.destroy({ onOutput: log });
    } finally {
      writeFileSync(stackPath, original);
    }
  });

  it("previews with every policy pack the stack names and no mandatory violation", { skip }, async () => {
    const file = readStackFile(stackName);
    const packs = JSON.parse(file.config["sovereign-llm:compliance"] ?? "[]") as string[];
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: REPO_ROOT });
    const preview = await stack.preview({ policyPacks: packs.map((p) => join(REPO_ROOT, "policy-packs", p)), diff: false });
    assert.ok((preview.changeSummary.create ?? 0) + (preview.changeSummary.same ?? 0) > 100, "the program declares the platform");
  });

  it("deploys in the documented sequence: check, then each run of the plan, ending with the Kubernetes layer applied", { skip: skipUp }, async () => {
    const code = await check([stackName], { stdout: log, stderr: log, isTTY: false });
    assert.equal(code, 0, "npm run check must pass before a deploy");
    const { plan, outputs } = await deploy({ stack: stackName, onOutput: log });
    assert.equal(outputs.kubernetesLayer?.value, "applied");
    assert.match(String(outputs.clusterName?.value), /^sovereign-llm-/);
    assert.ok(String(outputs.gatewayLoadBalancer?.value ?? "").length > 0, "the gateway's load balancer exists");
    assert.ok(String(outputs.gatewayZoneId?.value ?? "").length > 0, "gateway.hostname has its private hosted zone");
    if (plan.privateEndpoint) assert.equal(plan.runs.length, 2, "a private-endpoint stack deploys in two runs the first time");
    deployed = outputs;
  });

  it("publishes a signed model and gets a first chat completion through the gateway, TLS verified against the stack's CA", { skip: skipAnswer }, async () => {
    assert.ok(deployed, "the deploy test ran first and succeeded");
    const model = process.env.SOVEREIGN_LLM_MODEL!;
    const published = await runPublishCli([stackName, model, process.env.SOVEREIGN_LLM_MODEL_DIR!], { out: (l) => log(`${l}\n`), err: (l) => log(`${l}\n`) });
    assert.equal(published, 0, "model:publish succeeded");
    const region = readStackFile(stackName).config["aws:region"] ?? "";
    const answer = await firstAnswer({ region, outputs: deployed, token: process.env.SOVEREIGN_LLM_TOKEN!, model, prompt: "Say hello in one word.", onOutput: log });
    assert.equal(answer.status, 200, answer.text);
    const content = (JSON.parse(answer.text) as { choices?: { message?: { content?: string } }[] }).choices?.[0]?.message?.content ?? "";
    assert.ok(content.trim().length > 0, `an answer: ${answer.text}`);
  });
});
