/**
 * The access matrix: the flows the platform exists for, which AWS must allow, and the flows it
 * must refuse, each as the requests AWS would authorize, built from the access model (the roles,
 * buckets, keys and endpoints the program declares). Pure: builds requests, evaluates nothing.
 */
import { AUTOSCALER_NAME, AUTOSCALER_NAMESPACE } from "../../../components/cluster/autoscaler-manifests";
import { endpointFor, podRole, type AccessModel, type RoleModel } from "./model";
import type { AccessRequest, Principal } from "./simulate";

export interface Flow {
  /** Stable identifier: `<what>` or `<what>:<subject>`. */
  id: string;
  /** The flow as an auditor would say it. */
  title: string;
  expect: "allow" | "deny";
  /** The resource the flow is about (named in a failure). */
  resource: string;
  /** Every request of the flow: an allowed flow needs all of them allowed, a denied flow all refused. */
  requests: AccessRequest[];
  /** Why the flow cannot be built for this stack (a role or resource it needs is missing). */
  missing?: string;
}

/** The namespace the platform's model servers run in and their service account name. */
export const INFERENCE_NAMESPACE = "inference";
/** The service account of a model's node cache: the only pod identity that reads the model's prefix. */
export const modelCacheServiceAccount = (model: string) => `model-cache-${model}`;
export const modelPrefix = (model: string) => `models/${model}/`;

/** An account that is not the stack's (the documentation account, or another if that is the stack's). */
export function foreignAccount(model: AccessModel): string {
  return model.accountId === "111122223333" ? "444455556666" : "111122223333";
}

const role = (r: RoleModel): Principal => ({ kind: "role", role: r });
const external = (arn: string, label: string): Principal => ({ kind: "external", arn, label });
const service = (name: string): Principal => ({ kind: "service", service: name });
const roleName = (arn: string) => arn.split("/").pop() ?? arn;

/** Context of a KMS request S3 makes for its caller (SSE-KMS with an S3 Bucket Key: the bucket ARN is the context). */
function viaS3(model: AccessModel, bucketArn: string): Record<string, string> {
  return { "kms:ViaService": `s3.${model.region}.amazonaws.com`, "kms:EncryptionContext:aws:s3:arn": bucketArn, "aws:CalledVia": "s3.amazonaws.com" };
}

/** The requests EKS Pod Identity makes to hand a pod a role's credentials (session tags per the EKS user guide). */
function podIdentityAssume(model: AccessModel, r: RoleModel, namespace: string, serviceAccount: string): AccessRequest[] {
  const context = {
    "aws:SourceAccount": model.accountId,
    "aws:SourceArn": model.clusterArn,
    "aws:RequestTag/eks-cluster-arn": model.clusterArn,
    "aws:RequestTag/eks-cluster-name": model.clusterName,
    "aws:RequestTag/kubernetes-namespace": namespace,
    "aws:RequestTag/kubernetes-service-account": serviceAccount,
    "aws:TagKeys": ["eks-cluster-arn", "eks-cluster-name", "kubernetes-namespace", "kubernetes-service-account"],
  };
  return ["sts:AssumeRole", "sts:TagSession"].map((action) => ({ label: `Pod Identity: ${action}`, principal: service("pods.eks.amazonaws.com"), action, resource: r.arn, context }));
}

function missingFlow(id: string, title: string, expect: Flow["expect"], resource: string, missing: string): Flow {
  return { id, title, expect, resource, requests: [], missing };
}

function publishFlows(model: AccessModel): Flow[] {
  const bucket = model.modelBucket.arn;
  const key = model.keys.models;
  const signing = model.keys.signing;
  const publisher = model.adminRoleArns[0];
  const title = "the publisher uploads a model multipart, encrypted with the models key";
  if (!publisher) return [missingFlow("publish-model", title, "allow", bucket, "the stack names no admin role to publish with")];
  const p = external(publisher, `admin ${roleName(publisher)}`);
  const object = `${bucket}/${modelPrefix(model.models[0] ?? "example-model")}model-00001-of-00002.safetensors`;
  // The publisher works from outside the VPC, so the bucket policy admits it only in a session
  // signed in with MFA (aws:MultiFactorAuthPresent is set on such sessions' requests).
  const mfa = { "aws:MultiFactorAuthPresent": "true" };
  const sse = { ...mfa, "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key };
  // Multipart upload authorization: CreateMultipartUpload, UploadPart and CompleteMultipartUpload
  // are all s3:PutObject; only CreateMultipartUpload carries the SSE headers, and S3 needs
  // kms:GenerateDataKey and kms:Decrypt of the key for the parts.
  // https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html#mpuAndPermissions
  const requests: AccessRequest[] = [
    { label: "DescribeKey (resolve the models key)", principal: p, action: "kms:DescribeKey", resource: key },
    { label: "ListObjectsV2 of the model's prefix", principal: p, action: "s3:ListBucket", resource: bucket, context: { ...mfa, "s3:prefix": modelPrefix(model.models[0] ?? "example-model") } },
    { label: "CreateMultipartUpload", principal: p, action: "s3:PutObject", resource: object, context: sse },
    { label: "GenerateDataKey through S3", principal: p, action: "kms:GenerateDataKey", resource: key, context: viaS3(model, bucket) },
    { label: "UploadPart (no SSE headers)", principal: p, action: "s3:PutObject", resource: object, context: mfa },
    { label: "Decrypt through S3 (part data keys)", principal: p, action: "kms:Decrypt", resource: key, context: viaS3(model, bucket) },
    { label: "CompleteMultipartUpload", principal: p, action: "s3:PutObject", resource: object, context: mfa },
  ];
  if (signing) requests.push({ label: "Sign the model manifest", principal: p, action: "kms:Sign", resource: signing, context: { "kms:SigningAlgorithm": "ECDSA_SHA_256" } });
  const otherKey = Object.entries(model.keys).find(([purpose]) => purpose !== "models")?.[1] ?? `arn:${model.partition}:kms:${model.region}:${model.accountId}:key/00000000-0000-4000-a000-000000000000`;
  const wrongEncryption: [string, Record<string, string>][] = [
    ["PutObject naming another key", { "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": otherKey }],
    ["PutObject with SSE-KMS but no key (the AWS managed key)", { "s3:x-amz-server-side-encryption": "aws:kms" }],
    ["PutObject with SSE-S3", { "s3:x-amz-server-side-encryption": "AES256" }],
  ];
  return [
    { id: "publish-model", title, expect: "allow", resource: bucket, requests },
    {
      id: "model-upload-other-encryption",
      title: "an upload to the model store asks for encryption other than the models key",
      expect: "deny",
      resource: bucket,
      requests: wrongEncryption.map(([label, context]) => ({ label, principal: p, action: "s3:PutObject", resource: object, context: { ...mfa, ...context } })),
    },
    {
      id: "admin-outside-endpoint-without-mfa",
      title: "an admin reads or replaces the weights from outside the VPC endpoint in a session without MFA (a leaked access key)",
      expect: "deny",
      resource: bucket,
      requests: model.adminRoleArns.flatMap((arn) => {
        const admin = external(arn, `admin ${roleName(arn)}`);
        return [
          { label: `GetObject by admin ${roleName(arn)} without MFA`, principal: admin, action: "s3:GetObject", resource: object },
          { label: `PutObject by admin ${roleName(arn)} without MFA`, principal: admin, action: "s3:PutObject", resource: object, context: { "aws:MultiFactorAuthPresent": "false", "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key } },
        ];
      }),
    },
  ];
}

function modelReadFlows(model: AccessModel): Flow[] {
  const bucket = model.modelBucket.arn;
  const key = model.keys.models;
  const s3 = endpointFor(model, "s3", "Interface");
  const flows: Flow[] = [];
  for (const m of model.models) {
    const sa = modelCacheServiceAccount(m);
    const r = podRole(model, INFERENCE_NAMESPACE, sa);
    const readTitle = `the model cache of ${m} reads its own model prefix through the S3 interface endpoint and decrypts with the models key`;
    if (!r) {
      flows.push(missingFlow(`model-read:${m}`, readTitle, "allow", bucket, `no Pod Identity association gives ${INFERENCE_NAMESPACE}/${sa} a role`));
      continue;
    }
    if (!s3) {
      flows.push(missingFlow(`model-read:${m}`, readTitle, "allow", bucket, "the stack declares no S3 interface endpoint"));
      continue;
    }
    const read = (prefix: string, label: string, through = s3): AccessRequest[] => [
      { label: `ListObjectsV2 ${prefix} (${label})`, principal: role(r), action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": prefix }, through },
      { label: `GetObject ${prefix}model.sig (${label})`, principal: role(r), action: "s3:GetObject", resource: `${bucket}/${prefix}model.sig`, through },
    ];
    flows.push({
      id: `model-read:${m}`,
      title: readTitle,
      expect: "allow",
      resource: bucket,
      requests: [
        ...podIdentityAssume(model, r, INFERENCE_NAMESPACE, sa),
        ...read(modelPrefix(m), "own prefix"),
        { label: "Decrypt through S3", principal: role(r), action: "kms:Decrypt", resource: key, context: viaS3(model, bucket) },
      ],
    });
    const others = model.models.filter((o) => o !== m);
    const foreign = others.length > 0 ? others : ["a-model-not-in-this-stack"];
    flows.push({
      id: `model-read-other-prefix:${m}`,
      title: `the model cache of ${m} reads another model's prefix`,
      expect: "deny",
      resource: bucket,
      requests: foreign.flatMap((o) => read(modelPrefix(o), `prefix of ${o}`)),
    });
    flows.push({
      id: `model-read-outside-endpoint:${m}`,
      title: `the vLLM role of ${m} reads its own prefix from outside the VPC endpoint (stolen credentials)`,
      expect: "deny",
      resource: bucket,
      requests: [{ label: `GetObject ${modelPrefix(m)}model.sig without the endpoint`, principal: role(r), action: "s3:GetObject", resource: `${bucket}/${modelPrefix(m)}model.sig` }],
    });
  }
  return flows;
}

function outsideEndpointFlows(model: AccessModel): Flow[] {
  const bucket = model.modelBucket.arn;
  const object = `${bucket}/${modelPrefix(model.models[0] ?? "example-model")}model.sig`;
  const readers = [
    ...model.readOnlyRoleArns.map((arn) => external(arn, `read-only ${roleName(arn)}`)),
    external(`arn:${model.partition}:iam::${model.accountId}:role/any-other-role`, "any other role of the account (with AdministratorAccess)"),
  ];
  return [
    {
      id: "model-store-outside-endpoint",
      title: "a principal other than the admins reads the model store from outside the VPC endpoint",
      expect: "deny",
      resource: bucket,
      requests: readers.flatMap((p) => [
        { label: `GetObject by ${p.kind === "external" ? p.label : ""}`, principal: p, action: "s3:GetObject", resource: object },
        { label: `ListObjectsV2 by ${p.kind === "external" ? p.label : ""}`, principal: p, action: "s3:ListBucket", resource: bucket, context: { "s3:prefix": "models/" } },
      ]),
    },
  ];
}

function auditFlows(model: AccessModel): Flow[] {
  const archive = model.auditBucket.arn;
  const key = model.keys.audit;
  const trail = model.trailArn;
  const ct = service("cloudtrail.amazonaws.com");
  const source = { "aws:SourceArn": trail, "aws:SourceAccount": model.accountId };
  // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-s3-bucket-policy-for-cloudtrail.html
  // https://docs.aws.amazon.com/awscloudtrail/latest/userguide/create-kms-key-policy-for-cloudtrail.html
  const object = `${archive}/AWSLogs/${model.accountId}/CloudTrail/${model.region}/2026/01/01/${model.accountId}_CloudTrail_${model.region}_20260101T0000Z_example.json.gz`;
  const flows: Flow[] = [
    {
      id: "cloudtrail-writes-archive",
      title: "CloudTrail writes the trail to the archive bucket, encrypted with the audit key",
      expect: "allow",
      resource: archive,
      requests: [
        { label: "GetBucketAcl", principal: ct, action: "s3:GetBucketAcl", resource: archive, context: source },
        { label: "DescribeKey", principal: ct, action: "kms:DescribeKey", resource: key, context: source },
        { label: "GenerateDataKey for a log file", principal: ct, action: "kms:GenerateDataKey", resource: key, context: { ...source, "kms:EncryptionContext:aws:cloudtrail:arn": trail } },
        {
          label: "PutObject of a log file",
          principal: ct,
          action: "s3:PutObject",
          resource: object,
          context: { ...source, "s3:x-amz-acl": "bucket-owner-full-control", "s3:x-amz-server-side-encryption": "aws:kms", "s3:x-amz-server-side-encryption-aws-kms-key-id": key },
        },
      ],
    },
  ];
  for (const admin of model.adminRoleArns) {
    const p = external(admin, `admin ${roleName(admin)}`);
    flows.push({
      id: `admin-decrypts-audit:${roleName(admin)}`,
      title: `admin ${roleName(admin)} decrypts the audit trail`,
      expect: "deny",
      resource: key,
      requests: [
        { label: "Decrypt a trail log file", principal: p, action: "kms:Decrypt", resource: key, context: { "kms:EncryptionContext:aws:cloudtrail:arn": trail } },
        { label: "Decrypt through S3 (GetObject of the archive)", principal: p, action: "kms:Decrypt", resource: key, context: { ...viaS3(model, archive), "kms:EncryptionContext:aws:cloudtrail:arn": trail } },
      ],
    });
  }
  return flows;
}

function logGroupFlows(model: AccessModel): Flow[] {
  const logs = service(`logs.${model.region}.amazonaws.com`);
  // https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
  return model.logGroups.map((g) => ({
    id: `log-group-encrypts:${g.name}`,
    title: `CloudWatch Logs encrypts log group ${g.name} with its key`,
    expect: "allow" as const,
    resource: g.kmsKeyId,
    requests: ["kms:GenerateDataKey", "kms:Decrypt"].map((action) => ({
      label: action,
      principal: logs,
      action,
      resource: g.kmsKeyId,
      context: { "kms:EncryptionContext:aws:logs:arn": g.arn, "aws:SourceAccount": model.accountId },
    })),
  }));
}

/** An Auto Scaling group ARN of an EKS managed node group (EKS names groups `eks-<node group>-<uuid>`). */
function asgArn(model: AccessModel, name: string): string {
  return `arn:${model.partition}:autoscaling:${model.region}:${model.accountId}:autoScalingGroup:6f1a3c9e-2b4d-4e8f-9a1b-3c5d7e9f1a2b:autoScalingGroupName/eks-${name}-6f1a3c9e-2b4d-4e8f-9a1b-3c5d7e9f1a2b`;
}

function autoscalerFlows(model: AccessModel): Flow[] {
  const r = podRole(model, AUTOSCALER_NAMESPACE, AUTOSCALER_NAME);
  const title = "the Cluster Autoscaler resizes this cluster's node groups";
  if (!r) return [missingFlow("autoscaler-resizes", title, "allow", model.clusterArn, `no Pod Identity association gives ${AUTOSCALER_NAMESPACE}/${AUTOSCALER_NAME} a role`)];
  const autoscaling = endpointFor(model, "autoscaling");
  const eks = endpointFor(model, "eks");
  const resize = (group: string, cluster: string, suffix: string): AccessRequest[] =>
    ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"].map((action) => ({
      label: `${action.split(":")[1]} ${suffix}`,
      principal: role(r),
      action,
      resource: asgArn(model, group),
      context: { "aws:ResourceTag/eks:cluster-name": cluster, "autoscaling:ResourceTag/eks:cluster-name": cluster },
      through: autoscaling,
    }));
  return [
    {
      id: "autoscaler-resizes",
      title,
      expect: "allow",
      resource: model.clusterArn,
      requests: [
        ...podIdentityAssume(model, r, AUTOSCALER_NAMESPACE, AUTOSCALER_NAME),
        { label: "DescribeAutoScalingGroups", principal: role(r), action: "autoscaling:DescribeAutoScalingGroups", resource: "*", through: autoscaling },
        ...model.nodeGroupArns.map((ng) => ({ label: `DescribeNodegroup ${ng.split("/")[2]}`, principal: role(r), action: "eks:DescribeNodegroup", resource: ng, through: eks })),
        ...resize("gpu", model.clusterName, "of a node group of this cluster"),
      ],
    },
    {
      id: "autoscaler-resizes-other-cluster",
      title: "the Cluster Autoscaler resizes a node group of another cluster",
      expect: "deny",
      resource: model.clusterArn,
      requests: resize("other", `${model.clusterName}-other`, "of another cluster's node group"),
    },
  ];
}

/** The key whose policy lets `roleArn` use it through AWS Backup: the backup vault's key. */
function vaultKeyOf(model: AccessModel, roleArn: string): string | undefined {
  for (const [arn, doc] of model.keyPolicies) {
    const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
    if (statements.some((st) => JSON.stringify(st.Principal ?? "").includes(roleArn) && JSON.stringify(st.Condition ?? "").includes(`backup.${model.region}.amazonaws.com`))) return arn;
  }
  return undefined;
}

/**
 * AWS Backup's role (DataBackup): it reads the records into the vault, and nothing else. Its
 * reads of the archive are S3 requests the role makes through AWS Backup; its use of the vault's
 * key is AWS Backup's own (kms:ViaService backup).
 * https://docs.aws.amazon.com/aws-backup/latest/devguide/s3-backups.html
 */
function backupFlows(model: AccessModel): Flow[] {
  const r = model.roles.find((x) => JSON.stringify(x.trust ?? {}).includes("backup.amazonaws.com"));
  const archive = model.auditBucket.arn;
  const title = "AWS Backup reads the CloudTrail archive and writes its recovery point, encrypted with the vault's own key";
  if (!r) return [missingFlow("backup-copies-records", title, "allow", archive, "the program declares no role AWS Backup assumes")];
  const vaultKey = vaultKeyOf(model, r.arn);
  if (!vaultKey) return [missingFlow("backup-copies-records", title, "allow", archive, `no key policy lets ${r.logicalName} use a key through AWS Backup in ${model.region}`)];
  const object = `${archive}/AWSLogs/${model.accountId}/CloudTrail/${model.region}/2026/01/01/${model.accountId}_CloudTrail_${model.region}_20260101T0000Z_example.json.gz`;
  const viaBackup = { "kms:ViaService": `backup.${model.region}.amazonaws.com`, "kms:CallerAccount": model.accountId };
  const models = model.modelBucket.arn;
  const weights = `${models}/${modelPrefix(model.models[0] ?? "example-model")}model-00001-of-00002.safetensors`;
  return [
    {
      id: "backup-copies-records",
      title,
      expect: "allow",
      resource: archive,
      requests: [
        { label: "AWS Backup assumes the role", principal: service("backup.amazonaws.com"), action: "sts:AssumeRole", resource: r.arn },
        { label: "ListBucketVersions of the archive", principal: role(r), action: "s3:ListBucketVersions", resource: archive },
        { label: "GetObjectVersion of a log file", principal: role(r), action: "s3:GetObjectVersion", resource: object },
        { label: "Decrypt the log file through S3 with the audit key", principal: role(r), action: "kms:Decrypt", resource: model.keys.audit, context: viaS3(model, object) },
        { label: "GenerateDataKey of the vault's key for the recovery point", principal: role(r), action: "kms:GenerateDataKey", resource: vaultKey, context: viaBackup },
      ],
    },
    {
      id: "backup-reads-other-data",
      title: "the backup role reads the model store, or decrypts with another key of the stack",
      expect: "deny",
      resource: models,
      requests: [
        { label: "GetObject of model weights", principal: role(r), action: "s3:GetObject", resource: weights },
        { label: "ListBucket of the model store", principal: role(r), action: "s3:ListBucket", resource: models },
        ...Object.entries(model.keys)
          .filter(([purpose]) => purpose !== "audit")
          .map(([purpose, key]) => ({ label: `Decrypt through S3 with the ${purpose} key`, principal: role(r), action: "kms:Decrypt", resource: key, context: viaS3(model, models) })),
      ],
    },
    {
      id: "backup-changes-records",
      title: "the backup role deletes or overwrites the records it copies",
      expect: "deny",
      resource: archive,
      requests: [
        { label: "DeleteObjectVersion of a log file", principal: role(r), action: "s3:DeleteObjectVersion", resource: object },
        { label: "PutObject over a log file", principal: role(r), action: "s3:PutObject", resource: object },
      ],
    },
  ];
}

function foreignAccountFlows(model: AccessModel): Flow[] {
  const other = foreignAccount(model);
  const p = external(`arn:${model.partition}:iam::${other}:role/any-role`, `a role of account ${other} (with AdministratorAccess)`);
  const bucket = model.modelBucket.arn;
  const s3 = endpointFor(model, "s3", "Interface");
  const object = `${bucket}/${modelPrefix(model.models[0] ?? "example-model")}model.sig`;
  const requests: AccessRequest[] = [
    { label: "GetObject of the weights from outside", principal: p, action: "s3:GetObject", resource: object, resourceAccount: model.accountId },
    ...(s3 ? [{ label: "GetObject of the weights through this VPC's endpoint", principal: p, action: "s3:GetObject", resource: object, resourceAccount: model.accountId, through: s3 }] : []),
    ...Object.entries(model.keys).map(([purpose, key]) => ({ label: `Decrypt with the ${purpose} key`, principal: p, action: "kms:Decrypt", resource: key })),
    ...model.roles.filter((r) => r.trust).map((r) => ({ label: `AssumeRole ${r.logicalName}`, principal: p, action: "sts:AssumeRole", resource: r.arn })),
  ];
  return [{ id: "foreign-account", title: `a role in another account (${other}) reads the weights, uses a key or assumes a platform role`, expect: "deny", resource: `account ${model.accountId}`, requests }];
}

/** Every flow of the matrix for this stack, in a fixed order. */
export function accessFlows(model: AccessModel): Flow[] {
  return [...publishFlows(model), ...modelReadFlows(model), ...outsideEndpointFlows(model), ...auditFlows(model), ...logGroupFlows(model), ...autoscalerFlows(model), ...backupFlows(model), ...foreignAccountFlows(model)];
}
