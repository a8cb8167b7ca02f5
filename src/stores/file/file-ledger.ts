import { randomBytes } from 'node:crypto';
import { join, resolve } from 'node:path';
import {
  ConfigurationError,
  isIntentError,
  LedgerCorruptError,
  LedgerLockedError,
  LedgerUnavailableError,
} from '../../errors/index.js';
import { cloneData } from '../../internal/clone-data.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { describeValue } from '../../internal/validation.js';
import type { IntentDraft, IntentRecord } from '../../ledger/intent.js';
import { TERMINAL_STATUSES } from '../../ledger/intent.js';
import type { LedgerObservation } from '../../client/types.js';
import type { ClaimRequest, InputCodec, ClaimResult, ClaimResumableRequest, CreateInFlight, LedgerCapabilities, LedgerStore, TransitionRequest, ListRecordsQuery } from '../../ledger/ledger-store.js';
import { claimLimitOf, selectClaimable, selectRecords } from '../../ledger/list.js';
import { RESUMABLE_STATUSES, applyTransition, createdInFlightUnleased, createdPending, withLease } from '../../ledger/transitions.js';
import {
  checkFrame,
  decodeSegmentHeader,
  encodeRecordInto,
  encodeSegmentHeader,
  encodeTextRecordInto,
  MAX_BODY_BYTES,
  RECORD_HEADER_BYTES,
  RecordType,
  scanRun,
  scanSegmentWith,
  SEGMENT_HEADER_BYTES,
  wholeRecordsEnd,
  type CheckedChain,
  type RecordProblem,
} from './format.js';
import { FileKind, FinishedIndex, indexableId, MAX_INDEXED_ID_BYTES, type IdHash } from './finished-index.js';
import { WorkerLedgerIo, type LedgerIo } from './io.js';
import { acquireLedgerLock, LOCK_FILE, type LedgerLock } from './lock.js';
import { rawSummary, storedBodyText, summarizeLeading, summarizeRaw, type RawSummary } from './stored-record.js';
import { extend } from '../../internal/extend.js';

/**
 * Something the file ledger reports that is not an error: its observations
 * ({@link LedgerObservation}) except the per-flush ones.
 */
export type FileLedgerEvent = Exclude<LedgerObservation, { readonly type: 'flush' }>;

/** Options of {@link FileLedger.open}. */
export interface FileLedgerOptions {
  /** Directory of the ledger; created with mode 0700 if missing. Keep it on a local disk. */
  readonly dir: string;
  /**
   * How long finished intents (succeeded or failed) are kept after their last change,
   * in ms, so that calling the same business action again returns the stored result.
   * Dropped at the next compaction after that. @default 604800000 (7 days)
   */
  readonly retentionMs?: number;
  /**
   * Compact when the log grows past this many bytes (and past twice the last
   * snapshot). @default 67108864 (64 MiB)
   */
  readonly compactAfterBytes?: number;
  /** Encodes inputs before they are written (e.g. encryption). @default identity */
  readonly codec?: InputCodec;
  /**
   * When the write that records a venue's success is waited for.
   *
   * - `'durable'` (default): the call that got the success resolves only once the
   *   ledger has flushed it (two flushes per first-try success: the intent with its
   *   attempt in flight before the send, the success after it).
   * - `'lazy'`: the success is applied in memory and queued for the next group commit,
   *   and the call resolves at once, without waiting for that flush (one flush per
   *   request on the caller's path). Only successes are lazy: failures, unknown outcomes
   *   and every write before a send are still flushed before anything acts on them.
   *
   * What a crash or power loss between a lazy success and its flush costs: the ledger
   * reopens with that intent still recorded in flight. `recover()` (or the next call of
   * the same business action) treats it like any attempt found in flight: it looks the
   * intent up by its key (finding the order or payment, it records the success), or,
   * where the venue deduplicates keys, resends the same key inside the venue's window
   * and gets the stored answer back. It never sends a new key, so the action is never
   * executed twice; on a venue without a lookup or a key store the intent is parked for
   * a person instead. A replay in the same process (the same business action called
   * again) waits for the flush before it answers. `close()` flushes what is queued.
   * See docs/durability.md#d18-lazy-successes-what-a-crash-in-the-window-costs.
   * @default 'durable'
   */
  readonly outcomeDurability?: 'durable' | 'lazy';
  /** Time source for retention. @default the system clock */
  readonly clock?: Clock;
  /** Receives repairs, compactions and lock takeovers. */
  readonly onEvent?: (event: FileLedgerEvent) => void;
  /** @internal File operations; tests inject a crash-simulating implementation. @default a worker-thread writer */
  readonly io?: LedgerIo;
  /**
   * @internal Bytes an open reads from the snapshot at a time (tests make it small to
   * cross chunk boundaries). At least one record's largest frame (1 MiB + 21 bytes).
   * @default 16777216 (16 MiB)
   */
  readonly snapshotChunkBytes?: number;
  /** @internal Hash of intent ids in the index of finished intents; tests inject a weak one to force collisions. @default FNV-1a */
  readonly idHash?: IdHash;
  /**
   * @internal `outcomeDurability: 'lazy'`: ms a queued success waits for another write to
   * share its group commit (tests make it long to make batching deterministic). @default 2
   */
  readonly lazyFlushDelayMs?: number;
  /** @internal Skip the lock file (only for in-memory test file systems). @default false */
  readonly dangerouslySkipLock?: boolean;
  /**
   * How long `open` waits, in ms, when the lock file is incomplete: another process is
   * writing it right now, or one was killed while writing it (an incomplete lock file is
   * taken over once it is 2 s old). A lock held by a live process is refused at once,
   * whatever this says. `0` refuses at once in both cases. @default 3000
   */
  readonly lockWaitMs?: number;
}

/**
 * Writes waiting for their group commit, queued one after another: up to
 * {@link WRITE_GROUP} of them share one promise (one per caller cost an allocation and
 * a resolve each). Their records are already framed (seq, length, CRC) in the open batch
 * buffer (`#batchBuf`), the group's last one ending at byte `end` of it. A group is never
 * split between two group commits: it is resolved once the fdatasync covering all of its
 * records succeeded.
 */
interface Queued {
  /** Offset just past the frame of the group's last record in the open batch buffer. */
  end: number;
  /** Records in the group. */
  count: number;
  /** Resolves once every record of the group is durable; rejects if its write or sync failed. */
  readonly done: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  /** When its first write was queued, on the ledger's clock; taken only while someone observes the ledger. */
  readonly queuedAt?: number;
}

/**
 * Writes per {@link Queued} group at most: the callers resumed together in one turn of the
 * event loop once their group commit is durable (a batch's groups are resumed one turn
 * each, see `#resolveInSlices`).
 */
const WRITE_GROUP = 32;

/** A group commit: its writes (in groups), in queue order, and their frames. */
interface Batch {
  readonly writes: Queued[];
  /** Records in `writes`. */
  readonly records: number;
  /** The frames of `writes`, given away to the io (empty here once the writer thread took them). */
  readonly data: Buffer;
  /** `data.length` when it was taken. */
  readonly bytes: number;
}

/** Smallest open batch buffer, in bytes (about 25 records of a typical intent). */
const MIN_BATCH_BUFFER = 16 * 1024;

/** The terminal statuses as bytes, to test a stored status without making a string. */
const TERMINAL_BYTES = [...TERMINAL_STATUSES].map((st) => Buffer.from(st, 'latin1'));

function isTerminalAt(b: Uint8Array, start: number, end: number): boolean {
  for (const t of TERMINAL_BYTES) {
    if (t.length !== end - start) continue;
    let k = 0;
    while (k < t.length && b[start + k] === t[k]) k++;
    if (k === t.length) return true;
  }
  return false;
}

/**
 * Replays stored records into the state an open starts from: a finished intent goes to
 * the index of finished intents as its file position (its bytes are not kept), anything
 * else is parsed into `records`, since it may be resumed or changed. Later records of an
 * id replace earlier ones wherever those are held.
 */
class Replay {
  readonly records = new Map<string, IntentRecord>();
  readonly finished: FinishedIndex;
  readonly #summary: RawSummary = rawSummary();
  constructor(hash: IdHash | undefined) {
    this.finished = new FinishedIndex(hash);
  }

  /**
   * Applies the Put record whose body is `buf[start..end)` and whose frame starts at
   * byte `frameOffset` of file `kind` of `generation`. `replacing` is false while
   * reading a snapshot (one record per id, nothing to replace).
   */
  put(buf: Buffer, start: number, end: number, generation: number, kind: FileKind, frameOffset: number, replacing: boolean): void {
    const s = this.#summary;
    // Fast path: the top-level fields are read without parsing; bytes written by this
    // ledger (JSON.stringify, which never repeats a key) and accepted by the CRC, so the
    // scan stops once it has them.
    // Bodies written with id, status and updatedAt first (encodeStoredBody) are read from
    // their first bytes; older bodies, with those fields anywhere, by the general walk.
    if ((summarizeLeading(buf, start, end, s) || summarizeRaw(buf, start, end, s, true)) && isTerminalAt(buf, s.statusStart, s.statusEnd) && s.idEnd - s.idStart <= MAX_INDEXED_ID_BYTES) {
      if (replacing && this.records.size > 0) this.records.delete(buf.toString('utf8', s.idStart, s.idEnd));
      // A snapshot holds each id once: appended now, put into the hash table in one
      // pass when the index is first asked anything (see FinishedIndex.append).
      if (replacing) this.finished.set(buf, s.idStart, s.idEnd, generation, kind, frameOffset, end - start, s.updatedAt);
      else this.finished.append(buf, s.idStart, s.idEnd, generation, kind, frameOffset, end - start, s.updatedAt);
      return;
    }
    const rec = JSON.parse(buf.toString('utf8', start, end)) as IntentRecord;
    if (TERMINAL_STATUSES.has(rec.status) && indexableId(rec.id)) {
      if (replacing) this.records.delete(rec.id);
      this.finished.setId(rec.id, generation, kind, frameOffset, end - start, rec.updatedAt);
      return;
    }
    if (replacing) this.finished.removeId(rec.id);
    this.records.set(rec.id, rec);
  }
}

/** Bytes an open reads from a snapshot at a time (a record is at most 1 MiB, so every chunk holds one). */
const SNAPSHOT_CHUNK_BYTES = 16 * 2 ** 20;

/** {@link FileLedgerOptions.snapshotChunkBytes}, checked. */
function snapshotChunkBytes(options: FileLedgerOptions): number {
  const bytes = options.snapshotChunkBytes ?? SNAPSHOT_CHUNK_BYTES;
  if (!Number.isSafeInteger(bytes) || bytes < RECORD_HEADER_BYTES + MAX_BODY_BYTES) {
    throw new ConfigurationError({ path: 'FileLedger.open(options).snapshotChunkBytes', expected: `an integer >= ${RECORD_HEADER_BYTES + MAX_BODY_BYTES}`, received: describeValue(bytes) });
  }
  return bytes;
}

/** Bytes a listing or a compaction reads at a time when it reads finished intents back. */
const READ_BACK_BYTES = 2 ** 20;

/**
 * Reads up to `length` bytes of a file from `offset` (fewer at its end), into `into`
 * when given (which must hold `length` bytes; the result is then a view of it), or
 * `undefined` when the file does not exist.
 */
type RangeReader = (path: string, offset: number, length: number, into?: Buffer) => Promise<Buffer | undefined>;

/** Positional reads through `io`, or (for an io without them) whole-file reads cut to the range. */
function rangeReader(io: Pick<LedgerIo, 'read' | 'readInto'>): RangeReader {
  const readInto = io.readInto?.bind(io);
  if (readInto) {
    return async (path, offset, length, into) => {
      const target = into ? into.subarray(0, length) : Buffer.allocUnsafe(length);
      const n = await readInto(path, offset, target);
      return n === undefined ? undefined : target.subarray(0, n);
    };
  }
  return async (path, offset, length, into) => {
    const whole = await io.read(path);
    if (!whole) return undefined;
    const part = whole.subarray(Math.min(offset, whole.length), Math.min(offset + length, whole.length));
    if (!into) return part;
    part.copy(into);
    return into.subarray(0, part.length);
  };
}

/**
 * Reads like a {@link RangeReader} into `into` and walks the records from `from` on by
 * their length fields: `end` is where the walk stopped ({@link wholeRecordsEnd}).
 * `checked` is present when the io also computed those records' CRCs (on its thread,
 * see {@link LedgerIo.readCheckedInto}); then {@link scanRun} takes the verdicts from it.
 */
type ChunkReader = (path: string, offset: number, into: Buffer, from: number) => Promise<{ buf: Buffer; end: number; checked?: CheckedChain } | undefined>;

/** Chunk reads through `io`: checked on the io's thread when it can, else as {@link rangeReader} plus a length walk here. */
function chunkReader(io: LedgerIo): ChunkReader {
  const readChecked = io.readCheckedInto?.bind(io);
  if (readChecked) {
    return async (path, offset, into, from) => {
      const read = await readChecked(path, offset, into, from);
      return read === undefined ? undefined : { buf: into.subarray(0, read.bytes), end: read.end, checked: { end: read.end, badAt: read.badAt } };
    };
  }
  const range = rangeReader(io);
  return async (path, offset, into, from) => {
    const buf = await range(path, offset, into.length, into);
    return buf === undefined ? undefined : { buf, end: wholeRecordsEnd(buf, from) };
  };
}

/** A record cut by a chunk boundary rather than damaged: read on from where it starts. */
const isCut = (problem: RecordProblem | undefined): boolean => problem === 'truncated record header' || problem === 'record runs past end';

/**
 * How long, in ms, a compaction encodes records before it lets the event loop turn
 * (checked every 32 records). 512 records per turn took 1 to 2 ms each on a loaded
 * machine, which showed as event-loop delay for the whole compaction.
 */
const COMPACT_TURN_MS = 0.4;

/**
 * `outcomeDurability: 'lazy'`: how long a queued success waits, in ms, for another write
 * to share its group commit before it is flushed alone. It only widens the window in
 * which a crash loses a success already returned (which costs a lookup or a same-key
 * resend, never a second execution); a read of the intent flushes it at once.
 */
const LAZY_FLUSH_DELAY_MS = 2;

const noop = (): void => undefined;

/** Resolves in a later turn of the event loop (after pending I/O callbacks and timers). */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const SNAPSHOT = /^snapshot-(\d{8})\.ikl$/;
const LOG = /^log-(\d{8})\.ikl$/;
const name = (kind: 'snapshot' | 'log', generation: number): string => `${kind}-${String(generation).padStart(8, '0')}.ikl`;

/**
 * The embedded durable ledger: an append-only log of framed, checksummed,
 * sequence-numbered records in one directory, with group commit, torn-tail repair,
 * compaction into snapshots, a single-writer lock and epoch fencing.
 *
 * Guarantee: when a method resolves, its change is on disk (the fdatasync covering it
 * succeeded); the client sends nothing before that. After any write or sync error the
 * ledger is poisoned: every later call rejects until it is reopened and re-read. The
 * format and every rule this class keeps (D8 to D19) are in
 * docs/durability.md#the-file-ledger-on-disk and
 * docs/durability.md#file-ledger-rules.
 *
 * Leases (`claim`/`release`) are kept in memory: the directory lock already makes this
 * process the only writer, and a restart voids every lease.
 */
export class FileLedger implements LedgerStore {
  readonly capabilities: LedgerCapabilities = Object.freeze({ durable: true, shared: false });
  readonly dir: string;
  readonly #io: LedgerIo;
  readonly #lock: LedgerLock | undefined;
  readonly #codec: InputCodec | undefined;
  readonly #clock: Clock;
  readonly #retentionMs: number;
  readonly #compactAfterBytes: number;
  /** `outcomeDurability: 'lazy'`: a success resolves before its flush (see the option). */
  readonly #lazySuccess: boolean;
  readonly #lazyFlushDelayMs: number;
  readonly #onEvent: ((event: FileLedgerEvent) => void) | undefined;
  /**
   * Intents held as objects: every one not finished, and finished ones written (or
   * read back for a claim or transition) since the last open or compaction. An id is
   * either here or in {@link FileLedger.#finished}, never in both.
   */
  readonly #records: Map<string, IntentRecord>;
  /**
   * Finished intents held by their position in the snapshot or log (read back from the
   * file when asked for). Replaced by a compaction, which moves every record.
   */
  #finished: FinishedIndex;
  readonly #idHash: IdHash | undefined;
  readonly #readRange: RangeReader;
  readonly #ledgerId: Uint8Array;
  #generation: number;
  #nextSeq: number;
  readonly #epoch: number;
  #logBytes: number;
  #snapshotBytes: number;
  #queue: Queued[] = [];
  /** The last group of `#queue` while it takes more writes (see {@link Queued}). */
  #openGroup: Queued | undefined;
  /** Records in `#queue`. */
  #queuedRecords = 0;
  #flushing: Promise<void> | undefined;
  #poisoned: LedgerUnavailableError | undefined;
  #closed = false;
  #compacting: Promise<void> | undefined;
  /** Listeners of {@link FileLedger.observe}; the flush path checks its size before measuring anything. */
  readonly #observers = new Set<(observation: LedgerObservation) => void>();
  /** What happened while opening (a torn-tail repair, a lock takeover), told to every new observer. */
  readonly #opened: readonly LedgerObservation[];

  private constructor(init: {
    dir: string;
    io: LedgerIo;
    lock: LedgerLock | undefined;
    options: FileLedgerOptions;
    records: Map<string, IntentRecord>;
    finished: FinishedIndex;
    ledgerId: Uint8Array;
    generation: number;
    nextSeq: number;
    epoch: number;
    logBytes: number;
    snapshotBytes: number;
    opened: readonly LedgerObservation[];
  }) {
    this.dir = init.dir;
    this.#io = init.io;
    this.#lock = init.lock;
    this.#codec = init.options.codec;
    this.#clock = init.options.clock ?? systemClock;
    this.#retentionMs = init.options.retentionMs ?? 7 * 24 * 60 * 60 * 1000;
    this.#compactAfterBytes = init.options.compactAfterBytes ?? 64 * 1024 * 1024;
    this.#lazySuccess = init.options.outcomeDurability === 'lazy';
    this.#lazyFlushDelayMs = init.options.lazyFlushDelayMs ?? LAZY_FLUSH_DELAY_MS;
    this.#onEvent = init.options.onEvent;
    this.#records = init.records;
    this.#finished = init.finished;
    this.#idHash = init.options.idHash;
    this.#readRange = rangeReader(init.io);
    this.#ledgerId = init.ledgerId;
    this.#generation = init.generation;
    this.#nextSeq = init.nextSeq;
    this.#epoch = init.epoch;
    this.#logBytes = init.logBytes;
    this.#sentBytes = init.logBytes;
    this.#snapshotBytes = init.snapshotBytes;
    this.#opened = init.opened;
  }

  /**
   * Opens (or creates) the ledger in `options.dir`: takes the single-writer lock,
   * loads the newest valid snapshot, replays the log after it, repairs a torn tail
   * (keeping the cut bytes in a `.broken` file and reporting it), refuses mid-log
   * corruption with `LedgerCorruptError`, and appends this writer's epoch record.
   */
  static async open(options: FileLedgerOptions): Promise<FileLedger> {
    if (typeof options !== 'object' || options === null || typeof options.dir !== 'string' || options.dir.length === 0) {
      throw new ConfigurationError({ path: 'FileLedger.open(options).dir', expected: 'a directory path', received: describeValue(options?.dir) });
    }
    const durability: unknown = options.outcomeDurability;
    if (durability !== undefined && durability !== 'durable' && durability !== 'lazy') {
      throw new ConfigurationError({
        path: 'FileLedger.open(options).outcomeDurability',
        expected: 'one of "durable", "lazy"',
        received: describeValue(durability),
      });
    }
    const dir = resolve(options.dir);
    const io = options.io ?? new WorkerLedgerIo();
    let lock: LedgerLock | undefined;
    // Repairs and takeovers happen before anyone can observe the ledger: kept for its observers.
    const opened: LedgerObservation[] = [];
    try {
      await io.ensureDir(dir);
      if (!options.dangerouslySkipLock) lock = await acquireWaitingForIncomplete(dir, options, opened);
      return await FileLedger.#load(dir, io, lock, options, opened);
    } catch (error) {
      try {
        lock?.release();
      } catch {
        // The open failed already; that is the error to report.
      }
      await io.close().catch(() => undefined);
      if (isIntentError(error)) throw error;
      const code = (error as { code?: unknown } | null)?.code;
      throw new LedgerUnavailableError(
        `The file ledger in ${dir} could not be opened (${typeof code === 'string' ? code : 'I/O error'}); nothing was sent.`,
        { cause: error },
      );
    }
  }

  static async #load(dir: string, io: LedgerIo, lock: LedgerLock | undefined, options: FileLedgerOptions, opened: LedgerObservation[]): Promise<FileLedger> {
    const files = await io.list(dir);
    // Temp files are never part of the ledger: a crash can leave them behind.
    for (const f of files) if (f.endsWith('.tmp')) await io.remove(join(dir, f));

    const generations = new Set<number>();
    for (const f of files) {
      const m = SNAPSHOT.exec(f) ?? LOG.exec(f);
      if (m) generations.add(Number(m[1]));
    }
    const sorted = [...generations].sort((a, b) => b - a);

    const replay = new Replay(options.idHash);
    let ledgerId: Uint8Array | undefined;
    let generation = 0;
    let nextSeq = 1;
    let maxEpoch = 0;
    let snapshotBytes = 0;

    // The newest generation wins. Its snapshot was fsynced before it was renamed
    // into place, so a missing or invalid one is corruption, never a crash artefact:
    // falling back to an older generation could silently lose intents.
    // See docs/durability.md#d14-the-newest-generation-wins-with-no-fallback.
    const top = sorted[0] ?? 0;
    if (top > 0) {
      const snap = await FileLedger.#readSnapshot(dir, top, chunkReader(io), replay, snapshotChunkBytes(options));
      ledgerId = snap.ledgerId;
      generation = top;
      nextSeq = snap.end.lastSeq + 1;
      maxEpoch = snap.end.maxEpoch;
      snapshotBytes = snap.bytes;
    }

    const logPath = join(dir, name('log', generation));
    let log = await io.read(logPath);
    // A crash between the snapshot's rename and the new log's creation, or a new ledger:
    // the log is created below, after anything to carry over is read and checked.
    const logMissing = !log || log.length === 0;
    if (!log || log.length === 0) {
      ledgerId ??= randomBytes(16);
      log = encodeSegmentHeader({ ledgerId, generation, firstSeq: nextSeq });
    }
    const logBuf = log;
    let lastLogSeq: number | undefined;
    const scan = scanSegmentWith(logBuf, (type, seq, epoch, bodyStart, bodyEnd) => {
      lastLogSeq = seq;
      maxEpoch = Math.max(maxEpoch, epoch);
      if (type === RecordType.Put) replay.put(logBuf, bodyStart, bodyEnd, generation, FileKind.Log, bodyStart - RECORD_HEADER_BYTES, true);
    });
    if (!scan.header) {
      if (log.length < SEGMENT_HEADER_BYTES && generation === 0 && replay.records.size === 0 && replay.finished.size === 0) {
        // Torn while the very first header was written: nothing was ever acknowledged.
        ledgerId ??= randomBytes(16);
        await io.writeDurable(logPath, encodeSegmentHeader({ ledgerId, generation, firstSeq: nextSeq }));
        return FileLedger.#load(dir, io, lock, options, opened);
      }
      throw new LedgerCorruptError(`The log ${logPath} has an unreadable header (${scan.problem}). Move the directory aside and inspect it.`);
    }
    if (ledgerId && Buffer.compare(Buffer.from(scan.header.ledgerId), Buffer.from(ledgerId)) !== 0) {
      throw new LedgerCorruptError(`The log ${logPath} belongs to another ledger than its snapshot.`);
    }
    if (scan.header.firstSeq !== nextSeq) {
      throw new LedgerCorruptError(`The log ${logPath} starts at sequence ${scan.header.firstSeq}, expected ${nextSeq}.`);
    }
    ledgerId = scan.header.ledgerId;
    if (scan.tail === 'corrupt') {
      throw new LedgerCorruptError(
        `The log ${logPath} is damaged at byte ${scan.problemOffset ?? '?'} (${scan.problem ?? 'invalid record'}) and valid records follow, ` +
          'so this is not a torn tail from a crash. Nothing was changed. Copy the directory aside and inspect it; records after the damage cannot be trusted automatically.',
      );
    }
    nextSeq = (lastLogSeq ?? nextSeq - 1) + 1;
    const logBytes = scan.goodOffset;
    if (scan.tail === 'torn') {
      // A damaged last record cannot be told apart from bit rot, so keep the bytes
      // before cutting them, then cut and fsync so nothing stale stays past the cut.
      // See docs/durability.md#d13-a-torn-tail-is-kept-cut-and-synced-other-damage-refuses-to-open.
      // Unique even for two repairs in the same millisecond (a reopen after a crash in
      // the middle of this repair finds the first copy still there).
      const keptAs = join(dir, `${name('log', generation)}.broken-${(options.clock ?? systemClock).now()}-${randomBytes(4).toString('hex')}`);
      await io.copy(logPath, keptAs);
      await io.truncate(logPath, scan.goodOffset);
      const repaired = {
        type: 'tornTailRepaired',
        file: logPath,
        offset: scan.goodOffset,
        droppedBytes: log.length - scan.goodOffset,
        keptAs,
        problem: scan.problem ?? 'torn record',
      } as const;
      opened.push(repaired);
      options.onEvent?.(repaired);
    }
    // A compaction lets writes go on into the old log until its switch, and its snapshot
    // is renamed into place before that: a crash in between leaves records after the
    // snapshot's last seq only in the previous generation's log. They are carried over
    // into this log (appended and synced below) before that log may go.
    // See docs/durability.md#d17-compaction-replaces-the-files-atomically-at-a-cut.
    const carried =
      generation > 0 && files.includes(name('log', generation - 1))
        ? await FileLedger.#carryOver(join(dir, name('log', generation - 1)), io, ledgerId, generation - 1, nextSeq, logBytes, replay)
        : undefined;
    if (carried) {
      nextSeq = carried.nextSeq;
      maxEpoch = Math.max(maxEpoch, carried.maxEpoch);
    }
    if (logMissing) {
      // Durable (temp, fsync, rename, directory fsync) before the old log is deleted below.
      await io.writeDurable(logPath, carried && carried.frames.length > 0 ? Buffer.concat([log, carried.frames]) : log);
      await io.openAppend(logPath, lock ? { path: join(dir, LOCK_FILE), token: lock.holder.nonce } : undefined);
    } else {
      await io.openAppend(logPath, lock ? { path: join(dir, LOCK_FILE), token: lock.holder.nonce } : undefined);
      // Durable before the old log is deleted below (the append resolves after its fdatasync).
      if (carried && carried.frames.length > 0) await io.append(carried.frames);
    }
    if (carried?.torn) {
      // The old log's torn tail is not carried over; as for the current log's (D13), a
      // copy of the whole file is kept, durably, before the file is deleted below.
      const oldLog = join(dir, name('log', generation - 1));
      const keptAs = join(dir, `${name('log', generation - 1)}.broken-${(options.clock ?? systemClock).now()}-${randomBytes(4).toString('hex')}`);
      await io.copy(oldLog, keptAs);
      const repaired = { type: 'tornTailRepaired', file: oldLog, offset: carried.torn.offset, droppedBytes: carried.torn.droppedBytes, keptAs, problem: carried.torn.problem } as const;
      opened.push(repaired);
      options.onEvent?.(repaired);
    }
    // Files of older generations are leftovers of a compaction that crashed after its
    // snapshot's rename: the chosen generation (with what was carried over) supersedes them.
    for (const g of sorted) {
      if (g < generation) {
        await io.remove(join(dir, name('log', g)));
        await io.remove(join(dir, name('snapshot', g)));
      }
    }
    const ledger = new FileLedger({
      dir,
      io,
      lock,
      options,
      records: replay.records,
      finished: replay.finished,
      ledgerId,
      generation,
      nextSeq,
      epoch: maxEpoch + 1,
      logBytes: logBytes + (carried?.frames.length ?? 0),
      snapshotBytes,
      opened,
    });
    // Fencing: this writer's epoch, higher than any before, recorded durably first.
    // See docs/durability.md#d16-each-writer-opens-with-a-higher-writer-epoch.
    const epochBody = JSON.stringify({ pid: process.pid, nonce: lock?.holder.nonce ?? null });
    await ledger.#write(RecordType.Epoch, epochBody, Buffer.byteLength(epochBody));
    return ledger;
  }

  /**
   * The records of the previous generation's log (`path`, generation `generation`) from
   * seq `fromSeq` on, which a compaction interrupted between its snapshot's rename and its
   * switch left only there: their frames, as they are (each keeps its seq, epoch and
   * CRC), to be appended to the current log at byte `at`, and replayed into `replay` at
   * those positions. `undefined` when that log holds nothing from `fromSeq` on (the usual
   * case: a crash after the switch, or before any write followed the cut).
   *
   * The old log is checked as any log is: a torn tail was never acknowledged and is left
   * out; damage followed by valid records, another ledger's header, or records after the
   * snapshot that do not start exactly at `fromSeq` refuse the open.
   *
   * @throws LedgerCorruptError as said.
   */
  static async #carryOver(
    path: string,
    io: LedgerIo,
    ledgerId: Uint8Array,
    generation: number,
    fromSeq: number,
    at: number,
    replay: Replay,
  ): Promise<{ frames: Buffer; nextSeq: number; maxEpoch: number; torn?: { offset: number; droppedBytes: number; problem: string } } | undefined> {
    const old = await io.read(path);
    if (!old || old.length === 0) return undefined;
    let start = -1;
    let end = -1;
    let lastSeq = fromSeq - 1;
    let maxEpoch = 0;
    const puts: Array<[number, number]> = [];
    const scan = scanSegmentWith(old, (type, seq, epoch, bodyStart, bodyEnd) => {
      if (seq < fromSeq) return;
      // The scan checks that seqs follow one another; the first one kept must be fromSeq.
      if (start < 0) {
        if (seq !== fromSeq) throw new LedgerCorruptError(`The log ${path} continues at sequence ${seq} after the newer snapshot, expected ${fromSeq}.`);
        start = bodyStart - RECORD_HEADER_BYTES;
      }
      end = bodyEnd;
      lastSeq = seq;
      maxEpoch = Math.max(maxEpoch, epoch);
      if (type === RecordType.Put) puts.push([bodyStart, bodyEnd]);
    });
    if (!scan.header) throw new LedgerCorruptError(`The log ${path} has an unreadable header (${scan.problem}). Move the directory aside and inspect it.`);
    if (Buffer.compare(Buffer.from(scan.header.ledgerId), Buffer.from(ledgerId)) !== 0 || scan.header.generation !== generation) {
      throw new LedgerCorruptError(`The log ${path} belongs to another ledger or generation than its directory says.`);
    }
    if (scan.tail === 'corrupt') {
      throw new LedgerCorruptError(
        `The log ${path} is damaged at byte ${scan.problemOffset ?? '?'} (${scan.problem ?? 'invalid record'}) and valid records follow. ` +
          'It was left as it is. Copy the directory aside and inspect it.',
      );
    }
    // A torn tail was never acknowledged, but cannot be told apart from damage to the
    // last acknowledged record: the caller keeps a copy before the file goes (D13).
    const torn = scan.tail === 'torn' ? { offset: scan.goodOffset, droppedBytes: old.length - scan.goodOffset, problem: scan.problem ?? 'torn record' } : undefined;
    if (start < 0) return torn ? { frames: Buffer.alloc(0), nextSeq: fromSeq, maxEpoch: 0, torn } : undefined;
    for (const [bodyStart, bodyEnd] of puts) replay.put(old, bodyStart, bodyEnd, generation + 1, FileKind.Log, at + bodyStart - RECORD_HEADER_BYTES - start, true);
    return { frames: Buffer.from(old.subarray(start, end)), nextSeq: lastSeq + 1, maxEpoch, ...(torn ? { torn } : {}) };
  }

  /**
   * Reads and checks the snapshot of `generation` in chunks of
   * {@link SNAPSHOT_CHUNK_BYTES} (the next chunk is read while the current one is
   * checked), replaying its records into `replay`: finished intents are indexed by
   * position, so neither the file nor its records stay in memory. Every record is
   * checked (length, CRC, seq, epoch) exactly as a whole-file scan would; the snapshot
   * must end, cleanly, with a SnapshotEnd record whose count matches. With the
   * worker-thread io the CRCs of a chunk are computed on the io thread right after it
   * reads the chunk, while this thread replays the previous one; this thread accepts a
   * record only with that verdict (or its own CRC) in hand, so nothing is accepted
   * unverified.
   *
   * @throws LedgerCorruptError when the snapshot is missing, damaged or incomplete.
   */
  static async #readSnapshot(
    dir: string,
    generation: number,
    read: ChunkReader,
    replay: Replay,
    chunkBytes: number,
  ): Promise<{ ledgerId: Uint8Array; end: { count: number; lastSeq: number; maxEpoch: number }; bytes: number }> {
    const snapPath = join(dir, name('snapshot', generation));
    const corrupt = (missing: boolean): LedgerCorruptError =>
      new LedgerCorruptError(
        `The snapshot ${snapPath} is ${missing ? 'missing' : 'incomplete or damaged'}; the ledger cannot be trusted. ` +
          'Nothing was changed. Copy the directory aside and inspect it; do not delete it.',
      );
    // Two chunk buffers, reused: one is checked while the next chunk is read into the
    // other. Shared memory, so the worker-thread io fills them in place.
    const buffers = [Buffer.from(new SharedArrayBuffer(chunkBytes)), Buffer.from(new SharedArrayBuffer(chunkBytes))] as const;
    let turn = 0;
    let chunkRead = await read(snapPath, 0, buffers[turn] as Buffer, SEGMENT_HEADER_BYTES);
    if (!chunkRead) throw corrupt(true);
    let buf = chunkRead.buf;
    const header = decodeSegmentHeader(buf);
    if (!header) throw corrupt(false);
    const state = { expectedSeq: header.firstSeq, maxEpoch: 0 };
    let base = 0;
    let puts = 0;
    let lastType: number | undefined;
    let endBody: Buffer | undefined;
    const visit = (type: RecordType, _seq: number, _epoch: number, bodyStart: number, bodyEnd: number): void => {
      lastType = type;
      const chunk = buf;
      if (type === RecordType.Put) {
        puts++;
        replay.put(chunk, bodyStart, bodyEnd, generation, FileKind.Snapshot, base + bodyStart - RECORD_HEADER_BYTES, false);
      } else if (type === RecordType.SnapshotEnd) endBody = Buffer.from(chunk.subarray(bodyStart, bodyEnd));
    };
    let from = SEGMENT_HEADER_BYTES;
    for (;;) {
      const chunk: Buffer = buf;
      const { end: chainEnd, checked } = chunkRead;
      // A chunk shorter than asked for ends the file.
      const more = chunk.length === chunkBytes;
      const stop = more ? chainEnd : chunk.length;
      // The other buffer: the chunk it held was checked in the previous turn. Its read
      // (and, with a worker-thread io, the CRCs of its records) runs while this chunk is
      // read here.
      turn = 1 - turn;
      const next = more ? read(snapPath, base + stop, buffers[turn] as Buffer, 0) : undefined;
      // Collected now so that a rejected read-ahead never goes unhandled while this
      // chunk is checked.
      next?.catch(() => undefined);
      // Every record is checked here (length, type, seq, epoch) and every CRC either
      // here or, over these same bytes, by the io thread (`checked`): the same checks and
      // verdict as a whole-file scan.
      const run = scanRun(chunk, from, state, visit, checked);
      if (!more) {
        if (run.problem !== undefined) throw corrupt(false);
        base += chunk.length;
        break;
      }
      // Only a record cut by the chunk's end may stop the run early, exactly where the
      // length walk said the next chunk starts; a chunk that makes no progress is damage.
      if ((run.problem !== undefined && !isCut(run.problem)) || run.at !== stop || stop === from) throw corrupt(false);
      base += stop;
      from = 0;
      const nextChunk = await (next as Promise<Awaited<ReturnType<ChunkReader>>>);
      if (!nextChunk) throw corrupt(true);
      chunkRead = nextChunk;
      buf = nextChunk.buf;
    }
    const end = lastType === RecordType.SnapshotEnd && endBody ? (JSON.parse(endBody.toString('utf8')) as { count: number; lastSeq: number; maxEpoch: number }) : undefined;
    if (!end || puts !== end.count) throw corrupt(false);
    return { ledgerId: header.ledgerId, end, bytes: base };
  }

  /** Number of intents held (live and retained). */
  get size(): number {
    return this.#records.size + this.#finished.size;
  }

  /**
   * Subscribes to what the ledger reports about its own work (see `LedgerStore.observe`):
   * a `flush` after every group commit (records, bytes, latency from the batch's first
   * queued write to its fdatasync completing on the ledger's `clock`, and the writes
   * still queued), and the `onEvent` reports (`compacted`, `tornTailRepaired`,
   * `staleLockTakenOver`). A repair or lock takeover happens while the ledger opens,
   * before anyone can subscribe, so each new listener is told those at once, during
   * this call. A listener that throws is ignored. Returns the unsubscribe function.
   *
   * While nobody observes, the write path reads no clock and builds no report.
   */
  observe(listener: (observation: LedgerObservation) => void): () => void {
    const wrapped = (observation: LedgerObservation): void => {
      listener(observation);
    };
    this.#observers.add(wrapped);
    for (const observation of this.#opened) this.#tellOne(wrapped, observation);
    return () => {
      this.#observers.delete(wrapped);
    };
  }

  #tell(observation: LedgerObservation): void {
    for (const listener of [...this.#observers]) this.#tellOne(listener, observation);
  }

  #tellOne(listener: (observation: LedgerObservation) => void, observation: LedgerObservation): void {
    try {
      listener(observation);
    } catch {
      // An observer's bug must never reach the ledger's callers.
    }
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ created: boolean; record: IntentRecord }> {
    this.#assertUsable();
    const existing = this.#records.get(draft.id);
    if (existing) {
      await this.#barrier();
      return { created: false, record: this.#out(existing) };
    }
    const finished = this.#finished.findId(draft.id);
    // Durable already (it was read from, or compacted into, the files): no barrier.
    if (finished >= 0) return { created: false, record: this.#out(await this.#readFinished(finished, draft.id)) };
    const input = this.#codec ? this.#codec.encode(draft.input) : cloneData(draft.input);
    // Created already claimed and in flight: one log record (one flush) instead of three
    // writes. The lease part lives in memory only, as every lease here does.
    // The new record is built in the stored order (id, status, updatedAt first; see
    // createdPending) and without a lease: its JSON is its stored body as is. An
    // in-flight one gets its lease after that, in memory only.
    let stored: IntentRecord;
    let written: Promise<void>;
    if (inFlight === undefined) {
      const record = createdPending(draft, now, input);
      [stored, written] = this.#stage(record, false, JSON.stringify(record));
    } else {
      const record = createdInFlightUnleased(draft, now, inFlight, input);
      const body = JSON.stringify(record);
      [stored, written] = this.#stage(withLease(record, now, inFlight), false, body);
    }
    await written;
    this.#maybeCompact();
    return { created: true, record: this.#out(stored) };
  }

  async get(id: string): Promise<IntentRecord | undefined> {
    this.#assertUsable();
    const record = this.#records.get(id);
    if (record) {
      await this.#barrier();
      return this.#out(record);
    }
    const stored = this.#finished.findId(id);
    return stored >= 0 ? this.#out(await this.#readFinished(stored, id)) : undefined;
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#assertUsable();
    const promoting = this.#promote(id);
    if (promoting) await promoting;
    this.#mustGet(id);
    await this.#barrier();
    // Read again after the wait: a concurrent claim may have taken the lease meanwhile,
    // and deciding on the record read before it would hand out two leases at one epoch.
    const record = this.#mustGet(id);
    if (TERMINAL_STATUSES.has(record.status)) return { claimed: false, record: this.#out(record) };
    const heldByOther =
      record.leaseOwner !== undefined && record.leaseOwner !== request.owner && record.leaseExpiresAt !== undefined && record.leaseExpiresAt > request.now;
    if (heldByOther) return { claimed: false, record: this.#out(record) };
    // In memory only: the directory lock makes this process the single writer, and
    // every lease dies with it. The epoch still fences concurrent runs in this process.
    const next: IntentRecord = extend(record, { epoch: record.epoch + 1, leaseOwner: request.owner, leaseExpiresAt: request.now + request.leaseMs });
    this.#records.set(id, next);
    return { claimed: true, record: this.#out(next) };
  }

  /**
   * Claims a batch as {@link LedgerStore.claimResumable} says, in memory like {@link claim}
   * (leases are never written: the directory lock makes this process the only writer).
   * Atomic as a whole: after the write barrier, the selection and every claim happen in
   * one synchronous step.
   */
  async claimResumable(request: ClaimResumableRequest): Promise<IntentRecord[]> {
    this.#assertUsable();
    claimLimitOf(request);
    await this.#barrier();
    // Finished intents held by file position are not in this map: never candidates.
    const candidates = [...this.#records.values()];
    const leaseExpiresAt = request.now + request.leaseMs;
    return selectClaimable(candidates, request).map((record) => {
      const next: IntentRecord = extend(record, { epoch: record.epoch + 1, leaseOwner: request.owner, leaseExpiresAt });
      this.#records.set(record.id, next);
      return this.#out(next);
    });
  }

  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    this.#assertUsable();
    const promoting = this.#promote(id);
    if (promoting) await promoting;
    const next = applyTransition(this.#mustGet(id), request);
    const lazy = this.#lazySuccess && next.status === 'succeeded';
    const [stored, written] = this.#stage(next, lazy);
    // Lazy: not awaited. A failed flush poisons the ledger, so every later call fails,
    // and a crash before the flush leaves the attempt in flight, which is reconciled
    // (see FileLedgerOptions.outcomeDurability); neither can cause a second send.
    if (lazy) written.catch(() => undefined);
    else await written;
    this.#maybeCompact();
    return this.#out(stored);
  }

  async release(id: string, owner: string, epoch: number): Promise<void> {
    this.#assertUsable();
    // Intents held by position were read from disk, where leases are never stored.
    const record = this.#records.get(id);
    if (record && record.leaseOwner === owner && record.epoch === epoch) {
      const { leaseOwner: _o, leaseExpiresAt: _u, ...rest } = record;
      this.#records.set(id, rest);
    }
  }

  async listResumable(): Promise<IntentRecord[]> {
    this.#assertUsable();
    await this.#barrier();
    const resumable: IntentRecord[] = [];
    // Intents held by position are finished, never resumable.
    for (const r of this.#records.values()) if (RESUMABLE_STATUSES.includes(r.status)) resumable.push(r);
    return resumable
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1))
      .map((r) => this.#out(r));
  }

  /**
   * Intents matching `query`, oldest first. Finished intents held by position are read
   * back from their files (checksums checked), in file order, only when the query can
   * select them, and only the best `query.limit` so far are kept while reading.
   */
  async list(query: ListRecordsQuery): Promise<IntentRecord[]> {
    this.#assertUsable();
    await this.#barrier();
    const wantsFinished = query.statuses === undefined || query.statuses.some((st) => TERMINAL_STATUSES.has(st));
    let picked = selectRecords(this.#records.values(), query);
    if (wantsFinished && this.#finished.size > 0) {
      const index = this.#finished;
      let batch: IntentRecord[] = [];
      await this.#readingBack(index, index.inFileOrder(), (e, frame, path, offset) => {
        batch.push(decodeFinished(index.id(e), path, offset, frame));
        if (batch.length >= 1024) {
          picked = selectRecords([...picked, ...selectRecords(batch, query)], query);
          batch = [];
        }
      });
      picked = selectRecords([...picked, ...batch], query);
    }
    return picked.map((r) => this.#out(r));
  }

  /**
   * Writes a snapshot of every live intent (and every finished one still inside the
   * retention window) and starts a new log generation, then deletes the old files.
   * Runs automatically when the log passes `compactAfterBytes`.
   */
  async compact(): Promise<void> {
    this.#assertUsable();
    this.#compacting ??= this.#compactNow().finally(() => {
      this.#compacting = undefined;
    });
    return this.#compacting;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // Lazy successes may still be queued: they are flushed before the files close.
    if (this.#queue.length > 0 && !this.#poisoned) await this.#barrier().catch(() => undefined);
    if (this.#lazyFlush !== undefined) clearTimeout(this.#lazyFlush);
    this.#lazyFlush = undefined;
    await this.#flushing?.catch(() => undefined);
    await this.#io.close().catch(() => undefined);
    this.#lock?.release();
  }

  async #compactNow(): Promise<void> {
    // The steps and why each is safe: docs/durability.md#compaction-and-the-cut
    // and docs/durability.md#d17-compaction-replaces-the-files-atomically-at-a-cut.
    // The cut, in one synchronous step: S = the last seq issued so far, `cutAt` = the byte
    // of the current log where the record after S will start (everything queued now has a
    // seq <= S), and the state at S. Writes are not held: those after the cut go on into
    // the current log and are copied into the new one before the switch.
    const now = this.#clock.now();
    const lastSeq = this.#nextSeq - 1;
    const next = this.#generation + 1;
    const cutAt = this.#sentBytes + this.#batchAt;
    // Durations for the `compacted` event only (a monotonic clock, not the ledger's).
    const startedAt = performance.now();
    this.#promotedSinceCut = [];
    let heldAt = 0;
    let writesHeldMs = 0;
    const oldLog = join(this.dir, name('log', this.#generation));
    let hold: (() => void) | undefined;
    try {
      // The state at the cut: intents held as objects (records are replaced, never
      // changed in place) and finished intents held by position (their bytes on disk
      // never change, and no file is deleted before this compaction's switch). Building
      // the snapshot over several turns of the event loop still snapshots exactly the
      // state at S.
      const objects: IntentRecord[] = [];
      const expired: IntentRecord[] = [];
      for (const r of this.#records.values()) {
        if (this.#expired(r, now)) expired.push(r);
        else objects.push(r);
      }
      let dropped = expired.length;
      const old = this.#finished;
      const kept = old.inFileOrder();
      let keptCount = 0;
      for (const e of kept) {
        if (old.updatedAt(e) + this.#retentionMs <= now) dropped++;
        else kept[keptCount++] = e;
      }
      const byPosition = kept.subarray(0, keptCount);
      // The bodies as JSON text and their UTF-8 lengths: written straight into the
      // snapshot below, with no buffer per record.
      const bodies: string[] = [];
      const bodyBytes: number[] = [];
      let size = SEGMENT_HEADER_BYTES;
      for (let i = 0; i < byPosition.length; i++) size += RECORD_HEADER_BYTES + old.length(byPosition[i] as number);
      let turnEnds = performance.now() + COMPACT_TURN_MS;
      for (let i = 0; i < objects.length; i++) {
        if ((i & 31) === 31 && performance.now() >= turnEnds) {
          await yieldToLoop();
          turnEnds = performance.now() + COMPACT_TURN_MS;
        }
        const body = storedBodyText(objects[i] as IntentRecord);
        const bytes = Buffer.byteLength(body);
        bodies.push(body);
        bodyBytes.push(bytes);
        size += RECORD_HEADER_BYTES + bytes;
      }
      const liveCount = byPosition.length + objects.length;
      const endBody = Buffer.from(JSON.stringify({ count: liveCount, lastSeq, maxEpoch: this.#epoch }));
      size += RECORD_HEADER_BYTES + endBody.length;
      // Written in place: the snapshot is built once, never as parts plus a copy.
      // Memory of its own (never a slice of Node's shared pool): handed over to the io below.
      const snapshot = Buffer.allocUnsafeSlow(size);
      encodeSegmentHeader({ ledgerId: this.#ledgerId, generation: next, firstSeq: 1 }).copy(snapshot, 0);
      let at = SEGMENT_HEADER_BYTES;
      let seq = 1;
      // Where every finished intent will be once the new generation is in place.
      const index = new FinishedIndex(this.#idHash, Math.max(1024, keptCount));
      // Finished intents held by position: read back (checksums checked again, so damage
      // since the open is refused rather than copied) and re-framed with their new seqs.
      await this.#readBack(old, byPosition, (e, frame) => {
        const length = frame.length - RECORD_HEADER_BYTES;
        index.setFrom(old, e, next, FileKind.Snapshot, at, length, old.updatedAt(e));
        at = encodeRecordInto(snapshot, at, { type: RecordType.Put, seq: seq++, epoch: this.#epoch, body: frame.subarray(RECORD_HEADER_BYTES) });
      });
      // Finished intents held as objects move to the index at the switch, if unchanged by then.
      const moved: Array<{ record: IntentRecord; at: number; length: number }> = [];
      turnEnds = performance.now() + COMPACT_TURN_MS;
      for (let i = 0; i < objects.length; i++) {
        if ((i & 31) === 31 && performance.now() >= turnEnds) {
          await yieldToLoop();
          turnEnds = performance.now() + COMPACT_TURN_MS;
        }
        const r = objects[i] as IntentRecord;
        const length = bodyBytes[i] as number;
        // One still carrying a lease keeps it in memory (the file never holds leases).
        if (TERMINAL_STATUSES.has(r.status) && r.leaseOwner === undefined && r.leaseExpiresAt === undefined && indexableId(r.id)) moved.push({ record: r, at, length });
        at = encodeTextRecordInto(snapshot, at, RecordType.Put, seq++, this.#epoch, bodies[i] as string, length);
      }
      at = encodeRecordInto(snapshot, at, { type: RecordType.SnapshotEnd, seq: seq++, epoch: this.#epoch, body: endBody });
      if (at !== snapshot.length) throw new Error(`compaction built ${at} bytes of a ${snapshot.length}-byte snapshot`);
      // The snapshot stands for the log up to S only once every record up to S is durable.
      await this.#durableTo(cutAt);
      const bytesBefore = this.#logBytes + this.#snapshotBytes;
      // 1. The complete snapshot, durable under its final name (temp, fsync, rename, dir
      // fsync). From its rename on, this generation is the newest one; records after S
      // are still only in the old log, and an open carries them over (see #carryOver).
      // Handed over: nothing here touches `snapshot` again (the writer thread may take it).
      // On the io's second lane when it has one: log appends are not queued behind it.
      const aside = this.#io.aside ?? this.#io;
      const snapshotLength = snapshot.length;
      await aside.writeDurable(join(this.dir, name('snapshot', next)), snapshot, true);
      // 2. The new log: its header (first seq S + 1) and a copy of the old log's records
      // after S that are durable by now, written as a whole and durable, while writes go on.
      const header = encodeSegmentHeader({ ledgerId: this.#ledgerId, generation: next, firstSeq: lastSeq + 1 });
      const copiedTo = this.#logBytes;
      const newLog = join(this.dir, name('log', next));
      await aside.writeDurable(newLog, await this.#logRange(rangeReader(aside), oldLog, header, cutAt, copiedTo), true);
      // 3. The switch. Writes are held from here; those queued already (seqs in order
      // after the copied ones) still go to the old log and are waited for.
      hold = this.#holdWrites();
      heldAt = performance.now();
      this.#openGroup = undefined;
      this.#beforeSwitch = this.#queue.length;
      this.#scheduleFlush();
      while (!this.#poisoned && (this.#flushing || this.#beforeSwitch > 0)) {
        await new Promise<void>((r) => this.#barrierWaiters.push(r));
      }
      if (this.#poisoned) throw this.#poisoned;
      // The rest of the old log's records after S, appended to the new log and synced
      // before the new log takes any write: it then holds every record after S, in order.
      const switchedAt = this.#logBytes;
      await this.#io.openAppend(newLog, this.#lock ? { path: join(this.dir, LOCK_FILE), token: this.#lock.holder.nonce } : undefined);
      if (switchedAt > copiedTo) await this.#io.append(await this.#logRange(this.#readRange, oldLog, undefined, copiedTo, switchedAt), true);
      const previous = this.#generation;
      this.#generation = next;
      this.#logBytes = header.length + (switchedAt - cutAt);
      this.#sentBytes = this.#logBytes;
      this.#snapshotBytes = snapshotLength;
      // Dropped: the intents left out of the snapshot as expired, unless written again
      // after the cut (their newer record is in the new log and stays).
      for (const r of expired) if (this.#records.get(r.id) === r) this.#records.delete(r.id);
      // The new index, in the same synchronous step as the switch (a read issued from
      // now on finds records in the new files). An intent finished by position at the cut
      // and held as an object now was read back (for a claim or a change) after the cut:
      // that object is at least as new as the snapshot's copy, so the index must not hold
      // it. #promote is the only way from the index to the objects, and it lists them.
      for (const id of this.#promotedSinceCut ?? []) {
        if (!this.#records.has(id)) continue;
        const e = index.findId(id);
        if (e >= 0) index.remove(e);
      }
      for (const m of moved) {
        if (this.#records.get(m.record.id) !== m.record) continue;
        index.setId(m.record.id, next, FileKind.Snapshot, m.at, m.length, m.record.updatedAt);
        this.#records.delete(m.record.id);
      }
      this.#finished = index;
      this.#beforeSwitch = 0;
      hold();
      hold = undefined;
      writesHeldMs = performance.now() - heldAt;
      // 4. Only now the old generation goes (each delete fsyncs the directory), once no
      // listing still reads finished intents from it (a single read-back, get() or
      // create(), is issued before this point and served first: the io keeps call order).
      while (this.#readBacks.size > 0) await Promise.all([...this.#readBacks]);
      await this.#io.remove(oldLog);
      if (previous > 0) await this.#io.remove(join(this.dir, name('snapshot', previous)));
      const compacted = { type: 'compacted', generation: next, liveIntents: liveCount, droppedIntents: dropped, bytesBefore, bytesAfter: this.#logBytes + this.#snapshotBytes, durationMs: performance.now() - startedAt, writesHeldMs } as const;
      this.#onEvent?.(compacted);
      if (this.#observers.size > 0) this.#tell(compacted);
    } catch (error) {
      throw this.#poison(error);
    } finally {
      this.#promotedSinceCut = undefined;
      if (hold) {
        this.#beforeSwitch = 0;
        hold();
      }
    }
  }

  /**
   * Bytes `[from, to)` of the log `path`, read with `read` (whole records: both ends are record
   * boundaries the ledger wrote), after `header` when given, in memory of their own (so
   * they can be handed over to the io).
   */
  async #logRange(read: RangeReader, path: string, header: Buffer | undefined, from: number, to: number): Promise<Buffer> {
    const headerBytes = header?.length ?? 0;
    const out = Buffer.allocUnsafeSlow(headerBytes + (to - from));
    header?.copy(out, 0);
    if (to > from) {
      const got = await read(path, from, to - from, out.subarray(headerBytes));
      if (got === undefined || got.length !== to - from) throw new Error(`the log ${path} ended before byte ${to} while a compaction copied it`);
    }
    return out;
  }

  /** Resolves once the log is durable up to byte `offset`; rejects if the ledger is poisoned. */
  async #durableTo(offset: number): Promise<void> {
    this.#scheduleFlush();
    while (!this.#poisoned && this.#logBytes < offset) {
      await new Promise<void>((r) => this.#progressWaiters.push(r));
    }
    if (this.#poisoned) throw this.#poisoned;
  }

  /** Ids #promote moved from the index of finished intents to the objects since a running compaction's cut. */
  #promotedSinceCut: string[] | undefined;
  /** Woken after every durable batch and when the ledger is poisoned (see #durableTo). */
  readonly #progressWaiters: Array<() => void> = [];
  /** Bytes of the current log handed to the io so far (durable or in flight): where the next batch starts. */
  #sentBytes = 0;

  /**
   * Stores a record: applies it in memory and queues it for the next group commit, in
   * one synchronous step. Returns the record as stored (maybe without an oversized
   * result) and the write, which resolves once the record is durable (the fdatasync
   * covering it succeeded) and rejects if that write or sync failed. The caller awaits
   * the write before it acknowledges anything, except a lazy success
   * (`outcomeDurability: 'lazy'`), whose caller does not wait for it.
   *
   * `storedBody`: the record's stored body ({@link storedBodyText}), when the caller has it.
   *
   * @throws ConfigurationError when the record is too large, before anything changed.
   */
  #stage(candidate: IntentRecord, lazy: boolean, storedBody?: string): [IntentRecord, Promise<void>] {
    let record = candidate;
    let body = storedBody ?? storedBodyText(record);
    let bodyBytes = Buffer.byteLength(body);
    if (bodyBytes > MAX_BODY_BYTES && record.outcome?.result !== undefined) {
      // The venue already answered: the intent's state must be recorded whatever the
      // answer's size. The stored result is only a convenience for replays, so a result
      // too large for one record is left out (the caller of this attempt still gets it).
      const { result: _dropped, ...outcome } = record.outcome;
      record = { ...record, outcome: { ...outcome, reason: `${outcome.reason} (result too large to store)` } };
      body = storedBodyText(record);
      bodyBytes = Buffer.byteLength(body);
    }
    if (bodyBytes > MAX_BODY_BYTES) {
      // Checked before anything changes: memory, sequence numbers and the log stay as they were.
      throw new ConfigurationError({
        path: 'input',
        expected: `an operation input whose ledger record is at most ${MAX_BODY_BYTES} bytes`,
        received: `a record of ${bodyBytes} bytes`,
        message: `Intent ${record.id} is too large to record (${bodyBytes} bytes; the limit is ${MAX_BODY_BYTES}); nothing was written or sent. Store large data elsewhere and pass a reference.`,
      });
    }
    // Applied in memory at once so later calls see it in order; acknowledged to the
    // caller only when durable. A failed write poisons the ledger, so nothing can act
    // on the unacknowledged state afterwards (docs/durability.md#d9-nothing-is-read-before-it-is-durable).
    this.#records.set(record.id, record);
    return [record, this.#write(RecordType.Put, body, bodyBytes, lazy)];
  }

  /** Starts a compaction when the log has grown past its threshold (after a write). */
  #maybeCompact(): void {
    if (this.#logBytes > this.#compactAfterBytes && this.#logBytes > 2 * this.#snapshotBytes && !this.#compacting) {
      void this.compact().catch(() => undefined);
    }
  }

  /**
   * Frames a record (seq, length, CRC) into the open batch buffer and queues it for the
   * next group commit; resolves once it is durable. `lazy` (a success under
   * `outcomeDurability: 'lazy'`, whose caller does not wait): it starts no flush of its
   * own, but rides with the next write's group commit, or is flushed after
   * `lazyFlushDelayMs` (2 ms) when no write comes. A bot placing orders one after another
   * so pays one flush per order: the next order's create carries the last one's success.
   */
  #write(type: RecordType, body: string, bodyBytes: number, lazy = false): Promise<void> {
    if (this.#poisoned) return Promise.reject(this.#poisoned);
    const need = this.#batchAt + RECORD_HEADER_BYTES + bodyBytes;
    if (need > this.#batchBuf.length) this.#growBatch(need);
    // The sequence number is taken only once the record is framed, so an encoding
    // failure can never leave a gap in the log (bytes past #batchAt are never sent).
    const seq = this.#nextSeq;
    const end = encodeTextRecordInto(this.#batchBuf, this.#batchAt, type, seq, this.#epoch, body, bodyBytes);
    this.#nextSeq = seq + 1;
    this.#batchAt = end;
    let group = this.#openGroup;
    if (group === undefined || group.count >= WRITE_GROUP) {
      let resolve: () => void = noop;
      let reject: (error: Error) => void = noop;
      const done = new Promise<void>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      group = this.#observers.size > 0 ? { end, count: 0, done, resolve, reject, queuedAt: this.#clock.now() } : { end, count: 0, done, resolve, reject };
      this.#queue.push(group);
      this.#openGroup = group;
    }
    group.end = end;
    group.count++;
    this.#queuedRecords++;
    if (!lazy) this.#scheduleFlush();
    else if (this.#lazyFlush === undefined) {
      this.#lazyFlush = setTimeout(() => {
        this.#lazyFlush = undefined;
        this.#scheduleFlush();
        // Not unref'd: a process that exits right after its last order still flushes it.
      }, this.#lazyFlushDelayMs);
    }
    return group.done;
  }

  /**
   * The open batch: the frames of the queued writes, in queue order, in `#batchBuf[0 ..
   * #batchAt)`. Each record is framed (and checksummed) as it is queued, so the work is
   * spread over the callers, and a group commit sends this buffer as it is: no frame per
   * record, no concatenation, and its memory is moved to the writer thread, not copied.
   */
  #batchBuf: Buffer = Buffer.alloc(0);
  #batchAt = 0;
  /** Bytes of the last group commit: the next open batch starts with about that much room. */
  #lastBatchBytes = 0;

  /** Replaces the open batch buffer by one with room for `need` bytes, keeping its frames. */
  #growBatch(need: number): void {
    // Memory of its own, not a slice of Node's shared pool (so it can be moved to the
    // writer thread); doubling keeps the copies to about one per byte.
    const size = Math.max(need, 2 * this.#batchBuf.length, this.#lastBatchBytes + (this.#lastBatchBytes >> 2), MIN_BATCH_BUFFER);
    const grown = Buffer.allocUnsafeSlow(size);
    this.#batchBuf.copy(grown, 0, 0, this.#batchAt);
    this.#batchBuf = grown;
  }

  /** The timer that flushes queued lazy successes when no other write comes (see #write). */
  #lazyFlush: ReturnType<typeof setTimeout> | undefined;

  #holdCount = 0;
  /**
   * How many writes (groups) at the head of the queue were queued before a compaction's
   * switch held writes: they go to the current (old) log although writes are held, and
   * the switch waits until they are durable there.
   */
  #beforeSwitch = 0;

  #holdWrites(): () => void {
    this.#holdCount++;
    return () => {
      this.#holdCount--;
      this.#scheduleFlush();
    };
  }

  #scheduleFlush(): void {
    if (this.#flushing || (this.#holdCount > 0 && this.#beforeSwitch === 0) || this.#queue.length === 0) return;
    // Group commit: everything queued by the time the writer is free goes in one
    // write + one fdatasync; callers arriving meanwhile form the next batch.
    // See docs/durability.md#d8-a-change-is-acknowledged-only-after-the-fdatasync-that-covers-it.
    this.#flushing = (async () => {
      await Promise.resolve();
      let batch = this.#takeBatch();
      let appending = batch && this.#append(batch);
      while (batch && appending) {
        // The callers of `batch` are resolved only after the fdatasync covering all
        // of its bytes succeeded; a failure rejects every one of them.
        const ok = await appending;
        if (!ok) {
          for (const b of batch.writes) b.reject(this.#poisoned as LedgerUnavailableError);
          break;
        }
        if (this.#observers.size > 0) this.#reportFlush(batch);
        // The next batch (if any) goes to the writer thread before this one's callers
        // resume, so its flush overlaps their work. Its bytes follow this batch's in the
        // log, and its callers are resolved only after all of this batch's.
        let next = this.#takeBatch();
        let nextAppending = next && this.#append(next);
        await this.#resolveInSlices(batch.writes);
        if (!next) {
          // Writes queued while the callers resumed: keep the writer busy.
          next = this.#takeBatch();
          nextAppending = next && this.#append(next);
        }
        batch = next;
        appending = nextAppending;
      }
      if (this.#poisoned) {
        this.#openGroup = undefined;
        this.#queuedRecords = 0;
        for (const b of this.#queue.splice(0)) b.reject(this.#poisoned);
      }
    })().finally(() => {
      this.#flushing = undefined;
      this.#scheduleFlush();
      for (const w of this.#barrierWaiters.splice(0)) w();
    });
  }

  /**
   * Reports a durable batch to the observers. The latency runs from the batch's first
   * write (the oldest: the queue is FIFO) being queued; a batch whose first write was
   * queued before anyone observed has no start time and is not reported.
   */
  #reportFlush(batch: Batch): void {
    const queuedAt = batch.writes[0]?.queuedAt;
    if (queuedAt === undefined) return;
    this.#tell({ type: 'flush', records: batch.records, bytes: batch.bytes, latencyMs: Math.max(0, this.#clock.now() - queuedAt), queueDepth: this.#queuedRecords });
  }

  /**
   * The writes the next group commit may take (respecting a compaction's hold) and their
   * frames, or `undefined`. The frames are given away (see `#append`).
   */
  #takeBatch(): Batch | undefined {
    if (this.#poisoned || this.#queue.length === 0) return undefined;
    const take = this.#holdCount === 0 ? this.#queue.length : Math.min(this.#beforeSwitch, this.#queue.length);
    if (take === 0) return undefined;
    let writes: Queued[];
    let data: Buffer;
    if (take === this.#queue.length) {
      writes = this.#queue;
      this.#queue = [];
      this.#openGroup = undefined;
      data = this.#batchBuf.subarray(0, this.#batchAt);
      this.#batchBuf = Buffer.alloc(0);
      this.#batchAt = 0;
    } else {
      // A compaction's switch falls inside the queue: the writes after it stay queued, their
      // frames moved to the start of a new open batch buffer.
      writes = this.#queue.splice(0, take);
      const cut = (writes[take - 1] as Queued).end;
      const old = this.#batchBuf;
      const rest = this.#batchAt - cut;
      this.#batchBuf = Buffer.allocUnsafeSlow(Math.max(rest, MIN_BATCH_BUFFER));
      old.copy(this.#batchBuf, 0, cut, this.#batchAt);
      this.#batchAt = rest;
      for (const q of this.#queue) q.end -= cut;
      data = old.subarray(0, cut);
    }
    let records = 0;
    for (const g of writes) records += g.count;
    this.#queuedRecords -= records;
    this.#lastBatchBytes = data.length;
    this.#sentBytes += data.length;
    this.#beforeSwitch = Math.max(0, this.#beforeSwitch - take);
    return { writes, records, data, bytes: data.length };
  }

  /**
   * Appends one batch and fdatasyncs it; resolves `true` once durable, `false` after an
   * error (the ledger is then poisoned). Never rejects.
   */
  async #append(batch: Batch): Promise<boolean> {
    try {
      // Handed over: nothing here touches `batch.data` again (the writer thread may take it).
      await this.#io.append(batch.data, true);
    } catch (error) {
      this.#poison(error);
      return false;
    }
    this.#logBytes += batch.bytes;
    if (this.#progressWaiters.length > 0) for (const w of this.#progressWaiters.splice(0)) w();
    return true;
  }

  /**
   * Resolves a durable batch's callers in order, one group (at most {@link WRITE_GROUP}
   * callers) per turn of the event loop: callers resumed in one go would run all their
   * continuations in one macrotask (1,024 of them block the loop for tens of ms). Order
   * is kept: a group is resolved only after the one before it.
   */
  async #resolveInSlices(groups: readonly Queued[]): Promise<void> {
    for (let i = 0; i < groups.length; i++) {
      if (i > 0) await yieldToLoop();
      (groups[i] as Queued).resolve();
    }
  }

  readonly #barrierWaiters: Array<() => void> = [];

  /**
   * Resolves when every write queued so far is durable (or the ledger is poisoned).
   * Every read of state held in memory waits for it: docs/durability.md#d9-nothing-is-read-before-it-is-durable.
   */
  async #barrier(): Promise<void> {
    // Someone waits for what is queued: lazy successes are not held back any longer.
    this.#scheduleFlush();
    while (this.#flushing || this.#queue.length > 0) {
      await new Promise<void>((r) => this.#barrierWaiters.push(r));
    }
    if (this.#poisoned) throw this.#poisoned;
  }

  #poison(cause: unknown): LedgerUnavailableError {
    if (this.#poisoned) return this.#poisoned;
    // After a failed write or sync the file's state is unknown. Never retry the
    // sync as proof; refuse everything until the ledger is reopened and re-read.
    // See docs/durability.md#d11-a-failed-write-or-sync-poisons-the-ledger-the-sync-is-never-retried.
    this.#poisoned = new LedgerUnavailableError(
      `The file ledger in ${this.dir} stopped after a write or sync error; nothing more is written or sent. Reopen it to recover.`,
      { cause },
    );
    void this.#io.close().catch(() => undefined);
    for (const w of this.#progressWaiters.splice(0)) w();
    return this.#poisoned;
  }

  #assertUsable(): void {
    if (this.#closed) throw new LedgerUnavailableError(`The file ledger in ${this.dir} is closed.`);
    if (this.#poisoned) throw this.#poisoned;
  }

  #mustGet(id: string): IntentRecord {
    const record = this.#records.get(id);
    if (!record) throw new LedgerUnavailableError(`Intent ${id} is not in the ledger.`);
    return record;
  }

  /** The file of `index`'s entry `e`. */
  #pathOf(index: FinishedIndex, e: number): string {
    return join(this.dir, name(index.kind(e) === FileKind.Snapshot ? 'snapshot' : 'log', index.generation(e)));
  }

  /**
   * Reads the finished intent `id` (entry `e` of the current index) back from its file
   * and checks it: length, CRC and type of its frame, then that it is the intent asked
   * for and finished. One positional read of the record's bytes (about 1 KB) plus one
   * JSON parse. See docs/durability.md#d19-stored-finished-intents-are-checked-again-when-read-back.
   *
   * @throws LedgerCorruptError when the stored bytes do not check (damaged since open).
   * @throws LedgerUnavailableError when the file cannot be read.
   */
  #readFinished(e: number, id: string): Promise<IntentRecord> {
    const index = this.#finished;
    const path = this.#pathOf(index, e);
    const offset = index.offset(e);
    const length = index.length(e);
    // Issued now, before any await: a compaction deletes the files it replaced only
    // after it switched to its new index, and the io runs operations in call order, so
    // this read is served before any such deletion.
    return this.#readRange(path, offset, RECORD_HEADER_BYTES + length).then(
      (frame) => {
        const problem = frame === undefined ? 'the file is missing' : checkFrame(frame, RecordType.Put, length);
        if (problem !== undefined) throw readBackError(id, path, offset, problem);
        return decodeFinished(id, path, offset, frame as Buffer);
      },
      (cause: unknown) => {
        const code = (cause as { code?: unknown } | null)?.code;
        throw new LedgerUnavailableError(`Intent ${id} could not be read back from ${path} (${typeof code === 'string' ? code : 'I/O error'}).`, { cause });
      },
    );
  }

  /**
   * Reads the records of `entries` (entry numbers of `index`, in file order) back from
   * their files, at most {@link READ_BACK_BYTES} per read (the next range is read while
   * the current one is checked), checks each frame's length, CRC and type, and passes
   * it to `each` in order.
   *
   * @throws LedgerCorruptError when a frame does not check.
   */
  async #readBack(index: FinishedIndex, entries: Int32Array, each: (e: number, frame: Buffer, path: string, offset: number) => void): Promise<void> {
    let i = 0;
    const nextRange = (): { from: number; to: number; path: string; start: number; bytes: Promise<Buffer | undefined> } | undefined => {
      if (i >= entries.length) return undefined;
      const from = i;
      const first = entries[i++] as number;
      const path = this.#pathOf(index, first);
      const start = index.offset(first);
      let end = start + RECORD_HEADER_BYTES + index.length(first);
      while (i < entries.length) {
        const e = entries[i] as number;
        const eEnd = index.offset(e) + RECORD_HEADER_BYTES + index.length(e);
        if (index.generation(e) !== index.generation(first) || index.kind(e) !== index.kind(first) || eEnd - start > READ_BACK_BYTES) break;
        end = Math.max(end, eEnd);
        i++;
      }
      const bytes = this.#readRange(path, start, end - start);
      bytes.catch(() => undefined);
      return { from, to: i, path, start, bytes };
    };
    let current = nextRange();
    while (current) {
      const following = nextRange();
      const buf = await current.bytes;
      for (let k = current.from; k < current.to; k++) {
        const e = entries[k] as number;
        const offset = index.offset(e);
        const length = index.length(e);
        const frame = buf?.subarray(offset - current.start, offset - current.start + RECORD_HEADER_BYTES + length);
        const problem = frame === undefined ? 'the file is missing' : checkFrame(frame, RecordType.Put, length);
        if (problem !== undefined) throw readBackError(index.id(e), current.path, offset, problem);
        each(e, frame as Buffer, current.path, offset);
      }
      current = following;
    }
  }

  /** Read-backs in progress outside a compaction (listings); a compaction deletes old files only after them. */
  readonly #readBacks = new Set<Promise<void>>();

  /** {@link FileLedger.#readBack}, tracked in {@link FileLedger.#readBacks} while it runs. */
  async #readingBack(index: FinishedIndex, entries: Int32Array, each: (e: number, frame: Buffer, path: string, offset: number) => void): Promise<void> {
    const reading = this.#readBack(index, entries, each);
    const tracked = reading.catch(() => undefined);
    this.#readBacks.add(tracked);
    try {
      await reading;
    } finally {
      this.#readBacks.delete(tracked);
    }
  }

  /**
   * Brings the finished intent `id`, if it is held by position, into memory as an
   * object: claim and transition decide synchronously on the object they read. Returns
   * `undefined` (nothing to wait for) when there is nothing to bring in.
   */
  #promote(id: string): Promise<void> | undefined {
    if (this.#records.has(id)) return undefined;
    const e = this.#finished.findId(id);
    if (e < 0) return undefined;
    const index = this.#finished;
    return this.#readFinished(e, id).then((record) => {
      // A newer version was put meanwhile, or a compaction switched to an index that
      // dropped this intent (retention): nothing to bring in.
      if (this.#records.has(id) || (this.#finished !== index && this.#finished.findId(id) < 0)) return;
      this.#finished.removeId(id);
      this.#records.set(id, record);
      this.#promotedSinceCut?.push(id);
    });
  }

  /** Whether a record held as an object is finished and past retention at `now` (dropped at compaction). */
  #expired(r: IntentRecord, now: number): boolean {
    return TERMINAL_STATUSES.has(r.status) && r.updatedAt + this.#retentionMs <= now;
  }

  #out(record: IntentRecord): IntentRecord {
    // cloneData: structuredClone's result for plain data, at a fraction of its cost.
    const copy = cloneData(record);
    return this.#codec ? extend(copy, { input: this.#codec.decode(copy.input) }) : copy;
  }
}

/** The error for a stored record that does not check when read back by position. */
function readBackError(id: string, path: string, offset: number, problem: string): LedgerCorruptError {
  return new LedgerCorruptError(
    `The stored record of intent ${id} at byte ${offset} of ${path} does not check (${problem}): the file changed on disk after the ledger was opened. ` +
      'Nothing was returned for it. Copy the directory aside and inspect it.',
  );
}

/**
 * Parses a finished record read back by position (its frame already checked) and makes
 * sure it is the finished intent `id`.
 *
 * @throws LedgerCorruptError otherwise.
 */
function decodeFinished(id: string, path: string, offset: number, frame: Buffer): IntentRecord {
  let record: IntentRecord | undefined;
  try {
    record = JSON.parse(frame.toString('utf8', RECORD_HEADER_BYTES)) as IntentRecord;
  } catch {
    record = undefined;
  }
  if (record?.id !== id) throw readBackError(id, path, offset, record ? `it holds intent ${JSON.stringify(record.id)}` : 'its body is not valid JSON');
  if (!TERMINAL_STATUSES.has(record.status)) throw readBackError(id, path, offset, `its status is ${JSON.stringify(record.status)}, not a finished one`);
  return record;
}

/** Lock-wait default of {@link FileLedgerOptions.lockWaitMs}, in ms: past the 2 s takeover age of an incomplete lock file. */
const DEFAULT_LOCK_WAIT_MS = 3_000;
/** Longest single wait between two lock attempts, in ms. */
const LOCK_POLL_MS = 100;

/**
 * Acquires the lock, waiting while the lock file is incomplete (a process between its
 * exclusive create and its write, or one killed there): such a file either becomes a
 * live holder's lock or is taken over once old enough. Bounded by `lockWaitMs`.
 */
async function acquireWaitingForIncomplete(dir: string, options: FileLedgerOptions, opened: LedgerObservation[]): Promise<LedgerLock> {
  const waitMs = options.lockWaitMs ?? DEFAULT_LOCK_WAIT_MS;
  if (!Number.isFinite(waitMs) || waitMs < 0) {
    throw new ConfigurationError({ path: 'FileLedger.open(options).lockWaitMs', expected: 'a number of ms >= 0', received: describeValue(waitMs) });
  }
  const deadline = performance.now() + waitMs;
  for (;;) {
    try {
      return acquireLedgerLock(dir, {
        onTakeover: (previousPid: number) => {
          const takeover = { type: 'staleLockTakenOver', previousPid } as const;
          opened.push(takeover);
          options.onEvent?.(takeover);
        },
      });
    } catch (error) {
      const remaining = deadline - performance.now();
      const retryInMs = error instanceof LedgerLockedError ? error.retryInMs : undefined;
      if (retryInMs === undefined || remaining <= 0) throw error;
      await new Promise((r) => setTimeout(r, Math.max(1, Math.min(retryInMs, LOCK_POLL_MS, remaining))));
    }
  }
}
