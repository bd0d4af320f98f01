/**
 * Logical names that stay within a physical-name limit after auto-naming. Pure.
 *
 * Pulumi auto-names a resource as its logical name plus a hyphen and seven random characters; a
 * logical name built from the stack and a model name can push that past the service's limit
 * (IAM roles: 64). Such names are cut and given a short hash of the whole name, so they stay
 * stable across runs and two long names never collide.
 */
import { createHash } from "node:crypto";

/** Characters auto-naming appends to a logical name. */
export const AUTONAME_SUFFIX_LENGTH = 8;

/**
 * `logical` when its auto name fits `maxPhysical`; otherwise a shortened, hashed form that fits
 * and keeps the last segment (the child's role, `-role`), so the name still says what it is.
 */
export function fitAutoName(logical: string, maxPhysical: number): string {
  const room = maxPhysical - AUTONAME_SUFFIX_LENGTH;
  if (logical.length <= room) return logical;
  const hash = createHash("sha256").update(logical).digest("hex").slice(0, 6);
  const cut = logical.lastIndexOf("-");
  const last = cut > 0 && logical.length - cut <= 12 ? logical.slice(cut) : "";
  const head = logical.slice(0, room - hash.length - 1 - last.length).replace(/-+$/, "");
  return `${head}-${hash}${last}`;
}
