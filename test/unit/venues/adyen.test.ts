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
  },
  {
    label: 'payment refused: a completed request, replayed as such on resend',
    status: 200,
    body: { pspReference: '993617895204577K', resultCode: 'Refused', refusalReason: 'Not enough balance', refusalReasonCode: '12' },
    expected: { kind: 'success' },
  },
  {
    label: '409 + 704: first request with this key still running (VTEX 884154)',
    status: 409,
    body: { status: 409, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    headers: { 'transient-error': 'true' },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: '704' },
  },
  {
    label: '422 + 704 (older form): still a conflict, not a validation failure',
    status: 422,
    body: { status: 422, errorCode: '704', message: 'request already processed or in progress', errorType: 'validation' },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: '704' },
  },
  {
    label: '422 validation error: refused as sent',
    status: 422,
    body: { status: 422, errorCode: '14_030', message: 'Return URL is missing.', errorType: 'validation', pspReference: '8816178914079738' },
    expected: { kind: 'fatal', venueCode: '14_030' },
  },
  {
    label: '401 bad API key',
    status: 401,
    body: { status: 401, errorCode: '000', message: 'HTTP Status Response - Unauthorized', errorType: 'security' },
    expected: { kind: 'fatal' },
  },
  {
    label: '403 not allowed',
    status: 403,
    body: { status: 403, errorCode: '010', message: 'Not allowed', errorType: 'security' },
    expected: { kind: 'fatal', venueCode: '010' },
  },
  {
    label: '500 internal error (adyen-php-api-library #262): may have executed, resend the same key',
    status: 500,
    body: { status: 500, errorCode: '701', message: 'server could not process request', errorType: 'internal', pspReference: '881615392704097H' },
    expected: { kind: 'unknown', venueCode: '701' },
  },
  {
    label: '500 in the RFC 7807 shape with a rate-limit detail stays unknown',
    status: 500,
    body: { type: 'https://docs.adyen.com/errors/internal', title: 'An internal error happened', status: 500, detail: 'too many requests', errorCode: '00_500' },
    expected: { kind: 'unknown', venueCode: '00_500', venueMessage: 'too many requests' },
  },
  {
    label: '429 with Retry-After',
    status: 429,
    body: '',
    headers: { 'Retry-After': '3' },
    expected: { kind: 'rateLimited', retryAfterMs: 3_000 },
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
