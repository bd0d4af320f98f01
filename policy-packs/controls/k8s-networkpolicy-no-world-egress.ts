import type { Control } from "./types";
import { asArray, asRecord, label, nodesOf, ofType } from "./lib/resources";
import { containsUnknown, isUnknown, Undecided } from "./lib/unknown";
import { metadataOf, nameOf, namespaceOf, NAMESPACE, NETWORK_POLICY } from "./lib/k8s";
import { PSS_ENFORCE } from "./k8s-namespace-pss-restricted";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const WORLD = /\/0$/;

export const k8sNetworkpolicyNoWorldEgress: Control = {
  policy: {
    name: "sovereign-llm-k8s-networkpolicy-no-world-egress",
    description:
      "In namespaces that enforce Pod Security restricted (where the model servers run), no NetworkPolicy allows egress to the internet: no egress ipBlock of 0.0.0.0/0 or ::/0, and no egress rule without destinations (which allows every destination). Pods reach only DNS, in-cluster peers and VPC endpoints, so prompts and weights cannot leave even if the egress firewall allows a domain.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const undecided = new Undecided();
      const restricted = new Set<string>();
      for (const ns of ofType(all, NAMESPACE)) {
        const name = nameOf(ns.props);
        const meta = metadataOf(ns.props);
        const level = isUnknown(meta) ? meta : asRecord(meta.labels)[PSS_ENFORCE];
        if (isUnknown(name) || isUnknown(level) || isUnknown(asRecord(meta).labels)) undecided.note(`${label(ns)}: name or labels unknown`);
        else if (name && level === "restricted") restricted.add(name);
      }
      for (const np of ofType(all, NETWORK_POLICY)) {
        const ns = namespaceOf(np.props);
        if (isUnknown(ns)) {
          undecided.note(`${label(np)}: namespace unknown`);
          continue;
        }
        if (!restricted.has(ns)) continue;
        const spec = np.props.spec;
        if (isUnknown(spec)) {
          undecided.note(`${label(np)}: spec unknown`);
          continue;
        }
        const egress = asRecord(spec).egress;
        if (isUnknown(egress)) {
          undecided.note(`${label(np)}: egress unknown`);
          continue;
        }
        asArray(egress).forEach((rule, i) => {
          const to = asRecord(rule).to;
          if (isUnknown(to)) return undecided.note(`${label(np)}: egress[${i}].to unknown`);
          if (asArray(to).length === 0) return report(`NetworkPolicy ${ns}/${String(asRecord(metadataOf(np.props)).name ?? np.name)}: egress rule ${i} has no destinations, which allows every address including the internet; name the peers or ipBlocks`, np.urn);
          for (const peer of asArray(to)) {
            const cidr = asRecord(asRecord(peer).ipBlock).cidr;
            if (isUnknown(cidr) || containsUnknown(peer)) undecided.note(`${label(np)}: an egress peer is unknown`);
            else if (typeof cidr === "string" && WORLD.test(cidr)) report(`NetworkPolicy ${ns}/${String(asRecord(metadataOf(np.props)).name ?? np.name)}: egress to ipBlock ${cidr} opens the internet; allow only the VPC CIDR or endpoint addresses`, np.urn);
          }
        });
      }
      undecided.finish();
    },
  },
  severity: "critical",
  remediation: "Restrict egress rules of NetworkPolicies in restricted namespaces to namespace/pod selectors and ipBlocks inside the VPC (the platform's own: a model server reaches DNS and its model's node-local cache; the model cache reaches DNS, the endpoint subnets on 443 and the Pod Identity agent).",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality, GDPR.byDefault],
    soc2: [SOC2.boundary, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "SC-7(5)", "AC-4"],
  },
  references: ["Beyond the public lists: no public rule looks at Kubernetes egress; the in-cluster half of the egress firewall"],
  resourceTypes: [NAMESPACE, NETWORK_POLICY],
};
