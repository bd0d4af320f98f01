// Audit and content logs: two data classes, two sinks. The audit line (who, when, which model,
// what was decided and why, sizes, timings, a hash of the prompt) is written for every request
// and kept long. Prompt and completion text is never in it; when a stack turns content logging
// on, text goes to a separate sink that the platform ships to a short-retention log group.
import { createWriteStream, type WriteStream } from "node:fs";
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

export function fileSink(path: string): LogSink {
  const s: WriteStream = createWriteStream(path, { flags: "a", mode: 0o600 });
  s.on("error", (err) => process.stderr.write(`gateway: cannot write ${path}: ${err.message}\n`));
  return streamSink(s, true);
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
