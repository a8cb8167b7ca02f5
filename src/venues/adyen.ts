import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const IDEMPOTENCY = 'docs.adyen.com/development-resources/api-idempotency';
const STATUS_CODES = 'docs.adyen.com/development-resources/response-handling (HTTP responses)';

/**
 * Adyen Checkout API (`POST /payments`, `/payments/details`, modifications). Adyen
 * stores the `Idempotency-Key` per company account and answers every later request
 * with that key with the response to the first attempt, so a resend with the same
 * key *is* the reconcile; there is no lookup by key (webhooks are Adyen's other
 * channel). A 5xx or a dropped connection is `unknown`, settled by that resend.
 *
 * Retention: the current page says keys are valid for at least 31 days after first
 * submission; earlier versions of the page gave 7 to 14 days. Resending after Adyen
 * forgot the key charges again, so the profile claims the older, shorter floor of
 * 7 days: it costs only a manual check for intents still unknown after a week.
 *
 * A request that arrives while the first request with its key is still running gets
 * error code 704 "request already processed or in progress" (HTTP 409, or 422 in
 * older integrations). The code covers two cases, so the profile reads it by the
 * header Adyen documents for it: with `transient-error: true` (a resend may succeed,
 * the first request is still running) it is `conflictInProgress`: wait, then resend
 * the same key. Without that header it is `unknown`, never a refusal: "already
 * processed" means the first request with this key may have charged (Adyen merchants
 * report 704 on a duplicate of a successful payment), and the 422 form must not be read
 * as a validation failure. Both send the intent to a same-key resend; a resend that
 * keeps failing ends as unknown for a person to check, never as a second payment.
 *
 * Keys are sent as UUIDs (Adyen recommends version 4 UUIDs and caps keys at 64
 * characters): ULID and UUID intent keys keep their 128 bits, longer keys are hashed.
 * Keys are not shared across regional endpoints: send every attempt of an intent to
 * the same region.
 *
 * Rate limits (429) and other statuses are left to the generic rules.
 */
export const adyen: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'adyen',
  kind: 'payment',
  key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'uuid', maxLength: 64 } },
  dedupe: { kind: 'keyStore', retentionMs: 7 * DAY_MS },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  // Checkout API errors are `{ status, errorCode, message, errorType, pspReference }`;
  // the newer RFC 7807 shape used by some Adyen APIs carries `detail` instead of `message`.
  // A payment's own outcome (`resultCode` Authorised/Refused) arrives with HTTP 200 and
  // is a completed request, so it is not read as an error code.
  response: { codePaths: ['errorCode'], messagePaths: ['message', 'detail'], successCodes: [] },
  // No rateLimit.limits: no Adyen page read gives a request rate for the Checkout API.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: '704', header: { name: 'transient-error', value: '^\\s*true\\s*$' } },
      outcome: 'conflictInProgress',
      note: `${STATUS_CODES}: 409 "request already processed or in progress"; retry when the transient-error header is true, i.e. the first request with this key is still running. Wait and resend the same key. Matched on the code and the header so the 422 form is read the same way.`,
    },
    {
      match: { code: '704' },
      outcome: 'unknown',
      note: `${IDEMPOTENCY} (Error handling) and ${STATUS_CODES}: 704 without transient-error: true gives no promise that a resend can succeed, and "already processed" means the first request with this key may have executed. Not a refusal (the generic 422 rule would say fatal): a same-key resend or a person settles it.`,
    },
  ],
  about: {
    title: 'Adyen Checkout',
    sources: [
      `${IDEMPOTENCY} (Enable idempotency: key up to 64 characters, UUID recommended; Key scope and validity time: company account, at least 31 days, not checked across regions)`,
      `${STATUS_CODES}: 409 "request already processed or in progress", retry when the transient-error header is true; 422 request validation error; 500 may also mean a bad request`,
      'docs.adyen.com/errors/internal (00_500 with detail "too many requests" for rate limits)',
      'Adyen/adyen-magento2 issues #1166 and #2211 (704 returned to a duplicate request of a successful payment); VTEX known issue 884154 (body {"status":409,"errorCode":"704","message":"request already processed or in progress","errorType":"validation"})',
    ],
    unverified: [
      'dedupe.retentionMs: 7 days is the floor of an earlier version of the idempotency page ("7 to 14 days"), quoted in secondary sources; the current page says at least 31 days.',
      'errors: the 422 form of error 704 is quoted from the idempotency page by secondary sources only; the live status table lists 409.',
      'errors: whether Adyen sends transient-error: true with a 704 in its 422 form; without the header such an answer is read as unknown.',
      'errors: what Adyen answers to a key reused with a different body is not documented.',
      'rateLimit: Adyen documents no Retry-After header or 429 body for the Checkout API.',
    ],
  },
});
