import { describe, expect, it } from 'vitest';
import { readRateLimitUsage } from '../../../src/classify/index.js';
import { binanceSpot, defineVenue, extendVenue, genericVenue } from '../../../src/venues/index.js';
import type { UsageHeaderSpec } from '../../../src/venues/index.js';
import { NOW, respond } from '../../helpers/venue-cases.js';

/** A profile whose only difference from the generic one is its usage headers. */
function withUsage(usage: readonly UsageHeaderSpec[]) {
  return extendVenue(genericVenue, { name: 'usage-test', rateLimit: { usage } });
}

const headerOf = (headers: Record<string, string>) => respond(200, {}, headers).header;

describe('readRateLimitUsage', () => {
  it('reads Binance used weight against the profile limit and the next minute boundary', () => {
    const at = Date.UTC(2025, 5, 1, 12, 0, 42, 500);
    const usage = readRateLimitUsage(binanceSpot, headerOf({ 'X-MBX-USED-WEIGHT-1M': '5790' }), at);
    expect(usage).toEqual([
      { header: 'x-mbx-used-weight-1m', used: 5790, remaining: 210, limit: 6000, utilisation: 5790 / 6000, resetAt: Date.UTC(2025, 5, 1, 12, 1, 0) },
    ]);
  });

  it('reports every counter present, in profile order, and skips absent ones', () => {
    const usage = readRateLimitUsage(binanceSpot, headerOf({ 'x-mbx-order-count-1d': '12', 'x-mbx-order-count-10s': '49' }), NOW);
    expect(usage.map((u) => [u.header, u.used])).toEqual([
      ['x-mbx-order-count-10s', 49],
      ['x-mbx-order-count-1d', 12],
    ]);
    expect(usage[0]?.utilisation).toBeCloseTo(49 / 50, 10);
    expect(usage[0]?.resetAt).toBe((Math.floor(NOW / 10_000) + 1) * 10_000);
  });

  it('reads a remaining count with its limit and reset headers (Bybit style)', () => {
    const profile = withUsage([
      { header: 'X-Bapi-Limit-Status', reports: 'remaining', limitHeader: 'X-Bapi-Limit', resetHeader: 'X-Bapi-Limit-Reset-Timestamp' },
    ]);
    const usage = readRateLimitUsage(
      profile,
      headerOf({ 'x-bapi-limit-status': '1', 'x-bapi-limit': '20', 'x-bapi-limit-reset-timestamp': String(NOW + 750) }),
      NOW,
    );
    expect(usage).toEqual([{ header: 'x-bapi-limit-status', remaining: 1, used: 19, limit: 20, utilisation: 0.95, resetAt: NOW + 750 }]);
  });

  it('turns a relative reset (KuCoin milliseconds) into an instant', () => {
    const profile = withUsage([
      { header: 'gw-ratelimit-remaining', reports: 'remaining', limitHeader: 'gw-ratelimit-limit', resetHeader: 'gw-ratelimit-reset', resetUnit: 'milliseconds' },
    ]);
    const usage = readRateLimitUsage(profile, headerOf({ 'gw-ratelimit-remaining': '0', 'gw-ratelimit-limit': '4000', 'gw-ratelimit-reset': '12000' }), NOW);
    expect(usage[0]).toMatchObject({ used: 4000, remaining: 0, utilisation: 1, resetAt: NOW + 12_000 });
  });

  it('prefers the limit header over the profile limit, and falls back when it is not a positive number', () => {
    const profile = withUsage([{ header: 'x-used', reports: 'used', limit: 100, limitHeader: 'x-limit' }]);
    expect(readRateLimitUsage(profile, headerOf({ 'x-used': '50', 'x-limit': '200' }), NOW)[0]?.utilisation).toBe(0.25);
    expect(readRateLimitUsage(profile, headerOf({ 'x-used': '50', 'x-limit': '0' }), NOW)[0]?.utilisation).toBe(0.5);
    expect(readRateLimitUsage(profile, headerOf({ 'x-used': '50', 'x-limit': 'lots' }), NOW)[0]?.utilisation).toBe(0.5);
  });

  it('never reports negative remaining when the venue over-counts', () => {
    const usage = readRateLimitUsage(binanceSpot, headerOf({ 'x-mbx-used-weight-1m': '6100' }), NOW);
    expect(usage[0]).toMatchObject({ remaining: 0, utilisation: 6100 / 6000 });
  });

  it.each([['-5'], [''], ['1e3'], ['12 weight'], ['NaN'], ['Infinity']])('ignores a usage value of %j', (value) => {
    expect(readRateLimitUsage(binanceSpot, headerOf({ 'x-mbx-used-weight-1m': value }), NOW)).toEqual([]);
  });

  it('leaves resetAt out when neither a reset header nor a window is known', () => {
    const profile = withUsage([{ header: 'x-left', reports: 'remaining', limit: 10 }]);
    expect(readRateLimitUsage(profile, headerOf({ 'x-left': '3', 'x-reset': '5' }), NOW)).toEqual([
      { header: 'x-left', remaining: 3, used: 7, limit: 10, utilisation: 0.7 },
    ]);
  });

  it('ignores a garbage reset header and uses the fixed window instead', () => {
    const profile = withUsage([{ header: 'x-used', reports: 'used', limit: 10, resetHeader: 'x-reset', windowMs: 1_000 }]);
    const usage = readRateLimitUsage(profile, headerOf({ 'x-used': '3', 'x-reset': 'soon' }), NOW + 250);
    expect(usage[0]?.resetAt).toBe(NOW + 1_000);
  });

  it('returns nothing for profiles without usage headers and survives a throwing header reader', () => {
    expect(readRateLimitUsage(genericVenue, headerOf({ 'x-mbx-used-weight-1m': '1' }), NOW)).toEqual([]);
    const throwing = () => {
      throw new Error('hostile');
    };
    expect(readRateLimitUsage(binanceSpot, throwing, NOW)).toEqual([]);
  });

  it('accepts a complete usage entry through defineVenue', () => {
    const profile = defineVenue({
      ...genericVenue,
      name: 'usage-complete',
      rateLimit: {
        retryAfterHeaders: ['retry-after'],
        usage: [{ header: 'x-used', reports: 'used', limit: 5, limitHeader: 'x-limit', resetHeader: 'x-reset', resetUnit: 'epochSeconds', windowMs: 1000, note: 'n' }],
      },
    });
    const usage = readRateLimitUsage(profile, headerOf({ 'x-used': '5', 'x-reset': String(Math.floor(NOW / 1000) + 30) }), NOW);
    expect(usage[0]).toMatchObject({ utilisation: 1, resetAt: (Math.floor(NOW / 1000) + 30) * 1000 });
  });
});
