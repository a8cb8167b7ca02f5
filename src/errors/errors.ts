import type { IntentStatus } from '../ledger/intent.js';
import { IntentError, isIntentError, type IntentErrorCode } from './intent-error.js';

/**
 * A bad option or bad call argument. Thrown synchronously (or before anything is
 * written or sent); never retried. Fix the code.
 */
export class ConfigurationError extends IntentError {
  override readonly name = 'ConfigurationError';
  readonly code: 'ERR_CONFIG_INVALID_OPTION' | 'ERR_CONFIG_UNKNOWN_OPERATION' | 'ERR_CONFIG_DUPLICATE_OPERATION';
  /** Dotted path of the offending option, e.g. `retry.maxAttempts`. */
  readonly path: string;
  /** What was expected, in words. */
  readonly expected: string;
  /** A short, redacted description of what was given. */
  readonly received: string;

  constructor(init: {
    path: string;
    expected: string;
    received: string;
    code?: ConfigurationError['code'];
    message?: string;
    cause?: unknown;
  }) {
    super(
      init.message ?? `Invalid option "${init.path}": expected ${init.expected}, received ${init.received}.`,
      { cause: init.cause },
    );
    this.code = init.code ?? 'ERR_CONFIG_INVALID_OPTION';
    this.path = init.path;
    this.expected = init.expected;
    this.received = init.received;
  }
}

/**
 * An idempotency key (generated, derived or supplied) does not satisfy the venue's
 * key format. Raised before the intent is written and before anything is sent.
 */
export class KeyFormatError extends IntentError {
  override readonly name = 'KeyFormatError';
  readonly code = 'ERR_KEY_FORMAT' as const;
  /** The venue profile whose format was violated. */
  readonly venue: string;
  /** The rule that failed, e.g. `maxLength 36`. */
  readonly rule: string;

  constructor(init: { venue: string; rule: string; message: string }) {
    super(init.message);
    this.venue = init.venue;
    this.rule = init.rule;
  }
}

/**
 * The same business action (same intent id) was requested again with a different
 * fingerprint: the same key would describe two different actions. Nothing was sent.
 * This is the client-side twin of the IETF draft's 422 answer.
 */
export class IntentConflictError extends IntentError {
  override readonly name = 'IntentConflictError';
  readonly code = 'ERR_INTENT_CONFLICT' as const;
  readonly intentId: string;
  readonly key: string;
  /** Fingerprint stored with the intent. */
  readonly storedFingerprint: string;
  /** Fingerprint of the new call. */
  readonly fingerprint: string;

  constructor(init: { intentId: string; key: string; storedFingerprint: string; fingerprint: string }) {
    super(
      `Intent ${init.intentId} already exists with a different fingerprint; ` +
        'the same business id was reused for a different action. Nothing was sent.',
    );
    this.intentId = init.intentId;
    this.key = init.key;
    this.storedFingerprint = init.storedFingerprint;
    this.fingerprint = init.fingerprint;
  }
}

/**
 * Another worker currently holds the lease on this intent. Nothing was sent by this
 * call; call again later (the result will be returned once the holder finishes).
 */
export class IntentBusyError extends IntentError {
  override readonly name = 'IntentBusyError';
  readonly code = 'ERR_INTENT_BUSY' as const;
  readonly intentId: string;
  /** Epoch milliseconds when the current lease expires. */
  readonly leaseExpiresAt: number;

  constructor(init: { intentId: string; leaseExpiresAt: number }) {
    super(`Intent ${init.intentId} is being executed by another worker (lease until ${new Date(init.leaseExpiresAt).toISOString()}).`);
    this.intentId = init.intentId;
    this.leaseExpiresAt = init.leaseExpiresAt;
  }
}

/**
 * The request may or may not have executed at the venue, and intentkey could not
 * find out (no reconcile lookup, the lookup did not answer, or the deadline passed).
 *
 * The intent stays `unknown` in the ledger. Do not place the action again under a
 * new business id: call it again with the same business id (it reconciles first),
 * or look it up at the venue by `venueKey`.
 */
export class AmbiguousOutcomeError extends IntentError {
  override readonly name = 'AmbiguousOutcomeError';
  readonly code = 'ERR_OUTCOME_UNKNOWN' as const;
  readonly intentId: string;
  readonly key: string;
  /** The key as sent to the venue. */
  readonly venueKey: string;
  readonly venue: string;
  /** Number of the last attempt sent (first attempt is 1). */
  readonly attempt: number;
  /** Why the outcome is unknown, e.g. `socket reset after the request was written`. */
  readonly reason: string;
  /** The registered operation. */
  readonly operation: string | undefined;
  /** The caller's business id, when the intent has one: what a person searches for. */
  readonly businessId: string | undefined;
  /**
   * Set when the intent is parked (its allowance spent): the earliest time, epoch ms, of
   * its next automatic check. Calls before then fail at once, without a request.
   */
  readonly nextCheckAt: number | undefined;
  /**
   * The last answer recorded for the intent: its reason, HTTP status and venue code, and
   * whether it was the venue's stored answer replayed (a resend returns it again).
   */
  readonly lastAnswer: { readonly reason: string; readonly httpStatus?: number | undefined; readonly venueCode?: string | undefined; readonly replayed: boolean } | undefined;

  constructor(init: {
    intentId: string;
    key: string;
    venueKey: string;
    venue: string;
    attempt: number;
    reason: string;
    cause?: unknown;
    operation?: string | undefined;
    businessId?: string | undefined;
    nextCheckAt?: number | undefined;
    lastAnswer?: AmbiguousOutcomeError['lastAnswer'];
  }) {
    const who = init.businessId === undefined ? `Intent ${init.intentId}` : `Intent ${init.intentId} (business id ${init.businessId})`;
    const next =
      init.nextCheckAt === undefined
        ? 'reconcile before resending.'
        : `parked: checked again automatically from ${new Date(init.nextCheckAt).toISOString()} (one lookup, never a blind resend), or settle it by hand.`;
    super(`${who}: outcome at ${init.venue} is unknown after attempt ${init.attempt} (${init.reason}); ${next}`, { cause: init.cause });
    this.intentId = init.intentId;
    this.key = init.key;
    this.venueKey = init.venueKey;
    this.venue = init.venue;
    this.attempt = init.attempt;
    this.reason = init.reason;
    this.operation = init.operation;
    this.businessId = init.businessId;
    this.nextCheckAt = init.nextCheckAt;
    this.lastAnswer = init.lastAnswer;
  }
}

/**
 * The venue gave a definitive answer that the action was not (and will not be)
 * executed: validation error, insufficient funds, bad credentials. Terminal.
 */
export class VenueRejectedError extends IntentError {
  override readonly name = 'VenueRejectedError';
  readonly code = 'ERR_VENUE_REJECTED' as const;
  readonly intentId: string;
  readonly venue: string;
  /** HTTP status of the rejection, when there was one. */
  readonly httpStatus: number | undefined;
  /** The venue's own error code (string form), when it sent one. */
  readonly venueCode: string | undefined;
  /** The venue's error message, truncated to 200 characters. */
  readonly venueMessage: string | undefined;

  constructor(init: {
    intentId: string;
    venue: string;
    httpStatus?: number | undefined;
    venueCode?: string | undefined;
    venueMessage?: string | undefined;
    reason: string;
  }) {
    super(`Intent ${init.intentId} was rejected by ${init.venue}: ${init.reason}.`);
    this.intentId = init.intentId;
    this.venue = init.venue;
    this.httpStatus = init.httpStatus;
    this.venueCode = init.venueCode;
    this.venueMessage = init.venueMessage;
  }
}

/** Why the retry loop stopped without a final answer. */
/**
 * Why the retry loop stopped without a final answer: the attempts were spent
 * (`maxAttempts`), the next wait would pass the deadline (`deadline`), the venue asked
 * for a longer wait than `maxRetryAfterMs` (`retryAfterTooLong`), or the client's retry
 * budget could not pay for the next resend and `protection.retryBudget.whenEmpty` is
 * `stop` (`retryBudget`).
 */
export type ExhaustedReason = 'maxAttempts' | 'deadline' | 'retryAfterTooLong' | 'retryBudget';

/**
 * Every attempt so far was provably not executed (refused, rate-limited, retryable
 * venue error), and the retry budget ran out. The intent is left `pending`: calling
 * again with the same business id continues it with the same key.
 */
export class RetriesExhaustedError extends IntentError {
  override readonly name = 'RetriesExhaustedError';
  readonly code = 'ERR_RETRIES_EXHAUSTED' as const;
  readonly intentId: string;
  /** Attempts sent by this call. */
  readonly attempts: number;
  readonly reason: ExhaustedReason;
  /** The intent's status in the ledger when the loop stopped. */
  readonly status: IntentStatus;
  /** For `retryAfterTooLong`: how long the venue asked to wait, in ms. */
  readonly retryAfterMs: number | undefined;

  constructor(init: {
    intentId: string;
    attempts: number;
    reason: ExhaustedReason;
    status: IntentStatus;
    detail: string;
    retryAfterMs?: number | undefined;
    cause?: unknown;
  }) {
    super(`Intent ${init.intentId} stopped after ${init.attempts} attempt(s): ${init.detail}.`, { cause: init.cause });
    this.intentId = init.intentId;
    this.attempts = init.attempts;
    this.reason = init.reason;
    this.status = init.status;
    this.retryAfterMs = init.retryAfterMs;
  }
}

/**
 * The venue's circuit breaker is open (client option `protection.breaker`): the venue
 * has been failing, and the client sends nothing to it until `retryAt`, when one probe
 * goes to see whether it has recovered.
 *
 * Nothing was sent for this call. `recorded` says whether the intent is in the ledger:
 * `false` for a new call refused before anything was written (call again later, with the
 * same business id or not: nothing of it exists); `true` for an intent already stored,
 * which keeps its state (`pending`: the next call with the same business id, or
 * `recover()`, sends it with the same key).
 */
export class CircuitOpenError extends IntentError {
  override readonly name = 'CircuitOpenError';
  readonly code = 'ERR_CIRCUIT_OPEN' as const;
  readonly intentId: string;
  readonly venue: string;
  /** The operation, whose breaker it is with `scope: 'operation'`. */
  readonly operation: string;
  /** When the breaker lets a probe through, epoch ms (sooner when a probe is already out). */
  readonly retryAt: number;
  /** Why the breaker opened, e.g. `5 failures in a row`. */
  readonly reason: string;
  /** The intent is in the ledger (and keeps its state); `false`: nothing was written. */
  readonly recorded: boolean;

  constructor(init: { intentId: string; venue: string; operation: string; retryAt: number; reason: string; recorded: boolean }) {
    const what = init.recorded ? 'the intent keeps its state in the ledger' : 'nothing was recorded';
    super(`Intent ${init.intentId}: circuit open for ${init.venue} (${init.reason}); not sent and ${what}. Try again after ${new Date(init.retryAt).toISOString()}.`);
    this.intentId = init.intentId;
    this.venue = init.venue;
    this.operation = init.operation;
    this.retryAt = init.retryAt;
    this.reason = init.reason;
    this.recorded = init.recorded;
  }
}

/** Base class of ledger failures. When the ledger fails, nothing is sent (fail closed). */
export class LedgerError extends IntentError {
  override readonly name: string = 'LedgerError';
  readonly code: Extract<IntentErrorCode, `ERR_LEDGER_${string}`>;

  constructor(code: LedgerError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The ledger cannot be reached or written. Nothing was sent for the affected intent. */
export class LedgerUnavailableError extends LedgerError {
  override readonly name = 'LedgerUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LEDGER_UNAVAILABLE', message, options);
  }
}

/** The ledger holds data that cannot be trusted (beyond a repairable torn tail). */
export class LedgerCorruptError extends LedgerError {
  override readonly name = 'LedgerCorruptError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_LEDGER_CORRUPT', message, options);
  }
}

/** Another process holds the ledger's single-writer lock. */
export class LedgerLockedError extends LedgerError {
  override readonly name = 'LedgerLockedError';
  /**
   * Set when the lock may free itself without anyone acting: the lock file is still
   * being written (or was left incomplete by a crash) and is taken over once it is this
   * many ms older. Absent when a live process holds the lock.
   */
  readonly retryInMs?: number;
  constructor(message: string, options?: { cause?: unknown; retryInMs?: number }) {
    super('ERR_LEDGER_LOCKED', message, options);
    if (options?.retryInMs !== undefined) this.retryInMs = options.retryInMs;
  }
}

/**
 * This worker's lease (or epoch) on an intent was superseded: another worker took
 * it over. Stop issuing attempts for it; the other worker owns the outcome.
 */
export class LedgerLeaseLostError extends LedgerError {
  override readonly name = 'LedgerLeaseLostError';
  readonly intentId: string;
  constructor(intentId: string, message: string) {
    super('ERR_LEDGER_LEASE_LOST', message);
    this.intentId = intentId;
  }
}

/**
 * A state change the intent state machine forbids (for example leaving a terminal
 * state). The ledger refused it; treat it as a corruption alarm.
 */
export class LedgerTransitionError extends LedgerError {
  override readonly name = 'LedgerTransitionError';
  readonly intentId: string;
  readonly from: IntentStatus;
  readonly to: IntentStatus;
  constructor(intentId: string, from: IntentStatus, to: IntentStatus) {
    super('ERR_LEDGER_TRANSITION', `Intent ${intentId} cannot move from ${from} to ${to}.`);
    this.intentId = intentId;
    this.from = from;
    this.to = to;
  }
}

function hasCode(value: unknown, code: IntentErrorCode): boolean {
  return isIntentError(value) && value.code === code;
}

/** Brand-based guard: true for {@link AmbiguousOutcomeError} from any copy of the package. */
export const isAmbiguousOutcomeError = (e: unknown): e is AmbiguousOutcomeError => hasCode(e, 'ERR_OUTCOME_UNKNOWN');
/** Brand-based guard for {@link VenueRejectedError}. */
export const isVenueRejectedError = (e: unknown): e is VenueRejectedError => hasCode(e, 'ERR_VENUE_REJECTED');
/** Brand-based guard for {@link IntentConflictError}. */
export const isIntentConflictError = (e: unknown): e is IntentConflictError => hasCode(e, 'ERR_INTENT_CONFLICT');
/** Brand-based guard for {@link RetriesExhaustedError}. */
export const isRetriesExhaustedError = (e: unknown): e is RetriesExhaustedError => hasCode(e, 'ERR_RETRIES_EXHAUSTED');
/** Brand-based guard for {@link CircuitOpenError}. */
export const isCircuitOpenError = (e: unknown): e is CircuitOpenError => hasCode(e, 'ERR_CIRCUIT_OPEN');
/** Brand-based guard for {@link ConfigurationError}. */
export const isConfigurationError = (e: unknown): e is ConfigurationError =>
  isIntentError(e) && e.code.startsWith('ERR_CONFIG_');
/** Brand-based guard for any {@link LedgerError}. */
export const isLedgerError = (e: unknown): e is LedgerError => isIntentError(e) && e.code.startsWith('ERR_LEDGER_');
/** Brand-based guard for {@link KeyFormatError}. */
export const isKeyFormatError = (e: unknown): e is KeyFormatError => hasCode(e, 'ERR_KEY_FORMAT');
/** Brand-based guard for {@link IntentBusyError}. */
export const isIntentBusyError = (e: unknown): e is IntentBusyError => hasCode(e, 'ERR_INTENT_BUSY');
/** Brand-based guard for {@link LedgerUnavailableError}. */
export const isLedgerUnavailableError = (e: unknown): e is LedgerUnavailableError => hasCode(e, 'ERR_LEDGER_UNAVAILABLE');
/** Brand-based guard for {@link LedgerCorruptError}. */
export const isLedgerCorruptError = (e: unknown): e is LedgerCorruptError => hasCode(e, 'ERR_LEDGER_CORRUPT');
/** Brand-based guard for {@link LedgerLockedError}. */
export const isLedgerLockedError = (e: unknown): e is LedgerLockedError => hasCode(e, 'ERR_LEDGER_LOCKED');
/** Brand-based guard for {@link LedgerLeaseLostError}. */
export const isLedgerLeaseLostError = (e: unknown): e is LedgerLeaseLostError => hasCode(e, 'ERR_LEDGER_LEASE_LOST');
/** Brand-based guard for {@link LedgerTransitionError}. */
export const isLedgerTransitionError = (e: unknown): e is LedgerTransitionError => hasCode(e, 'ERR_LEDGER_TRANSITION');
