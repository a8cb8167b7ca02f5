import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { extendVenue, genericVenue } from '../../../src/venues/index.js';
import { NOW, respond } from '../../helpers/venue-cases.js';

// A Kraken-like venue: errors as strings in a 200 body, the throttle end inside the text.
const throttled = extendVenue(genericVenue, {
  name: 'message-wait-test',
  response: { codePaths: ['error.0'], messagePaths: ['error.0'], successCodes: [] },
  rateLimit: { retryAfterMessage: { pattern: 'Throttled: (\\d+)', unit: 'epochSeconds' } },
  errors: [{ match: { message: '^EService: ?Throttled' }, outcome: 'rateLimited', waitMs: 5_000 }],
});
const nowSeconds = Math.floor(NOW / 1000);

describe('rateLimit.retryAfterMessage', () => {
  it('takes the wait from the message when no header gives one', () => {
    const outcome = classifyResponse(throttled, respond(200, { error: [`EService: Throttled: ${nowSeconds + 7}`], result: {} }), NOW);
    expect(outcome).toMatchObject({ kind: 'rateLimited', retryAfterMs: (nowSeconds + 7) * 1000 - NOW });
  });

  it('prefers a Retry-After header over the message', () => {
    const outcome = classifyResponse(throttled, respond(200, { error: [`EService: Throttled: ${nowSeconds + 7}`] }, { 'Retry-After': '2' }), NOW);
    expect(outcome).toMatchObject({ kind: 'rateLimited', retryAfterMs: 2_000 });
  });

  it("falls back to the rule's waitMs when the message carries no number", () => {
    expect(classifyResponse(throttled, respond(200, { error: ['EService:Throttled'] }), NOW)).toMatchObject({ kind: 'rateLimited', retryAfterMs: 5_000 });
    expect(classifyResponse(throttled, respond(200, { error: ['EService: Throttled: soon'] }), NOW)).toMatchObject({ retryAfterMs: 5_000 });
  });

  it('gives 0 for a throttle end already past, and is not consulted for other outcomes', () => {
    expect(classifyResponse(throttled, respond(200, { error: [`EService: Throttled: ${nowSeconds - 60}`] }), NOW)).toMatchObject({ retryAfterMs: 0 });
    const other = classifyResponse(throttled, respond(400, { error: ['EGeneral:Invalid arguments Throttled: 99'] }), NOW);
    expect(other.kind).toBe('fatal');
    expect(other).not.toHaveProperty('retryAfterMs');
  });
});
