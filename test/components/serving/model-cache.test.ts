// The node-local model cache's Kubernetes objects for every committed stack's models: where it
// runs, what it holds, how it is reached; validated against the Kubernetes OpenAPI schema.
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { STACKS, settingsOf } from "../../helpers/stacks.js";
import type { ModelConfig } from "../../../infra/schema.js";
import {
  CACHE_PORT,
  cacheMemoryMiB,
  cacheResourceName,
  cacheSelectorLabels,
  renderCacheDaemonSetSpec,
  renderCacheEgressPolicySpec,
  renderCacheIngressPolicySpec,
  renderCacheServiceSpec,
  type CacheDaemonSetInput,
} from "../../../components/serving/model-cache-manifests.js";
import { renderDeploymentSpec, selectorLabels, type VllmManifestInput } from "../../../components/serving/manifests.js";
import { POD_IDENTITY_AGENT_CIDR } from "../../../components/cluster/pod-identity.js";
import { restrictedViolations } from "../../helpers/pod-security.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const plain = (v: unknown): Json => JSON.parse(JSON.stringify(v));

interface Case { stack: string; model: ModelConfig; input: CacheDaemonSetInput; server: VllmManifestInput }
const cases: Case[] = [];
before(async () => {
  for (const stack of STACKS) {
    const { cfg, region } = await settingsOf(stack);
    for (const model of cfg.models) {
      const group = cfg.gpuNodeGroups.find((g) => g.name === model.nodeGroup)!;
      cases.push({
        stack,
        model,
        input: { model, image: cfg.serving.verifierImage, bucket: "models-bucket", region, fetchConcurrency: 24, partMiB: 16, scriptConfigMapName: `model-cache-${model.name}-script`, signingKeyConfigMapName: `vllm-${model.name}-signing-key`, signingKeyFile: "public-key.pem" },
        server: {
          resourceName: `vllm-${model.name}`, model, instanceTypes: group.instanceTypes, images: { vllm: cfg.serving.vllmImage, verifier: cfg.serving.verifierImage },
          serviceAccountName: `vllm-${model.name}`, tlsSecretName: "t", apiKeySecretName: "a", apiKeySecretKey: "k", copierConfigMapName: "c", signingKeyConfigMapName: "s", loadPath: { volumeMiBps: 125 },
        },
      });
    }
  }
});

describe("model cache DaemonSet", () => {
  test("runs on the model's node group only, as its servers do, eagerly (a DaemonSet), restricted", () => {
    for (const c of cases) {
      const ds = plain(renderCacheDaemonSetSpec(c.input));
      const server = plain(renderDeploymentSpec(c.server)).template.spec;
      assert.deepEqual(ds.template.spec.nodeSelector, server.nodeSelector, c.stack);
      assert.deepEqual(ds.template.spec.tolerations, server.tolerations);
      assert.deepEqual(restrictedViolations(ds.template.spec, ds.template.metadata.annotations), [], `${c.stack}/${c.model.name}`);
      assert.equal(ds.template.spec.automountServiceAccountToken, false);
      assert.equal(ds.template.spec.serviceAccountName, cacheResourceName(c.model.name));
      for (const v of ds.template.spec.volumes) assert.ok(v.emptyDir || v.configMap, `${v.name}: no hostPath`);
    }
  });

  test("downloads its own model's prefix with container credentials into an emptyDir sized for the model, serves on the cache port", () => {
    for (const c of cases) {
      const pod = plain(renderCacheDaemonSetSpec(c.input)).template.spec;
      const [ctr] = pod.containers;
      const cmd: string[] = ctr.command;
      assert.deepEqual(cmd.slice(0, 4), ["/nodejs/bin/node", "/opt/model-cache/cache.js", `s3://$(MODEL_BUCKET)/models/${c.model.name}/`, "/cache-store"]);
      const at = (f: string) => cmd[cmd.indexOf(f) + 1];
      assert.equal(at("--credentials"), "container");
      assert.equal(at("--expect-name"), c.model.name);
      assert.equal(at("--port"), String(CACHE_PORT));
      assert.equal(at("--public-key"), "/etc/model-signing/public-key.pem");
      assert.equal(cmd.includes("--expect-digest"), c.model.expectedDigest !== undefined);
      assert.equal(ctr.env.find((e: Json) => e.name === "AWS_EC2_METADATA_DISABLED").value, "true");
      assert.equal(pod.volumes.find((v: Json) => v.name === "store").emptyDir.sizeLimit, `${c.model.storageGiB}Gi`);
      assert.deepEqual(ctr.readinessProbe.httpGet, { path: "/ready", port: CACHE_PORT, scheme: "HTTP" });
      // Liveness is a TCP accept (the server listens through the download), never the readiness check.
      assert.deepEqual(ctr.livenessProbe.tcpSocket, { port: CACHE_PORT });
      assert.equal(ctr.resources.limits.memory, `${cacheMemoryMiB(24, 16)}Mi`);
      assert.equal(ctr.resources.requests.memory, ctr.resources.limits.memory, "memory is bounded by the part window and never overcommitted");
    }
    const pinned = plain(renderCacheDaemonSetSpec({ ...cases[0]!.input, model: { ...cases[0]!.model, expectedDigest: `sha256:${"a".repeat(64)}` } })).template.spec.containers[0].command as string[];
    assert.equal(pinned[pinned.indexOf("--expect-digest") + 1], `sha256:${"a".repeat(64)}`);
  });

  test("a model name at its longest (32 characters) still gives Kubernetes names within 63", () => {
    const longest = "m".repeat(32);
    for (const n of [cacheResourceName(longest), `${cacheResourceName(longest)}-ingress`, `${cacheResourceName(longest)}-egress`, `${cacheResourceName(longest)}-script`]) assert.ok(n.length <= 63, n);
  });
});

describe("model cache network", () => {
  test("Service: node-local only (internalTrafficPolicy Local), numeric target port, selects the cache pods", () => {
    const svc = plain(renderCacheServiceSpec("m"));
    assert.equal(svc.internalTrafficPolicy, "Local");
    assert.equal(svc.type, "ClusterIP");
    assert.deepEqual(svc.selector, cacheSelectorLabels("m"));
    assert.deepEqual(svc.ports.map((p: Json) => [p.port, p.targetPort]), [[CACHE_PORT, CACHE_PORT]]);
  });

  test("ingress only from the model's own servers on the cache port; egress only 443 to endpoint CIDRs and the Pod Identity agent", () => {
    const ing = plain(renderCacheIngressPolicySpec("m", selectorLabels("m")));
    assert.deepEqual(ing.ingress, [{ from: [{ podSelector: { matchLabels: selectorLabels("m") } }], ports: [{ protocol: "TCP", port: CACHE_PORT }] }]);
    const eg = plain(renderCacheEgressPolicySpec("m", ["10.30.64.0/24", "10.30.65.0/24", "10.30.64.0/24"]));
    assert.deepEqual(eg.egress, [
      { to: [{ ipBlock: { cidr: "10.30.64.0/24" } }, { ipBlock: { cidr: "10.30.65.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
      { to: [{ ipBlock: { cidr: POD_IDENTITY_AGENT_CIDR } }], ports: [{ protocol: "TCP", port: 80 }] },
    ]);
    const none = plain(renderCacheEgressPolicySpec("m", []));
    for (const rule of none.egress) assert.ok(Array.isArray(rule.to) && rule.to.length > 0, "no rule ever means anywhere");
    assert.throws(() => renderCacheEgressPolicySpec("m", ["0.0.0.0/0"]), /narrower than \/0/);
  });

  test("DaemonSet, Service and NetworkPolicies validate against the Kubernetes schema; the validator is not a rubber stamp", async () => {
    const { DaemonSet } = await import("kubernetes-models/apps/v1/DaemonSet");
    const { Service } = await import("kubernetes-models/v1/Service");
    const { NetworkPolicy } = await import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy");
    for (const c of cases) {
      const metadata = { name: cacheResourceName(c.model.name), namespace: "inference" };
      new DaemonSet({ metadata, spec: plain(renderCacheDaemonSetSpec(c.input)) }).validate();
      new Service({ metadata, spec: plain(renderCacheServiceSpec(c.model.name)) }).validate();
      new NetworkPolicy({ metadata, spec: plain(renderCacheIngressPolicySpec(c.model.name, selectorLabels(c.model.name))) }).validate();
      new NetworkPolicy({ metadata, spec: plain(renderCacheEgressPolicySpec(c.model.name, ["10.0.0.0/24"])) }).validate();
    }
    const bad = plain(renderCacheServiceSpec("m"));
    bad.internalTrafficPolicy = "Nearby";
    assert.throws(() => new Service({ metadata: { name: "x" }, spec: bad }).validate());
  });
});
