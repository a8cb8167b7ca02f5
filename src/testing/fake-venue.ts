import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { SeededRandom } from './seeded-random.js';

/** Faults the fake venue injects, each with its own probability per write request. */
export interface FakeVenueFaults {
  /** Execute the write, then drop the connection without answering. */
  readonly executeThenDrop?: number;
  /** Execute the write, then answer HTTP 500 (a gateway losing the answer). */
  readonly executeThen500?: number;
  /** Answer 503 without executing. */
  readonly reject503?: number;
  /** Execute the write, then hold the answer for `delayMs` (past a client timeout). */
  readonly delay?: number;
  /** Answer 429 with `Retry-After: retryAfterSeconds` without executing. */
  readonly rateLimit?: number;
}

/** Options of {@link startFakeVenue}. */
export interface FakeVenueOptions {
  /**
   * - `exchange`: Binance-like. `POST /api/v3/order` (client id in the query or body as
   *   `newClientOrderId`); ids are unique among **open** orders only and market orders
   *   fill at once, so a naive resend executes twice. `GET /api/v3/order?origClientOrderId=`
   *   looks an order up (`-2013` when absent).
   * - `payments`: Stripe-like. `POST /v1/payments` with an `Idempotency-Key` header; the
   *   key store replays the first result, answers 409 while the first request is still
   *   running and 400 `idempotency_error` when the same key comes with another payload.
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
  /** Time source for key retention and weight windows, epoch ms. @default Date.now */
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
  const injected: Record<Fault, number> = { executeThenDrop: 0, executeThen500: 0, reject503: 0, delay: 0, rateLimit: 0 };
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  let writes = 0;
  let nextOrderId = 1;
  let weightWindowStart = Number.NEGATIVE_INFINITY;
  let weightUsed = 0;
  let overWeightLimit = 0;

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

  const handlePayments = (req: IncomingMessage, url: URL, bodyText: string, res: ServerResponse): void => {
    if (url.pathname !== '/v1/payments' || req.method !== 'POST') return json(res, 404, { error: { type: 'invalid_request_error', message: 'Unrecognized request URL.' } });
    writes++;
    const key = req.headers['idempotency-key'];
    const payload = bodyText ? (JSON.parse(bodyText) as Record<string, unknown>) : {};
    const rawBusinessId = payload['businessId'];
    const businessId = typeof rawBusinessId === 'string' ? rawBusinessId : typeof key === 'string' ? key : 'none';
    const fingerprint = createHash('sha256').update(bodyText).digest('hex');
    const fault = drawFault();
    if (fault) injected[fault]++;
    if (fault === 'rateLimit') return json(res, 429, { error: { type: 'rate_limit_error', message: 'Too many requests.' } }, { 'retry-after': String(retryAfterSeconds) });
    if (fault === 'reject503') return json(res, 503, { error: { type: 'api_error', message: 'Service unavailable.' } });

    if (typeof key === 'string') {
      const stored = payments.get(key);
      if (stored && now() - stored.storedAt < retentionMs) {
        if (stored.fingerprint !== fingerprint) {
          return json(res, 400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } });
        }
        if (stored.status === 'inProgress') {
          return json(res, 409, { error: { type: 'idempotency_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this key.' } });
        }
        return json(res, stored.status, stored.body, { 'idempotent-replayed': 'true' });
      }
    }
    execute(businessId);
    const body = { id: `pay_${writes}`, status: 'succeeded', amount: payload['amount'] };
    if (typeof key === 'string') {
      const entry: StoredPayment = { fingerprint, storedAt: now(), status: fault === 'delay' ? 'inProgress' : 200, body };
      payments.set(key, entry);
      if (fault === 'delay') later(() => (entry.status = 200), delayMs);
    }
    answerExecuted(res, fault, 200, body);
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
      return { requests, writes, executions, duplicates, businessIds: executed.size, faultsInjected: { ...injected }, overWeightLimit };
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
