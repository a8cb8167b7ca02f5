import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, extendVenue, FileLedger, isAmbiguousOutcomeError, MemoryLedger, stripe } from '../../src/index.js';
import type { IntentClientOptions, IntentEventMap, LedgerStore } from '../../src/index.js';
import type { IntentMetrics } from '../../src/observability/metrics.js';
import { ManualClock, SeededRandom, startFakeVenue, type FakeVenue, type FakeVenueOptions } from '../../src/testing/index.js';

/**
 * Ground truth for the metrics: the fake venue counts what really reached it (writes,
 * executions per business id, key-store replays, faults drawn), and the client's
 * `metrics()` must agree with those counts exactly, through seeded faults and through a
 * process killed with intents in flight and a second one that recovers them.
 */

const venues: FakeVenue[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
async function venue(options: FakeVenueOptions): Promise<FakeVenue> {
  const v = await startFakeVenue(options);
  venues.push(v);
  return v;
}

type Seen = { [K in keyof IntentEventMap]: Array<IntentEventMap[K]> };
/** Every event name, checked against IntentEventMap by the compiler. */
const EVENT_NAMES = Object.keys({
  attemptStarted: 1,
  retryScheduled: 1,
  outcome: 1,
  reconcile: 1,
  warning: 1,
  rateLimitUsage: 1,
  intentParked: 1,
  recoveryStarted: 1,
  recoveryProgress: 1,
  recoveryFinished: 1,
  intentStarted: 1,
  intentFinished: 1,
  lookupStarted: 1,
  lookupFinished: 1,
  idempotencyConflict: 1,
  keyExpired: 1,
  intentResolved: 1,
  ledger: 1,
  requestHeld: 1,
  breakerStateChanged: 1,
} satisfies Record<keyof IntentEventMap, 1>) as Array<keyof IntentEventMap>;

/** Records every event a client emits, for cross-checks that do not go through the collector. */
function recorder(): { seen: Seen; on: NonNullable<IntentClientOptions['on']> } {
  const seen = Object.fromEntries(EVENT_NAMES.map((n) => [n, []])) as unknown as Seen;
  const on = Object.fromEntries(EVENT_NAMES.map((n) => [n, (e: never) => (seen[n] as unknown[]).push(e)])) as NonNullable<IntentClientOptions['on']>;
  return { seen, on };
}

/** A ledger that counts the records it was asked to write (creates that created, transitions that applied). */
function counting(inner: LedgerStore): { ledger: LedgerStore; writes: () => number } {
  let count = 0;
  const ledger: LedgerStore = {
    capabilities: inner.capabilities,
    create: async (draft, now, inFlight) => {
      const r = await inner.create(draft, now, inFlight);
      if (r.created) count++;
      return r;
    },
    get: (id) => inner.get(id),
    claim: (id, request) => inner.claim(id, request),
    transition: async (id, request) => {
      const r = await inner.transition(id, request);
      count++;
      return r;
    },
    release: (id, owner, epoch) => inner.release(id, owner, epoch),
    listResumable: () => inner.listResumable(),
    close: () => inner.close(),
  };
  if (inner.list) ledger.list = inner.list.bind(inner);
  if (inner.observe) ledger.observe = inner.observe.bind(inner);
  return { ledger, writes: () => count };
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);
const exchangeVenue = extendVenue(binanceSpot, { name: 'fake-binance', reconcile: { settleDelayMs: 1_000 } });
const orderRequest = (o: { i: number }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'X', type: 'MARKET', businessId: `o${o.i}` } });

/**
 * `attemptTimeoutMs` is real time (axios's timeout): kept well above a loaded machine's
 * localhost round trip, so only the venue's held answers (`delay`, held longer) time out.
 */
function exchangeClient(v: FakeVenue, clock: ManualClock, ledger: LedgerStore, on: NonNullable<IntentClientOptions['on']>, http: AxiosInstance = axios.create({ baseURL: v.url }), seed = 5) {
  const client = createIntentClient(http, {
    venue: exchangeVenue,
    ledger,
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(seed),
    attemptTimeoutMs: 1_000,
    retry: { maxAttempts: 10, deadlineMs: 600_000 },
    maxLookups: 10,
    on,
  });
  const place = client.operation('order.create', { request: orderRequest });
  return { client, place };
}

/** Relations that hold for every client, whatever the venue did. */
function expectConsistent(m: IntentMetrics, seen: Seen): void {
  expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  expect(m.writes.sent).toBe(seen.attemptStarted.length);
  expect(sum(Object.values(m.outcomes))).toBe(seen.outcome.length);
  expect(m.lookups.started).toBe(seen.lookupStarted.length);
  expect(sum(Object.values(m.lookups.byVerdict))).toBe(seen.lookupFinished.length);
  expect(m.intents.started).toBe(seen.intentStarted.length);
  expect(m.intents.finished).toBe(seen.intentFinished.length);
  expect(m.intents.attempts.sum).toBe(sum(seen.intentFinished.map((e) => e.attempts)));
  expect(m.duplicatesPrevented.reconcileFound).toBe(seen.intentFinished.filter((e) => e.reconciled && !e.replayedFromLedger).length);
  expect(m.duplicatesPrevented.ledgerReplay).toBe(seen.intentFinished.filter((e) => e.replayedFromLedger).length);
  // Settled by a lookup: exactly the intents a `reconcile` event settled with "found".
  const settledByLookup = new Set(seen.reconcile.filter((e) => e.lookup === 'found' && e.action === 'settled').map((e) => e.intentId));
  expect(m.duplicatesPrevented.reconcileFound).toBe(settledByLookup.size);
  expect(m.lookups.decisions.settled).toBe(seen.reconcile.filter((e) => e.action === 'settled').length);
  // Protection: every hold, protection wait and breaker change is an event, counted once.
  for (const cause of ['circuitOpen', 'retryBudget', 'rateLimiter'] as const) {
    for (const action of ['wait', 'stop', 'park'] as const) {
      expect(m.protection.held[cause][action], `${cause} ${action}`).toBe(seen.requestHeld.filter((e) => e.cause === cause && e.action === action).length);
    }
    const waits = seen.retryScheduled.filter((e) => e.cause === cause);
    expect(m.protection.waits[cause]).toEqual({ count: waits.length, totalMs: sum(waits.map((e) => e.delayMs)), maxMs: Math.max(0, ...waits.map((e) => e.delayMs)) });
  }
  expect(m.protection.budgetRefusals).toBe(seen.requestHeld.filter((e) => e.cause === 'retryBudget').length);
  expect(sum(Object.values(m.protection.heldByLimit))).toBe(seen.requestHeld.filter((e) => e.cause === 'rateLimiter').length);
  for (const to of ['closed', 'halfOpen', 'open'] as const) expect(m.protection.breakerTransitions[to]).toBe(seen.breakerStateChanged.filter((e) => e.to === to).length);
  const last = seen.breakerStateChanged.at(-1);
  if (last !== undefined) expect(m.protection.breakers.find((b) => b.operation === (last.operation ?? null))?.position).toBe(last.to);
}

describe('metrics against the fake venue’s own counts', () => {
  it('exchange with seeded faults (lost answers, 500s after executing, 503s, 429s, held answers): the client’s counts are the venue’s', async () => {
    const clock = new ManualClock();
    const faults = { executeThenDrop: 0.1, executeThen500: 0.08, reject503: 0.06, delay: 0.05, rateLimit: 0.05 };
    const v = await venue({ mode: 'exchange', seed: 11, faults, delayMs: 1_500, retryAfterSeconds: 0, now: () => clock.now() });
    const { seen, on } = recorder();
    const { client, place } = exchangeClient(v, clock, new MemoryLedger(), on);
    const ORDERS = 60;
    for (let i = 0; i < ORDERS; i++) await place({ i }, { businessId: `o${i}` });
    // The same business actions again: answered from the ledger, nothing sent.
    const REPEATS = 15;
    const before = v.stats();
    for (let i = 0; i < REPEATS; i++) await expect(place({ i }, { businessId: `o${i}` })).resolves.toMatchObject({ replayed: true });
    expect(v.stats()).toEqual(before);

    const m = client.metrics();
    const stats = v.stats();
    const f = stats.faultsInjected;
    expectConsistent(m, seen);
    // What reached the venue.
    expect(m.writes.sent).toBe(stats.writes);
    expect(stats.duplicates).toBe(0);
    expect([...v.executions().values()]).toEqual(Array.from({ length: ORDERS }, () => 1));
    expect(m.writes.objects).toBe(stats.businessIds);
    expect(m.writes.firstSends).toBe(ORDERS);
    expect(m.writes.perObject).toBe(stats.writes / ORDERS);
    // Every order executed once: either its success answer came back, or a lookup found it.
    expect(m.outcomes['success']! + m.duplicatesPrevented.reconcileFound).toBe(stats.executions);
    // Writes that executed but whose answer was lost (dropped, a 500, held past the timeout)
    // are exactly the intents settled by a lookup: none was resent.
    expect(m.duplicatesPrevented.reconcileFound).toBe(f.executeThenDrop + f.executeThen500 + f.delay);
    expect(m.outcomes['unknown']).toBe(f.executeThenDrop + f.executeThen500 + f.delay + f.reject503); // Binance: a 503 may have executed
    // 429s refused without executing: each one a rate-limited outcome and a rate-limit wait before the resend.
    expect(m.outcomes['rateLimited']).toBe(f.rateLimit);
    expect(m.retries.byCause['rateLimited'] ?? 0).toBe(f.rateLimit);
    expect(m.rateLimits.rateLimited.count).toBe(f.rateLimit);
    // Writes that executed nothing: the 503s and 429s. Each was resent once it was known unexecuted.
    expect(stats.writes - stats.executions).toBe(f.reject503 + f.rateLimit);
    expect(m.duplicatesPrevented.ledgerReplay).toBe(REPEATS);
    expect(m.intents).toMatchObject({ started: ORDERS + REPEATS, startedByCall: ORDERS + REPEATS, resumed: REPEATS, finished: ORDERS + REPEATS });
    expect(m.intents.results.succeeded).toBe(ORDERS + REPEATS);
    expect(m.intents.attempts.count).toBe(ORDERS);
    expect(m.intents.attempts.sum).toBe(stats.writes);
    // Recovered: the orders whose first write did not settle them (refused, or its answer
    // lost), i.e. that needed a second write or a lookup; a ledger replay never counts.
    expect(m.intents.recovered).toBe(seen.intentFinished.filter((e) => !e.replayedFromLedger && (e.attempts > 1 || e.reconciled)).length);
    expect(m.intents.recovered).toBeGreaterThanOrEqual(m.duplicatesPrevented.reconcileFound);
    expect(m.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
    expect(m.ledger.flushes).toBe(0); // MemoryLedger reports nothing
    // The run is not trivial: every fault happened.
    for (const fault of ['executeThenDrop', 'executeThen500', 'reject503', 'delay', 'rateLimit'] as const) expect(f[fault], fault).toBeGreaterThan(0);
  }, 30_000);

  it('payments with a key store (lost answers, stored 500s, 503s, 429s): venue replays are the client’s replayed answers', async () => {
    const clock = new ManualClock();
    const faults = { executeThenDrop: 0.12, executeThen500: 0.06, reject503: 0.08, rateLimit: 0.08 };
    const v = await venue({ mode: 'payments', seed: 12, faults, retryAfterSeconds: 1, now: () => clock.now() });
    const { seen, on } = recorder();
    const client = createIntentClient(axios.create({ baseURL: v.url }), {
      venue: stripe,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(6),
      attemptTimeoutMs: 500,
      retry: { maxAttempts: 8, deadlineMs: 3_600_000 },
      on,
    });
    const pay = client.operation('payment.create', {
      request: (p: { i: number }) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, businessId: `p${p.i}`, metadata: { businessId: `p${p.i}` } } }),
    });
    const PAYMENTS = 60;
    const ambiguous: string[] = [];
    for (let i = 0; i < PAYMENTS; i++) {
      await pay({ i }, { businessId: `p${i}` }).catch((e: unknown) => {
        if (!isAmbiguousOutcomeError(e)) throw e;
        ambiguous.push(`p${i}`);
      });
    }
    const REPEATS = 10;
    let replayed = 0;
    for (let i = 0; i < PAYMENTS && replayed < REPEATS; i++) {
      if (ambiguous.includes(`p${i}`)) continue;
      await expect(pay({ i }, { businessId: `p${i}` })).resolves.toMatchObject({ replayed: true });
      replayed++;
    }

    const m = client.metrics();
    const stats = v.stats();
    const f = stats.faultsInjected;
    expectConsistent(m, seen);
    expect(m.writes.sent).toBe(stats.writes);
    expect(stats.duplicates).toBe(0);
    expect(stats.executions).toBe(PAYMENTS);
    expect([...v.executions().values()]).toEqual(Array.from({ length: PAYMENTS }, () => 1));
    expect(m.writes.objects).toBe(stats.businessIds);
    // Every answer the venue served from its key store is one the client saw as replayed.
    expect(m.writes.venueReplayed).toBe(stats.replays);
    expect(m.writes.venueReplayed).toBe(seen.outcome.filter((e) => e.outcome.replayed === true).length);
    // Runs with a replayed answer are runs the venue's answer kept from executing twice.
    expect(m.duplicatesPrevented.venueAnswer).toBe(new Set(seen.outcome.filter((e) => e.outcome.replayed === true || e.outcome.kind === 'conflict').map((e) => e.intentId)).size);
    expect(m.duplicatesPrevented.ledgerReplay).toBe(REPEATS);
    expect(m.outcomes['rateLimited']).toBe(f.rateLimit);
    expect(m.rateLimits.rateLimited.count).toBe(f.rateLimit);
    // Each waited at least the Retry-After (1 s) the venue asked for.
    expect(m.rateLimits.rateLimited.totalMs).toBeGreaterThanOrEqual(f.rateLimit * 1_000);
    // Ambiguous at the end: only keys whose stored answer is a 500 (the payment exists).
    expect(m.intents.results.ambiguous).toBe(ambiguous.length);
    expect(ambiguous.length).toBeLessThanOrEqual(stats.storedErrors);
    expect(m.statusNow.unknown + m.statusNow.parked).toBe(ambiguous.length);
    expect(m.statusNow.unknown + m.statusNow.parked).toBe((await client.list({ status: ['unknown', 'parked'] })).length);
    for (const fault of ['executeThenDrop', 'executeThen500', 'reject503', 'rateLimit'] as const) expect(f[fault], fault).toBeGreaterThan(0);
    expect(stats.replays).toBeGreaterThan(0);
  }, 30_000);

  it('exchange with protection on (retry budget, breaker, limiter) and seeded faults: protection’s counts are its events, its parts’ own state and the venue’s', async () => {
    const clock = new ManualClock();
    const faults = { executeThenDrop: 0.12, executeThen500: 0.1, reject503: 0.12, rateLimit: 0.04 };
    const v = await venue({ mode: 'exchange', seed: 31, faults, retryAfterSeconds: 0, now: () => clock.now() });
    const { seen, on } = recorder();
    // When each write reached the venue, on the client's clock (the limiter's time).
    const writesAt: number[] = [];
    const http = axios.create({ baseURL: v.url });
    http.interceptors.request.use((config) => {
      if (config.intentkey?.purpose === 'send') writesAt.push(clock.now());
      return config;
    });
    const client = createIntentClient(http, {
      venue: exchangeVenue,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(9),
      attemptTimeoutMs: 1_000,
      retry: { maxAttempts: 10, deadlineMs: 3_600_000 },
      maxLookups: 10,
      protection: {
        retryBudget: { capacity: 2, ratio: 0.05, minPerSecond: 0.5 },
        breaker: { consecutiveFailures: 2, openMs: 2_000, whenOpen: 'wait' },
        // A fifth of each published limit: 10 orders per 10 s, so the burst of orders is held.
        limiter: { headroom: 0.2 },
      },
      on,
    });
    const place = client.operation('order.create', { request: orderRequest });
    const ORDERS = 80;
    for (let i = 0; i < ORDERS; i++) await place({ i }, { businessId: `o${i}` });

    const m = client.metrics();
    const p = m.protection;
    const stats = v.stats();
    expectConsistent(m, seen);
    // The venue executed every order once, with protection holding requests back.
    expect(stats.duplicates).toBe(0);
    expect([...v.executions().values()]).toEqual(Array.from({ length: ORDERS }, () => 1));
    expect(m.writes.sent).toBe(stats.writes);
    expect(m.intents.results.succeeded).toBe(ORDERS);
    // Every part held something back, and every hold waited (the deadline is far).
    expect(p.held.rateLimiter.wait).toBeGreaterThan(0);
    expect(p.held.retryBudget.wait).toBeGreaterThan(0);
    expect(p.held.circuitOpen.wait).toBeGreaterThan(0);
    for (const cause of ['circuitOpen', 'retryBudget', 'rateLimiter'] as const) {
      expect(p.held[cause].stop + p.held[cause].park, cause).toBe(0);
      expect(p.waits[cause].count, cause).toBe(p.held[cause].wait);
    }
    expect(p.breakerTransitions.open).toBeGreaterThan(0);
    // The limit that held the burst of orders is the profile's 10-second order limit; no
    // 10-second window ever saw more writes than the limiter allows.
    expect(Object.keys(p.heldByLimit)).toContain('orders-10s');
    const state = await client.protection();
    const orders10s = state.limits?.find((l) => l.id === 'orders-10s');
    expect(orders10s).toBeDefined();
    const windowMs = orders10s?.windowMs ?? 0;
    for (const at of writesAt) {
      const start = Math.floor(at / windowMs) * windowMs;
      expect(writesAt.filter((t) => t >= start && t < start + windowMs).length).toBeLessThanOrEqual(orders10s?.allowed ?? 0);
    }
    // The budget's own counts: its refusals are this client's (not shared), its spending one
    // token per resend and lookup let through.
    expect(state.retryBudget?.refused).toBe(p.budgetRefusals);
    expect(state.retryBudget?.spent).toBe(seen.attemptStarted.filter((e) => e.attempt > 1).length + seen.lookupStarted.length);
    // The breaker's position is the last change seen (an open one whose time is up reads half-open).
    const breaker = p.breakers[0];
    expect(p.breakers).toHaveLength(1);
    expect(breaker).toMatchObject({ venue: 'fake-binance', operation: null, transitions: seen.breakerStateChanged.length });
    const reported = state.breakers?.[0]?.position;
    expect(breaker?.position === 'open' && clock.now() >= (breaker.retryAt ?? Infinity) ? 'halfOpen' : breaker?.position).toBe(reported);
    await client.close();
  }, 30_000);

  it('a process killed with intents in flight, then a restart that recovers them on the same file ledger: both lives’ metrics add up to the venue', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intentkey-metrics-'));
    dirs.push(dir);
    const clock = new ManualClock();
    const faults = { executeThenDrop: 0.1, executeThen500: 0.08, reject503: 0.08, rateLimit: 0.05 };
    const v = await venue({ mode: 'exchange', seed: 21, faults, retryAfterSeconds: 0, now: () => clock.now() });
    const ORDERS = 40;
    const KILL_AFTER_WRITES = 25;

    // Life 1: orders placed concurrently; after the 25th write has reached the venue the
    // process "dies": nothing it does from then on has any effect (every answer, and every
    // request not yet sent, hangs forever), its ledger is closed as a killed process's would be.
    const file1 = counting(await FileLedger.open({ dir }));
    const http1 = axios.create({ baseURL: v.url });
    let killed = false;
    let writesAnswered = 0;
    let hungBeforeSend = 0;
    let hungAfter200 = 0;
    let hungWrites = 0;
    let hung = 0;
    let settled = 0;
    let quiet: () => void = () => undefined;
    const allStopped = new Promise<void>((resolve) => (quiet = resolve));
    const check = (): void => {
      if (settled + hung === ORDERS) quiet();
    };
    const isWrite = (config: InternalAxiosRequestConfig | undefined): boolean => config?.intentkey?.purpose === 'send';
    const hang = <T>(config: InternalAxiosRequestConfig | undefined): Promise<T> => {
      hung++;
      if (isWrite(config)) hungWrites++;
      check();
      return new Promise<T>(() => undefined);
    };
    http1.interceptors.request.use((config) => {
      if (!killed) return config;
      if (isWrite(config)) hungBeforeSend++;
      return hang(config);
    });
    http1.interceptors.response.use(
      (response) => {
        if (killed) {
          if (isWrite(response.config) && response.status === 200) hungAfter200++;
          return hang(response.config);
        }
        if (isWrite(response.config) && ++writesAnswered === KILL_AFTER_WRITES) killed = true;
        return response;
      },
      (error: Error & { config?: InternalAxiosRequestConfig }) => {
        if (killed) return hang(error.config);
        if (isWrite(error.config) && ++writesAnswered === KILL_AFTER_WRITES) killed = true;
        return Promise.reject(error);
      },
    );
    const life1 = recorder();
    const first = exchangeClient(v, clock, file1.ledger, life1.on, http1, 7);
    const results1 = new Map<number, 'ok' | 'error'>();
    for (let i = 0; i < ORDERS; i++) {
      first.place({ i }, { businessId: `o${i}` }).then(
        () => {
          results1.set(i, 'ok');
          settled++;
          check();
        },
        () => {
          results1.set(i, 'error');
          settled++;
          check();
        },
      );
    }
    await allStopped;
    const m1 = first.client.metrics();
    expectConsistent(m1, life1.seen);
    // Attempts classified: all but the writes life 1 died in.
    expect(m1.writes.sent - sum(Object.values(m1.outcomes))).toBe(hungWrites);
    const unfinished = ORDERS - [...results1.values()].filter((r) => r === 'ok').length;
    expect(unfinished).toBeGreaterThan(0);
    // Life 1's gauges are its own view of the intents it left: all of them, as the ledger has them.
    const left = await file1.ledger.listResumable();
    expect(left).toHaveLength(unfinished);
    expect(m1.statusNow.pending + m1.statusNow.inFlight + m1.statusNow.unknown + m1.statusNow.parked).toBe(unfinished);
    expect(m1.statusNow.inFlight).toBe(left.filter((r) => r.status === 'inFlight').length);
    expect(m1.statusNow.unknown).toBe(left.filter((r) => r.status === 'unknown').length);
    // Every record it wrote was reported by the file ledger's group commits.
    expect(m1.ledger.records).toBe(file1.writes());
    expect(m1.ledger.flushes).toBeGreaterThan(0);
    expect(m1.ledger.flushes).toBeLessThanOrEqual(m1.ledger.records);
    expect(m1.ledger.flushRecords.sum).toBe(m1.ledger.records);
    expect(m1.ledger.flushLatencyMs.count).toBe(m1.ledger.flushes);
    await file1.ledger.close();

    // Life 2: a new process opens the same directory and recovers, then repeats every call.
    clock.advance(60_000);
    const file2 = counting(await FileLedger.open({ dir }));
    const life2 = recorder();
    const second = exchangeClient(v, clock, file2.ledger, life2.on, undefined, 8);
    const report = await second.client.recover();
    expect(report.resumed).toBe(unfinished);
    expect(report.succeeded).toBe(unfinished);
    for (let i = 0; i < ORDERS; i++) await expect(second.place({ i }, { businessId: `o${i}` })).resolves.toMatchObject({ replayed: true });
    const m2 = second.client.metrics();

    const stats = v.stats();
    const f = stats.faultsInjected;
    expectConsistent(m2, life2.seen);
    expect(stats.duplicates).toBe(0);
    expect([...v.executions().values()]).toEqual(Array.from({ length: ORDERS }, () => 1));
    // Writes: what both lives sent is what reached the venue, plus the sends life 1 had
    // recorded as started when it died but never put on the wire.
    expect(m1.writes.sent + m2.writes.sent).toBe(stats.writes + hungBeforeSend);
    expect(m1.writes.sent).toBe(life1.seen.attemptStarted.length);
    // Each business object was first sent once, in life 1; life 2 only resent.
    expect(m1.writes.firstSends).toBe(ORDERS);
    expect(m2.writes.firstSends).toBe(0);
    expect(m1.writes.objects).toBe(ORDERS);
    expect(m2.writes.objects).toBeLessThanOrEqual(unfinished);
    // Settled by lookup: every order whose success answer never reached a live process —
    // the faults that execute and lose the answer, the 200s life 1 died on (and any answer
    // that outran the client's timeout): each order executed once, and either its answer
    // or a lookup told one of the two lives.
    const reconciled = m1.duplicatesPrevented.reconcileFound + m2.duplicatesPrevented.reconcileFound;
    expect(m1.outcomes['success']! + m2.outcomes['success']! + reconciled).toBe(stats.executions);
    expect(reconciled).toBeGreaterThanOrEqual(f.executeThenDrop + f.executeThen500 + hungAfter200);
    expect(reconciled).toBe(new Set([...life1.seen.reconcile, ...life2.seen.reconcile].filter((e) => e.lookup === 'found' && e.action === 'settled').map((e) => e.intentId)).size);
    expect(m2.recoveryPasses).toBe(1);
    expect(m2.intents.startedByRecovery).toBe(unfinished);
    expect(m2.intents.results.succeeded).toBe(unfinished + ORDERS);
    // Every call of life 2 was a repeat of a finished business action: answered from the ledger.
    expect(m2.duplicatesPrevented.ledgerReplay).toBe(ORDERS);
    expect(m2.statusNow).toEqual({ pending: 0, inFlight: 0, unknown: 0, parked: 0 });
    // Both lives' outcomes: one per write that got an answer to a live process.
    expect(m1.outcomes['rateLimited']! + m2.outcomes['rateLimited']!).toBeLessThanOrEqual(f.rateLimit);
    // The second ledger reported every record life 2 wrote, and nothing of life 1's.
    expect(m2.ledger.records).toBe(file2.writes());
    await second.client.close();
  }, 30_000);
});
