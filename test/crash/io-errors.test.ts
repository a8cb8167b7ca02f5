import { describe, expect, it } from 'vitest';
import { LedgerUnavailableError } from '../../src/errors/index.js';
import type { FileLedger } from '../../src/stores/file/file-ledger.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import { CrashFs, MUTATING_KINDS, type InjectedFailure } from '../helpers/crash-fs.js';
import {
  draftFor,
  openLedger,
  runTornWorkload,
  runWorkload,
  tornBase,
  type TornBase,
  type WorkloadRun,
} from '../helpers/ledger-workload.js';

// B5 (after SQLite's I/O-error sweep): fail the N-th storage-changing
// operation of a workload, N = 1 until the workload completes untouched, with EIO,
// ENOSPC and EDQUOT, once or persistently, plus short writes (part of the buffer
// written, then ENOSPC). After each failure: the affected callers were rejected with
// LedgerUnavailableError, the ledger is poisoned (every later call rejects, also once
// the fault is gone) and does no more I/O, the failed descriptor is never synced
// again (PostgreSQL's fsyncgate rule: a later fsync that succeeds proves nothing), and
// a reopen on the same disk recovers a consistent state holding every acknowledged
// write (a partial tail left by the failure is cut).

const START_AT = 1_700_000_000_000;
const CODES = ['EIO', 'ENOSPC', 'EDQUOT'] as const;

/** Whether `error` or one of its causes carries the injected errno code. */
function carriesCode(error: unknown, code: string): boolean {
  for (let e: unknown = error, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown }).code === code) return true;
  }
  return false;
}

interface SweepStats {
  runs: number;
  failuresInOpen: number;
  /** Open failures rejected with the raw file-system error instead of a LedgerError. */
  openRejectedRaw: number;
  failuresAfterOpen: number;
  reopenRepairs: number;
  violations: string[];
}

const newStats = (): SweepStats => ({ runs: 0, failuresInOpen: 0, openRejectedRaw: 0, failuresAfterOpen: 0, reopenRepairs: 0, violations: [] });

/** Every call a caller can make; each must reject with LedgerUnavailableError and do no I/O. */
async function poisonViolations(ledger: FileLedger, fs: CrashFs, someId: string): Promise<string[]> {
  const out: string[] = [];
  const before = fs.opCount;
  const calls: Array<[string, () => Promise<unknown>]> = [
    ['create', () => ledger.create(draftFor('late'), START_AT)],
    ['get', () => ledger.get(someId)],
    ['claim', () => ledger.claim(someId, { owner: 'w', leaseMs: 1_000, now: START_AT })],
    ['transition', () => ledger.transition(someId, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: START_AT })],
    ['release', () => ledger.release(someId, 'w', 1)],
    ['listResumable', () => ledger.listResumable()],
    ['compact', () => ledger.compact()],
  ];
  for (const [name, call] of calls) {
    const outcome = await call().then(
      () => 'resolved',
      (error: unknown) => (error instanceof LedgerUnavailableError ? 'ok' : `rejected with ${String(error)}`),
    );
    if (outcome !== 'ok') out.push(`poisoned ledger: ${name} ${outcome}`);
  }
  if (fs.opCount !== before) out.push(`poisoned ledger issued ${fs.opCount - before} I/O operations`);
  return out;
}

/**
 * Checks one run that hit an injected failure, then clears the fault and reopens.
 * `label` names the run in violation messages.
 */
async function checkFailedRun(fs: CrashFs, run: WorkloadRun, failure: InjectedFailure, stats: SweepStats, label: string): Promise<void> {
  const v = (msg: string): void => {
    stats.violations.push(`${label}: ${msg}`);
  };
  stats.runs++;
  if (run.completed) v('the workload completed although an operation failed');

  // 1. The affected callers: rejected, with the injected error as the cause.
  if (run.ledger === undefined || run.openError !== undefined) {
    stats.failuresInOpen++;
    if (!carriesCode(run.openError, failure.code)) v(`open rejected without the injected ${failure.code}: ${String(run.openError)}`);
    if (!(run.openError instanceof LedgerUnavailableError)) stats.openRejectedRaw++;
  } else {
    stats.failuresAfterOpen++;
    if (run.oracle.rejections.length === 0) v('no caller was rejected');
    for (const r of run.oracle.rejections) {
      if (!(r instanceof LedgerUnavailableError)) v(`a caller was rejected with ${String(r)}, not LedgerUnavailableError`);
      else if (!carriesCode(r, failure.code)) v(`a rejection does not carry the injected ${failure.code}`);
    }
  }

  // 2. No sync retried on the failed descriptor, and no storage change at all after
  //    the failure: the poisoned ledger must stop, not carry on or try to repair.
  const syncs = fs.syncsAfter(failure);
  if (syncs !== undefined && syncs > 0) v(`${syncs} sync calls on the failed descriptor afterwards`);
  const changes = fs.opsAfter(failure.index).filter((op) => MUTATING_KINDS.includes(op.kind));
  if (changes.length > 0) v(`storage changed after the failure: ${changes.map((op) => `${op.kind} ${op.path ?? ''}`).join(', ')}`);

  // 3. Poisoned: every later call rejects, while the fault lasts and after it is gone.
  if (run.ledger) {
    const someId = [...run.oracle.acked.keys()][0] ?? 'none';
    for (const msg of await poisonViolations(run.ledger, fs, someId)) v(`${msg} (fault still active)`);
    fs.clearFaults();
    for (const msg of await poisonViolations(run.ledger, fs, someId)) v(`${msg} (fault cleared)`);
    await run.ledger.close();
  }
  fs.clearFaults();

  // 4. Reopen on the same disk (process restart), and on what survives a power loss
  //    right now: both must hold every acknowledged write and nothing never issued.
  const clock = new ManualClock({ now: START_AT + 10_000 });
  for (const [what, disk] of [
    ['same disk', fs],
    ['after power loss', fs.powerLoss('dropUnsynced', new SeededRandom(failure.index))],
  ] as const) {
    let reopened: FileLedger;
    try {
      reopened = await openLedger(disk, {
        clock,
        onEvent: (e) => {
          if (e.type === 'tornTailRepaired') stats.reopenRepairs++;
        },
      });
    } catch (error) {
      v(`reopen (${what}) failed: ${String(error)}`);
      continue;
    }
    for (const msg of await run.oracle.check(reopened)) v(`reopen (${what}): ${msg}`);
    try {
      await reopened.create(draftFor('after'), START_AT);
      if ((await reopened.get('after'))?.fingerprint !== 'fp-after') v(`reopen (${what}): new write not readable`);
    } catch (error) {
      v(`reopen (${what}): new write failed: ${String(error)}`);
    }
    await reopened.close();
    clock.advance(1);
  }
}

type Workload = (fs: CrashFs, clock: ManualClock) => Promise<WorkloadRun>;

/** Fails the n-th matching op for n = 1, 2, ... until the workload completes untouched. */
async function sweep(workload: Workload, makeFs: () => CrashFs, inject: (fs: CrashFs, n: number) => void, label: string, stats: SweepStats): Promise<number> {
  for (let n = 1; ; n++) {
    const fs = makeFs();
    inject(fs, n);
    const run = await workload(fs, new ManualClock({ now: START_AT }));
    const failure = fs.failures[0];
    if (!failure) {
      // Past the last matching operation: nothing failed, so everything must have worked.
      if (!run.completed) stats.violations.push(`${label} n=${n}: nothing failed but the workload did not complete`);
      await run.ledger?.close();
      return n - 1;
    }
    await checkFailedRun(fs, run, failure, stats, `${label} n=${n} (${failure.kind} ${failure.path ?? ''})`);
  }
}

const mainWorkload: Workload = (fs, clock) => runWorkload(fs, { clock });

describe('B5 I/O error injection', () => {
  for (const code of CODES) {
    for (const persistent of [false, true]) {
      it(`50-intent workload: ${code}, ${persistent ? 'persistent' : 'once'}, at every storage-changing operation`, async () => {
        const stats = newStats();
        const startedAt = performance.now();
        const points = await sweep(mainWorkload, () => new CrashFs(), (fs, n) => fs.failAt(n, code, { persistent, kinds: MUTATING_KINDS }), `${code}/${persistent ? 'persistent' : 'once'}`, stats);
        console.info(
          `B5 ${code} ${persistent ? 'persistent' : 'once'}: ${points} failure points (${stats.failuresInOpen} in open, of which ${stats.openRejectedRaw} rejected with the raw fs error; ` +
            `${stats.failuresAfterOpen} after), ${stats.reopenRepairs} torn-tail repairs on reopen, ${((performance.now() - startedAt) / 1000).toFixed(1)} s`,
        );
        expect(stats.violations.slice(0, 10)).toEqual([]);
        expect(points).toBe(stats.runs);
        // The sweep reached the workload's every phase: failures in open and after it.
        expect(stats.failuresInOpen).toBeGreaterThan(0);
        expect(stats.failuresAfterOpen).toBeGreaterThan(100);
      }, 60_000);
    }
  }

  it('50-intent workload: a short write (part of the buffer, then ENOSPC) at every write', async () => {
    const stats = newStats();
    const points = await sweep(mainWorkload, () => new CrashFs(), (fs, n) => fs.shortWriteAt(n), 'short write', stats);
    console.info(`B5 short writes: ${points} failure points, ${stats.reopenRepairs} torn-tail repairs on reopen`);
    expect(stats.violations.slice(0, 10)).toEqual([]);
    expect(points).toBeGreaterThan(50);
    // A half-written record in the log is a partial tail that the reopen must cut.
    expect(stats.reopenRepairs).toBeGreaterThan(0);
  }, 60_000);

  describe('while repairing a torn tail (the only path using copy and truncate)', () => {
    let base: TornBase | undefined;
    const tornWorkload: Workload = async (fs, clock) => {
      base ??= await tornBase();
      return runTornWorkload(fs, base, { clock });
    };
    const makeFs = (): CrashFs => {
      if (!base) throw new Error('tornBase not built yet');
      return base.fs.processCrash();
    };

    for (const persistent of [false, true]) {
      it(`EIO ${persistent ? 'persistent' : 'once'} at every storage-changing operation, including the copy and the truncate`, async () => {
        base ??= await tornBase();
        const stats = newStats();
        const points = await sweep(tornWorkload, makeFs, (fs, n) => fs.failAt(n, 'EIO', { persistent, kinds: MUTATING_KINDS }), `torn EIO/${persistent ? 'persistent' : 'once'}`, stats);
        expect(stats.violations.slice(0, 10)).toEqual([]);
        expect(points).toBe(stats.runs);
        expect(points).toBeGreaterThan(5);
      });
    }

    it('fails the copy and the truncate themselves at least once', async () => {
      base ??= await tornBase();
      const kindsHit = new Set<string>();
      for (const kind of ['copy', 'truncate'] as const) {
        const fs = base.fs.processCrash();
        fs.failAt(1, 'EIO', { kinds: [kind] });
        const stats = newStats();
        const run = await tornWorkload(fs, new ManualClock({ now: START_AT }));
        const failure = fs.failures[0];
        expect(failure?.kind).toBe(kind);
        if (failure) {
          kindsHit.add(failure.kind);
          await checkFailedRun(fs, run, failure, stats, `torn ${kind}`);
        }
        expect(stats.violations).toEqual([]);
        expect(stats.failuresInOpen).toBe(1);
      }
      expect([...kindsHit].sort()).toEqual(['copy', 'truncate']);
    });
  });
});
