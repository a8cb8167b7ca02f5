import { describe, expect, it } from 'vitest';
import type { Outcome } from '../../../src/classify/outcome.js';
import { decide, NO_PROTECTION, type DecisionState, type Step, type VenueFacts } from '../../../src/client/decide.js';
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
];

describe('decide(): the resume rules and the failure-mode matrix', () => {
  it('has at least 60 rows, each named once', () => {
    expect(rows.length).toBeGreaterThanOrEqual(60);
    expect(new Set(rows.map((row) => row.rule)).size).toBe(rows.length);
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
