import type { Control } from "./types";
import { configOf, label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const VPC = "aws:ec2/vpc:Vpc";
const ENDPOINT = "aws:ec2/vpcEndpoint:VpcEndpoint";
/**
 * The AWS APIs every private cluster of the platform calls: image pulls (ecr.api, ecr.dkr and S3
 * for layers), credentials (sts), logs and the nodes' own bootstrap (ec2). Without an endpoint the
 * call either fails or, where an internet path exists, leaves the VPC. KMS is not among them:
 * nothing in the VPC calls it directly (S3, Logs, EC2 and ECR call it on the caller's behalf), and
 * an endpoint nothing uses is attack surface and cost (components/network/api-callers.ts).
 * https://docs.aws.amazon.com/eks/latest/userguide/private-clusters.html
 */
const DEFAULTS = { requiredServices: ["s3", "ecr.api", "ecr.dkr", "sts", "logs", "ec2"] };

/** The service part of an endpoint's service name: com.amazonaws.<region>.ecr.api → ecr.api. */
function serviceOf(serviceName: string): string {
  const m = /^(?:com\.amazonaws|aws\.api)\.[a-z0-9-]+\.(.+)$/.exec(serviceName);
  return m ? m[1] : serviceName;
}

export const ec2VpcEndpointsRequired: Control = {
  policy: {
    name: "sovereign-llm-ec2-vpc-endpoints-required",
    description:
      "Every VPC has VPC endpoints for the AWS services the platform calls (s3, ecr.api, ecr.dkr, sts, logs, ec2; tunable), so those calls stay on the AWS network and under endpoint policies instead of failing or taking an internet path.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requiredServices: { type: "array", items: { type: "string" }, default: DEFAULTS.requiredServices } } },
    validateStack: (args, report) => {
      const { requiredServices } = configOf(args, DEFAULTS);
      const all = nodesOf(args);
      const endpoints = ofType(all, ENDPOINT);
      const undecided = new Undecided();
      for (const vpc of ofType(all, VPC)) {
        const present = new Set<string>();
        let unsure = false;
        for (const e of endpoints) {
          const link = refersTo(e, "vpcId", vpc, [vpc.props.id]);
          if (link === "unknown") unsure = true;
          if (link !== "yes") continue;
          const name = str(e.props.serviceName);
          if (isUnknown(name)) unsure = true;
          else if (name) present.add(serviceOf(name));
        }
        const absent = requiredServices.filter((s) => !present.has(s));
        if (absent.length === 0) continue;
        if (unsure) undecided.note(`${label(vpc)}: an endpoint's VPC or service name is unknown`);
        else report(`VPC "${vpc.name}" has no VPC endpoint for ${absent.join(", ")}`, vpc.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare the interface (and the S3 gateway) endpoints in the VPC, each with a policy limited to the account's resources; IsolatedVpc declares them all.",
  frameworks: {
    hipaa: [HIPAA.transmissionSecurity, HIPAA.accessControl],
    gdpr: [GDPR.transfers, GDPR.integrityConfidentiality],
    soc2: [SOC2.boundary, SOC2.transmission],
    "fedramp-moderate": ["SC-7", "SC-7(4)", "AC-4"],
  },
  references: ["AWS Config: service-vpc-endpoint-enabled (one rule per service name; the platform requires a list)"],
  resourceTypes: [VPC, ENDPOINT],
};
