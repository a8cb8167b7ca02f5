import { z } from 'zod';
import { ConfigurationError } from '../errors/index.js';
import { describeValue, parseOptions } from '../internal/validation.js';
import { backoffDelayMsSchema, delayOrder, jitterSchema, type BackoffOptions } from './jitter.js';

/**
 * Default backoff: full jitter, 200 ms base, 20 s cap. The cap matches the AWS SDK's
 * standard retry mode; 200 ms is the first exponential retry of axios-retry, which many
 * callers migrate from.
 */
export const DEFAULT_BACKOFF: BackoffOptions = Object.freeze({ jitter: 'full', baseDelayMs: 200, maxDelayMs: 20_000 });

/**
 * Longest venue-requested wait we honour before giving up instead, in ms (60 s). A venue
 * asking for longer (a Binance 418 ban lasts minutes to days) is better surfaced to the
 * caller than slept through inside one call.
 */
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Partial backoff options; each omitted field takes {@link DEFAULT_BACKOFF}'s value. */
const backoffInputSchema = z
  .object({ jitter: jitterSchema.optional(), baseDelayMs: backoffDelayMsSchema.optional(), maxDelayMs: backoffDelayMsSchema.optional() })
  .superRefine(delayOrder({ baseDelayMs: DEFAULT_BACKOFF.baseDelayMs, maxDelayMs: () => DEFAULT_BACKOFF.maxDelayMs }));

/**
 * Fills in and checks backoff options. Missing fields take {@link DEFAULT_BACKOFF}'s
 * values.
 *
 * @param input - partial options; `undefined` means all defaults.
 * @param path - dotted option path used in errors. @default 'backoff'
 * @returns a frozen, validated {@link BackoffOptions}.
 * @throws ConfigurationError when a field is invalid (unknown jitter, a delay that is
 *   negative, non-finite, above the timer limit, or a base above the cap: the error
 *   names the cap when it was given, the base otherwise).
 */
export function resolveBackoffOptions(input?: Partial<BackoffOptions>, path = 'backoff'): BackoffOptions {
  const given = parseOptions(backoffInputSchema, input ?? {}, path);
  return Object.freeze({
    jitter: given.jitter ?? DEFAULT_BACKOFF.jitter,
    baseDelayMs: given.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs,
    maxDelayMs: given.maxDelayMs ?? DEFAULT_BACKOFF.maxDelayMs,
  });
}

/**
 * What to do before the next attempt.
 *
 * - `wait`: sleep `delayMs`, then send again.
 * - `stop`: do not send again now. `retryAfterTooLong`: the venue asked for a longer
 *   wait than `maxRetryAfterMs`; `deadline`: the wait would reach the deadline.
 *   `requestedMs` is the wait that would have been needed.
 */
export type RetryPlan =
  | { readonly kind: 'wait'; readonly delayMs: number }
  | { readonly kind: 'stop'; readonly reason: 'retryAfterTooLong' | 'deadline'; readonly requestedMs: number };

/** Input of {@link planRetry}. All durations in ms, all timestamps epoch ms. */
export interface PlanRetryInput {
  /** This retry's backoff delay, from `computeBackoffDelay`; `>= 0`. */
  backoffMs: number;
  /** Wait the venue asked for (e.g. from `parseRetryAfter`); `undefined` when it gave none. */
  retryAfterMs?: number | undefined;
  /** Longest venue-requested wait to honour; `Infinity` for no limit. Usually {@link DEFAULT_MAX_RETRY_AFTER_MS}. */
  maxRetryAfterMs: number;
  /** Current time, epoch ms. */
  nowMs: number;
  /** When the whole operation must be over, epoch ms; `undefined` for no deadline. */
  deadlineAt?: number | undefined;
}

/**
 * Decides the wait before the next attempt: `max(backoffMs, retryAfterMs ?? 0)`.
 *
 * Stops instead when
 * 1. `retryAfterMs > maxRetryAfterMs` (`retryAfterTooLong`). We never shorten a
 *    venue-requested wait: sending early counts against the limit and can extend an
 *    IP ban, so the only safe answer to an overlong wait is to stop.
 * 2. `nowMs + delay >= deadlineAt` (`deadline`): the attempt would start at or after the
 *    deadline, leaving it no time to run.
 *
 * @throws ConfigurationError when a number is NaN or negative, or `backoffMs`,
 *   `retryAfterMs` or `nowMs` is not finite.
 *
 * @example
 * const plan = planRetry({ backoffMs: 400, retryAfterMs: 2_000, maxRetryAfterMs: 60_000, nowMs: clock.now() });
 * if (plan.kind === 'wait') await sleep(plan.delayMs); // 2_000: the venue's wait wins
 */
export function planRetry(input: PlanRetryInput): RetryPlan {
  const { backoffMs, retryAfterMs, maxRetryAfterMs, nowMs, deadlineAt } = input;
  checkNumber('backoffMs', backoffMs, { min: 0, isFiniteRequired: true });
  if (retryAfterMs !== undefined) checkNumber('retryAfterMs', retryAfterMs, { min: 0, isFiniteRequired: true });
  checkNumber('maxRetryAfterMs', maxRetryAfterMs, { min: 0, isFiniteRequired: false });
  checkNumber('nowMs', nowMs, { isFiniteRequired: true });
  if (deadlineAt !== undefined) checkNumber('deadlineAt', deadlineAt, { isFiniteRequired: false });

  const delayMs = Math.max(backoffMs, retryAfterMs ?? 0);
  if (retryAfterMs !== undefined && retryAfterMs > maxRetryAfterMs) {
    return { kind: 'stop', reason: 'retryAfterTooLong', requestedMs: delayMs };
  }
  if (deadlineAt !== undefined && nowMs + delayMs >= deadlineAt) {
    return { kind: 'stop', reason: 'deadline', requestedMs: delayMs };
  }
  return { kind: 'wait', delayMs };
}

function checkNumber(path: string, value: number, rule: { min?: number; isFiniteRequired: boolean }): void {
  const isValid =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (!rule.isFiniteRequired || Number.isFinite(value)) &&
    (rule.min === undefined || value >= rule.min);
  if (!isValid) {
    const bound = rule.min === undefined ? 'a number' : `a number >= ${rule.min}`;
    throw new ConfigurationError({
      path,
      expected: rule.isFiniteRequired ? `${bound}, finite` : bound,
      received: describeValue(value),
    });
  }
}
