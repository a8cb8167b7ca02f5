import type { ErrorRule, VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const API = 'Deribit API v2 reference (private/buy, private/sell "label": user defined label, up to 64 characters; private/get_order_state_by_label), as reproduced in generated API clients';
const CODES = 'Deribit API v2 classic error-code list, as mapped in ccxt/ccxt ts/src/deribit.ts (exceptions)';
const NEW_CODES = 'docs.deribit.com/articles/errors ("Error Codes": a newer table whose numbering conflicts with the classic list, e.g. 10009 invalid_argument, 13009 invalid_token, 10002 insufficient_funds)';

/** A rule on the error *name* alone (`error.message`, e.g. `not_enough_funds`). */
function byName(names: readonly string[], rule: Omit<ErrorRule, 'match'>): ErrorRule {
  return { ...rule, match: { message: `^(${names.join('|')})$` } };
}

/**
 * Deribit API v2 over HTTP (JSON-RPC methods at `/api/v2/private/buy` etc., parameters
 * in the query string). The client key goes in `label`, a free tag of up to 64
 * characters: Deribit does **not** deduplicate on it, so a second order with the same
 * label is simply placed. Keys are sent as dashed UUIDs (36 characters).
 *
 * Errors are JSON-RPC objects, `{ "error": { "code": 10009, "message": "not_enough_funds" } }`,
 * usually with HTTP 400. Deribit has published two conflicting numberings (the classic
 * list and docs.deribit.com/articles/errors: 10009 is not_enough_funds in one and
 * invalid_argument in the other, 13009 unauthorized vs invalid_token), so a number
 * alone never decides an outcome that says "not executed": every such rule matches the
 * error *name*. Numbers are trusted alone only where both tables agree (10028
 * too_many_requests), for the JSON-RPC standard -32602, and for `unknown`.
 *
 * Reconcile: `GET /api/v2/private/get_order_state_by_label?currency=&label=`.
 * `currency` (BTC, ETH, USDC...) is required and the buy request does not carry it (it
 * names an `instrument_name`), so the operation's `reconcile.params` must supply
 * `currency`; without it the lookup is not sent and the intent stays unknown. The
 * answer is a list (empty on a miss, several orders if a label was reused); how far
 * back it searches is not published, so a miss is never taken as proof.
 *
 * Placing the key in a JSON-RPC POST body (`params.label`) is not expressible here: a
 * body key is a top-level field. Use the GET form, or add the label in a request adapter.
 */
export const deribit: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'deribit',
  kind: 'exchange',
  key: { placement: 'query', field: 'label', format: { encoding: 'uuid', maxLength: 64 } },
  dedupe: { kind: 'none' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: 0,
    lookup: {
      method: 'GET',
      path: '/api/v2/private/get_order_state_by_label',
      keyIn: 'query',
      keyParam: 'label',
      copyParams: ['currency'],
      foundPath: 'result.0',
      match: { itemsPath: 'result', keyPath: 'label' },
      note: `${API}: currency is required and is not part of private/buy, so the operation's reconcile.params must give it. Returns every order with the label (several if it was reused); search depth not published.`,
    },
  },
  response: { codePaths: ['error.code'], messagePaths: ['error.message'], successCodes: [] },
  // No rateLimit.limits: support.deribit.com "Rate Limits" (article 25944617523357)
  // describes credit pools refilled continuously per sub-account (non-matching-engine
  // requests: 500 credits each from a 50,000 pool refilled at 10,000 a second; matching-
  // engine requests: a sustained rate and a burst set hourly by 7-day volume tier), not a
  // count per fixed window, so there is no figure to put in one.
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    byName(['too_many_requests', 'matching_engine_queue_full', 'too_many_concurrent_requests'], {
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${CODES}: too_many_requests (credit-based, per account), matching_engine_queue_full (too many pending engine requests), too_many_concurrent_requests (secondary source). Refused before the engine.`,
    }),
    {
      match: { code: '10028' },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${CODES} and ${NEW_CODES}: both tables give 10028 as too_many_requests, so the number is trusted alone.`,
    },
    byName(['retry', 'settlement_in_progress', 'system_maintenance'], {
      outcome: 'retry',
      note: `${CODES}: "retry" (cannot be processed now, resend), settlement_in_progress (a few seconds daily), system_maintenance. The request was not processed. By name only: the numbers (10040, 10041, 11051) are not confirmed by the newer table.`,
    }),
    byName(['internal_server_error', 'temporarily_unavailable', 'timed_out'], {
      outcome: 'unknown',
      note: `${CODES}: internal_server_error, temporarily_unavailable, timed_out (the last two from a secondary source). The order may exist; look it up.`,
    }),
    {
      match: { code: ['11094', '13028', '13888'] },
      outcome: 'unknown',
      note: `${CODES}: 11094 internal_server_error, 13028 temporarily_unavailable, 13888 timed_out. By number too: reading a number as "may have executed" is always safe.`,
    },
    byName(['unauthorized', 'authorization_required', 'invalid_token'], {
      outcome: 'resign',
      note: `${CODES}: unauthorized (wrong or expired token or signature), authorization_required; ${NEW_CODES}: invalid_token (token expired or invalid; refresh or re-authenticate). Re-authenticate and send again.`,
    }),
    byName(
      [
        'invalid_credentials', 'not_enough_funds', 'insufficient_funds', 'invalid_arguments', 'invalid_argument', 'bad_request', 'invalid_request',
        'post_only_reject', 'order_not_found', 'not_found', 'forbidden', 'not_open_yet', 'already_closed', 'price_too_low',
      ],
      {
        outcome: 'fatal',
        note: `${CODES}: invalid_credentials, not_enough_funds, invalid_arguments, bad_request, post_only_reject, order_not_found; ${NEW_CODES}: insufficient_funds, invalid_argument, invalid_request, not_found, forbidden, not_open_yet, already_closed, price_too_low. The order was refused.`,
      },
    ),
    {
      match: { code: '-32602' },
      outcome: 'fatal',
      note: `JSON-RPC 2.0 specification: -32602 invalid method parameters (${CODES} lists it as "Invalid params"); a standard code outside both Deribit tables.`,
    },
  ],
  about: {
    title: 'Deribit',
    sources: [API, CODES, NEW_CODES, 'JSON-RPC 2.0 specification §5.1 (error codes)'],
    unverified: [
      'key.format: the characters allowed in label are not published; only the 64-character limit is.',
      'reconcile.lookup: how far back get_order_state_by_label searches is not published.',
      'errors: 10066 too_many_concurrent_requests, 13028 temporarily_unavailable and 13888 timed_out come from a secondary source (nautilus_trader retry codes).',
      'errors: two Deribit tables number errors differently; outcomes that say "not executed" are decided by the error name only (a bare number from either table stays unknown, except 10028 and -32602).',
    ],
  },
});
