import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { binanceSpot, defineVenue } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

const ERRORS = 'binance-spot-api-docs errors.md';
const REST = 'binance-spot-api-docs rest-api.md';
const CANCEL_REPLACE = `${REST} Cancel an Existing Order and Send a New Order`;
const ENGINE_MESSAGES = `${ERRORS} Messages for -1010/-2010/-2011/-2038`;

/** The cancelled order inside a cancelReplace answer (rest-api.md examples, trimmed). */
const cancelled = {
  symbol: 'LTCBNB',
  origClientOrderId: 'GKt5zzfOxRDSQLveDYCTkc',
  orderId: 64,
  orderListId: -1,
  clientOrderId: 'loehOJF3FjoreUBDmv739R',
  transactTime: 1715779007228,
  status: 'CANCELED',
  type: 'LIMIT',
  side: 'SELL',
};

/** A cancelReplace error body: top-level code and msg, both legs under `data`. */
function cancelReplace(code: number, cancelResult: string, newOrderResult: string, cancelResponse: unknown, newOrderResponse: unknown): unknown {
  return {
    code,
    msg: code === -2021 ? 'Order cancel-replace partially failed.' : 'Order cancel-replace failed.',
    data: { cancelResult, newOrderResult, cancelResponse, newOrderResponse },
  };
}

const cases: readonly Case[] = [
  {
    label: 'order accepted (ACK body has no code)',
    source: `${REST} New order, Response - ACK`,
    status: 200,
    body: { symbol: 'BTCUSDT', orderId: 28, orderListId: -1, clientOrderId: '6gCrw2kRUAF9CvJDGP16IP', transactTime: 1507725176595 },
    expected: { kind: 'success' },
  },
  {
    label: 'SOR order filled',
    source: `${REST} New order using SOR, Response`,
    status: 200,
    body: { symbol: 'BTCUSDT', orderId: 2, orderListId: -1, clientOrderId: 'sBI1KM6nNtOfj5tccZSKly', status: 'FILLED', workingFloor: 'SOR', usedSor: true },
    expected: { kind: 'success' },
  },
  {
    label: 'order amended, keeping priority',
    source: `${REST} Order Amend Keep Priority, Response`,
    status: 200,
    body: { transactTime: 1741926410255, executionId: 75, amendedOrder: { symbol: 'BTCUSDT', orderId: 33, clientOrderId: 'PFaq6hIHxqFENGfdtn4J6Q', status: 'NEW' } },
    expected: { kind: 'success' },
  },
  {
    label: 'cancelReplace: both legs succeeded',
    source: `${CANCEL_REPLACE}, Response SUCCESS (200)`,
    status: 200,
    body: { cancelResult: 'SUCCESS', newOrderResult: 'SUCCESS', cancelResponse: cancelled, newOrderResponse: { symbol: 'BTCUSDT', orderId: 10, clientOrderId: 'wOceeeOzNORyLiQfw7jd8S', status: 'NEW' } },
    expected: { kind: 'success' },
  },

  // -- cancelReplace: a leg that executed is never read as "not executed" --------------
  {
    label: '429 CANCEL_ONLY: the order was cancelled, the new one refused for the order count (-2021)',
    source: `${CANCEL_REPLACE}, Response when using orderRateLimitExceededMode=CANCEL_ONLY (table: CANCEL_ONLY, Exceeds Limits, SUCCESS/FAILURE, 429)`,
    status: 429,
    headers: { 'Retry-After': '10' },
    body: cancelReplace(-2021, 'SUCCESS', 'FAILURE', cancelled, { code: -1015, msg: 'Too many new orders; current limit is 1 orders per 10 SECOND.' }),
    expected: { kind: 'unknown', venueCode: '-2021', httpStatus: 429 },
  },
  {
    label: '409 STOP_ON_FAILURE: cancel succeeded, new order refused (-2021)',
    source: `${CANCEL_REPLACE}, Response when Cancel Order Succeeds but New Order Placement Fails (409)`,
    status: 409,
    body: cancelReplace(-2021, 'SUCCESS', 'FAILURE', cancelled, { code: -2010, msg: 'Order would immediately match and take.' }),
    expected: { kind: 'unknown', venueCode: '-2021' },
  },
  {
    label: '409 ALLOW_FAILURE: cancel failed, new order placed (-2021)',
    source: `${CANCEL_REPLACE}, Response when Cancel Order fails with ALLOW_FAILURE (409)`,
    status: 409,
    body: cancelReplace(-2021, 'FAILURE', 'SUCCESS', { code: -2011, msg: 'Unknown order sent.' }, { symbol: 'BTCUSDT', orderId: 11, clientOrderId: 'pfojJMg6IMNDKuJqDxvoxN' }),
    expected: { kind: 'unknown' },
  },
  {
    label: 'a 409 without a Binance body is a partly executed cancelReplace too',
    source: `${REST} HTTP Return Codes (409: cancelReplace partially succeeds)`,
    status: 409,
    body: '',
    expected: { kind: 'unknown', httpStatus: 409 },
  },
  {
    label: '400 STOP_ON_FAILURE: cancel failed, new order not attempted (-2022): nothing executed',
    source: `${CANCEL_REPLACE}, Response when Cancel Order Fails with STOP_ON FAILURE (400); ${ERRORS} -2022`,
    status: 400,
    body: cancelReplace(-2022, 'FAILURE', 'NOT_ATTEMPTED', { code: -2011, msg: 'Unknown order sent.' }, null),
    expected: { kind: 'fatal', venueCode: '-2022' },
  },
  {
    label: '400 ALLOW_FAILURE: both legs failed (-2022): nothing executed',
    source: `${CANCEL_REPLACE}, Response when both Cancel Order and New Order Placement fail (400)`,
    status: 400,
    body: cancelReplace(-2022, 'FAILURE', 'FAILURE', { code: -2011, msg: 'Unknown order sent.' }, { code: -2010, msg: 'Order would immediately match and take.' }),
    expected: { kind: 'fatal' },
  },
  {
    label: '429 CANCEL_ONLY: cancel failed, new order not attempted (-2022): nothing executed, wait',
    source: `${CANCEL_REPLACE} (table: STOP_ON_FAILURE, CANCEL_ONLY, Exceeds Limits, FAILURE/NOT_ATTEMPTED, 429)`,
    status: 429,
    body: cancelReplace(-2022, 'FAILURE', 'NOT_ATTEMPTED', { code: -2011, msg: 'Unknown order sent.' }, null),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: 'DO_NOTHING over the order count: plain -1015, nothing cancelled',
    source: `${CANCEL_REPLACE}, Response when using orderRateLimitExceededMode=DO_NOTHING; faqs/order_count_decrement.md (429, -1015)`,
    status: 429,
    headers: { 'Retry-After': '7' },
    body: { code: -1015, msg: 'Too many new orders; current limit is 1 orders per 10 SECOND.' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 7_000 },
  },

  // -- engine messages: -1010/-2010/-2011/-2038 ------------------------------------------
  {
    label: '-2010 duplicate client order id (an order holds it)',
    source: `${ENGINE_MESSAGES}, "Duplicate order sent."`,
    status: 400,
    body: { code: -2010, msg: 'Duplicate order sent.' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '-2010', reason: 'binance-spot -2010 Duplicate order sent.' },
  },
  {
    label: '-1013 carrying the duplicate text is looked up as well',
    source: `${ERRORS} -1013 INVALID_MESSAGE (messages from the Failures during order placement table)`,
    status: 400,
    body: { code: -1013, msg: 'Duplicate order sent.' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '-1013' },
  },
  {
    label: '-2010 insufficient balance',
    source: `${ENGINE_MESSAGES}, "Account has insufficient balance for requested action."`,
    status: 400,
    body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
    expected: { kind: 'fatal', venueCode: '-2010' },
  },
  {
    label: '-2010 LIMIT_MAKER would take',
    source: `${CANCEL_REPLACE}, newOrderResponse example; ${ENGINE_MESSAGES}, "Order would immediately match and take."`,
    status: 400,
    body: { code: -2010, msg: 'Order would immediately match and take.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2011 cancel of an unknown order',
    source: `${ENGINE_MESSAGES}, "Unknown order sent."`,
    status: 400,
    body: { code: -2011, msg: 'Unknown order sent.' },
    expected: { kind: 'fatal', venueCode: '-2011' },
  },
  {
    label: '-2011 cancel restrictions not met',
    source: `${REST} Cancel order, Regarding cancelRestrictions`,
    status: 400,
    body: { code: -2011, msg: 'Order was not canceled due to cancel restrictions.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2038 amend that would change nothing',
    source: 'binance-spot-api-docs fix-api.md OrderAmendReject <XAR> sample; errors.md message table',
    status: 400,
    body: { code: -2038, msg: 'The requested action would change no state; rejecting.' },
    expected: { kind: 'fatal', venueCode: '-2038' },
  },
  {
    label: '-2038 too many amendments',
    source: 'binance-spot-api-docs filters.md MAX_NUM_ORDER_AMENDS (-2038); errors.md Filter failures',
    status: 400,
    body: { code: -2038, msg: 'Filter failure: MAX_NUM_ORDER_AMENDS' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2010 with its placeholder text only: the reason is not documented, look it up',
    source: `${ERRORS} -2010 NEW_ORDER_REJECTED (message "NEW_ORDER_REJECTED")`,
    status: 400,
    body: { code: -2010, msg: 'NEW_ORDER_REJECTED' },
    expected: { kind: 'unknown', venueCode: '-2010' },
  },
  {
    label: '-2010 with an unlisted text is never a plain refusal',
    source: `${ERRORS} (codes are universal, messages can vary)`,
    status: 400,
    body: { code: -2010, msg: 'Client order id already in use.' },
    expected: { kind: 'unknown' },
  },

  // -- timing, limits, bans ----------------------------------------------------------------
  {
    label: '-1021 timestamp ahead of the server',
    source: `${ERRORS} -1021 INVALID_TIMESTAMP`,
    status: 400,
    body: { code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." },
    expected: { kind: 'resign', venueCode: '-1021' },
  },
  {
    label: '-1021 outside recvWindow',
    source: `${ERRORS} -1021 INVALID_TIMESTAMP; ${REST} Timing security`,
    status: 400,
    body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
    expected: { kind: 'resign' },
  },
  {
    label: '418 IP ban with Retry-After',
    source: `${REST} IP Limits (Retry-After on 418); ${ERRORS} -1003`,
    status: 418,
    body: { code: -1003, msg: 'Way too much request weight used; IP banned until 1749000000000. Please use WebSocket Streams for live updates to avoid bans.' },
    headers: { 'Retry-After': '7200' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 7_200_000 },
  },
  {
    label: '418 IP ban without Retry-After waits the shortest documented ban (2 min)',
    source: `${REST} IP Limits (bans scale from 2 minutes to 3 days)`,
    status: 418,
    body: { code: -1003, msg: 'Way too much request weight used; IP banned until 1749000000000.' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 },
  },
  {
    label: '429 request weight exceeded',
    source: `${REST} LIMITS, IP Limits; ${ERRORS} -1003`,
    status: 429,
    body: { code: -1003, msg: 'Too much request weight used; current limit is 6000 request weight per 1 MINUTE.' },
    headers: { 'Retry-After': '30', 'X-MBX-USED-WEIGHT-1M': '6001' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 },
  },
  {
    label: '429 from the edge without a Binance body still stops the whole venue',
    source: `${REST} HTTP Return Codes (429)`,
    status: 429,
    body: '',
    headers: { 'Retry-After': '12' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 12_000 },
  },
  {
    label: '403 WAF block (HTML body)',
    source: `${REST} HTTP Return Codes (403)`,
    status: 403,
    body: '<html><body>403 Forbidden</body></html>',
    expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 403 },
  },
  {
    label: '-1015 too many new orders with a 400',
    source: `${ERRORS} -1015 TOO_MANY_ORDERS`,
    status: 400,
    body: { code: -1015, msg: 'Too many new orders.' },
    expected: { kind: 'rateLimited', scope: 'venue' },
  },

  // -- execution status unknown -------------------------------------------------------------
  {
    label: '-1001 with a 4xx: spot does not say it was not processed',
    source: `${ERRORS} -1001 DISCONNECTED`,
    status: 400,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'unknown', venueCode: '-1001' },
  },
  {
    label: '-1001 with a 5xx',
    source: `${REST} HTTP Return Codes (5XX: execution status UNKNOWN)`,
    status: 503,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'unknown', httpStatus: 503 },
  },
  {
    label: '-1000 unknown error',
    source: `${ERRORS} -1000 UNKNOWN`,
    status: 400,
    body: { code: -1000, msg: 'An unknown error occurred while processing the request.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1006 unexpected response',
    source: `${ERRORS} -1006 UNEXPECTED_RESP`,
    status: 400,
    body: { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1007 backend timeout',
    source: `${ERRORS} -1007 TIMEOUT; ${REST} General API Information (10 s timeout)`,
    status: 408,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1008 server busy',
    source: `${ERRORS} -1008 SERVER_BUSY`,
    status: 400,
    body: { code: -1008, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' },
    expected: { kind: 'unknown' },
  },
  { label: '5xx without body', source: `${REST} HTTP Return Codes (5XX)`, status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  {
    label: 'a documented refusal text with a 5xx is still unknown',
    source: `${REST} HTTP Return Codes (5XX: execution status UNKNOWN)`,
    status: 500,
    body: { code: -2010, msg: 'Market is closed.' },
    expected: { kind: 'unknown', httpStatus: 500 },
  },

  // -- plain refusals through the generic 4xx rule ------------------------------------------
  {
    label: '-1013 filter failure',
    source: `${ERRORS} -1013 INVALID_MESSAGE, Filter failures`,
    status: 400,
    body: { code: -1013, msg: 'Filter failure: LOT_SIZE' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-1013 self-trade prevention mode not allowed',
    source: 'binance-spot-api-docs faqs/stp_faq.md (-1013 example)',
    status: 400,
    body: { code: -1013, msg: 'This symbol does not allow the specified self-trade prevention mode.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-1102 mandatory parameter missing',
    source: `${ERRORS} -1102 MANDATORY_PARAM_EMPTY_OR_MALFORMED`,
    status: 400,
    body: { code: -1102, msg: "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed." },
    expected: { kind: 'fatal' },
  },
  { label: '-1121 invalid symbol', source: `${REST} Error Codes sample payload`, status: 400, body: { code: -1121, msg: 'Invalid symbol.' }, expected: { kind: 'fatal' } },
  {
    label: '-1022 bad signature',
    source: `${ERRORS} -1022 INVALID_SIGNATURE`,
    status: 400,
    body: { code: -1022, msg: 'Signature for this request is not valid.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2015 key, IP or permission rejected',
    source: `${ERRORS} -2015 REJECTED_MBX_KEY`,
    status: 401,
    body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
    expected: { kind: 'fatal' },
  },
  { label: '-2014 bad key format', source: `${ERRORS} -2014 BAD_API_KEY_FMT`, status: 401, body: { code: -2014, msg: 'API-key format invalid.' }, expected: { kind: 'fatal' } },
  { label: '-2013 no such order', source: `${ERRORS} -2013 NO_SUCH_ORDER`, status: 400, body: { code: -2013, msg: 'Order does not exist.' }, expected: { kind: 'fatal' } },
  {
    label: '-2026 order archived',
    source: `${ERRORS} -2026 ORDER_ARCHIVED`,
    status: 400,
    body: { code: -2026, msg: 'Order was canceled or expired with no executed qty over 90 days ago and has been archived.' },
    expected: { kind: 'fatal' },
  },
  {
    label: 'an unlisted code with HTTP 400 falls to the generic 4xx rule',
    source: `${REST} HTTP Return Codes (4XX: malformed request)`,
    status: 400,
    body: { code: -1135, msg: 'Invalid JSON Request' },
    expected: { kind: 'fatal', venueCode: '-1135' },
  },
];

/** Every engine message errors.md lists as a plain refusal (nothing placed, cancelled or amended). */
const DOCUMENTED_REFUSALS = [
  'Unknown order sent.',
  'Market is closed.',
  'Account has insufficient balance for requested action.',
  'Market orders are not supported for this symbol.',
  'Iceberg orders are not supported for this symbol.',
  'Stop loss orders are not supported for this symbol.',
  'Stop loss limit orders are not supported for this symbol.',
  'Take profit orders are not supported for this symbol.',
  'Take profit limit orders are not supported for this symbol.',
  'Order amend is not supported for this symbol.',
  'Price * QTY is zero or less.',
  'IcebergQty exceeds QTY.',
  'This action is disabled on this account.',
  'This account may not place or cancel orders.',
  'Unsupported order combination',
  'Order would trigger immediately.',
  'Cancel order is invalid. Check origClOrdId and orderId.',
  'Order would immediately match and take.',
  'The relationship of the prices for the orders is not correct.',
  'OCO orders are not supported for this symbol',
  'Quote order qty market orders are not support for this symbol.',
  'Trailing stop orders are not supported for this symbol.',
  'Order cancel-replace is not supported for this symbol.',
  'This symbol is not permitted for this account.',
  'This symbol is restricted for this account.',
  'Order was not canceled due to cancel restrictions.',
  'Rest API trading is not enabled.',
  'WebSocket API trading is not enabled.',
  'FIX API trading is not enabled.',
  'Order book liquidity is less than `LOT_SIZE` filter minimum quantity.',
  'Order book liquidity is less than MARKET_LOT_SIZE filter minimum quantity.',
  'Order book liquidity is less than symbol minimum quantity.',
  'Order amend (quantity increase) is not supported.',
  'The requested action would change no state; rejecting',
  'Pegged orders are not supported for this symbol.',
  'This order type may not use pegged price.',
  'This price peg cannot be used with this order type.',
  'Order book liquidity is too low for this pegged order.',
  'OPO orders are not supported for this symbol.',
  'Order amend (pending OPO order) is not supported.',
  'A parameter for one of the orders is incorrect.', // CHANGELOG.md 2019-03-12, -2011 OCO_BAD_ORDER_PARAMS
  'Filter failure: PERCENT_PRICE',
  'Filter failure: EXCHANGE_MAX_NUM_ORDER_LISTS',
];

const ENGINE_CODES = [-1010, -2010, -2011, -2038];

/**
 * Every code errors.md defines (@a5e0bc3), plus -1010 and -2038 from its message-table
 * heading, with the outcome it gets under HTTP 400 and its own name as the message.
 * Codes not listed in NOT_FATAL are plain refusals.
 */
const ERRORS_MD_CODES = [
  -1000, -1001, -1002, -1003, -1006, -1007, -1008, -1013, -1014, -1015, -1016, -1020, -1021, -1022, -1033, -1034, -1035,
  -1100, -1101, -1102, -1103, -1104, -1105, -1106, -1108, -1111, -1112, -1114, -1115, -1116, -1117, -1118, -1119, -1120,
  -1121, -1122, -1125, -1127, -1128, -1130, -1134, -1135, -1139, -1145, -1151, -1152, -1153, -1155, -1158, -1160, -1161,
  -1165, -1166, -1168, -1169, -1170, -1171, -1172, -1173, -1174, -1175, -1176, -1177, -1178, -1179, -1180, -1181, -1182,
  -1183, -1184, -1185, -1186, -1187, -1188, -1189, -1190, -1191, -1194, -1196, -1197, -1198, -1199, -1210, -1211, -1220,
  -1221, -1222, -1223, -1224, -1225, -2010, -2011, -2013, -2014, -2015, -2016, -2026, -2035, -2036, -2039, -2042, -2043,
  -2021, -2022, -1010, -2038,
];
const NOT_FATAL: Record<number, string> = {
  [-1000]: 'unknown',
  [-1001]: 'unknown',
  [-1006]: 'unknown',
  [-1007]: 'unknown',
  [-1008]: 'unknown',
  [-2021]: 'unknown',
  // The engine-message codes with their bare name as message: reason not documented.
  [-1010]: 'unknown',
  [-2010]: 'unknown',
  [-2011]: 'unknown',
  [-2038]: 'unknown',
  [-1003]: 'rateLimited',
  [-1015]: 'rateLimited',
  [-1021]: 'resign',
};

describe('binanceSpot error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(binanceSpot, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('names a docs source on every row', () => {
    for (const row of cases) expect(row.source, row.label).toMatch(/binance-spot-api-docs/);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of binanceSpot.errors) expect(rule.note).toMatch(/binance-spot-api-docs/);
  });

  it('reads every documented refusal text as fatal under each engine-message code, with or without its full stop', () => {
    for (const code of ENGINE_CODES) {
      for (const text of DOCUMENTED_REFUSALS) {
        for (const msg of [text, text.replace(/\.$/, ''), `${text.replace(/\.$/, '')}.`]) {
          const outcome = classifyResponse(binanceSpot, respond(400, { code, msg }), NOW);
          expect(outcome.kind, `${String(code)} ${msg}`).toBe('fatal');
        }
      }
    }
  });

  it('never reads an unlisted engine message as a plain refusal (negative control)', () => {
    const unlisted = [
      'NEW_ORDER_REJECTED',
      'CANCEL_REJECTED',
      'Order rejected.',
      'Client order id already in use.',
      'Market is closed. Order was queued.', // a documented text with more after it
      'Insufficient balance.', // a reworded documented text
      'Filter failure: SOME_NEW_FILTER',
      '',
    ];
    for (const code of ENGINE_CODES) {
      for (const msg of unlisted) {
        const outcome = classifyResponse(binanceSpot, respond(400, { code, msg }), NOW);
        expect(outcome.kind, `${String(code)} "${msg}"`).toBe('unknown');
      }
      for (const msg of ['Duplicate order sent.', 'Duplicate order', 'Duplicated client order id.']) {
        const outcome = classifyResponse(binanceSpot, respond(400, { code, msg }), NOW);
        expect(outcome, `${String(code)} "${msg}"`).toMatchObject({ kind: 'conflict', conflict: 'duplicate' });
      }
    }
  });

  it('reads -2021 (a cancelReplace leg executed) as unknown under every status', () => {
    for (const status of [200, 400, 409, 418, 429, 500]) {
      const outcome = classifyResponse(binanceSpot, respond(status, { code: -2021, msg: 'Order cancel-replace partially failed.' }), NOW);
      expect(outcome.kind, String(status)).toBe(status === 418 ? 'rateLimited' : 'unknown');
    }
  });

  it('classifies every code in errors.md, and no code that may have executed as not executed', () => {
    const counts: Record<string, number> = {};
    for (const code of ERRORS_MD_CODES) {
      const name = code === -2010 ? 'NEW_ORDER_REJECTED' : code === -2011 ? 'CANCEL_REJECTED' : `code ${String(code)}`;
      const kind = classifyResponse(binanceSpot, respond(400, { code, msg: name }), NOW).kind;
      expect(kind, String(code)).toBe(NOT_FATAL[code] ?? 'fatal');
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(ERRORS_MD_CODES).toHaveLength(new Set(ERRORS_MD_CODES).size);
    expect(counts).toEqual({ unknown: 10, rateLimited: 2, resign: 1, fatal: 93 });
  });

  it('lists the whole -1100..-1130 parameter-error range as fatal', () => {
    for (let code = -1100; code >= -1130; code--) {
      const outcome = classifyResponse(binanceSpot, respond(400, { code, msg: 'bad parameter' }), NOW);
      expect(outcome.kind, String(code)).toBe('fatal');
    }
  });
});

describe('binanceSpot profile', () => {
  it('places newClientOrderId in the query with the documented charset and length', () => {
    expect(binanceSpot.key).toMatchObject({ placement: 'query', field: 'newClientOrderId' });
    const pattern = new RegExp(binanceSpot.key.format.pattern ?? '');
    expect(pattern.test('01J9Z7Q7E8XK3M4N5P6Q7R8S9T')).toBe(true); // a ULID
    expect(pattern.test('a'.repeat(36))).toBe(true);
    expect(pattern.test('a'.repeat(37))).toBe(false);
    expect(pattern.test('has.dot')).toBe(false); // allowed on USD-M, not on spot
    expect(binanceSpot.key.format.maxLength).toBe(36);
  });

  it('deduplicates only among open orders, so reconcile must look up', () => {
    expect(binanceSpot.dedupe).toEqual({ kind: 'openOrders' });
    expect(binanceSpot.reconcile.notFoundIsAuthoritative).toBe(true);
    expect(binanceSpot.reconcile.notFoundCodes).toEqual(['-2013']);
  });

  it('carries the documented request window: recvWindow in the query, 5 s default, 60 s max, 1 s ahead', () => {
    // rest-api.md Timing security: default 5000 ms, maximum 60000 ms, timestamp < serverTime + 1 s.
    expect(binanceSpot.reconcile.requestWindow).toMatchObject({
      in: 'query',
      field: 'recvWindow',
      defaultMs: 5_000,
      maxMs: 60_000,
      aheadMs: 1_000,
    });
    expect(binanceSpot.reconcile.requestWindow?.note).toMatch(/rest-api\.md/);
  });

  it('falls back to the longest window plus the clock allowance when the carried window is unknown', () => {
    const window = binanceSpot.reconcile.requestWindow;
    expect(window?.maxMs).toBeDefined();
    expect(binanceSpot.reconcile.settleDelayMs).toBeGreaterThanOrEqual((window?.maxMs ?? Infinity) + (window?.aheadMs ?? 0));
  });

  it('marks what the primary docs do not state', () => {
    const unverified = binanceSpot.about?.unverified ?? [];
    expect(unverified.some((line) => line.startsWith('key.format'))).toBe(true);
    expect(unverified.some((line) => line.startsWith('reconcile.requestWindow'))).toBe(true);
    // -1001 is now read as unknown, so the old "treated as a definite failure" assumption is gone.
    expect(unverified.some((line) => line.includes('-1001'))).toBe(false);
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(binanceSpot))).toEqual(binanceSpot);
  });
});

describe('binanceSpot rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(binanceSpot, cases)).toEqual([]);
  });
});

describe('binanceSpot: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(binanceSpot.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'weight-1m', limit: 6_000, windowMs: 60_000, unit: 'weight', per: 'ip', writeCost: 1, readCost: 4, usageHeader: 'x-mbx-used-weight-1m' },
      { id: 'raw-requests-5m', limit: 300_000, windowMs: 300_000, unit: 'requests', per: 'ip', writeCost: 1, readCost: 1 },
      { id: 'orders-10s', limit: 50, windowMs: 10_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0, usageHeader: 'x-mbx-order-count-10s' },
      { id: 'orders-1d', limit: 160_000, windowMs: 86_400_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0, usageHeader: 'x-mbx-order-count-1d' },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of binanceSpot.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/binance-spot-api-docs (rest-api|CHANGELOG)\.md/);
  });

  it('the order counters agree with the usage headers that report them', () => {
    for (const limit of binanceSpot.rateLimit.limits ?? []) {
      if (limit.usageHeader === undefined) continue;
      const usage = binanceSpot.rateLimit.usage?.find((u) => u.header === limit.usageHeader);
      expect(usage, limit.id).toMatchObject({ limit: limit.limit, windowMs: limit.windowMs });
    }
  });
});
