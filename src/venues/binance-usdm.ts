import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const GENERAL_INFO = 'developers.binance.com derivatives/usds-margined-futures/general-info';
const ERROR_CODES = 'developers.binance.com derivatives/usds-margined-futures/error-code';
const NEW_ORDER = 'developers.binance.com derivatives/usds-margined-futures/trade/rest-api/New-Order';
const QUERY_ORDER = 'developers.binance.com derivatives/usds-margined-futures/trade/rest-api/Query-Order';

/** Shortest documented IP ban (2 min), used when a 418 carries no Retry-After. */
const SHORTEST_BAN_MS = 2 * 60 * 1000;
/** recvWindow when a signed request carries none (General Info, Timing Security). */
const RECV_WINDOW_DEFAULT_MS = 5_000;
/** How far a request timestamp may run ahead of the server (General Info, Timing Security: `timestamp < serverTime + 1000`). */
const TIMESTAMP_AHEAD_MS = 1_000;
/**
 * Fallback settle delay, used only when the window an attempt carried cannot be read:
 * a 60 000 ms window (the spot ceiling; USD-M documents none) plus the clock allowance.
 */
const SETTLE_DELAY_MS = 60_000 + TIMESTAMP_AHEAD_MS;
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
 * documented `^[\.A-Z\:/a-z0-9_-]{1,36}$`, for every intent key (ULIDs and UUIDs keep
 * their 128 bits; longer keys are hashed).
 *
 * Reconcile: a miss (-2013) is authoritative once no queued copy of the request can
 * still execute. Binance rejects a signed request whose `timestamp` is older than its
 * `recvWindow` (5 000 ms when absent) or more than 1 s ahead, and the matching engine
 * checks the window again (-5028). `reconcile.requestWindow` derives each attempt's
 * settle delay from the window it carried. The USD-M docs set no maximum window (their
 * own RSA signing example sends 9 999 999 ms), so `maxMs` is absent; the fixed 61 s is
 * only the fallback for an attempt whose window could not be read. The miss proves
 * nothing after 3 days: an order that was cancelled or expired without a fill is then
 * no longer returned by the query, so `findableForMs` is 3 days, not 90.
 *
 * HTTP 503 needs the message to decide: "Service Unavailable." and "Internal error;
 * unable to process your request." are documented as certain failures, as is -1008
 * "Request throttled by system-level protection"; "Unknown error, please check your
 * request or try again later." means the request went through and the outcome is
 * unknown, like every other 5xx.
 *
 * Codes are not shared with spot: USD-M -2021 is ORDER_WOULD_IMMEDIATELY_TRIGGER and
 * -2022 REDUCE_ONLY_REJECT, plain refusals (4xx, `fatal`), not spot's partly executed
 * cancel-replace. Every other documented code not named in `errors` arrives with a 4xx
 * and is a refusal (`fatal` through the generic rules).
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
    requestWindow: {
      in: 'query',
      field: 'recvWindow',
      defaultMs: RECV_WINDOW_DEFAULT_MS,
      aheadMs: TIMESTAMP_AHEAD_MS,
      note: `${GENERAL_INFO} (Timing Security): recvWindow in ms, 5000 when not sent; a request is processed only while timestamp < serverTime + 1000 and serverTime - timestamp <= recvWindow. No maximum is documented (the RSA signing example sends recvWindow=9999999), so the carried window is used whatever its size. Parameters may also travel in a form body (General Information on Endpoints; the query wins when both carry one): the window is read from the query, else from the body.`,
    },
  },
  // Errors arrive with a non-2xx status and `{ "code": -4116, "msg": "..." }`; an
  // accepted order's body has no `code`. Several writes (cancel all open orders, margin
  // type, position mode) answer success as `{ "code": 200, "msg": "success" }`.
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: ['200'] },
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
    limits: [
      {
        id: 'weight-1m',
        limit: 2_400,
        windowMs: 60_000,
        unit: 'weight',
        per: 'ip',
        writeCost: 0,
        readCost: 1,
        usageHeader: 'x-mbx-used-weight-1m',
        note: `${GENERAL_INFO} (LIMITS, IP Limits: weight counted per IP) and the Rate limiters enum (REQUEST_WEIGHT 2,400 per minute); ${NEW_ORDER} (Request Weight: 0 on the IP limit); ${QUERY_ORDER} (Request Weight: 1).`,
      },
      {
        id: 'orders-1m',
        limit: 1_200,
        windowMs: 60_000,
        unit: 'orders',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        usageHeader: 'x-mbx-order-count-1m',
        note: `${GENERAL_INFO} (Order Rate Limits: counted per account) and the Rate limiters enum (ORDERS 1,200 per minute); ${NEW_ORDER} (Request Weight: 1 on the 1-minute order limit). A lookup places nothing.`,
      },
      {
        id: 'orders-10s',
        limit: 300,
        windowMs: 10_000,
        unit: 'orders',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        usageHeader: 'x-mbx-order-count-10s',
        note: `${NEW_ORDER} (Request Weight: 1 on the 10-second order limit, X-MBX-ORDER-COUNT-10S). The figure, 300, is what exchangeInfo is reported to return; no Binance page states it (see about.unverified).`,
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
      match: { status: 409 },
      outcome: 'unknown',
      unverified: true,
      note: `${GENERAL_INFO} (HTTP Return Codes) lists no 409 for USD-M; Binance spot uses it for a partly executed request (binance-spot-api-docs rest-api.md). The generic reading (another request with this key in progress, resend unchanged) does not fit a venue that deduplicates only open orders, so a 409 is looked up.`,
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
      unverified: true,
      note: `${ERROR_CODES}: -1001 DISCONNECTED "Internal error; unable to process your request. Please try again.", which ${GENERAL_INFO} (HTTP Return Codes, 503 case 3) calls a failed operation when sent with a 503. Only reached with a non-5xx status (a 4xx: a refused request), where the same reading is assumed.`,
    },
    {
      match: { code: ['-1000', '-1006', '-1007', '-1008', '-2012', '-4083'] },
      outcome: 'unknown',
      note: `${ERROR_CODES}: -1000 UNKNOWN, -1006 UNEXPECTED_RESP and -1007 TIMEOUT (execution status unknown), -1008 "Server is currently overloaded" (no statement that it was not processed), and the batch failures -2012 CANCEL_ALL_FAIL "Batch cancel failure." and -4083 PLACE_BATCH_ORDERS_FAIL "Fail to place batch orders." (no statement that no order in the batch went through). Without this rule a 4xx status would make them fatal.`,
    },
  ],
  about: {
    title: 'Binance USD-M futures',
    sources: [
      `${GENERAL_INFO} (HTTP Return Codes, HTTP 503 Status: Message Variants & Handling, General Information on Endpoints, LIMITS, Timing Security, RSA signing example), mirrored as rosssaunders/coincise docs/binance/usdm/authentication.md @a00ae58`,
      `${ERROR_CODES} (every code, including -1008 Request Throttled, -2021 ORDER_WOULD_IMMEDIATELY_TRIGGER, -2022 REDUCE_ONLY_REJECT, -4116, -5028), mirrored as rosssaunders/coincise docs/binance/usdm/error_codes.md @a00ae58`,
      `${NEW_ORDER}: newClientOrderId "a unique id among open orders", rule ^[\\.A-Z\\:/a-z0-9_-]{1,36}$; mirrored as rosssaunders/cryptoapidocs docs/binance/usdm/private_rest_api.md (New Order, Test New Order, Place Multiple Orders) @172cf19 and rosssaunders/coincise docs/binance/usdm/endpoints/private/post_fapi_v1_order_test.md @a00ae58`,
      `${QUERY_ORDER}: 3-day / 90-day not-found rules, mirrored as rosssaunders/coincise docs/binance/usdm/endpoints/private/get_fapi_v1_order.md @a00ae58`,
      'developers.binance.com derivatives/usds-margined-futures trade/rest-api Cancel-All-Open-Orders and account/trade Change-Margin-Type, Change-Position-Mode: success answered as {"code": 200, "msg": ...}, mirrored in rosssaunders/coincise docs/binance/usdm/endpoints/private/ @a00ae58',
      'USD-M API docs, ENUM definitions (Rate limiters): REQUEST_WEIGHT 2400 per minute and ORDERS 1200 per minute examples, mirrored as rosssaunders/coincise docs/binance/usdm/response_formats.md @a00ae58',
      `${NEW_ORDER} (Request Weight: 1 on each order-count limit, 0 on the IP weight) and ${QUERY_ORDER} (Request Weight: 1), mirrored as rosssaunders/coincise docs/binance/usdm/endpoints/public/post_fapi_v1_order.md and endpoints/private/get_fapi_v1_order.md @a00ae58`,
    ],
    unverified: [
      'reconcile.settleDelayMs: the fallback used only when an attempt\'s carried window cannot be read; USD-M documents no recvWindow maximum (its RSA example sends 9999999 ms), so 61 s assumes that attempt carried at most 60 000 ms.',
      'errors -1001: documented as a failed operation only with HTTP 503; the same reading is assumed with a 4xx.',
      'errors 409: not a documented USD-M status; read as unknown by analogy with spot, where it marks a partly executed request.',
      'rateLimit.usage and rateLimit.limits (orders-10s): the 300 orders per 10 s limit for x-mbx-order-count-10s comes from exchangeInfo as reported by third parties, not from a Binance page (the Query User Rate Limit response example shows 10,000 per 10 s and 20,000 per minute instead); account limits can differ by tier.',
      'rateLimit.retryAfterHeaders: Retry-After on 418/429 is documented for spot; the futures pages do not mention it.',
      'errors: whether the 503 "Service Unavailable." body carries its text in `msg` (a plain-text or HTML body falls to the 5xx rule and stays unknown).',
    ],
  },
});
