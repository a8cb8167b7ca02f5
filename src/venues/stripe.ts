import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const DOCS = 'docs.stripe.com/api/idempotent_requests';
const SDK = 'stripe/stripe-node src/RequestSender.ts, src/Error.ts';

/**
 * Stripe API v1. Stripe keeps the first result for an `Idempotency-Key` for at least
 * 24 h once the endpoint started executing, and replays it (even a saved 500) for
 * every resend with the same key and parameters. So inside that window a resend with
 * the same key *is* the reconcile, and a 5xx or a dropped connection is `unknown`,
 * resolved by resending. There is no lookup by key.
 *
 * Left out: the `Stripe-Should-Retry` response header. It says whether a resend may
 * succeed, not whether the first attempt executed, so it cannot move an outcome
 * between "not executed" and "may have executed", which is what our kinds encode.
 * The codes below already cover the cases where Stripe sets it (in-use key, lock
 * contention, rate limits).
 */
export const stripe: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'stripe',
  kind: 'payment',
  key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'verbatim', maxLength: 255 } },
  dedupe: { kind: 'keyStore', retentionMs: DAY_MS },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  // `error.type` is the fallback code: a key reused with other parameters comes back
  // as type `idempotency_error`, which may carry no `error.code`.
  response: { codePaths: ['error.code', 'error.type'], messagePaths: ['error.message'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  about: {
    title: 'Stripe',
    sources: [
      'docs.stripe.com/api/idempotent_requests (Idempotent requests)',
      'docs.stripe.com/rate-limits',
      'stripe/stripe-node src/RequestSender.ts, src/Error.ts @6639421',
    ],
    unverified: ['errors idempotency_key_in_use: the HTTP status (409) is inferred from the SDK retrying 409s, so the rule matches on the code alone.'],
  },
  errors: [
    {
      match: { code: 'idempotency_key_in_use' },
      outcome: 'conflictInProgress',
      note: `${SDK}: another request with this key is still executing; wait and resend with the same key. HTTP 409 (status inferred from the SDK's retry of 409s), so matched on the code alone.`,
    },
    {
      match: { status: 400, code: 'idempotency_error' },
      outcome: 'fatal',
      note: `${DOCS}: the key was reused with a different endpoint or parameters; nothing new was executed. A client bug: the same intent must send the same request.`,
    },
    {
      match: { code: ['rate_limit', 'lock_timeout'] },
      outcome: 'rateLimited',
      note: `${SDK}: rate_limit (429, and 400 in the SDK's map); lock_timeout means an object lock could not be taken, so the request did not run and stored nothing.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      note: 'docs.stripe.com/rate-limits: 429 is returned before the request runs (including lock_timeout contention). stripe-node does not retry a plain 429; we wait and resend.',
    },
    {
      match: { status: 402 },
      outcome: 'fatal',
      note: `${SDK}: card_error (402), e.g. card_declined; the payment was refused. A replay of the same key returns the same decline.`,
    },
    {
      match: { status: '5xx' },
      outcome: 'unknown',
      note: `${DOCS}: the request may have executed. Inside 24 h a resend with the same key is safe: Stripe replays the stored result.`,
    },
  ],
});
