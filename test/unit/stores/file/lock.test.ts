import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerLockedError, LedgerUnavailableError } from '../../../../src/errors/index.js';
import {
  acquireLedgerLock,
  LOCK_FILE,
  nodeLockFs,
  readLockHolder,
  TAKEOVER_GUARD_FILE,
  type LockFs,
  type LockHolder,
} from '../../../../src/stores/file/lock.js';

const hasProc = existsSync('/proc/self/stat');

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'intentkey-lock-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const lockPath = (): string => join(dir, LOCK_FILE);
const readLockJson = (): LockHolder => JSON.parse(readFileSync(lockPath(), 'utf8')) as LockHolder;

/** A syntactically valid holder; override what the test is about. */
function holderFor(overrides: Partial<LockHolder>): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    bootId: ownBootId(),
    processStartedAt: '',
    nonce: 'ab'.repeat(16),
    acquiredAt: Date.UTC(2026, 0, 2, 3, 4, 5),
    ...overrides,
  };
}

function ownBootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return '';
  }
}

/** Field 22 of /proc/<pid>/stat, or '' (used only to describe other processes in fixtures). */
function startTimeOf(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

/**
 * The pid (and start time) of a process that has exited and been reaped. The start time
 * is recorded while it runs, so if the pid is reused before the test reads it, the
 * start-time check still identifies the lock as stale.
 */
async function deadProcess(): Promise<{ pid: number; startedAt: string }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await once(child, 'spawn');
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn gave no pid');
  const startedAt = startTimeOf(pid);
  const exited = once(child, 'exit');
  child.stdin.end();
  await exited;
  return { pid, startedAt };
}

/** Wraps the real file system, recording every call and letting a test replace single calls. */
function recordingFs(override: Partial<LockFs> = {}): { fs: LockFs; calls: string[] } {
  const calls: string[] = [];
  const base = { ...nodeLockFs, ...override };
  const fdNames = new Map<number, string>();
  const name = (p: string): string => (p === dir ? '<dir>' : p.startsWith(dir) ? p.slice(dir.length + 1) : p);
  const fs: LockFs = {
    openSync(path, flags, mode) {
      calls.push(`open ${name(path)} ${flags}`);
      const fd = base.openSync(path, flags, mode);
      fdNames.set(fd, name(path));
      return fd;
    },
    writeSync(fd, data, offset, length) {
      calls.push(`write ${fdNames.get(fd)}`);
      return base.writeSync(fd, data, offset, length);
    },
    fsyncSync(fd) {
      calls.push(`fsync ${fdNames.get(fd)}`);
      base.fsyncSync(fd);
    },
    closeSync(fd) {
      calls.push(`close ${fdNames.get(fd)}`);
      base.closeSync(fd);
    },
    readFileSync(path) {
      if (!path.startsWith('/proc/')) calls.push(`read ${name(path)}`);
      return base.readFileSync(path);
    },
    renameSync(from, to) {
      calls.push(`rename ${name(from)} -> ${name(to)}`);
      base.renameSync(from, to);
    },
    unlinkSync(path) {
      calls.push(`unlink ${name(path)}`);
      base.unlinkSync(path);
    },
    statSync(path) {
      calls.push(`stat ${name(path)}`);
      return base.statSync(path);
    },
  };
  return { fs, calls };
}

const errno = (code: string): Error => Object.assign(new Error(`${code}: injected`), { code });

describe('acquire and release', () => {
  it('writes a 0600 lock file describing this process and removes it on release', () => {
    const lock = acquireLedgerLock(dir, { now: () => 1_700_000_000_123, randomHex: (n) => 'c'.repeat(n * 2) });
    expect(statSync(lockPath()).mode & 0o777).toBe(0o600);
    const onDisk = readLockJson();
    expect(onDisk).toEqual(lock.holder);
    expect(readLockHolder(dir)).toEqual(lock.holder);
    expect(lock.holder).toMatchObject({
      pid: process.pid,
      host: hostname(),
      bootId: ownBootId(),
      nonce: 'c'.repeat(32),
      acquiredAt: 1_700_000_000_123,
    });
    expect(lock.stillHeld()).toBe(true);

    lock.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(lock.stillHeld()).toBe(false);
    // Idempotent: nothing to remove, nothing thrown.
    lock.release();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('uses 128-bit random nonces by default', () => {
    const first = acquireLedgerLock(dir);
    first.release();
    const second = acquireLedgerLock(dir);
    second.release();
    expect(first.holder.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(second.holder.nonce).toMatch(/^[0-9a-f]{32}$/);
    expect(second.holder.nonce).not.toBe(first.holder.nonce);
  });

  it.runIf(hasProc)('records the process start time so that a reused pid is recognisable', () => {
    const lock = acquireLedgerLock(dir);
    lock.release();
    // Independent check of the unit and the field: boot time + starttime / CLK_TCK must be
    // when this process started, which Node knows as now - uptime.
    const ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    const bootTimeSeconds = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    const startedAtMs = (bootTimeSeconds + Number(lock.holder.processStartedAt) / ticksPerSecond) * 1000;
    const expectedMs = Date.now() - process.uptime() * 1000;
    // btime has 1 s resolution and the ticks 10 ms: allow 2 s.
    expect(Math.abs(startedAtMs - expectedMs)).toBeLessThan(2_000);
  });

  it('stillHeld() turns false when another process has replaced the lock file, and release leaves that file alone', () => {
    const lock = acquireLedgerLock(dir);
    const successor = holderFor({ nonce: 'de'.repeat(16) });
    writeFileSync(lockPath(), JSON.stringify(successor));
    expect(lock.stillHeld()).toBe(false);
    lock.release();
    expect(readLockJson()).toEqual(successor);
  });

  it('stillHeld() turns false when the lock file was deleted or cannot be read', () => {
    let failReads = false;
    const lock = acquireLedgerLock(dir, {
      fs: {
        ...nodeLockFs,
        readFileSync: (p) => {
          if (failReads && p === lockPath()) throw errno('EIO');
          return nodeLockFs.readFileSync(p);
        },
      },
    });
    failReads = true;
    expect(lock.stillHeld()).toBe(false);
    failReads = false;
    expect(lock.stillHeld()).toBe(true);
    rmSync(lockPath());
    expect(lock.stillHeld()).toBe(false);
    lock.release();
  });

  it('a release that fails can be retried', () => {
    let failUnlink = true;
    const lock = acquireLedgerLock(dir, {
      fs: {
        ...nodeLockFs,
        unlinkSync: (p) => {
          if (failUnlink) throw errno('EIO');
          nodeLockFs.unlinkSync(p);
        },
      },
    });
    expect(() => lock.release()).toThrow(LedgerUnavailableError);
    expect(existsSync(lockPath())).toBe(true);
    failUnlink = false;
    lock.release();
    expect(existsSync(lockPath())).toBe(false);
  });

  it('fsyncs the lock file, then the directory, before returning', () => {
    const { fs, calls } = recordingFs();
    const lock = acquireLedgerLock(dir, { fs });
    expect(calls).toEqual([
      `open ${LOCK_FILE} wx`,
      `write ${LOCK_FILE}`,
      `fsync ${LOCK_FILE}`,
      `close ${LOCK_FILE}`,
      'open <dir> r',
      'fsync <dir>',
      'close <dir>',
    ]);
    calls.length = 0;
    lock.release();
    expect(calls).toEqual([`read ${LOCK_FILE}`, `unlink ${LOCK_FILE}`, 'open <dir> r', 'fsync <dir>', 'close <dir>']);
  });

  it('writes the whole holder even when every write is short', () => {
    const lock = acquireLedgerLock(dir, {
      fs: { ...nodeLockFs, writeSync: (fd, data, offset, length) => nodeLockFs.writeSync(fd, data, offset, Math.min(length, 7)) },
    });
    expect(readLockJson()).toEqual(lock.holder);
    lock.release();
  });

  it('a failed fsync of the new lock file fails the acquisition and leaves no lock behind', () => {
    const failing: LockFs = {
      ...nodeLockFs,
      fsyncSync: () => {
        throw errno('EIO');
      },
    };
    const error = (() => {
      try {
        acquireLedgerLock(dir, { fs: failing });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as LedgerUnavailableError).cause).toMatchObject({ code: 'EIO' });
    expect(readdirSync(dir)).toEqual([]);
    acquireLedgerLock(dir).release();
  });

  it('readLockHolder() is undefined without a lock file and for an unreadable one', () => {
    expect(readLockHolder(dir)).toBeUndefined();
    writeFileSync(lockPath(), '{"pid": 12');
    expect(readLockHolder(dir)).toBeUndefined();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ pid: 0 })));
    expect(readLockHolder(dir)).toBeUndefined();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ nonce: 'not-hex' })));
    expect(readLockHolder(dir)).toBeUndefined();
    const valid = holderFor({});
    writeFileSync(lockPath(), JSON.stringify(valid));
    expect(readLockHolder(dir)).toEqual(valid);
  });
});

describe('a live holder', () => {
  it('refuses a second acquisition in the same process and names pid, host and acquisition time', () => {
    const acquiredAt = Date.UTC(2026, 4, 6, 7, 8, 9, 10);
    const lock = acquireLedgerLock(dir, { now: () => acquiredAt });
    const before = readFileSync(lockPath());
    let error: unknown;
    try {
      acquireLedgerLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LedgerLockedError);
    const { message, code } = error as LedgerLockedError;
    expect(code).toBe('ERR_LEDGER_LOCKED');
    expect(message).toContain(`process ${process.pid}`);
    expect(message).toContain(hostname());
    expect(message).toContain('2026-05-06T07:08:09.010Z');
    expect(message).toMatch(/stop the other process/);
    expect(message).toMatch(/taken over automatically/);
    expect(readFileSync(lockPath())).toEqual(before);
    expect(lock.stillHeld()).toBe(true);
    lock.release();
  });

  it('is still live when its start time is unknown (nothing proves the pid was reused)', () => {
    writeFileSync(lockPath(), JSON.stringify(holderFor({ processStartedAt: '' })));
    expect(() => acquireLedgerLock(dir)).toThrow(LedgerLockedError);
  });

  it('is still live when either boot id is unknown', () => {
    writeFileSync(lockPath(), JSON.stringify(holderFor({ bootId: '' })));
    expect(() => acquireLedgerLock(dir)).toThrow(LedgerLockedError);
  });
});

describe('a stale holder is taken over', () => {
  it('whose pid is dead; the renamed stale file is gone afterwards', async () => {
    const dead = await deadProcess();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt })));
    const previous: number[] = [];
    const lock = acquireLedgerLock(dir, { onTakeover: (pid) => previous.push(pid) });
    expect(previous).toEqual([dead.pid]);
    expect(readLockJson()).toEqual(lock.holder);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('by renaming it away first, never deleting ledger.lock in place', async () => {
    const dead = await deadProcess();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt })));
    const { fs, calls } = recordingFs();
    const lock = acquireLedgerLock(dir, { fs, randomHex: (n) => '7'.repeat(n * 2) });
    const stale = `${LOCK_FILE}.stale-${'7'.repeat(16)}`;
    const at = (entry: string): number => calls.indexOf(entry);
    expect(calls).not.toContain(`unlink ${LOCK_FILE}`);
    expect(at(`rename ${LOCK_FILE} -> ${stale}`)).toBeGreaterThan(at(`open ${TAKEOVER_GUARD_FILE} wx`));
    // The rename is made durable before the stale copy is deleted and before the new lock is created.
    const renamedAt = at(`rename ${LOCK_FILE} -> ${stale}`);
    expect(calls.slice(renamedAt + 1, renamedAt + 4)).toEqual(['open <dir> r', 'fsync <dir>', 'close <dir>']);
    expect(at(`unlink ${stale}`)).toBeGreaterThan(renamedAt + 3);
    expect(calls.lastIndexOf(`open ${LOCK_FILE} wx`)).toBeGreaterThan(at(`unlink ${TAKEOVER_GUARD_FILE}`));
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it('whose boot id differs (the machine rebooted), even though its pid is alive now', () => {
    writeFileSync(lockPath(), JSON.stringify(holderFor({ bootId: '00000000-0000-4000-8000-000000000000' })));
    const lock = acquireLedgerLock(dir);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();
  });

  it.runIf(hasProc)('whose pid now belongs to a process with another start time (pid reuse)', () => {
    const ownStart = startTimeOf(process.pid);
    const other = String(Number(ownStart) + 1);
    writeFileSync(lockPath(), JSON.stringify(holderFor({ processStartedAt: other })));
    const lock = acquireLedgerLock(dir);
    expect(lock.holder.processStartedAt).toBe(ownStart);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    lock.release();
  });

  it('whose process has exited but was not reaped yet (a zombie cannot write)', () => {
    // Our own pid answers kill(pid, 0); the injected /proc entry says it is a zombie. The
    // command name contains spaces and ')' to check that fields are counted from the last ')'.
    const procStat = (state: string): Buffer => {
      const afterName = Array.from({ length: 50 }, () => '0');
      afterName[0] = state;
      afterName[19] = '4242';
      return Buffer.from(`${process.pid} (odd) name (x) ${afterName.join(' ')}\n`);
    };
    const withState = (state: string): LockFs => ({
      ...nodeLockFs,
      readFileSync: (p) => (p === `/proc/${process.pid}/stat` ? procStat(state) : nodeLockFs.readFileSync(p)),
    });
    writeFileSync(lockPath(), JSON.stringify(holderFor({ processStartedAt: '4242' })));
    expect(() => acquireLedgerLock(dir, { fs: withState('S') })).toThrow(LedgerLockedError);
    const lock = acquireLedgerLock(dir, { fs: withState('Z') });
    expect(lock.holder.processStartedAt).toBe('4242');
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    lock.release();
  });
});

describe('a lock from another host', () => {
  it('is refused, explaining that network file systems are not supported', () => {
    const foreign = holderFor({ host: `${hostname()}-elsewhere`, pid: 1 });
    writeFileSync(lockPath(), JSON.stringify(foreign));
    let error: unknown;
    try {
      acquireLedgerLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LedgerLockedError);
    const { message } = error as LedgerLockedError;
    expect(message).toContain(`"${hostname()}-elsewhere"`);
    expect(message).toContain('process 1 ');
    expect(message).toMatch(/[Nn]etwork or shared file systems are not supported/);
    expect(readLockJson()).toEqual(foreign);
  });
});

describe('an unreadable lock file (crash between create and write)', () => {
  it('is refused while younger than 2 s and taken over once older', () => {
    writeFileSync(lockPath(), '');
    const mtimeMs = statSync(lockPath()).mtimeMs;
    expect(() => acquireLedgerLock(dir, { now: () => mtimeMs + 1_999 })).toThrow(LedgerLockedError);
    expect(() => acquireLedgerLock(dir, { now: () => mtimeMs + 2_000 })).toThrow(LedgerLockedError);
    expect(readFileSync(lockPath(), 'utf8')).toBe('');
    const previous: number[] = [];
    const lock = acquireLedgerLock(dir, { now: () => mtimeMs + 2_001, onTakeover: (pid) => previous.push(pid) });
    expect(previous).toEqual([0]);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    lock.release();
  });

  it('is judged by its mtime on the real clock', () => {
    writeFileSync(lockPath(), '{"pid":');
    let error: unknown;
    try {
      acquireLedgerLock(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LedgerLockedError);
    expect((error as Error).message).toMatch(/not yet complete/);
    const tenSecondsAgo = new Date(Date.now() - 10_000);
    utimesSync(lockPath(), tenSecondsAgo, tenSecondsAgo);
    const lock = acquireLedgerLock(dir);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    lock.release();
  });
});

describe('takeover races', () => {
  it('two contenders that both judged the same lock stale end with exactly one holder (proper-lockfile #121)', async () => {
    const dead = await deadProcess();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt })));
    // Contender A has judged the lock stale; just before A starts its takeover, contender
    // B runs a complete takeover and acquisition. A must not move B's fresh lock away.
    let second: ReturnType<typeof acquireLedgerLock> | undefined;
    const contenderA: LockFs = {
      ...nodeLockFs,
      openSync: (path, flags, mode) => {
        if (path === join(dir, TAKEOVER_GUARD_FILE) && second === undefined) second = acquireLedgerLock(dir);
        return nodeLockFs.openSync(path, flags, mode);
      },
    };
    expect(() => acquireLedgerLock(dir, { fs: contenderA })).toThrow(LedgerLockedError);
    expect(second).toBeDefined();
    expect(second?.stillHeld()).toBe(true);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    second?.release();
  });

  it('an old empty lock taken over by another contender is not confused with its fresh, still-empty lock', () => {
    // The stale lock is an empty file (a crash between create and write), older than the
    // grace period. Contender A judges it stale. Before A takes the guard, contender B
    // completes the takeover and has just created its own lock with 'wx' but not written
    // it yet, so the lock file is empty again: the same bytes A judged. A must re-judge
    // under the guard (the fresh file is young), not move B's lock away by byte equality.
    writeFileSync(lockPath(), '');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockPath(), longAgo, longAgo);
    let raced = false;
    const contenderA: LockFs = {
      ...nodeLockFs,
      openSync: (path, flags, mode) => {
        if (!raced && path === join(dir, TAKEOVER_GUARD_FILE)) {
          raced = true;
          // B's takeover, then B's 'wx' create, stopped before its write.
          rmSync(lockPath());
          nodeLockFs.closeSync(nodeLockFs.openSync(lockPath(), 'wx', 0o600));
        }
        return nodeLockFs.openSync(path, flags, mode);
      },
    };
    let error: unknown;
    try {
      acquireLedgerLock(dir, { fs: contenderA });
    } catch (e) {
      error = e;
    }
    expect(raced).toBe(true);
    expect(error).toBeInstanceOf(LedgerLockedError);
    expect((error as Error).message).toMatch(/not yet complete/);
    // B's lock file is still in place, unmoved: B is the one holder.
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(statSync(lockPath()).mtimeMs).toBeGreaterThan(longAgo.getTime() + 30_000);
  });

  it('a live takeover guard means another process is taking over: refuse and touch nothing', async () => {
    const dead = await deadProcess();
    const staleLock = JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt }));
    writeFileSync(lockPath(), staleLock);
    writeFileSync(join(dir, TAKEOVER_GUARD_FILE), JSON.stringify(holderFor({ nonce: '12'.repeat(16) })));
    expect(() => acquireLedgerLock(dir)).toThrow(/taking over right now/);
    expect(readFileSync(lockPath(), 'utf8')).toBe(staleLock);
    expect(readdirSync(dir).sort()).toEqual([LOCK_FILE, TAKEOVER_GUARD_FILE]);
  });

  it('a guard left by a process that died mid-takeover is moved away, then the stale lock is taken over', async () => {
    const dead = await deadProcess();
    writeFileSync(lockPath(), JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt })));
    writeFileSync(join(dir, TAKEOVER_GUARD_FILE), JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt })));
    const lock = acquireLedgerLock(dir);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    lock.release();
  });

  it('when the stale lock vanishes before our rename (ENOENT), it starts over from the top', async () => {
    const dead = await deadProcess();
    const staleLock = JSON.stringify(holderFor({ pid: dead.pid, processStartedAt: dead.startedAt }));
    const newcomer = holderFor({ nonce: '34'.repeat(16) });
    // Simulates another process that moved the stale lock away just before our rename
    // (possible only if it bypassed the guard, as an older version might). When
    // `newcomerCreates` is set, it also creates its own lock before our retry.
    const racingFs = (newcomerCreates: boolean): { fs: LockFs; raced: () => boolean } => {
      let raced = false;
      let created = false;
      const fs: LockFs = {
        ...nodeLockFs,
        renameSync: (from, to) => {
          if (!raced && from === lockPath()) {
            raced = true;
            rmSync(lockPath());
            throw errno('ENOENT');
          }
          nodeLockFs.renameSync(from, to);
        },
        openSync: (path, flags, mode) => {
          if (newcomerCreates && raced && !created && path === lockPath() && flags === 'wx') {
            created = true;
            writeFileSync(lockPath(), JSON.stringify(newcomer));
          }
          return nodeLockFs.openSync(path, flags, mode);
        },
      };
      return { fs, raced: () => raced };
    };

    writeFileSync(lockPath(), staleLock);
    const alone = racingFs(false);
    const lock = acquireLedgerLock(dir, { fs: alone.fs });
    expect(alone.raced()).toBe(true);
    expect(readLockJson().nonce).toBe(lock.holder.nonce);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
    lock.release();

    writeFileSync(lockPath(), staleLock);
    const beaten = racingFs(true);
    expect(() => acquireLedgerLock(dir, { fs: beaten.fs })).toThrow(LedgerLockedError);
    expect(beaten.raced()).toBe(true);
    expect(readLockJson()).toEqual(newcomer);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]);
  });

  it('gives up after 20 tries when the lock keeps appearing and vanishing', () => {
    let creates = 0;
    const flapping: LockFs = {
      ...nodeLockFs,
      openSync: (path, flags, mode) => {
        if (path === lockPath() && flags === 'wx') {
          creates += 1;
          throw errno('EEXIST');
        }
        return nodeLockFs.openSync(path, flags, mode);
      },
    };
    expect(() => acquireLedgerLock(dir, { fs: flapping })).toThrow(/changed 20 times/);
    expect(creates).toBe(20);
  });
});
