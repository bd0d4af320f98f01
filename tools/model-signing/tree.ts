// Walks a model directory and checks what is on disk before anything is hashed: no symlinks, no
// special files, only allowed file types, safetensors files structurally complete.
// Node builtins only (bundled into the init container).
import { closeSync, lstatSync, openSync, readdirSync, readSync } from "node:fs";
import type { Stats } from "node:fs";
import { basename, join } from "node:path";
import { fail } from "./errors.js";
import { checkFileType, isIgnored } from "./format.js";
import type { FilePolicy } from "./format.js";

export interface ModelFile {
  /** POSIX path relative to the model root ("." for a single-file model). */
  name: string;
  /** Absolute (or caller-relative) path on disk. */
  path: string;
  size: number;
}

function lstatOrFail(path: string): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") fail("FILE_MISSING", `${path}: does not exist`, path);
    fail("IO_ERROR", `${path}: ${e.message}`, path);
  }
}

function checkKind(st: Stats, rel: string): void {
  if (st.isSymbolicLink()) fail("SYMLINK", `${rel}: symbolic links are not allowed in a model`, rel);
  if (!st.isFile() && !st.isDirectory()) fail("SPECIAL_FILE", `${rel}: not a regular file or directory`, rel);
}

/**
 * Lists every regular file under root (sorted by name), failing on symlinks and special files.
 * Paths matching ignorePaths are skipped entirely, except that the pickle deny-list and the
 * symlink rule still apply to ignored files outside `.git/` (they would still sit next to the weights).
 */
export function listModelFiles(root: string, ignorePaths: readonly string[], policy: FilePolicy): ModelFile[] {
  const files: ModelFile[] = [];
  const walk = (dir: string, relDir: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch (err) {
      fail("IO_ERROR", `${dir}: ${(err as Error).message}`, dir);
    }
    for (const entry of entries.sort()) {
      const rel = relDir === "" ? entry : `${relDir}/${entry}`;
      const path = join(dir, entry);
      const ignored = isIgnored(rel, ignorePaths);
      if (ignored && (rel === ".git" || rel.startsWith(".git/"))) continue;
      const st = lstatOrFail(path);
      checkKind(st, rel);
      if (st.isDirectory()) {
        walk(path, rel);
        continue;
      }
      if (ignored) {
        checkFileType(rel, "any");
        continue;
      }
      checkFileType(rel, policy);
      files.push({ name: rel, path, size: st.size });
    }
  };
  const st = lstatOrFail(root);
  if (st.isFile()) {
    checkFileType(basename(root), policy);
    return [{ name: ".", path: root, size: st.size }];
  }
  if (!st.isDirectory()) fail("SPECIAL_FILE", `${root}: model path is not a file or directory`, root);
  walk(root, "");
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The safetensors loader refuses headers above 100 MB; so do we. */
const MAX_SAFETENSORS_HEADER = 100_000_000;

/**
 * Checks that a .safetensors file is complete: an 8-byte little-endian header length, a JSON
 * header whose tensors' data_offsets cover exactly the rest of the file. Catches a truncated
 * download (FILE_TRUNCATED) and a renamed non-safetensors file (SAFETENSORS_INVALID) before hashing.
 */
export function checkSafetensors(file: ModelFile): void {
  const rel = file.name === "." ? file.path : file.name;
  if (file.size < 8) fail("FILE_TRUNCATED", `${rel}: ${file.size} bytes, shorter than a safetensors header`, rel);
  const fd = openSync(file.path, "r");
  try {
    const lenBuf = Buffer.alloc(8);
    readSync(fd, lenBuf, 0, 8, 0);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen === 0n || headerLen > BigInt(MAX_SAFETENSORS_HEADER)) {
      fail("SAFETENSORS_INVALID", `${rel}: header length ${headerLen} is not plausible; not a safetensors file`, rel);
    }
    const n = Number(headerLen);
    if (8 + n > file.size) fail("FILE_TRUNCATED", `${rel}: ${file.size} bytes, but its safetensors header alone needs ${8 + n}`, rel);
    const header = Buffer.alloc(n);
    readSync(fd, header, 0, n, 8);
    let doc: unknown;
    try {
      doc = JSON.parse(header.toString("utf8"));
    } catch {
      fail("SAFETENSORS_INVALID", `${rel}: safetensors header is not JSON`, rel);
    }
    if (typeof doc !== "object" || doc === null || Array.isArray(doc)) fail("SAFETENSORS_INVALID", `${rel}: safetensors header is not an object`, rel);
    let end = 0;
    for (const [name, info] of Object.entries(doc as Record<string, unknown>)) {
      if (name === "__metadata__") continue;
      const offsets = (info as { data_offsets?: unknown } | null)?.data_offsets;
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && (o as number) >= 0) || offsets[0] > offsets[1]) {
        fail("SAFETENSORS_INVALID", `${rel}: tensor ${name} has no valid data_offsets`, rel);
      }
      end = Math.max(end, offsets[1] as number);
    }
    const expected = 8 + n + end;
    if (file.size < expected) fail("FILE_TRUNCATED", `${rel}: ${file.size} bytes, but its safetensors header describes ${expected}`, rel);
    if (file.size > expected) fail("SAFETENSORS_INVALID", `${rel}: ${file.size - expected} trailing bytes after the tensors its header describes`, rel);
  } finally {
    closeSync(fd);
  }
}

export function isSafetensors(name: string, path: string): boolean {
  return (name === "." ? path : name).toLowerCase().endsWith(".safetensors");
}
