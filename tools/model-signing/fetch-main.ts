// Entry point of `npm run model:fetch -- s3://<bucket>/<prefix>/ <dest> --public-key <pem> [options]`.
import { runFetchCli } from "./fetch-cli.js";

void runFetchCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
}).then((code) => {
  process.exitCode = code;
});
