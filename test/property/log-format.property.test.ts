import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  encodeRecord,
  encodeSegmentHeader,
  MAX_EPOCH,
  RECORD_HEADER_BYTES,
  RecordType,
  scanSegment,
  SEGMENT_HEADER_BYTES,
  type LogRecord,
  type ScanResult,
  type SegmentHeader,
  type SegmentScan,
} from '../../src/stores/file/format.js';

const NUM_RUNS = 300;

interface Log {
  readonly header: SegmentHeader;
  readonly records: LogRecord[];
  readonly buf: Buffer;
  /** Offset of each record's first byte. */
  readonly starts: number[];
}

/**
 * A well-formed segment: consecutive seqs from a firstSeq anywhere in the safe range
 * (including right below 2^53, where the u64 high word is in use), epochs that stay
 * level or rise, bodies of 0..512 random bytes.
 */
const logArb: fc.Arbitrary<Log> = fc
  .record({
    ledgerId: fc.uint8Array({ minLength: 16, maxLength: 16 }),
    generation: fc.nat({ max: 0xffffffff }),
    firstSeq: fc.oneof(fc.nat(1000), fc.integer({ min: 2 ** 32 - 20, max: 2 ** 32 + 20 }), fc.integer({ min: 2 ** 53 - 1000, max: 2 ** 53 - 1 - 40 })),
    firstEpoch: fc.oneof(fc.nat(5), fc.integer({ min: MAX_EPOCH - 100, max: MAX_EPOCH })),
    items: fc.array(
      fc.record({
        type: fc.constantFrom(RecordType.Epoch, RecordType.Put, RecordType.SnapshotEnd),
        epochStep: fc.oneof(fc.constant(0), fc.nat(3)),
        body: fc.uint8Array({ maxLength: 512 }),
      }),
      { maxLength: 30 },
    ),
  })
  .map(({ ledgerId, generation, firstSeq, firstEpoch, items }) => {
    const header: SegmentHeader = { ledgerId, generation, firstSeq };
    const parts: Buffer[] = [encodeSegmentHeader(header)];
    const records: LogRecord[] = [];
    const starts: number[] = [];
    let offset = SEGMENT_HEADER_BYTES;
    let epoch = firstEpoch;
    items.forEach((item, i) => {
      epoch = Math.min(MAX_EPOCH, epoch + item.epochStep);
      const record: LogRecord = { type: item.type, seq: firstSeq + i, epoch, body: item.body };
      const bytes = encodeRecord(record);
      records.push(record);
      starts.push(offset);
      offset += bytes.length;
      parts.push(bytes);
    });
    return { header, records, buf: Buffer.concat(parts), starts };
  });

function readable(result: ScanResult): SegmentScan {
  if (result.header === undefined) throw new Error(`expected a readable header, got "${result.problem}"`);
  return result;
}

/** Records compared by value, bodies byte for byte. */
function plain(records: readonly LogRecord[]): Array<{ type: number; seq: number; epoch: number; body: string }> {
  return records.map((r) => ({ type: r.type, seq: r.seq, epoch: r.epoch, body: Buffer.from(r.body).toString('hex') }));
}

describe('log format properties', () => {
  it('encoding records and scanning them gives the same records back, clean, with the header', () => {
    fc.assert(
      fc.property(logArb, (log) => {
        const scan = readable(scanSegment(log.buf));
        expect(scan.tail).toBe('clean');
        expect(scan.goodOffset).toBe(log.buf.length);
        expect(scan.header).toEqual(log.header);
        expect(plain(scan.records)).toEqual(plain(log.records));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('appending arbitrary bytes never yields a phantom record: same records, torn at the old end', () => {
    // Arbitrary bytes would have to contain a known type, a fitting length, the next seq
    // and a matching 32-bit CRC to count as a record; fast-check does not produce that.
    fc.assert(
      fc.property(logArb, fc.uint8Array({ minLength: 1, maxLength: 2048 }), (log, extra) => {
        const scan = readable(scanSegment(Buffer.concat([log.buf, extra])));
        expect(scan.tail).toBe('torn');
        expect(scan.goodOffset).toBe(log.buf.length);
        expect(scan.problemOffset).toBe(log.buf.length);
        expect(plain(scan.records)).toEqual(plain(log.records));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('a cut anywhere plus arbitrary bytes recovers exactly the records wholly before the cut', () => {
    fc.assert(
      fc.property(logArb, fc.nat(), fc.uint8Array({ maxLength: 64 }), (log, cutSeed, extra) => {
        const cut = SEGMENT_HEADER_BYTES + (cutSeed % (log.buf.length - SEGMENT_HEADER_BYTES + 1));
        const scan = readable(scanSegment(Buffer.concat([log.buf.subarray(0, cut), extra])));
        const whole = log.starts.filter((start, i) => start + RECORD_HEADER_BYTES + (log.records[i] as LogRecord).body.length <= cut).length;
        // The extra bytes may happen to be exactly the missing end of the cut record
        // (zeros after a zero body, say), which makes that record whole again; so one
        // more record than `whole` is allowed, but only an identical one.
        expect(scan.records.length).toBeGreaterThanOrEqual(whole);
        expect(scan.records.length).toBeLessThanOrEqual(whole + 1);
        expect(plain(scan.records)).toEqual(plain(log.records.slice(0, scan.records.length)));
        expect(scan.tail).not.toBe('corrupt');
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('damage inside a record drops it and everything after: corrupt if records follow, torn if it was the last', () => {
    fc.assert(
      fc.property(
        logArb.filter((log) => log.records.length > 0),
        fc.nat(),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.boolean(),
        (log, recordSeed, byteSeed, mask, singleBit) => {
          const i = recordSeed % log.records.length;
          const start = log.starts[i] as number;
          const length = RECORD_HEADER_BYTES + (log.records[i] as LogRecord).body.length;
          const at = start + (byteSeed % length);
          const buf = Buffer.from(log.buf);
          // A single-bit flip, or an arbitrary change to one byte.
          buf[at] = (buf[at] as number) ^ (singleBit ? 1 << (mask % 8) : mask);
          const scan = readable(scanSegment(buf));
          expect(plain(scan.records)).toEqual(plain(log.records.slice(0, i)));
          expect(scan.problemOffset).toBe(start);
          expect(scan.tail).toBe(i === log.records.length - 1 ? 'torn' : 'corrupt');
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('never throws on arbitrary bytes after a valid header, and what it accepts obeys every framing rule', () => {
    fc.assert(
      fc.property(logArb, fc.uint8Array({ maxLength: 4096 }), (log, rest) => {
        const buf = Buffer.concat([log.buf.subarray(0, SEGMENT_HEADER_BYTES), rest]);
        const scan = readable(scanSegment(buf));
        let offset = SEGMENT_HEADER_BYTES;
        let epoch = 0;
        scan.records.forEach((record, i) => {
          expect(record.seq).toBe(log.header.firstSeq + i);
          expect(record.epoch).toBeGreaterThanOrEqual(epoch);
          epoch = record.epoch;
          offset += RECORD_HEADER_BYTES + record.body.length;
        });
        expect(scan.goodOffset).toBe(offset);
        expect(scan.tail === 'clean').toBe(offset === buf.length);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('never throws on arbitrary bytes at all', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 256 }), (bytes) => {
        const result = scanSegment(bytes);
        // Without the magic at the front no header can be read.
        const hasMagic = bytes.length >= 4 && Buffer.from(bytes.subarray(0, 4)).toString('latin1') === 'IKLG';
        if (!hasMagic) expect(result.header).toBeUndefined();
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
