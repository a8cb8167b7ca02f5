/**
 * Recovery cost of a large file ledger, in fresh child processes.
 *
 * `build` writes a ledger directory as a compaction would leave it: a snapshot holding
 * `finished` succeeded intents, then a log whose records are this writer's epoch and
 * `pending` intents created since (not yet sent). Records are copies of one template
 * made by the real client against a local server, with their ids, keys, business ids
 * and times varied, and are encoded (bodies: `encodeStoredBody`, the ledger's own, so
 * their field order is the one the ledger writes) and framed by the ledger's own encoders; `FileLedger.open`
 * validates every byte, so a malformed build fails the measurement instead of
 * flattering it.
 *
 * `open` measures `FileLedger.open` plus `listResumable()` and the peak RSS of the
 * process that did it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { createIntentClient, FileLedger, ietfIdempotencyKey, type IntentRecord } from '../../src/index.js';
import { encodeRecord, encodeSegmentHeader, RecordType } from '../../src/stores/file/format.js';
import { encodeStoredBody } from '../../src/stores/file/stored-record.js';
import type { RecoveryBuildResult, RecoveryInput, RecoveryOpenResult } from './cells.js';
import { peakRssMb, serveChild } from './child.js';

/** Bytes buffered before each write while building (bounds the builder's memory). */
const CHUNK_BYTES = 8 * 2 ** 20;

/** A succeeded record exactly as the client stores it after one order. */
async function templateRecord(): Promise<IntentRecord> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ orderId: 123456789, status: 'FILLED', clientOrderId: 'x' })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const dir = mkdtempSync(join(tmpdir(), 'intentkey-bench-template-'));
  const ledger = await FileLedger.open({ dir });
  try {
    const client = createIntentClient(axios.create({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` }), { venue: ietfIdempotencyKey, ledger });
    const placeOrder = client.operation('order.create', {
      request: (order: Record<string, unknown>) => ({ method: 'POST', url: '/order', data: order }),
      result: (response) => response.data as unknown,
    });
    const done = await placeOrder(
      { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '50000.00', timeInForce: 'GTC', clientRef: 0 },
      { businessId: 'bench-order-0' },
    );
    const record = await ledger.get(done.intentId);
    if (record?.status !== 'succeeded') throw new Error('the template order did not succeed');
    return record;
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
    server.close();
  }
}

/** The template with identity and times varied for intent number `i`. */
function variant(template: IntentRecord, i: number, status: 'succeeded' | 'pending', at: number): IntentRecord {
  const n = String(i).padStart(10, '0');
  const base = {
    ...template,
    id: `01JRECOV${n}${template.id.slice(18)}`,
    businessId: `bench-order-${i}`,
    key: `01JKEY${n}${template.key.slice(16)}`,
    venueKey: `01JKEY${n}${template.key.slice(16)}`,
    input: { ...(template.input as Record<string, unknown>), clientRef: i },
    createdAt: at,
    updatedAt: at,
    ...(template.expiresAt === undefined ? {} : { expiresAt: at + 86_400_000 - 8_640_000 }),
  };
  if (status === 'succeeded') {
    const outcome = template.outcome ?? { kind: 'success', reason: 'HTTP 200' };
    return { ...base, outcome: { ...outcome, result: { orderId: 1_000_000_000 + i, status: 'FILLED', clientOrderId: base.venueKey } } };
  }
  const { outcome: _outcome, ...pending } = base;
  return { ...pending, status: 'pending', attempt: 0, epoch: 0 };
}

/** Appends encoded records to `fd` in large chunks. */
function chunkedWriter(fd: number): { push(bytes: Buffer): void; end(): number } {
  let parts: Buffer[] = [];
  let buffered = 0;
  let written = 0;
  const drain = (): void => {
    const data = Buffer.concat(parts, buffered);
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset, data.length - offset);
    written += data.length;
    parts = [];
    buffered = 0;
  };
  return {
    push(bytes) {
      parts.push(bytes);
      buffered += bytes.length;
      if (buffered >= CHUNK_BYTES) drain();
    },
    end() {
      if (buffered > 0) drain();
      return written;
    },
  };
}

async function build(input: RecoveryInput): Promise<RecoveryBuildResult> {
  const started = Date.now();
  rmSync(input.dir, { recursive: true, force: true });
  mkdirSync(input.dir, { recursive: true, mode: 0o700 });
  const template = await templateRecord();
  const ledgerId = randomBytes(16);
  const generation = 1;
  // The snapshot stands for a log that held each finished intent's create and two
  // transitions, plus one epoch record.
  const lastSeq = 3 * input.finished + 1;
  const epoch = 1;
  const t0 = Date.now() - 3 * 86_400_000;
  const step = (2 * 86_400_000) / Math.max(1, input.finished);
  let bodyBytes = 0;

  const snapFd = openSync(join(input.dir, 'snapshot-00000001.ikl'), 'wx', 0o600);
  const snap = chunkedWriter(snapFd);
  snap.push(encodeSegmentHeader({ ledgerId, generation, firstSeq: 1 }));
  let seq = 1;
  for (let i = 0; i < input.finished; i++) {
    const { leaseOwner: _o, leaseExpiresAt: _u, ...stored } = variant(template, i, 'succeeded', Math.round(t0 + i * step));
    const record = { ...stored, epoch: 1 };
    const body = encodeStoredBody(record);
    bodyBytes += body.length;
    snap.push(encodeRecord({ type: RecordType.Put, seq: seq++, epoch, body }));
  }
  snap.push(encodeRecord({ type: RecordType.SnapshotEnd, seq: seq++, epoch, body: Buffer.from(JSON.stringify({ count: input.finished, lastSeq, maxEpoch: epoch })) }));
  const snapshotBytes = snap.end();
  fsyncSync(snapFd);
  closeSync(snapFd);

  const logFd = openSync(join(input.dir, 'log-00000001.ikl'), 'wx', 0o600);
  const log = chunkedWriter(logFd);
  log.push(encodeSegmentHeader({ ledgerId, generation, firstSeq: lastSeq + 1 }));
  let logSeq = lastSeq + 1;
  log.push(encodeRecord({ type: RecordType.Epoch, seq: logSeq++, epoch: epoch + 1, body: Buffer.from(JSON.stringify({ pid: process.pid, nonce: null })) }));
  const recent = Date.now() - 60_000;
  for (let i = 0; i < input.pending; i++) {
    const body = encodeStoredBody(variant(template, input.finished + i, 'pending', recent + i));
    bodyBytes += body.length;
    log.push(encodeRecord({ type: RecordType.Put, seq: logSeq++, epoch: epoch + 1, body }));
  }
  const logBytes = log.end();
  fsyncSync(logFd);
  closeSync(logFd);
  return { buildMs: Date.now() - started, snapshotBytes, logBytes, recordBytesMean: bodyBytes / Math.max(1, input.finished + input.pending) };
}

async function open(input: RecoveryInput): Promise<RecoveryOpenResult> {
  const baseRssMb = process.memoryUsage.rss() / 2 ** 20;
  const started = process.hrtime.bigint();
  const ledger = await FileLedger.open({ dir: input.dir });
  const opened = process.hrtime.bigint();
  const resumable = await ledger.listResumable();
  const listed = process.hrtime.bigint();
  const size = ledger.size;
  const heapUsedMb = process.memoryUsage().heapUsed / 2 ** 20;
  await ledger.close();
  if (resumable.length !== input.pending || size !== input.finished + input.pending) {
    throw new Error(`recovery read ${size} intents (${resumable.length} resumable); expected ${input.finished + input.pending} (${input.pending})`);
  }
  return {
    openMs: Number(opened - started) / 1e6,
    listMs: Number(listed - opened) / 1e6,
    totalMs: Number(listed - started) / 1e6,
    resumable: resumable.length,
    size,
    baseRssMb,
    peakRssMb: peakRssMb(),
    heapUsedMb,
  };
}

serveChild(async (input: RecoveryInput): Promise<RecoveryBuildResult | RecoveryOpenResult> => (input.action === 'build' ? build(input) : open(input)));
