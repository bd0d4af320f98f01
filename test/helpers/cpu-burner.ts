/**
 * A bounded CPU burner for tests that must hold on a busy machine: child processes that spin on
 * one core each until stopped, until their parent goes away, or until `maxSeconds` have passed,
 * whichever comes first, so a crashed test never leaves them running.
 */
import { spawn, type ChildProcess } from "node:child_process";

const SPIN = `
const end = Date.now() + Number(process.argv[1]) * 1000;
const parent = process.ppid;
let i = 0;
while (Date.now() < end) {
  if (++i % 1e6 === 0 && process.ppid !== parent) break;
}
`;

export interface Burner {
  /** Number of spinning processes. */
  readonly count: number;
  /** Stops every burner and waits until they are gone. */
  stop(): Promise<void>;
}

/** Starts `count` spinning processes (a load average of about `count` while they run). */
export function burnCpu(count: number, maxSeconds: number): Burner {
  const children: ChildProcess[] = Array.from({ length: count }, () => spawn(process.execPath, ["-e", SPIN, String(maxSeconds)], { stdio: "ignore" }));
  return {
    count,
    async stop() {
      await Promise.all(
        children.map(
          (c) =>
            new Promise<void>((done) => {
              if (c.exitCode !== null || c.signalCode !== null) return done();
              c.once("exit", () => done());
              c.kill("SIGKILL");
            }),
        ),
      );
    },
  };
}
