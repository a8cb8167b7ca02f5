import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'bybit-exchange/docs@072c197';
const ERRORS = `${DOCS} docs/v5/error.mdx`;
const UTA = `${ERRORS} (UTA)`;
const SPOT = `${ERRORS} (Spot Trade)`;
const CREATE = `${DOCS} docs/v5/order/create-order.mdx`;
const REALTIME = `${DOCS} docs/v5/order/open-order.mdx`;
const HISTORY = `${DOCS} docs/v5/order/order-list.mdx`;
const RATE = `${DOCS} docs/v5/rate-limit/rate-limit.mdx`;
const GUIDE = `${DOCS} docs/v5/guide.mdx`;

/** "403, access too frequent": terminate all sessions and wait at least 10 minutes. */
const IP_BAN_WAIT_MS = 10 * 60 * 1000;
/** The per-UID API limit is a rolling one-second window. */
const UID_WINDOW_MS = 1_000;
/** `X-BAPI-RECV-WINDOW` when a request carries none (guide.mdx: default 5,000 ms). */
const RECV_WINDOW_DEFAULT_MS = 5_000;
/** guide.mdx: a timestamp is accepted while `timestamp < server_time + 1000`. */
const TIMESTAMP_AHEAD_MS = 1_000;
/**
 * Fallback settle delay, used only when the window an attempt carried cannot be read.
 * Bybit documents no largest `X-BAPI-RECV-WINDOW`; its own examples send up to
 * 100,000 ms (docs/institutional/dmm-listing/spot.mdx; 50,000 in docs/v5/order/dcp.mdx),
 * so this assumes no request carries more than 100 s.
 */
const SETTLE_DELAY_MS = 100_000 + TIMESTAMP_AHEAD_MS;

/**
 * Bybit v5 (`POST /v5/order/create`, and amend/cancel/batch under `/v5/order`).
 * Errors come back inside HTTP 200 as `{ "retCode": 110072, "retMsg": "..." }`;
 * `retCode` 0 is success. Only the gateway uses HTTP statuses (403 IP ban, 429 system
 * protection, 400/401/404 left to the generic 4xx rules as refusals).
 *
 * Error map: every retCode of the UTA and Spot Trade tables of docs/v5/error.mdx is
 * classified, grouped by outcome and reason (the rule notes name the table). The
 * Spot Margin, Asset, loan, earn and other tables belong to endpoints this profile is
 * not for, and the "WS OE General code" table to the WebSocket order entry (its 10003
 * means something else than the REST 10003), so they are left to the catch-all.
 *
 * Left to the catch-all (`unknown`, looked up first) on purpose, because the docs do
 * not say that nothing was placed or changed:
 * - timeouts and server errors: 10000, 10016, 170001, 170007, 170146, 170147, 170234,
 *   170310, 3400214, 170032 ("network error, try again"), and retCode 429 (high
 *   server load; a retry is asked for, but not said to be safe);
 * - answers that suggest the request was taken: 170035 ("submitted for processing"),
 *   170212 (a cancel is being processed), 40004 (order changed while being replaced,
 *   check its status), 170195 and 170196 (ETP order "may not be filled"), 110035
 *   (cancellation before liquidation not completed);
 * - "not modified" answers of the position and account setters (110025, 110026,
 *   110027, 110043, 34040 and the withdrawn 110075): the state already is what was
 *   asked, possibly because an earlier copy of the same request set it;
 * - -1 without "request expired" and 10002 without a time-window message (the codes
 *   alone are not trusted to re-sign), and 170019, whose table row is the torn-off
 *   end of 170011's message rather than a described error.
 *
 * Dedupe: `orderLinkId` is documented as "always unique" for every category (spot,
 * perps, futures, options), and a repeat is refused (110072 derivatives, 170141 spot)
 * rather than answered with the first result. How long Bybit remembers an id is not
 * published, so the profile claims no more than uniqueness among open orders: an
 * ambiguous attempt is looked up before anything is resent.
 *
 * Reconcile: `GET /v5/order/realtime?category=&symbol=&orderLinkId=` finds open orders
 * and the most recent 500 closed ones per category, but a Bybit restart clears the
 * closed part; then `GET /v5/order/history` (same parameters) is asked. The history
 * is filled asynchronously and, without a time range, covers 7 days (unfilled
 * Cancelled/Rejected/Deactivated orders only 24 h). A miss is an empty `result.list`
 * in both, and a miss in both still does not prove the order never existed, so "not
 * found" is not authoritative.
 *
 * Settle delay: derived from the `X-BAPI-RECV-WINDOW` each attempt carried (default
 * 5,000 ms) plus the 1,000 ms a timestamp may run ahead of the server clock.
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
      match: { itemsPath: 'result.list', keyPath: 'orderLinkId' },
      note: `${REALTIME}: open orders plus the latest 500 closed per category (spot, linear, inverse, option); after a Bybit release or restart closed orders are only in /v5/order/history. orderLinkId wins over symbol; category is required. A miss is an empty result.list.`,
    },
    fallbackLookups: [
      {
        method: 'GET',
        path: '/v5/order/history',
        keyIn: 'query',
        keyParam: 'orderLinkId',
        copyParams: ['category', 'symbol'],
        foundPath: 'result.list.0',
        match: { itemsPath: 'result.list', keyPath: 'orderLinkId' },
        note: `${HISTORY}: category required, symbol and orderLinkId optional filters. Filled asynchronously, so a just-created order may be missing. Without startTime/endTime it covers the last 7 days; orders closed without a fill (Cancelled, Rejected, Deactivated) stay only 24 h, and beyond 7 days only orders with fills are kept. A miss is an empty result.list.`,
      },
    ],
    requestWindow: {
      in: 'header',
      field: 'X-BAPI-RECV-WINDOW',
      defaultMs: RECV_WINDOW_DEFAULT_MS,
      aheadMs: TIMESTAMP_AHEAD_MS,
      note: `${GUIDE} (HTTP Headers for Authenticated Endpoints): X-BAPI-RECV-WINDOW in ms, 5,000 by default; a request is accepted only while server_time - recv_window <= timestamp < server_time + 1000. No maximum is documented. settleDelayMs (101 s) is the fallback when the carried window cannot be read and assumes windows of at most 100 s.`,
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
    // The per-UID limits are per endpoint and X-Bapi-Limit-Status reports whichever
    // endpoint answered (create on a write, realtime on a lookup), so no limit below names
    // it: one header cannot correct two counters. The venue counts a rolling second.
    limits: [
      {
        id: 'ip-5s',
        limit: 600,
        windowMs: 5_000,
        unit: 'requests',
        per: 'ip',
        writeCost: 1,
        readCost: 1,
        note: `${RATE} (IP Limit, HTTP IP limit): 600 requests in a 5-second window per IP by default, over all traffic to api.bybit.com; beyond it a 403 and a ban of at least 10 minutes. A lookup that falls back to the order history sends a second request.`,
      },
      {
        id: 'order-create-1s',
        limit: 10,
        windowMs: UID_WINDOW_MS,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${RATE} (API Rate Limit Table, Trade): POST /v5/order/create allows 10/s per UID for inverse, linear and option, 20/s for spot (counted separately per category); ${DOCS} docs/v5/rate-limit/rules-for-vips.mdx: Default 10/s futures and option, 20/s spot, more for VIP and PRO levels. The lowest default is kept.`,
      },
      {
        id: 'order-realtime-1s',
        limit: 50,
        windowMs: UID_WINDOW_MS,
        unit: 'requests',
        per: 'account',
        writeCost: 0,
        readCost: 1,
        note: `${RATE} (API Rate Limit Table, Trade): GET /v5/order/realtime, the lookup, 50/s per UID in every category; the history fallback (GET /v5/order/history) has a 50/s limit of its own.`,
      },
    ],
  },
  errors: [
    // ---- rate limits -------------------------------------------------------------
    {
      match: { status: 403 },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: IP_BAN_WAIT_MS,
      note: `${RATE} (HTTP IP limit): 600 requests per 5 s per IP; "403, access too frequent" means stop all sessions and wait at least 10 minutes. ${ERRORS} (HTTP Code) lists other 403 causes (GET with a JSON body, U.S. IP) that also reject before processing.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERRORS} (HTTP Code): HTTP 429 is the system-wide frequency protection, not a per-request limit; retry later.`,
    },
    {
      match: { code: '10006' },
      outcome: 'rateLimited',
      waitMs: UID_WINDOW_MS,
      note: `${RATE} (API Rate Limit) and ${UTA}: 10006, the per-UID, per-endpoint limit over a rolling one-second window was exceeded.`,
    },
    {
      match: { code: '10018' },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: IP_BAN_WAIT_MS,
      unverified: true,
      note: `${UTA}: 10018, IP rate limit exceeded (struck through: withdrawn in favour of the HTTP 403 answer). The 10-minute wait is the one ${RATE} gives for the 403 ban.`,
    },
    {
      match: { code: ['170005', '170222', '30035'] },
      outcome: 'rateLimited',
      note: `${SPOT}: 170005 too many new orders for the per-period order limit, 170222 too many requests in the time frame; ${UTA}: 30035 option orders cancelled too fast, try later. Refused for frequency, nothing done.`,
    },
    // ---- re-sign -----------------------------------------------------------------
    {
      match: { code: '10002', message: 'time window|recv_window|timestamp' },
      outcome: 'resign',
      note: `${UTA}: 10002, the request time is outside the accepted window (the live message names req_timestamp, server_timestamp and recv_window); ${GUIDE}: valid only while server_time - recv_window <= timestamp < server_time + 1000. Resync, re-sign, resend. A 10002 with any other message is left unknown.`,
    },
    {
      match: { code: '-1', message: 'request expired' },
      outcome: 'resign',
      unverified: true,
      note: `${UTA}: -1 "request expired" with the request's age; read as refused for its age. -1 also comes with other messages (an empty one in bybit-exchange/bybit-official-api-docs issue #34), so only this message is re-signed; any other -1 is unknown.`,
    },
    // ---- an order with this id exists ----------------------------------------------
    {
      match: { code: ['110072', '170141', '110030'] },
      outcome: 'conflictDuplicate',
      note: `${UTA}: 110072 orderLinkId duplicate (derivatives), 110030 duplicate orderId (struck through, withdrawn); ${SPOT}: 170141 duplicate clientOrderId. An order with this orderLinkId exists; look it up.`,
    },
    {
      match: { code: '10014' },
      outcome: 'conflictDuplicate',
      unverified: true,
      note: `${UTA}: 10014 "invalid duplicate request". The docs do not say what was duplicated; treated as a possible earlier copy, so it is looked up.`,
    },
    // ---- refused for now, resend ------------------------------------------------------
    {
      match: { code: ['110079', '170191'] },
      outcome: 'retry',
      note: `${UTA}: 110079 the order is being processed and cannot be operated on, try later; ${SPOT}: 170191 the order cannot be cancelled now, try later. Amend or cancel refused while the order is busy; this request did nothing.`,
    },
    {
      match: { code: '110114' },
      outcome: 'retry',
      unverified: true,
      note: `${UTA}: 110114 a spread trading order is in progress, try again later. Read as this request refused until the other finishes; the docs do not say so outright.`,
    },
    // ---- fatal: plain refusals ---------------------------------------------------------
    {
      match: { code: ['10003', '10004', '10005', '10007', '10010', '33004', '-2015'] },
      outcome: 'fatal',
      note: `${UTA}: API key invalid or for another environment (10003), bad signature (10004), permission denied (10005), authentication failed (10007), IP not bound to the key (10010), API key expired (33004 derivatives, -2015 spot).`,
    },
    {
      match: {
        code: [
          '10008', '10009', '10024', '10027', '110066', '110123', '110124', '110125', '110132', '3100197',
          '170209', '170241', '170348', '170358', '170359',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: account banned (10008), region restricted (10009, 110132), compliance rules triggered (10024), transactions banned (10027), trading not allowed (110066), trading terms not accepted (110123, 110125), cooling-off period (110124), banned during the UTA upgrade (3100197); ${SPOT}: pair limited to some regions or sites (170209, 170348, 170358, 170359), risk disclosure not confirmed (170241).`,
    },
    {
      match: {
        code: [
          '10028', '100028', '110067', '110068', '110071', '110077', '110088', '110096', '110097', '110100',
          '110101', '110102', '110110', '110111', '110112', '110113', '110119', '110135', '110136', '3200403',
          '170036', '170219', '170224', '170227', '170355',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: endpoint only for (10028) or not for (100028) unified accounts, unified account not supported (110067), leverage not allowed (110068), UMA upgrades paused (110071), not in portfolio margin (110077, 110096), UTA required (110088, 110097, 110111), pre-market not in demo (110100), inverse needs the settle coin as collateral or is not offered (110101, 110102), spread trading not in isolated margin, copy trading or hedge mode (110110, 110112, 110113), RPI for approved makers only (110119; spot 170355), Event Futures under PM or off the whitelist (110135, 110136), isolated margin cannot create orders (3200403); ${SPOT}: cross margin not enabled (170036), feature not open to the UID or unsupported (170219, 170227), not an Innovation Zone user (170224).`,
    },
    {
      match: {
        code: [
          '10001', '10017', '110017', '110018', '110019', '110032', '110049', '110050', '110057', '110092',
          '110093', '110108', '110109', '3100181', '3100326', '500010', '500011',
          '170105', '170115', '170116', '170117', '170121', '170130', '170134', '170137', '170148', '170201',
          '170202', '170221',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: request parameter error (10001, under any "params error" wording: every variant is a validation refusal), route not found (10017), quantity truncated to zero (110017), illegal user or order id (110018, 110019), illegal order (110032), tick notes not numeric (110049), invalid coin (110050), TP/SL params on a conditional or limit order (110057), trigger price on the wrong side (110092, 110093), slippage tolerance out of range (110108, 110109), UID or baseCoin missing (3100181, 3100326), sub-account or UID not valid (500010, 500011); ${SPOT}: empty or invalid parameter, timeInForce, orderType, side, symbol, orderFilter, TP/SL price or coin (170105, 170115-170117, 170121, 170130, 170201, 170202, 170221), too many decimals in price, quantity or market amount (170134, 170137, 170148).`,
    },
    {
      match: {
        code: [
          '10029', '30228', '110023', '110042', '110063', '110070', '110074', '110095', '110098', '110099',
          '110103', '110137', '170346', '170360',
          '170031', '170037', '170151', '170157', '170159', '170206', '170217', '170218', '170344',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: symbol not whitelisted (10029), no new positions while delisting (30228), reduce-only contract (110023, 110042 pre-delivery, 110137 Event Futures before settlement), settlement in progress (110063), ETP not tradable (110070), contract not live (110074), pre-market call auction limits (110095, 110098, 110099), post-only stage (110103), settle coin not collateral (170346, 170360); ${SPOT}: feature suspended (170031), coin or pair not open to margin (170037, 170344), pair not open or not for API trading (170151, 170157), market or stop-limit order not yet allowed on a new pair (170159, 170206), limit-maker only or its price invalid (170217, 170218).`,
    },
    {
      match: {
        code: [
          '110003', '110094', '110116', '110118', '110120', '110121', '30208', '30209',
          '170124', '170132', '170133', '170136', '170140', '170192', '170193', '170194', '170203', '170204',
          '170228', '170229', '170341', '170371', '170372', '170381', '170382',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: price outside the allowed range or price limits (110003, 110120, 110121, 30208, 30209), notional below the minimum (110094), combo leg price beyond the limit (110116), no market price for lack of liquidity (110118); ${SPOT}: amount, price, quantity or value above or below the limits (170124, 170132, 170133, 170136, 170140, 170192-170194, 170341, 170371, 170372, 170381, 170382), trigger price out of range (170203, 170204), beyond the estimated maximum buy or sell (170228, 170229).`,
    },
    {
      match: { code: ['170197', '170198', '170199', '170200'] },
      outcome: 'fatal',
      unverified: true,
      note: `${SPOT}: 170197-170200 order quantity too large, the fill could deviate from the market price or the NAV, "please try again". Read as a risk-control refusal of this order; the docs do not state that nothing was placed.`,
    },
    {
      match: {
        code: [
          '110004', '110006', '110007', '110012', '110044', '110045', '110051', '110052', '110053', '110131', '30256',
          '170131', '170033', '170207',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: wallet or available balance insufficient (110004, 110007, 110012, 110045), assets cannot cover the position margin (110006), available margin insufficient (110044), balance cannot cover the market or set price (110051-110053), maintenance margin above the LTV allowance (110131 perps, 30256 spot); ${SPOT}: balance insufficient (170131), margin balance insufficient (170033), platform loan amount not enough (170207).`,
    },
    {
      match: {
        code: [
          '110005', '110009', '110011', '110016', '110020', '110021', '110022', '110039', '110040', '110046',
          '110058', '110061', '110085', '110086', '110089', '110090', '3400139',
          '170010', '170011', '170034', '170226', '170810',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: position status error (110005), too many stop orders (110009), active orders (110020, 500) or TP/SL orders (110061, 20), liquidation would follow at once (110011, 110040, 110046) or the maintenance margin rate is too high (110039), quantity over the risk limit (110016, struck through) or open-interest limit (110021), quantity increase restricted (110022), remaining position too small for TP/SL (110058), risk limit changed or exceeded, or leverage above the tier or position limit (110085, 110086, 110089, 110090, 3400139); ${SPOT}: leveraged or innovation token position limit (170010, 170011), spot leverage liability overflow (170034), margin account being liquidated (170226), over 500 conditional, TP/SL and active orders (170810).`,
    },
    {
      match: {
        code: [
          '30133', '30134', '30135', '30136', '110069', '110080', '110087', '110104', '110105', '110106', '110107',
          '3200316', '3200317', '3200320', '170215', '170216', '170220', '170223', '170230', '170709',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: Institutional Lending restrictions: symbol or leverage not allowed (30133-30136, 110087, 110106, 110107), borrower may not trade (110069), LTV at the liquidation threshold or over the limit (110080, 110104, 110105, 3200316, 3200317, 3200320); ${SPOT}: the same for spot buys, leverage and pairs (170215, 170216, 170220, 170223, 170230, 170709).`,
    },
    {
      match: { code: ['110001', '170213'] },
      outcome: 'fatal',
      note: `${UTA}: 110001 and ${SPOT}: 170213, order does not exist; the answer of lookups, amends and cancels (also reconcile.notFoundCodes).`,
    },
    {
      match: {
        code: [
          '110008', '110010', '110059', '110060', '110064', '110115', '110117', '181017',
          '170139', '170142', '170143', '170144', '170145', '170190', '170312', '170313',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: amend or cancel refused for the order's state: already completed or cancelled (110008, 110010), TP/SL not modifiable when partially filled or in full mode (110059, 110060), new quantity not above the filled one (110064), combo legs only through the combo order (110115, 110117), order status must be final (181017); ${SPOT}: order filled, cancelled, off the book, locked, not cancellable, cancel already finished, not modifiable (170139, 170142-170145, 170190, 170312, 170313). This request changed nothing.`,
    },
    {
      match: { code: ['170149', '170150', '170210', '170311', '110073'] },
      outcome: 'fatal',
      note: `${SPOT}: create failed (170149), cancel failed (170150), new order rejected (170210), modification failed (170311); ${UTA}: setting the margin mode failed (110073). Each says the operation did not happen.`,
    },
    {
      match: {
        code: [
          '110013', '110014', '110015', '110024', '110028', '110029', '110031', '110033', '110034', '110036',
          '110037', '110038', '110041', '110047', '110048', '110054', '110055', '110056', '110062', '110065',
          '110076', '110078', '110082', '110083',
          '182011', '182100', '182101', '182102', '182103', '182108', '182110', '182111', '182112',
          '3200419', '3200425', '3200641', '3400052', '3400053', '3400054', '3400071', '3400208', '3400209',
          '3400210', '3400211', '3400212', '3400213', '3401010',
        ],
      },
      outcome: 'fatal',
      note: `${UTA}: refusals of the position and account setters (leverage, margin, position and TP/SL mode, risk limit, MMP, reduce-only lifting, repayment, collateral and margin-mode switches, UTA upgrade): the setting could not be changed in the current state (110013-110015, 110024, 110028, 110029, 110031, 110033, 110034, 110036-110038, 110041, 110047, 110048, 110054-110056, 110062, 110065, 110076, 110078, 110082, 110083, 182011, 182100-182103, 182108, 182110-182112, 3200419, 3200425, 3200641, 3400052-3400054, 3400071, 3400208-3400213, 3401010).`,
    },
  ],
  about: {
    title: 'Bybit v5',
    sources: [
      `${CREATE} (orderLinkId: string of at most 36 letters, digits, - and _; "always unique" for futures, perps, spot and options)`,
      `${ERRORS} (HTTP Code, UTA and Spot Trade tables: every retCode classified)`,
      `${REALTIME} (realtime lookup: latest 500 closed orders, cleared on a release or restart; empty list on a miss)`,
      `${HISTORY} (history fallback: asynchronous; 7 days by default, unfilled Cancelled/Rejected/Deactivated 24 h)`,
      `${RATE} (IP limit, 10006, X-Bapi-Limit-* headers, API Rate Limit Table: Trade)`,
      `${DOCS} docs/v5/rate-limit/rules-for-vips.mdx (default per-UID order limits by product)`,
      `${GUIDE} (X-BAPI-RECV-WINDOW default 5,000 ms and the recv_window rule, retCode/retMsg envelope)`,
      'bybit-exchange/pybit issue #191 and sieblyio/bybit-api issue #236 (10002 message naming req_timestamp, server_timestamp, recv_window)',
    ],
    unverified: [
      'dedupe: how long Bybit keeps an orderLinkId unique after the order closes is not published, so only open-order uniqueness is claimed.',
      'errors: the meaning of retCode 10014 "Invalid duplicate request" and of -1 "request expired" is not explained beyond the message.',
      'errors: retCode 429 (high server load) is left unknown; the docs ask for a retry without saying the order was not placed.',
      'errors: the 10002 message matched besides the documented one ("check your server timestamp or recv_window param") comes from client-library issue threads, not the docs.',
      'errors: 10018 is withdrawn in the docs; its 10-minute wait is borrowed from the HTTP 403 IP ban.',
      'errors: 110114 (spread order in progress) and 170197-170200 (order too large, "try again") are read as refusals of this request; the docs do not state it.',
      'reconcile.settleDelayMs: no maximum X-BAPI-RECV-WINDOW is documented; the 101 s fallback assumes no request carries a window above 100 s (the largest in a docs example).',
      'rateLimit.limits: whether the 5-second IP window is rolling or fixed is not stated; the per-UID limits are a rolling second, which a fixed one-second window only approximates.',
    ],
  },
});
