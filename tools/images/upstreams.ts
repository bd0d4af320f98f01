/**
 * Where each image a stack runs comes from upstream, and the tag its pin was taken from when the
 * project records one (components/serving/pins.ts). A stack file can also record the tag in the
 * reference itself (`<mirror>:<tag>@sha256:...`), which then wins.
 */
import { NODE_LTS_IMAGE, VLLM_IMAGE_REPOSITORY, VLLM_VERSION } from "../../components/serving/pins";
import { KEDA_VERSION } from "../../components/autoscaling/keda-crds";

export interface ImageSource {
  /** Config key of the image, as in the stack file. */
  key: string;
  role: string;
  /** Upstream repository, or undefined for images the project builds itself. */
  upstream?: string;
  /** Tag the project's pin was taken from, when recorded. */
  pinnedTag?: string;
  /** The upstream publishes no version tags (only moving ones like `nonroot`). */
  unversioned?: boolean;
  /** How to update an image the project builds. */
  build?: string;
}

export const IMAGE_SOURCES: readonly ImageSource[] = [
  { key: "sovereign-llm:serving.vllmImage", role: "vLLM model server", upstream: VLLM_IMAGE_REPOSITORY, pinnedTag: `v${VLLM_VERSION}` },
  // The Node.js LTS image the committed stacks mirror (the gateway's runtime stage is the same one).
  { key: "sovereign-llm:serving.verifierImage", role: "model verifier (Node.js)", upstream: NODE_LTS_IMAGE.repository, pinnedTag: NODE_LTS_IMAGE.tag, unversioned: true },
  { key: "sovereign-llm:serving.logShipperImage", role: "audit log shipper (Fluent Bit)", upstream: "docker.io/fluent/fluent-bit" },
  { key: "sovereign-llm:cluster.autoscalerImage", role: "Cluster Autoscaler", upstream: "registry.k8s.io/autoscaling/cluster-autoscaler" },
  // The release whose CRDs are committed: a newer tag needs its CRDs committed too (keda/SOURCE.md).
  { key: "sovereign-llm:cluster.keda.operatorImage", role: "KEDA operator", upstream: "ghcr.io/kedacore/keda", pinnedTag: KEDA_VERSION },
  { key: "sovereign-llm:cluster.keda.metricsServerImage", role: "KEDA metrics API server", upstream: "ghcr.io/kedacore/keda-metrics-apiserver", pinnedTag: KEDA_VERSION },
  { key: "sovereign-llm:gateway.image", role: "guardrail gateway", build: "built from services/gateway: rebuild on its Dockerfile's base images (see services/gateway/README.md) and push" },
];

/** Splits `registry/repo[:tag]@sha256:digest` into its parts. */
export function parseReference(ref: string): { repository: string; tag?: string; digest?: string } {
  const at = ref.indexOf("@");
  const digest = at >= 0 ? ref.slice(at + 1) : undefined;
  const name = at >= 0 ? ref.slice(0, at) : ref;
  const lastSlash = name.lastIndexOf("/");
  const colon = name.indexOf(":", lastSlash + 1);
  return colon >= 0 ? { repository: name.slice(0, colon), tag: name.slice(colon + 1), digest } : { repository: name, digest };
}
