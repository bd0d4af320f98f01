/**
 * Price rules: for every resource type the program can declare, either a rule that turns a
 * registration into priced line items, or an explicit statement of why it costs nothing. A type
 * with neither is an error (the cost tests synthesize every committed stack and check), so a new
 * billable resource cannot slip into a stack unpriced.
 */
import { GP3 } from "../../components/cluster/node-storage";
import type { Registration } from "../check/synth";
import type { Price, PriceBook } from "./prices";
import type { Usage } from "./usage";

/** A quantity at the node groups' minimum, desired and maximum sizes (equal for fixed items). */
export interface Scaled {
  min: number;
  desired: number;
  max: number;
}

export interface LineItem {
  /** Logical name of the resource the line prices ("" for stack-wide usage lines). */
  resource: string;
  type: string;
  what: string;
  /** Quantity per month, in the price's unit. */
  quantity: Scaled;
  unit: string;
  price?: Price;
  /** Why there is no price, when there is none. */
  missing?: string;
  /** quantity × price; undefined when the price is missing. */
  monthly?: Scaled;
  /** Where the quantity comes from, when it is an assumption rather than declared. */
  basis?: string;
  /** Which node group this line scales with (instance-hours and node volumes). */
  nodeGroup?: string;
}

export interface RuleContext {
  region: string;
  book: PriceBook;
  usage: Usage;
  byUrn: Map<string, Registration>;
  all: Registration[];
  /** Node counts to price instead of the declared min/desired/max (used to price a load). */
  nodesOverride?: Record<string, number>;
}

export type Rule = (reg: Registration, ctx: RuleContext) => LineItem[];

const fixed = (n: number): Scaled => ({ min: n, desired: n, max: n });
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** A line for `quantity` of price `key`, with the price or the reason it is missing. */
export function line(ctx: RuleContext, reg: Registration | undefined, key: string, what: string, quantity: Scaled, extra: Partial<LineItem> = {}): LineItem {
  const price = ctx.book.lookup(key, ctx.region);
  const base: LineItem = { resource: reg?.name ?? "", type: reg?.type ?? "", what, quantity, unit: price?.unit ?? key, ...extra };
  if (!price) return { ...base, missing: extra.missing ?? `no price for ${key} in ${ctx.region} in the committed table; supply one with --prices FILE` };
  const monthly = { min: quantity.min * price.usd, desired: quantity.desired * price.usd, max: quantity.max * price.usd };
  return { ...base, price, monthly, missing: undefined };
}

type Json = Record<string, unknown>;
const inputs = (r: Registration) => r.inputs as Json;

/** Nodes of a node group at min, desired and max (or the override for a priced load). */
export function nodeCounts(reg: Registration, ctx: RuleContext): Scaled {
  const sc = (inputs(reg).scalingConfig ?? {}) as { minSize?: number; desiredSize?: number; maxSize?: number };
  const name = String(inputs(reg).nodeGroupName ?? reg.name);
  const o = ctx.nodesOverride?.[name];
  if (o !== undefined) return fixed(o);
  const min = sc.minSize ?? 0;
  return { min, desired: sc.desiredSize ?? min, max: sc.maxSize ?? min };
}

/** The launch template a node group uses: by its property dependency, else by its logical name. */
function launchTemplateOf(reg: Registration, ctx: RuleContext): Registration | undefined {
  for (const urn of reg.propertyDependencies.launchTemplate ?? []) {
    const lt = ctx.byUrn.get(urn);
    if (lt?.type === "aws:ec2/launchTemplate:LaunchTemplate") return lt;
  }
  return ctx.all.find((r) => r.type === "aws:ec2/launchTemplate:LaunchTemplate" && r.name === reg.name);
}

/** The instance type a node group launches: its first listed type, or its launch template's. */
export function instanceTypeOf(reg: Registration, ctx: RuleContext): string | undefined {
  const types = inputs(reg).instanceTypes as string[] | undefined;
  if (types && types.length > 0 && types[0] !== UNKNOWN) return types[0];
  const lt = launchTemplateOf(reg, ctx);
  const t = lt ? (inputs(lt).instanceType as string | undefined) : undefined;
  return t && t !== UNKNOWN ? t : undefined;
}

const scale = (s: Scaled, k: number): Scaled => ({ min: s.min * k, desired: s.desired * k, max: s.max * k });

/**
 * Provisioned gp3 performance billed beyond what every gp3 volume includes (125 MiB/s and 3,000
 * IOPS per volume), summed over a launch template's gp3 volumes.
 * https://docs.aws.amazon.com/ebs/latest/userguide/general-purpose.html#gp3-ebs-volume-type
 */
export function gp3Provisioned(mappings: readonly { ebs?: { volumeType?: string; throughput?: number; iops?: number } }[]): { mibps: number; iops: number } {
  let mibps = 0;
  let iops = 0;
  for (const m of mappings) {
    if (m.ebs?.volumeType !== "gp3") continue;
    if (typeof m.ebs.throughput === "number") mibps += Math.max(0, m.ebs.throughput - GP3.baseMiBps);
    if (typeof m.ebs.iops === "number") iops += Math.max(0, m.ebs.iops - GP3.baseIops);
  }
  return { mibps, iops };
}

const nodeGroup: Rule = (reg, ctx) => {
  const hours = ctx.book.hoursPerMonth;
  const name = String(inputs(reg).nodeGroupName ?? reg.name);
  const nodes = nodeCounts(reg, ctx);
  const type = instanceTypeOf(reg, ctx);
  const capacity = String(inputs(reg).capacityType ?? "ON_DEMAND");
  const out: LineItem[] = [];
  const extra = { nodeGroup: name };
  if (!type) {
    out.push({ resource: reg.name, type: reg.type, what: "instances", quantity: scale(nodes, hours), unit: "instance-hour", missing: "instance type unknown at preview", ...extra });
  } else if (capacity === "CAPACITY_BLOCK") {
    out.push(line(ctx, reg, `ec2-capacity-block:${type}`, `${type} capacity block, ${name}`, scale(nodes, hours), { ...extra, basis: "capacity blocks are paid up front for the reserved period; priced here per hour the nodes run" }));
  } else {
    const l = line(ctx, reg, `ec2:${type}`, `${type} ${capacity === "SPOT" ? "spot" : "on demand"}, ${name}`, scale(nodes, hours), extra);
    if (capacity === "SPOT" && l.price) {
      // Spot prices move hourly and no dated figure is committed: the on-demand price bounds it.
      l.price = { ...l.price, confidence: "unconfirmed", note: "spot: priced at the on-demand rate, an upper bound" };
    }
    out.push(l);
  }
  const lt = launchTemplateOf(reg, ctx);
  const mappings = (lt ? (inputs(lt).blockDeviceMappings as { ebs?: { volumeSize?: number; volumeType?: string; throughput?: number; iops?: number } }[] | undefined) : undefined) ?? [];
  const gb = mappings.reduce((sum, m) => sum + (typeof m.ebs?.volumeSize === "number" ? m.ebs.volumeSize : 0), 0);
  if (gb > 0) out.push(line(ctx, reg, "ebs:gp3-gb-month", `gp3 volumes, ${gb} GB per node, ${name}`, scale(nodes, gb), extra));
  const { mibps, iops } = gp3Provisioned(mappings);
  if (mibps > 0) out.push(line(ctx, reg, "ebs:gp3-mibps-month", `gp3 throughput above the included 125 MiB/s, ${mibps} MiB/s per node, ${name}`, scale(nodes, mibps), extra));
  if (iops > 0) out.push(line(ctx, reg, "ebs:gp3-iops-month", `gp3 IOPS above the included 3,000, ${iops} per node, ${name}`, scale(nodes, iops), extra));
  return out;
};

const logGroup: Rule = (reg, ctx) => {
  const i = inputs(reg);
  const name = String(i.name ?? reg.name);
  const u = ctx.usage;
  const retention = typeof i.retentionInDays === "number" ? i.retentionInDays : 3653;
  let gb: number;
  let basis: string;
  if (/\/audit\/gateway$/.test(name)) {
    gb = (u.requestsPerMonth * u.auditBytesPerRequest) / 1e9;
    basis = `${Math.round(u.requestsPerMonth).toLocaleString("en-US")} requests x ${u.auditBytesPerRequest} bytes per audit line`;
  } else if (/\/content\//.test(name) || (i.tags as Json | undefined)?.["log-class"] === "content") {
    gb = (u.requestsPerMonth * (u.promptTokens + u.completionTokens) * u.bytesPerToken) / 1e9;
    basis = `content logging: ${u.promptTokens + u.completionTokens} tokens x ${u.bytesPerToken} bytes per request`;
  } else {
    gb = u.otherLogGbPerMonth;
    basis = `assumed ${u.otherLogGbPerMonth} GB a month (--usage otherLogGbPerMonth)`;
  }
  const storedMonths = Math.min(12, retention / 30.4);
  return [
    line(ctx, reg, "logs:ingest-gb", `ingestion, ${name}`, fixed(gb), { basis }),
    line(ctx, reg, "logs:storage-gb-month", `storage in month 12, ${name} (retention ${retention} days)`, fixed(gb * storedMonths), { basis: `${storedMonths.toFixed(1)} months of ingestion kept` }),
  ];
};

const bucket: Rule = (reg, ctx) => {
  const cls = ((inputs(reg).tags ?? {}) as Json)["data-class"];
  if (cls === "model-artifacts") {
    return [line(ctx, reg, "s3:standard-gb-month", "model artifacts", fixed(ctx.usage.modelStoreGb), { basis: `the stack's models (storageGiB) x ${ctx.usage.modelVersionsKept} versions kept` })];
  }
  const gb = ctx.usage.auditArchiveGbPerMonth * 12;
  return [line(ctx, reg, "s3:standard-gb-month", `storage in month 12 (${cls ?? "bucket"})`, fixed(gb), { basis: `assumed ${ctx.usage.auditArchiveGbPerMonth} GB a month written (--usage auditArchiveGbPerMonth)` })];
};

const vpcEndpoint: Rule = (reg, ctx) => {
  const i = inputs(reg);
  if (i.vpcEndpointType !== "Interface") return [];
  const azs = Array.isArray(i.subnetIds) ? i.subnetIds.length : 0;
  const service = String(i.serviceName ?? "").split(".").slice(3).join(".") || reg.name;
  return [line(ctx, reg, "vpce:interface-az-hour", `interface endpoint ${service} in ${azs} AZ`, fixed(azs * ctx.book.hoursPerMonth))];
};

const firewall: Rule = (reg, ctx) => {
  const n = Array.isArray(inputs(reg).subnetMappings) ? (inputs(reg).subnetMappings as unknown[]).length : 0;
  return [
    line(ctx, reg, "networkfirewall:endpoint-hour", `${n} firewall endpoints`, fixed(n * ctx.book.hoursPerMonth)),
    line(ctx, reg, "networkfirewall:gb", "traffic inspected", fixed(ctx.usage.egressGbPerMonth), { basis: `assumed ${ctx.usage.egressGbPerMonth} GB a month leaving through the firewall (--usage egressGbPerMonth)` }),
  ];
};

const natGateway: Rule = (reg, ctx) => {
  const out = [line(ctx, reg, "nat:hour", "NAT gateway", fixed(ctx.book.hoursPerMonth))];
  // A NAT gateway behind a Network Firewall endpoint has its hourly charge waived one for one.
  const firewalls = ctx.all.filter((r) => r.type === "aws:networkfirewall/firewall:Firewall");
  if (firewalls.length > 0) {
    out.push(line(ctx, reg, "nat:hour", "NAT hours waived: chained behind a Network Firewall endpoint", fixed(-ctx.book.hoursPerMonth), { basis: "AWS waives NAT hourly and per-GB charges one for one for NAT gateways behind firewall endpoints" }));
  }
  return out;
};

const service: Rule = (reg, ctx) => {
  const spec = (inputs(reg).spec ?? {}) as Json;
  if (spec.type !== "LoadBalancer") return [];
  return [line(ctx, reg, "elb:nlb-hour", "internal network load balancer", fixed(ctx.book.hoursPerMonth))];
};

/** An anomaly-detection alarm is billed as three standard alarm metrics (the metric and its band). */
const metricAlarm: Rule = (reg, ctx) => {
  const queries = ((reg.inputs as Json).metricQueries ?? []) as { expression?: string }[];
  const anomaly = queries.some((q) => typeof q.expression === "string" && q.expression.startsWith("ANOMALY_DETECTION_BAND"));
  return [line(ctx, reg, "cloudwatch:alarm-month", anomaly ? "anomaly-detection alarm (3 alarm metrics)" : "metric alarm", fixed(anomaly ? 3 : 1))];
};

const perMonth =
  (key: string, what: string): Rule =>
  (reg, ctx) => [line(ctx, reg, key, what, fixed(1))];
const perHour =
  (key: string, what: string): Rule =>
  (reg, ctx) => [line(ctx, reg, key, what, fixed(ctx.book.hoursPerMonth))];

/** A Resolver endpoint is billed per network interface: one per listed address. */
const resolverEndpoint: Rule = (reg, ctx) => {
  const enis = (((reg.inputs as Json).ipAddresses ?? []) as unknown[]).length;
  return [line(ctx, reg, "route53resolver:eni-hour", `Resolver endpoint (${enis} network interfaces)`, fixed(ctx.book.hoursPerMonth * enis))];
};

export const RULES: Record<string, Rule> = {
  "aws:ec2transitgateway/vpcAttachment:VpcAttachment": perHour("tgw:attachment-hour", "Transit Gateway VPC attachment"),
  "aws:route53/resolverEndpoint:ResolverEndpoint": resolverEndpoint,
  "aws:route53/zone:Zone": perMonth("route53:hosted-zone-month", "private hosted zone"),
  "aws:eks/cluster:Cluster": perHour("eks:cluster-hour", "EKS control plane"),
  "aws:eks/nodeGroup:NodeGroup": nodeGroup,
  "aws:networkfirewall/firewall:Firewall": firewall,
  "aws:ec2/natGateway:NatGateway": natGateway,
  "aws:ec2/eip:Eip": perHour("ec2:public-ipv4-hour", "public IPv4 address (NAT gateway)"),
  "aws:ec2/vpcEndpoint:VpcEndpoint": vpcEndpoint,
  "aws:kms/key:Key": perMonth("kms:key-month", "customer managed key"),
  "aws:cloudwatch/logGroup:LogGroup": logGroup,
  "aws:cloudwatch/metricAlarm:MetricAlarm": metricAlarm,
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": perMonth("cloudwatch:custom-metric-month", "custom metric published by the filter"),
  "aws:cloudwatch/dashboard:Dashboard": perMonth("cloudwatch:dashboard-month", "dashboard"),
  "aws:cloudwatch/contributorInsightRule:ContributorInsightRule": perMonth("cloudwatch:contributor-insights-rule-month", "Contributor Insights rule"),
  "aws:s3/bucket:Bucket": bucket,
  "kubernetes:core/v1:Service": service,
  "aws:guardduty/detector:Detector": (reg, ctx) => [
    line(ctx, reg, "guardduty:account-month", "GuardDuty: billed per event analysed and per vCPU-hour monitored", fixed(1), {
      missing: "GuardDuty is billed by usage (CloudTrail and EKS audit events analysed, S3 data events, vCPU-hours under runtime monitoring); no dated price is committed: supply an estimate with --prices FILE (key guardduty:account-month)",
    }),
  ],
  "aws:cfg/recorder:Recorder": (reg, ctx) => [
    line(ctx, reg, "config:recorder-month", "AWS Config: billed per configuration item recorded", fixed(1), {
      missing: "AWS Config recording is billed per configuration item (one per change of a recorded resource); no dated price is committed: supply an estimate with --prices FILE (key config:recorder-month)",
    }),
  ],
  "aws:backup/vault:Vault": (reg, ctx) => [
    line(ctx, reg, "backup:vault-month", "AWS Backup: recovery points of S3 billed per GB-month stored (and per GB copied to another region)", fixed(1), {
      missing: "AWS Backup is billed per GB-month of the S3 recovery points a vault holds (about the size of the backed-up buckets, kept storage.backup.retentionDays) and per GB copied to another region; no dated price is committed: supply an estimate with --prices FILE (key backup:vault-month)",
    }),
  ],
  "aws:securityhub/account:Account": (reg, ctx) => [
    line(ctx, reg, "securityhub:account-month", "Security Hub: billed per security check and per finding ingested", fixed(1), {
      missing: "Security Hub is billed per security check run and per finding ingested; no dated price is committed: supply an estimate with --prices FILE (key securityhub:account-month)",
    }),
  ],
};

/** Types that cost nothing by themselves, and why (the reason is printed with --explain). */
export const NO_CHARGE: Record<string, string> = {
  "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "no charge for network ACLs",
  "aws:ec2/networkAcl:NetworkAcl": "no charge for network ACLs",
  "aws:route53/resolverFirewallConfig:ResolverFirewallConfig": "a setting of the VPC, no charge",
  "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": "DNS Firewall bills per domain stored and per query; both depend on volume and are not estimated",
  "aws:route53/resolverFirewallRule:ResolverFirewallRule": "no charge per rule; DNS Firewall queries are not estimated",
  "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": "no charge per rule group; DNS Firewall queries are not estimated",
  "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": "DNS Firewall bills per million queries inspected; depends on query volume, not estimated",
  "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": "no charge for the configuration; the log ingestion is priced with the log groups",
  "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": "no charge for the association",
  "aws:route53/record:Record": "no charge for a record; queries to an alias record of a load balancer are not charged",
  "aws:route53/resolverRule:ResolverRule": "Resolver rules bill per million forwarded queries; depends on query volume, not estimated",
  "aws:route53/resolverRuleAssociation:ResolverRuleAssociation": "no charge for the association",
  "aws:cloudtrail/trail:Trail": "first copy of management events is free; its data events are priced as a stack-wide usage line",
  "aws:ec2/launchTemplate:LaunchTemplate": "its volumes are priced with the node group that launches it",
  "aws:ec2/vpc:Vpc": "no charge for a VPC",
  "aws:ec2/subnet:Subnet": "no charge for subnets",
  "aws:ec2/routeTable:RouteTable": "no charge for route tables",
  "aws:ec2/routeTableAssociation:RouteTableAssociation": "no charge for route table associations",
  "aws:ec2/route:Route": "no charge for routes",
  "aws:ec2/internetGateway:InternetGateway": "no charge for an internet gateway (traffic is priced at the NAT gateway and firewall)",
  "aws:ec2/securityGroup:SecurityGroup": "no charge for security groups",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "no charge for security groups",
  "aws:ec2/flowLog:FlowLog": "flow log delivery is priced as ingestion into its log group",
  "aws:iam/role:Role": "IAM is free",
  "aws:iam/rolePolicy:RolePolicy": "IAM is free",
  "aws:iam/rolePolicyAttachment:RolePolicyAttachment": "IAM is free",
  "aws:kms/alias:Alias": "no charge for KMS aliases",
  "aws:backup/plan:Plan": "no charge for a plan; what it stores is priced with the vault",
  "aws:backup/selection:Selection": "no charge for a selection",
  "aws:backup/vaultLockConfiguration:VaultLockConfiguration": "no charge for Vault Lock",
  "aws:backup/vaultPolicy:VaultPolicy": "no charge for a vault access policy",
  "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": "an account setting: no charge",
  "aws:ebs/encryptionByDefault:EncryptionByDefault": "a regional account setting: no charge (encrypted volumes cost what unencrypted ones do)",
  "aws:ebs/defaultKmsKey:DefaultKmsKey": "a regional account setting: no charge (the key itself is priced as a KMS key)",
  "aws:s3/bucketOwnershipControls:BucketOwnershipControls": "bucket configuration: no charge",
  "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": "bucket configuration: no charge",
  "aws:s3/bucketVersioning:BucketVersioning": "bucket configuration: no charge (versions kept are counted in the bucket's storage)",
  "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": "bucket configuration: no charge (KMS requests are a stack-wide usage line)",
  "aws:s3/bucketPolicy:BucketPolicy": "bucket configuration: no charge",
  "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": "bucket configuration: no charge",
  "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration": "bucket configuration: no charge",
  "aws:sns/topic:Topic": "alarm notifications are a few messages a month, inside SNS's monthly free publishes",
  "aws:sns/topicPolicy:TopicPolicy": "no charge for topic policies",
  "aws:guardduty/detectorFeature:DetectorFeature": "priced with the GuardDuty detector (usage)",
  "aws:securityhub/standardsSubscription:StandardsSubscription": "priced with the Security Hub account (checks)",
  "aws:cfg/rule:Rule": "rule evaluations are priced as one stack-wide usage line",
  "aws:cfg/deliveryChannel:DeliveryChannel": "no charge for the channel; delivered files are counted in the delivery bucket's storage",
  "aws:cfg/recorderStatus:RecorderStatus": "priced with the recorder (configuration items)",
  "aws:cfg/retentionConfiguration:RetentionConfiguration": "no charge for keeping configuration items",
  "aws:accessanalyzer/analyzer:Analyzer": "an account analyzer of external access is free",
  "aws:ecr/repository:Repository": "repositories are free; stored layers are a stack-wide usage line",
  "aws:ecr/lifecyclePolicy:LifecyclePolicy": "no charge for lifecycle policies",
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "no charge for the rule; cached layers are counted as ECR storage",
  "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "no charge for creation templates",
  "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": "scans are priced as Inspector usage lines",
  "aws:inspector2/enabler:Enabler": "Inspector scans are stack-wide usage lines",
  "aws:cloudwatch/eventRule:EventRule": "rules matching AWS service events are free",
  "aws:cloudwatch/eventTarget:EventTarget": "no charge for targets; delivery is priced as log ingestion",
  "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "no charge for resource policies",
  "aws:sns/topicSubscription:TopicSubscription": "e-mail notifications of alarms: a few a month, inside SNS's monthly free e-mail deliveries",
  "aws:cloudwatch/queryDefinition:QueryDefinition": "saved queries are free; running them is priced per GB scanned",
  "aws:networkfirewall/ruleGroup:RuleGroup": "rule groups are included in the firewall endpoint price",
  "aws:networkfirewall/firewallPolicy:FirewallPolicy": "included in the firewall endpoint price",
  "aws:networkfirewall/loggingConfiguration:LoggingConfiguration": "log delivery is priced as ingestion into its log groups",
  "aws:eks/accessEntry:AccessEntry": "EKS access entries are free",
  "aws:eks/accessPolicyAssociation:AccessPolicyAssociation": "EKS access entries are free",
  "aws:eks/addon:Addon": "EKS add-ons are free (they run on the priced nodes)",
  "aws:eks/podIdentityAssociation:PodIdentityAssociation": "Pod Identity is free",
  "pulumi:providers:kubernetes": "a Pulumi provider, not a cloud resource",
  "pulumi:providers:aws": "a Pulumi provider, not a cloud resource",
  "random:index/randomPassword:RandomPassword": "generated locally by Pulumi",
  "tls:index/privateKey:PrivateKey": "generated locally by Pulumi",
  "tls:index/certRequest:CertRequest": "generated locally by Pulumi",
  "tls:index/selfSignedCert:SelfSignedCert": "generated locally by Pulumi",
  "tls:index/locallySignedCert:LocallySignedCert": "generated locally by Pulumi",
  "kubernetes:core/v1:Namespace": "Kubernetes objects run on the priced nodes",
  "kubernetes:core/v1:ServiceAccount": "Kubernetes objects run on the priced nodes",
  "kubernetes:core/v1:ConfigMap": "Kubernetes objects run on the priced nodes",
  "kubernetes:core/v1:Secret": "Kubernetes objects run on the priced nodes",
  "kubernetes:networking.k8s.io/v1:NetworkPolicy": "Kubernetes objects run on the priced nodes",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole": "Kubernetes objects run on the priced nodes",
  "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding": "Kubernetes objects run on the priced nodes",
  "kubernetes:rbac.authorization.k8s.io/v1:Role": "Kubernetes objects run on the priced nodes",
  "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding": "Kubernetes objects run on the priced nodes",
  "kubernetes:policy/v1:PodDisruptionBudget": "Kubernetes objects run on the priced nodes",
  "kubernetes:apps/v1:Deployment": "pods run on the priced nodes",
  "kubernetes:apps/v1:DaemonSet": "pods run on the priced nodes",
  "kubernetes:autoscaling/v2:HorizontalPodAutoscaler": "Kubernetes objects run on the priced nodes",
  "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition": "Kubernetes objects run on the priced nodes",
  "kubernetes:apiregistration.k8s.io/v1:APIService": "Kubernetes objects run on the priced nodes",
  "kubernetes:keda.sh/v1alpha1:ScaledObject": "Kubernetes objects run on the priced nodes",
};

/** Custom resource types with neither a rule nor a no-charge reason. */
export function unpricedTypes(regs: Registration[]): string[] {
  const types = new Set(regs.filter((r) => r.custom).map((r) => r.type));
  return [...types].filter((t) => !(t in RULES) && !(t in NO_CHARGE)).sort();
}

/**
 * The lines of registrations whose rule read neither the usage nor the node counts of its
 * context: the same at every volume, so pricing one stack at many volumes (the break-even search
 * prices it at hundreds) runs each such rule once. Which rules those are is observed, not
 * declared: a rule that reads `usage` or `nodesOverride` is run every time. Valid for one list of
 * registrations, one region and one price book (`priceRegistrations` checks).
 */
export class VolumeInvariantLines {
  readonly lines = new Map<Registration, LineItem[]>();
  constructor(
    readonly regs: Registration[],
    readonly region: string,
    readonly book: PriceBook,
  ) {}
}

/** Line items for every registration, plus the stack-wide usage lines. */
export function priceRegistrations(regs: Registration[], ctx: Omit<RuleContext, "byUrn" | "all">, invariant?: VolumeInvariantLines): LineItem[] {
  const full: RuleContext = { ...ctx, byUrn: new Map(regs.map((r) => [r.urn, r])), all: regs };
  if (invariant && (invariant.regs !== regs || invariant.region !== ctx.region || invariant.book !== ctx.book)) throw new Error("priceRegistrations: invariant lines of another stack, region or price book");
  let volumeDependent = false;
  const watched: RuleContext = invariant
    ? new Proxy(full, {
        get(target, key, receiver) {
          if (key === "usage" || key === "nodesOverride") volumeDependent = true;
          return Reflect.get(target, key, receiver);
        },
      })
    : full;
  const lines: LineItem[] = [];
  for (const reg of regs) {
    if (!reg.custom) continue;
    const rule = RULES[reg.type];
    if (!rule) continue;
    const kept = invariant?.lines.get(reg);
    if (kept) {
      lines.push(...kept);
      continue;
    }
    volumeDependent = false;
    const own = rule(reg, watched);
    if (invariant && !volumeDependent) invariant.lines.set(reg, own);
    lines.push(...own);
  }
  const u = ctx.usage;
  if (regs.some((r) => r.type === "aws:cloudtrail/trail:Trail")) {
    lines.push(line(full, undefined, "cloudtrail:100k-data-events", "CloudTrail S3 data events on the model store", fixed(u.dataEventsPerMonth / 100_000), { basis: `${u.dataEventsPerMonth.toLocaleString("en-US")} object reads and writes a month (--usage dataEventsPerMonth)` }));
  }
  const billableKms = Math.max(0, u.kmsRequestsPerMonth - 20_000);
  lines.push(line(full, undefined, "kms:10k-requests", "KMS requests beyond the 20,000 free", fixed(billableKms / 10_000), { basis: `${u.kmsRequestsPerMonth.toLocaleString("en-US")} requests a month (--usage kmsRequestsPerMonth)` }));
  if (regs.some((r) => r.type === "aws:ecr/repository:Repository")) {
    lines.push(line(full, undefined, "ecr:storage-gb-month", "image layers in the stack's ECR repositories", fixed(u.registryGb), { basis: `${u.registryGb} GB stored (--usage registryGb)` }));
  }
  if (regs.some((r) => r.type === "aws:inspector2/enabler:Enabler")) {
    lines.push(line(full, undefined, "inspector:ecr-image-scan", "Inspector scans of new images", fixed(u.imagesScannedPerMonth), { basis: `${u.imagesScannedPerMonth} images a month (--usage imagesScannedPerMonth)` }));
    lines.push(line(full, undefined, "inspector:ecr-image-rescan", "Inspector continuous rescans", fixed(u.imageRescansPerMonth), { basis: `${u.imageRescansPerMonth} rescans a month (--usage imageRescansPerMonth)` }));
  }
  const configRules = regs.filter((r) => r.type === "aws:cfg/rule:Rule").length;
  if (configRules > 0) {
    lines.push(
      line(full, undefined, "config:rule-evaluations-month", `AWS Config: evaluations of the stack's ${configRules} rules`, fixed(1), {
        missing: `AWS Config is billed per rule evaluation (on every change of a resource in a rule's scope, or daily for periodic rules; ${configRules} rules); no dated price is committed: supply an estimate with --prices FILE (key config:rule-evaluations-month)`,
      }),
    );
  }
  if (regs.some((r) => r.type === "aws:ec2/vpcEndpoint:VpcEndpoint" && (r.inputs as Json).vpcEndpointType === "Interface")) {
    lines.push(line(full, undefined, "vpce:interface-gb", "data through interface endpoints (model downloads, image pulls, logs)", fixed(u.endpointGbPerMonth), { basis: `${u.endpointGbPerMonth} GB a month (--usage endpointGbPerMonth)` }));
  }
  return lines;
}
