import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/classify/outcome.js';
import { decide, NO_PROTECTION, type DecisionState, type LastStep, type ProtectionFacts, type Resume, type Step, type VenueFacts } from '../../../src/client/decide.js';
import type { ParkedState, StoredOutcome } from '../../../src/ledger/intent.js';

// The resume rules and the failure-mode matrix of docs/design.md, one row per rule:
// a state, and the step decide() must choose from it.

const NOW = 1_700_000_000_000;
const DAY = 86_400_000;

/** An exchange: open-orders dedupe, lookup by client id, "not found" authoritative after 5 s. */
const exchange: VenueFacts = { name: 'exchange', dedupe: { kind: 'openOrders' }, notFoundIsAuthoritative: true, settleDelayMs: 5_000 };
/** A payments API whose key store keeps every answer for a day. */
const keyStore: VenueFacts = { name: 'payments', dedupe: { kind: 'keyStore', retentionMs: DAY }, notFoundIsAuthoritative: false, settleDelayMs: 5_000 };
/** A key store that keeps successes only: a resend does not settle an unknown outcome. */
const successesOnly: VenueFacts = { name: 'cards', dedupe: { kind: 'keyStore', retentionMs: DAY, stores: 'successes' }, notFoundIsAuthoritative: true, settleDelayMs: 5_000 };
/** No dedupe, lookups not authoritative. */
const noDedupe: VenueFacts = { name: 'plain', dedupe: { kind: 'none' }, notFoundIsAuthoritative: false, settleDelayMs: 5_000 };
/** Orders findable by lookup for one minute after creation. */
const shortMemory: VenueFacts = { ...exchange, name: 'short', findableForMs: 60_000 };

const success: Outcome = { kind: 'success', reason: 'HTTP 200', httpStatus: 200 };
const fatal: Outcome = { kind: 'fatal', reason: 'HTTP 400', httpStatus: 400 };
const retry: Outcome = { kind: 'retry', reason: 'ECONNREFUSED' };
const resign: Outcome = { kind: 'resign', reason: 'exchange -1021' };
const rateLimited: Outcome = { kind: 'rateLimited', reason: 'HTTP 429', retryAfterMs: 2_000, scope: 'request' };
const rateLimitedNoHint: Outcome = { kind: 'rateLimited', reason: 'HTTP 429', scope: 'request' };
const ban: Outcome = { kind: 'rateLimited', reason: 'HTTP 418', retryAfterMs: 20_000, scope: 'venue' };
const unknown: Outcome = { kind: 'unknown', reason: 'ETIMEDOUT' };
const inProgress: Outcome = { kind: 'conflict', conflict: 'inProgress', reason: 'HTTP 409 key in use' };
const duplicate: Outcome = { kind: 'conflict', conflict: 'duplicate', reason: 'duplicate order' };
const replayedError: Outcome = { kind: 'unknown', reason: 'HTTP 500', replayed: true };
const noRetry: Outcome = { kind: 'unknown', reason: 'HTTP 500', shouldRetry: false };

const storedUnknown: StoredOutcome = { kind: 'unknown', reason: 'ETIMEDOUT', sentBy: NOW - 10_000 };
const storedRecent: StoredOutcome = { kind: 'unknown', reason: 'ETIMEDOUT', sentBy: NOW - 1_000 };
const storedReplayed: StoredOutcome = { kind: 'unknown', reason: 'HTTP 500', replayed: true, sentBy: NOW - 10_000 };
const dueCheck: ParkedState = { at: NOW - 60_000, nextCheckAt: NOW - 1, count: 2, reason: 'ETIMEDOUT' };
const parkedDue: StoredOutcome = { ...storedUnknown, parked: dueCheck };
const parkedLater: StoredOutcome = { ...storedUnknown, parked: { at: NOW - 60_000, nextCheckAt: NOW + 30_000, count: 2, reason: 'ETIMEDOUT' } };
const resolvedNotExecuted: StoredOutcome = {
  kind: 'resolved',
  reason: 'notExecuted per ops',
  resolution: { verdict: 'notExecuted', by: 'ops', at: NOW - 5_000, reason: 'checked the venue', previous: { status: 'unknown', reason: 'ETIMEDOUT' } },
};

function state(over: Partial<DecisionState> = {}): DecisionState {
  return {
    status: 'pending',
    stored: undefined,
    createdAt: NOW - 20_000,
    updatedAt: NOW - 10_000,
    expiresAt: undefined,
    nowAt: NOW,
    deadlineAt: NOW + 60_000,
    deadlineMs: 60_000,
    maxRetryAfterMs: 30_000,
    venue: exchange,
    venueHold: { endsAt: 0, cause: 'venueBan' },
    protection: NO_PROTECTION,
    attemptsSoFar: 0,
    canLookUp: true,
    sendsThisRun: 0,
    maxSends: 5,
    lookupsThisRun: 0,
    maxLookups: 5,
    parkedCheck: false,
    lastOutcome: undefined,
    aborted: false,
    nextBackoffMs: undefined,
    last: { kind: 'start' },
    ...over,
  };
}

/** Unknown, after this run's lookup gave `verdict`. */
function lookedUp(verdict: Extract<DecisionState['last'], { kind: 'lookedUp' }>['verdict'], over: Partial<DecisionState> = {}): DecisionState {
  return state({ status: 'unknown', stored: storedUnknown, lookupsThisRun: 1, last: { kind: 'lookedUp', verdict, startedAt: over.nowAt ?? NOW }, ...over });
}

function answered(outcome: Outcome, over: Partial<DecisionState> = {}, earlierMayHaveExecuted = false, refusedForWindow = false): DecisionState {
  return state({ status: 'inFlight', sendsThisRun: 1, lastOutcome: outcome, last: { kind: 'answered', outcome, earlierMayHaveExecuted, refusedForWindow }, ...over });
}

function recorded(outcome: Outcome, status: 'pending' | 'unknown', over: Partial<DecisionState> = {}, earlierMayHaveExecuted = false): DecisionState {
  return state({ status, sendsThisRun: 1, lastOutcome: outcome, last: { kind: 'answerRecorded', outcome, earlierMayHaveExecuted }, ...over });
}

interface Row {
  readonly rule: string;
  readonly state: DecisionState;
  /** The fields the step must have (a partial match: nested objects too). */
  readonly step: { readonly kind: Step['kind'] } & Record<string, unknown>;
  /** Fields the step must not carry. */
  readonly absent?: readonly string[];
}

/** The breaker holds sends back until `sendAt`, lookups until `lookupAt` (either may be absent). */
function breaker(whenOpen: 'fail' | 'wait', sendAt: number | undefined, lookupAt?: number): ProtectionFacts {
  return { circuit: { ...(sendAt === undefined ? {} : { sendRetryAt: sendAt }), ...(lookupAt === undefined ? {} : { lookupRetryAt: lookupAt }), whenOpen, reason: '5 failures in a row' } };
}

/** The retry budget pays a resend in `resendInMs`, a lookup in `lookupInMs` (0: now; Infinity: never). */
function budget(resendInMs: number, lookupInMs: number, whenEmpty: 'wait' | 'stop'): ProtectionFacts {
  return { budget: { resendInMs, lookupInMs, whenEmpty } };
}

const sendFirst: Resume = { to: 'send', resend: false, earlierMayHaveExecuted: false };
const resendAfterNotFound: Resume = { to: 'send', resend: true, earlierMayHaveExecuted: false };
const keyStoreResend: Resume = { to: 'send', resend: true, earlierMayHaveExecuted: true };

/** The rate limiter had no room for the request the last step asked for. */
function throttled(before: 'send' | 'lookup', retryInMs: number, resume: Resume): LastStep {
  return { kind: 'throttled', retryInMs, limitId: 'weight-1m', before, resume };
}

/** Pending, after a retry-safe answer and its backoff: the next send is a resend (paid by the budget). */
function pendingResend(over: Partial<DecisionState> = {}): DecisionState {
  return state({ sendsThisRun: 1, attemptsSoFar: 1, lastOutcome: retry, last: { kind: 'waited', resume: { to: 'rules' } }, ...over });
}

/** Unknown at a key store inside its window, after the resend's backoff. */
function keyStoreAfterBackoff(over: Partial<DecisionState> = {}): DecisionState {
  return state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, attemptsSoFar: 1, sendsThisRun: 1, last: { kind: 'waited', resume: { to: 'resend', earlierMayHaveExecuted: true } }, ...over });
}

/** Unknown at the exchange, looking it up. */
function unknownLookup(over: Partial<DecisionState> = {}): DecisionState {
  return state({ status: 'unknown', stored: storedUnknown, attemptsSoFar: 1, ...over });
}

const parkedCheck: Partial<DecisionState> = { status: 'unknown', stored: parkedDue, parkedCheck: true, maxSends: 1, maxLookups: 1, attemptsSoFar: 1 };

// Protection: the breaker, the retry budget and the rate limiter. None of them turns an
// unknown outcome into a failure (it parks or waits), nothing is sent while the breaker
// holds sends, a pending intent they stop is stopped without a write (it stays pending),
// first attempts are free, lookups are paid, and a parked intent's check never waits.
const protectionRows: readonly Row[] = [
  // The breaker, pending first send.
  {
    rule: 'breaker fail, pending first send: stop circuitOpen, nothing sent or written',
    state: state({ protection: breaker('fail', NOW + 10_000) }),
    step: { kind: 'stop', error: { kind: 'circuitOpen', retryAt: NOW + 10_000, reason: '5 failures in a row' }, held: { cause: 'circuitOpen', before: 'send', action: 'stop' } },
  },
  {
    rule: 'breaker wait, pending first send: wait until it lets one through, then send',
    state: state({ protection: breaker('wait', NOW + 10_000) }),
    step: { kind: 'wait', ms: 10_000, before: 'send', cause: 'circuitOpen', resume: sendFirst, held: { cause: 'circuitOpen', before: 'send', action: 'wait' } },
  },
  {
    rule: 'breaker wait past the deadline, pending: stop circuitOpen as in fail mode',
    state: state({ protection: breaker('wait', NOW + 70_000) }),
    step: { kind: 'stop', error: { kind: 'circuitOpen', retryAt: NOW + 70_000 }, held: { cause: 'circuitOpen', before: 'send', action: 'stop' } },
  },
  {
    rule: 'breaker wait ending exactly at the deadline: stop circuitOpen (the send could not leave in time)',
    state: state({ protection: breaker('wait', NOW + 60_000) }),
    step: { kind: 'stop', error: { kind: 'circuitOpen', retryAt: NOW + 60_000 }, held: { action: 'stop' } },
  },
  { rule: 'breaker holds lookups only: a pending send goes', state: state({ protection: breaker('fail', undefined, NOW + 10_000) }), step: { kind: 'send', resend: false }, absent: ['held'] },

  // The breaker, pending resend.
  {
    rule: 'breaker fail, pending resend after a retry-safe answer: stop circuitOpen, stays pending',
    state: pendingResend({ protection: breaker('fail', NOW + 4_000) }),
    step: { kind: 'stop', error: { kind: 'circuitOpen', retryAt: NOW + 4_000 }, held: { cause: 'circuitOpen', before: 'send', action: 'stop' } },
  },
  {
    rule: 'breaker wait, pending resend: wait for it, resume with the send',
    state: pendingResend({ protection: breaker('wait', NOW + 4_000) }),
    step: { kind: 'wait', ms: 4_000, before: 'send', cause: 'circuitOpen', resume: sendFirst, held: { action: 'wait' } },
  },

  // The breaker, unknown: resend after an authoritative "not found", and the key-store resend.
  {
    rule: 'notFound authoritative, breaker fail: park until it lets requests through, never failed',
    state: lookedUp({ found: 'notFound' }, { attemptsSoFar: 1, protection: breaker('fail', NOW + 10_000) }),
    step: {
      kind: 'park',
      reason: 'circuit open for exchange (5 failures in a row); reconciled once it lets requests through',
      notBeforeAt: NOW + 10_000,
      reconcile: { lookup: 'notFound', action: 'resend' },
      held: { cause: 'circuitOpen', before: 'send', action: 'park' },
    },
  },
  {
    rule: 'notFound authoritative, breaker wait: wait, then the resend',
    state: lookedUp({ found: 'notFound' }, { attemptsSoFar: 1, protection: breaker('wait', NOW + 10_000) }),
    step: { kind: 'wait', ms: 10_000, before: 'send', cause: 'circuitOpen', resume: resendAfterNotFound, reconcile: { lookup: 'notFound', action: 'resend' }, held: { action: 'wait' } },
  },
  {
    rule: 'notFound authoritative, breaker wait past the deadline: park, never failed',
    state: lookedUp({ found: 'notFound' }, { attemptsSoFar: 1, protection: breaker('wait', NOW + 90_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 90_000, held: { cause: 'circuitOpen', action: 'park' } },
  },
  {
    rule: 'key-store resend after its backoff, breaker fail: park, no send',
    state: keyStoreAfterBackoff({ protection: breaker('fail', NOW + 8_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 8_000, held: { cause: 'circuitOpen', before: 'send', action: 'park' } },
  },
  {
    rule: 'key-store resend after its backoff, breaker wait: wait, resume the same-key send',
    state: keyStoreAfterBackoff({ protection: breaker('wait', NOW + 8_000) }),
    step: { kind: 'wait', ms: 8_000, before: 'send', cause: 'circuitOpen', resume: keyStoreResend, held: { action: 'wait' } },
  },

  // The breaker holds lookups back.
  {
    rule: 'unknown, lookups held, breaker fail: park until lookups go, never failed',
    state: unknownLookup({ protection: breaker('fail', NOW + 6_000, NOW + 6_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 6_000, held: { cause: 'circuitOpen', before: 'lookup', action: 'park' } },
  },
  {
    rule: 'unknown, lookups held, breaker wait: wait, then the unknown rules afresh',
    state: unknownLookup({ protection: breaker('wait', undefined, NOW + 6_000) }),
    step: { kind: 'wait', ms: 6_000, before: 'lookup', cause: 'circuitOpen', resume: { to: 'rules' }, held: { cause: 'circuitOpen', before: 'lookup', action: 'wait' } },
  },
  {
    rule: 'unknown, lookups held past the deadline, breaker wait: park',
    state: unknownLookup({ protection: breaker('wait', undefined, NOW + 61_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 61_000, held: { before: 'lookup', action: 'park' } },
  },
  { rule: 'unknown, the breaker holds sends only: the lookup goes', state: unknownLookup({ protection: breaker('fail', NOW + 6_000) }), step: { kind: 'lookup' }, absent: ['held'] },
  {
    rule: 'unknown, key window passed, lookups held: the park carries keyExpired and held',
    state: unknownLookup({ venue: keyStore, expiresAt: NOW, protection: breaker('fail', undefined, NOW + 6_000) }),
    step: { kind: 'park', keyExpired: 'resend', held: { cause: 'circuitOpen', before: 'lookup', action: 'park' } },
  },

  // Parked checks never wait.
  {
    rule: 'parked check, lookups held, breaker wait: park until it lets them through (no wait)',
    state: state({ ...parkedCheck, protection: breaker('wait', undefined, NOW + 6_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 6_000, held: { cause: 'circuitOpen', before: 'lookup', action: 'park' } },
  },
  {
    rule: 'parked check, the budget cannot pay its lookup yet (wait mode): park for the next check',
    state: state({ ...parkedCheck, protection: budget(0, 500, 'wait') }),
    step: { kind: 'park', reason: 'ETIMEDOUT (next check after a retryBudget wait)', notBeforeAt: NOW + 500, held: { cause: 'retryBudget', before: 'lookup', action: 'park' } },
  },
  {
    rule: 'parked check at a key store, sends held: park, the skipped-lookup report kept',
    state: state({ ...parkedCheck, venue: keyStore, expiresAt: NOW + DAY, protection: breaker('wait', NOW + 2_000) }),
    step: { kind: 'park', notBeforeAt: NOW + 2_000, reconcile: { lookup: 'skipped', action: 'resend' }, held: { cause: 'circuitOpen', before: 'send', action: 'park' } },
  },
  {
    rule: 'parked check throttled by the rate limiter: park for the next check, no wait',
    state: state({ ...parkedCheck, last: throttled('lookup', 900, { to: 'rules' }) }),
    step: { kind: 'park', notBeforeAt: NOW + 900, held: { cause: 'rateLimiter', before: 'lookup', action: 'park' } },
  },

  // The retry budget: first attempts are free, resends and lookups are paid.
  { rule: 'budget empty, pending first attempt: sent (first attempts are not paid)', state: state({ protection: budget(Infinity, Infinity, 'stop') }), step: { kind: 'send', resend: false }, absent: ['held'] },
  {
    rule: 'budget empty (stop), pending resend: stop retryBudget, nothing written',
    state: pendingResend({ protection: budget(2_000, 0, 'stop') }),
    step: {
      kind: 'stop',
      error: { kind: 'exhausted', reason: 'retryBudget', detail: "the client's retry budget cannot pay for another attempt (a token in 2000 ms)" },
      held: { cause: 'retryBudget', before: 'send', action: 'stop' },
    },
  },
  {
    rule: 'budget empty (wait), pending resend: wait for the token, then send',
    state: pendingResend({ protection: budget(2_000, 0, 'wait') }),
    step: { kind: 'wait', ms: 2_000, before: 'send', cause: 'retryBudget', resume: sendFirst, held: { cause: 'retryBudget', before: 'send', action: 'wait' } },
  },
  {
    rule: 'budget wait past the deadline, pending resend: stop retryBudget',
    state: pendingResend({ protection: budget(70_000, 0, 'wait') }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryBudget' }, held: { action: 'stop' } },
  },
  {
    rule: 'budget wait ending exactly at the deadline: stop retryBudget (the resend could not leave in time)',
    state: pendingResend({ protection: budget(60_000, 0, 'wait') }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryBudget' }, held: { action: 'stop' } },
  },
  {
    rule: 'budget with no refill (Infinity), wait mode, pending resend: stop retryBudget, no endless wait',
    state: pendingResend({ protection: budget(Infinity, 0, 'wait') }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryBudget', detail: "the client's retry budget cannot pay for another attempt (no refill configured)" }, held: { action: 'stop' } },
  },
  { rule: 'budget: a resend it can pay now goes', state: pendingResend({ protection: budget(0, 0, 'stop') }), step: { kind: 'send', resend: false }, absent: ['held'] },
  {
    rule: 'budget empty for lookups (wait): wait before the lookup',
    state: unknownLookup({ protection: budget(0, 1_500, 'wait') }),
    step: { kind: 'wait', ms: 1_500, before: 'lookup', cause: 'retryBudget', resume: { to: 'rules' }, held: { cause: 'retryBudget', before: 'lookup', action: 'wait' } },
  },
  {
    rule: 'budget empty for lookups (stop): park the unknown intent, never fail it',
    state: unknownLookup({ protection: budget(0, 1_500, 'stop') }),
    step: { kind: 'park', reason: "the client's retry budget cannot pay for another lookup (a token in 1500 ms)", notBeforeAt: NOW + 1_500, held: { cause: 'retryBudget', before: 'lookup', action: 'park' } },
  },
  {
    rule: 'budget with no refill for lookups (wait): park with no next check time',
    state: unknownLookup({ protection: budget(0, Infinity, 'wait') }),
    step: { kind: 'park', reason: "the client's retry budget cannot pay for another lookup (no refill configured)", held: { cause: 'retryBudget', action: 'park' } },
    absent: ['notBeforeAt'],
  },
  { rule: 'budget pays lookups, resends empty: the lookup goes', state: unknownLookup({ protection: budget(Infinity, 0, 'stop') }), step: { kind: 'lookup' }, absent: ['held'] },
  {
    rule: 'budget lookups paid even on the first attempt of an unknown intent (attemptsSoFar 0)',
    state: unknownLookup({ attemptsSoFar: 0, protection: budget(0, 800, 'wait') }),
    step: { kind: 'wait', ms: 800, before: 'lookup', cause: 'retryBudget' },
  },
  {
    rule: 'notFound authoritative, budget cannot pay the resend (stop): park, never failed',
    state: lookedUp({ found: 'notFound' }, { attemptsSoFar: 1, protection: budget(3_000, 0, 'stop') }),
    step: { kind: 'park', reason: "the client's retry budget cannot pay for another resend (a token in 3000 ms)", notBeforeAt: NOW + 3_000, reconcile: { lookup: 'notFound', action: 'resend' }, held: { cause: 'retryBudget', before: 'send', action: 'park' } },
  },
  {
    rule: 'key-store resend after its backoff, budget wait: wait for the token, resume the same-key send',
    state: keyStoreAfterBackoff({ protection: budget(1_000, 0, 'wait') }),
    step: { kind: 'wait', ms: 1_000, before: 'send', cause: 'retryBudget', resume: keyStoreResend, held: { cause: 'retryBudget', action: 'wait' } },
  },
  {
    rule: 'key-store resend, budget wait past the deadline: park (unknown), never exhaust',
    state: keyStoreAfterBackoff({ protection: budget(65_000, 0, 'wait') }),
    step: { kind: 'park', notBeforeAt: NOW + 65_000, held: { cause: 'retryBudget', action: 'park' } },
  },
  {
    rule: 'breaker and budget both hold a resend: the breaker is named',
    state: pendingResend({ protection: { ...breaker('wait', NOW + 3_000), ...budget(9_000, 0, 'stop') } }),
    step: { kind: 'wait', ms: 3_000, cause: 'circuitOpen', held: { cause: 'circuitOpen' } },
  },

  // The rate limiter had no room (the runner's `throttled`): wait within the deadline.
  {
    rule: 'throttled before a first send: wait for room, then go where it was going',
    state: state({ last: throttled('send', 800, sendFirst) }),
    step: { kind: 'wait', ms: 800, before: 'send', cause: 'rateLimiter', resume: sendFirst, held: { cause: 'rateLimiter', before: 'send', action: 'wait' } },
  },
  {
    rule: 'throttled before a send past the deadline, pending: stop deadline, the held report says stop',
    state: state({ last: throttled('send', 70_000, sendFirst) }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'deadline', detail: 'the next wait (70000 ms) would pass the 60000 ms deadline' }, held: { cause: 'rateLimiter', before: 'send', action: 'stop' } },
  },
  {
    rule: 'throttled before a lookup: wait for room, then the unknown rules afresh',
    state: unknownLookup({ last: throttled('lookup', 1_200, { to: 'rules' }) }),
    step: { kind: 'wait', ms: 1_200, before: 'lookup', cause: 'rateLimiter', resume: { to: 'rules' }, held: { cause: 'rateLimiter', before: 'lookup', action: 'wait' } },
  },
  {
    rule: 'throttled before a lookup past the deadline: park (unknown), the held report says park',
    state: unknownLookup({ last: throttled('lookup', 61_000, { to: 'rules' }) }),
    step: { kind: 'park', reason: 'the next wait (61000 ms) would pass the 60000 ms deadline', notBeforeAt: NOW + 61_000, held: { cause: 'rateLimiter', before: 'lookup', action: 'park' } },
  },
  {
    rule: 'throttled before a resend from unknown past the deadline: park, never failed',
    state: keyStoreAfterBackoff({ last: throttled('send', 80_000, keyStoreResend) }),
    step: { kind: 'park', notBeforeAt: NOW + 80_000, held: { cause: 'rateLimiter', before: 'send', action: 'park' } },
  },

  // After a protection wait (`waited`, resume send) the gates are asked again; the venue hold comes first.
  {
    rule: 'after a breaker wait, still open: wait again, never send',
    state: state({ protection: breaker('wait', NOW + 3_000), last: { kind: 'waited', resume: sendFirst } }),
    step: { kind: 'wait', ms: 3_000, cause: 'circuitOpen', resume: sendFirst, held: { cause: 'circuitOpen', action: 'wait' } },
  },
  {
    rule: 'after a throttle wait, the breaker opened meanwhile (fail): stop circuitOpen, nothing sent',
    state: state({ protection: breaker('fail', NOW + 3_000), last: { kind: 'waited', resume: sendFirst } }),
    step: { kind: 'stop', error: { kind: 'circuitOpen' }, held: { cause: 'circuitOpen', action: 'stop' } },
  },
  {
    rule: 'after a budget wait, the budget still cannot pay (stop): stop retryBudget',
    state: pendingResend({ protection: budget(500, 0, 'stop'), last: { kind: 'waited', resume: sendFirst } }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryBudget' }, held: { cause: 'retryBudget', action: 'stop' } },
  },
  {
    rule: 'after a breaker wait of a resend from unknown, breaker fail: park, never send',
    state: lookedUp({ found: 'notFound' }, { attemptsSoFar: 1, protection: breaker('fail', NOW + 3_000), last: { kind: 'waited', resume: resendAfterNotFound } }),
    step: { kind: 'park', held: { cause: 'circuitOpen', before: 'send', action: 'park' } },
  },
  { rule: 'after a protection wait, everything lets it through: send', state: pendingResend({ protection: budget(0, 0, 'wait'), last: { kind: 'waited', resume: sendFirst } }), step: { kind: 'send', resend: false }, absent: ['held'] },
  {
    rule: 'venue hold and breaker both on: the venue hold is waited out first',
    state: state({ venueHold: { endsAt: NOW + 3_000, cause: 'venueBan' }, protection: breaker('wait', NOW + 10_000) }),
    step: { kind: 'wait', ms: 3_000, cause: 'venueBan', resume: { ...sendFirst, heldUntil: NOW + 3_000 } },
    absent: ['held'],
  },
  {
    rule: 'after the venue-hold wait, the breaker opened meanwhile: wait for it (resume without heldUntil)',
    state: state({ venueHold: { endsAt: NOW + 5, cause: 'venueBan' }, protection: breaker('wait', NOW + 4_000), last: { kind: 'waited', resume: { ...sendFirst, heldUntil: NOW + 5 } } }),
    step: { kind: 'wait', ms: 4_000, cause: 'circuitOpen', resume: sendFirst, held: { cause: 'circuitOpen', action: 'wait' } },
  },
  {
    rule: 'after a protection wait, a venue hold set meanwhile: wait the hold out, never send',
    state: state({ venueHold: { endsAt: NOW + 5_000, cause: 'venueBan' }, last: { kind: 'waited', resume: sendFirst } }),
    step: { kind: 'wait', ms: 5_000, cause: 'venueBan', resume: { ...sendFirst, heldUntil: NOW + 5_000 } },
    absent: ['held'],
  },
  {
    rule: 'after the venue-hold wait, the hold was extended meanwhile (another ban): wait the rest, never send',
    state: state({ venueHold: { endsAt: NOW + 7_000, cause: 'venueBan' }, last: { kind: 'waited', resume: { ...sendFirst, heldUntil: NOW - 2 } } }),
    step: { kind: 'wait', ms: 7_000, cause: 'venueBan', resume: { ...sendFirst, heldUntil: NOW + 7_000 } },
  },
  {
    rule: 'after a throttle wait of a pending send that outlasted the key window: fail it unsent, no send',
    state: state({ expiresAt: NOW, last: { kind: 'waited', resume: sendFirst } }),
    step: { kind: 'settle', status: 'failed', keyExpired: 'beforeSend' },
  },
];

const rows: readonly Row[] = [
  // Resume rules: what the ledger holds at start.
  { rule: 'pending at start: send with the stored key', state: state(), step: { kind: 'send', resend: false, earlierMayHaveExecuted: false } },
  { rule: 'pending inside the key window: send', state: state({ expiresAt: NOW + 1 }), step: { kind: 'send', resend: false } },
  {
    rule: 'pending, expiresAt passed: fail it unsent (deadline), report keyExpired beforeSend',
    state: state({ expiresAt: NOW }),
    step: {
      kind: 'settle',
      status: 'failed',
      outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'expired before it was sent' } },
      error: { kind: 'exhausted', reason: 'deadline', detail: 'the intent expired before it was sent' },
      keyExpired: 'beforeSend',
    },
  },
  { rule: 'pending, maxAttempts spent this run: stop maxAttempts', state: state({ sendsThisRun: 5 }), step: { kind: 'stop', error: { kind: 'exhausted', reason: 'maxAttempts', detail: '5 attempt(s) sent' } } },
  { rule: 'pending, expiry checked before maxAttempts', state: state({ sendsThisRun: 5, expiresAt: NOW - 1 }), step: { kind: 'settle', status: 'failed' } },
  {
    rule: 'pending under a venue ban: wait the ban out, then send',
    state: state({ venueHold: { endsAt: NOW + 3_000, cause: 'venueBan' } }),
    step: { kind: 'wait', ms: 3_000, before: 'send', cause: 'venueBan', resume: { to: 'send', resend: false, earlierMayHaveExecuted: false, heldUntil: NOW + 3_000 } },
  },
  { rule: 'pending under a usage pause: the wait names rateLimitUsage', state: state({ venueHold: { endsAt: NOW + 500, cause: 'rateLimitUsage' } }), step: { kind: 'wait', ms: 500, cause: 'rateLimitUsage' } },
  { rule: 'pending, a hold that has ended: send at once', state: state({ venueHold: { endsAt: NOW, cause: 'venueBan' } }), step: { kind: 'send' } },
  {
    rule: 'pending, a hold longer than maxRetryAfterMs: stop retryAfterTooLong (not ambiguous)',
    state: state({ venueHold: { endsAt: NOW + 40_000, cause: 'venueBan' } }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryAfterTooLong', retryAfterMs: 40_000 } },
  },
  {
    rule: 'pending, a hold past the deadline: stop deadline',
    state: state({ venueHold: { endsAt: NOW + 20_000, cause: 'venueBan' }, deadlineAt: NOW + 10_000, deadlineMs: 10_000 }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'deadline', detail: 'the next wait (20000 ms) would pass the 10000 ms deadline' } },
  },
  {
    rule: 'after the hold wait: send without asking the hold again',
    state: state({ venueHold: { endsAt: NOW + 5, cause: 'venueBan' }, last: { kind: 'waited', resume: { to: 'send', resend: false, earlierMayHaveExecuted: false, heldUntil: NOW + 5 } } }),
    step: { kind: 'send', resend: false },
  },
  { rule: "pending after a person's verdict (notExecuted): send again with the same key", state: state({ stored: resolvedNotExecuted }), step: { kind: 'send', resend: false } },
  { rule: 'inFlight found at start: record unknown (never pending, never failed)', state: state({ status: 'inFlight' }), step: { kind: 'record', to: 'unknown', cause: 'inFlightAtStart' } },
  { rule: 'succeeded at start: return the stored result', state: state({ status: 'succeeded' }), step: { kind: 'finished' } },
  { rule: 'failed at start: throw the stored rejection', state: state({ status: 'failed' }), step: { kind: 'stop', error: { kind: 'rejected' } } },
  { rule: 'unknown after the in-flight record: look it up first', state: state({ status: 'unknown', stored: storedUnknown, last: { kind: 'recorded' } }), step: { kind: 'lookup' } },

  // Parked intents.
  { rule: 'parked, not due: stop without a request or a write', state: state({ status: 'unknown', stored: parkedLater }), step: { kind: 'stop', error: { kind: 'parkedNotDue', nextCheckAt: NOW + 30_000, reason: 'ETIMEDOUT' } } },
  { rule: 'parked, due: one lookup', state: state({ status: 'unknown', stored: parkedDue, parkedCheck: true, maxSends: 1, maxLookups: 1 }), step: { kind: 'lookup' } },
  {
    rule: 'parked check, key store inside its window: one resend with no backoff wait',
    state: state({ status: 'unknown', stored: parkedDue, parkedCheck: true, maxSends: 1, maxLookups: 1, venue: keyStore, expiresAt: NOW + DAY }),
    step: { kind: 'send', resend: true, earlierMayHaveExecuted: true, reconcile: { lookup: 'skipped', action: 'resend' } },
  },
  {
    rule: 'parked check, "not found" before the settle delay: park again, no wait',
    state: lookedUp({ found: 'notFound' }, { stored: { ...storedRecent, parked: dueCheck }, parkedCheck: true, maxSends: 1, maxLookups: 1 }),
    step: { kind: 'park', reason: 'ETIMEDOUT (next check after a settle wait)', notBeforeAt: NOW + 4_000, reconcile: { lookup: 'notFound', action: 'wait' } },
  },
  {
    rule: 'parked check, lookup inconclusive: park again (its one lookup is spent)',
    state: lookedUp({ found: 'inconclusive', reason: 'HTTP 503' }, { stored: parkedDue, parkedCheck: true, maxSends: 1, maxLookups: 1 }),
    step: { kind: 'park', reason: 'reconcile lookups inconclusive (HTTP 503)', reconcile: { lookup: 'inconclusive', action: 'giveUp' } },
  },
  {
    rule: 'parked check, key store, hold on: park rather than wait',
    state: state({ status: 'unknown', stored: parkedDue, parkedCheck: true, maxSends: 1, maxLookups: 1, venue: keyStore, expiresAt: NOW + DAY, venueHold: { endsAt: NOW + 1_000, cause: 'venueBan' } }),
    step: { kind: 'park', reason: 'ETIMEDOUT (next check after a venueBan wait)', notBeforeAt: NOW + 1_000 },
  },
  { rule: 'parked, not due is checked only at start', state: state({ status: 'unknown', stored: parkedLater, last: { kind: 'recorded' } }), step: { kind: 'lookup' } },

  // Unknown outcomes: key store inside / outside its window.
  { rule: 'unknown, key store inside its window: ask for a backoff draw before the resend', state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY }), step: { kind: 'drawBackoff' } },
  {
    rule: 'unknown, key store inside its window: the resend is the reconcile (skipped lookup), after a backoff',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, nextBackoffMs: 250 }),
    step: { kind: 'wait', ms: 250, before: 'send', cause: 'unknown', resume: { to: 'resend', earlierMayHaveExecuted: true }, reconcile: { lookup: 'skipped', action: 'resend' } },
  },
  {
    rule: 'key-store resend after its backoff: send, earlier attempt may have executed',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, sendsThisRun: 1, last: { kind: 'waited', resume: { to: 'resend', earlierMayHaveExecuted: true } } }),
    step: { kind: 'send', resend: true, earlierMayHaveExecuted: true },
  },
  {
    rule: 'key-store resend after its backoff, venue held: wait the hold (ambiguous: park on a stop)',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, venueHold: { endsAt: NOW + 700, cause: 'venueBan' }, last: { kind: 'waited', resume: { to: 'resend', earlierMayHaveExecuted: true } } }),
    step: { kind: 'wait', ms: 700, cause: 'venueBan', resume: { to: 'send', resend: true, earlierMayHaveExecuted: true } },
  },
  {
    rule: 'key-store resend, hold past maxRetryAfterMs: park (the outcome is unknown), never exhaust',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, venueHold: { endsAt: NOW + 45_000, cause: 'venueBan' }, last: { kind: 'waited', resume: { to: 'resend', earlierMayHaveExecuted: true } } }),
    step: { kind: 'park', reason: 'the venue asked to wait 45000 ms, more than maxRetryAfterMs (30000)', notBeforeAt: NOW + 45_000 },
  },
  {
    rule: 'key-store resend after a rate limit: the wait honours its Retry-After',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, lastOutcome: rateLimited, nextBackoffMs: 100 }),
    step: { kind: 'wait', ms: 2_000, cause: 'rateLimited' },
  },
  {
    rule: 'key-store resend wait past the deadline: park with the deadline reason',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, nextBackoffMs: 5_000, deadlineAt: NOW + 4_000, deadlineMs: 4_000 }),
    step: { kind: 'park', reason: 'the next wait (5000 ms) would pass the 4000 ms deadline', notBeforeAt: NOW + 5_000 },
  },
  { rule: 'unknown, key store outside its window: no resend; look it up, report keyExpired', state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW }), step: { kind: 'lookup', keyExpired: 'resend' } },
  {
    rule: 'unknown, key store outside its window, no lookup: park for a person',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW - 1, canLookUp: false }),
    step: { kind: 'park', reason: 'ETIMEDOUT', keyExpired: 'resend', reconcile: { lookup: 'skipped', action: 'giveUp' } },
  },
  { rule: 'unknown, key store with no known expiry: outside its window (no resend)', state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore }), step: { kind: 'lookup', keyExpired: 'resend' } },
  { rule: 'unknown, successes-only key store: look up before any resend', state: state({ status: 'unknown', stored: storedUnknown, venue: successesOnly, expiresAt: NOW + DAY }), step: { kind: 'lookup' } },
  {
    rule: 'unknown, key store, sends spent: fall through to a lookup',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, sendsThisRun: 5 }),
    step: { kind: 'lookup' },
  },
  {
    rule: 'unknown, key store, sends spent, no lookup: park naming the resends',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, sendsThisRun: 5, canLookUp: false }),
    step: { kind: 'park', reason: '5 same-key resend(s) did not settle it (last: ETIMEDOUT)', reconcile: { lookup: 'skipped', action: 'giveUp' } },
  },
  {
    rule: 'unknown, replayed stored error at a key store: a resend repeats it; look it up',
    state: state({ status: 'unknown', stored: storedReplayed, venue: keyStore, expiresAt: NOW + DAY }),
    step: { kind: 'lookup' },
  },
  {
    rule: 'unknown, replayed stored error, no lookup: park telling a person to check the venue',
    state: state({ status: 'unknown', stored: storedReplayed, venue: keyStore, expiresAt: NOW + DAY, canLookUp: false }),
    step: { kind: 'park', reason: expect.stringContaining('every resend got the answer payments stored for this key (HTTP 500, replayed)') },
  },
  { rule: 'unknown, venue said a retry cannot help (shouldRetry false): no key-store resend', state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW + DAY, lastOutcome: noRetry }), step: { kind: 'lookup' } },

  // Unknown outcomes: lookups and their verdicts.
  { rule: 'unknown without a key store: look it up', state: state({ status: 'unknown', stored: storedUnknown }), step: { kind: 'lookup' } },
  { rule: 'unknown, no lookup and no key store: park for a person', state: state({ status: 'unknown', stored: storedUnknown, canLookUp: false }), step: { kind: 'park', reason: 'ETIMEDOUT', reconcile: { lookup: 'skipped', action: 'giveUp' } } },
  {
    rule: 'unknown, maxLookups spent: park',
    state: state({ status: 'unknown', stored: storedUnknown, lookupsThisRun: 5 }),
    step: { kind: 'park', reason: '5 reconcile lookup(s) did not settle it', reconcile: { lookup: 'inconclusive', action: 'giveUp' } },
  },
  { rule: 'lookup found it succeeded: settle succeeded from the lookup', state: lookedUp({ found: 'succeeded' }), step: { kind: 'settle', status: 'succeeded', outcome: { from: 'lookup' }, reconcile: { lookup: 'found', action: 'settled' } } },
  {
    rule: 'lookup found it failed: settle failed, rejection',
    state: lookedUp({ found: 'failed', reason: 'canceled' }),
    step: { kind: 'settle', status: 'failed', outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'found by reconcile lookup: canceled' } }, error: { kind: 'rejected' } },
  },
  {
    rule: 'notFound before the settle delay (from sentBy): wait the rest of it',
    state: lookedUp({ found: 'notFound' }, { stored: storedRecent }),
    step: { kind: 'wait', ms: 4_000, before: 'lookup', cause: 'settle', resume: { to: 'rules' }, reconcile: { lookup: 'notFound', action: 'wait' } },
  },
  {
    rule: 'notFound before a request-window settleAt: wait until settleAt',
    state: lookedUp({ found: 'notFound' }, { stored: { ...storedUnknown, settleAt: NOW + 1_500 } }),
    step: { kind: 'wait', ms: 1_500, cause: 'settle' },
  },
  {
    rule: 'notFound with no sentBy: settle delay counted from the last write',
    state: lookedUp({ found: 'notFound' }, { stored: { kind: 'unknown', reason: 'attempt in flight when resumed' }, updatedAt: NOW - 2_000 }),
    step: { kind: 'wait', ms: 3_000, cause: 'settle' },
  },
  {
    rule: 'notFound, settle wait past the deadline: park (unknown), never exhaust',
    state: lookedUp({ found: 'notFound' }, { stored: storedRecent, deadlineAt: NOW + 1_000, deadlineMs: 1_000 }),
    step: { kind: 'park', reason: 'the next wait (4000 ms) would pass the 1000 ms deadline' },
  },
  {
    rule: 'notFound past the settle delay, authoritative, inside the window: resend with the same key',
    state: lookedUp({ found: 'notFound' }),
    step: { kind: 'send', resend: true, earlierMayHaveExecuted: false, reconcile: { lookup: 'notFound', action: 'resend' } },
  },
  {
    rule: 'notFound from a lookup sent before the settle instant (answered after it): not believed, wait from the send',
    state: lookedUp({ found: 'notFound' }, { stored: { ...storedUnknown, sentBy: NOW - 6_000 }, last: { kind: 'lookedUp', verdict: { found: 'notFound' }, startedAt: NOW - 2_000 } }),
    step: { kind: 'wait', ms: 1_000, cause: 'settle', reconcile: { lookup: 'notFound', action: 'wait' } },
  },
  {
    rule: 'key-store resend whose backoff outlasted the key window: no send; look it up',
    state: state({ status: 'unknown', stored: storedUnknown, venue: keyStore, expiresAt: NOW, last: { kind: 'waited', resume: { to: 'resend', earlierMayHaveExecuted: true } } }),
    step: { kind: 'lookup', keyExpired: 'resend' },
  },
  {
    rule: 'resend after "not found" whose hold wait outlasted the key window: look again, never send',
    state: state({ status: 'unknown', stored: storedUnknown, venue: successesOnly, expiresAt: NOW - 1, lookupsThisRun: 1, last: { kind: 'waited', resume: { to: 'send', resend: true, earlierMayHaveExecuted: false } } }),
    step: { kind: 'lookup' },
  },
  {
    rule: 'pending whose hold wait outlasted the key window: fail it unsent',
    state: state({ expiresAt: NOW, last: { kind: 'waited', resume: { to: 'send', resend: false, earlierMayHaveExecuted: false } } }),
    step: { kind: 'settle', status: 'failed', error: { kind: 'exhausted', reason: 'deadline' } },
  },
  { rule: 'notFound exactly at the settle instant: believed', state: lookedUp({ found: 'notFound' }, { stored: { ...storedUnknown, sentBy: NOW - 5_000 } }), step: { kind: 'send', resend: true } },
  {
    rule: 'notFound authoritative, resend under a venue hold: wait it out, then send',
    state: lookedUp({ found: 'notFound' }, { venueHold: { endsAt: NOW + 900, cause: 'venueBan' } }),
    step: { kind: 'wait', ms: 900, cause: 'venueBan', resume: { to: 'send', resend: true, earlierMayHaveExecuted: false }, reconcile: { lookup: 'notFound', action: 'resend' } },
  },
  {
    rule: 'notFound authoritative but maxAttempts spent: park, not exhaust',
    state: lookedUp({ found: 'notFound' }, { sendsThisRun: 5 }),
    step: { kind: 'park', reason: '5 attempt(s) sent and the outcome is still unknown', reconcile: { lookup: 'notFound', action: 'resend' } },
  },
  {
    rule: 'notFound authoritative but outside the key window: park',
    state: lookedUp({ found: 'notFound' }, { expiresAt: NOW }),
    step: { kind: 'park', reason: 'not found by lookup, but the venue does not make "not found" authoritative', reconcile: { lookup: 'notFound', action: 'giveUp' } },
  },
  {
    rule: 'notFound not authoritative: park for a person',
    state: lookedUp({ found: 'notFound' }, { venue: noDedupe }),
    step: { kind: 'park', reason: 'not found by lookup, but the venue does not make "not found" authoritative', reconcile: { lookup: 'notFound', action: 'giveUp' } },
  },
  {
    rule: 'notFound authoritative after a replayed stored error: settle failed (never executes under this key)',
    state: lookedUp({ found: 'notFound' }, { stored: storedReplayed }),
    step: {
      kind: 'settle',
      status: 'failed',
      outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'not executed: exchange stored an error for this key (HTTP 500) and no object carries the key', replayed: true } },
      error: { kind: 'rejected' },
      reconcile: { lookup: 'notFound', action: 'settled' },
    },
  },
  {
    rule: 'notFound past findableForMs: not believed, no settle wait; park',
    state: lookedUp({ found: 'notFound' }, { venue: shortMemory, createdAt: NOW - 60_000, stored: storedRecent }),
    step: { kind: 'park', reconcile: { lookup: 'notFound', action: 'giveUp' } },
  },
  { rule: 'notFound inside findableForMs: believed', state: lookedUp({ found: 'notFound' }, { venue: shortMemory, createdAt: NOW - 59_999 }), step: { kind: 'send', resend: true } },
  { rule: 'notFound at a successes-only key store (authoritative), inside its window: resend', state: lookedUp({ found: 'notFound' }, { venue: successesOnly, expiresAt: NOW + DAY }), step: { kind: 'send', resend: true, earlierMayHaveExecuted: false } },
  { rule: 'lookup inconclusive with lookups left: ask for a backoff draw', state: lookedUp({ found: 'inconclusive', reason: 'HTTP 503' }), step: { kind: 'drawBackoff' } },
  {
    rule: 'lookup inconclusive with lookups left: back off, then look again',
    state: lookedUp({ found: 'inconclusive', reason: 'HTTP 503' }, { nextBackoffMs: 300 }),
    step: { kind: 'wait', ms: 300, before: 'lookup', cause: 'lookup inconclusive', resume: { to: 'rules' }, reconcile: { lookup: 'inconclusive', action: 'wait' } },
  },
  {
    rule: 'lookup inconclusive, lookups spent: park',
    state: lookedUp({ found: 'inconclusive', reason: 'HTTP 503' }, { lookupsThisRun: 5 }),
    step: { kind: 'park', reason: 'reconcile lookups inconclusive (HTTP 503)', reconcile: { lookup: 'inconclusive', action: 'giveUp' } },
  },
  { rule: 'after a settle wait: look up again', state: state({ status: 'unknown', stored: storedRecent, lookupsThisRun: 1, last: { kind: 'waited', resume: { to: 'rules' } } }), step: { kind: 'lookup' } },

  // The failure-mode matrix: how an attempt's answer is recorded and what follows.
  { rule: 'answer success: settle succeeded with the result', state: answered(success), step: { kind: 'settle', status: 'succeeded', outcome: { from: 'answer' } } },
  { rule: 'answer fatal: settle failed, rejection', state: answered(fatal), step: { kind: 'settle', status: 'failed', outcome: { from: 'answer' }, error: { kind: 'rejected' } } },
  { rule: 'answer fatal, refused before dispatch for its request window: settle failed, configuration error', state: answered(fatal, {}, false, true), step: { kind: 'settle', status: 'failed', error: { kind: 'windowRefused' } } },
  {
    rule: 'answer fatal to a key-store resend: record unknown (an earlier attempt may have executed)',
    state: answered(fatal, {}, true),
    step: { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: true, reason: 'resend rejected (HTTP 400); an earlier attempt may have executed', stampDispatch: true } },
  },
  { rule: 'resend rejection recorded: park for a person', state: recorded(fatal, 'unknown', { stored: { kind: 'unknown', reason: 'resend rejected (HTTP 400)' } }, true), step: { kind: 'park', reason: 'resend rejected (HTTP 400)' } },
  { rule: 'answer retry-safe (not executed): back to pending', state: answered(retry), step: { kind: 'recordAnswer', to: 'pending', record: { asUnknown: false, stampDispatch: false } } },
  { rule: 'answer resign: back to pending (re-signed next time)', state: answered(resign), step: { kind: 'recordAnswer', to: 'pending' } },
  { rule: 'answer rate limited (request scope): back to pending, no venue hold', state: answered(rateLimited), step: { kind: 'recordAnswer', to: 'pending' }, absent: ['holdVenueForMs'] },
  { rule: 'answer venue ban: back to pending and hold the whole venue for its Retry-After', state: answered(ban), step: { kind: 'recordAnswer', to: 'pending', holdVenueForMs: 20_000 } },
  {
    rule: 'answer retry-safe to a key-store resend: stay unknown',
    state: answered(retry, {}, true),
    step: { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: true, reason: 'resend not executed (ECONNREFUSED); an earlier attempt may have executed', stampDispatch: true } },
  },
  { rule: 'answer venue ban to a key-store resend: stay unknown, hold the venue', state: answered(ban, {}, true), step: { kind: 'recordAnswer', to: 'unknown', holdVenueForMs: 20_000 } },
  { rule: 'answer unknown (timeout): record unknown with dispatch time', state: answered(unknown), step: { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: false, stampDispatch: true } } },
  { rule: 'answer conflict in progress: record unknown (the key is running at the venue)', state: answered(inProgress), step: { kind: 'recordAnswer', to: 'unknown', record: { stampDispatch: true } } },
  { rule: 'answer conflict duplicate: record unknown (evidence an earlier attempt landed)', state: answered(duplicate), step: { kind: 'recordAnswer', to: 'unknown' } },
  { rule: 'retry recorded, sends left: ask for a backoff draw', state: recorded(retry, 'pending'), step: { kind: 'drawBackoff' } },
  { rule: 'retry recorded: back off, then the pending rules', state: recorded(retry, 'pending', { nextBackoffMs: 400 }), step: { kind: 'wait', ms: 400, before: 'send', cause: 'retry', resume: { to: 'rules' } } },
  { rule: 'resign recorded: the wait names resign', state: recorded(resign, 'pending', { nextBackoffMs: 10 }), step: { kind: 'wait', ms: 10, cause: 'resign' } },
  { rule: 'rate limit recorded: wait max(backoff, Retry-After)', state: recorded(rateLimited, 'pending', { nextBackoffMs: 100 }), step: { kind: 'wait', ms: 2_000, cause: 'rateLimited' } },
  { rule: 'rate limit without Retry-After: the backoff alone', state: recorded(rateLimitedNoHint, 'pending', { nextBackoffMs: 100 }), step: { kind: 'wait', ms: 100 } },
  {
    rule: 'rate limit recorded, Retry-After above maxRetryAfterMs: stop retryAfterTooLong',
    state: recorded({ ...rateLimited, retryAfterMs: 31_000 }, 'pending', { nextBackoffMs: 100 }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'retryAfterTooLong', retryAfterMs: 31_000, detail: 'the venue asked to wait 31000 ms, more than maxRetryAfterMs (30000)' } },
  },
  {
    rule: 'retry recorded, backoff past the deadline: stop deadline (not ambiguous: nothing executed)',
    state: recorded(retry, 'pending', { nextBackoffMs: 70_000 }),
    step: { kind: 'stop', error: { kind: 'exhausted', reason: 'deadline', detail: 'the next wait (70000 ms) would pass the 60000 ms deadline' } },
  },
  { rule: 'retry recorded, maxAttempts spent: stop before drawing a backoff', state: recorded(retry, 'pending', { sendsThisRun: 5 }), step: { kind: 'stop', error: { kind: 'exhausted', reason: 'maxAttempts' } } },
  { rule: 'after the retry backoff: the pending rules send', state: state({ sendsThisRun: 1, lastOutcome: retry, last: { kind: 'waited', resume: { to: 'rules' } } }), step: { kind: 'send', resend: false } },
  { rule: 'after the retry backoff, maxAttempts spent: stop', state: state({ sendsThisRun: 5, lastOutcome: retry, last: { kind: 'waited', resume: { to: 'rules' } } }), step: { kind: 'stop', error: { kind: 'exhausted', reason: 'maxAttempts' } } },
  { rule: 'unknown recorded: reconcile (look it up)', state: recorded(unknown, 'unknown', { stored: storedRecent }), step: { kind: 'lookup' } },
  { rule: 'unknown recorded after an abort: stop aborted, never resend', state: recorded(unknown, 'unknown', { stored: storedRecent, aborted: true }), step: { kind: 'stop', error: { kind: 'aborted' } } },
  { rule: 'conflict recorded at a key store inside its window: the resend settles it', state: recorded(inProgress, 'unknown', { stored: storedRecent, venue: keyStore, expiresAt: NOW + DAY }), step: { kind: 'drawBackoff' } },
  {
    rule: 'conflict in progress recorded at a key store: back off before the same-key resend',
    state: recorded(inProgress, 'unknown', { stored: storedRecent, venue: keyStore, expiresAt: NOW + DAY, nextBackoffMs: 200 }),
    step: { kind: 'wait', ms: 200, cause: 'conflict', resume: { to: 'resend', earlierMayHaveExecuted: true } },
  },
  { rule: 'retry to a key-store resend recorded: the key-store rules again', state: recorded(retry, 'unknown', { stored: storedRecent, venue: keyStore, expiresAt: NOW + DAY, nextBackoffMs: 50 }, true), step: { kind: 'wait', ms: 50, cause: 'retry' } },
  { rule: 'replayed answer recorded at a key store: look it up instead of resending', state: recorded(replayedError, 'unknown', { stored: storedReplayed, venue: keyStore, expiresAt: NOW + DAY }), step: { kind: 'lookup' } },

  ...protectionRows,
];

describe('decide(): the resume rules and the failure-mode matrix', () => {
  it('has at least 60 rows, each named once', () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(new Set(rows.map((row) => row.rule)).size).toBe(rows.length);
  });

  it('has at least 30 protection rows', () => {
    expect(protectionRows.length).toBeGreaterThanOrEqual(30);
  });

  it.each(rows.map((row) => [row.rule, row] as const))('%s', (_rule, row) => {
    const step = decide(row.state);
    expect(step).toMatchObject(row.step);
    for (const field of row.absent ?? []) expect(step).not.toHaveProperty(field);
  });

  it('is pure: the same state gives the same step, and the state is not changed', () => {
    for (const row of rows) {
      const copy = structuredClone(row.state);
      const first = decide(row.state);
      expect(decide(row.state)).toEqual(first);
      expect(row.state).toEqual(copy);
    }
  });
});
