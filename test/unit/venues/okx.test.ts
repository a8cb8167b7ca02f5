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
    status: 200,
    body: placed('0', '', '0', 'Order placed'),
    expected: { kind: 'success', venueCode: '0' },
  },
  {
    label: 'lookup hit: code "0", order object without sCode',
    status: 200,
    body: { code: '0', msg: '', data: [{ instId: 'BTC-USDT', clOrdId: 'b15', ordId: '312269865356374016', state: 'filled' }] },
    expected: { kind: 'success' },
  },
  {
    label: '51016 clOrdId already exists, inside code "1"',
    status: 200,
    body: placed('1', 'All operations failed', '51016', 'Client order ID already exists.'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '51016', reason: 'okx 51016 Client order ID already exists.' },
  },
  {
    label: '50071 {param} already exists',
    status: 200,
    body: failed('50071', 'clOrdId already exists'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '50071' },
  },
  {
    label: '50042 repeated request (unverified meaning)',
    status: 200,
    body: failed('50042', 'Repeated request'),
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  {
    label: '51008 insufficient balance, inside code "1"',
    status: 200,
    body: placed('1', 'All operations failed', '51008', 'Order failed. Insufficient USDT balance in account'),
    expected: { kind: 'fatal', venueCode: '51008', venueMessage: 'Order failed. Insufficient USDT balance in account' },
  },
  { label: '51131 insufficient balance', status: 200, body: placed('1', 'All operations failed', '51131', 'Insufficient balance.'), expected: { kind: 'fatal' } },
  {
    label: '51121 not a multiple of the lot size',
    status: 200,
    body: placed('1', 'All operations failed', '51121', 'Order quantity must be a multiple of the lot size.'),
    expected: { kind: 'fatal', venueCode: '51121' },
  },
  { label: '51000 parameter error (HTTP 400)', status: 400, body: failed('51000', 'Parameter clOrdId error'), expected: { kind: 'fatal' } },
  {
    label: '50037 order expired (expTime passed before processing)',
    status: 200,
    body: placed('1', 'All operations failed', '50037', 'Order expired.'),
    expected: { kind: 'fatal', venueCode: '50037' },
  },
  {
    label: '50004 endpoint timeout with HTTP 400 is unknown, not fatal',
    status: 400,
    body: failed('50004', 'API endpoint request timeout (does not mean that the request was successful or failed, please check the request result).'),
    expected: { kind: 'unknown', venueCode: '50004' },
  },
  {
    label: '51149 order timed out (HTTP 500)',
    status: 500,
    body: failed('51149', 'Order timed out. Please try again.'),
    expected: { kind: 'unknown', venueCode: '51149' },
  },
  {
    label: '51149 inside code "1" with HTTP 200 stays unknown',
    status: 200,
    body: placed('1', 'All operations failed', '51149', 'Order timed out. Please try again.'),
    expected: { kind: 'unknown' },
  },
  { label: '50001 service temporarily unavailable (HTTP 503)', status: 503, body: failed('50001', 'Service temporarily unavailable. Please try again later.'), expected: { kind: 'unknown' } },
  { label: '50026 system error (HTTP 500)', status: 500, body: failed('50026', 'System error. Try again later'), expected: { kind: 'unknown' } },
  {
    label: '50011 rate limit reached (HTTP 200)',
    status: 200,
    body: failed('50011', 'Rate limit reached. Please refer to API documentation and throttle requests accordingly.'),
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 2_000, venueCode: '50011' },
  },
  {
    label: '50011 too many requests (HTTP 429)',
    status: 429,
    body: failed('50011', 'Too Many Requests'),
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 2_000 },
  },
  {
    label: '50061 sub-account order rate limit',
    status: 200,
    body: placed('1', 'All operations failed', '50061', "You've reached the maximum order rate limit for this account."),
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
  },
  {
    label: '50013 systems are busy (HTTP 429): the whole venue waits',
    status: 429,
    body: failed('50013', 'Systems are busy. Please try again later.'),
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: '50102 timestamp request expired (HTTP 401)',
    status: 401,
    body: failed('50102', 'Timestamp request expired.'),
    expected: { kind: 'resign', venueCode: '50102' },
  },
  { label: '50113 invalid signature (HTTP 401)', status: 401, body: failed('50113', 'Invalid signature.'), expected: { kind: 'fatal' } },
  { label: '51603 order does not exist (lookup miss)', status: 200, body: failed('51603', 'Order does not exist.'), expected: { kind: 'fatal', venueCode: '51603' } },
  { label: 'HTTP 502 without body', status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
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
