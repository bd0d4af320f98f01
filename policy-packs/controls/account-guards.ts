import type { Control } from "./types";
import { bool, configOf, KMS_KEY_TYPES, label, nodesOf, ofType, refersTo, str, type Node } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

type Strategy = "create" | "verify";
const DEFAULTS: { guards: Strategy } = { guards: "create" };

const ACCOUNT_PAB = "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock";
const EBS_DEFAULT = "aws:ebs/encryptionByDefault:EncryptionByDefault";
const EBS_KEY = "aws:ebs/defaultKmsKey:DefaultKmsKey";
const BUCKET = "aws:s3/bucket:Bucket";
const CLUSTER = "aws:eks/cluster:Cluster";
const SETTINGS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;

function publicAccessBlockProblems(all: Node[], undecided: Undecided): string[] {
  const blocks = ofType(all, ACCOUNT_PAB);
  if (blocks.length === 0) return ["no account-level S3 public access block is declared"];
  const complete = blocks.some((b) => {
    const off = SETTINGS.filter((s) => {
      const v = bool(b.props[s]);
      if (isUnknown(v)) undecided.note(`${label(b)}: ${s} unknown`);
      return v !== true && !isUnknown(v);
    });
    return off.length === 0;
  });
  if (complete) return [];
  return blocks.map((b) => `${label(b)} leaves ${SETTINGS.filter((s) => bool(b.props[s]) !== true).join(", ")} off`);
}

function ebsProblems(all: Node[], undecided: Undecided): string[] {
  const problems: string[] = [];
  const toggles = ofType(all, EBS_DEFAULT);
  // `enabled` defaults to true on the resource.
  const on = toggles.some((t) => {
    const v = bool(t.props.enabled);
    if (isUnknown(v)) undecided.note(`${label(t)}: enabled unknown`);
    return v !== false;
  });
  if (!on) problems.push(toggles.length === 0 ? "EBS encryption by default is not declared" : "EBS encryption by default is declared disabled");
  const keys = ofType(all, ...KMS_KEY_TYPES);
  const defaults = ofType(all, EBS_KEY);
  const customer = defaults.some((d) => {
    const arn = str(d.props.keyArn);
    if (typeof arn === "string" && /(^|:)alias\/aws\/ebs$/.test(arn)) return false;
    const links = keys.map((k) => refersTo(d, "keyArn", k, [k.props.arn]));
    if (links.includes("yes")) return true;
    if (links.includes("unknown")) {
      undecided.note(`${label(d)}: key unknown`);
      return true;
    }
    return false;
  });
  if (!customer) problems.push(defaults.length === 0 ? "no default EBS key is declared, so encryption by default would use the AWS managed key aws/ebs" : "the default EBS key is not a customer managed key declared by this stack");
  return problems;
}

export const accountGuards: Control = {
  policy: {
    name: "sovereign-llm-account-guards",
    description:
      "A stack that keeps data (declares a bucket or a cluster) has the account's own guards: an account-level S3 public access block with all four settings on, which overrides any bucket policy or ACL that would make a bucket public, and EBS encryption by default with a customer managed key the stack declares, so no volume of the account is written in clear. Under account.guards `verify` (passed as this policy's config) the organisation sets them and the program reads them at preview instead, refusing when one is missing.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { guards: { type: "string", enum: ["create", "verify"], default: DEFAULTS.guards } } },
    validateStack: (args, report) => {
      const cfg = configOf(args, DEFAULTS);
      if (cfg.guards === "verify") return;
      const all = nodesOf(args);
      if (ofType(all, BUCKET, CLUSTER).length === 0) return;
      const undecided = new Undecided();
      // Reported on the first resource that keeps data: it is what the account's guards protect.
      const anchor = ofType(all, BUCKET, CLUSTER)[0]!;
      for (const p of [...publicAccessBlockProblems(all, undecided), ...ebsProblems(all, undecided)]) {
        report(`${p}, while account.guards is create: the account is guarded neither by this stack nor by a verified organisation setting`, anchor.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Keep AccountGuards in the program (infra/platform.ts) with account.guards: create, or, where the organisation sets the account's S3 public access block and EBS encryption by default centrally, set account.guards: verify in the stack file (the program then reads them at preview) and use the policy-pack-config.json that npm run check writes.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.informationAccess, HIPAA.encryptionAtRest],
    gdpr: [GDPR.byDefault, GDPR.integrityConfidentiality, GDPR.encryption],
    soc2: [SOC2.logicalAccess, SOC2.boundary],
    "fedramp-moderate": ["AC-3", "AC-4", "AC-6", "SC-7(3)", "SC-28", "SC-28(1)", "CM-6"],
  },
  references: [
    "AWS Config: s3-account-level-public-access-blocks-periodic (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "AWS Config: ec2-ebs-encryption-by-default (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)",
    "Beyond the public lists: the default EBS key must be a customer managed key the stack declares (ec2-ebs-encryption-by-default accepts aws/ebs)",
  ],
  resourceTypes: [ACCOUNT_PAB, EBS_DEFAULT, EBS_KEY, ...KMS_KEY_TYPES, BUCKET, CLUSTER],
};
