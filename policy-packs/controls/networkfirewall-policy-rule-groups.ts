import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType, refersTo, str, type Link, type Node } from "./lib/resources";
import { isUnknown, Undecided, type Unknown } from "./lib/unknown";
import { FIREWALL_POLICY } from "./lib/firewall-policy";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const FIREWALL = "aws:networkfirewall/firewall:Firewall";
const RULE_GROUP = "aws:networkfirewall/ruleGroup:RuleGroup";

/** The policy's stateful rule group references, or Unknown. */
function references(policy: Node): Record<string, unknown>[] | Unknown {
  const fp = policy.props.firewallPolicy;
  if (isUnknown(fp)) return fp;
  const refs = asRecord(fp).statefulRuleGroupReferences;
  if (isUnknown(refs)) return refs;
  return asArray(refs).map(asRecord);
}

/**
 * Which of the stack's stateful rule groups a policy references. A reference names its group by
 * ARN: matched literally where the group's ARN is known (AnalyzeStack after an update). Where it
 * is not (preview, or a group seen by its inputs only), the engine's property dependencies say
 * which groups the policy's `firewallPolicy` was built from, and the references whose ARN matches
 * no known group are counted against them: as many such references as dependency groups means
 * each group is referenced; none means none is; fewer means one is missing, but not which, so it
 * stays undecided.
 */
function referenced(policy: Node, groups: Node[], refs: Record<string, unknown>[]): Map<Node, Link> {
  const out = new Map<Node, Link>();
  const arnOf = (g: Node) => str(g.props.arn);
  const knownArns = new Set(groups.map(arnOf).filter((a): a is string => typeof a === "string"));
  const refArns = refs.map((r) => str(r.resourceArn));
  const deps = policy.propertyDependencies.firewallPolicy ?? [];
  const unmatched = refArns.filter((a) => !(typeof a === "string" && knownArns.has(a))).length;
  const byDependency = groups.filter((g) => typeof arnOf(g) !== "string" && deps.includes(g.urn));
  for (const g of groups) {
    const arn = arnOf(g);
    if (typeof arn === "string") {
      if (refArns.includes(arn)) out.set(g, "yes");
      else out.set(g, deps.includes(g.urn) && refArns.some(isUnknown) ? "unknown" : "no");
    } else if (!deps.includes(g.urn)) out.set(g, "no");
    else out.set(g, unmatched >= byDependency.length ? "yes" : unmatched === 0 ? "no" : "unknown");
  }
  return out;
}

/** Whether a stateful rules source holds any rule (Suricata rules string, stateful rules or a domain list); unknown parts count as rules. */
function hasRules(source: Record<string, unknown>): boolean {
  const rules = source.rulesString;
  if (isUnknown(rules) || (typeof rules === "string" && rules.split("\n").some((l) => l.trim() !== "" && !l.trim().startsWith("#")))) return true;
  if (isUnknown(source.statefulRules) || asArray(source.statefulRules).length > 0) return true;
  const list = source.rulesSourceList;
  if (isUnknown(list)) return true;
  const targets = asRecord(list).targets;
  return isUnknown(targets) || asArray(targets).length > 0;
}

export const networkfirewallPolicyRuleGroups: Control = {
  policy: {
    name: "sovereign-llm-networkfirewall-policy-rule-groups",
    description:
      "Every Network Firewall policy references at least one stateful rule group, every stateful rule group has rules, and every firewall runs a policy the stack declares that references the stack's own stateful rule groups (the egress baseline: no UDP, no ICMP, TCP to 80 and 443 only; and the domain allow-list where there is one). A policy with its groups removed still drops by default, but the baseline that drops non-TCP traffic before the default action, and the allow-list, are gone; a declared rule group no firewall uses enforces nothing.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const policies = ofType(all, FIREWALL_POLICY);
      const groups = ofType(all, RULE_GROUP).filter((g) => {
        const type = str(g.props.type);
        if (isUnknown(type)) undecided.note(`${label(g)}: type unknown`);
        return type === "STATEFUL";
      });
      const refsOf = new Map<Node, Record<string, unknown>[]>();
      for (const p of policies) {
        const refs = references(p);
        if (isUnknown(refs)) {
          undecided.note(`${label(p)}: statefulRuleGroupReferences unknown`);
          continue;
        }
        refsOf.set(p, refs);
        if (refs.length === 0) report(`firewall policy "${p.name}" has no stateful rule group: only its default actions apply, with no baseline or allow-list rules`, p.urn);
      }
      // Per declared group: used by the policy of some firewall?
      const used = new Map<Node, Link>(groups.map((g) => [g, "no"]));
      const raise = (g: Node, l: Link) => {
        const was = used.get(g)!;
        if (l === "yes" || (l === "unknown" && was === "no")) used.set(g, l);
      };
      for (const fw of ofType(all, FIREWALL)) {
        const links = policies.map((p) => [p, refersTo(fw, "firewallPolicyArn", p, [p.props.arn])] as const);
        const own = links.filter(([, l]) => l === "yes").map(([p]) => p);
        if (own.length === 0) {
          if (links.some(([, l]) => l === "unknown") || isUnknown(fw.props.firewallPolicyArn)) undecided.note(`${label(fw)}: firewallPolicyArn unknown`);
          else report(`firewall "${fw.name}" runs a policy the stack does not declare: its rules cannot be checked, and the platform's rule groups are not in it`, fw.urn);
          for (const g of groups) raise(g, links.some(([, l]) => l === "unknown") ? "unknown" : "no");
          continue;
        }
        for (const p of own) {
          const refs = refsOf.get(p);
          if (refs === undefined) {
            for (const g of groups) raise(g, "unknown");
            continue;
          }
          const mine = referenced(p, groups, refs);
          for (const [g, l] of mine) raise(g, l);
          if (groups.length > 0 && refs.length > 0 && [...mine.values()].every((l) => l === "no")) {
            report(`firewall "${fw.name}": its policy "${p.name}" references none of the stack's stateful rule groups (${groups.map((g) => g.name).join(", ")})`, p.urn);
          }
        }
      }
      // A referenced group with no rules passes or drops nothing: the references would be hollow.
      for (const g of groups) {
        const source = asRecord(g.props.ruleGroup).rulesSource;
        if (isUnknown(g.props.ruleGroup) || isUnknown(source)) continue;
        if (g.props.ruleGroup === undefined) continue; // declared by ARN elsewhere (e.g. a rules file)
        if (!hasRules(asRecord(source))) report(`stateful rule group "${g.name}" has no rules (rulesSource is empty)`, g.urn);
      }
      for (const [g, l] of used) {
        if (l === "unknown") undecided.note(`${label(g)}: whether a firewall's policy references it is unknown`);
        else if (l === "no" && ofType(all, FIREWALL).length > 0) report(`stateful rule group "${g.name}" is declared but no firewall's policy references it: its rules enforce nothing`, g.urn);
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation:
    "Reference the stack's stateful rule groups from the firewall policy (firewallPolicy.statefulRuleGroupReferences, each with its priority under STRICT_ORDER) and point the firewall's firewallPolicyArn at that policy (EgressFirewall references the baseline group at priority 10 and the allow-list at 100).",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.integrityConfidentiality, GDPR.transfers, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CM-7"],
  },
  references: [
    "AWS Config: netfw-policy-rule-group-associated (Security Hub NetworkFirewall.3, Control Tower CT.NETWORK-FIREWALL.PR.1; here stateful groups, which the platform uses)",
    "Beyond the public lists: that the firewall's policy references the stack's own rule groups and that each has rules (Control Tower CT.NETWORK-FIREWALL.PR.4)",
  ],
  resourceTypes: [FIREWALL, FIREWALL_POLICY, RULE_GROUP],
};
