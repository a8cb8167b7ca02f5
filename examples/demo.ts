/**
 * `npm run demo`: the same few hundred orders, through the same injected faults,
 * placed by a naive axios-retry bot and by intentkey, side by side.
 *
 * The fake exchange (from `intentkey/testing`) behaves like Binance spot: a client
 * order id is unique only among open orders, market orders fill at once, and some
 * requests execute and then lose their answer (dropped connection, 500, a reply
 * slower than the client's timeout). Every execution is counted per business action.
 */
import { createHmac } from 'node:crypto';
import axios, { type AxiosInstance } from 'axios';
import axiosRetry from 'axios-retry';
import { binanceSpot, createIntentClient, extendVenue, isIntentError, MemoryLedger } from '../src/index.js';
import { startFakeVenue, type FakeVenue, type FakeVenueOptions } from '../src/testing/index.js';

const ORDERS = Number(process.env['DEMO_ORDERS'] ?? 300);
const CONCURRENCY = 16;
const ATTEMPT_TIMEOUT_MS = 800;
const venueOptions: FakeVenueOptions = {
  mode: 'exchange',
  seed: 7,
  delayMs: 1_200,
  retryAfterSeconds: 1,
  faults: { executeThenDrop: 0.05, executeThen500: 0.04, reject503: 0.04, delay: 0.03, rateLimit: 0.02 },
};

interface Order {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET';
  readonly quantity: string;
  readonly businessId: string;
}

const orders: Order[] = Array.from({ length: ORDERS }, (_, i) => ({
  symbol: 'BTCUSDT',
  side: i % 2 === 0 ? 'BUY' : 'SELL',
  type: 'MARKET',
  quantity: '0.001',
  businessId: `signal-${i + 1}`,
}));

/** The user's own signing interceptor: a fresh timestamp and HMAC on every request. */
function withSigning(http: AxiosInstance): AxiosInstance {
  http.interceptors.request.use((config) => {
    const params = { ...(config.params as Record<string, string>), timestamp: String(Date.now()), recvWindow: '1000' };
    const query = new URLSearchParams(params).toString();
    config.params = { ...params, signature: createHmac('sha256', 'demo-secret').update(query).digest('hex') };
    config.headers.set('X-MBX-APIKEY', 'demo-key');
    return config;
  });
  return http;
}

async function runPool<T>(items: readonly T[], worker: (item: T) => Promise<void>, label: string): Promise<void> {
  let next = 0;
  let done = 0;
  const step = Math.max(1, Math.floor(items.length / 6));
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) {
        const item = items[next++] as T;
        await worker(item);
        done++;
        if (done % step === 0 || done === items.length) process.stdout.write(`  ${label}: ${done}/${items.length} orders\n`);
      }
    }),
  );
}

interface Summary {
  readonly bot: string;
  readonly actions: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly notExecuted: number;
  readonly reportedOk: number;
  readonly reconciled: number;
  readonly needsAttention: number;
  readonly seconds: number;
}

function summarise(bot: string, venue: FakeVenue, ok: number, reconciled: number, attention: number, started: number): Summary {
  const stats = venue.stats();
  const notExecuted = orders.filter((o) => venue.executionsOf(o.businessId) === 0).length;
  return {
    bot,
    actions: orders.length,
    executions: stats.executions,
    duplicates: stats.duplicates,
    notExecuted,
    reportedOk: ok,
    reconciled,
    needsAttention: attention,
    seconds: (Date.now() - started) / 1000,
  };
}

async function naiveBot(): Promise<Summary> {
  const venue = await startFakeVenue(venueOptions);
  const started = Date.now();
  const http = withSigning(axios.create({ baseURL: venue.url, timeout: ATTEMPT_TIMEOUT_MS }));
  // What many bots do: retry network errors, timeouts, 5xx and 429 with exponential delay,
  // keeping the same client order id on every retry.
  axiosRetry(http, {
    retries: 5,
    retryDelay: (n) => 50 * 2 ** n,
    retryCondition: (e) => !e.response || e.response.status >= 500 || e.response.status === 429,
  });
  let ok = 0;
  await runPool(
    orders,
    async (o) => {
      const params = { symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity, newClientOrderId: `naive${o.businessId.replace(/\W/g, '')}`, businessId: o.businessId };
      try {
        await http.post('/api/v3/order', null, { params });
        ok++;
      } catch {
        // The naive bot gives up and moves on: it does not know whether the order exists.
      }
    },
    'naive axios-retry bot',
  );
  const summary = summarise('naive axios-retry', venue, ok, 0, orders.length - ok, started);
  await venue.close();
  return summary;
}

async function intentkeyBot(): Promise<Summary> {
  const venue = await startFakeVenue(venueOptions);
  const started = Date.now();
  const http = withSigning(axios.create({ baseURL: venue.url }));
  const client = createIntentClient(http, {
    // The fake exchange enforces a 1 s recvWindow, so a "not found" can be trusted 1.5 s
    // after the last attempt (real Binance: 61 s, the profile's default).
    venue: extendVenue(binanceSpot, { name: 'binance-spot-demo', reconcile: { settleDelayMs: 1_500 } }),
    ledger: new MemoryLedger(),
    attemptTimeoutMs: ATTEMPT_TIMEOUT_MS,
    retry: { maxAttempts: 8, baseDelayMs: 50, maxDelayMs: 2_000, deadlineMs: 30_000 },
  });
  const placeOrder = client.operation('order.create', {
    request: (o: Order) => ({ method: 'POST', url: '/api/v3/order', params: { ...o } }),
    reconcile: (o: Order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: o.symbol, origClientOrderId: ctx.venueKey } }),
    fingerprint: (o: Order) => ({ symbol: o.symbol, side: o.side, type: o.type, quantity: o.quantity }),
  });
  let ok = 0;
  let reconciled = 0;
  let attention = 0;
  await runPool(
    orders,
    async (o) => {
      try {
        const res = await placeOrder(o, { businessId: o.businessId });
        ok++;
        if (res.reconciled) reconciled++;
      } catch (error) {
        attention++;
        if (!isIntentError(error)) throw error;
      }
    },
    'intentkey bot',
  );
  const summary = summarise('intentkey', venue, ok, reconciled, attention, started);
  await venue.close();
  await client.close();
  return summary;
}

function table(rows: readonly Summary[]): string {
  const lines: Array<[string, ...string[]]> = [
    ['', ...rows.map((r) => r.bot)],
    ['business actions', ...rows.map((r) => String(r.actions))],
    ['executions at the venue', ...rows.map((r) => String(r.executions))],
    ['duplicate executions', ...rows.map((r) => String(r.duplicates))],
    ['actions never executed', ...rows.map((r) => String(r.notExecuted))],
    ['reported done by the bot', ...rows.map((r) => String(r.reportedOk))],
    ['settled by reconcile lookup', ...rows.map((r) => String(r.reconciled))],
    ['left for a person', ...rows.map((r) => String(r.needsAttention))],
    ['wall time (s)', ...rows.map((r) => r.seconds.toFixed(1))],
  ];
  const header = lines[0] as [string, ...string[]];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')).join('\n');
}

async function main(): Promise<void> {
  const f = venueOptions.faults ?? {};
  console.log(`intentkey demo: ${ORDERS} market orders against a fake Binance-like exchange on 127.0.0.1`);
  console.log(
    `faults per write: execute+drop ${f.executeThenDrop}, execute+500 ${f.executeThen500}, 503 ${f.reject503}, ` +
      `slow reply ${f.delay}, 429 ${f.rateLimit} (seed ${venueOptions.seed})\n`,
  );
  const naive = await naiveBot();
  const safe = await intentkeyBot();
  console.log(`\n${table([naive, safe])}\n`);
  const verdict = safe.duplicates === 0 && safe.notExecuted === safe.needsAttention ? 'PASS' : 'FAIL';
  console.log(`${verdict}: intentkey executed ${safe.executions} of ${safe.actions} actions with ${safe.duplicates} duplicates; the naive bot made ${naive.duplicates}.`);
  if (verdict !== 'PASS') process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
