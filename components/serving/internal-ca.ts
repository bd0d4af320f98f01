import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";

/** CA validity: 5 years; renewed (recreated, which re-issues every leaf) in its last year. */
export const CA_VALIDITY_HOURS = 5 * 8766;
export const CA_EARLY_RENEWAL_HOURS = 8766;
/** Leaf validity: 90 days, renewed when 30 days are left. */
export const LEAF_VALIDITY_HOURS = 90 * 24;
export const LEAF_EARLY_RENEWAL_HOURS = 30 * 24;

/** DNS names of a ClusterIP Service as in-cluster clients address it. */
export function serviceDnsNames(service: string, namespace: string): string[] {
  return [`${service}.${namespace}.svc`, `${service}.${namespace}.svc.cluster.local`, service];
}

export interface InternalCaArgs {
  /** Subject common name of the CA. Required. */
  commonName: string;
  /** Subject organisation. Default `sovereign-llm`. */
  organization?: string;
}

export interface CertificateRequest {
  commonName: string;
  /** Subject alternative names; required unless usage is `client`. Default none. */
  dnsNames?: pulumi.Input<string[]>;
  /**
   * `server` (server auth only) or `client` (client auth only). No certificate is both: a server's
   * key cannot then be used to act as a client of another server, nor a client's to serve.
   */
  usage: "server" | "client";
}

/** A key and a certificate signed by the internal CA. */
export interface IssuedCertificate {
  privateKey: tls.PrivateKey;
  certificate: tls.LocallySignedCert;
  /** Certificate PEM. */
  certPem: pulumi.Output<string>;
  /** Private key PEM (secret). */
  keyPem: pulumi.Output<string>;
}

/**
 * The stack's internal certificate authority for encryption in transit inside the cluster:
 * an ECDSA P-384 key and a self-signed CA certificate. Leaf certificates (`issue`) are renewed by
 * `pulumi up` once inside their early-renewal window: the tls provider plans a replacement, so a
 * deployment must run at least every 30 days (a scheduled `pulumi up`), or certificates expire.
 * Keys live in Pulumi state (encrypted as secrets); state access is CA access.
 */
export class InternalCa extends pulumi.ComponentResource {
  public readonly privateKey: tls.PrivateKey;
  public readonly certificate: tls.SelfSignedCert;
  /** CA certificate PEM: the trust anchor clients and servers verify against. */
  public readonly certPem: pulumi.Output<string>;

  constructor(name: string, args: InternalCaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("sovereign-llm:serving:InternalCa", name, {}, opts);
    const organization = args.organization ?? "sovereign-llm";
    if (args.commonName.trim() === "") throw new Error(`InternalCa ${name}: commonName must not be empty`);
    this.privateKey = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, { parent: this });
    this.certificate = new tls.SelfSignedCert(
      `${name}-cert`,
      {
        privateKeyPem: this.privateKey.privateKeyPem,
        subject: { commonName: args.commonName, organization },
        isCaCertificate: true,
        validityPeriodHours: CA_VALIDITY_HOURS,
        earlyRenewalHours: CA_EARLY_RENEWAL_HOURS,
        allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
      },
      { parent: this },
    );
    this.certPem = this.certificate.certPem;
    this.registerOutputs({ certPem: this.certPem });
  }

  /** Issues a leaf certificate; its resources are children of `parent` (default the CA). */
  public issue(name: string, req: CertificateRequest, parent?: pulumi.Resource): IssuedCertificate {
    if (req.commonName.trim() === "") throw new Error(`certificate ${name}: commonName must not be empty`);
    if (req.usage !== "client" && (req.dnsNames === undefined || (Array.isArray(req.dnsNames) && req.dnsNames.length === 0))) throw new Error(`certificate ${name}: a server certificate needs dnsNames`);
    const owner = { parent: parent ?? this };
    const privateKey = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P384" }, owner);
    const request = new tls.CertRequest(
      `${name}-csr`,
      { privateKeyPem: privateKey.privateKeyPem, subject: { commonName: req.commonName, organization: "sovereign-llm" }, dnsNames: req.dnsNames ?? [] },
      owner,
    );
    const extendedUses = { server: ["server_auth"], client: ["client_auth"] }[req.usage];
    const certificate = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: request.certRequestPem,
        caPrivateKeyPem: this.privateKey.privateKeyPem,
        caCertPem: this.certificate.certPem,
        validityPeriodHours: LEAF_VALIDITY_HOURS,
        earlyRenewalHours: LEAF_EARLY_RENEWAL_HOURS,
        allowedUses: ["digital_signature", "key_agreement", ...extendedUses],
      },
      owner,
    );
    return { privateKey, certificate, certPem: certificate.certPem, keyPem: pulumi.secret(privateKey.privateKeyPem) };
  }
}
