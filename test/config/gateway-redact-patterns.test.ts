/**
 * Stack configuration: the gateway's extra redaction patterns must run in linear time; one that
 * would make the gateway backtrack on crafted output is refused before anything is declared.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../infra/config.js";
import { rawConfig, yamlConfig } from "../helpers/stacks.js";

function problemsWith(patterns: unknown[]): string[] {
  const config = yamlConfig("dev");
  config["sovereign-llm:gateway"] = { ...(config["sovereign-llm:gateway"] ?? {}), redactPatterns: patterns };
  const { raw, region } = rawConfig(config);
  try {
    parseStackConfig(raw, region);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.problems;
  }
}

test("gateway.redactPatterns: backtracking patterns are refused with the attack, linear ones pass", () => {
  const problems = problemsWith([
    { name: "mrn", regex: "\\bMRN[:# ]?\\d{6,10}\\b" },
    { name: "nested", regex: "(\\d+)+x" },
    { name: "adjacent", regex: "\\d+\\s*\\d+x" },
  ]);
  assert.equal(problems.length, 2, problems.join("\n"));
  assert.match(problems[0]!, /gateway\.redactPatterns\[1\]\.regex.*exponential/);
  assert.match(problems[1]!, /gateway\.redactPatterns\[2\]\.regex.*polynomial/);
  assert.deepEqual(problemsWith([{ name: "mrn", regex: "\\bMRN[:# ]?\\d{6,10}\\b" }]), []);
});
