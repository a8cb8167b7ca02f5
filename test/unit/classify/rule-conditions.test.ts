import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { defineVenue, type ErrorRule, type VenueProfile } from '../../../src/venues/index.js';
import { NOW, respond } from '../../helpers/venue-cases.js';

/** A venue with only the given rules; errors inside HTTP 200 carry `code`/`msg`. */
function venue(errors: readonly ErrorRule[], retryAfterHeaders: readonly string[] = ['retry-after']): VenueProfile {
  return defineVenue({
    name: 'conditions',
    kind: 'exchange',
    key: { placement: 'header', field: 'X-Key', format: { encoding: 'verbatim', maxLength: 64 } },
    dedupe: { kind: 'none' },
    reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
    response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: ['0'] },
    rateLimit: { retryAfterHeaders },
    errors,
  });
}

describe('match.codePrefix', () => {
  const v = venue([{ match: { codePrefix: ['51008', '5100'] }, outcome: 'fatal' }]);
  it.each([
    ['51008_1000', 'fatal'],
    ['51008', 'fatal'],
    ['51001', 'fatal'],
    ['5101', 'unknown'],
    ['x51008', 'unknown'],
  ])('code %s is %s', (code, kind) => {
    expect(classifyResponse(v, respond(200, { code, msg: 'm' }), NOW).kind).toBe(kind);
  });

  it('never matches a body without a code', () => {
    expect(classifyResponse(v, respond(500, 'oops'), NOW).kind).toBe('unknown');
  });
});

describe('match.header', () => {
  const v = venue([
    { match: { status: 409, header: { name: 'Transient-Error', value: '^true$' } }, outcome: 'conflictInProgress' },
    { match: { status: 409, header: { name: 'X-Replayed' } }, outcome: 'fatal' },
    { match: { status: 409 }, outcome: 'unknown' },
  ]);
  it.each([
    [{ 'transient-error': 'true' }, 'conflict'],
    [{ 'Transient-Error': 'TRUE' }, 'conflict'],
    [{ 'transient-error': 'false' }, 'unknown'],
    [{ 'x-replayed': '' }, 'fatal'],
    [{}, 'unknown'],
  ])('409 with headers %j is %s', (headers, kind) => {
    expect(classifyResponse(v, respond(409, {}, headers), NOW).kind).toBe(kind);
  });

  it('a throwing header reader never matches and never throws', () => {
    const response = { status: 409, body: {}, header: () => { throw new Error('boom'); } };
    expect(classifyResponse(v, response, NOW).kind).toBe('unknown');
  });
});

describe('per-rule wait headers', () => {
  const v = venue(
    [
      { match: { status: 418 }, outcome: 'rateLimited', scope: 'venue', waitHeaders: ['x-ban-until'], waitUnit: 'epochMilliseconds', waitMs: 120_000 },
      { match: { status: 429 }, outcome: 'rateLimited', waitHeaders: ['x-wait-ms'], waitUnit: 'milliseconds' },
    ],
    ['retry-after'],
  );

  it("reads the rule's own header first, in the rule's unit", () => {
    const outcome = classifyResponse(v, respond(418, {}, { 'x-ban-until': String(NOW + 300_000), 'retry-after': '5' }), NOW);
    expect(outcome).toMatchObject({ kind: 'rateLimited', scope: 'venue', retryAfterMs: 300_000 });
  });

  it("falls back to the profile's headers, then to waitMs", () => {
    expect(classifyResponse(v, respond(418, {}, { 'retry-after': '5' }), NOW)).toMatchObject({ retryAfterMs: 5_000 });
    expect(classifyResponse(v, respond(418, {}, {}), NOW)).toMatchObject({ retryAfterMs: 120_000 });
  });

  it('a header of another rule is not read', () => {
    expect(classifyResponse(v, respond(429, {}, { 'x-ban-until': String(NOW + 300_000) }), NOW)).not.toHaveProperty('retryAfterMs');
    expect(classifyResponse(v, respond(429, {}, { 'x-wait-ms': '250' }), NOW)).toMatchObject({ retryAfterMs: 250 });
  });
});
