/**
 * Egress allow-list: domain normalisation and the Suricata rules the Network Firewall runs.
 * Pure: creates no resources.
 *
 * Rules match the TLS SNI (port 443) and the HTTP Host header (port 80) of flows leaving the
 * VPC. Everything else falls to the firewall policy's default actions (drop established, alert
 * established), so an empty list denies all egress and every attempt is logged.
 * Rule syntax: https://docs.aws.amazon.com/network-firewall/latest/developerguide/suricata-examples.html
 */
import { domainToASCII } from "node:url";
import * as ipaddr from "ipaddr.js";

export interface AllowedDomain {
  /** Normalised, lower-case, punycode domain without a trailing dot or a leading `*.`. */
  domain: string;
  /** `*.example.com`: any subdomain of example.com (not example.com itself). */
  wildcard: boolean;
}

export type DomainResult = { ok: true; value: AllowedDomain } | { ok: false; error: string };

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/** Normalises one allow-list entry, or says why it is not a domain the firewall can match. */
export function normaliseDomain(entry: string): DomainResult {
  const raw = entry.trim();
  const fail = (why: string): DomainResult => ({ ok: false, error: `"${entry}" ${why}` });
  if (raw === "") return fail("is empty");
  if (raw.includes("://") || raw.includes("/") || raw.includes("?") || raw.includes("@")) {
    return fail("looks like a URL; give the host name only, e.g. api.example.com");
  }
  if (raw.includes(":")) return fail("has a port or is an IPv6 address; give a host name only");
  if (ipaddr.isValid(raw)) return fail("is an IP address; the firewall allows by name (TLS SNI / HTTP Host), not by address");
  if (raw === "*" || raw === "*.") return fail("allows everything; list the domains that are needed");
  let name = raw.toLowerCase();
  let wildcard = false;
  if (name.startsWith("*.")) {
    wildcard = true;
    name = name.slice(2);
  }
  if (name.endsWith(".")) name = name.slice(0, -1);
  if (name.includes("*")) return fail("has a wildcard that is not the whole leftmost label; use *.example.com");
  if (name.split(".").some((label) => label === "")) return fail("has an empty label (two dots in a row, or a leading dot)");
  const ascii = domainToASCII(name);
  if (ascii === "") return fail("is not a valid internationalised domain name");
  const labels = ascii.split(".");
  if (labels.length < 2) return fail("is a single label; give a fully qualified domain such as example.com");
  const bad = labels.find((label) => !LABEL.test(label));
  if (bad !== undefined) return fail(`has an invalid label "${bad}" (letters, digits and inner hyphens, 1-63 characters)`);
  if (ascii.length > 253) return fail("is longer than 253 characters");
  if (/^[0-9]+$/.test(labels[labels.length - 1])) return fail("has a numeric top-level label");
  return { ok: true, value: { domain: ascii, wildcard } };
}

/** Normalises a list, dropping duplicates, sorted so rule order (and sids) never depends on config order. */
export function normaliseDomains(entries: readonly string[]): { domains: AllowedDomain[]; errors: string[] } {
  const errors: string[] = [];
  const seen = new Map<string, AllowedDomain>();
  for (const entry of entries) {
    const result = normaliseDomain(entry);
    if (!result.ok) errors.push(result.error);
    else seen.set(`${result.value.wildcard ? "*." : ""}${result.value.domain}`, result.value);
  }
  const domains = [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, d]) => d);
  return { domains, errors };
}

/** First sid of the allow rules; sids are unique within a rule group. */
export const FIRST_SID = 100001;

/**
 * Suricata rules that pass TLS (SNI) and HTTP (Host) flows to the allowed domains.
 * An exact domain matches the whole SNI; a wildcard matches any name ending in `.domain`
 * (`dotprefix` makes `*.example.com` unable to match `badexample.com`).
 */
export function renderAllowRules(domains: readonly AllowedDomain[]): string {
  const rules: string[] = [];
  let sid = FIRST_SID;
  for (const { domain, wildcard } of domains) {
    const label = wildcard ? `*.${domain}` : domain;
    const tlsMatch = wildcard
      ? `tls.sni; dotprefix; content:".${domain}"; nocase; endswith;`
      : `tls.sni; content:"${domain}"; nocase; startswith; endswith;`;
    const httpMatch = wildcard
      ? `http.host; dotprefix; content:".${domain}"; endswith;`
      : `http.host; content:"${domain}"; startswith; endswith;`;
    rules.push(
      `pass tls $HOME_NET any -> $EXTERNAL_NET 443 (${tlsMatch} flow:to_server, established; msg:"egress allow tls ${label}"; sid:${sid++}; rev:1;)`,
      `pass http $HOME_NET any -> $EXTERNAL_NET 80 (${httpMatch} flow:to_server, established; msg:"egress allow http ${label}"; sid:${sid++}; rev:1;)`,
    );
  }
  return rules.join("\n");
}

/**
 * Rules that run before the allow-list in every egress policy. The policy's default action drops
 * only packets of established flows, and the allow-list passes TLS and HTTP by name; without
 * these, UDP and ICMP (which never reach the established state the default action drops) and TCP
 * handshakes to any port would leave. DNS does not cross the firewall: the VPC resolver answers
 * inside the VPC. So: no UDP, no ICMP, and TCP only to 80 and 443, where the allow-list decides.
 */
export function renderBaselineRules(): string {
  return [
    `drop udp $HOME_NET any -> $EXTERNAL_NET any (msg:"egress drop udp"; sid:1; rev:1;)`,
    `drop icmp $HOME_NET any -> $EXTERNAL_NET any (msg:"egress drop icmp"; sid:2; rev:1;)`,
    `drop tcp $HOME_NET any -> $EXTERNAL_NET ![80,443] (msg:"egress drop tcp to ports other than 80 and 443"; sid:3; rev:1;)`,
  ].join("\n");
}

/** Capacity of the baseline rule group (fixed at creation; one unit per rule). */
export const BASELINE_RULE_CAPACITY = 10;
