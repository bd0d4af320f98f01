import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { zonePlan, planProblem, type ZonePlan } from "./cidr-plan";
import { INTERFACE_ENDPOINTS, interfaceEndpointPolicy, s3EndpointPolicy, type EndpointBucket } from "./endpoint-policies";
import { calledServices } from "./api-callers";
import { encryptedLogGroup, logGroupArn } from "../audit/log-group";
import { isZoneId, resolveZones, zoneBelongsTo, zoneIndex, zoneSuffix } from "./zones";
import { withName, type Tags } from "../tags";

export interface IsolatedVpcArgs {
  /** IPv4 CIDR of the VPC (RFC 1918, /16 to /22). Required. */
  cidr: string;
  /**
   * Availability zones (2 or 3) of `region`, by name (`us-east-1a`) or by zone ID (`use1-az1`).
   * Resolved at preview against the account's zones; every endpoint service must be offered in
   * each, and EKS must accept each, or the program stops naming the zone and the service. Required.
   */
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
  /**
   * Buckets workloads may reach through the S3 endpoints, with their access. Default none: only
   * ECR's image-layer bucket. Every other bucket is unreachable from the VPC.
   */
  endpointBuckets?: { arn: pulumi.Input<string>; access: EndpointBucket["access"] }[];
  /**
   * The organisation's networks over a transit gateway: the VPC attaches to it from the endpoint
   * subnets, and the workload and endpoint route tables send `cidrs` to it. Default none: nothing
   * outside the VPC is routed except through the egress firewall.
   */
  onPremises?: { transitGatewayId: string; cidrs: string[] };
  /** Base tags. Default none. */
  tags?: Tags;
}

/** The subnets, route tables and (in allowlist mode) NAT gateway of one availability zone. */
export interface VpcZone {
  /** As configured: a zone name or a zone ID. */
  az: string;
  /** The account's name of the zone (what Network Firewall reports its endpoints by). */
  azName: pulumi.Output<string>;
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
  /** The transit gateway attachment, when the organisation's networks are routed. */
  public readonly transitGatewayAttachment?: aws.ec2transitgateway.VpcAttachment;
  /** The network ACL of every subnet of the program. */
  public readonly networkAcl: aws.ec2.NetworkAcl;
  public readonly workloadSubnetIds: pulumi.Output<string>[];
  /** Zone ID of each configured zone (resolved at preview). */
  public readonly zoneIds: pulumi.Output<Record<string, string>>;
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
    for (const az of args.availabilityZones) if (!zoneBelongsTo(az, args.region)) problems.push(`availabilityZones: ${az} is not in ${args.region}`);
    if (new Set(args.availabilityZones.map(isZoneId)).size > 1) problems.push("availabilityZones: list zone names or zone IDs, not both");
    if (new Set(args.availabilityZones.map(zoneIndex)).size !== args.availabilityZones.length) problems.push("availabilityZones: a zone is listed twice");
    const planIssue = planProblem(args.cidr, workloadPrefix, args.availabilityZones.map(zoneIndex));
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

    // Adopt the default network ACL with no rules: a subnet someone adds to this VPC outside the
    // program gets no traffic until it is given an ACL on purpose. The program's subnets use the
    // ACL below. Subnets are associated there, so the default ACL's association list is not ours.
    new aws.ec2.DefaultNetworkAcl(
      `${name}-default-nacl`,
      { defaultNetworkAclId: this.vpc.defaultNetworkAclId, ingress: [], egress: [], tags: withName(tags, `${name}-default-closed`) },
      { parent: this.vpc, ignoreChanges: ["subnetIds"] },
    );

    if (egressMode === "allowlist") {
      this.internetGateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: this.vpc.id, tags: withName(tags, `${name}-igw`) }, vpcOpts);
    }

    // Zones resolved against the account at preview, with every endpoint service's zones: a zone
    // that lacks a service the platform calls stops the program before anything is created.
    const servicesToOffer = ["s3", ...endpointServices];
    const accountZones = aws.getAvailabilityZonesOutput({ state: "available" }, { parent: this });
    const offered = servicesToOffer.map((service) =>
      aws.ec2.getVpcEndpointServiceOutput({ service, serviceType: "Interface" }, { parent: this }).apply((r) => [service, r.availabilityZones] as const),
    );
    const zoneNames = pulumi.all([accountZones, pulumi.all(offered)]).apply(([account, services]) => {
      const { zones, problems } = resolveZones(args.availabilityZones, { names: account.names, ids: account.zoneIds }, Object.fromEntries(services));
      if (problems.length > 0) throw new Error(`IsolatedVpc ${name}: availabilityZones cannot be used:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
      return Object.fromEntries(zones.map((z) => [z.zone, z.name])) as Record<string, string>;
    });
    this.zoneIds = pulumi.all([accountZones, zoneNames]).apply(([account, names]) =>
      Object.fromEntries(Object.entries(names).map(([zone, n]) => [zone, account.zoneIds[account.names.indexOf(n)]])),
    );

    const subnet = (role: string, az: string, cidr: string, extraTags: Tags = {}) =>
      new aws.ec2.Subnet(
        `${name}-${role}-${zoneSuffix(az)}`,
        {
          vpcId: this.vpc.id,
          cidrBlock: cidr,
          availabilityZone: zoneNames.apply((names) => names[az]),
          mapPublicIpOnLaunch: false,
          assignIpv6AddressOnCreation: false,
          tags: { ...withName(tags, `${name}-${role}-${az}`), tier: role, ...extraTags },
        },
        vpcOpts,
      );
    const routeTable = (role: string, az: string) =>
      new aws.ec2.RouteTable(`${name}-${role}-${zoneSuffix(az)}`, { vpcId: this.vpc.id, tags: { ...withName(tags, `${name}-${role}-${az}`), tier: role } }, vpcOpts);

    this.zones = {};
    for (const az of args.availabilityZones) {
      const plan = zonePlan(args.cidr, workloadPrefix, zoneIndex(az));
      const workloadSubnet = subnet("workload", az, plan.workload, {
        "kubernetes.io/role/internal-elb": "1",
        [`kubernetes.io/cluster/${args.clusterName}`]: "shared",
      });
      const endpointSubnet = subnet("endpoints", az, plan.endpoints);
      const firewallSubnet = subnet("firewall", az, plan.firewall);
      const workloadRouteTable = routeTable("workload", az);
      const firewallRouteTable = routeTable("firewall", az);
      const endpointRouteTable = routeTable("endpoints", az);
      new aws.ec2.RouteTableAssociation(`${name}-workload-${zoneSuffix(az)}`, { subnetId: workloadSubnet.id, routeTableId: workloadRouteTable.id }, { parent: workloadRouteTable });
      new aws.ec2.RouteTableAssociation(`${name}-firewall-${zoneSuffix(az)}`, { subnetId: firewallSubnet.id, routeTableId: firewallRouteTable.id }, { parent: firewallRouteTable });
      new aws.ec2.RouteTableAssociation(`${name}-endpoints-${zoneSuffix(az)}`, { subnetId: endpointSubnet.id, routeTableId: endpointRouteTable.id }, { parent: endpointRouteTable });
      const zone: VpcZone = { az, azName: zoneNames.apply((names) => names[az]), plan, workloadSubnet, endpointSubnet, firewallSubnet, workloadRouteTable, firewallRouteTable, endpointRouteTable };

      if (egressMode === "allowlist" && this.internetGateway) {
        const publicSubnet = subnet("public", az, plan.public);
        const publicRouteTable = routeTable("public", az);
        new aws.ec2.RouteTableAssociation(`${name}-public-${zoneSuffix(az)}`, { subnetId: publicSubnet.id, routeTableId: publicRouteTable.id }, { parent: publicRouteTable });
        new aws.ec2.Route(`${name}-public-${zoneSuffix(az)}-default`, { routeTableId: publicRouteTable.id, destinationCidrBlock: "0.0.0.0/0", gatewayId: this.internetGateway.id }, { parent: publicRouteTable });
        const eip = new aws.ec2.Eip(`${name}-nat-${zoneSuffix(az)}`, { domain: "vpc", tags: withName(tags, `${name}-nat-${az}`) }, { parent: publicSubnet });
        const natGateway = new aws.ec2.NatGateway(
          `${name}-nat-${zoneSuffix(az)}`,
          { subnetId: publicSubnet.id, allocationId: eip.id, connectivityType: "public", tags: withName(tags, `${name}-nat-${az}`) },
          { parent: publicSubnet, dependsOn: [this.internetGateway] },
        );
        // Traffic the firewall passed leaves through the NAT gateway of the same zone.
        new aws.ec2.Route(`${name}-firewall-${zoneSuffix(az)}-default`, { routeTableId: firewallRouteTable.id, destinationCidrBlock: "0.0.0.0/0", natGatewayId: natGateway.id }, { parent: firewallRouteTable });
        Object.assign(zone, { publicSubnet, publicRouteTable, natGateway });
      }
      this.zones[az] = zone;
    }
    const zones = Object.values(this.zones);
    this.workloadSubnetIds = zones.map((z) => z.workloadSubnet.id);

    // The subnets' ACL: stateless, so it only keeps what no security group should ever see off
    // the subnets. In: anything from inside the VPC (and from the organisation's networks), and
    // from elsewhere only TCP to ephemeral ports (replies to the allow-listed egress); never
    // administrative ports from the internet. Out: anything (egress is the firewall's job).
    // RDP (3389) lies inside the ephemeral range a NAT gateway uses (1024-65535), so it is denied
    // by a rule evaluated before the ephemeral allow (first match wins:
    // https://docs.aws.amazon.com/vpc/latest/userguide/nacl-rules.html). The cost is that a NAT
    // translation that happens to pick source port 3389 gets no reply: one port in 64,512, and the
    // client's retry takes another. SSH (22) is below the range and never admitted.
    const inboundCidrs = [args.cidr, ...(args.onPremises?.cidrs ?? [])];
    this.networkAcl = new aws.ec2.NetworkAcl(
      `${name}-subnets`,
      {
        vpcId: this.vpc.id,
        subnetIds: zones.flatMap((z) => [z.workloadSubnet.id, z.endpointSubnet.id, z.firewallSubnet.id, ...(z.publicSubnet ? [z.publicSubnet.id] : [])]),
        ingress: [
          ...inboundCidrs.map((cidr, i) => ({ ruleNo: 100 + i, action: "allow", protocol: "-1", cidrBlock: cidr, fromPort: 0, toPort: 0 })),
          { ruleNo: 190, action: "deny", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 3389, toPort: 3389 },
          { ruleNo: 200, action: "allow", protocol: "tcp", cidrBlock: "0.0.0.0/0", fromPort: 1024, toPort: 65535 },
        ],
        egress: [{ ruleNo: 100, action: "allow", protocol: "-1", cidrBlock: "0.0.0.0/0", fromPort: 0, toPort: 0 }],
        tags: withName(tags, `${name}-subnets`),
      },
      vpcOpts,
    );

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

    if (args.onPremises) {
      const onPrem = args.onPremises;
      this.transitGatewayAttachment = new aws.ec2transitgateway.VpcAttachment(
        `${name}-tgw`,
        {
          vpcId: this.vpc.id,
          transitGatewayId: onPrem.transitGatewayId,
          subnetIds: zones.map((z) => z.endpointSubnet.id),
          dnsSupport: "enable",
          tags: withName(tags, `${name}-tgw`),
        },
        vpcOpts,
      );
      // The organisation's ranges go to the transit gateway from the subnets that talk to them
      // (workloads: clients and the identity provider; endpoints: the DNS outbound endpoint),
      // never through the egress firewall.
      for (const z of zones) {
        for (const [tier, table] of [["workload", z.workloadRouteTable], ["endpoints", z.endpointRouteTable]] as const) {
          for (const cidr of [...onPrem.cidrs].sort()) {
            new aws.ec2.Route(
              `${name}-${tier}-${zoneSuffix(z.az)}-${cidr.replace(/[./]/g, "-")}`,
              { routeTableId: table.id, destinationCidrBlock: cidr, transitGatewayId: onPrem.transitGatewayId },
              { parent: table, dependsOn: [this.transitGatewayAttachment] },
            );
          }
        }
      }
    }

    const accountId = pulumi.output(args.accountId);
    const privateRouteTables = zones.flatMap((z) => [z.workloadRouteTable.id, z.endpointRouteTable.id]);
    const s3Policy = pulumi
      .all([accountId, pulumi.all((args.endpointBuckets ?? []).map((b) => pulumi.output(b.arn).apply((arn) => ({ arn, access: b.access }))))])
      .apply(([id, buckets]) => JSON.stringify(s3EndpointPolicy(partition, args.region, id, buckets)));
    this.s3Endpoint = new aws.ec2.VpcEndpoint(
      `${name}-s3`,
      {
        vpcId: this.vpc.id,
        serviceName: `com.amazonaws.${args.region}.s3`,
        vpcEndpointType: "Gateway",
        routeTableIds: privateRouteTables,
        policy: s3Policy,
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
        policy: s3Policy,
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
