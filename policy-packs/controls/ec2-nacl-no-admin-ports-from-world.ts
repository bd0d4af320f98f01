import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType, str } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const NACL = "aws:ec2/networkAcl:NetworkAcl";
const DEFAULT_NACL = "aws:ec2/defaultNetworkAcl:DefaultNetworkAcl";
const NACL_RULE = "aws:ec2/networkAclRule:NetworkAclRule";
const WORLD = ["0.0.0.0/0", "::/0"];
/** Remote administration ports Security Hub EC2.21 names (SSH, RDP). */
export const ADMIN_PORTS = [22, 3389] as const;

/** One inbound rule from the internet, in the shape both the inline and the separate rule resources share. */
interface WorldRule {
  ruleNo: number;
  allow: boolean;
  /** "-1" (every protocol), or a protocol name or number. */
  protocol: string;
  fromPort: number;
  toPort: number;
}

/** Whether a rule's protocol and port range carry TCP or UDP traffic to `port`. */
function covers(rule: WorldRule, port: number): boolean {
  const p = rule.protocol.toLowerCase();
  if (p === "-1" || p === "all") return true;
  if (!["tcp", "6", "udp", "17"].includes(p)) return false;
  return rule.fromPort <= port && port <= rule.toPort;
}

/**
 * Network ACLs are evaluated in rule-number order and the first rule that matches decides
 * (https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html). For traffic from an arbitrary
 * internet address only rules whose source is 0.0.0.0/0 or ::/0 are sure to match, so the first of
 * those that covers the port decides whether it is admitted.
 */
export function admittedAdminPorts(rules: WorldRule[]): number[] {
  const ordered = [...rules].sort((a, b) => a.ruleNo - b.ruleNo);
  return ADMIN_PORTS.filter((port) => ordered.find((r) => covers(r, port))?.allow === true);
}

function worldRule(raw: Record<string, unknown>, actionKey: "action" | "ruleAction"): WorldRule | undefined {
  const cidrs = [raw.cidrBlock, raw.ipv6CidrBlock].filter((c): c is string => typeof c === "string");
  if (!cidrs.some((c) => WORLD.includes(c))) return undefined;
  return {
    ruleNo: Number(raw.ruleNo ?? raw.ruleNumber ?? 0),
    allow: String(raw[actionKey] ?? "").toLowerCase() === "allow",
    protocol: String(raw.protocol ?? ""),
    fromPort: Number(raw.fromPort ?? 0),
    toPort: Number(raw.toPort ?? 0),
  };
}

export const ec2NaclNoAdminPortsFromWorld: Control = {
  policy: {
    name: "sovereign-llm-ec2-nacl-no-admin-ports-from-world",
    description:
      "No network ACL the program declares (including the adopted default ACL and separate ACL rules) admits traffic from 0.0.0.0/0 or ::/0 to port 22 or 3389: the first internet-sourced rule that covers each port, in rule-number order, must deny it.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const check = (urn: string, what: string, rules: WorldRule[]) => {
        const open = admittedAdminPorts(rules);
        if (open.length > 0) report(`${what} admits port ${open.join(" and ")} from the internet: add a deny rule from 0.0.0.0/0 (and ::/0) for it before any allow, or narrow the allow rule's port range`, urn);
      };
      for (const acl of ofType(all, NACL, DEFAULT_NACL)) {
        const ingress = acl.props.ingress;
        if (isUnknown(ingress)) {
          undecided.note(`${label(acl)}: ingress unknown`);
          continue;
        }
        const raw = asArray(ingress).map(asRecord);
        if (raw.some((r) => containsUnknown(r))) undecided.note(`${label(acl)}: an ingress rule is unknown`);
        check(acl.urn, label(acl), raw.filter((r) => !containsUnknown(r)).map((r) => worldRule(r, "action")).filter((r): r is WorldRule => r !== undefined));
      }
      // Separate rules: grouped by their ACL when it is known, so a lower-numbered deny counts.
      const groups = new Map<string, { urn: string; rules: WorldRule[] }>();
      for (const rule of ofType(all, NACL_RULE)) {
        const p = rule.props;
        const egress = p.egress;
        if (isUnknown(egress) || containsUnknown(p)) {
          undecided.note(`${label(rule)}: unknown`);
          continue;
        }
        if (egress === true) continue;
        const w = worldRule(p, "ruleAction");
        if (!w) continue;
        const acl = str(p.networkAclId);
        const key = typeof acl === "string" ? acl : rule.urn;
        const group = groups.get(key) ?? { urn: rule.urn, rules: [] };
        group.rules.push(w);
        if (w.allow) group.urn = rule.urn;
        groups.set(key, group);
      }
      for (const [acl, g] of groups) check(g.urn, `network ACL rule(s) of ${acl}`, g.rules);
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Keep internet-sourced ingress on the subnets' ACL to TCP replies on ephemeral ports (1024-65535), as IsolatedVpc declares it; operators reach nodes through Session Manager, never SSH or RDP.",
  frameworks: {
    hipaa: [HIPAA.accessControl, HIPAA.transmissionSecurity],
    gdpr: [GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4", "CM-7"],
  },
  references: ["AWS Config: nacl-no-unrestricted-ssh-rdp"],
  resourceTypes: [NACL, DEFAULT_NACL, NACL_RULE],
};
