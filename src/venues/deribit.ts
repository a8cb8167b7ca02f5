import type { ErrorRule, VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const API = 'Deribit API v2 reference (private/buy, private/sell "label": user defined label, up to 64 characters; private/get_order_state_by_label), as reproduced in generated API clients';
const CODES = 'Deribit API v2 classic error-code list, as mapped in ccxt/ccxt ts/src/deribit.ts (exceptions)';
const NEW_CODES = 'docs.deribit.com/articles/errors (a newer table whose numbering conflicts with the classic list)';

/**
 * Rules that match Deribit's error *name* (`error.message`, e.g. `not_enough_funds`)
 * and, as a second rule, the classic number. Deribit's two published tables number
 * the same errors differently, so the name decides first and a number is trusted only
 * when no name matched.
 */
function named(names: readonly string[], codes: readonly string[], rule: Omit<ErrorRule, 'match'>): ErrorRule[] {
  return [
    { ...rule, match: { message: `^(${names.join('|')})$` } },
    { ...rule, match: { code: codes } },
  ];
}

/**
 * Deribit API v2 over HTTP (JSON-RPC methods at `/api/v2/private/buy` etc., parameters
 * in the query string). The client key goes in `label`, a free tag of up to 64
 * characters: Deribit does **not** deduplicate on it, so a second order with the same
 * label is simply placed. Keys are sent as dashed UUIDs (36 characters).
 *
 * Errors are JSON-RPC objects, `{ "error": { "code": 10009, "message": "not_enough_funds" } }`,
 * usually with HTTP 400. Deribit has published two conflicting numberings, so each
 * rule matches the error name first and the classic number second.
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
      note: `${API}: currency is required and is not part of private/buy, so the operation's reconcile.params must give it. Returns every order with the label (several if it was reused); search depth not published.`,
    },
  },
  response: { codePaths: ['error.code'], messagePaths: ['error.message'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    ...named(['too_many_requests', 'matching_engine_queue_full', 'too_many_concurrent_requests'], ['10028', '10047', '10066'], {
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${CODES}: 10028 too_many_requests (credit-based, per account), 10047 matching_engine_queue_full (too many pending engine requests), 10066 too_many_concurrent_requests (secondary source). Refused before the engine.`,
    }),
    ...named(['retry', 'settlement_in_progress', 'system_maintenance'], ['10040', '10041', '11051'], {
      outcome: 'retry',
      note: `${CODES}: 10040 "retry" (cannot be processed now, resend), 10041 settlement_in_progress (a few seconds daily), 11051 system_maintenance. The request was not processed.`,
    }),
    ...named(['internal_server_error', 'temporarily_unavailable', 'timed_out'], ['11094', '13028', '13888'], {
      outcome: 'unknown',
      note: `${CODES}: 11094 internal_server_error, 13028 temporarily_unavailable, 13888 timed_out (the last two from a secondary source). The order may exist; look it up.`,
    }),
    ...named(['unauthorized', 'authorization_required'], ['13009', '10000'], {
      outcome: 'resign',
      note: `${CODES}: 13009 unauthorized (wrong or expired token or signature), 10000 authorization_required. Re-authenticate and send again.`,
    }),
    ...named(
      ['invalid_credentials', 'not_enough_funds', 'invalid_arguments', 'bad_request', 'post_only_reject', 'order_not_found', 'Invalid params'],
      ['13004', '10009', '11029', '11050', '11054', '10004', '-32602'],
      {
        outcome: 'fatal',
        note: `${CODES}: invalid_credentials, not_enough_funds, invalid_arguments, bad_request, post_only_reject, order_not_found, JSON-RPC -32602 invalid params. The order was refused.`,
      },
    ),
  ],
  about: {
    title: 'Deribit',
    sources: [API, CODES, NEW_CODES],
    unverified: [
      'key.format: the characters allowed in label are not published; only the 64-character limit is.',
      'reconcile.lookup: how far back get_order_state_by_label searches is not published.',
      'errors: 10066 too_many_concurrent_requests, 13028 temporarily_unavailable and 13888 timed_out come from a secondary source (nautilus_trader retry codes).',
      'errors: two Deribit tables number errors differently; rules match the error name first.',
    ],
  },
});
