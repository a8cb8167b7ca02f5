import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const SDK = 'square/square-nodejs-sdk @c58c6e0';
const CODES = `${SDK} legacy/doc/models/error-code.md`;
const GUIDE = 'developer.squareup.com/docs/build-basics/common-api-patterns/idempotency';

/**
 * Square API v2 (`POST /v2/payments` and other writes). The key travels in the JSON
 * body as `idempotency_key`. Square documents that the same request resent with the
 * same key does not take the payment again but returns the first successful response,
 * that `TEMPORARY_ERROR` may be retried with the same key, and its official Node SDK
 * resends every method, POST included, on 408, 429 and 5xx with the same body. So
 * Square keeps a key store, and a same-key resend settles an unknown outcome. There is
 * no lookup by key.
 *
 * Retention is **not published**: neither the idempotency guide nor the CreatePayment
 * reference gives one. The profile claims a deliberately short 1 hour: it covers the
 * client's own retries and a quick restart, while an intent still unknown after an
 * hour goes to a person instead of being resent on a guess. If Square confirms a longer window, raise it with
 * `extendVenue`; if it forgot keys sooner, a resend would charge twice, hence the
 * short figure.
 *
 * Keys are sent as UUIDs (36 characters; CreatePayment accepts at most 45, other
 * endpoints allow more), so every intent key fits: ULIDs and UUIDs keep their 128
 * bits, longer keys are hashed.
 *
 * Rules: `IDEMPOTENCY_KEY_REUSED` (same key, different request) is `fatal` whatever
 * its status; `ACCESS_TOKEN_EXPIRED` is `resign` (refresh the OAuth token);
 * `CONFLICT` carries no documented meaning, so it is `unknown` rather than a promise
 * that the first request is still running. 429 `RATE_LIMITED` with `Retry-After`,
 * declines (`PAYMENT_METHOD_ERROR`, 4xx) and 5xx codes (`INTERNAL_SERVER_ERROR`,
 * `SERVICE_UNAVAILABLE`, `GATEWAY_TIMEOUT`, `TEMPORARY_ERROR`) are left to the
 * generic rules (`rateLimited`, `fatal`, `unknown`).
 */
export const square: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'square',
  kind: 'payment',
  key: { placement: 'body', field: 'idempotency_key', format: { encoding: 'uuid', minLength: 1, maxLength: 45 } },
  dedupe: { kind: 'keyStore', retentionMs: 60 * 60 * 1000 },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  // Errors are `{ errors: [{ category, code, detail, field }] }` (a declined payment
  // also carries the FAILED `payment`); the first error decides.
  response: { codePaths: ['errors.0.code'], messagePaths: ['errors.0.detail'], successCodes: [] },
  // No rateLimit.limits: no Square page or SDK file read gives a request rate; a burst is
  // answered 429 RATE_LIMITED, which the generic rules handle.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: 'IDEMPOTENCY_KEY_REUSED' },
      outcome: 'fatal',
      note: `${CODES} ("The provided idempotency key has already been used") and ${GUIDE}: the key came back with a different request; nothing new ran. A client bug: one intent must send one request. Matched on the code because its HTTP status is not documented.`,
      unverified: true,
    },
    {
      match: { code: 'ACCESS_TOKEN_EXPIRED' },
      outcome: 'resign',
      note: `${CODES}: "The provided access token has expired" (AUTHENTICATION_ERROR, 401); refused before anything ran. Refresh the token and resend the same key.`,
    },
    {
      match: { code: 'CONFLICT' },
      outcome: 'unknown',
      note: `${CODES}: "Conflict - a general error occurred" (409). Square does not say the first request is still running or that this one did not run, so it is not read as the generic in-progress conflict.`,
    },
  ],
  about: {
    title: 'Square',
    sources: [
      `${SDK} legacy/doc/models/create-payment-request.md (idempotencyKey 1-45 characters), legacy/doc/models/error.md (error fields), legacy/doc/models/create-payment-response.md (errors may come with a FAILED payment)`,
      `${CODES} and src/api/types/ErrorCategory.ts (codes and categories)`,
      `${SDK} src/core/fetcher/requestWithRetries.ts (retries 408, 429 and >= 500 for every method, honours Retry-After)`,
      `${GUIDE} (same request and key returns the first successful response; a changed request with the key is an error)`,
    ],
    unverified: [
      'dedupe.retentionMs: Square publishes no key retention; 1 hour is a conservative choice, not a documented figure.',
      'errors: the HTTP status of IDEMPOTENCY_KEY_REUSED (400 assumed).',
      'errors: what CONFLICT (409) means for a payment request.',
    ],
  },
});
