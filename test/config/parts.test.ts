/**
 * The pure parts of config validation on their own: image references and registries, allow-list
 * names, namespaces, partial parsing. Each has a passing and a refusing case.
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { z } from "zod";
import { imageRefProblem, imageName, ecrRegistry, pullProblem, allowListMatches } from "../../infra/images.js";
import { mixedScriptProblem, publicSuffixWildcardProblem, scriptsOf } from "../../infra/domains.js";
import { namespaceProblems, providerSettings } from "../../infra/namespaces.js";
import { partialParse, guard, each, MissingKey } from "../../infra/partial.js";

const HEX = "0123456789abcdef".repeat(4);

describe("image references", () => {
  test("a digest reference passes; tag, short, upper-case and other algorithms each get their own message", () => {
    assert.equal(imageRefProblem(`111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/vllm@sha256:${HEX}`), undefined);
    assert.match(imageRefProblem("ghcr.io/org/app:1.2")!, /pinned by the tag "1\.2" only/);
    assert.match(imageRefProblem("ghcr.io/org/app")!, /has no digest/);
    assert.match(imageRefProblem(`ghcr.io/org/app@sha256:${HEX.slice(1)}`)!, /63 hex digits/);
    assert.match(imageRefProblem(`ghcr.io/org/app@sha256:${HEX.toUpperCase()}`)!, /upper-case hex digits in its digest/);
    assert.match(imageRefProblem(`ghcr.io/org/app@sha512:${HEX}${HEX}`)!, /uses a sha512 digest/);
    assert.match(imageRefProblem(`ghcr.io/org/app@SHA256:${HEX}`)!, /write it in lower case: @sha256:/);
    assert.match(imageRefProblem(`nginx@sha256:${HEX}`)!, /names no registry or repository path/);
  });

  test("registries: Docker Hub short names, ECR in commercial, GovCloud and FIPS", () => {
    assert.deepEqual(imageName(`vllm/vllm-openai:v1@sha256:${HEX}`), { registry: "docker.io", repository: "vllm/vllm-openai" });
    assert.deepEqual(imageName(`localhost:5000/a/b@sha256:${HEX}`), { registry: "localhost:5000", repository: "a/b" });
    assert.deepEqual(ecrRegistry("123456789012.dkr.ecr.us-gov-west-1.amazonaws.com"), { account: "123456789012", region: "us-gov-west-1" });
    assert.deepEqual(ecrRegistry("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"), { account: "123456789012", region: "us-east-1" });
    assert.equal(ecrRegistry("public.ecr.aws"), undefined);
  });

  test("pullable from the stack or not", () => {
    const ecr = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/m/x@sha256:${HEX}`;
    assert.equal(pullProblem(ecr, "eu-west-1", { mode: "none", allowedDomains: [] }), undefined);
    assert.match(pullProblem(ecr, "eu-central-1", { mode: "none", allowedDomains: [] })!, /an ECR registry in eu-west-1/);
    assert.match(pullProblem(`public.ecr.aws/x/y@sha256:${HEX}`, "eu-west-1", { mode: "allowlist", allowedDomains: ["*.example.com"] })!, /public\.ecr\.aws is not in egress\.allowedDomains/);
    assert.equal(pullProblem(`public.ecr.aws/x/y@sha256:${HEX}`, "eu-west-1", { mode: "allowlist", allowedDomains: ["public.ecr.aws"] }), undefined);
    assert.ok(allowListMatches("*.example.com", "a.example.com") && !allowListMatches("*.example.com", "example.com") && !allowListMatches("*.example.com", "badexample.com"));
  });
});

describe("allow-list names", () => {
  test("scripts: digits and hyphens belong to none; Japanese mixes are one writing system", () => {
    assert.deepEqual([...scriptsOf("a-1")], ["Latin"]);
    assert.equal(mixedScriptProblem("例え.jp"), undefined);
    assert.equal(mixedScriptProblem("テスト-漢字.jp"), undefined);
    assert.equal(mixedScriptProblem("пример.рф"), undefined);
    assert.match(mixedScriptProblem("пример.com")!, /mixes Cyrillic and Latin/);
    assert.match(mixedScriptProblem("*.bаnk.example")!, /mixes/);
  });

  test("wildcards on public suffixes (ICANN and private sections) and on owned domains", () => {
    assert.match(publicSuffixWildcardProblem("*.com.au")!, /public suffix/);
    assert.match(publicSuffixWildcardProblem("*.blob.core.windows.net")!, /public suffix/);
    assert.equal(publicSuffixWildcardProblem("*.vendor.com.au"), undefined);
    assert.equal(publicSuffixWildcardProblem("co.uk"), undefined, "only wildcards are judged");
  });
});

describe("namespaces", () => {
  test("the installed providers' settings are read from their SDKs", () => {
    assert.ok(providerSettings("aws")!.includes("region"));
    assert.ok(providerSettings("tls")!.includes("proxy"));
    assert.deepEqual(providerSettings("random"), []);
    assert.equal(providerSettings("not-installed-provider"), undefined);
  });

  test("allowed keys pass; each kind of wrong key is named", () => {
    assert.deepEqual(namespaceProblems(["aws:region", "sovereign-llm:x", "tls:proxy", "pulumi:tags"], {}), []);
    const problems = namespaceProblems(["random:length", "pulumi:template", "sovereign_llm:owner"], {});
    assert.match(problems[0], /^random:length: the random provider has no settings/);
    assert.match(problems[1], /^pulumi:template: not an engine setting/);
    assert.match(problems[2], /^sovereign_llm:owner: unknown namespace .*Did you mean sovereign-llm:owner\?/);
    assert.deepEqual(namespaceProblems(["pulumi:disable-default-providers"], { "pulumi:disable-default-providers": '["*"]' }).length, 1);
  });
});

describe("partial parsing", () => {
  const schema = z.strictObject({ a: z.number(), list: z.array(z.strictObject({ n: z.string(), m: z.number() })), d: z.number().default(3) });

  test("keeps what parsed, with defaults; reading what did not throws MissingKey", () => {
    const r = partialParse(schema, { a: "x", list: [{ n: "ok", m: 1 }, { n: "half", m: "bad" }, 7] });
    assert.equal(r.ok, false);
    const cfg = guard((r as { partial: any }).partial);
    assert.equal(cfg.d, 3);
    assert.throws(() => cfg.a, MissingKey);
    assert.equal(cfg.list[1].n, "half");
    assert.throws(() => cfg.list[1].m, MissingKey);
    const seen: string[] = [];
    each(cfg.list, (item: { n: string; m: number }) => seen.push(`${item.n}:${item.m}`));
    assert.deepEqual(seen, ["ok:1"], "the half-parsed and the unparsed item are skipped one by one");
  });

  test("a value that parses whole is returned as is", () => {
    assert.deepEqual(partialParse(schema, { a: 1, list: [] }), { ok: true, value: { a: 1, list: [], d: 3 } });
  });
});
