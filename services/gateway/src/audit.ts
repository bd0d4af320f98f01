// Audit and content logs: two data classes, two sinks. The audit line (who, when, which model,
// what was decided and why, sizes, timings, a hash of the prompt) is written for every request
// and kept long. Prompt and completion text is never in it; when a stack turns content logging
// on, text goes to a separate sink that the platform ships to a short-retention log group.
import { createWriteStream, openSync, renameSync, statSync, type WriteStream } from "node:fs";
import type { Writable } from "node:stream";

export type Decision = "allowed" | "flagged" | "blocked" | "denied" | "rejected" | "rate_limited" | "error" | "not_found";

export interface AuditRecord {
  time: string;
  requestId: string;
  principal: { kind: "oidc" | "apikey" | "anonymous"; id: string; groups?: string[] } | null;
  route: string;
  method: string;
  model: string | null;
  status: number;
  decision: Decision;
  reasons: string[];
  stream: boolean;
  tokens: { prompt: number | null; completion: number | null; total: number | null };
  latencyMs: { total: number; upstream: number | null; gateway: number };
  promptSha256: string | null;
  inputGuard: { source: string; score: number } | null;
  redactions: Record<string, number>;
  clientAddress: string | null;
}

export interface ContentRecord {
  time: string;
  requestId: string;
  principal: string | null;
  model: string | null;
  prompt: string;
  completion: string;
}

export interface LogSink {
  write(line: string): void;
  close(): Promise<void>;
}

export function streamSink(stream: Writable, closeStream = false): LogSink {
  return {
    write: (line) => void stream.write(line + "\n"),
    close: () =>
      new Promise((resolve) => {
        if (!closeStream) return resolve();
        stream.end(() => resolve());
      }),
  };
}

/** Size at which a log file is rotated to `<path>.1` (the previous `.1` is replaced). */
export const DEFAULT_ROTATE_BYTES = 64 * 1024 * 1024;

/**
 * Appends lines to a file, rotating it to `<path>.1` once it would exceed `rotateBytes`, so a
 * log shipper tailing the file (Fluent Bit follows renames) never sees it grow without bound in
 * the pod's size-limited emptyDir.
 */
export function fileSink(path: string, rotateBytes = DEFAULT_ROTATE_BYTES): LogSink {
  const open = (): WriteStream => {
    // Opened synchronously, so the file exists (and can be renamed) before the first write lands.
    const stream = createWriteStream(path, { fd: openSync(path, "a", 0o600) });
    stream.on("error", (err) => process.stderr.write(`gateway: cannot write ${path}: ${err.message}\n`));
    return stream;
  };
  let stream = open();
  let size = 0;
  try {
    size = statSync(path).size;
  } catch {
    size = 0;
  }
  return {
    write: (line) => {
      const data = line + "\n";
      const bytes = Buffer.byteLength(data);
      if (size > 0 && size + bytes > rotateBytes) {
        // Writes already queued on the old stream land in the renamed file: its descriptor stays open.
        stream.end();
        renameSync(path, `${path}.1`);
        stream = open();
        size = 0;
      }
      stream.write(data);
      size += bytes;
    },
    close: () => new Promise((resolve) => stream.end(() => resolve())),
  };
}

export class AuditLog {
  constructor(
    private readonly audit: LogSink,
    private readonly content: LogSink | undefined,
  ) {}

  get contentEnabled(): boolean {
    return this.content !== undefined;
  }

  record(r: AuditRecord): void {
    this.audit.write(JSON.stringify(r));
  }

  recordContent(r: ContentRecord): void {
    this.content?.write(JSON.stringify(r));
  }

  async close(): Promise<void> {
    await this.audit.close();
    await this.content?.close();
  }
}
