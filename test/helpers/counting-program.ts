/**
 * A Pulumi program for synthesis tests: records the type of every resource the real program
 * (infra/index.ts) registers, one per line, in the file named by SOVEREIGN_TEST_REGISTRATIONS,
 * so a test can tell "no resource was declared" from "the outcome had no room to say".
 * The stack resource may or may not be counted, depending on when its registration is sent.
 */
import { appendFileSync } from "node:fs";

const out = process.env.SOVEREIGN_TEST_REGISTRATIONS;
if (!out) throw new Error("SOVEREIGN_TEST_REGISTRATIONS is not set");
const settings = require("@pulumi/pulumi/runtime/settings") as { getMonitor(): { registerResource: (req: any, cb: (err: unknown, resp: unknown) => void) => void } };
const monitor = settings.getMonitor();
const original = monitor.registerResource.bind(monitor);
monitor.registerResource = (req: any, cb: (err: unknown, resp: unknown) => void) => {
  appendFileSync(out, `${req.getType()}\n`);
  original(req, cb);
};
module.exports = require("../../infra/index");
