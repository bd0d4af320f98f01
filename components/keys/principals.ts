/**
 * Principals a key policy names must exist when the policy is put: KMS refuses a policy naming
 * an IAM role that does not exist (MalformedPolicyDocumentException), and a role deleted and
 * recreated later is a different principal to KMS.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html#key-policy-elements
 *
 * So the roles are looked up at preview (IAM ListRoles through `aws.iam.getRoles`), and a
 * missing one stops the program with its name and the command that creates it, before a key is
 * declared with a policy that AWS would refuse at creation.
 */
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
export { AUTOSCALING_SLR, autoScalingServiceLinkedRoleArn } from "./key-policies";

/** A role ARN's account, path (`/` or `/a/b/`) and name; undefined when it is not a role ARN. */
export function parseRoleArn(arn: string): { partition: string; accountId: string; path: string; name: string } | undefined {
  const m = /^arn:(aws[\w-]*):iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], accountId: m[2], path: m[3], name: m[4] };
}

/** A regular expression matching exactly this name (IAM names may hold `+=,.@-`). */
function exactName(name: string): string {
  return `^${name.replace(/[.+]/g, (c) => `\\${c}`)}$`;
}

export interface ExpectedRole {
  arn: string;
  /** What the role is for, in the message when it is missing (`adminRoleArns`). */
  purpose: string;
  /** How to create it, in the message when it is missing. */
  fix: string;
}

/**
 * Looks up each role of `accountId` and resolves to the ARNs once all exist; fails, naming every
 * missing role with its purpose and fix, when one does not. Roles of other accounts cannot be
 * listed from this one and are passed through (KMS checks them at creation).
 */
export function requireRoles(owner: string, roles: readonly ExpectedRole[], accountId: pulumi.Input<string>, opts: pulumi.InvokeOutputOptions): pulumi.Output<string[]> {
  // A role named for several purposes (admin and break-glass) is looked up, and reported, once.
  const byArn = new Map<string, ExpectedRole>();
  for (const r of roles) {
    const seen = byArn.get(r.arn);
    byArn.set(r.arn, seen ? { ...seen, purpose: `${seen.purpose}, ${r.purpose}` } : r);
  }
  return pulumi.output(accountId).apply((account) => {
    const lookups = [...byArn.values()].map((role) => {
      const parsed = parseRoleArn(role.arn);
      if (!parsed) return pulumi.output({ role, found: false, checked: true, malformed: true });
      if (parsed.accountId !== account) return pulumi.output({ role, found: true, checked: false, malformed: false });
      return aws.iam
        .getRolesOutput({ nameRegex: exactName(parsed.name), pathPrefix: parsed.path }, opts)
        .apply((result) => ({ role, found: (result.arns ?? []).includes(role.arn), checked: true, malformed: false }));
    });
    return pulumi.all(lookups).apply((results) => {
      const missing = results.filter((r) => !r.found);
      if (missing.length > 0) {
        throw new Error(
          `${owner}: ${missing.length === 1 ? "a role" : `${missing.length} roles`} named in key policies ${missing.length === 1 ? "does" : "do"} not exist in account ${account}; ` +
            `KMS refuses a key policy that names a missing principal:\n` +
            missing.map((r) => `  - ${r.role.arn} (${r.role.purpose}): ${r.malformed ? "is not an IAM role ARN" : "not found"}; ${r.role.fix}`).join("\n"),
        );
      }
      return results.map((r) => r.role.arn);
    });
  });
}
