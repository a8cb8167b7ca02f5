import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const MIRROR = 'qiuham/crypto-api-docs@ad484e4 (mirror of gate.com/docs/developers/apiv4)';
const GENERAL = `${MIRROR} docs/gateio/apiv4/en.md`;
const SPOT = `${MIRROR} docs/gateio/apiv4/en/spot.md`;

/** Gate counts most private limits per 10 s ("200r/10s per endpoint"); the longest window to sit out. */
const RATE_WINDOW_MS = 10_000;
/** The `Timestamp` header may be 60 s from server time (REQUEST_EXPIRED beyond), plus a second of margin. */
const SETTLE_DELAY_MS = 60_000 + 1_000;

/**
 * Gate API v4 spot (`POST /api/v4/spot/orders`). Errors carry a string `label` and a
 * `message` (`{ "label": "INVALID_PARAM_VALUE", "message": "..." }`) with a 4xx or 5xx
 * status; HTTP 202 means "accepted, processing not done yet", which is not a result.
 *
 * Key: the order's `text` must start with `t-` and hold at most 28 more characters of
 * `[0-9A-Za-z_.-]`, so intent keys are hashed behind the prefix (28 Crockford base32
 * characters, 140 bits).
 *
 * Dedupe: none documented. `text` is a user tag; no page says Gate refuses or replays
 * a second order with the same text, so every ambiguous attempt must be looked up.
 *
 * Reconcile: `GET /api/v4/spot/orders/{text}?currency_pair=` finds an order by its
 * text only while it is pending (one passage adds "up to 1 hour after completion");
 * after that only the numeric order id works. A filled market order is therefore
 * usually not findable by text, so a miss proves nothing and the intent stays
 * unknown. An optional `x-gate-exptime` request header (ms) lets Gate refuse a late
 * request; with it on every attempt a stricter profile could be derived.
 *
 * Left to the generic rules: request, authentication and trading labels such as
 * INVALID_PARAM_VALUE, INVALID_KEY, INVALID_SIGNATURE, BALANCE_NOT_ENOUGH and
 * ORDER_NOT_FOUND arrive with 4xx statuses and are fatal; any other 5xx is unknown.
 */
export const gate: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'gate',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'text',
    format: { encoding: 'hash', prefix: 't-', pattern: '^t-[0-9A-Za-z_.-]{1,28}$', maxLength: 30 },
  },
  dedupe: { kind: 'none' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: SETTLE_DELAY_MS,
    notFoundCodes: ['ORDER_NOT_FOUND'],
    lookup: {
      method: 'GET',
      path: '/api/v4/spot/orders/{key}',
      keyIn: 'path',
      copyParams: ['currency_pair'],
      note: `${SPOT} (Query single order details): order_id may be the text; custom ids work only while the order is pending (the order-list passage says up to 1 hour after it finishes), then only the numeric id. currency_pair is required for pending orders. Futures: /api/v4/futures/{settle}/orders/{key}. The path assumes a baseURL without /api/v4.`,
    },
  },
  response: { codePaths: ['label'], messagePaths: ['message', 'detail'], successCodes: [] },
  rateLimit: {
    // X-Gate-RateLimit-Reset-Timestamp is the current time unless the limit was
    // exceeded, so only the 429 rule reads it for a wait (waitHeaders).
    retryAfterHeaders: ['retry-after'],
    usage: [
      {
        header: 'x-gate-ratelimit-requests-remain',
        reports: 'remaining',
        limitHeader: 'x-gate-ratelimit-limit',
        resetHeader: 'x-gate-ratelimit-reset-timestamp',
        resetUnit: 'epochSeconds',
        note: `${GENERAL} (Rate Limit): remaining requests and limit for the current endpoint; the reset timestamp equals the current time unless the limit was exceeded. Seconds, as Gate's timestamps are "in seconds if no extra note".`,
      },
    ],
    // Limits are per endpoint and X-Gate-RateLimit-Requests-Remain reports whichever
    // endpoint answered (the order on a write, the lookup on a read), so no limit below
    // names it: one header cannot correct two counters.
    limits: [
      {
        id: 'spot-order-1s',
        limit: 10,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${GENERAL} (Frequency limit rule, Spot: single and batch order placement and order amendment share 10r/s per UID and market; Spot Rate Limit Rules 2.1: each spot market is counted apart). Counted here across markets, so it holds back early when orders spread over several. A low fill ratio can cut it to 10 per 10 s (2.2), which this does not model.`,
      },
      {
        id: 'spot-other-10s',
        limit: 200,
        windowMs: RATE_WINDOW_MS,
        unit: 'requests',
        per: 'account',
        writeCost: 0,
        readCost: 1,
        note: `${GENERAL} (Frequency limit rule, Spot: "The Others" 200r/10s per endpoint, per UID); the single-order lookup has no figure of its own, so it falls under this one.`,
      },
    ],
  },
  errors: [
    {
      match: { status: 202 },
      outcome: 'unknown',
      note: `${GENERAL} (Return Status): 202 "Request accepted by the server, but processing is not done yet"; the order may still be placed or refused.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      waitMs: RATE_WINDOW_MS,
      waitHeaders: ['x-gate-ratelimit-reset-timestamp'],
      waitUnit: 'epochSeconds',
      note: `${GENERAL} (Return Status, label list): 429 TOO_MANY_REQUESTS "Request rate exceeds limits". (Rate Limit): once the limit is exceeded, X-Gate-RateLimit-Reset-Timestamp says when it resets, so a 429 waits until then (read as epoch seconds; a value out of range is ignored). Without it, one 10 s window is waited out (private limits are counted per 10 s).`,
    },
    {
      match: { code: 'REQUEST_EXPIRED' },
      outcome: 'resign',
      note: `${GENERAL} (label list, Authentication): REQUEST_EXPIRED, the Timestamp header is more than 60 s from server time; resync, re-sign, resend.`,
    },
    {
      match: { code: ['DUPLICATE_REQUEST', 'ORDER_EXISTS'] },
      outcome: 'conflictDuplicate',
      unverified: true,
      note: `${GENERAL} (label list, wallet section): DUPLICATE_REQUEST "Duplicate request" and ORDER_EXISTS "Order already exists, do not resubmit". Listed for wallet operations; if an order endpoint sends them, the earlier order is looked up.`,
    },
    {
      match: { code: ['SERVER_ERROR', 'INTERNAL', 'INTERNAL_SERVER_ERROR', 'TOO_BUSY', 'SERVER_TIMEOUT'] },
      outcome: 'unknown',
      note: `${GENERAL} (label list, server errors): INTERNAL / SERVER_ERROR "Internal server error", INTERNAL_SERVER_ERROR "Operation failed, please try again later", TOO_BUSY "Server is too busy at the moment", SERVER_TIMEOUT "Service timeout". No statement that the order was not placed, so unknown whatever the status.`,
    },
  ],
  about: {
    title: 'Gate API v4 (spot)',
    sources: [
      `${SPOT} (Create an order: text rules; Query single order details: custom-id lookup window; x-gate-exptime header)`,
      `${GENERAL} (Return Status incl. 202; label list; Rate Limit headers; Frequency limit rule; Spot Rate Limit Rules; Timestamp within 60 s)`,
      `${MIRROR} docs/gateio/apiv4/en/futures.md (futures order lookup by text)`,
    ],
    unverified: [
      'All facts come from a third-party mirror of the Gate docs, not from gate.com directly.',
      'dedupe: no page says whether Gate refuses a second order with the same text.',
      'errors: DUPLICATE_REQUEST and ORDER_EXISTS are listed for wallet operations; whether order endpoints send them is not documented.',
      'errors: the HTTP statuses that come with the server-error labels are not documented.',
      'rateLimit.usage and the 429 rule\'s waitHeaders: the unit of X-Gate-RateLimit-Reset-Timestamp is not stated (read as epoch seconds; a millisecond value would be out of range and ignored, leaving the 10 s default).',
      'reconcile.lookup: how long a finished order stays findable by text (pending only, or up to 1 hour) differs between passages.',
    ],
  },
});
