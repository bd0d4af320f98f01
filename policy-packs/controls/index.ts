/**
 * The control library: every control, and the selection for one framework. Packs build from
 * `controlsFor`; tools and tests import `controls`. No module here constructs a PolicyPack.
 */
import type { Control, Framework } from "./types";
import { s3BucketSseKms } from "./s3-bucket-sse-kms";
import { s3BucketPublicAccessBlock } from "./s3-bucket-public-access-block";
import { s3BucketOwnershipEnforced } from "./s3-bucket-ownership-enforced";
import { s3BucketVersioning } from "./s3-bucket-versioning";
import { s3BucketObjectLock } from "./s3-bucket-object-lock";
import { s3BucketTlsOnly } from "./s3-bucket-tls-only";

export const controls: Control[] = [s3BucketSseKms, s3BucketPublicAccessBlock, s3BucketOwnershipEnforced, s3BucketVersioning, s3BucketObjectLock, s3BucketTlsOnly];

export function controlsFor(framework: Framework): Control[] {
  return controls.filter((c) => (c.frameworks[framework] ?? []).length > 0);
}
