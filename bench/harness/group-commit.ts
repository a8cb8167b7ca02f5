/**
 * The bare group-commit loop: the ceiling a durable append-only ledger can reach on this
 * machine with the FileLedger's writer design, and nothing else. Callers enqueue bytes
 * already encoded; one writer thread appends everything queued as one write and
 * fdatasyncs it; then every caller of that batch is resolved.
 *
 * It hands batches to its writer as the FileLedger's io does (src/stores/file/io.ts,
 * `WorkerLedgerIo`): a dedicated worker thread running synchronous `writeSync` +
 * `fdatasyncSync` on an O_APPEND descriptor, the batch's bytes copied to it by
 * `postMessage`, one answer per batch. As the FileLedger does, the next batch goes to the
 * writer before the finished batch's callers are resumed. What it leaves out is the
 * ledger: no records in memory, no JSON, no framing or checksum, no sequence numbers,
 * no lock fence, no compaction, callers resumed all at once. The ratio FileLedger /
 * this loop is therefore what the ledger's own work costs in throughput.
 *
 * Durability is the same as the FileLedger's log: a caller is resolved only after the
 * fdatasync covering its bytes succeeded; an error rejects the batch and every later call.
 */
import { Worker } from 'node:worker_threads';

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/** The writer thread's source: opens the file for append, then writes + fdatasyncs each batch it is sent. */
const WRITER_SOURCE = `
  const { parentPort, workerData } = require('node:worker_threads');
  const fs = require('node:fs');
  const fd = fs.openSync(workerData.path, fs.constants.O_WRONLY | fs.constants.O_APPEND | fs.constants.O_CREAT, 0o600);
  parentPort.on('message', (msg) => {
    if (msg.close) {
      fs.closeSync(fd);
      parentPort.postMessage({ closed: true });
      return;
    }
    try {
      const data = msg.data;
      let offset = 0;
      while (offset < data.length) offset += fs.writeSync(fd, data, offset, data.length - offset);
      // The batch is durable once this returns; only then is it acknowledged.
      fs.fdatasyncSync(fd);
      parentPort.postMessage({ ok: true });
    } catch (e) {
      parentPort.postMessage({ ok: false, message: String(e && e.message) });
    }
  });`;

/** A minimal group-commit appender on one file. */
export class GroupCommitLoop {
  readonly #worker: Worker;
  #queue: Array<{ bytes: Uint8Array; waiter: Waiter }> = [];
  #inFlight: Waiter[] | undefined;
  #failed: Error | undefined;
  #onClosed: (() => void) | undefined;
  /** Batches written (one write + one fdatasync each). */
  batches = 0;

  constructor(path: string) {
    this.#worker = new Worker(WRITER_SOURCE, { eval: true, workerData: { path }, stdout: false, stderr: false });
    this.#worker.on('message', (reply: { ok?: boolean; message?: string; closed?: boolean }) => {
      if (reply.closed) {
        this.#onClosed?.();
        return;
      }
      const done = this.#inFlight ?? [];
      this.#inFlight = undefined;
      if (!reply.ok) {
        this.#fail(new Error(`group-commit writer failed: ${reply.message ?? '?'}`), done);
        return;
      }
      this.batches++;
      // The next batch goes to the writer first, so its flush overlaps these callers' work.
      this.#flush();
      for (const w of done) w.resolve();
    });
    this.#worker.on('error', (error) => this.#fail(error, this.#inFlight ?? []));
  }

  /** Appends `bytes` durably: resolves after the fdatasync that covers them. */
  append(bytes: Uint8Array): Promise<void> {
    if (this.#failed) return Promise.reject(this.#failed);
    return new Promise<void>((resolve, reject) => {
      this.#queue.push({ bytes, waiter: { resolve, reject } });
      if (this.#inFlight === undefined) queueMicrotask(() => this.#flush());
    });
  }

  #flush(): void {
    if (this.#inFlight !== undefined || this.#queue.length === 0 || this.#failed) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight = batch.map((b) => b.waiter);
    const data = batch.length === 1 ? (batch[0] as { bytes: Uint8Array }).bytes : Buffer.concat(batch.map((b) => b.bytes));
    this.#worker.postMessage({ data });
  }

  #fail(error: Error, inFlight: readonly Waiter[]): void {
    this.#failed ??= error;
    for (const w of inFlight) w.reject(error);
    for (const b of this.#queue.splice(0)) b.waiter.reject(error);
  }

  /** Waits for the writer to finish what it was sent, closes the file and stops the thread. */
  async close(): Promise<void> {
    if (!this.#failed) {
      const closed = new Promise<void>((resolve) => (this.#onClosed = resolve));
      // Messages are handled in order: the close follows every batch already sent.
      this.#worker.postMessage({ close: true });
      await closed;
    }
    await this.#worker.terminate();
  }
}
