/**
 * Threat detection: every committed stack enables GuardDuty with the features the platform relies
 * on, Security Hub with NIST SP 800-53 rev 5 and an account Access Analyzer; where the
 * organisation runs a service instead, the stack verifies it at preview and refuses, naming what
 * is missing, when it is not on.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { REPO_ROOT } from "../../../tools/check/stack-file.js";
import { GUARDDUTY_FEATURES, guardDutyGaps, nistStandardArn, securityHubGaps } from "../../../components/monitoring/threat-detection.js";
import { STACKS, ofType, settingsOf, synthesizeCommitted } from "../../helpers/stacks.js";

const allOn = {
  status: "ENABLED",
  features: [
    { name: "EKS_AUDIT_LOGS", status: "ENABLED", additionalConfigurations: [] },
    { name: "RUNTIME_MONITORING", status: "ENABLED", additionalConfigurations: [{ name: "EKS_ADDON_MANAGEMENT", status: "ENABLED" }] },
    { name: "S3_DATA_EVENTS", status: "ENABLED", additionalConfigurations: [] },
  ],
};

describe("what an organisation's services must provide", () => {
  test("a detector with every feature on has no gaps", () => assert.deepEqual(guardDutyGaps(allOn), []));
  test("each missing or disabled feature is named with its fix", () => {
    const gaps = guardDutyGaps({
      status: "ENABLED",
      features: [
        { name: "EKS_AUDIT_LOGS", status: "DISABLED" },
        { name: "RUNTIME_MONITORING", status: "ENABLED", additionalConfigurations: [{ name: "EKS_ADDON_MANAGEMENT", status: "DISABLED" }] },
      ],
    });
    assert.equal(gaps.length, 3);
    assert.match(gaps[0], /EKS_AUDIT_LOGS is DISABLED: enable it/);
    assert.match(gaps[1], /EKS_ADDON_MANAGEMENT is DISABLED/);
    assert.match(gaps[2], /S3_DATA_EVENTS is absent/);
  });
  test("a suspended detector", () => assert.match(guardDutyGaps({ ...allOn, status: "DISABLED" })[0], /detector is DISABLED/));
  test("Security Hub needs the NIST SP 800-53 rev 5 standard", () => {
    const nist = nistStandardArn("aws", "us-east-1");
    assert.equal(nist, "arn:aws:securityhub:us-east-1::standards/nist-800-53/v/5.0.0");
    assert.deepEqual(securityHubGaps([{ standardsArn: nist, standardsStatus: "READY" }], nist), []);
    assert.match(securityHubGaps([{ standardsArn: "arn:aws:securityhub:::ruleset/cis-aws-foundations-benchmark/v/1.2.0", standardsStatus: "READY" }], nist)[0], /does not have the NIST/);
    assert.match(securityHubGaps([{ standardsArn: nist, standardsStatus: "FAILED" }], nist)[0], /is FAILED/);
  });
});

const synth = synthesizeCommitted({ preview: false });

for (const stack of STACKS) {
  test(`${stack}: GuardDuty, Security Hub (NIST SP 800-53 rev 5) and Access Analyzer are declared`, async () => {
    const result = (await synth)[stack];
    const { cfg, region } = await settingsOf(stack);
    assert.equal(cfg.detection.guardDuty, "create");
    const detectors = ofType(result, "aws:guardduty/detector:Detector");
    assert.equal(detectors.length, 1);
    assert.equal(detectors[0].inputs.enable, true);
    const features = ofType(result, "aws:guardduty/detectorFeature:DetectorFeature").map((f) => f.inputs);
    assert.deepEqual(features.map((f) => f.name).sort(), GUARDDUTY_FEATURES.map((f) => f.name).sort());
    for (const f of features) {
      assert.equal(f.status, "ENABLED");
      assert.equal(f.detectorId, detectors[0].id);
    }
    assert.deepEqual((features.find((f) => f.name === "RUNTIME_MONITORING")?.additionalConfigurations as unknown[]) ?? [], [{ name: "EKS_ADDON_MANAGEMENT", status: "ENABLED" }]);
    const hub = ofType(result, "aws:securityhub/account:Account");
    assert.equal(hub.length, 1);
    assert.equal(hub[0].inputs.enableDefaultStandards, false);
    const subs = ofType(result, "aws:securityhub/standardsSubscription:StandardsSubscription");
    assert.deepEqual(subs.map((s) => s.inputs.standardsArn), [nistStandardArn("aws", region)]);
    const analyzers = ofType(result, "aws:accessanalyzer/analyzer:Analyzer");
    assert.equal(analyzers.length, 1);
    assert.equal(analyzers[0].inputs.type, "ACCOUNT");
  });
}

describe("organisation strategy: verified at preview", () => {
  const run = (variant: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "test", "fixtures", "detection", "organization-preview.ts"), variant], { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
      child.on("close", (code) => resolve({ code, out }));
    });
  test("a detector without runtime monitoring stops the preview, naming the feature and the fix", async () => {
    const r = await run("missing-runtime");
    assert.equal(r.code, 1, r.out);
    assert.match(r.out, /detection\.guardDuty is "organization", but .*RUNTIME_MONITORING is absent: enable it/);
    assert.match(r.out, /Or set detection\.guardDuty: create/);
  });
  test("an organisation that runs everything the platform needs is accepted", async () => {
    const r = await run("complete");
    // (Exit status is not the signal here: Pulumi's mock runtime reports its pending registrations at exit.)
    assert.doesNotMatch(r.out, /detection\.(guardDuty|securityHub) is "organization", but/);
    assert.match(r.out, /verified .*organization detector org-detector, verified at preview/);
    assert.match(r.out, /NIST SP 800-53 rev 5 enabled/);
  });
});
