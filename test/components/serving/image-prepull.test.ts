import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { renderPrepullDaemonSetSpec } from "../../../components/serving/image-prepull";

const IMG = `111122223333.dkr.ecr.us-east-2.amazonaws.com/mirror/vllm-openai@sha256:${"b".repeat(64)}`;

describe("vLLM image pre-pull DaemonSet", () => {
  const spec = renderPrepullDaemonSetSpec(IMG, ["l40s-x4", "h100", "l40s-x4"]) as any;

  test("validates against the Kubernetes OpenAPI schema (kubernetes-models)", async () => {
    const { DaemonSet } = await import("kubernetes-models/apps/v1/DaemonSet");
    new DaemonSet({ metadata: { name: "vllm-image-prepull", namespace: "inference" }, spec }).validate();
  });

  test("runs the serving image on the model node groups only, tolerating the GPU taint, holding nothing", () => {
    const pod = spec.template.spec;
    assert.equal(pod.containers[0].image, IMG);
    assert.deepEqual(pod.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values, ["h100", "l40s-x4"]);
    assert.equal(pod.tolerations[0].key, "nvidia.com/gpu");
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.containers[0].resources.limits["nvidia.com/gpu"], undefined);
    assert.deepEqual(pod.containers[0].env[0], { name: "NVIDIA_VISIBLE_DEVICES", value: "void" });
    assert.ok(pod.containers[0].env.some((e: any) => e.name === "VLLM_NO_USAGE_STATS" && e.value === "1"));
    assert.equal(pod.containers[0].securityContext.readOnlyRootFilesystem, true);
    assert.throws(() => renderPrepullDaemonSetSpec(IMG, []), /no node groups/);
  });
});
