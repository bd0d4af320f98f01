/** Shared reading of a Network Firewall policy's `firewallPolicy` block, tolerant of unknowns. */
import type { ResourceValidationArgs } from "@pulumi/policy";
import { asArray, asRecord, propsOf } from "./resources";
import { containsUnknown, isUnknown, Undecided } from "./unknown";

export const FIREWALL_POLICY = "aws:networkfirewall/firewallPolicy:FirewallPolicy";

/**
 * Calls `check` with the known `firewallPolicy` record of a FirewallPolicy resource; an unknown
 * block (or anything `check` notes) ends as the SDK's advisory "can't be known during preview".
 */
export function checkFirewallPolicy(args: ResourceValidationArgs, check: (policy: Record<string, unknown>, undecided: Undecided) => void): void {
  if (args.type !== FIREWALL_POLICY) return;
  const fp = propsOf(args).firewallPolicy;
  const undecided = new Undecided();
  if (isUnknown(fp)) undecided.note("firewallPolicy unknown");
  else check(asRecord(fp), undecided);
  undecided.finish();
}

/** The string actions of a list property, or undefined (noted) when any part of it is unknown. */
export function knownActions(policy: Record<string, unknown>, key: string, undecided: Undecided): string[] | undefined {
  const actions = policy[key];
  if (isUnknown(actions) || containsUnknown(actions)) {
    undecided.note(`${key} unknown`);
    return undefined;
  }
  return asArray(actions).filter((a): a is string => typeof a === "string");
}
