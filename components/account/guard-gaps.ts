/**
 * Account-level guards as data: what the account's S3 public access block and EBS encryption by
 * default must be, and, when an organisation sets them centrally, what an account it handed us
 * lacks, each gap with the AWS CLI command that closes it. Pure: declares nothing and calls
 * nothing, so the verification's judgement is tested directly.
 *
 * Both settings are per account (the S3 block) or per account and region (EBS encryption by
 * default and its key), not per stack: https://docs.aws.amazon.com/AmazonS3/latest/userguide/configuring-block-public-access-account.html
 * and https://docs.aws.amazon.com/ebs/latest/userguide/encryption-by-default.html
 */

/** How the guards are provided: declared by this stack, or set by the organisation and verified at preview. */
export type AccountGuardStrategy = "create" | "verify";

/** The four settings of an S3 public access block, all of which must be on. */
export const PUBLIC_ACCESS_BLOCK_SETTINGS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;
export type PublicAccessBlock = Record<(typeof PUBLIC_ACCESS_BLOCK_SETTINGS)[number], boolean>;

/** The names S3 and the AWS CLI use for each setting. */
const API_NAME: Record<(typeof PUBLIC_ACCESS_BLOCK_SETTINGS)[number], string> = {
  blockPublicAcls: "BlockPublicAcls",
  ignorePublicAcls: "IgnorePublicAcls",
  blockPublicPolicy: "BlockPublicPolicy",
  restrictPublicBuckets: "RestrictPublicBuckets",
};

/** What the lookups found in the account and region. */
export interface AccountGuardState {
  /** The account's S3 public access block; undefined when the account has none (S3 answers NoSuchPublicAccessBlockConfiguration). */
  publicAccessBlock: PublicAccessBlock | undefined;
  /** Whether EBS encryption by default is on in the region. */
  ebsEncryptionByDefault: boolean;
  /**
   * The region's default EBS key and what KMS says of it. EBS answers the ARN of the AWS managed
   * key alias (alias/aws/ebs) when no other key was set; `describe` is undefined when the key
   * could not be described (it is in another account, or the caller may not DescribeKey it).
   */
  defaultKey: { arn: string; describe?: { keyManager: string; keyState: string } };
}

export const putPublicAccessBlockCommand = (accountId: string) =>
  `aws s3control put-public-access-block --account-id ${accountId} --public-access-block-configuration ${PUBLIC_ACCESS_BLOCK_SETTINGS.map((s) => `${API_NAME[s]}=true`).join(",")}`;
export const enableEbsEncryptionCommand = (region: string) => `aws ec2 enable-ebs-encryption-by-default --region ${region}`;
export const setDefaultKeyCommand = (region: string) => `aws ec2 modify-ebs-default-kms-key-id --kms-key-id <ARN of a customer managed key in ${region}> --region ${region}`;

/** Whether an ARN or id names the AWS managed EBS key by its alias. */
export function isAwsManagedEbsAlias(keyArn: string): boolean {
  return /(^|:)alias\/aws\/ebs$/.test(keyArn);
}

/** What the account lacks, each gap naming the setting and the command that sets it (empty when nothing). */
export function accountGuardGaps(state: AccountGuardState, ctx: { accountId: string; region: string }): string[] {
  const gaps: string[] = [];
  const pab = state.publicAccessBlock;
  if (!pab) {
    gaps.push(`account ${ctx.accountId} has no S3 public access block (S3.1): ${putPublicAccessBlockCommand(ctx.accountId)}`);
  } else {
    const off = PUBLIC_ACCESS_BLOCK_SETTINGS.filter((s) => pab[s] !== true);
    if (off.length > 0) gaps.push(`the S3 public access block of account ${ctx.accountId} leaves ${off.map((s) => API_NAME[s]).join(", ")} off (S3.1): ${putPublicAccessBlockCommand(ctx.accountId)}`);
  }
  if (!state.ebsEncryptionByDefault) gaps.push(`EBS encryption by default is off in ${ctx.region} (EC2.7): ${enableEbsEncryptionCommand(ctx.region)}`);
  const key = state.defaultKey;
  if (isAwsManagedEbsAlias(key.arn) || key.describe?.keyManager === "AWS") {
    gaps.push(`the default EBS key in ${ctx.region} is the AWS managed key aws/ebs, whose policy nobody can narrow or audit; set a customer managed key: ${setDefaultKeyCommand(ctx.region)}`);
  } else if (!key.describe) {
    gaps.push(`the default EBS key in ${ctx.region} (${key.arn}) could not be described: grant this deployment kms:DescribeKey on it, or set a key of this account: ${setDefaultKeyCommand(ctx.region)}`);
  } else if (key.describe.keyState !== "Enabled") {
    gaps.push(`the default EBS key in ${ctx.region} (${key.arn}) is ${key.describe.keyState}: new volumes cannot be created with it; enable it (aws kms enable-key --key-id ${key.arn}) or set another: ${setDefaultKeyCommand(ctx.region)}`);
  }
  return gaps;
}

export class AccountGuardsNotVerified extends Error {
  override name = "AccountGuardsNotVerified";
}

/** The error a verification with gaps stops the preview with. */
export function notVerifiedMessage(gaps: readonly string[], ctx: { accountId: string; region: string }): string {
  return (
    `account.guards is "verify", but account ${ctx.accountId} in ${ctx.region} lacks ${gaps.length === 1 ? "a guard" : `${gaps.length} guards`} the platform relies on:\n` +
    gaps.map((g) => `  - ${g}`).join("\n") +
    `\nAsk whoever administers the account's baseline (SCP, Control Tower) to set them, or set account.guards: create if no other stack in this account and region declares them.`
  );
}
