import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { ebsDefaultKeyPolicy } from "../keys/key-policies";
import { withName, type Tags } from "../tags";
import { accountGuardGaps, AccountGuardsNotVerified, notVerifiedMessage, type AccountGuardState, type AccountGuardStrategy, type PublicAccessBlock } from "./guard-gaps";

export interface AccountGuardsArgs {
  /** `create`: this stack declares the guards; `verify`: the organisation sets them, and the stack checks them at preview. Required. */
  strategy: AccountGuardStrategy;
  /** Prefix of the default EBS key's alias and description, e.g. `sovereign-llm/prod`. Required. */
  aliasPrefix: string;
  partition: string;
  region: string;
  accountId: pulumi.Input<string>;
  /** Roles that administer the default EBS key (create only). Required. */
  adminRoleArns: string[];
  /** Protect the default EBS key from deletion by Pulumi. Default false. */
  protect?: boolean;
  tags?: Tags;
}

/**
 * The account's own guards against a mistake in any workload of the account, not only this
 * platform's: the S3 public access block (all four settings), which overrides any bucket policy
 * or ACL that would make a bucket public, and EBS encryption by default with a customer managed
 * key, so that no volume of the account is ever written in clear. Under `create` the stack
 * declares them; under `verify` it reads them at preview and stops, naming each missing setting
 * and the command that sets it.
 *
 * Both are singletons of the account (the S3 block) or of the account and region (EBS): two
 * stacks of one account and region that both `create` would fight over them. Nothing in one
 * stack's configuration can see another stack, so this is documented, not validated.
 */
export class AccountGuards extends pulumi.ComponentResource {
  /** What the strategy resolved to, for the stack outputs and the evidence report; rejects (failing the preview) when a verified guard is missing. */
  public readonly summary: pulumi.Output<string>;
  /** The default EBS key (create only). */
  public readonly ebsKey?: aws.kms.Key;

  constructor(name: string, args: AccountGuardsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:account:AccountGuards", name, {}, opts);
    const tags = args.tags ?? {};
    const protect = args.protect ?? false;

    if (args.strategy === "create") {
      // Retained when removed from the program: deleting the stack must not lift the account's
      // guards for every other workload, nor delete the key volumes across the account use.
      const keep = { parent: this, retainOnDelete: true };
      new aws.s3.AccountPublicAccessBlock(`${name}-s3-public-access-block`, { blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true }, keep);
      const key = new aws.kms.Key(
        `${name}-ebs-default`,
        {
          description: `${args.aliasPrefix}: default key of EBS encryption by default in ${args.region}`,
          keyUsage: "ENCRYPT_DECRYPT",
          customerMasterKeySpec: "SYMMETRIC_DEFAULT",
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          bypassPolicyLockoutSafetyCheck: false,
          policy: pulumi.output(args.accountId).apply((accountId) => JSON.stringify(ebsDefaultKeyPolicy({ partition: args.partition, region: args.region, accountId, adminRoleArns: args.adminRoleArns }))),
          tags: withName(tags, `${args.aliasPrefix}/ebs-default`),
        },
        { ...keep, protect },
      );
      new aws.kms.Alias(`${name}-ebs-default`, { name: `alias/${args.aliasPrefix}/ebs-default`, targetKeyId: key.keyId }, { parent: key });
      // The key first, then encryption by default: a volume created in between would otherwise
      // be encrypted with aws/ebs.
      const defaultKey = new aws.ebs.DefaultKmsKey(`${name}-ebs-default-key`, { keyArn: key.arn }, keep);
      new aws.ebs.EncryptionByDefault(`${name}-ebs-encryption-by-default`, { enabled: true }, { ...keep, dependsOn: [defaultKey] });
      this.ebsKey = key;
      this.summary = pulumi.output("created by this stack: S3 public access block, EBS encryption by default with a customer managed key");
    } else {
      this.summary = pulumi.output(args.accountId).apply((accountId) => verify(accountId, args.region, this));
    }
    this.registerOutputs({ summary: this.summary });
  }
}

/** Reads the guards through the provider's credentials and resolves to a summary, or rejects naming every gap. */
async function verify(accountId: string, region: string, parent: pulumi.Resource): Promise<string> {
  const opts = { parent };
  // S3 answers NoSuchPublicAccessBlockConfiguration (an error) when the account has no block.
  const pab = await aws.s3.getAccountPublicAccessBlock({ accountId }, opts).then(
    (r): PublicAccessBlock => ({ blockPublicAcls: r.blockPublicAcls, ignorePublicAcls: r.ignorePublicAcls, blockPublicPolicy: r.blockPublicPolicy, restrictPublicBuckets: r.restrictPublicBuckets }),
    () => undefined,
  );
  const [encryption, defaultKey] = await Promise.all([aws.ebs.getEncryptionByDefault({}, opts), aws.ebs.getDefaultKmsKey({}, opts)]);
  const describe = await aws.kms.getKey({ keyId: defaultKey.keyArn }, opts).then(
    (k) => ({ keyManager: k.keyManager, keyState: k.keyState }),
    () => undefined,
  );
  const state: AccountGuardState = { publicAccessBlock: pab, ebsEncryptionByDefault: encryption.enabled, defaultKey: { arn: defaultKey.keyArn, describe } };
  const gaps = accountGuardGaps(state, { accountId, region });
  if (gaps.length > 0) throw new AccountGuardsNotVerified(notVerifiedMessage(gaps, { accountId, region }));
  return `set by the organisation, verified at preview: S3 public access block, EBS encryption by default with ${defaultKey.keyArn}`;
}
