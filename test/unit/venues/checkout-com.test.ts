import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { checkoutCom } from '../../../src/venues/checkout-com.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Error bodies have Checkout.com's { request_id, error_type, error_codes } shape (API
// reference examples); 401 comes without a body.
const cases: readonly Case[] = [
  {
    label: 'payment authorised (201)',
    status: 201,
    body: { id: 'pay_mbabizu24mvu3mela5njyhpit4', action_id: 'act_mbabizu24mvu3mela5njyhpit4', amount: 6540, currency: 'USD', approved: true, status: 'Authorized', response_code: '10000' },
    expected: { kind: 'success', httpStatus: 201 },
  },
  {
    label: 'payment declined (201, approved false): a completed request',
    status: 201,
    body: { id: 'pay_x5cn4wdbhb4eno5xd2l6dyjsw4', approved: false, status: 'Declined', response_code: '20051', response_summary: 'Insufficient Funds' },
    expected: { kind: 'success' },
  },
  {
    label: 'payment pending 3DS (202)',
    status: 202,
    body: { id: 'pay_mbabizu24mvu3mela5njyhpit4', status: 'Pending', _links: { redirect: { href: 'https://api.checkout.com/3ds/pay_mbabizu24mvu3mela5njyhpit4' } } },
    expected: { kind: 'success', httpStatus: 202 },
  },
  {
    label: '422 request_invalid: not cached, refused as sent',
    status: 422,
    body: { request_id: '0HL80RJLS76I7', error_type: 'request_invalid', error_codes: ['payment_source_required'] },
    expected: { kind: 'fatal', venueCode: 'payment_source_required', venueMessage: 'request_invalid' },
  },
  { label: '401 without body', status: 401, body: '', expected: { kind: 'fatal', reason: 'HTTP 401' } },
  {
    label: '409: a request with this key is still being processed',
    status: 409,
    body: '',
    expected: { kind: 'conflict', conflict: 'inProgress' },
  },
  {
    label: '429 without Retry-After waits the documented 30 s',
    status: 429,
    body: '',
    expected: { kind: 'rateLimited', scope: 'request', retryAfterMs: 30_000 },
  },
  {
    label: '429 with Retry-After uses the header',
    status: 429,
    body: '',
    headers: { 'Retry-After': '2' },
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
  },
  {
    label: '500: may have been authorised and was not cached, so unknown (never a blind resend: dedupe none)',
    status: 500,
    body: '',
    expected: { kind: 'unknown', reason: 'HTTP 500' },
  },
  { label: '502 bad gateway', status: 502, body: '<html>502 Bad Gateway</html>', expected: { kind: 'unknown' } },
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

  it('does not claim a key store: a 4xx/5xx first attempt is not cached, so a same-key resend may pay again', () => {
    expect(checkoutCom.dedupe).toEqual({ kind: 'none' });
    expect(checkoutCom.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(checkoutCom.reconcile.lookup).toBeUndefined();
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
