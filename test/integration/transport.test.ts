import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { AmbiguousOutcomeError, createIntentClient, MemoryLedger, RetriesExhaustedError } from '../../src/index.js';
import { FixedRandom, ManualClock } from '../../src/testing/index.js';
import { testExchange } from '../helpers/profiles.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

const servers: Server[] = [];

async function listen(handler: Handler): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => handler(req, body, res));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then closed). */
async function closedPort(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

/** Orders the fake venue has executed, by client order id. */
function venueState() {
  const executed = new Map<string, number>();
  const handler = (req: IncomingMessage, body: string, res: ServerResponse): string | undefined => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET') {
      const id = url.searchParams.get('clientOrderId') ?? '';
      if (executed.has(id)) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ clientOrderId: id, status: 'FILLED' }));
      } else {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: -2013, msg: 'Order does not exist.' }));
      }
      return undefined;
    }
    const order = JSON.parse(body) as { clientOrderId: string };
    executed.set(order.clientOrderId, (executed.get(order.clientOrderId) ?? 0) + 1);
    return order.clientOrderId;
  };
  return { executed, handler };
}

function client(baseURL: string, withReconcile: boolean, attemptTimeoutMs = 10_000) {
  const clock = new ManualClock();
  const c = createIntentClient(axios.create({ baseURL }), {
    venue: testExchange,
    ledger: new MemoryLedger(),
    clock,
    sleep: clock.sleep,
    random: new FixedRandom([0.5]),
    attemptTimeoutMs,
  });
  return c.operation('order.create', {
    request: (input: { qty: string }) => ({ method: 'POST', url: '/order', data: { ...input } }),
    ...(withReconcile ? { reconcile: (_: unknown, ctx: { venueKey: string }) => ({ method: 'GET', url: '/order', params: { clientOrderId: ctx.venueKey } }) } : {}),
  });
}

describe('transport faults against a real socket', () => {
  it('a reset after the request was written ends in unknown, never in a blind resend', async () => {
    const venue = venueState();
    const { url } = await listen((req, body, res) => {
      venue.handler(req, body, res);
      // Executed, then the connection dies before any answer.
      res.socket?.destroy();
    });
    const error = await client(url, false)({ qty: '1' }, { businessId: 'reset-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    expect([...venue.executed.values()]).toEqual([1]);
  });

  it('errors keep no credentials from the request, not even in their cause chain', async () => {
    const { url } = await listen((_req, _body, res) => res.socket?.destroy());
    const clock = new ManualClock();
    const op = createIntentClient(axios.create({ baseURL: url, headers: { Authorization: 'Bearer sk_live_do_not_log' } }), {
      venue: testExchange,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
    }).operation('order.create', { request: () => ({ method: 'POST', url: '/order', data: { apiSecret: 'body-secret-value' } }) });
    const error = await op({}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    const printed = inspect(error, { depth: 20, showHidden: true });
    expect(printed).toContain('ECONNRESET');
    expect(printed).not.toContain('sk_live_do_not_log');
    expect(printed).not.toContain('body-secret-value');
  });

  it('a reset after the request was written is reconciled by lookup: executed once, reported as success', async () => {
    const venue = venueState();
    const { url } = await listen((req, body, res) => {
      const id = venue.handler(req, body, res);
      if (req.method === 'POST' && id !== undefined) res.socket?.destroy();
    });
    const res = await client(url, true)({ qty: '1' }, { businessId: 'reset-2' });
    expect(res).toMatchObject({ reconciled: true, attempts: 1 });
    expect([...venue.executed.values()]).toEqual([1]);
  });

  it('a timeout after the request was written is unknown and reconciled, not resent', async () => {
    const venue = venueState();
    const { url } = await listen((req, body, res) => {
      const id = venue.handler(req, body, res);
      if (req.method === 'POST' && id !== undefined) return; // never answer
    });
    const res = await client(url, true, 150)({ qty: '1' }, { businessId: 'slow-1' });
    expect(res.reconciled).toBe(true);
    expect([...venue.executed.values()]).toEqual([1]);
  });

  it('a response cut in the middle of the body is unknown', async () => {
    const venue = venueState();
    const { url } = await listen((req, body, res) => {
      venue.handler(req, body, res);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"orderId":');
      setImmediate(() => res.socket?.destroy());
    });
    const error = await client(url, false)({ qty: '1' }, { businessId: 'cut-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AmbiguousOutcomeError);
    expect([...venue.executed.values()]).toEqual([1]);
  });

  it('connection refused is provably not sent: retried with the same key until it lands', async () => {
    const venue = venueState();
    const { url } = await listen((req, body, res) => {
      venue.handler(req, body, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"FILLED"}');
    });
    const dead = await closedPort();
    const clock = new ManualClock();
    const keys: string[] = [];
    const op = createIntentClient(axios.create(), {
      venue: testExchange,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new FixedRandom([0.5]),
    }).operation('order.create', {
      // Two refused attempts, then the live venue: proves refusal is retried, with one key.
      request: (input: { qty: string }, ctx) => {
        keys.push(ctx.venueKey);
        return { method: 'POST', url: `${ctx.attempt <= 2 ? dead : url}/order`, data: { ...input } };
      },
    });
    const res = await op({ qty: '1' }, { businessId: 'refused-1' });
    expect(res.attempts).toBe(3);
    expect(new Set(keys).size).toBe(1);
    expect([...venue.executed.entries()]).toEqual([[keys[0], 1]]);
    expect(clock.sleeps).toEqual([100, 200]);
  });

  it('connection refused on every attempt ends in RetriesExhaustedError with the intent still pending', async () => {
    const dead = await closedPort();
    const error = (await client(dead, true)({ qty: '1' }, { businessId: 'refused-2' }).catch((e: unknown) => e)) as RetriesExhaustedError;
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(error.status).toBe('pending');
    expect(error.attempts).toBe(6);
  });
});
