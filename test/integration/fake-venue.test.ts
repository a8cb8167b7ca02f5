import axios from 'axios';
import axiosRetry from 'axios-retry';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, extendVenue, MemoryLedger, stripe } from '../../src/index.js';
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
  it('replays the first result for a key, and refuses the key with another payload', async () => {
    const v = await venue({ mode: 'payments' });
    const headers = { 'Idempotency-Key': 'k1' };
    const a = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p1' }, { headers });
    const b = await axios.post(`${v.url}/v1/payments`, { amount: 5, businessId: 'p1' }, { headers });
    expect(b.data).toEqual(a.data);
    expect(b.headers['idempotent-replayed']).toBe('true');
    const c = await axios.post(`${v.url}/v1/payments`, { amount: 6, businessId: 'p1' }, { headers, ...ok });
    expect(c.status).toBe(400);
    expect(v.executionsOf('p1')).toBe(1);
  });

  it('answers 409 while the first request with a key is still running, and forgets keys after retention', async () => {
    let now = 1_000;
    const v = await venue({ mode: 'payments', faults: { delay: 1 }, delayMs: 60_000, retentionMs: 10_000, now: () => now });
    const headers = { 'Idempotency-Key': 'slow' };
    const first = axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, timeout: 100 }).catch(() => 'timeout');
    expect(await first).toBe('timeout');
    const second = await axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, ...ok });
    expect(second.status).toBe(409);
    now += 10_001;
    await axios.post(`${v.url}/v1/payments`, { amount: 1, businessId: 'p2' }, { headers, timeout: 100 }).catch(() => undefined);
    expect(v.executionsOf('p2')).toBe(2);
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

  it('intentkey on a payments API: every payment executed exactly once', async () => {
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
      request: (p: { i: number }) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, businessId: `p${p.i}` } }),
    });
    for (let i = 0; i < ORDERS; i++) await pay({ i }, { businessId: `p${i}` });
    const stats = v.stats();
    expect(stats.duplicates).toBe(0);
    expect(stats.executions).toBe(ORDERS);
  });
});
