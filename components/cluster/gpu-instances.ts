/**
 * NVIDIA GPU instance types EKS managed node groups can run with the Bottlerocket NVIDIA AMIs.
 * Pure data: the GPU count bounds tensor parallelism, and config rejects a model that asks for
 * more GPUs per replica than its node group's smallest instance type has.
 * Figures: https://aws.amazon.com/ec2/instance-types/accelerated-computing/
 */
export interface GpuInstance {
  gpus: number;
  /** Memory per GPU, GiB. */
  gpuMemoryGiB: number;
  gpuModel: string;
}

function family(prefix: string, gpuModel: string, gpuMemoryGiB: number, sizes: Record<string, number>): Record<string, GpuInstance> {
  return Object.fromEntries(Object.entries(sizes).map(([size, gpus]) => [`${prefix}.${size}`, { gpus, gpuMemoryGiB, gpuModel }]));
}

/** The g-series layout: one GPU up to 16xlarge, four at 12xlarge and 24xlarge, eight at 48xlarge. */
const G_SIZES = { xlarge: 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 };

export const GPU_INSTANCES: Record<string, GpuInstance> = {
  ...family("g4dn", "T4", 16, { xlarge: 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1, "12xlarge": 4, metal: 8 }),
  ...family("g5", "A10G", 24, G_SIZES),
  ...family("g6", "L4", 24, G_SIZES),
  ...family("g6e", "L40S", 48, G_SIZES),
  ...family("p4d", "A100", 40, { "24xlarge": 8 }),
  ...family("p4de", "A100", 80, { "24xlarge": 8 }),
  ...family("p5", "H100", 80, { "4xlarge": 1, "48xlarge": 8 }),
  ...family("p5e", "H200", 141, { "48xlarge": 8 }),
  ...family("p5en", "H200", 141, { "48xlarge": 8 }),
};

/** Instance families accepted for GPU node groups (`g6e` in `g6e.12xlarge`). */
export const GPU_FAMILIES = [...new Set(Object.keys(GPU_INSTANCES).map((t) => t.split(".")[0]))].sort();

export function instanceFamily(instanceType: string): string {
  return instanceType.split(".")[0];
}
