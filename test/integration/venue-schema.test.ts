import axios, { type AxiosAdapter } from 'axios';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, createIntentClient, defineVenue, extendVenue, MemoryLedger } from '../../src/index.js';
import type { IntentEventMap, VenueProfile } from '../../src/index.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import { scripted, type Sent } from '../helpers/scripted-adapter.js';

/**
 * The runtime side of the profile fields added in venue schema round two: fallback
 * lookups, lookups by another field, successes-only key stores, numeric keys and
 * request windows. A scripted in-process venue answers each request, so every test
 * controls exactly what executed.
 */

const base = defineVenue({
  name: 'round-two',
  kind: 'exchange',
  key: { placement: 'query', field: 'clientId', format: { encoding: 'hash', pattern: '^[A-Za-z0-9]{1,32}$', maxLength: 32 } },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: true,
    settleDelayMs: 61_000,
    notFoundCodes: ['404'],
    lookup: { method: 'GET', path: '/open', keyIn: 'query', keyParam: 'clientId', foundPath: 'list.0' },
  },
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [],
});

function client(venue: VenueProfile, adapter: AxiosAdapter, clock: ManualClock, events: Partial<{ [K in keyof IntentEventMap]: (e: IntentEventMap[K]) => void }> = {}) {
  return createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test' }), {
    venue,
    ledger: new MemoryLedger(),
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(1),
    attemptTimeoutMs: 1_000,
    retry: { maxAttempts: 3, deadlineMs: 3_600_000 },
    maxLookups: 10,
    on: events,
  });
}

describe('fallback lookups', () => {
  const venue = extendVenue(base, {
    reconcile: {
      fallbackLookups: [{ method: 'GET', path: '/history', keyIn: 'query', keyParam: 'clientId', foundPath: 'list.0' }],
    },
  });

  it('asks the second endpoint after the first misses, and settles on its hit without resending', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return 'drop';
      if (req.url === '/open') return { status: 200, data: { list: [] } };
      return { status: 200, data: { list: [{ orderId: 7 }] } };
    });
    const op = client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    const result = await op({}, { businessId: 'b1' });
    expect(result).toMatchObject({ reconciled: true, result: { list: [{ orderId: 7 }] } });
    expect(sent.map((r) => `${r.method} ${r.url}`)).toEqual(['POST /order', 'GET /open', 'GET /history']);
  });

  it('is a miss only when every endpoint misses; then the authoritative profile resends the same key', async () => {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? 'drop' : { status: 200, data: { orderId: 1 } };
      return { status: 200, data: { list: [] } };
    });
    const op = client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    await op({}, { businessId: 'b2' });
    const writes = sent.filter((r) => r.method === 'POST');
    expect(writes).toHaveLength(2);
    expect(writes[1]?.params.clientId).toBe(writes[0]?.params.clientId);
    // Both endpoints were asked (at least once) before the resend.
    const firstResend = sent.indexOf(writes[1] as Sent);
    expect(sent.slice(0, firstResend).map((r) => r.url)).toEqual(expect.arrayContaining(['/open', '/history']));
  });

  it('negative control: without the fallback the same miss resends although the history holds the order', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return sent.filter((r) => r.method === 'POST').length === 1 ? 'drop' : { status: 200 };
      if (req.url === '/open') return { status: 200, data: { list: [] } };
      return { status: 200, data: { list: [{ orderId: 7 }] } };
    });
    const op = client(base, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    await op({}, { businessId: 'b3' });
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(2);
    expect(sent.some((r) => r.url === '/history')).toBe(false);
  });

  it('an inconclusive second lookup keeps the intent unknown (no resend)', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return 'drop';
      if (req.url === '/open') return { status: 200, data: { list: [] } };
      return { status: 503 };
    });
    const op = client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    await expect(op({}, { businessId: 'b4' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError' });
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('lookups that check the object carries the key (match)', () => {
  const venue = extendVenue(base, {
    reconcile: { lookup: { method: 'GET', path: '/open', keyIn: 'query', keyParam: 'clientId', foundPath: 'list.0', match: { itemsPath: 'list', keyPath: 'clientId' } } },
  });

  it('an answer listing only other orders (a filter the venue ignored) is a miss, never found', async () => {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? 'drop' : { status: 200, data: { orderId: 2 } };
      return { status: 200, data: { list: [{ clientId: 'someone-else', orderId: 1 }] } };
    });
    const result = await client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'm1' });
    // Not settled by the other order: the authoritative miss led to a same-key resend.
    expect(result).toMatchObject({ reconciled: false, result: { orderId: 2 } });
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it('negative control: without match the same answer reads as found (the intent settles on the wrong order)', async () => {
    const clock = new ManualClock();
    const { adapter } = scripted(clock, (req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { list: [{ clientId: 'someone-else', orderId: 1 }] } }));
    const result = await client(base, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'm2' });
    expect(result).toMatchObject({ reconciled: true });
  });

  it('the order carrying the key is found', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return 'drop';
      return { status: 200, data: { list: [{ clientId: 'other' }, { clientId: String(req.params.clientId), orderId: 9 }] } };
    });
    await expect(client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'm3' })).resolves.toMatchObject({ reconciled: true });
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('items without the field are inconclusive: never found, never resent', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { list: [{ orderId: 1 }] } }));
    await expect(client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'm4' })).rejects.toMatchObject({
      name: 'AmbiguousOutcomeError',
    });
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(1);
  });
});

describe('a lookup by a field other than the key (valueFrom)', () => {
  const venue = extendVenue(base, {
    reconcile: {
      notFoundIsAuthoritative: false,
      lookup: { method: 'GET', path: '/payments', keyIn: 'query', keyParam: 'reference', valueFrom: 'reference', foundPath: 'data.0' },
    },
  });

  it("sends the request's own reference, not the key", async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => (req.method === 'POST' ? 'drop' : { status: 200, data: { data: [{ id: 'pay_1' }] } }));
    const op = client(venue, adapter, clock).operation('pay', { request: () => ({ method: 'POST', url: '/payments', data: { reference: 'ORD-42', amount: 5 } }) });
    await expect(op({}, { businessId: 'p1' })).resolves.toMatchObject({ reconciled: true });
    const lookup = sent.find((r) => r.method === 'GET');
    expect(lookup?.params).toEqual({ reference: 'ORD-42' });
  });

  it('does not look up at all when the request has no such field (stays unknown, never resends)', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, () => 'drop');
    const op = client(venue, adapter, clock).operation('pay', { request: () => ({ method: 'POST', url: '/payments', data: { amount: 5 } }) });
    await expect(op({}, { businessId: 'p2' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError', message: expect.stringContaining('"reference"') });
    expect(sent.map((r) => r.method)).toEqual(['POST']);
  });
});

describe('a key store that keeps only successes', () => {
  const store = (stores: 'all' | 'successes') =>
    defineVenue({
      ...base,
      name: `store-${stores}`,
      key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } },
      dedupe: { kind: 'keyStore', retentionMs: 86_400_000, stores },
      reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
    });

  it('never treats a same-key resend as the reconcile: an unknown without a lookup stays unknown', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, () => ({ status: 500 }));
    const op = client(store('successes'), adapter, clock).operation('pay', { request: () => ({ method: 'POST', url: '/payments' }) });
    await expect(op({}, { businessId: 's1' })).rejects.toMatchObject({ name: 'AmbiguousOutcomeError' });
    // One send: the 500 may have executed, and the venue kept nothing under the key.
    expect(sent).toHaveLength(1);
  });

  it('negative control: a store of every answer resends the same key to settle it', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (_req, i) => (i === 0 ? { status: 500 } : { status: 200, data: { id: 'pay_1' } }));
    const op = client(store('all'), adapter, clock).operation('pay', { request: () => ({ method: 'POST', url: '/payments' }) });
    await expect(op({}, { businessId: 's2' })).resolves.toMatchObject({ result: { id: 'pay_1' } });
    expect(sent).toHaveLength(2);
    expect(sent[1]?.headers.get('Idempotency-Key')).toBe(sent[0]?.headers.get('Idempotency-Key'));
  });

  it('warns at registration that an unknown outcome will need a person without a lookup', () => {
    const warnings: string[] = [];
    const c = createIntentClient(axios.create(), { venue: store('successes'), ledger: new MemoryLedger(), on: { warning: (e) => warnings.push(e.code) } });
    c.operation('pay', { request: () => ({ url: '/' }) });
    expect(warnings).toEqual(['UNRESOLVABLE_UNKNOWN']);
  });
});

describe('numeric keys (valueType number)', () => {
  const venue = defineVenue({
    ...base,
    name: 'numeric',
    key: { placement: 'body', field: 'cid', valueType: 'number', format: { encoding: 'integer', maxLength: 14, maxInteger: 2 ** 45 - 1 } },
  });

  it('places the key as a JSON number, the same number on every attempt', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (_req, i) => (i === 0 ? { status: 503, data: { code: 'busy' } } : { status: 200 }));
    const op = client(extendVenue(venue, { errors: [{ match: { code: 'busy' }, outcome: 'retry' }] }), adapter, clock).operation('order', {
      request: () => ({ method: 'POST', url: '/order', data: { amount: '1' } }),
    });
    await op({}, { businessId: 'n1' });
    expect(sent).toHaveLength(2);
    const cids = sent.map((r) => (r.data as { cid: unknown }).cid);
    expect(typeof cids[0]).toBe('number');
    expect(Number.isSafeInteger(cids[0])).toBe(true);
    expect(cids[1]).toBe(cids[0]);
  });

  it('keeps text in a form body', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, () => ({ status: 200 }));
    const op = client(venue, adapter, clock).operation('order', { request: () => ({ method: 'POST', url: '/order', data: new URLSearchParams({ amount: '1' }) }) });
    await op({}, { businessId: 'n2' });
    expect(String(sent[0]?.data)).toMatch(/cid=\d+/);
  });
});

describe('request windows (reconcile.requestWindow)', () => {
  const venue = extendVenue(base, {
    reconcile: { settleDelayMs: 61_000, requestWindow: { in: 'query', field: 'recvWindow', defaultMs: 5_000, maxMs: 60_000, aheadMs: 1_000 } },
  });

  /** The settle wait the runner scheduled after one dropped write answered "not found". */
  async function settleWait(profile: VenueProfile, params: Record<string, unknown>) {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? 'drop' : { status: 200 };
      return { status: 404 };
    });
    const waits: Array<IntentEventMap['retryScheduled']> = [];
    const c = client(profile, adapter, clock, { retryScheduled: (e) => waits.push(e) });
    const op = c.operation('order', { request: () => ({ method: 'POST', url: '/order', params }) });
    await op({}, { businessId: 'w' });
    return { settle: waits.filter((w) => w.cause === 'settle').map((w) => w.delayMs), sent };
  }

  it('derives the settle delay from the window the request carried', async () => {
    const { settle, sent } = await settleWait(venue, { recvWindow: 2_000 });
    expect(settle).toEqual([3_000]);
    expect(sent.filter((r) => r.method === 'POST')).toHaveLength(2);
  });

  it("uses the venue's default window when the request carries none", async () => {
    const { settle } = await settleWait(venue, {});
    expect(settle).toEqual([6_000]);
  });

  it('negative control: without the request window the profile settle delay applies', async () => {
    const { settle } = await settleWait(base, { recvWindow: 2_000 });
    expect(settle).toEqual([61_000]);
  });

  it('a window set by an interceptor after the build is read from the final request', async () => {
    const clock = new ManualClock();
    let posts = 0;
    const { adapter } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? 'drop' : { status: 200 };
      return { status: 404 };
    });
    const http = axios.create({ adapter, baseURL: 'http://venue.test' });
    http.interceptors.request.use((config) => {
      // A signer that adds its own window to the URL's query string.
      if (config.intentkey?.purpose === 'send') config.url = `${config.url ?? ''}?recvWindow=30000&signature=abc`;
      return config;
    });
    const waits: Array<IntentEventMap['retryScheduled']> = [];
    const c = createIntentClient(http, {
      venue,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      attemptTimeoutMs: 1_000,
      retry: { maxAttempts: 3, deadlineMs: 3_600_000 },
      on: { retryScheduled: (e) => waits.push(e) },
    });
    await c.operation('order', { request: () => ({ method: 'POST', url: '/order' }) })({}, { businessId: 'i' });
    expect(waits.filter((w) => w.cause === 'settle').map((w) => w.delayMs)).toEqual([31_000]);
  });

  it('refuses a window above the maximum before anything is sent, and fails the intent', async () => {
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, () => ({ status: 200 }));
    const ledger = new MemoryLedger();
    const c = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test' }), { venue, ledger, clock, sleep: clock.sleep, random: new SeededRandom(1) });
    const op = c.operation('order', { request: () => ({ method: 'POST', url: '/order', params: { recvWindow: 120_000 } }) });
    const error = await op({}, { businessId: 'big' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(/recvWindow 120000 ms is above the 60000 ms/);
    expect(sent).toHaveLength(0);
    const [record] = await c.list({});
    expect(record).toMatchObject({ status: 'failed' });
  });

  it('keeps the longest window of all attempts: a short second window does not shorten the first', async () => {
    // A key-store venue resends the same key at once (the resend is the reconcile), so
    // attempt 2 leaves while attempt 1's long window still runs. Its answer is a replayed
    // stored error, which sends the intent to a lookup; the lookup's miss may only be
    // believed once attempt 1's window has passed, not attempt 2's.
    const keyStoreVenue = defineVenue({
      ...venue,
      name: 'window-store',
      dedupe: { kind: 'keyStore', retentionMs: 86_400_000 },
      response: { ...venue.response, replayedHeader: 'Idempotent-Replayed' },
    });
    const clock = new ManualClock();
    let posts = 0;
    const { adapter, sent } = scripted(clock, (req) => {
      if (req.method === 'POST') return ++posts === 1 ? { status: 500 } : { status: 500, headers: { 'idempotent-replayed': 'true' } };
      return { status: 404 };
    });
    let attempt = 0;
    const c = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test' }), {
      venue: keyStoreVenue,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      attemptTimeoutMs: 1_000,
      retry: { maxAttempts: 3, deadlineMs: 3_600_000 },
    });
    const op = c.operation('order', { request: () => ({ method: 'POST', url: '/order', params: { recvWindow: ++attempt === 1 ? 50_000 : 1_000 } }) });
    await expect(op({}, { businessId: 'two' })).rejects.toMatchObject({ name: 'VenueRejectedError' });
    const writes = sent.filter((r) => r.method === 'POST');
    expect(writes).toHaveLength(2);
    const lookups = sent.filter((r) => r.method === 'GET');
    const decisive = lookups.at(-1) as Sent;
    // Believed only once attempt 1's window (50 s + 1 s allowance) had passed since it left.
    expect(decisive.at - (writes[0] as Sent).at).toBeGreaterThanOrEqual(51_000);
  });

  it('after a crash, the settle instant carried on the in-flight record still holds', async () => {
    // Attempt 1 (long window) ended unknown; attempt 2 was in flight when the process
    // died. The in-flight record carries attempt 1's settle instant, so the restarted
    // client may not believe a "not found" before it, although its own fallback
    // (settleDelayMs 2 s from attempt 2's latest dispatch) would allow it much sooner.
    const short = extendVenue(venue, { reconcile: { settleDelayMs: 2_000 } });
    const clock = new ManualClock();
    const { adapter, sent } = scripted(clock, (req) => (req.method === 'GET' ? { status: 404 } : { status: 200 }));
    const ledger = new MemoryLedger();
    const waits: Array<IntentEventMap['retryScheduled']> = [];
    const c = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test' }), {
      venue: short,
      ledger,
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(1),
      attemptTimeoutMs: 1_000,
      on: { retryScheduled: (e) => waits.push(e) },
    });
    const op = c.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    const draft = c.prepare(op, {}, { businessId: 'crash' });
    const t0 = clock.now();
    await ledger.create(draft, t0);
    const claim = await ledger.claim(draft.id, { owner: 'dead', leaseMs: 1_000, now: t0 });
    await ledger.transition(draft.id, {
      expectStatus: 'pending',
      expectEpoch: claim.record.epoch,
      to: 'inFlight',
      attempt: 1,
      now: t0,
      outcome: { kind: 'inFlight', reason: 'attempt in flight', settleAt: t0 + 50_000 },
    });
    clock.advance(5_000); // the dead worker's lease has ended
    await op({}, { businessId: 'crash' });
    const settle = waits.filter((w) => w.cause === 'settle');
    // The resend waited for the carried instant (t0 + 50 s), not for the 2 s fallback.
    expect(settle.reduce((sum, w) => sum + w.delayMs, 0)).toBeGreaterThanOrEqual(45_000 - 1);
    const resend = sent.find((r) => r.method === 'POST');
    expect(resend?.at).toBeGreaterThanOrEqual(t0 + 50_000);
  });
});
