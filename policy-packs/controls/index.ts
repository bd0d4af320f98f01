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

export const controls: Control[] = [
  s3BucketSseKms,
  s3BucketPublicAccessBlock,
  s3BucketOwnershipEnforced,
  s3BucketVersioning,
  s3BucketObjectLock,
  s3BucketTlsOnly,
  s3ReplicationResidency,
  kmsKeyRotation,
  kmsKeyDeletionWindow,
  kmsKeyPolicyNoPublic,
  logsGroupEncrypted,
  logsRetentionAuditMinimum,
  logsRetentionContentMaximum,
  ec2VpcFlowLogs,
  ec2SubnetNoPublicIp,
  ec2DefaultSgClosed,
  ec2SgNoWorldIngress,
  ec2EndpointSgHttpsOnly,
  ec2VpcEndpointPolicy,
  cloudtrailMultiRegion,
  cloudtrailLogFileValidation,
  cloudtrailEncrypted,
  cloudtrailCloudwatchLogs,
  cloudtrailS3DataEvents,
  iamRoleTrustNoWildcard,
  iamPolicyNoWildcardActions,
  regionAllowList,
  tagsRequired,
];

export function controlsFor(framework: Framework): Control[] {
  return controls.filter((c) => (c.frameworks[framework] ?? []).length > 0);
}
