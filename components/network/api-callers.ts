/**
 * Who inside the VPC calls which AWS API. Pure data: declares nothing.
 *
 * In a stack without an internet path, an AWS API is reachable only through a VPC endpoint of
 * its service, so the endpoint set is derived from this table rather than listed by hand: a
 * workload that starts calling a new service is added here, and the VPC gains the endpoint.
 * The EKS private-cluster guide lists the endpoints a cluster without outbound access needs
 * (ec2, ecr.api, ecr.dkr, s3, sts, logs, autoscaling for the Cluster Autoscaler, eks-auth for
 * Pod Identity): https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html
 *
 * Nothing inside the VPC calls KMS itself, so no stack has a `kms` endpoint: S3 decrypts model
 * objects with the models key on the reader's behalf (kms:ViaService), CloudWatch Logs encrypts
 * with the logs key, EC2 decrypts node volumes through the Auto Scaling service-linked role's
 * grant, ECR decrypts image layers through its own grant, and the EKS control plane (outside
 * this VPC) uses the cluster key for Secrets. Deploys run outside the VPC (an admin's
 * workstation or CI, through a Session Manager port forward for the Kubernetes API), so Pulumi's
 * state and secrets key are never called from here either. A caller that starts calling KMS
 * directly is added here with its reason, and the VPC gains the endpoint.
 *
 * Services are named by the endpoint service suffix (`com.amazonaws.<region>.<service>`).
 * `actionPrefixes` are the IAM prefixes a caller's policies use for that service, so tests can
 * check every action a program-declared policy grants an in-VPC caller against this table.
 */

/** Endpoint service suffix → IAM action prefix(es) of the API behind it. */
export const SERVICE_ACTION_PREFIXES: Record<string, readonly string[]> = {
  autoscaling: ["autoscaling"],
  ec2: ["ec2"],
  ec2messages: ["ec2messages"],
  "ecr.api": ["ecr"],
  "ecr.dkr": ["ecr"],
  eks: ["eks"],
  "eks-auth": ["eks-auth"],
  kms: ["kms"],
  logs: ["logs"],
  s3: ["s3"],
  ssm: ["ssm"],
  ssmmessages: ["ssmmessages"],
  sts: ["sts"],
};

export interface ApiCaller {
  /** What runs and where (node, pod). */
  description: string;
  /** Endpoint services it calls. */
  services: readonly string[];
  /** Why, with the source when the need is not obvious. */
  why: string;
}

/**
 * The platform's callers. Extend an entry (or add one) when code starts calling a service from
 * inside the VPC; the no-egress stacks then get its endpoint and the tests check its policy.
 */
export const API_CALLERS = {
  nodes: {
    description: "kubelet and container runtime of every node (Bottlerocket)",
    services: ["ec2", "ecr.api", "ecr.dkr", "s3"],
    why: "nodes describe themselves at registration and pull images from ECR; ECR serves layers from S3 (https://docs.aws.amazon.com/AmazonECR/latest/userguide/vpc-endpoints.html)",
  },
  nodeSessions: {
    description: "SSM agent of the Bottlerocket control container (AmazonSSMManagedInstanceCore on the node role)",
    services: ["ssm", "ssmmessages", "ec2messages"],
    why: "operators reach nodes through Session Manager, never SSH (https://docs.aws.amazon.com/systems-manager/latest/userguide/setup-create-vpc.html)",
  },
  vpcCni: {
    description: "VPC CNI (aws-node) pods",
    services: ["ec2"],
    why: "assigns pod addresses and ENIs (AmazonEKS_CNI_Policy)",
  },
  podIdentityAgent: {
    description: "EKS Pod Identity agent on every node",
    services: ["eks-auth"],
    why: "exchanges service-account tokens for role credentials (eks-auth:AssumeRoleForPodIdentity)",
  },
  clusterAutoscaler: {
    description: "Cluster Autoscaler pod",
    services: ["autoscaling", "ec2", "eks", "sts"],
    why: "reads and resizes Auto Scaling groups, reads launch templates and instance types, reads managed node groups to scale from zero (https://github.com/kubernetes/autoscaler/blob/master/cluster-autoscaler/cloudprovider/aws/README.md)",
  },
  modelCache: {
    description: "model cache DaemonSet pod of each model on its GPU nodes (the vLLM pods call no AWS API: they copy from their node's cache)",
    services: ["s3"],
    why: "downloads the model's prefix from the model store (ranged GETs, verified as it arrives) and re-reads its signature every few minutes; S3 decrypts with the models key on the caller's behalf (kms:ViaService), so the cache calls no KMS API",
  },
  logShipper: {
    description: "log shipper sidecar of the guardrail gateway",
    services: ["logs"],
    why: "writes audit (and, when enabled, content) lines to CloudWatch Logs",
  },
} as const satisfies Record<string, ApiCaller>;

export type CallerId = keyof typeof API_CALLERS;

/** Interface-endpoint services the callers need, sorted. S3 is included (it has a gateway and an interface endpoint). */
export function calledServices(callers: Record<string, ApiCaller> = API_CALLERS): string[] {
  return [...new Set(Object.values(callers).flatMap((c) => c.services))].sort();
}

/** The endpoint service whose API an IAM action calls (`autoscaling:SetDesiredCapacity` → autoscaling), or undefined. */
export function servicesOfAction(action: string): string[] {
  const prefix = action.split(":")[0].toLowerCase();
  return Object.entries(SERVICE_ACTION_PREFIXES)
    .filter(([, prefixes]) => prefixes.includes(prefix))
    .map(([service]) => service);
}
