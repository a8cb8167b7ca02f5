import axios from 'axios';
import axiosRetry from 'axios-retry';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, extendVenue, isAmbiguousOutcomeError, MemoryLedger, stripe } from '../../src/index.js';
import { ManualClock, SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';

const venues: FakeVenue[] = [];
async function venue(options: Parameters<typeof startFakeVenue>[0]): Promise<FakeVenue> {
  const v = await startFakeVenue(options);
  venues.push(v);
  return v;
}
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
});

const ok = { validateStatus: () => true };

describe('fake exchange semantics', () => {
  it('accepts a filled market order id again (unique among open orders only)', async () => {
    const v = await venue({ mode: 'exchange' });
    const params = { symbol: 'X', type: 'MARKET', newClientOrderId: 'abc', businessId: 'b1' };
    expect((await axios.post(`${v.url}/api/v3/order`, null, { params, ...ok })).status).toBe(200);
    expect((await axios.post(`${v.url}/api/v3/order`, null, { params, ...ok })).status).toBe(200);
    expect(v.executionsOf('b1')).toBe(2);
    expect(v.stats()).toMatchObject({ executions: 2, duplicates: 1 });
  });

  it('refuses an id held by an open order with -2010 and finds orders by client id', async () => {
    const v = await venue({ mode: 'exchange' });
    const params = { symbol: 'X', type: 'LIMIT', newClientOrderId: 'lim', businessId: 'b2' };
    await axios.post(`${v.url}/api/v3/order`, null, { params });
    const dup = await axios.post(`${v.url}/api/v3/order`, null, { params, ...ok });
    expect(dup.status).toBe(400);
    expect(dup.data).toEqual({ code: -2010, msg: 'Duplicate order sent.' });
    const found = await axios.get(`${v.url}/api/v3/order`, { params: { origClientOrderId: 'lim' } });
    expect(found.data).toMatchObject({ clientOrderId: 'lim', status: 'NEW' });
    const missing = await axios.get(`${v.url}/api/v3/order`, { params: { origClientOrderId: 'nope' }, ...ok });
    expect(missing.data).toEqual({ code: -2013, msg: 'Order does not exist.' });
  });
});

describe('fake payments semantics', () => {
  const T0 = 1_700_000_000_000; // epoch ms; created = 1_700_000_000

  it('replays the first result for a key, and refuses the key with another payload', async () => {
    const v = await venue({ mode: 'payments', now: () => T0 });
    const headers = { 'Idempotency-Key': 'k1' };
    const a = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p1' }, { headers });
    expect(a.data).toEqual({ id: 'pi_1', object: 'payment_intent', created: 1_700_000_000, amount: 5, currency: 'usd', status: 'succeeded', metadata: {} });
    expect(a.headers['idempotent-replayed']).toBeUndefined();
    expect(a.headers['stripe-should-retry']).toBeUndefined();
    const b = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p1' }, { headers });
    expect(b.status).toBe(200);
    expect(b.data).toEqual(a.data);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await axios.post(`${v.url}/v1/payments`, { amount: 6, businessId: 'p1' }, { headers, ...ok });
    expect(c.status).toBe(400);
    expect(c.data).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(c.headers['idempotent-replayed']).toBeUndefined();
    expect(v.executionsOf('p1')).toBe(1);
    expect(v.stats()).toMatchObject({ writes: 3, executions: 1, replays: 1, storedErrors: 0 });
  });

  it('stores a 500 of a request that executed and replays it to the same key, executing once', async () => {
    const v = await venue({ mode: 'payments', faults: { executeThen500: 1 } });
    const headers = { 'Idempotency-Key': 'k500' };
    const first = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p500' }, { headers, ...ok });
    expect(first.status).toBe(500);
    expect(first.data).toEqual({ error: { type: 'api_error', message: expect.any(String) } });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(first.headers['stripe-should-retry']).toBeUndefined();
    const second = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p500' }, { headers, ...ok });
    expect(second.status).toBe(500);
    expect(second.data).toEqual(first.data);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.headers['stripe-should-retry']).toBe('false');
    expect(v.executionsOf('p500')).toBe(1);
    expect(v.stats()).toMatchObject({ writes: 2, executions: 1, duplicates: 0, replays: 1, storedErrors: 1 });
  });

  it('stores the 200 of a dropped answer and replays the same object with the replay header', async () => {
    const v = await venue({ mode: 'payments', faults: { executeThenDrop: 1 }, now: () => T0 });
    const headers = { 'Idempotency-Key': 'kdrop' };
    const data = { amount: 9, currency: 'EUR', businessId: 'pdrop', metadata: { order: 'o-9' } };
    await expect(axios.post(`${v.url}/v1/payments`, data, { headers })).rejects.toMatchObject({ code: 'ECONNRESET' });
    const replay = await axios.post(`${v.url}/v1/payment_intents`, data, { headers, ...ok });
    expect(replay.status).toBe(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['stripe-should-retry']).toBeUndefined();
    expect(replay.data).toEqual({ id: 'pi_1', object: 'payment_intent', created: 1_700_000_000, amount: 9, currency: 'eur', status: 'succeeded', metadata: { order: 'o-9' } });
    const fetched = await axios.get(`${v.url}/v1/payment_intents/pi_1`);
    expect(fetched.data).toEqual(replay.data);
    expect(fetched.headers['idempotent-replayed']).toBeUndefined();
    expect(v.stats()).toMatchObject({ writes: 2, executions: 1, replays: 1, storedErrors: 0 });
    expect(v.stats().faultsInjected.executeThenDrop).toBe(2);
  });

  it('answers 409 with Stripe-Should-Retry while the first request with a key is still running, and forgets keys after retention', async () => {
    let now = 1_000;
    const v = await venue({ mode: 'payments', faults: { delay: 1 }, delayMs: 60_000, retentionMs: 10_000, now: () => now });
    const headers = { 'Idempotency-Key': 'slow' };
    const first = axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, timeout: 100 }).catch(() => 'timeout');
    expect(await first).toBe('timeout');
    const second = await axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, ...ok });
    expect(second.status).toBe(409);
    expect(second.data).toMatchObject({ error: { type: 'idempotency_error', code: 'idempotency_key_in_use' } });
    expect(second.headers['stripe-should-retry']).toBe('true');
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(v.stats().replays).toBe(0);
    now += 10_001;
    await axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, timeout: 100 }).catch(() => undefined);
    expect(v.executionsOf('p2')).toBe(2);
  });

  it('stores the 200 of a held answer once the hold ends', async () => {
    const v = await venue({ mode: 'payments', seed: 1, faults: { delay: 1 }, delayMs: 50 });
    const headers = { 'Idempotency-Key': 'held' };
    const first = await axios.post(`${v.url}/v1/payments`, { amount: 3, businessId: 'p3' }, { headers });
    expect(first.status).toBe(200);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await axios.post(`${v.url}/v1/payments`, { amount: 3, businessId: 'p3' }, { headers });
    expect(again.data).toEqual(first.data);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(v.executionsOf('p3')).toBe(1);
  });

  it('stores nothing for 503 and 429 (refused before executing): the resend with the key executes, answered fresh', async () => {
    const v = await venue({ mode: 'payments', seed: 4, faults: { reject503: 0.4, rateLimit: 0.4 }, retryAfterSeconds: 2 });
    const headers = { 'Idempotency-Key': 'refused' };
    const send = () => axios.post(`${v.url}/v1/payments`, { amount: 4, businessId: 'p4' }, { headers, ...ok });
    // Seed 4 draws a 429, a 503, then no fault.
    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('2');
    const refused = await send();
    expect(refused.status).toBe(503);
    for (const r of [limited, refused]) {
      expect(r.headers['idempotent-replayed']).toBeUndefined();
      expect(v.executionsOf('p4')).toBe(0);
    }
    const executed = await send();
    expect(executed.status).toBe(200);
    expect(executed.headers['idempotent-replayed']).toBeUndefined();
    expect(executed.data).toMatchObject({ id: 'pi_1', amount: 4 });
    expect(v.executionsOf('p4')).toBe(1);
    expect(v.stats()).toMatchObject({ writes: 3, executions: 1, replays: 0, storedErrors: 0, faultsInjected: { rateLimit: 1, reject503: 1 } });
  });

  it('keeps metadata from JSON and form-encoded bodies, and refuses non-string metadata values without executing', async () => {
    const v = await venue({ mode: 'payments', now: () => T0 });
    const fromJson = await axios.post(`${v.url}/v1/payment_intents`, { amount: 10, metadata: { order: 'o-1', note: 'n' }, businessId: 'm1' });
    expect(fromJson.data).toMatchObject({ id: 'pi_1', amount: 10, metadata: { order: 'o-1', note: 'n' } });
    const form = new URLSearchParams({ amount: '7', currency: 'GBP', 'metadata[order]': 'o-2', 'metadata[shop]': 'north', businessId: 'm2' });
    const fromForm = await axios.post(`${v.url}/v1/payments`, form, { headers: { 'Idempotency-Key': 'kf' } });
    expect(fromForm.data).toEqual({ id: 'pi_2', object: 'payment_intent', created: 1_700_000_000, amount: 7, currency: 'gbp', status: 'succeeded', metadata: { order: 'o-2', shop: 'north' } });
    const formReplay = await axios.post(`${v.url}/v1/payments`, form.toString(), { headers: { 'Idempotency-Key': 'kf', 'Content-Type': 'application/x-www-form-urlencoded' } });
    expect(formReplay.headers['idempotent-replayed']).toBe('true');
    expect(formReplay.data).toEqual(fromForm.data);
    const bad = await axios.post(`${v.url}/v1/payments`, { amount: 1, metadata: { n: 1 }, businessId: 'm3' }, { headers: { 'Idempotency-Key': 'kbad' }, ...ok });
    expect(bad.status).toBe(400);
    expect(bad.data).toMatchObject({ error: { type: 'invalid_request_error', param: 'metadata[n]' } });
    // Nothing stored under the refused key: the corrected request executes.
    const fixed = await axios.post(`${v.url}/v1/payments`, { amount: 1, metadata: { n: '1' }, businessId: 'm3' }, { headers: { 'Idempotency-Key': 'kbad' } });
    expect(fixed.headers['idempotent-replayed']).toBeUndefined();
    expect(fixed.data).toMatchObject({ id: 'pi_3', metadata: { n: '1' } });
    expect(v.executions()).toEqual(new Map([['m1', 1], ['m2', 1], ['m3', 1]]));
  });

  it('lists payments newest first, honouring created[gte], limit, starting_after and has_more', async () => {
    let now = T0;
    const v = await venue({ mode: 'payments', now: () => now });
    const create = async (order: string, path = '/v1/payments') =>
      ((await axios.post(`${v.url}${path}`, { amount: 1, metadata: { order }, businessId: order })).data as { id: string }).id;
    expect(await create('a')).toBe('pi_1'); // created 1_700_000_000
    now += 10_000;
    expect(await create('b', '/v1/payment_intents')).toBe('pi_2'); // created 1_700_000_010
    expect(await create('c')).toBe('pi_3'); // same second as b: creation order decides
    now += 10_000;
    expect(await create('d')).toBe('pi_4'); // created 1_700_000_020
    const writesBefore = v.stats().writes;

    const list = async (params: Record<string, string | number>, path = '/v1/payment_intents') => {
      const r = await axios.get(`${v.url}${path}`, { params, ...ok });
      return { status: r.status, body: r.data as { object: string; url: string; has_more: boolean; data: { id: string; created: number; metadata: Record<string, string> }[] } };
    };
    const all = await list({});
    expect(all.status).toBe(200);
    expect(all.body).toMatchObject({ object: 'list', url: '/v1/payment_intents', has_more: false });
    expect(all.body.data.map((p) => p.id)).toEqual(['pi_4', 'pi_3', 'pi_2', 'pi_1']);
    expect(all.body.data.map((p) => p.metadata['order'])).toEqual(['d', 'c', 'b', 'a']);
    expect(all.body.data.map((p) => p.created)).toEqual([1_700_000_020, 1_700_000_010, 1_700_000_010, 1_700_000_000]);

    const recent = await list({ 'created[gte]': 1_700_000_010 });
    expect(recent.body.data.map((p) => p.id)).toEqual(['pi_4', 'pi_3', 'pi_2']);
    expect(recent.body.has_more).toBe(false);

    const page1 = await list({ 'created[gte]': 1_700_000_000, limit: 2 });
    expect(page1.body.data.map((p) => p.id)).toEqual(['pi_4', 'pi_3']);
    expect(page1.body.has_more).toBe(true);
    const page2 = await list({ 'created[gte]': 1_700_000_000, limit: 2, starting_after: 'pi_3' });
    expect(page2.body.data.map((p) => p.id)).toEqual(['pi_2', 'pi_1']);
    expect(page2.body.has_more).toBe(false);
    const afterWithFilter = await list({ 'created[gte]': 1_700_000_010, starting_after: 'pi_3' });
    expect(afterWithFilter.body.data.map((p) => p.id)).toEqual(['pi_2']);
    expect((await list({ 'created[gte]': 1_700_000_021 })).body).toMatchObject({ has_more: false, data: [] });

    const alias = await list({ limit: 1 }, '/v1/payments');
    expect(alias.body).toMatchObject({ object: 'list', url: '/v1/payments', has_more: true, data: [{ id: 'pi_4' }] });
    expect((await list({})).body.data).toHaveLength(4); // default limit 10

    expect((await list({ limit: 0 })).status).toBe(400);
    expect((await list({ limit: 101 })).status).toBe(400);
    expect((await list({ 'created[gte]': 'soon' })).status).toBe(400);
    expect((await list({ starting_after: 'pi_99' })).body).toMatchObject({ error: { type: 'invalid_request_error', code: 'resource_missing' } });
    expect(v.stats().writes).toBe(writesBefore);
  });

  it('lists a payment whose create was answered by a stored 500', async () => {
    const v = await venue({ mode: 'payments', faults: { executeThen500: 1 }, now: () => T0 });
    const r = await axios.post(`${v.url}/v1/payments`, { amount: 25, metadata: { intent: 'i-500' }, businessId: 'p500' }, { headers: { 'Idempotency-Key': 'k-500' }, ...ok });
    expect(r.status).toBe(500);
    expect(v.stats().storedErrors).toBe(1);
    const list = await axios.get(`${v.url}/v1/payment_intents`, { params: { 'created[gte]': 1_700_000_000 } });
    expect(list.data).toEqual({
      object: 'list',
      url: '/v1/payment_intents',
      has_more: false,
      data: [{ id: 'pi_1', object: 'payment_intent', created: 1_700_000_000, amount: 25, currency: 'usd', status: 'succeeded', metadata: { intent: 'i-500' } }],
    });
  });

  it('gets one payment by id (404 resource_missing when absent); lookups are not writes and draw no faults', async () => {
    const v = await venue({ mode: 'payments', now: () => T0 });
    const created = await axios.post(`${v.url}/v1/payments`, { amount: 8, businessId: 'g1' });
    const got = await axios.get(`${v.url}/v1/payment_intents/pi_1`);
    expect(got.status).toBe(200);
    expect(got.data).toEqual(created.data);
    expect((await axios.get(`${v.url}/v1/payments/pi_1`)).data).toEqual(created.data);
    const missing = await axios.get(`${v.url}/v1/payment_intents/pi_2`, ok);
    expect(missing.status).toBe(404);
    expect(missing.data).toEqual({ error: { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: "No such payment_intent: 'pi_2'" } });

    const refusing = await venue({ mode: 'payments', faults: { reject503: 1 } });
    const empty = await axios.get(`${refusing.url}/v1/payments`, ok);
    expect(empty.status).toBe(200);
    expect(empty.data).toEqual({ object: 'list', url: '/v1/payments', has_more: false, data: [] });
    expect((await axios.get(`${refusing.url}/v1/payment_intents/pi_1`, ok)).status).toBe(404);
    expect(refusing.stats()).toMatchObject({ requests: 2, writes: 0, executions: 0, faultsInjected: { reject503: 0 } });
  });

  it('draws the same faults for the same seed', async () => {
    const run = async (seed: number) => {
      const v = await venue({ mode: 'payments', seed, faults: { rateLimit: 0.3, reject503: 0.3 } });
      for (let i = 0; i < 40; i++) await axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: `s${i}` }, { headers: { 'Idempotency-Key': `k${i}` }, ...ok });
      return v.stats().faultsInjected;
    };
    const a = await run(3);
    expect(await run(3)).toEqual(a);
    expect(a.rateLimit + a.reject503).toBeGreaterThan(0);
  });
});

/** Bounded end-to-end runs: the same faults, a naive client and intentkey. */
describe('exactly once through injected faults', () => {
  const faults = { executeThenDrop: 0.1, executeThen500: 0.08, reject503: 0.06, delay: 0.05, rateLimit: 0.05 };
  const ORDERS = 60;

  it('negative control: a naive axios-retry client duplicates orders on the same harness', async () => {
    const v = await venue({ mode: 'exchange', seed: 11, faults, delayMs: 300, retryAfterSeconds: 0 });
    const http = axios.create({ baseURL: v.url, timeout: 150 });
    axiosRetry(http, { retries: 4, retryDelay: () => 0, retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429 });
    for (let i = 0; i < ORDERS; i++) {
      const params = { symbol: 'X', type: 'MARKET', newClientOrderId: `n${i}`, businessId: `o${i}` };
      await http.post('/api/v3/order', null, { params }).catch(() => undefined);
    }
    expect(v.stats().duplicates).toBeGreaterThan(0);
  });

  it('intentkey on an exchange: every order executed exactly once', async () => {
    const v = await venue({ mode: 'exchange', seed: 11, faults, delayMs: 300, retryAfterSeconds: 0 });
    const clock = new ManualClock();
    const client = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: extendVenue(binanceSpot, { name: 'fake-binance', reconcile: { settleDelayMs: 1_000 } }),
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(5),
      attemptTimeoutMs: 150,
      retry: { maxAttempts: 10, deadlineMs: 600_000 },
      maxLookups: 10,
    });
    const place = client.operation('order.create', {
      request: (o: { i: number }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'X', type: 'MARKET', businessId: `o${o.i}` } }),
      reconcile: (_o, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'X', origClientOrderId: ctx.venueKey } }),
    });
    for (let i = 0; i < ORDERS; i++) await place({ i }, { businessId: `o${i}` });
    const stats = v.stats();
    expect(stats.duplicates).toBe(0);
    expect(stats.businessIds).toBe(ORDERS);
    expect(stats.executions).toBe(ORDERS);
    expect(stats.faultsInjected.executeThenDrop + stats.faultsInjected.executeThen500 + stats.faultsInjected.delay).toBeGreaterThan(0);
  });

  it('intentkey on a payments API: every payment executed exactly once, at most the stored 500s left ambiguous', async () => {
    const v = await venue({ mode: 'payments', seed: 12, faults, delayMs: 300, retryAfterSeconds: 0 });
    // Real waits here: the venue's "request still in progress" window is real time, so a
    // virtual clock would resend into the 409 window without ever letting it close.
    const pay = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: stripe,
      ledger: new MemoryLedger(),
      random: new SeededRandom(6),
      attemptTimeoutMs: 150,
      retry: { maxAttempts: 12, baseDelayMs: 40, maxDelayMs: 400, deadlineMs: 60_000 },
    }).operation('payment.create', {
      request: (p: { i: number }) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, businessId: `p${p.i}`, metadata: { businessId: `p${p.i}` } } }),
    });
    // A key whose stored result is the 500 of `executeThen500` replays that 500 to every
    // resend, so resending cannot settle it: the client may report it ambiguous (never
    // resend under a new key). The payment exists, and the list shows it.
    const ambiguous: string[] = [];
    for (let i = 0; i < ORDERS; i++) {
      await pay({ i }, { businessId: `p${i}` }).catch((e: unknown) => {
        if (!isAmbiguousOutcomeError(e)) throw e;
        ambiguous.push(`p${i}`);
      });
    }
    const stats = v.stats();
    expect(stats.duplicates).toBe(0);
    expect(stats.executions).toBe(ORDERS);
    expect(stats.businessIds).toBe(ORDERS);
    expect(stats.faultsInjected.executeThen500).toBeGreaterThan(0);
    expect(ambiguous.length).toBeLessThanOrEqual(stats.storedErrors);
    const listed = await axios.get(`${v.url}/v1/payment_intents`, { params: { limit: 100 } });
    const listedIds = (listed.data as { data: { metadata: { businessId: string } }[] }).data.map((p) => p.metadata.businessId);
    expect(listedIds).toHaveLength(ORDERS);
    for (const id of ambiguous) expect(listedIds).toContain(id);
    // Each key stuck on a stored 500 spends all 12 attempts in real backoff: allow for it.
  }, 60_000);
});
