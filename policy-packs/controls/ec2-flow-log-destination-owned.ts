import type { Control } from "./types";
import { label, nodesOf, ofType, str, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { BUCKET_TYPES } from "./lib/s3";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FLOW_LOG = "aws:ec2/flowLog:FlowLog";
const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";

/** The bucket an S3 destination ARN names: arn:aws:s3:::bucket[/prefix] → bucket. */
function bucketOf(arn: string): string | undefined {
  return /^arn:[^:]+:s3:::([^/]+)/.exec(arn)?.[1];
}

/** The log group a CloudWatch Logs destination ARN names: arn:...:log-group:NAME[:*] → NAME. */
function logGroupOf(arn: string): string | undefined {
  return /^arn:[^:]+:logs:[^:]*:[^:]*:log-group:([^:]+)/.exec(arn)?.[1];
}

/**
 * Does the flow log's destination name one of `targets`? A known value decides (it is what AWS
 * receives); an unknown one is decided by the engine's property dependencies: computed from a
 * declared target, it is that target.
 */
function delivers(log: Node, prop: string, targets: Node[], nameOf: (n: Node) => unknown, parse: (v: string) => string | undefined): "yes" | "no" | "unknown" {
  const value = log.props[prop];
  if (typeof value === "string") {
    const name = parse(value) ?? value;
    return targets.some((t) => nameOf(t) === name) ? "yes" : "no";
  }
  const deps = log.propertyDependencies[prop] ?? [];
  if (isUnknown(value)) return targets.some((t) => deps.includes(t.urn)) ? "yes" : "unknown";
  return "no";
}

export const ec2FlowLogDestinationOwned: Control = {
  policy: {
    name: "sovereign-llm-ec2-flow-log-destination-owned",
    description:
      "Every VPC flow log delivers to a CloudWatch log group or S3 bucket this stack declares (and so encrypts, retains and protects with the platform's controls), never to a destination elsewhere, in another account or a Kinesis Data Firehose stream the packs cannot see: flow logs carry every peer address of the workloads.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const groups = ofType(all, LOG_GROUP);
      const buckets = ofType(all, ...BUCKET_TYPES);
      const undecided = new Undecided();
      for (const log of ofType(all, FLOW_LOG)) {
        const type = str(log.props.logDestinationType);
        if (isUnknown(type)) {
          undecided.note(`${label(log)}: logDestinationType unknown`);
          continue;
        }
        const kind = type ?? "cloud-watch-logs";
        let verdict: "yes" | "no" | "unknown";
        if (kind === "cloud-watch-logs") {
          const prop = log.props.logDestination !== undefined ? "logDestination" : "logGroupName";
          verdict = delivers(log, prop, groups, (g) => g.props.name, logGroupOf);
        } else if (kind === "s3") verdict = delivers(log, "logDestination", buckets, (b) => b.props.bucket, bucketOf);
        else verdict = "no";
        if (verdict === "unknown") undecided.note(`${label(log)}: destination unknown`);
        else if (verdict === "no") report(`flow log "${log.name}" delivers (${kind}) to a destination this stack does not declare; deliver to the platform's encrypted, retained flow-log group`, log.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Point the flow log at a CloudWatch log group (or S3 bucket) declared in the same program, encrypted with the platform's logs key and retained as audit class; IsolatedVpc does this.",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.integrity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers],
    soc2: [SOC2.monitoring, SOC2.transmission],
    "fedramp-moderate": ["AU-9", "AU-4", "SC-7"],
  },
  references: [
    "Related: AWS Config: vpc-flow-logs-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5; that a flow log exists, checked by sovereign-llm-ec2-vpc-flow-logs; not where it delivers)",
  ],
  resourceTypes: [FLOW_LOG, LOG_GROUP, ...BUCKET_TYPES],
};
