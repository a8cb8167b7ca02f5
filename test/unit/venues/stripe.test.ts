import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { defineVenue, stripe } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Bodies have Stripe's `{ "error": { type, code?, message } }` shape; kinds follow the
// Stripe profile (src/venues/stripe.ts; docs/venues.md, "Stripe"): a stored 5xx is
// replayed for every retry with the same key, so it is `unknown`, never `failed`.
const cases: readonly Case[] = [
  {
    label: 'payment created',
    status: 200,
    body: { id: 'pi_3N', object: 'payment_intent', status: 'succeeded', amount: 2000 },
    expected: { kind: 'success', httpStatus: 200 },
    source: 'docs.stripe.com/api/payment_intents/create (returns the PaymentIntent)',
  },
  {
    label: 'replayed result of the first request',
    status: 200,
    body: { id: 'pi_3N', object: 'payment_intent', status: 'succeeded' },
    headers: { 'Idempotent-Replayed': 'true' },
    expected: { kind: 'success' },
    source: 'docs.stripe.com/api/idempotent_requests (a retry with the same key gets the saved status and body)',
  },
  {
    label: 'key in use by a request still running',
    status: 409,
    body: {
      error: {
        type: 'idempotency_error',
        code: 'idempotency_key_in_use',
        message: 'There is currently another in-progress request using this idempotency key. Try again later.',
      },
    },
    headers: { 'Stripe-Should-Retry': 'true' },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: 'idempotency_key_in_use' },
    source: 'docs.stripe.com/api/errors (409: conflict with another request, possibly the same idempotency key); docs.stripe.com/error-codes idempotency_key_in_use',
  },
  {
    label: 'key reused with different parameters (no error.code, only error.type)',
    status: 400,
    body: {
      error: {
        type: 'idempotency_error',
        message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.',
      },
    },
    expected: { kind: 'fatal', venueCode: 'idempotency_error' },
    source: 'docs.stripe.com/api/idempotent_requests (parameters compared with the first request; an error if they differ); docs.stripe.com/api/errors type idempotency_error',
  },
  {
    label: 'rate limited',
    status: 429,
    body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } },
    expected: { kind: 'rateLimited', scope: 'request' },
    source: 'docs.stripe.com/rate-limits (429 rate_limit); docs.stripe.com/error-handling (rate limiters run before the idempotency layer)',
  },
  {
    label: 'rate_limit code on a 400',
    status: 400,
    body: { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests.' } },
    expected: { kind: 'rateLimited' },
    source: 'stripe/stripe-node src/Error.ts @663942164d38 (400 with code rate_limit is a StripeRateLimitError)',
  },
  {
    label: 'object lock contention',
    status: 429,
    body: {
      error: {
        type: 'invalid_request_error',
        code: 'lock_timeout',
        message: 'This object cannot be accessed right now because another API request or Stripe process is currently accessing it.',
      },
    },
    expected: { kind: 'rateLimited', venueCode: 'lock_timeout' },
    source: 'docs.stripe.com/rate-limits (lock_timeout, object lock contention); stripe/stripe-node PR #686',
  },
  {
    label: 'plain 429 with a Retry-After',
    status: 429,
    body: '',
    headers: { 'Retry-After': '2' },
    expected: { kind: 'rateLimited', retryAfterMs: 2_000 },
    source: 'docs.stripe.com/api/errors (429 Too Many Requests); RFC 9110 §10.2.3 Retry-After',
  },
  {
    label: 'card declined',
    status: 402,
    body: { error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' } },
    expected: { kind: 'fatal', venueCode: 'card_declined', venueMessage: 'Your card has insufficient funds.' },
    source: 'docs.stripe.com/api/errors (402 Request Failed; type card_error with decline_code)',
  },
  {
    label: 'bad API key',
    status: 401,
    body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_****1234' } },
    expected: { kind: 'fatal' },
    source: 'docs.stripe.com/api/errors (401 Unauthorized: no valid API key)',
  },
  {
    label: 'missing parameter',
    status: 400,
    body: { error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'amount', message: 'Missing required param: amount.' } },
    expected: { kind: 'fatal', venueCode: 'parameter_missing' },
    source: 'docs.stripe.com/error-codes parameter_missing; docs.stripe.com/api/errors (400 Bad Request)',
  },
  {
    label: 'no such object',
    status: 404,
    body: { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such payment_intent.' } },
    expected: { kind: 'fatal' },
    source: 'docs.stripe.com/error-codes resource_missing; docs.stripe.com/api/errors (404 Not Found)',
  },
  {
    label: "server error (may be a replay of a saved 500): resend with the same key, don't fail",
    status: 500,
    body: { error: { type: 'api_error', message: "Something went wrong on Stripe's end." } },
    headers: { 'Stripe-Should-Retry': 'true' },
    expected: { kind: 'unknown', venueCode: 'api_error' },
    source: 'docs.stripe.com/api/idempotent_requests (saved responses include 500 errors); docs.stripe.com/api/errors (5xx: something went wrong on Stripe\'s end)',
  },
  {
    label: 'server error with Stripe-Should-Retry false is still not proof it did not run',
    status: 500,
    body: { error: { type: 'api_error', message: 'An error occurred.' } },
    headers: { 'Stripe-Should-Retry': 'false' },
    expected: { kind: 'unknown' },
    source: 'stripe/stripe-node src/RequestSender.ts _shouldRetry @663942164d38 (a 500 is expected to carry Stripe-Should-Retry: false)',
  },
  {
    label: 'gateway timeout without body',
    status: 504,
    body: undefined,
    expected: { kind: 'unknown', reason: 'HTTP 504' },
    source: 'docs.stripe.com/api/errors (500, 502, 503, 504 Server Errors)',
  },
  {
    label: '424 external dependency failed: not proof that nothing ran',
    status: 424,
    body: { error: { type: 'api_error', message: 'An upstream provider did not answer in time.' } },
    expected: { kind: 'unknown', httpStatus: 424 },
    source: 'docs.stripe.com/api/errors (424 External Dependency Failed)',
  },
  {
    label: 'negative control: a 403 (key without permission) is still refused as sent',
    status: 403,
    body: { error: { type: 'invalid_request_error', message: 'The provided key does not have the required permissions for this endpoint.' } },
    expected: { kind: 'fatal', httpStatus: 403 },
    source: 'docs.stripe.com/api/errors (403 Forbidden: the API key lacks permission)',
  },
];

describe('stripe error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(stripe, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of stripe.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('stripe profile', () => {
  it('sends the key in the Idempotency-Key header, up to 255 characters', () => {
    expect(stripe.key).toEqual({
      placement: 'header',
      field: 'Idempotency-Key',
      format: { encoding: 'verbatim', maxLength: 255 },
      echo: { placement: 'body', field: 'metadata.intentkey_key' },
    });
  });

  it('relies on the 24 h key store, and on a scan of the consistent list (never search) for a stored 5xx', () => {
    expect(stripe.dedupe).toEqual({ kind: 'keyStore', retentionMs: 24 * 60 * 60 * 1000 });
    expect(stripe.reconcile.lookup).toBeUndefined();
    expect(stripe.reconcile.scan).toMatchObject({ path: '/v1/payment_intents', createdSinceParam: 'created[gte]', matchPath: 'metadata.intentkey_key', consistent: true });
    expect(stripe.reconcile.scan?.path).not.toMatch(/search/);
    expect(stripe.response.replayedHeader).toBe('idempotent-replayed');
    expect(stripe.response.shouldRetryHeader).toBe('stripe-should-retry');
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(stripe))).toEqual(stripe);
  });

  it('names the source of the Stripe-Should-Retry reading, and marks it unverified by the docs', () => {
    expect(stripe.about?.sources.some((source) => source.includes('_shouldRetry') && source.includes('@663942164d38'))).toBe(true);
    expect(stripe.about?.sources.some((source) => source.includes('PR #692'))).toBe(true);
    expect(stripe.about?.unverified?.some((fact) => fact.startsWith('response.shouldRetryHeader'))).toBe(true);
  });
});

describe('stripe rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(stripe, cases)).toEqual([]);
  });
});

describe('stripe: published limits', () => {
  it('pins each limit: figure, window, unit, whom it counts and what a write and a lookup cost', () => {
    expect(stripe.rateLimit.limits?.map((limit) => ({ ...limit, note: undefined }))).toEqual([
      { id: 'global-1s', limit: 100, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 1 },
      { id: 'write-endpoint-1s', limit: 25, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 1, readCost: 0 },
      { id: 'list-endpoint-1s', limit: 25, windowMs: 1_000, unit: 'requests', per: 'account', writeCost: 0, readCost: 1 },
    ]);
  });

  it('names the page and section every figure comes from', () => {
    for (const limit of stripe.rateLimit.limits ?? []) expect(limit.note, limit.id).toMatch(/docs\.stripe\.com\/rate-limits/);
  });
});
