// Uploads a signed model directory to its ModelStore prefix with SSE-KMS, showing progress.
import { createReadStream } from "node:fs";
import { DeleteObjectsCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { fail } from "./errors.js";
import { SIGNATURE_FILE } from "./format.js";
import { awsCall } from "./errors.js";
import type { ModelFile } from "./tree.js";

/** Renders "[#####-----]  45%  1.21 GB / 2.68 GB  182.3 MB/s  ETA 8s" on a TTY, or a line per 10% elsewhere. */
export class ProgressBar {
  private loaded = 0;
  private lastRender = 0;
  private lastDecile = -1;
  private readonly started = Date.now();
  private readonly samples: { t: number; bytes: number }[] = [];

  constructor(
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
    private readonly label = "upload",
  ) {}

  add(bytes: number): void {
    this.loaded += bytes;
    const now = Date.now();
    this.samples.push({ t: now, bytes: this.loaded });
    while (this.samples.length > 2 && now - this.samples[0]!.t > 5000) this.samples.shift();
    if (now - this.lastRender >= 100 || this.loaded >= this.total) this.render(now);
  }

  /** Bytes per second over the last few seconds. */
  rate(now = Date.now()): number {
    const first = this.samples[0];
    if (first === undefined || now - first.t < 200) {
      const elapsed = (now - this.started) / 1000;
      return elapsed > 0 ? this.loaded / elapsed : 0;
    }
    return (this.loaded - first.bytes) / ((now - first.t) / 1000);
  }

  render(now = Date.now()): void {
    this.lastRender = now;
    const frac = this.total > 0 ? Math.min(1, this.loaded / this.total) : 1;
    const rate = this.rate(now);
    const eta = rate > 0 ? Math.ceil((this.total - this.loaded) / rate) : 0;
    const text = `${this.label} ${(frac * 100).toFixed(0).padStart(3)}%  ${fmtBytes(this.loaded)} / ${fmtBytes(this.total)}  ${fmtBytes(rate)}/s  ETA ${eta}s`;
    if (this.stream.isTTY) {
      const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - text.length - 4));
      const full = Math.round(frac * width);
      this.stream.write(`\r[${"#".repeat(full)}${"-".repeat(width - full)}] ${text}\x1b[K`);
    } else {
      const decile = Math.floor(frac * 10);
      if (decile !== this.lastDecile) {
        this.lastDecile = decile;
        this.stream.write(text + "\n");
      }
    }
  }

  done(): void {
    this.render();
    if (this.stream.isTTY) this.stream.write("\n");
  }
}

export function fmtBytes(n: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = n;
  let u = 0;
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 2)} ${units[u]}`;
}

export interface UploadOptions {
  s3: S3Client;
  bucket: string;
  /** With a trailing slash. */
  prefix: string;
  /** KMS key id, ARN or alias for SSE-KMS. */
  sseKmsKeyId: string;
  files: readonly ModelFile[];
  bundle: string;
  /** Delete objects under the prefix that are not part of this model version (else refuse). */
  replace: boolean;
  progress?: ProgressBar;
  /** Files uploaded at once (each multipart upload has its own part queue). */
  concurrency?: number;
}

const PART_SIZE = 64 * 1024 * 1024;

async function listPrefix(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall(`s3:ListObjectsV2 s3://${bucket}/${prefix}`, () =>
      s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) })),
    );
    for (const o of page.Contents ?? []) if (o.Key !== undefined) keys.push(o.Key);
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
  return keys;
}

async function deleteKeys(s3: S3Client, bucket: string, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 1000) {
    const batch = keys.slice(i, i + 1000);
    const out = await awsCall(`s3:DeleteObjects s3://${bucket}`, () =>
      s3.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } })),
    );
    if ((out.Errors ?? []).length > 0) fail("AWS_ERROR", `s3:DeleteObjects failed for ${out.Errors![0]!.Key}: ${out.Errors![0]!.Message}`);
  }
}

/**
 * Order: (1) refuse or plan the removal of stale objects, (2) remove the old model.sig so that no
 * pod can start on a half-replaced prefix, (3) upload every file, (4) upload model.sig last,
 * (5) delete the stale objects. A pod that cold-starts in between fails verification (closed).
 */
export async function uploadModel(opts: UploadOptions): Promise<{ keys: string[]; deleted: string[] }> {
  const { s3, bucket, prefix } = opts;
  const sse = { ServerSideEncryption: "aws:kms" as const, SSEKMSKeyId: opts.sseKmsKeyId, BucketKeyEnabled: true };
  const sigKey = prefix + SIGNATURE_FILE;
  const wanted = new Set([...opts.files.map((f) => prefix + f.name), sigKey]);
  const existing = await listPrefix(s3, bucket, prefix);
  const stale = existing.filter((k) => !wanted.has(k));
  if (stale.length > 0 && !opts.replace) {
    fail("PREFIX_NOT_EMPTY", `s3://${bucket}/${prefix} holds ${stale.length} object(s) not in this model (first: ${stale[0]}); pass --replace to remove them`);
  }
  if (existing.includes(sigKey)) await deleteKeys(s3, bucket, [sigKey]);

  const queue = [...opts.files].sort((a, b) => b.size - a.size);
  const worker = async (): Promise<void> => {
    for (let f = queue.shift(); f !== undefined; f = queue.shift()) {
      const file = f;
      let last = 0;
      const upload = new Upload({
        client: s3,
        params: { Bucket: bucket, Key: prefix + file.name, Body: createReadStream(file.path, { highWaterMark: 1024 * 1024 }), ContentLength: file.size, ...sse },
        partSize: PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false,
      });
      upload.on("httpUploadProgress", (p) => {
        const loaded = p.loaded ?? 0;
        opts.progress?.add(Math.max(0, loaded - last));
        last = Math.max(last, loaded);
      });
      await awsCall(`s3 upload s3://${bucket}/${prefix}${file.name}`, () => upload.done());
      if (last < file.size) opts.progress?.add(file.size - last);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 2, opts.files.length)) }, worker));
  await awsCall(`s3:PutObject s3://${bucket}/${sigKey}`, () =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: sigKey, Body: opts.bundle, ContentType: "application/json", ...sse })),
  );
  opts.progress?.done();
  if (stale.length > 0) await deleteKeys(s3, bucket, stale);
  return { keys: [...wanted], deleted: stale };
}
