/**
 * Session Manager port forwards through a system node of the stack's cluster: to the private
 * API endpoint (for the Kubernetes layer) and to the gateway's internal load balancer (for a
 * first request from a machine outside the client networks). Calls the AWS CLI with its Session
 * Manager plugin, which the deploy needs anyway; every session is a CloudTrail event.
 * https://docs.aws.amazon.com/systems-manager/latest/userguide/session-manager-working-with-sessions-start.html#sessions-remote-port-forwarding
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface Tunnel {
  localPort: number;
  close(): Promise<void>;
}

async function awsJson(args: string[]): Promise<unknown> {
  const { stdout } = await run("aws", [...args, "--output", "json"], { maxBuffer: 16 * 1024 * 1024 });
  return JSON.parse(stdout);
}

/** A running instance of the cluster's system node group (the port forwards' hop). */
export async function systemNode(region: string, clusterName: string): Promise<string> {
  const out = (await awsJson([
    "ec2",
    "describe-instances",
    "--region",
    region,
    "--filters",
    `Name=tag:eks:cluster-name,Values=${clusterName}`,
    "Name=tag:eks:nodegroup-name,Values=system",
    "Name=instance-state-name,Values=running",
    "--query",
    "Reservations[].Instances[].InstanceId",
  ])) as string[];
  if (out.length === 0) throw new Error(`no running system node of cluster ${clusterName} in ${region}: the AWS layer must be deployed and its system node group healthy (aws eks describe-nodegroup --cluster-name ${clusterName} --nodegroup-name system)`);
  return out.sort()[0];
}

/** The host name of the cluster's API endpoint (`<id>.gr7.<region>.eks.amazonaws.com`). */
export async function apiEndpointHost(region: string, clusterName: string): Promise<string> {
  const endpoint = (await awsJson(["eks", "describe-cluster", "--region", region, "--name", clusterName, "--query", "cluster.endpoint"])) as string;
  return new URL(endpoint).hostname;
}

/**
 * Opens a port forward from 127.0.0.1:`localPort` to `host`:`remotePort` through `instanceId`
 * and resolves once the plugin listens; rejects if the session ends first (the CLI's output is
 * in the error). The session lasts until `close()`.
 */
export function openPortForward(opts: { region: string; instanceId: string; host: string; remotePort: number; localPort: number; onOutput?: (line: string) => void }): Promise<Tunnel> {
  const parameters = JSON.stringify({ host: [opts.host], portNumber: [String(opts.remotePort)], localPortNumber: [String(opts.localPort)] });
  const child: ChildProcess = spawn("aws", ["ssm", "start-session", "--region", opts.region, "--target", opts.instanceId, "--document-name", "AWS-StartPortForwardingSessionToRemoteHost", "--parameters", parameters], { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  const close = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
  return new Promise<Tunnel>((resolve, reject) => {
    const onData = (d: Buffer) => {
      const text = d.toString();
      log += text;
      for (const line of text.split("\n")) if (line.trim()) opts.onOutput?.(line);
      // The Session Manager plugin prints this once the local port listens.
      if (/Waiting for connections/.test(log)) resolve({ localPort: opts.localPort, close });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => reject(new Error(`aws ssm start-session could not start (is the AWS CLI v2 with the Session Manager plugin installed?): ${err.message}`)));
    child.once("exit", (code) => reject(new Error(`the port forward to ${opts.host}:${opts.remotePort} through ${opts.instanceId} ended (exit ${code}):\n${log}`)));
  });
}
