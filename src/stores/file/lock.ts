import { randomBytes } from 'node:crypto';
import * as nodeFs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { LedgerLockedError, LedgerUnavailableError } from '../../errors/index.js';
import { errorCode, fsyncDirectory, readIfExists, unlinkIfExists } from './durable-fs.js';

/** Name of the single-writer lock file inside the ledger directory. */
export const LOCK_FILE = 'ledger.lock';

/**
 * Name of the short-lived guard file that serialises stale-lock takeovers (see
 * {@link acquireLedgerLock}). It exists only for the few milliseconds of a takeover.
 */
export const TAKEOVER_GUARD_FILE = 'ledger.lock.takeover';

/**
 * A lock file whose content cannot be parsed is normally one whose creator has not
 * written it yet. Only after this long (by the file's mtime) is it treated as left
 * behind by a crash between create and write.
 */
const UNREADABLE_LOCK_GRACE_MS = 2_000;

/** Bound on the take-over-and-retry loop; each turn means the lock changed under us. */
const MAX_ACQUIRE_TRIES = 20;

/** Who holds (or held) the lock. Written as JSON into the lock file. */
export interface LockHolder {
  /** Process id of the holder. */
  readonly pid: number;
  /** `os.hostname()` of the holder's machine. */
  readonly host: string;
  /** `/proc/sys/kernel/random/boot_id` at acquisition; `''` where unreadable (non-Linux). */
  readonly bootId: string;
  /**
   * The holder's start time: field 22 (`starttime`, clock ticks since boot) of
   * `/proc/<pid>/stat`, as a string; `''` where unavailable. Tells a live holder from an
   * unrelated process that later got the same pid.
   */
  readonly processStartedAt: string;
  /** 128-bit random value (32 lowercase hex digits) identifying this acquisition. */
  readonly nonce: string;
  /** When the lock was acquired, epoch milliseconds. */
  readonly acquiredAt: number;
}

/** A held single-writer lock on a ledger directory. */
export interface LedgerLock {
  /** The holder record this process wrote into the lock file. */
  readonly holder: LockHolder;
  /**
   * True if the lock file still holds our nonce (it is read back from disk). Costs one
   * small read. Always `false` after {@link LedgerLock.release}. The file ledger makes the
   * same check in its I/O layer before every group commit (the fence given to
   * `LedgerIo.openAppend`) and poisons itself when it fails, so a writer whose lock was
   * taken over appends nothing more: docs/durability.md#d15-one-writer-fenced-before-every-append.
   */
  stillHeld(): boolean;
  /**
   * Removes the lock file if it still holds our nonce, then fsyncs the directory.
   * Idempotent: later calls do nothing. Throws `LedgerUnavailableError` if the file
   * system refuses; calling again retries.
   */
  release(): void;
}

/**
 * The file operations the lock performs, injectable so tests can fail or slow down any
 * single step. The default, {@link nodeLockFs}, calls `node:fs`.
 */
export interface LockFs {
  /** `fs.openSync`. Used with `'wx'` (create exclusively) for lock files and `'r'` for directories. */
  openSync(path: string, flags: 'wx' | 'r', mode?: number): number;
  /** `fs.writeSync`; may write fewer bytes than asked. Returns bytes written. */
  writeSync(fd: number, data: Uint8Array, offset: number, length: number): number;
  /** `fs.fsyncSync`. */
  fsyncSync(fd: number): void;
  /** `fs.closeSync`. */
  closeSync(fd: number): void;
  /** `fs.readFileSync` (whole file as bytes). Also used to read `/proc`. */
  readFileSync(path: string): Buffer;
  /** `fs.renameSync`: atomic replace of the target name. */
  renameSync(oldPath: string, newPath: string): void;
  /** `fs.unlinkSync`. */
  unlinkSync(path: string): void;
  /** `fs.statSync`; only the modification time is used. */
  statSync(path: string): { readonly mtimeMs: number };
}

/** {@link LockFs} backed by `node:fs`. */
export const nodeLockFs: LockFs = {
  openSync: (path, flags, mode) => nodeFs.openSync(path, flags, mode),
  writeSync: (fd, data, offset, length) => nodeFs.writeSync(fd, data, offset, length),
  fsyncSync: (fd) => nodeFs.fsyncSync(fd),
  closeSync: (fd) => nodeFs.closeSync(fd),
  readFileSync: (path) => nodeFs.readFileSync(path),
  renameSync: (oldPath, newPath) => nodeFs.renameSync(oldPath, newPath),
  unlinkSync: (path) => nodeFs.unlinkSync(path),
  statSync: (path) => nodeFs.statSync(path),
};

/** Options of {@link acquireLedgerLock}. All are for tests except `onTakeover`. */
export interface AcquireLedgerLockOptions {
  /** File operations. @default {@link nodeLockFs} */
  readonly fs?: LockFs;
  /** Epoch-milliseconds clock for `acquiredAt` and the age of unreadable lock files. @default Date.now */
  readonly now?: () => number;
  /** Returns `bytes` random bytes as lowercase hex (nonce and temp names). @default node:crypto randomBytes */
  readonly randomHex?: (bytes: number) => string;
  /**
   * Called once per stale lock this call removed (after the removal, before the new lock
   * is created) with the previous holder's pid, or `0` when the stale lock file was
   * unreadable. An exception thrown here aborts the acquisition.
   */
  readonly onTakeover?: (previousPid: number) => void;
}

const defaultRandomHex = (bytes: number): string => randomBytes(bytes).toString('hex');

/** Parses lock file bytes; `undefined` for anything that is not a complete holder record. */
function parseHolder(bytes: Buffer): LockHolder | undefined {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  // A pid of 0 or below would make `process.kill(pid, 0)` probe a process group, so
  // only positive integers count as a holder.
  if (typeof v.pid !== 'number' || !Number.isSafeInteger(v.pid) || v.pid <= 0) return undefined;
  if (typeof v.host !== 'string' || typeof v.bootId !== 'string' || typeof v.processStartedAt !== 'string') return undefined;
  if (typeof v.nonce !== 'string' || !/^[0-9a-f]{32}$/.test(v.nonce)) return undefined;
  if (typeof v.acquiredAt !== 'number' || !Number.isFinite(v.acquiredAt)) return undefined;
  return { pid: v.pid, host: v.host, bootId: v.bootId, processStartedAt: v.processStartedAt, nonce: v.nonce, acquiredAt: v.acquiredAt };
}

/**
 * The holder recorded in `<dir>/ledger.lock`, or `undefined` if there is no lock file or
 * it cannot be parsed (for example while its creator is still writing it). Says nothing
 * about whether the holder is still alive.
 *
 * @param dir - the ledger directory.
 * @param fs - file operations. @default {@link nodeLockFs}
 */
export function readLockHolder(dir: string, fs: LockFs = nodeLockFs): LockHolder | undefined {
  const bytes = readIfExists(fs, join(dir, LOCK_FILE));
  return bytes === undefined ? undefined : parseHolder(bytes);
}

/** State and start time of a process from `/proc/<pid>/stat`; `undefined` where unavailable. */
function readProcStat(fs: LockFs, pid: number): { state: string; startTime: string } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`).toString('utf8');
  } catch {
    return undefined;
  }
  // Field 2 is the command name in parentheses and may itself contain spaces and ')',
  // so fields are counted from the last ')'. After it come field 3 (state) onwards,
  // which puts field 22 (starttime) at index 19.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const startTime = fields[19];
  if (state === undefined || startTime === undefined || !/^\d+$/.test(startTime)) return undefined;
  return { state, startTime };
}

function readBootId(fs: LockFs): string {
  try {
    return fs.readFileSync('/proc/sys/kernel/random/boot_id').toString('utf8').trim();
  } catch {
    return '';
  }
}

/**
 * Whether the process recorded in a lock file on this host may still be running it.
 * Errs towards "alive": wrongly calling a holder dead lets two writers in, wrongly
 * calling it alive only makes the user stop a process by hand.
 */
function isHolderAlive(fs: LockFs, holder: LockHolder, ownBootId: string): boolean {
  // A different boot id means the machine restarted since the lock was taken, so no
  // process from then is running. An unknown boot id proves nothing either way.
  if (holder.bootId !== '' && ownBootId !== '' && holder.bootId !== ownBootId) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    // ESRCH: no such process. EPERM: it exists but belongs to another user. Anything
    // else is unexpected, so assume it is alive.
    if (errorCode(e) === 'ESRCH') return false;
  }
  const stat = readProcStat(fs, holder.pid);
  // A zombie has exited and can no longer write; it only waits to be reaped.
  if (stat !== undefined && (stat.state === 'Z' || stat.state === 'X')) return false;
  // Same pid, different start time: the holder died and the pid went to a new process.
  if (stat !== undefined && holder.processStartedAt !== '' && stat.startTime !== holder.processStartedAt) return false;
  return true;
}

type Verdict =
  | { readonly kind: 'missing' }
  | { readonly kind: 'stale'; readonly bytes: Buffer; readonly previousPid: number }
  | { readonly kind: 'live'; readonly holder: LockHolder }
  | { readonly kind: 'otherHost'; readonly holder: LockHolder }
  | { readonly kind: 'unreadable'; readonly ageMs: number };

/** Reads a lock-like file (the lock or the takeover guard) and judges its holder. */
function judge(fs: LockFs, path: string, ownHost: string, ownBootId: string, now: () => number): Verdict {
  const bytes = readIfExists(fs, path);
  if (bytes === undefined) return { kind: 'missing' };
  const holder = parseHolder(bytes);
  if (holder === undefined) {
    let mtimeMs: number;
    try {
      mtimeMs = fs.statSync(path).mtimeMs;
    } catch (e) {
      if (errorCode(e) === 'ENOENT') return { kind: 'missing' };
      throw e;
    }
    const ageMs = now() - mtimeMs;
    // Young and unreadable: most likely a creator between its 'wx' open and its write.
    // Old and unreadable: a crash left it half-written; nobody is behind it.
    return ageMs > UNREADABLE_LOCK_GRACE_MS ? { kind: 'stale', bytes, previousPid: 0 } : { kind: 'unreadable', ageMs };
  }
  // Process ids and boot ids mean nothing across machines, so a lock from another host
  // can never be judged dead. Reaching it means the directory is shared over a network
  // file system, where 'wx' is not reliably exclusive either (Node docs, "File system flags").
  if (holder.host !== ownHost) return { kind: 'otherHost', holder };
  return isHolderAlive(fs, holder, ownBootId) ? { kind: 'live', holder } : { kind: 'stale', bytes, previousPid: holder.pid };
}

/** Outcome of trying to create a lock-like file exclusively. */
type CreateResult = 'created' | 'exists';

/**
 * Creates `path` exclusively with `content`, durably. On any failure after the create,
 * removes the file again so a half-written lock of ours does not block anyone.
 */
function createDurably(fs: LockFs, dir: string, path: string, content: Uint8Array): CreateResult {
  let fd: number;
  try {
    // O_CREAT|O_EXCL: exactly one of any number of concurrent creators succeeds; this is
    // the only step that grants the lock.
    fd = fs.openSync(path, 'wx', 0o600);
  } catch (e) {
    if (errorCode(e) === 'EEXIST') return 'exists';
    throw e;
  }
  try {
    try {
      let offset = 0;
      // Writes can be short; loop until every byte is written.
      while (offset < content.length) offset += fs.writeSync(fd, content, offset, content.length - offset);
      // After this fsync the lock file's content survives a crash or power loss.
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    // After the directory fsync the lock file's name is durable too: a crash cannot
    // leave a recovered directory without the lock we are about to rely on.
    fsyncDirectory(fs, dir);
  } catch (e) {
    // We created this file a moment ago and nobody may remove a file younger than the
    // unreadable-lock grace period, so it is still ours to delete. Best effort: if it
    // stays, it is judged stale once we exit (or after the grace period if unreadable).
    try {
      fs.unlinkSync(path);
    } catch {
      // Keep the original error.
    }
    throw e;
  }
  return 'created';
}

function describeHolder(holder: LockHolder): string {
  return `process ${holder.pid} on host "${holder.host}" (since ${new Date(holder.acquiredAt).toISOString()})`;
}

function lockedByLive(dir: string, holder: LockHolder): LedgerLockedError {
  return new LedgerLockedError(
    `The ledger in ${dir} is locked by ${describeHolder(holder)}. ` +
      'Only one process may write a file ledger: stop the other process, or if it is gone, ' +
      'its lock is taken over automatically the next time the ledger is opened.',
  );
}

function lockedByOtherHost(dir: string, holder: LockHolder): LedgerLockedError {
  return new LedgerLockedError(
    `The ledger in ${dir} is locked by ${describeHolder(holder)}, which is not this host ("${hostname()}"). ` +
      'Network or shared file systems are not supported for the file ledger: use a local directory per host, ' +
      `or, if that host no longer uses this directory, delete ${join(dir, LOCK_FILE)} by hand.`,
  );
}

function lockedUnreadable(dir: string, path: string, ageMs: number): LedgerLockedError {
  return new LedgerLockedError(
    `The ledger in ${dir} is being locked by another process right now (${path} is ${Math.max(0, Math.round(ageMs))} ms old ` +
      `and not yet complete). Try again; an incomplete lock file older than ${UNREADABLE_LOCK_GRACE_MS} ms is taken over automatically.`,
    { retryInMs: Math.max(0, UNREADABLE_LOCK_GRACE_MS - ageMs) + 1 },
  );
}

function unavailable(dir: string, step: string, cause: unknown): LedgerUnavailableError {
  return new LedgerUnavailableError(`Could not ${step} for the ledger in ${dir}: ${errorCode(cause) ?? String(cause)}.`, { cause });
}

/**
 * Acquires the single-writer lock `<dir>/ledger.lock` (docs/durability.md#the-lock-file
 * describes the file and each case below).
 * Synchronous: it runs once when a ledger opens, and a plain sequence of sync calls is
 * easier to reason about for crash safety than an async one.
 *
 * - The lock is a file created with `'wx'` (mode 0600) holding a {@link LockHolder} as
 *   JSON, fsynced, and then the directory is fsynced.
 * - A live holder on this host (pid alive, same boot, same process start time) →
 *   `LedgerLockedError` naming its pid, host and acquisition time.
 * - A holder on another host → `LedgerLockedError` (network file systems are not supported).
 * - A dead holder, one from before a reboot, or an unreadable lock file older than 2 s
 *   is stale and taken over: the stale file is renamed to a unique name (never deleted
 *   in place), the directory fsynced, the renamed copy deleted, and the `'wx'` create
 *   retried. Takeovers run one at a time under a guard file
 *   ({@link TAKEOVER_GUARD_FILE}, itself created with `'wx'`) and judge the lock again
 *   under it (stale, with the same bytes as before), so two processes that both judged the same lock stale cannot both end up
 *   holding the lock (the race in proper-lockfile issue #121, where the second
 *   contender deletes the lock the first one has just created).
 *
 * What it cannot prevent: a takeover guard left by a process that crashed during a
 * takeover is itself judged and broken like a stale lock, and two processes breaking
 * the same dead guard at once can race. The nonce check before every commit and the
 * log's writer epochs are the backstop (docs/durability.md#d15-one-writer-fenced-before-every-append,
 * docs/durability.md#d16-each-writer-opens-with-a-higher-writer-epoch).
 *
 * @param dir - the ledger directory (must exist).
 * @throws LedgerLockedError when another process holds the lock or is taking it over.
 * @throws LedgerUnavailableError when a file operation fails.
 *
 * @example
 * const lock = acquireLedgerLock('/var/lib/app/ledger');
 * try {
 *   // ... before each group commit:
 *   if (!lock.stillHeld()) throw new Error('lock lost');
 * } finally {
 *   lock.release();
 * }
 */
export function acquireLedgerLock(dir: string, options: AcquireLedgerLockOptions = {}): LedgerLock {
  const fs = options.fs ?? nodeLockFs;
  const now = options.now ?? Date.now;
  const randomHex = options.randomHex ?? defaultRandomHex;
  const lockPath = join(dir, LOCK_FILE);
  const guardPath = join(dir, TAKEOVER_GUARD_FILE);
  const ownHost = hostname();
  const ownBootId = readBootId(fs);
  const ownStartedAt = readProcStat(fs, process.pid)?.startTime ?? '';

  for (let tries = 0; tries < MAX_ACQUIRE_TRIES; tries++) {
    const holder: LockHolder = {
      pid: process.pid,
      host: ownHost,
      bootId: ownBootId,
      processStartedAt: ownStartedAt,
      nonce: randomHex(16),
      acquiredAt: now(),
    };
    let created: CreateResult;
    try {
      created = createDurably(fs, dir, lockPath, Buffer.from(`${JSON.stringify(holder)}\n`, 'utf8'));
    } catch (e) {
      throw unavailable(dir, 'create the lock file', e);
    }
    if (created === 'created') return createHeldLock(fs, dir, lockPath, holder);

    let verdict: Verdict;
    try {
      verdict = judge(fs, lockPath, ownHost, ownBootId, now);
    } catch (e) {
      throw unavailable(dir, 'read the lock file', e);
    }
    switch (verdict.kind) {
      case 'missing':
        // Released (or taken away) between our create and our read: try again.
        continue;
      case 'live':
        throw lockedByLive(dir, verdict.holder);
      case 'otherHost':
        throw lockedByOtherHost(dir, verdict.holder);
      case 'unreadable':
        throw lockedUnreadable(dir, lockPath, verdict.ageMs);
      case 'stale':
        takeOver(verdict.bytes, verdict.previousPid, holder);
        continue;
    }
  }
  throw new LedgerLockedError(
    `Could not lock the ledger in ${dir}: the lock file changed ${MAX_ACQUIRE_TRIES} times while we tried. ` +
      'Another process is opening and closing this ledger repeatedly; stop it and try again.',
  );

  /**
   * Removes the stale lock whose exact bytes we judged, if it is still there. Returns
   * normally when the caller should retry the create; throws when another process is
   * taking over right now (it will hold the lock).
   */
  function takeOver(staleBytes: Buffer, previousPid: number, self: LockHolder): void {
    let guard: CreateResult;
    try {
      guard = createDurably(fs, dir, guardPath, Buffer.from(`${JSON.stringify(self)}\n`, 'utf8'));
    } catch (e) {
      throw unavailable(dir, 'create the takeover guard', e);
    }
    if (guard === 'exists') {
      let guardVerdict: Verdict;
      try {
        guardVerdict = judge(fs, guardPath, ownHost, ownBootId, now);
      } catch (e) {
        throw unavailable(dir, 'read the takeover guard', e);
      }
      switch (guardVerdict.kind) {
        case 'missing':
          return;
        case 'live':
          throw new LedgerLockedError(
            `The ledger in ${dir} has a stale lock that ${describeHolder(guardVerdict.holder)} is taking over right now; ` +
              'that process will hold the lock. Stop it if it should not write this ledger.',
          );
        case 'otherHost':
          throw lockedByOtherHost(dir, guardVerdict.holder);
        case 'unreadable':
          throw lockedUnreadable(dir, guardPath, guardVerdict.ageMs);
        case 'stale':
          // The guard's owner crashed mid-takeover. Move its guard away (rename, never
          // delete in place) and start over from the top.
          try {
            moveAwayAndDelete(guardPath, `${TAKEOVER_GUARD_FILE}.stale-${randomHex(8)}`);
          } catch (e) {
            throw unavailable(dir, 'remove a stale takeover guard', e);
          }
          return;
      }
    }
    let tookOver = false;
    try {
      // Under the guard no other process moves the lock, but the lock we judged may
      // already have been taken over and replaced before we got the guard. Equal bytes
      // alone do not prove it is the same file: a fresh lock between its creator's 'wx'
      // open and its write is empty, exactly like an old lock left by a crash at that
      // point. So the lock is judged again here, under the guard, and moved only if it is
      // still stale with the same bytes. A fresh holder record always has a new nonce; a
      // fresh unreadable file is young by its mtime, so neither passes this check.
      const again = judge(fs, lockPath, ownHost, ownBootId, now);
      if (again.kind !== 'stale' || !again.bytes.equals(staleBytes)) return;
      tookOver = moveAwayAndDelete(lockPath, `${LOCK_FILE}.stale-${randomHex(8)}`);
    } catch (e) {
      throw unavailable(dir, 'take over the stale lock file', e);
    } finally {
      try {
        // Our own guard: no other process removes a guard whose holder is alive.
        unlinkIfExists(fs, guardPath);
        // After this fsync the guard's removal is durable, so a crash right after cannot
        // resurrect it and make the next opener wait for the grace period.
        fsyncDirectory(fs, dir);
      } catch {
        // A guard left behind only delays the next takeover: it is judged stale once we exit.
      }
    }
    if (tookOver) options.onTakeover?.(previousPid);
  }

  /**
   * Renames `path` to a unique name in the same directory, then deletes that name.
   * Returns false if `path` was already gone.
   */
  function moveAwayAndDelete(path: string, uniqueName: string): boolean {
    const movedPath = join(dir, uniqueName);
    try {
      // Atomic: afterwards nobody can find the stale file under its old name, and no
      // one else can delete a file that replaces it, because we only delete the unique
      // name. Same directory, so no EXDEV (a rename cannot cross file systems).
      fs.renameSync(path, movedPath);
    } catch (e) {
      // Someone else moved it first; the caller starts over.
      if (errorCode(e) === 'ENOENT') return false;
      throw e;
    }
    // After this fsync the old name is durably gone: a crash cannot bring the stale
    // lock back next to the new one we are about to create.
    fsyncDirectory(fs, dir);
    unlinkIfExists(fs, movedPath);
    // After this fsync the deletion is durable; the renamed copy never reappears.
    fsyncDirectory(fs, dir);
    return true;
  }
}

function createHeldLock(fs: LockFs, dir: string, lockPath: string, holder: LockHolder): LedgerLock {
  let released = false;
  const isOurs = (bytes: Buffer | undefined): boolean => bytes !== undefined && parseHolder(bytes)?.nonce === holder.nonce;
  return {
    holder,
    stillHeld() {
      if (released) return false;
      try {
        return isOurs(readIfExists(fs, lockPath));
      } catch {
        // Cannot confirm: report lost, so the writer stops instead of writing unfenced.
        return false;
      }
    },
    release() {
      if (released) return;
      try {
        const bytes = readIfExists(fs, lockPath);
        // Only another process that judged us dead could have replaced our file, and we
        // are alive; the nonce check still makes sure we never delete someone else's lock.
        if (isOurs(bytes)) {
          unlinkIfExists(fs, lockPath);
          // After this fsync the lock's removal is durable: a crash cannot bring back a
          // lock naming our pid, which a reused pid could make look alive.
          fsyncDirectory(fs, dir);
        }
      } catch (e) {
        throw unavailable(dir, 'release the lock file', e);
      }
      released = true;
    },
  };
}
