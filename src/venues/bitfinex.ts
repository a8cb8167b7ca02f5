import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'docs.bitfinex.com v2 REST "Submit Order" (cid: int45, should be unique in the day (UTC), not enforced; notification [MTS, TYPE, MESSAGE_ID, null, ORDER, CODE, STATUS, TEXT])';
const ERRORS = 'docs.bitfinex.com v2 "Abbreviations / Error codes" (10000 unknown, 10001 generic, 10020 params, 10100 auth failed, 10111-10113 auth payload/signature/encryption, 10114 nonce small, 11010 rate limit, 20060 maintenance)';
const RATE = 'docs.bitfinex.com "Rate limits" (10-90 requests per minute per endpoint; an IP that exceeds it is blocked for 10-60 s)';
const CCXT = 'ccxt/ccxt ts/src/bitfinex.ts (handleErrors: business errors arrive as HTTP 500 with ["error", CODE, "text"])';

/**
 * Bitfinex API v2 (`POST /v2/auth/w/order/submit`, JSON body). The client id `cid` is
 * an integer below 2^45 that "should be unique per UTC day" but is **not enforced**:
 * Bitfinex places a second order with the same `cid`. Keys are hashed to an integer in
 * `[1, 2^45 - 1]` (collisions become likely only after millions of keys in one day) and
 * placed in the JSON body as a number (`valueType: 'number'`): the reference types
 * `cid` as an integer, and 2^45 is well inside a double's exact range.
 *
 * Two body shapes carry the outcome:
 * - a submit reply is a notification array `[MTS, TYPE, MESSAGE_ID, null, ORDERS, CODE,
 *   STATUS, TEXT]` whose `STATUS` (index 6) is `SUCCESS`, `ERROR` or `FAILURE`;
 * - a rejected request is HTTP 500 (not a server failure) with `["error", CODE, "text"]`.
 * The code is read from index 6 first, then index 1, so both shapes work; `SUCCESS`
 * is the success code.
 *
 * No lookup by key: `cid` (with `cid_date`) is documented for cancelling, not for
 * retrieving, so an unknown outcome needs the operation's own reconcile (list active
 * orders and order history for the symbol and match `cid` and the creation day).
 */
export const bitfinex: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'bitfinex',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'cid',
    // The reference types cid as int45; sent as a JSON number, not a numeric string.
    valueType: 'number',
    format: { encoding: 'integer', pattern: '^[0-9]{1,14}$', maxLength: 14, maxInteger: 2 ** 45 - 1 },
  },
  dedupe: { kind: 'none' },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: { codePaths: ['6', '1', 'error'], messagePaths: ['7', '2', 'message'], successCodes: ['SUCCESS'] },
  // No rateLimit.limits: see about.unverified.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: ['ERROR', 'FAILURE'] },
      outcome: 'fatal',
      note: `${DOCS}: the submit notification reports the order as not placed; TEXT (index 7) says why.`,
    },
    {
      match: { code: ['11010', 'ERR_RATE_LIMIT'] },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 60_000,
      note: `${ERRORS} and ${RATE}: 11010 "ratelimit: error" (v1 bodies say ERR_RATE_LIMIT); the IP is blocked for 10-60 s, so every request waits the longest documented block.`,
    },
    {
      match: { code: '10114' },
      outcome: 'resign',
      note: `${ERRORS}: "nonce: small"; nonces must increase per key (use one key per process). Refused; re-sign with a new nonce.`,
    },
    {
      match: { code: '20060' },
      outcome: 'retry',
      note: `${ERRORS}: platform in maintenance; the request was not processed. Resend later.`,
    },
    {
      match: { code: ['10001', '10020', '10100', '10111', '10112', '10113'] },
      outcome: 'fatal',
      note: `${ERRORS} and ${CCXT}: generic rejection (e.g. "Invalid order: not enough exchange balance"), bad parameters, authentication failures. Arrive as HTTP 500 but the order was refused.`,
    },
  ],
  about: {
    title: 'Bitfinex',
    sources: [DOCS, ERRORS, RATE, CCXT],
    unverified: [
      'reconcile.lookup: no documented way to retrieve an order by cid, so none is modelled.',
      'errors: which HTTP status accompanies the v2 rate-limit error (11010) is not documented; the rule matches the code alone.',
      'rateLimit.limits: none set. The Submit Order reference gives no rate limit, and the general pages only a range (10 to 90 requests per minute, varying by endpoint); the order-reading endpoints state 90 per minute, but the profile has no lookup that would spend them.',
    ],
  },
});
