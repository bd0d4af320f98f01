/**
 * Every relative link in the repository's Markdown resolves: the file exists, and a `#fragment`
 * names a heading of the target as GitHub renders it (github-slugger is the slug function
 * GitHub's renderer uses). Links inside code are not links and are skipped.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import GithubSlugger from "github-slugger";

const ROOT = join(__dirname, "..", "..", "..");

/** Markdown without fenced code blocks and inline code spans, which hold no links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`\n]*`/g, "");
}

/** The anchors GitHub gives the headings of `markdown`, duplicates numbered as it numbers them. */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  const anchors = new Set<string>();
  for (const m of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    // The heading's text as rendered: code spans keep their content, links their text.
    const text = m[1]!.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
    anchors.add(slugger.slug(text));
  }
  return anchors;
}

/** Relative links of `markdown` (inline links and images), as written. */
export function relativeLinks(markdown: string): string[] {
  return [...prose(markdown).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)].map((m) => m[1]!).filter((href) => !/^[a-z][a-z0-9+.-]*:/i.test(href));
}

/** Why `href` in `file` does not resolve, or undefined. */
export function brokenLink(file: string, href: string): string | undefined {
  const [path, fragment] = href.split("#", 2) as [string, string | undefined];
  const target = path ? resolve(dirname(file), decodeURIComponent(path)) : file;
  if (!existsSync(target)) return `${href}: ${relative(ROOT, target)} does not exist`;
  if (fragment === undefined || !statSync(target).isFile() || !target.endsWith(".md")) return undefined;
  return headingAnchors(readFileSync(target, "utf8")).has(fragment) ? undefined : `${href}: ${relative(ROOT, target)} has no heading with the anchor #${fragment}`;
}

const markdownFiles = execFileSync("git", ["ls-files", "*.md"], { cwd: ROOT, encoding: "utf8" })
  .split("\n")
  .filter((f) => f && !f.includes("node_modules/"))
  .map((f) => join(ROOT, f));

test("the anchors are GitHub's", () => {
  const anchors = headingAnchors("# A\n## Cold start: from node Ready to serving\n## `npm run model:fetch -- s3://<bucket>/ <dest>`\n```\n# not a heading\n```\n## A\n");
  assert.deepEqual([...anchors], ["a", "cold-start-from-node-ready-to-serving", "npm-run-modelfetch----s3bucket-dest", "a-1"]);
});

test("a broken file or anchor is reported, a good one is not", () => {
  const readme = join(ROOT, "README.md");
  assert.equal(brokenLink(readme, "docs/configuration.md#stack-configuration"), undefined);
  assert.equal(brokenLink(readme, "#set-up"), undefined);
  assert.match(brokenLink(readme, "docs/no-such-file.md") ?? "", /does not exist/);
  assert.match(brokenLink(readme, "docs/configuration.md#no-such-heading") ?? "", /no heading with the anchor #no-such-heading/);
  assert.deepEqual(relativeLinks("[a](x.md) `[b](y.md)` [c](https://example.org) ![d](e.svg)\n```\n[f](g.md)\n```\n"), ["x.md", "e.svg"]);
});

test("every relative link in the repository's Markdown resolves", () => {
  assert.ok(markdownFiles.some((f) => f.endsWith("README.md")));
  const broken = markdownFiles.flatMap((file) => relativeLinks(readFileSync(file, "utf8")).flatMap((href) => {
    const why = brokenLink(file, href);
    return why ? [`${relative(ROOT, file)}: ${why}`] : [];
  }));
  assert.deepEqual(broken, []);
});

/** Repository paths a document names in code spans (`components/serving/pins.ts`), placeholders and globs left out. */
export function namedPaths(markdown: string, topLevel: ReadonlySet<string>): string[] {
  return [...markdown.matchAll(/`([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+\/?)`/g)].map((m) => m[1]!).filter((p) => topLevel.has(p.split("/")[0]!));
}

test("every repository path the Markdown names in code exists", () => {
  const topLevel = new Set(execFileSync("git", ["ls-files"], { cwd: ROOT, encoding: "utf8" }).split("\n").filter((f) => f.includes("/")).map((f) => f.split("/")[0]!));
  assert.deepEqual(namedPaths("see `components/serving/pins.ts`, `evidence/<stack>/`, `10.0.0.0/8` and `tools/`", topLevel), ["components/serving/pins.ts"]);
  const missing = markdownFiles.flatMap((file) =>
    namedPaths(readFileSync(file, "utf8"), topLevel)
      .filter((p) => !existsSync(join(ROOT, p)) && !existsSync(join(dirname(file), p)))
      .map((p) => `${relative(ROOT, file)}: ${p}`),
  );
  assert.deepEqual(missing, []);
});

test("every npm script the Markdown runs is defined in package.json", () => {
  const scripts = new Set(Object.keys((JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts));
  const undefinedScripts = markdownFiles.flatMap((file) =>
    [...readFileSync(file, "utf8").matchAll(/npm run (?:-s )?([a-z][a-z0-9:-]*[a-z0-9])(?![a-z0-9:*-])/g)]
      .map((m) => m[1]!)
      .filter((s) => !scripts.has(s))
      .map((s) => `${relative(ROOT, file)}: npm run ${s}`),
  );
  assert.ok(scripts.has("check"));
  assert.deepEqual([...new Set(undefinedScripts)], []);
});
