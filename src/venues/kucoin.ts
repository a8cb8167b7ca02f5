import type { VenueProfile } from './profile.js';
import { defineVenue } from './schema.js';

const SDK = 'Kucoin/kucoin-universal-sdk@78c90c7 spec/rest/api/openapi-spot-order.json (Add Order HF: clientOid letters, digits, _ and -, at most 40, UUID recommended; x-api-rate-limit-pool and -weight of each endpoint) and Go transport (gw-ratelimit-* headers)';
const RATE = 'kucoin.com/docs-new/rate-limit (REST rate limit: resource pools and their quota per VIP level, weights, 429/429000, wait the time in the response header), mirrored as rosssaunders/coincise docs/kucoin/rate_limits.md @a00ae58';
const RATE_V1 = 'Kucoin/kucoin-api-docs@7f01bbe source/localizable/index.html.md (Request Rate Limit > REST API: 1015 Cloudflare IP limit blocks 30 s, 200002 per-endpoint limit blocks 10 s, 429000 server capacity) and kucoin.com/docs/basic-info/request-rate-limit/rest-api';
const CODES = 'Kucoin/kucoin-api-docs@7f01bbe source/localizable/index.html.md (Errors > System error codes)';
const CCXT = 'ccxt/ccxt ts/src/kucoin.ts (exceptions and comments)';

/**
 * KuCoin spot, high-frequency (HF) order API (`POST /api/v1/hf/orders`, JSON body).
 * `clientOid` is at most 40 letters, digits, `_` or `-`; keys are sent as dashed UUIDs
 * (36 characters, KuCoin's own recommendation), so every intent key fits.
 *
 * KuCoin asks clients never to reuse a `clientOid` but documents no window in which it
 * rejects one, and users have reported the classic API accepting a reused id once the
 * first order was done. So no deduplication is claimed; the duplicate rejections
 * that ccxt records for HF orders are mapped to `conflict` in case they do come.
 *
 * Every response carries `code`; `"200000"` is success, anything else an error, often
 * inside HTTP 200. Codes no rule names stay `unknown` (the generic catch-all), which
 * is where `500000` (internal error) and `408000` (timeout) land on purpose.
 *
 * Reconcile: `GET /api/v1/hf/orders/client-order/{clientOid}?symbol=` (symbol copied
 * from the order). How long done orders stay findable and which code a miss returns
 * are not published, so a miss is never taken as proof. HF orders accept
 * `clientTimestamp` + `allowMaxTimeWindow`, a validity window that would bound a
 * queued request; it is optional, so the profile does not rely on it.
 */
export const kucoin: VenueProfile = /* @__PURE__ */ defineVenue({
  name: 'kucoin',
  kind: 'exchange',
  key: {
    placement: 'body',
    field: 'clientOid',
    format: { encoding: 'uuid', pattern: '^[A-Za-z0-9_-]{1,40}$', maxLength: 40 },
  },
  dedupe: { kind: 'none' },
  reconcile: {
    notFoundIsAuthoritative: false,
    settleDelayMs: 0,
    lookup: {
      method: 'GET',
      path: '/api/v1/hf/orders/client-order/{key}',
      keyIn: 'path',
      copyParams: ['symbol'],
      foundPath: 'data',
      note: `${SDK} (Get Order By ClientOid, HF): symbol is required. Retention of done and cancelled orders, and the answer to a miss, are not published.`,
    },
  },
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: ['200000'] },
  rateLimit: {
    // gw-ratelimit-reset is the resource pool's window, so only the 429000 rule reads it
    // (waitHeaders); the 1015 and 200002 blocks have fixed lengths of their own.
    retryAfterHeaders: ['retry-after'],
    usage: [
      {
        header: 'gw-ratelimit-remaining',
        reports: 'remaining',
        limitHeader: 'gw-ratelimit-limit',
        resetHeader: 'gw-ratelimit-reset',
        resetUnit: 'milliseconds',
        note: `${RATE}; ${SDK}: quota left in the resource pool, the pool size, and milliseconds until the 30 s window resets.`,
      },
    ],
    limits: [
      {
        id: 'spot-pool-30s',
        limit: 4_000,
        windowMs: 30_000,
        unit: 'weight',
        per: 'account',
        writeCost: 1,
        readCost: 2,
        usageHeader: 'gw-ratelimit-remaining',
        note: `${RATE} (Resource Pool: Spot, margin included, 4,000 per 30 s at VIP0, up to 40,000 at VIP12; private pools counted per UID, a sub-account apart from its master). ${SDK}: Add Order HF weighs 1 and Get Order By ClientOid HF 2, both in the Spot pool. The venue starts the 30 s window at the first request rather than on the clock, so gw-ratelimit-reset is the better guide to the reset.`,
      },
    ],
  },
  errors: [
    {
      match: { code: '429000' },
      outcome: 'rateLimited',
      scope: 'venue',
      waitHeaders: ['gw-ratelimit-reset'],
      waitUnit: 'milliseconds',
      note: `${RATE}: HTTP 429, code 429000 when a resource pool is used up; stop and wait gw-ratelimit-reset ms. The pool is shared by the account, so every request waits.`,
    },
    {
      match: { code: '1015' },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 30_000,
      note: `${RATE_V1}: Cloudflare IP limit shared by all endpoints, blocks for 30 s.`,
    },
    {
      match: { code: '200002', message: 'too many requests|frequen|rate limit' },
      outcome: 'rateLimited',
      scope: 'venue',
      waitMs: 10_000,
      unverified: true,
      note: `${RATE_V1}: per-user, per-endpoint limit, blocks for 10 s; every order goes through the same endpoint. ${CODES} also lists 200002 as "Order cancel for this pair suspended", so the code alone is ambiguous: only a rate-limit text waits (the text itself is not published); any other 200002 stays unknown.`,
    },
    {
      match: { code: '400002' },
      outcome: 'resign',
      note: `${CODES}: KC-API-TIMESTAMP invalid (more than 5 s from server time); refused before processing. Resync, re-sign.`,
    },
    {
      match: { code: ['400001', '400003', '400004', '400005', '400006', '400007'] },
      outcome: 'fatal',
      note: `${CODES}: missing auth headers, bad key, passphrase or signature, IP not whitelisted, access denied.`,
    },
    {
      match: { code: '400100', message: 'clientOidDuplicated' },
      outcome: 'conflictDuplicate',
      note: 'JKorf/Kucoin.Net issue #120: "400100 validation.createOrder.clientOidDuplicated" for a clientOid already used; find the order by clientOid.',
      unverified: true,
    },
    {
      match: { code: ['126044', '126033'] },
      outcome: 'conflictDuplicate',
      note: `${CCXT}: 126044 "clientOid duplicate" and 126033 "Duplicate order" on HF orders; an order with this clientOid exists.`,
      unverified: true,
    },
    {
      match: { code: ['400100', '200001', '200003', '200004', '200009', '400200', '400500', '400600', '400700', '400800', '411100', '900001'] },
      outcome: 'fatal',
      note: `${CODES} (System error codes; "HTTP 200 whereas the operation failed"): 400100 parameter error, 200001 order creation for this pair suspended, 200003 number of orders breached the limit, 200004 balance insufficient, 200009 KYC required, 400200 forbidden to place an order, 400500 region not supported for this token, 400600 pair not yet trading, 400700 account risk restriction, 400800 leverage order failed, 411100 user frozen, 900001 symbol does not exist. The order was refused.`,
    },
  ],
  about: {
    title: 'KuCoin spot (HF orders)',
    sources: [SDK, RATE, RATE_V1, CODES, 'Kucoin/kucoin-api-docs issue #468 (clientOid reuse accepted on the classic API)', CCXT],
    unverified: [
      'errors: the duplicate-clientOid codes 126044/126033 come from ccxt comments, and the 400100 clientOidDuplicated message from a user report.',
      'reconcile.lookup: how long done or cancelled HF orders stay findable by clientOid, and the code a miss returns, are not published.',
      'dedupe: no window in which KuCoin rejects a reused clientOid is documented.',
      'errors: the message of a 200002 rate-limit answer is not published; the rule waits only on a rate-limit wording, since 200002 also means "order cancel suspended" in the error table.',
    ],
  },
});
