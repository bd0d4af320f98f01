/**
 * What the platform watches after deploy, as data: CloudWatch Logs metric filters over the
 * gateway's audit lines, the firewall's alert log, the EKS audit log and CloudTrail, each with the
 * alarm it raises. No resources are created here, so the patterns can be tested directly.
 *
 * Filter syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 * (JSON selectors `$.field`, `=`/`!=` with `*` wildcards, numeric comparisons, `&&`, `||`).
 */

/** Thresholds a stack may set (`monitoring.thresholds`); the defaults are below. */
export interface MonitoringThresholds {
  /** Failed authentications (401) in 5 minutes, all clients together. */
  authFailures: number;
  /** Failed authentications in 5 minutes from one client address (Contributor Insights). */
  authFailuresPerClient: number;
  /** Authorisation denials (a principal asking for a model it may not use) in 5 minutes, in total. */
  authzDenials: number;
  /** Authorisation denials in 5 minutes by one principal (Contributor Insights). */
  authzDenialsPerPrincipal: number;
  /** Prompt-injection blocks and flags in 5 minutes. */
  injectionBlocks: number;
  /** Rate-limit rejections in 5 minutes. */
  rateLimited: number;
  /** Responses with at least one redaction in 5 minutes. */
  redactions: number;
  /** Upstream errors and time-outs (5xx) in 5 minutes. */
  upstreamErrors: number;
  /** p99 of the gateway's total latency over 5 minutes, milliseconds. */
  latencyP99Ms: number;
  /** Width of the anomaly band on request volume per model, in standard deviations. */
  volumeAnomalyBand: number;
}

export const DEFAULT_THRESHOLDS: MonitoringThresholds = {
  authFailures: 50,
  authFailuresPerClient: 20,
  authzDenials: 20,
  authzDenialsPerPrincipal: 10,
  injectionBlocks: 5,
  rateLimited: 100,
  redactions: 100,
  upstreamErrors: 10,
  latencyP99Ms: 30_000,
  volumeAnomalyBand: 3,
};

/** Which log group a filter reads. */
export type LogSource = "gateway-audit" | "firewall-alert" | "eks-control-plane" | "cloudtrail";

export interface Signal {
  id: string;
  description: string;
  source: LogSource;
  pattern: string;
  /** Metric value per matching event: "1" counts events; a selector such as `$.latencyMs.total` measures. */
  value: string;
  /** Alarm statistic: Sum for counts; an extended statistic (p99) for measures. */
  statistic: "Sum" | "p99";
  threshold: number;
  /** Frameworks' wording for why this is watched, printed in the evidence report. */
  why: string;
}

const GW = "gateway-audit" as const;

/** The output guard's built-in detectors (services/gateway/src/pii.ts); audit lines count redactions by these names. */
export const BUILTIN_REDACTIONS = ["email", "phone", "ssn", "card", "iban", "ipv4", "ipv6"] as const;

/**
 * Signals from the gateway's audit lines (one JSON line per request; see services/gateway).
 * `redactionKinds`: the detector names whose counts appear under `redactions` (the built-ins plus
 * the stack's configured patterns); filter patterns have no wildcard over property names.
 */
export function gatewaySignals(t: MonitoringThresholds, redactionKinds: readonly string[] = BUILTIN_REDACTIONS): Signal[] {
  const redacted = redactionKinds.map((k) => `$.redactions.${k} > 0`).join(" || ");
  return [
    {
      id: "auth-failures",
      description: "Failed authentications at the gateway (missing, invalid or expired credentials)",
      source: GW,
      pattern: '{ $.status = 401 && $.decision = "denied" }',
      value: "1",
      statistic: "Sum",
      threshold: t.authFailures,
      why: "failed authentication attempts (credential stuffing, leaked or expired keys)",
    },
    {
      id: "authz-denials",
      description: "Authorisation denials: an authenticated principal asked for a model its rules do not allow",
      source: GW,
      pattern: '{ $.status = 404 && $.decision = "denied" }',
      value: "1",
      statistic: "Sum",
      threshold: t.authzDenials,
      why: "access attempts beyond a principal's rules",
    },
    {
      id: "injection-blocks",
      description: "Prompt-injection attempts blocked or flagged by the input guard",
      source: GW,
      pattern: '{ ($.decision = "blocked" || $.decision = "flagged") && $.reasons[0] = "prompt_injection" }',
      value: "1",
      statistic: "Sum",
      threshold: t.injectionBlocks,
      why: "unexpected model behaviour being attempted through the prompt",
    },
    {
      id: "rate-limited",
      description: "Requests refused by the per-principal rate limits",
      source: GW,
      pattern: '{ $.decision = "rate_limited" }',
      value: "1",
      statistic: "Sum",
      threshold: t.rateLimited,
      why: "unusual traffic from one principal",
    },
    {
      id: "redactions",
      description: "Responses in which the output guard redacted personal data",
      source: GW,
      pattern: `{ ${redacted} }`,
      value: "1",
      statistic: "Sum",
      threshold: t.redactions,
      why: "the model emitting personal data it should not have",
    },
    {
      id: "upstream-errors",
      description: "Model server errors and time-outs seen by the gateway (5xx)",
      source: GW,
      pattern: "{ $.status >= 500 }",
      value: "1",
      statistic: "Sum",
      threshold: t.upstreamErrors,
      why: "availability of the model servers",
    },
    {
      id: "latency-p99",
      description: "p99 of the gateway's total request latency (ms)",
      source: GW,
      pattern: "{ $.latencyMs.total >= 0 }",
      value: "$.latencyMs.total",
      statistic: "p99",
      threshold: t.latencyP99Ms,
      why: "degraded service before it becomes an outage",
    },
  ];
}

/**
 * Signals that mean compromise or tampering rather than load: every one alarms at the first event.
 * `noEgress`: in a stack with no internet path, any connection the firewall sees leaving is an
 * indicator of compromise, not noise.
 */
export function securitySignals(opts: { noEgress: boolean }): Signal[] {
  const out: Signal[] = [];
  if (opts.noEgress) {
    out.push({
      id: "egress-attempt",
      description: "Something tried to leave a VPC that has no internet path (firewall alert)",
      source: "firewall-alert",
      pattern: '{ $.event.event_type = "alert" }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "exfiltration or a compromised workload calling out",
    });
  }
  out.push(
    {
      id: "pod-exec",
      description: "Someone ran a command inside a pod (kubectl exec / attach) — EKS audit log",
      source: "eks-control-plane",
      pattern: '{ $.objectRef.resource = "pods" && ($.objectRef.subresource = "exec" || $.objectRef.subresource = "attach") }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "interactive access to workloads that handle prompts and weights",
    },
    {
      id: "secret-read",
      description: "A person (not a node or controller) read a Kubernetes Secret — EKS audit log",
      source: "eks-control-plane",
      pattern: '{ $.objectRef.resource = "secrets" && ($.verb = "get" || $.verb = "list" || $.verb = "watch") && $.user.username != "system:*" && $.user.username != "eks:*" }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "reads of certificates, keys and API keys stored as Secrets",
    },
    {
      id: "firewall-changed",
      description: "The Network Firewall, its policy, rule groups or logging changed",
      source: "cloudtrail",
      pattern:
        '{ $.eventSource = "network-firewall.amazonaws.com" && ($.eventName = "Update*" || $.eventName = "Delete*" || $.eventName = "Disassociate*" || $.eventName = "Associate*") }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "changes to the boundary that keeps prompts and weights inside",
    },
    {
      id: "endpoint-changed",
      description: "A VPC endpoint or its policy was changed or deleted",
      source: "cloudtrail",
      pattern: '{ $.eventSource = "ec2.amazonaws.com" && ($.eventName = "ModifyVpcEndpoint" || $.eventName = "DeleteVpcEndpoints" || $.eventName = "CreateVpcEndpoint") }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "changes to the private paths to AWS APIs and their data-perimeter policies",
    },
    {
      id: "key-policy-changed",
      description: "A KMS key policy or grant changed",
      source: "cloudtrail",
      pattern: '{ $.eventSource = "kms.amazonaws.com" && ($.eventName = "PutKeyPolicy" || $.eventName = "CreateGrant" || $.eventName = "RevokeGrant" || $.eventName = "CancelKeyDeletion") }',
      value: "1",
      statistic: "Sum",
      threshold: 1,
      why: "who can decrypt weights, logs and the audit trail",
    },
  );
  return out;
}

/**
 * Model-store object reads by anyone but the model pods' roles and the publisher/admin roles.
 * CloudTrail records the assumed role's ARN as `userIdentity.sessionContext.sessionIssuer.arn`.
 */
export function modelReadSignal(bucketName: string, allowedRoleArns: string[]): Signal {
  const exclusions = allowedRoleArns.map((arn) => ` && $.userIdentity.sessionContext.sessionIssuer.arn != "${arn}"`).join("");
  return {
    id: "model-store-foreign-read",
    description: "A model file was read by a principal other than the model servers and the publishers",
    source: "cloudtrail",
    pattern: `{ $.eventSource = "s3.amazonaws.com" && $.eventName = "GetObject" && $.requestParameters.bucketName = "${bucketName}"${exclusions} }`,
    value: "1",
    statistic: "Sum",
    threshold: 1,
    why: "weights leaving the serving path",
  };
}

/** Saved CloudWatch Logs Insights queries for the reviews an auditor expects. */
export interface SavedQuery {
  id: string;
  name: string;
  source: LogSource;
  query: string;
}

export const SAVED_QUERIES: readonly SavedQuery[] = [
  {
    id: "model-usage-by-principal",
    name: "Who used which model",
    source: GW,
    query: "fields principal.id as principal, model\n| filter decision in [\"allowed\", \"flagged\"]\n| stats count(*) as requests, sum(tokens.total) as tokens by principal, model\n| sort requests desc",
  },
  {
    id: "failed-access-by-principal",
    name: "Failed access by principal and client",
    source: GW,
    query: "fields principal.id as principal, clientAddress, status, reasons.0 as reason\n| filter decision = \"denied\"\n| stats count(*) as failures by principal, clientAddress, status, reason\n| sort failures desc",
  },
  {
    id: "injection-attempts",
    name: "Prompt-injection attempts",
    source: GW,
    query: "fields @timestamp, principal.id as principal, model, decision, inputGuard.source as detector, inputGuard.score as score, promptSha256\n| filter reasons.0 = \"prompt_injection\"\n| sort @timestamp desc",
  },
  {
    id: "key-and-trail-admin",
    name: "Administrative actions on keys and the trail",
    source: "cloudtrail",
    query:
      "fields @timestamp, eventSource, eventName, userIdentity.arn as who, sourceIPAddress, errorCode\n| filter (eventSource = \"kms.amazonaws.com\" and eventName not in [\"Decrypt\", \"Encrypt\", \"GenerateDataKey\", \"GenerateDataKeyWithoutPlaintext\", \"ReEncrypt\", \"DescribeKey\", \"Sign\", \"GetPublicKey\"]) or eventSource = \"cloudtrail.amazonaws.com\"\n| sort @timestamp desc",
  },
];
