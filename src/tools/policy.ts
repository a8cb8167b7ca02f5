/**
 * Retry-policy designer: the pure functions behind `intentkey policy`.
 *
 * Every delay here comes from the code the client runs: `computeBackoffDelay` draws the
 * backoff (its unchecked core `drawBackoffDelay` in the simulation loops, once the policy
 * is checked) and `planRetry` decides between waiting and stopping at the deadline, exactly
 * as the client's runner calls them. The only formulas written out in this file are the
 * analytical bounds of {@link closedFormBounds}, which exist to check the simulation.
 *
 * No I/O, no `node:` modules: randomness and time are injected (a seeded source by
 * default for simulations, so the same input always gives the same numbers).
 */
import type { AxiosError } from 'axios';
import { z } from 'zod';
import { computeBackoffDelay, drawBackoffDelay, MAX_TIMER_DELAY_MS, type BackoffOptions } from '../backoff/jitter.js';
import { DEFAULT_BACKOFF, DEFAULT_MAX_RETRY_AFTER_MS, planRetry } from '../backoff/plan.js';
import { defaultMaxDelayMs, MAX_RETRY_ATTEMPTS, retryDelayOrder, retryPolicyFields, type RetryPolicy } from '../backoff/retry-options.js';

export type { RetryPolicy } from '../backoff/retry-options.js';
import { parseRetryAfter } from '../backoff/retry-after.js';
import { ConfigurationError } from '../errors/index.js';
import type { RandomSource } from '../internal/random.js';
import { describeValue, parseOptions } from '../internal/validation.js';
import { createWebCryptoRandom } from '../internal/web-random.js';
import { SeededRandom } from '../testing/seeded-random.js';
import type { VenueProfile } from '../venues/profile.js';

// ---------------------------------------------------------------------------- policy

/**
 * The policy a client gets when `retry` is omitted (the same for every venue profile:
 * profiles carry no retry settings): 6 attempts, full jitter, 200 ms base, 20 s cap,
 * 60 s deadline, Retry-After honoured up to 60 s.
 */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({
  maxAttempts: 6,
  jitter: DEFAULT_BACKOFF.jitter,
  baseDelayMs: DEFAULT_BACKOFF.baseDelayMs,
  maxDelayMs: DEFAULT_BACKOFF.maxDelayMs,
  deadlineMs: 60_000,
  maxRetryAfterMs: DEFAULT_MAX_RETRY_AFTER_MS,
});

/** Largest `maxAttempts` the client accepts. */
export const MAX_POLICY_ATTEMPTS = MAX_RETRY_ATTEMPTS;

/** A partial policy: the client's `retry` fields; others (such as `pauseAtUsage`) are ignored. */
const retryPolicySchema = z.object(retryPolicyFields).superRefine(retryDelayOrder);

/**
 * Fills in a partial policy from {@link DEFAULT_RETRY_POLICY} and checks it with the
 * client's own rules (integers, ranges, `maxDelayMs >= baseDelayMs`). When `maxDelayMs`
 * is omitted it is `max(20000, baseDelayMs)`, as in the client.
 *
 * @returns a frozen, valid {@link RetryPolicy}.
 * @throws ConfigurationError whose `path` is `policy.<field>`, with what was expected and received.
 */
export function resolveRetryPolicy(input: Partial<RetryPolicy> = {}): RetryPolicy {
  const given = parseOptions(retryPolicySchema, input, 'policy');
  const baseDelayMs = given.baseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs;
  return Object.freeze({
    maxAttempts: given.maxAttempts ?? DEFAULT_RETRY_POLICY.maxAttempts,
    jitter: given.jitter ?? DEFAULT_RETRY_POLICY.jitter,
    baseDelayMs,
    maxDelayMs: given.maxDelayMs ?? defaultMaxDelayMs(baseDelayMs),
    deadlineMs: given.deadlineMs ?? DEFAULT_RETRY_POLICY.deadlineMs,
    maxRetryAfterMs: given.maxRetryAfterMs ?? DEFAULT_RETRY_POLICY.maxRetryAfterMs,
  });
}

function checkInteger(field: string, value: unknown, min: number, max: number, prefix = 'policy'): void {
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max)) {
    throw new ConfigurationError({ path: `${prefix}.${field}`, expected: `an integer in [${min}, ${max}]`, received: describeValue(value) });
  }
}

function backoffOf(policy: RetryPolicy): BackoffOptions {
  return { jitter: policy.jitter, baseDelayMs: policy.baseDelayMs, maxDelayMs: policy.maxDelayMs };
}

// ---------------------------------------------------------------------------- venue

/** What a venue profile says that bears on retrying (profiles carry no retry settings). */
export interface PolicyVenueFacts {
  /** Profile name. */
  readonly name: string;
  /** Headers the client reads a venue-requested wait from (honoured up to `maxRetryAfterMs`). */
  readonly retryAfterHeaders: readonly string[];
  /** How the venue deduplicates by key: `keyStore`, `openOrders` or `none`. */
  readonly dedupe: VenueProfile['dedupe']['kind'];
  /** How long a lookup's "not found" waits before it is believed, in ms. */
  readonly settleDelayMs: number;
}

/** The retry-relevant facts of `venue`, as `intentkey policy --venue` and the policy playground show them. */
export function policyVenueFacts(venue: VenueProfile): PolicyVenueFacts {
  return {
    name: venue.name,
    retryAfterHeaders: venue.rateLimit.retryAfterHeaders,
    dedupe: venue.dedupe.kind,
    settleDelayMs: venue.reconcile.settleDelayMs,
  };
}

/** Where a designed policy comes from, in words: the client defaults (for every venue alike), overridden by the fields given. */
export function policySource(venue: VenueProfile | undefined): { readonly venue: string | null; readonly note: string } {
  return {
    venue: venue === undefined ? null : venue.name,
    note:
      venue === undefined
        ? 'createIntentClient defaults, overridden by the flags given'
        : 'venue profiles carry no retry settings: createIntentClient defaults, overridden by the flags given',
  };
}

// ---------------------------------------------------------------------------- timeline

/** Order statistics of one quantity over the draws that reached an attempt, in ms. */
export interface Spread {
  readonly min: number;
  /** Median (nearest rank). */
  readonly p50: number;
  /** 95th percentile (nearest rank). */
  readonly p95: number;
  readonly max: number;
  readonly mean: number;
}

/** One attempt of a {@link PolicyTimeline}. */
export interface AttemptTimeline {
  /** 1 for the first send. */
  readonly attempt: number;
  /** Draws in which this attempt was sent (every earlier attempt failed and no stop came first). */
  readonly reached: number;
  /** `reached / draws`. */
  readonly reachedShare: number;
  /** Draws stopped just before this attempt because its wait would reach the deadline. */
  readonly stoppedByDeadline: number;
  /** Wait before this attempt, from the failure of the previous one, in ms (all 0 for attempt 1); `null` when never reached. */
  readonly waitMs: Spread | null;
  /** When this attempt is sent, in ms since the first send; `null` when never reached. */
  readonly elapsedMs: Spread | null;
}

/** Result of {@link policyTimeline}. */
export interface PolicyTimeline {
  readonly policy: RetryPolicy;
  /** Simulated calls. */
  readonly draws: number;
  /** Seed used when no `random` was given; `null` when a source was injected. */
  readonly seed: number | null;
  /** Time each failing attempt takes before its failure is known, in ms. */
  readonly attemptMs: number;
  readonly attempts: readonly AttemptTimeline[];
  /**
   * When a call whose every attempt fails ends (its last failure, or the deadline stop),
   * in ms since the first send.
   */
  readonly giveUpMs: Spread;
}

/** Options of {@link policyTimeline}. */
export interface TimelineOptions {
  /** Simulated calls. Integer in `[1, 1_000_000]`; `draws × maxAttempts` at most 5,000,000. @default 10000 */
  readonly draws?: number;
  /** Seed of the default `SeededRandom` source. @default 1 */
  readonly seed?: number;
  /** Jitter source; overrides `seed`. Must return numbers in `[0, 1)`. */
  readonly random?: RandomSource;
  /**
   * Time each attempt takes before it fails, in ms (e.g. a timeout); counts toward the
   * deadline and the elapsed time. Integer `>= 0`. @default 0
   */
  readonly attemptMs?: number;
}

/** Default number of simulated calls. */
export const DEFAULT_DRAWS = 10_000;
/** Largest `draws × maxAttempts` {@link policyTimeline} accepts (memory bound). */
export const MAX_TIMELINE_SAMPLES = 5_000_000;

/**
 * Simulates `draws` calls whose every attempt fails (with a retryable error and no
 * Retry-After), through the client's own `computeBackoffDelay` and `planRetry`, and
 * returns per attempt the spread of the wait before it and of its send time.
 *
 * Model, per draw: attempt 1 is sent at 0 and fails at `attemptMs`; before attempt `k`
 * the backoff of retry `k − 1` is drawn (decorrelated jitter grows from the previous
 * drawn delay, as in the runner) and handed to `planRetry` with `nowMs` = the failure
 * time and `deadlineAt` = `deadlineMs`; a stop ends the draw, a wait sends attempt `k`
 * at `failure + wait`.
 *
 * @throws ConfigurationError for an invalid policy or option.
 */
export function policyTimeline(policyInput: RetryPolicy, options: TimelineOptions = {}): PolicyTimeline {
  const policy = resolveRetryPolicy(policyInput);
  const draws = options.draws ?? DEFAULT_DRAWS;
  checkInteger('draws', draws, 1, 1_000_000, 'timeline');
  if (draws * policy.maxAttempts > MAX_TIMELINE_SAMPLES) {
    throw new ConfigurationError({
      path: 'timeline.draws',
      expected: `at most ${Math.floor(MAX_TIMELINE_SAMPLES / policy.maxAttempts)} draws with ${policy.maxAttempts} attempts (draws × attempts <= ${MAX_TIMELINE_SAMPLES})`,
      received: describeValue(draws),
    });
  }
  const attemptMs = options.attemptMs ?? 0;
  checkInteger('attemptMs', attemptMs, 0, MAX_TIMER_DELAY_MS, 'timeline');
  const seed = options.random === undefined ? (options.seed ?? 1) : null;
  const random = options.random ?? new SeededRandom(seed ?? 1);
  const backoff = backoffOf(policy);

  const n = policy.maxAttempts;
  const waits = Array.from({ length: n }, () => new Float64Array(draws));
  const elapsed = Array.from({ length: n }, () => new Float64Array(draws));
  const reached = new Array<number>(n).fill(0);
  const stopped = new Array<number>(n).fill(0);
  const giveUp = new Float64Array(draws);

  for (let d = 0; d < draws; d++) {
    let sentAt = 0;
    let previousDelayMs = 0;
    (waits[0] as Float64Array)[d] = 0;
    (elapsed[0] as Float64Array)[d] = 0;
    reached[0] = (reached[0] as number) + 1;
    let end = attemptMs;
    for (let k = 1; k < n; k++) {
      const failedAt = sentAt + attemptMs;
      const backoffMs = drawBackoffDelay(backoff, k, previousDelayMs, random);
      previousDelayMs = backoffMs;
      const plan = planRetry({ backoffMs, maxRetryAfterMs: policy.maxRetryAfterMs, nowMs: failedAt, deadlineAt: policy.deadlineMs });
      if (plan.kind === 'stop') {
        stopped[k] = (stopped[k] as number) + 1;
        end = failedAt;
        break;
      }
      sentAt = failedAt + plan.delayMs;
      const slot = reached[k] as number;
      (waits[k] as Float64Array)[slot] = plan.delayMs;
      (elapsed[k] as Float64Array)[slot] = sentAt;
      reached[k] = slot + 1;
      end = sentAt + attemptMs;
    }
    giveUp[d] = end;
  }

  const attempts: AttemptTimeline[] = [];
  for (let k = 0; k < n; k++) {
    const count = reached[k] as number;
    attempts.push({
      attempt: k + 1,
      reached: count,
      reachedShare: count / draws,
      stoppedByDeadline: stopped[k] as number,
      waitMs: count === 0 ? null : spreadOf((waits[k] as Float64Array).subarray(0, count)),
      elapsedMs: count === 0 ? null : spreadOf((elapsed[k] as Float64Array).subarray(0, count)),
    });
  }
  return { policy, draws, seed, attemptMs, attempts, giveUpMs: spreadOf(giveUp) };
}

/** Nearest-rank order statistics of a non-empty sample (sorted in place). */
function spreadOf(values: Float64Array): Spread {
  values.sort();
  const rank = (p: number): number => values[Math.max(0, Math.ceil(p * values.length) - 1)] as number;
  let sum = 0;
  for (const v of values) sum += v;
  return { min: values[0] as number, p50: rank(0.5), p95: rank(0.95), max: values[values.length - 1] as number, mean: sum / values.length };
}

// ---------------------------------------------------------------------------- closed form

/** Analytical range of one attempt's wait and send time. */
export interface AttemptBounds {
  readonly attempt: number;
  /**
   * Whether the deadline lets this attempt be sent: `always` (even on the longest
   * draws), `sometimes`, or `never` (not even on the shortest).
   */
  readonly reach: 'always' | 'sometimes' | 'never';
  /** Smallest and largest wait before the attempt, in whole ms; `null` when never reached. */
  readonly waitMs: { readonly min: number; readonly max: number } | null;
  /** Smallest and largest send time since the first send, in ms; `null` when never reached. */
  readonly elapsedMs: { readonly min: number; readonly max: number } | null;
}

/**
 * The smallest and largest wait and send time of every attempt, derived analytically
 * from each jitter strategy's definition (not by running the backoff code), for checking
 * a simulation. With `nominal(r) = min(cap, base × 2^(r − 1))` and draws in `[0, 1)`,
 * delays floored to whole ms:
 *
 * - `none`: exactly `⌊nominal⌋`.
 * - `full`: `[0, ⌈nominal⌉ − 1]` (`0` when nominal is 0).
 * - `equal`: `[⌊nominal / 2⌋, ⌈nominal⌉ − 1]`.
 * - `decorrelated`: `[base, hi(r)]` where `hi(r)` is `⌈u⌉ − 1` for `u = max(base, 3 × hi(r − 1))`
 *   (`hi(0) = base`), or `cap` once `u > cap`; both ends are reached by drawing near 0
 *   (or near 1) every time.
 *
 * Send times add the waits and `attemptMs` per earlier attempt. The deadline then limits
 * what is sent: an attempt is sent only before `deadlineMs`, so send times are clipped
 * to `deadlineMs − 1` and an attempt whose earliest send time is at or past it is
 * `never` reached. Each bound is attained by some sequence of draws.
 */
export function closedFormBounds(policyInput: RetryPolicy, options: { readonly attemptMs?: number } = {}): AttemptBounds[] {
  const policy = resolveRetryPolicy(policyInput);
  const attemptMs = options.attemptMs ?? 0;
  checkInteger('attemptMs', attemptMs, 0, MAX_TIMER_DELAY_MS, 'timeline');
  const { baseDelayMs: base, maxDelayMs: cap, deadlineMs } = policy;
  const nominal = (r: number): number => (base === 0 ? 0 : Math.min(cap, base * 2 ** (r - 1)));
  const below = (x: number): number => (x > 0 ? Math.ceil(x) - 1 : 0);

  const result: AttemptBounds[] = [{ attempt: 1, reach: 'always', waitMs: { min: 0, max: 0 }, elapsedMs: { min: 0, max: 0 } }];
  let minSum = 0;
  let maxSum = 0;
  let decorrelatedHi = base;
  for (let r = 1; r < policy.maxAttempts; r++) {
    let lo: number;
    let hi: number;
    switch (policy.jitter) {
      case 'none':
        lo = hi = Math.floor(nominal(r));
        break;
      case 'full':
        lo = 0;
        hi = below(nominal(r));
        break;
      case 'equal':
        lo = Math.floor(nominal(r) / 2);
        hi = below(nominal(r));
        break;
      case 'decorrelated': {
        const upper = Math.max(base, 3 * decorrelatedHi);
        hi = upper > cap ? Math.floor(cap) : upper > base ? below(upper) : Math.floor(base);
        lo = Math.floor(Math.min(cap, base));
        decorrelatedHi = hi;
        break;
      }
    }
    const previousMin = minSum;
    minSum += attemptMs + lo;
    maxSum += attemptMs + hi;
    if (minSum >= deadlineMs) {
      result.push({ attempt: r + 1, reach: 'never', waitMs: null, elapsedMs: null });
      continue;
    }
    const reach = maxSum < deadlineMs ? 'always' : 'sometimes';
    const waitCeiling = deadlineMs - 1 - attemptMs - previousMin;
    result.push({
      attempt: r + 1,
      reach,
      waitMs: { min: lo, max: Math.min(hi, waitCeiling) },
      elapsedMs: { min: minSum, max: Math.min(maxSum, deadlineMs - 1) },
    });
  }
  return result;
}

// ---------------------------------------------------------------------------- fleet

/** Options of {@link fleetLoad}. */
export interface FleetOptions {
  /** Clients, each making one call when the outage starts. Integer in `[1, 1_000_000]`. */
  readonly clients: number;
  /** How long the venue fails every request, in ms from 0. Integer `>= 0`. @default the policy's `deadlineMs` (every attempt fails) */
  readonly outageMs?: number;
  /** First sends spread uniformly over `[0, spreadMs)`; 0 sends them all at 0. Integer `>= 0`. @default 0 */
  readonly spreadMs?: number;
  /** Width of a load bucket, in ms. Integer `>= 1`; at most 10,000 buckets. @default 1000 */
  readonly bucketMs?: number;
  /** Time each attempt takes before it fails, in ms. @default 0 */
  readonly attemptMs?: number;
  /** Seed of the default source. @default 1 */
  readonly seed?: number;
  /** Jitter source; overrides `seed`. */
  readonly random?: RandomSource;
}

/** One time bucket of a {@link FleetLoad}. */
export interface LoadBucket {
  /** Start of the bucket, in ms since the outage began. */
  readonly startMs: number;
  /** Requests sent in `[startMs, startMs + bucketMs)`. */
  readonly requests: number;
  /** Of those, first sends. */
  readonly firstAttempts: number;
  /** Of those, retries. */
  readonly retries: number;
  /** `requests` scaled to a per-second rate. */
  readonly perSecond: number;
}

/** Result of {@link fleetLoad}. */
export interface FleetLoad {
  readonly policy: RetryPolicy;
  readonly clients: number;
  readonly outageMs: number;
  readonly spreadMs: number;
  readonly bucketMs: number;
  readonly attemptMs: number;
  readonly buckets: readonly LoadBucket[];
  /** Every request the fleet sent, first sends included. Without retries it would be `clients`. */
  readonly totalRequests: number;
  /** `totalRequests / clients`. */
  readonly amplification: number;
  /** The busiest bucket. */
  readonly peak: LoadBucket;
  /** Clients whose call succeeded (an attempt sent at or after `outageMs`). */
  readonly succeeded: number;
  /** Clients that sent `maxAttempts` attempts, all during the outage. */
  readonly exhaustedAttempts: number;
  /** Clients stopped because the next wait would reach their deadline. */
  readonly stoppedByDeadline: number;
}

/**
 * The load a fleet of clients running `policy` puts on a venue during an outage: the
 * retry-storm picture.
 *
 * Model: every client makes one call. Its first attempt is sent at 0, or, with
 * `spreadMs`, at a time drawn uniformly from `[0, spreadMs)`. The venue fails every
 * request sent before `outageMs` (the failure is known `attemptMs` later) and serves
 * every request sent from then on. A failed client waits as the client does
 * (`computeBackoffDelay`, then `planRetry` against its own deadline, counted from its
 * own first send) and stops after `maxAttempts` sends or at the deadline. No Retry-After
 * is sent, and clients do not affect each other (no queueing at the venue).
 *
 * @throws ConfigurationError for an invalid policy or option.
 */
export function fleetLoad(policyInput: RetryPolicy, options: FleetOptions): FleetLoad {
  const policy = resolveRetryPolicy(policyInput);
  const { clients } = options;
  checkInteger('clients', clients, 1, 1_000_000, 'fleet');
  const outageMs = options.outageMs ?? policy.deadlineMs;
  checkInteger('outageMs', outageMs, 0, MAX_TIMER_DELAY_MS, 'fleet');
  const spreadMs = options.spreadMs ?? 0;
  checkInteger('spreadMs', spreadMs, 0, MAX_TIMER_DELAY_MS, 'fleet');
  const bucketMs = options.bucketMs ?? 1000;
  checkInteger('bucketMs', bucketMs, 1, MAX_TIMER_DELAY_MS, 'fleet');
  const attemptMs = options.attemptMs ?? 0;
  checkInteger('attemptMs', attemptMs, 0, MAX_TIMER_DELAY_MS, 'fleet');
  // Every send happens before spread + deadline, which bounds the bucket count.
  const bucketCount = Math.ceil((spreadMs + policy.deadlineMs + attemptMs) / bucketMs);
  if (bucketCount > 10_000) {
    throw new ConfigurationError({
      path: 'fleet.bucketMs',
      expected: `at least ${Math.ceil((spreadMs + policy.deadlineMs + attemptMs) / 10_000)} ms (at most 10000 buckets)`,
      received: describeValue(bucketMs),
    });
  }
  const random = options.random ?? new SeededRandom(options.seed ?? 1);
  const backoff = backoffOf(policy);
  const first = new Array<number>(bucketCount).fill(0);
  const retries = new Array<number>(bucketCount).fill(0);
  let lastBucket = 0;
  const count = (at: number, isFirst: boolean): void => {
    const b = Math.floor(at / bucketMs);
    if (isFirst) first[b] = (first[b] as number) + 1;
    else retries[b] = (retries[b] as number) + 1;
    if (b > lastBucket) lastBucket = b;
  };

  let totalRequests = 0;
  let succeeded = 0;
  let exhaustedAttempts = 0;
  let stoppedByDeadline = 0;
  for (let c = 0; c < clients; c++) {
    const startedAt = spreadMs === 0 ? 0 : Math.floor(random.next() * spreadMs);
    let sentAt = startedAt;
    let previousDelayMs = 0;
    count(sentAt, true);
    totalRequests++;
    for (let k = 1; ; k++) {
      if (sentAt >= outageMs) {
        succeeded++;
        break;
      }
      if (k >= policy.maxAttempts) {
        exhaustedAttempts++;
        break;
      }
      const failedAt = sentAt + attemptMs;
      const backoffMs = drawBackoffDelay(backoff, k, previousDelayMs, random);
      previousDelayMs = backoffMs;
      const plan = planRetry({ backoffMs, maxRetryAfterMs: policy.maxRetryAfterMs, nowMs: failedAt, deadlineAt: startedAt + policy.deadlineMs });
      if (plan.kind === 'stop') {
        stoppedByDeadline++;
        break;
      }
      sentAt = failedAt + plan.delayMs;
      count(sentAt, false);
      totalRequests++;
    }
  }

  const buckets: LoadBucket[] = [];
  for (let b = 0; b <= lastBucket; b++) {
    const requests = (first[b] as number) + (retries[b] as number);
    buckets.push({ startMs: b * bucketMs, requests, firstAttempts: first[b] as number, retries: retries[b] as number, perSecond: (requests * 1000) / bucketMs });
  }
  const peak = buckets.reduce((best, b) => (b.requests > best.requests ? b : best), buckets[0] as LoadBucket);
  return {
    policy,
    clients,
    outageMs,
    spreadMs,
    bucketMs,
    attemptMs,
    buckets,
    totalRequests,
    amplification: totalRequests / clients,
    peak,
    succeeded,
    exhaustedAttempts,
    stoppedByDeadline,
  };
}

// ---------------------------------------------------------------------------- axios-retry

/**
 * axios-retry 4.x options (structurally `IAxiosRetryConfig`) whose waits come from
 * intentkey's backoff. Pass them to `axiosRetry(instance, options)`.
 */
export interface AxiosRetryPolicyOptions {
  /** Retries after the first send: `maxAttempts − 1`. */
  readonly retries: number;
  /** The caller's condition, then the deadline and Retry-After limit of the policy. */
  readonly retryCondition: (error: AxiosError) => Promise<boolean>;
  /** The wait the condition planned (backoff, or the venue's Retry-After when longer). */
  readonly retryDelay: (retryCount: number, error: AxiosError) => number;
}

/** Options of {@link toAxiosRetryOptions}. */
export interface ToAxiosRetryOptions {
  /** Jitter source. @default a Web Crypto source */
  readonly random?: RandomSource;
  /**
   * Which errors may be retried. @default the rule of axios-retry's
   * `isIdempotentRequestError`: no response (network error, except a timeout or a
   * cancel), 429 or 5xx, on GET, HEAD, OPTIONS, PUT or DELETE. Pass
   * `axiosRetry.isNetworkOrIdempotentRequestError` to keep axios-retry's own default.
   */
  readonly retryCondition?: (error: AxiosError) => boolean | Promise<boolean>;
}

/** Per-request state kept in axios-retry's own `config['axios-retry']` object, which it carries across retries. */
interface AxiosRetryState {
  retryCount?: number;
  lastRequestTime?: number;
  intentkeyFirstSentAt?: number;
  intentkeyPreviousDelayMs?: number;
  intentkeyNextDelayMs?: number | undefined;
}

const IDEMPOTENT_METHODS = ['get', 'head', 'options', 'put', 'delete'];

function defaultAxiosRetryCondition(error: AxiosError): boolean {
  const method = error.config?.method?.toLowerCase();
  if (method === undefined || !IDEMPOTENT_METHODS.includes(method)) return false;
  if (error.code === 'ECONNABORTED' || error.code === 'ERR_CANCELED') return false;
  const status = error.response?.status;
  return status === undefined || status === 429 || (status >= 500 && status <= 599);
}

/**
 * axios-retry options with the same meaning as `policy` (for the reads a bot makes
 * beside its intentkey writes).
 *
 * Mapping: `retries = maxAttempts − 1`. axios-retry asks `retryCondition` first and
 * `retryDelay` second, so the condition draws the next backoff with
 * `computeBackoffDelay` (decorrelated jitter growing from the previous delay of the same
 * request), reads `Retry-After` (seconds or HTTP date) and asks `planRetry` whether the
 * wait fits: it answers `false` when the wait would reach `deadlineMs` from the first
 * send (axios-retry's timestamp of it) or the venue asks for more than
 * `maxRetryAfterMs`; `retryDelay` then returns the planned wait. The per-request state
 * lives in axios-retry's `config['axios-retry']` object. axios-retry waits with
 * `setTimeout` and `Date.now`, so the deadline is on the wall clock.
 */
export function toAxiosRetryOptions(policyInput: RetryPolicy, options: ToAxiosRetryOptions = {}): AxiosRetryPolicyOptions {
  const policy = resolveRetryPolicy(policyInput);
  const random = options.random ?? createWebCryptoRandom();
  const condition = options.retryCondition ?? defaultAxiosRetryCondition;
  const backoff = backoffOf(policy);
  const stateOf = (error: AxiosError): AxiosRetryState | undefined => (error.config as { 'axios-retry'?: AxiosRetryState } | undefined)?.['axios-retry'];

  return {
    retries: policy.maxAttempts - 1,
    retryCondition: async (error) => {
      if (!(await condition(error))) return false;
      const state = stateOf(error);
      if (state === undefined) return false;
      const retry = (state.retryCount ?? 0) + 1;
      if (retry >= policy.maxAttempts) return false;
      const nowMs = Date.now();
      state.intentkeyFirstSentAt ??= state.lastRequestTime ?? nowMs;
      const backoffMs = computeBackoffDelay(backoff, retry, state.intentkeyPreviousDelayMs ?? 0, random);
      const header = error.response?.headers['retry-after'] as unknown;
      const retryAfterMs = typeof header === 'string' ? parseRetryAfter(header, nowMs) : typeof header === 'number' ? header * 1000 : undefined;
      const plan = planRetry({
        backoffMs,
        retryAfterMs,
        maxRetryAfterMs: policy.maxRetryAfterMs,
        nowMs,
        deadlineAt: state.intentkeyFirstSentAt + policy.deadlineMs,
      });
      if (plan.kind === 'stop') return false;
      state.intentkeyPreviousDelayMs = backoffMs;
      state.intentkeyNextDelayMs = plan.delayMs;
      return true;
    },
    retryDelay: (retryCount, error) => {
      const state = stateOf(error);
      const planned = state?.intentkeyNextDelayMs;
      if (state !== undefined && planned !== undefined) {
        state.intentkeyNextDelayMs = undefined;
        return planned;
      }
      // Only when a caller paired this retryDelay with another condition.
      const delay = computeBackoffDelay(backoff, Math.max(1, retryCount), state?.intentkeyPreviousDelayMs ?? 0, random);
      if (state !== undefined) state.intentkeyPreviousDelayMs = delay;
      return delay;
    },
  };
}

// ---------------------------------------------------------------------------- p-retry

/** What p-retry 7.x passes to `shouldRetry` (its `RetryContext`). */
export interface PRetryContext {
  readonly error: Error;
  readonly attemptNumber: number;
  readonly retriesLeft: number;
  readonly retriesConsumed: number;
}

/** p-retry 7.x options (structurally its `Options`) whose waits come from intentkey's backoff. */
export interface PRetryPolicyOptions {
  /** `maxAttempts − 1`. */
  readonly retries: number;
  /** 0: p-retry's own exponential wait is switched off; `shouldRetry` does the waiting. */
  readonly minTimeout: 0;
  readonly maxTimeout: 0;
  readonly factor: 1;
  /** Off: p-retry's randomize multiplies by [1, 2), a different distribution from every intentkey jitter. */
  readonly randomize: false;
  /** `deadlineMs`: p-retry's own time limit as a second guard. */
  readonly maxRetryTime: number;
  /** The caller's condition, then the policy's wait (or `false` when it would reach the deadline). */
  readonly shouldRetry: (context: PRetryContext) => Promise<boolean>;
}

/** Options of {@link toPRetryOptions}. */
export interface ToPRetryOptions {
  /** Jitter source. @default a Web Crypto source */
  readonly random?: RandomSource;
  /** Sleeps `ms`. @default a `setTimeout` promise */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Current time, ms. @default `Date.now` */
  readonly now?: () => number;
  /** Which failures may be retried. @default every one p-retry would retry */
  readonly shouldRetry?: (context: PRetryContext) => boolean | Promise<boolean>;
}

/**
 * p-retry options with the same meaning as `policy`.
 *
 * Mapping: p-retry's only randomisation (`randomize`: multiply by a factor in `[1, 2)`)
 * cannot express full, equal or decorrelated jitter, so its own wait is turned off
 * (`minTimeout: 0`) and the wait happens in `shouldRetry`, which p-retry calls only
 * when a retry is about to happen (retries left, time left, not an `AbortError` or a
 * non-network `TypeError`): it asks the caller's `shouldRetry`, draws the backoff for
 * retry `attemptNumber` with `computeBackoffDelay`, stops (`false`, so p-retry rejects
 * with the error) when `planRetry` says the wait would reach the deadline, and
 * otherwise sleeps it and answers `true`. `retries = maxAttempts − 1` and
 * `maxRetryTime = deadlineMs`.
 *
 * The state (previous delay, first failure time) is reset when attempt 1 fails, so one
 * options object serves consecutive calls; make one per call when calls run
 * concurrently. The deadline counts from the first failure (p-retry does not report
 * when attempt 1 was sent).
 */
export function toPRetryOptions(policyInput: RetryPolicy, options: ToPRetryOptions = {}): PRetryPolicyOptions {
  const policy = resolveRetryPolicy(policyInput);
  const random = options.random ?? createWebCryptoRandom();
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => Date.now());
  const backoff = backoffOf(policy);
  let startedAt = 0;
  let previousDelayMs = 0;
  return {
    retries: policy.maxAttempts - 1,
    minTimeout: 0,
    maxTimeout: 0,
    factor: 1,
    randomize: false,
    maxRetryTime: policy.deadlineMs,
    shouldRetry: async (context) => {
      if (context.attemptNumber === 1) {
        startedAt = now();
        previousDelayMs = 0;
      }
      if (options.shouldRetry !== undefined && !(await options.shouldRetry(context))) return false;
      if (context.attemptNumber >= policy.maxAttempts) return false;
      const backoffMs = computeBackoffDelay(backoff, context.attemptNumber, previousDelayMs, random);
      previousDelayMs = backoffMs;
      const plan = planRetry({ backoffMs, maxRetryAfterMs: policy.maxRetryAfterMs, nowMs: now(), deadlineAt: startedAt + policy.deadlineMs });
      if (plan.kind === 'stop') return false;
      if (plan.delayMs > 0) await sleep(plan.delayMs);
      return true;
    },
  };
}

// ---------------------------------------------------------------------------- export

/** Formats {@link exportPolicy} can write. */
export const EXPORT_TARGETS = Object.freeze(['ts', 'axios-retry', 'p-retry', 'yaml', 'json', 'python', 'csharp'] as const);
/** One of {@link EXPORT_TARGETS}. */
export type ExportTarget = (typeof EXPORT_TARGETS)[number];

/** Result of {@link exportPolicy}. */
export interface PolicyExport {
  readonly target: ExportTarget;
  /** The policy in the target's syntax, ending with a newline. */
  readonly text: string;
  /** Where the target cannot say exactly what the policy says; empty when it is exact. */
  readonly caveats: readonly string[];
}

const RETRY_AFTER_CAVEAT = 'Retry-After is not read: a venue-requested wait is neither honoured nor limited by maxRetryAfterMs.';

/**
 * Writes `policy` for another tool, with the same meaning as far as the target allows,
 * and lists every difference as a caveat.
 *
 * - `ts`: the `retry` option of `createIntentClient` (exact).
 * - `json`, `yaml`: the same fields as data (exact; `{ "retry": { ... } }`).
 * - `axios-retry`, `p-retry`: code using {@link toAxiosRetryOptions} /
 *   {@link toPRetryOptions}, which run intentkey's backoff inside those libraries.
 * - `python`: a tenacity `@retry(...)` decorator (8.3 or later, for `stop_before_delay`).
 * - `csharp`: a Polly v8 `ResiliencePipeline` with a retry strategy inside a timeout.
 *
 * @throws ConfigurationError for an invalid policy or an unknown target.
 */
export function exportPolicy(policyInput: RetryPolicy, target: ExportTarget): PolicyExport {
  const policy = resolveRetryPolicy(policyInput);
  const fields = policyFields(policy);
  switch (target) {
    case 'ts':
      return {
        target,
        text: [
          "import { createIntentClient, type RetryOptions } from 'intentkey';",
          '',
          'export const retry: RetryOptions = {',
          ...fields.map(([name, value]) => `  ${name}: ${typeof value === 'string' ? `'${value}'` : formatTsNumber(value)},`),
          '};',
          '',
          '// const client = createIntentClient(http, { venue, retry });',
          '',
        ].join('\n'),
        caveats: [],
      };
    case 'json':
      return { target, text: `${JSON.stringify({ retry: Object.fromEntries(fields) }, null, 2)}\n`, caveats: [] };
    case 'yaml':
      return {
        target,
        text: ['# intentkey retry policy (createIntentClient retry options; durations in ms)', 'retry:', ...fields.map(([name, value]) => `  ${name}: ${value}`), ''].join('\n'),
        caveats: [],
      };
    case 'axios-retry':
      return {
        target,
        text: [
          "import axios from 'axios';",
          "import axiosRetry from 'axios-retry';",
          "import { toAxiosRetryOptions } from 'intentkey/tools';",
          '',
          `const policy = ${inlinePolicy(fields)};`,
          '',
          '// For reads (GET, HEAD, OPTIONS) and other idempotent calls: never for an order or a payment.',
          'const http = axios.create();',
          'axiosRetry(http, toAxiosRetryOptions(policy)); // retries, retryCondition, retryDelay',
          '',
        ].join('\n'),
        caveats: [
          'Retries only what retryCondition allows (by default idempotent methods after a network error, 429 or 5xx); a write needs intentkey, not axios-retry.',
          "The deadline counts from axios-retry's timestamp of the first send and is checked before each wait; an attempt in flight is not cut at the deadline (use axios `timeout` per attempt).",
          'With axios `timeout` set and shouldResetTimeout false (the default), axios-retry also shrinks each retry\'s timeout by the time spent.',
        ],
      };
    case 'p-retry':
      return {
        target,
        text: [
          "import pRetry from 'p-retry';",
          "import { toPRetryOptions } from 'intentkey/tools';",
          '',
          `const policy = ${inlinePolicy(fields)};`,
          '',
          '// One options object per concurrent call (it keeps the previous delay and the start).',
          'const result = await pRetry(read, toPRetryOptions(policy));',
          '',
          "// p-retry's own backoff, without intentkey (not the same distribution; see the caveats):",
          `// { retries: ${policy.maxAttempts - 1}, factor: 2, minTimeout: ${policy.baseDelayMs}, maxTimeout: ${policy.maxDelayMs}, randomize: false, maxRetryTime: ${policy.deadlineMs} }`,
          '',
        ].join('\n'),
        caveats: [
          "p-retry's own randomize multiplies the delay by [1, 2): it can express none of full, equal or decorrelated jitter, so toPRetryOptions turns p-retry's wait off and waits in shouldRetry; the commented native options match only jitter 'none' (p-retry rounds where intentkey floors).",
          'The deadline counts from the first failure, not the first send (p-retry does not report the send time); maxRetryTime also stops p-retry after deadlineMs.',
          RETRY_AFTER_CAVEAT,
        ],
      };
    case 'python':
      return pythonExport(policy);
    case 'csharp':
      return csharpExport(policy);
    default:
      throw new ConfigurationError({ path: 'export.target', expected: `one of ${EXPORT_TARGETS.join(', ')}`, received: describeValue(target) });
  }
}

type Field = readonly [keyof RetryPolicy, string | number];

function policyFields(policy: RetryPolicy): Field[] {
  return [
    ['maxAttempts', policy.maxAttempts],
    ['jitter', policy.jitter],
    ['baseDelayMs', policy.baseDelayMs],
    ['maxDelayMs', policy.maxDelayMs],
    ['deadlineMs', policy.deadlineMs],
    ['maxRetryAfterMs', policy.maxRetryAfterMs],
  ];
}

function formatTsNumber(value: number): string {
  return value >= 10_000 ? String(value).replace(/\B(?=(\d{3})+(?!\d))/g, '_') : String(value);
}

function inlinePolicy(fields: readonly Field[]): string {
  return `{ ${fields.map(([name, value]) => `${name}: ${typeof value === 'string' ? `'${value}' as const` : formatTsNumber(value)}`).join(', ')} }`;
}

/** Seconds with up to three decimals, as Python literals. */
function seconds(ms: number): string {
  return String(Math.round(ms) / 1000);
}

function pythonExport(policy: RetryPolicy): PolicyExport {
  const base = seconds(policy.baseDelayMs);
  const cap = seconds(policy.maxDelayMs);
  const half = (ms: number): string => String(Math.round(ms / 2) / 1000);
  const caveats: string[] = [
    'stop_before_delay needs tenacity 8.3 or later; with stop_after_delay instead, one wait may cross the deadline.',
    RETRY_AFTER_CAVEAT,
    'tenacity does not floor delays to whole ms (a difference below 1 ms).',
  ];
  let wait: string;
  switch (policy.jitter) {
    case 'none':
      wait = `wait_exponential(multiplier=${base}, min=0, max=${cap})`;
      break;
    case 'full':
      wait = `wait_random_exponential(multiplier=${base}, max=${cap})`;
      break;
    case 'equal':
      // Half the nominal delay fixed plus a uniform draw over the other half.
      wait = `wait_exponential(multiplier=${half(policy.baseDelayMs)}, min=0, max=${half(policy.maxDelayMs)}) + wait_random_exponential(multiplier=${half(policy.baseDelayMs)}, max=${half(policy.maxDelayMs)})`;
      break;
    case 'decorrelated':
      wait = `wait_random_exponential(multiplier=${base}, max=${cap})`;
      caveats.unshift('tenacity has no decorrelated jitter: this uses full jitter (wait_random_exponential) with the same base and cap, which grows from the retry number instead of the previous delay.');
      break;
  }
  const imports = ['retry', 'stop_after_attempt', 'stop_before_delay', ...(policy.jitter === 'none' || policy.jitter === 'equal' ? ['wait_exponential'] : []), ...(policy.jitter === 'none' ? [] : ['wait_random_exponential'])];
  const text = [
    `from tenacity import ${imports.join(', ')}`,
    '',
    `# intentkey policy: ${policy.maxAttempts} attempts, ${policy.jitter} jitter, base ${policy.baseDelayMs} ms, cap ${policy.maxDelayMs} ms, deadline ${policy.deadlineMs} ms`,
    '@retry(',
    `    stop=stop_after_attempt(${policy.maxAttempts}) | stop_before_delay(${seconds(policy.deadlineMs)}),`,
    `    wait=${wait},`,
    '    reraise=True,',
    ')',
    'def call():',
    '    ...',
    '',
  ].join('\n');
  return { target: 'python', text, caveats };
}

function csharpExport(policy: RetryPolicy): PolicyExport {
  const caveats: string[] = [
    'The outer timeout cancels the attempt in flight at the deadline, where intentkey only declines a wait that would reach it.',
    RETRY_AFTER_CAVEAT,
  ];
  const ms = (n: number): string => `TimeSpan.FromMilliseconds(${n})`;
  let delay: string[];
  switch (policy.jitter) {
    case 'none':
      delay = ['    BackoffType = DelayBackoffType.Exponential,', '    UseJitter = false,', `    Delay = ${ms(policy.baseDelayMs)},`, `    MaxDelay = ${ms(policy.maxDelayMs)},`];
      break;
    case 'full':
    case 'equal': {
      const expr =
        policy.jitter === 'full'
          ? 'Math.Floor(Random.Shared.NextDouble() * nominal)'
          : 'Math.Floor(nominal / 2 + Random.Shared.NextDouble() * nominal / 2)';
      delay = [
        `    // ${policy.jitter} jitter: nominal = min(cap, base * 2^retry), AttemptNumber 0 on the first retry`,
        '    DelayGenerator = static args =>',
        '    {',
        `        var nominal = Math.Min(${policy.maxDelayMs}d, ${policy.baseDelayMs}d * Math.Pow(2, args.AttemptNumber));`,
        `        return new ValueTask<TimeSpan?>(TimeSpan.FromMilliseconds(${expr}));`,
        '    },',
      ];
      break;
    }
    case 'decorrelated':
      delay = ['    BackoffType = DelayBackoffType.Exponential,', '    UseJitter = true,', `    Delay = ${ms(policy.baseDelayMs)},`, `    MaxDelay = ${ms(policy.maxDelayMs)},`];
      caveats.unshift(
        "Polly's UseJitter with exponential backoff is its own decorrelated jitter (Delay is the median first retry), not intentkey's uniform(base, 3 × previous); the spread differs while base and cap are kept.",
      );
      break;
  }
  const text = [
    'using Polly;',
    'using Polly.Retry;',
    '',
    `// intentkey policy: ${policy.maxAttempts} attempts, ${policy.jitter} jitter, base ${policy.baseDelayMs} ms, cap ${policy.maxDelayMs} ms, deadline ${policy.deadlineMs} ms`,
    'var pipeline = new ResiliencePipelineBuilder()',
    `    .AddTimeout(${ms(policy.deadlineMs)}) // added first, so it is outermost: the whole call`,
    '    .AddRetry(new RetryStrategyOptions',
    '    {',
    `        MaxRetryAttempts = ${policy.maxAttempts - 1},`,
    ...delay.map((line) => `    ${line}`),
    '    })',
    '    .Build();',
    '',
  ].join('\n');
  if (policy.maxAttempts === 1) caveats.push('Polly requires MaxRetryAttempts >= 1: with maxAttempts 1, leave the retry strategy out.');
  return { target: 'csharp', text, caveats };
}

// ---------------------------------------------------------------------------- summaries

/**
 * How long a call that never succeeds lasts, in a sentence: `A call that never succeeds
 * ends after 1.23 s (p50), ...; 4.0% are stopped by the deadline before attempt 6.`
 * (`intentkey policy` and the policy playground).
 */
export function giveUpSummary(timeline: PolicyTimeline): string {
  const g = timeline.giveUpMs;
  const stopped = timeline.attempts.reduce((n, a) => n + a.stoppedByDeadline, 0);
  return `A call that never succeeds ends after ${formatMs(g.p50)} (p50), ${formatMs(g.p95)} (p95), ${formatMs(g.max)} (max)${stopped > 0 ? `; ${((stopped / timeline.draws) * 100).toFixed(1)}% are stopped by the deadline before attempt ${timeline.policy.maxAttempts}` : ''}.`;
}

/** A fleet's load in four sentences: the setup, the model, the requests and peak, the outcome. */
export interface FleetSummary {
  /** Clients, outage length and how first sends are spread. */
  readonly title: string;
  /** The simulation's assumptions. */
  readonly model: string;
  /** Total requests, per client, and the busiest bucket. */
  readonly requests: string;
  /** How many clients succeeded, ran out of attempts, or hit the deadline. */
  readonly outcome: string;
}

/** The sentences `intentkey policy --clients` and the policy playground print about a {@link FleetLoad}. */
export function fleetSummary(fleet: FleetLoad): FleetSummary {
  const perSecond = (n: number): string => (Number.isInteger(n) ? String(n) : n.toFixed(1));
  return {
    title: `Fleet: ${fleet.clients} clients, venue failing everything for ${formatMs(fleet.outageMs)}, first sends ${fleet.spreadMs === 0 ? 'all at 0' : `spread over ${formatMs(fleet.spreadMs)}`}`,
    model: 'model: each client makes one call; a request sent before the outage ends fails, one sent after succeeds; no Retry-After; clients do not slow each other',
    requests: `requests: ${fleet.totalRequests} (${fleet.amplification.toFixed(2)} per client; without retries ${fleet.clients}); peak ${fleet.peak.requests} in the ${formatMs(fleet.bucketMs)} from ${formatMs(fleet.peak.startMs)} (${perSecond(fleet.peak.perSecond)}/s)`,
    outcome: `outcome: ${fleet.succeeded} succeeded after the outage, ${fleet.exhaustedAttempts} ran out of attempts, ${fleet.stoppedByDeadline} stopped at the deadline`,
  };
}

// ---------------------------------------------------------------------------- charts

/** Styling hooks of {@link timelineChart}; identity by default (no colour). */
export interface ChartStyle {
  /** Applied to the p50..p95 part of each bar. */
  readonly strong?: (text: string) => string;
  /** Applied to the min..p50 and p95..max parts. */
  readonly faint?: (text: string) => string;
}

/**
 * A terminal chart of a timeline: one row per attempt on a shared time axis (send
 * time since the first send), `░` from min to p50, `█` from p50 to p95, `░` from p95 to
 * max, `│` at p50. Plain text unless `style` adds colour.
 *
 * @param width - columns of the time axis. @default 60
 */
export function timelineChart(timeline: PolicyTimeline, width = 60, style: ChartStyle = {}): string {
  const strong = style.strong ?? ((t: string) => t);
  const faint = style.faint ?? ((t: string) => t);
  const rows = timeline.attempts.filter((a) => a.elapsedMs !== null);
  const scaleMax = Math.max(1, ...rows.map((a) => (a.elapsedMs as Spread).max));
  const col = (ms: number): number => Math.min(width - 1, Math.floor((ms / scaleMax) * (width - 1)));
  const labelWidth = `#${timeline.attempts.length}`.length;
  const lines: string[] = [];
  for (const a of timeline.attempts) {
    const label = `#${a.attempt}`.padStart(labelWidth);
    if (a.elapsedMs === null) {
      lines.push(`${label} ${' '.repeat(width)}  (never sent: deadline)`);
      continue;
    }
    const { min, p50, p95, max } = a.elapsedMs;
    const cells: string[] = [];
    const [cMin, c50, c95, cMax] = [col(min), col(p50), col(p95), col(max)];
    for (let i = 0; i < width; i++) {
      if (i < cMin || i > cMax) cells.push(' ');
      else if (i === c50) cells.push(strong('│'));
      else if (i >= c50 && i <= c95) cells.push(strong('█'));
      else cells.push(faint('░'));
    }
    const share = a.reachedShare < 1 ? `  ${(a.reachedShare * 100).toFixed(1)}% sent` : '';
    lines.push(`${label} ${cells.join('')}  ${formatMs(p50)}${share}`);
  }
  const axisEnd = formatMs(scaleMax);
  lines.push(`${' '.repeat(labelWidth)} ${'0'.padEnd(width - axisEnd.length)}${axisEnd}`);
  return `${lines.join('\n')}\n`;
}

/**
 * A terminal chart of a fleet's load: one row per bucket, a bar proportional to the
 * requests sent in it (`█` retries, `▒` first sends), then the count.
 *
 * @param width - columns of the longest bar. @default 50
 */
export function fleetChart(load: FleetLoad, width = 50, style: ChartStyle = {}): string {
  const strong = style.strong ?? ((t: string) => t);
  const faint = style.faint ?? ((t: string) => t);
  const peak = Math.max(1, load.peak.requests);
  const labels = load.buckets.map((b) => formatMs(b.startMs));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  return `${load.buckets
    .map((b, i) => {
      const total = Math.round((b.requests / peak) * width);
      const firstCols = Math.round((b.firstAttempts / peak) * width);
      const bar = faint('▒'.repeat(Math.min(firstCols, total))) + strong('█'.repeat(Math.max(0, total - firstCols)));
      return `${(labels[i] as string).padStart(labelWidth)} ${bar}${' '.repeat(Math.max(0, width - total))} ${b.requests}`;
    })
    .join('\n')}\n`;
}

/** `850 ms`, `12.4 s`, `2.5 min`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
}

/** Options of {@link policySvg}. */
export interface PolicySvgOptions {
  /** Adds a second panel with the fleet's requests per bucket. */
  readonly fleet?: FleetLoad;
  /** Title above the timeline. @default a description of the policy */
  readonly title?: string;
}

const escapeXml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * An SVG picture of a timeline: per attempt a line from min to max send time, a box from
 * p50 to p95 and a tick at p50, on a time axis with gridlines; with `fleet`, a second
 * panel of requests per bucket. Self-contained (no scripts, no external references).
 */
export function policySvg(timeline: PolicyTimeline, options: PolicySvgOptions = {}): string {
  const { policy } = timeline;
  const width = 760;
  const left = 60;
  const right = 20;
  const plotWidth = width - left - right;
  const rowHeight = 22;
  const top = 44;
  const rows = timeline.attempts;
  const timelineHeight = rows.length * rowHeight;
  const axisY = top + timelineHeight + 6;
  const scaleMax = Math.max(1, ...rows.map((a) => a.elapsedMs?.max ?? 0));
  const x = (ms: number): number => left + (ms / scaleMax) * plotWidth;
  const fmt = (n: number): string => (Math.round(n * 10) / 10).toString();
  const title = options.title ?? `intentkey retry policy: ${policy.maxAttempts} attempts, ${policy.jitter} jitter, base ${policy.baseDelayMs} ms, cap ${policy.maxDelayMs} ms, deadline ${policy.deadlineMs} ms`;

  const parts: string[] = [];
  parts.push(`<text x="${left}" y="24" font-size="14" font-weight="bold">${escapeXml(title)}</text>`);
  const ticks = 5;
  for (let i = 0; i <= ticks; i++) {
    const ms = (scaleMax * i) / ticks;
    parts.push(`<line x1="${fmt(x(ms))}" y1="${top - 6}" x2="${fmt(x(ms))}" y2="${axisY}" stroke="#ddd"/>`);
    parts.push(`<text x="${fmt(x(ms))}" y="${axisY + 16}" font-size="11" text-anchor="middle">${escapeXml(formatMs(ms))}</text>`);
  }
  parts.push(`<text x="${left + plotWidth / 2}" y="${axisY + 32}" font-size="11" text-anchor="middle">time of the attempt since the first send (min–max line, p50–p95 box, p50 tick; ${timeline.draws} draws)</text>`);
  rows.forEach((a, i) => {
    const cy = top + i * rowHeight + rowHeight / 2;
    parts.push(`<text x="${left - 8}" y="${cy + 4}" font-size="12" text-anchor="end">#${a.attempt}</text>`);
    if (a.elapsedMs === null) {
      parts.push(`<text x="${left + 4}" y="${cy + 4}" font-size="11" fill="#999">never sent (deadline)</text>`);
      return;
    }
    const s = a.elapsedMs;
    parts.push(`<line class="range" x1="${fmt(x(s.min))}" y1="${cy}" x2="${fmt(x(s.max))}" y2="${cy}" stroke="#1f77b4" stroke-width="2"/>`);
    parts.push(`<rect class="p50-p95" x="${fmt(x(s.p50))}" y="${cy - 6}" width="${fmt(Math.max(1, x(s.p95) - x(s.p50)))}" height="12" fill="#1f77b4" fill-opacity="0.6"/>`);
    parts.push(`<line class="p50" x1="${fmt(x(s.p50))}" y1="${cy - 8}" x2="${fmt(x(s.p50))}" y2="${cy + 8}" stroke="#000" stroke-width="2"/>`);
  });
  let height = axisY + 44;

  if (options.fleet !== undefined) {
    const fleet = options.fleet;
    const panelTop = height + 24;
    const panelHeight = 160;
    const peak = Math.max(1, fleet.peak.requests);
    const spanMs = Math.max(fleet.bucketMs, fleet.buckets.length * fleet.bucketMs);
    const bx = (ms: number): number => left + (ms / spanMs) * plotWidth;
    parts.push(
      `<text x="${left}" y="${panelTop - 6}" font-size="13" font-weight="bold">${escapeXml(`${fleet.clients} clients, outage ${formatMs(fleet.outageMs)}: requests per ${formatMs(fleet.bucketMs)} (peak ${fleet.peak.requests}, total ${fleet.totalRequests})`)}</text>`,
    );
    for (const b of fleet.buckets) {
      const h = (b.requests / peak) * panelHeight;
      parts.push(`<rect class="bucket" x="${fmt(bx(b.startMs))}" y="${fmt(panelTop + panelHeight - h)}" width="${fmt(Math.max(1, bx(b.startMs + fleet.bucketMs) - bx(b.startMs) - 1))}" height="${fmt(h)}" fill="#d62728" fill-opacity="0.7"/>`);
    }
    if (fleet.outageMs > 0) parts.push(`<line x1="${fmt(bx(Math.min(fleet.outageMs, spanMs)))}" y1="${panelTop}" x2="${fmt(bx(Math.min(fleet.outageMs, spanMs)))}" y2="${panelTop + panelHeight}" stroke="#000" stroke-dasharray="4 3"/>`);
    parts.push(`<line x1="${left}" y1="${panelTop + panelHeight}" x2="${left + plotWidth}" y2="${panelTop + panelHeight}" stroke="#333"/>`);
    parts.push(`<text x="${left}" y="${panelTop + panelHeight + 16}" font-size="11">0</text>`);
    parts.push(`<text x="${left + plotWidth}" y="${panelTop + panelHeight + 16}" font-size="11" text-anchor="end">${escapeXml(formatMs(spanMs))}</text>`);
    height = panelTop + panelHeight + 30;
  }

  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
