/**
 * Placing Binance spot orders safely: `npm run example:binance`.
 *
 * Runs against the fake exchange from `intentkey/testing`, which speaks Binance's
 * order API and loses some answers after executing the order (dropped connections,
 * 500s, rate limits). Your real setup differs in two lines: the base URL and your
 * own signing interceptor with your API key.
 *
 * What to look for: no reconcile code in the operation. An order whose answer was
 * lost is looked up with the lookup the `binanceSpot` profile describes
 * (`GET /api/v3/order?symbol=&origClientOrderId=`, signed by your interceptor), and is
 * resent only once Binance's "not found" can be trusted.
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import axios from 'axios';
import { binanceSpot, createIntentClient, FileLedger } from '../src/index.js';
import { startFakeVenue } from '../src/testing/index.js';

/** What the example reports; the example test checks it. */
export interface ExampleSummary {
  readonly orders: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly settledByLookup: number;
}

export async function main(options: { orders?: number; log?: (line: string) => void } = {}): Promise<ExampleSummary> {
  const count = options.orders ?? 20;
  const log = options.log ?? console.log;
  const venue = await startFakeVenue({ mode: 'exchange', seed: 7, faults: { executeThenDrop: 0.15, executeThen500: 0.1, rateLimit: 0.05 }, retryAfterSeconds: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'intentkey-binance-'));
  const ledger = await FileLedger.open({ dir });
  try {
    // Your axios instance, with your signing interceptor: intentkey leaves both alone
    // and rebuilds the request for every attempt, so each attempt is signed afresh.
    const http = axios.create({ baseURL: venue.url });
    http.interceptors.request.use((config) => {
      const params = { ...(config.params as Record<string, string>), timestamp: String(Date.now()), recvWindow: '5000' };
      const signature = createHmac('sha256', 'your-api-secret').update(new URLSearchParams(params).toString()).digest('hex');
      config.params = { ...params, signature };
      config.headers.set('X-MBX-APIKEY', 'your-api-key');
      return config;
    });

    let settledByLookup = 0;
    const client = createIntentClient(http, {
      venue: binanceSpot,
      ledger,
      attemptTimeoutMs: 2_000,
      on: {
        reconcile: (e) => {
          if (e.lookup === 'found') settledByLookup++;
        },
      },
    });
    const placeOrder = client.operation('order.create', {
      request: (order: { symbol: string; side: 'BUY' | 'SELL'; quantity: string; signalId: string }) => ({
        method: 'POST',
        url: '/api/v3/order',
        // `businessId` is only for the fake venue's duplicate counter.
        params: { symbol: order.symbol, side: order.side, type: 'MARKET', quantity: order.quantity, businessId: order.signalId },
      }),
      result: (response) => response.data as { orderId: number; status: string },
    });

    for (let i = 1; i <= count; i++) {
      const signalId = `signal-${i}`;
      // One business action, one intent: calling again with the same businessId (after
      // a crash, or a redelivered message) returns this order instead of placing another.
      const placed = await placeOrder({ symbol: 'BTCUSDT', side: i % 2 === 0 ? 'SELL' : 'BUY', quantity: '0.001', signalId }, { businessId: signalId });
      log(`${signalId}: order ${placed.result.orderId} ${placed.result.status} after ${placed.attempts} attempt(s)${placed.reconciled ? ', found by lookup' : ''}`);
    }
    const stats = venue.stats();
    log(`${count} orders, ${stats.executions} executions, ${stats.duplicates} duplicates, ${settledByLookup} settled by lookup`);
    return { orders: count, executions: stats.executions, duplicates: stats.duplicates, settledByLookup };
  } finally {
    await ledger.close();
    await venue.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
