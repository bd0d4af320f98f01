/**
 * Evaluates the JSON subset of CloudWatch Logs filter patterns the platform uses, so tests can
 * run each metric filter against real log lines (the gateway's audit records, CloudTrail and EKS
 * audit events) instead of trusting a string. Subset, per
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html:
 * `{ expr }` with `&&`, `||`, parentheses, selectors `$.a.b[0]`, `=`/`!=` against quoted strings
 * (with `*` wildcards) or numbers, and `>`, `>=`, `<`, `<=` against numbers. A selector that does
 * not resolve never matches a comparison (as in CloudWatch). Anything else throws, so a pattern
 * outside the subset fails the test instead of passing silently.
 */

type Tok = { t: "(" | ")" | "&&" | "||" | "op" | "sel" | "str" | "num"; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === "(" || c === ")") {
      out.push({ t: c, v: c });
      i++;
    } else if (src.startsWith("&&", i) || src.startsWith("||", i)) {
      out.push({ t: src.slice(i, i + 2) as "&&" | "||", v: src.slice(i, i + 2) });
      i += 2;
    } else if (/[=!<>]/.test(c)) {
      const m = /^(>=|<=|!=|=|>|<)/.exec(src.slice(i));
      if (!m) throw new Error(`bad operator at ${i} in ${src}`);
      out.push({ t: "op", v: m[1] });
      i += m[1].length;
    } else if (c === "$") {
      const m = /^\$(\.[A-Za-z_][\w-]*|\[\d+\])+/.exec(src.slice(i));
      if (!m) throw new Error(`bad selector at ${i} in ${src}`);
      out.push({ t: "sel", v: m[0] });
      i += m[0].length;
    } else if (c === '"') {
      const end = src.indexOf('"', i + 1);
      if (end < 0) throw new Error(`unterminated string in ${src}`);
      out.push({ t: "str", v: src.slice(i + 1, end) });
      i = end + 1;
    } else {
      const m = /^-?\d+(\.\d+)?/.exec(src.slice(i));
      if (!m) throw new Error(`unsupported token at ${i} in ${src}: ${src.slice(i, i + 20)}`);
      out.push({ t: "num", v: m[0] });
      i += m[0].length;
    }
  }
  return out;
}

function select(obj: unknown, selector: string): unknown {
  const parts = [...selector.slice(1).matchAll(/\.([A-Za-z_][\w-]*)|\[(\d+)\]/g)];
  let cur: unknown = obj;
  for (const p of parts) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = p[1] !== undefined ? (cur as Record<string, unknown>)[p[1]] : (cur as unknown[])[Number(p[2])];
  }
  return cur;
}

function wildcard(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((s) => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

export function matchesFilterPattern(pattern: string, event: unknown): boolean {
  const body = /^\s*\{([\s\S]*)\}\s*$/.exec(pattern);
  if (!body) throw new Error(`only JSON patterns are supported: ${pattern}`);
  const toks = tokenize(body[1]);
  let pos = 0;
  const peek = () => toks[pos];
  const expect = (t: Tok["t"]) => {
    const k = toks[pos++];
    if (!k || k.t !== t) throw new Error(`expected ${t} at token ${pos} of ${pattern}`);
    return k;
  };
  const comparison = (): boolean => {
    const sel = expect("sel").v;
    const op = expect("op").v;
    const rhs = toks[pos++];
    if (!rhs || (rhs.t !== "str" && rhs.t !== "num")) throw new Error(`expected a value after ${sel} ${op} in ${pattern}`);
    const v = select(event, sel);
    if (v === undefined || v === null) return false;
    if (rhs.t === "str") {
      if (op !== "=" && op !== "!=") throw new Error(`${op} needs a number in ${pattern}`);
      const eq = wildcard(rhs.v, String(v));
      return op === "=" ? eq : !eq;
    }
    if (typeof v !== "number") return false;
    const n = Number(rhs.v);
    switch (op) {
      case "=": return v === n;
      case "!=": return v !== n;
      case ">": return v > n;
      case ">=": return v >= n;
      case "<": return v < n;
      default: return v <= n;
    }
  };
  const primary = (): boolean => {
    if (peek()?.t === "(") {
      pos++;
      const v = or();
      expect(")");
      return v;
    }
    return comparison();
  };
  const and = (): boolean => {
    let v = primary();
    while (peek()?.t === "&&") {
      pos++;
      const r = primary();
      v = v && r;
    }
    return v;
  };
  const or = (): boolean => {
    let v = and();
    while (peek()?.t === "||") {
      pos++;
      const r = and();
      v = v || r;
    }
    return v;
  };
  const result = or();
  if (pos !== toks.length) throw new Error(`trailing tokens in ${pattern}`);
  return result;
}
