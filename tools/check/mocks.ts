/**
 * Pulumi mocks for offline synthesis. They stand in for the engine's providers: in preview mode
 * a new resource's id and provider-computed outputs are unknown, exactly as in `pulumi preview`
 * of a new stack; in update mode they get deterministic fake values so that code depending on
 * them (routes to firewall endpoints, kubeconfig) runs. Nothing here pretends to be AWS: values
 * are placeholders that only exercise the program.
 */
import type * as pulumi from "@pulumi/pulumi";
import { generateKeyPairSync } from "node:crypto";

export interface MockContext {
  accountId: string;
  region: string;
  partition: string;
  preview: boolean;
  /**
   * IAM roles that exist in the mock account (full ARNs, paths included). Lookups answer from
   * this list as IAM would: a role in it is found with its ARN, any other role is not.
   */
  roles: readonly string[];
}

/** What `aws.iam.getRoles` answers: the listed roles whose path starts with pathPrefix and whose name matches nameRegex. */
export function listRoles(roles: readonly string[], nameRegex: string | undefined, pathPrefix: string | undefined): { arns: string[]; names: string[] } {
  const matching = roles
    .map((arn) => ({ arn, m: /^arn:[\w-]+:iam::\d{12}:role(\/(?:[^/]+\/)*)([^/]+)$/.exec(arn) }))
    .filter(({ m }) => m !== null && (pathPrefix === undefined || m[1].startsWith(pathPrefix)) && (nameRegex === undefined || new RegExp(nameRegex).test(m[2])));
  return { arns: matching.map((r) => r.arn), names: matching.map((r) => r.m![2]) };
}

let cachedSigningPem: string | undefined;
function mockPublicKeyPem(): string {
  cachedSigningPem ??= generateKeyPairSync("ec", { namedCurve: "P-256" }).publicKey.export({ type: "spki", format: "pem" }).toString();
  return cachedSigningPem;
}

export function createMocks(ctx: MockContext): pulumi.runtime.Mocks {
  const subnetAz = new Map<string, string>();
  const arnFor = (type: string, name: string, inputs: Record<string, unknown>): string => {
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    const physical = String(inputs.name ?? inputs.bucket ?? name);
    if (service === "s3") return `arn:${ctx.partition}:s3:::${physical}`;
    if (type === "aws:cloudwatch/logGroup:LogGroup") return `arn:${ctx.partition}:logs:${ctx.region}:${ctx.accountId}:log-group:${physical}`;
    if (service === "iam") return `arn:${ctx.partition}:iam::${ctx.accountId}:${type.endsWith("Role") ? "role" : "policy"}/${physical}`;
    return `arn:${ctx.partition}:${service}:${ctx.region}:${ctx.accountId}:${type.split(":").pop()!.toLowerCase()}/${physical}`;
  };
  return {
    newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
      const inputs = args.inputs as Record<string, unknown>;
      if (ctx.preview) return { id: undefined, state: { ...inputs } };
      // Resources whose id is their physical name (buckets, log groups) get that name as id.
      const namedById = args.type === "aws:s3/bucket:Bucket" || args.type === "aws:cloudwatch/logGroup:LogGroup";
      const id = namedById && typeof (inputs.bucket ?? inputs.name) === "string" ? String(inputs.bucket ?? inputs.name) : `${args.name}-id`;
      const state: Record<string, unknown> = { ...inputs, arn: arnFor(args.type, args.name, inputs) };
      switch (args.type) {
        case "aws:ec2/subnet:Subnet":
          subnetAz.set(id, String(inputs.availabilityZone));
          break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
          state.latestVersion = 1;
          break;
        case "aws:kms/key:Key":
          state.keyId = `${args.name}-key-id`;
          break;
        case "aws:s3/bucket:Bucket":
          state.bucket = inputs.bucket ?? args.name;
          break;
        case "aws:iam/role:Role":
          state.name = inputs.name ?? args.name;
          break;
        case "aws:networkfirewall/firewall:Firewall": {
          const mappings = (inputs.subnetMappings as { subnetId: string }[] | undefined) ?? [];
          state.firewallStatuses = [
            {
              syncStates: mappings.map((m, i) => ({
                availabilityZone: subnetAz.get(m.subnetId) ?? `unknown-${i}`,
                attachments: [{ endpointId: `vpce-${args.name}-${i}`, subnetId: m.subnetId, status: "READY" }],
              })),
            },
          ];
          break;
        }
        case "aws:eks/cluster:Cluster":
          state.endpoint = `https://${args.name}.gr7.${ctx.region}.eks.amazonaws.com`;
          state.certificateAuthority = { data: Buffer.from("mock certificate authority").toString("base64") };
          state.identities = [{ oidcs: [{ issuer: `https://oidc.eks.${ctx.region}.amazonaws.com/id/MOCK` }] }];
          state.vpcConfig = { ...(inputs.vpcConfig as object), clusterSecurityGroupId: `sg-${args.name}` };
          state.name = inputs.name ?? args.name;
          break;
      }
      return { id, state };
    },
    call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
      switch (args.token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
          return { accountId: ctx.accountId, arn: `arn:${ctx.partition}:iam::${ctx.accountId}:role/deployer`, userId: "AROAMOCK", id: ctx.accountId };
        case "aws:index/getRegion:getRegion":
          return { name: ctx.region, region: ctx.region, id: ctx.region };
        case "aws:index/getPartition:getPartition":
          return { partition: ctx.partition, dnsSuffix: "amazonaws.com", id: ctx.partition };
        case "aws:iam/getRoles:getRoles": {
          const nameRegex = args.inputs.nameRegex as string | undefined;
          const pathPrefix = args.inputs.pathPrefix as string | undefined;
          return { ...listRoles(ctx.roles, nameRegex, pathPrefix), nameRegex, pathPrefix, id: ctx.region };
        }
        case "aws:kms/getPublicKey:getPublicKey":
          return { publicKeyPem: mockPublicKeyPem(), keyId: args.inputs.keyId, id: String(args.inputs.keyId), keySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" };
        case "aws:eks/getAddonVersion:getAddonVersion":
          // A placeholder, visibly not a real version: only the program's wiring is exercised.
          return { ...args.inputs, version: `mock-default-${args.inputs.addonName}-for-${args.inputs.kubernetesVersion}`, id: String(args.inputs.addonName) };
        default:
          return { ...args.inputs };
      }
    },
  };
}
