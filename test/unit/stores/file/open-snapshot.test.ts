import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerCorruptError, type IntentRecord } from '../../../../src/index.js';
import { FileLedger } from '../../../../src/stores/file/file-ledger.js';
import { checkRecordChain, encodeRecord, encodeSegmentHeader, RECORD_HEADER_BYTES, RecordType, scanRun, SEGMENT_HEADER_BYTES, wholeRecordsEnd } from '../../../../src/stores/file/format.js';
import { crc32cRange } from '../../../../src/stores/file/crc32c.js';
import { InThreadLedgerIo, WorkerLedgerIo, type LedgerIo } from '../../../../src/stores/file/io.js';
import { encodeStoredBody } from '../../../../src/stores/file/stored-record.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const finished = (i: number): IntentRecord => ({
  id: `I${String(i).padStart(6, '0')}`, scope: 's', operation: 'op', businessId: `b${i}`, venue: 'v', key: `K${i}`, venueKey: `K${i}`,
  fingerprint: 'f'.repeat(64), input: { qty: '1', status: 'nested', id: 'inner', note: 'x'.repeat(i % 300) }, createdAt: 1000 + i,
  status: 'succeeded', attempt: 1, epoch: 1, updatedAt: 2000 + i, outcome: { kind: 'success', reason: 'HTTP 200', result: { orderId: i } },
});
const pending = (i: number): IntentRecord => {
  const { outcome: _none, ...rest } = finished(i);
  return { ...rest, id: `P${i}`, status: 'pending', attempt: 0, epoch: 0 };
};

/** Bodies in the order this ledger writes them, or in the record's own order (as an older version wrote them). */
const bodyOf = (r: IntentRecord, order: 'leading' | 'old'): Buffer => (order === 'leading' ? encodeStoredBody(r) : Buffer.from(JSON.stringify(r)));

interface Built {
  readonly dir: string;
  /** Offset of each finished record's frame in the snapshot. */
  readonly frames: number[];
}

/** Writes a ledger directory as a compaction leaves it: a snapshot of `n` finished intents and a log with one pending one. */
function build(n: number, order: 'leading' | 'old'): Built {
  const root = mkdtempSync(join(tmpdir(), 'intentkey-open-snap-'));
  dirs.push(root);
  const dir = join(root, 'ledger');
  mkdirSync(dir, { mode: 0o700 });
  const ledgerId = Buffer.alloc(16, 7);
  const parts: Buffer[] = [encodeSegmentHeader({ ledgerId, generation: 1, firstSeq: 1 })];
  const frames: number[] = [];
  let at = SEGMENT_HEADER_BYTES;
  let seq = 1;
  for (let i = 0; i < n; i++) {
    const frame = encodeRecord({ type: RecordType.Put, seq: seq++, epoch: 1, body: bodyOf(finished(i), order) });
    frames.push(at);
    at += frame.length;
    parts.push(frame);
  }
  const lastSeq = seq;
  parts.push(encodeRecord({ type: RecordType.SnapshotEnd, seq: seq++, epoch: 1, body: Buffer.from(JSON.stringify({ count: n, lastSeq, maxEpoch: 1 })) }));
  writeFileSync(join(dir, 'snapshot-00000001.ikl'), Buffer.concat(parts), { mode: 0o600 });
  const log = [encodeSegmentHeader({ ledgerId, generation: 1, firstSeq: lastSeq + 1 }), encodeRecord({ type: RecordType.Put, seq: lastSeq + 1, epoch: 2, body: bodyOf(pending(0), order) })];
  writeFileSync(join(dir, 'log-00000001.ikl'), Buffer.concat(log), { mode: 0o600 });
  return { dir, frames };
}

/** Each io an open may run with: the worker thread (CRCs there), in-thread, and one without chunk checks (CRCs in the scan). */
const ios: Array<[string, () => LedgerIo]> = [
  ['worker-thread io', () => new WorkerLedgerIo()],
  ['in-thread io', () => new InThreadLedgerIo()],
  [
    'an io without readCheckedInto',
    () => {
      const io = new InThreadLedgerIo();
      const { readCheckedInto: _hidden, ...methods } = Object.fromEntries(
        (Object.getOwnPropertyNames(InThreadLedgerIo.prototype) as Array<keyof InThreadLedgerIo | 'constructor'>)
          .filter((m): m is keyof InThreadLedgerIo => m !== 'constructor')
          .map((m) => [m, (io[m] as (...args: unknown[]) => unknown).bind(io)]),
      ) as unknown as InThreadLedgerIo;
      return methods as LedgerIo;
    },
  ],
];

// 2,500 records of about 0.8 KB: a 2 MB snapshot, read in chunks of 1 MiB + 21 bytes (the smallest allowed).
const N = 2_500;
const CHUNK = 2 ** 20 + RECORD_HEADER_BYTES;

describe('FileLedger.open of a snapshot read in chunks', () => {
  for (const order of ['leading', 'old'] as const) {
    for (const [label, makeIo] of ios) {
      it(`opens every intent and reads finished ones back (${order} field order, ${label})`, async () => {
        const { dir } = build(N, order);
        const ledger = await FileLedger.open({ dir, io: makeIo(), snapshotChunkBytes: CHUNK, dangerouslySkipLock: true });
        try {
          expect(ledger.size).toBe(N + 1);
          expect((await ledger.listResumable()).map((r) => r.id)).toEqual(['P0']);
          for (const i of [0, 1, 1234, N - 1]) expect(await ledger.get(finished(i).id)).toEqual(finished(i));
        } finally {
          await ledger.close();
        }
      });
    }
  }

  for (const [label, makeIo] of ios) {
    it(`refuses a snapshot with one flipped body bit in the first chunk, the second chunk or the last record (${label})`, async () => {
      for (const k of [3, 1800, N - 1]) {
        const { dir, frames } = build(N, 'leading');
        const path = join(dir, 'snapshot-00000001.ikl');
        const bytes = readFileSync(path);
        // A bit inside the input field: the summary an open reads (id, status,
        // updatedAt) is unchanged, so only the CRC can tell.
        const at = (frames[k] as number) + RECORD_HEADER_BYTES + 150;
        bytes[at] = (bytes[at] as number) ^ 0x04;
        writeFileSync(path, bytes);
        await expect(FileLedger.open({ dir, io: makeIo(), snapshotChunkBytes: CHUNK, dangerouslySkipLock: true }), `record ${k}`).rejects.toThrow(LedgerCorruptError);
      }
    });
  }
});

describe('checkRecordChain and scanRun with its verdicts', () => {
  const segment = (): { buf: Buffer; frames: number[] } => {
    const frames: number[] = [];
    const parts: Buffer[] = [encodeSegmentHeader({ ledgerId: Buffer.alloc(16, 1), generation: 1, firstSeq: 1 })];
    let at = SEGMENT_HEADER_BYTES;
    for (let i = 0; i < 40; i++) {
      const frame = encodeRecord({ type: RecordType.Put, seq: i + 1, epoch: 1, body: Buffer.alloc(i * 7, i) });
      frames.push(at);
      at += frame.length;
      parts.push(frame);
    }
    return { buf: Buffer.concat(parts), frames };
  };

  it('walks like wholeRecordsEnd and reports the first record whose CRC does not match', () => {
    const { buf, frames } = segment();
    for (const cut of [buf.length, buf.length - 5, (frames[20] as number) + 3]) {
      const view = buf.subarray(0, cut);
      expect(checkRecordChain(view, SEGMENT_HEADER_BYTES, crc32cRange)).toEqual({ end: wholeRecordsEnd(view, SEGMENT_HEADER_BYTES), badAt: -1 });
    }
    const damaged = Buffer.from(buf);
    for (const k of [17, 25]) {
      const at = (frames[k] as number) + RECORD_HEADER_BYTES + 30;
      damaged[at] = (damaged[at] as number) ^ 0x80;
    }
    expect(checkRecordChain(damaged, SEGMENT_HEADER_BYTES, crc32cRange)).toEqual({ end: buf.length, badAt: frames[17] });
  });

  it('scanRun gives the same result with the verdicts as computing every CRC itself, for every single-byte change', () => {
    const { buf } = segment();
    const flip = (b: Buffer, at: number, mask: number): void => {
      b[at] = (b[at] as number) ^ mask;
    };
    const visitNone = (): void => undefined;
    for (let at = SEGMENT_HEADER_BYTES; at < buf.length; at += 13) {
      const damaged = Buffer.from(buf);
      flip(damaged, at, 0x21);
      const plain = scanRun(damaged, SEGMENT_HEADER_BYTES, { expectedSeq: 1, maxEpoch: 0 }, visitNone);
      const checked = scanRun(damaged, SEGMENT_HEADER_BYTES, { expectedSeq: 1, maxEpoch: 0 }, visitNone, checkRecordChain(damaged, SEGMENT_HEADER_BYTES, crc32cRange));
      expect(checked, `byte ${at}`).toEqual(plain);
    }
  });

  it('negative control: scanRun does take the CRC verdict from `checked` (a false "all good" is believed)', () => {
    const { buf, frames } = segment();
    const damaged = Buffer.from(buf);
    const at = (frames[5] as number) + RECORD_HEADER_BYTES + 1;
    damaged[at] = (damaged[at] as number) ^ 0x01;
    const state = (): { expectedSeq: number; maxEpoch: number } => ({ expectedSeq: 1, maxEpoch: 0 });
    expect(scanRun(damaged, SEGMENT_HEADER_BYTES, state(), () => undefined).problem).toBe('checksum mismatch');
    expect(scanRun(damaged, SEGMENT_HEADER_BYTES, state(), () => undefined, { end: damaged.length, badAt: -1 }).problem).toBeUndefined();
  });
});
