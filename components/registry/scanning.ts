/**
 * Whether a registry's images are scanned continuously by Amazon Inspector, judged from its
 * scanning configuration; used when the organisation's delegated administrator runs Inspector and
 * this stack only verifies it. Pure, so it can be tested directly.
 * https://docs.aws.amazon.com/AmazonECR/latest/userguide/image-scanning-enhanced.html
 */

/** A registry's scanning configuration as Cloud Control reads it (AWS::ECR::RegistryScanningConfiguration). */
export interface ScanningView {
  scanType?: string;
  rules: { scanFrequency?: string; filters: { filter: string; filterType?: string }[] }[];
}

export function scanningFromCloudControl(propertiesJson: string): ScanningView {
  const p = JSON.parse(propertiesJson) as { ScanType?: string; Rules?: { ScanFrequency?: string; RepositoryFilters?: { Filter?: string; FilterType?: string }[] }[] };
  return {
    scanType: p.ScanType,
    rules: (p.Rules ?? []).map((r) => ({ scanFrequency: r.ScanFrequency, filters: (r.RepositoryFilters ?? []).map((f) => ({ filter: f.Filter ?? "", filterType: f.FilterType })) })),
  };
}

/** ECR repository filters are wildcards: `*` matches any run of characters. */
function matches(filter: string, repository: string): boolean {
  const re = new RegExp(`^${filter.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, "\\$&")).join(".*")}$`);
  return re.test(repository);
}

/**
 * What a registry's scanning configuration fails to scan continuously of `repositories` (empty
 * when nothing): Inspector enhanced scanning with a CONTINUOUS_SCAN rule whose filters match each.
 */
export function scanningGaps(view: ScanningView | undefined, repositories: readonly string[]): string[] {
  if (!view) return ["the registry has no scanning configuration"];
  if (view.scanType !== "ENHANCED") return [`the registry's scanning is ${view.scanType ?? "BASIC"}, not ENHANCED (Amazon Inspector)`];
  const continuous = view.rules.filter((r) => r.scanFrequency === "CONTINUOUS_SCAN");
  const unscanned = repositories.filter((repo) => !continuous.some((r) => r.filters.some((f) => matches(f.filter, repo))));
  return unscanned.length > 0 ? [`no continuous-scan rule covers ${unscanned.join(", ")}`] : [];
}
