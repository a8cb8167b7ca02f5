import { describe, expect, it } from 'vitest';
import { newCorrelationId, summariseUrl } from '../../../src/internal/correlation.js';

describe('newCorrelationId', () => {
  it('is ik- and 20 lower-case Crockford base32 characters, fresh every time (across pool refills)', () => {
    const ids = Array.from({ length: 1_000 }, () => newCorrelationId());
    for (const id of ids) expect(id).toMatch(/^ik-[0-9a-hjkmnp-tv-z]{20}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('uses every character of its alphabet (the bits are spread, not stuck)', () => {
    const seen = new Set(Array.from({ length: 500 }, () => newCorrelationId().slice(3)).join(''));
    expect(seen.size).toBe(32);
  });
});

describe('summariseUrl', () => {
  it.each<[string | undefined, string | undefined, string]>([
    ['https://api.venue.test', '/api/v3/order', 'https://api.venue.test/api/v3/order'],
    ['https://api.venue.test/', 'api/v3/order', 'https://api.venue.test/api/v3/order'],
    ['https://api.venue.test/base', '/order?symbol=X&signature=SECRET', 'https://api.venue.test/base/order'],
    [undefined, 'https://other.test/order#frag', 'https://other.test/order'],
    ['https://api.venue.test', 'https://other.test/x?sig=1', 'https://other.test/x'],
    ['https://api.venue.test?token=SECRET', undefined, 'https://api.venue.test'],
    [undefined, undefined, ''],
  ])('%s + %s is %s', (base, url, expected) => {
    expect(summariseUrl(base, url)).toBe(expected);
  });
});
