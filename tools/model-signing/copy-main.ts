// Entry point of the vLLM pod's copy step (bundled by bundle.ts copierBundle()): the model from
// the node's model cache over http://, verified in the same single pass as model:fetch. It can
// open no other source: the bundle carries no AWS SDK and the pod no credentials.
import { fail } from "./errors.js";
import { COMMON_OPTIONS, openHttpUrl, runFetchCommand } from "./fetch-run.js";
import { httpSource } from "./http-source.js";

export const COPY_USAGE = `usage: model-copy http://<cache>:<port>/ <dest> --public-key <pem> [options]

Copies a signed model from the node's model cache, hashing every byte as it arrives, and creates
<dest> only when the signature (checked with --public-key, never a key from the cache) and every
file digest verified.

${COMMON_OPTIONS}
  --wait-seconds <n>       keep asking a cache that is not ready yet for up to <n> seconds`;

void runFetchCommand(process.argv.slice(2), { out: (l) => process.stdout.write(l + "\n"), err: (l) => process.stderr.write(l + "\n") }, {
  name: "model-copy",
  usage: COPY_USAGE,
  extra: ["--wait-seconds"],
  open: (args) => (args.source.startsWith("http://") ? openHttpUrl(args, httpSource) : fail("USAGE", `${args.source}: model-copy reads only the node's cache (http://)`)),
}).then((code) => {
  process.exitCode = code;
});
