// Authorisation: which principals may use which models. Default deny: a principal that no rule
// matches may use nothing. Rate limits may be raised per rule (the most generous matching rule).
import type { Principal } from "./auth.js";
import type { AuthorizationRule, GatewayConfig } from "./config.js";

export interface Grants {
  /** Model ids this principal may use. */
  models: Set<string>;
  /** Names of the rules that matched, for the audit line. */
  rules: string[];
  requestsPerMinute: number;
  tokensPerMinute: number;
}

function claimMatches(value: unknown, allowed: readonly string[]): boolean {
  if (typeof value === "string") return allowed.includes(value) || value.split(" ").some((v) => allowed.includes(v));
  if (typeof value === "number" || typeof value === "boolean") return allowed.includes(String(value));
  if (Array.isArray(value)) return value.some((v) => typeof v === "string" && allowed.includes(v));
  return false;
}

export function ruleMatches(rule: AuthorizationRule, p: Principal): boolean {
  if (p.kind === "apikey") return rule.apiKeys.includes(p.subject);
  if (rule.subjects.includes(p.subject)) return true;
  if (rule.groups.some((g) => p.groups.includes(g))) return true;
  return Object.entries(rule.claims).some(([claim, values]) => Object.hasOwn(p.claims, claim) && claimMatches(p.claims[claim], values));
}

export class Authorizer {
  private readonly allModels: string[];

  constructor(private readonly cfg: Pick<GatewayConfig, "authorization" | "models" | "rateLimits">) {
    this.allModels = cfg.models.map((m) => m.id);
  }

  grants(p: Principal): Grants {
    const models = new Set<string>();
    const rules: string[] = [];
    let rpm = this.cfg.rateLimits.requestsPerMinute;
    let tpm = this.cfg.rateLimits.tokensPerMinute;
    for (const rule of this.cfg.authorization.rules) {
      if (!ruleMatches(rule, p)) continue;
      rules.push(rule.name);
      for (const m of rule.models) {
        if (m === "*") this.allModels.forEach((id) => models.add(id));
        else models.add(m);
      }
      if (rule.requestsPerMinute !== undefined) rpm = Math.max(rpm, rule.requestsPerMinute);
      if (rule.tokensPerMinute !== undefined) tpm = Math.max(tpm, rule.tokensPerMinute);
    }
    return { models, rules, requestsPerMinute: rpm, tokensPerMinute: tpm };
  }
}
