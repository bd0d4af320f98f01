/**
 * The Pod Security Standards "restricted" profile (baseline included) as the Pod Security
 * admission controller evaluates a pod spec, for rendered pod templates (no cluster needed). One
 * function per control, named as the standard names it; each returns what it forbids, so a test
 * can say which control a pod fails and why.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 * https://github.com/kubernetes/pod-security-admission/tree/master/policy
 */

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Every container of a pod: init, regular and ephemeral (the controls cover all three). */
function containers(pod: Json): Json[] {
  return [...(pod.initContainers ?? []), ...(pod.containers ?? []), ...(pod.ephemeralContainers ?? [])];
}

/** Sysctls the baseline profile allows (the "safe" set, as of Kubernetes 1.29). */
const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);
const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);
/** Volume types the restricted profile allows. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

type Check = (pod: Json, annotations: Record<string, string>) => string[];

const CHECKS: Record<string, Check> = {
  // ---- baseline ----
  "HostProcess": (pod) => [pod, ...containers(pod)].filter((x) => x.securityContext?.windowsOptions?.hostProcess === true).map(() => "hostProcess: true"),
  "Host Namespaces": (pod) => (["hostNetwork", "hostPID", "hostIPC"] as const).filter((k) => pod[k] === true).map((k) => `${k}: true`),
  "Privileged Containers": (pod) => containers(pod).filter((c) => c.securityContext?.privileged === true).map((c) => `${c.name}: privileged`),
  "HostPath Volumes": (pod) => (pod.volumes ?? []).filter((v: Json) => v.hostPath !== undefined).map((v: Json) => `volume ${v.name}: hostPath`),
  "Host Ports": (pod) => containers(pod).flatMap((c) => (c.ports ?? []).filter((p: Json) => p.hostPort !== undefined && p.hostPort !== 0).map((p: Json) => `${c.name}: hostPort ${p.hostPort}`)),
  "AppArmor": (pod, annotations) => [
    ...[pod, ...containers(pod)].filter((x) => x.securityContext?.appArmorProfile?.type !== undefined && !["RuntimeDefault", "Localhost"].includes(x.securityContext.appArmorProfile.type)).map((x) => `${x.name ?? "pod"}: appArmorProfile ${x.securityContext.appArmorProfile.type}`),
    ...Object.entries(annotations)
      .filter(([k, v]) => k.startsWith("container.apparmor.security.beta.kubernetes.io/") && v !== "runtime/default" && !v.startsWith("localhost/"))
      .map(([k, v]) => `${k}: ${v}`),
  ],
  "SELinux": (pod) =>
    [pod, ...containers(pod)].flatMap((x) => {
      const o = x.securityContext?.seLinuxOptions;
      if (!o) return [];
      const out: string[] = [];
      if (!SELINUX_TYPES.has(o.type ?? "")) out.push(`${x.name ?? "pod"}: seLinuxOptions.type ${o.type}`);
      if (o.user) out.push(`${x.name ?? "pod"}: seLinuxOptions.user`);
      if (o.role) out.push(`${x.name ?? "pod"}: seLinuxOptions.role`);
      return out;
    }),
  "/proc Mount Type": (pod) => containers(pod).filter((c) => c.securityContext?.procMount !== undefined && c.securityContext.procMount !== "Default").map((c) => `${c.name}: procMount ${c.securityContext.procMount}`),
  "Sysctls": (pod) => (pod.securityContext?.sysctls ?? []).filter((s: Json) => !SAFE_SYSCTLS.has(s.name)).map((s: Json) => `sysctl ${s.name}`),
  // ---- restricted ----
  "Volume Types": (pod) => (pod.volumes ?? []).filter((v: Json) => !RESTRICTED_VOLUMES.some((t) => v[t] !== undefined)).map((v: Json) => `volume ${v.name}: ${Object.keys(v).filter((k) => k !== "name").join(",")}`),
  "Privilege Escalation": (pod) => containers(pod).filter((c) => c.securityContext?.allowPrivilegeEscalation !== false).map((c) => `${c.name}: allowPrivilegeEscalation not false`),
  "Running as Non-root": (pod) => {
    const podLevel = pod.securityContext?.runAsNonRoot;
    return containers(pod)
      .filter((c) => {
        const own = c.securityContext?.runAsNonRoot;
        return own === false || (own !== true && podLevel !== true);
      })
      .map((c) => `${c.name}: runAsNonRoot not true`);
  },
  "Running as Non-root user": (pod) => [pod, ...containers(pod)].filter((x) => x.securityContext?.runAsUser === 0).map((x) => `${x.name ?? "pod"}: runAsUser 0`),
  "Seccomp": (pod) => {
    const ok = (t: unknown) => t === "RuntimeDefault" || t === "Localhost";
    const podType = pod.securityContext?.seccompProfile?.type;
    const out: string[] = [];
    if (podType !== undefined && !ok(podType)) out.push(`pod: seccompProfile ${podType}`);
    for (const c of containers(pod)) {
      const own = c.securityContext?.seccompProfile?.type;
      if (own !== undefined ? !ok(own) : !ok(podType)) out.push(`${c.name}: seccompProfile ${own ?? "unset"}`);
    }
    return out;
  },
  "Capabilities": (pod) =>
    containers(pod).flatMap((c) => {
      const caps = c.securityContext?.capabilities ?? {};
      const out: string[] = [];
      if (!(caps.drop ?? []).includes("ALL")) out.push(`${c.name}: capabilities.drop lacks ALL`);
      for (const a of caps.add ?? []) if (a !== "NET_BIND_SERVICE") out.push(`${c.name}: adds ${a}`);
      return out;
    }),
};

/** `[control, what it forbids]` for every restricted-profile violation of a pod spec. */
export function restrictedViolations(pod: Json, annotations: Record<string, string> = {}): [string, string][] {
  return Object.entries(CHECKS).flatMap(([control, check]) => check(pod, annotations).map((why): [string, string] => [control, why]));
}

/** The pod template of a workload object (Deployment, DaemonSet, StatefulSet, Job, CronJob, Pod). */
export function podTemplateOf(kind: string, obj: Json): { spec: Json; annotations: Record<string, string> } | undefined {
  if (kind === "Pod") return { spec: obj.spec, annotations: obj.metadata?.annotations ?? {} };
  const template = kind === "CronJob" ? obj.spec?.jobTemplate?.spec?.template : obj.spec?.template;
  return template ? { spec: template.spec, annotations: template.metadata?.annotations ?? {} } : undefined;
}
