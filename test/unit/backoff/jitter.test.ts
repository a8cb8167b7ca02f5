import { describe, expect, it } from 'vitest';
import {
  computeBackoffDelay,
  nominalBackoffDelay,
  type BackoffOptions,
  type JitterStrategy,
} from '../../../src/backoff/jitter.js';
import { ConfigurationError } from '../../../src/errors/index.js';
import type { RandomSource } from '../../../src/internal/random.js';
import { FixedRandom } from '../../../src/testing/seeded-random.js';

// Base 200 ms doubling: 200, 400, 800, 1600, 3200, 6400. A 3000 ms cap cuts retries 5 and 6.
const BASE_MS = 200;
const MAX_MS = 3_000;
const NOMINAL_MS = [200, 400, 800, 1_600, 3_000, 3_000] as const;

function options(jitter: JitterStrategy, baseDelayMs = BASE_MS, maxDelayMs = MAX_MS): BackoffOptions {
  return { jitter, baseDelayMs, maxDelayMs };
}

/** A RandomSource that counts draws, to check how many values each strategy consumes. */
function countingRandom(value: number): RandomSource & { readonly draws: number } {
  let draws = 0;
  return {
    get draws() {
      return draws;
    },
    next() {
      draws++;
      return value;
    },
    fill(target) {
      target.fill(0);
    },
  };
}

describe('nominalBackoffDelay', () => {
  it('doubles from the base and stops at the cap', () => {
    const nominal = NOMINAL_MS.map((_, i) => nominalBackoffDelay(options('none'), i + 1));
    expect(nominal).toEqual([...NOMINAL_MS]);
  });

  it('stays at the cap where 2^(retry-1) overflows to Infinity', () => {
    expect(2 ** 1024).toBe(Infinity);
    expect(nominalBackoffDelay(options('none'), 1025)).toBe(MAX_MS);
    expect(nominalBackoffDelay(options('none'), Number.MAX_SAFE_INTEGER)).toBe(MAX_MS);
  });

  it('is 0, not NaN, for a zero base at an overflowing retry (0 × Infinity is NaN)', () => {
    expect(nominalBackoffDelay({ baseDelayMs: 0, maxDelayMs: MAX_MS }, 5_000)).toBe(0);
  });
});

describe('computeBackoffDelay: table of exact delays, retries 1..6', () => {
  it('none returns the nominal delay', () => {
    for (let retry = 1; retry <= 6; retry++) {
      expect(computeBackoffDelay(options('none'), retry, 0, new FixedRandom([0.5]))).toBe(NOMINAL_MS[retry - 1]);
    }
  });

  it('full returns r × nominal, floored', () => {
    // r = 0.25: 200/4, 400/4, 800/4, 1600/4, then 3000/4 at the cap.
    const expected = [50, 100, 200, 400, 750, 750];
    for (let retry = 1; retry <= 6; retry++) {
      expect(computeBackoffDelay(options('full'), retry, 0, new FixedRandom([0.25]))).toBe(expected[retry - 1]);
    }
  });

  it('full floors a fractional product', () => {
    // r = 0.999: 0.999 × 200 = 199.8, which must become 199 (never rounded up past the draw).
    const r = 0.999;
    for (let retry = 1; retry <= 6; retry++) {
      const nominal = NOMINAL_MS[retry - 1] as number;
      expect(computeBackoffDelay(options('full'), retry, 0, new FixedRandom([r]))).toBe(Math.floor(r * nominal));
    }
    expect(computeBackoffDelay(options('full'), 1, 0, new FixedRandom([r]))).toBe(199);
  });

  it('equal returns nominal/2 + r × nominal/2, floored', () => {
    // r = 0.25: 0.5 + 0.125 = 0.625 of nominal: 125, 250, 500, 1000, 1875, 1875.
    const expected = [125, 250, 500, 1_000, 1_875, 1_875];
    for (let retry = 1; retry <= 6; retry++) {
      expect(computeBackoffDelay(options('equal'), retry, 0, new FixedRandom([0.25]))).toBe(expected[retry - 1]);
    }
  });

  it('equal at r = 0 is exactly half the nominal delay', () => {
    for (let retry = 1; retry <= 6; retry++) {
      const nominal = NOMINAL_MS[retry - 1] as number;
      expect(computeBackoffDelay(options('equal'), retry, 0, new FixedRandom([0]))).toBe(nominal / 2);
    }
  });

  it('decorrelated chains from the previous delay and hits the cap', () => {
    // r = 0.75; delay = min(3000, 200 + 0.75 × (max(200, 3 × previous) − 200)).
    // retry 1: previous := base 200, upper 600:  200 + 0.75 × 400  = 500
    // retry 2: previous 500,  upper 1500:        200 + 0.75 × 1300 = 1175
    // retry 3: previous 1175, upper 3525:        200 + 0.75 × 3325 = 2693.75 -> 2693
    // retry 4: previous 2693, upper 8079:        200 + 0.75 × 7879 = 6109.25 -> cap 3000
    // retry 5, 6: previous 3000, upper 9000:     200 + 0.75 × 8800 = 6800    -> cap 3000
    const expected = [500, 1_175, 2_693, 3_000, 3_000, 3_000];
    const random = new FixedRandom([0.75]);
    let previous = 0;
    const actual: number[] = [];
    for (let retry = 1; retry <= 6; retry++) {
      previous = computeBackoffDelay(options('decorrelated'), retry, previous, random);
      actual.push(previous);
    }
    expect(actual).toEqual(expected);
  });

  it('decorrelated matches the formula for a sequence of varying draws', () => {
    const draws = [0.1, 0.9, 0.5, 0.3, 0.99, 0];
    const random = new FixedRandom(draws);
    let previous = 0;
    for (let retry = 1; retry <= draws.length; retry++) {
      const r = draws[retry - 1] as number;
      const prior = retry === 1 ? BASE_MS : previous;
      const expected = Math.floor(Math.min(MAX_MS, BASE_MS + r * (Math.max(BASE_MS, prior * 3) - BASE_MS)));
      previous = computeBackoffDelay(options('decorrelated'), retry, previous, random);
      expect(previous).toBe(expected);
    }
  });

  it('decorrelated ignores previousDelayMs on retry 1 and is never below the base', () => {
    expect(computeBackoffDelay(options('decorrelated'), 1, 2_999, new FixedRandom([0]))).toBe(BASE_MS);
    expect(computeBackoffDelay(options('decorrelated'), 4, 0, new FixedRandom([0]))).toBe(BASE_MS);
  });
});

describe('computeBackoffDelay: odd inputs', () => {
  it('draws exactly one value for jittered strategies and none for none', () => {
    for (const [jitter, draws] of [
      ['none', 0],
      ['full', 1],
      ['equal', 1],
      ['decorrelated', 1],
    ] as const) {
      const random = countingRandom(0.5);
      computeBackoffDelay(options(jitter), 3, 400, random);
      expect(random.draws, jitter).toBe(draws);
    }
  });

  it('treats a NaN or negative previous delay as the base, and one above the cap as the cap', () => {
    // With previous := base, upper = 3 × 200 = 600: 200 + 0.5 × 400 = 400.
    expect(computeBackoffDelay(options('decorrelated'), 3, Number.NaN, new FixedRandom([0.5]))).toBe(400);
    expect(computeBackoffDelay(options('decorrelated'), 3, -1, new FixedRandom([0.5]))).toBe(400);
    // With previous := cap 3000, upper 9000: 200 + 0.1 × 8800 = 1080.
    expect(computeBackoffDelay(options('decorrelated'), 3, Infinity, new FixedRandom([0.1]))).toBe(1_080);
  });

  it('returns integers within a fractional cap', () => {
    expect(computeBackoffDelay(options('none', 100.5, 1000.5), 10, 0, new FixedRandom([0]))).toBe(1_000);
    expect(computeBackoffDelay(options('none', 100.5, 1000.5), 1, 0, new FixedRandom([0]))).toBe(100);
  });

  it('returns 0 for a zero cap whatever the strategy', () => {
    for (const jitter of ['none', 'full', 'equal', 'decorrelated'] as const) {
      expect(computeBackoffDelay(options(jitter, 0, 0), 10_000, 123, new FixedRandom([0.9]))).toBe(0);
    }
  });

  it.each([0, -1, 1.5, Number.NaN, Infinity])('rejects retry %s with ConfigurationError', (retry) => {
    expect(() => computeBackoffDelay(options('full'), retry, 0, new FixedRandom([0.5]))).toThrow(ConfigurationError);
  });

  it.each([
    ['negative base', { jitter: 'full', baseDelayMs: -1, maxDelayMs: 1_000 }, 'backoff.baseDelayMs'],
    ['base above cap (the cap is named: both were given)', { jitter: 'full', baseDelayMs: 2_000, maxDelayMs: 1_000 }, 'backoff.maxDelayMs'],
    ['NaN base', { jitter: 'full', baseDelayMs: Number.NaN, maxDelayMs: 1_000 }, 'backoff.baseDelayMs'],
    ['infinite cap', { jitter: 'full', baseDelayMs: 100, maxDelayMs: Infinity }, 'backoff.maxDelayMs'],
    ['cap above the Node timer limit', { jitter: 'full', baseDelayMs: 100, maxDelayMs: 2 ** 31 }, 'backoff.maxDelayMs'],
    ['unknown jitter', { jitter: 'half', baseDelayMs: 100, maxDelayMs: 1_000 }, 'backoff.jitter'],
  ])('rejects %s with ConfigurationError naming the option', (_, bad, path) => {
    let thrown: unknown;
    try {
      computeBackoffDelay(bad as BackoffOptions, 1, 0, new FixedRandom([0.5]));
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).path).toBe(path);
  });

  it.each([1, -0.1, Number.NaN])('rejects a random draw of %s instead of returning a bogus delay', (draw) => {
    const broken: RandomSource = { next: () => draw, fill: () => undefined };
    expect(() => computeBackoffDelay(options('full'), 1, 0, broken)).toThrow(ConfigurationError);
  });
});
