import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tags } from "../tags";
import { DetectionNotVerified, type DetectionStrategy } from "../monitoring/threat-detection";
import { scanningFromCloudControl, scanningGaps } from "./scanning";

/**
 * Upstream registries ECR can cache without credentials, by the prefix their images get in the
 * account's registry (`<account>.dkr.ecr.<region>.amazonaws.com/<prefix>/<upstream path>`).
 * Docker Hub and GitHub need a credential secret in Secrets Manager and are not declared here.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/pull-through-cache.html
 */
export const PULL_THROUGH_UPSTREAMS: readonly { prefix: string; upstream: string; serves: string }[] = [
  { prefix: "ecr-public", upstream: "public.ecr.aws", serves: "AWS CLI, AWS for Fluent Bit and other images on ECR Public" },
  { prefix: "k8s", upstream: "registry.k8s.io", serves: "Cluster Autoscaler and other Kubernetes project images" },
  { prefix: "quay", upstream: "quay.io", serves: "images published on Quay" },
];

/** Lifecycle of every repository: untagged images expire, and at most this many images are kept. */
export const KEEP_IMAGES = 30;
export const UNTAGGED_DAYS = 14;

export function lifecyclePolicy(): string {
  return JSON.stringify({
    rules: [
      { rulePriority: 1, description: `expire untagged images after ${UNTAGGED_DAYS} days`, selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: UNTAGGED_DAYS }, action: { type: "expire" } },
      { rulePriority: 2, description: `keep the newest ${KEEP_IMAGES} images`, selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: KEEP_IMAGES }, action: { type: "expire" } },
    ],
  });
}

export interface ImageSupplyChainArgs {
  accountId: pulumi.Input<string>;
  /** Repositories of this account's registry the stack's images come from (e.g. `mirror/vllm-openai`). */
  repositories: string[];
  /**
   * `create`: this stack enables Inspector for ECR and sets continuous enhanced scanning;
   * `organization`: a delegated administrator runs Inspector, and the registry's scanning
   * configuration is verified at preview. Default `create`.
   */
  scanning?: DetectionStrategy;
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * Where the platform's images come from, and how they are kept patched: the stack's own ECR
 * repositories (immutable tags, KMS encryption, lifecycle), pull-through cache rules for the
 * upstream registries that need no credentials (so nodes with no internet path still get updates
 * through AWS), a creation template giving cached repositories the same settings, and Amazon
 * Inspector enhanced scanning of every repository, continuously rather than only on push.
 */
export class ImageSupplyChain extends pulumi.ComponentResource {
  public readonly repositoryUrls: Record<string, pulumi.Output<string>>;
  /** How scanning is provided, for the evidence report and the stack outputs. */
  public readonly scanning: pulumi.Output<string>;

  constructor(name: string, args: ImageSupplyChainArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:registry:ImageSupplyChain", name, {}, opts);
    const tags = args.tags ?? {};

    const repositories = [...new Set(args.repositories)].sort();
    if ((args.scanning ?? "create") === "create") {
      // Inspector must be on for ECR before the registry asks for enhanced scanning.
      const inspector = new aws.inspector2.Enabler(`${name}-inspector`, { accountIds: [args.accountId], resourceTypes: ["ECR"] }, { parent: this });
      new aws.ecr.RegistryScanningConfiguration(
        `${name}-scanning`,
        { scanType: "ENHANCED", rules: [{ scanFrequency: "CONTINUOUS_SCAN", repositoryFilters: [{ filter: "*", filterType: "WILDCARD" }] }] },
        { parent: this, dependsOn: [inspector] },
      );
      this.scanning = pulumi.output("Inspector enabled by this stack, continuous scanning of every repository");
    } else {
      // The delegated administrator's Inspector sets the member's registry to enhanced scanning;
      // Cloud Control reads it (AWS::ECR::RegistryScanningConfiguration, identified by the account).
      this.scanning = pulumi.output(args.accountId).apply((accountId) =>
        aws.cloudcontrol
          .getResource({ typeName: "AWS::ECR::RegistryScanningConfiguration", identifier: accountId }, { parent: this })
          .then(
            (r) => scanningGaps(scanningFromCloudControl(r.properties), repositories),
            () => scanningGaps(undefined, repositories),
          )
          .then((gaps) => {
            if (gaps.length > 0) throw new DetectionNotVerified(`detection.inspector is "organization", but ${gaps.join("; ")}. Ask the delegated administrator to enable Inspector ECR scanning for this account, or set detection.inspector: create.`);
            return "organization Inspector, continuous enhanced scanning verified at preview";
          }),
      );
    }

    this.repositoryUrls = {};
    for (const repo of repositories) {
      const logical = repo.replace(/[^a-zA-Z0-9-]/g, "-");
      const r = new aws.ecr.Repository(
        `${name}-${logical}`,
        {
          name: repo,
          // A digest pin is only as good as the tag it was read from: tags cannot be moved.
          imageTagMutability: "IMMUTABLE",
          encryptionConfigurations: [{ encryptionType: "KMS" }],
          imageScanningConfiguration: { scanOnPush: true },
          tags,
        },
        { parent: this },
      );
      new aws.ecr.LifecyclePolicy(`${name}-${logical}`, { repository: r.name, policy: lifecyclePolicy() }, { parent: this });
      this.repositoryUrls[repo] = r.repositoryUrl;
    }

    for (const u of PULL_THROUGH_UPSTREAMS) {
      new aws.ecr.PullThroughCacheRule(`${name}-cache-${u.prefix}`, { ecrRepositoryPrefix: u.prefix, upstreamRegistryUrl: u.upstream }, { parent: this });
    }
    // Repositories the cache creates on first pull get the same settings as the stack's own.
    new aws.ecr.RepositoryCreationTemplate(
      `${name}-cache-template`,
      {
        prefix: "ROOT",
        description: "Repositories created by pull-through cache: immutable tags, KMS encryption, lifecycle",
        appliedFors: ["PULL_THROUGH_CACHE"],
        imageTagMutability: "IMMUTABLE",
        encryptionConfigurations: [{ encryptionType: "KMS" }],
        lifecyclePolicy: lifecyclePolicy(),
        resourceTags: tags,
      },
      { parent: this },
    );
    this.registerOutputs({ repositoryUrls: this.repositoryUrls, scanning: this.scanning });
  }
}

/**
 * The repository (path inside the registry) of an image reference that points at an ECR registry
 * in `region` (of `accountId` when given), or undefined for any other registry. Repositories that
 * pull-through cache rules create (their prefixes) are not the stack's to declare.
 */
export function ownRepository(image: string, region: string, accountId?: string): string | undefined {
  const m = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^@:]+)(?::[^@]+)?(?:@sha256:[a-f0-9]{64})?$/.exec(image);
  if (!m || m[2] !== region || (accountId !== undefined && m[1] !== accountId)) return undefined;
  if (PULL_THROUGH_UPSTREAMS.some((u) => m[3].startsWith(`${u.prefix}/`))) return undefined;
  return m[3];
}
