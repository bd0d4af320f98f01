// TLS material read from files mounted by Kubernetes (cert-manager or the platform's CA rotate
// them in place), re-read when a file changes, so rotation needs no restart.
import { readFileSync, statSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import type { GatewayConfig } from "./config.js";

export interface ServerTlsMaterial {
  cert: string;
  key: string;
  minVersion: "TLSv1.2" | "TLSv1.3";
}

export function readServerTls(cfg: GatewayConfig["server"]["tls"]): ServerTlsMaterial {
  return { cert: readFileSync(cfg.certFile, "utf8"), key: readFileSync(cfg.keyFile, "utf8"), minVersion: cfg.minVersion };
}

export function upstreamAgent(cfg: GatewayConfig["upstream"]): HttpsAgent {
  return new HttpsAgent({
    keepAlive: true,
    maxSockets: cfg.maxSockets,
    maxFreeSockets: Math.min(cfg.maxSockets, 64),
    ca: readFileSync(cfg.tls.caFile, "utf8"),
    cert: readFileSync(cfg.tls.certFile, "utf8"),
    key: readFileSync(cfg.tls.keyFile, "utf8"),
    minVersion: "TLSv1.2",
    // Certificates are checked against the CA and the host name; never relaxed.
    rejectUnauthorized: true,
    ...(cfg.tls.serverName ? { servername: cfg.tls.serverName } : {}),
  });
}

/** Watches files by mtime and size; `changed()` is true once after any of them changed. */
export class FileWatcher {
  private stamps: string;

  constructor(private readonly paths: readonly string[]) {
    this.stamps = this.read();
  }

  private read(): string {
    return this.paths
      .map((p) => {
        try {
          const s = statSync(p);
          return `${s.mtimeMs}:${s.size}:${s.ino}`;
        } catch {
          return "missing";
        }
      })
      .join("|");
  }

  changed(): boolean {
    const now = this.read();
    if (now === this.stamps) return false;
    this.stamps = now;
    return true;
  }
}
