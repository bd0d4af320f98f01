/**
 * The AWS Backup role's permissions, as documents. Pure: declares nothing.
 *
 * AWS documents the role of S3 backups as the managed policy AWSBackupServiceRolePolicyForS3Backup,
 * which reads every bucket of the account and decrypts with every key through S3
 * (https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html). The platform's role
 * gets the same actions scoped to the buckets it backs up and their keys, so it cannot read the
 * model store or any bucket of another workload. Periodic backups only: the EventBridge rules
 * that continuous backups create are not granted.
 */
import type { PolicyDocument } from "../keys/key-policies";

/** A bucket the plan backs up, with the key its objects are encrypted with. */
export interface BackupSource {
  bucketArn: string;
  keyArn: string;
}

/** Bucket-level reads AWS Backup makes to take a periodic backup of a bucket. */
export const BACKUP_BUCKET_ACTIONS = ["s3:GetBucketTagging", "s3:GetInventoryConfiguration", "s3:PutInventoryConfiguration", "s3:ListBucketVersions", "s3:ListBucket", "s3:GetBucketVersioning", "s3:GetBucketLocation", "s3:GetBucketAcl", "s3:GetBucketNotification"];
/** Object-level reads of the same. */
export const BACKUP_OBJECT_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion", "s3:GetObjectAcl", "s3:GetObjectVersionAcl", "s3:GetObjectTagging", "s3:GetObjectVersionTagging"];

export function backupRolePolicy(sources: readonly BackupSource[], region: string): PolicyDocument {
  const buckets = [...new Set(sources.map((s) => s.bucketArn))].sort();
  const keys = [...new Set(sources.map((s) => s.keyArn))].sort();
  return {
    Version: "2012-10-17",
    Statement: [
      { Sid: "ReadBackedUpBuckets", Effect: "Allow", Action: BACKUP_BUCKET_ACTIONS, Resource: buckets },
      { Sid: "ReadBackedUpObjects", Effect: "Allow", Action: BACKUP_OBJECT_ACTIONS, Resource: buckets.map((b) => `${b}/*`) },
      // Their objects are SSE-KMS: S3 decrypts them for the role, with the bucket's key only.
      {
        Sid: "DecryptBackedUpObjectsThroughS3",
        Effect: "Allow",
        Action: ["kms:Decrypt", "kms:DescribeKey"],
        Resource: keys,
        Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com` } },
      },
      // AWS Backup sizes a bucket from its CloudWatch storage metrics; GetMetricData has no resource-level permissions.
      { Sid: "BucketSizeMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
    ],
  };
}
