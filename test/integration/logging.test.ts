import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios, { type AxiosInstance } from 'axios';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, extendVenue, FileLedger, isIntentError, MemoryLedger, type IntentClient } from '../../src/index.js';
import { attachLogger } from '../../src/observability/logger.js';

// Real pino into a buffer, requests full of secrets, every path a call can take:
// the log must hold the checklist fields and none of the secrets.

const SECRETS = {
  apiKey: 'SECRET-APIKEY-7f3a9c',
  signature: 'SECRET-SIGNATURE-0b1e22',
  bodySecret: 'SECRET-BODY-d41d8c',
  inputSecret: 'SECRET-INPUT-5e6f70',
  echoed: 'SECRET-ECHO-99aa01',
} as const;

type Scenario = 'ok' | 'drop' | 'refuse' | 'resign' | 'inconclusive';

interface Order {
  readonly symbol: string;
  readonly quantity: string;
  readonly scenario: Scenario;
  /** A secret inside the operation input (stored in the ledger, never logged). */
  readonly note: string;
}

/** A Binance-like venue whose answer depends on the order's `scenario` parameter. */
class ScriptedVenue {
  readonly orders = new Map<string, { symbol: string; orderId: number }>();
  readonly attempts = new Map<string, number>();
  readonly requestIds: string[] = [];
  readonly sawSecrets = { apiKey: 0, signature: 0, body: 0 };
  #server: Server | undefined;
  url = '';

  async start(): Promise<void> {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        this.handle(req, res, Buffer.concat(chunks).toString('utf8'));
      });
    });
    await new Promise<void>((resolve) => this.#server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => this.#server?.close(() => resolve()));
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const url = new URL(req.url ?? '/', this.url);
    const q = url.searchParams;
    if (req.headers['x-mbx-apikey'] === SECRETS.apiKey) this.sawSecrets.apiKey++;
    if (q.get('signature') === SECRETS.signature) this.sawSecrets.signature++;
    if (body.includes(SECRETS.bodySecret)) this.sawSecrets.body++;
    const requestId = req.headers['x-request-id'];
    if (typeof requestId === 'string') this.requestIds.push(requestId);
    const json = (status: number, data: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(data));
    };
    if (req.method === 'GET' && url.pathname === '/api/v3/order') {
      const id = q.get('origClientOrderId') ?? '';
      const order = this.orders.get(id);
      if (q.get('scenario') === 'inconclusive' || id.startsWith('inconclusive')) {
        json(500, { code: -1000, msg: 'An unknown error occurred while processing the request.' });
        return;
      }
      if (order) json(200, { symbol: order.symbol, orderId: order.orderId, clientOrderId: id, status: 'FILLED' });
      else json(400, { code: -2013, msg: 'Order does not exist.' });
      return;
    }
    if (req.method !== 'POST' || url.pathname !== '/api/v3/order') {
      json(404, { code: -1, msg: 'no route' });
      return;
    }
    const id = q.get('newClientOrderId') ?? '';
    const n = (this.attempts.get(id) ?? 0) + 1;
    this.attempts.set(id, n);
    const scenario = q.get('scenario') as Scenario;
    const fill = (): { symbol: string; orderId: number } => {
      const order = { symbol: q.get('symbol') ?? '', orderId: this.orders.size + 1 };
      this.orders.set(id, order);
      return order;
    };
    switch (scenario) {
      case 'drop':
      case 'inconclusive':
        if (n === 1) {
          fill();
          req.socket.destroy(); // executed, answer lost
          return;
        }
        break;
      case 'refuse':
        // The venue echoes request values in its message, which the reason quotes: scrubbed.
        json(400, { code: -1100, msg: `Illegal characters found in parameter signature=${SECRETS.echoed}; Authorization: Bearer ${SECRETS.echoed}` });
        return;
      case 'resign':
        if (n === 1) {
          json(400, { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' });
          return;
        }
        break;
      default:
    }
    const order = this.orders.get(id) ?? fill();
    json(200, { symbol: order.symbol, orderId: order.orderId, clientOrderId: id, status: 'FILLED' });
  }
}

/** An axios instance whose interceptor signs like a Binance bot: API key header, signature in the query. */
function signedHttp(baseURL: string): AxiosInstance {
  const http = axios.create({ baseURL });
  http.interceptors.request.use((config) => {
    config.headers.set('X-MBX-APIKEY', SECRETS.apiKey);
    config.params = { ...(config.params as Record<string, unknown>), timestamp: Date.now(), recvWindow: 100, signature: SECRETS.signature };
    return config;
  });
  return http;
}

interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** Real pino writing JSON lines into a string. */
function bufferedPino(level: pino.LevelWithSilent = 'debug'): { logger: pino.Logger; text: () => string; lines: () => LogLine[] } {
  let buffer = '';
  const logger = pino({ level }, { write: (chunk: string) => void (buffer += chunk) });
  return {
    logger,
    text: () => buffer,
    lines: () =>
      buffer
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as LogLine),
  };
}

const INFO = 30;
const WARN = 40;
const PER_INTENT = ['intentId', 'key', 'operation', 'scope', 'venue'] as const;

/** The checklist fields each kind of line must carry. */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  intentStarted: [...PER_INTENT, 'businessId', 'status', 'fingerprint'],
  attemptStarted: [...PER_INTENT, 'businessId', 'attempt', 'correlationId'],
  outcome: [...PER_INTENT, 'businessId', 'attempt', 'correlationId', 'outcome', 'reason', 'status'],
  retryScheduled: [...PER_INTENT, 'businessId', 'attempt', 'delayMs'],
  lookupStarted: [...PER_INTENT, 'businessId', 'attempt', 'correlationId'],
  lookupFinished: [...PER_INTENT, 'businessId', 'attempt', 'correlationId'],
  reconcile: [...PER_INTENT, 'businessId', 'attempt'],
  intentParked: [...PER_INTENT, 'businessId', 'attempt', 'reason', 'status'],
  keyExpired: [...PER_INTENT, 'attempt'],
  idempotencyConflict: ['intentId', 'operation', 'scope', 'venue', 'businessId', 'fingerprint'],
  intentFinished: [...PER_INTENT, 'businessId', 'status'],
};

describe('logging through real pino', () => {
  const venue = new ScriptedVenue();
  let dir: string;
  const clients: IntentClient[] = [];

  beforeAll(async () => {
    await venue.start();
  });
  afterAll(async () => {
    await venue.close();
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function client(options: { correlationHeader?: string; file?: boolean } = {}): Promise<IntentClient> {
    dir = mkdtempSync(join(tmpdir(), 'intentkey-logging-'));
    const c = createIntentClient(signedHttp(venue.url), {
      // A short recvWindow: "not found" is trusted soon after the last attempt.
      venue: extendVenue(binanceSpot, { name: 'binance-spot-logging', reconcile: { settleDelayMs: 200 } }),
      ledger: options.file === false ? new MemoryLedger() : await FileLedger.open({ dir }),
      retry: { maxAttempts: 4, baseDelayMs: 5, maxDelayMs: 20, deadlineMs: 5_000 },
      maxLookups: 2,
      parked: { baseDelayMs: 60_000 },
      attemptTimeoutMs: 2_000,
      ...(options.correlationHeader === undefined ? {} : { correlationHeader: options.correlationHeader }),
    });
    clients.push(c);
    return c;
  }

  function placeOrder(c: IntentClient): (o: Order, businessId: string) => Promise<unknown> {
    const op = c.operation('order.create', {
      request: (o: Order) => ({
        method: 'POST',
        url: '/api/v3/order',
        params: { symbol: o.symbol, side: 'BUY', type: 'MARKET', quantity: o.quantity, scenario: o.scenario },
        data: { apiSecret: SECRETS.bodySecret, note: o.note },
      }),
      reconcile: (o: Order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: o.symbol, origClientOrderId: ctx.venueKey, scenario: o.scenario } }),
      fingerprint: (o: Order) => ({ symbol: o.symbol, quantity: o.quantity, scenario: o.scenario }),
    });
    return (o, businessId) => op(o, { businessId });
  }

  const order = (scenario: Scenario): Order => ({ symbol: 'BTCUSDT', quantity: '0.01', scenario, note: SECRETS.inputSecret });

  it('success, unknown then lookup, refusal, re-sign retry, inconclusive lookups and a conflict: no secret in the log, every line has its fields', async () => {
    const c = await client({ correlationHeader: 'X-Request-Id' });
    const log = bufferedPino('debug');
    attachLogger(c, log.logger);
    const place = placeOrder(c);

    await expect(place(order('ok'), 'sig-ok')).resolves.toMatchObject({ status: 'succeeded' });
    await expect(place(order('drop'), 'sig-drop')).resolves.toMatchObject({ status: 'succeeded', reconciled: true });
    await expect(place(order('refuse'), 'sig-refuse')).rejects.toMatchObject({ code: 'ERR_VENUE_REJECTED' });
    await expect(place(order('resign'), 'sig-resign')).resolves.toMatchObject({ status: 'succeeded' });
    const ambiguous = await place(order('inconclusive'), 'inconclusive-1').catch((e: unknown) => e);
    expect(isIntentError(ambiguous) && ambiguous.code).toBe('ERR_OUTCOME_UNKNOWN');
    // Same business id, another payload: refused before any request.
    await expect(place({ ...order('ok'), quantity: '9' }, 'sig-ok')).rejects.toMatchObject({ code: 'ERR_INTENT_CONFLICT' });

    // The requests did carry the secrets.
    expect(venue.sawSecrets.apiKey).toBeGreaterThan(5);
    expect(venue.sawSecrets.signature).toBeGreaterThan(5);
    expect(venue.sawSecrets.body).toBeGreaterThan(3);

    const text = log.text();
    for (const secret of Object.values(SECRETS)) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/signature=(?!\[redacted\])|timestamp=|x-mbx-apikey|apiSecret/i);

    const lines = log.lines();
    const seen = new Set(lines.map((l) => l.event));
    for (const event of ['intentStarted', 'attemptStarted', 'outcome', 'retryScheduled', 'lookupStarted', 'lookupFinished', 'reconcile', 'intentFinished', 'idempotencyConflict']) {
      expect(seen, `a ${event} line`).toContain(event);
    }
    for (const line of lines) {
      for (const field of REQUIRED[line.event] ?? []) expect(line, `${line.event} line has ${field}`).toHaveProperty(field);
      if (line.event === 'outcome' && line['outcome'] !== 'unknown') expect(line).toHaveProperty('httpStatus');
    }

    // The outcomes, each at its level.
    const outcomeOf = (businessId: string): LogLine[] => lines.filter((l) => l.event === 'outcome' && l['businessId'] === businessId);
    expect(outcomeOf('sig-ok').map((l) => [l['outcome'], l.level])).toEqual([['success', 20]]);
    expect(outcomeOf('sig-drop').map((l) => [l['outcome'], l.level])).toEqual([['unknown', WARN]]);
    expect(outcomeOf('sig-refuse').map((l) => [l['outcome'], l['httpStatus'], l['venueCode'], l.level])).toEqual([['fatal', 400, '-1100', INFO]]);
    expect(outcomeOf('sig-resign').map((l) => [l['outcome'], l['venueCode']])).toEqual([
      ['resign', '-1021'],
      ['success', undefined],
    ]);
    const settled = lines.find((l) => l.event === 'reconcile' && l['businessId'] === 'sig-drop');
    expect(settled).toMatchObject({ lookup: 'found', action: 'settled', level: INFO });
    expect(lines.some((l) => l.event === 'lookupFinished' && l['verdict'] === 'inconclusive' && l.level === WARN)).toBe(true);
    expect(lines.find((l) => l.event === 'idempotencyConflict')).toMatchObject({ businessId: 'sig-ok', level: WARN });
    const refused = lines.find((l) => l.event === 'intentFinished' && l['businessId'] === 'sig-refuse');
    expect(refused).toMatchObject({ result: 'failed', status: 'failed', level: INFO });
    const ambiguousEnd = lines.find((l) => l.event === 'intentFinished' && l['businessId'] === 'inconclusive-1');
    expect(ambiguousEnd).toMatchObject({ result: 'ambiguous', status: 'unknown', level: WARN });

    // Correlation ids: the logged attempt and lookup ids are the ones the venue received.
    const logged = lines.filter((l) => l.event === 'attemptStarted' || l.event === 'lookupStarted').map((l) => l['correlationId']);
    expect(logged.length).toBeGreaterThan(0);
    for (const id of logged) expect(id).toMatch(/^ik-[0-9a-z]{20}$/);
    expect(venue.requestIds).toEqual(expect.arrayContaining(logged));
    const attemptIds = new Map(lines.filter((l) => l.event === 'attemptStarted').map((l) => [`${String(l['intentId'])}#${String(l['attempt'])}`, l['correlationId']]));
    for (const o of lines.filter((l) => l.event === 'outcome')) expect(o['correlationId']).toBe(attemptIds.get(`${String(o['intentId'])}#${String(o['attempt'])}`));
  });

  it('a clean run of many intents writes nothing at info or above; one ambiguous outcome writes a warn', async () => {
    const c = await client();
    const log = bufferedPino('debug');
    attachLogger(c, log.logger);
    const place = placeOrder(c);
    // A bot's start: a recovery pass over a ledger with nothing unfinished.
    await c.recover();
    for (let i = 0; i < 25; i++) await place(order('ok'), `clean-${i}`);
    // Calling a finished action again answers from the ledger: still quiet.
    await place(order('ok'), 'clean-0');
    const loud = log.lines().filter((l) => l.level >= INFO);
    expect(loud).toEqual([]);
    expect(log.lines().filter((l) => l.event === 'intentFinished')).toHaveLength(26);

    await place(order('drop'), 'after-clean');
    const warns = log.lines().filter((l) => l.level >= WARN);
    expect(warns.map((l) => [l.event, l['outcome'], l['businessId']])).toEqual([['outcome', 'unknown', 'after-clean']]);
    // ...and the episode is closed at info: the lookup settled it.
    expect(log.lines().filter((l) => l.level === INFO).map((l) => l.event)).toEqual(['reconcile', 'intentFinished']);
  });

  it('a throwing logger never breaks an intent', async () => {
    const c = await client();
    const boom = (): never => {
      throw new Error('log sink down');
    };
    attachLogger(c, { debug: boom, info: boom, warn: boom, error: boom });
    const place = placeOrder(c);
    await expect(place(order('ok'), 'boom-ok')).resolves.toMatchObject({ status: 'succeeded' });
    await expect(place(order('drop'), 'boom-drop')).resolves.toMatchObject({ status: 'succeeded', reconciled: true });
  });

  it('the logger option writes the same lines', async () => {
    dir = mkdtempSync(join(tmpdir(), 'intentkey-logging-'));
    const log = bufferedPino('debug');
    const c = createIntentClient(signedHttp(venue.url), {
      venue: binanceSpot,
      ledger: await FileLedger.open({ dir }),
      logger: log.logger,
    });
    clients.push(c);
    await placeOrder(c)(order('ok'), 'option-ok');
    expect(log.lines().filter((l) => l.event !== 'ledger').map((l) => l.event)).toEqual(['intentStarted', 'attemptStarted', 'outcome', 'intentFinished']);
    expect(log.text()).not.toContain(SECRETS.apiKey);
  });
});
