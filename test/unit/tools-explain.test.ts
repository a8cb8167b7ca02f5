import { findVenueProfile } from '../../src/venues/registry.js';
import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../src/classify/classify-response.js';
import type { Outcome } from '../../src/classify/outcome.js';
import { settlesByResend } from '../../src/client/runner.js';
import {
  buildErrorResponse,
  codesInStatusOnly,
  describeMatch,
  explainCode,
  findMatchedRule,

  kindOfRuleOutcome,
  nextStep,
  resendSettles,
  responseFacts,
  summariseVenue,
  VENUE_NAMES,
  type Explanation,
} from '../../src/tools/explain.js';
import { GENERIC_RULES, VENUE_PROFILES } from '../../src/venues/index.js';
import type { VenueProfile } from '../../src/venues/profile.js';

const NOW = Date.UTC(2026, 0, 5, 12, 0, 0);

function venue(name: string): VenueProfile {
  const profile = findVenueProfile(name);
  if (profile === undefined) throw new Error(`no venue ${name}`);
  return profile;
}

interface Row {
  readonly venue: string;
  /** CODE as typed on the command line. */
  readonly code: string;
  readonly status?: number;
  readonly message?: string;
  readonly headers?: Record<string, string>;
  /**
   * The answer as the venue really writes it (its own layout, numbers where it sends
   * numbers), built by hand here, not by the tool: the classifier's verdict on it is
   * the reference the explanation must agree with.
   */
  readonly native: { readonly status: number; readonly body: unknown; readonly headers?: Record<string, string> };
  readonly kind: Outcome['kind'];
  /** Where the deciding rule sits: `venue` errors[i] or GENERIC_RULES[i]; `null` when none. */
  readonly rule: readonly ['venue' | 'generic', number] | null;
  readonly unverified?: boolean;
}

// At least three codes per venue: matched rules, one answer no venue rule names (the
// generic defaults decide), and an unverified rule wherever the profile has one.
const ROWS: readonly Row[] = [
  // binance-spot: no unverified rule.
  { venue: 'binance-spot', code: '-1007', native: { status: 400, body: { code: -1007, msg: 'Timeout waiting for response from backend server.' } }, kind: 'unknown', rule: ['venue', 11] },
  { venue: 'binance-spot', code: '-2010', message: 'Duplicate order sent.', native: { status: 400, body: { code: -2010, msg: 'Duplicate order sent.' } }, kind: 'conflict', rule: ['venue', 8] },
  { venue: 'binance-spot', code: '-2010', message: 'Account has insufficient balance for requested action.', native: { status: 400, body: { code: -2010, msg: 'Account has insufficient balance for requested action.' } }, kind: 'fatal', rule: ['venue', 9] },
  { venue: 'binance-spot', code: '-1021', native: { status: 400, body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' } }, kind: 'resign', rule: ['venue', 7] },
  { venue: 'binance-spot', code: '-1013', native: { status: 400, body: { code: -1013, msg: 'Filter failure: LOT_SIZE' } }, kind: 'fatal', rule: ['generic', 5] },
  { venue: 'binance-spot', code: '-1003', status: 418, native: { status: 418, body: { code: -1003, msg: 'Way too many requests; IP banned until 1700000000000.' } }, kind: 'rateLimited', rule: ['venue', 0] },
  // binance-usdm
  { venue: 'binance-usdm', code: '-4116', native: { status: 400, body: { code: -4116, msg: 'ClientOrderId is duplicated.' } }, kind: 'conflict', rule: ['venue', 10] },
  { venue: 'binance-usdm', code: '-1001', native: { status: 400, body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' } }, kind: 'retry', rule: ['venue', 11], unverified: true },
  { venue: 'binance-usdm', code: '-2019', native: { status: 400, body: { code: -2019, msg: 'Margin is insufficient.' } }, kind: 'fatal', rule: ['generic', 5] },
  { venue: 'binance-usdm', code: '-', status: 503, message: 'Service Unavailable.', native: { status: 503, body: { msg: 'Service Unavailable.' } }, kind: 'retry', rule: ['venue', 4] },
  // bybit: errors inside HTTP 200.
  { venue: 'bybit', code: '10006', native: { status: 200, body: { retCode: 10006, retMsg: 'Too many visits!', result: {} } }, kind: 'rateLimited', rule: ['venue', 2] },
  { venue: 'bybit', code: '10018', native: { status: 200, body: { retCode: 10018, retMsg: 'Exceeded the IP Rate Limit.', result: {} } }, kind: 'rateLimited', rule: ['venue', 3], unverified: true },
  { venue: 'bybit', code: '110072', native: { status: 200, body: { retCode: 110072, retMsg: 'OrderLinkedID is duplicate', result: {} } }, kind: 'conflict', rule: ['venue', 7] },
  { venue: 'bybit', code: '10016', native: { status: 200, body: { retCode: 10016, retMsg: 'Internal server error.', result: {} } }, kind: 'unknown', rule: ['generic', 8] },
  // okx: per-order sCode inside HTTP 200.
  { venue: 'okx', code: '51016', native: { status: 200, body: { code: '1', msg: '', data: [{ sCode: '51016', sMsg: 'Duplicated clOrdId' }] } }, kind: 'conflict', rule: ['venue', 3] },
  { venue: 'okx', code: '50042', native: { status: 200, body: { code: '50042', msg: 'Repeated request', data: [] } }, kind: 'conflict', rule: ['venue', 5], unverified: true },
  { venue: 'okx', code: '51008', native: { status: 200, body: { code: '1', msg: '', data: [{ sCode: '51008', sMsg: 'Order failed. Insufficient balance.' }] } }, kind: 'fatal', rule: ['venue', 8] },
  { venue: 'okx', code: '50001', status: 503, native: { status: 503, body: { code: '50001', msg: 'Service temporarily unavailable' } }, kind: 'unknown', rule: ['generic', 7] },
  // coinbase
  { venue: 'coinbase', code: 'false', native: { status: 200, body: { success: false, error_response: { error: 'INSUFFICIENT_FUND', message: 'Insufficient balance in source account' } } }, kind: 'fatal', rule: ['venue', 0] },
  { venue: 'coinbase', code: '-', status: 429, native: { status: 429, body: {} }, kind: 'rateLimited', rule: ['venue', 1], unverified: true },
  { venue: 'coinbase', code: 'unauthorized', status: 401, native: { status: 401, body: { error: 'unauthorized', message: 'Unauthorized' } }, kind: 'resign', rule: ['venue', 3], unverified: true },
  { venue: 'coinbase', code: 'INVALID_ARGUMENT', native: { status: 400, body: { error: 'INVALID_ARGUMENT', message: 'invalid product_id' } }, kind: 'fatal', rule: ['generic', 5] },
  // kraken: the first error string is code and message.
  { venue: 'kraken', code: 'EAPI:Invalid nonce', native: { status: 200, body: { error: ['EAPI:Invalid nonce'], result: {} } }, kind: 'resign', rule: ['venue', 4] },
  { venue: 'kraken', code: 'EOrder:Insufficient funds', native: { status: 200, body: { error: ['EOrder:Insufficient funds'] } }, kind: 'fatal', rule: ['venue', 8] },
  { venue: 'kraken', code: 'EOrder:Duplicate order', native: { status: 200, body: { error: ['EOrder:Duplicate order'] } }, kind: 'conflict', rule: ['venue', 6], unverified: true },
  { venue: 'kraken', code: 'EService:Unavailable', native: { status: 200, body: { error: ['EService:Unavailable'] } }, kind: 'unknown', rule: ['generic', 8] },
  // kucoin
  { venue: 'kucoin', code: '400002', native: { status: 200, body: { code: '400002', msg: 'KC-API-TIMESTAMP Invalid' } }, kind: 'resign', rule: ['venue', 3] },
  { venue: 'kucoin', code: '200002', message: 'Too many requests in a short period of time', native: { status: 200, body: { code: '200002', msg: 'Too many requests in a short period of time' } }, kind: 'rateLimited', rule: ['venue', 2], unverified: true },
  { venue: 'kucoin', code: '400100', message: 'clientOidDuplicated', native: { status: 200, body: { code: '400100', msg: 'clientOidDuplicated' } }, kind: 'conflict', rule: ['venue', 5], unverified: true },
  { venue: 'kucoin', code: '500000', native: { status: 200, body: { code: '500000', msg: 'Internal Server Error' } }, kind: 'unknown', rule: ['generic', 8] },
  // deribit: rules on the error name; no unverified rule.
  { venue: 'deribit', code: '10009', message: 'not_enough_funds', native: { status: 400, body: { jsonrpc: '2.0', error: { code: 10009, message: 'not_enough_funds' } } }, kind: 'fatal', rule: ['venue', 6] },
  { venue: 'deribit', code: '10028', message: 'too_many_requests', native: { status: 400, body: { jsonrpc: '2.0', error: { code: 10028, message: 'too_many_requests' } } }, kind: 'rateLimited', rule: ['venue', 0] },
  { venue: 'deribit', code: '11094', message: 'internal_error_xyz', native: { status: 400, body: { jsonrpc: '2.0', error: { code: 11094, message: 'internal_error_xyz' } } }, kind: 'unknown', rule: ['venue', 4] },
  { venue: 'deribit', code: '12345', message: 'some_unlisted_error', native: { status: 400, body: { jsonrpc: '2.0', error: { code: 12345, message: 'some_unlisted_error' } } }, kind: 'fatal', rule: ['generic', 5] },
  // bitfinex: array bodies; no unverified rule.
  { venue: 'bitfinex', code: '10020', native: { status: 500, body: ['error', 10020, 'price: invalid'] }, kind: 'fatal', rule: ['venue', 4] },
  { venue: 'bitfinex', code: '11010', native: { status: 500, body: ['error', 11010, 'ratelimit: error'] }, kind: 'rateLimited', rule: ['venue', 1] },
  { venue: 'bitfinex', code: 'ERROR', native: { status: 200, body: [1700000000000, 'on-req', null, null, [], null, 'ERROR', 'Invalid order: not enough balance'] }, kind: 'fatal', rule: ['venue', 0] },
  { venue: 'bitfinex', code: '10050', native: { status: 500, body: ['error', 10050, 'something unlisted'] }, kind: 'unknown', rule: ['generic', 7] },
  // gate
  { venue: 'gate', code: 'REQUEST_EXPIRED', native: { status: 400, body: { label: 'REQUEST_EXPIRED', message: 'gap between request Timestamp and server time exceeds 60' } }, kind: 'resign', rule: ['venue', 2] },
  { venue: 'gate', code: 'DUPLICATE_REQUEST', native: { status: 400, body: { label: 'DUPLICATE_REQUEST', message: 'duplicate request' } }, kind: 'conflict', rule: ['venue', 3], unverified: true },
  { venue: 'gate', code: 'BALANCE_NOT_ENOUGH', native: { status: 400, body: { label: 'BALANCE_NOT_ENOUGH', message: 'balance not enough' } }, kind: 'fatal', rule: ['generic', 5] },
  { venue: 'gate', code: '-', status: 202, native: { status: 202, body: { id: '123', status: 'open' } }, kind: 'unknown', rule: ['venue', 0] },
  // stripe: no unverified rule.
  { venue: 'stripe', code: 'rate_limit', status: 429, native: { status: 429, body: { error: { code: 'rate_limit', type: 'invalid_request_error', message: 'Too many requests' } } }, kind: 'rateLimited', rule: ['venue', 0] },
  { venue: 'stripe', code: 'idempotency_key_in_use', status: 409, native: { status: 409, body: { error: { code: 'idempotency_key_in_use', type: 'idempotency_error', message: 'in use' } } }, kind: 'conflict', rule: ['generic', 1] },
  { venue: 'stripe', code: 'card_declined', status: 402, native: { status: 402, body: { error: { code: 'card_declined', type: 'card_error', message: 'Your card was declined.' } } }, kind: 'fatal', rule: ['generic', 5] },
  { venue: 'stripe', code: '-', status: 424, native: { status: 424, body: {} }, kind: 'unknown', rule: ['venue', 1] },
  // adyen: no unverified rule.
  { venue: 'adyen', code: '704', headers: { 'Transient-Error': 'true' }, native: { status: 409, body: { status: 409, errorCode: '704', message: 'request already processed or in progress' }, headers: { 'transient-error': 'true' } }, kind: 'conflict', rule: ['venue', 0] },
  { venue: 'adyen', code: '704', native: { status: 409, body: { status: 409, errorCode: '704', message: 'request already processed or in progress' } }, kind: 'unknown', rule: ['venue', 1] },
  { venue: 'adyen', code: '101', native: { status: 422, body: { status: 422, errorCode: '101', message: 'Invalid card number', errorType: 'validation' } }, kind: 'fatal', rule: ['generic', 2] },
  // paypal: no unverified rule.
  { venue: 'paypal', code: 'ORDER_ALREADY_CAPTURED', native: { status: 422, body: { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_ALREADY_CAPTURED', description: 'Order already captured.' }] } }, kind: 'conflict', rule: ['venue', 0] },
  { venue: 'paypal', code: 'ORDER_COMPLETION_IN_PROGRESS', native: { status: 422, body: { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_COMPLETION_IN_PROGRESS' }] } }, kind: 'conflict', rule: ['venue', 2] },
  { venue: 'paypal', code: 'invalid_token', status: 401, native: { status: 401, body: { error: 'invalid_token', error_description: 'Token signature verification failed' } }, kind: 'resign', rule: ['venue', 3] },
  { venue: 'paypal', code: 'INSTRUMENT_DECLINED', native: { status: 422, body: { name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'INSTRUMENT_DECLINED' }] } }, kind: 'fatal', rule: ['generic', 2] },
  // square
  { venue: 'square', code: 'IDEMPOTENCY_KEY_REUSED', native: { status: 400, body: { errors: [{ category: 'INVALID_REQUEST_ERROR', code: 'IDEMPOTENCY_KEY_REUSED', detail: 'reused' }] } }, kind: 'fatal', rule: ['venue', 0], unverified: true },
  { venue: 'square', code: 'ACCESS_TOKEN_EXPIRED', status: 401, native: { status: 401, body: { errors: [{ category: 'AUTHENTICATION_ERROR', code: 'ACCESS_TOKEN_EXPIRED' }] } }, kind: 'resign', rule: ['venue', 1] },
  { venue: 'square', code: 'CONFLICT', status: 409, native: { status: 409, body: { errors: [{ code: 'CONFLICT' }] } }, kind: 'unknown', rule: ['venue', 2] },
  { venue: 'square', code: 'INSUFFICIENT_FUNDS', status: 402, native: { status: 402, body: { errors: [{ category: 'PAYMENT_METHOD_ERROR', code: 'INSUFFICIENT_FUNDS' }] } }, kind: 'fatal', rule: ['generic', 5] },
  // checkout-com: told apart by status only, so CODE may be the status.
  { venue: 'checkout-com', code: '429', native: { status: 429, body: {} }, kind: 'rateLimited', rule: ['venue', 0] },
  { venue: 'checkout-com', code: 'card_number_invalid', native: { status: 422, body: { request_id: 'r1', error_type: 'request_invalid', error_codes: ['card_number_invalid'] } }, kind: 'fatal', rule: ['generic', 2] },
  { venue: 'checkout-com', code: '502', native: { status: 502, body: {} }, kind: 'unknown', rule: ['generic', 7] },
  // braintree: GraphQL errors inside HTTP 200.
  { venue: 'braintree', code: 'VALIDATION', message: 'A request with this apiRequestKey is still being processed', native: { status: 200, body: { data: null, errors: [{ message: 'A request with this apiRequestKey is still being processed', extensions: { errorClass: 'VALIDATION' } }] } }, kind: 'conflict', rule: ['venue', 0], unverified: true },
  { venue: 'braintree', code: 'VALIDATION', message: 'Credit card type is not accepted by this merchant account.', native: { status: 200, body: { errors: [{ message: 'Credit card type is not accepted by this merchant account.', extensions: { errorClass: 'VALIDATION', legacyCode: '81703' } }] } }, kind: 'fatal', rule: ['venue', 1] },
  { venue: 'braintree', code: 'RESOURCE_LIMIT', native: { status: 200, body: { errors: [{ message: 'Too many requests', extensions: { errorClass: 'RESOURCE_LIMIT' } }] } }, kind: 'rateLimited', rule: ['venue', 3], unverified: true },
  { venue: 'braintree', code: 'INTERNAL', native: { status: 200, body: { errors: [{ message: 'An internal error occurred', extensions: { errorClass: 'INTERNAL' } }] } }, kind: 'unknown', rule: ['generic', 8] },
];

function explain(row: Row): Explanation {
  return explainCode(venue(row.venue), {
    code: row.code,
    nowMs: NOW,
    ...(row.status === undefined ? {} : { status: row.status }),
    ...(row.message === undefined ? {} : { message: row.message }),
    ...(row.headers === undefined ? {} : { headers: row.headers }),
  });
}

function nativeOutcome(row: Row): Outcome {
  const headers = row.native.headers ?? {};
  return classifyResponse(venue(row.venue), { status: row.native.status, body: row.native.body, header: (n) => headers[n.toLowerCase()] }, NOW);
}

describe('explainCode: every venue, against the classifier on the venue\'s own answer', () => {
  it.each(ROWS.map((r) => [`${r.venue} ${r.code}${r.status === undefined ? '' : ` (${String(r.status)})`}${r.message === undefined ? '' : ` "${r.message}"`}`, r] as const))('%s', (_name, row) => {
    const e = explain(row);
    const reference = nativeOutcome(row);
    // Consistency: the tool's verdict is the classifier's verdict on the real answer.
    expect(e.outcome.kind).toBe(reference.kind);
    expect(reference.kind).toBe(row.kind);
    if (reference.kind === 'conflict' && e.outcome.kind === 'conflict') expect(e.outcome.conflict).toBe(reference.conflict);
    if (reference.kind === 'rateLimited' && e.outcome.kind === 'rateLimited') expect(e.outcome.scope).toBe(reference.scope);
    // The venue's own layout was reproduced: the same code reaches the classifier.
    expect(e.read.code).toBe(reference.venueCode);
    // The default status is the one the venue sends.
    expect(e.status).toBe(row.native.status);
    // The deciding rule, and that it really decides this kind.
    if (row.rule === null) expect(e.rule).toBeNull();
    else {
      expect([e.rule?.source, e.rule?.index]).toEqual(row.rule);
      const list = row.rule[0] === 'venue' ? venue(row.venue).errors : GENERIC_RULES;
      const rule = list[row.rule[1]];
      expect(e.rule?.match).toBe(rule?.match);
      expect(kindOfRuleOutcome(e.rule?.outcome ?? 'success')).toBe(row.kind);
      expect(e.rule?.unverified).toBe(rule?.unverified === true);
      expect(e.rule?.unverified).toBe(row.unverified === true);
      expect(e.fallback === null).toBe(row.rule[0] === 'venue');
    }
    expect(e.sources).toEqual(venue(row.venue).about?.sources ?? []);
  });

  it('covers all 16 venues with at least 3 codes, a generic default, and an unverified rule where the venue has one', () => {
    expect(VENUE_NAMES).toHaveLength(16);
    for (const name of VENUE_NAMES) {
      const rows = ROWS.filter((r) => r.venue === name);
      expect(rows.length, name).toBeGreaterThanOrEqual(3);
      expect(rows.some((r) => r.rule?.[0] === 'generic'), `${name}: a code no venue rule names`).toBe(true);
      const hasUnverified = venue(name).errors.some((r) => r.unverified === true);
      expect(rows.some((r) => r.unverified === true), `${name}: an unverified rule`).toBe(hasUnverified);
    }
  });

  it('the matched rule is the first that decides: removing it hands the answer to a later rule', () => {
    for (const row of ROWS.filter((r) => r.rule?.[0] === 'venue')) {
      const profile = venue(row.venue);
      const index = row.rule?.[1] ?? -1;
      const without: VenueProfile = { ...profile, errors: profile.errors.filter((_, i) => i !== index) };
      const e = explainCode(without, { code: row.code, nowMs: NOW, ...(row.status === undefined ? {} : { status: row.status }), ...(row.message === undefined ? {} : { message: row.message }), ...(row.headers === undefined ? {} : { headers: row.headers }) });
      // Negative control: the rule named before is gone, so some other rule (or a default) answers.
      expect(e.rule?.source === 'venue' && profile.errors[index]?.match === e.rule.match, `${row.venue} ${row.code}`).toBe(false);
    }
  });
});

describe('the synthetic answer', () => {
  it('writes codes where each venue reads them, arrays included', () => {
    expect(buildErrorResponse(venue('bitfinex'), { code: '10020', message: 'price: invalid' }).body).toEqual(['error', '10020', 'price: invalid']);
    expect(buildErrorResponse(venue('okx'), { code: '51016' }).body).toEqual({ data: [{ sCode: '51016' }] });
    expect(buildErrorResponse(venue('braintree'), { code: 'VALIDATION', message: 'x' }).body).toEqual({ errors: [{ extensions: { errorClass: 'VALIDATION' }, message: 'x' }] });
    // Kraken's code is its message: the message option does not overwrite it.
    expect(buildErrorResponse(venue('kraken'), { code: 'EAPI:Invalid nonce', message: 'other' }).body).toEqual({ error: ['EAPI:Invalid nonce'] });
  });

  it('a 2xx answer with no code is a success that no rule decides', () => {
    const e = explainCode(venue('binance-spot'), { code: '-', status: 200, nowMs: NOW });
    expect(e.outcome.kind).toBe('success');
    expect(e.rule).toBeNull();
    expect(e.fallback).toMatch(/success/);
    expect(e.next.action).toBe('none');
  });

  it('CODE is a status only at venues told apart by status, and not when --status is given', () => {
    expect(codesInStatusOnly(venue('checkout-com'))).toBe(true);
    expect(codesInStatusOnly(venue('binance-spot'))).toBe(false);
    const asStatus = explainCode(venue('checkout-com'), { code: '429', nowMs: NOW });
    expect([asStatus.codeIn, asStatus.status, asStatus.outcome.kind]).toEqual(['status', 429, 'rateLimited']);
    const asCode = explainCode(venue('checkout-com'), { code: '429', status: 422, nowMs: NOW });
    expect([asCode.codeIn, asCode.status, asCode.read.code]).toEqual(['body', 422, '429']);
    // At a code venue a 3-digit code stays a code.
    const binance = explainCode(venue('binance-spot'), { code: '503', nowMs: NOW });
    expect([binance.codeIn, binance.status]).toEqual(['body', 400]);
  });

  it('a Retry-After header becomes the wait, and the unverified notes name the code', () => {
    const e = explainCode(venue('binance-spot'), { code: '-1003', status: 418, headers: { 'Retry-After': '30' }, nowMs: NOW });
    expect(e.outcome).toMatchObject({ kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 });
    expect(e.next.text).toContain('Wait 30 s');
    const usdm = explainCode(venue('binance-usdm'), { code: '-1001', nowMs: NOW });
    expect(usdm.unverifiedNotes.some((n) => n.includes('-1001'))).toBe(true);
    expect(explainCode(venue('binance-usdm'), { code: '-4116', nowMs: NOW }).unverifiedNotes).toEqual([]);
    // Whole tokens only: the 200 of an in-body error status is not the 200 of `170200`.
    expect(explainCode(venue('bybit'), { code: '110114', nowMs: NOW }).unverifiedNotes).toHaveLength(1);
    expect(explainCode(venue('bybit'), { code: '110072', nowMs: NOW }).unverifiedNotes).toEqual([]);
    expect(explainCode(venue('bybit'), { code: '10114', nowMs: NOW }).unverifiedNotes).toEqual([]);
  });
});

describe('next step per outcome kind', () => {
  const o = (outcome: Outcome): Outcome => outcome;
  it.each([
    ['binance-spot', o({ kind: 'success', reason: 'x' }), 'none', /executed/],
    ['binance-spot', o({ kind: 'retry', reason: 'x' }), 'retry', /same key/],
    ['binance-spot', o({ kind: 'resign', reason: 'x' }), 'resign', /fresh timestamp and signature.*same key/],
    ['binance-spot', o({ kind: 'rateLimited', scope: 'venue', reason: 'x' }), 'wait', /retry-after.*same key.*Every request to binance-spot waits/],
    ['okx', o({ kind: 'rateLimited', scope: 'request', reason: 'x', retryAfterMs: 2_000 }), 'wait', /^Not executed: rate-limited\. Wait 2 s, then send again with the same key\.$/],
    ['binance-spot', o({ kind: 'fatal', reason: 'x' }), 'stop', /failed/],
    ['binance-spot', o({ kind: 'unknown', reason: 'x' }), 'reconcile', /Look it up before any resend.*61 s.*same key is sent again/],
    ['okx', o({ kind: 'unknown', reason: 'x' }), 'reconcile', /Look it up before any resend.*parked for a person/],
    ['stripe', o({ kind: 'unknown', reason: 'x' }), 'reconcile', /Resend with the same key.*1 d/],
    ['checkout-com', o({ kind: 'unknown', reason: 'x' }), 'reconcile', /Look it up before any resend/],
    ['coinbase', o({ kind: 'unknown', reason: 'x' }), 'askPerson', /parked for a person/],
    ['bitfinex', o({ kind: 'unknown', reason: 'x' }), 'askPerson', /no lookup by key/],
    ['binance-spot', o({ kind: 'conflict', conflict: 'duplicate', reason: 'x' }), 'reconcile', /earlier attempt landed.*Look it up/],
    ['stripe', o({ kind: 'conflict', conflict: 'inProgress', reason: 'x' }), 'reconcile', /still running.*Resend with the same key/],
  ] as const)('%s %o -> %s', (name, outcome, action, text) => {
    const step = nextStep(venue(name), outcome, undefined);
    expect(step.action).toBe(action);
    expect(step.text).toMatch(text);
  });

  it('a checkout-com unknown is never settled by a resend (its store keeps successes only)', () => {
    expect(nextStep(venue('checkout-com'), { kind: 'unknown', reason: 'x' }, undefined).text).not.toMatch(/Resend with the same key/);
  });

  it('the resend rule agrees with the runner on every shipped profile', () => {
    for (const profile of Object.values(VENUE_PROFILES)) expect(resendSettles(profile.dedupe), profile.name).toBe(settlesByResend(profile.dedupe));
  });
});

describe('findMatchedRule and venue summaries', () => {
  it('agrees with the classifier kind for every venue rule fired alone by its own match', () => {
    // For each venue rule with a code condition: an answer with that code decides by that
    // rule or an earlier one, and the kind always agrees with the classifier.
    for (const profile of VENUE_NAMES.map(venue)) {
      for (const rule of profile.errors) {
        const code = typeof rule.match.code === 'string' ? rule.match.code : rule.match.code?.[0];
        if (code === undefined) continue;
        const response = buildErrorResponse(profile, { code });
        const facts = responseFacts(response);
        const matched = findMatchedRule(profile, facts);
        const outcome = classifyResponse(profile, facts, NOW);
        if (matched !== undefined && response.status >= 300) expect(kindOfRuleOutcome(matched.rule.outcome), `${profile.name} ${code}`).toBe(outcome.kind);
      }
    }
  });

  it('summaries state dedupe, lookup and when "not found" is trusted', () => {
    const binance = summariseVenue(venue('binance-spot'));
    expect(binance).toMatchObject({ key: 'query newClientOrderId', dedupe: 'openOrders', notFoundAuthoritative: true, settleDelayMs: 61_000 });
    expect(binance.notFoundTrusted).toMatch(/61 s.*recvWindow/);
    expect(summariseVenue(venue('checkout-com')).dedupeWindow).toBe('1 d (successes only)');
    expect(summariseVenue(venue('okx')).notFoundTrusted).toMatch(/never/);
    expect(summariseVenue(venue('coinbase')).lookup).toBe('none');
  });

  it('describeMatch words every condition and can shorten long code lists', () => {
    expect(describeMatch({ status: '5xx' })).toBe('status 5xx');
    expect(describeMatch({ code: ['-1010', '-2010'], message: 'duplicate' })).toBe('code -1010 or -2010 and message /duplicate/i');
    expect(describeMatch({ codePrefix: '51008', header: { name: 'transient-error', value: 'true' } })).toBe('code starting 51008 and header transient-error /true/i');
    expect(describeMatch({})).toBe('any answer (catch-all)');
    expect(describeMatch({ code: ['1', '2', '3'] }, 2)).toBe('code 1 or 2 (+1 more)');
  });

  it('finds venues by profile or export name, case-insensitively', () => {
    expect(findVenueProfile('Binance-Spot')?.name).toBe('binance-spot');
    expect(findVenueProfile('checkoutCom')?.name).toBe('checkout-com');
    expect(findVenueProfile('binance')).toBeUndefined();
  });
});
