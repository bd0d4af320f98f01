// `npm run coldstart:table [-- --readme]`: the on-paper cold start of an 8B and a 70B model on
// g6e.xlarge, g6e.12xlarge and p5.48xlarge, before and after, stage by stage
// (components/serving/cold-start.ts). With --readme, rewrites the table in README.md between its
// markers; a test fails when the README's table is not what this prints.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GPU_INSTANCES } from "../../components/cluster/gpu-instances";
import { planNodeStorage } from "../../components/cluster/node-storage";
import { coldStartAfter, coldStartBefore, warmStart, type StageTimes } from "../../components/serving/cold-start";

export interface PaperModel {
  name: string;
  /** Bytes of the bf16 safetensors shards. */
  bytes: number;
  /** GPU memory the weights alone need, GB. */
  weightsGb: number;
  engineStartSeconds: number;
  gpus: number;
}

/**
 * Llama 3.1 8B Instruct and Llama 3.3 70B Instruct in bf16: their safetensors shards as published
 * (16.1 GB and 141.1 GB). Engine start (torch.compile, CUDA graph capture, warm-up) is an
 * assumption: about 45 s for 8B on one GPU, 120 s for 70B with tensor parallelism.
 */
export const PAPER_MODELS: readonly PaperModel[] = [
  { name: "8B (16.1 GB)", bytes: 16.1e9, weightsGb: 16.1, engineStartSeconds: 45, gpus: 1 },
  { name: "70B (141.1 GB)", bytes: 141.1e9, weightsGb: 141.1, engineStartSeconds: 120, gpus: 4 },
];
export const PAPER_INSTANCES = ["g6e.xlarge", "g6e.12xlarge", "p5.48xlarge"] as const;

const m = (s: number) => (s >= 60 ? `${Math.floor(s / 60)} min ${String(Math.round(s % 60)).padStart(2, "0")} s` : `${Math.round(s)} s`);
const pair = (b: number, a: number) => `${m(b)} → **${m(a)}**`;

export function coldStartTable(): string {
  const rows: string[] = [
    "| model | instance | storage (after) | image | download + verify | copy from the node's cache | load (read + engine start) | node Ready → serving | later pod on the node | download limited by |",
    "|---|---|---|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const model of PAPER_MODELS) {
    for (const type of PAPER_INSTANCES) {
      const gpu = GPU_INSTANCES[type]!;
      const gpuMemGb = (gpu.gpus * gpu.gpuMemoryGiB * 2 ** 30) / 1e9;
      if (gpuMemGb < model.weightsGb * 1.1) {
        rows.push(`| ${model.name} | ${type} | — | — | — | — | — | does not fit: ${gpu.gpus} × ${gpu.gpuMemoryGiB} GiB of GPU memory for ${model.weightsGb} GB of weights | — | — |`);
        continue;
      }
      const modelGiB = Math.ceil(model.bytes / 2 ** 30);
      // The node holds the cache's copy and the pod's: twice the model.
      const plan = planNodeStorage({ groupName: "paper", instanceTypes: [type], mode: "auto", dataVolumeGiB: Math.max(200, 2 * modelGiB + 60), largestModelGiB: modelGiB });
      const storage = plan.mode === "instance-store" ? ({ mode: "instance-store" } as const) : ({ mode: "ebs", throughputMiBps: plan.dataVolume.throughputMiBps } as const);
      const before: StageTimes = coldStartBefore({ instanceType: type, modelBytes: model.bytes, engineStartSeconds: model.engineStartSeconds });
      const after: StageTimes = coldStartAfter({ instanceType: type, modelBytes: model.bytes, engineStartSeconds: model.engineStartSeconds, storage });
      const warm = warmStart({ instanceType: type, modelBytes: model.bytes, engineStartSeconds: model.engineStartSeconds, storage });
      const storageText = plan.mode === "instance-store" ? "NVMe instance store" : `gp3 ${plan.dataVolume.throughputMiBps} MiB/s`;
      rows.push(
        `| ${model.name} | ${type} | ${storageText} | ${pair(before.image, after.image)} | ${pair(before.downloadVerify, after.downloadVerify)} | — → **${m(after.copy)}** | ${pair(before.load, after.load)} | ${pair(before.total, after.total)} | ${pair(before.total, warm)} | ${before.downloadLimit} → ${after.downloadLimit} |`,
      );
    }
  }
  return rows.join("\n");
}

export const README_BEGIN = "<!-- coldstart:table (npm run coldstart:table -- --readme) -->";
export const README_END = "<!-- /coldstart:table -->";

export function readmeWithTable(readme: string, table: string): string {
  const a = readme.indexOf(README_BEGIN);
  const b = readme.indexOf(README_END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${README_BEGIN} ... ${README_END} section`);
  return `${readme.slice(0, a + README_BEGIN.length)}\n${table}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const table = coldStartTable();
  if (process.argv.includes("--readme")) {
    const path = join(__dirname, "../../README.md");
    writeFileSync(path, readmeWithTable(readFileSync(path, "utf8"), table));
    process.stderr.write("README.md: cold-start table rewritten\n");
  } else process.stdout.write(table + "\n");
}
