/** Cluster, node groups and launch templates of every committed stack, as an auditor reads them. */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { plain } from "../../../tools/check/synth.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, yamlConfig, type StackName } from "../../helpers/stacks.js";
import { NODE_MANAGED_POLICIES } from "../../../components/cluster/node-hardening.js";
import { CONTROL_PLANE_LOG_TYPES } from "../../../components/cluster/secure-cluster.js";

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
          assert.equal(b.ebs.kmsKeyId, plain(nodeKey.outputs.arn));
        }
      }
    });

    it("GPU node groups: Bottlerocket NVIDIA, taint and label, desired size left to the autoscaler, one node at a time", () => {
      const groups = cfg()["sovereign-llm:gpuNodeGroups"] as any[];
      const nodeGroups = ofType(results[stack], "aws:eks/nodeGroup:NodeGroup").filter((n) => inputs(n).nodeGroupName !== "system");
      assert.equal(nodeGroups.length, groups.length);
      for (const g of groups) {
        const reg = nodeGroups.find((n) => inputs(n).nodeGroupName === g.name)!;
        const ng = inputs(reg);
        assert.equal(ng.amiType, "BOTTLEROCKET_x86_64_NVIDIA");
        assert.deepEqual(ng.instanceTypes, g.instanceTypes);
        assert.equal(ng.capacityType, g.capacityType ?? "ON_DEMAND");
        assert.deepEqual(ng.taints, [{ key: "nvidia.com/gpu", value: "true", effect: "NO_SCHEDULE" }]);
        assert.equal(ng.labels["sovereign-llm/node-group"], g.name);
        assert.equal(ng.updateConfig.maxUnavailable, 1);
        assert.deepEqual(reg.ignoreChanges, ["scalingConfig.desiredSize"]);
        assert.deepEqual([ng.scalingConfig.minSize, ng.scalingConfig.maxSize], [g.minSize, g.maxSize]);
      }
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
      const groups = ofType(result, "aws:networkfirewall/ruleGroup:RuleGroup").map(inputs);
      assert.equal(groups.length, domains.length > 0 ? 1 : 0, "a rule group only when domains are allowed");
      for (const d of domains) assert.match(groups[0].ruleGroup.rulesSource.rulesString, new RegExp(d.replace(/\./g, "\\.")));
    });
  });
}
