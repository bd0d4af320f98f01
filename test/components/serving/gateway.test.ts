/**
 * The guardrail gateway as the platform deploys it: its config file is accepted by the gateway's
 * own schema, its objects validate against the Kubernetes OpenAPI schema, it runs under Pod
 * Security restricted with a read-only root, it sits behind an internal load balancer, and it is
 * the only pod the model servers admit.
 */
import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { STACKS, ofType, settingsOf, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";
import type { StackConfig } from "../../../infra/schema.js";
import { plain as unwrap, type SynthResult } from "../../../tools/check/synth.js";
import {
  GATEWAY_PORT,
  GATEWAY_UID,
  renderApiKeysFile,
  renderGatewayConfig,
  renderGatewayDeploymentSpec,
  renderGatewayNetworkPolicySpec,
  renderGatewayService,
  renderShipperConfig,
} from "../../../components/serving/gateway-manifests.js";
import { GATEWAY_POD_LABELS, renderIngressPolicySpec } from "../../../components/serving/manifests.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
const plain = (v: unknown): Json => JSON.parse(JSON.stringify(v));

const settings: Record<string, { cfg: StackConfig; region: string }> = {};
let synth: Record<StackName, SynthResult>;
before(async () => {
  for (const stack of STACKS) settings[stack] = await settingsOf(stack);
  synth = await synthesizeCommitted({ preview: false });
});

const upstreamsOf = (cfg: StackConfig) => Object.fromEntries(cfg.models.map((m) => [m.name, `https://vllm-${m.name}.inference.svc:8000`]));
const podInput = (cfg: StackConfig, apiKeys = false) => ({
  image: cfg.gateway.image,
  configChecksum: "0".repeat(64),
  apiKeys,
  contentLogging: cfg.logging.content === "enabled",
  serviceAccountName: "guardrail-gateway",
  shipperImage: cfg.serving.logShipperImage,
  names: { config: "c", serverTls: "t", upstreamTls: "u", apiKeys: "k", vllmApiKey: "v", shipperConfig: "s" },
});

describe("gateway config file", () => {
  test("every committed stack renders a config the gateway's own schema accepts, with and without API keys", async () => {
    const { parseConfig } = await import("../../../services/gateway/src/config.js");
    for (const stack of STACKS) {
      const { cfg } = settings[stack];
      for (const apiKeys of [false, true]) {
        const rendered = renderGatewayConfig({ gateway: cfg.gateway, upstreams: upstreamsOf(cfg), apiKeys, contentLogging: cfg.logging.content === "enabled" });
        const parsed = parseConfig(parse(JSON.stringify(rendered)), `${stack} gateway config`);
        assert.deepEqual(parsed.models.map((m) => m.id).sort(), cfg.models.map((m) => m.name).sort());
        assert.equal(parsed.auth.oidc?.issuer, cfg.gateway.oidc?.issuer);
        assert.equal(parsed.auth.apiKeys !== undefined, apiKeys);
        assert.equal(parsed.audit.sink, "file", "audit lines go to the file the log shipper tails");
        assert.equal(parsed.contentLog.mode, cfg.logging.content === "enabled" ? "file" : "off", `${stack}: content logging follows the stack`);
        for (const m of parsed.models) assert.match(m.upstream, /^https:\/\//, "upstream over TLS");
        for (const m of parsed.models) assert.equal(m.replicasHost, `vllm-${m.id}-replicas.inference.svc`, "every replica's queue is reachable for the autoscaler");
        assert.ok(parsed.upstream.tls.certFile && parsed.upstream.tls.keyFile && parsed.upstream.tls.caFile, "mutual TLS upstream");
      }
    }
  });

  test("a broken rendering is rejected by the gateway's schema (the check can fail)", async () => {
    const { parseConfig } = await import("../../../services/gateway/src/config.js");
    const { cfg } = settings.prod;
    const rendered = renderGatewayConfig({ gateway: cfg.gateway, upstreams: upstreamsOf(cfg), apiKeys: false, contentLogging: false }) as Json;
    rendered.models[0].upstream = "http://plain-text:8000";
    assert.throws(() => parseConfig(rendered), /https/);
  });

  test("API-key hashes file: sorted, validated", () => {
    assert.equal(renderApiKeysFile({ b: "b".repeat(64), a: "a".repeat(64) }), JSON.stringify([{ name: "a", sha256: "a".repeat(64) }, { name: "b", sha256: "b".repeat(64) }], null, 2) + "\n");
    assert.throws(() => renderApiKeysFile({ a: "not-a-hash" }), /gatewayApiKeyHashes\.a/);
  });
});

describe("gateway Kubernetes objects", () => {
  test("validate against the Kubernetes OpenAPI schema (kubernetes-models)", async () => {
    const { Deployment } = await import("kubernetes-models/apps/v1/Deployment");
    const { Service } = await import("kubernetes-models/v1/Service");
    const { NetworkPolicy } = await import("kubernetes-models/networking.k8s.io/v1/NetworkPolicy");
    const metadata = { name: "guardrail-gateway", namespace: "inference" };
    for (const stack of STACKS) {
      const { cfg } = settings[stack];
      new Deployment({ metadata, spec: plain(renderGatewayDeploymentSpec(podInput(cfg, true), cfg.gateway.minReplicas)) }).validate();
      const svc = renderGatewayService(cfg.gateway.clientCidrs);
      new Service({ metadata: { ...metadata, annotations: svc.annotations }, spec: plain(svc.spec) }).validate();
      new NetworkPolicy({ metadata, spec: plain(renderGatewayNetworkPolicySpec({ clientCidrs: ["10.0.0.0/16"], jwksCidrs: cfg.gateway.oidc?.jwksCidrs ?? [], models: cfg.models.map((m) => m.name), endpointCidrs: ["10.0.240.0/24"] })) }).validate();
    }
    const broken = plain(renderGatewayDeploymentSpec(podInput(settings.prod.cfg), 2));
    broken.template.spec.containers[0].ports[0].containerPort = "https";
    assert.throws(() => new Deployment({ metadata, spec: broken }).validate());
  });

  test("Pod Security restricted, read-only root, pinned image, no service account token", () => {
    for (const stack of STACKS) {
      const { cfg } = settings[stack];
      const spec = plain(renderGatewayDeploymentSpec(podInput(cfg), cfg.gateway.minReplicas));
      const pod = spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false);
      // The Pod Identity role is the log shipper's; the gateway container gets no credentials.
      assert.equal(spec.template.metadata.annotations["eks.amazonaws.com/skip-containers"], "gateway");
      assert.equal(pod.securityContext.runAsNonRoot, true);
      assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
      const [c] = pod.containers;
      assert.match(c.image, /@sha256:[0-9a-f]{64}$/);
      assert.deepEqual(c.securityContext.capabilities, { drop: ["ALL"] });
      assert.equal(c.securityContext.readOnlyRootFilesystem, true);
      assert.equal(c.securityContext.allowPrivilegeEscalation, false);
      assert.equal(c.securityContext.runAsUser, GATEWAY_UID);
      assert.ok(c.resources.limits.cpu && c.resources.limits.memory);
      assert.equal(c.readinessProbe.httpGet.path, "/readyz");
      assert.equal(spec.replicas, cfg.gateway.minReplicas);
      assert.equal(pod.topologySpreadConstraints[0].topologyKey, "topology.kubernetes.io/zone");
    }
  });

  test("internal NLB only, limited to the VPC and client networks; TLS terminates at the gateway", () => {
    const svc = plain(renderGatewayService(["10.200.0.0/16", "10.201.0.0/16"]));
    assert.equal(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-internal"], "true");
    assert.equal(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-scheme"], "internal");
    // Only the declared client networks, and only system nodes (where the gateway runs) as targets.
    assert.deepEqual(svc.spec.loadBalancerSourceRanges, ["10.200.0.0/16", "10.201.0.0/16"]);
    assert.equal(svc.annotations["service.beta.kubernetes.io/aws-load-balancer-target-node-labels"], "sovereign-llm/node-group=system");
    assert.equal(svc.spec.externalTrafficPolicy, "Local");
    assert.throws(() => renderGatewayService([]), /client networks/);
    assert.deepEqual(svc.spec.ports, [{ name: "https", port: 443, targetPort: GATEWAY_PORT, protocol: "TCP" }]);
  });

  test("the gateway reaches only the model servers and the IdP; /0 is refused", () => {
    const np = plain(renderGatewayNetworkPolicySpec({ clientCidrs: ["10.30.0.0/16"], jwksCidrs: ["10.200.0.0/16"], models: ["m"], endpointCidrs: ["10.30.241.0/24", "10.30.240.0/24"] }));
    assert.deepEqual(np.policyTypes, ["Ingress", "Egress"]);
    assert.deepEqual(np.egress[0].to, [{ podSelector: { matchLabels: { "app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "m" } } }]);
    assert.deepEqual(np.egress[1], { to: [{ ipBlock: { cidr: "10.200.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] });
    assert.deepEqual(
      np.egress[2],
      { to: [{ ipBlock: { cidr: "10.30.240.0/24" } }, { ipBlock: { cidr: "10.30.241.0/24" } }], ports: [{ protocol: "TCP", port: 443 }] },
      "AWS endpoints: their subnets, not the VPC CIDR",
    );
    assert.deepEqual(np.egress[3], { to: [{ ipBlock: { cidr: "169.254.170.23/32" } }], ports: [{ protocol: "TCP", port: 80 }] }, "Pod Identity agent");
    assert.equal(np.egress.length, 4);
    assert.throws(() => renderGatewayNetworkPolicySpec({ clientCidrs: ["0.0.0.0/0"], jwksCidrs: [], models: ["m"], endpointCidrs: ["10.30.240.0/24"] }), /whole internet/);
    assert.throws(() => renderGatewayNetworkPolicySpec({ clientCidrs: ["10.30.0.0/16"], jwksCidrs: [], models: ["m"], endpointCidrs: [] }), /endpointCidrs/);
  });

  test("the ops port admits the metrics scraper and KEDA's operator only", () => {
    const np = plain(renderGatewayNetworkPolicySpec({ clientCidrs: ["10.30.0.0/16"], jwksCidrs: [], models: ["m"], endpointCidrs: ["10.30.240.0/24"] }));
    const ops = np.ingress.find((r: any) => r.ports[0].port === 9090);
    assert.deepEqual(
      ops.from.map((f: any) => [f.namespaceSelector.matchLabels, f.podSelector.matchLabels]),
      [
        [{ "kubernetes.io/metadata.name": "monitoring" }, { "app.kubernetes.io/name": "prometheus" }],
        [{ "kubernetes.io/metadata.name": "keda" }, { app: "keda-operator" }],
      ],
    );
  });

  test("the model servers admit the gateway's pods (and the metrics scraper) only", () => {
    const ingress = plain(renderIngressPolicySpec("m")).ingress;
    const podSources = ingress.flatMap((rule: Json) => rule.from).filter((f: Json) => !f.namespaceSelector);
    assert.deepEqual(podSources, [{ podSelector: { matchLabels: GATEWAY_POD_LABELS } }]);
  });
});

describe("log shipper", () => {
  test("audit and content files go to their own log groups; groups are never auto-created", () => {
    const both = renderShipperConfig({ region: "eu-central-1", auditLogGroup: "/p/s/audit/gateway", contentLogGroup: "/p/s/content/inference" });
    assert.match(both, /Path\s+\/var\/log\/gateway\/audit\.jsonl/);
    assert.match(both, /Match\s+audit\n\s+region\s+eu-central-1\n\s+log_group_name\s+\/p\/s\/audit\/gateway/);
    assert.match(both, /Match\s+content\n\s+region\s+eu-central-1\n\s+log_group_name\s+\/p\/s\/content\/inference/);
    assert.doesNotMatch(both, /auto_create_group\s+On/i);
    const auditOnly = renderShipperConfig({ region: "us-east-1", auditLogGroup: "/p/s/audit/gateway" });
    assert.doesNotMatch(auditOnly, /content/);
  });

  test("a CloudWatch outage cannot fill the pod's volume: buffer and retries bounded, drops counted", () => {
    const both = renderShipperConfig({ region: "eu-central-1", auditLogGroup: "/p/s/audit/gateway", contentLogGroup: "/p/s/content/inference" });
    assert.doesNotMatch(both, /Retry_Limit\s+False/i, "unlimited retries keep every chunk forever");
    const limits = [...both.matchAll(/storage\.total_limit_size (\d+)M/g)].map((m) => Number(m[1]));
    assert.equal(limits.length, 2, "one bound per output");
    const spec = plain(renderGatewayDeploymentSpec(podInput(settings.prod.cfg), 2));
    const state = spec.template.spec.volumes.find((v: Json) => v.name === "shipper-state");
    assert.ok(limits.reduce((a, b) => a + b, 0) + 32 <= parseInt(state.emptyDir.sizeLimit), "buffers plus position files fit the volume with room to spare");
    assert.match(both, /Retry_Limit\s+\d+/);
    assert.match(both, /HTTP_Server\s+On/, "metrics (fluentbit_output_dropped_records_total) for the scraper");
    const shipper = spec.template.spec.containers.find((c: Json) => c.name === "log-shipper");
    assert.deepEqual(shipper.ports, [{ name: "shipper-metrics", containerPort: 2020, protocol: "TCP" }]);
    const np = plain(renderGatewayNetworkPolicySpec({ clientCidrs: ["10.200.0.0/16"], jwksCidrs: [], models: ["m"], endpointCidrs: ["10.30.240.0/24"] }));
    assert.ok(np.ingress.some((r: Json) => r.from.some((f: Json) => f.namespaceSelector) && r.ports.some((p: Json) => p.port === 2020)), "the scraper may read them");
  });

  test("shutdown: preStop for the load balancer, a drain for long streams, the shipper last; all inside EKS's 15 minutes", () => {
    const spec = plain(renderGatewayDeploymentSpec(podInput(settings.prod.cfg), 2));
    const pod = spec.template.spec;
    const gateway = pod.containers.find((c: Json) => c.name === "gateway");
    const shipper = pod.containers.find((c: Json) => c.name === "log-shipper");
    const config = renderGatewayConfig({ gateway: settings.prod.cfg.gateway, upstreams: upstreamsOf(settings.prod.cfg), apiKeys: false, contentLogging: false }) as Json;
    const preStop = gateway.lifecycle.preStop.sleep.seconds;
    const drain = config.server.shutdownGraceMs / 1000;
    assert.ok(preStop >= 20, "two NLB health checks notice the pod is gone");
    assert.ok(drain >= 60);
    assert.ok(shipper.lifecycle.preStop.sleep.seconds >= preStop + drain, "the shipper outlives the gateway's last audit line");
    assert.ok(pod.terminationGracePeriodSeconds > preStop + drain && pod.terminationGracePeriodSeconds < 15 * 60);
  });

  test("the sidecar runs restricted and reads the log files read-only", () => {
    const spec = plain(renderGatewayDeploymentSpec(podInput(settings.prod.cfg), 2));
    const shipper = spec.template.spec.containers.find((c: Json) => c.name === "log-shipper");
    assert.match(shipper.image, /@sha256:[0-9a-f]{64}$/);
    assert.equal(shipper.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(shipper.securityContext.capabilities, { drop: ["ALL"] });
    assert.equal(shipper.volumeMounts.find((m: Json) => m.name === "logs").readOnly, true);
  });
});

describe("gateway in every committed stack", () => {
  for (const stack of STACKS) {
    test(`${stack}: Deployment, HPA, PDB, internal Service, NetworkPolicy, secret TLS keys`, () => {
      const r = synth[stack];
      const names = (type: string) => ofType(r, type).map((x) => x.name).filter((n) => n.includes("-gateway"));
      assert.deepEqual(names("kubernetes:apps/v1:Deployment"), [`sovereign-llm-${stack}-gateway`]);
      assert.equal(names("kubernetes:autoscaling/v2:HorizontalPodAutoscaler").length, 1);
      assert.equal(names("kubernetes:policy/v1:PodDisruptionBudget").length, 1);
      assert.equal(names("kubernetes:networking.k8s.io/v1:NetworkPolicy").length, 1);
      const [svc] = ofType(r, "kubernetes:core/v1:Service").filter((x) => x.name.endsWith("-gateway-lb"));
      assert.equal((unwrap(svc.inputs) as Json).spec.type, "LoadBalancer");
      const tls = ofType(r, "kubernetes:core/v1:Secret").filter((x) => x.name.endsWith("-gateway-tls"));
      assert.equal(tls.length, 1);
      assert.match(JSON.stringify(tls[0].inputs), /4dabf18193072939515e22adb298388d/, "TLS key is a Pulumi secret");
      const [shipperPolicy] = ofType(r, "aws:iam/rolePolicy:RolePolicy").filter((x) => x.name.endsWith("-gateway-log-shipper"));
      const doc = JSON.parse((unwrap(shipperPolicy.inputs) as Json).policy);
      const resources = doc.Statement.flatMap((st: Json) => st.Resource);
      assert.ok(resources.every((res: string) => /:log-group:\/sovereign-llm\/[a-z-]+\/(audit\/gateway|content\/inference):/.test(res)), resources.join(" "));
      assert.ok(doc.Statement.every((st: Json) => [st.Action].flat().every((a: string) => a.startsWith("logs:") && !a.includes("*"))));
      const assoc = ofType(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation").filter((x) => (unwrap(x.inputs) as Json).serviceAccount === "guardrail-gateway");
      assert.equal(assoc.length, 1, "the log shipper has its own Pod Identity association");
      // Load balancer targets: the nodes the target-node-labels annotation selects are exactly the
      // system group's, where the gateway's pods are scheduled; no GPU node is registered.
      const targetLabels = (unwrap(svc.inputs) as Json).metadata.annotations["service.beta.kubernetes.io/aws-load-balancer-target-node-labels"] as string;
      const [labelKey, labelValue] = targetLabels.split("=");
      const groups = ofType(r, "aws:eks/nodeGroup:NodeGroup").map((g) => unwrap(g.inputs) as Json);
      const targets = groups.filter((g) => g.labels?.[labelKey!] === labelValue);
      assert.deepEqual(targets.map((g) => g.nodeGroupName), ["system"], `${stack}: only the system node group is registered with the load balancer`);
      const [gatewayDeployment] = ofType(r, "kubernetes:apps/v1:Deployment").filter((x) => x.name === `sovereign-llm-${stack}-gateway`);
      assert.deepEqual((unwrap(gatewayDeployment!.inputs) as Json).spec.template.spec.nodeSelector, { [labelKey!]: labelValue }, `${stack}: the gateway runs on the target nodes`);
      const [cm] = ofType(r, "kubernetes:core/v1:ConfigMap").filter((x) => x.name.endsWith("-gateway-config"));
      const config = parse((unwrap(cm.inputs) as Json).data["config.yaml"]);
      assert.deepEqual(config.models.map((m: Json) => m.id).sort(), settings[stack].cfg.models.map((m) => m.name).sort());
    });
  }
});
