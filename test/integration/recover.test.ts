import axios from 'axios';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, MemoryLedger, type IntentDraft, type RecoveryReport } from '../../src/index.js';
import { FixedRandom, ManualClock } from '../../src/testing/index.js';
import { countingClaims, oneByOne } from '../helpers/ledger-wrappers.js';
import { testExchange, testPayments } from '../helpers/profiles.js';

const BASE = 'http://resume.test';
const server = setupServer();
const calls: string[] = [];
const orders = new Map<string, number>();

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  server.resetHandlers();
  calls.length = 0;
  orders.clear();
});
afterAll(() => server.close());

function venueHandlers(): void {
  server.use(
    mswHttp.post(`${BASE}/order`, async ({ request }) => {
      const body = (await request.json()) as { clientOrderId: string };
      calls.push(`POST ${body.clientOrderId}`);
      orders.set(body.clientOrderId, (orders.get(body.clientOrderId) ?? 0) + 1);
      return HttpResponse.json({ clientOrderId: body.clientOrderId, status: 'FILLED' });
    }),
    mswHttp.get(`${BASE}/order`, ({ request }) => {
      const id = new URL(request.url).searchParams.get('clientOrderId') ?? '';
      calls.push(`GET ${id}`);
      return orders.has(id)
        ? HttpResponse.json({ clientOrderId: id, status: 'FILLED' })
        : HttpResponse.json({ code: -2013, msg: 'Order does not exist.' }, { status: 400 });
    }),
  );
}

const base = (id: string, createdAt: number): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  businessId: id,
  venue: 'test-exchange',
  key: `KEY${id}`,
  venueKey: `KEY${id}`,
  fingerprint: '0'.repeat(64),
  input: { qty: '1' },
  createdAt,
});

/** Leaves intents in the ledger as a process that died at various points would have. */
async function crashedRun(ledger: MemoryLedger, now: number): Promise<void> {
  // Created, never sent.
  await ledger.create(base('pending1', now), now);
  // Attempt recorded as started, then the process died: it may have been sent.
  await ledger.create(base('inflight1', now + 1), now + 1);
  await ledger.transition('inflight1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: now + 1 });
  // In flight and it did execute at the venue before the crash.
  await ledger.create(base('inflight2', now + 2), now + 2);
  await ledger.transition('inflight2', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: now + 2 });
  orders.set('KEYinflight2', 1);
  // Finished: must not be touched.
  await ledger.create(base('done1', now + 3), now + 3);
  await ledger.transition('done1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: now + 3 });
  await ledger.transition('done1', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200' }, now: now + 3 });
  // An operation this process does not register.
  await ledger.create({ ...base('other1', now + 4), operation: 'withdraw' }, now + 4);
}

describe('recover() follows the resume table', () => {
  it('sends pending with its key, reconciles in-flight before any resend, skips finished ones', async () => {
    venueHandlers();
    const clock = new ManualClock();
    const ledger = new MemoryLedger();
    await crashedRun(ledger, clock.now());
    const client = createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger, clock, sleep: clock.sleep, random: new FixedRandom([0.5]) });
    client.operation('order.create', {
      request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }),
      reconcile: (_i, ctx) => ({ method: 'GET', url: '/order', params: { clientOrderId: ctx.venueKey } }),
    });

    // One at a time so the order of requests is fixed; the default resumes 8 at once.
    const report = await client.recover({ concurrency: 1 });

    expect(calls).toEqual(['POST KEYpending1', 'GET KEYinflight1', 'POST KEYinflight1', 'GET KEYinflight2']);
    expect(report).toEqual({
      resumed: 3,
      succeeded: 3,
      reconciledFound: 1,
      resent: 1,
      failed: 0,
      parked: 0,
      notReached: 0,
      budgetExhausted: false,
      durationMs: 0,
      needsAttention: [{ intentId: 'other1', operation: 'withdraw', businessId: 'other1', reason: 'operation not registered in this process' }],
    });
    expect([...orders.entries()].sort()).toEqual([
      ['KEYinflight1', 1],
      ['KEYinflight2', 1],
      ['KEYpending1', 1],
    ]);
    expect((await ledger.get('inflight1'))?.attempt).toBe(2);
    expect((await client.recover()).resumed).toBe(0);
  });

  it('never resends an in-flight intent when nothing can settle it: it is reported for a person', async () => {
    venueHandlers();
    const clock = new ManualClock();
    const ledger = new MemoryLedger();
    await ledger.create(base('x', clock.now()), clock.now());
    await ledger.transition('x', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: clock.now() });
    const client = createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger, clock, sleep: clock.sleep });
    client.operation('order.create', { request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }) });
    const report = await client.recover();
    expect(calls).toEqual([]);
    expect(report.needsAttention).toEqual([expect.objectContaining({ intentId: 'x', reason: expect.stringContaining('outcome unknown') })]);
    expect((await ledger.get('x'))?.status).toBe('unknown');
  });

  it('on a key-store venue resends an in-flight intent with the same key inside the window, never after it', async () => {
    const seen: string[] = [];
    server.use(
      mswHttp.post(`${BASE}/order`, ({ request }) => {
        seen.push(request.headers.get('idempotency-key') ?? '');
        return HttpResponse.json({ ok: true });
      }),
    );
    const clock = new ManualClock();
    const ledger = new MemoryLedger();
    const day = 24 * 60 * 60 * 1000;
    for (const [id, age] of [['fresh', 1000], ['stale', 2 * day]] as const) {
      const createdAt = clock.now() - age;
      await ledger.create({ ...base(id, createdAt), venue: 'test-payments', expiresAt: createdAt + day - 60 * 60 * 1000 }, createdAt);
      await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: createdAt });
    }
    const client = createIntentClient(axios.create({ baseURL: BASE }), { venue: testPayments, ledger, clock, sleep: clock.sleep, random: new FixedRandom([0]) });
    client.operation('order.create', { request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }) });
    const report = await client.recover();
    expect(seen).toEqual(['KEYfresh']);
    expect(report.resent).toBe(1);
    expect(report.needsAttention.map((n) => n.intentId)).toEqual(['stale']);
  });
});

/** {@link crashedRun}, plus unknown intents: parked and not due, parked and due (executed), and plain unknown. */
async function crashedWithUnknowns(ledger: MemoryLedger, now: number): Promise<void> {
  await crashedRun(ledger, now);
  const unknown = async (id: string, at: number, outcome: object): Promise<void> => {
    await ledger.create(base(id, at), at);
    await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: at });
    await ledger.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'unknown', outcome: { kind: 'unknown', reason: 'timeout', ...outcome }, now: at });
  };
  await unknown('parked1', now + 5, { parked: { at: now + 5, nextCheckAt: now + 60_000, count: 1, reason: 'allowance spent' } });
  await unknown('parked2', now + 6, { parked: { at: now - 60_000, nextCheckAt: now - 1, count: 1, reason: 'allowance spent' } });
  orders.set('KEYparked2', 1);
  await unknown('unknown1', now + 7, {});
  for (let i = 0; i < 5; i++) await ledger.create(base(`later${i}`, now + 10 + i), now + 10 + i);
}

describe('recover() on a store that claims in batches (claimResumable)', () => {
  const recoverOn = async (batches: boolean, concurrency: number) => {
    venueHandlers();
    const clock = new ManualClock();
    const memory = new MemoryLedger();
    await crashedWithUnknowns(memory, clock.now());
    const { store, counts } = countingClaims(batches ? memory : oneByOne(memory));
    const client = createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger: store, clock, sleep: clock.sleep, random: new FixedRandom([0.5]) });
    client.operation('order.create', {
      request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }),
      reconcile: (_i, ctx) => ({ method: 'GET', url: '/order', params: { clientOrderId: ctx.venueKey } }),
    });
    const report = await client.recover({ concurrency });
    // The first pass's claims; the second pass makes its own.
    const firstPass = { claim: counts.claim, claimResumable: counts.claimResumable, batchClaimed: new Map(counts.batchClaimed) };
    const again = await client.recover({ concurrency });
    const statuses = (await memory.list({ limit: 100 })).map((r) => [r.id, r.status, r.attempt, r.leaseOwner ?? null]);
    const result = { report, again, statuses, calls: [...calls], orders: [...orders.entries()].sort(), counts: firstPass };
    calls.length = 0;
    orders.clear();
    return result;
  };

  for (const concurrency of [1, 3]) {
    it(`concurrency ${concurrency}: no per-intent claim, and the report, the venue's requests and the ledger are those of the listing path`, async () => {
      const batched = await recoverOn(true, concurrency);
      const listed = await recoverOn(false, concurrency);
      // Negative control: the counting store sees the listing path's claims.
      expect(listed.counts.claim).toBeGreaterThan(0);
      expect(listed.counts.claimResumable).toBe(0);
      expect(batched.counts.claim).toBe(0);
      expect(batched.counts.claimResumable).toBeGreaterThanOrEqual(Math.ceil(9 / concurrency));
      expect([...batched.counts.batchClaimed.values()].every((n) => n === 1)).toBe(true);
      expect([...batched.counts.batchClaimed.keys()].sort()).toEqual(['inflight1', 'inflight2', 'later0', 'later1', 'later2', 'later3', 'later4', 'other1', 'parked2', 'pending1', 'unknown1']);
      expect(batched.report).toEqual(listed.report);
      expect(batched.again).toEqual(listed.again);
      expect(batched.statuses).toEqual(listed.statuses);
      expect(batched.orders).toEqual(listed.orders);
      // One at a time the requests come in the same order; several at once, the same requests.
      if (concurrency === 1) expect(batched.calls).toEqual(listed.calls);
      else expect([...batched.calls].sort()).toEqual([...listed.calls].sort());
      expect(batched.report).toMatchObject({ resumed: 10, parked: 1, failed: 0, notReached: 0 });
      expect(batched.report.needsAttention.map((n) => n.intentId)).toEqual(['other1', 'parked1']);
      expect(batched.orders.every(([, n]) => n === 1)).toBe(true);
    });
  }

  it('an intent a call is running here is left to that call; a call that comes during a batch claim waits for it and runs once', async () => {
    venueHandlers();
    let holdPost!: () => void;
    const posted = new Promise<void>((resolve) => (holdPost = resolve));
    let postArrived!: () => void;
    const arrived = new Promise<void>((resolve) => (postArrived = resolve));
    server.use(
      mswHttp.post(`${BASE}/order`, async ({ request }) => {
        const body = (await request.json()) as { clientOrderId: string; name: string };
        calls.push(`POST ${body.name}`);
        orders.set(body.name, (orders.get(body.name) ?? 0) + 1);
        if (body.name === 'busy') {
          postArrived();
          await posted;
        }
        return HttpResponse.json({ clientOrderId: body.clientOrderId, status: 'FILLED' });
      }),
    );
    const clock = new ManualClock();
    const memory = new MemoryLedger();
    const events: string[] = [];
    let releaseBatch!: () => void;
    const batchHeld = new Promise<void>((resolve) => (releaseBatch = resolve));
    const { store, counts } = countingClaims(memory);
    const ledger = {
      ...store,
      claim: async (...args: Parameters<typeof store.claim>) => {
        events.push(`claim ${args[0]}`);
        return store.claim(...args);
      },
      claimResumable: async (request: Parameters<NonNullable<typeof store.claimResumable>>[0]) => {
        events.push(`batch exclude=${(request.exclude ?? []).join(',')}`);
        await batchHeld;
        const records = (await store.claimResumable?.(request)) ?? [];
        events.push(`batch claimed=${records.map((r) => r.id).join(',')}`);
        return records;
      },
    };
    const client = createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger, clock, sleep: clock.sleep, random: new FixedRandom([0.5]), workerId: 'w1' });
    const place = client.operation<{ name: string }>('order.create', { request: (i) => ({ method: 'POST', url: '/order', data: { name: i.name } }) });
    // A call in flight here: its intent is unfinished and leased by this worker.
    const busy = place({ name: 'busy' }, { businessId: 'busy' });
    await arrived;
    // Created already leased by this worker, with its attempt in flight: no claim call.
    expect(events).toEqual([]);
    events.length = 0;
    // An intent left pending by a previous life; a call for it comes while the batch is claimed.
    await memory.create(client.prepare(place, { name: 'late' }, { businessId: 'late' }), clock.now());
    const recovery = client.startRecovery({ concurrency: 2 });
    await expect.poll(() => events.length).toBe(1);
    const late = place({ name: 'late' }, { businessId: 'late' });
    // The memory ledger answers in microtasks: a few turns of the event loop let the call
    // go as far as it can. Its claim waits while the batch claim is under way.
    for (let turn = 0; turn < 5; turn++) await new Promise<void>((resolve) => setImmediate(resolve));
    expect(events).toEqual([`batch exclude=${client.prepare(place, { name: 'busy' }, { businessId: 'busy' }).id}`]);
    releaseBatch();
    holdPost();
    const [busyResult, lateResult, report] = await Promise.all([busy, late, recovery.done]);
    expect(busyResult.replayed).toBe(false);
    expect(lateResult.replayed).toBe(false);
    const lateId = client.prepare(place, { name: 'late' }, { businessId: 'late' }).id;
    expect(events.slice(1, 3)).toEqual([`batch claimed=${lateId}`, `claim ${lateId}`]);
    // One per-intent claim: `late`'s. `busy` was created already leased.
    expect(counts.claim).toBe(1);
    // The batch took `late`, found the call running it, gave its lease back and joined.
    expect(report).toMatchObject({ resumed: 1, succeeded: 1, notReached: 0, needsAttention: [] });
    expect(counts.batchClaimed.has(client.prepare(place, { name: 'busy' }, { businessId: 'busy' }).id)).toBe(false);
    expect([...orders.entries()].sort()).toEqual([['busy', 1], ['late', 1]]);
    expect((await memory.get(lateId))?.status).toBe('succeeded');
  });

  it('a budget spent counts as not reached what no batch claimed yet, as the listing path does', async () => {
    const reports: RecoveryReport[] = [];
    for (const batches of [true, false]) {
      venueHandlers();
      const clock = new ManualClock();
      const memory = new MemoryLedger();
      for (let i = 0; i < 6; i++) await memory.create(base(`p${i}`, clock.now() + i), clock.now() + i);
      const http = axios.create({ baseURL: BASE });
      // Every send takes 2 s on the client's clock: one intent spends a 1 s budget.
      http.interceptors.request.use((config) => {
        clock.advance(2_000);
        return config;
      });
      const client = createIntentClient(http, { venue: testExchange, ledger: batches ? memory : oneByOne(memory), clock, sleep: clock.sleep, random: new FixedRandom([0.5]) });
      client.operation('order.create', { request: (i: object) => ({ method: 'POST', url: '/order', data: { ...i } }) });
      reports.push(await client.recover({ concurrency: 2, budgetMs: 1_000 }));
      calls.length = 0;
      orders.clear();
    }
    expect(reports[0]).toEqual(reports[1]);
    expect(reports[0]).toMatchObject({ resumed: 2, succeeded: 2, notReached: 4, budgetExhausted: true });
  });
});
