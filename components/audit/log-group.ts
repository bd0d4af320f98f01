import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { withName, type Tags } from "../tags";

/**
 * Data classes of logs. `audit`: who did what and when, never content; kept long (HIPAA
 * 164.316(b)(2)). `content`: prompts and completions; kept briefly (GDPR Art. 5(1)(e)).
 */
export type LogClass = "audit" | "content";

export interface EncryptedLogGroupArgs {
  /** Full log-group name. */
  name: string;
  /** Customer-managed key (the KeyRing's logs key). */
  kmsKeyArn: pulumi.Input<string>;
  retentionInDays: number;
  logClass: LogClass;
  tags: Tags;
}

/**
 * A CloudWatch log group encrypted with a customer-managed key, with retention and a data-class tag.
 * Audit-class groups are retained on delete: a rename or a replacement would otherwise delete the
 * old group and the records in it before their retention ends (HIPAA 164.316(b)(2), NIST AU-11).
 * Content-class groups are not: their short retention is the point.
 */
export function encryptedLogGroup(resourceName: string, args: EncryptedLogGroupArgs, opts: pulumi.CustomResourceOptions): aws.cloudwatch.LogGroup {
  return new aws.cloudwatch.LogGroup(
    resourceName,
    {
      name: args.name,
      kmsKeyId: args.kmsKeyArn,
      retentionInDays: args.retentionInDays,
      logGroupClass: "STANDARD",
      tags: { ...withName(args.tags, args.name), "log-class": args.logClass },
    },
    args.logClass === "audit" ? { ...opts, retainOnDelete: true } : opts,
  );
}

/**
 * The ARN of a log group computed from its name, so documents that name it (delivery role
 * policies, trail settings) are known at preview, before the group exists, and policy packs can
 * read them. The resource still gets a dependency on the group where the caller passes it.
 */
export function logGroupArn(partition: string, region: string, accountId: pulumi.Input<string>, name: string): pulumi.Output<string> {
  return pulumi.output(accountId).apply((id) => `arn:${partition}:logs:${region}:${id}:log-group:${name}`);
}
