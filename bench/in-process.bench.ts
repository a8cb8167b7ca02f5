/**
 * Micro-benchmark: the client's own CPU per call, with the network taken out. An axios
 * instance whose adapter answers at once carries the same POST through raw axios, through
 * a hand-written "floor" and through `createIntentClient` with a MemoryLedger, alternating
 * in rounds; what is left of the difference is intentkey's work per call (drafts, ledger,
 * decisions, events, metrics) plus what its request config adds to axios's own merging.
 *
 * The floor does, by hand and with nothing else, the work no design of this client can
 * skip: an HMAC of the business id for the key, a SHA-256 of the sorted input for the
 * fingerprint, a record copied into a Map before the request and replaced after it, the
 * key in a header and the status read. intentkey minus the floor is what the client's
 * structure costs (its interpreter, events, metrics, copies, promises).
 *
 * `--baseline DIR` compares two builds in one process instead: DIR is the `dist/` of
 * another commit (`npm run build` there, or a copy of an older `dist/`), and the two
 * clients alternate round by round with this checkout's build (`npm run build` first).
 * On a shared machine the CPU per call of one round moves by ±20% with the load; the
 * median of the per-round differences is steadier than a difference of medians, and is
 * what it reports.
 *
 * Also times the object copies the hot path makes (a spread that adds keys against
 * `extend()`), the V8 cliff docs/benchmarks.md describes under "Object spreads on the
 * hot path".
 *
 * `--answer` sets when the adapter answers: `now` (the default: in the same turn of the
 * event loop), `turn` (after a `setImmediate`) or `timer` (after a `setTimeout(0)`, a
 * turn through the loop's timers and poll, as an HTTP answer takes). The client's cost
 * grows with that wait far more than raw axios's or the floor's (docs/benchmarks.md,
 * round five), so `timer` is the closer stand-in for HTTP; `now` resolves the smallest
 * differences.
 *
 * Run: `npm run bench:in-process` (or `npx tsx bench/in-process.bench.ts [--calls N]
 * [--rounds N] [--baseline DIR] [--answer now|turn|timer]`). Plain script: warm-up, then alternating timed rounds;
 * prints the median CPU per call (`process.cpuUsage()`, every thread of the process). It
 * asserts nothing: the HTTP targets are judged by `npm run bench`.
 */
import axios, { type AxiosInstance, type InternalAxiosRequestConfig } from 'axios';
import { parseArgs } from 'node:util';
import * as source from '../src/index.js';
import { extend } from '../src/internal/extend.js';
import { loadBuild, type ClientModule } from './harness/builds.js';
import { floorCall } from './harness/floor.js';

const { values } = parseArgs({
  options: {
    calls: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '5' },
    baseline: { type: 'string' },
    answer: { type: 'string', default: 'now' },
  },
});
const ANSWERS = ['now', 'turn', 'timer'] as const;
if (!(ANSWERS as readonly string[]).includes(values.answer)) throw new Error(`--answer: expected one of ${ANSWERS.join(', ')}; got ${JSON.stringify(values.answer)}`);
const ANSWER = values.answer as (typeof ANSWERS)[number];
/** The wait the adapter makes before answering (see --answer). */
const answerWait = (): Promise<void> | undefined =>
  ANSWER === 'turn' ? new Promise((r) => setImmediate(r)) : ANSWER === 'timer' ? new Promise((r) => setTimeout(r, 0)) : undefined;
const CALLS = Number(values.calls);
const ROUNDS = Number(values.rounds);
if (!Number.isInteger(CALLS) || CALLS < 100 || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
  throw new Error(`--calls must be an integer >= 100 and --rounds >= 1 (got ${values.calls}, ${values.rounds})`);
}

/** An axios instance whose adapter answers every request with a small JSON body, at once or after the --answer wait. */
function instantAxios(): AxiosInstance {
  return axios.create({
    baseURL: 'http://127.0.0.1:9',
    adapter: async (config: InternalAxiosRequestConfig) => {
      const wait = answerWait();
      if (wait !== undefined) await wait;
      return { data: { orderId: 1, status: 'NEW' }, status: 200, statusText: 'OK', headers: {}, config, request: {} };
    },
  });
}

const order = (i: number): Record<string, string> => ({ symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: String(50_000 + (i % 1000)) });

let businessIds = 0;
function clientCall(module: ClientModule): { call: (i: number) => Promise<unknown>; close: () => Promise<void> } {
  const client = module.createIntentClient(instantAxios(), { venue: module.ietfIdempotencyKey, ledger: new module.MemoryLedger() });
  const placeOrder = client.operation('order.create', { request: (o: Record<string, string>) => ({ method: 'POST', url: '/order', data: o }) });
  return { call: (i) => placeOrder(order(i), { businessId: `order-${businessIds++}` }), close: () => client.close() };
}

/** The floor (bench/harness/floor.ts) through the instant adapter. */
function floorRun(): (i: number) => Promise<unknown> {
  const call = floorCall(instantAxios(), '/order');
  return (i) => call(order(i), `floor-${businessIds++}`);
}

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

/** Times each variant in rounds, the order of the variants reversed every other round; returns the samples by name. */
async function alternate(variants: Record<string, (i: number) => Promise<unknown>>): Promise<Map<string, number[]>> {
  const samples = new Map<string, number[]>(Object.keys(variants).map((name) => [name, []]));
  for (const run of Object.values(variants)) await cpuPerCall(run, Math.min(CALLS, 3000));
  const names = Object.keys(variants);
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) samples.get(name)?.push(await cpuPerCall(variants[name] as (i: number) => Promise<unknown>, CALLS));
  }
  return samples;
}

if (values.baseline !== undefined) {
  const baseline = clientCall(await loadBuild(values.baseline));
  const current = clientCall(await loadBuild('dist'));
  const samples = await alternate({ baseline: baseline.call, current: current.call });
  const before = samples.get('baseline') ?? [];
  const after = samples.get('current') ?? [];
  const differences = before.map((b, i) => b - (after[i] as number));
  console.log(`client CPU per call, adapter answering ${ANSWER}, ${ROUNDS} rounds x ${CALLS} calls, two builds alternating:`);
  console.log(`  baseline (${values.baseline})  ${median(before).toFixed(1)} µs`);
  console.log(`  this checkout (dist)          ${median(after).toFixed(1)} µs`);
  console.log(`  saved per call: median of the per-round differences ${median(differences).toFixed(1)} µs (middle half ${[...differences].sort((a, b) => a - b)[Math.floor(differences.length / 4)]?.toFixed(1)} to ${[...differences].sort((a, b) => a - b)[Math.floor((3 * differences.length) / 4)]?.toFixed(1)})`);
  await Promise.all([baseline.close(), current.close()]);
} else {
  const raw = instantAxios();
  const intentkey = clientCall(source);
  const samples = await alternate({
    'raw axios': (i) => raw.post('/order', order(i)),
    'the floor (by hand)': floorRun(),
    'intentkey (MemoryLedger)': intentkey.call,
  });
  const rawMedian = median(samples.get('raw axios') ?? []);
  console.log(`client CPU per call, adapter answering ${ANSWER}, ${ROUNDS} rounds x ${CALLS} calls (median; min-max):`);
  for (const [name, xs] of samples) {
    const m = median(xs);
    console.log(`  ${name.padEnd(26)} ${m.toFixed(1).padStart(6)} µs  (${Math.min(...xs).toFixed(1)}-${Math.max(...xs).toFixed(1)})  ${(m - rawMedian).toFixed(1).padStart(5)} µs over raw axios`);
  }
  await intentkey.close();

  const records = Array.from({ length: 100 }, (_, i) => ({
    id: `id-${i}`, scope: 'default', operation: 'order.create', businessId: `b-${i}`, venue: 'ietf', key: 'k', venueKey: 'k',
    fingerprint: 'f', input: { qty: i }, createdAt: 1, expiresAt: 2,
  }));
  const nsPerCopy = (copy: (i: number) => unknown): number => {
    for (let i = 0; i < 20_000; i++) copy(i);
    const start = process.hrtime.bigint();
    for (let i = 0; i < 200_000; i++) copy(i);
    return Number(process.hrtime.bigint() - start) / 200_000;
  };
  const spread = nsPerCopy((i) => ({ ...records[i % 100], status: 'pending', attempt: 0, epoch: 0, updatedAt: i }));
  const assigned = nsPerCopy((i) => extend(records[i % 100] as (typeof records)[number], { status: 'pending', attempt: 0, epoch: 0, updatedAt: i }));
  console.log('an 11-key record copied with 4 new keys:');
  console.log(`  { ...record, status, attempt, epoch, updatedAt }   ${spread.toFixed(0).padStart(6)} ns`);
  console.log(`  extend(record, { status, attempt, epoch, updatedAt }) ${assigned.toFixed(0).padStart(4)} ns`);
}
