/**
 * Child-process entry of `synthesize`: reads the request file, runs each synthesis it asks for in
 * turn, and writes each outcome to `<output dir>/<index>.json` as soon as it is known (announced
 * over the IPC channel when there is one, so a caller can use the preview while the update-mode
 * run goes on).
 *
 * Several syntheses share one process: the SDKs are loaded (and compiled, and warmed) once. Each
 * runs in its own Pulumi state (`withLocalStorage`, what the SDK's Automation API uses to run
 * several programs in one process: its own settings, config, mocks and stack), and the program's
 * own modules are loaded afresh for each, as in a new process; only `node_modules` is shared.
 *
 * Unless the request asks for diagnostics (the re-run of a failed program), nothing records where
 * in the source a resource was declared: Pulumi takes an unbounded stack trace per resource and
 * one per internal promise for that, which the engine would get as a source position and which
 * the recorded registrations do not contain. That is a quarter of a synthesis's CPU time.
 */
import { renameSync, readFileSync, writeFileSync } from "node:fs";
import { join, sep } from "node:path";
import { deferSdkClosureModules } from "./sdk-load";
import type { SynthOptions, SynthOutcome } from "./synth";
import type { StackFile } from "./stack-file";

export interface WorkerRequest {
  file: StackFile;
  runs: Omit<SynthOptions, "project">[];
  /** Keep source positions and full stack traces (for a program that failed). */
  diagnostic: boolean;
}

const NODE_MODULES = `${sep}node_modules${sep}`;

async function main() {
  const [input, outDir] = process.argv.slice(2);
  const { file, runs, diagnostic } = JSON.parse(readFileSync(input, "utf8")) as WorkerRequest;
  deferSdkClosureModules();
  const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
  const { withLocalStorage } = require("@pulumi/pulumi/runtime/state") as { withLocalStorage<T>(run: () => Promise<T>): Promise<T> };
  const { synthesizeInProcess } = require("./synth") as typeof import("./synth");
  if (!diagnostic) {
    Error.stackTraceLimit = 0;
    (pulumi.Resource as unknown as { callsites(): unknown[] }).callsites = () => [];
  }
  for (const [i, opts] of runs.entries()) {
    const loaded = new Set(Object.keys(require.cache));
    const outcome: SynthOutcome = await withLocalStorage(() => synthesizeInProcess(file, opts));
    const out = join(outDir, `${i}.json`);
    writeFileSync(`${out}.tmp`, JSON.stringify(outcome));
    renameSync(`${out}.tmp`, out);
    process.send?.(i);
    // The next run loads the program's own modules anew, as a new process would.
    for (const key of Object.keys(require.cache)) if (!loaded.has(key) && !key.includes(NODE_MODULES)) delete require.cache[key];
  }
  // Pulumi's runtime keeps gRPC handles open; the work is done.
  process.exit(0);
}
main().catch((err) => {
  console.error(err);
  process.exit(3);
});
