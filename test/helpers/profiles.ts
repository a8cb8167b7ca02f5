import type { VenueProfile } from '../../src/venues/profile.js';

/** An exchange-like venue: client id unique among open orders, lookup by client id. */
export const testExchange: VenueProfile = {
  name: 'test-exchange',
  kind: 'exchange',
  key: { placement: 'body', field: 'clientOrderId', format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9]{1,32}$', maxLength: 32 } },
  dedupe: { kind: 'openOrders' },
  reconcile: { notFoundIsAuthoritative: true, settleDelayMs: 0, notFoundCodes: ['-2013'] },
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [
    { match: { code: '-2010', message: 'duplicate' }, outcome: 'conflictDuplicate' },
    { match: { code: '-1021' }, outcome: 'resign' },
    { match: { status: 418 }, outcome: 'rateLimited', scope: 'venue' },
  ],
};

/** A payment-like venue: authoritative key store in a header, no lookup. */
export const testPayments: VenueProfile = {
  name: 'test-payments',
  kind: 'payment',
  key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'verbatim', maxLength: 255 } },
  dedupe: { kind: 'keyStore', retentionMs: 24 * 60 * 60 * 1000 },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: { codePaths: ['error.code'], messagePaths: ['error.message'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [{ match: { status: 409 }, outcome: 'conflictInProgress' }],
};
