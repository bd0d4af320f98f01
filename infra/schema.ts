/**
 * The stack configuration schema: every key under `sovereign-llm:`, its default, and the rules
 * that relate keys to each other. Pure: reads nothing and declares nothing; `config.ts` feeds it.
 */
import { z } from "zod";
import { JURISDICTIONS, regionsFor, azBelongsTo, azIndex, KNOWN_REGIONS } from "./regions";
import { planProblem, vpcCidrProblem, cidrsOverlap } from "../components/network/cidr-plan";
import { normaliseDomain } from "../components/network/egress-rules";
import { GPU_INSTANCES, GPU_FAMILIES, instanceFamily } from "../components/cluster/gpu-instances";

/** Retention values CloudWatch Logs accepts (days). 0 (never expire) is deliberately not offered. */
export const CLOUDWATCH_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/** EKS minor versions in standard support on the date of this release (1.34 ends 2026-12-02) with known add-on pins. */
export const EKS_VERSIONS = ["1.34", "1.35"] as const;

/** Space a model server needs on a node's data volume besides the model: images and caches, GiB. */
export const MODEL_NODE_OVERHEAD_GIB = 50;

export const FRAMEWORKS = ["hipaa", "gdpr", "soc2", "fedramp-moderate"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** An image reference pinned by digest: `registry/repo[:tag]@sha256:<64 hex>`. A tag alone can be moved. */
export const DIGEST_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:(?::[0-9]+)?(?:\.[a-z0-9-]+)*)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+(?::[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;

const dnsLabel = z
  .string()
  .regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, "must be a DNS label: lower-case letters, digits and hyphens, starting with a letter, at most 32 characters");

const iamRoleArn = z
  .string()
  .regex(/^arn:aws(-us-gov)?:iam::[0-9]{12}:role\/[\w+=,.@\/-]{1,512}$/, "must be an IAM role ARN such as arn:aws:iam::111122223333:role/platform-admin");

const retention = z
  .number()
  .int()
  .refine((d) => (CLOUDWATCH_RETENTION_DAYS as readonly number[]).includes(d), {
    message: `must be a retention CloudWatch Logs accepts: ${CLOUDWATCH_RETENTION_DAYS.join(", ")}`,
  });

const image = z
  .string()
  .regex(DIGEST_REF, "must be pinned by digest (registry/repository@sha256:<64 hex digits>); a tag can be moved to other content, so it is not accepted");

const network = z.strictObject({
  /** IPv4 CIDR of the VPC, RFC 1918, /16 to /18. */
  cidr: z.string().superRefine((c, ctx) => {
    const problem = vpcCidrProblem(c);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  }),
  /** Availability zones, 2 or 3, in the stack's region. */
  availabilityZones: z.array(z.string()).min(2, "list 2 or 3 availability zones").max(3, "list 2 or 3 availability zones"),
  /** Prefix of each workload (node and pod) subnet. Default 19: 8,187 usable pod and node addresses per zone. */
  workloadSubnetPrefix: z.number().int().default(19),
});

const egress = z
  .strictObject({
    /** `none`: no internet path at all. `allowlist`: NAT behind the firewall, only allowedDomains. Default none. */
    mode: z.enum(["none", "allowlist"]).default("none"),
    /** Domains reachable in `allowlist` mode (`example.com`, `*.example.com`). Default none. */
    allowedDomains: z
      .array(
        z.string().superRefine((d, ctx) => {
          const r = normaliseDomain(d);
          if (!r.ok) ctx.addIssue({ code: "custom", message: r.error });
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
      z.string().superRefine((c, ctx) => {
        const problem = publicCidrProblem(c);
        if (problem) ctx.addIssue({ code: "custom", message: problem });
      }),
    )
    .default([]),
  /** The on-demand node group for cluster services (CoreDNS, controllers). */
  systemNodes,
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
  minSize: z.number().int().min(0),
  maxSize: z.number().int().min(1),
  /** Initial size; the cluster autoscaler owns it after creation. Default minSize. */
  desiredSize: z.number().int().min(0).optional(),
  /** Data volume (container images, model cache) in GiB. Default 200: the vLLM image is about 10 GiB compressed and a 70B model about 140 GiB. */
  dataVolumeGiB: z.number().int().min(100).max(16384).default(200),
});

const autoscaling = z
  .strictObject({
    /** Render a KEDA ScaledObject on vllm:num_requests_waiting. Default off. */
    enabled: z.boolean().default(false),
    minReplicas: z.number().int().min(1).default(1),
    maxReplicas: z.number().int().min(1).default(4),
    /** Waiting requests per replica that trigger a scale-out. Default 5. */
    queueThreshold: z.number().int().min(1).default(5),
  })
  .default({ enabled: false, minReplicas: 1, maxReplicas: 4, queueThreshold: 5 });

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
  /** Minutes the startup probe allows for copying, verifying and loading the model. Default 20. */
  startupMinutes: z.number().int().min(1).max(120).default(20),
  /** Automatic prefix caching. Default true. */
  prefixCaching: z.boolean().default(true),
  autoscaling,
  /**
   * Root digest of the one signed version to serve (`sha256:<hex>`, as model:publish prints). The
   * verifier refuses any other version, including an older one that is validly signed. Default:
   * not pinned (any version signed with the stack's key is served).
   */
  expectedDigest: z.string().regex(/^sha256:[0-9a-f]{64}$/, "must be sha256:<64 lower-case hex digits>, the root digest model:publish prints").optional(),
});

const logging = z
  .strictObject({
    /** Retention of audit-class logs (CloudTrail, EKS audit, flow logs, firewall). Default 2192 (6 years, HIPAA 164.316(b)(2)). */
    auditRetentionDays: retention.default(2192),
    /** Content-class logs (prompts and completions). `off` keeps no content. Default off. */
    content: z.enum(["off", "enabled"]).default("off"),
    /** Retention of content-class logs when enabled. Default 7. */
    contentRetentionDays: retention.default(7),
    /** E-mail addresses subscribed to security alarms (root use, trail or key tampering, denied calls). Default none. */
    alarmEmails: z.array(z.email("must be an e-mail address")).default([]),
  })
  .default({ auditRetentionDays: 2192, content: "off", contentRetentionDays: 7, alarmEmails: [] });

/** Alarm thresholds of the monitoring the platform deploys (components/monitoring); unset ones keep their defaults. */
const threshold = (what: string) => z.number({ error: `must be a number: ${what}` }).positive(`must be above 0: ${what}`).optional();
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
  })
  .default({ guardDuty: "create", securityHub: "create" });

const storage = z
  .strictObject({
    /** Object Lock default retention of model artifacts, days. Default 30. */
    modelLockDays: z.number().int().min(1).max(36500).default(30),
    /** Object Lock default retention of the CloudTrail archive, days. Default 2192. */
    auditLockDays: z.number().int().min(1).max(36500).default(2192),
  })
  .default({ modelLockDays: 30, auditLockDays: 2192 });

const access = z.strictObject({
  /** Roles that administer keys, buckets and the cluster. At least one. */
  adminRoleArns: z.array(iamRoleArn).min(1, "name at least one admin role; without one nobody can manage the keys"),
  /** Roles with read-only access to the cluster. Default none. */
  readOnlyRoleArns: z.array(iamRoleArn).default([]),
});

const serving = z.strictObject({
  /** vLLM OpenAI server image, pinned by digest (mirror it into the account's ECR). */
  vllmImage: image,
  /** Image that copies the model from S3 (AWS CLI v2), pinned by digest. */
  modelSyncImage: image,
  /** Node.js 20+ image that runs the model verifier, pinned by digest. */
  verifierImage: image,
  /** Fluent Bit 4.0 or later (its cloudwatch_logs output supports EKS Pod Identity), pinned by digest: ships the gateway's audit and content logs. */
  logShipperImage: image,
});

const httpsUrl = z.string().refine((u) => URL.canParse(u) && new URL(u).protocol === "https:", "must be an https:// URL");
const ipv4Cidr = z.string().refine((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c) && !c.endsWith("/0"), "must be an IPv4 CIDR narrower than /0, e.g. 10.0.0.0/8");

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
      issuer: z.string().min(1),
      audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
      jwksUri: httpsUrl,
      /** Where the JWKS endpoint lives (the IdP inside the VPC or on premises); the gateway may reach these on 443 only. */
      jwksCidrs: z.array(ipv4Cidr).min(1, "name the CIDRs of the identity provider's JWKS endpoint"),
    })
    .optional(),
  /** Who may use which model; nobody may by default. */
  rules: z.array(gatewayRule).default([]),
  /** Prompt-injection guard: block or flag. Default block. */
  inputGuard: z.enum(["block", "flag"]).default("block"),
  /** Extra redaction patterns (e.g. medical record numbers): name and regular expression. Default none. */
  redactPatterns: z.array(z.strictObject({ name: z.string().regex(/^[a-z][a-z0-9_]{0,31}$/, "lower-case letters, digits and _"), regex: z.string().min(1) })).default([]),
});

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
});

export type StackConfig = z.infer<typeof stackSchema>;
export type ModelConfig = StackConfig["models"][number];
export type GpuNodeGroupConfig = StackConfig["gpuNodeGroups"][number];

type Add = (path: (string | number)[], message: string) => void;

/**
 * Cross-field rules. Each rule runs on its own, so a problem in one part of the file (a key the
 * schema rejected) does not hide the problems the other rules find.
 */
const CROSS_FIELD_RULES: ((cfg: StackConfig, region: string, add: Add) => void)[] = [
  (cfg, _region, add) => {
    // Alarms nobody receives are not monitoring (NIST SI-4, CA-7; HIPAA 164.308(a)(1)(ii)(D)).
    if (cfg.environment === "prod" && cfg.logging.alarmEmails.length === 0) {
      add(["logging", "alarmEmails"], "a prod stack must have at least one alarm subscriber: list the security team's address, e.g. alarmEmails: [security-alerts@example.org]");
    }
  },
  (cfg, _region, add) => {
    // A model's local copy lives in an emptyDir on the node's data volume, next to the images
    // (the vLLM image is about 20 GiB unpacked) and vLLM's caches (20 GiB emptyDir).
    cfg.models.forEach((m, i) => {
      const group = cfg.gpuNodeGroups.find((g) => g.name === m.nodeGroup);
      if (group && m.storageGiB + MODEL_NODE_OVERHEAD_GIB > group.dataVolumeGiB) {
        add(["models", i, "storageGiB"], `is ${m.storageGiB} GiB, but node group "${group.name}" has a ${group.dataVolumeGiB} GiB data volume and needs ${MODEL_NODE_OVERHEAD_GIB} GiB for images and caches; raise its dataVolumeGiB to at least ${m.storageGiB + MODEL_NODE_OVERHEAD_GIB}`);
      }
    });
  },
  (cfg, _region, add) => {
    // The models on a node group must fit on it at its maximum size, or replicas stay Pending.
    cfg.gpuNodeGroups.forEach((g, i) => {
      const perNode = Math.min(...g.instanceTypes.map((t) => GPU_INSTANCES[t]?.gpus ?? Infinity));
      if (!Number.isFinite(perNode)) return;
      const models = cfg.models.filter((m) => m.nodeGroup === g.name);
      // Necessary, not sufficient (packing can need more): total GPUs within the group's maximum.
      const gpusNeeded = models.reduce((sum, m) => sum + (m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas) * m.gpusPerReplica, 0);
      if (gpusNeeded > g.maxSize * perNode) {
        add(["gpuNodeGroups", i, "maxSize"], `is ${g.maxSize} nodes of ${perNode} GPU(s), but the models on "${g.name}" need ${gpusNeeded} GPUs at their replica counts; raise maxSize or lower replicas`);
      }
    });
  },
  (cfg, _region, add) => {
    const names = new Set(cfg.models.map((m) => m.name));
    cfg.gateway.rules.forEach((r, i) =>
      r.models.forEach((m, j) => {
        if (m !== "*" && !names.has(m)) add(["gateway", "rules", i, "models", j], `"${m}" is not a model of this stack; use one of ${[...names].join(", ") || "(none)"} or "*"`);
      }),
    );
    if (cfg.gateway.minReplicas > cfg.gateway.maxReplicas) add(["gateway"], "needs minReplicas <= maxReplicas");
  },
  (cfg, region, add) => {
    if (!KNOWN_REGIONS.includes(region)) {
      add(["aws:region"], `"${region}" is not a region this project knows a jurisdiction for; use one of ${KNOWN_REGIONS.join(", ")}`);
    } else {
      const allowed = regionsFor(cfg.residency);
      if (!allowed.includes(region)) {
        add(["residency"], `aws:region "${region}" lies outside the residency [${cfg.residency.join(", ")}], which allows ${allowed.join(", ")}; change aws:region or the residency list`);
      }
    }
  },
  (cfg, region, add) => {
    const azs = cfg.network.availabilityZones;
    azs.forEach((az, i) => {
      if (!azBelongsTo(az, region)) add(["network", "availabilityZones", i], `"${az}" is not an availability zone of ${region}; use names like ${region}a`);
    });
    if (new Set(azs).size !== azs.length) add(["network", "availabilityZones"], "lists a zone twice; list each zone once");
    const indexes = azs.filter((az) => azBelongsTo(az, region)).map(azIndex);
    const planIssue = planProblem(cfg.network.cidr, cfg.network.workloadSubnetPrefix, indexes);
    if (planIssue) add(["network", "cidr"], planIssue);
  },
  (cfg, region, add) => {
    if (cfg.egress.mode === "none" && cfg.egress.allowedDomains.length > 0) {
      add(["egress", "allowedDomains"], 'lists domains but egress.mode is "none", so nothing could reach them; set mode to "allowlist" or remove the domains');
    }
  },
  (cfg, region, add) => {
    if (cfg.environment === "prod" && cfg.cluster.publicAccessCidrs.length > 0) {
      add(["cluster", "publicAccessCidrs"], "must be empty in prod: the API endpoint is private only; deploy from a runner inside the VPC");
    }
    const sys = cfg.cluster.systemNodes;
    if (!(sys.minSize <= sys.desiredSize && sys.desiredSize <= sys.maxSize)) {
      add(["cluster", "systemNodes"], `needs minSize <= desiredSize <= maxSize (got ${sys.minSize}, ${sys.desiredSize}, ${sys.maxSize})`);
    }
  },
  (cfg, region, add) => {
    const groupNames = new Map<string, number>();
    cfg.gpuNodeGroups.forEach((g, i) => {
      if (groupNames.has(g.name)) add(["gpuNodeGroups", i, "name"], `"${g.name}" is used twice; node group names must be unique`);
      groupNames.set(g.name, i);
      const desired = g.desiredSize ?? g.minSize;
      if (!(g.minSize <= desired && desired <= g.maxSize)) {
        add(["gpuNodeGroups", i], `needs minSize <= desiredSize <= maxSize (got ${g.minSize}, ${desired}, ${g.maxSize})`);
      }
      if (g.capacityType === "CAPACITY_BLOCK" && !g.capacityReservationId) {
        add(["gpuNodeGroups", i, "capacityReservationId"], "is required when capacityType is CAPACITY_BLOCK; give the capacity block's reservation id");
      }
      if (g.capacityType !== "CAPACITY_BLOCK" && g.capacityReservationId) {
        add(["gpuNodeGroups", i, "capacityReservationId"], "only applies to capacityType CAPACITY_BLOCK; remove it or change the capacity type");
      }
    });

    const modelNames = new Set<string>();
    cfg.models.forEach((m, i) => {
      if (modelNames.has(m.name)) add(["models", i, "name"], `"${m.name}" is used twice; model names must be unique`);
      modelNames.add(m.name);
      const gi = groupNames.get(m.nodeGroup);
      if (gi === undefined) {
        add(["models", i, "nodeGroup"], `"${m.nodeGroup}" is not a GPU node group of this stack; use one of ${[...groupNames.keys()].join(", ")}`);
        return;
      }
      const group = cfg.gpuNodeGroups[gi];
      const gpuCounts = group.instanceTypes.map((t) => GPU_INSTANCES[t]?.gpus).filter((n): n is number => n !== undefined);
      if (gpuCounts.length > 0 && m.gpusPerReplica > Math.min(...gpuCounts)) {
        add(["models", i, "gpusPerReplica"], `asks for ${m.gpusPerReplica} GPUs per replica but node group "${group.name}" has instance types with ${Math.min(...gpuCounts)}; lower gpusPerReplica or use larger instance types`);
      }
      if (m.autoscaling.enabled && m.autoscaling.minReplicas > m.autoscaling.maxReplicas) {
        add(["models", i, "autoscaling"], "needs minReplicas <= maxReplicas");
      }
    });
  },
  (cfg, region, add) => {
    if (cfg.logging.content === "enabled" && cfg.logging.contentRetentionDays > 30) {
      add(["logging", "contentRetentionDays"], `keeps prompts and completions for ${cfg.logging.contentRetentionDays} days; content logs are kept 30 days at most (GDPR Art. 5(1)(e) storage limitation)`);
    }
    if (cfg.logging.auditRetentionDays < 365) {
      add(["logging", "auditRetentionDays"], `is ${cfg.logging.auditRetentionDays}; audit logs are kept at least 365 days (use 2192 for HIPAA's six years)`);
    }
    if (cfg.compliance.includes("gdpr") && !cfg.residency.every((j) => j === "eu" || j === "uk" || j === "ch")) {
      add(["residency"], "a stack under GDPR keeps personal data in the EU or a country with an adequacy decision that AWS has regions in (uk, ch); set residency to [eu]");
    }
    if (cfg.compliance.includes("fedramp-moderate") && !cfg.residency.every((j) => j === "us" || j === "us-gov")) {
      add(["residency"], "a FedRAMP stack keeps data in US regions; set residency to [us] or [us-gov]");
    }
  },
];

/** Thrown when a rule reads a key whose value the schema rejected: that rule is skipped. */
class MissingKey extends Error {}

/**
 * Runs every cross-field rule. `cfg` may be partial (keys the schema rejected are absent); a rule
 * that needs an absent key is skipped, its key already has its own problem.
 * Each problem names its path below `sovereign-llm:`.
 */
export function crossFieldProblems(cfg: StackConfig, region: string, present?: ReadonlySet<string>): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add: Add = (path, message) => problems.push({ path, message });
  const guarded = present
    ? (new Proxy(cfg, {
        get(target, key, receiver) {
          if (typeof key === "string" && key in stackSchema.shape && !present.has(key)) throw new MissingKey(key);
          return Reflect.get(target, key, receiver);
        },
      }) as StackConfig)
    : cfg;
  for (const rule of CROSS_FIELD_RULES) {
    try {
      rule(guarded, region, add);
    } catch (err) {
      if (!(err instanceof MissingKey)) throw err;
    }
  }
  return problems;
}

/** Why a CIDR may not reach the public API endpoint, or undefined when it may. */
export function publicCidrProblem(cidr: string): string | undefined {
  const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
  if (!m) return `"${cidr}" is not an IPv4 CIDR such as 203.0.113.0/24`;
  const prefix = Number(m[2]);
  if (prefix < 16) return `"${cidr}" opens the API endpoint to /${prefix}; list the operators' egress addresses, /16 or narrower (never 0.0.0.0/0)`;
  if (cidrsOverlap(cidr, "10.0.0.0/8") || cidrsOverlap(cidr, "172.16.0.0/12") || cidrsOverlap(cidr, "192.168.0.0/16")) {
    return `"${cidr}" is a private range; private callers use the private endpoint, list public addresses only`;
  }
  return undefined;
}
