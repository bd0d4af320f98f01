// Pure renderers of the model server: every committed stack's models, checked field by field and
// validated against the Kubernetes OpenAPI schema (kubernetes-models 5.x: Kubernetes v1.36.0
// schema; the clusters run 1.34/1.35 and every field used here exists in both).
import { renderReplicasServiceSpec, replicasHost, scalingUrl } from "../../../components/serving/replicas.js";
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { STACKS, settingsOf } from "../../helpers/stacks.js";
import type { ModelConfig, StackConfig } from "../../../infra/schema.js";
import {
  GATEWAY_POD_LABELS,
  PROBE_PERIOD_SECONDS,
  VLLM_PORT,
  VLLM_UID,
  modelReadPolicy,
  modelRolloutBudget,
  podIdentityTrustPolicy,
  podSizing,
  renderDeploymentSpec,
  renderIngressPolicySpec,
  renderPdbSpec,
  renderServiceSpec,
  selectorLabels,
  type VllmManifestInput,
} from "../../../components/serving/manifests.js";
import { GPU_TAINT, NODE_GROUP_LABEL } from "../../../components/cluster/gpu-node-group.js";
import { DATA_VOLUME_THROUGHPUT_MIBPS } from "../../../components/cluster/node-hardening.js";
import { VLLM_COMMAND, unknownFlags, vllmEnv } from "../../../components/serving/vllm-args.js";
import { CACHE_PORT, renderCacheServiceSpec, renderModelToCachePolicySpec } from "../../../components/serving/model-cache-manifests.js";

// Plain JSON views of the rendered objects (the renderers return Pulumi input types).
type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const plain = (v: unknown): Json => JSON.parse(JSON.stringify(v));

interface Case {
  stack: string;
  cfg: StackConfig;
  region: string;
  model: ModelConfig;
  input: VllmManifestInput;
}

const cases: Case[] = [];
before(async () => {
  for (const stack of STACKS) {
    const { cfg, region } = await settingsOf(stack);
    for (const model of cfg.models) {
      const group = cfg.gpuNodeGroups.find((g) => g.name === model.nodeGroup);
      assert.ok(group, `${stack}: ${model.name} has a node group`);
      cases.push({
        stack,
        cfg,
        region,
        model,
        input: {
          resourceName: `vllm-${model.name}`,
          model,
          instanceTypes: group.instanceTypes,
          images: { vllm: cfg.serving.vllmImage, verifier: cfg.serving.verifierImage },
          serviceAccountName: `vllm-${model.name}`,
          tlsSecretName: `vllm-${model.name}-tls`,
          apiKeySecretName: `vllm-${model.name}-api-key`,
          apiKeySecretKey: "api-key",
          copierConfigMapName: `vllm-${model.name}-copier`,
          signingKeyConfigMapName: `vllm-${model.name}-signing-key`,
          podAnnotations: { "sovereign-llm/tls-checksum": "0".repeat(64) },
          loadPath: { volumeMiBps: DATA_VOLUME_THROUGHPUT_MIBPS },
        },
      });
    }
  }
  assert.ok(cases.length >= STACKS.length, "every committed stack serves at least one model");
});

const podOf = (c: Case): Json => plain(renderDeploymentSpec(c.input)).template.spec;
const container = (pod: Json, name: string): Json => [...pod.initContainers, ...pod.containers].find((x: Json) => x.name === name);

describe("vLLM container", () => {
  test("arguments: accepted flags only, local verified model, TLS with client certificates required", () => {
    for (const c of cases) {
      const vllm = container(podOf(c), "vllm");
      const args: string[] = vllm.args;
      const at = (f: string) => args[args.indexOf(f) + 1];
      assert.deepEqual(vllm.command, [...VLLM_COMMAND]);
      assert.deepEqual(unknownFlags(args), [], `${c.stack}/${c.model.name}`);
      assert.equal(args[0], `/models/${c.model.name}`);
      assert.equal(at("--served-model-name"), c.model.name);
      assert.equal(at("--tensor-parallel-size"), String(c.model.gpusPerReplica));
      assert.equal(at("--max-model-len"), String(c.model.maxModelLen));
      assert.equal(at("--load-format"), "safetensors");
      assert.equal(at("--port"), String(VLLM_PORT));
      assert.equal(at("--ssl-certfile"), "/etc/vllm/tls/tls.crt");
      assert.equal(at("--ssl-keyfile"), "/etc/vllm/tls/tls.key");
      assert.equal(at("--ssl-ca-certs"), "/etc/vllm/tls/ca.crt");
      assert.equal(at("--ssl-cert-reqs"), "2");
      assert.ok(!args.includes("--enable-log-requests"));
      assert.ok(!args.includes("--api-key"), "the key comes from the environment, not the command line");
    }
  });

  test("environment: usage statistics and hub access off, caches writable, API key from the Secret", () => {
    for (const c of cases) {
      const env = container(podOf(c), "vllm").env as Json[];
      const value = (n: string) => env.find((e) => e.name === n)?.value;
      for (const [k, v] of Object.entries(vllmEnv())) assert.equal(value(k), v, `${c.stack}: ${k}`);
      assert.equal(value("VLLM_NO_USAGE_STATS"), "1");
      assert.equal(value("DO_NOT_TRACK"), "1");
      for (const k of ["HOME", "XDG_CACHE_HOME", "VLLM_CACHE_ROOT", "TRITON_CACHE_DIR", "TORCHINDUCTOR_CACHE_DIR"]) assert.match(value(k), /^\/cache(\/|$)/, k);
      const key = env.find((e) => e.name === "VLLM_API_KEY");
      assert.deepEqual(key.valueFrom, { secretKeyRef: { name: `vllm-${c.model.name}-api-key`, key: "api-key" } });
      assert.equal(key.value, undefined);
    }
  });
});

describe("init step", () => {
  test("one step copies the model from the node's cache and verifies it in one pass, with no AWS credentials, before vLLM starts", () => {
    for (const c of cases) {
      const pod = podOf(c);
      assert.deepEqual(pod.initContainers.map((x: Json) => x.name), ["model-copy"]);
      const copy = container(pod, "model-copy");
      assert.equal(copy.image, c.cfg.serving.verifierImage);
      // Distroless Node has no `node` on a PATH: the absolute path, and an image that is one.
      assert.match(c.cfg.serving.verifierImage, /\/nodejs(22|24)-debian\d+@sha256:/);
      const cmd: string[] = copy.command;
      assert.deepEqual(cmd.slice(0, 6), ["/nodejs/bin/node", "/opt/model-copy/copy.js", `http://model-cache-${c.model.name}:8080/`, `/models/${c.model.name}`, "--public-key", "/etc/model-signing/public-key.pem"]);
      assert.equal(cmd[cmd.indexOf("--expect-name") + 1], c.model.name);
      assert.ok(!cmd.includes("--credentials") && !cmd.some((a) => a.startsWith("s3://")), "the copy never reads S3");
      assert.equal(Number(cmd[cmd.indexOf("--wait-seconds") + 1]), modelRolloutBudget(c.model, c.input.loadPath).cacheWaitSeconds);
      assert.deepEqual(copy.env.map((e: Json) => e.name), ["HOME"], "no AWS environment");
      // Memory bounded by the part window: 8 parts of 16 MiB plus the runtime.
      assert.equal(copy.resources.limits.memory, `${8 * 16 + 512}Mi`);
      assert.ok(pod.volumes.find((v: Json) => v.name === "copier").configMap.name === `vllm-${c.model.name}-copier`);
      assert.equal(pod.volumes.find((v: Json) => v.name === "fetcher"), undefined, "the S3 fetcher is not in the model server's pod");
      assert.ok(container(pod, "vllm").volumeMounts.find((m: Json) => m.name === "models").readOnly, "only the copy step writes the model");
    }
  });

  test("a model pinned to a signed version passes the pin to the copy step; an unpinned one passes none", () => {
    const c = cases[0]!;
    const digest = `sha256:${"ab".repeat(32)}`;
    const pinned = plain(renderDeploymentSpec({ ...c.input, model: { ...c.model, expectedDigest: digest } })).template.spec;
    const cmd: string[] = container(pinned, "model-copy").command;
    assert.equal(cmd[cmd.indexOf("--expect-digest") + 1], digest);
    for (const u of cases.filter((x) => x.model.expectedDigest === undefined)) {
      assert.ok(!container(podOf(u), "model-copy").command.includes("--expect-digest"), `${u.stack}/${u.model.name}`);
    }
  });
});

describe("AWS credentials", () => {
  test("no container of the model server's pod gets Pod Identity credentials, even if a role were associated", () => {
    for (const c of cases) {
      const spec = plain(renderDeploymentSpec(c.input));
      const skipped: string[] = spec.template.metadata.annotations["eks.amazonaws.com/skip-containers"].split(",");
      const all = [...spec.template.spec.initContainers, ...spec.template.spec.containers].map((x: Json) => x.name);
      assert.deepEqual(all.filter((n: string) => !skipped.includes(n)), []);
      assert.deepEqual([...skipped].sort(), ["model-copy", "vllm"]);
      assert.equal(spec.template.spec.automountServiceAccountToken, false);
      for (const x of [...spec.template.spec.initContainers, ...spec.template.spec.containers]) {
        for (const e of x.env ?? []) assert.ok(!/^AWS_/.test(e.name), `${x.name}: ${e.name}`);
      }
    }
  });
});

describe("pod security (restricted)", () => {
  test("every container: non-root uid 2000 gid 0, no escalation, no capabilities, RuntimeDefault seccomp, read-only root", () => {
    for (const c of cases) {
      const pod = podOf(c);
      assert.equal(pod.automountServiceAccountToken, false);
      assert.equal(pod.enableServiceLinks, false);
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.runAsUser, VLLM_UID);
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      assert.equal(pod.hostNetwork ?? false, false);
      for (const x of [...pod.initContainers, ...pod.containers]) {
        const sc = x.securityContext;
        assert.equal(sc.runAsNonRoot, true, x.name);
        assert.equal(sc.runAsUser, 2000, x.name);
        assert.equal(sc.runAsGroup, 0, x.name);
        assert.equal(sc.allowPrivilegeEscalation, false, x.name);
        assert.equal(sc.readOnlyRootFilesystem, true, x.name);
        assert.deepEqual(sc.capabilities, { drop: ["ALL"] }, x.name);
        assert.equal(sc.seccompProfile.type, "RuntimeDefault", x.name);
        assert.ok(x.image.includes("@sha256:"), `${x.name} is pinned by digest`);
      }
      for (const v of pod.volumes) assert.ok(v.emptyDir || v.secret || v.configMap, `${v.name}: only emptyDir, Secret and ConfigMap volumes (no hostPath)`);
    }
  });

  test("volumes: model sized from config, memory-backed /dev/shm, TLS key readable by group 0 only", () => {
    for (const c of cases) {
      const pod = podOf(c);
      const vol = (n: string) => pod.volumes.find((v: Json) => v.name === n);
      assert.equal(vol("models").emptyDir.sizeLimit, `${c.model.storageGiB}Gi`);
      assert.equal(vol("dshm").emptyDir.medium, "Memory");
      assert.equal(vol("tls").secret.defaultMode, 0o440);
      assert.ok(container(pod, "vllm").volumeMounts.some((m: Json) => m.name === "dshm" && m.mountPath === "/dev/shm"));
    }
  });
});

describe("scheduling and resources", () => {
  test("GPUs = gpusPerReplica, requests = limits, fits the group's smallest instance, node group selected and GPU taint tolerated", () => {
    for (const c of cases) {
      const pod = podOf(c);
      const r = container(pod, "vllm").resources;
      assert.deepEqual(r.requests, r.limits);
      assert.equal(r.limits["nvidia.com/gpu"], String(c.model.gpusPerReplica));
      const size = podSizing(c.model, c.input.instanceTypes);
      assert.equal(r.limits.cpu, `${size.cpuMillis}m`);
      assert.equal(r.limits.memory, `${size.memoryMiB}Mi`);
      assert.ok(size.shmMiB <= size.memoryMiB / 4);
      assert.deepEqual(pod.nodeSelector, { [NODE_GROUP_LABEL]: c.model.nodeGroup });
      assert.deepEqual(pod.tolerations, [{ key: GPU_TAINT.key, operator: "Equal", value: GPU_TAINT.value, effect: "NoSchedule" }]);
      const spread = pod.topologySpreadConstraints[0];
      assert.equal(spread.topologyKey, "topology.kubernetes.io/zone");
      assert.deepEqual(spread.labelSelector.matchLabels, selectorLabels(c.model.name));
      // One replica of a model per node, so a node drain evicts at most one (the PDB admits it).
      assert.deepEqual(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution, [{ topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: selectorLabels(c.model.name) } }]);
    }
  });

  test("sizing formula: share of the smallest instance per GPU, times HOST_SHARE", () => {
    // g6e.12xlarge: 48 vCPU, 384 GiB, 4 GPUs; g6e.24xlarge: 96 vCPU, 768 GiB, 4 GPUs.
    const s = podSizing({ gpusPerReplica: 4 }, ["g6e.24xlarge", "g6e.12xlarge"]);
    assert.equal(s.cpuMillis, Math.floor(48000 * 0.85));
    assert.equal(s.memoryMiB, Math.floor(384 * 1024 * 0.85));
    assert.equal(s.shmMiB, 32 * 1024);
    const small = podSizing({ gpusPerReplica: 1 }, ["g6.xlarge"]);
    assert.equal(small.shmMiB, Math.min(2048, Math.floor(small.memoryMiB / 4)));
    assert.throws(() => podSizing({ gpusPerReplica: 1 }, ["m7i.large"]), /no host size known/);
  });

  test("replicas from config; none when KEDA owns the count; a rolling update never drops below them", () => {
    for (const c of cases) {
      const spec = plain(renderDeploymentSpec(c.input));
      if (c.model.autoscaling.enabled) assert.equal(spec.replicas, undefined);
      else assert.equal(spec.replicas, c.model.replicas);
      // Surge one replica (config guarantees the group holds it), never take one down first.
      assert.deepEqual(spec.strategy.rollingUpdate, { maxSurge: 1, maxUnavailable: 0 });
      // The autoscaler must not evict a model server to pack nodes.
      assert.equal(spec.template.metadata.annotations["cluster-autoscaler.kubernetes.io/safe-to-evict"], "false");
    }
  });

  test("disruption budget: one ready replica at a time, never a model's only replica; stuck pods may go", () => {
    for (const c of cases) {
      const pdb = plain(renderPdbSpec(c.model));
      assert.equal(pdb.unhealthyPodEvictionPolicy, "AlwaysAllow");
      if (c.model.replicas === 1 && !c.model.autoscaling.enabled) assert.deepEqual([pdb.minAvailable, pdb.maxUnavailable], [1, undefined], `${c.stack}/${c.model.name}`);
      else assert.deepEqual([pdb.minAvailable, pdb.maxUnavailable], [undefined, 1]);
    }
    const single = { ...cases[0]!.model, replicas: 1, autoscaling: { ...cases[0]!.model.autoscaling, enabled: false } };
    assert.equal(plain(renderPdbSpec(single)).minAvailable, 1, "maxUnavailable 1 would let a drain take the only replica");
    const toZero = { ...cases[0]!.model, autoscaling: { ...cases[0]!.model.autoscaling, enabled: true, minReplicas: 0 } };
    assert.deepEqual([plain(renderPdbSpec(toZero)).minAvailable, plain(renderPdbSpec(toZero)).maxUnavailable], [undefined, 1], "a model that may scale to zero does not block drains");
  });

  test("termination fits EKS's 15-minute limit for pods to leave a node during an update", () => {
    for (const c of cases) {
      const pod = podOf(c);
      const vllm = container(pod, "vllm");
      assert.ok(pod.terminationGracePeriodSeconds < 15 * 60, `${pod.terminationGracePeriodSeconds}s`);
      const args: string[] = vllm.args;
      const drain = Number(args[args.indexOf("--shutdown-timeout") + 1]);
      const preStop = vllm.lifecycle.preStop.sleep.seconds;
      assert.ok(preStop >= 10, "endpoints and kube-proxy catch up before SIGTERM");
      assert.ok(pod.terminationGracePeriodSeconds > preStop + drain, "the drain finishes before SIGKILL");
    }
  });
});

describe("probes", () => {
  test("startup budget = reading the weights at the volume's throughput + startupMinutes; the deadline covers the whole load path", () => {
    for (const c of cases) {
      const vllm = container(podOf(c), "vllm");
      const sp = vllm.startupProbe;
      const budget = modelRolloutBudget(c.model, c.input.loadPath);
      const readOnce = (c.model.storageGiB * 1024) / DATA_VOLUME_THROUGHPUT_MIBPS;
      assert.ok(sp.failureThreshold * sp.periodSeconds >= readOnce + c.model.startupMinutes * 60, `${c.stack}/${c.model.name}: the probe waits for the weights to be read`);
      assert.ok(sp.failureThreshold * sp.periodSeconds < budget.startupSeconds + PROBE_PERIOD_SECONDS);
      const spec = plain(renderDeploymentSpec(c.input));
      assert.ok(spec.progressDeadlineSeconds >= 3 * readOnce + c.model.startupMinutes * 60, "copy, verify and load all fit the progress deadline");
      assert.equal(spec.progressDeadlineSeconds, budget.progressDeadlineSeconds);
      for (const p of [sp, vllm.readinessProbe]) {
        const script: string = p.exec.command[2];
        assert.equal(p.exec.command[0], "python3");
        assert.match(script, new RegExp(`https://127\\.0\\.0\\.1:${VLLM_PORT}/health`));
        // The probe presents its own client-only certificate; the server certificate is server-only.
        assert.match(script, /load_cert_chain\('\/etc\/vllm\/tls\/probe\.crt', '\/etc\/vllm\/tls\/probe\.key'\)/);
        assert.match(script, /cafile='\/etc\/vllm\/tls\/ca\.crt'/);
      }
      // Liveness cannot kill a busy server: a TCP accept, not a timed /health, with minutes of tolerance.
      assert.deepEqual(vllm.livenessProbe.tcpSocket, { port: VLLM_PORT });
      assert.equal(vllm.livenessProbe.exec, undefined);
      assert.ok(vllm.livenessProbe.periodSeconds * vllm.livenessProbe.failureThreshold >= 120);
      assert.ok(vllm.readinessProbe.timeoutSeconds >= 10);
    }
  });
});

describe("network", () => {
  test("Service is ClusterIP on the HTTPS port", () => {
    const svc = plain(renderServiceSpec("m"));
    assert.equal(svc.type, "ClusterIP");
    assert.deepEqual(svc.ports.map((p: Json) => p.port), [VLLM_PORT]);
  });

  test("ingress: only the front door (same namespace) and Prometheus in monitoring, only port 8000", () => {
    const np = plain(renderIngressPolicySpec("m"));
    assert.deepEqual(np.policyTypes, ["Ingress"]);
    assert.equal(np.ingress.length, 1);
    const [rule] = np.ingress;
    assert.deepEqual(rule.ports, [{ protocol: "TCP", port: VLLM_PORT }]);
    assert.deepEqual(rule.from, [
      { podSelector: { matchLabels: GATEWAY_POD_LABELS } },
      { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } },
    ]);
    for (const peer of rule.from) assert.equal(peer.ipBlock, undefined);
  });

  test("egress: the model server reaches its own model's cache on the cache port, by a selector equal to the cache Service's, and nothing else", () => {
    const np = plain(renderModelToCachePolicySpec("m", selectorLabels("m")));
    assert.deepEqual(np.podSelector, { matchLabels: selectorLabels("m") });
    assert.deepEqual(np.policyTypes, ["Egress"]);
    assert.deepEqual(np.egress, [{ to: [{ podSelector: { matchLabels: plain(renderCacheServiceSpec("m")).selector } }], ports: [{ protocol: "TCP", port: CACHE_PORT }] }]);
    // The selector names no label a model server carries (the policy controller mishandles that).
    for (const [k, v] of Object.entries(np.egress[0].to[0].podSelector.matchLabels)) assert.ok(selectorLabels("m")[k] !== v || k === "app.kubernetes.io/instance", k);
  });
});

describe("IAM", () => {
  test("trust: Pod Identity service principal of this account, cluster, namespace and service account only", () => {
    const clusterArn = "arn:aws:eks:us-east-1:111122223333:cluster/c";
    const t = podIdentityTrustPolicy({ accountId: "111122223333", clusterArn, namespace: "inference", serviceAccount: "vllm-m" });
    assert.deepEqual(t.Statement[0]?.Principal, { Service: "pods.eks.amazonaws.com" });
    assert.deepEqual(t.Statement[0]?.Action, ["sts:AssumeRole", "sts:TagSession"]);
    assert.deepEqual(t.Statement[0]?.Condition, {
      StringEquals: {
        "aws:SourceAccount": "111122223333",
        "aws:RequestTag/eks-cluster-arn": clusterArn,
        "aws:RequestTag/kubernetes-namespace": "inference",
        "aws:RequestTag/kubernetes-service-account": "vllm-m",
      },
    });
  });

  test("read policy: this model's prefix only, decrypt only through S3", () => {
    const bucketArn = "arn:aws:s3:::b";
    const p = modelReadPolicy({ bucketArn, model: "m", modelsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k", region: "us-east-1" });
    const by = (sid: string) => p.Statement.find((s) => s.Sid === sid)!;
    assert.deepEqual(by("ListModelPrefix").Condition, { StringLike: { "s3:prefix": "models/m/*" } });
    assert.equal(by("ReadModelObjects").Resource, "arn:aws:s3:::b/models/m/*");
    assert.deepEqual(by("DecryptModelObjectsThroughS3").Action, ["kms:Decrypt"]);
    assert.equal(by("DecryptModelObjectsThroughS3").Condition?.StringEquals?.["kms:ViaService"], "s3.us-east-1.amazonaws.com");
    for (const s of p.Statement) for (const a of s.Action) assert.ok(!a.includes("*"), `${s.Sid}: no wildcard actions`);
  });
});

describe("replicas for the autoscaler's metrics source", () => {
  test("a headless Service lists only ready replicas; its DNS name follows from the model's URL", () => {
    const spec = plain(renderReplicasServiceSpec("llama"));
    assert.equal(spec.clusterIP, "None");
    assert.equal(spec.publishNotReadyAddresses, false);
    assert.deepEqual(spec.selector, selectorLabels("llama"));
    assert.equal(replicasHost("https://vllm-llama.inference.svc:8000"), "vllm-llama-replicas.inference.svc");
    assert.throws(() => replicasHost("https://localhost:8000"), /not a Service URL/);
    assert.equal(scalingUrl("inference", "llama"), "http://guardrail-gateway-ops.inference.svc.cluster.local:9090/scaling/llama");
  });
});

describe("Kubernetes OpenAPI schema (kubernetes-models)", () => {
  test("Deployment, Service, PodDisruptionBudget and NetworkPolicies of every model validate", async () => {
    // ESM-only package: loaded with import() from this CommonJS test.
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const { Service } = await import("kubernetes-models/v1/Service");
    const { PodDisruptionBudget } = await import("kubernetes-models/policy/v1/PodDisruptionBudget");
    const { NetworkPolicy } = await import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy");
    for (const c of cases) {
      const metadata = { name: c.input.resourceName, namespace: "inference" };
      new Deployment({ metadata, spec: plain(renderDeploymentSpec(c.input)) }).validate();
      new Service({ metadata, spec: plain(renderServiceSpec(c.model.name)) }).validate();
      new PodDisruptionBudget({ metadata, spec: plain(renderPdbSpec(c.model)) }).validate();
      new NetworkPolicy({ metadata, spec: plain(renderIngressPolicySpec(c.model.name)) }).validate();
      new NetworkPolicy({ metadata, spec: plain(renderModelToCachePolicySpec(c.model.name, selectorLabels(c.model.name))) }).validate();
    }
  });

  test("the validator is not a rubber stamp", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const c = cases[0]!;
    const spec = plain(renderDeploymentSpec(c.input));
    spec.template.spec.containers[0].securityContext.runAsUser = "2000";
    assert.throws(() => new Deployment({ metadata: { name: "x" }, spec }).validate());
    const noSelector = plain(renderDeploymentSpec(c.input));
    delete noSelector.selector;
    assert.throws(() => new Deployment({ metadata: { name: "x" }, spec: noSelector }).validate());
  });
});
