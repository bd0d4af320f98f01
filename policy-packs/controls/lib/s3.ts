/**
 * S3 in AWS v7: a bucket's settings live in side resources that name the bucket in their `bucket`
 * input. These helpers find, for each bucket, the side resources of a kind and decide whether a
 * condition holds, without guessing when the link or the setting is unknown.
 */
import type { ReportViolation, StackValidationArgs } from "@pulumi/policy";
import { Node, nodesOf, ofType, refersTo, label } from "./resources";
import { Undecided } from "./unknown";

export const BUCKET = "aws:s3/bucket:Bucket";
/** Legacy tokens still exist in v7 as deprecated aliases; a program may use either. */
export const BUCKET_TYPES = [BUCKET, "aws:s3/bucketV2:BucketV2"];

/** Values a side resource's `bucket` input may hold for this bucket: its id, name or ARN. */
export function bucketValues(bucket: Node): unknown[] {
  return [bucket.props.id, bucket.props.bucket, bucket.props.arn, bucket.name];
}

export type Verdict = { ok: true } | { ok: false; reason: string } | { unknown: string };

/**
 * For every bucket in the stack: collect its side resources of `sideTypes` (linked by `bucket`) and
 * ask `judge` whether they satisfy the control. Links that cannot be decided make the bucket
 * undecided unless another, known side resource already satisfies it.
 */
export function checkBuckets(
  args: StackValidationArgs,
  report: ReportViolation,
  sideTypes: string[],
  judge: (bucket: Node, sides: Node[], all: Node[]) => Verdict,
  missing: string,
  /** Buckets judged by the caller instead (a verdict), or undefined for the usual check. */
  exempt?: (bucket: Node) => Verdict | undefined,
): void {
  const all = nodesOf(args);
  const undecided = new Undecided();
  const sides = ofType(all, ...sideTypes);
  for (const bucket of ofType(all, ...BUCKET_TYPES)) {
    const own = exempt?.(bucket);
    if (own) {
      if ("unknown" in own) undecided.note(`${label(bucket)}: ${own.unknown}`);
      else if (!own.ok) report(`S3 bucket "${bucket.name}": ${own.reason}`, bucket.urn);
      continue;
    }
    const linked: Node[] = [];
    let unsure = 0;
    for (const side of sides) {
      const link = refersTo(side, "bucket", bucket, bucketValues(bucket));
      if (link === "yes") linked.push(side);
      else if (link === "unknown") unsure++;
    }
    const verdict = linked.length > 0 ? judge(bucket, linked, all) : unsure > 0 ? { unknown: "its side resources' bucket is unknown" } : { ok: false as const, reason: missing };
    if ("unknown" in verdict) {
      undecided.note(`${label(bucket)}: ${verdict.unknown}`);
    } else if (!verdict.ok) {
      if (unsure > 0 && linked.length > 0) undecided.note(`${label(bucket)}: ${unsure} side resource(s) with an unknown bucket`);
      else report(`S3 bucket "${bucket.name}": ${verdict.reason}`, bucket.urn);
    }
  }
  undecided.finish();
}
