import { DAY_MS } from './generic.js';
import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const SDK = 'stripe/stripe-node src/RequestSender.ts, src/Error.ts @663942164d38';
const ERRORS = 'docs.stripe.com/api/errors (HTTP status code summary)';
const RATE = 'docs.stripe.com/rate-limits (Rate limits table: Global API rate limit; Individual API endpoints)';

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
 * The profile adds one rule of its own besides: 424 (a dependency outside Stripe
 * failed) is `unknown`, since Stripe does not say the request did nothing.
 *
 * `Stripe-Should-Retry` (`response.shouldRetryHeader`): Stripe's official SDKs obey it
 * before looking at the status (stripe-node `RequestSender._shouldRetry`, added in
 * stripe-node PR #692): `false` stops their retries, `true` forces one (lock timeouts
 * are the SDK's example). The SDK comment adds that a 500 normally carries `false`,
 * because the key store would only replay it. The profile reads `false` on an unknown
 * outcome the same way: a same-key resend would repeat the stored answer, so the
 * intent goes to the scan instead; `false` never counts as "not executed". Stripe's
 * public docs pages stored here do not describe the header, so this rests on the SDK
 * (see `about.unverified`).
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
  // Stripe sends no usage headers, so no limit names one.
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    limits: [
      {
        id: 'global-1s',
        limit: 100,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 1,
        note: `${RATE}: the global limit, 100 requests per second per Stripe account in live mode (25 in a sandbox: override for test keys), over every endpoint.`,
      },
      {
        id: 'write-endpoint-1s',
        limit: 25,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 1,
        readCost: 0,
        note: `${RATE}: an individual endpoint allows 25 requests per second unless noted otherwise, and each named operation is an endpoint of its own (POST /v1/payment_intents apart from its reads), counted besides the global limit. This is the endpoint a write goes to.`,
      },
      {
        id: 'list-endpoint-1s',
        limit: 25,
        windowMs: 1_000,
        unit: 'requests',
        per: 'account',
        writeCost: 0,
        readCost: 1,
        note: `${RATE}: the same 25 requests per second for the list endpoint the scan pages through (GET /v1/payment_intents); each page is one request.`,
      },
    ],
  },
  about: {
    title: 'Stripe',
    sources: [
      'docs.stripe.com/api/idempotent_requests (Idempotent requests)',
      `${RATE}: global and per-endpoint limits, live mode and sandbox; translations of the page (ja-JP, de-DE) carry the same table`,
      'docs.stripe.com/search (Data freshness: list APIs for read-after-write; search delay and regions)',
      'docs.stripe.com/api/payment_intents/list (created[gte], starting_after, has_more)',
      'docs.stripe.com/error-handling (Content errors: results are saved once an endpoint begins executing; a 429 comes from rate limiters that run before the idempotency layer)',
      `${ERRORS}: 409 is a conflict with another request, possibly one using the same idempotency key; 424 is a failure of a dependency outside Stripe`,
      'stripe/stripe-node src/RequestSender.ts (_shouldRetry: Stripe-Should-Retry false/true decides before the status; a 500 is expected to carry false), src/Error.ts @663942164d38',
      'stripe/stripe-node PR #692 (retry on Stripe-Should-Retry and Retry-After; mirrored by stripe-ruby #853, stripe-go #954, stripe-python #621, stripe-php #755)',
    ],
    unverified: [
      'response.shouldRetryHeader: no stored Stripe docs page describes Stripe-Should-Retry; what `false` means (a retry would change nothing, e.g. a replayed 500) comes from stripe-node RequestSender._shouldRetry and PR #692.',
      'errors: lock_timeout leaving nothing stored under the key rests on the SDKs retrying it (stripe-node PR #686; the _shouldRetry comment names lock timeouts as a case where the API sends Stripe-Should-Retry: true); no stored Stripe docs page states it.',
      'rateLimit.limits: earlier versions of the rate-limits page gave 100 read and 100 write operations per second in live mode and no per-endpoint figure; the profile follows the current page (100 requests per second in all, 25 per endpoint), the lower reading. Whether Stripe counts a fixed or a rolling second is not stated.',
    ],
  },
  errors: [
    {
      match: { code: ['rate_limit', 'lock_timeout'] },
      outcome: 'rateLimited',
      note: `${SDK}: rate_limit (429, and 400 in the SDK's map); lock_timeout means an object lock could not be taken, so the request did not run and stored nothing.`,
    },
    {
      match: { status: 424 },
      outcome: 'unknown',
      note: `${ERRORS}: 424 External Dependency Failed, the request could not be completed because something outside Stripe failed. Stripe does not say nothing ran, so it is not read as a refusal (the generic 4xx rule would say fatal); a same-key resend or the scan settles it.`,
    },
  ],
});
