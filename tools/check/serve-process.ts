/**
 * Starts a process that serves the Analyzer gRPC service and prints its port as the first line of
 * stdout (a policy pack under `run-policy-pack`, or `pack-host`), and waits for that port for as
 * long as the process is alive and working: a process that exits first is reported as dead at
 * once, with its stderr; one that is alive is given up on only by the limits of `start-watch.ts`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { join } from "node:path";
import { StartJudge, cpuSecondsOf, resolveLimits, type StartLimits } from "./start-watch";

/** Raised when a pack cannot be started or fails while analysing (not a policy violation). */
export class PackError extends Error {
  override name = "PackError";
}

/** The built pack host (see pack-host.ts and tools/packs/build.ts). */
export const PACK_HOST = join(__dirname, "dist", "pack-host.js");

export interface ServerOptions {
  limits?: Partial<StartLimits>;
  env?: NodeJS.ProcessEnv;
}

export interface StartedServer {
  child: ChildProcess;
  port: number;
  /** Everything the process has written to stderr, still growing. */
  stderr: string[];
}

/** How often a starting process is looked at. */
const SAMPLE_MS = 500;

/** Spawns `node <argv...>` in `cwd` and resolves with its port once it serves. */
export async function startServer(label: string, argv: string[], cwd: string, opts: ServerOptions = {}): Promise<StartedServer> {
  let limits: StartLimits;
  try {
    limits = resolveLimits(opts.limits, opts.env ?? process.env);
  } catch (err) {
    throw new PackError((err as Error).message);
  }
  const child = spawn(process.execPath, argv, { cwd, stdio: ["ignore", "pipe", "pipe"], env: opts.env ?? process.env });
  const stderr: string[] = [];
  child.stderr!.setEncoding("utf8").on("data", (d: string) => stderr.push(d));
  const port = await new Promise<number>((resolvePort, reject) => {
    let out = "";
    const startedAt = Date.now();
    const judge = new StartJudge(limits);
    const watch = setInterval(() => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      const reason = judge.judge({ wall: (Date.now() - startedAt) / 1000, cpu: cpuSecondsOf(child.pid) });
      if (reason === undefined) return;
      clearInterval(watch);
      child.kill("SIGKILL");
      reject(new PackError(`${label} ${reason}\n${stderr.join("")}`));
    }, SAMPLE_MS);
    const onData = (d: string) => {
      out += d;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearInterval(watch);
      child.stdout!.off("data", onData);
      // Keep draining stdout so a chatty pack never blocks on a full pipe.
      child.stdout!.resume();
      const first = out.slice(0, nl).trim();
      const n = Number(first);
      if (!/^\d+$/.test(first) || n <= 0 || n > 65535) {
        child.kill("SIGKILL");
        reject(new PackError(`${label} wrote "${first}" before its port; a pack must not print to stdout before serving`));
      } else resolvePort(n);
    };
    child.stdout!.setEncoding("utf8").on("data", onData);
    child.on("error", (err) => {
      clearInterval(watch);
      reject(new PackError(`cannot start ${label}: ${err.message}`));
    });
    child.on("exit", (code, signal) => {
      clearInterval(watch);
      reject(new PackError(`${label} exited (${signal ?? `code ${code}`}) before serving:\n${stderr.join("").trim()}`));
    });
  });
  return { child, port, stderr };
}
