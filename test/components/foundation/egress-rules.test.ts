/** Egress allow-list: domain normalisation and the Suricata rules the Network Firewall runs. */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { normaliseDomain, normaliseDomains, renderAllowRules, FIRST_SID } from "../../../components/network/egress-rules.js";

describe("normaliseDomain accepts and normalises", () => {
  const cases: [string, string, boolean][] = [
    ["example.com", "example.com", false],
    ["api.example.com", "api.example.com", false],
    ["*.example.com", "example.com", true],
    ["Updates.Bottlerocket.AWS", "updates.bottlerocket.aws", false],
    ["*.EXAMPLE.com", "example.com", true],
    ["example.com.", "example.com", false],
    ["*.example.com.", "example.com", true],
    ["  example.com  ", "example.com", false],
    ["bücher.example", "xn--bcher-kva.example", false],
    ["*.münchen.de", "xn--mnchen-3ya.de", true],
    ["BÜCHER.example", "xn--bcher-kva.example", false],
    ["a-b.example.com", "a-b.example.com", false],
  ];
  for (const [entry, domain, wildcard] of cases) {
    test(`${JSON.stringify(entry)} → ${wildcard ? "*." : ""}${domain}`, () => {
      assert.deepEqual(normaliseDomain(entry), { ok: true, value: { domain, wildcard } });
    });
  }
});

describe("normaliseDomain rejects, saying why", () => {
  const cases: [string, RegExp][] = [
    ["https://example.com", /looks like a URL/],
    ["example.com/path", /looks like a URL/],
    ["user@example.com", /looks like a URL/],
    ["203.0.113.10", /is an IP address/],
    ["2001:db8::1", /has a port or is an IPv6 address/],
    ["example.com:443", /has a port/],
    ["*", /allows everything/],
    ["*.", /allows everything/],
    ["", /is empty/],
    ["   ", /is empty/],
    ["a..example.com", /empty label/],
    [".example.com", /empty label/],
    ["*.*.example.com", /wildcard that is not the whole leftmost label/],
    ["api*.example.com", /wildcard that is not the whole leftmost label/],
    ["localhost", /single label/],
    ["*.com", /single label/],
    ["-bad.example.com", /invalid label "-bad"/],
    ["bad-.example.com", /invalid label "bad-"/],
    ["under_score.example.com", /invalid label/],
    [`${"a".repeat(64)}.example.com`, /invalid label/],
    ["example.123", /numeric top-level label|not a valid internationalised domain name/],
  ];
  for (const [entry, why] of cases) {
    test(JSON.stringify(entry), () => {
      const r = normaliseDomain(entry);
      assert.equal(r.ok, false, `${entry} was accepted`);
      if (!r.ok) {
        assert.match(r.error, why);
        assert.ok(r.error.startsWith(`"${entry}"`), `the error quotes the entry: ${r.error}`);
      }
    });
  }
});

describe("normaliseDomains", () => {
  test("drops duplicates after normalisation and sorts", () => {
    const { domains, errors } = normaliseDomains(["b.example.com", "*.a.example.com", "B.Example.com.", "a.example.com"]);
    assert.deepEqual(errors, []);
    assert.deepEqual(domains, [
      { domain: "a.example.com", wildcard: true },
      { domain: "a.example.com", wildcard: false },
      { domain: "b.example.com", wildcard: false },
    ]);
  });
  test("collects every error", () => {
    const { domains, errors } = normaliseDomains(["ok.example.com", "*", "10.0.0.1", "http://x.example.com"]);
    assert.equal(domains.length, 1);
    assert.equal(errors.length, 3);
  });
});

describe("renderAllowRules", () => {
  const entries = ["updates.bottlerocket.aws", "*.amazonaws.com", "pypi.org", "*.example.org"];
  const rules = renderAllowRules(normaliseDomains(entries).domains).split("\n");

  test("two rules (tls and http) per domain, each passing to_server established flows", () => {
    assert.equal(rules.length, entries.length * 2);
    for (const r of rules) {
      assert.match(r, /^pass (tls|http) \$HOME_NET any -> \$EXTERNAL_NET (443|80) \(/);
      assert.match(r, /flow:to_server, established;/);
      assert.match(r, /rev:1;\)$/);
    }
    assert.equal(rules.filter((r) => r.startsWith("pass tls ") && r.includes("-> $EXTERNAL_NET 443 ")).length, entries.length);
    assert.equal(rules.filter((r) => r.startsWith("pass http ") && r.includes("-> $EXTERNAL_NET 80 ")).length, entries.length);
  });

  test("sids are unique and start at FIRST_SID", () => {
    const sids = rules.map((r) => Number(/sid:(\d+);/.exec(r)?.[1]));
    assert.equal(new Set(sids).size, sids.length);
    assert.equal(Math.min(...sids), FIRST_SID);
    assert.ok(sids.every((s) => Number.isInteger(s) && s >= FIRST_SID));
  });

  test("an exact domain matches the whole name: startswith + endswith", () => {
    const tls = rules.find((r) => r.includes('msg:"egress allow tls pypi.org"'))!;
    assert.match(tls, /tls\.sni; content:"pypi\.org"; nocase; startswith; endswith;/);
    assert.doesNotMatch(tls, /dotprefix/);
    const http = rules.find((r) => r.includes('msg:"egress allow http pypi.org"'))!;
    assert.match(http, /http\.host; content:"pypi\.org"; startswith; endswith;/);
  });

  test("a wildcard matches subdomains only: dotprefix + endswith on .domain", () => {
    const tls = rules.find((r) => r.includes('msg:"egress allow tls *.example.org"'))!;
    assert.match(tls, /tls\.sni; dotprefix; content:"\.example\.org"; nocase; endswith;/);
    assert.doesNotMatch(tls, /startswith/);
    const http = rules.find((r) => r.includes('msg:"egress allow http *.example.org"'))!;
    assert.match(http, /http\.host; dotprefix; content:"\.example\.org"; endswith;/);
  });

  test("order (and so every sid) does not depend on the order of the config list", () => {
    const shuffled = [...entries].reverse();
    const again = renderAllowRules(normaliseDomains(["PyPI.org.", ...shuffled]).domains);
    assert.equal(again, rules.join("\n"));
  });

  test("an empty list renders no rule (the policy's default drop applies)", () => {
    assert.equal(renderAllowRules([]), "");
  });
});
