/** Reasons shared by several rule sets' tables, worded once. */
export const R = {
  accountIdentity:
    "Account-level identity (root user, IAM users, their passwords, keys and MFA, organisation membership) belongs to the organisation's landing zone, not to a workload stack: the platform declares no IAM users or access keys, and people reach it through federated roles named in access.adminRoleArns and readOnlyRoleArns.",
  nodesStateless:
    "Nodes are stateless and replaced from their launch template by the EKS managed node group; nothing on a node volume needs restoring (model weights come from the versioned, Object-Locked model store).",
  nodesByEks: "EKS managed node groups launch and replace the instances from the platform's launch templates; the launch-template and node-group controls check what the instances get.",
  noSnapshots: "The platform takes no EBS or database snapshots.",
  nlbPassThrough:
    "The gateway's internal Network Load Balancer, created from its Kubernetes Service by EKS, forwards TCP: the gateway terminates mutual TLS itself, so the load balancer carries no certificate and has no HTTP listener.",
  nlbOwnedByService: "The load balancer is owned by the gateway's Kubernetes Service and recreated with it; it holds no data and is internal only (sovereign-llm-k8s-service-not-exposed).",
  noServerAccessLogs:
    "S3 server access logs can only be delivered to a bucket without SSE-KMS, which the platform does not allow; object-level access is recorded by CloudTrail data events instead: on the model store (sovereign-llm-cloudtrail-s3-data-events) and on the audit archive itself, its reads and deletions (sovereign-llm-cloudtrail-audit-archive-access).",
} as const;
