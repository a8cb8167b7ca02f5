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

/** How often a bot sends its monitoring signals to the demo, in ms (and after every send). */
const SIGNALS_EVERY_MS = 100;

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
  // The monitoring signals: `client.metrics()` is a plain snapshot of this client's
  // counters, sent to the demo now and then (the demo may SIGKILL this process).
  const sendSignals = (): void => report({ type: 'metrics', metrics: client.metrics() });
  const signals = setInterval(sendSignals, SIGNALS_EVERY_MS);
  // Also right after each send, so a life killed early still reports what it sent.
  let queued = false;
  client.on('attemptStarted', () => {
    if (queued) return;
    queued = true;
    setImmediate(() => {
      queued = false;
      sendSignals();
    });
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
  clearInterval(signals);
  sendSignals();
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
  // What can be counted without intentkey: order requests sent, the orders they were
  // for, axios-retry's retries and the orders that succeeded after one.
  const signals = { writesSent: 0, objects: new Set<string>(), retries: 0, recovered: 0, succeeded: 0, gaveUp: 0 };
  const retriedOrders = new Set<string>();
  const sendSignals = (): void =>
    report({ type: 'naiveMetrics', metrics: { ...signals, objects: signals.objects.size } });
  const timer = setInterval(sendSignals, SIGNALS_EVERY_MS);
  http.interceptors.request.use((config) => {
    if (config.method === 'post') {
      signals.writesSent++;
      signals.objects.add(String((config.params as Record<string, unknown> | undefined)?.['businessId']));
    }
    return config;
  });
  axiosRetry(http, {
    retries: 5,
    retryDelay: (n) => 50 * 2 ** n,
    retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429,
    onRetry: (_n, _error, config) => {
      signals.retries++;
      retriedOrders.add(String((config.params as Record<string, unknown> | undefined)?.['businessId']));
    },
  });
  await pool(orders, async (o) => {
    if (seen.has(o.businessId)) {
      report({ type: 'done', businessId: o.businessId, replayed: true, reconciled: false });
      return;
    }
    try {
      await http.post('/api/v3/order', null, { params: { ...o, newClientOrderId: o.businessId.replace(/\W/g, '') } });
      appendFileSync(seenFile, `${o.businessId}\n`);
      signals.succeeded++;
      if (retriedOrders.has(o.businessId)) signals.recovered++;
      report({ type: 'done', businessId: o.businessId, replayed: false, reconciled: false });
    } catch {
      signals.gaveUp++;
      report({ type: 'attention', businessId: o.businessId, code: 'GAVE_UP' });
    }
  });
  clearInterval(timer);
  sendSignals();
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
