/**
 * The synchronous file operations of the file store: the one place that writes, fsyncs
 * and renames its files. It runs on the writer thread (writer-thread.ts, used through
 * `WorkerLedgerIo` in io.ts) in production, and on the calling thread in tests
 * (`InThreadLedgerIo`). Each operation states its durability guarantee; the rules they
 * follow are in docs/durability.md.
 */
import { fstatSync, readSync, statSync, closeSync, copyFileSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, chmodSync, ftruncateSync, unlinkSync, writeSync, constants } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { crc32cRange } from './crc32c.js';
import { fsyncDirectory, openIfExists as openIfExistsIn, readIfExists, unlinkIfExists, writeAll as writeAllTo } from './durable-fs.js';
import { checkRecordChain, type CheckedChain } from './format.js';
/** What {@link LedgerIo.readCheckedInto} read and found. */
export interface CheckedRead extends CheckedChain {
  /** Bytes read into the target (fewer than its length at the end of the file). */
  readonly bytes: number;
}

/** The synchronous core shared by the worker thread and the in-thread implementation. */
export interface SyncIoCore {
  ensureDir(dir: string): void;
  list(dir: string): string[];
  read(path: string): Buffer | undefined;
  readAt(path: string, offset: number, length: number): Buffer | undefined;
  readInto(path: string, offset: number, target: Uint8Array): number | undefined;
  readCheckedInto(path: string, offset: number, target: Uint8Array, from: number): CheckedRead | undefined;
  writeDurable(path: string, data: Uint8Array): void;
  openAppend(path: string, fence?: { path: string; token: string }): void;
  append(data: Uint8Array): void;
  truncate(path: string, length: number): void;
  copy(from: string, to: string): void;
  remove(path: string): void;
  close(): void;
}

/**
 * The synchronous operations over the file-system functions in `fs` (the real ones, or
 * an in-memory file system in crash tests).
 */
function makeSyncCore(
  fs: {
  closeSync: typeof closeSync; copyFileSync: typeof copyFileSync; fdatasyncSync: typeof fdatasyncSync; fsyncSync: typeof fsyncSync;
  mkdirSync: typeof mkdirSync; openSync: typeof openSync; readdirSync: typeof readdirSync; readFileSync: typeof readFileSync;
  renameSync: typeof renameSync; chmodSync: typeof chmodSync; ftruncateSync: typeof ftruncateSync; unlinkSync: typeof unlinkSync;
  writeSync: typeof writeSync; constants: typeof constants; join: typeof join; dirname: typeof dirname; basename: typeof basename;
  pid: number;
  /** Optional: without it the fence is checked by reading the lock file before every append. */
  statSync?: typeof statSync;
  /** Optional: the wall clock in ms, used with `statSync`. */
  now?: () => number;
  /** Optional, with `fstatSync`: positional reads; without them `readAt` reads the whole file. */
  readSync?: typeof readSync;
  fstatSync?: typeof fstatSync;
  /** Optional: `checkRecordChain` with the CRC bound in; without it `readCheckedInto` walks the chain without CRCs and reports none checked. */
  checkRecords?: (buf: Uint8Array, from: number) => CheckedChain;
  },
  skipSync?: string,
  stopFlag?: Int32Array,
): SyncIoCore {
  // `skipSync` exists only for the test that removes one sync site at a time and checks
  // the power-loss test then fails, which proves the test notices a missing sync.
  // Production never sets it.
  const sync = (site: string, run: () => void): void => {
    if (site !== skipSync) run();
  };
  let logFd: number | undefined;
  let fence: { path: string; token: string } | undefined;
  /**
   * Metadata of the lock file when its content was last read and found to hold our
   * token, or `undefined` when the next append must read it again.
   */
  let fenceStat: string | undefined;
  let tempCounter = 0;

  const fsyncDir = (dir: string, site: string): void => {
    if (site !== skipSync) fsyncDirectory(fs, dir);
  };
  const writeAll = (fd: number, data: Uint8Array): void => writeAllTo(fs, fd, data);
  const openIfExists = (path: string): number | undefined => openIfExistsIn(fs, path);
  /** Reads from byte `at` of `fd` until `target` is full or the file ends; returns the bytes read. */
  const readFully = (readPart: typeof readSync, fd: number, target: Uint8Array, at: number): number => {
    let done = 0;
    while (done < target.length) {
      const n = readPart(fd, target, done, target.length - done, at + done);
      if (n === 0) break;
      done += n;
    }
    return done;
  };

  /**
   * Identity and change times of the file at `path` (inode, size, mtime, ctime in ns),
   * or `undefined` if it cannot be stat'ed or no `statSync` is available.
   */
  const statKey = (path: string): { key: string; ctimeMs: number } | undefined => {
    if (!fs.statSync) return undefined;
    try {
      const st = fs.statSync(path, { bigint: true });
      return { key: `${st.dev}:${st.ino}:${st.size}:${st.mtimeNs}:${st.ctimeNs}`, ctimeMs: Number(st.ctimeNs / 1_000_000n) };
    } catch {
      return undefined;
    }
  };
  /**
   * Below this age (ms) a lock file's metadata is not trusted to reveal a later change:
   * file timestamps are taken from a coarse clock (a few ms per tick), so a change in
   * the same tick as our last read could leave ctime unchanged. Generous on purpose.
   */
  const FENCE_STAT_TRUST_AFTER_MS = 2_000;
  const checkFence = (f: { path: string; token: string }): void => {
    // Fencing: a writer whose lock was taken over must not append another byte.
    // A takeover renames the old lock file away and creates a new one (a new inode, or a
    // recycled inode number with a new ctime), and any write in place sets a new ctime
    // and mtime, so if the lock file's inode, size, mtime and ctime are exactly those
    // seen when we last read our token in it, its content is unchanged and the read can
    // be skipped. The metadata is trusted only once the file's ctime is well in the past
    // at the time of that read (see FENCE_STAT_TRUST_AFTER_MS); until then, and after
    // any change at all, the file is read again before the append.
    const before = statKey(f.path);
    if (before !== undefined && before.key === fenceStat) return;
    fenceStat = undefined;
    let current: string | undefined;
    try {
      current = fs.readFileSync(f.path, 'utf8');
    } catch {
      current = undefined;
    }
    if (current === undefined || !current.includes(f.token)) {
      throw Object.assign(new Error('the ledger lock was taken over by another writer'), { code: 'ERR_LEDGER_LOCK_LOST' });
    }
    // Cache only metadata that provably belongs to the content just read: unchanged
    // across the read, and with a ctime old enough that any later change must move it.
    const after = statKey(f.path);
    const now = fs.now?.() ?? Number.NaN;
    if (before !== undefined && after !== undefined && after.key === before.key && now - after.ctimeMs > FENCE_STAT_TRUST_AFTER_MS) {
      fenceStat = after.key;
    }
  };

  /**
   * The first error of an operation that changes storage. From then on every such
   * operation fails with it without touching storage, including ones the ledger issued
   * before it learnt of the failure (a log append queued behind a compaction's file
   * write, say): after a failure the state on disk is unknown, and nothing more is
   * written (docs/durability.md#d11-a-failed-write-or-sync-poisons-the-ledger-the-sync-is-never-retried).
   * `stopFlag` (shared memory) carries the stop to the cores of the ledger's other
   * writer threads, and from them.
   */
  let stopped: { readonly error: unknown } | undefined;
  const changing = <A extends unknown[]>(op: (...args: A) => void) =>
    (...args: A): void => {
      if (stopped) throw stopped.error;
      if (stopFlag && Atomics.load(stopFlag, 0) !== 0) {
        throw Object.assign(new Error("an earlier change to the ledger's files failed on its other writer thread; nothing more is written"), { code: 'ERR_LEDGER_STOPPED' });
      }
      try {
        op(...args);
      } catch (error) {
        stopped = { error };
        if (stopFlag) Atomics.store(stopFlag, 0, 1);
        throw error;
      }
    };

  const core: SyncIoCore = {
    ensureDir(dir) {
      try {
        fs.mkdirSync(dir, { mode: 0o700 });
        fsyncDir(fs.dirname(dir), 'ensureDir.parent');
      } catch (e) {
        if ((e as { code?: string }).code !== 'EEXIST') throw e;
      }
      fs.chmodSync(dir, 0o700);
    },
    list(dir) {
      return fs.readdirSync(dir);
    },
    read(path) {
      return readIfExists(fs, path);
    },
    readAt(path, offset, length) {
      const readPart = fs.readSync;
      const statFd = fs.fstatSync;
      if (!readPart || !statFd) {
        const whole = this.read(path);
        return whole === undefined ? undefined : whole.subarray(Math.min(offset, whole.length), Math.min(offset + length, whole.length));
      }
      const fd = openIfExists(path);
      if (fd === undefined) return undefined;
      try {
        // Sized to what the file holds, so a read to its end owns its whole buffer (and
        // the worker can transfer it instead of copying it).
        const size = statFd(fd).size;
        const out = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
        const done = readFully(readPart, fd, out, offset);
        return done === out.length ? out : out.subarray(0, done);
      } finally {
        fs.closeSync(fd);
      }
    },
    readInto(path, offset, target) {
      const readPart = fs.readSync;
      if (!readPart) {
        const part = this.readAt(path, offset, target.length);
        if (part === undefined) return undefined;
        target.set(part);
        return part.length;
      }
      const fd = openIfExists(path);
      if (fd === undefined) return undefined;
      try {
        return readFully(readPart, fd, target, offset);
      } finally {
        fs.closeSync(fd);
      }
    },
    readCheckedInto(path, offset, target, from) {
      const bytes = this.readInto(path, offset, target);
      if (bytes === undefined) return undefined;
      const view = target.subarray(0, bytes);
      if (fs.checkRecords) return { bytes, ...fs.checkRecords(view, from) };
      // No checker: an empty checked range (`end` = `from`), so the caller checks every CRC.
      return { bytes, end: from, badAt: -1 };
    },
    writeDurable(path, data) {
      const dir = fs.dirname(path);
      const temp = fs.join(dir, `.${fs.basename(path)}.${fs.pid}.${++tempCounter}.tmp`);
      const fd = fs.openSync(temp, 'wx', 0o600);
      try {
        writeAll(fd, data);
        // After this fsync the temp file's content is on disk.
        sync('writeDurable.file', () => fs.fsyncSync(fd));
      } finally {
        fs.closeSync(fd);
      }
      // Atomic replace: readers see the old or the new file, never a mix...
      fs.renameSync(temp, path);
      // ...and after the directory fsync the new name survives power loss: the rename
      // is a directory change, which no fsync of the file covers.
      fsyncDir(dir, 'writeDurable.dir');
    },
    openAppend(path, f) {
      if (logFd !== undefined) fs.closeSync(logFd);
      logFd = undefined;
      // O_APPEND: the kernel places every write at the end; no positional writes (on
      // an append descriptor Linux ignores the position anyway).
      logFd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_APPEND);
      fence = f;
      fenceStat = undefined;
    },
    append(data) {
      if (logFd === undefined) throw Object.assign(new Error('no log is open'), { code: 'ERR_LEDGER_NOT_OPEN' });
      if (fence) checkFence(fence);
      writeAll(logFd, data);
      // The acknowledgement point: only after this fdatasync succeeds are the records
      // in `data` durable and may their callers be resolved; no caller is acknowledged
      // before the sync that covers its record.
      const fd = logFd;
      sync('append.data', () => fs.fdatasyncSync(fd));
    },
    truncate(path, length) {
      const fd = fs.openSync(path, 'r+');
      try {
        fs.ftruncateSync(fd, length);
        // After this fsync nothing stale remains past `length`, so old bytes there can
        // never be read back as records.
        sync('truncate.file', () => fs.fsyncSync(fd));
      } finally {
        fs.closeSync(fd);
      }
    },
    copy(from, to) {
      fs.copyFileSync(from, to, fs.constants.COPYFILE_EXCL);
      fs.chmodSync(to, 0o600);
      const fd = fs.openSync(to, 'r');
      try {
        // The copy's content is on disk...
        sync('copy.file', () => fs.fsyncSync(fd));
      } finally {
        fs.closeSync(fd);
      }
      // ...and so is its name.
      fsyncDir(fs.dirname(to), 'copy.dir');
    },
    remove(path) {
      if (!unlinkIfExists(fs, path)) return;
      // After this the deletion survives power loss.
      fsyncDir(fs.dirname(path), 'remove.dir');
    },
    close() {
      if (logFd !== undefined) fs.closeSync(logFd);
      logFd = undefined;
    },
  };
  core.writeDurable = changing(core.writeDurable.bind(core));
  core.openAppend = changing(core.openAppend.bind(core));
  core.append = changing(core.append.bind(core));
  core.truncate = changing(core.truncate.bind(core));
  core.copy = changing(core.copy.bind(core));
  core.remove = changing(core.remove.bind(core));
  return core;
}

/** Every sync site of the core, for the "remove one fsync" mutation test. */
export const SYNC_SITES = [
  'ensureDir.parent',
  'writeDurable.file',
  'writeDurable.dir',
  'append.data',
  'truncate.file',
  'copy.file',
  'copy.dir',
  'remove.dir',
] as const;

/** The file-system functions the core uses; tests pass an in-memory one. */
export type CoreFs = Parameters<typeof makeSyncCore>[0];

/**
 * @internal Creates the synchronous core over any {@link CoreFs}. `stopFlag`: shared with
 * the cores of the same ledger's other threads; a failed change in any of them stops
 * every later change in all of them.
 */
export function createSyncCore(fs: CoreFs, skipSync?: (typeof SYNC_SITES)[number], stopFlag?: Int32Array): SyncIoCore {
  return makeSyncCore(fs, skipSync, stopFlag);
}

const nodeFs = {
  closeSync, copyFileSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync,
  renameSync, chmodSync, ftruncateSync, unlinkSync, writeSync, constants, join, dirname, basename, pid: process.pid,
  statSync, now: Date.now, readSync, fstatSync,
  checkRecords: (buf: Uint8Array, from: number): CheckedChain => checkRecordChain(buf, from, crc32cRange),
};

/** Creates the synchronous core over the real file system (used in-thread and by tests); `stopFlag` as for {@link createSyncCore}. */
export function createNodeSyncCore(stopFlag?: Int32Array): SyncIoCore {
  return makeSyncCore(nodeFs, undefined, stopFlag);
}
