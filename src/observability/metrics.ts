import type { IntentEvents, RunCounters } from '../client/events.js';
import type {
  BreakerStateChangedEvent,
  IntentEventMap,
  IntentFinishedEvent,
  LedgerObservation,
  LookupFinishedEvent,
  LookupStartedEvent,
  ReconcileEvent,
  RequestHeldEvent,
} from '../client/types.js';
import { systemClock } from '../internal/clock.js';
import type { IntentStatus } from '../ledger/intent.js';

/**
 * Upper bounds (inclusive), in ms, of the buckets of {@link LedgerMetrics.flushLatencyMs}:
 * a group commit's time from its first queued write to its fsync completing. The
 * OpenTelemetry histogram `intentkey.ledger.flush.duration` uses the same boundaries.
 */
export const FLUSH_LATENCY_BUCKETS_MS: readonly number[] = Object.freeze([0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500]);

/**
 * Upper bounds (inclusive), in records, of the buckets of {@link LedgerMetrics.flushRecords}:
 * records written by one group commit. The OpenTelemetry histogram
 * `intentkey.ledger.flush.records` uses the same boundaries.
 */
export const FLUSH_BATCH_RECORDS_BUCKETS: readonly number[] = Object.freeze([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024]);

/**
 * Upper bounds (inclusive), in sends, of the buckets of {@link IntentRunMetrics.attempts}:
 * `1`, `2`, `3`, `4-5` and (the overflow bucket) `6+` write requests in one run of an
 * intent. The OpenTelemetry histogram `intentkey.intent.attempts` uses the same boundaries.
 */
export const ATTEMPTS_PER_INTENT_BUCKETS: readonly number[] = Object.freeze([1, 2, 3, 5]);

/**
 * A histogram with fixed bucket boundaries, laid out as OpenTelemetry's explicit-bucket
 * histograms are: `counts[i]` counts values `v` with `boundaries[i - 1] < v <= boundaries[i]`
 * (no lower bound for `i = 0`), and the last entry of `counts` (index `boundaries.length`)
 * counts values above the last boundary.
 */
export interface HistogramSnapshot {
  /** Inclusive upper bounds of the buckets, ascending, in the unit of the metric. */
  readonly boundaries: readonly number[];
  /** Values per bucket; `boundaries.length + 1` entries, the last one the overflow bucket. */
  readonly counts: readonly number[];
  /** Values recorded. */
  readonly count: number;
  /** Sum of the values recorded, in the unit of the metric. */
  readonly sum: number;
  /** Smallest value recorded; `null` before the first. */
  readonly min: number | null;
  /** Largest value recorded; `null` before the first. */
  readonly max: number | null;
}

/** Waits of one kind that the client scheduled (from `retryScheduled`). */
export interface WaitMetrics {
  /** Waits scheduled (before a send or a lookup). */
  readonly count: number;
  /** Sum of their scheduled lengths, in ms. */
  readonly totalMs: number;
  /** Longest scheduled wait, in ms; 0 before the first. */
  readonly maxMs: number;
}

/** Intents a call or a recovery pass of this client drove (`intentStarted` / `intentFinished`). */
export interface IntentRunMetrics {
  /** Runs started (`intentStarted`): one per call of an operation and one per intent a recovery pass drives. */
  readonly started: number;
  /** Of `started`, runs of a call of an operation (`via: 'call'`). */
  readonly startedByCall: number;
  /** Of `started`, runs of a recovery pass (`via: 'recovery'`). */
  readonly startedByRecovery: number;
  /** Of `started`, runs on an intent whose ledger record existed before (`resumed: true`): a repeated call or a recovery. */
  readonly resumed: number;
  /** Runs ended (`intentFinished`). */
  readonly finished: number;
  /**
   * Runs ended, by how (`intentFinished.result`): `succeeded`, `failed` (the venue
   * refused), `ambiguous` (outcome unknown), `exhausted` (nothing executed, allowance
   * spent), `busy` (another worker held it), `aborted`, `conflict`, `error`.
   */
  readonly results: Readonly<Record<IntentFinishedEvent['result'], number>>;
  /**
   * Runs that succeeded after at least one attempt (in any process life) failed to settle
   * the intent: retries that recovered (`intentFinished.recovered`).
   */
  readonly recovered: number;
  /**
   * Write requests per run, for runs that sent at least one (`intentFinished.attempts`),
   * in sends; buckets {@link ATTEMPTS_PER_INTENT_BUCKETS}.
   */
  readonly attempts: HistogramSnapshot;
  /** Intents parked by this client (`intentParked`): allowance spent, outcome still unknown. */
  readonly parked: number;
}

/**
 * Intents by status now, as gauges. This is the client's own view, built from the events
 * of the intents it drove (`intentStarted`, `attemptStarted`, `outcome`, `intentParked`,
 * `intentFinished`); it is not a ledger scan: intents another process works on, or that
 * were unfinished in the ledger before this client touched them, are not counted, and an
 * intent this client left unknown stays counted until this client settles it. Finished
 * intents (succeeded, failed) leave the gauges.
 */
export interface IntentStatusGauges {
  /** Intents recorded and not yet sent (or provably not executed), in intents. */
  readonly pending: number;
  /** Intents with an attempt started whose answer is not yet classified, in intents. */
  readonly inFlight: number;
  /** Intents whose outcome is unknown and that are not parked, in intents. */
  readonly unknown: number;
  /** Intents parked (allowance spent, outcome unknown): they need a later check or a person, in intents. */
  readonly parked: number;
}

/**
 * What the ledger store reported (`ledger` events), when it implements `observe`. These
 * are the store's own work, whoever caused it: clients sharing one store instance each
 * count all of it. Observations made while the store opened (a torn-tail repair, a lock
 * takeover) are told to each subscriber.
 */
export interface LedgerMetrics {
  /** Group commits (one write + one fsync each). */
  readonly flushes: number;
  /** Records written by those group commits. */
  readonly records: number;
  /** Bytes written by those group commits. */
  readonly bytes: number;
  /** Group-commit latency (first queued write to fsync done), in ms; buckets {@link FLUSH_LATENCY_BUCKETS_MS}. */
  readonly flushLatencyMs: HistogramSnapshot;
  /** Records per group commit (batch size), in records; buckets {@link FLUSH_BATCH_RECORDS_BUCKETS}. */
  readonly flushRecords: HistogramSnapshot;
  /** Writes waiting when the last group commit completed, in writes (a gauge). */
  readonly queueDepth: number;
  /** Largest {@link LedgerMetrics.queueDepth} seen, in writes. */
  readonly maxQueueDepth: number;
  /** Compactions (snapshot + new log generation). */
  readonly compactions: number;
  /** Finished intents dropped past retention by those compactions, in intents. */
  readonly compactedIntentsDropped: number;
  /** Torn log tails cut off (and kept aside) at open: crashes in the middle of a write. */
  readonly tornTailsRepaired: number;
  /** Stale lock files taken over at open (a writer that died without releasing it). */
  readonly lockTakeovers: number;
}

/** What held a request back (`requestHeld.cause`): the circuit breaker, the retry budget or the rate limiter. */
export type HoldCause = RequestHeldEvent['cause'];
/** What the run did about a held request (`requestHeld.action`): wait, stop, or park. */
export type HoldAction = RequestHeldEvent['action'];
/** A circuit breaker's position (`breakerStateChanged.to`). */
export type BreakerPositionName = BreakerStateChangedEvent['to'];

/** Holds by what the run did about them, in holds (one per `requestHeld` event). */
export interface HoldActions {
  /** The run waited (a `retryScheduled` wait with the same cause follows, unless the deadline turned it into a stop or park). */
  readonly wait: number;
  /** The run stopped with nothing sent: `CircuitOpenError`, or `RetriesExhaustedError` with reason `retryBudget`. */
  readonly stop: number;
  /** The intent's outcome was unknown: it was parked, to be reconciled later. */
  readonly park: number;
}

/** One circuit breaker as its last `breakerStateChanged` event left it. */
export interface BreakerPositionMetrics {
  /** The venue profile's name. */
  readonly venue: string;
  /** The operation of a per-operation breaker (`scope: 'operation'`); `null` for the venue's breaker. */
  readonly operation: string | null;
  /** Position after its last change: `closed`, `halfOpen` or `open`. */
  readonly position: BreakerPositionName;
  /** When it moved there, epoch ms (the event's `at`, on the client's clock). */
  readonly since: number;
  /** For an open breaker, when it lets a probe through, epoch ms; `null` otherwise. */
  readonly retryAt: number | null;
  /** Changes of this breaker seen, in transitions. */
  readonly transitions: number;
}

/**
 * What the client's protection (option `protection`: retry budget, circuit breaker, rate
 * limiter) did, counted from `requestHeld`, `retryScheduled` and `breakerStateChanged`.
 * All zero (and `breakers` empty) without protection. For the parts' own state now (the
 * budget's balance, each limit's count in its window) read `client.protection()`.
 */
export interface ProtectionMetrics {
  /**
   * Requests protection held back (`requestHeld`), by cause (`circuitOpen`, `retryBudget`,
   * `rateLimiter`) then by what the run did (`wait`, `stop`, `park`), in holds. A request
   * held again after its wait counts again.
   */
  readonly held: Readonly<Record<HoldCause, HoldActions>>;
  /**
   * Holds by the rate limiter, by the limit that was full (`requestHeld.limitId`, e.g.
   * `weight-1m`; `unavailable` when the limiter could not answer), in holds.
   */
  readonly heldByLimit: Readonly<Record<string, number>>;
  /**
   * Waits protection scheduled (`retryScheduled` with that cause, before a send or a
   * lookup): `circuitOpen` (for the breaker to let requests through; a probe's answer
   * may end it early, so the time actually waited can be shorter), `retryBudget` (for
   * tokens), `rateLimiter` (for room in a limit). `totalMs` is the time spent waiting for each.
   */
  readonly waits: {
    /** Waits for an open circuit breaker, in waits and ms. */
    readonly circuitOpen: WaitMetrics;
    /** Waits for the retry budget's tokens, in waits and ms. */
    readonly retryBudget: WaitMetrics;
    /** Waits for room in the client-side rate limiter, in waits and ms. */
    readonly rateLimiter: WaitMetrics;
  };
  /**
   * Breaker changes of position seen (`breakerStateChanged`), by the position moved to,
   * in transitions. A breaker shared between clients tells every one of them, so each
   * client counts all its changes.
   */
  readonly breakerTransitions: Readonly<Record<BreakerPositionName, number>>;
  /**
   * Every breaker that changed at least once, in the order first seen, with its position
   * after its last change (gauges). A breaker that never changed is closed and absent. An
   * open breaker whose open time has passed stays `open` here until a request probes it;
   * `client.protection()` reports it `halfOpen` from then.
   */
  readonly breakers: readonly BreakerPositionMetrics[];
  /**
   * Resends and lookups the retry budget could not pay for when asked (`requestHeld` with
   * cause `retryBudget`, whatever the run did), in requests. This client's share of
   * `client.protection().retryBudget.refused` (which counts every client of a shared budget).
   */
  readonly budgetRefusals: number;
}

/**
 * The monitoring signals of one intent client, counted from its events since the
 * collector was built (normally: since the client was created). Plain data: every field
 * is a number, `null`, or an object or array of them, so `JSON.stringify` keeps it whole.
 * Counters only grow; gauges (`statusNow`, `ledger.queueDepth`, `protection.breakers`)
 * go both ways.
 */
export interface IntentMetrics {
  /** When collection started, epoch ms on the collector's clock. */
  readonly since: number;
  /** When this snapshot was taken, epoch ms on the collector's clock. */
  readonly at: number;
  /** Runs of intents (calls and recovery), their results and attempts. */
  readonly intents: IntentRunMetrics;
  /** Intents by status now: this client's view (see {@link IntentStatusGauges}). */
  readonly statusNow: IntentStatusGauges;
  /** Same business id used with another payload (`idempotencyConflict`): `IntentConflictError`. */
  readonly conflicts: {
    /** Calls refused, in calls. A refused call starts no run (no `intentStarted`). */
    readonly count: number;
    /**
     * Share of calls refused: `count / (intents.startedByCall + count)`, a ratio from 0 to 1;
     * 0 before any call. Calls that joined a run already going in this process are not counted.
     */
    readonly rate: number;
  };
  /**
   * Runs in which a second execution was prevented, by how. A run may count under more
   * than one way (a venue's duplicate answer followed by a lookup that found the order
   * counts under `venueAnswer` and `reconcileFound`); `runs` counts each run once.
   */
  readonly duplicatesPrevented: {
    /** Runs with at least one of the ways below, in runs. */
    readonly runs: number;
    /** Answered from a finished ledger record with no request sent (`intentFinished.replayedFromLedger`), in runs. */
    readonly ledgerReplay: number;
    /** A send was answered "duplicate", "key in use" or replayed by the venue (`intentFinished.venueDuplicate`), in runs. */
    readonly venueAnswer: number;
    /**
     * A lookup of this run found the first execution, so nothing was resent
     * (`intentFinished.reconciled`), in runs. A ledger replay of an intent settled by lookup
     * earlier counts under `ledgerReplay` only, so each lookup that settled counts once.
     */
    readonly reconcileFound: number;
  };
  /** Write requests sent against the business objects they were for (`attemptStarted`). */
  readonly writes: {
    /** Write requests sent (every attempt, first sends and resends), in requests. */
    readonly sent: number;
    /**
     * Distinct intents (business objects: one per scope, operation and business id) this
     * client sent at least one write for. Memory: the collector remembers an intent id only
     * while the intent is unfinished; a succeeded or failed intent never sends again.
     */
    readonly objects: number;
    /**
     * Writes that were the first send of their intent in any process life (`attempt === 1`),
     * in requests. Summed over every client (and restart) of one ledger, it is the number of
     * business objects ever sent.
     */
    readonly firstSends: number;
    /** `sent / objects`, in requests per object; 1 is ideal; 0 before any write. */
    readonly perObject: number;
    /**
     * Of `sent`, writes the venue answered from its key store (`outcome.replayed`: the
     * stored answer to an earlier request with the key, e.g. Stripe's `Idempotent-Replayed`),
     * in requests. Each is a second execution the venue's key store prevented.
     */
    readonly venueReplayed: number;
  };
  /**
   * Attempts classified (`outcome`), by outcome kind: `success`, `retry`, `rateLimited`,
   * `resign`, `unknown`, `fatal`, and conflicts split as `conflict:inProgress` and
   * `conflict:duplicate`, in attempts.
   */
  readonly outcomes: Readonly<Record<string, number>>;
  /**
   * Waits before a send (`retryScheduled` with `before: 'send'`): mostly before a resend;
   * a usage pause (`rateLimitUsage`) or a protection wait (`circuitOpen`, `rateLimiter`)
   * may also come before a first send.
   */
  readonly retries: {
    /** Waits scheduled before a send, in waits. */
    readonly total: number;
    /**
     * By cause: the outcome kind (`retry`, `rateLimited`, `resign`, `unknown`,
     * `conflict`...), `venueBan`, `rateLimitUsage`, `settle`, or protection's
     * `circuitOpen`, `retryBudget`, `rateLimiter`, in waits.
     */
    readonly byCause: Readonly<Record<string, number>>;
  };
  /** Reconcile lookups (`lookupStarted`, `lookupFinished`, `reconcile`). */
  readonly lookups: {
    /** Lookup requests sent (a scan page and a fallback lookup count one each), in requests. */
    readonly started: number;
    /** By kind: `lookup` (the profile's), `scan` (a scan page), `operation` (the operation's own reconcile), in requests. */
    readonly byVia: Readonly<Record<LookupStartedEvent['via'], number>>;
    /** Answers read, by verdict: `found`, `failed` (found, and failed at the venue), `notFound`, `inconclusive`, in requests. */
    readonly byVerdict: Readonly<Record<LookupFinishedEvent['verdict'], number>>;
    /** Decisions taken after a lookup verdict (`reconcile.action`): `settled`, `resend`, `wait`, `giveUp`, in decisions. */
    readonly decisions: Readonly<Record<ReconcileEvent['action'], number>>;
  };
  /** Venue key windows that had passed (`keyExpired`). */
  readonly keysExpired: {
    /** In intents (one event each). */
    readonly total: number;
    /** A pending intent failed unsent because the venue no longer deduplicates its key. */
    readonly beforeSend: number;
    /** An unknown outcome was looked up instead of resent with a key the venue may have forgotten. */
    readonly resend: number;
  };
  /** Waits forced by the venue's limits (`retryScheduled` by cause, before a send or a lookup). */
  readonly rateLimits: {
    /** Waits after a rate-limit answer (429, `Retry-After`). */
    readonly rateLimited: WaitMetrics;
    /** Waits for a venue-wide ban to end (Binance 418). */
    readonly venueBan: WaitMetrics;
    /** Pauses taken before a limit was hit, from the venue's usage headers. */
    readonly rateLimitUsage: WaitMetrics;
  };
  /** What the client's protection held back, how long it made runs wait, and its breakers (see {@link ProtectionMetrics}). */
  readonly protection: ProtectionMetrics;
  /** Recovery passes started (`recoveryStarted`). */
  readonly recoveryPasses: number;
  /** What the ledger store reported; all zero for a store without `observe` (e.g. `MemoryLedger`). */
  readonly ledger: LedgerMetrics;
}

class Histogram {
  readonly #boundaries: readonly number[];
  readonly #counts: number[];
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  constructor(boundaries: readonly number[]) {
    this.#boundaries = boundaries;
    this.#counts = new Array<number>(boundaries.length + 1).fill(0);
  }

  record(value: number): void {
    if (!Number.isFinite(value)) return;
    let i = 0;
    while (i < this.#boundaries.length && value > (this.#boundaries[i] as number)) i++;
    this.#counts[i] = (this.#counts[i] as number) + 1;
    this.#count++;
    this.#sum += value;
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  snapshot(): HistogramSnapshot {
    return {
      boundaries: [...this.#boundaries],
      counts: [...this.#counts],
      count: this.#count,
      sum: this.#sum,
      min: this.#count === 0 ? null : this.#min,
      max: this.#count === 0 ? null : this.#max,
    };
  }
}

class Waits {
  count = 0;
  totalMs = 0;
  maxMs = 0;

  record(ms: number): void {
    const v = Number.isFinite(ms) && ms > 0 ? ms : 0;
    this.count++;
    this.totalMs += v;
    if (v > this.maxMs) this.maxMs = v;
  }

  snapshot(): WaitMetrics {
    return { count: this.count, totalMs: this.totalMs, maxMs: this.maxMs };
  }
}

const RESULTS: ReadonlyArray<IntentFinishedEvent['result']> = ['succeeded', 'failed', 'ambiguous', 'exhausted', 'busy', 'aborted', 'conflict', 'error'];
const OUTCOME_KEYS = ['success', 'retry', 'rateLimited', 'resign', 'unknown', 'conflict:inProgress', 'conflict:duplicate', 'fatal'] as const;

const HOLD_ACTIONS: readonly HoldAction[] = ['wait', 'stop', 'park'];
const BREAKER_POSITIONS: readonly BreakerPositionName[] = ['closed', 'halfOpen', 'open'];
/** Most rate-limit ids counted in `protection.heldByLimit` (a venue publishes a handful; a misbehaving limiter must not grow it without bound). */
const MAX_LIMIT_IDS = 32;
/** Most breakers listed in `protection.breakers` (one per operation at most). */
const MAX_BREAKERS = 256;

const zeroes = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const bump = (counts: Record<string, number>, key: string, by = 1): void => {
  counts[key] = (counts[key] ?? 0) + by;
};
const isTerminal = (status: IntentStatus): status is 'succeeded' | 'failed' => status === 'succeeded' || status === 'failed';

type GaugeView = 'pending' | 'inFlight' | 'unknown' | 'parked';

/** What the collector keeps about one unfinished intent it has seen. */
interface Tracked {
  view: GaugeView;
  /** Runs of this client driving it now (`intentStarted` without its `intentFinished` yet). */
  drivers: number;
  /** This client sent at least one write for it (counted in `writes.objects`). */
  sent: boolean;
}

/**
 * Counts the monitoring signals of an idempotency layer from an intent client's events:
 * conflicts, duplicates prevented (and how), retries that recovered and their causes,
 * lookups, expired keys, writes per business object, outcomes, intents by status, rate
 * limits and bans, what protection held back (and its breakers), and the ledger's group
 * commits.
 *
 * Subscribe it at construction to see everything (`createIntentClient` builds one per
 * client; `client.metrics()` returns its snapshot). Every handler is O(1); memory is one
 * small entry per unfinished intent this client touched.
 *
 * @example
 * const events = new IntentEvents(undefined);
 * const metrics = new MetricsCollector(events);
 * // ... events.emit(...) from the engine ...
 * console.log(JSON.stringify(metrics.snapshot()));
 */
export class MetricsCollector {
  readonly #clock: { now(): number };
  readonly #since: number;
  readonly #unsubscribe: Array<() => void> = [];
  /** Set by {@link stop}: the counters called directly count nothing more either. */
  #stopped = false;

  /**
   * The counts of `intentStarted`, `attemptStarted` and `outcome`, taken from their
   * fields as arguments. The event listeners call them; a client feeds its own collector
   * through them directly (`IntentEvents.counters`).
   */
  readonly counters: RunCounters = {
    started: (intentId, via, resumed, status) => {
      if (this.#stopped) return;
      this.#started++;
      if (via === 'recovery') this.#startedByRecovery++;
      else this.#startedByCall++;
      if (resumed) this.#resumed++;
      if (isTerminal(status)) return;
      this.#setStatus(intentId, status);
      this.#track(intentId, status).drivers++;
    },
    attemptStarted: (intentId, attempt) => {
      if (this.#stopped) return;
      this.#writes.sent++;
      if (attempt === 1) this.#writes.firstSends++;
      const t = this.#track(intentId, 'inFlight');
      t.view = 'inFlight';
      if (!t.sent) {
        t.sent = true;
        this.#writes.objects++;
      }
    },
    outcome: (intentId, outcome, status) => {
      if (this.#stopped) return;
      bump(this.#outcomes, outcome.kind === 'conflict' ? `conflict:${outcome.conflict}` : outcome.kind);
      if (outcome.replayed === true) this.#writes.venueReplayed++;
      this.#setStatus(intentId, status);
    },
  };

  // Intents
  #started = 0;
  #startedByCall = 0;
  #startedByRecovery = 0;
  #resumed = 0;
  #finished = 0;
  readonly #results = zeroes(RESULTS);
  #recovered = 0;
  readonly #attempts = new Histogram(ATTEMPTS_PER_INTENT_BUCKETS);
  #parkedEvents = 0;
  readonly #tracked = new Map<string, Tracked>();

  #conflicts = 0;
  readonly #dup = { runs: 0, ledgerReplay: 0, venueAnswer: 0, reconcileFound: 0 };
  readonly #writes = { sent: 0, objects: 0, firstSends: 0, venueReplayed: 0 };
  readonly #outcomes: Record<string, number> = zeroes(OUTCOME_KEYS);
  #retries = 0;
  readonly #retryCauses: Record<string, number> = {};
  readonly #lookups = {
    started: 0,
    byVia: zeroes<LookupStartedEvent['via']>(['lookup', 'scan', 'operation']),
    byVerdict: zeroes<LookupFinishedEvent['verdict']>(['found', 'failed', 'notFound', 'inconclusive']),
    decisions: zeroes<ReconcileEvent['action']>(['settled', 'resend', 'wait', 'giveUp']),
  };
  readonly #expired = { total: 0, beforeSend: 0, resend: 0 };
  readonly #waits = { rateLimited: new Waits(), venueBan: new Waits(), rateLimitUsage: new Waits() };
  #recoveryPasses = 0;

  // Protection
  readonly #held: Record<HoldCause, Record<HoldAction, number>> = {
    circuitOpen: zeroes(HOLD_ACTIONS),
    retryBudget: zeroes(HOLD_ACTIONS),
    rateLimiter: zeroes(HOLD_ACTIONS),
  };
  readonly #heldByLimit: Record<string, number> = {};
  readonly #protectionWaits = { circuitOpen: new Waits(), retryBudget: new Waits(), rateLimiter: new Waits() };
  readonly #breakerTransitions = zeroes<BreakerPositionName>(BREAKER_POSITIONS);
  /** By venue and operation (`venue` + NUL + operation, or the venue alone). */
  readonly #breakers = new Map<string, { -readonly [K in keyof BreakerPositionMetrics]: BreakerPositionMetrics[K] }>();

  // Ledger
  readonly #ledger = {
    flushes: 0,
    records: 0,
    bytes: 0,
    queueDepth: 0,
    maxQueueDepth: 0,
    compactions: 0,
    compactedIntentsDropped: 0,
    tornTailsRepaired: 0,
    lockTakeovers: 0,
  };
  readonly #flushLatency = new Histogram(FLUSH_LATENCY_BUCKETS_MS);
  readonly #flushRecords = new Histogram(FLUSH_BATCH_RECORDS_BUCKETS);

  /**
   * @param events the client's event stream (an `IntentEvents`, or anything with its `on`).
   * @param clock time source of the snapshot's `since` and `at` (pass the client's clock). @default the system clock
   * @param options.fedDirectly the collector does not subscribe to `intentStarted`,
   *   `attemptStarted` and `outcome`: whoever raises them calls {@link counters} instead
   *   (the client does, so that it builds no payload nobody reads). @default false
   */
  constructor(events: { on: IntentEvents['on'] }, clock: { now(): number } = systemClock, options: { readonly fedDirectly?: boolean } = {}) {
    this.#clock = clock;
    this.#since = clock.now();
    const on = <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void): void => {
      this.#unsubscribe.push(events.on(name, listener));
    };
    if (!options.fedDirectly) {
      const counters = this.counters;
      on('intentStarted', (e) => counters.started(e.intentId, e.via, e.resumed, e.status));
      on('attemptStarted', (e) => counters.attemptStarted(e.intentId, e.attempt));
      on('outcome', (e) => counters.outcome(e.intentId, e.outcome, e.status));
    }
    on('intentParked', (e) => {
      this.#parkedEvents++;
      this.#track(e.intentId, 'parked').view = 'parked';
    });
    on('intentFinished', (e) => this.#onFinished(e));
    on('idempotencyConflict', () => {
      this.#conflicts++;
    });
    on('retryScheduled', (e) => {
      if (e.before === 'send') {
        this.#retries++;
        bump(this.#retryCauses, e.cause);
      }
      if (e.cause === 'rateLimited' || e.cause === 'venueBan' || e.cause === 'rateLimitUsage') this.#waits[e.cause].record(e.delayMs);
      else if (e.cause === 'circuitOpen' || e.cause === 'retryBudget' || e.cause === 'rateLimiter') this.#protectionWaits[e.cause].record(e.delayMs);
    });
    on('requestHeld', (e) => {
      this.#onHeld(e);
    });
    on('breakerStateChanged', (e) => {
      this.#onBreaker(e);
    });
    on('lookupStarted', (e) => {
      this.#lookups.started++;
      bump(this.#lookups.byVia, e.via);
    });
    on('lookupFinished', (e) => {
      bump(this.#lookups.byVerdict, e.verdict);
    });
    on('reconcile', (e) => {
      bump(this.#lookups.decisions, e.action);
    });
    on('keyExpired', (e) => {
      this.#expired.total++;
      if (e.when === 'beforeSend') this.#expired.beforeSend++;
      else this.#expired.resend++;
    });
    on('recoveryStarted', () => {
      this.#recoveryPasses++;
    });
    on('ledger', (e) => {
      this.#onLedger(e);
    });
  }

  /** Stops counting (unsubscribes from every event). The last counts stay readable. */
  stop(): void {
    this.#stopped = true;
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** The counts so far, as a fresh plain object (safe to keep, change or serialise). */
  snapshot(): IntentMetrics {
    const gauges = { pending: 0, inFlight: 0, unknown: 0, parked: 0 };
    for (const t of this.#tracked.values()) gauges[t.view]++;
    const startedByCall = this.#startedByCall;
    const w = this.#writes;
    return {
      since: this.#since,
      at: this.#clock.now(),
      intents: {
        started: this.#started,
        startedByCall,
        startedByRecovery: this.#startedByRecovery,
        resumed: this.#resumed,
        finished: this.#finished,
        results: { ...this.#results },
        recovered: this.#recovered,
        attempts: this.#attempts.snapshot(),
        parked: this.#parkedEvents,
      },
      statusNow: gauges,
      conflicts: { count: this.#conflicts, rate: this.#conflicts === 0 ? 0 : this.#conflicts / (startedByCall + this.#conflicts) },
      duplicatesPrevented: { ...this.#dup },
      writes: { sent: w.sent, objects: w.objects, firstSends: w.firstSends, perObject: w.objects === 0 ? 0 : w.sent / w.objects, venueReplayed: w.venueReplayed },
      outcomes: { ...this.#outcomes },
      retries: { total: this.#retries, byCause: { ...this.#retryCauses } },
      lookups: {
        started: this.#lookups.started,
        byVia: { ...this.#lookups.byVia },
        byVerdict: { ...this.#lookups.byVerdict },
        decisions: { ...this.#lookups.decisions },
      },
      keysExpired: { ...this.#expired },
      rateLimits: {
        rateLimited: this.#waits.rateLimited.snapshot(),
        venueBan: this.#waits.venueBan.snapshot(),
        rateLimitUsage: this.#waits.rateLimitUsage.snapshot(),
      },
      protection: this.#protectionSnapshot(),
      recoveryPasses: this.#recoveryPasses,
      ledger: { ...this.#ledger, flushLatencyMs: this.#flushLatency.snapshot(), flushRecords: this.#flushRecords.snapshot() },
    };
  }

  #track(intentId: string, view: GaugeView): Tracked {
    let t = this.#tracked.get(intentId);
    if (!t) {
      t = { view, drivers: 0, sent: false };
      this.#tracked.set(intentId, t);
    }
    return t;
  }

  #setStatus(intentId: string, status: IntentStatus): void {
    if (isTerminal(status)) {
      this.#tracked.delete(intentId);
      return;
    }
    const t = this.#track(intentId, status);
    // An unknown intent stays shown as parked until something moves it on.
    if (!(status === 'unknown' && t.view === 'parked')) t.view = status;
  }

  #onFinished(e: IntentFinishedEvent): void {
    this.#finished++;
    bump(this.#results, e.result);
    if (e.recovered) this.#recovered++;
    if (e.attempts >= 1) this.#attempts.record(e.attempts);
    // `reconciled` stays true when a record settled by lookup is answered again from the
    // ledger; that run's prevention is the ledger's, and the lookup was counted when it ran.
    const reconciled = e.reconciled && !e.replayedFromLedger;
    if (e.replayedFromLedger) this.#dup.ledgerReplay++;
    if (e.venueDuplicate) this.#dup.venueAnswer++;
    if (reconciled) this.#dup.reconcileFound++;
    if (e.replayedFromLedger || e.venueDuplicate || reconciled) this.#dup.runs++;

    const t = this.#tracked.get(e.intentId);
    if (t) t.drivers = Math.max(0, t.drivers - 1);
    if (e.result === 'busy' || e.result === 'conflict') {
      // Another worker's run (busy), or another payload's intent (conflict): its status is
      // not this run's doing. Keep it only while a run of this client still drives it.
      if (t && t.drivers === 0 && !t.sent) this.#tracked.delete(e.intentId);
      return;
    }
    this.#setStatus(e.intentId, e.status);
  }

  #onHeld(e: RequestHeldEvent): void {
    const byAction = this.#held[e.cause] as Record<HoldAction, number> | undefined;
    // A cause or action this version does not know is not counted (it has no field).
    if (byAction === undefined || !HOLD_ACTIONS.includes(e.action)) return;
    byAction[e.action]++;
    if (e.cause === 'rateLimiter') {
      const id = typeof e.limitId === 'string' ? e.limitId : 'unknown';
      if (id in this.#heldByLimit || Object.keys(this.#heldByLimit).length < MAX_LIMIT_IDS) bump(this.#heldByLimit, id);
      else bump(this.#heldByLimit, 'other');
    }
  }

  #onBreaker(e: BreakerStateChangedEvent): void {
    if (!BREAKER_POSITIONS.includes(e.to)) return;
    this.#breakerTransitions[e.to]++;
    const operation = typeof e.operation === 'string' ? e.operation : null;
    const id = operation === null ? e.venue : `${e.venue}\u0000${operation}`;
    let b = this.#breakers.get(id);
    if (b === undefined) {
      if (this.#breakers.size >= MAX_BREAKERS) return;
      b = { venue: e.venue, operation, position: e.to, since: e.at, retryAt: null, transitions: 0 };
      this.#breakers.set(id, b);
    }
    b.position = e.to;
    b.since = e.at;
    b.retryAt = e.to === 'open' && typeof e.retryAt === 'number' ? e.retryAt : null;
    b.transitions++;
  }

  #protectionSnapshot(): ProtectionMetrics {
    const held = this.#held;
    const w = this.#protectionWaits;
    return {
      held: { circuitOpen: { ...held.circuitOpen }, retryBudget: { ...held.retryBudget }, rateLimiter: { ...held.rateLimiter } },
      heldByLimit: { ...this.#heldByLimit },
      waits: { circuitOpen: w.circuitOpen.snapshot(), retryBudget: w.retryBudget.snapshot(), rateLimiter: w.rateLimiter.snapshot() },
      breakerTransitions: { ...this.#breakerTransitions },
      breakers: [...this.#breakers.values()].map((b) => ({ ...b })),
      budgetRefusals: held.retryBudget.wait + held.retryBudget.stop + held.retryBudget.park,
    };
  }

  #onLedger(e: LedgerObservation): void {
    const l = this.#ledger;
    switch (e.type) {
      case 'flush':
        l.flushes++;
        l.records += e.records;
        l.bytes += e.bytes;
        l.queueDepth = e.queueDepth;
        if (e.queueDepth > l.maxQueueDepth) l.maxQueueDepth = e.queueDepth;
        this.#flushLatency.record(e.latencyMs);
        this.#flushRecords.record(e.records);
        return;
      case 'compacted':
        l.compactions++;
        l.compactedIntentsDropped += e.droppedIntents;
        return;
      case 'tornTailRepaired':
        l.tornTailsRepaired++;
        return;
      case 'staleLockTakenOver':
        l.lockTakeovers++;
        return;
    }
  }
}
