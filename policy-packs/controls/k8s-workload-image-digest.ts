import type { Control } from "./types";
import { isUnknown } from "./lib/unknown";
import { validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DIGEST = /@sha256:[0-9a-f]{64}$/;

export const k8sWorkloadImageDigest: Control = {
  policy: {
    name: "sovereign-llm-k8s-workload-image-digest",
    description:
      "Every container image (init containers included) is pinned by digest (`@sha256:<64 hex>`): a tag can be moved to different content after review, a digest cannot. Goes beyond the public lists for Kubernetes.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (_spec, { c }, fire, undecided) => {
          if (isUnknown(c.image)) undecided.note("image unknown");
          else if (typeof c.image !== "string" || !DIGEST.test(c.image)) fire(`image ${String(c.image)} is not pinned by digest: use <repository>@sha256:<digest>`);
        },
      }),
  },
  severity: "high",
  remediation: "Reference images as <repository>@sha256:<digest> (config rejects tags for vLLM; mirror other images into ECR and pin their digests).",
  frameworks: {
    hipaa: [HIPAA.integrity, HIPAA.malware],
    gdpr: [GDPR.integrityConfidentiality],
    soc2: [SOC2.change, SOC2.malicious],
    "fedramp-moderate": ["CM-2", "CM-14", "SI-7", "SR-11"],
  },
  references: ["Beyond the public lists: AWS Config and PSS do not check image references; this is the supply-chain pin of CM-14 / SI-7"],
  resourceTypes: WORKLOAD_TYPES,
};
