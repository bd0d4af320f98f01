import type { Control } from "./types";
import { checkTrails, TRAIL } from "./lib/trail";
import { computedOnlyFrom, str } from "./lib/resources";
import { isUnknown } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup";
const ROLE = "aws:iam/role:Role";

export const cloudtrailCloudwatchLogs: Control = {
  policy: {
    name: "sovereign-llm-cloudtrail-cloudwatch-logs",
    description: "The trail also delivers to a CloudWatch log group, where metric filters and alarms watch for root use, denied calls and changes to trails, keys, routes and security groups.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) =>
      checkTrails(args, report, ({ props: p, trail, byUrn, note }) => {
        const group = str(p.cloudWatchLogsGroupArn);
        const role = str(p.cloudWatchLogsRoleArn);
        // Unknown ARNs computed only from a log group / a role of this program are set, whatever their value.
        const groupSet = isUnknown(group) ? (computedOnlyFrom(trail, "cloudWatchLogsGroupArn", byUrn, [LOG_GROUP]) ? true : undefined) : Boolean(group);
        const roleSet = isUnknown(role) ? (computedOnlyFrom(trail, "cloudWatchLogsRoleArn", byUrn, [ROLE]) ? true : undefined) : Boolean(role);
        if (groupSet === false) return "trail does not deliver to CloudWatch Logs (cloudWatchLogsGroupArn unset)";
        if (groupSet === undefined || roleSet === undefined) return void note("CloudWatch Logs delivery unknown");
        if (!roleSet) return "trail names a log group but no cloudWatchLogsRoleArn to deliver with";
        return undefined;
      }),
  },
  severity: "medium",
  remediation: "Set cloudWatchLogsGroupArn (\"<log group arn>:*\") and cloudWatchLogsRoleArn on the aws.cloudtrail.Trail (AuditTrail does this).",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.loginMonitoring, HIPAA.authorizationSupervision, HIPAA.incidentResponse],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.monitoring, SOC2.incidents],
    // IR-4: the trail in CloudWatch Logs is what the metric-filter alarms detect incidents in, and what an analysis queries.
    "fedramp-moderate": ["AU-6", "AU-6(1)", "SI-4", "CA-7", "AU-12", "IR-4"],
  },
  references: ["AWS Config: cloud-trail-cloud-watch-logs-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-CloudTrailCloudWatchLogsEnabled", "cdk-nag: NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled"],
  resourceTypes: [TRAIL],
};
