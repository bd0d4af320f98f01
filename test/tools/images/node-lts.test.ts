/**
 * Every Node.js image the platform runs or builds with is a supported LTS pinned by digest, and
 * the places that name it agree: each committed stack's model verifier image, the upstream
 * `npm run images` compares that mirror with, the gateway's build and runtime stages, and the
 * Node.js versions package.json admits.
 */
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { parse } from "yaml";
import { IMAGE_SOURCES } from "../../../tools/images/upstreams";
import { NODE_LTS_MAJORS, imageName, imageRefProblem, nodeLtsImageProblem } from "../../../infra/images";
import { NODE_LTS_IMAGE } from "../../../components/serving/pins";
import { STACKS } from "../../helpers/stacks";

const LTS = NODE_LTS_MAJORS as readonly number[];
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const lastPart = (ref: string) => imageName(ref).repository.split("/").pop();
const pinned = `${NODE_LTS_IMAGE.repository}:${NODE_LTS_IMAGE.tag}@${NODE_LTS_IMAGE.digest}`;

/** The images a Dockerfile's stages start from, with ARG defaults substituted. */
function dockerfileBaseImages(text: string): string[] {
  const args: Record<string, string> = {};
  const out: string[] = [];
  for (const line of text.split("\n").map((l) => l.trim())) {
    const arg = /^ARG\s+(\w+)=(\S+)$/i.exec(line);
    if (arg) args[arg[1]!] = arg[2]!;
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(line);
    if (from) out.push(from[1]!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a: string | undefined, b: string | undefined) => args[(a ?? b)!] ?? `<unset ${a ?? b}>`));
  }
  return out;
}

/** The Node.js major of an official `node:<major>...` or a distroless `nodejs<major>-...` image. */
function nodeMajor(ref: string): number | undefined {
  const { repository } = imageName(ref);
  const tag = /:([^@/]+)(?:@|$)/.exec(ref.split("/").pop() ?? "")?.[1] ?? "";
  if (repository === "library/node" || repository === "node") return Number(/^(\d+)/.exec(tag)?.[1]);
  const m = /nodejs(\d+)-/.exec(repository);
  return m ? Number(m[1]) : undefined;
}

describe("the model verifier's Node.js image", () => {
  test("the project's pin is a distroless Node.js LTS pinned by digest", () => {
    assert.equal(imageRefProblem(pinned), undefined);
    assert.equal(nodeLtsImageProblem(pinned), undefined);
  });

  test("npm run images checks the verifier against the image the stacks mirror", () => {
    const source = IMAGE_SOURCES.find((s) => s.key === "sovereign-llm:serving.verifierImage");
    assert.ok(source?.upstream, "the verifier has an upstream");
    assert.equal(nodeLtsImageProblem(`${source.upstream}@${NODE_LTS_IMAGE.digest}`), undefined, `${source.upstream} is a Node.js LTS`);
    assert.equal(source.upstream, NODE_LTS_IMAGE.repository);
    for (const stack of STACKS) {
      const file = parse(readFileSync(`stacks/Pulumi.${stack}.yaml`, "utf8")) as { config: Record<string, { verifierImage?: string }> };
      const ref = file.config["sovereign-llm:serving"]!.verifierImage!;
      assert.equal(nodeLtsImageProblem(ref), undefined, `${stack}: ${ref}`);
      assert.match(ref, DIGEST, `${stack}: pinned by digest`);
      assert.equal(lastPart(ref), lastPart(source.upstream), `${stack}: the mirror keeps the upstream's repository name, so npm run images compares like with like`);
      assert.equal(ref.split("@")[1], NODE_LTS_IMAGE.digest, `${stack}: the stack runs the digest the project pins`);
    }
  });
});

describe("the gateway image", () => {
  const stages = dockerfileBaseImages(readFileSync("services/gateway/Dockerfile", "utf8"));

  test("both stages are Node.js LTS images pinned by digest; the runtime is the project's pin", () => {
    assert.equal(stages.length, 2, stages.join(", "));
    for (const ref of stages) {
      assert.match(ref, DIGEST, `${ref} is pinned by digest`);
      const major = nodeMajor(ref);
      assert.ok(major !== undefined && LTS.includes(major), `${ref}: Node.js ${major} is not one of ${LTS.join(", ")}`);
    }
    assert.equal(stages.at(-1), pinned, "the runtime stage is the Node.js image the verifier runs");
  });

  test("the Dockerfile reader resolves ARG defaults and sees an unpinned or end-of-life stage", () => {
    const bad = dockerfileBaseImages("ARG B=node:20-bookworm-slim\nFROM ${B} AS build\nFROM gcr.io/distroless/nodejs22-debian12:nonroot\n");
    assert.deepEqual(bad, ["node:20-bookworm-slim", "gcr.io/distroless/nodejs22-debian12:nonroot"]);
    assert.equal(nodeMajor(bad[0]!), 20);
    assert.doesNotMatch(bad[1]!, DIGEST);
  });
});

describe("package.json engines", () => {
  for (const file of ["package.json", "services/gateway/package.json"]) {
    test(`${file} admits only Node.js LTS majors, each bounded`, () => {
      const range = (JSON.parse(readFileSync(file, "utf8")) as { engines?: { node?: string } }).engines?.node;
      assert.ok(range, `${file} names engines.node`);
      const alternatives = range.split("||").map((a) => a.trim());
      for (const a of alternatives) {
        const m = /^\^(\d+)\.\d+\.\d+$/.exec(a);
        assert.ok(m, `${file}: "${a}" is not a caret range (an open range would admit end-of-life or unreleased majors)`);
        assert.ok(LTS.includes(Number(m[1])), `${file}: Node.js ${m[1]} is not one of ${LTS.join(", ")}`);
      }
      assert.deepEqual(alternatives.map((a) => Number(/^\^(\d+)/.exec(a)![1])).sort(), [...LTS].sort(), `${file}: every supported LTS is admitted`);
    });
  }
});
