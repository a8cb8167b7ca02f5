import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const MIRROR = 'qiuham/crypto-api-docs@ad484e4 docs/kraken';
const CLORDID = `docs.kraken.com "Spot Client Order Identifiers" (${MIRROR}/guides/spot-clordid.md)`;
const OPEN = 'docs.kraken.com REST "Get Open Orders" (docs.kraken.com/api-reference/account-data/get-open-orders; the mirror\'s get-open-orders.md holds the Open Positions page instead)';
const CLOSED = `docs.kraken.com REST "Get Closed Orders" (${MIRROR}/rest-api/get-closed-orders.md)`;
const RATES = `docs.kraken.com "Spot REST Rate Limits" > Errors (${MIRROR}/guides/spot-rest-ratelimits.md)`;
const ERRORS = 'support.kraken.com "API error messages" (article 360001491786) and docs.kraken.com/exchange/guides/general/errors';
const SPOT_ERRORS = 'docs.kraken.com "Spot Error Messages" (api/docs/guides/spot-errors)';
const CCXT = 'ccxt/ccxt ts/src/kraken.ts (exceptions, exact map)';

/**
 * Kraken spot REST (`POST /0/private/AddOrder`, form body). `cl_ord_id` is unique only
 * among the client's **open** orders; once an order has closed, its id can place a new
 * one. Kraken accepts a dashed UUID, 32 hex digits or up to 18 ASCII characters, so
 * every intent key is sent as a dashed UUID (a ULID or UUID keeps its 128 bits).
 *
 * Errors arrive inside HTTP 200 as `{ "error": ["EOrder:Insufficient funds"], "result": {} }`;
 * the first string of the `error` array is both code and message. A string no rule
 * names stays `unknown` (the generic catch-all), which is deliberately where
 * `EService:Unavailable`, `EService:Busy`, `EService:Deadline elapsed` and
 * `EGeneral:Internal error` land: Kraken does not say such an order was not placed.
 *
 * Reconcile: `POST /0/private/OpenOrders` with `cl_ord_id`, then (on a miss)
 * `POST /0/private/ClosedOrders` with the same filter; found in either is found. Open
 * first, so an order closing between the two requests is not missed. A miss in both
 * is still not authoritative: how long ClosedOrders keeps an order, and whether an
 * accepted AddOrder can surface later, are not published. Resting orders are
 * protected anyway: while open, their `cl_ord_id` rejects a second order.
 */
export const kraken: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'kraken',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'cl_ord_id',
    format: {
      encoding: 'uuid',
      pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
      maxLength: 36,
    },
  },
  dedupe: { kind: 'openOrders' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: 0,
    lookup: {
      method: 'POST',
      path: '/0/private/OpenOrders',
      keyIn: 'body',
      keyParam: 'cl_ord_id',
      foundPath: 'result.open',
      note: `${OPEN}: cl_ord_id restricts the list; result.open is a map keyed by txid, empty on a miss. Asked first: an order that closes between the two lookups is then still seen in the second.`,
    },
    fallbackLookups: [
      {
        method: 'POST',
        path: '/0/private/ClosedOrders',
        keyIn: 'body',
        keyParam: 'cl_ord_id',
        foundPath: 'result.closed',
        note: `${CLOSED}: "Restrict results to given client order id"; result.closed is a map keyed by txid, empty on a miss. Filled, cancelled and expired orders.`,
      },
    ],
  },
  response: { codePaths: ['error.0'], messagePaths: ['error.0'], successCodes: [] },
  // No rateLimit.limits: Kraken publishes decaying counters, not a count per window.
  // "Spot REST Rate Limits" (REST Specific Limits): a per-key call counter (+1 a call, +4
  // ledger or trade history) capped at 20 and decaying 0.5/s (Intermediate) or 1/s (Pro).
  // "Spot Trading Limits" (Transaction Rate Limits): a per-pair engine counter (+1 an
  // AddOrder, more for amends and cancels of young orders) with a threshold of 60, 125 or
  // 180 decaying 1, 2.34 or 3.75 a second by tier. A fixed window would need a figure
  // Kraken does not give.
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    retryAfterMessage: { pattern: 'Throttled:\\s*(\\d+)', unit: 'epochSeconds' },
  },
  errors: [
    {
      match: { message: '^EService: ?Throttled' },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${RATES}: "EService: Throttled: [UNIX timestamp]" when too many requests run concurrently; try again after the timestamp (read by rateLimit.retryAfterMessage).`,
    },
    {
      match: { message: '^EGeneral:Temporary lockout' },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 15 * 60 * 1000,
      note: `${ERRORS}: lockout after too many failed calls (invalid nonces, signatures, keys); typically about 15 minutes. Hammering extends it.`,
    },
    {
      match: { message: '^E(API|Order):Rate limit exceeded' },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${RATES} and ${ERRORS}: EAPI = the per-key REST call counter, EOrder = the matching-engine add/cancel counter. Both are account-wide.`,
    },
    {
      match: { message: '^EGeneral:Too many requests' },
      outcome: 'rateLimited',
      scope: 'venue',
      note: `${ERRORS} (and Kraken's support article on API rate limits): too many requests from this key.`,
    },
    {
      match: { message: '^EAPI:Invalid nonce' },
      outcome: 'resign',
      note: `${ERRORS}: the nonce was not above the last one accepted for this key; the request was refused. New nonce, re-sign (serialise nonces per key).`,
    },
    {
      match: { message: '^EService:Market in (cancel_only|post_only|limit_only) mode' },
      outcome: 'retry',
      note: `${SPOT_ERRORS}: cancel_only and post_only mode mean the request cannot be made now (see SystemStatus); limit_only from ${CCXT}. The order was refused; resend later.`,
    },
    {
      match: { message: 'duplicate' },
      outcome: 'conflictDuplicate',
      note: `${CLORDID}: an open order already holds this cl_ord_id. The exact rejection text is not published; matched on "duplicate".`,
      unverified: true,
    },
    {
      match: { message: '^EAPI:Invalid (key|signature)|^EGeneral:Permission denied|^EAccount:Invalid permissions' },
      outcome: 'fatal',
      note: `${ERRORS}: bad key, bad signature or missing permission; the request was refused.`,
    },
    {
      match: { message: '^E(Order|Query|Trade|Funding):|^EGeneral:Invalid arguments' },
      outcome: 'fatal',
      note: `${ERRORS} and ${CCXT}: order, query and argument rejections (insufficient funds, order minimum not met, invalid price, unknown asset pair, unknown order, post-only would take).`,
    },
  ],
  about: {
    title: 'Kraken spot',
    sources: [
      CLORDID,
      `docs.kraken.com WebSocket v2 "add_order" cl_ord_id and deadline parameters (${MIRROR}/rest-api/add-order.md)`,
      CLOSED,
      OPEN,
      RATES,
      ERRORS,
      SPOT_ERRORS,
      CCXT,
    ],
    unverified: [
      'errors: the text Kraken returns for a cl_ord_id already held by an open order is not published; the rule matches "duplicate".',
      'errors: EGeneral:Too many requests comes from the support article on rate limits, not from the REST reference.',
      'reconcile.findableForMs: how long closed orders stay listed by ClosedOrders is not published.',
      'reconcile.lookup: the Get Open Orders page shows cl_ord_id in its request example, but no parameter table for it was read, and its response example lists orders without a cl_ord_id field, so an answer cannot be checked against the key (no lookup.match); if Kraken ignored the filter, any open order would count as found.',
    ],
  },
});
