/**
 * The Kubernetes Pod Security Standards (kubernetes.io/docs/concepts/security/pod-security-standards,
 * as of Kubernetes v1.35), baseline and restricted. Every namespace the platform runs workloads in
 * is labelled pod-security.kubernetes.io/enforce: restricted (sovereign-llm-k8s-namespace-pss-restricted),
 * so the API server's Pod Security admission refuses any pod that breaks one of these; the workload
 * controls named as well check the same field in the program, before anything is applied.
 */
import { by, byNote, type Verdict } from "./types";

export const SOURCE = "Kubernetes Pod Security Standards, as of Kubernetes v1.35 (baseline and restricted profiles)";

const ADMISSION = "k8s-namespace-pss-restricted";
const admissionOnly = (what: string): Verdict => byNote(`refused at admission; the program sets ${what}`, ADMISSION);

export const CONTROLS: [string, Verdict][] = [
  ["Baseline: HostProcess", admissionOnly("no Windows pods")],
  ["Baseline: Host Namespaces", by(ADMISSION, "k8s-workload-host-isolation")],
  ["Baseline: Privileged Containers", by(ADMISSION, "k8s-workload-no-privilege")],
  ["Baseline: Capabilities", by(ADMISSION, "k8s-workload-no-privilege")],
  ["Baseline: HostPath Volumes", by(ADMISSION, "k8s-workload-host-isolation")],
  ["Baseline: Host Ports", by(ADMISSION, "k8s-workload-host-isolation")],
  ["Baseline: AppArmor", admissionOnly("no AppArmor profile other than the runtime default")],
  ["Baseline: SELinux", admissionOnly("no SELinux options")],
  ["Baseline: /proc Mount Type", admissionOnly("no procMount")],
  ["Baseline: Seccomp", by(ADMISSION, "k8s-workload-seccomp")],
  ["Baseline: Sysctls", admissionOnly("no sysctls")],
  ["Restricted: Volume Types", byNote("the workload control refuses hostPath; the admission controller refuses every type outside the restricted list", ADMISSION, "k8s-workload-host-isolation")],
  ["Restricted: Privilege Escalation", by(ADMISSION, "k8s-workload-no-privilege")],
  ["Restricted: Running as Non-root", by(ADMISSION, "k8s-workload-non-root")],
  ["Restricted: Running as Non-root user", by(ADMISSION, "k8s-workload-non-root")],
  ["Restricted: Seccomp", by(ADMISSION, "k8s-workload-seccomp")],
  ["Restricted: Capabilities", by(ADMISSION, "k8s-workload-no-privilege")],
];
