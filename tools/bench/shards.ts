/** Helpers the model benchmarks share: generated safetensors shards and medians. */
import { closeSync, openSync, writeSync } from "node:fs";
import { randomFillSync } from "node:crypto";

/** A safetensors shard of `bytes` data bytes, written in 16 MiB random blocks. */
export function writeShard(path: string, bytes: number): void {
  let header = Buffer.from(JSON.stringify({ weight: { dtype: "U8", shape: [bytes], data_offsets: [0, bytes] } }));
  header = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(header.length));
  const fd = openSync(path, "w");
  try {
    writeSync(fd, len);
    writeSync(fd, header);
    const block = Buffer.allocUnsafe(16 * 1024 * 1024);
    for (let left = bytes; left > 0; left -= block.length) {
      randomFillSync(block);
      writeSync(fd, block, 0, Math.min(block.length, left));
    }
  } finally {
    closeSync(fd);
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
