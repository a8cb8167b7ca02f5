/**
 * The client-side rate limiter with its counters in Redis, shared by every process that
 * uses the same server and prefix: the limiter for a fleet of workers behind one IP (or
 * on one account), where each process's own count would see only its own requests.
 *
 * The decisions are those of `LocalRateLimiter` (`src/protection/rate-limiter.ts`): the
 * same epoch-aligned fixed windows computed from the `now` passed in, the same allowance
 * (`allowedUnits`), all or nothing across the limits, the same `retryInMs`, and usage
 * reports that only raise a count. Only where the counters live differs.
 *
 * @module
 */

import { createHash } from 'node:crypto';
import type { RateLimitUsage } from '../../classify/rate-limit-usage.js';
import { ConfigurationError, LedgerUnavailableError } from '../../errors/index.js';
import { describeValue } from '../../internal/validation.js';
import {
  allowedUnits,
  checkLimiterOptions,
  costOf,
  limitState,
  windowStartOf,
  type LimiterPermit,
  type LimiterRequestKind,
  type LimitState,
  type RateLimiter,
} from '../../protection/rate-limiter.js';
import type { PublishedLimit } from '../../venues/profile.js';
import { reasonOf, replyText, runScript, toCommandFunction, withTimeout, type LuaScript, type RedisClientLike, type RedisCommandFunction } from './client.js';

/** Default {@link RedisRateLimiterOptions.prefix}. */
const DEFAULT_PREFIX = 'intentkey:limits';
/** The prefixes accepted: as the ledger's, 1 to 100 characters of a safe set. */
const PREFIX = /^[A-Za-z0-9:_.\-{}/]{1,100}$/;
/**
 * How long a window's key outlives its window, in ms. The expiry is set relative to the
 * caller's `now`, so a process whose clock runs ahead by less than this cannot make a
 * key vanish while a process with a slower clock still counts in its window.
 */
const KEY_GRACE_MS = 60_000;
/** Default {@link RedisRateLimiterOptions.commandTimeoutMs}. */
const DEFAULT_COMMAND_TIMEOUT_MS = 5_000;

function script(body: string): LuaScript {
  return { body, sha: createHash('sha1').update(body).digest('hex') };
}

/**
 * Counts are stored as decimal strings written by `string.format('%.17g')` and read with
 * `tonumber`: a double survives the round trip exactly, so a count here is the very
 * double `LocalRateLimiter` would hold after the same sums (fractional costs included).
 * INCRBYFLOAT is not used: it adds in long double and prints 17 significant digits, which
 * can differ from the double sum in the last place and move a boundary decision.
 */
const FORMAT =
  `local function fmt(n) return string.format('%.17g', n) end\n` +
  // A counter's value: 0 when absent; a key holding something else is an error, not a count.
  `local function count(key)\n` +
  `  local raw = redis.call('GET', key)\n` +
  `  if not raw then return 0 end\n` +
  `  local n = tonumber(raw)\n` +
  `  if not n then error({err = 'limiter key ' .. key .. ' does not hold a number'}) end\n` +
  `  return n\n` +
  `end\n`;

/**
 * Acquire. KEYS: one counter per limit, for the window that holds `now`. ARGV, three per
 * limit in the same order: cost, allowance, key TTL in ms.
 *
 * Guarantee: the script runs atomically in the server (Redis runs one script at a time
 * and nothing else in between), so among any number of processes acquiring at once no
 * two read the same count and both add to it. It first reads every counter and, when
 * any limit with a cost above zero would go over its allowance, returns
 * `{'refused', i, j, ...}` (1-based indices of every such limit) having written
 * nothing; otherwise it adds each cost to its counter, sets the key's TTL, and returns
 * `{'granted'}`. All or nothing: no other client can see some counters raised and not
 * the others. A key holding something other than a number fails the script before any
 * write.
 */
export const ACQUIRE_SCRIPT = script(
  `${FORMAT}local used = {}
local refused = {}
for i = 1, #KEYS do
  local u = count(KEYS[i])
  used[i] = u
  local cost, allowed = tonumber(ARGV[3 * i - 2]), tonumber(ARGV[3 * i - 1])
  if cost > 0 and u + cost > allowed then refused[#refused + 1] = tostring(i) end
end
if #refused > 0 then
  table.insert(refused, 1, 'refused')
  return refused
end
for i = 1, #KEYS do
  local cost = tonumber(ARGV[3 * i - 2])
  if cost > 0 then redis.call('SET', KEYS[i], fmt(used[i] + cost), 'PX', ARGV[3 * i]) end
end
return {'granted'}`,
);

/**
 * Observe. KEYS: the counters of the limits the venue reported, for the window that
 * holds `now`. ARGV, two per key: the venue's count, key TTL in ms.
 *
 * Guarantee: atomic, so each counter ends at the larger of its count and the report
 * whatever acquires and reports of other processes run at the same time (a compare and
 * set no write can slip between). A report never lowers a count. Returns `{'ok'}`.
 */
export const OBSERVE_SCRIPT = script(
  `${FORMAT}for i = 1, #KEYS do
  local u = count(KEYS[i])
  local reported = tonumber(ARGV[2 * i - 1])
  if reported > u then redis.call('SET', KEYS[i], fmt(reported), 'PX', ARGV[2 * i]) end
end
return {'ok'}`,
);

/** Options of {@link RedisRateLimiter.open}. */
export interface RedisRateLimiterOptions {
  /**
   * Your connected Redis client: ioredis (`new Redis(url)`), node-redis (`createClient()`
   * after `connect()`), or a function that sends one command; the same as
   * `RedisLedger.open`'s `client` (and it may be the same client). The limiter never
   * closes it.
   */
  readonly redis: RedisClientLike;
  /**
   * The limits to keep, usually the venue profile's `rateLimit.limits`. At least one,
   * ids unique. Every process sharing the prefix should pass the same limits.
   */
  readonly limits: readonly PublishedLimit[];
  /**
   * The share of each published limit the limiter lets through, in (0, 1]: the
   * allowance per window is `floor(limit * headroom)`, at least 1. Below 1 it leaves room
   * for requests not sent through the limiter and for the venue counting a request in
   * the next window. Each process applies its own headroom to the shared counts.
   * @default 0.9
   */
  readonly headroom?: number;
  /**
   * Prefix of the counter keys: `<prefix>:<limit id>:<window start, epoch ms>`. Processes
   * share counts exactly when they share the server and this prefix, so use one prefix per
   * venue and per thing the venue counts against (the IP address for `per: 'ip'` limits,
   * the account for `per: 'account'`), e.g. `intentkey:limits:binance:eu-1`. 1 to 100
   * characters from `A-Z a-z 0-9 : _ . - { } /`; never put a key or secret in it. On Redis
   * Cluster use a hash tag (`{intentkey:limits}`) so a request's counters share one slot.
   * @default 'intentkey:limits'
   */
  readonly prefix?: string;
  /**
   * Longest wait for one Redis command, in ms. A command that has not answered by then
   * rejects the call with `LedgerUnavailableError`. @default 5000
   */
  readonly commandTimeoutMs?: number;
}

/**
 * A {@link RateLimiter} whose counters live in Redis, so every process using the same
 * server and `prefix` spends from one count per limit and window. It decides exactly as
 * `LocalRateLimiter` does (fixed windows aligned to the epoch, computed from the `now`
 * each call passes in; all or nothing across the limits; `retryInMs` the longest wait
 * among the full limits; reports only raise a count).
 *
 * Each window of each limit is one key, `<prefix>:<limit id>:<window start>`, holding the
 * units counted as a decimal string; it expires one minute after its window ends (set
 * relative to the caller's `now`). `acquire` is one Lua script (check every limit, then
 * add to every limit or to none) and `observe` one script (raise to the venue's count),
 * both atomic against every other process; `snapshot` is one `MGET`.
 *
 * Windows come from the callers' clocks: keep the processes' clocks synchronised (a
 * process whose clock is off counts in its own idea of the window; the venue's usage
 * reports, passed to `observe`, correct the count upward).
 *
 * **When Redis fails** (down, timeout, script error) `acquire`, `observe` and `snapshot`
 * reject with `LedgerUnavailableError`: the limiter never lets a request through without
 * a count. The client treats a rejected `acquire` as "wait and ask again"; a caller of
 * its own should do the same and not send. After a timeout the script may still have
 * run and taken the cost; that errs on the side of sending less.
 *
 * @example
 * const limiter = await RedisRateLimiter.open({ redis, limits: binanceSpot.rateLimit.limits ?? [], prefix: 'intentkey:limits:binance:eu-1' });
 * const permit = await limiter.acquire('write', Date.now());
 * if (!permit.granted) {
 *   // nothing was counted: wait permit.retryInMs, then ask again
 * }
 */
export class RedisRateLimiter implements RateLimiter {
  readonly limits: readonly PublishedLimit[];
  /** The key prefix in use. */
  readonly prefix: string;
  readonly #headroom: number;
  readonly #command: RedisCommandFunction;

  private constructor(init: { limits: readonly PublishedLimit[]; headroom: number; prefix: string; command: RedisCommandFunction }) {
    this.limits = init.limits;
    this.#headroom = init.headroom;
    this.prefix = init.prefix;
    this.#command = init.command;
  }

  /**
   * Checks the options, then that the server answers and accepts the limiter's scripts
   * (`SCRIPT LOAD`), and returns the limiter. Nothing is written.
   *
   * @throws ConfigurationError for a bad option, naming it, what was expected and what came.
   * @throws LedgerUnavailableError when the server does not answer or refuses the scripts
   *   (down, wrong address, authentication, an ACL without `EVALSHA`/`SCRIPT`).
   */
  static async open(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const where = 'RedisRateLimiter.open(options)';
    if (typeof options !== 'object' || options === null) {
      throw new ConfigurationError({ path: where, expected: 'an object { redis, limits, headroom?, prefix?, commandTimeoutMs? }', received: describeValue(options) });
    }
    const command = toCommandFunction(options.redis);
    if (!command) {
      throw new ConfigurationError({
        path: `${where}.redis`,
        expected: 'a connected ioredis client, a node-redis client, or a function (args: string[]) => Promise<reply>',
        // A connection URL may carry a password: its kind only.
        received: describeValue(options.redis, { secret: true }),
      });
    }
    const prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof prefix !== 'string' || !PREFIX.test(prefix)) {
      throw new ConfigurationError({ path: `${where}.prefix`, expected: `1 to 100 characters matching ${PREFIX.source}`, received: describeValue(prefix) });
    }
    const timeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS;
    if (typeof timeoutMs !== 'number' || !Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new ConfigurationError({ path: `${where}.commandTimeoutMs`, expected: 'a positive integer (ms)', received: describeValue(timeoutMs) });
    }
    const { limits, headroom } = checkLimiterOptions(options.limits, options.headroom, where);

    const timed = withTimeout(command, timeoutMs);
    try {
      const pong = replyText(await timed(['PING']));
      if (pong !== 'PONG') throw new Error(`unexpected PING reply ${JSON.stringify(pong.slice(0, 50))}`);
      for (const s of [ACQUIRE_SCRIPT, OBSERVE_SCRIPT]) {
        const sha = replyText(await timed(['SCRIPT', 'LOAD', s.body]));
        if (sha !== s.sha) throw new Error(`SCRIPT LOAD answered ${JSON.stringify(sha.slice(0, 50))}, expected the script's SHA-1`);
      }
    } catch (error) {
      throw new LedgerUnavailableError(
        `The Redis rate limiter cannot use its server (${reasonOf(error)}). Check that Redis is running, the client's address and credentials, and that scripts are allowed.`,
        { cause: error },
      );
    }
    return new RedisRateLimiter({ limits, headroom, prefix, command: timed });
  }

  /**
   * Takes the cost of one request of `kind` from every limit's count in Redis, or from
   * none of them (one atomic script).
   *
   * @param now - epoch ms (the caller's clock); chooses the windows.
   * @returns granted, or refused with `retryInMs` (the wait until the last full limit's
   *   window resets) and `limitId` (that limit).
   * @throws LedgerUnavailableError (a rejected promise) when Redis does not answer or
   *   the script fails: do not send; wait and ask again.
   */
  async acquire(kind: LimiterRequestKind, now: number): Promise<LimiterPermit> {
    checkNow(now, 'acquire');
    const keys: string[] = [];
    const args: string[] = [];
    for (const limit of this.limits) {
      keys.push(this.#key(limit, now));
      args.push(String(costOf(limit, kind)), String(allowedUnits(limit, this.#headroom)), String(ttlOf(limit, now)));
    }
    const reply = await this.#run(ACQUIRE_SCRIPT, 'acquire', keys, args);
    const verdict = replyText(reply[0]);
    if (verdict === 'granted') return GRANTED;
    if (verdict !== 'refused' || reply.length < 2) throw unexpected('acquire');
    // The longest wait among the full limits; the first of them on a tie, as planAcquire.
    let refusedBy: { retryInMs: number; limitId: string } | undefined;
    for (const raw of reply.slice(1)) {
      const limit = this.limits[Number(replyText(raw)) - 1];
      if (limit === undefined) throw unexpected('acquire');
      const retryInMs = windowStartOf(limit, now) + limit.windowMs - now;
      if (refusedBy === undefined || retryInMs > refusedBy.retryInMs) refusedBy = { retryInMs, limitId: limit.id };
    }
    return { granted: false, ...(refusedBy as { retryInMs: number; limitId: string }) };
  }

  /**
   * Raises each limit's count in Redis to what the venue reported in its usage header
   * (`limit.usageHeader`), when that is more; never lowers one. No Redis call when no
   * report concerns these limits.
   *
   * @param now - epoch ms (the caller's clock); chooses the windows.
   * @throws LedgerUnavailableError (a rejected promise) when Redis does not answer or
   *   the script fails; the counts may then lag the venue's until the next report.
   */
  async observe(usage: readonly RateLimitUsage[], now: number): Promise<void> {
    checkNow(now, 'observe');
    const keys: string[] = [];
    const args: string[] = [];
    for (const limit of this.limits) {
      const header = limit.usageHeader?.toLowerCase();
      const reported = header === undefined ? undefined : usage.find((u) => u.header === header)?.used;
      if (reported === undefined || !Number.isFinite(reported)) continue;
      keys.push(this.#key(limit, now));
      args.push(String(reported), String(ttlOf(limit, now)));
    }
    if (keys.length === 0) return;
    const reply = await this.#run(OBSERVE_SCRIPT, 'observe', keys, args);
    if (replyText(reply[0]) !== 'ok') throw unexpected('observe');
  }

  /**
   * Every limit's count in its current window, read from Redis in one `MGET`.
   *
   * @param now - epoch ms (the caller's clock); chooses the windows.
   * @throws LedgerUnavailableError (a rejected promise) when Redis does not answer.
   */
  async snapshot(now: number): Promise<readonly LimitState[]> {
    checkNow(now, 'snapshot');
    let reply: unknown;
    try {
      reply = await this.#command(['MGET', ...this.limits.map((limit) => this.#key(limit, now))]);
    } catch (error) {
      throw new LedgerUnavailableError(`Redis did not answer the rate limiter's snapshot (${reasonOf(error)}).`, { cause: error });
    }
    if (!Array.isArray(reply) || reply.length !== this.limits.length) throw unexpected('snapshot');
    return this.limits.map((limit, index) => {
      const raw: unknown = reply[index];
      const used = raw === null || raw === undefined ? undefined : Number(replyText(raw));
      if (used !== undefined && !Number.isFinite(used)) throw unexpected('snapshot');
      return limitState(limit, used === undefined ? undefined : { windowStartAt: windowStartOf(limit, now), used }, this.#headroom, now);
    });
  }

  /** The counter key of `limit`'s window that holds `now`: prefix, limit id and window start only. */
  #key(limit: PublishedLimit, now: number): string {
    return `${this.prefix}:${limit.id}:${windowStartOf(limit, now)}`;
  }

  async #run(s: LuaScript, what: string, keys: string[], args: string[]): Promise<readonly unknown[]> {
    let reply: unknown;
    try {
      reply = await runScript(this.#command, s, keys, args);
    } catch (error) {
      throw new LedgerUnavailableError(
        `Redis did not complete the rate limiter's ${what} (${reasonOf(error)}); ` +
          (what === 'acquire' ? 'treat the request as not permitted: wait and ask again.' : 'the counts may lag the venue\'s until its next report.'),
        { cause: error },
      );
    }
    if (!Array.isArray(reply) || reply.length === 0) throw unexpected(what);
    return reply as readonly unknown[];
  }
}

const GRANTED: LimiterPermit = Object.freeze({ granted: true });

/** TTL of a window's key: until the window ends, by the caller's clock, plus the grace. */
function ttlOf(limit: PublishedLimit, now: number): number {
  return Math.ceil(windowStartOf(limit, now) + limit.windowMs - now) + KEY_GRACE_MS;
}

function checkNow(now: unknown, method: string): void {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new ConfigurationError({ path: `RedisRateLimiter.${method}(now)`, expected: 'a finite number (epoch ms)', received: describeValue(now) });
  }
}

function unexpected(what: string): LedgerUnavailableError {
  return new LedgerUnavailableError(`Redis answered the rate limiter's ${what} with an unexpected reply; check that the client returns raw replies.`);
}
