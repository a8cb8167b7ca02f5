import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'binance/binance-spot-api-docs';
const ERRORS = `${DOCS} errors.md`;
const REST = `${DOCS} rest-api.md`;

/**
 * Binance spot REST (`/api/v3/order`). The client order id (`newClientOrderId`) is
 * unique only among **open** orders: once an order with that id has filled, the same
 * id places a second order. So an ambiguous attempt is always looked up
 * (`GET /api/v3/order?origClientOrderId=`) before anything is resent.
 *
 * Reconcile: "not found" (`-2013`) is authoritative once the request can no longer
 * reach the matching engine. Binance rejects a request whose `timestamp + recvWindow`
 * has passed, `recvWindow` is at most 60 000 ms, and a timestamp may run up to
 * 1 000 ms ahead of the server's clock (-1021 otherwise), so 61 s after the last
 * signed attempt no queued copy of it can still execute.
 *
 * Left to the generic rules (all arrive with HTTP 4xx, so they are `fatal` there):
 * -2010 NEW_ORDER_REJECTED for reasons other than a duplicate (insufficient balance,
 * filters), -1013 INVALID_MESSAGE and the -1100..-1130 parameter errors, -1002
 * UNAUTHORIZED, -1022 INVALID_SIGNATURE, -2014 BAD_API_KEY_FMT, -2015 REJECTED_MBX_KEY,
 * and the lookup answers -2013 NO_SUCH_ORDER (also `reconcile.notFoundCodes`) and -2026
 * ORDER_ARCHIVED.
 */
export const binanceSpot: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'binance-spot',
  kind: 'exchange',
  key: {
    placement: 'query',
    field: 'newClientOrderId',
    // Published for FIX ClOrdID; REST shares the matching engine's rule (listed as unverified in `about`).
    format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9_-]{1,36}$', maxLength: 36 },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: true,
    settleDelayMs: 61_000,
    // Unfilled cancelled/expired orders older than 90 days are archived (-2026) and no longer found.
    findableForMs: 90 * 24 * 60 * 60 * 1000,
    notFoundCodes: ['-2013'],
    lookup: {
      method: 'GET',
      path: '/api/v3/order',
      keyIn: 'query',
      keyParam: 'origClientOrderId',
      copyParams: ['symbol'],
      note: `${REST} (Query order): needs symbol plus the signed timestamp. Unfilled cancelled/expired orders older than 90 days answer -2026 ORDER_ARCHIVED.`,
    },
  },
  // Errors come with a non-2xx status and `{ "code": -2010, "msg": "..." }`; an
  // accepted order's 2xx body has no `code`, so no success codes are needed.
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    // Limits are per IP (weight) and per account (orders) and differ between accounts:
    // read yours from GET /api/v3/exchangeInfo `rateLimits` and override these with
    // extendVenue. The figures below are the lowest published defaults, so the client
    // pauses early rather than late.
    usage: [
      {
        header: 'x-mbx-used-weight-1m',
        reports: 'used',
        limit: 6_000,
        windowMs: 60_000,
        note: `${REST} (LIMITS): X-MBX-USED-WEIGHT-(intervalNum)(intervalLetter) carries the IP's used request weight; REQUEST_WEIGHT 6000 per minute by default.`,
      },
      {
        header: 'x-mbx-order-count-10s',
        reports: 'used',
        limit: 50,
        windowMs: 10_000,
        note: `${REST} (Unfilled order count): X-MBX-ORDER-COUNT-10S on successful order responses; ORDERS 50 per 10 s by default.`,
      },
      {
        header: 'x-mbx-order-count-1d',
        reports: 'used',
        limit: 160_000,
        windowMs: 86_400_000,
        note: `${REST} (Unfilled order count): X-MBX-ORDER-COUNT-1D; ORDERS 160,000 per day by default.`,
      },
    ],
  },
  about: {
    title: 'Binance spot',
    sources: [
      'binance/binance-spot-api-docs rest-api.md (HTTP return codes, LIMITS, New order, Query order) @a5e0bc3',
      'binance/binance-spot-api-docs errors.md @a5e0bc3',
      'binance/binance-spot-api-docs fix-api.md (ClOrdID pattern) @a5e0bc3',
      'binance/binance-connector-js common/src/utils.ts @a9de9a9 (the official connector retries only GET/DELETE on 500/502/503/504)',
    ],
    unverified: [
      'key.format: the pattern is published for FIX ClOrdID; REST is assumed to share it (same matching engine).',
      'errors -1001: spot docs do not state whether the request executed; treated as a definite failure like USD-M documents.',
      'rateLimit.usage: default limits vary by account and over time (exchangeInfo is the authority); counters are assumed to reset on fixed, epoch-aligned windows.',
    ],
  },
  errors: [
    {
      match: { status: 418 },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 120_000,
      note: `${REST} (HTTP return codes): IP auto-banned for ignoring 429s; Retry-After is seconds to unban; bans run 2 min to 3 days. Every request from this IP must wait.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${REST} (LIMITS): request-weight or order-rate limit. Limits are per IP or account, not per request, and ignoring them escalates to a 418 ban, so the whole venue waits.`,
    },
    {
      match: { status: 403 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${REST} (HTTP return codes): WAF limit violated; the request did not reach the engine. Back off hard.`,
    },
    {
      match: { status: '5xx' },
      outcome: 'unknown',
      note: `${REST} (HTTP return codes): on a 5XX the execution status is UNKNOWN and could have been a success. Ranked before the code rules, so a -1001 with a 5xx stays unknown.`,
    },
    {
      match: { status: 409 },
      outcome: 'unknown',
      note: `${REST} (HTTP return codes): cancelReplace partly succeeded (cancel failed, new order placed).`,
    },
    {
      match: { code: ['-1003', '-1015'] },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERRORS}: -1003 TOO_MANY_REQUESTS (IP weight; may say "banned until"), -1015 TOO_MANY_ORDERS (account order count).`,
    },
    {
      match: { code: '-1021' },
      outcome: 'resign',
      note: `${ERRORS}: INVALID_TIMESTAMP, outside recvWindow or more than 1000 ms ahead of the server; rejected before the engine. Resync, re-sign, resend.`,
    },
    {
      match: { code: '-2010', message: 'Duplicate order sent' },
      outcome: 'conflictDuplicate',
      note: `${ERRORS}: NEW_ORDER_REJECTED "Duplicate order sent.": an open order already holds this client order id; fetch it by origClientOrderId.`,
    },
    {
      match: { code: '-1001' },
      outcome: 'retry',
      unverified: true,
      note: `${ERRORS}: DISCONNECTED "Internal error; unable to process your request. Please try again." Spot docs do not state the execution status explicitly.`,
    },
    {
      match: { code: ['-1000', '-1006', '-1007'] },
      outcome: 'unknown',
      note: `${ERRORS}: -1000 UNKNOWN, -1006 UNEXPECTED_RESP and -1007 TIMEOUT ("send status unknown; execution status unknown").`,
    },
    {
      match: { code: '-1008' },
      outcome: 'unknown',
      note: `${ERRORS}: SERVER_BUSY. Spot docs do not say whether the order was processed (USD-M documents it as a certain failure), so reconcile first; the lookup is cheap.`,
    },
  ],
});
