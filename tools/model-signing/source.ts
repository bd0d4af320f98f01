// Where the one-pass fetcher reads a model from. fetch.ts verifies everything a source says (the
// listing, the signature, every byte), so a source is untrusted by construction: the S3 prefix
// (s3-source.ts, in the node's model cache) and the node-local cache itself (http-source.ts, in
// the vLLM pod's copy step) go through exactly the same checks. Node builtins only.
import type { ErrorCode } from "./errors.js";

/** One object of the model as the source lists it. */
export interface Listed {
  size: number;
  /** Opaque version tag; every read of the object carries it, so two versions are never mixed. */
  etag: string;
}

/** A byte range, end exclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

export interface ModelSource {
  /** Where the model is read from, for messages (`s3://bucket/models/m/`, `http://cache:8080/`). */
  readonly location: string;
  /** Error code for a source that fails or misbehaves (AWS_ERROR for S3, SOURCE_ERROR otherwise). */
  readonly errorCode: ErrorCode;
  /** Every object of the model: name relative to the model root -> size and version tag. */
  list(): Promise<Map<string, Listed>>;
  /**
   * The bytes of one listed object (all of it without `range`), only while it is still at `etag`:
   * a changed object rejects with ObjectChangedError. The body must stop when `signal` aborts.
   */
  read(name: string, etag: string, range: ByteRange | undefined, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array>>;
  /** Releases connections. */
  close(): void;
}

/** The object is no longer at the version the listing gave (a conditional read failed). */
export class ObjectChangedError extends Error {
  constructor(readonly objectName: string) {
    super(`${objectName}: the object changed while being fetched`);
    this.name = "ObjectChangedError";
  }
}
