/**
 * Names that tools outside the program must be able to derive (model publish, runbooks).
 * Pure: no resources. Changing any of these replaces the resource it names.
 */

/** `sovereign-llm-prod`: prefix of physical names, aliases and log groups. */
export function stackPrefix(project: string, stack: string): string {
  return `${project}-${stack}`;
}

/** The model store bucket: `<project>-<stack>-models-<account>-<region>`. */
export function modelBucketName(project: string, stack: string, accountId: string, region: string): string {
  return `${stackPrefix(project, stack)}-models-${accountId}-${region}`;
}

/** The CloudTrail archive bucket. */
export function auditBucketName(project: string, stack: string, accountId: string, region: string): string {
  return `${stackPrefix(project, stack)}-audit-${accountId}-${region}`;
}

/** The AWS Config delivery bucket (no default Object Lock retention: Config refuses one). */
export function configBucketName(project: string, stack: string, accountId: string, region: string): string {
  return `${stackPrefix(project, stack)}-config-${accountId}-${region}`;
}

/** S3 prefix of one model's files: `models/<model>/`. */
export function modelPrefix(model: string): string {
  return `models/${model}/`;
}

/** KMS alias of a KeyRing purpose: `alias/<project>/<stack>/<purpose>`. */
export function keyAlias(project: string, stack: string, purpose: string): string {
  return `alias/${project}/${stack}/${purpose}`;
}

/** Log-group prefix of the stack: `/<project>/<stack>/`. */
export function logGroupPrefix(project: string, stack: string): string {
  return `/${project}/${stack}/`;
}

/** EKS cluster name (also fixes its control-plane log group `/aws/eks/<name>/cluster`). */
export function clusterName(project: string, stack: string): string {
  return stackPrefix(project, stack);
}

/** CloudTrail trail name. */
export function trailName(project: string, stack: string): string {
  return stackPrefix(project, stack);
}
