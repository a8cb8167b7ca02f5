import { Worker } from 'node:worker_threads';
import { crc32cRange } from './crc32c.js';
import { checkRecordChain } from './format.js';
import { createNodeSyncCore, type CheckedRead, type SyncIoCore } from './sync-core.js';
import { writerEntry } from './writer-location.js';
import type { WriterReply, WriterRequest } from './writer-thread.js';

export type { CheckedRead } from './sync-core.js';
/** Must equal `WRITER_ROLE` in writer-thread.ts (not imported: that module is the worker's entry). */
const WRITER_ROLE = 'intentkey-ledger-writer';

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
   * `handOver`: see {@link append}.
   */
  writeDurable(path: string, data: Uint8Array, handOver?: boolean): Promise<void>;
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
   *
   * `handOver`: the caller gives `data` and the whole `ArrayBuffer` under it away and
   * never reads or changes either again, so the io may take that memory instead of
   * copying it (the worker-thread io moves it to the writer thread; `data` is then empty
   * here).
   */
  append(data: Uint8Array, handOver?: boolean): Promise<void>;
  /** Truncates `path` to `length` bytes and fsyncs it (used to cut a torn tail). */
  truncate(path: string, length: number): Promise<void>;
  /** Copies `from` to `to` (mode 0600) durably: data fsynced, directory fsynced. */
  copy(from: string, to: string): Promise<void>;
  /** Deletes `path` if it exists, then fsyncs its directory. */
  remove(path: string): Promise<void>;
  /** Closes the open log and releases resources. Safe to call twice. */
  close(): Promise<void>;
  /**
   * A second lane for a compaction's large file operations (its snapshot, the copy of the
   * old log into the new one), run on a thread of its own so that log appends issued
   * meanwhile are not queued behind them. Each method keeps the guarantee of the method of
   * the same name above. The two lanes are not ordered against each other: the caller
   * awaits what must come first. A failed change on either lane stops every later change
   * on both (as after any failed change, see {@link append}). Optional: without it the
   * ledger uses the methods above.
   */
  readonly aside?: LedgerIoAside;
}

/** The operations of {@link LedgerIo.aside}. */
export interface LedgerIoAside {
  readonly read: LedgerIo['read'];
  readonly readInto: NonNullable<LedgerIo['readInto']>;
  readonly writeDurable: LedgerIo['writeDurable'];
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

/**
 * One writer thread (writer-thread.ts) running the synchronous core: requests are
 * answered in order; buffers are copied to the worker unless handed over, and file
 * contents read there are transferred back (not copied).
 */
class WriterLane {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #dead: Error | undefined;

  constructor(stop: SharedArrayBuffer) {
    const entry = writerEntry();
    // `execArgv: []`: the writer needs no flag of the application's. Inherited,
    // `--input-type=module` (a script run with `node -e`) would turn the bundled
    // CommonJS writer (see writer-location.ts) into an ES module that cannot load.
    const options = { stdout: false, stderr: false, execArgv: [], workerData: { role: WRITER_ROLE, stop } };
    this.#worker = 'file' in entry ? new Worker(entry.file, options) : new Worker(entry.code, { ...options, eval: true });
    // An idle ledger must not keep the process alive; pending calls re-reference it.
    this.#worker.unref();
    this.#worker.on('message', (reply: WriterReply) => {
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

  call<T>(op: keyof SyncIoCore, ...args: unknown[]): Promise<T> {
    return this.callMoving<T>(undefined, op, ...args);
  }

  /**
   * {@link call}, moving the `ArrayBuffer` of `moved` (one of the arguments, handed over
   * by the caller) to the writer thread instead of copying it (a view is serialised with
   * its whole `ArrayBuffer`): copying a group commit of 600 KB took the main thread about
   * 0.2 ms, moving it a few µs. Shared memory is never moved.
   */
  callMoving<T>(moved: Uint8Array | undefined, op: keyof SyncIoCore, ...args: unknown[]): Promise<T> {
    if (this.#dead) return Promise.reject(this.#dead);
    const id = ++this.#nextId;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.ref();
      const request: WriterRequest = { id, op, args };
      const buffer = moved?.buffer;
      if (buffer instanceof ArrayBuffer) {
        this.#worker.postMessage(request, [buffer]);
      } else {
        this.#worker.postMessage(request);
      }
    });
  }

  async read(path: string): Promise<Buffer | undefined> {
    const value = await this.call<Uint8Array | undefined>('read', path);
    return value === undefined ? undefined : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }

  async readInto(path: string, offset: number, target: Uint8Array): Promise<number | undefined> {
    // Shared memory is filled in place by the worker; anything else would be copied to
    // it, so the worker reads into its own buffer, moves it here, and it is copied once.
    if (target.buffer instanceof SharedArrayBuffer) return this.call<number | undefined>('readInto', path, offset, target);
    const value = await this.call<Uint8Array | undefined>('readAt', path, offset, target.length);
    if (value === undefined) return undefined;
    target.set(value);
    return value.length;
  }

  async writeDurable(path: string, data: Uint8Array, handOver = false): Promise<void> {
    await this.callMoving<undefined>(handOver ? data : undefined, 'writeDurable', path, data);
  }

  async close(): Promise<void> {
    if (this.#dead) return;
    try {
      await this.call<undefined>('close');
    } finally {
      await this.#worker.terminate();
    }
  }
}

/**
 * {@link LedgerIo} on a dedicated worker thread, the writer (writer-thread.ts), which
 * runs the synchronous core. A second writer thread, started at the first compaction,
 * serves {@link LedgerIo.aside}; the two share one stop flag (shared memory), so a failed
 * change on either stops every later change on both.
 */
export class WorkerLedgerIo implements LedgerIo {
  readonly #stop = new SharedArrayBuffer(4);
  readonly #main = new WriterLane(this.#stop);
  #side: WriterLane | undefined;
  #closed = false;

  /** The second lane, started on first use (see {@link LedgerIo.aside}). */
  get aside(): LedgerIoAside {
    const lane = (): WriterLane => {
      if (this.#closed) throw Object.assign(new Error('the ledger io is closed'), { code: 'ERR_LEDGER_NOT_OPEN' });
      this.#side ??= new WriterLane(this.#stop);
      return this.#side;
    };
    return {
      read: (path) => lane().read(path),
      readInto: (path, offset, target) => lane().readInto(path, offset, target),
      writeDurable: (path, data, handOver) => lane().writeDurable(path, data, handOver),
    };
  }

  async ensureDir(dir: string): Promise<void> { await this.#main.call<undefined>('ensureDir', dir); }
  list(dir: string) { return this.#main.call<string[]>('list', dir); }
  read(path: string) { return this.#main.read(path); }
  readInto(path: string, offset: number, target: Uint8Array): Promise<number | undefined> { return this.#main.readInto(path, offset, target); }
  async readCheckedInto(path: string, offset: number, target: Uint8Array, from: number): Promise<CheckedRead | undefined> {
    // Only shared memory is filled, and checked, in place by the worker; for anything
    // else the check would cover the worker's copy, not these bytes, so it is done here.
    if (target.buffer instanceof SharedArrayBuffer) return this.#main.call<CheckedRead | undefined>('readCheckedInto', path, offset, target, from);
    const bytes = await this.readInto(path, offset, target);
    return bytes === undefined ? undefined : { bytes, ...checkRecordChain(target.subarray(0, bytes), from, crc32cRange) };
  }
  writeDurable(path: string, data: Uint8Array, handOver = false): Promise<void> { return this.#main.writeDurable(path, data, handOver); }
  async openAppend(path: string, fence?: { path: string; token: string }): Promise<void> { await this.#main.call<undefined>('openAppend', path, fence); }
  async append(data: Uint8Array, handOver = false): Promise<void> { await this.#main.callMoving<undefined>(handOver ? data : undefined, 'append', data); }
  async truncate(path: string, length: number): Promise<void> { await this.#main.call<undefined>('truncate', path, length); }
  async copy(from: string, to: string): Promise<void> { await this.#main.call<undefined>('copy', from, to); }
  async remove(path: string): Promise<void> { await this.#main.call<undefined>('remove', path); }
  async close() {
    this.#closed = true;
    await Promise.all([this.#main.close(), this.#side?.close()]);
  }
}
