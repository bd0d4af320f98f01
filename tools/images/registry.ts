/**
 * A small client of the OCI distribution API (the Docker Registry HTTP API v2) for what
 * `npm run images` needs: list a repository's tags and read a tag's manifest digest, with the
 * anonymous bearer-token flow public registries use (Docker Hub, ECR Public, GHCR, registry.k8s.io).
 * https://github.com/opencontainers/distribution-spec/blob/main/spec.md and
 * https://distribution.github.io/distribution/spec/auth/token/
 */

export class RegistryUnreachable extends Error {
  override name = "RegistryUnreachable";
}

export interface RegistryClientOptions {
  /** Base URL per registry host, e.g. for a proxy or a test server: { "docker.io": "http://127.0.0.1:5000" }. */
  baseUrls?: Record<string, string>;
  fetchImpl?: typeof fetch;
}

const MANIFEST_TYPES = [
  "application/vnd.oci.image.index.v1+json",
  "application/vnd.docker.distribution.manifest.list.v2+json",
  "application/vnd.oci.image.manifest.v1+json",
  "application/vnd.docker.distribution.manifest.v2+json",
].join(", ");

/** Registry host and repository path of an image name (Docker Hub's implicit host and `library/`). */
export function splitRepository(name: string): { host: string; path: string } {
  const first = name.split("/")[0];
  const hasHost = name.includes("/") && (first.includes(".") || first.includes(":") || first === "localhost");
  const host = hasHost ? first : "docker.io";
  let path = hasHost ? name.slice(first.length + 1) : name;
  if (host === "docker.io" && !path.includes("/")) path = `library/${path}`;
  return { host, path };
}

function apiBase(host: string, opts: RegistryClientOptions): string {
  if (opts.baseUrls?.[host]) return opts.baseUrls[host].replace(/\/$/, "");
  return host === "docker.io" ? "https://registry-1.docker.io" : `https://${host}`;
}

/** Parses `Bearer realm="...",service="...",scope="..."`. */
export function parseChallenge(header: string): Record<string, string> | undefined {
  const m = /^Bearer\s+(.*)$/i.exec(header.trim());
  if (!m) return undefined;
  const out: Record<string, string> = {};
  for (const part of m[1].matchAll(/(\w+)="([^"]*)"/g)) out[part[1]] = part[2];
  return out;
}

export class RegistryClient {
  private readonly tokens = new Map<string, string>();
  private readonly fetch: typeof fetch;
  constructor(private readonly opts: RegistryClientOptions = {}) {
    this.fetch = opts.fetchImpl ?? fetch;
  }

  private async request(host: string, path: string, repo: string, init: RequestInit = {}): Promise<Response> {
    const url = `${apiBase(host, this.opts)}/v2/${path}`;
    const key = `${host}/${repo}`;
    const send = (token?: string) =>
      this.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...(token ? { authorization: `Bearer ${token}` } : {}) }, redirect: "follow" });
    let res: Response;
    try {
      res = await send(this.tokens.get(key));
      if (res.status === 401) {
        const challenge = parseChallenge(res.headers.get("www-authenticate") ?? "");
        if (!challenge?.realm) throw new RegistryUnreachable(`${host}: 401 without a bearer challenge`);
        const tokenUrl = new URL(challenge.realm);
        if (challenge.service) tokenUrl.searchParams.set("service", challenge.service);
        tokenUrl.searchParams.set("scope", challenge.scope ?? `repository:${repo}:pull`);
        const t = await this.fetch(tokenUrl);
        if (!t.ok) throw new RegistryUnreachable(`${host}: token request refused (${t.status})`);
        const body = (await t.json()) as { token?: string; access_token?: string };
        const token = body.token ?? body.access_token;
        if (!token) throw new RegistryUnreachable(`${host}: token response without a token`);
        this.tokens.set(key, token);
        res = await send(token);
      }
    } catch (err) {
      if (err instanceof RegistryUnreachable) throw err;
      const cause = (err as Error & { cause?: { code?: string; message?: string } }).cause;
      throw new RegistryUnreachable(`${host}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
    }
    return res;
  }

  /** Every tag of a repository (following `Link` pagination). */
  async tags(name: string): Promise<string[]> {
    const { host, path } = splitRepository(name);
    const out: string[] = [];
    let next: string | undefined = `${path}/tags/list?n=1000`;
    for (let page = 0; next && page < 50; page++) {
      const res = await this.request(host, next, path);
      if (!res.ok) throw new RegistryUnreachable(`${host}/${path}: tags list answered ${res.status}`);
      const body = (await res.json()) as { tags?: string[] | null };
      out.push(...(body.tags ?? []));
      const link = /<\/v2\/([^>]+)>;\s*rel="next"/.exec(res.headers.get("link") ?? "");
      next = link?.[1];
    }
    return out;
  }

  /** The manifest digest a tag resolves to (the index digest for multi-platform images). */
  async digest(name: string, tag: string): Promise<string> {
    const { host, path } = splitRepository(name);
    const res = await this.request(host, `${path}/manifests/${tag}`, path, { method: "HEAD", headers: { accept: MANIFEST_TYPES } });
    if (!res.ok) throw new RegistryUnreachable(`${host}/${path}:${tag}: manifest answered ${res.status}`);
    const digest = res.headers.get("docker-content-digest");
    if (!digest || !/^sha256:[a-f0-9]{64}$/.test(digest)) throw new RegistryUnreachable(`${host}/${path}:${tag}: no Docker-Content-Digest in the answer`);
    return digest;
  }
}

/** `v1.2.3` / `1.2.3` (with an optional `v` and suffix-free) as numbers, or undefined. */
export function semver(tag: string): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(tag);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

/** The newest tag with the same major and minor as `current` and a higher patch, if any. */
export function newerPatch(current: string, tags: string[]): string | undefined {
  const cur = semver(current);
  if (!cur) return undefined;
  let best: [number, number, number] | undefined;
  let bestTag: string | undefined;
  for (const t of tags) {
    const v = semver(t);
    if (!v || v[0] !== cur[0] || v[1] !== cur[1] || v[2] <= cur[2]) continue;
    if (!best || v[2] > best[2]) {
      best = v;
      bestTag = t;
    }
  }
  return bestTag;
}
