import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CircuitBreaker,
  resolveCircuitBreaker,
  type BreakerChange,
  type BreakerConfig,
  type BreakerResult,
  type BreakerTicket,
} from '../../src/protection/circuit-breaker.js';
import { allowedUnits, checkLimiterOptions, costOf, LocalRateLimiter, planAcquire, planObserve, usedNow, windowStartOf, type LimitCounter, type LimiterRequestKind } from '../../src/protection/rate-limiter.js';
import { balanceAt, deposit, resolveRetryBudget, RetryBudget, waitFor, withdraw, type BudgetConfig, type BudgetSpend, type BudgetState } from '../../src/protection/retry-budget.js';
import type { PublishedLimit } from '../../src/venues/profile.js';

const NUM_RUNS = 300;
/** On a whole minute, so every window in these tests starts on it. */
const T0 = 1_700_000_040_000;
/** Granting tolerance of the budget (a spend is paid when the balance is within 1e-9 of its cost). */
const TOKEN_EPSILON = 1e-9;

// ---------------------------------------------------------------- retry budget

/** Any configuration resolveRetryBudget accepts: costs at most the capacity. */
const budgetConfig: fc.Arbitrary<BudgetConfig> = fc
  .record({
    ratio: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 5, noNaN: true })),
    minPerSecond: fc.oneof(fc.constant(0), fc.double({ min: 0.001, max: 10, noNaN: true })),
    capacity: fc.oneof(fc.integer({ min: 1, max: 20 }), fc.double({ min: 0.01, max: 100, noNaN: true })),
    resendShare: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
    lookupShare: fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })),
  })
  .map(({ resendShare, lookupShare, ...rest }) =>
    resolveRetryBudget({ ...rest, resendCost: rest.capacity * resendShare, lookupCost: rest.capacity * lookupShare }, 'budget'),
  );

type BudgetOp = { readonly kind: 'deposit' | 'resend' | 'lookup' | 'read'; readonly dtMs: number };
const budgetOp = (minDtMs: number): fc.Arbitrary<BudgetOp> =>
  fc.record({ kind: fc.constantFrom('deposit', 'resend', 'lookup', 'read'), dtMs: fc.oneof(fc.constant(0), fc.integer({ min: minDtMs, max: 60_000 })) });

type DepositFn = typeof deposit;

/** Over any sequence of deposits, withdrawals and readings at any times (a clock may go back), 0 <= balance <= capacity. */
function budgetStaysInBounds(depositFn: DepositFn) {
  return fc.property(budgetConfig, fc.array(budgetOp(-5_000), { maxLength: 150, size: 'max' }), (config, ops) => {
    let state: BudgetState = { balance: config.capacity, at: T0 };
    let now = T0;
    for (const op of ops) {
      now += op.dtMs;
      if (op.kind === 'deposit') state = depositFn(state, config, now);
      else if (op.kind === 'read') state = balanceAt(state, config, now);
      else state = withdraw(state, config, op.kind, now).state;
      if (!(state.balance >= 0 && state.balance <= config.capacity)) return false;
    }
    return true;
  });
}

describe('retry budget properties', () => {
  it('the balance never exceeds capacity and never goes negative', () => {
    fc.assert(budgetStaysInBounds(deposit), { numRuns: NUM_RUNS });
  });

  it('negative control: a deposit without the cap is caught', () => {
    const uncapped: DepositFn = (s, c, now) => ({ balance: balanceAt(s, c, now).balance + c.ratio, at: Math.max(s.at, now) });
    expect(fc.check(budgetStaysInBounds(uncapped), { numRuns: NUM_RUNS, seed: 1 }).failed).toBe(true);
  });

  it('RetryBudget follows the pure functions: same grants, same balance', () => {
    fc.assert(
      fc.property(budgetConfig, fc.array(budgetOp(-5_000), { maxLength: 100, size: 'max' }), (config, ops) => {
        const budget = new RetryBudget(config);
        let state: BudgetState = { balance: config.capacity, at: T0 };
        let now = T0;
        let spent = 0;
        let refused = 0;
        expect(budget.snapshot(T0).balance).toBe(config.capacity);
        for (const op of ops) {
          now += op.dtMs;
          if (op.kind === 'deposit') {
            budget.deposit('success', now);
            state = deposit(state, config, now);
          } else if (op.kind === 'resend' || op.kind === 'lookup') {
            const result = withdraw(state, config, op.kind, now);
            expect(budget.tryWithdraw(op.kind, now)).toBe(result.granted);
            state = result.state;
            if (result.granted) spent += op.kind === 'resend' ? config.resendCost : config.lookupCost;
            else refused++;
          }
          const snapshot = budget.snapshot(now);
          expect(snapshot.balance).toBe(balanceAt(state, config, now).balance);
          expect(snapshot.balance).toBeGreaterThanOrEqual(0);
          expect(snapshot.balance).toBeLessThanOrEqual(config.capacity);
          expect(snapshot.refused).toBe(refused);
          expect(snapshot.spent).toBeCloseTo(spent, 9);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('with no deposits, the tokens granted never exceed capacity + minPerSecond × elapsed', () => {
    fc.assert(
      fc.property(budgetConfig, fc.array(fc.record({ spend: fc.constantFrom<BudgetSpend>('resend', 'lookup'), dtMs: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 30_000 })) }), { maxLength: 200, size: 'max' }), (config, ops) => {
        let state: BudgetState = { balance: config.capacity, at: T0 };
        let now = T0;
        let granted = 0;
        let grants = 0;
        for (const op of ops) {
          now += op.dtMs;
          const result = withdraw(state, config, op.spend, now);
          state = result.state;
          if (result.granted) {
            granted += op.spend === 'resend' ? config.resendCost : config.lookupCost;
            grants++;
          }
          const bound = config.capacity + (config.minPerSecond * (now - T0)) / 1000;
          // Each grant may be paid up to TOKEN_EPSILON short; the sums carry rounding of their own.
          expect(granted).toBeLessThanOrEqual(bound + grants * TOKEN_EPSILON + bound * 1e-12);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('waitFor is honest: a wait of 0 means granted now, a finite wait granted after it, Infinity never', () => {
    fc.assert(
      fc.property(budgetConfig, fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom<BudgetSpend>('resend', 'lookup'), (config, fill, spend) => {
        const state: BudgetState = { balance: config.capacity * fill, at: T0 };
        const wait = waitFor(state, config, spend, T0);
        if (wait === Number.POSITIVE_INFINITY) {
          expect(config.minPerSecond).toBe(0);
          expect(withdraw(state, config, spend, T0 + 1e9).granted).toBe(false);
        } else {
          expect(Number.isInteger(wait) && wait >= 0).toBe(true);
          expect(withdraw(state, config, spend, T0 + wait).granted).toBe(true);
          if (wait > 0) expect(withdraw(state, config, spend, T0).granted).toBe(false);
        }
      }),
      { numRuns: NUM_RUNS * 3 },
    );
  });
});

// ---------------------------------------------------------------- rate limiter

interface LimiterCase {
  readonly limits: readonly PublishedLimit[];
  readonly headroom: number;
}

/** One to three limits checkLimiterOptions accepts, with costs up to their allowance; limit i is reported in header x-used-limit-i. */
const limiterCase: fc.Arbitrary<LimiterCase> = fc
  .record({
    headroom: fc.oneof(fc.constantFrom(1, 0.9, 0.5), fc.double({ min: 0.05, max: 1, noNaN: true })),
    limits: fc.array(
      fc.record({
        limit: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.double({ min: 0.5, max: 40, noNaN: true })),
        windowMs: fc.oneof(fc.constantFrom(1_000, 7_000, 10_000, 60_000), fc.integer({ min: 1, max: 60_000 })),
        writeShare: fc.double({ min: 0, max: 1, noNaN: true }),
        readShare: fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })),
      }),
      { minLength: 1, maxLength: 3 },
    ),
  })
  .map(({ headroom, limits }) => {
    const built = limits.map(({ limit, windowMs, writeShare, readShare }, i): PublishedLimit => {
      const allowed = allowedUnits({ limit }, headroom);
      const id = `limit-${i}`;
      return { id, limit, windowMs, unit: 'weight', per: 'ip', writeCost: Math.floor(allowed * writeShare), readCost: Math.floor(allowed * readShare), usageHeader: `X-Used-${id}` };
    });
    return checkLimiterOptions(built, headroom, 'limiter');
  });

type LimiterOp = { readonly dtMs: number; readonly kind: LimiterRequestKind } | { readonly dtMs: number; readonly observe: number; readonly used: number };
/** Mostly within a window, sometimes across several. */
const limiterDt = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 500 }), fc.integer({ min: 0, max: 20_000 }));
const limiterOp: fc.Arbitrary<LimiterOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ dtMs: limiterDt, kind: fc.constantFrom<LimiterRequestKind>('write', 'read') }) },
  { weight: 1, arbitrary: fc.record({ dtMs: limiterDt, observe: fc.nat(2), used: fc.nat(80) }) },
);

type PlanFn = typeof planAcquire;

/** Over acquires (and venue reports) at increasing times, what is granted inside one window never exceeds any limit's allowance; a refusal's wait is enough. */
function limiterKeepsAllowance(plan: PlanFn) {
  return fc.property(limiterCase, fc.array(limiterOp, { maxLength: 200, size: 'max' }), ({ limits, headroom }, ops) => {
    let counters: readonly (LimitCounter | undefined)[] = limits.map(() => undefined);
    /** Per limit: window start → units granted in it. */
    const granted = limits.map(() => new Map<number, number>());
    let now = T0;
    for (const op of ops) {
      now += op.dtMs;
      if ('observe' in op) {
        counters = planObserve(limits, counters, [{ header: `x-used-limit-${op.observe % limits.length}`, used: op.used }], now);
        continue;
      }
      const result = plan(limits, counters, headroom, op.kind, now);
      if (result.granted) {
        counters = result.counters;
        limits.forEach((limit, i) => {
          const start = windowStartOf(limit, now);
          const total = (granted[i]?.get(start) ?? 0) + costOf(limit, op.kind);
          granted[i]?.set(start, total);
          if (total > allowedUnits(limit, headroom)) throw new Error(`${limit.id}: ${total} granted in the window at ${start}, allowance ${allowedUnits(limit, headroom)}`);
        });
      } else {
        const full = limits.find((limit) => limit.id === result.limitId);
        if (full === undefined) return false;
        const index = limits.indexOf(full);
        // The named limit is full now, and every full limit has reset after the wait.
        if (!(result.retryInMs > 0 && result.retryInMs <= full.windowMs)) return false;
        if (!(usedNow(full, counters[index], now) + costOf(full, op.kind) > allowedUnits(full, headroom))) return false;
        if (!plan(limits, counters, headroom, op.kind, now + result.retryInMs).granted) return false;
      }
    }
    return true;
  });
}

describe('rate limiter properties', () => {
  it('grants inside any one window never exceed the allowance of any limit; the wait of a refusal is enough', () => {
    fc.assert(limiterKeepsAllowance(planAcquire), { numRuns: NUM_RUNS });
  });

  it('negative control: a plan that ignored the headroom is caught', () => {
    const noHeadroom: PlanFn = (limits, counters, _headroom, kind, now) => planAcquire(limits, counters, 1, kind, now);
    expect(fc.check(limiterKeepsAllowance(noHeadroom), { numRuns: NUM_RUNS, seed: 1 }).failed).toBe(true);
  });

  it('LocalRateLimiter keeps every allowance; observe raises a count to the report, never lowers it', () => {
    fc.assert(
      fc.property(limiterCase, fc.array(limiterOp, { maxLength: 150, size: 'max' }), ({ limits, headroom }, ops) => {
        const limiter = new LocalRateLimiter({ limits, headroom });
        const grantedPerWindow = limits.map(() => new Map<number, number>());
        let now = T0;
        for (const op of ops) {
          now += op.dtMs;
          if ('observe' in op) {
            const index = op.observe % limits.length;
            const before = limiter.snapshot(now)[index]?.used ?? 0;
            limiter.observe([{ header: `x-used-limit-${index}`, used: op.used }], now);
            expect(limiter.snapshot(now)[index]?.used).toBe(Math.max(before, op.used));
            continue;
          }
          const permit = limiter.acquire(op.kind, now);
          if (!permit.granted) continue;
          limits.forEach((limit, i) => {
            const start = windowStartOf(limit, now);
            const total = (grantedPerWindow[i]?.get(start) ?? 0) + costOf(limit, op.kind);
            grantedPerWindow[i]?.set(start, total);
            expect(total).toBeLessThanOrEqual(allowedUnits(limit, headroom));
            expect(limiter.snapshot(now)[i]?.used).toBeGreaterThanOrEqual(total);
          });
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

// ---------------------------------------------------------------- circuit breaker

/** Any configuration resolveCircuitBreaker accepts, small enough that sequences open, probe and close. */
const breakerConfig: fc.Arbitrary<BreakerConfig> = fc
  .record({
    consecutiveFailures: fc.integer({ min: 1, max: 4 }),
    failureRatio: fc.oneof(fc.constantFrom(0.5, 1), fc.double({ min: 0.05, max: 1, noNaN: true })),
    minimumRequests: fc.integer({ min: 1, max: 6 }),
    windowMs: fc.integer({ min: 10, max: 10_000 }),
    openMs: fc.integer({ min: 1, max: 2_000 }),
    extraOpenMs: fc.integer({ min: 0, max: 4_000 }),
    scope: fc.constantFrom('venue' as const, 'operation' as const),
  })
  .map(({ extraOpenMs, ...rest }) => resolveCircuitBreaker({ ...rest, maxOpenMs: rest.openMs + extraOpenMs }, 'breaker'));

type BreakerOp =
  | { readonly t: 'acquire'; readonly op: 'a' | 'b'; readonly dtMs: number }
  | { readonly t: 'answer'; readonly pick: number; readonly result: BreakerResult; readonly dtMs: number }
  | { readonly t: 'abandon'; readonly pick: number; readonly dtMs: number };

const breakerDt = fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 200 }), fc.integer({ min: 0, max: 3_000 }));
const breakerOp: fc.Arbitrary<BreakerOp> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ t: fc.constant('acquire' as const), op: fc.constantFrom('a' as const, 'b' as const), dtMs: breakerDt }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('answer' as const), pick: fc.nat(), result: fc.constantFrom<BreakerResult>('failure', 'failure', 'success', 'neutral'), dtMs: breakerDt }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('abandon' as const), pick: fc.nat(), dtMs: breakerDt }) },
);

/** What the property drives: a CircuitBreaker, or a mutant wrapping one. */
type BreakerLike = Pick<CircuitBreaker, 'acquire' | 'record' | 'abandon' | 'onChange' | 'config'>;

/** Under any sequence: at most one probe out per breaker, an open breaker admits nothing before openUntil, every opening lasts openMs..maxOpenMs. */
function breakerInvariants(make: (config: BreakerConfig) => BreakerLike) {
  return fc.property(breakerConfig, fc.array(breakerOp, { maxLength: 150, size: 'max' }), (config, ops) => {
    const breaker = make(config);
    /** Per key: the last change seen by a listener. */
    const last = new Map<string, BreakerChange>();
    let badOpening: BreakerChange | undefined;
    breaker.onChange((change) => {
      last.set(change.operation ?? '', change);
      if (change.to === 'open') {
        const lasts = (change.retryAt ?? Number.NaN) - change.at;
        if (!(lasts >= config.openMs && lasts <= config.maxOpenMs)) badOpening = change;
      }
    });
    const outstanding: BreakerTicket[] = [];
    let now = T0;
    for (const op of ops) {
      now += op.dtMs;
      if (op.t === 'acquire') {
        const key = config.scope === 'operation' ? op.op : '';
        const change = last.get(key);
        const result = breaker.acquire(op.op, now);
        if (change?.to === 'open' && now < (change.retryAt ?? 0)) {
          if (!('refused' in result)) return false;
          if (result.refused.retryAt !== change.retryAt) return false;
        }
        if ('ticket' in result) {
          outstanding.push(result.ticket);
          if (outstanding.filter((t) => t.probe && t.key === result.ticket.key).length > 1) return false;
        }
      } else if (outstanding.length > 0) {
        const [ticket] = outstanding.splice(op.pick % outstanding.length, 1);
        if (ticket === undefined) continue;
        if (op.t === 'answer') breaker.record(ticket, op.result, now);
        else breaker.abandon(ticket, now);
      }
      if (badOpening !== undefined) return false;
    }
    return true;
  });
}

describe('circuit breaker properties', () => {
  it('at most one probe is out at a time, and an open breaker admits nothing before openUntil', () => {
    fc.assert(
      breakerInvariants((config) => new CircuitBreaker(config)),
      { numRuns: NUM_RUNS },
    );
  });

  it('negative control: a breaker that hands out a second probe is caught', () => {
    const secondProbe = (config: BreakerConfig): BreakerLike => {
      const breaker = new CircuitBreaker(config);
      return {
        config: breaker.config,
        record: (ticket, result, now) => breaker.record(ticket, result, now),
        abandon: (ticket, now) => breaker.abandon(ticket, now),
        onChange: (listener) => breaker.onChange(listener),
        acquire: (operation, now) => {
          const result = breaker.acquire(operation, now);
          if ('refused' in result && result.refused.position === 'halfOpen') return { ticket: { key: config.scope === 'operation' ? operation : '', probe: true } };
          return result;
        },
      };
    };
    expect(fc.check(breakerInvariants(secondProbe), { numRuns: NUM_RUNS, seed: 1 }).failed).toBe(true);
  });

  it('negative control: a breaker that lets requests through while open is caught', () => {
    const leaky = (config: BreakerConfig): BreakerLike => {
      const breaker = new CircuitBreaker(config);
      return {
        config: breaker.config,
        record: (ticket, result, now) => breaker.record(ticket, result, now),
        abandon: (ticket, now) => breaker.abandon(ticket, now),
        onChange: (listener) => breaker.onChange(listener),
        acquire: (operation, now) => {
          const result = breaker.acquire(operation, now);
          if ('refused' in result && result.refused.position === 'open') return { ticket: { key: config.scope === 'operation' ? operation : '', probe: false } };
          return result;
        },
      };
    };
    expect(fc.check(breakerInvariants(leaky), { numRuns: NUM_RUNS, seed: 1 }).failed).toBe(true);
  });
});
