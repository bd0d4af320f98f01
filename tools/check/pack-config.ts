/**
 * Policy pack configuration, as `pulumi preview --policy-pack-config <file>` takes it:
 *
 *   { "all": "advisory",                                  // every policy of every pack
 *     "<policy name>": "disabled",                        // one policy's enforcement level
 *     "<policy name>": { "enforcementLevel": "mandatory", "<property>": <value>, ... } }
 *
 * A pack's `Configure` neither validates properties against a policy's `configSchema` nor fills
 * its defaults, so this module does both (with ajv) before anything is sent to the pack. A
 * problem here is bad input: the check stops with exit code 2.
 */
import { readFileSync } from "node:fs";
import Ajv, { type ValidateFunction } from "ajv";
import type { AnalyzerInfo, EnforcementLevel } from "./analyzer";
import { InputError } from "./stack-file";
import { JURISDICTION_REGIONS, regionsFor, type Jurisdiction } from "../../infra/regions";
import { REQUIRED_ALARMS } from "../../policy-packs/controls/monitoring-required-alarms";

export type EffectivePolicyConfig = Record<string, { enforcementLevel: EnforcementLevel; properties: Record<string, unknown> }>;
/** The parsed config file: policy name (or "all") → level or object. */
export type PackConfigFile = Record<string, unknown>;

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];

export function readPackConfigFile(path: string): PackConfigFile {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`cannot read pack config ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new InputError(`pack config ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new InputError(`pack config ${path} must be a JSON object mapping policy names (or "all") to an enforcement level or an object of properties`);
  }
  return doc as PackConfigFile;
}

/** Policies whose tunables follow from the stack's own configuration. */
export const RESIDENCY_POLICIES = ["sovereign-llm-region-allow-list", "sovereign-llm-s3-replication-residency"] as const;

/** Policies whose tunables follow from the stack's detection strategies and monitored signals. */
export const DETECTION_POLICY = "sovereign-llm-monitoring-detection-services";
export const ALARMS_POLICY = "sovereign-llm-monitoring-required-alarms";
/** The policy whose strategy follows the stack's account.guards. */
export const ACCOUNT_GUARDS_POLICY = "sovereign-llm-account-guards";

function parsed(stackConfig: Record<string, string>, key: string): unknown {
  try {
    return JSON.parse(stackConfig[key] ?? "null");
  } catch {
    return null;
  }
}

/** Sets `properties` on `policy` unless the explicit file already sets them (property by property). */
function imply(merged: PackConfigFile, explicit: PackConfigFile, policy: string, properties: Record<string, unknown>): void {
  const own = explicit[policy];
  if (typeof own === "string") {
    merged[policy] = { enforcementLevel: own, ...properties };
  } else if (own === undefined || (typeof own === "object" && own !== null)) {
    const given = (own as Record<string, unknown> | undefined) ?? {};
    merged[policy] = { ...Object.fromEntries(Object.entries(properties).filter(([k]) => !(k in given))), ...given };
  }
}

/**
 * Pack config that follows from the stack file: the residency regions become the allowed
 * regions; detection strategies other than `create` tell the detection policy which services the
 * organisation provides, and account.guards `verify` that the account's guards are the organisation's; the alarms the stack must have gain one per model (request volume) and,
 * in a stack without egress, the attempted-egress alarm. Entries of an explicit --config file take
 * precedence, property by property.
 */
export function stackPackConfig(stackConfig: Record<string, string>, explicit: PackConfigFile): PackConfigFile {
  const residency = parsed(stackConfig, "sovereign-llm:residency");
  const jurisdictions = (Array.isArray(residency) ? residency : []).filter((j): j is Jurisdiction => typeof j === "string" && j in JURISDICTION_REGIONS);
  const merged: PackConfigFile = { ...explicit };
  if (jurisdictions.length > 0) {
    for (const policy of RESIDENCY_POLICIES) imply(merged, explicit, policy, { allowedRegions: regionsFor(jurisdictions) });
  }

  const detection = (parsed(stackConfig, "sovereign-llm:detection") ?? {}) as Record<string, unknown>;
  const strategies = Object.fromEntries((["guardDuty", "securityHub", "inspector", "config"] as const).filter((k) => detection[k] === "organization").map((k) => [k, "organization"]));
  if (Object.keys(strategies).length > 0) imply(merged, explicit, DETECTION_POLICY, strategies);

  const account = (parsed(stackConfig, "sovereign-llm:account") ?? {}) as Record<string, unknown>;
  if (account.guards === "verify") imply(merged, explicit, ACCOUNT_GUARDS_POLICY, { guards: "verify" });

  const models = parsed(stackConfig, "sovereign-llm:models");
  const modelNames = (Array.isArray(models) ? models : []).map((m) => (m as { name?: unknown })?.name).filter((n): n is string => typeof n === "string");
  const egress = parsed(stackConfig, "sovereign-llm:egress") as { mode?: unknown } | null;
  const noEgress = (egress?.mode ?? "none") === "none";
  const extra = [...(noEgress ? ["egress-attempt"] : []), ...modelNames.map((m) => `requests-${m}`)];
  if (extra.length > 0 && Object.keys(stackConfig).some((k) => k.startsWith("sovereign-llm:"))) {
    imply(merged, explicit, ALARMS_POLICY, { requiredAlarms: [...REQUIRED_ALARMS, ...extra] });
  }
  return merged;
}

/** Names in the file that no selected pack has: almost always a typo. */
export function unknownPolicyNames(file: PackConfigFile, infos: AnalyzerInfo[]): string[] {
  const known = new Set(infos.flatMap((i) => i.policies.map((p) => p.name)));
  return Object.keys(file)
    .filter((k) => k !== "all" && !known.has(k))
    .map((k) => `pack config names policy "${k}", which none of the selected packs (${infos.map((i) => i.name).join(", ")}) has`);
}

function splitEntry(key: string, value: unknown): { level?: EnforcementLevel; properties: Record<string, unknown>; problems: string[] } {
  if (typeof value === "string") {
    return LEVELS.includes(value as EnforcementLevel)
      ? { level: value as EnforcementLevel, properties: {}, problems: [] }
      : { properties: {}, problems: [`pack config "${key}": "${value}" is not an enforcement level (one of ${LEVELS.join(", ")})`] };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { properties: {}, problems: [`pack config "${key}" must be an enforcement level or an object`] };
  }
  const { enforcementLevel, ...properties } = value as Record<string, unknown>;
  if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as EnforcementLevel)) {
    return { properties, problems: [`pack config "${key}.enforcementLevel": ${JSON.stringify(enforcementLevel)} is not one of ${LEVELS.join(", ")}`] };
  }
  return { level: enforcementLevel as EnforcementLevel | undefined, properties, problems: [] };
}

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/**
 * A validator per distinct schema: the packs of a stack share most policies, and most policies
 * share the empty schema, so of the ~180 schemas of a three-pack stack a few dozen are distinct.
 */
function compiled(schema: object): ValidateFunction {
  const key = JSON.stringify(schema);
  let validate = validators.get(key);
  if (!validate) {
    ajv ??= new Ajv({ allErrors: true, useDefaults: true, strict: false });
    validate = ajv.compile(schema);
    validators.set(key, validate);
  }
  return validate;
}

/**
 * The config sent to one pack: for every policy, its enforcement level (file, else "all", else
 * the policy's own level as the pack reports it) and its properties validated against its
 * schema with defaults filled. Returns every problem found, not just the first.
 */
export function effectiveConfig(info: AnalyzerInfo, file: PackConfigFile): { config: EffectivePolicyConfig; problems: string[] } {
  const problems: string[] = [];
  const config: EffectivePolicyConfig = {};
  const all = file.all !== undefined ? splitEntry("all", file.all) : undefined;
  if (all) {
    problems.push(...all.problems);
    if (Object.keys(all.properties).length > 0) problems.push(`pack config "all" may only set enforcementLevel`);
  }
  for (const policy of info.policies) {
    const entry = file[policy.name] !== undefined ? splitEntry(policy.name, file[policy.name]) : undefined;
    problems.push(...(entry?.problems ?? []));
    // Defaults are filled into a copy, never into the caller's object.
    const properties = structuredClone(entry?.properties ?? {});
    const schemaProps = policy.configSchema?.properties ?? {};
    const schema = { type: "object", properties: schemaProps, required: policy.configSchema?.required ?? [], additionalProperties: false };
    let validate;
    try {
      validate = compiled(schema);
    } catch (err) {
      problems.push(`policy "${policy.name}" of pack ${info.name} has an invalid configSchema: ${(err as Error).message}`);
      continue;
    }
    if (!validate(properties)) {
      for (const e of validate.errors ?? []) {
        const where = `${policy.name}${e.instancePath.replace(/\//g, ".")}`;
        const detail =
          e.keyword === "additionalProperties"
            ? `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}" (known: ${Object.keys(schemaProps).join(", ") || "none"})`
            : e.keyword === "required"
              ? `missing required property "${(e.params as { missingProperty: string }).missingProperty}"`
              : (e.message ?? "is invalid");
        problems.push(`pack config "${where}": ${detail}`);
      }
    }
    config[policy.name] = { enforcementLevel: entry?.level ?? all?.level ?? policy.enforcementLevel, properties };
  }
  return { config, problems };
}
