/**
 * The retry budget: a bound on how much a client adds to a venue's load by retrying.
 *
 * Every request beyond an intent's first attempt (a resend, a reconcile lookup) spends
 * a token; first attempts sent and successes put tokens back (`ratio` each), and a slow
 * floor (`minPerSecond`) keeps a quiet client able to retry now and then. The balance
 * never exceeds `capacity`. So while a venue fails everything, retries stay near `ratio`
 * of the first attempts after the first `capacity` of them, instead of every intent
 * spending its whole allowance at once; when the venue is healthy, the budget is full
 * and never in the way.
 *
 * The decisions are pure functions of a {@link BudgetState}; {@link RetryBudget} keeps
 * the state of one client (or of several, when they share the instance).
 *
 * @module
 */

import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';

/** Options of the retry budget. Every field has a default; `true` takes them all. */
export interface RetryBudgetOptions {
  /**
   * Tokens a first attempt sent, and a success, each put back. 0.1 keeps retries during a
   * long outage near one in ten first attempts. @default 0.1
   */
  readonly ratio?: number;
  /**
   * Tokens added per second whatever the traffic, so a client that sends little can still
   * retry (one retry per 10 s at the default). @default 0.1
   */
  readonly minPerSecond?: number;
  /** Most tokens the budget holds, and what it starts with: the retries a burst of failures may spend at once. @default 10 */
  readonly capacity?: number;
  /** Tokens a resend (any attempt after an intent's first) costs. @default 1 */
  readonly resendCost?: number;
  /** Tokens a reconcile lookup costs. @default 1 */
  readonly lookupCost?: number;
  /**
   * What an intent does when the budget cannot pay for its next resend or lookup:
   * `wait` for the tokens (within its deadline), or `stop` at once. Stopping never
   * fails an intent that may have executed: a pending intent stops with
   * `RetriesExhaustedError` (reason `retryBudget`, still pending, continued by the
   * next call with the same business id or by `recover()`); an unknown one is parked
   * (`AmbiguousOutcomeError`) and reconciled later. @default 'wait'
   */
  readonly whenEmpty?: 'wait' | 'stop';
}

/** What a token pays for. */
export type BudgetSpend = 'resend' | 'lookup';

/** What puts tokens back. */
export type BudgetDeposit = 'firstAttempt' | 'success';

/** The budget's resolved settings. */
export interface BudgetConfig {
  readonly ratio: number;
  readonly minPerSecond: number;
  readonly capacity: number;
  readonly resendCost: number;
  readonly lookupCost: number;
  readonly whenEmpty: 'wait' | 'stop';
}

/** The balance at an instant: `balance` tokens at `at` (epoch ms). */
export interface BudgetState {
  readonly balance: number;
  readonly at: number;
}

/** The budget as `client.protection()` reports it. */
export interface RetryBudgetSnapshot {
  /** Tokens now. */
  readonly balance: number;
  /** Most tokens it holds. */
  readonly capacity: number;
  /** Tokens spent so far (resends and lookups let through). */
  readonly spent: number;
  /** Resends and lookups the budget could not pay for when asked. */
  readonly refused: number;
}

export const DEFAULT_RETRY_BUDGET: BudgetConfig = Object.freeze({ ratio: 0.1, minPerSecond: 0.1, capacity: 10, resendCost: 1, lookupCost: 1, whenEmpty: 'wait' });

/** Pure: the balance at `now`, with the floor's tokens since `state.at` added (never above capacity). */
export function balanceAt(state: BudgetState, config: BudgetConfig, now: number): BudgetState {
  if (now <= state.at) return state;
  const balance = Math.min(config.capacity, state.balance + (config.minPerSecond * (now - state.at)) / 1000);
  return { balance, at: now };
}

/** Pure: the balance after a deposit at `now`. */
export function deposit(state: BudgetState, config: BudgetConfig, now: number): BudgetState {
  const current = balanceAt(state, config, now);
  return { balance: Math.min(config.capacity, current.balance + config.ratio), at: current.at };
}

/** Tokens one `spend` costs. */
export function costOfSpend(config: BudgetConfig, spend: BudgetSpend): number {
  return spend === 'resend' ? config.resendCost : config.lookupCost;
}

/**
 * Pure: how long until the budget can pay for one `spend`: 0 now, a wait in ms until the
 * floor has added the missing tokens, or `Infinity` when it never will (no floor, or a
 * cost above the capacity). Deposits may shorten the wait; never lengthen it.
 */
export function waitFor(state: BudgetState, config: BudgetConfig, spend: BudgetSpend, now: number): number {
  const cost = costOfSpend(config, spend);
  const balance = balanceAt(state, config, now).balance;
  // A hair of tolerance: tokens added in floating point steps must not keep a due spend waiting.
  if (balance + 1e-9 >= cost) return 0;
  if (config.minPerSecond <= 0 || cost > config.capacity) return Number.POSITIVE_INFINITY;
  return Math.ceil(((cost - balance) * 1000) / config.minPerSecond);
}

/** Pure: spends one `spend` if the budget can pay for it now. */
export function withdraw(state: BudgetState, config: BudgetConfig, spend: BudgetSpend, now: number): { readonly granted: boolean; readonly state: BudgetState } {
  const current = balanceAt(state, config, now);
  const cost = costOfSpend(config, spend);
  if (current.balance + 1e-9 < cost) return { granted: false, state: current };
  return { granted: true, state: { balance: Math.max(0, current.balance - cost), at: current.at } };
}

/** Checks budget options and applies the defaults; throws `ConfigurationError` naming `where` and the field. */
export function resolveRetryBudget(options: RetryBudgetOptions | true, where: string): BudgetConfig {
  if (options === true) return DEFAULT_RETRY_BUDGET;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError({ path: where, expected: 'true or an object { ratio?, minPerSecond?, capacity?, resendCost?, lookupCost?, whenEmpty? }', received: describeValue(options) });
  }
  const known = new Set(['ratio', 'minPerSecond', 'capacity', 'resendCost', 'lookupCost', 'whenEmpty']);
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ConfigurationError({ path: `${where}.${key}`, expected: `one of ${[...known].join(', ')}`, received: 'an unknown option' });
  }
  const number = (field: keyof RetryBudgetOptions, min: number, minInclusive: boolean, fallback: number): number => {
    const value = options[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isFinite(value) || (minInclusive ? value < min : value <= min)) {
      throw new ConfigurationError({ path: `${where}.${field}`, expected: `a finite number ${minInclusive ? '>=' : '>'} ${min}`, received: describeValue(value) });
    }
    return value;
  };
  const d = DEFAULT_RETRY_BUDGET;
  const config: BudgetConfig = {
    ratio: number('ratio', 0, true, d.ratio),
    minPerSecond: number('minPerSecond', 0, true, d.minPerSecond),
    capacity: number('capacity', 0, false, d.capacity),
    resendCost: number('resendCost', 0, true, d.resendCost),
    lookupCost: number('lookupCost', 0, true, d.lookupCost),
    // `=== undefined`, not `??`: a null is a wrong value, as it is for the number fields.
    whenEmpty: options.whenEmpty === undefined ? d.whenEmpty : options.whenEmpty,
  };
  if (config.whenEmpty !== 'wait' && config.whenEmpty !== 'stop') {
    throw new ConfigurationError({ path: `${where}.whenEmpty`, expected: "'wait' or 'stop'", received: describeValue(options.whenEmpty) });
  }
  for (const field of ['resendCost', 'lookupCost'] as const) {
    if (config[field] > config.capacity) {
      throw new ConfigurationError({ path: `${where}.${field}`, expected: `at most capacity (${config.capacity}), or it could never be paid`, received: describeValue(config[field]) });
    }
  }
  return Object.freeze(config);
}

/**
 * A retry budget: the balance of one client, or of every client that shares the
 * instance (several clients of one venue in a process). The clock is the caller's:
 * every method takes `now` (epoch ms).
 *
 * @example
 * const budget = new RetryBudget({ ratio: 0.05 });
 * createIntentClient({ http, venue, protection: { retryBudget: budget } });
 */
export class RetryBudget {
  readonly config: BudgetConfig;
  #state: BudgetState;
  #spent = 0;
  #refused = 0;

  /** @param options - `true` or omitted: every default. */
  constructor(options: RetryBudgetOptions | true = true) {
    this.config = resolveRetryBudget(options, 'new RetryBudget(options)');
    this.#state = { balance: this.config.capacity, at: Number.NEGATIVE_INFINITY };
  }

  /** Puts tokens back for a first attempt sent or a success. */
  deposit(_kind: BudgetDeposit, now: number): void {
    this.#state = deposit(this.#anchored(now), this.config, now);
  }

  /**
   * Gives back what one `spend` cost: a resend the venue answered (a success, or a
   * rejection: the venue works) was no failed retry. Never above capacity.
   */
  refund(spend: BudgetSpend, now: number): void {
    const current = balanceAt(this.#anchored(now), this.config, now);
    this.#state = { balance: Math.min(this.config.capacity, current.balance + costOfSpend(this.config, spend)), at: current.at };
  }

  /** How long until one `spend` can be paid, in ms (0: now; `Infinity`: never). */
  waitFor(spend: BudgetSpend, now: number): number {
    return waitFor(this.#anchored(now), this.config, spend, now);
  }

  /** Spends one `spend` if it can be paid now; counts a refusal otherwise. */
  tryWithdraw(spend: BudgetSpend, now: number): boolean {
    const result = withdraw(this.#anchored(now), this.config, spend, now);
    this.#state = result.state;
    if (result.granted) this.#spent += costOfSpend(this.config, spend);
    else this.#refused++;
    return result.granted;
  }

  /** Counts a resend or lookup the budget could not pay for (the client waited or stopped instead). */
  noteRefused(): void {
    this.#refused++;
  }

  /** The balance and counts now. */
  snapshot(now: number): RetryBudgetSnapshot {
    return { balance: balanceAt(this.#anchored(now), this.config, now).balance, capacity: this.config.capacity, spent: this.#spent, refused: this.#refused };
  }

  /** The first reading fixes the state's time (a new budget is full from then on). */
  #anchored(now: number): BudgetState {
    if (this.#state.at === Number.NEGATIVE_INFINITY) this.#state = { balance: this.#state.balance, at: now };
    return this.#state;
  }
}
