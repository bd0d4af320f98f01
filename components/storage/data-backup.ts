import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { backupVaultKeyPolicy, type PolicyDocument } from "../keys/key-policies";
import { backupRolePolicy } from "./backup-policies";
import { withName, type Tags } from "../tags";

export interface DataBackupArgs {
  /** Prefix of the vault, plan and selection names (`<prefix>-records`). Required. */
  namePrefix: string;
  /** Prefix of the vault keys' aliases, e.g. `sovereign-llm/prod`. Required. */
  aliasPrefix: string;
  partition: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** Roles that administer the vault keys. Required. */
  adminRoleArns: string[];
  /** The only roles that may delete a recovery point or change its lifecycle (under GOVERNANCE lock). Default none. */
  breakGlassRoleArns?: string[];
  /** The buckets to back up, each with the key its objects are encrypted with. Required, at least one. */
  sources: { bucketArn: pulumi.Input<string>; keyArn: pulumi.Input<string> }[];
  /** Days each daily recovery point is kept; also the vault's locked minimum. Required. */
  retentionDays: number;
  /** Vault Lock mode: COMPLIANCE (nobody, root included, can shorten or delete) or GOVERNANCE. Required. */
  lockMode: "COMPLIANCE" | "GOVERNANCE";
  /** A second region (inside the residency, checked by config) each recovery point is copied to. Default none. */
  copyRegion?: string;
  /** Protect the vaults and keys. Default false. */
  protect?: boolean;
  tags?: Tags;
}

/** Days a COMPLIANCE lock can still be changed or removed after it is set (AWS's minimum cooling-off is 3). */
export const COMPLIANCE_COOLING_OFF_DAYS = 3;

/**
 * A second copy of the stack's records, outside the buckets that hold them: AWS Backup takes a
 * daily backup of each source bucket into a vault encrypted with its own customer managed key,
 * under Vault Lock, optionally copied to a vault in a second region of the residency. A recovery
 * point of S3 holds every object version of the bucket at that time, so any recovery point
 * restores the whole record; the source's Object Lock keeps versions from deletion, the vault
 * keeps them from the loss of the bucket, its key or its region.
 *
 * AWS Backup for S3 requires versioning on the source bucket, which SecureBucket always enables.
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
 */
export class DataBackup extends pulumi.ComponentResource {
  public readonly role: aws.iam.Role;
  public readonly vault: aws.backup.Vault;
  public readonly copyVault?: aws.backup.Vault;
  public readonly plan: aws.backup.Plan;

  constructor(name: string, args: DataBackupArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:storage:DataBackup", name, {}, opts);
    const problems: string[] = [];
    if (args.sources.length === 0) problems.push("sources: name at least one bucket");
    if (!(args.retentionDays >= 7)) problems.push("retentionDays: must be at least 7");
    if (args.copyRegion === args.region) problems.push(`copyRegion: ${args.copyRegion} is the stack's own region`);
    if (problems.length > 0) throw new Error(`DataBackup ${name}: ${problems.join("; ")}`);
    const tags = args.tags ?? {};
    const protect = args.protect ?? false;
    const keep = { protect, retainOnDelete: protect };

    // Assumed only by AWS Backup, as AWS documents its service role.
    // https://docs.aws.amazon.com/aws-backup/latest/devguide/iam-service-roles.html
    // Named, so its ARN (which the vault keys' policies name) is known at preview, before the
    // role exists, and the packs can read those policies; the keys still wait for the role, as
    // KMS refuses a policy naming a principal that does not exist.
    const roleName = `${args.namePrefix}-backup`;
    const roleArn = pulumi.output(args.accountId).apply((accountId) => `arn:${args.partition}:iam::${accountId}:role/${roleName}`);
    this.role = new aws.iam.Role(
      `${name}-role`,
      {
        name: roleName,
        description: "AWS Backup: reads the stack's record buckets into its vault",
        assumeRolePolicy: JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Principal: { Service: "backup.amazonaws.com" }, Action: "sts:AssumeRole" }] }),
        tags: withName(tags, `${name}-role`),
      },
      { parent: this },
    );
    const rolePolicy = new aws.iam.RolePolicy(
      `${name}-role`,
      {
        role: this.role.id,
        policy: pulumi.all(args.sources.map((s) => pulumi.all([s.bucketArn, s.keyArn]))).apply((pairs) => JSON.stringify(backupRolePolicy(pairs.map(([bucketArn, keyArn]) => ({ bucketArn, keyArn })), args.region))),
      },
      { parent: this.role },
    );

    const vaultIn = (suffix: string, region: string | undefined) => {
      const where = region ?? args.region;
      const key = new aws.kms.Key(
        `${name}-${suffix}`,
        {
          description: `${args.aliasPrefix}: backup vault of the stack's records in ${where}`,
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          bypassPolicyLockoutSafetyCheck: false,
          policy: pulumi.all([args.accountId, roleArn]).apply(([accountId, arn]) => JSON.stringify(backupVaultKeyPolicy({ partition: args.partition, region: where, accountId, adminRoleArns: args.adminRoleArns }, arn))),
          tags: withName(tags, `${args.aliasPrefix}/backup-${suffix}`),
          ...(region ? { region } : {}),
        },
        { parent: this, ...keep, dependsOn: [this.role] },
      );
      new aws.kms.Alias(`${name}-${suffix}`, { name: `alias/${args.aliasPrefix}/backup-${suffix}`, targetKeyId: key.keyId, ...(region ? { region } : {}) }, { parent: key });
      const vault = new aws.backup.Vault(
        `${name}-${suffix}`,
        { name: `${args.namePrefix}-${suffix}`, kmsKeyArn: key.arn, forceDestroy: false, tags: withName(tags, `${args.namePrefix}-${suffix}`), ...(region ? { region } : {}) },
        { parent: this, ...keep },
      );
      // Vault Lock: no recovery point is kept shorter than the plan says. COMPLIANCE becomes
      // immutable after the cooling-off days (nobody, root included, can remove it then);
      // GOVERNANCE (no changeableForDays) can be removed by a principal allowed to.
      // https://docs.aws.amazon.com/aws-backup/latest/devguide/vault-lock.html
      new aws.backup.VaultLockConfiguration(
        `${name}-${suffix}`,
        { backupVaultName: vault.name, minRetentionDays: args.retentionDays, ...(args.lockMode === "COMPLIANCE" ? { changeableForDays: COMPLIANCE_COOLING_OFF_DAYS } : {}), ...(region ? { region } : {}) },
        { parent: vault },
      );
      new aws.backup.VaultPolicy(
        `${name}-${suffix}`,
        { backupVaultName: vault.name, policy: JSON.stringify(vaultAccessPolicy(args.breakGlassRoleArns ?? [])), ...(region ? { region } : {}) },
        { parent: vault },
      );
      return vault;
    };
    this.vault = vaultIn("records", undefined);
    this.copyVault = args.copyRegion ? vaultIn("records-copy", args.copyRegion) : undefined;

    const lifecycle = { deleteAfter: args.retentionDays };
    this.plan = new aws.backup.Plan(
      `${name}-plan`,
      {
        name: `${args.namePrefix}-records`,
        rules: [
          {
            ruleName: "daily",
            targetVaultName: this.vault.name,
            schedule: "cron(0 3 ? * * *)",
            startWindow: 60,
            completionWindow: 24 * 60,
            lifecycle,
            ...(this.copyVault ? { copyActions: [{ destinationVaultArn: this.copyVault.arn, lifecycle }] } : {}),
          },
        ],
        tags: withName(tags, `${args.namePrefix}-records`),
      },
      { parent: this },
    );
    new aws.backup.Selection(
      `${name}-records`,
      { name: `${args.namePrefix}-records`, planId: this.plan.id, iamRoleArn: this.role.arn, resources: args.sources.map((s) => s.bucketArn) },
      { parent: this.plan, dependsOn: [rolePolicy] },
    );
    this.registerOutputs({ vault: this.vault.arn, copyVault: this.copyVault?.arn });
  }
}

/**
 * The vault's access policy: nobody deletes a recovery point or changes its lifecycle but the
 * break-glass roles (what AWS Config's backup-recovery-point-manual-deletion-disabled checks).
 */
export function vaultAccessPolicy(breakGlassRoleArns: readonly string[]): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "OnlyBreakGlassDeletesRecoveryPoints",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
        Resource: "*",
        ...(breakGlassRoleArns.length > 0 ? { Condition: { ArnNotLike: { "aws:PrincipalArn": [...breakGlassRoleArns] } } } : {}),
      },
    ],
  };
}
