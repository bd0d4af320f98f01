// The model's S3 prefix as a fetch source: ListObjectsV2 under the prefix, ranged GetObject with
// If-Match on the listed ETag. Used by the node's model cache, the only holder of credentials.
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { fromHttp } from "@aws-sdk/credential-provider-http";
import { awsCall, fail } from "./errors.js";
import { ObjectChangedError } from "./source.js";
import type { ByteRange, Listed, ModelSource } from "./source.js";

export function s3Source(s3: S3Client, bucket: string, prefix: string): ModelSource {
  return {
    location: `s3://${bucket}/${prefix}`,
    errorCode: "AWS_ERROR",
    async list() {
      const out = new Map<string, Listed>();
      let token: string | undefined;
      do {
        const page = await awsCall(`s3:ListObjectsV2 s3://${bucket}/${prefix}`, () =>
          s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ...(token !== undefined ? { ContinuationToken: token } : {}) })),
        );
        for (const o of page.Contents ?? []) {
          if (o.Key === undefined || o.Key.endsWith("/")) continue; // folder markers hold nothing
          out.set(o.Key.slice(prefix.length), { size: o.Size ?? 0, etag: o.ETag ?? "" });
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out;
    },
    async read(name: string, etag: string, range: ByteRange | undefined, signal?: AbortSignal) {
      try {
        const res = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: prefix + name, IfMatch: etag, ...(range !== undefined ? { Range: `bytes=${range.start}-${range.end - 1}` } : {}) }),
          signal !== undefined ? { abortSignal: signal } : {},
        );
        return res.Body as AsyncIterable<Uint8Array>;
      } catch (err) {
        const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
        if (e.$metadata?.httpStatusCode === 412 || e.name === "PreconditionFailed") throw new ObjectChangedError(name);
        throw err;
      }
    },
    close() {
      s3.destroy();
    },
  };
}

/** `s3://bucket/prefix/` -> bucket and prefix (with a trailing slash). */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const m = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])\/(.+)$/.exec(url);
  if (!m) fail("USAGE", `${url} is not s3://<bucket>/<prefix>/`);
  return { bucket: m[1]!, prefix: m[2]!.replace(/\/*$/, "/") };
}

/** The S3 source of a command line: bucket and prefix from the URL, the client from its flags. */
export function openS3Url(args: { source: string; region?: string; endpoint?: string; credentials: "default" | "container" }): ModelSource {
  const { bucket, prefix } = parseS3Url(args.source);
  if (args.credentials === "container" && !process.env["AWS_CONTAINER_CREDENTIALS_FULL_URI"] && !process.env["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"]) {
    fail("AWS_ERROR", "--credentials container: AWS_CONTAINER_CREDENTIALS_FULL_URI is not set, so this container has no Pod Identity credentials (is the service account associated with a role, and is this the container meant to hold them?)");
  }
  const s3 = new S3Client({
    ...(args.region !== undefined ? { region: args.region } : {}),
    // The node's model cache: the Pod Identity agent is the only source. fromHttp accepts only
    // the ECS and EKS container hosts (169.254.170.2, 169.254.170.23) or loopback over HTTP.
    ...(args.credentials === "container" ? { credentials: fromHttp({}) } : {}),
    ...(args.endpoint !== undefined ? { endpoint: args.endpoint, forcePathStyle: true } : {}),
  });
  return s3Source(s3, bucket, prefix);
}
