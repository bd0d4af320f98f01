/**
 * Mutation rows for what watches the stack after deploy: an alarm removed or silenced, a detection
 * service absent while its strategy is `create`, an image from a repository the stack does not
 * declare. Same shape as the rows in mutations.test.ts, which runs them.
 */
import type { Framework } from "../../policy-packs/controls/types";
import type { TargetedMutation } from "./mutation-bench";

export type MonitoringRow = TargetedMutation & { packs: Framework[]; why: string };

const ALL: Framework[] = ["hipaa", "gdpr", "soc2", "fedramp-moderate"];
const ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm";

/** Moves an ECR image reference to a repository the stack does not declare, keeping its registry and digest. */
const undeclaredRepository = (old: unknown) => String(old).replace(/(\.amazonaws\.com(?:\.cn)?\/)[^@:]+/, "$1unreviewed/vllm-openai");

export const MONITORING_ROWS: MonitoringRow[] = [
  { op: "remove", resourceType: ALARM, name: /-monitoring-auth-failures$/, packs: ALL, why: "the failed-authentication alarm removed" },
  { op: "remove", resourceType: ALARM, name: /-findings-config-noncompliant$/, packs: ALL, why: "the AWS Config non-compliance alarm removed" },
  { op: "set", resourceType: ALARM, path: "alarmActions", value: [], name: /-audit-root-account-use$/, packs: ALL, why: "the root-account alarm notifies nobody" },
  { op: "remove", resourceType: "aws:guardduty/detector:Detector", packs: ALL, why: "GuardDuty absent while detection.guardDuty is create" },
  { op: "set", resourceType: "aws:guardduty/detectorFeature:DetectorFeature", path: "status", value: "DISABLED", packs: ALL, why: "GuardDuty runtime monitoring, EKS audit logs and S3 data events off" },
  { op: "set", resourceType: "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", path: "scanType", value: "BASIC", packs: ALL, why: "the registry back on basic scanning while detection.inspector is create (no continuous Inspector scans)" },
  { op: "remove", resourceType: "aws:cfg/recorder:Recorder", packs: ALL, why: "AWS Config recorder absent while detection.config is create" },
  { op: "set", resourceType: "aws:cfg/recorder:Recorder", path: "recordingGroup.resourceTypes", value: ["AWS::S3::Bucket"], packs: ALL, why: "AWS Config records buckets only (hand changes to the cluster, keys or alarms go unseen)" },
  { op: "set", resourceType: "kubernetes:apps/v1:Deployment", path: "spec.template.spec.containers[*].image", value: undeclaredRepository, packs: ALL, why: "an image from an ECR repository the stack does not declare (unscanned)" },
];
