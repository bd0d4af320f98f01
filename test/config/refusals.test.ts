/**
 * Bad stack files as a new user writes them, each run through `npm run check`'s entry point
 * (in process: a bad file is refused before anything slow is loaded): exit 2, every expected
 * problem under its key with what was wrong and the fix, and no message in zod's own words.
 * Good variants of the same classes pass the same validation.
 */
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { main } from "../../tools/check/cli.js";
import { readStackFile } from "../../tools/check/stack-file.js";
import { validateCliConfig } from "../../infra/validate.js";
import { yamlConfig } from "../helpers/stacks.js";

type Config = Record<string, any>;
const NS = "sovereign-llm:";
const DIGEST = "sha256:" + "ab".repeat(32);
const dir = mkdtempSync(join(tmpdir(), "config-refusals-"));
after(() => rmSync(dir, { recursive: true, force: true }));

let counter = 0;
/** Writes a stack file (YAML text, or a document stringified) and returns its stack name. */
function stackFile(doc: string | unknown): string {
  const name = `case${++counter}`;
  writeFileSync(join(dir, `Pulumi.${name}.yaml`), typeof doc === "string" ? doc : stringify(doc));
  return name;
}

function from(stack: string, change: (c: Config) => void = () => undefined): { config: Config } {
  const c = yamlConfig(stack);
  change(c);
  return { config: c };
}

/** A GovCloud stack built from prod: region, zones, partition of ARNs and images all us-gov-west-1. */
function govStack(change: (c: Config) => void = () => undefined): { config: Config } {
  return from("prod", (c) => {
    c["aws:region"] = "us-gov-west-1";
    c[`${NS}residency`] = ["us-gov"];
    c[`${NS}compliance`] = ["fedramp-moderate"];
    c[`${NS}network`].availabilityZones = ["us-gov-west-1a", "us-gov-west-1b", "us-gov-west-1c"];
    c[`${NS}gpuNodeGroups`] = c[`${NS}gpuNodeGroups`].slice(0, 1);
    c[`${NS}storage`].backup.copyRegion = "us-gov-east-1";
    const json = JSON.stringify(c).replaceAll("arn:aws:", "arn:aws-us-gov:").replaceAll(".us-east-1.", ".us-gov-west-1.");
    Object.assign(c, JSON.parse(json));
    change(c);
  });
}

async function check(name: string): Promise<{ code: number; stderr: string; problems: string[] }> {
  let stderr = "";
  const code = await main([name, "--stacks-dir", dir, "--out", join(dir, "out")], { stdout: () => undefined, stderr: (s) => (stderr += s), isTTY: false });
  const problems = stderr.split("\n").filter((l) => l.startsWith("  - ")).map((l) => l.slice(4));
  return { code, stderr, problems };
}

interface Case {
  name: string;
  file: string | { config: Config } | unknown;
  /** [key the problem starts with, fragment of its message]; every one must be present. */
  expect: [string, string | RegExp][];
  /** Text that must not appear anywhere (a problem hidden or misreported). */
  absent?: RegExp;
}

const CASES: Record<string, Case[]> = {
  "a config namespace nobody reads is refused, naming the key": [
    { name: "typo in the project namespace", file: from("dev", (c) => ((c["sovereign-lm:network"] = c[`${NS}network`]), delete c[`${NS}network`])), expect: [["sovereign-lm:network", 'unknown namespace "sovereign-lm"; nothing reads it, so the setting would be silently ignored. Did you mean sovereign-llm:network?'], ["sovereign-llm:network", "is required"]] },
    { name: "namespace without its hyphen", file: from("prod", (c) => (c["sovereignllm:egress"] = { mode: "allowlist" })), expect: [["sovereignllm:egress", "Did you mean sovereign-llm:egress?"]] },
    { name: "a provider that is not used", file: from("dev", (c) => (c["gcp:project"] = "ml")), expect: [["gcp:project", /unknown namespace "gcp".*aws:, random:, tls:/]] },
    { name: "typo in the aws namespace", file: from("dev", (c) => ((c["aws:regoin"] = c["aws:region"]), delete c["aws:region"])), expect: [["aws:regoin", "did you mean aws:region?"], ["aws:region", "is required"]] },
    { name: "kubernetes settings the explicit provider never reads", file: from("staging", (c) => (c["kubernetes:context"] = "prod")), expect: [["kubernetes:context", "kubernetes: settings would be ignored; remove the key"]] },
    { name: "a key without a namespace", file: from("dev", (c) => (c["owner"] = "x")), expect: [["owner", "has no namespace"]] },
    { name: "the default providers the program uses disabled", file: from("dev", (c) => (c["pulumi:disable-default-providers"] = ["aws"])), expect: [["pulumi:disable-default-providers", 'remove "aws" from the list']] },
    { name: "AWS credentials in plain text", file: from("dev", (c) => (c["aws:secretKey"] = "abc")), expect: [["aws:secretKey", "is a credential written in plain text"]] },
  ],
  "CIDRs are parsed, and client and JWKS ranges stay outside the VPC": [
    { name: "impossible prefix on a client CIDR", file: from("prod", (c) => (c[`${NS}gateway`].clientCidrs = ["10.200.0.0/40"])), expect: [["sovereign-llm:gateway.clientCidrs[0]", "has the prefix length /40, but an IPv4 prefix is /0 to /32"]] },
    { name: "impossible prefix on a JWKS CIDR", file: from("prod", (c) => (c[`${NS}gateway`].oidc.jwksCidrs = ["10.200.0.0/33"])), expect: [["sovereign-llm:gateway.oidc.jwksCidrs[0]", "prefix length /33"]] },
    { name: "impossible prefix on a public API CIDR", file: from("dev", (c) => (c[`${NS}cluster`].publicAccessCidrs = ["203.0.113.0/99"])), expect: [["sovereign-llm:cluster.publicAccessCidrs[0]", "prefix length /99"]] },
    { name: "octets out of range", file: from("prod", (c) => (c[`${NS}gateway`].clientCidrs = ["999.1.1.0/24"])), expect: [["sovereign-llm:gateway.clientCidrs[0]", "is not an IPv4 CIDR"]] },
    { name: "host bits set", file: from("prod", (c) => (c[`${NS}gateway`].clientCidrs = ["10.200.7.1/16"])), expect: [["sovereign-llm:gateway.clientCidrs[0]", "use its network address 10.200.0.0/16"]] },
    { name: "client range over the VPC", file: from("prod", (c) => (c[`${NS}gateway`].clientCidrs = ["10.0.0.0/8"])), expect: [["sovereign-llm:gateway.clientCidrs[0]", "overlaps the VPC 10.30.0.0/16"]] },
    { name: "JWKS range inside the VPC", file: from("prod-eu", (c) => (c[`${NS}gateway`].oidc.jwksCidrs = ["10.200.0.0/16", "10.40.8.0/24"])), expect: [["sovereign-llm:gateway.oidc.jwksCidrs[1]", "overlaps the VPC 10.40.0.0/16, so the gateway could reach the stack's own pods"]] },
  ],
  "egress allow-list: mixed scripts and wildcards on public suffixes": [
    { name: "Cyrillic look-alike", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("\u0430pple.com")), expect: [["sovereign-llm:egress.allowedDomains[1]", "mixes Cyrillic and Latin letters"]] },
    { name: "the same look-alike written in punycode", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("xn--pple-43d.com")), expect: [["sovereign-llm:egress.allowedDomains[1]", "mixes Cyrillic and Latin"]] },
    { name: "Greek omicron in a Latin name", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("g\u03bfogle.com")), expect: [["sovereign-llm:egress.allowedDomains[1]", "mixes Latin and Greek"]] },
    { name: "wildcard on a two-label public suffix", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("*.co.uk")), expect: [["sovereign-llm:egress.allowedDomains[1]", "is a wildcard on co.uk, a public suffix"]] },
    { name: "wildcard on a cloud public suffix", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("*.s3.amazonaws.com")), expect: [["sovereign-llm:egress.allowedDomains[1]", "s3.amazonaws.com, a public suffix"]] },
    { name: "wildcard on a hosting public suffix", file: from("dev", (c) => c[`${NS}egress`].allowedDomains.push("*.github.io")), expect: [["sovereign-llm:egress.allowedDomains[1]", "github.io, a public suffix"]] },
  ],
  "role ARNs of another partition than the region's": [
    { name: "GovCloud admin role in us-east-1", file: from("prod", (c) => c[`${NS}access`].adminRoleArns.push("arn:aws-us-gov:iam::777788889999:role/admin")), expect: [["sovereign-llm:access.adminRoleArns[2]", "is in partition aws-us-gov, but aws:region us-east-1 is in partition aws"]] },
    { name: "China role in eu-central-1", file: from("prod-eu", (c) => (c[`${NS}access`].readOnlyRoleArns = ["arn:aws-cn:iam::999988887777:role/ro"])), expect: [["sovereign-llm:access.readOnlyRoleArns[0]", "use arn:aws:iam::999988887777:role/ro"]] },
    { name: "commercial roles in a GovCloud stack", file: govStack((c) => (c[`${NS}access`].adminRoleArns = ["arn:aws:iam::777788889999:role/admin"])), expect: [["sovereign-llm:access.adminRoleArns[0]", "aws:region us-gov-west-1 is in partition aws-us-gov"]] },
  ],
  "gateway rules, OIDC issuer, spot in prod, secrets in plain text": [
    { name: "two rules with one name", file: from("prod", (c) => (c[`${NS}gateway`].rules[1].name = "clinicians")), expect: [["sovereign-llm:gateway.rules[1].name", '"clinicians" is also the name of rules[0]']] },
    { name: "third rule repeating the first", file: from("dev", (c) => c[`${NS}gateway`].rules.push({ name: "x", groups: ["a"], models: ["*"] }, { name: "ml-engineers", groups: ["b"], models: ["*"] })), expect: [["sovereign-llm:gateway.rules[2].name", "give each rule its own name"]] },
    { name: "http issuer", file: from("prod", (c) => (c[`${NS}gateway`].oidc.issuer = "http://sso.example.org/realms/clinical")), expect: [["sovereign-llm:gateway.oidc.issuer", "uses http; the OIDC issuer must be an https:// URL"]] },
    { name: "issuer without a scheme", file: from("staging", (c) => (c[`${NS}gateway`].oidc.issuer = "sso.example.org/realms/ml-staging")), expect: [["sovereign-llm:gateway.oidc.issuer", "is not a URL"]] },
    { name: "issuer with a query", file: from("dev", (c) => (c[`${NS}gateway`].oidc.issuer = "https://sso.example.org/realms/ml-dev?x=1")), expect: [["sovereign-llm:gateway.oidc.issuer", "has a query or fragment"]] },
    { name: "spot GPUs in prod", file: from("prod", (c) => (c[`${NS}gpuNodeGroups`][0].capacityType = "SPOT")), expect: [["sovereign-llm:gpuNodeGroups[0].capacityType", "availability is a control in all four frameworks (HIPAA 164.308(a)(7), GDPR Art. 32(1)(b), SOC 2 A1.2"]] },
    { name: "spot GPUs in prod-eu", file: from("prod-eu", (c) => (c[`${NS}gpuNodeGroups`][0].capacityType = "SPOT")), expect: [["sovereign-llm:gpuNodeGroups[0].capacityType", "use ON_DEMAND or CAPACITY_BLOCK"]] },
    { name: "API key hashes as plain JSON text", file: from("dev", (c) => (c[`${NS}gatewayApiKeyHashes`] = '{"ci":"' + "a".repeat(64) + '"}')), expect: [["sovereign-llm:gatewayApiKeyHashes", "is written in plain text in the stack file"]] },
    { name: "API key hashes as a plain mapping", file: from("prod", (c) => (c[`${NS}gatewayApiKeyHashes`] = { ci: "a".repeat(64) })), expect: [["sovereign-llm:gatewayApiKeyHashes", "pulumi config set --secret"]] },
  ],
  "reported under the right key, all at once": [
    { name: "workload prefix too long", file: from("dev", (c) => (c[`${NS}network`].workloadSubnetPrefix = 24)), expect: [["sovereign-llm:network.workloadSubnetPrefix", "is the number 24; a workload subnet longer than /20"]], absent: /sovereign-llm:network\.cidr/ },
    { name: "workload prefix too short", file: from("prod", (c) => (c[`${NS}network`].workloadSubnetPrefix = 8)), expect: [["sovereign-llm:network.workloadSubnetPrefix", "workload subnets are /17 to /20"]], absent: /sovereign-llm:network\.cidr/ },
    { name: "workload prefix not longer than the VPC's", file: from("prod", (c) => ((c[`${NS}network`].cidr = "10.30.0.0/18"), (c[`${NS}network`].workloadSubnetPrefix = 18))), expect: [["sovereign-llm:network.workloadSubnetPrefix", "not longer than the VPC's /18"]], absent: /sovereign-llm:network\.cidr/ },
    { name: "unknown framework, with other problems", file: from("prod", (c) => ((c[`${NS}compliance`] = ["hipaa", "pci-dss"]), delete c[`${NS}owner`])), expect: [["sovereign-llm:compliance[1]", 'is "pci-dss"; use one of "hipaa", "gdpr", "soc2", "fedramp-moderate"'], ["sovereign-llm:owner", "is required"]], absent: /unknown policy pack/ },
    { name: "misspelt framework", file: from("dev", (c) => (c[`${NS}compliance`] = ["soc-2"])), expect: [["sovereign-llm:compliance[0]", 'did you mean "soc2"?']], absent: /unknown policy pack/ },
    {
      name: "an empty file: every required key at once",
      file: "",
      expect: ["aws:region", "sovereign-llm:environment", "sovereign-llm:owner", "sovereign-llm:dataClassification", "sovereign-llm:residency", "sovereign-llm:compliance", "sovereign-llm:network", "sovereign-llm:cluster", "sovereign-llm:gpuNodeGroups", "sovereign-llm:access", "sovereign-llm:serving", "sovereign-llm:gateway"].map((k) => [k, "is required"] as [string, string]),
    },
    { name: "an empty config: block", file: "config:\n", expect: [["aws:region", "is required"], ["sovereign-llm:gateway", "is required"]] },
    { name: "missing region does not stop the other checks", file: from("prod", (c) => (delete c["aws:region"], (c[`${NS}logging`].auditRetentionDays = 180), (c[`${NS}gateway`].rules[1].name = "clinicians"))), expect: [["aws:region", "is required"], ["sovereign-llm:logging.auditRetentionDays", "at least 365 days"], ["sovereign-llm:gateway.rules[1].name", "is also the name"]] },
    { name: "zone check runs though a sibling key is misspelt", file: from("dev", (c) => ((c[`${NS}network`].availabilityZones = ["us-east-2a", "us-west-2b"]), (c[`${NS}network`].workloadSubnetPrefx = 19))), expect: [["sovereign-llm:network.workloadSubnetPrefx", "did you mean workloadSubnetPrefix?"], ["sovereign-llm:network.availabilityZones[1]", "is not an availability zone of us-east-2"]] },
    { name: "duplicate group names though another group is invalid", file: from("prod", (c) => ((c[`${NS}gpuNodeGroups`][1].name = "l40s-x4"), (c[`${NS}gpuNodeGroups`][1].maxSize = "two"))), expect: [["sovereign-llm:gpuNodeGroups[1].maxSize", 'is "two", not a whole number'], ["sovereign-llm:gpuNodeGroups[1].name", "is used twice"]] },
    { name: "domains with mode none though one domain is invalid", file: from("prod", (c) => (c[`${NS}egress`].allowedDomains = ["updates.bottlerocket.aws", "https://x.example.com/"])), expect: [["sovereign-llm:egress.allowedDomains[1]", "looks like a URL"], ["sovereign-llm:egress.allowedDomains", 'egress.mode is "none"']] },
  ],
  "every message says what was wrong and the fix": [
    { name: "a fraction for a count", file: from("dev", (c) => (c[`${NS}gpuNodeGroups`][0].maxSize = 1.5)), expect: [["sovereign-llm:gpuNodeGroups[0].maxSize", "is 1.5, which is not a whole number; write an integer such as 2"]] },
    { name: "cluster version as a YAML number", file: stringify(from("prod")).replace('version: "1.35"', "version: 1.35"), expect: [["sovereign-llm:cluster.version", 'is the number 1.35: YAML reads an unquoted 1.35 as a number (and 1.30 as 1.3); quote it: "1.35"']] },
    { name: "cluster version 1.30 read as 1.3", file: stringify(from("dev")).replace('version: "1.35"', "version: 1.30"), expect: [["sovereign-llm:cluster.version", 'quote it: one of "1.34", "1.35"']] },
    { name: "upper-case digest", file: from("prod", (c) => (c[`${NS}serving`].vllmImage = c[`${NS}serving`].vllmImage.toUpperCase().replace("SHA256", "sha256").replace(/^[^@]+/, (n: string) => n.toLowerCase()))), expect: [["sovereign-llm:serving.vllmImage", "has upper-case hex digits in its digest; write it in lower case"]], absent: /tag/ },
    { name: "short digest", file: from("staging", (c) => (c[`${NS}gateway`].image = c[`${NS}gateway`].image.slice(0, -20))), expect: [["sovereign-llm:gateway.image", "has a digest of 44 hex digits; a sha256 digest has exactly 64"]], absent: /tag/ },
    { name: "upper-case repository", file: from("dev", (c) => (c[`${NS}serving`].verifierImage = c[`${NS}serving`].verifierImage.replace("mirror/distroless", "mirror/Distroless"))), expect: [["sovereign-llm:serving.verifierImage", "has upper-case letters in its name"]] },
    { name: "environment with a capital", file: from("dev", (c) => (c[`${NS}environment`] = "Prod")), expect: [["sovereign-llm:environment", 'did you mean "prod"?']] },
    { name: "a word for a number", file: from("dev", (c) => (c[`${NS}models`][0].replicas = "two")), expect: [["sovereign-llm:models[0].replicas", 'is "two", not a whole number; write an integer']] },
    { name: "a scalar for a list", file: from("dev", (c) => (c[`${NS}residency`] = "us")), expect: [["sovereign-llm:residency", 'is "us", not a list; write a YAML list']] },
    { name: "an alarm threshold as a word", file: from("prod", (c) => (c[`${NS}monitoring`] = { thresholds: { authFailures: "fifty" } })), expect: [["sovereign-llm:monitoring.thresholds.authFailures", 'is "fifty", not a number; give failed authentications in 5 minutes (default 50)']] },
    { name: "account guards named like the detection strategies", file: from("prod", (c) => (c[`${NS}account`] = { guards: "organization" })), expect: [["sovereign-llm:account.guards", /"verify" \(the organisation sets them; checked at preview\)/]] },
    { name: "account guards as a flag", file: from("dev", (c) => (c[`${NS}account`] = { guards: true, verify: true })), expect: [["sovereign-llm:account.guards", /"create"/], ["sovereign-llm:account.verify", /unknown|not a key|did you mean/i]] },
    { name: "a backup copy region outside the residency", file: from("prod-eu", (c) => (c[`${NS}storage`].backup = { copyRegion: "eu-west-2" })), expect: [["sovereign-llm:storage.backup.copyRegion", /"eu-west-2" lies outside the residency \[eu\]: the copy would take the stack's records out of it; use one of eu-north-1/]] },
    { name: "a backup copy region that is the stack's own", file: from("prod", (c) => (c[`${NS}storage`].backup.copyRegion = "us-east-1")), expect: [["sovereign-llm:storage.backup.copyRegion", /is the stack's own region; a copy there survives no regional outage/]] },
    { name: "backup recovery points kept two days", file: from("dev", (c) => (c[`${NS}storage`].backup = { retentionDays: 2 })), expect: [["sovereign-llm:storage.backup.retentionDays", /keep recovery points at least 7 days/]] },
    { name: "a number below its minimum", file: from("dev", (c) => (c[`${NS}models`][0].startupMinutes = 0)), expect: [["sovereign-llm:models[0].startupMinutes", "is the number 0; it must be at least 1, so raise it"]] },
  ],
  "images the nodes can pull": [
    { name: "Docker Hub in a no-egress prod stack", file: from("prod", (c) => (c[`${NS}serving`].vllmImage = `vllm/vllm-openai@${DIGEST}`)), expect: [["sovereign-llm:serving.vllmImage", 'comes from Docker Hub, but egress.mode is "none"']] },
    { name: "another region's ECR", file: from("prod-eu", (c) => ((c["aws:region"] = "eu-west-1"), (c[`${NS}network`].availabilityZones = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]))), expect: [["sovereign-llm:serving.vllmImage", "comes from an ECR registry in eu-central-1"], ["sovereign-llm:gateway.image", "serve eu-west-1 only"], ["sovereign-llm:cluster.autoscalerImage", "eu-central-1"]] },
    { name: "a public registry for the autoscaler", file: from("staging", (c) => (c[`${NS}cluster`].autoscalerImage = `registry.k8s.io/autoscaling/cluster-autoscaler@${DIGEST}`)), expect: [["sovereign-llm:cluster.autoscalerImage", "comes from the registry registry.k8s.io"]] },
    { name: "Docker Hub not on the allow-list", file: from("dev", (c) => (c[`${NS}serving`].logShipperImage = `fluent/fluent-bit@${DIGEST}`)), expect: [["sovereign-llm:serving.logShipperImage", "registry-1.docker.io is not in egress.allowedDomains"]] },
  ],
  "the stack file's own structure": [
    { name: "top level a list", file: "- config:\n    aws:region: us-east-1\n", expect: [["stacks/Pulumi.", "the top level is a list, not a mapping"]] },
    { name: "top level a scalar", file: "aws:region us-east-1\n", expect: [["stacks/Pulumi.", "the top level is the string"]] },
    { name: "config a list", file: "config:\n  - aws:region: us-east-1\n", expect: [["stacks/Pulumi.", "config is a list, not a mapping"]] },
    { name: "config a string", file: "config: aws:region=us-east-1\n", expect: [["stacks/Pulumi.", "config is the string"]] },
    { name: "config misspelt", file: "confg:\n  aws:region: us-east-1\n", expect: [["stacks/Pulumi.", 'unknown top-level key "confg"']] },
  ],
};

const ZOD_WORDING = /expected \w+, received|Invalid input|Too (big|small)|Invalid option/;

for (const [klass, cases] of Object.entries(CASES)) {
  describe(klass, () => {
    for (const c of cases) {
      test(c.name, async () => {
        const r = await check(stackFile(c.file));
        assert.equal(r.code, 2, r.stderr);
        const lines = r.problems.length > 0 ? r.problems : r.stderr.split("\n");
        for (const [key, fragment] of c.expect) {
          const mine = lines.filter((p) => p.startsWith(`${key}`) || p.includes(`${key}`));
          assert.ok(mine.some((p) => (typeof fragment === "string" ? p.includes(fragment) : fragment.test(p))), `no problem for ${key} says ${String(fragment)}; got:\n  ${r.stderr}`);
        }
        if (c.absent) assert.doesNotMatch(r.stderr, c.absent);
        assert.doesNotMatch(r.stderr, ZOD_WORDING);
        for (const p of r.problems) assert.match(p, /^[a-z][\w-]*(:[^\s]*)?: \S/, `problem does not start with its key: ${p}`);
      });
    }
  });
}

describe("the good variants of the same classes pass", () => {
  const ok = (doc: { config: Config }, secretKeys: string[] = []) => {
    const file = readStackFile(stackFile(doc), dir);
    const r = validateCliConfig({ config: file.config, secretKeys: [...file.secretKeys, ...secretKeys] });
    assert.deepEqual(r.problems, []);
  };
  test("the committed stacks", () => {
    for (const s of ["dev", "staging", "prod", "prod-eu"]) ok(from(s));
  });
  test("API key hashes as a secure: value", () => ok(from("dev", (c) => (c[`${NS}gatewayApiKeyHashes`] = { secure: "v1:AAAA" }))));
  test("a GovCloud stack with GovCloud ARNs and images", () => ok(govStack()));
  test("Docker Hub on the allow-list", () => ok(from("dev", (c) => ((c[`${NS}serving`].logShipperImage = `fluent/fluent-bit@${DIGEST}`), c[`${NS}egress`].allowedDomains.push("registry-1.docker.io")))));
  test("wildcard on a vendor's own domain, and a single-script IDN", () =>
    ok(from("dev", (c) => c[`${NS}egress`].allowedDomains.push("*.bottlerocket.aws", "*.dkr.ecr.us-east-2.amazonaws.com", "пример.рф", "例え.jp"))));
  test("another account's ECR in the stack's region (reached through the same endpoint)", () => ok(from("prod", (c) => (c[`${NS}serving`].vllmImage = c[`${NS}serving`].vllmImage.replace("777788889999", "123456789012")))));
  test("aws provider settings and engine tags", () => ok(from("dev", (c) => ((c["aws:defaultTags"] = { tags: { team: "ml" } }), (c["pulumi:disable-default-providers"] = ["kubernetes"])))));
});
