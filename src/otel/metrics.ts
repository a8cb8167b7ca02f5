import {
  ValueType,
  type Attributes,
  type BatchObservableResult,
  type Counter,
  type Histogram,
  type Meter,
  type ObservableGauge,
  type ObservableResult,
  type UpDownCounter,
} from '@opentelemetry/api';
import type { ProtectionSnapshot } from '../client/protection.js';
import type { IntentEventMap, IntentFinishedEvent } from '../client/types.js';
import type { IntentStatus } from '../ledger/intent.js';
import { BREAKER_POSITION_VALUES, INSTRUMENTS, type InstrumentName, type InstrumentSpec } from './instruments.js';

type Spec<N extends InstrumentName> = Extract<(typeof INSTRUMENTS)[number], { name: N }>;
type Instruments = {
  readonly [N in InstrumentName]: Spec<N>['kind'] extends 'counter'
    ? Counter
    : Spec<N>['kind'] extends 'upDownCounter'
      ? UpDownCounter
      : Spec<N>['kind'] extends 'histogram'
        ? Histogram
        : ObservableGauge;
};

type On = <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void) => void;

/** Retry causes that are waits the venue imposed. */
const RATE_LIMIT_CAUSES: ReadonlySet<string> = new Set(['rateLimited', 'venueBan', 'rateLimitUsage']);
/** Retry causes that are waits the client's protection imposed. */
const PROTECTION_CAUSES: ReadonlySet<string> = new Set(['circuitOpen', 'retryBudget', 'rateLimiter']);

/** Where the protection gauges read from: the client's `protection()` and its venue's name. */
export interface ProtectionSource {
  /** `client.protection()`: the budget's balance and each breaker's position now. */
  readonly read: () => Promise<ProtectionSnapshot> | ProtectionSnapshot;
  /** The venue's name, for the gauges' `intentkey.venue`. */
  readonly venue: string | undefined;
}

type View = 'pending' | 'inFlight' | 'unknown' | 'parked';

/** An unfinished intent this client drove, for `intentkey.intents.active` (as the collector's `statusNow`). */
interface Tracked {
  view: View;
  readonly attributes: Attributes;
  /** Runs of this client driving it now. */
  drivers: number;
  /** This client sent at least one write for it (counted in `intentkey.business_objects`). */
  sent: boolean;
}

const isTerminal = (status: IntentStatus): boolean => status === 'succeeded' || status === 'failed';

/** Units whose values may be fractional (recorded as doubles): durations, and the retry budget's tokens (refilled continuously). */
const FRACTIONAL_UNITS: ReadonlySet<string> = new Set(['ms', '{token}']);

/** Low-cardinality attributes of every per-intent data point. */
export function metricAttributes(e: { readonly operation: string; readonly venue: string }): Attributes {
  return { 'intentkey.operation': e.operation, 'intentkey.venue': e.venue };
}

export function createInstruments(meter: Meter): Instruments {
  const created: Record<string, unknown> = {};
  for (const spec of INSTRUMENTS as readonly InstrumentSpec[]) {
    const base = { description: spec.description, unit: spec.unit, valueType: FRACTIONAL_UNITS.has(spec.unit) ? ValueType.DOUBLE : ValueType.INT };
    switch (spec.kind) {
      case 'counter':
        created[spec.name] = meter.createCounter(spec.name, base);
        break;
      case 'upDownCounter':
        created[spec.name] = meter.createUpDownCounter(spec.name, base);
        break;
      case 'histogram':
        created[spec.name] = meter.createHistogram(spec.name, {
          ...base,
          ...(spec.buckets === undefined ? {} : { advice: { explicitBucketBoundaries: [...spec.buckets] } }),
        });
        break;
      case 'observableGauge':
        created[spec.name] = meter.createObservableGauge(spec.name, base);
        break;
    }
  }
  return created as Instruments;
}

/**
 * Records the instruments of {@link INSTRUMENTS} from a client's events, counting what the
 * client's `MetricsCollector` counts, and, given `protection`, the budget and breaker
 * gauges read from `client.protection()` at each collection. Returns its cleanup: the
 * gauge callbacks are removed and the intents still counted as active are taken off
 * `intentkey.intents.active`.
 */
export function recordMetrics(meter: Meter, on: On, maxTracked: number, protection?: ProtectionSource): () => void {
  const m = createInstruments(meter);
  const active = m['intentkey.intents.active'];
  const tracked = new Map<string, Tracked>();

  let queueDepth: number | undefined;
  const observeQueueDepth = (result: ObservableResult): void => {
    if (queueDepth !== undefined) result.observe(queueDepth);
  };
  m['intentkey.ledger.queue.depth'].addCallback(observeQueueDepth);

  // The protection gauges: one read of client.protection() per collection for both.
  const positionGauge = m['intentkey.breaker.position'];
  const balanceGauge = m['intentkey.retry_budget.balance'];
  const observeProtection = async (result: BatchObservableResult): Promise<void> => {
    if (protection === undefined) return;
    let snapshot: ProtectionSnapshot;
    try {
      snapshot = await protection.read();
    } catch {
      // A limiter that cannot answer (its Redis is down) must not fail the whole collection.
      return;
    }
    const venue: Attributes = protection.venue === undefined ? {} : { 'intentkey.venue': protection.venue };
    const balance = snapshot.retryBudget?.balance;
    if (typeof balance === 'number' && Number.isFinite(balance)) result.observe(balanceGauge, balance, venue);
    for (const breaker of snapshot.breakers ?? []) {
      const value = BREAKER_POSITION_VALUES[breaker.position] as number | undefined;
      if (value === undefined) continue;
      result.observe(positionGauge, value, breaker.operation === undefined ? venue : { ...venue, 'intentkey.operation': breaker.operation });
    }
  };
  if (protection !== undefined) meter.addBatchObservableCallback(observeProtection, [positionGauge, balanceGauge]);

  const track = (intentId: string, view: View, attributes: Attributes): Tracked => {
    let t = tracked.get(intentId);
    if (t === undefined) {
      if (tracked.size >= maxTracked) {
        // Bounded: forget the oldest (its gauge contribution with it).
        const oldest = tracked.entries().next();
        if (oldest.done !== true) untrack(oldest.value[0]);
      }
      t = { view, attributes, drivers: 0, sent: false };
      tracked.set(intentId, t);
      active.add(1, { ...attributes, 'intentkey.status': view });
    }
    return t;
  };
  const setView = (t: Tracked, view: View): void => {
    if (t.view === view) return;
    active.add(-1, { ...t.attributes, 'intentkey.status': t.view });
    active.add(1, { ...t.attributes, 'intentkey.status': view });
    t.view = view;
  };
  const untrack = (intentId: string): void => {
    const t = tracked.get(intentId);
    if (t === undefined) return;
    tracked.delete(intentId);
    active.add(-1, { ...t.attributes, 'intentkey.status': t.view });
  };
  const setStatus = (intentId: string, status: IntentStatus, attributes: Attributes): void => {
    if (isTerminal(status)) {
      untrack(intentId);
      return;
    }
    const view = status as View;
    const t = track(intentId, view, attributes);
    // An unknown intent stays shown as parked until something moves it on.
    if (!(status === 'unknown' && t.view === 'parked')) setView(t, view);
  };
  const attributesOf = (e: { readonly intentId: string; readonly operation: string; readonly venue: string }): Attributes =>
    tracked.get(e.intentId)?.attributes ?? metricAttributes(e);

  on('intentStarted', (e) => {
    const attributes = attributesOf(e);
    m['intentkey.intents.started'].add(1, { ...attributes, 'intentkey.via': e.via, 'intentkey.resumed': e.resumed });
    if (isTerminal(e.status)) return;
    setStatus(e.intentId, e.status, attributes);
    const t = tracked.get(e.intentId);
    if (t !== undefined) t.drivers += 1;
  });

  on('attemptStarted', (e) => {
    const attributes = attributesOf(e);
    m['intentkey.writes.sent'].add(1, { ...attributes, 'intentkey.first_send': e.attempt === 1 });
    const t = track(e.intentId, 'inFlight', attributes);
    setView(t, 'inFlight');
    if (!t.sent) {
      t.sent = true;
      m['intentkey.business_objects'].add(1, attributes);
    }
  });

  on('outcome', (e) => {
    const attributes = attributesOf(e);
    const kind: Attributes = { ...attributes, 'intentkey.outcome.kind': e.outcome.kind };
    m['intentkey.outcomes'].add(1, e.outcome.kind === 'conflict' ? { ...kind, 'intentkey.outcome.conflict': e.outcome.conflict } : kind);
    m['intentkey.attempt.duration'].record(e.durationMs, kind);
    if (e.outcome.replayed === true) m['intentkey.writes.venue_replayed'].add(1, attributes);
    setStatus(e.intentId, e.status, attributes);
  });

  on('intentParked', (e) => {
    const attributes = attributesOf(e);
    m['intentkey.parked'].add(1, attributes);
    setView(track(e.intentId, 'parked', attributes), 'parked');
  });

  on('intentFinished', (e: IntentFinishedEvent) => {
    const attributes = attributesOf(e);
    const result: Attributes = { ...attributes, 'intentkey.result': e.result };
    m['intentkey.intents.finished'].add(1, { ...result, 'intentkey.via': e.via });
    m['intentkey.intent.duration'].record(e.durationMs, result);
    if (e.attempts >= 1) m['intentkey.attempts_per_intent'].record(e.attempts, result);
    if (e.recovered) m['intentkey.retry.recovered'].add(1, attributes);
    const prevented = m['intentkey.duplicates.prevented'];
    if (e.replayedFromLedger) prevented.add(1, { ...attributes, 'intentkey.prevented_by': 'ledger_replay' });
    if (e.venueDuplicate) prevented.add(1, { ...attributes, 'intentkey.prevented_by': 'venue_answer' });
    // `reconciled` stays true when a record settled by a lookup is answered again from the
    // ledger: that run's prevention is the ledger's (as the collector counts it).
    if (e.reconciled && !e.replayedFromLedger) prevented.add(1, { ...attributes, 'intentkey.prevented_by': 'reconcile_found' });

    const t = tracked.get(e.intentId);
    if (t !== undefined) t.drivers = Math.max(0, t.drivers - 1);
    if (e.result === 'busy' || e.result === 'conflict') {
      // Another worker's run, or another payload's intent: its status is not this run's doing.
      if (t !== undefined && t.drivers === 0 && !t.sent) untrack(e.intentId);
      return;
    }
    setStatus(e.intentId, e.status, attributes);
  });

  on('idempotencyConflict', (e) => {
    m['intentkey.idempotency.conflicts'].add(1, metricAttributes(e));
  });

  on('retryScheduled', (e) => {
    const attributes: Attributes = { ...attributesOf(e), 'intentkey.cause': e.cause };
    if (e.before === 'send') m['intentkey.retries'].add(1, attributes);
    if (RATE_LIMIT_CAUSES.has(e.cause)) m['intentkey.rate_limit.wait.duration'].record(Math.max(0, e.delayMs), attributes);
    else if (PROTECTION_CAUSES.has(e.cause)) m['intentkey.protection.wait.duration'].record(Math.max(0, e.delayMs), attributes);
  });

  on('requestHeld', (e) => {
    const attributes: Attributes = {
      ...attributesOf(e),
      'intentkey.cause': e.cause,
      'intentkey.protection.action': e.action,
      'intentkey.protection.before': e.before,
    };
    if (e.cause === 'rateLimiter' && typeof e.limitId === 'string') attributes['intentkey.limit.id'] = e.limitId;
    m['intentkey.protection.held'].add(1, attributes);
  });

  on('breakerStateChanged', (e) => {
    const attributes: Attributes = { 'intentkey.venue': e.venue, 'intentkey.breaker.from': e.from, 'intentkey.breaker.to': e.to };
    if (typeof e.operation === 'string') attributes['intentkey.operation'] = e.operation;
    m['intentkey.breaker.transitions'].add(1, attributes);
  });

  on('lookupStarted', (e) => {
    m['intentkey.lookups'].add(1, { ...attributesOf(e), 'intentkey.lookup.via': e.via });
  });

  on('lookupFinished', (e) => {
    const attributes: Attributes = { ...attributesOf(e), 'intentkey.lookup.verdict': e.verdict };
    m['intentkey.lookup.verdicts'].add(1, attributes);
    m['intentkey.lookup.duration'].record(e.durationMs, attributes);
  });

  on('reconcile', (e) => {
    m['intentkey.reconcile.decisions'].add(1, { ...attributesOf(e), 'intentkey.reconcile.action': e.action });
  });

  on('keyExpired', (e) => {
    m['intentkey.key.expired'].add(1, { ...attributesOf(e), 'intentkey.key_expired.when': e.when });
  });

  on('recoveryStarted', () => {
    m['intentkey.recovery.passes'].add(1);
  });

  on('ledger', (e) => {
    switch (e.type) {
      case 'flush':
        m['intentkey.ledger.flush.duration'].record(e.latencyMs);
        m['intentkey.ledger.flush.records'].record(e.records);
        m['intentkey.ledger.flush.bytes'].add(e.bytes);
        queueDepth = e.queueDepth;
        return;
      case 'compacted':
        m['intentkey.ledger.compactions'].add(1);
        m['intentkey.ledger.compaction.dropped_intents'].add(e.droppedIntents);
        return;
      case 'tornTailRepaired':
        m['intentkey.ledger.torn_tails_repaired'].add(1);
        return;
      case 'staleLockTakenOver':
        m['intentkey.ledger.lock_takeovers'].add(1);
        return;
    }
  });

  return () => {
    m['intentkey.ledger.queue.depth'].removeCallback(observeQueueDepth);
    if (protection !== undefined) meter.removeBatchObservableCallback(observeProtection, [positionGauge, balanceGauge]);
    for (const intentId of [...tracked.keys()]) untrack(intentId);
  };
}
