/**
 * A CommonJS loader for the project's own TypeScript, for `npm run check` and its synthesis
 * worker: `.ts` files are transpiled by esbuild (types stripped, no type check; that is
 * `npm run typecheck`) as Node requires them, and nothing else is touched.
 *
 * tsx does the same and more, but it hooks every module load, including the thousands of
 * JavaScript files of the Pulumi SDKs, and turns on source maps, which Pulumi then pays for on
 * every resource (it takes a stack trace to record where each resource was declared). Under tsx
 * a synthesis spends about twice the CPU time. Inline source maps are still emitted, so a run with
 * `--enable-source-maps` (how `synthesize` re-runs a failed program) reports TypeScript lines.
 *
 * Output is cached by content (source, file name, esbuild version and options) under
 * node_modules/.cache/sovereign-llm/ts, so an unchanged file is read rather than transpiled and
 * esbuild is not even started; a stale entry cannot be hit because its key is its input.
 *
 *   node --require tools/check/dist/ts-require.js <file.ts> ...
 *
 * Built to JavaScript by `npm run build:packs` so that it loads without a TypeScript loader.
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import Module from "node:module";
import { join } from "node:path";

type Extensions = Record<string, (module: { _compile(code: string, filename: string): void }, filename: string) => void>;

const OPTIONS = { loader: "ts", format: "cjs", target: "node20", platform: "node", sourcemap: "inline" } as const;
const CACHE = join(__dirname, "..", "..", "..", "node_modules", ".cache", "sovereign-llm", "ts");
let esbuildVersion: string | undefined;

function version(): string {
  esbuildVersion ??= (JSON.parse(readFileSync(require.resolve("esbuild/package.json"), "utf8")) as { version: string }).version;
  return esbuildVersion;
}

function transpile(source: string, filename: string): string {
  const key = createHash("sha256").update(`${version()}\0${JSON.stringify(OPTIONS)}\0${filename}\0${source}`).digest("hex");
  const cached = join(CACHE, `${key}.js`);
  try {
    return readFileSync(cached, "utf8");
  } catch {
    // not cached yet
  }
  const { transformSync } = require("esbuild") as typeof import("esbuild");
  const { code } = transformSync(source, { ...OPTIONS, sourcefile: filename });
  try {
    mkdirSync(CACHE, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    writeFileSync(tmp, code);
    renameSync(tmp, cached);
  } catch {
    // A read-only install still works, uncached.
  }
  return code;
}

(Module as unknown as { _extensions: Extensions })._extensions[".ts"] = (module, filename) => {
  module._compile(transpile(readFileSync(filename, "utf8"), filename), filename);
};
