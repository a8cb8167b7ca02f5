import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { placeKey } from '../../../src/client/axios-request.js';
import { checkVenueKey, encodeVenueKey } from '../../../src/keys/index.js';
import { bitfinex } from '../../../src/venues/bitfinex.js';
import { defineVenue } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';

/** A submit notification: [MTS, TYPE, MESSAGE_ID, null, ORDERS, CODE, STATUS, TEXT]. */
function notification(status: string, text: string, orders: unknown = []): unknown[] {
  return [1_567_590_617_442, 'on-req', null, null, orders, null, status, text];
}

// Shapes from the v2 Submit Order reference (notification) and the v2 error format
// (HTTP 500 ["error", CODE, "text"]) as handled by ccxt's bitfinex.ts.
const cases: readonly Case[] = [
  {
    label: 'order submitted (notification STATUS SUCCESS)',
    source: 'docs.bitfinex.com v2 REST Submit Order response (notification STATUS SUCCESS)',
    status: 200,
    body: notification('SUCCESS', 'Submitting 1 orders.', [[30630788061, null, 1567590617439, 'tBTCUSD', 1567590617439, 1567590617439, 0.001, 0.001, 'LIMIT']]),
    expected: { kind: 'success', venueCode: 'SUCCESS' },
  },
  {
    label: 'notification STATUS ERROR',
    source: 'docs.bitfinex.com v2 REST Submit Order response (notification STATUS ERROR, TEXT)',
    status: 200,
    body: notification('ERROR', 'Invalid order: minimum size for BTC/USD is 0.0002'),
    expected: { kind: 'fatal', venueCode: 'ERROR', venueMessage: 'Invalid order: minimum size for BTC/USD is 0.0002' },
  },
  { label: 'notification STATUS FAILURE', source: 'docs.bitfinex.com v2 REST Submit Order response (notification STATUS FAILURE)', status: 200, body: notification('FAILURE', 'Submitting 1 orders.'), expected: { kind: 'fatal' } },
  {
    label: '11010 rate limit on HTTP 500 (waits the longest documented block, 60 s)',
    source: 'docs.bitfinex.com v2 Abbreviations / Error codes 11010; docs.bitfinex.com Rate limits (blocked 10-60 s)',
    status: 500,
    body: ['error', 11010, 'ratelimit: error'],
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 60_000, venueCode: '11010' },
  },
  {
    label: 'ERR_RATE_LIMIT object body (v1 style)',
    source: 'docs.bitfinex.com v1 errors ERR_RATE_LIMIT; ccxt/ccxt ts/src/bitfinex.ts exceptions',
    status: 429,
    body: { error: 'ERR_RATE_LIMIT' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 60_000 },
  },
  { label: '10114 nonce: small on HTTP 500', source: 'docs.bitfinex.com v2 Abbreviations / Error codes 10114', status: 500, body: ['error', 10114, 'nonce: small'], expected: { kind: 'resign' } },
  { label: '20060 maintenance on HTTP 500', source: 'docs.bitfinex.com v2 Abbreviations / Error codes 20060', status: 500, body: ['error', 20060, 'maintenance'], expected: { kind: 'retry' } },
  {
    label: '10001 generic rejection on HTTP 500 is a refusal, not a server failure',
    source: 'docs.bitfinex.com v2 Abbreviations / Error codes 10001; ccxt/ccxt ts/src/bitfinex.ts handleErrors (HTTP 500 error arrays)',
    status: 500,
    body: ['error', 10001, 'Invalid order: not enough exchange balance for 0.001 BTCUSD at 10000'],
    expected: { kind: 'fatal', venueCode: '10001' },
  },
  { label: '10020 params error on HTTP 500', source: 'docs.bitfinex.com v2 Abbreviations / Error codes 10020', status: 500, body: ['error', 10020, 'amount: invalid'], expected: { kind: 'fatal' } },
  { label: '10100 auth failed on HTTP 500', source: 'docs.bitfinex.com v2 Abbreviations / Error codes 10100', status: 500, body: ['error', 10100, 'apikey: invalid'], expected: { kind: 'fatal' } },
  {
    label: '10000 unknown error on HTTP 500 stays unknown',
    source: 'docs.bitfinex.com v2 Abbreviations / Error codes 10000',
    status: 500,
    body: ['error', 10000, 'unknown error'],
    expected: { kind: 'unknown', venueCode: '10000' },
  },
  {
    label: 'an undocumented code in an error array on HTTP 500 stays unknown',
    source: 'negative control: code 99999 is not in docs.bitfinex.com v2 Error codes',
    status: 500,
    body: ['error', 99999, 'something new'],
    expected: { kind: 'unknown', venueCode: '99999' },
  },
  { label: 'a 500 without a Bitfinex body', source: 'negative control: no Bitfinex body; GENERIC_RULES 5xx', status: 500, body: '<html>Internal Server Error</html>', expected: { kind: 'unknown' } },
];

describe('bitfinex error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(bitfinex, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of bitfinex.errors) expect(rule.note).toMatch(/bitfinex/i);
  });
});

describe('bitfinex profile', () => {
  it('sends cid as an integer below 2^45', () => {
    expect(bitfinex.key).toMatchObject({ placement: 'body', field: 'cid', valueType: 'number' });
    const format = bitfinex.key.format;
    for (const key of [
      encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', format),
      encodeVenueKey('3b241101-e2bb-4255-8caf-4136c566a962', format),
      encodeVenueKey('k'.repeat(255), format),
    ]) {
      expect(checkVenueKey(key, format)).toBeUndefined();
      expect(Number(key)).toBeLessThan(2 ** 45);
    }
    expect(checkVenueKey(String(2 ** 45), format)).toBeDefined();
  });

  it('places cid in the JSON body as a number', () => {
    const venueKey = encodeVenueKey('01J9Z7Q7E8XK3M4N5P6Q7R8S9T', bitfinex.key.format);
    const placed = placeKey({ method: 'post', data: { type: 'EXCHANGE LIMIT', symbol: 'tBTCUSD', amount: '0.001', price: '10000' } }, bitfinex.key, venueKey, 'submit');
    expect((placed.data as { cid: unknown }).cid).toBe(Number(venueKey));
  });

  it('does not deduplicate and has no lookup by cid', () => {
    expect(bitfinex.dedupe).toEqual({ kind: 'none' });
    expect(bitfinex.reconcile.notFoundIsAuthoritative).toBe(false);
    expect(bitfinex.reconcile.lookup).toBeUndefined();
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(bitfinex))).toEqual(bitfinex);
  });
});

describe('bitfinex rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(bitfinex, cases)).toEqual([]);
  });
});

describe('bitfinex: published limits', () => {
  it('records none: only a range is published', () => {
    expect(bitfinex.rateLimit.limits).toBeUndefined();
    expect(bitfinex.about?.unverified?.filter((fact) => fact.startsWith('rateLimit.limits:'))).toEqual([expect.stringMatching(/^rateLimit\.limits: none set\. .*10 to 90 requests per minute/)]);
  });
});
