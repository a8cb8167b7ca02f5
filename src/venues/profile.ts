/**
 * A venue profile: everything intentkey needs to know about one exchange or payment
 * API to keep retried writes safe. Plain data (validated by `venueProfileSchema`),
 * so users can write one for an unlisted venue or extend a shipped one.
 */
export interface VenueProfile {
  /** Unique name, e.g. `binance-spot`, `stripe`. Used in ledger records and errors. */
  readonly name: string;
  /** What kind of API this is; informs defaults and documentation only. */
  readonly kind: 'exchange' | 'payment' | 'generic';
  /** Where the key goes and what shape it must have. */
  readonly key: KeySpec;
  /** What the venue does when it sees the same key twice. */
  readonly dedupe: DedupeSpec;
  /** How a lookup by key ("reconcile") may be trusted. */
  readonly reconcile: ReconcileSpec;
  /** Where the venue puts its error code and message in a response body. */
  readonly response: ResponseSpec;
  /** Rate-limit signalling. */
  readonly rateLimit: RateLimitSpec;
  /**
   * Venue-specific error rules, tried in order before the generic defaults. The first
   * rule whose every given condition matches decides the outcome.
   */
  readonly errors: readonly ErrorRule[];
}

/** Where the idempotency key (or client order id) is placed on each request. */
export interface KeySpec {
  /** `header`, `body` (JSON object or URLSearchParams field) or `query` parameter. */
  readonly placement: 'header' | 'body' | 'query';
  /** Header, body field or query parameter name, e.g. `Idempotency-Key`, `newClientOrderId`. */
  readonly field: string;
  /** Constraints the venue puts on the key, and how to encode an intent key into them. */
  readonly format: KeyFormat;
}

/**
 * How an intent key becomes a venue key, and what the venue accepts. Encoding is
 * deterministic: the same intent key always gives the same venue key.
 */
export interface KeyFormat {
  /**
   * - `verbatim`: `prefix + key` unchanged (must already fit).
   * - `uuid`: the key's 128 bits as a lowercase dashed UUID (ULIDs and UUIDs convert
   *   losslessly; any other key is hashed).
   * - `hash`: `prefix` + Crockford base32 of SHA-256(key), cut to fit `maxLength`.
   * - `integer`: SHA-256(key) reduced to an integer in `[1, maxInteger]`, in decimal.
   */
  readonly encoding: 'verbatim' | 'uuid' | 'hash' | 'integer';
  /** Regular expression source (no delimiters, compiled without flags) the venue key must match. */
  readonly pattern?: string;
  /** Minimum length in characters. @default 1 */
  readonly minLength?: number;
  /** Maximum length in characters, including the prefix. */
  readonly maxLength: number;
  /** Fixed prefix the venue requires (e.g. Gate's `t-`). @default '' */
  readonly prefix?: string;
  /** For `integer` encoding: the largest allowed value (e.g. 2^45 - 1 for Bitfinex). */
  readonly maxInteger?: number;
}

/**
 * The venue's deduplication semantics.
 *
 * - `keyStore`: an authoritative key store (Stripe-like). Resending the same key
 *   inside `retentionMs` returns the first result, so a resend *is* the reconcile.
 * - `openOrders`: the key is unique only among open orders (Binance-like). A filled
 *   market order's id can be reused, so an unknown outcome must be looked up first.
 * - `none`: the venue does not deduplicate at all; only a lookup can tell.
 */
export type DedupeSpec =
  | { readonly kind: 'keyStore'; /** How long the venue keeps keys, in ms. */ readonly retentionMs: number }
  | { readonly kind: 'openOrders' }
  | { readonly kind: 'none' };

/** How far a reconcile lookup (find the order or payment by key) can be trusted. */
export interface ReconcileSpec {
  /**
   * True when a "not found" answer proves the action never executed (after
   * `settleDelayMs`), so the intent may be sent again with the same key.
   * @default false
   */
  readonly notFoundIsAuthoritative: boolean;
  /**
   * Time after the last attempt before a "not found" can be believed, in ms. For
   * venues with a request-validity window (Binance `recvWindow`), wait past it: a
   * timed-out request may still be queued. @default 0
   */
  readonly settleDelayMs: number;
  /**
   * How long the venue keeps the object findable by key, in ms, counted from the
   * intent's creation. Past it a "not found" proves nothing. Absent: no limit known.
   */
  readonly findableForMs?: number;
  /**
   * Venue error codes that a lookup returns for "no such order/payment" (Binance
   * `-2013`, OKX `51603`). A lookup answered with HTTP 404 also counts as not found.
   * @default []
   */
  readonly notFoundCodes?: readonly string[];
}

/** Where error codes and messages sit in the venue's response bodies. */
export interface ResponseSpec {
  /**
   * Dotted paths tried in order to find an error code, e.g. `['code']`,
   * `['retCode']`, `['error.code']`, or `['1']` for an array body. The first
   * present value (stringified) is the venue code.
   */
  readonly codePaths: readonly string[];
  /** Dotted paths tried in order to find an error message. */
  readonly messagePaths: readonly string[];
  /**
   * Codes that mean success even when present (Bybit `retCode` 0, OKX `code` "0").
   * A 2xx response whose code is present and not in this list is an error reported
   * inside a success status and goes through the error rules.
   */
  readonly successCodes: readonly string[];
}

/** How the venue signals rate limits. */
export interface RateLimitSpec {
  /**
   * Headers read (in order) for how long to wait: `Retry-After` (seconds or HTTP date)
   * and venue variants. @default ['retry-after']
   */
  readonly retryAfterHeaders: readonly string[];
  /**
   * Unit of numeric values in those headers other than `Retry-After` (which is always
   * seconds): `seconds`, `milliseconds`, or `epochMilliseconds`/`epochSeconds` (reset
   * timestamps). @default 'seconds'
   */
  readonly retryAfterUnit?: 'seconds' | 'milliseconds' | 'epochSeconds' | 'epochMilliseconds';
}

/** What a matching error rule decides. */
export type RuleOutcome =
  | 'success'
  | 'retry'
  | 'rateLimited'
  | 'resign'
  | 'unknown'
  | 'conflictInProgress'
  | 'conflictDuplicate'
  | 'fatal';

/**
 * One entry of a venue's error map. Every condition given must match; an empty
 * `match` matches everything (use it as a catch-all at the end).
 */
export interface ErrorRule {
  readonly match: {
    /** HTTP status, list of statuses, or a class such as `5xx`. */
    readonly status?: number | readonly number[] | '1xx' | '2xx' | '3xx' | '4xx' | '5xx';
    /** Venue error code(s), compared as strings. */
    readonly code?: string | readonly string[];
    /** Regular expression source tested (case-insensitive) against the venue message. */
    readonly message?: string;
  };
  /** What the match means. */
  readonly outcome: RuleOutcome;
  /** For `rateLimited`: whether the whole venue must wait (IP ban) or only this request. @default 'request' */
  readonly scope?: 'request' | 'venue';
  /** For `rateLimited`: wait used when the venue sends no Retry-After, in ms. */
  readonly waitMs?: number;
  /** Why, with a source where possible. Shown in docs, not used by the classifier. */
  readonly note?: string;
}
