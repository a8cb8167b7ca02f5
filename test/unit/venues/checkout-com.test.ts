import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { buildLookupRequest } from '../../../src/client/lookup-request.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { checkoutCom } from '../../../src/venues/checkout-com.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Error bodies have Checkout.com's { request_id, error_type, error_codes } shape (API
// reference examples); 401 comes without a body.
const IDEMPOTENCY = 'checkout.com docs retry-a-payment (Idempotency)';
const API_REF_ERRORS = 'Checkout.com API reference, Request a payment: 201/202/401/422 responses';

const cases: readonly Case[] = [
  {
    label: 'payment authorised (201)',
    status: 201,
    body: { id: 'pay_mbabizu24mvu3mela5njyhpit4', action_id: 'act_mbabizu24mvu3mela5njyhpit4', amount: 6540, currency: 'USD', approved: true, status: 'Authorized', response_code: '10000' },
    expected: { kind: 'success', httpStatus: 201 },
    source: `${API_REF_ERRORS} (201 Payment processed successfully)`,
  },
  {
    label: 'payment declined (201, approved false): a completed request',
    status: 201,
    body: { id: 'pay_x5cn4wdbhb4eno5xd2l6dyjsw4', approved: false, status: 'Declined', response_code: '20051', response_summary: 'Insufficient Funds' },
    expected: { kind: 'success' },
    source: `${API_REF_ERRORS} (201 with approved false and a response_code)`,
  },
  {
    label: 'payment pending 3DS (202)',
    status: 202,
    body: { id: 'pay_mbabizu24mvu3mela5njyhpit4', status: 'Pending', _links: { redirect: { href: 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4' } } },
    expected: { kind: 'success', httpStatus: 202 },
    source: `${API_REF_ERRORS} (202 Payment asynchronous or further action required)`,
  },
  {
    label: 'same key after the first request succeeded: the stored answer again',
    status: 202,
    body: { id: 'pay_mbabizu24mvu3mela5njyhpit4', approved: true, status: 'Authorized' },
    expected: { kind: 'success' },
    source: 'support.checkout.com article 26763450855186 (already processed: the original payment response)',
  },
  {
    label: '422 request_invalid: not cached, refused as sent',
    status: 422,
    body: { request_id: '0HL80RJLS76I7', error_type: 'request_invalid', error_codes: ['payment_source_required'] },
    expected: { kind: 'fatal', venueCode: 'payment_source_required', venueMessage: 'request_invalid' },
    source: `${API_REF_ERRORS} (422 Invalid data was sent); ${IDEMPOTENCY}: a validation error stores no result`,
  },
  { label: '401 without body', status: 401, body: '', expected: { kind: 'fatal', reason: 'HTTP 401' }, source: `${API_REF_ERRORS} (401 Unauthorized, no body)` },
  {
    label: '409: a request with this key is still being processed',
    status: 409,
    body: '',
    expected: { kind: 'conflict', conflict: 'inProgress' },
    source: 'support.checkout.com articles 24570669653010 and 26763450855186 (409 while the original is processing)',
  },
  {
    label: '429 without Retry-After waits the documented 30 s',
    status: 429,
    body: '',
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 30_000 },
    source: `checkout.com docs api-rate-limits (429, safe to retry); ${IDEMPOTENCY} (wait at least 30 s)`,
  },
  {
    label: '429 with Retry-After uses the header',
    status: 429,
    body: '',
    headers: { 'Retry-After': '2' },
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
    source: 'RFC 9110 §10.2.3 Retry-After (Checkout.com does not document the header: see about.unverified)',
  },
  {
    label: '500: may have been authorised and was not stored under the key, so unknown',
    status: 500,
    body: '',
    expected: { kind: 'unknown', reason: 'HTTP 500' },
    source: `${IDEMPOTENCY}: a 5xx first request stores no result and a resend is processed again`,
  },
  {
    label: '502 bad gateway',
    status: 502,
    body: '<html>502 Bad Gateway</html>',
    expected: { kind: 'unknown' },
    source: `${IDEMPOTENCY}: a 5xx first request stores no result`,
  },
];

describe('checkout-com error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(checkoutCom, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of checkoutCom.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('checkout-com profile', () => {
  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(checkoutCom))).toEqual(checkoutCom);
  });

  it('keeps a successes-only key store: a resend guards against concurrent copies but is no reconcile', () => {
    expect(checkoutCom.dedupe).toEqual({ kind: 'keyStore', retentionMs: 24 * 60 * 60 * 1000, stores: 'successes' });
    expect(checkoutCom.reconcile.notFoundIsAuthoritative).toBe(false);
  });

  it('looks a payment up by the reference the request sent, not by the key', () => {
    expect(checkoutCom.reconcile.lookup).toMatchObject({
      method: 'GET',
      path: '/payments',
      keyIn: 'query',
      keyParam: 'reference',
      valueFrom: 'reference',
      foundPath: 'data.0',
    });
    expect(checkoutCom.reconcile.lookup?.copyParams ?? []).toEqual([]);
  });

  it('builds GET /payments?reference=<the request reference> for an intent', () => {
    const spec = checkoutCom.reconcile.lookup;
    if (spec === undefined) throw new Error('no lookup');
    const original = { method: 'post', url: '/payments', data: { amount: 6540, currency: 'USD', reference: 'ORD-5023-4E89', source: { type: 'token', token: 'tok_x' } } };
    const built = buildLookupRequest(spec, original, '3f2504e0-4f89-41d3-9a0c-0305e82c3301', undefined);
    // `value` is what an item must carry at match.keyPath (reference) to count as found.
    expect(built).toEqual({ kind: 'request', config: { method: 'GET', url: '/payments', params: { reference: 'ORD-5023-4E89' } }, value: 'ORD-5023-4E89' });
  });

  it('sends no lookup for a request without a reference (the intent stays unknown)', () => {
    const spec = checkoutCom.reconcile.lookup;
    if (spec === undefined) throw new Error('no lookup');
    const built = buildLookupRequest(spec, { method: 'post', url: '/payments', data: { amount: 6540, currency: 'USD' } }, '3f2504e0-4f89-41d3-9a0c-0305e82c3301', undefined);
    expect(built.kind).toBe('unavailable');
  });

  it('names every unverified fact it relies on', () => {
    const unverified = checkoutCom.about?.unverified ?? [];
    expect(unverified.some((fact) => fact.startsWith('reconcile.lookup'))).toBe(true);
    expect(unverified.some((fact) => fact.startsWith('key.format'))).toBe(true);
  });

  it.each([
    ['ULID', '01J9Z7Q7E8XK3M4N5P6Q7R8S9T'],
    ['UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['255-character key', 'k'.repeat(255)],
  ])('turns a %s into a UUID Cko-Idempotency-Key', (_, intentKey) => {
    const venueKey = encodeVenueKey(intentKey, checkoutCom.key.format);
    expect(venueKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(checkVenueKey(venueKey, checkoutCom.key.format)).toBeUndefined();
  });
});

describe('checkoutCom rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(checkoutCom, cases)).toEqual([]);
  });
});

describe('checkoutCom: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(checkoutCom.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'write-1s', limit: 100, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 0 },
      { id: 'read-1s', limit: 100, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 0, readCost: 1 },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of checkoutCom.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/checkout\.com\/docs\/developer-resources\/api\/api-rate-limits \(Concurrent rate limits\)/);
  });
});
