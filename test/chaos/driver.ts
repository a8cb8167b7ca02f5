/**
 * Child process of the SIGKILL chaos harness (test B3).
 *
 * It places a fixed set of business actions against the fake venue and reports every
 * call that resolved to its parent over IPC, waiting for the report to be written into
 * the channel before it moves on. That is the oracle: whatever was reported must still
 * hold after the parent kills this process at any instant (ALICE's "acknowledged means
 * durable"). The parent owns the venue, so the venue outlives every kill.
 *
 * Two bots:
 * - intentkey (default): a `FileLedger` in `--dir`, `client.recover()` first, then the
 *   operation is called for every business id. Finished ones replay from the ledger
 *   without a network call, so the driver needs no bookkeeping of its own.
 * - naive (`--naive`): axios + axios-retry, no ledger, no reconcile. On restart it
 *   resends everything it did not see succeed (the parent passes that list in `--ids`).
 *   This is the negative control: it must produce duplicates on the same harness.
 *
 * Run: `node --import tsx test/chaos/driver.ts --url <venue> --mode exchange|payments
 *   --dir <ledger dir> (--count <n> --prefix <p> | --ids a,b,c) [--naive] [--concurrency <n>]
 *   [--payment-path /v1/payments] [--liveness --startup blocking|background
 *   --recovery-concurrency <n> --max-passes <n> --pass-pause-ms <n> --attempt-timeout-ms <n>]`
 * from the repository root (tsx resolves from the working directory). With
 * `--wait-for-go` it loads everything, reports `booted`, and waits for a `go` message
 * carrying the real arguments: the parent starts the next process while the current
 * one is still running, so a restart does not pay for module loading.
 *
 * Liveness mode (`--liveness`, used by test/chaos/liveness.ts): the same client and
 * operations, but the driver measures how soon a restarted process does new work.
 * - Start: `--startup blocking` (`await client.recover()`, then the calls) or
 *   `--startup background` (`client.startRecovery()`, and the calls at once).
 * - Calls: new actions with `--concurrency` calls in flight; the actions whose intents
 *   an earlier process left unfinished in a queue of their own, so they never hold new
 *   work up. Up to `--max-passes` passes: an action whose call ended without a final
 *   answer (retries exhausted before anything executed, held by the recovery pass) is
 *   called again in the next one; success, a rejection and an ambiguous outcome are
 *   final.
 * - Reports: milestones with the ms since `go` (`opened`, `ready`, the first send, the
 *   first new send, `recovered`), every answer, and, after the recovery pass ended,
 *   `done` with the actions it has no final answer for.
 * A "new send" is the first attempt of an intent (attempt numbers are durable, so
 * attempt 1 was never sent before) made by one of the driver's own calls, not by the
 * recovery pass.
 *
 * Fail points (no hooks in `src/`): when `INTENTKEY_CHAOS_FAILPOINT` names one, the
 * driver SIGKILLs itself at the `INTENTKEY_CHAOS_FAILPOINT_N`-th occurrence (default 1)
 * of that moment in this process:
 * - `afterCreate`: the request builder of an intent's first attempt. The builder runs
 *   after `create()` is durable and before the in-flight record is written, so the
 *   intent is left `pending` with nothing sent.
 * - `afterInFlight`: the `attemptStarted` event, emitted after the in-flight record is
 *   durable and before the request is sent.
 * - `afterResponse`: a response interceptor on the user's axios instance, for sends
 *   only: the venue answered (and may have executed), the outcome is not yet recorded.
 * - `afterOutcome`: the `outcome` event, emitted after the outcome record is durable and
 *   before the call returns, so the parent never hears of that result.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios, { type AxiosInstance } from 'axios';
import {
  binanceSpot,
  createIntentClient,
  extendVenue,
  FileLedger,
  isAmbiguousOutcomeError,
  isCircuitOpenError,
  isIntentError,
  isRetriesExhaustedError,
  isVenueRejectedError,
  stripe,
  type FileLedgerEvent,
  type IntentClient,
  type IntentError,
  type IntentResult,
  type OperationDefinition,
  type ProtectionOptions,
  type RecoveryReport,
} from '../../src/index.js';
import { TERMINAL_STATUSES } from '../../src/ledger/index.js';

/** Which fake venue semantics the driver talks to. */
export type ChaosMode = 'exchange' | 'payments';

/** Named moments at which the driver kills itself; see the file comment. */
export const FAILPOINTS = ['afterCreate', 'afterInFlight', 'afterResponse', 'afterOutcome'] as const;
/** One of {@link FAILPOINTS}. */
export type FailpointName = (typeof FAILPOINTS)[number];

/** Timing of the intentkey client in the driver. Short, because every kill restarts it. */
export const DRIVER_TIMING = {
  /** Per-attempt HTTP timeout, in ms. The fake venue's `delay` fault must hold longer. */
  attemptTimeoutMs: 200,
  /** First backoff delay, in ms. */
  baseDelayMs: 20,
  /** Largest backoff delay, in ms. */
  maxDelayMs: 200,
  /**
   * Exchange mode: how long after the last attempt a "not found" lookup is believed, in
   * ms. The fake exchange executes a write when it arrives and has no request queue, so
   * anything longer than loopback transit is enough; 300 ms leaves a wide margin.
   */
  settleDelayMs: 300,
  /** Budget of one call, in ms. */
  deadlineMs: 20_000,
  /** Sends per call. Payments can meet several 409s while a slow first request runs. */
  maxAttempts: 12,
  /** Reconcile lookups per call. */
  maxLookups: 10,
} as const;

/**
 * The client protection a chaos driver may run with (`--protection <name>`):
 * - `on`: `protection: true`, every part with its defaults (the limiter from the profile's limits);
 * - `breakerFail`: a retry budget that waits, and a quick breaker that fails calls fast while open;
 * - `breakerWait`: a retry budget that stops, and a quick breaker that makes calls wait while open.
 * The breakers open on 2 failures in a row and probe after 200 ms, so the venue's
 * faults open them often during a run; the budgets refill fast enough for runs of a
 * few seconds.
 */
export const CHAOS_PROTECTION = {
  on: true,
  breakerFail: {
    retryBudget: { capacity: 4, ratio: 0.1, minPerSecond: 5, whenEmpty: 'wait' },
    breaker: { consecutiveFailures: 2, openMs: 200, whenOpen: 'fail' },
  },
  breakerWait: {
    retryBudget: { capacity: 4, ratio: 0.1, minPerSecond: 5, whenEmpty: 'stop' },
    breaker: { consecutiveFailures: 2, openMs: 200, whenOpen: 'wait' },
  },
} as const satisfies Record<string, true | ProtectionOptions>;

/** One of {@link CHAOS_PROTECTION}'s names. */
export type ChaosProtection = keyof typeof CHAOS_PROTECTION;

/**
 * With protection on, a call that protection held back without an answer is placed again
 * by the bot, as a bot should: `CircuitOpenError` (with `recorded: false` nothing was
 * written, so the action is not placed yet; with `recorded: true` the intent waits in
 * the ledger) or `RetriesExhaustedError` for the retry budget. At most this many calls per
 * action in one process; then the action is reported as the last error left it.
 */
const PROTECTION_CALLS_PER_ACTION = 20;
/** Longest pause before such a call, in ms (the breaker says when it lets a probe through). */
const PROTECTION_PAUSE_MAX_MS = 1_000;
/** Pause before calling again after the retry budget stopped a call, in ms. */
const PROTECTION_BUDGET_PAUSE_MS = 100;

/**
 * How long the driver retries an open refused with `LedgerLockedError`, in ms: the lock's
 * 2 s grace for a half-written lock file, plus a margin for a loaded machine.
 */
const OPEN_RETRY_LIMIT_MS = 4_000;

/** How a liveness driver starts: `await client.recover()` first, or the recovery pass in the background. */
export type StartupFlow = 'blocking' | 'background';

/** Settings of the liveness mode (see the file comment). */
export interface LivenessDriverConfig {
  readonly startup: StartupFlow;
  /** Intents the recovery pass resumes at once. */
  readonly recoveryConcurrency: number;
  /** Passes over the actions; an action whose call ended without a final answer goes into the next one. */
  readonly maxPasses: number;
  /** Pause before each pass after the first, in ms. */
  readonly passPauseMs: number;
  /** Per-attempt HTTP timeout, in ms: longer than {@link DRIVER_TIMING}'s when the venue answers with latency. */
  readonly attemptTimeoutMs: number;
}

/** Everything one driver process needs to know. */
export interface DriverConfig {
  readonly url: string;
  readonly mode: ChaosMode;
  /** Ledger directory (ignored by the naive bot). */
  readonly dir: string;
  readonly businessIds: readonly string[];
  readonly naive: boolean;
  /** Calls in flight at once. */
  readonly concurrency: number;
  readonly failpoint: FailpointName | undefined;
  /** Which occurrence of the fail point kills (1 = the first). */
  readonly failpointN: number;
  /** Ledger compaction threshold, in bytes; small values make kills land mid-compaction. */
  readonly compactAfterBytes: number | undefined;
  /**
   * Largest filler added to each stored input, in bytes (0: none). The filler is kept in
   * the ledger but not sent, so ledger records get large (kills then tear the log's last
   * record more often, B3.3) while requests stay small. Its size is derived from the
   * business id, so the fingerprint is the same on every restart.
   */
  readonly paddingBytes: number;
  /** Path of the payment write in payments mode. */
  readonly paymentPath: string;
  /** Liveness mode settings (`--liveness`); `undefined` for the safety harness. */
  readonly liveness: LivenessDriverConfig | undefined;
  /** Client protection (`--protection <name>`, see {@link CHAOS_PROTECTION}); `undefined`: off. */
  readonly protection: ChaosProtection | undefined;
}

/** A call that resolved, as reported to the parent before the driver moves on. */
export interface ResolvedReport {
  readonly type: 'resolved';
  readonly businessId: string;
  /** Empty for the naive bot, which has no intents. */
  readonly intentId: string;
  readonly key: string;
  readonly venueKey: string;
  readonly status: 'succeeded';
  /** True when the result came from the ledger without a network call. */
  readonly replayed: boolean;
  readonly reconciled: boolean;
  readonly attempts: number;
}

/** A call that threw an intentkey error (or, for the naive bot, gave up). */
export interface RejectedReport {
  readonly type: 'rejected';
  readonly businessId: string;
  readonly intentId: string | undefined;
  readonly code: string;
  /** True for `AmbiguousOutcomeError`: the action may have executed; a person must look. */
  readonly ambiguous: boolean;
  /**
   * Liveness mode: true when the answer is final for the bot, which then does not call
   * the action again: failed for good (`VenueRejectedError`), or an outcome the client
   * could not settle (`AmbiguousOutcomeError`: handed to a person).
   */
  readonly final?: boolean;
  /** For `CircuitOpenError`: whether the intent is in the ledger (`false`: nothing was written, the action is not placed). */
  readonly recorded?: boolean;
  readonly message: string;
}

/**
 * Protection at work in the driver, sent without waiting (a kill may lose some):
 * a breaker that opened, a request held back, or a call placed again after protection
 * held it back (see {@link PROTECTION_CALLS_PER_ACTION}).
 */
export interface ProtectionReport {
  readonly type: 'protection';
  readonly what: 'breakerOpened' | 'held' | 'calledAgain';
  /** For `held`: what held it (`circuitOpen`, `retryBudget`, `rateLimiter`); for `calledAgain`: the error's code. */
  readonly cause?: string;
}

/** What `client.recover()` returned, reduced to what the parent checks. */
export interface RecoveredReport {
  readonly type: 'recovered';
  readonly resumed: number;
  readonly succeeded: number;
  readonly reconciledFound: number;
  readonly resent: number;
  readonly failed: number;
  readonly needsAttention: ReadonlyArray<{ readonly intentId: string; readonly reason: string }>;
  /** Liveness mode: ms since `go` when the recovery pass ended. */
  readonly atMs?: number;
  /** Intents the pass put aside for later, when the engine reports it. */
  readonly parked?: number;
  /** The pass's own duration, when the engine reports it, in ms. */
  readonly durationMs?: number;
}

/**
 * Liveness milestones, each with the ms since `go`:
 * - `ready`: the driver may place calls (blocking: `recover()` returned; background:
 *   `startRecovery()` returned); `newActions` of its actions have no intent yet;
 * - `firstSend`: the first attempt of any intent was recorded in flight (by recovery
 *   or by a call: `byCall`);
 * - `firstNewSend`: the first attempt 1 made by one of the driver's own calls.
 */
export type MilestoneReport =
  | { readonly type: 'ready'; readonly atMs: number; readonly startup: StartupFlow; readonly newActions: number }
  | { readonly type: 'firstSend'; readonly atMs: number; readonly attempt: number; readonly byCall: boolean }
  | { readonly type: 'firstNewSend'; readonly atMs: number };

/** Messages from the driver to the parent. */
export type DriverMessage =
  | { readonly type: 'booted'; readonly pid: number }
  | { readonly type: 'opened'; readonly openMs: number; readonly lockedWaitMs: number; readonly atMs?: number }
  | { readonly type: 'lockedOnOpen'; readonly message: string }
  | { readonly type: 'ledgerEvent'; readonly event: FileLedgerEvent }
  | RecoveredReport
  | ResolvedReport
  | RejectedReport
  | ProtectionReport
  | MilestoneReport
  | {
      readonly type: 'done';
      readonly processed: number;
      /** Liveness mode: ms since `go`. */
      readonly atMs?: number;
      /** Liveness mode: the actions still without a final answer after the last pass. */
      readonly unsettled?: readonly string[];
    }
  | { readonly type: 'fatal'; readonly code: string; readonly message: string };

/** Message from the parent that starts a driver waiting with `--wait-for-go`. */
export interface GoMessage {
  readonly type: 'go';
  readonly argv: readonly string[];
  /** Merged into `process.env` first (fail point settings). */
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Parses the driver's arguments and fail point environment.
 * @throws Error naming the bad argument (a harness bug, so a plain error is enough).
 */
export function parseDriverArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): DriverConfig {
  const flags = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (!arg.startsWith('--')) throw new Error(`driver: unexpected argument ${JSON.stringify(arg)}`);
    const name = arg.slice(2);
    if (name === 'naive' || name === 'wait-for-go' || name === 'liveness') {
      switches.add(name);
      continue;
    }
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`driver: --${name} needs a value`);
    flags.set(name, value);
    i++;
  }
  const need = (name: string): string => {
    const v = flags.get(name);
    if (v === undefined) throw new Error(`driver: --${name} is required`);
    return v;
  };
  const mode = need('mode');
  if (mode !== 'exchange' && mode !== 'payments') throw new Error(`driver: --mode must be exchange or payments, got ${mode}`);
  let businessIds: string[];
  const ids = flags.get('ids');
  if (ids !== undefined) businessIds = ids === '' ? [] : ids.split(',');
  else {
    const count = Number(need('count'));
    if (!Number.isInteger(count) || count < 0) throw new Error('driver: --count must be a non-negative integer');
    const prefix = flags.get('prefix') ?? 'action-';
    businessIds = Array.from({ length: count }, (_, i) => `${prefix}${i}`);
  }
  const concurrency = Number(flags.get('concurrency') ?? 1);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error('driver: --concurrency must be a positive integer');
  const naive = switches.has('naive');
  const rawFailpoint = env['INTENTKEY_CHAOS_FAILPOINT'];
  let failpoint: FailpointName | undefined;
  if (rawFailpoint !== undefined && rawFailpoint !== '') {
    if (!(FAILPOINTS as readonly string[]).includes(rawFailpoint)) {
      throw new Error(`driver: INTENTKEY_CHAOS_FAILPOINT must be one of ${FAILPOINTS.join(', ')}, got ${rawFailpoint}`);
    }
    failpoint = rawFailpoint as FailpointName;
  }
  const rawN = env['INTENTKEY_CHAOS_FAILPOINT_N'];
  const failpointN = rawN === undefined || rawN === '' ? 1 : Number(rawN);
  if (!Number.isInteger(failpointN) || failpointN < 1) throw new Error('driver: INTENTKEY_CHAOS_FAILPOINT_N must be a positive integer');
  const compact = flags.get('compact-after-bytes');
  const compactAfterBytes = compact === undefined ? undefined : Number(compact);
  if (compactAfterBytes !== undefined && (!Number.isInteger(compactAfterBytes) || compactAfterBytes < 1)) {
    throw new Error('driver: --compact-after-bytes must be a positive integer');
  }
  const paddingBytes = Number(flags.get('padding-bytes') ?? 0);
  if (!Number.isInteger(paddingBytes) || paddingBytes < 0) throw new Error('driver: --padding-bytes must be a non-negative integer');
  const rawProtection = flags.get('protection');
  if (rawProtection !== undefined && !Object.hasOwn(CHAOS_PROTECTION, rawProtection)) {
    throw new Error(`driver: --protection must be one of ${Object.keys(CHAOS_PROTECTION).join(', ')}, got ${rawProtection}`);
  }
  if (rawProtection !== undefined && naive) throw new Error('driver: --protection and --naive do not combine');
  const protection = rawProtection as ChaosProtection | undefined;
  const paymentPath = flags.get('payment-path') ?? '/v1/payments';
  if (!paymentPath.startsWith('/')) throw new Error('driver: --payment-path must start with /');
  const count = (name: string, fallback: number, min: number): number => {
    const n = Number(flags.get(name) ?? fallback);
    if (!Number.isInteger(n) || n < min) throw new Error(`driver: --${name} must be an integer >= ${min}`);
    return n;
  };
  let liveness: LivenessDriverConfig | undefined;
  if (switches.has('liveness')) {
    if (naive) throw new Error('driver: --liveness and --naive do not combine');
    const startup = flags.get('startup') ?? 'blocking';
    if (startup !== 'blocking' && startup !== 'background') throw new Error(`driver: --startup must be blocking or background, got ${startup}`);
    liveness = {
      startup,
      recoveryConcurrency: count('recovery-concurrency', 8, 1),
      maxPasses: count('max-passes', 5, 1),
      passPauseMs: count('pass-pause-ms', 200, 0),
      attemptTimeoutMs: count('attempt-timeout-ms', DRIVER_TIMING.attemptTimeoutMs, 1),
    };
  } else if (flags.has('startup')) {
    throw new Error('driver: --startup needs --liveness');
  }
  return {
    url: need('url'),
    mode,
    dir: naive ? (flags.get('dir') ?? '') : need('dir'),
    businessIds,
    naive,
    concurrency,
    failpoint,
    failpointN,
    compactAfterBytes,
    paddingBytes,
    paymentPath,
    liveness,
    protection,
  };
}

/**
 * Sends a message to the parent and resolves once it is written into the channel, so
 * a kill right after cannot take it back. Without a parent it prints one JSON line.
 */
function report(message: DriverMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) {
    process.stdout.write(`${JSON.stringify(message)}\n`);
    return Promise.resolve();
  }
  return new Promise<void>((done, fail) => {
    send(message, undefined, undefined, (error: Error | null) => (error ? fail(error) : done()));
  });
}

/** Counts occurrences of the configured fail point and kills this process at the n-th. */
function createFailpoints(config: DriverConfig): (name: FailpointName) => void {
  let seen = 0;
  return (name) => {
    if (config.failpoint !== name) return;
    seen++;
    // SIGKILL, not exit(): no handler, no flush, no finally block runs, as in a crash.
    if (seen === config.failpointN) process.kill(process.pid, 'SIGKILL');
  };
}

interface ExchangeOrder {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET';
  readonly quantity: string;
  readonly businessId: string;
}

interface Payment {
  readonly amount: number;
  readonly currency: string;
  readonly businessId: string;
}

/** What the operations take: the action plus an optional filler that is stored, never sent. */
type Stored<T> = T & { readonly memo?: string };

function orderFor(businessId: string): ExchangeOrder {
  return { symbol: 'BTCUSDT', side: businessId.length % 2 === 0 ? 'BUY' : 'SELL', type: 'MARKET', quantity: '0.001', businessId };
}

function paymentFor(businessId: string): Payment {
  return { amount: 100 + businessId.length, currency: 'usd', businessId };
}

/** A filler of 0..max bytes whose size depends only on the business id (FNV-1a). */
function paddingFor(businessId: string, max: number): { memo?: string } {
  if (max === 0) return {};
  let h = 0x811c9dc5;
  for (let i = 0; i < businessId.length; i++) h = Math.imul(h ^ businessId.charCodeAt(i), 0x01000193) >>> 0;
  return { memo: 'm'.repeat(h % (max + 1)) };
}

/** The action without its filler: what goes on the wire. */
function withoutMemo<T extends object>(input: Stored<T>): T {
  const { memo: _memo, ...rest } = input;
  return rest as unknown as T;
}

/** Runs `worker` over `items` with at most `concurrency` calls in flight. */
async function pool<T>(items: readonly T[], concurrency: number, worker: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await worker(item);
      }
    }),
  );
}

/** What the driver tells its parent about a call that resolved. */
function resolvedReport(businessId: string, result: IntentResult<unknown>): ResolvedReport {
  return {
    type: 'resolved',
    businessId,
    intentId: result.intentId,
    key: result.key,
    venueKey: result.venueKey,
    status: result.status,
    replayed: result.replayed,
    reconciled: result.reconciled,
    attempts: result.attempts,
  };
}

/** What the driver tells its parent about a call that threw an intentkey error. */
function rejectedReport(businessId: string, error: IntentError): RejectedReport {
  return {
    type: 'rejected',
    businessId,
    intentId: intentIdOf(error),
    code: error.code,
    ambiguous: isAmbiguousOutcomeError(error),
    ...(isCircuitOpenError(error) ? { recorded: error.recorded } : {}),
    message: error.message.slice(0, 300),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function intentIdOf(error: unknown): string | undefined {
  const id = (error as { intentId?: unknown } | null)?.intentId;
  return typeof id === 'string' ? id : undefined;
}

/** Milliseconds since this process was told to start (its `go` message, or its own start), 0.1 ms steps. */
let startedAt = performance.now();
const sinceStart = (): number => Math.round((performance.now() - startedAt) * 10) / 10;

/**
 * Opens the ledger in `config.dir`, retrying an open refused as locked for a bounded
 * time, and reports `opened`. On an open that keeps failing it reports `fatal` and exits.
 */
async function openLedger(config: DriverConfig): Promise<FileLedger> {
  const started = performance.now();
  let lockedSince: number | undefined;
  // Bounded: a lock or takeover guard left half-written by a killed process is refused
  // for the lock's 2 s grace period (LedgerLockedError, "Try again"). The driver does
  // what the error asks and tells the parent, which counts these waits in its report.
  for (;;) {
    try {
      const ledger = await FileLedger.open({
        dir: config.dir,
        ...(config.compactAfterBytes === undefined ? {} : { compactAfterBytes: config.compactAfterBytes }),
        // Torn-tail repairs and stale-lock takeovers are what the parent counts; the
        // report is not awaited because open() calls this synchronously.
        onEvent: (event) => void report({ type: 'ledgerEvent', event }).catch(() => undefined),
      });
      await report({
        type: 'opened',
        openMs: Math.round(performance.now() - started),
        lockedWaitMs: lockedSince === undefined ? 0 : Math.round(performance.now() - lockedSince),
        atMs: sinceStart(),
      });
      return ledger;
    } catch (error) {
      const locked = isIntentError(error) && error.code === 'ERR_LEDGER_LOCKED';
      const now = performance.now();
      if (locked && lockedSince === undefined) {
        lockedSince = now;
        await report({ type: 'lockedOnOpen', message: error.message.slice(0, 300) });
      }
      if (!locked || now - (lockedSince ?? now) > OPEN_RETRY_LIMIT_MS) {
        // An open that keeps failing after a crash is what B3 must never see: say so
        // and stop, so the parent records it instead of restarting forever.
        await report({ type: 'fatal', code: isIntentError(error) ? error.code : 'OPEN_FAILED', message: messageOf(error) });
        process.exit(3);
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  }
}

/** What the chaos operations need to know about a run. */
export type ChaosCallConfig = Pick<DriverConfig, 'mode' | 'paddingBytes' | 'paymentPath'> & { readonly protection?: ChaosProtection | undefined };

/** The intentkey client of a chaos driver with its one operation registered. */
export interface ChaosCalls {
  readonly client: IntentClient;
  /** Places the action of one business id (or answers it from the ledger when finished). */
  readonly place: (businessId: string) => Promise<IntentResult<unknown>>;
  /** The intent id that `place(businessId)` uses, computed without writing or sending. */
  readonly intentIdOf: (businessId: string) => string;
}

/**
 * Creates the client every intentkey driver uses, with the same venue profile, timing
 * and operation names on every run: `recover()` resumes intents by operation name, and
 * the parent rebuilds intent ids with it for its audit.
 */
export function createChaosCalls(
  http: AxiosInstance,
  ledger: FileLedger,
  config: ChaosCallConfig,
  failpoint: (name: FailpointName) => void = () => undefined,
  attemptTimeoutMs: number = DRIVER_TIMING.attemptTimeoutMs,
): ChaosCalls {
  const venue =
    config.mode === 'exchange'
      ? extendVenue(binanceSpot, { name: 'binance-spot-chaos', reconcile: { settleDelayMs: DRIVER_TIMING.settleDelayMs } })
      : stripe;
  const client: IntentClient = createIntentClient(http, {
    venue,
    ledger,
    attemptTimeoutMs,
    maxLookups: DRIVER_TIMING.maxLookups,
    ...(config.protection === undefined ? {} : { protection: CHAOS_PROTECTION[config.protection] }),
    retry: {
      maxAttempts: DRIVER_TIMING.maxAttempts,
      baseDelayMs: DRIVER_TIMING.baseDelayMs,
      maxDelayMs: DRIVER_TIMING.maxDelayMs,
      deadlineMs: DRIVER_TIMING.deadlineMs,
    },
  });
  if (config.mode === 'exchange') {
    const definition: OperationDefinition<Stored<ExchangeOrder>, unknown> = {
      request: (order, ctx) => {
        if (ctx.attempt === 1) failpoint('afterCreate');
        return { method: 'POST', url: '/api/v3/order', params: withoutMemo(order) };
      },
      reconcile: (order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: order.symbol, origClientOrderId: ctx.venueKey } }),
    };
    const place = client.operation('chaos.order.create', definition);
    const input = (businessId: string): Stored<ExchangeOrder> => ({ ...orderFor(businessId), ...paddingFor(businessId, config.paddingBytes) });
    return {
      client,
      place: (businessId) => place(input(businessId), { businessId }),
      intentIdOf: (businessId) => client.prepare(place, input(businessId), { businessId }).id,
    };
  }
  const definition: OperationDefinition<Stored<Payment>, unknown> = {
    request: (payment, ctx) => {
      if (ctx.attempt === 1) failpoint('afterCreate');
      return { method: 'POST', url: config.paymentPath, data: withoutMemo(payment) };
    },
  };
  const pay = client.operation('chaos.payment.create', definition);
  const input = (businessId: string): Stored<Payment> => ({ ...paymentFor(businessId), ...paddingFor(businessId, config.paddingBytes) });
  return {
    client,
    place: (businessId) => pay(input(businessId), { businessId }),
    intentIdOf: (businessId) => client.prepare(pay, input(businessId), { businessId }).id,
  };
}

/** The report of a recovery pass as the parent gets it; `parked` and `durationMs` when the engine has them. */
function recoveredReport(recovered: RecoveryReport, atMs?: number): RecoveredReport {
  const extra = recovered as RecoveryReport & { readonly parked?: unknown; readonly durationMs?: unknown };
  return {
    type: 'recovered',
    resumed: recovered.resumed,
    succeeded: recovered.succeeded,
    reconciledFound: recovered.reconciledFound,
    resent: recovered.resent,
    failed: recovered.failed,
    needsAttention: recovered.needsAttention.map((n) => ({ intentId: n.intentId, reason: n.reason })),
    ...(atMs === undefined ? {} : { atMs }),
    ...(typeof extra.parked === 'number' ? { parked: extra.parked } : {}),
    ...(typeof extra.durationMs === 'number' ? { durationMs: extra.durationMs } : {}),
  };
}

async function runIntentkey(config: DriverConfig): Promise<void> {
  const failpoint = createFailpoints(config);
  const ledger = await openLedger(config);

  const http = axios.create({ baseURL: config.url });
  http.interceptors.response.use((response) => {
    if (response.config.intentkey?.purpose === 'send') failpoint('afterResponse');
    return response;
  });
  const { client, place: call } = createChaosCalls(http, ledger, config, failpoint);
  client.on('attemptStarted', () => failpoint('afterInFlight'));
  client.on('outcome', () => failpoint('afterOutcome'));
  if (config.protection !== undefined) {
    client.on('breakerStateChanged', (event) => {
      if (event.to === 'open') protectionSeen({ type: 'protection', what: 'breakerOpened' });
    });
    client.on('requestHeld', (event) => protectionSeen({ type: 'protection', what: 'held', cause: event.cause }));
  }

  const recovered = await client.recover();
  await report(recoveredReport(recovered));

  let processed = 0;
  await pool(config.businessIds, config.concurrency, async (businessId) => {
    for (let calls = 1; ; calls++) {
      try {
        await report(resolvedReport(businessId, await call(businessId)));
      } catch (error) {
        if (!isIntentError(error)) throw error;
        const pause = config.protection === undefined || calls >= PROTECTION_CALLS_PER_ACTION ? undefined : pauseBeforeCallingAgain(error);
        if (pause !== undefined) {
          protectionSeen({ type: 'protection', what: 'calledAgain', cause: error.code });
          await new Promise((done) => setTimeout(done, pause));
          continue;
        }
        await report(rejectedReport(businessId, error));
      }
      break;
    }
    processed++;
  });
  await report({ type: 'done', processed });
  await client.close();
}

/**
 * With protection on, how long the bot waits before it calls again for an action that
 * protection held back without an answer, in ms; `undefined`: the error is the answer.
 * The breaker's `retryAt` says when it lets a probe through; the budget refills by itself.
 */
function pauseBeforeCallingAgain(error: IntentError): number | undefined {
  if (isCircuitOpenError(error)) return Math.min(PROTECTION_PAUSE_MAX_MS, Math.max(10, error.retryAt - Date.now()));
  if (isRetriesExhaustedError(error) && error.reason === 'retryBudget') return PROTECTION_BUDGET_PAUSE_MS;
  return undefined;
}

/** Tells the parent about protection at work, without waiting: a message lost to a kill only leaves a count short. */
function protectionSeen(message: ProtectionReport): void {
  void report(message).catch(() => undefined);
}

/**
 * The non-blocking recovery pass the engine is getting (`client.startRecovery()`),
 * described here so the driver can use it where it exists and say so where it does not.
 */
interface BackgroundRecovery {
  /** The report when the pass ends. */
  readonly done: Promise<RecoveryReport>;
  progress(): { readonly total: number; readonly finished: number };
  stop(): Promise<RecoveryReport>;
}

interface RecoveryStarter {
  startRecovery(options?: { concurrency?: number; budgetMs?: number; signal?: AbortSignal }): BackgroundRecovery;
}

/** Sends a milestone without waiting for it: a milestone lost to a kill only leaves a gap in the figures. */
function milestone(message: MilestoneReport): void {
  void report(message).catch(() => undefined);
}

/** The liveness driver: see the file comment. */
async function runLiveness(config: DriverConfig, live: LivenessDriverConfig): Promise<void> {
  const ledger = await openLedger(config);
  const { client, place, intentIdOf: intentIdFor } = createChaosCalls(axios.create({ baseURL: config.url }), ledger, config, undefined, live.attemptTimeoutMs);

  // Actions whose intents an earlier process left unfinished belong to the recovery
  // pass. They get a queue of their own beside the new ones, so new work never waits
  // behind them (in the background flow their calls join the pass's runs).
  const inherited = new Set<string>();
  let newActions = 0;
  for (const businessId of config.businessIds) {
    const record = await ledger.get(intentIdFor(businessId));
    if (record === undefined) newActions++;
    else if (!TERMINAL_STATUSES.has(record.status)) inherited.add(businessId);
  }

  // Marks the async context of the driver's own calls, so a send can be told apart from
  // one made by the recovery pass (a call that joins a running recovery stays unmarked).
  const ownCall = new AsyncLocalStorage<true>();
  let sentAny = false;
  let sentNew = false;
  client.on('attemptStarted', (event) => {
    const byCall = ownCall.getStore() === true;
    if (!sentAny) {
      sentAny = true;
      milestone({ type: 'firstSend', atMs: sinceStart(), attempt: event.attempt, byCall });
    }
    if (!sentNew && byCall && event.attempt === 1) {
      sentNew = true;
      milestone({ type: 'firstNewSend', atMs: sinceStart() });
    }
  });

  let recoveryEnded: Promise<void> = Promise.resolve();
  let recoveryError: { readonly error: unknown } | undefined;
  if (live.startup === 'blocking') {
    const recovered = await client.recover({ concurrency: live.recoveryConcurrency });
    await report(recoveredReport(recovered, sinceStart()));
  } else {
    const starter = (client as IntentClient & Partial<RecoveryStarter>).startRecovery;
    if (typeof starter !== 'function') {
      await report({
        type: 'fatal',
        code: 'NO_START_RECOVERY',
        message: '--startup background needs client.startRecovery(), which this build of intentkey does not have',
      });
      process.exit(4);
    }
    const recovery = starter.call(client, { concurrency: live.recoveryConcurrency });
    // Handled at once, so a rejected pass is reported, not an unhandled rejection.
    recoveryEnded = recovery.done.then(
      (recovered) => report(recoveredReport(recovered, sinceStart())),
      (error: unknown) => {
        recoveryError = { error };
      },
    );
  }
  await report({ type: 'ready', atMs: sinceStart(), startup: live.startup, newActions });

  let processed = 0;
  let remaining: readonly string[] = config.businessIds;
  for (let pass = 1; remaining.length > 0; pass++) {
    const again = new Set<string>();
    const placeOne = async (businessId: string): Promise<void> => {
      try {
        await report(resolvedReport(businessId, await ownCall.run(true, () => place(businessId))));
      } catch (error) {
        if (!isIntentError(error)) throw error;
        // Failed for good, or ambiguous (a person must look), is the bot's final answer,
        // as it would be for a bot following the README. Anything else (retries
        // exhausted before anything executed, held by the recovery pass) is asked again.
        const final = isVenueRejectedError(error) || isAmbiguousOutcomeError(error);
        if (!final) again.add(businessId);
        await report({ ...rejectedReport(businessId, error), final });
      }
      processed++;
    };
    await Promise.all([
      pool(remaining.filter((id) => !inherited.has(id)), config.concurrency, placeOne),
      pool(remaining.filter((id) => inherited.has(id)), config.concurrency, placeOne),
    ]);
    remaining = remaining.filter((id) => again.has(id));
    if (pass >= live.maxPasses || remaining.length === 0) break;
    await new Promise((done) => setTimeout(done, live.passPauseMs));
  }
  await recoveryEnded;
  if (recoveryError) throw recoveryError.error;
  await report({ type: 'done', processed, atMs: sinceStart(), unsettled: remaining });
  await client.close();
}

/** What a naive bot does: retry transport errors, 5xx and 429 with a new request each time. */
async function naiveHttp(url: string): Promise<AxiosInstance> {
  // Loaded here, not at the top: every intentkey restart would pay for it otherwise.
  const { default: axiosRetry } = await import('axios-retry');
  const http = axios.create({ baseURL: url, timeout: DRIVER_TIMING.attemptTimeoutMs });
  axiosRetry(http, {
    retries: 3,
    retryDelay: () => DRIVER_TIMING.baseDelayMs,
    shouldResetTimeout: true,
    retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429,
  });
  return http;
}

async function runNaive(config: DriverConfig): Promise<void> {
  // Same milestones as the intentkey driver, so the parent can tell where a kill landed;
  // the naive bot has nothing to open and nothing to recover.
  await report({ type: 'opened', openMs: 0, lockedWaitMs: 0 });
  await report({ type: 'recovered', resumed: 0, succeeded: 0, reconciledFound: 0, resent: 0, failed: 0, needsAttention: [] });
  const http = await naiveHttp(config.url);
  let remaining = [...config.businessIds];
  let processed = 0;
  // A few passes over what did not succeed, as a bot's main loop would; bounded.
  for (let pass = 0; pass < 3 && remaining.length > 0; pass++) {
    const failed: string[] = [];
    await pool(remaining, config.concurrency, async (businessId) => {
      try {
        if (config.mode === 'exchange') {
          // The bot keeps one client order id per action; the exchange accepts it again
          // once the first order has filled.
          const response = await http.post<{ clientOrderId?: string }>('/api/v3/order', null, {
            params: { ...orderFor(businessId), newClientOrderId: `naive-${businessId}`.slice(0, 36) },
          });
          await report({ type: 'resolved', businessId, intentId: '', key: '', venueKey: response.data.clientOrderId ?? '', status: 'succeeded', replayed: false, reconciled: false, attempts: 0 });
        } else {
          // A fresh key per call: without a ledger, nothing remembers the last one.
          const key = randomUUID();
          await http.post('/v1/payments', paymentFor(businessId), { headers: { 'Idempotency-Key': key } });
          await report({ type: 'resolved', businessId, intentId: '', key, venueKey: key, status: 'succeeded', replayed: false, reconciled: false, attempts: 0 });
        }
      } catch (error) {
        failed.push(businessId);
        await report({ type: 'rejected', businessId, intentId: undefined, code: 'NAIVE_GAVE_UP', ambiguous: false, message: messageOf(error).slice(0, 300) });
      }
      processed++;
    });
    remaining = failed;
  }
  await report({ type: 'done', processed });
}

function waitForGo(): Promise<GoMessage> {
  return new Promise<GoMessage>((done) => {
    // The parent died or gave up on this standby: nothing to do.
    process.once('disconnect', () => process.exit(0));
    process.once('message', (message: GoMessage) => done(message));
  });
}

async function main(): Promise<void> {
  let argv = process.argv.slice(2);
  if (argv.includes('--wait-for-go')) {
    if (!process.send) throw new Error('driver: --wait-for-go needs an IPC channel');
    const pending = waitForGo();
    await report({ type: 'booted', pid: process.pid });
    const go = await pending;
    // The clock of the liveness milestones starts here: module loading is not on it.
    startedAt = performance.now();
    Object.assign(process.env, go.env);
    argv = [...go.argv];
  } else {
    await report({ type: 'booted', pid: process.pid });
  }
  const config = parseDriverArgs(argv, process.env);
  if (config.naive) await runNaive(config);
  else if (config.liveness) await runLiveness(config, config.liveness);
  else await runIntentkey(config);
  // exit() rather than waiting for the event loop: the IPC channel keeps it alive.
  process.exit(0);
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main().catch(async (error: unknown) => {
    await report({ type: 'fatal', code: 'DRIVER_ERROR', message: String((error as Error).stack ?? error) }).catch(() => undefined);
    process.exit(2);
  });
}
