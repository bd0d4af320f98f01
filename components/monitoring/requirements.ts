/**
 * Which framework requirements each alarm the platform deploys serves, for the evidence report's
 * "monitored after deploy" section. Keys are the alarms' metric names (signal ids).
 */
import { managedRules } from "./config-rules";

type Refs = { hipaa?: string[]; gdpr?: string[]; soc2?: string[]; "fedramp-moderate"?: string[] };

const ACCESS: Refs = { hipaa: ["164.308(a)(5)(ii)(C)", "164.312(b)"], soc2: ["CC6.1", "CC7.2"], "fedramp-moderate": ["AU-6", "SI-4"] };
const CHANGE: Refs = { hipaa: ["164.312(b)"], gdpr: ["Art. 32(1)(b)"], soc2: ["CC7.2", "CC8.1"], "fedramp-moderate": ["AU-6", "CM-3", "SI-4"] };
const INCIDENT: Refs = { hipaa: ["164.308(a)(6)(ii)"], gdpr: ["Art. 32(1)(b)", "Art. 33"], soc2: ["CC7.2", "CC7.3"], "fedramp-moderate": ["IR-4", "SI-4"] };

export const ALARM_REQUIREMENTS: Record<string, Refs> = {
  "auth-failures": ACCESS,
  "auth-failures-by-client": ACCESS,
  "authz-denials": { ...ACCESS, hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"] },
  "denials-by-principal": { ...ACCESS, hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"] },
  "injection-blocks": { soc2: ["CC7.2"], "fedramp-moderate": ["SI-4", "SI-10"] },
  "rate-limited": { soc2: ["CC7.2", "A1.1"], "fedramp-moderate": ["SC-5", "SI-4"] },
  volume: { soc2: ["CC7.2", "A1.1"], "fedramp-moderate": ["SC-5", "SI-4"] },
  redactions: { hipaa: ["164.312(b)"], gdpr: ["Art. 32(1)(b)"], soc2: ["C1.1"], "fedramp-moderate": ["SI-4"] },
  "upstream-errors": { soc2: ["A1.2", "CC7.2"], "fedramp-moderate": ["CA-7", "SI-4"] },
  "latency-ms": { soc2: ["A1.1"], "fedramp-moderate": ["CA-7"] },
  "egress-attempt": { ...INCIDENT, "fedramp-moderate": ["IR-4", "SC-7", "SI-4(4)"] },
  // DNS Firewall blocked a name: DNS is the other way out of a VPC without egress.
  "dns-queries-blocked": { ...INCIDENT, "fedramp-moderate": ["IR-4", "SC-7", "SI-4(4)"] },
  "pod-exec": { hipaa: ["164.312(b)"], soc2: ["CC6.1", "CC7.2"], "fedramp-moderate": ["AC-6(9)", "AU-6", "SI-4"] },
  "secret-read": { hipaa: ["164.312(b)"], soc2: ["CC6.1", "CC7.2"], "fedramp-moderate": ["AC-6(9)", "AU-6", "SI-4"] },
  "firewall-changed": CHANGE,
  "endpoint-changed": CHANGE,
  "key-policy-changed": CHANGE,
  "model-store-foreign-read": { hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"], gdpr: ["Art. 32(1)(b)"], soc2: ["CC6.1", "CC7.2"], "fedramp-moderate": ["AC-6", "AU-6", "SI-4"] },
  "guardduty-finding": { ...INCIDENT, hipaa: ["164.308(a)(5)(ii)(B)", "164.308(a)(6)(ii)"] },
  "config-noncompliant": { ...CHANGE, hipaa: ["164.308(a)(1)(ii)(D)", "164.312(b)"], "fedramp-moderate": ["CA-7", "CM-3", "CM-6", "SI-4"] },
  "inspector-image-finding": { hipaa: ["164.308(a)(1)(ii)(B)"], soc2: ["CC7.1"], "fedramp-moderate": ["RA-5", "SI-2"] },
  "root-account-use": { ...ACCESS, "fedramp-moderate": ["AC-6(9)", "AU-6", "SI-4"] },
  "unauthorized-api-calls": ACCESS,
  "cloudtrail-changed": { ...CHANGE, "fedramp-moderate": ["AU-9", "AU-6", "SI-4"] },
  "kms-key-disabled-or-deleted": CHANGE,
  "security-group-changed": CHANGE,
  "route-table-changed": CHANGE,
  "bucket-policy-changed": CHANGE,
};

/** The requirement list of an alarm's metric, in the report's "framework: ids" form. */
export function requirementsOf(metric: string): string {
  return formatRefs(ALARM_REQUIREMENTS[metric] ?? (metric.startsWith("requests-") ? ALARM_REQUIREMENTS.volume : undefined));
}

/** The requirement list of an AWS Config managed rule (by identifier), in the same form. */
export function ruleRequirementsOf(identifier: string): string {
  return formatRefs(managedRules().find((r) => r.identifier === identifier)?.requirements);
}

function formatRefs(refs: Refs | undefined): string {
  if (!refs) return "";
  const names: Record<string, string> = { hipaa: "HIPAA", gdpr: "GDPR", soc2: "SOC 2", "fedramp-moderate": "NIST" };
  return Object.entries(refs)
    .map(([f, ids]) => `${names[f]} ${ids.join(", ")}`)
    .join("; ");
}
