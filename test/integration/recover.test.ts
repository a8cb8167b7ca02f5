import axios from 'axios';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, MemoryLedger, type IntentDraft } from '../../src/index.js';
import { FixedRandom, ManualClock } from '../../src/testing/index.js';
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
