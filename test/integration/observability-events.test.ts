import axios, { type AxiosAdapter } from 'axios';
import { describe, expect, it } from 'vitest';
import { createIntentClient, defineVenue, extendVenue, MemoryLedger } from '../../src/index.js';
import type { IntentClientOptions, IntentEventMap, LedgerObservation, LedgerStore, VenueProfile } from '../../src/index.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import { scripted, scriptedExchange } from '../helpers/scripted-adapter.js';

/**
 * The engine side of observability: the events every metric, span and log line is
 * built from, with correlation ids per attempt and lookup. Each test drives a scripted
 * in-process venue, so what happened at the venue is known exactly.
 */

const exchange = scriptedExchange('obs-exchange');

const CORRELATION_ID = /^ik-[0-9a-hjkmnp-tv-z]{20}$/;

type Recorded = { [K in keyof IntentEventMap]: Array<IntentEventMap[K]> };

function recorder(): { seen: Recorded; on: NonNullable<IntentClientOptions['on']> } {
  const names = ['attemptStarted', 'outcome', 'lookupStarted', 'lookupFinished', 'intentStarted', 'intentFinished', 'idempotencyConflict', 'keyExpired', 'ledger', 'reconcile', 'retryScheduled'] as const;
  const seen = Object.fromEntries(names.map((n) => [n, []])) as unknown as Recorded;
  const on = Object.fromEntries(names.map((n) => [n, (e: never) => (seen[n] as unknown[]).push(e)])) as NonNullable<IntentClientOptions['on']>;
  return { seen, on };
}

function setup(venue: VenueProfile, adapter: AxiosAdapter, extra: Partial<IntentClientOptions> = {}) {
  const clock = new ManualClock();
  const { seen, on } = recorder();
  const ledger = new MemoryLedger();
  const client = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test/api' }), {
    venue,
    ledger,
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(1),
    attemptTimeoutMs: 1_000,
    retry: { maxAttempts: 4, deadlineMs: 3_600_000 },
    on,
    ...extra,
  });
  return { clock, seen, client, ledger };
}

describe('correlation ids', () => {
  it('a fresh id per attempt and lookup, in events, in config.intentkey and in the ledger', async () => {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? 'drop' : { status: 200, data: { orderId: 1 } };
      return { status: 404 };
    });
    const seenByInterceptor: string[] = [];
    const { seen, client, ledger } = setup(exchange, adapter);
    const http = axios.create({ adapter: scripted(clock, () => ({ status: 200, data: { orderId: 2 } })).adapter, baseURL: 'http://venue.test/api' });
    http.interceptors.request.use((config) => {
      if (config.intentkey) seenByInterceptor.push(config.intentkey.correlationId);
      return config;
    });
    const viaInterceptor = createIntentClient(http, { venue: exchange, ledger: new MemoryLedger(), clock: new ManualClock(), random: new SeededRandom(2) });
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order', params: { symbol: 'X' } }) });
    const result = await op({}, { businessId: 'c1' });

    const ids = [...seen.attemptStarted.map((e) => e.correlationId), ...seen.lookupStarted.map((e) => e.correlationId)];
    expect(ids.length).toBeGreaterThanOrEqual(3); // two attempts and at least one lookup
    for (const id of ids) expect(id).toMatch(CORRELATION_ID);
    expect(new Set(ids).size).toBe(ids.length);
    // Each outcome and lookup verdict names the request it is about.
    expect(seen.outcome.map((e) => e.correlationId)).toEqual(seen.attemptStarted.map((e) => e.correlationId));
    expect(seen.lookupFinished.map((e) => e.correlationId)).toEqual(seen.lookupStarted.map((e) => e.correlationId));
    // Stored with the attempt: the succeeded record carries the last attempt's id.
    const record = await ledger.get(result.intentId);
    expect(record?.outcome?.correlationId).toBe(seen.attemptStarted.at(-1)?.correlationId);

    // Interceptors see it as config.intentkey.correlationId.
    await viaInterceptor.operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'c2' });
    expect(seenByInterceptor.length).toBeGreaterThan(0);
    for (const id of seenByInterceptor) expect(id).toMatch(CORRELATION_ID);
  });

  it('an attempt found in flight after a crash keeps its id in the unknown outcome', async () => {
    const clock = new ManualClock();
    // Lookups cannot tell: the intent stays unknown, with the lost attempt's id.
    const { adapter } = scripted(clock, () => ({ status: 503 }));
    const { client, ledger, clock: runClock } = setup(exchange, adapter, { maxLookups: 1 });
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    const draft = client.prepare(op, {}, { businessId: 'crashed' });
    await ledger.create(draft, draft.createdAt);
    const claimed = await ledger.claim(draft.id, { owner: 'dead-worker', leaseMs: 10, now: draft.createdAt });
    expect(claimed.claimed).toBe(true);
    await ledger.transition(draft.id, {
      expectStatus: 'pending',
      expectEpoch: claimed.record.epoch,
      to: 'inFlight',
      attempt: 1,
      now: draft.createdAt,
      outcome: { kind: 'inFlight', reason: 'attempt in flight', correlationId: 'ik-00000000000000000000' },
    });
    runClock.advance(60_000); // the dead worker's lease has ended
    await expect(op({}, { businessId: 'crashed' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError' });
    const record = await ledger.get(draft.id);
    expect(record).toMatchObject({ status: 'unknown', outcome: { correlationId: 'ik-00000000000000000000' } });
  });

  it('is sent as a header only when correlationHeader names one', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const named = setup(exchange, adapter, { correlationHeader: 'X-Request-Id' });
    await named.client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'h1' });
    expect(sent[0]?.headers.get('X-Request-Id')).toBe(named.seen.attemptStarted[0]?.correlationId);

    const plain = setup(exchange, adapter);
    await plain.client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'h2' });
    const headers = sent[1]?.headers.toJSON() ?? {};
    for (const value of Object.values(headers)) expect(String(value)).not.toMatch(CORRELATION_ID);
  });

  it('refuses a header name that is not a token', () => {
    expect(() => setup(exchange, (() => undefined) as unknown as AxiosAdapter, { correlationHeader: 'X Request' })).toThrow(/options\.correlationHeader/);
  });
});

describe('request summaries never carry the query string', () => {
  it('attemptStarted and lookupStarted show method and URL without signed parameters', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, (req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { orderId: 3 } }));
    const { seen, client } = setup(exchange, adapter);
    await client.operation('order', { request: () => ({ method: 'post', url: '/order?signature=SECRET', params: { signature: 'SECRET', symbol: 'X' } }) })({}, { businessId: 'q1' });
    expect(seen.attemptStarted[0]?.request).toEqual({ method: 'POST', url: 'http://venue.test/api/order' });
    expect(seen.lookupStarted[0]?.request).toEqual({ method: 'GET', url: 'http://venue.test/api/order' });
    expect(JSON.stringify(seen)).not.toContain('SECRET');
  });
});

describe('intentStarted and intentFinished', () => {
  it('a first-try success: one attempt, not recovered, not replayed', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const { seen, client } = setup(exchange, adapter);
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    await op({}, { businessId: 'f1' });
    expect(seen.intentStarted).toEqual([expect.objectContaining({ businessId: 'f1', resumed: false, status: 'pending', via: 'call' })]);
    expect(seen.intentFinished).toEqual([
      expect.objectContaining({ result: 'succeeded', status: 'succeeded', attempts: 1, lookups: 0, recovered: false, replayedFromLedger: false, reconciled: false, venueDuplicate: false }),
    ]);

    // The same business action again: answered from the ledger, nothing sent.
    await op({}, { businessId: 'f1' });
    expect(seen.intentFinished[1]).toMatchObject({ result: 'succeeded', replayedFromLedger: true, attempts: 0, lookups: 0, recovered: false });
    expect(seen.intentStarted[1]).toMatchObject({ resumed: true, status: 'succeeded' });
  });

  it('a retry that recovers, and an unknown settled by a lookup', async () => {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter } = scripted(clock, (req) => {
      if (req.url === '/retry') return ++posts === 1 ? { status: 503, data: { code: 'busy' } } : { status: 200 };
      if (req.method === 'POST') return 'drop';
      return { status: 200, data: { orderId: 9 } };
    });
    const venue = extendVenue(exchange, { errors: [{ match: { code: 'busy' }, outcome: 'retry' }] });
    const { seen, client } = setup(venue, adapter);
    await client.operation('retry', { request: () => ({ method: 'POST', url: '/retry' }) })({}, { businessId: 'r1' });
    await client.operation('lost', { request: () => ({ method: 'POST', url: '/lost' }) })({}, { businessId: 'r2' });
    expect(seen.intentFinished[0]).toMatchObject({ result: 'succeeded', attempts: 2, recovered: true, reconciled: false });
    expect(seen.intentFinished[1]).toMatchObject({ result: 'succeeded', attempts: 1, lookups: 1, recovered: true, reconciled: true });
    expect(seen.lookupFinished).toEqual([expect.objectContaining({ verdict: 'found', httpStatus: 200 })]);
  });

  it('a ledger replay of an intent a lookup once settled is a replay, not a reconcile', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, (req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { orderId: 9 } }));
    const { seen, client } = setup(exchange, adapter);
    const op = client.operation('lost', { request: () => ({ method: 'POST', url: '/lost' }) });
    await op({}, { businessId: 'z1' });
    await op({}, { businessId: 'z1' });
    expect(seen.intentFinished.map((e) => [e.reconciled, e.replayedFromLedger])).toEqual([
      [true, false],
      [false, true],
    ]);
  });

  it('a refusal ends as failed, an unsettled one as ambiguous', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, (req) => {
      if (req.url === '/bad') return { status: 400 };
      if (req.method === 'POST') return 'drop';
      return { status: 503 };
    });
    const { seen, client } = setup(exchange, adapter, { maxLookups: 1 });
    await client.operation('bad', { request: () => ({ method: 'POST', url: '/bad' }) })({}, { businessId: 'x1' }).catch(() => undefined);
    await client.operation('lost', { request: () => ({ method: 'POST', url: '/lost' }) })({}, { businessId: 'x2' }).catch(() => undefined);
    expect(seen.intentFinished[0]).toMatchObject({ result: 'failed', status: 'failed', errorName: 'VenueRejectedError' });
    expect(seen.intentFinished[1]).toMatchObject({ result: 'ambiguous', status: 'unknown', errorName: 'AmbiguousOutcomeError' });
    expect(seen.lookupFinished[0]).toMatchObject({ verdict: 'inconclusive', httpStatus: 503 });
  });

  it('a venue answer of "duplicate" is reported on the run', async () => {
    const clock = new ManualClock();
    const venue = extendVenue(exchange, { errors: [{ match: { status: 409 }, outcome: 'conflictDuplicate' }] });
    const { adapter } = scripted(clock, (req) => (req.method === 'POST' ? { status: 409 } : { status: 200, data: { orderId: 4 } }));
    const { seen, client } = setup(venue, adapter);
    await client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'd1' });
    expect(seen.intentFinished[0]).toMatchObject({ result: 'succeeded', venueDuplicate: true, reconciled: true });
  });

  it('recovery runs are reported with via "recovery"', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const { seen, client, ledger } = setup(exchange, adapter);
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    const draft = client.prepare(op, {}, { businessId: 'rec' });
    await ledger.create(draft, draft.createdAt);
    await client.recover();
    expect(seen.intentStarted).toEqual([expect.objectContaining({ via: 'recovery', resumed: true, status: 'pending' })]);
    expect(seen.intentFinished).toEqual([expect.objectContaining({ via: 'recovery', result: 'succeeded', attempts: 1 })]);
  });
});

describe('idempotencyConflict and keyExpired', () => {
  it('another payload for the same business id is reported before the error', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const { seen, client } = setup(exchange, adapter);
    const op = client.operation('order', { request: (o: { qty: number }) => ({ method: 'POST', url: '/order', params: o }) });
    await op({ qty: 1 }, { businessId: 'k1' });
    await expect(op({ qty: 2 }, { businessId: 'k1' })).rejects.toMatchObject({ name: 'IntentConflictError' });
    expect(seen.idempotencyConflict).toEqual([expect.objectContaining({ businessId: 'k1', operation: 'order', venue: 'obs-exchange' })]);
    const [conflict] = seen.idempotencyConflict;
    expect(conflict?.fingerprint).not.toBe(conflict?.storedFingerprint);
  });

  it('beforeSend: a pending intent past the key window fails unsent', async () => {
    const { adapter, sent } = scripted(new ManualClock(), () => ({ status: 200 }));
    const store = defineVenue({ ...exchange, name: 'short-store', dedupe: { kind: 'keyStore', retentionMs: 60_000 }, key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } } });
    const { seen, client, ledger, clock: c } = setup(store, adapter);
    const op = client.operation('pay', { request: () => ({ method: 'POST', url: '/pay' }) });
    const draft = client.prepare(op, {}, { businessId: 'e1' });
    await ledger.create(draft, draft.createdAt);
    c.advance(120_000);
    await expect(op({}, { businessId: 'e1' })).rejects.toMatchObject({ name: 'RetriesExhaustedError' });
    expect(sent).toHaveLength(0);
    expect(seen.keyExpired).toEqual([expect.objectContaining({ when: 'beforeSend' })]);
  });

  it('resend: a key store whose window passed is looked up instead of resent', async () => {
    const store = defineVenue({
      ...exchange,
      name: 'short-store',
      dedupe: { kind: 'keyStore', retentionMs: 1_000 },
      key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } },
    });
    const c = new ManualClock();
    const keyExpired: Array<IntentEventMap['keyExpired']> = [];
    const { adapter, sent } = scripted(c, (req) => {
      if (req.method === 'POST') {
        c.advance(5_000); // the answer is lost after the key window has passed
        return 'drop';
      }
      return { status: 200, data: { orderId: 5 } };
    });
    const late = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test/api' }), {
      venue: store,
      ledger: new MemoryLedger(),
      clock: c,
      sleep: c.sleep,
      random: new SeededRandom(1),
      on: { keyExpired: (e) => keyExpired.push(e) },
    });
    await late.operation('pay', { request: () => ({ method: 'POST', url: '/pay' }) })({}, { businessId: 'e2' });
    expect(sent.map((r) => r.method)).toEqual(['POST', 'GET']);
    expect(keyExpired).toEqual([expect.objectContaining({ when: 'resend' })]);
  });
});

describe('ledger observations', () => {
  it("a store's observations become ledger events", async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200 }));
    const inner = new MemoryLedger();
    let tell: ((o: LedgerObservation) => void) | undefined;
    const observed: LedgerStore = Object.assign(Object.create(inner) as LedgerStore, {
      capabilities: inner.capabilities,
      observe: (listener: (o: LedgerObservation) => void) => {
        tell = listener;
        return () => (tell = undefined);
      },
    });
    const { seen } = setup(exchange, adapter, { ledger: observed });
    tell?.({ type: 'flush', records: 3, bytes: 400, latencyMs: 2, queueDepth: 0 });
    expect(seen.ledger).toEqual([{ type: 'flush', records: 3, bytes: 400, latencyMs: 2, queueDepth: 0 }]);
  });
});

describe('the metrics and the events of a call', () => {
  it('a listener of intentStarted, attemptStarted or outcome finds its event already counted in client.metrics()', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const counted: Array<[string, number]> = [];
    // The client is created below; listeners read it when events come.
    let read: () => ReturnType<ReturnType<typeof setup>['client']['metrics']> = () => {
      throw new Error('no client yet');
    };
    const { client } = setup(exchange, adapter, {
      on: {
        intentStarted: () => counted.push(['intentStarted', read().intents.started]),
        attemptStarted: () => counted.push(['attemptStarted', read().writes.sent]),
        outcome: () => counted.push(['outcome', read().outcomes['success'] ?? 0]),
      },
    });
    read = () => client.metrics();
    const place = client.operation('order.create', { request: (o: { qty: number }) => ({ method: 'POST', url: '/order', data: o }) });
    await place({ qty: 1 }, { businessId: 'b-1' });
    await place({ qty: 2 }, { businessId: 'b-2' });
    expect(counted).toEqual([
      ['intentStarted', 1],
      ['attemptStarted', 1],
      ['outcome', 1],
      ['intentStarted', 2],
      ['attemptStarted', 2],
      ['outcome', 2],
    ]);
  });

  it('without a listener of its own, a client still counts every call', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
    const { client } = setup(exchange, adapter, { on: {} });
    const place = client.operation('order.create', { request: (o: { qty: number }) => ({ method: 'POST', url: '/order', data: o }) });
    await place({ qty: 1 }, { businessId: 'b-1' });
    const m = client.metrics();
    expect(m.intents.started).toBe(1);
    expect(m.writes.sent).toBe(1);
    expect(m.writes.firstSends).toBe(1);
    expect(m.outcomes['success']).toBe(1);
    expect(m.intents.results.succeeded).toBe(1);
    expect(m.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
  });
});
