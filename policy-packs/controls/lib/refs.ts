/**
 * Framework requirement identifiers used across controls, named so a mapping reads like what it
 * means. HIPAA: 45 CFR Part 164 Subpart C; GDPR: Regulation (EU) 2016/679; SOC 2: 2017 Trust
 * Services Criteria (revised points of focus 2022); NIST SP 800-53 rev 5 controls that are in the
 * FedRAMP Moderate baseline.
 */
export const HIPAA = {
  accessControl: "164.312(a)(1)",
  encryptionAtRest: "164.312(a)(2)(iv)",
  auditControls: "164.312(b)",
  integrity: "164.312(c)(1)",
  integrityMechanism: "164.312(c)(2)",
  transmissionSecurity: "164.312(e)(1)",
  transmissionEncryption: "164.312(e)(2)(ii)",
  transmissionIntegrity: "164.312(e)(2)(i)",
  activityReview: "164.308(a)(1)(ii)(D)",
  riskManagement: "164.308(a)(1)(ii)(B)",
  workforceSecurity: "164.308(a)(3)(i)",
  authorizationSupervision: "164.308(a)(3)(ii)(A)",
  workforceClearance: "164.308(a)(3)(ii)(B)",
  informationAccess: "164.308(a)(4)(i)",
  accessAuthorization: "164.308(a)(4)(ii)(B)",
  accessEstablishment: "164.308(a)(4)(ii)(C)",
  loginMonitoring: "164.308(a)(5)(ii)(C)",
  malware: "164.308(a)(5)(ii)(B)",
  incidentResponse: "164.308(a)(6)(ii)",
  contingencyPlan: "164.308(a)(7)(i)",
  backup: "164.308(a)(7)(ii)(A)",
  disasterRecovery: "164.308(a)(7)(ii)(B)",
  emergencyMode: "164.308(a)(7)(ii)(C)",
  documentationRetention: "164.316(b)(2)(i)",
} as const;

export const GDPR = {
  integrityConfidentiality: "Art. 5(1)(f)",
  minimisation: "Art. 5(1)(c)",
  storageLimitation: "Art. 5(1)(e)",
  accountability: "Art. 5(2)",
  byDesign: "Art. 25(1)",
  byDefault: "Art. 25(2)",
  records: "Art. 30",
  encryption: "Art. 32(1)(a)",
  confidentialityResilience: "Art. 32(1)(b)",
  restore: "Art. 32(1)(c)",
  testing: "Art. 32(1)(d)",
  transfers: "Art. 44",
} as const;

export const SOC2 = {
  logicalAccess: "CC6.1",
  accessProvisioning: "CC6.2",
  leastPrivilege: "CC6.3",
  boundary: "CC6.6",
  transmission: "CC6.7",
  malicious: "CC6.8",
  configMonitoring: "CC7.1",
  monitoring: "CC7.2",
  incidents: "CC7.3",
  change: "CC8.1",
  recovery: "A1.2",
  confidentialInfo: "C1.1",
  disposal: "C1.2",
} as const;
