import type { ErrorRule, VenueProfile } from './profile.js';
import { deepFreeze, defineVenue } from './schema.js';

/** 24 hours in ms: Stripe's documented minimum key retention, and our default guess elsewhere. */
export const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The defaults every profile falls back to after its own `errors`, in order (first
 * match wins). They only decide what a venue's own rules did not, so they lean
 * towards `unknown` wherever a status does not prove the action was refused.
 * The last rule matches everything, so classification is total.
 */
export const GENERIC_RULES: readonly ErrorRule[] = deepFreeze([
  {
    match: { status: 408 },
    outcome: 'unknown',
    note: 'Request Timeout: venues use it for backend timeouts after the request was read (Binance USD-M), so it may have executed.',
  },
  {
    match: { status: 409 },
    outcome: 'conflictInProgress',
    note: 'IETF idempotency-key draft §2.7: a request with the same key is still being processed; wait and resend unchanged.',
  },
  {
    match: { status: 422 },
    outcome: 'fatal',
    note: 'IETF idempotency-key draft: key reused with a different payload (or plain validation failure); the request must change.',
  },
  {
    match: { status: 425 },
    outcome: 'retry',
    note: 'Too Early (RFC 8470): the server refused to process the request, so it did not execute; resend.',
  },
  {
    match: { status: 429 },
    outcome: 'rateLimited',
    note: 'Too Many Requests (RFC 6585): refused before processing; wait for Retry-After when given.',
  },
  {
    match: { status: [400, 401, 402, 403, 404, 405, 410, 413, 415] },
    outcome: 'fatal',
    note: 'Client errors that reject the request as sent (bad request, auth, payment, not found, method, gone, size, media type).',
  },
  {
    match: { status: '4xx' },
    outcome: 'fatal',
    note: 'Any other client error: the server refused the request as sent; resending it unchanged cannot help.',
  },
  {
    match: { status: '5xx' },
    outcome: 'unknown',
    note: 'Server error: the request may have executed before the failure (Binance and Stripe both say so); reconcile first.',
  },
  {
    match: {},
    outcome: 'unknown',
    note: 'Anything else (1xx, 3xx, a 2xx carrying an unrecognised error code, out-of-range statuses): not proof either way.',
  },
]);

/**
 * A venue we know nothing about: key in the `Idempotency-Key` header, no promise of
 * deduplication, and no trustworthy "not found". Every ambiguous attempt therefore
 * stays `unknown` until a human or a custom lookup resolves it. Extend it with
 * {@link extendVenue} rather than using it for real money.
 */
export const genericVenue: VenueProfile = defineVenue({
  name: 'generic',
  kind: 'generic',
  key: { placement: 'header', field: 'Idempotency-Key', format: { encoding: 'verbatim', maxLength: 255 } },
  dedupe: { kind: 'none' },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: { codePaths: ['code', 'error.code'], messagePaths: ['message', 'error.message'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  errors: [],
  about: { title: 'Generic (no deduplication known)', sources: ['RFC 9110 (HTTP semantics) for the status defaults in GENERIC_RULES'] },
});

/**
 * A server implementing the IETF draft "The Idempotency-Key HTTP Header Field" (-06):
 * it stores the first result per key and replays it, answers 409 while the first
 * request with a key is still running and 422 when the key comes back with a
 * different payload.
 *
 * The draft leaves key expiry to each resource; `retentionMs` here is a conservative
 * 24 h guess. Set the real figure from the server's documentation with
 * {@link extendVenue}: resending after the server forgot the key executes again.
 *
 * The draft defines the header value as a structured-field string, i.e. in double
 * quotes; the key pattern keeps to characters that need no escaping inside one. We
 * send the key bare, as most implementations expect; a strict server needs the
 * quotes added by the request adapter.
 */
export const ietfIdempotencyKey: VenueProfile = defineVenue({
  name: 'ietf-idempotency-key',
  kind: 'generic',
  key: {
    placement: 'header',
    field: 'Idempotency-Key',
    format: { encoding: 'verbatim', maxLength: 255, pattern: '^[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+$' },
  },
  dedupe: { kind: 'keyStore', retentionMs: DAY_MS },
  reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
  response: { codePaths: ['code', 'error.code'], messagePaths: ['message', 'error.message', 'detail', 'title'], successCodes: [] },
  rateLimit: { retryAfterHeaders: ['retry-after'] },
  about: {
    title: 'IETF Idempotency-Key header (draft -06)',
    sources: ['ietf-wg-httpapi/idempotency draft-ietf-httpapi-idempotency-key-header.md (-06) @dab060c'],
    unverified: ['dedupe.retentionMs: the draft leaves expiry to each resource; 24 h is a placeholder to replace with the server\'s documented figure.'],
  },
  errors: [
    {
      match: { status: 409 },
      outcome: 'conflictInProgress',
      note: 'draft-ietf-httpapi-idempotency-key-header-06 §2.7: concurrent request with the same key; resend unchanged later.',
    },
    {
      match: { status: 422 },
      outcome: 'fatal',
      note: 'draft-ietf-httpapi-idempotency-key-header-06 §2.7: key reused with a different payload; a client bug.',
    },
  ],
});
