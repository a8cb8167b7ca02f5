import { crc32c, crc32cRange, type Crc32cRange } from './crc32c.js';

/**
 * On-disk framing of the durable file ledger: a segment header followed by
 * length-prefixed, checksummed, sequence-numbered records. The format is described in
 * docs/durability.md#the-file-ledger-on-disk, the scan's rules in
 * docs/durability.md#d12-every-record-is-framed-checksummed-and-numbered and
 * docs/durability.md#d13-a-torn-tail-is-kept-cut-and-synced-other-damage-refuses-to-open.
 * Everything here is pure: it turns records into bytes and a file's bytes back into the
 * records that can be trusted, plus a verdict on whatever follows them. Reading,
 * truncating and fsyncing are the file store's job.
 *
 * Segment layout (all integers little-endian):
 *
 * ```
 * segment header (SEGMENT_HEADER_BYTES = 40)
 *   0  magic 'IKLG'         4 bytes
 *   4  version u16          = FORMAT_VERSION
 *   6  flags u16            = 0
 *   8  ledgerId             16 bytes
 *  24  generation u32
 *  28  firstSeq u64         seq of the first record in this segment
 *  36  headerCrc u32        CRC-32C of bytes 0..35
 * record (RECORD_HEADER_BYTES = 21, then the body)
 *   0  len u32              body length in bytes, <= MAX_BODY_BYTES
 *   4  crc u32              CRC-32C of bytes 8 .. 21 + len (type, seq, epoch, body)
 *   8  type u8              a RecordType (1 Epoch, 2 Put, 3 SnapshotEnd)
 *   9  seq u64              previous record's seq + 1
 *  17  epoch u32            never lower than an earlier record's epoch
 *  21  body                 len bytes, opaque here
 * ```
 */

/** Largest record body in bytes (1 MiB). Larger lengths are treated as damage, never allocated. */
export const MAX_BODY_BYTES = 1 << 20;

/** Bytes before a record's body: len u32, crc u32, type u8, seq u64, epoch u32. */
export const RECORD_HEADER_BYTES = 21;

/** Size in bytes of the segment header at the start of every log file. */
export const SEGMENT_HEADER_BYTES = 40;

/** Bytes in a ledger id. */
export const LEDGER_ID_BYTES = 16;

/** Segment format version written by {@link encodeSegmentHeader} and the only one read. */
export const FORMAT_VERSION = 1;

/** Largest sequence number the format accepts: `Number.MAX_SAFE_INTEGER` (2^53 − 1). */
export const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** Largest epoch (u32). */
export const MAX_EPOCH = 0xffff_ffff;

/** 'IKLG' in ASCII. */
const MAGIC = [0x49, 0x4b, 0x4c, 0x47] as const;

// Byte offsets inside a record and inside the segment header.
const LEN_AT = 0;
const CRC_AT = 4;
const TYPE_AT = 8;
const SEQ_AT = 9;
const EPOCH_AT = 17;
const HEADER_VERSION_AT = 4;
const HEADER_FLAGS_AT = 6;
const HEADER_LEDGER_ID_AT = 8;
const HEADER_GENERATION_AT = 24;
const HEADER_FIRST_SEQ_AT = 28;
const HEADER_CRC_AT = 36;

/** The high 32 bits of a u64 that still fits in a safe integer are below 2^21. */
const MAX_SAFE_HIGH_WORD = 0x1f_ffff;
const TWO_POW_32 = 0x1_0000_0000;

/**
 * Record types. A plain object rather than a TS `enum` so the values are ordinary
 * numbers under `verbatimModuleSyntax`/`isolatedModules`.
 */
export const RecordType = {
  /**
   * Written by each writer when it opens the ledger; `epoch` is its fencing token
   * (see docs/durability.md#d16-each-writer-opens-with-a-higher-writer-epoch).
   */
  Epoch: 1,
  /** Carries one ledger change in its body. */
  Put: 2,
  /**
   * Last record of a snapshot file (compaction): written after every live intent,
   * so a snapshot whose scan is clean and ends with it is known to be complete.
   */
  SnapshotEnd: 3,
} as const;

/** One of the {@link RecordType} values. */
export type RecordType = (typeof RecordType)[keyof typeof RecordType];

/** Whether `value` is a known {@link RecordType}. */
export function isRecordType(value: number): value is RecordType {
  return value === RecordType.Epoch || value === RecordType.Put || value === RecordType.SnapshotEnd;
}

/** One record as written to, and read back from, a segment. */
export interface LogRecord {
  /** What the body holds. */
  readonly type: RecordType;
  /**
   * Sequence number: exactly one more than the previous record's (the first record of a
   * segment carries the header's `firstSeq`). A safe integer, `0` to {@link MAX_SEQ}.
   */
  readonly seq: number;
  /** Writer epoch (fencing token), `0` to {@link MAX_EPOCH}; never lower than an earlier record's. */
  readonly epoch: number;
  /**
   * Body bytes, at most {@link MAX_BODY_BYTES}. In records returned by
   * {@link scanSegment} this is a view into the scanned buffer, not a copy.
   */
  readonly body: Uint8Array;
}

/** The identity of a segment file, stored in its first {@link SEGMENT_HEADER_BYTES} bytes. */
export interface SegmentHeader {
  /** The ledger this segment belongs to, {@link LEDGER_ID_BYTES} bytes; guards against mixing files of two ledgers. */
  readonly ledgerId: Uint8Array;
  /** Compaction generation of this segment (u32); recovery prefers the highest valid one. */
  readonly generation: number;
  /** Sequence number the first record of this segment must carry. */
  readonly firstSeq: number;
}

/** Why a segment header could not be read. */
export type HeaderProblem =
  | 'truncated segment header'
  | 'bad magic'
  | 'unsupported version'
  | 'header checksum mismatch'
  | 'unsupported flags'
  | 'sequence out of range';

/** Why the valid prefix of a segment ended before the end of the buffer. */
export type RecordProblem =
  /** Fewer than {@link RECORD_HEADER_BYTES} bytes remain. */
  | 'truncated record header'
  /** `len` exceeds {@link MAX_BODY_BYTES}. */
  | 'bad length'
  /** `len` is plausible but runs past the end of the buffer. */
  | 'record runs past end'
  /** The record fits but its CRC does not match. */
  | 'checksum mismatch'
  /** Every byte from the end of the valid prefix to the end of the buffer is zero. */
  | 'zero-filled tail'
  /** A checksum-valid record whose type this version does not know. */
  | 'unknown record type'
  /** A checksum-valid record whose seq is beyond the expected one. */
  | 'sequence gap'
  /** A checksum-valid record whose seq repeats or precedes an earlier one. */
  | 'sequence went backwards'
  /** A checksum-valid record whose seq does not fit in a safe integer. */
  | 'sequence out of range'
  /** A checksum-valid record whose epoch is lower than an earlier record's. */
  | 'epoch went backwards';

/** Result of {@link scanSegment} for a segment whose header was read. */
export interface SegmentScan {
  readonly header: SegmentHeader;
  /** The valid prefix: consecutive records starting at `header.firstSeq`. */
  readonly records: LogRecord[];
  /** Byte offset just past the last valid record: where appends continue after a repair. */
  readonly goodOffset: number;
  /**
   * - `'clean'`: the buffer ends exactly at `goodOffset`.
   * - `'torn'`: something follows `goodOffset` but no complete, checksum-valid record is
   *   there, and none with a later seq appears anywhere after it. The normal result of a
   *   crash during an append (or of a zero- or garbage-filled tail: file size is no
   *   proof of content): the caller keeps a copy and truncates to `goodOffset`, leaving
   *   no stale bytes after it.
   * - `'corrupt'`: the prefix ends at damage that a crash cannot explain, and records
   *   would be lost by truncating; the caller must refuse to open. Either a
   *   checksum-valid record with a later seq follows the damage (it may have been
   *   acknowledged, so dropping it would lose a write silently), or the record at
   *   `goodOffset` is itself complete and checksum-valid but breaks the seq, epoch or
   *   type rules (a torn write cannot produce a matching CRC, so someone wrote it on
   *   purpose: another writer, or a bug).
   *
   * See docs/durability.md#d13-a-torn-tail-is-kept-cut-and-synced-other-damage-refuses-to-open.
   */
  readonly tail: 'clean' | 'torn' | 'corrupt';
  /** Where the first bad byte range starts; equals `goodOffset`. Absent when `'clean'`. */
  readonly problemOffset?: number;
  /** What is wrong at `problemOffset`. Absent when `'clean'`. */
  readonly problem?: RecordProblem;
  /** For `'corrupt'` found by the search: offset of the first later checksum-valid record. */
  readonly evidenceOffset?: number;
  /** For `'corrupt'` found by the search: the seq of that record. */
  readonly evidenceSeq?: number;
}

/** Result of {@link scanSegment} when the segment header cannot be trusted. */
export interface UnreadableSegment {
  readonly header: undefined;
  readonly problem: HeaderProblem;
}

/** What {@link scanSegment} found in a segment. */
export type ScanResult = SegmentScan | UnreadableSegment;

function checkU32(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff_ffff) {
    throw new RangeError(`${name} must be an integer from 0 to 2^32 - 1, received ${String(value)}`);
  }
}

function checkSeq(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a safe integer >= 0, received ${String(value)}`);
  }
}

function writeU64(target: Buffer, value: number, at: number): void {
  target.writeUInt32LE(value % TWO_POW_32, at);
  target.writeUInt32LE(Math.floor(value / TWO_POW_32), at + 4);
}

/**
 * Encodes one record: header plus body, ready to append.
 *
 * The CRC covers everything after the CRC field (type, seq, epoch, body) so the checksum
 * is never computed over itself. `len` is not covered directly, but a damaged `len`
 * moves the checksummed range, so the stored CRC no longer matches.
 *
 * @throws RangeError when the type is unknown, `seq` is not a safe non-negative integer,
 *   `epoch` is not a u32, or the body is longer than {@link MAX_BODY_BYTES}. The ledger
 *   checks body sizes before it gets here; reaching this is a bug.
 */
export function encodeRecord(record: LogRecord): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + Math.min(record.body.length, MAX_BODY_BYTES + 1));
  encodeRecordInto(out, 0, record);
  return out;
}

/**
 * Encodes a segment header ({@link SEGMENT_HEADER_BYTES} bytes) with the current
 * {@link FORMAT_VERSION}, no flags and a CRC over the preceding 36 bytes.
 *
 * @throws RangeError when `ledgerId` is not {@link LEDGER_ID_BYTES} bytes, `generation`
 *   is not a u32 or `firstSeq` is not a safe non-negative integer.
 */
export function encodeSegmentHeader(header: SegmentHeader): Buffer {
  if (header.ledgerId.length !== LEDGER_ID_BYTES) {
    throw new RangeError(`ledgerId must be ${LEDGER_ID_BYTES} bytes, received ${header.ledgerId.length}`);
  }
  checkU32('generation', header.generation);
  checkSeq('firstSeq', header.firstSeq);
  const out = Buffer.alloc(SEGMENT_HEADER_BYTES);
  out.set(MAGIC, 0);
  out.writeUInt16LE(FORMAT_VERSION, HEADER_VERSION_AT);
  out.writeUInt16LE(0, HEADER_FLAGS_AT);
  out.set(header.ledgerId, HEADER_LEDGER_ID_AT);
  out.writeUInt32LE(header.generation, HEADER_GENERATION_AT);
  writeU64(out, header.firstSeq, HEADER_FIRST_SEQ_AT);
  out.writeUInt32LE(crc32c(out.subarray(0, HEADER_CRC_AT)), HEADER_CRC_AT);
  return out;
}

function viewOf(buf: Uint8Array): DataView {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads a u64 at `at`; `undefined` when it does not fit in a safe integer. */
function readSeq(view: DataView, at: number): number | undefined {
  const high = view.getUint32(at + 4, true);
  if (high > MAX_SAFE_HIGH_WORD) return undefined;
  return high * TWO_POW_32 + view.getUint32(at, true);
}

function readSegmentHeader(buf: Uint8Array): SegmentHeader | HeaderProblem {
  if (buf.length < SEGMENT_HEADER_BYTES) return 'truncated segment header';
  for (let i = 0; i < MAGIC.length; i++) if (buf[i] !== MAGIC[i]) return 'bad magic';
  const view = viewOf(buf);
  // The version is checked before the CRC: another version may lay the header out
  // differently, so its CRC would be checked in the wrong place and mislead.
  if (view.getUint16(HEADER_VERSION_AT, true) !== FORMAT_VERSION) return 'unsupported version';
  if (crc32c(buf.subarray(0, HEADER_CRC_AT)) !== view.getUint32(HEADER_CRC_AT, true)) return 'header checksum mismatch';
  // Flags are reserved for features a later version may add; guessing at them could
  // misread the records, so any set flag makes the segment unreadable to us.
  if (view.getUint16(HEADER_FLAGS_AT, true) !== 0) return 'unsupported flags';
  const firstSeq = readSeq(view, HEADER_FIRST_SEQ_AT);
  if (firstSeq === undefined) return 'sequence out of range';
  return {
    ledgerId: Uint8Array.from(buf.subarray(HEADER_LEDGER_ID_AT, HEADER_LEDGER_ID_AT + LEDGER_ID_BYTES)),
    generation: view.getUint32(HEADER_GENERATION_AT, true),
    firstSeq,
  };
}

/**
 * Decodes the segment header at the start of `buf` (which may be the whole file).
 *
 * @returns the header, or `undefined` when `buf` is shorter than
 *   {@link SEGMENT_HEADER_BYTES}, the magic is wrong, the version is not
 *   {@link FORMAT_VERSION}, the header CRC does not match, flags are set or `firstSeq`
 *   does not fit in a safe integer. {@link scanSegment} reports which.
 */
export function decodeSegmentHeader(buf: Uint8Array): SegmentHeader | undefined {
  const result = readSegmentHeader(buf);
  return typeof result === 'string' ? undefined : result;
}

/** A record position that failed before its checksum could be confirmed. */
type Unverified = { readonly kind: 'damaged'; readonly problem: RecordProblem };
/** A record position holding a complete record whose CRC matches. */
type Verified = {
  readonly kind: 'checksummed';
  readonly type: number;
  readonly seq: number | undefined;
  readonly epoch: number;
  readonly end: number;
};

/**
 * Looks at the record starting at `at`. The length is checked against the cap and
 * against the bytes remaining before anything else is read, so a damaged length can
 * neither cause a large allocation nor a read past the buffer; bodies are never copied.
 */
function examine(buf: Uint8Array, view: DataView, at: number, checked?: CheckedChain): Unverified | Verified {
  const remaining = buf.length - at;
  if (remaining < RECORD_HEADER_BYTES) return { kind: 'damaged', problem: 'truncated record header' };
  const len = view.getUint32(at + LEN_AT, true);
  if (len > MAX_BODY_BYTES) return { kind: 'damaged', problem: 'bad length' };
  if (len > remaining - RECORD_HEADER_BYTES) return { kind: 'damaged', problem: 'record runs past end' };
  const end = at + RECORD_HEADER_BYTES + len;
  // A record on the chain that `checked` covers had its CRC computed over these very
  // bytes already (by the io thread); any other record's CRC is computed here.
  // (The check stops checksumming at its first mismatch, so only records before
  // `badAt` are known good.)
  const known = checked !== undefined && at < checked.end && (checked.badAt < 0 || at <= checked.badAt);
  const crcOk = known ? at !== checked.badAt : crc32cRange(buf, at + TYPE_AT, end) === view.getUint32(at + CRC_AT, true);
  if (!crcOk) {
    return { kind: 'damaged', problem: 'checksum mismatch' };
  }
  return {
    kind: 'checksummed',
    type: buf[at + TYPE_AT] as number,
    seq: readSeq(view, at + SEQ_AT),
    epoch: view.getUint32(at + EPOCH_AT, true),
    end,
  };
}

/**
 * Finds the first offset in `from .. buf.length` holding a checksum-valid record of a
 * known type whose seq is above `afterSeq`. Every byte offset is tried, because damage
 * may have shifted everything after it by any amount, but the cheap header checks
 * (type byte, length cap and fit, seq) run first so the CRC is computed only for
 * offsets that could really hold such a record: random bytes pass them (3 of 256 type
 * values, lengths below 2^20, seq high words below 2^21) about once in 2^29 offsets,
 * zeros never.
 */
function findLaterRecord(
  buf: Uint8Array,
  view: DataView,
  from: number,
  afterSeq: number,
): { offset: number; seq: number } | undefined {
  const lastStart = buf.length - RECORD_HEADER_BYTES;
  for (let at = from; at <= lastStart; at++) {
    if (!isRecordType(buf[at + TYPE_AT] as number)) continue;
    const len = view.getUint32(at + LEN_AT, true);
    if (len > MAX_BODY_BYTES || len > lastStart - at) continue;
    const seq = readSeq(view, at + SEQ_AT);
    if (seq === undefined || seq <= afterSeq) continue;
    if (crc32cRange(buf, at + TYPE_AT, at + RECORD_HEADER_BYTES + len) !== view.getUint32(at + CRC_AT, true)) continue;
    return { offset: at, seq };
  }
  return undefined;
}

function isAllZero(buf: Uint8Array, from: number): boolean {
  for (let i = from; i < buf.length; i++) if (buf[i] !== 0) return false;
  return true;
}

/**
 * Scans a whole segment file and returns its valid prefix and a verdict on the rest.
 *
 * Records are accepted in order while each one fits within the length cap and the
 * buffer, has a matching CRC and a known type, carries exactly the expected seq
 * (the header's `firstSeq`, then previous + 1) and an epoch no lower than any before
 * it (a lower one comes from a writer that was fenced out). The first record that fails
 * ends the prefix at `goodOffset`. Then, so that nothing a crash cannot explain is ever
 * cut silently:
 *
 * - if that record is complete and checksum-valid, it is `'corrupt'`: only a writer
 *   produces a matching CRC, so a bad seq, epoch or type there is a second writer or a
 *   bug, not a crash;
 * - otherwise every later byte offset is searched for a checksum-valid record with a
 *   seq above the last good one; if there is one, it is `'corrupt'` (truncating would
 *   drop a record that may have been acknowledged), with its position in
 *   `evidenceOffset`;
 * - otherwise it is `'torn'`: zeros, garbage or a half-written record, which the caller
 *   may cut off.
 *
 * Never throws for any input and never reads outside `buf`. A checksum-valid record
 * with a seq at or below the last good one that turns up in the search is ignored:
 * it cannot be a lost later write.
 *
 * Known limit: if a crash persists a later block of an unsynced append but not an
 * earlier one, the surviving later record makes the tail `'corrupt'` although nothing
 * in it was acknowledged. We cannot tell that apart from damage before an acknowledged
 * record, and refusing is the side that loses nothing.
 *
 * @param buf - the whole segment file.
 */
export function scanSegment(buf: Uint8Array): ScanResult {
  const records: LogRecord[] = [];
  const result = scanSegmentWith(buf, (type, seq, epoch, bodyStart, bodyEnd) => {
    records.push({ type, seq, epoch, body: buf.subarray(bodyStart, bodyEnd) });
  });
  return result.header === undefined ? result : { ...result, records };
}

/**
 * Receives each record of the valid prefix from {@link scanSegmentWith}, in order: its
 * type, seq and epoch, and where its body lies in the scanned buffer (`bodyStart`
 * inclusive, `bodyEnd` exclusive).
 */
export type RecordVisitor = (type: RecordType, seq: number, epoch: number, bodyStart: number, bodyEnd: number) => void;

/**
 * {@link scanSegment} without building the record list: every record of the valid
 * prefix is passed to `visit` as it is accepted (same checks, same verdict), and the
 * result's `records` is empty. For large files, where a view object per record would
 * cost more memory than the scan itself. `visit` may throw; the scan then stops.
 *
 * @param buf - the whole segment file.
 * @param visit - called once per accepted record, in file order.
 */
export function scanSegmentWith(buf: Uint8Array, visit: RecordVisitor): ScanResult {
  const header = readSegmentHeader(buf);
  if (typeof header === 'string') return { header: undefined, problem: header };
  const view = viewOf(buf);
  const records: LogRecord[] = [];
  const state: RunState = { expectedSeq: header.firstSeq, maxEpoch: 0 };
  const run = scanRun(buf, SEGMENT_HEADER_BYTES, state, visit);
  if (run.problem === undefined) return { header, records, goodOffset: run.at, tail: 'clean' };
  const { at, problem } = run;
  const base = { header, records, goodOffset: at, problemOffset: at };
  if (run.checksummed) return { ...base, tail: 'corrupt', problem };
  const later = findLaterRecord(buf, view, at + 1, state.expectedSeq - 1);
  if (later !== undefined) {
    return { ...base, tail: 'corrupt', problem, evidenceOffset: later.offset, evidenceSeq: later.seq };
  }
  return { ...base, tail: 'torn', problem: isAllZero(buf, at) ? 'zero-filled tail' : problem };
}

/** Where a run of records continues: the seq the next record must carry and the highest epoch so far. */
export interface RunState {
  expectedSeq: number;
  maxEpoch: number;
}

/** Where {@link scanRun} stopped and why. */
export interface RunResult {
  /** Offset just past the last accepted record. */
  readonly at: number;
  /** Absent when the run reached the end of the buffer exactly. */
  readonly problem?: RecordProblem;
  /** Whether the record at `at` is complete and checksum-valid (it broke a seq, epoch or type rule). */
  readonly checksummed: boolean;
}

/**
 * Accepts records from `buf[from..)` under exactly the rules of {@link scanSegment}
 * (length cap, fit, CRC, known type, seq = `state.expectedSeq`, epoch not below
 * `state.maxEpoch`), calling `visit` for each and advancing `state`, until the end of
 * the buffer or the first record that fails. It judges nothing after that record: a
 * caller reading a file in chunks treats `'truncated record header'` and `'record runs
 * past end'` as "read on from `at`" unless the chunk ends the file.
 *
 * @param checked - what {@link checkRecordChain}`(buf, from)` found, when the CRCs were
 *   computed elsewhere (the io thread, while this thread worked on the previous chunk):
 *   the CRC of a record on that chain starting before `checked.end` is then taken from
 *   it instead of being computed again. It must come from the same bytes and the same
 *   `from` (the run follows the same length fields, so every record it reaches before
 *   `checked.end` is one the check covered). Same checks, same verdict.
 */
export function scanRun(buf: Uint8Array, from: number, state: RunState, visit: RecordVisitor, checked?: CheckedChain): RunResult {
  const view = viewOf(buf);
  let at = from;
  while (at < buf.length) {
    const found = examine(buf, view, at, checked);
    let problem: RecordProblem | undefined;
    if (found.kind === 'damaged') {
      problem = found.problem;
    } else if (!isRecordType(found.type)) {
      problem = 'unknown record type';
    } else if (found.seq === undefined) {
      problem = 'sequence out of range';
    } else if (found.seq > state.expectedSeq) {
      problem = 'sequence gap';
    } else if (found.seq < state.expectedSeq) {
      problem = 'sequence went backwards';
    } else if (found.epoch < state.maxEpoch) {
      problem = 'epoch went backwards';
    } else {
      visit(found.type, found.seq, found.epoch, at + RECORD_HEADER_BYTES, found.end);
      state.maxEpoch = found.epoch;
      state.expectedSeq = found.seq + 1;
      at = found.end;
      continue;
    }
    return { at, problem, checksummed: found.kind === 'checksummed' };
  }
  return { at, checksummed: false };
}

/** What {@link checkRecordChain} found. */
export interface CheckedChain {
  /** Where the walk stopped: as {@link wholeRecordsEnd} of the same `buf` and `from`. */
  readonly end: number;
  /** Offset of the first record on the chain whose CRC does not match, or -1 if none. */
  readonly badAt: number;
}

/**
 * Walks the records in `buf[from..)` by their length fields exactly as
 * {@link wholeRecordsEnd} does and checks the CRC of every record that lies wholly
 * inside `buf`: the checksum half of {@link scanRun}, done separately so that it can run
 * on the writer thread (`readCheckedInto` in sync-core.ts) while the main thread reads
 * the previous chunk (see {@link scanRun}'s `checked`). Never throws and never reads
 * outside `buf`.
 *
 * @param crcRange - the CRC-32C function (crc32c.ts's `crc32cRange`).
 */
export function checkRecordChain(buf: Uint8Array, from: number, crcRange: Crc32cRange): CheckedChain {
  // Literals, not the module's constants: see above. 21 = RECORD_HEADER_BYTES,
  // 1048576 = MAX_BODY_BYTES; the CRC covers bytes 8 .. 21 + len and is stored at 4.
  const header = 21;
  const maxBody = 1048576;
  let at = from;
  let badAt = -1;
  while (buf.length - at >= header) {
    const len = ((buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16) | ((buf[at + 3] as number) << 24)) >>> 0;
    if (len > maxBody || len > buf.length - at - header) break;
    if (badAt < 0) {
      const stored = ((buf[at + 4] as number) | ((buf[at + 5] as number) << 8) | ((buf[at + 6] as number) << 16) | ((buf[at + 7] as number) << 24)) >>> 0;
      if (crcRange(buf, at + 8, at + header + len) !== stored) badAt = at;
    }
    at += header + len;
  }
  return { end: at, badAt };
}

/**
 * Offset of the first record in `buf[from..)` that does not lie wholly inside `buf`,
 * following length fields only (no checksums): where the next chunk of a file read in
 * chunks should start. Stops early (returning that record's offset) at a length above
 * {@link MAX_BODY_BYTES}; the checked scan reports such damage.
 */
export function wholeRecordsEnd(buf: Uint8Array, from: number): number {
  const view = viewOf(buf);
  let at = from;
  while (buf.length - at >= RECORD_HEADER_BYTES) {
    const len = view.getUint32(at + LEN_AT, true);
    if (len > MAX_BODY_BYTES || len > buf.length - at - RECORD_HEADER_BYTES) break;
    at += RECORD_HEADER_BYTES + len;
  }
  return at;
}

/**
 * Checks one stored record read back by position: `frame` must hold exactly one record
 * of `type` whose body is `bodyLength` bytes and whose CRC matches.
 *
 * @returns `undefined` when it does, else what is wrong (for the error message).
 */
export function checkFrame(frame: Uint8Array, type: RecordType, bodyLength: number): string | undefined {
  if (frame.length !== RECORD_HEADER_BYTES + bodyLength) return `${frame.length} bytes read, ${RECORD_HEADER_BYTES + bodyLength} expected (the file is shorter)`;
  const view = viewOf(frame);
  const len = view.getUint32(LEN_AT, true);
  if (len !== bodyLength) return `length field ${len}, ${bodyLength} expected`;
  if (crc32cRange(frame, TYPE_AT, frame.length) !== view.getUint32(CRC_AT, true)) return 'checksum mismatch';
  if (frame[TYPE_AT] !== type) return `record type ${String(frame[TYPE_AT])}, ${type} expected`;
  return undefined;
}

/**
 * {@link encodeRecord} into `target` at `at` (which must have room for
 * {@link RECORD_HEADER_BYTES} + the body), without allocating: a compaction writes
 * every record of a snapshot straight into the snapshot's buffer.
 *
 * @returns the offset just past the record.
 * @throws RangeError as {@link encodeRecord} does, and when `target` is too short.
 */
export function encodeRecordInto(target: Buffer, at: number, record: LogRecord): number {
  if (!isRecordType(record.type)) throw new RangeError(`unknown record type ${String(record.type)}`);
  checkSeq('seq', record.seq);
  checkU32('epoch', record.epoch);
  const len = record.body.length;
  if (len > MAX_BODY_BYTES) throw new RangeError(`record body is ${len} bytes; the maximum is ${MAX_BODY_BYTES}`);
  const end = at + RECORD_HEADER_BYTES + len;
  if (end > target.length) throw new RangeError(`no room for a record of ${len} bytes at ${at} in a buffer of ${target.length}`);
  target.writeUInt32LE(len, at + LEN_AT);
  target.writeUInt8(record.type, at + TYPE_AT);
  writeU64(target, record.seq, at + SEQ_AT);
  target.writeUInt32LE(record.epoch, at + EPOCH_AT);
  target.set(record.body, at + RECORD_HEADER_BYTES);
  target.writeUInt32LE(crc32cRange(target, at + TYPE_AT, end), at + CRC_AT);
  return end;
}

/**
 * {@link encodeRecordInto} for a body given as a string: its UTF-8 bytes are written
 * straight into `target` (no intermediate body buffer). `bodyBytes` must be the body's
 * UTF-8 length (`Buffer.byteLength(body)`); the bytes actually written are checked
 * against it. The file ledger frames a whole group commit into one buffer this way.
 *
 * @returns the offset just past the record.
 * @throws RangeError as {@link encodeRecordInto} does, and when `bodyBytes` is wrong.
 */
export function encodeTextRecordInto(target: Buffer, at: number, type: RecordType, seq: number, epoch: number, body: string, bodyBytes: number): number {
  if (!isRecordType(type)) throw new RangeError(`unknown record type ${String(type)}`);
  checkSeq('seq', seq);
  checkU32('epoch', epoch);
  if (bodyBytes > MAX_BODY_BYTES) throw new RangeError(`record body is ${bodyBytes} bytes; the maximum is ${MAX_BODY_BYTES}`);
  const end = at + RECORD_HEADER_BYTES + bodyBytes;
  if (end > target.length) throw new RangeError(`no room for a record of ${bodyBytes} bytes at ${at} in a buffer of ${target.length}`);
  const written = target.write(body, at + RECORD_HEADER_BYTES, bodyBytes, 'utf8');
  if (written !== bodyBytes) throw new RangeError(`record body encoded to ${written} bytes, ${bodyBytes} expected`);
  target.writeUInt32LE(bodyBytes, at + LEN_AT);
  target.writeUInt8(type, at + TYPE_AT);
  writeU64(target, seq, at + SEQ_AT);
  target.writeUInt32LE(epoch, at + EPOCH_AT);
  target.writeUInt32LE(crc32cRange(target, at + TYPE_AT, end), at + CRC_AT);
  return end;
}
