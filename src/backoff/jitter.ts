import { z } from 'zod';
import { ConfigurationError } from '../errors/index.js';
import type { RandomSource } from '../internal/random.js';
import { describeValue, parseOptions } from '../internal/validation.js';

/**
 * How a nominal exponential delay is randomised.
 *
 * - `full`: uniform in `[0, nominal)`; AWS "full jitter". Spreads retries widest and
 *   does the least total work under contention.
 * - `equal`: uniform in `[nominal / 2, nominal)`; never retries sooner than half the
 *   nominal delay.
 * - `decorrelated`: uniform in `[baseDelayMs, 3 × previous delay)`, capped; grows from
 *   the previous *actual* delay rather than the retry number.
 * - `none`: the nominal delay itself. Clients that failed together retry together, so
 *   use it only where there is a single client (or in tests).
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export type JitterStrategy = 'full' | 'equal' | 'decorrelated' | 'none';

/** Every {@link JitterStrategy}, for validation and exhaustive tests. */
export const JITTER_STRATEGIES: readonly JitterStrategy[] = Object.freeze(['full', 'equal', 'decorrelated', 'none']);

/** Shape of the exponential backoff between attempts. Defaults: `DEFAULT_BACKOFF`. */
export interface BackoffOptions {
  /** How the nominal delay is randomised. @default 'full' */
  readonly jitter: JitterStrategy;
  /** First retry's nominal delay, in ms. Finite, `>= 0`, `<= maxDelayMs`. @default 200 */
  readonly baseDelayMs: number;
  /**
   * Largest single delay, in ms. Finite, `>= 0`, at most `MAX_TIMER_DELAY_MS` (2^31 - 1).
   * @default 20_000
   */
  readonly maxDelayMs: number;
}

/**
 * Largest delay a Node.js timer honours, in ms (2^31 − 1, about 24.8 days). Node turns
 * a larger `setTimeout` delay into 1 ms, which would make a long backoff a hot retry
 * loop, so no backoff may be configured above it.
 *
 * @see https://nodejs.org/api/timers.html#settimeoutcallback-delay-args
 */
export const MAX_TIMER_DELAY_MS = 2_147_483_647;

/**
 * The un-jittered delay before retry number `retry`, in ms:
 * `min(maxDelayMs, baseDelayMs × 2^(retry − 1))`. Not rounded.
 *
 * Safe for any retry number: `2 ** 1024` is `Infinity`, which the cap absorbs.
 *
 * @param retry - 1 for the wait after the first failed attempt.
 */
export function nominalBackoffDelay(options: Pick<BackoffOptions, 'baseDelayMs' | 'maxDelayMs'>, retry: number): number {
  // 0 × 2^huge is 0 × Infinity = NaN, so a zero base has to short-circuit.
  if (options.baseDelayMs === 0) return 0;
  return Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
}

/**
 * Delay before retry number `retry`, in whole ms.
 *
 * With `nominal = min(maxDelayMs, baseDelayMs × 2^(retry − 1))`:
 * - `none`: `nominal`
 * - `full`: `r × nominal`
 * - `equal`: `nominal / 2 + r × nominal / 2`
 * - `decorrelated`: `min(maxDelayMs, baseDelayMs + r × (max(baseDelayMs, 3 × previousDelayMs) − baseDelayMs))`,
 *   where `previousDelayMs` is taken as `baseDelayMs` for retry 1
 *
 * where `r = random.next()`. Every strategy except `none` draws exactly one value
 * from `random`; `none` draws nothing. The result is floored, and is always an
 * integer in `[0, maxDelayMs]`, for any retry number.
 *
 * @param options - validated like `resolveBackoffOptions` does.
 * @param retry - 1 for the wait after the first failed attempt; a positive integer.
 * @param previousDelayMs - the delay this function returned for `retry − 1`, in ms.
 *   Only `decorrelated` reads it. A value that is not a non-negative number (NaN,
 *   negative) is treated as `baseDelayMs`, and one above `maxDelayMs` as `maxDelayMs`.
 * @param random - source of the jitter draw; must return numbers in `[0, 1)`.
 * @throws ConfigurationError for invalid options, a `retry` that is not a positive
 *   integer, or a draw outside `[0, 1)`.
 *
 * @example
 * let previousDelayMs = 0;
 * for (let retry = 1; retry <= 3; retry++) {
 *   previousDelayMs = computeBackoffDelay(DEFAULT_BACKOFF, retry, previousDelayMs, random);
 *   await sleep(previousDelayMs);
 * }
 */
export function computeBackoffDelay(
  options: BackoffOptions,
  retry: number,
  previousDelayMs: number,
  random: RandomSource,
): number {
  checkBackoffOptions(options);
  if (!Number.isSafeInteger(retry) || retry < 1) {
    throw new ConfigurationError({ path: 'retry', expected: 'an integer >= 1', received: describeValue(retry) });
  }
  return drawBackoffDelay(options, retry, previousDelayMs, random);
}

/**
 * {@link computeBackoffDelay} without checking `options` and `retry`: for loops that
 * checked them once (simulations draw millions of delays). The draw is still checked.
 *
 * @param options - already accepted by {@link checkBackoffOptions}.
 * @param retry - a positive integer.
 */
export function drawBackoffDelay(options: BackoffOptions, retry: number, previousDelayMs: number, random: RandomSource): number {
  const { baseDelayMs, maxDelayMs } = options;

  let delayMs: number;
  switch (options.jitter) {
    case 'none':
      delayMs = nominalBackoffDelay(options, retry);
      break;
    case 'full':
      delayMs = draw(random) * nominalBackoffDelay(options, retry);
      break;
    case 'equal': {
      const half = nominalBackoffDelay(options, retry) / 2;
      delayMs = half + draw(random) * half;
      break;
    }
    case 'decorrelated': {
      // Clamping the previous delay keeps 3 × previous finite (maxDelayMs is bounded), so
      // the formula can never produce Infinity × 0 = NaN, the failure that made cockatiel
      // retry with no delay at all after ~1025 attempts.
      const previous =
        retry === 1 ? baseDelayMs : previousDelayMs > maxDelayMs ? maxDelayMs : previousDelayMs >= 0 ? previousDelayMs : baseDelayMs;
      const upper = Math.max(baseDelayMs, previous * 3);
      delayMs = baseDelayMs + draw(random) * (upper - baseDelayMs);
      break;
    }
  }
  // Cap before flooring: floor(min(max, x)) <= max even when maxDelayMs is fractional.
  return Math.floor(Math.min(maxDelayMs, delayMs));
}

/** The accepted {@link JitterStrategy} values. */
export const jitterSchema = z.enum(JITTER_STRATEGIES);

/** A backoff delay in ms: finite, `>= 0`, at most `MAX_TIMER_DELAY_MS` (2^31 - 1); fractions allowed. */
export const backoffDelayMsSchema = z.number().min(0).max(MAX_TIMER_DELAY_MS);

/**
 * A refinement that keeps `baseDelayMs <= maxDelayMs` once the defaults are applied. It
 * blames `maxDelayMs` when the caller gave it and `baseDelayMs` otherwise, so the error
 * always names an option the caller wrote.
 *
 * @param defaults - what each field becomes when omitted; `maxDelayMs` may depend on
 *   the base (the client takes the cap up to a large base).
 */
export function delayOrder(defaults: { readonly baseDelayMs: number; readonly maxDelayMs: (baseDelayMs: number) => number }) {
  return (value: { readonly baseDelayMs?: number | undefined; readonly maxDelayMs?: number | undefined }, ctx: z.core.$RefinementCtx): void => {
    const baseDelayMs = value.baseDelayMs ?? defaults.baseDelayMs;
    const maxDelayMs = value.maxDelayMs ?? defaults.maxDelayMs(baseDelayMs);
    if (baseDelayMs <= maxDelayMs) return;
    if (value.maxDelayMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['maxDelayMs'], message: `a number >= baseDelayMs (${baseDelayMs})` });
    } else {
      ctx.addIssue({ code: 'custom', path: ['baseDelayMs'], message: `a number <= maxDelayMs (${maxDelayMs})` });
    }
  };
}

const backoffOptionsSchema = z
  .object({ jitter: jitterSchema, baseDelayMs: backoffDelayMsSchema, maxDelayMs: backoffDelayMsSchema })
  .superRefine(delayOrder({ baseDelayMs: 0, maxDelayMs: () => MAX_TIMER_DELAY_MS }));

/**
 * Throws {@link ConfigurationError} unless `options` is a valid {@link BackoffOptions}:
 * a known jitter, delays finite and in `[0, MAX_TIMER_DELAY_MS]`, and
 * `baseDelayMs <= maxDelayMs` (a violation names `maxDelayMs`). Other fields are ignored.
 *
 * @param path - dotted option path used in the error, e.g. `retry.backoff`. @default 'backoff'
 */
export function checkBackoffOptions(options: BackoffOptions, path = 'backoff'): void {
  parseOptions(backoffOptionsSchema, options, path);
}

/** One jitter draw, refusing a broken source rather than turning NaN into a zero delay. */
function draw(random: RandomSource): number {
  const r = random.next();
  if (!(r >= 0 && r < 1)) {
    throw new ConfigurationError({
      path: 'random',
      expected: 'a RandomSource whose next() returns a number in [0, 1)',
      received: describeValue(r),
    });
  }
  return r;
}
