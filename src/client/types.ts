import type { AxiosRequestConfig, AxiosResponse } from 'axios';
import type { JitterStrategy } from '../backoff/index.js';
import type { Outcome } from '../classify/outcome.js';
import type { RateLimitUsage } from '../classify/rate-limit-usage.js';
import type { Clock, Sleep } from '../internal/clock.js';
import type { RandomSource } from '../internal/random.js';
import type { IntentStatus, IntentView, ParkedState } from '../ledger/intent.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { ProtectionOptions } from './protection.js';
import type { VenueProfile } from '../venues/profile.js';

/** How intent keys are made. */
export type KeyStrategyOption = 'ulid' | 'uuidv4' | 'uuidv7' | 'nanoid' | 'derived';

/** Retry and backoff settings for every intent of a client. */
export interface RetryOptions {
  /**
   * Most attempts one call may send (the first send counts as 1). Reconcile lookups
   * are not counted here. @default 6
   */
  readonly maxAttempts?: number;
  /** Jitter applied to the exponential delay. @default 'full' */
  readonly jitter?: JitterStrategy;
  /** Nominal delay before the first retry, in ms; doubles per retry. @default 200 */
  readonly baseDelayMs?: number;
  /** Largest backoff delay, in ms. @default 20000 */
  readonly maxDelayMs?: number;
  /**
   * Time budget for one call, from its start until it returns or throws, in ms,
   * covering every attempt, wait and lookup. When the next wait would cross it the
   * call stops (`RetriesExhaustedError` if nothing may have executed, otherwise
   * `AmbiguousOutcomeError`). @default 60000
   */
  readonly deadlineMs?: number;
  /**
   * Longest wait a venue may ask for (Retry-After, ban end), in ms. A longer request
   * stops the call with `RetriesExhaustedError` (reason `retryAfterTooLong`) rather
   * than waiting less than the venue asked, which would extend a ban. @default 60000
   */
  readonly maxRetryAfterMs?: number;
  /**
   * Share of a rate limit (0 < x <= 1), read from the venue's usage headers
   * (`profile.rateLimit.usage`), at which the client stops sending to the venue until
   * that counter's window resets. Acting before the limit is hit avoids the refusals
   * and, on venues such as Binance, the IP bans that follow them. A pause longer than
   * `maxRetryAfterMs` ends the call with `RetriesExhaustedError` before anything is
   * sent. Counters without a known limit or reset never pause. @default 0.95
   */
  readonly pauseAtUsage?: number;
}

/** Key generation settings. */
export interface KeyOptions {
  /**
   * - `ulid` (default): 26 chars, time-ordered, random.
   * - `uuidv4`, `uuidv7`: RFC 9562 UUIDs.
   * - `nanoid`: 21 URL-safe chars.
   * - `derived`: HMAC of scope + operation + businessId, so a lost ledger record still
   *   yields the same key. Every call must then carry a `businessId`.
   * @default 'ulid'
   */
  readonly strategy?: KeyStrategyOption;
  /**
   * Secret mixed into `derived` keys (and nothing else), so keys cannot be guessed
   * from business ids. Keep it stable: changing it changes every derived key.
   * @default a fixed public domain-separation string
   */
  readonly secret?: string;
}

/** Typed event payloads. None carries headers, credentials, signatures or bodies. */
export interface IntentEventMap {
  /** An attempt is recorded as started in the ledger and is about to be sent. */
  attemptStarted: AttemptStartedEvent;
  /** The runner will wait `delayMs` before the next attempt or lookup. Emitted before the wait starts. */
  retryScheduled: RetryScheduledEvent;
  /** An attempt was classified. */
  outcome: OutcomeEvent;
  /** A reconcile lookup ran (or was skipped) for an intent whose outcome was unknown. */
  reconcile: ReconcileEvent;
  /** A suspicious but legal setup, reported once per client. */
  warning: WarningEvent;
  /** A response carried the venue's rate-limit usage headers (`profile.rateLimit.usage`). */
  rateLimitUsage: RateLimitUsageEvent;
  /** An intent's allowance is spent with its outcome unknown: it is parked until its next check. */
  intentParked: IntentParkedEvent;
  /** A recovery pass read the ledger and is about to resume what it found. */
  recoveryStarted: RecoveryStartedEvent;
  /** A recovery pass finished one intent (settled, failed, parked or left for a person). */
  recoveryProgress: RecoveryProgressEvent;
  /** A recovery pass ended; carries its report. */
  recoveryFinished: RecoveryFinishedEvent;
  /** A call (or a recovery pass) began driving an intent, after its ledger record was read or created. */
  intentStarted: IntentStartedEvent;
  /** A call (or a recovery pass) stopped driving an intent: settled, or ended with an error. */
  intentFinished: IntentFinishedEvent;
  /** A reconcile lookup request is about to be sent (one per request: a scan page or a fallback lookup counts). */
  lookupStarted: LookupStartedEvent;
  /** A reconcile lookup request came back (or failed) and was read. */
  lookupFinished: LookupFinishedEvent;
  /** The same business id was used with another payload: `IntentConflictError` follows. */
  idempotencyConflict: IdempotencyConflictEvent;
  /** A person's verdict settled an intent the machine could not (`client.resolve`). */
  intentResolved: IntentResolvedEvent;
  /** The venue's key window had passed: the intent is failed unsent, or looked up instead of resent. */
  keyExpired: KeyExpiredEvent;
  /** A ledger store reported on its own work (flushes, compactions, repairs, lock takeovers). */
  ledger: LedgerObservation;
  /** Protection (retry budget, circuit breaker, rate limiter) held a send or lookup back: the run waits, stops or parks. */
  requestHeld: RequestHeldEvent;
  /** The venue's circuit breaker (or an operation's) changed position. */
  breakerStateChanged: BreakerStateChangedEvent;
}

/** Protection held a request back. */
export interface RequestHeldEvent extends IntentEventBase {
  /** What held it: the breaker is open, the retry budget cannot pay, or the rate limiter has no room. */
  readonly cause: 'circuitOpen' | 'retryBudget' | 'rateLimiter';
  /** What was held back. */
  readonly before: 'send' | 'lookup';
  /** What the run does: wait (a `retryScheduled` event follows with the wait), stop (an error, nothing sent), or park (unknown, checked later). */
  readonly action: 'wait' | 'stop' | 'park';
  /** For the rate limiter: the limit that was full (`weight-1m`). */
  readonly limitId?: string;
}

/** A circuit breaker changed position. */
export interface BreakerStateChangedEvent {
  /** The venue profile's name. */
  readonly venue: string;
  /** The operation, for a breaker with `scope: 'operation'`; absent for the venue's. */
  readonly operation?: string;
  readonly from: 'closed' | 'open' | 'halfOpen';
  readonly to: 'closed' | 'open' | 'halfOpen';
  /** When it changed, epoch ms. */
  readonly at: number;
  /** Why it opened (to `open` only), e.g. `5 failures in a row`. */
  readonly reason?: string;
  /** When it lets a probe through, epoch ms (to `open` only). */
  readonly retryAt?: number;
}

/** The request of an attempt or lookup, as much as is safe to show: no query string, headers or body. */
export interface RequestSummary {
  /** HTTP method, upper case. */
  readonly method: string;
  /** `baseURL` + path, without the query string or fragment (they may carry signatures). */
  readonly url: string;
}

export interface IntentStartedEvent extends IntentEventBase {
  readonly businessId: string | undefined;
  /** True when the intent's ledger record existed before this call (a retry of the call, or a recovery). */
  readonly resumed: boolean;
  /** Ledger status when driving began. */
  readonly status: IntentStatus;
  /** Digest of the payload (already a hash; safe to log). */
  readonly fingerprint: string;
  /** Who drives it: a call of the operation, or a recovery pass. */
  readonly via: 'call' | 'recovery';
}

export interface IntentFinishedEvent extends IntentEventBase {
  readonly businessId: string | undefined;
  readonly via: 'call' | 'recovery';
  /** Ledger status at the end. */
  readonly status: IntentStatus;
  /**
   * How the run ended: `succeeded`, `failed` (the venue refused), `ambiguous` (outcome
   * unknown, parked or for a person), `exhausted` (attempts, deadline or budget spent
   * with nothing executed), `busy` (another worker holds it), `aborted`, `conflict`
   * (another payload for the business id) or `error` (anything else).
   */
  readonly result: 'succeeded' | 'failed' | 'ambiguous' | 'exhausted' | 'busy' | 'aborted' | 'conflict' | 'error';
  /** Answered from a finished ledger record, with no request sent. */
  readonly replayedFromLedger: boolean;
  /** Settled in this run by a lookup or scan that found the first execution (never true with `replayedFromLedger`). */
  readonly reconciled: boolean;
  /** An attempt of this run was answered "duplicate", "key in use" or replayed by the venue. */
  readonly venueDuplicate: boolean;
  /** A send of this run went out after an unknown outcome (same key). */
  readonly resent: boolean;
  /** Requests this run sent for the write itself. */
  readonly attempts: number;
  /** Lookup requests this run sent. */
  readonly lookups: number;
  /** Succeeded after at least one attempt (in any process life) that failed to settle it: a retry that recovered. */
  readonly recovered: boolean;
  /** Wall time of the run on the client's clock, in ms. */
  readonly durationMs: number;
  /** Name of the error the call ended with, when it did. */
  readonly errorName?: string;
  /** Short reason of the final outcome or error. */
  readonly reason?: string;
}

export interface LookupStartedEvent extends IntentEventBase {
  readonly attempt: number;
  /** Fresh id of this lookup request (see `AttemptStartedEvent.correlationId`). */
  readonly correlationId: string;
  /** `lookup`: the profile's lookup (or a fallback); `scan`: a page of the profile's scan; `operation`: the operation's own reconcile request. */
  readonly via: 'lookup' | 'scan' | 'operation';
  readonly request: RequestSummary;
}

export interface LookupFinishedEvent extends IntentEventBase {
  readonly attempt: number;
  readonly correlationId: string;
  /** What this request said. `failed`: the object was found and the action failed at the venue. */
  readonly verdict: 'found' | 'failed' | 'notFound' | 'inconclusive';
  readonly httpStatus?: number;
  readonly reason?: string;
  /** From send to verdict, on the client's clock, in ms. */
  readonly durationMs: number;
}

export interface IdempotencyConflictEvent {
  readonly intentId: string;
  readonly operation: string;
  readonly scope: string;
  readonly venue: string;
  readonly businessId: string | undefined;
  /** The intent key, when a record exists. */
  readonly key?: string;
  /** Digest of the payload first recorded for the business id. */
  readonly storedFingerprint: string;
  /** Digest of the payload of this call. */
  readonly fingerprint: string;
}

export interface IntentResolvedEvent extends IntentEventBase {
  readonly businessId: string | undefined;
  /** What the person found: `executed` settles it as succeeded; `notExecuted` makes it sendable again with its key. */
  readonly verdict: 'executed' | 'notExecuted';
  /** Who decided. */
  readonly by: string;
  /** The person's reason. */
  readonly reason: string;
  /** The status the verdict replaced (`unknown`, or `inFlight` left by a process that died). */
  readonly previousStatus: IntentStatus;
  /** When it was written, epoch ms. */
  readonly at: number;
}

export interface KeyExpiredEvent extends IntentEventBase {
  readonly attempt: number;
  /**
   * `beforeSend`: a pending intent was past the venue's key window and is failed unsent.
   * `resend`: a key-store venue's window passed, so an unknown outcome is looked up
   * instead of resent with the same key.
   */
  readonly when: 'beforeSend' | 'resend';
}

/**
 * What a ledger store reports about its own work, when it implements
 * `LedgerStore.observe`. The file ledger reports every group commit (`flush`), and its
 * compactions, torn-tail repairs and lock takeovers.
 */
export type LedgerObservation =
  | {
      readonly type: 'flush';
      /** Records written by this group commit. */
      readonly records: number;
      readonly bytes: number;
      /** From the first queued write to the flush completing (fsync included), in ms. */
      readonly latencyMs: number;
      /** Writes still waiting when this flush completed. */
      readonly queueDepth: number;
    }
  | {
      readonly type: 'compacted';
      readonly generation: number;
      readonly liveIntents: number;
      readonly droppedIntents: number;
      readonly bytesBefore: number;
      readonly bytesAfter: number;
      /** From the cut to the old generation's deletion, in ms; writes went on meanwhile. */
      readonly durationMs: number;
      /** How long writes were held at the switch, in ms (the only time a compaction makes them wait). */
      readonly writesHeldMs: number;
    }
  | { readonly type: 'tornTailRepaired'; readonly file: string; readonly offset: number; readonly droppedBytes: number; readonly keptAs: string; readonly problem: string }
  | { readonly type: 'staleLockTakenOver'; readonly previousPid: number };

export interface IntentParkedEvent extends IntentEventBase, ParkedState {
  readonly attempt: number;
  readonly businessId: string | undefined;
}

export interface RecoveryStartedEvent {
  /**
   * Unfinished intents found in the ledger. On a store that claims in batches
   * (`LedgerStore.claimResumable`): the parked ones not due plus the first batch claimed;
   * `recoveryProgress.total` then grows with each batch.
   */
  readonly total: number;
  /** Of those, parked intents whose next check is not due: reported, not run. */
  readonly parkedNotDue: number;
}

export interface RecoveryProgressEvent {
  /** Intents of the pass known so far (see {@link RecoveryStartedEvent.total}). */
  readonly total: number;
  /** Intents this pass is done with so far. */
  readonly finished: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly parked: number;
  readonly needsAttention: number;
}

export interface RecoveryFinishedEvent {
  readonly report: RecoveryReport;
}

/** Fields shared by every per-intent event. */
export interface IntentEventBase {
  readonly intentId: string;
  readonly operation: string;
  readonly scope: string;
  readonly venue: string;
  /** The intent key (not a secret, but high-entropy; fine in logs). */
  readonly key: string;
}

export interface AttemptStartedEvent extends IntentEventBase {
  /** Attempt number, 1 for the first send of the intent (across restarts). */
  readonly attempt: number;
  readonly venueKey: string;
  /**
   * Fresh id of this attempt (`ik-` + 20 base32 characters), stored with the attempt in
   * the ledger, in `config.intentkey.correlationId` for your interceptors, and sent as a
   * header when the client option `correlationHeader` names one.
   */
  readonly correlationId: string;
  readonly request: RequestSummary;
}

export interface RetryScheduledEvent extends IntentEventBase {
  readonly attempt: number;
  /** Wait about to start, in ms. */
  readonly delayMs: number;
  /** What the wait is for. */
  readonly before: 'send' | 'lookup';
  /** The outcome kind that caused the wait (`rateLimited`, `retry`, ...), or `venueBan`/`settle`. */
  readonly cause: string;
}

export interface OutcomeEvent extends IntentEventBase {
  readonly attempt: number;
  /** The attempt's id (see `AttemptStartedEvent.correlationId`). */
  readonly correlationId: string;
  /** The classification of the attempt. */
  readonly outcome: Outcome;
  /** Intent status after the outcome was recorded. */
  readonly status: IntentStatus;
  /** From the send to the classification, on the client's clock, in ms. */
  readonly durationMs: number;
}

export interface ReconcileEvent extends IntentEventBase {
  readonly attempt: number;
  /** What the lookup said. `skipped`: no lookup available; decision made from venue semantics. */
  readonly lookup: 'found' | 'notFound' | 'inconclusive' | 'skipped';
  /** What the runner does next. */
  readonly action: 'settled' | 'resend' | 'wait' | 'giveUp';
}

export interface RateLimitUsageEvent extends IntentEventBase {
  /** Every usage counter the response reported. */
  readonly usage: readonly RateLimitUsage[];
  /**
   * Set when a counter reached `retry.pauseAtUsage`: no request goes to this venue
   * before this instant (epoch ms), the reset of that counter's window.
   */
  readonly resumeAt?: number;
}

export interface WarningEvent {
  /** Stable code, e.g. `NON_DURABLE_LEDGER`, `UNRESOLVABLE_UNKNOWN`. */
  readonly code: string;
  readonly message: string;
}

/** Listener map accepted by the `on` option. */
export type IntentEventHandlers = { readonly [K in keyof IntentEventMap]?: (event: IntentEventMap[K]) => void };

/** Options of `createIntentClient`. Validated once, at construction. */
export interface IntentClientOptions {
  /** The venue profile (where the key goes, its format, dedupe semantics, error map). Required. */
  readonly venue: VenueProfile;
  /**
   * Where intents are recorded before anything is sent.
   * @default a `FileLedger` in `./.intentkey` (relative to the working directory), opened
   * on first use. A non-durable ledger such as `MemoryLedger` triggers a
   * `NON_DURABLE_LEDGER` warning.
   */
  readonly ledger?: LedgerStore;
  /** Retry settings, or a number as shorthand for `{ maxAttempts }`. */
  readonly retry?: RetryOptions | number;
  /** Key generation. */
  readonly keys?: KeyOptions;
  /**
   * Default scope (actor or account) for intents; keys and intent ids are scoped by it.
   * @default 'default'
   */
  readonly scope?: string;
  /**
   * Per-attempt HTTP timeout in ms, used when the operation's request sets none. It is
   * also the dispatch window: a request not handed to the transport within this long
   * after its in-flight record (a stalled interceptor, a frozen process) is not sent and
   * counts as not sent, so after a crash the latest moment an attempt could have left is
   * known and a settle delay is counted from it. Keep it stable across restarts.
   * @default 10000
   */
  readonly attemptTimeoutMs?: number;
  /** Most reconcile lookups per call. @default 5 */
  readonly maxLookups?: number;
  /** Lease length on an intent while this client works on it, in ms. @default 30000 */
  readonly leaseMs?: number;
  /** Identity of this worker in ledger leases. @default `<hostname>:<pid>:<random>` */
  readonly workerId?: string;
  /** Clock. @default the system clock */
  readonly clock?: Clock;
  /** Sleep. @default a `setTimeout`-based sleep */
  readonly sleep?: Sleep;
  /** Random source for jitter and keys. @default a buffered CSPRNG */
  readonly random?: RandomSource;
  /** Event listeners. Exceptions thrown by a listener are swallowed. */
  readonly on?: IntentEventHandlers;
  /**
   * Header that carries each attempt's and lookup's correlation id to the venue (e.g.
   * `X-Request-Id`), so one attempt can be followed from your logs to the venue's
   * support. Off by default: some venues refuse unknown headers, and a signed header set
   * may need your signer to include it. @default none
   */
  readonly correlationHeader?: string;
  /**
   * Structured logger (pino, or anything with `debug/info/warn/error(obj, msg)`): one
   * line per decision with the fields of docs/observability.md. A healthy client logs
   * almost nothing at `info`; an ambiguous outcome is always a `warn`. Never logs
   * headers, credentials, signatures, bodies or payloads. @default none
   */
  readonly logger?: IntentLogger;
  /**
   * Schedule of a parked intent's checks (an intent whose attempts and lookups are spent
   * with its outcome unknown). Each check is one lookup, or one resend where the venue's
   * key store makes it safe; the interval doubles per park, with equal jitter, across
   * process lives.
   */
  readonly parked?: ParkedOptions;
  /**
   * Protection of the venue from the client's own retries, and of the bot from the
   * venue's limits (docs/protection.md): a retry budget, a circuit breaker per venue, and
   * a rate limiter fed by the venue's published limits. `true` turns on all three with
   * their defaults (the limiter only when the profile publishes limits); an object turns
   * on the parts it names. None of them ever sends a request the client would not have
   * sent without it, or turns an unknown outcome into a failure. @default off
   */
  readonly protection?: boolean | ProtectionOptions;
}

/** What the `logger` option needs: pino's method shape, `(fields, message)`. */
export interface IntentLogger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

/** Schedule of parked intents' checks. */
export interface ParkedOptions {
  /** Delay before the first check after an intent is parked, in ms. @default 60000 */
  readonly baseDelayMs?: number;
  /** Longest delay between two checks, in ms. @default 3600000 (1 h) */
  readonly maxDelayMs?: number;
}

/** Identity of an intent, handed to the operation's builders. */
export interface IntentContext {
  readonly intentId: string;
  readonly operation: string;
  readonly scope: string;
  readonly businessId: string | undefined;
  /** The intent key, fixed for the intent's life. */
  readonly key: string;
  /** The key as the venue expects it (encoded to its format). Put this in your body if you place keys yourself. */
  readonly venueKey: string;
}

/** Per-attempt context for the request builder. */
export interface AttemptContext extends IntentContext {
  /** Attempt number, 1 for the first send (across restarts). */
  readonly attempt: number;
}

/** A lookup response handed to `ReconcileDefinition.interpret`. */
export interface LookupResponse {
  readonly status: number;
  readonly data: unknown;
  readonly header: (name: string) => string | undefined;
}

/** What a reconcile lookup established. */
export type LookupVerdict<R> =
  | { readonly found: 'succeeded'; readonly result: R }
  | { readonly found: 'failed'; readonly reason: string }
  | { readonly found: 'notFound' }
  | { readonly found: 'inconclusive'; readonly reason: string };

/** How to look an intent up at the venue by its key. */
export interface ReconcileDefinition<I, R> {
  /**
   * Builds the lookup request (e.g. `GET /order?origClientOrderId=<venueKey>`).
   * @default built from the venue profile's `reconcile.lookup`, with its `copyParams`
   *   taken from {@link ReconcileDefinition.params} or the original request
   */
  readonly request?: (input: I, context: IntentContext) => AxiosRequestConfig;
  /**
   * Parameters the profile's lookup needs that the original request does not carry
   * (Deribit's `currency`). Used only when `request` is not given.
   */
  readonly params?: (input: I, context: IntentContext) => Readonly<Record<string, string | number | boolean>>;
  /**
   * Reads the lookup response. Default: 2xx means found and succeeded (result from the
   * operation's `result`); 404 or a venue `notFoundCodes` code means not found;
   * anything else is inconclusive.
   */
  readonly interpret?: (response: LookupResponse, input: I, context: IntentContext) => LookupVerdict<R>;
}

/** A named operation: how to build its request and read its result. */
export interface OperationDefinition<I, R> {
  /**
   * Builds the request for one attempt. Called again for every attempt, so anything
   * time-dependent (timestamps, nonces) is fresh; your instance's interceptors then
   * sign it as usual. The key is placed for you where the venue profile says. It is also
   * called (with the last attempt's number) to read the business parameters a lookup
   * built from the venue profile needs, so keep it free of side effects.
   */
  readonly request: (input: I, context: AttemptContext) => AxiosRequestConfig;
  /**
   * Lookup by key, used before any resend when an outcome is unknown. A function is
   * shorthand for `{ request }`.
   * @default the venue profile's `reconcile.lookup` when it has one; otherwise none
   */
  readonly reconcile?: ReconcileDefinition<I, R> | ReconcileDefinition<I, R>['request'];
  /**
   * The fields that define the business action. Same intent id with a different
   * fingerprint is refused before any network call. @default the whole input
   */
  readonly fingerprint?: (input: I) => unknown;
  /**
   * Extracts what to return (and store in the ledger) from a successful response;
   * must be JSON-compatible. @default `response.data`
   */
  readonly result?: (response: AxiosResponse, input: I) => R;
}

/** Per-call options. */
export interface CallOptions {
  /**
   * Your id for the business action (signal id, order request id, invoice id). Calls
   * with the same business id, scope and operation are one intent: one key, at most
   * one execution. Without it every call is a new intent.
   */
  readonly businessId?: string;
  /** Actor or account; overrides the client's `scope`. */
  readonly scope?: string;
  /**
   * Your own key (for example a client order id you already use). Encoded and
   * validated against the venue format like a generated one.
   */
  readonly key?: string;
  /** Cancels waits; an abort during an attempt leaves the intent `unknown`. */
  readonly signal?: AbortSignal;
}

/** What a successful call returns. */
export interface IntentResult<R> {
  readonly intentId: string;
  readonly key: string;
  readonly venueKey: string;
  readonly status: 'succeeded';
  /** The operation's result (from this call, a reconcile lookup, or the ledger). */
  readonly result: R;
  /** Attempts recorded for the intent in total (across calls and restarts). */
  readonly attempts: number;
  /** True when the stored result was returned without any network call. */
  readonly replayed: boolean;
  /** True when the result came from a reconcile lookup. */
  readonly reconciled: boolean;
}

/** A registered operation: call it to run one intent. */
export type Operation<I, R> = ((input: I, options?: CallOptions) => Promise<IntentResult<R>>) & {
  /** The registered name. */
  readonly operationName: string;
};

/** An unfinished intent a person should know about, as recovery reports it. */
export interface AttentionEntry {
  readonly intentId: string;
  readonly operation: string;
  /** The caller's business id, when the intent has one. */
  readonly businessId?: string;
  readonly reason: string;
  /** Set for a parked intent: the earliest time (epoch ms) of its next automatic check. */
  readonly nextCheckAt?: number;
}

/** What a recovery pass did, one count per intent found unfinished. */
export interface RecoveryReport {
  /** Intents this pass ran (claimed and driven, or joined while a call ran them). */
  readonly resumed: number;
  readonly succeeded: number;
  readonly reconciledFound: number;
  readonly resent: number;
  readonly failed: number;
  /**
   * Intents parked at the end of the pass: parked before and not due (not run), or
   * parked by this pass. Each is also in `needsAttention` with its `nextCheckAt`.
   */
  readonly parked: number;
  /**
   * Intents the pass left as they were because its budget ran out or it was stopped
   * (not started, or stopped at a wait), or because the client's protection held them
   * back (an open circuit breaker, an empty retry budget that stops); the next pass
   * resumes them.
   */
  readonly notReached: number;
  /** True when `budgetMs` ran out before the pass was done. */
  readonly budgetExhausted: boolean;
  /** From the start of the pass to its end, in ms (the client's clock). */
  readonly durationMs: number;
  /** Intents a person must look at (parked, unknown past the window, unregistered operation, busy, ...). */
  readonly needsAttention: readonly AttentionEntry[];
}

/** Options of `startRecovery()` and `recover()`. */
export interface RecoveryOptions {
  /** Cancels the pass: waits end, nothing new starts; the intents stay in the ledger for the next pass. */
  readonly signal?: AbortSignal;
  /** Intents driven at the same time (an intent waiting out a backoff or settle delay holds no place). @default 8 */
  readonly concurrency?: number;
  /**
   * Time budget of the pass, in ms. When it runs out, no further intent is started and
   * running ones stop at their next wait; what is left is counted in `notReached` or
   * stays unknown, for the next pass. @default 300000 (5 min)
   */
  readonly budgetMs?: number;
}

/** A recovery pass running in the background; see `IntentClient.startRecovery`. */
export interface RecoveryHandle {
  /** Resolves with the report when the pass ends (rejects only if your `signal` aborted it). */
  readonly done: Promise<RecoveryReport>;
  /** How far the pass is. */
  progress(): { readonly total: number; readonly finished: number };
  /** Ends the pass early (as the budget would) and resolves with its report. */
  stop(): Promise<RecoveryReport>;
}

/** Which intents `IntentClient.list` returns. Every field narrows; none given: every intent. */
export interface ListQuery {
  /** One view or several: a status, or `parked` (an `unknown` intent whose allowance is spent). */
  readonly status?: IntentView | readonly IntentView[];
  readonly operation?: string;
  readonly scope?: string;
  /** Only intents created at least this long ago, in ms. */
  readonly olderThanMs?: number;
  /** Most entries returned, oldest first. @default 1000 */
  readonly limit?: number;
}

/** One intent as `IntentClient.list` returns it: what a bot or a person needs, no input. */
export interface IntentSummary {
  readonly intentId: string;
  readonly operation: string;
  readonly scope: string;
  readonly businessId?: string;
  readonly view: IntentView;
  readonly status: IntentStatus;
  readonly key: string;
  readonly venueKey: string;
  readonly attempts: number;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms. */
  readonly updatedAt: number;
  /** The recorded reason of the last outcome, when there is one. */
  readonly reason?: string;
  /** Set for a parked intent. */
  readonly parked?: ParkedState;
}
