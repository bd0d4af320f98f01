// The node-local model cache: downloads one model from its S3 prefix with the one-pass fetcher
// (every byte hashed as it arrives, signature and every digest checked) into a directory named by
// the signed root digest, then serves exactly the verified files (cache-server.ts). It downloads
// again only when the signed version changes: every `recheckMinutes` it reads and verifies the
// prefix's signature (a listing and one small GET) and compares root digests. A signature that does
// not verify, or a version other than the pinned one, is logged and the verified copy kept.
//
// Restarted with its directory still there (the container restarted, the emptyDir kept), it
// re-hashes the copy from disk before serving it again (fetch.ts resumes and never trusts what is
// on disk), so a copy altered in between is refused, not served.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import type { Server } from "node:http";
import type { KeyObject } from "node:crypto";
import { join } from "node:path";
import { SIGNATURE_FILE } from "./format.js";
import { fetchModel, readSignedModel } from "./fetch.js";
import type { FetchResult } from "./fetch.js";
import { createCacheServer } from "./cache-server.js";
import type { ServedFile, ServedModel } from "./cache-server.js";
import type { ModelSource } from "./source.js";

export interface ModelCacheOptions {
  source: ModelSource;
  /** Directory holding the cache: one subdirectory, named by the signed root digest. */
  root: string;
  publicKey: string | Buffer | KeyObject;
  expectName?: string;
  expectDigest?: string;
  concurrency?: number;
  partBytes?: number;
  log?: (line: string) => void;
}

/** What the server hands out for a verified copy: the signed files and the signature, each with its digest as ETag. */
export function servedModelOf(r: Pick<FetchResult, "dest" | "manifest">): ServedModel {
  const files = new Map<string, ServedFile>(r.manifest.map((f) => [f.name, { size: f.size, etag: `"sha256:${f.digest}"` }]));
  const sig = readFileSync(join(r.dest, SIGNATURE_FILE));
  files.set(SIGNATURE_FILE, { size: sig.length, etag: `"sha256:${createHash("sha256").update(sig).digest("hex")}"` });
  return { dir: r.dest, files };
}

export class ModelCache {
  private served: ServedModel | undefined;
  private digest: string | undefined;
  private busy = false;
  constructor(private readonly o: ModelCacheOptions) {}

  /** The model being served, or undefined while none is verified. */
  current(): ServedModel | undefined {
    return this.served;
  }

  /** The signed root digest being served. */
  rootDigest(): string | undefined {
    return this.digest;
  }

  /**
   * Fetches (or re-verifies from disk) the version the source holds now and serves it. Everything
   * in the cache directory but that version is removed once its signature verified, before any
   * weight is fetched: a node holds one copy per model.
   */
  async fill(): Promise<FetchResult> {
    this.served = undefined;
    const r = await fetchModel({
      source: this.o.source,
      publicKey: this.o.publicKey,
      dest: (digest) => {
        for (const e of readdirSync(this.o.root)) if (e !== digest && e !== `${digest}.incoming`) rmSync(join(this.o.root, e), { recursive: true, force: true });
        return join(this.o.root, digest);
      },
      ...(this.o.expectName !== undefined ? { expectName: this.o.expectName } : {}),
      ...(this.o.expectDigest !== undefined ? { expectDigest: this.o.expectDigest } : {}),
      ...(this.o.concurrency !== undefined ? { concurrency: this.o.concurrency } : {}),
      ...(this.o.partBytes !== undefined ? { partBytes: this.o.partBytes } : {}),
    });
    this.served = servedModelOf(r);
    this.digest = r.rootDigest;
    return r;
  }

  /**
   * Reads and verifies the source's signature; fetches again only when it names another version.
   * Returns what happened. A failing check (the source unreachable, a signature that does not
   * verify, another version than the pinned one) keeps the verified copy.
   */
  async recheck(): Promise<"unchanged" | "refetched" | "kept" | "busy"> {
    if (this.busy) return "busy";
    this.busy = true;
    try {
      let next: string;
      try {
        next = (await readSignedModel(this.o.source, this.o.publicKey, this.o)).rootDigest;
      } catch (err) {
        this.o.log?.(`model-cache: keeping sha256:${this.digest}: the source's signature could not be read or verified: ${(err as Error).message}`);
        return "kept";
      }
      if (next === this.digest) return "unchanged";
      this.o.log?.(`model-cache: the signed version changed (sha256:${this.digest} -> sha256:${next}); fetching it`);
      await this.fill();
      return "refetched";
    } finally {
      this.busy = false;
    }
  }

  /** An HTTP server over this cache (listen on it yourself). */
  server(): Server {
    return createCacheServer(() => this.served);
  }
}
