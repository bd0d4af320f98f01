/**
 * Which controls a framework's pack leaves out, and why. A pack runs every control that names a
 * requirement of its framework (controlsFor); this table is the decision behind each control that
 * names none, so a missing mapping is a test failure rather than an accident. Every other control
 * maps to the framework with the requirements it serves.
 */
import type { Framework } from "./types";

export const LEFT_OUT: Record<Framework, Record<string, string>> = {
  hipaa: {
    "sovereign-llm-logs-retention-content-maximum":
      "The Security Rule asks for audit records and their retention (164.312(b), 164.316(b)(2)(i)), not for a ceiling on how long content is kept; minimum-necessary is a Privacy Rule standard (164.502(b)), outside 45 CFR Part 164 Subpart C.",
    "sovereign-llm-logs-retention-network-maximum":
      "A ceiling on how long network records (IP addresses) are kept is GDPR storage limitation; this framework asks for audit records to be kept at least a minimum, which sovereign-llm-logs-retention-audit-minimum checks.",
  },
  gdpr: {
    "sovereign-llm-eks-nodegroup-instance-types":
      "Which instance families run the nodes decides capacity and cost, not the confidentiality, integrity or residency of personal data; the hardening of those nodes is mapped through the launch-template and node-group controls.",
  },
  soc2: {
    "sovereign-llm-logs-retention-network-maximum":
      "A ceiling on how long network records (IP addresses) are kept is GDPR storage limitation; this framework asks for audit records to be kept at least a minimum, which sovereign-llm-logs-retention-audit-minimum checks.",
  },
  "fedramp-moderate": {
    "sovereign-llm-logs-retention-network-maximum":
      "A ceiling on how long network records (IP addresses) are kept is GDPR storage limitation; this framework asks for audit records to be kept at least a minimum, which sovereign-llm-logs-retention-audit-minimum checks.",
  },
};
