import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import type { Tags } from "../tags";

/**
 * How an account-level detection service is provided: created by this stack, or already run by
 * the organisation (a delegated administrator enables it in every member account), in which case
 * the stack verifies at preview that it is on, with the features the platform relies on.
 */
export type DetectionStrategy = "create" | "organization";

export interface ThreatDetectionArgs {
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  /** Strategy per service. Required. */
  guardDuty: DetectionStrategy;
  securityHub: DetectionStrategy;
  /** IAM Access Analyzer name (an account analyzer: free, and it coexists with an organisation's). Required. */
  accessAnalyzerName: string;
  /** Base tags. Default none. */
  tags?: Tags;
}

/** GuardDuty features the platform relies on, with the additional configuration each needs. */
export const GUARDDUTY_FEATURES: readonly { name: string; additional?: string[]; why: string }[] = [
  { name: "EKS_AUDIT_LOGS", why: "threats in the Kubernetes audit log (anonymous access, exec, privilege escalation)" },
  // RUNTIME_MONITORING supersedes EKS_RUNTIME_MONITORING (the two are mutually exclusive); with
  // EKS_ADDON_MANAGEMENT GuardDuty installs its agent as an EKS add-on and creates the VPC endpoint
  // it reports through. https://docs.aws.amazon.com/guardduty/latest/ug/runtime-monitoring-configuration.html
  { name: "RUNTIME_MONITORING", additional: ["EKS_ADDON_MANAGEMENT"], why: "process, file and network activity inside the nodes and pods" },
  { name: "S3_DATA_EVENTS", why: "anomalous access to the model store and the audit archive" },
];

/** ARN of the NIST SP 800-53 rev 5 standard in Security Hub for a region. */
export function nistStandardArn(partition: string, region: string): string {
  return `arn:${partition}:securityhub:${region}::standards/nist-800-53/v/5.0.0`;
}

/** What an existing detector lacks, in words that say how to fix it (empty when nothing). */
export function guardDutyGaps(d: { status: string; features: { name: string; status: string; additionalConfigurations?: { name: string; status: string }[] }[] }): string[] {
  const gaps: string[] = [];
  if (d.status !== "ENABLED") gaps.push(`the GuardDuty detector is ${d.status}: enable it`);
  for (const f of GUARDDUTY_FEATURES) {
    const have = d.features.find((x) => x.name === f.name);
    if (!have || have.status !== "ENABLED") {
      gaps.push(`GuardDuty feature ${f.name} is ${have?.status ?? "absent"}: enable it (${f.why})`);
      continue;
    }
    for (const a of f.additional ?? []) {
      const ac = have.additionalConfigurations?.find((x) => x.name === a);
      if (!ac || ac.status !== "ENABLED") gaps.push(`GuardDuty ${f.name} additional configuration ${a} is ${ac?.status ?? "absent"}: enable it`);
    }
  }
  return gaps;
}

/** What Security Hub lacks for this platform (empty when nothing). */
export function securityHubGaps(standards: { standardsArn: string; standardsStatus: string }[], nistArn: string): string[] {
  const nist = standards.find((s) => s.standardsArn === nistArn);
  if (!nist) return [`Security Hub does not have the NIST SP 800-53 rev 5 standard enabled (${nistArn}): ask the delegated administrator to enable it for this account`];
  if (nist.standardsStatus !== "READY" && nist.standardsStatus !== "PENDING") return [`Security Hub's NIST SP 800-53 rev 5 standard is ${nist.standardsStatus}`];
  return [];
}

export class DetectionNotVerified extends Error {
  override name = "DetectionNotVerified";
}

/**
 * Threat detection and posture: GuardDuty (EKS audit logs, runtime monitoring with its agent as
 * an EKS add-on, S3 data events), Security Hub with the NIST SP 800-53 rev 5 standard (which also
 * collects GuardDuty and Inspector findings), and an IAM Access Analyzer for resources shared
 * outside the account. Each of GuardDuty and Security Hub is either created here or verified at
 * preview when the organisation already runs it: never silently absent.
 */
export class ThreatDetection extends pulumi.ComponentResource {
  /** What each service's strategy resolved to, for the evidence report. */
  public readonly summary: pulumi.Output<Record<string, string>>;

  constructor(name: string, args: ThreatDetectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:monitoring:ThreatDetection", name, {}, opts);
    const partition = args.partition ?? "aws";
    const tags = args.tags ?? {};
    const nistArn = nistStandardArn(partition, args.region);

    let guardDuty: pulumi.Output<string>;
    if (args.guardDuty === "create") {
      const detector = new aws.guardduty.Detector(`${name}-guardduty`, { enable: true, findingPublishingFrequency: "FIFTEEN_MINUTES", tags }, { parent: this });
      for (const f of GUARDDUTY_FEATURES) {
        new aws.guardduty.DetectorFeature(
          `${name}-guardduty-${f.name.toLowerCase().replace(/_/g, "-")}`,
          {
            detectorId: detector.id,
            name: f.name,
            status: "ENABLED",
            ...(f.additional ? { additionalConfigurations: f.additional.map((a) => ({ name: a, status: "ENABLED" })) } : {}),
          },
          { parent: this },
        );
      }
      guardDuty = pulumi.output("created by this stack");
    } else {
      guardDuty = aws.guardduty.getDetectorOutput({}, { parent: this }).apply((d) => {
        const gaps = guardDutyGaps(d);
        if (gaps.length > 0) throw new DetectionNotVerified(`detection.guardDuty is "organization", but in this account ${gaps.join("; ")}. Or set detection.guardDuty: create.`);
        return `organization detector ${d.id}, verified at preview`;
      });
    }

    let securityHub: pulumi.Output<string>;
    if (args.securityHub === "create") {
      // Default standards off: the platform chooses NIST SP 800-53 rev 5 explicitly.
      const account = new aws.securityhub.Account(`${name}-securityhub`, { enableDefaultStandards: false, controlFindingGenerator: "SECURITY_CONTROL", autoEnableControls: true }, { parent: this });
      new aws.securityhub.StandardsSubscription(`${name}-securityhub-nist`, { standardsArn: nistArn }, { parent: this, dependsOn: [account] });
      securityHub = pulumi.output("created by this stack, NIST SP 800-53 rev 5");
    } else {
      securityHub = aws.securityhub.getEnabledStandardsOutput({}, { parent: this }).apply((r) => {
        const gaps = securityHubGaps(r.standardsSubscriptions, nistArn);
        if (gaps.length > 0) throw new DetectionNotVerified(`detection.securityHub is "organization", but ${gaps.join("; ")}. Or set detection.securityHub: create.`);
        return "organization, NIST SP 800-53 rev 5 enabled, verified at preview";
      });
    }

    new aws.accessanalyzer.Analyzer(`${name}-access-analyzer`, { analyzerName: args.accessAnalyzerName, type: "ACCOUNT", tags }, { parent: this });

    this.summary = pulumi.all({ guardDuty, securityHub, accessAnalyzer: pulumi.output(`account analyzer ${args.accessAnalyzerName}`) });
    this.registerOutputs({ summary: this.summary });
  }
}
