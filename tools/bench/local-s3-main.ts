// `node --import tsx tools/bench/local-s3-main.ts <root> <bucket> <keyPrefix>`: runs the local
// S3-compatible server in its own process (so it does not share an event loop with what it
// serves) and prints its endpoint as the first line of stdout. Stops when stdin closes.
import { startLocalS3 } from "./local-s3.js";

const [root, bucket, keyPrefix] = process.argv.slice(2);
if (root === undefined || bucket === undefined || keyPrefix === undefined) {
  process.stderr.write("usage: local-s3-main <root> <bucket> <keyPrefix>\n");
  process.exit(2);
}
void startLocalS3({ root, bucket, keyPrefix }).then((server) => {
  process.stdout.write(`${server.endpoint}\n`);
  process.stdin.resume();
  process.stdin.on("end", () => void server.close().then(() => process.exit(0)));
});
