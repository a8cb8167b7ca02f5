/**
 * The client-side rate limiter: keeps a client under the limits its venue publishes
 * (`profile.rateLimit.limits`) before the venue starts answering 429 or banning the IP.
 *
 * Every limit is a fixed window aligned to the Unix epoch, as the venues count (Binance's
 * minute counters reset on the minute). A request takes its cost from every limit or
 * from none; when one would go over its allowance (`headroom` of the published figure),
 * the request waits until that window resets. The venue's own count, read from its usage
 * headers, corrects ours upward: other processes on the same IP or account spend from
 * the same limit.
 *
 * The decisions (`planAcquire`, `planObserve`) are pure; {@link LocalRateLimiter} keeps
 * the counters of one process, and `RedisRateLimiter` (`intentkey/stores/redis`) keeps
 * them in Redis for every process behind one IP.
 *
 * @module
 */

import type { RateLimitUsage } from '../classify/rate-limit-usage.js';
import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { PublishedLimit } from '../venues/profile.js';

/** What a request is to the venue's limits: a write (order, payment) or a read (a reconcile lookup or scan page). */
export type LimiterRequestKind = 'write' | 'read';

/**
 * The limiter's answer: go ahead (the cost was taken from every limit), or wait
 * `retryInMs` (nothing was taken) because the limit `limitId` has no room left in its window.
 */
export type LimiterPermit =
  | { readonly granted: true }
  | { readonly granted: false; readonly retryInMs: number; readonly limitId: string };

/** One limit's count in its current window, for state, events and metrics. */
export interface LimitState {
  /** The limit's id (`weight-1m`). */
  readonly id: string;
  /** What a unit is. */
  readonly unit: PublishedLimit['unit'];
  /** Whom the venue counts against. */
  readonly per: PublishedLimit['per'];
  /** The venue's published figure per window. */
  readonly limit: number;
  /** What the limiter lets through per window: `floor(limit * headroom)`. */
  readonly allowed: number;
  /** Window length, in ms. */
  readonly windowMs: number;
  /** Units counted in the current window (ours, raised by what the venue reported). */
  readonly used: number;
  /** When the current window resets, epoch ms. */
  readonly resetAt: number;
}

/**
 * A limiter a client asks before every request it sends. `LocalRateLimiter` (one
 * process) and `RedisRateLimiter` (every process sharing a Redis) implement it; pass
 * one instance to several clients to share one venue's limits between them.
 */
export interface RateLimiter {
  /** The limits it keeps. */
  readonly limits: readonly PublishedLimit[];
  /**
   * Takes the cost of one request of `kind` from every limit, or from none of them.
   * @param now - epoch ms (the client's clock).
   */
  acquire(kind: LimiterRequestKind, now: number): LimiterPermit | Promise<LimiterPermit>;
  /** Raises the counts to what the venue reported in its usage headers (never lowers them). */
  observe(usage: readonly RateLimitUsage[], now: number): void | Promise<void>;
  /** Every limit's count in its current window. */
  snapshot(now: number): readonly LimitState[] | Promise<readonly LimitState[]>;
}

/** Options of {@link LocalRateLimiter}. */
export interface LocalRateLimiterOptions {
  /** The limits to keep, usually the venue profile's `rateLimit.limits`. At least one. */
  readonly limits: readonly PublishedLimit[];
  /**
   * The share of each published limit the limiter lets through, in (0, 1]. Below 1 it
   * leaves room for requests the client does not send itself (a dashboard, another
   * tool on the same key) and for the venue counting a request in the next window.
   * @default 0.9
   */
  readonly headroom?: number;
}

/** Default `headroom`: 90 % of each published limit. */
export const DEFAULT_LIMITER_HEADROOM = 0.9;

/** One limit's counter: units used in the window that starts at `windowStartAt`. */
export interface LimitCounter {
  readonly windowStartAt: number;
  readonly used: number;
}

/** The start of the fixed window (aligned to the epoch) that holds `now`. */
export function windowStartOf(limit: Pick<PublishedLimit, 'windowMs'>, now: number): number {
  return Math.floor(now / limit.windowMs) * limit.windowMs;
}

/** Units the limiter lets through per window: `floor(limit * headroom)`, at least 1. */
export function allowedUnits(limit: Pick<PublishedLimit, 'limit'>, headroom: number): number {
  // The product in floating point can fall a hair under a whole number (100 * 0.29 is
  // 28.999999999999996): nudge it by a relative 1e-12 so the floor is of the exact product.
  return Math.max(1, Math.floor(limit.limit * headroom * (1 + 1e-12)));
}

/** Units one request of `kind` costs against `limit`. */
export function costOf(limit: Pick<PublishedLimit, 'writeCost' | 'readCost'>, kind: LimiterRequestKind): number {
  return kind === 'write' ? (limit.writeCost ?? 1) : (limit.readCost ?? 1);
}

/** A counter's units in the window of `now`: a counter of an earlier window counts 0. */
export function usedNow(limit: PublishedLimit, counter: LimitCounter | undefined, now: number): number {
  return counter !== undefined && counter.windowStartAt === windowStartOf(limit, now) ? counter.used : 0;
}

/**
 * Pure: whether a request of `kind` fits every limit now, and the counters after it.
 * All or nothing: a request refused by one limit takes nothing from the others. When
 * refused, `retryInMs` is the wait until the last of the full limits resets.
 *
 * @param counters - one per limit, same order (`undefined`: nothing counted yet).
 */
export function planAcquire(
  limits: readonly PublishedLimit[],
  counters: readonly (LimitCounter | undefined)[],
  headroom: number,
  kind: LimiterRequestKind,
  now: number,
): { readonly granted: true; readonly counters: readonly LimitCounter[] } | { readonly granted: false; readonly retryInMs: number; readonly limitId: string } {
  let refusedBy: { retryInMs: number; limitId: string } | undefined;
  const next: LimitCounter[] = [];
  limits.forEach((limit, index) => {
    const cost = costOf(limit, kind);
    const windowStartAt = windowStartOf(limit, now);
    const used = usedNow(limit, counters[index], now);
    if (cost > 0 && used + cost > allowedUnits(limit, headroom)) {
      const retryInMs = windowStartAt + limit.windowMs - now;
      if (refusedBy === undefined || retryInMs > refusedBy.retryInMs) refusedBy = { retryInMs, limitId: limit.id };
    }
    next.push({ windowStartAt, used: used + cost });
  });
  if (refusedBy !== undefined) return { granted: false, ...refusedBy };
  return { granted: true, counters: next };
}

/**
 * Pure: the counters after the venue reported its usage. A limit with a `usageHeader`
 * takes the larger of its own count and the venue's (which counts every process on the
 * IP or account); a report never lowers a count, since a response can overtake another.
 * A report read at a `now` of a window older than the counter's leaves it as it is.
 */
export function planObserve(
  limits: readonly PublishedLimit[],
  counters: readonly (LimitCounter | undefined)[],
  usage: readonly RateLimitUsage[],
  now: number,
): readonly (LimitCounter | undefined)[] {
  return limits.map((limit, index) => {
    const counter = counters[index];
    const header = limit.usageHeader?.toLowerCase();
    const reported = header === undefined ? undefined : usage.find((u) => u.header === header)?.used;
    if (reported === undefined || !Number.isFinite(reported)) return counter;
    const windowStartAt = windowStartOf(limit, now);
    // A report of a window older than the counter's (read late): it says nothing about this one.
    if (counter !== undefined && counter.windowStartAt > windowStartAt) return counter;
    const used = usedNow(limit, counter, now);
    return reported > used ? { windowStartAt, used: reported } : counter;
  });
}

/** Pure: one limit's state for a snapshot. */
export function limitState(limit: PublishedLimit, counter: LimitCounter | undefined, headroom: number, now: number): LimitState {
  const windowStartAt = windowStartOf(limit, now);
  return {
    id: limit.id,
    unit: limit.unit,
    per: limit.per,
    limit: limit.limit,
    allowed: allowedUnits(limit, headroom),
    windowMs: limit.windowMs,
    used: usedNow(limit, counter, now),
    resetAt: windowStartAt + limit.windowMs,
  };
}

/** An HTTP header name (a token), as the venue profile schema accepts for `usageHeader`. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/**
 * Checks a limiter's options: at least one limit, each well formed (ids unique, a
 * positive limit, an integer window, costs that fit the allowance, a usage header that
 * is a header name), and a headroom in (0, 1]. Throws `ConfigurationError` naming
 * `where` and the field.
 */
export function checkLimiterOptions(limits: unknown, headroom: unknown, where: string): { limits: readonly PublishedLimit[]; headroom: number } {
  const fail = (path: string, expected: string, received: unknown): never => {
    throw new ConfigurationError({ path: `${where}.${path}`, expected, received: describeValue(received) });
  };
  const share = headroom ?? DEFAULT_LIMITER_HEADROOM;
  if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share > 1) fail('headroom', 'a number in (0, 1]', headroom);
  if (!Array.isArray(limits) || limits.length === 0) fail('limits', 'a non-empty array of published limits (the venue profile has none: give them here)', limits);
  const ids = new Set<string>();
  (limits as unknown[]).forEach((raw, index) => {
    const path = `limits[${index}]`;
    if (typeof raw !== 'object' || raw === null) fail(path, 'an object { id, limit, windowMs, unit, per }', raw);
    const limit = raw as Record<string, unknown>;
    if (typeof limit.id !== 'string' || limit.id === '') fail(`${path}.id`, 'a non-empty string', limit.id);
    if (ids.has(limit.id as string)) fail(`${path}.id`, 'an id no other limit uses', limit.id);
    ids.add(limit.id as string);
    if (typeof limit.limit !== 'number' || !Number.isFinite(limit.limit) || limit.limit <= 0) fail(`${path}.limit`, 'a positive number of units per window', limit.limit);
    if (!Number.isInteger(limit.windowMs) || (limit.windowMs as number) <= 0) fail(`${path}.windowMs`, 'a positive integer (ms)', limit.windowMs);
    if (!['weight', 'requests', 'orders'].includes(limit.unit as string)) fail(`${path}.unit`, "'weight', 'requests' or 'orders'", limit.unit);
    if (!['ip', 'account'].includes(limit.per as string)) fail(`${path}.per`, "'ip' or 'account'", limit.per);
    if (limit.usageHeader !== undefined && (typeof limit.usageHeader !== 'string' || !HEADER_NAME.test(limit.usageHeader))) {
      fail(`${path}.usageHeader`, "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)", limit.usageHeader);
    }
    const allowed = allowedUnits(limit as unknown as PublishedLimit, share as number);
    for (const field of ['writeCost', 'readCost'] as const) {
      const cost = limit[field];
      if (cost === undefined) continue;
      if (typeof cost !== 'number' || !Number.isFinite(cost) || cost < 0) fail(`${path}.${field}`, 'a number >= 0', cost);
      if ((cost as number) > allowed) fail(`${path}.${field}`, `at most the allowance per window (${allowed} = limit x headroom), or no request could ever pass`, cost);
    }
    if (((limit.writeCost as number | undefined) ?? 1) > allowed) fail(`${path}.limit`, `room for one write per window (limit x headroom >= writeCost)`, limit.limit);
  });
  return { limits: Object.freeze([...(limits as PublishedLimit[])]), headroom: share as number };
}

/**
 * The limiter of one process: counters in memory. Share one instance between the clients
 * of the same venue in a process; use `RedisRateLimiter` for several processes behind one IP.
 *
 * @example
 * const limiter = new LocalRateLimiter({ limits: binanceSpot.rateLimit.limits ?? [] });
 * createIntentClient({ http, venue: binanceSpot, protection: { limiter } });
 */
export class LocalRateLimiter implements RateLimiter {
  readonly limits: readonly PublishedLimit[];
  readonly #headroom: number;
  #counters: readonly (LimitCounter | undefined)[];

  constructor(options: LocalRateLimiterOptions) {
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError({ path: 'new LocalRateLimiter(options)', expected: 'an object { limits, headroom? }', received: describeValue(options) });
    }
    const checked = checkLimiterOptions(options.limits, options.headroom, 'new LocalRateLimiter(options)');
    this.limits = checked.limits;
    this.#headroom = checked.headroom;
    this.#counters = this.limits.map(() => undefined);
  }

  acquire(kind: LimiterRequestKind, now: number): LimiterPermit {
    const plan = planAcquire(this.limits, this.#counters, this.#headroom, kind, now);
    if (!plan.granted) return plan;
    this.#counters = plan.counters;
    return GRANTED;
  }

  observe(usage: readonly RateLimitUsage[], now: number): void {
    this.#counters = planObserve(this.limits, this.#counters, usage, now);
  }

  snapshot(now: number): readonly LimitState[] {
    return this.limits.map((limit, index) => limitState(limit, this.#counters[index], this.#headroom, now));
  }
}

const GRANTED: LimiterPermit = Object.freeze({ granted: true });
