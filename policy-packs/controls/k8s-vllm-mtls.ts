import type { Control } from "./types";
import { asArray } from "./lib/resources";
import { containsUnknown, isUnknown } from "./lib/unknown";
import { isVllm, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

/** The value following `flag` (as `--flag v` or `--flag=v`), or undefined; true when present without a value. */
export function flagValue(argv: string[], flag: string): string | true | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a.startsWith(`${flag}=`)) return a.slice(flag.length + 1);
    if (a === flag) return argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("--") ? argv[i + 1]! : true;
  }
  return undefined;
}

export const k8sVllmMtls: Control = {
  policy: {
    name: "sovereign-llm-k8s-vllm-mtls",
    description:
      "vLLM servers speak TLS and require client certificates from the platform CA: --ssl-keyfile and --ssl-certfile set, --ssl-ca-certs set, and --ssl-cert-reqs 2 (ssl.CERT_REQUIRED). vLLM's --api-key guards only some routes, so mutual TLS is what keeps everything but the front door out.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (_spec, { c }, fire, undecided) => {
          const vllm = isVllm(c);
          if (isUnknown(vllm)) return undecided.note("image unknown");
          if (!vllm) return;
          if ([c.command, c.args].some((a) => isUnknown(a) || containsUnknown(a))) return undecided.note("command or args unknown");
          const argv = [...asArray(c.command), ...asArray(c.args)].filter((a): a is string => typeof a === "string");
          // The image pre-pull DaemonSet holds the image with exactly `sleep infinity`: nothing
          // listens, so there is nothing to protect (anything else is checked as a server).
          if (argv.length === 2 && argv[0] === "sleep" && argv[1] === "infinity" && asArray(c.ports).length === 0) return;
          for (const flag of ["--ssl-keyfile", "--ssl-certfile"]) if (typeof flagValue(argv, flag) !== "string") fire(`serves without TLS (${flag} not set): pass --ssl-keyfile and --ssl-certfile from the service's certificate Secret`);
          if (typeof flagValue(argv, "--ssl-ca-certs") !== "string") fire("no --ssl-ca-certs: pass the platform CA so client certificates can be verified");
          const reqs = flagValue(argv, "--ssl-cert-reqs");
          if (reqs !== "2") fire(`--ssl-cert-reqs is ${reqs === undefined || reqs === true ? "unset (0: no client certificate)" : reqs}: set --ssl-cert-reqs 2 to require client certificates`);
        },
      }),
  },
  severity: "critical",
  remediation: "Render vLLM args with --ssl-keyfile, --ssl-certfile, --ssl-ca-certs and --ssl-cert-reqs 2, mounting the certificate Secret (VllmService does this with the InternalCa).",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.transmissionEncryption, HIPAA.transmissionIntegrity, HIPAA.accessControl],
    gdpr: [GDPR.encryption, GDPR.integrityConfidentiality],
    soc2: [SOC2.transmission, SOC2.logicalAccess],
    "fedramp-moderate": ["SC-8", "SC-8(1)", "IA-3", "SC-23"],
  },
  references: ["Beyond the public lists: AWS Config's TLS rules (e.g. elb-tls-https-listeners-only) cover load balancers, not in-cluster servers"],
  resourceTypes: WORKLOAD_TYPES,
};
