/**
 * KEDA's RBAC as the platform installs it: the operator's ClusterRole narrowed from the release's
 * passes the RBAC control with no role exempted; the release's own role, or a narrowed one widened
 * again, fires; only the operator's Role in its own namespace may read that namespace's Secrets.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { kedaOperatorRbac } from "../../../components/autoscaling/keda-crds";
import { KEDA_NAMESPACE, KEDA_OPERATOR, renderKedaObjects } from "../../../components/autoscaling/keda-manifests";
import { KEDA_RESTRICT_SECRET_ACCESS, narrowOperatorRules, type PolicyRule } from "../../../components/autoscaling/keda-rbac";
import { k8sRbacLeastPrivilege } from "../../../policy-packs/controls/k8s-rbac-least-privilege";
import { messages, runControl, type Fixture } from "../../policies/harness";

const IMG = (name: string) => `111122223333.dkr.ecr.us-east-1.amazonaws.com/mirror/${name}@sha256:${"a".repeat(64)}`;
const objects = renderKedaObjects({ operatorImage: IMG("keda"), metricsServerImage: IMG("keda-metrics-apiserver"), nodeSelector: { "sovereign-llm/node-group": "system" } });
const TYPE: Record<string, string> = {
  ClusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
  Role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
  ClusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
  RoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
};
const rbacFixtures = (objs: typeof objects): Fixture[] =>
  objs
    .filter((o) => TYPE[o.kind])
    .map((o) => {
      const { apiVersion: _a, kind: _k, ...props } = o;
      return { type: TYPE[o.kind]!, name: `${o.kind}-${o.metadata.namespace ?? ""}-${o.metadata.name}`, props: props as Record<string, unknown> };
    });
const operatorRole = (objs: typeof objects) => objs.find((o) => o.kind === "ClusterRole" && o.metadata.name === KEDA_OPERATOR) as unknown as { rules: PolicyRule[] };
/** The RBAC control with its defaults, except that no role is exempted by name. */
const run = (fixtures: Fixture[], config: Record<string, unknown> = {}) => runControl(k8sRbacLeastPrivilege, fixtures, { exemptRoles: [], ...config });

test("KEDA RBAC: every role and binding of the install passes the RBAC control with no role exempted", async () => {
  const fixtures = rbacFixtures(objects);
  assert.ok(fixtures.length >= 8, `${fixtures.length} RBAC objects`);
  assert.deepEqual(messages(await run(fixtures)), []);
});

test("KEDA RBAC: the operator reads and scales Deployments only, reads no Secret outside its namespace, and runs with secret access restricted", () => {
  const rules = operatorRole(objects).rules;
  const flat = rules.flatMap((r) => (r.apiGroups ?? []).flatMap((g) => (r.resources ?? []).map((res) => `${g}/${res}`)));
  assert.ok(!flat.some((x) => x.includes("*")), flat.join(", "));
  assert.ok(!flat.includes("/secrets"));
  assert.ok(flat.includes("apps/deployments/scale") && flat.includes("apps/deployments"));
  const operator = objects.find((o) => o.kind === "Deployment" && o.metadata.name === KEDA_OPERATOR) as unknown as { spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } } };
  assert.deepEqual(operator.spec.template.spec.containers[0]!.env.find((e) => e.name === KEDA_RESTRICT_SECRET_ACCESS.name), KEDA_RESTRICT_SECRET_ACCESS);
  const role = objects.find((o) => o.kind === "Role" && o.metadata.name === KEDA_OPERATOR)!;
  assert.equal(role.metadata.namespace, KEDA_NAMESPACE);
});

test("KEDA RBAC: the release's unnarrowed role, a widened scale rule or Secrets read cluster-wide fire", async () => {
  const widen = (edit: (rules: PolicyRule[]) => PolicyRule[]) =>
    rbacFixtures(objects.map((o) => (o.kind === "ClusterRole" && o.metadata.name === KEDA_OPERATOR ? { ...o, rules: edit(structuredClone(operatorRole(objects).rules)) } : o)));
  const upstream = messages(await run(widen(() => kedaOperatorRbac().clusterRole.rules as PolicyRule[])));
  assert.ok(upstream.some((m) => /"\*" in apiGroups/.test(m)), upstream.join("\n"));
  assert.ok(upstream.some((m) => /reads every Secret in its scope/.test(m)), upstream.join("\n"));
  const scale = messages(await run(widen((rules) => rules.map((r) => ((r.resources ?? []).includes("deployments/scale") ? { ...r, apiGroups: ["*"], resources: ["*/scale"] } : r)))));
  assert.equal(scale.length, 2, scale.join("\n"));
  assert.match(scale[0]!, /"\*" in apiGroups/);
  assert.match(scale[1]!, /"\*\/scale" in resources/);
  const secrets = messages(await run(widen((rules) => [...rules, { apiGroups: [""], resources: ["secrets"], verbs: ["get", "list", "watch"] }])));
  assert.equal(secrets.length, 1);
  assert.match(secrets[0]!, /reads every Secret in its scope/);
});

test("KEDA RBAC: the own-namespace Secrets allowance is the operator's Role only", async () => {
  const role = rbacFixtures(objects).filter((f) => f.type === TYPE.Role);
  assert.deepEqual(messages(await run(role)), []);
  assert.equal(messages(await run(role, { ownNamespaceSecretReaders: [] })).length, 1, "without the allowance the Role's Secret reads fire");
  const elsewhere = role.map((f) => ({ ...f, props: { ...f.props, metadata: { ...(f.props.metadata as object), namespace: "inference" } } }));
  assert.equal(messages(await run(elsewhere)).length, 1, "the same Role in another namespace fires");
});

test("KEDA RBAC: an upstream role that changed fails the render, naming what is new and what is gone", () => {
  const rules = kedaOperatorRbac().clusterRole.rules as PolicyRule[];
  assert.throws(() => narrowOperatorRules([...rules, { apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: ["get"] }]), /new rule .*networking\.k8s\.io/);
  assert.throws(() => narrowOperatorRules(rules.slice(1)), /rule gone/);
  assert.equal(narrowOperatorRules(rules).length, rules.length);
});
