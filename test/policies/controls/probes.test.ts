import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, type Fixture } from "../harness";
import { k8sWorkloadProbes } from "../../../policy-packs/controls/k8s-workload-probes";

const http = { httpGet: { path: "/health", port: 8000 } };
/** A container without one of its keys (the engine omits absent properties; it never sends undefined). */
const without = (c: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(c).filter(([k]) => k !== key));
const deployment = (containers: unknown[], initContainers: unknown[] = [], type = "kubernetes:apps/v1:Deployment"): Fixture => ({
  type,
  name: "app",
  props: { metadata: { name: "app", namespace: "inference" }, spec: { template: { spec: { containers, initContainers } } } },
});

test("probes: liveness everywhere and readiness where a port is declared pass; a missing probe fires; init containers and Jobs are exempt, init sidecars are not", async () => {
  const server = { name: "server", image: "x@sha256:a", ports: [{ containerPort: 8000 }], livenessProbe: http, readinessProbe: http };
  const worker = { name: "worker", image: "x@sha256:a", livenessProbe: { exec: { command: ["/bin/true"] } } };
  assert.deepEqual(messages(await runControl(k8sWorkloadProbes, [deployment([server, worker], [{ name: "init", image: "x@sha256:a" }])])), []);
  assert.deepEqual(messages(await runControl(k8sWorkloadProbes, [deployment([without(server, "livenessProbe")])])), ['container "server": no livenessProbe: a hung process is never restarted']);
  const m = messages(await runControl(k8sWorkloadProbes, [deployment([without(server, "readinessProbe")])]));
  assert.equal(m.length, 1);
  assert.match(m[0]!, /declares ports but no readinessProbe/);
  assert.equal(messages(await runControl(k8sWorkloadProbes, [deployment([server], [{ name: "shipper", image: "x@sha256:a", restartPolicy: "Always" }])])).length, 1);
  const job: Fixture = { type: "kubernetes:batch/v1:Job", name: "j", props: { metadata: { name: "j" }, spec: { template: { spec: { containers: [{ name: "once", image: "x@sha256:a" }] } } } } };
  assert.deepEqual(messages(await runControl(k8sWorkloadProbes, [job])), []);
  // The image pre-pull DaemonSet (a sleeping container) is exempt by default, by name only.
  const prepull: Fixture = { type: "kubernetes:apps/v1:DaemonSet", name: "p", props: { metadata: { name: "vllm-image-prepull", namespace: "inference" }, spec: { template: { spec: { containers: [{ name: "hold", image: "x@sha256:a", command: ["sleep", "infinity"] }] } } } } };
  assert.deepEqual(messages(await runControl(k8sWorkloadProbes, [prepull])), []);
  assert.equal(messages(await runControl(k8sWorkloadProbes, [prepull], { exemptWorkloads: [] })).length, 1);
  assert.equal(messages(await runControl(k8sWorkloadProbes, [deployment([{ name: "hold", image: "x@sha256:a" }], [], "kubernetes:apps/v1:DaemonSet")])).length, 1);
  const u = await runControl(k8sWorkloadProbes, [deployment([{ ...server, livenessProbe: UNKNOWN }])]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});
