/**
 * Micro-benchmark: the client's own CPU per call, with the network taken out. An axios
 * instance whose adapter answers at once carries the same POST through raw axios and
 * through `createIntentClient` with a MemoryLedger, alternating in rounds; what is left
 * of the difference is intentkey's work per call (drafts, ledger, decisions, events,
 * metrics) plus what its request config adds to axios's own merging.
 *
 * Also times the object copies the hot path makes (a spread that adds keys against
 * `extend()`), the V8 cliff docs/benchmarks.md describes under "Object spreads on the
 * hot path".
 *
 * Run: `npm run bench:in-process` (or `npx tsx bench/in-process.bench.ts [--calls N]
 * [--rounds N]`). Plain script: warm-up, then alternating timed rounds; prints the median
 * CPU per call (`process.cpuUsage()`, every thread of the process). It asserts nothing:
 * the HTTP targets are judged by `npm run bench`.
 */
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { parseArgs } from 'node:util';
import { createIntentClient, ietfIdempotencyKey, MemoryLedger } from '../src/index.js';
import { extend } from '../src/internal/extend.js';

const { values } = parseArgs({
  options: { calls: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '5' } },
});
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(CALLS) || CALLS < 100 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new Error(`--calls must be an integer >= 100 and --rounds >= 1 (got ${values.calls}, ${values.rounds})`);
}

/** An axios instance whose adapter answers every request at once with a small JSON body. */
function instantAxios(): AxiosInstance {
  return axios.create({
    baseURL: 'http://127.0.0.1:9',
    adapter: async (config: InternalAxiosRequestConfig) => ({ data: { orderId: 1, status: 'NEW' }, status: 200, statusText: 'OK', headers: {}, config, request: {} }),
  });
}

const order = (i: number): Record<string, string> => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: String(50_000 + (i % 1000)) });

const raw = instantAxios();
const client = createIntentClient(instantAxios(), { venue: ietfIdempotencyKey, ledger: new MemoryLedger() });
const placeOrder = client.operation('order.create', { request: (o: Record<string, string>) => ({ method: 'POST', url: '/order', data: o }) });
let businessIds = 0;

const variants: Record<string, (i: number) => Promise<unknown>> = {
  'raw axios': (i) => raw.post('/order', order(i)),
  'intentkey (MemoryLedger)': (i) => placeOrder(order(i), { businessId: `order-${businessIds++}` }),
};

async function cpuPerCall(run: (i: number) => Promise<unknown>, calls: number): Promise<number> {
  const start = process.cpuUsage();
  for (let i = 0; i < calls; i++) await run(i);
  const used = process.cpuUsage(start);
  return (used.user + used.system) / calls;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
for (const run of Object.values(variants)) await cpuPerCall(run, Math.min(CALLS, 3000));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(variants)) samples.get(name)?.push(await cpuPerCall(run, CALLS));
}
const rawMedian = median(samples.get('raw axios') ?? []);
console.log(`client CPU per call, instant adapter, ${ROUNDS} rounds x ${CALLS} calls (median; min-max):`);
for (const [name, xs] of samples) {
  const m = median(xs);
  console.log(`  ${name.padEnd(26)} ${m.toFixed(1).padStart(6)} µs  (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})  ${(m - rawMedian).toFixed(1).padStart(5)} µs over raw axios`);
}
await client.close();

// The copies: a record-sized object, copied with four keys it did not have.
const records = Array.from({ length: 100 }, (_, i) => ({
  id: `id-${i}`, scope: 'default', operation: 'order.create', businessId: `b-${i}`, venue: 'ietf', key: 'k', venueKey: 'k',
  fingerprint: 'f', input: { qty: i }, createdAt: 1, expiresAt: 2,
}));
function nsPerCopy(copy: (i: number) => unknown): number {
  for (let i = 0; i < 20_000; i++) copy(i);
  const start = process.hrtime.bigint();
  for (let i = 0; i < 200_000; i++) copy(i);
  return Number(process.hrtime.bigint() - start) / 200_000;
}
const spread = nsPerCopy((i) => ({ ...records[i % 100], status: 'pending', attempt: 0, epoch: 0, updatedAt: i }));
const assigned = nsPerCopy((i) => extend(records[i % 100] as (typeof records)[number], { status: 'pending', attempt: 0, epoch: 0, updatedAt: i }));
console.log('an 11-key record copied with 4 new keys:');
console.log(`  { ...record, status, attempt, epoch, updatedAt }   ${spread.toFixed(0).padStart(6)} ns`);
console.log(`  extend(record, { status, attempt, epoch, updatedAt }) ${assigned.toFixed(0).padStart(4)} ns`);
