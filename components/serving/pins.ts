// Pinned external artifacts, each with where it was found. Only values seen in a
// public source are recorded; anything not found is null and says so, never guessed.
// Verify every digest with `crane digest <ref>` (or `docker buildx imagetools inspect`)
// before it reaches a stack file.

/**
 * vLLM release to serve. 0.32.0 fixed the latest advisories found, e.g.
 * GHSA-542m-9234-8gvf (CVE-2026-115911, Jinja chat-template rendering without bounds,
 * 0.19.0 until 0.32.0) and PYSEC-2026-4349 (request chat_template bypassing
 * trust_request_chat_template on /v1/responses, 0.16.0 until 0.32.0):
 *   https://github.com/advisories/GHSA-542m-9234-8gvf
 *   https://osv.dev/vulnerability/PYSEC-2026-4349
 *   https://osv.dev/vulnerability/PYSEC-2026-4344
 * No 0.32.x patch release was found. 0.33.0 exists (a feature release, early Nov 2026,
 * https://github.com/gpustack/runner/releases/tag/v0.1.32.post4); no advisory fixed in
 * 0.33.0 was found, so 0.32.0 stays the pin until one is.
 */
export const VLLM_VERSION = "0.32.0";

/** Docker Hub repository of the official OpenAI-compatible server image. */
export const VLLM_IMAGE_REPOSITORY = "docker.io/vllm/vllm-openai";

/**
 * Digest of `vllm/vllm-openai:v0.32.0`: NOT FOUND in any public source searched
 * (Renovate PRs, Dockerfiles, Helm values, manifests). Resolve it with
 * `crane digest docker.io/vllm/vllm-openai:v0.32.0` and record the source here.
 */
export const VLLM_IMAGE_DIGEST: string | null = null;

/**
 * Most recent release with a genuine published digest: v0.31.0, manifest-list digest
 * (linux/amd64 sha256:a4a4c0437bf7240089da5f08aa370c4aee17ae5290f7a3b468825ee26c4c3a6b,
 * linux/arm64 sha256:3f7dd5b777d34d1724456ce71f87385dca288c3bb23029ab27dee358f5d2b971),
 * pinned identically in several independent public GitHub files (Dockerfiles and docs
 * dated 2026-10-08..10; one records "manifest-list digest read from the Docker registry").
 * The search index returned these files without repository paths, so no URL can be
 * given. Do NOT deploy it in regulated stacks: 0.31.0 is affected by the advisories
 * 0.32.0 fixed. Kept only as a reference point.
 */
export const VLLM_0_31_0_IMAGE = {
  tag: "v0.31.0",
  digest: "sha256:c1c9f6fd5c109ba7f0546a59f5b2f15fb87f64c77782e90a27b648b42a8e67c3",
} as const;

/**
 * Node.js 24 LTS runtime image (the verifier's and the gateway's). Distroless publishes no
 * versioned tags; this digest of gcr.io/distroless/nodejs24-debian12:nonroot is the one pinned
 * identically by five independent public Dockerfiles found by the search index (no repository
 * paths were returned, so no URL). Not verified against the registry from here: confirm with
 * `crane digest gcr.io/distroless/nodejs24-debian12:nonroot` before use. The node binary is at
 * /nodejs/bin/node. Node.js 20 reached end of life in April 2026; 22 and 24 are the LTS lines.
 */
export const NODE_LTS_IMAGE = {
  repository: "gcr.io/distroless/nodejs24-debian12",
  tag: "nonroot",
  digest: "sha256:14d42e2511532589a7c7e01a753667a74fcc96266e137e8125006b87b0c32d0a",
} as const;

/** EKS managed add-on versions by Kubernetes version; null = not found in a public source. */
export interface AddonVersionSet {
  vpcCni: string | null;
  coreDns: string;
  kubeProxy: string;
  podIdentityAgent: string | null;
}

/**
 * Latest EKS add-on type per Kubernetes version, from the EKS user guide tables:
 *   CoreDNS:    https://docs.amazonaws.cn/en_us/eks/latest/userguide/managing-coredns.md
 *               (1.35 v1.14.2-eksbuild.4, 1.34 v1.13.2-eksbuild.7; an older zh_cn copy
 *               listed v1.13.2-eksbuild.4 for both, the English copy is newer)
 *   kube-proxy: https://docs.amazonaws.cn/zh_cn/eks/latest/userguide/managing-kube-proxy.md
 * vpc-cni and eks-pod-identity-agent rows for 1.34/1.35 were not found (the stored
 * user-guide copies stop at 1.33); resolve with
 * `aws eks describe-addon-versions --kubernetes-version <v> --addon-name <name>
 *  --query 'addons[].addonVersions[?compatibilities[0].defaultVersion].addonVersion'`.
 * 1.36 is omitted: no add-on table listed it (EKS Distro has v1-36 releases, but that
 * says nothing about managed add-on versions).
 */
export const ADDON_VERSIONS: Record<"1.34" | "1.35", AddonVersionSet> = {
  "1.34": { vpcCni: null, coreDns: "v1.13.2-eksbuild.7", kubeProxy: "v1.34.6-eksbuild.2", podIdentityAgent: null },
  "1.35": { vpcCni: null, coreDns: "v1.14.2-eksbuild.4", kubeProxy: "v1.35.3-eksbuild.2", podIdentityAgent: null },
};

/**
 * vpc-cni add-on `configurationValues` that turns on Kubernetes NetworkPolicy
 * enforcement (the network policy agent). The value is the string "true".
 * https://docs.aws.amazon.com/eks/latest/userguide/cni-network-policy-configure.html
 * (also https://docs.datadoghq.com/security/default_rules/def-000-y9t/: "requires a
 * supported vpc-cni add-on version with enableNetworkPolicy set to true").
 */
export const VPC_CNI_NETWORK_POLICY_CONFIGURATION: Readonly<Record<string, string>> = { enableNetworkPolicy: "true" };
