import type { Control } from "./types";
import { checkTrail, TRAIL } from "./lib/trail";
import { str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const cloudtrailCloudwatchLogs: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-cloudwatch-logs",
    description: "The trail also delivers to a CloudWatch log group, where metric filters and alarms watch for root use, denied calls and changes to trails, keys, routes and security groups.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      checkTrail(args, report, (p, u) => {
        const group = str(p.cloudWatchLogsGroupArn);
        const role = str(p.cloudWatchLogsRoleArn);
        if (isUnknown(group) || isUnknown(role)) return void u.note("CloudWatch Logs delivery unknown");
        if (!group) return "trail does not deliver to CloudWatch Logs (cloudWatchLogsGroupArn unset)";
        if (!role) return "trail names a log group but no cloudWatchLogsRoleArn to deliver with";
        return undefined;
      }),
  },
  severity: "medium",
  remediation: "Set cloudWatchLogsGroupArn (\"<log group arn>:*\") and cloudWatchLogsRoleArn on the aws.cloudtrail.Trail (AuditTrail does this).",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.loginMonitoring],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.monitoring, SOC2.incidents],
    "fedramp-moderate": ["AU-6", "AU-6(1)", "SI-4"],
  },
  references: ["AWS Config: cloud-trail-cloud-watch-logs-enabled (HIPAA Security, FedRAMP Moderate)", "cdk-nag: HIPAA.Security-CloudTrailCloudWatchLogsEnabled", "cdk-nag: NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled"],
  resourceTypes: [TRAIL],
};
