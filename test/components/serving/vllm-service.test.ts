// The program under mocks: each committed stack declares one VllmService per model (the model
// server, with no AWS identity, and its node cache, with the model's Pod Identity association),
// certificates from the stack's one CA, and secret outputs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { SECRET_SIG, SIG_KEY as SECRET_SIG_KEY, type SynthResult } from "../../../tools/check/synth.js";

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});

test("per model: a model server with no AWS identity, and a node cache DaemonSet that alone holds the model's Pod Identity role", async () => {
  for (const stack of STACKS) {
    const r = results[stack];
    const { cfg } = await settingsOf(stack);
    const name = (x: { inputs: Record<string, unknown> }) => (x.inputs.metadata as { name: string }).name;
    const deployments = ofType(r, "kubernetes:apps/v1:Deployment").filter((d) => name(d).startsWith("vllm-"));
    const caches = ofType(r, "kubernetes:apps/v1:DaemonSet").filter((d) => name(d).startsWith("model-cache-"));
    assert.deepEqual(deployments.map(name).sort(), cfg.models.map((m) => `vllm-${m.name}`).sort(), stack);
    assert.deepEqual(caches.map(name).sort(), cfg.models.map((m) => `model-cache-${m.name}`).sort(), stack);
    const assocs = ofType(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((a) => a.inputs.namespace === "inference");
    // The only associations in the inference namespace are the caches' (and the gateway's log shipper's).
    assert.ok(!assocs.some((a) => String(a.inputs.serviceAccount).startsWith("vllm-")), `${stack}: no model server's service account has a role`);
    for (const m of cfg.models) {
      const deployment = deployments.find((d) => name(d) === `vllm-${m.name}`)!;
      const cache = caches.find((d) => name(d) === `model-cache-${m.name}`)!;
      const assoc = assocs.find((a) => a.inputs.serviceAccount === `model-cache-${m.name}`);
      assert.ok(assoc, `${stack}: ${m.name}'s cache has a Pod Identity association`);
      const role = ofType(r, "aws:iam/role:Role").find((x) => x.parent === assoc.parent && x.name.endsWith("-role"))!;
      assert.equal(assoc.inputs.roleArn, role.outputs.arn);
      const trust = JSON.parse(String(role.inputs.assumeRolePolicy)) as { Statement: { Condition: { StringEquals: Record<string, string> } }[] };
      assert.equal(trust.Statement[0]!.Condition.StringEquals["aws:RequestTag/kubernetes-service-account"], `model-cache-${m.name}`, `${stack}: the role trusts the cache's service account only`);
      assert.ok(cache.dependencies.includes(assoc.urn), `${stack}: the cache waits for its association (credentials are injected at admission)`);

      const cachePod = (cache.inputs.spec as any).template; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(cachePod.spec.serviceAccountName, `model-cache-${m.name}`);
      assert.equal(cachePod.metadata.annotations?.["eks.amazonaws.com/skip-containers"], undefined, "the cache container receives the credentials");
      const cmd: string[] = cachePod.spec.containers[0].command;
      assert.equal(cmd[cmd.indexOf("--credentials") + 1], "container");
      assert.ok(cmd.includes(`s3://$(MODEL_BUCKET)/models/${m.name}/`));

      const pod = (deployment.inputs.spec as any).template; // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(pod.spec.serviceAccountName, `vllm-${m.name}`);
      assert.equal(pod.spec.automountServiceAccountToken, false);
      const containers = [...pod.spec.initContainers, ...pod.spec.containers];
      assert.deepEqual(pod.metadata.annotations["eks.amazonaws.com/skip-containers"].split(",").sort(), containers.map((c: { name: string }) => c.name).sort());
      for (const c of containers) for (const e of c.env ?? []) assert.ok(!/^AWS_/.test(e.name), `${stack}: ${c.name} has ${e.name}`);
      assert.ok(!deployment.dependencies.includes(assoc.urn));
      // The cache runs where the model's servers run.
      assert.deepEqual(cachePod.spec.nodeSelector, pod.spec.nodeSelector);
      assert.deepEqual(cachePod.spec.tolerations, pod.spec.tolerations);
      const sa = ofType(r, "kubernetes:core/v1:ServiceAccount").filter((x) => x.parent === assoc.parent);
      assert.deepEqual(sa.map((x) => (x.inputs.metadata as { name: string }).name).sort(), [`model-cache-${m.name}`, `vllm-${m.name}`]);
      for (const x of sa) assert.equal(x.inputs.automountServiceAccountToken, false);
    }
    const scalers = ofType(r, "kubernetes:keda.sh/v1alpha1:ScaledObject");
    assert.equal(scalers.length, cfg.models.filter((m) => m.autoscaling.enabled).length, `${stack}: one ScaledObject per autoscaled model`);
  }
});

test("one CA per stack; leaf certificates and the gateway client certificate are signed by it", () => {
  for (const stack of STACKS) {
    const r = results[stack];
    const cas = ofType(r, "tls:index/selfSignedCert:SelfSignedCert");
    assert.equal(cas.length, 1, stack);
    assert.equal(cas[0]!.inputs.isCaCertificate, true);
    // The CA key is the one both the CA certificate and every leaf are signed with.
    const caKey = cas[0]!.propertyDependencies.privateKeyPem?.[0];
    assert.ok(caKey, `${stack}: the CA certificate names its key`);
    const leaves = ofType(r, "tls:index/locallySignedCert:LocallySignedCert");
    assert.ok(leaves.some((l) => l.name.endsWith("-gateway-client-cert")), `${stack}: a gateway client certificate`);
    for (const leaf of leaves) {
      assert.ok(typeof leaf.inputs.earlyRenewalHours === "number" && leaf.inputs.earlyRenewalHours > 0, `${leaf.name} renews early`);
      assert.deepEqual(leaf.propertyDependencies.caPrivateKeyPem, [caKey], `${leaf.name} is signed by the stack's CA`);
    }
    for (const key of ofType(r, "tls:index/privateKey:PrivateKey")) assert.deepEqual([key.inputs.algorithm, key.inputs.ecdsaCurve], ["ECDSA", "P384"]);
  }
});

test("no certificate is both server and client: vLLM and gateway servers serve, the gateway, scraper and probes are clients", () => {
  for (const stack of STACKS) {
    const r = results[stack];
    const leaves = ofType(r, "tls:index/locallySignedCert:LocallySignedCert");
    const uses = (l: (typeof leaves)[number]) => (l.inputs.allowedUses as string[]).filter((u) => u.endsWith("_auth")).sort();
    for (const leaf of leaves) assert.equal(uses(leaf).length, 1, `${stack}: ${leaf.name} has exactly one of server_auth, client_auth`);
    const vllmServers = leaves.filter((l) => /-vllm-.*-tls-cert$/.test(l.name));
    assert.ok(vllmServers.length > 0);
    for (const l of vllmServers) assert.deepEqual(uses(l), ["server_auth"], l.name);
    const probes = leaves.filter((l) => /-vllm-.*-probe-cert$/.test(l.name));
    assert.equal(probes.length, vllmServers.length, `${stack}: one probe client certificate per model`);
    for (const l of [...probes, ...leaves.filter((x) => /-(gateway|metrics)-client-cert$/.test(x.name))]) assert.deepEqual(uses(l), ["client_auth"], l.name);
  }
});

test("certificate renewal rolls no model server: no certificate checksum on the pod template, vLLM reloads the files", () => {
  for (const stack of STACKS) {
    const deployments = ofType(results[stack], "kubernetes:apps/v1:Deployment").filter((d) => (d.inputs.metadata as { name: string }).name.startsWith("vllm-"));
    for (const d of deployments) {
      const template = (d.inputs.spec as { template: { metadata: { annotations: Record<string, unknown> }; spec: { containers: { name: string; args: string[] }[] } } }).template;
      assert.ok(!Object.keys(template.metadata.annotations).some((k) => /checksum/.test(k)), `${stack}: ${d.name} has no checksum annotation`);
      assert.ok(template.spec.containers.find((c) => c.name === "vllm")!.args.includes("--enable-ssl-refresh"));
    }
  }
});

test("the TLS and API key Secrets carry secret values; the client certificate, key, CA and API key are stack outputs", () => {
  for (const stack of STACKS) {
    const r = results[stack];
    for (const s of ofType(r, "kubernetes:core/v1:Secret").filter((x) => x.name.includes("-vllm-"))) {
      const data = s.inputs.stringData as Record<string, unknown>;
      assert.equal(data[SECRET_SIG_KEY], SECRET_SIG, `${stack}: ${s.name}.stringData is secret`);
    }
    // The harness records stack outputs as plain values (the mocks leave PEMs empty), so only
    // their presence is checked here; infra/platform.ts wraps each in pulumi.secret.
    for (const out of ["gatewayClientCertificate", "gatewayClientKey", "internalCaCertificate", "vllmApiKeys", "modelEndpoints"]) {
      assert.ok(out in r.stackOutputs, `${stack}: output ${out}`);
    }
  }
});

test("modelExpectedDigests: one entry per model, its pinned root digest or null (for the evidence report)", async () => {
  for (const stack of STACKS) {
    const { cfg } = await settingsOf(stack);
    const pins = results[stack].stackOutputs["modelExpectedDigests"] as Record<string, string | null>;
    assert.deepEqual(pins, Object.fromEntries(cfg.models.map((m) => [m.name, m.expectedDigest ?? null])), stack);
  }
});
