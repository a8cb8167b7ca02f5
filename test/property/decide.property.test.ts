import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../src/classify/outcome.js';
import {
  decide,
  notFoundBelievableAt,
  settlesByResend,
  withinKeyWindow,
  NO_PROTECTION,
  type DecisionState,
  type LastStep,
  type ProtectionFacts,
  type Resume,
  type Step,
  type VenueFacts,
  type VenueHold,
  type VerdictFacts,
} from '../../src/client/decide.js';
import type { StoredOutcome } from '../../src/ledger/intent.js';

// From any state whose outcome is unknown, follow decide() along a path through an
// adversarial venue (any lookup verdicts, any answers, any latencies, any backoffs) and
// check every `send` it reaches while the ledger says `unknown`:
//
// (a) the key window: withinKeyWindow() at the send (now < expiresAt when an expiry is
//     known; with none known, only a venue without a key store counts as inside), and
// (b) a basis for it, one of:
//     - the venue's key store settles by resend (keeps every answer), the stored answer
//       is not a replayed error and the venue did not say a retry cannot help; or
//     - the run's latest lookup answered "not found", that lookup left at or after the
//       settle instant (notFoundBelievableAt) while the object was still findable, the
//       venue makes "not found" authoritative, the stored answer is not a replayed
//       error, and nothing was sent since that lookup.
//
// Scenarios also carry the client's protection (a breaker open for a while, a retry
// budget empty for a while or for good, rate-limiter refusals) and may start pending.
// Along the same paths, protection never settles an unknown outcome failed, nothing is
// sent or looked up while the breaker (or an empty budget) holds it back, a pending
// intent it stops is stopped without a write, a held report names what the run does,
// nothing is sent during a venue hold (another run's ban may come at any time), a
// parked intent's check never waits, and no wait reaches the deadline.

const NOW = 1_700_000_000_000;
const NUM_RUNS = 3_000;
const MAX_STEPS = 80;

type Decide = (state: DecisionState) => Step;

interface Scenario {
  readonly venue: VenueFacts;
  readonly expiresAt: number | undefined;
  readonly stored: StoredOutcome;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly canLookUp: boolean;
  readonly maxSends: number;
  readonly maxLookups: number;
  readonly parkedCheck: boolean;
  readonly lastOutcome: Outcome | undefined;
  readonly hold: VenueHold;
  readonly deadlineMs: number;
  readonly maxRetryAfterMs: number;
  readonly verdicts: readonly VerdictFacts[];
  readonly answers: readonly Outcome[];
  readonly ioMs: readonly number[];
  readonly backoffsMs: readonly number[];
  /** The client's protection over time. */
  readonly protection: ProtectionScenario;
  /** The rate limiter's answer to each request the table asks for, in turn: `undefined` lets it go, else its `retryInMs`. */
  readonly throttles: readonly (number | undefined)[];
  /** The run starts `pending` (sent `attemptsBefore` times before, each proven not executed) instead of `unknown`. */
  readonly startPending: boolean;
  /** Attempts recorded before this run (at least 1 for an unknown start). */
  readonly attemptsBefore: number;
  /** A venue ban another run's answer sets at `at`, for `forMs` (the hold is shared by every run). */
  readonly laterBan: { readonly at: number; readonly forMs: number } | undefined;
}

/** The breaker is open over [opensAt, openUntil); the budget cannot pay over [emptyFrom, refillAt). */
interface ProtectionScenario {
  readonly circuit?: { readonly opensAt: number; readonly openUntil: number; readonly holdsSends: boolean; readonly holdsLookups: boolean; readonly whenOpen: 'fail' | 'wait' };
  readonly budget?: { readonly emptyFrom: number; readonly refillAt: number; readonly resends: boolean; readonly lookups: boolean; readonly whenEmpty: 'wait' | 'stop' };
}

/** What the runner would read from the protection at `now` (as `protectionFacts` does). */
function protectionAt(p: ProtectionScenario, now: number): ProtectionFacts {
  const c = p.circuit;
  const b = p.budget;
  const open = c !== undefined && now >= c.opensAt && now < c.openUntil && (c.holdsSends || c.holdsLookups);
  const circuit: ProtectionFacts['circuit'] = open
    ? { ...(c.holdsSends ? { sendRetryAt: c.openUntil } : {}), ...(c.holdsLookups ? { lookupRetryAt: c.openUntil } : {}), whenOpen: c.whenOpen, reason: 'open' }
    : undefined;
  const empty = b !== undefined && now >= b.emptyFrom && now < b.refillAt;
  const budget: ProtectionFacts['budget'] =
    b === undefined ? undefined : { resendInMs: empty && b.resends ? b.refillAt - now : 0, lookupInMs: empty && b.lookups ? b.refillAt - now : 0, whenEmpty: b.whenEmpty };
  if (circuit === undefined && budget === undefined) return NO_PROTECTION;
  return { ...(circuit === undefined ? {} : { circuit }), ...(budget === undefined ? {} : { budget }) };
}

const dedupe = fc.constantFrom<VenueFacts['dedupe']>(
  { kind: 'keyStore', retentionMs: 86_400_000 },
  { kind: 'keyStore', retentionMs: 86_400_000, stores: 'successes' },
  { kind: 'openOrders' },
  { kind: 'none' },
);

const venue: fc.Arbitrary<VenueFacts> = fc.record({
  name: fc.constant('venue'),
  dedupe,
  notFoundIsAuthoritative: fc.boolean(),
  settleDelayMs: fc.integer({ min: 0, max: 10_000 }),
  findableForMs: fc.option(fc.integer({ min: 1, max: 200_000 }), { nil: undefined }),
});

const outcome: fc.Arbitrary<Outcome> = fc.oneof(
  fc.constant<Outcome>({ kind: 'success', reason: 'HTTP 200' }),
  fc.constant<Outcome>({ kind: 'fatal', reason: 'HTTP 400' }),
  fc.constant<Outcome>({ kind: 'retry', reason: 'ECONNREFUSED' }),
  fc.constant<Outcome>({ kind: 'resign', reason: 'stale signature' }),
  fc
    .record({ scope: fc.constantFrom('request' as const, 'venue' as const), retryAfterMs: fc.integer({ min: 0, max: 40_000 }) })
    .map(({ scope, retryAfterMs }): Outcome => ({ kind: 'rateLimited', reason: 'HTTP 429', scope, retryAfterMs })),
  fc.record({ replayed: fc.boolean(), shouldRetry: fc.boolean() }).map(({ replayed, shouldRetry }): Outcome => ({ kind: 'unknown', reason: 'ETIMEDOUT', replayed, shouldRetry })),
  fc.constantFrom('inProgress' as const, 'duplicate' as const).map((conflict): Outcome => ({ kind: 'conflict', reason: 'HTTP 409', conflict })),
);

const verdict: fc.Arbitrary<VerdictFacts> = fc.oneof(
  fc.constant<VerdictFacts>({ found: 'notFound' }),
  fc.constant<VerdictFacts>({ found: 'notFound' }),
  fc.constant<VerdictFacts>({ found: 'inconclusive', reason: 'HTTP 503' }),
  fc.constant<VerdictFacts>({ found: 'succeeded' }),
  fc.constant<VerdictFacts>({ found: 'failed', reason: 'canceled' }),
);

const stored: fc.Arbitrary<StoredOutcome> = fc
  .record({
    sentBy: fc.option(fc.integer({ min: NOW - 12_000, max: NOW }), { nil: undefined }),
    settleAt: fc.option(fc.integer({ min: NOW - 5_000, max: NOW + 12_000 }), { nil: undefined }),
    replayed: fc.boolean(),
  })
  .map(({ sentBy, settleAt, replayed }) => ({
    kind: 'unknown',
    reason: 'ETIMEDOUT',
    ...(sentBy === undefined ? {} : { sentBy }),
    ...(settleAt === undefined ? {} : { settleAt }),
    ...(replayed ? { replayed: true } : {}),
  }));

const protectionScenario: fc.Arbitrary<ProtectionScenario> = fc
  .record({
    circuit: fc.option(
      fc.record({
        opensAt: fc.integer({ min: NOW - 5_000, max: NOW + 30_000 }),
        openMs: fc.integer({ min: 1, max: 80_000 }),
        holdsSends: fc.boolean(),
        holdsLookups: fc.boolean(),
        whenOpen: fc.constantFrom('fail' as const, 'wait' as const),
      }),
      { nil: undefined },
    ),
    budget: fc.option(
      fc.record({
        emptyFrom: fc.integer({ min: NOW - 5_000, max: NOW + 30_000 }),
        // Infinity: no refill configured.
        emptyMs: fc.oneof(fc.integer({ min: 1, max: 80_000 }), fc.constant(Infinity)),
        resends: fc.boolean(),
        lookups: fc.boolean(),
        whenEmpty: fc.constantFrom('wait' as const, 'stop' as const),
      }),
      { nil: undefined },
    ),
  })
  .map(({ circuit, budget }) => ({
    ...(circuit === undefined ? {} : { circuit: { opensAt: circuit.opensAt, openUntil: circuit.opensAt + circuit.openMs, holdsSends: circuit.holdsSends, holdsLookups: circuit.holdsLookups, whenOpen: circuit.whenOpen } }),
    ...(budget === undefined ? {} : { budget: { emptyFrom: budget.emptyFrom, refillAt: budget.emptyFrom + budget.emptyMs, resends: budget.resends, lookups: budget.lookups, whenEmpty: budget.whenEmpty } }),
  }));

/** Mostly room; sometimes a refusal with a wait (some past any deadline). */
const throttle: fc.Arbitrary<number | undefined> = fc.oneof(
  { arbitrary: fc.constant(undefined), weight: 3 },
  { arbitrary: fc.integer({ min: 1, max: 70_000 }), weight: 1 },
);

const scenario: fc.Arbitrary<Scenario> = fc
  .record({
    venue,
    expiresAt: fc.option(fc.integer({ min: NOW - 5_000, max: NOW + 60_000 }), { nil: undefined }),
    stored,
    updatedAgoMs: fc.integer({ min: 0, max: 12_000 }),
    ageMs: fc.integer({ min: 0, max: 200_000 }),
    canLookUp: fc.boolean(),
    maxSends: fc.integer({ min: 1, max: 4 }),
    maxLookups: fc.integer({ min: 1, max: 4 }),
    parkedCheck: fc.boolean(),
    lastOutcome: fc.option(outcome, { nil: undefined }),
    holdEndsAt: fc.integer({ min: NOW - 1_000, max: NOW + 8_000 }),
    holdCause: fc.constantFrom<VenueHold['cause']>('venueBan', 'rateLimitUsage'),
    deadlineMs: fc.integer({ min: 1_000, max: 120_000 }),
    maxRetryAfterMs: fc.integer({ min: 0, max: 60_000 }),
    verdicts: fc.array(verdict, { maxLength: 8 }),
    answers: fc.array(outcome, { maxLength: 8 }),
    ioMs: fc.array(fc.integer({ min: 0, max: 6_000 }), { maxLength: 16 }),
    backoffsMs: fc.array(fc.integer({ min: 0, max: 20_000 }), { maxLength: 8 }),
    protection: protectionScenario,
    throttles: fc.array(throttle, { maxLength: 6 }),
    startPending: fc.oneof({ arbitrary: fc.constant(false), weight: 2 }, { arbitrary: fc.constant(true), weight: 1 }),
    earlierAttempts: fc.integer({ min: 0, max: 2 }),
    laterBan: fc.option(fc.record({ at: fc.integer({ min: NOW, max: NOW + 30_000 }), forMs: fc.integer({ min: 1, max: 20_000 }) }), { nil: undefined }),
  })
  .map((r) => {
    const updatedAt = NOW - r.updatedAgoMs;
    // A parked intent is unknown: a pending start is never a parked check.
    const parkedCheck = r.parkedCheck && !r.startPending;
    const parked = parkedCheck ? { parked: { at: NOW - 60_000, nextCheckAt: NOW, count: 1, reason: 'ETIMEDOUT' } } : {};
    return {
      venue: r.venue,
      expiresAt: r.expiresAt,
      stored: { ...r.stored, ...parked },
      createdAt: updatedAt - r.ageMs,
      updatedAt,
      canLookUp: r.canLookUp,
      maxSends: parkedCheck ? 1 : r.maxSends,
      maxLookups: parkedCheck ? 1 : r.maxLookups,
      parkedCheck,
      lastOutcome: r.lastOutcome,
      hold: { endsAt: r.holdEndsAt, cause: r.holdCause },
      deadlineMs: r.deadlineMs,
      maxRetryAfterMs: r.maxRetryAfterMs,
      verdicts: r.verdicts,
      answers: r.answers,
      ioMs: r.ioMs,
      backoffsMs: r.backoffsMs,
      protection: r.protection,
      throttles: r.throttles,
      startPending: r.startPending,
      // An unknown outcome was sent at least once.
      attemptsBefore: r.startPending ? r.earlierAttempts : r.earlierAttempts + 1,
      laterBan: r.laterBan,
    };
  });

/** A "not found" from the run's latest lookup, with what it was judged against. */
interface NotFoundEvidence {
  readonly startedAt: number;
  readonly stored: StoredOutcome | undefined;
  readonly updatedAt: number;
}

/** What a send from `unknown` stands on. */
type Basis = 'keyStore' | 'notFound';

/** The venue hold at `now`: the run's own (`hold`), or another run's later ban once it is set, whichever ends later. */
function holdAt(sc: Scenario, hold: VenueHold, now: number): VenueHold {
  const ban = sc.laterBan;
  if (ban === undefined || now < ban.at || ban.at + ban.forMs <= hold.endsAt) return hold;
  return { endsAt: ban.at + ban.forMs, cause: 'venueBan' };
}

/** What the protection rules look at along a path (for the vacuity checks). */
type Seen = Set<string>;

/**
 * The protection rules for one decision: `undefined`, or what is wrong with `step`.
 * `seen` collects which held reports (cause/before/action) and protected stops occurred.
 */
function protectionViolation(state: DecisionState, step: Step, seen?: Seen): string | undefined {
  const { circuit, budget } = state.protection;
  const held = step.held;
  if (held !== undefined) seen?.add(`${held.cause}/${held.before}/${held.action}/${state.status}`);
  // (a) From unknown, protection never settles it failed: it waits or parks.
  if (state.status === 'unknown') {
    if (held !== undefined && step.kind !== 'wait' && step.kind !== 'park') return `unknown, held by ${held.cause}: ${step.kind} (only wait or park)`;
    if (step.kind === 'settle' && step.status === 'failed') {
      const r = step.reconcile;
      const byLookup = r?.action === 'settled' && (r.lookup === 'found' || (r.lookup === 'notFound' && state.stored?.replayed === true));
      if (!byLookup || held !== undefined) return `unknown settled failed without a reconcile lookup's verdict: ${JSON.stringify(step)}`;
    }
    if (step.kind === 'stop' && step.error.kind !== 'parkedNotDue' && step.error.kind !== 'aborted') return `unknown stopped with ${step.error.kind}`;
  }
  // (b) Nothing is sent while the breaker holds sends, nor looked up while it holds lookups;
  // the budget pays every resend and lookup (a first attempt is free).
  if (step.kind === 'send') {
    if (circuit?.sendRetryAt !== undefined) return `send while the breaker holds sends until ${circuit.sendRetryAt - NOW}`;
    if (state.attemptsSoFar > 0 && budget !== undefined && budget.resendInMs > 0) return `resend the budget cannot pay (in ${budget.resendInMs} ms)`;
  }
  if (step.kind === 'lookup') {
    if (circuit?.lookupRetryAt !== undefined) return `lookup while the breaker holds lookups until ${circuit.lookupRetryAt - NOW}`;
    if (budget !== undefined && budget.lookupInMs > 0) return `lookup the budget cannot pay (in ${budget.lookupInMs} ms)`;
  }
  if (held?.cause === 'retryBudget' && held.before === 'send' && state.attemptsSoFar === 0) return 'a first attempt held by the retry budget';
  // (c) A stop for the breaker or the budget is a pending intent's, with no write.
  const protectedStop = step.kind === 'stop' && (step.error.kind === 'circuitOpen' || (step.error.kind === 'exhausted' && step.error.reason === 'retryBudget'));
  if (protectedStop) seen?.add(`stop/${step.error.kind}/${state.status}`);
  if (protectedStop && state.status !== 'pending') return `a ${step.error.kind} stop from ${state.status}`;
  if (step.kind === 'settle' && (step.error?.kind === 'circuitOpen' || (step.error?.kind === 'exhausted' && step.error.reason === 'retryBudget'))) return `a write for ${step.error.kind}`;
  if ((step.kind === 'settle' || step.kind === 'recordAnswer' || step.kind === 'record') && held !== undefined) return `a ${step.kind} write carrying a held report`;
  // (d) A held report names what the run does.
  if (held !== undefined && held.action !== step.kind) return `held report says ${held.action}, the step is ${step.kind}`;
  // (e) Nothing is sent during a venue hold (the hold's own wait may end a hair early: that hold is not asked again).
  const { last } = state;
  const heldUntil = last.kind === 'waited' && last.resume.to === 'send' ? last.resume.heldUntil : undefined;
  if (step.kind === 'send' && state.venueHold.endsAt > state.nowAt && (heldUntil === undefined || state.venueHold.endsAt > heldUntil)) {
    return `send during a venue hold (${state.venueHold.endsAt - state.nowAt} ms left)`;
  }
  if (last.kind === 'waited' && last.resume.to === 'send' && heldUntil === undefined && step.kind === 'wait' && step.cause === 'venueBan') seen?.add('venueBan/afterOtherWait');
  // (f) A parked intent's check never waits; no wait reaches the deadline.
  if (step.kind === 'wait' && state.parkedCheck && step.ms > 0) return `a parked check waits ${step.ms} ms (${step.cause})`;
  if (step.kind === 'wait' && state.nowAt + step.ms >= state.deadlineAt) return `a ${step.ms} ms wait (${step.cause}) reaching the deadline`;
  return undefined;
}

interface ExploreOptions {
  /** Check {@link protectionViolation} at every decision too. */
  readonly protection?: boolean;
  /** Collects what the protection rules saw. */
  readonly seen?: Seen;
}

/**
 * Follows `decideFn` from the scenario's start (unknown, or pending). Returns the first
 * violation of the rule (and, with `options.protection`, of the protection rules), or
 * `undefined`; `sends` collects the basis of every send from unknown.
 */
function explore(decideFn: Decide, sc: Scenario, sends: Basis[] = [], options: ExploreOptions = {}): string | undefined {
  let status: DecisionState['status'] = sc.startPending ? 'pending' : 'unknown';
  let storedNow: StoredOutcome | undefined = sc.startPending ? undefined : sc.stored;
  let updatedAt = sc.updatedAt;
  let now = NOW;
  let sent = 0;
  let lookups = 0;
  let lastOutcome = sc.lastOutcome;
  let hold = sc.hold;
  let last: LastStep = { kind: 'start' };
  let nextBackoffMs: number | undefined;
  let evidence: NotFoundEvidence | undefined;
  let verdicts = 0;
  let answers = 0;
  let ios = 0;
  let backoffs = 0;
  let throttles = 0;
  const io = (): number => sc.ioMs[ios++ % Math.max(sc.ioMs.length, 1)] ?? 0;

  for (let i = 0; i < MAX_STEPS; i++) {
    const state: DecisionState = {
      status,
      stored: storedNow,
      createdAt: sc.createdAt,
      updatedAt,
      expiresAt: sc.expiresAt,
      nowAt: now,
      deadlineAt: NOW + sc.deadlineMs,
      deadlineMs: sc.deadlineMs,
      maxRetryAfterMs: sc.maxRetryAfterMs,
      venue: sc.venue,
      venueHold: holdAt(sc, hold, now),
      protection: protectionAt(sc.protection, now),
      attemptsSoFar: sc.attemptsBefore + sent,
      canLookUp: sc.canLookUp,
      sendsThisRun: sent,
      maxSends: sc.maxSends,
      lookupsThisRun: lookups,
      maxLookups: sc.maxLookups,
      parkedCheck: sc.parkedCheck,
      lastOutcome,
      aborted: false,
      nextBackoffMs,
      last,
    };
    const step = decideFn(state);
    if (options.protection === true) {
      const violation = protectionViolation(state, step, options.seen);
      if (violation !== undefined) return `${violation} (at ${now - NOW} ms, status ${status})`;
    }
    if (step.kind === 'send' && status === 'unknown') {
      if (!withinKeyWindow(state)) return `send at ${now - NOW} ms outside the key window (expiresAt ${String(sc.expiresAt === undefined ? undefined : sc.expiresAt - NOW)})`;
      const keyStore = settlesByResend(sc.venue.dedupe) && storedNow?.replayed !== true && lastOutcome?.shouldRetry !== false;
      const findable = (at: number): boolean => sc.venue.findableForMs === undefined || at - sc.createdAt < sc.venue.findableForMs;
      const notFound =
        evidence !== undefined &&
        sc.venue.notFoundIsAuthoritative &&
        evidence.stored?.replayed !== true &&
        findable(evidence.startedAt) &&
        evidence.startedAt >= notFoundBelievableAt({ stored: evidence.stored, updatedAt: evidence.updatedAt, venue: sc.venue });
      if (!keyStore && !notFound) return `send at ${now - NOW} ms without an authoritative "not found" past the settle delay (evidence: ${JSON.stringify(evidence)})`;
      sends.push(keyStore ? 'keyStore' : 'notFound');
    }
    if (step.kind === 'send' || step.kind === 'lookup') {
      // The runner asks the rate limiter before the request: no room, nothing sent or written.
      const retryInMs = sc.throttles[throttles++];
      if (retryInMs !== undefined) {
        const resume: Resume = step.kind === 'send' ? { to: 'send', resend: step.resend, earlierMayHaveExecuted: step.earlierMayHaveExecuted } : { to: 'rules' };
        last = { kind: 'throttled', retryInMs, limitId: 'weight-1m', before: step.kind, resume };
        continue;
      }
    }
    switch (step.kind) {
      case 'finished':
      case 'stop':
      case 'park':
      case 'settle':
      case 'record':
        return undefined;
      case 'drawBackoff':
        nextBackoffMs = sc.backoffsMs[backoffs++ % Math.max(sc.backoffsMs.length, 1)] ?? 0;
        break;
      case 'wait':
        now += step.ms;
        nextBackoffMs = undefined;
        last = { kind: 'waited', resume: step.resume };
        break;
      case 'lookup': {
        const startedAt = now;
        lookups++;
        now += io();
        const found = sc.verdicts[verdicts++] ?? { found: 'inconclusive', reason: 'no answer' };
        evidence = found.found === 'notFound' ? { startedAt, stored: storedNow, updatedAt } : undefined;
        last = { kind: 'lookedUp', verdict: found, startedAt };
        break;
      }
      case 'send': {
        sent++;
        status = 'inFlight';
        updatedAt = now;
        now += io();
        const answer = sc.answers[answers++] ?? { kind: 'unknown', reason: 'ETIMEDOUT' };
        lastOutcome = answer;
        evidence = undefined;
        last = { kind: 'answered', outcome: answer, earlierMayHaveExecuted: step.earlierMayHaveExecuted, refusedForWindow: false };
        break;
      }
      case 'recordAnswer': {
        const answered = last as Extract<LastStep, { kind: 'answered' }>;
        updatedAt = now;
        if (step.holdVenueForMs !== undefined) hold = { endsAt: now + step.holdVenueForMs, cause: 'venueBan' };
        if (step.to === 'pending') {
          // Back to pending: proof this attempt did not execute, and no earlier one may have.
          status = 'pending';
          now += io();
          last = { kind: 'answerRecorded', outcome: answered.outcome, earlierMayHaveExecuted: answered.earlierMayHaveExecuted };
          break;
        }
        status = 'unknown';
        storedNow = {
          kind: step.record.asUnknown ? 'unknown' : answered.outcome.kind,
          reason: step.record.reason ?? answered.outcome.reason,
          ...(answered.outcome.replayed === true ? { replayed: true } : {}),
          ...(step.record.stampDispatch ? { sentBy: now } : {}),
        };
        now += io();
        last = { kind: 'answerRecorded', outcome: answered.outcome, earlierMayHaveExecuted: answered.earlierMayHaveExecuted };
        break;
      }
    }
  }
  return undefined;
}

/** The property, for any decide (the real one or a broken variant). */
function neverUnsafeSend(decideFn: Decide): fc.IProperty<[Scenario]> {
  return fc.property(scenario, (sc) => {
    const violation = explore(decideFn, sc);
    if (violation !== undefined) throw new Error(violation);
  });
}

describe('decide() from an unknown outcome', () => {
  it('never sends outside the key window, nor without an authoritative "not found" past the settle delay unless the key store settles by resend', () => {
    fc.assert(neverUnsafeSend(decide), { numRuns: NUM_RUNS });
  });

  it('is not vacuous: paths reach sends from unknown on both bases', () => {
    const bases = new Set<Basis>();
    for (const sc of fc.sample(scenario, { numRuns: 2_000, seed: 7 })) {
      const sends: Basis[] = [];
      expect(explore(decide, sc, sends)).toBeUndefined();
      for (const basis of sends) bases.add(basis);
    }
    expect([...bases].sort()).toEqual(['keyStore', 'notFound']);
  });

  // Negative controls: drop one guard and the property must find a counterexample.
  it('negative control: without the key-window guard, fast-check finds a send outside the window', () => {
    const noWindowGuard: Decide = (state) => decide({ ...state, expiresAt: state.expiresAt === undefined ? undefined : Number.MAX_SAFE_INTEGER });
    const result = fc.check(neverUnsafeSend(noWindowGuard), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain('outside the key window');
  });

  it('negative control: without the settle-delay guard, fast-check finds a resend on an early "not found"', () => {
    const noSettleGuard: Decide = (state) => decide({ ...state, stored: state.stored === undefined ? undefined : { ...state.stored, settleAt: Number.MIN_SAFE_INTEGER } });
    const result = fc.check(neverUnsafeSend(noSettleGuard), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain('without an authoritative "not found" past the settle delay');
  });

  it('negative control: resending on a non-authoritative "not found" is found', () => {
    const trustsEveryNotFound: Decide = (state) => decide({ ...state, venue: { ...state.venue, notFoundIsAuthoritative: true } });
    const result = fc.check(neverUnsafeSend(trustsEveryNotFound), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
  });
});

/** The protection rules along every path, for any decide. */
function protectionHolds(decideFn: Decide): fc.IProperty<[Scenario]> {
  return fc.property(scenario, (sc) => {
    const violation = explore(decideFn, sc, [], { protection: true });
    if (violation !== undefined) throw new Error(violation);
  });
}

describe('decide() under the client protection (breaker, retry budget, rate limiter)', () => {
  it('never settles an unknown outcome failed for it, never sends or looks up while held, stops a pending intent without a write, names what it does, and never waits on a parked check', () => {
    fc.assert(protectionHolds(decide), { numRuns: NUM_RUNS });
  });

  it('is not vacuous: paths reach each cause held back, waited for, stopped and parked, from pending and unknown', () => {
    const seen: Seen = new Set();
    for (const sc of fc.sample(scenario, { numRuns: 3_000, seed: 11 })) expect(explore(decide, sc, [], { protection: true, seen })).toBeUndefined();
    const expected = [
      'circuitOpen/send/wait/pending',
      'circuitOpen/send/stop/pending',
      'circuitOpen/send/wait/unknown',
      'circuitOpen/send/park/unknown',
      'circuitOpen/lookup/wait/unknown',
      'circuitOpen/lookup/park/unknown',
      'retryBudget/send/wait/pending',
      'retryBudget/send/stop/pending',
      'retryBudget/send/wait/unknown',
      'retryBudget/send/park/unknown',
      'retryBudget/lookup/wait/unknown',
      'retryBudget/lookup/park/unknown',
      'rateLimiter/send/wait/pending',
      'rateLimiter/send/stop/pending',
      'rateLimiter/send/park/unknown',
      'rateLimiter/lookup/wait/unknown',
      'rateLimiter/lookup/park/unknown',
      'stop/circuitOpen/pending',
      'stop/exhausted/pending',
      'venueBan/afterOtherWait',
    ];
    expect([...seen].filter((s) => expected.includes(s)).sort()).toEqual([...expected].sort());
  });

  // Negative controls: a decide that ignores a guard is caught.
  it('negative control: a decide blind to the protection is caught sending or looking up while held', () => {
    const blind: Decide = (state) => decide({ ...state, protection: NO_PROTECTION });
    const result = fc.check(protectionHolds(blind), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/^Error: (send|resend|lookup) .*(while the breaker holds|the budget cannot pay)/);
  });

  it('negative control: a decide that never asks the venue hold again after a wait is caught sending during a ban', () => {
    const trustsEveryWait: Decide = (state) =>
      state.last.kind === 'waited' && state.last.resume.to === 'send' ? decide({ ...state, last: { ...state.last, resume: { ...state.last.resume, heldUntil: Infinity } } }) : decide(state);
    const result = fc.check(protectionHolds(trustsEveryWait), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain('send during a venue hold');
  });

  it('negative control: a decide that fails an unknown intent it parks for protection is caught', () => {
    const failsHeld: Decide = (state) => {
      const step = decide(state);
      if (step.kind !== 'park' || step.held === undefined) return step;
      return { kind: 'settle', status: 'failed', outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'held' } }, error: { kind: 'rejected' } };
    };
    const result = fc.check(protectionHolds(failsHeld), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toContain('unknown settled failed without a reconcile lookup');
  });

  it('negative control: a decide that writes a pending intent failed when protection stops it is caught', () => {
    const writesStop: Decide = (state) => {
      const step = decide(state);
      if (step.kind !== 'stop' || step.held === undefined) return step;
      return { kind: 'settle', status: 'failed', outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'held' } }, error: step.error, held: step.held };
    };
    const result = fc.check(protectionHolds(writesStop), { numRuns: NUM_RUNS, seed: 1 });
    expect(result.failed).toBe(true);
    expect(String(result.errorInstance)).toMatch(/a write for|a settle write carrying a held report/);
  });
});
