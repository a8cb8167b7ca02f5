import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { coinbase } from '../../../src/venues/coinbase.js';
import { defineVenue } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

// Create-order bodies follow the CDP "Create Order" reference (response schema and
// example); gateway error bodies follow the shapes quoted in ccxt's coinbase.ts.
const cases: readonly Case[] = [
  {
    label: 'order created (Create Order response example, success_response only)',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md response example (success true, success_response)',
    status: 200,
    body: {
      success: true,
      success_response: { order_id: '11111-00000-000000', product_id: 'BTC-USD', side: 'BUY', client_order_id: '0000-00000-000000' },
      order_configuration: { market_market_ioc: { quote_size: '10.00' } },
    },
    expected: { kind: 'success', venueCode: 'true' },
  },
  {
    label: 'success: true wins even when the body also carries a default error_response (Create Order schema example)',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md response schema example (success with default error_response)',
    status: 200,
    body: {
      success: true,
      success_response: { order_id: '11111-00000-000000', product_id: 'BTC-USD', side: 'BUY', client_order_id: '0000-00000-000000' },
      error_response: {
        error: 'UNKNOWN_FAILURE_REASON',
        message: 'The order configuration was invalid',
        error_details: 'Market orders cannot be placed with empty order sizes',
        preview_failure_reason: 'UNKNOWN_PREVIEW_FAILURE_REASON',
        new_order_failure_reason: 'UNKNOWN_FAILURE_REASON',
      },
    },
    expected: { kind: 'success' },
  },
  {
    label: 'success: false, insufficient funds',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md error_response (new_order_failure_reason INSUFFICIENT_FUND)',
    status: 200,
    body: {
      success: false,
      error_response: {
        error: 'INSUFFICIENT_FUND',
        message: 'Insufficient balance in source account',
        error_details: '',
        preview_failure_reason: 'PREVIEW_INSUFFICIENT_FUND',
        new_order_failure_reason: 'INSUFFICIENT_FUND',
      },
      order_configuration: { market_market_ioc: { quote_size: '100' } },
    },
    expected: { kind: 'fatal', venueCode: 'false', venueMessage: 'Insufficient balance in source account' },
  },
  {
    label: 'success: false with only the preview reason',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md error_response.preview_failure_reason',
    status: 200,
    body: { success: false, error_response: { preview_failure_reason: 'PREVIEW_INVALID_BASE_SIZE_TOO_SMALL' } },
    expected: { kind: 'fatal', venueMessage: 'PREVIEW_INVALID_BASE_SIZE_TOO_SMALL' },
  },
  {
    label: 'success: false, post-only limit would cross',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md error_response (INVALID_LIMIT_PRICE_POST_ONLY)',
    status: 200,
    body: { success: false, error_response: { error: 'INVALID_LIMIT_PRICE_POST_ONLY', new_order_failure_reason: 'INVALID_LIMIT_PRICE_POST_ONLY' } },
    expected: { kind: 'fatal', venueMessage: 'INVALID_LIMIT_PRICE_POST_ONLY' },
  },
  {
    label: '429 rate_limit_exceeded (errors[] shape quoted by ccxt): the per-user limit holds every request',
    source: 'ccxt/ccxt ts/src/coinbase.ts exceptions rate_limit_exceeded (HTTP 429; unverified against Coinbase docs)',
    status: 429,
    body: { errors: [{ id: 'rate_limit_exceeded', message: 'Too many requests' }] },
    expected: { kind: 'rateLimited', scope: 'venue', venueCode: 'rate_limit_exceeded' },
  },
  {
    label: '429 with Retry-After',
    source: 'RFC 9110 §10.2.3 Retry-After on a Coinbase 429 (header not documented by Coinbase)',
    status: 429,
    body: 'Too Many Requests',
    headers: { 'Retry-After': '2' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 2_000 },
  },
  {
    label: 'request timestamp expired (ccxt broad map), even with a 400',
    source: 'ccxt/ccxt ts/src/coinbase.ts exceptions broad map "request timestamp expired"',
    status: 400,
    body: { errors: [{ id: 'authentication_error', message: 'request timestamp expired' }] },
    expected: { kind: 'resign', venueCode: 'authentication_error' },
  },
  { label: '401 Unauthorized (expired JWT)', source: 'coinbase/coinbase-advanced-py coinbase/jwt_generator.py (120 s JWT); HTTP 401', status: 401, body: 'Unauthorized', expected: { kind: 'resign', httpStatus: 401 } },
  {
    label: 'PERMISSION_DENIED on a 403 (v3 gateway shape; generic 4xx rule)',
    source: 'ccxt/ccxt ts/src/coinbase.ts exceptions PERMISSION_DENIED (v3 error/message shape)',
    status: 403,
    body: { error: 'PERMISSION_DENIED', error_details: 'Missing required scopes', message: 'Missing required scopes' },
    expected: { kind: 'fatal', venueCode: 'PERMISSION_DENIED', venueMessage: 'Missing required scopes' },
  },
  {
    label: 'order not found (ccxt comment body)',
    source: 'ccxt/ccxt ts/src/coinbase.ts handleErrors comment (NOT_FOUND body on a 404)',
    status: 404,
    body: { error: 'NOT_FOUND', error_details: 'order with this orderID was not found', message: 'order with this orderID was not found' },
    expected: { kind: 'fatal', venueCode: 'NOT_FOUND' },
  },
  {
    label: '500 internal error: may have executed (generic 5xx rule)',
    source: 'v3 gateway error/message shape (ccxt/ccxt ts/src/coinbase.ts handleErrors); GENERIC_RULES 5xx',
    status: 500,
    body: { error: 'INTERNAL', message: 'internal error' },
    expected: { kind: 'unknown', venueCode: 'INTERNAL' },
  },
  {
    label: 'success: false with UNKNOWN_FAILURE_REASON: still not created',
    source: 'coinbase advanced-trade-api rest-api/orders/create-order.md response schema (success: whether the order was created; error UNKNOWN_FAILURE_REASON)',
    status: 200,
    body: {
      success: false,
      failure_reason: 'UNKNOWN_FAILURE_REASON',
      order_id: '',
      error_response: { error: 'UNKNOWN_FAILURE_REASON', message: '', error_details: '', new_order_failure_reason: 'UNKNOWN_FAILURE_REASON' },
    },
    expected: { kind: 'fatal', venueCode: 'false' },
  },
  {
    label: 'a 400 carrying an unrecognised error id is refused (generic 4xx)',
    source: 'negative control: error id not in ccxt coinbase.ts exceptions; GENERIC_RULES 4xx',
    status: 400,
    body: { error: 'SOMETHING_NEW', message: 'something new' },
    expected: { kind: 'fatal', venueCode: 'SOMETHING_NEW' },
  },
  { label: '502 without a body', source: 'negative control: no Coinbase body; GENERIC_RULES 5xx', status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
];

describe('coinbase error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(coinbase, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of coinbase.errors) expect(rule.note).toMatch(/coinbase|ccxt|venues\.md/i);
  });
});

describe('coinbase profile', () => {
  it('sends client_order_id in the JSON body as a UUID', () => {
    expect(coinbase.key).toMatchObject({ placement: 'body', field: 'client_order_id' });
    const format = coinbase.key.format;
    const ulid = encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', format);
    const uuid = encodeVenueKey('3b241101-e2bb-4255-8caf-4136c566a962', format);
    const long = encodeVenueKey('k'.repeat(255), format);
    expect(uuid).toBe('3b241101-e2bb-4255-8caf-4136c566a962');
    for (const key of [ulid, uuid, long]) expect(checkVenueKey(key, format)).toBeUndefined();
  });

  it('claims no key store, since the id retention is not published, and has no lookup by client id', () => {
    expect(coinbase.dedupe).toEqual({ kind: 'none' });
    expect(coinbase.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(coinbase.reconcile.lookup).toBeUndefined();
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(coinbase))).toEqual(coinbase);
  });
});

describe('coinbase rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(coinbase, cases)).toEqual([]);
  });
});

describe('coinbase: published limits', () => {
  it('records none: the figure could not be confirmed from Coinbase', () => {
    expect(coinbase.rateLimit.limits).toBeUndefined();
    expect(coinbase.about?.unverified?.filter((fact) => fact.startsWith('rateLimit.limits:'))).toEqual([expect.stringMatching(/^rateLimit\.limits: none set\. .*30 requests per second per user .*third parties/)]);
  });
});
