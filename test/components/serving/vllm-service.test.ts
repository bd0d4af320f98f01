// The program under mocks: each committed stack declares one VllmService per model, wired to its
// own Pod Identity association, certificates from the stack's one CA, and secret outputs.
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import { SECRET_SIG, SIG_KEY as SECRET_SIG_KEY, type SynthResult } from "../../../tools/check/synth.js";

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});

test("one Deployment, Pod Identity association, ServiceAccount and server certificate per model", async () => {
  for (const stack of STACKS) {
    const r = results[stack];
    const { cfg } = await settingsOf(stack);
    const names = cfg.models.map((m) => `vllm-${m.name}`).sort();
    const deployments = ofType(r, "kubernetes:apps/v1:Deployment").filter((d) => (d.inputs.metadata as { name: string }).name.startsWith("vllm-"));
    assert.deepEqual(deployments.map((d) => (d.inputs.metadata as { name: string }).name).sort(), names, stack);
    const assocs = ofType(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((a) => a.inputs.namespace === "inference" && String(a.inputs.serviceAccount).startsWith("vllm-"));
    assert.deepEqual(assocs.map((a) => a.inputs.serviceAccount).sort(), names, stack);
    for (const a of assocs) {
      const role = ofType(r, "aws:iam/role:Role").find((x) => x.parent === a.parent && x.name.endsWith("-role"));
      assert.ok(role, `${stack}: ${a.name} has its own role`);
      assert.equal(a.inputs.roleArn, role.outputs.arn, `${stack}: ${a.name} points at its component's role`);
      const sa = ofType(r, "kubernetes:core/v1:ServiceAccount").find((x) => x.parent === a.parent);
      assert.equal(sa?.inputs.automountServiceAccountToken, false);
    }
    for (const d of deployments) {
      const assoc = assocs.find((a) => a.parent === d.parent);
      assert.ok(assoc && d.dependencies.includes(assoc.urn), `${stack}: ${d.name} waits for its Pod Identity association`);
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
