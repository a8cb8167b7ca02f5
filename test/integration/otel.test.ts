// intentkey/otel over a real intent client and the real OpenTelemetry SDKs: the engine's
// events become spans and instruments; a scripted in-process venue decides what executed.
import { propagation, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import axios from 'axios';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIntentClient, MemoryLedger, type IntentClient, type IntentClientOptions } from '../../src/index.js';
import { instrumentIntentClient } from '../../src/otel/index.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import { scripted, scriptedExchange, type Answer, type Sent } from '../helpers/scripted-adapter.js';
import { allAttributeValues, histogramOf, otelHarness, sumOf, type OtelHarness } from '../unit/otel/helpers.js';

const venue = scriptedExchange('otel-exchange');

const API_KEY = 'ak-live-5ecret-api-key';
const SIGNATURE = 'f00dfacecafebeef';

let otel: OtelHarness;
beforeEach(() => {
  otel = otelHarness();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterEach(async () => {
  propagation.disable();
  await otel.shutdown();
});

function setup(answer: (req: Sent, index: number) => Answer, propagate: boolean, protection?: IntentClientOptions['protection']) {
  const clock = new ManualClock();
  const { adapter, sent } = scripted(clock, answer);
  const http = axios.create({ adapter, baseURL: 'http://venue.test:8080/api' });
  // The user's signer: an API key header and a signature in the query string.
  http.interceptors.request.use((config) => {
    config.headers.set('X-API-KEY', API_KEY);
    config.params = { ...(config.params as Record<string, unknown>), signature: SIGNATURE };
    return config;
  });
  const client: IntentClient = createIntentClient(http, {
    venue,
    ledger: new MemoryLedger(),
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(7),
    attemptTimeoutMs: 1_000,
    retry: { maxAttempts: 4, deadlineMs: 3_600_000 },
    ...(protection === undefined ? {} : { protection }),
  });
  const uninstall = instrumentIntentClient(client, {
    tracer: otel.tracerProvider.getTracer('test'),
    meter: otel.meterProvider.getMeter('test'),
    ...(propagate ? { propagate: { http } } : {}),
  });
  const order = client.operation('order.create', { request: () => ({ method: 'POST', url: '/order', params: { symbol: 'BTCUSDT', qty: 1 } }) });
  return { client, order, sent, uninstall };
}

/** The first POST's answer is lost after it executed; the lookup finds the order. */
const lostThenFound = (req: Sent): Answer => {
  if (req.method === 'POST') return 'drop';
  return { status: 200, data: { orderId: 991 } };
};

describe('intentkey/otel over a real client', () => {
  it('a lost answer then a lookup that finds it: one intent span, an ambiguous attempt child, a lookup child; no secret anywhere', async () => {
    const { order, sent } = setup(lostThenFound, true);
    const result = await order({}, { businessId: 'signal-1' });
    expect(result).toMatchObject({ status: 'succeeded', reconciled: true });
    expect(sent.map((r) => r.method)).toEqual(['POST', 'GET']);

    const spans = otel.spans();
    const intent = spans.filter((s) => s.name === 'intentkey.intent order.create');
    const attempts = spans.filter((s) => s.attributes['intentkey.request.purpose'] === 'send');
    const lookups = spans.filter((s) => s.attributes['intentkey.request.purpose'] === 'lookup');
    expect([intent.length, attempts.length, lookups.length]).toEqual([1, 1, 1]);
    const [run, attempt, lookup] = [intent[0], attempts[0], lookups[0]];
    if (!run || !attempt || !lookup) throw new Error('missing span');

    expect(attempt.parentSpanContext?.spanId).toBe(run.spanContext().spanId);
    expect(lookup.parentSpanContext?.spanId).toBe(run.spanContext().spanId);

    expect(run.status.code).toBe(SpanStatusCode.OK);
    expect(run.attributes).toMatchObject({
      'intentkey.intent_id': result.intentId,
      'intentkey.key': result.key,
      'intentkey.operation': 'order.create',
      'intentkey.scope': 'default',
      'intentkey.venue': 'otel-exchange',
      'intentkey.business_id': 'signal-1',
      'intentkey.result': 'succeeded',
      'intentkey.reconciled': true,
    });
    expect(run.events.map((e) => e.name)).toContain('intentkey.reconcile');

    expect(attempt.kind).toBe(SpanKind.CLIENT);
    expect(attempt.name).toBe('POST');
    expect(attempt.status.code).toBe(SpanStatusCode.UNSET);
    expect(attempt.attributes).toMatchObject({
      'http.request.method': 'POST',
      'url.full': 'http://venue.test:8080/api/order',
      'server.address': 'venue.test',
      'server.port': 8080,
      'intentkey.attempt': 1,
      'intentkey.outcome.kind': 'unknown',
      'intentkey.ambiguous': true,
    });
    expect(attempt.attributes['intentkey.correlation_id']).toMatch(/^ik-[0-9a-z]{20}$/);
    expect(attempt.events.map((e) => e.name)).toEqual(['intentkey.ambiguous']);

    expect(lookup.kind).toBe(SpanKind.CLIENT);
    expect(lookup.status.code).toBe(SpanStatusCode.UNSET);
    expect(lookup.attributes).toMatchObject({ 'http.request.method': 'GET', 'http.response.status_code': 200, 'intentkey.lookup.verdict': 'found' });
    expect(lookup.attributes['intentkey.correlation_id']).not.toBe(attempt.attributes['intentkey.correlation_id']);

    // The venue got each request's own span as its parent.
    expect(sent[0]?.headers.get('traceparent')).toBe(`00-${attempt.spanContext().traceId}-${attempt.spanContext().spanId}-01`);
    expect(sent[1]?.headers.get('traceparent')).toBe(`00-${lookup.spanContext().traceId}-${lookup.spanContext().spanId}-01`);

    // Nothing from the query string, the signature or the headers is in any attribute.
    expect(sent[0]?.params).toMatchObject({ signature: SIGNATURE });
    for (const value of allAttributeValues(spans)) {
      expect(value).not.toContain(SIGNATURE);
      expect(value).not.toContain(API_KEY);
      expect(value).not.toContain('?');
      expect(value).not.toContain('BTCUSDT');
    }
  });

  it('a refused order: the intent and attempt spans are ERROR', async () => {
    const { order } = setup(() => ({ status: 400, data: { code: -2010, msg: 'insufficient balance' } }), false);
    await expect(order({}, { businessId: 'signal-2' })).rejects.toThrow();
    const run = otel.spans().find((s) => s.name.startsWith('intentkey.intent'));
    const attempt = otel.spans().find((s) => s.name === 'POST');
    expect(run?.status.code).toBe(SpanStatusCode.ERROR);
    expect(run?.attributes['intentkey.result']).toBe('failed');
    expect(attempt?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempt?.attributes).toMatchObject({ 'http.response.status_code': 400, 'intentkey.outcome.kind': 'fatal' });
  });

  it('the instruments count what client.metrics() counts', async () => {
    let posts = 0;
    const { client, order } = setup((req) => {
      if (req.method === 'GET') return { status: 200, data: { orderId: 1 } };
      posts += 1;
      if (posts === 1) return { status: 429, headers: { 'retry-after': '2' } };
      if (posts === 2) return 'drop';
      if (posts === 4) return { status: 400, data: { code: -1, msg: 'no' } };
      return { status: 200, data: { orderId: 2 } };
    }, false);
    await order({ n: 1 }, { businessId: 'a' }); // 429, then lost (looked up: found)
    await order({ n: 2 }, { businessId: 'b' }); // succeeded at once
    await expect(order({ n: 3 }, { businessId: 'c' })).rejects.toThrow(); // refused
    await order({ n: 1 }, { businessId: 'a' }); // replayed from the ledger
    await expect(order({ n: 9 }, { businessId: 'a' })).rejects.toThrow(); // another payload: conflict

    const snapshot = client.metrics();
    const m = await otel.collect();
    expect(sumOf(m, 'intentkey.intents.started')).toBe(snapshot.intents.started);
    expect(sumOf(m, 'intentkey.intents.finished')).toBe(snapshot.intents.finished);
    for (const [result, count] of Object.entries(snapshot.intents.results)) {
      expect(sumOf(m, 'intentkey.intents.finished', { 'intentkey.result': result }), result).toBe(count);
    }
    expect(sumOf(m, 'intentkey.writes.sent')).toBe(snapshot.writes.sent);
    expect(sumOf(m, 'intentkey.writes.sent', { 'intentkey.first_send': true })).toBe(snapshot.writes.firstSends);
    expect(sumOf(m, 'intentkey.business_objects')).toBe(snapshot.writes.objects);
    expect(sumOf(m, 'intentkey.writes.venue_replayed')).toBe(snapshot.writes.venueReplayed);
    for (const [kind, count] of Object.entries(snapshot.outcomes)) {
      const [k, conflict] = kind.split(':');
      const match = conflict === undefined ? { 'intentkey.outcome.kind': k } : { 'intentkey.outcome.kind': k, 'intentkey.outcome.conflict': conflict };
      expect(sumOf(m, 'intentkey.outcomes', match), kind).toBe(count);
    }
    expect(sumOf(m, 'intentkey.retries')).toBe(snapshot.retries.total);
    for (const [cause, count] of Object.entries(snapshot.retries.byCause)) expect(sumOf(m, 'intentkey.retries', { 'intentkey.cause': cause }), cause).toBe(count);
    expect(histogramOf(m, 'intentkey.rate_limit.wait.duration', { 'intentkey.cause': 'rateLimited' })).toMatchObject({
      count: snapshot.rateLimits.rateLimited.count,
      sum: snapshot.rateLimits.rateLimited.totalMs,
    });
    expect(sumOf(m, 'intentkey.lookups')).toBe(snapshot.lookups.started);
    for (const [verdict, count] of Object.entries(snapshot.lookups.byVerdict)) {
      expect(sumOf(m, 'intentkey.lookup.verdicts', { 'intentkey.lookup.verdict': verdict }), verdict).toBe(count);
    }
    for (const [action, count] of Object.entries(snapshot.lookups.decisions)) {
      expect(sumOf(m, 'intentkey.reconcile.decisions', { 'intentkey.reconcile.action': action }), action).toBe(count);
    }
    expect(sumOf(m, 'intentkey.idempotency.conflicts')).toBe(snapshot.conflicts.count);
    expect(sumOf(m, 'intentkey.duplicates.prevented', { 'intentkey.prevented_by': 'ledger_replay' })).toBe(snapshot.duplicatesPrevented.ledgerReplay);
    expect(sumOf(m, 'intentkey.duplicates.prevented', { 'intentkey.prevented_by': 'venue_answer' })).toBe(snapshot.duplicatesPrevented.venueAnswer);
    expect(sumOf(m, 'intentkey.duplicates.prevented', { 'intentkey.prevented_by': 'reconcile_found' })).toBe(snapshot.duplicatesPrevented.reconcileFound);
    expect(sumOf(m, 'intentkey.retry.recovered')).toBe(snapshot.intents.recovered);
    expect(histogramOf(m, 'intentkey.attempts_per_intent')).toMatchObject({ count: snapshot.intents.attempts.count, sum: snapshot.intents.attempts.sum });
    for (const [status, count] of Object.entries(snapshot.statusNow)) {
      expect(sumOf(m, 'intentkey.intents.active', { 'intentkey.status': status }), status).toBe(count);
    }
    // The run that was refused, the conflict and the rate limit all showed up.
    expect(snapshot.conflicts.count).toBe(1);
    expect(snapshot.intents.results.failed).toBe(1);
    expect(snapshot.retries.byCause['rateLimited']).toBe(1);
    expect(snapshot.duplicatesPrevented.ledgerReplay).toBe(1);
  });

  it('protection over a real client: holds, breaker transitions and the gauges agree with client.metrics() and client.protection()', async () => {
    const { client, order } = setup((req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { orderId: 7 } }), false, {
      retryBudget: true,
      breaker: { consecutiveFailures: 1, openMs: 60_000, whenOpen: 'fail' },
    });
    // The lost answer opens the breaker; the lookup waits behind it, so the unknown intent parks.
    await expect(order({ n: 1 }, { businessId: 'a' })).rejects.toThrow();
    // A new order while it is open fails fast, nothing sent.
    await expect(order({ n: 2 }, { businessId: 'b' })).rejects.toThrow();

    const snapshot = client.metrics();
    const state = await client.protection();
    const m = await otel.collect();
    expect(snapshot.protection.breakerTransitions.open).toBe(1);
    expect(snapshot.protection.held.circuitOpen.park + snapshot.protection.held.circuitOpen.stop).toBeGreaterThanOrEqual(2);
    for (const cause of ['circuitOpen', 'retryBudget', 'rateLimiter'] as const) {
      for (const [action, count] of Object.entries(snapshot.protection.held[cause])) {
        expect(sumOf(m, 'intentkey.protection.held', { 'intentkey.cause': cause, 'intentkey.protection.action': action }), `${cause} ${action}`).toBe(count);
      }
    }
    for (const [to, count] of Object.entries(snapshot.protection.breakerTransitions)) {
      expect(sumOf(m, 'intentkey.breaker.transitions', { 'intentkey.breaker.to': to }), to).toBe(count);
    }
    expect(state.breakers?.[0]?.position).toBe('open');
    expect(sumOf(m, 'intentkey.breaker.position', { 'intentkey.venue': 'otel-exchange' })).toBe(2);
    expect(sumOf(m, 'intentkey.retry_budget.balance', { 'intentkey.venue': 'otel-exchange' })).toBe(state.retryBudget?.balance);
  });

  it('propagation is off by default, and uninstall stops spans and header injection', async () => {
    const off = setup(lostThenFound, false);
    await off.order({}, { businessId: 'x' });
    expect(off.sent.every((r) => r.headers.get('traceparent') === undefined)).toBe(true);
    expect(otel.spans().length).toBe(3);

    const on = setup(lostThenFound, true);
    on.uninstall();
    await on.order({}, { businessId: 'y' });
    expect(on.sent.length).toBe(2);
    expect(on.sent.every((r) => r.headers.get('traceparent') === undefined)).toBe(true);
    expect(otel.spans().length).toBe(3);
  });
});
