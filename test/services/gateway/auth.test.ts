// Authentication and authorisation over real HTTPS on loopback: every known bypass attempt,
// API keys, and the model grants.
import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { SignJWT, base64url } from "jose";
import { API_KEY, OTHER_API_KEY, call, makeSigningKey, signToken, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const chat = (model = "llama-3.1-8b") => ({ model, messages: [{ role: "user", content: "Hello there" }] });

describe("gateway authentication", () => {
  let h: Harness;
  before(async () => {
    h = await startHarness();
  });
  after(async () => h.close());

  const post = (token: string | undefined, body: unknown = chat()) => call(h, "POST", "/v1/chat/completions", { token, body });
  const lastAudit = () => h.audit.records().at(-1)!;

  async function assertRejected(token: string | undefined, reason: RegExp): Promise<void> {
    const before = h.upstream.requests.length;
    const r = await post(token);
    assert.equal(r.status, 401, r.text);
    assert.equal(r.json().error.type, "authentication_error");
    assert.match(String(r.headers["www-authenticate"]), /^Bearer/);
    assert.equal(h.upstream.requests.length, before, "a rejected request must never reach the model server");
    const a = lastAudit();
    assert.equal(a["decision"], "denied");
    assert.match((a["reasons"] as string[]).join(","), reason);
  }

  test("a valid RS256 token from the issuer is accepted", async () => {
    const r = await post(await h.token());
    assert.equal(r.status, 200, r.text);
    assert.equal(lastAudit()["principal"] && (lastAudit()["principal"] as any).id, "oidc:alice");
  });

  test("no token", async () => {
    await assertRejected(undefined, /no_credentials/);
  });

  test("not a bearer scheme", async () => {
    const r = await call(h, "POST", "/v1/chat/completions", { body: chat(), headers: { authorization: `Basic ${Buffer.from("a:b").toString("base64")}` } });
    assert.equal(r.status, 401);
  });

  test("alg none (unsigned token)", async () => {
    const header = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT", kid: "key-1" }));
    const now = Math.floor(Date.now() / 1000);
    const payload = base64url.encode(JSON.stringify({ sub: "mallory", groups: ["clinicians"], iss: "https://idp.test/realms/hospital", aud: "sovereign-llm-gateway", exp: now + 300, iat: now }));
    await assertRejected(`${header}.${payload}.`, /jwt_alg_not_allowed/);
  });

  test("HS256 signed with the issuer's public key as HMAC secret", async () => {
    const jwk = h.key.publicJwk;
    const secret = new TextEncoder().encode(JSON.stringify(jwk));
    const pem = (await import("node:crypto")).createPublicKey({ key: jwk as any, format: "jwk" }).export({ type: "spki", format: "pem" });
    for (const s of [secret, new TextEncoder().encode(String(pem))]) {
      const forged = await new SignJWT({ sub: "mallory", groups: ["clinicians"] })
        .setProtectedHeader({ alg: "HS256", kid: "key-1" })
        .setIssuer("https://idp.test/realms/hospital")
        .setAudience("sovereign-llm-gateway")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(s);
      await assertRejected(forged, /jwt_alg_not_allowed/);
    }
  });

  test("expired token (beyond the clock tolerance)", async () => {
    const now = Math.floor(Date.now() / 1000);
    await assertRejected(await h.token({}, { expiresIn: now - 120 }), /jwt_expired/);
  });

  test("token within the clock tolerance is accepted, nbf in the future is not", async () => {
    const now = Math.floor(Date.now() / 1000);
    const r = await post(await h.token({}, { expiresIn: now - 5 }));
    assert.equal(r.status, 200, "5 s past exp is inside the 30 s tolerance");
    await assertRejected(await h.token({}, { notBefore: now + 600 }), /jwt_claim_nbf/);
  });

  test("wrong audience", async () => {
    await assertRejected(await h.token({}, { audience: "some-other-api" }), /jwt_claim_aud/);
  });

  test("wrong issuer", async () => {
    await assertRejected(await h.token({}, { issuer: "https://evil.example/" }), /jwt_claim_iss/);
  });

  test("unknown kid signed by a key the issuer never published", async () => {
    const rogue = await makeSigningKey("rogue-kid", "RS256");
    await assertRejected(await signToken(rogue, {}), /jwt_unknown_kid/);
  });

  test("a known kid but a different key (signature mismatch)", async () => {
    const rogue = await makeSigningKey("key-1", "RS256");
    await assertRejected(await signToken(rogue, {}), /jwt_bad_signature/);
  });

  test("tampered payload (groups escalated after signing)", async () => {
    const good = await h.token({ groups: ["nurses"] });
    const [hdr, , sig] = good.split(".");
    const payload = JSON.parse(Buffer.from(good.split(".")[1]!, "base64url").toString("utf8"));
    payload.groups = ["clinicians"];
    payload.sub = "admin";
    await assertRejected(`${hdr}.${base64url.encode(JSON.stringify(payload))}.${sig}`, /jwt_bad_signature/);
  });

  test("key rotation: a new kid is fetched from the JWKS on first sight", async () => {
    const rotated = await makeSigningKey("key-2", "ES256");
    h.idp.keys = [h.key, rotated];
    const fetchesBefore = h.idp.fetches;
    const r = await post(await signToken(rotated, {}));
    assert.equal(r.status, 200, r.text);
    assert.ok(h.idp.fetches > fetchesBefore, "the JWKS was refetched for the unknown kid");
  });

  test("token without exp is refused", async () => {
    const t = await new SignJWT({ sub: "alice", groups: ["clinicians"] })
      .setProtectedHeader({ alg: "RS256", kid: "key-1" })
      .setIssuer("https://idp.test/realms/hospital")
      .setAudience("sovereign-llm-gateway")
      .sign(h.key.privateKey);
    await assertRejected(t, /jwt_claim_exp|jwt_/);
  });

  test("RS256 token signed with a locally generated key and an embedded jwk header is refused", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const t = await new SignJWT({ sub: "mallory", groups: ["clinicians"] })
      .setProtectedHeader({ alg: "RS256", jwk: publicKey.export({ format: "jwk" }) as any })
      .setIssuer("https://idp.test/realms/hospital")
      .setAudience("sovereign-llm-gateway")
      .setIssuedAt()
      .setExpirationTime("5m")
      .sign(privateKey);
    await assertRejected(t, /jwt_/);
  });

  test("API key: valid, unknown, and almost-right keys", async () => {
    assert.equal((await post(API_KEY)).status, 200);
    assert.equal((lastAudit()["principal"] as any).id, "apikey:batch-job");
    await assertRejected("sk-not-a-real-key-000000000000000000000000000000", /unknown_api_key/);
    await assertRejected(API_KEY.slice(0, -1) + "X", /unknown_api_key/);
    await assertRejected(API_KEY + " extra", /malformed_authorization/);
  });

  test("authorisation: a principal gets only its granted models, and unknown looks the same as forbidden", async () => {
    const nurse = await h.token({ groups: ["nurses"] });
    const denied = await post(nurse);
    assert.equal(denied.status, 404);
    assert.equal(denied.json().error.code, "model_not_found");
    assert.equal(lastAudit()["decision"], "denied");
    const unknown = await post(await h.token(), chat("no-such-model"));
    assert.equal(unknown.status, 404);
    assert.equal(unknown.json().error.message.replace("no-such-model", "X"), denied.json().error.message.replace("llama-3.1-8b", "X"));
    // other-job has a valid key but no rule: default deny.
    assert.equal((await post(OTHER_API_KEY)).status, 404);
    // Claim-based rule.
    assert.equal((await post(await h.token({ groups: [], department: "radiology" }), chat("restricted-model"))).status, 200);
    assert.equal((await post(await h.token(), chat("restricted-model"))).status, 404);
  });

  test("/v1/models lists only the caller's models", async () => {
    const r = await call(h, "GET", "/v1/models", { token: await h.token() });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json().data.map((m: any) => m.id).sort(), ["embed", "llama-3.1-8b", "llama-flag"]);
    const k = await call(h, "GET", "/v1/models", { token: API_KEY });
    assert.equal(k.json().data.length, 4);
    assert.equal((await call(h, "GET", "/v1/models")).status, 401);
  });
});
