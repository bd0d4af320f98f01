/**
 * What the platform does about each rule of a public rule set auditors use (AWS Config
 * conformance packs, cdk-nag packs, Security Hub's Foundational Security Best Practices, the
 * Kubernetes Pod Security Standards). Every rule of each set is listed: the control that enforces
 * it, an exception with the reason, the resource type it is about when the platform declares none,
 * or an open gap, so a reader sees the whole set and nothing is left out silently.
 * policy-packs/README.md renders these tables (npm run docs:packs).
 */
export type Verdict =
  /** Enforced by these controls (policy names of the library). */
  | { controls: string[]; note?: string }
  /** The rule's resource type is declared, and the rule does not apply to how: the reason an auditor reads. */
  | { exception: string }
  /** The platform declares no resource of this type. */
  | { notApplicable: string }
  /** Applies and is not enforced by a pack control yet: what exists instead. */
  | { gap: string };

export interface RuleSet {
  /** Heading of the table. */
  title: string;
  /** Where the list of rules was taken from, with its version or date. */
  source: string;
  rules: [id: string, verdict: Verdict][];
}

const P = "sovereign-llm-";
/** Enforced by the named controls (without the sovereign-llm- prefix). */
export const by = (...names: string[]): Verdict => ({ controls: names.map((n) => P + n) });
/** Enforced by the named controls, with a note on how the control differs from the rule. */
export const byNote = (note: string, ...names: string[]): Verdict => ({ controls: names.map((n) => P + n), note });
export const except = (reason: string): Verdict => ({ exception: reason });
export const none = (type: string): Verdict => ({ notApplicable: type });
export const gap = (what: string): Verdict => ({ gap: what });
