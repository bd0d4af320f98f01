import * as pulumi from "@pulumi/pulumi";
import { SecureBucket } from "./secure-bucket";
import type { PolicyStatement } from "../keys/key-policies";
import type { Tags } from "../tags";

export interface ModelStoreArgs {
  /** Globally unique bucket name. Required. */
  bucketName: pulumi.Input<string>;
  /** The KeyRing's models key; uploads encrypted with anything else are refused. Required. */
  modelsKeyArn: pulumi.Input<string>;
  /** The VPC's S3 endpoints (gateway and interface); every workload request must come through one. Required. */
  s3EndpointIds: pulumi.Input<string>[];
  /** Roles allowed to reach the bucket from outside the VPC (publishing models). Required, at least one. */
  adminRoleArns: string[];
  /** Object Lock mode: COMPLIANCE in prod, GOVERNANCE elsewhere. Required. */
  lockMode: "GOVERNANCE" | "COMPLIANCE";
  /** Object Lock default retention in days. Required. */
  lockDays: number;
  /** AWS partition. Default `aws`. */
  partition?: string;
  /** Protect from deletion and keep on removal. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

/** Object data actions that must come through the VPC endpoint (bucket management is not blocked, so a deployer cannot lock itself out). */
export const MODEL_DATA_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion", "s3:ListBucket", "s3:ListBucketVersions", "s3:RestoreObject"];

/**
 * The model artifact bucket. Reads come only through the VPC's S3 endpoint (admins excepted, to
 * publish), every upload must name the models key, and Object Lock keeps approved weights from
 * being silently replaced.
 */
export class ModelStore extends pulumi.ComponentResource {
  public readonly bucket: SecureBucket;
  public readonly arn: pulumi.Output<string>;
  public readonly name: pulumi.Output<string>;

  constructor(name: string, args: ModelStoreArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:storage:ModelStore", name, {}, opts);
    if (args.s3EndpointIds.length === 0) throw new Error(`ModelStore ${name}: s3EndpointIds: name the VPC's S3 endpoints`);
    if (args.adminRoleArns.length === 0) throw new Error(`ModelStore ${name}: adminRoleArns: name at least one admin role`);
    const statements = (arn: string): pulumi.Output<PolicyStatement[]> =>
      pulumi.all([pulumi.all(args.s3EndpointIds), args.modelsKeyArn]).apply(([endpointIds, keyArn]): PolicyStatement[] => [
        {
          Sid: "DenyDataAccessOutsideVpcEndpoint",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: MODEL_DATA_ACTIONS,
          Resource: [arn, `${arn}/*`],
          Condition: {
            StringNotEquals: { "aws:SourceVpce": endpointIds },
            ArnNotLike: { "aws:PrincipalArn": [...args.adminRoleArns] },
          },
        },
        {
          // Admins publish from outside the VPC, but only from a session signed in with MFA: a
          // leaked admin key alone cannot read or replace the weights from the internet.
          // aws:MultiFactorAuthPresent is absent from sessions without MFA, hence BoolIfExists.
          // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-multifactorauthpresent
          Sid: "DenyAdminsOutsideVpcEndpointWithoutMfa",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: MODEL_DATA_ACTIONS,
          Resource: [arn, `${arn}/*`],
          Condition: {
            StringNotEquals: { "aws:SourceVpce": endpointIds },
            ArnLike: { "aws:PrincipalArn": [...args.adminRoleArns] },
            BoolIfExists: { "aws:MultiFactorAuthPresent": "false" },
          },
        },
        // Multipart uploads: only CreateMultipartUpload carries the SSE headers; UploadPart and
        // CompleteMultipartUpload (also s3:PutObject) carry none, and get the upload's encryption.
        // https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
        // So each deny applies only when its header is present (Null: false). Neither plain
        // StringNotEquals nor ...IfExists would do: both are true for a missing key, so a deny
        // with either refuses every UploadPart.
        // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_IfExists
        // A PutObject with no header gets the bucket's default encryption: this key.
        {
          Sid: "DenyUploadsNotSseKms",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:PutObject",
          Resource: `${arn}/*`,
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption": "false" } },
        },
        {
          Sid: "DenyUploadsWithOtherKeys",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:PutObject",
          Resource: `${arn}/*`,
          Condition: { StringNotEquals: { "s3:x-amz-server-side-encryption-aws-kms-key-id": keyArn }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "false" } },
        },
        {
          // SSE-KMS named without a key means the AWS managed key (aws/s3), not this one.
          Sid: "DenyUploadsWithoutKeyId",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: "s3:PutObject",
          Resource: `${arn}/*`,
          Condition: { StringEquals: { "s3:x-amz-server-side-encryption": "aws:kms" }, Null: { "s3:x-amz-server-side-encryption-aws-kms-key-id": "true" } },
        },
      ]);
    this.bucket = new SecureBucket(
      `${name}`,
      {
        bucketName: args.bucketName,
        kmsKeyArn: args.modelsKeyArn,
        partition: args.partition,
        objectLock: { mode: args.lockMode, days: args.lockDays },
        policyStatements: statements,
        protect: args.protect,
        tags: { ...(args.tags ?? {}), "data-class": "model-artifacts" },
      },
      { parent: this },
    );
    this.arn = this.bucket.arn;
    this.name = this.bucket.name;
    this.registerOutputs({ arn: this.arn, name: this.name });
  }
}
