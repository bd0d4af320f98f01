/** The organisation's network: config refuses client and JWKS ranges that no route reaches, and DNS that cannot be forwarded. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { yamlConfig, rawConfig } from "../helpers/stacks.js";
import { ConfigError, parseStackConfig } from "../../infra/config.js";

function problems(mutate: (c: Record<string, any>) => void): string[] {
  const config = yamlConfig("prod");
  mutate(config);
  const { raw, region } = rawConfig(config);
  try {
    parseStackConfig(raw, region);
    return [];
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
}

test("the committed network reaches its clients and identity provider", () => {
  assert.deepEqual(problems(() => {}), []);
});

test("client and JWKS ranges outside the VPC need a network.onPremises range", () => {
  const out = problems((c) => delete c["sovereign-llm:network"].onPremises);
  assert.ok(out.some((p) => p.startsWith('sovereign-llm:gateway.clientCidrs[0]: "10.200.0.0/16" is not in a network.onPremises range')), out.join("\n"));
  assert.ok(out.some((p) => p.startsWith('sovereign-llm:gateway.oidc.jwksCidrs[0]: "10.200.0.0/16" is not in a network.onPremises range')), out.join("\n"));
  const narrower = problems((c) => (c["sovereign-llm:network"].onPremises.cidrs = ["10.200.0.0/24"]));
  assert.ok(narrower.some((p) => p.includes("clientCidrs[0]")), "a range only partly covered is not reached");
});

test("on-premises ranges must not overlap the VPC; DNS servers must be routed; the JWKS host must be forwarded", () => {
  const out = problems((c) => {
    c["sovereign-llm:network"].onPremises.cidrs = ["10.200.0.0/16", "10.30.128.0/20"];
    c["sovereign-llm:network"].onPremises.dnsResolvers = ["192.168.1.1"];
    c["sovereign-llm:network"].onPremises.dnsDomains = ["corp.example.org"];
  });
  assert.ok(out.some((p) => p.includes('onPremises.cidrs[1]: "10.30.128.0/20" overlaps the VPC range 10.30.0.0/16')), out.join("\n"));
  assert.ok(out.some((p) => p.includes("onPremises.dnsResolvers[0]: 192.168.1.1 is not in network.onPremises.cidrs")), out.join("\n"));
  assert.ok(out.some((p) => p.includes("onPremises.dnsDomains: does not cover sso.example.org")), out.join("\n"));
});

test("a transit gateway id is checked", () => {
  const out = problems((c) => (c["sovereign-llm:network"].onPremises.transitGatewayId = "tgw-xyz"));
  assert.ok(out.some((p) => p.includes('transitGatewayId: "tgw-xyz" is not a transit gateway id')), out.join("\n"));
});
