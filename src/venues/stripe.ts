import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const SDK = 'stripe/stripe-node src/RequestSender.ts, src/Error.ts';

/**
 * Stripe API v1. Stripe keeps the first result for an `Idempotency-Key` for at least
 * 24 h once the endpoint started executing, and replays it (even a saved 500) for
 * every resend with the same key and parameters. So inside that window a resend with
 * the same key *is* the reconcile, and a 5xx or a dropped connection is `unknown`,
 * resolved by resending. There is no lookup by key.
 *
 * The generic rules decide the rest, as Stripe documents: 409 `idempotency_key_in_use`
 * (another request with this key is still executing: wait, resend the same key) is
 * `conflictInProgress`; 400 `idempotency_error` (the key was reused with other
 * parameters; nothing new executed; a client bug) and 402 `card_error` (a decline, which
 * a replay of the key returns again) are `fatal`; 429 is `rateLimited` (refused before it
 * ran; stripe-node does not retry a plain 429, we wait and resend); 5xx is `unknown`,
 * settled inside 24 h by resending the same key, which replays the stored result.
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
    unverified: ['idempotency_key_in_use: its HTTP status (409, handled by the generic conflict rule) is inferred from the SDK retrying 409s.'],
  },
  errors: [
    {
      match: { code: ['rate_limit', 'lock_timeout'] },
      outcome: 'rateLimited',
      note: `${SDK}: rate_limit (429, and 400 in the SDK's map); lock_timeout means an object lock could not be taken, so the request did not run and stored nothing.`,
    },
  ],
});
