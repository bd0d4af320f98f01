/**
 * AWS Config as data: which resource types the platform's recorder records, the managed rules it
 * evaluates after deploy (so a change made by hand in the console is detected, which CrossGuard
 * cannot see), and how an existing recorder is judged when the organisation runs Config. No
 * resources are created here, so all of it can be tested directly.
 *
 * Rule identifiers and parameters: https://docs.aws.amazon.com/config/latest/developerguide/managed-rules-by-aws-config.html
 * Recordable types: https://docs.aws.amazon.com/config/latest/developerguide/resource-config-reference.html
 */

/**
 * The Config resource type of each Pulumi resource type the platform declares that Config can
 * record. Bucket policies, encryption, versioning and public access blocks are recorded as part
 * of the bucket's configuration item; inline role policies as part of the role's.
 */
export const CONFIG_TYPE_OF: Readonly<Record<string, string>> = {
  "aws:s3/bucket:Bucket": "AWS::S3::Bucket",
  "aws:kms/key:Key": "AWS::KMS::Key",
  "aws:kms/alias:Alias": "AWS::KMS::Alias",
  "aws:ec2/vpc:Vpc": "AWS::EC2::VPC",
  "aws:ec2/subnet:Subnet": "AWS::EC2::Subnet",
  "aws:ec2/securityGroup:SecurityGroup": "AWS::EC2::SecurityGroup",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "AWS::EC2::SecurityGroup",
  "aws:ec2/routeTable:RouteTable": "AWS::EC2::RouteTable",
  "aws:ec2/vpcEndpoint:VpcEndpoint": "AWS::EC2::VPCEndpoint",
  "aws:ec2/flowLog:FlowLog": "AWS::EC2::FlowLog",
  "aws:ec2/launchTemplate:LaunchTemplate": "AWS::EC2::LaunchTemplate",
  "aws:ec2/natGateway:NatGateway": "AWS::EC2::NatGateway",
  "aws:ec2/internetGateway:InternetGateway": "AWS::EC2::InternetGateway",
  "aws:ec2/eip:Eip": "AWS::EC2::EIP",
  "aws:eks/cluster:Cluster": "AWS::EKS::Cluster",
  "aws:eks/addon:Addon": "AWS::EKS::Addon",
  "aws:networkfirewall/firewall:Firewall": "AWS::NetworkFirewall::Firewall",
  "aws:networkfirewall/firewallPolicy:FirewallPolicy": "AWS::NetworkFirewall::FirewallPolicy",
  "aws:networkfirewall/ruleGroup:RuleGroup": "AWS::NetworkFirewall::RuleGroup",
  "aws:cloudtrail/trail:Trail": "AWS::CloudTrail::Trail",
  "aws:iam/role:Role": "AWS::IAM::Role",
  "aws:iam/policy:Policy": "AWS::IAM::Policy",
  "aws:ecr/repository:Repository": "AWS::ECR::Repository",
  "aws:ecr/pullThroughCacheRule:PullThroughCacheRule": "AWS::ECR::PullThroughCacheRule",
  "aws:guardduty/detector:Detector": "AWS::GuardDuty::Detector",
  "aws:accessanalyzer/analyzer:Analyzer": "AWS::AccessAnalyzer::Analyzer",
  "aws:sns/topic:Topic": "AWS::SNS::Topic",
  "aws:cloudwatch/metricAlarm:MetricAlarm": "AWS::CloudWatch::Alarm",
  "aws:cloudwatch/eventRule:EventRule": "AWS::Events::Rule",
  "aws:route53/resolverFirewallRuleGroup:ResolverFirewallRuleGroup": "AWS::Route53Resolver::FirewallRuleGroup",
  "aws:route53/resolverFirewallRuleGroupAssociation:ResolverFirewallRuleGroupAssociation": "AWS::Route53Resolver::FirewallRuleGroupAssociation",
  "aws:route53/resolverFirewallDomainList:ResolverFirewallDomainList": "AWS::Route53Resolver::FirewallDomainList",
  "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig": "AWS::Route53Resolver::ResolverQueryLoggingConfig",
  "aws:route53/resolverQueryLogConfigAssociation:ResolverQueryLogConfigAssociation": "AWS::Route53Resolver::ResolverQueryLoggingConfigAssociation",
  "aws:ec2/networkAcl:NetworkAcl": "AWS::EC2::NetworkAcl",
  "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl": "AWS::EC2::NetworkAcl",
  "aws:ec2transitgateway/vpcAttachment:VpcAttachment": "AWS::EC2::TransitGatewayAttachment",
  "aws:route53/zone:Zone": "AWS::Route53::HostedZone",
  "aws:route53/resolverEndpoint:ResolverEndpoint": "AWS::Route53Resolver::ResolverEndpoint",
  "aws:route53/resolverRule:ResolverRule": "AWS::Route53Resolver::ResolverRule",
  "aws:route53/resolverRuleAssociation:ResolverRuleAssociation": "AWS::Route53Resolver::ResolverRuleAssociation",
  "aws:cfg/recorder:Recorder": "AWS::Config::ConfigurationRecorder",
  "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": "AWS::S3::AccountPublicAccessBlock",
  "aws:backup/vault:Vault": "AWS::Backup::BackupVault",
  "aws:backup/plan:Plan": "AWS::Backup::BackupPlan",
  "aws:backup/selection:Selection": "AWS::Backup::BackupSelection",
};

/**
 * Compliance results are configuration items too: recording them keeps the timeline of when a
 * rule turned NON_COMPLIANT and back (with an inclusion list they are recorded only when named).
 * https://docs.aws.amazon.com/config/latest/developerguide/view-compliance-history.html
 */
const ALWAYS_RECORDED = ["AWS::Config::ResourceCompliance"];

/** Every Config resource type the platform's recorder records, sorted. */
export function recordedResourceTypes(): string[] {
  return [...new Set([...Object.values(CONFIG_TYPE_OF), ...ALWAYS_RECORDED])].sort();
}

type Refs = { hipaa?: string[]; gdpr?: string[]; soc2?: string[]; "fedramp-moderate"?: string[] };

export interface ManagedRule {
  /** Suffix of the rule name (`<prefix>-<id>`): the rule's name in the AWS documentation. */
  id: string;
  /** AWS managed rule identifier (`source.sourceIdentifier`). */
  identifier: string;
  /** What a NON_COMPLIANT result means, for the evidence report and the rule's description. */
  watches: string;
  /** Config resource types the rule evaluates on change (periodic rules: none). */
  resourceTypes: string[];
  /** Framework requirements the rule serves after deploy. */
  requirements: Refs;
}

const ENCRYPTION: Refs = { hipaa: ["164.312(a)(2)(iv)"], gdpr: ["Art. 32(1)(a)"], soc2: ["CC6.1"], "fedramp-moderate": ["SC-28(1)", "CM-6"] };
const AUDIT: Refs = { hipaa: ["164.312(b)"], gdpr: ["Art. 30"], soc2: ["CC7.2"], "fedramp-moderate": ["AU-2", "AU-12", "CM-6"] };
const BOUNDARY: Refs = { hipaa: ["164.312(e)(1)"], gdpr: ["Art. 32(1)(b)"], soc2: ["CC6.6"], "fedramp-moderate": ["SC-7", "CM-6"] };
const MONITORING: Refs = { hipaa: ["164.308(a)(1)(ii)(D)"], soc2: ["CC7.2"], "fedramp-moderate": ["CA-7", "SI-4"] };
const SUPPLY: Refs = { hipaa: ["164.308(a)(1)(ii)(B)"], soc2: ["CC7.1"], "fedramp-moderate": ["RA-5", "CM-6"] };

/**
 * The managed rules the platform evaluates: the settings a console change would most likely undo
 * (encryption, public access, logging, the trail, key rotation and deletion, the cluster endpoint,
 * the alarms' actions, the scanners). Each evaluates every resource of its type in the account and
 * region, not only the platform's: an account shared with other workloads sees their results too.
 */
export function managedRules(): ManagedRule[] {
  const r = (id: string, identifier: string, watches: string, resourceTypes: string[], requirements: Refs): ManagedRule => ({ id, identifier, watches, resourceTypes, requirements });
  return [
    r("s3-default-encryption-kms", "S3_DEFAULT_ENCRYPTION_KMS", "A bucket whose default encryption is no longer SSE-KMS", ["AWS::S3::Bucket"], ENCRYPTION),
    r("s3-bucket-versioning-enabled", "S3_BUCKET_VERSIONING_ENABLED", "A bucket whose versioning was suspended", ["AWS::S3::Bucket"], { ...ENCRYPTION, hipaa: ["164.312(c)(1)"], "fedramp-moderate": ["SI-7", "CM-6"] }),
    r("s3-bucket-ssl-requests-only", "S3_BUCKET_SSL_REQUESTS_ONLY", "A bucket policy that no longer refuses plain HTTP", ["AWS::S3::Bucket"], { ...BOUNDARY, hipaa: ["164.312(e)(1)"], "fedramp-moderate": ["SC-8", "CM-6"] }),
    r("s3-bucket-level-public-access-prohibited", "S3_BUCKET_LEVEL_PUBLIC_ACCESS_PROHIBITED", "A bucket whose public access block was loosened", ["AWS::S3::Bucket"], BOUNDARY),
    // The account's guards (AccountGuards), whether this stack or the organisation set them.
    r("s3-account-level-public-access-blocks-periodic", "S3_ACCOUNT_LEVEL_PUBLIC_ACCESS_BLOCKS_PERIODIC", "The account's S3 public access block loosened or removed", [], BOUNDARY),
    r("ec2-ebs-encryption-by-default", "EC2_EBS_ENCRYPTION_BY_DEFAULT", "EBS encryption by default turned off in the region", [], ENCRYPTION),
    r("cloud-trail-encryption-enabled", "CLOUD_TRAIL_ENCRYPTION_ENABLED", "A trail no longer encrypted with a KMS key", [], AUDIT),
    r("cloud-trail-log-file-validation-enabled", "CLOUD_TRAIL_LOG_FILE_VALIDATION_ENABLED", "A trail without log file validation", [], { ...AUDIT, "fedramp-moderate": ["AU-9", "CM-6"] }),
    r("multi-region-cloudtrail-enabled", "MULTI_REGION_CLOUD_TRAIL_ENABLED", "No multi-region trail records the account any more", [], AUDIT),
    r("cloudtrail-s3-dataevents-enabled", "CLOUDTRAIL_S3_DATAEVENTS_ENABLED", "No trail records S3 data events (model reads and writes)", [], AUDIT),
    r("cloud-trail-cloud-watch-logs-enabled", "CLOUD_TRAIL_CLOUD_WATCH_LOGS_ENABLED", "A trail no longer streams to CloudWatch Logs, so the trail's alarms go blind", [], { ...AUDIT, "fedramp-moderate": ["AU-6", "SI-4"] }),
    r("cmk-backing-key-rotation-enabled", "CMK_BACKING_KEY_ROTATION_ENABLED", "A customer-managed key whose rotation was turned off", [], { ...ENCRYPTION, "fedramp-moderate": ["SC-12", "CM-6"] }),
    r("kms-cmk-not-scheduled-for-deletion", "KMS_CMK_NOT_SCHEDULED_FOR_DELETION", "A customer-managed key scheduled for deletion", ["AWS::KMS::Key"], { ...ENCRYPTION, "fedramp-moderate": ["SC-12", "CP-9"] }),
    r("cloudwatch-log-group-encrypted", "CLOUDWATCH_LOG_GROUP_ENCRYPTED", "A log group without a KMS key", [], { ...ENCRYPTION, "fedramp-moderate": ["AU-9", "SC-28(1)"] }),
    r("cw-loggroup-retention-period-check", "CW_LOGGROUP_RETENTION_PERIOD_CHECK", "An audit log group whose retention was shortened", [], { hipaa: ["164.316(b)(2)(i)"], soc2: ["CC7.2"], "fedramp-moderate": ["AU-11", "CM-6"] }),
    r("eks-endpoint-no-public-access", "EKS_ENDPOINT_NO_PUBLIC_ACCESS", "The cluster API endpoint made public", [], BOUNDARY),
    r("eks-secrets-encrypted", "EKS_SECRETS_ENCRYPTED", "Kubernetes secrets without envelope encryption", [], ENCRYPTION),
    r("eks-cluster-logging-enabled", "EKS_CLUSTER_LOGGING_ENABLED", "Control-plane logging (the audit log the pod-exec and secret-read alarms read) turned off", [], AUDIT),
    r("vpc-flow-logs-enabled", "VPC_FLOW_LOGS_ENABLED", "A VPC without flow logs", [], { ...AUDIT, "fedramp-moderate": ["AU-12", "SI-4"] }),
    r("vpc-default-security-group-closed", "VPC_DEFAULT_SECURITY_GROUP_CLOSED", "A default security group given rules", ["AWS::EC2::SecurityGroup"], BOUNDARY),
    r("subnet-auto-assign-public-ip-disabled", "SUBNET_AUTO_ASSIGN_PUBLIC_IP_DISABLED", "A subnet that hands out public addresses", ["AWS::EC2::Subnet"], BOUNDARY),
    r("netfw-logging-enabled", "NETFW_LOGGING_ENABLED", "A Network Firewall whose logging was removed", [], { ...AUDIT, "fedramp-moderate": ["AU-12", "SC-7"] }),
    r("guardduty-enabled-centralized", "GUARDDUTY_ENABLED_CENTRALIZED", "GuardDuty disabled in the account", [], MONITORING),
    r("securityhub-enabled", "SECURITYHUB_ENABLED", "Security Hub disabled in the account", [], MONITORING),
    r("inspector-ecr-scan-enabled", "INSPECTOR_ECR_SCAN_ENABLED", "Inspector scanning of ECR images turned off", [], SUPPLY),
    r("ecr-private-tag-immutability-enabled", "ECR_PRIVATE_TAG_IMMUTABILITY_ENABLED", "A repository whose tags can be moved again", ["AWS::ECR::Repository"], { ...SUPPLY, "fedramp-moderate": ["CM-14", "SI-7"] }),
    r("ecr-private-image-scanning-enabled", "ECR_PRIVATE_IMAGE_SCANNING_ENABLED", "A repository whose images are not scanned", ["AWS::ECR::Repository"], SUPPLY),
    r("cloudwatch-alarm-action-check", "CLOUDWATCH_ALARM_ACTION_CHECK", "An alarm that notifies nobody (its actions were removed)", ["AWS::CloudWatch::Alarm"], MONITORING),
    r("cloudwatch-alarm-action-enabled-check", "CLOUDWATCH_ALARM_ACTION_ENABLED_CHECK", "An alarm whose actions were disabled", ["AWS::CloudWatch::Alarm"], MONITORING),
    r("iam-policy-no-statements-with-admin-access", "IAM_POLICY_NO_STATEMENTS_WITH_ADMIN_ACCESS", "A customer-managed policy granting * on *", ["AWS::IAM::Policy"], { hipaa: ["164.308(a)(4)(ii)(B)"], soc2: ["CC6.3"], "fedramp-moderate": ["AC-6", "CM-6"] }),
  ];
}

/** Retention values `cw-loggroup-retention-period-check` accepts for MinRetentionTime (days). */
export const RETENTION_CHECK_VALUES = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1827, 3653] as const;

/** The largest accepted MinRetentionTime that does not exceed the stack's audit retention. */
export function retentionCheckDays(auditRetentionDays: number): number {
  return [...RETENTION_CHECK_VALUES].reverse().find((v) => v <= auditRetentionDays) ?? 1;
}

/**
 * Input parameters of the rules that take them. AWS Config passes them as a JSON object of
 * strings. `cloudwatch-alarm-action-check`: every alarm of the platform notifies on ALARM; the
 * trail's alarms send nothing on OK and none sends on INSUFFICIENT_DATA (required by default).
 */
export function ruleParameters(id: string, ctx: { auditLogGroupNames: string[]; auditRetentionDays: number }): Record<string, string> | undefined {
  switch (id) {
    case "cw-loggroup-retention-period-check":
      return { LogGroupNames: [...ctx.auditLogGroupNames].sort().join(","), MinRetentionTime: String(retentionCheckDays(ctx.auditRetentionDays)) };
    case "cloudwatch-alarm-action-check":
      return { alarmActionRequired: "true", okActionRequired: "false", insufficientDataActionRequired: "false" };
    default:
      return undefined;
  }
}

/** Days AWS Config keeps configuration items (RetentionConfiguration accepts 30 to 2557). */
export function configRetentionDays(auditRetentionDays: number): number {
  return Math.min(2557, Math.max(30, auditRetentionDays));
}

/** A recorder as `DescribeConfigurationRecorders` (or Cloud Control) reports it. */
export interface RecorderView {
  allSupported?: boolean;
  resourceTypes?: string[];
  exclusionByResourceTypes?: string[];
  useOnly?: string;
}

/**
 * What an existing recorder fails to record of `required`, in words that say how to fix it
 * (empty when nothing). allSupported records every regional type except those excluded; global
 * IAM types are recorded with allSupported only when includeGlobalResourceTypes is set, which
 * this check cannot see through Cloud Control, so IAM roles are not demanded of an organisation's
 * recorder.
 */
export function recorderGaps(rec: RecorderView | undefined, required: readonly string[]): string[] {
  if (!rec) return ["no configuration recorder exists in this account and region"];
  // The recorder's own items and compliance results are the organisation's choice to record.
  const need = required.filter((t) => !t.startsWith("AWS::IAM::") && !t.startsWith("AWS::Config::"));
  let missing: string[];
  if (rec.useOnly === "EXCLUSION_BY_RESOURCE_TYPES") {
    const excluded = new Set(rec.exclusionByResourceTypes ?? []);
    missing = need.filter((t) => excluded.has(t));
  } else if (rec.allSupported === true) {
    missing = [];
  } else {
    const have = new Set(rec.resourceTypes ?? []);
    missing = need.filter((t) => !have.has(t));
  }
  return missing.length > 0 ? [`the configuration recorder does not record ${missing.join(", ")}: add them to its recording group`] : [];
}

/** Reads the recorder's properties from a Cloud Control `AWS::Config::ConfigurationRecorder` document. */
export function recorderFromCloudControl(propertiesJson: string): RecorderView {
  const p = JSON.parse(propertiesJson) as { RecordingGroup?: { AllSupported?: boolean; ResourceTypes?: string[]; ExclusionByResourceTypes?: { ResourceTypes?: string[] }; RecordingStrategy?: { UseOnly?: string } } };
  const g = p.RecordingGroup ?? {};
  // Without a recording group, AWS records every supported regional type.
  if (!p.RecordingGroup) return { allSupported: true };
  return { allSupported: g.AllSupported, resourceTypes: g.ResourceTypes, exclusionByResourceTypes: g.ExclusionByResourceTypes?.ResourceTypes, useOnly: g.RecordingStrategy?.UseOnly };
}

/**
 * The EventBridge pattern of a rule of this stack turning NON_COMPLIANT. Event shape:
 * https://docs.aws.amazon.com/config/latest/developerguide/monitor-config-with-cloudwatchevents.html
 */
export function nonCompliancePattern(rulePrefix: string): object {
  return {
    source: ["aws.config"],
    "detail-type": ["Config Rules Compliance Change"],
    detail: { configRuleName: [{ prefix: `${rulePrefix}-` }], newEvaluationResult: { complianceType: ["NON_COMPLIANT"] } },
  };
}
