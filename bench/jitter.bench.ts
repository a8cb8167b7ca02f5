/**
 * Backoff and jitter, reproduced: the experiment of the AWS Architecture Blog post
 * "Exponential Backoff And Jitter" (M. Brooker, 2015) on intentkey's own backoff, on a
 * simulated clock (see `bench/jitter-experiment.ts` for the setup and
 * `simulateContention` for the model).
 *
 * For 1 to 100 clients and each strategy it records the median total calls and time to
 * finish over seeded runs, then writes
 * - `bench/results/jitter.json` (every point, the setup and the verdict on each claim),
 * - `docs/images/jitter-calls.svg` and `docs/images/jitter-time.svg`,
 * and prints the `## Backoff and jitter, reproduced` section of docs/benchmarks.md.
 *
 * Run: `npm run bench:jitter` (5 to 10 s). Options:
 * - `--smoke`: 1 to 10 clients, one run each, output to a temporary directory that is
 *   checked and removed (for CI; well under 5 s). Exits non-zero if an output is broken.
 * - `--runs=<n>`: seeded runs per point. @default 25
 * - `--write-doc`: also replace that section in docs/benchmarks.md (or append it), leaving
 *   the rest of the file as it is.
 *
 * The clock is simulated, so the numbers do not depend on the machine: the same runs
 * give the same results anywhere.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NO_BACKOFF_SERIES,
  PUBLISHED_BASE_MS,
  PUBLISHED_CAP_MS,
  PUBLISHED_CLAIMS,
  PUBLISHED_NETWORK,
  STRATEGY_SERIES,
  runPoint,
  type Claim,
  type Point,
  type PointsAt,
  type Series,
} from './jitter-experiment.js';
import { renderLineChart, type ChartSeries } from './svg-chart.js';
import { simulateContention } from '../src/backoff/simulate.js';
import { SeededRandom } from '../src/testing/seeded-random.js';
import { closedFormBounds, policyTimeline, resolveRetryPolicy } from '../src/tools/policy.js';
import { seedFor } from './jitter-experiment.js';

const SECTION_HEADING = '## Backoff and jitter, reproduced';
const TABLE_CLIENTS = [1, 5, 10, 20, 50, 100];
const DEFAULT_RUNS = 25;

/**
 * One run of the published Python simulator on this machine kind (100 runs per point,
 * `random.seed(1)`, its own parameters), used as the reference the reproduction is
 * checked against: mean calls and mean time to finish in ms. Obtained by running
 * `src/backoff_simulator.py` from github.com/awslabs/aws-arch-backoff-simulator
 * (commit 66cb169) under Python 3 with `xrange` replaced by `range`.
 */
const PYTHON_REFERENCE: Readonly<Record<number, Readonly<Record<Series['id'], readonly [number, number]>>>> = {
  10: { none: [51, 3590], decorrelated: [37, 434], equal: [42, 732], full: [38, 465], noBackoff: [50, 382] },
  20: { none: [151, 14_817], decorrelated: [102, 802], equal: [107, 1683], full: [99, 1012], noBackoff: [151, 596] },
  50: { none: [620, 35_971], decorrelated: [375, 2277], equal: [346, 4215], full: [332, 2842], noBackoff: [690, 1145] },
  100: { none: [1860, 63_572], decorrelated: [1000, 4576], equal: [812, 6619], full: [795, 4925], noBackoff: [2421, 2026] },
};

const COLORS: Readonly<Record<Series['id'], string>> = {
  none: '#d62728',
  full: '#1f77b4',
  equal: '#ff7f0e',
  decorrelated: '#2ca02c',
  noBackoff: '#7f7f7f',
};

// ---------------------------------------------------------------------------- options

const args = process.argv.slice(2);
const isSmoke = args.includes('--smoke');
const shouldWriteDoc = args.includes('--write-doc');
const runsArg = args.find((a) => a.startsWith('--runs='));
const runs = isSmoke ? 1 : runsArg === undefined ? DEFAULT_RUNS : Number(runsArg.slice('--runs='.length));
if (!Number.isSafeInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, got ${runsArg ?? ''}`);
if (isSmoke && shouldWriteDoc) throw new Error('--write-doc cannot be combined with --smoke');
const maxClients = isSmoke ? 10 : 100;

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = isSmoke ? mkdtempSync(join(tmpdir(), 'intentkey-jitter-')) : repoRoot;
const resultsPath = join(outRoot, 'bench', 'results', 'jitter.json');
const imagesDir = join(outRoot, 'docs', 'images');
const callsSvgPath = join(imagesDir, 'jitter-calls.svg');
const timeSvgPath = join(imagesDir, 'jitter-time.svg');
const docPath = join(repoRoot, 'docs', 'benchmarks.md');

// ---------------------------------------------------------------------------- run

const allSeries: readonly Series[] = [...STRATEGY_SERIES, NO_BACKOFF_SERIES];
const clientCounts = Array.from({ length: maxClients }, (_, i) => i + 1);

const started = process.hrtime.bigint();
const points = new Map<Series['id'], Point[]>();
for (const series of allSeries) points.set(series.id, clientCounts.map((n) => runPoint(series, n, runs)));
const elapsedS = Number(process.hrtime.bigint() - started) / 1e9;

function pointsAt(clients: number): PointsAt {
  const at = (id: Series['id']): Point => (points.get(id) ?? [])[clients - 1] as Point;
  return { none: at('none'), full: at('full'), equal: at('equal'), decorrelated: at('decorrelated'), noBackoff: at('noBackoff') };
}

// ---------------------------------------------------------------------------- claims

interface Verdict {
  readonly text: string;
  /** Client counts checked. */
  readonly checked: number;
  /** Client counts at which the run agrees. */
  readonly held: number;
  /** Smallest n such that it holds at every count from n up to the largest; null if not at the largest. */
  readonly holdsFrom: number | null;
  /** Numbers at 50 and 100 clients (or at the one count the claim is about). */
  readonly details: Readonly<Record<string, string>>;
}

function judge(claim: Claim): Verdict {
  const counts = claim.onlyAtClients === undefined ? clientCounts : clientCounts.filter((n) => n === claim.onlyAtClients);
  const holds = counts.map((n) => claim.holds(pointsAt(n)));
  let holdsFrom: number | null = null;
  for (let i = counts.length - 1; i >= 0 && holds[i] === true; i--) holdsFrom = counts[i] as number;
  const detailAt = claim.onlyAtClients === undefined ? [50, 100] : [claim.onlyAtClients];
  const details: Record<string, string> = {};
  for (const n of detailAt) if (n <= maxClients) details[String(n)] = claim.detail(pointsAt(n));
  return { text: claim.text, checked: counts.length, held: holds.filter(Boolean).length, holdsFrom, details };
}

const verdicts = PUBLISHED_CLAIMS.map(judge);

// ---------------------------------------------------------------------------- JSON

const round1 = (n: number): number => Math.round(n * 10) / 10;
const results = {
  experiment: 'Exponential backoff and jitter (AWS Architecture Blog, 2015), reproduced with intentkey computeBackoffDelay',
  generatedAt: new Date().toISOString(),
  node: process.version,
  mode: isSmoke ? 'smoke' : 'full',
  model: {
    simulator: 'simulateContention with network (remote read, then write conditional on the version read)',
    network: PUBLISHED_NETWORK,
    publishedBaseMs: PUBLISHED_BASE_MS,
    publishedCapMs: PUBLISHED_CAP_MS,
    runsPerPoint: runs,
    seeds: 'SeededRandom(seedFor(run, clients)), run = 0..runsPerPoint-1, same seeds for every series',
    statistic: 'median over runs (mean also given)',
  },
  elapsedS: round1(elapsedS),
  series: allSeries.map((s) => ({
    id: s.id,
    label: s.label,
    strategy: s.strategy,
    baseDelayMs: s.baseDelayMs,
    maxDelayMs: s.maxDelayMs,
    points: (points.get(s.id) ?? []).map((p) => ({
      clients: p.clients,
      calls: p.calls,
      timeMs: round1(p.timeMs),
      meanCalls: round1(p.meanCalls),
      meanTimeMs: round1(p.meanTimeMs),
    })),
  })),
  claims: verdicts,
};
mkdirSync(dirname(resultsPath), { recursive: true });
// One point per line keeps the file short enough to diff between runs.
const json = JSON.stringify(results, null, 2).replace(/\{\n\s+("clients": [^{}]*?)\n\s+\}/g, (_, body: string) => `{ ${body.replace(/\n\s+/g, ' ')} }`);
writeFileSync(resultsPath, `${json}\n`);

// ---------------------------------------------------------------------------- charts

const chartSeries = (metric: (p: Point) => number): ChartSeries[] =>
  allSeries.map((s) => ({
    label: s.label,
    color: COLORS[s.id],
    dashed: s.id === 'noBackoff',
    points: (points.get(s.id) ?? []).map((p): [number, number] => [p.clients, metric(p)]),
  }));
mkdirSync(imagesDir, { recursive: true });
writeFileSync(
  callsSvgPath,
  renderLineChart({
    title: `Total calls to finish (median of ${runs} run${runs === 1 ? '' : 's'})`,
    xLabel: 'contending clients',
    yLabel: 'calls (writes)',
    series: chartSeries((p) => p.calls),
  }),
);
writeFileSync(
  timeSvgPath,
  renderLineChart({
    title: `Time until every client has written (median of ${runs} run${runs === 1 ? '' : 's'})`,
    xLabel: 'contending clients',
    yLabel: 'simulated time, ms (log scale)',
    yScale: 'log',
    series: chartSeries((p) => p.timeMs),
  }),
);

// ---------------------------------------------------------------------------- report

const int = (n: number): string => Math.round(n).toLocaleString('en-US');
const tableRow = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const shownClients = TABLE_CLIENTS.filter((n) => n <= maxClients);

function metricTable(metric: (p: Point) => number): string[] {
  const lines = [
    tableRow(['N', ...allSeries.map((s) => (s.id === 'noBackoff' ? `${s.label} (reference)` : s.label))]),
    tableRow(['--:', ...allSeries.map(() => '--:')]),
  ];
  for (const n of shownClients) {
    const p = pointsAt(n);
    lines.push(tableRow([String(n), ...allSeries.map((s) => int(metric(p[s.id])))]));
  }
  return lines;
}

function crossCheckTable(): string[] {
  const lines = [
    tableRow(['N', 'strategy', 'mean calls here', 'mean calls, Python', 'mean time here (ms)', 'mean time, Python (ms)']),
    tableRow(['--:', ':--', '--:', '--:', '--:', '--:']),
  ];
  for (const n of [50, 100]) {
    const reference = PYTHON_REFERENCE[n];
    if (reference === undefined || n > maxClients) continue;
    const p = pointsAt(n);
    for (const s of allSeries) {
      const [calls, timeMs] = reference[s.id];
      lines.push(tableRow([String(n), s.label, int(p[s.id].meanCalls), int(calls), int(p[s.id].meanTimeMs), int(timeMs)]));
    }
  }
  return lines;
}

function maxDeviation(): string {
  let worst = 0;
  let where = '';
  for (const [n, reference] of Object.entries(PYTHON_REFERENCE)) {
    const clients = Number(n);
    if (clients > maxClients) continue;
    const p = pointsAt(clients);
    for (const s of allSeries) {
      const [calls, timeMs] = reference[s.id];
      for (const [label, ours, theirs] of [
        ['calls', p[s.id].meanCalls, calls],
        ['time', p[s.id].meanTimeMs, timeMs],
      ] as const) {
        const deviation = Math.abs(ours / theirs - 1);
        if (deviation > worst) {
          worst = deviation;
          where = `${s.label} ${label} at N = ${clients}`;
        }
      }
    }
  }
  return `${(worst * 100).toFixed(1)}% (${where})`;
}

function verdictCell(v: Verdict): string {
  if (v.checked === 0) return 'not checked (needs N = 100)';
  if (v.checked === 1) return v.held === 1 ? 'holds' : '**does not hold**';
  if (v.held === v.checked) return `holds at every N`;
  if (v.holdsFrom !== null) return `holds at every N from ${v.holdsFrom} (${v.held} of ${v.checked})`;
  return `**does not hold** at N = ${maxClients} (${v.held} of ${v.checked})`;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const at = (n: number): PointsAt => pointsAt(Math.min(n, maxClients));
const big = at(100);
const mid = at(50);
const allHold = verdicts.every((v) => v.holdsFrom !== null || v.checked === 0);
const section = [
  SECTION_HEADING,
  '',
  'The experiment of the AWS Architecture Blog post "Exponential Backoff And Jitter" (Marc Brooker, 2015),',
  "run on intentkey's own `computeBackoffDelay` with a simulated clock. Command: `npm run bench:jitter`",
  '(`npm run bench:jitter -- --smoke` is the CI check: 1 to 10 clients, one run). Every point is in',
  '`bench/results/jitter.json`. The clock is simulated, so the numbers do not depend on the machine: the',
  'same seeds give the same results anywhere.',
  '',
  '### Method',
  '',
  '- **Model**: the one of the simulator published with the post',
  '  ([awslabs/aws-arch-backoff-simulator](https://github.com/awslabs/aws-arch-backoff-simulator),',
  '  `src/backoff_simulator.py`), implemented by `simulateContention` with its `network` option. N clients',
  '  start together and each must update one row once under optimistic concurrency: read the version,',
  '  then write conditional on it. Each message (read, read answer, write, write answer) takes',
  `  |Normal(${PUBLISHED_NETWORK.meanDelayMs} ms, ${PUBLISHED_NETWORK.sdDelayMs} ms)|. A write fails when another client's write landed between its`,
  '  read and its write; the client then waits one network delay plus its next backoff delay and reads',
  '  again. **Calls** are writes (reads are not counted, as in the original); **time** is when the last',
  '  client receives the answer to its successful write.',
  `- **Parameters**: the post's base ${PUBLISHED_BASE_MS} ms and cap ${int(PUBLISHED_CAP_MS)} ms. The post's exponential delay is`,
  '  `base × 2^attempt` with attempt 1 on the first retry and intentkey\'s is `baseDelayMs × 2^(retry − 1)`, so',
  `  no jitter, full and equal jitter run with \`baseDelayMs: ${2 * PUBLISHED_BASE_MS}\` (the same delays: 10, 20, 40, … ms);`,
  `  decorrelated jitter, \`min(cap, uniform(base, 3 × previous))\`, runs with \`baseDelayMs: ${PUBLISHED_BASE_MS}\` as is. "No`,
  '  backoff" (retry as soon as the failure is known) is the post\'s other baseline, shown for reference.',
  `- **Runs**: for every N from 1 to ${maxClients} and every strategy, ${runs} seeded run${runs === 1 ? '' : 's'}; the tables and charts show the`,
  '  median (the JSON also has the mean). Every strategy uses the same seeds.',
  '- **Difference from the original**: intentkey floors each delay to whole ms, and decorrelated jitter',
  '  grows from the floored previous delay.',
  '',
  'Cross-check against the original: the published Python simulator, run on this machine (100 runs per',
  'point, as in the post), against the means of this reproduction. The largest gap over N = 10, 20, 50',
  `and 100 and all five strategies is ${maxDeviation()}.`,
  '',
  ...crossCheckTable(),
  '',
  '### Results',
  '',
  `Total calls (median of ${runs} run${runs === 1 ? '' : 's'}):`,
  '',
  ...metricTable((p) => p.calls),
  '',
  `Time until every client has written, in simulated ms (median of ${runs} run${runs === 1 ? '' : 's'}):`,
  '',
  ...metricTable((p) => p.timeMs),
  '',
  '![Total calls against contending clients, one line per strategy](images/jitter-calls.svg)',
  '',
  '![Time to finish against contending clients, log scale, one line per strategy](images/jitter-time.svg)',
  '',
  '### Does the published ranking hold?',
  '',
  `The post's conclusions, each checked at every N from 1 to ${maxClients} (at N = 1 every strategy makes one call, so`,
  'a strict ranking can only start above it):',
  '',
  tableRow(['Claim of the post', 'Here', 'N = 50', 'N = 100']),
  tableRow([':--', ':--', ':--', ':--']),
  ...verdicts.map((v) => tableRow([v.text, verdictCell(v), v.details['50'] ?? '', v.details['100'] ?? ''])),
  '',
  allHold
    ? `**Yes, the published ranking holds.** No jitter is the clear loser: at N = 100 it makes ${int(big.none.calls)} calls against ${int(big.full.calls)} with full jitter (${ratio(big.full.calls, big.none.calls)}, "more than half" saved), ${int(big.equal.calls)} with equal and ${int(big.decorrelated.calls)} with decorrelated jitter, and takes ${int(big.none.timeMs)} ms against ${int(big.decorrelated.timeMs)} to ${int(big.equal.timeMs)} ms. Among the jittered strategies full jitter does the least work (${int(mid.full.calls)} calls at N = 50, equal ${int(mid.equal.calls)}, decorrelated ${int(mid.decorrelated.calls)}), decorrelated jitter finishes first (${int(mid.decorrelated.timeMs)} ms at N = 50, full ${int(mid.full.timeMs)}, equal ${int(mid.equal.timeMs)}), and equal jitter is the slowest. ${noBackoffSentence()}`
    : `**Not entirely.** The claims marked "does not hold" above disagree with the post at N = ${maxClients}; the others hold.`,
  '',
];
const markdown = section.join('\n');

/** What the no-backoff reference shows at the largest N, stated only as far as the run supports it. */
function noBackoffSentence(): string {
  const p = at(100);
  const others = STRATEGY_SERIES.map((s) => p[s.id]);
  const isFastest = others.every((o) => p.noBackoff.timeMs < o.timeMs);
  const isBusiest = others.every((o) => p.noBackoff.calls > o.calls);
  const n = Math.min(100, maxClients);
  if (isFastest && isBusiest) {
    return `No backoff at all finishes fastest but makes the most calls of all (${int(p.noBackoff.calls)} at N = ${n}, ${int(p.noBackoff.timeMs)} ms), as in the post, where backoff without jitter "helps a small amount".`;
  }
  return `No backoff at all makes ${int(p.noBackoff.calls)} calls and takes ${int(p.noBackoff.timeMs)} ms at N = ${n}.`;
}

console.log(markdown);
console.log(policyCrossCheck());
console.log(`${isSmoke ? 'smoke: ' : ''}${clientCounts.length} client counts × ${allSeries.length} series × ${runs} runs in ${elapsedS.toFixed(2)} s`);
console.log(`wrote ${relativeOrAbsolute(resultsPath)}, ${relativeOrAbsolute(callsSvgPath)}, ${relativeOrAbsolute(timeSvgPath)}`);

if (isSmoke) {
  // The smoke run exists to keep the harness working: fail loudly if an output is broken.
  const written = JSON.parse(readFileSync(resultsPath, 'utf8')) as typeof results;
  const complete = written.series.every((s) => s.points.length === maxClients && s.points.every((p) => p.calls >= p.clients));
  const svgsOk = [callsSvgPath, timeSvgPath].every((path) => {
    const svg = readFileSync(path, 'utf8');
    return svg.startsWith('<svg') && (svg.match(/<polyline /g) ?? []).length === allSeries.length;
  });
  rmSync(outRoot, { recursive: true, force: true });
  if (!complete || !svgsOk) throw new Error('smoke: the results file or a chart is incomplete');
  console.log('smoke: results file and charts complete (temporary copies removed)');
}

if (shouldWriteDoc) {
  writeFileSync(docPath, replaceSection(existsSync(docPath) ? readFileSync(docPath, 'utf8') : '', markdown));
  console.log(`updated ${relativeOrAbsolute(docPath)}`);
}

/**
 * `document` with the section that starts at {@link SECTION_HEADING} (up to the next
 * `## ` heading) replaced by `section`, or with `section` appended if it has none.
 */
function replaceSection(document: string, newSection: string): string {
  const start = document.indexOf(`${SECTION_HEADING}\n`);
  if (start === -1) return document.length === 0 ? newSection : `${document.replace(/\n*$/, '')}\n\n${newSection}`;
  const next = document.indexOf('\n## ', start + SECTION_HEADING.length);
  const rest = next === -1 ? '' : `\n${document.slice(next + 1)}`;
  return `${document.slice(0, start)}${newSection}${rest}`;
}

function relativeOrAbsolute(path: string): string {
  return isSmoke ? path : relative(repoRoot, path);
}

// ---------------------------------------------------------------------------- policy cross-check

/**
 * `intentkey policy` next to this bench's own simulation, on the same parameters.
 *
 * In `simulateContention`'s one-tick model with two clients, client 0 wins tick 0 and
 * client 1 learns of its conflict at tick 1, waits its first backoff and wins alone, so the
 * run ends at `2 + first backoff`: the policy timeline's attempt 2 sent at `1 + wait`
 * (`attemptMs: 1`), plus 1. Run on the same seeds, the two must agree exactly; the
 * timeline's own 10,000 seeded draws must agree in distribution, inside the closed-form
 * bounds. With no jitter and N clients in lockstep, the last client's finish is the
 * timeline's attempt N + 1 exactly. Throws when any of this fails.
 */
function policyCrossCheck(): string {
  const seeds = isSmoke ? 200 : 2000;
  const pct = (sorted: readonly number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)] as number;
  const lines = [
    '### Cross-check: `intentkey policy` against this simulation',
    '',
    `Wait before the first retry (ms) with the bench parameters: the two-client one-tick run on ${seeds} bench seeds, the policy timeline`,
    'on the same seeds, the timeline on its own 10,000 seeded draws, and the closed-form range.',
    '',
    tableRow(['strategy', 'bench sim p50 / p95 / max', 'timeline, same seeds', 'timeline, 10,000 draws', 'closed form', 'same seeds agree']),
    tableRow([':--', '--:', '--:', '--:', '--:', ':--']),
  ];
  let allAgree = true;
  for (const series of STRATEGY_SERIES) {
    const policy = resolveRetryPolicy({ maxAttempts: 2, jitter: series.strategy, baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs });
    const fromSim: number[] = [];
    const fromTimeline: number[] = [];
    for (let run = 0; run < seeds; run++) {
      const seed = seedFor(run, 2);
      const sim = simulateContention({ clients: 2, strategy: series.strategy, baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs, random: new SeededRandom(seed) });
      fromSim.push(sim.completionMs - 2);
      const timeline = policyTimeline(policy, { draws: 1, attemptMs: 1, random: new SeededRandom(seed) });
      fromTimeline.push((timeline.attempts[1]?.waitMs?.max ?? Number.NaN));
    }
    const agree = fromSim.every((v, i) => v === fromTimeline[i]);
    const own = policyTimeline(policy, { draws: 10_000 }).attempts[1]?.waitMs;
    const bound = closedFormBounds(policy)[1]?.waitMs;
    const inBounds = own !== null && own !== undefined && bound !== null && bound !== undefined && own.min >= bound.min && own.max <= bound.max;
    allAgree &&= agree && inBounds;
    const sorted = (values: number[]): number[] => [...values].sort((a, b) => a - b);
    const three = (values: number[]): string => {
      const s = sorted(values);
      return `${pct(s, 0.5)} / ${pct(s, 0.95)} / ${s[s.length - 1] ?? ''}`;
    };
    lines.push(
      tableRow([
        series.label,
        three(fromSim),
        three(fromTimeline),
        own === null || own === undefined ? '-' : `${own.p50} / ${own.p95} / ${own.max}`,
        bound === null || bound === undefined ? '-' : `${bound.min} to ${bound.max}`,
        agree ? (inBounds ? 'yes' : 'yes (own draws out of bounds!)') : '**no**',
      ]),
    );
  }
  const none = STRATEGY_SERIES.find((s) => s.strategy === 'none');
  if (none !== undefined) {
    const rows: string[] = [];
    for (const clients of [2, 5, 10, 20]) {
      const sim = simulateContention({ clients, strategy: 'none', baseDelayMs: none.baseDelayMs, maxDelayMs: none.maxDelayMs, random: new SeededRandom(1) });
      const policy = resolveRetryPolicy({ maxAttempts: clients, jitter: 'none', baseDelayMs: none.baseDelayMs, maxDelayMs: none.maxDelayMs });
      const last = policyTimeline(policy, { draws: 1, attemptMs: 1 }).attempts[clients - 1]?.elapsedMs?.max ?? Number.NaN;
      allAgree &&= sim.completionMs === last + 1;
      rows.push(`N = ${clients}: ${int(sim.completionMs)} ms simulated, ${int(last + 1)} ms from the timeline`);
    }
    lines.push('', `No jitter, N clients in lockstep, time until the last one has written: ${rows.join('; ')}.`);
  }
  lines.push('', allAgree ? 'The policy timeline and this simulation agree.' : '**The policy timeline and this simulation disagree.**', '');
  if (!allAgree) process.exitCode = 1;
  return lines.join('\n');
}
