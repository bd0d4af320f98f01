/** Shared shape of the single-property CloudTrail controls (stack policies, so they see property dependencies). */
import type { ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { byUrnOf, label, nodesOf, ofType, propsOf, type Node } from "./resources";
import { Undecided } from "./unknown";

export const TRAIL = "aws:cloudtrail/trail:Trail";

/** A resource policy over one trail's own properties. */
export function checkTrail(args: ResourceValidationArgs, report: ReportViolation, check: (p: Record<string, unknown>, undecided: Undecided) => string | undefined): void {
  if (args.type !== TRAIL) return;
  const undecided = new Undecided();
  const problem = check(propsOf(args), undecided);
  if (problem) report(problem);
  undecided.finish();
}

/** What a trail check can see: the trail's properties, the trail and every resource by URN. */
export interface TrailContext {
  props: Record<string, unknown>;
  trail: Node;
  byUrn: Map<string, Node>;
  /** Records what could not be decided for this trail. */
  note(what: string): void;
}

/** A stack policy over every trail, which can follow the trail's property dependencies. */
export function checkTrails(args: StackValidationArgs, report: ReportViolation, check: (c: TrailContext) => string | undefined): void {
  const all = nodesOf(args);
  const byUrn = byUrnOf(all);
  const undecided = new Undecided();
  for (const trail of ofType(all, TRAIL)) {
    const problem = check({ props: trail.props, trail, byUrn, note: (what) => undecided.note(`${label(trail)}: ${what}`) });
    if (problem) report(problem, trail.urn);
  }
  undecided.finish();
}
