// Each model server has its own vLLM API key: the gateway sends each model the key of that model
// (its own key file), and the shared upstream key only to models that name none.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { call, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const KEYS = { llama: "key-of-llama-0123456789abcdef", flag: "key-of-flag-fedcba9876543210", shared: "shared-upstream-key-000000000" };

describe("upstream API key per model", () => {
  let h: Harness;
  let token: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), "gateway-upstream-keys-"));
    const file = (name: string, value: string) => {
      const path = join(dir, name);
      writeFileSync(path, `${value}\n`);
      return path;
    };
    h = await startHarness((c) => {
      c.upstream.apiKeyFile = file("shared", KEYS.shared);
      c.models.find((m: { id: string }) => m.id === "llama-3.1-8b").apiKeyFile = file("llama-3.1-8b", KEYS.llama);
      c.models.find((m: { id: string }) => m.id === "llama-flag").apiKeyFile = file("llama-flag", KEYS.flag);
    });
    token = await h.token({ groups: ["clinicians"] });
  });
  after(async () => h.close());

  const sentFor = async (model: string, path = "/v1/chat/completions", body: Record<string, unknown> = { model, messages: [{ role: "user", content: "Hello there" }] }) => {
    const r = await call(h, "POST", path, { token, body });
    assert.equal(r.status, 200, r.text);
    return h.upstream.requests.at(-1)!.headers["authorization"];
  };

  test("each model gets its own key, never another model's", async () => {
    assert.equal(await sentFor("llama-3.1-8b"), `Bearer ${KEYS.llama}`);
    assert.equal(await sentFor("llama-flag"), `Bearer ${KEYS.flag}`);
    assert.equal(await sentFor("llama-3.1-8b"), `Bearer ${KEYS.llama}`, "no key leaks from the previous request");
  });

  test("a model without its own key file gets the shared upstream key", async () => {
    assert.equal(await sentFor("embed", "/v1/embeddings", { model: "embed", input: "hello" }), `Bearer ${KEYS.shared}`);
  });
});
