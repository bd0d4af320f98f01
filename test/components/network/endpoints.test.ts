/**
 * Every AWS API the platform's nodes and workloads call is reachable in a stack without an
 * internet path: from the table of callers, and, independently, from the IAM policies the program
 * grants to callers inside the VPC (node and Pod Identity roles), so a new call cannot ship
 * without its endpoint even when the table is not updated.
 */
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { STACKS, synthesizeCommitted, ofType, policyOf, list, settingsOf, type PolicyDoc } from "../../helpers/stacks.js";
import { API_CALLERS, calledServices, servicesOfAction, SERVICE_ACTION_PREFIXES } from "../../../components/network/api-callers.js";
import { INTERFACE_ENDPOINTS } from "../../../components/network/endpoint-policies.js";
import type { Registration, SynthResult } from "../../../tools/check/synth.js";
import { MANAGED_POLICY_PREFIXES } from "../../../tools/check/access/endpoints.js";

const synth = synthesizeCommitted({ preview: false });


/** Principals whose calls start inside the VPC: nodes (EC2) and pods (EKS Pod Identity). */
const IN_VPC_PRINCIPALS = ["ec2.amazonaws.com", "pods.eks.amazonaws.com"];

function endpointsOf(result: SynthResult, region: string): Map<string, Registration[]> {
  const out = new Map<string, Registration[]>();
  for (const e of ofType(result, "aws:ec2/vpcEndpoint:VpcEndpoint")) {
    const service = String(e.inputs.serviceName).replace(`com.amazonaws.${region}.`, "");
    out.set(service, [...(out.get(service) ?? []), e]);
  }
  return out;
}

/** Does the endpoint's policy let principals of the account call `prefix` actions? */
function policyAllows(doc: PolicyDoc, prefix: string): boolean {
  return doc.Statement.some((s) => s.Effect === "Allow" && list(s.Action).some((a) => a === "*" || a === `${prefix}:*` || a.toLowerCase().startsWith(`${prefix}:`)));
}

/** The API prefixes each in-VPC role's policies grant, by role name. */
function inVpcGrants(result: SynthResult): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  const roles = ofType(result, "aws:iam/role:Role").filter((r) => {
    const trust = policyOf(r, "assumeRolePolicy");
    return trust.Statement.some((s) => s.Principal !== "*" && list(s.Principal?.Service).some((p) => IN_VPC_PRINCIPALS.includes(p)));
  });
  for (const role of roles) {
    const prefixes = new Set<string>();
    const isRole = (value: unknown) => value === role.outputs.name || value === role.id || value === role.outputs.arn;
    for (const p of ofType(result, "aws:iam/rolePolicy:RolePolicy").filter((p) => isRole(p.inputs.role))) {
      // A grant only for calls S3 makes on the role's behalf (kms:ViaService) is no call from the VPC.
      for (const s of policyOf(p).Statement) if (s.Effect === "Allow" && !JSON.stringify(s.Condition ?? {}).includes("kms:ViaService")) for (const a of list(s.Action)) prefixes.add(a.split(":")[0].toLowerCase());
    }
    for (const a of ofType(result, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").filter((a) => isRole(a.inputs.role))) {
      const name = String(a.inputs.policyArn).split("/").pop()!;
      const known = MANAGED_POLICY_PREFIXES[name];
      assert.ok(known, `${role.name} has managed policy ${name}: add the API prefixes it grants to MANAGED_POLICY_PREFIXES`);
      for (const p of known) prefixes.add(p);
    }
    grants.set(role.name, prefixes);
  }
  return grants;
}

test("every service a caller names has an endpoint policy and an IAM action prefix", () => {
  for (const [caller, spec] of Object.entries(API_CALLERS)) {
    for (const service of spec.services) {
      assert.ok(SERVICE_ACTION_PREFIXES[service], `${caller} calls ${service}, which has no IAM action prefix in SERVICE_ACTION_PREFIXES`);
      if (service !== "s3") assert.ok(INTERFACE_ENDPOINTS[service], `${caller} calls ${service}, which has no endpoint policy in INTERFACE_ENDPOINTS`);
    }
  }
  assert.ok(API_CALLERS.clusterAutoscaler.services.includes("autoscaling"), "the Cluster Autoscaler calls the Auto Scaling API");
  assert.deepEqual(servicesOfAction("autoscaling:SetDesiredCapacity"), ["autoscaling"]);
  assert.deepEqual(servicesOfAction("ecr:BatchGetImage"), ["ecr.api", "ecr.dkr"]);
});

test("nothing inside the VPC calls KMS directly, and every caller of the table runs inside the VPC", () => {
  // Reads of SSE-KMS objects, encrypted log groups, node volumes and image layers are decrypted by
  // S3, CloudWatch Logs, EC2 and ECR on the caller's behalf; deploys run outside the VPC.
  const kmsCallers = Object.entries(API_CALLERS).filter(([, c]) => (c.services as readonly string[]).includes("kms")).map(([id]) => id);
  assert.deepEqual(kmsCallers, []);
  assert.ok(!calledServices().includes("kms"));
  for (const [id, c] of Object.entries(API_CALLERS)) assert.doesNotMatch(`${id} ${c.description}`, /runner|deploy/i, `${id}: deploys run from an admin's workstation or CI, not inside the VPC`);
});

for (const stack of STACKS) {
  describe(`called APIs of ${stack}`, () => {
    test("every API a caller of the table uses has an endpoint whose policy admits it (no-egress stacks), and no endpoint is left without a caller", async () => {
      const result = (await synth)[stack];
      const { cfg, region } = await settingsOf(stack);
      const endpoints = endpointsOf(result, region);
      if (cfg.egress.mode === "none") {
        for (const [caller, spec] of Object.entries(API_CALLERS)) {
          for (const service of spec.services) {
            const found = endpoints.get(service) ?? [];
            assert.ok(found.length > 0, `${stack}: ${caller} calls ${service}, but the VPC has no com.amazonaws.${region}.${service} endpoint`);
            for (const e of found) for (const prefix of SERVICE_ACTION_PREFIXES[service]) assert.ok(policyAllows(policyOf(e), prefix), `${stack}: the ${service} endpoint's policy does not admit ${prefix}:* calls of ${caller}`);
          }
        }
      }
      assert.ok(!endpoints.has("kms"), `${stack}: a kms endpoint, which nothing in the VPC calls`);
      const needed = new Set(calledServices());
      for (const service of endpoints.keys()) assert.ok(needed.has(service), `${stack}: endpoint ${service} has no caller in API_CALLERS (an idle endpoint costs per zone and hour)`);
    });

    test("every API prefix an in-VPC role is granted has an endpoint (no-egress stacks)", async () => {
      const result = (await synth)[stack];
      const { cfg, region } = await settingsOf(stack);
      if (cfg.egress.mode !== "none") return;
      const endpoints = endpointsOf(result, region);
      const grants = inVpcGrants(result);
      assert.ok(grants.size >= 3, "node, autoscaler and pod roles were found");
      for (const [role, prefixes] of grants) {
        for (const prefix of prefixes) {
          const services = Object.entries(SERVICE_ACTION_PREFIXES).filter(([, p]) => p.includes(prefix)).map(([s]) => s);
          assert.ok(services.length > 0, `${stack}: role ${role} is granted ${prefix}:* actions, a service the platform has no endpoint for; add it to API_CALLERS and INTERFACE_ENDPOINTS`);
          assert.ok(services.some((s) => endpoints.has(s)), `${stack}: role ${role} is granted ${prefix}:* actions but the VPC has no endpoint for ${services.join(" or ")}`);
        }
      }
    });
  });
}
