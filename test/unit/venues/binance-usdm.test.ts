import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { binanceUsdm } from '../../../src/venues/binance-usdm.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Messages are the ones on the USDⓈ-M "General Info" (HTTP Return Codes, HTTP 503
// Status: Message Variants & Handling) and "Error Codes" pages (developers.binance.com,
// read in the rosssaunders/coincise mirror @a00ae58); bodies follow their `{ "code", "msg" }` payload.
const GENERAL_INFO = 'developers.binance.com usds-margined-futures general-info';
const ERROR_CODES = 'developers.binance.com usds-margined-futures error-code';
const TRADE = 'developers.binance.com usds-margined-futures trade/rest-api';

const cases: readonly Case[] = [
  {
    label: 'order accepted (RESULT body has no code)',
    source: `${TRADE} New-Order, Response Example`,
    status: 200,
    body: { orderId: 22542179, symbol: 'BTCUSDT', status: 'NEW', clientOrderId: '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', updateTime: 1566818724722 },
    expected: { kind: 'success' },
  },
  {
    label: 'a write answered { code: 200 } succeeded',
    source: `${TRADE} Cancel-All-Open-Orders, Response Example ({"code": 200, "msg": "The operation of cancel all open order is done."})`,
    status: 200,
    body: { code: 200, msg: 'The operation of cancel all open order is done.' },
    expected: { kind: 'success', venueCode: '200' },
  },
  {
    label: '-4116 clientOrderId is duplicated (held by an open order)',
    source: `${ERROR_CODES} -4116 DUPLICATED_CLIENT_ORDER_ID`,
    status: 400,
    body: { code: -4116, msg: 'clientOrderId is duplicated' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '-4116', reason: 'binance-usdm -4116 clientOrderId is duplicated' },
  },
  {
    label: '503 "Service Unavailable." is a certain failure',
    source: `${GENERAL_INFO} HTTP 503 Status: Message Variants & Handling, B`,
    status: 503,
    body: { code: -1000, msg: 'Service Unavailable.' },
    expected: { kind: 'retry', httpStatus: 503 },
  },
  {
    label: '503 "Internal error; unable to process your request" is a certain failure',
    source: `${GENERAL_INFO} HTTP Return Codes, 503 case 3`,
    status: 503,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'retry', venueCode: '-1001' },
  },
  {
    label: '503 -1008 request throttled by system-level protection is a certain failure',
    source: `${GENERAL_INFO} HTTP 503 Status: Message Variants & Handling, C; ${ERROR_CODES} -1008`,
    status: 503,
    body: { code: -1008, msg: 'Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.' },
    expected: { kind: 'retry', venueCode: '-1008' },
  },
  {
    label: '503 "Unknown error, please check your request" may have executed',
    source: `${GENERAL_INFO} HTTP 503 Status: Message Variants & Handling, A`,
    status: 503,
    body: { code: -1000, msg: 'Unknown error, please check your request or try again later.' },
    expected: { kind: 'unknown', httpStatus: 503 },
  },
  {
    label: '500 "Request occur unknown error." may have executed',
    source: `${GENERAL_INFO} HTTP Return Codes, 5XX`,
    status: 500,
    body: { code: -1000, msg: 'Request occur unknown error.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '"Service Unavailable." with a 500 is not the documented 503 failure',
    source: `${GENERAL_INFO} HTTP Return Codes (the failure reading is given for 503 only)`,
    status: 500,
    body: { code: -1000, msg: 'Service Unavailable.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1001 with a 500: the 5xx rule wins over the code',
    source: `${GENERAL_INFO} HTTP Return Codes, 5XX`,
    status: 500,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1001 with a 400: not processed',
    source: `${ERROR_CODES} -1001 DISCONNECTED; ${GENERAL_INFO} HTTP Return Codes (4XX)`,
    status: 400,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'retry' },
  },
  { label: '5xx without body', source: `${GENERAL_INFO} HTTP Return Codes, 5XX`, status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  {
    label: '408 -1007 backend timeout',
    source: `${GENERAL_INFO} HTTP Return Codes (408); ${ERROR_CODES} -1007 TIMEOUT`,
    status: 408,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown', venueCode: '-1007' },
  },
  {
    label: '-1007 with a 400 stays unknown',
    source: `${ERROR_CODES} -1007 TIMEOUT`,
    status: 400,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1006 unexpected response',
    source: `${ERROR_CODES} -1006 UNEXPECTED_RESP`,
    status: 400,
    body: { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1000 unknown error with a 400',
    source: `${ERROR_CODES} -1000 UNKNOWN`,
    status: 400,
    body: { code: -1000, msg: 'An unknown error occured while processing the request.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1008 "Server is currently overloaded" (not documented as a failure)',
    source: `${ERROR_CODES} -1008 Request Throttled (first message)`,
    status: 400,
    body: { code: -1008, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' },
    expected: { kind: 'unknown', venueCode: '-1008' },
  },
  {
    label: '-4083 batch placement failed: some orders of the batch may stand',
    source: `${ERROR_CODES} -4083 PLACE_BATCH_ORDERS_FAIL`,
    status: 400,
    body: { code: -4083, msg: 'Fail to place batch orders.' },
    expected: { kind: 'unknown', venueCode: '-4083' },
  },
  {
    label: '-2012 batch cancel failed: some cancels may have gone through',
    source: `${ERROR_CODES} -2012 CANCEL_ALL_FAIL`,
    status: 400,
    body: { code: -2012, msg: 'Batch cancel failure.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1021 outside recvWindow',
    source: `${ERROR_CODES} -1021 INVALID_TIMESTAMP; ${GENERAL_INFO} Timing Security`,
    status: 400,
    body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
    expected: { kind: 'resign', venueCode: '-1021' },
  },
  {
    label: '-5028 outside the matching engine recvWindow',
    source: `${ERROR_CODES} -5028 ME_RECVWINDOW_REJECT`,
    status: 400,
    body: { code: -5028, msg: 'Timestamp for this request is outside of the ME recvWindow.' },
    expected: { kind: 'resign', venueCode: '-5028' },
  },
  {
    label: '418 IP ban with Retry-After',
    source: `${GENERAL_INFO} HTTP Return Codes (418), IP Limits; ${ERROR_CODES} -1003`,
    status: 418,
    body: { code: -1003, msg: 'Way too many requests; IP banned until 1749000000000. Please use the websocket for live updates to avoid bans.' },
    headers: { 'Retry-After': '600' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  {
    label: '418 without Retry-After waits the shortest documented ban (2 min)',
    source: `${GENERAL_INFO} IP Limits (bans scale from 2 minutes to 3 days)`,
    status: 418,
    body: { code: -1003, msg: 'Way too many requests; IP banned until 1749000000000.' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 },
  },
  {
    label: '429 request weight exceeded (usage headers present)',
    source: `${GENERAL_INFO} LIMITS, IP Limits; ${ERROR_CODES} -1003`,
    status: 429,
    body: { code: -1003, msg: 'Too many requests; current limit is 2400 requests per minute. Please use the websocket for live updates to avoid polling the API.' },
    headers: { 'Retry-After': '12', 'X-MBX-USED-WEIGHT-1M': '2401' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 12_000 },
  },
  {
    label: '429 without a Binance body still stops the whole venue',
    source: `${GENERAL_INFO} HTTP Return Codes (429)`,
    status: 429,
    body: '',
    headers: { 'Retry-After': '3' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 3_000 },
  },
  {
    label: '403 WAF limit (HTML body)',
    source: `${GENERAL_INFO} HTTP Return Codes (403)`,
    status: 403,
    body: '<html><body>403 Forbidden</body></html>',
    expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 403 },
  },
  {
    label: 'a 409 is looked up, not resent as "in progress" (status not documented for USD-M)',
    source: `${GENERAL_INFO} HTTP Return Codes (no 409); binance-spot-api-docs rest-api.md HTTP Return Codes (409: partly executed)`,
    status: 409,
    body: '',
    expected: { kind: 'unknown', httpStatus: 409 },
  },
  {
    label: '-1015 too many new orders with a 400',
    source: `${ERROR_CODES} -1015 TOO_MANY_ORDERS`,
    status: 400,
    body: { code: -1015, msg: 'Too many new orders; current limit is 300 orders per TEN_SECONDS.' },
    expected: { kind: 'rateLimited', scope: 'venue', venueCode: '-1015' },
  },
  {
    label: '-4015 client order id not valid',
    source: `${ERROR_CODES} -4015 INVALID_CL_ORD_ID_LEN`,
    status: 400,
    body: { code: -4015, msg: 'Client order id length should not be more than 36 chars' },
    expected: { kind: 'fatal', venueCode: '-4015' },
  },
  {
    label: '-2021 on USD-M is ORDER_WOULD_IMMEDIATELY_TRIGGER, a plain refusal (not spot\'s cancel-replace)',
    source: `${ERROR_CODES} -2021 ORDER_WOULD_IMMEDIATELY_TRIGGER; ${TRADE} New-Order notes`,
    status: 400,
    body: { code: -2021, msg: 'Order would immediately trigger.' },
    expected: { kind: 'fatal', venueCode: '-2021' },
  },
  {
    label: '-2022 on USD-M is REDUCE_ONLY_REJECT, a plain refusal',
    source: `${ERROR_CODES} -2022 REDUCE_ONLY_REJECT; ${TRADE} Place-Multiple-Orders response example`,
    status: 400,
    body: { code: -2022, msg: 'ReduceOnly Order is rejected.' },
    expected: { kind: 'fatal' },
  },
  { label: '-2019 margin is insufficient', source: `${ERROR_CODES} -2019`, status: 400, body: { code: -2019, msg: 'Margin is insufficient.' }, expected: { kind: 'fatal' } },
  {
    label: '-5022 post-only order would take',
    source: `${ERROR_CODES} -5022 GTX_ORDER_REJECT`,
    status: 400,
    body: { code: -5022, msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2011 cancel of an order not on the book',
    source: `${ERROR_CODES} -2011 CANCEL_REJECTED`,
    status: 400,
    body: { code: -2011, msg: 'Unknown order sent.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2013 order does not exist (lookup miss)',
    source: `${ERROR_CODES} -2013 NO_SUCH_ORDER`,
    status: 400,
    body: { code: -2013, msg: 'Order does not exist.' },
    expected: { kind: 'fatal', venueCode: '-2013' },
  },
  {
    label: '-2015 key, IP or permission rejected',
    source: `${ERROR_CODES} -2015 REJECTED_MBX_KEY`,
    status: 401,
    body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
    expected: { kind: 'fatal' },
  },
];

/**
 * Every code on the USD-M Error Codes page (coincise mirror @a00ae58, 200 codes). Codes
 * not listed in NOT_FATAL are refusals under HTTP 400.
 */
const ERROR_PAGE_CODES = [
  -1000, -1001, -1002, -1003, -1004, -1005, -1006, -1007, -1008, -1010, -1011, -1013, -1014, -1015, -1016, -1020, -1021,
  -1022, -1023, -1099, -1100, -1101, -1102, -1103, -1104, -1105, -1106, -1108, -1109, -1110, -1111, -1112, -1113, -1114,
  -1115, -1116, -1117, -1118, -1119, -1120, -1121, -1122, -1125, -1126, -1127, -1128, -1130, -1136, -2010, -2011, -2012,
  -2013, -2014, -2015, -2016, -2017, -2018, -2019, -2020, -2021, -2022, -2023, -2024, -2025, -2026, -2027, -2028, -4000,
  -4001, -4002, -4003, -4004, -4005, -4006, -4007, -4008, -4009, -4010, -4011, -4012, -4013, -4014, -4015, -4016, -4017,
  -4018, -4019, -4020, -4021, -4022, -4023, -4024, -4025, -4026, -4027, -4028, -4029, -4030, -4031, -4032, -4033, -4044,
  -4045, -4046, -4047, -4048, -4049, -4050, -4051, -4052, -4053, -4054, -4055, -4056, -4057, -4058, -4059, -4060, -4061,
  -4062, -4063, -4064, -4065, -4066, -4067, -4068, -4069, -4070, -4071, -4072, -4073, -4074, -4075, -4076, -4077, -4078,
  -4079, -4080, -4081, -4082, -4083, -4084, -4085, -4086, -4087, -4088, -4104, -4109, -4114, -4115, -4116, -4117, -4118,
  -4131, -4135, -4137, -4138, -4139, -4140, -4141, -4142, -4144, -4161, -4164, -4165, -4167, -4168, -4169, -4170, -4171,
  -4172, -4183, -4184, -4192, -4202, -4203, -4205, -4206, -4208, -4209, -4210, -4211, -4400, -4401, -4402, -4403, -5021,
  -5022, -5024, -5025, -5026, -5027, -5028, -5029, -5037, -5038, -5039, -5040, -5041, -5043,
];
const NOT_FATAL: Record<number, string> = {
  [-1000]: 'unknown',
  [-1006]: 'unknown',
  [-1007]: 'unknown',
  [-1008]: 'unknown', // with a message other than the documented throttling text
  [-2012]: 'unknown',
  [-4083]: 'unknown',
  [-1001]: 'retry',
  [-1003]: 'rateLimited',
  [-1015]: 'rateLimited',
  [-1021]: 'resign',
  [-5028]: 'resign',
  [-4116]: 'conflict',
};

describe('binanceUsdm error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(binanceUsdm, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('names a docs source on every row', () => {
    for (const row of cases) expect(row.source, row.label).toMatch(/developers\.binance\.com|binance-spot-api-docs/);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of binanceUsdm.errors) expect(rule.note).toMatch(/developers\.binance\.com/);
  });

  it('classifies every code on the Error Codes page, and no code that may have executed as not executed', () => {
    const counts: Record<string, number> = {};
    for (const code of ERROR_PAGE_CODES) {
      const kind = classifyResponse(binanceUsdm, respond(400, { code, msg: `code ${String(code)}` }), NOW).kind;
      expect(kind, String(code)).toBe(NOT_FATAL[code] ?? 'fatal');
      counts[kind] = (counts[kind] ?? 0) + 1;
    }
    expect(ERROR_PAGE_CODES).toHaveLength(new Set(ERROR_PAGE_CODES).size);
    expect(counts).toEqual({ unknown: 6, retry: 1, rateLimited: 2, resign: 2, conflict: 1, fatal: 188 });
  });

  it('reads a 503 as a certain failure only for the documented failure texts (negative control)', () => {
    for (const msg of ['Unknown error, please check your request or try again later.', 'Request occur unknown error.', 'Gateway timeout', '']) {
      const outcome = classifyResponse(binanceUsdm, respond(503, { code: -1000, msg }), NOW);
      expect(outcome.kind, msg).toBe('unknown');
    }
    // -1008 under a 503 without the throttling text: not documented as a failure.
    expect(classifyResponse(binanceUsdm, respond(503, { code: -1008, msg: 'Server is currently overloaded with other requests.' }), NOW).kind).toBe('unknown');
  });
});

describe('binanceUsdm profile', () => {
  it('accepts the encoded venue key of a ULID, a UUID and a 255-character key', () => {
    const format = binanceUsdm.key.format;
    for (const key of ['01J9Z7Q7E8XK3M4N5P6Q7R8S9T', '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', 'k'.repeat(255)]) {
      const venueKey = encodeVenueKey(key, format);
      expect(checkVenueKey(venueKey, format), venueKey).toBeUndefined();
    }
  });

  it('uses the documented rule, which needs no u flag and admits . : /', () => {
    expect(binanceUsdm.key).toMatchObject({ placement: 'query', field: 'newClientOrderId' });
    const pattern = new RegExp(binanceUsdm.key.format.pattern ?? '');
    expect(pattern.test('a.b:c/d_e-F9')).toBe(true);
    expect(pattern.test('a'.repeat(36))).toBe(true);
    expect(pattern.test('a'.repeat(37))).toBe(false);
    expect(pattern.test('has space')).toBe(false);
  });

  it('looks orders up by origClientOrderId with the symbol of the original request', () => {
    expect(binanceUsdm.reconcile.lookup).toMatchObject({
      method: 'GET',
      path: '/fapi/v1/order',
      keyIn: 'query',
      keyParam: 'origClientOrderId',
      copyParams: ['symbol'],
    });
    expect(binanceUsdm.reconcile.notFoundCodes).toEqual(['-2013']);
  });

  it('carries the documented request window: recvWindow in the query, 5 s default, no maximum, 1 s ahead', () => {
    // General Info, Timing Security: default 5000; timestamp < serverTime + 1000. No maximum
    // is stated, and the RSA signing example itself sends recvWindow=9999999.
    const window = binanceUsdm.reconcile.requestWindow;
    expect(window).toMatchObject({ in: 'query', field: 'recvWindow', defaultMs: 5_000, aheadMs: 1_000 });
    expect(window).not.toHaveProperty('maxMs');
    expect(window?.note).toMatch(/developers\.binance\.com/);
  });

  it('keeps a 61 s fallback settle delay, marked unverified, and trusts a miss only within 3 days', () => {
    expect(binanceUsdm.dedupe).toEqual({ kind: 'openOrders' });
    expect(binanceUsdm.reconcile.notFoundIsAuthoritative).toBe(true);
    expect(binanceUsdm.reconcile.settleDelayMs).toBeGreaterThanOrEqual(60_000 + 1_000);
    expect(binanceUsdm.about?.unverified?.some((line) => line.startsWith('reconcile.settleDelayMs'))).toBe(true);
    // Unfilled CANCELED/EXPIRED orders vanish from the query after 3 days, not 90.
    expect(binanceUsdm.reconcile.findableForMs).toBe(3 * 24 * 60 * 60 * 1000);
  });

  it('marks each rule that rests on an undocumented reading', () => {
    const unverified = binanceUsdm.errors.filter((rule) => rule.unverified === true).map((rule) => rule.match);
    expect(unverified).toEqual([{ status: 409 }, { code: '-1001' }]);
  });

  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(binanceUsdm))).toEqual(binanceUsdm);
  });
});

describe('binanceUsdm rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(binanceUsdm, cases)).toEqual([]);
  });
});

describe('binanceUsdm: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(binanceUsdm.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'weight-1m', limit: 2_400, windowMs: 60_000, unit: 'weight', per: 'ip', writeCost: 0, readCost: 1, usageHeader: 'x-mbx-used-weight-1m' },
      { id: 'orders-1m', limit: 1_200, windowMs: 60_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0, usageHeader: 'x-mbx-order-count-1m' },
      { id: 'orders-10s', limit: 300, windowMs: 10_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0, usageHeader: 'x-mbx-order-count-10s' },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of binanceUsdm.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/usds-margined-futures/);
  });

  it('the counters agree with the usage headers that report them', () => {
    for (const limit of binanceUsdm.rateLimit.limits ?? []) {
      if (limit.usageHeader === undefined) continue;
      const usage = binanceUsdm.rateLimit.usage?.find((u) => u.header === limit.usageHeader);
      expect(usage, limit.id).toMatchObject({ limit: limit.limit, windowMs: limit.windowMs });
    }
  });
});
