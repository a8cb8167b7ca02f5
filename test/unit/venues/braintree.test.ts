import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { placeKey } from '../../../src/client/axios-request.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { braintree } from '../../../src/venues/braintree.js';
import { defineVenue } from '../../../src/venues/schema.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

const REQUEST_ID = { requestId: 'a-uuid-for-the-request' };

/** A GraphQL error answer as Braintree sends it: HTTP 200, `data` null, `errors[0]`. */
function graphqlError(message: string, extensions: Record<string, unknown>) {
  return { data: { chargePaymentMethod: null }, errors: [{ message, path: ['chargePaymentMethod'], extensions }], extensions: REQUEST_ID };
}

// Shapes from the Braintree GraphQL error-handling guide (HTTP 200, errors[].message,
// extensions.legacyCode, top-level extensions.requestId) and the chargePaymentMethod
// reference; texts of the in-flight error are not published (see the profile).
const cases: readonly Case[] = [
  {
    label: 'transaction charged',
    status: 200,
    body: { data: { chargePaymentMethod: { transaction: { id: 'dHJhbnNhY3Rpb25fcGs4MmJ3', status: 'SUBMITTED_FOR_SETTLEMENT' } } }, extensions: REQUEST_ID },
    expected: { kind: 'success', httpStatus: 200 },
    source: 'developer.paypal.com/braintree/graphql/reference/mutations/charge-payment-method (payload transaction)',
  },
  {
    label: 'same key resent after completion: the same transaction in its current status',
    status: 200,
    body: { data: { chargePaymentMethod: { transaction: { id: 'dHJhbnNhY3Rpb25fcGs4MmJ3', status: 'SETTLED' } } }, extensions: REQUEST_ID },
    expected: { kind: 'success' },
    source: 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input (apiRequestKey): a later request with the key returns the same transaction in its current status',
  },
  {
    label: 'VALIDATION while the first request with the key is in flight',
    status: 200,
    body: graphqlError('A request with this apiRequestKey is still in progress.', { errorClass: 'VALIDATION' }),
    expected: { kind: 'conflict', conflict: 'inProgress', venueCode: 'VALIDATION' },
    source: 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input (apiRequestKey): VALIDATION while the first is in flight (message text not published: rule unverified)',
  },
  {
    label: 'VALIDATION: key reused with different input',
    status: 200,
    body: graphqlError('Input does not match the original request for this apiRequestKey.', { errorClass: 'VALIDATION' }),
    expected: { kind: 'fatal', venueCode: 'VALIDATION' },
    source: 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input (apiRequestKey): VALIDATION when the input differs',
  },
  {
    label: 'VALIDATION with a legacy code: invalid amount',
    status: 200,
    body: graphqlError('Amount is an invalid format.', { errorClass: 'VALIDATION', legacyCode: '81503', inputPath: ['input', 'transaction', 'amount'] }),
    expected: { kind: 'fatal', venueCode: 'VALIDATION', venueMessage: 'Amount is an invalid format.' },
    source: 'developer.paypal.com/braintree/in-person/guides/graphql-error-handling (errors[].message and extensions.legacyCode, HTTP 200)',
  },
  {
    label: 'AUTHENTICATION inside a 200',
    status: 200,
    body: { data: null, errors: [{ message: 'Authentication credentials are invalid.', extensions: { errorClass: 'AUTHENTICATION' } }], extensions: REQUEST_ID },
    expected: { kind: 'fatal', venueCode: 'AUTHENTICATION' },
    source: 'developer.paypal.com/braintree/in-person/guides/graphql-error-handling (errors returned with HTTP 200); errorClass AUTHENTICATION',
  },
  {
    label: 'AUTHORIZATION inside a 200',
    status: 200,
    body: graphqlError('You do not have permission to perform this action.', { errorClass: 'AUTHORIZATION' }),
    expected: { kind: 'fatal', venueCode: 'AUTHORIZATION' },
    source: 'errorClass AUTHORIZATION (not confirmed by a stored primary source: see about.unverified)',
  },
  {
    label: 'RESOURCE_LIMIT inside a 200',
    status: 200,
    body: graphqlError('Too many requests.', { errorClass: 'RESOURCE_LIMIT' }),
    expected: { kind: 'rateLimited', venueCode: 'RESOURCE_LIMIT' },
    source: 'developer.paypal.com/braintree/graphql/guides/making_api_calls (errors); errorClass RESOURCE_LIMIT unverified',
  },
  {
    label: 'INTERNAL inside a 200: state uncertain, resend the same key',
    status: 200,
    body: graphqlError('An unexpected error occurred on the server.', { errorClass: 'INTERNAL' }),
    expected: { kind: 'unknown', venueCode: 'INTERNAL' },
    source: 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input (apiRequestKey): INTERNAL, the ultimate state of the request is uncertain',
  },
  {
    label: 'gateway 503 without body',
    status: 503,
    body: '',
    expected: { kind: 'unknown', reason: 'HTTP 503' },
    source: 'RFC 9110 §15.6.4 503 (Braintree documents no body for gateway errors)',
  },
  {
    label: 'negative control: a VALIDATION whose message only mentions "progress" is not the in-flight error',
    status: 200,
    body: graphqlError('Progress payments are not supported for this merchant account.', { errorClass: 'VALIDATION' }),
    expected: { kind: 'fatal', venueCode: 'VALIDATION' },
    source: 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input: VALIDATION also covers invalid input',
  },
];

describe('braintree error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(braintree, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a note on every rule', () => {
    for (const rule of braintree.errors) expect(rule.note?.length).toBeGreaterThan(20);
  });
});

describe('braintree profile', () => {
  it('is valid input for defineVenue, unchanged', () => {
    expect(defineVenue(structuredClone(braintree))).toEqual(braintree);
  });

  it('keeps keys 30 days and has no lookup', () => {
    expect(braintree.dedupe).toEqual({ kind: 'keyStore', retentionMs: 30 * 24 * 60 * 60 * 1000 });
    expect(braintree.reconcile.lookup).toBeUndefined();
  });

  it('places the key in the chargePaymentMethod input inside the GraphQL variables', () => {
    const input = { paymentMethodId: 'cGF5bWVudG1ldGhvZF9jYzpx', transaction: { amount: '10.00' } };
    const data = { query: 'mutation chargePaymentMethod($input: ChargePaymentMethodInput!) { chargePaymentMethod(input: $input) { transaction { id status } } }', variables: { input } };
    const venueKey = encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', braintree.key.format);
    const placed = placeKey({ method: 'post', url: '/graphql', data }, braintree.key, venueKey, 'charge');
    expect(placed.data).toEqual({ query: data.query, variables: { input: { ...input, apiRequestKey: venueKey } } });
  });

  it.each([
    ['ULID', '01J9Z7Q7E8XK3M4N5P6Q7R8S9T'],
    ['UUID', '3f2504e0-4f89-41d3-9a0c-0305e82c3301'],
    ['255-character key', 'k'.repeat(255)],
  ])('turns a %s into a valid apiRequestKey', (_, intentKey) => {
    const venueKey = encodeVenueKey(intentKey, braintree.key.format);
    expect(checkVenueKey(venueKey, braintree.key.format)).toBeUndefined();
  });
});

describe('braintree rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(braintree, cases)).toEqual([]);
  });
});

describe('braintree: published limits', () => {
  it('records none: no request figure published (reason in the profile source)', () => {
    expect(braintree.rateLimit.limits).toBeUndefined();
  });
});
