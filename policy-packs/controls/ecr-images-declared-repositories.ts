import type { Control } from "./types";
import { nodesOf, ofType, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { containersOf, podSpecOf, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const REPOSITORY = "aws:ecr/repository:Repository";
const CACHE_RULE = "aws:ecr/pullThroughCacheRule:PullThroughCacheRule";

/** `<account>.dkr.ecr.<region>.amazonaws.com[.cn]/<repository>[:tag][@digest]` → the repository, or undefined for any other registry. */
export function ecrRepositoryOf(image: string): string | undefined {
  const m = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^@:]+)(?::[^@]+)?(?:@sha256:[a-f0-9]{64})?$/.exec(image);
  return m?.[1];
}

export const ecrImagesDeclaredRepositories: Control = {
  policy: {
    name: "sovereign-llm-ecr-images-declared-repositories",
    description:
      "Every container image the stack's Kubernetes workloads run comes from an ECR repository the stack declares (immutable tags, KMS encryption, continuous Inspector scanning) or from one of its pull-through cache prefixes: an image from any other registry or repository is neither scanned nor reviewed, and nodes without an internet path could not pull it anyway.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const repos = new Set<string>();
      let reposUnknown = false;
      for (const r of ofType(all, REPOSITORY)) {
        const name = str(r.props.name);
        if (isUnknown(name)) reposUnknown = true;
        else if (name) repos.add(name);
      }
      const prefixes: string[] = [];
      for (const r of ofType(all, CACHE_RULE)) {
        const prefix = str(r.props.ecrRepositoryPrefix);
        if (isUnknown(prefix)) reposUnknown = true;
        else if (prefix) prefixes.push(`${prefix}/`);
      }
      for (const w of ofType(all, ...WORKLOAD_TYPES)) {
        const spec = podSpecOf(w.type, w.props);
        if (isUnknown(spec)) {
          undecided.note(`${w.name}: pod spec unknown`);
          continue;
        }
        if (!spec) continue;
        const { containers, unknown } = containersOf(spec);
        if (unknown) undecided.note(`${w.name}: containers unknown`);
        for (const { label, c } of containers) {
          if (isUnknown(c.image)) {
            undecided.note(`${w.name} ${label}: image unknown`);
            continue;
          }
          const image = String(c.image ?? "");
          const repo = ecrRepositoryOf(image);
          if (repo === undefined) {
            report(`${w.type.split(":").pop()} "${w.name}" ${label} runs ${image}, which is not in an ECR registry: mirror it into a repository the stack declares`, w.urn);
          } else if (!repos.has(repo) && !prefixes.some((p) => repo.startsWith(p))) {
            if (reposUnknown) undecided.note(`${w.name} ${label}: declared repositories unknown`);
            else report(`${w.type.split(":").pop()} "${w.name}" ${label} runs an image from ECR repository ${repo}, which the stack does not declare (declared: ${[...repos].sort().join(", ") || "none"})`, w.urn);
          }
        }
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation:
    "Mirror the image into one of the stack's repositories (ImageSupplyChain declares one per image the stack file names) or pull it through a declared pull-through cache prefix, and reference it there by digest.",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.malware],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.change, SOC2.malicious],
    "fedramp-moderate": ["CM-14", "RA-5", "SI-7", "SR-11"],
  },
  references: ["Related: AWS Config: ecr-private-image-scanning-enabled and inspector-ecr-scan-enabled (scanning of the repositories; this control ties the running images to them)"],
  resourceTypes: [...WORKLOAD_TYPES, REPOSITORY, CACHE_RULE],
};
