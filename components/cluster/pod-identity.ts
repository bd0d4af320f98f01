/**
 * EKS Pod Identity building blocks shared by every workload that holds AWS credentials. Pure:
 * creates no resources.
 */
import type { PolicyDocument } from "../keys/key-policies";

/**
 * The EKS Pod Identity agent serves credentials on this link-local address (port 80) of every
 * node; the AWS SDKs find it through AWS_CONTAINER_CREDENTIALS_FULL_URI, which EKS injects.
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html
 */
export const POD_IDENTITY_AGENT_CIDR = "169.254.170.23/32";

/**
 * Pod annotation naming containers the Pod Identity webhook must leave alone: they get neither
 * the credential environment nor the token volume. The webhook honours it for Pod Identity
 * (container credentials) as for IRSA: getContainersToSkip in
 * https://github.com/aws/amazon-eks-pod-identity-webhook/blob/master/pkg/handler/handler.go
 * (test case pkg/handler/testdata/containercredentials/rawPodSkip.pod.yaml).
 */
export const SKIP_CREDENTIALS_ANNOTATION = "eks.amazonaws.com/skip-containers";

export interface PodIdentityScope {
  accountId: string;
  /** ARN of the cluster whose associations may assume the role. */
  clusterArn: string;
  namespace: string;
  serviceAccount: string;
}

/** `arn:aws:eks:eu-central-1:111122223333:cluster/name`. */
export function clusterArnOf(partition: string, region: string, accountId: string, clusterName: string): string {
  return `arn:${partition}:eks:${region}:${accountId}:cluster/${clusterName}`;
}

/**
 * Trust policy of a Pod Identity role: only the EKS Pod Identity service, only for this account
 * (confused-deputy guard), and only when the session tags EKS sets say the request comes from this
 * cluster, namespace and service account. Without the tag conditions any Pod Identity association
 * in the account, on any cluster, could be pointed at the role.
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-role.html
 * https://docs.aws.amazon.com/eks/latest/userguide/pod-id-abac.html
 */
export function podIdentityTrustPolicy(scope: PodIdentityScope): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "EksPodIdentityForOneServiceAccount",
        Effect: "Allow",
        Principal: { Service: "pods.eks.amazonaws.com" },
        Action: ["sts:AssumeRole", "sts:TagSession"],
        Condition: {
          StringEquals: {
            "aws:SourceAccount": scope.accountId,
            "aws:RequestTag/eks-cluster-arn": scope.clusterArn,
            "aws:RequestTag/kubernetes-namespace": scope.namespace,
            "aws:RequestTag/kubernetes-service-account": scope.serviceAccount,
          },
        },
      },
    ],
  };
}
