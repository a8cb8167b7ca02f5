/**
 * Parent side of the SIGKILL chaos test (B3).
 *
 * The fake venue runs here, in the parent, so it survives every kill and counts every
 * execution per business id. A "run" is one workload: a fresh ledger directory and a
 * handful of business actions. The harness starts the driver (test/chaos/driver.ts) on
 * it, SIGKILLs it after a seeded random delay, starts it again, and so on until a
 * driver reports `done`; then it audits the run against the venue and the ledger:
 *
 * - duplicates: executions beyond the first for any business id (must be 0);
 * - lost: an action the driver reported as succeeded that is not `succeeded` in the
 *   ledger, not executed exactly once, or whose key changed; an action that ends
 *   neither succeeded, failed nor flagged for a person; a missing ledger record;
 * - orphans: an execution the ledger does not account for (an id outside the workload,
 *   a record that is not `succeeded` or flagged, or, on the exchange, no order under
 *   the key the ledger holds).
 *
 * The seed fixes the venue's fault draws, the kill delays and the fail point choices;
 * what a given delay hits still depends on timing, so two runs with one seed are alike,
 * not identical.
 *
 * Restarts are cheap because the next driver is started ahead of time and waits for a
 * `go` message (`--wait-for-go`); it touches the ledger only after the previous
 * process has exited, so the lock handover is the real one (stale-lock takeover).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { FileLedger, type IntentRecord } from '../../src/index.js';
import { TERMINAL_STATUSES } from '../../src/ledger/index.js';
import { SeededRandom, startFakeVenue, type FakeVenue, type FakeVenueFaults } from '../../src/testing/index.js';
import { DRIVER_TIMING, FAILPOINTS, type ChaosMode, type ChaosProtection, type DriverMessage, type FailpointName, type GoMessage } from './driver.js';
import { killAndWait } from '../helpers/processes.js';

export { CHAOS_PROTECTION, type ChaosProtection } from './driver.js';
export { FAILPOINTS, type ChaosMode, type FailpointName };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const driverPath = fileURLToPath(new URL('./driver.ts', import.meta.url));

/** Smallest base kill window, in ms: below it nearly every kill lands while the ledger opens. */
const KILL_WINDOW_FLOOR_MS = 60;

/** Faults of the fake venue during chaos runs: modest, so kills stay the main hazard. */
export const DEFAULT_CHAOS_FAULTS: FakeVenueFaults = Object.freeze({
  executeThenDrop: 0.04,
  executeThen500: 0.04,
  reject503: 0.03,
  delay: 0.03,
  rateLimit: 0.03,
});

/**
 * Faults for the runs with client protection: about three times the failures of
 * {@link DEFAULT_CHAOS_FAULTS} (a write fails in a little over a third of the draws), so
 * that the breakers (2 failures in a row) open and the retry budgets run dry in every
 * run, while most writes still succeed.
 */
export const PROTECTION_CHAOS_FAULTS: FakeVenueFaults = Object.freeze({
  executeThenDrop: 0.1,
  executeThen500: 0.1,
  reject503: 0.12,
  delay: 0.05,
  rateLimit: 0.03,
});

/**
 * Hold time of the venue's `delay` fault, in ms: longer than the driver's attempt
 * timeout, so a delayed answer is a timeout after execution (the classic unknown).
 */
export const CHAOS_VENUE_DELAY_MS = DRIVER_TIMING.attemptTimeoutMs + 100;

/** Options of {@link runChaos}. */
export interface ChaosOptions {
  /**
   * Kills to inflict: harness SIGKILLs at random times, or, with `failpoint`, deaths at
   * that fail point. With `mode: 'both'` they are split between the two modes.
   */
  readonly kills: number;
  readonly mode: ChaosMode | 'both';
  /** Seed of kill delays, fail point choices and venue faults. */
  readonly seed: number;
  /** Run the naive axios-retry bot instead of intentkey (negative control). @default false */
  readonly naive?: boolean;
  /** Kill at this named moment instead of at random times. @default none */
  readonly failpoint?: FailpointName;
  /** Business actions per run (per ledger). @default 16 */
  readonly actionsPerRun?: number;
  /** Calls in flight at once in the driver. @default 3 */
  readonly concurrency?: number;
  /** Most kills per run; then the run is left to finish. @default 50 */
  readonly maxKillsPerRun?: number;
  /** Fail point deaths per run (fail point mode). @default 2 */
  readonly failpointKillsPerRun?: number;
  /** Clean restarts a run may need after its last kill before it counts as not converged. @default 5 */
  readonly maxCleanCycles?: number;
  /**
   * Wall-time budget, in ms. When spent, no more kills are armed, the current run is
   * finished and audited, and the report says `budgetExhausted`. @default 1800000 (30 min)
   */
  readonly timeBudgetMs?: number;
  /** Longest one driver process may live, in ms; then it is killed and counted as hung. @default 60000 */
  readonly cycleTimeoutMs?: number;
  /**
   * Upper bound of the uniform kill delay, in ms, counted from the moment the driver is
   * told to start (after module loading). After a kill that settled nothing new the
   * window grows by half, so a run always makes progress; the next kill that lands
   * after progress resets it to the base. The base starts here, shrinks when a driver
   * finishes before its kill (the window is longer than the work) and grows a little
   * after a kill before any progress. @default 500
   */
  readonly killWindowMs?: number;
  /** Largest the kill window grows to, in ms. @default 5000 */
  readonly killWindowMaxMs?: number;
  /**
   * Ledger compaction threshold of the driver, in bytes. Small, so that compactions
   * (snapshot write, rename, old-generation delete) happen during runs and kills land
   * in them. @default 16384
   */
  readonly compactAfterBytes?: number;
  /**
   * Largest filler stored with each intent's input, in bytes (never sent). Large values
   * make large ledger records, the torn-tail variant B3.3. Keep it under 1 MiB minus a
   * few hundred bytes: the file ledger's record limit is 1 MiB, and a larger record
   * currently escapes as a `RangeError` and damages the log (reported as a product
   * bug), which this harness then reports as violations. @default 0
   */
  readonly paddingBytes?: number;
  /** Venue fault probabilities. @default {@link DEFAULT_CHAOS_FAULTS} */
  readonly faults?: FakeVenueFaults;
  /**
   * Run the intentkey driver with client protection (`CHAOS_PROTECTION` in driver.ts).
   * The audit then also accepts an action the breaker kept from being placed: refused
   * with `CircuitOpenError` (`recorded: false`) in its last call, with no record in the
   * ledger and no execution at the venue (counted in `notPlaced`). @default off
   */
  readonly protection?: ChaosProtection;
  /** Retry-After of the venue's 429s, in seconds. @default 0 */
  readonly retryAfterSeconds?: number;
  /**
   * Driver processes kept started and waiting, so a restart does not wait for module
   * loading. Each waits for `go` before it touches the ledger. @default 2
   */
  readonly standbyProcesses?: number;
  /** Progress callback, called after every run. */
  readonly onProgress?: (progress: ChaosProgress) => void;
}

/** Progress after one run. */
export interface ChaosProgress {
  readonly mode: ChaosMode;
  readonly runs: number;
  readonly kills: number;
  readonly targetKills: number;
  readonly cycles: number;
  readonly elapsedMs: number;
}

/** Audit of one mode. Counts are over all runs of that mode. */
export interface ChaosModeReport {
  readonly mode: ChaosMode;
  readonly naive: boolean;
  readonly failpoint: FailpointName | undefined;
  /** SIGKILLs that ended a driver: sent by the harness, or by the driver at a fail point. */
  readonly kills: number;
  readonly harnessKills: number;
  readonly failpointKills: number;
  /** Workloads (ledgers). */
  readonly runs: number;
  /** Driver processes started (each run: kills + clean finish). */
  readonly cycles: number;
  readonly businessActions: number;
  /** Executions at the venue. */
  readonly executions: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly orphans: number;
  /** Distinct actions the driver reported as succeeded (the oracle's acknowledgements). */
  readonly reportedSucceeded: number;
  /** Final ledger states. */
  readonly succeeded: number;
  readonly failed: number;
  /** Left unknown/in flight/pending and flagged for a person. */
  readonly needsAttention: number;
  /**
   * With protection: actions whose last call the breaker refused before anything was
   * written (`CircuitOpenError`, `recorded: false`), with no ledger record and no
   * execution: not placed, for the bot to place again. Accounted, not lost.
   */
  readonly notPlaced: number;
  /** With protection: breakers that opened, requests held back, and calls the bot made again after protection held one back (as the drivers reported them; a kill may lose a few). */
  readonly protection: { readonly breakerOpens: number; readonly held: number; readonly calledAgain: number };
  /** Results returned from the ledger without a network call after a restart. */
  readonly replays: number;
  /** Intents `recover()` resumed, and how many of those it settled by lookup or resend. */
  readonly recoverResumed: number;
  readonly recoverReconciledFound: number;
  readonly recoverResent: number;
  readonly tornTailsRepaired: number;
  readonly staleLocksTakenOver: number;
  /** Compactions the drivers reported as finished (kills may land inside others). */
  readonly compactions: number;
  /**
   * Opens refused with `LedgerLockedError` although the previous holder was dead: a
   * process killed between creating the lock (or takeover guard) file and writing it
   * leaves an empty file, which the lock treats as "being written" for 2 s. The driver
   * retries as the error says; these are counted, not hidden.
   */
  readonly lockedOpens: number;
  /** Longest such wait until the open succeeded, in ms. */
  readonly maxLockedWaitMs: number;
  /** Ledger opens that failed for good (must be 0). */
  readonly unrecoverableOpens: number;
  /** Driver processes that died on their own (not by SIGKILL). */
  readonly driverErrors: number;
  readonly hung: number;
  /** Runs that did not finish within `maxCleanCycles` clean restarts after their last kill. */
  readonly nonConverged: number;
  /** Most clean restarts any run needed after its last kill. */
  readonly maxCleanCycles: number;
  readonly meanKillDelayMs: number;
  /**
   * Where kills landed: before the ledger was open (lock, replay, repair), during
   * `recover()`, or while calls were being placed.
   */
  readonly killPhases: { readonly open: number; readonly recover: number; readonly calls: number };
  /**
   * Mean time a restart waited for the next driver process to finish loading, in ms:
   * the part of a process start that the standby processes could not hide.
   */
  readonly meanBootWaitMs: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
  readonly budgetExhausted: boolean;
  readonly elapsedMs: number;
  /** Human-readable violations (first 50). */
  readonly violations: readonly string[];
}

/** What {@link runChaos} returns: one report per mode and their sums. */
export interface ChaosReport extends Omit<ChaosModeReport, 'mode' | 'faultsInjected'> {
  readonly mode: ChaosMode | 'both';
  readonly seed: number;
  readonly byMode: readonly ChaosModeReport[];
}

// ---------------------------------------------------------------------------------
// Driver processes

const liveChildren = new Set<ChildProcess>();
const liveDirs = new Set<string>();

/**
 * SIGKILLs every driver this module started that is still alive and removes the ledger
 * directories of unfinished runs (for `afterAll` and for a CLI interrupted by Ctrl-C).
 * Returns how many drivers it killed.
 */
export async function killLeftoverChildren(): Promise<number> {
  const killed = await killAndWait(liveChildren);
  for (const dir of liveDirs) rmSync(dir, { recursive: true, force: true });
  liveDirs.clear();
  return killed;
}

interface CycleEnd {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One driver process, started ahead of use and waiting for `go`. */
class DriverProcess {
  readonly child: ChildProcess;
  readonly booted: Promise<boolean>;
  readonly closed: Promise<CycleEnd>;
  readonly messages: DriverMessage[] = [];
  #stderr = '';
  #onMessage: ((message: DriverMessage) => void) | undefined;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', driverPath, '--wait-for-go'], {
      cwd: repoRoot,
      env: { ...process.env, INTENTKEY_CHAOS_FAILPOINT: '', INTENTKEY_CHAOS_FAILPOINT_N: '' },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    liveChildren.add(this.child);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    // 'close' comes after the exit and after the IPC channel is drained, so every
    // message the driver wrote before it died has been delivered by then.
    this.closed = new Promise<CycleEnd>((done) => {
      this.child.once('close', (code, signal) => {
        liveChildren.delete(this.child);
        done({ code, signal });
      });
    });
    this.booted = new Promise<boolean>((done) => {
      this.child.on('message', (message: DriverMessage) => {
        if (message.type === 'booted') {
          done(true);
          return;
        }
        this.messages.push(message);
        this.#onMessage?.(message);
      });
      void this.closed.then(() => done(false));
    });
  }

  get stderrTail(): string {
    return this.#stderr.trim().split('\n').slice(-6).join('\n');
  }

  go(argv: readonly string[], env: Record<string, string>, onMessage: (message: DriverMessage) => void): void {
    this.#onMessage = onMessage;
    const message: GoMessage = { type: 'go', argv, env };
    this.child.send(message);
  }

  kill(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null && this.child.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------
// Runs

interface ActionState {
  intentId: string | undefined;
  /** Key first reported with a success; every later report must carry the same. */
  succeededKey: string | undefined;
  keyChanged: boolean;
  /** Flagged for a person in the final cycle (ambiguous call or recover's list). */
  flagged: boolean;
  /** The final cycle's last call was refused by the breaker with nothing written (`CircuitOpenError`, `recorded: false`). */
  notPlaced: boolean;
  lastRejection: string | undefined;
}

interface ModeCounters {
  kills: number;
  harnessKills: number;
  failpointKills: number;
  runs: number;
  cycles: number;
  businessActions: number;
  lost: number;
  orphans: number;
  reportedSucceeded: number;
  succeeded: number;
  failed: number;
  needsAttention: number;
  notPlaced: number;
  protection: { breakerOpens: number; held: number; calledAgain: number };
  replays: number;
  recoverResumed: number;
  recoverReconciledFound: number;
  recoverResent: number;
  tornTailsRepaired: number;
  staleLocksTakenOver: number;
  compactions: number;
  lockedOpens: number;
  maxLockedWaitMs: number;
  unrecoverableOpens: number;
  driverErrors: number;
  hung: number;
  nonConverged: number;
  maxCleanCycles: number;
  killDelaySumMs: number;
  bootWaitSumMs: number;
  killPhases: { open: number; recover: number; calls: number };
  violations: string[];
}

const newCounters = (): ModeCounters => ({
  kills: 0,
  harnessKills: 0,
  failpointKills: 0,
  runs: 0,
  cycles: 0,
  businessActions: 0,
  lost: 0,
  orphans: 0,
  reportedSucceeded: 0,
  succeeded: 0,
  failed: 0,
  needsAttention: 0,
  notPlaced: 0,
  protection: { breakerOpens: 0, held: 0, calledAgain: 0 },
  replays: 0,
  recoverResumed: 0,
  recoverReconciledFound: 0,
  recoverResent: 0,
  tornTailsRepaired: 0,
  staleLocksTakenOver: 0,
  compactions: 0,
  lockedOpens: 0,
  maxLockedWaitMs: 0,
  unrecoverableOpens: 0,
  driverErrors: 0,
  hung: 0,
  nonConverged: 0,
  maxCleanCycles: 0,
  killDelaySumMs: 0,
  bootWaitSumMs: 0,
  killPhases: { open: 0, recover: 0, calls: 0 },
  violations: [],
});

interface Resolved {
  readonly actionsPerRun: number;
  readonly concurrency: number;
  readonly maxKillsPerRun: number;
  readonly failpointKillsPerRun: number;
  readonly maxCleanCycles: number;
  readonly timeBudgetMs: number;
  readonly cycleTimeoutMs: number;
  readonly killWindowMs: number;
  readonly killWindowMaxMs: number;
  readonly faults: FakeVenueFaults;
  readonly retryAfterSeconds: number;
  readonly standbyProcesses: number;
  readonly compactAfterBytes: number;
  readonly paddingBytes: number;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function violation(c: ModeCounters, message: string): void {
  if (c.violations.length < 50) c.violations.push(message);
}

/**
 * Runs the B3 chaos loop and audits it. Never throws for a violation: every finding is
 * counted and described in the report, so a caller can print the whole picture.
 *
 * @example
 * const report = await runChaos({ kills: 300, mode: 'both', seed: 1 });
 * // report.duplicates, report.lost and report.orphans must all be 0
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const resolved: Resolved = {
    actionsPerRun: options.actionsPerRun ?? 16,
    concurrency: options.concurrency ?? 3,
    maxKillsPerRun: options.maxKillsPerRun ?? 50,
    failpointKillsPerRun: options.failpointKillsPerRun ?? 2,
    maxCleanCycles: options.maxCleanCycles ?? 5,
    timeBudgetMs: options.timeBudgetMs ?? 30 * 60_000,
    cycleTimeoutMs: options.cycleTimeoutMs ?? 60_000,
    killWindowMs: options.killWindowMs ?? 500,
    killWindowMaxMs: options.killWindowMaxMs ?? 5_000,
    faults: options.faults ?? DEFAULT_CHAOS_FAULTS,
    retryAfterSeconds: options.retryAfterSeconds ?? 0,
    standbyProcesses: options.standbyProcesses ?? 2,
    compactAfterBytes: options.compactAfterBytes ?? 16_384,
    paddingBytes: options.paddingBytes ?? 0,
  };
  if (!Number.isInteger(options.kills) || options.kills < 0) throw new RangeError('runChaos: kills must be a non-negative integer');
  const startedAt = Date.now();
  const deadlineAt = startedAt + resolved.timeBudgetMs;
  const modes: ChaosMode[] = options.mode === 'both' ? ['exchange', 'payments'] : [options.mode];
  const reports: ChaosModeReport[] = [];
  const standby = new StandbyPool(resolved.standbyProcesses);
  try {
    for (const [i, mode] of modes.entries()) {
      // Split the kills; the first mode takes the odd one.
      const share = Math.ceil((options.kills - reports.reduce((s, r) => s + r.kills, 0)) / (modes.length - i));
      reports.push(await runMode(mode, share, options, resolved, deadlineAt, standby));
    }
  } finally {
    await standby.close();
  }
  return combine(options, reports, Date.now() - startedAt);
}

/**
 * Keeps `size` driver processes started and booting while the current one works:
 * loading the driver under tsx costs most of a second of CPU, more than most cycles.
 * Also used by the liveness harness (liveness.ts).
 */
export class StandbyPool {
  readonly #size: number;
  readonly #ready: DriverProcess[] = [];

  constructor(size: number) {
    this.#size = size;
  }

  /**
   * The next process (a new one when none waits). The pool starts replacements at once,
   * or, with `refill: false`, only when {@link refill} is called: the liveness harness
   * starts them a little later, so their loading does not compete for the CPU with the
   * first moments of the process just taken.
   */
  take(options: { readonly refill?: boolean } = {}): DriverProcess {
    const current = this.#ready.shift() ?? new DriverProcess();
    if (options.refill !== false) this.refill();
    return current;
  }

  /** Starts processes until the pool holds its size again. */
  refill(): void {
    while (this.#ready.length < this.#size) this.#ready.push(new DriverProcess());
  }

  /** Resolves once every process waiting in the pool has finished loading (or died). */
  async allBooted(): Promise<void> {
    await Promise.all(this.#ready.map((d) => d.booted));
  }

  async close(): Promise<void> {
    const idle = this.#ready.splice(0);
    for (const d of idle) d.kill();
    await Promise.all(idle.map((d) => d.closed));
  }
}

async function runMode(
  mode: ChaosMode,
  targetKills: number,
  options: ChaosOptions,
  resolved: Resolved,
  deadlineAt: number,
  standby: StandbyPool,
): Promise<ChaosModeReport> {
  const startedAt = Date.now();
  const naive = options.naive ?? false;
  // Distinct streams per mode so 'both' is not two copies of one schedule.
  const random = new SeededRandom((options.seed * 1_000_003 + (mode === 'exchange' ? 1 : 2)) | 0);
  const venue = await startFakeVenue({
    mode,
    seed: (options.seed * 7_919 + (mode === 'exchange' ? 11 : 13)) | 0,
    faults: resolved.faults,
    delayMs: CHAOS_VENUE_DELAY_MS,
    retryAfterSeconds: resolved.retryAfterSeconds,
  });
  const c = newCounters();
  const baseWindowMs = { value: resolved.killWindowMs };
  const workload = new Set<string>();
  let budgetExhausted = false;
  try {
    // Bounded by count and by the time budget; a run that ends without a kill shrinks
    // the kill window, so runs without kills do not go on for long.
    const maxRuns = Math.max(1, targetKills) * 2 + 10;
    for (let run = 0; run < maxRuns; run++) {
      if (Date.now() >= deadlineAt) {
        budgetExhausted = c.kills < targetKills;
        break;
      }
      if (run > 0 && c.kills >= targetKills) break;
      const ids = Array.from({ length: resolved.actionsPerRun }, (_, i) => `${mode}-s${options.seed}-r${run}-a${i}`);
      for (const id of ids) workload.add(id);
      await runOne({ mode, naive, ids, venue, random, c, resolved, options, targetKills, deadlineAt, standby, baseWindowMs });
      options.onProgress?.({ mode, runs: c.runs, kills: c.kills, targetKills, cycles: c.cycles, elapsedMs: Date.now() - startedAt });
    }
    if (c.kills < targetKills && Date.now() >= deadlineAt) budgetExhausted = true;

    // Every execution must belong to this workload (ids outside it are orphans by definition).
    for (const [businessId, n] of venue.executions()) {
      if (!workload.has(businessId)) {
        c.orphans += n;
        violation(c, `${mode}: ${n} execution(s) of unknown business id ${businessId}`);
      }
    }
    const stats = venue.stats();
    if (stats.duplicates > 0) violation(c, `${mode}: ${stats.duplicates} duplicate execution(s) at the venue`);
    return {
      mode,
      naive,
      failpoint: options.failpoint,
      kills: c.kills,
      harnessKills: c.harnessKills,
      failpointKills: c.failpointKills,
      runs: c.runs,
      cycles: c.cycles,
      businessActions: c.businessActions,
      executions: stats.executions,
      duplicates: stats.duplicates,
      lost: c.lost,
      orphans: c.orphans,
      reportedSucceeded: c.reportedSucceeded,
      succeeded: c.succeeded,
      failed: c.failed,
      needsAttention: c.needsAttention,
      notPlaced: c.notPlaced,
      protection: { ...c.protection },
      replays: c.replays,
      recoverResumed: c.recoverResumed,
      recoverReconciledFound: c.recoverReconciledFound,
      recoverResent: c.recoverResent,
      tornTailsRepaired: c.tornTailsRepaired,
      staleLocksTakenOver: c.staleLocksTakenOver,
      compactions: c.compactions,
      lockedOpens: c.lockedOpens,
      maxLockedWaitMs: c.maxLockedWaitMs,
      unrecoverableOpens: c.unrecoverableOpens,
      driverErrors: c.driverErrors,
      hung: c.hung,
      nonConverged: c.nonConverged,
      maxCleanCycles: c.maxCleanCycles,
      meanKillDelayMs: c.harnessKills === 0 ? 0 : Math.round(c.killDelaySumMs / c.harnessKills),
      killPhases: { ...c.killPhases },
      meanBootWaitMs: c.cycles === 0 ? 0 : Math.round(c.bootWaitSumMs / c.cycles),
      faultsInjected: { ...stats.faultsInjected },
      budgetExhausted,
      elapsedMs: Date.now() - startedAt,
      violations: [...c.violations],
    };
  } finally {
    await venue.close();
  }
}

interface RunContext {
  readonly mode: ChaosMode;
  readonly naive: boolean;
  readonly ids: readonly string[];
  readonly venue: FakeVenue;
  readonly random: SeededRandom;
  readonly c: ModeCounters;
  readonly resolved: Resolved;
  readonly options: ChaosOptions;
  readonly targetKills: number;
  readonly deadlineAt: number;
  readonly standby: StandbyPool;
  /** Base kill window, carried from run to run of a mode. */
  readonly baseWindowMs: { value: number };
}

/** One workload: kill/restart until a driver reports done, then audit. */
async function runOne(ctx: RunContext): Promise<void> {
  const { mode, naive, ids, venue, random, c, resolved, options } = ctx;
  const dir = mkdtempSync(join(tmpdir(), `intentkey-chaos-${mode}-`));
  liveDirs.add(dir);
  const actions = new Map<string, ActionState>(ids.map((id) => [id, { intentId: undefined, succeededKey: undefined, keyChanged: false, flagged: false, notPlaced: false, lastRejection: undefined }]));
  const seenSucceeded = new Set<string>();
  let baseWindowMs = ctx.baseWindowMs.value;
  let killWindowMs = baseWindowMs;
  let killsThisRun = 0;
  let failpointKillsThisRun = 0;
  let cleanCycles = 0;
  let tornThisRun = 0;
  let errorsInARow = 0;
  let done = false;
  c.runs++;
  c.businessActions += ids.length;
  try {
    const maxCycles = resolved.maxKillsPerRun + resolved.failpointKillsPerRun + resolved.maxCleanCycles + 1;
    for (let cycle = 0; cycle < maxCycles && !done; cycle++) {
      const wantKills = c.kills < ctx.targetKills && Date.now() < ctx.deadlineAt;
      const useFailpoint = options.failpoint !== undefined && wantKills && failpointKillsThisRun < resolved.failpointKillsPerRun;
      const armKill = options.failpoint === undefined && wantKills && killsThisRun < resolved.maxKillsPerRun;
      const killed = armKill || useFailpoint;
      if (!killed) cleanCycles++;

      const driver = ctx.standby.take();
      c.cycles++;
      const waitStartedAt = Date.now();
      const wasBooted = await driver.booted;
      c.bootWaitSumMs += Date.now() - waitStartedAt;
      if (!wasBooted) {
        c.driverErrors++;
        if (++errorsInARow >= 3) break;
        violation(c, `${mode}: a driver died while loading: ${driver.stderrTail}`);
        continue;
      }
      // Per cycle: the naive bot gets only what it has not seen succeed; intentkey gets
      // every id, and finished ones must replay from the ledger.
      const todo = naive ? ids.filter((id) => !seenSucceeded.has(id)) : ids;
      const argv = [
        ...['--url', venue.url, '--mode', mode, '--dir', dir, '--ids', todo.join(','), '--concurrency', String(resolved.concurrency)],
        ...['--compact-after-bytes', String(resolved.compactAfterBytes), '--padding-bytes', String(resolved.paddingBytes)],
        ...(naive ? ['--naive'] : []),
        ...(options.protection === undefined || naive ? [] : ['--protection', options.protection]),
      ];
      const env: Record<string, string> = {};
      if (useFailpoint && options.failpoint) {
        env['INTENTKEY_CHAOS_FAILPOINT'] = options.failpoint;
        env['INTENTKEY_CHAOS_FAILPOINT_N'] = String(1 + Math.floor(random.next() * ids.length));
      }
      let progress = 0;
      let cycleDone = false;
      const flaggedThisCycle = new Set<string>();
      const notPlacedThisCycle = new Set<string>();
      const intentToAction = new Map<string, string>();
      for (const [id, a] of actions) if (a.intentId) intentToAction.set(a.intentId, id);
      driver.go(argv, env, (m) => {
        switch (m.type) {
          case 'resolved': {
            const a = actions.get(m.businessId);
            if (!a) {
              violation(c, `${mode}: driver reported unknown business id ${m.businessId}`);
              return;
            }
            if (m.intentId) {
              a.intentId = m.intentId;
              intentToAction.set(m.intentId, m.businessId);
            }
            if (!naive) {
              if (a.succeededKey !== undefined && a.succeededKey !== m.key) a.keyChanged = true;
              a.succeededKey ??= m.key;
            }
            if (!seenSucceeded.has(m.businessId)) c.reportedSucceeded++;
            seenSucceeded.add(m.businessId);
            if (m.replayed) c.replays++;
            else progress++;
            return;
          }
          case 'rejected': {
            const a = actions.get(m.businessId);
            if (!a) return;
            if (m.intentId) {
              a.intentId ??= m.intentId;
              intentToAction.set(m.intentId, m.businessId);
            }
            a.lastRejection = `${m.code}: ${m.message}`;
            flaggedThisCycle.add(m.businessId);
            if (m.recorded === false) notPlacedThisCycle.add(m.businessId);
            else notPlacedThisCycle.delete(m.businessId);
            return;
          }
          case 'protection': {
            if (m.what === 'breakerOpened') c.protection.breakerOpens++;
            else if (m.what === 'held') c.protection.held++;
            else c.protection.calledAgain++;
            return;
          }
          case 'recovered':
            c.recoverResumed += m.resumed;
            c.recoverReconciledFound += m.reconciledFound;
            c.recoverResent += m.resent;
            progress += m.succeeded;
            for (const n of m.needsAttention) {
              const id = intentToAction.get(n.intentId);
              if (id) flaggedThisCycle.add(id);
            }
            return;
          case 'ledgerEvent':
            if (m.event.type === 'tornTailRepaired') tornThisRun++;
            if (m.event.type === 'staleLockTakenOver') c.staleLocksTakenOver++;
            if (m.event.type === 'compacted') c.compactions++;
            return;
          case 'fatal':
            if (m.code !== 'DRIVER_ERROR') c.unrecoverableOpens++;
            violation(c, `${mode}: driver fatal ${m.code}: ${m.message.split('\n')[0] ?? ''}`);
            return;
          case 'done':
            cycleDone = true;
            return;
          case 'lockedOnOpen':
            c.lockedOpens++;
            return;
          case 'opened':
            c.maxLockedWaitMs = Math.max(c.maxLockedWaitMs, m.lockedWaitMs);
            return;
        }
      });

      let killTimer: NodeJS.Timeout | undefined;
      let harnessKilled = false;
      let killDelayMs = 0;
      if (armKill) {
        killDelayMs = random.next() * killWindowMs;
        killTimer = setTimeout(() => {
          harnessKilled = driver.kill();
        }, killDelayMs);
      }
      let hangKilled = false;
      const hangTimer = setTimeout(() => {
        hangKilled = driver.kill();
        if (hangKilled) {
          c.hung++;
          violation(c, `${mode}: a driver ran longer than ${resolved.cycleTimeoutMs} ms and was killed`);
        }
      }, resolved.cycleTimeoutMs);
      const end = await driver.closed;
      clearTimeout(killTimer);
      clearTimeout(hangTimer);

      if (end.signal === 'SIGKILL') {
        if (harnessKilled) {
          c.harnessKills++;
          c.killDelaySumMs += killDelayMs;
        } else if (useFailpoint && !hangKilled) {
          c.failpointKills++;
          failpointKillsThisRun++;
        }
        if (harnessKilled || (useFailpoint && !hangKilled)) {
          c.kills++;
          killsThisRun++;
          // Where the kill landed, from what the driver had said by then.
          const said = new Set(driver.messages.map((m) => m.type));
          if (!said.has('opened')) c.killPhases.open++;
          else if (!said.has('recovered')) c.killPhases.recover++;
          else c.killPhases.calls++;
        }
      } else if (end.code !== 0) {
        c.driverErrors++;
        errorsInARow++;
        violation(c, `${mode}: driver exited with code ${String(end.code)} signal ${String(end.signal)}: ${driver.stderrTail}`);
      }
      if (end.code === 0 || end.signal === 'SIGKILL') errorsInARow = 0;
      // A driver that keeps failing on its own will not be fixed by restarting it.
      if (errorsInARow >= 3) break;
      if (cycleDone && (end.code === 0 || end.signal === 'SIGKILL')) {
        done = true;
        for (const id of flaggedThisCycle) {
          const a = actions.get(id);
          if (a) a.flagged = true;
        }
        for (const [id, a] of actions) a.notPlaced = notPlacedThisCycle.has(id);
      }
      if (armKill) {
        // Kills before anything settles (while the ledger opens, or while recover waits
        // out a settle delay) would repeat forever with a fixed window: widen it until
        // one lands after progress, then start again from the base window.
        // The base window follows the workload: a driver that finished before its kill
        // shows it is longer than the work (most runs would end without a kill), a kill
        // before any progress that it is shorter than opening and recovering.
        if (!harnessKilled) baseWindowMs = Math.max(KILL_WINDOW_FLOOR_MS, baseWindowMs * 0.8);
        else if (progress === 0) baseWindowMs = Math.min(resolved.killWindowMaxMs, baseWindowMs * 1.15);
        killWindowMs = harnessKilled && progress === 0 ? Math.min(resolved.killWindowMaxMs, killWindowMs * 1.5) : baseWindowMs;
      }
      // Convergence counts the clean restarts after the last kill only.
      if (killed && end.signal === 'SIGKILL') cleanCycles = 0;
    }
    c.maxCleanCycles = Math.max(c.maxCleanCycles, cleanCycles);
    if (!done || cleanCycles > resolved.maxCleanCycles) {
      c.nonConverged++;
      violation(c, `${mode}: run over ${ids[0] ?? ''}.. did not finish (${cleanCycles} clean restart(s) after the last kill)`);
    }
    ctx.baseWindowMs.value = baseWindowMs;
    if (naive) auditNaive(ctx, seenSucceeded);
    else await auditLedger(ctx, dir, actions, tornThisRun);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    liveDirs.delete(dir);
  }
}

function auditNaive(ctx: RunContext, seenSucceeded: ReadonlySet<string>): void {
  const { venue, c, ids, mode } = ctx;
  for (const id of ids) {
    const n = venue.executionsOf(id);
    if (seenSucceeded.has(id)) c.succeeded++;
    if (n === 0) {
      if (seenSucceeded.has(id)) {
        c.lost++;
        violation(c, `${mode}: ${id} reported succeeded but never executed`);
      } else c.needsAttention++;
    }
  }
}

/** Checks one finished run against the ledger on disk and the venue's counts. */
async function auditLedger(ctx: RunContext, dir: string, actions: ReadonlyMap<string, ActionState>, tornReported: number): Promise<void> {
  const { venue, c, mode } = ctx;
  // A repair keeps the cut bytes in a `.broken-*` file; it also shows repairs whose
  // report was lost because the repairing process was killed right after.
  const brokenFiles = readdirSync(dir).filter((f) => f.includes('.broken-')).length;
  c.tornTailsRepaired += Math.max(tornReported, brokenFiles);
  let ledger: FileLedger;
  try {
    ledger = await FileLedger.open({ dir });
  } catch (error) {
    c.unrecoverableOpens++;
    c.lost += actions.size;
    violation(c, `${mode}: the ledger of a finished run does not open: ${messageOf(error)}`);
    return;
  }
  try {
    let notPlaced = 0;
    for (const [id, a] of actions) {
      const executions = venue.executionsOf(id);
      const record: IntentRecord | undefined = a.intentId ? await ledger.get(a.intentId) : undefined;
      const lose = (why: string): void => {
        c.lost++;
        violation(c, `${mode}: lost ${id}: ${why}`);
      };
      if (!record && a.notPlaced && executions === 0) {
        // The breaker refused its last call before anything was written, and nothing
        // executed: not placed, the bot places it again. Accounted for, not lost.
        notPlaced++;
        continue;
      }
      if (!record) {
        lose(a.intentId ? `intent ${a.intentId} is not in the ledger` : 'no intent id was ever reported for it');
        if (executions > 0) c.orphans += executions;
        continue;
      }
      if (record.businessId !== id) lose(`intent ${record.id} belongs to ${String(record.businessId)}`);
      if (a.succeededKey !== undefined) {
        if (record.status !== 'succeeded') lose(`reported succeeded, ledger says ${record.status}`);
        else if (executions !== 1) lose(`reported succeeded, executed ${executions} time(s)`);
        if (record.key !== a.succeededKey || a.keyChanged) lose('the key changed after it was acknowledged');
      }
      if (record.status === 'succeeded') c.succeeded++;
      else if (record.status === 'failed') c.failed++;
      else if (a.flagged) c.needsAttention++;
      else lose(`left ${record.status} without being flagged for a person (last rejection: ${a.lastRejection ?? 'none'})`);

      // Orphans: executions the ledger cannot account for.
      if (executions > 0) {
        const accounted = record.status === 'succeeded' || (!TERMINAL_STATUSES.has(record.status) && a.flagged);
        if (!accounted) {
          c.orphans += executions;
          violation(c, `${mode}: ${id} executed ${executions} time(s) but its intent is ${record.status}`);
        } else if (mode === 'exchange' && record.status === 'succeeded' && !(await orderExists(venue.url, record.venueKey))) {
          c.orphans += executions;
          violation(c, `${mode}: ${id} executed, but no order carries the key ${record.venueKey} the ledger holds`);
        }
      }
    }
    c.notPlaced += notPlaced;
    if (ledger.size !== actions.size - notPlaced) {
      violation(c, `${mode}: the ledger holds ${ledger.size} intents for ${actions.size} business actions (${notPlaced} not placed)`);
    }
  } finally {
    await ledger.close();
  }
}

async function orderExists(url: string, venueKey: string): Promise<boolean> {
  // Lookups are not writes, so the venue's fault injection never touches them.
  const response = await axios.get<{ clientOrderId?: string }>(`${url}/api/v3/order`, {
    params: { symbol: 'BTCUSDT', origClientOrderId: venueKey },
    validateStatus: () => true,
    timeout: 5_000,
  });
  return response.status === 200 && response.data.clientOrderId === venueKey;
}

function combine(options: ChaosOptions, reports: readonly ChaosModeReport[], elapsedMs: number): ChaosReport {
  const sum = (pick: (r: ChaosModeReport) => number): number => reports.reduce((s, r) => s + pick(r), 0);
  const harnessKills = sum((r) => r.harnessKills);
  const cycles = sum((r) => r.cycles);
  return {
    mode: options.mode,
    seed: options.seed,
    naive: options.naive ?? false,
    failpoint: options.failpoint,
    kills: sum((r) => r.kills),
    harnessKills,
    failpointKills: sum((r) => r.failpointKills),
    runs: sum((r) => r.runs),
    cycles,
    businessActions: sum((r) => r.businessActions),
    executions: sum((r) => r.executions),
    duplicates: sum((r) => r.duplicates),
    lost: sum((r) => r.lost),
    orphans: sum((r) => r.orphans),
    reportedSucceeded: sum((r) => r.reportedSucceeded),
    succeeded: sum((r) => r.succeeded),
    failed: sum((r) => r.failed),
    needsAttention: sum((r) => r.needsAttention),
    notPlaced: sum((r) => r.notPlaced),
    protection: {
      breakerOpens: sum((r) => r.protection.breakerOpens),
      held: sum((r) => r.protection.held),
      calledAgain: sum((r) => r.protection.calledAgain),
    },
    replays: sum((r) => r.replays),
    recoverResumed: sum((r) => r.recoverResumed),
    recoverReconciledFound: sum((r) => r.recoverReconciledFound),
    recoverResent: sum((r) => r.recoverResent),
    tornTailsRepaired: sum((r) => r.tornTailsRepaired),
    staleLocksTakenOver: sum((r) => r.staleLocksTakenOver),
    compactions: sum((r) => r.compactions),
    lockedOpens: sum((r) => r.lockedOpens),
    maxLockedWaitMs: Math.max(0, ...reports.map((r) => r.maxLockedWaitMs)),
    unrecoverableOpens: sum((r) => r.unrecoverableOpens),
    driverErrors: sum((r) => r.driverErrors),
    hung: sum((r) => r.hung),
    nonConverged: sum((r) => r.nonConverged),
    maxCleanCycles: Math.max(0, ...reports.map((r) => r.maxCleanCycles)),
    meanKillDelayMs: harnessKills === 0 ? 0 : Math.round(sum((r) => r.meanKillDelayMs * r.harnessKills) / harnessKills),
    killPhases: {
      open: sum((r) => r.killPhases.open),
      recover: sum((r) => r.killPhases.recover),
      calls: sum((r) => r.killPhases.calls),
    },
    meanBootWaitMs: cycles === 0 ? 0 : Math.round(sum((r) => r.meanBootWaitMs * r.cycles) / cycles),
    budgetExhausted: reports.some((r) => r.budgetExhausted),
    elapsedMs,
    violations: reports.flatMap((r) => r.violations).slice(0, 50),
    byMode: reports,
  };
}

/** True when a report shows none of the B3 violations (for intentkey runs). */
export function isCleanReport(report: ChaosReport | ChaosModeReport): boolean {
  return (
    report.duplicates === 0 &&
    report.lost === 0 &&
    report.orphans === 0 &&
    report.unrecoverableOpens === 0 &&
    report.driverErrors === 0 &&
    report.hung === 0 &&
    report.nonConverged === 0 &&
    report.violations.length === 0
  );
}
