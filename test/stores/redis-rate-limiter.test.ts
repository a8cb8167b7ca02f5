import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { RateLimitUsage } from '../../src/classify/rate-limit-usage.js';
import { isConfigurationError, isIntentError, isLedgerUnavailableError } from '../../src/index.js';
import { LocalRateLimiter, type LimiterPermit, type LimiterRequestKind, type LimitState, type RateLimiter } from '../../src/protection/rate-limiter.js';
import { RedisRateLimiter, type RedisRateLimiterOptions } from '../../src/stores/redis/index.js';
import type { PublishedLimit } from '../../src/venues/profile.js';
import { closeClients, connect, deletePrefix, randomPrefix, REDIS_URL, warnIfSkipped } from '../helpers/redis.js';

// RedisRateLimiter: the same decisions as LocalRateLimiter (one table of scenarios run
// against both), counts shared across connections, exactly the allowance granted under
// concurrent acquires, windows, key expiry, option checks and failures.

warnIfSkipped('the RedisRateLimiter tests');
const onRedis = describe.runIf(REDIS_URL !== undefined);

/** Not aligned to a minute (a 60 s window ends 40 s later), aligned to 10 s and 1 s. */
const T0 = 1_700_000_000_000;
const codeOf = (e: unknown): string => (isIntentError(e) ? e.code : `not an intentkey error: ${String(e)}`);

const prefixes: Array<[Redis, string]> = [];
/** A fresh prefix (no trailing colon) whose keys are deleted after the test. */
function freshPrefix(admin: Redis, tag = 'rl'): string {
  const prefix = randomPrefix(tag).slice(0, -1);
  prefixes.push([admin, `${prefix}:`]);
  return prefix;
}
afterEach(async () => {
  for (const [client, prefix] of prefixes.splice(0)) await deletePrefix(client, prefix).catch(() => undefined);
});
afterAll(closeClients);

// ---------------------------------------------------------------------------------------
// The scenarios, written once: each step with what it must give. Both implementations
// run them, and their outputs (every permit and every full snapshot) must be equal too.

const REQ_1S: PublishedLimit = { id: 'req-1s', limit: 5, windowMs: 1_000, unit: 'requests', per: 'ip' };
const WEIGHT: PublishedLimit = { id: 'weight-1m', limit: 20, windowMs: 60_000, unit: 'weight', per: 'ip', writeCost: 2, readCost: 1, usageHeader: 'X-Used-Weight-1M' };
const ORDERS: PublishedLimit = { id: 'orders-10s', limit: 4, windowMs: 10_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0 };

type Expected = 'granted' | { readonly retryInMs: number; readonly limitId: string };
type Step =
  | { readonly acquire: LimiterRequestKind; readonly at: number; readonly expect: Expected }
  | { readonly observe: readonly RateLimitUsage[]; readonly at: number }
  | { readonly snapshot: number; readonly used: Readonly<Record<string, number>> };

interface Scenario {
  readonly name: string;
  readonly limits: readonly PublishedLimit[];
  readonly headroom?: number;
  readonly steps: readonly Step[];
}

const times = (n: number, step: Step): Step[] => Array.from({ length: n }, () => step);

const SCENARIOS: readonly Scenario[] = [
  {
    name: 'one limit: the allowance is floor(limit x headroom), the refusal waits for the window end, the next window starts at 0',
    limits: [REQ_1S],
    headroom: 0.9,
    steps: [
      ...times(4, { acquire: 'write', at: T0 + 100, expect: 'granted' }),
      { acquire: 'write', at: T0 + 100, expect: { retryInMs: 900, limitId: 'req-1s' } },
      { acquire: 'read', at: T0 + 999, expect: { retryInMs: 1, limitId: 'req-1s' } },
      { snapshot: T0 + 999, used: { 'req-1s': 4 } },
      { acquire: 'read', at: T0 + 1_000, expect: 'granted' },
      { snapshot: T0 + 1_000, used: { 'req-1s': 1 } },
      { snapshot: T0 + 5_000, used: { 'req-1s': 0 } },
    ],
  },
  {
    name: 'two limits: all or nothing, per-kind costs, the longest wait among the full limits',
    limits: [WEIGHT, ORDERS],
    headroom: 1,
    steps: [
      ...times(4, { acquire: 'write', at: T0, expect: 'granted' }),
      { snapshot: T0, used: { 'weight-1m': 8, 'orders-10s': 4 } },
      // Orders full: refused by it, and the weight is not taken.
      { acquire: 'write', at: T0 + 2_000, expect: { retryInMs: 8_000, limitId: 'orders-10s' } },
      { snapshot: T0 + 2_000, used: { 'weight-1m': 8, 'orders-10s': 4 } },
      // Reads cost no order: they fill the weight.
      ...times(12, { acquire: 'read', at: T0 + 3_000, expect: 'granted' }),
      { acquire: 'read', at: T0 + 3_000, expect: { retryInMs: 37_000, limitId: 'weight-1m' } },
      // Both full: the longer wait (the minute) is the answer.
      { acquire: 'write', at: T0 + 5_000, expect: { retryInMs: 35_000, limitId: 'weight-1m' } },
      // A new orders window, the weight still full: refused, and the new orders window not charged.
      { acquire: 'write', at: T0 + 10_000, expect: { retryInMs: 30_000, limitId: 'weight-1m' } },
      { snapshot: T0 + 10_000, used: { 'weight-1m': 20, 'orders-10s': 0 } },
      // The next minute: both free again.
      { acquire: 'write', at: T0 + 40_000, expect: 'granted' },
      { snapshot: T0 + 40_000, used: { 'weight-1m': 2, 'orders-10s': 1 } },
    ],
  },
  {
    name: 'the longest wait wins even when a limit with a shorter one is listed first',
    limits: [ORDERS, WEIGHT],
    headroom: 1,
    steps: [
      ...times(4, { acquire: 'write', at: T0, expect: 'granted' }),
      ...times(12, { acquire: 'read', at: T0, expect: 'granted' }),
      { acquire: 'write', at: T0 + 5_000, expect: { retryInMs: 35_000, limitId: 'weight-1m' } },
      { acquire: 'read', at: T0 + 5_000, expect: { retryInMs: 35_000, limitId: 'weight-1m' } },
      { snapshot: T0 + 5_000, used: { 'orders-10s': 4, 'weight-1m': 20 } },
    ],
  },
  {
    name: 'a tie between full limits names the first',
    limits: [
      { id: 'a', limit: 1, windowMs: 1_000, unit: 'requests', per: 'ip' },
      { id: 'b', limit: 1, windowMs: 1_000, unit: 'requests', per: 'account' },
    ],
    headroom: 1,
    steps: [
      { acquire: 'write', at: T0 + 400, expect: 'granted' },
      { acquire: 'write', at: T0 + 400, expect: { retryInMs: 600, limitId: 'a' } },
    ],
  },
  {
    name: 'fractional costs add as doubles: ten writes of 0.1 fit an allowance of 1, the eleventh does not',
    limits: [{ id: 'frac', limit: 1, windowMs: 60_000, unit: 'weight', per: 'ip', writeCost: 0.1, readCost: 0.3 }],
    headroom: 1,
    steps: [
      ...times(10, { acquire: 'write', at: T0, expect: 'granted' }),
      { snapshot: T0, used: { frac: 0.9999999999999999 } },
      { acquire: 'write', at: T0, expect: { retryInMs: 40_000, limitId: 'frac' } },
      // The next window: three reads of 0.3 (0.8999999999999999), not a fourth.
      ...times(3, { acquire: 'read', at: T0 + 40_000, expect: 'granted' }),
      { acquire: 'read', at: T0 + 40_000, expect: { retryInMs: 60_000, limitId: 'frac' } },
      { snapshot: T0 + 40_000, used: { frac: 0.8999999999999999 } },
    ],
  },
  {
    name: 'usage reports raise a count (never lower it), by header name in any case, in the window of now',
    limits: [WEIGHT, ORDERS],
    headroom: 1,
    steps: [
      { acquire: 'write', at: T0, expect: 'granted' },
      { observe: [{ header: 'x-used-weight-1m', used: 15 }], at: T0 + 1 },
      { snapshot: T0 + 1, used: { 'weight-1m': 15, 'orders-10s': 1 } },
      // Lower, another header, not a number, no `used`: nothing changes.
      { observe: [{ header: 'x-used-weight-1m', used: 3 }], at: T0 + 2 },
      { observe: [{ header: 'x-other', used: 19 }], at: T0 + 2 },
      { observe: [{ header: 'x-used-weight-1m', used: Number.NaN }], at: T0 + 2 },
      { observe: [{ header: 'x-used-weight-1m', remaining: 1 }], at: T0 + 2 },
      { snapshot: T0 + 2, used: { 'weight-1m': 15, 'orders-10s': 1 } },
      { acquire: 'write', at: T0 + 3, expect: 'granted' },
      { acquire: 'write', at: T0 + 3, expect: 'granted' },
      { acquire: 'write', at: T0 + 3, expect: { retryInMs: 39_997, limitId: 'weight-1m' } },
      // A fractional report.
      { observe: [{ header: 'x-used-weight-1m', used: 19.5 }], at: T0 + 4 },
      { snapshot: T0 + 4, used: { 'weight-1m': 19.5, 'orders-10s': 3 } },
      // A report of 0 with nothing counted yet changes nothing; a report in a new window counts there.
      { observe: [{ header: 'x-used-weight-1m', used: 0 }], at: T0 + 40_000 },
      { snapshot: T0 + 40_000, used: { 'weight-1m': 0, 'orders-10s': 0 } },
      { observe: [{ header: 'x-used-weight-1m', used: 5 }], at: T0 + 40_000 },
      { snapshot: T0 + 40_001, used: { 'weight-1m': 5, 'orders-10s': 0 } },
      { acquire: 'read', at: T0 + 40_002, expect: 'granted' },
      { snapshot: T0 + 40_002, used: { 'weight-1m': 6, 'orders-10s': 0 } },
    ],
  },
  {
    name: 'the default headroom (0.9) and costs of 0',
    limits: [
      { id: 'w', limit: 10, windowMs: 10_000, unit: 'weight', per: 'ip' },
      { id: 'o', limit: 3, windowMs: 10_000, unit: 'orders', per: 'account', readCost: 0 },
    ],
    steps: [
      ...times(2, { acquire: 'write', at: T0, expect: 'granted' }),
      { acquire: 'write', at: T0, expect: { retryInMs: 10_000, limitId: 'o' } },
      ...times(7, { acquire: 'read', at: T0 + 1, expect: 'granted' }),
      { acquire: 'read', at: T0 + 1, expect: { retryInMs: 9_999, limitId: 'w' } },
      { snapshot: T0 + 1, used: { w: 9, o: 2 } },
    ],
  },
];

type Output = LimiterPermit | 'observed' | readonly LimitState[];

async function runScenario(limiter: RateLimiter, scenario: Scenario): Promise<Output[]> {
  const out: Output[] = [];
  for (const step of scenario.steps) {
    if ('acquire' in step) out.push(await limiter.acquire(step.acquire, step.at));
    else if ('observe' in step) {
      await limiter.observe(step.observe, step.at);
      out.push('observed');
    } else out.push(await limiter.snapshot(step.snapshot));
  }
  return out;
}

/** Every step's output against what the scenario says it must be. */
function checkExpected(scenario: Scenario, out: readonly Output[]): void {
  scenario.steps.forEach((step, index) => {
    const got = out[index];
    const where = `${scenario.name}, step ${index}`;
    if ('acquire' in step) {
      expect(got, where).toEqual(step.expect === 'granted' ? { granted: true } : { granted: false, ...step.expect });
    } else if ('snapshot' in step) {
      const used = Object.fromEntries((got as readonly LimitState[]).map((s) => [s.id, s.used]));
      expect(used, where).toEqual(step.used);
    }
  });
}

const localOf = (scenario: Scenario): LocalRateLimiter =>
  new LocalRateLimiter({ limits: scenario.limits, ...(scenario.headroom === undefined ? {} : { headroom: scenario.headroom }) });

describe('the limiter scenarios against LocalRateLimiter', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      checkExpected(scenario, await runScenario(localOf(scenario), scenario));
    });
  }
});

onRedis('RedisRateLimiter: the same decisions as LocalRateLimiter', () => {
  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const admin = connect();
      const redis = await RedisRateLimiter.open({
        redis: connect(),
        limits: scenario.limits,
        prefix: freshPrefix(admin),
        ...(scenario.headroom === undefined ? {} : { headroom: scenario.headroom }),
      });
      const fromRedis = await runScenario(redis, scenario);
      checkExpected(scenario, fromRedis);
      expect(fromRedis).toEqual(await runScenario(localOf(scenario), scenario));
    });
  }
});

// ---------------------------------------------------------------------------------------

const HOUR: PublishedLimit = { id: 'req-1h', limit: 50, windowMs: 3_600_000, unit: 'requests', per: 'ip' };

onRedis('RedisRateLimiter: shared counts', () => {
  it('two instances on two connections with one prefix share every count; another prefix does not', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const a = await RedisRateLimiter.open({ redis: connect(), limits: [WEIGHT, ORDERS], headroom: 1, prefix });
    const b = await RedisRateLimiter.open({ redis: connect(), limits: [WEIGHT, ORDERS], headroom: 1, prefix });
    const other = await RedisRateLimiter.open({ redis: connect(), limits: [WEIGHT, ORDERS], headroom: 1, prefix: freshPrefix(admin) });
    for (let i = 0; i < 3; i++) expect(await a.acquire('write', T0)).toEqual({ granted: true });
    expect((await b.snapshot(T0)).map((s) => s.used)).toEqual([6, 3]);
    expect(await b.acquire('write', T0)).toEqual({ granted: true });
    expect(await a.acquire('write', T0)).toEqual({ granted: false, retryInMs: 10_000, limitId: 'orders-10s' });
    await b.observe([{ header: 'x-used-weight-1m', used: 19 }], T0 + 1);
    expect(await a.snapshot(T0 + 1)).toEqual(await b.snapshot(T0 + 1));
    expect((await a.snapshot(T0 + 1)).map((s) => s.used)).toEqual([19, 4]);
    expect((await other.snapshot(T0 + 1)).map((s) => s.used)).toEqual([0, 0]);
    expect(await other.acquire('write', T0 + 1)).toEqual({ granted: true });
  });

  it('200 concurrent acquires from 4 instances on 4 connections against an allowance of 50 grant exactly 50, window after window', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const limiters = await Promise.all(Array.from({ length: 4 }, () => RedisRateLimiter.open({ redis: connect(), limits: [HOUR], headroom: 1, prefix })));
    for (let round = 0; round < 5; round++) {
      const now = Math.floor(T0 / HOUR.windowMs) * HOUR.windowMs + round * HOUR.windowMs + 123;
      // All 200 scripts are sent before any reply is read: 4 pipelines racing on the server.
      const permits = await Promise.all(Array.from({ length: 200 }, (_, i) => (limiters[i % 4] as RedisRateLimiter).acquire(i % 3 === 0 ? 'read' : 'write', now)));
      const granted = permits.filter((p) => p.granted);
      expect(granted, `round ${round}`).toHaveLength(50);
      for (const p of permits) if (!p.granted) expect(p).toEqual({ granted: false, retryInMs: HOUR.windowMs - 123, limitId: 'req-1h' });
      expect(await admin.get(`${prefix}:req-1h:${Math.floor(now / HOUR.windowMs) * HOUR.windowMs}`)).toBe('50');
    }
  });

  it('all or nothing under the same race: writes refused by one limit never leak into the other', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const limits: PublishedLimit[] = [
      { id: 'weight', limit: 50, windowMs: 3_600_000, unit: 'weight', per: 'ip', writeCost: 1, readCost: 1 },
      { id: 'orders', limit: 30, windowMs: 3_600_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0 },
    ];
    const limiters = await Promise.all(Array.from({ length: 4 }, () => RedisRateLimiter.open({ redis: connect(), limits, headroom: 1, prefix })));
    const kinds: LimiterRequestKind[] = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? 'write' : 'read'));
    const permits = await Promise.all(kinds.map((kind, i) => (limiters[i % 4] as RedisRateLimiter).acquire(kind, T0)));
    const writes = permits.filter((p, i) => p.granted && kinds[i] === 'write').length;
    const reads = permits.filter((p, i) => p.granted && kinds[i] === 'read').length;
    expect(writes + reads).toBe(50);
    expect(writes).toBeLessThanOrEqual(30);
    const [weight, orders] = (await limiters[0]?.snapshot(T0)) ?? [];
    expect(weight?.used).toBe(writes + reads);
    expect(orders?.used).toBe(writes);
  });

  it('fractional costs under the race: 200 writes of 0.5 against 25 grant exactly 50', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const limits: PublishedLimit[] = [{ id: 'half', limit: 25, windowMs: 3_600_000, unit: 'weight', per: 'ip', writeCost: 0.5 }];
    const limiters = await Promise.all(Array.from({ length: 4 }, () => RedisRateLimiter.open({ redis: connect(), limits, headroom: 1, prefix })));
    const permits = await Promise.all(Array.from({ length: 200 }, (_, i) => (limiters[i % 4] as RedisRateLimiter).acquire('write', T0)));
    expect(permits.filter((p) => p.granted)).toHaveLength(50);
    expect((await limiters[1]?.snapshot(T0))?.[0]?.used).toBe(25);
  });

  it('control: a read-then-write limiter (GET, compare, SET in separate commands) over-grants under the same race', async () => {
    // Shows the race above can tell an atomic check-and-add from one that is not.
    const admin = connect();
    const key = `${freshPrefix(admin)}:naive`;
    const connections = Array.from({ length: 4 }, () => connect());
    const naive = async (redis: Redis): Promise<boolean> => {
      const used = Number((await redis.get(key)) ?? '0');
      if (used + 1 > 50) return false;
      await redis.set(key, String(used + 1), 'PX', 60_000);
      return true;
    };
    const grants = (await Promise.all(Array.from({ length: 200 }, (_, i) => naive(connections[i % 4] as Redis)))).filter(Boolean).length;
    expect(grants).toBeGreaterThan(50);
  });
});

onRedis('RedisRateLimiter: keys and windows', () => {
  it('one key per limit and window, named by prefix, limit id and window start, expiring a minute after the window ends', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const limiter = await RedisRateLimiter.open({ redis: connect(), limits: [REQ_1S, WEIGHT], headroom: 1, prefix });
    expect(limiter.prefix).toBe(prefix);
    await limiter.acquire('write', T0 + 250);
    await limiter.acquire('write', T0 + 1_250);
    const keys = (await admin.keys(`${prefix}:*`)).sort();
    expect(keys).toEqual([`${prefix}:req-1s:${T0}`, `${prefix}:req-1s:${T0 + 1_000}`, `${prefix}:weight-1m:${T0 - 20_000}`].sort());
    // The TTL is the rest of the window by the caller's clock (now = T0 + 1_250) plus 60 s.
    const reqTtl = await admin.pttl(`${prefix}:req-1s:${T0 + 1_000}`);
    expect(reqTtl).toBeGreaterThan(60_000);
    expect(reqTtl).toBeLessThanOrEqual(750 + 60_000);
    const weightTtl = await admin.pttl(`${prefix}:weight-1m:${T0 - 20_000}`);
    expect(weightTtl).toBeGreaterThan(38_750 + 59_000);
    expect(weightTtl).toBeLessThanOrEqual(38_750 + 60_000);
    // A report sets the TTL of the key it writes too.
    await limiter.observe([{ header: 'x-used-weight-1m', used: 10 }], T0 + 40_000);
    const observedTtl = await admin.pttl(`${prefix}:weight-1m:${T0 + 40_000}`);
    expect(observedTtl).toBeGreaterThan(59_000 + 59_000);
    expect(observedTtl).toBeLessThanOrEqual(60_000 + 60_000);
    // Refusals write nothing.
    for (let i = 0; i < 10; i++) await limiter.acquire('write', T0 + 1_500);
    expect(await admin.get(`${prefix}:req-1s:${T0 + 1_000}`)).toBe('5');
    expect((await admin.keys(`${prefix}:*`)).length).toBe(4);
  });

  it('a key holding something other than a number fails the acquire closed, and no other limit is charged', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const limiter = await RedisRateLimiter.open({ redis: connect(), limits: [WEIGHT, REQ_1S], headroom: 1, prefix });
    await admin.set(`${prefix}:req-1s:${T0}`, 'not a number');
    const error = await limiter.acquire('write', T0).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('ERR_LEDGER_UNAVAILABLE');
    expect(await admin.get(`${prefix}:weight-1m:${T0 - 20_000}`)).toBeNull();
    await admin.del(`${prefix}:req-1s:${T0}`);
    await admin.hset(`${prefix}:req-1s:${T0}`, 'x', '1');
    expect(codeOf(await limiter.acquire('write', T0).catch((e: unknown) => e))).toBe('ERR_LEDGER_UNAVAILABLE');
    expect(await admin.get(`${prefix}:weight-1m:${T0 - 20_000}`)).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------

/** A command function answering PING and SCRIPT LOAD as a server would, and `rest` for the others. */
function fakeServer(rest: (args: readonly string[]) => Promise<unknown>): (args: readonly string[]) => Promise<unknown> {
  return (args) => {
    if (args[0] === 'PING') return Promise.resolve('PONG');
    if (args[0] === 'SCRIPT' && args[1] === 'LOAD') return Promise.resolve(createHash('sha1').update(args[2] ?? '').digest('hex'));
    return rest(args);
  };
}

describe('RedisRateLimiter.open: bad options are refused', () => {
  const redis = fakeServer(() => Promise.reject(new Error('not used')));
  const cases: Array<[string, unknown, string, string]> = [
    ['not an object', undefined, 'RedisRateLimiter.open(options)', 'an object'],
    ['no client', { limits: [REQ_1S] }, 'RedisRateLimiter.open(options).redis', 'ioredis'],
    ['a URL for a client', { redis: 'redis://:s3cret@host:6379', limits: [REQ_1S] }, 'RedisRateLimiter.open(options).redis', 'ioredis'],
    ['an empty prefix', { redis, limits: [REQ_1S], prefix: '' }, 'RedisRateLimiter.open(options).prefix', '1 to 100 characters'],
    ['a prefix with a space', { redis, limits: [REQ_1S], prefix: 'my limits' }, 'RedisRateLimiter.open(options).prefix', '1 to 100 characters'],
    ['a prefix too long', { redis, limits: [REQ_1S], prefix: 'p'.repeat(101) }, 'RedisRateLimiter.open(options).prefix', '1 to 100 characters'],
    ['a timeout of 0', { redis, limits: [REQ_1S], commandTimeoutMs: 0 }, 'RedisRateLimiter.open(options).commandTimeoutMs', 'a positive integer'],
    ['no limits', { redis, limits: [] }, 'RedisRateLimiter.open(options).limits', 'a non-empty array'],
    ['a headroom above 1', { redis, limits: [REQ_1S], headroom: 1.5 }, 'RedisRateLimiter.open(options).headroom', '(0, 1]'],
    ['a headroom of 0', { redis, limits: [REQ_1S], headroom: 0 }, 'RedisRateLimiter.open(options).headroom', '(0, 1]'],
    ['two limits with one id', { redis, limits: [REQ_1S, REQ_1S] }, 'RedisRateLimiter.open(options).limits[1].id', 'an id no other limit uses'],
    ['a window that is not an integer', { redis, limits: [{ ...REQ_1S, windowMs: 1.5 }] }, 'RedisRateLimiter.open(options).limits[0].windowMs', 'a positive integer'],
    ['a cost above the allowance', { redis, limits: [{ ...REQ_1S, readCost: 5 }] }, 'RedisRateLimiter.open(options).limits[0].readCost', 'at most the allowance'],
  ];
  for (const [name, options, path, expected] of cases) {
    it(name, async () => {
      const error = await RedisRateLimiter.open(options as RedisRateLimiterOptions).catch((e: unknown) => e);
      expect(isConfigurationError(error)).toBe(true);
      const message = (error as Error).message;
      expect(message).toContain(path);
      expect(message).toContain(expected);
      expect(message).not.toContain('s3cret');
    });
  }
});

describe('RedisRateLimiter: when Redis fails, nothing is let through', () => {
  it('open rejects with LedgerUnavailableError when the server does not answer, and says why without the command arguments', async () => {
    const error = await RedisRateLimiter.open({ redis: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:1')), limits: [REQ_1S] }).catch((e: unknown) => e);
    expect(isLedgerUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('ECONNREFUSED');
  });

  it('open rejects when the server refuses scripts', async () => {
    const redis = (args: readonly string[]): Promise<unknown> =>
      args[0] === 'PING' ? Promise.resolve('PONG') : Promise.reject(new Error("NOPERM this user has no permissions to run the 'script|load' command"));
    const error = await RedisRateLimiter.open({ redis, limits: [REQ_1S] }).catch((e: unknown) => e);
    expect(isLedgerUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('NOPERM');
  });

  it('acquire, observe and snapshot reject with LedgerUnavailableError when a command fails', async () => {
    const limiter = await RedisRateLimiter.open({ redis: fakeServer(() => Promise.reject(new Error('Connection is closed.'))), limits: [WEIGHT] });
    for (const call of [() => limiter.acquire('write', T0), () => limiter.observe([{ header: 'x-used-weight-1m', used: 3 }], T0), () => limiter.snapshot(T0)]) {
      const error = await call().catch((e: unknown) => e);
      expect(isLedgerUnavailableError(error)).toBe(true);
      expect((error as Error).message).toContain('Connection is closed.');
    }
    const acquireError = await limiter.acquire('read', T0).catch((e: unknown) => e);
    expect((acquireError as Error).message).toContain('wait and ask again');
  });

  it('acquire rejects once commandTimeoutMs passes without an answer', async () => {
    const limiter = await RedisRateLimiter.open({ redis: fakeServer(() => new Promise<never>(() => undefined)), limits: [REQ_1S], commandTimeoutMs: 50 });
    const error = await limiter.acquire('write', T0).catch((e: unknown) => e);
    expect(isLedgerUnavailableError(error)).toBe(true);
    expect((error as Error).message).toContain('within 50 ms');
  });

  it('an unexpected reply is a failure, not a grant', async () => {
    for (const reply of [null, 'OK', [], ['granted?'], ['refused'], ['refused', '9']]) {
      const limiter = await RedisRateLimiter.open({ redis: fakeServer(() => Promise.resolve(reply)), limits: [REQ_1S] });
      expect(isLedgerUnavailableError(await limiter.acquire('write', T0).catch((e: unknown) => e)), JSON.stringify(reply)).toBe(true);
    }
  });

  it('a now that is not a finite number is refused', async () => {
    const limiter = await RedisRateLimiter.open({ redis: fakeServer(() => Promise.resolve(['granted'])), limits: [REQ_1S] });
    expect(isConfigurationError(await limiter.acquire('write', Number.NaN).catch((e: unknown) => e))).toBe(true);
  });
});

onRedis('RedisRateLimiter: scripts', () => {
  it('runs a script the server no longer has (restart, SCRIPT FLUSH) with EVAL', async () => {
    const admin = connect();
    const prefix = freshPrefix(admin);
    const client = connect();
    const seen: string[] = [];
    const redis = async (args: readonly string[]): Promise<unknown> => {
      seen.push(args[0] ?? '');
      if (args[0] === 'EVALSHA') throw new Error('NOSCRIPT No matching script. Please use EVAL.');
      return client.call(args[0] ?? '', ...args.slice(1));
    };
    const limiter = await RedisRateLimiter.open({ redis, limits: [REQ_1S], headroom: 1, prefix });
    expect(await limiter.acquire('write', T0)).toEqual({ granted: true });
    await limiter.observe([], T0);
    expect(seen.slice(-2)).toEqual(['EVALSHA', 'EVAL']);
    expect(await admin.get(`${prefix}:req-1s:${T0}`)).toBe('1');
  });
});
