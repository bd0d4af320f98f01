/**
 * Numbers and versions the README states in prose, read from the code that decides them: when one
 * changes, this fails and names the sentence to update (or, better, the table to regenerate).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { managedRules } from "../../../components/monitoring/config-rules.js";
import { KEDA_VERSION, kedaCrds } from "../../../components/autoscaling/keda-crds.js";
import { VLLM_VERSION } from "../../../components/serving/pins.js";
import { KEEP_IMAGES, UNTAGGED_DAYS } from "../../../components/registry/image-supply-chain.js";
import { GATEWAY_DRAIN_SECONDS, SHIPPER_BUFFER_MIB, SHIPPER_RETRY_LIMIT, SHIPPER_STATE_MIB } from "../../../components/serving/gateway-manifests.js";
import { DRAIN_SECONDS } from "../../../components/serving/manifests.js";
import { POLLING_SECONDS } from "../../../components/autoscaling/scaled-object.js";
import { SECURITY_ALARMS } from "../../../components/audit/security-alarms.js";
import { stackSchema } from "../../../infra/schema.js";

const ROOT = join(__dirname, "..", "..", "..");
/** README prose with every run of white space as one space, so a sentence may wrap anywhere. */
const readme = readFileSync(join(ROOT, "README.md"), "utf8").replace(/\s+/g, " ");

const WORDS = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"];
const detection = stackSchema.shape.detection.parse({});

/** [what, the README's wording with the figure as capture groups, the figures the code has]. */
const FACTS: [string, RegExp, (string | number)[]][] = [
  ["AWS Config managed rules", /the stack creates (\d+) managed rules/, [managedRules().length]],
  ["KEDA release", /installs KEDA (\d+\.\d+\.\d+) /, [KEDA_VERSION]],
  ["KEDA CRDs", /its (\w+) CRDs/, [WORDS[kedaCrds().length] ?? kedaCrds().length]],
  ["vLLM release", /vLLM is pinned to release (\d+\.\d+\.\d+)/, [VLLM_VERSION]],
  ["ECR lifecycle", /expires untagged images after (\d+) days and keeps the newest (\d+)/, [UNTAGGED_DAYS, KEEP_IMAGES]],
  ["log shipper buffers", /buffers on disk up to (\d+) MiB \(audit\) and (\d+) MiB \(content\) of a (\d+) MiB volume, retries (\d+) times/, [SHIPPER_BUFFER_MIB.audit, SHIPPER_BUFFER_MIB.content, SHIPPER_STATE_MIB, SHIPPER_RETRY_LIMIT]],
  ["drain times", /vLLM drains in-flight requests for up to (\d+) minutes \(`--shutdown-timeout`\) and the gateway for (\d+);/, [DRAIN_SECONDS / 60, GATEWAY_DRAIN_SECONDS / 60]],
  ["KEDA polling", /KEDA polls \(every (\d+) s\)/, [POLLING_SECONDS]],
  ["denied-calls alarm", /first event \((\d+) for denied calls\)/, [SECURITY_ALARMS.find((a) => a.id === "unauthorized-api-calls")!.threshold]],
  ["GuardDuty severity", /`detection\.guardDutyMinSeverity` \(default (\d+), high\)/, [detection.guardDutyMinSeverity]],
  ["Inspector severity", /`detection\.inspectorMinSeverity` \(default (\w+)\)/, [detection.inspectorMinSeverity]],
  ["Config recorder name", /`detection\.configRecorderName` \(default `([^`]+)`/, [detection.configRecorderName]],
];

for (const [what, pattern, expected] of FACTS) {
  test(`README states the code's ${what}`, () => {
    const m = pattern.exec(readme);
    assert.ok(m, `README no longer says ${pattern}: update this test with the new wording`);
    assert.deepEqual(m.slice(1), expected.map(String), `README's ${what} (${m[0]})`);
  });
}
