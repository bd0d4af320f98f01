/**
 * Drives a CrossGuard policy pack the way the Pulumi engine does, without the CLI.
 *
 * The pack is started exactly as `pulumi preview --policy-pack <dir>` starts it:
 * `node <dir>/node_modules/@pulumi/pulumi/cmd/run-policy-pack <engine> <dir>` with the pack
 * directory as working directory. It prints its gRPC port as the first line of stdout; we then
 * call the Analyzer service: GetAnalyzerInfo, Configure, Analyze once per resource (inputs,
 * options, provider), AnalyzeStack once (outputs, parent, dependencies, property dependencies).
 */
import type { ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import * as grpc from "@grpc/grpc-js";
import * as structpb from "google-protobuf/google/protobuf/struct_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type { Registration, SynthResult } from "./synth";
import { SIG_KEY } from "./synth";
import type { StackFile } from "./stack-file";
import type { EffectivePolicyConfig } from "./pack-config";
import { PACK_HOST, PackError, startServer, type ServerOptions, type StartedServer } from "./serve-process";

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
export type Severity = "unspecified" | "low" | "medium" | "high" | "critical";

export interface PolicyInfo {
  name: string;
  displayName: string;
  description: string;
  enforcementLevel: EnforcementLevel;
  kind: "resource" | "stack";
  severity: Severity;
  remediation: string;
  framework?: { name: string; version: string; reference: string; specification: string };
  configSchema?: { properties: Record<string, unknown>; required: string[] };
}

export interface AnalyzerInfo {
  name: string;
  version: string;
  displayName: string;
  description: string;
  policies: PolicyInfo[];
}

export interface Diagnostic {
  policyName: string;
  packName: string;
  packVersion: string;
  description: string;
  message: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  /** Resource the violation is about; '' for a stack-level finding without a resource. */
  urn: string;
  phase: "analyze" | "analyzeStack";
  /** True when the policy could not run because a value is unknown until deployment. */
  notEvaluable: boolean;
}

export interface NotApplicable {
  policyName: string;
  reason: string;
  /** Set for per-resource results. */
  urn?: string;
}

export interface PackRun {
  dir: string;
  info: AnalyzerInfo;
  config: EffectivePolicyConfig;
  diagnostics: Diagnostic[];
  notApplicable: NotApplicable[];
  /** Resources sent to Analyze and to AnalyzeStack. */
  analyzed: number;
  stackResources: number;
  stderr: string;
  durationMs: number;
}

export { PackError };

const UNKNOWN_PREFIX = /^can't run policy '[^']+' from policy pack '[^']+' during preview: /;
const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
/** The engine's address is only used by a pack for logging; nothing listens here, so logs go to stderr. */
const ENGINE_PLACEHOLDER = "127.0.0.1:0";

const LEVEL_FROM_PB: Record<number, EnforcementLevel> = {
  [analyzerpb.EnforcementLevel.ADVISORY]: "advisory",
  [analyzerpb.EnforcementLevel.MANDATORY]: "mandatory",
  [analyzerpb.EnforcementLevel.DISABLED]: "disabled",
  [analyzerpb.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_TO_PB: Record<EnforcementLevel, analyzerpb.EnforcementLevel> = {
  advisory: analyzerpb.EnforcementLevel.ADVISORY,
  mandatory: analyzerpb.EnforcementLevel.MANDATORY,
  disabled: analyzerpb.EnforcementLevel.DISABLED,
  remediate: analyzerpb.EnforcementLevel.REMEDIATE,
};
const SEVERITY_FROM_PB: Record<number, Severity> = {
  [analyzerpb.PolicySeverity.POLICY_SEVERITY_UNSPECIFIED]: "unspecified",
  [analyzerpb.PolicySeverity.POLICY_SEVERITY_LOW]: "low",
  [analyzerpb.PolicySeverity.POLICY_SEVERITY_MEDIUM]: "medium",
  [analyzerpb.PolicySeverity.POLICY_SEVERITY_HIGH]: "high",
  [analyzerpb.PolicySeverity.POLICY_SEVERITY_CRITICAL]: "critical",
};

/** A GetAnalyzerInfo answer as plain data. */
export function analyzerInfoFromPb(info: analyzerpb.AnalyzerInfo): AnalyzerInfo {
  return {
    name: info.getName(),
    version: info.getVersion(),
    displayName: info.getDisplayname(),
    description: info.getDescription(),
    policies: info.getPoliciesList().map((p) => {
      const fw = p.getFramework();
      const schema = p.getConfigschema();
      return {
        name: p.getName(),
        displayName: p.getDisplayname(),
        description: p.getDescription(),
        enforcementLevel: LEVEL_FROM_PB[p.getEnforcementlevel()] ?? "advisory",
        kind: p.getPolicyType() === analyzerpb.PolicyType.POLICY_TYPE_STACK ? "stack" : "resource",
        severity: SEVERITY_FROM_PB[p.getSeverity()] ?? "unspecified",
        remediation: p.getRemediationSteps(),
        framework: fw ? { name: fw.getName(), version: fw.getVersion(), reference: fw.getReference(), specification: fw.getSpecification() } : undefined,
        configSchema: schema ? { properties: (schema.getProperties()?.toJavaScript() ?? {}) as Record<string, unknown>, required: schema.getRequiredList() } : undefined,
      } satisfies PolicyInfo;
    }),
  };
}

/** A running pack process and a gRPC client connected to it. */
export class PackProcess {
  private constructor(
    readonly dir: string,
    private readonly child: ChildProcess,
    private readonly client: analyzerrpc.AnalyzerClient,
    private readonly stderrChunks: string[],
    /** True for a pack host: it serves the union of several packs under `UNION_PACK`'s name. */
    readonly servesUnion = false,
  ) {}

  /**
   * Starts the pack in `dir` as the Pulumi CLI does and waits for its port. A pack that exits first
   * died (its stderr says why); one that is still alive is given up on only by the limits of
   * `start-watch.ts` (CPU used, CPU idle, an optional wall clock), never by a fixed time-out.
   */
  static async start(dir: string, opts: ServerOptions = {}): Promise<PackProcess> {
    const packDir = resolve(dir);
    const entry = join(packDir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
    if (!existsSync(entry)) {
      throw new PackError(`cannot start policy pack ${packDir}: ${entry} does not exist (run \`npm ci\` at the repository root; the pack's node_modules links to the root install)`);
    }
    const server = await startServer(`policy pack ${packDir}`, [entry, ENGINE_PLACEHOLDER, packDir], packDir, opts);
    return PackProcess.connect(packDir, server);
  }

  /**
   * Starts one process serving the union of the packs in `dirs` (`pack-host.ts`) and returns it
   * with each pack's own GetAnalyzerInfo answer, in the order of `dirs`.
   */
  static async startHost(dirs: string[], opts: ServerOptions = {}): Promise<{ process: PackProcess; infos: AnalyzerInfo[] }> {
    const packDirs = dirs.map((d) => resolve(d));
    const tmp = mkdtempSync(join(tmpdir(), "sovereign-pack-host-"));
    try {
      const infosFile = join(tmp, "infos.json");
      const label = `policy packs ${packDirs.map((d) => basename(d)).join(", ")} (one process)`;
      const server = await startServer(label, [PACK_HOST, infosFile, ...packDirs], packDirs[0], opts);
      const process = PackProcess.connect(label, server, true);
      let written: { dir: string; info: string }[];
      try {
        written = JSON.parse(readFileSync(infosFile, "utf8")) as { dir: string; info: string }[];
      } catch (err) {
        await process.close();
        throw new PackError(`${label} served without describing its packs: ${(err as Error).message}`);
      }
      const infos = packDirs.map((d) => {
        const w = written.find((x) => x.dir === d);
        if (!w) throw new PackError(`${label} did not describe ${d}`);
        return analyzerInfoFromPb(analyzerpb.AnalyzerInfo.deserializeBinary(Buffer.from(w.info, "base64")));
      });
      return { process, infos };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }

  private static connect(label: string, server: StartedServer, servesUnion = false): PackProcess {
    const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${server.port}`, grpc.credentials.createInsecure(), {
      "grpc.max_send_message_length": 400 * 1024 * 1024,
      "grpc.max_receive_message_length": 400 * 1024 * 1024,
    });
    return new PackProcess(label, server.child, client, server.stderr, servesUnion);
  }

  /** The process id of the pack process. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  get stderr(): string {
    return this.stderrChunks.join("");
  }

  /** One unary Analyzer RPC by its client method name (`analyze`, `configure`, ...). */
  rpc<Req, Res>(method: string, req: Req): Promise<Res> {
    return new Promise<Res>((resolveCall, reject) => {
      const fn = (this.client as unknown as Record<string, (r: Req, cb: (e: grpc.ServiceError | null, r: Res) => void) => void>)[method];
      fn.call(this.client, req, (err, res) => {
        if (err) reject(new PackError(`${method} on policy pack ${this.dir} failed: ${err.details || err.message}${this.stderr ? `\n${this.stderr.trim()}` : ""}`));
        else resolveCall(res);
      });
    });
  }

  async getAnalyzerInfo(): Promise<AnalyzerInfo> {
    const { Empty } = require("google-protobuf/google/protobuf/empty_pb") as typeof import("google-protobuf/google/protobuf/empty_pb");
    return analyzerInfoFromPb(await this.rpc<unknown, analyzerpb.AnalyzerInfo>("getAnalyzerInfo", new Empty()));
  }

  /** Sends every policy's effective enforcement level and (validated, defaulted) properties. */
  async configure(config: EffectivePolicyConfig): Promise<void> {
    const req = new analyzerpb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const [name, c] of Object.entries(config)) {
      const pc = new analyzerpb.PolicyConfig();
      pc.setEnforcementlevel(LEVEL_TO_PB[c.enforcementLevel]);
      pc.setProperties(structpb.Struct.fromJavaScript(c.properties as Record<string, structpb.JavaScriptValue>));
      map.set(name, pc);
    }
    await this.rpc("configure", req);
  }

  async analyze(req: analyzerpb.AnalyzeRequest): Promise<analyzerpb.AnalyzeResponse> {
    return this.rpc("analyze", req);
  }

  async analyzeStack(req: analyzerpb.AnalyzeStackRequest): Promise<analyzerpb.AnalyzeResponse> {
    return this.rpc("analyzeStack", req);
  }

  /** Closes the connection and kills the pack process (and waits for it to go). */
  async close(): Promise<void> {
    this.client.close();
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    await new Promise<void>((done) => {
      this.child.once("exit", () => done());
      this.child.kill("SIGTERM");
      setTimeout(() => this.child.kill("SIGKILL"), 2000).unref();
    });
  }
}

/** Converts wire values for an analyzer: resource references become their id (or URN), as the engine sends them. */
export function toAnalyzerValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toAnalyzerValue);
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    if (obj[SIG_KEY] === RESOURCE_REF_SIG) {
      const id = obj.id;
      return typeof id === "string" && id !== "" ? id : obj.urn;
    }
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, toAnalyzerValue(v)]));
  }
  return value;
}

function struct(value: Record<string, unknown>): structpb.Struct {
  return structpb.Struct.fromJavaScript(toAnalyzerValue(value) as Record<string, structpb.JavaScriptValue>);
}

function options(r: Registration): analyzerpb.AnalyzerResourceOptions {
  const o = new analyzerpb.AnalyzerResourceOptions();
  o.setProtect(r.protect);
  o.setIgnorechangesList(r.ignoreChanges);
  o.setDeletebeforereplace(r.deleteBeforeReplace);
  o.setDeletebeforereplacedefined(r.deleteBeforeReplace);
  o.setAdditionalsecretoutputsList(r.additionalSecretOutputs);
  o.setAliasesList([]);
  o.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
  o.setParent(r.parent);
  return o;
}

interface ProviderView {
  type: string;
  urn: string;
  name: string;
  properties: Record<string, unknown>;
}

function packageVersion(pkg: string): string {
  try {
    return (require(`@pulumi/${pkg}/package.json`) as { version: string }).version.replace(/^v/, "");
  } catch {
    return "0.0.0";
  }
}

/**
 * The providers the engine would hand the analyzer: explicit provider resources by reference,
 * and for resources without one, the default provider of their package configured from the
 * stack's `<package>:*` keys (as the engine builds default providers).
 */
export function providerResolver(synth: SynthResult, file: StackFile | undefined): (r: Registration) => ProviderView | undefined {
  const byUrn = new Map(synth.registrations.map((r) => [r.urn, r]));
  const defaults = new Map<string, ProviderView>();
  return (r) => {
    if (!r.custom || r.type.startsWith("pulumi:providers:")) return undefined;
    if (r.provider) {
      const urn = r.provider.split("::").slice(0, -1).join("::");
      const p = byUrn.get(urn);
      if (p) return { type: p.type, urn: p.urn, name: p.name, properties: p.inputs };
    }
    const pkg = r.type.split(":")[0];
    let view = defaults.get(pkg);
    if (!view) {
      const version = packageVersion(pkg);
      const properties: Record<string, unknown> = { version };
      for (const [key, value] of Object.entries(file?.config ?? {})) {
        if (!key.startsWith(`${pkg}:`)) continue;
        let v: unknown = value;
        if (/^[[{]/.test(value)) {
          try {
            v = JSON.parse(value);
          } catch {
            v = value;
          }
        }
        properties[key.slice(pkg.length + 1)] = v;
      }
      const name = `default_${version.replace(/\./g, "_")}`;
      view = { type: `pulumi:providers:${pkg}`, urn: `urn:pulumi:${synth.stack}::${synth.project}::pulumi:providers:${pkg}::${name}`, name, properties };
      defaults.set(pkg, view);
    }
    return view;
  };
}

function providerPb(p: ProviderView): analyzerpb.AnalyzerProviderResource {
  const pr = new analyzerpb.AnalyzerProviderResource();
  pr.setType(p.type);
  pr.setUrn(p.urn);
  pr.setName(p.name);
  pr.setProperties(struct(p.properties));
  return pr;
}

/** The Analyze request for one resource: its inputs, options and provider. */
export function analyzeRequest(r: Registration, provider: ProviderView | undefined): analyzerpb.AnalyzeRequest {
  const req = new analyzerpb.AnalyzeRequest();
  req.setType(r.type);
  req.setProperties(struct(r.inputs));
  req.setUrn(r.urn);
  req.setName(r.name);
  req.setOptions(options(r));
  if (provider) req.setProvider(providerPb(provider));
  return req;
}

/** The AnalyzeStack request: every resource with its outputs and relations, plus the default providers. */
export function analyzeStackRequest(synth: SynthResult, resolveProvider: (r: Registration) => ProviderView | undefined): analyzerpb.AnalyzeStackRequest {
  const resources: analyzerpb.AnalyzerResource[] = [];
  const providers = new Map<string, ProviderView>();
  const known = new Set(synth.registrations.map((r) => r.urn));
  for (const r of synth.registrations) {
    const provider = resolveProvider(r);
    if (provider && !known.has(provider.urn)) providers.set(provider.urn, provider);
    const res = new analyzerpb.AnalyzerResource();
    res.setType(r.type);
    res.setProperties(struct(r.outputs));
    res.setUrn(r.urn);
    res.setName(r.name);
    res.setOptions(options(r));
    if (provider) res.setProvider(providerPb(provider));
    res.setParent(r.parent);
    res.setDependenciesList(r.dependencies);
    const deps = res.getPropertydependenciesMap();
    for (const [key, urns] of Object.entries(r.propertyDependencies)) {
      const pd = new analyzerpb.AnalyzerPropertyDependencies();
      pd.setUrnsList(urns);
      deps.set(key, pd);
    }
    resources.push(res);
  }
  // Default providers are resources of the stack too; the engine lists them first.
  const providerResources = [...providers.values()].map((p) => {
    const res = new analyzerpb.AnalyzerResource();
    res.setType(p.type);
    res.setProperties(struct(p.properties));
    res.setUrn(p.urn);
    res.setName(p.name);
    const o = new analyzerpb.AnalyzerResourceOptions();
    o.setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
    res.setOptions(o);
    return res;
  });
  const req = new analyzerpb.AnalyzeStackRequest();
  req.setResourcesList([...providerResources, ...resources]);
  return req;
}

function collect(resp: analyzerpb.AnalyzeResponse, phase: Diagnostic["phase"], urn: string | undefined, diagnostics: Diagnostic[], notApplicable: NotApplicable[]): void {
  for (const d of resp.getDiagnosticsList()) {
    const message = d.getMessage();
    diagnostics.push({
      policyName: d.getPolicyname(),
      packName: d.getPolicypackname(),
      packVersion: d.getPolicypackversion(),
      description: d.getDescription(),
      message,
      enforcementLevel: LEVEL_FROM_PB[d.getEnforcementlevel()] ?? "advisory",
      severity: SEVERITY_FROM_PB[d.getSeverity()] ?? "unspecified",
      // The engine attributes a per-resource diagnostic without a URN to the resource analysed.
      urn: d.getUrn() || urn || "",
      phase,
      notEvaluable: UNKNOWN_PREFIX.test(message),
    });
  }
  for (const n of resp.getNotApplicableList()) notApplicable.push({ policyName: n.getPolicyName(), reason: n.getReason(), ...(urn ? { urn } : {}) });
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

/**
 * Analyzes a synthesized stack with a started pack: Configure, Analyze per resource, AnalyzeStack.
 * `config` is the effective config built by `effectiveConfig` from the pack's own analyzer info.
 */
export async function analyzeWith(pack: PackProcess, info: AnalyzerInfo, config: EffectivePolicyConfig, synth: SynthResult, file: StackFile | undefined): Promise<PackRun> {
  const started = Date.now();
  await pack.configure(config);
  const resolveProvider = providerResolver(synth, file);
  const diagnostics: Diagnostic[] = [];
  const notApplicable: NotApplicable[] = [];
  const targets = synth.registrations.filter((r) => !r.type.startsWith("pulumi:providers:"));
  const perResource = new Map<string, analyzerpb.AnalyzeResponse>();
  await inBatches(targets, 16, async (r) => {
    perResource.set(r.urn, await pack.analyze(analyzeRequest(r, resolveProvider(r))));
  });
  // Report in registration order, whatever order the responses came back in.
  for (const r of targets) collect(perResource.get(r.urn)!, "analyze", r.urn, diagnostics, notApplicable);
  const stackReq = analyzeStackRequest(synth, resolveProvider);
  collect(await pack.analyzeStack(stackReq), "analyzeStack", undefined, diagnostics, notApplicable);
  return {
    dir: pack.dir,
    info,
    config,
    diagnostics,
    notApplicable,
    analyzed: targets.length,
    stackResources: stackReq.getResourcesList().length,
    stderr: pack.stderr,
    durationMs: Date.now() - started,
  };
}
