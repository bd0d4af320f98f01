/**
 * One process that serves several policy packs for `npm run check`, so a stack that names three
 * frameworks starts one Node.js process and evaluates each shared control once per resource.
 *
 *   node tools/check/dist/pack-host.js <infos-file> <pack-dir>...
 *
 * Each pack's built `main` is loaded as `run-policy-pack` would load it (working directory = the
 * pack, so `PolicyPack` reads the pack's own package.json version), except that `@pulumi/policy`'s
 * `serve` is intercepted: what the pack would have served is recorded instead. The host then
 *   - writes, for every pack, the exact answer that pack gives to GetAnalyzerInfo (built by the
 *     SDK's own `makeAnalyzerInfo` from what the pack passed to `serve`) to `<infos-file>`, as
 *     base64 protobuf, and
 *   - serves one analyzer, UNION_PACK, whose policies are the union of the packs' policies by
 *     name, through the SDK's real `serve` (which prints the port as the first line of stdout).
 * A policy name shared by two packs must be the same policy (the same validate functions): the
 * library builds every pack from the same control objects, and anything else is refused. The
 * driver (`session.ts`) configures the union with every policy's effective config and hands each
 * pack the diagnostics of its own policies under its own name and version.
 *
 * Built to JavaScript by `npm run build:packs` (tools/check/dist/pack-host.js), so it starts
 * without compiling TypeScript.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { deferSdkClosureModules } from "./sdk-load";

/** Name and version under which the union is served (never reported: diagnostics are re-attributed). */
export const UNION_PACK = { name: "sovereign-llm-check-union", version: "0.0.0" } as const;

type Serve = (name: string, version: string, enforcementLevel: string, args: PackArgs, initialConfig?: unknown) => void;
interface Policy {
  name: string;
  validateResource?: unknown;
  validateStack?: unknown;
  remediateResource?: unknown;
}
interface PackArgs {
  policies?: Policy[];
  [key: string]: unknown;
}
interface Served {
  dir: string;
  name: string;
  version: string;
  enforcementLevel: string;
  args: PackArgs;
  initialConfig?: unknown;
}

function fail(message: string): never {
  process.stderr.write(`pack host: ${message}\n`);
  process.exit(1);
}

function main(argv: string[]): void {
  const [infosFile, ...dirs] = argv;
  if (!infosFile || dirs.length === 0) fail("usage: pack-host <infos-file> <pack-dir>...");
  // Nothing here serializes a function: the SDK's code for that loads only if something does.
  deferSdkClosureModules();
  // Resolved from this file: the root install, the same module instance every pack requires.
  const server = require("@pulumi/policy/server") as { serve: Serve };
  const protoutil = require("@pulumi/policy/protoutil") as {
    makeAnalyzerInfo(name: string, version: string, level: string, args: PackArgs, initialConfig?: unknown): { serializeBinary(): Uint8Array };
  };
  const realServe = server.serve;
  const served: Served[] = [];
  const home = process.cwd();
  for (const dir of dirs) {
    const before = served.length;
    server.serve = (name, version, enforcementLevel, args, initialConfig) => served.push({ dir, name, version, enforcementLevel, args, initialConfig });
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { main?: string };
    process.chdir(dir);
    require(join(dir, pkg.main ?? "index.js"));
    process.chdir(home);
    if (served.length !== before + 1) fail(`${dir} constructed ${served.length - before} policy packs; a pack constructs exactly one`);
  }
  server.serve = realServe;

  const union = new Map<string, { policy: Policy; pack: string }>();
  for (const s of served) {
    for (const p of s.args.policies ?? []) {
      const seen = union.get(p.name);
      if (!seen) union.set(p.name, { policy: p, pack: s.name });
      else if (seen.policy.validateResource !== p.validateResource || seen.policy.validateStack !== p.validateStack || seen.policy.remediateResource !== p.remediateResource) {
        fail(`policy ${p.name} of ${s.name} is not the policy of the same name in ${seen.pack}; run these packs as separate processes (CHECK_PACK_PROCESSES=separate)`);
      }
    }
  }
  const infos = served.map((s) => ({ dir: s.dir, info: Buffer.from(protoutil.makeAnalyzerInfo(s.name, s.version, s.enforcementLevel, s.args, s.initialConfig).serializeBinary()).toString("base64") }));
  writeFileSync(infosFile, JSON.stringify(infos));
  realServe(UNION_PACK.name, UNION_PACK.version, "mandatory", { policies: [...union.values()].map((u) => u.policy) } as PackArgs);
}

if (require.main === module) {
  process.on("uncaughtException", (err) => fail(err.stack ?? String(err)));
  process.on("unhandledRejection", (err) => fail((err as Error)?.stack ?? String(err)));
  main(process.argv.slice(2));
}
