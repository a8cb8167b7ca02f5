import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import {
  balanceAt,
  costOfSpend,
  DEFAULT_RETRY_BUDGET,
  deposit,
  resolveRetryBudget,
  RetryBudget,
  waitFor,
  withdraw,
  type BudgetConfig,
  type BudgetSpend,
  type BudgetState,
} from '../../../src/protection/retry-budget.js';

/** An instant, epoch ms; every other time in this file is an offset from it. */
const T0 = 1_700_000_040_000;

function config(overrides: Partial<BudgetConfig> = {}): BudgetConfig {
  return { ...DEFAULT_RETRY_BUDGET, ...overrides };
}

function state(balance: number, offsetMs = 0): BudgetState {
  return { balance, at: T0 + offsetMs };
}

function thrown(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

describe('DEFAULT_RETRY_BUDGET', () => {
  it('is the documented defaults, frozen', () => {
    expect(DEFAULT_RETRY_BUDGET).toEqual({ ratio: 0.1, minPerSecond: 0.1, capacity: 10, resendCost: 1, lookupCost: 1, whenEmpty: 'wait' });
    expect(Object.isFrozen(DEFAULT_RETRY_BUDGET)).toBe(true);
  });
});

describe('balanceAt', () => {
  it.each<{ name: string; state: BudgetState; config: Partial<BudgetConfig>; now: number; expected: BudgetState }>([
    { name: 'the floor adds minPerSecond tokens per second', state: state(3), config: { minPerSecond: 0.1 }, now: T0 + 10_000, expected: state(4, 10_000) },
    { name: 'the floor adds by the ms, not by whole seconds', state: state(3), config: { minPerSecond: 2 }, now: T0 + 250, expected: state(3.5, 250) },
    { name: 'the floor stops at capacity', state: state(9.5), config: { minPerSecond: 0.1 }, now: T0 + 10_000, expected: state(10, 10_000) },
    { name: 'a full budget stays full', state: state(10), config: {}, now: T0 + 3_600_000, expected: state(10, 3_600_000) },
    { name: 'no floor: the balance stays, the time moves', state: state(3), config: { minPerSecond: 0 }, now: T0 + 60_000, expected: state(3, 60_000) },
    { name: 'an empty budget refills from 0', state: state(0), config: { minPerSecond: 0.5, capacity: 2 }, now: T0 + 3_000, expected: state(1.5, 3_000) },
  ])('$name', ({ state: before, config: overrides, now, expected }) => {
    const after = balanceAt(before, config(overrides), now);
    expect(after.at).toBe(expected.at);
    expect(after.balance).toBeCloseTo(expected.balance, 12);
  });

  it.each([
    ['the same instant', 0],
    ['an earlier instant (a clock that went back)', -5_000],
  ])('at %s returns the state as it is', (_, offsetMs) => {
    const before = state(3);
    expect(balanceAt(before, DEFAULT_RETRY_BUDGET, T0 + offsetMs)).toBe(before);
  });
});

describe('deposit', () => {
  it.each<{ name: string; state: BudgetState; config: Partial<BudgetConfig>; now: number; expected: BudgetState }>([
    { name: 'puts ratio tokens back', state: state(3), config: { ratio: 0.1 }, now: T0, expected: state(3.1) },
    { name: 'adds the floor since the last reading first', state: state(3), config: { ratio: 0.1, minPerSecond: 0.1 }, now: T0 + 10_000, expected: state(4.1, 10_000) },
    { name: 'stops at capacity', state: state(9.95), config: { ratio: 0.1 }, now: T0, expected: state(10) },
    { name: 'a full budget stays full', state: state(10), config: { ratio: 5 }, now: T0 + 1_000, expected: state(10, 1_000) },
    { name: 'ratio 0 adds only the floor', state: state(3), config: { ratio: 0, minPerSecond: 1 }, now: T0 + 1_000, expected: state(4, 1_000) },
    { name: 'at an earlier instant: ratio still added, time kept', state: state(3), config: { ratio: 0.5 }, now: T0 - 1_000, expected: state(3.5) },
  ])('$name', ({ state: before, config: overrides, now, expected }) => {
    const after = deposit(before, config(overrides), now);
    expect(after.at).toBe(expected.at);
    expect(after.balance).toBeCloseTo(expected.balance, 12);
  });
});

describe('costOfSpend', () => {
  it.each<[BudgetSpend, Partial<BudgetConfig>, number]>([
    ['resend', {}, 1],
    ['lookup', {}, 1],
    ['resend', { resendCost: 2, lookupCost: 3 }, 2],
    ['lookup', { resendCost: 2, lookupCost: 3 }, 3],
    ['lookup', { lookupCost: 0 }, 0],
  ])('a %s with %o costs %d', (spend, overrides, expected) => {
    expect(costOfSpend(config(overrides), spend)).toBe(expected);
  });
});

describe('withdraw', () => {
  /** 0.1 deposited ten times from 0 is 0.9999999999999999 in floating point. */
  const tenDeposits = Array.from({ length: 10 }).reduce<BudgetState>((s) => deposit(s, config({ minPerSecond: 0 }), T0), state(0));

  it.each<{ name: string; state: BudgetState; config: Partial<BudgetConfig>; spend: BudgetSpend; now: number; granted: boolean; balance: number }>([
    { name: 'grants a resend when a token is there', state: state(1), config: {}, spend: 'resend', now: T0, granted: true, balance: 0 },
    { name: 'takes one resend from a full budget', state: state(10), config: {}, spend: 'resend', now: T0, granted: true, balance: 9 },
    { name: 'refuses a resend half a token short', state: state(0.5), config: {}, spend: 'resend', now: T0, granted: false, balance: 0.5 },
    { name: 'a refusal still reads the floor up to now', state: state(0.5), config: { minPerSecond: 0.1 }, spend: 'resend', now: T0 + 2_000, granted: false, balance: 0.7 },
    { name: 'grants once the floor has added the missing tokens', state: state(0.5), config: { minPerSecond: 0.1 }, spend: 'resend', now: T0 + 5_000, granted: true, balance: 0 },
    { name: 'a lookup costs lookupCost', state: state(3), config: { lookupCost: 3 }, spend: 'lookup', now: T0, granted: true, balance: 0 },
    { name: 'a resend costs resendCost, not lookupCost', state: state(3), config: { lookupCost: 3, resendCost: 1 }, spend: 'resend', now: T0, granted: true, balance: 2 },
    { name: 'a lookup under its cost is refused', state: state(2.5), config: { lookupCost: 3 }, spend: 'lookup', now: T0, granted: false, balance: 2.5 },
    { name: 'a spend that costs 0 is granted on an empty budget', state: state(0), config: { resendCost: 0 }, spend: 'resend', now: T0, granted: true, balance: 0 },
    { name: 'ten deposits of 0.1 pay for a token (floating point)', state: tenDeposits, config: { minPerSecond: 0 }, spend: 'resend', now: T0, granted: true, balance: 0 },
  ])('$name', ({ state: before, config: overrides, spend, now, granted, balance }) => {
    const result = withdraw(before, config(overrides), spend, now);
    expect(result.granted).toBe(granted);
    expect(result.state.balance).toBeCloseTo(balance, 12);
    expect(result.state.balance).toBeGreaterThanOrEqual(0);
    expect(result.state.at).toBe(Math.max(before.at, now));
  });
});

describe('waitFor', () => {
  const rows: { name: string; state: BudgetState; config: Partial<BudgetConfig>; spend: BudgetSpend; now: number; expected: number }[] = [
    { name: 'a budget that can pay: 0', state: state(1), config: {}, spend: 'resend', now: T0, expected: 0 },
    { name: 'half a token short at 0.1/s: 5 s', state: state(0.5), config: { minPerSecond: 0.1 }, spend: 'resend', now: T0, expected: 5_000 },
    { name: 'rounded up to the next ms', state: state(0), config: { minPerSecond: 0.3 }, spend: 'resend', now: T0, expected: 3_334 },
    { name: 'counts the floor since the last reading', state: state(0.5), config: { minPerSecond: 0.25 }, spend: 'resend', now: T0 + 1_000, expected: 1_000 },
    { name: 'a lookup waits for lookupCost', state: state(1), config: { lookupCost: 2, minPerSecond: 0.1 }, spend: 'lookup', now: T0, expected: 10_000 },
    { name: 'no floor: never', state: state(0.5), config: { minPerSecond: 0 }, spend: 'resend', now: T0, expected: Number.POSITIVE_INFINITY },
    // Not a configuration resolveRetryBudget accepts; the pure function still answers.
    { name: 'a cost above the capacity: never', state: state(2), config: { capacity: 2, resendCost: 3, minPerSecond: 1 }, spend: 'resend', now: T0, expected: Number.POSITIVE_INFINITY },
    { name: 'no floor, but enough now: 0', state: state(1), config: { minPerSecond: 0 }, spend: 'resend', now: T0, expected: 0 },
  ];

  it.each(rows)('$name', ({ state: before, config: overrides, spend, now, expected }) => {
    expect(waitFor(before, config(overrides), spend, now)).toBe(expected);
  });

  it.each(rows.filter((row) => Number.isFinite(row.expected) && row.expected > 0))('$name: the spend is granted after exactly that wait, not 1 ms before', ({ state: before, config: overrides, spend, now, expected }) => {
    const resolved = config(overrides);
    expect(withdraw(before, resolved, spend, now + expected).granted).toBe(true);
    expect(withdraw(before, resolved, spend, now + expected - 1).granted).toBe(false);
  });

  it('a deposit shortens the wait, never lengthens it', () => {
    const resolved = config({ ratio: 0.25, minPerSecond: 0.1 });
    const before = state(0.5);
    const wait = waitFor(before, resolved, 'resend', T0);
    expect(waitFor(deposit(before, resolved, T0), resolved, 'resend', T0)).toBeLessThan(wait);
    expect(waitFor(deposit(state(1), resolved, T0), resolved, 'resend', T0)).toBe(0);
  });
});

describe('resolveRetryBudget', () => {
  it('true takes every default', () => {
    expect(resolveRetryBudget(true, 'budget')).toBe(DEFAULT_RETRY_BUDGET);
  });

  it('fills the fields not given with the defaults, frozen', () => {
    const resolved = resolveRetryBudget({ ratio: 0.05, whenEmpty: 'stop' }, 'budget');
    expect(resolved).toEqual({ ...DEFAULT_RETRY_BUDGET, ratio: 0.05, whenEmpty: 'stop' });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(resolveRetryBudget({}, 'budget')).toEqual(DEFAULT_RETRY_BUDGET);
  });

  it('accepts the bounds: 0 ratio, floor and costs; any positive capacity', () => {
    expect(resolveRetryBudget({ ratio: 0, minPerSecond: 0, resendCost: 0, lookupCost: 0, capacity: 0.001 }, 'budget')).toEqual({
      ratio: 0,
      minPerSecond: 0,
      capacity: 0.001,
      resendCost: 0,
      lookupCost: 0,
      whenEmpty: 'wait',
    });
    expect(resolveRetryBudget({ capacity: 3, resendCost: 3, lookupCost: 3 }, 'budget').capacity).toBe(3);
  });

  const objectExpected = 'true or an object { ratio?, minPerSecond?, capacity?, resendCost?, lookupCost?, whenEmpty? }';
  const nonNegative = 'a finite number >= 0';

  it.each<{ name: string; options: unknown; path: string; expected: string; received: string }>([
    { name: 'null options', options: null, path: 'budget', expected: objectExpected, received: 'null' },
    { name: 'false options', options: false, path: 'budget', expected: objectExpected, received: 'false' },
    { name: 'a string', options: 'on', path: 'budget', expected: objectExpected, received: '"on"' },
    { name: 'an array', options: [], path: 'budget', expected: objectExpected, received: 'an array of length 0' },
    { name: 'an unknown key', options: { ratoi: 0.1 }, path: 'budget.ratoi', expected: 'one of ratio, minPerSecond, capacity, resendCost, lookupCost, whenEmpty', received: 'an unknown option' },
    { name: 'ratio as a string', options: { ratio: '0.1' }, path: 'budget.ratio', expected: nonNegative, received: '"0.1"' },
    { name: 'ratio null', options: { ratio: null }, path: 'budget.ratio', expected: nonNegative, received: 'null' },
    { name: 'ratio negative', options: { ratio: -0.1 }, path: 'budget.ratio', expected: nonNegative, received: '-0.1' },
    { name: 'ratio NaN', options: { ratio: Number.NaN }, path: 'budget.ratio', expected: nonNegative, received: 'NaN' },
    { name: 'minPerSecond as a string', options: { minPerSecond: '1' }, path: 'budget.minPerSecond', expected: nonNegative, received: '"1"' },
    { name: 'minPerSecond negative', options: { minPerSecond: -1 }, path: 'budget.minPerSecond', expected: nonNegative, received: '-1' },
    { name: 'minPerSecond infinite', options: { minPerSecond: Number.POSITIVE_INFINITY }, path: 'budget.minPerSecond', expected: nonNegative, received: 'Infinity' },
    { name: 'capacity as a boolean', options: { capacity: true }, path: 'budget.capacity', expected: 'a finite number > 0', received: 'true' },
    { name: 'capacity 0', options: { capacity: 0 }, path: 'budget.capacity', expected: 'a finite number > 0', received: '0' },
    { name: 'capacity negative', options: { capacity: -5 }, path: 'budget.capacity', expected: 'a finite number > 0', received: '-5' },
    { name: 'capacity infinite', options: { capacity: Number.POSITIVE_INFINITY }, path: 'budget.capacity', expected: 'a finite number > 0', received: 'Infinity' },
    { name: 'resendCost as an object', options: { resendCost: {} }, path: 'budget.resendCost', expected: nonNegative, received: 'an object' },
    { name: 'resendCost negative', options: { resendCost: -1 }, path: 'budget.resendCost', expected: nonNegative, received: '-1' },
    { name: 'lookupCost as a string', options: { lookupCost: '2' }, path: 'budget.lookupCost', expected: nonNegative, received: '"2"' },
    { name: 'lookupCost negative', options: { lookupCost: -0.5 }, path: 'budget.lookupCost', expected: nonNegative, received: '-0.5' },
    { name: 'whenEmpty unknown', options: { whenEmpty: 'drop' }, path: 'budget.whenEmpty', expected: "'wait' or 'stop'", received: '"drop"' },
    { name: 'whenEmpty a boolean', options: { whenEmpty: true }, path: 'budget.whenEmpty', expected: "'wait' or 'stop'", received: 'true' },
    { name: 'whenEmpty null', options: { whenEmpty: null }, path: 'budget.whenEmpty', expected: "'wait' or 'stop'", received: 'null' },
    { name: 'resendCost above the default capacity', options: { resendCost: 11 }, path: 'budget.resendCost', expected: 'at most capacity (10), or it could never be paid', received: '11' },
    { name: 'lookupCost above the given capacity', options: { capacity: 2, lookupCost: 3 }, path: 'budget.lookupCost', expected: 'at most capacity (2), or it could never be paid', received: '3' },
    { name: 'a capacity below the default costs', options: { capacity: 0.5 }, path: 'budget.resendCost', expected: 'at most capacity (0.5), or it could never be paid', received: '1' },
  ])('$name: names $path, what was expected and what came', ({ options, path, expected, received }) => {
    const error = thrown(() => resolveRetryBudget(options as never, 'budget'));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect({ path: error.path, expected: error.expected, received: error.received }).toEqual({ path, expected, received });
    expect(error.message).toContain(path);
  });
});

describe('RetryBudget', () => {
  it('starts full at its first reading, whenever that is', () => {
    const budget = new RetryBudget();
    expect(budget.config).toBe(DEFAULT_RETRY_BUDGET);
    expect(budget.snapshot(T0)).toEqual({ balance: 10, capacity: 10, spent: 0, refused: 0 });
    expect(new RetryBudget({ capacity: 4 }).snapshot(0)).toEqual({ balance: 4, capacity: 4, spent: 0, refused: 0 });
  });

  it('pays for capacity resends, then refuses and counts the refusal', () => {
    const budget = new RetryBudget({ minPerSecond: 0 });
    const granted = Array.from({ length: 12 }, () => budget.tryWithdraw('resend', T0));
    expect(granted).toEqual([...Array<boolean>(10).fill(true), false, false]);
    expect(budget.snapshot(T0)).toEqual({ balance: 0, capacity: 10, spent: 10, refused: 2 });
    expect(budget.waitFor('resend', T0)).toBe(Number.POSITIVE_INFINITY);
  });

  it('counts the cost of each spend, not the number of spends', () => {
    const budget = new RetryBudget({ lookupCost: 3, resendCost: 2, minPerSecond: 0 });
    expect(budget.tryWithdraw('lookup', T0)).toBe(true);
    expect(budget.tryWithdraw('resend', T0)).toBe(true);
    expect(budget.snapshot(T0)).toMatchObject({ balance: 5, spent: 5 });
  });

  it('deposits put ratio back for a first attempt and for a success; the floor refills with time', () => {
    const budget = new RetryBudget({ ratio: 0.5, minPerSecond: 0.1, capacity: 2 });
    budget.tryWithdraw('resend', T0);
    budget.tryWithdraw('resend', T0);
    expect(budget.snapshot(T0).balance).toBe(0);
    budget.deposit('firstAttempt', T0);
    budget.deposit('success', T0);
    expect(budget.snapshot(T0).balance).toBeCloseTo(1, 12);
    expect(budget.waitFor('resend', T0)).toBe(0);
    budget.tryWithdraw('resend', T0);
    expect(budget.waitFor('resend', T0)).toBe(10_000);
    expect(budget.snapshot(T0 + 5_000).balance).toBeCloseTo(0.5, 12);
    expect(budget.tryWithdraw('resend', T0 + 10_000)).toBe(true);
  });

  it('noteRefused counts a refusal and spends nothing', () => {
    const budget = new RetryBudget();
    budget.noteRefused();
    expect(budget.snapshot(T0)).toEqual({ balance: 10, capacity: 10, spent: 0, refused: 1 });
  });

  it('during an outage, retries stay near ratio of the first attempts after the first capacity', () => {
    // Every first attempt fails and asks for a resend; nothing succeeds; no floor.
    const budget = new RetryBudget({ ratio: 0.1, minPerSecond: 0, capacity: 10 });
    let resends = 0;
    for (let i = 0; i < 1_000; i++) {
      budget.deposit('firstAttempt', T0 + i);
      if (budget.tryWithdraw('resend', T0 + i)) resends++;
    }
    // 10 from the full budget, then one per ten first attempts (the tenth deposit may land on the last step).
    expect(resends).toBeGreaterThanOrEqual(109);
    expect(resends).toBeLessThanOrEqual(110);
  });

  it('rejects bad options under the path new RetryBudget(options)', () => {
    const error = thrown(() => new RetryBudget({ capacity: 0 }));
    expect(error.path).toBe('new RetryBudget(options).capacity');
  });
});
