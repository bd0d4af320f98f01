/**
 * Creation order AWS needs but Pulumi cannot infer from data flow: a resource that starts using
 * something as soon as it exists must wait for it explicitly.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { STACKS, synthesizeCommitted, ofType, one, childrenOf } from "../../helpers/stacks.js";

const synth = synthesizeCommitted({ preview: true });

for (const stack of STACKS) {
  describe(`creation order in ${stack}`, () => {
    test("every EKS node group waits for every VPC endpoint (nodes call AWS as they boot)", async () => {
      const result = (await synth)[stack];
      const endpoints = ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint").map((e) => e.urn);
      const groups = ofType(result, "aws:eks/nodeGroup:NodeGroup");
      assert.ok(endpoints.length > 3 && groups.length >= 2);
      for (const g of groups) {
        const missing = endpoints.filter((e) => !g.dependencies.includes(e));
        assert.deepEqual(missing, [], `${g.name} can start before these endpoints exist`);
      }
    });

    test("the trail waits for the archive's Object Lock default retention and encryption", async () => {
      const result = (await synth)[stack];
      const trail = ofType(result, "aws:cloudtrail/trail:Trail")[0];
      const archive = one(result, "aws:s3/bucket:Bucket", "-audit-archive");
      const lock = childrenOf(result, archive, "aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration")[0];
      const sse = childrenOf(result, archive, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration")[0];
      assert.ok(trail.dependencies.includes(lock.urn), "the trail can write files before the archive locks them");
      assert.ok(trail.dependencies.includes(sse.urn), "the trail can write files before the archive's default key is set");
    });

    test("the VPC flow log waits for its delivery role's policy", async () => {
      const result = (await synth)[stack];
      const flowLog = ofType(result, "aws:ec2/flowLog:FlowLog")[0];
      const role = ofType(result, "aws:iam/role:Role").find((r) => r.name.endsWith("-net-flow-logs"))!;
      const policy = childrenOf(result, role, "aws:iam/rolePolicy:RolePolicy")[0];
      assert.ok(flowLog.dependencies.includes(policy.urn), "the flow log can start delivering before its role may write");
    });
  });
}
