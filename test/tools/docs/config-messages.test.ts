/**
 * The example error messages README and docs/configuration.md print are what validation says for
 * the mistakes they show: each example is rebuilt from a committed stack, validated the way
 * `npm run check` validates it, and every line of the example must be one of the problems
 * (a line ending in "..." is a prefix).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { validateCliConfig } from "../../../infra/validate.js";
import { stackFileFromConfig } from "../../../tools/check/stack-file.js";
import { yamlConfig } from "../../helpers/stacks.js";

const ROOT = join(__dirname, "..", "..", "..");

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a YAML map the cases change freely
type Config = Record<string, any>;

function problemsOf(stack: string, change: (c: Config) => void): string[] {
  const config = yamlConfig(stack);
  change(config);
  const file = stackFileFromConfig(stack, config);
  return validateCliConfig({ config: file.config, secretKeys: file.secretKeys }).problems;
}

/** The lines of the first fenced block after `marker` in `file`. */
function exampleAfter(file: string, marker: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  const at = text.indexOf(marker);
  assert.ok(at >= 0, `${file}: "${marker}"`);
  const block = /```\n([\s\S]*?)```/.exec(text.slice(at))?.[1] ?? "";
  return block.split("\n").map((l) => l.trim()).filter(Boolean);
}

function assertShown(example: string[], problems: string[]): void {
  for (const line of example) {
    const shown = line.endsWith("...") ? line.slice(0, -3).trimEnd() : line;
    assert.ok(problems.some((p) => (line.endsWith("...") ? p.startsWith(shown) : p === shown)), `the example line\n  ${line}\nis not among the problems validation reports:\n  ${problems.join("\n  ")}`);
  }
}

test("README's configuration example is what validation reports", () => {
  const problems = problemsOf("prod", (c) => {
    c["sovereign-lm:egress"] = c["sovereign-llm:egress"];
    delete c["sovereign-llm:egress"];
    c["sovereign-llm:network"].availabilityZones[1] = "us-west-2a";
    c["sovereign-llm:gpuNodeGroups"][0].maxSize = 1.5;
  });
  const example = exampleAfter("README.md", "each under its full key, saying what the value");
  assert.equal(example.length, 3);
  assertShown(example, problems);
});

test("docs/configuration.md's example is what validation reports, and says how many", () => {
  const problems = problemsOf("prod-eu", (c) => {
    c["sovereign-lm:egress"] = c["sovereign-llm:egress"];
    delete c["sovereign-llm:egress"];
    c["sovereign-llm:enviroment"] = c["sovereign-llm:environment"];
    delete c["sovereign-llm:environment"];
    c["sovereign-llm:gpuNodeGroups"][0].maxSize = "six";
    c["sovereign-llm:gateway"].clientCidrs = ["10.0.0.0/8"];
  });
  const [header, ...example] = exampleAfter("docs/configuration.md", "the fix given");
  assert.equal(header, `stack prod-eu: invalid configuration in stacks/Pulumi.prod-eu.yaml (${problems.length} problems):`);
  assertShown(example.map((l) => l.replace(/^- /, "")), problems);
  assert.equal(example.length, problems.length);
});
