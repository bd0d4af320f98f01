// Entry point of the model cache DaemonSet's container (bundled by bundle.ts cacheBundle()).
import { startCacheCli } from "./cache-cli.js";

const io = { out: (l: string) => process.stdout.write(l + "\n"), err: (l: string) => process.stderr.write(l + "\n") };
void startCacheCli(process.argv.slice(2), io).then(async (r) => {
  if (typeof r === "number") {
    process.exitCode = r;
    return;
  }
  const stop = () => void r.stop().then(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
  const code = await r.done;
  await r.stop();
  process.exit(code);
});
