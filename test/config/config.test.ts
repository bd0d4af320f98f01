/**
 * Stack configuration: a table of broken stack files, each rejected with a problem that names the
 * full key and says how to fix it; several problems reported at once; the committed stacks load.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { ConfigError, parseStackConfig } from "../../infra/config.js";
import { rawConfig, yamlConfig, STACKS } from "../helpers/stacks.js";

type Config = Record<string, any>;

/** Parses a YAML config map the way the program does; returns the problems (none when valid). */
function problemsOf(config: Config): string[] {
  const { raw, region } = rawConfig(config);
  try {
    parseStackConfig(raw, region);
    return [];
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err.problems;
  }
}

function mutated(stack: string, change: (c: Config) => void): Config {
  const c = yamlConfig(stack);
  change(c);
  return c;
}

const NS = "sovereign-llm:";

interface BrokenCase {
  name: string;
  /** Committed stack the case starts from (valid as committed). */
  from: string;
  change: (c: Config) => void;
  /** Full key the problem must start with, e.g. `sovereign-llm:network.cidr`. */
  key: string;
  /** Fragment of the message saying what is wrong or how to fix it. */
  fix: string | RegExp;
}

const CASES: BrokenCase[] = [
  // network.cidr
  { name: "CIDR that is not a CIDR", from: "dev", change: (c) => (c[`${NS}network`].cidr = "10.10.0.0/33"), key: "sovereign-llm:network.cidr", fix: "has the prefix length /33, but an IPv4 prefix is /0 to /32" },
  { name: "CIDR with garbage", from: "dev", change: (c) => (c[`${NS}network`].cidr = "ten.ten/16"), key: "sovereign-llm:network.cidr", fix: "is not an IPv4 CIDR" },
  { name: "CIDR with host bits set", from: "dev", change: (c) => (c[`${NS}network`].cidr = "10.10.4.0/16"), key: "sovereign-llm:network.cidr", fix: "use its network address 10.10.0.0/16" },
  { name: "CIDR in a public range", from: "dev", change: (c) => (c[`${NS}network`].cidr = "52.10.0.0/16"), key: "sovereign-llm:network.cidr", fix: "RFC 1918" },
  { name: "CIDR smaller than /18", from: "dev", change: (c) => (c[`${NS}network`].cidr = "10.10.0.0/20"), key: "sovereign-llm:network.cidr", fix: "/16 to /18" },
  { name: "CIDR larger than /16", from: "dev", change: (c) => (c[`${NS}network`].cidr = "10.0.0.0/8"), key: "sovereign-llm:network.cidr", fix: "/16 to /18" },
  {
    name: "CIDR too small for the zones",
    from: "staging",
    change: (c) => (c[`${NS}network`].cidr = "10.20.0.0/18"),
    key: "sovereign-llm:network.cidr",
    fix: "use a larger VPC CIDR or a longer workloadSubnetPrefix",
  },
  {
    name: "workload prefix too long",
    from: "dev",
    change: (c) => (c[`${NS}network`].workloadSubnetPrefix = 24),
    key: "sovereign-llm:network.workloadSubnetPrefix",
    fix: "use /17 to /20",
  },
  // network.availabilityZones
  {
    name: "AZ from another region",
    from: "dev",
    change: (c) => (c[`${NS}network`].availabilityZones = ["us-east-2a", "us-west-2b"]),
    key: "sovereign-llm:network.availabilityZones[1]",
    fix: "is not an availability zone of us-east-2",
  },
  {
    name: "a Local Zone instead of an AZ",
    from: "prod",
    change: (c) => (c[`${NS}network`].availabilityZones = ["us-east-1a", "us-east-1-bos-1a"]),
    key: "sovereign-llm:network.availabilityZones[1]",
    fix: "use zone IDs such as use1-az1 or names such as us-east-1a",
  },
  { name: "one AZ", from: "dev", change: (c) => (c[`${NS}network`].availabilityZones = ["us-east-2a"]), key: "sovereign-llm:network.availabilityZones", fix: "list 2 or 3 availability zones" },
  {
    name: "four AZs",
    from: "prod",
    change: (c) => (c[`${NS}network`].availabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d"]),
    key: "sovereign-llm:network.availabilityZones",
    fix: "list 2 or 3 availability zones",
  },
  { name: "duplicate AZ", from: "dev", change: (c) => (c[`${NS}network`].availabilityZones = ["us-east-2a", "us-east-2a"]), key: "sovereign-llm:network.availabilityZones", fix: "list each zone once" },
  // residency
  {
    name: "eu residency in us-east-1",
    from: "prod-eu",
    change: (c) => {
      c["aws:region"] = "us-east-1";
      c[`${NS}network`].availabilityZones = ["us-east-1a", "us-east-1b", "us-east-1c"];
    },
    key: "sovereign-llm:residency",
    fix: "change aws:region or the residency list",
  },
  {
    name: "eu residency in eu-west-2 (London is not in the EU)",
    from: "prod-eu",
    change: (c) => {
      c["aws:region"] = "eu-west-2";
      c[`${NS}network`].availabilityZones = ["eu-west-2a", "eu-west-2b", "eu-west-2c"];
    },
    key: "sovereign-llm:residency",
    fix: 'aws:region "eu-west-2" lies outside the residency [eu]',
  },
  {
    name: "eu residency in eu-central-2 (Zurich is not in the EU)",
    from: "prod-eu",
    change: (c) => {
      c["aws:region"] = "eu-central-2";
      c[`${NS}network`].availabilityZones = ["eu-central-2a", "eu-central-2b"];
    },
    key: "sovereign-llm:residency",
    fix: "lies outside the residency",
  },
  {
    name: "gdpr with us residency",
    from: "dev",
    change: (c) => (c[`${NS}compliance`] = ["gdpr", "soc2"]),
    key: "sovereign-llm:residency",
    fix: "set residency to [eu]",
  },
  {
    name: "fedramp with eu residency",
    from: "prod-eu",
    change: (c) => (c[`${NS}compliance`] = ["fedramp-moderate"]),
    key: "sovereign-llm:residency",
    fix: "set residency to [us]",
  },
  {
    name: "unknown jurisdiction",
    from: "dev",
    change: (c) => (c[`${NS}residency`] = ["mars"]),
    key: "sovereign-llm:residency[0]",
    fix: '"eu"',
  },
  {
    name: "region with no known jurisdiction",
    from: "dev",
    change: (c) => {
      c["aws:region"] = "sa-east-1";
      c[`${NS}network`].availabilityZones = ["sa-east-1a", "sa-east-1b"];
    },
    key: "aws:region",
    fix: "is not a region this project knows a jurisdiction for",
  },
  // logging
  { name: "retention 13 (not a CloudWatch value)", from: "dev", change: (c) => (c[`${NS}logging`].auditRetentionDays = 13), key: "sovereign-llm:logging.auditRetentionDays", fix: "is the number 13, which CloudWatch Logs does not accept; use one of 1, 3" },
  { name: "content retention 13", from: "dev", change: (c) => (c[`${NS}logging`].contentRetentionDays = 13), key: "sovereign-llm:logging.contentRetentionDays", fix: "1, 3, 5, 7, 14, 30" },
  { name: "audit retention below 365", from: "dev", change: (c) => (c[`${NS}logging`].auditRetentionDays = 180), key: "sovereign-llm:logging.auditRetentionDays", fix: "at least 365 days" },
  { name: "network retention below 365", from: "dev", change: (c) => (c[`${NS}logging`].networkRetentionDays = 180), key: "sovereign-llm:logging.networkRetentionDays", fix: "kept at least 365 days" },
  { name: "network retention above 365 under GDPR", from: "prod-eu", change: (c) => (c[`${NS}logging`].networkRetentionDays = 2192), key: "sovereign-llm:logging.networkRetentionDays", fix: "at most 365 days (Art. 5(1)(e)); use 365" },
  {
    name: "content retention above 30 when enabled",
    from: "dev",
    change: (c) => (c[`${NS}logging`].contentRetentionDays = 90),
    key: "sovereign-llm:logging.contentRetentionDays",
    fix: "30 days at most",
  },
  { name: "content mode misspelt", from: "dev", change: (c) => (c[`${NS}logging`].content = "on"), key: "sovereign-llm:logging.content", fix: '"off", "enabled"' },
  { name: "bad alarm e-mail", from: "dev", change: (c) => (c[`${NS}logging`].alarmEmails = ["secops@example.org", "secops at example.org"]), key: "sovereign-llm:logging.alarmEmails[1]", fix: "must be an e-mail address" },
  // models and GPU node groups
  { name: "model naming a missing node group", from: "dev", change: (c) => (c[`${NS}models`][0].nodeGroup = "h100"), key: "sovereign-llm:models[0].nodeGroup", fix: 'is not a GPU node group of this stack; use one of l4' },
  {
    name: "too many GPUs per replica for the instance type",
    from: "dev",
    change: (c) => (c[`${NS}models`][0].gpusPerReplica = 2),
    key: "sovereign-llm:models[0].gpusPerReplica",
    fix: "lower gpusPerReplica or use larger instance types",
  },
  {
    name: "GPUs per replica bounded by the smallest instance type of the group",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][0].instanceTypes = ["g6e.12xlarge", "g6e.48xlarge"]) && (c[`${NS}models`][0].gpusPerReplica = 8),
    key: "sovereign-llm:models[0].gpusPerReplica",
    fix: "has instance types with 4",
  },
  {
    name: "a model larger than its node group's data volume allows",
    from: "prod-eu",
    change: (c) => {
      c[`${NS}gpuNodeGroups`][0].storage = "ebs";
      c[`${NS}models`][0].storageGiB = 280;
    },
    key: "sovereign-llm:models[0].storageGiB",
    fix: "raise its dataVolumeGiB to at least 610",
  },
  {
    name: "models that fit a node's data volume one by one but not together, each held twice (cache and server copy)",
    from: "prod",
    change: (c) => {
      c[`${NS}gpuNodeGroups`][0].storage = "ebs";
    },
    key: "sovereign-llm:gpuNodeGroups[0].dataVolumeGiB",
    fix: "raise it to at least 520",
  },
  {
    name: "instance store on a node group whose instances cannot hold its models",
    from: "dev",
    change: (c) => {
      c[`${NS}gpuNodeGroups`][0].storage = "instance-store";
      c[`${NS}models`][0].storageGiB = 220;
      c[`${NS}gpuNodeGroups`][0].dataVolumeGiB = 300;
    },
    key: "sovereign-llm:gpuNodeGroups[0].storage",
    fix: "cannot hold the largest model",
  },
  {
    name: "autoscaling without KEDA images",
    from: "dev",
    change: (c) => {
      delete c[`${NS}cluster`].keda;
      c[`${NS}models`][0].autoscaling = { enabled: true, minReplicas: 0, maxReplicas: 1 };
    },
    key: "sovereign-llm:cluster.keda",
    fix: "mirror ghcr.io/kedacore/keda",
  },
  {
    name: "models that cannot fit on their node group at its maximum size",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][0].maxSize = 2),
    key: "sovereign-llm:gpuNodeGroups[0].maxSize",
    fix: "need 10 GPUs at their replica counts",
  },
  { name: "non-GPU instance type", from: "dev", change: (c) => (c[`${NS}gpuNodeGroups`][0].instanceTypes = ["g6.xlarge", "m7i.large"]), key: "sovereign-llm:gpuNodeGroups[0].instanceTypes[1]", fix: "is not from a GPU instance family" },
  { name: "unknown GPU size", from: "dev", change: (c) => (c[`${NS}gpuNodeGroups`][0].instanceTypes = ["g6.3xlarge"]), key: "sovereign-llm:gpuNodeGroups[0].instanceTypes[0]", fix: "is not a known size of g6" },
  {
    name: "capacity block without reservation id",
    from: "prod",
    change: (c) => delete c[`${NS}gpuNodeGroups`][1].capacityReservationId,
    key: "sovereign-llm:gpuNodeGroups[1].capacityReservationId",
    fix: "is required when capacityType is CAPACITY_BLOCK",
  },
  {
    name: "reservation id without capacity block",
    from: "dev",
    change: (c) => (c[`${NS}gpuNodeGroups`][0].capacityReservationId = "cr-0a1b2c3d4e5f60718"),
    key: "sovereign-llm:gpuNodeGroups[0].capacityReservationId",
    fix: "only applies to capacityType CAPACITY_BLOCK",
  },
  {
    name: "capacity block without its zone",
    from: "prod",
    change: (c) => delete c[`${NS}gpuNodeGroups`][1].capacityReservationZone,
    key: "sovereign-llm:gpuNodeGroups[1].capacityReservationZone",
    fix: "is required when capacityType is CAPACITY_BLOCK",
  },
  {
    name: "capacity block zone outside the VPC's zones",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][1].capacityReservationZone = "us-east-1d"),
    key: "sovereign-llm:gpuNodeGroups[1].capacityReservationZone",
    fix: "is not one of network.availabilityZones",
  },
  {
    name: "capacity block with two instance types",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][1].instanceTypes = ["p5.48xlarge", "p5e.48xlarge"]),
    key: "sovereign-llm:gpuNodeGroups[1].instanceTypes",
    fix: "list exactly the reserved type",
  },
  {
    name: "capacity block that cannot scale to zero",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][1].minSize = 1),
    key: "sovereign-llm:gpuNodeGroups[1].minSize",
    fix: "set minSize to 0",
  },
  {
    name: "reservation zone without capacity block",
    from: "dev",
    change: (c) => (c[`${NS}gpuNodeGroups`][0].capacityReservationZone = "eu-central-1a"),
    key: "sovereign-llm:gpuNodeGroups[0].capacityReservationZone",
    fix: "only applies to capacityType CAPACITY_BLOCK",
  },
  {
    name: "service range overlapping the VPC",
    from: "prod",
    change: (c) => (c[`${NS}cluster`].serviceCidr = "10.30.128.0/20"),
    key: "sovereign-llm:cluster.serviceCidr",
    fix: "overlaps network.cidr 10.30.0.0/16",
  },
  {
    name: "service range overlapping the client networks",
    from: "prod",
    change: (c) => (c[`${NS}cluster`].serviceCidr = "10.200.0.0/16"),
    key: "sovereign-llm:cluster.serviceCidr",
    fix: "overlaps gateway.clientCidrs 10.200.0.0/16",
  },
  { name: "public service range", from: "dev", change: (c) => (c[`${NS}cluster`].serviceCidr = "100.64.0.0/16"), key: "sovereign-llm:cluster.serviceCidr", fix: "is not inside 10.0.0.0/8" },
  { name: "service range too large", from: "dev", change: (c) => (c[`${NS}cluster`].serviceCidr = "10.0.0.0/8"), key: "sovereign-llm:cluster.serviceCidr", fix: "from /12 to /24" },
  {
    name: "node group without room for a surge replica",
    from: "staging",
    // staging's model autoscales to 3 replicas of 1 GPU: 3 nodes hold them, but not a surge replica.
    change: (c) => (c[`${NS}gpuNodeGroups`][0].maxSize = 3),
    key: "sovereign-llm:gpuNodeGroups[0].maxSize",
    fix: "plus 1 for one surge replica each",
  },
  {
    name: "node group with GPUs for every replica but too few nodes to keep them apart",
    from: "prod-eu",
    change: (c) => (c[`${NS}gpuNodeGroups`][0].maxSize = 2),
    key: "sovereign-llm:gpuNodeGroups[0].maxSize",
    fix: "each on its own node, plus one surge replica during a rolling update; raise maxSize to at least 3",
  },
  {
    name: "no client network for the gateway",
    from: "dev",
    change: (c) => (c[`${NS}gateway`].clientCidrs = []),
    key: "sovereign-llm:gateway.clientCidrs",
    fix: "list the client networks",
  },
  { name: "no GPU node group", from: "dev", change: (c) => (c[`${NS}gpuNodeGroups`] = []), key: "sovereign-llm:gpuNodeGroups", fix: "declare at least one GPU node group" },
  {
    name: "duplicate node group name",
    from: "prod",
    change: (c) => (c[`${NS}gpuNodeGroups`][1].name = "l40s-x4"),
    key: "sovereign-llm:gpuNodeGroups[1].name",
    fix: "node group names must be unique",
  },
  { name: "duplicate model name", from: "prod", change: (c) => (c[`${NS}models`][1].name = "llama-3-3-70b-instruct"), key: "sovereign-llm:models[1].name", fix: "model names must be unique" },
  { name: "node group sizes out of order", from: "dev", change: (c) => (c[`${NS}gpuNodeGroups`][0].desiredSize = 5), key: "sovereign-llm:gpuNodeGroups[0]", fix: "minSize <= desiredSize <= maxSize" },
  { name: "model pin that is not a sha256 root digest", from: "dev", change: (c) => (c[`${NS}models`][0].expectedDigest = "sha256:ABC"), key: "sovereign-llm:models[0].expectedDigest", fix: '"sha256:ABC" is not a model root digest; it must be sha256:<64 lower-case hex digits>' },
  { name: "model name not a DNS label", from: "dev", change: (c) => (c[`${NS}models`][0].name = "Llama_3"), key: "sovereign-llm:models[0].name", fix: '"Llama_3" is not a DNS label; use lower-case letters' },
  // typos
  { name: "typo key at top level", from: "dev", change: (c) => (c[`${NS}enviroment`] = "dev"), key: "sovereign-llm:enviroment", fix: "unknown key" },
  { name: "typo key nested", from: "dev", change: (c) => (c[`${NS}network`].availabiltyZones = ["us-east-2c"]), key: "sovereign-llm:network.availabiltyZones", fix: "unknown key" },
  { name: "typo key in a list item", from: "dev", change: (c) => (c[`${NS}models`][0].replica = 3), key: "sovereign-llm:models[0].replica", fix: "unknown key" },
  { name: "typo in an enum value", from: "dev", change: (c) => (c[`${NS}environment`] = "production"), key: "sovereign-llm:environment", fix: '"dev", "staging", "prod"' },
  // serving images
  {
    name: "image by tag not digest",
    from: "dev",
    change: (c) => (c[`${NS}serving`].vllmImage = "111122223333.dkr.ecr.us-east-2.amazonaws.com/mirror/vllm-openai:v0.32.0"),
    key: "sovereign-llm:serving.vllmImage",
    fix: 'is pinned by the tag "v0.32.0" only, and a tag can be moved to other content; pin the digest',
  },
  {
    name: "image with a short digest",
    from: "dev",
    change: (c) => (c[`${NS}serving`].verifierImage = "111122223333.dkr.ecr.us-east-2.amazonaws.com/mirror/distroless/nodejs24-debian12@sha256:8cd19026"),
    key: "sovereign-llm:serving.verifierImage",
    fix: "has a digest of 8 hex digits; a sha256 digest has exactly 64",
  },
  {
    name: "verifier on Node.js 20 (end of life)",
    from: "dev",
    change: (c) => (c[`${NS}serving`].verifierImage = "gcr.io/distroless/nodejs20-debian12@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a"),
    key: "sovereign-llm:serving.verifierImage",
    fix: "Node.js 22 or 24 LTS",
  },
  {
    name: "verifier image that is not distroless Node (no /nodejs/bin/node)",
    from: "dev",
    change: (c) => (c[`${NS}serving`].verifierImage = "docker.io/library/node@sha256:2cd820156cf039c8b54ae2d2a97e424b6729070714de8707a6b79f20d56f6a9a"),
    key: "sovereign-llm:serving.verifierImage",
    fix: "distroless Node.js 22 or 24",
  },
  // egress
  { name: "egress domain as a URL", from: "dev", change: (c) => c[`${NS}egress`].allowedDomains.push("https://updates.example.com/path"), key: "sovereign-llm:egress.allowedDomains[1]", fix: "give the host name only" },
  { name: "egress domain as an IP", from: "dev", change: (c) => c[`${NS}egress`].allowedDomains.push("203.0.113.10"), key: "sovereign-llm:egress.allowedDomains[1]", fix: "not by address" },
  { name: "egress domain *", from: "dev", change: (c) => c[`${NS}egress`].allowedDomains.push("*"), key: "sovereign-llm:egress.allowedDomains[1]", fix: "list the domains that are needed" },
  { name: "egress domain with an empty label", from: "dev", change: (c) => c[`${NS}egress`].allowedDomains.push("updates..example.com"), key: "sovereign-llm:egress.allowedDomains[1]", fix: "empty label" },
  { name: "egress domain with a port", from: "dev", change: (c) => c[`${NS}egress`].allowedDomains.push("example.com:443"), key: "sovereign-llm:egress.allowedDomains[1]", fix: "has a port" },
  { name: "egress domains with mode none", from: "prod", change: (c) => (c[`${NS}egress`].allowedDomains = ["updates.bottlerocket.aws"]), key: "sovereign-llm:egress.allowedDomains", fix: 'set mode to "allowlist"' },
  { name: "egress mode misspelt", from: "dev", change: (c) => (c[`${NS}egress`].mode = "allow-list"), key: "sovereign-llm:egress.mode", fix: '"none", "allowlist"' },
  // cluster
  { name: "public CIDR 0.0.0.0/0", from: "dev", change: (c) => (c[`${NS}cluster`].publicAccessCidrs = ["0.0.0.0/0"]), key: "sovereign-llm:cluster.publicAccessCidrs[0]", fix: "never 0.0.0.0/0" },
  { name: "private range as public CIDR", from: "dev", change: (c) => (c[`${NS}cluster`].publicAccessCidrs = ["10.0.0.0/16"]), key: "sovereign-llm:cluster.publicAccessCidrs[0]", fix: "list public addresses only" },
  { name: "public CIDRs in prod", from: "prod", change: (c) => (c[`${NS}cluster`].publicAccessCidrs = ["203.0.113.0/24"]), key: "sovereign-llm:cluster.publicAccessCidrs", fix: "must be empty in prod" },
  { name: "EKS version out of support", from: "dev", change: (c) => (c[`${NS}cluster`].version = "1.28"), key: "sovereign-llm:cluster.version", fix: '"1.35"' },
  { name: "one system node", from: "dev", change: (c) => (c[`${NS}cluster`].systemNodes.minSize = 1), key: "sovereign-llm:cluster.systemNodes.minSize", fix: "at least 2 system nodes" },
  // required keys
  { name: "missing owner", from: "dev", change: (c) => delete c[`${NS}owner`], key: "sovereign-llm:owner", fix: "is required" },
  { name: "missing network", from: "dev", change: (c) => delete c[`${NS}network`], key: "sovereign-llm:network", fix: "add it to the stack file" },
  { name: "missing network.cidr", from: "dev", change: (c) => delete c[`${NS}network`].cidr, key: "sovereign-llm:network.cidr", fix: "is required" },
  { name: "missing serving", from: "prod", change: (c) => delete c[`${NS}serving`], key: "sovereign-llm:serving", fix: "is required" },
  // A missing enum key is reported as "must be one of ..." (zod reports undefined as an invalid value).
  { name: "missing cluster.version", from: "prod", change: (c) => delete c[`${NS}cluster`].version, key: "sovereign-llm:cluster.version", fix: /is required|must be one of "1\.3\d"/ },
  { name: "missing environment", from: "prod", change: (c) => delete c[`${NS}environment`], key: "sovereign-llm:environment", fix: /is required|must be one of "dev", "staging", "prod"/ },
  { name: "missing model maxModelLen", from: "prod", change: (c) => delete c[`${NS}models`][1].maxModelLen, key: "sovereign-llm:models[1].maxModelLen", fix: "is required" },
  { name: "empty compliance list", from: "dev", change: (c) => (c[`${NS}compliance`] = []), key: "sovereign-llm:compliance", fix: "name at least one framework" },
  // access
  { name: "admin role not an ARN", from: "dev", change: (c) => (c[`${NS}access`].adminRoleArns = ["sovereign-llm-admin"]), key: "sovereign-llm:access.adminRoleArns[0]", fix: '"sovereign-llm-admin" is not an IAM role ARN; write one such as arn:aws:iam::111122223333:role/platform-admin' },
  {
    name: "admin is a user, not a role",
    from: "prod",
    change: (c) => c[`${NS}access`].adminRoleArns.push("arn:aws:iam::777788889999:user/alice"),
    key: "sovereign-llm:access.adminRoleArns[2]",
    fix: "arn:aws:iam::111122223333:role/platform-admin",
  },
  { name: "no admin role", from: "dev", change: (c) => (c[`${NS}access`].adminRoleArns = []), key: "sovereign-llm:access.adminRoleArns", fix: "name at least one admin role" },
  // storage
  { name: "model lock of 0 days", from: "dev", change: (c) => (c[`${NS}storage`].modelLockDays = 0), key: "sovereign-llm:storage.modelLockDays", fix: /1/ },
];

describe("broken stack files are rejected, naming the key and the fix", () => {
  for (const c of CASES) {
    test(c.name, () => {
      const problems = problemsOf(mutated(c.from, c.change));
      assert.ok(problems.length > 0, "the broken config was accepted");
      const named = problems.filter((p) => p.startsWith(`${c.key}: `));
      assert.ok(named.length > 0, `no problem names ${c.key}; got:\n  ${problems.join("\n  ")}`);
      assert.ok(
        named.some((p) => (typeof c.fix === "string" ? p.includes(c.fix) : c.fix.test(p))),
        `no problem for ${c.key} says ${String(c.fix)}; got:\n  ${named.join("\n  ")}`,
      );
      for (const p of problems) assert.match(p, /^(sovereign-llm:[A-Za-z]|aws:region: )/, `problem does not start with a full key: ${p}`);
    });
  }
});

// zod 4 issues carry `input` only with `reportInput: true`; without it every wrong-type value
// was reported as missing.
describe("a value of the wrong type is reported as such, not as missing", () => {
  const cases: [string, (c: Config) => void, string, RegExp][] = [
    ["a number written as a string", (c) => (c[`${NS}network`].workloadSubnetPrefix = "19"), "sovereign-llm:network.workloadSubnetPrefix", /number/],
    ["a list written as a scalar", (c) => (c[`${NS}residency`] = "us"), "sovereign-llm:residency", /array|list/],
    ["a word for a count", (c) => (c[`${NS}models`][0].replicas = "two"), "sovereign-llm:models[0].replicas", /number/],
  ];
  for (const [name, change, key, expected] of cases) {
    test(name, () => {
      const problems = problemsOf(mutated("dev", change)).filter((p) => p.startsWith(`${key}: `));
      assert.equal(problems.length, 1, `one problem for ${key}`);
      assert.match(problems[0], expected);
      assert.doesNotMatch(problems[0], /is required|add it to the stack file/, problems[0]);
    });
  }
});

describe("every problem is reported at once", () => {
  test("several schema problems in one file", () => {
    const problems = problemsOf(
      mutated("dev", (c) => {
        c[`${NS}network`].cidr = "10.10.4.0/16";
        c[`${NS}enviroment`] = "dev";
        c[`${NS}serving`].vllmImage = "vllm/vllm-openai:latest";
        c[`${NS}logging`].auditRetentionDays = 13;
        c[`${NS}access`].adminRoleArns = ["admin"];
        delete c[`${NS}owner`];
      }),
    );
    const keys = problems.map((p) => p.slice(0, p.indexOf(": ")));
    for (const key of [
      "sovereign-llm:network.cidr",
      "sovereign-llm:enviroment",
      "sovereign-llm:serving.vllmImage",
      "sovereign-llm:logging.auditRetentionDays",
      "sovereign-llm:access.adminRoleArns[0]",
      "sovereign-llm:owner",
    ]) {
      assert.ok(keys.includes(key), `${key} missing from:\n  ${problems.join("\n  ")}`);
    }
  });

  test("several cross-field problems in one file", () => {
    const problems = problemsOf(
      mutated("dev", (c) => {
        c[`${NS}network`].availabilityZones = ["us-east-2a", "us-west-2b"];
        c[`${NS}compliance`] = ["gdpr"];
        c[`${NS}logging`].auditRetentionDays = 180;
        c[`${NS}logging`].contentRetentionDays = 90;
        c[`${NS}models`][0].nodeGroup = "h100";
        c[`${NS}egress`].mode = "none";
      }),
    );
    const keys = problems.map((p) => p.slice(0, p.indexOf(": ")));
    for (const key of [
      "sovereign-llm:network.availabilityZones[1]",
      "sovereign-llm:residency",
      "sovereign-llm:logging.auditRetentionDays",
      "sovereign-llm:logging.contentRetentionDays",
      "sovereign-llm:models[0].nodeGroup",
      "sovereign-llm:egress.allowedDomains",
    ]) {
      assert.ok(keys.includes(key), `${key} missing from:\n  ${problems.join("\n  ")}`);
    }
  });

  test("schema and cross-field problems in one file", () => {
    const problems = problemsOf(
      mutated("prod-eu", (c) => {
        c[`${NS}enviroment`] = "prod"; // schema: unknown key
        c["aws:region"] = "eu-west-2"; // cross-field: London is outside [eu]
        c[`${NS}network`].availabilityZones = ["eu-west-2a", "eu-west-2b"];
      }),
    );
    const keys = problems.map((p) => p.slice(0, p.indexOf(": ")));
    assert.ok(keys.includes("sovereign-llm:enviroment"), problems.join("\n"));
    assert.ok(keys.includes("sovereign-llm:residency"), `the residency problem is only reported once the typo is fixed:\n  ${problems.join("\n  ")}`);
  });

  test("the error message lists every problem, one per line", () => {
    const { raw, region } = rawConfig(
      mutated("dev", (c) => {
        c[`${NS}network`].cidr = "52.10.0.0/16";
        c[`${NS}owner`] = "";
      }),
    );
    assert.throws(
      () => parseStackConfig(raw, region),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /^The stack configuration has 2 problems:\n/);
        for (const p of err.problems) assert.ok(err.message.includes(`  - ${p}`));
        return true;
      },
    );
  });
});

describe("the committed stacks load", () => {
  for (const stack of STACKS) {
    test(stack, () => {
      const { raw, region } = rawConfig(yamlConfig(stack));
      const cfg = parseStackConfig(raw, region);
      assert.ok(cfg.network.availabilityZones.every((az) => az.startsWith(region)));
      assert.ok(cfg.models.every((m) => cfg.gpuNodeGroups.some((g) => g.name === m.nodeGroup)));
    });
  }

  test("distinct regions and non-overlapping VPC CIDRs", async () => {
    const { cidrsOverlap } = await import("../../components/network/cidr-plan.js");
    const loaded = STACKS.map((s) => {
      const { raw, region } = rawConfig(yamlConfig(s));
      return { s, region, cfg: parseStackConfig(raw, region) };
    });
    assert.equal(new Set(loaded.map((l) => l.region)).size, loaded.length);
    for (const a of loaded) for (const b of loaded) if (a !== b) assert.ok(!cidrsOverlap(a.cfg.network.cidr, b.cfg.network.cidr), `${a.s} and ${b.s} overlap`);
  });

  test("prod at least HIPAA and SOC 2; prod-eu GDPR in an EU region", () => {
    const prod = rawConfig(yamlConfig("prod"));
    const prodCfg = parseStackConfig(prod.raw, prod.region);
    assert.ok(prodCfg.compliance.includes("hipaa") && prodCfg.compliance.includes("soc2"));
    const eu = rawConfig(yamlConfig("prod-eu"));
    const euCfg = parseStackConfig(eu.raw, eu.region);
    assert.ok(euCfg.compliance.includes("gdpr"));
    assert.deepEqual(euCfg.residency, ["eu"]);
  });

  test("defaults fill what a stack leaves out", () => {
    const { raw, region } = rawConfig(yamlConfig("staging"));
    const cfg = parseStackConfig(raw, region);
    assert.equal(cfg.network.workloadSubnetPrefix, 19);
    assert.deepEqual(cfg.egress, { mode: "none", allowedDomains: [] });
    assert.deepEqual(cfg.cluster.publicAccessCidrs, []);
    assert.deepEqual(cfg.cluster.systemNodes, { instanceType: "m7i.large", minSize: 2, maxSize: 4, desiredSize: 2 });
    assert.equal(cfg.gpuNodeGroups[0].capacityType, "ON_DEMAND");
    assert.equal(cfg.models[0].gpusPerReplica, 1);
    assert.equal(cfg.models[0].gpuMemoryUtilization, 0.9);
    assert.equal(cfg.models[0].startupMinutes, 20);
    assert.equal(cfg.models[0].prefixCaching, true);
    assert.equal(cfg.models[0].autoscaling.enabled, true, "staging scales its model on queue depth");
    assert.equal(cfg.models[0].autoscaling.idleMinutes, 15);
    assert.equal(cfg.gpuNodeGroups[0].storage, "auto");
    assert.equal(cfg.logging.content, "off");
    assert.equal(cfg.logging.contentRetentionDays, 7);
    assert.deepEqual(cfg.logging.alarmEmails, []);
  });
});
