/**
 * The file store's writer thread: the entry module `WorkerLedgerIo` (io.ts) starts as a
 * worker. It runs the synchronous core (sync-core.ts) on the real file system and
 * answers each request, in the order they came, with one message.
 *
 * Why a thread of its own: an fsync on libuv's shared thread pool can wait behind
 * unrelated work there (DNS lookups, crypto, zlib), and a synchronous fsync on the main
 * thread would stop the event loop for its whole duration. Here it does neither.
 *
 * The package builds this module as its own file (tsup entry `ledger-writer`); see
 * writer-location.ts for how io.ts finds it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createNodeSyncCore, type SyncIoCore } from './sync-core.js';

/** A request from io.ts: one core operation and its arguments. */
export interface WriterRequest {
  readonly id: number;
  readonly op: keyof SyncIoCore;
  readonly args: readonly unknown[];
}

/** The answer to one {@link WriterRequest}. */
export interface WriterReply {
  readonly id: number;
  readonly ok: boolean;
  readonly value?: unknown;
  readonly error?: { readonly message: string; readonly code?: string };
}

/** Marks the worker io.ts starts, so that loading this module anywhere else does nothing. */
export const WRITER_ROLE = 'intentkey-ledger-writer';

if (parentPort && (workerData as { role?: unknown } | null)?.role === WRITER_ROLE) {
  const port = parentPort;
  // Shared with the ledger's other writer thread, if any: a failed change on either stops both.
  const stop = (workerData as { stop?: unknown }).stop;
  const core = createNodeSyncCore(stop instanceof SharedArrayBuffer ? new Int32Array(stop) : undefined);
  port.on('message', (msg: WriterRequest) => {
    let reply: WriterReply;
    let transfer: ArrayBuffer[] = [];
    try {
      const value = (core[msg.op] as (...args: readonly unknown[]) => unknown)(...msg.args);
      // A file read whole owns its memory: move it to the main thread instead of copying
      // it (a large snapshot would otherwise exist twice).
      if (value instanceof Uint8Array && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength && value.buffer instanceof ArrayBuffer) {
        transfer = [value.buffer];
      }
      reply = { id: msg.id, ok: true, value };
    } catch (e) {
      const error = e as { message?: unknown; code?: unknown };
      reply = { id: msg.id, ok: false, error: { message: String(error?.message), ...(typeof error?.code === 'string' ? { code: error.code } : {}) } };
    }
    port.postMessage(reply, transfer);
  });
}
