/**
 * The permission documents a resource carries as an IAM identity: inline role, user and group
 * policies, customer-managed policies, and a role's `inlinePolicies`. Shared by the controls that
 * read what an identity may do.
 */
import { asArray, asRecord } from "./resources";

export const ROLE = "aws:iam/role:Role";
export const IDENTITY_POLICY_TYPES = ["aws:iam/rolePolicy:RolePolicy", "aws:iam/userPolicy:UserPolicy", "aws:iam/groupPolicy:GroupPolicy", "aws:iam/policy:Policy"];

/** The documents of one resource, each with where it sits ("policy", "inlinePolicies[0]"); empty for other types. */
export function identityDocuments(type: string, props: Record<string, unknown>): { where: string; value: unknown }[] {
  if (IDENTITY_POLICY_TYPES.includes(type)) return [{ where: "policy", value: props.policy }];
  if (type === ROLE) return asArray(props.inlinePolicies).map((ip, i) => ({ where: `inlinePolicies[${i}]`, value: asRecord(ip).policy }));
  return [];
}
