// What every committed stack renders for a fast cold start and for autoscaling: the node storage
// in the launch templates, the node caches, the verified copy step and the budgets in the model
// servers' pods,
// the image pre-pull, and (where a model autoscales) KEDA with ScaledObjects that validate
// against the committed CRD schema.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { parse as parseToml } from "smol-toml";
import { plain } from "../../../tools/check/synth.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { planNodeStorage } from "../../../components/cluster/node-storage.js";
import { nodeStorageInput } from "../../../infra/rules.js";
import { fetchConcurrency, loadPathFor } from "../../../components/serving/cold-start.js";
import { rolloutBudget } from "../../../components/serving/rollout-budget.js";
import { PROBE_PERIOD_SECONDS } from "../../../components/serving/manifests.js";
import { kedaSchema } from "../../../components/autoscaling/keda-crds.js";
import { crdValidator } from "../../helpers/crd-schema.js";

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- rendered manifests
const inputs = (r: Registration) => plain(r.inputs) as Record<string, any>;
const validateScaledObject = crdValidator(kedaSchema("ScaledObject"));

for (const stack of STACKS) {
  describe(`cold start and scaling: ${stack}`, () => {
    it("each GPU group's launch template shows its storage: the instance store bound at boot, or gp3 sized from the model", async () => {
      const { cfg } = await settingsOf(stack);
      const result = results[stack];
      for (const g of cfg.gpuNodeGroups) {
        const plan = planNodeStorage(nodeStorageInput(cfg, g));
        const ng = inputs(ofType(result, "aws:eks/nodeGroup:NodeGroup").find((n) => inputs(n).nodeGroupName === g.name)!);
        const lt = inputs(ofType(result, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => `${t.name}-id` === ng.launchTemplate.id)!);
        const data = lt.blockDeviceMappings.find((b: { deviceName: string }) => b.deviceName === "/dev/xvdb").ebs;
        assert.equal(data.throughput, plan.dataVolume.throughputMiBps, `${g.name}`);
        assert.equal(data.iops, plan.dataVolume.iops, `${g.name}`);
        if (plan.mode === "instance-store") {
          const toml = parseToml(Buffer.from(lt.userData, "base64").toString("utf8")) as Record<string, any>;
          const cmd = toml.settings["bootstrap-commands"]["k8s-ephemeral-storage"];
          assert.deepEqual(cmd.commands[0], ["apiclient", "ephemeral-storage", "init"]);
          assert.deepEqual(cmd.commands[1].slice(0, 4), ["apiclient", "ephemeral-storage", "bind", "--dirs"]);
          assert.ok(cmd.commands[1].includes("/var/lib/kubelet"), "pod volumes (the model) on the instance store");
          assert.equal(cmd.essential, true);
        } else {
          assert.equal(lt.userData, undefined);
        }
      }
    });

    it("each model's node cache downloads with its group's concurrency; each server copies from it in one verified step, with budgets from the group's load path", async () => {
      const { cfg } = await settingsOf(stack);
      for (const m of cfg.models) {
        const dep = inputs(ofType(results[stack], "kubernetes:apps/v1:Deployment").find((d) => inputs(d).metadata?.name === `vllm-${m.name}`)!);
        const cache = inputs(ofType(results[stack], "kubernetes:apps/v1:DaemonSet").find((d) => inputs(d).metadata?.name === `model-cache-${m.name}`)!);
        const pod = dep.spec.template.spec;
        assert.deepEqual(pod.initContainers.map((c: { name: string }) => c.name), ["model-copy"]);
        const g = cfg.gpuNodeGroups.find((x) => x.name === m.nodeGroup)!;
        const cacheCmd: string[] = cache.spec.template.spec.containers[0].command;
        assert.equal(cacheCmd[cacheCmd.indexOf("--credentials") + 1], "container");
        assert.equal(cacheCmd[cacheCmd.indexOf("--concurrency") + 1], String(Math.min(...g.instanceTypes.map(fetchConcurrency))));
        const plan = planNodeStorage(nodeStorageInput(cfg, g));
        const storage = plan.mode === "instance-store" ? ({ mode: "instance-store" } as const) : ({ mode: "ebs", throughputMiBps: plan.dataVolume.throughputMiBps } as const);
        const budget = rolloutBudget({
          modelGiB: m.storageGiB,
          engineStartMinutes: m.startupMinutes,
          replicas: m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas,
          loadPath: loadPathFor(g.instanceTypes, storage),
        });
        assert.ok(budget.copySeconds > 0 && budget.initSeconds === budget.downloadSeconds + budget.copySeconds, "the first pod on a fresh node waits for the download, then copies");
        assert.equal(dep.spec.progressDeadlineSeconds, budget.progressDeadlineSeconds);
        const copyCmd: string[] = pod.initContainers[0].command;
        assert.equal(copyCmd[copyCmd.indexOf("--wait-seconds") + 1], String(budget.cacheWaitSeconds));
        assert.ok(budget.cacheWaitSeconds >= budget.downloadSeconds);
        const server = pod.containers.find((c: { name: string }) => c.name === "vllm");
        assert.equal(server.startupProbe.failureThreshold * PROBE_PERIOD_SECONDS >= budget.startupSeconds, true);
        assert.ok(pod.volumes.some((v: { name: string; configMap?: { name: string } }) => v.configMap?.name === `vllm-${m.name}-copier`));
        assert.ok(ofType(results[stack], "kubernetes:core/v1:Service").some((s) => inputs(s).metadata?.name === `vllm-${m.name}-replicas` && inputs(s).spec.clusterIP === "None"));
      }
    });

    it("the vLLM image is pre-pulled on the model groups; KEDA and valid ScaledObjects exactly where a model autoscales", async () => {
      const { cfg } = await settingsOf(stack);
      const ds = ofType(results[stack], "kubernetes:apps/v1:DaemonSet").map(inputs).find((d) => d.metadata?.name === "vllm-image-prepull");
      assert.ok(ds, "pre-pull DaemonSet");
      assert.equal(ds.spec.template.spec.containers[0].image, cfg.serving.vllmImage);
      const scaled = cfg.models.filter((m) => m.autoscaling.enabled);
      const objects = ofType(results[stack], "kubernetes:keda.sh/v1alpha1:ScaledObject").map(inputs);
      assert.equal(objects.length, scaled.length);
      const crds = ofType(results[stack], "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition");
      assert.equal(crds.length, scaled.length > 0 ? 6 : 0, "KEDA is installed only where a model autoscales");
      for (const so of objects) {
        assert.deepEqual(validateScaledObject(so), [], `${stack} ${so.metadata.name}`);
        const m = scaled.find((x) => `vllm-${x.name}` === so.metadata.name)!;
        assert.equal(so.spec.minReplicaCount, m.autoscaling.minReplicas);
        assert.match(so.spec.triggers[0].metadata.url, new RegExp(`/scaling/${m.name}$`));
      }
    });
  });
}

describe("committed stacks", () => {
  it("dev scales a model to zero; staging scales one on queue depth", async () => {
    const dev = (await settingsOf("dev")).cfg.models.find((m) => m.autoscaling.enabled)!;
    assert.equal(dev.autoscaling.minReplicas, 0);
    const staging = (await settingsOf("staging")).cfg.models.find((m) => m.autoscaling.enabled)!;
    assert.ok(staging.autoscaling.maxReplicas > staging.autoscaling.minReplicas && staging.autoscaling.minReplicas > 0);
  });
});
