import { ConfigurationError } from '../errors/errors.js';
import { canonicalJson } from '../internal/canonical-json.js';
import { describeValue } from '../internal/validation.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Faults the simulated venue injects, each with its own probability per write request.
 * One fault (or none) is drawn for every write, before anything else happens to it;
 * in payments mode a write answered from the key store still draws (and counts) its
 * fault, which then has no effect. Reads (lookups) never draw. The probabilities are
 * laid end to end in the order of {@link VENUE_FAULTS} on one uniform draw, so their
 * sum must not exceed 1; adding a fault later in that order leaves the draws of the
 * earlier ones unchanged.
 */
export interface VenueFaults {
  /** Execute the write, then drop the connection without answering. Payments mode: the 200 result is stored under the key first. @default 0 */
  readonly executeThenDrop?: number;
  /**
   * Execute the write, then answer HTTP 500. Payments mode: that 500 (body
   * `{ error: { type: 'api_error', message } }`) is the result stored under the key,
   * so every later request with the key gets the same 500 back, although the payment exists.
   * @default 0
   */
  readonly executeThen500?: number;
  /** Answer 503 without executing. Payments mode: nothing is stored under the key. @default 0 */
  readonly reject503?: number;
  /**
   * Execute the write, then hold the answer for `delayMs` (past a client timeout).
   * Payments mode: the key is marked in progress (409 to other requests with it) until
   * the hold ends, then the 200 result is stored and sent.
   * @default 0
   */
  readonly delay?: number;
  /** Answer 429 with `Retry-After: retryAfterSeconds` without executing. Payments mode: nothing is stored under the key. @default 0 */
  readonly rateLimit?: number;
  /**
   * Binance-like IP ban: answer 418 with `Retry-After: banSeconds` without executing,
   * and refuse **every** request to the venue (writes, lookups, lists, unknown paths)
   * with 418 and the `Retry-After` left until the ban ends, `banSeconds` after it was
   * drawn (by `now`). Refused requests draw no fault and execute nothing.
   * Exchange body: `{ code: -1003, msg }`. Payments mode sends the same 418 with
   * `{ error: { type: 'rate_limit_error', message } }`; Stripe has no such answer, so
   * the `stripe` profile's generic rules call it a refusal (a 4xx).
   * @default 0
   */
  readonly ban?: number;
}

/** A fault's name. */
export type VenueFault = keyof VenueFaults;

/** The faults in draw order (see {@link VenueFaults}). */
export const VENUE_FAULTS: readonly VenueFault[] = Object.freeze(['executeThenDrop', 'executeThen500', 'reject503', 'delay', 'rateLimit', 'ban'] as const);

/** Options of the simulated venue, shared by `startFakeVenue` and `createVenueHandlers`. */
export interface VenueSimOptions {
  /**
   * - `exchange`: Binance-like. `POST /api/v3/order` (client id in the query or body as
   *   `newClientOrderId`); ids are unique among **open** orders only and market orders
   *   fill at once, so a naive resend executes twice. `GET /api/v3/allOrders` lists every
   *   order, oldest first. `GET /api/v3/order?origClientOrderId=`
   *   looks an order up (`-2013` when absent).
   * - `payments`: Stripe-like, with an `Idempotency-Key` key store.
   *   - Creates: `POST /v1/payments` or `POST /v1/payment_intents` (one store, one set of
   *     counts), body JSON or `application/x-www-form-urlencoded`. A create makes
   *     `{ id: 'pi_<n>', object: 'payment_intent', created, amount, currency, status: 'succeeded', metadata }`:
   *     `n` counts creates from 1; `created` is `now()` in whole epoch seconds; `amount` is
   *     the request's number (a form's digit string becomes a number; otherwise `null`);
   *     `currency` is the request's string, lower-cased (default `usd`); `metadata` copies
   *     the request's `metadata` object (form fields `metadata[name]=value`), whose values
   *     must be strings (else, as for a body that does not decode, 400
   *     `invalid_request_error` before any fault draw: nothing executed or stored).
   *     The `businessId` field (default: the key) names the execution for the counts.
   *   - The key store keeps, per key for `retentionMs`, the result of the first request
   *     that started executing: the 200 with the object, or the 500 of `executeThen500`
   *     (faults that refuse before executing, 429, 418 and 503, store nothing). A later
   *     request with the key and the same parameters (the decoded fields compared as
   *     data, so a form's `amount=5` differs from JSON's `5`) gets that stored answer
   *     again, whatever its status, with `Idempotent-Replayed: true`, and does not
   *     execute; a replayed 5xx also carries `Stripe-Should-Retry: false`, since this key
   *     can only ever return it. No other answer carries `Idempotent-Replayed`. While the
   *     first request is still executing (the `delay` fault), the key gets 409
   *     `idempotency_key_in_use` with `Stripe-Should-Retry: true` (not a replay: nothing
   *     is stored yet); the key with other parameters gets 400 `idempotency_error`.
   *     Requests without a key store nothing.
   *   - Lookups (no write counted, no fault drawn), consistent with every create so far,
   *     including creates whose answer was a 500 or was lost: `GET /v1/payment_intents`
   *     (alias `GET /v1/payments`) lists objects newest first (creation order), as
   *     `{ object: 'list', url, has_more, data }`; query `created[gte]` (epoch seconds:
   *     only objects created then or later), `limit` (1 to 100, default 10) and
   *     `starting_after` (an object id: only objects created before it); other query
   *     parameters are ignored, a bad value is 400 `invalid_request_error`.
   *     `GET /v1/payment_intents/<id>` (alias `/v1/payments/<id>`) returns one object, or
   *     404 `{ error: { type: 'invalid_request_error', code: 'resource_missing', message } }`.
   */
  readonly mode: 'exchange' | 'payments';
  /** Seed of the fault draws, an integer (used as an unsigned 32-bit value). @default 1 */
  readonly seed?: number;
  /** Fault probabilities, each in `[0, 1]` and summing to at most 1, applied to write requests only. @default {} (no faults) */
  readonly faults?: VenueFaults;
  /** Hold time of the `delay` fault, in ms (a finite number `>= 0`). @default 1500 */
  readonly delayMs?: number;
  /** `Retry-After` of the `rateLimit` fault, in whole seconds (`>= 0`). @default 1 */
  readonly retryAfterSeconds?: number;
  /** Length of a ban (the `ban` fault's, or one `weightLimit.banAfter` starts), in whole seconds (`>= 0`; `0` refuses only the request that started it). Measured with `now`. @default 60 */
  readonly banSeconds?: number;
  /** Payments mode: how long keys are kept, in ms (`>= 0`). @default 86400000 (24 h) */
  readonly retentionMs?: number;
  /**
   * Time source, epoch ms, for key retention, bans, weight windows and payments'
   * `created`. Pass your test clock (`() => clock.now()` with a `ManualClock`) to make
   * them follow virtual time. Holds of the `delay` fault wait with `sleep` instead.
   * @default Date.now
   */
  readonly now?: () => number;
  /**
   * How a held answer (the `delay` fault) waits `ms` milliseconds, e.g. msw's `delay`
   * or your own promise; {@link VenueSim.release} still ends a hold early.
   * @default a real timer (`setTimeout`), cleared by `release()`, `reset()` and `dispose()`
   */
  readonly sleep?: (ms: number) => Promise<void>;
  /**
   * Exchange mode: a Binance-like request-weight limit. Every request costs 1 in the
   * current fixed window (aligned to the epoch) and every response reports the count
   * in `X-MBX-USED-WEIGHT-1M`; a request over the limit is refused with 429 `-1003` and
   * a `Retry-After` up to the window's end, without executing. @default no limit
   */
  readonly weightLimit?: {
    /** Requests allowed per window, a positive integer. */
    readonly limit: number;
    /** Window length in ms, a positive integer. @default 60000 */
    readonly windowMs?: number;
    /**
     * Binance-like escalation: bans the client that keeps sending after 429s. Once
     * `banAfter` requests have been refused over the limit (429) within one window, the
     * next request over the limit in that same window starts a ban instead of another
     * 429: it is answered like the `ban` fault (418 `-1003` with `Retry-After:
     * banSeconds`, counted in `refusedByBan` and `bansStarted`, not in
     * `overWeightLimit`), and every request is refused with 418 until the ban ends,
     * `banSeconds` later (by `now`). The count starts again at 0 in each window. A
     * positive integer (a number of over-limit refusals).
     * @default no ban: over-limit requests are only ever answered 429
     */
    readonly banAfter?: number;
  };
}

/** Counts the simulated venue keeps; `duplicates` is the sum over business ids of (executions - 1). */
export interface VenueStats {
  /** Every request received, reads included. */
  readonly requests: number;
  /** Write requests (order or payment creates) that got past routing, the weight limit and a ban. */
  readonly writes: number;
  /** Writes that took effect (an order placed, a payment created). */
  readonly executions: number;
  /** Sum over business ids of (executions - 1): 0 when every action executed at most once. */
  readonly duplicates: number;
  /** Distinct business ids executed. */
  readonly businessIds: number;
  /** How many times each fault was drawn. */
  readonly faultsInjected: Readonly<Record<VenueFault, number>>;
  /** Requests refused because they exceeded `weightLimit`. */
  readonly overWeightLimit: number;
  /** Requests answered 418: the request that started a ban (the `ban` fault or `weightLimit.banAfter`) and every request while a ban lasted. */
  readonly refusedByBan: number;
  /** Bans started, by the `ban` fault or by `weightLimit.banAfter`. */
  readonly bansStarted: number;
  /** Payments mode: answers served from the key store (`Idempotent-Replayed: true`), any status. */
  readonly replays: number;
  /** Payments mode: keys, still within `retentionMs`, whose stored result has a 5xx status. */
  readonly storedErrors: number;
}

/** A request as the simulator sees it, whatever carried it. */
export interface VenueSimRequest {
  /** HTTP method, any case. */
  readonly method: string;
  /** Path and query, e.g. `/api/v3/order?symbol=X` (an absolute URL is accepted; only its path and query are read). */
  readonly url: string;
  /** Request headers; names in any case. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body as text (`''` for none). */
  readonly body: string;
}

/** A JSON answer; the transport adds `content-type: application/json`. */
export interface VenueSimResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** A JSON value, to be serialised by the transport. */
  readonly body: unknown;
}

/**
 * What the transport must do with a request.
 * - `respond`: send `response` now.
 * - `drop`: the write executed; close the connection without an answer (a network error).
 * - `hold`: the write executed; wait with {@link VenueSim.hold}`(ms)`, then call
 *   `complete()` (which stores the result under a payments key) and send what it returns,
 *   unless the client has gone.
 */
export type VenueSimAnswer =
  | { readonly kind: 'respond'; readonly response: VenueSimResponse }
  | { readonly kind: 'drop' }
  | { readonly kind: 'hold'; readonly ms: number; readonly complete: () => VenueSimResponse };

/**
 * The venue's state machine and fault draws, free of any transport: the node:http fake
 * venue (`startFakeVenue`) and the msw handlers (`intentkey/testing/msw`) both feed their
 * requests to it, so a seed gives the same faults, answers and counts in both.
 */
export interface VenueSim {
  /** Answers one request; synchronous, so the order of calls is the order of effects and draws. */
  handle(request: VenueSimRequest): VenueSimAnswer;
  /** Waits `ms` (a real timer, or the `sleep` option), or less if {@link VenueSim.release} ends the hold first. */
  hold(ms: number): Promise<void>;
  /** Answers held right now (the `delay` fault). */
  held(): number;
  /** Resolves once at least `count` answers are held at the same time. @param count - @default 1 */
  whenHeld(count?: number): Promise<void>;
  /** Ends every current hold now, so those answers are stored and sent; returns how many. */
  release(): number;
  stats(): VenueStats;
  /** Executions recorded for one business id (the `businessId` field of the write, else the key or client order id). */
  executionsOf(businessId: string): number;
  /** Every business id with its execution count. */
  executions(): ReadonlyMap<string, number>;
  /** Forgets every order, payment, key, count and ban, and restarts the fault draws from the seed; current holds are released first. */
  reset(): void;
  /** Cancels current holds without ending them (their answers are never sent); a custom `sleep` is left to finish unheard. */
  dispose(): void;
}

interface Order {
  readonly orderId: number;
  readonly clientOrderId: string;
  readonly businessId: string;
  status: 'NEW' | 'FILLED';
}

interface StoredPayment {
  readonly fingerprint: string;
  readonly storedAt: number;
  status: number | 'inProgress';
  body: unknown;
}

interface PaymentIntent {
  readonly id: string;
  readonly object: 'payment_intent';
  readonly created: number;
  readonly amount: number | null;
  readonly currency: string;
  readonly status: 'succeeded';
  readonly metadata: Readonly<Record<string, string>>;
}

/** A create's decoded parameters, or why they are refused. */
type PaymentParams =
  | { readonly ok: true; readonly fields: Readonly<Record<string, unknown>>; readonly metadata: Readonly<Record<string, string>> }
  | { readonly ok: false; readonly message: string; readonly param?: string };

interface Hold {
  /** The real timer, when no `sleep` option was given. */
  readonly timer: NodeJS.Timeout | undefined;
  readonly end: () => void;
}

/** Everything a reset forgets. */
interface State {
  readonly random: SeededRandom;
  readonly executed: Map<string, number>;
  readonly orders: Map<string, Order[]>;
  readonly payments: Map<string, StoredPayment>;
  /** Every payment created, in creation order; `pi_<n>` is at index `n - 1`. */
  readonly intents: PaymentIntent[];
  readonly intentIndex: Map<string, number>;
  readonly injected: Record<VenueFault, number>;
  requests: number;
  writes: number;
  nextOrderId: number;
  weightWindowStart: number;
  weightUsed: number;
  /** Requests refused over the weight limit (429) in the current window, for `banAfter`. */
  overInWindow: number;
  overWeightLimit: number;
  replays: number;
  banEndsAt: number;
  refusedByBan: number;
  bansStarted: number;
}

const PAYMENT_COLLECTIONS = new Set(['/v1/payments', '/v1/payment_intents']);
const PAYMENT_ITEM = /^\/v1\/(?:payments|payment_intents)\/([^/]+)$/;

/** Decodes a create's body: JSON, or form-encoded with `metadata[name]=value` fields. */
function parsePaymentParams(contentType: string | undefined, bodyText: string): PaymentParams {
  if ((contentType ?? '').includes('application/x-www-form-urlencoded')) {
    const fields: Record<string, unknown> = {};
    const metadata: Record<string, string> = {};
    for (const [k, v] of new URLSearchParams(bodyText)) {
      const name = /^metadata\[(.+)\]$/.exec(k)?.[1];
      if (name !== undefined) metadata[name] = v;
      else if (k === 'metadata') return { ok: false, message: 'metadata must be given as metadata[name]=value fields.', param: 'metadata' };
      else fields[k] = v;
    }
    return { ok: true, fields, metadata };
  }
  let parsed: unknown = {};
  if (bodyText.trim() !== '') {
    try {
      parsed = JSON.parse(bodyText);
    } catch {
      return { ok: false, message: 'The request body is not valid JSON.' };
    }
  }
  if (!isPlainObject(parsed)) return { ok: false, message: 'The request body must be a JSON object.' };
  const { metadata: rawMetadata, ...fields } = parsed;
  if (rawMetadata === undefined) return { ok: true, fields, metadata: {} };
  if (!isPlainObject(rawMetadata)) return { ok: false, message: 'metadata must be an object.', param: 'metadata' };
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawMetadata)) {
    if (typeof v !== 'string') return { ok: false, message: `metadata values must be strings (metadata[${k}]).`, param: `metadata[${k}]` };
    metadata[k] = v;
  }
  return { ok: true, fields, metadata };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks the options shared by every transport; throws a `ConfigurationError` naming
 * the option (`<where>.faults.delay`), what was expected and what came.
 * @param where - how the caller names its options argument, e.g. `startFakeVenue(options)`.
 */
export function validateVenueSimOptions(options: VenueSimOptions, where: string): void {
  const fail = (path: string, expected: string, value: unknown, received = describeValue(value)): never => {
    throw new ConfigurationError({ path: path === '' ? where : `${where}.${path}`, expected, received });
  };
  if (!isPlainObject(options)) fail('', 'an options object', options);
  const givenMode: unknown = options.mode;
  if (givenMode !== 'exchange' && givenMode !== 'payments') {
    fail('mode', 'one of "exchange", "payments"', givenMode);
  }
  const integer = (path: string, value: unknown, min: number): void => {
    if (value !== undefined && !(typeof value === 'number' && Number.isInteger(value) && value >= min)) fail(path, `an integer >= ${min}`, value);
  };
  const finite = (path: string, value: unknown): void => {
    if (value !== undefined && !(typeof value === 'number' && Number.isFinite(value) && value >= 0)) fail(path, 'a finite number >= 0', value);
  };
  if (options.seed !== undefined && !(typeof options.seed === 'number' && Number.isInteger(options.seed))) fail('seed', 'an integer', options.seed);
  finite('delayMs', options.delayMs);
  integer('retryAfterSeconds', options.retryAfterSeconds, 0);
  integer('banSeconds', options.banSeconds, 0);
  finite('retentionMs', options.retentionMs);
  if (options.now !== undefined && typeof options.now !== 'function') fail('now', 'a function returning epoch ms', options.now);
  if (options.sleep !== undefined && typeof options.sleep !== 'function') fail('sleep', 'a function (ms) => Promise<void>', options.sleep);
  if (options.weightLimit !== undefined) {
    if (!isPlainObject(options.weightLimit)) fail('weightLimit', 'an object { limit, windowMs?, banAfter? }', options.weightLimit);
    if (options.weightLimit.limit === undefined) fail('weightLimit.limit', 'an integer >= 1 (required)', undefined);
    integer('weightLimit.limit', options.weightLimit.limit, 1);
    integer('weightLimit.windowMs', options.weightLimit.windowMs, 1);
    integer('weightLimit.banAfter', options.weightLimit.banAfter, 1);
  }
  if (options.faults !== undefined) {
    if (!isPlainObject(options.faults)) fail('faults', 'an object of fault probabilities', options.faults);
    let sum = 0;
    for (const [name, p] of Object.entries(options.faults)) {
      if (!(VENUE_FAULTS as readonly string[]).includes(name)) fail(`faults.${name.slice(0, 40)}`, `one of the faults ${VENUE_FAULTS.join(', ')}`, p, 'an unknown fault');
      if (p === undefined) continue;
      if (!(typeof p === 'number' && p >= 0 && p <= 1)) fail(`faults.${name}`, 'a probability in [0, 1]', p);
      sum += p as number;
    }
    if (sum > 1 + 1e-9) fail('faults', 'probabilities that sum to at most 1', sum, `a sum of ${sum}`);
  }
}

/**
 * Creates the transport-independent core of the fake venue: feed it requests with
 * {@link VenueSim.handle} and carry out its answers. Used by `startFakeVenue` (node:http)
 * and `createVenueHandlers` (msw); use it directly to put the same venue behind another
 * transport (e.g. an undici `MockAgent` or nock).
 *
 * @param where - how errors name the options argument. @default 'createVenueSim(options)'
 * @throws ConfigurationError for a bad option, naming it.
 */
export function createVenueSim(options: VenueSimOptions, where = 'createVenueSim(options)'): VenueSim {
  validateVenueSimOptions(options, where);
  const mode = options.mode;
  const seed = options.seed ?? 1;
  const faults = options.faults ?? {};
  const delayMs = options.delayMs ?? 1500;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const banSeconds = options.banSeconds ?? 60;
  const retentionMs = options.retentionMs ?? 86_400_000;
  const now = options.now ?? Date.now;
  const sleep = options.sleep;
  const weightLimit = options.weightLimit;

  const fresh = (): State => ({
    random: new SeededRandom(seed),
    executed: new Map(),
    orders: new Map(),
    payments: new Map(),
    intents: [],
    intentIndex: new Map(),
    injected: { executeThenDrop: 0, executeThen500: 0, reject503: 0, delay: 0, rateLimit: 0, ban: 0 },
    requests: 0,
    writes: 0,
    nextOrderId: 1,
    weightWindowStart: Number.NEGATIVE_INFINITY,
    weightUsed: 0,
    overInWindow: 0,
    overWeightLimit: 0,
    replays: 0,
    banEndsAt: Number.NEGATIVE_INFINITY,
    refusedByBan: 0,
    bansStarted: 0,
  });
  let s = fresh();
  const holds = new Set<Hold>();
  let holdWaiters: Array<() => void> = [];

  const respond = (status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): VenueSimAnswer => ({ kind: 'respond', response: { status, body, headers } });
  const paymentError = (status: number, error: Record<string, string>, headers: Record<string, string> = {}): VenueSimAnswer => respond(status, { error }, headers);

  const drawFault = (): VenueFault | undefined => {
    const u = s.random.next();
    let acc = 0;
    for (const f of VENUE_FAULTS) {
      acc += faults[f] ?? 0;
      if (u < acc) return f;
    }
    return undefined;
  };

  const execute = (businessId: string): void => {
    s.executed.set(businessId, (s.executed.get(businessId) ?? 0) + 1);
  };

  /** Answers 418 while a ban lasts; `undefined` when none is in force. */
  const refuseIfBanned = (): VenueSimAnswer | undefined => {
    const at = now();
    if (at >= s.banEndsAt) return undefined;
    s.refusedByBan++;
    return banAnswer(String(Math.max(1, Math.ceil((s.banEndsAt - at) / 1000))));
  };

  /** Starts a ban (the `ban` fault, or `weightLimit.banAfter`) and answers the request that started it. */
  const startBan = (headers: Record<string, string> = {}): VenueSimAnswer => {
    s.banEndsAt = now() + banSeconds * 1000;
    s.refusedByBan++;
    s.bansStarted++;
    return banAnswer(String(banSeconds), headers);
  };

  const banAnswer = (retryAfter: string, headers: Record<string, string> = {}): VenueSimAnswer => {
    const hdrs = { ...headers, 'retry-after': retryAfter };
    if (mode === 'exchange') {
      return respond(418, { code: -1003, msg: `Way too much request weight used; IP banned until ${s.banEndsAt}. Please use WebSocket Streams for live updates to avoid bans.` }, hdrs);
    }
    return paymentError(418, { type: 'rate_limit_error', message: `Too many requests: every request is refused until ${new Date(s.banEndsAt).toISOString()}.` }, hdrs);
  };

  /** Charges one unit of request weight; returns the headers to send, or the refusal when over the limit. */
  const chargeWeight = (): { headers: Record<string, string> } | { refused: VenueSimAnswer } => {
    if (weightLimit === undefined) return { headers: {} };
    const windowMs = weightLimit.windowMs ?? 60_000;
    const at = now();
    const start = Math.floor(at / windowMs) * windowMs;
    if (start !== s.weightWindowStart) {
      s.weightWindowStart = start;
      s.weightUsed = 0;
      s.overInWindow = 0;
    }
    s.weightUsed++;
    const headers = { 'x-mbx-used-weight-1m': String(s.weightUsed) };
    if (s.weightUsed <= weightLimit.limit) return { headers };
    // Kept sending after `banAfter` 429s in this window: this request starts a ban.
    if (weightLimit.banAfter !== undefined && s.overInWindow >= weightLimit.banAfter) return { refused: startBan(headers) };
    s.overInWindow++;
    s.overWeightLimit++;
    const retryAfter = String(Math.max(1, Math.ceil((start + windowMs - at) / 1000)));
    return { refused: respond(429, { code: -1003, msg: 'Too much request weight used; current limit is exceeded.' }, { ...headers, 'retry-after': retryAfter }) };
  };

  const handleExchange = (method: string, url: URL, headers: ReadonlyMap<string, string>, bodyText: string): VenueSimAnswer => {
    const params = new URLSearchParams(url.search);
    if (bodyText && (headers.get('content-type') ?? '').includes('json')) {
      for (const [k, v] of Object.entries(JSON.parse(bodyText) as Record<string, unknown>)) params.set(k, String(v));
    } else if (bodyText) {
      for (const [k, v] of new URLSearchParams(bodyText)) params.set(k, v);
    }
    if (url.pathname !== '/api/v3/order' && !(method === 'GET' && url.pathname === '/api/v3/allOrders')) return respond(404, { code: -1, msg: 'No such endpoint.' });
    const weight = chargeWeight();
    if ('refused' in weight) return weight.refused;
    const weightHeaders = weight.headers;

    if (method === 'GET' && url.pathname === '/api/v3/allOrders') {
      // Every order ever placed, oldest first (what an audit after a crash compares the ledger with).
      const all = [...s.orders.values()].flat().sort((a, b) => a.orderId - b.orderId);
      return respond(200, all.map((o) => ({ orderId: o.orderId, clientOrderId: o.clientOrderId, status: o.status })), weightHeaders);
    }
    if (method === 'GET') {
      const id = params.get('origClientOrderId') ?? '';
      const found = s.orders.get(id)?.at(-1);
      if (!found) return respond(400, { code: -2013, msg: 'Order does not exist.' }, weightHeaders);
      return respond(200, { orderId: found.orderId, clientOrderId: found.clientOrderId, status: found.status }, weightHeaders);
    }
    if (method !== 'POST') return respond(405, { code: -1, msg: 'Method not allowed.' });

    s.writes++;
    const fault = drawFault();
    if (fault) s.injected[fault]++;
    if (fault === 'rateLimit') return respond(429, { code: -1003, msg: 'Too many requests.' }, { ...weightHeaders, 'retry-after': String(retryAfterSeconds) });
    if (fault === 'reject503') return respond(503, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }, weightHeaders);
    if (fault === 'ban') return startBan(weightHeaders);

    const clientOrderId = params.get('newClientOrderId') ?? `auto-${s.nextOrderId}`;
    const businessId = params.get('businessId') ?? clientOrderId;
    const type = params.get('type') ?? 'MARKET';
    const sameId = s.orders.get(clientOrderId) ?? [];
    // Unique among open orders only: a filled order's id is accepted again.
    if (sameId.some((o) => o.status === 'NEW')) return respond(400, { code: -2010, msg: 'Duplicate order sent.' }, weightHeaders);
    const order: Order = { orderId: s.nextOrderId++, clientOrderId, businessId, status: type === 'MARKET' ? 'FILLED' : 'NEW' };
    s.orders.set(clientOrderId, [...sameId, order]);
    execute(businessId);
    const answer: VenueSimResponse = { status: 200, body: { orderId: order.orderId, clientOrderId, status: order.status }, headers: weightHeaders };
    if (fault === 'executeThenDrop') return { kind: 'drop' };
    if (fault === 'executeThen500') return respond(500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
    if (fault === 'delay') return { kind: 'hold', ms: delayMs, complete: () => answer };
    return { kind: 'respond', response: answer };
  };

  const handlePayments = (method: string, url: URL, headers: ReadonlyMap<string, string>, bodyText: string): VenueSimAnswer => {
    if (method === 'POST' && PAYMENT_COLLECTIONS.has(url.pathname)) return createPayment(headers, bodyText);
    if (method === 'GET' && PAYMENT_COLLECTIONS.has(url.pathname)) return listPayments(url);
    const itemId = method === 'GET' ? PAYMENT_ITEM.exec(url.pathname)?.[1] : undefined;
    if (itemId !== undefined) return retrievePayment(decodeURIComponent(itemId));
    return paymentError(404, { type: 'invalid_request_error', message: 'Unrecognized request URL.' });
  };

  const createPayment = (headers: ReadonlyMap<string, string>, bodyText: string): VenueSimAnswer => {
    s.writes++;
    const key = headers.get('idempotency-key');
    const params = parsePaymentParams(headers.get('content-type'), bodyText);
    if (!params.ok) return paymentError(400, { type: 'invalid_request_error', message: params.message, ...(params.param === undefined ? {} : { param: params.param }) });
    const rawBusinessId = params.fields['businessId'];
    const businessId = typeof rawBusinessId === 'string' ? rawBusinessId : key ?? 'none';
    const fingerprint = canonicalJson({ ...params.fields, metadata: params.metadata });
    const fault = drawFault();
    if (fault) s.injected[fault]++;
    if (fault === 'rateLimit') return paymentError(429, { type: 'rate_limit_error', message: 'Too many requests.' }, { 'retry-after': String(retryAfterSeconds) });
    if (fault === 'reject503') return paymentError(503, { type: 'api_error', message: 'Service unavailable.' });
    if (fault === 'ban') return startBan();

    if (key !== undefined) {
      const stored = s.payments.get(key);
      if (stored && now() - stored.storedAt < retentionMs) {
        if (stored.fingerprint !== fingerprint) {
          return paymentError(400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' });
        }
        if (stored.status === 'inProgress') {
          return paymentError(
            409,
            { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this key.' },
            { 'stripe-should-retry': 'true' },
          );
        }
        s.replays++;
        return respond(stored.status, stored.body, { 'idempotent-replayed': 'true', ...(stored.status >= 500 ? { 'stripe-should-retry': 'false' } : {}) });
      }
    }

    execute(businessId);
    const rawAmount = params.fields['amount'];
    const rawCurrency = params.fields['currency'];
    const intent: PaymentIntent = {
      id: `pi_${s.intents.length + 1}`,
      object: 'payment_intent',
      created: Math.floor(now() / 1000),
      amount: typeof rawAmount === 'number' ? rawAmount : typeof rawAmount === 'string' && /^\d+$/.test(rawAmount) ? Number(rawAmount) : null,
      currency: typeof rawCurrency === 'string' ? rawCurrency.toLowerCase() : 'usd',
      status: 'succeeded',
      metadata: { ...params.metadata },
    };
    s.intentIndex.set(intent.id, s.intents.length);
    s.intents.push(intent);
    const entry: StoredPayment | undefined = key === undefined ? undefined : { fingerprint, storedAt: now(), status: 'inProgress', body: undefined };
    if (entry && key !== undefined) s.payments.set(key, entry);
    const settle = (status: number, body: unknown): void => {
      if (!entry) return;
      entry.status = status;
      entry.body = body;
    };

    if (fault === 'executeThen500') {
      const body = { error: { type: 'api_error', message: 'An unexpected error occurred while processing the request.' } };
      settle(500, body);
      return respond(500, body);
    }
    if (fault === 'executeThenDrop') {
      settle(200, intent);
      return { kind: 'drop' };
    }
    if (fault === 'delay') {
      // The key stays in progress until the hold ends, then the result is stored and sent.
      return {
        kind: 'hold',
        ms: delayMs,
        complete: () => {
          settle(200, intent);
          return { status: 200, body: intent, headers: {} };
        },
      };
    }
    settle(200, intent);
    return respond(200, intent);
  };

  const listPayments = (url: URL): VenueSimAnswer => {
    const query = url.searchParams;
    const invalid = (param: string, message: string): VenueSimAnswer => paymentError(400, { type: 'invalid_request_error', param, message });
    const gteText = query.get('created[gte]');
    if (gteText !== null && !/^\d+$/.test(gteText)) return invalid('created[gte]', 'created[gte] must be an integer number of epoch seconds.');
    const limitText = query.get('limit') ?? '10';
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 100)) return invalid('limit', 'limit must be an integer from 1 to 100.');
    const cursor = query.get('starting_after');
    const end = cursor === null ? s.intents.length : s.intentIndex.get(cursor);
    if (end === undefined) {
      return paymentError(400, { type: 'invalid_request_error', code: 'resource_missing', param: 'starting_after', message: `No such payment_intent: '${cursor ?? ''}'` });
    }
    const gte = gteText === null ? Number.NEGATIVE_INFINITY : Number(gteText);
    const matching = s.intents
      .slice(0, end)
      .filter((p) => p.created >= gte)
      .reverse();
    return respond(200, { object: 'list', url: url.pathname, has_more: matching.length > limit, data: matching.slice(0, limit) });
  };

  const retrievePayment = (id: string): VenueSimAnswer => {
    const index = s.intentIndex.get(id);
    if (index === undefined) return paymentError(404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such payment_intent: '${id}'` });
    return respond(200, s.intents[index]);
  };

  const endHold = (hold: Hold): void => {
    if (!holds.delete(hold)) return;
    clearTimeout(hold.timer);
    hold.end();
  };

  return {
    handle: (request) => {
      s.requests++;
      try {
        const url = new URL(request.url, 'http://127.0.0.1');
        const headers = new Map<string, string>();
        for (const [name, value] of Object.entries(request.headers)) if (value !== undefined) headers.set(name.toLowerCase(), value);
        const method = request.method.toUpperCase();
        const banned = refuseIfBanned();
        if (banned) return banned;
        return mode === 'exchange' ? handleExchange(method, url, headers, request.body) : handlePayments(method, url, headers, request.body);
      } catch {
        return respond(400, { code: -1102, msg: 'Malformed request.' });
      }
    },
    hold: (ms) =>
      new Promise<void>((resolve) => {
        const hold: Hold = { timer: sleep === undefined ? setTimeout(() => endHold(hold), ms) : undefined, end: resolve };
        holds.add(hold);
        // A failing custom sleep ends the hold as if it had elapsed.
        if (sleep !== undefined) void Promise.resolve(sleep(ms)).then(() => endHold(hold), () => endHold(hold));
        const waiters = holdWaiters;
        holdWaiters = [];
        for (const w of waiters) w();
      }),
    held: () => holds.size,
    whenHeld: (count = 1) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (holds.size >= count) resolve();
          else holdWaiters.push(check);
        };
        check();
      }),
    release: () => {
      const current = [...holds];
      for (const hold of current) endHold(hold);
      return current.length;
    },
    stats: () => {
      let executions = 0;
      let duplicates = 0;
      for (const n of s.executed.values()) {
        executions += n;
        duplicates += Math.max(0, n - 1);
      }
      let storedErrors = 0;
      const at = now();
      for (const entry of s.payments.values()) {
        if (at - entry.storedAt < retentionMs && typeof entry.status === 'number' && entry.status >= 500) storedErrors++;
      }
      return {
        requests: s.requests,
        writes: s.writes,
        executions,
        duplicates,
        businessIds: s.executed.size,
        faultsInjected: { ...s.injected },
        overWeightLimit: s.overWeightLimit,
        refusedByBan: s.refusedByBan,
        bansStarted: s.bansStarted,
        replays: s.replays,
        storedErrors,
      };
    },
    executionsOf: (businessId) => s.executed.get(businessId) ?? 0,
    executions: () => new Map(s.executed),
    reset: () => {
      for (const hold of [...holds]) endHold(hold);
      s = fresh();
    },
    dispose: () => {
      for (const hold of holds) clearTimeout(hold.timer);
      holds.clear();
    },
  };
}
