import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const SDK = 'stripe/stripe-node src/RequestSender.ts, src/Error.ts';

/**
 * Stripe API v1. Stripe keeps the first result for an `Idempotency-Key` for at least
 * 24 h once the endpoint started executing, and replays it (even a saved 500) for
 * every resend with the same key and parameters. So inside that window a resend with
 * the same key *is* the reconcile, and a 5xx or a dropped connection is `unknown`,
 * resolved by resending, with one exception: a **stored 5xx**. Its replay (marked
 * `Idempotent-Replayed: true`) is all any resend will ever get, so the profile settles
 * it by finding the object instead:
 *
 * - `key.echo` writes the venue key into the created object's metadata
 *   (`metadata[intentkey_key]`) on every send;
 * - `reconcile.scan` lists the PaymentIntents created since the intent (`created[gte]`,
 *   newest first, `starting_after` pages) and matches that metadata. Stripe's list
 *   endpoints are read-after-write consistent, unlike its search endpoint (indexed with
 *   a delay of up to a minute, more during incidents, and not offered in every
 *   region), so a complete scan that misses proves no object was created: the intent
 *   is `failed` (not executed; the key's stored answer is that 5xx), never resent.
 *
 * Other endpoints: point `reconcile.scan.path` at their list (`/v1/refunds`,
 * `/v1/customers`, ...), or remove the echo and the scan with
 * `extendVenue(stripe, { key: { echo: null }, reconcile: { scan: null } })` for an
 * endpoint without metadata; a stored 5xx then parks the intent for a person.
 *
 * The generic rules decide the rest, as Stripe documents: 409 `idempotency_key_in_use`
 * (another request with this key is still executing: wait, resend the same key) is
 * `conflictInProgress`; 400 `idempotency_error` (the key was reused with other
 * parameters; nothing new executed; a client bug) and 402 `card_error` (a decline, which
 * a replay of the key returns again) are `fatal`; 429 is `rateLimited` (refused before it
 * ran; stripe-node does not retry a plain 429, we wait and resend); 5xx is `unknown`.
 * `Stripe-Should-Retry: false` on an unknown outcome sends it to the scan rather than a
 * resend; it never counts as "not executed".
 */
export const stripe: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'stripe',
  kind: 'payment',
  key: {
    placement: 'header',
    field: 'Idempotency-Key',
    format: { encoding: 'verbatim', maxLength: 255 },
    echo: { placement: 'body', field: 'metadata.intentkey_key' },
  },
  dedupe: { kind: 'keyStore', retentionMs: DAY_MS },
  reconcile: {
    // Only a complete scan of a consistent list can say "not found".
    notFoundIsAuthoritative: true,
    settleDelayMs: 0,
    scan: {
      path: '/v1/payment_intents',
      createdSinceParam: 'created[gte]',
      createdSinceUnit: 'seconds',
      itemsPath: 'data',
      matchPath: 'metadata.intentkey_key',
      limitParam: 'limit',
      limit: 100,
      cursorParam: 'starting_after',
      cursorPath: 'id',
      hasMorePath: 'has_more',
      maxPages: 10,
      consistent: true,
      note: 'List endpoints are read-after-write consistent; the search endpoint is not (indexing delay, unavailable in some regions), so it is not used.',
    },
  },
  // `error.type` is the fallback code: a key reused with other parameters comes back
  // as type `idempotency_error`, which may carry no `error.code`.
  response: {
    codePaths: ['error.code', 'error.type'],
    messagePaths: ['error.message'],
    successCodes: [],
    replayedHeader: 'idempotent-replayed',
    shouldRetryHeader: 'stripe-should-retry',
  },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  about: {
    title: 'Stripe',
    sources: [
      'docs.stripe.com/api/idempotent_requests (Idempotent requests)',
      'docs.stripe.com/rate-limits',
      'docs.stripe.com/search (Data freshness: list APIs for read-after-write; search delay and regions)',
      'docs.stripe.com/api/payment_intents/list (created[gte], starting_after, has_more)',
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
