/**
 * The client's protection (option `protection`, docs/protection.md): the retry budget,
 * the circuit breaker and the rate limiter one client uses, resolved from its options,
 * and the facts `decide()` reads from them. The runner asks the parts and tells them
 * what happened; nothing here decides what a run does next.
 *
 * @module
 */

import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import { CircuitBreaker, type BreakerSnapshot, type CircuitBreakerOptions } from '../protection/circuit-breaker.js';
import { LocalRateLimiter, type LimitState, type RateLimiter } from '../protection/rate-limiter.js';
import { RetryBudget, type RetryBudgetOptions, type RetryBudgetSnapshot } from '../protection/retry-budget.js';
import type { Outcome } from '../classify/outcome.js';
import type { BreakerResult } from '../protection/circuit-breaker.js';
import type { VenueProfile } from '../venues/profile.js';
import type { ProtectionFacts } from './decide.js';

/** The `protection` client option. Each part is off unless given. */
export interface ProtectionOptions {
  /**
   * Bounds the load retries add: resends and reconcile lookups spend tokens that first
   * attempts and successes put back. `true`: the defaults (docs/protection.md); an
   * object: {@link RetryBudgetOptions}; a {@link RetryBudget}: one budget shared with
   * other clients. @default off
   */
  readonly retryBudget?: boolean | RetryBudgetOptions | RetryBudget;
  /**
   * Stops sending to a venue that keeps failing and probes it back. `true`: the defaults;
   * an object: {@link CircuitBreakerOptions}; a {@link CircuitBreaker}: shared with other
   * clients of the same venue. @default off
   */
  readonly breaker?: boolean | CircuitBreakerOptions | CircuitBreaker;
  /**
   * Keeps under the venue's published limits (`venue.rateLimit.limits`) before the venue
   * refuses. `true`: a `LocalRateLimiter` of this client from the profile's limits (an
   * error when the profile has none); `{ headroom }`: the same with another share of
   * each limit; a {@link RateLimiter}: shared, such as one `LocalRateLimiter` for every
   * client of a process or a `RedisRateLimiter` (`intentkey/stores/redis`) for every
   * process behind one IP. @default off
   */
  readonly limiter?: boolean | { readonly headroom?: number } | RateLimiter;
}

/** The parts one client uses. */
export interface ClientProtection {
  readonly budget: RetryBudget | undefined;
  readonly breaker: CircuitBreaker | undefined;
  readonly limiter: RateLimiter | undefined;
}

const WHERE = 'options.protection';

/**
 * Resolves the `protection` option. `true` turns on every part (the limiter only when
 * the venue profile publishes limits). Throws `ConfigurationError` naming the option.
 */
export function resolveProtection(raw: unknown, venue: VenueProfile): ClientProtection | undefined {
  if (raw === undefined || raw === false) return undefined;
  const all = raw === true;
  if (!all && (typeof raw !== 'object' || raw === null || Array.isArray(raw))) {
    throw new ConfigurationError({ path: WHERE, expected: 'true, false or an object { retryBudget?, breaker?, limiter? }', received: describeValue(raw) });
  }
  const options = (all ? {} : raw) as Record<string, unknown>;
  for (const key of Object.keys(options)) {
    if (!['retryBudget', 'breaker', 'limiter'].includes(key)) {
      throw new ConfigurationError({ path: `${WHERE}.${key}`, expected: 'one of retryBudget, breaker, limiter', received: 'an unknown option' });
    }
  }
  const budget = all ? new RetryBudget() : part(options.retryBudget, RetryBudget, (o) => new RetryBudget(o as RetryBudgetOptions), 'retryBudget');
  const breaker = all ? new CircuitBreaker() : part(options.breaker, CircuitBreaker, (o) => new CircuitBreaker(o as CircuitBreakerOptions), 'breaker');
  const limits = venue.rateLimit.limits ?? [];
  let limiter: RateLimiter | undefined;
  if (all) {
    limiter = limits.length > 0 ? new LocalRateLimiter({ limits }) : undefined;
  } else if (options.limiter !== undefined && options.limiter !== false) {
    const given = options.limiter;
    if (isRateLimiter(given)) {
      limiter = given;
    } else if (given === true || (typeof given === 'object' && given !== null && !Array.isArray(given))) {
      if (limits.length === 0) {
        throw new ConfigurationError({
          path: `${WHERE}.limiter`,
          expected: `a venue profile with rateLimit.limits (${venue.name} publishes none), or a RateLimiter built with your own limits`,
          received: describeValue(given),
        });
      }
      const headroom = given === true ? undefined : (given as { headroom?: unknown }).headroom;
      for (const key of given === true ? [] : Object.keys(given)) {
        if (key !== 'headroom') throw new ConfigurationError({ path: `${WHERE}.limiter.${key}`, expected: 'headroom (or a RateLimiter instance)', received: 'an unknown option' });
      }
      limiter = part(given, LocalRateLimiter, () => new LocalRateLimiter(headroom === undefined ? { limits } : { limits, headroom: headroom as number }), 'limiter');
    } else {
      throw new ConfigurationError({ path: `${WHERE}.limiter`, expected: 'true, { headroom }, or a RateLimiter (acquire, observe, snapshot)', received: describeValue(given) });
    }
  }
  if (budget === undefined && breaker === undefined && limiter === undefined) return undefined;
  return { budget, breaker, limiter };
}

function part<T>(value: unknown, kind: abstract new (...args: never[]) => T, build: (options: unknown) => T, name: string): T | undefined {
  if (value === undefined || value === false) return undefined;
  if (value instanceof kind) return value;
  if (value === true) return build(true);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError({ path: `${WHERE}.${name}`, expected: `true, false, an options object or a ${kind.name}`, received: describeValue(value) });
  }
  try {
    return build(value);
  } catch (error) {
    // Re-thrown with the client option's path, so the message names what the user wrote.
    if (error instanceof ConfigurationError) {
      throw new ConfigurationError({ path: error.path.replace(/^new \w+\(options\)/, `${WHERE}.${name}`), expected: error.expected, received: error.received });
    }
    throw error;
  }
}

function isRateLimiter(value: unknown): value is RateLimiter {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Record<string, unknown>;
  return typeof candidate.acquire === 'function' && typeof candidate.observe === 'function' && typeof candidate.snapshot === 'function' && Array.isArray(candidate.limits);
}

/** What `decide()` reads from the breaker and the budget for a request of `operation` at `now`. */
export function protectionFacts(protection: ClientProtection, operation: string, now: number): ProtectionFacts {
  const { breaker, budget } = protection;
  let circuit: ProtectionFacts['circuit'];
  if (breaker !== undefined) {
    const send = breaker.peek(operation, now);
    const lookup = breaker.peekLookup(operation, now);
    if (send.kind === 'refuse' || lookup.kind === 'refuse') {
      circuit = {
        ...(send.kind === 'refuse' ? { sendRetryAt: send.retryAt } : {}),
        ...(lookup.kind === 'refuse' ? { lookupRetryAt: lookup.retryAt } : {}),
        whenOpen: breaker.config.whenOpen,
        reason: breaker.openReason(operation) || 'open',
      };
    }
  }
  const budgetFacts: ProtectionFacts['budget'] =
    budget === undefined ? undefined : { resendInMs: budget.waitFor('resend', now), lookupInMs: budget.waitFor('lookup', now), whenEmpty: budget.config.whenEmpty };
  if (circuit === undefined && budgetFacts === undefined) return {};
  return { ...(circuit === undefined ? {} : { circuit }), ...(budgetFacts === undefined ? {} : { budget: budgetFacts }) };
}

/**
 * What an attempt's answer says about the venue's health: a 5xx, a retryable venue error,
 * a timeout or a dropped connection is a failure; a success or a rejection (the venue
 * works and said no) is healthy; a rate limit, a request to re-sign or a key conflict
 * says nothing either way.
 */
export function breakerResultOf(outcome: Outcome): BreakerResult {
  switch (outcome.kind) {
    case 'success':
    case 'fatal':
      return 'success';
    case 'retry':
    case 'unknown':
      return 'failure';
    case 'rateLimited':
    case 'resign':
    case 'conflict':
      return 'neutral';
  }
}

/** `client.protection()`: each part that is on, as it is now. */
export interface ProtectionSnapshot {
  /** The retry budget's balance and counts. */
  readonly retryBudget?: RetryBudgetSnapshot;
  /** Every breaker used so far (the venue's, or one per operation). */
  readonly breakers?: readonly BreakerSnapshot[];
  /** Every limit's count in its current window. */
  readonly limits?: readonly LimitState[];
}

/** Reads every part of a client's protection at `now`. */
export async function protectionSnapshot(protection: ClientProtection | undefined, now: number): Promise<ProtectionSnapshot> {
  if (protection === undefined) return {};
  const { budget, breaker, limiter } = protection;
  const limits = limiter === undefined ? undefined : await limiter.snapshot(now);
  return {
    ...(budget === undefined ? {} : { retryBudget: budget.snapshot(now) }),
    ...(breaker === undefined ? {} : { breakers: breaker.snapshot(now) }),
    ...(limits === undefined ? {} : { limits }),
  };
}
