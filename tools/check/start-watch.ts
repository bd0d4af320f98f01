/**
 * How long a policy pack may take to start, without a wall-clock deadline that fails correct work
 * on a busy machine.
 *
 * A pack that exits before printing its port died: that is reported at once, with its stderr. A
 * pack that is alive is judged by the CPU time it has used (Linux `/proc/<pid>/stat`), not by the
 * time on the clock: on a machine with a load average of 10 a starting pack gets a fifth of a core
 * and takes five times as long, but it uses the same CPU time. So a pack fails to start only when
 *   - it has used `cpuSeconds` of CPU without serving (it is spinning: a loop, not a slow start), or
 *   - it has used no CPU at all for `idleSeconds` (it is waiting on something that will not come),
 *   - or, only when one is set, `wallSeconds` have passed on the clock.
 * Where CPU time cannot be read (no `/proc`: macOS, Windows) only the wall-clock limit applies,
 * and its default there is generous.
 *
 * Every limit can be set in the environment (seconds): CHECK_PACK_CPU_SECONDS,
 * CHECK_PACK_IDLE_SECONDS, CHECK_PACK_WALL_SECONDS (0 turns a limit off).
 */
import { readFileSync } from "node:fs";

export interface StartLimits {
  /** CPU seconds a pack may use before it serves. Default 300. */
  cpuSeconds: number;
  /** Seconds a pack may go without using any CPU before it serves. Default 120. */
  idleSeconds: number;
  /** Wall-clock seconds; none by default where CPU time can be read, 1800 where it cannot. */
  wallSeconds?: number;
}

export const DEFAULT_LIMITS: StartLimits = { cpuSeconds: 300, idleSeconds: 120 };
/** Wall-clock default used only where the CPU time of a process cannot be read. */
export const WALL_FALLBACK_SECONDS = 1800;

/** Linux exports process times in clock ticks of USER_HZ, which is 100 on every architecture. */
const TICKS_PER_SECOND = 100;

/** The CPU time (user + system, seconds) a live process has used, or undefined where it cannot be read. */
export function cpuSecondsOf(pid: number): number | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  // Fields 14 and 15 of proc(5) (utime, stime) are the 12th and 13th after the command name.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return undefined;
  return (utime + stime) / TICKS_PER_SECOND;
}

function envSeconds(name: string, env: NodeJS.ProcessEnv): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number of seconds (0 turns the limit off), not "${raw}"`);
  return n;
}

/** Limits from explicit options, then the environment, then the defaults. A 0 turns a limit off. */
export function resolveLimits(opts: Partial<StartLimits> = {}, env: NodeJS.ProcessEnv = process.env): StartLimits {
  return {
    cpuSeconds: opts.cpuSeconds ?? envSeconds("CHECK_PACK_CPU_SECONDS", env) ?? DEFAULT_LIMITS.cpuSeconds,
    idleSeconds: opts.idleSeconds ?? envSeconds("CHECK_PACK_IDLE_SECONDS", env) ?? DEFAULT_LIMITS.idleSeconds,
    wallSeconds: opts.wallSeconds ?? envSeconds("CHECK_PACK_WALL_SECONDS", env),
  };
}

/** What the watcher has seen of a starting process at one sample. */
export interface Sample {
  /** Seconds on the clock since the process was started. */
  wall: number;
  /** CPU seconds used so far, or undefined where that cannot be read. */
  cpu: number | undefined;
}

/**
 * Decides, from successive samples, whether a process that has not served yet should be given
 * up on. Pure: the caller samples and acts. Returns the reason, or undefined to keep waiting.
 */
export class StartJudge {
  private lastCpu: number | undefined;
  private lastProgressWall = 0;

  constructor(private readonly limits: StartLimits) {}

  judge(s: Sample): string | undefined {
    const { cpuSeconds, idleSeconds } = this.limits;
    const wallLimit = this.limits.wallSeconds ?? (s.cpu === undefined ? WALL_FALLBACK_SECONDS : 0);
    if (s.cpu !== undefined) {
      if (this.lastCpu === undefined || s.cpu > this.lastCpu) {
        this.lastCpu = s.cpu;
        this.lastProgressWall = s.wall;
      }
      if (cpuSeconds > 0 && s.cpu >= cpuSeconds) {
        return `used ${s.cpu.toFixed(1)}s of CPU (limit ${cpuSeconds}s, CHECK_PACK_CPU_SECONDS) in ${s.wall.toFixed(0)}s without serving`;
      }
      if (idleSeconds > 0 && s.wall - this.lastProgressWall >= idleSeconds) {
        return `is alive but has used no CPU for ${(s.wall - this.lastProgressWall).toFixed(0)}s (limit ${idleSeconds}s, CHECK_PACK_IDLE_SECONDS) without serving`;
      }
    }
    if (wallLimit > 0 && s.wall >= wallLimit) {
      return `did not serve within ${wallLimit}s on the clock (CHECK_PACK_WALL_SECONDS)`;
    }
    return undefined;
  }
}
