import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, ConfigurationError, createIntentClient, extendVenue, genericVenue, MemoryLedger, stripe } from '../../src/index.js';
import type { IntentEventMap } from '../../src/index.js';
import { ManualClock, SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { installSigner } from '../helpers/signing.js';

const venues: FakeVenue[] = [];
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
});

interface Order {
  readonly i: number;
}
const orderRequest = (o: Order) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', quantity: 1, businessId: `o${o.i}` } });

describe('reconcile lookups built from the venue profile', () => {
  it('settles unknown outcomes by looking orders up with the profile lookup (no reconcile in the operation)', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', seed: 21, faults: { executeThenDrop: 0.3, executeThen500: 0.2, reject503: 0.2 }, now: () => clock.now() });
    venues.push(v);
    const http = axios.create({ baseURL: v.url });
    installSigner(http, 'secret', () => clock.now());
    const lookups: Array<string | undefined> = [];
    http.interceptors.request.use((config) => {
      if (config.intentkey?.purpose === 'lookup') lookups.push(`${config.method?.toUpperCase()} ${config.url} ${JSON.stringify(config.params)}`);
      return config;
    });
    const reconciles: Array<IntentEventMap['reconcile']> = [];
    const client = createIntentClient(http, {
      venue: binanceSpot,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(3),
      attemptTimeoutMs: 500,
      retry: { maxAttempts: 10, deadlineMs: 3_600_000 },
      maxLookups: 10,
      on: { reconcile: (e) => reconciles.push(e) },
    });
    const place = client.operation('order.create', { request: orderRequest });
    const ORDERS = 30;
    for (let i = 0; i < ORDERS; i++) await place({ i }, { businessId: `o${i}` });

    const stats = v.stats();
    expect(stats).toMatchObject({ executions: ORDERS, duplicates: 0, businessIds: ORDERS });
    expect(reconciles.some((e) => e.lookup === 'found')).toBe(true);
    expect(reconciles.some((e) => e.lookup === 'notFound')).toBe(true);
    expect(lookups.length).toBeGreaterThan(0);
    for (const line of lookups) expect(line).toMatch(/^GET \/api\/v3\/order \{"symbol":"BTCUSDT","origClientOrderId":"[0-9A-Za-z_-]+"\}$/);
  });

  it.each([
    ['no recvWindow: the 5 s default window plus 1 s', undefined, 6_000],
    ['recvWindow 60000: the largest window plus 1 s', 60_000, 61_000],
  ])('waits out the settle delay (%s) before it believes "not found", then resends with the same key', async (_label, recvWindow, settleMs) => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', seed: 2, faults: { reject503: 1 }, now: () => clock.now() });
    venues.push(v);
    const waits: Array<IntentEventMap['retryScheduled']> = [];
    const client = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: binanceSpot,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      retry: { maxAttempts: 2, deadlineMs: 3_600_000, maxRetryAfterMs: 120_000 },
      on: { retryScheduled: (e) => waits.push(e) },
    });
    const place = client.operation('order.create', {
      request: (o: Order) => {
        const base = orderRequest(o);
        return recvWindow === undefined ? base : { ...base, params: { ...base.params, recvWindow } };
      },
    });
    // Every write is refused with 503, which Binance says may have executed: each is
    // looked up, and "not found" is believed only once the window the attempt carried
    // (plus the 1 s a timestamp may run ahead) has passed since it left.
    // Both attempts spent: the intent stays unknown (a later call or recover() looks it up again).
    await expect(place({ i: 1 }, { businessId: 'o1' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError', message: expect.stringContaining('2 attempt(s) sent') });
    const settles = waits.filter((w) => w.cause === 'settle');
    expect(settles.length).toBeGreaterThan(0);
    expect(Math.max(...settles.map((w) => w.delayMs))).toBe(settleMs);
    expect(v.stats()).toMatchObject({ writes: 2, executions: 0 });
  });

  it('keeps the intent unknown (never resends) when the lookup lacks a parameter', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', seed: 3, faults: { executeThenDrop: 1 }, now: () => clock.now() });
    venues.push(v);
    const client = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: binanceSpot,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      maxLookups: 3,
      retry: { deadlineMs: 3_600_000 },
    });
    const place = client.operation('order.create', {
      // No symbol anywhere: the profile's lookup cannot be built.
      request: () => ({ method: 'POST', url: '/api/v3/order', params: { type: 'MARKET', businessId: 'nosym' } }),
    });
    await expect(place({ i: 0 }, { businessId: 'nosym' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError', message: expect.stringContaining('"symbol"') });
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });

  it('refuses reconcile without a request on a venue that has no lookup', () => {
    // Stripe without its echo and scan: no lookup by key and no way to find the object.
    const bare = extendVenue(stripe, { key: { echo: null }, reconcile: { scan: null } });
    const client = createIntentClient(axios.create(), { venue: bare, ledger: new MemoryLedger() });
    expect(() => client.operation('p', { request: () => ({ url: '/' }), reconcile: { params: () => ({}) } })).toThrow(ConfigurationError);
    expect(() => client.operation('q', { request: () => ({ url: '/' }), reconcile: { request: 'nope' } as never })).toThrow(/reconcile\.request/);
  });

  it('warns about unresolvable unknowns only when neither the operation nor the profile can look up', () => {
    const warnings: string[] = [];
    const on = { warning: (e: IntentEventMap['warning']) => warnings.push(e.code) };
    createIntentClient(axios.create(), { venue: binanceSpot, ledger: new MemoryLedger(), on }).operation('a', { request: () => ({ url: '/' }) });
    expect(warnings).toEqual([]);
    createIntentClient(axios.create(), { venue: genericVenue, ledger: new MemoryLedger(), on }).operation('b', { request: () => ({ url: '/' }) });
    expect(warnings).toEqual(['UNRESOLVABLE_UNKNOWN']);
  });
});

describe('rate-limit usage headers', () => {
  const LIMIT = 10;
  const limited = extendVenue(binanceSpot, {
    name: 'binance-small-limit',
    // Only the weight counter is read here, so the published limits that name the order
    // counters go too (a limit may only name a header the profile reads).
    rateLimit: { usage: [{ header: 'x-mbx-used-weight-1m', reports: 'used', limit: LIMIT, windowMs: 60_000 }], limits: [] },
  });

  async function run(pauseAtUsage: number | undefined, venueProfile = limited) {
    const clock = new ManualClock({ now: Date.UTC(2025, 0, 1, 0, 0, 5) });
    const v = await startFakeVenue({ mode: 'exchange', weightLimit: { limit: LIMIT }, now: () => clock.now() });
    venues.push(v);
    const usage: Array<IntentEventMap['rateLimitUsage']> = [];
    const waits: Array<IntentEventMap['retryScheduled']> = [];
    const client = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: venueProfile,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      retry: { maxAttempts: 10, deadlineMs: 3_600_000, ...(pauseAtUsage === undefined ? {} : { pauseAtUsage }) },
      on: { rateLimitUsage: (e) => usage.push(e), retryScheduled: (e) => waits.push(e) },
    });
    const place = client.operation('order.create', { request: orderRequest });
    for (let i = 0; i < 35; i++) await place({ i }, { businessId: `o${i}` });
    return { stats: v.stats(), usage, waits, clock };
  }

  it('pauses before the venue refuses: 35 orders through a 10-per-minute limit with no 429', async () => {
    const { stats, usage, waits } = await run(undefined);
    expect(stats).toMatchObject({ executions: 35, duplicates: 0, overWeightLimit: 0 });
    const paused = usage.filter((e) => e.resumeAt !== undefined);
    expect(paused.length).toBeGreaterThanOrEqual(3);
    for (const e of paused) expect(e.resumeAt! % 60_000).toBe(0);
    expect(waits.filter((w) => w.cause === 'rateLimitUsage').length).toBeGreaterThanOrEqual(3);
    expect(usage[0]?.usage[0]).toMatchObject({ header: 'x-mbx-used-weight-1m', used: 1, limit: LIMIT });
  });

  it('pauses earlier with a lower pauseAtUsage', async () => {
    const { usage } = await run(0.5);
    const firstPause = usage.findIndex((e) => e.resumeAt !== undefined);
    expect(usage[firstPause]?.usage[0]?.used).toBe(5);
  });

  it('without usage headers in the profile the same run hits the limit (negative control)', async () => {
    const { stats } = await run(undefined, extendVenue(limited, { name: 'no-usage', rateLimit: { usage: [] } }));
    expect(stats.executions).toBe(35);
    expect(stats.overWeightLimit).toBeGreaterThan(0);
  });

  it('a pause longer than maxRetryAfterMs ends the next call before anything is sent', async () => {
    // A daily counter at its limit: the window resets at the next UTC midnight, hours away.
    const daily = extendVenue(binanceSpot, {
      name: 'binance-daily-limit',
      rateLimit: { usage: [{ header: 'x-mbx-used-weight-1m', reports: 'used', limit: 1, windowMs: 86_400_000 }], limits: [] },
    });
    const clock = new ManualClock({ now: Date.UTC(2025, 0, 1, 6, 0, 0) });
    const v = await startFakeVenue({ mode: 'exchange', weightLimit: { limit: 100 }, now: () => clock.now() });
    venues.push(v);
    const place = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: daily,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      retry: { maxRetryAfterMs: 60_000, deadlineMs: 3_600_000 },
    }).operation('order.create', { request: orderRequest });
    await place({ i: 1 }, { businessId: 'o1' });
    await expect(place({ i: 2 }, { businessId: 'o2' })).rejects.toMatchObject({ name: 'RetriesExhaustedError', reason: 'retryAfterTooLong' });
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });

  it('refuses pauseAtUsage outside (0, 1]', () => {
    for (const pauseAtUsage of [0, 1.5, -1, Number.NaN]) {
      expect(() => createIntentClient(axios.create(), { venue: binanceSpot, ledger: new MemoryLedger(), retry: { pauseAtUsage } })).toThrow(/retry\.pauseAtUsage/);
    }
  });
});

describe('foundPath', () => {
  // A venue that answers a lookup miss with 200 and an empty list (Bybit-like); "not found"
  // is authoritative here so that misreading a hit as a miss would show up as a resend.
  const listVenue = extendVenue(binanceSpot, {
    name: 'list-venue',
    reconcile: { settleDelayMs: 0, lookup: { method: 'GET', path: '/orders', keyIn: 'query', keyParam: 'id', foundPath: 'result.list.0' } },
  });

  /** An axios instance whose writes get a 500 (outcome unknown) and whose lookups answer `lookupBody`. */
  function stubbed(lookupBody: unknown) {
    const calls = { writes: 0, lookups: [] as string[] };
    const http = axios.create({
      adapter: async (config) => {
        const isWrite = config.method?.toUpperCase() === 'POST';
        if (isWrite) calls.writes++;
        else calls.lookups.push(String(config.url));
        return { data: isWrite ? { code: -1000, msg: 'Unknown error.' } : lookupBody, status: isWrite ? 500 : 200, statusText: '', headers: {}, config };
      },
    });
    return { http, calls };
  }

  const clientFor = (http: ReturnType<typeof stubbed>['http']) => {
    const clock = new ManualClock();
    return createIntentClient(http, { venue: listVenue, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new SeededRandom(1), retry: { maxAttempts: 2 } });
  };

  it('reads an empty list from the profile lookup as "not found" (and then resends)', async () => {
    const { http, calls } = stubbed({ result: { list: [] } });
    const place = clientFor(http).operation('o', { request: orderRequest });
    await expect(place({ i: 1 }, { businessId: 'f1' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError' });
    expect(calls.writes).toBe(2);
    expect(calls.lookups[0]).toBe('/orders');
  });

  it("is not applied to the operation's own lookup endpoint, whose body has another shape", async () => {
    const { http, calls } = stubbed({ order: { id: 'x', status: 'FILLED' } });
    const place = clientFor(http).operation('o', {
      request: orderRequest,
      reconcile: (_o, ctx) => ({ method: 'GET', url: '/my-order', params: { id: ctx.venueKey } }),
    });
    const result = await place({ i: 1 }, { businessId: 'f2' });
    expect(result).toMatchObject({ reconciled: true, result: { order: { status: 'FILLED' } } });
    expect(calls).toMatchObject({ writes: 1, lookups: ['/my-order'] });
  });
});
