// The output guard catches personal data written in other forms: digit groups separated by
// dots or other punctuation, full-width digits, invisible characters inside a number; streamed
// output too, split anywhere.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { PII_DETECTORS } from "../../../services/gateway/src/config.js";
import { HoldbackRedactor } from "../../../services/gateway/src/holdback.js";
import { createRedactor } from "../../../services/gateway/src/pii.js";
import { call, parseSse, startHarness, type Harness } from "../../../services/gateway/test-support/harness.js";

const redactor = createRedactor({ detectors: [...PII_DETECTORS], patterns: [], replacement: "[REDACTED:{type}]" });
const red = (s: string) => redactor.redact(s).text;

// Values that must not survive, in several renderings each.
const FORMS: [string, string][] = [
  ["card with dots", "4111.1111.1111.1111"],
  ["card with slashes", "4111/1111/1111/1111"],
  ["card with en dashes", "4111\u20131111\u20131111\u20131111"],
  ["card with spaced dashes", "4111 - 1111 - 1111 - 1111"],
  ["card in full-width digits", "４１１１ １１１１ １１１１ １１１１"],
  ["card with zero-width spaces", "4111\u200B1111\u200B1111\u200B1111"],
  ["card with soft hyphens and word joiners", "41\u00AD11\u20601111\u00AD1111\u20601111"],
  ["card with no-break spaces", "4111\u00A01111\u202F1111\u00A01111"],
  ["SSN with dots", "123.45.6789"],
  ["SSN with underscores", "123_45_6789"],
  ["SSN in full-width digits", "１２３-４５-６７８９"],
  ["SSN with a zero-width joiner", "123-4\u200D5-6789"],
  ["phone with slashes", "555/123/4567"],
  ["phone in full-width digits", "(５５５) １２３-４５６７"],
  ["phone with middle dots", "555·123·4567"],
];

describe("PII in other forms", () => {
  test("each form is redacted whole, with the text around it intact", () => {
    for (const [name, value] of FORMS) {
      const out = red(`Before ${value} after.`);
      assert.match(out, /^Before \[REDACTED:[A-Z]+\] after\.$/, `${name}: ${out}`);
    }
  });

  test("look-alikes stay: versions, thousands, dates, short numbers", () => {
    for (const s of ["version 1.2.3", "total 1.234.567", "on 2024.01.15", "room 12.34", "ISBN 978-3-16-148410-0", "ratio 1/2/3"]) {
      assert.equal(red(s), s, s);
    }
  });

  test("streamed: any split of a text holding these forms gives the one-shot result", () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const text = FORMS.map(([, v], i) => `Item ${i}: ${v}.`).join(" ");
    const expected = red(text);
    for (let trial = 0; trial < 200; trial++) {
      const hb = new HoldbackRedactor(redactor, 128);
      let out = "";
      for (let i = 0; i < text.length; ) {
        const n = 1 + rand(12);
        out += hb.push("k", text.slice(i, i + n));
        i += n;
      }
      out += hb.flush("k");
      assert.equal(out, expected, `trial ${trial}`);
    }
  });
});

describe("PII in other forms, through the gateway", () => {
  let h: Harness;
  let token: string;
  before(async () => {
    h = await startHarness();
    token = await h.token();
  });
  after(async () => h.close());

  test("non-streamed and streamed responses, one code point per delta included", async () => {
    for (const [name, value] of FORMS) {
      const reply = `Your number is ${value} as requested.`;
      for (const stream of [false, true]) {
        h.upstream.behaviour = { chunks: stream ? [...reply] : [reply] };
        const r = await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages: [{ role: "user", content: "hi" }], stream } });
        const content = stream ? parseSse(r.text).content : r.json().choices[0].message.content;
        assert.match(content, /^Your number is \[REDACTED:[A-Z]+\] as requested\.$/, `${name}, stream=${stream}: ${content}`);
      }
    }
    h.upstream.behaviour = {};
  });

  test("a long non-streamed answer is redacted throughout", async () => {
    const para = "Nothing to see here in this paragraph of the clinical summary. ";
    const reply = para.repeat(800) + "Card 4111.1111.1111.1111. " + para.repeat(800) + "SSN １２３-４５-６７８９.";
    h.upstream.behaviour = { chunks: [reply] };
    const lines = h.audit.lines.length;
    const r = await call(h, "POST", "/v1/chat/completions", { token, body: { model: "llama-3.1-8b", messages: [{ role: "user", content: "hi" }] } });
    h.upstream.behaviour = {};
    const content: string = r.json().choices[0].message.content;
    assert.equal(content, para.repeat(800) + "Card [REDACTED:CARD]. " + para.repeat(800) + "SSN [REDACTED:SSN].");
    while (h.audit.lines.length === lines) await new Promise((res) => setTimeout(res, 10));
    assert.deepEqual(h.audit.records().at(-1)!["redactions"], { card: 1, ssn: 1 });
  });
});
