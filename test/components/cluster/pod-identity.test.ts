/** Pod Identity roles of every committed stack: each trusts only its own cluster, namespace and service account. */
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { plain, type Registration, type SynthResult } from "../../../tools/check/synth.js";
import { STACKS, ofType, synthesizeCommitted, type StackName } from "../../helpers/stacks.js";

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any
let results: Record<StackName, SynthResult>;
before(async () => {
  results = await synthesizeCommitted({ preview: false });
});
const inputs = (r: Registration): Json => plain(r.inputs);

for (const stack of STACKS) {
  describe(`Pod Identity trust: ${stack}`, () => {
    it("every role EKS Pod Identity may assume names the cluster, namespace and service account of its association", () => {
      const r = results[stack];
      const [cluster] = ofType(r, "aws:eks/cluster:Cluster");
      const clusterArn = plain(cluster.outputs.arn) as string;
      const roles = ofType(r, "aws:iam/role:Role").filter((role) => inputs(role).assumeRolePolicy.includes("pods.eks.amazonaws.com"));
      // Associations: explicit resources plus the one the VPC CNI add-on declares.
      const associations: { roleArn: string; namespace: string; serviceAccount: string }[] = [
        ...ofType(r, "aws:eks/podIdentityAssociation:PodIdentityAssociation").map(inputs),
        ...ofType(r, "aws:eks/addon:Addon").flatMap((a) => (inputs(a).podIdentityAssociations ?? []).map((p: Json) => ({ ...p, namespace: "kube-system" }))),
      ];
      assert.ok(roles.length >= 4, "CNI, autoscaler, at least one model, log shipper");
      for (const role of roles) {
        const arn = plain(role.outputs.arn);
        const mine = associations.filter((a) => a.roleArn === arn);
        assert.equal(mine.length, 1, `${role.name} is used by exactly one association`);
        const [statement] = JSON.parse(inputs(role).assumeRolePolicy).Statement;
        assert.deepEqual(statement.Principal, { Service: "pods.eks.amazonaws.com" });
        const tags = statement.Condition.StringEquals;
        assert.equal(tags["aws:RequestTag/eks-cluster-arn"], clusterArn, `${role.name}: this cluster only`);
        assert.equal(tags["aws:RequestTag/kubernetes-namespace"], mine[0].namespace, `${role.name}: its namespace only`);
        assert.equal(tags["aws:RequestTag/kubernetes-service-account"], mine[0].serviceAccount, `${role.name}: its service account only`);
        assert.match(tags["aws:SourceAccount"], /^\d{12}$/);
      }
    });
  });
}
