/**
 * Cross-field rules: what relates one key to another, or to the stack's region. Pure.
 *
 * Each rule runs on its own, on the values that parsed (see `partial.ts`): a rule that reads a key
 * whose value the schema rejected is skipped (that key has its own problem), and every other rule
 * still runs. Rules over lists check each item on its own (`each`). Every problem names the key
 * it is about, what is wrong and the fix.
 */
import { regionsFor, KNOWN_REGIONS } from "./regions";
import { isZoneId, zoneBelongsTo, zoneIndex, ZONE_ID_PREFIX } from "../components/network/zones";
import { planProblem, cidrsOverlap, cidrWithin } from "../components/network/cidr-plan";
import { GPU_INSTANCES } from "../components/cluster/gpu-instances";
import { MODEL_COPIES_PER_NODE, nodeStorageProblems, planNodeStorage } from "../components/cluster/node-storage";
import { MODEL_NODE_OVERHEAD_GIB, type StackConfig, type GpuNodeGroupConfig } from "./schema";
import { pullProblem } from "./images";
import { MissingKey, each } from "./partial";
import { NAMESPACE } from "./messages";

/** What the rules know besides the `sovereign-llm:` values. */
export interface RuleEnv {
  /** `aws:region`; reading it when the file has none skips the rule. */
  region: string;
  partition: "aws" | "aws-us-gov";
  /** Whether the secret gatewayApiKeyHashes is set. */
  apiKeyHashes: boolean;
}

export type Add = (path: (string | number)[], message: string) => void;
export type Rule = (cfg: StackConfig, env: RuleEnv, add: Add) => void;

/** Calls `visit` for every string in a (guarded, partial) value, with its path; values that did not parse are skipped. */
function walkStrings(value: unknown, path: (string | number)[], visit: (s: string, path: (string | number)[]) => void): void {
  if (typeof value === "string") return visit(value, path);
  if (value === null || typeof value !== "object") return;
  for (const key of Object.keys(value)) {
    let child: unknown;
    try {
      child = (value as Record<string, unknown>)[key];
    } catch (err) {
      if (err instanceof MissingKey) continue;
      throw err;
    }
    walkStrings(child, [...path, Array.isArray(value) ? Number(key) : key], visit);
  }
}

const AVAILABILITY_CONTROLS = "HIPAA 164.308(a)(7), GDPR Art. 32(1)(b), SOC 2 A1.2 and NIST SP 800-53 CP-2 for FedRAMP Moderate";

export const CROSS_FIELD_RULES: Rule[] = [
  // Alarms nobody receives are not monitoring (NIST SI-4, CA-7; HIPAA 164.308(a)(1)(ii)(D)).
  (cfg, _env, add) => {
    if (cfg.environment === "prod" && cfg.logging.alarmEmails.length === 0) {
      add(["logging", "alarmEmails"], "a prod stack must have at least one alarm subscriber: list the security team's address, e.g. alarmEmails: [security-alerts@example.org]");
    }
  },
  // A node holds each model twice, in emptyDirs: the node's model cache and the model server's
  // verified copy, next to the images (the vLLM image is about 20 GiB unpacked) and vLLM's caches
  // (20 GiB emptyDir): on the data volume unless the group keeps them on the instance store
  // (checked with the group's storage below, summed over every model of the group).
  (cfg, _env, add) =>
    each(cfg.models, (m, i) => {
      const group = cfg.gpuNodeGroups.find((g) => g.name === m.nodeGroup);
      const need = MODEL_COPIES_PER_NODE * m.storageGiB + MODEL_NODE_OVERHEAD_GIB;
      if (group && nodeStorageMode(cfg, group) === "ebs" && need > group.dataVolumeGiB) {
        add(["models", i, "storageGiB"], `is ${m.storageGiB} GiB, but node group "${group.name}" has a ${group.dataVolumeGiB} GiB data volume; a node holds the model twice (its model cache and the model server's verified copy) and needs ${MODEL_NODE_OVERHEAD_GIB} GiB for images and caches; raise its dataVolumeGiB to at least ${need}`);
      }
    }),
  // The models on a node group must fit on it at its maximum size, or replicas stay Pending.
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => {
      const perNode = Math.min(...g.instanceTypes.map((t) => GPU_INSTANCES[t]?.gpus ?? Infinity));
      if (!Number.isFinite(perNode)) return;
      const models = cfg.models.filter((m) => m.nodeGroup === g.name);
      // Necessary, not sufficient (packing can need more): total GPUs within the group's maximum.
      const gpusNeeded = models.reduce((sum, m) => sum + (m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas) * m.gpusPerReplica, 0);
      if (gpusNeeded > g.maxSize * perNode) {
        add(["gpuNodeGroups", i, "maxSize"], `is ${g.maxSize} nodes of ${perNode} GPU(s), but the models on "${g.name}" need ${gpusNeeded} GPUs at their replica counts; raise maxSize or lower replicas`);
      }
    }),
  (cfg, _env, add) => {
    const names = new Set(cfg.models.map((m) => m.name));
    each(cfg.gateway.rules, (r, i) =>
      r.models.forEach((m, j) => {
        if (m !== "*" && !names.has(m)) add(["gateway", "rules", i, "models", j], `"${m}" is not a model of this stack; use one of ${[...names].join(", ") || "(none)"} or "*"`);
      }),
    );
  },
  (cfg, _env, add) => {
    if (cfg.gateway.minReplicas > cfg.gateway.maxReplicas) add(["gateway", "minReplicas"], `is ${cfg.gateway.minReplicas}, above maxReplicas ${cfg.gateway.maxReplicas}; lower it or raise maxReplicas`);
  },
  (cfg, _env, add) => {
    const seen = new Map<string, number>();
    each(cfg.gateway.rules, (r, i) => {
      const first = seen.get(r.name);
      if (first !== undefined) add(["gateway", "rules", i, "name"], `"${r.name}" is also the name of rules[${first}]; audit lines name the rule that allowed a request, so give each rule its own name`);
      else seen.set(r.name, i);
    });
  },
  (cfg, env, add) => {
    if (cfg.gateway.oidc === undefined && !env.apiKeyHashes) {
      add(["gateway", "oidc"], `is not set and neither is the secret ${NAMESPACE}:gatewayApiKeyHashes, so no caller could authenticate; configure gateway.oidc, or set workload API keys with \`pulumi config set --secret ${NAMESPACE}:gatewayApiKeyHashes '{"name":"<sha256 hex>"}'\``);
    }
  },
  (cfg, env, add) =>
    each(cfg.gateway.rules, (r, i) => {
      if (!env.apiKeyHashes && r.apiKeys.length > 0 && r.groups.length + r.subjects.length === 0) {
        add(["gateway", "rules", i, "apiKeys"], `rule "${r.name}" grants only API keys, but the secret ${NAMESPACE}:gatewayApiKeyHashes is not set; set it with \`pulumi config set --secret\` or remove the rule`);
      }
    }),
  (cfg, env, add) => {
    // Networks outside the VPC only: pods and nodes have VPC addresses, so a range that overlaps
    // the VPC would let callers (clientCidrs) or the gateway (jwksCidrs, egress on 443) reach them.
    const vpc = cfg.network.cidr;
    each(cfg.gateway.clientCidrs, (c, i) => {
      if (cidrsOverlap(c, vpc)) add(["gateway", "clientCidrs", i], `"${c}" overlaps the VPC ${vpc}, which holds every node and pod, so a range over it would admit them as clients; list only networks outside the VPC (on-premises ranges)`);
    });
    const oidc = cfg.gateway.oidc;
    if (oidc) {
      each(oidc.jwksCidrs, (c, i) => {
        if (cidrsOverlap(c, vpc)) add(["gateway", "oidc", "jwksCidrs", i], `"${c}" overlaps the VPC ${vpc}, so the gateway could reach the stack's own pods and nodes on 443; list only the identity provider's addresses outside the VPC`);
      });
    }
  },
  (cfg, _env, add) => {
    if (cfg.models.length > 0 && cfg.gateway.clientCidrs.length === 0) {
      add(["gateway", "clientCidrs"], "is empty, so no network could reach the gateway's load balancer; list the client networks (only they are admitted, not the whole VPC)");
    }
  },
  // The service range must not hide addresses pods have to reach: a packet to an address inside
  // it is taken for a Kubernetes service.
  (cfg, _env, add) => {
    const svc = cfg.cluster.serviceCidr;
    const others: [string, string][] = [["network.cidr", cfg.network.cidr]];
    each(cfg.gateway.clientCidrs, (c) => others.push(["gateway.clientCidrs", c]));
    const oidc = cfg.gateway.oidc;
    if (oidc) each(oidc.jwksCidrs, (c) => others.push(["gateway.oidc.jwksCidrs", c]));
    for (const [key, other] of others) {
      if (cidrsOverlap(svc, other)) {
        add(["cluster", "serviceCidr"], `${svc} overlaps ${key} ${other}: addresses in it would be taken for Kubernetes services; choose a range that overlaps neither the VPC nor the networks pods must reach (e.g. 172.20.0.0/16 or 10.100.0.0/16)`);
      }
    }
  },
  (cfg, env, add) => {
    if (!KNOWN_REGIONS.includes(env.region)) {
      add(["aws:region"], `"${env.region}" is not a region this project knows a jurisdiction for; use one of ${KNOWN_REGIONS.join(", ")}`);
      return;
    }
    const allowed = regionsFor(cfg.residency);
    if (!allowed.includes(env.region)) {
      add(["residency"], `aws:region "${env.region}" lies outside the residency [${cfg.residency.join(", ")}], which allows ${allowed.join(", ")}; change aws:region or the residency list`);
    }
  },
  // The backup copy is a second place the records reside: it must be inside the residency too
  // (GDPR Art. 44; HIPAA and FedRAMP stacks name their jurisdictions the same way).
  (cfg, env, add) => {
    const copy = cfg.storage.backup.copyRegion;
    if (copy === undefined) return;
    const allowed = regionsFor(cfg.residency);
    if (!allowed.includes(copy)) {
      add(["storage", "backup", "copyRegion"], `"${copy}" lies outside the residency [${cfg.residency.join(", ")}]: the copy would take the stack's records out of it; use one of ${allowed.filter((r) => r !== env.region).join(", ") || "no other region (the residency allows only the stack's own; remove copyRegion)"}`);
    } else if (copy === env.region) {
      add(["storage", "backup", "copyRegion"], `"${copy}" is the stack's own region; a copy there survives no regional outage. Use another region of the residency (${allowed.filter((r) => r !== env.region).join(", ") || "none: remove copyRegion"})`);
    }
  },
  (cfg, env, add) => {
    each(cfg.network.availabilityZones, (az, i) => {
      if (!zoneBelongsTo(az, env.region)) add(["network", "availabilityZones", i], `"${az}" is not an availability zone of ${env.region}; use zone IDs such as ${ZONE_ID_PREFIX[env.region] ?? "use1"}-az1 or names such as ${env.region}a`);
    });
  },
  (cfg, _env, add) => {
    const azs = cfg.network.availabilityZones;
    if (new Set(azs).size !== azs.length) add(["network", "availabilityZones"], "lists a zone twice; list each zone once");
    if (new Set(azs.map(isZoneId)).size > 1) add(["network", "availabilityZones"], "mixes zone names and zone IDs; list zone IDs (the same physical zone in every account) or names, not both");
  },
  (cfg, _env, add) => {
    const prefix = Number(cfg.network.cidr.split("/")[1]);
    const workload = cfg.network.workloadSubnetPrefix;
    if (workload <= prefix) add(["network", "workloadSubnetPrefix"], `is /${workload}, not longer than the VPC's /${prefix}; each zone's workload subnet is a part of the VPC, so use /${prefix + 1} to /20`);
  },
  (cfg, env, add) => {
    const { cidr, workloadSubnetPrefix, availabilityZones } = cfg.network;
    if (workloadSubnetPrefix <= Number(cidr.split("/")[1])) return; // reported above under its own key
    const indexes = availabilityZones.filter((az) => zoneBelongsTo(az, env.region)).map(zoneIndex);
    const planIssue = planProblem(cidr, workloadSubnetPrefix, indexes);
    if (planIssue) add(["network", "cidr"], planIssue);
  },
  // Where a network outside the VPC is named, a route must reach it: anything not routed to the
  // transit gateway goes to the egress firewall, which drops it. (Ranges overlapping the VPC are
  // refused by the rule above under their own key.)
  (cfg, _env, add) => {
    const vpc = cfg.network.cidr;
    const onPremCidrs = cfg.network.onPremises?.cidrs ?? [];
    const routed = (c: string) => onPremCidrs.some((o) => cidrWithin(c, o));
    const fix = "add a range covering it to network.onPremises.cidrs (routed to the organisation's transit gateway)";
    each(cfg.gateway.clientCidrs, (c, i) => {
      if (!cidrsOverlap(c, vpc) && !routed(c)) add(["gateway", "clientCidrs", i], `"${c}" is not in a network.onPremises range, so no route reaches it and replies would go to the egress firewall, which drops them; ${fix}`);
    });
    const oidc = cfg.gateway.oidc;
    if (oidc) {
      each(oidc.jwksCidrs, (c, i) => {
        if (!cidrsOverlap(c, vpc) && !routed(c)) add(["gateway", "oidc", "jwksCidrs", i], `"${c}" is not in a network.onPremises range, so the gateway cannot reach the identity provider; ${fix}`);
      });
    }
  },
  (cfg, _env, add) => {
    const onPrem = cfg.network.onPremises;
    if (!onPrem) return;
    const vpc = cfg.network.cidr;
    each(onPrem.cidrs, (c, i) => {
      if (cidrsOverlap(c, vpc)) add(["network", "onPremises", "cidrs", i], `"${c}" overlaps the VPC range ${vpc}; the organisation's ranges and the VPC's must be disjoint, so list only networks outside the VPC`);
    });
  },
  (cfg, _env, add) => {
    const onPrem = cfg.network.onPremises;
    if (!onPrem) return;
    each(onPrem.dnsResolvers, (ip, i) => {
      if (!onPrem.cidrs.some((c) => cidrWithin(`${ip}/32`, c))) add(["network", "onPremises", "dnsResolvers", i], `${ip} is not in network.onPremises.cidrs, so no route reaches it; add its range to cidrs or name a resolver inside them`);
    });
    if (onPrem.dnsDomains.length > 0 && onPrem.dnsResolvers.length === 0) add(["network", "onPremises", "dnsResolvers"], "is empty, but dnsDomains are forwarded; name the organisation's DNS servers that answer network.onPremises.dnsDomains");
  },
  // The JWKS host on the organisation's network must resolve: its name must be forwarded there.
  (cfg, _env, add) => {
    const onPrem = cfg.network.onPremises;
    const oidc = cfg.gateway.oidc;
    if (!onPrem || !oidc || !URL.canParse(oidc.jwksUri)) return;
    if (!oidc.jwksCidrs.some((c) => onPrem.cidrs.some((o) => cidrWithin(c, o)))) return;
    const host = new URL(oidc.jwksUri).hostname;
    if (!onPrem.dnsDomains.some((d) => host === d || host.endsWith(`.${d}`))) {
      add(["network", "onPremises", "dnsDomains"], `does not cover ${host}, the host of gateway.oidc.jwksUri on the organisation's network, so the VPC cannot resolve it (DNS Firewall blocks names it is not told about); add ${host} or its domain`);
    }
  },
  (cfg, _env, add) => {
    if (cfg.egress.mode === "none" && cfg.egress.allowedDomains.length > 0) {
      add(["egress", "allowedDomains"], 'lists domains but egress.mode is "none", so nothing could reach them; set mode to "allowlist" or remove the domains');
    }
  },
  (cfg, _env, add) => {
    if (cfg.environment === "prod" && cfg.cluster.publicAccessCidrs.length > 0) {
      add(["cluster", "publicAccessCidrs"], "must be empty in prod: the API endpoint is private only; deploy from a runner inside the VPC");
    }
  },
  (cfg, _env, add) => {
    const sys = cfg.cluster.systemNodes;
    if (!(sys.minSize <= sys.desiredSize && sys.desiredSize <= sys.maxSize)) {
      add(["cluster", "systemNodes"], `needs minSize <= desiredSize <= maxSize (got ${sys.minSize}, ${sys.desiredSize}, ${sys.maxSize}); change the sizes so they are in that order`);
    }
  },
  (cfg, _env, add) => {
    const seen = new Map<string, number>();
    each(cfg.gpuNodeGroups, (g, i) => {
      if (seen.has(g.name)) add(["gpuNodeGroups", i, "name"], `"${g.name}" is used twice; node group names must be unique`);
      else seen.set(g.name, i);
    });
  },
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => {
      const desired = g.desiredSize ?? g.minSize;
      if (!(g.minSize <= desired && desired <= g.maxSize)) {
        add(["gpuNodeGroups", i], `needs minSize <= desiredSize <= maxSize (got ${g.minSize}, ${desired}, ${g.maxSize}); change the sizes so they are in that order`);
      }
    }),
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => {
      if (g.capacityType === "CAPACITY_BLOCK" && !g.capacityReservationId) {
        add(["gpuNodeGroups", i, "capacityReservationId"], "is required when capacityType is CAPACITY_BLOCK; give the capacity block's reservation id");
      }
      if (g.capacityType !== "CAPACITY_BLOCK" && g.capacityReservationId) {
        add(["gpuNodeGroups", i, "capacityReservationId"], "only applies to capacityType CAPACITY_BLOCK; remove it or change the capacity type");
      }
    }),
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => capacityBlockProblems(g, cfg.network.availabilityZones).forEach(([key, message]) => add(["gpuNodeGroups", i, key], message))),
  // Rolling updates surge one replica of each model (never below the declared count), and one
  // `pulumi up` can roll every model of a group at once: the group must hold them at maxSize.
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => {
      const perNode = Math.min(...g.instanceTypes.map((t) => GPU_INSTANCES[t]?.gpus ?? Infinity));
      if (!Number.isFinite(perNode)) return;
      const models = cfg.models.filter((m) => m.nodeGroup === g.name);
      const steady = models.reduce((sum, m) => sum + (m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas) * m.gpusPerReplica, 0);
      const surge = models.reduce((sum, m) => sum + m.gpusPerReplica, 0);
      const capacity = g.maxSize * perNode;
      // Above capacity without the surge, the rule before this one reports it.
      if (steady <= capacity && steady + surge > capacity) {
        add(["gpuNodeGroups", i, "maxSize"], `is ${g.maxSize} nodes of ${perNode} GPU(s) (${capacity} GPUs); the models on "${g.name}" need ${steady} GPUs plus ${surge} for one surge replica each, so a rolling update never drops below their replica counts; raise maxSize to at least ${Math.ceil((steady + surge) / perNode)}`);
      }
    }),
  // Model servers never share a node with another replica of the same model (pod anti-affinity),
  // and a rolling update surges one more: each model needs that many nodes of its group.
  (cfg, _env, add) =>
    each(cfg.models, (m, i) => {
      const gi = cfg.gpuNodeGroups.findIndex((g) => g.name === m.nodeGroup);
      if (gi < 0) return;
      const group = cfg.gpuNodeGroups[gi]!;
      const replicas = m.autoscaling.enabled ? m.autoscaling.maxReplicas : m.replicas;
      if (replicas + 1 > group.maxSize) {
        add(["gpuNodeGroups", gi, "maxSize"], `is ${group.maxSize}, but model "${m.name}" runs ${replicas} replica(s) on "${group.name}", each on its own node, plus one surge replica during a rolling update; raise maxSize to at least ${replicas + 1}`);
      }
    }),
  (cfg, _env, add) => {
    if (cfg.environment !== "prod") return;
    each(cfg.gpuNodeGroups, (g, i) => {
      if (g.capacityType === "SPOT") {
        add(["gpuNodeGroups", i, "capacityType"], `is SPOT in a prod stack: EC2 reclaims Spot capacity at two minutes' notice, and availability is a control in all four frameworks (${AVAILABILITY_CONTROLS}); use ON_DEMAND or CAPACITY_BLOCK`);
      }
    });
  },
  (cfg, _env, add) => {
    const seen = new Set<string>();
    each(cfg.models, (m, i) => {
      if (seen.has(m.name)) add(["models", i, "name"], `"${m.name}" is used twice; model names must be unique`);
      seen.add(m.name);
    });
  },
  (cfg, _env, add) => {
    const groups = cfg.gpuNodeGroups.map((g) => g.name);
    each(cfg.models, (m, i) => {
      const group = cfg.gpuNodeGroups.find((g) => g.name === m.nodeGroup);
      if (!group) {
        add(["models", i, "nodeGroup"], `"${m.nodeGroup}" is not a GPU node group of this stack; use one of ${groups.join(", ")}`);
        return;
      }
      const gpuCounts = group.instanceTypes.map((t) => GPU_INSTANCES[t]?.gpus).filter((n): n is number => n !== undefined);
      if (gpuCounts.length > 0 && m.gpusPerReplica > Math.min(...gpuCounts)) {
        add(["models", i, "gpusPerReplica"], `asks for ${m.gpusPerReplica} GPUs per replica but node group "${group.name}" has instance types with ${Math.min(...gpuCounts)}; lower gpusPerReplica or use larger instance types`);
      }
    });
  },
  (cfg, _env, add) =>
    each(cfg.models, (m, i) => {
      if (m.autoscaling.enabled && m.autoscaling.minReplicas > m.autoscaling.maxReplicas) {
        add(["models", i, "autoscaling"], `needs minReplicas <= maxReplicas (got ${m.autoscaling.minReplicas} and ${m.autoscaling.maxReplicas}); lower minReplicas or raise maxReplicas`);
      }
    }),
  // Scaling on queue depth needs KEDA, which is installed from the account's mirror.
  (cfg, _env, add) => {
    const scaled = cfg.models.filter((m) => m.autoscaling.enabled).map((m) => m.name);
    if (scaled.length > 0 && cfg.cluster.keda === undefined) {
      add(["cluster", "keda"], `is required because ${scaled.join(", ")} enable autoscaling: mirror ghcr.io/kedacore/keda and ghcr.io/kedacore/keda-metrics-apiserver at the committed release into ECR and give both digests (operatorImage, metricsServerImage)`);
    }
  },
  // Where each GPU group keeps images and models must be able to hold them.
  (cfg, _env, add) =>
    each(cfg.gpuNodeGroups, (g, i) => {
      for (const problem of nodeStorageProblems(nodeStorageInput(cfg, g))) {
        const key = problem.startsWith("dataVolumeGiB") ? "dataVolumeGiB" : problem.startsWith("instanceTypes") ? "instanceTypes" : "storage";
        // The per-model rule above already names a model that alone outgrows an ebs data volume;
        // models that fit one by one but not together are this group's problem.
        const alone = cfg.models.some((m) => m.nodeGroup === g.name && MODEL_COPIES_PER_NODE * m.storageGiB + MODEL_NODE_OVERHEAD_GIB > g.dataVolumeGiB);
        if (key === "dataVolumeGiB" && alone) continue;
        add(["gpuNodeGroups", i, key], problem.replace(/^(storage|instanceTypes|dataVolumeGiB): /, ""));
      }
    }),
  (cfg, _env, add) => {
    if (cfg.logging.content === "enabled" && cfg.logging.contentRetentionDays > 30) {
      add(["logging", "contentRetentionDays"], `keeps prompts and completions for ${cfg.logging.contentRetentionDays} days; content logs are kept 30 days at most (GDPR Art. 5(1)(e) storage limitation)`);
    }
  },
  (cfg, _env, add) => {
    const days = cfg.logging.networkRetentionDays;
    if (days !== undefined && days < 365) add(["logging", "networkRetentionDays"], `is ${days}; network logs are audit records too and are kept at least 365 days`);
    if (days !== undefined && days > 365 && cfg.compliance.includes("gdpr")) {
      add(["logging", "networkRetentionDays"], `is ${days}; under GDPR, flow and firewall logs hold personal data (IP addresses) and are kept at most 365 days (Art. 5(1)(e)); use 365`);
    }
  },
  (cfg, _env, add) => {
    if (cfg.logging.auditRetentionDays < 365) {
      add(["logging", "auditRetentionDays"], `is ${cfg.logging.auditRetentionDays}; audit logs are kept at least 365 days (use 2192 for HIPAA's six years)`);
    }
  },
  (cfg, _env, add) => {
    if (cfg.compliance.includes("gdpr") && !cfg.residency.every((j) => j === "eu" || j === "uk" || j === "ch")) {
      add(["residency"], "a stack under GDPR keeps personal data in the EU or a country with an adequacy decision that AWS has regions in (uk, ch); set residency to [eu]");
    }
    if (cfg.compliance.includes("fedramp-moderate") && !cfg.residency.every((j) => j === "us" || j === "us-gov")) {
      add(["residency"], "a FedRAMP stack keeps data in US regions; set residency to [us] or [us-gov]");
    }
  },
  // Every ARN in the config (role ARNs and any other) must be of the stack region's partition:
  // IAM in aws-us-gov cannot name a principal of aws, and the other way round.
  (cfg, env, add) =>
    walkStrings(cfg, [], (s, path) => {
      const m = /^arn:([^:]+):/.exec(s);
      if (m && m[1] !== env.partition) {
        add(path, `"${s}" is in partition ${m[1]}, but aws:region ${env.region} is in partition ${env.partition}, where it names nothing; use arn:${env.partition}:${s.slice(m[0].length)} (or the role of this partition's account)`);
      }
    }),
  // Images the nodes can actually pull (see images.ts): every key named `image` or `...Image`.
  (cfg, env, add) =>
    walkStrings(cfg, [], (s, path) => {
      const key = path[path.length - 1];
      if (typeof key !== "string" || !/(^i|I)mage$/.test(key)) return;
      let egress: StackConfig["egress"];
      try {
        egress = cfg.egress;
        void egress.allowedDomains;
      } catch (err) {
        if (err instanceof MissingKey) return;
        throw err;
      }
      const why = pullProblem(s, env.region, egress);
      if (why) add(path, why);
    }),
];

/**
 * Runs every cross-field rule on a (guarded, possibly partial) config; a rule that reads a value
 * that did not parse is skipped. Each problem names its path below `sovereign-llm:`.
 */
export function crossFieldProblems(cfg: StackConfig, env: RuleEnv): { path: (string | number)[]; message: string }[] {
  const problems: { path: (string | number)[]; message: string }[] = [];
  const add: Add = (path, message) => problems.push({ path, message });
  for (const rule of CROSS_FIELD_RULES) {
    try {
      rule(cfg, env, add);
    } catch (err) {
      if (!(err instanceof MissingKey)) throw err;
    }
  }
  return problems;
}

/**
 * Rules EKS sets for a capacity-block node group: the launch template names the one instance type
 * (so the group lists exactly one), only the reservation's zone subnet is passed, and the group
 * starts empty (a block is usable only inside its window; EKS also wants the desired size at 0
 * while such a group is updated). Returns [key below the group, message] pairs.
 * https://docs.aws.amazon.com/eks/latest/userguide/capacity-blocks-mng.html
 */
export function capacityBlockProblems(
  g: Pick<GpuNodeGroupConfig, "capacityType" | "capacityReservationZone" | "instanceTypes" | "minSize" | "desiredSize">,
  zones: readonly string[],
): [string, string][] {
  const out: [string, string][] = [];
  if (g.capacityType !== "CAPACITY_BLOCK") {
    if (g.capacityReservationZone !== undefined) out.push(["capacityReservationZone", "only applies to capacityType CAPACITY_BLOCK; remove it or change the capacity type"]);
    return out;
  }
  if (g.capacityReservationZone === undefined) {
    out.push(["capacityReservationZone", `is required when capacityType is CAPACITY_BLOCK; give the zone the capacity block was bought in (one of ${zones.join(", ")})`]);
  } else if (!zones.includes(g.capacityReservationZone)) {
    out.push(["capacityReservationZone", `"${g.capacityReservationZone}" is not one of network.availabilityZones (${zones.join(", ")}); the node group can only use a subnet of the reservation's zone, so add that zone or correct the name`]);
  }
  if (g.instanceTypes.length !== 1) {
    out.push(["instanceTypes", `lists ${g.instanceTypes.length} types, but a capacity block is for one instance type; list exactly the reserved type`]);
  }
  if (g.minSize !== 0) out.push(["minSize", `is ${g.minSize}; a capacity-block group must be able to scale to 0 outside the block's window; set minSize to 0`]);
  if (g.desiredSize !== undefined && g.desiredSize !== 0) out.push(["desiredSize", `is ${g.desiredSize}; a capacity block is usable only inside its window, and EKS updates such groups at desired size 0; set it to 0 or remove it`]);
  return out;
}

type GroupConfig = StackConfig["gpuNodeGroups"][number];

/** The node storage planner's view of a GPU group: its models' sizes and its storage choice. */
export function nodeStorageInput(cfg: StackConfig, g: GroupConfig) {
  const sizes = cfg.models.filter((m) => m.nodeGroup === g.name).map((m) => m.storageGiB);
  return {
    groupName: g.name,
    instanceTypes: g.instanceTypes,
    mode: g.storage,
    dataVolumeGiB: g.dataVolumeGiB,
    largestModelGiB: sizes.length > 0 ? Math.max(...sizes) : 0,
    totalModelGiB: sizes.reduce((a, b) => a + b, 0),
  };
}

/** "instance-store" or "ebs" as the group's nodes will have it (ebs when the input cannot be planned: its own rule reports why). */
function nodeStorageMode(cfg: StackConfig, g: GroupConfig): "instance-store" | "ebs" {
  try {
    return planNodeStorage(nodeStorageInput(cfg, g)).mode;
  } catch {
    return "ebs";
  }
}
