import { describe, expect, it } from 'vitest';
import { IntentEvents } from '../../../src/client/events.js';
import type { BreakerStateChangedEvent, IntentEventMap, IntentFinishedEvent, RequestHeldEvent } from '../../../src/client/types.js';
import type { Outcome } from '../../../src/classify/outcome.js';
import type { IntentStatus } from '../../../src/ledger/intent.js';
import {
  ATTEMPTS_PER_INTENT_BUCKETS,
  FLUSH_BATCH_RECORDS_BUCKETS,
  FLUSH_LATENCY_BUCKETS_MS,
  MetricsCollector,
  type IntentMetrics,
} from '../../../src/observability/metrics.js';
import { ManualClock } from '../../../src/testing/index.js';

const base = (id: string) => ({ intentId: id, operation: 'order.create', scope: 'default', venue: 'v', key: `K${id}` });

/** Emits synthetic engine events for one intent. */
function driver(events: IntentEvents) {
  let attempt = 0;
  const request = { method: 'POST', url: 'http://venue/api/v3/order' };
  return {
    started: (id: string, status: IntentStatus = 'pending', more: Partial<IntentEventMap['intentStarted']> = {}) =>
      events.emit('intentStarted', { ...base(id), businessId: `b-${id}`, resumed: false, status, fingerprint: 'f', via: 'call', ...more }),
    send: (id: string, n = ++attempt) => events.emit('attemptStarted', { ...base(id), attempt: n, venueKey: `K${id}`, correlationId: `ik-${n}`, request }),
    outcome: (id: string, outcome: Outcome, status: IntentStatus) =>
      events.emit('outcome', { ...base(id), attempt, correlationId: `ik-${attempt}`, outcome, status, durationMs: 5 }),
    finished: (id: string, status: IntentStatus, result: IntentFinishedEvent['result'], more: Partial<IntentFinishedEvent> = {}) =>
      events.emit('intentFinished', {
        ...base(id),
        businessId: `b-${id}`,
        via: 'call',
        status,
        result,
        replayedFromLedger: false,
        reconciled: false,
        venueDuplicate: false,
        resent: false,
        attempts: 0,
        lookups: 0,
        recovered: false,
        durationMs: 10,
        ...more,
      }),
    retry: (id: string, cause: string, delayMs: number, before: 'send' | 'lookup' = 'send') =>
      events.emit('retryScheduled', { ...base(id), attempt, delayMs, before, cause }),
    lookup: (id: string, verdict: IntentEventMap['lookupFinished']['verdict'], via: IntentEventMap['lookupStarted']['via'] = 'lookup') => {
      events.emit('lookupStarted', { ...base(id), attempt, correlationId: 'ik-l', via, request: { method: 'GET', url: 'http://venue/api/v3/order' } });
      events.emit('lookupFinished', { ...base(id), attempt, correlationId: 'ik-l', verdict, durationMs: 3 });
    },
  };
}

function setup() {
  const clock = new ManualClock({ now: 1_000 });
  const events = new IntentEvents(undefined);
  const metrics = new MetricsCollector(events, clock);
  return { clock, events, metrics, d: driver(events) };
}

describe('MetricsCollector', () => {
  it('starts at zero with every documented field, and a snapshot survives JSON unchanged', () => {
    const { metrics, clock } = setup();
    clock.advance(500);
    const s = metrics.snapshot();
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
    expect(s).toMatchObject({
      since: 1_000,
      at: 1_500,
      intents: { started: 0, finished: 0, recovered: 0, parked: 0, results: { succeeded: 0, failed: 0, ambiguous: 0, exhausted: 0, busy: 0, aborted: 0, conflict: 0, error: 0 } },
      statusNow: { pending: 0, inFlight: 0, unknown: 0, parked: 0 },
      conflicts: { count: 0, rate: 0 },
      duplicatesPrevented: { runs: 0, ledgerReplay: 0, venueAnswer: 0, reconcileFound: 0 },
      writes: { sent: 0, objects: 0, firstSends: 0, perObject: 0, venueReplayed: 0 },
      retries: { total: 0, byCause: {} },
      lookups: { started: 0, byVia: { lookup: 0, scan: 0, operation: 0 }, byVerdict: { found: 0, failed: 0, notFound: 0, inconclusive: 0 } },
      keysExpired: { total: 0, beforeSend: 0, resend: 0 },
      rateLimits: { rateLimited: { count: 0, totalMs: 0, maxMs: 0 }, venueBan: { count: 0, totalMs: 0, maxMs: 0 }, rateLimitUsage: { count: 0, totalMs: 0, maxMs: 0 } },
      protection: {
        held: {
          circuitOpen: { wait: 0, stop: 0, park: 0 },
          retryBudget: { wait: 0, stop: 0, park: 0 },
          rateLimiter: { wait: 0, stop: 0, park: 0 },
        },
        heldByLimit: {},
        waits: { circuitOpen: { count: 0, totalMs: 0, maxMs: 0 }, retryBudget: { count: 0, totalMs: 0, maxMs: 0 }, rateLimiter: { count: 0, totalMs: 0, maxMs: 0 } },
        breakerTransitions: { closed: 0, halfOpen: 0, open: 0 },
        breakers: [],
        budgetRefusals: 0,
      },
      recoveryPasses: 0,
      ledger: { flushes: 0, records: 0, bytes: 0, queueDepth: 0, maxQueueDepth: 0, compactions: 0, tornTailsRepaired: 0, lockTakeovers: 0 },
    });
    expect(s.intents.attempts).toEqual({ boundaries: [...ATTEMPTS_PER_INTENT_BUCKETS], counts: [0, 0, 0, 0, 0], count: 0, sum: 0, min: null, max: null });
    expect(s.ledger.flushLatencyMs.boundaries).toEqual([...FLUSH_LATENCY_BUCKETS_MS]);
    expect(s.ledger.flushRecords.boundaries).toEqual([...FLUSH_BATCH_RECORDS_BUCKETS]);
  });

  it('a clean first try: one write, one object, one succeeded run of 1 attempt', () => {
    const { metrics, d } = setup();
    d.started('a');
    expect(metrics.snapshot().statusNow).toEqual({ pending: 1, inFlight: 0, unknown: 0, parked: 0 });
    d.send('a', 1);
    expect(metrics.snapshot().statusNow).toEqual({ pending: 0, inFlight: 1, unknown: 0, parked: 0 });
    d.outcome('a', { kind: 'success', reason: 'HTTP 200' }, 'succeeded');
    d.finished('a', 'succeeded', 'succeeded', { attempts: 1 });
    const s = metrics.snapshot();
    expect(s.writes).toEqual({ sent: 1, objects: 1, firstSends: 1, perObject: 1, venueReplayed: 0 });
    expect(s.intents).toMatchObject({ started: 1, startedByCall: 1, finished: 1, results: { succeeded: 1 }, recovered: 0 });
    expect(s.intents.attempts.counts).toEqual([1, 0, 0, 0, 0]);
    expect(s.outcomes).toMatchObject({ success: 1 });
    expect(s.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
  });

  it('a lost answer settled by lookup, then a retried 503 that recovered: retries by cause, lookups by verdict, recovered, writes per object', () => {
    const { metrics, d } = setup();
    // Intent a: executeThenDrop, looked up (notFound, then found) and settled.
    d.started('a');
    d.send('a', 1);
    d.outcome('a', { kind: 'unknown', reason: 'socket reset' }, 'unknown');
    expect(metrics.snapshot().statusNow.unknown).toBe(1);
    d.retry('a', 'settle', 1_000, 'lookup');
    d.lookup('a', 'notFound');
    d.lookup('a', 'found', 'scan');
    d.finished('a', 'succeeded', 'succeeded', { attempts: 1, lookups: 2, reconciled: true, recovered: true });
    // Intent b: two 503s then success.
    d.started('b');
    d.send('b', 1);
    d.outcome('b', { kind: 'retry', reason: 'HTTP 503', httpStatus: 503 }, 'pending');
    d.retry('b', 'retry', 200);
    d.send('b', 2);
    d.outcome('b', { kind: 'retry', reason: 'HTTP 503', httpStatus: 503 }, 'pending');
    d.retry('b', 'retry', 400);
    d.send('b', 3);
    d.outcome('b', { kind: 'success', reason: 'HTTP 200' }, 'succeeded');
    d.finished('b', 'succeeded', 'succeeded', { attempts: 3, recovered: true });

    const s = metrics.snapshot();
    expect(s.writes).toEqual({ sent: 4, objects: 2, firstSends: 2, perObject: 2, venueReplayed: 0 });
    expect(s.retries).toEqual({ total: 2, byCause: { retry: 2 } }); // the settle wait was before a lookup
    expect(s.lookups).toMatchObject({ started: 2, byVia: { lookup: 1, scan: 1, operation: 0 }, byVerdict: { found: 1, notFound: 1, failed: 0, inconclusive: 0 } });
    expect(s.duplicatesPrevented).toEqual({ runs: 1, ledgerReplay: 0, venueAnswer: 0, reconcileFound: 1 });
    expect(s.intents.recovered).toBe(2);
    expect(s.intents.attempts).toMatchObject({ counts: [1, 0, 1, 0, 0], count: 2, sum: 4, min: 1, max: 3 });
    expect(s.outcomes).toMatchObject({ unknown: 1, retry: 2, success: 1 });
    expect(s.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
  });

  it('splits conflicts by kind and counts venue duplicates and ledger replays; a replay sends nothing', () => {
    const { metrics, d } = setup();
    d.started('a');
    d.send('a', 1);
    d.outcome('a', { kind: 'conflict', conflict: 'inProgress', reason: 'HTTP 409' }, 'pending');
    d.send('a', 2);
    d.outcome('a', { kind: 'conflict', conflict: 'duplicate', reason: 'binance -2010' }, 'unknown');
    d.lookup('a', 'found');
    d.finished('a', 'succeeded', 'succeeded', { attempts: 2, venueDuplicate: true, reconciled: true, lookups: 1 });
    // The same business action called again: answered from the ledger (the result still
    // says it came from a lookup; the lookup is not counted twice).
    d.started('a', 'succeeded', { resumed: true });
    d.finished('a', 'succeeded', 'succeeded', { replayedFromLedger: true, reconciled: true });
    const s = metrics.snapshot();
    expect(s.outcomes).toMatchObject({ 'conflict:inProgress': 1, 'conflict:duplicate': 1 });
    expect(s.duplicatesPrevented).toEqual({ runs: 2, ledgerReplay: 1, venueAnswer: 1, reconcileFound: 1 });
    expect(s.writes).toMatchObject({ sent: 2, objects: 1 });
    expect(s.intents).toMatchObject({ started: 2, resumed: 1, finished: 2 });
    expect(s.intents.attempts.count).toBe(1); // the replay sent nothing
  });

  it('idempotency conflicts: count, and rate per call (a refused call starts no run)', () => {
    const { events, metrics, d } = setup();
    for (const id of ['a', 'b', 'c', 'd']) {
      d.started(id);
      d.finished(id, 'pending', 'exhausted');
    }
    events.emit('idempotencyConflict', { intentId: 'a', operation: 'o', scope: 's', venue: 'v', businessId: 'b-a', key: 'Ka', storedFingerprint: 'x', fingerprint: 'y' });
    expect(metrics.snapshot().conflicts).toEqual({ count: 1, rate: 0.2 });
  });

  it('rate-limit waits and ban waits: count, total and longest, whether before a send or a lookup', () => {
    const { metrics, d } = setup();
    d.retry('a', 'rateLimited', 1_000);
    d.retry('a', 'rateLimited', 3_000);
    d.retry('a', 'venueBan', 60_000, 'lookup');
    d.retry('b', 'rateLimitUsage', 12_000);
    d.retry('b', 'resign', 0);
    const s = metrics.snapshot();
    expect(s.rateLimits).toEqual({
      rateLimited: { count: 2, totalMs: 4_000, maxMs: 3_000 },
      venueBan: { count: 1, totalMs: 60_000, maxMs: 60_000 },
      rateLimitUsage: { count: 1, totalMs: 12_000, maxMs: 12_000 },
    });
    expect(s.retries).toEqual({ total: 4, byCause: { rateLimited: 2, rateLimitUsage: 1, resign: 1 } });
  });

  it('expired keys by when, reconcile decisions, recovery passes, parked intents', () => {
    const { events, metrics, d } = setup();
    events.emit('keyExpired', { ...base('a'), attempt: 0, when: 'beforeSend' });
    events.emit('keyExpired', { ...base('b'), attempt: 1, when: 'resend' });
    events.emit('keyExpired', { ...base('c'), attempt: 1, when: 'resend' });
    events.emit('reconcile', { ...base('b'), attempt: 1, lookup: 'found', action: 'settled' });
    events.emit('reconcile', { ...base('c'), attempt: 1, lookup: 'notFound', action: 'resend' });
    events.emit('recoveryStarted', { total: 3, parkedNotDue: 0 });
    d.started('p');
    d.send('p', 1);
    d.outcome('p', { kind: 'unknown', reason: 'timeout' }, 'unknown');
    events.emit('intentParked', { ...base('p'), attempt: 1, businessId: 'b-p', at: 1, nextCheckAt: 2, count: 1, reason: 'lookups spent' });
    d.finished('p', 'unknown', 'ambiguous', { attempts: 1 });
    const s = metrics.snapshot();
    expect(s.keysExpired).toEqual({ total: 3, beforeSend: 1, resend: 2 });
    expect(s.lookups.decisions).toEqual({ settled: 1, resend: 1, wait: 0, giveUp: 0 });
    expect(s.recoveryPasses).toBe(1);
    expect(s.intents.parked).toBe(1);
    expect(s.intents.results.ambiguous).toBe(1);
    // Still unknown in the ledger and parked: shown as parked, not as unknown.
    expect(s.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 1 });
  });

  it('status gauges follow the intents this client drives, across calls and a recovery that settles them', () => {
    const { metrics, d } = setup();
    d.started('a');
    d.started('b');
    d.started('c');
    d.send('a', 1);
    d.send('b', 1);
    expect(metrics.snapshot().statusNow).toEqual({ pending: 1, inFlight: 2, unknown: 0, parked: 0 });
    d.outcome('a', { kind: 'unknown', reason: 'timeout' }, 'unknown');
    d.finished('a', 'unknown', 'ambiguous', { attempts: 1 });
    d.outcome('b', { kind: 'fatal', reason: 'HTTP 400' }, 'failed');
    d.finished('b', 'failed', 'failed', { attempts: 1 });
    d.finished('c', 'pending', 'aborted');
    expect(metrics.snapshot().statusNow).toEqual({ pending: 1, inFlight: 0, unknown: 1, parked: 0 });
    // A recovery pass picks a up and settles it by lookup.
    d.started('a', 'unknown', { via: 'recovery', resumed: true });
    d.lookup('a', 'found');
    d.finished('a', 'succeeded', 'succeeded', { via: 'recovery', reconciled: true, lookups: 1, recovered: true });
    expect(metrics.snapshot().statusNow).toEqual({ pending: 1, inFlight: 0, unknown: 0, parked: 0 });
    expect(metrics.snapshot().intents).toMatchObject({ startedByCall: 3, startedByRecovery: 1, resumed: 1 });
    // The same object sent again by recovery is not a new object.
    d.started('c', 'pending', { via: 'recovery', resumed: true });
    d.send('c', 1);
    d.outcome('c', { kind: 'success', reason: 'HTTP 200' }, 'succeeded');
    d.finished('c', 'succeeded', 'succeeded', { via: 'recovery', attempts: 1 });
    expect(metrics.snapshot().writes).toEqual({ sent: 3, objects: 3, firstSends: 3, perObject: 1, venueReplayed: 0 });
    expect(metrics.snapshot().statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
  });

  it('a resend after a restart is not a first send; an intent busy at another worker leaves the gauges', () => {
    const { metrics, d } = setup();
    d.started('x', 'unknown', { via: 'recovery', resumed: true });
    d.send('x', 2);
    d.outcome('x', { kind: 'success', reason: 'HTTP 200', replayed: true }, 'succeeded');
    d.finished('x', 'succeeded', 'succeeded', { via: 'recovery', attempts: 1, venueDuplicate: true, resent: true, recovered: true });
    d.started('y', 'inFlight', { resumed: true });
    expect(metrics.snapshot().statusNow.inFlight).toBe(1);
    d.finished('y', 'inFlight', 'busy');
    const s = metrics.snapshot();
    expect(s.writes).toEqual({ sent: 1, objects: 1, firstSends: 0, perObject: 1, venueReplayed: 1 });
    expect(s.duplicatesPrevented.venueAnswer).toBe(1);
    expect(s.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
    expect(s.intents.results.busy).toBe(1);
  });

  it('the attempts histogram puts 1, 2, 3, 4-5 and 6+ sends in their buckets', () => {
    const { metrics, d } = setup();
    for (const [i, n] of [1, 2, 3, 4, 5, 6, 12, 0].entries()) d.finished(`h${i}`, 'succeeded', 'succeeded', { attempts: n });
    expect(metrics.snapshot().intents.attempts).toEqual({ boundaries: [1, 2, 3, 5], counts: [1, 1, 1, 2, 2], count: 7, sum: 33, min: 1, max: 12 });
  });

  it('ledger observations: flushes into latency and batch histograms, queue depth last and max, compactions, repairs, takeovers', () => {
    const { events, metrics } = setup();
    const flush = (records: number, latencyMs: number, queueDepth: number): void =>
      events.emit('ledger', { type: 'flush', records, bytes: records * 100, latencyMs, queueDepth });
    flush(1, 0.3, 0);
    flush(3, 1, 7);
    flush(40, 12, 2);
    flush(2_000, 4_000, 0);
    events.emit('ledger', { type: 'compacted', generation: 1, liveIntents: 5, droppedIntents: 9, bytesBefore: 1, bytesAfter: 1, durationMs: 3, writesHeldMs: 1 });
    events.emit('ledger', { type: 'tornTailRepaired', file: 'f', offset: 1, droppedBytes: 3, keptAs: 'k', problem: 'p' });
    events.emit('ledger', { type: 'staleLockTakenOver', previousPid: 4 });
    const l = metrics.snapshot().ledger;
    expect(l).toMatchObject({ flushes: 4, records: 2_044, bytes: 204_400, queueDepth: 0, maxQueueDepth: 7, compactions: 1, compactedIntentsDropped: 9, tornTailsRepaired: 1, lockTakeovers: 1 });
    // [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] + overflow; upper bounds inclusive.
    expect(l.flushLatencyMs.counts).toEqual([1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(l.flushLatencyMs).toMatchObject({ count: 4, sum: 4_013.3, min: 0.3, max: 4_000 });
    // [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] + overflow.
    expect(l.flushRecords.counts).toEqual([1, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
  });

  it('protection: holds by cause and action (and by full limit), waits by cause, budget refusals', () => {
    const { metrics, events, d } = setup();
    const held = (id: string, cause: RequestHeldEvent['cause'], action: RequestHeldEvent['action'], before: RequestHeldEvent['before'] = 'send', limitId?: string) =>
      events.emit('requestHeld', { ...base(id), cause, before, action, ...(limitId === undefined ? {} : { limitId }) });
    // The limiter holds a first send twice (two limits), then lets it go.
    held('a', 'rateLimiter', 'wait', 'send', 'orders-10s');
    d.retry('a', 'rateLimiter', 250);
    held('a', 'rateLimiter', 'wait', 'send', 'weight-1m');
    d.retry('a', 'rateLimiter', 750);
    // The budget cannot pay for a lookup (waits), then for a resend (stops), then parks an unknown intent.
    held('b', 'retryBudget', 'wait', 'lookup');
    d.retry('b', 'retryBudget', 10_000, 'lookup');
    held('c', 'retryBudget', 'stop');
    held('d', 'retryBudget', 'park', 'lookup');
    // The breaker: one wait, one fail-fast, one park.
    held('e', 'circuitOpen', 'wait');
    d.retry('e', 'circuitOpen', 30_000);
    held('f', 'circuitOpen', 'stop');
    held('g', 'circuitOpen', 'park', 'lookup');
    const s = metrics.snapshot().protection;
    expect(s.held).toEqual({
      circuitOpen: { wait: 1, stop: 1, park: 1 },
      retryBudget: { wait: 1, stop: 1, park: 1 },
      rateLimiter: { wait: 2, stop: 0, park: 0 },
    });
    expect(s.heldByLimit).toEqual({ 'orders-10s': 1, 'weight-1m': 1 });
    expect(s.waits).toEqual({
      circuitOpen: { count: 1, totalMs: 30_000, maxMs: 30_000 },
      retryBudget: { count: 1, totalMs: 10_000, maxMs: 10_000 },
      rateLimiter: { count: 2, totalMs: 1_000, maxMs: 750 },
    });
    expect(s.budgetRefusals).toBe(3);
    // Protection waits are not the venue's rate limits; before a send they are waits before a send.
    const all = metrics.snapshot();
    expect(all.rateLimits.rateLimited.count + all.rateLimits.venueBan.count + all.rateLimits.rateLimitUsage.count).toBe(0);
    expect(all.retries).toEqual({ total: 3, byCause: { rateLimiter: 2, circuitOpen: 1 } });
    // Unknown causes or actions (a newer engine) count nowhere; a limiter hold without an id counts as unknown.
    events.emit('requestHeld', { ...base('h'), cause: 'somethingNew' as RequestHeldEvent['cause'], before: 'send', action: 'wait' });
    events.emit('requestHeld', { ...base('h'), cause: 'rateLimiter', before: 'send', action: 'retreat' as RequestHeldEvent['action'] });
    held('h', 'rateLimiter', 'wait');
    const after = metrics.snapshot().protection;
    expect(after.held.rateLimiter).toEqual({ wait: 3, stop: 0, park: 0 });
    expect(after.heldByLimit).toEqual({ 'orders-10s': 1, 'weight-1m': 1, unknown: 1 });
    expect(Object.keys(after.held)).toEqual(['circuitOpen', 'retryBudget', 'rateLimiter']);
  });

  it('protection: breaker transitions by target position, and each breaker at its last position', () => {
    const { metrics, events } = setup();
    const change = (to: BreakerStateChangedEvent['to'], from: BreakerStateChangedEvent['from'], at: number, operation?: string, retryAt?: number) =>
      events.emit('breakerStateChanged', {
        venue: 'v',
        ...(operation === undefined ? {} : { operation }),
        from,
        to,
        at,
        ...(to === 'open' ? { reason: '5 failures in a row', retryAt: retryAt ?? at + 30_000 } : {}),
      });
    change('open', 'closed', 1_000, 'order.create');
    change('open', 'closed', 1_500, 'order.cancel', 9_999);
    change('halfOpen', 'open', 31_000, 'order.create');
    // The probe failed: open again, for longer.
    change('open', 'halfOpen', 31_100, 'order.create', 91_100);
    change('halfOpen', 'open', 91_100, 'order.create');
    change('closed', 'halfOpen', 91_200, 'order.create');
    const s = metrics.snapshot().protection;
    expect(s.breakerTransitions).toEqual({ closed: 1, halfOpen: 2, open: 3 });
    expect(s.breakers).toEqual([
      { venue: 'v', operation: 'order.create', position: 'closed', since: 91_200, retryAt: null, transitions: 5 },
      { venue: 'v', operation: 'order.cancel', position: 'open', since: 1_500, retryAt: 9_999, transitions: 1 },
    ]);
    // A venue-wide breaker has no operation; the snapshot stays plain JSON.
    change('open', 'closed', 2_000);
    const after = metrics.snapshot();
    expect(after.protection.breakers.at(-1)).toEqual({ venue: 'v', operation: null, position: 'open', since: 2_000, retryAt: 32_000, transitions: 1 });
    expect(JSON.parse(JSON.stringify(after))).toEqual(after);
    // A copy: changing it changes nothing inside.
    (after.protection.breakers[0] as { position: string }).position = 'open';
    (after.protection.held.circuitOpen as { wait: number }).wait = 99;
    expect(metrics.snapshot().protection.breakers[0]?.position).toBe('closed');
    expect(metrics.snapshot().protection.held.circuitOpen.wait).toBe(0);
  });

  it('snapshots are copies, and stop() ends counting', () => {
    const { metrics, d } = setup();
    d.send('a', 1);
    const first = metrics.snapshot();
    (first.outcomes as Record<string, number>)['success'] = 99;
    (first.intents.attempts.counts as number[])[0] = 99;
    expect(metrics.snapshot().outcomes['success']).toBe(0);
    expect(metrics.snapshot().intents.attempts.counts[0]).toBe(0);
    metrics.stop();
    d.send('a', 2);
    expect(metrics.snapshot().writes.sent).toBe(1);
  });

  it('accepts anything with IntentEvents.on, and a throwing co-listener does not disturb it', () => {
    const events = new IntentEvents({ attemptStarted: () => { throw new Error('user bug'); } });
    const metrics = new MetricsCollector({ on: events.on.bind(events) });
    driver(events).send('a', 1);
    const s: IntentMetrics = metrics.snapshot();
    expect(s.writes.sent).toBe(1);
    expect(s.at).toBeGreaterThanOrEqual(s.since);
  });

  it('fed directly, it counts exactly what the same events counted, and ignores those events themselves', () => {
    // One collector counts the events; the other, fedDirectly, gets the same three
    // events' fields through its counters (as the client's runner gives them) and the
    // other events as events.
    const clock = new ManualClock({ now: 1_000 });
    const byEvents = new IntentEvents(undefined);
    const viaEvents = new MetricsCollector(byEvents, clock);
    const direct = new IntentEvents(undefined);
    const fed = new MetricsCollector(direct, clock, { fedDirectly: true });
    const mirror = new IntentEvents(undefined);
    mirror.on('intentStarted', (e) => {
      byEvents.emit('intentStarted', e);
      fed.counters.started(e.intentId, e.via, e.resumed, e.status);
    });
    mirror.on('attemptStarted', (e) => {
      byEvents.emit('attemptStarted', e);
      fed.counters.attemptStarted(e.intentId, e.attempt);
    });
    mirror.on('outcome', (e) => {
      byEvents.emit('outcome', e);
      fed.counters.outcome(e.intentId, e.outcome, e.status);
    });
    mirror.on('intentFinished', (e) => {
      byEvents.emit('intentFinished', e);
      direct.emit('intentFinished', e);
    });
    const d = driver(mirror);
    d.started('a');
    d.send('a', 1);
    d.outcome('a', { kind: 'unknown', reason: 'timeout' }, 'unknown');
    d.send('a', 2);
    d.outcome('a', { kind: 'success', reason: 'ok', replayed: true }, 'succeeded');
    d.finished('a', 'succeeded', 'succeeded', { attempts: 2, recovered: true });
    d.started('b', 'unknown', { via: 'recovery', resumed: true });
    d.send('b', 3);
    d.outcome('b', { kind: 'conflict', conflict: 'inProgress', reason: 'in use' }, 'unknown');
    const expected = viaEvents.snapshot();
    expect(expected.writes.sent).toBe(3);
    expect(fed.snapshot()).toEqual(expected);

    // The three events themselves do not reach a collector that is fed directly (each
    // would be counted twice otherwise); its other events still do.
    const before = fed.snapshot();
    driver(direct).send('c', 1);
    direct.emit('intentStarted', { ...base('c'), businessId: 'b-c', resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    expect(fed.snapshot().writes.sent).toBe(before.writes.sent);
    expect(fed.snapshot().intents.started).toBe(before.intents.started);
    driver(direct).finished('b', 'failed', 'failed', { attempts: 1 });
    expect(fed.snapshot().intents.finished).toBe(before.intents.finished + 1);

    // stop() ends the direct feed too.
    const stopped = fed.snapshot();
    fed.stop();
    fed.counters.started('d', 'call', false, 'pending');
    fed.counters.attemptStarted('d', 1);
    fed.counters.outcome('d', { kind: 'success', reason: 'ok' }, 'succeeded');
    expect(fed.snapshot().intents.started).toBe(stopped.intents.started);
    expect(fed.snapshot().writes.sent).toBe(stopped.writes.sent);
    expect(fed.snapshot().outcomes['success']).toBe(stopped.outcomes['success']);
  });
});
