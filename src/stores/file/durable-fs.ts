/**
 * The durable file-system steps the file store is built from, written once: the
 * synchronous I/O core (sync-core.ts, run on the writer thread) and the single-writer
 * lock (lock.ts) both use them. Each takes the few `fs` functions it needs as an
 * argument, so crash tests can pass an in-memory file system that simulates power loss.
 *
 * What "durable" means here, and why each step is needed, is in docs/durability.md.
 */

/** The `fs` functions {@link fsyncDirectory} needs. */
export interface DirSyncFs {
  openSync(path: string, flags: string): number;
  fsyncSync(fd: number): void;
  closeSync(fd: number): void;
}

/**
 * Makes the creates, renames and deletes already done in `dir` durable. An fsync of a
 * file covers its data, not its name: the name lives in the directory, which needs its
 * own fsync (fsync(2)).
 *
 * Platform caveat, stated once for the whole store: Windows cannot open a directory for
 * fsync, so there a new or renamed file's name is durable only as far as NTFS's own
 * metadata journal makes it; docs/guarantees.md lists what that leaves uncovered.
 */
export function fsyncDirectory(fs: DirSyncFs, dir: string, platform: string = process.platform): void {
  if (platform === 'win32') return;
  const fd = fs.openSync(dir, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes all of `data` at the descriptor's position (the end, for an O_APPEND log),
 * looping over short writes: one write(2) may store fewer bytes than asked. Not
 * durable by itself; the caller fsyncs.
 */
export function writeAll(fs: { writeSync(fd: number, data: Uint8Array, offset: number, length: number): number }, fd: number, data: Uint8Array): void {
  let offset = 0;
  while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
}

/** The `code` of a Node.js system error, or `undefined`. */
export const errorCode = (e: unknown): string | undefined =>
  typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'string' ? (e as { code: string }).code : undefined;

/** True for "no such file or directory". */
export const isMissing = (e: unknown): boolean => errorCode(e) === 'ENOENT';

/** The whole file at `path`, or `undefined` if it does not exist. */
export function readIfExists(fs: { readFileSync(path: string): Buffer }, path: string): Buffer | undefined {
  try {
    return fs.readFileSync(path);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** Opens `path` for reading; `undefined` when it does not exist. */
export function openIfExists(fs: { openSync(path: string, flags: string): number }, path: string): number | undefined {
  try {
    return fs.openSync(path, 'r');
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

/** Deletes `path`; a missing file is not an error. Not durable by itself: the caller fsyncs the directory. */
export function unlinkIfExists(fs: { unlinkSync(path: string): void }, path: string): boolean {
  try {
    fs.unlinkSync(path);
    return true;
  } catch (e) {
    if (isMissing(e)) return false;
    throw e;
  }
}
