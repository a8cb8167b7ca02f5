import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { binanceUsdm } from '../../../src/venues/binance-usdm.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Messages are the ones on the USDⓈ-M "General Info" (HTTP Return Codes, HTTP 503
// variants) and "Error Codes" pages; bodies follow their `{ "code", "msg" }` payload.
const cases: readonly Case[] = [
  {
    label: 'order accepted (RESULT body has no code)',
    status: 200,
    body: { orderId: 22542179, symbol: 'BTCUSDT', status: 'NEW', clientOrderId: '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', updateTime: 1566818724722 },
    expected: { kind: 'success' },
  },
  {
    label: '-4116 clientOrderId is duplicated (held by an open order)',
    status: 400,
    body: { code: -4116, msg: 'clientOrderId is duplicated' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '-4116', reason: 'binance-usdm -4116 clientOrderId is duplicated' },
  },
  {
    label: '503 "Service Unavailable." is a certain failure',
    status: 503,
    body: { code: -1000, msg: 'Service Unavailable.' },
    expected: { kind: 'retry', httpStatus: 503 },
  },
  {
    label: '503 "Internal error; unable to process your request" is a certain failure',
    status: 503,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'retry', venueCode: '-1001' },
  },
  {
    label: '503 -1008 request throttled by system-level protection is a certain failure',
    status: 503,
    body: { code: -1008, msg: 'Request throttled by system-level protection. Reduce-only/close-position orders are exempt. Please try again.' },
    expected: { kind: 'retry', venueCode: '-1008' },
  },
  {
    label: '503 "Unknown error, please check your request" may have executed',
    status: 503,
    body: { code: -1000, msg: 'Unknown error, please check your request or try again later.' },
    expected: { kind: 'unknown', httpStatus: 503 },
  },
  {
    label: '500 "Request occur unknown error." may have executed',
    status: 500,
    body: { code: -1000, msg: 'Request occur unknown error.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '"Service Unavailable." with a 500 is not the documented 503 failure',
    status: 500,
    body: { code: -1000, msg: 'Service Unavailable.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1001 with a 500: the 5xx rule wins over the code',
    status: 500,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1001 with a 400: not processed',
    status: 400,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'retry' },
  },
  { label: '5xx without body', status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  {
    label: '408 -1007 backend timeout',
    status: 408,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown', venueCode: '-1007' },
  },
  {
    label: '-1007 with a 400 stays unknown',
    status: 400,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1006 unexpected response',
    status: 400,
    body: { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1000 unknown error with a 400',
    status: 400,
    body: { code: -1000, msg: 'An unknown error occured while processing the request.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1008 "Server is currently overloaded" (not documented as a failure)',
    status: 400,
    body: { code: -1008, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' },
    expected: { kind: 'unknown', venueCode: '-1008' },
  },
  {
    label: '-1021 outside recvWindow',
    status: 400,
    body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
    expected: { kind: 'resign', venueCode: '-1021' },
  },
  {
    label: '-5028 outside the matching engine recvWindow',
    status: 400,
    body: { code: -5028, msg: 'Timestamp for this request is outside of the ME recvWindow.' },
    expected: { kind: 'resign', venueCode: '-5028' },
  },
  {
    label: '418 IP ban with Retry-After',
    status: 418,
    body: { code: -1003, msg: 'Way too many requests; IP banned until 1749000000000. Please use the websocket for live updates to avoid bans.' },
    headers: { 'Retry-After': '600' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  {
    label: '418 without Retry-After waits the shortest documented ban (2 min)',
    status: 418,
    body: { code: -1003, msg: 'Way too many requests; IP banned until 1749000000000.' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 },
  },
  {
    label: '429 request weight exceeded (usage headers present)',
    status: 429,
    body: { code: -1003, msg: 'Too many requests; current limit is 2400 requests per minute.' },
    headers: { 'Retry-After': '12', 'X-MBX-USED-WEIGHT-1M': '2401' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 12_000 },
  },
  {
    label: '429 without a Binance body still stops the whole venue',
    status: 429,
    body: '',
    headers: { 'Retry-After': '3' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 3_000 },
  },
  {
    label: '403 WAF limit (HTML body)',
    status: 403,
    body: '<html><body>403 Forbidden</body></html>',
    expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 403 },
  },
  {
    label: '-1015 too many new orders with a 400',
    status: 400,
    body: { code: -1015, msg: 'Too many new orders; current limit is 300 orders per TEN_SECONDS.' },
    expected: { kind: 'rateLimited', scope: 'venue', venueCode: '-1015' },
  },
  {
    label: '-4015 client order id not valid',
    status: 400,
    body: { code: -4015, msg: 'Client order id length should not be more than 36 chars' },
    expected: { kind: 'fatal', venueCode: '-4015' },
  },
  { label: '-2019 margin is insufficient', status: 400, body: { code: -2019, msg: 'Margin is insufficient.' }, expected: { kind: 'fatal' } },
  {
    label: '-5022 post-only order would take',
    status: 400,
    body: { code: -5022, msg: 'Due to the order could not be executed as maker, the Post Only order will be rejected.' },
    expected: { kind: 'fatal' },
  },
  { label: '-2013 order does not exist (lookup miss)', status: 400, body: { code: -2013, msg: 'Order does not exist.' }, expected: { kind: 'fatal', venueCode: '-2013' } },
  {
    label: '-2015 key, IP or permission rejected',
    status: 401,
    body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
    expected: { kind: 'fatal' },
  },
];


describe('binanceUsdm error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(binanceUsdm, respond(status, body, headers), NOW)).toMatchObject(expected);
  });


  it('keeps a source note on every rule', () => {
    for (const rule of binanceUsdm.errors) expect(rule.note).toMatch(/developers\.binance\.com/);
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

  it('uses the official regex, which needs no u flag and admits . : /', () => {
    const pattern = new RegExp(binanceUsdm.key.format.pattern ?? '');
    expect(pattern.test('a.b:c/d_e-F9')).toBe(true);
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

  it('trusts a miss only after the request window and only within 3 days', () => {
    expect(binanceUsdm.dedupe).toEqual({ kind: 'openOrders' });
    expect(binanceUsdm.reconcile.notFoundIsAuthoritative).toBe(true);
    expect(binanceUsdm.reconcile.settleDelayMs).toBeGreaterThanOrEqual(60_000 + 1_000);
    // Unfilled CANCELED/EXPIRED orders vanish from the query after 3 days, not 90.
    expect(binanceUsdm.reconcile.findableForMs).toBe(3 * 24 * 60 * 60 * 1000);
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
