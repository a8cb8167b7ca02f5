import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { adyen } from '../../../src/venues/adyen.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Error bodies have the Checkout API shape { status, errorCode, message, errorType,
// pspReference } (docs.adyen.com response-handling; the 704 body as reported in VTEX
// known issue 884154 and Adyen/adyen-magento2 #1166).
const cases: readonly Case[] = [
  {
    label: 'payment authorised',
    status: 200,
    body: { pspReference: '993617895204576J', resultCode: 'Authorised', merchantReference: 'order-1' },
    headers: { 'Idempotency-Key': '0190b8f4-8c2e-7a3b-9f00-1c2d3e4f5a6b' },
    expected: { kind: 'success', httpStatus: 200 },
    source: 'docs.adyen.com/development-resources/response-handling (200 OK); Adyen Checkout API /payments response resultCode Authorised',
  },
  {
    label: 'payment refused: a completed request, replayed as such on resend',
    status: 200,
    body: { pspReference: '993617895204577K', resultCode: 'Refused', refusalReason: 'Not enough balance', refusalReasonCode: '12' },
    expected: { kind: 'success' },
    source: 'docs.adyen.com/development-resources/api-idempotency (a resend gets the response to the first attempt); /payments resultCode Refused with refusalReason',
  },
  {
    label: '409 + 704: first request with this key still running (VTEX 884154)',
    status: 409,
    body: { status: 409, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    headers: { 'transient-error': 'true' },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: '704' },
    source: 'docs.adyen.com/development-resources/response-handling (409 request already processed or in progress; retry when transient-error is true); VTEX known issue 884154 (body)',
  },
  {
    label: '422 + 704 without transient-error: may have run, so unknown (not a validation failure)',
    status: 422,
    body: { status: 422, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    expected: { kind: 'unknown', venueCode: '704' },
    source: 'docs.adyen.com/development-resources/api-idempotency (Error handling: 704, 422 in older integrations, as quoted by secondary sources)',
  },
  {
    label: '409 + 704 without transient-error: already processed, may have executed: unknown',
    status: 409,
    body: { status: 409, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    expected: { kind: 'unknown', venueCode: '704' },
    source: 'docs.adyen.com/development-resources/response-handling (409; retry only when transient-error is true); Adyen/adyen-magento2 #1166 (704 on a duplicate of a successful payment)',
  },
  {
    label: '422 + 704 with transient-error true: still running, a conflict',
    status: 422,
    body: { status: 422, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    headers: { 'Transient-Error': 'true' },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: '704' },
    source: 'docs.adyen.com/development-resources/response-handling (transient-error: true means a retry may succeed)',
  },
  {
    label: 'negative control: transient-error false on a 704 is no promise either',
    status: 409,
    body: { status: 409, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    headers: { 'transient-error': 'false' },
    expected: { kind: 'unknown', venueCode: '704' },
    source: 'docs.adyen.com/development-resources/response-handling (only transient-error: true invites a retry)',
  },
  {
    label: 'negative control: transient-error true on a plain validation error does not make it a conflict',
    status: 422,
    body: { status: 422, errorCode: '14_030', message: 'Return URL is missing.', errorType: 'validation' },
    headers: { 'transient-error': 'true' },
    expected: { kind: 'fatal', venueCode: '14_030' },
    source: 'docs.adyen.com/development-resources/response-handling (422 request validation error)',
  },

  {
    label: '422 validation error: refused as sent',
    status: 422,
    body: { status: 422, errorCode: '14_030', message: 'Return URL is missing.', errorType: 'validation', pspReference: '8816178914079738' },
    expected: { kind: 'fatal', venueCode: '14_030' },
    source: 'docs.adyen.com/development-resources/response-handling (422 request validation error)',
  },
  {
    label: '401 bad API key',
    status: 401,
    body: { status: 401, errorCode: '000', message: 'HTTP Status Response - Unauthorized', errorType: 'security' },
    expected: { kind: 'fatal' },
    source: 'docs.adyen.com/development-resources/response-handling (401 Unauthorized)',
  },
  {
    label: '403 not allowed',
    status: 403,
    body: { status: 403, errorCode: '010', message: 'Not allowed', errorType: 'security' },
    expected: { kind: 'fatal', venueCode: '010' },
    source: 'docs.adyen.com/development-resources/response-handling (403 Forbidden)',
  },
  {
    label: '500 internal error (adyen-php-api-library #262): may have executed, resend the same key',
    status: 500,
    body: { status: 500, errorCode: '701', message: 'server could not process request', errorType: 'internal', pspReference: '881615392704097H' },
    expected: { kind: 'unknown', venueCode: '701' },
    source: 'docs.adyen.com/development-resources/response-handling (500 Internal Server Error); Adyen/adyen-php-api-library #262 (body)',
  },
  {
    label: '500 in the RFC 7807 shape with a rate-limit detail stays unknown',
    status: 500,
    body: { type: 'https://docs.adyen.com/errors/internal', title: 'An internal error happened', status: 500, detail: 'too many requests', errorCode: '00_500' },
    expected: { kind: 'unknown', venueCode: '00_500', venueMessage: 'too many requests' },
    source: 'docs.adyen.com/errors/internal (00_500, detail too many requests)',
  },
  {
    label: '429 with Retry-After',
    status: 429,
    body: '',
    headers: { 'Retry-After': '3' },
    expected: { kind: 'rateLimited', retryAfterMs: 3_000 },
    source: 'RFC 6585 §4 and RFC 9110 §10.2.3 (Adyen documents no 429 body or Retry-After: see about.unverified)',
  },
];

describe('adyen error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(adyen, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of adyen.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('adyen profile', () => {
  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(adyen))).toEqual(adyen);
  });

  it('reads error 704 by the transient-error header Adyen documents for it', () => {
    expect(adyen.errors[0]).toMatchObject({ match: { code: '704', header: { name: 'transient-error' } }, outcome: 'conflictInProgress' });
    expect(adyen.errors[1]).toMatchObject({ match: { code: '704' }, outcome: 'unknown' });
  });

  it('relies on a 7-day key store, the shortest retention Adyen has published', () => {
    expect(adyen.dedupe).toEqual({ kind: 'keyStore', retentionMs: 7 * 24 * 60 * 60 * 1000 });
    expect(adyen.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(adyen.reconcile.lookup).toBeUndefined();
  });

  it.each([
    ['ULID', '01J9Z7Q7E8XK3M4N5P6Q7R8S9T'],
    ['UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['255-character key', 'k'.repeat(255)],
  ])('turns a %s into a valid Idempotency-Key', (_, intentKey) => {
    const venueKey = encodeVenueKey(intentKey, adyen.key.format);
    expect(venueKey).toHaveLength(36);
    expect(checkVenueKey(venueKey, adyen.key.format)).toBeUndefined();
  });
});

describe('adyen rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(adyen, cases)).toEqual([]);
  });
});

describe('adyen: published limits', () => {
  it('records none: no request rate published for the Checkout API (reason in the profile source)', () => {
    expect(adyen.rateLimit.limits).toBeUndefined();
  });
});
