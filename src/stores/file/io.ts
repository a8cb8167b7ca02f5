import { fstatSync, readSync, statSync, closeSync, copyFileSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, chmodSync, ftruncateSync, unlinkSync, writeSync, constants } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { Worker } from 'node:worker_threads';
import { crc32cRange, makeCrc32cRange } from './crc32c.js';
import { checkRecordChain, type CheckedChain } from './format.js';

/**
 * Every file operation the file ledger performs. Each method states its durability
 * guarantee; an implementation must keep it or fail. Operations are executed one at a
 * time in call order.
 *
 * Production uses {@link WorkerLedgerIo}: a dedicated worker thread doing synchronous
 * calls, so a flush never queues behind unrelated work on libuv's shared thread pool
 * (an fsync queued behind four crypto jobs there waited about 1 s; see
 * bench/ledger-starvation.bench.ts) and never blocks the event loop. Tests inject an
 * in-memory implementation that simulates power loss.
 */
export interface LedgerIo {
  /** Creates `dir` (mode 0700) if missing. Durable: the parent directory is fsynced after a create. */
  ensureDir(dir: string): Promise<void>;
  /** File names in `dir`. */
  list(dir: string): Promise<string[]>;
  /** Whole file, or `undefined` if it does not exist. */
  read(path: string): Promise<Buffer | undefined>;
  /**
   * Reads bytes of `path` from byte `offset` into `target`, as many as fit (fewer at the
   * end of the file); resolves with the count, or `undefined` if the file does not
   * exist. Lets the ledger read a large snapshot in chunks into the same two buffers
   * (fresh memory for every chunk costs a page fault per 4 KiB) and read one stored
   * record back by its position. A `target` backed by a `SharedArrayBuffer` is filled
   * in place by the worker-thread io. Optional: without it the ledger reads the whole
   * file and takes the range (fine for small test ledgers).
   */
  readInto?(path: string, offset: number, target: Uint8Array): Promise<number | undefined>;
  /**
   * {@link readInto}, then `checkRecordChain(target[0..bytes), from)` (format.ts) on the
   * bytes read: the records from `from` on are walked by their length fields and the
   * CRC-32C of each whole one is computed. The worker-thread io does both on its own
   * thread, so an open checksums the next snapshot chunk while it reads the current
   * one; the main thread then takes each record's CRC verdict from the answer (same
   * bytes: the target is shared memory that only this read writes). Resolves
   * `undefined` if the file does not exist. Optional: without it the ledger uses
   * {@link readInto} and computes the CRCs itself.
   */
  readCheckedInto?(path: string, offset: number, target: Uint8Array, from: number): Promise<CheckedRead | undefined>;
  /**
   * Replaces `path` atomically and durably: write a temp file in the same directory
   * (no EXDEV), fsync it, rename it over `path`, fsync the directory. After it resolves
   * the new content survives power loss; a crash before leaves the old file intact.
   */
  writeDurable(path: string, data: Uint8Array): Promise<void>;
  /**
   * Opens `path` (which must exist) as the one log appended to. `fence`, when given, is
   * checked before every append: if the file at `fence.path` no longer contains
   * `fence.token`, another writer took the ledger over and the append fails.
   */
  openAppend(path: string, fence?: { path: string; token: string }): Promise<void>;
  /**
   * Appends all of `data` to the open log (looping over short writes) and fdatasyncs.
   * Resolves only after the fdatasync covering every byte succeeded. Any error leaves
   * the log in an unknown state: the caller must stop writing and may not take a later
   * fsync of the same descriptor as proof that the data is on disk.
   */
  append(data: Uint8Array): Promise<void>;
  /** Truncates `path` to `length` bytes and fsyncs it (used to cut a torn tail). */
  truncate(path: string, length: number): Promise<void>;
  /** Copies `from` to `to` (mode 0600) durably: data fsynced, directory fsynced. */
  copy(from: string, to: string): Promise<void>;
  /** Deletes `path` if it exists, then fsyncs its directory. */
  remove(path: string): Promise<void>;
  /** Closes the open log and releases resources. Safe to call twice. */
  close(): Promise<void>;
}

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
 * The synchronous operations, written as a function whose source is also run inside
 * the worker thread (see {@link WorkerLedgerIo}); it may only use its `fs` argument.
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
    if (site === skipSync) return;
    // Makes creates, renames and deletes in `dir` durable: fsync of a file does not
    // cover its directory entry (fsync(2)).
    const fd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  };
  const writeAll = (fd: number, data: Uint8Array): void => {
    // One outstanding write, looping over short writes: a write may store fewer bytes
    // than asked.
    let offset = 0;
    while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
  };
  const isMissing = (e: unknown): boolean => (e as { code?: string }).code === 'ENOENT';
  /** Opens `path` for reading; `undefined` when it does not exist. */
  const openIfExists = (path: string): number | undefined => {
    try {
      return fs.openSync(path, 'r');
    } catch (e) {
      if (isMissing(e)) return undefined;
      throw e;
    }
  };
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

  return {
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
      try {
        return fs.readFileSync(path);
      } catch (e) {
        if (isMissing(e)) return undefined;
        throw e;
      }
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
      try {
        fs.unlinkSync(path);
      } catch (e) {
        if (isMissing(e)) return;
        throw e;
      }
      // After this the deletion survives power loss.
      fsyncDir(fs.dirname(path), 'remove.dir');
    },
    close() {
      if (logFd !== undefined) fs.closeSync(logFd);
      logFd = undefined;
    },
  };
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

/** @internal Creates the synchronous core over any {@link CoreFs}. */
export function createSyncCore(fs: CoreFs, skipSync?: (typeof SYNC_SITES)[number]): SyncIoCore {
  return makeSyncCore(fs, skipSync);
}

const nodeFs = {
  closeSync, copyFileSync, fdatasyncSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync,
  renameSync, chmodSync, ftruncateSync, unlinkSync, writeSync, constants, join, dirname, basename, pid: process.pid,
  statSync, now: Date.now, readSync, fstatSync,
  checkRecords: (buf: Uint8Array, from: number): CheckedChain => checkRecordChain(buf, from, crc32cRange),
};

/** Creates the synchronous core over the real file system (used in-thread and by tests). */
export function createNodeSyncCore(): SyncIoCore {
  return makeSyncCore(nodeFs);
}

/** Adapts a synchronous core to {@link LedgerIo} on the calling thread (blocks it during I/O). */
export class InThreadLedgerIo implements LedgerIo {
  readonly #core: SyncIoCore;
  constructor(core: SyncIoCore = createNodeSyncCore()) {
    this.#core = core;
  }
  async ensureDir(dir: string) { this.#core.ensureDir(dir); }
  async list(dir: string) { return this.#core.list(dir); }
  async read(path: string) { return this.#core.read(path); }
  async readInto(path: string, offset: number, target: Uint8Array) { return this.#core.readInto(path, offset, target); }
  async readCheckedInto(path: string, offset: number, target: Uint8Array, from: number) { return this.#core.readCheckedInto(path, offset, target, from); }
  async writeDurable(path: string, data: Uint8Array) { this.#core.writeDurable(path, data); }
  async openAppend(path: string, fence?: { path: string; token: string }) { this.#core.openAppend(path, fence); }
  async append(data: Uint8Array) { this.#core.append(data); }
  async truncate(path: string, length: number) { this.#core.truncate(path, length); }
  async copy(from: string, to: string) { this.#core.copy(from, to); }
  async remove(path: string) { this.#core.remove(path); }
  async close() { this.#core.close(); }
}

interface WorkerReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
}

/**
 * {@link LedgerIo} on a dedicated worker thread. The worker runs the same synchronous
 * core (its source is passed to the worker as text, so no separate file has to be
 * found at run time in ESM, CJS or TypeScript-source setups). Requests are answered
 * in order; buffers are copied to the worker, and file contents read there are
 * transferred back (not copied).
 */
export class WorkerLedgerIo implements LedgerIo {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #dead: Error | undefined;

  constructor() {
    const source = `
      const { parentPort } = require('node:worker_threads');
      const fs = require('node:fs');
      const path = require('node:path');
      // Bundlers that keep function names (esbuild's keepNames, used by tsx) wrap
      // inner functions in a '__name' helper that is not defined inside this eval.
      const __name = (fn) => fn;
      const makeSyncCore = ${makeSyncCore.toString()};
      // The snapshot checker of format.ts and the CRC-32C of crc32c.ts, both self-contained.
      const crc32cRange = (${makeCrc32cRange.toString()})();
      const checkRecordChain = ${checkRecordChain.toString()};
      const checkRecords = (buf, from) => checkRecordChain(buf, from, crc32cRange);
      const core = makeSyncCore({ ...fs, constants: fs.constants, join: path.join, dirname: path.dirname, basename: path.basename, pid: process.pid, now: Date.now, checkRecords });
      parentPort.on('message', (msg) => {
        try {
          const value = core[msg.op](...msg.args);
          // A file read whole owns its memory: move it to the main thread instead of
          // copying it (a large snapshot would otherwise exist twice).
          const owned = value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength;
          parentPort.postMessage({ id: msg.id, ok: true, value }, owned ? [value.buffer] : []);
        } catch (e) {
          parentPort.postMessage({ id: msg.id, ok: false, error: { message: String(e && e.message), code: e && e.code } });
        }
      });`;
    // `execArgv: []`: the writer is plain CommonJS and needs no flag of the application's.
    // Inherited, `--input-type=module` (a script run with `node -e`) would make this eval
    // an ES module, where `require` does not exist, and every ledger open would fail.
    this.#worker = new Worker(source, { eval: true, stdout: false, stderr: false, execArgv: [] });
    // An idle ledger must not keep the process alive; pending calls re-reference it.
    this.#worker.unref();
    this.#worker.on('message', (reply: WorkerReply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.ok) waiter.resolve(reply.value);
      else waiter.reject(Object.assign(new Error(reply.error?.message ?? 'ledger I/O failed'), { code: reply.error?.code }));
    });
    const fail = (error: Error): void => {
      this.#dead = error;
      for (const waiter of this.#pending.values()) waiter.reject(error);
      this.#pending.clear();
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', (code) => fail(new Error(`ledger writer thread exited (code ${code})`)));
  }

  #call<T>(op: keyof SyncIoCore, ...args: unknown[]): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.ref();
      this.#worker.postMessage({ id, op, args });
    });
  }

  async ensureDir(dir: string): Promise<void> { await this.#call<undefined>('ensureDir', dir); }
  list(dir: string) { return this.#call<string[]>('list', dir); }
  async read(path: string) {
    const value = await this.#call<Uint8Array | undefined>('read', path);
    return value === undefined ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }
  async readInto(path: string, offset: number, target: Uint8Array): Promise<number | undefined> {
    // Shared memory is filled in place by the worker; anything else would be copied to
    // it, so the worker reads into its own buffer, moves it here, and it is copied once.
    if (target.buffer instanceof SharedArrayBuffer) return this.#call<number | undefined>('readInto', path, offset, target);
    const value = await this.#call<Uint8Array | undefined>('readAt', path, offset, target.length);
    if (value === undefined) return undefined;
    target.set(value);
    return value.length;
  }
  async readCheckedInto(path: string, offset: number, target: Uint8Array, from: number): Promise<CheckedRead | undefined> {
    // Only shared memory is filled, and checked, in place by the worker; for anything
    // else the check would cover the worker's copy, not these bytes, so it is done here.
    if (target.buffer instanceof SharedArrayBuffer) return this.#call<CheckedRead | undefined>('readCheckedInto', path, offset, target, from);
    const bytes = await this.readInto(path, offset, target);
    return bytes === undefined ? undefined : { bytes, ...checkRecordChain(target.subarray(0, bytes), from, crc32cRange) };
  }
  async writeDurable(path: string, data: Uint8Array): Promise<void> { await this.#call<undefined>('writeDurable', path, data); }
  async openAppend(path: string, fence?: { path: string; token: string }): Promise<void> { await this.#call<undefined>('openAppend', path, fence); }
  async append(data: Uint8Array): Promise<void> { await this.#call<undefined>('append', data); }
  async truncate(path: string, length: number): Promise<void> { await this.#call<undefined>('truncate', path, length); }
  async copy(from: string, to: string): Promise<void> { await this.#call<undefined>('copy', from, to); }
  async remove(path: string): Promise<void> { await this.#call<undefined>('remove', path); }
  async close() {
    if (this.#dead) return;
    try {
      await this.#call<undefined>('close');
    } finally {
      await this.#worker.terminate();
    }
  }
}
