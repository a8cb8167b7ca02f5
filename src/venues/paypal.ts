import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const HOUR_MS = 60 * 60 * 1000;
const SPEC = 'paypal/paypal-rest-api-specifications openapi/checkout_orders_v2.json @ec4d8f3';
const GUIDE = 'developer.paypal.com/api/rest/reference/idempotency';

/**
 * PayPal Orders v2 (`POST /v2/checkout/orders`, `/{id}/authorize`, `/{id}/capture`).
 * A resend with the same `PayPal-Request-Id` returns the *latest* status of the
 * request first sent with it, and PayPal tells clients to retry timeouts and 5xx
 * that way for as long as it keeps the id, so inside that window a resend is the
 * reconcile. There is no lookup by request id (`GET /v2/checkout/orders/{id}` needs
 * the order id, which an unanswered create never returned).
 *
 * Retention: Orders v2 keeps request ids for 6 hours unless the account manager
 * raised it (up to 72 hours); the profile claims the 6 hours. After it, a capture
 * resent with an expired id is refused with `ORDER_ALREADY_CAPTURED`
 * (`ORDER_ALREADY_AUTHORIZED` for an authorization), which proves the earlier attempt
 * landed: `conflictDuplicate`, not a failure. `DUPLICATE_INVOICE_ID` is treated the
 * same way, since the most likely holder of the invoice id is this intent's earlier
 * attempt.
 *
 * A 401 means the OAuth access token expired or was rejected before anything ran:
 * `resign` (fetch a new token, resend the same request id). Concurrent requests with
 * one id: PayPal processes the first and "might fail" the second; the spec's 409
 * `RESOURCE_CONFLICT` falls to the generic in-progress rule.
 *
 * Keys are sent as UUIDs (PayPal accepts 1-108 characters); ULID and UUID intent keys
 * keep their 128 bits, longer keys are hashed.
 */
export const paypal: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'paypal',
  kind: 'payment',
  key: { placement: 'header', field: 'PayPal-Request-Id', format: { encoding: 'uuid', minLength: 1, maxLength: 108 } },
  dedupe: { kind: 'keyStore', retentionMs: 6 * HOUR_MS },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  // Errors are `{ name, message, debug_id, details: [{ issue, description }] }`; the
  // issue is the specific code, `name` the class. OAuth failures from the token layer
  // use `{ error, error_description }`.
  response: {
    codePaths: ['details.0.issue', 'name', 'error'],
    messagePaths: ['details.0.description', 'message', 'error_description'],
    successCodes: [],
  },
  // No rateLimit.limits: developer.paypal.com/api/rest/reference/rate-limiting (Rate
  // limiting guidelines) says PayPal does not publish a rate limiting policy and limits
  // traffic it finds abusive, answering 429 RATE_LIMIT_REACHED.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: ['ORDER_ALREADY_CAPTURED', 'ORDER_ALREADY_AUTHORIZED'] },
      outcome: 'conflictDuplicate',
      note: `${SPEC} (orders.capture-422, orders.authorize-422): only one capture or authorization per order; seen when a resend outlives the request id, so an earlier attempt executed. Fetch the order.`,
    },
    {
      match: { code: 'DUPLICATE_INVOICE_ID' },
      outcome: 'conflictDuplicate',
      note: `${SPEC} (orders.capture-422, orders.authorize-422): the account requires unique invoice ids and one is already used, most likely by an earlier attempt of this intent. Check before any new attempt.`,
    },
    {
      match: { code: 'ORDER_COMPLETION_IN_PROGRESS' },
      outcome: 'conflictInProgress',
      note: `${SPEC} (orders.capture-422): PayPal is still capturing an order created with ORDER_COMPLETE_ON_PAYMENT_APPROVAL; "try your request again". A 422, so matched before the generic fatal rule.`,
    },
    {
      match: { status: 401 },
      outcome: 'resign',
      note: `${SPEC} (error_401 AUTHENTICATION_FAILURE) and developer.paypal.com/api/rest/authentication: the access token expired or was rejected before the request ran. Get a new token and resend the same request id.`,
    },
  ],
  about: {
    title: 'PayPal Orders v2',
    sources: [
      `${SPEC}: PayPal-Request-Id parameter (1-108 characters; kept 6 hours, up to 72 on request), error schemas (400/401/403/404/409/422/500/503 names) and the per-operation 422 issue lists`,
      `${GUIDE}: resend with the same id returns the latest status of the first request; retry timeouts and 5xx with the same id while the server keeps it; simultaneous requests may fail the second`,
    ],
    unverified: [
      'errors: the status and body PayPal uses for a concurrent request with the same id (PREVIOUS_REQUEST_IN_PROGRESS under 409 RESOURCE_CONFLICT appears only in third-party code); left to the generic 409 rule.',
      'errors: the 429 RATE_LIMIT_REACHED body and any Retry-After header are not in the Orders v2 spec; left to the generic 429 rule.',
      'errors: the OAuth error body `{ error: "invalid_token" }` on an expired token comes from PayPal identity responses, not the Orders v2 spec.',
    ],
  },
});
