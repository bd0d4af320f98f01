import type { Control } from "./types";
import { configOf, propsOf, tagsOf } from "./lib/resources";
import { isUnknown, Undecided } from "./lib/unknown";
import { GDPR, HIPAA, SOC2 } from "./lib/refs";

const DEFAULTS = { requiredTags: ["project", "stack", "environment", "data-classification", "owner"] };

/**
 * AWS types the platform declares (now or in open issues) that accept tags. Any other `aws:`
 * resource that has a `tags` input is checked too.
 */
export const TAGGABLE = [
  "aws:ec2/vpc:Vpc",
  "aws:ec2/subnet:Subnet",
  "aws:ec2/routeTable:RouteTable",
  "aws:ec2/securityGroup:SecurityGroup",
  "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup",
  "aws:ec2/vpcEndpoint:VpcEndpoint",
  "aws:ec2/flowLog:FlowLog",
  "aws:ec2/internetGateway:InternetGateway",
  "aws:ec2/natGateway:NatGateway",
  "aws:ec2/eip:Eip",
  "aws:ec2/launchTemplate:LaunchTemplate",
  "aws:kms/key:Key",
  "aws:s3/bucket:Bucket",
  "aws:cloudwatch/logGroup:LogGroup",
  "aws:cloudwatch/metricAlarm:MetricAlarm",
  "aws:cloudtrail/trail:Trail",
  "aws:iam/role:Role",
  "aws:iam/policy:Policy",
  "aws:sns/topic:Topic",
  "aws:eks/cluster:Cluster",
  "aws:eks/nodeGroup:NodeGroup",
  "aws:networkfirewall/firewall:Firewall",
  "aws:networkfirewall/firewallPolicy:FirewallPolicy",
  "aws:networkfirewall/ruleGroup:RuleGroup",
];

export const tagsRequired: Control = {
  policy: {
    name: "sovereign-llm-tags-required",
    description:
      "Every taggable AWS resource carries the base tags (project, stack, environment, data-classification, owner), so an inventory can say what each resource holds and who answers for it.",
    enforcementLevel: "mandatory",
    configSchema: { properties: { requiredTags: { type: "array", items: { type: "string" }, default: DEFAULTS.requiredTags } } },
    validateResource: (args, report) => {
      if (!args.type.startsWith("aws:")) return;
      const p = propsOf(args);
      if (!TAGGABLE.includes(args.type) && !("tags" in p)) return;
      const { requiredTags } = configOf(args, DEFAULTS);
      const tags = tagsOf(p);
      const undecided = new Undecided();
      if (isUnknown(tags)) undecided.note("tags unknown");
      else {
        const missing = requiredTags.filter((k) => {
          const v = tags?.[k];
          if (isUnknown(v)) {
            undecided.note(`tag ${k} unknown`);
            return false;
          }
          return typeof v !== "string" || v.trim() === "";
        });
        if (missing.length > 0) report(`missing required tag(s): ${missing.join(", ")}`);
      }
      undecided.finish();
    },
  },
  severity: "low",
  remediation: "Merge the base tags (components/tags.ts) into the resource's tags.",
  frameworks: {
    hipaa: [HIPAA.riskManagement],
    gdpr: [GDPR.records, GDPR.accountability],
    soc2: [SOC2.configMonitoring],
    "fedramp-moderate": ["CM-8", "CM-2"],
  },
  references: ["AWS Config: required-tags"],
  resourceTypes: TAGGABLE,
};
