/**
 * `npm run images -- <stack> [--format text|json] [--registry HOST=URL ...] [--stacks-dir DIR]`
 *
 * For every image the stack runs: the pinned digest, the upstream and the tag it came from,
 * whether a newer patch release exists upstream and its digest, and what to run to update the
 * stack file. Reads the upstream registries when the network allows and says plainly, per
 * registry, when it cannot. Exit codes: 0 report written (whatever it found), 2 bad input.
 */
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { InputError, availableStacks, readStackFile } from "../check/stack-file";
import { RegistryClient, RegistryUnreachable, newerPatch, splitRepository } from "./registry";
import { IMAGE_SOURCES, parseReference } from "./upstreams";

export interface ImageReport {
  key: string;
  role: string;
  reference: string;
  pinnedDigest?: string;
  upstream?: string;
  tag?: string;
  /** Digest the upstream tag resolves to now, when the registry was reachable. */
  upstreamDigest?: string;
  newerTag?: string;
  newerDigest?: string;
  status: "current" | "update-available" | "unreachable" | "unknown-tag" | "built-here" | "moving-tag";
  note: string;
  update?: string[];
}

function valueAt(config: Record<string, string>, key: string): string | undefined {
  const [ns, path] = key.split(":");
  const [block, ...fields] = path.split(".");
  const raw = config[`${ns}:${block}`];
  if (!raw) return undefined;
  try {
    let v: unknown = JSON.parse(raw);
    for (const f of fields) v = v !== null && typeof v === "object" ? (v as Record<string, unknown>)[f] : undefined;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}

export async function inspectImages(config: Record<string, string>, client: RegistryClient): Promise<ImageReport[]> {
  const out: ImageReport[] = [];
  for (const src of IMAGE_SOURCES) {
    const reference = valueAt(config, src.key);
    if (!reference) continue;
    const ref = parseReference(reference);
    const base: ImageReport = { key: src.key, role: src.role, reference, pinnedDigest: ref.digest, upstream: src.upstream, tag: ref.tag ?? src.pinnedTag, status: "unknown-tag", note: "" };
    if (!src.upstream) {
      out.push({ ...base, status: "built-here", note: src.build ?? "" });
      continue;
    }
    try {
      if (!base.tag) {
        const tags = await client.tags(src.upstream);
        out.push({ ...base, status: "unknown-tag", note: `the tag this pin came from is not recorded: write the reference as ${ref.repository}:<tag>@<digest> (the registry lists ${tags.length} tags)` });
        continue;
      }
      base.upstreamDigest = await client.digest(src.upstream, base.tag);
      if (src.unversioned) {
        const same = base.upstreamDigest === base.pinnedDigest;
        out.push({
          ...base,
          status: same ? "current" : "moving-tag",
          note: same ? `${src.upstream}:${base.tag} still resolves to the pinned digest` : `${src.upstream}:${base.tag} now resolves to ${base.upstreamDigest} (the upstream publishes no version tags: review its changes, then mirror it)`,
          update: same ? undefined : [`crane copy ${src.upstream}@${base.upstreamDigest} ${ref.repository}:${base.tag}-${base.upstreamDigest.slice(7, 19)}`, `set ${src.key} to ${ref.repository}@${base.upstreamDigest}`],
        });
        continue;
      }
      const newer = newerPatch(base.tag, await client.tags(src.upstream));
      if (!newer) {
        out.push({ ...base, status: "current", note: `no patch release newer than ${base.tag}${base.upstreamDigest !== base.pinnedDigest ? `; note: ${base.tag} upstream is ${base.upstreamDigest}, not the pinned digest (a mirror keeps the digest: check the mirror)` : ""}` });
        continue;
      }
      const newerDigest = await client.digest(src.upstream, newer);
      out.push({
        ...base,
        newerTag: newer,
        newerDigest,
        status: "update-available",
        note: `${newer} is a newer patch release of ${base.tag}`,
        update: [`crane copy ${src.upstream}:${newer} ${ref.repository}:${newer}`, `set ${src.key} to ${ref.repository}:${newer}@${newerDigest}`, "then npm run check -- <stack> and keep the evidence"],
      });
    } catch (err) {
      if (!(err instanceof RegistryUnreachable)) throw err;
      const host = splitRepository(src.upstream).host;
      out.push({ ...base, status: "unreachable", note: `cannot reach ${host} from here (${err.message}): run where the registry is reachable, or pass --registry ${host}=<proxy URL>` });
    }
  }
  return out;
}

function render(stack: string, rows: ImageReport[]): string {
  const lines = [`Images of stack ${stack}`, ""];
  for (const r of rows) {
    lines.push(`${r.role}  [${r.status}]`);
    lines.push(`  ${r.key}: ${r.reference}`);
    if (r.upstream) lines.push(`  upstream: ${r.upstream}${r.tag ? `:${r.tag}` : " (tag not recorded)"}${r.upstreamDigest ? ` = ${r.upstreamDigest}` : ""}`);
    if (r.newerTag) lines.push(`  newer patch: ${r.newerTag} = ${r.newerDigest}`);
    lines.push(`  ${r.note}`);
    for (const u of r.update ?? []) lines.push(`    $ ${u}`);
    lines.push("");
  }
  const unreachable = rows.filter((r) => r.status === "unreachable").length;
  lines.push(unreachable > 0 ? `${unreachable} image(s) could not be checked: their registries were not reachable from here.` : "Every upstream registry was reachable.");
  return lines.join("\n") + "\n";
}

export async function main(argv: string[], io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) }): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { format: { type: "string", default: "text" }, registry: { type: "string", multiple: true }, "stacks-dir": { type: "string" } } });
    } catch (err) {
      throw new InputError(`${(err as Error).message}\nusage: npm run -s images -- <stack> [--format text|json] [--registry HOST=URL ...] [--stacks-dir DIR]`);
    }
    const { values, positionals } = parsed;
    if (positionals.length !== 1) throw new InputError(`expected exactly one stack name; known stacks: ${availableStacks().join(", ")}`);
    if (!["text", "json"].includes(values.format as string)) throw new InputError(`--format must be text or json, not "${values.format}"`);
    const baseUrls: Record<string, string> = {};
    for (const r of values.registry ?? []) {
      const m = /^([^=]+)=(https?:\/\/.+)$/.exec(r);
      if (!m) throw new InputError(`--registry ${r}: expected HOST=URL, e.g. docker.io=https://mirror.example.org`);
      baseUrls[m[1]] = m[2];
    }
    const file = values["stacks-dir"] ? readStackFile(positionals[0], resolve(values["stacks-dir"])) : readStackFile(positionals[0]);
    const rows = await inspectImages(file.config, new RegistryClient({ baseUrls }));
    io.stdout(values.format === "json" ? JSON.stringify({ stack: file.stack, images: rows }, null, 2) + "\n" : render(file.stack, rows));
    return 0;
  } catch (err) {
    if (err instanceof InputError) {
      io.stderr(`images: ${err.message}\n`);
      return 2;
    }
    io.stderr(`images: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    return 3;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
