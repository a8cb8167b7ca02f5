/**
 * A venue profile: everything intentkey needs to know about one exchange or payment
 * API to keep retried writes safe. Plain data (validated by `defineVenue`),
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
  /** Where the profile's facts come from and which are unverified. Documentation only; never read by the classifier. */
  readonly about?: VenueAbout;
}

/**
 * Provenance of a profile, rendered into docs/venues.md. A profile is only as good as
 * its facts, so every shipped profile names its sources and lists what could not be
 * confirmed from them.
 */
export interface VenueAbout {
  /** Display name, e.g. `Binance spot`, `PayPal Orders v2`. */
  readonly title: string;
  /** Documents the facts were taken from (repository and file, or page and section), most authoritative first. */
  readonly sources: readonly string[];
  /**
   * Facts that could not be confirmed from a primary source, each a short sentence
   * naming the profile field it affects, e.g. `key.format: REST charset taken from
   * the FIX ClOrdID rule`. @default []
   */
  readonly unverified?: readonly string[];
}

/** Where the idempotency key (or client order id) is placed on each request. */
export interface KeySpec {
  /** `header`, `body` (JSON object or URLSearchParams field) or `query` parameter. */
  readonly placement: 'header' | 'body' | 'query';
  /** Header, body field or query parameter name, e.g. `Idempotency-Key`, `newClientOrderId`. */
  readonly field: string;
  /** Constraints the venue puts on the key, and how to encode an intent key into them. */
  readonly format: KeyFormat;
  /**
   * JSON type of the key in a JSON body: `number` for venues that document a numeric
   * client id (Bitfinex `cid`). Only with `format.encoding: 'integer'` and
   * `placement: 'body'`; a form body, a query or a header always carries text.
   * @default 'string'
   */
  readonly valueType?: 'string' | 'number';
  /**
   * A second place the venue key is written on every send, so that the object the
   * venue creates carries it and a scan can find it later (Stripe: the payment's
   * `metadata`). Placed like the key itself, and refused when the request already
   * holds a different value there. Remove it with `extendVenue(profile, { key: { echo: null } })`
   * when your endpoint has no such field. @default none
   */
  readonly echo?: KeyEcho;
}

/** Where {@link KeySpec.echo} writes the venue key. */
export interface KeyEcho {
  /** `body` (JSON object, URLSearchParams or form string; a dotted field nests) or `query`. */
  readonly placement: 'body' | 'query';
  /** Field name, e.g. `metadata.intentkey_key` (sent as `metadata[intentkey_key]` in a form body). */
  readonly field: string;
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
  | {
      readonly kind: 'keyStore';
      /** How long the venue keeps keys, in ms. */
      readonly retentionMs: number;
      /**
       * Which answers the venue keeps under a key. `all`: every answer, so a same-key
       * resend returns the first execution's result and settles an unknown outcome.
       * `successes`: only 2xx answers (Checkout.com); a first attempt that failed after
       * it began executing is not kept, so a resend could execute again. The key still
       * refuses a concurrent copy and replays a success, but an unknown outcome is
       * looked up before any resend, as with `none`. @default 'all'
       */
      readonly stores?: 'all' | 'successes';
    }
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
  /**
   * How to find an order or payment by its key. When an operation gives no
   * `reconcile.request` of its own, the client builds the lookup from this. Absent:
   * the venue offers no lookup by key (a key-store venue settles unknown outcomes by
   * resending the same key instead).
   */
  readonly lookup?: LookupSpec;
  /**
   * How to find the object by scanning a list of the objects created since the intent,
   * for venues with no lookup by key whose objects carry the key in a field of their
   * own ({@link KeySpec.echo}). Used when there is no `lookup`. A list that is
   * read-after-write consistent (`consistent: true`) makes a complete scan's miss
   * count as "not found"; otherwise a miss is inconclusive. @default none
   */
  readonly scan?: ScanSpec;
  /**
   * Further lookups tried in order when the one before answered "not found" (Bybit:
   * the realtime list, then the order history; Kraken: open, then closed orders).
   * Found by any: found. Not found by all: not found (authoritative only as
   * `notFoundIsAuthoritative` says). Anything else: inconclusive. Each is one request;
   * together they count as one lookup. Ignored without `lookup`. @default []
   */
  readonly fallbackLookups?: readonly LookupSpec[];
  /**
   * The validity window a signed request carries (Binance `recvWindow`, Bybit
   * `X-BAPI-RECV-WINDOW`). With it the settle delay of each attempt is derived from
   * the window that attempt actually carried, read from the final request after your
   * interceptors: `min(window, maxMs) + aheadMs`. A request carrying more than `maxMs`
   * is refused before it is sent. `settleDelayMs` remains the delay when the window
   * could not be read (an attempt found in flight after a crash). @default none
   */
  readonly requestWindow?: RequestWindowSpec;
}

/**
 * Where a signed request carries its validity window, and what the venue enforces.
 * A venue refuses a request whose timestamp is older than the window, so once the
 * window (plus the clock allowance) has passed since the attempt left, no copy of it
 * can still execute: a "not found" is final from then on.
 */
export interface RequestWindowSpec {
  /**
   * Where the window is: a query parameter (read from the body too when the query has
   * none, as venues that accept signed parameters in either place do), a body field
   * (JSON or form) or a header.
   */
  readonly in: 'query' | 'body' | 'header';
  /** Parameter, field or header name, e.g. `recvWindow`, `X-BAPI-RECV-WINDOW`. */
  readonly field: string;
  /** The window, in ms, that the venue applies when a request carries none. */
  readonly defaultMs: number;
  /**
   * The largest window the venue accepts, in ms. A request carrying more is refused
   * before it is sent (the venue would refuse it too). Absent: the venue documents no
   * maximum, and the carried window is used whatever its size. @default none
   */
  readonly maxMs?: number;
  /** How far ahead of the venue's clock a request timestamp may run, in ms. */
  readonly aheadMs: number;
  /** Where these facts come from. Docs only. */
  readonly note?: string;
}

/**
 * A scan of the venue's list of recently created objects, newest first, matching
 * the venue key in each item (Stripe: `GET /v1/payment_intents?created[gte]=…`
 * and `metadata.intentkey_key`). Each page is one request through your axios instance.
 */
export interface ScanSpec {
  /** Path of the list endpoint, relative to your instance's `baseURL` (always `GET`). */
  readonly path: string;
  /** Query parameter bounding the list to objects created at or after a time. */
  readonly createdSinceParam: string;
  /** Unit of that parameter's value. */
  readonly createdSinceUnit: 'seconds' | 'milliseconds';
  /**
   * Taken off the intent's creation time before it is sent, in ms, so a venue clock
   * behind ours still lists the object. @default 300000 (5 min)
   */
  readonly createdSinceMarginMs?: number;
  /** Dotted path of the array of objects in a page body, e.g. `data`. */
  readonly itemsPath: string;
  /** Dotted path, inside one object, of the field that holds the venue key (the echo). */
  readonly matchPath: string;
  /** Query parameter of the page size, with the size to ask for. */
  readonly limitParam: string;
  readonly limit: number;
  /** Query parameter carrying the cursor to the next page (Stripe `starting_after`). */
  readonly cursorParam: string;
  /** Dotted path, inside one object, of the value that cursor takes (Stripe `id`). */
  readonly cursorPath: string;
  /** Dotted path of the boolean saying more pages follow (Stripe `has_more`). */
  readonly hasMorePath: string;
  /** Most pages one scan reads; a scan cut short by it is inconclusive. @default 10 */
  readonly maxPages?: number;
  /**
   * True when the list shows an object as soon as the write that created it answered
   * (read-after-write consistent). Only then is a complete scan's miss a "not found";
   * an eventually consistent search index never is.
   */
  readonly consistent: boolean;
  /** Limits of the scan. Docs only. */
  readonly note?: string;
}

/**
 * A lookup of one order or payment by its key, as the venue documents it. The
 * request goes through your axios instance, so your interceptors sign it as usual.
 *
 * @example
 * // Binance spot: GET /api/v3/order?symbol=BTCUSDT&origClientOrderId=<venue key>
 * { method: 'GET', path: '/api/v3/order', keyIn: 'query', keyParam: 'origClientOrderId', copyParams: ['symbol'] }
 */
export interface LookupSpec {
  /** HTTP method of the lookup. */
  readonly method: 'GET' | 'POST';
  /**
   * Path relative to your instance's `baseURL`. With `keyIn: 'path'` it holds the
   * placeholder `{key}`, replaced by the URL-encoded venue key.
   */
  readonly path: string;
  /** Where the venue key goes: a query parameter, a body field (form or JSON, like the original request), or the path. */
  readonly keyIn: 'query' | 'body' | 'path';
  /** Name of the query parameter or body field holding the key. Required unless `keyIn` is `path`. */
  readonly keyParam?: string;
  /**
   * Parameters the lookup requires that are copied from the original request's query
   * or body (Binance `symbol`, OKX `instId`, Bybit `category`). Sent as query
   * parameters for `GET`, body fields for `POST`. When one is missing from the original
   * request and the operation's `reconcile.params` does not supply it, the lookup is
   * not sent and the intent stays unknown. @default []
   */
  readonly copyParams?: readonly string[];
  /**
   * Dotted path that must hold a non-empty value (a present scalar, a non-empty array
   * or object) in a successful lookup body for the object to count as found. For
   * venues that answer a miss with an empty list (Bybit `result.list`). Absent: any
   * successful lookup is "found". Applies only to the lookup built from this spec, never
   * to an operation's own `reconcile.request`.
   */
  readonly foundPath?: string;
  /**
   * Dotted path of a field of the original request (its body, then its query
   * parameters) whose value the lookup sends instead of the venue key: for venues
   * that look objects up by a reference of their own (Checkout.com
   * `GET /payments?reference=`). When the request has no such field the lookup is not
   * sent and the intent stays unknown. @default the venue key
   */
  readonly valueFrom?: string;
  /**
   * Checks that an object in the answer really carries the value looked up, instead of
   * trusting the venue's filter: found only when an item under `itemsPath` (an array, or
   * an object's values such as Kraken's map keyed by order id) has the looked-up value
   * (the venue key, or the `valueFrom` value) at `keyPath`. Items that carry the field
   * with other values only: not found. Items that lack the field: inconclusive (the
   * answer cannot tell). @default none: a successful answer (with `foundPath`) is found
   */
  readonly match?: LookupMatch;
  /** Limits of the lookup (how long objects stay findable, several matches). Docs only. */
  readonly note?: string;
}

/** How {@link LookupSpec.match} finds the looked-up object among the items of an answer. */
export interface LookupMatch {
  /** Dotted path of the items: an array, or an object whose values are the items. */
  readonly itemsPath: string;
  /** Dotted path, inside one item, of the field holding the looked-up value (`cl_ord_id`). */
  readonly keyPath: string;
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
  /**
   * Header a key-store venue sets to `true` on an answer replayed from its store
   * (Stripe `Idempotent-Replayed`). A replayed 5xx means the first request ran and its
   * error was stored: a same-key resend can only return it again, so the outcome is
   * settled by a lookup or scan instead. @default none
   */
  readonly replayedHeader?: string;
  /**
   * Header in which the venue says whether a retry may succeed (`true`/`false`,
   * Stripe `Stripe-Should-Retry`). `false` on an unknown outcome sends it to a lookup
   * or scan instead of a resend; it never turns an unknown into "not executed". @default none
   */
  readonly shouldRetryHeader?: string;
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
  readonly retryAfterUnit?: TimeUnit;
  /**
   * A wait carried inside the error message rather than a header, e.g. Kraken's
   * `EService: Throttled: <unix time>`. Read when a `rateLimited` rule matched and no
   * header gave a wait.
   */
  readonly retryAfterMessage?: {
    /** Regular expression source (compiled with the `i` flag) whose first capture group is the number. */
    readonly pattern: string;
    /** What the captured number means. */
    readonly unit: TimeUnit;
  };
  /**
   * Usage headers the venue sends on every response (Binance `X-MBX-USED-WEIGHT-1M`,
   * Bybit `X-Bapi-Limit-Status`). The client reads them after each response, reports
   * them in the `rateLimitUsage` event and, once a limit is nearly used up (client
   * option `retry.pauseAtUsage`), holds new sends to the venue until the window resets,
   * before the venue starts refusing or banning. @default []
   */
  readonly usage?: readonly UsageHeaderSpec[];
  /**
   * The limits the venue publishes, which the client-side limiter (client option
   * `protection.limiter`) keeps under before the venue starts refusing: request weight
   * per minute, orders per 10 s, orders per day. Only limits the venue documents; a
   * limit that varies by account tier carries the default tier's figure. @default []
   */
  readonly limits?: readonly PublishedLimit[];
}

/**
 * One limit a venue publishes: at most `limit` units per fixed window of `windowMs`,
 * aligned to the Unix epoch (Binance's minute counters reset on the minute). A write
 * costs `writeCost` units and a read (a reconcile lookup) `readCost`.
 */
export interface PublishedLimit {
  /** Short id, unique in the profile, used in events, metrics and limiter keys (`weight-1m`, `orders-10s`). */
  readonly id: string;
  /** Units allowed per window, a positive number. */
  readonly limit: number;
  /** Window length in ms, a positive integer. */
  readonly windowMs: number;
  /** What a unit is: request weight, requests, or orders placed. */
  readonly unit: 'weight' | 'requests' | 'orders';
  /** Whom the venue counts against: the calling IP address or the account (API key / UID). */
  readonly per: 'ip' | 'account';
  /** Units a write (order or payment create) costs. @default 1 */
  readonly writeCost?: number;
  /** Units a read (a reconcile lookup or scan page) costs; 0 for limits on orders only. @default 1 */
  readonly readCost?: number;
  /**
   * The usage header (lowercase, one of `rateLimit.usage`) that reports this counter, so
   * the limiter can correct its own count with the venue's (other processes on the same
   * IP or account spend from the same limit).
   */
  readonly usageHeader?: string;
  /** Where the figure comes from. Docs only. */
  readonly note?: string;
}

/**
 * How a number in a header or message becomes a wait: a duration (`seconds`,
 * `milliseconds`) or a reset instant (`epochSeconds`, `epochMilliseconds`).
 */
export type TimeUnit = 'seconds' | 'milliseconds' | 'epochSeconds' | 'epochMilliseconds';

/** One rate-limit usage header and how to read it. */
export interface UsageHeaderSpec {
  /** Header name, matched case-insensitively (`x-mbx-used-weight-1m`). */
  readonly header: string;
  /** Whether the header counts what is used so far or what is left in the window. */
  readonly reports: 'used' | 'remaining';
  /** The limit, when the venue does not send it in a header (Binance: 6,000 weight per minute by default). */
  readonly limit?: number;
  /** Header carrying the limit (Bybit `X-Bapi-Limit`). Wins over `limit` when present and numeric. */
  readonly limitHeader?: string;
  /** Header carrying when the window resets (Bybit `X-Bapi-Limit-Reset-Timestamp`). */
  readonly resetHeader?: string;
  /** Unit of `resetHeader`. @default 'epochMilliseconds' */
  readonly resetUnit?: TimeUnit;
  /**
   * Length of a fixed window aligned to the Unix epoch, in ms, used to compute the
   * reset when no `resetHeader` is given (Binance's `1m` counters reset each minute).
   */
  readonly windowMs?: number;
  /** Where the figures come from. Docs only. */
  readonly note?: string;
}

/** A condition on one response header ({@link ErrorRule.match}). */
export interface HeaderMatch {
  /** Header name, matched case-insensitively. */
  readonly name: string;
  /** Regular expression source the value must match (case-insensitive). @default any value */
  readonly value?: string;
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
    /**
     * The venue code starts with one of these, compared as strings (OKX `51008`
     * matches `51008_1000`). Not together with `code`.
     */
    readonly codePrefix?: string | readonly string[];
    /**
     * Regular expression source tested (case-insensitive) against the venue message.
     * Give it whenever the code alone is ambiguous (a venue reusing one code for
     * unrelated errors) and the rule changes what is sent next.
     */
    readonly message?: string;
    /**
     * A response header: the rule matches only when the header is present and, with
     * `value`, when its value matches that regular expression source (case-insensitive).
     */
    readonly header?: HeaderMatch;
  };
  /** What the match means. */
  readonly outcome: RuleOutcome;
  /** For `rateLimited`: whether the whole venue must wait (IP ban) or only this request. @default 'request' */
  readonly scope?: 'request' | 'venue';
  /** For `rateLimited`: wait used when no header (and no message) gives one, in ms. */
  readonly waitMs?: number;
  /**
   * For `rateLimited`: headers read for the wait, in order, **before** the profile's
   * `rateLimit.retryAfterHeaders` (a venue that sends a ban's end in its own header).
   * @default none
   */
  readonly waitHeaders?: readonly string[];
  /**
   * Unit of numeric values in `waitHeaders`; `Retry-After` is always seconds.
   * @default the profile's `rateLimit.retryAfterUnit`, else 'seconds'
   */
  readonly waitUnit?: TimeUnit;
  /** Why, with a source where possible. Shown in docs, not used by the classifier. */
  readonly note?: string;
  /** True when the rule rests on a fact no primary source confirms; docs mark it. @default false */
  readonly unverified?: boolean;
}
