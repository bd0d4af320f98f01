/**
 * Each model server has its own vLLM API key, and the gateway sends each model only that model's
 * key: a key read from one model's Secret (or leaked from one pod) opens no other model.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { posix } from "node:path";
import { parse } from "yaml";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import type { SynthResult } from "../../../tools/check/synth.js";
import { renderGatewayConfig, renderGatewayDeploymentSpec, vllmApiKeyFiles } from "../../../components/serving/gateway-manifests.js";
import { parseConfig } from "../../../services/gateway/src/config.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

let synth: Record<StackName, SynthResult>;
before(async () => {
  synth = await synthesizeCommitted({ preview: false });
});

describe("the gateway's vLLM keys", () => {
  test("every model's config names its own key file, which holds that model's key and no other", async () => {
    for (const stack of STACKS) {
      const { cfg } = await settingsOf(stack);
      // Two models at least, so a swapped or shared key would show.
      const models = [...cfg.models.map((m) => m.name), "second-model"];
      const keys = Object.fromEntries(models.map((m, i) => [m, `key-${i}-${m}`]));
      const rendered = renderGatewayConfig({ gateway: cfg.gateway, upstreams: Object.fromEntries(models.map((m) => [m, `https://vllm-${m}.inference.svc:8000`])), apiKeys: false, contentLogging: false });
      const parsed = parseConfig(parse(JSON.stringify(rendered)), `${stack} gateway config`);
      const data = vllmApiKeyFiles(models, keys);
      const spec = JSON.parse(JSON.stringify(renderGatewayDeploymentSpec({ image: cfg.gateway.image, configChecksum: "0".repeat(64), apiKeys: false, contentLogging: false, serviceAccountName: "guardrail-gateway", shipperImage: cfg.serving.logShipperImage, names: { config: "c", serverTls: "t", upstreamTls: "u", apiKeys: "k", vllmApiKey: "v", shipperConfig: "s" } }, 2)));
      const volume = spec.template.spec.volumes.find((v: Json) => v.secret?.secretName === "v");
      const mount = spec.template.spec.containers.find((c: Json) => c.name === "gateway").volumeMounts.find((m: Json) => m.name === volume.name);
      assert.equal(parsed.upstream.apiKeyFile, undefined, `${stack}: no key shared by every model`);
      const files = new Set<string>();
      for (const m of parsed.models) {
        assert.ok(m.apiKeyFile, `${stack}: ${m.id} names its key file`);
        assert.equal(posix.dirname(m.apiKeyFile), mount.mountPath, `${stack}: ${m.id}'s key file is in the mounted key Secret`);
        assert.equal(data[posix.basename(m.apiKeyFile)], keys[m.id], `${stack}: ${m.id} reads its own key`);
        files.add(m.apiKeyFile);
      }
      assert.equal(files.size, models.length, `${stack}: no two models share a key file`);
    }
  });

  test("a model without a key is refused", () => {
    assert.throws(() => vllmApiKeyFiles(["a", "b"], { a: "ka" }), /no key for b/);
  });
});

describe("one key per model server in every committed stack", () => {
  for (const stack of STACKS) {
    test(stack, async () => {
      const r = synth[stack];
      const { cfg } = await settingsOf(stack);
      const passwords = ofType(r, "random:index/randomPassword:RandomPassword").filter((p) => p.name.includes("-vllm-api-key"));
      assert.equal(passwords.length, cfg.models.length, "one generated key per model");
      const used = new Set<string>();
      for (const m of cfg.models) {
        const [secret] = ofType(r, "kubernetes:core/v1:Secret").filter((s) => (s.inputs.metadata as { name: string }).name === `vllm-${m.name}-api-key`);
        assert.ok(secret, `${m.name}: its key Secret`);
        const deps = secret.propertyDependencies.stringData ?? [];
        assert.equal(deps.length, 1, `${m.name}: its Secret holds exactly one generated key`);
        assert.ok(deps[0]!.endsWith(`-vllm-api-key-${m.name}`), `${m.name}: holds its own key, not ${deps[0]}`);
        used.add(deps[0]!);
      }
      assert.equal(used.size, cfg.models.length, "no two model servers share a key");
      if (cfg.models.length > 0) {
        const [gatewayKeys] = ofType(r, "kubernetes:core/v1:Secret").filter((s) => s.name.endsWith("-gateway-vllm-api-key"));
        assert.deepEqual([...(gatewayKeys!.propertyDependencies.stringData ?? [])].sort(), [...used].sort(), "the gateway holds every model's key");
      }
    });
  }
});
