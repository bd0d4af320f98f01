import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { keyPolicy, KEY_PURPOSES, type KeyPurpose } from "./key-policies";
import { AUTOSCALING_SLR, autoScalingServiceLinkedRoleArn, parseRoleArn, requireRoles, type ExpectedRole } from "./principals";
import { withName, type Tags } from "../tags";

export interface KeyRingArgs {
  /** Prefix of aliases and descriptions, e.g. `sovereign-llm/prod`. Required. */
  aliasPrefix: string;
  /** AWS partition (`aws`, `aws-us-gov`). Required. */
  partition: string;
  /** Region of the keys. Required. */
  region: string;
  /** Account that owns the keys. Required. */
  accountId: pulumi.Input<string>;
  /** Roles that administer the keys. Required, at least one. */
  adminRoleArns: string[];
  /** The only roles that may schedule deletion of, or disable, the audit key. Default none: nobody may. */
  breakGlassRoleArns?: string[];
  /** Roles that may read audit records and fetch the signing public key. Default none. */
  readOnlyRoleArns?: string[];
  /** Log-group name prefixes the logs key may encrypt. Required. */
  logGroupPrefixes: string[];
  /** CloudTrail trail name that may use the audit key. Required. */
  trailName: string;
  /** Days before a scheduled deletion happens. Default 30 (the maximum). */
  deletionWindowInDays?: number;
  /** Protect keys from deletion by Pulumi and keep them when removed from the program. Default false. */
  protect?: boolean;
  /** Base tags. Default none. */
  tags?: Tags;
}

const DESCRIPTIONS: Record<KeyPurpose, string> = {
  models: "model artifacts in the model store",
  logs: "CloudWatch log groups (audit and content classes)",
  cluster: "EKS Kubernetes secrets (envelope encryption)",
  nodeVolumes: "EBS volumes of cluster nodes",
  audit: "CloudTrail log files",
  signing: "signatures over model manifests (ECDSA P-256)",
};

/** One customer-managed KMS key per purpose, each with a least-privilege key policy and an alias. */
export class KeyRing extends pulumi.ComponentResource {
  public readonly keys: Record<KeyPurpose, aws.kms.Key>;
  public readonly aliases: Record<KeyPurpose, aws.kms.Alias>;
  public readonly arns: Record<KeyPurpose, pulumi.Output<string>>;

  constructor(name: string, args: KeyRingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:keys:KeyRing", name, {}, opts);
    const deletionWindowInDays = args.deletionWindowInDays ?? 30;
    const readOnlyRoleArns = args.readOnlyRoleArns ?? [];
    const protect = args.protect ?? false;
    const tags = args.tags ?? {};
    const problems: string[] = [];
    if (args.adminRoleArns.length === 0) problems.push("adminRoleArns: name at least one admin role");
    if (deletionWindowInDays < 7 || deletionWindowInDays > 30) problems.push("deletionWindowInDays: must be 7 to 30");
    if (problems.length > 0) throw new Error(`KeyRing ${name}: ${problems.join("; ")}`);

    // Every role the policies name must exist before a key is created with them: looked up at
    // preview, so a missing role stops the program with its name and fix.
    const createRole = (purpose: string) => (arn: string) =>
      `create it (aws iam create-role --role-name ${parseRoleArn(arn)?.name ?? "<name>"} --path ${parseRoleArn(arn)?.path ?? "/"} --assume-role-policy-document file://trust.json) or correct ${purpose}`;
    const principalsExist = pulumi.output(args.accountId).apply((accountId) =>
      requireRoles(
        `KeyRing ${name}`,
        [
          ...args.adminRoleArns.map((arn): ExpectedRole => ({ arn, purpose: "adminRoleArns", fix: createRole("adminRoleArns")(arn) })),
          ...readOnlyRoleArns.map((arn): ExpectedRole => ({ arn, purpose: "readOnlyRoleArns", fix: createRole("readOnlyRoleArns")(arn) })),
          ...(args.breakGlassRoleArns ?? []).map((arn): ExpectedRole => ({ arn, purpose: "breakGlassRoleArns", fix: createRole("breakGlassRoleArns")(arn) })),
          {
            arn: autoScalingServiceLinkedRoleArn(args.partition, accountId),
            purpose: "Auto Scaling service-linked role; it creates the encrypted EBS volumes of node groups",
            fix: `create it once per account: aws iam create-service-linked-role --aws-service-name ${AUTOSCALING_SLR.service}`,
          },
        ],
        accountId,
        { parent: this },
      ),
    );

    const keys = {} as Record<KeyPurpose, aws.kms.Key>;
    const aliases = {} as Record<KeyPurpose, aws.kms.Alias>;
    for (const purpose of KEY_PURPOSES) {
      const policy = pulumi.all([args.accountId, principalsExist]).apply(([accountId]) =>
        JSON.stringify(
          keyPolicy(purpose, {
            partition: args.partition,
            region: args.region,
            accountId,
            adminRoleArns: args.adminRoleArns,
            readOnlyRoleArns,
            logGroupPrefixes: args.logGroupPrefixes,
            trailName: args.trailName,
            breakGlassRoleArns: args.breakGlassRoleArns ?? [],
          }),
        ),
      );
      const signing = purpose === "signing";
      const key = new aws.kms.Key(
        `${name}-${purpose}`,
        {
          description: `${args.aliasPrefix}: ${DESCRIPTIONS[purpose]}`,
          keyUsage: signing ? "SIGN_VERIFY" : "ENCRYPT_DECRYPT",
          customerMasterKeySpec: signing ? "ECC_NIST_P256" : "SYMMETRIC_DEFAULT",
          // AWS rotates only symmetric keys; an asymmetric key's public half is pinned by verifiers.
          enableKeyRotation: !signing,
          deletionWindowInDays,
          policy,
          bypassPolicyLockoutSafetyCheck: false,
          tags: withName(tags, `${args.aliasPrefix}/${purpose}`),
        },
        { parent: this, protect, retainOnDelete: protect },
      );
      keys[purpose] = key;
      aliases[purpose] = new aws.kms.Alias(
        `${name}-${purpose}`,
        { name: `alias/${args.aliasPrefix}/${purpose}`, targetKeyId: key.keyId },
        { parent: key },
      );
    }
    this.keys = keys;
    this.aliases = aliases;
    this.arns = Object.fromEntries(KEY_PURPOSES.map((p) => [p, keys[p].arn])) as Record<KeyPurpose, pulumi.Output<string>>;
    this.registerOutputs({ arns: this.arns });
  }
}
