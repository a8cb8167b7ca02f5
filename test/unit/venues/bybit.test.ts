import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { bybit } from '../../../src/venues/bybit.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Bybit's envelope: every business answer is HTTP 200 with retCode/retMsg (docs/v5/guide.mdx). */
function envelope(retCode: number, retMsg: string, result: unknown = {}): unknown {
  return { retCode, retMsg, result, retExtInfo: {}, time: 1672211918471 };
}

// retCodes and messages from bybit-exchange/docs docs/v5/error.mdx; HTTP statuses from
// its "HTTP Code" table and docs/v5/rate-limit/rate-limit.mdx.
const cases: readonly Case[] = [
  {
    label: 'order accepted (create-order.mdx response)',
    status: 200,
    body: envelope(0, 'OK', { orderId: '1321003749386327552', orderLinkId: 'spot-test-postonly' }),
    expected: { kind: 'success', venueCode: '0' },
  },
  {
    label: 'lookup answered with an empty list is still a success (foundPath decides)',
    status: 200,
    body: envelope(0, 'OK', { list: [], nextPageCursor: '', category: 'linear' }),
    expected: { kind: 'success' },
  },
  {
    label: '110072 OrderLinkedID is duplicate (derivatives)',
    status: 200,
    body: envelope(110072, 'OrderLinkedID is duplicate'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '110072', reason: 'bybit 110072 OrderLinkedID is duplicate' },
  },
  {
    label: '170141 Duplicate clientOrderId (spot)',
    status: 200,
    body: envelope(170141, 'Duplicate clientOrderId'),
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  {
    label: '10014 Invalid duplicate request (unverified meaning)',
    status: 200,
    body: envelope(10014, 'Invalid duplicate request.'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '10014' },
  },
  {
    label: 'HTTP 403 access too frequent: IP ban, wait 10 minutes',
    status: 403,
    body: 'access too frequent',
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  {
    label: 'HTTP 403 with a reset header equal to now still waits 10 minutes',
    status: 403,
    body: '',
    headers: { 'X-Bapi-Limit-Reset-Timestamp': String(NOW), 'X-Bapi-Limit-Status': '5', 'X-Bapi-Limit': '10' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  {
    label: 'HTTP 429 system level frequency protection',
    status: 429,
    body: '',
    expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 429 },
  },
  {
    label: '10006 Too many visits (per-UID limit, one-second window)',
    status: 200,
    body: envelope(10006, 'Too many visits!'),
    headers: { 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Reset-Timestamp': String(NOW + 400) },
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 1_000, venueCode: '10006' },
  },
  {
    label: '170005 too many new orders (spot)',
    status: 200,
    body: envelope(170005, 'Too many new orders; current limit is 20 orders per SECOND.'),
    expected: { kind: 'rateLimited', scope: 'request' },
  },
  {
    label: '10002 request time outside the window',
    status: 200,
    body: envelope(10002, 'The request time exceeds the time window range.'),
    expected: { kind: 'resign', venueCode: '10002' },
  },
  {
    label: '-1 request expired',
    status: 200,
    body: envelope(-1, 'request expired: o@0, now[1672211918471] diff[6001]'),
    expected: { kind: 'resign', venueCode: '-1' },
  },
  {
    label: '110079 order is processing (amend/cancel refused)',
    status: 200,
    body: envelope(110079, 'The order is processing and can not be operated, please try again later'),
    expected: { kind: 'retry' },
  },
  { label: '10000 server timeout: unknown', status: 200, body: envelope(10000, 'Server Timeout'), expected: { kind: 'unknown', venueCode: '10000' } },
  { label: '10016 server error: unknown', status: 200, body: envelope(10016, 'Server error.'), expected: { kind: 'unknown' } },
  {
    label: '170007 backend timeout (spot): unknown',
    status: 200,
    body: envelope(170007, 'Timeout waiting for response from backend server.'),
    expected: { kind: 'unknown' },
  },
  { label: '170146 order creation timeout: unknown', status: 200, body: envelope(170146, 'Order creation timeout'), expected: { kind: 'unknown' } },
  {
    label: 'retCode 429 high server load: unknown (not said to be unprocessed)',
    status: 200,
    body: envelope(429, 'The trading service is experiencing a high server load. Please retry if you encounter this issue.'),
    expected: { kind: 'unknown', venueCode: '429' },
  },
  { label: '10003 API key is invalid', status: 200, body: envelope(10003, 'API key is invalid.'), expected: { kind: 'fatal', venueCode: '10003' } },
  {
    label: '10004 error sign',
    status: 200,
    body: envelope(10004, 'Error sign, please check your signature generation algorithm.'),
    expected: { kind: 'fatal' },
  },
  { label: '33004 API key expired (derivatives)', status: 200, body: envelope(33004, 'Your api key has expired'), expected: { kind: 'fatal' } },
  { label: '10027 transactions are banned', status: 200, body: envelope(10027, 'Transactions are banned.'), expected: { kind: 'fatal' } },
  { label: '10001 request parameter error', status: 200, body: envelope(10001, 'Request parameter error'), expected: { kind: 'fatal' } },
  { label: '170136 spot quantity below minimum', status: 200, body: envelope(170136, 'Order quantity lower than the minimum.'), expected: { kind: 'fatal' } },
  { label: '110007 available balance insufficient', status: 200, body: envelope(110007, 'Available balance is insufficient'), expected: { kind: 'fatal', venueCode: '110007' } },
  { label: '170131 balance insufficient (spot)', status: 200, body: envelope(170131, 'Balance insufficient'), expected: { kind: 'fatal' } },
  { label: '110001 order does not exist', status: 200, body: envelope(110001, 'Order does not exist'), expected: { kind: 'fatal', venueCode: '110001' } },
  { label: 'HTTP 502 from the gateway', status: 502, body: '<html>Bad Gateway</html>', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  { label: 'HTTP 401 invalid request', status: 401, body: '', expected: { kind: 'fatal' } },
];


describe('bybit error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(bybit, respond(status, body, headers), NOW)).toMatchObject(expected);
  });


  it('keeps a source note on every rule', () => {
    for (const rule of bybit.errors) expect(rule.note).toMatch(/bybit-exchange\/docs/);
  });
});

describe('bybit profile', () => {
  it('accepts the encoded venue key of a ULID, a UUID and a 255-character key', () => {
    const format = bybit.key.format;
    for (const key of ['01J9Z7Q7E8XK3M4N5P6Q7R8S9T', '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', 'k'.repeat(255)]) {
      const venueKey = encodeVenueKey(key, format);
      expect(checkVenueKey(venueKey, format), venueKey).toBeUndefined();
    }
  });

  it('puts orderLinkId in the JSON body with the documented charset and length', () => {
    expect(bybit.key).toMatchObject({ placement: 'body', field: 'orderLinkId' });
    const pattern = new RegExp(bybit.key.format.pattern ?? '');
    expect(pattern.test('spot-test_01')).toBe(true);
    expect(pattern.test('has.dot')).toBe(false);
    expect(pattern.test('a'.repeat(37))).toBe(false);
  });

  it('looks up by orderLinkId with category and symbol, found only with a non-empty list', () => {
    expect(bybit.reconcile.lookup).toMatchObject({
      method: 'GET',
      path: '/v5/order/realtime',
      keyIn: 'query',
      keyParam: 'orderLinkId',
      copyParams: ['category', 'symbol'],
      foundPath: 'result.list.0',
    });
  });

  it('does not trust a miss: the realtime cache of closed orders is cleared on restarts', () => {
    expect(bybit.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(bybit.dedupe).toEqual({ kind: 'openOrders' });
  });

  it('reads usage from X-Bapi-Limit-Status (remaining) with limit and ms reset headers', () => {
    expect(bybit.rateLimit.usage).toEqual([
      expect.objectContaining({
        header: 'x-bapi-limit-status',
        reports: 'remaining',
        limitHeader: 'x-bapi-limit',
        resetHeader: 'x-bapi-limit-reset-timestamp',
        resetUnit: 'epochMilliseconds',
      }),
    ]);
  });

  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(bybit))).toEqual(bybit);
  });
});

describe('bybit rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(bybit, cases)).toEqual([]);
  });
});
