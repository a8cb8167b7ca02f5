import axios from 'axios';
import { http as mswHttp, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AmbiguousOutcomeError,
  binanceSpot,
  CircuitBreaker,
  CircuitOpenError,
  ConfigurationError,
  createIntentClient,
  extendVenue,
  LocalRateLimiter,
  RetriesExhaustedError,
  type BreakerStateChangedEvent,
  type IntentClient,
  type IntentClientOptions,
  type IntentResult,
  type RateLimiter,
  type RequestHeldEvent,
  type RetryScheduledEvent,
  type VenueProfile,
} from '../../src/index.js';
import { RedisRateLimiter } from '../../src/stores/redis/index.js';
import { createVenueSim, ManualClock, MemoryLedger, SeededRandom, type VenueSim } from '../../src/testing/index.js';
import { testExchange } from '../helpers/profiles.js';
import { closeClients, connect, deletePrefix, randomPrefix, REDIS_URL, warnIfSkipped } from '../helpers/redis.js';

/**
 * The client's protection (option `protection`: retry budget, circuit breaker, rate
 * limiter) end to end: the real client, a `MemoryLedger`, a `ManualClock` whose sleep is
 * the client's, and the venue simulator behind msw. A front handler in front of the
 * simulator plays the outage: it refuses writes without passing them on (503 -1001, which
 * the test profile says was not processed), or passes a write on and loses its answer, or
 * loses a request before the venue; and it records every request that reached the HTTP
 * layer, so "nothing was sent" is checked where it happens.
 */

/** On a minute boundary, so the simulator's weight window and the limiter's start together. */
const T0 = 1_767_225_600_000;
const BASE = 'https://venue.protection.test';

/** Binance spot, with the front's 503 -1001 read as "not processed" (a retry), so intents it refuses stay pending. */
const SIM_VENUE: VenueProfile = extendVenue(binanceSpot, {
  name: 'binance-sim',
  errors: [{ match: { status: 503, code: '-1001' }, outcome: 'retry' }],
});

/** The same venue publishing a small weight limit: 3 per minute, reported in the simulator's usage header. */
const SMALL_LIMIT_VENUE: VenueProfile = extendVenue(SIM_VENUE, {
  name: 'binance-sim-small',
  rateLimit: {
    limits: [{ id: 'weight-1m', limit: 3, windowMs: 60_000, unit: 'weight', per: 'ip', writeCost: 1, readCost: 1, usageHeader: 'x-mbx-used-weight-1m' }],
  },
});
const SMALL_LIMITS = SMALL_LIMIT_VENUE.rateLimit.limits ?? [];

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

/**
 * What the front does with a write: pass it on (`ok`); refuse it without passing it on
 * (`refused`, 503 -1001); pass it on and lose the answer (`executedNoAnswer`); lose it
 * before the venue (`lostNoAnswer`). The last two look alike to the client: unknown.
 */
type WriteFate = 'ok' | 'refused' | 'executedNoAnswer' | 'lostNoAnswer';

/** One request as the front saw it. */
interface Seen {
  readonly method: string;
  readonly write: boolean;
  /** The client order id it carried (`newClientOrderId`, or `origClientOrderId` for a lookup). */
  readonly key: string | undefined;
  readonly at: number;
  /** The breaker's position when it arrived, when the test gave one to watch. */
  readonly position: string | undefined;
  readonly fate: WriteFate | 'read' | 'readRefused';
}

interface Front {
  writes: WriteFate;
  reads: 'ok' | 'refused';
  readonly sim: VenueSim;
  readonly seen: Seen[];
  /** Writes that reached the front, whatever their fate. */
  writesSeen(): Seen[];
  readsSeen(): Seen[];
  /** Holds the next request at the front until `release()`; `reached` resolves when it arrives. */
  holdNext(): { readonly reached: Promise<void>; readonly release: () => void };
  /** Reports the breaker's position with each request. */
  watch(breaker: CircuitBreaker): void;
}

function startFront(clock: ManualClock, options: { readonly weightLimit?: number } = {}): Front {
  const sim = createVenueSim({ mode: 'exchange', now: () => clock.now(), ...(options.weightLimit === undefined ? {} : { weightLimit: { limit: options.weightLimit } }) });
  let hold: { arrived: () => void; gate: Promise<void> } | undefined;
  let watched: CircuitBreaker | undefined;
  const front: Front = {
    writes: 'ok',
    reads: 'ok',
    sim,
    seen: [],
    writesSeen: () => front.seen.filter((s) => s.write),
    readsSeen: () => front.seen.filter((s) => !s.write),
    holdNext() {
      let arrived!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((done) => (arrived = done));
      hold = { arrived, gate: new Promise<void>((done) => (release = done)) };
      return { reached, release };
    },
    watch(breaker) {
      watched = breaker;
    },
  };
  server.use(
    mswHttp.all(`${BASE}/*`, async ({ request }) => {
      const url = new URL(request.url);
      const write = request.method === 'POST';
      const fate: Seen['fate'] = write ? front.writes : front.reads === 'ok' ? 'read' : 'readRefused';
      front.seen.push({
        method: request.method,
        write,
        key: url.searchParams.get('newClientOrderId') ?? url.searchParams.get('origClientOrderId') ?? undefined,
        at: clock.now(),
        position: watched?.snapshot(clock.now())[0]?.position,
        fate,
      });
      const held = hold;
      if (held !== undefined) {
        hold = undefined;
        held.arrived();
        await held.gate;
      }
      if (fate === 'refused' || fate === 'readRefused') {
        return HttpResponse.json({ code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }, { status: 503 });
      }
      if (fate === 'lostNoAnswer') return HttpResponse.error();
      const headers: Record<string, string> = {};
      request.headers.forEach((value, name) => {
        headers[name] = value;
      });
      const body = write ? await request.text() : '';
      const answer = sim.handle({ method: request.method, url: `${url.pathname}${url.search}`, headers, body });
      if (answer.kind !== 'respond' || fate === 'executedNoAnswer') return HttpResponse.error();
      const { response } = answer;
      return HttpResponse.json(response.body as Parameters<typeof HttpResponse.json>[0], { status: response.status, headers: { ...response.headers } });
    }),
  );
  return front;
}

/** What a test client reports through its events. */
interface ClientEvents {
  readonly breaker: BreakerStateChangedEvent[];
  readonly held: RequestHeldEvent[];
  readonly scheduled: RetryScheduledEvent[];
}

interface TestClient {
  readonly client: IntentClient;
  readonly ledger: MemoryLedger;
  /** Places the order of business id `id` (input `{ id }`). */
  readonly place: (id: string) => Promise<IntentResult<unknown>>;
  readonly events: ClientEvents;
}

/** Wake times of the sleeps each clock has pending (the client's sleep is tracked through {@link trackedSleep}). */
const wakeTimes = new WeakMap<ManualClock, Map<object, number>>();

/** `clock.sleep`, with its wake time noted so {@link drive} knows how far to move the clock. */
function trackedSleep(clock: ManualClock): (ms: number, signal?: AbortSignal) => Promise<void> {
  const wakes = wakeTimes.get(clock) ?? new Map<object, number>();
  wakeTimes.set(clock, wakes);
  return (ms, signal) => {
    const token = {};
    wakes.set(token, clock.now() + Math.max(0, ms));
    return clock.sleep(ms, signal).finally(() => wakes.delete(token));
  };
}

/**
 * Settles `calls` on a clock without auto-advance: whenever every call still open is
 * asleep (none is in a request), moves the clock to the earliest wake time. So time
 * passes only while nothing is on the wire, as if requests took no time.
 */
async function drive<T>(clock: ManualClock, calls: readonly Promise<T>[]): Promise<T[]> {
  let open = calls.length;
  let changed: () => void = () => undefined;
  for (const call of calls) {
    void call.then(
      () => undefined,
      () => undefined,
    ).finally(() => {
      open--;
      changed();
    });
  }
  while (open > 0) {
    const finished = new Promise<void>((done) => (changed = done));
    await Promise.race([finished, clock.whenSleeping(open)]);
    if (open === 0 || clock.pendingSleeps < open) continue;
    const next = Math.min(...(wakeTimes.get(clock)?.values() ?? []));
    if (Number.isFinite(next) && next > clock.now()) clock.set(next);
  }
  return Promise.all(calls);
}

function makeClient(clock: ManualClock, options: Partial<IntentClientOptions> & { readonly venue?: VenueProfile } = {}): TestClient {
  const ledger = new MemoryLedger();
  const client = createIntentClient(axios.create({ baseURL: BASE }), {
    venue: SIM_VENUE,
    ledger,
    clock,
    sleep: trackedSleep(clock),
    random: new SeededRandom(7),
    ...options,
    retry: { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 100, deadlineMs: 120_000, ...(typeof options.retry === 'object' ? options.retry : {}) },
  });
  const events: ClientEvents = { breaker: [], held: [], scheduled: [] };
  client.on('breakerStateChanged', (e) => events.breaker.push(e));
  client.on('requestHeld', (e) => events.held.push(e));
  client.on('retryScheduled', (e) => events.scheduled.push(e));
  const op = client.operation('order.create', {
    request: (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', businessId: o.id } }),
  });
  return { client, ledger, events, place: (id) => op({ id }, { businessId: id }) };
}

/** The error a call ends with (a test failure when it resolves). */
async function failure(call: Promise<unknown>): Promise<unknown> {
  return call.then(
    (value) => {
      throw new Error(`expected the call to fail, it resolved with ${JSON.stringify(value)}`);
    },
    (error: unknown) => error,
  );
}

const moves = (events: readonly BreakerStateChangedEvent[]): string[] => events.map((e) => `${e.from}->${e.to}`);

describe('circuit breaker, whenOpen: fail', () => {
  const breaker = { consecutiveFailures: 3, openMs: 10_000, whenOpen: 'fail' } as const;

  it('opens after 3 failures; a pending resend is refused (recorded) and stays pending; a new call writes and sends nothing; one probe after openMs; a success closes it', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { client, ledger, place, events } = makeClient(clock, { protection: { breaker } });
    front.writes = 'refused';

    // a: three refusals in a row open the breaker; its next resend is refused by it, and it stays pending.
    const a = await failure(place('a'));
    expect(a).toBeInstanceOf(CircuitOpenError);
    expect(a).toMatchObject({ recorded: true, reason: '3 failures in a row', venue: 'binance-sim', operation: 'order.create' });
    expect(front.writesSeen()).toHaveLength(3);
    const aId = (a as CircuitOpenError).intentId;
    expect(await ledger.get(aId)).toMatchObject({ status: 'pending', attempt: 3 });
    expect(moves(events.breaker)).toEqual(['closed->open']);
    const opened = events.breaker[0] as BreakerStateChangedEvent;
    expect(opened).toMatchObject({ venue: 'binance-sim', reason: '3 failures in a row', retryAt: opened.at + 10_000 });
    expect((a as CircuitOpenError).retryAt).toBe(opened.retryAt);

    // b: a new call while open: nothing written, nothing sent.
    const b = await failure(place('b'));
    expect(b).toBeInstanceOf(CircuitOpenError);
    expect(b).toMatchObject({ recorded: false, retryAt: opened.retryAt });
    expect(await ledger.get((b as CircuitOpenError).intentId)).toBeUndefined();
    expect((await ledger.listResumable()).map((r) => r.id)).toEqual([aId]);
    expect(front.seen).toHaveLength(3);

    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(['circuitOpen/send/stop', 'circuitOpen/send/stop']);

    // openMs later, the venue still down: c is the one probe; d, asked while it is out, is refused unrecorded.
    clock.set(opened.retryAt as number);
    const held = front.holdNext();
    const c = failure(place('c'));
    await held.reached;
    const d = await failure(place('d'));
    expect(d).toMatchObject({ name: 'CircuitOpenError', recorded: false });
    expect(await ledger.get((d as CircuitOpenError).intentId)).toBeUndefined();
    held.release();
    const cError = await c;
    // The failed probe opened it again; c stays pending, refused before its resend.
    expect(cError).toMatchObject({ name: 'CircuitOpenError', recorded: true, reason: 'the probe failed' });
    expect(await ledger.get((cError as CircuitOpenError).intentId)).toMatchObject({ status: 'pending', attempt: 1 });
    expect(front.writesSeen()).toHaveLength(4);
    expect(moves(events.breaker)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open']);

    // openMs later, the venue back: b (never recorded, so placed again) is the probe, and its success closes the breaker.
    front.writes = 'ok';
    clock.set((cError as CircuitOpenError).retryAt);
    const bResult = await place('b');
    expect(bResult).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(moves(events.breaker)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open', 'open->halfOpen', 'halfOpen->closed']);
    expect((await client.protection()).breakers).toEqual([expect.objectContaining({ position: 'closed' })]);

    // Later calls go: a resumes with its key, c too, d is placed for the first time.
    const aResult = await place('a');
    expect(aResult).toMatchObject({ status: 'succeeded', attempts: 4, intentId: aId });
    expect(await place('c')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await place('d')).toMatchObject({ status: 'succeeded', attempts: 1 });
    const aKeys = new Set(front.writesSeen().filter((s) => s.key === aResult.venueKey).map((s) => s.key));
    expect(aKeys.size).toBe(1);
    expect(front.writesSeen().filter((s) => s.key === aResult.venueKey)).toHaveLength(4);
    for (const id of ['a', 'b', 'c', 'd']) expect(front.sim.executionsOf(id)).toBe(1);
    expect(front.sim.stats()).toMatchObject({ executions: 4, duplicates: 0 });
  });

  it('negative control: without protection the same outage takes every attempt of every call', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { place } = makeClient(clock);
    front.writes = 'refused';
    expect(await failure(place('a'))).toMatchObject({ name: 'RetriesExhaustedError', reason: 'maxAttempts' });
    expect(await failure(place('b'))).toMatchObject({ name: 'RetriesExhaustedError', reason: 'maxAttempts' });
    // 20 requests where the breaker let 3 through.
    expect(front.writesSeen()).toHaveLength(20);
  });
});

describe('circuit breaker, whenOpen: wait', () => {
  it('calls made while it is open wait; one probe goes after openMs; its success lets all of them through', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const front = startFront(clock);
    const breaker = new CircuitBreaker({ consecutiveFailures: 2, openMs: 5_000, whenOpen: 'wait' });
    front.watch(breaker);
    const { ledger, place, events } = makeClient(clock, { protection: { breaker }, retry: { maxAttempts: 1 } });
    front.writes = 'refused';
    expect(await failure(place('f1'))).toMatchObject({ name: 'RetriesExhaustedError', reason: 'maxAttempts', status: 'pending' });
    expect(await failure(place('f2'))).toMatchObject({ name: 'RetriesExhaustedError', reason: 'maxAttempts', status: 'pending' });
    expect(moves(events.breaker)).toEqual(['closed->open']);

    front.writes = 'ok';
    const calls = ['a', 'b', 'c'].map((id) => place(id));
    await clock.whenSleeping(3);
    // Waiting: recorded pending, nothing sent.
    expect(front.writesSeen()).toHaveLength(2);
    expect((await ledger.listResumable()).filter((r) => r.attempt === 0)).toHaveLength(3);
    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(Array(3).fill('circuitOpen/send/wait'));
    expect(events.scheduled.map((s) => `${s.cause}:${s.delayMs}`)).toEqual(Array(3).fill('circuitOpen:5000'));

    clock.advance(5_000);
    const results = await Promise.all(calls);
    expect(results.map((r) => r.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    // One request while half open (the probe); the others after it closed.
    const sent = front.writesSeen().slice(2);
    expect(sent.map((s) => s.position)).toEqual(['halfOpen', 'closed', 'closed']);
    expect(moves(events.breaker)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->closed']);
    // The intents the outage refused resume with their keys.
    expect(await place('f1')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(front.sim.stats()).toMatchObject({ executions: 4, duplicates: 0 });
  });

  it('a wait past the deadline is not made: the intent stops pending with CircuitOpenError', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { ledger, place, events } = makeClient(clock, {
      protection: { breaker: { consecutiveFailures: 1, openMs: 5_000, whenOpen: 'wait' } },
      retry: { deadlineMs: 8_000 },
    });
    front.writes = 'refused';
    // x: refused, the breaker opens; x waits for it (5 s, inside its 8 s), is the probe,
    // the probe fails, and the next opening ends past the deadline: it stops, pending.
    const x = await failure(place('x'));
    expect(x).toBeInstanceOf(CircuitOpenError);
    expect(x).toMatchObject({ recorded: true, reason: 'the probe failed' });
    expect((x as CircuitOpenError).retryAt).toBeGreaterThan(T0 + 8_000);
    expect(await ledger.get((x as CircuitOpenError).intentId)).toMatchObject({ status: 'pending', attempt: 2 });
    expect(front.writesSeen()).toHaveLength(2);
    expect(events.held.map((h) => `${h.cause}/${h.action}`)).toEqual(['circuitOpen/wait', 'circuitOpen/stop']);
    expect(moves(events.breaker)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open']);
  });
});

describe('an intent whose outcome is unknown when the breaker opens', () => {
  const breaker = { consecutiveFailures: 1, openMs: 10_000, whenOpen: 'wait' } as const;

  it.each([
    ['executed at the venue: found by its lookup', 'executedNoAnswer', { reconciled: true, attempts: 1 }, 1],
    ['never reached the venue: not found, resent with the same key', 'lostNoAnswer', { reconciled: false, attempts: 2 }, 2],
  ] as const)('%s, after the breaker closes; never failed', async (_name, fate, settled, writes) => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const front = startFront(clock);
    const watched = new CircuitBreaker(breaker);
    front.watch(watched);
    const { ledger, place, events } = makeClient(clock, { protection: { breaker: watched } });
    front.writes = fate;

    const u = place('u');
    await clock.whenSleeping(1);
    // The lost answer opened the breaker; u stays unknown and its lookup waits.
    const [record] = await ledger.listResumable();
    expect(record).toMatchObject({ status: 'unknown', attempt: 1 });
    expect(front.readsSeen()).toHaveLength(0);
    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(['circuitOpen/lookup/wait']);

    // openMs later another call probes, its success closes the breaker, and the lookup goes.
    front.writes = 'ok';
    clock.advance(10_000);
    expect(await place('w')).toMatchObject({ status: 'succeeded' });
    const result = await u;
    expect(result).toMatchObject({ status: 'succeeded', intentId: record?.id, key: record?.key, ...settled });
    expect(front.readsSeen().map((s) => s.position)).toEqual(['closed']);
    const uWrites = front.writesSeen().filter((s) => s.key === record?.venueKey);
    expect(uWrites).toHaveLength(writes);
    expect(front.sim.executionsOf('u')).toBe(1);
    expect(front.sim.stats().duplicates).toBe(0);
    expect(moves(events.breaker)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->closed']);
  });

  it('with nobody to probe, its lookup goes one openMs after a probe could have: found, while the breaker is still open', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const front = startFront(clock);
    const { client, place, events } = makeClient(clock, { protection: { breaker } });
    front.writes = 'executedNoAnswer';
    const u = place('u');
    await clock.whenSleeping(1);
    expect(events.scheduled.map((s) => `${s.before}:${s.cause}:${s.delayMs}`)).toEqual(['lookup:circuitOpen:20000']);
    clock.advance(20_000);
    expect(await u).toMatchObject({ status: 'succeeded', reconciled: true, attempts: 1 });
    expect(front.sim.stats()).toMatchObject({ executions: 1, duplicates: 0 });
    // Lookups do not judge the breaker: nobody has probed it.
    expect((await client.protection()).breakers?.[0]?.position).not.toBe('closed');
  });

  it('whenOpen fail: it is parked (AmbiguousOutcomeError with nextCheckAt), stays unknown, and is reconciled after the breaker closes', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { ledger, place, events } = makeClient(clock, { protection: { breaker: { ...breaker, whenOpen: 'fail' } } });
    front.writes = 'executedNoAnswer';
    const parked = await failure(place('u'));
    expect(parked).toBeInstanceOf(AmbiguousOutcomeError);
    const nextCheckAt = (parked as AmbiguousOutcomeError).nextCheckAt as number;
    expect(nextCheckAt).toBeGreaterThanOrEqual(T0 + 20_000);
    const intentId = (parked as AmbiguousOutcomeError).intentId;
    expect(await ledger.get(intentId)).toMatchObject({ status: 'unknown', outcome: { parked: { count: 1 } } });
    expect(front.readsSeen()).toHaveLength(0);
    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(['circuitOpen/lookup/park']);

    // The breaker closes (a probe at openMs); at its next check the parked intent is looked up and found.
    front.writes = 'ok';
    clock.set(T0 + 10_000);
    expect(await place('w')).toMatchObject({ status: 'succeeded' });
    clock.set(nextCheckAt);
    expect(await place('u')).toMatchObject({ status: 'succeeded', reconciled: true, intentId });
    expect(front.sim.stats()).toMatchObject({ executions: 2, duplicates: 0 });
  });
});

describe('retry budget', () => {
  it("whenEmpty 'stop': a pending intent stops (retryBudget, still pending); first attempts always go; an unknown intent parks; both continue later", async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { client, ledger, place, events } = makeClient(clock, {
      protection: { retryBudget: { capacity: 2, ratio: 0, minPerSecond: 0.1, whenEmpty: 'stop' } },
    });
    front.writes = 'refused';

    // p: a first attempt, two resends paid by the budget, then it cannot pay: stop, pending.
    const p = await failure(place('p'));
    expect(p).toBeInstanceOf(RetriesExhaustedError);
    expect(p).toMatchObject({ reason: 'retryBudget', status: 'pending', attempts: 3 });
    expect(await ledger.get((p as RetriesExhaustedError).intentId)).toMatchObject({ status: 'pending', attempt: 3 });
    expect(front.writesSeen()).toHaveLength(3);
    expect((await client.protection()).retryBudget).toMatchObject({ spent: 2, refused: 1, capacity: 2 });

    // n: the budget is empty, yet a first attempt is never refused by it.
    expect((await client.protection()).retryBudget?.balance).toBeLessThan(1);
    const n = await failure(place('n'));
    expect(n).toMatchObject({ name: 'RetriesExhaustedError', reason: 'retryBudget', status: 'pending', attempts: 1 });
    expect(front.writesSeen()).toHaveLength(4);

    // u: executed, answer lost; its lookup cannot be paid: parked, never failed.
    front.writes = 'executedNoAnswer';
    const u = await failure(place('u'));
    expect(u).toBeInstanceOf(AmbiguousOutcomeError);
    const nextCheckAt = (u as AmbiguousOutcomeError).nextCheckAt;
    expect(nextCheckAt).toBeGreaterThan(clock.now());
    const uId = (u as AmbiguousOutcomeError).intentId;
    expect(await ledger.get(uId)).toMatchObject({ status: 'unknown', outcome: { parked: { count: 1 } } });
    expect(front.readsSeen()).toHaveLength(0);
    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(['retryBudget/send/stop', 'retryBudget/send/stop', 'retryBudget/lookup/park']);
    expect((await client.protection()).retryBudget).toMatchObject({ spent: 2, refused: 3 });

    // Tokens come back with time: u is looked up and found, p and n resume with their keys.
    front.writes = 'ok';
    clock.set(Math.max(nextCheckAt as number, clock.now() + 20_000));
    expect(await place('u')).toMatchObject({ status: 'succeeded', reconciled: true, intentId: uId });
    clock.advance(20_000);
    expect(await place('p')).toMatchObject({ status: 'succeeded', attempts: 4 });
    expect(await place('n')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(front.sim.stats()).toMatchObject({ executions: 3, duplicates: 0 });
  });

  it("whenEmpty 'wait': the resend the budget cannot pay waits for its token, then goes", async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { client, place, events } = makeClient(clock, { protection: { retryBudget: { capacity: 1, ratio: 0, minPerSecond: 1, whenEmpty: 'wait' } } });
    front.writes = 'refused';
    client.on('retryScheduled', (e) => {
      if (e.cause === 'retryBudget') front.writes = 'ok';
    });
    const result = await place('p');
    expect(result).toMatchObject({ status: 'succeeded', attempts: 3 });
    const waits = events.scheduled.filter((s) => s.cause === 'retryBudget');
    expect(waits).toHaveLength(1);
    expect(waits[0]?.delayMs).toBeGreaterThan(0);
    expect(waits[0]?.delayMs).toBeLessThanOrEqual(1_000);
    expect(events.held.map((h) => `${h.cause}/${h.before}/${h.action}`)).toEqual(['retryBudget/send/wait']);
    expect((await client.protection()).retryBudget).toMatchObject({ spent: 2, refused: 1 });
    expect(front.sim.stats()).toMatchObject({ executions: 1, duplicates: 0 });
  });

  it('negative control: without a budget the same outage takes every attempt', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { place } = makeClient(clock);
    front.writes = 'refused';
    expect(await failure(place('p'))).toMatchObject({ name: 'RetriesExhaustedError', reason: 'maxAttempts', attempts: 10 });
    expect(front.writesSeen()).toHaveLength(10);
  });
});

/** How many of `seen` fall in each minute window. */
function perWindow(seen: readonly Seen[]): number[] {
  const counts = new Map<number, number>();
  for (const s of seen) counts.set(Math.floor(s.at / 60_000), (counts.get(Math.floor(s.at / 60_000)) ?? 0) + 1);
  return [...counts.values()];
}

describe('rate limiter', () => {
  it('requests beyond the allowance wait for the window to reset (rateLimiter wait, requestHeld with the limit id)', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock, { weightLimit: 3 });
    const { client, place, events } = makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter: { headroom: 1 } } });
    for (const id of ['a', 'b', 'c', 'd', 'e']) expect(await place(id)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(front.writesSeen().map((s) => s.at - T0)).toEqual([0, 0, 0, 60_000, 60_000]);
    expect(events.scheduled.map((s) => `${s.cause}:${s.delayMs}`)).toEqual(['rateLimiter:60000']);
    expect(events.held).toEqual([expect.objectContaining({ cause: 'rateLimiter', before: 'send', action: 'wait', limitId: 'weight-1m' })]);
    expect(front.sim.stats()).toMatchObject({ overWeightLimit: 0, executions: 5, duplicates: 0 });
    expect((await client.protection()).limits).toEqual([expect.objectContaining({ id: 'weight-1m', allowed: 3, used: 2, resetAt: T0 + 120_000 })]);
  });

  it('negative control: without the limiter the venue refuses what goes beyond its limit', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock, { weightLimit: 3 });
    const { place } = makeClient(clock, { venue: SMALL_LIMIT_VENUE });
    for (const id of ['a', 'b', 'c', 'd', 'e']) await place(id).catch(() => undefined);
    expect(front.sim.stats().overWeightLimit).toBeGreaterThan(0);
  });

  it("the venue's usage header raises the count: weight spent by another process on the IP is counted", async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock, { weightLimit: 100 });
    const { client, place, events } = makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter: { headroom: 1 } } });
    // Another process on the same IP: two requests the limiter never saw.
    for (let i = 0; i < 2; i++) await axios.get(`${BASE}/api/v3/allOrders`);
    expect(await place('a')).toMatchObject({ status: 'succeeded' });
    expect((await client.protection()).limits).toEqual([expect.objectContaining({ id: 'weight-1m', used: 3 })]);
    expect(await place('b')).toMatchObject({ status: 'succeeded' });
    expect(events.scheduled.map((s) => `${s.cause}:${s.delayMs}`)).toEqual(['rateLimiter:60000']);
    expect(front.writesSeen().map((s) => s.at - T0)).toEqual([0, 60_000]);
  });

  it('one LocalRateLimiter shared by two clients keeps their sum under the allowance', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const front = startFront(clock, { weightLimit: 3 });
    const limiter = new LocalRateLimiter({ limits: SMALL_LIMITS, headroom: 1 });
    const one = makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter }, random: new SeededRandom(1) });
    const two = makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter }, random: new SeededRandom(2) });
    const results = await drive(clock, [0, 1, 2].flatMap((i) => [one.place(`one-${i}`), two.place(`two-${i}`)]));
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(perWindow(front.writesSeen())).toEqual([3, 3]);
    expect(front.sim.stats()).toMatchObject({ overWeightLimit: 0, executions: 6, duplicates: 0 });
    expect(new Set(front.writesSeen().map((s) => s.key)).size).toBe(6);
  });

  it('a limiter whose acquire rejects makes the request wait and ask again; nothing is sent unasked', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    let asks = 0;
    const writesWhenAsked: number[] = [];
    let failAsks = 3;
    const flaky: RateLimiter = {
      limits: SMALL_LIMITS,
      acquire: () => {
        asks++;
        writesWhenAsked.push(front.writesSeen().length);
        return asks <= failAsks ? Promise.reject(new Error('limiter store down')) : Promise.resolve({ granted: true });
      },
      observe: () => undefined,
      snapshot: () => [],
    };
    const { place, events } = makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter: flaky }, retry: { deadlineMs: 5_000 } });
    expect(await place('a')).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(writesWhenAsked).toEqual([0, 0, 0, 0]);
    expect(front.writesSeen().map((s) => s.at - T0)).toEqual([2_000]);
    expect(events.held.map((h) => `${h.cause}/${h.action}/${h.limitId ?? ''}`)).toEqual(['rateLimiter/wait/unavailable', 'rateLimiter/wait/unavailable']);

    // A limiter that never answers: the call ends at its deadline, pending, with nothing sent.
    failAsks = Number.POSITIVE_INFINITY;
    const stuck = await failure(place('b'));
    expect(stuck).toMatchObject({ name: 'RetriesExhaustedError', reason: 'deadline', status: 'pending', attempts: 0 });
    expect(front.writesSeen()).toHaveLength(1);
  });
});

warnIfSkipped('the RedisRateLimiter protection test');
describe.runIf(REDIS_URL !== undefined)('rate limiter in Redis', () => {
  const prefixes: string[] = [];
  afterEach(async () => {
    const admin = connect();
    for (const prefix of prefixes.splice(0)) await deletePrefix(admin, `${prefix}:`);
  });
  afterAll(closeClients);

  it('one RedisRateLimiter prefix shared by two clients (two connections) keeps their sum under the allowance', async () => {
    const clock = new ManualClock({ now: T0, autoAdvance: false });
    const front = startFront(clock, { weightLimit: 3 });
    const prefix = randomPrefix('protection').slice(0, -1);
    prefixes.push(prefix);
    const limiters = await Promise.all([connect(), connect()].map((redis) => RedisRateLimiter.open({ redis, limits: SMALL_LIMITS, headroom: 1, prefix })));
    const [one, two] = limiters.map((limiter, i) => makeClient(clock, { venue: SMALL_LIMIT_VENUE, protection: { limiter }, random: new SeededRandom(i + 1) })) as [TestClient, TestClient];
    const results = await drive(clock, [0, 1, 2].flatMap((i) => [one.place(`one-${i}`), two.place(`two-${i}`)]));
    expect(results.every((r) => r.status === 'succeeded')).toBe(true);
    expect(perWindow(front.writesSeen())).toEqual([3, 3]);
    expect(front.sim.stats()).toMatchObject({ overWeightLimit: 0, executions: 6, duplicates: 0 });
    expect((await one.client.protection()).limits?.[0]?.used).toBeLessThanOrEqual(3);
  });
});

describe('option validation', () => {
  const make = (protection: unknown, venue: VenueProfile = SIM_VENUE): unknown => {
    try {
      createIntentClient(axios.create({ baseURL: BASE }), { venue, ledger: new MemoryLedger(), protection: protection as NonNullable<IntentClientOptions['protection']> });
    } catch (error) {
      return error;
    }
    return undefined;
  };

  it.each<[string, unknown, VenueProfile, string, string | RegExp, string]>([
    ['not an object', 'on', SIM_VENUE, 'options.protection', /true, false or an object/, '"on"'],
    ['an unknown part', { circuitBreaker: true }, SIM_VENUE, 'options.protection.circuitBreaker', /one of retryBudget, breaker, limiter/, 'an unknown option'],
    ['openMs 0', { breaker: { openMs: 0 } }, SIM_VENUE, 'options.protection.breaker.openMs', 'an integer >= 1', '0'],
    ['whenOpen misspelt', { breaker: { whenOpen: 'sometimes' } }, SIM_VENUE, 'options.protection.breaker.whenOpen', "'fail' or 'wait'", '"sometimes"'],
    ['maxOpenMs under openMs', { breaker: { openMs: 1_000, maxOpenMs: 100 } }, SIM_VENUE, 'options.protection.breaker.maxOpenMs', /at least openMs/, '100'],
    ['an unknown breaker option', { breaker: { threshold: 3 } }, SIM_VENUE, 'options.protection.breaker.threshold', /one of/, 'an unknown option'],
    ['a negative ratio', { retryBudget: { ratio: -1 } }, SIM_VENUE, 'options.protection.retryBudget.ratio', 'a finite number >= 0', '-1'],
    ['a number for the budget', { retryBudget: 5 }, SIM_VENUE, 'options.protection.retryBudget', /options object or a RetryBudget/, '5'],
    ['whenEmpty misspelt', { retryBudget: { whenEmpty: 'never' } }, SIM_VENUE, 'options.protection.retryBudget.whenEmpty', "'wait' or 'stop'", '"never"'],
    ['a limiter on a venue without limits', { limiter: true }, testExchange, 'options.protection.limiter', /rateLimit\.limits \(test-exchange publishes none\)/, 'true'],
    ['an unknown limiter option', { limiter: { perSecond: 1 } }, SMALL_LIMIT_VENUE, 'options.protection.limiter.perSecond', /headroom/, 'an unknown option'],
    ['a string limiter', { limiter: 'local' }, SMALL_LIMIT_VENUE, 'options.protection.limiter', /RateLimiter/, '"local"'],
  ])('%s', (_name, protection, venue, path, expected, received) => {
    const error = make(protection, venue);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).path).toBe(path);
    if (typeof expected === 'string') expect((error as ConfigurationError).expected).toBe(expected);
    else expect((error as ConfigurationError).expected).toMatch(expected);
    expect((error as ConfigurationError).received).toBe(received);
  });

  it('true turns every part on (the limiter only where the venue publishes limits); false and undefined leave it off', async () => {
    const on = createIntentClient(axios.create({ baseURL: BASE }), { venue: SIM_VENUE, ledger: new MemoryLedger(), protection: true });
    expect(Object.keys(await on.protection()).sort()).toEqual(['breakers', 'limits', 'retryBudget']);
    const noLimits = createIntentClient(axios.create({ baseURL: BASE }), { venue: testExchange, ledger: new MemoryLedger(), protection: true });
    expect(Object.keys(await noLimits.protection()).sort()).toEqual(['breakers', 'retryBudget']);
    for (const protection of [false, undefined]) {
      const off = createIntentClient(axios.create({ baseURL: BASE }), { venue: SIM_VENUE, ledger: new MemoryLedger(), ...(protection === undefined ? {} : { protection }) });
      expect(await off.protection()).toEqual({});
    }
  });
});

/**
 * Regressions found by these tests:
 *
 * 1. A call whose draft an open breaker (`whenOpen: 'fail'`) refuses must still find the
 *    business id in the ledger: a succeeded intent is replayed, a pending one is reported
 *    as recorded, and only a truly new action is refused with nothing written.
 * 2. A bad `protection.limiter.headroom` is reported under the option the user wrote
 *    (`options.protection.limiter.headroom`), like the breaker's and the budget's.
 */
describe('regressions', () => {
  /** A client whose breaker is open (whenOpen fail), with one succeeded and one pending intent in its ledger. */
  async function openWithHistory(): Promise<{ front: Front; ledger: MemoryLedger; place: TestClient['place']; done: IntentResult<unknown>; pendingId: string }> {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { ledger, place } = makeClient(clock, { protection: { breaker: { consecutiveFailures: 1, openMs: 10_000, whenOpen: 'fail' } }, retry: { maxAttempts: 1 } });
    const done = await place('done');
    front.writes = 'refused';
    const pending = await failure(place('p'));
    expect(pending).toMatchObject({ name: 'RetriesExhaustedError', status: 'pending' });
    const pendingId = (pending as RetriesExhaustedError).intentId;
    expect(await ledger.get(pendingId)).toMatchObject({ status: 'pending', attempt: 1 });
    return { front, ledger, place, done, pendingId };
  }

  it('1a: with the breaker open (whenOpen fail), a call for a pending intent already in the ledger is refused as recorded', async () => {
    const { front, ledger, place, pendingId } = await openWithHistory();
    const sent = front.seen.length;
    expect(await failure(place('p'))).toMatchObject({ name: 'CircuitOpenError', intentId: pendingId, recorded: true });
    expect(await ledger.get(pendingId)).toMatchObject({ status: 'pending', attempt: 1 });
    expect(front.seen).toHaveLength(sent);
  });

  it('1b: with the breaker open (whenOpen fail), a call for a succeeded intent is replayed from the ledger', async () => {
    const { front, place, done } = await openWithHistory();
    const sent = front.seen.length;
    expect(await place('done').catch((e: unknown) => e)).toMatchObject({ status: 'succeeded', replayed: true, intentId: done.intentId });
    expect(front.seen).toHaveLength(sent);
  });

  it('3: a recovery pass counts an intent the open breaker held back as not reached (left for the next pass), not as needing a person', async () => {
    const clock = new ManualClock({ now: T0 });
    const front = startFront(clock);
    const { client, ledger, place } = makeClient(clock, { protection: { breaker: { consecutiveFailures: 1, openMs: 10_000, whenOpen: 'fail' } }, retry: { maxAttempts: 1 } });
    front.writes = 'refused';
    const pending = (await failure(place('p'))) as RetriesExhaustedError;
    const sent = front.seen.length;
    const report = await client.recover();
    expect(report).toMatchObject({ resumed: 1, notReached: 1, succeeded: 0 });
    expect(report.needsAttention).toEqual([]);
    expect(front.seen).toHaveLength(sent);
    expect(await ledger.get(pending.intentId)).toMatchObject({ status: 'pending', attempt: 1 });
    // Negative control: once the breaker lets a probe through, the next pass sends it.
    front.writes = 'ok';
    clock.advance(10_000);
    expect(await client.recover()).toMatchObject({ succeeded: 1, notReached: 0 });
  });

  it('2: a bad limiter headroom is reported under options.protection.limiter.headroom', () => {
    let error: unknown;
    try {
      createIntentClient(axios.create({ baseURL: BASE }), { venue: SMALL_LIMIT_VENUE, ledger: new MemoryLedger(), protection: { limiter: { headroom: 2 } } });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ path: 'options.protection.limiter.headroom', expected: 'a number in (0, 1]', received: '2' });
  });
});
