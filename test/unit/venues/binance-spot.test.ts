import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { binanceSpot, defineVenue } from '../../../src/venues/index.js';
import { NOW, respond, type Case, rulesNoCaseNeeds } from '../../helpers/venue-cases.js';


// Bodies follow the shapes in binance-spot-api-docs errors.md / rest-api.md; expected
// kinds follow the class each code has in venues.md §3 (with the deviations noted).
const cases: readonly Case[] = [
  {
    label: 'order accepted (ACK body has no code)',
    status: 200,
    body: { symbol: 'BTCUSDT', orderId: 28, orderListId: -1, clientOrderId: '01J9Z7Q7E8', transactTime: 1507725176595 },
    expected: { kind: 'success' },
  },
  {
    label: '-2010 duplicate client order id (held by an open order)',
    status: 400,
    body: { code: -2010, msg: 'Duplicate order sent.' },
    expected: { kind: 'conflict', conflict: 'duplicate', venueCode: '-2010', reason: 'binance-spot -2010 Duplicate order sent.' },
  },
  {
    label: '-2010 insufficient balance',
    status: 400,
    body: { code: -2010, msg: 'Account has insufficient balance for requested action.' },
    expected: { kind: 'fatal', venueCode: '-2010' },
  },
  {
    label: '-1021 timestamp ahead of the server',
    status: 400,
    body: { code: -1021, msg: "Timestamp for this request was 1000ms ahead of the server's time." },
    expected: { kind: 'resign', venueCode: '-1021' },
  },
  {
    label: '-1021 outside recvWindow',
    status: 400,
    body: { code: -1021, msg: 'Timestamp for this request is outside of the recvWindow.' },
    expected: { kind: 'resign' },
  },
  {
    label: '418 IP ban with Retry-After',
    status: 418,
    body: { code: -1003, msg: 'Way too much request weight used; IP banned until 1749000000000.' },
    headers: { 'Retry-After': '7200' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 7_200_000 },
  },
  {
    label: '418 IP ban without Retry-After waits the shortest documented ban (2 min)',
    status: 418,
    body: { code: -1003, msg: 'IP banned.' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 120_000 },
  },
  {
    label: '429 request weight exceeded',
    status: 429,
    body: { code: -1003, msg: 'Too many requests; current limit of IP is 6000 requests per minute.' },
    headers: { 'Retry-After': '30', 'X-MBX-USED-WEIGHT-1M': '6001' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 30_000 },
  },
  {
    label: '429 from the edge without a Binance body still stops the whole venue',
    status: 429,
    body: '',
    headers: { 'Retry-After': '12' },
    expected: { kind: 'rateLimited', scope: 'venue', retryAfterMs: 12_000 },
  },
  {
    label: '403 WAF block (HTML body)',
    status: 403,
    body: '<html><body>403 Forbidden</body></html>',
    expected: { kind: 'rateLimited', scope: 'venue', httpStatus: 403 },
  },
  {
    label: '-1015 too many new orders',
    status: 400,
    body: { code: -1015, msg: 'Too many new orders; current limit is 100 orders per 10 SECOND.' },
    expected: { kind: 'rateLimited', scope: 'venue' },
  },
  {
    label: '-1001 internal error with a 4xx status: not processed',
    status: 400,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'retry' },
  },
  {
    label: '-1001 with a 5xx: the 5xx rule wins (execution status unknown)',
    status: 503,
    body: { code: -1001, msg: 'Internal error; unable to process your request. Please try again.' },
    expected: { kind: 'unknown', httpStatus: 503 },
  },
  {
    label: '-1000 unknown error',
    status: 400,
    body: { code: -1000, msg: 'An unknown error occurred while processing the request.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1006 unexpected response',
    status: 400,
    body: { code: -1006, msg: 'An unexpected response was received from the message bus. Execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1007 backend timeout',
    status: 408,
    body: { code: -1007, msg: 'Timeout waiting for response from backend server. Send status unknown; execution status unknown.' },
    expected: { kind: 'unknown' },
  },
  {
    label: '-1008 server busy (conservative: spot docs do not say it was not processed)',
    status: 400,
    body: { code: -1008, msg: 'Server is currently overloaded with other requests. Please try again in a few minutes.' },
    expected: { kind: 'unknown' },
  },
  { label: '5xx without body', status: 502, body: '', expected: { kind: 'unknown', reason: 'HTTP 502' } },
  {
    label: '409 cancelReplace partly failed',
    status: 409,
    body: { code: -2022, msg: 'Order cancel-replace partially failed.' },
    expected: { kind: 'unknown' },
  },
  { label: '-1013 filter failure', status: 400, body: { code: -1013, msg: 'Filter failure: LOT_SIZE' }, expected: { kind: 'fatal' } },
  {
    label: '-1102 mandatory parameter missing',
    status: 400,
    body: { code: -1102, msg: "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed." },
    expected: { kind: 'fatal' },
  },
  { label: '-1121 invalid symbol', status: 400, body: { code: -1121, msg: 'Invalid symbol.' }, expected: { kind: 'fatal' } },
  {
    label: '-1022 bad signature',
    status: 400,
    body: { code: -1022, msg: 'Signature for this request is not valid.' },
    expected: { kind: 'fatal' },
  },
  {
    label: '-2015 key, IP or permission rejected',
    status: 401,
    body: { code: -2015, msg: 'Invalid API-key, IP, or permissions for action.' },
    expected: { kind: 'fatal' },
  },
  { label: '-2014 bad key format', status: 401, body: { code: -2014, msg: 'API-key format invalid.' }, expected: { kind: 'fatal' } },
  { label: '-2013 no such order', status: 400, body: { code: -2013, msg: 'Order does not exist.' }, expected: { kind: 'fatal' } },
  {
    label: 'an unlisted code with HTTP 400 falls to the generic 4xx rule',
    status: 400,
    body: { code: -1135, msg: 'Invalid JSON Request' },
    expected: { kind: 'fatal', venueCode: '-1135' },
  },
];

describe('binanceSpot error map', () => {
  it.each(cases)('$label', ({ status, body, headers, expected }) => {
    expect(classifyResponse(binanceSpot, respond(status, body, headers), NOW)).toMatchObject(expected);
  });

  it('keeps a source note on every rule', () => {
    for (const rule of binanceSpot.errors) expect(rule.note).toMatch(/binance-spot-api-docs/);
  });

  it('lists the whole -1100..-1130 parameter-error range as fatal', () => {
    for (let code = -1100; code >= -1130; code--) {
      const outcome = classifyResponse(binanceSpot, respond(400, { code, msg: 'bad parameter' }), NOW);
      expect(outcome.kind, String(code)).toBe('fatal');
    }
  });
});

describe('binanceSpot profile', () => {
  it('places newClientOrderId in the query with the documented charset and length', () => {
    expect(binanceSpot.key).toMatchObject({ placement: 'query', field: 'newClientOrderId' });
    const pattern = new RegExp(binanceSpot.key.format.pattern ?? '');
    expect(pattern.test('01J9Z7Q7E8XK3M4N5P6Q7R8S9T')).toBe(true); // a ULID
    expect(pattern.test('a'.repeat(36))).toBe(true);
    expect(pattern.test('a'.repeat(37))).toBe(false);
    expect(pattern.test('has.dot')).toBe(false); // allowed on USD-M, not on spot
    expect(binanceSpot.key.format.maxLength).toBe(36);
  });

  it('deduplicates only among open orders, so reconcile must look up', () => {
    expect(binanceSpot.dedupe).toEqual({ kind: 'openOrders' });
    expect(binanceSpot.reconcile.notFoundIsAuthoritative).toBe(true);
    expect(binanceSpot.reconcile.notFoundCodes).toEqual(['-2013']);
  });

  it('waits out the longest request-validity window before trusting "not found"', () => {
    // recvWindow max 60 000 ms (rest-api.md) plus the 1 000 ms a timestamp may run ahead
    // of the server before -1021: past that no queued copy can reach the engine.
    const recvWindowMaxMs = 60_000;
    const maxTimestampAheadMs = 1_000;
    expect(binanceSpot.reconcile.settleDelayMs).toBeGreaterThanOrEqual(recvWindowMaxMs + maxTimestampAheadMs);
  });

  it('is valid input for defineVenue', () => {
    expect(defineVenue(structuredClone(binanceSpot))).toEqual(binanceSpot);
  });
});

describe('binanceSpot rule coverage', () => {
  it('needs every rule: removing any one changes the outcome of some documented payload', () => {
    expect(rulesNoCaseNeeds(binanceSpot, cases)).toEqual([]);
  });
});
