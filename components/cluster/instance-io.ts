/**
 * Network bandwidth and local NVMe instance store of each GPU instance type: what the cold start
 * of a model server can read from S3 and write to local disk. Pure data.
 *
 * Source: instances.vantage.sh data (derived from the AWS Price List and EC2 DescribeInstanceTypes)
 * as committed in github.com/tsaol/aws-gpu, data/<family>_instances.js at commit
 * 77fcd9fe1d0652fd07b830e5ed030d61da87923e (header: last updated 2026-01-21), fields `network`
 * and `storage`; the same dataset and commit as tools/cost/data/gpu-instances.json. "Up to N
 * Gigabit" is a burst figure (`burst: true`): EC2 documents that such instances can use it "for a
 * limited time, typically from 5 to 60 minutes", then fall to a lower baseline. A node that has
 * just launched has its whole allowance, and a model download of a few minutes fits in it, so
 * the estimates use the figure and mark it.
 * https://docs.aws.amazon.com/ec2/latest/instancetypes/ac.html#ac_network
 * https://aws.amazon.com/ec2/instance-types/accelerated-computing/
 */
export interface InstanceIo {
  /** Network bandwidth, Gbit/s (ENA; p-series: the EFA figure, of which S3 traffic uses ENA). */
  networkGbps: number;
  /** The figure is "up to": a burst, not a sustained rate. */
  burst?: boolean;
  /** NVMe instance store: devices and GB each (0 devices: none). */
  nvme: { devices: number; gbEach: number };
}

const io = (networkGbps: number, devices: number, gbEach: number, burst = false): InstanceIo => ({ networkGbps, ...(burst ? { burst } : {}), nvme: { devices, gbEach } });

export const INSTANCE_IO: Readonly<Record<string, InstanceIo>> = {
  "g4dn.xlarge": io(25, 1, 125, true),
  "g4dn.2xlarge": io(25, 1, 225, true),
  "g4dn.4xlarge": io(25, 1, 225, true),
  "g4dn.8xlarge": io(50, 1, 900),
  "g4dn.12xlarge": io(50, 1, 900),
  "g4dn.16xlarge": io(50, 1, 900),
  "g4dn.metal": io(100, 2, 450),
  "g5.xlarge": io(10, 1, 250, true),
  "g5.2xlarge": io(10, 1, 450, true),
  "g5.4xlarge": io(25, 1, 600, true),
  "g5.8xlarge": io(25, 1, 900),
  "g5.12xlarge": io(40, 1, 3800),
  "g5.16xlarge": io(25, 1, 1900),
  "g5.24xlarge": io(50, 1, 3800),
  "g5.48xlarge": io(100, 2, 1900),
  "g6.xlarge": io(10, 1, 250, true),
  "g6.2xlarge": io(10, 1, 450, true),
  "g6.4xlarge": io(25, 1, 600, true),
  "g6.8xlarge": io(25, 2, 225),
  "g6.12xlarge": io(40, 4, 235),
  "g6.16xlarge": io(25, 2, 470),
  "g6.24xlarge": io(50, 4, 235),
  "g6.48xlarge": io(100, 8, 117),
  "g6e.xlarge": io(20, 1, 250, true),
  "g6e.2xlarge": io(20, 1, 450, true),
  "g6e.4xlarge": io(20, 1, 600),
  "g6e.8xlarge": io(25, 2, 225),
  "g6e.12xlarge": io(100, 2, 950),
  "g6e.16xlarge": io(35, 2, 475),
  "g6e.24xlarge": io(200, 2, 950),
  "g6e.48xlarge": io(400, 4, 475),
  "p4d.24xlarge": io(400, 8, 1000),
  "p4de.24xlarge": io(400, 8, 1000),
  "p5.4xlarge": io(100, 1, 3800),
  "p5.48xlarge": io(3200, 8, 3840),
  "p5e.48xlarge": io(3200, 8, 3840),
  "p5en.48xlarge": io(3200, 8, 3840),
};

/** Local NVMe capacity, GB (0 when the type has none). */
export function nvmeGb(instanceType: string): number {
  const i = INSTANCE_IO[instanceType];
  return i ? i.nvme.devices * i.nvme.gbEach : 0;
}

/** Network bandwidth of a type, Gbit/s (a burst figure for "up to" types, see above). */
export function networkGbps(instanceType: string): number {
  const i = INSTANCE_IO[instanceType];
  if (!i) throw new Error(`no network figure for instance type ${instanceType}; add it to INSTANCE_IO`);
  return i.networkGbps;
}
