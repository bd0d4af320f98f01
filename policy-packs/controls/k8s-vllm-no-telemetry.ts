import type { Control } from "./types";
import { asArray, asRecord } from "./lib/resources";
import { containsUnknown, isUnknown } from "./lib/unknown";
import { isVllm, validateWorkload, WORKLOAD_TYPES } from "./lib/k8s";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

export const VLLM_REQUIRED_ENV: Record<string, string> = { VLLM_NO_USAGE_STATS: "1", DO_NOT_TRACK: "1", HF_HUB_OFFLINE: "1" };
const REQUEST_LOGGING = ["--enable-log-requests", "--enable-log-outputs"];

export const k8sVllmNoTelemetry: Control = {
  policy: {
    name: "sovereign-llm-k8s-vllm-no-telemetry",
    description:
      "vLLM containers (image naming vllm) cannot phone home or log content: VLLM_NO_USAGE_STATS=1 and DO_NOT_TRACK=1 stop the usage report vLLM sends its vendor every 10 minutes, HF_HUB_OFFLINE=1 stops model-hub calls, and request/output logging (--enable-log-requests, --enable-log-outputs) is not turned on. Goes beyond the public lists.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) =>
      validateWorkload(args, report, {
        container: (_spec, { c }, fire, undecided) => {
          const vllm = isVllm(c);
          if (isUnknown(vllm)) return undecided.note("image unknown");
          if (!vllm) return;
          if (isUnknown(c.env)) undecided.note("env unknown");
          else {
            const env = new Map<string, unknown>();
            for (const e of asArray(c.env)) {
              const r = asRecord(e);
              if (typeof r.name === "string") env.set(r.name, r.valueFrom !== undefined ? { from: r.valueFrom } : r.value);
            }
            for (const [name, want] of Object.entries(VLLM_REQUIRED_ENV)) {
              const got = env.get(name);
              if (isUnknown(got)) undecided.note(`${name} unknown`);
              else if (got !== want) fire(`${name} is ${got === undefined ? "unset" : JSON.stringify(got)}: set env ${name}=${want}`);
            }
          }
          const argv = [c.command, c.args];
          if (argv.some((a) => isUnknown(a) || containsUnknown(a))) undecided.note("command or args unknown");
          for (const a of argv.flatMap((x) => (isUnknown(x) ? [] : asArray(x)))) {
            if (typeof a !== "string") continue;
            const flag = REQUEST_LOGGING.find((f) => a === f || a.startsWith(`${f}=`) || a.split(/\s+/).includes(f));
            if (flag) fire(`${flag} writes prompts or outputs to the container log: remove it`);
          }
        },
      }),
  },
  severity: "high",
  remediation: "Set env VLLM_NO_USAGE_STATS=1, DO_NOT_TRACK=1, HF_HUB_OFFLINE=1 on vLLM containers and do not pass --enable-log-requests / --enable-log-outputs (VllmService does this).",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.minimisation, GDPR.transfers, GDPR.byDefault],
    soc2: [SOC2.confidentialInfo, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "AC-4", "SI-12", "CM-7"],
  },
  references: ["Beyond the public lists: vLLM usage statistics and request logging are product-specific (vLLM docs: usage_stats, --enable-log-requests)"],
  resourceTypes: WORKLOAD_TYPES,
};
