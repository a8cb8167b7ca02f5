import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { paypal } from '../../../src/venues/paypal.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

const DEBUG_ID = '90957fca61718';
const UNPROCESSABLE = 'The requested action could not be performed, semantically incorrect, or failed business validation.';

/** An Orders v2 422 as the spec's error_422 + orders.*-422 schemas describe it. */
function unprocessable(issue: string, description: string) {
  return { name: 'UNPROCESSABLE_ENTITY', details: [{ issue, description }], message: UNPROCESSABLE, debug_id: DEBUG_ID };
}

// Bodies follow paypal-rest-api-specifications checkout_orders_v2.json (error schemas and
// the per-operation 422 issue enums, descriptions verbatim from the spec).
const cases: readonly Case[] = [
  {
    label: 'order created',
    status: 201,
    body: { id: '5O190127TN364715T', status: 'CREATED', links: [] },
    expected: { kind: 'success', httpStatus: 201 },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.create 201',
  },
  {
    label: 'capture completed (also what a resend with the same request id returns)',
    status: 201,
    body: { id: '5O190127TN364715T', status: 'COMPLETED', purchase_units: [] },
    expected: { kind: 'success' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.capture 201; developer.paypal.com/api/rest/reference/idempotency (a resend returns the latest status)',
  },
  {
    label: 'ORDER_ALREADY_CAPTURED: an earlier attempt landed',
    status: 422,
    body: unprocessable('ORDER_ALREADY_CAPTURED', "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed."),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: 'ORDER_ALREADY_CAPTURED' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.capture-422 ORDER_ALREADY_CAPTURED',
  },
  {
    label: 'ORDER_ALREADY_AUTHORIZED: an earlier attempt landed',
    status: 422,
    body: unprocessable('ORDER_ALREADY_AUTHORIZED', "Order already authorized.If 'intent=AUTHORIZE' only one authorization per order is allowed."),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: 'ORDER_ALREADY_AUTHORIZED' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.authorize-422 ORDER_ALREADY_AUTHORIZED',
  },
  {
    label: 'DUPLICATE_INVOICE_ID',
    status: 422,
    body: unprocessable(
      'DUPLICATE_INVOICE_ID',
      'Duplicate Invoice ID detected. To avoid a potential duplicate transaction your account setting requires that Invoice Id be unique for each transaction.',
    ),
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: 'DUPLICATE_INVOICE_ID' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.capture-422 DUPLICATE_INVOICE_ID',
  },
  {
    label: 'ORDER_COMPLETION_IN_PROGRESS: PayPal is still capturing',
    status: 422,
    body: unprocessable(
      'ORDER_COMPLETION_IN_PROGRESS',
      'The order was created with processing_instruction of ORDER_COMPLETE_ON_PAYMENT_APPROVAL. The customer has approved the payment and PayPal is still in the process of capturing the order on your behalf as instructed. Please try your request again.',
    ),
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: 'ORDER_COMPLETION_IN_PROGRESS' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.capture-422 ORDER_COMPLETION_IN_PROGRESS',
  },
  {
    label: 'INSTRUMENT_DECLINED: refused',
    status: 422,
    body: unprocessable('INSTRUMENT_DECLINED', "The instrument presented  was either declined by the processor or bank, or it can't be used for this payment."),
    expected: { kind: 'fatal', venueCode: 'INSTRUMENT_DECLINED' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 orders.capture-422 INSTRUMENT_DECLINED',
  },
  {
    label: '401 AUTHENTICATION_FAILURE (expired access token)',
    status: 401,
    body: {
      name: 'AUTHENTICATION_FAILURE',
      message: 'Authentication failed due to missing authorization header, or invalid authentication credentials.',
      debug_id: DEBUG_ID,
      links: [],
    },
    expected: { kind: 'resign', venueCode: 'AUTHENTICATION_FAILURE' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 error_401 AUTHENTICATION_FAILURE',
  },
  {
    label: '401 from the token layer ({ error, error_description })',
    status: 401,
    body: { error: 'invalid_token', error_description: 'Token signature verification failed' },
    expected: { kind: 'resign', venueCode: 'invalid_token', venueMessage: 'Token signature verification failed' },
    source: 'developer.paypal.com/api/rest/authentication (OAuth error body; not in the Orders v2 spec: see about.unverified)',
  },
  {
    label: '400 INVALID_REQUEST',
    status: 400,
    body: {
      name: 'INVALID_REQUEST',
      message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
      debug_id: DEBUG_ID,
      details: [{ field: '/intent', value: 'SALE', issue: 'INVALID_PARAMETER_VALUE', description: 'The value of a field is invalid.' }],
    },
    expected: { kind: 'fatal', venueCode: 'INVALID_PARAMETER_VALUE' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 error_400 INVALID_REQUEST with details INVALID_PARAMETER_VALUE',
  },
  {
    label: '409 RESOURCE_CONFLICT (concurrent request with the same id): generic in-progress rule',
    status: 409,
    body: { name: 'RESOURCE_CONFLICT', message: 'The server has detected a conflict while processing this request.', debug_id: DEBUG_ID },
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: 'RESOURCE_CONFLICT' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 error_409 RESOURCE_CONFLICT; developer.paypal.com/api/rest/reference/idempotency (simultaneous requests)',
  },
  {
    label: '500 INTERNAL_SERVER_ERROR: resend with the same request id',
    status: 500,
    body: { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred.', debug_id: DEBUG_ID, links: [] },
    expected: { kind: 'unknown', venueCode: 'INTERNAL_SERVER_ERROR' },
    source: 'paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3 error_500 INTERNAL_SERVER_ERROR; developer.paypal.com/api/rest/reference/idempotency (retry 5xx with the same id)',
  },
  {
    label: '429 rate limited with Retry-After',
    status: 429,
    body: { name: 'RATE_LIMIT_REACHED', message: 'Too many requests. Blocked due to rate limiting.', debug_id: DEBUG_ID },
    headers: { 'Retry-After': '10' },
    expected: { kind: 'rateLimited', retryAfterMs: 10_000 },
    source: 'RFC 6585 §4 (429) and RFC 9110 §10.2.3 (Retry-After); the RATE_LIMIT_REACHED body is not in the Orders v2 spec: see about.unverified',
  },
];

describe('paypal error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(paypal, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of paypal.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('paypal profile', () => {
  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(paypal))).toEqual(paypal);
  });

  it('relies on the default 6-hour request-id store', () => {
    expect(paypal.key.field).toBe('PayPal-Request-Id');
    expect(paypal.dedupe).toEqual({ kind: 'keyStore', retentionMs: 6 * 60 * 60 * 1000 });
    expect(paypal.reconcile.notFoundIsAuthoritative).toBe(false);
  });

  it.each([
    ['ULID', '01J9Z7Q7E8XK3M4N5P6Q7R8S9T'],
    ['UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['255-character key', 'k'.repeat(255)],
  ])('turns a %s into a valid PayPal-Request-Id', (_, intentKey) => {
    const venueKey = encodeVenueKey(intentKey, paypal.key.format);
    expect(checkVenueKey(venueKey, paypal.key.format)).toBeUndefined();
  });
});

describe('paypal rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(paypal, cases)).toEqual([]);
  });
});

describe('paypal: published limits', () => {
  it('records none: PayPal publishes no rate limiting policy (reason in the profile source)', () => {
    expect(paypal.rateLimit.limits).toBeUndefined();
  });
});
