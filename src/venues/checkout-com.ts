import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const IDEMPOTENCY = 'checkout.com/docs/payments/manage-payments/retry-a-payment (Idempotency)';

/**
 * Checkout.com unified payments API (`POST /payments` and payment actions). The
 * `Cko-Idempotency-Key` header is kept for 24 hours, but **only a 2xx result is
 * cached**: when the first request ends in a 4xx or a 5xx, nothing is stored and a
 * resend with the same key runs the payment again.
 *
 * That rules out treating Checkout.com as a key store. A 5xx, or a dropped connection
 * whose request ended in a 5xx on Checkout.com's side, says nothing about whether the
 * payment was authorised before the failure, and because that attempt was not cached,
 * a same-key resend would be a fresh payment: a possible double charge. So the profile
 * declares `dedupe: none`. Every ambiguous attempt stays `unknown` until a lookup
 * settles it, and a lookup's "not found" is not trusted (`notFoundIsAuthoritative:
 * false`): the list endpoint is in beta and nothing documents how soon a new payment
 * appears in it.
 *
 * The only lookup is `GET /payments?reference=` (beta), keyed by the payment's own
 * `reference`, not by the idempotency key, so the profile cannot build it. Give each
 * operation a `reconcile` that lists payments by the reference your request sent
 * (`data` is empty when none matches). Without one, an unknown outcome goes to a
 * person.
 *
 * The header is still sent: it makes a same-key request that arrives while the first
 * is running answer 409 (older API versions: 429) instead of paying twice, and it
 * replays a cached success. Checkout.com asks for at least 30 seconds before such a
 * request is resent. Keys are sent as UUIDs, as Checkout.com recommends.
 */
export const checkoutCom: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'checkout-com',
  kind: 'payment',
  key: { placement: 'header', field: 'Cko-Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } },
  dedupe: { kind: 'none' },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  // Errors are `{ request_id, error_type, error_codes: [...] }` (401 has no body); the
  // first error code is the most specific. A declined payment is a 201 with
  // `approved: false` and a `response_code`, a completed request, not an error.
  response: { codePaths: ['error_codes.0', 'error_type'], messagePaths: ['error_type'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      waitMs: 30_000,
      note: `${IDEMPOTENCY}: older API versions answered a concurrent same-key request with 429 and asked for at least 30 s before trying again; support.checkout.com article 24570669653010: 429 now means rate limiting only. Either way the request did not run; wait 30 s unless Retry-After says otherwise.`,
    },
  ],
  about: {
    title: 'Checkout.com',
    sources: [
      `${IDEMPOTENCY}, versions of 2022-2026: keys expire after 24 h (sandbox 120 s before late 2024), only 2xx results are cached, 4xx/5xx first attempts are reattempted, concurrent same-key requests get one processed, wait >= 30 s, V4 UUIDs recommended`,
      'support.checkout.com article 24570669653010 (409 replaced 429 for a same-key request still being processed) and article 26763450855186 (already processed: the original response; still processing: 409)',
      'checkout.com/docs/payments/manage-payments/get-a-list-of-payments (GET /payments?reference=, beta, results newest first in `data`)',
    ],
    unverified: [
      'key.format: Checkout.com publishes no length or character set for Cko-Idempotency-Key; a 36-character UUID is what it recommends.',
      'errors: whether Checkout.com sends Retry-After with a 429.',
      'reconcile: how soon a new payment appears in GET /payments?reference= (beta).',
    ],
  },
});
