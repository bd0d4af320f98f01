import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { normaliseDomains } from "./egress-rules";
import { withName, type Tags } from "../tags";

export interface OnPremisesDnsArgs {
  vpcId: pulumi.Input<string>;
  /** Subnets of the outbound endpoint, one per zone (at least two). Required. */
  subnetIds: pulumi.Input<string>[];
  /** Domains the organisation's DNS answers (`corp.example.org`): forwarded, with their subdomains. Required, at least one. */
  domains: string[];
  /** The organisation's DNS servers (IPv4), reached over the transit gateway. Required, at least one. */
  resolverIps: string[];
  /** Base tags. Default none. */
  tags?: Tags;
}

/**
 * Names the organisation's own DNS answers (its identity provider, for the gateway's JWKS)
 * resolve from the VPC: a Route 53 Resolver outbound endpoint in the endpoint subnets and one
 * forwarding rule per domain to the organisation's DNS servers.
 * https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resolver-forwarding-outbound-queries.html
 */
export class OnPremisesDns extends pulumi.ComponentResource {
  public readonly endpoint: aws.route53.ResolverEndpoint;
  public readonly rules: Record<string, aws.route53.ResolverRule>;

  constructor(name: string, args: OnPremisesDnsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:network:OnPremisesDns", name, {}, opts);
    const tags = args.tags ?? {};
    const { domains, errors } = normaliseDomains(args.domains);
    const problems = errors.map((e) => `domains: ${e}`);
    if (domains.some((d) => d.wildcard)) problems.push("domains: give the domain (corp.example.org); its subdomains are forwarded with it");
    if (domains.length === 0) problems.push("domains: name at least one domain to forward");
    if (args.resolverIps.length === 0) problems.push("resolverIps: name at least one DNS server");
    if (args.subnetIds.length < 2) problems.push("subnetIds: an outbound endpoint needs addresses in at least two subnets");
    if (problems.length > 0) throw new Error(`OnPremisesDns ${name}: ${problems.join("; ")}`);

    // The endpoint only sends: DNS over UDP and TCP to the organisation's servers, nothing in.
    const sg = new aws.ec2.SecurityGroup(
      `${name}-outbound`,
      {
        vpcId: args.vpcId,
        description: "Route 53 Resolver outbound endpoint: DNS to the organisation's servers only",
        ingress: [],
        egress: ["udp", "tcp"].map((protocol) => ({ protocol, fromPort: 53, toPort: 53, cidrBlocks: args.resolverIps.map((ip) => `${ip}/32`), description: `DNS (${protocol}) to the organisation's servers` })),
        tags: withName(tags, `${name}-outbound`),
      },
      { parent: this },
    );
    this.endpoint = new aws.route53.ResolverEndpoint(
      `${name}-outbound`,
      { direction: "OUTBOUND", securityGroupIds: [sg.id], ipAddresses: args.subnetIds.map((subnetId) => ({ subnetId })), protocols: ["Do53"], tags: withName(tags, `${name}-outbound`) },
      { parent: this },
    );
    this.rules = {};
    for (const { domain } of domains) {
      const rule = new aws.route53.ResolverRule(
        `${name}-${domain.replace(/\./g, "-")}`,
        { domainName: domain, ruleType: "FORWARD", resolverEndpointId: this.endpoint.id, targetIps: args.resolverIps.map((ip) => ({ ip, port: 53 })), tags: withName(tags, `${name}-${domain}`) },
        { parent: this.endpoint },
      );
      new aws.route53.ResolverRuleAssociation(`${name}-${domain.replace(/\./g, "-")}`, { resolverRuleId: rule.id, vpcId: args.vpcId }, { parent: rule });
      this.rules[domain] = rule;
    }
    this.registerOutputs({ endpointId: this.endpoint.id });
  }
}
