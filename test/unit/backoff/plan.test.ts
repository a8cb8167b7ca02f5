import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BACKOFF,
  DEFAULT_MAX_RETRY_AFTER_MS,
  planRetry,
  resolveBackoffOptions,
  type PlanRetryInput,
} from '../../../src/backoff/plan.js';
import { ConfigurationError } from '../../../src/errors/index.js';

const NOW_MS = 1_700_000_000_000;
const MAX_RETRY_AFTER_MS = 60_000;

function plan(overrides: Partial<PlanRetryInput>): ReturnType<typeof planRetry> {
  return planRetry({ backoffMs: 400, maxRetryAfterMs: MAX_RETRY_AFTER_MS, nowMs: NOW_MS, ...overrides });
}

describe('defaults', () => {
  it('are full jitter, 200 ms base, 20 s cap, 60 s Retry-After limit, and frozen', () => {
    expect(DEFAULT_BACKOFF).toEqual({ jitter: 'full', baseDelayMs: 200, maxDelayMs: 20_000 });
    expect(Object.isFrozen(DEFAULT_BACKOFF)).toBe(true);
    expect(DEFAULT_MAX_RETRY_AFTER_MS).toBe(60_000);
  });
});

describe('resolveBackoffOptions', () => {
  it('fills missing fields from DEFAULT_BACKOFF and freezes the result', () => {
    const resolved = resolveBackoffOptions({ jitter: 'equal' });
    expect(resolved).toEqual({ jitter: 'equal', baseDelayMs: 200, maxDelayMs: 20_000 });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolveBackoffOptions()).toEqual(DEFAULT_BACKOFF);
  });

  it('throws ConfigurationError with the caller-given path', () => {
    let thrown: unknown;
    try {
      resolveBackoffOptions({ baseDelayMs: 30_000 }, 'retry.backoff');
    } catch (error) {
      thrown = error;
    }
    // 30 s base is above the 20 s default cap.
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).path).toBe('retry.backoff.baseDelayMs');
  });

  it.each<[string, unknown, string, string, string]>([
    ['an unknown jitter', { jitter: 'half' }, 'backoff.jitter', 'one of "full", "equal", "decorrelated", "none"', '"half"'],
    ['a negative base', { baseDelayMs: -1 }, 'backoff.baseDelayMs', 'a number >= 0', '-1'],
    ['a cap above the timer limit', { maxDelayMs: 2 ** 31 }, 'backoff.maxDelayMs', 'a number <= 2147483647', '2147483648'],
    ['a NaN cap', { maxDelayMs: Number.NaN }, 'backoff.maxDelayMs', 'a finite number', 'NaN'],
    ['a base above the default cap', { baseDelayMs: 30_000 }, 'backoff.baseDelayMs', 'a number <= maxDelayMs (20000)', '30000'],
    ['a given cap below the default base', { maxDelayMs: 100 }, 'backoff.maxDelayMs', 'a number >= baseDelayMs (200)', '100'],
    ['a given cap below the given base', { baseDelayMs: 500, maxDelayMs: 100 }, 'backoff.maxDelayMs', 'a number >= baseDelayMs (500)', '100'],
  ])('names the bad field of %s, what was expected and what came', (_, input, path, expected, received) => {
    let thrown: unknown;
    try {
      resolveBackoffOptions(input as never);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    const { path: p, expected: e, received: r } = thrown as ConfigurationError;
    expect({ path: p, expected: e, received: r }).toEqual({ path, expected, received });
  });
});

describe('planRetry', () => {
  it('waits the backoff when there is no Retry-After', () => {
    expect(plan({ backoffMs: 400 })).toEqual({ kind: 'wait', delayMs: 400 });
  });

  it('waits the Retry-After when it is larger than the backoff', () => {
    expect(plan({ backoffMs: 400, retryAfterMs: 5_000 })).toEqual({ kind: 'wait', delayMs: 5_000 });
  });

  it('waits the backoff when it is larger than the Retry-After', () => {
    expect(plan({ backoffMs: 4_000, retryAfterMs: 1_000 })).toEqual({ kind: 'wait', delayMs: 4_000 });
  });

  it('treats a zero Retry-After as "no extra wait", not as "no wait"', () => {
    expect(plan({ backoffMs: 400, retryAfterMs: 0 })).toEqual({ kind: 'wait', delayMs: 400 });
  });

  it('stops rather than shortening a Retry-After above the limit', () => {
    expect(plan({ backoffMs: 400, retryAfterMs: 60_001 })).toEqual({
      kind: 'stop',
      reason: 'retryAfterTooLong',
      requestedMs: 60_001,
    });
  });

  it('waits a Retry-After exactly at the limit', () => {
    expect(plan({ backoffMs: 400, retryAfterMs: 60_000 })).toEqual({ kind: 'wait', delayMs: 60_000 });
  });

  it('never caps the backoff term by maxRetryAfterMs', () => {
    expect(plan({ backoffMs: 90_000, retryAfterMs: 1_000 })).toEqual({ kind: 'wait', delayMs: 90_000 });
  });

  it('accepts Infinity as "no Retry-After limit"', () => {
    expect(plan({ retryAfterMs: 3_600_000, maxRetryAfterMs: Infinity })).toEqual({ kind: 'wait', delayMs: 3_600_000 });
  });

  it('stops when the wait would reach the deadline, and waits when it ends 1 ms before', () => {
    // 400 ms backoff from NOW_MS ends at NOW_MS + 400.
    expect(plan({ backoffMs: 400, deadlineAt: NOW_MS + 400 })).toEqual({ kind: 'stop', reason: 'deadline', requestedMs: 400 });
    expect(plan({ backoffMs: 400, deadlineAt: NOW_MS + 399 })).toEqual({ kind: 'stop', reason: 'deadline', requestedMs: 400 });
    expect(plan({ backoffMs: 400, deadlineAt: NOW_MS + 401 })).toEqual({ kind: 'wait', delayMs: 400 });
  });

  it('measures the deadline against the Retry-After when that is the larger term', () => {
    expect(plan({ backoffMs: 400, retryAfterMs: 10_000, deadlineAt: NOW_MS + 5_000 })).toEqual({
      kind: 'stop',
      reason: 'deadline',
      requestedMs: 10_000,
    });
  });

  it('stops immediately when the deadline has already passed', () => {
    expect(plan({ backoffMs: 0, deadlineAt: NOW_MS - 1 })).toEqual({ kind: 'stop', reason: 'deadline', requestedMs: 0 });
  });

  it('reports retryAfterTooLong ahead of deadline when both apply', () => {
    expect(plan({ retryAfterMs: 120_000, deadlineAt: NOW_MS + 1_000 })).toMatchObject({ reason: 'retryAfterTooLong' });
  });

  it.each<[string, Partial<PlanRetryInput>]>([
    ['NaN backoffMs', { backoffMs: Number.NaN }],
    ['negative backoffMs', { backoffMs: -1 }],
    ['infinite backoffMs', { backoffMs: Infinity }],
    ['NaN retryAfterMs', { retryAfterMs: Number.NaN }],
    ['negative retryAfterMs', { retryAfterMs: -5 }],
    ['infinite retryAfterMs', { retryAfterMs: Infinity }],
    ['NaN maxRetryAfterMs', { maxRetryAfterMs: Number.NaN }],
    ['NaN nowMs', { nowMs: Number.NaN }],
    ['NaN deadlineAt', { deadlineAt: Number.NaN }],
  ])('rejects %s with ConfigurationError', (_, overrides) => {
    expect(() => plan(overrides)).toThrow(ConfigurationError);
  });
});
