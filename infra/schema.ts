/**
 * The stack configuration schema: every key under `sovereign-llm:` and its default. Pure: reads
 * nothing and declares nothing; `validate.ts` feeds it, and the rules that relate keys to each
 * other are in `rules.ts`. Messages written here say what the value was and how to fix it; the
 * ones zod would write come from `messages.ts`.
 */
import { z } from "zod";
import * as ipaddr from "ipaddr.js";
import { JURISDICTIONS } from "./regions";
import { vpcCidrProblem } from "../components/network/cidr-plan";
import { normaliseDomain } from "../components/network/egress-rules";
import { GPU_INSTANCES, GPU_FAMILIES, instanceFamily } from "../components/cluster/gpu-instances";
import { NODE_STORAGE_MODES } from "../components/cluster/node-storage";
import { imageRefProblem, nodeLtsImageProblem } from "./images";
import { mixedScriptProblem, publicSuffixWildcardProblem } from "./domains";
import { show } from "./messages";
import { linearPatternProblem } from "../services/gateway/src/linear-pattern";

export { DIGEST_REF } from "./images";

/** Retention values CloudWatch Logs accepts (days). 0 (never expire) is deliberately not offered. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** EKS minor versions in standard support on the date of this release (1.34 ends 2026-12-02) with known add-on pins. */
export const EKS_VERSIONS = ["1.34", "1.35"] as const;

/** Space a model server needs on a node's data volume besides the model: images and caches, GiB. */
export const MODEL_NODE_OVERHEAD_GIB = 50;

export const FRAMEWORKS = ["hipaa", "gdpr", "soc2", "fedramp-moderate"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** A string checked by a function that returns why it is wrong (what was wrong and the fix), or undefined. */
export function checkedString(problem: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const why = problem(value);
    if (why) ctx.addIssue({ code: "custom", message: why });
  });
}

const dnsLabel = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, { error: (iss) => `${show(iss.input)} is not a DNS label; use lower-case letters, digits and hyphens, starting with a letter, at most 32 characters (e.g. llama-3-1-8b)` });

/** IAM role ARNs; the partition must match the stack region's (a cross-field rule checks that). */
export const iamRoleArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:iam::[0-9]{12}:role\/[\w+=,.@\/-]{1,512}$/, { error: (iss) => `${show(iss.input)} is not an IAM role ARN; write one such as arn:aws:iam::111122223333:role/platform-admin (users and groups cannot be used)` });

const retention = z
  .number()
  .int()
  .refine((d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d), {
    error: (iss) => `is ${show(iss.input)}, which CloudWatch Logs does not accept; use one of ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
  });

/** A container image pinned by digest; whether the nodes can pull it is a cross-field rule. */
export const image = checkedString(imageRefProblem);

/** Why `cidr` is not an IPv4 CIDR a security rule can use, or undefined. */
export function ipv4CidrProblem(cidr: string): string | undefined {
  if (!ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr)) {
    const m = /^(.*)\/(\d+)$/.exec(cidr);
    if (m && ipaddr.IPv4.isValidFourPartDecimal(m[1]) && Number(m[2]) > 32) return `"${cidr}" has the prefix length /${m[2]}, but an IPv4 prefix is /0 to /32; fix the length`;
    return `"${cidr}" is not an IPv4 CIDR; write it as four decimal octets and a prefix length, e.g. 10.200.0.0/16`;
  }
  const [addr, prefix] = ipaddr.IPv4.parseCIDR(cidr);
  if (prefix === 0) return `"${cidr}" is every address; list the networks that need access, e.g. 10.200.0.0/16`;
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toString();
  if (network !== addr.toString()) return `"${cidr}" has host bits set; use its network address ${network}/${prefix}`;
  return undefined;
}

/** An IPv4 CIDR (not /0, no host bits), parsed with ipaddr.js. */
export const ipv4Cidr = checkedString(ipv4CidrProblem);

const network = z.strictObject({
  /** IPv4 CIDR of the VPC, RFC 1918, /16 to /18. */
  cidr: checkedString((c) => {
    const shape = ipv4CidrProblem(c);
    return shape?.includes("prefix length") ? shape : vpcCidrProblem(c);
  }),
  /** Availability zones, 2 or 3, in the stack's region: zone IDs (`use1-az1`, the same physical zone in every account) or names (`us-east-1a`). */
  availabilityZones: z.array(z.string()).min(2, "list 2 or 3 availability zones").max(3, "list 2 or 3 availability zones"),
  /** Prefix of each workload (node and pod) subnet, /17 to /20 and longer than the VPC's. Default 19: 8,187 usable pod and node addresses per zone. */
  workloadSubnetPrefix: z
    .number()
    .int()
    .min(17, { error: (iss) => `is ${show(iss.input)}; workload subnets are /17 to /20 (a /16 VPC must also hold the infrastructure block); use 19, the default` })
    .max(20, { error: (iss) => `is ${show(iss.input)}; a workload subnet longer than /20 leaves too few addresses for nodes and pods (the VPC CNI gives every pod one) and no room for the infrastructure tier; use /17 to /20, e.g. 19` })
    .default(19),
  /**
   * The organisation's networks, reached over a transit gateway: routes from the workload and
   * endpoint subnets, and DNS forwarding of its domains. Without it, nothing outside the VPC is
   * routed except through the egress firewall.
   */
  onPremises: z
    .strictObject({
      /** The transit gateway (shared with this account) the VPC attaches to. */
      transitGatewayId: z.string().regex(/^tgw-[0-9a-f]{8,17}$/, { error: (iss) => `${show(iss.input)} is not a transit gateway id; write one such as tgw-0123456789abcdef0 (aws ec2 describe-transit-gateways lists those shared with the account)` }),
      /** The organisation's ranges routed to the transit gateway. */
      cidrs: z.array(ipv4Cidr).min(1, "name at least one range of the organisation's network, e.g. 10.200.0.0/16"),
      /** Domains the organisation's DNS answers (e.g. the identity provider's), forwarded there with their subdomains. Default none. */
      dnsDomains: z.array(z.string().superRefine((d, ctx) => {
        const r = normaliseDomain(d);
        if (!r.ok) ctx.addIssue({ code: "custom", message: r.error });
        else if (r.value.wildcard) ctx.addIssue({ code: "custom", message: `"${d}": give the domain without *.; its subdomains are forwarded with it` });
      })).default([]),
      /** The organisation's DNS servers (IPv4 addresses inside cidrs) that answer dnsDomains. Required with dnsDomains. */
      dnsResolvers: z.array(z.string().refine((ip) => ipaddr.IPv4.isValidFourPartDecimal(ip), { error: (iss) => `${show(iss.input)} is not an IPv4 address; write four decimal octets, e.g. 10.200.0.2` })).default([]),
    })
    .optional(),
});

const egress = z
  .strictObject({
    /** `none`: no internet path at all. `allowlist`: NAT behind the firewall, only allowedDomains. Default none. */
    mode: z.enum(["none", "allowlist"]).default("none"),
    /** Domains reachable in `allowlist` mode (`example.com`, `*.example.com`). Default none. */
    allowedDomains: z
      .array(
        checkedString((d) => {
          const r = normaliseDomain(d);
          if (!r.ok) return `${r.error}`;
          return mixedScriptProblem(d) ?? publicSuffixWildcardProblem(d);
        }),
      )
      .default([]),
  })
  .default({ mode: "none", allowedDomains: [] });

const systemNodes = z
  .strictObject({
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, "must be an EC2 instance type such as m7i.large").default("m7i.large"),
    minSize: z.number().int().min(2, "keep at least 2 system nodes so CoreDNS survives a node loss").default(2),
    maxSize: z.number().int().min(2).default(4),
    desiredSize: z.number().int().min(2).default(2),
  })
  .default({ instanceType: "m7i.large", minSize: 2, maxSize: 4, desiredSize: 2 });

const addonVersion = z.string().regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/, "must be an EKS add-on version such as v1.20.1-eksbuild.3 (aws eks describe-addon-versions)");

const cluster = z.strictObject({
  /** EKS minor version; one in standard support. */
  version: z.enum(EKS_VERSIONS),
  /** CIDRs allowed to reach the public API endpoint. Default none: the endpoint is private only. */
  publicAccessCidrs: z
    .array(
      checkedString(publicCidrProblem),
    )
    .default([]),
  /** The on-demand node group for cluster services (CoreDNS, controllers). */
  systemNodes,
  /**
   * Kubernetes service address range, pinned so the `kubernetes` service address (its first host)
   * is known when NetworkPolicies are rendered. RFC 1918, /12 to /24, outside the VPC and the
   * client and IdP networks. Default 172.20.0.0/16 (EKS's own choice for most VPCs).
   */
  serviceCidr: checkedString(serviceCidrProblem).default("172.20.0.0/16"),
  /** Cluster Autoscaler image (registry.k8s.io/autoscaling/cluster-autoscaler, the minor version of the cluster), pinned by digest. */
  autoscalerImage: image,
  /**
   * Managed add-on versions (`v1.20.1-eksbuild.3`). Default: the versions this release pins for
   * the cluster version, or, where none is pinned, EKS's default for that version resolved at
   * preview. Set a version here to freeze it.
   */
  addonVersions: z
    .strictObject({
      vpcCni: addonVersion.optional(),
      coreDns: addonVersion.optional(),
      kubeProxy: addonVersion.optional(),
      podIdentityAgent: addonVersion.optional(),
      metricsServer: addonVersion.optional(),
    })
    .default({}),
  /**
   * KEDA (the autoscaler of model servers on queue depth), from the account's mirror, pinned by
   * digest: ghcr.io/kedacore/keda and ghcr.io/kedacore/keda-metrics-apiserver at the release
   * whose CRDs this project commits (components/autoscaling/keda). Required when a model enables
   * autoscaling; KEDA is installed only then.
   */
  keda: z.strictObject({ operatorImage: image, metricsServerImage: image }).optional(),
});

const gpuNodeGroup = z.strictObject({
  /** Name of the node group; models refer to it. */
  name: dnsLabel,
  /** GPU instance types, all from GPU families (g4dn, g5, g6, g6e, p4d, p4de, p5, p5e, p5en). */
  instanceTypes: z
    .array(
      z.string().superRefine((t, ctx) => {
        if (!GPU_FAMILIES.includes(instanceFamily(t))) {
          ctx.addIssue({ code: "custom", message: `"${t}" is not from a GPU instance family; use one of ${GPU_FAMILIES.join(", ")}` });
        } else if (!GPU_INSTANCES[t]) {
          const known = Object.keys(GPU_INSTANCES).filter((k) => instanceFamily(k) === instanceFamily(t));
          ctx.addIssue({ code: "custom", message: `"${t}" is not a known size of ${instanceFamily(t)}; known: ${known.join(", ")}` });
        }
      }),
    )
    .min(1, "list at least one instance type"),
  /** ON_DEMAND, SPOT or CAPACITY_BLOCK. Default ON_DEMAND. */
  capacityType: z.enum(["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"]).default("ON_DEMAND"),
  /** EC2 capacity reservation (capacity block) id; required with CAPACITY_BLOCK. */
  capacityReservationId: z.string().regex(/^cr-[0-9a-f]{8,17}$/, "must be a capacity reservation id such as cr-0123456789abcdef0").optional(),
  /**
   * Availability zone the capacity block was bought in; required with CAPACITY_BLOCK, one of
   * network.availabilityZones. EKS accepts only that zone's subnet for the group.
   */
  capacityReservationZone: z.string().optional(),
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
  /** Initial size; the cluster autoscaler owns it after creation. Default minSize. */
  desiredSize: z.number().int().min(0).optional(),
  /** Data volume (container images, model cache) in GiB. Default 200: the vLLM image is about 10 GiB compressed and a 70B model about 140 GiB. */
  dataVolumeGiB: z.number().int().min(100).max(16384).default(200),
  /**
   * Where the nodes keep container images and the models: "instance-store" (the instance's NVMe
   * disks, bound by Bottlerocket at boot; encrypted by the Nitro hardware, not with a KMS key),
   * "ebs" (the gp3 data volume, encrypted with the node-volumes key, throughput and IOPS
   * provisioned from the largest model), or "auto" (instance store when every instance type of the
   * group has room for its models, otherwise ebs). Default auto.
   */
  storage: z.enum(NODE_STORAGE_MODES).default("auto"),
});

const autoscaling = z
  .strictObject({
    /** Scale the model's replicas with KEDA on its queue depth (read by the gateway from every replica). Default off. */
    enabled: z.boolean().default(false),
    /** 0 lets the model scale to zero when idle (the first request then waits for a cold start). Default 1. */
    minReplicas: z.number().int().min(0).default(1),
    maxReplicas: z.number().int().min(1).default(4),
    /** Waiting requests per replica that trigger a scale-out. Default 5. */
    queueThreshold: z.number().int().min(1).default(5),
    /** With minReplicas 0: minutes without any request before the last replica is removed. Default 15. */
    idleMinutes: z.number().int().min(1).max(1440).default(15),
  })
  .default({ enabled: false, minReplicas: 1, maxReplicas: 4, queueThreshold: 5, idleMinutes: 15 });

const model = z.strictObject({
  /** Name of the model: the S3 prefix `models/<name>/` and the served model name. */
  name: dnsLabel,
  /** GPU node group the model runs on. */
  nodeGroup: dnsLabel,
  /** GPUs per replica (tensor parallel size). Default 1. */
  gpusPerReplica: z.number().int().min(1).max(8).default(1),
  /** Replicas. Default 2, spread across zones. */
  replicas: z.number().int().min(1).default(2),
  /** Maximum context length in tokens. */
  maxModelLen: z.number().int().min(256).max(1048576),
  /** Fraction of GPU memory vLLM may use. Default 0.9. */
  gpuMemoryUtilization: z.number().gt(0.1).max(0.98).default(0.9),
  /** Node-local volume for the model files, GiB. */
  storageGiB: z.number().int().min(1),
  /**
   * Minutes vLLM needs after the weights are read (compilation, CUDA graphs, warm-up). Downloading,
   * verifying, copying and reading the weights are budgeted from storageGiB and the node group's load path.
   * Default 20.
   */
  startupMinutes: z.number().int().min(1).max(120).default(20),
  /** Automatic prefix caching. Default true. */
  prefixCaching: z.boolean().default(true),
  autoscaling,
  /**
   * Root digest of the one signed version to serve (`sha256:<hex>`, as model:publish prints). The
   * verifier refuses any other version, including an older one that is validly signed. Default:
   * not pinned (any version signed with the stack's key is served).
   */
  expectedDigest: z
    .string()
    .regex(/^sha256:[0-9a-f]{64}$/, { error: (iss) => `${show(iss.input)} is not a model root digest; it must be sha256:<64 lower-case hex digits>, the root digest model:publish prints` })
    .optional(),
});

const logging = z
  .strictObject({
    /** Retention of audit-class logs (CloudTrail, EKS audit, gateway audit). Default 2192 (6 years, HIPAA 164.316(b)(2)). */
    auditRetentionDays: retention.default(2192),
    /**
     * Retention of network logs (VPC flow logs, firewall ALERT and FLOW logs, DNS query logs), which hold the IP
     * addresses of everyone talking to the platform. Default 365 under GDPR, else auditRetentionDays.
     */
    networkRetentionDays: retention.optional(),
    /** Content-class logs (prompts and completions). `off` keeps no content. Default off. */
    content: z.enum(["off", "enabled"]).default("off"),
    /** Retention of content-class logs when enabled. Default 7. */
    contentRetentionDays: retention.default(7),
    /** E-mail addresses subscribed to security alarms (root use, trail or key tampering, denied calls). Default none. */
    alarmEmails: z.array(z.email("must be an e-mail address")).default([]),
  })
  .default({ auditRetentionDays: 2192, content: "off", contentRetentionDays: 7, alarmEmails: [] });

/** Alarm thresholds of the monitoring the platform deploys (components/monitoring); unset ones keep their defaults. */
const threshold = (what: string) =>
  z
    .number({ error: (iss) => `is ${show(iss.input)}, not a number; give ${what}` })
    .positive({ error: (iss) => `is ${show(iss.input)}; give a value above 0: ${what}` })
    .optional();
const monitoring = z
  .strictObject({
    thresholds: z
      .strictObject({
        authFailures: threshold("failed authentications in 5 minutes (default 50)"),
        authFailuresPerClient: threshold("failed authentications from one client in 5 minutes (default 20)"),
        authzDenials: threshold("authorisation denials in 5 minutes (default 20)"),
        authzDenialsPerPrincipal: threshold("authorisation denials of one principal in 5 minutes (default 10)"),
        injectionBlocks: threshold("prompt-injection blocks and flags in 5 minutes (default 5)"),
        rateLimited: threshold("rate-limit rejections in 5 minutes (default 100)"),
        redactions: threshold("responses with a redaction in 5 minutes (default 100)"),
        upstreamErrors: threshold("model server errors in 5 minutes (default 10)"),
        latencyP99Ms: threshold("p99 gateway latency in milliseconds (default 30000)"),
        volumeAnomalyBand: threshold("anomaly band width in standard deviations (default 3)"),
      })
      .default({}),
  })
  .default({ thresholds: {} });

/** Account-level threat detection: created by the stack, or run by the organisation and verified at preview. */
const strategy = z.enum(["create", "organization"], { error: 'must be "create" (this stack enables it) or "organization" (a delegated administrator already runs it; verified at preview)' });
const detection = z
  .strictObject({
    /** GuardDuty with EKS audit logs, runtime monitoring and S3 data events. Default create. */
    guardDuty: strategy.default("create"),
    /** Security Hub with the NIST SP 800-53 rev 5 standard. Default create. */
    securityHub: strategy.default("create"),
    /** Amazon Inspector enhanced (continuous) scanning of the stack's ECR repositories. Default create. */
    inspector: strategy.default("create"),
    /** AWS Config recording the platform's resource types, with managed rules. Default create. */
    config: strategy.default("create"),
    /** Name of the organisation's configuration recorder in this account, verified when config is organization. Default "default". */
    configRecorderName: z.string().min(1).max(256).default("default"),
    /** GuardDuty findings at or above this severity raise the findings alarm (1-10). Default 7 (high). */
    guardDutyMinSeverity: z.number({ error: "must be a number from 1 to 10 (GuardDuty severity)" }).min(1, "must be 1 or more").max(10, "must be 10 or less").default(7),
    /** Inspector image findings at or above this severity raise the findings alarm. Default HIGH. */
    inspectorMinSeverity: z.enum(["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"], { error: 'must be one of "CRITICAL", "HIGH", "MEDIUM", "LOW", "INFORMATIONAL"' }).default("HIGH"),
  })
  .default({ guardDuty: "create", securityHub: "create", inspector: "create", config: "create", configRecorderName: "default", guardDutyMinSeverity: 7, inspectorMinSeverity: "HIGH" });

/**
 * Account-level guards: the account's S3 public access block and EBS encryption by default with a
 * customer managed key. One per account (and region): only one stack of an account and region
 * may `create` them.
 */
const account = z
  .strictObject({
    /** `create`: this stack declares them. `verify`: the organisation sets them (SCP, Control Tower); read at preview, refused when missing. Default create. */
    guards: z.enum(["create", "verify"], { error: 'must be "create" (this stack declares the account\'s S3 public access block and EBS encryption by default) or "verify" (the organisation sets them; checked at preview)' }).default("create"),
  })
  .default({ guards: "create" });

/**
 * The second copy of the stack's records (the CloudTrail archive and AWS Config's history): AWS
 * Backup, daily, into a vault with its own key and Vault Lock. Whether the copy region lies in the
 * residency is a cross-field rule.
 */
const backup = z
  .strictObject({
    /** Days each daily recovery point is kept (and the vault's locked minimum). Default 35 (AWS Config's backup-plan-min-frequency-and-min-retention-check). */
    retentionDays: z.number().int().min(7, { error: (iss) => `is ${show(iss.input)}; keep recovery points at least 7 days (default 35), or a weekend's loss outlives its last copy` }).max(36500).default(35),
    /** A second region of the residency that each recovery point is copied to (its own vault and key there). Default none: one vault, in the stack's region. */
    copyRegion: z.string().regex(/^[a-z]{2}(-gov)?-[a-z]+-\d$/, { error: (iss) => `${show(iss.input)} is not an AWS region name; write one such as us-west-2` }).optional(),
  })
  .default({ retentionDays: 35 });

const storage = z
  .strictObject({
    /** Object Lock default retention of model artifacts, days. Default 30. */
    modelLockDays: z.number().int().min(1).max(36500).default(30),
    /** Object Lock default retention of the CloudTrail archive, days. Default 2192. */
    auditLockDays: z.number().int().min(1).max(36500).default(2192),
    /** AWS Backup of the stack's records. */
    backup,
  })
  .default({ modelLockDays: 30, auditLockDays: 2192, backup: { retentionDays: 35 } });

const access = z.strictObject({
  /** Roles that administer keys, buckets and the cluster. At least one. */
  adminRoleArns: z.array(iamRoleArn).min(1, "name at least one admin role; without one nobody can manage the keys"),
  /** Roles with read-only access to the cluster. Default none. */
  readOnlyRoleArns: z.array(iamRoleArn).default([]),
  /** The only roles that may schedule deletion of, or disable, the audit key. Default none: nobody may. */
  breakGlassRoleArns: z.array(iamRoleArn).default([]),
});

const serving = z.strictObject({
  /** vLLM OpenAI server image, pinned by digest (mirror it into the account's ECR). */
  vllmImage: image,
  /**
   * Distroless Node.js LTS image that runs the model verifier (gcr.io/distroless/nodejs22-debian12
   * or nodejs24-debian12, or a mirror that keeps that repository name), pinned by digest. The
   * verifier runs /nodejs/bin/node, where distroless keeps it.
   */
  verifierImage: checkedString((ref) => imageRefProblem(ref) ?? nodeLtsImageProblem(ref)),
  /** Fluent Bit 4.0 or later (its cloudwatch_logs output supports EKS Pod Identity), pinned by digest: ships the gateway's audit and content logs. */
  logShipperImage: image,
});

/** Why `u` is not an https URL, or undefined. */
function httpsProblem(u: string, what: string): string | undefined {
  if (!URL.canParse(u)) return `"${u}" is not a URL; write the ${what} in full, e.g. https://sso.example.org/realms/staff`;
  const url = new URL(u);
  if (url.protocol !== "https:") return `"${u}" uses ${url.protocol.slice(0, -1)}; the ${what} must be an https:// URL (tokens and keys must not travel in clear text), e.g. https://${url.host}${url.pathname === "/" ? "" : url.pathname}`;
  return undefined;
}

const gatewayRule = z.strictObject({
  /** Rule name, recorded in audit lines. */
  name: z.string().min(1),
  /** OIDC groups (groups claim) the rule grants. Default []. */
  groups: z.array(z.string().min(1)).default([]),
  /** OIDC subjects the rule grants. Default []. */
  subjects: z.array(z.string().min(1)).default([]),
  /** Workload API key names (see the secret gatewayApiKeyHashes) the rule grants. Default []. */
  apiKeys: z.array(z.string().min(1)).default([]),
  /** Models the rule grants, or "*". */
  models: z.array(z.string().min(1)).min(1),
});

const gateway = z.strictObject({
  /** Guardrail gateway image (services/gateway), pinned by digest. */
  image,
  /** DNS name clients use (the internal load balancer's record); on the gateway's TLS certificate. */
  hostname: z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a fully qualified lower-case DNS name such as llm.internal.example.org"),
  /** Replicas: the HPA scales between these on CPU. Default 2 and 6. */
  minReplicas: z.number().int().min(2, "run at least 2 gateway replicas: it is the only path to the models").default(2),
  maxReplicas: z.number().int().min(2).default(6),
  /** Networks allowed to reach the load balancer besides the VPC (on-premises ranges over Direct Connect or VPN). Default none. */
  clientCidrs: z.array(ipv4Cidr).default([]),
  /** OIDC access tokens. Without it, only workload API keys (secret gatewayApiKeyHashes) authenticate. */
  oidc: z
    .strictObject({
      /** Expected `iss`: an https URL with no query or fragment (OpenID Connect Discovery 1.0, section 3). */
      issuer: checkedString((u) => {
        const why = httpsProblem(u, "OIDC issuer");
        if (why) return why;
        const url = new URL(u);
        return url.search || url.hash ? `"${u}" has a query or fragment; an OIDC issuer is an https URL without either, exactly as the identity provider's discovery document states it` : undefined;
      }),
      audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      jwksUri: checkedString((u) => httpsProblem(u, "JWKS URI")),
      /** Where the JWKS endpoint lives (the IdP inside the VPC or on premises); the gateway may reach these on 443 only. */
      jwksCidrs: z.array(ipv4Cidr).min(1, "name the CIDRs of the identity provider's JWKS endpoint"),
    })
    .optional(),
  /** Who may use which model; nobody may by default. */
  rules: z.array(gatewayRule).default([]),
  /** Prompt-injection guard: block or flag. Default block. */
  inputGuard: z.enum(["block", "flag"]).default("block"),
  /** Extra redaction patterns (e.g. medical record numbers): name and regular expression. Default none. */
  redactPatterns: z
    .array(
      z
        .strictObject({ name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "lower-case letters, digits and _"), regex: z.string().min(1) })
        // The gateway refuses, at start, a pattern that is not linear time; say so before deploying.
        .superRefine((p, ctx) => {
          const problem = linearPatternProblem(p.regex, false);
          if (problem) ctx.addIssue({ code: "custom", path: ["regex"], message: problem });
        }),
    )
    .default([]),
});

/**
 * How a deploy reaches the cluster. The API endpoint of a private stack answers only inside the
 * VPC, and its nodes (the only path in, through Session Manager) exist only after the first run.
 */
const deploy = z
  .strictObject({
    /**
     * Whether this run declares the Kubernetes layer (namespaces, network policies, Cluster
     * Autoscaler, model servers, gateway, and their Pod Identity roles). `deferred` for the first
     * `pulumi up` of a stack whose API endpoint is private; `applied` afterwards. Default `applied`.
     */
    kubernetesLayer: z.enum(["deferred", "applied"]).default("applied"),
    /**
     * Local port of a Session Manager port forward to the private API endpoint (through a system
     * node); the Kubernetes provider connects to 127.0.0.1 on it and still verifies the cluster's
     * certificate for the endpoint's name. Default none: connect to the endpoint directly.
     */
    apiTunnelPort: z.number().int().min(1024).max(65535).optional(),
  })
  .default({ kubernetesLayer: "applied" });

export const stackSchema = z.strictObject({
  /** dev, staging or prod. prod protects keys and buckets and uses compliance-mode Object Lock. */
  environment: z.enum(["dev", "staging", "prod"]),
  /** Team accountable for the stack; tagged on every resource. */
  owner: z.string().min(1).max(128),
  /** Highest class of data the stack processes; tagged on every resource. */
  dataClassification: z.enum(["confidential", "pii", "phi"]),
  /** Jurisdictions the stack's data may reside in; the region must lie inside one. */
  residency: z.array(z.enum(JURISDICTIONS)).min(1, "name at least one jurisdiction, e.g. [eu]"),
  /** Policy packs the stack must pass. */
  compliance: z.array(z.enum(FRAMEWORKS)).min(1, "name at least one framework"),
  network,
  egress,
  cluster,
  gpuNodeGroups: z.array(gpuNodeGroup).min(1, "declare at least one GPU node group"),
  models: z.array(model).default([]),
  logging,
  storage,
  access,
  serving,
  /** The guardrail gateway: the only path to the models. */
  gateway,
  /** Alarm thresholds of the deployed monitoring. */
  monitoring,
  /** Threat detection services and how each is provided. */
  detection,
  /** Account-level guards (S3 public access block, EBS encryption by default) and how they are provided. */
  account,
  /** How a deploy reaches the cluster: the Kubernetes layer deferred on a first run, a port forward to the private endpoint. */
  deploy,
});

export type StackConfig = z.infer<typeof stackSchema>;
export type ModelConfig = StackConfig["models"][number];
export type GpuNodeGroupConfig = StackConfig["gpuNodeGroups"][number];


/**
 * Why a CIDR cannot be the Kubernetes service range, or undefined. EKS takes an RFC 1918 range
 * from /12 to /24 (serviceIpv4Cidr in the CreateCluster API reference).
 */
export function serviceCidrProblem(cidr: string): string | undefined {
  const problem = ipv4CidrProblem(cidr);
  if (problem) return problem;
  const prefix = Number(cidr.split("/")[1]);
  if (prefix < 12 || prefix > 24) return `"${cidr}" is a /${prefix}, but EKS accepts a service range from /12 to /24; use e.g. 172.20.0.0/16`;
  const addr = ipaddr.IPv4.parse(cidr.split("/")[0]);
  const inside = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"].some((p) => Number(p.split("/")[1]) <= prefix && addr.match(ipaddr.IPv4.parseCIDR(p)));
  if (!inside) return `"${cidr}" is not inside 10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16, which EKS requires of a service range; use e.g. 172.20.0.0/16`;
  return undefined;
}

/** Why a CIDR may not reach the public API endpoint, or undefined when it may. */
export function publicCidrProblem(cidr: string): string | undefined {
  const problem = ipv4CidrProblem(cidr);
  if (problem && !cidr.endsWith("/0")) return problem;
  const prefix = Number(cidr.split("/")[1]);
  if (prefix < 16) return `"${cidr}" opens the API endpoint to /${prefix}; list the operators' egress addresses, /16 or narrower (never 0.0.0.0/0)`;
  const addr = ipaddr.IPv4.parse(cidr.split("/")[0]);
  if (addr.range() === "private") {
    return `"${cidr}" is a private range; private callers use the private endpoint, list public addresses only`;
  }
  return undefined;
}
