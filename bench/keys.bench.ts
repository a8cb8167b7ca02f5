/**
 * Micro-benchmark: cost per key of each generation strategy, of deriveKey, and of the
 * `ulid` package's plain `ulid()` export as the reference the < 1 µs target is set
 * against (docs/design.md, "Keys", records about 57 µs per call for it).
 *
 * Run: `npm run bench:keys` (or `npx tsx bench/keys.bench.ts`). Plain script, no
 * framework: warm up, then 3 timed rounds of up to 200k calls each, report the median.
 * Slow cases get fewer calls per round so the whole run stays well under 20 s.
 */
import { ulid } from 'ulid';
import { systemClock } from '../src/internal/clock.js';
import { createCryptoRandom } from '../src/internal/random.js';
import { createKeyGenerator, deriveKey, type KeyStrategy } from '../src/keys/index.js';

const CALLS_PER_ROUND = 200_000;
const ROUNDS = 3;
const TARGET_NS = 1000;
/** Upper bound on one timed round, in ms; caps the call count of slow cases. */
const ROUND_BUDGET_MS = 1000;
const WARMUP_CALLS = 20_000;
const WARMUP_BUDGET_MS = 300;

interface Case {
  readonly name: string;
  /** Returns a key; `i` lets deriveKey vary its input without allocating up front. */
  readonly run: (i: number) => string;
}

const strategies: readonly KeyStrategy[] = ['ulid', 'uuidv4', 'uuidv7', 'nanoid'];

const cases: Case[] = [
  ...strategies.map((strategy): Case => {
    const next = createKeyGenerator(strategy, createCryptoRandom(), systemClock);
    return { name: `createKeyGenerator('${strategy}')`, run: () => next() };
  }),
  (() => {
    // Worst case for ulid: a new millisecond on every call, so every key draws 16 fresh
    // random digits instead of incrementing the previous key.
    let nowMs = 1_700_000_000_000;
    const next = createKeyGenerator('ulid', createCryptoRandom(), { now: () => nowMs++ });
    return { name: "createKeyGenerator('ulid'), new ms each call", run: () => next() };
  })(),
  {
    name: 'deriveKey (HMAC-SHA256)',
    run: (i) => deriveKey({ scope: 'bench', operation: 'placeOrder', businessId: `order-${i}` }),
  },
  { name: "ulid() from 'ulid' (reference)", run: () => ulid() },
];

/** Keeps results observable so the JIT cannot drop the calls. */
let sink = 0;

function timeCalls(run: Case['run'], calls: number): bigint {
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) sink += run(i).length;
  return process.hrtime.bigint() - start;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

interface Row {
  readonly name: string;
  readonly calls: number;
  readonly rounds: readonly number[];
  readonly medianNs: number;
}

function measure(c: Case): Row {
  // Warm-up doubles as a cost estimate: stop early for slow cases, then size rounds so
  // each one fits the budget.
  const warmStart = process.hrtime.bigint();
  let warmCalls = 0;
  while (warmCalls < WARMUP_CALLS && process.hrtime.bigint() - warmStart < BigInt(WARMUP_BUDGET_MS * 1e6)) {
    timeCalls(c.run, 100);
    warmCalls += 100;
  }
  const estimateNs = Number(process.hrtime.bigint() - warmStart) / warmCalls;
  const calls = Math.max(1000, Math.min(CALLS_PER_ROUND, Math.floor((ROUND_BUDGET_MS * 1e6) / estimateNs)));
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(Number(timeCalls(c.run, calls)) / calls);
  return { name: c.name, calls, rounds, medianNs: median(rounds) };
}

const started = process.hrtime.bigint();
const rows = cases.map(measure);
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;

const fmt = (ns: number): string => ns.toFixed(ns < 100 ? 1 : 0);
// Same-run ratio to the reference: steadier than absolute figures on a shared machine.
const referenceNs = rows.at(-1)?.medianNs ?? Number.NaN;
const header = ['case', 'calls/round', 'median ns/key', 'rounds ns/key', 'x faster than ulid()', `target < ${TARGET_NS} ns`];
const table = rows.map((row) => [
  row.name,
  String(row.calls),
  fmt(row.medianNs),
  row.rounds.map(fmt).join(' / '),
  (referenceNs / row.medianNs).toFixed(1),
  row.medianNs < TARGET_NS ? 'met' : 'not met',
]);
const widths = header.map((h, i) => Math.max(h.length, ...table.map((cells) => (cells[i] as string).length)));
const line = (cells: readonly string[]): string =>
  `| ${cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] as number) : cell.padStart(widths[i] as number))).join(' | ')} |`;

console.log(`Node ${process.version}, ${ROUNDS} rounds, median of per-round mean cost, crypto random buffered (4 KiB)`);
console.log(line(header));
console.log(`|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const cells of table) console.log(line(cells));
console.log(`total ${elapsedS.toFixed(1)} s (checksum ${sink})`);
