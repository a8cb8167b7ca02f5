import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { defineVenue } from '../../../src/venues/index.js';
import { kucoin } from '../../../src/venues/kucoin.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Bodies use KuCoin's `{ code, msg }` / `{ code: "200000", data }` envelope; codes and
// statuses as in the rate-limit pages, the kucoin-api-docs error table and the cited reports.
const cases: readonly Case[] = [
  {
    label: 'HF order placed (code 200000 is a success code)',
    source: 'Kucoin/kucoin-universal-sdk openapi-spot-order.json POST /api/v1/hf/orders response; index.html.md Success (200000)',
    status: 200,
    body: { code: '200000', data: { orderId: '670fd33bf9406e0007ab3945', clientOid: '5c52e11203aa677f33e493fb' } },
    expected: { kind: 'success', venueCode: '200000' },
  },
  {
    label: '429000 resource pool used up, wait from gw-ratelimit-reset (ms)',
    source: 'kucoin.com/docs-new/rate-limit (429/429000, gw-ratelimit-reset in ms)',
    status: 429,
    body: { code: '429000', msg: 'Too Many Requests' },
    headers: { 'gw-ratelimit-limit': '4000', 'gw-ratelimit-remaining': '0', 'gw-ratelimit-reset': '1500' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 1_500, venueCode: '429000' },
  },
  {
    label: '429000 inside HTTP 200 (older node-overload wording)',
    source: 'Kucoin/kucoin-api-docs index.html.md Request Rate Limit item 3 (429000)',
    status: 200,
    body: { code: '429000', msg: 'Too many requests in a short period of time, please retry later.' },
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: '1015 Cloudflare IP limit blocks 30 s',
    source: 'Kucoin/kucoin-api-docs index.html.md Request Rate Limit item 1 (1015)',
    status: 429,
    body: { code: '1015', msg: 'cloudflare frequency limit according to IP, block 30s' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 },
  },
  {
    label: '200002 per-endpoint limit blocks 10 s',
    source: 'Kucoin/kucoin-api-docs index.html.md Request Rate Limit item 2 (200002; message wording unverified)',
    status: 200,
    body: { code: '200002', msg: 'Too many requests in a short period of time, please retry later--kucoin server' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 10_000 },
  },
  {
    label: '400002 KC-API-TIMESTAMP invalid',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 400002',
    status: 401,
    body: { code: '400002', msg: 'Invalid KC-API-TIMESTAMP' },
    expected: { kind: 'resign', venueCode: '400002' },
  },
  {
    label: '400005 signature invalid',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 400005',
    status: 401,
    body: { code: '400005', msg: 'Invalid KC-API-SIGN' },
    expected: { kind: 'fatal' },
  },
  {
    label: '400006 IP not whitelisted inside HTTP 200',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 400006',
    status: 200,
    body: { code: '400006', msg: 'The requested IP address is not in the API whitelist' },
    expected: { kind: 'fatal' },
  },
  {
    label: '400100 clientOidDuplicated (Kucoin.Net issue #120), ahead of the 400100 fatal rule',
    source: 'JKorf/Kucoin.Net issue #120 (400100 validation.createOrder.clientOidDuplicated)',
    status: 200,
    body: { code: '400100', msg: 'validation.createOrder.clientOidDuplicated' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '400100' },
  },
  {
    label: '126044 clientOid duplicate (HF, ccxt)',
    source: 'ccxt/ccxt ts/src/kucoin.ts exceptions 126044',
    status: 200,
    body: { code: '126044', msg: 'clientOid duplicate' },
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  {
    label: '126033 duplicate order (HF, ccxt)',
    source: 'ccxt/ccxt ts/src/kucoin.ts exceptions 126033',
    status: 200,
    body: { code: '126033', msg: 'Duplicate order' },
    expected: { kind: 'conflict', conflict: 'duplicate' },
  },
  {
    label: '400100 parameter error inside HTTP 200',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 400100',
    status: 200,
    body: { code: '400100', msg: 'Parameter Error' },
    expected: { kind: 'fatal', venueCode: '400100' },
  },
  {
    label: '200004 balance insufficient',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 200004',
    status: 200,
    body: { code: '200004', msg: 'Balance insufficient!' },
    expected: { kind: 'fatal' },
  },
  { label: '411100 user frozen', source: 'Kucoin/kucoin-api-docs index.html.md System error codes 411100', status: 200, body: { code: '411100', msg: 'User is frozen' }, expected: { kind: 'fatal' } },
  {
    label: '500000 internal error stays unknown (no rule; catch-all)',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 500000',
    status: 200,
    body: { code: '500000', msg: 'Internal Server Error' },
    expected: { kind: 'unknown', venueCode: '500000' },
  },
  {
    label: '200002 with the error-table meaning (cancel suspended) is not read as a rate limit: unknown',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 200002 "Order cancel for this pair suspended"',
    status: 200,
    body: { code: '200002', msg: 'Order cancel for this pair suspended' },
    expected: { kind: 'unknown', venueCode: '200002' },
  },
  {
    label: '1015 ignores gw-ratelimit-reset (pool window) and blocks the documented 30 s',
    source: 'Kucoin/kucoin-api-docs index.html.md Request Rate Limit item 1 (1015 blocks 30 s)',
    status: 429,
    body: { code: '1015', msg: 'cloudflare frequency limit according to IP, block 30s' },
    headers: { 'gw-ratelimit-reset': '1500' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 },
  },
  {
    label: '200001 order creation for this pair suspended',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 200001',
    status: 200,
    body: { code: '200001', msg: 'Order creation for this pair suspended' },
    expected: { kind: 'fatal', venueCode: '200001' },
  },
  {
    label: '400600 pair not yet trading',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 400600',
    status: 200,
    body: { code: '400600', msg: 'validation.createOrder.symbolNotAvailable' },
    expected: { kind: 'fatal' },
  },
  {
    label: '900001 symbol does not exist',
    source: 'Kucoin/kucoin-api-docs index.html.md System error codes 900001',
    status: 200,
    body: { code: '900001', msg: 'symbol not exists' },
    expected: { kind: 'fatal' },
  },
  {
    label: 'an undocumented code inside HTTP 200 stays unknown',
    source: 'negative control: code 123456 is not in kucoin-api-docs System error codes',
    status: 200,
    body: { code: '123456', msg: 'Something new' },
    expected: { kind: 'unknown', venueCode: '123456' },
  },
  { label: '503 maintenance page', source: 'Kucoin/kucoin-api-docs index.html.md HTTP error status codes 503', status: 503, body: '<html>Service Unavailable</html>', expected: { kind: 'unknown' } },
];

describe('kucoin error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(kucoin, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of kucoin.errors) expect(rule.note).toMatch(/kucoin/i);
  });
});

describe('kucoin profile', () => {
  it('sends clientOid in the JSON body as a UUID within 40 characters', () => {
    expect(kucoin.key).toMatchObject({ placement: 'body', field: 'clientOid' });
    const format = kucoin.key.format;
    const keys = [
      encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', format),
      encodeVenueKey('3b241101-e2bb-4255-8caf-4136c566a962', format),
      encodeVenueKey('V1StGXR8_Z5jdHi6B-myT', format),
      encodeVenueKey('k'.repeat(255), format),
    ];
    for (const key of keys) expect(checkVenueKey(key, format)).toBeUndefined();
    expect(checkVenueKey('a'.repeat(41), format)).toBeDefined();
  });

  it('looks orders up by clientOid with the symbol copied, and does not trust a miss', () => {
    expect(kucoin.dedupe).toEqual({ kind: 'none' });
    expect(kucoin.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(kucoin.reconcile.lookup).toMatchObject({
      method: 'GET',
      path: '/api/v1/hf/orders/client-order/{key}',
      keyIn: 'path',
      copyParams: ['symbol'],
    });
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(kucoin))).toEqual(kucoin);
  });
});

describe('kucoin rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(kucoin, cases)).toEqual([]);
  });
});

describe('kucoin: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(kucoin.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'spot-pool-30s', limit: 4_000, windowMs: 30_000, unit: 'weight', per: 'account', writeCost: 1, readCost: 2, usageHeader: 'gw-ratelimit-remaining' },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of kucoin.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/docs-new\/rate-limit/);
  });
});
