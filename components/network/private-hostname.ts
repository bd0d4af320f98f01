import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { withName, type Tags } from "../tags";

export interface PrivateHostnameArgs {
  /** The name clients call (`llm.internal.example.org`). Required. */
  hostname: string;
  /** The VPC the private hosted zone answers in. Required. */
  vpcId: pulumi.Input<string>;
  /**
   * The load balancer the name points at: its DNS name and canonical hosted zone ID. Default
   * none: the zone is declared without the record (the load balancer is created by the Kubernetes
   * layer, which a first run defers).
   */
  target?: { dnsName: pulumi.Input<string>; zoneId: pulumi.Input<string> };
  /**
   * Where the organisation's DNS reaches the name from: subnets (at least two) for a Route 53
   * Resolver inbound endpoint, and the ranges of the organisation's DNS servers that forward to
   * it. Default none: the name resolves inside the VPC only.
   */
  inbound?: { subnetIds: pulumi.Input<string>[]; forwarderCidrs: string[] };
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * `gateway.hostname` as a name clients resolve: a private hosted zone for exactly that name
 * (nothing else of the organisation's domain is shadowed inside the VPC), associated with the
 * VPC, whose apex is an alias A record for the gateway's internal load balancer. Alias records
 * are resolved by Route 53 to the load balancer's current addresses and are not charged per query.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/hosted-zone-private-creating.html
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-choosing-alias-non-alias.html
 *
 * A private hosted zone answers only queries that reach the VPC's resolver. Clients on the
 * organisation's network reach it through a Resolver inbound endpoint, to which the
 * organisation's DNS forwards the name (a conditional forwarder):
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-forwarding-inbound-queries.html
 */
export class PrivateHostname extends pulumi.ComponentResource {
  public readonly zone: aws.route53.Zone;
  public readonly record?: aws.route53.Record;
  public readonly inboundEndpoint?: aws.route53.ResolverEndpoint;
  /** Addresses of the inbound endpoint, for the organisation's conditional forwarder (empty without one). */
  public readonly resolverAddresses: pulumi.Output<string[]>;

  constructor(name: string, args: PrivateHostnameArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:network:PrivateHostname", name, {}, opts);
    const tags = args.tags ?? {};
    const problems: string[] = [];
    if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(args.hostname)) problems.push(`hostname: "${args.hostname}" is not a fully qualified lower-case DNS name`);
    if (args.inbound && args.inbound.subnetIds.length < 2) problems.push("inbound.subnetIds: a Resolver endpoint needs addresses in at least two subnets");
    if (args.inbound && args.inbound.forwarderCidrs.length === 0) problems.push("inbound.forwarderCidrs: name the ranges of the DNS servers that forward to the endpoint");
    if (problems.length > 0) throw new Error(`PrivateHostname ${name}: ${problems.join("; ")}`);

    this.zone = new aws.route53.Zone(
      `${name}-zone`,
      {
        name: args.hostname,
        comment: `${args.hostname}: the guardrail gateway, inside the VPC only`,
        vpcs: [{ vpcId: args.vpcId }],
        // Records other than the alias are never created here; refuse to delete a zone someone added records to.
        forceDestroy: false,
        tags: withName(tags, `${name}-zone`),
      },
      { parent: this },
    );

    if (args.target) {
      this.record = new aws.route53.Record(
        `${name}-alias`,
        {
          zoneId: this.zone.zoneId,
          name: args.hostname,
          type: "A",
          aliases: [{ name: args.target.dnsName, zoneId: args.target.zoneId, evaluateTargetHealth: true }],
        },
        { parent: this.zone },
      );
    }

    if (args.inbound) {
      // Only DNS in, only from the organisation's forwarders; the endpoint sends nothing else.
      const sg = new aws.ec2.SecurityGroup(
        `${name}-inbound`,
        {
          vpcId: args.vpcId,
          description: "Route 53 Resolver inbound endpoint: DNS from the organisation's forwarders only",
          ingress: ["udp", "tcp"].map((protocol) => ({ protocol, fromPort: 53, toPort: 53, cidrBlocks: args.inbound!.forwarderCidrs, description: `DNS (${protocol}) from the organisation's forwarders` })),
          egress: [],
          tags: withName(tags, `${name}-inbound`),
        },
        { parent: this },
      );
      this.inboundEndpoint = new aws.route53.ResolverEndpoint(
        `${name}-inbound`,
        { direction: "INBOUND", securityGroupIds: [sg.id], ipAddresses: args.inbound.subnetIds.map((subnetId) => ({ subnetId })), protocols: ["Do53"], tags: withName(tags, `${name}-inbound`) },
        { parent: this },
      );
      this.resolverAddresses = this.inboundEndpoint.ipAddresses.apply((ips) => (ips ?? []).map((i) => i.ip ?? "").filter((ip) => ip !== ""));
    } else {
      this.resolverAddresses = pulumi.output([]);
    }
    this.registerOutputs({ zoneId: this.zone.zoneId, resolverAddresses: this.resolverAddresses });
  }
}
