/**
 * IAM policy documents (key policies, trust policies, bucket and endpoint policies) as plain,
 * normalised statements, so controls can ask simple questions of them.
 */
import { Unknown, isUnknown, containsUnknown } from "./unknown";

export interface Statement {
  sid?: string;
  effect: "Allow" | "Deny";
  /** Principal as written; "*" for the bare wildcard. */
  principal: unknown;
  notPrincipal?: unknown;
  actions: string[];
  notActions: string[];
  resources: string[];
  condition: Record<string, Record<string, unknown>>;
}

export type ParsedDocument = { ok: true; statements: Statement[] } | { ok: false; reason: string } | Unknown;

function list(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Parses a policy given as a JSON string or an object. `Unknown` when any part is unknown. */
export function parsePolicy(value: unknown): ParsedDocument {
  if (isUnknown(value) || containsUnknown(value)) return Unknown;
  let doc: unknown = value;
  if (typeof value === "string") {
    try {
      doc = JSON.parse(value);
    } catch {
      return { ok: false, reason: "the policy is not valid JSON" };
    }
  }
  if (doc === null || typeof doc !== "object") return { ok: false, reason: "the policy is not a JSON object" };
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  const out: Statement[] = [];
  for (const s of statements) {
    if (s === null || typeof s !== "object") return { ok: false, reason: "a statement is not an object" };
    const st = s as Record<string, unknown>;
    out.push({
      sid: typeof st.Sid === "string" ? st.Sid : undefined,
      effect: st.Effect === "Deny" ? "Deny" : "Allow",
      principal: st.Principal,
      notPrincipal: st.NotPrincipal,
      actions: list(st.Action),
      notActions: list(st.NotAction),
      resources: list(st.Resource),
      condition: (st.Condition as Record<string, Record<string, unknown>> | undefined) ?? {},
    });
  }
  return { ok: true, statements: out };
}

/** Every principal string of a Principal element ("*", ARNs, service names, account ids). */
export function principalValues(principal: unknown): string[] {
  if (principal === undefined || principal === null) return [];
  if (typeof principal === "string") return [principal];
  if (typeof principal === "object") return Object.values(principal as Record<string, unknown>).flatMap((v) => list(v));
  return [];
}

/** True when the principal is everyone: "*", {"AWS": "*"} or any value that is exactly "*". */
export function isPublicPrincipal(principal: unknown): boolean {
  return principalValues(principal).some((p) => p === "*");
}

/** True when a principal value contains a wildcard anywhere ("*", "arn:aws:iam::*:root", ...). */
export function hasWildcardPrincipal(principal: unknown): boolean {
  return principalValues(principal).some((p) => p.includes("*"));
}

/**
 * Condition keys that pin a public-principal statement to an account, organisation, source or
 * network, so "*" no longer means "anyone on the internet".
 */
const RESTRICTING_KEYS = [
  "aws:principalaccount",
  "aws:principalorgid",
  "aws:principalorgpaths",
  "aws:principalarn",
  "aws:sourceaccount",
  "aws:sourcearn",
  "aws:sourceorgid",
  "aws:sourceorgpaths",
  "aws:sourcevpce",
  "aws:sourcevpc",
  "aws:sourceip",
  "aws:resourceaccount",
  "aws:resourceorgid",
  "aws:calledvia",
  "kms:calleraccount",
  "kms:viaservice",
];

export function conditionKeys(statement: Statement): string[] {
  return Object.values(statement.condition).flatMap((byKey) => Object.keys(byKey ?? {}).map((k) => k.toLowerCase()));
}

export function hasRestrictingCondition(statement: Statement): boolean {
  return conditionKeys(statement).some((k) => RESTRICTING_KEYS.includes(k));
}

/** Does an action pattern list grant `action`? Case-insensitive, `*` and `?` wildcards. */
export function actionMatches(patterns: string[], action: string): boolean {
  return patterns.some((p) => new RegExp("^" + p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".") + "$", "i").test(action));
}

/** "svc:*" or "*" patterns in an action list. */
export function serviceWildcards(actions: string[]): string[] {
  return actions.filter((a) => a === "*" || /^[a-z0-9-]+:\*$/i.test(a));
}
