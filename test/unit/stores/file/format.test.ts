import { describe, expect, it } from 'vitest';
import { crc32c } from '../../../../src/stores/file/crc32c.js';
import {
  decodeSegmentHeader,
  encodeRecord,
  encodeSegmentHeader,
  FORMAT_VERSION,
  MAX_BODY_BYTES,
  RECORD_HEADER_BYTES,
  RecordType,
  scanSegment,
  SEGMENT_HEADER_BYTES,
  type LogRecord,
  type RecordProblem,
  type ScanResult,
  type SegmentHeader,
  type SegmentScan,
} from '../../../../src/stores/file/format.js';
import { SeededRandom } from '../../../../src/testing/seeded-random.js';

// ---------------------------------------------------------------------------
// Helpers

/** Integer in [lo, hi]. */
function randInt(rng: SeededRandom, lo: number, hi: number): number {
  return lo + Math.floor(rng.next() * (hi - lo + 1));
}

function randomBytes(rng: SeededRandom, length: number): Uint8Array {
  const out = new Uint8Array(length);
  rng.fill(out);
  return out;
}

const LEDGER_ID = Uint8Array.from({ length: 16 }, (_, i) => 0xa0 + i);

interface BuiltLog {
  readonly buf: Buffer;
  readonly header: SegmentHeader;
  readonly records: LogRecord[];
  /** Byte offset of each record's first byte. */
  readonly starts: number[];
  /** Byte offset just past each record. */
  readonly ends: number[];
}

/**
 * Builds a segment with one record per body size. The first record is an Epoch record;
 * epochs rise now and then (so "went backwards" has something to go back from) and
 * bodies are random bytes, which cannot be mistaken for record headers by accident.
 */
function buildLog(rng: SeededRandom, bodySizes: readonly number[], firstSeq = 1): BuiltLog {
  const header: SegmentHeader = { ledgerId: LEDGER_ID, generation: 3, firstSeq };
  const parts: Buffer[] = [encodeSegmentHeader(header)];
  const records: LogRecord[] = [];
  const starts: number[] = [];
  const ends: number[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  let epoch = 1;
  bodySizes.forEach((size, i) => {
    if (i > 0 && rng.next() < 0.25) epoch += randInt(rng, 1, 3);
    const record: LogRecord = {
      type: i === 0 || rng.next() < 0.1 ? RecordType.Epoch : RecordType.Put,
      seq: firstSeq + i,
      epoch,
      body: randomBytes(rng, size),
    };
    const bytes = encodeRecord(record);
    records.push(record);
    starts.push(offset);
    offset += bytes.length;
    ends.push(offset);
    parts.push(bytes);
  });
  return { buf: Buffer.concat(parts), header, records, starts, ends };
}

/**
 * About `count` body sizes from 0 B to 4 KiB, including the edge sizes 0, 1, 4096 and
 * sizes chosen so that a record ends exactly on a 512-byte sector or 4 KiB page
 * boundary (where a real torn write would most often cut).
 */
function boundarySizes(rng: SeededRandom, count: number): number[] {
  const sizes: number[] = [];
  let offset = SEGMENT_HEADER_BYTES;
  for (let i = 0; i < count; i++) {
    const pick = rng.next();
    let size: number;
    const toBoundary = (unit: number): number => Math.ceil((offset + RECORD_HEADER_BYTES) / unit) * unit - offset - RECORD_HEADER_BYTES;
    if (pick < 0.1) size = 0;
    else if (pick < 0.15) size = 1;
    else if (pick < 0.2) size = 4096;
    else if (pick < 0.35) size = toBoundary(512);
    else if (pick < 0.45) size = toBoundary(4096);
    else size = randInt(rng, 0, 2048);
    if (size > 4096) size = randInt(rng, 0, 4096);
    sizes.push(size);
    offset += RECORD_HEADER_BYTES + size;
  }
  return sizes;
}

function readable(result: ScanResult): SegmentScan {
  if (result.header === undefined) throw new Error(`expected a readable header, got "${result.problem}"`);
  return result;
}

/**
 * Checks that `records` are exactly the first `count` records of `log`, by value and
 * byte for byte. Returns a description of the first difference, or undefined.
 */
function prefixMismatch(records: readonly LogRecord[], log: BuiltLog, count: number): string | undefined {
  if (records.length !== count) return `expected ${count} records, got ${records.length}`;
  for (let i = 0; i < count; i++) {
    const got = records[i] as LogRecord;
    const want = log.records[i] as LogRecord;
    if (got.type !== want.type || got.seq !== want.seq || got.epoch !== want.epoch) return `record ${i} header differs`;
    if (!Buffer.from(got.body.buffer, got.body.byteOffset, got.body.length).equals(want.body)) return `record ${i} body differs`;
  }
  return undefined;
}

/** Number of records that end at or before `offset`. */
function wholeRecordsBefore(log: BuiltLog, offset: number): number {
  let count = 0;
  while (count < log.ends.length && (log.ends[count] as number) <= offset) count++;
  return count;
}

function isAllZero(buf: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * What a scan of `log.buf` cut at `offset` must report, reasoned from the layout:
 * the records wholly before the cut, 'clean' exactly at a record end, otherwise 'torn'
 * with a problem that depends on how much of the next record survived.
 */
function checkTruncation(log: BuiltLog, offset: number): string | undefined {
  const cut = log.buf.subarray(0, offset);
  let result: ScanResult;
  try {
    result = scanSegment(cut);
  } catch (error) {
    return `offset ${offset}: threw ${String(error)}`;
  }
  if (offset < SEGMENT_HEADER_BYTES) {
    return result.header === undefined && result.problem === 'truncated segment header' ? undefined : `offset ${offset}: header should be unreadable`;
  }
  if (result.header === undefined) return `offset ${offset}: header unreadable (${result.problem})`;
  const count = wholeRecordsBefore(log, offset);
  const goodOffset = count === 0 ? SEGMENT_HEADER_BYTES : (log.ends[count - 1] as number);
  const mismatch = prefixMismatch(result.records, log, count);
  if (mismatch !== undefined) return `offset ${offset}: ${mismatch}`;
  if (result.goodOffset !== goodOffset) return `offset ${offset}: goodOffset ${result.goodOffset}, expected ${goodOffset}`;
  if (offset === goodOffset) {
    return result.tail === 'clean' && result.problem === undefined ? undefined : `offset ${offset}: expected clean, got ${result.tail}`;
  }
  const partial = offset - goodOffset;
  const expectedProblem: RecordProblem = isAllZero(cut, goodOffset, offset)
    ? 'zero-filled tail'
    : partial < RECORD_HEADER_BYTES
      ? 'truncated record header'
      : 'record runs past end';
  if (result.tail !== 'torn' || result.problemOffset !== goodOffset || result.problem !== expectedProblem) {
    return `offset ${offset}: expected torn/${expectedProblem} at ${goodOffset}, got ${result.tail}/${String(result.problem)} at ${String(result.problemOffset)}`;
  }
  return undefined;
}

/**
 * etcd's repair check: after cutting back to `goodOffset`, appending more records in
 * sequence gives a clean log with the old prefix and every new record.
 */
function checkRepairAndAppend(log: BuiltLog, offset: number, rng: SeededRandom): string | undefined {
  const result = readable(scanSegment(log.buf.subarray(0, Math.max(offset, SEGMENT_HEADER_BYTES))));
  const kept = result.records;
  const last = kept[kept.length - 1];
  let seq = last === undefined ? log.header.firstSeq : last.seq + 1;
  const epoch = (last?.epoch ?? 0) + 1;
  const added: LogRecord[] = [];
  const parts: Uint8Array[] = [log.buf.subarray(0, result.goodOffset)];
  for (let i = 0; i < 10; i++) {
    const record: LogRecord = { type: RecordType.Put, seq: seq++, epoch, body: randomBytes(rng, randInt(rng, 0, 64)) };
    added.push(record);
    parts.push(encodeRecord(record));
  }
  const reopened = readable(scanSegment(Buffer.concat(parts)));
  if (reopened.tail !== 'clean') return `offset ${offset}: after repair, tail is ${reopened.tail}`;
  const all = [...kept, ...added];
  if (reopened.records.length !== all.length) return `offset ${offset}: after repair, ${reopened.records.length} records`;
  for (let i = 0; i < all.length; i++) {
    const got = reopened.records[i] as LogRecord;
    const want = all[i] as LogRecord;
    if (got.seq !== want.seq || !Buffer.from(got.body).equals(want.body)) return `offset ${offset}: after repair, record ${i} differs`;
  }
  return undefined;
}

function flipBit(buf: Buffer, bitIndex: number): void {
  const at = bitIndex >> 3;
  buf[at] = (buf[at] as number) ^ (1 << (bitIndex & 7));
}

/** Re-encodes the record at index `i` of `log` with some fields changed, in a copy of the log. */
function withRecordReplaced(log: BuiltLog, i: number, change: Partial<LogRecord>): Buffer {
  const original = log.records[i] as LogRecord;
  const replacement = encodeRecord({ ...original, ...change });
  const start = log.starts[i] as number;
  return Buffer.concat([log.buf.subarray(0, start), replacement, log.buf.subarray(log.ends[i])]);
}

/** Writes a record header and body by hand, bypassing encodeRecord's checks, with a correct CRC. */
function rawRecord(fields: { type: number; seqLow: number; seqHigh: number; epoch: number; body: Uint8Array }): Buffer {
  const out = Buffer.alloc(RECORD_HEADER_BYTES + fields.body.length);
  out.writeUInt32LE(fields.body.length, 0);
  out.writeUInt8(fields.type, 8);
  out.writeUInt32LE(fields.seqLow, 9);
  out.writeUInt32LE(fields.seqHigh, 13);
  out.writeUInt32LE(fields.epoch, 17);
  out.set(fields.body, RECORD_HEADER_BYTES);
  out.writeUInt32LE(crc32c(out.subarray(8)), 4);
  return out;
}

/** Five seeded ~20-record logs shared by the sweeps below. */
const SMALL_LOGS: BuiltLog[] = [1, 2, 3, 4, 5].map((seed) => {
  const rng = new SeededRandom(seed);
  return buildLog(rng, boundarySizes(rng, 20), seed === 3 ? 1_000_000 : 1);
});

// ---------------------------------------------------------------------------

describe('encodeRecord', () => {
  it('lays out len, crc, type, seq, epoch and body little-endian, with the CRC over type..body', () => {
    const body = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00]);
    const seq = 2 ** 40 + 0x01020304;
    const bytes = encodeRecord({ type: RecordType.Put, seq, epoch: 0x0a0b0c0d, body });
    expect(bytes.length).toBe(RECORD_HEADER_BYTES + body.length);
    expect(bytes.readUInt32LE(0)).toBe(5);
    expect(bytes[8]).toBe(2);
    // seq = 0x0000_0100_0102_0304: low word 0x01020304, high word 0x100.
    expect([...bytes.subarray(9, 17)]).toEqual([0x04, 0x03, 0x02, 0x01, 0x00, 0x01, 0x00, 0x00]);
    expect([...bytes.subarray(17, 21)]).toEqual([0x0d, 0x0c, 0x0b, 0x0a]);
    expect([...bytes.subarray(21)]).toEqual([...body]);
    expect(bytes.readUInt32LE(4)).toBe(crc32c(bytes.subarray(8)));
  });

  it('round-trips every record type', () => {
    const header = encodeSegmentHeader({ ledgerId: LEDGER_ID, generation: 1, firstSeq: 1 });
    const types = [RecordType.Epoch, RecordType.Put, RecordType.SnapshotEnd];
    const parts = types.map((type, i) => encodeRecord({ type, seq: i + 1, epoch: 1, body: Uint8Array.of(i) }));
    const scan = readable(scanSegment(Buffer.concat([header, ...parts])));
    expect(scan.tail).toBe('clean');
    expect(scan.records.map((r) => [r.type, [...r.body]])).toEqual([[1, [0]], [2, [1]], [3, [2]]]);
  });

  it('accepts a body of exactly MAX_BODY_BYTES and the largest safe seq and u32 epoch', () => {
    const bytes = encodeRecord({ type: RecordType.Epoch, seq: Number.MAX_SAFE_INTEGER, epoch: 0xffffffff, body: new Uint8Array(MAX_BODY_BYTES) });
    expect(bytes.readUInt32LE(0)).toBe(MAX_BODY_BYTES);
    const header = encodeSegmentHeader({ ledgerId: LEDGER_ID, generation: 0, firstSeq: Number.MAX_SAFE_INTEGER });
    const scan = readable(scanSegment(Buffer.concat([header, bytes])));
    expect(scan.tail).toBe('clean');
    expect(scan.records[0]?.seq).toBe(Number.MAX_SAFE_INTEGER);
    expect(scan.records[0]?.epoch).toBe(0xffffffff);
  });

  it.each([
    ['seq -1', { seq: -1 }],
    ['seq 1.5', { seq: 1.5 }],
    ['seq 2^53', { seq: 2 ** 53 }],
    ['epoch -1', { epoch: -1 }],
    ['epoch 2^32', { epoch: 2 ** 32 }],
    ['type 0', { type: 0 as RecordType }],
    ['type 4', { type: 4 as RecordType }],
    ['body MAX + 1', { body: new Uint8Array(MAX_BODY_BYTES + 1) }],
  ])('refuses %s with a RangeError', (_name, change) => {
    const base: LogRecord = { type: RecordType.Put, seq: 1, epoch: 1, body: new Uint8Array(0) };
    expect(() => encodeRecord({ ...base, ...change })).toThrow(RangeError);
  });
});

describe('segment header', () => {
  const header: SegmentHeader = { ledgerId: LEDGER_ID, generation: 0xfffffffe, firstSeq: 2 ** 52 + 7 };

  it('lays out magic, version, flags, ledger id, generation, firstSeq and CRC in 40 bytes', () => {
    const bytes = encodeSegmentHeader(header);
    expect(bytes.length).toBe(SEGMENT_HEADER_BYTES);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('IKLG');
    expect(bytes.readUInt16LE(4)).toBe(FORMAT_VERSION);
    expect(bytes.readUInt16LE(6)).toBe(0);
    expect([...bytes.subarray(8, 24)]).toEqual([...LEDGER_ID]);
    expect(bytes.readUInt32LE(24)).toBe(0xfffffffe);
    // 2^52 + 7: low word 7, high word 2^20.
    expect(bytes.readUInt32LE(28)).toBe(7);
    expect(bytes.readUInt32LE(32)).toBe(2 ** 20);
    expect(bytes.readUInt32LE(36)).toBe(crc32c(bytes.subarray(0, 36)));
  });

  it('round-trips, and reads only the first 40 bytes of a longer buffer', () => {
    const bytes = Buffer.concat([encodeSegmentHeader(header), Buffer.from('trailing records')]);
    expect(decodeSegmentHeader(bytes)).toEqual({ ledgerId: LEDGER_ID, generation: 0xfffffffe, firstSeq: 2 ** 52 + 7 });
  });

  it('a header-only segment is clean with no records', () => {
    const scan = readable(scanSegment(encodeSegmentHeader(header)));
    expect(scan).toMatchObject({ records: [], goodOffset: SEGMENT_HEADER_BYTES, tail: 'clean' });
    expect(scan.problem).toBeUndefined();
  });

  it('refuses bad ledger ids, generations and firstSeqs with a RangeError', () => {
    expect(() => encodeSegmentHeader({ ...header, ledgerId: new Uint8Array(15) })).toThrow(RangeError);
    expect(() => encodeSegmentHeader({ ...header, generation: 2 ** 32 })).toThrow(RangeError);
    expect(() => encodeSegmentHeader({ ...header, firstSeq: -1 })).toThrow(RangeError);
    expect(() => encodeSegmentHeader({ ...header, firstSeq: 2 ** 53 })).toThrow(RangeError);
  });

  it('is unreadable when shorter than SEGMENT_HEADER_BYTES, at every length', () => {
    const bytes = encodeSegmentHeader(header);
    for (let length = 0; length < SEGMENT_HEADER_BYTES; length++) {
      expect(decodeSegmentHeader(bytes.subarray(0, length))).toBeUndefined();
      expect(scanSegment(bytes.subarray(0, length))).toEqual({ header: undefined, problem: 'truncated segment header' });
    }
  });

  it('rejects every single-bit flip in the header, naming the field it hit', () => {
    // Magic bits fail the magic check, version bits the version check (it is read
    // before the CRC), and every other bit, including the CRC's own, the CRC check.
    const clean = encodeSegmentHeader(header);
    for (let bit = 0; bit < SEGMENT_HEADER_BYTES * 8; bit++) {
      const bytes = Buffer.from(clean);
      flipBit(bytes, bit);
      const byte = bit >> 3;
      const expected = byte < 4 ? 'bad magic' : byte < 6 ? 'unsupported version' : 'header checksum mismatch';
      expect(decodeSegmentHeader(bytes), `bit ${bit}`).toBeUndefined();
      expect(scanSegment(bytes), `bit ${bit}`).toEqual({ header: undefined, problem: expected });
    }
  });

  it('rejects an all-zero header (file size reached disk before its contents) as bad magic', () => {
    expect(scanSegment(new Uint8Array(4096))).toEqual({ header: undefined, problem: 'bad magic' });
  });

  /** A header with a field changed and the CRC recomputed, so only that field is wrong. */
  function resealed(edit: (bytes: Buffer) => void): Buffer {
    const bytes = encodeSegmentHeader(header);
    edit(bytes);
    bytes.writeUInt32LE(crc32c(bytes.subarray(0, 36)), 36);
    return bytes;
  }

  it('rejects another format version even with a valid CRC', () => {
    for (const version of [0, 2, 0xffff]) {
      const bytes = resealed((b) => b.writeUInt16LE(version, 4));
      expect(decodeSegmentHeader(bytes)).toBeUndefined();
      expect(scanSegment(bytes)).toEqual({ header: undefined, problem: 'unsupported version' });
    }
  });

  it('rejects set flags even with a valid CRC (reserved for a later version)', () => {
    const bytes = resealed((b) => b.writeUInt16LE(1, 6));
    expect(decodeSegmentHeader(bytes)).toBeUndefined();
    expect(scanSegment(bytes)).toEqual({ header: undefined, problem: 'unsupported flags' });
  });

  it('rejects a firstSeq beyond 2^53 - 1 even with a valid CRC', () => {
    const bytes = resealed((b) => b.writeUInt32LE(0x200000, 32)); // high word 2^21: firstSeq >= 2^53
    expect(decodeSegmentHeader(bytes)).toBeUndefined();
    expect(scanSegment(bytes)).toEqual({ header: undefined, problem: 'sequence out of range' });
  });
});

describe('scanSegment basics', () => {
  it('returns every record of an intact log, clean, with bodies viewing the scanned buffer', () => {
    for (const log of SMALL_LOGS) {
      const scan = readable(scanSegment(log.buf));
      expect(scan.tail).toBe('clean');
      expect(scan.goodOffset).toBe(log.buf.length);
      expect(prefixMismatch(scan.records, log, log.records.length)).toBeUndefined();
      expect(scan.header).toEqual(log.header);
      const first = scan.records[0] as LogRecord;
      expect(first.body.buffer).toBe(log.buf.buffer);
      expect(first.body.byteOffset).toBe(log.buf.byteOffset + (log.starts[0] as number) + RECORD_HEADER_BYTES);
    }
  });

  it('the first record must carry the header firstSeq', () => {
    const header = encodeSegmentHeader({ ledgerId: LEDGER_ID, generation: 1, firstSeq: 100 });
    const at100 = encodeRecord({ type: RecordType.Epoch, seq: 100, epoch: 1, body: new Uint8Array(3) });
    const at101 = encodeRecord({ type: RecordType.Epoch, seq: 101, epoch: 1, body: new Uint8Array(3) });
    expect(readable(scanSegment(Buffer.concat([header, at100]))).tail).toBe('clean');
    expect(readable(scanSegment(Buffer.concat([header, at101])))).toMatchObject({
      records: [],
      tail: 'corrupt',
      problem: 'sequence gap',
      problemOffset: SEGMENT_HEADER_BYTES,
    });
  });

  it('accepts equal and rising epochs', () => {
    const header = encodeSegmentHeader({ ledgerId: LEDGER_ID, generation: 1, firstSeq: 1 });
    const epochs = [0, 0, 5, 5, 6, 0xffffffff];
    const parts = epochs.map((epoch, i) => encodeRecord({ type: RecordType.Put, seq: i + 1, epoch, body: new Uint8Array(0) }));
    const scan = readable(scanSegment(Buffer.concat([header, ...parts])));
    expect(scan.tail).toBe('clean');
    expect(scan.records.map((r) => r.epoch)).toEqual(epochs);
  });

  it('accepts a record that starts and ends exactly at the view bounds of a larger ArrayBuffer', () => {
    const log = SMALL_LOGS[0] as BuiltLog;
    const padded = new Uint8Array(log.buf.length + 64);
    padded.fill(0x55);
    padded.set(log.buf, 32);
    const scan = readable(scanSegment(padded.subarray(32, 32 + log.buf.length)));
    expect(scan.tail).toBe('clean');
    expect(scan.records.length).toBe(log.records.length);
  });
});

describe('B1.1 truncation sweep', () => {
  it('at every byte offset of five ~20-record logs: exactly the whole records before the cut, never a throw', () => {
    // `subarray` shares the ArrayBuffer, so the bytes after the cut are still in memory:
    // a scanner that read past its view would find the rest of the record and accept it.
    let reopens = 0;
    const failures: string[] = [];
    for (const log of SMALL_LOGS) {
      for (let offset = 0; offset <= log.buf.length; offset++) {
        const failure = checkTruncation(log, offset);
        if (failure !== undefined && failures.length < 10) failures.push(failure);
        reopens++;
      }
    }
    expect(failures).toEqual([]);
    // The logs are ~20 KB each, the size the B1.1 sweep calls for.
    expect(reopens).toBeGreaterThan(50_000);
  });

  it('sizes include records ending exactly on 512-byte and 4 KiB boundaries and bodies of 0 B and 4 KiB', () => {
    const ends = SMALL_LOGS.flatMap((log) => log.ends);
    const sizes = SMALL_LOGS.flatMap((log) => log.records.map((r) => r.body.length));
    expect(ends.some((end) => end % 4096 === 0)).toBe(true);
    expect(ends.filter((end) => end % 512 === 0).length).toBeGreaterThan(5);
    expect(sizes).toContain(0);
    expect(sizes).toContain(4096);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096);
  });

  it('after cutting back to goodOffset, ten appended records read back with the kept prefix (etcd repair pattern)', () => {
    const rng = new SeededRandom(77);
    const failures: string[] = [];
    for (const log of SMALL_LOGS) {
      for (let offset = SEGMENT_HEADER_BYTES; offset <= log.buf.length; offset += 11) {
        const failure = checkRepairAndAppend(log, offset, rng);
        if (failure !== undefined && failures.length < 10) failures.push(failure);
      }
    }
    expect(failures).toEqual([]);
  });

  it('a ~300 KB log with records up to 64 KiB: +-16 B around every record boundary and 2,000 random offsets', () => {
    const rng = new SeededRandom(300);
    const sizes = Array.from({ length: 28 }, () => randInt(rng, 0, 8192));
    for (const at of [3, 11, 19, 27]) sizes[at] = 65536 - randInt(rng, 0, 3) * 21;
    const log = buildLog(rng, sizes);
    expect(log.buf.length).toBeGreaterThan(250_000);
    expect(log.buf.length).toBeLessThan(450_000);
    const offsets = new Set<number>();
    for (const boundary of [SEGMENT_HEADER_BYTES, ...log.ends]) {
      for (let d = -16; d <= 16; d++) {
        const offset = boundary + d;
        if (offset >= 0 && offset <= log.buf.length) offsets.add(offset);
      }
    }
    for (let i = 0; i < 2000; i++) offsets.add(randInt(rng, 0, log.buf.length));
    const failures: string[] = [];
    for (const offset of offsets) {
      const failure = checkTruncation(log, offset);
      if (failure !== undefined && failures.length < 10) failures.push(failure);
    }
    expect(failures).toEqual([]);
    for (const offset of [...offsets].slice(0, 200)) {
      const failure = checkRepairAndAppend(log, offset, rng);
      if (failure !== undefined && failures.length < 10) failures.push(failure);
    }
    expect(failures).toEqual([]);
  });
});

/**
 * The problem a single-bit flip at `bit` (an index into the whole buffer) must produce
 * in record `i`. CRC-32C detects every single-bit error, so a flip anywhere in the CRC
 * field or the checksummed range is a checksum mismatch; a flip in `len` is judged by
 * the length it produces: over the cap, past the end, or (a shorter or still-fitting
 * length) a CRC computed over the wrong range.
 */
function expectedFlipProblem(buf: Buffer, start: number, bit: number): RecordProblem {
  const byte = bit >> 3;
  if (byte >= start + 4) return 'checksum mismatch';
  const len = buf.readUInt32LE(start);
  if (len > MAX_BODY_BYTES) return 'bad length';
  if (start + RECORD_HEADER_BYTES + len > buf.length) return 'record runs past end';
  return 'checksum mismatch';
}

describe('B1.2 single-bit flips in a non-tail record', () => {
  it('10,000 flips: always corrupt at the damaged record start, no record from after the flip accepted', () => {
    const rng = new SeededRandom(12);
    const failures: string[] = [];
    for (let n = 0; n < 10_000; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const i = randInt(rng, 0, log.records.length - 2);
      const start = log.starts[i] as number;
      const bit = randInt(rng, start * 8, (log.ends[i] as number) * 8 - 1);
      const buf = Buffer.from(log.buf);
      flipBit(buf, bit);
      const scan = readable(scanSegment(buf));
      const problem = expectedFlipProblem(buf, start, bit);
      const ok =
        scan.tail === 'corrupt' &&
        scan.problemOffset === start &&
        scan.goodOffset === start &&
        scan.problem === problem &&
        // The search stops at the first later valid record: the very next one.
        scan.evidenceOffset === log.starts[i + 1] &&
        scan.evidenceSeq === log.records[i + 1]?.seq &&
        prefixMismatch(scan.records, log, i) === undefined;
      if (!ok && failures.length < 10) {
        failures.push(`flip ${n} (record ${i}, bit ${bit}): ${scan.tail}/${String(scan.problem)} at ${String(scan.problemOffset)}, ${scan.records.length} records`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('B1.3 damage in the last record', () => {
  it('5,000 single-bit flips in the last record: torn, every earlier record kept', () => {
    const rng = new SeededRandom(13);
    const failures: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const i = log.records.length - 1;
      const start = log.starts[i] as number;
      const bit = randInt(rng, start * 8, (log.ends[i] as number) * 8 - 1);
      const buf = Buffer.from(log.buf);
      flipBit(buf, bit);
      const scan = readable(scanSegment(buf));
      const ok =
        scan.tail === 'torn' &&
        scan.problemOffset === start &&
        scan.problem === expectedFlipProblem(buf, start, bit) &&
        prefixMismatch(scan.records, log, i) === undefined;
      if (!ok && failures.length < 10) failures.push(`flip ${n} (bit ${bit}): ${scan.tail}/${String(scan.problem)}`);
    }
    expect(failures).toEqual([]);
  });

  it('5,000 random garbage overwrites inside the last record (and cuts after them): torn, every earlier record kept', () => {
    const rng = new SeededRandom(14);
    const damage: ReadonlySet<string | undefined> = new Set(['bad length', 'record runs past end', 'checksum mismatch', 'truncated record header', 'zero-filled tail']);
    const failures: string[] = [];
    for (let n = 0; n < 5000; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const i = log.records.length - 1;
      const start = log.starts[i] as number;
      const end = log.ends[i] as number;
      const from = randInt(rng, start, end - 1);
      const to = randInt(rng, from + 1, end);
      const buf = Buffer.from(log.buf);
      // XOR with non-zero bytes so every byte in the range really changes.
      for (let b = from; b < to; b++) buf[b] = (buf[b] as number) ^ randInt(rng, 1, 255);
      // Half the time also cut the file somewhere after the damage starts.
      const cut = rng.next() < 0.5 ? buf : buf.subarray(0, randInt(rng, from + 1, end));
      const scan = readable(scanSegment(cut));
      const ok = scan.tail === 'torn' && scan.problemOffset === start && damage.has(scan.problem) && prefixMismatch(scan.records, log, i) === undefined;
      if (!ok && failures.length < 10) failures.push(`case ${n} [${from}, ${to}): ${scan.tail}/${String(scan.problem)}`);
    }
    expect(failures).toEqual([]);
  });
});

/** Tail length from 1 B to 64 KiB, log-uniform so short tails (shorter than a header) are common. */
function tailLength(rng: SeededRandom): number {
  return Math.min(65536, Math.max(1, Math.floor(2 ** (rng.next() * 16))));
}

describe('B1.4 zero and garbage tails', () => {
  it('2,000 zero tails of 1 B..64 KiB: torn as a zero-filled tail, all real records, no phantom', () => {
    const rng = new SeededRandom(41);
    const failures: string[] = [];
    for (let n = 0; n < 2000; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const length = tailLength(rng);
      const scan = readable(scanSegment(Buffer.concat([log.buf, Buffer.alloc(length)])));
      const ok =
        scan.tail === 'torn' &&
        scan.problem === 'zero-filled tail' &&
        scan.goodOffset === log.buf.length &&
        prefixMismatch(scan.records, log, log.records.length) === undefined;
      if (!ok && failures.length < 10) failures.push(`zeros ${length}: ${scan.tail}/${String(scan.problem)}, ${scan.records.length} records`);
    }
    expect(failures).toEqual([]);
  });

  it('2,000 random-byte tails of 1 B..64 KiB: torn, all real records, no phantom', () => {
    const rng = new SeededRandom(42);
    const failures: string[] = [];
    for (let n = 0; n < 2000; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const tail = randomBytes(rng, tailLength(rng));
      const scan = readable(scanSegment(Buffer.concat([log.buf, tail])));
      const ok = scan.tail === 'torn' && scan.goodOffset === log.buf.length && prefixMismatch(scan.records, log, log.records.length) === undefined;
      if (!ok && failures.length < 10) failures.push(`garbage ${tail.length}: ${scan.tail}/${String(scan.problem)}, ${scan.records.length} records`);
    }
    expect(failures).toEqual([]);
  });

  it('a garbage tail that starts with a plausible header (known type, small length) is still torn', () => {
    const log = SMALL_LOGS[1] as BuiltLog;
    const fake = Buffer.alloc(RECORD_HEADER_BYTES + 10, 0x5a);
    fake.writeUInt32LE(10, 0);
    fake[8] = RecordType.Put;
    fake.writeUInt32LE(log.records.length + 1, 9); // the expected next seq, but a wrong CRC
    fake.writeUInt32LE(0, 13);
    const scan = readable(scanSegment(Buffer.concat([log.buf, fake])));
    expect(scan).toMatchObject({ tail: 'torn', problem: 'checksum mismatch', goodOffset: log.buf.length });
    expect(scan.records.length).toBe(log.records.length);
  });
});

describe('B1.5 damaged length fields', () => {
  it('len = 0, MAX, MAX + 1, 2^32 - 1 and remaining + 1 at every record position: torn at the tail, corrupt in the middle', () => {
    const failures: string[] = [];
    let cases = 0;
    for (const log of SMALL_LOGS) {
      for (let i = 0; i < log.records.length; i++) {
        const start = log.starts[i] as number;
        const remainingBody = log.buf.length - start - RECORD_HEADER_BYTES;
        const isLast = i === log.records.length - 1;
        const lengths: Array<[number, RecordProblem]> = [
          [0, 'checksum mismatch'],
          // The logs are far smaller than 1 MiB, so MAX runs past the end.
          [MAX_BODY_BYTES, 'record runs past end'],
          [MAX_BODY_BYTES + 1, 'bad length'],
          [0xffffffff, 'bad length'],
          [remainingBody + 1, remainingBody + 1 > MAX_BODY_BYTES ? 'bad length' : 'record runs past end'],
        ];
        for (const [len, problem] of lengths) {
          if (len === log.records[i]?.body.length) continue; // unchanged record: nothing to detect
          cases++;
          const buf = Buffer.from(log.buf);
          buf.writeUInt32LE(len, start);
          let scan: SegmentScan;
          try {
            scan = readable(scanSegment(buf));
          } catch (error) {
            failures.push(`record ${i}, len ${len}: threw ${String(error)}`);
            continue;
          }
          const ok =
            scan.tail === (isLast ? 'torn' : 'corrupt') &&
            scan.problemOffset === start &&
            scan.problem === problem &&
            prefixMismatch(scan.records, log, i) === undefined;
          if (!ok && failures.length < 10) failures.push(`record ${i}, len ${len}: ${scan.tail}/${String(scan.problem)}`);
        }
      }
    }
    expect(failures).toEqual([]);
    expect(cases).toBeGreaterThan(450);
  });

  it('a length past the end never reads beyond the view, even when the bytes beyond it would complete the record', () => {
    const log = SMALL_LOGS[2] as BuiltLog;
    const i = log.records.length - 1;
    // The view stops one byte short; the missing byte is still in the ArrayBuffer.
    const view = log.buf.subarray(0, (log.ends[i] as number) - 1);
    const scan = readable(scanSegment(view));
    expect(scan).toMatchObject({ tail: 'torn', problem: 'record runs past end', goodOffset: log.starts[i] });
    expect(scan.records.length).toBe(i);
  });

  it('a huge length does not allocate: ArrayBuffer memory grows by far less than the claimed body', () => {
    // If the scanner allocated according to the length field, 1 MiB would show up in
    // process.memoryUsage().arrayBuffers (a garbage collection can only shrink it).
    const log = SMALL_LOGS[0] as BuiltLog;
    const buf = Buffer.from(log.buf);
    buf.writeUInt32LE(MAX_BODY_BYTES, log.starts[log.records.length - 1]);
    const before = process.memoryUsage().arrayBuffers;
    let scan: ScanResult | undefined;
    for (let n = 0; n < 4; n++) scan = scanSegment(buf);
    const grown = process.memoryUsage().arrayBuffers - before;
    expect(readable(scan as ScanResult).problem).toBe('record runs past end');
    expect(grown).toBeLessThan(MAX_BODY_BYTES / 2);
  });
});

describe('B1.6 checksum-valid records out of sequence or epoch', () => {
  it('500 cases of duplicated seq, skipped seq and lower epoch: the prefix ends there and the log is corrupt', () => {
    // A torn write cannot produce a matching CRC, so a checksum-valid record that breaks
    // the sequence or epoch rule was written on purpose (a second writer or a bug), and
    // truncating it could drop an acknowledged write; that holds at the tail too.
    const rng = new SeededRandom(16);
    const failures: string[] = [];
    const kinds = { duplicate: 0, skip: 0, epoch: 0, laterEvidence: 0 };
    for (let n = 0; n < 500; n++) {
      const log = SMALL_LOGS[n % SMALL_LOGS.length] as BuiltLog;
      const kind = (['duplicate', 'skip', 'epoch'] as const)[n % 3] as 'duplicate' | 'skip' | 'epoch';
      let i: number;
      let change: Partial<LogRecord>;
      let problem: RecordProblem;
      if (kind === 'epoch') {
        // Only records after an epoch rise can go below the highest epoch seen.
        const candidates = log.records.map((r, k) => k).filter((k) => k > 0 && (log.records[k - 1]?.epoch ?? 0) > 0);
        i = candidates[randInt(rng, 0, candidates.length - 1)] as number;
        const highest = log.records[i - 1]?.epoch as number;
        change = { epoch: randInt(rng, 0, highest - 1) };
        problem = 'epoch went backwards';
      } else if (kind === 'duplicate') {
        i = randInt(rng, 1, log.records.length - 1);
        change = { seq: (log.records[randInt(rng, 0, i - 1)] as LogRecord).seq };
        problem = 'sequence went backwards';
      } else {
        i = randInt(rng, 0, log.records.length - 1);
        change = { seq: (log.records[i] as LogRecord).seq + randInt(rng, 1, 1000) };
        problem = 'sequence gap';
      }
      kinds[kind]++;
      if (i < log.records.length - 1) kinds.laterEvidence++;
      const scan = readable(scanSegment(withRecordReplaced(log, i, change)));
      const ok =
        scan.tail === 'corrupt' &&
        scan.problem === problem &&
        scan.problemOffset === log.starts[i] &&
        prefixMismatch(scan.records, log, i) === undefined;
      if (!ok && failures.length < 10) failures.push(`${kind} at record ${i}: ${scan.tail}/${String(scan.problem)}, ${scan.records.length} records`);
    }
    expect(failures).toEqual([]);
    expect(kinds.duplicate).toBeGreaterThan(100);
    expect(kinds.skip).toBeGreaterThan(100);
    expect(kinds.epoch).toBeGreaterThan(100);
    expect(kinds.laterEvidence).toBeGreaterThan(400);
  });

  it('checksum-valid records of unknown type or with a seq beyond 2^53 - 1 are corrupt, not torn', () => {
    const log = SMALL_LOGS[0] as BuiltLog;
    const next = log.records.length + 1;
    const unknownType = rawRecord({ type: 9, seqLow: next, seqHigh: 0, epoch: 99, body: new Uint8Array(4) });
    const hugeSeq = rawRecord({ type: RecordType.Put, seqLow: 0, seqHigh: 0x200000, epoch: 99, body: new Uint8Array(4) });
    expect(readable(scanSegment(Buffer.concat([log.buf, unknownType])))).toMatchObject({ tail: 'corrupt', problem: 'unknown record type', problemOffset: log.buf.length });
    expect(readable(scanSegment(Buffer.concat([log.buf, hugeSeq])))).toMatchObject({ tail: 'corrupt', problem: 'sequence out of range', problemOffset: log.buf.length });
  });

  it('after damage, a later valid record with a higher seq makes it corrupt even across a gap, and names it', () => {
    // Records 1..20 intact, then garbage, then a valid record with seq 25.
    const log = SMALL_LOGS[0] as BuiltLog;
    const garbage = randomBytes(new SeededRandom(5), 300);
    const later = encodeRecord({ type: RecordType.Put, seq: 25, epoch: 50, body: new Uint8Array(8) });
    const scan = readable(scanSegment(Buffer.concat([log.buf, garbage, later])));
    expect(scan).toMatchObject({
      tail: 'corrupt',
      problemOffset: log.buf.length,
      evidenceOffset: log.buf.length + garbage.length,
      evidenceSeq: 25,
    });
    expect(scan.records.length).toBe(log.records.length);
  });

  it('after damage, a valid record whose seq is not above the last good one (a stale copy) does not make it corrupt', () => {
    const log = SMALL_LOGS[0] as BuiltLog;
    const garbage = randomBytes(new SeededRandom(6), 300);
    const staleCopy = log.buf.subarray(log.starts[4], log.ends[4]); // seq 5, already in the prefix
    const scan = readable(scanSegment(Buffer.concat([log.buf, garbage, staleCopy])));
    expect(scan).toMatchObject({ tail: 'torn', goodOffset: log.buf.length });
    expect(scan.evidenceOffset).toBeUndefined();
    expect(scan.records.length).toBe(log.records.length);
  });
});
