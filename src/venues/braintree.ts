import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const INPUT = 'developer.paypal.com/braintree/graphql/reference/types/charge-payment-method-input (apiRequestKey)';
const GUIDE = 'developer.paypal.com/braintree/graphql/integration_guides/idempotency (At-Most-Once Processing)';

/**
 * Braintree GraphQL API (`chargePaymentMethod` and the other transaction mutations).
 * The key is the `apiRequestKey` field of the mutation's `input`, so it sits in the
 * GraphQL variables: with the usual `{ query, variables: { input } }` body the field
 * path is `variables.input.apiRequestKey`. Write the mutation with a `$input`
 * variable (as Braintree's examples do), not with an inline input literal.
 *
 * At-most-once processing: once the first request with a key has finished, every
 * request with the same key and the same input returns that transaction in its
 * current status, for 30 days after the first request finished. A resend with the
 * same key is therefore the reconcile; the profile counts the 30 days from the
 * intent's creation, which is earlier and so safe. `apiRequestKey` and Braintree's
 * duplicate transaction checking are mutually exclusive.
 *
 * Errors arrive with HTTP 200 in `errors[0]`, with `extensions.errorClass` (read as
 * the code) and, for validation errors, a numeric `extensions.legacyCode`.
 * A request with the key while the first is still in flight, or with different
 * input, gets a `VALIDATION` error; Braintree calls the first kind retryable but
 * documents no code that tells them apart. The profile treats a `VALIDATION` whose
 * message speaks of a request in progress as `conflictInProgress` and every other
 * one as `fatal`; a key-store resend that is refused this way is recorded as unknown
 * for a person, never as a failure. `INTERNAL` ("the ultimate state of the request
 * is uncertain") and any other class the rules do not name fall to the generic
 * catch-all, `unknown`, settled by resending the same key.
 *
 * Keys are sent as UUIDs: Braintree publishes no length or character set for
 * `apiRequestKey`.
 */
export const braintree: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'braintree',
  kind: 'payment',
  key: { placement: 'body', field: 'variables.input.apiRequestKey', format: { encoding: 'uuid', maxLength: 36 } },
  dedupe: { kind: 'keyStore', retentionMs: 30 * DAY_MS },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: {
    codePaths: ['errors.0.extensions.errorClass', 'errors.0.extensions.legacyCode'],
    messagePaths: ['errors.0.message'],
    successCodes: [],
  },
  // No rateLimit.limits: no Braintree page read gives a per-second or per-minute figure.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: 'VALIDATION', message: 'in progress|in-flight|in flight|still being processed|currently processing' },
      outcome: 'conflictInProgress',
      note: `${INPUT}: a request with the key made while the first is in flight gets a VALIDATION error; ${GUIDE}: that error is retryable. Wait and resend the same key. Its wording is not published, so the message pattern is a guess.`,
      unverified: true,
    },
    {
      match: { code: 'VALIDATION' },
      outcome: 'fatal',
      note: `${INPUT}: the key was reused with different input, or the input is invalid (amount, payment method); nothing new was executed. legacyCode names the cause.`,
    },
    {
      match: { code: ['AUTHENTICATION', 'AUTHORIZATION'] },
      outcome: 'fatal',
      note: `${INPUT}: credentials missing, invalid or lacking permission for the mutation; the request did not run.`,
    },
    {
      match: { code: 'RESOURCE_LIMIT' },
      outcome: 'rateLimited',
      note: 'developer.paypal.com/braintree/graphql/guides/making_api_calls (errors): a request or resource limit was hit before the mutation ran.',
      unverified: true,
    },
  ],
  about: {
    title: 'Braintree GraphQL',
    sources: [
      `${INPUT}: key detects duplicates; a later request with it returns the same transaction in its current status; same input required; not while the first is in flight; 30 days after the first request finished; in-flight or different input gives VALIDATION`,
      `${GUIDE}: 30-day window, in-progress duplicate gets a retryable validation error, exclusive with duplicate transaction checking`,
      'developer.paypal.com/braintree/graphql/reference/mutations/charge-payment-method (mutation with `$input: ChargePaymentMethodInput!`)',
      'developer.paypal.com/braintree/in-person/guides/graphql-error-handling (errors returned with HTTP 200; errors[].message and extensions.legacyCode)',
    ],
    unverified: [
      'key.format: Braintree publishes no length or character set for apiRequestKey.',
      'errors: the message of the in-flight VALIDATION error; without a match it is read as fatal.',
      'errors: the errorClass values AUTHORIZATION and RESOURCE_LIMIT are not confirmed by a stored primary source; the public schema braintree/graphql-api @2252d47 (April 2025) does not list apiRequestKey yet.',
      'errors: that an AUTHENTICATION or AUTHORIZATION error leaves the key unused (the input reference names these classes, but the stored excerpt ends mid-sentence).',
    ],
  },
});
