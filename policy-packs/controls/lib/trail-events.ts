/**
 * Would a trail record a given S3 object event? Evaluates the trail's advanced event selectors
 * (or its basic event selectors) against one concrete event, field by field, as CloudTrail does:
 * a selector matches when every one of its field conditions holds, and the trail records the
 * event when any selector matches. Unknown values (during preview) give "unknown".
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/API_AdvancedFieldSelector.html
 */
import { asArray, asRecord } from "./resources";
import { containsUnknown, isUnknown, snapshot } from "./unknown";

export interface ObjectEvent {
  eventName: string;
  readOnly: boolean;
  /** arn:<partition>:s3:::<bucket>/<key> */
  objectArn: string;
}

type Answer = "yes" | "no" | "unknown";

/** One field condition against a value: every operator present must hold. */
function holds(condition: Record<string, unknown>, value: string): boolean {
  const list = (k: string) => asArray(condition[k]).map(String);
  const checks: [string, (x: string) => boolean][] = [
    ["equals", (x) => value === x],
    ["startsWith", (x) => value.startsWith(x)],
    ["startsWiths", (x) => value.startsWith(x)],
    ["endsWith", (x) => value.endsWith(x)],
    ["endsWiths", (x) => value.endsWith(x)],
  ];
  for (const [key, test] of checks) {
    const xs = list(key);
    if (xs.length > 0 && !xs.some(test)) return false;
  }
  const negations: [string, (x: string) => boolean][] = [
    ["notEquals", (x) => value === x],
    ["notStartsWith", (x) => value.startsWith(x)],
    ["notStartsWiths", (x) => value.startsWith(x)],
    ["notEndsWith", (x) => value.endsWith(x)],
    ["notEndsWiths", (x) => value.endsWith(x)],
  ];
  for (const [key, test] of negations) if (list(key).some(test)) return false;
  return true;
}

function advanced(selectors: unknown[], e: ObjectEvent): Answer {
  const values: Record<string, string> = {
    eventCategory: "Data",
    "resources.type": "AWS::S3::Object",
    "resources.ARN": e.objectArn,
    readOnly: String(e.readOnly),
    eventName: e.eventName,
    eventSource: "s3.amazonaws.com",
  };
  let unknown = false;
  for (const sel of selectors.map(asRecord)) {
    const fields = asArray(sel.fieldSelectors).map(asRecord);
    let match = true;
    let unsure = false;
    for (const f of fields) {
      const name = String(f.field);
      const value = values[name];
      if (value === undefined) {
        match = false; // a field this event does not carry (e.g. userIdentity.arn) cannot be decided here: treat as not matching
        break;
      }
      if (containsUnknown(f)) {
        unsure = true;
        continue;
      }
      if (!holds(f, value)) {
        match = false;
        break;
      }
    }
    if (match && !unsure) return "yes";
    if (match && unsure) unknown = true;
  }
  return unknown ? "unknown" : "no";
}

function basic(selectors: unknown[], e: ObjectEvent): Answer {
  let unknown = false;
  for (const sel of selectors.map(asRecord)) {
    if (containsUnknown(sel)) {
      unknown = true;
      continue;
    }
    const rw = typeof sel.readWriteType === "string" ? sel.readWriteType : "All";
    if ((rw === "ReadOnly" && !e.readOnly) || (rw === "WriteOnly" && e.readOnly)) continue;
    for (const dr of asArray(sel.dataResources).map(asRecord)) {
      if (dr.type !== "AWS::S3::Object") continue;
      if (asArray(dr.values).map(String).some((v) => /^arn:aws[\w-]*:s3(:::)?$/.test(v) || e.objectArn.startsWith(v))) return "yes";
    }
  }
  return unknown ? "unknown" : "no";
}

/**
 * Does the trail (its properties) record `e`? The properties may be a snapshot (unknowns already
 * `Unknown`) or raw values still holding the wire's unknown sentinels: both are normalised first,
 * so an unknown ARN prefix is never compared as if it were a literal one (which would answer "no"
 * and turn an unknown into a violation).
 */
export function recordsEvent(props: Record<string, unknown>, e: ObjectEvent): Answer {
  const trail = asRecord(snapshot(props));
  const adv = trail.advancedEventSelectors;
  if (isUnknown(adv)) return "unknown";
  if (asArray(adv).length > 0) return advanced(asArray(adv), e);
  const bas = trail.eventSelectors;
  if (isUnknown(bas)) return "unknown";
  return basic(asArray(bas), e);
}
