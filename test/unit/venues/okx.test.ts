import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { okx } from '../../../src/venues/okx.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** A place-order answer (trading-trade-post-place-order.md): top-level code, one result per order. */
function placed(code: string, msg: string, sCode: string, sMsg: string): unknown {
  return {
    code,
    msg,
    data: [{ clOrdId: 'b15', ordId: sCode === '0' ? '312269865356374016' : '', tag: '', ts: '1695190491421', sCode, sMsg, subCode: '' }],
    inTime: '1695190491421339',
    outTime: '1695190491423240',
  };
}

/** A request-level error: code and msg, empty data (error-code table shapes). */
function failed(code: string, msg: string): unknown {
  return { code, msg, data: [] };
}

// Codes, messages and HTTP statuses from the OKX v5 error-code table
// (docs/okx/error/code/rest-api-public.md in the mirror).
const cases: readonly Case[] = [
  {
    label: 'order placed: code "0" and sCode "0"',
    source: 'okx docs-v5 order/book/trading-trade-post-place-order.md response example (sCode 0)',
    status: 200,
    body: placed('0', '', '0', 'Order placed'),
    expected: { kind: 'success', venueCode: '0' },
  },
  {
    label: 'lookup hit: code "0", order object without sCode',
    source: 'okx docs-v5 order/book/trading-trade-get-order-details.md response',
    status: 200,
    body: { code: '0', msg: '', data: [{ instId: 'BTC-USDT', clOrdId: 'b15', ordId: '312269865356374016', state: 'filled' }] },
    expected: { kind: 'success' },
  },
  {
    label: '51016 clOrdId already exists, inside code "1"',
    source: 'okx docs-v5 error/code/rest-api-public.md 51016',
    status: 200,
    body: placed('1', 'All operations failed', '51016', 'Client order ID already exists.'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '51016', reason: 'okx 51016 Client order ID already exists.' },
  },
  {
    label: '50071 {param} already exists',
    source: 'okx docs-v5 error/code/rest-api-public.md 50071',
    status: 200,
    body: failed('50071', 'clOrdId already exists'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '50071' },
  },
  {
    label: '50042 repeated request (unverified meaning)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50042',
    status: 200,
    body: failed('50042', 'Repeated request'),
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  {
    label: '51008 insufficient balance, inside code "1"',
    source: 'okx docs-v5 order/book/trading-trade-ws-place-order.md failure example (sCode 51008, subCode 1000)',
    status: 200,
    body: placed('1', 'All operations failed', '51008', 'Order failed. Insufficient USDT balance in account'),
    expected: { kind: 'fatal', venueCode: '51008', venueMessage: 'Order failed. Insufficient USDT balance in account' },
  },
  { label: '51131 insufficient balance', source: 'okx docs-v5 error/code/rest-api-public.md 51131', status: 200, body: placed('1', 'All operations failed', '51131', 'Insufficient balance.'), expected: { kind: 'fatal' } },
  {
    label: '51121 not a multiple of the lot size',
    source: 'okx docs-v5 error/code/rest-api-public.md 51121',
    status: 200,
    body: placed('1', 'All operations failed', '51121', 'Order quantity must be a multiple of the lot size.'),
    expected: { kind: 'fatal', venueCode: '51121' },
  },
  { label: '51000 parameter error (HTTP 400)', source: 'okx docs-v5 error/code/rest-api-public.md 51000', status: 400, body: failed('51000', 'Parameter clOrdId error'), expected: { kind: 'fatal' } },
  {
    label: '50037 order expired (expTime passed before processing)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50037',
    status: 200,
    body: placed('1', 'All operations failed', '50037', 'Order expired.'),
    expected: { kind: 'fatal', venueCode: '50037' },
  },
  {
    label: '50004 endpoint timeout with HTTP 400 is unknown, not fatal',
    source: 'okx docs-v5 error/code/rest-api-public.md 50004',
    status: 400,
    body: failed('50004', 'API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).'),
    expected: { kind: 'unknown', venueCode: '50004' },
  },
  {
    label: '51149 order timed out (HTTP 500)',
    source: 'okx docs-v5 error/code/rest-api-public.md 51149',
    status: 500,
    body: failed('51149', 'Order timed out. Please try again.'),
    expected: { kind: 'unknown', venueCode: '51149' },
  },
  {
    label: '51149 inside code "1" with HTTP 200 stays unknown',
    source: 'okx docs-v5 error/code/rest-api-public.md 51149 (status as sent inside a place-order answer)',
    status: 200,
    body: placed('1', 'All operations failed', '51149', 'Order timed out. Please try again.'),
    expected: { kind: 'unknown' },
  },
  { label: '50001 service temporarily unavailable (HTTP 503)', source: 'okx docs-v5 error/code/rest-api-public.md 50001', status: 503, body: failed('50001', 'Service temporarily unavailable. Please try again later.'), expected: { kind: 'unknown' } },
  { label: '50026 system error (HTTP 500)', source: 'okx docs-v5 error/code/rest-api-public.md 50026', status: 500, body: failed('50026', 'System error. Try again later'), expected: { kind: 'unknown' } },
  {
    label: '50011 rate limit reached (HTTP 200)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50011 (HTTP 200)',
    status: 200,
    body: failed('50011', 'Rate limit reached. Please refer to API documentation and throttle requests accordingly.'),
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 2_000, venueCode: '50011' },
  },
  {
    label: '50011 too many requests (HTTP 429)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50011 (HTTP 429)',
    status: 429,
    body: failed('50011', 'Too Many Requests'),
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 2_000 },
  },
  {
    label: '50061 sub-account order rate limit',
    source: 'okx docs-v5 error/code/rest-api-public.md 50061',
    status: 200,
    body: placed('1', 'All operations failed', '50061', "You've reached the maximum order rate limit for this account."),
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
  },
  {
    label: '50013 systems are busy (HTTP 429): the whole venue waits',
    source: 'okx docs-v5 error/code/rest-api-public.md 50013',
    status: 429,
    body: failed('50013', 'Systems are busy. Please try again later.'),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: '50102 timestamp request expired (HTTP 401)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50102',
    status: 401,
    body: failed('50102', 'Timestamp request expired.'),
    expected: { kind: 'resign', venueCode: '50102' },
  },
  { label: '50113 invalid signature (HTTP 401)', source: 'okx docs-v5 error/code/rest-api-public.md 50113', status: 401, body: failed('50113', 'Invalid signature.'), expected: { kind: 'fatal' } },
  { label: '51603 order does not exist (lookup miss)', source: 'okx docs-v5 error/code/rest-api-public.md 51603', status: 200, body: failed('51603', 'Order does not exist.'), expected: { kind: 'fatal', venueCode: '51603' } },
  {
    label: '51004 position limit, sub-code 1101 in subCode',
    source: 'okx docs-v5 error/code/rest-api-public.md 51004_1101 and order/book/trading-trade-post-place-order.md subCode',
    status: 200,
    body: { code: '1', msg: 'All operations failed', data: [{ clOrdId: 'b15', ordId: '', tag: '', ts: '1695190491421', sCode: '51004', sMsg: 'Order failed.', subCode: '1101' }] },
    expected: { kind: 'fatal', venueCode: '51004' },
  },
  {
    label: '51008_1002 in the table notation (code and sub-code joined) is fatal too',
    source: 'okx docs-v5 error/code/rest-api-public.md 51008_1002 (sub-code format note at the top of the table)',
    status: 200,
    body: failed('51008_1002', 'Order failed. Insufficient USDT balance in account, and Auto Borrow is not enabled'),
    expected: { kind: 'fatal', venueCode: '51008_1002' },
  },
  {
    label: '50071 naming another parameter is not a clOrdId clash: unknown',
    source: 'okx docs-v5 error/code/rest-api-public.md 50071 ({param} filled with a parameter other than clOrdId)',
    status: 200,
    body: failed('50071', 'algoClOrdId already exists'),
    expected: { kind: 'unknown', venueCode: '50071' },
  },
  {
    label: '51020 below the minimum order amount',
    source: 'okx docs-v5 error/code/rest-api-public.md 51020',
    status: 200,
    body: placed('1', 'All operations failed', '51020', 'Your order should meet or exceed the minimum order amount.'),
    expected: { kind: 'fatal', venueCode: '51020' },
  },
  {
    label: '51001 instrument does not exist',
    source: 'okx docs-v5 error/code/rest-api-public.md 51001',
    status: 200,
    body: placed('1', 'All operations failed', '51001', "Instrument ID, Instrument ID code or Spread ID doesn't exist."),
    expected: { kind: 'fatal' },
  },
  {
    label: '51024 trading account is blocked',
    source: 'okx docs-v5 error/code/rest-api-public.md 51024',
    status: 200,
    body: placed('1', 'All operations failed', '51024', 'Trading account is blocked.'),
    expected: { kind: 'fatal' },
  },
  {
    label: '50007 user blocked (request-level, HTTP 200)',
    source: 'okx docs-v5 error/code/rest-api-public.md 50007',
    status: 200,
    body: failed('50007', 'User blocked.'),
    expected: { kind: 'fatal', venueCode: '50007' },
  },
  {
    label: '51054 request timed out (HTTP 500) stays unknown',
    source: 'okx docs-v5 error/code/rest-api-public.md 51054',
    status: 500,
    body: failed('51054', 'Request timed out. Please try again.'),
    expected: { kind: 'unknown' },
  },
  {
    label: 'an undocumented code inside code "1" stays unknown',
    source: 'okx docs-v5 error/code/rest-api-public.md (code 59999 is not in the table: negative control)',
    status: 200,
    body: placed('1', 'All operations failed', '59999', 'Something new'),
    expected: { kind: 'unknown', venueCode: '59999' },
  },
  { label: 'HTTP 502 without body', source: 'RFC 9110 §15.6.3 502 (no OKX body); GENERIC_RULES 5xx', status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
];


describe('okx error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(okx, respond(status, body, headers), NOW)).toMatchObject(expected);
  });


  it('reads sCode before code, so a per-order error is not hidden by code "1"', () => {
    expect(okx.response.codePaths).toEqual(['data.0.sCode', 'code']);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of okx.errors) expect(rule.note).toMatch(/crypto-api-docs/);
  });
});

describe('okx profile', () => {
  it('hashes every intent key into 32 alphanumerics', () => {
    const format = okx.key.format;
    for (const key of ['01J9Z7Q7E8XK3M4N5P6Q7R8S9T', '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', 'k'.repeat(255)]) {
      const venueKey = encodeVenueKey(key, format);
      expect(venueKey).toHaveLength(32);
      expect(checkVenueKey(venueKey, format), venueKey).toBeUndefined();
    }
    expect(new RegExp(format.pattern ?? '').test('0190f3a2-7c1e')).toBe(false);
  });

  it('looks up by clOrdId with the instId of the original request', () => {
    expect(okx.reconcile.lookup).toMatchObject({ method: 'GET', path: '/api/v5/trade/order', keyIn: 'query', keyParam: 'clOrdId', copyParams: ['instId'] });
    expect(okx.reconcile.notFoundCodes).toEqual(['51603']);
  });

  it('does not trust a miss without a request deadline', () => {
    expect(okx.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(okx.dedupe).toEqual({ kind: 'openOrders' });
  });

  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(okx))).toEqual(okx);
  });
});

describe('okx rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(okx, cases)).toEqual([]);
  });
});

describe('okx: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(okx.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'place-order-2s', limit: 60, windowMs: 2_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 0 },
      { id: 'order-details-2s', limit: 60, windowMs: 2_000, unit: 'requests', per: 'account', writeCost: 0, readCost: 1 },
      { id: 'sub-account-orders-2s', limit: 1_000, windowMs: 2_000, unit: 'orders', per: 'account', writeCost: 1, readCost: 0 },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of okx.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/docs\/okx\//);
  });
});
