// Cooperative scheduling for the guards' heavier work: a scan of a large body is split into
// steps of bounded size, and after every few milliseconds of steps the event loop gets a turn,
// so health checks and other clients' requests are served while one large request is scanned.
import { performance } from "node:perf_hooks";

export class Pacer {
  private sliceStart = performance.now();

  /** `sliceMs`: the longest run of work between two turns of the event loop (0 yields at every step). */
  constructor(private readonly sliceMs = 4) {}

  /** Yields to the event loop if this slice has used its time. */
  async tick(): Promise<void> {
    if (performance.now() - this.sliceStart >= this.sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.sliceStart = performance.now();
    }
  }

  /** Runs every step of `steps`, ticking between them. */
  async run(steps: Generator<void>): Promise<void> {
    for (let r = steps.next(); !r.done; r = steps.next()) await this.tick();
  }
}
