/**
 * Metric filters on the CloudTrail log group and the alarms they raise. Pure data.
 * Patterns follow the CIS AWS Foundations Benchmark monitoring controls (4.x / CloudWatch.1-14).
 * Syntax: https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
 */
export interface SecurityAlarm {
  id: string;
  description: string;
  pattern: string;
  /** Events per 5 minutes that raise the alarm. */
  threshold: number;
}

export const SECURITY_ALARMS: readonly SecurityAlarm[] = [
  {
    id: "root-account-use",
    description: "The account root user was used (CIS 4.3)",
    pattern: '{ $.userIdentity.type = "Root" && $.userIdentity.invokedBy NOT EXISTS && $.eventType != "AwsServiceEvent" }',
    threshold: 1,
  },
  {
    id: "unauthorized-api-calls",
    description: "Repeated denied API calls: probing or a broken role (CIS 4.1)",
    pattern: '{ ($.errorCode = "*UnauthorizedOperation") || ($.errorCode = "AccessDenied*") }',
    threshold: 10,
  },
  {
    id: "cloudtrail-changed",
    description: "A trail was created, changed, stopped or deleted (CIS 4.5)",
    pattern: "{ ($.eventName = CreateTrail) || ($.eventName = UpdateTrail) || ($.eventName = DeleteTrail) || ($.eventName = StartLogging) || ($.eventName = StopLogging) }",
    threshold: 1,
  },
  {
    id: "kms-key-disabled-or-deleted",
    description: "A KMS key was disabled or scheduled for deletion (CIS 4.7)",
    pattern: "{ ($.eventSource = kms.amazonaws.com) && (($.eventName = DisableKey) || ($.eventName = ScheduleKeyDeletion)) }",
    threshold: 1,
  },
  {
    id: "security-group-changed",
    description: "A security group rule was changed (CIS 4.10)",
    pattern:
      "{ ($.eventName = AuthorizeSecurityGroupIngress) || ($.eventName = AuthorizeSecurityGroupEgress) || ($.eventName = RevokeSecurityGroupIngress) || ($.eventName = RevokeSecurityGroupEgress) || ($.eventName = CreateSecurityGroup) || ($.eventName = DeleteSecurityGroup) }",
    threshold: 1,
  },
  {
    id: "route-table-changed",
    description: "A route or route table changed: egress could bypass the firewall (CIS 4.13)",
    pattern:
      "{ ($.eventName = CreateRoute) || ($.eventName = CreateRouteTable) || ($.eventName = ReplaceRoute) || ($.eventName = ReplaceRouteTableAssociation) || ($.eventName = DeleteRouteTable) || ($.eventName = DeleteRoute) || ($.eventName = DisassociateRouteTable) }",
    threshold: 1,
  },
  {
    id: "bucket-policy-changed",
    description: "An S3 bucket policy, ACL or public access block changed (CIS 4.8)",
    pattern:
      "{ ($.eventSource = s3.amazonaws.com) && (($.eventName = PutBucketPolicy) || ($.eventName = DeleteBucketPolicy) || ($.eventName = PutBucketAcl) || ($.eventName = PutBucketPublicAccessBlock) || ($.eventName = DeleteBucketPublicAccessBlock)) }",
    threshold: 1,
  },
];
