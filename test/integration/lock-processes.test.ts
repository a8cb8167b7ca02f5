/**
 * Reliability tests B4.1-B4.3: the single-writer lock of
 * the file ledger across real processes. Children run the TypeScript source through tsx.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LedgerLockedError } from '../../src/errors/index.js';
import { acquireLedgerLock, LOCK_FILE, nodeLockFs, type LockFs, type LockHolder } from '../../src/stores/file/lock.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const lockModuleUrl = new URL('../../src/stores/file/lock.ts', import.meta.url).href;

/**
 * B4.2 rounds per run: the plan's 1,000. Measured on 2 cores: about 11 ms per round
 * (8 processes, about 11 s in all), because each contender is one long-lived child.
 */
const CONTENTION_ROUNDS = Number(process.env.INTENTKEY_LOCK_ROUNDS ?? 1_000);
const CONTENDERS = 8;
/** B4.1 attempts against a held lock (plan: 100). */
const LOCKED_ATTEMPTS = 100;
/**
 * B4.3 kills (plan: 200). Each needs a fresh child, and starting node with tsx costs about
 * 0.4 s of CPU, so 20 here keep the file near 25 s; INTENTKEY_LOCK_KILLS=200 runs the plan.
 */
const KILLS = Number(process.env.INTENTKEY_LOCK_KILLS ?? 20);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'intentkey-lock-proc-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `node --import tsx` on an inline ES module; cwd is the repo so tsx resolves. */
function startChild(source: string, ipc: boolean): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', source], {
    cwd: repoRoot,
    env: { ...process.env, LOCK_MODULE: lockModuleUrl, LOCK_DIR: dir },
    stdio: ipc ? ['pipe', 'pipe', 'inherit', 'ipc'] : ['pipe', 'pipe', 'inherit'],
  });
}

/** A child that acquires the lock, prints its holder as one JSON line, and holds it until stdin closes. */
const HOLDER_SOURCE = `
  const { acquireLedgerLock } = await import(process.env.LOCK_MODULE);
  const lock = acquireLedgerLock(process.env.LOCK_DIR);
  process.stdout.write(JSON.stringify(lock.holder) + '\\n');
  process.stdin.on('end', () => { lock.release(); process.exit(0); });
  process.stdin.resume();
`;

async function startHolder(): Promise<{ child: ChildProcess; holder: LockHolder }> {
  const child = startChild(HOLDER_SOURCE, false);
  if (!child.stdout) throw new Error('child has no stdout');
  const lines = createInterface({ input: child.stdout });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`holder exited with ${String(code)} before acquiring`);
    }),
  ])) as [string];
  lines.close();
  return { child, holder: JSON.parse(first) as LockHolder };
}

/** Wraps the real file system and counts every call that could change the directory. */
function countingFs(): { fs: LockFs; mutations: () => number } {
  let mutations = 0;
  const fs: LockFs = {
    ...nodeLockFs,
    openSync: (path, flags, mode) => {
      const fd = nodeLockFs.openSync(path, flags, mode);
      // Reached only when an exclusive create succeeded.
      if (flags === 'wx') mutations++;
      return fd;
    },
    writeSync: (fd, data, offset, length) => {
      mutations++;
      return nodeLockFs.writeSync(fd, data, offset, length);
    },
    renameSync: (from, to) => {
      mutations++;
      nodeLockFs.renameSync(from, to);
    },
    unlinkSync: (path) => {
      mutations++;
      nodeLockFs.unlinkSync(path);
    },
  };
  return { fs, mutations: () => mutations };
}

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;

describe('B4.1 a second process opens a held ledger', () => {
  it(`is refused with LedgerLockedError naming the holder, ${LOCKED_ATTEMPTS} times, without writing`, async () => {
    const { child, holder } = await startHolder();
    try {
      expect(holder.pid).toBe(child.pid);
      const before = readFileSync(join(dir, LOCK_FILE));
      const { fs, mutations } = countingFs();
      const durationsMs: number[] = [];
      for (let i = 0; i < LOCKED_ATTEMPTS; i++) {
        const startedAt = performance.now();
        let error: unknown;
        try {
          acquireLedgerLock(dir, { fs }).release();
        } catch (e) {
          error = e;
        }
        durationsMs.push(performance.now() - startedAt);
        expect(error).toBeInstanceOf(LedgerLockedError);
        expect((error as Error).message).toContain(`process ${holder.pid} on host "${hostname()}"`);
        expect((error as Error).message).toContain(new Date(holder.acquiredAt).toISOString());
      }
      expect(mutations()).toBe(0);
      expect(readFileSync(join(dir, LOCK_FILE))).toEqual(before);
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);

      durationsMs.sort((a, b) => a - b);
      const p50 = percentile(durationsMs, 0.5);
      const p99 = percentile(durationsMs, 0.99);
      const max = durationsMs[durationsMs.length - 1] ?? NaN;
      console.info(`B4.1: ${LOCKED_ATTEMPTS} refusals, p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${max.toFixed(2)} ms (plan: < 100 ms)`);
      // The plan's bound is 100 ms; 1 s keeps the test meaningful on a loaded CI machine.
      expect(max).toBeLessThan(1_000);
    } finally {
      const exited = once(child, 'exit');
      child.stdin?.end();
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
    }
    // The holder released on its way out.
    expect(readdirSync(dir)).toEqual([]);
  });
});

/** Contender: one long-lived child per process, driven round by round over IPC. */
const CONTENDER_SOURCE = `
  const { acquireLedgerLock } = await import(process.env.LOCK_MODULE);
  let lock;
  process.on('message', (m) => {
    if (m.type === 'go') {
      try {
        lock = acquireLedgerLock(process.env.LOCK_DIR);
        process.send({ type: 'result', round: m.round, acquired: true, nonce: lock.holder.nonce });
      } catch (e) {
        lock = undefined;
        process.send({ type: 'result', round: m.round, acquired: false, name: e && e.name, message: String(e && e.message) });
      }
    } else if (m.type === 'release') {
      const held = lock ? lock.stillHeld() : false;
      lock?.release();
      lock = undefined;
      process.send({ type: 'released', round: m.round, held });
    } else if (m.type === 'exit') {
      process.disconnect();
    }
  });
  process.send({ type: 'ready' });
`;

type ContenderMessage =
  | { type: 'ready' }
  | { type: 'result'; round: number; acquired: true; nonce: string }
  | { type: 'result'; round: number; acquired: false; name: string; message: string }
  | { type: 'released'; round: number; held: boolean };

/** Resolves with the next message of each child satisfying `accept`, in child order. */
function nextMessages(children: ChildProcess[], accept: (m: ContenderMessage) => boolean): Promise<ContenderMessage[]> {
  return Promise.all(
    children.map(
      (child) =>
        new Promise<ContenderMessage>((resolve, reject) => {
          const onMessage = (m: ContenderMessage): void => {
            if (!accept(m)) return;
            cleanup();
            resolve(m);
          };
          const onExit = (code: number | null): void => {
            cleanup();
            reject(new Error(`contender ${String(child.pid)} exited with ${String(code)}`));
          };
          const cleanup = (): void => {
            child.off('message', onMessage);
            child.off('exit', onExit);
          };
          child.on('message', onMessage);
          child.on('exit', onExit);
        }),
    ),
  );
}

/** How the directory looks when a round starts. */
type RoundSetup = 'empty' | 'deadPid' | 'otherBoot' | 'unreadableOld';
const SETUPS: readonly RoundSetup[] = ['empty', 'deadPid', 'otherBoot', 'unreadableOld'];

async function deadPid(): Promise<{ pid: number; startedAt: string }> {
  const child = spawn(process.execPath, ['-e', 'process.stdin.resume()'], { stdio: ['pipe', 'ignore', 'ignore'] });
  await once(child, 'spawn');
  const pid = child.pid;
  if (pid === undefined) throw new Error('spawn gave no pid');
  let startedAt = '';
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    startedAt = text.slice(text.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    // No /proc: the dead pid alone identifies the stale lock.
  }
  const exited = once(child, 'exit');
  child.stdin.end();
  await exited;
  return { pid, startedAt };
}

describe('B4.2 eight processes start at once on one directory', () => {
  it(`exactly one holder per round over ${CONTENTION_ROUNDS} rounds, including rounds that start from a stale lock`, async () => {
    const contenders = Array.from({ length: CONTENDERS }, () => startChild(CONTENDER_SOURCE, true));
    try {
      await nextMessages(contenders, (m) => m.type === 'ready');
      const dead = await deadPid();
      const bootId = (() => {
        try {
          return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
        } catch {
          return '';
        }
      })();
      const staleHolder = (overrides: Partial<LockHolder>): string =>
        JSON.stringify({ pid: dead.pid, host: hostname(), bootId, processStartedAt: dead.startedAt, nonce: 'ee'.repeat(16), acquiredAt: 0, ...overrides });

      // Rounds in which the number of processes that acquired, or that still held the lock
      // when told to release, was not exactly one.
      const badRounds: Array<{ round: number; setup: RoundSetup; acquired: number; heldAtRelease: number }> = [];
      const refusalReasons = new Map<string, number>();
      const startedAt = performance.now();
      for (let round = 0; round < CONTENTION_ROUNDS; round++) {
        const setup = SETUPS[round % SETUPS.length] ?? 'empty';
        const lockPath = join(dir, LOCK_FILE);
        if (setup === 'deadPid') writeFileSync(lockPath, staleHolder({}));
        if (setup === 'otherBoot') writeFileSync(lockPath, staleHolder(bootId === '' ? {} : { pid: process.pid, processStartedAt: '', bootId: 'not-this-boot' }));
        if (setup === 'unreadableOld') {
          writeFileSync(lockPath, '');
          const longAgo = new Date(Date.now() - 60_000);
          utimesSync(lockPath, longAgo, longAgo);
          expect(statSync(lockPath).mtimeMs).toBeLessThan(Date.now() - 2_000);
        }

        const pendingResults = nextMessages(contenders, (m) => m.type === 'result' && m.round === round);
        for (const child of contenders) child.send({ type: 'go', round });
        const results = await pendingResults;
        const winners = results.filter((r) => r.type === 'result' && r.acquired);
        for (const r of results) {
          if (r.type !== 'result' || r.acquired) continue;
          // Every loser must be told "locked", never an I/O failure.
          expect(r.name, r.message).toBe('LedgerLockedError');
          const reason = /taking over right now/.test(r.message) ? 'takeover in progress' : /not yet complete/.test(r.message) ? 'lock file being written' : 'live holder';
          refusalReasons.set(reason, (refusalReasons.get(reason) ?? 0) + 1);
        }
        const winner = winners[0];
        if (winners.length === 1 && winner?.type === 'result' && winner.acquired) {
          expect((JSON.parse(readFileSync(lockPath, 'utf8')) as LockHolder).nonce).toBe(winner.nonce);
        }

        const pendingReleases = nextMessages(contenders, (m) => m.type === 'released' && m.round === round);
        for (const child of contenders) child.send({ type: 'release', round });
        const released = await pendingReleases;
        // The winner must still hold the lock when told to release it (nobody displaced it).
        const heldAtRelease = released.filter((m) => m.type === 'released' && m.held).length;
        if (winners.length !== 1 || heldAtRelease !== 1) badRounds.push({ round, setup, acquired: winners.length, heldAtRelease });
        // No stale copies, guards or lock files are left behind.
        expect(readdirSync(dir)).toEqual([]);
      }
      const elapsedMs = performance.now() - startedAt;
      console.info(
        `B4.2: ${CONTENTION_ROUNDS} rounds x ${CONTENDERS} processes in ${(elapsedMs / 1000).toFixed(1)} s ` +
          `(${(elapsedMs / CONTENTION_ROUNDS).toFixed(1)} ms/round); refusals: ${JSON.stringify(Object.fromEntries(refusalReasons))}`,
      );
      expect(badRounds).toEqual([]);
    } finally {
      await Promise.all(
        contenders.map(async (child) => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = once(child, 'exit');
          if (child.connected) child.send({ type: 'exit' });
          else child.kill('SIGKILL');
          await exited;
        }),
      );
    }
  }, 120_000);
});

describe('B4.3 SIGKILL the holder, then start a successor', () => {
  it(`the successor takes over after dead-pid detection within 1 s (${KILLS} kills)`, async () => {
    const killToAcquiredMs: number[] = [];
    for (let i = 0; i < KILLS; i++) {
      const { child, holder } = await startHolder();
      expect(() => acquireLedgerLock(dir)).toThrow(LedgerLockedError);
      const exited = once(child, 'exit');
      const killedAt = performance.now();
      child.kill('SIGKILL');
      const [, signal] = (await exited) as [number | null, NodeJS.Signals | null];
      expect(signal).toBe('SIGKILL');
      // The killed holder could not release: its lock file is still there.
      expect((JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as LockHolder).nonce).toBe(holder.nonce);

      const previous: number[] = [];
      const lock = acquireLedgerLock(dir, { onTakeover: (pid) => previous.push(pid) });
      killToAcquiredMs.push(performance.now() - killedAt);
      expect(previous).toEqual([holder.pid]);
      expect(lock.stillHeld()).toBe(true);
      expect(readdirSync(dir)).toEqual([LOCK_FILE]);
      lock.release();
    }
    killToAcquiredMs.sort((a, b) => a - b);
    const max = killToAcquiredMs[killToAcquiredMs.length - 1] ?? NaN;
    console.info(`B4.3: ${KILLS} kills, SIGKILL to acquired p50 ${percentile(killToAcquiredMs, 0.5).toFixed(1)} ms, max ${max.toFixed(1)} ms (plan: < 1 s)`);
    expect(max).toBeLessThan(1_000);
  }, 60_000);
});
