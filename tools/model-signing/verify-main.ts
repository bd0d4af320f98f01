// Entry point of the verifier: `npm run model:verify -- <dir> --public-key <pem>`, and the file
// that verifierBundle() bundles for the init container. Node builtins only.
import { runVerifyCli } from "./verify-cli.js";

void runVerifyCli(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
