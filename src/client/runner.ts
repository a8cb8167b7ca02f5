import { AxiosHeaders, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { computeBackoffDelay } from '../backoff/index.js';
import { classifyResponse, classifyTransport, readRateLimitUsage, readVenueError } from '../classify/index.js';
import { describeTransportError } from './transport-facts.js';
import type { Outcome } from '../classify/outcome.js';
import {
  AmbiguousOutcomeError,
  CircuitOpenError,
  ConfigurationError,
  IntentBusyError,
  LedgerLeaseLostError,
  RetriesExhaustedError,
  VenueRejectedError,
  type ExhaustedReason,
} from '../errors/index.js';
import type { IntentRecord, IntentStatus, ParkedState, StoredOutcome } from '../ledger/intent.js';
import type { LookupSpec, RequestWindowSpec } from '../venues/profile.js';
import { decide, NO_PROTECTION, storedCopy, type DecisionState, type LastStep, type Resume, type Step, type StepReports, type StopError, type VenueFacts } from './decide.js';
import { breakerResultOf, protectionFacts } from './protection.js';
import type { BreakerResult, BreakerTicket } from '../protection/circuit-breaker.js';
import type { LimiterPermit, LimiterRequestKind } from '../protection/rate-limiter.js';
import { attemptSettleMs, readCarriedWindow, windowRefusal, type WindowCarrier } from './request-window.js';
import type { TransitionRequest } from '../ledger/ledger-store.js';
import { headerReader, placeKey, requestMeta, roundTrip, type RoundTrip } from './axios-request.js';
import { newCorrelationId, summariseUrl } from '../internal/correlation.js';
import { buildLookupRequest, buildScanPage, DEFAULT_SCAN_MAX_PAGES, matchLookupItems, readScanPage, type BuiltLookup } from './lookup-request.js';
import { summariseError } from './redact.js';
import type { IntentEvents } from './events.js';
import type { RegisteredOperation } from './operation-registry.js';
import type { ResolvedClientOptions } from './options.js';
import { extend } from '../internal/extend.js';
import type {
  AttemptContext,
  IntentContext,
  IntentEventBase,
  IntentResult,
  LookupResponse,
  LookupVerdict,
  ReconcileDefinition,
  RequestSummary,
} from './types.js';

export { settlesByResend } from './decide.js';

/** Shared, per-client state the runner reads and updates. */
export interface RunnerEnvironment {
  readonly http: AxiosInstance;
  readonly options: ResolvedClientOptions;
  readonly events: IntentEvents;
  /** Venue-wide "do not send before" time (epoch ms), set by bans such as Binance's 418 or a usage pause. */
  venueHoldEndsAt: number;
  /** What set `venueHoldEndsAt`: `venueBan` or `rateLimitUsage`; reported as the wait's cause. */
  venueHoldCause: 'venueBan' | 'rateLimitUsage';
}

/** An attempt built and ready to send once its in-flight record is durable. */
interface PreparedAttempt {
  readonly attempt: number;
  readonly config: AxiosRequestConfig;
  readonly correlationId: string;
  /** The in-flight outcome recorded with it. */
  readonly inFlight: StoredOutcome;
}

/**
 * What `prepareFirstSend` gives the create: the in-flight outcome to store with the new
 * intent, a refusal to throw before anything is written (an open breaker failing fast),
 * or nothing (the intent is created pending and takes the ordinary path).
 */
export type FirstSend = { readonly inFlight: StoredOutcome } | { readonly refused: Error } | undefined;

/** What happened during one run, for `recover()`'s report. */
export interface RunTrace {
  resent: boolean;
  reconciledFound: boolean;
  /** Requests this run sent for the write itself. */
  attempts: number;
  /** Lookup requests this run sent (scan pages and fallbacks each count). */
  lookupRequests: number;
  /** An attempt of this run was answered duplicate, key in use, or replayed by the venue. */
  venueDuplicate: boolean;
  /** An attempt of this run did not settle the intent (retry, unknown, rate limit, conflict...). */
  unsettledAttempt: boolean;
}

/**
 * A place in a bounded pool of concurrent runs (recovery). The run gives it up while it
 * waits (backoff, settle delay, rate-limit pause) and takes it again before its next
 * request, so waiting intents do not keep other work from starting.
 */
export interface RunSlot {
  release(): void;
  acquire(): Promise<void>;
}

const MAX_MESSAGE = 200;
/** How long a run waits before asking a rate limiter again that could not answer (its Redis is down), in ms. */
const LIMITER_UNAVAILABLE_RETRY_MS = 1_000;
/** The longest wait a timer takes (2^31 - 1 ms); longer limiter answers are cut to it. */
const MAX_TIMER_MS = 2_147_483_647;
/**
 * The reason stored with an intent a reconcile lookup settled. Records written before
 * `StoredOutcome.reconciled` existed carry only this reason, so it is still read for them.
 */
const RECONCILED_REASON = 'found by reconcile lookup';

/**
 * Drives one intent from whatever state the ledger holds to a final answer. It is the
 * interpreter of `decide()` (src/client/decide.ts), which chooses every step; this class
 * only performs them. The resume table it follows (docs/durability.md#the-resume-table):
 *
 * - `pending`: record the attempt as started (durable), then send with the stored key.
 * - `inFlight` found at start: a previous process may have sent it; record `unknown`.
 * - `unknown`: reconcile (look it up by key) before any resend; resend only inside the
 *   venue's dedupe window or after an authoritative "not found".
 *
 * The caller must hold the lease (`record.epoch` is ours). Every ledger write is a
 * compare-and-set on (status, epoch): if another worker took over, the write throws
 * `LedgerLeaseLostError` and this run stops without sending anything further.
 */
export class IntentRun {
  readonly #env: RunnerEnvironment;
  readonly #op: RegisteredOperation;
  readonly #input: unknown;
  readonly #signal: AbortSignal | undefined;
  readonly #deadlineAt: number;
  #eventBase: IntentEventBase | undefined;
  readonly #context: IntentContext;
  #record: IntentRecord;
  #sentThisRun = 0;
  #retryNumber = 0;
  #previousDelayMs = 0;
  #lookups = 0;
  #lastOutcome: Outcome | undefined;
  #lastError: unknown;
  /**
   * Request-window venues only: no copy of any attempt of this intent seen by this run
   * can execute after this instant (epoch ms). Carried in the stored outcome (`settleAt`).
   */
  #settleFloor = 0;
  /** The current attempt's settle delay from the window it carried, in ms; `undefined` when unreadable. */
  #attemptSettleMs: number | undefined;
  /** Set when the current attempt was refused before dispatch for its request window. */
  #windowRefused: string | undefined;
  /** Correlation id of the current (or last) attempt. */
  #correlationId: string | undefined;
  /** How long the last attempt took, send to classification, in ms. */
  #attemptDurationMs = 0;
  #freshResult: { readonly value: unknown } | undefined;
  /** The last lookup's verdict, with its found object (the decision sees only the verdict). */
  #verdict: LookupVerdict<unknown> | undefined;
  /** The number of the last attempt sent, and its response when one came. */
  #answerAttempt = 0;
  #answerResponse: AxiosResponse | undefined;
  /** The venue-profile facts decisions read. */
  readonly #venueFacts: VenueFacts;
  readonly trace: RunTrace = { resent: false, reconciledFound: false, attempts: 0, lookupRequests: 0, venueDuplicate: false, unsettledAttempt: false };
  /** Key-window expiry is reported once per run. */
  #expiryReported = false;
  readonly #slot: RunSlot | undefined;
  /**
   * A parked intent gets a check, not an allowance: one lookup, or one resend where the
   * venue's key store makes it safe, and no waits (a wait parks it again instead).
   */
  readonly #parkedCheck: boolean;
  readonly #maxSends: number;
  readonly #maxLookups: number;
  /** Parks before this run: a resend replaces the stored outcome, the count must survive it. */
  readonly #priorParks: number;

  /** The first attempt of a new intent, prepared before the create that records it (see prepareFirstSend). */
  #preparedFirst: { readonly prepared: PreparedAttempt; readonly step: Extract<Step, { kind: 'send' }>; readonly ticket: BreakerTicket | undefined } | undefined;
  /** The breaker's ticket for the request under way (given back with its answer). */
  #ticket: BreakerTicket | undefined;
  /** The limit that last had no room for a request of this run. */
  #throttledBy: string | undefined;

  /** Aborts waits only (a recovery pass that stops): never a request in flight. */
  readonly #waitSignal: AbortSignal | undefined;

  /**
   * @param signal - the caller's: aborts waits and requests (an abort during an attempt
   *   leaves the intent unknown).
   * @param pool - for recovery: the place in its pool (given back during waits), and a
   *   signal that ends waits only, so stopping a pass never cuts a request in flight.
   */
  constructor(
    env: RunnerEnvironment,
    op: RegisteredOperation,
    record: IntentRecord,
    signal: AbortSignal | undefined,
    pool?: { readonly slot?: RunSlot | undefined; readonly stopWaits?: AbortSignal | undefined },
  ) {
    this.#env = env;
    this.#op = op;
    this.#record = record;
    this.#input = record.input;
    this.#signal = signal;
    this.#slot = pool?.slot;
    const stopWaits = pool?.stopWaits;
    this.#waitSignal = stopWaits === undefined ? signal : signal === undefined ? stopWaits : AbortSignal.any([signal, stopWaits]);
    this.#parkedCheck = record.status === 'unknown' && record.outcome?.parked !== undefined;
    this.#priorParks = record.outcome?.parked?.count ?? 0;
    this.#maxSends = this.#parkedCheck ? 1 : env.options.maxAttempts;
    this.#maxLookups = this.#parkedCheck ? 1 : env.options.maxLookups;
    this.#deadlineAt = env.options.clock.now() + env.options.deadlineMs;
    const venue = env.options.venue;
    this.#venueFacts = {
      name: venue.name,
      dedupe: venue.dedupe,
      notFoundIsAuthoritative: venue.reconcile.notFoundIsAuthoritative,
      settleDelayMs: venue.reconcile.settleDelayMs,
      findableForMs: venue.reconcile.findableForMs,
    };
    this.#context = Object.freeze({
      intentId: record.id,
      operation: record.operation,
      scope: record.scope,
      businessId: record.businessId,
      key: record.key,
      venueKey: record.venueKey,
    });
  }

  /** The fields every event carries; built on the first event (most runs emit none). */
  get #base(): IntentEventBase {
    const record = this.#record;
    return (this.#eventBase ??= { intentId: record.id, operation: record.operation, scope: record.scope, venue: record.venue, key: record.key });
  }

  /**
   * The epoch of the lease this run still holds as far as it knows, or `undefined` once a
   * write gave it back (or it never had one). The caller releases a held lease when the
   * run ends.
   */
  get heldLeaseEpoch(): number | undefined {
    return this.#record.leaseOwner === undefined ? undefined : this.#record.epoch;
  }

  /** The intent's ledger status as this run last wrote or read it. */
  get status(): IntentStatus {
    return this.#record.status;
  }

  /**
   * Runs to a final answer. Resolves on success; throws the error that tells the caller
   * what to do. An interpreter: `decide()` chooses every step from the run's state, this
   * loop performs it (a ledger write, a request, a sleep) and feeds the result back.
   */
  async run(): Promise<IntentResult<unknown>> {
    let last: LastStep = { kind: 'start' };
    let nextBackoffMs: number | undefined;
    const first = this.#preparedFirst;
    if (first !== undefined) {
      // The intent was created with this attempt already recorded in flight (durably, in
      // the create's one write): the send decide() chose for it is performed now.
      this.#preparedFirst = undefined;
      this.#ticket = first.ticket;
      const outcome = await (first.ticket === undefined ? this.#dispatch(first.prepared) : this.#withTicket(() => this.#dispatch(first.prepared)));
      last = { kind: 'answered', outcome, earlierMayHaveExecuted: first.step.earlierMayHaveExecuted, refusedForWindow: this.#windowRefused !== undefined };
    }
    for (;;) {
      // Every stored settle instant covers attempts this run must wait for.
      if (this.#record.status === 'unknown') this.#raiseFloor(this.#record.outcome?.settleAt);
      const decision = this.#decisionState(last, nextBackoffMs);
      const step = decide(decision);
      this.#reportBefore(step);
      switch (step.kind) {
        case 'finished':
          return this.#successResult(false);
        case 'stop':
          throw this.#stopError(step.error);
        case 'drawBackoff':
          // The one random draw of a backoff, made only when the table asks for it.
          nextBackoffMs = this.#nextBackoff();
          break;
        case 'wait':
          nextBackoffMs = undefined;
          await this.#sleep(step.ms, step.before, step.cause);
          last = { kind: 'waited', resume: step.resume };
          break;
        case 'park':
          throw await this.#park(step.reason, step.notBeforeAt);
        case 'record':
          await this.#recordInFlightFound();
          last = { kind: 'recorded' };
          break;
        case 'lookup': {
          const held = this.#env.options.protection === undefined ? undefined : await this.#admit('read', 'lookup', { to: 'rules' });
          if (held !== undefined) {
            last = held;
            break;
          }
          const verdict = await this.#withTicket(() => this.#lookup(this.#op.reconcile as ReconcileDefinition<unknown, unknown>));
          if (verdict.found === 'succeeded') this.#env.options.protection?.budget?.deposit('success', this.#env.options.clock.now());
          this.#verdict = verdict;
          last = { kind: 'lookedUp', verdict, startedAt: decision.nowAt };
          break;
        }
        case 'send': {
          const held =
            this.#env.options.protection === undefined ? undefined : await this.#admit('write', 'send', { to: 'send', resend: step.resend, earlierMayHaveExecuted: step.earlierMayHaveExecuted });
          if (held !== undefined) {
            last = held;
            break;
          }
          if (step.resend) this.trace.resent = true;
          const outcome = await (this.#ticket === undefined ? this.#sendAttempt() : this.#withTicket(() => this.#sendAttempt()));
          last = { kind: 'answered', outcome, earlierMayHaveExecuted: step.earlierMayHaveExecuted, refusedForWindow: this.#windowRefused !== undefined };
          break;
        }
        case 'recordAnswer': {
          const answered = last as Extract<LastStep, { kind: 'answered' }>;
          await this.#recordAnswer(step, answered.outcome);
          last = { kind: 'answerRecorded', outcome: answered.outcome, earlierMayHaveExecuted: answered.earlierMayHaveExecuted };
          break;
        }
        case 'settle':
          return this.#settle(step, last);
      }
    }
  }

  /** What `decide()` needs, read from the run, the record, the shared venue hold and the clock. */
  #decisionState(last: LastStep, nextBackoffMs: number | undefined): DecisionState {
    const env = this.#env;
    const { options } = env;
    const record = this.#record;
    return {
      status: record.status,
      stored: record.outcome,
      createdAt: record.createdAt,
      updatedAt: record.updatedAt,
      expiresAt: record.expiresAt,
      nowAt: options.clock.now(),
      deadlineAt: this.#deadlineAt,
      deadlineMs: options.deadlineMs,
      maxRetryAfterMs: options.maxRetryAfterMs,
      venue: this.#venueFacts,
      venueHold: { endsAt: env.venueHoldEndsAt, cause: env.venueHoldCause },
      protection: options.protection === undefined ? NO_PROTECTION : protectionFacts(options.protection, record.operation, options.clock.now()),
      attemptsSoFar: record.attempt,
      canLookUp: this.#op.reconcile !== undefined,
      sendsThisRun: this.#sentThisRun,
      maxSends: this.#maxSends,
      lookupsThisRun: this.#lookups,
      maxLookups: this.#maxLookups,
      parkedCheck: this.#parkedCheck,
      lastOutcome: this.#lastOutcome,
      aborted: this.#signal?.aborted === true,
      nextBackoffMs,
      last,
    };
  }

  /** Emits the reports a step carries, before it is performed (a lookup's "found" waits for its write). */
  #reportBefore(step: Step): void {
    if (step.keyExpired !== undefined) this.#emitKeyExpired(step.keyExpired);
    if (step.held !== undefined) this.#reportHeld(step.held);
    const reconcile = step.reconcile;
    if (reconcile !== undefined && !(step.kind === 'settle' && reconcile.lookup === 'found')) this.#emitReconcile(reconcile.lookup, reconcile.action);
  }

  /** The error a `stop` step (or a settled failure) ends the run with. */
  #stopError(error: StopError): Error {
    switch (error.kind) {
      case 'parkedNotDue':
        return this.#ambiguous(`parked until ${new Date(error.nextCheckAt).toISOString()}: ${error.reason}`, undefined, error.nextCheckAt);
      case 'rejected':
        return this.#rejection(this.#record.outcome);
      case 'exhausted':
        return this.#exhausted(error.reason, error.detail, error.retryAfterMs);
      case 'aborted':
        return this.#ambiguous('aborted while the attempt was in flight', this.#signal?.reason);
      case 'circuitOpen':
        return new CircuitOpenError({
          intentId: this.#record.id,
          venue: this.#record.venue,
          operation: this.#record.operation,
          retryAt: error.retryAt,
          reason: error.reason,
          recorded: this.#record.epoch > 0,
        });
      case 'windowRefused': {
        const { options } = this.#env;
        const window = options.venue.reconcile.requestWindow as RequestWindowSpec;
        return new ConfigurationError({
          path: `operations.${this.#record.operation}.request() ${window.in} ${window.field}`,
          expected: `a request window of at most ${String(window.maxMs)} ms (${options.venue.name} refuses more); the intent was not sent and is failed`,
          received: this.#windowRefused ?? '',
        });
      }
    }
  }

  /**
   * Found in flight at start. Durable: from here on the intent is `unknown` and is
   * reconciled before any resend; the outcome bounds when the lost attempt was dispatched.
   */
  /** An attempt found in flight at start becomes `unknown`: docs/durability.md#d6-an-attempt-found-in-flight-is-reconciled-before-anything-is-resent. */
  async #recordInFlightFound(): Promise<void> {
    const sentBy = this.#latestDispatch();
    this.#raiseFloor(this.#record.outcome?.settleAt);
    const settleAt = this.#settleAtAfterCrash(sentBy);
    const lost = this.#record.outcome?.correlationId;
    await this.#transition('unknown', { outcome: { kind: 'unknown', reason: 'attempt in flight when resumed', sentBy, ...settleAt, ...(lost === undefined ? {} : { correlationId: lost }) } });
  }

  /**
   * Records an attempt's answer that does not settle the intent: `unknown` (durable: from
   * then on only a lookup or a deduplicated resend follows) or `pending` (durable proof it
   * did not execute: the same key goes next). Then reports it, and holds the venue when
   * the answer was a venue-wide rate limit.
   */
  async #recordAnswer(step: Extract<Step, { kind: 'recordAnswer' }>, outcome: Outcome): Promise<void> {
    const { options } = this.#env;
    if (step.to === 'pending') {
      await this.#transition('pending', {});
    } else {
      const { record } = step;
      const stored: StoredOutcome = {
        ...this.#storedFrom(outcome),
        ...(record.asUnknown ? { kind: 'unknown' } : {}),
        ...(record.reason === undefined ? {} : { reason: record.reason }),
        ...(record.stampDispatch ? this.#sentFields() : {}),
      };
      await this.#transition('unknown', { outcome: stored });
    }
    this.#emitOutcome(this.#answerAttempt, outcome);
    if (step.holdVenueForMs !== undefined) this.#blockVenue(options.clock.now() + step.holdVenueForMs);
  }

  /**
   * Settles the intent (durable and final: one compare-and-set write of `succeeded` or
   * `failed`), then returns the result or throws the error the step names.
   */
  async #settle(step: Extract<Step, { kind: 'settle' }>, last: LastStep): Promise<IntentResult<unknown>> {
    const source = step.outcome;
    if (source.from === 'answer') {
      const outcome = (last as Extract<LastStep, { kind: 'answered' }>).outcome;
      if (step.status === 'succeeded') {
        const response = this.#answerResponse as AxiosResponse;
        const value: unknown = this.#op.definition.result ? this.#op.definition.result(response, this.#input) : response.data;
        await this.#transition('succeeded', { outcome: extend(this.#storedFrom(outcome), { result: value }), releaseLease: true });
        this.#freshResult = { value };
        this.#emitOutcome(this.#answerAttempt, outcome);
        return this.#successResult(false);
      }
      await this.#transition('failed', { outcome: this.#storedFrom(outcome), releaseLease: true });
      this.#emitOutcome(this.#answerAttempt, outcome);
      throw this.#stopError(step.error ?? { kind: 'rejected' });
    }
    if (source.from === 'lookup') {
      const verdict = this.#verdict as Extract<LookupVerdict<unknown>, { found: 'succeeded' }>;
      await this.#transition('succeeded', { outcome: { kind: 'success', reason: RECONCILED_REASON, reconciled: true, result: verdict.result }, releaseLease: true });
      this.#freshResult = { value: verdict.result };
      this.trace.reconciledFound = true;
      this.#emitReconcile('found', 'settled');
      return this.#successResult(true);
    }
    await this.#transition(step.status, { outcome: source.outcome, releaseLease: true });
    if (step.reconcile?.lookup === 'found') {
      this.trace.reconciledFound = true;
      this.#emitReconcile('found', 'settled');
    }
    throw this.#stopError(step.error ?? { kind: 'rejected' });
  }

  /**
   * The latest moment the attempt recorded in flight may have been dispatched: the
   * dispatch fence (#assertMayDispatch) lets a request go only within
   * `attemptTimeoutMs` of its in-flight record and before its lease ends.
   */
  #latestDispatch(): number {
    const now = this.#env.options.clock.now();
    const record = this.#record;
    return Math.min(now, record.updatedAt + this.#env.options.attemptTimeoutMs, record.leaseExpiresAt ?? Number.POSITIVE_INFINITY);
  }

  /**
   * Parks the intent: records (durably, compare-and-set like every write) that its
   * allowance is spent with the outcome still unknown, with the time of its next check
   * and why. Later runs give it one check at a time on a growing schedule instead of a
   * full allowance. Returns the error for the caller to throw.
   */
  async #park(reason: string, notBefore?: number): Promise<AmbiguousOutcomeError> {
    const { options, events } = this.#env;
    const now = options.clock.now();
    const previous = this.#record.outcome;
    const count = Math.max(previous?.parked?.count ?? 0, this.#priorParks) + 1;
    const delay = computeBackoffDelay({ jitter: 'equal', baseDelayMs: options.parkedBaseDelayMs, maxDelayMs: options.parkedMaxDelayMs }, count, 0, options.random);
    const parked: ParkedState = { at: now, nextCheckAt: Math.max(now + delay, notBefore ?? 0), count, reason: reason.slice(0, 500) };
    const outcome: StoredOutcome = { ...storedCopy(previous ?? { kind: 'unknown', reason }), parked };
    // The run ends here: the same write gives the lease back (no release call follows).
    await this.#transition('unknown', { outcome, releaseLease: true });
    if (events.has('intentParked')) events.emit('intentParked', { ...this.#base, attempt: this.#record.attempt, businessId: this.#record.businessId, ...parked });
    return this.#ambiguous(reason, undefined, parked.nextCheckAt);
  }

  /**
   * One attempt: durable in-flight record, then the send; returns the classified answer
   * (recording it is the next step `decide()` chooses).
   */
  async #sendAttempt(): Promise<Outcome> {
    const prepared = this.#prepareAttempt();
    // Write-ahead: after this resolves the attempt is recorded in the ledger (durably, for
    // a durable store) with its number and our epoch. Only then may a byte be sent.
    // See docs/durability.md#d1-the-attempt-is-durable-before-the-first-byte-is-sent.
    await this.#transition('inFlight', { attempt: prepared.attempt, outcome: prepared.inFlight });
    return this.#dispatch(prepared);
  }

  /**
   * Builds the next attempt's request (with the key placed) and the in-flight outcome
   * that records it. Built before the in-flight record: a builder that throws leaves the
   * intent as it was, with nothing sent.
   */
  #prepareAttempt(): PreparedAttempt {
    const attempt = this.#record.attempt + 1;
    const context: AttemptContext = Object.freeze(extend(this.#context, { attempt }));
    const correlationId = newCorrelationId();
    const config = this.#buildConfig(this.#op.definition.request(this.#input, context), attempt, 'send', true, correlationId);
    this.#throwIfAborted();
    // A request-window venue: the earlier attempts' settle instant rides along, so a
    // restart that finds this attempt in flight still waits for the longest window sent.
    // The attempt's correlation id is recorded with it, so a restart that finds it in
    // flight (and a person reading the ledger) can match it to the venue's logs.
    const inFlight: StoredOutcome = { kind: 'inFlight', reason: 'attempt in flight', correlationId, ...(this.#settleFloor > 0 ? { settleAt: this.#settleFloor } : {}) };
    return { attempt, config, correlationId, inFlight };
  }

  /**
   * A new intent only, before it is stored (the run holds the draft as a pending record):
   * when `decide()` would send at once, prepares that first attempt and returns the
   * in-flight outcome for `LedgerStore.create` to store with the intent, claimed, in one
   * write (`CreateInFlight`). `undefined` (a wait comes first, or the request builder
   * threw): the intent is created pending and the run takes the ordinary path.
   */
  prepareFirstSend(): FirstSend | Promise<FirstSend> {
    if (this.#record.status !== 'pending' || this.#record.attempt !== 0) return undefined;
    const step = decide(this.#decisionState({ kind: 'start' }, undefined));
    if (step.kind === 'stop' && step.error.kind === 'circuitOpen') {
      // The breaker fails new sends fast: nothing is written and nothing is sent.
      if (step.held !== undefined) this.#reportHeld(step.held);
      return { refused: this.#stopError(step.error) };
    }
    if (step.kind !== 'send' || step.keyExpired !== undefined || step.reconcile !== undefined) return undefined;
    let prepared: PreparedAttempt;
    try {
      prepared = this.#prepareAttempt();
    } catch {
      // The ordinary path calls the builder again and reports its error where it always has.
      return undefined;
    }
    // Without protection nothing is asked (and no promise is made: the happy path stays lean).
    if (this.#env.options.protection === undefined) {
      this.#preparedFirst = { prepared, step, ticket: undefined };
      return { inFlight: prepared.inFlight };
    }
    return this.#admitFirst(prepared, step);
  }

  /**
   * Protection is asked before the create: held back (no room in a limit, or the breaker
   * changed meanwhile), the intent takes the ordinary path, which waits or stops.
   */
  async #admitFirst(prepared: PreparedAttempt, step: Extract<Step, { kind: 'send' }>): Promise<FirstSend> {
    const held = await this.#admit('write', 'send', { to: 'send', resend: false, earlierMayHaveExecuted: false });
    if (held !== undefined) return undefined;
    this.#preparedFirst = { prepared, step, ticket: this.#ticket };
    this.#ticket = undefined;
    return { inFlight: prepared.inFlight };
  }

  /** The prepared first attempt will not be sent (the create failed): gives its breaker place back. */
  abandonPrepared(): void {
    const ticket = this.#preparedFirst?.ticket;
    this.#preparedFirst = undefined;
    if (ticket !== undefined) this.#env.options.protection?.breaker?.abandon(ticket, this.#env.options.clock.now());
  }

  /**
   * Takes the record `create` stored from {@link prepareFirstSend}'s outcome. Returns
   * false (and forgets the prepared attempt) unless it is exactly that: attempt 1 in
   * flight under this worker's lease. A store that ignored the in-flight start created
   * the intent pending, and the caller takes the ordinary path.
   */
  adoptCreated(record: IntentRecord): boolean {
    const first = this.#preparedFirst;
    const ours =
      first !== undefined &&
      record.status === 'inFlight' &&
      record.attempt === first.prepared.attempt &&
      record.leaseOwner === this.#env.options.workerId &&
      record.outcome?.correlationId === first.prepared.correlationId;
    if (!ours) {
      this.abandonPrepared();
      return false;
    }
    this.#record = record;
    return true;
  }

  /** Sends a prepared attempt whose in-flight record is durable, and classifies the answer. */
  async #dispatch(prepared: PreparedAttempt): Promise<Outcome> {
    const { options, events } = this.#env;
    const { attempt, config, correlationId } = prepared;
    this.#sentThisRun++;
    this.#answerAttempt = attempt;
    this.#answerResponse = undefined;
    this.trace.attempts++;
    this.#correlationId = correlationId;
    this.#attemptSettleMs = undefined;
    this.#windowRefused = undefined;
    const sentAt = options.clock.now();
    events.counters?.attemptStarted(this.#record.id, attempt);
    if (events.has('attemptStarted')) {
      const base = this.#base;
      events.emit('attemptStarted', {
        intentId: base.intentId,
        operation: base.operation,
        scope: base.scope,
        venue: base.venue,
        key: base.key,
        attempt,
        venueKey: this.#record.venueKey,
        correlationId,
        request: this.#summary(config),
      });
    }

    const result = await roundTrip(this.#env.http, config, (final) => {
      this.#assertMayDispatch();
      this.#checkRequestWindow(final);
    });
    this.#observeUsage(result);
    const outcome = this.#classify(result);
    this.#lastOutcome = outcome;
    const protection = options.protection;
    if (protection !== undefined) {
      const dispatched = result.kind === 'response' || result.dispatched;
      this.#answerTicket(dispatched ? breakerResultOf(outcome) : undefined);
      const now = options.clock.now();
      if (dispatched && attempt === 1) protection.budget?.deposit('firstAttempt', now);
      if (outcome.kind === 'success') protection.budget?.deposit('success', now);
      // A resend the venue answered (it works again) costs nothing: the budget bounds failed retries.
      if (dispatched && attempt > 1 && breakerResultOf(outcome) === 'success') protection.budget?.refund('resend', now);
    }
    this.#attemptDurationMs = options.clock.now() - sentAt;
    if (outcome.kind !== 'success') this.trace.unsettledAttempt = true;
    // The venue said "duplicate" or "key in use", or replayed a stored answer.
    if (outcome.kind === 'conflict' || outcome.replayed === true) this.trace.venueDuplicate = true;
    if (result.kind === 'error') this.#lastError = summariseError(result.error);

    if (result.kind === 'response') this.#answerResponse = result.response;
    return outcome;
  }

  #classify(result: RoundTrip): Outcome {
    const { options } = this.#env;
    if (result.kind === 'response') {
      const { response } = result;
      return classifyResponse(options.venue, { status: response.status, header: headerReader(response), body: response.data }, options.clock.now());
    }
    if (!result.dispatched && this.#windowRefused !== undefined) {
      // Refused before dispatch for its request window: the venue would refuse it too,
      // and resending the same request cannot help.
      return { kind: 'fatal', reason: `not sent: ${this.#windowRefused}` };
    }
    if (!result.dispatched) {
      // The adapter was never reached (an interceptor or config error): nothing left this process.
      return { kind: 'retry', reason: `not sent: ${errorName(result.error)} before the request was dispatched` };
    }
    return classifyTransport(describeTransportError(result.error));
  }

  async #lookup(reconcile: ReconcileDefinition<unknown, unknown>): Promise<LookupVerdict<unknown>> {
    this.#lookups++;
    const venue = this.#env.options.venue;
    if (reconcile.request !== undefined) return this.#lookupOnce(reconcile, { kind: 'request', config: reconcile.request(this.#input, this.#context) }, undefined);
    const spec = venue.reconcile.lookup;
    if (spec === undefined) {
      if (venue.reconcile.scan !== undefined) return this.#scan();
      return { found: 'inconclusive', reason: `${venue.name} has no lookup by key` };
    }
    // The profile's lookup, then its fallbacks while each answers "not found" (Bybit's
    // realtime list, then the history): found by any is found, a miss in all is a miss.
    let verdict: LookupVerdict<unknown> = { found: 'notFound' };
    for (const each of [spec, ...(venue.reconcile.fallbackLookups ?? [])]) {
      verdict = await this.#lookupOnce(reconcile, this.#profileLookupRequest(each, reconcile), each);
      if (verdict.found !== 'notFound') return verdict;
    }
    return verdict;
  }

  /**
   * One lookup request and its verdict. `spec` is the profile lookup it was built from
   * (its foundPath applies), `undefined` for the operation's own request.
   */
  async #lookupOnce(reconcile: ReconcileDefinition<unknown, unknown>, built: BuiltLookup, spec: LookupSpec | undefined): Promise<LookupVerdict<unknown>> {
    if (built.kind === 'unavailable') return { found: 'inconclusive', reason: built.reason };
    const sent = await this.#sendLookup(built.config, spec === undefined ? 'operation' : 'lookup');
    const { result } = sent;
    if (result.kind === 'error') {
      return this.#lookupDone(sent, { found: 'inconclusive', reason: classifyTransport(describeTransportError(result.error)).reason });
    }
    const response: LookupResponse = { status: result.response.status, data: result.response.data, header: headerReader(result.response) };
    if (reconcile.interpret) return this.#lookupDone(sent, reconcile.interpret(response, this.#input, this.#context), result.response.status);
    // The profile's foundPath describes the profile's own lookup endpoint, not one the
    // operation chose: applying it to another body could read a hit as a miss.
    return this.#lookupDone(sent, this.#defaultInterpret(result.response, spec, built.value), result.response.status);
  }

  /** Sends one lookup request (a lookup, a fallback or a scan page) with a fresh correlation id. */
  async #sendLookup(built: AxiosRequestConfig, via: 'lookup' | 'scan' | 'operation'): Promise<{ result: RoundTrip; correlationId: string; startedAt: number }> {
    const { events, options } = this.#env;
    const correlationId = newCorrelationId();
    const config = this.#buildConfig(built, 0, 'lookup', false, correlationId);
    this.trace.lookupRequests++;
    const startedAt = options.clock.now();
    if (events.has('lookupStarted')) events.emit('lookupStarted', { ...this.#base, attempt: this.#record.attempt, correlationId, via, request: this.#summary(config) });
    const result = await roundTrip(this.#env.http, config);
    this.#observeUsage(result);
    return { result, correlationId, startedAt };
  }

  /** Reports a lookup request's verdict (`lookupFinished`) and returns it. */
  #lookupDone(sent: { correlationId: string; startedAt: number }, verdict: LookupVerdict<unknown>, httpStatus?: number): LookupVerdict<unknown> {
    const { events, options } = this.#env;
    if (events.has('lookupFinished')) {
      const reason = verdict.found === 'inconclusive' || verdict.found === 'failed' ? verdict.reason : undefined;
      events.emit('lookupFinished', {
        ...this.#base,
        attempt: this.#record.attempt,
        correlationId: sent.correlationId,
        verdict: verdict.found === 'succeeded' ? 'found' : verdict.found,
        ...(httpStatus === undefined ? {} : { httpStatus }),
        ...(reason === undefined ? {} : { reason }),
        durationMs: options.clock.now() - sent.startedAt,
      });
    }
    return verdict;
  }

  /**
   * Finds the intent's object by scanning the venue's list of objects created since the
   * intent (`profile.reconcile.scan`), page by page, matching the echoed venue key. A
   * complete scan without a match is "not found" only on a read-after-write consistent
   * list; anything cut short (an error, an unreadable page, the page limit) is inconclusive.
   */
  async #scan(): Promise<LookupVerdict<unknown>> {
    const venue = this.#env.options.venue;
    const spec = venue.reconcile.scan as NonNullable<typeof venue.reconcile.scan>;
    const maxPages = spec.maxPages ?? DEFAULT_SCAN_MAX_PAGES;
    let cursor: string | undefined;
    for (let page = 0; page < maxPages; page++) {
      const sent = await this.#sendLookup(buildScanPage(spec, this.#record.createdAt, cursor), 'scan');
      const { result } = sent;
      if (result.kind === 'error') return this.#lookupDone(sent, { found: 'inconclusive', reason: classifyTransport(describeTransportError(result.error)).reason });
      const response = result.response;
      const outcome = classifyResponse(venue, { status: response.status, header: headerReader(response), body: response.data }, this.#env.options.clock.now());
      if (outcome.kind !== 'success') return this.#lookupDone(sent, { found: 'inconclusive', reason: `scan page: ${outcome.reason}` }, response.status);
      const read = readScanPage(spec, response.data, this.#record.venueKey);
      switch (read.kind) {
        case 'match': {
          const found: AxiosResponse = { ...response, data: read.item };
          const value: unknown = this.#op.definition.result ? this.#op.definition.result(found, this.#input) : read.item;
          return this.#lookupDone(sent, { found: 'succeeded', result: value }, response.status);
        }
        case 'end':
          return this.#lookupDone(
            sent,
            spec.consistent ? { found: 'notFound' } : { found: 'inconclusive', reason: 'not in the list, which is not read-after-write consistent' },
            response.status,
          );
        case 'unreadable':
          return this.#lookupDone(sent, { found: 'inconclusive', reason: read.reason }, response.status);
        case 'next':
          // Not on this page; the scan goes on.
          this.#lookupDone(sent, { found: 'notFound' }, response.status);
          cursor = read.cursor;
      }
    }
    return { found: 'inconclusive', reason: `the scan stopped after ${maxPages} page(s)` };
  }

  /** A lookup the venue profile describes, built for this intent. */
  #profileLookupRequest(spec: LookupSpec, reconcile: ReconcileDefinition<unknown, unknown>): BuiltLookup {
    // The original write, rebuilt as the next attempt would be, supplies the business
    // parameters the lookup needs (symbol, instrument, category).
    const original = this.#op.definition.request(this.#input, Object.freeze(extend(this.#context, { attempt: this.#record.attempt })));
    const extra = reconcile.params?.(this.#input, this.#context);
    return buildLookupRequest(spec, original, this.#record.venueKey, extra);
  }

  #defaultInterpret(response: AxiosResponse, spec: LookupSpec | undefined, searched: string | undefined): LookupVerdict<unknown> {
    const foundPath = spec?.foundPath;
    const venue = this.#env.options.venue;
    const { code } = readVenueError(venue, response.data);
    if (response.status === 404 || (code !== undefined && (venue.reconcile.notFoundCodes ?? []).includes(code))) {
      return { found: 'notFound' };
    }
    const outcome = classifyResponse(venue, { status: response.status, header: headerReader(response), body: response.data }, this.#env.options.clock.now());
    if (outcome.kind === 'success' && foundPath !== undefined && !holdsValue(response.data, foundPath)) {
      // Venues such as Bybit answer a miss with 200 and an empty list.
      return { found: 'notFound' };
    }
    if (outcome.kind === 'success' && spec?.match !== undefined && searched !== undefined) {
      // Trust the object, not the venue's filter: an answer listing other orders (a filter
      // the venue ignored) must not read as found.
      const matched = matchLookupItems(spec.match, response.data, searched);
      if (matched === 'miss') return { found: 'notFound' };
      if (matched === 'unreadable') return { found: 'inconclusive', reason: `the lookup answer has no ${spec.match.keyPath} to compare under ${spec.match.itemsPath}` };
    }
    if (outcome.kind === 'success') {
      const value: unknown = this.#op.definition.result ? this.#op.definition.result(response, this.#input) : response.data;
      return { found: 'succeeded', result: value };
    }
    return { found: 'inconclusive', reason: outcome.reason };
  }

  #buildConfig(built: AxiosRequestConfig, attempt: number, purpose: 'send' | 'lookup', withKey: boolean, correlationId: string): AxiosRequestConfig {
    const { options } = this.#env;
    const keySpec = options.venue.key;
    let placed = withKey ? placeKey(built, keySpec, this.#record.venueKey, this.#record.operation) : built;
    if (withKey && keySpec.echo !== undefined) {
      // A form body spells a nested field with brackets (`metadata[intentkey_key]`).
      const form = keySpec.echo.placement === 'body' && (placed.data instanceof URLSearchParams || typeof placed.data === 'string');
      const field = form ? bracketed(keySpec.echo.field) : keySpec.echo.field;
      placed = placeKey(placed, { placement: keySpec.echo.placement, field, format: keySpec.format }, this.#record.venueKey, this.#record.operation);
    }
    const header = options.correlationHeader;
    if (header !== undefined) {
      // Sent only when the user names a header: some venues refuse headers they do not know.
      const headers = AxiosHeaders.from((placed.headers ?? {}) as Record<string, string>);
      headers.set(header, correlationId);
      placed = extend(placed, { headers });
    }
    const config: AxiosRequestConfig = extend(placed, {
      timeout: placed.timeout ?? options.attemptTimeoutMs,
      intentkey: requestMeta({
        intentId: this.#record.id,
        operation: this.#record.operation,
        key: this.#record.key,
        venueKey: this.#record.venueKey,
        attempt,
        purpose,
        correlationId,
      }),
    });
    if (this.#signal && !placed.signal) config.signal = this.#signal;
    return config;
  }

  /**
   * Reads the venue's rate-limit usage headers from a response and, when a counter
   * reached `pauseAtUsage`, holds every send to the venue until its window resets.
   */
  #observeUsage(result: RoundTrip): void {
    if (result.kind !== 'response') return;
    const { options, events } = this.#env;
    if (options.venue.rateLimit.usage === undefined || options.venue.rateLimit.usage.length === 0) return;
    const now = options.clock.now();
    const usage = readRateLimitUsage(options.venue, headerReader(result.response), now);
    if (usage.length === 0) return;
    let resumeAt: number | undefined;
    for (const counter of usage) {
      if (counter.utilisation === undefined || counter.resetAt === undefined) continue;
      if (counter.utilisation >= options.pauseAtUsage && counter.resetAt > now) resumeAt = Math.max(resumeAt ?? 0, counter.resetAt);
    }
    const limiter = options.protection?.limiter;
    if (limiter !== undefined) {
      // Best effort: a count the limiter could not raise is raised by the next response.
      try {
        const observed = limiter.observe(usage, now);
        if (observed instanceof Promise) observed.catch(() => undefined);
      } catch {
        // As above.
      }
    }
    if (resumeAt !== undefined && resumeAt > this.#env.venueHoldEndsAt) {
      this.#env.venueHoldEndsAt = resumeAt;
      this.#env.venueHoldCause = 'rateLimitUsage';
    }
    if (events.has('rateLimitUsage')) {
      events.emit('rateLimitUsage', resumeAt === undefined ? { ...this.#base, usage } : { ...this.#base, usage, resumeAt });
    }
  }

  #blockVenue(endsAt: number): void {
    if (endsAt <= this.#env.venueHoldEndsAt) return;
    this.#env.venueHoldEndsAt = endsAt;
    this.#env.venueHoldCause = 'venueBan';
  }

  #nextBackoff(): number {
    this.#retryNumber++;
    const { options } = this.#env;
    const delay = computeBackoffDelay(
      { jitter: options.jitter, baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs },
      this.#retryNumber,
      this.#previousDelayMs,
      options.random,
    );
    this.#previousDelayMs = delay;
    return delay;
  }

  /**
   * Performs a `wait` step `decide()` planned (deadline and venue limits already checked):
   * reports it, then sleeps. The slot is given back for the wait and taken again before
   * the next request.
   */
  async #sleep(delayMs: number, before: 'send' | 'lookup', cause: string): Promise<void> {
    const { options, events } = this.#env;
    // Emitted before the wait so a test with a manual clock can see it and advance.
    if (events.has('retryScheduled')) events.emit('retryScheduled', { ...this.#base, attempt: this.#record.attempt, delayMs, before, cause });
    // Waiting for the breaker: its next change (a probe's answer) ends the wait early.
    const wake = cause === 'circuitOpen' ? options.protection?.breaker?.whenChanged() : undefined;
    const own = this.#waitSignal;
    const signal = wake === undefined ? own : own === undefined ? wake : AbortSignal.any([own, wake]);
    const slot = this.#slot;
    slot?.release();
    try {
      await options.sleep(delayMs, signal);
    } catch (error) {
      if (wake?.aborted !== true || own?.aborted === true) throw error;
    } finally {
      if (slot !== undefined) await slot.acquire();
    }
  }

  /**
   * Asks the client's protection for the request a step chose, before anything is
   * written for it: the rate limiter first (it may wait on Redis), then the budget and
   * the breaker, synchronously, so what decide() saw still holds unless the limiter's
   * wait changed it. `undefined`: go (a write's breaker ticket is kept for its answer, the
   * budget is paid). Otherwise what decide() is told: `throttled` (a limit is full) or
   * `waited` with the same resume (ask the gates again). Nothing is written or sent then.
   */
  async #admit(kind: LimiterRequestKind, before: 'send' | 'lookup', resume: Resume): Promise<LastStep | undefined> {
    this.#ticket = undefined;
    const { options } = this.#env;
    const protection = options.protection;
    if (protection === undefined) return undefined;
    if (protection.limiter !== undefined) {
      let permit: LimiterPermit;
      try {
        permit = await protection.limiter.acquire(kind, options.clock.now());
      } catch {
        // The limiter could not answer (its Redis is down): never send past it unasked; ask again shortly.
        permit = { granted: false, retryInMs: LIMITER_UNAVAILABLE_RETRY_MS, limitId: 'unavailable' };
      }
      if (!permit.granted) {
        this.#throttledBy = permit.limitId;
        // A limiter of the user's own may answer anything: a wait that is not a number is
        // asked again shortly, one beyond any timer ends at the deadline (decide's rule).
        const asked: unknown = permit.retryInMs;
        const retryInMs = typeof asked !== 'number' || Number.isNaN(asked) || asked < 0 ? LIMITER_UNAVAILABLE_RETRY_MS : Math.min(asked, MAX_TIMER_MS);
        const limitId: unknown = permit.limitId;
        return { kind: 'throttled', retryInMs, limitId: typeof limitId === 'string' ? limitId : 'unnamed', before, resume };
      }
    }
    const now = options.clock.now();
    const spend = before === 'lookup' ? 'lookup' : this.#record.attempt > 0 ? 'resend' : undefined;
    const budget = protection.budget;
    if (budget !== undefined && spend !== undefined && budget.waitFor(spend, now) > 0) return { kind: 'waited', resume };
    // Writes take a ticket (their answers judge the venue); lookups only ask (see decide's protectionGate).
    if (protection.breaker !== undefined && kind === 'write') {
      const taken = protection.breaker.acquire(this.#record.operation, now);
      if ('refused' in taken) return { kind: 'waited', resume };
      this.#ticket = taken.ticket;
    } else if (protection.breaker !== undefined && protection.breaker.peekLookup(this.#record.operation, now).kind === 'refuse') {
      return { kind: 'waited', resume };
    }
    if (budget !== undefined && spend !== undefined) budget.tryWithdraw(spend, now);
    return undefined;
  }

  /**
   * Runs a request under the breaker's ticket; a ticket its answer did not use is given
   * back. Without a ticket (no breaker, or none asked) the request is run as is: only
   * `#admit` takes a ticket, and never while a request is under way.
   */
  async #withTicket<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } finally {
      if (this.#ticket !== undefined) this.#answerTicket(undefined);
    }
  }

  /** Tells the breaker how the ticket's request went (`undefined`: it was never sent). */
  #answerTicket(result: BreakerResult | undefined): void {
    const ticket = this.#ticket;
    const breaker = this.#env.options.protection?.breaker;
    this.#ticket = undefined;
    if (ticket === undefined || breaker === undefined) return;
    const now = this.#env.options.clock.now();
    if (result === undefined) breaker.abandon(ticket, now);
    else breaker.record(ticket, result, now);
  }

  /** Reports a request protection held back (`requestHeld`); a budget that could not pay counts the refusal. */
  #reportHeld(held: NonNullable<StepReports['held']>): void {
    const { events, options } = this.#env;
    if (held.cause === 'retryBudget') options.protection?.budget?.noteRefused();
    if (!events.has('requestHeld')) return;
    const limitId = held.cause === 'rateLimiter' ? this.#throttledBy : undefined;
    events.emit('requestHeld', { ...this.#base, cause: held.cause, before: held.before, action: held.action, ...(limitId === undefined ? {} : { limitId }) });
  }

  /**
   * One compare-and-set ledger write. `releaseLease`: the write ends the run (a settled or
   * parked intent), so it also gives the lease back, and no `release` call follows.
   */
  #transition(to: IntentStatus, extra: { attempt?: number; outcome?: StoredOutcome; releaseLease?: boolean }): Promise<void> {
    // Not an async function: without a renewal due this is one promise, the store's.
    // Every caller awaits it inside an async method, so a store that throws instead of
    // rejecting still ends the caller the same way.
    const renewal = this.#renewLeaseIfNeeded();
    return renewal === undefined ? this.#write(to, extra) : renewal.then(() => this.#write(to, extra));
  }

  /** The compare-and-set write of {@link #transition}; the record it returns becomes the run's. */
  #write(to: IntentStatus, extra: { attempt?: number; outcome?: StoredOutcome; releaseLease?: boolean }): Promise<void> {
    const { options } = this.#env;
    const request: { -readonly [K in keyof TransitionRequest]: TransitionRequest[K] } = {
      expectStatus: this.#record.status,
      expectEpoch: this.#record.epoch,
      to,
      now: options.clock.now(),
    };
    if (extra.attempt !== undefined) request.attempt = extra.attempt;
    if (extra.outcome !== undefined) request.outcome = extra.outcome;
    if (extra.releaseLease === true) request.releaseLease = true;
    // A person's verdict stays on the record for its whole life: its audit trail.
    const resolution = this.#record.outcome?.resolution;
    if (resolution !== undefined && request.outcome?.resolution === undefined) {
      request.outcome = { ...(request.outcome ?? { kind: 'resolved', reason: `${resolution.verdict} per ${resolution.by}` }), resolution };
    }
    return options.ledger.transition(this.#record.id, request).then((record) => {
      this.#record = record;
    });
  }

  /**
   * Re-claims our own lease past half its length, so a long run keeps ownership.
   * Returns nothing (no promise, no extra turn) while the lease has time left.
   */
  #renewLeaseIfNeeded(): Promise<void> | undefined {
    const { options } = this.#env;
    const now = options.clock.now();
    const expiresAt = this.#record.leaseExpiresAt;
    if (expiresAt === undefined || expiresAt - now > options.leaseMs / 2) return undefined;
    return this.#renewLease(now);
  }

  async #renewLease(now: number): Promise<void> {
    const { options } = this.#env;
    const claim = await options.ledger.claim(this.#record.id, { owner: options.workerId, leaseMs: options.leaseMs, now });
    if (!claim.claimed) {
      if (claim.record.leaseOwner !== undefined && claim.record.leaseOwner !== options.workerId && claim.record.leaseExpiresAt !== undefined) {
        throw new IntentBusyError({ intentId: this.#record.id, leaseExpiresAt: claim.record.leaseExpiresAt });
      }
      throw new LedgerLeaseLostError(this.#record.id, `Intent ${this.#record.id} lease could not be renewed.`);
    }
    if (claim.record.status !== this.#record.status) {
      throw new LedgerLeaseLostError(this.#record.id, `Intent ${this.#record.id} changed while its lease was renewed.`);
    }
    this.#record = claim.record;
  }

  /**
   * Request-window venues: reads the window the final (signed) request carries, just
   * before dispatch. Above the venue's maximum the request is refused here (nothing
   * leaves); otherwise its settle delay is noted for the outcome this attempt records.
   */
  #checkRequestWindow(final: WindowCarrier): void {
    const spec = this.#env.options.venue.reconcile.requestWindow;
    if (spec === undefined) return;
    const carried = readCarriedWindow(spec, final);
    const refusal = windowRefusal(spec, carried);
    if (refusal !== undefined) {
      this.#windowRefused = refusal;
      throw new ConfigurationError({ path: `request ${spec.in} ${spec.field}`, expected: `at most ${String(spec.maxMs)} ms`, received: refusal });
    }
    this.#attemptSettleMs = attemptSettleMs(spec, carried);
  }

  /** `sentBy` (now: the answer came, so the request left before it) and, for a request-window venue, `settleAt`. */
  #sentFields(): { sentBy: number; settleAt?: number } {
    const now = this.#env.options.clock.now();
    if (this.#env.options.venue.reconcile.requestWindow === undefined) return { sentBy: now };
    // Guarantee: no copy of this attempt can execute after its dispatch + its window + the
    // clock allowance. Counted from now (the answer or the failure came, so the dispatch was
    // earlier), which adds the attempt's own duration as a margin for a request already past
    // the venue's window check. An unreadable window falls back to the profile's settle delay.
    const own = now + (this.#attemptSettleMs ?? this.#env.options.venue.reconcile.settleDelayMs);
    this.#raiseFloor(own);
    return { sentBy: now, settleAt: this.#settleFloor };
  }

  /**
   * `settleAt` for an attempt found in flight after a crash (its answer, and the final
   * request, were lost): the window the rebuilt request carries when the operation sets
   * it itself, else the profile's settle delay, counted from the latest possible dispatch.
   */
  #settleAtAfterCrash(sentBy: number): { settleAt?: number } {
    const { venue } = this.#env.options;
    const spec = venue.reconcile.requestWindow;
    if (spec === undefined) return {};
    let settleMs: number | undefined;
    try {
      const rebuilt = this.#op.definition.request(this.#input, Object.freeze(extend(this.#context, { attempt: this.#record.attempt })));
      const carried = readCarriedWindow(spec, rebuilt);
      // Absent from the rebuilt request proves nothing: an interceptor may set it.
      settleMs = carried.kind === 'carried' ? attemptSettleMs(spec, carried) : undefined;
    } catch {
      settleMs = undefined;
    }
    this.#raiseFloor(sentBy + Math.max(settleMs ?? venue.reconcile.settleDelayMs, 0));
    return { settleAt: this.#settleFloor };
  }

  #raiseFloor(at: number | undefined): void {
    if (typeof at === 'number' && Number.isFinite(at) && at > this.#settleFloor) this.#settleFloor = at;
  }

  /**
   * Fencing for the send itself. Ledger writes are fenced by the epoch, but the venue
   * does not know our epoch: a worker frozen (GC pause, SIGSTOP, a slow interceptor)
   * between its in-flight record and the send could wake after another worker took the
   * intent over. So the request is dispatched only while our lease still runs; past it,
   * nothing is sent and the attempt counts as not sent (the next ledger write re-claims
   * the intent, or fails if someone else holds it). A send that passed this check just
   * before the lease ended carries a signature from before it, so on venues with a
   * request-validity window it cannot execute later than the successor's settle delay.
   * See docs/durability.md#d5-a-request-leaves-only-inside-its-lease-and-its-dispatch-window.
   */
  #assertMayDispatch(): void {
    const record = this.#record;
    const now = this.#env.options.clock.now();
    if (record.leaseExpiresAt !== undefined && now >= record.leaseExpiresAt) {
      throw new LedgerLeaseLostError(record.id, `Intent ${record.id}: lease ended before the request was dispatched; not sent.`);
    }
    // The dispatch window: a request leaves within attemptTimeoutMs of its in-flight
    // record or not at all (it then counts as not sent). A restart can so bound when an
    // attempt it finds in flight was sent (#latestDispatch), and count a settle delay from there.
    if (now >= record.updatedAt + this.#env.options.attemptTimeoutMs) {
      throw new LedgerLeaseLostError(record.id, `Intent ${record.id}: more than attemptTimeoutMs passed between the in-flight record and the dispatch; not sent.`);
    }
  }

  #throwIfAborted(): void {
    if (this.#signal?.aborted) throw this.#signal.reason;
  }

  #successResult(reconciled: boolean): IntentResult<unknown> {
    const result = resultFromRecord(this.#record, { replayed: false, reconciled });
    // A store may leave an oversized result out of the record; this call still has it.
    return this.#freshResult ? extend(result, { result: this.#freshResult.value }) : result;
  }

  #rejection(outcome: StoredOutcome | undefined): VenueRejectedError {
    return new VenueRejectedError({
      intentId: this.#record.id,
      venue: this.#record.venue,
      httpStatus: outcome?.httpStatus,
      venueCode: outcome?.venueCode,
      venueMessage: outcome?.venueMessage,
      reason: outcome?.reason ?? 'rejected',
    });
  }

  #ambiguous(reason: string, cause?: unknown, nextCheckAt?: number): AmbiguousOutcomeError {
    const record = this.#record;
    const stored = record.outcome;
    return new AmbiguousOutcomeError({
      intentId: record.id,
      key: record.key,
      venueKey: record.venueKey,
      venue: record.venue,
      attempt: record.attempt,
      reason,
      cause: cause ?? this.#lastError,
      operation: record.operation,
      businessId: record.businessId,
      nextCheckAt,
      lastAnswer: stored === undefined ? undefined : { reason: stored.reason, httpStatus: stored.httpStatus, venueCode: stored.venueCode, replayed: stored.replayed === true },
    });
  }

  #exhausted(reason: ExhaustedReason, detail: string, retryAfterMs?: number): RetriesExhaustedError {
    return new RetriesExhaustedError({
      intentId: this.#record.id,
      attempts: this.#sentThisRun,
      reason,
      status: this.#record.status,
      detail: this.#lastOutcome ? `${detail}; last outcome: ${this.#lastOutcome.reason}` : detail,
      retryAfterMs,
      cause: this.#lastError,
    });
  }

  #emitOutcome(attempt: number, outcome: Outcome): void {
    const { events } = this.#env;
    events.counters?.outcome(this.#record.id, outcome, this.#record.status);
    // Payloads are built only when someone listens: most clients have no subscriber.
    if (events.has('outcome')) {
      const base = this.#base;
      events.emit('outcome', {
        intentId: base.intentId,
        operation: base.operation,
        scope: base.scope,
        venue: base.venue,
        key: base.key,
        attempt,
        correlationId: this.#correlationId ?? '',
        outcome,
        status: this.#record.status,
        durationMs: this.#attemptDurationMs,
      });
    }
  }

  #emitKeyExpired(when: 'beforeSend' | 'resend'): void {
    if (this.#expiryReported) return;
    this.#expiryReported = true;
    const { events } = this.#env;
    if (events.has('keyExpired')) events.emit('keyExpired', { ...this.#base, attempt: this.#record.attempt, when });
  }

  /** The stored form of an attempt's outcome, with the attempt's correlation id. */
  #storedFrom(outcome: Outcome): StoredOutcome {
    return storedFrom(outcome, this.#correlationId);
  }

  /** Method and URL of a request, without query string, headers or body. */
  #summary(config: AxiosRequestConfig): RequestSummary {
    const baseURL = config.baseURL ?? this.#env.http.defaults.baseURL;
    return { method: (config.method ?? 'get').toUpperCase(), url: summariseUrl(baseURL, config.url) };
  }

  #emitReconcile(lookup: 'found' | 'notFound' | 'inconclusive' | 'skipped', action: 'settled' | 'resend' | 'wait' | 'giveUp'): void {
    const { events } = this.#env;
    if (events.has('reconcile')) events.emit('reconcile', { ...this.#base, attempt: this.#record.attempt, lookup, action });
  }
}

/** What a call returns for a succeeded intent record. */
export function resultFromRecord(record: IntentRecord, how: { replayed: boolean; reconciled: boolean }): IntentResult<unknown> {
  return {
    intentId: record.id,
    key: record.key,
    venueKey: record.venueKey,
    status: 'succeeded',
    result: record.outcome?.result,
    attempts: record.attempt,
    replayed: how.replayed,
    reconciled: how.reconciled || record.outcome?.reconciled === true || record.outcome?.reason === RECONCILED_REASON,
  };
}

/** The part of an outcome the ledger keeps: no headers, no body, message truncated. */
function storedFrom(outcome: Outcome, correlationId?: string): StoredOutcome {
  return {
    kind: outcome.kind,
    reason: outcome.reason,
    ...(outcome.httpStatus === undefined ? {} : { httpStatus: outcome.httpStatus }),
    ...(outcome.venueCode === undefined ? {} : { venueCode: outcome.venueCode }),
    ...(outcome.venueMessage === undefined ? {} : { venueMessage: outcome.venueMessage.slice(0, MAX_MESSAGE) }),
    ...(outcome.replayed === true ? { replayed: true } : {}),
    ...(correlationId === undefined ? {} : { correlationId }),
  };
}

/** `a.b.c` as a form field: `a[b][c]`. */
function bracketed(dotted: string): string {
  const [head, ...rest] = dotted.split('.');
  return `${head ?? ''}${rest.map((part) => `[${part}]`).join('')}`;
}

function errorName(error: unknown): string {
  if (error instanceof Error) return error.name;
  return typeof error;
}

/**
 * True when the dotted `path` in `root` holds something: a scalar other than `null`
 * and `''`, a non-empty array, or an object with at least one own key.
 */
function holdsValue(root: unknown, path: string): boolean {
  let current: unknown = root;
  for (const segment of path.split('.')) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return false;
    current = (current as Record<string, unknown>)[segment];
  }
  if (current === null || current === undefined || current === '') return false;
  if (Array.isArray(current)) return current.length > 0;
  if (typeof current === 'object') return Object.keys(current).length > 0;
  return true;
}
