import type { Control } from "./types";
import { asArray, asRecord, propsOf, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup";

export interface PassRule {
  line: string;
  /** Domains the rule passes (`*.example.com` for a dotprefix match), empty when it names none. */
  domains: string[];
  /** True when a domain match is not anchored at both ends (a substring match). */
  unanchored: boolean;
}

const normalise = (d: string) => d.trim().toLowerCase().replace(/\.$/, "");

/** The pass rules of a Suricata rules string and the domains their TLS SNI / HTTP Host matches name. */
export function passRules(rulesString: string): PassRule[] {
  const out: PassRule[] = [];
  for (const raw of rulesString.split("\n")) {
    const line = raw.trim();
    if (!/^pass\s/i.test(line)) continue;
    const domains: string[] = [];
    let unanchored = false;
    const body = line.slice(line.indexOf("(") + 1, line.lastIndexOf(")"));
    const options = body.split(";").map((o) => o.trim());
    for (let i = 0; i < options.length; i++) {
      if (!/^(tls\.sni|http\.host|tls_sni|http_host)$/i.test(options[i]!)) continue;
      let dotprefix = false;
      let content: string | undefined;
      let starts = false;
      let ends = false;
      for (let j = i + 1; j < options.length; j++) {
        const o = options[j]!;
        if (/^(tls\.sni|http\.host|tls_sni|http_host|flow|msg|sid|rev)\b/i.test(o)) break;
        if (o === "dotprefix") dotprefix = true;
        else if (o === "startswith") starts = true;
        else if (o === "endswith") ends = true;
        else {
          const m = /^content:\s*"([^"]*)"$/.exec(o);
          if (m) content = m[1];
        }
      }
      if (content === undefined) continue;
      const name = normalise(content);
      if (dotprefix && name.startsWith(".")) domains.push(`*${name}`);
      else domains.push(name);
      if (!ends || !(starts || dotprefix)) unanchored = true;
    }
    out.push({ line, domains, unanchored });
  }
  return out;
}

/** Is `domain` (possibly `*.x`) allowed by the list (entries exact or `*.x`)? */
export function domainAllowed(domain: string, allowed: string[]): boolean {
  const list = allowed.map(normalise);
  if (list.includes(domain)) return true;
  return list.some((a) => a.startsWith("*.") && (domain.endsWith(a.slice(1)) && domain !== a.slice(2)));
}

export const networkfirewallEgressDomains: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-egress-domains",
    description:
      "Stateful rule groups pass traffic only to named domains: every Suricata pass rule matches a TLS SNI or HTTP Host anchored at both ends, and, when allowedEgressDomains is configured, only domains in that list (a `*.x` entry allows its subdomains). Domain-list rule groups (rulesSourceList) must be allow-lists of listed domains, and 5-tuple PASS rules are refused. Goes beyond the public lists, which do not look inside rule groups.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { allowedEgressDomains: { type: "array", items: { type: "string" } } } },
    validateResource: (args, report) => {
      if (args.type !== RULE_GROUP) return;
      const given = args.getConfig<{ allowedEgressDomains?: string[] }>() ?? {};
      const allowed = Array.isArray(given.allowedEgressDomains) ? given.allowedEgressDomains : undefined;
      const p = propsOf(args);
      const undecided = new Undecided();
      const type = str(p.type);
      if (isUnknown(type)) undecided.note("rule group type unknown");
      if (type === "STATELESS") return undecided.finish();
      const rg = p.ruleGroup;
      if (isUnknown(rg)) undecided.note("ruleGroup unknown");
      const source = isUnknown(rg) ? rg : asRecord(asRecord(rg).rulesSource);
      const rulesString = isUnknown(source) ? source : source.rulesString;
      if (isUnknown(rulesString)) undecided.note("rulesString unknown");
      else if (typeof rulesString === "string") {
        for (const rule of passRules(rulesString)) {
          if (rule.domains.length === 0) report(`pass rule not pinned to a domain (no tls.sni or http.host content): ${rule.line.slice(0, 160)}`);
          else if (rule.unanchored) report(`pass rule matches ${rule.domains.join(", ")} as a substring (add startswith/dotprefix and endswith): ${rule.line.slice(0, 160)}`);
          if (allowed) for (const d of rule.domains.filter((x) => !domainAllowed(x, allowed))) report(`pass rule allows ${d}, which is not in allowedEgressDomains (${allowed.join(", ") || "empty"})`);
        }
      }
      const list = isUnknown(source) ? source : source.rulesSourceList;
      if (isUnknown(list)) undecided.note("rulesSourceList unknown");
      else if (list !== undefined && list !== null) {
        const l = asRecord(list);
        const kind = str(l.generatedRulesType);
        if (isUnknown(kind)) undecided.note("generatedRulesType unknown");
        else if (kind !== "ALLOWLIST") report(`domain list rule group is a ${kind ?? "unset"} list; only ALLOWLIST domain lists are allowed (the default action drops the rest)`);
        if (allowed && !isUnknown(l.targets))
          for (const t of asArray(l.targets)) {
            if (isUnknown(t)) undecided.note("a domain list target is unknown");
            else if (typeof t === "string") {
              const d = t.startsWith(".") ? `*${normalise(t)}` : normalise(t);
              if (!domainAllowed(d, allowed)) report(`domain list allows ${t}, which is not in allowedEgressDomains (${allowed.join(", ") || "empty"})`);
            }
          }
      }
      const structured = isUnknown(source) ? source : source.statefulRules;
      if (isUnknown(structured)) undecided.note("statefulRules unknown");
      else for (const r of asArray(structured)) if (String(asRecord(r).action).toUpperCase() === "PASS") report("a 5-tuple stateful rule has action PASS, which allows egress by address rather than by domain: use TLS SNI / HTTP Host rules");
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Let EgressFirewall render the rule group from egress.allowedDomains; set this policy's allowedEgressDomains to the same list so the pack refuses any other domain.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity],
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CA-3"],
  },
  references: ["Beyond the public lists: AWS Config's netfw rules check that rule groups exist and are non-empty, not what they allow"],
  resourceTypes: [RULE_GROUP],
};
