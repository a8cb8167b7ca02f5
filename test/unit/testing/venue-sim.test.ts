import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/index.js';
import { createVenueSim, type VenueSim, type VenueSimAnswer, type VenueSimOptions, type VenueSimResponse } from '../../../src/testing/index.js';

const T0 = 1_700_000_000_000;

function order(sim: VenueSim, clientOrderId: string, businessId = clientOrderId, type = 'MARKET'): VenueSimAnswer {
  return sim.handle({ method: 'POST', url: `/api/v3/order?symbol=X&type=${type}&newClientOrderId=${clientOrderId}&businessId=${businessId}`, headers: {}, body: '' });
}
function lookup(sim: VenueSim, clientOrderId: string): VenueSimAnswer {
  return sim.handle({ method: 'GET', url: `/api/v3/order?symbol=X&origClientOrderId=${clientOrderId}`, headers: {}, body: '' });
}
function pay(sim: VenueSim, key: string | undefined, data: Record<string, unknown>): VenueSimAnswer {
  return sim.handle({
    method: 'POST',
    url: '/v1/payment_intents',
    headers: { 'Content-Type': 'application/json', ...(key === undefined ? {} : { 'Idempotency-Key': key }) },
    body: JSON.stringify(data),
  });
}
function get(sim: VenueSim, url: string): VenueSimAnswer {
  return sim.handle({ method: 'GET', url, headers: {}, body: '' });
}
/** The response of a `respond` answer (fails the test for `drop` and `hold`). */
function response(answer: VenueSimAnswer): VenueSimResponse {
  if (answer.kind !== 'respond') throw new Error(`expected a response, got ${answer.kind}`);
  return answer.response;
}

describe('createVenueSim options', () => {
  // Options as plain JavaScript callers may pass them: the types would refuse most of these.
  const bad: Array<[string, Record<string, unknown>, string, string, string]> = [
    ['no mode', {}, 'createVenueSim(options).mode', 'one of "exchange", "payments"', 'undefined'],
    ['unknown mode', { mode: 'bank' }, 'createVenueSim(options).mode', 'one of "exchange", "payments"', '"bank"'],
    ['fractional seed', { mode: 'exchange', seed: 1.5 }, 'createVenueSim(options).seed', 'an integer', '1.5'],
    ['probability above 1', { mode: 'exchange', faults: { delay: 1.5 } }, 'createVenueSim(options).faults.delay', 'a probability in [0, 1]', '1.5'],
    ['negative probability', { mode: 'exchange', faults: { ban: -0.1 } }, 'createVenueSim(options).faults.ban', 'a probability in [0, 1]', '-0.1'],
    ['probability as a string', { mode: 'exchange', faults: { rateLimit: '0.1' } }, 'createVenueSim(options).faults.rateLimit', 'a probability in [0, 1]', '"0.1"'],
    ['misspelt fault', { mode: 'exchange', faults: { executeThenDorp: 0.1 } }, 'createVenueSim(options).faults.executeThenDorp', 'one of the faults', 'an unknown fault'],
    ['faults summing over 1', { mode: 'payments', faults: { executeThenDrop: 0.6, rateLimit: 0.6 } }, 'createVenueSim(options).faults', 'sum to at most 1', 'a sum of 1.2'],
    ['negative delay', { mode: 'payments', delayMs: -1 }, 'createVenueSim(options).delayMs', 'a finite number >= 0', '-1'],
    ['fractional Retry-After', { mode: 'payments', retryAfterSeconds: 0.5 }, 'createVenueSim(options).retryAfterSeconds', 'an integer >= 0', '0.5'],
    ['infinite ban', { mode: 'exchange', banSeconds: Number.POSITIVE_INFINITY }, 'createVenueSim(options).banSeconds', 'an integer >= 0', 'Infinity'],
    ['retention NaN', { mode: 'payments', retentionMs: Number.NaN }, 'createVenueSim(options).retentionMs', 'a finite number >= 0', 'NaN'],
    ['now not a function', { mode: 'payments', now: 5 }, 'createVenueSim(options).now', 'a function', '5'],
    ['sleep not a function', { mode: 'payments', sleep: 'soon' }, 'createVenueSim(options).sleep', 'a function', '"soon"'],
    ['weight limit 0', { mode: 'exchange', weightLimit: { limit: 0 } }, 'createVenueSim(options).weightLimit.limit', 'an integer >= 1', '0'],
    ['weight limit missing', { mode: 'exchange', weightLimit: {} }, 'createVenueSim(options).weightLimit.limit', 'an integer >= 1 (required)', 'undefined'],
    ['banAfter 0', { mode: 'exchange', weightLimit: { limit: 1, banAfter: 0 } }, 'createVenueSim(options).weightLimit.banAfter', 'an integer >= 1', '0'],
    ['fractional banAfter', { mode: 'exchange', weightLimit: { limit: 1, banAfter: 2.5 } }, 'createVenueSim(options).weightLimit.banAfter', 'an integer >= 1', '2.5'],
    ['banAfter as a string', { mode: 'exchange', weightLimit: { limit: 1, banAfter: '3' } }, 'createVenueSim(options).weightLimit.banAfter', 'an integer >= 1', '"3"'],
  ];
  for (const [name, options, path, expected, received] of bad) {
    it(`refuses ${name}, naming the option, what was expected and what came`, () => {
      let error: unknown;
      try {
        createVenueSim(options as unknown as VenueSimOptions);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(ConfigurationError);
      const c = error as ConfigurationError;
      expect(c.code).toBe('ERR_CONFIG_INVALID_OPTION');
      expect(c.path).toBe(path);
      expect(c.expected).toContain(expected);
      expect(c.received).toBe(received);
      expect(c.message).toContain(path);
    });
  }

  it('names the caller in the path', () => {
    expect(() => createVenueSim({ mode: 'exchange', faults: { delay: 2 } }, 'startFakeVenue(options)')).toThrow(/"startFakeVenue\(options\)\.faults\.delay"/);
  });

  it('accepts faults that sum to exactly 1 and undefined entries', () => {
    expect(() => createVenueSim({ mode: 'exchange', faults: { executeThenDrop: 0.3, executeThen500: 0.3, reject503: 0.1, delay: 0.1, rateLimit: 0.1, ban: 0.1 } })).not.toThrow();
    expect(() => createVenueSim({ mode: 'exchange', faults: { delay: undefined } } as unknown as VenueSimOptions)).not.toThrow();
  });
});

describe('createVenueSim: exchange', () => {
  it('executes a market order, accepts its filled id again, and looks orders up (-2013 when absent)', () => {
    const sim = createVenueSim({ mode: 'exchange' });
    expect(response(order(sim, 'a', 'b1'))).toEqual({ status: 200, headers: {}, body: { orderId: 1, clientOrderId: 'a', status: 'FILLED' } });
    expect(response(order(sim, 'a', 'b1')).status).toBe(200);
    expect(sim.executionsOf('b1')).toBe(2);
    expect(response(lookup(sim, 'a')).body).toEqual({ orderId: 2, clientOrderId: 'a', status: 'FILLED' });
    expect(response(lookup(sim, 'zz'))).toEqual({ status: 400, headers: {}, body: { code: -2013, msg: 'Order does not exist.' } });
    expect(sim.stats()).toMatchObject({ requests: 4, writes: 2, executions: 2, duplicates: 1, businessIds: 1 });
  });

  it('refuses an id held by an open order with -2010', () => {
    const sim = createVenueSim({ mode: 'exchange' });
    expect(response(order(sim, 'lim', 'b', 'LIMIT')).status).toBe(200);
    expect(response(order(sim, 'lim', 'b', 'LIMIT'))).toMatchObject({ status: 400, body: { code: -2010 } });
    expect(sim.executionsOf('b')).toBe(1);
  });

  it('executeThenDrop executes and drops; executeThen500 executes and answers 500', () => {
    const drop = createVenueSim({ mode: 'exchange', faults: { executeThenDrop: 1 } });
    expect(order(drop, 'a')).toEqual({ kind: 'drop' });
    expect(response(lookup(drop, 'a'))).toMatchObject({ status: 200, body: { clientOrderId: 'a', status: 'FILLED' } });
    expect(drop.stats()).toMatchObject({ executions: 1, faultsInjected: { executeThenDrop: 1 } });

    const e500 = createVenueSim({ mode: 'exchange', faults: { executeThen500: 1 } });
    expect(response(order(e500, 'a'))).toMatchObject({ status: 500, body: { code: -1000 } });
    expect(e500.executionsOf('a')).toBe(1);
  });

  it('reject503 and rateLimit refuse without executing; 429 carries Retry-After', () => {
    const r503 = createVenueSim({ mode: 'exchange', faults: { reject503: 1 } });
    expect(response(order(r503, 'a'))).toMatchObject({ status: 503, body: { code: -1001 } });
    const r429 = createVenueSim({ mode: 'exchange', faults: { rateLimit: 1 }, retryAfterSeconds: 3 });
    expect(response(order(r429, 'a'))).toMatchObject({ status: 429, headers: { 'retry-after': '3' }, body: { code: -1003 } });
    expect(r503.stats().executions + r429.stats().executions).toBe(0);
  });

  it('delay executes at once and holds the answer until the hold ends', async () => {
    const sim = createVenueSim({ mode: 'exchange', faults: { delay: 1 }, delayMs: 60_000 });
    const answer = order(sim, 'a');
    if (answer.kind !== 'hold') throw new Error('expected a hold');
    expect(answer.ms).toBe(60_000);
    expect(sim.executionsOf('a')).toBe(1);
    expect(response(lookup(sim, 'a')).status).toBe(200);
    const held = sim.hold(answer.ms);
    await sim.whenHeld(1);
    expect(sim.held()).toBe(1);
    expect(sim.release()).toBe(1);
    await held;
    expect(sim.held()).toBe(0);
    expect(answer.complete()).toEqual({ status: 200, headers: {}, body: { orderId: 1, clientOrderId: 'a', status: 'FILLED' } });
  });

  it('ban: 418 with Retry-After to the write that drew it, then to every request until it ends', () => {
    let now = T0;
    const sim = createVenueSim({ mode: 'exchange', seed: 1, faults: { ban: 1 }, banSeconds: 120, now: () => now });
    const first = response(order(sim, 'a'));
    expect(first).toMatchObject({ status: 418, headers: { 'retry-after': '120' }, body: { code: -1003 } });
    expect((first.body as { msg: string }).msg).toContain(String(T0 + 120_000));
    now += 30_500;
    // Lookups and unknown paths too; no fault drawn, nothing executed.
    expect(response(lookup(sim, 'a'))).toMatchObject({ status: 418, headers: { 'retry-after': '90' } });
    expect(response(get(sim, '/api/v3/account'))).toMatchObject({ status: 418 });
    now = T0 + 120_000;
    expect(response(lookup(sim, 'a'))).toMatchObject({ status: 400, body: { code: -2013 } });
    expect(sim.stats()).toMatchObject({ requests: 4, writes: 1, executions: 0, refusedByBan: 3, bansStarted: 1, faultsInjected: { ban: 1 } });
  });

  it('a 0-second ban refuses only the request that drew it', () => {
    const sim = createVenueSim({ mode: 'exchange', faults: { ban: 1 }, banSeconds: 0 });
    expect(response(order(sim, 'a'))).toMatchObject({ status: 418, headers: { 'retry-after': '0' } });
    expect(response(lookup(sim, 'a')).status).toBe(400);
  });

  it('weightLimit refuses over the limit with 429 -1003 and reports the used weight', () => {
    const now = 60_000 * 1000 + 15_000;
    const sim = createVenueSim({ mode: 'exchange', weightLimit: { limit: 2 }, now: () => now });
    expect(response(order(sim, 'a')).headers).toEqual({ 'x-mbx-used-weight-1m': '1' });
    expect(response(lookup(sim, 'a')).headers).toEqual({ 'x-mbx-used-weight-1m': '2' });
    expect(response(order(sim, 'b'))).toMatchObject({ status: 429, headers: { 'x-mbx-used-weight-1m': '3', 'retry-after': '45' }, body: { code: -1003 } });
    expect(sim.stats()).toMatchObject({ overWeightLimit: 1, executions: 1 });
  });

  it('weightLimit.banAfter: after that many 429s in one window the next request over the limit starts a ban', () => {
    let now = 1_000 * 1000 + 200;
    const sim = createVenueSim({ mode: 'exchange', weightLimit: { limit: 2, windowMs: 1000, banAfter: 3 }, banSeconds: 5, now: () => now });
    expect(response(order(sim, 'a')).status).toBe(200);
    expect(response(lookup(sim, 'a')).status).toBe(200);
    // Three refusals over the limit are tolerated...
    for (let i = 0; i < 3; i++) expect(response(order(sim, `over-${i}`))).toMatchObject({ status: 429, body: { code: -1003 } });
    expect(sim.stats()).toMatchObject({ overWeightLimit: 3, refusedByBan: 0, bansStarted: 0 });
    // ...the next one is banned like the ban fault: 418 with Retry-After = banSeconds.
    const banned = response(order(sim, 'b'));
    expect(banned).toMatchObject({ status: 418, headers: { 'retry-after': '5', 'x-mbx-used-weight-1m': '6' }, body: { code: -1003 } });
    expect((banned.body as { msg: string }).msg).toContain(String(now + 5000));
    // Every request is refused until the ban ends, in later windows too, lookups included.
    now += 2_500;
    expect(response(lookup(sim, 'a'))).toMatchObject({ status: 418, headers: { 'retry-after': '3' } });
    expect(response(order(sim, 'c')).status).toBe(418);
    now = 1_000 * 1000 + 200 + 5_000;
    expect(response(order(sim, 'd')).status).toBe(200);
    expect(sim.stats()).toMatchObject({ overWeightLimit: 3, refusedByBan: 3, bansStarted: 1, executions: 2, faultsInjected: { ban: 0 } });
  });

  it('weightLimit.banAfter counts refusals per window: a new window starts the count again', () => {
    let now = 7_000 * 1000;
    const sim = createVenueSim({ mode: 'exchange', weightLimit: { limit: 1, windowMs: 1000, banAfter: 2 }, banSeconds: 5, now: () => now });
    for (let w = 0; w < 4; w++) {
      expect(response(order(sim, `ok-${w}`)).status).toBe(200);
      expect(response(order(sim, `x-${w}`)).status).toBe(429);
      expect(response(order(sim, `y-${w}`)).status).toBe(429);
      now += 1000;
    }
    expect(sim.stats()).toMatchObject({ overWeightLimit: 8, refusedByBan: 0, bansStarted: 0 });
  });

  it('without banAfter no ban ever starts, however long the client keeps sending over the limit', () => {
    let now = 3_000 * 1000;
    const sim = createVenueSim({ mode: 'exchange', weightLimit: { limit: 2, windowMs: 1000 }, banSeconds: 5, now: () => now });
    const statuses = new Set<number>();
    for (let w = 0; w < 5; w++) {
      for (let i = 0; i < 100; i++) statuses.add(response(order(sim, `o-${w}-${i}`)).status);
      now += 1000;
    }
    expect([...statuses].sort()).toEqual([200, 429]);
    expect(sim.stats()).toMatchObject({ executions: 10, overWeightLimit: 490, refusedByBan: 0, bansStarted: 0 });
  });

  it('reset() forgets a ban started by banAfter and the window count', () => {
    const now = 5_000 * 1000;
    const sim = createVenueSim({ mode: 'exchange', weightLimit: { limit: 1, windowMs: 1000, banAfter: 1 }, now: () => now });
    order(sim, 'a');
    order(sim, 'b');
    expect(response(order(sim, 'c')).status).toBe(418);
    sim.reset();
    expect(response(order(sim, 'd')).status).toBe(200);
    expect(sim.stats()).toMatchObject({ bansStarted: 0, refusedByBan: 0, overWeightLimit: 0 });
  });

  it('answers a malformed JSON body with -1102', () => {
    const sim = createVenueSim({ mode: 'exchange' });
    expect(response(sim.handle({ method: 'POST', url: '/api/v3/order', headers: { 'content-type': 'application/json' }, body: '{' }))).toEqual({
      status: 400,
      headers: {},
      body: { code: -1102, msg: 'Malformed request.' },
    });
  });
});

describe('createVenueSim: payments', () => {
  it('stores the first result per key and replays it, any status; another payload is an idempotency_error', () => {
    const sim = createVenueSim({ mode: 'payments', faults: { executeThen500: 1 }, now: () => T0 });
    const first = response(pay(sim, 'k', { amount: 5, businessId: 'p' }));
    expect(first).toMatchObject({ status: 500, headers: {}, body: { error: { type: 'api_error' } } });
    const replay = response(pay(sim, 'k', { amount: 5, businessId: 'p' }));
    expect(replay).toEqual({ status: 500, headers: { 'idempotent-replayed': 'true', 'stripe-should-retry': 'false' }, body: first.body });
    expect(response(pay(sim, 'k', { amount: 6, businessId: 'p' }))).toMatchObject({ status: 400, body: { error: { type: 'idempotency_error' } } });
    expect(sim.stats()).toMatchObject({ writes: 3, executions: 1, replays: 1, storedErrors: 1 });
  });

  it('drop stores the 200 first; the resend is a replay of the same object', () => {
    const sim = createVenueSim({ mode: 'payments', faults: { executeThenDrop: 1 }, now: () => T0 });
    expect(pay(sim, 'k', { amount: 9, currency: 'EUR', metadata: { order: 'o' } })).toEqual({ kind: 'drop' });
    // The second request also draws a drop, which has no effect on a replay.
    const replay = response(pay(sim, 'k', { amount: 9, currency: 'EUR', metadata: { order: 'o' } }));
    expect(replay).toEqual({
      status: 200,
      headers: { 'idempotent-replayed': 'true' },
      body: { id: 'pi_1', object: 'payment_intent', created: 1_700_000_000, amount: 9, currency: 'eur', status: 'succeeded', metadata: { order: 'o' } },
    });
    expect(sim.executionsOf('k')).toBe(1);
  });

  it('delay keeps the key in progress (409, Stripe-Should-Retry: true) until complete() stores the result', () => {
    const sim = createVenueSim({ mode: 'payments', faults: { delay: 1 } });
    const held = pay(sim, 'k', { amount: 1 });
    if (held.kind !== 'hold') throw new Error('expected a hold');
    const conflict = response(pay(sim, 'k', { amount: 1 }));
    expect(conflict).toMatchObject({ status: 409, headers: { 'stripe-should-retry': 'true' }, body: { error: { code: 'idempotency_key_in_use' } } });
    expect(conflict.headers['idempotent-replayed']).toBeUndefined();
    expect(held.complete()).toMatchObject({ status: 200, body: { id: 'pi_1' } });
    // Only now does the key replay (the delay this request draws has no effect on a replay).
    const replay = response(sim.handle({ method: 'POST', url: '/v1/payments', headers: { 'idempotency-key': 'k', 'content-type': 'application/json' }, body: '{"amount":1}' }));
    expect(replay).toMatchObject({ status: 200, headers: { 'idempotent-replayed': 'true' }, body: { id: 'pi_1' } });
    expect(sim.executionsOf('k')).toBe(1);
    expect(sim.stats().replays).toBe(1);
  });

  it('429, 503 and ban store nothing: the resend with the key executes', () => {
    let now = T0;
    const sim = createVenueSim({ mode: 'payments', seed: 4, faults: { reject503: 0.3, rateLimit: 0.3, ban: 0.3 }, banSeconds: 10, retryAfterSeconds: 2, now: () => now });
    const statuses: number[] = [];
    for (let i = 0; i < 100 && sim.executionsOf('k') === 0; i++) {
      statuses.push(response(pay(sim, 'k', { amount: 4 })).status);
      now += 10_000;
    }
    expect(new Set(statuses)).toEqual(new Set([429, 503, 418, 200]));
    expect(statuses.at(-1)).toBe(200);
    expect(sim.stats()).toMatchObject({ executions: 1, replays: 0, storedErrors: 0 });
  });

  it('payments ban: 418 with a Stripe-shaped body, lists refused too', () => {
    let now = T0;
    const sim = createVenueSim({ mode: 'payments', faults: { ban: 1 }, banSeconds: 5, now: () => now });
    expect(response(pay(sim, 'k', { amount: 1 }))).toMatchObject({ status: 418, headers: { 'retry-after': '5' }, body: { error: { type: 'rate_limit_error' } } });
    expect(response(get(sim, '/v1/payment_intents')).status).toBe(418);
    now += 5_000;
    expect(response(get(sim, '/v1/payment_intents'))).toMatchObject({ status: 200, body: { data: [] } });
  });

  it('lists newest first with created[gte], limit and starting_after; gets one by id', () => {
    let now = T0;
    const sim = createVenueSim({ mode: 'payments', now: () => now });
    for (const order of ['a', 'b', 'c']) {
      pay(sim, order, { amount: 1, metadata: { order } });
      now += 10_000;
    }
    const page = response(get(sim, '/v1/payment_intents?created%5Bgte%5D=1700000010&limit=1'));
    expect(page.body).toMatchObject({ object: 'list', url: '/v1/payment_intents', has_more: true, data: [{ id: 'pi_3' }] });
    const next = response(get(sim, '/v1/payment_intents?created[gte]=1700000010&limit=1&starting_after=pi_3'));
    expect(next.body).toMatchObject({ has_more: false, data: [{ id: 'pi_2' }] });
    expect(response(get(sim, '/v1/payment_intents/pi_1')).body).toMatchObject({ id: 'pi_1', metadata: { order: 'a' } });
    expect(response(get(sim, '/v1/payment_intents/pi_9'))).toMatchObject({ status: 404, body: { error: { code: 'resource_missing' } } });
    expect(response(get(sim, '/v1/payment_intents?limit=0')).status).toBe(400);
    expect(sim.stats().writes).toBe(3);
  });

  it('forgets keys after retentionMs', () => {
    let now = T0;
    const sim = createVenueSim({ mode: 'payments', retentionMs: 1_000, now: () => now });
    pay(sim, 'k', { amount: 1 });
    now += 1_000;
    expect(response(pay(sim, 'k', { amount: 1 })).headers['idempotent-replayed']).toBeUndefined();
    expect(sim.executionsOf('k')).toBe(2);
  });
});

describe('createVenueSim: draws, holds and reset', () => {
  const faults = { executeThenDrop: 0.15, executeThen500: 0.15, reject503: 0.15, delay: 0.15, rateLimit: 0.15, ban: 0.1 };
  const run = (sim: VenueSim): string[] => {
    const kinds: string[] = [];
    for (let i = 0; i < 60; i++) {
      const a = order(sim, `o${i}`);
      kinds.push(a.kind === 'respond' ? String(a.response.status) : a.kind);
    }
    return kinds;
  };

  it('the same seed gives the same answers; another seed other ones', () => {
    const a = run(createVenueSim({ mode: 'exchange', seed: 9, faults, banSeconds: 0 }));
    expect(run(createVenueSim({ mode: 'exchange', seed: 9, faults, banSeconds: 0 }))).toEqual(a);
    expect(run(createVenueSim({ mode: 'exchange', seed: 10, faults, banSeconds: 0 }))).not.toEqual(a);
    expect(new Set(a)).toEqual(new Set(['200', 'drop', '500', '503', 'hold', '429', '418']));
  });

  it('adding the ban fault (last in the draw order) leaves the earlier faults draws as they were', () => {
    const without = run(createVenueSim({ mode: 'exchange', seed: 9, faults: { ...faults, ban: 0 } }));
    const withBan = run(createVenueSim({ mode: 'exchange', seed: 9, faults, banSeconds: 0 }));
    withBan.forEach((kind, i) => expect(kind === '418' ? '200' : kind).toBe(without[i]));
  });

  it('reset() starts over from the seed and forgets everything', () => {
    const sim = createVenueSim({ mode: 'exchange', seed: 9, faults, banSeconds: 0 });
    const first = run(sim);
    sim.reset();
    expect(sim.stats()).toMatchObject({ requests: 0, writes: 0, executions: 0, refusedByBan: 0 });
    expect(run(sim)).toEqual(first);
  });

  it('whenHeld waits for holds; reset() and release() end them; dispose() cancels them unresolved', async () => {
    const sim = createVenueSim({ mode: 'exchange' });
    let ended = 0;
    const a = sim.hold(60_000).then(() => ended++);
    const b = sim.hold(60_000).then(() => ended++);
    await sim.whenHeld(2);
    sim.reset();
    await Promise.all([a, b]);
    expect(ended).toBe(2);
    let disposed = false;
    void sim.hold(60_000).then(() => {
      disposed = true;
    });
    expect(sim.held()).toBe(1);
    sim.dispose();
    expect(sim.held()).toBe(0);
    expect(sim.release()).toBe(0);
    await Promise.resolve();
    expect(disposed).toBe(false);
  });

  it('a custom sleep decides when a hold ends, and release() still cuts it short', async () => {
    const sleeps: number[] = [];
    let wake: (() => void) | undefined;
    const sim = createVenueSim({
      mode: 'exchange',
      sleep: (ms) => {
        sleeps.push(ms);
        return new Promise<void>((resolve) => {
          wake = resolve;
        });
      },
    });
    const first = sim.hold(250);
    expect(sleeps).toEqual([250]);
    wake?.();
    await first;
    expect(sim.held()).toBe(0);
    const second = sim.hold(300);
    expect(sim.release()).toBe(1);
    await second;
  });
});

describe('msw stays out of the entries that do not need it', () => {
  it('only src/testing/msw.ts imports msw', () => {
    const root = join(import.meta.dirname, '../../../src');
    const importers: string[] = [];
    const walk = (dir: string): void => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (entry.name.endsWith('.ts') && /from\s+['"]msw(?:\/[^'"]*)?['"]|import\(\s*['"]msw/.test(readFileSync(path, 'utf8'))) importers.push(path.slice(root.length + 1));
      }
    };
    walk(root);
    expect(importers).toEqual(['testing/msw.ts']);
  });
});
