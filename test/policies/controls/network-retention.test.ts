import { test } from "node:test";
import assert from "node:assert/strict";
import { runControl, messages, UNKNOWN, urnOf, withProps, type Fixture } from "../harness";
import { T, TAGS } from "./fixtures";
import { logsRetentionNetworkMaximum } from "../../../policy-packs/controls/logs-retention-network-maximum";

const group = (name: string, retentionInDays: unknown): Fixture => ({ type: T.logGroup, name, props: { name: `/p/${name}`, retentionInDays, tags: { ...TAGS, "log-class": "audit" } } });
const flowLog = (deps = true): Fixture => ({
  type: T.flowLog,
  name: "fl",
  props: { vpcId: "vpc-1", trafficType: "ALL", logDestination: deps ? UNKNOWN : "arn:aws:logs:eu-central-1:111122223333:log-group:/p/flows" },
  propertyDependencies: deps ? { logDestination: [urnOf(T.logGroup, "flows")] } : {},
});
const firewallLogging: Fixture = {
  type: "aws:networkfirewall/loggingConfiguration:LoggingConfiguration",
  name: "fw",
  props: { firewallArn: UNKNOWN, loggingConfiguration: { logDestinationConfigs: [{ logType: "FLOW", logDestinationType: "CloudWatchLogs", logDestination: { logGroup: "/p/fw-flow" } }] } },
};

test("network log retention: flow, firewall and DNS query groups within the maximum pass; longer or forever fire; other audit groups are not this control's concern", async () => {
  const trailGroup = group("cloudtrail", 2192);
  assert.deepEqual(messages(await runControl(logsRetentionNetworkMaximum, [group("flows", 365), group("fw-flow", 180), trailGroup, flowLog(), firewallLogging])), []);
  assert.deepEqual(messages(await runControl(logsRetentionNetworkMaximum, [group("flows", 2192), flowLog()])), ['log group "flows" keeps VPC flow logs (IP addresses) 2192 days; the maximum is 365']);
  assert.deepEqual(messages(await runControl(logsRetentionNetworkMaximum, [group("flows", 2192), flowLog(false)])), ['log group "flows" keeps VPC flow logs (IP addresses) 2192 days; the maximum is 365']);
  assert.match(messages(await runControl(logsRetentionNetworkMaximum, [group("fw-flow", undefined), firewallLogging]))[0]!, /holds Network Firewall logs \(IP addresses\) and never expires/);
  const dns: Fixture = { type: "aws:route53/resolverQueryLogConfig:ResolverQueryLogConfig", name: "q", props: { destinationArn: "arn:aws:logs:eu-central-1:111122223333:log-group:/p/dns" } };
  assert.equal(messages(await runControl(logsRetentionNetworkMaximum, [group("dns", 400), dns])).length, 1);
  assert.deepEqual(messages(await runControl(logsRetentionNetworkMaximum, [group("dns", 400), dns], { maximumDays: 400 })), []);
  const u = await runControl(logsRetentionNetworkMaximum, [group("flows", UNKNOWN), flowLog()]);
  assert.deepEqual(u.violations, []);
  assert.equal(u.advisories.length, 1);
  assert.deepEqual(messages(await runControl(logsRetentionNetworkMaximum, [withProps(group("flows", 3653), {}), trailGroup])), []);
});
