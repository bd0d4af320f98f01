/**
 * Real deployment checks through the Pulumi Automation API. They need the Pulumi CLI and AWS
 * credentials, and skip (reported as skipped, never as passed) when either is missing.
 *
 *   SOVEREIGN_LLM_STACK=dev npm test -- test/integration            # preview with the stack's packs
 *   SOVEREIGN_LLM_INTEGRATION_UP=1 ...                              # also up, then destroy
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { readStackFile, REPO_ROOT } from "../../tools/check/stack-file";

function missingPrerequisite(): string | undefined {
  const cli = spawnSync("pulumi", ["version"], { encoding: "utf8" });
  if (cli.error || cli.status !== 0) return "no Pulumi CLI on PATH";
  const env = process.env;
  const hasCredentials = Boolean(env.AWS_ACCESS_KEY_ID || env.AWS_PROFILE || env.AWS_WEB_IDENTITY_TOKEN_FILE || env.AWS_CONTAINER_CREDENTIALS_FULL_URI);
  if (!hasCredentials) return "no AWS credentials in the environment";
  return undefined;
}

const stackName = process.env.SOVEREIGN_LLM_STACK ?? "dev";
const skip = missingPrerequisite();

// Each test carries the skip (not the suite), so a run without AWS reports them as skipped.
describe(`integration: stack ${stackName} against AWS`, () => {
  it("previews with every policy pack the stack names and no mandatory violation", { skip }, async () => {
    const file = readStackFile(stackName);
    const packs = JSON.parse(file.config["sovereign-llm:compliance"] ?? "[]") as string[];
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: REPO_ROOT });
    const preview = await stack.preview({ policyPacks: packs.map((p) => join(REPO_ROOT, "policy-packs", p)), diff: false });
    assert.ok((preview.changeSummary.create ?? 0) + (preview.changeSummary.same ?? 0) > 100, "the program declares the platform");
  });

  it("deploys and destroys when SOVEREIGN_LLM_INTEGRATION_UP=1", { skip: skip ?? (process.env.SOVEREIGN_LLM_INTEGRATION_UP === "1" ? undefined : "SOVEREIGN_LLM_INTEGRATION_UP is not 1") }, async () => {
    const stack = await LocalWorkspace.createOrSelectStack({ stackName, workDir: REPO_ROOT });
    try {
      const up = await stack.up({ onOutput: (line) => process.stderr.write(line) });
      assert.equal(up.summary.result, "succeeded");
      assert.match(String(up.outputs.clusterName?.value), /^sovereign-llm-/);
    } finally {
      await stack.destroy({ onOutput: (line) => process.stderr.write(line) });
    }
  });
});
