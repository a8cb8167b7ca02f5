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
  })
  .map((r) => {
    const updatedAt = NOW - r.updatedAgoMs;
    const parked = r.parkedCheck ? { parked: { at: NOW - 60_000, nextCheckAt: NOW, count: 1, reason: 'ETIMEDOUT' } } : {};
    return {
      venue: r.venue,
      expiresAt: r.expiresAt,
      stored: { ...r.stored, ...parked },
      createdAt: updatedAt - r.ageMs,
      updatedAt,
      canLookUp: r.canLookUp,
      maxSends: r.parkedCheck ? 1 : r.maxSends,
      maxLookups: r.parkedCheck ? 1 : r.maxLookups,
      parkedCheck: r.parkedCheck,
      lastOutcome: r.lastOutcome,
      hold: { endsAt: r.holdEndsAt, cause: r.holdCause },
      deadlineMs: r.deadlineMs,
      maxRetryAfterMs: r.maxRetryAfterMs,
      verdicts: r.verdicts,
      answers: r.answers,
      ioMs: r.ioMs,
      backoffsMs: r.backoffsMs,
    };
  });

/** A "not found" from the run's latest lookup, with what it was judged against. */
interface NotFoundEvidence {
  readonly startedAt: number;
  readonly stored: StoredOutcome;
  readonly updatedAt: number;
}

/** What a send from `unknown` stands on. */
type Basis = 'keyStore' | 'notFound';

/**
 * Follows `decideFn` from the scenario's unknown state. Returns the first violation of
 * the rule, or `undefined`; `sends` collects the basis of every send from unknown.
 */
function explore(decideFn: Decide, sc: Scenario, sends: Basis[] = []): string | undefined {
  let status: DecisionState['status'] = 'unknown';
  let storedNow = sc.stored;
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
      venueHold: hold,
      protection: NO_PROTECTION,
      attemptsSoFar: sent,
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
    if (step.kind === 'send' && status === 'unknown') {
      if (!withinKeyWindow(state)) return `send at ${now - NOW} ms outside the key window (expiresAt ${String(sc.expiresAt === undefined ? undefined : sc.expiresAt - NOW)})`;
      const keyStore = settlesByResend(sc.venue.dedupe) && storedNow.replayed !== true && lastOutcome?.shouldRetry !== false;
      const findable = (at: number): boolean => sc.venue.findableForMs === undefined || at - sc.createdAt < sc.venue.findableForMs;
      const notFound =
        evidence !== undefined &&
        sc.venue.notFoundIsAuthoritative &&
        evidence.stored.replayed !== true &&
        findable(evidence.startedAt) &&
        evidence.startedAt >= notFoundBelievableAt({ stored: evidence.stored, updatedAt: evidence.updatedAt, venue: sc.venue });
      if (!keyStore && !notFound) return `send at ${now - NOW} ms without an authoritative "not found" past the settle delay (evidence: ${JSON.stringify(evidence)})`;
      sends.push(keyStore ? 'keyStore' : 'notFound');
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
        // Back to pending: proof this attempt did not execute, and no earlier one may have.
        if (step.to === 'pending') return undefined;
        status = 'unknown';
        storedNow = {
          kind: step.record.asUnknown ? 'unknown' : answered.outcome.kind,
          reason: step.record.reason ?? answered.outcome.reason,
          ...(answered.outcome.replayed === true ? { replayed: true } : {}),
          ...(step.record.stampDispatch ? { sentBy: now } : {}),
        };
        updatedAt = now;
        if (step.holdVenueForMs !== undefined) hold = { endsAt: now + step.holdVenueForMs, cause: 'venueBan' };
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
