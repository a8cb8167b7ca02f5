import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { gate } from '../../../src/venues/gate.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Gate's error envelope (apiv4 en.md, "Error Handling"): a label and a message. */
function labelled(label: string, message: string): unknown {
  return { label, message };
}

// Labels and messages from the apiv4 label list; statuses from its Return Status table.
const cases: readonly Case[] = [
  {
    label: 'order created (201, spot order body)',
    source: 'gate apiv4 en/spot.md Create an order (201 response)',
    status: 201,
    body: { id: '12332324', text: 't-123456', create_time: '1548000000', status: 'open', currency_pair: 'ETH_BTC', type: 'limit', side: 'buy', amount: '1', price: '5.00032' },
    expected: { kind: 'success' },
  },
  {
    label: '202 accepted, processing not done: unknown',
    source: 'gate apiv4 en.md Return Status 202',
    status: 202,
    body: { id: '12332324', text: 't-123456', status: 'open' },
    expected: { kind: 'unknown', httpStatus: 202, reason: 'HTTP 202' },
  },
  {
    label: '429 TOO_MANY_REQUESTS waits until X-Gate-RateLimit-Reset-Timestamp',
    source: 'gate apiv4 en.md Rate Limit (X-Gate-RateLimit-Reset-Timestamp once exceeded) and label list TOO_MANY_REQUESTS',
    status: 429,
    body: labelled('TOO_MANY_REQUESTS', 'Request rate exceeds limits'),
    headers: { 'X-Gate-RateLimit-Requests-Remain': '0', 'X-Gate-RateLimit-Limit': '10', 'X-Gate-RateLimit-Reset-Timestamp': String(Math.floor(NOW / 1000) + 7) },
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 7_000, venueCode: 'TOO_MANY_REQUESTS' },
  },
  {
    label: '429 without a reset header waits one 10 s window',
    source: 'gate apiv4 en.md Return Status 429; label list TOO_MANY_REQUESTS',
    status: 429,
    body: labelled('TOO_MANY_REQUESTS', 'Request rate exceeds limits'),
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 10_000 },
  },
  {
    label: '429 whose reset timestamp is in milliseconds (out of range as seconds) falls back to 10 s',
    source: 'gate apiv4 en.md Rate Limit (unit of the reset timestamp not stated: negative control)',
    status: 429,
    body: labelled('TOO_MANY_REQUESTS', 'Request rate exceeds limits'),
    headers: { 'X-Gate-RateLimit-Reset-Timestamp': String(NOW + 7_000) },
    expected: { kind: 'rateLimited', retryAfterMs: 10_000 },
  },
  {
    label: '429 with Retry-After uses the header',
    source: 'RFC 9110 §10.2.3 Retry-After on a Gate 429 (apiv4 en.md Return Status 429)',
    status: 429,
    body: labelled('TOO_MANY_REQUESTS', 'Request rate exceeds limits'),
    headers: { 'Retry-After': '2' },
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
  },
  {
    label: 'REQUEST_EXPIRED: Timestamp too far from server time',
    source: 'gate apiv4 en.md label list (Authentication) REQUEST_EXPIRED',
    status: 401,
    body: labelled('REQUEST_EXPIRED', 'Request Timestamp is far from the server time'),
    expected: { kind: 'resign', venueCode: 'REQUEST_EXPIRED' },
  },
  {
    label: 'ORDER_EXISTS: order already exists, do not resubmit',
    source: 'gate apiv4 en.md label list ORDER_EXISTS (wallet section)',
    status: 400,
    body: labelled('ORDER_EXISTS', 'Order already exists, do not resubmit'),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: 'ORDER_EXISTS' },
  },
  {
    label: 'DUPLICATE_REQUEST',
    source: 'gate apiv4 en.md label list DUPLICATE_REQUEST (wallet section)',
    status: 400,
    body: labelled('DUPLICATE_REQUEST', 'Duplicate request'),
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  { label: 'SERVER_ERROR with 500', source: 'gate apiv4 en.md label list (server errors) SERVER_ERROR', status: 500, body: labelled('SERVER_ERROR', 'Internal server error'), expected: { kind: 'unknown', venueCode: 'SERVER_ERROR' } },
  {
    label: 'TOO_BUSY stays unknown even with a 4xx status (status per label undocumented)',
    source: 'gate apiv4 en.md label list (server errors) TOO_BUSY',
    status: 400,
    body: labelled('TOO_BUSY', 'Server is too busy at the moment'),
    expected: { kind: 'unknown', venueCode: 'TOO_BUSY' },
  },
  {
    label: 'INTERNAL_SERVER_ERROR with a 4xx status stays unknown',
    source: 'gate apiv4 en.md label list (server errors) INTERNAL_SERVER_ERROR',
    status: 400,
    body: labelled('INTERNAL_SERVER_ERROR', 'Operation failed, please try again later.'),
    expected: { kind: 'unknown' },
  },
  { label: 'BALANCE_NOT_ENOUGH', source: 'gate apiv4 en.md label list BALANCE_NOT_ENOUGH', status: 400, body: labelled('BALANCE_NOT_ENOUGH', 'Balance is not enough'), expected: { kind: 'fatal', venueCode: 'BALANCE_NOT_ENOUGH' } },
  { label: 'INVALID_PARAM_VALUE', source: 'gate apiv4 en.md label list INVALID_PARAM_VALUE', status: 400, body: labelled('INVALID_PARAM_VALUE', 'Invalid parameter value'), expected: { kind: 'fatal' } },
  { label: 'INVALID_SIGNATURE', source: 'gate apiv4 en.md label list INVALID_SIGNATURE', status: 401, body: labelled('INVALID_SIGNATURE', 'Invalid signature'), expected: { kind: 'fatal' } },
  {
    label: 'POC_FILL_IMMEDIATELY: post-only order would take',
    source: 'gate apiv4 en.md label list POC_FILL_IMMEDIATELY',
    status: 400,
    body: labelled('POC_FILL_IMMEDIATELY', "Order would match and take immediately so it's cancelled"),
    expected: { kind: 'fatal' },
  },
  { label: 'ORDER_NOT_FOUND (lookup miss)', source: 'gate apiv4 en.md label list ORDER_NOT_FOUND', status: 404, body: labelled('ORDER_NOT_FOUND', 'Order not found'), expected: { kind: 'fatal', venueCode: 'ORDER_NOT_FOUND' } },
  { label: '5xx without body', source: 'negative control: no Gate body; GENERIC_RULES 5xx', status: 504, body: '', expected: { kind: 'unknown', reason: 'HTTP 504' } },
];


describe('gate error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(gate, respond(status, body, headers), NOW)).toMatchObject(expected);
  });


  it('keeps a source note on every rule', () => {
    for (const rule of gate.errors) expect(rule.note).toMatch(/crypto-api-docs/);
  });
});

describe('gate profile', () => {
  it('hashes every intent key behind the t- prefix, within 30 characters', () => {
    const format = gate.key.format;
    for (const key of ['01J9Z7Q7E8XK3M4N5P6Q7R8S9T', '0190f3a2-7c1e-7d3b-9a4f-1c2d3e4f5a6b', 'k'.repeat(255)]) {
      const venueKey = encodeVenueKey(key, format);
      expect(venueKey).toMatch(/^t-/);
      expect(venueKey).toHaveLength(30);
      expect(checkVenueKey(venueKey, format), venueKey).toBeUndefined();
    }
  });

  it('accepts the documented charset and refuses a text without the prefix', () => {
    const pattern = new RegExp(gate.key.format.pattern ?? '');
    expect(pattern.test('t-abc.DEF_1-2')).toBe(true);
    expect(pattern.test('abc123')).toBe(false);
    expect(pattern.test(`t-${'a'.repeat(29)}`)).toBe(false);
  });

  it('looks the order up by text in the path, copying currency_pair', () => {
    expect(gate.reconcile.lookup).toMatchObject({ method: 'GET', path: '/api/v4/spot/orders/{key}', keyIn: 'path', copyParams: ['currency_pair'] });
    expect(gate.reconcile.notFoundCodes).toEqual(['ORDER_NOT_FOUND']);
  });

  it('claims no deduplication and does not trust a miss', () => {
    expect(gate.dedupe).toEqual({ kind: 'none' });
    expect(gate.reconcile.notFoundIsAuthoritative).toBe(false);
  });

  it('reads usage from X-Gate-RateLimit-Requests-Remain with the limit and reset headers', () => {
    expect(gate.rateLimit.usage).toEqual([
      expect.objectContaining({
        header: 'x-gate-ratelimit-requests-remain',
        reports: 'remaining',
        limitHeader: 'x-gate-ratelimit-limit',
        resetHeader: 'x-gate-ratelimit-reset-timestamp',
      }),
    ]);
  });

  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(gate))).toEqual(gate);
  });
});

describe('gate rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(gate, cases)).toEqual([]);
  });
});

describe('gate: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(gate.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'spot-order-1s', limit: 10, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 0 },
      { id: 'spot-other-10s', limit: 200, windowMs: 10_000, unit: 'requests', per: 'account', writeCost: 0, readCost: 1 },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of gate.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/docs\/gateio\/apiv4\/en\.md \(Frequency limit rule/);
  });
});
