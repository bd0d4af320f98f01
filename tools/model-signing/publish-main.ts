// Entry point of `npm run model:publish -- <stack> <model> <dir> [options]`.
import { runPublishCli } from "./publish-cli.js";

void runPublishCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(l + "\n"),
  err: (l) => process.stderr.write(l + "\n"),
}).then((code) => {
  process.exitCode = code;
});
