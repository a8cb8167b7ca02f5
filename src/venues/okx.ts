import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const MIRROR = 'qiuham/crypto-api-docs@ad484e4 (mirror of okx.com/docs-v5)';
const CODES = `${MIRROR} docs/okx/error/code/rest-api-public.md`;
const PLACE = `${MIRROR} docs/okx/order/book/trading-trade-post-place-order.md`;
const DETAILS = `${MIRROR} docs/okx/order/book/trading-trade-get-order-details.md`;
const HISTORY = `${MIRROR} docs/okx/order/book/trading-trade-get-order-history-last-7-days.md`;
const GENERAL = `${MIRROR} docs/okx/overview/general/info.md`;
const AUTH = `${MIRROR} docs/okx/overview/rest/authentication-making-requests.md`;
const LIMITS = `${MIRROR} docs/okx/overview/rate/limits.md`;

/** Order endpoints count requests per 2 s (60 per 2 s per instrument, 1 000 per 2 s per sub-account). */
const RATE_WINDOW_MS = 2_000;
/** OK-ACCESS-TIMESTAMP may be 30 s away from server time (50102 beyond that), plus a second of margin. */
const SETTLE_DELAY_MS = 30_000 + 1_000;
/** Cancelled orders that never filled stay in the order history only 2 hours. */
const FINDABLE_FOR_MS = 2 * 60 * 60 * 1000;

/**
 * OKX API v5 (`POST /api/v5/trade/order`). Every business answer is HTTP 200 with a
 * string `code`; order endpoints put the real result per order in `data[].sCode` /
 * `sMsg` (top-level `code` "1" means "operation failed"), and the general info page
 * says `sCode` wins whenever present. So the code is read from `data.0.sCode` first,
 * then `code`; "0" is success.
 *
 * Key: `clOrdId` takes 1-32 case-sensitive alphanumerics, so intent keys are hashed
 * (Crockford base32, 32 characters, about 160 bits); a ULID or UUID would not fit
 * verbatim (UUIDs have dashes, arbitrary keys run to 255).
 *
 * Dedupe: `clOrdId` must be unique only among pending (live, partially filled)
 * orders; once an order is terminal the same id places a new one (place-order notes,
 * mirrored wording). A repeat while pending is refused with 51016.
 *
 * Reconcile: `GET /api/v5/trade/order?instId=&clOrdId=` returns the latest order
 * with that id, or 51603. A miss is not authoritative: without the optional `expTime`
 * header OKX publishes no deadline after which an accepted request can no longer
 * execute (50004 and 51149 say the outcome is open), and an unfilled cancelled order
 * is kept only 2 h. With `expTime` set on every attempt, a stricter profile can be
 * derived with `extendVenue` (authoritative after the deadline).
 *
 * Order refusals inside HTTP 200 (balance, size, price, instrument, account state)
 * are listed code by code as fatal; the sub-coded families (51004_*, 51008_*) match
 * by prefix. Left to the generic rules: HTTP 401 authentication codes (50100-50114
 * except 50102) are fatal as 4xx; HTTP 500/503 codes such as 50001, 50026, 51054 and
 * 51149 are unknown as 5xx; any other code inside HTTP 200 is unknown.
 */
export const okx: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'okx',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'clOrdId',
    format: { encoding: 'hash', pattern: '^[A-Za-z0-9]{1,32}$', maxLength: 32 },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: SETTLE_DELAY_MS,
    findableForMs: FINDABLE_FOR_MS,
    notFoundCodes: ['51603'],
    lookup: {
      method: 'GET',
      path: '/api/v5/trade/order',
      keyIn: 'query',
      keyParam: 'clOrdId',
      copyParams: ['instId'],
      match: { itemsPath: 'data', keyPath: 'clOrdId' },
      note: `${DETAILS}: instId plus ordId or clOrdId; when several orders share a clOrdId only the latest is returned. ${HISTORY}: cancelled orders that never filled are kept 2 hours.`,
    },
  },
  response: { codePaths: ['data.0.sCode', 'code'], messagePaths: ['data.0.sMsg', 'msg'], successCodes: ['0'] },
  // OKX documents no rate-limit response headers, so no limit names one.
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    limits: [
      {
        id: 'place-order-2s',
        limit: 60,
        windowMs: RATE_WINDOW_MS,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${PLACE} (Rate Limit: 60 requests per 2 seconds; rule: User ID + Instrument ID, Instrument Family for options). ${LIMITS} (Trading-related APIs): placing, amending and cancelling have separate limits, shared between REST and WebSocket. Counted here across instruments, so it holds back early when orders spread over several.`,
      },
      {
        id: 'order-details-2s',
        limit: 60,
        windowMs: RATE_WINDOW_MS,
        unit: 'requests',
        per: 'account',
        writeCost: 0,
        readCost: 1,
        note: `${DETAILS} (Rate Limit: 60 requests per 2 seconds; rule: User ID + Instrument ID, Instrument Family for options): the lookup.`,
      },
      {
        id: 'sub-account-orders-2s',
        limit: 1_000,
        windowMs: RATE_WINDOW_MS,
        unit: 'orders',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${LIMITS} (Sub-account rate limit): at most 1,000 new and amended orders per 2 seconds per sub-account over REST and WebSocket (50061 beyond), beside the per-instrument limit; the fill-ratio tiers raise it from VIP5 up, and spot and margin orders are exempt.`,
      },
    ],
  },
  errors: [
    {
      match: { code: ['50011', '50061', '50040'] },
      outcome: 'rateLimited',
      waitMs: RATE_WINDOW_MS,
      note: `${LIMITS}: a request refused for rate is answered with 50011 (HTTP 200 or 429); 50061 is the sub-account order limit (1 000 per 2 s); 50040 "Too frequent operations". Order limits are counted per 2 s.`,
    },
    {
      match: { code: '50013' },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${CODES}: 50013 (HTTP 429) "Systems are busy. Please try again later." A system-wide condition, so every request waits.`,
    },
    {
      match: { code: '50102' },
      outcome: 'resign',
      note: `${CODES}: 50102 (HTTP 401) "Timestamp request expired"; ${AUTH}: OK-ACCESS-TIMESTAMP more than 30 s from server time is refused. Resync, re-sign, resend.`,
    },
    {
      match: { code: '51016' },
      outcome: 'conflictDuplicate',
      note: `${CODES}: 51016 "Client order ID already exists.": a pending order holds this clOrdId; look it up.`,
    },
    {
      match: { code: '50071', message: '\\bclOrdId\\b' },
      outcome: 'conflictDuplicate',
      note: `${CODES}: 50071 "{param} already exists" names whichever parameter clashed, so only the clOrdId text means a pending order holds this id; any other parameter falls to unknown.`,
    },
    {
      match: { code: '50042' },
      outcome: 'conflictDuplicate',
      unverified: true,
      note: `${CODES}: 50042 "Repeated request" (HTTP 200); which request it compares with is not documented, so the earlier copy is looked up.`,
    },
    {
      match: { code: '50004' },
      outcome: 'unknown',
      note: `${CODES}: 50004 (HTTP 400) "API endpoint request timeout (does not mean that the request was successful or failed, please check the request result)". Without this rule the 400 would be fatal.`,
    },
    {
      match: { code: '50037' },
      outcome: 'fatal',
      note: `${CODES}: 50037 "Order expired.": the expTime deadline passed before processing, so nothing was placed. Not resent: the deadline was the caller's limit.`,
    },
    {
      match: { codePrefix: ['51004', '51008'] },
      outcome: 'fatal',
      note: `${CODES}: the table lists these only as sub-coded entries (51004_1101-51004_1117 position above the leverage limit, 51008_1000-51008_1020 insufficient balance, margin or borrowing quota); ${PLACE}: the order answer carries the sub-code in its own subCode field, so sCode reads "51008". The prefix matches both forms.`,
    },
    {
      match: {
        code: [
          '50007', '50008', '50009', '50012', '51000', '51001', '51002', '51003', '51005', '51006', '51007', '51009', '51020', '51021', '51022', '51024',
          '51027', '51101', '51102', '51120', '51121', '51122', '51124', '51127', '51131', '51137', '51138', '51150', '51155', '51185', '51201', '51202',
        ],
      },
      outcome: 'fatal',
      note: `${CODES} (all HTTP 200 unless noted): account blocked, missing, frozen or invalid (50007-50009, 50012, 51009, 51024); parameter error (51000, HTTP 400); instrument missing, mismatched, unlisted or suspended (51001, 51002, 51021, 51022, 51027); neither id given (51003); size above the maximum or below one contract, the minimum or a lot-size multiple (51005, 51007, 51020, 51101, 51120, 51121, 51201, 51202, 51185); pending-order count limits (51102); price outside limits or precision (51006, 51122, 51137, 51138, 51150); call-auction limit orders only (51124); balance 0 or insufficient (51127, 51131); local compliance (51155). Each says the order failed.`,
    },
    {
      match: { code: '51603' },
      outcome: 'fatal',
      note: `${CODES}: 51603 "Order does not exist." (HTTP 200): the answer to a lookup, never to a new order.`,
    },
  ],
  about: {
    title: 'OKX API v5',
    sources: [
      `${PLACE} (clOrdId: up to 32 case-sensitive alphanumerics; unique among pending orders; data[].sCode/sMsg/subCode; 60 requests per 2 s)`,
      `${DETAILS} (lookup by clOrdId, latest order only; 60 requests per 2 s)`,
      `${HISTORY} (unfilled cancelled orders kept 2 hours)`,
      `${CODES} (codes with their HTTP statuses)`,
      `${GENERAL} (sCode/sMsg take precedence over code/msg)`,
      `${AUTH} (30 s timestamp tolerance, 50102)`,
      `${LIMITS} (50011, 50061, per-2-second limits; Trading-related APIs; Sub-account rate limit)`,
      `${MIRROR} docs/okx/overview/transaction/timeouts-rest-api.md (optional expTime header)`,
    ],
    unverified: [
      'All facts come from a third-party mirror of the OKX docs, not from okx.com directly.',
      'dedupe: the pending-only uniqueness paragraph for clOrdId reads as edited in the mirror.',
      'reconcile.settleDelayMs: the 30 s timestamp tolerance appears only in the mirror wording.',
      'errors: what 50042 "Repeated request" compares is not documented.',
      'rateLimit: no rate-limit response headers are documented; none are read.',
    ],
  },
});
