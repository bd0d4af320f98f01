/**
 * A CommonJS loader for the project's own TypeScript, for the synthesis worker: `.ts` files are
 * transpiled by esbuild (types stripped, no type check; that is `npm run typecheck`) as Node
 * requires them, and nothing else is touched.
 *
 * tsx does the same and more, but it hooks every module load, including the thousands of
 * JavaScript files of the Pulumi SDKs, and turns on source maps, which Pulumi then pays for on
 * every resource (it takes a stack trace to record where each resource was declared). Under tsx
 * a synthesis spends about twice the CPU time. Inline source maps are still emitted, so a run with
 * `--enable-source-maps` (how `synthesize` re-runs a failed program) reports TypeScript lines.
 *
 *   node --require tools/check/dist/ts-require.js <file.ts> ...
 *
 * Built to JavaScript by `npm run build:packs` so that it loads without a TypeScript loader.
 */
import { readFileSync } from "node:fs";
import Module from "node:module";
import { transformSync } from "esbuild";

type Extensions = Record<string, (module: { _compile(code: string, filename: string): void }, filename: string) => void>;

(Module as unknown as { _extensions: Extensions })._extensions[".ts"] = (module, filename) => {
  const { code } = transformSync(readFileSync(filename, "utf8"), {
    loader: "ts",
    format: "cjs",
    target: "node20",
    platform: "node",
    sourcefile: filename,
    sourcemap: "inline",
  });
  module._compile(code, filename);
};
