import type { Control } from "./types";
import { asArray, asRecord, bool, configOf, nodesOf, ofType, refersTo, str, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";
import { CONFIG_TYPE_OF } from "../../components/monitoring/config-rules";

type Strategy = "create" | "organization";
const DEFAULTS: { guardDuty: Strategy; securityHub: Strategy; inspector: Strategy; config: Strategy } = { guardDuty: "create", securityHub: "create", inspector: "create", config: "create" };

const DETECTOR = "aws:guardduty/detector:Detector";
const FEATURE = "aws:guardduty/detectorFeature:DetectorFeature";
const HUB = "aws:securityhub/account:Account";
const STANDARD = "aws:securityhub/standardsSubscription:StandardsSubscription";
const RECORDER = "aws:cfg/recorder:Recorder";
const CHANNEL = "aws:cfg/deliveryChannel:DeliveryChannel";
const STATUS = "aws:cfg/recorderStatus:RecorderStatus";
const CLUSTER = "aws:eks/cluster:Cluster";
const ENABLER = "aws:inspector2/enabler:Enabler";
const SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration";

/** GuardDuty features the platform's detections rely on, with the additional configuration each needs. */
export const REQUIRED_GUARDDUTY_FEATURES: Record<string, string[]> = { EKS_AUDIT_LOGS: [], RUNTIME_MONITORING: ["EKS_ADDON_MANAGEMENT"], S3_DATA_EVENTS: [] };

const strategy = { type: "string" as const, enum: ["create", "organization"] };

function guardDutyProblems(all: Node[], undecided: Undecided): string[] {
  const detectors = ofType(all, DETECTOR).filter((d) => bool(d.props.enable) !== false);
  if (detectors.length === 0) return ["no enabled GuardDuty detector is declared"];
  const problems: string[] = [];
  const features = ofType(all, FEATURE);
  for (const [name, extra] of Object.entries(REQUIRED_GUARDDUTY_FEATURES)) {
    let found = false;
    for (const f of features) {
      if (str(f.props.name) !== name) continue;
      if (!detectors.some((d) => refersTo(f, "detectorId", d, [d.props.id]) !== "no")) continue;
      const status = str(f.props.status);
      if (isUnknown(status)) {
        undecided.note(`GuardDuty feature ${name}: status unknown`);
        found = true;
        continue;
      }
      if (status !== "ENABLED") continue;
      const additional = asArray(f.props.additionalConfigurations).map(asRecord);
      const missing = extra.filter((a) => !additional.some((x) => x.name === a && x.status === "ENABLED"));
      if (missing.length === 0) found = true;
      else problems.push(`GuardDuty feature ${name} lacks ${missing.join(", ")}`);
    }
    if (!found && !problems.some((p) => p.includes(name))) problems.push(`GuardDuty feature ${name} is not enabled on the detector`);
  }
  return problems;
}

function securityHubProblems(all: Node[]): string[] {
  if (ofType(all, HUB).length === 0) return ["Security Hub is not enabled (no aws.securityhub.Account)"];
  const nist = ofType(all, STANDARD).some((s) => {
    const arn = str(s.props.standardsArn);
    return isUnknown(arn) || (typeof arn === "string" && /standards\/nist-800-53\/v\/5\.0\.0$/.test(arn));
  });
  return nist ? [] : ["Security Hub has no subscription to the NIST SP 800-53 rev 5 standard"];
}

function inspectorProblems(all: Node[], undecided: Undecided): string[] {
  const problems: string[] = [];
  const ecr = ofType(all, ENABLER).some((e) => {
    const types = e.props.resourceTypes;
    if (isUnknown(types)) undecided.note("Inspector resource types unknown");
    return isUnknown(types) || asArray(types).includes("ECR");
  });
  if (!ecr) problems.push("Amazon Inspector is not enabled for ECR");
  const continuous = ofType(all, SCANNING).some((c) => {
    if (isUnknown(c.props.scanType) || isUnknown(c.props.rules)) {
      undecided.note("registry scanning configuration unknown");
      return true;
    }
    return c.props.scanType === "ENHANCED" && asArray(c.props.rules).map(asRecord).some((r) => r.scanFrequency === "CONTINUOUS_SCAN");
  });
  if (!continuous) problems.push("the registry is not set to continuous enhanced scanning");
  return problems;
}

function configProblems(all: Node[], undecided: Undecided): string[] {
  const recorders = ofType(all, RECORDER);
  if (recorders.length === 0) return ["no AWS Config recorder is declared"];
  const problems: string[] = [];
  if (ofType(all, CHANNEL).length === 0) problems.push("the Config recorder has no delivery channel");
  const statuses = ofType(all, STATUS);
  const on = statuses.some((s) => {
    const enabled = bool(s.props.isEnabled);
    if (isUnknown(enabled)) undecided.note("Config recorder status unknown");
    return enabled === true || isUnknown(enabled);
  });
  if (!on) problems.push("the Config recorder is never started (no RecorderStatus with isEnabled: true)");
  // Every declared type Config can record must be in the recording group.
  const needed = [...new Set(all.map((n) => CONFIG_TYPE_OF[n.type]).filter((t): t is string => t !== undefined && t !== "AWS::Config::ConfigurationRecorder"))];
  for (const r of recorders) {
    const group = r.props.recordingGroup;
    if (isUnknown(group)) {
      undecided.note("Config recording group unknown");
      continue;
    }
    const g = asRecord(group);
    if (g.allSupported === true || g.allSupported === undefined) {
      // allSupported records every regional type; global IAM types only with includeGlobalResourceTypes.
      if (g.includeGlobalResourceTypes !== true && needed.some((t) => t.startsWith("AWS::IAM::"))) problems.push("the Config recorder records every regional type but not IAM roles (includeGlobalResourceTypes is off)");
      continue;
    }
    const strategies = asArray(g.recordingStrategies).map(asRecord);
    if (strategies.some((s) => s.useOnly === "EXCLUSION_BY_RESOURCE_TYPES")) {
      const excluded = new Set(asArray(g.exclusionByResourceTypes).flatMap((e) => asArray(asRecord(e).resourceTypes)).map(String));
      const hit = needed.filter((t) => excluded.has(t));
      if (hit.length > 0) problems.push(`the Config recorder excludes ${hit.join(", ")}, which the stack declares`);
      continue;
    }
    const have = new Set(asArray(g.resourceTypes).map(String));
    const missing = needed.filter((t) => !have.has(t));
    if (missing.length > 0) problems.push(`the Config recorder does not record ${missing.join(", ")}, which the stack declares`);
  }
  return problems;
}

export const monitoringDetectionServices: Control = {
  policy: {
    name: "sovereign-llm-monitoring-detection-services",
    description:
      "The account-level detection services are never silently absent from a stack that runs the platform (declares an EKS cluster): each one whose strategy is `create` (the stack file's detection.*, passed as this policy's config) is declared with what the platform relies on. GuardDuty: an enabled detector with EKS audit logs, runtime monitoring with its EKS add-on, and S3 data events. Security Hub: the NIST SP 800-53 rev 5 standard. Inspector: enabled for ECR, the registry on continuous enhanced scanning. AWS Config: a started recorder with a delivery channel, recording every resource type the stack declares that Config can record. Under `organization` the program itself verifies the organisation's service at preview.",
    enforcementLevel: "mandatory",
    configSchema: {
      properties: {
        guardDuty: { ...strategy, default: DEFAULTS.guardDuty },
        securityHub: { ...strategy, default: DEFAULTS.securityHub },
        inspector: { ...strategy, default: DEFAULTS.inspector },
        config: { ...strategy, default: DEFAULTS.config },
      },
    },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      // A stack that does not run the platform (no EKS cluster) has nothing for these to watch.
      if (ofType(all, CLUSTER).length === 0) return;
      const undecided = new Undecided();
      const problems = [
        ...(cfg.guardDuty === "create" ? guardDutyProblems(all, undecided) : []),
        ...(cfg.securityHub === "create" ? securityHubProblems(all) : []),
        ...(cfg.inspector === "create" ? inspectorProblems(all, undecided) : []),
        ...(cfg.config === "create" ? configProblems(all, undecided) : []),
      ];
      for (const p of problems) report(`${p}, while the strategy is create: nothing would detect threats or hand changes after deploy`);
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Keep ThreatDetection and ConfigCompliance in the program (infra/platform.ts), or, when a delegated administrator runs a service for the organisation, set detection.<service>: organization in the stack file (the program then verifies it at preview) and use the policy-pack-config.json that npm run check writes.",
  frameworks: {
    hipaa: [HIPAA.activityReview, HIPAA.malware, HIPAA.incidentResponse],
    gdpr: [GDPR.testing],
    soc2: [SOC2.configMonitoring, SOC2.monitoring, SOC2.incidents],
    // IR-4: detection and analysis (GuardDuty, Inspector, Config findings, aggregated by Security
    // Hub); IR-5: Security Hub keeps every finding with its workflow status, so incidents are tracked.
    "fedramp-moderate": ["CA-7", "SI-4", "RA-5", "CM-6", "IR-4", "IR-5"],
  },
  references: [
    "AWS Config: guardduty-enabled-centralized (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: securityhub-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "Beyond the public lists: AWS Config's own rules run only once Config records; this checks before deploy that the stack records what it declares",
  ],
  resourceTypes: [CLUSTER, DETECTOR, FEATURE, HUB, STANDARD, ENABLER, SCANNING, RECORDER, CHANNEL, STATUS],
};
