/**
 * The evidence report's "Monitored after deploy" and "What it costs" sections, read from what the
 * program declares for prod: every alarm with what it watches, when it fires, whom it notifies and
 * the requirements it serves; an alarm that notifies nobody is called out.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { synthesizeMany } from "../../helpers/stacks";
import { readStackFile } from "../../../tools/check/stack-file";
import type { SynthResult } from "../../../tools/check/synth";
import { costSection, monitoringSection, pinnedModelsSection } from "../../../tools/check/evidence-monitoring";
import { collectSections } from "../../../tools/check/evidence-sections";

let prod: SynthResult;
before(async () => {
  prod = (await synthesizeMany({ prod: readStackFile("prod") }, { preview: true })).prod;
});

describe("monitored after deploy", () => {
  test("every alarm is listed with its trigger, its recipient and the requirements it serves", () => {
    const s = monitoringSection({ synth: prod, runs: [] });
    assert.ok(s?.table);
    const rows = s.table.rows.map((r) => r.map(String));
    const auth = rows.find((r) => r[0].endsWith("-monitoring-auth-failures"));
    assert.ok(auth, "auth failures alarm listed");
    assert.match(auth[2], /≥ 50 in 5 min/);
    assert.match(auth[3], /-audit-alarms$/);
    assert.match(auth[4], /HIPAA 164\.308\(a\)\(5\)\(ii\)\(C\)/);
    assert.ok(rows.some((r) => r[0].includes("-monitoring-volume-") && r[2] === "outside its learned band"));
    assert.ok(rows.some((r) => r[0].endsWith("-findings-inspector-image-finding") && /NIST RA-5/.test(r[4])));
    assert.ok(rows.every((r) => r[3] !== "NOBODY"), "every alarm notifies someone");
    assert.ok(rows.every((r) => r[4] !== ""), `requirements for every alarm: ${rows.filter((r) => r[4] === "").map((r) => r[0]).join(", ")}`);
    assert.match((s.notes ?? []).join(" "), /GuardDuty detector/);
  });
  test("an alarm that notifies nobody is called out", () => {
    const silenced: SynthResult = {
      ...prod,
      registrations: prod.registrations.map((r) => (r.name.endsWith("-monitoring-pod-exec") && r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" ? { ...r, inputs: { ...r.inputs, alarmActions: [] } } : r)),
    };
    const s = monitoringSection({ synth: silenced, runs: [] });
    assert.ok(s?.table?.rows.some((r) => String(r[0]).endsWith("-monitoring-pod-exec") && r[3] === "NOBODY"));
    assert.match(s?.summary ?? "", /1 notify nobody/);
  });
});

describe("what it costs", () => {
  test("totals and the break-even volumes as a chart", () => {
    const s = costSection({ synth: prod, runs: [] });
    assert.ok(s);
    assert.match(s.summary, /us-east-1: \$[\d,]+ \/ \$[\d,]+ \/ \$[\d,]+ a month/);
    assert.ok((s.chart?.bars.length ?? 0) > 0);
    assert.ok(s.chart?.bars.every((b) => b.value > 0));
  });
  test("both sections reach the report", () => {
    const ids = collectSections({ synth: prod, runs: [] }).map((s) => s.id);
    assert.ok(ids.includes("monitored-after-deploy") && ids.includes("what-it-costs"), ids.join(", "));
  });
});

describe("pinned model versions", () => {
  test("unpinned models say so; a pinned one shows its digest", () => {
    const s = pinnedModelsSection({ synth: prod, runs: [] });
    assert.ok(s?.table);
    assert.ok(s.table.rows.every((r) => r[1] === "not pinned"), "the committed stacks pin no digest yet");
    const digest = "sha256:" + "c".repeat(64);
    const pinned: SynthResult = {
      ...prod,
      registrations: prod.registrations.map((r) => {
        if (r.type !== "kubernetes:apps/v1:Deployment" || !r.name.endsWith("llama-3-1-8b-instruct")) return r;
        const copy = structuredClone(r);
        const init = (copy.inputs as any).spec.template.spec.initContainers.find((c: { name: string }) => c.name === "model-copy");
        init.command.push("--expect-digest", digest);
        return copy;
      }),
    };
    const rows = pinnedModelsSection({ synth: pinned, runs: [] })?.table?.rows ?? [];
    assert.deepEqual(rows.find((r) => r[0] === "llama-3-1-8b-instruct")?.slice(0, 2), ["llama-3-1-8b-instruct", digest]);
  });
});
