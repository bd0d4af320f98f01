// Validates custom resources against a CRD's structural schema with ajv (JSON Schema draft 7
// subset Kubernetes uses). The API server prunes unknown fields silently instead of refusing
// them, so a misspelt field would vanish on apply: here every object schema without
// x-kubernetes-preserve-unknown-fields refuses properties it does not declare.
import Ajv from "ajv";
import type { ErrorObject } from "ajv";

const K8S_KEYWORDS = [
  "x-kubernetes-preserve-unknown-fields",
  "x-kubernetes-int-or-string",
  "x-kubernetes-list-type",
  "x-kubernetes-list-map-keys",
  "x-kubernetes-map-type",
  "x-kubernetes-validations",
  "x-kubernetes-embedded-resource",
];

function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = closeObjects(v);
  if (out["properties"] !== undefined && out["additionalProperties"] === undefined && out["x-kubernetes-preserve-unknown-fields"] !== true) out["additionalProperties"] = false;
  return out;
}

/** A validator for one CRD version's openAPIV3Schema; returns the errors, or [] when valid. */
export function crdValidator(schema: Record<string, unknown>): (obj: unknown) => string[] {
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addVocabulary(K8S_KEYWORDS);
  for (const f of ["int32", "int64", "float", "double", "byte", "date-time", "duration", "quantity"]) ajv.addFormat(f, true);
  const closed = closeObjects(schema) as Record<string, unknown>;
  // metadata is the API server's (ObjectMeta), not the CRD's to describe.
  const props = closed["properties"] as Record<string, unknown>;
  props["metadata"] = { type: "object" };
  const validate = ajv.compile(closed);
  return (obj) => (validate(obj) ? [] : (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? ""}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`));
}
