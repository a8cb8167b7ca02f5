import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import axiosRetry from 'axios-retry';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, MemoryLedger, RetriesExhaustedError } from '../../src/index.js';
import { FixedRandom, ManualClock } from '../../src/testing/index.js';
import { testPayments } from '../helpers/profiles.js';

let server: Server;
let baseURL = '';
let hits = 0;
let status = 503;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'x' } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('an instance that already has axios-retry installed', () => {
  it('the control: axios-retry on its own multiplies one request into several', async () => {
    hits = 0;
    status = 503;
    const instance = axios.create({ baseURL });
    axiosRetry(instance, { retries: 3, retryDelay: () => 0, retryCondition: () => true });
    await instance.post('/pay', {}).catch(() => undefined);
    expect(hits).toBe(4);
  });

  it('intent requests are sent exactly once per recorded attempt', async () => {
    hits = 0;
    status = 429;
    const instance = axios.create({ baseURL });
    axiosRetry(instance, { retries: 3, retryDelay: () => 0, retryCondition: () => true });
    const clock = new ManualClock();
    const attempts: number[] = [];
    const pay = createIntentClient(instance, {
      venue: testPayments,
      ledger: new MemoryLedger(),
      clock,
      sleep: clock.sleep,
      random: new FixedRandom([0.5]),
      retry: { maxAttempts: 3 },
      on: { attemptStarted: (e) => attempts.push(e.attempt) },
    }).operation('payment.create', { request: (input: object) => ({ method: 'POST', url: '/pay', data: { ...input } }) });

    const error = await pay({ amount: 100 }, { businessId: 'inv-1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect(attempts).toEqual([1, 2, 3]);
    expect(hits).toBe(3);
  });
});
