import type { Control } from "./types";
import { configOf, propsOf, tagsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { LOG_CLASS_TAG } from "./logs-retention-audit-minimum";
import { GDPR, SOC2 } from "./lib/refs";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const DEFAULTS = { maximumDays: 30 };

export const logsRetentionContentMaximum: Control = {
  policy: {
    name: "sovereign-llm-logs-retention-content-maximum",
    description:
      "Content-class log groups (tag log-class: content: prompts and responses) expire within the configured maximum (default 30 days). Goes beyond the public rule sets, which only ask for a minimum: personal data in prompts must not be kept longer than needed (GDPR storage limitation).",
    enforcementLevel: "mandatory",
    configSchema: { properties: { maximumDays: { type: "integer", minimum: 1, default: DEFAULTS.maximumDays } } },
    validateResource: (args, report) => {
      if (args.type !== LOG_GROUP) return;
      const { maximumDays } = configOf(args, DEFAULTS);
      const p = propsOf(args);
      const tags = tagsOf(p);
      const undecided = new Undecided();
      const logClass = isUnknown(tags) ? tags : tags?.[LOG_CLASS_TAG];
      if (isUnknown(logClass)) undecided.note("log-class tag unknown");
      else if (logClass === "content") {
        const days = p.retentionInDays;
        if (isUnknown(days)) undecided.note("retentionInDays unknown");
        else if (typeof days !== "number" || days === 0) report(`content log group never expires (retentionInDays unset); set at most ${maximumDays} days`);
        else if (days > maximumDays) report(`content log group keeps prompts/responses ${days} days; the maximum is ${maximumDays}`);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Set retentionInDays on the content log group to at most the maximum (logging.contentRetentionDays), or turn content logging off.",
  frameworks: {
    gdpr: [GDPR.storageLimitation, GDPR.minimisation, GDPR.byDefault],
    soc2: [SOC2.disposal],
    "fedramp-moderate": ["SI-12"],
  },
  references: [],
  resourceTypes: [LOG_GROUP],
};
