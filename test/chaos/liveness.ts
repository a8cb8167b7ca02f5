/**
 * Parent side of the liveness mode of the SIGKILL chaos harness.
 *
 * The safety harness (harness.ts) proves that kills never duplicate or lose an action.
 * This one measures how much a kill costs in time: how soon a restarted process does
 * new work, and how much longer a workload takes when its process keeps being killed.
 *
 * One comparison = two runs of the same workload (same seed, same business actions,
 * same venue fault probabilities), each with a fresh fake venue and a fresh ledger
 * directory:
 *
 * - the baseline: one driver (driver.ts `--liveness`) places every action and is never
 *   killed;
 * - the run with kills: a supervisor SIGKILLs the driver at a uniformly random time
 *   between `killIntervalMs[0]` and `[1]` after its start (seeded), wherever it is,
 *   opening the ledger and recovering included, and starts the next one at once. Every
 *   driver gets the actions no earlier one reported an answer for. Kills stop when a
 *   driver reports `done` (all its actions answered or out of passes), after `maxKills`,
 *   or when the run's wall-time budget is spent; at the end of the budget the running
 *   driver is killed too, so a run always ends by itself.
 *
 * Restarts use the safety harness's standby processes: the next driver is loaded ahead
 * of time and waits for `go`, so module loading (most of a second under tsx) is not on
 * the clock of a restart. Time spent waiting for a standby that had not finished loading
 * is measured and taken out of the "active" time the ratio compares; the wall time is
 * reported too. The replacement standby starts loading once the new driver is ready,
 * or {@link STANDBY_REFILL_DELAY_MS} after its `go`, whichever comes first, so its
 * loading does not compete for the CPU with the restart being timed.
 *
 * The fake venue runs in this process, so it outlives every kill; its fault draws
 * follow the order in which writes arrive, so the two runs see the same fault
 * probabilities but not necessarily the same faulted actions. The driver talks to it
 * through a front (venue-front.ts) that adds network latency, so a workload takes a
 * realistic time against the kill interval, and, in payments mode, keeps a 500 per
 * idempotency key and replays it where the fake venue does not do so itself.
 *
 * The audit at the end of each run compares the venue's execution count of every
 * action with its intent in the ledger: see {@link LivenessAudit}.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { FileLedger, isIntentError } from '../../src/index.js';
import { TERMINAL_STATUSES } from '../../src/ledger/index.js';
import { SeededRandom, startFakeVenue, type FakeVenue, type FakeVenueFaults } from '../../src/testing/index.js';
import { createChaosCalls, DRIVER_TIMING, type ChaosMode, type DriverMessage, type RecoveredReport, type StartupFlow } from './driver.js';
import { killLeftoverChildren, StandbyPool } from './harness.js';
import { startVenueFront, type VenueFrontStats } from './venue-front.js';

export type { ChaosMode, StartupFlow };

/**
 * Venue faults of a liveness run, per mode: about 12 % of writes. Exchange: refused
 * before execution (503), or executed with the connection dropped before the answer.
 * Payments: executed, then answered 500 (a key-store venue keeps that answer for the key).
 */
export const DEFAULT_LIVENESS_FAULTS: Readonly<Record<ChaosMode, FakeVenueFaults>> = Object.freeze({
  exchange: Object.freeze({ reject503: 0.06, executeThenDrop: 0.06 }),
  payments: Object.freeze({ executeThen500: 0.12 }),
});

/** Options of {@link runLiveness}. */
export interface LivenessOptions {
  readonly mode: ChaosMode;
  /** Seed of the venue's fault draws and of the kill times. */
  readonly seed: number;
  /** How each driver starts: `await client.recover()` first, or `client.startRecovery()`. */
  readonly startup: StartupFlow;
  /** Business actions of the workload. @default 200 */
  readonly actions?: number;
  /** Calls in flight at once in the driver. @default 3 */
  readonly concurrency?: number;
  /** Intents the recovery pass resumes at once. @default 8 */
  readonly recoveryConcurrency?: number;
  /** Venue fault probabilities. @default {@link DEFAULT_LIVENESS_FAULTS} of the mode */
  readonly faults?: FakeVenueFaults;
  /** Range of the uniform delay from a driver's `go` to its kill, in ms. @default [500, 3000] */
  readonly killIntervalMs?: readonly [number, number];
  /** Most kills in the run with kills; then the last driver is left to finish. @default 50 */
  readonly maxKills?: number;
  /** Wall-time budget of each of the two runs, in ms. @default 180000 */
  readonly runBudgetMs?: number;
  /** Passes a driver makes over actions still without an answer. @default 5 */
  readonly maxPasses?: number;
  /**
   * Path of the payment write. @default `/v1/payment_intents` when the fake venue
   * serves it, else `/v1/payments` (see {@link detectVenueBehaviour})
   */
  readonly paymentPath?: string;
  /**
   * One-way network latency between driver and venue, in ms. At most the exchange
   * settle delay minus 50 ms ({@link DRIVER_TIMING}), so a write still on its way when
   * its process dies has arrived before a successor believes a "not found". @default 150
   */
  readonly latencyMs?: number;
  /**
   * Payments mode: keep a 500 per idempotency key and replay it to every resend with
   * that key. `auto`: in front of a fake venue that does not do it itself.
   * @default 'auto'
   */
  readonly replayStoredErrors?: boolean | 'auto';
  /** Driver processes kept loaded and waiting (kills come faster than one loads on a busy machine). @default 3 */
  readonly standbyProcesses?: number;
  /** Called after every driver process ends. */
  readonly onProgress?: (progress: LivenessProgress) => void;
}

/** Progress after one driver process. */
export interface LivenessProgress {
  readonly mode: ChaosMode;
  readonly run: 'baseline' | 'kills';
  readonly processes: number;
  readonly kills: number;
  /** Actions some driver reported an answer for. */
  readonly answered: number;
  readonly actions: number;
  readonly elapsedMs: number;
}

/** Nearest-rank percentiles of a set of durations, in ms (all 0 when `n` is 0). */
export interface Distribution {
  readonly n: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Totals of the recovery reports of every driver of a run. */
export interface RecoveryTotals {
  /** Recovery passes that ended (and reported). */
  readonly passes: number;
  readonly resumed: number;
  readonly succeeded: number;
  readonly reconciledFound: number;
  readonly resent: number;
  readonly failed: number;
  readonly needsAttention: number;
  /** Intents a pass put aside for later (engines that report it; else 0). */
  readonly parked: number;
}

/** What the restarts (drivers started after a kill) did, timed from their `go`. */
export interface RestartFigures {
  readonly restarts: number;
  /** `go` to the first attempt 1 of one of the driver's own calls, over restarts that made one. */
  readonly firstNewSendMs: Distribution;
  /**
   * Restarts killed before any new send although they may have had new work (killed
   * before `ready`, or ready with new actions): their delay is at least their lifetime.
   */
  readonly killedBeforeFirstNewSend: number;
  /** Longest lifetime of such a restart, in ms. */
  readonly longestWithoutNewSendMs: number;
  /** Restarts that made no new send and had no new action to place. */
  readonly noNewWork: number;
  /** `go` to the ledger open (lock takeover, log replay, torn-tail repair). */
  readonly openedMs: Distribution;
  /** `go` to the first send of any kind (recovery resends included). */
  readonly firstSendMs: Distribution;
  /** `go` to `ready`: blocking, `recover()` returned; background, `startRecovery()` returned. */
  readonly readyMs: Distribution;
  /** Ledger open to the end of the recovery pass, over restarts whose pass ended. */
  readonly recoveryMs: Distribution;
  /** Restarts killed before their recovery pass ended. */
  readonly killedDuringRecovery: number;
}

/**
 * The audit of one run, per business action: its execution count at the venue against
 * its intent in the ledger.
 *
 * The fake venue decides every write when it arrives and keeps the answer (order book,
 * key store), so at the audit every action has a definite state there: executed once,
 * or never. An intent left unsettled for such an action is one the client could have
 * settled (by lookup, by a same-key resend, or by sending it), so every unsettled intent
 * of an action executed at most once counts in `unsettledSettleable`.
 */
export interface LivenessAudit {
  readonly actions: number;
  readonly executedOnce: number;
  /** Executions beyond the first, summed over the actions. */
  readonly duplicates: number;
  /**
   * Actions whose record contradicts the venue or the driver: executed with no intent in
   * the ledger, `succeeded` in the ledger but never executed, or acknowledged to the
   * parent as succeeded and then not `succeeded` (or under another key) in the ledger.
   */
  readonly lost: number;
  readonly succeeded: number;
  /** `failed` in the ledger and never executed: a true failure. */
  readonly failed: number;
  /** `failed` in the ledger although the venue executed it. */
  readonly failedButExecuted: number;
  /** Actions with no intent and no execution: the run ended before it reached them. */
  readonly notStarted: number;
  /** Intents neither `succeeded` nor `failed` at the end. */
  readonly unsettled: number;
  readonly unsettledSettleable: number;
  /** Unsettled intents by ledger status (`unknown`, `pending`, or an engine's `parked`, ...). */
  readonly unsettledByStatus: Readonly<Record<string, number>>;
  /** Intents in the ledger that belong to no action of the workload. */
  readonly extraIntents: number;
  /** Executions at the venue of business ids outside the workload. */
  readonly foreignExecutions: number;
}

/** One of the two runs of a comparison. */
export interface LivenessRunReport {
  readonly run: 'baseline' | 'kills';
  /** A driver reported `done` (its actions answered or out of passes) before the budget. */
  readonly finished: boolean;
  readonly budgetExhausted: boolean;
  /** First `go` to the final `done` (or to the end of the run when not finished), in ms. */
  readonly wallMs: number;
  /** Time spent waiting for a standby driver to finish loading after the first `go`, in ms. */
  readonly bootWaitMs: number;
  /** `wallMs - bootWaitMs`: what the ratio compares. */
  readonly activeMs: number;
  readonly processes: number;
  readonly kills: number;
  /** Where kills landed: opening the ledger, recovering before `ready`, calls with the recovery pass still running, calls only. */
  readonly killPhases: { readonly open: number; readonly recovery: number; readonly callsDuringRecovery: number; readonly calls: number };
  /** `go` to the first new send of the first driver (nothing to recover). */
  readonly coldFirstNewSendMs: number | undefined;
  readonly restartFigures: RestartFigures;
  readonly recovery: RecoveryTotals;
  /** Actions the last driver still had without a final answer when it reported `done`. */
  readonly leftUnanswered: number;
  /** Actions whose final answer to the bot was an ambiguous outcome (handed to a person). */
  readonly answeredAmbiguous: number;
  readonly staleLocksTakenOver: number;
  readonly lockedOpens: number;
  readonly driverErrors: number;
  readonly venueWrites: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
  readonly front: VenueFrontStats;
  readonly audit: LivenessAudit;
  /** Human-readable findings (first 50). */
  readonly violations: readonly string[];
}

/** A comparison of the same workload with and without kills. */
export interface LivenessReport {
  readonly mode: ChaosMode;
  readonly seed: number;
  readonly startup: StartupFlow;
  readonly actions: number;
  readonly paymentPath: string | undefined;
  readonly faults: FakeVenueFaults;
  readonly latencyMs: number;
  /** Who replays a stored 500 per key: the fake venue, the front (emulated), or nobody. */
  readonly storedErrorReplay: 'venue' | 'front' | 'none';
  readonly baseline: LivenessRunReport;
  readonly withKills: LivenessRunReport;
  /**
   * `withKills.activeMs / baseline.activeMs`; `Infinity` when either run did not finish,
   * so a comparison that did not complete can never pass a ratio bound.
   */
  readonly ratio: number;
  /** The same with wall times. */
  readonly wallRatio: number;
}

interface Resolved {
  readonly mode: ChaosMode;
  readonly seed: number;
  readonly startup: StartupFlow;
  readonly actions: number;
  readonly concurrency: number;
  readonly recoveryConcurrency: number;
  readonly faults: FakeVenueFaults;
  readonly killMinMs: number;
  readonly killMaxMs: number;
  readonly maxKills: number;
  readonly runBudgetMs: number;
  readonly maxPasses: number;
  readonly paymentPath: string;
  readonly latencyMs: number;
  readonly attemptTimeoutMs: number;
  readonly frontReplaysErrors: boolean;
  readonly storedErrorReplay: 'venue' | 'front' | 'none';
  readonly onProgress: ((progress: LivenessProgress) => void) | undefined;
}

/** Longest a replacement standby waits before it starts loading, in ms: below the shortest default kill delay. */
export const STANDBY_REFILL_DELAY_MS = 300;

const liveDirs = new Set<string>();

/**
 * SIGKILLs every driver still alive (of this harness and the safety harness) and removes
 * the ledger directories of unfinished runs, for `afterAll` and for an interrupted CLI.
 */
export async function killLivenessLeftovers(): Promise<number> {
  const killed = await killLeftoverChildren();
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
  return killed;
}

/** What the fake payments venue of this build does; see {@link detectVenueBehaviour}. */
export interface VenueBehaviour {
  /** `/v1/payment_intents` where the venue serves it, else `/v1/payments`. */
  readonly paymentPath: string;
  /** True when a write answered 500 after executing gets that 500 again on a same-key resend. */
  readonly replaysStoredErrors: boolean;
}

/**
 * Asks a throwaway fake payments venue (never a run's venue, so no run's fault draws
 * move) which write path it serves, and whether it keeps a 500 for a key: one write
 * under an `executeThen500` fault certainty, then the same write again.
 */
export async function detectVenueBehaviour(paymentPath?: string): Promise<VenueBehaviour> {
  const probe = await startFakeVenue({ mode: 'payments', faults: { executeThen500: 1 } });
  try {
    const post = (path: string): Promise<{ status: number }> =>
      axios.post(`${probe.url}${path}`, { amount: 1, currency: 'usd', businessId: 'probe' }, { headers: { 'Idempotency-Key': `probe${path}` }, validateStatus: () => true, timeout: 5_000 });
    let path = paymentPath;
    let firstWriteDone = false;
    if (path === undefined) {
      const intents = await post('/v1/payment_intents');
      firstWriteDone = intents.status !== 404;
      path = firstWriteDone ? '/v1/payment_intents' : '/v1/payments';
    }
    if (!firstWriteDone) await post(path);
    const again = await post(path);
    return { paymentPath: path, replaysStoredErrors: again.status >= 500 };
  } finally {
    await probe.close();
  }
}

/**
 * Runs the workload without kills, then with kills, audits both and compares their
 * times. Never throws for a finding: everything is in the report.
 *
 * @example
 * const report = await runLiveness({ mode: 'payments', seed: 1, startup: 'background', actions: 40 });
 * // report.withKills.audit.duplicates === 0, report.ratio <= 2
 */
export async function runLiveness(options: LivenessOptions): Promise<LivenessReport> {
  const [killMinMs, killMaxMs] = options.killIntervalMs ?? [500, 3_000];
  const positiveInt = (name: string, value: number, min: number): number => {
    if (!Number.isInteger(value) || value < min) throw new RangeError(`runLiveness: ${name} must be an integer >= ${min}`);
    return value;
  };
  if (!(killMinMs >= 0 && killMaxMs >= killMinMs)) throw new RangeError('runLiveness: killIntervalMs must be [min, max] with 0 <= min <= max');
  const latencyMs = options.latencyMs ?? 150;
  if (!Number.isInteger(latencyMs) || latencyMs < 0 || latencyMs > DRIVER_TIMING.settleDelayMs - 50) {
    throw new RangeError(`runLiveness: latencyMs must be an integer from 0 to ${DRIVER_TIMING.settleDelayMs - 50} (the exchange settle delay minus 50 ms)`);
  }
  const behaviour = options.mode === 'payments' ? await detectVenueBehaviour(options.paymentPath) : undefined;
  const wantReplay = options.replayStoredErrors ?? 'auto';
  const frontReplaysErrors = behaviour !== undefined && (wantReplay === true || (wantReplay === 'auto' && !behaviour.replaysStoredErrors));
  const r: Resolved = {
    mode: options.mode,
    seed: options.seed,
    startup: options.startup,
    actions: positiveInt('actions', options.actions ?? 200, 1),
    concurrency: positiveInt('concurrency', options.concurrency ?? 3, 1),
    recoveryConcurrency: positiveInt('recoveryConcurrency', options.recoveryConcurrency ?? 8, 1),
    faults: options.faults ?? DEFAULT_LIVENESS_FAULTS[options.mode],
    killMinMs,
    killMaxMs,
    maxKills: positiveInt('maxKills', options.maxKills ?? 50, 0),
    runBudgetMs: positiveInt('runBudgetMs', options.runBudgetMs ?? 180_000, 1),
    maxPasses: positiveInt('maxPasses', options.maxPasses ?? 5, 1),
    paymentPath: behaviour?.paymentPath ?? options.paymentPath ?? '/v1/payments',
    latencyMs,
    // Four round trips of headroom: a timeout must mean a lost answer, not a slow one.
    attemptTimeoutMs: Math.max(DRIVER_TIMING.attemptTimeoutMs, 8 * latencyMs + 200),
    frontReplaysErrors,
    storedErrorReplay: behaviour === undefined ? 'none' : behaviour.replaysStoredErrors ? 'venue' : frontReplaysErrors ? 'front' : 'none',
    onProgress: options.onProgress,
  };
  const standby = new StandbyPool(options.standbyProcesses ?? 3);
  try {
    const baseline = await runOnce(r, 'baseline', standby);
    const withKills = await runOnce(r, 'kills', standby);
    const complete = baseline.finished && withKills.finished && baseline.activeMs > 0;
    return {
      mode: r.mode,
      seed: r.seed,
      startup: r.startup,
      actions: r.actions,
      paymentPath: r.mode === 'payments' ? r.paymentPath : undefined,
      faults: r.faults,
      latencyMs: r.latencyMs,
      storedErrorReplay: r.storedErrorReplay,
      baseline,
      withKills,
      ratio: complete ? withKills.activeMs / baseline.activeMs : Number.POSITIVE_INFINITY,
      wallRatio: complete ? withKills.wallMs / baseline.wallMs : Number.POSITIVE_INFINITY,
    };
  } finally {
    await standby.close();
  }
}

/** True when a run finished with no duplicate, lost, wrongly failed, unstarted or settleable-but-unsettled action. */
export function isSoundRun(run: LivenessRunReport): boolean {
  const a = run.audit;
  return (
    run.finished &&
    run.driverErrors === 0 &&
    a.duplicates === 0 &&
    a.lost === 0 &&
    a.failedButExecuted === 0 &&
    a.notStarted === 0 &&
    a.unsettledSettleable === 0 &&
    a.extraIntents === 0 &&
    a.foreignExecutions === 0 &&
    run.violations.length === 0
  );
}

/** What the supervisor records about one driver process. */
interface ProcessRecord {
  readonly afterKill: boolean;
  openedAtMs?: number | undefined;
  readyAtMs?: number | undefined;
  /** Actions without an intent in the ledger when the driver opened it: its new work. */
  newActions?: number | undefined;
  firstSendAtMs?: number | undefined;
  firstNewSendAtMs?: number | undefined;
  recoveredAtMs?: number | undefined;
  recovery?: RecoveredReport;
  done: boolean;
  /** Parent-side ms from `go` to the end of the process. */
  lifetimeMs: number;
  killed: boolean;
  /** The driver said it cannot run at all (e.g. the startup flow is not available). */
  unusable: boolean;
}

/** Resolves with the promise's value, or `undefined` after `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<undefined>((done) => (timer = setTimeout(() => done(undefined), Math.max(0, ms))))]);
  } finally {
    clearTimeout(timer);
  }
}

async function runOnce(r: Resolved, run: 'baseline' | 'kills', standby: StandbyPool): Promise<LivenessRunReport> {
  const withKills = run === 'kills';
  const modeSalt = r.mode === 'exchange' ? 1 : 2;
  // The same venue seed for both runs: same fault probabilities and stream.
  const venue = await startFakeVenue({ mode: r.mode, seed: (r.seed * 7_919 + 100 + modeSalt) | 0, faults: r.faults, delayMs: r.attemptTimeoutMs + 100, retryAfterSeconds: 0 });
  const front = await startVenueFront({ upstream: venue.url, latencyMs: r.latencyMs, replayStoredErrors: r.frontReplaysErrors });
  const random = new SeededRandom((r.seed * 1_000_003 + 100 + modeSalt) | 0);
  const dir = mkdtempSync(join(tmpdir(), `intentkey-liveness-${r.mode}-`));
  liveDirs.add(dir);
  const ids = Array.from({ length: r.actions }, (_, i) => `${r.mode}-live-s${r.seed}-a${i}`);
  /** Actions some driver reported a final answer for: succeeded, failed for good, or ambiguous. */
  const answered = new Set<string>();
  /** Actions whose last final answer was an ambiguous outcome (handed to a person). */
  const ambiguous = new Set<string>();
  /** Key each action was first acknowledged with; every later acknowledgement must carry it. */
  const acknowledged = new Map<string, string>();
  const keyChanged = new Set<string>();
  const processes: ProcessRecord[] = [];
  const violations: string[] = [];
  const violation = (message: string): void => {
    if (violations.length < 50) violations.push(message);
  };
  const killPhases = { open: 0, recovery: 0, callsDuringRecovery: 0, calls: 0 };
  let kills = 0;
  let bootWaitMs = 0;
  let driverErrors = 0;
  let errorsInARow = 0;
  let staleLocksTakenOver = 0;
  let lockedOpens = 0;
  let leftUnanswered = 0;
  let finished = false;
  let budgetExhausted = false;
  const startedAt = performance.now();
  const deadlineAt = startedAt + r.runBudgetMs;
  let firstGoAt: number | undefined;
  let doneAt: number | undefined;

  try {
    // Bounded by the budget (checked before each process, and each process is killed at
    // the deadline) and by the count: kills stop at maxKills, driver errors end the run.
    const maxProcesses = r.maxKills + 5;
    for (let cycle = 0; cycle < maxProcesses && !finished; cycle++) {
      if (performance.now() >= deadlineAt) {
        budgetExhausted = true;
        break;
      }
      const driver = standby.take({ refill: false });
      const waitFrom = performance.now();
      const booted = await within(driver.booted, deadlineAt - waitFrom);
      if (firstGoAt === undefined) {
        // Before the first go: fill the pool and let it finish loading, so no start-up
        // competes with the first driver for the CPU.
        standby.refill();
        await within(standby.allBooted(), deadlineAt - performance.now());
      } else bootWaitMs += performance.now() - waitFrom;
      if (booted === undefined) {
        driver.kill();
        budgetExhausted = true;
        break;
      }
      if (!booted) {
        driverErrors++;
        violation(`${run}: a driver died while loading: ${driver.stderrTail}`);
        if (++errorsInARow >= 3) break;
        continue;
      }

      const todo = ids.filter((id) => !answered.has(id));
      const argv = [
        ...['--liveness', '--startup', r.startup, '--url', front.url, '--mode', r.mode, '--dir', dir, '--ids', todo.join(',')],
        ...['--concurrency', String(r.concurrency), '--recovery-concurrency', String(r.recoveryConcurrency), '--max-passes', String(r.maxPasses)],
        ...['--payment-path', r.paymentPath, '--attempt-timeout-ms', String(r.attemptTimeoutMs)],
      ];
      const previous = processes.at(-1);
      const record: ProcessRecord = { afterKill: previous?.killed ?? false, done: false, lifetimeMs: 0, killed: false, unusable: false };
      processes.push(record);
      let killTimer: NodeJS.Timeout | undefined;
      let refilled = false;
      const refill = (): void => {
        if (refilled) return;
        refilled = true;
        standby.refill();
      };
      const refillTimer = setTimeout(refill, STANDBY_REFILL_DELAY_MS);
      const goAt = performance.now();
      firstGoAt ??= goAt;
      driver.go(argv, {}, (m: DriverMessage) => {
        switch (m.type) {
          case 'opened':
            record.openedAtMs = m.atMs;
            return;
          case 'ready':
            record.readyAtMs = m.atMs;
            record.newActions = m.newActions;
            refill();
            return;
          case 'firstSend':
            record.firstSendAtMs = m.atMs;
            return;
          case 'firstNewSend':
            record.firstNewSendAtMs = m.atMs;
            return;
          case 'recovered':
            record.recoveredAtMs = m.atMs;
            record.recovery = m;
            return;
          case 'resolved': {
            answered.add(m.businessId);
            ambiguous.delete(m.businessId);
            const first = acknowledged.get(m.businessId);
            if (first === undefined) acknowledged.set(m.businessId, m.key);
            else if (first !== m.key) keyChanged.add(m.businessId);
            return;
          }
          case 'rejected':
            if (m.final === true) answered.add(m.businessId);
            if (m.final === true && m.ambiguous) ambiguous.add(m.businessId);
            return;
          case 'done':
            // The work is done: no kill after this point.
            clearTimeout(killTimer);
            record.done = true;
            doneAt = performance.now();
            leftUnanswered = m.unsettled?.length ?? 0;
            return;
          case 'fatal':
            if (m.code === 'NO_START_RECOVERY') record.unusable = true;
            violation(`${run}: driver fatal ${m.code}: ${m.message.split('\n')[0] ?? ''}`);
            return;
          case 'lockedOnOpen':
            lockedOpens++;
            return;
          case 'ledgerEvent':
            if (m.event.type === 'staleLockTakenOver') staleLocksTakenOver++;
            return;
          default:
            return;
        }
      });

      let harnessKilled = false;
      if (withKills && kills < r.maxKills) {
        const delayMs = r.killMinMs + random.next() * (r.killMaxMs - r.killMinMs);
        killTimer = setTimeout(() => {
          harnessKilled = driver.kill();
        }, delayMs);
      }
      let budgetKilled = false;
      const budgetTimer = setTimeout(() => {
        budgetKilled = driver.kill();
      }, deadlineAt - goAt);
      const end = await driver.closed;
      clearTimeout(killTimer);
      clearTimeout(budgetTimer);
      clearTimeout(refillTimer);
      refill();
      record.lifetimeMs = performance.now() - goAt;

      if (harnessKilled) {
        kills++;
        record.killed = true;
        if (record.openedAtMs === undefined) killPhases.open++;
        else if (record.readyAtMs === undefined) killPhases.recovery++;
        else if (record.recoveredAtMs === undefined) killPhases.callsDuringRecovery++;
        else killPhases.calls++;
      }
      if (record.done && (end.code === 0 || harnessKilled)) {
        finished = true;
        break;
      }
      if (budgetKilled) {
        budgetExhausted = true;
        break;
      }
      if (record.unusable) {
        driverErrors++;
        break;
      }
      if (!harnessKilled) {
        driverErrors++;
        violation(`${run}: driver exited with code ${String(end.code)} signal ${String(end.signal)} before done: ${driver.stderrTail}`);
        if (++errorsInARow >= 3) break;
      } else errorsInARow = 0;
    }
    const endAt = doneAt ?? performance.now();
    const wallMs = firstGoAt === undefined ? 0 : endAt - firstGoAt;
    if (!finished && !budgetExhausted && driverErrors === 0) violation(`${run}: stopped after ${processes.length} driver processes without finishing`);

    const audit = await auditRun(r, dir, ids, venue, acknowledged, keyChanged, violation);
    const stats = venue.stats();
    const report: LivenessRunReport = {
      run,
      finished,
      budgetExhausted,
      wallMs: Math.round(wallMs),
      bootWaitMs: Math.round(bootWaitMs),
      activeMs: Math.round(wallMs - bootWaitMs),
      processes: processes.length,
      kills,
      killPhases,
      coldFirstNewSendMs: processes[0]?.firstNewSendAtMs,
      restartFigures: restartFigures(processes.filter((p) => p.afterKill)),
      recovery: recoveryTotals(processes),
      leftUnanswered,
      answeredAmbiguous: ambiguous.size,
      staleLocksTakenOver,
      lockedOpens,
      driverErrors,
      venueWrites: stats.writes,
      faultsInjected: { ...stats.faultsInjected },
      front: front.stats(),
      audit,
      violations,
    };
    r.onProgress?.({ mode: r.mode, run, processes: processes.length, kills, answered: answered.size, actions: ids.length, elapsedMs: performance.now() - startedAt });
    return report;
  } finally {
    await front.close();
    await venue.close();
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}

/** Nearest-rank percentiles, rounded to 0.1 ms. */
export function distribution(values: readonly number[]): Distribution {
  if (values.length === 0) return { n: 0, p50: 0, p99: 0, max: 0 };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
  const round = (v: number): number => Math.round(v * 10) / 10;
  return { n: sorted.length, p50: round(rank(0.5)), p99: round(rank(0.99)), max: round(sorted[sorted.length - 1] ?? 0) };
}

function restartFigures(restarts: readonly ProcessRecord[]): RestartFigures {
  const values = (pick: (p: ProcessRecord) => number | undefined): number[] =>
    restarts.map(pick).filter((v): v is number => v !== undefined);
  const withoutNewSend = restarts.filter((p) => p.firstNewSendAtMs === undefined);
  const hadNoNewWork = (p: ProcessRecord): boolean => p.readyAtMs !== undefined && p.newActions === 0;
  const killedBefore = withoutNewSend.filter((p) => p.killed && !p.done && !hadNoNewWork(p));
  return {
    restarts: restarts.length,
    firstNewSendMs: distribution(values((p) => p.firstNewSendAtMs)),
    killedBeforeFirstNewSend: killedBefore.length,
    longestWithoutNewSendMs: Math.round(Math.max(0, ...killedBefore.map((p) => p.lifetimeMs))),
    noNewWork: withoutNewSend.filter(hadNoNewWork).length,
    openedMs: distribution(values((p) => p.openedAtMs)),
    firstSendMs: distribution(values((p) => p.firstSendAtMs)),
    readyMs: distribution(values((p) => p.readyAtMs)),
    recoveryMs: distribution(values((p) => (p.recoveredAtMs === undefined || p.openedAtMs === undefined ? undefined : p.recoveredAtMs - p.openedAtMs))),
    killedDuringRecovery: restarts.filter((p) => p.killed && p.recoveredAtMs === undefined).length,
  };
}

function recoveryTotals(processes: readonly ProcessRecord[]): RecoveryTotals {
  const reports = processes.map((p) => p.recovery).filter((m): m is RecoveredReport => m !== undefined);
  const sum = (pick: (m: RecoveredReport) => number): number => reports.reduce((s, m) => s + pick(m), 0);
  return {
    passes: reports.length,
    resumed: sum((m) => m.resumed),
    succeeded: sum((m) => m.succeeded),
    reconciledFound: sum((m) => m.reconciledFound),
    resent: sum((m) => m.resent),
    failed: sum((m) => m.failed),
    needsAttention: sum((m) => m.needsAttention.length),
    parked: sum((m) => m.parked ?? 0),
  };
}

/** Opens a finished run's ledger; retries the lock's grace period after a driver killed mid-write. */
async function openForAudit(dir: string): Promise<FileLedger> {
  const giveUpAt = performance.now() + 5_000;
  for (;;) {
    try {
      return await FileLedger.open({ dir });
    } catch (error) {
      if (!(isIntentError(error) && error.code === 'ERR_LEDGER_LOCKED') || performance.now() > giveUpAt) throw error;
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

async function auditRun(
  r: Resolved,
  dir: string,
  ids: readonly string[],
  venue: FakeVenue,
  acknowledged: ReadonlyMap<string, string>,
  keyChanged: ReadonlySet<string>,
  violation: (message: string) => void,
): Promise<LivenessAudit> {
  const counts = { executedOnce: 0, duplicates: 0, lost: 0, succeeded: 0, failed: 0, failedButExecuted: 0, notStarted: 0, unsettled: 0, unsettledSettleable: 0 };
  const unsettledByStatus: Record<string, number> = {};
  const workload = new Set(ids);
  let foreignExecutions = 0;
  for (const [businessId, n] of venue.executions()) {
    if (!workload.has(businessId)) {
      foreignExecutions += n;
      violation(`${n} execution(s) of ${businessId}, which is not in the workload`);
    }
  }
  let ledger: FileLedger;
  try {
    ledger = await openForAudit(dir);
  } catch (error) {
    violation(`the ledger of the run does not open: ${error instanceof Error ? error.message : String(error)}`);
    return { actions: ids.length, ...counts, lost: ids.length, unsettledByStatus, extraIntents: 0, foreignExecutions };
  }
  let found = 0;
  try {
    // A client that never sends: it only rebuilds each action's intent id.
    const { intentIdOf } = createChaosCalls(axios.create({ baseURL: 'http://127.0.0.1:9' }), ledger, { mode: r.mode, paddingBytes: 0, paymentPath: r.paymentPath });
    for (const id of ids) {
      const executions = venue.executionsOf(id);
      if (executions === 1) counts.executedOnce++;
      if (executions > 1) {
        counts.duplicates += executions - 1;
        violation(`${id} executed ${executions} times`);
      }
      const record = await ledger.get(intentIdOf(id));
      const lose = (why: string): void => {
        counts.lost++;
        violation(`lost ${id}: ${why}`);
      };
      if (record === undefined) {
        if (executions > 0) lose(`executed ${executions} time(s), but the ledger has no intent for it`);
        else counts.notStarted++;
        if (acknowledged.has(id)) lose('acknowledged as succeeded, but the ledger has no intent for it');
        continue;
      }
      found++;
      const ackKey = acknowledged.get(id);
      if (ackKey !== undefined && (record.status !== 'succeeded' || record.key !== ackKey || keyChanged.has(id))) {
        lose(`acknowledged as succeeded under key ${ackKey}, the ledger says ${record.status} under ${record.key}`);
      }
      if (record.status === 'succeeded') {
        counts.succeeded++;
        if (executions === 0) lose('succeeded in the ledger, never executed at the venue');
      } else if (record.status === 'failed') {
        if (executions === 0) counts.failed++;
        else {
          counts.failedButExecuted++;
          violation(`${id} is failed in the ledger but executed ${executions} time(s)`);
        }
      } else if (!TERMINAL_STATUSES.has(record.status)) {
        counts.unsettled++;
        unsettledByStatus[record.status] = (unsettledByStatus[record.status] ?? 0) + 1;
        if (executions <= 1) {
          counts.unsettledSettleable++;
          violation(`${id} left ${record.status} (attempt ${record.attempt}) although the venue executed it ${executions} time(s): ${record.outcome?.reason ?? 'no outcome'}`);
        }
      }
    }
    const extraIntents = Math.max(0, ledger.size - found);
    if (extraIntents > 0) violation(`the ledger holds ${extraIntents} intent(s) outside the workload`);
    return { actions: ids.length, ...counts, unsettledByStatus, extraIntents, foreignExecutions };
  } finally {
    await ledger.close();
  }
}

// ---------------------------------------------------------------------------------
// Output

const ms = (v: number): string => (Number.isFinite(v) ? `${Math.round(v)}` : 'n/a');
const dist = (d: Distribution): string => (d.n === 0 ? 'n/a (0)' : `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)} (${d.n})`);

/** A table of one or more comparisons, one column per run. */
export function formatLivenessReports(reports: readonly LivenessReport[]): string {
  const columns = reports.flatMap((rep) => [
    { rep, run: rep.baseline, label: `${rep.mode} s${rep.seed} no kills` },
    { rep, run: rep.withKills, label: `${rep.mode} s${rep.seed} kills` },
  ]);
  type Column = (typeof columns)[number];
  const row = (label: string, pick: (c: Column) => string | number): string[] => [label, ...columns.map((c) => String(pick(c)))];
  const rows: string[][] = [
    ['', ...columns.map((c) => c.label)],
    row('startup flow', (c) => c.rep.startup),
    row('actions', (c) => c.rep.actions),
    row('latency one way (ms) / stored 500 replayed by', (c) => `${c.rep.latencyMs} / ${c.rep.storedErrorReplay}`),
    row('finished (budget spent)', (c) => `${c.run.finished ? 'yes' : 'NO'}${c.run.budgetExhausted ? ' (yes)' : ''}`),
    row('driver processes / kills', (c) => `${c.run.processes} / ${c.run.kills}`),
    row('kills in open / recovery / calls+recovery / calls', (c) => `${c.run.killPhases.open} / ${c.run.killPhases.recovery} / ${c.run.killPhases.callsDuringRecovery} / ${c.run.killPhases.calls}`),
    row('wall time (s)', (c) => (c.run.wallMs / 1000).toFixed(1)),
    row('waiting for a loaded standby (s)', (c) => (c.run.bootWaitMs / 1000).toFixed(1)),
    row('active time (s)', (c) => (c.run.activeMs / 1000).toFixed(1)),
    row('ratio kills / no kills (active; wall)', (c) => (c.run.run === 'kills' ? `${c.rep.ratio.toFixed(2)}; ${c.rep.wallRatio.toFixed(2)}` : '')),
    row('first driver: go -> first new send (ms)', (c) => (c.run.coldFirstNewSendMs === undefined ? 'n/a' : ms(c.run.coldFirstNewSendMs))),
    row('restarts', (c) => c.run.restartFigures.restarts),
    row('restart go -> first new send p50/p99/max (n)', (c) => dist(c.run.restartFigures.firstNewSendMs)),
    row('  killed before a new send (longest ms)', (c) => `${c.run.restartFigures.killedBeforeFirstNewSend} (${c.run.restartFigures.longestWithoutNewSendMs})`),
    row('  had nothing new to send', (c) => c.run.restartFigures.noNewWork),
    row('restart go -> ledger open', (c) => dist(c.run.restartFigures.openedMs)),
    row('restart go -> first send of any kind', (c) => dist(c.run.restartFigures.firstSendMs)),
    row('restart go -> ready', (c) => dist(c.run.restartFigures.readyMs)),
    row('restart time in recovery', (c) => dist(c.run.restartFigures.recoveryMs)),
    row('  killed during recovery', (c) => c.run.restartFigures.killedDuringRecovery),
    row('recovery passes: resumed / succeeded / found / resent', (c) => `${c.run.recovery.resumed} / ${c.run.recovery.succeeded} / ${c.run.recovery.reconciledFound} / ${c.run.recovery.resent}`),
    row('recovery passes: failed / needs attention / parked', (c) => `${c.run.recovery.failed} / ${c.run.recovery.needsAttention} / ${c.run.recovery.parked}`),
    row('venue writes (faults)', (c) => `${c.run.venueWrites} (${Object.entries(c.run.faultsInjected).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(', ') || 'none'})`),
    row('stored 500s replayed by the front', (c) => c.run.front.replayedErrors),
    row('executed once', (c) => c.run.audit.executedOnce),
    row('duplicates', (c) => c.run.audit.duplicates),
    row('lost', (c) => c.run.audit.lost),
    row('succeeded / failed / failed but executed', (c) => `${c.run.audit.succeeded} / ${c.run.audit.failed} / ${c.run.audit.failedButExecuted}`),
    row('not started', (c) => c.run.audit.notStarted),
    row('unsettled (settleable)', (c) => `${c.run.audit.unsettled} (${c.run.audit.unsettledSettleable})`),
    row('unsettled by status', (c) => Object.entries(c.run.audit.unsettledByStatus).map(([k, n]) => `${k} ${n}`).join(', ') || '-'),
    row('answered ambiguous to the bot / left unanswered', (c) => `${c.run.answeredAmbiguous} / ${c.run.leftUnanswered}`),
    row('stale locks taken over / opens refused as locked', (c) => `${c.run.staleLocksTakenOver} / ${c.run.lockedOpens}`),
    row('driver errors', (c) => c.run.driverErrors),
  ];
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join('   ')).join('\n');
}

/** One line per comparison, for test logs. */
export function summariseLiveness(report: LivenessReport): string {
  const k = report.withKills;
  const b = report.baseline;
  const f = k.restartFigures;
  return (
    `${report.mode} seed ${report.seed} ${report.startup}, ${report.actions} actions: ` +
    `no kills ${(b.activeMs / 1000).toFixed(1)} s${b.finished ? '' : ' (NOT finished)'}, ` +
    `${k.kills} kills ${(k.activeMs / 1000).toFixed(1)} s active / ${(k.wallMs / 1000).toFixed(1)} s wall${k.finished ? '' : ' (NOT finished)'}, ratio ${report.ratio.toFixed(2)}; ` +
    `restart go->first new send p50/p99/max ${dist(f.firstNewSendMs)} ms, ${f.killedBeforeFirstNewSend} killed before one; ` +
    `recovery ${dist(f.recoveryMs)} ms; duplicates ${k.audit.duplicates}, lost ${k.audit.lost}, unsettled ${k.audit.unsettled} (settleable ${k.audit.unsettledSettleable}), not started ${k.audit.notStarted}` +
    (k.violations.length + b.violations.length > 0 ? `; first finding: ${[...b.violations, ...k.violations][0] ?? ''}` : '')
  );
}
