/** Cluster, node groups and launch templates of every committed stack, as an auditor reads them. */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { plain } from "../../../tools/check/synth.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, yamlConfig, type StackName } from "../../helpers/stacks.js";
import { DATA_VOLUME_THROUGHPUT_MIBPS, NODE_MANAGED_POLICIES } from "../../../components/cluster/node-hardening.js";
import { CONTROL_PLANE_LOG_TYPES, kubernetesServiceAddress } from "../../../components/cluster/secure-cluster.js";
import { AUTOSCALER_GPU_LABEL, acceleratorLabelValue } from "../../../components/cluster/gpu-node-group.js";

let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});
const inputs = (r: Registration) => plain(r.inputs) as Record<string, any>;

for (const stack of STACKS) {
  describe(`cluster: ${stack}`, () => {
    const cfg = () => yamlConfig(stack) as Record<string, any>;

    it("has a private endpoint, and a public one only for the listed CIDRs (never in prod)", () => {
      const [cluster] = ofType(results[stack], "aws:eks/cluster:Cluster").map(inputs);
      const cidrs: string[] = cfg()["sovereign-llm:cluster"].publicAccessCidrs ?? [];
      assert.equal(cluster.vpcConfig.endpointPrivateAccess, true);
      assert.equal(cluster.vpcConfig.endpointPublicAccess, cidrs.length > 0);
      if (cidrs.length > 0) assert.deepEqual(cluster.vpcConfig.publicAccessCidrs, cidrs);
      else assert.equal(cluster.vpcConfig.publicAccessCidrs, undefined);
      if (cfg()["sovereign-llm:environment"] === "prod") assert.equal(cluster.vpcConfig.endpointPublicAccess, false);
    });

    it("encrypts secrets with the cluster key, logs all five log types into a pre-created encrypted group, authenticates by API", () => {
      const result = results[stack];
      const [clusterReg] = ofType(result, "aws:eks/cluster:Cluster");
      const cluster = inputs(clusterReg);
      const clusterKey = ofType(result, "aws:kms/key:Key").find((k) => k.name.endsWith("-keys-cluster"))!;
      assert.deepEqual(cluster.encryptionConfig.resources, ["secrets"]);
      assert.equal(cluster.encryptionConfig.provider.keyArn, plain(clusterKey.outputs.arn));
      assert.deepEqual([...cluster.enabledClusterLogTypes].sort(), [...CONTROL_PLANE_LOG_TYPES].sort());
      const logGroup = ofType(result, "aws:cloudwatch/logGroup:LogGroup").find((g) => inputs(g).name === `/aws/eks/${cluster.name}/cluster`)!;
      assert.ok(logGroup, "control-plane log group exists");
      assert.ok(inputs(logGroup).kmsKeyId);
      assert.equal(inputs(logGroup).retentionInDays, (cfg()["sovereign-llm:logging"] as any)?.auditRetentionDays ?? 2192);
      assert.ok(clusterReg.dependencies.includes(logGroup.urn), "the log group is created before the cluster");
      assert.equal(cluster.accessConfig.authenticationMode, "API");
      assert.equal(cluster.accessConfig.bootstrapClusterCreatorAdminPermissions, false);
    });

    it("grants admin and view access by access entries for exactly the configured roles", () => {
      const access = cfg()["sovereign-llm:access"];
      const associations = ofType(results[stack], "aws:eks/accessPolicyAssociation:AccessPolicyAssociation").map(inputs);
      const admins = associations.filter((a) => a.policyArn.endsWith("/AmazonEKSClusterAdminPolicy")).map((a) => a.principalArn).sort();
      const viewers = associations.filter((a) => a.policyArn.endsWith("/AmazonEKSViewPolicy")).map((a) => a.principalArn).sort();
      assert.deepEqual(admins, [...access.adminRoleArns].sort());
      assert.deepEqual(viewers, [...(access.readOnlyRoleArns ?? [])].sort());
      assert.equal(associations.length, admins.length + viewers.length);
    });

    it("pins the managed add-ons (and metrics-server for the HPA), turns on network policy and gives the CNI a Pod Identity role", () => {
      const addons = ofType(results[stack], "aws:eks/addon:Addon").map(inputs);
      assert.deepEqual(addons.map((a) => a.addonName).sort(), ["coredns", "eks-pod-identity-agent", "kube-proxy", "metrics-server", "vpc-cni"]);
      for (const a of addons) assert.ok(typeof a.addonVersion === "string" && a.addonVersion.length > 0, `${a.addonName} has a version`);
      const cni = addons.find((a) => a.addonName === "vpc-cni")!;
      assert.deepEqual(JSON.parse(cni.configurationValues), { enableNetworkPolicy: "true" });
      assert.equal(cni.podIdentityAssociations[0].serviceAccount, "aws-node");
    });

    it("node role carries exactly the worker, ECR pull-only and SSM managed policies", () => {
      const result = results[stack];
      const nodeRole = ofType(result, "aws:iam/role:Role").find((r) => r.name.endsWith("-eks-node"))!;
      const trust = JSON.parse(inputs(nodeRole).assumeRolePolicy);
      assert.deepEqual(trust.Statement.map((s: any) => s.Principal.Service), ["ec2.amazonaws.com"]);
      const attached = ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        .filter((a) => a.parent === nodeRole.urn)
        .map((a) => inputs(a).policyArn.split("/").pop())
        .sort();
      assert.deepEqual(attached, [...NODE_MANAGED_POLICIES].sort());
      assert.equal(ofType(result, "aws:iam/rolePolicy:RolePolicy").filter((p) => p.parent === nodeRole.urn).length, 0, "no inline policy on nodes");
    });

    it("every launch template requires IMDSv2 with hop limit 1, encrypts gp3 volumes with the node key, has no SSH key", () => {
      const result = results[stack];
      const nodeKey = ofType(result, "aws:kms/key:Key").find((k) => k.name.endsWith("-keys-nodeVolumes"))!;
      const templates = ofType(result, "aws:ec2/launchTemplate:LaunchTemplate").map(inputs);
      assert.equal(templates.length, 1 + (cfg()["sovereign-llm:gpuNodeGroups"] as unknown[]).length);
      for (const t of templates) {
        assert.equal(t.metadataOptions.httpTokens, "required");
        assert.equal(t.metadataOptions.httpPutResponseHopLimit, 1);
        assert.equal(t.keyName, undefined);
        assert.equal(t.monitoring.enabled, true);
        assert.equal(t.blockDeviceMappings.length, 2);
        for (const b of t.blockDeviceMappings) {
          assert.equal(b.ebs.encrypted, "true");
          assert.equal(b.ebs.volumeType, "gp3");
          // Explicit, so the rollout budgets derived from the volume's throughput describe it.
          assert.equal(b.ebs.throughput, DATA_VOLUME_THROUGHPUT_MIBPS);
          assert.equal(b.ebs.kmsKeyId, plain(nodeKey.outputs.arn));
        }
      }
    });

    it("GPU node groups: Bottlerocket NVIDIA, taint and labels (autoscaler accelerator label too), desired size left to the autoscaler, one node at a time", () => {
      const groups = cfg()["sovereign-llm:gpuNodeGroups"] as any[];
      const nodeGroups = ofType(results[stack], "aws:eks/nodeGroup:NodeGroup").filter((n) => inputs(n).nodeGroupName !== "system");
      assert.equal(nodeGroups.length, groups.length);
      for (const g of groups) {
        const reg = nodeGroups.find((n) => inputs(n).nodeGroupName === g.name)!;
        const ng = inputs(reg);
        assert.equal(ng.amiType, "BOTTLEROCKET_x86_64_NVIDIA");
        assert.equal(ng.capacityType, g.capacityType ?? "ON_DEMAND");
        assert.deepEqual(ng.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
        assert.equal(ng.labels["sovereign-llm/node-group"], g.name);
        assert.equal(ng.labels[AUTOSCALER_GPU_LABEL], acceleratorLabelValue(g.instanceTypes));
        assert.match(ng.labels[AUTOSCALER_GPU_LABEL], /^nvidia-[a-z0-9]+$/);
        assert.equal(ng.updateConfig.maxUnavailable, 1);
        assert.deepEqual(reg.ignoreChanges, ["scalingConfig.desiredSize"]);
        assert.deepEqual([ng.scalingConfig.minSize, ng.scalingConfig.maxSize], [g.minSize, g.maxSize]);
      }
    });

    it("capacity-block groups: the launch template names the type, the group lists none and uses only the reservation zone's subnet", () => {
      const result = results[stack];
      const groups = cfg()["sovereign-llm:gpuNodeGroups"] as any[];
      const zones: string[] = cfg()["sovereign-llm:network"].availabilityZones;
      const subnets = ofType(result, "aws:ec2/subnet:Subnet").map(inputs).filter((sn) => sn.tags?.tier === "workload");
      // The mocks give every resource the id `<logical name>-id`.
      const subnetIdOf = (az: string) => `${ofType(result, "aws:ec2/subnet:Subnet").find((sn) => inputs(sn).tags?.tier === "workload" && inputs(sn).availabilityZone === az)!.name}-id`;
      assert.equal(subnets.length, zones.length);
      for (const g of groups) {
        const reg = ofType(result, "aws:eks/nodeGroup:NodeGroup").find((n) => inputs(n).nodeGroupName === g.name)!;
        const ng = inputs(reg);
        const template = inputs(ofType(result, "aws:ec2/launchTemplate:LaunchTemplate").find((t) => `${t.name}-id` === ng.launchTemplate.id)!);
        if (g.capacityType === "CAPACITY_BLOCK") {
          assert.equal(ng.instanceTypes, undefined, "EKS rejects instanceTypes next to a launch template that names the type");
          assert.equal(template.instanceType, g.instanceTypes[0]);
          assert.equal(template.instanceMarketOptions.marketType, "capacity-block");
          assert.equal(template.capacityReservationSpecification.capacityReservationTarget.capacityReservationId, g.capacityReservationId);
          assert.deepEqual(ng.subnetIds, [subnetIdOf(g.capacityReservationZone)]);
          assert.equal(ng.scalingConfig.desiredSize, 0);
        } else {
          assert.deepEqual(ng.instanceTypes, g.instanceTypes);
          assert.equal(template.instanceType, undefined);
          assert.equal(template.instanceMarketOptions, undefined);
          assert.deepEqual(ng.subnetIds, [...zones].sort().map(subnetIdOf));
        }
      }
    });

    it("every node group starts after the VPC CNI, kube-proxy and Pod Identity agent add-ons and the VPC endpoints", () => {
      const result = results[stack];
      const addonUrn = (addonName: string) => ofType(result, "aws:eks/addon:Addon").find((a) => inputs(a).addonName === addonName)!.urn;
      const endpoints = ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.urn);
      assert.ok(endpoints.length >= 2);
      for (const reg of ofType(result, "aws:eks/nodeGroup:NodeGroup")) {
        for (const a of ["vpc-cni", "kube-proxy", "eks-pod-identity-agent"]) assert.ok(reg.dependencies.includes(addonUrn(a)), `${inputs(reg).nodeGroupName} waits for ${a}`);
        for (const e of endpoints) assert.ok(reg.dependencies.includes(e), `${inputs(reg).nodeGroupName} waits for endpoint ${e.split("::").pop()}`);
      }
    });

    it("pins the service range, so the kubernetes service address is known", () => {
      const [cluster] = ofType(results[stack], "aws:eks/cluster:Cluster").map(inputs);
      const expected = cfg()["sovereign-llm:cluster"].serviceCidr ?? "172.20.0.0/16";
      assert.equal(cluster.kubernetesNetworkConfig.serviceIpv4Cidr, expected);
      assert.equal(kubernetesServiceAddress(expected), expected.replace(/\.0\/\d+$/, ".1"));
    });

    it("the inference namespace enforces Pod Security restricted and denies all traffic by default", () => {
      const result = results[stack];
      const [ns] = ofType(result, "kubernetes:core/v1:Namespace").map(inputs);
      for (const mode of ["enforce", "warn", "audit"]) assert.equal(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`], "restricted");
      const policies = ofType(result, "kubernetes:networking.k8s.io/v1:NetworkPolicy").map(inputs);
      const deny = policies.find((p) => p.metadata.name === "default-deny-all")!;
      assert.deepEqual(deny.spec, { podSelector: {}, policyTypes: ["Ingress", "Egress"] });
      const dns = policies.find((p) => p.metadata.name === "allow-dns-to-coredns")!;
      assert.deepEqual(dns.spec.egress[0].ports.map((p: any) => `${p.protocol}/${p.port}`).sort(), ["TCP/53", "UDP/53"]);
    });

    it("firewall: strict order, forward to stateful engine, drop and alert established, logs and prod protection", () => {
      const result = results[stack];
      const [policy] = ofType(result, "aws:networkfirewall/firewallPolicy:FirewallPolicy").map(inputs);
      assert.equal(policy.firewallPolicy.statefulEngineOptions.ruleOrder, "STRICT_ORDER");
      assert.deepEqual(policy.firewallPolicy.statelessDefaultActions, ["aws:forward_to_sfe"]);
      assert.deepEqual(policy.firewallPolicy.statefulDefaultActions, ["aws:drop_established", "aws:alert_established"]);
      const [firewall] = ofType(result, "aws:networkfirewall/firewall:Firewall").map(inputs);
      // Protected in prod and wherever PHI or personal data is processed (staging holds PHI).
      const prod = cfg()["sovereign-llm:environment"] === "prod" || ["phi", "pii"].includes(cfg()["sovereign-llm:dataClassification"]);
      assert.equal(firewall.deleteProtection, prod);
      assert.equal(firewall.subnetChangeProtection, prod);
      assert.equal(firewall.firewallPolicyChangeProtection, prod);
      const [logging] = ofType(result, "aws:networkfirewall/loggingConfiguration:LoggingConfiguration").map(inputs);
      assert.deepEqual(logging.loggingConfiguration.logDestinationConfigs.map((d: any) => d.logType).sort(), ["ALERT", "FLOW"]);
      const domains: string[] = (cfg()["sovereign-llm:egress"] as any)?.allowedDomains ?? [];
      // The baseline group (no UDP/ICMP, TCP to 80/443 only) is always there; the allow-list only with domains.
      const groups = ofType(result, "aws:networkfirewall/ruleGroup:RuleGroup").map(inputs).filter((g: any) => String(g.description).startsWith("Egress allow-list"));
      assert.equal(groups.length, domains.length > 0 ? 1 : 0, "a rule group only when domains are allowed");
      for (const d of domains) assert.match(groups[0].ruleGroup.rulesSource.rulesString, new RegExp(d.replace(/\./g, "\\.")));
    });
  });
}

describe("kubernetes service address", () => {
  it("is the first host of the service range", () => {
    assert.equal(kubernetesServiceAddress("172.20.0.0/16"), "172.20.0.1");
    assert.equal(kubernetesServiceAddress("10.100.0.0/16"), "10.100.0.1");
    assert.equal(kubernetesServiceAddress("192.168.64.0/18"), "192.168.64.1");
    assert.equal(kubernetesServiceAddress("10.96.7.9/12"), "10.96.0.1");
    assert.throws(() => kubernetesServiceAddress("172.20.0.0"));
  });
});
