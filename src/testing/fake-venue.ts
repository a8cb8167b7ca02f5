import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { canonicalJson } from '../internal/canonical-json.js';
import { SeededRandom } from './seeded-random.js';

/**
 * Faults the fake venue injects, each with its own probability per write request.
 * One fault (or none) is drawn for every write, before anything else happens to it;
 * in payments mode a write answered from the key store still draws (and counts) its
 * fault, which then has no effect.
 */
export interface FakeVenueFaults {
  /** Execute the write, then drop the connection without answering. Payments mode: the 200 result is stored under the key first. */
  readonly executeThenDrop?: number;
  /**
   * Execute the write, then answer HTTP 500. Payments mode: that 500 (body
   * `{ error: { type: 'api_error', message } }`) is the result stored under the key,
   * so every later request with the key gets the same 500 back, although the payment exists.
   */
  readonly executeThen500?: number;
  /** Answer 503 without executing. Payments mode: nothing is stored under the key. */
  readonly reject503?: number;
  /**
   * Execute the write, then hold the answer for `delayMs` (past a client timeout).
   * Payments mode: the key is marked in progress (409 to other requests with it) until
   * the hold ends, then the 200 result is stored and sent.
   */
  readonly delay?: number;
  /** Answer 429 with `Retry-After: retryAfterSeconds` without executing. Payments mode: nothing is stored under the key. */
  readonly rateLimit?: number;
}

/** Options of {@link startFakeVenue}. */
export interface FakeVenueOptions {
  /**
   * - `exchange`: Binance-like. `POST /api/v3/order` (client id in the query or body as
   *   `newClientOrderId`); ids are unique among **open** orders only and market orders
   *   fill at once, so a naive resend executes twice. `GET /api/v3/order?origClientOrderId=`
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
   *     (faults that refuse before executing, 429 and 503, store nothing). A later
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
  /** Seed of the fault draws. @default 1 */
  readonly seed?: number;
  /** Fault probabilities in `[0, 1]`, applied to write requests only. @default none */
  readonly faults?: FakeVenueFaults;
  /** Hold time of the `delay` fault, in ms. @default 1500 */
  readonly delayMs?: number;
  /** Retry-After of the `rateLimit` fault, in seconds. @default 1 */
  readonly retryAfterSeconds?: number;
  /** Payments mode: how long keys are kept, in ms. @default 86400000 (24 h) */
  readonly retentionMs?: number;
  /** Port on 127.0.0.1. @default 0 (any free port) */
  readonly port?: number;
  /** Time source for key retention, weight windows and payments' `created`, epoch ms. @default Date.now */
  readonly now?: () => number;
  /**
   * Exchange mode: a Binance-like request-weight limit. Every request costs 1 in the
   * current fixed window (aligned to the epoch) and every response reports the count
   * in `X-MBX-USED-WEIGHT-1M`; a request over the limit is refused with 429 `-1003` and
   * a `Retry-After` up to the window's end, without executing. @default no limit
   */
  readonly weightLimit?: { readonly limit: number; /** @default 60000 */ readonly windowMs?: number };
}

/** Counts the fake venue keeps; `duplicates` is the sum over business ids of (executions - 1). */
export interface FakeVenueStats {
  readonly requests: number;
  readonly writes: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly businessIds: number;
  readonly faultsInjected: Readonly<Record<keyof FakeVenueFaults, number>>;
  /** Requests refused because they exceeded `weightLimit`. */
  readonly overWeightLimit: number;
  /** Payments mode: answers served from the key store (`Idempotent-Replayed: true`), any status. */
  readonly replays: number;
  /** Payments mode: keys, still within `retentionMs`, whose stored result has a 5xx status. */
  readonly storedErrors: number;
}

/** A running fake venue. */
export interface FakeVenue {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  stats(): FakeVenueStats;
  /** Executions recorded for one business id (taken from the `businessId` field of the write). */
  executionsOf(businessId: string): number;
  /** Every business id with its execution count. */
  executions(): ReadonlyMap<string, number>;
  /** Stops the server and drops open connections. */
  close(): Promise<void>;
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

type Fault = keyof FakeVenueFaults;
const FAULTS: readonly Fault[] = ['executeThenDrop', 'executeThen500', 'reject503', 'delay', 'rateLimit'];

/**
 * Starts a fake exchange or payment API on 127.0.0.1 for tests, demos and benchmarks.
 * It counts executions per business id, so duplicates caused by unsafe retries are
 * visible. All faults come from a seeded random source: a run is reproducible.
 */
export async function startFakeVenue(options: FakeVenueOptions): Promise<FakeVenue> {
  const random = new SeededRandom(options.seed ?? 1);
  const faults = options.faults ?? {};
  const delayMs = options.delayMs ?? 1500;
  const retryAfterSeconds = options.retryAfterSeconds ?? 1;
  const retentionMs = options.retentionMs ?? 86_400_000;
  const now = options.now ?? Date.now;
  const executed = new Map<string, number>();
  const orders = new Map<string, Order[]>();
  const payments = new Map<string, StoredPayment>();
  /** Every payment created, in creation order; `pi_<n>` is at index `n - 1`. */
  const intents: PaymentIntent[] = [];
  const intentIndex = new Map<string, number>();
  const injected: Record<Fault, number> = { executeThenDrop: 0, executeThen500: 0, reject503: 0, delay: 0, rateLimit: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let writes = 0;
  let nextOrderId = 1;
  let weightWindowStart = Number.NEGATIVE_INFINITY;
  let weightUsed = 0;
  let overWeightLimit = 0;
  let replays = 0;

  /** Charges one unit of request weight; returns the headers to send, or `undefined` when over the limit. */
  const chargeWeight = (res: ServerResponse): Record<string, string> | undefined => {
    const limit = options.weightLimit;
    if (limit === undefined) return {};
    const windowMs = limit.windowMs ?? 60_000;
    const at = now();
    const start = Math.floor(at / windowMs) * windowMs;
    if (start !== weightWindowStart) {
      weightWindowStart = start;
      weightUsed = 0;
    }
    weightUsed++;
    const headers = { 'x-mbx-used-weight-1m': String(weightUsed) };
    if (weightUsed <= limit.limit) return headers;
    overWeightLimit++;
    const retryAfter = String(Math.max(1, Math.ceil((start + windowMs - at) / 1000)));
    json(res, 429, { code: -1003, msg: 'Too much request weight used; current limit is exceeded.' }, { ...headers, 'retry-after': retryAfter });
    return undefined;
  };

  const drawFault = (): Fault | undefined => {
    const u = random.next();
    let acc = 0;
    for (const f of FAULTS) {
      acc += faults[f] ?? 0;
      if (u < acc) return f;
    }
    return undefined;
  };

  const execute = (businessId: string): void => {
    executed.set(businessId, (executed.get(businessId) ?? 0) + 1);
  };

  const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
  };

  const later = (fn: () => void, ms: number): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, ms);
    timers.add(t);
  };

  /** Answers a write whose effect already happened, through the drawn fault. */
  const answerExecuted = (res: ServerResponse, fault: Fault | undefined, status: number, body: unknown, headers: Record<string, string> = {}): void => {
    if (fault === 'executeThenDrop') {
      res.socket?.destroy();
      return;
    }
    if (fault === 'executeThen500') {
      json(res, 500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
      return;
    }
    if (fault === 'delay') {
      later(() => {
        if (!res.destroyed && !res.writableEnded) json(res, status, body, headers);
      }, delayMs);
      return;
    }
    json(res, status, body, headers);
  };

  const handleExchange = (req: IncomingMessage, url: URL, bodyText: string, res: ServerResponse): void => {
    const params = new URLSearchParams(url.search);
    if (bodyText && (req.headers['content-type'] ?? '').includes('json')) {
      for (const [k, v] of Object.entries(JSON.parse(bodyText) as Record<string, unknown>)) params.set(k, String(v));
    } else if (bodyText) {
      for (const [k, v] of new URLSearchParams(bodyText)) params.set(k, v);
    }
    if (url.pathname !== '/api/v3/order') return json(res, 404, { code: -1, msg: 'No such endpoint.' });
    const weightHeaders = chargeWeight(res);
    if (weightHeaders === undefined) return;

    if (req.method === 'GET') {
      const id = params.get('origClientOrderId') ?? '';
      const found = orders.get(id)?.at(-1);
      if (!found) return json(res, 400, { code: -2013, msg: 'Order does not exist.' }, weightHeaders);
      return json(res, 200, { orderId: found.orderId, clientOrderId: found.clientOrderId, status: found.status }, weightHeaders);
    }
    if (req.method !== 'POST') return json(res, 405, { code: -1, msg: 'Method not allowed.' });

    writes++;
    const fault = drawFault();
    if (fault) injected[fault]++;
    if (fault === 'rateLimit') return json(res, 429, { code: -1003, msg: 'Too many requests.' }, { ...weightHeaders, 'retry-after': String(retryAfterSeconds) });
    if (fault === 'reject503') return json(res, 503, { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' }, weightHeaders);

    const clientOrderId = params.get('newClientOrderId') ?? `auto-${nextOrderId}`;
    const businessId = params.get('businessId') ?? clientOrderId;
    const type = params.get('type') ?? 'MARKET';
    const sameId = orders.get(clientOrderId) ?? [];
    // Unique among open orders only: a filled order's id is accepted again.
    if (sameId.some((o) => o.status === 'NEW')) return json(res, 400, { code: -2010, msg: 'Duplicate order sent.' }, weightHeaders);
    const order: Order = { orderId: nextOrderId++, clientOrderId, businessId, status: type === 'MARKET' ? 'FILLED' : 'NEW' };
    orders.set(clientOrderId, [...sameId, order]);
    execute(businessId);
    answerExecuted(res, fault, 200, { orderId: order.orderId, clientOrderId, status: order.status }, weightHeaders);
  };

  const paymentError = (res: ServerResponse, status: number, error: Record<string, string>, headers: Record<string, string> = {}): void => {
    json(res, status, { error }, headers);
  };

  const handlePayments = (req: IncomingMessage, url: URL, bodyText: string, res: ServerResponse): void => {
    if (req.method === 'POST' && PAYMENT_COLLECTIONS.has(url.pathname)) return createPayment(req, bodyText, res);
    if (req.method === 'GET' && PAYMENT_COLLECTIONS.has(url.pathname)) return listPayments(url, res);
    const itemId = req.method === 'GET' ? PAYMENT_ITEM.exec(url.pathname)?.[1] : undefined;
    if (itemId !== undefined) return retrievePayment(decodeURIComponent(itemId), res);
    paymentError(res, 404, { type: 'invalid_request_error', message: 'Unrecognized request URL.' });
  };

  const createPayment = (req: IncomingMessage, bodyText: string, res: ServerResponse): void => {
    writes++;
    const key = req.headers['idempotency-key'];
    const params = parsePaymentParams(req.headers['content-type'], bodyText);
    if (!params.ok) return paymentError(res, 400, { type: 'invalid_request_error', message: params.message, ...(params.param === undefined ? {} : { param: params.param }) });
    const rawBusinessId = params.fields['businessId'];
    const businessId = typeof rawBusinessId === 'string' ? rawBusinessId : typeof key === 'string' ? key : 'none';
    const fingerprint = createHash('sha256').update(canonicalJson({ ...params.fields, metadata: params.metadata })).digest('hex');
    const fault = drawFault();
    if (fault) injected[fault]++;
    if (fault === 'rateLimit') return paymentError(res, 429, { type: 'rate_limit_error', message: 'Too many requests.' }, { 'retry-after': String(retryAfterSeconds) });
    if (fault === 'reject503') return paymentError(res, 503, { type: 'api_error', message: 'Service unavailable.' });

    if (typeof key === 'string') {
      const stored = payments.get(key);
      if (stored && now() - stored.storedAt < retentionMs) {
        if (stored.fingerprint !== fingerprint) {
          return paymentError(res, 400, { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' });
        }
        if (stored.status === 'inProgress') {
          return paymentError(
            res,
            409,
            { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this key.' },
            { 'stripe-should-retry': 'true' },
          );
        }
        replays++;
        return json(res, stored.status, stored.body, { 'idempotent-replayed': 'true', ...(stored.status >= 500 ? { 'stripe-should-retry': 'false' } : {}) });
      }
    }

    execute(businessId);
    const rawAmount = params.fields['amount'];
    const rawCurrency = params.fields['currency'];
    const intent: PaymentIntent = {
      id: `pi_${intents.length + 1}`,
      object: 'payment_intent',
      created: Math.floor(now() / 1000),
      amount: typeof rawAmount === 'number' ? rawAmount : typeof rawAmount === 'string' && /^\d+$/.test(rawAmount) ? Number(rawAmount) : null,
      currency: typeof rawCurrency === 'string' ? rawCurrency.toLowerCase() : 'usd',
      status: 'succeeded',
      metadata: { ...params.metadata },
    };
    intentIndex.set(intent.id, intents.length);
    intents.push(intent);
    const entry: StoredPayment | undefined = typeof key === 'string' ? { fingerprint, storedAt: now(), status: 'inProgress', body: undefined } : undefined;
    if (entry && typeof key === 'string') payments.set(key, entry);
    const settle = (status: number, body: unknown): void => {
      if (!entry) return;
      entry.status = status;
      entry.body = body;
    };

    if (fault === 'executeThen500') {
      const body = { error: { type: 'api_error', message: 'An unexpected error occurred while processing the request.' } };
      settle(500, body);
      return json(res, 500, body);
    }
    if (fault === 'executeThenDrop') {
      settle(200, intent);
      res.socket?.destroy();
      return;
    }
    if (fault === 'delay') {
      // The key stays in progress until the hold ends, then the result is stored and sent.
      later(() => {
        settle(200, intent);
        if (!res.destroyed && !res.writableEnded) json(res, 200, intent);
      }, delayMs);
      return;
    }
    settle(200, intent);
    json(res, 200, intent);
  };

  const listPayments = (url: URL, res: ServerResponse): void => {
    const query = url.searchParams;
    const invalid = (param: string, message: string): void => paymentError(res, 400, { type: 'invalid_request_error', param, message });
    const gteText = query.get('created[gte]');
    if (gteText !== null && !/^\d+$/.test(gteText)) return invalid('created[gte]', 'created[gte] must be an integer number of epoch seconds.');
    const limitText = query.get('limit') ?? '10';
    const limit = /^\d+$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= 100)) return invalid('limit', 'limit must be an integer from 1 to 100.');
    const cursor = query.get('starting_after');
    const end = cursor === null ? intents.length : intentIndex.get(cursor);
    if (end === undefined) {
      return paymentError(res, 400, { type: 'invalid_request_error', code: 'resource_missing', param: 'starting_after', message: `No such payment_intent: '${cursor ?? ''}'` });
    }
    const gte = gteText === null ? Number.NEGATIVE_INFINITY : Number(gteText);
    const matching = intents
      .slice(0, end)
      .filter((p) => p.created >= gte)
      .reverse();
    json(res, 200, { object: 'list', url: url.pathname, has_more: matching.length > limit, data: matching.slice(0, limit) });
  };

  const retrievePayment = (id: string, res: ServerResponse): void => {
    const index = intentIndex.get(id);
    if (index === undefined) return paymentError(res, 404, { type: 'invalid_request_error', code: 'resource_missing', param: 'id', message: `No such payment_intent: '${id}'` });
    json(res, 200, intents[index]);
  };

  const server: Server = createServer((req, res) => {
    requests++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const bodyText = Buffer.concat(chunks).toString('utf8');
      try {
        if (options.mode === 'exchange') handleExchange(req, url, bodyText, res);
        else handlePayments(req, url, bodyText, res);
      } catch {
        json(res, 400, { code: -1102, msg: 'Malformed request.' });
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    stats: () => {
      let executions = 0;
      let duplicates = 0;
      for (const n of executed.values()) {
        executions += n;
        duplicates += Math.max(0, n - 1);
      }
      let storedErrors = 0;
      const at = now();
      for (const entry of payments.values()) {
        if (at - entry.storedAt < retentionMs && typeof entry.status === 'number' && entry.status >= 500) storedErrors++;
      }
      return { requests, writes, executions, duplicates, businessIds: executed.size, faultsInjected: { ...injected }, overWeightLimit, replays, storedErrors };
    },
    executionsOf: (businessId) => executed.get(businessId) ?? 0,
    executions: () => new Map(executed),
    close: async () => {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
