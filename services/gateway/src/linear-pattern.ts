// Whether a regular expression from configuration runs in time linear in its input. Used by the
// gateway when it loads its config and by the stack configuration, so a pattern that would
// stall the gateway is refused before anything is deployed.
import { checkSync } from "recheck";

const regexSyntax = (s: string, flags: string): boolean => {
  try {
    new RegExp(s, flags);
    return true;
  } catch {
    return false;
  }
};

/**
 * A configured pattern runs over every response, so it must take time linear in its input.
 * JavaScript's regular expressions backtrack, and a pattern such as `(\d+)+x` or `\d+\s*\d+x`
 * takes exponential or polynomial time on crafted output. Each pattern is checked with recheck
 * (automata-based ReDoS analysis, https://makenowjust-labs.github.io/recheck/) when the config
 * is loaded; one it finds vulnerable, or cannot decide within the time limit, is refused with
 * the attack it found.
 */
export function linearPatternProblem(source: string, ignoreCase: boolean): string | undefined {
  const key = `${ignoreCase ? "i" : ""}/${source}`;
  if (!seen.has(key)) seen.set(key, check(source, ignoreCase));
  return seen.get(key);
}

const seen = new Map<string, string | undefined>();

function check(source: string, ignoreCase: boolean): string | undefined {
  const flags = ignoreCase ? "iu" : "u";
  if (!regexSyntax(source, flags)) return "must be a valid JavaScript regular expression (compiled with the u flag)";
  const r = checkSync(source, flags, { timeout: 20_000 });
  if (r.status === "safe") return undefined;
  if (r.status === "vulnerable") {
    return `takes ${r.complexity.type} time on input like ${r.attack.pattern.slice(0, 80)}: use bounded quantifiers ({0,20}) and avoid adjacent or nested repetitions that can match the same text`;
  }
  return `could not be shown to run in linear time (${r.error.kind}): simplify it, e.g. bounded quantifiers and no look-around or back-references`;
}

