/**
 * The experiment of the AWS Architecture Blog post "Exponential Backoff And Jitter"
 * (M. Brooker, 2015), run on intentkey's own backoff through `simulateContention`.
 * Shared by `bench/jitter.bench.ts` and the unit test that pins its ranking, so both run
 * exactly the same setup. Pure: no I/O, no clock.
 *
 * Parameters of the published simulator (github.com/awslabs/aws-arch-backoff-simulator,
 * `src/backoff_simulator.py`): one-way network delay |Normal(10 ms, 2 ms)|, backoff base
 * 5 ms and cap 2,000 ms.
 */
import { simulateContention, type ContentionNetwork } from '../src/backoff/simulate.js';
import type { JitterStrategy } from '../src/backoff/jitter.js';
import { SeededRandom } from '../src/testing/seeded-random.js';

/** Network of the published simulator: mean 10 ms, standard deviation 2 ms per message. */
export const PUBLISHED_NETWORK: ContentionNetwork = Object.freeze({ meanDelayMs: 10, sdDelayMs: 2 });

/** Backoff base of the published simulator, in ms. */
export const PUBLISHED_BASE_MS = 5;

/** Backoff cap of the published simulator, in ms. */
export const PUBLISHED_CAP_MS = 2000;

/** One line of the charts: a jitter strategy with the intentkey options that reproduce the post's. */
export interface Series {
  /** Key in the JSON results. */
  readonly id: 'none' | 'full' | 'equal' | 'decorrelated' | 'noBackoff';
  /** Name used in tables and legends. */
  readonly label: string;
  readonly strategy: JitterStrategy;
  /** `baseDelayMs` handed to intentkey. */
  readonly baseDelayMs: number;
  /** `maxDelayMs` handed to intentkey. */
  readonly maxDelayMs: number;
}

/**
 * The four strategies compared, in the post's terms.
 *
 * The post's exponential delay is `base × 2^attempt` with attempt 1 on the first retry,
 * intentkey's is `baseDelayMs × 2^(retry − 1)`; so `none`, `full` and `equal` get
 * `baseDelayMs = 2 × 5 = 10` ms, which gives the same delays (10, 20, 40, … ms). The
 * post's decorrelated delay is `min(cap, uniform(base, 3 × previous))` starting from
 * `previous = base`, which is intentkey's formula with `baseDelayMs = 5` as is.
 */
export const STRATEGY_SERIES: readonly Series[] = Object.freeze([
  { id: 'none', label: 'no jitter', strategy: 'none', baseDelayMs: 2 * PUBLISHED_BASE_MS, maxDelayMs: PUBLISHED_CAP_MS },
  { id: 'full', label: 'full jitter', strategy: 'full', baseDelayMs: 2 * PUBLISHED_BASE_MS, maxDelayMs: PUBLISHED_CAP_MS },
  { id: 'equal', label: 'equal jitter', strategy: 'equal', baseDelayMs: 2 * PUBLISHED_BASE_MS, maxDelayMs: PUBLISHED_CAP_MS },
  {
    id: 'decorrelated',
    label: 'decorrelated jitter',
    strategy: 'decorrelated',
    baseDelayMs: PUBLISHED_BASE_MS,
    maxDelayMs: PUBLISHED_CAP_MS,
  },
]);

/**
 * The post's other baseline: retry as soon as the failure is known (no backoff at all),
 * which is `none` with a zero delay. Reported for reference, not ranked.
 */
export const NO_BACKOFF_SERIES: Series = Object.freeze({
  id: 'noBackoff',
  label: 'no backoff',
  strategy: 'none',
  baseDelayMs: 0,
  maxDelayMs: 0,
});

/** Median calls and completion time of one series at one client count. */
export interface Point {
  readonly clients: number;
  /** Median over the runs of the total calls (writes). */
  readonly calls: number;
  /** Median over the runs of the completion time, in ms. */
  readonly timeMs: number;
  /** Mean over the runs of the total calls; the post reported means. */
  readonly meanCalls: number;
  /** Mean over the runs of the completion time, in ms. */
  readonly meanTimeMs: number;
}

/**
 * Seed of run `run` at `clients` clients. Every series uses the same seeds, so the
 * comparison at one client count is between runs started from the same generator state.
 */
export function seedFor(run: number, clients: number): number {
  return (20_150_304 + run * 1_000_003 + clients * 7919) >>> 0;
}

/**
 * Runs `runs` seeded simulations of `series` with `clients` clients and returns the
 * medians and means.
 */
export function runPoint(series: Series, clients: number, runs: number): Point {
  const calls: number[] = [];
  const times: number[] = [];
  for (let run = 0; run < runs; run++) {
    const result = simulateContention({
      clients,
      strategy: series.strategy,
      baseDelayMs: series.baseDelayMs,
      maxDelayMs: series.maxDelayMs,
      network: PUBLISHED_NETWORK,
      random: new SeededRandom(seedFor(run, clients)),
    });
    if (result.unfinishedClients > 0) {
      // The default limit of 1,000 calls per client is far above anything this setup
      // reaches; a run that hits it would not be comparable.
      throw new Error(`${series.label}, ${clients} clients, run ${run}: ${result.unfinishedClients} clients gave up`);
    }
    calls.push(result.totalCalls);
    times.push(result.completionMs);
  }
  return { clients, calls: median(calls), timeMs: median(times), meanCalls: mean(calls), meanTimeMs: mean(times) };
}

/** Median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** The medians of every series at one client count, by series id. */
export type PointsAt = Readonly<Record<Series['id'], Point>>;

/** One statement of the post, checked against a run. */
export interface Claim {
  /** The statement, paraphrasing the post. */
  readonly text: string;
  /** Only checked at this client count (the post states it for one); otherwise at every count. */
  readonly onlyAtClients?: number;
  /** Whether the run agrees at one client count. */
  readonly holds: (p: PointsAt) => boolean;
  /** The numbers behind the verdict, for the report. */
  readonly detail: (p: PointsAt) => string;
}

const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

/**
 * The post's ranking, one statement per claim. Text of the post: "The no-jitter
 * exponential backoff approach is the clear loser. It not only takes more work, but also
 * takes more time than the jittered approaches"; "the number of calls is approximately
 * the same for Full and Equal jitter, and higher for Decorrelated"; "Equal Jitter is the
 * loser. It does slightly more work than Full Jitter, and takes much longer"; "The Full
 * Jitter approach uses less work, but slightly more time" (than Decorrelated); "In the
 * case with 100 contending clients, we've reduced our call count by more than half".
 */
export const PUBLISHED_CLAIMS: readonly Claim[] = Object.freeze([
  {
    text: 'No jitter makes more calls than every jittered strategy',
    holds: (p) => p.none.calls > Math.max(p.full.calls, p.equal.calls, p.decorrelated.calls),
    detail: (p) => `no jitter ${p.none.calls}, next highest ${Math.max(p.full.calls, p.equal.calls, p.decorrelated.calls)}`,
  },
  {
    text: 'No jitter takes longer than every jittered strategy',
    holds: (p) => p.none.timeMs > Math.max(p.full.timeMs, p.equal.timeMs, p.decorrelated.timeMs),
    detail: (p) =>
      `no jitter ${ratio(p.none.timeMs, Math.max(p.full.timeMs, p.equal.timeMs, p.decorrelated.timeMs))} the slowest jittered one`,
  },
  {
    text: 'Full and equal jitter make about the same number of calls (equal at most 10% more, and not fewer)',
    holds: (p) => p.equal.calls >= p.full.calls && p.equal.calls <= 1.1 * p.full.calls,
    detail: (p) => `equal / full calls = ${ratio(p.equal.calls, p.full.calls)}`,
  },
  {
    text: 'Decorrelated jitter makes more calls than full and equal jitter',
    holds: (p) => p.decorrelated.calls > Math.max(p.full.calls, p.equal.calls),
    detail: (p) => `decorrelated / full calls = ${ratio(p.decorrelated.calls, p.full.calls)}`,
  },
  {
    text: 'Equal jitter takes longer than full and decorrelated jitter',
    holds: (p) => p.equal.timeMs > Math.max(p.full.timeMs, p.decorrelated.timeMs),
    detail: (p) => `equal / full time = ${ratio(p.equal.timeMs, p.full.timeMs)}`,
  },
  {
    text: 'Full jitter takes longer than decorrelated jitter',
    holds: (p) => p.full.timeMs > p.decorrelated.timeMs,
    detail: (p) => `full / decorrelated time = ${ratio(p.full.timeMs, p.decorrelated.timeMs)}`,
  },
  {
    text: 'At 100 clients, full jitter makes fewer than half the calls of no jitter',
    onlyAtClients: 100,
    holds: (p) => p.full.calls < p.none.calls / 2,
    detail: (p) => `full / no jitter calls = ${ratio(p.full.calls, p.none.calls)}`,
  },
]);
