/**
 * The control library: every control, and the selection for one framework. Packs build from
 * `controlsFor`; tools and tests import `controls`. No module here constructs a PolicyPack.
 */
import type { Control, Framework } from "./types";
import { s3BucketSseKms } from "./s3-bucket-sse-kms";
import { s3BucketPublicAccessBlock } from "./s3-bucket-public-access-block";
import { s3BucketOwnershipEnforced } from "./s3-bucket-ownership-enforced";
import { s3BucketVersioning } from "./s3-bucket-versioning";
import { s3BucketObjectLock } from "./s3-bucket-object-lock";
import { s3BucketTlsOnly } from "./s3-bucket-tls-only";
import { s3ReplicationResidency } from "./s3-replication-residency";
import { s3BucketNoncurrentExpiration } from "./s3-bucket-noncurrent-expiration";
import { kmsKeyRotation } from "./kms-key-rotation";
import { kmsKeyDeletionWindow } from "./kms-key-deletion-window";
import { kmsKeyPolicyNoPublic } from "./kms-key-policy-no-public";
import { logsGroupEncrypted } from "./logs-group-encrypted";
import { logsRetentionAuditMinimum } from "./logs-retention-audit-minimum";
import { logsRetentionContentMaximum } from "./logs-retention-content-maximum";
import { ec2VpcFlowLogs } from "./ec2-vpc-flow-logs";
import { ec2SubnetNoPublicIp } from "./ec2-subnet-no-public-ip";
import { ec2DefaultSgClosed } from "./ec2-default-sg-closed";
import { ec2SgNoWorldIngress } from "./ec2-sg-no-world-ingress";
import { ec2NaclNoAdminPortsFromWorld } from "./ec2-nacl-no-admin-ports-from-world";
import { ecrRepositoryHardened } from "./ecr-repository-hardened";
import { snsTopicEncrypted } from "./sns-topic-encrypted";
import { ec2EndpointSgHttpsOnly } from "./ec2-endpoint-sg-https-only";
import { ec2VpcEndpointPolicy } from "./ec2-vpc-endpoint-policy";
import { cloudtrailMultiRegion } from "./cloudtrail-multi-region";
import { cloudtrailLogFileValidation } from "./cloudtrail-log-file-validation";
import { cloudtrailEncrypted } from "./cloudtrail-encrypted";
import { cloudtrailCloudwatchLogs } from "./cloudtrail-cloudwatch-logs";
import { cloudtrailS3DataEvents } from "./cloudtrail-s3-data-events";
import { iamRoleTrustNoWildcard } from "./iam-role-trust-no-wildcard";
import { iamPolicyNoWildcardActions } from "./iam-policy-no-wildcard-actions";
import { regionAllowList } from "./region-allow-list";
import { tagsRequired } from "./tags-required";
import { eksClusterEndpointPrivate } from "./eks-cluster-endpoint-private";
import { eksClusterSecretsEncrypted } from "./eks-cluster-secrets-encrypted";
import { eksClusterLogging } from "./eks-cluster-logging";
import { eksClusterAccessApi } from "./eks-cluster-access-api";
import { eksClusterSupportedVersion } from "./eks-cluster-supported-version";
import { eksAddonNetworkPolicy } from "./eks-addon-network-policy";
import { eksAddonPinnedVersion } from "./eks-addon-pinned-version";
import { eksNodegroupHardened } from "./eks-nodegroup-hardened";
import { eksNodegroupInstanceTypes } from "./eks-nodegroup-instance-types";
import { ec2LaunchTemplateImdsv2 } from "./ec2-launch-template-imdsv2";
import { ec2LaunchTemplateEbsEncrypted } from "./ec2-launch-template-ebs-encrypted";
import { ec2LaunchTemplateNoRemoteAccess } from "./ec2-launch-template-no-remote-access";
import { iamNodeRoleLeastPrivilege } from "./iam-node-role-least-privilege";
import { networkfirewallPolicyDefaultDrop } from "./networkfirewall-policy-default-drop";
import { networkfirewallPolicyStatelessForward } from "./networkfirewall-policy-stateless-forward";
import { networkfirewallLogging } from "./networkfirewall-logging";
import { networkfirewallProtection } from "./networkfirewall-protection";
import { networkfirewallEgressDomains } from "./networkfirewall-egress-domains";
import { ec2WorkloadRouteViaFirewall } from "./ec2-workload-route-via-firewall";
import { k8sNamespacePssRestricted } from "./k8s-namespace-pss-restricted";
import { k8sNamespaceDefaultDeny } from "./k8s-namespace-default-deny";
import { k8sWorkloadNonRoot } from "./k8s-workload-non-root";
import { k8sWorkloadNoPrivilege } from "./k8s-workload-no-privilege";
import { k8sWorkloadSeccomp } from "./k8s-workload-seccomp";
import { k8sWorkloadReadOnlyRoot } from "./k8s-workload-read-only-root";
import { k8sWorkloadHostIsolation } from "./k8s-workload-host-isolation";
import { k8sWorkloadImageDigest } from "./k8s-workload-image-digest";
import { k8sWorkloadNoSaToken } from "./k8s-workload-no-sa-token";
import { k8sVllmNoTelemetry } from "./k8s-vllm-no-telemetry";
import { k8sVllmMtls } from "./k8s-vllm-mtls";
import { k8sServiceNotExposed } from "./k8s-service-not-exposed";
import { k8sNetworkpolicyNoWorldEgress } from "./k8s-networkpolicy-no-world-egress";
import { awsResourceNameLimits } from "./aws-resource-name-limits";
import { monitoringDetectionServices } from "./monitoring-detection-services";
import { monitoringRequiredAlarms } from "./monitoring-required-alarms";
import { ecrImagesDeclaredRepositories } from "./ecr-images-declared-repositories";
import { iamPolicyNoBlockedKmsActions } from "./iam-policy-no-blocked-kms-actions";
import { iamNoAdminManagedPolicy } from "./iam-no-admin-managed-policy";
import { cloudtrailManagementEvents } from "./cloudtrail-management-events";
import { ec2FlowLogDestinationOwned } from "./ec2-flow-log-destination-owned";
import { ec2RouteIgwPublicTier } from "./ec2-route-igw-public-tier";
import { ec2VpcEndpointsRequired } from "./ec2-vpc-endpoints-required";
import { k8sRbacLeastPrivilege } from "./k8s-rbac-least-privilege";
import { cloudtrailAuditArchiveAccess } from "./cloudtrail-audit-archive-access";
import { logsRetentionNetworkMaximum } from "./logs-retention-network-maximum";
import { k8sWorkloadProbes } from "./k8s-workload-probes";
import { networkfirewallPolicyRuleGroups } from "./networkfirewall-policy-rule-groups";
import { accountGuards } from "./account-guards";
import { backupRegulatedData } from "./backup-regulated-data";

export const controls: Control[] = [
  s3BucketSseKms,
  s3BucketPublicAccessBlock,
  s3BucketOwnershipEnforced,
  s3BucketVersioning,
  s3BucketObjectLock,
  s3BucketTlsOnly,
  s3ReplicationResidency,
  s3BucketNoncurrentExpiration,
  backupRegulatedData,
  kmsKeyRotation,
  kmsKeyDeletionWindow,
  kmsKeyPolicyNoPublic,
  logsGroupEncrypted,
  logsRetentionAuditMinimum,
  logsRetentionContentMaximum,
  logsRetentionNetworkMaximum,
  ec2VpcFlowLogs,
  ec2SubnetNoPublicIp,
  ec2DefaultSgClosed,
  ec2SgNoWorldIngress,
  ec2NaclNoAdminPortsFromWorld,
  ecrRepositoryHardened,
  snsTopicEncrypted,
  ec2EndpointSgHttpsOnly,
  ec2VpcEndpointPolicy,
  cloudtrailMultiRegion,
  cloudtrailLogFileValidation,
  cloudtrailEncrypted,
  cloudtrailCloudwatchLogs,
  cloudtrailS3DataEvents,
  iamRoleTrustNoWildcard,
  iamPolicyNoWildcardActions,
  iamPolicyNoBlockedKmsActions,
  iamNoAdminManagedPolicy,
  cloudtrailManagementEvents,
  cloudtrailAuditArchiveAccess,
  ec2FlowLogDestinationOwned,
  ec2RouteIgwPublicTier,
  ec2VpcEndpointsRequired,
  regionAllowList,
  tagsRequired,
  // the account's own guards
  accountGuards,
  // cluster, nodes and egress firewall
  eksClusterEndpointPrivate,
  eksClusterSecretsEncrypted,
  eksClusterLogging,
  eksClusterAccessApi,
  eksClusterSupportedVersion,
  eksAddonNetworkPolicy,
  eksAddonPinnedVersion,
  eksNodegroupHardened,
  eksNodegroupInstanceTypes,
  ec2LaunchTemplateImdsv2,
  ec2LaunchTemplateEbsEncrypted,
  ec2LaunchTemplateNoRemoteAccess,
  iamNodeRoleLeastPrivilege,
  networkfirewallPolicyDefaultDrop,
  networkfirewallPolicyStatelessForward,
  networkfirewallLogging,
  networkfirewallProtection,
  networkfirewallEgressDomains,
  networkfirewallPolicyRuleGroups,
  ec2WorkloadRouteViaFirewall,
  // Kubernetes namespaces, workloads, services, network policies
  k8sNamespacePssRestricted,
  k8sNamespaceDefaultDeny,
  k8sWorkloadNonRoot,
  k8sWorkloadNoPrivilege,
  k8sWorkloadSeccomp,
  k8sWorkloadReadOnlyRoot,
  k8sWorkloadHostIsolation,
  k8sWorkloadImageDigest,
  k8sWorkloadNoSaToken,
  k8sVllmNoTelemetry,
  k8sVllmMtls,
  k8sServiceNotExposed,
  k8sNetworkpolicyNoWorldEgress,
  k8sRbacLeastPrivilege,
  k8sWorkloadProbes,
  // deployability: names AWS would refuse
  awsResourceNameLimits,
  // after deploy: detection, alarms, image provenance
  monitoringDetectionServices,
  monitoringRequiredAlarms,
  ecrImagesDeclaredRepositories,
];

export function controlsFor(framework: Framework): Control[] {
  return controls.filter((c) => (c.frameworks[framework] ?? []).length > 0);
}
