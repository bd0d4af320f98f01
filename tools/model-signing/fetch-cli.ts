// Command line of `npm run model:fetch -- <s3://bucket/prefix/ | http://cache:port/> <dest> --public-key <pem> [options]`.
import { fail } from "./errors.js";
import { COMMON_OPTIONS, openHttpUrl, runFetchCommand } from "./fetch-run.js";
import type { FetchArgs } from "./fetch-run.js";
import { httpSource } from "./http-source.js";
import { openS3Url } from "./s3-source.js";
import type { ModelSource } from "./source.js";
import type { CliIo } from "./verify-cli.js";

export { parseS3Url } from "./s3-source.js";

export const FETCH_USAGE = `usage: model-fetch <s3://<bucket>/<prefix>/ | http://<cache>:<port>/> <dest> --public-key <pem> [options]

Downloads a signed model with parallel ranged GETs, from its S3 prefix or from a node's model
cache, hashing every byte as it arrives, and creates <dest> only when the signature and every file
digest verified (staged in <dest>.incoming, which a new run resumes from).

${COMMON_OPTIONS}
  --region <region>        AWS region (default: the SDK's chain)
  --endpoint-url <url>     S3 endpoint (path-style), e.g. a local S3-compatible server
  --credentials <source>   "default" (the SDK's chain) or "container": only the container
                           credentials endpoint (EKS Pod Identity, AWS_CONTAINER_CREDENTIALS_FULL_URI);
                           never environment keys, profiles or the node's instance profile
  --wait-seconds <n>       http: keep asking a cache that is not ready yet for up to <n> seconds`;

function open(args: FetchArgs): ModelSource {
  if (args.source.startsWith("s3://")) return openS3Url(args);
  if (args.source.startsWith("http://")) return openHttpUrl(args, httpSource);
  fail("USAGE", `${args.source} is neither s3://<bucket>/<prefix>/ nor http://<cache>:<port>/`);
}

export function runFetchCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runFetchCommand(argv, io, { name: "model-fetch", usage: FETCH_USAGE, extra: ["--region", "--endpoint-url", "--credentials", "--wait-seconds"], open });
}
