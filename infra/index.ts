/**
 * Entry point of the Pulumi program (Pulumi.yaml `main: infra/`). Reads and validates the whole
 * stack configuration before declaring anything, then builds the platform and exports what
 * operators and tools need.
 */
import { loadSettings } from "./config";
import { buildPlatform } from "./platform";

const platform = buildPlatform(loadSettings());

export const region = platform.outputs.region;
export const vpcId = platform.outputs.vpcId;
export const workloadSubnetIds = platform.outputs.workloadSubnetIds;
export const modelBucket = platform.outputs.modelBucket;
export const auditBucket = platform.outputs.auditBucket;
export const trailArn = platform.outputs.trailArn;
export const keyArns = platform.outputs.keyArns;
// How the account's S3 public access block and EBS encryption by default are provided.
export const accountGuards = platform.outputs.accountGuards;
export const clusterName = platform.outputs.clusterName;
export const kubeconfig = platform.outputs.kubeconfig;
// --- serving ---
export const internalCaCertificate = platform.outputs.internalCaCertificate;
export const gatewayClientCertificate = platform.outputs.gatewayClientCertificate;
export const metricsClientCertificate = platform.outputs.metricsClientCertificate;
export const metricsClientKey = platform.outputs.metricsClientKey;
export const gatewayClientKey = platform.outputs.gatewayClientKey;
export const vllmApiKeys = platform.outputs.vllmApiKeys;
export const modelEndpoints = platform.outputs.modelEndpoints;
export const modelExpectedDigests = platform.outputs.modelExpectedDigests;
// --- end serving ---
export const gatewayHostname = platform.outputs.gatewayHostname;
export const gatewayLoadBalancer = platform.outputs.gatewayLoadBalancer;
export const kubernetesLayer = platform.outputs.kubernetesLayer;
export const gatewayZoneId = platform.outputs.gatewayZoneId;
export const gatewayResolverAddresses = platform.outputs.gatewayResolverAddresses;
