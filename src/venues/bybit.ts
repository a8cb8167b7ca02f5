import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'bybit-exchange/docs@072c197';
const ERRORS = `${DOCS} docs/v5/error.mdx`;
const CREATE = `${DOCS} docs/v5/order/create-order.mdx`;
const REALTIME = `${DOCS} docs/v5/order/open-order.mdx`;
const RATE = `${DOCS} docs/v5/rate-limit/rate-limit.mdx`;
const GUIDE = `${DOCS} docs/v5/guide.mdx`;

/** "403, access too frequent": terminate all sessions and wait at least 10 minutes. */
const IP_BAN_WAIT_MS = 10 * 60 * 1000;
/** The per-UID API limit is a rolling one-second window. */
const UID_WINDOW_MS = 1_000;
/** Default `X-BAPI-RECV-WINDOW` (5 000 ms) plus the 1 000 ms a timestamp may run ahead. */
const SETTLE_DELAY_MS = 5_000 + 1_000;

/**
 * Bybit v5 (`POST /v5/order/create`). Errors come back inside HTTP 200 as
 * `{ "retCode": 110072, "retMsg": "..." }`; `retCode` 0 is success. Only the gateway
 * uses HTTP statuses (403 IP ban, 429 system protection, 401/404).
 *
 * Dedupe: `orderLinkId` is documented as "always unique" for perps, futures and
 * options, and a repeat is refused (110072 derivatives, 170141 spot) rather than
 * answered with the first result. How long Bybit remembers an id is not published,
 * so the profile claims no more than uniqueness among open orders: an ambiguous
 * attempt is looked up before anything is resent.
 *
 * Reconcile: `GET /v5/order/realtime?category=&symbol=&orderLinkId=` finds open orders
 * and the most recent 500 closed ones per category, but a Bybit restart clears the
 * closed part (they then live only in `/v5/order/history`, where an unfilled
 * cancelled or rejected order stays 24 h). A miss there is answered with an empty
 * `result.list`, and it does not prove the order never existed, so "not found" is
 * not authoritative: the intent stays unknown until the order is found (pass a
 * `reconcile.request` that also reads the history endpoint to resolve more).
 *
 * Left to the generic rules: every retCode not listed here arrives with HTTP 200 and
 * is therefore `unknown`, which covers 10000 "Server Timeout", 10016 "Server error",
 * 170001 "Internal error", 170007 "Timeout waiting for response from backend server",
 * 170146 "Order creation timeout" and retCode 429 "The trading service is
 * experiencing a high server load" (the docs ask for a retry but do not say the order
 * was not placed).
 */
export const bybit: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'bybit',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'orderLinkId',
    format: { encoding: 'uuid', pattern: '^[A-Za-z0-9_-]{1,36}$', maxLength: 36 },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: SETTLE_DELAY_MS,
    notFoundCodes: ['110001', '170213'],
    lookup: {
      method: 'GET',
      path: '/v5/order/realtime',
      keyIn: 'query',
      keyParam: 'orderLinkId',
      copyParams: ['category', 'symbol'],
      foundPath: 'result.list.0',
      note: `${REALTIME}: open orders plus the latest 500 closed per category (spot, linear, option), cleared by a Bybit restart; older or cleared orders only via /v5/order/history, which keeps unfilled Cancelled/Rejected orders 24 h. A miss is an empty result.list.`,
    },
  },
  response: { codePaths: ['retCode'], messagePaths: ['retMsg'], successCodes: ['0'] },
  rateLimit: {
    // X-Bapi-Limit-Reset-Timestamp is the current time unless the per-UID limit was
    // exceeded, so it would read as "no wait" on an IP ban; it is used for usage only.
    retryAfterHeaders: ['retry-after'],
    usage: [
      {
        header: 'x-bapi-limit-status',
        reports: 'remaining',
        limitHeader: 'x-bapi-limit',
        resetHeader: 'x-bapi-limit-reset-timestamp',
        resetUnit: 'epochMilliseconds',
        note: `${RATE} (API Rate Limit): remaining requests for this endpoint in the rolling per-second, per-UID window; X-Bapi-Limit is the limit; the reset timestamp is in ms (example 1672738134824) and equals the current time unless the limit was exceeded.`,
      },
    ],
  },
  errors: [
    {
      match: { status: 403 },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: IP_BAN_WAIT_MS,
      note: `${RATE} (HTTP IP limit): 600 requests per 5 s per IP; "403, access too frequent" means stop all sessions and wait at least 10 minutes. ${ERRORS} lists other 403 causes (GET with a JSON body, U.S. IP) that also reject before processing.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERRORS} (HTTP Code): 429 "System level frequency protection. Please retry"; it applies to the whole system, not one request.`,
    },
    {
      match: { code: '10006' },
      outcome: 'rateLimited',
      waitMs: UID_WINDOW_MS,
      note: `${RATE} (API Rate Limit): retCode 10006 "Too many visits!", the per-UID, per-endpoint limit over a rolling one-second window.`,
    },
    {
      match: { code: '170005' },
      outcome: 'rateLimited',
      note: `${ERRORS} (Spot Trade): 170005 "Too many new orders; current limit is %s orders per %s."`,
    },
    {
      match: { code: '10002' },
      outcome: 'resign',
      note: `${ERRORS}: 10002 "The request time exceeds the time window range."; ${GUIDE}: a request is valid for server_time - recv_window <= timestamp < server_time + 1000. Resync, re-sign, resend.`,
    },
    {
      match: { code: '-1' },
      outcome: 'resign',
      unverified: true,
      note: `${ERRORS} (UTA): -1 "request expired: o@0, now[] diff[]". Read as a request refused for its age; the docs do not say more.`,
    },
    {
      match: { code: ['110072', '170141'] },
      outcome: 'conflictDuplicate',
      note: `${ERRORS}: 110072 "OrderLinkedID is duplicate" (derivatives) and 170141 "Duplicate clientOrderId" (spot): an order with this orderLinkId exists; look it up.`,
    },
    {
      match: { code: '10014' },
      outcome: 'conflictDuplicate',
      unverified: true,
      note: `${ERRORS}: 10014 "Invalid duplicate request." The docs do not say what was duplicated; treated as a possible earlier copy, so it is looked up.`,
    },
    {
      match: { code: '110079' },
      outcome: 'retry',
      note: `${ERRORS}: 110079 "The order is processing and can not be operated, please try again later" (amend or cancel refused while the order is busy; this request did nothing).`,
    },
    {
      match: { code: ['10003', '10004', '10005', '10007', '10009', '10010', '33004', '-2015'] },
      outcome: 'fatal',
      note: `${ERRORS}: API key invalid (10003), bad signature (10004), permission denied (10005), authentication failed (10007), region restricted (10009), IP not bound to the key (10010), expired API key (33004 derivatives, -2015 spot).`,
    },
    {
      match: { code: ['10008', '10024', '10027'] },
      outcome: 'fatal',
      note: `${ERRORS}: account banned (10008), compliance rules triggered (10024), transactions banned (10027).`,
    },
    {
      match: { code: ['10001', '10017', '10029', '110003', '110017', '110020', '110094', '170130', '170133', '170136', '170140', '170217'] },
      outcome: 'fatal',
      note: `${ERRORS}: parameter error (10001), route not found (10017), symbol not allowed (10029), price out of range (110003), qty truncated to zero (110017), 500 active orders (110020), notional too low (110094), spot parameter, price, quantity and value rules (170130, 170133, 170136, 170140, 170217).`,
    },
    {
      match: { code: ['110004', '110007', '110012', '110044', '110045', '170131'] },
      outcome: 'fatal',
      note: `${ERRORS}: wallet or available balance insufficient (110004, 110007, 110012, 110045), available margin insufficient (110044), spot balance insufficient (170131).`,
    },
    {
      match: { code: ['110001', '170213'] },
      outcome: 'fatal',
      note: `${ERRORS}: 110001 / 170213 "Order does not exist": answers to lookups, amends and cancels.`,
    },
  ],
  about: {
    title: 'Bybit v5',
    sources: [
      `${CREATE} (orderLinkId: at most 36 characters of letters, digits, - and _; "always unique" for futures, perps and options)`,
      `${REALTIME} (realtime lookup: latest 500 closed orders, cleared on restart; empty list on a miss)`,
      `${DOCS} docs/v5/order/order-list.mdx (history keeps unfilled Cancelled/Rejected orders 24 h)`,
      `${ERRORS} (HTTP codes, UTA and Spot Trade retCodes)`,
      `${RATE} (IP limit, 10006, X-Bapi-Limit-* headers)`,
      `${GUIDE} (recv_window rule, retCode/retMsg envelope)`,
    ],
    unverified: [
      'dedupe: how long Bybit keeps an orderLinkId unique after the order closes is not published, so only open-order uniqueness is claimed.',
      'errors: the meaning of retCode 10014 "Invalid duplicate request" and of -1 "request expired" is not explained beyond the message.',
      'errors: retCode 429 (high server load) is left unknown; the docs ask for a retry without saying the order was not placed.',
    ],
  },
});
