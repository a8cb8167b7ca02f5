/**
 * A read-only view of a file ledger, for operators (`intentkey ledger ...`): reads the
 * snapshot and log the way {@link FileLedger} does when it opens, but never takes the
 * lock file, never removes a temp file or an old generation, never cuts a torn tail and
 * never writes a byte. It can therefore run beside the bot that owns the ledger.
 *
 * A writer may append while the files are read, so a partial last record is expected
 * and reported (`torn`), not repaired. A compaction that replaces the files between two
 * reads is detected (a listed file is gone) and the read is started again.
 *
 * A compaction renames its snapshot into place before its switch to the new log, and
 * writes made in between go to the previous generation's log: after a crash there (or
 * while a compaction is there) records after the newest snapshot can be only in that
 * log. They are read and replayed here as the next open carries them over (see
 * {@link FileLedgerView.carriedOver}); nothing is copied or removed here.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LedgerUnavailableError } from '../../errors/index.js';
import { INTENT_STATUSES, type IntentRecord } from '../../ledger/intent.js';
import { isAllowedTransition } from '../../ledger/transitions.js';
import { RECORD_HEADER_BYTES, RecordType, scanSegmentWith, SEGMENT_HEADER_BYTES, type SegmentHeader, type SegmentScan } from './format.js';
import { LOCK_FILE, readLockHolder, type LockHolder } from './lock.js';

/** How bad a finding is: `damage` and `warning` need a person; a `note` is information. */
export type FindingSeverity = 'damage' | 'warning' | 'note';

/** Something found while reading a ledger. */
export interface LedgerFinding {
  readonly severity: FindingSeverity;
  /** File name inside the ledger directory (file ledger), when the finding is about a file. */
  readonly file?: string;
  /** Byte offset in `file` where the problem starts. */
  readonly offset?: number;
  /** The intent concerned, when there is one. */
  readonly intentId?: string;
  /** What is wrong, in words. */
  readonly problem: string;
}

/** One file of the ledger directory. */
export interface LedgerFileInfo {
  readonly name: string;
  /** Size in bytes when it was listed. */
  readonly bytes: number;
  /**
   * - `snapshot` / `log`: a generation's files (`generation` says which).
   * - `broken`: a copy of a torn tail an earlier open cut off (kept for inspection).
   * - `temp`: a leftover of a write interrupted by a crash (removed by the next open).
   * - `lock`: the single-writer lock file.
   */
  readonly kind: 'snapshot' | 'log' | 'broken' | 'temp' | 'lock' | 'other';
  readonly generation?: number;
}

/** One stored version of an intent, as the snapshot or the log holds it. */
export interface RecordVersion {
  /** File name inside the ledger directory. */
  readonly file: string;
  /** Byte offset of the record's frame in `file`. */
  readonly offset: number;
  /** The frame's sequence number. */
  readonly seq: number;
  /** The writer epoch of the frame (a new one per process that opened the ledger). */
  readonly writerEpoch: number;
  /** The record as stored (inputs as stored: encoded if the bot uses a codec). */
  readonly record: IntentRecord;
}

/** Who holds the ledger's lock file, judged without touching it. */
export interface LockState {
  readonly holder: LockHolder;
  /**
   * True when the holder runs on this host and its process exists (a signal-0 probe):
   * the ledger is open for writing right now. False when it is gone (the next open takes
   * the lock over). `undefined` when it cannot be told (another host).
   */
  readonly alive: boolean | undefined;
}

/**
 * Records after the newest snapshot that are only in the previous generation's log: the
 * next open appends them, as they are, to the newest log (creating it if needed) and then
 * removes the previous generation's files. A running compaction's switch copies them too.
 */
export interface CarriedOver {
  /** The previous generation's log, which holds them (file name). */
  readonly file: string;
  /** Number of frames (intent records and writer epoch records), seqs `firstSeq` to `lastSeq`. */
  readonly frames: number;
  readonly firstSeq: number;
  readonly lastSeq: number;
  /** Their bytes in `file`: what the next open appends to the newest log. */
  readonly bytes: number;
}

/** What {@link readFileLedger} found. */
export interface FileLedgerView {
  /** The ledger directory (absolute). */
  readonly dir: string;
  /** Generation read (0 before the first compaction). */
  readonly generation: number;
  /**
   * Every intent held, by id, as last stored (leases are never stored in a file ledger),
   * records carried over from the previous generation's log included: what the next
   * open holds.
   */
  readonly records: ReadonlyMap<string, IntentRecord>;
  /**
   * Stored versions of the intents asked for with `historyOf` (`'*'`: all), in file
   * order: the snapshot's copy first, then every log record since, then the records
   * carried over (named by the file and offset they are in now: the previous log).
   */
  readonly versions: readonly RecordVersion[];
  /** Files of the directory, by name. */
  readonly files: readonly LedgerFileInfo[];
  /** Problems and remarks; see {@link FindingSeverity}. */
  readonly findings: readonly LedgerFinding[];
  /**
   * True when the current state could not be read in full (a damaged snapshot or log
   * header): `records` then holds only what could be read, and may be empty.
   */
  readonly unreadable: boolean;
  /** The lock file's holder, or `undefined` when there is no (complete) lock file. */
  readonly lock: LockState | undefined;
  /**
   * Bytes of the snapshot and the log read (the log up to where it was read). `logBytes`
   * also counts the bytes carried over (`carriedOver.bytes`), which the next open appends
   * to the newest log.
   */
  readonly snapshotBytes: number;
  readonly logBytes: number;
  /** Number of frames checked in the snapshot and the logs read (the previous generation's log included). */
  readonly framesChecked: number;
  /**
   * What the next open carries over from the previous generation's log, or `undefined`
   * when there is nothing to carry (the usual case), or when it could not be told because
   * the newest generation is damaged (a finding says so).
   */
  readonly carriedOver: CarriedOver | undefined;
}

/** Options of {@link readFileLedger}. */
export interface ReadFileLedgerOptions {
  /** Collect the stored versions of this intent id (`'*'`: of every intent). @default none */
  readonly historyOf?: string;
  /**
   * Also check every record's fields and every stored change against the state
   * machine (what `intentkey ledger verify` does). @default false
   */
  readonly checkRecords?: boolean;
  /** Reads started again when a compaction replaces the files meanwhile. @default 5 */
  readonly maxRestarts?: number;
}

const SNAPSHOT = /^snapshot-(\d{8})\.ikl$/;
const LOG = /^log-(\d{8})\.ikl$/;
const fileName = (kind: 'snapshot' | 'log', generation: number): string => `${kind}-${String(generation).padStart(8, '0')}.ikl`;

/** A listed file vanished while it was being read: a compaction replaced it. */
class FilesChanged extends Error {}

function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The lock holder and whether it is running, read without creating, changing or removing anything. */
export function readLockState(dir: string): LockState | undefined {
  let holder: LockHolder | undefined;
  try {
    holder = readLockHolder(dir);
  } catch {
    return undefined;
  }
  if (holder === undefined) return undefined;
  if (holder.host !== hostname()) return { holder, alive: undefined };
  try {
    // Signal 0 sends nothing: it only asks whether the process exists.
    process.kill(holder.pid, 0);
    return { holder, alive: true };
  } catch (error) {
    return { holder, alive: errorCode(error) !== 'ESRCH' };
  }
}

/**
 * Reads the file ledger in `dir` without changing anything (see the module comment).
 *
 * @throws LedgerUnavailableError when `dir` does not exist, is not a directory, or holds
 *   no ledger files; or when the files kept changing under it `maxRestarts` times.
 */
export async function readFileLedger(dir: string, options: ReadFileLedgerOptions = {}): Promise<FileLedgerView> {
  const abs = resolve(dir);
  const restarts = options.maxRestarts ?? 5;
  for (let attempt = 0; ; attempt++) {
    try {
      return await readOnce(abs, options);
    } catch (error) {
      if (!(error instanceof FilesChanged)) throw error;
      if (attempt >= restarts) {
        throw new LedgerUnavailableError(`The file ledger in ${abs} changed under every read (${restarts + 1} tries: compactions running back to back); try again.`);
      }
    }
  }
}

async function listFiles(dir: string): Promise<LedgerFileInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') throw new LedgerUnavailableError(`There is no file ledger in ${dir}: the directory does not exist.`);
    if (code === 'ENOTDIR') throw new LedgerUnavailableError(`${dir} is not a directory, so it holds no file ledger.`);
    throw new LedgerUnavailableError(`The file ledger directory ${dir} cannot be read (${code ?? 'I/O error'}).`, { cause: error });
  }
  const files: LedgerFileInfo[] = [];
  for (const name of names.sort()) {
    let bytes = 0;
    try {
      const info = await stat(join(dir, name));
      if (!info.isFile()) continue;
      bytes = info.size;
    } catch {
      continue; // Removed since the listing (a compaction): it is no longer part of the ledger.
    }
    const snap = SNAPSHOT.exec(name);
    const log = LOG.exec(name);
    if (snap) files.push({ name, bytes, kind: 'snapshot', generation: Number(snap[1]) });
    else if (log) files.push({ name, bytes, kind: 'log', generation: Number(log[1]) });
    else if (name.endsWith('.tmp')) files.push({ name, bytes, kind: 'temp' });
    else if (/^log-\d{8}\.ikl\.broken-/.test(name)) files.push({ name, bytes, kind: 'broken' });
    else if (name === LOCK_FILE) files.push({ name, bytes, kind: 'lock' });
    else files.push({ name, bytes, kind: 'other' });
  }
  return files;
}

async function readListed(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') throw new FilesChanged();
    throw new LedgerUnavailableError(`${path} cannot be read (${errorCode(error) ?? 'I/O error'}).`, { cause: error });
  }
}

/** Invariant fields of an intent: set at creation, never changed by any stored change. */
const FIXED_FIELDS = ['scope', 'operation', 'businessId', 'venue', 'key', 'venueKey', 'fingerprint', 'createdAt'] as const;

/** Accumulates the replayed state and, on request, the checks of `verify`. */
class Replay {
  readonly records = new Map<string, IntentRecord>();
  readonly versions: RecordVersion[] = [];
  readonly findings: LedgerFinding[] = [];
  frames = 0;
  constructor(readonly options: ReadFileLedgerOptions) {}

  put(file: string, buf: Buffer, seq: number, writerEpoch: number, start: number, end: number, inSnapshot: boolean): void {
    const offset = start - RECORD_HEADER_BYTES;
    let record: IntentRecord;
    try {
      record = JSON.parse(buf.toString('utf8', start, end)) as IntentRecord;
    } catch {
      // The frame passed its checksum, so this was written as it is: a writer bug.
      this.findings.push({ severity: 'damage', file, offset, problem: `record seq ${seq} passed its checksum but is not valid JSON` });
      return;
    }
    const id = typeof (record as { id?: unknown } | null)?.id === 'string' ? record.id : undefined;
    if (id === undefined) {
      this.findings.push({ severity: 'damage', file, offset, problem: `record seq ${seq} has no intent id` });
      return;
    }
    const previous = this.records.get(id);
    if (this.options.checkRecords) {
      for (const problem of recordProblems(record)) this.findings.push({ severity: 'damage', file, offset, intentId: id, problem });
      if (inSnapshot && previous) this.findings.push({ severity: 'damage', file, offset, intentId: id, problem: 'intent stored twice in one snapshot' });
      if (!inSnapshot) for (const problem of changeProblems(previous, record)) this.findings.push({ severity: 'damage', file, offset, intentId: id, problem });
    }
    this.records.set(id, record);
    const wanted = this.options.historyOf;
    if (wanted !== undefined && (wanted === '*' || wanted === id)) this.versions.push({ file, offset, seq, writerEpoch, record });
  }
}

/**
 * The findings for how a log scan ended: damage a crash cannot explain, or a torn tail
 * (a record being appended right now when the lock holder is alive; otherwise what a
 * crash left, with `tornFate` saying what the next open does with it).
 */
function tailFindings(findings: LedgerFinding[], dir: string, file: string, length: number, scan: SegmentScan, tornFate: string): void {
  if (scan.tail === 'corrupt') {
    findings.push({
      severity: 'damage',
      file,
      offset: scan.problemOffset ?? scan.goodOffset,
      problem: `damaged record (${scan.problem ?? 'invalid record'})${evidence(scan)}: not a torn tail from a crash; the bot refuses to open this ledger, and records after the damage are not read here`,
    });
  } else if (scan.tail === 'torn') {
    const lock = readLockState(dir);
    const dropped = length - scan.goodOffset;
    findings.push(
      lock?.alive === true
        ? { severity: 'note', file, offset: scan.goodOffset, problem: `the last ${dropped} bytes are not a complete record yet (${scan.problem ?? 'torn'}): the running bot (pid ${lock.holder.pid}) is appending` }
        : { severity: 'warning', file, offset: scan.goodOffset, problem: `torn tail of ${dropped} bytes (${scan.problem ?? 'torn'}): a crash during an append; ${tornFate}` },
    );
  }
}

async function readOnce(dir: string, options: ReadFileLedgerOptions): Promise<FileLedgerView> {
  const files = await listFiles(dir);
  const generations = [...new Set(files.filter((f) => f.generation !== undefined).map((f) => f.generation as number))].sort((a, b) => b - a);
  if (generations.length === 0) {
    throw new LedgerUnavailableError(`There is no file ledger in ${dir}: it holds no snapshot-*.ikl or log-*.ikl file.`);
  }
  const replay = new Replay(options);
  const findings = replay.findings;
  let unreadable = false;
  const top = generations[0] as number;
  let ledgerId: Uint8Array | undefined;
  let nextSeq = 1;
  let snapshotBytes = 0;
  let logBytes = 0;
  // The previous generation's log is judged below, once it is known what it holds after the newest generation.
  const previousLog = top > 0 ? fileName('log', top - 1) : undefined;

  for (const f of files) {
    if (f.generation !== undefined && f.generation < top && f.name !== previousLog) {
      findings.push({ severity: 'note', file: f.name, problem: LEFT_OVER });
    }
    if (f.kind === 'temp') findings.push({ severity: 'note', file: f.name, problem: 'temporary file left by an interrupted write; not part of the ledger (the next open removes it)' });
    if (f.kind === 'broken') findings.push({ severity: 'note', file: f.name, problem: 'copy of a torn tail cut off by an earlier open, kept for inspection' });
  }

  if (top > 0) {
    const snapName = fileName('snapshot', top);
    const listed = files.some((f) => f.name === snapName);
    const snap = listed ? await readListed(join(dir, snapName)) : undefined;
    if (!snap) {
      // A log of a generation without its snapshot: never a crash artefact (the snapshot is renamed into place first).
      findings.push({ severity: 'damage', file: snapName, problem: `the snapshot of generation ${top} is missing; the ledger cannot be trusted` });
      unreadable = true;
    } else {
      snapshotBytes = snap.length;
      let puts = 0;
      let last: { type: RecordType; start: number; end: number } | undefined;
      const scan = scanSegmentWith(snap, (type, seq, epoch, start, end) => {
        replay.frames++;
        last = { type, start, end };
        if (type === RecordType.Put) {
          puts++;
          replay.put(snapName, snap, seq, epoch, start, end, true);
        }
      });
      if (!scan.header) {
        findings.push({ severity: 'damage', file: snapName, offset: 0, problem: `unreadable segment header (${scan.problem})` });
        unreadable = true;
      } else {
        checkHeader(findings, snapName, scan.header, top, undefined);
        ledgerId = scan.header.ledgerId;
        if (scan.tail !== 'clean') {
          findings.push({ severity: 'damage', file: snapName, offset: scan.problemOffset ?? scan.goodOffset, problem: `snapshot damaged: ${scan.problem ?? 'invalid record'}${evidence(scan)}` });
          unreadable = true;
        }
        const end = last?.type === RecordType.SnapshotEnd ? parseSnapshotEnd(snap.toString('utf8', last.start, last.end)) : undefined;
        if (!end) {
          if (scan.tail === 'clean') findings.push({ severity: 'damage', file: snapName, offset: scan.goodOffset, problem: 'snapshot has no end record (incomplete)' });
          unreadable = true;
        } else {
          if (end.count !== puts) {
            findings.push({ severity: 'damage', file: snapName, problem: `snapshot end record counts ${end.count} intents, the snapshot holds ${puts}` });
            unreadable = true;
          }
          nextSeq = end.lastSeq + 1;
        }
      }
    }
  }

  const logName = fileName('log', top);
  const logListed = files.some((f) => f.name === logName);
  const log = logListed ? await readListed(join(dir, logName)) : undefined;
  // The seq the next open expects first in the previous generation's log, when the newest
  // generation reads as the open accepts it (otherwise the open refuses before carrying over).
  let carryFrom: number | undefined;
  // An empty log is one the open treats as missing (it writes its header): at generation 0
  // it is a ledger whose creation crashed, reported below as before.
  const noLog = log === undefined || (log.length === 0 && top > 0);
  if (noLog) {
    if (!unreadable) carryFrom = nextSeq;
  } else {
    logBytes = log.length;
    let lastSeq = nextSeq - 1;
    const scan = scanSegmentWith(log, (type, seq, epoch, start, end) => {
      replay.frames++;
      lastSeq = seq;
      if (type === RecordType.Put) replay.put(logName, log, seq, epoch, start, end, false);
      else if (type === RecordType.SnapshotEnd && options.checkRecords) {
        findings.push({ severity: 'damage', file: logName, offset: start - RECORD_HEADER_BYTES, problem: 'a snapshot end record inside a log' });
      }
    });
    if (!scan.header) {
      if (log.length < SEGMENT_HEADER_BYTES && top === 0 && replay.records.size === 0) {
        findings.push({ severity: 'warning', file: logName, offset: 0, problem: `the log's header is incomplete (${log.length} bytes): a crash while the ledger was first created; the next open rewrites it` });
      } else {
        findings.push({ severity: 'damage', file: logName, offset: 0, problem: `unreadable segment header (${scan.problem})` });
        unreadable = true;
      }
    } else {
      checkHeader(findings, logName, scan.header, top, ledgerId);
      const sameLedger = ledgerId === undefined || Buffer.compare(Buffer.from(scan.header.ledgerId), Buffer.from(ledgerId)) === 0;
      if (!unreadable && scan.header.firstSeq !== nextSeq) {
        findings.push({ severity: 'damage', file: logName, offset: 28, problem: `the log starts at sequence ${scan.header.firstSeq}, the snapshot ends before ${nextSeq}` });
      } else if (!unreadable && sameLedger && scan.tail !== 'corrupt') {
        // A torn tail is cut by the open before it carries over, so the carry starts after the last whole record.
        carryFrom = lastSeq + 1;
      }
      tailFindings(findings, dir, logName, log.length, scan, `the next open cuts it, keeping a copy as ${logName}.broken-*`);
    }
  }

  let carriedOver: CarriedOver | undefined;
  if (previousLog !== undefined && files.some((f) => f.name === previousLog)) {
    if (carryFrom === undefined || ledgerId === undefined) {
      findings.push({
        severity: 'note',
        file: previousLog,
        problem: `${LEFT_OVER}; not checked for records to carry over, as the newest generation cannot be read as the bot requires (see the damage reported)`,
      });
    } else {
      const old = await readListed(join(dir, previousLog));
      const carry = carryOver(replay, dir, previousLog, old, ledgerId, top - 1, carryFrom);
      carriedOver = carry.carried;
      if (carry.unreadable) unreadable = true;
      if (carriedOver) logBytes += carriedOver.bytes;
    }
  }
  if (noLog) {
    const carried = carriedOver ? ` and appends to it the ${carriedOver.frames} record(s) carried over from ${carriedOver.file}` : '';
    findings.push(
      log === undefined
        ? // Between a compaction's snapshot rename and its new log: the writer creates it next.
          { severity: 'note', file: logName, problem: `no log for the newest snapshot yet (a compaction is switching generations, or it crashed there); the next open creates it${carried}` }
        : { severity: 'note', file: logName, offset: 0, problem: `the log for the newest snapshot is empty; the next open writes its header${carried}` },
    );
  }

  return {
    dir,
    generation: top,
    records: replay.records,
    versions: replay.versions,
    files,
    findings,
    unreadable,
    lock: readLockState(dir),
    snapshotBytes,
    logBytes,
    framesChecked: replay.frames,
    carriedOver,
  };
}

const LEFT_OVER =
  'left over from an earlier generation (a compaction renamed a newer snapshot into place and was interrupted before it removed this file, or is still running); the next open by the bot removes it';

/**
 * Reads the previous generation's log `file` (generation `generation`, bytes `buf`) as the
 * next open carries it over: its records from seq `fromSeq` on, which a compaction
 * interrupted between its snapshot's rename and its switch left only there, are replayed
 * after the newest log's, and its problems are reported as the open judges them. An
 * unreadable header, a header of another ledger or generation, damage followed by valid
 * records, or records after the newest generation that do not start exactly at `fromSeq`
 * are damage (the open refuses). A torn tail is not carried, as by the open: it reads as
 * a crash during an append, which was never acknowledged (an append is acknowledged only
 * after its fdatasync).
 */
function carryOver(
  replay: Replay,
  dir: string,
  file: string,
  buf: Buffer,
  ledgerId: Uint8Array,
  generation: number,
  fromSeq: number,
): { carried: CarriedOver | undefined; unreadable: boolean } {
  const findings = replay.findings;
  if (buf.length === 0) {
    findings.push({ severity: 'note', file, problem: `${LEFT_OVER}; it is empty` });
    return { carried: undefined, unreadable: false };
  }
  let start = -1;
  let end = -1;
  let firstSeq = 0;
  let lastSeq = 0;
  let frames = 0;
  let wrongStart: number | undefined;
  const kept: Array<{ type: RecordType; seq: number; epoch: number; start: number; end: number }> = [];
  const scan = scanSegmentWith(buf, (type, seq, epoch, bodyStart, bodyEnd) => {
    replay.frames++;
    if (seq < fromSeq || wrongStart !== undefined) return;
    // The scan checks that seqs follow one another; the first one carried must be fromSeq.
    if (start < 0) {
      if (seq !== fromSeq) {
        wrongStart = bodyStart - RECORD_HEADER_BYTES;
        findings.push({ severity: 'damage', file, offset: wrongStart, problem: `the log continues at sequence ${seq} after the newest generation, expected ${fromSeq}: the bot refuses to open this ledger, and nothing of it is carried over here` });
        return;
      }
      start = bodyStart - RECORD_HEADER_BYTES;
      firstSeq = seq;
    }
    end = bodyEnd;
    lastSeq = seq;
    frames++;
    kept.push({ type, seq, epoch, start: bodyStart, end: bodyEnd });
  });
  if (!scan.header) {
    findings.push({ severity: 'damage', file, offset: 0, problem: `unreadable segment header (${scan.problem}): records after the newest generation may be only in this log; the bot refuses to open this ledger` });
    return { carried: undefined, unreadable: true };
  }
  if (Buffer.compare(Buffer.from(scan.header.ledgerId), Buffer.from(ledgerId)) !== 0 || scan.header.generation !== generation) {
    findings.push({
      severity: 'damage',
      file,
      offset: 8,
      problem: `the header belongs to another ledger or generation (generation ${scan.header.generation}, expected ${generation}, or the ledger ids differ): the bot refuses to open this ledger, and nothing of it is carried over here`,
    });
    return { carried: undefined, unreadable: false };
  }
  tailFindings(findings, dir, file, buf.length, scan, `the next open does not carry it over, keeps a copy of this log as ${file}.broken-<ms>-<hex>, then removes it`);
  if (start < 0) {
    if (wrongStart === undefined) findings.push({ severity: 'note', file, problem: `${LEFT_OVER}; it holds no record after the newest generation` });
    return { carried: undefined, unreadable: false };
  }
  for (const k of kept) {
    if (k.type === RecordType.Put) replay.put(file, buf, k.seq, k.epoch, k.start, k.end, false);
    else if (k.type === RecordType.SnapshotEnd && replay.options.checkRecords) {
      findings.push({ severity: 'damage', file, offset: k.start - RECORD_HEADER_BYTES, problem: 'a snapshot end record inside a log' });
    }
  }
  findings.push({
    severity: 'note',
    file,
    problem:
      `${frames} record(s) after the newest snapshot (seq ${firstSeq} to ${lastSeq}) are only in this log: a compaction renamed its snapshot into place and was ` +
      `interrupted before its switch was complete (or is still running). Its switch, or else the next open, carries them over into ${fileName('log', generation + 1)} ` +
      '(appended and synced) and only then removes this log. They are part of this view',
  });
  return { carried: { file, frames, firstSeq, lastSeq, bytes: end - start }, unreadable: false };
}

function evidence(scan: { evidenceOffset?: number; evidenceSeq?: number }): string {
  return scan.evidenceOffset === undefined ? '' : `; a valid later record (seq ${scan.evidenceSeq ?? '?'}) follows at byte ${scan.evidenceOffset}`;
}

function checkHeader(findings: LedgerFinding[], file: string, header: SegmentHeader, generation: number, ledgerId: Uint8Array | undefined): void {
  if (header.generation !== generation) {
    findings.push({ severity: 'damage', file, offset: 24, problem: `the header says generation ${header.generation}, the file name ${generation}` });
  }
  if (ledgerId && Buffer.compare(Buffer.from(header.ledgerId), Buffer.from(ledgerId)) !== 0) {
    findings.push({ severity: 'damage', file, offset: 8, problem: 'the log belongs to another ledger than the snapshot (ledger ids differ)' });
  }
}

function parseSnapshotEnd(text: string): { count: number; lastSeq: number } | undefined {
  try {
    const v = JSON.parse(text) as { count?: unknown; lastSeq?: unknown };
    if (typeof v.count === 'number' && typeof v.lastSeq === 'number' && Number.isSafeInteger(v.count) && Number.isSafeInteger(v.lastSeq)) return { count: v.count, lastSeq: v.lastSeq };
  } catch {
    // Reported by the caller as a missing end record.
  }
  return undefined;
}

const isText = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/**
 * What is wrong with one stored intent record, as plain sentences (empty: nothing).
 * Checks the shape every store writes and the rules the state machine implies: text
 * fields present, a known status, whole non-negative attempt and epoch, times that are
 * numbers, an outcome on every settled or unknown intent, `parked` only on an unknown
 * one, a sent attempt behind every status that needs one, lease fields in pairs, and a
 * well-formed verdict where a person resolved it. Pure.
 */
export function recordProblems(record: unknown): string[] {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return ['not a JSON object'];
  const r = record as Record<string, unknown>;
  const out: string[] = [];
  for (const field of ['id', 'scope', 'operation', 'venue', 'key', 'venueKey', 'fingerprint'] as const) {
    if (!isText(r[field])) out.push(`${field} is missing or not a non-empty string`);
  }
  if (r.businessId !== undefined && typeof r.businessId !== 'string') out.push('businessId is not a string');
  const status = r.status;
  if (!(INTENT_STATUSES as readonly unknown[]).includes(status)) out.push(`unknown status ${JSON.stringify(status) ?? 'undefined'}`);
  if (!isCount(r.attempt)) out.push('attempt is not a whole number >= 0');
  if (!isCount(r.epoch)) out.push('epoch is not a whole number >= 0');
  for (const field of ['createdAt', 'updatedAt'] as const) if (!isTime(r[field])) out.push(`${field} is not a time in ms`);
  if (r.expiresAt !== undefined && !isTime(r.expiresAt)) out.push('expiresAt is not a time in ms');
  if ((r.leaseOwner === undefined) !== (r.leaseExpiresAt === undefined)) out.push('leaseOwner and leaseExpiresAt must be set together');
  if (r.leaseExpiresAt !== undefined && !isTime(r.leaseExpiresAt)) out.push('leaseExpiresAt is not a time in ms');
  if ((status === 'inFlight' || status === 'unknown' || status === 'succeeded') && isCount(r.attempt) && r.attempt < 1) {
    out.push(`status ${status as string} with attempt 0 (no attempt was ever started)`);
  }
  const outcome = r.outcome;
  if (outcome !== undefined) {
    if (typeof outcome !== 'object' || outcome === null || Array.isArray(outcome)) out.push('outcome is not an object');
    else {
      const o = outcome as Record<string, unknown>;
      if (!isText(o.kind)) out.push('outcome.kind is missing');
      if (typeof o.reason !== 'string') out.push('outcome.reason is missing');
      if (o.parked !== undefined) {
        if (status !== 'unknown') out.push(`outcome.parked on a ${String(status)} intent (only unknown ones are parked)`);
        const p = o.parked as Record<string, unknown> | null;
        if (typeof p !== 'object' || p === null || !isTime(p.at) || !isTime(p.nextCheckAt) || !isCount(p.count) || typeof p.reason !== 'string') {
          out.push('outcome.parked lacks at, nextCheckAt, count or reason');
        }
      }
      if (o.resolution !== undefined) {
        const v = o.resolution as Record<string, unknown> | null;
        if (typeof v !== 'object' || v === null || (v.verdict !== 'executed' && v.verdict !== 'notExecuted') || !isText(v.by) || !isTime(v.at) || typeof v.reason !== 'string') {
          out.push('outcome.resolution lacks verdict, by, at or reason');
        }
      }
    }
  } else if (status === 'succeeded' || status === 'failed' || status === 'unknown') {
    out.push(`status ${status} without an outcome`);
  }
  return out;
}

/** What is wrong with a stored change from `previous` (absent: the intent's first record in the log) to `next`. */
function changeProblems(previous: IntentRecord | undefined, next: IntentRecord): string[] {
  if (previous === undefined) {
    return next.status === 'pending' && next.attempt === 0 ? [] : [`first stored as ${next.status} (attempt ${String(next.attempt)}), not created pending`];
  }
  const out: string[] = [];
  const same = previous.status === next.status;
  if (same ? next.status !== 'unknown' : !isAllowedTransition(previous.status, next.status)) {
    out.push(`stored change ${previous.status} -> ${next.status} is not allowed by the state machine`);
  }
  for (const field of FIXED_FIELDS) {
    if (previous[field] !== next[field]) out.push(`${field} changed from ${JSON.stringify(previous[field]) ?? 'absent'} to ${JSON.stringify(next[field]) ?? 'absent'}`);
  }
  if (next.epoch < previous.epoch) out.push(`epoch went back from ${previous.epoch} to ${next.epoch}`);
  if (next.attempt < previous.attempt) out.push(`attempt went back from ${previous.attempt} to ${next.attempt}`);
  return out;
}
