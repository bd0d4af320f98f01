import type { Control } from "./types";
import { asRecord, label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const REPOSITORY = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate";

/** Whether a lifecycle policy document has at least one rule. */
function hasRules(policy: unknown): boolean | "unknown" {
  if (isUnknown(policy)) return "unknown";
  if (typeof policy !== "string") return false;
  try {
    const rules = (JSON.parse(policy) as { rules?: unknown[] }).rules;
    return Array.isArray(rules) && rules.length > 0;
  } catch {
    return false;
  }
}

export const ecrRepositoryHardened: Control = {
  policy: {
    name: "sovereign-llm-ecr-repository-hardened",
    description:
      "Every ECR repository the program declares has immutable tags (a digest read from a tag stays what the tag names) and a lifecycle policy with at least one rule (old, unscanned images do not accumulate); a repository-creation template for pull-through cache repositories sets the same.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const lifecycles = ofType(all, LIFECYCLE);
      for (const repo of ofType(all, REPOSITORY)) {
        const mutability = str(repo.props.imageTagMutability);
        if (isUnknown(mutability)) undecided.note(`${label(repo)}: imageTagMutability unknown`);
        else if (mutability !== "IMMUTABLE") report(`ECR repository ${label(repo)} has tag mutability ${mutability ?? "MUTABLE (the default)"}: set imageTagMutability IMMUTABLE so a pushed tag cannot be moved to other bytes`, repo.urn);
        const links = lifecycles.map((l) => ({ l, link: refersTo(l, "repository", repo, [repo.props.name, repo.name]) }));
        const mine = links.filter((x) => x.link === "yes");
        if (mine.length === 0) {
          if (links.some((x) => x.link === "unknown")) undecided.note(`${label(repo)}: which lifecycle policy applies is unknown`);
          else report(`ECR repository ${label(repo)} has no lifecycle policy: declare an aws.ecr.LifecyclePolicy that expires untagged and old images`, repo.urn);
          continue;
        }
        const rules = mine.map((x) => hasRules(x.l.props.policy));
        if (rules.includes(true)) continue;
        if (rules.includes("unknown")) undecided.note(`${label(repo)}: lifecycle policy unknown`);
        else report(`ECR repository ${label(repo)}: its lifecycle policy has no rules`, repo.urn);
      }
      for (const t of ofType(all, TEMPLATE)) {
        const mutability = str(t.props.imageTagMutability);
        if (isUnknown(mutability)) undecided.note(`${label(t)}: imageTagMutability unknown`);
        else if (mutability !== "IMMUTABLE") report(`repository creation template ${label(t)} creates repositories with mutable tags: set imageTagMutability IMMUTABLE`, t.urn);
        const rules = hasRules(asRecord(t.props).lifecyclePolicy);
        if (rules === "unknown") undecided.note(`${label(t)}: lifecyclePolicy unknown`);
        else if (!rules) report(`repository creation template ${label(t)} sets no lifecycle policy with rules`, t.urn);
      }
      undecided.finish();
    },
  },
  severity: "medium",
  remediation: "Declare repositories through ImageSupplyChain (immutable tags, KMS encryption, scan on push, a lifecycle policy) rather than directly.",
  frameworks: {
    hipaa: [HIPAA.integrity],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.change],
    "fedramp-moderate": ["CM-14", "SI-7"],
  },
  references: [],
  resourceTypes: [REPOSITORY, LIFECYCLE, TEMPLATE],
};
