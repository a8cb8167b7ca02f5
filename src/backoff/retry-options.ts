import { z } from 'zod';
import { MAX_TIMER_DELAY_MS, delayOrder, jitterSchema, type JitterStrategy } from './jitter.js';
import { DEFAULT_BACKOFF } from './plan.js';

/** Largest `retry.maxAttempts` the client accepts. */
export const MAX_RETRY_ATTEMPTS = 1000;

/** A whole number of ms from `min` to `MAX_TIMER_DELAY_MS` (2^31 - 1): a duration a Node timer honours. */
export const timerMsSchema = (min: number) => z.int().min(min).max(MAX_TIMER_DELAY_MS);

/**
 * The cap a retry policy gets when only the base is given: `max(20000, baseDelayMs)`,
 * so a large base never makes the default cap invalid.
 */
export function defaultMaxDelayMs(baseDelayMs: number): number {
  return Math.max(DEFAULT_BACKOFF.maxDelayMs, baseDelayMs);
}

/**
 * The fields of a retry policy, each optional: the client's `retry` option and the
 * policy designer's `RetryPolicy` are both checked with them, so the two accept exactly
 * the same values. Pair with {@link retryDelayOrder}.
 */
export const retryPolicyFields = {
  maxAttempts: z.int().min(1).max(MAX_RETRY_ATTEMPTS).optional(),
  jitter: jitterSchema.optional(),
  baseDelayMs: timerMsSchema(0).optional(),
  maxDelayMs: timerMsSchema(0).optional(),
  deadlineMs: timerMsSchema(1).optional(),
  maxRetryAfterMs: timerMsSchema(0).optional(),
};

/** `baseDelayMs <= maxDelayMs` for a retry policy, with its defaults (base 200 ms, cap {@link defaultMaxDelayMs}). */
export const retryDelayOrder = delayOrder({ baseDelayMs: DEFAULT_BACKOFF.baseDelayMs, maxDelayMs: defaultMaxDelayMs });

/**
 * A retry policy in the terms of `createIntentClient`'s `retry` option (`RetryOptions`):
 * the same field names, units and meaning. All durations in ms.
 */
export interface RetryPolicy {
  /** Most attempts one call sends, the first send included. Integer in `[1, 1000]`. */
  readonly maxAttempts: number;
  /** How the exponential delay is randomised (see `JitterStrategy`). */
  readonly jitter: JitterStrategy;
  /** Nominal delay before the first retry, in ms; doubles per retry. Integer `>= 0`, `<= maxDelayMs`. */
  readonly baseDelayMs: number;
  /** Largest single backoff delay, in ms. Integer in `[baseDelayMs, 2^31 − 1]`. */
  readonly maxDelayMs: number;
  /**
   * Time budget of one call from its first send, in ms. A wait that would make the next
   * attempt start at or after it stops the call instead. Integer in `[1, 2^31 − 1]`.
   */
  readonly deadlineMs: number;
  /** Longest venue-requested wait (Retry-After) honoured, in ms; a longer one stops the call. Integer `>= 0`. */
  readonly maxRetryAfterMs: number;
}
