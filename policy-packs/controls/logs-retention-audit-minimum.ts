import type { Control } from "./types";
import { configOf, propsOf, tagsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
export const LOG_CLASS_TAG = "log-class";
const DEFAULTS = { minimumDays: 365 };

export const logsRetentionAuditMinimum: Control = {
  policy: {
    name: "sovereign-llm-logs-retention-audit-minimum",
    description:
      "Audit-class log groups (every log group not tagged log-class: content) set an explicit retention of at least the configured minimum (default 365 days), so the record of who did what survives an investigation.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { minimumDays: { type: "integer", minimum: 1, default: DEFAULTS.minimumDays } } },
    validateResource: (args, report) => {
      if (args.type !== LOG_GROUP) return;
      const { minimumDays } = configOf(args, DEFAULTS);
      const p = propsOf(args);
      const tags = tagsOf(p);
      const undecided = new Undecided();
      const logClass = isUnknown(tags) ? tags : tags?.[LOG_CLASS_TAG];
      if (isUnknown(logClass)) undecided.note("log-class tag unknown");
      else if (logClass !== "content") {
        const days = p.retentionInDays;
        if (isUnknown(days)) undecided.note("retentionInDays unknown");
        else if (typeof days !== "number" || days === 0) report(`audit log group has no explicit retention (retentionInDays unset: kept forever, undocumented); set at least ${minimumDays} days`);
        else if (days < minimumDays) report(`audit log group keeps logs ${days} days; the minimum is ${minimumDays}`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set retentionInDays on the log group to at least the minimum (logging.auditRetentionDays), or tag it log-class: content if it holds prompt/response content.",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.documentationRetention, HIPAA.activityReview],
    gdpr: [GDPR.accountability, GDPR.records],
    soc2: [SOC2.monitoring, SOC2.incidents],
    "fedramp-moderate": ["AU-11", "AU-4", "SI-12", "CA-7"],
  },
  references: ["AWS Config: cw-loggroup-retention-period-check (FedRAMP Moderate)", "cdk-nag: HIPAA.Security-CloudWatchLogGroupRetentionPeriod", "cdk-nag: NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod"],
  resourceTypes: [LOG_GROUP],
};
