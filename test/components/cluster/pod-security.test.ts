/**
 * Pod Security admission at "restricted" passes for every pod the platform runs: each workload
 * every committed stack renders is evaluated control by control (test/helpers/pod-security.ts),
 * and lands in a namespace of the platform's that enforces the profile.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { plain, type SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { podTemplateOf, restrictedViolations } from "../../helpers/pod-security.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

const WORKLOADS: Record<string, string> = {
  "kubernetes:apps/v1:Deployment": "Deployment",
  "kubernetes:apps/v1:DaemonSet": "DaemonSet",
  "kubernetes:apps/v1:StatefulSet": "StatefulSet",
  "kubernetes:apps/v1:ReplicaSet": "ReplicaSet",
  "kubernetes:batch/v1:Job": "Job",
  "kubernetes:batch/v1:CronJob": "CronJob",
  "kubernetes:core/v1:Pod": "Pod",
};

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});

for (const stack of STACKS) {
  describe(`pod security: ${stack}`, () => {
    test("every workload's pod passes the restricted profile", () => {
      const r = results[stack];
      let pods = 0;
      for (const [type, kind] of Object.entries(WORKLOADS)) {
        for (const w of ofType(r, type)) {
          const obj = plain(w.inputs) as Json;
          const template = podTemplateOf(kind, obj);
          assert.ok(template, `${kind} ${obj.metadata?.name}: has a pod template`);
          assert.deepEqual(restrictedViolations(template.spec, template.annotations), [], `${kind} ${obj.metadata?.namespace}/${obj.metadata?.name}`);
          pods++;
        }
      }
      assert.ok(pods >= 2, `${stack}: the autoscaler and the model servers at least (found ${pods})`);
    });

    test("every workload lands in a namespace of the platform's that enforces restricted", () => {
      const r = results[stack];
      const enforced = new Set(
        ofType(r, "kubernetes:core/v1:Namespace")
          .map((n) => plain(n.inputs) as Json)
          .filter((n) => n.metadata?.labels?.["pod-security.kubernetes.io/enforce"] === "restricted")
          .map((n) => n.metadata.name),
      );
      for (const type of Object.keys(WORKLOADS)) {
        for (const w of ofType(r, type)) {
          const obj = plain(w.inputs) as Json;
          assert.ok(enforced.has(obj.metadata?.namespace), `${obj.metadata?.name} runs in ${obj.metadata?.namespace}, which does not enforce restricted`);
        }
      }
    });
  });
}

describe("the restricted evaluator itself", () => {
  const good = () => ({
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
    containers: [{ name: "app", image: "x", securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } } }],
    volumes: [{ name: "tmp", emptyDir: {} }],
  });
  const controls = (pod: Json, annotations?: Record<string, string>) => [...new Set(restrictedViolations(pod, annotations).map(([c]) => c))].sort();

  test("a hardened pod passes", () => assert.deepEqual(restrictedViolations(good()), []));

  test("each control fires on its own violation", () => {
    const cases: [string, (p: Json) => void, Record<string, string>?][] = [
      ["Host Namespaces", (p) => (p.hostNetwork = true)],
      ["Privileged Containers", (p) => (p.containers[0].securityContext.privileged = true)],
      // hostPath is also outside the restricted volume types.
      ["HostPath Volumes,Volume Types", (p) => p.volumes.push({ name: "root", hostPath: { path: "/" } })],
      ["Host Ports", (p) => (p.containers[0].ports = [{ containerPort: 80, hostPort: 80 }])],
      ["AppArmor", () => {}, { "container.apparmor.security.beta.kubernetes.io/app": "unconfined" }],
      ["SELinux", (p) => (p.securityContext.seLinuxOptions = { type: "spc_t" })],
      ["/proc Mount Type", (p) => (p.containers[0].securityContext.procMount = "Unmasked")],
      ["Sysctls", (p) => (p.securityContext.sysctls = [{ name: "kernel.msgmax", value: "1" }])],
      ["Privilege Escalation", (p) => delete p.containers[0].securityContext.allowPrivilegeEscalation],
      ["Running as Non-root", (p) => delete p.securityContext.runAsNonRoot],
      ["Running as Non-root user", (p) => (p.containers[0].securityContext.runAsUser = 0)],
      ["Seccomp", (p) => delete p.securityContext.seccompProfile],
      ["Capabilities", (p) => (p.containers[0].securityContext.capabilities = { drop: ["ALL"], add: ["SYS_ADMIN"] })],
    ];
    for (const [control, mutate, annotations] of cases) {
      const pod = good();
      mutate(pod);
      assert.deepEqual(controls(pod, annotations), control.split(","), control);
    }
  });

  test("an init container is held to the same rules, and a pod-level default covers containers that set none", () => {
    const pod = good() as Json;
    pod.initContainers = [{ name: "init", image: "x", securityContext: { capabilities: { drop: ["ALL"] } } }];
    assert.deepEqual(controls(pod), ["Privilege Escalation"]);
    const unconfined = good() as Json;
    unconfined.containers[0].securityContext.seccompProfile = { type: "Unconfined" };
    assert.deepEqual(controls(unconfined), ["Seccomp"]);
  });
});
