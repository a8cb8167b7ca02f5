import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { computeBackoffDelay, nominalBackoffDelay, type BackoffOptions } from '../../src/backoff/jitter.js';
import { planRetry } from '../../src/backoff/plan.js';
import { MAX_PARSED_RETRY_AFTER_MS, parseRetryAfter } from '../../src/backoff/retry-after.js';
import { FixedRandom } from '../../src/testing/seeded-random.js';

const NUM_RUNS = 1000;

/** 0 <= baseDelayMs <= maxDelayMs <= 1e7, integer or not. */
const delayBounds = fc
  .tuple(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e7, noNaN: true }))
  .map(([a, b]) => ({ baseDelayMs: Math.min(a, b), maxDelayMs: Math.max(a, b) }));

const backoffOptions: fc.Arbitrary<BackoffOptions> = fc
  .tuple(fc.constantFrom('full', 'equal', 'decorrelated', 'none' as const), delayBounds)
  .map(([jitter, bounds]) => ({ jitter, ...bounds }));

const retry = fc.integer({ min: 1, max: 10_000 });
/** Any double, including NaN, ±Infinity and negatives: previousDelayMs is not trusted. */
const previousDelay = fc.double();
const draw = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });

describe('computeBackoffDelay properties', () => {
  it('is always an integer in [0, maxDelayMs], never NaN', () => {
    fc.assert(
      fc.property(backoffOptions, retry, previousDelay, draw, (options, n, previous, r) => {
        const delay = computeBackoffDelay(options, n, previous, new FixedRandom([r]));
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThanOrEqual(options.maxDelayMs);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("'none' never decreases as the retry number grows", () => {
    fc.assert(
      fc.property(delayBounds, retry, retry, (bounds, a, b) => {
        const options: BackoffOptions = { jitter: 'none', ...bounds };
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        const random = new FixedRandom([0]);
        expect(computeBackoffDelay(options, lo, 0, random)).toBeLessThanOrEqual(computeBackoffDelay(options, hi, 0, random));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("'equal' is never below half the nominal delay (floored)", () => {
    fc.assert(
      fc.property(delayBounds, retry, draw, (bounds, n, r) => {
        const options: BackoffOptions = { jitter: 'equal', ...bounds };
        const delay = computeBackoffDelay(options, n, 0, new FixedRandom([r]));
        expect(delay).toBeGreaterThanOrEqual(Math.floor(nominalBackoffDelay(options, n) / 2));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("'full' never exceeds the nominal delay and 'decorrelated' never falls below the (floored) base", () => {
    fc.assert(
      fc.property(delayBounds, retry, previousDelay, draw, (bounds, n, previous, r) => {
        const full = computeBackoffDelay({ jitter: 'full', ...bounds }, n, previous, new FixedRandom([r]));
        expect(full).toBeLessThanOrEqual(nominalBackoffDelay(bounds, n));
        const decorrelated = computeBackoffDelay({ jitter: 'decorrelated', ...bounds }, n, previous, new FixedRandom([r]));
        expect(decorrelated).toBeGreaterThanOrEqual(Math.floor(bounds.baseDelayMs));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('planRetry properties', () => {
  const planInput = fc.record({
    backoffMs: fc.integer({ min: 0, max: 1e7 }),
    retryAfterMs: fc.option(fc.integer({ min: 0, max: 1e9 }), { nil: undefined }),
    maxRetryAfterMs: fc.oneof(fc.integer({ min: 0, max: 1e8 }), fc.constant(Infinity)),
    nowMs: fc.integer({ min: 0, max: 4e12 }),
    deadlineOffsetMs: fc.option(fc.integer({ min: -1e6, max: 1e9 }), { nil: undefined }),
  });

  it('waits at least the Retry-After, at most the limit when Retry-After decides, and never NaN', () => {
    fc.assert(
      fc.property(planInput, ({ deadlineOffsetMs, ...input }) => {
        const deadlineAt = deadlineOffsetMs === undefined ? undefined : input.nowMs + deadlineOffsetMs;
        const plan = planRetry({ ...input, deadlineAt });
        const requested = Math.max(input.backoffMs, input.retryAfterMs ?? 0);
        if (plan.kind === 'wait') {
          expect(Number.isNaN(plan.delayMs)).toBe(false);
          expect(plan.delayMs).toBe(requested);
          if (input.retryAfterMs !== undefined) {
            expect(plan.delayMs).toBeGreaterThanOrEqual(input.retryAfterMs);
            if (input.retryAfterMs >= input.backoffMs) expect(plan.delayMs).toBeLessThanOrEqual(input.maxRetryAfterMs);
          }
          if (deadlineAt !== undefined) expect(input.nowMs + plan.delayMs).toBeLessThan(deadlineAt);
        } else {
          expect(plan.requestedMs).toBe(requested);
          if (plan.reason === 'retryAfterTooLong') {
            expect(input.retryAfterMs).toBeGreaterThan(input.maxRetryAfterMs);
          } else {
            expect(deadlineAt).toBeDefined();
            expect(input.nowMs + requested).toBeGreaterThanOrEqual(deadlineAt as number);
          }
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

describe('parseRetryAfter properties', () => {
  const NOW_MS = 1_700_000_000_000;
  const units = fc.constantFrom('seconds', 'milliseconds', 'epochSeconds', 'epochMilliseconds' as const);

  it('never throws, and gives undefined or a whole number of ms within ten years', () => {
    const value = fc.oneof(
      fc.string(),
      fc.double().map(String),
      fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
    );
    fc.assert(
      fc.property(value, units, (text, unit) => {
        const waitMs = parseRetryAfter(text, NOW_MS, unit);
        if (waitMs !== undefined) {
          expect(Number.isInteger(waitMs)).toBe(true);
          expect(waitMs).toBeGreaterThanOrEqual(0);
          expect(waitMs).toBeLessThanOrEqual(MAX_PARSED_RETRY_AFTER_MS);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reads whole delta-seconds as exactly n × 1000 ms', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 315_576_000 }), (n) => {
        expect(parseRetryAfter(String(n), NOW_MS)).toBe(n * 1000);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('reads any IMF-fixdate within ten years as the exact time until it (0 once past)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -315_576_000, max: 315_576_000 }), (offsetS) => {
        const at = NOW_MS + offsetS * 1000;
        expect(parseRetryAfter(new Date(at).toUTCString(), NOW_MS)).toBe(Math.max(0, offsetS * 1000));
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
