import axios, { type AxiosRequestConfig } from 'axios';
import { setupServer } from 'msw/node';
import { describe, expect, it } from 'vitest';
import { startFakeVenue, type FakeVenueOptions, type VenueStats } from '../../src/testing/index.js';
import { createVenueHandlers } from '../../src/testing/msw.js';

/**
 * The node:http fake venue and the msw handlers run on one core (`createVenueSim`): for
 * the same options, seed and request sequence they must give the same answers, the same
 * fault draws and the same counts. Each workload goes through both and is compared
 * answer by answer.
 */

const T0 = 1_700_000_000_000;
/** Headers the venue semantics live in; transport headers (date, connection, ...) differ and are ignored. */
const VENUE_HEADERS = ['retry-after', 'idempotent-replayed', 'stripe-should-retry', 'x-mbx-used-weight-1m'];

type Step = AxiosRequestConfig & { readonly url: string };
type Seen = { status: number; body: unknown; headers: Record<string, string> } | 'network error' | 'timeout';

async function send(baseURL: string, step: Step): Promise<Seen> {
  try {
    // Every held answer (delayMs below) outlives this timeout, so its key stays in progress.
    const r = await axios.request({ ...step, baseURL, timeout: 100, validateStatus: () => true });
    const headers: Record<string, string> = {};
    for (const name of VENUE_HEADERS) if (r.headers[name] !== undefined) headers[name] = String(r.headers[name]);
    return { status: r.status, body: r.data, headers };
  } catch (error) {
    if (axios.isAxiosError(error) && error.code === 'ECONNABORTED') return 'timeout';
    if (axios.isAxiosError(error) && error.response === undefined) return 'network error';
    throw error;
  }
}

/** Runs the steps against both transports with the same options (the node server first); returns what each saw and counted. */
async function compare(options: FakeVenueOptions, steps: readonly Step[], clock: { now: number }, stepMs: number) {
  clock.now = T0;
  const node = await startFakeVenue(options);
  const nodeSeen: Seen[] = [];
  try {
    for (const step of steps) {
      nodeSeen.push(await send(node.url, step));
      clock.now += stepMs;
    }
  } finally {
    await node.close();
  }

  clock.now = T0;
  const venue = createVenueHandlers({ ...options, baseUrl: 'https://venue.test' });
  const server = setupServer(...venue.handlers);
  server.listen({ onUnhandledRequest: 'error' });
  const mswSeen: Seen[] = [];
  let mswStats: VenueStats;
  try {
    for (const step of steps) {
      mswSeen.push(await send(venue.baseUrl, step));
      clock.now += stepMs;
    }
  } finally {
    clock.now -= stepMs;
    mswStats = venue.stats();
    venue.reset();
    server.close();
  }
  // Stats read at the same virtual time in both runs (retention depends on it).
  return { nodeSeen, mswSeen, nodeStats: node.stats(), mswStats };
}

describe('node fake venue and msw handlers: one core, same behaviour', () => {
  it('payments: same answers, draws and counts for the same seed and requests', async () => {
    const clock = { now: T0 };
    const steps: Step[] = [];
    for (let i = 0; i < 70; i++) {
      const k = i % 7;
      if (i % 10 === 9) steps.push({ method: 'GET', url: '/v1/payment_intents', params: { 'created[gte]': 1_700_000_000 + i, limit: 3 } });
      else if (i % 10 === 4) steps.push({ method: 'GET', url: `/v1/payment_intents/pi_${k + 1}` });
      else if (i % 13 === 12) steps.push({ method: 'POST', url: '/v1/payments', data: { amount: 999, businessId: `b${k}` }, headers: { 'Idempotency-Key': `k${k}` } });
      else steps.push({ method: 'POST', url: '/v1/payment_intents', data: { amount: 100 + k, businessId: `b${k}`, metadata: { n: String(k) } }, headers: { 'Idempotency-Key': `k${k}` } });
    }
    const options: FakeVenueOptions = {
      mode: 'payments',
      seed: 26,
      faults: { executeThenDrop: 0.12, executeThen500: 0.12, reject503: 0.1, delay: 0.08, rateLimit: 0.1, ban: 0.04 },
      delayMs: 60_000,
      retryAfterSeconds: 3,
      banSeconds: 15,
      retentionMs: 200_000,
      now: () => clock.now,
    };
    const { nodeSeen, mswSeen, nodeStats, mswStats } = await compare(options, steps, clock, 7_000);
    expect(mswSeen).toEqual(nodeSeen);
    expect(mswStats).toEqual(nodeStats);
    // The workload reached every behaviour it is meant to compare.
    const statuses = new Set(nodeSeen.map((s) => (typeof s === 'string' ? s : s.status)));
    for (const expected of [200, 400, 404, 409, 418, 429, 500, 503, 'network error', 'timeout'] as const) expect(statuses).toContain(expected);
    expect(nodeSeen.some((s) => typeof s !== 'string' && s.headers['idempotent-replayed'] === 'true' && s.status === 500)).toBe(true);
    expect(Object.values(nodeStats.faultsInjected).every((n) => n > 0)).toBe(true);
    expect(nodeStats.refusedByBan).toBeGreaterThan(nodeStats.faultsInjected.ban);
  });

  it('exchange: same answers, draws and counts, weight limit included', async () => {
    const clock = { now: T0 };
    const steps: Step[] = [];
    for (let i = 0; i < 60; i++) {
      const c = `c${i % 9}`;
      if (i % 5 === 4) steps.push({ method: 'GET', url: '/api/v3/order', params: { symbol: 'X', origClientOrderId: c } });
      else steps.push({ method: 'POST', url: '/api/v3/order', params: { symbol: 'X', type: i % 4 === 0 ? 'LIMIT' : 'MARKET', newClientOrderId: c, businessId: `b${i % 9}` } });
    }
    const options: FakeVenueOptions = {
      mode: 'exchange',
      seed: 31,
      faults: { executeThenDrop: 0.12, executeThen500: 0.12, reject503: 0.1, delay: 0.08, rateLimit: 0.1, ban: 0.04 },
      delayMs: 60_000,
      banSeconds: 5,
      now: () => clock.now,
      weightLimit: { limit: 8, windowMs: 10_000 },
    };
    const { nodeSeen, mswSeen, nodeStats, mswStats } = await compare(options, steps, clock, 1_000);
    expect(mswSeen).toEqual(nodeSeen);
    expect(mswStats).toEqual(nodeStats);
    const statuses = new Set(nodeSeen.map((s) => (typeof s === 'string' ? s : s.status)));
    for (const expected of [200, 400, 418, 429, 500, 503, 'network error', 'timeout'] as const) expect(statuses).toContain(expected);
    expect(nodeStats.duplicates).toBeGreaterThan(0);
    expect(nodeStats.overWeightLimit).toBeGreaterThan(0);
  });
});
