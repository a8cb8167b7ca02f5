import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  binanceSpot,
  createIntentClient,
  extendVenue,
  FileLedger,
  isAmbiguousOutcomeError,
  isVenueRejectedError,
  MemoryLedger,
  stripe,
  type IntentDraft,
  type IntentEventMap,
  type LedgerStore,
} from '../../src/index.js';
import { FixedRandom, ManualClock, SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { oneByOne } from '../helpers/ledger-wrappers.js';
import { testPayments } from '../helpers/profiles.js';

const venues: FakeVenue[] = [];
const dirs: string[] = [];
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }));
afterEach(async () => {
  server.resetHandlers();
  for (const v of venues.splice(0)) await v.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
afterAll(() => server.close());

const T0 = 1_700_000_000_000;
/** Binance spot with a short settle delay, so a test can see it without waiting a minute. */
const exchange = extendVenue(binanceSpot, { name: 'binance-liveness', reconcile: { settleDelayMs: 5_000 } });
const order = (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', businessId: o.id } });

async function fakeVenue(mode: 'exchange' | 'payments', clock: ManualClock, faults = {}): Promise<FakeVenue> {
  const v = await startFakeVenue({ mode, now: () => clock.now(), faults });
  venues.push(v);
  return v;
}

/** An intent left by a process that died after recording its first attempt in flight. */
async function diedInFlight(ledger: LedgerStore, id: string, at: number, operation = 'order.create'): Promise<void> {
  const draft: IntentDraft = {
    id,
    scope: 'default',
    operation,
    businessId: id,
    venue: exchange.name,
    key: `K${id}`,
    venueKey: `K${id}`,
    fingerprint: 'f'.repeat(64),
    input: { id },
    createdAt: at,
  };
  await ledger.create(draft, at);
  await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: at });
}

/** Resolves when `promise` has settled, false if it has not after the event loop went round a few times. */
async function settledSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
  return settled;
}

describe('recovery runs beside new work', () => {
  it('a call made while recovery runs is sent and answered before recovery ends', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    // Three intents whose lookups say "not found": each waits out the settle delay.
    for (const id of ['a', 'b', 'c']) await diedInFlight(ledger, id, T0);
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(1) });
    const place = client.operation('order.create', { request: order });

    const recovery = client.startRecovery({ concurrency: 1 });
    await clock.whenSleeping(3);
    expect(recovery.progress()).toEqual({ total: 3, finished: 0 });

    const fresh = await place({ id: 'new' }, { businessId: 'new' });
    expect(fresh.status).toBe('succeeded');
    expect(v.executionsOf('new')).toBe(1);
    // Recovery has not ended: its intents are still waiting, none was resent yet.
    expect(await settledSoon(recovery.done)).toBe(false);
    expect(v.stats().executions).toBe(1);

    clock.advance(5_000);
    const report = await recovery.done;
    expect(report).toMatchObject({ resumed: 3, succeeded: 3, resent: 3, parked: 0, notReached: 0, budgetExhausted: false });
    for (const id of ['a', 'b', 'c']) expect(v.executionsOf(id)).toBe(1);
  });

  it('a call for an intent under recovery joins that run: one send, one execution, one result', async () => {
    const clock = new ManualClock({ now: T0 });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    const http = axios.create({ baseURL: v.url });
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    let reachedGate!: () => void;
    const atGate = new Promise<void>((r) => (reachedGate = r));
    http.interceptors.request.use(async (config) => {
      if (config.intentkey?.purpose === 'send') {
        reachedGate();
        await gate;
      }
      return config;
    });
    const client = createIntentClient(http, { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(2) });
    const place = client.operation('order.create', { request: order });
    // The pending intent a crashed process left: the draft the call itself would make.
    const prepared = client.prepare(place, { id: 'x' }, { businessId: 'x' });
    await ledger.create(prepared, T0);

    const recovery = client.startRecovery();
    await atGate;
    const joined = place({ id: 'x' }, { businessId: 'x' });
    open();
    const [result, report] = await Promise.all([joined, recovery.done]);
    expect(result).toMatchObject({ status: 'succeeded', key: prepared.key, attempts: 1 });
    expect(report).toMatchObject({ resumed: 1, succeeded: 1 });
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });

  it('an intent waiting out a settle delay gives its place to the next one (concurrency 1)', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    await diedInFlight(ledger, 'waits', T0);
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(3) });
    const place = client.operation('order.create', { request: order });
    // Created after the waiting one, so recovery (oldest first) starts the waiting one first.
    const pending = { ...client.prepare(place, { id: 'next' }, { businessId: 'next' }), createdAt: T0 + 1 };
    await ledger.create(pending, T0 + 1);

    const recovery = client.startRecovery({ concurrency: 1 });
    await clock.whenSleeping(1);
    // The first intent sleeps; the second was sent meanwhile, with the only place free.
    await expect.poll(() => v.executionsOf('next')).toBe(1);
    expect(recovery.progress()).toEqual({ total: 2, finished: 1 });
    clock.advance(5_000);
    expect(await recovery.done).toMatchObject({ succeeded: 2, resent: 1 });
    expect(v.executionsOf('waits')).toBe(1);
  });

  it('a budget spent stops the pass: nothing new starts, what it did not reach is counted, and the next pass resumes it', async () => {
    const clock = new ManualClock({ now: T0 });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    const http = axios.create({ baseURL: v.url });
    // Every send takes 2 s on the client's clock: one intent spends a 1 s budget.
    http.interceptors.request.use((config) => {
      if (config.intentkey?.purpose === 'send') clock.advance(2_000);
      return config;
    });
    const client = createIntentClient(http, { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(4), attemptTimeoutMs: 5_000 });
    const place = client.operation('order.create', { request: order });
    for (const id of ['p', 'q', 'r']) await ledger.create(client.prepare(place, { id }, { businessId: id }), clock.now());
    const first = await client.recover({ concurrency: 1, budgetMs: 1_000 });
    expect(first).toMatchObject({ resumed: 1, succeeded: 1, notReached: 2, budgetExhausted: true });
    expect(v.stats().executions).toBe(1);
    const second = await client.recover({ concurrency: 1, budgetMs: 60_000 });
    expect(second).toMatchObject({ resumed: 2, succeeded: 2, notReached: 0, budgetExhausted: false });
    expect(v.stats()).toMatchObject({ executions: 3, duplicates: 0 });
  });

  it('stop() ends waits but never cuts a request in flight', async () => {
    const base = 'http://stop-in-flight.test';
    let answer!: () => void;
    const answered = new Promise<void>((r) => (answer = r));
    let arrived!: () => void;
    const atVenue = new Promise<void>((r) => (arrived = r));
    server.use(
      mswHttp.post(`${base}/api/v3/order`, async () => {
        arrived();
        await answered;
        return HttpResponse.json({ orderId: 1, status: 'FILLED' });
      }),
    );
    const clock = new ManualClock({ now: T0 });
    const ledger = new MemoryLedger();
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(12) });
    const place = client.operation('order.create', { request: order });
    const draft = client.prepare(place, { id: 's' }, { businessId: 's' });
    await ledger.create(draft, T0);
    const recovery = client.startRecovery();
    await atVenue;
    const stopping = recovery.stop();
    answer();
    expect(await stopping).toMatchObject({ succeeded: 1, notReached: 0 });
    expect((await ledger.get(draft.id))?.status).toBe('succeeded');
  });

  it('a budget spent in real time ends a wait in progress: the intent is left for the next pass', async () => {
    const v = await fakeVenue('exchange', new ManualClock({ now: Date.now() }));
    const ledger = new MemoryLedger();
    // Found in flight now, so "not found" is believed only after the 5 s settle delay.
    await diedInFlight(ledger, 'slow', Date.now());
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: exchange, ledger, random: new SeededRandom(14) });
    client.operation('order.create', { request: order });
    // The system clock and sleep: only the budget's own timer can end the settle wait.
    const report = await client.recover({ budgetMs: 50 });
    expect(report).toMatchObject({ resumed: 1, succeeded: 0, notReached: 1, budgetExhausted: true });
    expect(report.durationMs).toBeLessThan(5_000);
    expect((await ledger.get('slow'))?.status).toBe('unknown');
    expect(v.stats().writes).toBe(0);
  });

  // With a store that claims in batches, total counts what the pass has claimed so far
  // (one batch of concurrency 1 at the start; the second is claimed while the first
  // intent waits for its lookup); listing first, it is known at once.
  for (const [path, expected] of [
    ['claimed in batches', ['started 1/0', 'progress 1/2 ok=1', 'progress 2/2 ok=2', 'finished resumed=2']],
    ['listed, then claimed one by one', ['started 2/0', 'progress 1/2 ok=1', 'progress 2/2 ok=2', 'finished resumed=2']],
  ] as const) {
    it(`reports its progress in events, and finishes with the report (${path})`, async () => {
      const clock = new ManualClock({ now: T0 });
      const v = await fakeVenue('exchange', clock);
      const memory = new MemoryLedger();
      const ledger = path === 'claimed in batches' ? memory : oneByOne(memory);
      for (const id of ['e1', 'e2']) await diedInFlight(ledger, id, T0);
      const seen: string[] = [];
      const client = createIntentClient(axios.create({ baseURL: v.url }), {
        venue: exchange,
        ledger,
        clock,
        sleep: clock.sleep,
        random: new SeededRandom(5),
        on: {
          recoveryStarted: (e) => seen.push(`started ${e.total}/${e.parkedNotDue}`),
          recoveryProgress: (e) => seen.push(`progress ${e.finished}/${e.total} ok=${e.succeeded}`),
          recoveryFinished: (e) => seen.push(`finished resumed=${e.report.resumed}`),
        },
      });
      client.operation('order.create', { request: order });
      await client.recover({ concurrency: 1 });
      expect(seen).toEqual(expected);
    });
  }

  it('refuses bad recovery options, naming the option', () => {
    const client = createIntentClient(axios.create(), { venue: exchange, ledger: new MemoryLedger() });
    expect(() => client.startRecovery({ concurrency: 0 })).toThrow(/recover\(options\)\.concurrency/);
    expect(() => client.startRecovery({ budgetMs: 1.5 })).toThrow(/recover\(options\)\.budgetMs/);
    expect(() => client.startRecovery({ signal: {} as AbortSignal })).toThrow(/recover\(options\)\.signal/);
  });
});

describe('settle delays count from the last moment an attempt could have been sent', () => {
  it('an intent found in flight long after it was recorded is looked up and resent at once, with no settle wait', async () => {
    const clock = new ManualClock({ now: T0 + 100_000 });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    await diedInFlight(ledger, 'old', T0);
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(6) });
    client.operation('order.create', { request: order });
    expect(await client.recover()).toMatchObject({ succeeded: 1, resent: 1 });
    // Dispatch window: T0 + attemptTimeoutMs (10 s); + 5 s settle = T0 + 15 s, long past.
    expect(clock.sleeps).toEqual([]);
  });

  it('an intent found in flight just after it was recorded waits the settle delay from then, not from the restart', async () => {
    const clock = new ManualClock({ now: T0 + 2_000 });
    const v = await fakeVenue('exchange', clock);
    const ledger = new MemoryLedger();
    await diedInFlight(ledger, 'young', T0);
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: exchange, ledger, clock, sleep: clock.sleep, random: new SeededRandom(7) });
    client.operation('order.create', { request: order });
    expect(await client.recover()).toMatchObject({ succeeded: 1, resent: 1 });
    // It may have been sent up to the restart (T0 + 2 s, inside its dispatch window):
    // "not found" is believed from T0 + 2 s + 5 s.
    expect(clock.sleeps).toEqual([5_000]);
  });
});

describe('parked intents', () => {
  /** A venue whose writes answer 500 (unknown) and whose lookups answer 503 (inconclusive). */
  function unsettlable(base: string): { posts: () => number; gets: () => number } {
    let posts = 0;
    let gets = 0;
    server.use(
      mswHttp.post(`${base}/api/v3/order`, () => {
        posts++;
        return HttpResponse.json({ code: -1000, msg: 'An unknown error occurred.' }, { status: 500 });
      }),
      mswHttp.get(`${base}/api/v3/order`, () => {
        gets++;
        return HttpResponse.json({ code: -1001, msg: 'Internal error.' }, { status: 503 });
      }),
    );
    return { posts: () => posts, gets: () => gets };
  }

  it('is parked when its allowance is spent, and a restart gives it one lookup, not a full allowance', async () => {
    const base = 'http://parked.test';
    const counts = unsettlable(base);
    const dir = mkdtempSync(join(tmpdir(), 'intentkey-parked-'));
    dirs.push(dir);
    const clock = new ManualClock({ now: T0 });
    const parkedEvents: Array<IntentEventMap['intentParked']> = [];
    const life = async () => {
      const ledger = await FileLedger.open({ dir });
      const client = createIntentClient(axios.create({ baseURL: base }), {
        venue: exchange,
        ledger,
        clock,
        sleep: clock.sleep,
        random: new FixedRandom([0.5]),
        maxLookups: 3,
        on: { intentParked: (e) => parkedEvents.push(e) },
      });
      return { client, ledger, place: client.operation('order.create', { request: order }) };
    };

    const first = await life();
    const error = await first.place({ id: 'stuck' }, { businessId: 'stuck' }).catch((e: unknown) => e);
    expect(isAmbiguousOutcomeError(error)).toBe(true);
    const firstPark = parkedEvents[0];
    expect(firstPark).toMatchObject({ count: 1, businessId: 'stuck', reason: expect.stringContaining('inconclusive') });
    expect((error as { nextCheckAt?: number }).nextCheckAt).toBe(firstPark?.nextCheckAt);
    // Equal jitter of the 60 s base: between 30 and 60 s from now.
    expect((firstPark?.nextCheckAt ?? 0) - clock.now()).toBeGreaterThanOrEqual(30_000);
    expect((firstPark?.nextCheckAt ?? 0) - clock.now()).toBeLessThanOrEqual(60_000);
    expect({ posts: counts.posts(), gets: counts.gets() }).toEqual({ posts: 1, gets: 3 });
    await first.ledger.close();

    // Restart before the check is due: reported at once, nothing sent, nothing written.
    const second = await life();
    const early = await second.client.recover();
    expect(early).toMatchObject({ resumed: 0, parked: 1 });
    expect(early.needsAttention).toEqual([expect.objectContaining({ intentId: expect.any(String), businessId: 'stuck', nextCheckAt: firstPark?.nextCheckAt })]);
    expect({ posts: counts.posts(), gets: counts.gets() }).toEqual({ posts: 1, gets: 3 });
    // A direct call is refused at once too, with the time of the next check.
    const refused = await second.place({ id: 'stuck' }, { businessId: 'stuck' }).catch((e: unknown) => e);
    expect((refused as { nextCheckAt?: number }).nextCheckAt).toBe(firstPark?.nextCheckAt);
    expect(counts.gets()).toBe(3);
    await second.ledger.close();

    // Restart after it is due: one lookup (not three, and no resend), parked again for longer.
    clock.set((firstPark?.nextCheckAt ?? 0) + 1);
    const third = await life();
    const due = await third.client.recover();
    expect(due).toMatchObject({ resumed: 1, parked: 1 });
    expect({ posts: counts.posts(), gets: counts.gets() }).toEqual({ posts: 1, gets: 4 });
    const secondPark = parkedEvents[1];
    expect(secondPark).toMatchObject({ count: 2 });
    expect((secondPark?.nextCheckAt ?? 0) - clock.now()).toBeGreaterThanOrEqual(60_000);
    await expect(third.client.list({ status: 'parked' })).resolves.toEqual([expect.objectContaining({ businessId: 'stuck', view: 'parked', status: 'unknown' })]);
    await third.ledger.close();
  });

  it('on a key-store venue without a lookup, a due check is one same-key resend', async () => {
    const base = 'http://parked-keystore.test';
    let posts = 0;
    server.use(
      mswHttp.post(`${base}/pay`, () => {
        posts++;
        return HttpResponse.json({ error: { message: 'boom' } }, { status: 502 });
      }),
    );
    const clock = new ManualClock({ now: T0 });
    const ledger = new MemoryLedger();
    const counts: number[] = [];
    const client = createIntentClient(axios.create({ baseURL: base }), {
      venue: testPayments,
      ledger,
      clock,
      sleep: clock.sleep,
      random: new FixedRandom([0.5]),
      retry: { maxAttempts: 3 },
      on: { intentParked: (e) => counts.push(e.count) },
    });
    const pay = client.operation('pay', { request: () => ({ method: 'POST', url: '/pay', data: { amount: 1 } }) });
    const error = await pay({}, { businessId: 'p1' }).catch((e: unknown) => e);
    expect(isAmbiguousOutcomeError(error)).toBe(true);
    expect(posts).toBe(3);
    for (const expected of [4, 5]) {
      clock.set((await client.list({ status: 'parked' }))[0]?.parked?.nextCheckAt ?? Number.NaN);
      expect(await client.recover()).toMatchObject({ resumed: 1, parked: 1 });
      expect(posts).toBe(expected);
    }
    // The resend replaced the stored outcome; the count of parks still grows.
    expect(counts).toEqual([1, 2, 3]);
  });

  it('gives up on the same-key resend path without a last wait it would not use', async () => {
    const base = 'http://no-wasted-wait.test';
    server.use(mswHttp.post(`${base}/pay`, () => HttpResponse.json({ error: { message: 'boom' } }, { status: 500 })));
    const clock = new ManualClock({ now: T0 });
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: testPayments, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new FixedRandom([0.5]), retry: { maxAttempts: 3 } });
    const pay = client.operation('pay', { request: () => ({ method: 'POST', url: '/pay', data: { amount: 1 } }) });
    await expect(pay({}, { businessId: 'p2' })).rejects.toSatisfy(isAmbiguousOutcomeError);
    // Three sends, two waits between them, and none after the last.
    expect(clock.sleeps).toHaveLength(2);
  });
});

describe("Stripe's stored 5xx replays are settled by a scan", () => {
  it('a payment executed and answered 500 is found by its echoed key after one replay, not six resends', async () => {
    const clock = new ManualClock({ now: T0 });
    const v = await fakeVenue('payments', clock, { executeThen500: 1 });
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: stripe, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new SeededRandom(8) });
    const pay = client.operation('payment.create', { request: (p: { amount: number }) => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: p.amount, currency: 'usd', businessId: 'pay-1' } }) });
    const result = await pay({ amount: 500 }, { businessId: 'pay-1' });
    expect(result).toMatchObject({ status: 'succeeded', reconciled: true, attempts: 2 });
    // Stored as a flag, not only as a reason text: a later call reads it from the ledger.
    expect((await client.inspect(result.intentId))?.outcome).toMatchObject({ kind: 'success', reconciled: true });
    await expect(pay({ amount: 500 }, { businessId: 'pay-1' })).resolves.toMatchObject({ replayed: true, reconciled: true });
    expect(result.result).toMatchObject({ object: 'payment_intent', amount: 500, metadata: { intentkey_key: result.venueKey } });
    // The first send executed (and stored its 500); the resend got the replay; the scan found it.
    expect(v.stats()).toMatchObject({ writes: 2, executions: 1, replays: 1, storedErrors: 1 });
  });

  it('without the echo and the scan, the replayed 500 parks the intent and the error says so', async () => {
    const clock = new ManualClock({ now: T0 });
    const v = await fakeVenue('payments', clock, { executeThen500: 1 });
    const bare = extendVenue(stripe, { name: 'stripe-bare', key: { echo: null }, reconcile: { scan: null } });
    const client = createIntentClient(axios.create({ baseURL: v.url }), { venue: bare, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new SeededRandom(9) });
    const pay = client.operation('payment.create', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: 1, currency: 'usd', businessId: 'pay-2' } }) });
    const error = await pay({}, { businessId: 'pay-2' }).catch((e: unknown) => e);
    expect(isAmbiguousOutcomeError(error)).toBe(true);
    const ambiguous = error as { lastAnswer?: { replayed: boolean; httpStatus?: number }; reason: string; nextCheckAt?: number; businessId?: string };
    expect(ambiguous.lastAnswer).toMatchObject({ replayed: true, httpStatus: 500 });
    expect(ambiguous.reason).toMatch(/replayed/);
    expect(ambiguous.businessId).toBe('pay-2');
    expect(ambiguous.nextCheckAt).toBeGreaterThan(clock.now());
    // One send, one resend that got the replay: no more.
    expect(v.stats()).toMatchObject({ writes: 2, executions: 1 });
  });

  it('a stored 500 with no object carrying the key is failed (not executed), never resent', async () => {
    const base = 'https://stripe-miss.test';
    let posts = 0;
    let lists = 0;
    server.use(
      mswHttp.post(`${base}/v1/payment_intents`, () => {
        posts++;
        const headers = posts > 1 ? { 'Idempotent-Replayed': 'true', 'Stripe-Should-Retry': 'false' } : undefined;
        return HttpResponse.json({ error: { type: 'api_error', message: 'An unknown error occurred' } }, { status: 500, ...(headers ? { headers } : {}) });
      }),
      mswHttp.get(`${base}/v1/payment_intents`, ({ request }) => {
        lists++;
        expect(new URL(request.url).searchParams.get('created[gte]')).toBe(String(Math.floor((T0 - 300_000) / 1000)));
        return HttpResponse.json({ object: 'list', has_more: false, data: [{ id: 'pi_other', metadata: { intentkey_key: 'someone-else' } }] });
      }),
    );
    const clock = new ManualClock({ now: T0 });
    const ledger = new MemoryLedger();
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: stripe, ledger, clock, sleep: clock.sleep, random: new SeededRandom(10) });
    const pay = client.operation('payment.create', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: 1 } }) });
    const error = await pay({}, { businessId: 'pay-3' }).catch((e: unknown) => e);
    expect(isVenueRejectedError(error)).toBe(true);
    expect((error as Error).message).toMatch(/not executed/);
    expect({ posts, lists }).toEqual({ posts: 2, lists: 1 });
    const [summary] = await client.list({ status: 'failed' });
    expect(summary).toMatchObject({ businessId: 'pay-3', view: 'failed' });
  });

  it('echoes the key into metadata[intentkey_key] of a form body, as Stripe takes it, and into a JSON body as an object', async () => {
    const base = 'https://stripe-echo.test';
    const bodies: string[] = [];
    server.use(
      mswHttp.post(`${base}/v1/payment_intents`, async ({ request }) => {
        bodies.push(await request.text());
        return HttpResponse.json({ id: 'pi_1', status: 'succeeded' });
      }),
    );
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: stripe, ledger: new MemoryLedger(), random: new SeededRandom(15) });
    const form = client.operation('form', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: new URLSearchParams({ amount: '1' }) }) });
    const json = client.operation('json', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: 1 } }) });
    const a = await form({}, { businessId: 'f' });
    const b = await json({}, { businessId: 'j' });
    expect(new URLSearchParams(bodies[0]).get('metadata[intentkey_key]')).toBe(a.venueKey);
    expect(JSON.parse(bodies[1] ?? '{}')).toEqual({ amount: 1, metadata: { intentkey_key: b.venueKey } });
  });

  it('Stripe-Should-Retry: false on a first 500 sends the intent to the scan, not to a resend', async () => {
    const base = 'https://stripe-advice.test';
    let posts = 0;
    let key = '';
    server.use(
      mswHttp.post(`${base}/v1/payment_intents`, async ({ request }) => {
        posts++;
        key = ((await request.json()) as { metadata?: { intentkey_key?: string } }).metadata?.intentkey_key ?? '';
        return HttpResponse.json({ error: { type: 'api_error' } }, { status: 500, headers: { 'Stripe-Should-Retry': 'false' } });
      }),
      mswHttp.get(`${base}/v1/payment_intents`, () => HttpResponse.json({ object: 'list', has_more: false, data: [{ id: 'pi_1', metadata: { intentkey_key: key } }] })),
    );
    const clock = new ManualClock({ now: T0 });
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: stripe, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new SeededRandom(13) });
    const pay = client.operation('payment.create', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: 1 } }) });
    const result = await pay({}, { businessId: 'pay-5' });
    expect(result).toMatchObject({ status: 'succeeded', reconciled: true, attempts: 1, result: { id: 'pi_1' } });
    expect(posts).toBe(1);
  });

  it('a scan that cannot finish (a page without a cursor) is inconclusive, never "not executed"', async () => {
    const base = 'https://stripe-torn.test';
    let posts = 0;
    server.use(
      mswHttp.post(`${base}/v1/payment_intents`, () => {
        posts++;
        return HttpResponse.json({ error: { type: 'api_error' } }, { status: 500, headers: posts > 1 ? { 'Idempotent-Replayed': 'true' } : {} });
      }),
      mswHttp.get(`${base}/v1/payment_intents`, () => HttpResponse.json({ object: 'list', has_more: true, data: [{ metadata: {} }] })),
    );
    const clock = new ManualClock({ now: T0 });
    const client = createIntentClient(axios.create({ baseURL: base }), { venue: stripe, ledger: new MemoryLedger(), clock, sleep: clock.sleep, random: new SeededRandom(11), maxLookups: 2 });
    const pay = client.operation('payment.create', { request: () => ({ method: 'POST', url: '/v1/payment_intents', data: { amount: 1 } }) });
    const error = await pay({}, { businessId: 'pay-4' }).catch((e: unknown) => e);
    expect(isAmbiguousOutcomeError(error)).toBe(true);
    expect((error as { reason: string }).reason).toMatch(/inconclusive/);
    expect(posts).toBe(2);
  });
});

describe('list() says what the ledger holds', () => {
  it('filters by view, operation, scope and age, oldest first, without inputs', async () => {
    const clock = new ManualClock({ now: T0 });
    const ledger = new MemoryLedger();
    const client = createIntentClient(axios.create(), { venue: exchange, ledger, clock, sleep: clock.sleep });
    const a = client.operation('a.op', { request: order });
    client.operation('b.op', { request: order });
    await ledger.create(client.prepare(a, { id: '1' }, { businessId: 'one', scope: 's1' }), T0);
    clock.advance(1_000);
    await ledger.create(client.prepare('b.op', { id: '2' }, { businessId: 'two', scope: 's2' }), T0 + 1_000);
    clock.advance(1_000);

    const all = await client.list();
    expect(all.map((s) => s.businessId)).toEqual(['one', 'two']);
    expect(all[0]).not.toHaveProperty('input');
    expect((await client.list({ operation: 'b.op' })).map((s) => s.businessId)).toEqual(['two']);
    expect((await client.list({ scope: 's1' })).map((s) => s.businessId)).toEqual(['one']);
    expect((await client.list({ olderThanMs: 1_500 })).map((s) => s.businessId)).toEqual(['one']);
    expect(await client.list({ status: ['succeeded', 'parked'] })).toEqual([]);
    expect((await client.list({ status: 'pending', limit: 1 })).length).toBe(1);
    await expect(client.list({ status: 'done' as never })).rejects.toThrow(/list\(query\)\.status/);
  });

  it('keeps parked and unknown apart under a limit, and filters the same on a store without list()', async () => {
    const clock = new ManualClock({ now: T0 });
    const ledger = new MemoryLedger();
    for (const [id, parked] of [['old-parked', true], ['young-unknown', false]] as const) {
      const at = id === 'old-parked' ? T0 : T0 + 1;
      await diedInFlight(ledger, id, at);
      await ledger.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'unknown', outcome: { kind: 'unknown', reason: 'r' }, now: at });
      if (parked) {
        const outcome = { kind: 'unknown', reason: 'r', parked: { at, nextCheckAt: T0 + 60_000, count: 1, reason: 'p' } };
        await ledger.transition(id, { expectStatus: 'unknown', expectEpoch: 0, to: 'unknown', outcome, now: at });
      }
    }
    const client = createIntentClient(axios.create(), { venue: exchange, ledger, clock, sleep: clock.sleep });
    expect((await client.list({ status: 'unknown', limit: 1 })).map((e) => e.intentId)).toEqual(['young-unknown']);
    expect((await client.list({ status: 'parked', limit: 1 })).map((e) => e.intentId)).toEqual(['old-parked']);
    // A custom store with listResumable only: the same answers, and finished intents refused.
    const bare: LedgerStore = { capabilities: ledger.capabilities, create: (d, n) => ledger.create(d, n), get: (id) => ledger.get(id), claim: (id, r) => ledger.claim(id, r), transition: (id, r) => ledger.transition(id, r), release: (id, o, e) => ledger.release(id, o, e), listResumable: () => ledger.listResumable(), close: () => ledger.close() };
    const custom = createIntentClient(axios.create(), { venue: exchange, ledger: bare, clock, sleep: clock.sleep });
    expect((await custom.list({ status: 'unknown', limit: 5 })).map((e) => e.intentId)).toEqual(['young-unknown']);
    // Age is measured on the client's clock: at T0 + 1 the younger one is 0 ms old.
    clock.set(T0 + 1);
    expect((await custom.list({ status: ['unknown', 'parked'], olderThanMs: 1 })).map((e) => e.intentId)).toEqual(['old-parked']);
    expect((await custom.list({ status: ['unknown', 'parked'], scope: 'other' })).length).toBe(0);
    await expect(custom.list({ status: 'succeeded' })).rejects.toThrow(/no list\(\)/);
    await expect(client.list({ limit: 0 })).rejects.toThrow(/list\(query\)\.limit/);
  });
});
