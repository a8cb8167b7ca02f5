import { describe, expect, it } from 'vitest';
import { MAX_PARSED_RETRY_AFTER_MS, parseRetryAfter, type RetryAfterUnit } from '../../../src/backoff/retry-after.js';

// 1_700_000_000_000 ms = Tue, 14 Nov 2023 22:13:20 GMT.
const NOW_MS = 1_700_000_000_000;
const TWO_MINUTES_MS = 120_000;

describe('parseRetryAfter: delta-seconds (default unit)', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['0.0', 0],
    ['1.5', 1_500],
    ['007', 7_000],
    [' 120\t', 120_000], // optional whitespace around a header value
    // 2.007 × 1000 is 2007.0000000000002 in floating point; the wait must still be 2007.
    ['2.007', 2_007],
    // A fraction of a ms is rounded up: never wait less than asked.
    ['0.0001', 1],
    ['1.0001', 1_001],
  ])('%j -> %d ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW_MS)).toBe(expected);
  });

  it('does not read the clock for a delta', () => {
    expect(parseRetryAfter('3', Number.NaN)).toBe(3_000);
  });

  it('accepts exactly ten years and rejects one second more', () => {
    const tenYearsS = 10 * 365.25 * 24 * 60 * 60;
    expect(MAX_PARSED_RETRY_AFTER_MS).toBe(tenYearsS * 1000);
    expect(parseRetryAfter(String(tenYearsS), NOW_MS)).toBe(tenYearsS * 1000);
    expect(parseRetryAfter(String(tenYearsS + 1), NOW_MS)).toBeUndefined();
    expect(parseRetryAfter('1'.repeat(400), NOW_MS)).toBeUndefined();
  });
});

describe('parseRetryAfter: HTTP-date', () => {
  it.each([
    ['IMF-fixdate, two minutes ahead', 'Tue, 14 Nov 2023 22:15:20 GMT', TWO_MINUTES_MS],
    ['IMF-fixdate, one second ahead', 'Tue, 14 Nov 2023 22:13:21 GMT', 1_000],
    ['IMF-fixdate, now', 'Tue, 14 Nov 2023 22:13:20 GMT', 0],
    ['IMF-fixdate, in the past', 'Tue, 14 Nov 2023 22:13:00 GMT', 0],
    ['IMF-fixdate, next day', 'Wed, 15 Nov 2023 22:13:20 GMT', 86_400_000],
    ['RFC 850, two minutes ahead', 'Tuesday, 14-Nov-23 22:15:20 GMT', TWO_MINUTES_MS],
    ['asctime, two minutes ahead', 'Tue Nov 14 22:15:20 2023', TWO_MINUTES_MS],
    ['asctime, space-padded day', 'Thu Nov  2 22:13:20 2023', 0],
    ['lower case', 'tue, 14 nov 2023 22:15:20 gmt', TWO_MINUTES_MS],
  ])('%s', (_, value, expected) => {
    expect(parseRetryAfter(value, NOW_MS)).toBe(expected);
  });

  it('agrees with Date.prototype.toUTCString, which emits IMF-fixdate', () => {
    const at = NOW_MS + 45_000;
    expect(parseRetryAfter(new Date(at).toUTCString(), NOW_MS)).toBe(45_000);
  });

  it('rounds up when now has a fraction of a ms', () => {
    expect(parseRetryAfter('Tue, 14 Nov 2023 22:13:21 GMT', NOW_MS + 0.5)).toBe(1_000);
  });

  it('reads an RFC 850 two-digit year more than 50 years ahead as the previous century', () => {
    // Now is 2023. "74" would be 2074 (51 years ahead), so it means 1974: in the past.
    expect(parseRetryAfter('Monday, 14-Nov-74 22:15:20 GMT', NOW_MS)).toBe(0);
    // "73" is 2073, exactly 50 years ahead: kept in this century, then refused as over ten years.
    expect(parseRetryAfter('Tuesday, 14-Nov-73 22:15:20 GMT', NOW_MS)).toBeUndefined();
  });

  it('accepts a leap second', () => {
    const now = Date.UTC(2016, 11, 31, 23, 59, 0);
    expect(parseRetryAfter('Sat, 31 Dec 2016 23:59:60 GMT', now)).toBe(60_000);
  });

  it.each([
    ['31 February', 'Fri, 31 Feb 2023 22:15:20 GMT'],
    ['hour 24', 'Tue, 14 Nov 2023 24:00:00 GMT'],
    ['minute 60', 'Tue, 14 Nov 2023 22:60:00 GMT'],
    ['day 0', 'Tue, 00 Nov 2023 22:15:20 GMT'],
    ['no zone on IMF-fixdate', 'Tue, 14 Nov 2023 22:15:20'],
    ['a zone other than GMT', 'Tue, 14 Nov 2023 22:15:20 PST'],
    ['ISO 8601 (not an HTTP-date)', '2023-11-14T22:15:20Z'],
    ['a date string only Date.parse would accept', 'Nov 14 2023'],
    ['more than ten years ahead', 'Tue, 14 Nov 2034 22:13:21 GMT'],
  ])('refuses %s', (_, value) => {
    expect(parseRetryAfter(value, NOW_MS)).toBeUndefined();
  });

  it('refuses a date when the clock is not a finite number', () => {
    expect(parseRetryAfter('Tue, 14 Nov 2023 22:15:20 GMT', Number.NaN)).toBeUndefined();
    expect(parseRetryAfter('Tuesday, 14-Nov-23 22:15:20 GMT', Number.NaN)).toBeUndefined();
  });
});

describe('parseRetryAfter: garbage', () => {
  it.each([undefined, '', '   ', '-1', '-0.5', '+5', '1e3', '0x10', '1,5', '.5', '5.', 'soon', 'NaN', 'Infinity', '12 34'])(
    '%j -> undefined',
    (value) => {
      expect(parseRetryAfter(value, NOW_MS)).toBeUndefined();
    },
  );

  it('returns undefined instead of throwing for a non-string from untyped callers', () => {
    expect(parseRetryAfter(120 as unknown as string, NOW_MS)).toBeUndefined();
    expect(parseRetryAfter(null as unknown as string, NOW_MS)).toBeUndefined();
  });

  it('returns undefined for an unknown unit', () => {
    expect(parseRetryAfter('5', NOW_MS, 'minutes' as RetryAfterUnit)).toBeUndefined();
  });
});

describe('parseRetryAfter: other units', () => {
  it('milliseconds: a delta in ms, fractions rounded up, no dates', () => {
    expect(parseRetryAfter('1500', NOW_MS, 'milliseconds')).toBe(1_500);
    expect(parseRetryAfter('0', NOW_MS, 'milliseconds')).toBe(0);
    expect(parseRetryAfter('1.2', NOW_MS, 'milliseconds')).toBe(2);
    expect(parseRetryAfter('-1', NOW_MS, 'milliseconds')).toBeUndefined();
    expect(parseRetryAfter('Tue, 14 Nov 2023 22:15:20 GMT', NOW_MS, 'milliseconds')).toBeUndefined();
  });

  it('epochSeconds: a reset timestamp in seconds', () => {
    // NOW_MS is epoch second 1_700_000_000.
    expect(parseRetryAfter('1700000005', NOW_MS, 'epochSeconds')).toBe(5_000);
    expect(parseRetryAfter('1700000000.5', NOW_MS, 'epochSeconds')).toBe(500);
    expect(parseRetryAfter('1700000000', NOW_MS, 'epochSeconds')).toBe(0);
    expect(parseRetryAfter('1699999990', NOW_MS, 'epochSeconds')).toBe(0);
    // An epoch-ms value sent where seconds were expected is ~54,000 years away: garbage.
    expect(parseRetryAfter('1700000005000', NOW_MS, 'epochSeconds')).toBeUndefined();
    expect(parseRetryAfter('1700000005', Number.NaN, 'epochSeconds')).toBeUndefined();
  });

  it('epochMilliseconds: a reset timestamp in ms', () => {
    expect(parseRetryAfter('1700000005000', NOW_MS, 'epochMilliseconds')).toBe(5_000);
    expect(parseRetryAfter('1700000000001', NOW_MS, 'epochMilliseconds')).toBe(1);
    expect(parseRetryAfter('1700000000000.25', NOW_MS, 'epochMilliseconds')).toBe(1);
    expect(parseRetryAfter('1699999999999', NOW_MS, 'epochMilliseconds')).toBe(0);
    expect(parseRetryAfter('Tue, 14 Nov 2023 22:15:20 GMT', NOW_MS, 'epochMilliseconds')).toBeUndefined();
  });
});
