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

/** Read access to objects and listings: what model sync and image pulls do. */
export const S3_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket", "s3:GetBucketLocation"];
/** Write access, for a bucket a workload must write. */
export const S3_WRITE_ACTIONS = ["s3:PutObject", "s3:DeleteObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"];

/** A bucket the VPC's workloads may reach through the S3 endpoints. */
export interface EndpointBucket {
  /** Bucket ARN (`arn:aws:s3:::name`). */
  arn: string;
  access: "read" | "readWrite";
}

/**
 * The S3 endpoints (gateway and interface): only the platform's own buckets, each with the access
 * its callers need, by principals of this account; plus reads of the regional bucket ECR stores
 * image layers in, which AWS owns
 * (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html#ecr-setting-up-s3-gateway).
 * Any other bucket, including other buckets of the account, is out of reach from the VPC.
 */
export function s3EndpointPolicy(partition: string, region: string, accountId: string, buckets: readonly EndpointBucket[]): PolicyDocument {
  const resources = (list: readonly EndpointBucket[]) => list.flatMap((b) => [b.arn, `${b.arn}/*`]);
  const writable = buckets.filter((b) => b.access === "readWrite");
  const statements: PolicyDocument["Statement"] = [];
  if (buckets.length > 0) {
    statements.push({
      Sid: "PlatformBucketsRead",
      Effect: "Allow",
      Principal: "*",
      Action: S3_READ_ACTIONS,
      Resource: resources(buckets),
      Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    });
  }
  if (writable.length > 0) {
    statements.push({
      Sid: "PlatformBucketsWrite",
      Effect: "Allow",
      Principal: "*",
      Action: S3_WRITE_ACTIONS,
      Resource: resources(writable),
      Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    });
  }
  statements.push({
    Sid: "EcrImageLayers",
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: `arn:${partition}:s3:::prod-${region}-starport-layer-bucket/*`,
  });
  return { Version: "2012-10-17", Statement: statements };
}
