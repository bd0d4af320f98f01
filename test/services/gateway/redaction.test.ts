// Output guard: detectors and checksums, the hold-back invariant for split values, and redaction
// of streamed and non-streamed responses through the real gateway.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { HoldbackRedactor } from "../../../services/gateway/src/holdback.js";
import { createRedactor, ibanValid, luhnValid } from "../../../services/gateway/src/pii.js";
import { SseSplitter } from "../../../services/gateway/src/sse.js";
import { call, parseSse, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const redactor = createRedactor({
  detectors: ["email", "phone", "ssn", "card", "iban", "ipv4", "ipv6"],
  patterns: [{ name: "mrn", regex: "\\bMRN[:# ]*\\d{6,10}\\b", ignoreCase: true }],
  replacement: "[REDACTED:{type}]",
});
const r = (s: string) => redactor.redact(s).text;

describe("PII detectors", () => {
  test("checksums", () => {
    assert.ok(luhnValid("4111111111111111"));
    assert.ok(!luhnValid("4111111111111112"));
    assert.ok(ibanValid("GB82WEST12345698765432"));
    assert.ok(ibanValid("DE89370400440532013000"));
    assert.ok(!ibanValid("GB82WEST12345698765433"), "bad check digits");
    assert.ok(!ibanValid("DE8937040044053201300"), "wrong length for DE");
  });

  test("each kind is found and replaced", () => {
    assert.equal(r("mail jane.doe+x@mail.example.org now"), "mail [REDACTED:EMAIL] now");
    assert.equal(r("call (555) 123-4567 or +1 555.123.4567"), "call [REDACTED:PHONE] or [REDACTED:PHONE]");
    assert.equal(r("intl +44 20 7946 0958."), "intl [REDACTED:PHONE].");
    assert.equal(r("SSN 123-45-6789 and 123 45 6789"), "SSN [REDACTED:SSN] and [REDACTED:SSN]");
    assert.equal(r("social security number: 123456789"), "social security number: [REDACTED:SSN]");
    assert.equal(r("card 4111 1111 1111 1111, also 5500-0000-0000-0004"), "card [REDACTED:CARD], also [REDACTED:CARD]");
    assert.equal(r("IBAN GB82 WEST 1234 5698 7654 32 ok"), "IBAN [REDACTED:IBAN] ok");
    assert.equal(r("host 10.0.12.7 and fe80::1ff:fe23:4567:890a"), "host [REDACTED:IPV4] and [REDACTED:IPV6]");
    assert.equal(r("patient MRN: 00123456 seen"), "patient [REDACTED:MRN] seen");
  });

  test("look-alikes are left alone", () => {
    for (const s of [
      "card 4111 1111 1111 1112 fails Luhn",
      "IBAN GB82WEST12345698765433 has bad check digits",
      "version 1.2.3 and 300.1.1.1",
      "SSN 000-12-3456 is never issued, nor 666-12-3456",
      "order #12345 shipped in 2024",
      "std::vector and a::b are C++",
      "the ratio is 3:4:5 at 12:30:45",
    ]) {
      assert.equal(r(s), s, s);
    }
  });
});

describe("hold-back redaction of split text", () => {
  const text =
    "Patient Jane (MRN 00123456) can be reached at jane.doe@hospital.example or (555) 123-4567. " +
    "Card 4111 1111 1111 1111 on file; refund to DE89 3704 0044 0532 0130 00. SSN 123-45-6789. " +
    "Server 192.168.10.20 logged fe80::1ff:fe23:4567:890a. Nothing else.";

  // Deterministic pseudo-random split points.
  function* splits(seed: number): Generator<number> {
    let x = seed;
    for (;;) {
      x = (x * 1103515245 + 12345) % 2147483648;
      yield 1 + (x % 9);
    }
  }

  test("concatenated output equals one-shot redaction for every split (fuzzed, 300 splittings)", () => {
    const expected = r(text);
    assert.ok(!/jane\.doe|4111|123-45|00123456|192\.168|fe80|3704/.test(expected));
    for (let seed = 1; seed <= 300; seed++) {
      const h = new HoldbackRedactor(redactor, 96);
      const gen = splits(seed);
      let out = "";
      for (let i = 0; i < text.length; ) {
        const n = gen.next().value as number;
        out += h.push("k", text.slice(i, i + n));
        i += n;
      }
      out += h.flush("k");
      assert.equal(out, expected, `seed ${seed}`);
    }
  });

  test("one character at a time, and nothing sensitive is ever released early", () => {
    const h = new HoldbackRedactor(redactor, 96);
    let out = "";
    for (const ch of text) {
      out += h.push("k", ch);
      assert.ok(!/jane\.doe@|4111 1111|123-45-6789/.test(out), out);
    }
    out += h.flush("k");
    assert.equal(out, r(text));
  });

  test("a long unbroken token is held rather than cut, up to four windows", () => {
    const h = new HoldbackRedactor(redactor, 48);
    const email = "a".repeat(60) + "@mail." + "b".repeat(40) + ".example.com";
    assert.ok(email.length > 48 * 2);
    let out = h.push("k", "x " + email.slice(0, 80));
    assert.equal(out, "x ", "the token itself is held, not cut");
    out += h.push("k", email.slice(80) + " done");
    out += h.flush("k");
    assert.equal(out, "x [REDACTED:EMAIL] done");
  });

  test("SSE splitter reassembles events split anywhere, including inside UTF-8 sequences", () => {
    const stream = Buffer.from('data: {"a":"héllo ✓"}\n\ndata: [DONE]\n\n', "utf8");
    for (let cut = 1; cut < stream.length; cut++) {
      const s = new SseSplitter();
      const events = [...s.push(stream.subarray(0, cut)), ...s.push(stream.subarray(cut)), ...s.end()];
      assert.deepEqual(events, ['data: {"a":"héllo ✓"}', "data: [DONE]"], `cut ${cut}`);
    }
  });
});

describe("redaction through the gateway", () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness((c) => {
      c.outputGuard = { patterns: [{ name: "mrn", regex: "\\bMRN[:# ]*\\d{6,10}\\b", ignoreCase: true }] };
    });
    token = await h.token();
  });
  after(async () => h.close());
  const body = (stream: boolean) => ({ model: "llama-3.1-8b", messages: [{ role: "user", content: "details please" }], stream });

  test("non-streamed: every value redacted, counts in the audit line", async () => {
    h.upstream.behaviour = { chunks: ["Email jane.doe@hospital.example, card 4111 1111 1111 1111, MRN: 00123456."] };
    const res = await call(h, "POST", "/v1/chat/completions", { token, body: body(false) });
    const content = res.json().choices[0].message.content;
    assert.equal(content, "Email [REDACTED:EMAIL], card [REDACTED:CARD], [REDACTED:MRN].");
    assert.deepEqual(h.audit.records().at(-1)!["redactions"], { email: 1, card: 1, mrn: 1 });
  });

  test("streamed: values split across deltas and across TCP writes are redacted, framing intact", async () => {
    const deltas = ["Contact jo", "hn.smi", "th@exa", "mple.com or call (5", "55) 12", "3-45", "67. Card 41", "11 1111 11", "11 1111 and SSN 12", "3-45-67", "89", ". IBAN GB82 WE", "ST 1234 5698 7654 32", " end."];
    h.upstream.behaviour = { chunks: deltas, splitEventsAt: 17 };
    const res = await call(h, "POST", "/v1/chat/completions", { token, body: body(true) });
    h.upstream.behaviour = {};
    const sse = parseSse(res.text);
    assert.ok(sse.wellFormed, res.text);
    assert.equal(sse.events.at(-1), "[DONE]");
    assert.equal(sse.content, "Contact [REDACTED:EMAIL] or call [REDACTED:PHONE]. Card [REDACTED:CARD] and SSN [REDACTED:SSN]. IBAN [REDACTED:IBAN] end.");
    assert.doesNotMatch(res.text, /john|smith|4111|1111 1111|6789|WEST|5698/);
    assert.deepEqual(h.audit.records().at(-1)!["redactions"], { email: 1, phone: 1, card: 1, ssn: 1, iban: 1 });
  });

  test("streamed completions endpoint too, with text held until the final chunk", async () => {
    h.upstream.behaviour = { chunks: ["ip is 10.", "1.2", ".3"] };
    const res = await call(h, "POST", "/v1/completions", { token, body: { model: "llama-3.1-8b", prompt: "ip?", stream: true } });
    h.upstream.behaviour = {};
    const sse = parseSse(res.text);
    assert.ok(sse.wellFormed);
    assert.equal(sse.content, "ip is [REDACTED:IPV4]");
  });

  test("token-level side channels are stripped from responses", async () => {
    h.upstream.behaviour = { chunks: ["x"], extra: { prompt_logprobs: [{ "1": { logprob: -1, decoded_token: "secret" } }], prompt_token_ids: [1, 2, 3] } };
    const res = await call(h, "POST", "/v1/chat/completions", { token, body: body(false) });
    h.upstream.behaviour = {};
    const j = res.json();
    assert.equal(j.prompt_logprobs, undefined);
    assert.equal(j.prompt_token_ids, undefined);
    assert.equal(j.choices[0].logprobs, null);
  });
});
