/**
 * Every tunable of every control (a property of its `configSchema`) is described in
 * policy-packs/README.md's "Tunables" list, with its default where the default is a short list or
 * a single value, so the pack config a reviewer reads about is the one the packs accept.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { controls } from "../../../policy-packs/controls";

const ROOT = join(__dirname, "..", "..", "..");
const readme = readFileSync(join(ROOT, "policy-packs", "README.md"), "utf8");

/** The bullets of the "Tunables" list, each as one line of text. */
function tunableBullets(): string[] {
  const start = readme.indexOf("- **Tunables**");
  assert.ok(start >= 0, "policy-packs/README.md has a Tunables list");
  const lines = readme.slice(start).split("\n").slice(1);
  const end = lines.findIndex((l) => l.trim() !== "" && !/^ {2,}/.test(l));
  const bullets: string[] = [];
  for (const l of lines.slice(0, end)) {
    if (/^ {2}- /.test(l)) bullets.push(l.trim());
    else if (bullets.length > 0) bullets[bullets.length - 1] += ` ${l.trim()}`;
  }
  return bullets;
}

/** Defaults worth stating in prose: single values and lists of up to eight entries. */
function statedDefaults(value: unknown): string[] {
  if (Array.isArray(value)) return value.length <= 8 ? value.map(String) : [];
  return value === undefined || typeof value === "object" ? [] : [String(value)];
}

test("every control's tunable, and its default, is in policy-packs/README.md", () => {
  const bullets = tunableBullets();
  assert.ok(bullets.length > 5, `found ${bullets.length} bullets`);
  const problems: string[] = [];
  for (const { policy } of controls) {
    const properties = (policy.configSchema?.properties ?? {}) as Record<string, { default?: unknown }>;
    for (const [property, schema] of Object.entries(properties)) {
      // The bullet names the policy; the property follows it in the same bullet.
      const bullet = bullets.find((b) => b.includes(`\`${policy.name}\``) && b.slice(b.indexOf(`\`${policy.name}\``)).includes(`\`${property}\``));
      if (!bullet) {
        problems.push(`${policy.name}: tunable ${property} is not described`);
        continue;
      }
      const text = bullet.slice(bullet.indexOf(`\`${policy.name}\``));
      for (const d of statedDefaults(schema.default)) if (!text.includes(d)) problems.push(`${policy.name}: the default of ${property} includes ${d}, which its bullet does not state`);
    }
  }
  assert.deepEqual(problems, []);
});
