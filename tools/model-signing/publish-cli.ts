// Command line of `npm run model:publish -- <stack> <model> <dir> [options]`.
import { join, resolve } from "node:path";
import { DescribeKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { asModelSigningError, awsCall, fail } from "./errors.js";
import { SIGNATURE_FILE } from "./format.js";
import { kmsSigner, localSigner, modelLocation, readStackModels, signingKeyAlias, signModel, storageKeyAlias, writeBundle } from "./publish.js";
import type { Signer } from "./publish.js";
import { fmtBytes, ProgressBar, uploadModel } from "./upload.js";
import type { CliIo } from "./verify-cli.js";

export const PUBLISH_USAGE = `usage: model-publish <stack> <model> <dir> [options]

Refuses pickled weights, hashes every file, signs an OpenSSF Model Signing v1.0 statement with the
stack's KMS key (ECDSA P-256), writes <dir>/model.sig and uploads the directory to the model's
ModelStore prefix with SSE-KMS.

  --key <pem>              sign with a local EC private key (P-256, P-384 or P-521) instead of KMS
  --no-upload              do not upload (with --key, nothing touches AWS)
  --out <path>             write the signature there instead of <dir>/model.sig (implies --no-upload)
  --ignore-paths <p>...    paths relative to <dir> to leave out (recorded in the signature)
  --replace                delete objects under the prefix that are not part of this model version
  --bucket <name>          override the ModelStore bucket
  --prefix <prefix>        override the key prefix (default models/<model>/)
  --kms-key-id <id>        override the signing key (default ${signingKeyAlias("<stack>")})
  --sse-kms-key-id <id>    override the SSE-KMS key (default ${storageKeyAlias("<stack>")})
  --region <region>        AWS region (default: aws:region of the stack, then the SDK's)
  --stacks-dir <dir>       where Pulumi.<stack>.yaml lives (default ./stacks)
  --workers <n>            hashing threads (default: available cores)
  --json                   print one JSON object`;

interface PublishArgs {
  stack: string;
  model: string;
  dir: string;
  key?: string;
  upload: boolean;
  out?: string;
  ignorePaths: string[];
  replace: boolean;
  bucket?: string;
  prefix?: string;
  kmsKeyId?: string;
  sseKmsKeyId?: string;
  region?: string;
  stacksDir: string;
  workers?: number;
  json: boolean;
}

function parseArgs(argv: readonly string[]): PublishArgs | "help" {
  const positional: string[] = [];
  const a: Partial<PublishArgs> & { ignorePaths: string[] } = { ignorePaths: [], upload: true, replace: false, json: false, stacksDir: "stacks" };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) fail("USAGE", `${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case "-h":
      case "--help":
        return "help";
      case "--key": a.key = take(); break;
      case "--no-upload": a.upload = false; break;
      case "--out": a.out = take(); a.upload = false; break;
      case "--replace": a.replace = true; break;
      case "--bucket": a.bucket = take(); break;
      case "--prefix": a.prefix = take(); break;
      case "--kms-key-id": a.kmsKeyId = take(); break;
      case "--sse-kms-key-id": a.sseKmsKeyId = take(); break;
      case "--region": a.region = take(); break;
      case "--stacks-dir": a.stacksDir = take(); break;
      case "--json": a.json = true; break;
      case "--workers": {
        const n = Number(take());
        if (!Number.isInteger(n) || n < 1 || n > 256) fail("USAGE", "--workers must be an integer from 1 to 256");
        a.workers = n;
        break;
      }
      case "--ignore-paths": {
        const vals = [take()];
        if (inline === undefined) while (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith("-")) vals.push(argv[++i]!);
        a.ignorePaths.push(...vals.flatMap((v) => v.split(",")).filter((v) => v !== ""));
        break;
      }
      default:
        if (flag.startsWith("-")) fail("USAGE", `unknown option ${flag}`);
        positional.push(arg);
    }
  }
  if (positional.length !== 3) fail("USAGE", `expected <stack> <model> <dir>, got ${positional.length} argument(s)`);
  const [stack, model, dir] = positional as [string, string, string];
  return { ...a, stack, model, dir } as PublishArgs;
}

export async function runPublishCli(argv: readonly string[], io: CliIo, stderr: NodeJS.WriteStream = process.stderr): Promise<number> {
  let json = argv.includes("--json");
  try {
    const args = parseArgs(argv);
    if (args === "help") {
      io.out(PUBLISH_USAGE);
      return 0;
    }
    json = args.json;
    const offline = args.key !== undefined && !args.upload;
    const note = (line: string): void => {
      if (!json) io.err(line);
    };

    // The model must be one of the stack's models (when the stack file is there).
    const stackModels = readStackModels(resolve(args.stacksDir), args.stack);
    if (stackModels === undefined) {
      if (!offline && args.bucket === undefined) {
        fail("CONFIG_INVALID", `${join(args.stacksDir, `Pulumi.${args.stack}.yaml`)} not found: cannot derive the ModelStore location (or pass --bucket)`);
      }
      note(`model-publish: note: no ${join(args.stacksDir, `Pulumi.${args.stack}.yaml`)}; not checking that ${args.model} is one of the stack's models`);
    } else if (!stackModels.models.includes(args.model)) {
      fail("CONFIG_INVALID", `${stackModels.file}: model ${JSON.stringify(args.model)} is not in sovereign-llm:models (${stackModels.models.join(", ") || "none"})`);
    }
    const region = args.region ?? stackModels?.region;
    const clientConfig = region !== undefined ? { region } : {};

    // Sign.
    let kms: KMSClient | undefined;
    let signer: Signer;
    if (args.key !== undefined) {
      signer = localSigner(args.key);
    } else {
      kms = new KMSClient(clientConfig);
      signer = await kmsSigner(kms, args.kmsKeyId ?? signingKeyAlias(args.stack));
    }
    note(`model-publish: hashing ${args.dir} and signing with ${signer.describe}`);
    const signed = await signModel({
      modelDir: args.dir,
      modelName: args.model,
      signer,
      ignorePaths: args.ignorePaths,
      ...(args.workers !== undefined ? { workers: args.workers } : {}),
    });
    const sigPath = args.out ?? join(args.dir, SIGNATURE_FILE);
    writeBundle(sigPath, signed.bundle);
    const rootDigest = signed.statement.subject[0].digest.sha256;
    note(`model-publish: signed ${args.model} sha256:${rootDigest} (${signed.files.length} files, ${fmtBytes(signed.bytes)}) -> ${sigPath}`);
    note(`model-publish: to serve only this version, set expectedDigest: sha256:${rootDigest} on model ${args.model} in stacks/Pulumi.${args.stack}.yaml`);

    // Upload.
    let destination: string | undefined;
    if (args.upload) {
      kms ??= new KMSClient(clientConfig);
      const sseKmsKeyId = args.sseKmsKeyId ?? storageKeyAlias(args.stack);
      const keyMeta = await awsCall(`kms:DescribeKey ${sseKmsKeyId}`, () => kms!.send(new DescribeKeyCommand({ KeyId: sseKmsKeyId })));
      const accountId = keyMeta.KeyMetadata?.AWSAccountId;
      if (accountId === undefined || keyMeta.KeyMetadata?.Arn === undefined) fail("AWS_ERROR", `kms:DescribeKey ${sseKmsKeyId} returned no key metadata`);
      if (keyMeta.KeyMetadata.KeyState !== "Enabled") fail("KEY_INVALID", `SSE-KMS key ${sseKmsKeyId} is ${keyMeta.KeyMetadata.KeyState}`);
      if (region === undefined && args.bucket === undefined) fail("CONFIG_INVALID", "no region: set aws:region in the stack file, pass --region, or name the bucket with --bucket");
      const loc = modelLocation(args.stack, args.model, accountId, region ?? "");
      const bucket = args.bucket ?? loc.bucket;
      const prefix = (args.prefix ?? loc.prefix).replace(/^\/+/, "").replace(/\/*$/, "/");
      const total = signed.bytes + Buffer.byteLength(signed.bundle);
      const progress = json ? undefined : new ProgressBar(total, stderr, `s3://${bucket}/${prefix}`);
      const result = await uploadModel({
        s3: new S3Client(clientConfig),
        bucket,
        prefix,
        sseKmsKeyId: keyMeta.KeyMetadata.Arn,
        files: signed.files,
        bundle: signed.bundle,
        replace: args.replace,
        ...(progress !== undefined ? { progress } : {}),
      });
      destination = `s3://${bucket}/${prefix}`;
      note(`model-publish: uploaded ${result.keys.length} objects to ${destination}${result.deleted.length > 0 ? `, deleted ${result.deleted.length} stale` : ""}`);
    }
    if (json) {
      io.out(JSON.stringify({ ok: true, model: args.model, rootDigest, files: signed.files.length, bytes: signed.bytes, signature: sigPath, ...(destination !== undefined ? { destination } : {}) }));
    }
    return 0;
  } catch (err) {
    const e = asModelSigningError(err);
    if (json) io.out(JSON.stringify({ ok: false, code: e.code, exitCode: e.exitCode, message: e.message }));
    else {
      io.err(`model-publish: FAILED ${e.code}: ${e.message}`);
      if (e.code === "USAGE") io.err(PUBLISH_USAGE);
    }
    return e.exitCode;
  }
}
