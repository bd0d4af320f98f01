/**
 * Pulumi mocks for offline synthesis. They stand in for the engine's providers: in preview mode
 * a new resource's id and provider-computed outputs are unknown, exactly as in `pulumi preview`
 * of a new stack; in update mode they get deterministic fake values so that code depending on
 * them (routes to firewall endpoints, kubeconfig) runs. Nothing here pretends to be AWS: values
 * are placeholders that only exercise the program.
 */
import type * as pulumi from "@pulumi/pulumi";
import { createHash, generateKeyPairSync } from "node:crypto";
import { ZONE_ID_PREFIX } from "../../components/network/zones";

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
  /** Endpoint services not offered in some zones of the mock account: service → zone IDs. Default none. */
  unofferedZoneIds?: Record<string, readonly string[]>;
}

/** Zones per region of the mock account (us-east-1 has six, us-west-2 four, the others three). */
const ZONE_COUNT: Record<string, number> = { "us-east-1": 6, "us-west-2": 4 };

/**
 * The mock account's zones: names `<region>a...`, each mapped to a zone ID shifted by half the
 * zone count (a → az2 of three, a → az4 of six), because names and IDs differ per account and
 * code must never assume they match.
 */
export function mockZones(region: string, zoneIdPrefix: string): { names: string[]; zoneIds: string[] } {
  const n = ZONE_COUNT[region] ?? 3;
  const names = Array.from({ length: n }, (_, i) => `${region}${String.fromCharCode(97 + i)}`);
  const zoneIds = names.map((_, i) => `${zoneIdPrefix}-az${((i + Math.floor(n / 2)) % n) + 1}`);
  return { names, zoneIds };
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

/** Hex digits derived from a logical name: stable across runs, different per resource. */
function stableHex(name: string, length: number): string {
  return createHash("sha256").update(name).digest("hex").slice(0, length);
}

/** A UUID-shaped identifier derived from a logical name (KMS key ids, node-group suffixes). */
export function stableUuid(name: string): string {
  const h = stableHex(name, 32);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Identifiers in the shapes AWS assigns them, so that policies naming them (key ARNs in key and
 * identity policies, endpoint ids in bucket policies, node-group ARNs in the autoscaler's policy)
 * can be evaluated offline by tools/check/access. The values are still placeholders.
 */
function awsShapedId(type: string, name: string): string | undefined {
  switch (type) {
    case "aws:kms/key:Key":
      return stableUuid(name);
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return `vpce-${stableHex(name, 17)}`;
    default:
      return undefined;
  }
}

export function createMocks(ctx: MockContext): pulumi.runtime.Mocks {
  const subnetAz = new Map<string, string>();
  const arnFor = (type: string, name: string, inputs: Record<string, unknown>, id: string): string => {
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    const physical = String(inputs.name ?? inputs.bucket ?? name);
    if (service === "s3") return `arn:${ctx.partition}:s3:::${physical}`;
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_awskeymanagementservice.html#awskeymanagementservice-resources-for-iam-policies
    if (type === "aws:kms/key:Key") return `arn:${ctx.partition}:kms:${ctx.region}:${ctx.accountId}:key/${id}`;
    if (type === "aws:ec2/vpcEndpoint:VpcEndpoint") return `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:vpc-endpoint/${id}`;
    // https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonelastickubernetesservice.html#amazonelastickubernetesservice-resources-for-iam-policies
    if (type === "aws:eks/nodeGroup:NodeGroup") return `arn:${ctx.partition}:eks:${ctx.region}:${ctx.accountId}:nodegroup/${String(inputs.clusterName)}/${String(inputs.nodeGroupName ?? name)}/${stableUuid(name)}`;
    if (type === "aws:sns/topic:Topic") return `arn:${ctx.partition}:sns:${ctx.region}:${ctx.accountId}:${physical}`;
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
      const id = namedById && typeof (inputs.bucket ?? inputs.name) === "string" ? String(inputs.bucket ?? inputs.name) : (awsShapedId(args.type, args.name) ?? `${args.name}-id`);
      const state: Record<string, unknown> = { ...inputs, arn: arnFor(args.type, args.name, inputs, id) };
      switch (args.type) {
        case "aws:ec2/subnet:Subnet":
          subnetAz.set(id, String(inputs.availabilityZone));
          break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
          state.latestVersion = 1;
          break;
        case "aws:kms/key:Key":
          state.keyId = id;
          break;
        case "aws:route53/zone:Zone":
          state.zoneId = id;
          break;
        case "aws:route53/resolverEndpoint:ResolverEndpoint":
          // One address per subnet, as the service assigns them.
          state.ipAddresses = ((inputs.ipAddresses as { subnetId: string }[] | undefined) ?? []).map((a, i) => ({ ...a, ip: `10.255.0.${10 + i}` }));
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
        case "aws:index/getAvailabilityZones:getAvailabilityZones": {
          const zones = mockZones(ctx.region, ZONE_ID_PREFIX[ctx.region] ?? "mock1");
          return { ...zones, id: ctx.region, state: args.inputs.state };
        }
        case "aws:ec2/getVpcEndpointService:getVpcEndpointService": {
          const service = String(args.inputs.service);
          const zones = mockZones(ctx.region, ZONE_ID_PREFIX[ctx.region] ?? "mock1");
          const unoffered = ctx.unofferedZoneIds?.[service] ?? [];
          const availabilityZones = zones.names.filter((_, i) => !unoffered.includes(zones.zoneIds[i]));
          return { service, serviceType: args.inputs.serviceType, serviceName: `com.amazonaws.${ctx.region}.${service}`, availabilityZones, id: service };
        }
        case "aws:iam/getRoles:getRoles": {
          const nameRegex = args.inputs.nameRegex as string | undefined;
          const pathPrefix = args.inputs.pathPrefix as string | undefined;
          return { ...listRoles(ctx.roles, nameRegex, pathPrefix), nameRegex, pathPrefix, id: ctx.region };
        }
        // An account whose organisation set the guards (account.guards: verify proves its wiring
        // offline; the real reading happens in pulumi preview against the account).
        case "aws:s3/getAccountPublicAccessBlock:getAccountPublicAccessBlock":
          return { accountId: ctx.accountId, blockPublicAcls: true, ignorePublicAcls: true, blockPublicPolicy: true, restrictPublicBuckets: true, id: ctx.accountId };
        case "aws:ebs/getEncryptionByDefault:getEncryptionByDefault":
          return { enabled: true, region: ctx.region, id: ctx.region };
        case "aws:ebs/getDefaultKmsKey:getDefaultKmsKey":
          return { keyArn: `arn:${ctx.partition}:kms:${ctx.region}:${ctx.accountId}:key/${stableUuid("organisation-ebs-default")}`, region: ctx.region, id: ctx.region };
        case "aws:kms/getKey:getKey":
          return { arn: String(args.inputs.keyId), keyId: String(args.inputs.keyId), keyManager: "CUSTOMER", keyState: "Enabled", enabled: true, id: String(args.inputs.keyId) };
        case "aws:lb/getHostedZoneId:getHostedZoneId":
          // Visibly not a real hosted zone ID: AWS publishes one per region and load balancer type.
          return { ...args.inputs, id: `ZMOCKNLB-${ctx.region}` };
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
