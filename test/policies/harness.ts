/**
 * A small, faithful stand-in for the analyzer side of @pulumi/policy, for calling a policy's
 * validateResource / validateStack in-process. It builds the same arguments the SDK's server
 * builds (node_modules/@pulumi/policy/server.js): properties deserialized by the SDK's own
 * deserializer and wrapped in its unknown-checking proxy, resource options, `getConfig`,
 * `isType/asType`, and for stack policies resources linked to their parent, dependencies and
 * property dependencies. Config is validated against the policy's configSchema with defaults
 * filled in (ajv), as the check driver and the Pulumi CLI do, since the pack itself does neither.
 * An UnknownValueError escaping a policy becomes an advisory note, as in the SDK.
 */
import Ajv from "ajv";
import type { Policy, PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import type { Control } from "../../policy-packs/controls/types";

// Internal SDK modules (their published typings are empty): the deserializer and the proxy.
const deserialize = require("@pulumi/policy/deserialize") as { deserializeProperties(struct: { toJavaScript(): unknown }, proxySecrets: boolean): Record<string, unknown> };
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(value: T): T; UnknownValueError: new (...args: unknown[]) => Error };

/** The wire sentinel for an unknown string (also what `npm run check` synthesis records). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** Unknown sentinels of other kinds, for fixtures that need them. */
export const UNKNOWN_BOOL = "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7";
export const UNKNOWN_NUMBER = "3eeb2bf0-c639-47a8-9e75-3b44932eb421";
export const UNKNOWN_ARRAY = "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2";

export interface Fixture {
  type: string;
  name: string;
  /** Defaults to urnOf(type, name). */
  urn?: string;
  /** Raw inputs, as sent on the wire (unknowns as sentinels, secrets as signature objects). */
  props: Record<string, unknown>;
  parent?: string;
  dependencies?: string[];
  propertyDependencies?: Record<string, string[]>;
  protect?: boolean;
  /** The region of the resource's provider, sent to resource policies as the engine sends the default provider. */
  providerRegion?: string;
}

export interface Violation {
  policy: string;
  message: string;
  urn?: string;
}

export interface Outcome {
  violations: Violation[];
  /** Messages of UnknownValueErrors that escaped (the SDK reports them as advisory). */
  advisories: string[];
}

export function urnOf(type: string, name: string): string {
  return `urn:pulumi:test::sovereign-llm::${type}::${name}`;
}

function isStackPolicy(p: Policy): p is StackValidationPolicy {
  return typeof (p as StackValidationPolicy).validateStack === "function";
}

/** Validates `config` against the policy's schema and fills defaults; throws on invalid config. */
export function policyConfig(policy: Policy, config: Record<string, unknown> = {}): Record<string, unknown> {
  const copy = structuredClone(config);
  if (!policy.configSchema) return copy;
  const ajv = new Ajv({ useDefaults: true, strict: false, allErrors: true });
  const validate = ajv.compile({ type: "object", properties: policy.configSchema.properties, required: policy.configSchema.required ?? [] });
  if (!validate(copy)) throw new Error(`invalid config for ${policy.name}: ${ajv.errorsText(validate.errors)}`);
  return copy;
}

function propsOf(raw: Record<string, unknown>): Record<string, unknown> {
  const deserd = deserialize.deserializeProperties({ toJavaScript: () => structuredClone(raw) }, false);
  return proxy.unknownCheckingProxy(deserd);
}

function options(f: Fixture) {
  return {
    protect: f.protect ?? false,
    ignoreChanges: [],
    aliases: [],
    customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    additionalSecretOutputs: [],
    ...(f.parent ? { parent: f.parent } : {}),
  };
}

const isTypeOf = (type: string) => (cls: unknown) => (cls as { __pulumiType?: string })?.__pulumiType === type;

function notApplicable(reason?: string): never {
  throw Object.assign(new Error(reason ?? "not applicable"), { notApplicable: true });
}

async function guard(policy: Policy, run: (report: ReportViolation) => unknown, out: Outcome): Promise<void> {
  const report: ReportViolation = (message: string, urn?: string) => out.violations.push({ policy: policy.name, message, urn });
  try {
    await run(report);
  } catch (err) {
    if (err instanceof proxy.UnknownValueError) out.advisories.push(`${policy.name}: ${(err as Error).message}`);
    else if ((err as { notApplicable?: boolean }).notApplicable) return;
    else throw err;
  }
}

/** Runs a resource policy over each fixture (one Analyze call each). */
export async function runResourcePolicy(policy: ResourceValidationPolicy, fixtures: Fixture[], config?: Record<string, unknown>): Promise<Outcome> {
  const out: Outcome = { violations: [], advisories: [] };
  const cfg = policyConfig(policy, config);
  const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
  for (const f of fixtures) {
    for (const validate of validations) {
      const props = propsOf(f.props);
      const args = {
        type: f.type,
        props,
        urn: f.urn ?? urnOf(f.type, f.name),
        name: f.name,
        opts: options(f),
        stackTags: new Map<string, string>(),
        isType: isTypeOf(f.type),
        asType: (cls: unknown) => (isTypeOf(f.type)(cls) ? props : undefined),
        getConfig: <T extends object>() => structuredClone(cfg) as T,
        notApplicable,
        ...(f.providerRegion ? { provider: { type: "pulumi:providers:aws", name: "default", urn: urnOf("pulumi:providers:aws", "default"), props: propsOf({ region: f.providerRegion }) } } : {}),
      };
      await guard(policy, (report) => validate(args as never, report), out);
    }
  }
  return out;
}

/** Builds the stack-policy view of the fixtures, linked as the SDK links them. */
export function policyResources(fixtures: Fixture[]): PolicyResource[] {
  const byUrn = new Map<string, PolicyResource>();
  const resources = fixtures.map((f) => {
    const props = propsOf(f.props);
    const r = {
      type: f.type,
      props,
      urn: f.urn ?? urnOf(f.type, f.name),
      name: f.name,
      opts: options(f),
      dependencies: [] as PolicyResource[],
      propertyDependencies: {} as Record<string, PolicyResource[]>,
      isType: isTypeOf(f.type),
      asType: (cls: unknown) => (isTypeOf(f.type)(cls) ? props : undefined),
      ...(f.providerRegion ? { provider: { type: "pulumi:providers:aws", name: "default", urn: urnOf("pulumi:providers:aws", "default"), props: propsOf({ region: f.providerRegion }) } } : {}),
    } as unknown as PolicyResource;
    byUrn.set(r.urn, r);
    return r;
  });
  fixtures.forEach((f, i) => {
    const r = resources[i]!;
    if (f.parent && byUrn.has(f.parent)) r.parent = byUrn.get(f.parent);
    r.dependencies = (f.dependencies ?? []).map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    for (const [k, urns] of Object.entries(f.propertyDependencies ?? {})) {
      r.propertyDependencies[k] = urns.map((u) => byUrn.get(u)).filter((x): x is PolicyResource => x !== undefined);
    }
  });
  return resources;
}

/** Runs a stack policy once over all fixtures (one AnalyzeStack call). */
export async function runStackPolicy(policy: StackValidationPolicy, fixtures: Fixture[], config?: Record<string, unknown>): Promise<Outcome> {
  const out: Outcome = { violations: [], advisories: [] };
  const cfg = policyConfig(policy, config);
  const args = { resources: policyResources(fixtures), stackTags: new Map<string, string>(), getConfig: <T extends object>() => structuredClone(cfg) as T, notApplicable };
  await guard(policy, (report) => policy.validateStack(args as never, report), out);
  return out;
}

/** Runs a control's policy, whichever kind it is, over the fixtures. */
export function runControl(control: Control, fixtures: Fixture[], config?: Record<string, unknown>): Promise<Outcome> {
  return isStackPolicy(control.policy) ? runStackPolicy(control.policy, fixtures, config) : runResourcePolicy(control.policy as ResourceValidationPolicy, fixtures, config);
}

/** Synthesized registrations (tools/check/synth) as fixtures, inputs as the engine sends them. */
export function fromRegistrations(regs: { urn: string; type: string; name: string; parent: string; dependencies: string[]; propertyDependencies: Record<string, string[]>; inputs: Record<string, unknown>; protect: boolean }[]): Fixture[] {
  return regs.map((r) => ({
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.inputs,
    parent: r.parent || undefined,
    dependencies: r.dependencies,
    propertyDependencies: r.propertyDependencies,
    protect: r.protect,
  }));
}

/** A fixture with some inputs replaced: `with(f, { a: UNKNOWN })`; `undefined` deletes. */
export function withProps(f: Fixture, changes: Record<string, unknown>): Fixture {
  const props = structuredClone(f.props);
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete props[k];
    else props[k] = v;
  }
  return { ...f, props };
}

export function messages(o: Outcome): string[] {
  return o.violations.map((v) => v.message);
}
