import type { Control } from "./types";
import { label, nodesOf, ofType, refersTo, str } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const VPC = "aws:ec2/vpc:Vpc";
const FLOW_LOG = "aws:ec2/flowLog:FlowLog";

export const ec2VpcFlowLogs: Control = {
  policy: {
    name: "sovereign-llm-ec2-vpc-flow-logs",
    description: "Every VPC has a flow log capturing ALL traffic (accepted and rejected), the network record an investigation starts from.",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
      const all = nodesOf(args);
      const logs = ofType(all, FLOW_LOG);
      const undecided = new Undecided();
      for (const vpc of ofType(all, VPC)) {
        let unsure = false;
        let found: string | undefined;
        let complete = false;
        for (const log of logs) {
          const link = refersTo(log, "vpcId", vpc, [vpc.props.id, vpc.name]);
          if (link === "unknown") unsure = true;
          if (link !== "yes") continue;
          const traffic = str(log.props.trafficType);
          if (isUnknown(traffic)) unsure = true;
          else if (traffic === "ALL") complete = true;
          else found = traffic;
        }
        if (complete) continue;
        if (unsure) undecided.note(`${label(vpc)}: flow log link or traffic type unknown`);
        else if (found) report(`VPC "${vpc.name}": its flow log captures only ${found} traffic; set trafficType ALL`, vpc.urn);
        else report(`VPC "${vpc.name}" has no flow log`, vpc.urn);
      }
      undecided.finish();
    },
  },
  severity: "high",
  remediation: "Declare aws.ec2.FlowLog with vpcId = the VPC, trafficType: \"ALL\", delivering to an encrypted CloudWatch log group (IsolatedVpc does this).",
  frameworks: {
    hipaa: [HIPAA.auditControls, HIPAA.activityReview, HIPAA.authorizationSupervision, HIPAA.incidentResponse],
    gdpr: [GDPR.confidentialityResilience],
    soc2: [SOC2.monitoring],
    // IR-4: who talked to whom, the record an incident analysis scopes a compromise with.
    "fedramp-moderate": ["AU-2", "AU-12", "SI-4", "CA-7", "AU-3", "IR-4"],
  },
  references: ["AWS Config: vpc-flow-logs-enabled (HIPAA Security, FedRAMP Moderate, NIST 800-53 rev 5)", "cdk-nag: HIPAA.Security-VPCFlowLogsEnabled", "cdk-nag: NIST.800.53.R5-VPCFlowLogsEnabled"],
  resourceTypes: [VPC, FLOW_LOG],
};
