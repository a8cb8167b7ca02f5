import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const GENERAL_INFO = 'developers.binance.com derivatives/usds-margined-futures/general-info';
const ERROR_CODES = 'developers.binance.com derivatives/usds-margined-futures/error-code';
const NEW_ORDER = 'developers.binance.com derivatives/usds-margined-futures/trade/rest-api/New-Order';
const QUERY_ORDER = 'developers.binance.com derivatives/usds-margined-futures/trade/rest-api/Query-Order';

/** Shortest documented IP ban (2 min), used when a 418 carries no Retry-After. */
const SHORTEST_BAN_MS = 2 * 60 * 1000;
/**
 * recvWindow ceiling assumed for USD-M (60 000 ms, the spot ceiling; the futures pages
 * state no maximum) plus the 1 000 ms a timestamp may run ahead of the server.
 */
const SETTLE_DELAY_MS = 60_000 + 1_000;
/** Unfilled CANCELED/EXPIRED orders disappear from the order query 3 days after creation. */
const FINDABLE_FOR_MS = 3 * 24 * 60 * 60 * 1000;

/**
 * Binance USDⓈ-M futures REST (`POST /fapi/v1/order`). Like spot, `newClientOrderId`
 * is unique only among **open** orders (the New Order page: "a unique id among open
 * orders"): a second order with the id of an open one is refused with -4116, but once
 * that order is filled or cancelled the id can place another order. So an ambiguous
 * attempt is looked up (`GET /fapi/v1/order?symbol=&origClientOrderId=`) before any
 * resend.
 *
 * Key: the UUID encoding gives 36 characters of lowercase hex and dashes, inside the
 * official `^[\.A-Z\:/a-z0-9_-]{1,36}$`, for every intent key (ULIDs and UUIDs keep
 * their 128 bits; longer keys are hashed).
 *
 * Reconcile: a miss (-2013) is authoritative once no queued copy of the request can
 * still execute. Binance rejects a signed request whose `timestamp` is older than
 * `recvWindow` (or more than 1 s ahead) at the gateway, and the matching engine checks
 * the window again (-5028), so 61 s after the last attempt nothing can still reach the
 * book, provided `recvWindow` stays at or below 60 s (default 5 s). The miss proves
 * nothing after 3 days: an order that was cancelled or expired without a fill is then
 * no longer returned by the query, so `findableForMs` is 3 days, not 90.
 *
 * HTTP 503 needs the message to decide: "Service Unavailable." and "Internal error;
 * unable to process your request." are documented as certain failures, as is -1008
 * "Request throttled by system-level protection"; "Unknown error, please check your
 * request or try again later." means the request went through and the outcome is
 * unknown, like every other 5xx.
 */
export const binanceUsdm: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'binance-usdm',
  kind: 'exchange',
  key: {
    placement: 'query',
    field: 'newClientOrderId',
    format: { encoding: 'uuid', pattern: '^[\\.A-Z\\:/a-z0-9_-]{1,36}$', maxLength: 36 },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: true,
    settleDelayMs: SETTLE_DELAY_MS,
    findableForMs: FINDABLE_FOR_MS,
    notFoundCodes: ['-2013'],
    lookup: {
      method: 'GET',
      path: '/fapi/v1/order',
      keyIn: 'query',
      keyParam: 'origClientOrderId',
      copyParams: ['symbol'],
      note: `${QUERY_ORDER}: needs symbol plus orderId or origClientOrderId. Not found: CANCELED/EXPIRED orders with no fill created more than 3 days ago, and every order created more than 90 days ago.`,
    },
  },
  // Errors arrive with a non-2xx status and `{ "code": -4116, "msg": "..." }`; an
  // accepted order's body has no `code`.
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    usage: [
      {
        header: 'x-mbx-used-weight-1m',
        reports: 'used',
        limit: 2400,
        windowMs: 60_000,
        note: `${GENERAL_INFO} (IP Limits): used request weight of the IP; 2 400 per minute is the REQUEST_WEIGHT limit in the exchangeInfo rateLimits example.`,
      },
      {
        header: 'x-mbx-order-count-1m',
        reports: 'used',
        limit: 1200,
        windowMs: 60_000,
        note: `${GENERAL_INFO} (Order Rate Limits): the account's order count; 1 200 per minute per the ORDERS rate limiter example. Not guaranteed on rejected orders.`,
      },
      {
        header: 'x-mbx-order-count-10s',
        reports: 'used',
        limit: 300,
        windowMs: 10_000,
        note: 'Account order count per 10 s; 300 is the ORDERS limit exchangeInfo reports for USD-M (not stated on the General Info page).',
      },
    ],
  },
  errors: [
    {
      match: { status: 418 },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: SHORTEST_BAN_MS,
      note: `${GENERAL_INFO} (HTTP Return Codes, IP Limits): IP auto-banned for continuing after 429s; bans scale from 2 min to 3 days. Every request from this IP must wait.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${GENERAL_INFO} (LIMITS): a request-weight or order-rate limit was broken. Limits are per IP or account and ignoring them escalates to a 418 ban, so the whole venue waits.`,
    },
    {
      match: { status: 403 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${GENERAL_INFO} (HTTP Return Codes): the WAF limit was violated; the request did not reach the engine.`,
    },
    {
      match: { status: 503, message: '^Service Unavailable' },
      outcome: 'retry',
      note: `${GENERAL_INFO} (HTTP 503 variants, B): "Service Unavailable." is a 100% failure; retry with backoff. Not counted against the rate limit.`,
    },
    {
      match: { status: 503, message: 'Internal error; unable to process your request' },
      outcome: 'retry',
      note: `${GENERAL_INFO} (HTTP Return Codes, 503 case 3): a failed operation; the request may be resent.`,
    },
    {
      match: { code: '-1008', message: 'throttled by system-level protection' },
      outcome: 'retry',
      note: `${GENERAL_INFO} (HTTP 503 variants, C): node over its concurrency limit, a 100% failure on POST /fapi/v1/order and batchOrders; retry with backoff and less concurrency. Reduce-only and close-position orders are exempt.`,
    },
    {
      match: { status: '5xx' },
      outcome: 'unknown',
      note: `${GENERAL_INFO} (HTTP Return Codes): any other 5xx, including 503 "Unknown error, please check your request or try again later." (sent, no reply in time; execution status UNKNOWN) and "Request occur unknown error.". Ranked before the code rules, so a -1001 with a 500 stays unknown.`,
    },
    {
      match: { code: ['-1003', '-1015'] },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERROR_CODES}: -1003 TOO_MANY_REQUESTS (IP weight, may say "IP banned until"), -1015 TOO_MANY_ORDERS (account order rate).`,
    },
    {
      match: { code: ['-1021', '-5028'] },
      outcome: 'resign',
      note: `${ERROR_CODES}: -1021 INVALID_TIMESTAMP (outside recvWindow or 1 000 ms ahead of the server) and -5028 ME_RECVWINDOW_REJECT (outside the matching engine's recvWindow); rejected, so resync, re-sign and resend.`,
    },
    {
      match: { code: '-4116' },
      outcome: 'conflictDuplicate',
      note: `${ERROR_CODES}: -4116 DUPLICATED_CLIENT_ORDER_ID "clientOrderId is duplicated": an open order holds this id; fetch it by origClientOrderId.`,
    },
    {
      match: { code: '-1001' },
      outcome: 'retry',
      note: `${ERROR_CODES}: -1001 DISCONNECTED "Internal error; unable to process your request. Please try again.", which ${GENERAL_INFO} calls a failed operation. Only reached with a non-5xx status.`,
    },
    {
      match: { code: ['-1000', '-1006', '-1007', '-1008'] },
      outcome: 'unknown',
      note: `${ERROR_CODES}: -1000 UNKNOWN, -1006 UNEXPECTED_RESP and -1007 TIMEOUT (execution status unknown), and -1008 "Server is currently overloaded" (no statement that it was not processed). Without this rule a 4xx status would make them fatal.`,
    },
  ],
  about: {
    title: 'Binance USD-M futures',
    sources: [
      `${GENERAL_INFO} (HTTP Return Codes, HTTP 503 variants, LIMITS, Timing Security), mirrored copy`,
      `${ERROR_CODES} (-1000..-1008, -1021, -2013, -4015, -4116, -5028), mirrored copy`,
      `${NEW_ORDER}: newClientOrderId "a unique id among open orders", regex ^[\\.A-Z\\:/a-z0-9_-]{1,36}$ (as quoted in binance-connector SDK docs)`,
      `${QUERY_ORDER}: 3-day / 90-day not-found rules (same wording on the REST, WebSocket API and All Orders pages, mirrored copies and the official connector's generated docs)`,
      'USD-M API docs, ENUM definitions (Rate limiters): REQUEST_WEIGHT 2400 per minute and ORDERS 1200 per minute examples, mirrored copy',
    ],
    unverified: [
      'reconcile.settleDelayMs: the USD-M pages state no recvWindow maximum; 61 s assumes recvWindow <= 60 000 ms as on spot.',
      'rateLimit.usage: the 300 orders per 10 s limit for x-mbx-order-count-10s comes from exchangeInfo as reported by third parties, not from a Binance page; account limits can differ by tier.',
      'rateLimit.retryAfterHeaders: Retry-After on 418/429 is documented for spot; the futures pages do not mention it.',
      'errors: whether the 503 "Service Unavailable." body carries its text in `msg` (a plain-text or HTML body falls to the 5xx rule and stays unknown).',
    ],
  },
});
