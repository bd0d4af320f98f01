import type { Control } from "./types";
import { checkTrail, TRAIL } from "./lib/trail";
import { asArray, asRecord } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

/** Event sources whose management events may never be left out: key use is the record of who read which data class. */
const KEEP_SOURCES = ["kms.amazonaws.com"];

/** What the trail's selectors leave out of management events, or undefined when they record all of them. */
function missing(p: Record<string, unknown>): string | undefined {
  const advanced = asArray(p.advancedEventSelectors).map(asRecord);
  if (advanced.length > 0) {
    const management = advanced.filter((s) => asArray(s.fieldSelectors).map(asRecord).some((f) => f.field === "eventCategory" && asArray(f.equals).includes("Management")));
    if (management.length === 0) return "its advanced event selectors record no management events (only data events)";
    const reads = new Set<string>();
    for (const s of management) {
      const fields = asArray(s.fieldSelectors).map(asRecord);
      const readOnly = fields.find((f) => f.field === "readOnly");
      const values = readOnly ? asArray(readOnly.equals).map(String) : [];
      if (values.length === 0) ["true", "false"].forEach((v) => reads.add(v));
      else values.forEach((v) => reads.add(v));
      const source = fields.find((f) => f.field === "eventSource");
      const excluded = source ? asArray(source.notEquals).map(String).filter((v) => KEEP_SOURCES.includes(v)) : [];
      if (excluded.length > 0) return `its management selector "${String(s.name ?? "")}" leaves out ${excluded.join(", ")} events`;
    }
    if (!reads.has("false")) return "its management selectors record reads only (readOnly: true): changes go unrecorded";
    if (!reads.has("true")) return "its management selectors record writes only (readOnly: false): reads of keys and secrets go unrecorded";
    return undefined;
  }
  const basic = asArray(p.eventSelectors).map(asRecord);
  // No selectors at all: CloudTrail records every management event, reads and writes.
  if (basic.length === 0) return undefined;
  const kinds = new Set<string>();
  for (const s of basic) {
    if (s.includeManagementEvents === false) continue;
    const rw = typeof s.readWriteType === "string" ? s.readWriteType : "All";
    if (rw === "All") ["ReadOnly", "WriteOnly"].forEach((k) => kinds.add(k));
    else kinds.add(rw);
    const excluded = asArray(s.excludeManagementEventSources).map(String).filter((v) => KEEP_SOURCES.includes(v));
    if (excluded.length > 0) return `an event selector excludes ${excluded.join(", ")} management events`;
  }
  if (kinds.size === 0) return "every event selector sets includeManagementEvents: false";
  if (!kinds.has("WriteOnly")) return "its event selectors record management reads only (readWriteType ReadOnly)";
  if (!kinds.has("ReadOnly")) return "its event selectors record management writes only (readWriteType WriteOnly)";
  return undefined;
}

export const cloudtrailManagementEvents: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-management-events",
    description:
      "The trail records management events, reads and writes, with no KMS exclusion: a trail that records only data events (or only writes) misses who changed a key policy, a role or a firewall, and who decrypted what.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkTrail(args, report, (p, u) => {
        if (isUnknown(p.advancedEventSelectors) || isUnknown(p.eventSelectors)) return void u.note("event selectors unknown");
        // Unknowns inside selectors are the resource ARNs of data selectors, which this control does not read.
        const problem = missing(p);
        return problem ? `trail ${problem}` : undefined;
      }),
  },
  severity: "high",
  remediation: "Add an advanced event selector { eventCategory: Management } without a readOnly or eventSource filter (AuditTrail declares one), or leave eventSelectors at includeManagementEvents: true, readWriteType: All.",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.loginMonitoring, HIPAA.authorizationSupervision],
    gdpr: [GDPR.accountability, GDPR.records],
    soc2: [SOC2.monitoring, SOC2.configMonitoring],
    "fedramp-moderate": ["AU-2", "AU-3", "AU-12", "CA-7"],
  },
  references: [
    "AWS Config: cloudtrail-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5; a trail that records management events)",
    "AWS Config: multi-region-cloudtrail-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5; readWriteType ALL for management events)",
  ],
  resourceTypes: [TRAIL],
};
