// Walks a model directory and checks what is on disk before anything is hashed: no symlinks, no
// special files, only allowed file types, nothing that vLLM may read hidden under an ignore path,
// safetensors files structurally complete. Node builtins only (bundled into the init container).
import { closeSync, readdirSync } from "node:fs";
import { basename } from "node:path";
import { fail } from "./errors.js";
import { checkFileType, EXEMPT_ROOT_NAMES, isIgnored, isSafeResourceName } from "./format.js";
import type { FilePolicy } from "./format.js";
import { MAX_INDEX_BYTES, MAX_INDEX_DEPTH, MAX_SAFETENSORS_DEPTH, MAX_SAFETENSORS_HEADER_BYTES, parseJsonBounded } from "./limits.js";
import { describeKind, fsError, lstatChecked, openRegularFile, readExactly, readSmallFile } from "./safe-read.js";

export interface ModelFile {
  /** POSIX path relative to the model root ("." for a single-file model). */
  name: string;
  /** Absolute (or caller-relative) path on disk. */
  path: string;
  size: number;
}

/** A file name as readable text: printable ASCII as is, every other byte as \xNN. */
export function printableName(bytes: Buffer): string {
  let out = "";
  for (const b of bytes) out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, "0")}`;
  return out;
}

/** The entry's name as a string, or undefined when its bytes are not valid UTF-8 (no signature can name it). */
function utf8Name(raw: Buffer): string | undefined {
  const text = raw.toString("utf8");
  return Buffer.from(text, "utf8").equals(raw) ? text : undefined;
}

/**
 * Lists every regular file under root (sorted by name), failing on symlinks and special files.
 * Paths matching ignorePaths are skipped, except that the pickle deny-list and the symlink rule
 * still apply to ignored files outside `.git/` (they would still sit next to the weights) and,
 * under the safetensors policy, an ignored `.safetensors` file is refused (vLLM may load it).
 * A name that is not valid UTF-8 is an extra file: the format names files in UTF-8, so no
 * signature can list it.
 */
export function listModelFiles(root: string, ignorePaths: readonly string[], policy: FilePolicy): ModelFile[] {
  const files: ModelFile[] = [];
  const walk = (dir: Buffer, relDir: string, ignoredDir: boolean): void => {
    let entries: Buffer[];
    try {
      entries = readdirSync(dir, { encoding: "buffer" });
    } catch (err) {
      throw fsError(err, { label: relDir === "" ? root : relDir, missing: "IO_ERROR" });
    }
    for (const raw of entries.sort(Buffer.compare)) {
      const name = utf8Name(raw);
      const shown = name ?? printableName(raw);
      const rel = relDir === "" ? shown : `${relDir}/${shown}`;
      const path = Buffer.concat([dir, Buffer.from("/"), raw]);
      const ignored = ignoredDir || (name !== undefined && isIgnored(rel, ignorePaths));
      if (ignored && (rel === ".git" || rel.startsWith(".git/"))) continue;
      if (name === undefined && !ignored) {
        fail("FILE_EXTRA", `${rel}: on disk but not signed (its name is not valid UTF-8, so no signature can list it; rename or remove it)`, rel);
      }
      const st = lstatChecked(path, { label: rel });
      if (st.isSymbolicLink()) fail("SYMLINK", `${rel}: symbolic links are not allowed in a model`, rel);
      if (!st.isFile() && !st.isDirectory()) fail("SPECIAL_FILE", `${rel}: ${describeKind(st)}, not a regular file or directory`, rel);
      if (st.isDirectory()) {
        walk(path, rel, ignored);
        continue;
      }
      if (ignored) {
        checkFileType(rel, "any");
        if (policy === "safetensors" && rel.toLowerCase().endsWith(".safetensors") && !EXEMPT_ROOT_NAMES.includes(rel)) {
          fail("IGNORE_PATH_FORBIDDEN", `${rel}: weights cannot be left out of the signature (vLLM loads .safetensors files wherever the index points); remove the ignore path that covers it`, rel);
        }
        continue;
      }
      checkFileType(rel, policy);
      files.push({ name: rel, path: path.toString("utf8"), size: st.size });
    }
  };
  const st = lstatChecked(root, { label: root });
  if (st.isFile()) {
    checkFileType(basename(root), policy);
    return [{ name: ".", path: root, size: st.size }];
  }
  if (st.isSymbolicLink()) fail("SYMLINK", `${root}: the model path is a symbolic link; resolve it first`, root);
  if (!st.isDirectory()) fail("SPECIAL_FILE", `${root}: model path is ${describeKind(st)}, not a file or directory`, root);
  walk(Buffer.from(root, "utf8"), "", false);
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * What the safetensors library itself accepts at most (MAX_HEADER_SIZE in huggingface/safetensors):
 * a length above it means the file is not safetensors at all (a renamed pickle starts with bytes
 * that read as an enormous length).
 */
const SAFETENSORS_LIBRARY_MAX_HEADER = 100_000_000;

/**
 * Checks that a .safetensors file is complete: an 8-byte little-endian header length, a JSON
 * header whose tensors' data_offsets cover exactly the rest of the file. Catches a truncated
 * download (FILE_TRUNCATED) and a renamed non-safetensors file (SAFETENSORS_INVALID) before
 * hashing. The header is read only when its length is within MAX_SAFETENSORS_HEADER_BYTES and
 * parsed only when its nesting is within MAX_SAFETENSORS_DEPTH (LIMIT_EXCEEDED otherwise).
 */
export function checkSafetensors(file: ModelFile): void {
  const rel = file.name === "." ? file.path : file.name;
  const spec = { label: rel };
  const { fd, size } = openRegularFile(file.path, spec);
  try {
    if (size !== file.size) fail("IO_ERROR", `${rel}: changed size while being verified (${file.size} -> ${size} bytes)`, rel);
    if (size < 8) fail("FILE_TRUNCATED", `${rel}: ${size} bytes, shorter than a safetensors header`, rel);
    const lenBuf = Buffer.alloc(8);
    readExactly(fd, lenBuf, 0, spec);
    const headerLen = lenBuf.readBigUInt64LE(0);
    if (headerLen === 0n || headerLen > BigInt(SAFETENSORS_LIBRARY_MAX_HEADER)) {
      fail("SAFETENSORS_INVALID", `${rel}: header length ${headerLen} is not plausible; not a safetensors file`, rel);
    }
    const n = Number(headerLen);
    if (n > MAX_SAFETENSORS_HEADER_BYTES) {
      fail("LIMIT_EXCEEDED", `${rel}: safetensors header of ${n} bytes; the verifier reads at most ${MAX_SAFETENSORS_HEADER_BYTES} (real shards need well under 1 MB)`, rel);
    }
    if (8 + n > size) fail("FILE_TRUNCATED", `${rel}: ${size} bytes, but its safetensors header alone needs ${8 + n}`, rel);
    const header = Buffer.alloc(n);
    readExactly(fd, header, 8, spec);
    const doc = parseJsonBounded(header, MAX_SAFETENSORS_DEPTH, `${rel}: safetensors header`, "SAFETENSORS_INVALID", rel);
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
    if (size < expected) fail("FILE_TRUNCATED", `${rel}: ${size} bytes, but its safetensors header describes ${expected}`, rel);
    if (size > expected) fail("SAFETENSORS_INVALID", `${rel}: ${size - expected} trailing bytes after the tensors its header describes`, rel);
  } finally {
    closeSync(fd);
  }
}

export function isSafetensors(name: string, path: string): boolean {
  return (name === "." ? path : name).toLowerCase().endsWith(".safetensors");
}

/** Safetensors index files vLLM reads (`model.safetensors.index.json`, Mistral's `consolidated.safetensors.index.json`, ...). */
export function isSafetensorsIndex(name: string): boolean {
  return name.toLowerCase().endsWith(".safetensors.index.json");
}

/**
 * Checks the paths the loader follows from a safetensors index: with no shards at the model root,
 * vLLM loads every file the index's weight_map names, joined to the model root
 * (`_indexed_safetensors_files` in vLLM's default loader), so each must be a `.safetensors` file
 * of the model that the signature covers; a name leaving the model (`..`, absolute) would be read
 * unverified. Call it with files whose content is already verified (verify) or about to be signed
 * (publish). Fails with FILE_MISSING naming the index and the path.
 */
export function checkIndexTargets(files: readonly ModelFile[], covered: ReadonlySet<string>): void {
  for (const f of files) {
    if (!isSafetensorsIndex(f.name)) continue;
    const spec = { label: f.name };
    const text = readSmallFile(f.path, MAX_INDEX_BYTES, "safetensors index", spec);
    const doc = parseJsonBounded(text, MAX_INDEX_DEPTH, `${f.name}`, "SAFETENSORS_INVALID", f.name) as { weight_map?: unknown } | null;
    const map = doc?.weight_map;
    if (map === undefined) continue;
    if (typeof map !== "object" || map === null || Array.isArray(map)) fail("SAFETENSORS_INVALID", `${f.name}: weight_map is not an object`, f.name);
    for (const target of new Set(Object.values(map as Record<string, unknown>))) {
      if (typeof target !== "string") fail("SAFETENSORS_INVALID", `${f.name}: weight_map has a value that is not a file name`, f.name);
      if (!isSafeResourceName(target) || target === ".") fail("FILE_MISSING", `${f.name}: weight_map names ${JSON.stringify(target)}, outside the model; vLLM would load it unverified`, f.name);
      if (!covered.has(target)) fail("FILE_MISSING", `${f.name}: weight_map names ${target}, which is not a signed file of the model; vLLM would load it unverified`, target);
    }
  }
}
