/**
 * VPC endpoint policies: a data perimeter at the network edge. Pure: returns documents.
 *
 * Interface endpoints admit only principals of this account (so stolen credentials of another
 * account cannot use this VPC's path to AWS), and, for services whose resources are always the
 * account's own (KMS, Logs, SSM), only resources of this account (so a workload
 * cannot push data into someone else's key, log group or secret). ECR and EKS pull images from
 * AWS-owned registries, so they are scoped by principal only; Auto Scaling and EC2 describe calls
 * name no resource, so they are scoped by principal only too.
 * See https://docs.aws.amazon.com/whitepapers/latest/building-a-data-perimeter-on-aws/perimeter-implementation.html
 *
 * Principals are the bare "*" and narrowed by conditions: gateway endpoints accept only that form
 * (https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html#vpc-endpoint-policies-gateway).
 */
import type { PolicyDocument } from "../keys/key-policies";
import { SERVICE_ACTION_PREFIXES } from "./api-callers";

/**
 * Interface endpoints the platform can declare, and whether the service's resources are always
 * the account's own. Which of them a VPC gets is derived from `API_CALLERS` (api-callers.ts).
 */
export const INTERFACE_ENDPOINTS: Record<string, { ownResourcesOnly: boolean }> = {
  autoscaling: { ownResourcesOnly: false },
  "ecr.api": { ownResourcesOnly: false },
  "ecr.dkr": { ownResourcesOnly: false },
  sts: { ownResourcesOnly: false },
  kms: { ownResourcesOnly: true },
  logs: { ownResourcesOnly: true },
  ec2: { ownResourcesOnly: false },
  eks: { ownResourcesOnly: false },
  "eks-auth": { ownResourcesOnly: false },
  ssm: { ownResourcesOnly: true },
  ssmmessages: { ownResourcesOnly: false },
  ec2messages: { ownResourcesOnly: false },
};

export function interfaceEndpointPolicy(service: string, accountId: string): PolicyDocument {
  const spec = INTERFACE_ENDPOINTS[service];
  if (!spec) throw new Error(`no endpoint policy for service ${service}`);
  const condition: Record<string, Record<string, string>> = {
    StringEquals: { "aws:PrincipalAccount": accountId, ...(spec.ownResourcesOnly ? { "aws:ResourceAccount": accountId } : {}) },
  };
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ThisAccountOnly",
        Effect: "Allow",
        Principal: "*",
        Action: (SERVICE_ACTION_PREFIXES[service] ?? []).map((p) => `${p}:*`),
        Resource: "*",
        Condition: condition,
      },
    ],
  };
}

/** S3 actions workloads need: read models and ECR layers; admins publish through other paths. */
const S3_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation", "s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/**
 * The S3 endpoints (gateway and interface): the account's own buckets, plus the regional bucket ECR stores image
 * layers in (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway).
 */
export function s3GatewayPolicy(partition: string, region: string, accountId: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OwnBucketsOnly",
        Effect: "Allow",
        Principal: "*",
        Action: S3_ACTIONS,
        Resource: "*",
        Condition: { StringEquals: { "aws:ResourceAccount": accountId, "aws:PrincipalAccount": accountId } },
      },
      {
        Sid: "EcrImageLayers",
        Effect: "Allow",
        Principal: "*",
        Action: "s3:GetObject",
        Resource: `arn:${partition}:s3:::prod-${region}-starport-layer-bucket/*`,
      },
    ],
  };
}
