/**
 * Name rules of the AWS resource types the platform names, and the physical name a resource
 * will get. Pure: no resources, no SDK.
 *
 * Pulumi auto-names a resource whose name input is absent: its logical name, a hyphen and seven
 * random characters (eight more characters), lower-cased for S3 buckets. A name over the service's
 * limit is refused by the provider or by AWS only at `pulumi up`, after other resources exist;
 * here it is found offline.
 * IAM: https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html#reference_iam-quotas-names
 * S3: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
 * CloudWatch Logs: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html
 * KMS: https://docs.aws.amazon.com/kms/latest/APIReference/API_CreateAlias.html
 * EKS: https://docs.aws.amazon.com/eks/latest/APIReference/API_CreateCluster.html, API_CreateNodegroup.html
 * Network Firewall: https://docs.aws.amazon.com/network-firewall/latest/APIReference/API_CreateFirewall.html
 * SNS: https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html
 * CloudTrail: https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_CreateTrail.html
 * Route 53 Resolver: https://docs.aws.amazon.com/Route53/latest/APIReference/API_route53resolver_CreateResolverEndpoint.html
 * AWS Config: https://docs.aws.amazon.com/config/latest/APIReference/API_ConfigRule.html, API_ConfigurationRecorder.html, API_DeliveryChannel.html
 * Route 53 hosted zones and records: https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/DomainNameFormat.html
 *   (a domain name is at most 255 octets on the wire, 253 characters written; labels 1 to 63)
 */

export interface NameRule {
  /** The input holding the physical name. */
  prop: string;
  /** The input holding a name prefix, when the type has one. */
  prefixProp?: string;
  /** Characters a prefix gets appended (Terraform's unique suffix). */
  prefixSuffixLength?: number;
  min: number;
  max: number;
  /** Allowed characters / shape, and how to say it. */
  pattern: RegExp;
  patternText: string;
  /** Whether Pulumi auto-names the resource when the name input is absent. Default true. */
  autoNamed?: boolean;
  /** Auto names are lower-cased (S3). */
  lowerCase?: boolean;
}

/** Characters Pulumi adds to a logical name when it auto-names: `-` and seven random characters. */
export const AUTONAME_SUFFIX_LENGTH = 8;
/** Characters Terraform's `name_prefix` appends (a timestamp-based unique id). */
export const PREFIX_SUFFIX_LENGTH = 26;

const IAM_NAME = { pattern: /^[\w+=,.@-]+$/, patternText: "letters, digits and +=,.@_-" };
const FIREWALL_NAME = { pattern: /^[a-zA-Z0-9-]+$/, patternText: "letters, digits and hyphens" };
const DNS_NAME = { pattern: /^(\*\.)?([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.)*[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?\.?$/, patternText: "a DNS name: dot-separated labels of 1 to 63 letters, digits, hyphens and underscores" };
const RESOLVER_NAME = { pattern: /^(?!^[0-9]+$)([a-zA-Z0-9\-_' ']+)$/, patternText: "letters, digits, spaces, hyphens and underscores, not digits only" };

export const NAME_RULES: Record<string, NameRule> = {
  "aws:iam/role:Role": { prop: "name", prefixProp: "namePrefix", min: 1, max: 64, ...IAM_NAME },
  "aws:iam/policy:Policy": { prop: "name", prefixProp: "namePrefix", min: 1, max: 128, ...IAM_NAME },
  "aws:iam/rolePolicy:RolePolicy": { prop: "name", prefixProp: "namePrefix", min: 1, max: 128, ...IAM_NAME },
  "aws:iam/instanceProfile:InstanceProfile": { prop: "name", prefixProp: "namePrefix", min: 1, max: 128, ...IAM_NAME },
  "aws:s3/bucket:Bucket": {
    prop: "bucket",
    prefixProp: "bucketPrefix",
    min: 3,
    max: 63,
    pattern: /^[a-z0-9](?!.*\.\.)[a-z0-9.-]*[a-z0-9]$/,
    patternText: "lower-case letters, digits, dots and hyphens, starting and ending with a letter or digit",
    lowerCase: true,
  },
  "aws:cloudwatch/logGroup:LogGroup": { prop: "name", prefixProp: "namePrefix", min: 1, max: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/, patternText: "letters, digits and ._-/#" },
  "aws:cloudwatch/metricAlarm:MetricAlarm": { prop: "name", min: 1, max: 255, pattern: /^[^\x00-\x1f]+$/, patternText: "printable characters" },
  "aws:cloudwatch/logMetricFilter:LogMetricFilter": { prop: "name", min: 1, max: 512, pattern: /^[^:*]+$/, patternText: "no ':' or '*'" },
  "aws:kms/alias:Alias": { prop: "name", prefixProp: "namePrefix", min: 7, max: 256, pattern: /^alias\/(?!aws\/)[a-zA-Z0-9/_-]+$/, patternText: "alias/ then letters, digits and /_- (not alias/aws/)" },
  "aws:eks/cluster:Cluster": { prop: "name", min: 1, max: 100, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, patternText: "letters, digits, hyphens and underscores, starting with a letter or digit" },
  "aws:eks/nodeGroup:NodeGroup": { prop: "nodeGroupName", prefixProp: "nodeGroupNamePrefix", min: 1, max: 63, pattern: /^[0-9A-Za-z][A-Za-z0-9_-]*$/, patternText: "letters, digits, hyphens and underscores, starting with a letter or digit" },
  "aws:networkfirewall/firewall:Firewall": { prop: "name", min: 1, max: 128, ...FIREWALL_NAME },
  "aws:networkfirewall/firewallPolicy:FirewallPolicy": { prop: "name", min: 1, max: 128, ...FIREWALL_NAME },
  "aws:networkfirewall/ruleGroup:RuleGroup": { prop: "name", min: 1, max: 128, ...FIREWALL_NAME },
  "aws:sns/topic:Topic": { prop: "name", prefixProp: "namePrefix", min: 1, max: 256, pattern: /^[A-Za-z0-9_-]+(\.fifo)?$/, patternText: "letters, digits, hyphens and underscores" },
  "aws:cloudtrail/trail:Trail": { prop: "name", min: 3, max: 128, pattern: /^[A-Za-z0-9](?!.*[._-]{2})[A-Za-z0-9._-]*[A-Za-z0-9]$/, patternText: "letters, digits, . _ -, starting and ending with a letter or digit, no two separators in a row" },
  "aws:ec2/launchTemplate:LaunchTemplate": { prop: "name", prefixProp: "namePrefix", min: 3, max: 128, pattern: /^[a-zA-Z0-9().\-/_]+$/, patternText: "letters, digits and ().-/_" },
  "aws:ec2/securityGroup:SecurityGroup": { prop: "name", prefixProp: "namePrefix", min: 1, max: 255, pattern: /^[\x20-\x7e]+$/, patternText: "ASCII characters" },
  "aws:route53/resolverEndpoint:ResolverEndpoint": { prop: "name", min: 1, max: 64, ...RESOLVER_NAME },
  "aws:route53/resolverRule:ResolverRule": { prop: "name", min: 1, max: 64, ...RESOLVER_NAME },
  "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": { prop: "name", min: 1, max: 64, ...RESOLVER_NAME },
  "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": { prop: "name", min: 1, max: 64, ...RESOLVER_NAME },
  "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": { prop: "name", min: 1, max: 64, ...RESOLVER_NAME },
  "aws:cfg/rule:Rule": { prop: "name", min: 1, max: 128, pattern: /\S/, patternText: "at least one non-space character" },
  "aws:cfg/recorder:Recorder": { prop: "name", min: 1, max: 256, pattern: /\S/, patternText: "at least one non-space character" },
  "aws:cfg/deliveryChannel:DeliveryChannel": { prop: "name", min: 1, max: 256, pattern: /\S/, patternText: "at least one non-space character" },
  "aws:route53/zone:Zone": { prop: "name", min: 1, max: 253, ...DNS_NAME, autoNamed: false },
  "aws:route53/record:Record": { prop: "name", min: 1, max: 253, ...DNS_NAME, autoNamed: false },
  "aws:codebuild/project:Project": { prop: "name", min: 2, max: 150, pattern: /^[A-Za-z0-9][A-Za-z0-9_-]*$/, patternText: "letters, digits, hyphens and underscores, starting with a letter or digit" },
};

export type PhysicalName =
  | { kind: "explicit" | "prefix" | "auto"; name: string; length: number }
  /** The name input is present but not yet known (computed from another resource). */
  | { kind: "unknown" };

/**
 * The physical name a resource of `rule` will get: its explicit name, its prefix plus the suffix
 * Terraform appends, or Pulumi's auto name from the logical name. `isUnknown` tells an unknown
 * preview value from a string.
 */
export function physicalName(rule: NameRule, logicalName: string, props: Record<string, unknown>, isUnknown: (v: unknown) => boolean): PhysicalName {
  const explicit = props[rule.prop];
  if (isUnknown(explicit)) return { kind: "unknown" };
  if (typeof explicit === "string" && explicit !== "") return { kind: "explicit", name: explicit, length: explicit.length };
  const prefix = rule.prefixProp ? props[rule.prefixProp] : undefined;
  if (isUnknown(prefix)) return { kind: "unknown" };
  if (typeof prefix === "string" && prefix !== "") {
    const suffix = rule.prefixSuffixLength ?? PREFIX_SUFFIX_LENGTH;
    return { kind: "prefix", name: `${prefix}${"0".repeat(suffix)}`, length: prefix.length + suffix };
  }
  const base = rule.lowerCase ? logicalName.toLowerCase() : logicalName;
  return { kind: "auto", name: `${base}-abcdefg`, length: base.length + AUTONAME_SUFFIX_LENGTH };
}

/** What is wrong with a resource's physical name, or undefined. */
export function nameProblem(type: string, logicalName: string, props: Record<string, unknown>, isUnknown: (v: unknown) => boolean): string | undefined {
  const rule = NAME_RULES[type];
  if (!rule) return undefined;
  const name = physicalName(rule, logicalName, props, isUnknown);
  if (name.kind === "unknown") return undefined;
  const shown =
    name.kind === "auto"
      ? `its auto-generated ${rule.prop} ("${logicalName}" plus ${AUTONAME_SUFFIX_LENGTH} random characters) is ${name.length} characters`
      : name.kind === "prefix"
        ? `its ${rule.prefixProp} "${String(props[rule.prefixProp!])}" plus ${rule.prefixSuffixLength ?? PREFIX_SUFFIX_LENGTH} generated characters is ${name.length} characters`
        : `its ${rule.prop} "${name.name}" is ${name.length} characters`;
  const short = type.split(":").pop();
  if (name.length > rule.max) {
    const fix = name.kind === "auto" ? `shorten the logical name to at most ${rule.max - AUTONAME_SUFFIX_LENGTH} characters` : `shorten it to at most ${rule.max}`;
    return `${short} "${logicalName}": ${shown}; AWS allows at most ${rule.max}. ${fix}`;
  }
  if (name.length < rule.min) return `${short} "${logicalName}": ${shown}; AWS requires at least ${rule.min}`;
  if (name.kind !== "prefix" && !rule.pattern.test(name.name)) {
    return `${short} "${logicalName}": ${name.kind === "auto" ? `its auto-generated ${rule.prop} "${name.name.slice(0, -7)}…"` : `${rule.prop} "${name.name}"`} does not follow the naming rule (${rule.patternText})`;
  }
  return undefined;
}
