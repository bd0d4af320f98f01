/**
 * Container image references in stack config: pinned by digest, and pullable by the nodes. Pure.
 *
 * Reference grammar as the container tools read it: the first path component is a registry host
 * when it contains a dot or a colon or is `localhost`; otherwise the image is on Docker Hub.
 * https://github.com/distribution/reference/blob/main/reference.go
 */

/** An image reference pinned by digest: `registry/repo[:tag]@sha256:<64 hex>`. A tag alone can be moved. */
export const DIGEST_REF = /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:(?::[0-9]+)?(?:\.[a-z0-9-]+)*)?(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)+(?::[\w][\w.-]{0,127})?@sha256:[a-f0-9]{64}$/;

const EXAMPLE = "111122223333.dkr.ecr.<region>.amazonaws.com/mirror/<image>@sha256:<64 hex digits>";
const HOW = "`crane digest <image>` or the ECR console shows it";

/** Why `ref` is not an image reference pinned by a sha256 digest, or undefined when it is. */
export function imageRefProblem(ref: string): string | undefined {
  const at = ref.indexOf("@");
  const name = at < 0 ? ref : ref.slice(0, at);
  const lastPart = name.slice(name.lastIndexOf("/") + 1);
  if (at < 0) {
    const tag = lastPart.includes(":") ? lastPart.slice(lastPart.indexOf(":")) : undefined;
    return tag
      ? `"${ref}" is pinned by the tag "${tag.slice(1)}" only, and a tag can be moved to other content; pin the digest: ${name}@sha256:<64 hex digits> (${HOW})`
      : `"${ref}" has no digest; pin it: ${name}@sha256:<64 hex digits> (${HOW})`;
  }
  const digest = ref.slice(at + 1);
  const m = /^([A-Za-z0-9+._-]+):(.*)$/.exec(digest);
  if (!m) return `"${ref}" has "${digest}" after the @, which is not a digest; write @sha256:<64 hex digits> (${HOW})`;
  const [, algorithm, hex] = m;
  if (algorithm.toLowerCase() !== "sha256") return `"${ref}" uses a ${algorithm} digest; pin the image by its sha256 digest (${HOW})`;
  if (algorithm !== "sha256") return `"${ref}" writes the digest algorithm as "${algorithm}"; write it in lower case: @sha256:${hex.toLowerCase()}`;
  if (!/^[0-9A-Fa-f]*$/.test(hex)) return `"${ref}" has a digest with characters that are not hexadecimal; a sha256 digest is 64 hex digits (${HOW})`;
  if (hex.length !== 64) return `"${ref}" has a digest of ${hex.length} hex digits; a sha256 digest has exactly 64, so copy the whole digest (${HOW})`;
  if (hex !== hex.toLowerCase()) return `"${ref}" has upper-case hex digits in its digest; write it in lower case: @sha256:${hex.toLowerCase()}`;
  if (name !== name.toLowerCase()) return `"${ref}" has upper-case letters in its name; registries and repositories are lower case: ${name.toLowerCase()}@${digest}`;
  if (!name.includes("/")) return `"${ref}" names no registry or repository path; write it in full, e.g. ${EXAMPLE}`;
  if (!DIGEST_REF.test(ref)) return `"${ref}" is not an image reference of the form ${EXAMPLE}`;
  return undefined;
}

export interface ImageName {
  /** Registry host (`docker.io` for Docker Hub). */
  registry: string;
  repository: string;
}

/** Registry and repository of a reference (tag and digest dropped). */
export function imageName(ref: string): ImageName {
  const name = ref.split("@")[0];
  const parts = name.split("/");
  const first = parts[0];
  const hasRegistry = parts.length > 1 && (first.includes(".") || first.includes(":") || first === "localhost");
  const rest = (hasRegistry ? parts.slice(1) : parts).join("/");
  const repository = rest.replace(/:[\w][\w.-]*$/, "");
  return { registry: hasRegistry ? first.toLowerCase() : "docker.io", repository };
}

/** Account and region of a private ECR registry host, or undefined for any other registry. */
export function ecrRegistry(host: string): { account: string; region: string } | undefined {
  const m = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/.exec(host);
  return m ? { account: m[1], region: m[2] } : undefined;
}

/** The host a registry's API is served from (`docker.io` is served from registry-1.docker.io). */
export function registryApiHost(registry: string): string {
  return registry === "docker.io" ? "registry-1.docker.io" : registry.replace(/:\d+$/, "");
}

/** Whether an allow-list entry (`example.com`, `*.example.com`) matches a host name. */
export function allowListMatches(entry: string, host: string): boolean {
  const e = entry.trim().toLowerCase().replace(/\.$/, "");
  if (e.startsWith("*.")) return host.endsWith(e.slice(1)) && host.length > e.length - 1;
  return host === e;
}

/**
 * Why nodes of a stack in `region` could not pull `ref`, or undefined when they can.
 *
 * With `egress.mode: none` the only registry path is the VPC's interface endpoints for ECR
 * (`ecr.api`, `ecr.dkr`) with the S3 endpoints for layers, and their private DNS answers only for
 * the stack's own region: images must come from a private ECR registry in that region (an
 * account's mirror, or its pull-through cache, which lives at the same address). With `allowlist`,
 * another registry is reachable only when its host is on the allow-list.
 */
export function pullProblem(ref: string, region: string, egress: { mode: string; allowedDomains: readonly string[] }): string | undefined {
  const { registry } = imageName(ref);
  const ecr = ecrRegistry(registry);
  if (ecr && ecr.region === region) return undefined;
  const where = ecr ? `an ECR registry in ${ecr.region}` : registry === "docker.io" ? "Docker Hub" : `the registry ${registry}`;
  const mirror = `mirror it into this region's ECR (or use an ECR pull-through cache rule) and use <account>.dkr.ecr.${region}.amazonaws.com/...`;
  if (egress.mode === "none") {
    return `"${ref}" comes from ${where}, but egress.mode is "none": the nodes reach registries only through the VPC's ECR endpoints, which serve ${region} only; ${mirror}`;
  }
  const host = registryApiHost(registry);
  if (!egress.allowedDomains.some((d) => allowListMatches(d, host))) {
    return `"${ref}" comes from ${where}, whose host ${host} is not in egress.allowedDomains, so the firewall drops the pull; ${mirror}, or add ${host} (and the hosts it serves layers from) to the allow-list`;
  }
  return undefined;
}

/** Node.js majors in LTS support that the platform runs (Node.js 20 reached end of life in April 2026). */
export const NODE_LTS_MAJORS = [22, 24] as const;

/**
 * Why `ref` is not a distroless Node.js LTS image (`.../nodejs<major>-debian<release>`), or
 * undefined. The repository name is the only place a pinned reference says which Node.js it holds,
 * so a mirror must keep it.
 */
export function nodeLtsImageProblem(ref: string): string | undefined {
  const last = imageName(ref).repository.split("/").pop() ?? "";
  const m = /^nodejs(\d+)-debian\d+$/.exec(last);
  if (!m) return `"${ref}" is not a distroless Node.js ${NODE_LTS_MAJORS.join(" or ")} LTS image: its repository ${last} is not named nodejs<major>-debian<release> (distroless keeps node at /nodejs/bin/node, where the verifier runs it); use gcr.io/distroless/nodejs24-debian12 (or a mirror that keeps that repository name), pinned by digest`;
  if (!(NODE_LTS_MAJORS as readonly number[]).includes(Number(m[1]))) return `"${ref}" is Node.js ${m[1]}, which is not a supported LTS; use a distroless Node.js ${NODE_LTS_MAJORS.join(" or ")} LTS image (e.g. gcr.io/distroless/nodejs24-debian12), pinned by digest`;
  return undefined;
}
