/**
 * The pure decision table of an intent run: given everything the runner knows, what to
 * do next. The runner (`IntentRun`) is its interpreter: it performs one {@link Step}
 * (a ledger write, a request, a sleep), feeds what happened back as
 * {@link DecisionState.last}, and asks again, until a step ends the run.
 *
 * `decide` reads no clock (`nowAt` is an input), draws no random number (a backoff is
 * asked for with a `drawBackoff` step and handed back as `nextBackoffMs`), and performs
 * no I/O. It throws only where `planRetry` does (a NaN or negative duration).
 *
 * The rules (docs/durability.md#the-resume-table lists them as tables;
 * docs/design.md, "Unknown outcomes", explains them):
 * - `pending`: send with the stored key, unless the key window has passed (fail it,
 *   never sent), the run's sends are spent, or a venue-wide hold is on (wait first).
 * - `inFlight` found at start: record `unknown` (a previous process may have sent it).
 * - `unknown`: a same-key resend only where it *is* the reconcile (a key store that
 *   keeps every answer, inside its window, not replaying a stored error); otherwise look
 *   it up, and resend only after an authoritative "not found" past the settle delay,
 *   inside the key window. Anything else parks it for a person or a later check.
 *
 * @module
 */

import { planRetry } from '../backoff/index.js';
import type { Outcome } from '../classify/outcome.js';
import type { ExhaustedReason } from '../errors/index.js';
import type { IntentStatus, StoredOutcome } from '../ledger/intent.js';
import type { DedupeSpec } from '../venues/profile.js';

/**
 * True when a same-key resend settles an unknown outcome: the venue keeps every answer
 * under the key (`keyStore`, `stores: 'all'`), so a resend returns the first
 * execution's result instead of executing again. A successes-only store does not: a
 * first attempt that failed after it began executing left nothing under the key.
 */
export function settlesByResend(dedupe: DedupeSpec): boolean {
  return dedupe.kind === 'keyStore' && dedupe.stores !== 'successes';
}

/** The venue-profile facts a decision depends on. */
export interface VenueFacts {
  /** The profile's name, for reasons a person reads. */
  readonly name: string;
  /** How the venue deduplicates by key. */
  readonly dedupe: DedupeSpec;
  /** True when a "not found" after the settle delay proves the action never executed. */
  readonly notFoundIsAuthoritative: boolean;
  /** How long after its last possible dispatch a request may still execute, in ms. */
  readonly settleDelayMs: number;
  /** How long after its creation an object is findable by lookup, in ms; `undefined`: forever. */
  readonly findableForMs?: number | undefined;
}

/** A venue-wide "do not send before" time (a ban such as Binance's 418, or a usage pause). */
export interface VenueHold {
  /** Epoch ms before which nothing is sent to the venue. */
  readonly endsAt: number;
  /** What set it, reported as the wait's cause. */
  readonly cause: 'venueBan' | 'rateLimitUsage';
}

/**
 * What the client's protection (client option `protection`, docs/protection.md) says
 * about a request now. Read by the runner from the breaker and the budget just before
 * it asks; an absent part is off (or lets the request through).
 */
export interface ProtectionFacts {
  /** Set while the circuit breaker would refuse a request now. */
  readonly circuit?: {
    /** Set while it holds sends back: when it lets one through at the latest (a probe, or the next check while a probe is out), epoch ms. */
    readonly sendRetryAt?: number;
    /** Set while it holds lookups back: when it lets them through at the latest, epoch ms. */
    readonly lookupRetryAt?: number;
    /** Fail at once, or wait for it. */
    readonly whenOpen: 'fail' | 'wait';
    /** Why it opened. */
    readonly reason: string;
  };
  /** The retry budget; absent when off. Waits in ms until it can pay (0: now; `Infinity`: never). */
  readonly budget?: { readonly resendInMs: number; readonly lookupInMs: number; readonly whenEmpty: 'wait' | 'stop' };
}

/** No protection: what a client without `protection` decides with. */
export const NO_PROTECTION: ProtectionFacts = Object.freeze({});

/**
 * What the interpreter did last, fed back so the table knows where in a path it is.
 * - `start`: nothing yet this run.
 * - `recorded`: it wrote the `record` step asked for (the in-flight attempt found at start is now `unknown`).
 * - `answered`: an attempt was sent (or refused before dispatch) and classified; nothing recorded yet.
 * - `answerRecorded`: that answer is now in the ledger (`unknown` or `pending`).
 * - `lookedUp`: a reconcile lookup gave this verdict; nothing recorded yet. `startedAt`: the
 *   instant of the decision that sent it (the lookup left after it).
 * - `waited`: a `wait` step ended; `resume` is the one the step carried.
 * - `throttled`: the rate limiter had no room for the request the last step asked for;
 *   nothing was sent or written. `resume` is where to go once it has.
 */
export type LastStep =
  | { readonly kind: 'start' }
  | { readonly kind: 'recorded' }
  | { readonly kind: 'answered'; readonly outcome: Outcome; readonly earlierMayHaveExecuted: boolean; readonly refusedForWindow: boolean }
  | { readonly kind: 'answerRecorded'; readonly outcome: Outcome; readonly earlierMayHaveExecuted: boolean }
  | { readonly kind: 'lookedUp'; readonly verdict: VerdictFacts; readonly startedAt: number }
  | { readonly kind: 'waited'; readonly resume: Resume }
  | { readonly kind: 'throttled'; readonly retryInMs: number; readonly limitId: string; readonly before: 'send' | 'lookup'; readonly resume: Resume };

/** A lookup verdict without its result value (the interpreter keeps that). */
export type VerdictFacts =
  | { readonly found: 'succeeded' }
  | { readonly found: 'failed'; readonly reason: string }
  | { readonly found: 'notFound' }
  | { readonly found: 'inconclusive'; readonly reason: string };

/**
 * Where a path goes on after a wait: `rules` applies the status's rules afresh (a new
 * round); `resend` goes on with a resend from `unknown` (its send count and hold checks);
 * `send` sends once the venue hold is over and the client's protection lets it go.
 * `heldUntil`: the wait was the venue hold's own, until that instant (epoch ms): a hold
 * ending no later is over (a timer may fire a hair early: not asked again); one set or
 * extended meanwhile by another run's answer is waited out first, as after any other
 * wait (the breaker, the budget, the rate limiter).
 */
export type Resume =
  | { readonly to: 'rules' }
  | { readonly to: 'resend'; readonly earlierMayHaveExecuted: boolean }
  | { readonly to: 'send'; readonly resend: boolean; readonly earlierMayHaveExecuted: boolean; readonly heldUntil?: number };

/** Everything a decision depends on. Times are epoch ms (`*At`), durations ms (`*Ms`). */
export interface DecisionState {
  /** The intent's ledger status as the run last wrote or read it. */
  readonly status: IntentStatus;
  /** The stored outcome on the record (evidence, parked state, settle timing). */
  readonly stored: StoredOutcome | undefined;
  /** When the intent was created. */
  readonly createdAt: number;
  /** When the record was last written (the fallback start of the settle delay). */
  readonly updatedAt: number;
  /** When the venue stops deduplicating the key; `undefined`: no expiry known. */
  readonly expiresAt: number | undefined;
  /** The current time. */
  readonly nowAt: number;
  /** When this run must be over (`deadlineMs` after it started). */
  readonly deadlineAt: number;
  /** The configured deadline, in ms (named in the stop's detail). */
  readonly deadlineMs: number;
  /** Longest venue-requested wait the run honours, in ms. */
  readonly maxRetryAfterMs: number;
  /** The venue's dedupe and reconcile facts. */
  readonly venue: VenueFacts;
  /** A venue-wide hold shared by every run of the client; `endsAt <= nowAt` when none. */
  readonly venueHold: VenueHold;
  /** What the client's protection says now ({@link NO_PROTECTION} when it has none). */
  readonly protection: ProtectionFacts;
  /** Attempts recorded for the intent so far, all runs: a send is a retry (paid by the budget) when above 0. */
  readonly attemptsSoFar: number;
  /** The operation has a reconcile lookup (its own or the profile's). */
  readonly canLookUp: boolean;
  /** Requests this run sent for the write itself. */
  readonly sendsThisRun: number;
  /** Sends this run may make (`maxAttempts`, or 1 for a parked intent's check). */
  readonly maxSends: number;
  /** Lookups this run made. */
  readonly lookupsThisRun: number;
  /** Lookups this run may make (`maxLookups`, or 1 for a parked intent's check). */
  readonly maxLookups: number;
  /** The run is a parked intent's check: one lookup or one resend, and no waits. */
  readonly parkedCheck: boolean;
  /** The last attempt's classified outcome in this run, if any. */
  readonly lastOutcome: Outcome | undefined;
  /** The caller's signal has aborted. */
  readonly aborted: boolean;
  /** The next backoff delay, drawn by the caller when a `drawBackoff` step asked for it; used once. */
  readonly nextBackoffMs: number | undefined;
  /** What the interpreter did last. */
  readonly last: LastStep;
}

/** Which reconcile event a step reports (`reconcile` event: what the lookup said, what follows). */
export interface ReconcileReport {
  readonly lookup: 'found' | 'notFound' | 'inconclusive' | 'skipped';
  readonly action: 'settled' | 'resend' | 'wait' | 'giveUp';
}

/** Reports a step carries, emitted by the interpreter before it performs the step. */
export interface StepReports {
  /** The key window has passed (`keyExpired`, once per run). */
  readonly keyExpired?: 'beforeSend' | 'resend';
  /** A reconcile decision (`reconcile` event). */
  readonly reconcile?: ReconcileReport;
  /** Protection held the request back (`requestHeld` event): what held it and what the run does. */
  readonly held?: HeldReport;
}

/** Which protection held a request back, and what the run does about it. */
export interface HeldReport {
  readonly cause: 'circuitOpen' | 'retryBudget' | 'rateLimiter';
  readonly before: 'send' | 'lookup';
  readonly action: 'wait' | 'stop' | 'park';
}

/**
 * Why a run ends with an error, as data; the interpreter builds the error object.
 * - `parkedNotDue`: a parked intent's next check is later (`AmbiguousOutcomeError`).
 * - `rejected`: the stored final outcome is a rejection (`VenueRejectedError`).
 * - `exhausted`: `RetriesExhaustedError` with this reason and detail.
 * - `aborted`: the caller aborted while the attempt was in flight (`AmbiguousOutcomeError`).
 * - `windowRefused`: the operation's request window is above the venue's maximum (`ConfigurationError`).
 * - `circuitOpen`: the venue's circuit breaker is open and fails requests fast (`CircuitOpenError`).
 */
export type StopError =
  | { readonly kind: 'parkedNotDue'; readonly nextCheckAt: number; readonly reason: string }
  | { readonly kind: 'rejected' }
  | { readonly kind: 'exhausted'; readonly reason: ExhaustedReason; readonly detail: string; readonly retryAfterMs?: number }
  | { readonly kind: 'aborted' }
  | { readonly kind: 'windowRefused' }
  | { readonly kind: 'circuitOpen'; readonly retryAt: number; readonly reason: string };

/**
 * What the intent's final outcome is built from:
 * - `answer`: the attempt's own answer (with its result, for a success);
 * - `lookup`: the reconcile lookup's found object (a success);
 * - `given`: exactly this outcome.
 */
export type SettleOutcome = { readonly from: 'answer' } | { readonly from: 'lookup' } | { readonly from: 'given'; readonly outcome: StoredOutcome };

/**
 * How an attempt's answer is recorded: `from: 'answer'` stores the answer's evidence;
 * `reason`/`kind` override its reason and kind; `stampDispatch` adds when the attempt was
 * dispatched (`sentBy`) and, on a request-window venue, when every copy has settled (`settleAt`).
 */
export interface AnswerRecord {
  readonly reason?: string;
  readonly asUnknown: boolean;
  readonly stampDispatch: boolean;
}

/**
 * The next step. Durability: every step that writes (`record`, `recordAnswer`, `settle`,
 * `park`, and `send`'s in-flight marker) is one compare-and-set ledger write on (status,
 * epoch), durable before the interpreter goes on.
 */
export type Step =
  | ({ readonly kind: 'finished' } & StepReports)
  | ({ readonly kind: 'send'; readonly resend: boolean; readonly earlierMayHaveExecuted: boolean } & StepReports)
  | ({ readonly kind: 'drawBackoff' } & StepReports)
  | ({ readonly kind: 'wait'; readonly ms: number; readonly before: 'send' | 'lookup'; readonly cause: string; readonly resume: Resume } & StepReports)
  | ({ readonly kind: 'lookup' } & StepReports)
  | ({ readonly kind: 'record'; readonly to: 'unknown'; readonly cause: 'inFlightAtStart' } & StepReports)
  | ({ readonly kind: 'recordAnswer'; readonly to: 'unknown' | 'pending'; readonly record: AnswerRecord; readonly holdVenueForMs?: number } & StepReports)
  | ({ readonly kind: 'settle'; readonly status: 'succeeded' | 'failed'; readonly outcome: SettleOutcome; readonly error?: StopError } & StepReports)
  | ({ readonly kind: 'park'; readonly reason: string; readonly notBeforeAt?: number } & StepReports)
  | ({ readonly kind: 'stop'; readonly error: StopError } & StepReports);

/** A stored outcome's evidence without its parked state or result, to build the next one from. */
export function storedCopy(outcome: StoredOutcome): StoredOutcome {
  const { parked: _parked, result: _result, ...rest } = outcome;
  return rest;
}

/**
 * Inside the key window: before `expiresAt` when one is known; with none known, only a
 * venue without a key store counts as inside (its "window" is the lookup, not retention).
 */
export function withinKeyWindow(state: Pick<DecisionState, 'expiresAt' | 'nowAt' | 'venue'>): boolean {
  return state.expiresAt === undefined ? state.venue.dedupe.kind !== 'keyStore' : state.nowAt < state.expiresAt;
}

/**
 * When a "not found" may be believed: the stored `settleAt` (a request-window venue, every
 * attempt covered by its own window), else the settle delay after the latest possible
 * dispatch (`sentBy`), else after the last ledger write.
 */
export function notFoundBelievableAt(state: Pick<DecisionState, 'stored' | 'updatedAt' | 'venue'>): number {
  const stored = state.stored;
  return stored?.settleAt ?? (stored?.sentBy ?? state.updatedAt) + state.venue.settleDelayMs;
}

/** The next step of the run. Pure: same state, same step. */
export function decide(state: DecisionState): Step {
  const { last, status } = state;
  if (last.kind === 'answered') return recordAnswer(last);
  if (last.kind === 'throttled') return afterThrottled(state, last);
  if (last.kind === 'answerRecorded') {
    const after = afterAnswerRecorded(state, last);
    if (after !== undefined) return after;
  }
  // A wait may outlast the key window: a send it leads to is re-checked against the
  // window, and past it the status's rules apply afresh (a lookup, a park, or failing a
  // pending intent unsent), never the send.
  const windowClosed = state.expiresAt !== undefined && state.nowAt >= state.expiresAt;
  if (last.kind === 'waited' && last.resume.to === 'send' && !windowClosed) {
    // After the venue hold's own wait that hold is over (a timer may fire a hair early:
    // not asked again); a hold another run's answer set or extended meanwhile (a ban)
    // comes first, after this wait or a protection or limiter wait. The client's
    // protection is asked again either way: a breaker may have opened meanwhile.
    const { resend, earlierMayHaveExecuted, heldUntil } = last.resume;
    if (heldUntil === undefined || state.venueHold.endsAt > heldUntil) return holdThenSend(state, resend, earlierMayHaveExecuted, {});
    return protectionGate(state, 'send', { to: 'send', resend, earlierMayHaveExecuted }, {}) ?? { kind: 'send', resend, earlierMayHaveExecuted };
  }
  if (last.kind === 'waited' && last.resume.to === 'resend' && !windowClosed) return resendFromUnknown(state, last.resume.earlierMayHaveExecuted, {});
  if (last.kind === 'lookedUp') return afterLookup(state, last.verdict, last.startedAt);

  const parked = status === 'unknown' && last.kind === 'start' ? state.stored?.parked : undefined;
  if (parked !== undefined && parked.nextCheckAt > state.nowAt) {
    // Not due: no request and no ledger write; the error says when the next check is.
    return { kind: 'stop', error: { kind: 'parkedNotDue', nextCheckAt: parked.nextCheckAt, reason: parked.reason } };
  }
  switch (status) {
    case 'succeeded':
      return { kind: 'finished' };
    case 'failed':
      return { kind: 'stop', error: { kind: 'rejected' } };
    case 'inFlight':
      // Found in flight at start: an earlier process or call may have sent it and died
      // before recording the answer. Never treat that as pending or failed.
      // Durable: from here on the intent is `unknown` and is reconciled before any resend.
      return { kind: 'record', to: 'unknown', cause: 'inFlightAtStart' };
    case 'pending':
      return fromPending(state);
    case 'unknown':
      return fromUnknown(state);
  }
}

function fromPending(state: DecisionState): Step {
  if (state.expiresAt !== undefined && state.nowAt >= state.expiresAt) {
    // Never sent, and the venue would no longer deduplicate the key: fail it rather
    // than send a stale action. Durable and final.
    return {
      kind: 'settle',
      status: 'failed',
      outcome: { from: 'given', outcome: { kind: 'fatal', reason: 'expired before it was sent' } },
      error: { kind: 'exhausted', reason: 'deadline', detail: 'the intent expired before it was sent' },
      keyExpired: 'beforeSend',
    };
  }
  if (state.sendsThisRun >= state.maxSends) return exhaustedSends(state);
  return holdThenSend(state, false, false, {});
}

function exhaustedSends(state: DecisionState): Step {
  return { kind: 'stop', error: { kind: 'exhausted', reason: 'maxAttempts', detail: `${state.maxSends} attempt(s) sent` } };
}

/**
 * Nothing is sent to the venue before a venue-wide hold ends (wait it out), nor while
 * the client's protection holds sends back (see {@link protectionGate}); then send.
 */
function holdThenSend(state: DecisionState, resend: boolean, earlierMayHaveExecuted: boolean, reports: StepReports): Step {
  const resume: Resume = { to: 'send', resend, earlierMayHaveExecuted };
  const holdMs = state.venueHold.endsAt - state.nowAt;
  if (holdMs > 0) {
    return planWait(state, { backoffMs: 0, retryAfterMs: holdMs, before: 'send', cause: state.venueHold.cause, ambiguous: false, resume: { ...resume, heldUntil: state.venueHold.endsAt } }, reports);
  }
  return protectionGate(state, 'send', resume, reports) ?? { kind: 'send', resend, earlierMayHaveExecuted, ...reports };
}

/** A reconcile lookup, unless the client's protection holds it back. */
function lookupUnlessHeld(state: DecisionState, reports: StepReports): Step {
  return protectionGate(state, 'lookup', { to: 'rules' }, reports) ?? { kind: 'lookup', ...reports };
}

/**
 * The client's protection, asked before a send or a lookup: `undefined` lets it go.
 *
 * - Circuit open: `fail` stops a pending intent with `CircuitOpenError` (nothing written,
 *   nothing sent: it stays pending) and parks an unknown one until the breaker lets
 *   requests through (it stays unknown and is reconciled then: a breaker never turns an
 *   unknown outcome into a failure); `wait` waits for it within the deadline, else the
 *   same. The breaker is judged by writes only (a venue may answer reads while its
 *   writes fail); lookups wait while it is open or its probe is out (see
 *   `CircuitBreaker.peekLookup`), so an unknown intent is reconciled once it closes.
 * - Retry budget (resends, that is any attempt after the intent's first, and lookups):
 *   when it cannot pay, `wait` for the tokens within the deadline; `stop` (or a wait past
 *   the deadline, or no refill at all) stops a pending intent with `RetriesExhaustedError`
 *   (reason `retryBudget`) and parks an unknown one.
 * - "Within the deadline" as `planRetry` counts it: the request leaves before the
 *   deadline, so a wait ending exactly at it is past it (the breaker's or the budget's
 *   stop, not a `deadline` one).
 */
function protectionGate(state: DecisionState, before: 'send' | 'lookup', resume: Resume, reports: StepReports): Step | undefined {
  const { circuit, budget } = state.protection;
  const unknown = state.status === 'unknown';
  const retryAt = before === 'send' ? circuit?.sendRetryAt : circuit?.lookupRetryAt;
  if (circuit !== undefined && retryAt !== undefined) {
    // Within the deadline as planRetry counts it: the request must leave before the deadline.
    const canWait = circuit.whenOpen === 'wait' && retryAt < state.deadlineAt && !state.parkedCheck;
    if (!canWait) {
      const held = { ...reports, held: { cause: 'circuitOpen', before, action: unknown ? 'park' : 'stop' } } as const;
      if (unknown) {
        return { kind: 'park', reason: `circuit open for ${state.venue.name} (${circuit.reason}); reconciled once it lets requests through`, notBeforeAt: retryAt, ...held };
      }
      return { kind: 'stop', error: { kind: 'circuitOpen', retryAt, reason: circuit.reason }, ...held };
    }
    return planWait(
      state,
      { backoffMs: Math.max(0, retryAt - state.nowAt), before, cause: 'circuitOpen', ambiguous: unknown, resume },
      { ...reports, held: { cause: 'circuitOpen', before, action: 'wait' } },
    );
  }
  const paidByBudget = before === 'lookup' || state.attemptsSoFar > 0;
  if (budget === undefined || !paidByBudget) return undefined;
  const inMs = before === 'lookup' ? budget.lookupInMs : budget.resendInMs;
  if (inMs <= 0) return undefined;
  if (budget.whenEmpty === 'stop' || !Number.isFinite(inMs) || state.nowAt + inMs >= state.deadlineAt) {
    const held = { ...reports, held: { cause: 'retryBudget', before, action: unknown ? 'park' : 'stop' } } as const;
    const next = Number.isFinite(inMs) ? `a token in ${Math.ceil(inMs)} ms` : 'no refill configured';
    if (unknown) {
      return { kind: 'park', reason: `the client's retry budget cannot pay for another ${before === 'send' ? 'resend' : 'lookup'} (${next})`, ...(Number.isFinite(inMs) ? { notBeforeAt: state.nowAt + inMs } : {}), ...held };
    }
    return { kind: 'stop', error: { kind: 'exhausted', reason: 'retryBudget', detail: `the client's retry budget cannot pay for another attempt (${next})` }, ...held };
  }
  return planWait(state, { backoffMs: inMs, before, cause: 'retryBudget', ambiguous: unknown, resume }, { ...reports, held: { cause: 'retryBudget', before, action: 'wait' } });
}

/** The rate limiter had no room: wait until it has (within the deadline), then go where the step was going. */
function afterThrottled(state: DecisionState, last: Extract<LastStep, { kind: 'throttled' }>): Step {
  return planWait(
    state,
    { backoffMs: last.retryInMs, before: last.before, cause: 'rateLimiter', ambiguous: state.status === 'unknown', resume: last.resume },
    { held: { cause: 'rateLimiter', before: last.before, action: 'wait' } },
  );
}

/**
 * A wait, or what replaces it: a stop (`RetriesExhaustedError`) or, with the outcome
 * unknown, a park, when it would cross the deadline or the venue asks for more than
 * `maxRetryAfterMs`; a park too for a parked intent's check, which never waits. A
 * `held` report in `reports` then names that stop or park as its action, not the wait.
 */
function planWait(
  state: DecisionState,
  wait: { backoffMs: number; retryAfterMs?: number | undefined; before: 'send' | 'lookup'; cause: string; ambiguous: boolean; resume: Resume },
  reports: StepReports,
): Step {
  const plan = planRetry({ backoffMs: wait.backoffMs, retryAfterMs: wait.retryAfterMs, maxRetryAfterMs: state.maxRetryAfterMs, nowMs: state.nowAt, deadlineAt: state.deadlineAt });
  const unknown = wait.ambiguous || state.status === 'unknown';
  // A held report names what the run does: the stop or park that replaces the wait.
  const instead = (action: 'stop' | 'park'): StepReports => (reports.held === undefined ? reports : { ...reports, held: { ...reports.held, action } });
  if (plan.kind === 'stop') {
    const detail =
      plan.reason === 'deadline'
        ? `the next wait (${plan.requestedMs} ms) would pass the ${state.deadlineMs} ms deadline`
        : `the venue asked to wait ${plan.requestedMs} ms, more than maxRetryAfterMs (${state.maxRetryAfterMs})`;
    if (unknown) return { kind: 'park', reason: detail, notBeforeAt: state.nowAt + plan.requestedMs, ...instead('park') };
    return {
      kind: 'stop',
      error: { kind: 'exhausted', reason: plan.reason, detail, ...(plan.reason === 'retryAfterTooLong' ? { retryAfterMs: plan.requestedMs } : {}) },
      ...instead('stop'),
    };
  }
  if (state.parkedCheck && unknown && plan.delayMs > 0) {
    // A parked intent's check does not wait: its next check comes after the wait.
    return { kind: 'park', reason: `${state.stored?.parked?.reason ?? 'outcome unknown'} (next check after a ${wait.cause} wait)`, notBeforeAt: state.nowAt + plan.delayMs, ...instead('park') };
  }
  return { kind: 'wait', ms: plan.delayMs, before: wait.before, cause: wait.cause, resume: wait.resume, ...reports };
}

function fromUnknown(state: DecisionState): Step {
  const { venue, stored } = state;
  const withinWindow = withinKeyWindow(state);
  // A replayed stored error (or the venue saying a retry cannot help) means a same-key
  // resend would only return the same answer: settle it by a lookup instead.
  const resendRepeats = stored?.replayed === true || state.lastOutcome?.shouldRetry === false;
  const keyStoreResend = settlesByResend(venue.dedupe) && withinWindow && !resendRepeats;
  // The key store would have settled this by a resend, but its window has passed.
  const reports: StepReports = settlesByResend(venue.dedupe) && !withinWindow ? { keyExpired: 'resend' } : {};

  // Inside a key store's window a same-key resend *is* the reconcile: the venue returns
  // the first execution's result instead of executing again. No lookup needed.
  // Checked before the wait: a run with no send left goes on to a lookup or parks now.
  if (keyStoreResend && state.sendsThisRun < state.maxSends) {
    const skipped: StepReports = { ...reports, reconcile: { lookup: 'skipped', action: 'resend' } };
    if (state.parkedCheck) return resendFromUnknown(state, true, skipped);
    if (state.nextBackoffMs === undefined) return { kind: 'drawBackoff' };
    const retryAfterMs = state.lastOutcome?.kind === 'rateLimited' ? state.lastOutcome.retryAfterMs : undefined;
    return planWait(
      state,
      { backoffMs: state.nextBackoffMs, retryAfterMs, before: 'send', cause: state.lastOutcome?.kind ?? 'unknown', ambiguous: true, resume: { to: 'resend', earlierMayHaveExecuted: true } },
      skipped,
    );
  }

  if (state.canLookUp && state.lookupsThisRun < state.maxLookups) return lookupUnlessHeld(state, reports);

  if (state.canLookUp) {
    // Lookups ran out (after "not found" answers waiting for the settle delay).
    return { kind: 'park', reason: `${state.maxLookups} reconcile lookup(s) did not settle it`, ...reports, reconcile: { lookup: 'inconclusive', action: 'giveUp' } };
  }
  // No lookup, and no resend can settle it: nothing can tell us safely. A person decides.
  return { kind: 'park', reason: unsettledReason(state, keyStoreResend, resendRepeats), ...reports, reconcile: { lookup: 'skipped', action: 'giveUp' } };
}

/** Why an unknown intent without a lookup could not be settled, in words a person can act on. */
function unsettledReason(state: DecisionState, keyStoreResend: boolean, resendRepeats: boolean): string {
  const stored = state.stored;
  if (resendRepeats && stored?.replayed === true) {
    return `every resend got the answer ${state.venue.name} stored for this key (${stored.reason}, replayed); ` +
      'a resend cannot change it and the venue offers no lookup: check the venue for an object carrying the key';
  }
  if (keyStoreResend) return `${state.sendsThisRun} same-key resend(s) did not settle it (last: ${stored?.reason ?? 'unknown'})`;
  return stored?.reason ?? 'outcome unknown';
}

/**
 * `earlierMayHaveExecuted`: true for a key-store resend, where no lookup proved the
 * earlier attempts did not execute. Then a "not executed" answer to this attempt
 * speaks only for this attempt, so the intent stays `unknown` instead of going back to `pending`.
 */
function resendFromUnknown(state: DecisionState, earlierMayHaveExecuted: boolean, reports: StepReports): Step {
  if (state.sendsThisRun >= state.maxSends) {
    return { kind: 'park', reason: `${state.sendsThisRun} attempt(s) sent and the outcome is still unknown`, ...reports };
  }
  return holdThenSend(state, true, earlierMayHaveExecuted, reports);
}

/**
 * `lookupStartedAt`: the settle delay and findability are judged at the instant the
 * lookup was sent, not when its answer came: a "not found" only speaks for attempts that
 * could no longer execute when the lookup left. The key window is judged now (a resend
 * would leave now).
 */
function afterLookup(state: DecisionState, verdict: VerdictFacts, lookupStartedAt: number): Step {
  const { venue, stored } = state;
  // A passed key window was reported with the lookup step that led here.
  const reports: StepReports = {};
  switch (verdict.found) {
    case 'succeeded':
      // Durable and final: the venue holds the object this intent created.
      return { kind: 'settle', status: 'succeeded', outcome: { from: 'lookup' }, ...reports, reconcile: { lookup: 'found', action: 'settled' } };
    case 'failed':
      // Durable and final: the venue holds the object, rejected.
      return {
        kind: 'settle',
        status: 'failed',
        outcome: { from: 'given', outcome: { kind: 'fatal', reason: `found by reconcile lookup: ${verdict.reason}` } },
        error: { kind: 'rejected' },
        ...reports,
        reconcile: { lookup: 'found', action: 'settled' },
      };
    case 'notFound': {
      // Counted from the latest moment an attempt may have been dispatched (`sentBy`,
      // recorded with the unknown outcome), else from the last ledger write. After a
      // takeover that write is the successor's inFlight -> unknown, which comes after
      // the previous owner's lease ended, and the previous owner dispatches only while
      // its lease runs: so a request it signed is past the venue's validity window by then too.
      // With a request window the stored `settleAt` already covers every attempt by the
      // window each one carried; otherwise the profile's settle delay applies.
      const settleAt = notFoundBelievableAt(state);
      const findable = venue.findableForMs === undefined || lookupStartedAt - state.createdAt < venue.findableForMs;
      if (lookupStartedAt < settleAt && findable) {
        // A timed-out request may still be queued at the venue: a "not found" is only
        // believed from a lookup sent once the settle delay has passed since the last attempt.
        return planWait(state, { backoffMs: settleAt - lookupStartedAt, before: 'lookup', cause: 'settle', ambiguous: true, resume: { to: 'rules' } }, { ...reports, reconcile: { lookup: 'notFound', action: 'wait' } });
      }
      if (venue.notFoundIsAuthoritative && findable && stored?.replayed === true) {
        // The venue stored an error for this key (its replay proves the request ran to
        // its end) and no object carries the key: it did not execute, and it never will
        // under this key, whose stored answer is that error. Durable and final.
        return {
          kind: 'settle',
          status: 'failed',
          outcome: {
            from: 'given',
            outcome: { ...storedCopy(stored), kind: 'fatal', reason: `not executed: ${venue.name} stored an error for this key (${stored.reason}) and no object carries the key` },
          },
          error: { kind: 'rejected' },
          ...reports,
          reconcile: { lookup: 'notFound', action: 'settled' },
        };
      }
      if (venue.notFoundIsAuthoritative && findable && withinKeyWindow(state)) {
        return resendFromUnknown(state, false, { ...reports, reconcile: { lookup: 'notFound', action: 'resend' } });
      }
      return { kind: 'park', reason: 'not found by lookup, but the venue does not make "not found" authoritative', ...reports, reconcile: { lookup: 'notFound', action: 'giveUp' } };
    }
    case 'inconclusive': {
      const giveUp: StepReports = { ...reports, reconcile: { lookup: 'inconclusive', action: 'giveUp' } };
      if (state.lookupsThisRun < state.maxLookups) {
        if (state.nextBackoffMs === undefined) return { kind: 'drawBackoff' };
        return planWait(state, { backoffMs: state.nextBackoffMs, before: 'lookup', cause: 'lookup inconclusive', ambiguous: true, resume: { to: 'rules' } }, { ...reports, reconcile: { lookup: 'inconclusive', action: 'wait' } });
      }
      return { kind: 'park', reason: `reconcile lookups inconclusive (${verdict.reason})`, ...giveUp };
    }
    default:
      // A verdict of no known kind (an `interpret` that returned something else) settles nothing.
      return { kind: 'park', reason: `${state.maxLookups} reconcile lookup(s) did not settle it`, reconcile: { lookup: 'inconclusive', action: 'giveUp' } };
  }
}

/** How an attempt's classified answer is recorded. */
function recordAnswer(last: Extract<LastStep, { kind: 'answered' }>): Step {
  const { outcome, earlierMayHaveExecuted } = last;
  switch (outcome.kind) {
    case 'success':
      // Durable and final, with the result.
      return { kind: 'settle', status: 'succeeded', outcome: { from: 'answer' } };
    case 'fatal':
      if (earlierMayHaveExecuted) {
        // A rejection of this resend does not undo an earlier attempt that may have
        // executed: never record `failed` on that evidence. A person must look.
        return { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: true, reason: `resend rejected (${outcome.reason}); an earlier attempt may have executed`, stampDispatch: true } };
      }
      // Durable and final: the venue refused it (or it was refused before dispatch).
      return { kind: 'settle', status: 'failed', outcome: { from: 'answer' }, error: last.refusedForWindow ? { kind: 'windowRefused' } : { kind: 'rejected' } };
    case 'retry':
    case 'resign':
    case 'rateLimited': {
      const holdVenueForMs = outcome.kind === 'rateLimited' && outcome.scope === 'venue' && outcome.retryAfterMs !== undefined ? outcome.retryAfterMs : undefined;
      const hold = holdVenueForMs === undefined ? {} : { holdVenueForMs };
      if (earlierMayHaveExecuted) {
        // This attempt did not execute, but an earlier one may have: stay unknown and let
        // the key-store resend (or a lookup) settle it.
        return { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: true, reason: `resend not executed (${outcome.reason}); an earlier attempt may have executed`, stampDispatch: true }, ...hold };
      }
      // Proof the venue did not execute it: back to pending, same key next time.
      return { kind: 'recordAnswer', to: 'pending', record: { asUnknown: false, stampDispatch: false }, ...hold };
    }
    case 'conflict':
    case 'unknown':
      // The venue may have executed it (or is executing it under this key): from now on
      // only reconciliation, or a same-key resend the venue deduplicates, may follow.
      // The answer (or its absence) came by now, so the request was dispatched before now.
      return { kind: 'recordAnswer', to: 'unknown', record: { asUnknown: false, stampDispatch: true } };
  }
}

/** What follows a recorded answer; `undefined`: the status's rules (a new round). */
function afterAnswerRecorded(state: DecisionState, last: Extract<LastStep, { kind: 'answerRecorded' }>): Step | undefined {
  const { outcome, earlierMayHaveExecuted } = last;
  switch (outcome.kind) {
    case 'fatal':
      // Only a resend's rejection is recorded (as unknown) rather than settled: park it.
      return { kind: 'park', reason: state.stored?.reason ?? outcome.reason };
    case 'retry':
    case 'resign':
    case 'rateLimited': {
      if (earlierMayHaveExecuted) return undefined;
      if (state.sendsThisRun >= state.maxSends) return exhaustedSends(state);
      if (state.nextBackoffMs === undefined) return { kind: 'drawBackoff' };
      const retryAfterMs = outcome.kind === 'rateLimited' ? outcome.retryAfterMs : undefined;
      return planWait(state, { backoffMs: state.nextBackoffMs, retryAfterMs, before: 'send', cause: outcome.kind, ambiguous: false, resume: { to: 'rules' } }, {});
    }
    case 'conflict':
    case 'unknown':
      if (state.aborted) return { kind: 'stop', error: { kind: 'aborted' } };
      return undefined;
    case 'success':
      return undefined;
  }
}
