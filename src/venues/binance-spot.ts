import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'binance/binance-spot-api-docs';
const ERRORS = `${DOCS} errors.md`;
const REST = `${DOCS} rest-api.md`;
const CHANGELOG = `${DOCS} CHANGELOG.md`;

/** Largest `recvWindow` spot accepts (rest-api.md, Timing security). */
const RECV_WINDOW_MAX_MS = 60_000;
/** How far a request timestamp may run ahead of the server before -1021 (rest-api.md, Timing security). */
const TIMESTAMP_AHEAD_MS = 1_000;

/**
 * Codes whose message is the matching engine's reason (errors.md, "Messages for -1010
 * ERROR_MSG_RECEIVED, -2010 NEW_ORDER_REJECTED, -2011 CANCEL_REJECTED, and -2038
 * ORDER_AMEND_REJECTED"): the code alone says only "the engine answered with an error".
 */
const ENGINE_MESSAGE_CODES = ['-1010', '-2010', '-2011', '-2038'] as const;

/**
 * Engine messages the spot docs list as plain refusals (nothing was placed, cancelled
 * or amended), without their closing full stop. From errors.md's message table, the
 * -2011 messages added in CHANGELOG.md (2019-03-12: OCO_BAD_ORDER_PARAMS, OCO_BAD_PRICES,
 * UNSUPPORTED_ORD_OCO) and the cancelRestrictions refusal in rest-api.md. "Duplicate
 * order sent." is not here: it says an order with this client id exists.
 */
const DOCUMENTED_REFUSALS: readonly string[] = [
  'Unknown order sent',
  'Market is closed',
  'Account has insufficient balance for requested action',
  'Market orders are not supported for this symbol',
  'Iceberg orders are not supported for this symbol',
  'Stop loss orders are not supported for this symbol',
  'Stop loss limit orders are not supported for this symbol',
  'Take profit orders are not supported for this symbol',
  'Take profit limit orders are not supported for this symbol',
  'Order amend is not supported for this symbol',
  'Price * QTY is zero or less',
  'IcebergQty exceeds QTY',
  'This action is disabled on this account',
  'This account may not place or cancel orders',
  'Unsupported order combination',
  'Order would trigger immediately',
  'Cancel order is invalid. Check origClOrdId and orderId',
  'Order would immediately match and take',
  'The relationship of the prices for the orders is not correct',
  'OCO orders are not supported for this symbol',
  'Quote order qty market orders are not support for this symbol',
  'Trailing stop orders are not supported for this symbol',
  'Order cancel-replace is not supported for this symbol',
  'This symbol is not permitted for this account',
  'This symbol is restricted for this account',
  'Order was not canceled due to cancel restrictions',
  'Rest API trading is not enabled',
  'WebSocket API trading is not enabled',
  'FIX API trading is not enabled',
  'Order book liquidity is less than `?LOT_SIZE`? filter minimum quantity',
  'Order book liquidity is less than `?MARKET_LOT_SIZE`? filter minimum quantity',
  'Order book liquidity is less than symbol minimum quantity',
  'Order amend (quantity increase) is not supported',
  'The requested action would change no state; rejecting',
  'Pegged orders are not supported for this symbol',
  'This order type may not use pegged price',
  'This price peg cannot be used with this order type',
  'Order book liquidity is too low for this pegged order',
  'OPO orders are not supported for this symbol',
  'Order amend (pending OPO order) is not supported',
  'A parameter for one of the orders is incorrect',
];

/** Filter names in errors.md "Filter failures" (and filters.md MAX_NUM_ORDER_AMENDS, answered with -2038). */
const DOCUMENTED_FILTERS: readonly string[] = [
  'PRICE_FILTER',
  'PERCENT_PRICE',
  'LOT_SIZE',
  'MIN_NOTIONAL',
  'NOTIONAL',
  'ICEBERG_PARTS',
  'MARKET_LOT_SIZE',
  'MAX_POSITION',
  'MAX_NUM_ORDERS',
  'MAX_NUM_ALGO_ORDERS',
  'MAX_NUM_ICEBERG_ORDERS',
  'MAX_NUM_ORDER_AMENDS',
  'MAX_NUM_ORDER_LISTS',
  'TRAILING_DELTA',
  'EXCHANGE_MAX_NUM_ORDERS',
  'EXCHANGE_MAX_NUM_ALGO_ORDERS',
  'EXCHANGE_MAX_NUM_ICEBERG_ORDERS',
  'EXCHANGE_MAX_NUM_ORDER_LISTS',
];

/** Escapes regex syntax except the optional backtick marks (`` `? ``) written into the list above. */
function literal(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, (ch) => `\\${ch}`).replace(/`\\\?/g, '`?');
}

/**
 * The whole message must be one documented refusal (a closing full stop and surrounding
 * blanks allowed): a reworded or extended message does not match and stays `unknown`.
 */
const REFUSAL_MESSAGE = `^\\s*(?:${[...DOCUMENTED_REFUSALS.map(literal), `Filter failure: (?:${DOCUMENTED_FILTERS.join('|')})`].join('|')})\\.?\\s*$`;

/**
 * Binance spot REST (`/api/v3/order`). The client order id (`newClientOrderId`) is
 * unique only among **open** orders: once an order with that id has filled, the same
 * id places a second order. So an ambiguous attempt is always looked up
 * (`GET /api/v3/order?origClientOrderId=`) before anything is resent.
 *
 * Reconcile: "not found" (`-2013`) is authoritative once the request can no longer
 * reach the matching engine. A signed request carries `recvWindow` (5 000 ms when
 * absent, at most 60 000 ms) and is refused once `timestamp + recvWindow` has passed,
 * checked on arrival and again just before it is forwarded to the engine; a timestamp
 * may also run up to 1 000 ms ahead of the server. `reconcile.requestWindow` derives each
 * attempt's settle delay from the window it carried; the fixed 61 s is the fallback.
 *
 * Partly executed answers: `POST /api/v3/order/cancelReplace` answers -2021 ("Order
 * cancel-replace partially failed.") when one of its two legs went through, with HTTP
 * 409, or with HTTP 429 under `orderRateLimitExceededMode=CANCEL_ONLY` (the cancel ran,
 * the new order was refused for the unfilled-order count). Those are `unknown`, ranked
 * before the 429 rule. -2022 ("Order cancel-replace failed.") means both legs failed:
 * 400 is `fatal` and 429 `rateLimited` through the rules below; nothing executed.
 *
 * Engine messages: -1010/-2010/-2011/-2038 carry the engine's reason in `msg`, and the
 * docs say messages can vary. Only the documented refusal texts are `fatal`; "Duplicate
 * order sent." (or any message mentioning a duplicate) is `conflictDuplicate`; any
 * other text is `unknown`, so a reworded duplicate is looked up rather than given up on.
 *
 * Left to the generic rules (4xx, so `fatal`): -1013 INVALID_MESSAGE (rejected before
 * the engine, filter failures), -1002, -1014, -1016, -1020, -1022, the 11xx parameter
 * errors, -2013 NO_SUCH_ORDER (also `reconcile.notFoundCodes`), -2014, -2015, -2016,
 * -2026 ORDER_ARCHIVED, -2035/-2036, -2039, -2042, -2043, -2022 with 400, and the
 * FIX-session codes (-1033..-1035, -1169..-1191).
 */
export const binanceSpot: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'binance-spot',
  kind: 'exchange',
  key: {
    placement: 'query',
    field: 'newClientOrderId',
    // REST types it STRING with no pattern; the pattern is the one published for FIX
    // client order ids (listed as unverified in `about`).
    format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9_-]{1,36}$', maxLength: 36 },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: true,
    // Fallback when the carried window cannot be read: the largest window plus the clock allowance.
    settleDelayMs: RECV_WINDOW_MAX_MS + TIMESTAMP_AHEAD_MS,
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
    requestWindow: {
      in: 'query',
      field: 'recvWindow',
      defaultMs: 5_000,
      maxMs: RECV_WINDOW_MAX_MS,
      aheadMs: TIMESTAMP_AHEAD_MS,
      note: `${REST} (Timing security): recvWindow in ms (up to three decimals), 5000 when not sent, at most 60000 (also on every order endpoint's parameter table); a timestamp more than 1 s ahead of the server is refused. Parameters may also travel in a form body (General Information on Endpoints; the query wins when both carry one): the window is read from the query, else from the body.`,
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
    // The same counters as `usage` (same figures), plus the raw request count, which
    // no header reports. Orders count only while unfilled: a fill gives the order back.
    limits: [
      {
        id: 'weight-1m',
        limit: 6_000,
        windowMs: 60_000,
        unit: 'weight',
        per: 'ip',
        writeCost: 1,
        readCost: 4,
        usageHeader: 'x-mbx-used-weight-1m',
        note: `${REST} (LIMITS, IP Limits; New order: weight 1; Query order: weight 4) and enums.md (Rate limiters: REQUEST_WEIGHT 6000 per minute). ${CHANGELOG} (2026-03-27): since 2026-04-02 an order placement that succeeds is charged no weight, one that fails still the documented 1, so a write is counted at 1.`,
      },
      {
        id: 'raw-requests-5m',
        limit: 300_000,
        windowMs: 300_000,
        unit: 'requests',
        per: 'ip',
        writeCost: 1,
        readCost: 1,
        note: `${CHANGELOG} (2026-03-27): the RAW_REQUESTS limit, every request whatever its weight, rose to 300,000 per 5 minutes on 2026-04-02 (enums.md still shows the older 61,000 in its example). No header reports it.`,
      },
      {
        id: 'orders-10s',
        limit: 50,
        windowMs: 10_000,
        unit: 'orders',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        usageHeader: 'x-mbx-order-count-10s',
        note: `${REST} (Unfilled Order Count; New order: unfilled order count 1; the Query Unfilled Order Count example gives ORDERS 50 per 10 s). faqs/order_count_decrement.md: counted per account across every API key and API, and a first fill takes the order off the count. A lookup places nothing.`,
      },
      {
        id: 'orders-1d',
        limit: 160_000,
        windowMs: 86_400_000,
        unit: 'orders',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        usageHeader: 'x-mbx-order-count-1d',
        note: `${REST} (Unfilled Order Count; the Query Unfilled Order Count example gives ORDERS 160,000 per day). Counted per account, as orders-10s.`,
      },
    ],
  },
  about: {
    title: 'Binance spot',
    sources: [
      'binance/binance-spot-api-docs rest-api.md (General API Information, HTTP return codes, General Information on Endpoints, LIMITS, Timing security, New order, Cancel order, Cancel an Existing Order and Send a New Order, Order Amend Keep Priority, SOR, Query order) @a5e0bc3',
      'binance/binance-spot-api-docs errors.md (every code, the -1010/-2010/-2011/-2038 message table, the cancelReplace codes, filter failures) @a5e0bc3',
      'binance/binance-spot-api-docs CHANGELOG.md (2025-05-22 and 2025-08-12 recvWindow checks, 2019-03-12 -2011 messages and -1131 recvWindow ceiling, 2026-03-27 RAW_REQUESTS and order weights) @a5e0bc3',
      'binance/binance-spot-api-docs enums.md (Rate limiters: REQUEST_WEIGHT, ORDERS, RAW_REQUESTS) @a5e0bc3',
      'binance/binance-spot-api-docs filters.md (MAX_NUM_ORDER_AMENDS answers -2038), faqs/order_count_decrement.md (429 with -1015; unfilled order count per account, decremented on a fill), faqs/order_amend_keep_priority.md @a5e0bc3',
      'binance/binance-spot-api-docs fix-api.md (client order id pattern) @a5e0bc3',
      'binance/binance-connector-js common/src/utils.ts @a9de9a9 (the official connector retries only GET/DELETE on 500/502/503/504)',
    ],
    unverified: [
      'key.format: REST types newClientOrderId as a plain STRING; the pattern and 36-character limit are published for FIX client order ids, and REST is assumed to share them (same matching engine).',
      'reconcile.requestWindow: the last window check runs just before the request is handed to the matching engine, and CHANGELOG.md (2025-08-12) says it does not cover delays inside the engine; waiting window + 1 s assumes the engine acts on a request promptly once it passed that check.',
      'rateLimit.usage: default limits vary by account and over time (exchangeInfo is the authority); counters are assumed to reset on fixed, epoch-aligned windows.',
      'rateLimit.limits: the ORDERS figures (50 per 10 s, 160,000 per day) are the values in the docs\' response examples; faqs/order_count_decrement.md illustrates the rule with 100 per 10 s, and no page states the live default, so the lowest published figures are kept (exchangeInfo is the authority).',
    ],
  },
  errors: [
    {
      match: { status: 418 },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 120_000,
      note: `${REST} (HTTP return codes, IP Limits): IP auto-banned for ignoring 429s; Retry-After is seconds to unban; bans run 2 min to 3 days. Every request from this IP must wait.`,
    },
    {
      match: { code: '-2021' },
      outcome: 'unknown',
      note: `${ERRORS} (-2021 Order cancel-replace partially failed) and ${REST} (Cancel an Existing Order and Send a New Order): one leg of the cancel-replace executed. Sent with 409, and with 429 when orderRateLimitExceededMode=CANCEL_ONLY cancelled the order but refused the new one for the unfilled-order count; ranked before the 429 rule so that cancel is not read as "not executed".`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${REST} (LIMITS, Unfilled Order Count): request-weight or order-rate limit (-1003, -1015), and the cancelReplace -2022 with 429 (cancel failed, new order not attempted). Limits are per IP or account, not per request, and ignoring them escalates to a 418 ban, so the whole venue waits.`,
    },
    {
      match: { status: 403 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${REST} (HTTP return codes): a WAF rule refused the request (a rate limit or a security block), before the API handled it. Back off hard.`,
    },
    {
      match: { status: '5xx' },
      outcome: 'unknown',
      note: `${REST} (HTTP return codes): on a 5XX the execution status is UNKNOWN and could have been a success. Ranked before the code rules, so no code read with a 5xx turns it into a refusal.`,
    },
    {
      match: { status: 409 },
      outcome: 'unknown',
      note: `${REST} (HTTP return codes): a cancelReplace partly succeeded (one leg executed), whatever the body says.`,
    },
    {
      match: { code: ['-1003', '-1015'] },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERRORS}: -1003 TOO_MANY_REQUESTS (IP weight; may say "banned until"), -1015 TOO_MANY_ORDERS (account order count; faqs/order_count_decrement.md: the order was rejected).`,
    },
    {
      match: { code: '-1021' },
      outcome: 'resign',
      note: `${ERRORS}: INVALID_TIMESTAMP, outside recvWindow or more than 1000 ms ahead of the server; ${REST} (Timing security): rejected before the engine. Resync, re-sign, resend.`,
    },
    {
      match: { code: [...ENGINE_MESSAGE_CODES, '-1013'], message: 'duplicate' },
      outcome: 'conflictDuplicate',
      note: `${ERRORS} (Messages for -1010/-2010/-2011/-2038): "Duplicate order sent." means the client order id is already in use: an order with it exists; fetch it by origClientOrderId. Any wording with "duplicate" counts, so a reworded text is still looked up. -1013 points at the same message table.`,
    },
    {
      match: { code: [...ENGINE_MESSAGE_CODES], message: REFUSAL_MESSAGE },
      outcome: 'fatal',
      note: `${ERRORS} (Messages for -1010/-2010/-2011/-2038, Filter failures; ${CHANGELOG} 2019-03-12 -2011 messages): the engine refused with a documented reason (balance, symbol settings, permissions, price relations, cancel restrictions, filters). Matched on the whole message only.`,
    },
    {
      match: { code: [...ENGINE_MESSAGE_CODES] },
      outcome: 'unknown',
      note: `${ERRORS}: codes are universal but messages can vary, and these codes are defined only by their message. A text not in the documented table may be a reworded duplicate (an order with this id exists), so it is looked up, never given up on.`,
    },
    {
      match: { code: ['-1000', '-1001', '-1006', '-1007', '-1008'] },
      outcome: 'unknown',
      note: `${ERRORS}: -1006 UNEXPECTED_RESP and -1007 TIMEOUT say the execution status is unknown (${REST} General API Information: a -1007 does not mean the engine failed). -1000 UNKNOWN, -1001 DISCONNECTED and -1008 SERVER_BUSY say nothing about execution on spot, so they are looked up. Without this rule a 4xx status would make them fatal.`,
    },
  ],
});
