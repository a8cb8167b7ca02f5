import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { square } from '../../../src/venues/square.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** Square's `{ errors: [{ category, code, detail }] }` envelope (legacy/doc/models/error.md). */
function errors(category: string, code: string, detail: string, extra: Record<string, unknown> = {}) {
  return { errors: [{ category, code, detail }], ...extra };
}

// Codes, categories and detail texts from square-nodejs-sdk legacy/doc/models/error-code.md;
// the CreatePayment success body from legacy/doc/models/create-payment-response.md.
const cases: readonly Case[] = [
  {
    label: 'payment completed',
    status: 200,
    body: { payment: { id: 'R2B3Z8WMVt3EAmzYWLZvz7Y69EbZY', status: 'COMPLETED', amount_money: { amount: 1000, currency: 'USD' } } },
    expected: { kind: 'success', httpStatus: 200 },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/create-payment-response.md',
  },
  {
    label: 'IDEMPOTENCY_KEY_REUSED (assumed 400): the key came back with another request',
    status: 400,
    body: errors('INVALID_REQUEST_ERROR', 'IDEMPOTENCY_KEY_REUSED', 'The provided idempotency key has already been used.'),
    expected: { kind: 'fatal', venueCode: 'IDEMPOTENCY_KEY_REUSED' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md IDEMPOTENCY_KEY_REUSED; developer.squareup.com/docs/build-basics/common-api-patterns/idempotency (status not documented)',
  },
  {
    label: 'IDEMPOTENCY_KEY_REUSED stays fatal with a 409 (its status is undocumented)',
    status: 409,
    body: errors('INVALID_REQUEST_ERROR', 'IDEMPOTENCY_KEY_REUSED', 'The provided idempotency key has already been used.'),
    expected: { kind: 'fatal', venueCode: 'IDEMPOTENCY_KEY_REUSED' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md IDEMPOTENCY_KEY_REUSED (status not documented)',
  },
  {
    label: 'ACCESS_TOKEN_EXPIRED: refresh and resend',
    status: 401,
    body: errors('AUTHENTICATION_ERROR', 'ACCESS_TOKEN_EXPIRED', 'The provided access token has expired.'),
    expected: { kind: 'resign', venueCode: 'ACCESS_TOKEN_EXPIRED' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md ACCESS_TOKEN_EXPIRED (AUTHENTICATION_ERROR)',
  },
  {
    label: 'UNAUTHORIZED: refused',
    status: 401,
    body: errors('AUTHENTICATION_ERROR', 'UNAUTHORIZED', 'This request could not be authorized.'),
    expected: { kind: 'fatal', venueCode: 'UNAUTHORIZED' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md UNAUTHORIZED (AUTHENTICATION_ERROR)',
  },
  {
    label: 'CONFLICT: no documented meaning, so unknown rather than in progress',
    status: 409,
    body: errors('INVALID_REQUEST_ERROR', 'CONFLICT', 'Conflict - a general error occurred.'),
    expected: { kind: 'unknown', venueCode: 'CONFLICT' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md CONFLICT',
  },
  {
    label: 'card declined (body also carries the FAILED payment)',
    status: 400,
    body: errors('PAYMENT_METHOD_ERROR', 'GENERIC_DECLINE', 'Authorization error: GENERIC_DECLINE', {
      payment: { id: 'wfDhg8fyZBxrtZ8MwfZq7OTPz1PZY', status: 'FAILED' },
    }),
    expected: { kind: 'fatal', venueCode: 'GENERIC_DECLINE' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md GENERIC_DECLINE (PAYMENT_METHOD_ERROR); legacy/doc/models/create-payment-response.md (errors with a FAILED payment)',
  },
  {
    label: 'RATE_LIMITED with Retry-After',
    status: 429,
    body: errors('RATE_LIMIT_ERROR', 'RATE_LIMITED', 'Rate Limited - a general error occurred.'),
    headers: { 'Retry-After': '5' },
    expected: { kind: 'rateLimited', venueCode: 'RATE_LIMITED', retryAfterMs: 5_000 },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md RATE_LIMITED (RATE_LIMIT_ERROR); src/core/fetcher/requestWithRetries.ts (honours Retry-After)',
  },
  {
    label: 'TEMPORARY_ERROR: resend with the same key',
    status: 500,
    body: errors('API_ERROR', 'TEMPORARY_ERROR', 'A temporary internal error occurred. You can safely retry your call using the same idempotency key.'),
    expected: { kind: 'unknown', venueCode: 'TEMPORARY_ERROR' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md TEMPORARY_ERROR (API_ERROR: retry with the same idempotency key)',
  },
  {
    label: 'GATEWAY_TIMEOUT',
    status: 504,
    body: errors('API_ERROR', 'GATEWAY_TIMEOUT', 'Gateway Timeout - a general error occurred.'),
    expected: { kind: 'unknown', venueCode: 'GATEWAY_TIMEOUT' },
    source: 'square/square-nodejs-sdk @c58c6e0 legacy/doc/models/error-code.md GATEWAY_TIMEOUT (API_ERROR)',
  },
];

describe('square error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(square, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of square.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('square profile', () => {
  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(square))).toEqual(square);
  });

  it('claims only a short key store, since Square publishes no retention', () => {
    expect(square.key).toMatchObject({ placement: 'body', field: 'idempotency_key' });
    expect(square.dedupe).toEqual({ kind: 'keyStore', retentionMs: 60 * 60 * 1000 });
    expect(square.about?.unverified?.some((fact) => fact.startsWith('dedupe.retentionMs'))).toBe(true);
  });

  it.each([
    ['ULID', '01J9Z7Q7E8XK3M4N5P6Q7R8S9T'],
    ['UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['255-character key', 'k'.repeat(255)],
  ])('turns a %s into a CreatePayment idempotency_key (<= 45 characters)', (_, intentKey) => {
    const venueKey = encodeVenueKey(intentKey, square.key.format);
    expect(venueKey.length).toBeLessThanOrEqual(45);
    expect(checkVenueKey(venueKey, square.key.format)).toBeUndefined();
  });
});

describe('square rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(square, cases)).toEqual([]);
  });
});

describe('square: published limits', () => {
  it('records none: no request rate published (reason in the profile source)', () => {
    expect(square.rateLimit.limits).toBeUndefined();
  });
});
