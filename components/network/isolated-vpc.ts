import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { zonePlan, planProblem, type ZonePlan } from "./cidr-plan";
import { INTERFACE_ENDPOINTS, interfaceEndpointPolicy, s3GatewayPolicy } from "./endpoint-policies";
import { calledServices } from "./api-callers";
import { encryptedLogGroup, logGroupArn } from "../audit/log-group";
import { azBelongsTo, azIndex, azSuffix } from "../../infra/regions";
import { withName, type Tags } from "../tags";

export interface IsolatedVpcArgs {
  /** IPv4 CIDR of the VPC (RFC 1918, /16 to /22). Required. */
  cidr: string;
  /** Availability zones (2 or 3) of `region`. Required. */
  availabilityZones: string[];
  /** Region of the VPC. Required. */
  region: string;
  /** AWS partition. Default `aws`. */
  partition?: string;
  /** Account that owns the VPC; scopes endpoint policies. Required. */
  accountId: pulumi.Input<string>;
  /** Prefix of workload subnets. Default 19. */
  workloadSubnetPrefix?: number;
  /** `none`: no internet gateway, no NAT, no public subnets. `allowlist`: public subnets with one NAT gateway per zone. Default none. */
  egressMode?: "none" | "allowlist";
  /** EKS cluster name, for the subnet discovery tags of load balancers. Required. */
  clusterName: string;
  /** Customer-managed key of the flow-log group. Required. */
  logsKeyArn: pulumi.Input<string>;
  /** Log-group name prefix, e.g. `/sovereign-llm/prod/`. Required. */
  logGroupPrefix: string;
  /** Flow-log retention, days (a CloudWatch value). Required. */
  flowLogRetentionDays: number;
  /**
   * Interface endpoint services (`autoscaling`, `ecr.api`, ...) besides S3, which always gets a
   * gateway and an interface endpoint. Default: every service `API_CALLERS` names, so each API a
   * workload or node calls is reachable without an internet path.
   */
  interfaceEndpointServices?: string[];
  /** Base tags. Default none. */
  tags?: Tags;
}

/** The subnets, route tables and (in allowlist mode) NAT gateway of one availability zone. */
export interface VpcZone {
  az: string;
  plan: ZonePlan;
  workloadSubnet: aws.ec2.Subnet;
  endpointSubnet: aws.ec2.Subnet;
  firewallSubnet: aws.ec2.Subnet;
  publicSubnet?: aws.ec2.Subnet;
  workloadRouteTable: aws.ec2.RouteTable;
  firewallRouteTable: aws.ec2.RouteTable;
  endpointRouteTable: aws.ec2.RouteTable;
  publicRouteTable?: aws.ec2.RouteTable;
  natGateway?: aws.ec2.NatGateway;
}

/**
 * A VPC with no path to the internet except the one the egress firewall controls: private
 * workload subnets, dedicated firewall and endpoint subnets, AWS services through VPC endpoints
 * with data-perimeter policies, the default security group stripped, and flow logs of all traffic.
 */
export class IsolatedVpc extends pulumi.ComponentResource {
  public readonly vpc: aws.ec2.Vpc;
  public readonly vpcId: pulumi.Output<string>;
  public readonly cidr: string;
  /** Zones by AZ name. */
  public readonly zones: Record<string, VpcZone>;
  public readonly internetGateway?: aws.ec2.InternetGateway;
  public readonly endpointSecurityGroup: aws.ec2.SecurityGroup;
  public readonly s3Endpoint: aws.ec2.VpcEndpoint;
  /** S3 through an interface endpoint, so every in-VPC S3 request goes to addresses inside the VPC CIDR. */
  public readonly s3InterfaceEndpoint: aws.ec2.VpcEndpoint;
  public readonly interfaceEndpoints: Record<string, aws.ec2.VpcEndpoint>;
  public readonly flowLogGroup: aws.cloudwatch.LogGroup;
  public readonly workloadSubnetIds: pulumi.Output<string>[];
  /**
   * Every VPC endpoint of the VPC. Anything that calls AWS from inside the VPC on start (node
   * groups: kubelet registration, image pulls, Pod Identity) depends on these, or it can start
   * before its path to the API exists.
   */
  public readonly endpointsReady: pulumi.Resource[];

  constructor(name: string, args: IsolatedVpcArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:network:IsolatedVpc", name, {}, opts);
    const partition = args.partition ?? "aws";
    const workloadPrefix = args.workloadSubnetPrefix ?? 19;
    const egressMode = args.egressMode ?? "none";
    const tags = args.tags ?? {};
    const endpointServices = [...new Set(args.interfaceEndpointServices ?? calledServices())].filter((svc) => svc !== "s3").sort();

    const problems: string[] = [];
    const unknownServices = endpointServices.filter((svc) => !(svc in INTERFACE_ENDPOINTS));
    if (unknownServices.length > 0) problems.push(`interfaceEndpointServices: no endpoint policy is defined for ${unknownServices.join(", ")}; add it to INTERFACE_ENDPOINTS`);
    if (args.availabilityZones.length < 2 || args.availabilityZones.length > 3) problems.push("availabilityZones: list 2 or 3 zones");
    for (const az of args.availabilityZones) if (!azBelongsTo(az, args.region)) problems.push(`availabilityZones: ${az} is not in ${args.region}`);
    const planIssue = planProblem(args.cidr, workloadPrefix, args.availabilityZones.map(azIndex));
    if (planIssue) problems.push(`cidr: ${planIssue}`);
    if (problems.length > 0) throw new Error(`IsolatedVpc ${name}: ${problems.join("; ")}`);

    this.cidr = args.cidr;
    this.vpc = new aws.ec2.Vpc(
      `${name}-vpc`,
      { cidrBlock: args.cidr, enableDnsHostnames: true, enableDnsSupport: true, instanceTenancy: "default", tags: withName(tags, name) },
      { parent: this },
    );
    this.vpcId = this.vpc.id;
    const vpcOpts = { parent: this.vpc };

    // Adopt the default security group and strip its rules: anything launched without a group
    // gets no traffic at all (CIS AWS 5.4, AWS Config vpc-default-security-group-closed).
    new aws.ec2.DefaultSecurityGroup(`${name}-default-sg`, { vpcId: this.vpc.id, ingress: [], egress: [], tags: withName(tags, `${name}-default-closed`) }, vpcOpts);

    if (egressMode === "allowlist") {
      this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: withName(tags, `${name}-igw`) }, vpcOpts);
    }

    const subnet = (role: string, az: string, cidr: string, extraTags: Tags = {}) =>
      new aws.ec2.Subnet(
        `${name}-${role}-${azSuffix(az)}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: cidr,
          availabilityZone: az,
          mapPublicIpOnLaunch: false,
          assignIpv6AddressOnCreation: false,
          tags: { ...withName(tags, `${name}-${role}-${az}`), tier: role, ...extraTags },
        },
        vpcOpts,
      );
    const routeTable = (role: string, az: string) =>
      new aws.ec2.RouteTable(`${name}-${role}-${azSuffix(az)}`, { vpcId: this.vpc.id, tags: { ...withName(tags, `${name}-${role}-${az}`), tier: role } }, vpcOpts);

    this.zones = {};
    for (const az of args.availabilityZones) {
      const plan = zonePlan(args.cidr, workloadPrefix, azIndex(az));
      const workloadSubnet = subnet("workload", az, plan.workload, {
        "kubernetes.io/role/internal-elb": "1",
        [`kubernetes.io/cluster/${args.clusterName}`]: "shared",
      });
      const endpointSubnet = subnet("endpoints", az, plan.endpoints);
      const firewallSubnet = subnet("firewall", az, plan.firewall);
      const workloadRouteTable = routeTable("workload", az);
      const firewallRouteTable = routeTable("firewall", az);
      const endpointRouteTable = routeTable("endpoints", az);
      new aws.ec2.RouteTableAssociation(`${name}-workload-${azSuffix(az)}`, { subnetId: workloadSubnet.id, routeTableId: workloadRouteTable.id }, { parent: workloadRouteTable });
      new aws.ec2.RouteTableAssociation(`${name}-firewall-${azSuffix(az)}`, { subnetId: firewallSubnet.id, routeTableId: firewallRouteTable.id }, { parent: firewallRouteTable });
      new aws.ec2.RouteTableAssociation(`${name}-endpoints-${azSuffix(az)}`, { subnetId: endpointSubnet.id, routeTableId: endpointRouteTable.id }, { parent: endpointRouteTable });
      const zone: VpcZone = { az, plan, workloadSubnet, endpointSubnet, firewallSubnet, workloadRouteTable, firewallRouteTable, endpointRouteTable };

      if (egressMode === "allowlist" && this.internetGateway) {
        const publicSubnet = subnet("public", az, plan.public);
        const publicRouteTable = routeTable("public", az);
        new aws.ec2.RouteTableAssociation(`${name}-public-${azSuffix(az)}`, { subnetId: publicSubnet.id, routeTableId: publicRouteTable.id }, { parent: publicRouteTable });
        new aws.ec2.Route(`${name}-public-${azSuffix(az)}-default`, { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: this.internetGateway.id }, { parent: publicRouteTable });
        const eip = new aws.ec2.Eip(`${name}-nat-${azSuffix(az)}`, { domain: "vpc", tags: withName(tags, `${name}-nat-${az}`) }, { parent: publicSubnet });
        const natGateway = new aws.ec2.NatGateway(
          `${name}-nat-${azSuffix(az)}`,
          { subnetId: publicSubnet.id, allocationId: eip.id, connectivityType: "public", tags: withName(tags, `${name}-nat-${az}`) },
          { parent: publicSubnet, dependsOn: [this.internetGateway] },
        );
        // Traffic the firewall passed leaves through the NAT gateway of the same zone.
        new aws.ec2.Route(`${name}-firewall-${azSuffix(az)}-default`, { routeTableId: firewallRouteTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }, { parent: firewallRouteTable });
        Object.assign(zone, { publicSubnet, publicRouteTable, natGateway });
      }
      this.zones[az] = zone;
    }
    const zones = Object.values(this.zones);
    this.workloadSubnetIds = zones.map((z) => z.workloadSubnet.id);

    this.endpointSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-endpoints`,
      {
        vpcId: this.vpc.id,
        description: "Interface VPC endpoints: HTTPS from inside the VPC only",
        ingress: [{ protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [args.cidr], description: "HTTPS from the VPC" }],
        egress: [],
        tags: withName(tags, `${name}-endpoints`),
      },
      vpcOpts,
    );

    const accountId = pulumi.output(args.accountId);
    const privateRouteTables = zones.flatMap((z) => [z.workloadRouteTable.id, z.endpointRouteTable.id]);
    this.s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables,
        policy: accountId.apply((id) => JSON.stringify(s3GatewayPolicy(partition, args.region, id))),
        tags: withName(tags, `${name}-s3`),
      },
      vpcOpts,
    );
    // S3 also through an interface endpoint, and private DNS for all in-VPC requests: S3 then
    // resolves to addresses inside the VPC CIDR, so Kubernetes NetworkPolicies (which cannot name
    // the gateway endpoint's prefix list) can allow S3 by allowing the VPC CIDR only.
    // https://docs.aws.amazon.com/AmazonS3/latest/userguide/privatelink-interface-endpoints.html#private-dns
    this.s3InterfaceEndpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3-interface`,
      {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        dnsOptions: { privateDnsOnlyForInboundResolverEndpoint: false },
        subnetIds: zones.map((z) => z.endpointSubnet.id),
        securityGroupIds: [this.endpointSecurityGroup.id],
        policy: accountId.apply((id) => JSON.stringify(s3GatewayPolicy(partition, args.region, id))),
        tags: withName(tags, `${name}-s3-interface`),
      },
      // Private DNS for S3 interface endpoints requires the gateway endpoint to exist first.
      { parent: this.vpc, dependsOn: [this.s3Endpoint] },
    );
    this.interfaceEndpoints = {};
    for (const service of endpointServices) {
      this.interfaceEndpoints[service] = new aws.ec2.VpcEndpoint(
        `${name}-${service.replace(/\./g, "-")}`,
        {
          vpcId: this.vpc.id,
          serviceName: `com.amazonaws.${args.region}.${service}`,
          vpcEndpointType: "Interface",
          privateDnsEnabled: true,
          subnetIds: zones.map((z) => z.endpointSubnet.id),
          securityGroupIds: [this.endpointSecurityGroup.id],
          policy: accountId.apply((id) => JSON.stringify(interfaceEndpointPolicy(service, id))),
          tags: withName(tags, `${name}-${service}`),
        },
        vpcOpts,
      );
    }
    this.endpointsReady = [this.s3Endpoint, this.s3InterfaceEndpoint, ...Object.values(this.interfaceEndpoints)];

    // Flow logs of all traffic (accepted and rejected) into an encrypted group with retention.
    this.flowLogGroup = encryptedLogGroup(
      `${name}-flow-logs`,
      { name: `${args.logGroupPrefix}vpc-flow-logs`, kmsKeyArn: args.logsKeyArn, retentionInDays: args.flowLogRetentionDays, logClass: "audit", tags },
      vpcOpts,
    );
    const flowLogRole = new aws.iam.Role(
      `${name}-flow-logs`,
      {
        description: "VPC flow logs delivery to CloudWatch Logs",
        assumeRolePolicy: accountId.apply((id) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "vpc-flow-logs.amazonaws.com" },
                Action: "sts:AssumeRole",
                Condition: {
                  StringEquals: { "aws:SourceAccount": id },
                  ArnLike: { "aws:SourceArn": `arn:${partition}:ec2:${args.region}:${id}:vpc-flow-log/*` },
                },
              },
            ],
          }),
        ),
        tags: withName(tags, `${name}-flow-logs`),
      },
      vpcOpts,
    );
    const flowLogPolicy = new aws.iam.RolePolicy(
      `${name}-flow-logs`,
      {
        role: flowLogRole.id,
        policy: logGroupArn(partition, args.region, args.accountId, `${args.logGroupPrefix}vpc-flow-logs`).apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              { Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"], Resource: [arn, `${arn}:*`] },
            ],
          }),
        ),
      },
      { parent: flowLogRole, dependsOn: [this.flowLogGroup] },
    );
    new aws.ec2.FlowLog(
      `${name}-flow-log`,
      {
        vpcId: this.vpc.id,
        trafficType: "ALL",
        logDestinationType: "cloud-watch-logs",
        logDestination: this.flowLogGroup.arn,
        iamRoleArn: flowLogRole.arn,
        maxAggregationInterval: 60,
        tags: withName(tags, `${name}-flow-log`),
      },
      // The role must be able to write before the flow log starts delivering; IAM is eventually
      // consistent, and a delivery that fails at creation leaves the flow log in an error state.
      { parent: this.vpc, dependsOn: [flowLogPolicy] },
    );
    this.registerOutputs({ vpcId: this.vpcId, workloadSubnetIds: this.workloadSubnetIds });
  }
}
