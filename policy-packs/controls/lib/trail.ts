/** Shared shape of the single-property CloudTrail controls. */
import type { ResourceValidationArgs, ReportViolation } from "@pulumi/policy";
import { propsOf } from "./resources";
import { Undecided } from "./unknown";

export const TRAIL = "aws:cloudtrail/trail:Trail";

export function checkTrail(args: ResourceValidationArgs, report: ReportViolation, check: (p: Record<string, unknown>, undecided: Undecided) => string | undefined): void {
  if (args.type !== TRAIL) return;
  const undecided = new Undecided();
  const problem = check(propsOf(args), undecided);
  if (problem) report(problem);
  undecided.finish();
}
