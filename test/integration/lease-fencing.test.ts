import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, isIntentError, MemoryLedger } from '../../src/index.js';
import type { IntentEventMap } from '../../src/index.js';
import { ManualClock, SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';

const venues: FakeVenue[] = [];
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
});

const LEASE_MS = 30_000;
/** The default `attemptTimeoutMs`: the dispatch window after an in-flight record. */
const ATTEMPT_TIMEOUT_MS = 10_000;
const order = (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', businessId: o.id } });

/** A worker whose first send freezes (like a SIGSTOP or a long GC pause) after its in-flight record, until released. */
function freezingWorker(url: string, ledger: MemoryLedger, clock: ManualClock, freezeForMs: number) {
  let frozen = false;
  let release!: () => void;
  let onFrozen!: () => void;
  const released = new Promise<void>((r) => (release = r));
  const frozenNow = new Promise<void>((r) => (onFrozen = r));
  const http = axios.create({ baseURL: url });
  http.interceptors.request.use(async (config) => {
    if (config.intentkey?.purpose === 'send' && !frozen) {
      frozen = true;
      clock.advance(freezeForMs);
      onFrozen();
      await released;
    }
    return config;
  });
  const client = createIntentClient(http, { venue: binanceSpot, ledger, clock, sleep: clock.sleep, random: new SeededRandom(1), leaseMs: LEASE_MS, workerId: 'worker-a', retry: { deadlineMs: 3_600_000 } });
  return { place: client.operation('order.create', { request: order }), release, frozenNow };
}

describe('the send is fenced by the lease', () => {
  it('a worker frozen past its lease sends nothing when it wakes, and its successor waits out the venue window from the lease end', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', now: () => clock.now() });
    venues.push(v);
    const ledger = new MemoryLedger();
    const start = clock.now();
    const a = freezingWorker(v.url, ledger, clock, LEASE_MS + 1_000);
    const aResult = a.place({ id: 'o1' }, { businessId: 'o1' }).then(
      (r) => r,
      (e: unknown) => e,
    );
    await a.frozenNow;

    // Worker B receives the same business action (a redelivered message) after A's lease ended.
    const settles: Array<IntentEventMap['retryScheduled']> = [];
    const b = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: binanceSpot,
      ledger,
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(2),
      leaseMs: LEASE_MS,
      workerId: 'worker-b',
      retry: { deadlineMs: 3_600_000, maxRetryAfterMs: 120_000 },
      on: {
        retryScheduled: (e) => {
          if (e.cause === 'settle') settles.push(e);
        },
      },
    });
    const bResult = await b.operation('order.create', { request: order })({ id: 'o1' }, { businessId: 'o1' });
    expect(bResult.attempts).toBe(2);
    // "Not found" is believed only 61 s after the last moment A could have dispatched:
    // the dispatch window ends attemptTimeoutMs (10 s) after A's in-flight record, before
    // its lease (30 s). Not from B's takeover, which would only make B wait longer.
    expect(settles.length).toBeGreaterThan(0);
    expect(clock.now()).toBeGreaterThanOrEqual(start + ATTEMPT_TIMEOUT_MS + binanceSpot.reconcile.settleDelayMs);
    expect(clock.now()).toBeLessThan(start + LEASE_MS + binanceSpot.reconcile.settleDelayMs);

    a.release();
    const aOutcome = await aResult;
    expect(isIntentError(aOutcome)).toBe(true);
    // A's request never left: one write at the venue, one execution.
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1, duplicates: 0 });
  });

  it('a worker stalled past its own lease with nobody else around re-claims, then sends once', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', now: () => clock.now() });
    venues.push(v);
    const a = freezingWorker(v.url, new MemoryLedger(), clock, LEASE_MS + 1);
    const result = a.place({ id: 'o2' }, { businessId: 'o2' });
    await a.frozenNow;
    a.release();
    const placed = await result;
    // Attempt 1 was recorded but not dispatched (lease over); attempt 2 went out.
    expect(placed.attempts).toBe(2);
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });

  it('a stall shorter than the dispatch window does not stop the send', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', now: () => clock.now() });
    venues.push(v);
    const a = freezingWorker(v.url, new MemoryLedger(), clock, ATTEMPT_TIMEOUT_MS - 1);
    const result = a.place({ id: 'o3' }, { businessId: 'o3' });
    await a.frozenNow;
    a.release();
    expect((await result).attempts).toBe(1);
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });

  it('a stall past the dispatch window (attemptTimeoutMs after the in-flight record) sends nothing; the next attempt goes out', async () => {
    const clock = new ManualClock();
    const v = await startFakeVenue({ mode: 'exchange', now: () => clock.now() });
    venues.push(v);
    // Inside the lease, past the window: only the window can stop this send.
    const a = freezingWorker(v.url, new MemoryLedger(), clock, ATTEMPT_TIMEOUT_MS);
    const result = a.place({ id: 'o4' }, { businessId: 'o4' });
    await a.frozenNow;
    a.release();
    expect((await result).attempts).toBe(2);
    expect(v.stats()).toMatchObject({ writes: 1, executions: 1 });
  });
});
