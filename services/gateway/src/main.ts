// Entry point: node dist/main.js [config path]. The config path defaults to $GATEWAY_CONFIG or
// /etc/gateway/config.yaml. stdout carries audit lines only; operational messages go to stderr.
import { ConfigError, loadConfig } from "./config.js";
import { Gateway } from "./server.js";

async function main(): Promise<void> {
  const path = process.argv[2] ?? process.env["GATEWAY_CONFIG"] ?? "/etc/gateway/config.yaml";
  const config = loadConfig(path);
  const gateway = new Gateway(config);
  const { port, opsPort } = await gateway.start();
  process.stderr.write(`gateway: serving https on ${config.server.host}:${port}, health and metrics on :${opsPort}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`gateway: ${signal} received, draining\n`);
    gateway.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway: ${err instanceof ConfigError ? err.message : `failed to start: ${(err as Error)?.message ?? String(err)}`}\n`);
  process.exit(1);
});
