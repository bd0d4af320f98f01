/**
 * The pack configuration in force, as the evidence report states it: every policy's enforcement
 * level and every tunable parameter with its value, its default and where the value came from,
 * and every deviation from the configuration the stack implies (pack defaults plus what the
 * stack file decides, such as the residency regions). A deviation is what an auditor must see:
 * a control disabled, made advisory, or a threshold changed.
 */
import type { EnforcementLevel, PackRun } from "./analyzer";
import { effectiveConfig, type PackConfigFile } from "./pack-config";

export type ConfigSource = "pack default" | "stack file" | "--config";

export interface PolicyParameter {
  name: string;
  description?: string;
  value: unknown;
  /** The value the stack implies (pack default, or derived from the stack file). */
  baseline: unknown;
  source: ConfigSource;
}

export interface PolicyConfigEvidence {
  policy: string;
  packs: string[];
  defaultLevel: EnforcementLevel;
  level: EnforcementLevel;
  levelSource: ConfigSource;
  parameters: PolicyParameter[];
}

export interface ConfigDeviation {
  policy: string;
  /** "enforcementLevel" or a parameter name. */
  setting: string;
  from: unknown;
  to: unknown;
  /** True when the change lowers enforcement; undefined when the direction depends on the parameter. */
  weakens: boolean | undefined;
  text: string;
}

export interface PackConfigEvidence {
  /** The --config file, when one was given. */
  explicitFile?: string;
  stackFile: string;
  /** Who may change each source, in plain words. */
  governance: { source: ConfigSource; where: string; changedBy: string }[];
  policies: PolicyConfigEvidence[];
  deviations: ConfigDeviation[];
}

/** Higher is stricter. */
const STRENGTH: Record<EnforcementLevel, number> = { disabled: 0, advisory: 1, mandatory: 2, remediate: 2 };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
export const show = (v: unknown): string => (v === undefined ? "(unset)" : JSON.stringify(v));

function levelOf(entry: unknown): string | undefined {
  if (typeof entry === "string") return entry;
  if (entry !== null && typeof entry === "object" && "enforcementLevel" in entry) return String((entry as { enforcementLevel: unknown }).enforcementLevel);
  return undefined;
}

function hasProperty(entry: unknown, prop: string): boolean {
  return entry !== null && typeof entry === "object" && !Array.isArray(entry) && prop in entry;
}

export function packConfigEvidence(args: {
  runs: { pack: string; run: PackRun }[];
  /** The pack config the stack file implies on its own (`stackPackConfig(config, {})`). */
  stackImplied: PackConfigFile;
  /** The --config file's contents, when one was given. */
  explicit?: PackConfigFile;
  explicitFile?: string;
  stackFile: string;
}): PackConfigEvidence {
  const explicit = args.explicit ?? {};
  const policies = new Map<string, PolicyConfigEvidence>();
  const deviations = new Map<string, ConfigDeviation>();
  for (const { pack, run } of args.runs) {
    const baseline = effectiveConfig(run.info, args.stackImplied).config;
    for (const info of run.info.policies) {
      const seen = policies.get(info.name);
      if (seen) {
        seen.packs.push(pack);
        continue;
      }
      const inForce = run.config[info.name] ?? { enforcementLevel: info.enforcementLevel, properties: {} };
      const base = baseline[info.name] ?? { enforcementLevel: info.enforcementLevel, properties: {} };
      const levelSource: ConfigSource = levelOf(explicit[info.name]) !== undefined || levelOf(explicit.all) !== undefined ? "--config" : "pack default";
      const schema = (info.configSchema?.properties ?? {}) as Record<string, { description?: string }>;
      const parameters: PolicyParameter[] = Object.keys(schema)
        .sort()
        .map((name) => ({
          name,
          ...(schema[name]?.description ? { description: schema[name].description } : {}),
          value: inForce.properties[name],
          baseline: base.properties[name],
          source: hasProperty(explicit[info.name], name) ? "--config" : hasProperty(args.stackImplied[info.name], name) ? "stack file" : "pack default",
        }));
      policies.set(info.name, { policy: info.name, packs: [pack], defaultLevel: base.enforcementLevel, level: inForce.enforcementLevel, levelSource, parameters });

      if (inForce.enforcementLevel !== base.enforcementLevel) {
        const weakens = STRENGTH[inForce.enforcementLevel] < STRENGTH[base.enforcementLevel];
        deviations.set(`${info.name}\nenforcementLevel`, {
          policy: info.name,
          setting: "enforcementLevel",
          from: base.enforcementLevel,
          to: inForce.enforcementLevel,
          weakens,
          text:
            inForce.enforcementLevel === "disabled"
              ? `${info.name} is disabled (default ${base.enforcementLevel}): it examined nothing`
              : `${info.name} is ${inForce.enforcementLevel} (default ${base.enforcementLevel})${weakens ? ": its findings do not block a deployment" : ""}`,
        });
      }
      for (const p of parameters) {
        if (same(p.value, p.baseline)) continue;
        deviations.set(`${info.name}\n${p.name}`, {
          policy: info.name,
          setting: p.name,
          from: p.baseline,
          to: p.value,
          weakens: undefined,
          text: `${info.name}.${p.name} is ${show(p.value)} (default ${show(p.baseline)})`,
        });
      }
    }
  }
  return {
    ...(args.explicitFile ? { explicitFile: args.explicitFile } : {}),
    stackFile: args.stackFile,
    governance: [
      { source: "pack default", where: "policy-packs/controls (each policy's level and parameter defaults)", changedBy: "a reviewed commit to this repository; the report names the commit it was generated from" },
      { source: "stack file", where: `${args.stackFile} (sovereign-llm:residency supplies the allowed regions)`, changedBy: "a reviewed commit to the stack file" },
      {
        source: "--config",
        where: args.explicitFile ?? "none given for this report",
        changedBy: "whoever runs the check or the deploy (`pulumi up --policy-pack-config`); the deploy must use the policy-pack-config.json written beside this report, or what it enforces is not what this report shows",
      },
    ],
    policies: [...policies.values()].sort((a, b) => a.policy.localeCompare(b.policy)),
    deviations: [...deviations.values()],
  };
}
