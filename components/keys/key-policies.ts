/**
 * Key policies for the KeyRing, one per purpose. Pure: returns policy documents, declares nothing.
 *
 * Every policy starts with the account's administrative statement (the account root may manage
 * the key through IAM; without it a key can become unmanageable, see
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html#key-policy-default-allow-root-enable-iam).
 * That statement is the only one with `kms:*`. Named admin roles get key management, never use.
 * Each consumer gets only the actions its service documents, scoped by conditions.
 */
export type KeyPurpose = "models" | "logs" | "cluster" | "nodeVolumes" | "audit" | "signing";

export const KEY_PURPOSES: readonly KeyPurpose[] = ["models", "logs", "cluster", "nodeVolumes", "audit", "signing"];

export interface KeyPolicyContext {
  partition: string;
  region: string;
  accountId: string;
  /** Roles that administer keys (never use them for data). */
  adminRoleArns: readonly string[];
  /** Roles that may read audit records and the signing public key. */
  readOnlyRoleArns: readonly string[];
  /** Log-group name prefixes the logs key may encrypt (`/sovereign-llm/prod/`). */
  logGroupPrefixes: readonly string[];
  /** Name of the CloudTrail trail that may use the audit key. */
  trailName: string;
  /** The only roles that may schedule deletion of, or disable, the audit key. Default none: nobody may. */
  breakGlassRoleArns?: readonly string[];
}

export interface PolicyStatement {
  Sid: string;
  Effect: "Allow" | "Deny";
  /**
   * Resource policies name a principal; identity policies (attached to a role) do not. VPC
   * endpoint policies use the bare "*" (required for gateway endpoints) and narrow by condition.
   */
  Principal?: "*" | { AWS?: string | string[]; Service?: string | string[] };
  Action: string | string[];
  /** Trust policies name no resource. */
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: PolicyStatement[];
}

/** A resource-policy statement refusing any request not made over TLS. */
export function denyInsecureTransport(action: string, resource: string | string[]): PolicyStatement {
  return { Sid: "DenyInsecureTransport", Effect: "Deny", Principal: { AWS: "*" }, Action: action, Resource: resource, Condition: { Bool: { "aws:SecureTransport": "false" } } };
}

/** Key management without use: create grants, encrypt and decrypt are not here. */
export const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:DisableKeyRotation",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListKeyPolicies",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RevokeGrant",
  "kms:RotateKeyOnDemand",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
];

const ENVELOPE_ACTIONS = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:DescribeKey"];

/** The Auto Scaling service-linked role: it creates the EBS volumes of managed node groups. */
export const AUTOSCALING_SLR = { path: "/aws-service-role/autoscaling.amazonaws.com/", name: "AWSServiceRoleForAutoScaling", service: "autoscaling.amazonaws.com" } as const;

export function autoScalingServiceLinkedRoleArn(partition: string, accountId: string): string {
  return `arn:${partition}:iam::${accountId}:role${AUTOSCALING_SLR.path}${AUTOSCALING_SLR.name}`;
}

function rootArn(ctx: KeyPolicyContext): string {
  return `arn:${ctx.partition}:iam::${ctx.accountId}:root`;
}

function baseStatements(ctx: KeyPolicyContext): PolicyStatement[] {
  return [
    {
      Sid: "AccountAdministration",
      Effect: "Allow",
      Principal: { AWS: rootArn(ctx) },
      Action: "kms:*",
      Resource: "*",
    },
    {
      Sid: "KeyAdministrators",
      Effect: "Allow",
      Principal: { AWS: [...ctx.adminRoleArns] },
      Action: KEY_ADMIN_ACTIONS,
      Resource: "*",
    },
  ];
}

function consumerStatements(purpose: KeyPurpose, ctx: KeyPolicyContext): PolicyStatement[] {
  const { partition, region, accountId } = ctx;
  switch (purpose) {
    case "logs":
      // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
      return [
        {
          Sid: "CloudWatchLogsForThisStack",
          Effect: "Allow",
          Principal: { Service: `logs.${region}.amazonaws.com` },
          Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
          Resource: "*",
          Condition: {
            ArnLike: {
              "kms:EncryptionContext:aws:logs:arn": ctx.logGroupPrefixes.map((p) => `arn:${partition}:logs:${region}:${accountId}:log-group:${p}*`),
            },
          },
        },
      ];
    case "audit": {
      // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
      const trailArn = `arn:${partition}:cloudtrail:${region}:${accountId}:trail/${ctx.trailName}`;
      const breakGlass = ctx.breakGlassRoleArns ?? [];
      const statements: PolicyStatement[] = [
        {
          // Deleting or disabling this key makes the object-locked archive unreadable: the lock
          // keeps the ciphertext, not the ability to read it. Only a named break-glass role may,
          // whatever IAM or the statements above allow (an explicit deny wins).
          Sid: "OnlyBreakGlassDeletesOrDisablesAuditKey",
          Effect: "Deny",
          Principal: { AWS: "*" },
          Action: ["kms:ScheduleKeyDeletion", "kms:DisableKey"],
          Resource: "*",
          ...(breakGlass.length > 0 ? { Condition: { ArnNotLike: { "aws:PrincipalArn": [...breakGlass] } } } : {}),
        },
        {
          Sid: "CloudTrailEncryptLogs",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:GenerateDataKey*",
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceArn": trailArn },
            StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${accountId}:trail/*` },
          },
        },
        {
          Sid: "CloudTrailDescribeKey",
          Effect: "Allow",
          Principal: { Service: "cloudtrail.amazonaws.com" },
          Action: "kms:DescribeKey",
          Resource: "*",
          Condition: { StringEquals: { "aws:SourceArn": trailArn } },
        },
      ];
      statements.push({
        // Alarms publish to an SNS topic encrypted with this key.
        // https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services
        Sid: "CloudWatchAlarmsPublish",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: ["kms:Decrypt", "kms:GenerateDataKey"],
        Resource: "*",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      });
      // Separation of duties: the roles that administer the platform do not read its audit
      // record. The account-root statement delegates use of the key to IAM, so an admin role
      // with AdministratorAccess could otherwise decrypt the trail: an explicit deny closes that.
      if (ctx.adminRoleArns.length > 0) {
        statements.push({
          Sid: "DenyAdminsDecryptTrail",
          Effect: "Deny",
          Principal: { AWS: [...ctx.adminRoleArns] },
          Action: "kms:Decrypt",
          Resource: "*",
        });
      }
      const readers = [...ctx.readOnlyRoleArns];
      if (readers.length > 0) {
        statements.push({
          Sid: "AuditorsDecryptTrail",
          Effect: "Allow",
          Principal: { AWS: readers },
          Action: "kms:Decrypt",
          Resource: "*",
          Condition: {
            StringEquals: { "kms:CallerAccount": accountId },
            StringLike: { "kms:EncryptionContext:aws:cloudtrail:arn": `arn:${partition}:cloudtrail:*:${accountId}:trail/*` },
          },
        });
      }
      return statements;
    }
    case "nodeVolumes": {
      // EBS volumes of managed node groups are created by the Auto Scaling service-linked role:
      // https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
      const slr = autoScalingServiceLinkedRoleArn(partition, accountId);
      return [
        {
          Sid: "AutoScalingUseForNodeVolumes",
          Effect: "Allow",
          Principal: { AWS: slr },
          Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
          Resource: "*",
        },
        {
          Sid: "AutoScalingGrantsForAttachedVolumes",
          Effect: "Allow",
          Principal: { AWS: slr },
          Action: "kms:CreateGrant",
          Resource: "*",
          Condition: { Bool: { "kms:GrantIsForAWSResource": true } },
        },
      ];
    }
    case "models":
      // Publishing models: admins write through S3 only (kms:ViaService). Pods read through S3
      // with their own Pod Identity role, granted by IAM policy under AccountAdministration.
      return [
        {
          Sid: "AdminsPublishModelsThroughS3",
          Effect: "Allow",
          Principal: { AWS: [...ctx.adminRoleArns] },
          Action: ENVELOPE_ACTIONS,
          Resource: "*",
          Condition: { StringEquals: { "kms:ViaService": `s3.${region}.amazonaws.com`, "kms:CallerAccount": accountId } },
        },
      ];
    case "cluster":
      // Only the EKS cluster role uses this key, through its IAM policy (EKS docs:
      // https://docs.aws.amazon.com/eks/latest/userguide/enable-kms.html). Nothing else here.
      return [];
    case "signing":
      return [
        {
          Sid: "AdminsSignModelManifests",
          Effect: "Allow",
          Principal: { AWS: [...ctx.adminRoleArns] },
          Action: "kms:Sign",
          Resource: "*",
          Condition: { StringEquals: { "kms:SigningAlgorithm": "ECDSA_SHA_256" } },
        },
        {
          Sid: "AdminsFetchPublicKey",
          Effect: "Allow",
          Principal: { AWS: [...ctx.adminRoleArns] },
          Action: ["kms:GetPublicKey", "kms:DescribeKey"],
          Resource: "*",
        },
        ...(ctx.readOnlyRoleArns.length > 0
          ? [
              {
                Sid: "ReadersFetchPublicKey",
                Effect: "Allow" as const,
                Principal: { AWS: [...ctx.readOnlyRoleArns] },
                Action: ["kms:GetPublicKey", "kms:DescribeKey"],
                Resource: "*",
              },
            ]
          : []),
      ];
  }
}

/** The complete key policy for one purpose. */
export function keyPolicy(purpose: KeyPurpose, ctx: KeyPolicyContext): PolicyDocument {
  return { Version: "2012-10-17", Statement: [...baseStatements(ctx), ...consumerStatements(purpose, ctx)] };
}

/**
 * The key policy of the account's default EBS key (encryption by default, components/account):
 * any principal of this account may use it, but only through EC2 in this region, as the policy
 * of the AWS managed key aws/ebs allows, so a role that may create volumes needs no KMS
 * permission of its own and nobody can use the key outside EBS. Auto Scaling's service-linked
 * role gets the statements AWS documents for groups that launch encrypted volumes with a
 * customer managed key.
 * https://docs.aws.amazon.com/ebs/latest/userguide/ebs-encryption.html#ebs-encryption-permissions
 * https://docs.aws.amazon.com/autoscaling/ec2/userguide/key-policy-requirements-EBS-encryption.html
 */
export function ebsDefaultKeyPolicy(ctx: Pick<KeyPolicyContext, "partition" | "region" | "accountId" | "adminRoleArns">): PolicyDocument {
  const full: KeyPolicyContext = { ...ctx, readOnlyRoleArns: [], logGroupPrefixes: [], trailName: "" };
  const throughEc2 = { "kms:CallerAccount": ctx.accountId, "kms:ViaService": `ec2.${ctx.region}.amazonaws.com` };
  return {
    Version: "2012-10-17",
    Statement: [
      ...baseStatements(full),
      {
        Sid: "AccountPrincipalsThroughEbs",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: throughEc2 },
      },
      {
        Sid: "AccountPrincipalsGrantsForAttachedVolumes",
        Effect: "Allow",
        Principal: { AWS: "*" },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { StringEquals: throughEc2, Bool: { "kms:GrantIsForAWSResource": true } },
      },
      ...consumerStatements("nodeVolumes", full),
    ],
  };
}

/**
 * The key policy of a backup vault's key (components/storage/data-backup). AWS Backup encrypts an
 * S3 recovery point with the vault's key, whatever key the source bucket uses ("independent
 * encryption": https://docs.aws.amazon.com/aws-backup/latest/devguide/encryption.html), so the
 * copy stays readable if the source's key is lost, and the source's administrators hold no use
 * of it. Only the stack's backup role uses it, and only through AWS Backup in the vault's region.
 */
export function backupVaultKeyPolicy(ctx: Pick<KeyPolicyContext, "partition" | "region" | "accountId" | "adminRoleArns">, backupRoleArn: string): PolicyDocument {
  const full: KeyPolicyContext = { ...ctx, readOnlyRoleArns: [], logGroupPrefixes: [], trailName: "" };
  const throughBackup = { "kms:CallerAccount": ctx.accountId, "kms:ViaService": `backup.${ctx.region}.amazonaws.com` };
  return {
    Version: "2012-10-17",
    Statement: [
      ...baseStatements(full),
      {
        Sid: "BackupRoleThroughAwsBackup",
        Effect: "Allow",
        Principal: { AWS: backupRoleArn },
        Action: ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"],
        Resource: "*",
        Condition: { StringEquals: throughBackup },
      },
      {
        Sid: "BackupRoleGrantsForRecoveryPoints",
        Effect: "Allow",
        Principal: { AWS: backupRoleArn },
        Action: "kms:CreateGrant",
        Resource: "*",
        Condition: { StringEquals: throughBackup, Bool: { "kms:GrantIsForAWSResource": true } },
      },
    ],
  };
}
