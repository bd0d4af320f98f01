// Reads of files an attacker with write access to the model prefix may control, each checked and
// bounded before a byte is read. Node builtins only (bundled into the init container).
//
// A file is lstat'ed first and must be a regular file: a FIFO blocks the reader forever, a device
// such as /dev/zero never ends, a symbolic link can point anywhere. It is then opened with
// O_NOFOLLOW (a link swapped in after the lstat fails the open instead of being followed) and
// O_NONBLOCK (a FIFO swapped in cannot block the open), and the open descriptor is fstat'ed and
// compared with the lstat (same device and inode, still a regular file), so what is read is what
// was checked. Sizes come from that fstat and are checked against the caller's limit before any
// buffer is allocated.
import { closeSync, constants, fstatSync, lstatSync, openSync, readSync, realpathSync } from "node:fs";
import type { Stats } from "node:fs";
import { fail, ModelSigningError } from "./errors.js";
import type { ErrorCode } from "./errors.js";

// Absent on Windows (where the verifier does not run); 0 leaves the flag out.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
export const OPEN_FLAGS = constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK;

export interface OpenedFile {
  fd: number;
  /** Size from fstat of the open descriptor. */
  size: number;
}

export interface FileSpec {
  /** How messages name the file (a model-relative path, or the path as given). */
  label: string;
  /** Failure class when the file does not exist. Default FILE_MISSING. */
  missing?: ErrorCode;
}

/** "a FIFO", "a directory", ...: what a non-regular file is, for messages. */
export function describeKind(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  return "not a regular file";
}

/** Maps a file-system error to the verifier's classes: missing, link (ELOOP from O_NOFOLLOW), or I/O. */
export function fsError(err: unknown, spec: FileSpec): ModelSigningError {
  if (err instanceof ModelSigningError) return err;
  const e = err as NodeJS.ErrnoException;
  if (e.code === "ENOENT" || e.code === "ENOTDIR") return new ModelSigningError(spec.missing ?? "FILE_MISSING", `${spec.label}: not found`, spec.label);
  if (e.code === "ELOOP") return new ModelSigningError("SYMLINK", `${spec.label}: a symbolic link, not a regular file`, spec.label);
  return new ModelSigningError("IO_ERROR", `${spec.label}: cannot be read: ${e.code ?? ""} ${e.message}`.replace(/\s+/g, " "), spec.label);
}

/** lstat that maps errors like fsError. */
export function lstatChecked(path: string | Buffer, spec: FileSpec): Stats {
  try {
    return lstatSync(path);
  } catch (err) {
    throw fsError(err, spec);
  }
}

/**
 * Opens a regular file that is not a symbolic link, or fails: SYMLINK, SPECIAL_FILE (FIFO,
 * socket, device, directory), the spec's missing class, or IO_ERROR. The caller closes the fd.
 */
export function openRegularFile(path: string | Buffer, spec: FileSpec): OpenedFile {
  const before = lstatChecked(path, spec);
  if (before.isSymbolicLink()) fail("SYMLINK", `${spec.label}: a symbolic link, not a regular file`, spec.label);
  if (!before.isFile()) fail("SPECIAL_FILE", `${spec.label}: ${describeKind(before)}, not a regular file`, spec.label);
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (err) {
    throw fsError(err, spec);
  }
  try {
    const now = fstatSync(fd);
    if (!now.isFile()) fail("SPECIAL_FILE", `${spec.label}: ${describeKind(now)}, not a regular file`, spec.label);
    if (now.dev !== before.dev || now.ino !== before.ino) fail("IO_ERROR", `${spec.label}: replaced while it was being checked`, spec.label);
    return { fd, size: now.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

/** Reads exactly `length` bytes at `position`, or fails with IO_ERROR (the file shrank under us). */
export function readExactly(fd: number, buf: Buffer, position: number, spec: FileSpec): void {
  let done = 0;
  while (done < buf.length) {
    let n: number;
    try {
      n = readSync(fd, buf, done, buf.length - done, position + done);
    } catch (err) {
      throw fsError(err, spec);
    }
    if (n === 0) fail("IO_ERROR", `${spec.label}: ended after ${position + done} bytes while being read (changed under the verifier)`, spec.label);
    done += n;
  }
}

/**
 * The whole content of a small regular file, refusing (LIMIT_EXCEEDED) before reading anything
 * when it is larger than maxBytes. `what` names the kind of file in the message.
 */
export function readSmallFile(path: string | Buffer, maxBytes: number, what: string, spec: FileSpec): Buffer {
  const { fd, size } = openRegularFile(path, spec);
  try {
    if (size > maxBytes) fail("LIMIT_EXCEEDED", `${spec.label}: ${size} bytes; a ${what} may have at most ${maxBytes}`, spec.label);
    const buf = Buffer.alloc(size);
    readExactly(fd, buf, 0, spec);
    // A file still growing after its fstat is not the file that was checked.
    const extra = Buffer.alloc(1);
    let n: number;
    try {
      n = readSync(fd, extra, 0, 1, size);
    } catch (err) {
      throw fsError(err, spec);
    }
    if (n !== 0) fail("IO_ERROR", `${spec.label}: grew while being read (changed under the verifier)`, spec.label);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/**
 * Resolves a path an operator gave on the command line (the model path, --signature,
 * --public-key) to its real path, once, before anything is read: a deployment may point at the
 * model through a link (`current -> v3`) or mount a key from a ConfigMap (whose files are links).
 * Links inside the model are a different matter: they are refused wherever they appear.
 */
export function resolveGivenPath(path: string, spec: FileSpec): string {
  try {
    return realpathSync(path);
  } catch (err) {
    throw fsError(err, spec);
  }
}
