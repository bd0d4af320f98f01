/** Child-process entry of `synthesize`: reads the request file, writes the outcome file. */
import { readFileSync, writeFileSync } from "node:fs";
import { synthesizeInProcess } from "./synth";

async function main() {
  const [input, output] = process.argv.slice(2);
  const { file, opts } = JSON.parse(readFileSync(input, "utf8"));
  const outcome = await synthesizeInProcess(file, opts);
  writeFileSync(output, JSON.stringify(outcome));
  // Pulumi's runtime keeps gRPC handles open; the work is done.
  process.exit(0);
}
main().catch((err) => {
  console.error(err);
  process.exit(3);
});
