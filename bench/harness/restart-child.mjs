/**
 * One restart of a bot, for `npm run bench:restart`: a fresh Node process (plain
 * JavaScript on the built package, as a deployed bot runs) opens a file ledger left by
 * a crash, starts recovery, and places one new order. It prints one JSON line with
 * the time from process start (and from its first line of code) to the moment that
 * order is handed to the transport, then exits without waiting for recovery.
 *
 * argv: <dist index.js URL> <ledger dir> <venue URL> <background|blocking>
 */
const botStartMs = performance.now();
const [distUrl, dir, url, startup] = process.argv.slice(2);
const axios = (await import('axios')).default;
const { createIntentClient, extendVenue, binanceSpot, FileLedger } = await import(distUrl);
const loadedMs = performance.now();

const ledger = await FileLedger.open({ dir });
const openedMs = performance.now();
const http = axios.create({ baseURL: url });
let firstSendMs;
http.interceptors.request.use((config) => {
  if (config.intentkey?.purpose === 'send' && config.intentkey.operation === 'order.create' && config.params?.businessId === 'fresh' && firstSendMs === undefined) {
    firstSendMs = performance.now();
  }
  return config;
});
const client = createIntentClient(http, {
  venue: extendVenue(binanceSpot, { name: 'binance-bench', reconcile: { settleDelayMs: 1_000 } }),
  ledger,
  retry: { baseDelayMs: 200, maxDelayMs: 2_000 },
});
const place = client.operation('order.create', {
  request: (o) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '1', businessId: o.id } }),
});
let recoveredMs;
if (startup === 'blocking') {
  await client.recover();
  recoveredMs = performance.now();
} else {
  client.startRecovery();
}
await place({ id: 'fresh' }, { businessId: 'fresh' });
process.stdout.write(
  `${JSON.stringify({
    fromProcessStartMs: firstSendMs,
    fromBotStartMs: firstSendMs - botStartMs,
    moduleLoadMs: loadedMs - botStartMs,
    ledgerOpenMs: openedMs - loadedMs,
    fromLedgerOpenedMs: firstSendMs - openedMs,
    recoverMs: recoveredMs === undefined ? undefined : recoveredMs - openedMs,
  })}\n`,
);
process.exit(0);
