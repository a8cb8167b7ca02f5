/**
 * The bot process of `npm run demo`. The demo starts it, SIGKILLs it at random
 * moments, and starts it again; each run reports progress to the parent over IPC.
 *
 *   intentkey mode: every order is one intent in the file ledger. On start the bot
 *   starts recovery in the background (`startRecovery()`) and places every order at
 *   once; finished ones return from the ledger without a network call, and an order
 *   recovery is finishing joins that run.
 *   naive mode: axios + axios-retry; it remembers which orders it saw succeed in a
 *   plain file and, after a restart, sends the others again.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import { binanceSpot, createIntentClient, extendVenue, FileLedger, isIntentError } from '../src/index.js';

interface Order {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET';
  readonly quantity: string;
  readonly businessId: string;
}

const [mode, venueUrl, stateDir, countText] = process.argv.slice(2) as [string, string, string, string];
const count = Number(countText);
const CONCURRENCY = 8;
const orders: Order[] = Array.from({ length: count }, (_, i) => ({
  symbol: 'BTCUSDT',
  side: i % 2 === 0 ? 'BUY' : 'SELL',
  type: 'MARKET',
  quantity: '0.001',
  businessId: `signal-${i + 1}`,
}));

const report = (message: Record<string, unknown>): void => {
  process.send?.(message);
};

/** Your own signing interceptor: a fresh timestamp and HMAC on every request. */
function withSigning(http: AxiosInstance): AxiosInstance {
  http.interceptors.request.use((config) => {
    const params = { ...(config.params as Record<string, string>), timestamp: String(Date.now()), recvWindow: '1000' };
    config.params = { ...params, signature: createHmac('sha256', 'demo-secret').update(new URLSearchParams(params).toString()).digest('hex') };
    return config;
  });
  return http;
}

async function pool(items: readonly Order[], work: (o: Order) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await work(items[next++] as Order);
    }),
  );
}

async function intentkeyBot(): Promise<void> {
  const ledger = await FileLedger.open({ dir: stateDir, onEvent: (e) => report({ type: 'ledgerEvent', event: e.type }) });
  const client = createIntentClient(withSigning(axios.create({ baseURL: venueUrl })), {
    // The fake exchange enforces a 1 s recvWindow, so "not found" is trusted 1.5 s after
    // the last attempt (real Binance: 61 s, the profile's default).
    venue: extendVenue(binanceSpot, { name: 'binance-spot-demo', reconcile: { settleDelayMs: 1_500 } }),
    ledger,
    attemptTimeoutMs: 800,
    retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000, deadlineMs: 30_000 },
  });
  const placeOrder = client.operation('order.create', {
    request: (o: Order) => ({ method: 'POST', url: '/api/v3/order', params: { ...o } }),
    reconcile: (o: Order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: o.symbol, origClientOrderId: ctx.venueKey } }),
    fingerprint: (o: Order) => ({ symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity }),
  });
  // Non-blocking startup: the past is finished in the background while new orders go out.
  const recovery = client.startRecovery();
  const recovered = recovery.done.then((r) =>
    report({ type: 'recovered', resumed: r.resumed, reconciled: r.reconciledFound, resent: r.resent, attention: r.needsAttention.length }),
  );
  await pool(orders, async (o) => {
    try {
      const res = await placeOrder(o, { businessId: o.businessId });
      report({ type: 'done', businessId: o.businessId, replayed: res.replayed, reconciled: res.reconciled });
    } catch (error) {
      if (!isIntentError(error)) throw error;
      report({ type: 'attention', businessId: o.businessId, code: error.code });
    }
  });
  await recovered;
  await client.close();
}

async function naiveBot(): Promise<void> {
  const seenFile = `${stateDir}/seen.txt`;
  let seen = new Set<string>();
  try {
    seen = new Set(readFileSync(seenFile, 'utf8').split('\n').filter(Boolean));
  } catch {
    // first run
  }
  const http = withSigning(axios.create({ baseURL: venueUrl, timeout: 800 }));
  axiosRetry(http, {
    retries: 5,
    retryDelay: (n) => 50 * 2 ** n,
    retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429,
  });
  await pool(orders, async (o) => {
    if (seen.has(o.businessId)) {
      report({ type: 'done', businessId: o.businessId, replayed: true, reconciled: false });
      return;
    }
    try {
      await http.post('/api/v3/order', null, { params: { ...o, newClientOrderId: o.businessId.replace(/\W/g, '') } });
      appendFileSync(seenFile, `${o.businessId}\n`);
      report({ type: 'done', businessId: o.businessId, replayed: false, reconciled: false });
    } catch {
      report({ type: 'attention', businessId: o.businessId, code: 'GAVE_UP' });
    }
  });
}

(mode === 'naive' ? naiveBot() : intentkeyBot())
  .then(() => {
    report({ type: 'finished' });
    process.exit(0);
  })
  .catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
