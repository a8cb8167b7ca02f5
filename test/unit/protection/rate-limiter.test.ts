import { describe, expect, it } from 'vitest';
import type { RateLimitUsage } from '../../../src/classify/rate-limit-usage.js';
import { ConfigurationError } from '../../../src/errors/index.js';
import {
  allowedUnits,
  checkLimiterOptions,
  costOf,
  DEFAULT_LIMITER_HEADROOM,
  limitState,
  LocalRateLimiter,
  planAcquire,
  planObserve,
  usedNow,
  windowStartOf,
  type LimitCounter,
  type LimiterRequestKind,
  type LimitState,
} from '../../../src/protection/rate-limiter.js';
import type { PublishedLimit } from '../../../src/venues/profile.js';

/** An instant on a whole minute (so on every 1 s, 10 s and 60 s window boundary); other times are offsets from it. */
const T0 = 1_700_000_040_000;
const MINUTE = 60_000;

/** Request weight per minute per IP: writes cost 1, reads 4; the venue reports it in a header (given here in capitals). */
const WEIGHT: PublishedLimit = { id: 'weight-1m', limit: 100, windowMs: MINUTE, unit: 'weight', per: 'ip', writeCost: 1, readCost: 4, usageHeader: 'X-Used-Weight-1M' };
/** Orders per 10 s per account: reads cost nothing. */
const ORDERS: PublishedLimit = { id: 'orders-10s', limit: 10, windowMs: 10_000, unit: 'orders', per: 'account', readCost: 0, usageHeader: 'x-order-count-10s' };
/** No usage header, default costs. */
const REQUESTS: PublishedLimit = { id: 'requests-1s', limit: 5, windowMs: 1_000, unit: 'requests', per: 'ip' };
const BOTH = [WEIGHT, ORDERS];

const counter = (used: number, windowStartAt = T0): LimitCounter => ({ windowStartAt, used });
const usage = (header: string, used?: number): RateLimitUsage => (used === undefined ? { header } : { header, used });

function thrown(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('windowStartOf', () => {
  it.each<[string, number, number, number]>([
    ['on a boundary', MINUTE, T0, T0],
    ['1 ms after a boundary', MINUTE, T0 + 1, T0],
    ['1 ms before the next', MINUTE, T0 + MINUTE - 1, T0],
    ['a 10 s window', 10_000, T0 + 25_000, T0 + 20_000],
    ['a 7 s window is aligned to the epoch, not to T0', 7_000, T0, Math.floor(T0 / 7_000) * 7_000],
  ])('%s', (_, windowMs, now, expected) => {
    expect(windowStartOf({ windowMs }, now)).toBe(expected);
  });
});

describe('allowedUnits', () => {
  it.each<[number, number, number]>([
    [6_000, 0.9, 5_400],
    [10, 0.9, 9],
    [10, 1, 10],
    [7, 0.99, 6],
    [100, 0.29, 29],
    [100, 0.57, 57],
    [1, 0.5, 1],
    [0.5, 0.9, 1],
  ])('%d × %d: %d (floor, at least 1)', (limit, headroom, expected) => {
    expect(allowedUnits({ limit }, headroom)).toBe(expected);
  });
});

describe('costOf', () => {
  it.each<[string, Pick<PublishedLimit, 'writeCost' | 'readCost'>, LimiterRequestKind, number]>([
    ['a write, default cost', {}, 'write', 1],
    ['a read, default cost', {}, 'read', 1],
    ['a write, given cost', { writeCost: 2, readCost: 4 }, 'write', 2],
    ['a read, given cost', { writeCost: 2, readCost: 4 }, 'read', 4],
    ['a read on an orders limit', { readCost: 0 }, 'read', 0],
  ])('%s', (_, limit, kind, expected) => {
    expect(costOf(limit, kind)).toBe(expected);
  });
});

describe('usedNow', () => {
  it.each<[string, LimitCounter | undefined, number, number]>([
    ['nothing counted yet', undefined, T0, 0],
    ['a counter of this window', counter(7), T0 + 59_999, 7],
    ['a counter of the previous window', counter(7), T0 + MINUTE, 0],
    ['a counter of a later window (a clock that went back)', counter(7, T0 + MINUTE), T0, 0],
  ])('%s', (_, current, now, expected) => {
    expect(usedNow(WEIGHT, current, now)).toBe(expected);
  });
});

describe('planAcquire', () => {
  it.each<{
    name: string;
    limits: readonly PublishedLimit[];
    counters: readonly (LimitCounter | undefined)[];
    headroom?: number;
    kind: LimiterRequestKind;
    now: number;
    expected: ReturnType<typeof planAcquire>;
  }>([
    { name: 'nothing counted: granted, each limit counts from its window', limits: BOTH, counters: [undefined, undefined], kind: 'write', now: T0 + 12_345, expected: { granted: true, counters: [counter(1), counter(1, T0 + 10_000)] } },
    { name: 'counts on top of this window', limits: BOTH, counters: [counter(40), counter(3)], kind: 'write', now: T0 + 5_000, expected: { granted: true, counters: [counter(41), counter(4)] } },
    { name: 'up to the allowance exactly', limits: BOTH, counters: [counter(99), counter(9)], headroom: 1, kind: 'write', now: T0, expected: { granted: true, counters: [counter(100), counter(10)] } },
    { name: 'a counter of an earlier window counts 0: windows roll over', limits: BOTH, counters: [counter(100), counter(10)], headroom: 1, kind: 'write', now: T0 + MINUTE, expected: { granted: true, counters: [counter(1, T0 + MINUTE), counter(1, T0 + MINUTE)] } },
    { name: 'one limit full: refused, the wait is to its reset', limits: BOTH, counters: [counter(10), counter(10)], headroom: 1, kind: 'write', now: T0 + 2_500, expected: { granted: false, retryInMs: 7_500, limitId: 'orders-10s' } },
    { name: 'both full: the longest wait', limits: BOTH, counters: [counter(100), counter(10)], headroom: 1, kind: 'write', now: T0 + 2_500, expected: { granted: false, retryInMs: 57_500, limitId: 'weight-1m' } },
    { name: 'both full, listed the other way round: the same longest wait', limits: [ORDERS, WEIGHT], counters: [counter(10), counter(100)], headroom: 1, kind: 'write', now: T0 + 2_500, expected: { granted: false, retryInMs: 57_500, limitId: 'weight-1m' } },
    { name: 'the headroom: 9 of 10 orders is full at 0.9', limits: BOTH, counters: [counter(0), counter(9)], kind: 'write', now: T0, expected: { granted: false, retryInMs: 10_000, limitId: 'orders-10s' } },
    { name: 'a full window 1 ms before its reset: wait 1 ms', limits: [WEIGHT], counters: [counter(90)], kind: 'write', now: T0 + 59_999, expected: { granted: false, retryInMs: 1, limitId: 'weight-1m' } },
    { name: 'a read costs readCost: 4 weight', limits: BOTH, counters: [counter(10), counter(2)], kind: 'read', now: T0, expected: { granted: true, counters: [counter(14), counter(2)] } },
    { name: 'a read that would go over by its cost is refused', limits: BOTH, counters: [counter(97), counter(0)], headroom: 1, kind: 'read', now: T0, expected: { granted: false, retryInMs: MINUTE, limitId: 'weight-1m' } },
    { name: 'a read costs 0 on an orders limit: it passes a full one', limits: BOTH, counters: [counter(0), counter(10)], headroom: 1, kind: 'read', now: T0, expected: { granted: true, counters: [counter(4), counter(10)] } },
    { name: 'default costs: 1 per request of either kind', limits: [REQUESTS], counters: [counter(3)], headroom: 1, kind: 'read', now: T0, expected: { granted: true, counters: [counter(4)] } },
  ])('$name', ({ limits, counters, headroom, kind, now, expected }) => {
    expect(planAcquire(limits, counters, headroom ?? DEFAULT_LIMITER_HEADROOM, kind, now)).toEqual(expected);
  });

  it('all or nothing: a refusal takes nothing from the limits with room', () => {
    const counters = [counter(10), counter(10)];
    const plan = planAcquire(BOTH, counters, 1, 'write', T0);
    expect(plan.granted).toBe(false);
    expect(counters).toEqual([counter(10), counter(10)]);
    expect('counters' in plan).toBe(false);
  });
});

describe('planObserve', () => {
  it.each<{
    name: string;
    limits: readonly PublishedLimit[];
    counters: readonly (LimitCounter | undefined)[];
    usage: readonly RateLimitUsage[];
    now: number;
    expected: readonly (LimitCounter | undefined)[];
  }>([
    { name: 'raises a count to what the venue reported', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-used-weight-1m', 50)], now: T0 + 1_000, expected: [counter(50), counter(2)] },
    { name: 'never lowers it', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-used-weight-1m', 5)], now: T0 + 1_000, expected: [counter(10), counter(2)] },
    { name: 'an equal report changes nothing', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-used-weight-1m', 10)], now: T0, expected: [counter(10), counter(2)] },
    { name: 'only the limit whose usageHeader matches', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-order-count-10s', 7)], now: T0, expected: [counter(10), counter(7)] },
    { name: 'both, from two headers', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-order-count-10s', 7), usage('x-used-weight-1m', 60)], now: T0, expected: [counter(60), counter(7)] },
    { name: "the limit's header is matched case-insensitively", limits: [WEIGHT], counters: [counter(1)], usage: [usage('x-used-weight-1m', 30)], now: T0, expected: [counter(30)] },
    { name: 'a header no limit names is ignored', limits: BOTH, counters: [counter(10), counter(2)], usage: [usage('x-used-weight-10s', 99)], now: T0, expected: [counter(10), counter(2)] },
    { name: 'a limit without usageHeader is never raised', limits: [REQUESTS], counters: [counter(1)], usage: [usage('x-used-weight-1m', 99)], now: T0, expected: [counter(1)] },
    { name: 'a report without used (remaining only) is ignored', limits: [WEIGHT], counters: [counter(1)], usage: [{ header: 'x-used-weight-1m', remaining: 3 }], now: T0, expected: [counter(1)] },
    { name: 'a non-finite report is ignored', limits: [WEIGHT], counters: [counter(1)], usage: [usage('x-used-weight-1m', Number.POSITIVE_INFINITY)], now: T0, expected: [counter(1)] },
    { name: 'nothing counted yet: the report starts the window', limits: [WEIGHT], counters: [undefined], usage: [usage('x-used-weight-1m', 12)], now: T0 + 30_000, expected: [counter(12)] },
    { name: 'a zero report on nothing counted stays nothing', limits: [WEIGHT], counters: [undefined], usage: [usage('x-used-weight-1m', 0)], now: T0, expected: [undefined] },
    { name: 'a counter of an earlier window: the report starts the new one', limits: [WEIGHT], counters: [counter(90, T0 - MINUTE)], usage: [usage('x-used-weight-1m', 3)], now: T0 + 1_000, expected: [counter(3)] },
    // A response of the previous window read after the counter moved on (responses overtake each other).
    { name: "a previous window's report leaves this window's count alone", limits: [WEIGHT], counters: [counter(5, T0 + MINUTE)], usage: [usage('x-used-weight-1m', 80)], now: T0 + 59_000, expected: [counter(5, T0 + MINUTE)] },
  ])('$name', ({ limits, counters, usage: reported, now, expected }) => {
    expect(planObserve(limits, counters, reported, now)).toEqual(expected);
  });
});

describe('limitState', () => {
  it('reports the limit, the allowance, the count of this window and when it resets', () => {
    expect(limitState(WEIGHT, counter(42), 0.9, T0 + 1_000)).toEqual<LimitState>({ id: 'weight-1m', unit: 'weight', per: 'ip', limit: 100, allowed: 90, windowMs: MINUTE, used: 42, resetAt: T0 + MINUTE });
    expect(limitState(ORDERS, counter(9), 0.9, T0 + 10_000)).toMatchObject({ used: 0, allowed: 9, resetAt: T0 + 20_000 });
    expect(limitState(REQUESTS, undefined, 1, T0)).toMatchObject({ used: 0, allowed: 5, resetAt: T0 + 1_000 });
  });
});

describe('checkLimiterOptions', () => {
  it('returns a frozen copy of the limits and the headroom, 0.9 by default', () => {
    const limits = [WEIGHT, ORDERS];
    const checked = checkLimiterOptions(limits, undefined, 'limiter');
    expect(checked).toEqual({ limits, headroom: 0.9 });
    expect(checked.limits).not.toBe(limits);
    expect(Object.isFrozen(checked.limits)).toBe(true);
    expect(checkLimiterOptions([REQUESTS], 1, 'limiter').headroom).toBe(1);
    expect(DEFAULT_LIMITER_HEADROOM).toBe(0.9);
  });

  const HEADER_EXPECTED = "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)";
  const limitsExpected = 'a non-empty array of published limits (the venue profile has none: give them here)';

  it.each<{ name: string; limits: unknown; headroom?: unknown; path: string; expected: string; received: string }>([
    { name: 'headroom 0', limits: [WEIGHT], headroom: 0, path: 'limiter.headroom', expected: 'a number in (0, 1]', received: '0' },
    { name: 'headroom above 1', limits: [WEIGHT], headroom: 1.5, path: 'limiter.headroom', expected: 'a number in (0, 1]', received: '1.5' },
    { name: 'headroom a string', limits: [WEIGHT], headroom: '0.9', path: 'limiter.headroom', expected: 'a number in (0, 1]', received: '"0.9"' },
    { name: 'headroom NaN', limits: [WEIGHT], headroom: Number.NaN, path: 'limiter.headroom', expected: 'a number in (0, 1]', received: 'NaN' },
    { name: 'no limits', limits: undefined, path: 'limiter.limits', expected: limitsExpected, received: 'undefined' },
    { name: 'an empty list', limits: [], path: 'limiter.limits', expected: limitsExpected, received: 'an array of length 0' },
    { name: 'limits not an array', limits: WEIGHT, path: 'limiter.limits', expected: limitsExpected, received: 'an object' },
    { name: 'a limit that is null', limits: [null], path: 'limiter.limits[0]', expected: 'an object { id, limit, windowMs, unit, per }', received: 'null' },
    { name: 'a limit that is a string', limits: [WEIGHT, 'weight-1m'], path: 'limiter.limits[1]', expected: 'an object { id, limit, windowMs, unit, per }', received: '"weight-1m"' },
    { name: 'an empty id', limits: [{ ...WEIGHT, id: '' }], path: 'limiter.limits[0].id', expected: 'a non-empty string', received: '""' },
    { name: 'an id that is a number', limits: [{ ...WEIGHT, id: 1 }], path: 'limiter.limits[0].id', expected: 'a non-empty string', received: '1' },
    { name: 'a duplicate id', limits: [WEIGHT, { ...ORDERS, id: 'weight-1m' }], path: 'limiter.limits[1].id', expected: 'an id no other limit uses', received: '"weight-1m"' },
    { name: 'limit 0', limits: [{ ...WEIGHT, limit: 0 }], path: 'limiter.limits[0].limit', expected: 'a positive number of units per window', received: '0' },
    { name: 'limit a string', limits: [{ ...WEIGHT, limit: '100' }], path: 'limiter.limits[0].limit', expected: 'a positive number of units per window', received: '"100"' },
    { name: 'limit infinite', limits: [{ ...WEIGHT, limit: Number.POSITIVE_INFINITY }], path: 'limiter.limits[0].limit', expected: 'a positive number of units per window', received: 'Infinity' },
    { name: 'windowMs 0', limits: [{ ...WEIGHT, windowMs: 0 }], path: 'limiter.limits[0].windowMs', expected: 'a positive integer (ms)', received: '0' },
    { name: 'windowMs fractional', limits: [{ ...WEIGHT, windowMs: 1.5 }], path: 'limiter.limits[0].windowMs', expected: 'a positive integer (ms)', received: '1.5' },
    { name: 'windowMs a string', limits: [{ ...WEIGHT, windowMs: '1m' }], path: 'limiter.limits[0].windowMs', expected: 'a positive integer (ms)', received: '"1m"' },
    { name: 'an unknown unit', limits: [{ ...WEIGHT, unit: 'bytes' }], path: 'limiter.limits[0].unit', expected: "'weight', 'requests' or 'orders'", received: '"bytes"' },
    { name: 'an unknown per', limits: [{ ...WEIGHT, per: 'user' }], path: 'limiter.limits[0].per', expected: "'ip' or 'account'", received: '"user"' },
    { name: 'a negative writeCost', limits: [{ ...WEIGHT, writeCost: -1 }], path: 'limiter.limits[0].writeCost', expected: 'a number >= 0', received: '-1' },
    { name: 'a readCost that is a string', limits: [{ ...WEIGHT, readCost: '4' }], path: 'limiter.limits[0].readCost', expected: 'a number >= 0', received: '"4"' },
    {
      name: 'a writeCost above the allowance',
      limits: [{ ...ORDERS, writeCost: 10 }],
      path: 'limiter.limits[0].writeCost',
      expected: 'at most the allowance per window (9 = limit x headroom), or no request could ever pass',
      received: '10',
    },
    {
      name: 'a readCost above the allowance',
      limits: [{ ...WEIGHT, readCost: 20 }],
      headroom: 0.1,
      path: 'limiter.limits[0].readCost',
      expected: 'at most the allowance per window (10 = limit x headroom), or no request could ever pass',
      received: '20',
    },
    { name: 'a usageHeader that is not a string', limits: [{ ...WEIGHT, usageHeader: 5 }], path: 'limiter.limits[0].usageHeader', expected: HEADER_EXPECTED, received: '5' },
    { name: 'an empty usageHeader', limits: [{ ...WEIGHT, usageHeader: '' }], path: 'limiter.limits[0].usageHeader', expected: HEADER_EXPECTED, received: '""' },
    { name: 'a usageHeader with a space', limits: [{ ...WEIGHT, usageHeader: 'x used weight' }], path: 'limiter.limits[0].usageHeader', expected: HEADER_EXPECTED, received: '"x used weight"' },
  ])('$name: names $path, what was expected and what came', ({ limits, headroom, path, expected, received }) => {
    const error = thrown(() => checkLimiterOptions(limits, headroom, 'limiter'));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect({ path: error.path, expected: error.expected, received: error.received }).toEqual({ path, expected, received });
    expect(error.message).toBe(`Invalid option "${path}": expected ${expected}, received ${received}.`);
  });
});

describe('LocalRateLimiter', () => {
  it('rejects options that are not an object, and bad fields under its own path', () => {
    expect(thrown(() => new LocalRateLimiter(null as never))).toMatchObject({ path: 'new LocalRateLimiter(options)', expected: 'an object { limits, headroom? }', received: 'null' });
    expect(thrown(() => new LocalRateLimiter({ limits: [] })).path).toBe('new LocalRateLimiter(options).limits');
    expect(thrown(() => new LocalRateLimiter({ limits: [WEIGHT], headroom: 2 })).path).toBe('new LocalRateLimiter(options).headroom');
  });

  it('takes every limit or none, and reports the wait of the longest full window', () => {
    const limiter = new LocalRateLimiter({ limits: BOTH, headroom: 1 });
    expect(limiter.limits).toEqual(BOTH);
    const at = T0 + 1_000;
    for (let i = 0; i < 10; i++) expect(limiter.acquire('write', at)).toEqual({ granted: true });
    // Orders full: the write is refused and takes no weight.
    expect(limiter.acquire('write', at)).toEqual({ granted: false, retryInMs: 9_000, limitId: 'orders-10s' });
    expect(limiter.snapshot(at).map((s) => s.used)).toEqual([10, 10]);
    // Reads do not count against orders.
    expect(limiter.acquire('read', at)).toEqual({ granted: true });
    expect(limiter.snapshot(at).map((s) => s.used)).toEqual([14, 10]);
    // The orders window rolls over at T0 + 10 s.
    expect(limiter.acquire('write', at + 9_000)).toEqual({ granted: true });
    expect(limiter.snapshot(at + 9_000).map((s) => s.used)).toEqual([15, 1]);
  });

  it('observe raises its counts to the venue’s and never lowers them', () => {
    const limiter = new LocalRateLimiter({ limits: BOTH });
    limiter.acquire('write', T0);
    limiter.observe([usage('x-used-weight-1m', 89)], T0 + 1);
    expect(limiter.acquire('write', T0 + 2)).toEqual({ granted: true });
    expect(limiter.acquire('write', T0 + 3)).toEqual({ granted: false, retryInMs: MINUTE - 3, limitId: 'weight-1m' });
    limiter.observe([usage('x-used-weight-1m', 1)], T0 + 4);
    expect(limiter.snapshot(T0 + 4)[0]?.used).toBe(90);
  });

  it('snapshot: every limit, its allowance and count in the window of now', () => {
    const limiter = new LocalRateLimiter({ limits: [WEIGHT, ORDERS, REQUESTS] });
    limiter.acquire('read', T0 + 500);
    expect(limiter.snapshot(T0 + 500)).toEqual<LimitState[]>([
      { id: 'weight-1m', unit: 'weight', per: 'ip', limit: 100, allowed: 90, windowMs: MINUTE, used: 4, resetAt: T0 + MINUTE },
      { id: 'orders-10s', unit: 'orders', per: 'account', limit: 10, allowed: 9, windowMs: 10_000, used: 0, resetAt: T0 + 10_000 },
      { id: 'requests-1s', unit: 'requests', per: 'ip', limit: 5, allowed: 4, windowMs: 1_000, used: 1, resetAt: T0 + 1_000 },
    ]);
    expect(limiter.snapshot(T0 + 1_000)[2]).toMatchObject({ used: 0, resetAt: T0 + 2_000 });
  });
});
