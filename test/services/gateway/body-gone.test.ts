// A client that hangs up while the gateway is still authenticating its request must not leave
// the body read waiting for ever: the request would stay in flight and never be audited.
import assert from "node:assert/strict";
import { IncomingMessage } from "node:http";
import { Socket } from "node:net";
import { test } from "node:test";
import { discard, readBody } from "../../../services/gateway/src/body.js";

const settledOrPending = <T>(p: Promise<T>) =>
  Promise.race([p.then(() => "resolved", () => "rejected"), new Promise<string>((r) => setTimeout(() => r("pending"), 50))]);

async function goneRequest(): Promise<IncomingMessage> {
  const req = new IncomingMessage(new Socket());
  req.destroy();
  await new Promise((r) => setImmediate(r));
  return req;
}

test("reading the body of a request whose client already hung up fails at once", async () => {
  assert.equal(await settledOrPending(readBody(await goneRequest(), 1024, 1024)), "rejected");
});

test("discarding the body of a request whose client already hung up ends at once", async () => {
  const req = await goneRequest();
  assert.equal(await settledOrPending(discard(req, 1024)), "resolved");
});
