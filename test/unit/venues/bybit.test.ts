import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { buildLookupRequest, readDotted } from '../../../src/client/lookup-request.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { bybit } from '../../../src/venues/bybit.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Bybit's envelope: every business answer is HTTP 200 with retCode/retMsg (docs/v5/guide.mdx). */
function envelope(retCode: number, retMsg: string, result: unknown = {}): unknown {
  return { retCode, retMsg, result, retExtInfo: {}, time: 1672211918471 };
}

// Payloads: retCodes and messages from bybit-exchange/docs@072c197 docs/v5/error.mdx (UTA
// and Spot Trade tables), HTTP statuses from its "HTTP Code" table and
// docs/v5/rate-limit/rate-limit.mdx. One row at least for every rule, plus the codes
// deliberately left to the catch-all.
const ERR = 'bybit-exchange/docs@072c197 docs/v5/error.mdx';
const UTA = `${ERR} UTA`;
const SPOT = `${ERR} Spot Trade`;
const HTTP = `${ERR} HTTP Code`;
const RATE = 'bybit-exchange/docs@072c197 docs/v5/rate-limit/rate-limit.mdx API Rate Limit';
const CREATE = 'bybit-exchange/docs@072c197 docs/v5/order/create-order.mdx Response Example';
const REALTIME = 'bybit-exchange/docs@072c197 docs/v5/order/open-order.mdx Response Example';

/** A row for a retCode inside HTTP 200. */
function code(retCode: number, retMsg: string, source: string, expected: Case['expected'], label?: string): Case {
  return { label: label ?? `${retCode} ${retMsg}`, source, status: 200, body: envelope(retCode, retMsg), expected: { venueCode: String(retCode), ...expected } };
}

const fatal = { kind: 'fatal' } as const;
const unknown = { kind: 'unknown' } as const;

const cases: readonly Case[] = [
  // ---- success ----
  {
    label: 'order accepted',
    source: CREATE,
    status: 200,
    body: envelope(0, 'OK', { orderId: '1321003749386327552', orderLinkId: 'spot-test-postonly' }),
    expected: { kind: 'success', venueCode: '0' },
  },
  {
    label: 'lookup answered with an empty list is still a success (foundPath decides)',
    source: REALTIME,
    status: 200,
    body: envelope(0, 'OK', { list: [], nextPageCursor: '', category: 'linear' }),
    expected: { kind: 'success' },
  },

  // ---- rate limits ----
  {
    label: 'HTTP 403 access too frequent: IP ban, wait 10 minutes',
    source: `${RATE} (HTTP IP limit); ${HTTP} 403`,
    status: 403,
    body: 'access too frequent',
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  {
    label: 'HTTP 403 with a reset header equal to now still waits 10 minutes',
    source: `${RATE} (X-Bapi-Limit-Reset-Timestamp); ${HTTP} 403`,
    status: 403,
    body: '',
    headers: { 'X-Bapi-Limit-Reset-Timestamp': String(NOW), 'X-Bapi-Limit-Status': '5', 'X-Bapi-Limit': '10' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 },
  },
  { label: 'HTTP 429 system level frequency protection', source: `${HTTP} 429`, status: 429, body: '', expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 429 } },
  {
    label: '10006 Too many visits (per-UID limit, one-second window)',
    source: `${RATE} 10006; ${UTA} 10006`,
    status: 200,
    body: envelope(10006, 'Too many visits!'),
    headers: { 'X-Bapi-Limit-Status': '0', 'X-Bapi-Limit': '10', 'X-Bapi-Limit-Reset-Timestamp': String(NOW + 400) },
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 1_000, venueCode: '10006' },
  },
  code(10018, 'Exceeded the IP Rate Limit.', `${UTA} 10018 (struck through)`, { kind: 'rateLimited', scope: 'venue', retryAfterMs: 600_000 }),
  code(170005, 'Too many new orders; current limit is 20 orders per SECOND.', `${SPOT} 170005`, { kind: 'rateLimited', scope: 'request' }),
  code(170222, 'Too many requests in this time frame.', `${SPOT} 170222`, { kind: 'rateLimited', scope: 'request' }),
  code(30035, 'Option: Too fast to cancel, Try it later', `${UTA} 30035`, { kind: 'rateLimited', scope: 'request' }),

  // ---- re-sign ----
  code(10002, 'The request time exceeds the time window range.', `${UTA} 10002`, { kind: 'resign' }),
  code(
    10002,
    'invalid request, please check your server timestamp or recv_window param. req_timestamp[1706972576658],server_timestamp[1706972587026],recv_window[5000]',
    'bybit-exchange/pybit issue #191 (v5 10002 message); docs/v5/guide.mdx recv_window rule',
    { kind: 'resign' },
    '10002 with the live recv_window message',
  ),
  code(10002, 'Something else entirely', `${UTA} 10002 (negative control: message not about the time window)`, unknown, '10002 with another message: unknown'),
  code(-1, 'request expired: o@0, now[1672211918471] diff[6001]', `${UTA} -1`, { kind: 'resign' }),
  code(-1, '', 'bybit-exchange/bybit-official-api-docs issue #34 (-1 with an empty message); negative control', unknown, '-1 with an empty message: unknown'),
  code(-1, 'System error', `${UTA} -1 (negative control: another message)`, unknown, '-1 with another message: unknown'),

  // ---- an order with this id exists ----
  {
    label: '110072 OrderLinkedID is duplicate (derivatives)',
    source: `${UTA} 110072`,
    status: 200,
    body: envelope(110072, 'OrderLinkedID is duplicate'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '110072', reason: 'bybit 110072 OrderLinkedID is duplicate' },
  },
  code(170141, 'Duplicate clientOrderId', `${SPOT} 170141`, { kind: 'conflict', conflict: 'duplicate' }),
  code(10014, 'Invalid duplicate request.', `${UTA} 10014 (meaning unverified)`, { kind: 'conflict', conflict: 'duplicate' }),

  // ---- refused for now: resend ----
  code(110079, 'The order is processing and can not be operated, please try again later', `${UTA} 110079`, { kind: 'retry' }),
  code(170191, 'Can not cancel order, please try again later', `${SPOT} 170191`, { kind: 'retry' }),
  code(110114, 'You have a Spread trading order in progress. Please try again later', `${UTA} 110114 (reading unverified)`, { kind: 'retry' }),

  // ---- fatal, one row per reason group (and a few more) ----
  code(10003, 'API key is invalid.', `${UTA} 10003`, fatal),
  code(10004, 'Error sign, please check your signature generation algorithm.', `${UTA} 10004`, fatal),
  code(33004, 'Your api key has expired', `${UTA} 33004`, fatal),
  code(10027, 'Transactions are banned.', `${UTA} 10027`, fatal),
  code(110132, 'Product not available in your region', `${UTA} 110132`, fatal),
  code(10028, 'The API can only be accessed by unified account users.', `${UTA} 10028`, fatal),
  code(170036, "You haven't enabled Cross Margin Trading yet.", `${SPOT} 170036`, fatal),
  code(10001, 'Request parameter error', `${UTA} 10001`, fatal),
  code(10001, 'params error: side invalid', `${UTA} 10001 (a "params error" variant is still a parameter refusal)`, fatal, '10001 params error variant'),
  code(170121, 'Invalid symbol.', `${SPOT} 170121`, fatal),
  code(10029, 'The requested symbol is invalid, please check symbol whitelist', `${UTA} 10029`, fatal),
  code(110074, 'This contract is not live', `${UTA} 110074`, fatal),
  code(170157, 'The trading pair is not available for api trading', `${SPOT} 170157`, fatal),
  code(110003, 'Order price exceeds the allowable range.', `${UTA} 110003`, fatal),
  code(110094, 'Order notional value below the lower limit', `${UTA} 110094`, fatal),
  code(170136, 'Order quantity lower than the minimum.', `${SPOT} 170136`, fatal),
  code(170197, 'Your order quantity to buy is too large. The filled price may deviate significantly from the market price. Please try again', `${SPOT} 170197 (reading unverified)`, fatal),
  code(110007, 'Available balance is insufficient', `${UTA} 110007`, fatal),
  code(170131, 'Balance insufficient', `${SPOT} 170131`, fatal),
  code(110020, 'Not allowed to have more than 500 active orders.', `${UTA} 110020`, fatal),
  code(110040, 'The order will trigger a forced liquidation, please re-submit the order.', `${UTA} 110040`, fatal),
  code(30135, 'The leverage you select for USDT Perpetual trading cannot exceed the maximum leverage allowed by Institutional Lending.', `${UTA} 30135`, fatal),
  code(170215, 'Spot Trading (Buy) Restriction: The current LTV ratio of your institutional lending has reached the maximum allowable amount for buy orders', `${SPOT} 170215`, fatal),
  code(110001, 'Order does not exist', `${UTA} 110001`, fatal),
  code(170213, 'Order does not exist.', `${SPOT} 170213`, fatal),
  code(110008, 'The order has been completed or cancelled.', `${UTA} 110008`, fatal),
  code(170142, 'Order has been cancelled', `${SPOT} 170142`, fatal),
  code(170210, 'New order rejected.', `${SPOT} 170210`, fatal),
  code(170149, 'Create order failed', `${SPOT} 170149`, fatal),
  code(110024, 'You have an existing position, so the position mode cannot be switched.', `${UTA} 110024`, fatal),

  // ---- deliberately unknown: may have executed, or not said ----
  code(10000, 'Server Timeout', `${UTA} 10000`, unknown),
  code(10016, 'Server error.', `${UTA} 10016`, unknown),
  code(170007, 'Timeout waiting for response from backend server.', `${SPOT} 170007`, unknown),
  code(170146, 'Order creation timeout', `${SPOT} 170146`, unknown),
  code(170032, 'Network error. Please try again later', `${SPOT} 170032`, unknown),
  code(170035, 'Submitted to the system for processing!', `${SPOT} 170035`, unknown),
  code(170212, 'Cancel order request processing', `${SPOT} 170212`, unknown),
  code(170195, 'Please note that your order may not be filled. ETP buy order price deviates from risk control', `${SPOT} 170195`, unknown),
  code(40004, 'the order is modified during the process of replacing , please check the order status again', `${UTA} 40004`, unknown),
  code(110025, 'Position mode has not been modified.', `${UTA} 110025 (not modified: maybe by an earlier copy)`, unknown),
  code(3400214, 'Server error, please try again later', `${UTA} 3400214`, unknown),
  code(
    429,
    'The trading service is experiencing a high server load. Please retry if you encounter this issue.',
    `${UTA} 429`,
    unknown,
    'retCode 429 high server load: unknown (not said to be unprocessed)',
  ),
  code(999999, 'Something new', 'not in docs/v5/error.mdx: undocumented code falls to the catch-all', unknown, 'undocumented retCode: unknown'),
  { label: 'HTTP 502 from the gateway', source: 'generic 5xx rule (no Bybit doc for 502)', status: 502, body: '<html>Bad Gateway</html>', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  { label: 'HTTP 401 invalid request', source: `${HTTP} 401`, status: 401, body: '', expected: { kind: 'fatal' } },
  { label: 'HTTP 404 cannot find path', source: `${HTTP} 404`, status: 404, body: '', expected: { kind: 'fatal' } },
];


describe('bybit error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(bybit, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of bybit.errors) expect(rule.note).toMatch(/bybit-exchange\/docs/);
  });

  it('gives every row a docs source', () => {
    for (const row of cases) expect(row.source, row.label).toMatch(/\S/);
  });

  it('lists each retCode in at most one rule', () => {
    const seen = new Set<string>();
    for (const rule of bybit.errors) {
      const codes = rule.match.code === undefined ? [] : typeof rule.match.code === 'string' ? [rule.match.code] : rule.match.code;
      for (const each of codes) {
        expect(seen.has(each), each).toBe(false);
        seen.add(each);
      }
    }
  });

  it('re-signs -1 and 10002 only with their time-window messages', () => {
    for (const rule of bybit.errors.filter((each) => each.outcome === 'resign')) {
      expect(rule.match.message, JSON.stringify(rule.match)).toBeDefined();
    }
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

  it('falls back to the order history by orderLinkId when the realtime list misses', () => {
    expect(bybit.reconcile.fallbackLookups).toEqual([
      expect.objectContaining({
        method: 'GET',
        path: '/v5/order/history',
        keyIn: 'query',
        keyParam: 'orderLinkId',
        copyParams: ['category', 'symbol'],
        foundPath: 'result.list.0',
      }),
    ]);
  });

  it('builds the history lookup from the create body and reads a hit at result.list.0', () => {
    const [history] = bybit.reconcile.fallbackLookups ?? [];
    if (history === undefined) throw new Error('no fallback lookup');
    const original = { method: 'POST', url: '/v5/order/create', data: { category: 'linear', symbol: 'BTCUSDT', side: 'Buy', orderType: 'Market', qty: '1', orderLinkId: 'k' } };
    const built = buildLookupRequest(history, original, '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', undefined);
    expect(built).toEqual({
      kind: 'request',
      config: { method: 'GET', url: '/v5/order/history', params: { category: 'linear', symbol: 'BTCUSDT', orderLinkId: '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b' } },
      value: '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b',
    });
    // docs/v5/order/order-list.mdx response example shape: result.list of orders.
    const hit = envelope(0, 'OK', { list: [{ orderId: 'fd4300ae-7847-404e-b947-b46980a4d140', orderLinkId: 'YLxaWKMiHU', orderStatus: 'Filled' }], category: 'linear' });
    const miss = envelope(0, 'OK', { list: [], nextPageCursor: '', category: 'linear' });
    expect(readDotted(hit, history.foundPath ?? '')).toBeDefined();
    expect(readDotted(miss, history.foundPath ?? '')).toBeUndefined();
  });

  it('without a category or symbol in the request, the history lookup is not sent', () => {
    const [history] = bybit.reconcile.fallbackLookups ?? [];
    if (history === undefined) throw new Error('no fallback lookup');
    const built = buildLookupRequest(history, { method: 'POST', url: '/v5/order/create', data: { symbol: 'BTCUSDT' } }, 'k', undefined);
    expect(built.kind).toBe('unavailable');
  });

  it('derives the settle delay from X-BAPI-RECV-WINDOW (default 5000 ms, 1000 ms ahead, no documented maximum)', () => {
    expect(bybit.reconcile.requestWindow).toEqual({
      in: 'header',
      field: 'X-BAPI-RECV-WINDOW',
      defaultMs: 5_000,
      aheadMs: 1_000,
      note: expect.stringMatching(/guide\.mdx/) as unknown,
    });
    expect(bybit.reconcile.requestWindow?.maxMs).toBeUndefined();
  });

  it('keeps a conservative fallback settle delay covering the largest window in a docs example (100 s)', () => {
    const window = bybit.reconcile.requestWindow;
    if (window === undefined) throw new Error('no request window');
    expect(bybit.reconcile.settleDelayMs).toBeGreaterThanOrEqual(100_000 + window.aheadMs);
    expect(bybit.about?.unverified?.some((line) => line.startsWith('reconcile.settleDelayMs'))).toBe(true);
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

describe('bybit: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(bybit.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'ip-5s', limit: 600, windowMs: 5_000, unit: 'requests', per: 'ip', writeCost: 1, readCost: 1 },
      { id: 'order-create-1s', limit: 10, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 0 },
      { id: 'order-realtime-1s', limit: 50, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 0, readCost: 1 },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of bybit.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/docs\/v5\/rate-limit\/rate-limit\.mdx/);
  });
});
