import { Agent } from 'node:http';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AmbiguousOutcomeError,
  binanceSpot,
  CircuitOpenError,
  RetriesExhaustedError,
  createIntentClient,
  extendVenue,
  MemoryLedger,
  stripe,
  type AttemptStartedEvent,
  type IntentClientOptions,
  type IntentResult,
  type IntentStatus,
  type Operation,
  type OutcomeEvent,
  type OutcomeKind,
  type ReconcileEvent,
  type Sleep,
} from '../../src/index.js';
import { ManualClock, SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { startFaultProxy, TOXIC_KINDS, type ConnectionRecord, type FaultProxy, type Toxic, type ToxicChooser, type ToxicKind } from '../helpers/fault-proxy.js';

/**
 * B8: network faults between intentkey and a fake venue,
 * injected by an in-repo TCP proxy that reimplements toxiproxy's toxics.
 *
 * Sizes: the plan asks for 500 business actions per mode; the PR run uses
 * {@link REQUESTS} (env `INTENTKEY_B8_REQUESTS`, e.g. 500 for the long run).
 */
const REQUESTS = positiveInt(process.env['INTENTKEY_B8_REQUESTS'], 200);
/** Business actions in flight at once; each worker has its own client, ledger and clock. */
const CONCURRENCY = 32;
/** Per-attempt HTTP timeout: small, so latency and hangs cost little real time. */
const ATTEMPT_TIMEOUT_MS = 150;
/** Extra time per test on top of a generous per-action allowance. */
const TEST_TIMEOUT_MS = 60_000 + REQUESTS * 200;
/** Print the per-toxic classification tallies (for the report) when set. */
const PRINT = process.env['INTENTKEY_B8_REPORT'] !== undefined;
/** How a client timeout shows in an outcome's reason (axios: ECONNABORTED, or ETIMEDOUT with clarifyTimeoutError). */
const TIMEOUT_REASON = /ECONNABORTED|ETIMEDOUT/;
/** How an attempt the dispatch window refused shows in its outcome's reason: provably not sent. */
const DISPATCH_WINDOW_REFUSAL = /^not sent: LedgerLeaseLostError before the request was dispatched$/;

function positiveInt(raw: string | undefined, fallback: number): number {
  const n = raw === undefined ? NaN : Number(raw);
  return Number.isInteger(n) && n > 0 ? n : fallback;
}

type Mode = 'exchange' | 'payments';
const MODES: readonly Mode[] = ['exchange', 'payments'];

const opened: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  // Proxy first: it holds sockets to the venue.
  for (const c of opened.splice(0).reverse()) await c.close();
});

async function harness(mode: Mode, toxic: ToxicChooser, seed: number): Promise<{ venue: FakeVenue; proxy: FaultProxy }> {
  const venue = await startFakeVenue({ mode, seed });
  opened.push(venue);
  const proxy = await startFaultProxy({ upstream: venue.url, toxic, seed });
  opened.push(proxy);
  return { venue, proxy };
}

/** What happened to one business action. */
interface Action {
  readonly businessId: string;
  readonly result?: IntentResult<unknown>;
  readonly error?: unknown;
  /** Ledger status at the end (from the worker's own ledger). */
  readonly status?: IntentStatus;
}

interface Run {
  readonly actions: readonly Action[];
  readonly started: readonly AttemptStartedEvent[];
  readonly outcomes: readonly OutcomeEvent[];
  readonly reconciles: readonly ReconcileEvent[];
}

interface RunOptions {
  readonly mode: Mode;
  readonly url: string;
  readonly count: number;
  readonly prefix: string;
  readonly seed: number;
  /**
   * `manual`: every wait (backoff, settle) passes on a ManualClock with autoAdvance, at
   * no real cost. On an exchange this is valid only while no request can reach the venue
   * after the client gave up on it: otherwise a virtual settle delay would let the client
   * resend before the late copy arrives. `real`: the system clock, for toxics that delay
   * requests on their way to an exchange.
   */
  readonly time: 'manual' | 'real';
  /** Exchange mode: the venue's settle delay, in ms of the chosen clock. @default 1000 */
  readonly settleDelayMs?: number;
  /** @default ATTEMPT_TIMEOUT_MS */
  readonly attemptTimeoutMs?: number;
  /** The client's `protection` option. @default off */
  readonly protection?: IntentClientOptions['protection'];
}

/** Carries the attempt number, so the test can pair each attempt with the connection that carried it. */
const ATTEMPT_HEADER = 'X-Test-Attempt';

const exchangeVenue = (settleDelayMs: number) => extendVenue(binanceSpot, { name: 'fake-binance', reconcile: { settleDelayMs } });

/** One client per worker: keys from distinct seeds, its own ledger and clock. */
function makeOperation(options: RunOptions, worker: number, run: { started: AttemptStartedEvent[]; outcomes: OutcomeEvent[]; reconciles: ReconcileEvent[] }) {
  // No keep-alive: one connection per attempt, so a connection's toxic is an attempt's fate.
  const http = axios.create({ baseURL: options.url, httpAgent: new Agent({ keepAlive: false }) });
  const clock = options.time === 'manual' ? new ManualClock() : undefined;
  const client = createIntentClient(http, {
    venue: options.mode === 'exchange' ? exchangeVenue(options.settleDelayMs ?? 1_000) : stripe,
    ledger: new MemoryLedger(),
    ...(clock ? { clock, sleep: clock.sleep } : {}),
    random: new SeededRandom(options.seed * 1_000 + worker),
    attemptTimeoutMs: options.attemptTimeoutMs ?? ATTEMPT_TIMEOUT_MS,
    // Generous budgets: with most attempts timing out (B8.1), a run should rarely end
    // ambiguous merely because it ran out of tries.
    retry: { maxAttempts: 20, baseDelayMs: 20, maxDelayMs: 200, deadlineMs: 600_000 },
    maxLookups: 30,
    leaseMs: 600_000,
    ...(options.protection === undefined ? {} : { protection: options.protection }),
  });
  client.on('attemptStarted', (e) => run.started.push(e));
  client.on('outcome', (e) => run.outcomes.push(e));
  client.on('reconcile', (e) => run.reconciles.push(e));
  const op: Operation<{ id: string }, unknown> =
    options.mode === 'exchange'
      ? client.operation('order.create', {
          request: (o: { id: string }, ctx) => ({
            method: 'POST',
            url: '/api/v3/order',
            params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', businessId: o.id },
            headers: { [ATTEMPT_HEADER]: String(ctx.attempt) },
          }),
          reconcile: (_o, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: ctx.venueKey } }),
        })
      : client.operation('payment.create', {
          request: (p: { id: string }, ctx) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, currency: 'eur', businessId: p.id }, headers: { [ATTEMPT_HEADER]: String(ctx.attempt) } }),
        });
  return { client, op };
}

/** Runs `count` business actions through `CONCURRENCY` workers. */
async function runActions(options: RunOptions): Promise<Run> {
  const run = { started: [] as AttemptStartedEvent[], outcomes: [] as OutcomeEvent[], reconciles: [] as ReconcileEvent[] };
  const actions: Action[] = [];
  let next = 0;
  const worker = async (w: number): Promise<void> => {
    const { client, op } = makeOperation(options, w, run);
    for (let i = next++; i < options.count; i = next++) {
      const businessId = `${options.prefix}-${i}`;
      try {
        const result = await op({ id: businessId }, { businessId });
        actions.push({ businessId, result, status: (await client.inspect(result.intentId))?.status ?? 'pending' });
      } catch (error) {
        const intentId =
          error instanceof AmbiguousOutcomeError || error instanceof RetriesExhaustedError || error instanceof CircuitOpenError ? error.intentId : undefined;
        const status = intentId === undefined ? undefined : (await client.inspect(intentId))?.status;
        actions.push({ businessId, error, ...(status === undefined ? {} : { status }) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, options.count) }, (_, w) => worker(w)));
  return { ...run, actions };
}

/**
 * The B8 safety property: no business action executed twice; every action either
 * succeeded and executed exactly once, or (where `ambiguousAllowed`) ended in
 * AmbiguousOutcomeError with at most one execution. Returns the violations.
 */
function safetyViolations(venue: FakeVenue, run: Run, ambiguousAllowed: boolean): string[] {
  const problems: string[] = [];
  for (const a of run.actions) {
    const executions = venue.executionsOf(a.businessId);
    if (a.result) {
      if (executions !== 1) problems.push(`${a.businessId}: succeeded but executed ${executions} times`);
      if (a.status !== 'succeeded') problems.push(`${a.businessId}: succeeded but the ledger says ${String(a.status)}`);
    } else if (ambiguousAllowed && a.error instanceof AmbiguousOutcomeError) {
      if (executions > 1) problems.push(`${a.businessId}: ambiguous and executed ${executions} times`);
      if (a.status !== 'unknown') problems.push(`${a.businessId}: ambiguous but the ledger says ${String(a.status)}`);
    } else {
      problems.push(`${a.businessId}: ${a.error instanceof Error ? `${a.error.name}: ${a.error.message}` : String(a.error)}`);
    }
  }
  return problems;
}

/** The result must be the venue's answer, parsed: a cut or mangled body would not match. */
function resultViolations(mode: Mode, run: Run): string[] {
  const problems: string[] = [];
  for (const a of run.actions) {
    if (!a.result) continue;
    const r = a.result.result as Record<string, unknown> | undefined;
    const ok =
      mode === 'exchange'
        ? r?.['clientOrderId'] === a.result.venueKey && r['status'] === 'FILLED' && Number.isInteger(r['orderId'])
        : typeof r?.['id'] === 'string' && /^pi_\d+$/.test(r['id']) && r['status'] === 'succeeded' && r['amount'] === 100;
    if (!ok) problems.push(`${a.businessId}: unexpected result ${JSON.stringify(a.result.result)}`);
  }
  return problems;
}

/** Method, venue key and attempt number of a proxied request, read from its first bytes. */
function parseHead(mode: Mode, head: string): { method: string; key: string | undefined; attempt: number | undefined } {
  const line = head.slice(0, Math.max(0, head.indexOf('\r\n')));
  const [method = '', target = '/'] = line.split(' ');
  const header = (name: string) => new RegExp(`\r\n${name}:[ \t]*([^\r\n]+)`, 'i').exec(head)?.[1]?.trim();
  const attemptText = header(ATTEMPT_HEADER);
  const attempt = attemptText === undefined ? undefined : Number(attemptText);
  if (mode === 'exchange') {
    const params = new URL(target, 'http://venue').searchParams;
    return { method, key: params.get('newClientOrderId') ?? params.get('origClientOrderId') ?? undefined, attempt };
  }
  return { method, key: header('idempotency-key'), attempt };
}

/** One write attempt, paired with the connection that carried it. */
interface AttemptTrace {
  readonly intentId: string;
  readonly attempt: number;
  /** True for the intent's last attempt. */
  readonly last: boolean;
  readonly connection: ConnectionRecord;
  readonly outcome: OutcomeEvent | undefined;
}

/**
 * Pairs every write attempt with its proxy connection by key and attempt number.
 *
 * An attempt may have no connection at all: when the event loop stalls past the
 * attempt timeout, the client can give up while its request is still queued in its
 * own socket, connecting; the proxy then sees a connection that sends nothing. The same
 * stall can also come between an attempt's in-flight record and its dispatch (a burst of
 * new intents started in one tick on a loaded machine: each one's request is built before
 * its create, and the first ones wait for the whole burst): the dispatch window
 * (attemptTimeoutMs) then refuses it before a byte leaves, and it counts as not sent.
 * Both are returned in `unsent`. Only those two can end an attempt without a connection.
 */
function traceAttempts(mode: Mode, run: Run, proxy: FaultProxy): { traces: AttemptTrace[]; unsent: OutcomeEvent[]; problems: string[] } {
  const writes = new Map<string, ConnectionRecord>();
  const problems: string[] = [];
  for (const c of proxy.connections()) {
    const { method, key, attempt } = parseHead(mode, c.head);
    if (method !== 'POST') continue;
    const id = `${key ?? '?'}#${attempt ?? '?'}`;
    if (key === undefined || attempt === undefined || writes.has(id)) problems.push(`connection ${c.index}: write ${id} unreadable or seen twice`);
    writes.set(id, c);
  }
  const outcomeOf = new Map(run.outcomes.map((o) => [`${o.intentId}#${o.attempt}`, o]));
  const lastAttempt = new Map<string, number>();
  for (const s of run.started) lastAttempt.set(s.intentId, Math.max(lastAttempt.get(s.intentId) ?? 0, s.attempt));
  const traces: AttemptTrace[] = [];
  const unsent: OutcomeEvent[] = [];
  for (const s of run.started) {
    const outcome = outcomeOf.get(`${s.intentId}#${s.attempt}`);
    const connection = writes.get(`${s.venueKey}#${s.attempt}`);
    if (connection) {
      traces.push({ intentId: s.intentId, attempt: s.attempt, last: s.attempt === lastAttempt.get(s.intentId), connection, outcome });
    } else if (outcome && (TIMEOUT_REASON.test(outcome.outcome.reason) || DISPATCH_WINDOW_REFUSAL.test(outcome.outcome.reason))) {
      unsent.push(outcome);
    } else {
      problems.push(`${s.intentId} attempt ${s.attempt}: no connection carried it (${outcome?.outcome.reason ?? 'no outcome'})`);
    }
  }
  return { traces, unsent, problems };
}

type Tally = Record<ToxicKind, Partial<Record<OutcomeKind | 'none', number>>>;

function tally(traces: readonly AttemptTrace[]): Tally {
  const t = Object.fromEntries(TOXIC_KINDS.map((k) => [k, {}])) as Tally;
  for (const tr of traces) {
    const kind = tr.outcome?.outcome.kind ?? 'none';
    const row = t[tr.connection.toxic.kind];
    row[kind] = (row[kind] ?? 0) + 1;
  }
  return t;
}

function report(label: string, data: Record<string, unknown>): void {
  if (!PRINT) return;
  const rows = Object.entries(data).map(([k, v]) => `  ${k}: ${JSON.stringify(v)}`);
  process.stdout.write(`[B8] ${label}\n${rows.join('\n')}\n`);
}

function summary(venue: FakeVenue, proxy: FaultProxy, run: Run, traced: { traces: readonly AttemptTrace[]; unsent: readonly OutcomeEvent[] }) {
  const reasons: Record<string, number> = {};
  for (const o of run.outcomes) {
    // Strip per-request numbers so reasons group.
    const r = `${o.outcome.kind}: ${o.outcome.reason.replace(/\d+/g, 'N')}`;
    reasons[r] = (reasons[r] ?? 0) + 1;
  }
  const lookups: Record<string, number> = {};
  for (const r of run.reconciles) lookups[`${r.lookup}/${r.action}`] = (lookups[`${r.lookup}/${r.action}`] ?? 0) + 1;
  return {
    actions: run.actions.length,
    succeeded: run.actions.filter((a) => a.result).length,
    ambiguous: run.actions.flatMap((a) => (a.error instanceof AmbiguousOutcomeError ? [`${a.businessId}: ${a.error.reason} (attempt ${a.error.attempt})`] : [])),
    reconciledFound: run.actions.filter((a) => a.result?.reconciled).length,
    attempts: run.started.length,
    venue: venue.stats(),
    proxy: { connections: proxy.stats().connections, toxics: proxy.stats().toxics },
    byToxic: tally(traced.traces),
    timedOutBeforeLeavingClient: traced.unsent.length,
    reasons,
    lookups,
  };
}

/**
 * Size of the venue's answer to a write, in bytes on the wire, measured on a clean
 * connection. Cutting below it cuts every write's answer.
 */
async function cleanWriteResponseBytes(mode: Mode): Promise<number> {
  const venue = await startFakeVenue({ mode });
  const proxy = await startFaultProxy({ upstream: venue.url });
  try {
    const http = axios.create({ baseURL: proxy.url, httpAgent: new Agent({ keepAlive: false }) });
    // A 26-character key like the client's ULIDs, and the first write gets the shortest
    // ids (orderId 1, pi_1), without the replay header: later answers are never shorter.
    const key = '01JCALIBRATION0000000000AA';
    if (mode === 'exchange') await http.post('/api/v3/order', null, { params: { symbol: 'BTCUSDT', type: 'MARKET', newClientOrderId: key, businessId: 'c' } });
    else await http.post('/v1/payments', { amount: 100, currency: 'eur', businessId: 'c' }, { headers: { 'Idempotency-Key': key } });
    const total = proxy.connections()[0]?.bytesToClient ?? 0;
    if (total === 0) throw new Error('calibration request got no answer');
    return total;
  } finally {
    await proxy.close();
    await venue.close();
  }
}

const clean: Toxic = { kind: 'none' };

describe('fault proxy toxics (the harness itself)', () => {
  const order = (key: string) => ({ params: { symbol: 'X', type: 'MARKET', newClientOrderId: key, businessId: key } });
  const plain = (url: string, timeout = 2_000) => axios.create({ baseURL: url, httpAgent: new Agent({ keepAlive: false }), timeout });

  it('none forwards every byte both ways', async () => {
    const { venue, proxy } = await harness('exchange', () => clean, 1);
    const res = await plain(proxy.url).post('/api/v3/order', null, order('a1'));
    expect(res.data).toMatchObject({ clientOrderId: 'a1', status: 'FILLED' });
    const [c] = proxy.connections();
    expect(c?.bytesToUpstream).toBe(c?.bytesFromClient);
    expect(c?.bytesToClient).toBe(c?.bytesFromUpstream);
    expect(venue.executionsOf('a1')).toBe(1);
  });

  it('resetBeforeRequest: the client sees a reset and the venue never sees the request', async () => {
    const { venue, proxy } = await harness('exchange', () => ({ kind: 'resetBeforeRequest' }), 1);
    const error = await plain(proxy.url).post('/api/v3/order', null, order('b1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(venue.stats().requests).toBe(0);
    expect(proxy.connections()[0]?.bytesToUpstream).toBe(0);
  });

  it('resetAfterRequest: the venue executes, the client gets a reset and not one byte of the answer', async () => {
    // Connection 0 resets when the answer starts; connection 1 after a fixed 50 ms.
    const { venue, proxy } = await harness('exchange', (c) => (c.index === 0 ? { kind: 'resetAfterRequest' } : { kind: 'resetAfterRequest', afterMs: 50 }), 1);
    for (const key of ['c1', 'c2']) {
      const error = await plain(proxy.url).post('/api/v3/order', null, order(key)).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ECONNRESET' });
      expect(venue.executionsOf(key)).toBe(1);
    }
    expect(proxy.connections().map((c) => c.bytesToClient)).toEqual([0, 0]);
  });

  it('timeout: the request is delivered, nothing comes back, the socket stays open until the client gives up', async () => {
    const { venue, proxy } = await harness('exchange', () => ({ kind: 'timeout' }), 1);
    const error = await plain(proxy.url, 300).post('/api/v3/order', null, order('d1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNABORTED' });
    expect(venue.executionsOf('d1')).toBe(1);
    const [c] = proxy.connections();
    expect(c?.bytesFromUpstream).toBeGreaterThan(0);
    expect(c?.bytesToClient).toBe(0);
  });

  it('limitData: exactly the first N bytes of the answer reach the client', async () => {
    // Connection 0 is clean and measures the whole answer; keys of equal length keep
    // every answer the same size.
    let full = 0;
    const cuts = () => [0, 1, Math.floor(full / 2), full - 1];
    const { proxy } = await harness('exchange', (c) => (c.index === 0 ? clean : { kind: 'limitData', bytes: cuts()[c.index - 1] ?? 0 }), 1);
    await plain(proxy.url).post('/api/v3/order', null, order('e0'));
    full = proxy.connections()[0]?.bytesToClient ?? 0;
    expect(full).toBeGreaterThan(100);
    for (const [n, bytes] of cuts().entries()) {
      const error = await plain(proxy.url).post('/api/v3/order', null, order(`e${n + 1}`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(proxy.connections()[n + 1]?.bytesToClient).toBe(bytes);
    }
  });

  it('slicer: the answer arrives in many small writes and still parses, in both directions', async () => {
    const { venue, proxy } = await harness('exchange', () => ({ kind: 'slicer', maxSliceBytes: 8, maxDelayMs: 1, direction: 'both' }), 1);
    const res = await plain(proxy.url).post('/api/v3/order', null, order('f1'));
    expect(res.data).toMatchObject({ clientOrderId: 'f1', status: 'FILLED' });
    const [c] = proxy.connections();
    // Slices are at most 8 bytes, so at least ceil(bytes / 8) writes.
    expect(c?.writesToClient).toBeGreaterThanOrEqual(Math.ceil((c?.bytesToClient ?? 0) / 8));
    expect(venue.executionsOf('f1')).toBe(1);
  });

  it('latency upstream: a request still queued when the client gives up is delivered late and executes', async () => {
    const { venue, proxy } = await harness('exchange', () => ({ kind: 'latency', latencyMs: 600, direction: 'upstream' }), 1);
    const error = await plain(proxy.url, 200).post('/api/v3/order', null, order('g1')).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ECONNABORTED' });
    // The client gave up at 200 ms; the copy is due at 600 ms.
    expect(venue.executionsOf('g1')).toBe(0);
    await expect.poll(() => venue.executionsOf('g1'), { timeout: 3_000, interval: 20 }).toBe(1);
    expect(proxy.connections()[0]?.bytesToUpstreamAfterClientGone).toBeGreaterThan(0);
  });

  it('down refuses connections, up serves again on the same address, close leaves nothing open', async () => {
    const { proxy } = await harness('exchange', () => ({ kind: 'timeout' }), 1);
    const hung = plain(proxy.url, 5_000).post('/api/v3/order', null, order('h0')).catch((e: unknown) => e);
    await expect.poll(() => proxy.stats().open).toBe(1);
    await proxy.down();
    // down drops live connections too, like toxiproxy's disable.
    expect(await hung).toMatchObject({ code: 'ECONNRESET' });
    const refused = await plain(proxy.url).post('/api/v3/order', null, order('h1')).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    await proxy.up();
    proxy.setToxic(() => clean);
    expect((await plain(proxy.url).post('/api/v3/order', null, order('h2'))).status).toBe(200);
    proxy.setToxic(() => ({ kind: 'timeout' }));
    const held = plain(proxy.url, 5_000).post('/api/v3/order', null, order('h3')).catch((e: unknown) => e);
    await expect.poll(() => proxy.stats().open).toBe(1);
    await proxy.close();
    expect(await held).toBeInstanceOf(Error);
    expect(proxy.stats().open).toBe(0);
  });
});

describe.each(MODES)('B8 network faults, %s mode', (mode) => {
  it(
    'B8.1 latency 0-300 ms ± 50 ms against a 150 ms timeout: a timeout after send is unknown, never failed; 0 duplicates',
    async () => {
      const choose: ToxicChooser = (_c, random) => {
        const d = random.next();
        return { kind: 'latency', latencyMs: random.next() * 300, jitterMs: 50, direction: d < 1 / 3 ? 'upstream' : d < 2 / 3 ? 'downstream' : 'both' };
      };
      const { venue, proxy } = await harness(mode, choose, 81);
      // Upstream latency delivers a request up to 350 ms after it was sent, possibly after
      // the client gave up on it. An exchange believes "not found" only from a lookup sent
      // a settle delay after the attempt turned unknown, so the delay must outlast that:
      // 1000 ms of real time (the fake venue's analogue of Binance's recvWindow), which
      // also leaves room for a late proxy timer on a busy machine. Payments resend under
      // the same key, which the key store deduplicates whenever the copies arrive, so
      // virtual time is enough there.
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `l-${mode}`, seed: 81, time: mode === 'exchange' ? 'real' : 'manual', settleDelayMs: 1_000 });
      const traced = traceAttempts(mode, run, proxy);
      const { traces, problems } = traced;
      report(`B8.1 latency, ${mode}`, summary(venue, proxy, run, traced));

      expect(venue.stats().duplicates).toBe(0);
      expect(safetyViolations(venue, run, true)).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      expect(problems).toEqual([]);
      // A timed-out attempt is unknown: never retry (a blind resend) and never failed.
      const timedOut = run.outcomes.filter((o) => TIMEOUT_REASON.test(o.outcome.reason));
      expect(timedOut.length).toBeGreaterThan(0);
      expect(timedOut.filter((o) => o.outcome.kind !== 'unknown')).toEqual([]);
      expect(run.actions.filter((a) => a.status === 'failed')).toEqual([]);
      // Latency only slows things: each attempt either got its answer or timed out.
      const kinds = new Set(traces.map((t) => t.outcome?.outcome.kind));
      expect([...kinds].sort()).toEqual(['success', 'unknown']);
      // Most actions still settle. About 60 % of attempts time out on a quiet machine, and
      // 0.6^20 makes running out of attempts rare; on an overloaded one event-loop lag
      // pushes that towards 90 % and ambiguous endings become common (0.9^20 ≈ 12 %), which
      // is legitimate. This floor only catches a client that gives up wholesale.
      expect(run.actions.filter((a) => a.result).length).toBeGreaterThanOrEqual(Math.ceil(REQUESTS * 0.5));
      if (mode === 'exchange') {
        // The dangerous case happened: requests reached the venue after their client gave up...
        expect(proxy.connections().filter((c) => parseHead(mode, c.head).method === 'POST' && c.bytesToUpstreamAfterClientGone > 0).length).toBeGreaterThan(0);
        // ...and "not found" answers were held back for the settle delay instead of resending.
        expect(run.reconciles.filter((r) => r.lookup === 'notFound' && r.action === 'wait').length).toBeGreaterThan(0);
      }
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'B8.2 reset before the request bytes vs after: before is resent safely, after is unknown; each action executes once',
    async () => {
      const choose: ToxicChooser = (_c, random) => {
        const u = random.next();
        return u < 0.25 ? { kind: 'resetBeforeRequest' } : u < 0.5 ? { kind: 'resetAfterRequest' } : clean;
      };
      const { venue, proxy } = await harness(mode, choose, 82);
      // Neither reset lets a copy of the request reach the venue later: virtual time is safe.
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `r-${mode}`, seed: 82, time: 'manual', settleDelayMs: 1_000 });
      const traced = traceAttempts(mode, run, proxy);
      const { traces, problems } = traced;
      report(`B8.2 reset, ${mode}`, summary(venue, proxy, run, traced));

      expect(venue.stats().duplicates).toBe(0);
      expect(safetyViolations(venue, run, true)).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      expect(problems).toEqual([]);

      const before = traces.filter((t) => t.connection.toxic.kind === 'resetBeforeRequest');
      const after = traces.filter((t) => t.connection.toxic.kind === 'resetAfterRequest');
      expect(before.length).toBeGreaterThan(0);
      expect(after.length).toBeGreaterThan(0);
      // Before: the venue saw nothing. Whether the client calls it `retry` (proof) or
      // `unknown` (Node counts bytes queued to the proxy's socket as written), it must
      // never be final: the same key is sent again, after a lookup where there is one.
      expect(before.filter((t) => t.connection.bytesToUpstream !== 0)).toEqual([]);
      expect(before.filter((t) => t.outcome?.outcome.kind !== 'retry' && t.outcome?.outcome.kind !== 'unknown')).toEqual([]);
      const succeeded = new Set(run.actions.flatMap((a) => (a.result ? [a.result.intentId] : [])));
      expect(before.filter((t) => t.last && succeeded.has(t.intentId))).toEqual([]);
      // After: the venue executed it and the answer was lost: unknown, always.
      expect(after.filter((t) => t.outcome?.outcome.kind !== 'unknown')).toEqual([]);
      expect(after.filter((t) => t.connection.bytesToClient !== 0)).toEqual([]);
      if (mode === 'exchange') {
        // An exchange must not resend after a reset-after: the lookup finds the order.
        expect(after.filter((t) => !t.last)).toEqual([]);
      }
      // Faults hit about half the connections: 20 attempts (30 lookups) all failing is rare.
      expect(run.actions.filter((a) => a.result).length).toBeGreaterThanOrEqual(Math.ceil(REQUESTS * 0.95));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'B8.3 timeout (hang): unknown, reconciled; 0 duplicates',
    async () => {
      const choose: ToxicChooser = (_c, random) => (random.next() < 0.4 ? { kind: 'timeout' } : clean);
      const { venue, proxy } = await harness(mode, choose, 831);
      // The venue answers at once; only the answer is withheld: virtual time is safe.
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `t-${mode}`, seed: 831, time: 'manual' });
      const traced = traceAttempts(mode, run, proxy);
      const { traces, problems } = traced;
      report(`B8.3 timeout, ${mode}`, summary(venue, proxy, run, traced));

      expect(venue.stats().duplicates).toBe(0);
      expect(safetyViolations(venue, run, true)).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      expect(problems).toEqual([]);
      const hung = traces.filter((t) => t.connection.toxic.kind === 'timeout');
      expect(hung.length).toBeGreaterThan(0);
      expect(hung.filter((t) => t.outcome?.outcome.kind !== 'unknown')).toEqual([]);
      // Every hung write reached the venue, so a resend would have been a duplicate on
      // an exchange: there the only follow-up is the lookup that finds it.
      if (mode === 'exchange') expect(hung.filter((t) => !t.last)).toEqual([]);
      expect(run.actions.filter((a) => a.result).length).toBeGreaterThanOrEqual(Math.ceil(REQUESTS * 0.95));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'B8.3 limitData (response cut at any byte, in the headers or in the body): unknown; 0 duplicates',
    async () => {
      const fullBytes = await cleanWriteResponseBytes(mode);
      const choose: ToxicChooser = (_c, random) => (random.next() < 0.4 ? { kind: 'limitData', bytes: Math.floor(random.next() * fullBytes) } : clean);
      const { venue, proxy } = await harness(mode, choose, 832);
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `d-${mode}`, seed: 832, time: 'manual' });
      const traced = traceAttempts(mode, run, proxy);
      const { traces, problems } = traced;
      report(`B8.3 limitData, ${mode}`, { fullResponseBytes: fullBytes, ...summary(venue, proxy, run, traced) });

      expect(venue.stats().duplicates).toBe(0);
      expect(safetyViolations(venue, run, true)).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      expect(problems).toEqual([]);
      const cut = traces.flatMap((t) => (t.connection.toxic.kind === 'limitData' ? [{ ...t, limit: t.connection.toxic.bytes }] : []));
      expect(cut.length).toBeGreaterThan(0);
      // Never more than the limit reaches the client, and every cut answer is unknown.
      expect(cut.filter((t) => t.connection.bytesToClient > t.limit)).toEqual([]);
      expect(cut.filter((t) => t.outcome?.outcome.kind !== 'unknown')).toEqual([]);
      // Where the client was still there to receive the cut (on a busy machine it may
      // time out first), the reason tells whether the cut fell after the header block
      // (a cut response: the venue answered) or inside it (a connection closed after
      // the request was written). Both sides of the boundary occur.
      const delivered = cut
        .map((t) => ({ ...t, headerBytes: t.connection.answerHead.indexOf('\r\n\r\n') + 4 }))
        .filter((t) => t.connection.bytesToClient === t.limit && t.headerBytes >= 4 && !TIMEOUT_REASON.test(t.outcome?.outcome.reason ?? ''));
      expect(delivered.some((t) => t.limit >= t.headerBytes)).toBe(true);
      expect(delivered.some((t) => t.limit < t.headerBytes)).toBe(true);
      expect(delivered.filter((t) => (t.limit >= t.headerBytes) !== (t.outcome?.outcome.reason.includes('response cut') ?? false))).toEqual([]);
      // Every cut write had executed, so an exchange only looks it up; it never resends.
      if (mode === 'exchange') expect(cut.filter((t) => !t.last)).toEqual([]);
      expect(run.actions.filter((a) => a.result).length).toBeGreaterThanOrEqual(Math.ceil(REQUESTS * 0.95));
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'B8.3 slicer (answer in 1-16 byte slices): parsed correctly as success',
    async () => {
      const choose: ToxicChooser = (_c, random) => (random.next() < 0.5 ? { kind: 'slicer', maxSliceBytes: 16, maxDelayMs: 1 } : clean);
      const { venue, proxy } = await harness(mode, choose, 833);
      // This test is about parsing, not timeouts: a generous timeout keeps a busy machine
      // from turning a slow sliced answer into an (also safe) unknown.
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `s-${mode}`, seed: 833, time: 'manual', attemptTimeoutMs: 5_000 });
      const traced = traceAttempts(mode, run, proxy);
      const { traces, problems } = traced;
      report(`B8.3 slicer, ${mode}`, summary(venue, proxy, run, traced));

      expect(venue.stats().duplicates).toBe(0);
      expect(safetyViolations(venue, run, false)).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      expect(problems).toEqual([]);
      const sliced = traces.filter((t) => t.connection.toxic.kind === 'slicer');
      expect(sliced.length).toBeGreaterThan(0);
      // Really sliced: at most 16 bytes per write.
      expect(sliced.filter((t) => t.connection.writesToClient < Math.ceil(t.connection.bytesToClient / 16))).toEqual([]);
      expect(sliced.filter((t) => t.outcome?.outcome.kind !== 'success')).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    'B8.4 down (connection refused): not sent, retried with exponential backoff, completes once the proxy is back; 0 duplicates',
    async () => {
      const { venue, proxy } = await harness(mode, () => clean, 84);
      const clock = new ManualClock();
      const draws = new SeededRandom(84);
      let refusedNow = 0;
      let refusalsWanted = 0;
      // The proxy comes back during the backoff that follows the wanted number of refusals.
      const sleep: Sleep = async (ms, signal) => {
        await clock.sleep(ms, signal);
        if (proxy.isDown && refusedNow >= refusalsWanted) await proxy.up();
      };
      const baseDelayMs = 100;
      const client = createIntentClient(axios.create({ baseURL: proxy.url, httpAgent: new Agent({ keepAlive: false }) }), {
        venue: mode === 'exchange' ? exchangeVenue(1_000) : stripe,
        ledger: new MemoryLedger(),
        clock,
        sleep,
        random: new SeededRandom(840),
        // Refusals are immediate; a generous timeout keeps a busy machine from turning the
        // final, successful attempt into an (also safe) unknown.
        attemptTimeoutMs: 5_000,
        retry: { maxAttempts: 6, jitter: 'equal', baseDelayMs, maxDelayMs: 10_000 },
      });
      const outcomes: OutcomeEvent[] = [];
      const reconciles: ReconcileEvent[] = [];
      client.on('outcome', (e) => {
        outcomes.push(e);
        if (e.outcome.kind === 'retry' && e.outcome.reason.startsWith('ECONNREFUSED')) refusedNow++;
      });
      client.on('reconcile', (e) => reconciles.push(e));
      const op: Operation<{ id: string }, unknown> =
        mode === 'exchange'
          ? client.operation('order.create', {
              request: (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', businessId: o.id } }),
              reconcile: (_o, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: ctx.venueKey } }),
            })
          : client.operation('payment.create', {
              request: (p: { id: string }) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, currency: 'eur', businessId: p.id } }),
            });

      const problems: string[] = [];
      let refusals = 0;
      for (let i = 0; i < REQUESTS; i++) {
        const businessId = `down-${mode}-${i}`;
        refusalsWanted = 1 + Math.floor(draws.next() * 3);
        refusedNow = 0;
        refusals += refusalsWanted;
        await proxy.down();
        const firstSleep = clock.sleeps.length;
        const firstOutcome = outcomes.length;
        const res = await op({ id: businessId }, { businessId });
        const kinds = outcomes.slice(firstOutcome).map((o) => o.outcome.kind);
        const expectedKinds = [...Array<OutcomeKind>(refusalsWanted).fill('retry'), 'success'];
        if (kinds.join() !== expectedKinds.join()) problems.push(`${businessId}: outcomes ${outcomes.slice(firstOutcome).map((o) => `${o.outcome.kind} (${o.outcome.reason})`).join(', ')}`);
        if (res.attempts !== refusalsWanted + 1) problems.push(`${businessId}: ${res.attempts} attempts`);
        // Equal jitter: retry n waits in [nominal / 2, nominal), nominal = base × 2^(n-1).
        const waits = clock.sleeps.slice(firstSleep);
        const offBackoff = waits.filter((ms, n) => ms < (baseDelayMs * 2 ** n) / 2 || ms >= baseDelayMs * 2 ** n);
        if (waits.length !== refusalsWanted || offBackoff.length > 0) problems.push(`${businessId}: waits ${waits.join()}`);
        if (venue.executionsOf(businessId) !== 1) problems.push(`${businessId}: executed ${venue.executionsOf(businessId)} times`);
      }
      report(`B8.4 down, ${mode}`, { actions: REQUESTS, refusals, venue: venue.stats(), proxyConnections: proxy.stats().connections, reconciles: reconciles.length });

      expect(problems).toEqual([]);
      expect(venue.stats()).toMatchObject({ duplicates: 0, executions: REQUESTS, businessIds: REQUESTS, requests: REQUESTS });
      // Refused attempts never reached the proxy; no refusal ever looked ambiguous.
      expect(proxy.stats().connections).toBe(REQUESTS);
      expect(reconciles).toEqual([]);
      const refusedOutcomes = outcomes.filter((o) => o.outcome.reason.startsWith('ECONNREFUSED'));
      expect(refusedOutcomes.length).toBe(refusals);
      expect(refusedOutcomes.filter((o) => o.outcome.kind !== 'retry' || o.status !== 'pending')).toEqual([]);
    },
    TEST_TIMEOUT_MS,
  );
});

describe.each(MODES)('B8.6 network faults with client protection on, %s mode', (mode) => {
  it(
    'resets before and after the request with the retry budget and the breaker on: 0 duplicates; what protection stopped was never sent twice and stays resumable',
    async () => {
      const choose: ToxicChooser = (_c, random) => {
        const u = random.next();
        return u < 0.3 ? { kind: 'resetBeforeRequest' } : u < 0.6 ? { kind: 'resetAfterRequest' } : clean;
      };
      const { venue, proxy } = await harness(mode, choose, 86);
      // A quick breaker and a small budget, so both act under these faults; stops instead of waits.
      const protection: IntentClientOptions['protection'] = {
        retryBudget: { capacity: 3, whenEmpty: 'stop' },
        breaker: { consecutiveFailures: 3, openMs: 200, whenOpen: 'fail' },
      };
      const run = await runActions({ mode, url: proxy.url, count: REQUESTS, prefix: `p-${mode}`, seed: 86, time: 'manual', settleDelayMs: 1_000, protection });
      report(`B8.6 protection, ${mode}`, summary(venue, proxy, run, traceAttempts(mode, run, proxy)));

      expect(venue.stats().duplicates).toBe(0);
      const problems: string[] = [];
      let held = 0;
      for (const a of run.actions) {
        const executions = venue.executionsOf(a.businessId);
        if (a.result) {
          if (executions !== 1 || a.status !== 'succeeded') problems.push(`${a.businessId}: succeeded, ${executions} execution(s), ledger ${String(a.status)}`);
        } else if (a.error instanceof AmbiguousOutcomeError) {
          // Unknown stays unknown: protection parks it, never fails it.
          if (executions > 1 || a.status !== 'unknown') problems.push(`${a.businessId}: ambiguous, ${executions} execution(s), ledger ${String(a.status)}`);
        } else if ((a.error instanceof RetriesExhaustedError && a.error.reason === 'retryBudget') || a.error instanceof CircuitOpenError) {
          held++;
          // Stopped by protection: only ever on proof it did not execute, so it is pending (or was never written).
          const recorded = !(a.error instanceof CircuitOpenError) || a.error.recorded;
          if (executions !== 0) problems.push(`${a.businessId}: stopped by protection but executed ${executions} time(s)`);
          if (recorded && a.status !== 'pending') problems.push(`${a.businessId}: stopped by protection but the ledger says ${String(a.status)}`);
          if (!recorded && a.status !== undefined) problems.push(`${a.businessId}: refused unrecorded but the ledger has it (${a.status})`);
        } else if (a.error instanceof RetriesExhaustedError) {
          if (executions !== 0 || a.status !== 'pending') problems.push(`${a.businessId}: exhausted, ${executions} execution(s), ledger ${String(a.status)}`);
        } else {
          problems.push(`${a.businessId}: ${a.error instanceof Error ? `${a.error.name}: ${a.error.message}` : String(a.error)}`);
        }
      }
      expect(problems).toEqual([]);
      expect(resultViolations(mode, run)).toEqual([]);
      // Every action is accounted for, protection did act under these faults (a quick
      // breaker and a small budget that stops: many actions end stopped, by design), and
      // actions still got through between its openings.
      expect(run.actions.length).toBe(REQUESTS);
      expect(held).toBeGreaterThan(0);
      expect(run.actions.filter((a) => a.result).length).toBeGreaterThan(0);
    },
    TEST_TIMEOUT_MS,
  );
});
