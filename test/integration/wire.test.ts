import axios from 'axios';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AmbiguousOutcomeError,
  createIntentClient,
  IntentBusyError,
  IntentConflictError,
  KeyFormatError,
  MemoryLedger,
  RetriesExhaustedError,
  VenueRejectedError,
  type IntentClientOptions,
  type IntentEventMap,
} from '../../src/index.js';
import { FixedRandom, ManualClock } from '../../src/testing/index.js';
import { testExchange, testPayments } from '../helpers/profiles.js';
import { installSigner, sign } from '../helpers/signing.js';

const BASE = 'http://venue.test';
const SECRET = 'venue-signing-secret';

interface Seen {
  method: string;
  path: string;
  body: Record<string, unknown> | undefined;
  headers: Record<string, string>;
  query: Record<string, string>;
}

const server = setupServer();
let seen: Seen[] = [];

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  seen = [];
});
afterAll(() => server.close());

async function record(request: Request): Promise<Seen> {
  const url = new URL(request.url);
  const text = request.method === 'GET' ? '' : await request.text();
  const entry: Seen = {
    method: request.method,
    path: url.pathname,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : undefined,
    headers: Object.fromEntries(request.headers.entries()),
    query: Object.fromEntries(url.searchParams.entries()),
  };
  seen.push(entry);
  return entry;
}

/** Answers POST /order with the given responses in turn (the last one repeats). */
function orderResponses(...responses: Array<() => Response>): void {
  let i = 0;
  server.use(
    mswHttp.post(`${BASE}/order`, async ({ request }) => {
      await record(request);
      const make = responses[Math.min(i++, responses.length - 1)] as () => Response;
      return make();
    }),
  );
}

function setup(overrides: Partial<IntentClientOptions> = {}) {
  const clock = new ManualClock({ now: 1_700_000_000_000 });
  const instance = axios.create({ baseURL: BASE });
  installSigner(instance, SECRET, () => clock.now());
  const ledger = new MemoryLedger();
  const events: Array<{ name: keyof IntentEventMap; event: unknown }> = [];
  const on = {
    attemptStarted: (e: unknown) => events.push({ name: 'attemptStarted', event: e }),
    retryScheduled: (e: unknown) => events.push({ name: 'retryScheduled', event: e }),
    outcome: (e: unknown) => events.push({ name: 'outcome', event: e }),
    reconcile: (e: unknown) => events.push({ name: 'reconcile', event: e }),
    warning: (e: unknown) => events.push({ name: 'warning', event: e }),
  };
  const client = createIntentClient(instance, {
    venue: testExchange,
    ledger,
    clock,
    sleep: clock.sleep,
    random: new FixedRandom([0.5]),
    retry: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 10_000 },
    on,
    ...overrides,
  });
  const placeOrder = client.operation('order.create', {
    request: (input: { symbol: string; qty: string }) => ({ method: 'POST', url: '/order', data: { ...input } }),
    reconcile: (_input, ctx) => ({ method: 'GET', url: '/order', params: { clientOrderId: ctx.venueKey } }),
    fingerprint: (input) => ({ symbol: input.symbol, qty: input.qty }),
  });
  return { clock, client, ledger, placeOrder, events, instance };
}

const ok = () => HttpResponse.json({ orderId: 42, status: 'FILLED' });
const tooMany = (retryAfter: string) => HttpResponse.json({ code: -1003, msg: 'Too many requests' }, { status: 429, headers: { 'Retry-After': retryAfter } });
const stale = () => HttpResponse.json({ code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' }, { status: 400 });

describe('one key per intent, on the wire', () => {
  it('sends the same key on every attempt while timestamps and signatures are fresh per attempt', async () => {
    orderResponses(stale, () => tooMany('2'), ok);
    const { placeOrder } = setup();

    const res = await placeOrder({ symbol: 'BTCUSDT', qty: '0.01' }, { businessId: 'bot-7:signal-1182' });

    expect(seen).toHaveLength(3);
    const keys = seen.map((s) => s.body?.['clientOrderId']);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toBe(res.venueKey);
    const stamps = seen.map((s) => Number(s.headers['x-timestamp']));
    expect(stamps[1]).toBeGreaterThan(stamps[0] as number);
    expect(stamps[2]).toBeGreaterThan(stamps[1] as number);
    // Each signature is valid for exactly the request it came with, so it was recomputed per attempt.
    for (const s of seen) {
      expect(s.headers['x-signature']).toBe(sign(SECRET, 'POST', '/order', s.body, s.headers['x-timestamp'] as string));
    }
    expect(new Set(seen.map((s) => s.headers['x-signature'])).size).toBe(3);
    expect(res).toMatchObject({ status: 'succeeded', result: { orderId: 42 }, attempts: 3, replayed: false });
  });

  it('places the key in a header for a header venue and keeps it across attempts', async () => {
    orderResponses(() => HttpResponse.json({ error: { code: 'lock_timeout' } }, { status: 429 }), ok);
    const { placeOrder } = setup({ venue: testPayments });
    await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'invoice-1' });
    expect(seen.map((s) => s.headers['idempotency-key'])).toHaveLength(2);
    expect(seen[0]?.headers['idempotency-key']).toBeDefined();
    expect(seen[0]?.headers['idempotency-key']).toBe(seen[1]?.headers['idempotency-key']);
    expect(seen[0]?.body?.['clientOrderId']).toBeUndefined();
  });

  it('places the key in the query string when the profile says query', async () => {
    orderResponses(ok);
    const { placeOrder } = setup({
      venue: { ...testExchange, name: 'query-exchange', key: { ...testExchange.key, placement: 'query', field: 'newClientOrderId' } },
    });
    const res = await placeOrder({ symbol: 'X', qty: '1' });
    expect(seen[0]?.query['newClientOrderId']).toBe(res.venueKey);
    expect(seen[0]?.body?.['newClientOrderId']).toBeUndefined();
  });

  it('derives the same key for the same business action in a fresh client and ledger', async () => {
    orderResponses(ok);
    const a = setup({ keys: { strategy: 'derived', secret: 'a-secret-of-sixteen+' } });
    const b = setup({ keys: { strategy: 'derived', secret: 'a-secret-of-sixteen+' } });
    const r1 = await a.placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'signal-9', scope: 'acct-1' });
    const r2 = await b.placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'signal-9', scope: 'acct-1' });
    const r3 = await b.placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'signal-9', scope: 'acct-2' });
    expect(r2.key).toBe(r1.key);
    expect(r3.key).not.toBe(r1.key);
  });
});

describe('rate limits and backoff', () => {
  it('waits exactly the Retry-After seconds on a 429', async () => {
    orderResponses(() => tooMany('3'), ok);
    const { placeOrder, clock } = setup();
    await placeOrder({ symbol: 'X', qty: '1' });
    // Backoff for retry 1 with random 0.5 and full jitter is 0.5 * 100 = 50 ms; Retry-After (3000 ms) wins.
    expect(clock.sleeps).toEqual([3000]);
  });

  it('waits until an HTTP-date Retry-After', async () => {
    const { placeOrder, clock } = setup();
    const date = new Date(clock.now() + 7_000).toUTCString();
    orderResponses(() => tooMany(date), ok);
    await placeOrder({ symbol: 'X', qty: '1' });
    // HTTP dates have one-second resolution; the clock starts on a whole second.
    expect(clock.sleeps).toEqual([7000]);
  });

  it('uses exponential backoff with the injected jitter when no Retry-After is sent', async () => {
    orderResponses(stale, stale, stale, ok);
    const { placeOrder, clock } = setup();
    await placeOrder({ symbol: 'X', qty: '1' });
    // Full jitter with random 0.5: 0.5 * 100 * 2^(n-1).
    expect(clock.sleeps).toEqual([50, 100, 200]);
  });

  it('stops with RetriesExhaustedError after maxAttempts and keeps the intent pending with its key', async () => {
    orderResponses(stale);
    const { placeOrder, ledger } = setup({ retry: { maxAttempts: 3, baseDelayMs: 10 } });
    const error = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'b1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).reason).toBe('maxAttempts');
    expect(seen).toHaveLength(3);
    const [pending] = await ledger.listResumable();
    expect(pending?.status).toBe('pending');
    expect(pending?.attempt).toBe(3);

    orderResponses(ok);
    const res = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'b1' });
    expect(res.key).toBe(pending?.key);
    expect(seen.at(-1)?.body?.['clientOrderId']).toBe(pending?.venueKey);
    expect(res.attempts).toBe(4);
  });

  it('refuses to wait less than a venue asks: a Retry-After above maxRetryAfterMs stops the call', async () => {
    orderResponses(() => tooMany('600'));
    const { placeOrder } = setup({ retry: { maxRetryAfterMs: 60_000 } });
    const error = (await placeOrder({ symbol: 'X', qty: '1' }).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.reason).toBe('retryAfterTooLong');
    expect(error.retryAfterMs).toBe(600_000);
    expect(seen).toHaveLength(1);
  });

  it('stops at the whole-intent deadline', async () => {
    orderResponses(() => tooMany('20'));
    const { placeOrder, clock } = setup({ retry: { deadlineMs: 45_000 } });
    const error = (await placeOrder({ symbol: 'X', qty: '1' }).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(error.reason).toBe('deadline');
    expect(clock.sleeps).toEqual([20_000, 20_000]);
    expect(seen).toHaveLength(3);
  });

  it('holds every intent to a venue during an IP ban (418)', async () => {
    let posts = 0;
    server.use(
      mswHttp.post(`${BASE}/order`, async ({ request }) => {
        await record(request);
        posts++;
        return posts === 1 ? HttpResponse.json({ code: -1003, msg: 'banned' }, { status: 418, headers: { 'Retry-After': '5' } }) : ok();
      }),
    );
    const { placeOrder, clock } = setup();
    const start = clock.now();
    await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'a' });
    const afterFirst = clock.now();
    await placeOrder({ symbol: 'Y', qty: '1' }, { businessId: 'b' });
    expect(afterFirst - start).toBe(5000);
    // The second intent found the ban over (the first waited it out), so it sent at once.
    expect(clock.sleeps).toEqual([5000]);
    expect(posts).toBe(3);
  });
});

describe('unknown outcomes are reconciled, never blindly resent', () => {
  it('a duplicate-client-id answer triggers a lookup instead of a resend', async () => {
    orderResponses(() => HttpResponse.json({ code: -2010, msg: 'Duplicate order sent.' }, { status: 400 }));
    server.use(
      mswHttp.get(`${BASE}/order`, async ({ request }) => {
        await record(request);
        return HttpResponse.json({ orderId: 7, status: 'FILLED' });
      }),
    );
    const { placeOrder, events } = setup();
    const res = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'dup-1' });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
    expect(seen[1]?.query['clientOrderId']).toBe(res.venueKey);
    expect(res).toMatchObject({ reconciled: true, result: { orderId: 7 } });
    expect(events.filter((e) => e.name === 'reconcile').map((e) => e.event)).toEqual([
      expect.objectContaining({ lookup: 'found', action: 'settled' }),
    ]);
  });

  it('resends with the same key only after an authoritative "not found"', async () => {
    orderResponses(() => HttpResponse.json({ code: -1007, msg: 'Timeout waiting for response from backend server.' }, { status: 500 }), ok);
    server.use(
      mswHttp.get(`${BASE}/order`, async ({ request }) => {
        await record(request);
        return HttpResponse.json({ code: -2013, msg: 'Order does not exist.' }, { status: 400 });
      }),
    );
    const { placeOrder } = setup();
    const res = await placeOrder({ symbol: 'X', qty: '1' });
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'POST']);
    expect(seen[0]?.body?.['clientOrderId']).toBe(seen[2]?.body?.['clientOrderId']);
    expect(res.attempts).toBe(2);
  });

  it('waits out the settle delay before believing "not found"', async () => {
    orderResponses(() => HttpResponse.json({}, { status: 502 }), ok);
    let lookups = 0;
    server.use(
      mswHttp.get(`${BASE}/order`, async ({ request }) => {
        await record(request);
        lookups++;
        return HttpResponse.json({ code: -2013, msg: 'Order does not exist.' }, { status: 400 });
      }),
    );
    const venue = { ...testExchange, name: 'settling', reconcile: { ...testExchange.reconcile, settleDelayMs: 5_000 } };
    const { placeOrder, clock } = setup({ venue });
    await placeOrder({ symbol: 'X', qty: '1' });
    expect(lookups).toBe(2);
    expect(clock.sleeps).toEqual([5_000]);
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET', 'GET', 'POST']);
  });

  it('reports an exhausted lookup budget as such, not as a missing lookup', async () => {
    orderResponses(() => HttpResponse.json({}, { status: 502 }));
    server.use(
      mswHttp.get(`${BASE}/order`, async ({ request }) => {
        await record(request);
        return HttpResponse.json({ code: -2013, msg: 'Order does not exist.' }, { status: 400 });
      }),
    );
    const venue = { ...testExchange, name: 'settling', reconcile: { ...testExchange.reconcile, settleDelayMs: 5_000 } };
    const { placeOrder, events } = setup({ venue, maxLookups: 1 });
    const error = (await placeOrder({ symbol: 'X', qty: '1' }).catch((e: unknown) => e)) as AmbiguousOutcomeError;
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    expect(error.reason).toBe('1 reconcile lookup(s) did not settle it');
    expect(events.filter((e) => e.name === 'reconcile').map((e) => e.event)).toEqual([
      expect.objectContaining({ lookup: 'notFound', action: 'wait' }),
      expect.objectContaining({ lookup: 'inconclusive', action: 'giveUp' }),
    ]);
    expect(seen.map((s) => s.method)).toEqual(['POST', 'GET']);
  });

  it('gives up with AmbiguousOutcomeError when the venue has no key store and no lookup exists', async () => {
    orderResponses(() => HttpResponse.json({}, { status: 500 }));
    const { client, ledger } = setup();
    const bare = client.operation('order.bare', { request: () => ({ method: 'POST', url: '/order', data: {} }) });
    const error = (await bare({}, { businessId: 'x' }).catch((e: unknown) => e)) as AmbiguousOutcomeError;
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    expect(error.attempt).toBe(1);
    expect(seen).toHaveLength(1);
    const stored = await ledger.get(error.intentId);
    expect(stored?.status).toBe('unknown');
  });

  it('on a key-store venue a 5xx is resolved by resending the same key', async () => {
    orderResponses(() => HttpResponse.json({ error: { message: 'boom' } }, { status: 500 }), ok);
    const { placeOrder } = setup({ venue: testPayments });
    const res = await placeOrder({ symbol: 'X', qty: '1' });
    // No lookup: inside the key store's window the same-key resend is the reconcile.
    expect(seen.map((s) => s.method)).toEqual(['POST', 'POST']);
    expect(seen[0]?.headers['idempotency-key']).toBe(seen[1]?.headers['idempotency-key']);
    expect(res.attempts).toBe(2);
  });

  it('never records failed when a key-store resend is rejected after an unknown first attempt', async () => {
    orderResponses(
      () => HttpResponse.json({ error: { message: 'gateway' } }, { status: 502 }),
      () => HttpResponse.json({ error: { code: 'api_key_expired' } }, { status: 401 }),
    );
    const { placeOrder, ledger } = setup({ venue: testPayments });
    const error = (await placeOrder({ symbol: 'X', qty: '1' }).catch((e: unknown) => e)) as AmbiguousOutcomeError;
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    expect(seen).toHaveLength(2);
    expect((await ledger.get(error.intentId))?.status).toBe('unknown');
  });

  it('treats a venue rejection as final and replays it without a network call', async () => {
    orderResponses(() => HttpResponse.json({ code: -2010, msg: 'Account has insufficient balance for requested action.' }, { status: 400 }));
    const { placeOrder } = setup();
    const first = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'poor' }).catch((e: unknown) => e);
    expect(first).toBeInstanceOf(VenueRejectedError);
    expect((first as VenueRejectedError).venueCode).toBe('-2010');
    const again = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'poor' }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(VenueRejectedError);
    expect(seen).toHaveLength(1);
  });
});

describe('fingerprints and replays', () => {
  it('returns the stored result of a finished intent with no network call', async () => {
    orderResponses(ok);
    const { placeOrder } = setup();
    const first = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'sig-1' });
    const again = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'sig-1' });
    expect(seen).toHaveLength(1);
    expect(again).toEqual({ ...first, replayed: true });
  });

  it('refuses the same business id with a different fingerprint before any network call', async () => {
    orderResponses(ok);
    const { placeOrder } = setup();
    await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'sig-2' });
    const error = await placeOrder({ symbol: 'X', qty: '2' }, { businessId: 'sig-2' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntentConflictError);
    expect(seen).toHaveLength(1);
  });

  it('joins a concurrent call for the same business action in the same process', async () => {
    orderResponses(ok);
    const { placeOrder } = setup();
    const [a, b] = await Promise.all([
      placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'sig-3' }),
      placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'sig-3' }),
    ]);
    expect(seen).toHaveLength(1);
    expect(a.key).toBe(b.key);
  });

  it('a second client holding no lease gets IntentBusyError and sends nothing', async () => {
    const ledger = new MemoryLedger();
    const clock = new ManualClock({ autoAdvance: false });
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (entered = r));
    server.use(
      mswHttp.post(`${BASE}/order`, async ({ request }) => {
        await record(request);
        const held = new Promise<void>((r) => (release = r));
        entered();
        await held;
        return ok();
      }),
    );
    const mk = (workerId: string) =>
      createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger, clock, sleep: clock.sleep, workerId }).operation(
        'order.create',
        { request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }) },
      );
    const first = mk('w1')({ a: 1 }, { businessId: 'shared' });
    await inHandler;
    const error = await mk('w2')({ a: 1 }, { businessId: 'shared' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IntentBusyError);
    release();
    await first;
    expect(seen).toHaveLength(1);
  });
});

describe('bad input sends nothing', () => {
  it('a supplied key that cannot fit the venue format throws KeyFormatError and writes nothing', async () => {
    orderResponses(ok);
    const { placeOrder, ledger } = setup();
    const error = await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'k', key: 'has spaces and is far too long for this venue' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(KeyFormatError);
    expect((error as KeyFormatError).venue).toBe('test-exchange');
    expect(seen).toHaveLength(0);
    expect(await ledger.listResumable()).toEqual([]);
  });

  it('a request builder that places a different key is refused before the attempt is recorded', async () => {
    orderResponses(ok);
    const { client, ledger } = setup();
    const op = client.operation('order.self-keyed', {
      request: () => ({ method: 'POST', url: '/order', data: { clientOrderId: 'someOtherKey' } }),
    });
    await expect(op({}, { businessId: 'z' })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID_OPTION' });
    expect(seen).toHaveLength(0);
    const [record] = await ledger.listResumable();
    expect(record).toMatchObject({ status: 'pending', attempt: 0 });
  });
});

describe('cancellation', () => {
  it('an abort during a backoff wait rejects with the signal reason and leaves the intent pending', async () => {
    orderResponses(stale);
    const clock = new ManualClock({ autoAdvance: false });
    const { placeOrder, ledger } = setup({ clock, sleep: clock.sleep });
    const controller = new AbortController();
    const call = placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'abort-me', signal: controller.signal });
    await clock.whenSleeping(1);
    const reason = new Error('shutting down');
    controller.abort(reason);
    await expect(call).rejects.toBe(reason);
    const [record] = await ledger.listResumable();
    expect(record).toMatchObject({ status: 'pending', attempt: 1 });
    expect(seen).toHaveLength(1);
  });
});

describe('events', () => {
  it('reports attempt, outcome and retry in order, with no secrets', async () => {
    orderResponses(() => tooMany('1'), ok);
    const { placeOrder, events, ledger } = setup();
    await placeOrder({ symbol: 'X', qty: '1' }, { businessId: 'ev' });
    expect(events.map((e) => e.name)).toEqual(['warning', 'attemptStarted', 'outcome', 'retryScheduled', 'attemptStarted', 'outcome']);
    expect(events[3]?.event).toMatchObject({ delayMs: 1000, cause: 'rateLimited', before: 'send' });
    const text = JSON.stringify(events);
    // Nor does the ledger keep any header, key or signature.
    const stored = JSON.stringify(await ledger.get((events[1]?.event as { intentId: string }).intentId));
    for (const secret of ['test-api-key-not-secret', 'x-signature', 'x-timestamp', SECRET]) expect(stored.toLowerCase()).not.toContain(secret.toLowerCase());
    expect(text).not.toContain('test-api-key-not-secret');
    expect(text).not.toContain(SECRET);
    expect(text.toLowerCase()).not.toContain('x-signature');
  });
});
