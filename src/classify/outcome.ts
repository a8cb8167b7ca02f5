/**
 * What one attempt's result means for the intent. Produced by the pure classifiers
 * (`classifyTransport`, `classifyResponse`); consumed by the runner, which turns it
 * into a ledger transition and, at the API boundary only, into an error.
 *
 * The split that matters: `retry`, `rateLimited` and `resign` are **proof that the
 * action was not executed** (safe to send again with the same key); `unknown` and
 * `conflict: 'duplicate'` mean it **may have been executed** (look it up before any
 * resend); `success` and `fatal` are final.
 */
export type Outcome =
  | SuccessOutcome
  | RetryOutcome
  | RateLimitedOutcome
  | ResignOutcome
  | UnknownOutcome
  | ConflictOutcome
  | FatalOutcome;

/** Fields every outcome carries for reporting. */
interface OutcomeBase {
  /** Short human-readable reason, e.g. `HTTP 503`, `binance -1021`, `ECONNREFUSED`. */
  readonly reason: string;
  /** HTTP status when a response was received. */
  readonly httpStatus?: number;
  /** The venue's error code (string form), when one was found. */
  readonly venueCode?: string;
  /** The venue's error message, truncated to 200 characters. */
  readonly venueMessage?: string;
  /**
   * True when the venue marked the answer as replayed from its key store
   * (`profile.response.replayedHeader`): it is the stored answer to an earlier request
   * with this key, and a same-key resend can only return it again.
   */
  readonly replayed?: boolean;
  /**
   * The venue's own word on whether a retry may succeed
   * (`profile.response.shouldRetryHeader`), when it gave one. Advisory: it never turns
   * "may have executed" into "not executed".
   */
  readonly shouldRetry?: boolean;
}

/** The venue executed the action (or replayed the stored success for this key). */
export interface SuccessOutcome extends OutcomeBase {
  readonly kind: 'success';
}

/**
 * Not executed, provably: the request never left (connection refused, DNS, TLS
 * before the request was written) or the venue said it did not process it.
 * Back off and send again with the same key.
 */
export interface RetryOutcome extends OutcomeBase {
  readonly kind: 'retry';
}

/**
 * Not executed because of a rate limit or ban. Wait at least `retryAfterMs` (when
 * known) before sending anything; `scope: 'venue'` means every request to this venue
 * must wait (an IP ban such as Binance's 418), not only this intent.
 */
export interface RateLimitedOutcome extends OutcomeBase {
  readonly kind: 'rateLimited';
  /** Wait the venue asked for, in milliseconds, parsed from its headers or body. */
  readonly retryAfterMs?: number;
  /** Who must wait. */
  readonly scope: 'request' | 'venue';
}

/**
 * Not executed because the signature envelope was stale (timestamp outside the
 * receive window, nonce too small, expired token). Rebuild and re-sign, then send
 * again with the same key.
 */
export interface ResignOutcome extends OutcomeBase {
  readonly kind: 'resign';
}

/**
 * The action may have been executed. Never resend blindly: reconcile (look it up
 * by key) first, or resend only where the venue's key store makes a resend safe.
 */
export interface UnknownOutcome extends OutcomeBase {
  readonly kind: 'unknown';
}

/**
 * The key is already known to the venue. `inProgress`: a request with this key is
 * still running there (IETF 409); wait and send again with the same key.
 * `duplicate`: the venue already has an order or payment with this key, which is
 * evidence an earlier attempt landed; reconcile to fetch it.
 */
export interface ConflictOutcome extends OutcomeBase {
  readonly kind: 'conflict';
  readonly conflict: 'inProgress' | 'duplicate';
}

/** The venue definitively rejected the action; it was not executed. Terminal. */
export interface FatalOutcome extends OutcomeBase {
  readonly kind: 'fatal';
}

/** Every `Outcome['kind']`, for exhaustive checks and property tests. */
export const OUTCOME_KINDS = ['success', 'retry', 'rateLimited', 'resign', 'unknown', 'conflict', 'fatal'] as const;
export type OutcomeKind = (typeof OUTCOME_KINDS)[number];
