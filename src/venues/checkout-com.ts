import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const IDEMPOTENCY = 'checkout.com/docs/payments/manage-payments/retry-a-payment (Idempotency)';
const LIST = 'checkout.com/docs/payments/manage-payments/get-a-list-of-payments (beta)';
const RATES = 'checkout.com/docs/developer-resources/api/api-rate-limits';

/**
 * Checkout.com unified payments API (`POST /payments` and payment actions). The
 * `Cko-Idempotency-Key` header is kept for 24 hours by default, but **only a 2xx
 * answer is stored under it**: when the first request ends in a 4xx or a 5xx, nothing
 * is kept and a later request with the same key is processed afresh.
 *
 * So the profile declares a successes-only key store (`dedupe.stores: 'successes'`). A
 * same-key resend still does two useful things: a request arriving while the first is
 * running is answered 409 instead of paying twice (older API versions answered 429),
 * and a stored success is replayed. But a resend is **not a reconcile**: a 5xx, or a
 * dropped connection, says nothing about whether the payment was authorised before the
 * failure, and because that answer was not stored, a resend could be a second payment.
 * An unknown outcome is therefore looked up first, as for a venue without a key store.
 *
 * The lookup is `GET /payments?reference=<reference>` (beta), keyed by the payment's
 * own `reference` rather than the idempotency key: `reconcile.lookup.valueFrom` takes
 * that value from the original request body. Results come newest first in `data`, and
 * an empty `data` is a miss (`foundPath: 'data.0'`). A miss is not trusted
 * (`notFoundIsAuthoritative: false`): the endpoint is in beta and nothing documents how
 * soon a new payment appears in it, so such an intent goes to a person. A hit means "a
 * payment with this reference exists", whatever its status (a declined payment is
 * listed too), and Checkout.com does not require references to be unique: give every
 * intent its own reference, and read `data[0].status` / `approved` in the operation's
 * `result` (or give the operation a `reconcile.interpret`). A request without a
 * `reference` is not looked up; it stays unknown.
 *
 * Checkout.com recommends waiting at least 30 seconds before a request is sent again.
 * Keys are sent as UUIDs, as Checkout.com recommends.
 */
export const checkoutCom: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'checkout-com',
  kind: 'payment',
  key: { placement: 'header', field: 'Cko-Idempotency-Key', format: { encoding: 'uuid', maxLength: 36 } },
  dedupe: { kind: 'keyStore', retentionMs: DAY_MS, stores: 'successes' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: 0,
    lookup: {
      method: 'GET',
      path: '/payments',
      keyIn: 'query',
      keyParam: 'reference',
      valueFrom: 'reference',
      foundPath: 'data.0',
      match: { itemsPath: 'data', keyPath: 'reference' },
      note: `${LIST}: filters by the reference the payment was created with (required parameter); newest first in \`data\`; references need not be unique, so a hit may be an older payment with the same reference; how soon a new payment is listed is not documented.`,
    },
  },
  // Errors are `{ request_id, error_type, error_codes: [...] }` (401 has no body); the
  // first error code is the most specific. A declined payment is a 201 with
  // `approved: false` and a `response_code`, a completed request, not an error.
  response: { codePaths: ['error_codes.0', 'error_type'], messagePaths: ['error_type'], successCodes: [] },
  // Checkout.com sends no usage headers, so no limit names one.
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    limits: [
      {
        id: 'write-1s',
        limit: 100,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${RATES} (Concurrent rate limits): write operations (POST, PUT, DELETE) 100 per second, counted over every API and the whole account whatever the credentials. Lower in the sandbox, by an amount not given. The page calls the limiting adaptive: it mostly bites when the platform is under exceptional load.`,
      },
      {
        id: 'read-1s',
        limit: 100,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 0,
        readCost: 1,
        note: `${RATES} (Concurrent rate limits): read operations (GET), the lookup among them, 100 per second over the whole account.`,
      },
    ],
  },
  errors: [
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      waitMs: 30_000,
      note: `${RATES}: a 429 is rate limiting and the request may be retried safely; ${IDEMPOTENCY}: older versions answered a concurrent same-key request with 429, and the page asks for at least 30 s before a new attempt. Either way this request did not run; wait 30 s unless Retry-After says otherwise.`,
    },
  ],
  about: {
    title: 'Checkout.com',
    sources: [
      `${IDEMPOTENCY}, versions of 2022 to January 2026: keys expire after 24 h by default (sandbox 120 s before late 2024); the key is cached only when the request returns 2xx, a 4xx/5xx first request stores nothing and is processed again; concurrent same-key requests get one processed; wait at least 30 s; V4 UUIDs recommended`,
      'support.checkout.com article 24570669653010 (409 replaced 429 for a same-key request still being processed; 429 now means rate limiting only) and article 26763450855186 (already processed: the original payment response; still processing: 409)',
      `${LIST}: GET /payments with the required \`reference\` query parameter, \`limit\` and \`skip\`; results sorted by processing date, newest first, in \`data\``,
      `${RATES} (429 when rate limited; safe to retry with backoff; Concurrent rate limits: 100 read and 100 write requests per second per account, lower in the sandbox)`,
    ],
    unverified: [
      'key.format: Checkout.com publishes no length or character set for Cko-Idempotency-Key; a 36-character UUID is what it recommends.',
      'errors: whether Checkout.com sends Retry-After with a 429.',
      'errors: the body of the 409 answered to a same-key request still being processed.',
      'reconcile.lookup: how soon a new payment appears in GET /payments?reference= (beta), and whether a payment that failed with a 5xx is ever listed.',
    ],
  },
});
