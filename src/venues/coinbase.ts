import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const MIRROR = 'qiuham/crypto-api-docs@ad484e4 docs/coinbase';
const CREATE = `docs.cdp.coinbase.com Advanced Trade "Create Order" (${MIRROR}/api-reference/advanced-trade-api/rest-api/orders/create-order.md)`;
const GET_ORDER = `docs.cdp.coinbase.com Advanced Trade "Get Order" and "List Orders" (${MIRROR}/api-reference/advanced-trade-api/rest-api/orders/get-order.md, list-orders.md)`;
const CCXT = 'ccxt/ccxt ts/src/coinbase.ts (exceptions, handleErrors, createAuthToken)';

/**
 * Coinbase Advanced Trade REST (`POST /api/v3/brokerage/orders`). `client_order_id`
 * is required. Coinbase documents that an order whose `client_order_id` was already
 * used is not created; the order holding that id is returned instead. It does not say
 * for how long an id is remembered, so this profile does **not** claim a key store:
 * a same-key resend would be safe only inside a window nobody has published. An
 * unknown outcome therefore stays unknown until the operation's own reconcile
 * resolves it: typically resending the identical create (Coinbase then returns the
 * existing order), or listing `/orders/historical/batch` for the product and time
 * range and matching `client_order_id`. Once a retention is confirmed, switch to
 * `dedupe: { kind: 'keyStore', retentionMs }` with `extendVenue`.
 *
 * There is no lookup by client id: `GET /orders/historical/{order_id}` needs the
 * venue's order id, and its `client_order_id` query parameter is marked deprecated.
 *
 * Create-order rejections come back as HTTP 200 with `success: false` and the reason in
 * `error_response` (`new_order_failure_reason`, deprecated `error` and
 * `preview_failure_reason`, human `message`). The code is read from `success` first, so
 * an accepted order (`success: true`) is a success whatever else the body carries, and
 * every `success: false` means "order not created". Other errors use
 * `{ "error": "...", "message": "..." }` (v3 gateway) or `{ "errors": [{ id, message }] }`
 * with a 4xx status (refused, generic rules) or a 5xx (may have executed, generic rules).
 *
 * Keys are sent as dashed UUIDs, the form Coinbase recommends; its charset and length
 * limits are not published.
 */
export const coinbase: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'coinbase',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'client_order_id',
    format: { encoding: 'uuid', maxLength: 36 },
  },
  dedupe: { kind: 'none' },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: {
    codePaths: ['success', 'error', 'errors.0.id'],
    messagePaths: [
      'error_response.message',
      'error_response.error_details',
      'error_response.new_order_failure_reason',
      'error_response.preview_failure_reason',
      'error_response.error',
      'message',
      'error_details',
      'error_description',
      'errors.0.message',
    ],
    successCodes: ['true'],
  },
  // No rateLimit.limits: see about.unverified.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    {
      match: { code: 'false' },
      outcome: 'fatal',
      note: `${CREATE}: \`success\` is "whether the order was created"; false comes with error_response (INSUFFICIENT_FUND, INVALID_LIMIT_PRICE_POST_ONLY, UNSUPPORTED_ORDER_CONFIGURATION, PREVIEW_* ...). The order was refused as sent.`,
    },
    {
      match: { status: 429 },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${CCXT}: rate_limit_exceeded is HTTP 429. Limits are per user across private endpoints (about 30 requests/s per ccxt), so every request waits.`,
      unverified: true,
    },
    {
      match: { message: 'request timestamp expired' },
      outcome: 'resign',
      note: `${CCXT} (broad map): {"errors":[{"id":"authentication_error","message":"request timestamp expired"}]}; the signature was stale, mint a fresh one.`,
      unverified: true,
    },
    {
      match: { status: 401 },
      outcome: 'resign',
      note: `coinbase/coinbase-advanced-py coinbase/jwt_generator.py and ${CCXT}: each request carries an ES256 JWT valid for 120 s; a 401 is most often an expired token. Re-sign; a bad key keeps failing and ends in the resign budget.`,
      unverified: true,
    },
  ],
  about: {
    title: 'Coinbase Advanced Trade',
    sources: [
      CREATE,
      GET_ORDER,
      `docs.cdp.coinbase.com Advanced Trade "SDK REST API" guide (${MIRROR}/coinbase-app/advanced-trade-apis/guides/sdk-rest-api.md): client_order_id is a client-generated UUID, unique per order; failures are read from error_response`,
      'coinbase/coinbase-advanced-py coinbase/jwt_generator.py (JWT lifetime)',
      CCXT,
    ],
    unverified: [
      'dedupe: how long Coinbase remembers a client_order_id is not published, so no key store is claimed.',
      'key.format: charset and maximum length of client_order_id are not published; UUIDs (36 characters) are the documented recommendation.',
      'errors: the HTTP 429 body and per-user limit (30 requests/s) come from ccxt, not from Coinbase docs; no rate-limit headers are documented.',
      'errors: a 401 is treated as an expired JWT; Coinbase does not distinguish it from a bad key in the response.',
      'rateLimit.limits: none set. No Advanced Trade page giving a REST request rate was available to read; the 30 requests per second per user for private endpoints is quoted only by ccxt and other third parties (the Coinbase Exchange rate-limit page, for a different API, gives 15 per second with bursts of 30 per profile).',
    ],
  },
});
