/**
 * KEDA's CustomResourceDefinitions, exactly as the pinned release ships them: the generated bases
 * from kedacore/keda `config/crd/bases` with the release's own JSON patches
 * (`config/crd/patches`, applied as its kustomization does), all committed in ./keda with their
 * source, version and digests in ./keda/SOURCE.md. Pure: reads committed files, creates nothing.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import jsonpatch from "fast-json-patch";
import type { Operation } from "fast-json-patch";
import { parse, parseAllDocuments } from "yaml";

export const KEDA_VERSION = "2.20.2";
/** Commit of the v2.20.2 tag in kedacore/keda the committed files were taken from. */
export const KEDA_SOURCE_COMMIT = "68a5b5028f35b22d50597c69819ab32c4e92f21a";
export const KEDA_DIR = join(__dirname, "keda");

/** Committed upstream files and their sha256 (SOURCE.md lists the same; a test checks both). */
export const KEDA_FILES: Readonly<Record<string, string>> = {
  "keda.sh_scaledobjects.yaml": "af35555862a83933b074af14ad439c4b4ceabaf4daa3e9338e9b23e36d308d80",
  "keda.sh_scaledjobs.yaml": "8805cd6c5b05161fb1541726e2c32c8e2990f435649fa74cbc616600b84b583a",
  "keda.sh_triggerauthentications.yaml": "275307b4cb19ca8f0f506a879282aa4c67587ac16ec757f494d6585c5c185d65",
  "keda.sh_clustertriggerauthentications.yaml": "177413d75f11b76ba7bf98aef200a1736245254197c7c1d8877fc7a0fc641df4",
  "eventing.keda.sh_cloudeventsources.yaml": "54693ed66e4a602f09137bef80297b381bb51c1a55980e8d4844524c074bac1a",
  "eventing.keda.sh_clustercloudeventsources.yaml": "ac143e8ef6734d6d7665a6d094d7388d1816316d42b33b0a6e3ba0a7950322e0",
  "patch-scaledjobs.yaml": "9231b7d5e9ee2d0d0ece41ed2db3998ec3c53fa9e135d0ee8f46870643b83f76",
  "patch-scaledobjects.yaml": "f21566df017a65b1116957bc379d4ef8ff129e69e0fe0389700f6a98ec7c7da5",
  "rbac-operator.yaml": "e3d31ce34be98b98d34562942bdc22d62b24be54c5ddd5de43c5bcf9ac8bbbf4",
};

/**
 * Every CRD the operator watches must exist or it does not start (controller-runtime fails its
 * informers), so all six are installed, ScaledJob and the eventing kinds included.
 */
const CRD_FILES = [
  "keda.sh_scaledobjects.yaml",
  "keda.sh_scaledjobs.yaml",
  "keda.sh_triggerauthentications.yaml",
  "keda.sh_clustertriggerauthentications.yaml",
  "eventing.keda.sh_cloudeventsources.yaml",
  "eventing.keda.sh_clustercloudeventsources.yaml",
] as const;
/** config/crd/kustomization.yaml: which patch applies to which CRD. */
const PATCHES: Readonly<Record<string, string>> = {
  "scaledjobs.keda.sh": "patch-scaledjobs.yaml",
  "scaledobjects.keda.sh": "patch-scaledobjects.yaml",
};

export interface Crd {
  apiVersion: "apiextensions.k8s.io/v1";
  kind: "CustomResourceDefinition";
  metadata: { name: string; annotations?: Record<string, string>; labels?: Record<string, string> };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    versions: { name: string; served: boolean; storage: boolean; schema: { openAPIV3Schema: Record<string, unknown> } }[];
    [k: string]: unknown;
  };
}

const read = (file: string): string => readFileSync(join(KEDA_DIR, file), "utf8");

let cached: Crd[] | undefined;

/** The six CRDs, patched as the release patches them. */
export function kedaCrds(): Crd[] {
  if (cached) return structuredClone(cached);
  cached = CRD_FILES.map((file) => {
    const crd = parse(read(file)) as Crd;
    const patchFile = PATCHES[crd.metadata.name];
    if (patchFile !== undefined) {
      const ops = parse(read(patchFile)) as Operation[];
      // validateOperation: a path the schema no longer has fails here instead of silently adding a branch.
      jsonpatch.applyPatch(crd, ops, true, true);
    }
    return crd;
  });
  return structuredClone(cached);
}

/** The operator's ClusterRole and namespaced Role as the release generates them (controller-gen). */
export function kedaOperatorRbac(): { clusterRole: Record<string, unknown>; role: Record<string, unknown> } {
  const docs = parseAllDocuments(read("rbac-operator.yaml")).map((d) => d.toJS() as { kind: string } | null).filter((d): d is { kind: string } => d !== null);
  const clusterRole = docs.find((d) => d.kind === "ClusterRole");
  const role = docs.find((d) => d.kind === "Role");
  if (!clusterRole || !role) throw new Error("rbac-operator.yaml: expected a ClusterRole and a Role");
  return { clusterRole, role };
}

/** The openAPIV3Schema of the served storage version of `kind` (ScaledObject, TriggerAuthentication, ...). */
export function kedaSchema(kind: string): Record<string, unknown> {
  const crd = kedaCrds().find((c) => c.spec.names.kind === kind);
  if (!crd) throw new Error(`no KEDA CRD for kind ${kind}`);
  const v = crd.spec.versions.find((x) => x.served && x.storage);
  if (!v) throw new Error(`${crd.metadata.name}: no served storage version`);
  return v.schema.openAPIV3Schema;
}
