// intentkey/otel over the real OpenTelemetry SDKs, driven by synthetic client events
// (the event contract of src/client/types.ts). The end-to-end test over a real client is
// test/integration/otel.test.ts.
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import axios, { AxiosHeaders, type AxiosAdapter } from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { IntentEventBase, IntentFinishedEvent } from '../../../src/client/types.js';
import { IntentEvents } from '../../../src/client/events.js';
import { FLUSH_LATENCY_BUCKETS_MS, MetricsCollector } from '../../../src/observability/metrics.js';
import type { ProtectionSnapshot } from '../../../src/client/protection.js';
import { BREAKER_POSITION_VALUES, INSTRUMENTS, instrumentIntentClient, instrumentsMarkdown, PROTECTION_WAIT_BUCKETS_MS } from '../../../src/otel/index.js';
import { allAttributeValues, fakeClient, histogramOf, otelHarness, sumOf, type OtelHarness } from './helpers.js';

const base: IntentEventBase = { intentId: 'int_1', operation: 'order.create', scope: 'acct-7', venue: 'binance-spot', key: 'K01JABCDEF' };
const URL_ = 'https://api.binance.com/api/v3/order';

function finished(overrides: Partial<IntentFinishedEvent>): IntentFinishedEvent {
  return {
    ...base,
    businessId: 'signal-42',
    via: 'call',
    status: 'succeeded',
    result: 'succeeded',
    replayedFromLedger: false,
    reconciled: false,
    venueDuplicate: false,
    resent: false,
    attempts: 1,
    lookups: 0,
    recovered: false,
    durationMs: 40,
    ...overrides,
  };
}

let otel: OtelHarness;
beforeEach(() => {
  otel = otelHarness();
});
afterEach(async () => {
  await otel.shutdown();
});

function install(fake: ReturnType<typeof fakeClient>, extra: Parameters<typeof instrumentIntentClient>[1] = {}): () => void {
  return instrumentIntentClient(fake.client, {
    tracer: otel.tracerProvider.getTracer('test'),
    meter: otel.meterProvider.getMeter('test'),
    ...extra,
  });
}

/** An unknown attempt, a lookup that finds it, settled. */
function unknownThenFound(fake: ReturnType<typeof fakeClient>): void {
  fake.emit('intentStarted', { ...base, businessId: 'signal-42', resumed: false, status: 'pending', fingerprint: 'sha256:abc', via: 'call' });
  fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K01JABCDEF', correlationId: 'ik-attempt1', request: { method: 'post', url: URL_ } });
  fake.emit('outcome', {
    ...base,
    attempt: 1,
    correlationId: 'ik-attempt1',
    outcome: { kind: 'unknown', reason: 'socket reset after write' },
    status: 'unknown',
    durationMs: 31,
  });
  fake.emit('retryScheduled', { ...base, attempt: 1, delayMs: 500, before: 'lookup', cause: 'settle' });
  fake.emit('lookupStarted', { ...base, attempt: 1, correlationId: 'ik-lookup1', via: 'lookup', request: { method: 'GET', url: URL_ } });
  fake.emit('lookupFinished', { ...base, attempt: 1, correlationId: 'ik-lookup1', verdict: 'found', httpStatus: 200, durationMs: 12 });
  fake.emit('reconcile', { ...base, attempt: 1, lookup: 'found', action: 'settled' });
  fake.emit('intentFinished', finished({ reconciled: true, lookups: 1, recovered: true, durationMs: 560 }));
}

describe('instrumentIntentClient: traces', () => {
  it('an unknown attempt then a lookup that finds it: one intent span, an ambiguous (not error) attempt child, a lookup child', () => {
    const fake = fakeClient();
    install(fake);
    unknownThenFound(fake);

    const spans = otel.spans();
    expect(spans).toHaveLength(3);
    const intent = spans.find((s) => s.name === 'intentkey.intent order.create');
    const attempt = spans.find((s) => s.attributes['intentkey.request.purpose'] === 'send');
    const lookup = spans.find((s) => s.attributes['intentkey.request.purpose'] === 'lookup');
    if (!intent || !attempt || !lookup) throw new Error('missing span');

    // Parentage: both requests are children of the intent span, in its trace.
    expect(attempt.parentSpanContext?.spanId).toBe(intent.spanContext().spanId);
    expect(lookup.parentSpanContext?.spanId).toBe(intent.spanContext().spanId);
    expect(attempt.spanContext().traceId).toBe(intent.spanContext().traceId);

    expect(intent.kind).toBe(SpanKind.INTERNAL);
    expect(intent.status.code).toBe(SpanStatusCode.OK);
    expect(intent.attributes).toMatchObject({
      'intentkey.intent_id': 'int_1',
      'intentkey.key': 'K01JABCDEF',
      'intentkey.operation': 'order.create',
      'intentkey.scope': 'acct-7',
      'intentkey.venue': 'binance-spot',
      'intentkey.business_id': 'signal-42',
      'intentkey.result': 'succeeded',
      'intentkey.reconciled': true,
      'intentkey.attempts': 1,
      'intentkey.lookups': 1,
      'intentkey.outcome.kind': 'unknown',
    });
    expect(intent.events.map((e) => e.name)).toEqual(['intentkey.retry_scheduled', 'intentkey.reconcile']);
    expect(intent.events[0]?.attributes).toMatchObject({ 'intentkey.cause': 'settle', 'intentkey.retry.delay_ms': 500, 'intentkey.retry.before': 'lookup' });
    expect(intent.events[1]?.attributes).toMatchObject({ 'intentkey.reconcile.lookup': 'found', 'intentkey.reconcile.action': 'settled' });

    expect(attempt.name).toBe('POST');
    expect(attempt.kind).toBe(SpanKind.CLIENT);
    expect(attempt.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.full': URL_,
      'server.address': 'api.binance.com',
      'server.port': 443,
      'intentkey.attempt': 1,
      'intentkey.correlation_id': 'ik-attempt1',
      'intentkey.outcome.kind': 'unknown',
      'intentkey.outcome.reason': 'socket reset after write',
      'intentkey.ambiguous': true,
      'intentkey.intent_id': 'int_1',
    });
    expect(attempt.attributes['error.type']).toBeUndefined();
    expect(attempt.events.map((e) => e.name)).toEqual(['intentkey.ambiguous']);

    expect(lookup.name).toBe('GET');
    expect(lookup.kind).toBe(SpanKind.CLIENT);
    expect(lookup.status.code).toBe(SpanStatusCode.UNSET);
    expect(lookup.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'intentkey.lookup.verdict': 'found',
      'intentkey.lookup.via': 'lookup',
      'intentkey.correlation_id': 'ik-lookup1',
    });
  });

  it('an intent that ends ambiguous is UNSET with intentkey.ambiguous and an event, never ERROR', () => {
    const fake = fakeClient();
    install(fake);
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url: URL_ } });
    fake.emit('outcome', { ...base, attempt: 1, correlationId: 'ik-a', outcome: { kind: 'unknown', reason: 'timeout after write' }, status: 'unknown', durationMs: 5000 });
    fake.emit('intentParked', { ...base, attempt: 1, businessId: undefined, at: 0, nextCheckAt: 60_000, count: 1, reason: 'lookups inconclusive' });
    fake.emit('intentFinished', finished({ status: 'unknown', result: 'ambiguous', errorName: 'AmbiguousOutcomeError', reason: 'timeout after write' }));

    const intent = otel.spans().find((s) => s.name.startsWith('intentkey.intent'));
    expect(intent?.status.code).toBe(SpanStatusCode.UNSET);
    expect(intent?.attributes).toMatchObject({ 'intentkey.ambiguous': true, 'intentkey.outcome.kind': 'unknown', 'intentkey.result': 'ambiguous' });
    expect(intent?.events.map((e) => e.name)).toEqual(['intentkey.parked', 'intentkey.ambiguous']);
  });

  it('a failed intent is ERROR, and so is the attempt the venue refused', () => {
    const fake = fakeClient();
    install(fake);
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url: URL_ } });
    fake.emit('outcome', {
      ...base,
      attempt: 1,
      correlationId: 'ik-a',
      outcome: { kind: 'fatal', reason: 'binance -2010', httpStatus: 400, venueCode: '-2010', venueMessage: 'Account has insufficient balance' },
      status: 'failed',
      durationMs: 20,
    });
    fake.emit('intentFinished', finished({ status: 'failed', result: 'failed', errorName: 'VenueRejectedError', reason: 'binance -2010' }));

    const [attempt, intent] = otel.spans();
    expect(intent?.status).toEqual({ code: SpanStatusCode.ERROR, message: 'binance -2010' });
    expect(intent?.attributes).toMatchObject({ 'error.type': 'VenueRejectedError', 'intentkey.venue_code': '-2010', 'intentkey.outcome.kind': 'fatal' });
    expect(attempt?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt?.attributes).toMatchObject({ 'http.response.status_code': 400, 'error.type': '400', 'intentkey.venue_code': '-2010' });
  });

  it('exhausted and error results are ERROR; busy and aborted are UNSET', () => {
    const fake = fakeClient();
    install(fake);
    const results: Array<IntentFinishedEvent['result']> = ['exhausted', 'error', 'busy', 'aborted'];
    for (const [i, result] of results.entries()) {
      const intentId = `int_r${i}`;
      fake.emit('intentStarted', { ...base, intentId, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
      fake.emit('intentFinished', finished({ intentId, status: 'pending', result, attempts: 0 }));
    }
    expect(otel.spans().map((s) => [s.attributes['intentkey.result'], s.status.code])).toEqual([
      ['exhausted', SpanStatusCode.ERROR],
      ['error', SpanStatusCode.ERROR],
      ['busy', SpanStatusCode.UNSET],
      ['aborted', SpanStatusCode.UNSET],
    ]);
  });

  it('keeps no query string, fragment or credentials in any attribute', () => {
    const fake = fakeClient();
    install(fake);
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    const url = 'http://user:hunter2@127.0.0.1:8123/api/v3/order?signature=deadbeef&timestamp=1#frag';
    fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url } });
    fake.emit('outcome', { ...base, attempt: 1, correlationId: 'ik-a', outcome: { kind: 'success', reason: 'HTTP 200', httpStatus: 200 }, status: 'succeeded', durationMs: 3 });
    fake.emit('intentFinished', finished({}));
    const attempt = otel.spans().find((s) => s.name === 'POST');
    expect(attempt?.attributes).toMatchObject({ 'url.full': 'http://127.0.0.1:8123/api/v3/order', 'server.address': '127.0.0.1', 'server.port': 8123 });
    for (const value of allAttributeValues(otel.spans())) {
      expect(value).not.toMatch(/signature|deadbeef|hunter2|frag|\?/);
    }
  });

  it("parents the intent span to the caller's active span; a conflict without a run is an event on the active span", () => {
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    try {
      const fake = fakeClient();
      install(fake);
      const parent = otel.tracerProvider.getTracer('app').startSpan('POST /signals');
      context.with(trace.setSpan(context.active(), parent), () => {
        fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
        fake.emit('intentFinished', finished({}));
        fake.emit('idempotencyConflict', { ...base, intentId: 'int_9', businessId: 'signal-9', storedFingerprint: 'f', fingerprint: 'g' });
      });
      parent.end();
      const intent = otel.spans().find((s) => s.name.startsWith('intentkey.intent'));
      expect(intent?.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
      const app = otel.spans().find((s) => s.name === 'POST /signals');
      expect(app?.events.map((e) => [e.name, e.attributes?.['intentkey.business_id']])).toEqual([['intentkey.idempotency_conflict', 'signal-9']]);
    } finally {
      context.disable();
    }
  });

  it("ends a run's open request spans when it finishes, and evicts the oldest run past maxOpenIntents", () => {
    const fake = fakeClient();
    install(fake, { maxOpenIntents: 2 });
    for (const id of ['a', 'b', 'c']) {
      fake.emit('intentStarted', { ...base, intentId: id, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    }
    // 'a' was evicted when 'c' started.
    expect(otel.spans().map((s) => [s.attributes['intentkey.intent_id'], s.attributes['intentkey.evicted']])).toEqual([['a', true]]);
    fake.emit('attemptStarted', { ...base, intentId: 'b', attempt: 1, venueKey: 'K', correlationId: 'ik-b', request: { method: 'POST', url: URL_ } });
    fake.emit('intentFinished', finished({ intentId: 'b', result: 'aborted', status: 'unknown' }));
    const names = otel.spans().map((s) => `${String(s.attributes['intentkey.intent_id'])}:${s.name}:${String(s.attributes['intentkey.abandoned'] ?? false)}`);
    expect(names).toEqual(['a:intentkey.intent order.create:false', 'b:POST:true', 'b:intentkey.intent order.create:false']);
  });

  it('is a no-op without an SDK (the API defaults), and never throws', () => {
    const fake = fakeClient();
    const uninstall = instrumentIntentClient(fake.client);
    expect(() => unknownThenFound(fake)).not.toThrow();
    uninstall();
    expect(otel.spans()).toHaveLength(0);
  });
});

describe('instrumentIntentClient: metrics', () => {
  it('counts the signals of client.metrics() with units and explicit buckets', async () => {
    const fake = fakeClient(() => ({ retryBudget: { balance: 7.5, capacity: 10, spent: 3, refused: 1 }, breakers: [{ operation: undefined, position: 'closed' }] }));
    install(fake);
    unknownThenFound(fake);
    // A second intent: rate limited, retried, then succeeded; a third replayed from the ledger; a conflict.
    const b = { ...base, intentId: 'int_2', key: 'K2' };
    fake.emit('intentStarted', { ...b, businessId: 'signal-43', resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    fake.emit('attemptStarted', { ...b, attempt: 1, venueKey: 'K2', correlationId: 'ik-b1', request: { method: 'POST', url: URL_ } });
    fake.emit('outcome', { ...b, attempt: 1, correlationId: 'ik-b1', outcome: { kind: 'rateLimited', reason: 'HTTP 429', httpStatus: 429, retryAfterMs: 1000, scope: 'request' }, status: 'pending', durationMs: 8 });
    fake.emit('retryScheduled', { ...b, attempt: 1, delayMs: 1000, before: 'send', cause: 'rateLimited' });
    fake.emit('attemptStarted', { ...b, attempt: 2, venueKey: 'K2', correlationId: 'ik-b2', request: { method: 'POST', url: URL_ } });
    const metricsMid = await otel.collect();
    expect(sumOf(metricsMid, 'intentkey.intents.active', { 'intentkey.status': 'inFlight' })).toBe(1);
    fake.emit('outcome', { ...b, attempt: 2, correlationId: 'ik-b2', outcome: { kind: 'success', reason: 'HTTP 200', httpStatus: 200, replayed: true }, status: 'succeeded', durationMs: 9 });
    fake.emit('intentFinished', finished({ ...b, businessId: 'signal-43', attempts: 2, recovered: true }));
    const c = { ...base, intentId: 'int_3', key: 'K3' };
    fake.emit('intentStarted', { ...c, businessId: 'signal-44', resumed: true, status: 'succeeded', fingerprint: 'f', via: 'call' });
    fake.emit('intentFinished', finished({ ...c, attempts: 0, replayedFromLedger: true }));
    fake.emit('idempotencyConflict', { ...c, businessId: 'signal-44', storedFingerprint: 'f', fingerprint: 'g' });
    fake.emit('keyExpired', { ...c, attempt: 1, when: 'resend' });
    fake.emit('intentParked', { ...c, attempt: 1, businessId: 'signal-44', at: 0, nextCheckAt: 1, count: 1, reason: 'spent' });
    fake.emit('recoveryStarted', { total: 0, parkedNotDue: 0 });
    fake.emit('ledger', { type: 'flush', records: 3, bytes: 900, latencyMs: 4, queueDepth: 2 });
    fake.emit('ledger', { type: 'compacted', generation: 2, liveIntents: 10, droppedIntents: 5, bytesBefore: 1, bytesAfter: 1, durationMs: 3, writesHeldMs: 1 });
    fake.emit('ledger', { type: 'tornTailRepaired', file: 'log', offset: 1, droppedBytes: 3, keptAs: 'x', problem: 'torn' });
    fake.emit('ledger', { type: 'staleLockTakenOver', previousPid: 1 });
    // Protection: a limiter wait, a breaker that opened.
    fake.emit('requestHeld', { ...c, cause: 'rateLimiter', before: 'send', action: 'wait', limitId: 'orders-10s' });
    fake.emit('retryScheduled', { ...c, attempt: 1, delayMs: 40, before: 'lookup', cause: 'rateLimiter' });
    fake.emit('breakerStateChanged', { venue: 'binance-spot', from: 'closed', to: 'open', at: 5, reason: '5 failures in a row', retryAt: 30_005 });

    const m = await otel.collect();
    expect(sumOf(m, 'intentkey.intents.started')).toBe(3);
    expect(sumOf(m, 'intentkey.intents.started', { 'intentkey.resumed': true })).toBe(1);
    expect(sumOf(m, 'intentkey.intents.finished', { 'intentkey.result': 'succeeded' })).toBe(3);
    expect(sumOf(m, 'intentkey.intents.active', { 'intentkey.status': 'parked' })).toBe(1);
    expect(sumOf(m, 'intentkey.parked')).toBe(1);
    expect(sumOf(m, 'intentkey.writes.sent')).toBe(3);
    expect(sumOf(m, 'intentkey.writes.sent', { 'intentkey.first_send': true })).toBe(2);
    expect(sumOf(m, 'intentkey.business_objects')).toBe(2);
    expect(sumOf(m, 'intentkey.writes.venue_replayed')).toBe(1);
    expect(sumOf(m, 'intentkey.outcomes', { 'intentkey.outcome.kind': 'unknown' })).toBe(1);
    expect(sumOf(m, 'intentkey.outcomes', { 'intentkey.outcome.kind': 'rateLimited' })).toBe(1);
    expect(sumOf(m, 'intentkey.outcomes', { 'intentkey.outcome.kind': 'success' })).toBe(1);
    // Only waits before a send are retries (the settle wait before the lookup is not).
    expect(sumOf(m, 'intentkey.retries')).toBe(1);
    expect(sumOf(m, 'intentkey.retries', { 'intentkey.cause': 'rateLimited' })).toBe(1);
    expect(histogramOf(m, 'intentkey.rate_limit.wait.duration', { 'intentkey.cause': 'rateLimited' })).toMatchObject({ count: 1, sum: 1000 });
    expect(sumOf(m, 'intentkey.retry.recovered')).toBe(2);
    expect(sumOf(m, 'intentkey.duplicates.prevented', { 'intentkey.prevented_by': 'reconcile_found' })).toBe(1);
    expect(sumOf(m, 'intentkey.duplicates.prevented', { 'intentkey.prevented_by': 'ledger_replay' })).toBe(1);
    expect(sumOf(m, 'intentkey.idempotency.conflicts')).toBe(1);
    expect(sumOf(m, 'intentkey.key.expired', { 'intentkey.key_expired.when': 'resend' })).toBe(1);
    expect(sumOf(m, 'intentkey.lookups', { 'intentkey.lookup.via': 'lookup' })).toBe(1);
    expect(sumOf(m, 'intentkey.lookup.verdicts', { 'intentkey.lookup.verdict': 'found' })).toBe(1);
    expect(sumOf(m, 'intentkey.reconcile.decisions', { 'intentkey.reconcile.action': 'settled' })).toBe(1);
    expect(sumOf(m, 'intentkey.recovery.passes')).toBe(1);
    expect(histogramOf(m, 'intentkey.attempts_per_intent')).toMatchObject({ count: 2, sum: 3, boundaries: [1, 2, 3, 5] });
    expect(histogramOf(m, 'intentkey.attempt.duration', { 'intentkey.outcome.kind': 'unknown' })).toMatchObject({ count: 1, sum: 31 });
    expect(histogramOf(m, 'intentkey.ledger.flush.duration')).toEqual({ count: 1, sum: 4, boundaries: [...FLUSH_LATENCY_BUCKETS_MS] });
    expect(histogramOf(m, 'intentkey.ledger.flush.records')).toMatchObject({ count: 1, sum: 3 });
    expect(sumOf(m, 'intentkey.ledger.flush.bytes')).toBe(900);
    expect(sumOf(m, 'intentkey.ledger.queue.depth')).toBe(2);
    expect(sumOf(m, 'intentkey.ledger.compactions')).toBe(1);
    expect(sumOf(m, 'intentkey.ledger.compaction.dropped_intents')).toBe(5);
    expect(sumOf(m, 'intentkey.ledger.torn_tails_repaired')).toBe(1);
    expect(sumOf(m, 'intentkey.ledger.lock_takeovers')).toBe(1);
    expect(sumOf(m, 'intentkey.protection.held', { 'intentkey.cause': 'rateLimiter', 'intentkey.limit.id': 'orders-10s' })).toBe(1);
    expect(histogramOf(m, 'intentkey.protection.wait.duration', { 'intentkey.cause': 'rateLimiter' })).toMatchObject({ count: 1, sum: 40 });
    // A protection wait is not a venue's rate-limit wait.
    expect(histogramOf(m, 'intentkey.rate_limit.wait.duration', { 'intentkey.cause': 'rateLimiter' }).count).toBe(0);
    expect(sumOf(m, 'intentkey.breaker.transitions', { 'intentkey.breaker.to': 'open' })).toBe(1);
    expect(sumOf(m, 'intentkey.retry_budget.balance')).toBe(7.5);
    expect(sumOf(m, 'intentkey.breaker.position')).toBe(0);

    // Every instrument exists with the unit of the table.
    for (const spec of INSTRUMENTS) {
      const metric = m.get(spec.name);
      expect(metric, spec.name).toBeDefined();
      expect(metric?.descriptor.unit, spec.name).toBe(spec.unit);
    }
  });

  it('intentkey.intents.active follows the status (pending, inFlight, unknown, parked) and drops settled intents', async () => {
    const fake = fakeClient();
    install(fake);
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    const status = async (): Promise<Record<string, number>> => {
      const m = await otel.collect();
      return Object.fromEntries(['pending', 'inFlight', 'unknown', 'parked'].map((s) => [s, sumOf(m, 'intentkey.intents.active', { 'intentkey.status': s })]));
    };
    expect(await status()).toEqual({ pending: 1, inFlight: 0, unknown: 0, parked: 0 });
    fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url: URL_ } });
    expect(await status()).toEqual({ pending: 0, inFlight: 1, unknown: 0, parked: 0 });
    fake.emit('outcome', { ...base, attempt: 1, correlationId: 'ik-a', outcome: { kind: 'unknown', reason: 'reset' }, status: 'unknown', durationMs: 1 });
    fake.emit('intentParked', { ...base, attempt: 1, businessId: undefined, at: 0, nextCheckAt: 1, count: 1, reason: 'spent' });
    fake.emit('intentFinished', finished({ status: 'unknown', result: 'ambiguous' }));
    // An ambiguous intent stays counted (parked) after its run: it is unfinished.
    expect(await status()).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 1 });
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: true, status: 'unknown', fingerprint: 'f', via: 'recovery' });
    fake.emit('lookupStarted', { ...base, attempt: 1, correlationId: 'ik-l', via: 'lookup', request: { method: 'GET', url: URL_ } });
    fake.emit('lookupFinished', { ...base, attempt: 1, correlationId: 'ik-l', verdict: 'found', httpStatus: 200, durationMs: 1 });
    fake.emit('intentFinished', finished({ via: 'recovery', reconciled: true }));
    expect(await status()).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
  });

  it('protection: held requests by cause and action, waits by cause, breaker transitions, the gauges read from client.protection() at each collection, and span events', async () => {
    let now: ProtectionSnapshot = {
      retryBudget: { balance: 10, capacity: 10, spent: 0, refused: 0 },
      breakers: [
        { operation: 'order.create', position: 'closed' },
        { operation: 'order.cancel', position: 'closed' },
      ],
      limits: [],
    };
    let reads = 0;
    // Asynchronous, as IntentClient.protection() is: the SDK awaits it.
    const fake = fakeClient(async () => {
      reads++;
      await Promise.resolve();
      return now;
    });
    const uninstall = install(fake);
    const op = (operation: string) => ({ ...base, operation });
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    fake.emit('requestHeld', { ...base, cause: 'rateLimiter', before: 'send', action: 'wait', limitId: 'orders-10s' });
    fake.emit('retryScheduled', { ...base, attempt: 0, delayMs: 120, before: 'send', cause: 'rateLimiter' });
    fake.emit('requestHeld', { ...base, cause: 'retryBudget', before: 'lookup', action: 'wait' });
    fake.emit('retryScheduled', { ...base, attempt: 1, delayMs: 10_000, before: 'lookup', cause: 'retryBudget' });
    fake.emit('requestHeld', { ...base, cause: 'retryBudget', before: 'send', action: 'stop' });
    fake.emit('breakerStateChanged', { venue: 'binance-spot', operation: 'order.create', from: 'closed', to: 'open', at: 1, reason: '5 failures in a row', retryAt: 30_001 });
    fake.emit('requestHeld', { ...op('order.create'), cause: 'circuitOpen', before: 'send', action: 'wait' });
    fake.emit('retryScheduled', { ...op('order.create'), attempt: 1, delayMs: 30_000, before: 'send', cause: 'circuitOpen' });
    fake.emit('requestHeld', { ...op('order.create'), cause: 'circuitOpen', before: 'lookup', action: 'park' });
    fake.emit('breakerStateChanged', { venue: 'binance-spot', operation: 'order.create', from: 'open', to: 'halfOpen', at: 30_001 });
    fake.emit('breakerStateChanged', { venue: 'binance-spot', operation: 'order.create', from: 'halfOpen', to: 'closed', at: 30_050 });
    now = {
      ...now,
      retryBudget: { balance: 2.25, capacity: 10, spent: 8, refused: 2 },
      breakers: [
        { operation: 'order.create', position: 'open', openedAt: 1, retryAt: 30_001, reason: '5 failures in a row' },
        { operation: 'order.cancel', position: 'halfOpen', openedAt: 1, reason: 'x' },
      ],
    };

    const m = await otel.collect();
    const held = (cause: string, action: string) => sumOf(m, 'intentkey.protection.held', { 'intentkey.cause': cause, 'intentkey.protection.action': action });
    expect(held('rateLimiter', 'wait')).toBe(1);
    expect(held('retryBudget', 'wait')).toBe(1);
    expect(held('retryBudget', 'stop')).toBe(1);
    expect(held('circuitOpen', 'wait')).toBe(1);
    expect(held('circuitOpen', 'park')).toBe(1);
    expect(sumOf(m, 'intentkey.protection.held', { 'intentkey.protection.before': 'lookup' })).toBe(2);
    expect(sumOf(m, 'intentkey.protection.held', { 'intentkey.limit.id': 'orders-10s' })).toBe(1);
    expect(sumOf(m, 'intentkey.protection.held', { 'intentkey.operation': 'order.create', 'intentkey.venue': 'binance-spot' })).toBe(5);
    expect(histogramOf(m, 'intentkey.protection.wait.duration', { 'intentkey.cause': 'rateLimiter' })).toEqual({ count: 1, sum: 120, boundaries: [...PROTECTION_WAIT_BUCKETS_MS] });
    expect(histogramOf(m, 'intentkey.protection.wait.duration', { 'intentkey.cause': 'retryBudget' })).toMatchObject({ count: 1, sum: 10_000 });
    expect(histogramOf(m, 'intentkey.protection.wait.duration', { 'intentkey.cause': 'circuitOpen' })).toMatchObject({ count: 1, sum: 30_000 });
    expect(m.get('intentkey.protection.wait.duration')?.descriptor.unit).toBe('ms');
    // Protection waits before a send are waits before a send, like every other cause.
    expect(sumOf(m, 'intentkey.retries', { 'intentkey.cause': 'circuitOpen' })).toBe(1);
    expect(sumOf(m, 'intentkey.breaker.transitions')).toBe(3);
    expect(sumOf(m, 'intentkey.breaker.transitions', { 'intentkey.breaker.to': 'open', 'intentkey.breaker.from': 'closed', 'intentkey.operation': 'order.create' })).toBe(1);
    expect(sumOf(m, 'intentkey.breaker.transitions', { 'intentkey.breaker.to': 'closed' })).toBe(1);
    // The gauges are what client.protection() says at collection: 0 closed, 1 half-open, 2 open.
    expect(sumOf(m, 'intentkey.retry_budget.balance', { 'intentkey.venue': 'binance-spot' })).toBe(2.25);
    expect(sumOf(m, 'intentkey.breaker.position', { 'intentkey.operation': 'order.create', 'intentkey.venue': 'binance-spot' })).toBe(BREAKER_POSITION_VALUES.open);
    expect(sumOf(m, 'intentkey.breaker.position', { 'intentkey.operation': 'order.cancel' })).toBe(1);
    expect(m.get('intentkey.breaker.position')?.descriptor.unit).toBe('{position}');
    expect(m.get('intentkey.retry_budget.balance')?.descriptor.unit).toBe('{token}');
    expect(reads).toBe(1);

    now = {
      ...now,
      retryBudget: { balance: 9, capacity: 10, spent: 8, refused: 2 },
      breakers: [
        { operation: 'order.create', position: 'closed' },
        { operation: 'order.cancel', position: 'open', openedAt: 1, retryAt: 60_000, reason: 'x' },
      ],
    };
    const later = await otel.collect();
    expect(sumOf(later, 'intentkey.retry_budget.balance')).toBe(9);
    expect(sumOf(later, 'intentkey.breaker.position', { 'intentkey.operation': 'order.create' })).toBe(0);
    expect(sumOf(later, 'intentkey.breaker.position', { 'intentkey.operation': 'order.cancel' })).toBe(2);
    expect(reads).toBe(2);

    // Uninstalled: the callback is gone, nothing is read any more.
    uninstall();
    await otel.collect();
    expect(reads).toBe(2);

    // Each hold is also an event on the intent's span.
    const heldEvents = otel.spans().flatMap((span) => span.events.filter((event) => event.name === 'intentkey.request_held'));
    expect(heldEvents.map((event) => event.attributes?.['intentkey.cause'])).toEqual(['rateLimiter', 'retryBudget', 'retryBudget', 'circuitOpen', 'circuitOpen']);
    expect(heldEvents[0]?.attributes).toEqual({ 'intentkey.cause': 'rateLimiter', 'intentkey.protection.action': 'wait', 'intentkey.protection.before': 'send', 'intentkey.limit.id': 'orders-10s' });
  });

  it('protection gauges: a venue breaker has no operation attribute; a client.protection() that fails reports nothing and fails no collection; no protection(), no read', async () => {
    const venueWide = fakeClient(() => ({ breakers: [{ operation: undefined, position: 'halfOpen' }] }));
    install(venueWide);
    const m = await otel.collect();
    const point = (m.get('intentkey.breaker.position')?.dataPoints ?? [])[0];
    expect(point?.value).toBe(1);
    expect(point?.attributes).toEqual({ 'intentkey.venue': 'binance-spot' });
    // Without a budget, no balance point.
    expect(m.get('intentkey.retry_budget.balance')?.dataPoints ?? []).toHaveLength(0);

    await otel.shutdown();
    otel = otelHarness();
    const failing = fakeClient(() => Promise.reject(new Error('redis down')));
    install(failing);
    const afterFailure = await otel.collect();
    expect(afterFailure.get('intentkey.breaker.position')?.dataPoints ?? []).toHaveLength(0);

    await otel.shutdown();
    otel = otelHarness();
    install(fakeClient());
    const none = await otel.collect();
    expect(none.get('intentkey.retry_budget.balance')?.dataPoints ?? []).toHaveLength(0);
  });

  it("every field of client.metrics() is mirrored by an instrument, or is a ratio or maximum a backend derives", () => {
    const snapshot = new MetricsCollector(new IntentEvents(undefined)).snapshot() as unknown as Record<string, unknown>;
    const paths: string[] = [];
    for (const [key, value] of Object.entries(snapshot)) {
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) for (const sub of Object.keys(value)) paths.push(`${key}.${sub}`);
      else paths.push(key);
    }
    const mirrored = INSTRUMENTS.flatMap((spec) => spec.mirrors as readonly string[]);
    const derived = ['since', 'at', 'conflicts.rate', 'writes.perObject', 'duplicatesPrevented.runs', 'ledger.maxQueueDepth'];
    const uncovered = paths.filter((path) => !derived.includes(path) && !mirrored.some((m) => path === m || path.startsWith(`${m}.`)));
    expect(uncovered).toEqual([]);
  });

  it('INSTRUMENTS has unique intentkey.* names, UCUM units, and buckets on every histogram; the markdown lists them all', () => {
    const names = INSTRUMENTS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const spec of INSTRUMENTS) {
      expect(spec.name).toMatch(/^intentkey\.[a-z_.]+$/);
      expect(spec.unit).toMatch(/^(ms|By|\{[a-z]+\})$/);
      if (spec.kind === 'histogram') expect('buckets' in spec && spec.buckets.length > 0, spec.name).toBe(true);
      // No name is also the namespace of another.
      expect(names.some((other) => other.startsWith(`${spec.name}.`)), spec.name).toBe(false);
    }
    const markdown = instrumentsMarkdown();
    for (const name of names) expect(markdown).toContain(`\`${name}\``);
  });
});

describe('instrumentIntentClient: propagation and uninstall', () => {
  function recordingInstance(): { http: ReturnType<typeof axios.create>; seen: Array<Record<string, unknown>> } {
    const seen: Array<Record<string, unknown>> = [];
    const adapter: AxiosAdapter = async (config) => {
      seen.push(AxiosHeaders.from(config.headers).toJSON());
      return { data: {}, status: 200, statusText: 'OK', headers: {}, config, request: {} };
    };
    return { http: axios.create({ adapter, baseURL: 'https://api.binance.com' }), seen };
  }

  beforeEach(() => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterEach(() => {
    propagation.disable();
  });

  it('injects traceparent of the attempt span into an intentkey request only when propagate is given', async () => {
    const on = recordingInstance();
    const off = recordingInstance();
    const fakeOn = fakeClient();
    const fakeOff = fakeClient();
    install(fakeOn, { propagate: { http: on.http } });
    install(fakeOff);
    for (const [fake, { http }] of [[fakeOn, on], [fakeOff, off]] as const) {
      fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
      fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url: URL_ } });
      await http.post('/api/v3/order', {}, { intentkey: { intentId: 'int_1', operation: 'order.create', key: 'K', venueKey: 'K', attempt: 1, purpose: 'send', correlationId: 'ik-a' } });
      // A request that is not intentkey's is left alone.
      await http.get('/api/v3/time');
    }
    const attempt = otel.spans().length === 0 ? undefined : undefined;
    expect(attempt).toBeUndefined();
    expect(on.seen[0]?.['traceparent']).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(on.seen[1]?.['traceparent']).toBeUndefined();
    expect(off.seen.every((h) => h['traceparent'] === undefined)).toBe(true);

    // The injected parent is the attempt span itself.
    fakeOn.emit('outcome', { ...base, attempt: 1, correlationId: 'ik-a', outcome: { kind: 'success', reason: 'HTTP 200', httpStatus: 200 }, status: 'succeeded', durationMs: 1 });
    const span = otel.spans().find((s) => s.attributes['intentkey.correlation_id'] === 'ik-a');
    expect(on.seen[0]?.['traceparent']).toBe(`00-${span?.spanContext().traceId ?? ''}-${span?.spanContext().spanId ?? ''}-01`);
  });

  it('uninstall removes every listener and the interceptor, and ends spans left open', async () => {
    const { http, seen } = recordingInstance();
    const fake = fakeClient();
    const uninstall = install(fake, { propagate: { http } });
    expect(fake.listeners()).toBeGreaterThan(10);
    fake.emit('intentStarted', { ...base, businessId: undefined, resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    fake.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'K', correlationId: 'ik-a', request: { method: 'POST', url: URL_ } });
    uninstall();
    uninstall();
    expect(fake.listeners()).toBe(0);
    expect(otel.spans().map((s) => s.attributes['intentkey.abandoned'])).toEqual([true, true]);
    expect(sumOf(await otel.collect(), 'intentkey.intents.active')).toBe(0);
    await http.post('/api/v3/order', {}, { intentkey: { intentId: 'int_1', operation: 'order.create', key: 'K', venueKey: 'K', attempt: 1, purpose: 'send', correlationId: 'ik-a' } });
    expect(seen[0]?.['traceparent']).toBeUndefined();
    expect((http.interceptors.request as unknown as { handlers: unknown[] }).handlers.filter((h) => h !== null)).toHaveLength(0);
  });
});
