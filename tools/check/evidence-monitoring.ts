/**
 * Evidence sections read from the synthesized stack: what is monitored after deploy (every alarm,
 * what it watches, when it fires, whom it notifies, which requirements it serves, and the
 * detection services), and what the stack costs (totals and the break-even against APIs).
 */
import { MODEL_COPY_CONTAINER } from "../../components/serving/manifests";
import { requirementsOf, ruleRequirementsOf } from "../../components/monitoring/requirements";
import { priceStack } from "../cost/estimate";
import { PriceBook } from "../cost/prices";
import { buildReport, DEFAULT_COMPARE, selectApis } from "../cost/report";
import { loadThroughputTable } from "../cost/throughput";
import { resolveUsage } from "../cost/usage";
import type { SectionSource } from "./evidence-sections";
import type { Registration } from "./synth";

const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";
const DETECTION: Record<string, string> = {
  "aws:guardduty/detector:Detector": "GuardDuty detector",
  "aws:guardduty/detectorFeature:DetectorFeature": "GuardDuty feature",
  "aws:securityhub/standardsSubscription:StandardsSubscription": "Security Hub standard",
  "aws:accessanalyzer/analyzer:Analyzer": "IAM Access Analyzer",
  "aws:inspector2/enabler:Enabler": "Amazon Inspector",
  "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": "ECR registry scanning",
  "aws:cfg/recorder:Recorder": "AWS Config recorder",
};

function firesAt(r: Registration): string {
  const i = r.inputs as Record<string, unknown>;
  const queries = (i.metricQueries ?? []) as { expression?: string }[];
  if (queries.some((q) => q.expression?.startsWith("ANOMALY_DETECTION_BAND"))) return "outside its learned band";
  if (queries.some((q) => q.expression?.startsWith("INSIGHT_RULE_METRIC"))) return `one contributor ≥ ${i.threshold} in 5 min`;
  const stat = typeof i.extendedStatistic === "string" ? `${i.extendedStatistic} ` : "";
  return `${stat}≥ ${i.threshold} in ${Number(i.period ?? 300) / 60} min`;
}

function metricOf(r: Registration): string {
  const i = r.inputs as Record<string, unknown>;
  if (typeof i.metricName === "string") return i.metricName;
  const q = ((i.metricQueries ?? []) as { metric?: { metricName?: string } }[]).find((x) => x.metric?.metricName);
  if (q?.metric?.metricName) return q.metric.metricName;
  return r.name.replace(/^.*-monitoring-/, "");
}

export const monitoringSection: SectionSource = ({ synth }) => {
  // Alarm actions are topic ARNs, unknown at preview: the property dependencies name the topics.
  const topics = new Map(synth.registrations.filter((r) => r.type === "aws:sns/topic:Topic").map((t) => [t.urn, t.name]));
  const rows = synth.registrations
    .filter((r) => r.type === ALARM)
    .map((r) => {
      const i = r.inputs as Record<string, unknown>;
      const declared = Array.isArray(i.alarmActions) ? i.alarmActions.length : 0;
      const named = (r.propertyDependencies.alarmActions ?? []).map((u) => topics.get(u)).filter((n): n is string => n !== undefined);
      const actions = declared === 0 ? [] : named.length > 0 ? named : ["(a target not declared by the stack)"];
      return [r.name, String(i.alarmDescription ?? ""), firesAt(r), actions.join(", ") || "NOBODY", requirementsOf(metricOf(r))];
    });
  // AWS Config rules: a NON_COMPLIANT evaluation reaches the alarm topic through the findings
  // pipeline's config-noncompliant alarm, when the stack declares it.
  const configAlarm = rows.find((r) => /config-noncompliant$/.test(r[0]));
  for (const r of synth.registrations.filter((x) => x.type === "aws:cfg/rule:Rule")) {
    const i = r.inputs as { name?: string; description?: string; source?: { sourceIdentifier?: string } };
    const identifier = i.source?.sourceIdentifier ?? "";
    rows.push([String(i.name ?? r.name), `AWS Config ${identifier}: ${i.description ?? ""}`, "NON_COMPLIANT evaluation", configAlarm ? `${configAlarm[3]} (via ${configAlarm[0]})` : "NOBODY", ruleRequirementsOf(identifier)]);
  }
  const detection = synth.registrations
    .filter((r) => r.type in DETECTION)
    .map((r) => {
      const i = r.inputs as Record<string, unknown>;
      const detail = [i.name, i.standardsArn, i.type, i.scanType, Array.isArray(i.resourceTypes) ? i.resourceTypes.join(",") : undefined].filter((x) => typeof x === "string" && x.length > 0).join(" ");
      return `${DETECTION[r.type]}: ${detail || r.name}`;
    });
  if (rows.length === 0 && detection.length === 0) return undefined;
  const silent = rows.filter((r) => r[3] === "NOBODY").length;
  return {
    id: "monitored-after-deploy",
    title: "Monitored after deploy",
    summary: `The checks above run before a change; these ${rows.length} alarms and AWS Config rules watch the deployed stack (gateway audit lines, firewall, EKS audit log, CloudTrail, findings, configuration changes made outside a deploy) and notify the alarm topic${silent > 0 ? `; ${silent} notify nobody` : ""}.`,
    table: { columns: ["Alarm or rule", "Watches", "Fires at", "Notifies", "Requirements"], rows },
    notes: detection.length > 0 ? [`Detection services declared: ${detection.join("; ")}.`] : undefined,
  };
};

/** The stack's region, read from its VPC endpoints' service names (`com.amazonaws.<region>.<service>`). */
export function regionOf(regs: Registration[]): string | undefined {
  for (const r of regs) {
    const m = /^com\.amazonaws\.([a-z0-9-]+)\./.exec(String((r.inputs as Record<string, unknown>).serviceName ?? ""));
    if (r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && m) return m[1];
  }
  return undefined;
}

export const costSection: SectionSource = ({ synth }) => {
  const region = regionOf(synth.registrations);
  if (!region || !synth.registrations.some((r) => r.type === "aws:eks/cluster:Cluster")) return undefined;
  const book = new PriceBook();
  const usage = resolveUsage({ modelStorageGiB: 0 });
  const inputs = { regs: synth.registrations, region, book, table: loadThroughputTable(), usage };
  const base = priceStack(inputs);
  const { report } = buildReport(synth.stack, inputs, base, selectApis(book.apis, DEFAULT_COMPARE).apis);
  const usd = (v: number) => `$${Math.round(v).toLocaleString("en-US")}`;
  const bars = report.stackBreakEven.filter((b) => b.breakEvenTokensPerDay !== undefined).map((b) => ({ label: `${b.provider} ${b.model}`, value: Math.round((b.breakEvenTokensPerDay ?? 0) / 1e6) }));
  return {
    id: "what-it-costs",
    title: "What it costs",
    summary: `On-demand list prices in ${region}: ${usd(report.total.min)} / ${usd(report.total.desired)} / ${usd(report.total.max)} a month at the node groups' minimum / desired / maximum sizes; ${usd(report.load.monthlyUsd)} at 1 request/s of 512+256 tokens. The chart gives, per API, the daily volume (millions of tokens) above which this stack is cheaper.`,
    chart: bars.length > 0 ? { unit: "million tokens a day", bars } : undefined,
    notes: [
      ...(report.missing.length > 0 ? [`${report.missing.length} line(s) have no committed price and are left out of the totals: ${report.missing.join("; ")}.`] : []),
      "Model-store storage is not included here; `npm run cost -- <stack>` prints every line with its unit price, source and date, and the break-even per model.",
    ],
  };
};

/** The model version each model server accepts: the signed root digest its copy step (and its node cache) is pinned to, if any. */
export const pinnedModelsSection: SectionSource = ({ synth }) => {
  const rows: string[][] = [];
  for (const r of synth.registrations) {
    if (r.type !== "kubernetes:apps/v1:Deployment") continue;
    const i = r.inputs as { metadata?: { labels?: Record<string, string> }; spec?: { template?: { spec?: { initContainers?: { name?: string; command?: unknown[] }[] } } } };
    if (i.metadata?.labels?.["app.kubernetes.io/component"] !== "model-server") continue;
    // The copy step verifies the signature (and the pin) before anything is handed to vLLM.
    const verify = i.spec?.template?.spec?.initContainers?.find((c) => c.name === MODEL_COPY_CONTAINER);
    const cmd = (verify?.command ?? []).map(String);
    const at = cmd.indexOf("--expect-digest");
    const name = i.metadata?.labels?.["app.kubernetes.io/instance"] ?? r.name;
    rows.push([name, at >= 0 ? cmd[at + 1] : "not pinned", at >= 0 ? "only this signed version loads; an older signed version put back is refused" : "any version signed with the stack's key loads (set models[].expectedDigest to pin one)"]);
  }
  if (rows.length === 0) return undefined;
  return {
    id: "pinned-model-digests",
    title: "Pinned model versions",
    summary: "The root digest of the signed model each model server's copy step and its node cache accept (models[].expectedDigest). Every file is verified against the signature as it is downloaded into the node's cache, and again as it is copied into the model server's pod, before vLLM starts, pinned or not.",
    table: { columns: ["Model", "Pinned root digest", "Effect"], rows },
  };
};
