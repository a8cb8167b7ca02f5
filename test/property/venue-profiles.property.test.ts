import axios from 'axios';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OUTCOME_KINDS, classifyResponse, readRateLimitUsage, type ResponseFacts } from '../../src/classify/index.js';
import { createIntentClient, MemoryLedger } from '../../src/index.js';
import { checkVenueKey, createKeyGenerator, encodeVenueKey } from '../../src/keys/index.js';
import { SeededRandom, ManualClock } from '../../src/testing/index.js';
import { defineVenue, type VenueProfile } from '../../src/venues/index.js';
import { VENUE_PROFILES } from '../../src/venues/registry.js';

const NUM_RUNS = 300;
const PROFILES = Object.entries(VENUE_PROFILES);
const STRATEGIES = ['ulid', 'uuidv4', 'uuidv7', 'nanoid'] as const;

/** Codes and messages the profile itself names, so generated bodies hit its rules, not only the catch-all. */
function vocabulary(profile: VenueProfile): { codes: string[]; messages: string[] } {
  const codes = new Set<string>(['0', '-1', '200000', 'SUCCESS', 'ERROR', ...profile.response.successCodes, ...(profile.reconcile.notFoundCodes ?? [])]);
  const messages = new Set<string>(['', 'OK', 'Internal error', 'Throttled: 1748779260', 'Duplicate order sent.']);
  for (const rule of profile.errors) {
    const code = rule.match.code;
    if (typeof code === 'string') codes.add(code);
    else if (Array.isArray(code)) for (const c of code) codes.add(c);
    // A message pattern's literal parts are good candidates for matching text.
    if (rule.match.message !== undefined) messages.add(rule.match.message.replace(/[\\^$()[\]|?*+{}]/g, '').slice(0, 80));
  }
  return { codes: [...codes], messages: [...messages] };
}

/** Puts `value` at a dotted path, creating arrays for numeric segments. */
function place(path: string, value: unknown): unknown {
  const segments = path.split('.');
  let root: unknown = value;
  for (let i = segments.length - 1; i >= 0; i--) {
    const segment = segments[i] ?? '';
    if (/^\d+$/.test(segment)) {
      const array: unknown[] = Array.from({ length: Number(segment) + 1 }, () => null);
      array[Number(segment)] = root;
      root = array;
    } else {
      root = { [segment]: root };
    }
  }
  return root;
}

function bodyArb(profile: VenueProfile): fc.Arbitrary<unknown> {
  const { codes, messages } = vocabulary(profile);
  const code = fc.oneof(fc.constantFrom(...codes), fc.constantFrom(...codes).map(Number), fc.string(), fc.integer());
  const message = fc.oneof(fc.constantFrom(...messages), fc.string({ maxLength: 300 }));
  const codePath = profile.response.codePaths.length > 0 ? fc.constantFrom(...profile.response.codePaths) : fc.constant('code');
  const messagePath = profile.response.messagePaths.length > 0 ? fc.constantFrom(...profile.response.messagePaths) : fc.constant('msg');
  const shaped = fc.tuple(codePath, code, messagePath, message, fc.boolean()).map(([cp, c, mp, m, both]) => {
    const withCode = place(cp, c);
    if (!both || typeof withCode !== 'object' || withCode === null || Array.isArray(withCode)) return withCode;
    const withMessage = place(mp, m);
    return typeof withMessage === 'object' && withMessage !== null && !Array.isArray(withMessage) ? { ...withMessage, ...withCode } : withCode;
  });
  return fc.oneof(
    { weight: 4, arbitrary: shaped },
    { weight: 1, arbitrary: shaped.map((b) => JSON.stringify(b)) },
    { weight: 1, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: fc.anything() },
    { weight: 1, arbitrary: fc.constantFrom(null, undefined, '', '{', '[', 'null') },
  );
}

const statusArb = fc.oneof(
  fc.constantFrom(200, 201, 202, 204, 400, 401, 403, 404, 408, 409, 418, 422, 425, 429, 500, 502, 503, 504),
  fc.integer({ min: 100, max: 599 }),
  fc.integer({ min: -5, max: 1_000 }),
  fc.constantFrom(Number.NaN, 200.5),
);

function headerArb(profile: VenueProfile): fc.Arbitrary<Record<string, string>> {
  const names = [
    ...profile.rateLimit.retryAfterHeaders,
    ...(profile.rateLimit.usage ?? []).flatMap((u) => [u.header, u.limitHeader, u.resetHeader].filter((h): h is string => h !== undefined)),
    'retry-after',
  ];
  const value = fc.oneof(fc.nat({ max: 100_000 }).map(String), fc.string({ maxLength: 30 }), fc.constantFrom('1.5', '-1', 'Wed, 21 Oct 2015 07:28:00 GMT', '1748779260000'));
  return fc.dictionary(fc.constantFrom(...names), value, { maxKeys: names.length });
}

function respond(status: number, body: unknown, headers: Record<string, string>): ResponseFacts {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, body, header: (name) => lower.get(name.toLowerCase()) };
}

describe.each(PROFILES)('profile %s', (_name, profile) => {
  it('classifies every status, body and header set into exactly one outcome, deterministically, without throwing', () => {
    const seen = new Set<string>();
    fc.assert(
      fc.property(statusArb, bodyArb(profile), headerArb(profile), fc.integer({ min: 0, max: 4_102_444_800_000 }), (status, body, headers, nowMs) => {
        const outcome = classifyResponse(profile, respond(status, body, headers), nowMs);
        expect(OUTCOME_KINDS).toContain(outcome.kind);
        expect(typeof outcome.reason).toBe('string');
        expect(classifyResponse(profile, respond(status, body, headers), nowMs)).toEqual(outcome);
        if (outcome.kind === 'rateLimited' && outcome.retryAfterMs !== undefined) {
          expect(Number.isInteger(outcome.retryAfterMs) && outcome.retryAfterMs >= 0).toBe(true);
        }
        for (const usage of readRateLimitUsage(profile, respond(status, body, headers).header, nowMs)) {
          for (const n of [usage.used, usage.remaining, usage.limit, usage.utilisation, usage.resetAt]) {
            if (n !== undefined) expect(Number.isFinite(n) && n >= 0).toBe(true);
          }
        }
        seen.add(outcome.kind);
      }),
      { numRuns: NUM_RUNS, seed: 4242 },
    );
    // The generator reaches more than the catch-all: at least success and one error kind.
    expect(seen.has('success')).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(3);
  });

  it('encodes every key its client accepts into a valid venue key, the same one every time', () => {
    const format = profile.key.format;
    const accepted = STRATEGIES.filter((strategy) => {
      try {
        createIntentClient(axios.create(), { venue: profile, ledger: new MemoryLedger(), keys: { strategy } });
        return true;
      } catch {
        return false;
      }
    });
    // Every shipped profile works with the default strategy.
    expect(accepted).toContain('ulid');
    fc.assert(
      fc.property(fc.constantFrom(...accepted), fc.integer(), fc.integer({ min: 1, max: 2 ** 48 - 1 }), (strategy, seed, nowMs) => {
        const clock = new ManualClock({ now: nowMs });
        const key = createKeyGenerator(strategy, new SeededRandom(seed), clock)();
        const venueKey = encodeVenueKey(key, format);
        expect(checkVenueKey(venueKey, format)).toBeUndefined();
        expect(encodeVenueKey(key, format)).toBe(venueKey);
      }),
      { numRuns: NUM_RUNS, seed: 77 },
    );
  });

  it('compiles every regular expression under the flags the code uses', () => {
    // Key patterns are compiled without flags (the `u` flag rejects escapes such as `\:`
    // that venues publish); message patterns with `i`, as the classifier does.
    if (profile.key.format.pattern !== undefined) expect(() => new RegExp(profile.key.format.pattern ?? '')).not.toThrow();
    for (const rule of profile.errors) if (rule.match.message !== undefined) expect(() => new RegExp(rule.match.message ?? '', 'i')).not.toThrow();
    const wait = profile.rateLimit.retryAfterMessage;
    if (wait !== undefined) expect(new RegExp(`${wait.pattern}|`, 'i').exec('')?.length).toBeGreaterThan(1);
  });

  it('is valid, frozen, documented and survives a round trip through defineVenue', () => {
    expect(defineVenue(JSON.parse(JSON.stringify(profile)))).toEqual(profile);
    expect(Object.isFrozen(profile) && Object.isFrozen(profile.errors)).toBe(true);
    expect(profile.about?.title).toBeTruthy();
    expect(profile.about?.sources.length).toBeGreaterThan(0);
    for (const rule of profile.errors) expect(rule.note, JSON.stringify(rule.match)).toBeTruthy();
  });
});

// Verbatim profiles send a user-supplied key unchanged (or refuse it); the others must
// turn anything into a valid key.
describe.each(PROFILES.filter(([, p]) => p.key.format.encoding !== 'verbatim'))('profile %s (encoded keys)', (_name, profile) => {
  it('encodes any user-supplied key (1-255 characters) into a valid venue key', () => {
    const format = profile.key.format;
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 255, unit: 'binary' }), (key) => {
        const venueKey = encodeVenueKey(key, format);
        expect(checkVenueKey(venueKey, format)).toBeUndefined();
        expect(encodeVenueKey(key, format)).toBe(venueKey);
      }),
      { numRuns: NUM_RUNS, seed: 99 },
    );
  });
});

describe('the shipped set', () => {
  it('has unique names and one profile per venue in the catalogue', () => {
    const names = PROFILES.map(([, p]) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBe(18);
  });

  it('the published Binance USD-M client order id pattern compiles without flags and not with `u`', () => {
    const usdm = VENUE_PROFILES.binanceUsdm;
    const pattern = usdm?.key.format.pattern ?? '';
    expect(pattern).toContain('\\:');
    expect(() => new RegExp(pattern)).not.toThrow();
    expect(() => new RegExp(pattern, 'u')).toThrow(SyntaxError);
  });
});
