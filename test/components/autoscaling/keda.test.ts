// KEDA at the pinned release: committed files match their recorded digests, the CRDs carry the
// release's patches, the install validates against the Kubernetes API schemas, and the model
// ScaledObjects validate against the committed ScaledObject schema (ajv).
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { KEDA_DIR, KEDA_FILES, KEDA_SOURCE_COMMIT, KEDA_VERSION, kedaCrds, kedaSchema } from "../../../components/autoscaling/keda-crds";
import { KEDA_NAMESPACE, renderKedaNetworkPolicies, renderKedaObjects } from "../../../components/autoscaling/keda-manifests";
import { ACTIVE_ONLY_TARGET, renderScaledObjectSpec, scaledObjectProblems, type ModelScalingInput } from "../../../components/autoscaling/scaled-object";
import { dnsEgressRule } from "../../../components/cluster/inference-namespace";
import { crdValidator } from "../../helpers/crd-schema";

const IMG = (n: string) => `111122223333.dkr.ecr.us-east-2.amazonaws.com/mirror/${n}@sha256:${"a".repeat(64)}`;

const scaling = (over: Partial<ModelScalingInput> = {}): ModelScalingInput => ({
  deploymentName: "vllm-llama",
  scalingUrl: "http://guardrail-gateway-ops.inference.svc:9090/scaling/llama",
  minReplicas: 1,
  maxReplicas: 4,
  queueThreshold: 5,
  idleSeconds: 900,
  replicaReadySeconds: 420,
  ...over,
});

describe("committed KEDA files", () => {
  test("every file matches its recorded digest, in code and in SOURCE.md", () => {
    const source = readFileSync(join(KEDA_DIR, "SOURCE.md"), "utf8");
    assert.match(source, new RegExp(`v${KEDA_VERSION.replace(/\./g, "\\.")}`));
    assert.ok(source.includes(KEDA_SOURCE_COMMIT));
    const yamls = readdirSync(KEDA_DIR).filter((f) => f.endsWith(".yaml")).sort();
    assert.deepEqual(yamls, Object.keys(KEDA_FILES).sort(), "no uncommitted or unrecorded file");
    for (const [file, digest] of Object.entries(KEDA_FILES)) {
      assert.equal(createHash("sha256").update(readFileSync(join(KEDA_DIR, file))).digest("hex"), digest, file);
      assert.ok(source.includes(`\`${digest}\``), `SOURCE.md lists ${file}'s digest`);
    }
  });

  test("the six CRDs, with the release's patches applied", () => {
    const crds = kedaCrds();
    assert.deepEqual(crds.map((c) => c.metadata.name).sort(), [
      "cloudeventsources.eventing.keda.sh",
      "clustercloudeventsources.eventing.keda.sh",
      "clustertriggerauthentications.keda.sh",
      "scaledjobs.keda.sh",
      "scaledobjects.keda.sh",
      "triggerauthentications.keda.sh",
    ]);
    const so = kedaSchema("ScaledObject") as any;
    assert.equal(so.properties.spec.properties.advanced.properties.horizontalPodAutoscalerConfig.properties.behavior.properties.scaleDown.properties.stabilizationWindowSeconds.maximum, 3600);
    const sj = kedaSchema("ScaledJob") as any;
    assert.equal(sj.properties.spec.properties.triggers.items.properties.metricType, undefined, "metricType removed from ScaledJob triggers");
  });

  test("CRDs validate as CustomResourceDefinitions (kubernetes-models)", async () => {
    const { CustomResourceDefinition } = await import("kubernetes-models/apiextensions.k8s.io/v1/CustomResourceDefinition");
    for (const crd of kedaCrds()) new CustomResourceDefinition(crd as any).validate();
  });
});

describe("KEDA install objects", () => {
  const objects = renderKedaObjects({ operatorImage: IMG("keda"), metricsServerImage: IMG("keda-metrics-apiserver"), nodeSelector: { "sovereign-llm/node-group": "system" } });

  test("validate against the Kubernetes OpenAPI schema (kubernetes-models)", async () => {
    const models: Record<string, any> = {
      ServiceAccount: (await import("kubernetes-models/v1/ServiceAccount")).ServiceAccount,
      ClusterRole: (await import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole")).ClusterRole,
      Role: (await import("kubernetes-models/rbac.authorization.k8s.io/v1/Role")).Role,
      ClusterRoleBinding: (await import("kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding")).ClusterRoleBinding,
      RoleBinding: (await import("kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding")).RoleBinding,
      Deployment: (await import("kubernetes-models/apps/v1/Deployment")).Deployment,
      Service: (await import("kubernetes-models/v1/Service")).Service,
      APIService: (await import("kubernetes-models/apiregistration.k8s.io/v1/APIService")).APIService,
      NetworkPolicy: (await import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy")).NetworkPolicy,
    };
    const policies = renderKedaNetworkPolicies({ apiCidrs: ["172.20.0.1/32"], controlPlaneCidrs: ["10.0.0.0/19"], sources: [{ namespace: "inference", podLabels: { "app.kubernetes.io/name": "guardrail-gateway" }, port: 9090 }], dnsRule: dnsEgressRule() });
    for (const o of [...objects, ...policies]) {
      const M = models[o.kind];
      assert.ok(M, `no model for ${o.kind}`);
      new M(o).validate();
    }
  });

  test("images are the mirrored ones; pods are restricted; the APIService never skips TLS verification", () => {
    const deployments = objects.filter((o) => o.kind === "Deployment") as any[];
    assert.deepEqual(deployments.map((d) => d.spec.template.spec.containers[0].image).sort(), [IMG("keda"), IMG("keda-metrics-apiserver")].sort());
    for (const d of deployments) {
      const c = d.spec.template.spec.containers[0];
      assert.equal(c.securityContext.runAsNonRoot, true);
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.deepEqual(c.securityContext.capabilities.drop, ["ALL"]);
      assert.equal(d.metadata.namespace, KEDA_NAMESPACE);
      assert.equal(d.spec.template.spec.nodeSelector["sovereign-llm/node-group"], "system");
    }
    const api = objects.find((o) => o.kind === "APIService") as any;
    assert.equal(api.spec.insecureSkipTLSVerify, undefined);
    assert.equal(api.spec.service.name, "keda-metrics-apiserver");
    const reader = objects.find((o) => o.metadata.name === "keda-hpa-controller-external-metrics") as any;
    assert.deepEqual(reader.subjects, [{ kind: "ServiceAccount", name: "horizontal-pod-autoscaler", namespace: "kube-system" }]);
  });

  test("network policies: default deny, the operator may reach only the API and the named metrics sources", () => {
    const policies = renderKedaNetworkPolicies({ apiCidrs: ["172.20.0.1/32", "10.0.0.0/24"], controlPlaneCidrs: ["10.0.32.0/19"], sources: [{ namespace: "inference", podLabels: { app: "gw" }, port: 9090 }], dnsRule: dnsEgressRule() }) as any[];
    assert.deepEqual(policies[0].spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
    const op = policies.find((p) => p.metadata.name === "keda-operator");
    const targets = op.spec.egress.flatMap((r: any) => r.to ?? []);
    assert.ok(targets.every((t: any) => t.ipBlock === undefined || ["172.20.0.1/32", "10.0.0.0/24"].includes(t.ipBlock.cidr)));
    assert.ok(targets.some((t: any) => t.namespaceSelector?.matchLabels["kubernetes.io/metadata.name"] === "inference"));
    const ms = policies.find((p) => p.metadata.name === "keda-metrics-apiserver");
    assert.deepEqual(ms.spec.ingress[0].from, [{ ipBlock: { cidr: "10.0.32.0/19" } }], "only the control plane's subnets reach the metrics API server");
    assert.throws(() => renderKedaNetworkPolicies({ apiCidrs: [], controlPlaneCidrs: ["10.0.0.0/19"], sources: [], dnsRule: dnsEgressRule() }), /apiCidrs/);
    assert.throws(() => renderKedaNetworkPolicies({ apiCidrs: ["172.20.0.1/32"], controlPlaneCidrs: ["0.0.0.0/0"], sources: [], dnsRule: dnsEgressRule() }), /admit everything/);
  });
});

describe("model ScaledObject", () => {
  const validate = crdValidator(kedaSchema("ScaledObject"));
  const object = (spec: unknown) => ({ apiVersion: "keda.sh/v1alpha1", kind: "ScaledObject", metadata: { name: "vllm-llama", namespace: "inference" }, spec });

  test("validates against the committed ScaledObject schema, scaled to zero or not", () => {
    assert.deepEqual(validate(object(renderScaledObjectSpec(scaling()))), []);
    assert.deepEqual(validate(object(renderScaledObjectSpec(scaling({ minReplicas: 0, idleSeconds: 300 })))), []);
  });

  test("the validator refuses what the API server would refuse or silently drop", () => {
    const spec = renderScaledObjectSpec(scaling()) as any;
    const numeric = structuredClone(spec);
    numeric.triggers[0].metadata.targetValue = 5; // trigger metadata is a map of strings
    assert.ok(validate(object(numeric)).some((e) => e.includes("/spec/triggers/0/metadata/targetValue")));
    const typo = structuredClone(spec);
    typo.minReplicas = 1; // not a ScaledObject field: would be pruned on apply
    assert.ok(validate(object(typo)).some((e) => e.includes("minReplicas")));
    const noTarget = structuredClone(spec);
    delete noTarget.scaleTargetRef;
    assert.ok(validate(object(noTarget)).some((e) => e.includes("scaleTargetRef")));
  });

  test("queue depth drives scale-out; the active trigger only keeps or wakes one replica", () => {
    const spec = renderScaledObjectSpec(scaling({ queueThreshold: 7 })) as any;
    const [queue, active] = spec.triggers;
    assert.equal(queue.type, "metrics-api");
    assert.deepEqual(queue.metadata, { url: scaling().scalingUrl, format: "json", valueLocation: "queue", targetValue: "7", activationTargetValue: "0" });
    assert.equal(active.metadata.valueLocation, "active");
    assert.equal(active.metadata.targetValue, String(ACTIVE_ONLY_TARGET));
    assert.equal(spec.fallback.replicas, 1);
    assert.equal(spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds, 600);
    const slow = renderScaledObjectSpec(scaling({ replicaReadySeconds: 2400 })) as any;
    assert.equal(slow.advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds, 2400);
  });

  test("bad input: every problem at once, before anything is rendered", () => {
    const p = scaledObjectProblems(scaling({ minReplicas: -1, maxReplicas: 0, queueThreshold: 0, idleSeconds: 5, scalingUrl: "https://x/scaling/a" }));
    assert.equal(p.length, 5, p.join("\n"));
    assert.throws(() => renderScaledObjectSpec(scaling({ queueThreshold: 0 })), /queueThreshold/);
  });
});
