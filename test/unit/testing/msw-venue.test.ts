import axios, { type AxiosResponse } from 'axios';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { createVenueHandlers, type VenueHandlers, type VenueHandlersOptions } from '../../../src/testing/msw.js';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const T0 = 1_700_000_000_000;
const ok = { validateStatus: () => true };

function venue(options: Omit<VenueHandlersOptions, 'baseUrl'> & { baseUrl?: string }): VenueHandlers {
  const v = createVenueHandlers({ baseUrl: 'https://api.venue.test', ...options });
  server.use(...v.handlers);
  return v;
}

/** Status, or `network error` for a request that got no response. */
async function outcome(request: Promise<AxiosResponse>): Promise<number | 'network error'> {
  try {
    return (await request).status;
  } catch (error) {
    if (axios.isAxiosError(error) && error.response === undefined) return 'network error';
    throw error;
  }
}

describe('createVenueHandlers: exchange (Binance-like)', () => {
  const order = (v: VenueHandlers, params: Record<string, string>) => axios.post(`${v.baseUrl}/api/v3/order`, null, { params: { symbol: 'X', type: 'MARKET', ...params }, ...ok });
  const lookup = (v: VenueHandlers, id: string) => axios.get(`${v.baseUrl}/api/v3/order`, { params: { symbol: 'X', origClientOrderId: id }, ...ok });

  it('places and looks orders up; -2013 when absent; a filled id is accepted again', async () => {
    const v = venue({ mode: 'exchange' });
    const placed = await order(v, { newClientOrderId: 'c1', businessId: 'b1' });
    expect(placed.status).toBe(200);
    expect(placed.headers['content-type']).toContain('application/json');
    expect(placed.data).toEqual({ orderId: 1, clientOrderId: 'c1', status: 'FILLED' });
    expect((await lookup(v, 'c1')).data).toEqual({ orderId: 1, clientOrderId: 'c1', status: 'FILLED' });
    const missing = await lookup(v, 'nope');
    expect(missing.status).toBe(400);
    expect(missing.data).toEqual({ code: -2013, msg: 'Order does not exist.' });
    await order(v, { newClientOrderId: 'c1', businessId: 'b1' });
    expect(v.executionsOf('b1')).toBe(2);
    expect(v.stats()).toMatchObject({ requests: 4, writes: 2, executions: 2, duplicates: 1 });
  });

  it('executeThenDrop: executes, then a network error (HttpResponse.error()); the lookup finds the order', async () => {
    const v = venue({ mode: 'exchange', faults: { executeThenDrop: 1 } });
    expect(await outcome(order(v, { newClientOrderId: 'd1', businessId: 'bd' }))).toBe('network error');
    expect(v.executionsOf('bd')).toBe(1);
    expect((await lookup(v, 'd1')).data).toMatchObject({ clientOrderId: 'd1', status: 'FILLED' });
  });

  it('executeThen500 executes; reject503 and rateLimit (with Retry-After) do not', async () => {
    const e500 = venue({ mode: 'exchange', faults: { executeThen500: 1 }, baseUrl: 'https://a.venue.test' });
    const r503 = venue({ mode: 'exchange', faults: { reject503: 1 }, baseUrl: 'https://b.venue.test' });
    const r429 = venue({ mode: 'exchange', faults: { rateLimit: 1 }, retryAfterSeconds: 7, baseUrl: 'https://c.venue.test' });
    const a = await order(e500, { newClientOrderId: 'x', businessId: 'x' });
    expect([a.status, a.data]).toEqual([500, { code: -1000, msg: expect.any(String) }]);
    expect(e500.executionsOf('x')).toBe(1);
    expect((await order(r503, { newClientOrderId: 'x', businessId: 'x' })).status).toBe(503);
    const limited = await order(r429, { newClientOrderId: 'x', businessId: 'x' });
    expect(limited.status).toBe(429);
    expect(limited.headers['retry-after']).toBe('7');
    expect(r503.executionsOf('x') + r429.executionsOf('x')).toBe(0);
  });

  it('ban: 418 + Retry-After, then every request (lookups too) until it ends', async () => {
    let now = T0;
    const v = venue({ mode: 'exchange', faults: { ban: 1 }, banSeconds: 60, now: () => now });
    const banned = await order(v, { newClientOrderId: 'b', businessId: 'b' });
    expect(banned.status).toBe(418);
    expect(banned.headers['retry-after']).toBe('60');
    expect(banned.data).toMatchObject({ code: -1003 });
    now += 20_000;
    const refused = await lookup(v, 'b');
    expect([refused.status, refused.headers['retry-after']]).toEqual([418, '40']);
    now += 40_000;
    expect((await lookup(v, 'b')).status).toBe(400);
    expect(v.stats()).toMatchObject({ executions: 0, refusedByBan: 2, faultsInjected: { ban: 1 } });
  });

  it('delay: executes at once, holds the answer past a client timeout; release() sends it', async () => {
    const v = venue({ mode: 'exchange', faults: { delay: 1 }, delayMs: 60_000 });
    const slow = order(v, { newClientOrderId: 's', businessId: 's' });
    await v.whenHeld(1);
    expect(v.executionsOf('s')).toBe(1);
    expect((await lookup(v, 's')).status).toBe(200);
    expect(v.release()).toBe(1);
    expect((await slow).data).toMatchObject({ clientOrderId: 's', status: 'FILLED' });

    const timedOut = axios.post(`${v.baseUrl}/api/v3/order`, null, { params: { newClientOrderId: 't', businessId: 't' }, timeout: 20 });
    await expect(timedOut).rejects.toMatchObject({ code: 'ECONNABORTED' });
    expect(v.held()).toBe(1);
    v.reset();
    expect(v.held()).toBe(0);
  });

  it('reports request weight and refuses over weightLimit', async () => {
    const v = venue({ mode: 'exchange', weightLimit: { limit: 1 }, now: () => T0 });
    expect((await lookup(v, 'a')).headers['x-mbx-used-weight-1m']).toBe('1');
    const over = await lookup(v, 'a');
    expect([over.status, over.headers['x-mbx-used-weight-1m']]).toEqual([429, '2']);
    expect(v.stats().overWeightLimit).toBe(1);
  });
});

describe('createVenueHandlers: payments (Stripe-like)', () => {
  const create = (v: VenueHandlers, key: string | undefined, data: unknown) =>
    axios.post(`${v.baseUrl}/v1/payment_intents`, data, { headers: key === undefined ? {} : { 'Idempotency-Key': key }, ...ok });

  it('replays the first result with Idempotent-Replayed; another payload with the key is an idempotency_error', async () => {
    const v = venue({ mode: 'payments', now: () => T0 });
    const first = await create(v, 'k1', { amount: 5, businessId: 'p1' });
    expect(first.data).toEqual({ id: 'pi_1', object: 'payment_intent', created: 1_700_000_000, amount: 5, currency: 'usd', status: 'succeeded', metadata: {} });
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await create(v, 'k1', { amount: 5, businessId: 'p1' });
    expect([again.status, again.headers['idempotent-replayed']]).toEqual([200, 'true']);
    expect(again.data).toEqual(first.data);
    const other = await create(v, 'k1', { amount: 6, businessId: 'p1' });
    expect(other.status).toBe(400);
    expect(other.data).toMatchObject({ error: { type: 'idempotency_error' } });
    expect(v.stats()).toMatchObject({ writes: 3, executions: 1, replays: 1 });
  });

  it('stored 5xx: the 500 of executeThen500 is replayed with Stripe-Should-Retry: false', async () => {
    const v = venue({ mode: 'payments', faults: { executeThen500: 1 } });
    expect((await create(v, 'k', { amount: 5, businessId: 'p' })).status).toBe(500);
    const replay = await create(v, 'k', { amount: 5, businessId: 'p' });
    expect(replay.status).toBe(500);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.headers['stripe-should-retry']).toBe('false');
    expect(v.stats()).toMatchObject({ executions: 1, storedErrors: 1 });
  });

  it('executeThenDrop: a network error, the payment exists, the resend replays it', async () => {
    const v = venue({ mode: 'payments', faults: { executeThenDrop: 1 }, now: () => T0 });
    expect(await outcome(create(v, 'kd', { amount: 9, metadata: { order: 'o9' } }))).toBe('network error');
    const replay = await create(v, 'kd', { amount: 9, metadata: { order: 'o9' } });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.data).toMatchObject({ id: 'pi_1', metadata: { order: 'o9' } });
    expect(v.executionsOf('kd')).toBe(1);
  });

  it('in-progress conflict: 409 idempotency_key_in_use with Stripe-Should-Retry: true while the first is held', async () => {
    const v = venue({ mode: 'payments', faults: { delay: 1 }, delayMs: 60_000 });
    const first = create(v, 'slow', { amount: 1 });
    await v.whenHeld(1);
    const conflict = await create(v, 'slow', { amount: 1 });
    expect(conflict.status).toBe(409);
    expect(conflict.data).toMatchObject({ error: { type: 'idempotency_error', code: 'idempotency_key_in_use' } });
    expect(conflict.headers['stripe-should-retry']).toBe('true');
    expect(conflict.headers['idempotent-replayed']).toBeUndefined();
    v.release();
    expect((await first).status).toBe(200);
    const replay = await create(v, 'slow', { amount: 1 });
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(v.executionsOf('slow')).toBe(1);
  });

  it('rateLimit (429 + Retry-After), reject503 and ban (418) store nothing under the key', async () => {
    let now = T0;
    const v = venue({ mode: 'payments', seed: 4, faults: { reject503: 0.3, rateLimit: 0.3, ban: 0.3 }, retryAfterSeconds: 2, banSeconds: 1, now: () => now });
    const seen = new Map<number, AxiosResponse>();
    for (let i = 0; i < 100 && v.executionsOf('k') === 0; i++) {
      const r = await create(v, 'k', { amount: 4 });
      seen.set(r.status, r);
      now += 1_000;
    }
    expect([...seen.keys()].sort()).toEqual([200, 418, 429, 503]);
    expect(seen.get(429)?.headers['retry-after']).toBe('2');
    expect(seen.get(418)?.headers['retry-after']).toBe('1');
    expect(seen.get(200)?.headers['idempotent-replayed']).toBeUndefined();
    expect(v.stats()).toMatchObject({ executions: 1, replays: 0 });
  });

  it('lookups: the list with created[gte], limit and starting_after, and one payment by id', async () => {
    let now = T0;
    const v = venue({ mode: 'payments', faults: { reject503: 1 }, now: () => now });
    const noFaults = venue({ mode: 'payments', now: () => now, baseUrl: 'https://api.stripe.test' });
    for (const order of ['a', 'b', 'c']) {
      await create(noFaults, order, { amount: 1, metadata: { order } });
      now += 10_000;
    }
    const list = (params: Record<string, string | number>) => axios.get(`${noFaults.baseUrl}/v1/payment_intents`, { params, ...ok });
    const page1 = await list({ 'created[gte]': 1_700_000_010, limit: 1 });
    expect(page1.data).toMatchObject({ object: 'list', url: '/v1/payment_intents', has_more: true, data: [{ id: 'pi_3', metadata: { order: 'c' } }] });
    const page2 = await list({ 'created[gte]': 1_700_000_010, limit: 1, starting_after: 'pi_3' });
    expect(page2.data).toMatchObject({ has_more: false, data: [{ id: 'pi_2' }] });
    expect((await list({ limit: 101 })).status).toBe(400);
    expect((await axios.get(`${noFaults.baseUrl}/v1/payment_intents/pi_1`)).data).toMatchObject({ id: 'pi_1', metadata: { order: 'a' } });
    const missing = await axios.get(`${noFaults.baseUrl}/v1/payment_intents/pi_7`, ok);
    expect(missing.status).toBe(404);
    expect(missing.data).toMatchObject({ error: { code: 'resource_missing' } });
    // Reads never draw faults.
    expect((await axios.get(`${v.baseUrl}/v1/payment_intents`)).data).toEqual({ object: 'list', url: '/v1/payment_intents', has_more: false, data: [] });
    expect(v.stats()).toMatchObject({ writes: 0, faultsInjected: { reject503: 0 } });
  });

  it('takes form-encoded bodies like the node fake venue', async () => {
    const v = venue({ mode: 'payments', now: () => T0 });
    const form = new URLSearchParams({ amount: '7', currency: 'GBP', 'metadata[order]': 'o-2' });
    const r = await axios.post(`${v.baseUrl}/v1/payments`, form, { headers: { 'Idempotency-Key': 'kf' } });
    expect(r.data).toMatchObject({ id: 'pi_1', amount: 7, currency: 'gbp', metadata: { order: 'o-2' } });
  });
});

describe('createVenueHandlers: base URL, reset and options', () => {
  it('serves under a path prefix and leaves other URLs to other handlers', async () => {
    server.use(http.all('https://api.test/*', () => HttpResponse.json({ other: true }, { status: 299 })));
    const v = venue({ mode: 'payments', baseUrl: 'https://api.test/stripe/' });
    expect(v.baseUrl).toBe('https://api.test/stripe');
    const r = await axios.post('https://api.test/stripe/v1/payments', { amount: 1 });
    expect(r.data).toMatchObject({ id: 'pi_1' });
    const list = await axios.get('https://api.test/stripe/v1/payments');
    expect(list.data).toMatchObject({ url: '/v1/payments', data: [{ id: 'pi_1' }] });
    // Outside the prefix: the other handler answers.
    const other = await axios.get('https://api.test/v1/payments', ok);
    expect([other.status, other.data]).toEqual([299, { other: true }]);
  });

  it('reset() gives a fresh venue and restarts the draws', async () => {
    const v = venue({ mode: 'exchange', seed: 5, faults: { reject503: 0.5 } });
    const statuses = async () => {
      const out: number[] = [];
      for (let i = 0; i < 10; i++) out.push((await axios.post(`${v.baseUrl}/api/v3/order`, null, { params: { newClientOrderId: `r${i}` }, ...ok })).status);
      return out;
    };
    const first = await statuses();
    expect(first).toContain(503);
    v.reset();
    expect(v.stats()).toMatchObject({ requests: 0, executions: 0 });
    expect(await statuses()).toEqual(first);
  });

  it('refuses a bad baseUrl or fault plan with a ConfigurationError naming the option', () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ mode: 'payments' }, 'createVenueHandlers(options).baseUrl', 'undefined'],
      [{ mode: 'payments', baseUrl: 'api.test' }, 'createVenueHandlers(options).baseUrl', 'a string that is not a URL'],
      [{ mode: 'payments', baseUrl: 'ftp://api.test' }, 'createVenueHandlers(options).baseUrl', 'a ftp: URL'],
      [{ mode: 'payments', baseUrl: 'https://user:secret@api.test' }, 'createVenueHandlers(options).baseUrl', 'a URL with credentials'],
      [{ mode: 'payments', baseUrl: 'https://api.test?x=1' }, 'createVenueHandlers(options).baseUrl', 'a URL with a query or fragment'],
      [{ mode: 'payments', baseUrl: 'https://api.test', faults: { delay: 2 } }, 'createVenueHandlers(options).faults.delay', '2'],
    ];
    for (const [options, path, received] of cases) {
      let error: unknown;
      try {
        createVenueHandlers(options as unknown as VenueHandlersOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ path, received });
      expect((error as Error).message).not.toContain('secret');
    }
  });
});
