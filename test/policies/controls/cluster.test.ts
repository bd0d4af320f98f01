import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { TAGS } from "./fixtures";
import { eksClusterEndpointPrivate } from "../../../policy-packs/controls/eks-cluster-endpoint-private";
import { eksClusterSecretsEncrypted } from "../../../policy-packs/controls/eks-cluster-secrets-encrypted";
import { eksClusterLogging } from "../../../policy-packs/controls/eks-cluster-logging";
import { eksClusterAccessApi } from "../../../policy-packs/controls/eks-cluster-access-api";
import { eksClusterSupportedVersion } from "../../../policy-packs/controls/eks-cluster-supported-version";
import { eksAddonNetworkPolicy } from "../../../policy-packs/controls/eks-addon-network-policy";
import { eksAddonPinnedVersion } from "../../../policy-packs/controls/eks-addon-pinned-version";
import { eksNodegroupHardened } from "../../../policy-packs/controls/eks-nodegroup-hardened";
import { eksNodegroupInstanceTypes } from "../../../policy-packs/controls/eks-nodegroup-instance-types";
import { ec2LaunchTemplateImdsv2 } from "../../../policy-packs/controls/ec2-launch-template-imdsv2";
import { ec2LaunchTemplateEbsEncrypted } from "../../../policy-packs/controls/ec2-launch-template-ebs-encrypted";
import { ec2LaunchTemplateNoRemoteAccess } from "../../../policy-packs/controls/ec2-launch-template-no-remote-access";
import { iamNodeRoleLeastPrivilege } from "../../../policy-packs/controls/iam-node-role-least-privilege";

const C = {
  cluster: "aws:eks/cluster:Cluster",
  addon: "aws:eks/addon:Addon",
  nodeGroup: "aws:eks/nodeGroup:NodeGroup",
  lt: "aws:ec2/launchTemplate:LaunchTemplate",
  role: "aws:iam/role:Role",
  attachment: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
} as const;
const KEY = "arn:aws:kms:us-east-1:111122223333:key/k1";
const clusterUrn = urnOf(C.cluster, "eks");
const nodeRoleUrn = urnOf(C.role, "node");
const ltUrn = urnOf(C.lt, "gpu");

const cluster = (preview = false): Fixture => ({
  type: C.cluster,
  name: "eks",
  props: {
    name: "sl",
    version: "1.35",
    roleArn: preview ? UNKNOWN : "arn:aws:iam::111122223333:role/cluster",
    accessConfig: { authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: false },
    enabledClusterLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
    encryptionConfig: { provider: { keyArn: preview ? UNKNOWN : KEY }, resources: ["secrets"] },
    vpcConfig: { endpointPrivateAccess: true, endpointPublicAccess: false, subnetIds: [preview ? UNKNOWN : "subnet-a"] },
    tags: TAGS,
  },
});
const addon = (name: string, extra: Record<string, unknown> = {}, preview = false): Fixture => ({
  type: C.addon,
  name: `eks-${name}`,
  props: { clusterName: preview ? UNKNOWN : "sl", addonName: name, addonVersion: "v1.0.0-eksbuild.1", ...extra },
  propertyDependencies: { clusterName: [clusterUrn] },
});
const launchTemplate = (preview = false): Fixture => ({
  type: C.lt,
  name: "gpu",
  props: {
    metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
    blockDeviceMappings: ["/dev/xvda", "/dev/xvdb"].map((deviceName) => ({ deviceName, ebs: { encrypted: "true", kmsKeyId: preview ? UNKNOWN : KEY, volumeType: "gp3", volumeSize: 100 } })),
    tags: TAGS,
  },
});
const nodeGroup = (preview = false): Fixture => ({
  type: C.nodeGroup,
  name: "gpu",
  props: {
    clusterName: preview ? UNKNOWN : "sl",
    nodeRoleArn: preview ? UNKNOWN : "arn:aws:iam::111122223333:role/node",
    instanceTypes: ["g6e.12xlarge", "p5.48xlarge"],
    launchTemplate: { id: preview ? UNKNOWN : "lt-1", version: preview ? UNKNOWN : "1" },
    subnetIds: [preview ? UNKNOWN : "subnet-a"],
  },
  propertyDependencies: { clusterName: [clusterUrn], nodeRoleArn: [nodeRoleUrn], launchTemplate: [ltUrn] },
});
const attach = (policy: string, preview = false): Fixture => ({
  type: C.attachment,
  name: `node-${policy}`,
  props: { role: preview ? UNKNOWN : "node", policyArn: `arn:aws:iam::aws:policy/${policy}` },
  propertyDependencies: { role: [nodeRoleUrn] },
});
function stack(preview = false): Fixture[] {
  return [
    cluster(preview),
    addon("vpc-cni", { configurationValues: JSON.stringify({ enableNetworkPolicy: "true" }) }, preview),
    addon("coredns", {}, preview),
    launchTemplate(preview),
    { type: C.role, name: "node", props: { assumeRolePolicy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }] }), tags: TAGS } },
    { type: C.role, name: "app", props: { assumeRolePolicy: "{}", tags: TAGS } },
    attach("AmazonEKSWorkerNodePolicy", preview),
    attach("AmazonEC2ContainerRegistryPullOnly", preview),
    attach("AmazonSSMManagedInstanceCore", preview),
    { type: C.rolePolicy, name: "app-inline", props: { role: preview ? UNKNOWN : "app", policy: "{}" }, propertyDependencies: { role: [urnOf(C.role, "app")] } },
    nodeGroup(preview),
  ];
}
const replace = (fx: Fixture[], name: string, type: string, f: (x: Fixture) => Fixture | undefined) => fx.flatMap((x) => (x.name === name && x.type === type ? [f(x)].filter((y): y is Fixture => !!y) : [x]));
const edit = (f: Fixture, path: string[], value: unknown): Fixture => {
  const copy = structuredClone(f);
  let o = copy.props as Record<string, unknown>;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  if (value === undefined) delete o[path[path.length - 1]!];
  else o[path[path.length - 1]!] = value;
  return copy;
};
const all = [eksClusterEndpointPrivate, eksClusterSecretsEncrypted, eksClusterLogging, eksClusterAccessApi, eksClusterSupportedVersion, eksAddonNetworkPolicy, eksAddonPinnedVersion, eksNodegroupHardened, eksNodegroupInstanceTypes, ec2LaunchTemplateImdsv2, ec2LaunchTemplateEbsEncrypted, ec2LaunchTemplateNoRemoteAccess, iamNodeRoleLeastPrivilege];

test("a hardened cluster passes every cluster control, known and in preview, with no mandatory violation", async () => {
  for (const c of all)
    for (const preview of [false, true]) {
      const out = await runControl(c, stack(preview));
      assert.deepEqual(messages(out), [], `${c.policy.name} ${preview}`);
      if (!preview) assert.deepEqual(out.advisories, [], c.policy.name);
    }
});

test("endpoint: private off, public open to the world, public with no CIDRs, public with listed CIDRs passes", async () => {
  const run = async (vpc: Record<string, unknown>) => messages(await runControl(eksClusterEndpointPrivate, [edit(cluster(), ["vpcConfig"], vpc)]));
  assert.deepEqual(await run({ endpointPrivateAccess: false, endpointPublicAccess: false }), ["the private API endpoint is off: set vpcConfig.endpointPrivateAccess: true so nodes and in-VPC runners reach the API without leaving the VPC"]);
  assert.deepEqual(await run({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24", "0.0.0.0/0"] }), ["the public API endpoint admits 0.0.0.0/0: set endpointPublicAccess: false or list only the allowed CIDRs"]);
  assert.match((await run({ endpointPrivateAccess: true, endpointPublicAccess: true }))[0]!, /no publicAccessCidrs, which EKS opens to 0\.0\.0\.0\/0/);
  assert.match((await run({ endpointPrivateAccess: true }))[0]!, /no publicAccessCidrs/, "public access defaults to on");
  assert.deepEqual(await run({ endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ["203.0.113.0/24"] }), []);
  const u = await runControl(eksClusterEndpointPrivate, [edit(cluster(), ["vpcConfig"], { endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("secrets encryption: missing, not covering secrets, no key", async () => {
  assert.match(messages(await runControl(eksClusterSecretsEncrypted, [edit(cluster(), ["encryptionConfig"], undefined)]))[0]!, /no encryptionConfig/);
  assert.deepEqual(messages(await runControl(eksClusterSecretsEncrypted, [edit(cluster(), ["encryptionConfig", "resources"], [])])), ['encryptionConfig does not cover "secrets": add it to encryptionConfig.resources']);
  assert.deepEqual(messages(await runControl(eksClusterSecretsEncrypted, [edit(cluster(), ["encryptionConfig", "provider"], {})])), ["encryptionConfig has no provider.keyArn: name the customer-managed cluster key"]);
});

test("logging: a missing log type is named; none at all names all five", async () => {
  assert.deepEqual(messages(await runControl(eksClusterLogging, [edit(cluster(), ["enabledClusterLogTypes"], ["api", "authenticator", "controllerManager", "scheduler"])])), ["control-plane log types not enabled: audit; set enabledClusterLogTypes to all of api, audit, authenticator, controllerManager, scheduler"]);
  assert.match(messages(await runControl(eksClusterLogging, [edit(cluster(), ["enabledClusterLogTypes"], undefined)]))[0]!, /not enabled: api, audit, authenticator, controllerManager, scheduler;/);
});

test("access: CONFIG_MAP, unset mode, creator bootstrap on or defaulted", async () => {
  const run = async (a: unknown) => messages(await runControl(eksClusterAccessApi, [edit(cluster(), ["accessConfig"], a)]));
  assert.deepEqual(await run({ authenticationMode: "API_AND_CONFIG_MAP", bootstrapClusterCreatorAdminPermissions: false }), ['authenticationMode is API_AND_CONFIG_MAP: set accessConfig.authenticationMode: "API" and grant access with access entries']);
  assert.deepEqual(await run({ authenticationMode: "API", bootstrapClusterCreatorAdminPermissions: true }), ["the cluster creator is granted cluster-admin: set accessConfig.bootstrapClusterCreatorAdminPermissions: false and name admins with access entries"]);
  assert.equal((await run(undefined)).length, 2);
  assert.match((await run(undefined))[0]!, /unset \(CONFIG_MAP\)/);
});

test("version: outside the list, unpinned, and the list is tunable", async () => {
  assert.deepEqual(messages(await runControl(eksClusterSupportedVersion, [edit(cluster(), ["version"], "1.29")])), ["cluster version 1.29 is not in the supported list (1.34, 1.35): upgrade, or update the list when AWS changes support"]);
  assert.match(messages(await runControl(eksClusterSupportedVersion, [edit(cluster(), ["version"], undefined)]))[0]!, /not pinned/);
  assert.equal(messages(await runControl(eksClusterSupportedVersion, [cluster()], { supportedVersions: ["1.36"] })).length, 1);
  await assert.rejects(() => runControl(eksClusterSupportedVersion, [cluster()], { supportedVersions: ["latest"] }), /invalid config/);
});

test("vpc-cni network policy: off, missing add-on, add-on of another cluster, unknown link is advisory", async () => {
  const off = replace(stack(), "eks-vpc-cni", C.addon, (a) => withProps(a, { configurationValues: JSON.stringify({ enableNetworkPolicy: "false" }) }));
  assert.deepEqual(messages(await runControl(eksAddonNetworkPolicy, off)), ['cluster "eks": the vpc-cni add-on does not enforce NetworkPolicies; set configurationValues {"enableNetworkPolicy":"true"}']);
  const noConfig = replace(stack(), "eks-vpc-cni", C.addon, (a) => withProps(a, { configurationValues: undefined }));
  assert.equal(messages(await runControl(eksAddonNetworkPolicy, noConfig)).length, 1);
  const missing = replace(stack(), "eks-vpc-cni", C.addon, () => undefined);
  assert.deepEqual(messages(await runControl(eksAddonNetworkPolicy, missing)), ['cluster "eks" has no vpc-cni managed add-on, so NetworkPolicies are not enforced']);
  const elsewhere = replace(stack(), "eks-vpc-cni", C.addon, (a) => ({ ...withProps(a, { clusterName: "other" }), propertyDependencies: {} }));
  assert.equal(messages(await runControl(eksAddonNetworkPolicy, elsewhere)).length, 1);
  const unlinked = replace(stack(true), "eks-vpc-cni", C.addon, (a) => ({ ...a, propertyDependencies: {} }));
  const out = await runControl(eksAddonNetworkPolicy, unlinked);
  assert.deepEqual(out.violations, []);
  assert.equal(out.advisories.length, 1);
});

test("add-on version: unpinned fires", async () => {
  assert.deepEqual(messages(await runControl(eksAddonPinnedVersion, [withProps(addon("coredns"), { addonVersion: undefined })])), ["add-on coredns has no addonVersion: pin it (aws eks describe-addon-versions)"]);
});

test("node group: no launch template, remoteAccess, instance types outside the families", async () => {
  assert.match(messages(await runControl(eksNodegroupHardened, [withProps(nodeGroup(), { launchTemplate: undefined })]))[0]!, /node group has no launchTemplate/);
  assert.deepEqual(messages(await runControl(eksNodegroupHardened, [withProps(nodeGroup(), { launchTemplate: { version: "1" } })])), ["node group launchTemplate names neither an id nor a name"]);
  assert.deepEqual(messages(await runControl(eksNodegroupHardened, [nodeGroup(true)])), [], "an unknown id still names a template");
  assert.deepEqual(messages(await runControl(eksNodegroupHardened, [withProps(nodeGroup(), { remoteAccess: { ec2SshKey: "ops" } })])), ["node group has a remoteAccess block (SSH to the nodes): remove it and use SSM Session Manager"]);
  assert.match(messages(await runControl(eksNodegroupInstanceTypes, [withProps(nodeGroup(), { instanceTypes: ["g6e.12xlarge", "t3.micro"] })]))[0]!, /^instance type t3\.micro is not in an allowed family/);
  assert.match(messages(await runControl(eksNodegroupInstanceTypes, [withProps(nodeGroup(), { instanceTypes: [] })]))[0]!, /lists no instanceTypes/);
  assert.equal(messages(await runControl(eksNodegroupInstanceTypes, [nodeGroup()], { allowedInstanceFamilies: ["g6e"] })).length, 1, "p5 is outside a narrowed list");
  // Capacity blocks: the group lists no types, the launch template names the reserved one.
  const block = withProps(nodeGroup(), { instanceTypes: undefined, capacityType: "CAPACITY_BLOCK" });
  assert.deepEqual(messages(await runControl(eksNodegroupInstanceTypes, [block])), [], "the launch template names the type");
  assert.match(messages(await runControl(eksNodegroupInstanceTypes, [withProps(block, { launchTemplate: undefined })]))[0]!, /no launch template to name the reserved type/);
  assert.deepEqual(messages(await runControl(eksNodegroupInstanceTypes, [withProps(launchTemplate(), { instanceType: "p5.48xlarge" })])), []);
  assert.match(messages(await runControl(eksNodegroupInstanceTypes, [withProps(launchTemplate(), { instanceType: "t3.micro" })]))[0]!, /^launch template instance type t3\.micro is not in an allowed family/);
  assert.deepEqual(messages(await runControl(eksNodegroupInstanceTypes, [launchTemplate()])), [], "a template that names no type leaves it to the node group");
});

test("launch template IMDS: v1 allowed, hop limit 2, no metadataOptions", async () => {
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateImdsv2, [edit(launchTemplate(), ["metadataOptions", "httpTokens"], "optional")])), ['IMDSv1 is allowed (httpTokens optional): set metadataOptions.httpTokens: "required"']);
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateImdsv2, [edit(launchTemplate(), ["metadataOptions", "httpPutResponseHopLimit"], 2)])), ["IMDS hop limit is 2: set metadataOptions.httpPutResponseHopLimit: 1 so containers cannot reach the node's credentials"]);
  assert.match(messages(await runControl(ec2LaunchTemplateImdsv2, [edit(launchTemplate(), ["metadataOptions"], undefined)]))[0]!, /no metadataOptions/);
});

test("launch template volumes: unencrypted, AWS-managed key, no mappings; unknown key is advisory", async () => {
  const lt = launchTemplate();
  const m = (ebs: Record<string, unknown>) => withProps(lt, { blockDeviceMappings: [{ deviceName: "/dev/xvdb", ebs }] });
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateEbsEncrypted, [m({ encrypted: "false", volumeSize: 10 })])), ['volume /dev/xvdb is not encrypted: set ebs.encrypted: "true" with the node-volume KMS key']);
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateEbsEncrypted, [m({ encrypted: "true" })])), ["volume /dev/xvdb is encrypted with the AWS-managed EBS key: set ebs.kmsKeyId to the customer-managed node-volume key"]);
  assert.match(messages(await runControl(ec2LaunchTemplateEbsEncrypted, [withProps(lt, { blockDeviceMappings: undefined })]))[0]!, /declares no block device mappings/);
  const u = await runControl(ec2LaunchTemplateEbsEncrypted, [m({ encrypted: "true", kmsKeyId: UNKNOWN })]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
});

test("launch template remote access: key pair, public IP", async () => {
  assert.deepEqual(messages(await runControl(ec2LaunchTemplateNoRemoteAccess, [withProps(launchTemplate(), { keyName: "ops" })])), ['launch template installs SSH key pair "ops": remove keyName and use SSM Session Manager']);
  assert.match(messages(await runControl(ec2LaunchTemplateNoRemoteAccess, [withProps(launchTemplate(), { networkInterfaces: [{ associatePublicIpAddress: "true" }] })]))[0]!, /gets a public IP address/);
});

test("node role: an extra managed policy, an inline policy resource, inline and managed on the role itself; other roles are not checked", async () => {
  const extra = [...stack(), attach("AdministratorAccess")];
  assert.deepEqual(messages(await runControl(iamNodeRoleLeastPrivilege, extra)), ['node role "node" has managed policy arn:aws:iam::aws:policy/AdministratorAccess; nodes may only have AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryPullOnly, AmazonSSMManagedInstanceCore: give workloads a Pod Identity role instead']);
  const inline = [...stack(), { type: C.rolePolicy, name: "node-s3", props: { role: "node", policy: "{}" }, propertyDependencies: { role: [nodeRoleUrn] } }];
  assert.deepEqual(messages(await runControl(iamNodeRoleLeastPrivilege, inline)), ['node role "node" has inline policy node-s3; node roles take no inline policies: give workloads a Pod Identity role instead']);
  const onRole = replace(stack(), "node", C.role, (r) => withProps(r, { inlinePolicies: [{ name: "x", policy: "{}" }], managedPolicyArns: ["arn:aws:iam::aws:policy/AmazonS3FullAccess"] }));
  assert.equal(messages(await runControl(iamNodeRoleLeastPrivilege, onRole)).length, 2);
  // Linked by value only (no dependencies): the node group's ARN names the role.
  const byValue = [...stack().map((f) => ({ ...f, propertyDependencies: {} })), { type: C.attachment, name: "admin", props: { role: "node", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" } }];
  assert.equal(messages(await runControl(iamNodeRoleLeastPrivilege, byValue)).length, 1);
  const preview = [...stack(true), { ...attach("AdministratorAccess", true), name: "admin" }];
  assert.equal(messages(await runControl(iamNodeRoleLeastPrivilege, preview)).length, 1, "dependencies decide even in preview");
});

