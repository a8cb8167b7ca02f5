import { describe, expect, it } from 'vitest';
import { classifyResponse, readVenueError, type Outcome, type ResponseFacts } from '../../../src/classify/index.js';
import { defineVenue, extendVenue, GENERIC_RULES, genericVenue, type VenueProfile } from '../../../src/venues/index.js';

const NOW = Date.UTC(2025, 0, 1, 0, 0, 0);

/** A response with case-insensitive header lookup, as the axios adapter provides. */
function respond(status: number, body?: unknown, headers: Record<string, string> = {}): ResponseFacts {
  const lower = new Map(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
  return { status, body, header: (name) => lower.get(name.toLowerCase()) };
}

function classify(profile: VenueProfile, status: number, body?: unknown, headers?: Record<string, string>): Outcome {
  return classifyResponse(profile, respond(status, body, headers), NOW);
}

/** Bybit-like: every answer is HTTP 200 with `retCode`, 0 meaning success. */
const retCodeVenue = defineVenue({
  ...genericVenue,
  name: 'retcode-venue',
  response: { codePaths: ['retCode'], messagePaths: ['retMsg'], successCodes: ['0'] },
  errors: [
    { match: { code: '10006' }, outcome: 'rateLimited', waitMs: 1_000 },
    { match: { code: '10002' }, outcome: 'resign' },
  ],
});

describe('classifyResponse with the generic rules', () => {
  // Expected kinds follow GENERIC_RULES' documented reasons (IETF draft, RFC 8470/6585).
  const table: [number, Outcome['kind'], string?][] = [
    [200, 'success'],
    [201, 'success'],
    [204, 'success'],
    [408, 'unknown'],
    [409, 'conflict', 'inProgress'],
    [422, 'fatal'],
    [425, 'retry'],
    [429, 'rateLimited'],
    ...[400, 401, 402, 403, 404, 405, 410, 413, 415].map((s): [number, Outcome['kind']] => [s, 'fatal']),
    ...[406, 411, 418, 428, 431, 451, 499].map((s): [number, Outcome['kind']] => [s, 'fatal']),
    ...[500, 502, 503, 504, 599].map((s): [number, Outcome['kind']] => [s, 'unknown']),
    ...[100, 103, 301, 302, 304, 307].map((s): [number, Outcome['kind']] => [s, 'unknown']),
    ...[0, 99, 600, 1000, -1, 200.5, Number.NaN].map((s): [number, Outcome['kind']] => [s, 'unknown']),
  ];

  it.each(table)('HTTP %s -> %s', (status, kind, conflict) => {
    const outcome = classify(genericVenue, status, { message: 'whatever' });
    expect(outcome.kind).toBe(kind);
    if (conflict !== undefined) expect(outcome).toMatchObject({ conflict });
  });

  it('reaches every generic rule from some status (none is shadowed)', () => {
    // Copy the generic rules up to rule i into a profile, with rule i deciding `resign`
    // (an outcome no generic rule has). Statuses that rule i decides first now come out
    // as `resign`; if none does, rule i is dead.
    const statuses = table.map(([status]) => status);
    GENERIC_RULES.forEach((rule, i) => {
      const probe = defineVenue({ ...genericVenue, errors: [...GENERIC_RULES.slice(0, i), { match: rule.match, outcome: 'resign' }] });
      const decided = statuses.filter((status) => classify(probe, status, { code: 'E1' }).kind === 'resign');
      expect(decided.length, `generic rule ${i} (${JSON.stringify(rule.match)})`).toBeGreaterThan(0);
    });
  });

  it('ends with a catch-all, so a profile with no rules still classifies everything', () => {
    expect(GENERIC_RULES.at(-1)?.match).toEqual({});
  });

  it('reports reason, status, code and message', () => {
    expect(classify(genericVenue, 503)).toEqual({ kind: 'unknown', reason: 'HTTP 503', httpStatus: 503 });
    expect(classify(genericVenue, 400, { error: { code: 'bad_thing', message: 'Bad thing.' } })).toEqual({
      kind: 'fatal',
      reason: 'generic bad_thing Bad thing.',
      httpStatus: 400,
      venueCode: 'bad_thing',
      venueMessage: 'Bad thing.',
    });
  });

  it('truncates long venue messages to 200 characters', () => {
    const message = 'x'.repeat(500);
    const outcome = classify(genericVenue, 400, { code: 'E', message });
    expect(outcome.venueMessage).toHaveLength(200);
    expect(outcome.reason.length).toBeLessThanOrEqual('generic E '.length + 200);
  });
});

describe('classifyResponse: errors inside a 2xx', () => {
  it('treats a success code as success', () => {
    expect(classify(retCodeVenue, 200, { retCode: 0, retMsg: 'OK', result: {} }).kind).toBe('success');
    expect(classify(retCodeVenue, 200, { retCode: '0' }).kind).toBe('success');
    // No code at all: nothing says it failed.
    expect(classify(retCodeVenue, 200, { result: {} }).kind).toBe('success');
  });

  it('sends a 2xx carrying another code through the rules', () => {
    expect(classify(retCodeVenue, 200, { retCode: 10006, retMsg: 'Too many visits!' })).toMatchObject({
      kind: 'rateLimited',
      venueCode: '10006',
      retryAfterMs: 1_000,
    });
    expect(classify(retCodeVenue, 200, { retCode: 10002 }).kind).toBe('resign');
  });

  it('is conservative about a 2xx error code no rule knows', () => {
    expect(classify(retCodeVenue, 200, { retCode: 170213, retMsg: 'Order does not exist.' })).toMatchObject({
      kind: 'unknown',
      reason: 'retcode-venue 170213 Order does not exist.',
      httpStatus: 200,
    });
  });

  it('lets a rule that names a 2xx status decide a codeless 2xx', () => {
    // Gate.io answers 202 for "accepted, not finished".
    const accepted = extendVenue(genericVenue, { errors: [{ match: { status: 202 }, outcome: 'unknown' }] });
    expect(classify(accepted, 202, { id: 1 }).kind).toBe('unknown');
    expect(classify(accepted, 200, { id: 1 }).kind).toBe('success');
  });

  it('never turns a clean 2xx into an error through a rule that does not name the status', () => {
    const catchAll = extendVenue(genericVenue, { errors: [{ match: {}, outcome: 'fatal' }] });
    expect(classify(catchAll, 200, { id: 1 }).kind).toBe('success');
    expect(classify(catchAll, 500).kind).toBe('fatal');
  });
});

describe('classifyResponse: rule matching', () => {
  it('tries profile rules before the generic ones, first match wins', () => {
    const venue = extendVenue(genericVenue, {
      errors: [
        { match: { status: 503, code: 'BUSY' }, outcome: 'retry' },
        { match: { status: 503 }, outcome: 'rateLimited' },
        { match: { status: 503 }, outcome: 'fatal' },
      ],
    });
    expect(classify(venue, 503, { code: 'BUSY' }).kind).toBe('retry');
    expect(classify(venue, 503, { code: 'OTHER' }).kind).toBe('rateLimited');
    // Generic decides when no profile rule applies.
    expect(classify(venue, 502).kind).toBe('unknown');
  });

  it('requires every condition of a rule', () => {
    const venue = extendVenue(genericVenue, {
      errors: [{ match: { status: '4xx', code: ['-2010', '-2011'], message: 'duplicate' }, outcome: 'conflictDuplicate' }],
    });
    expect(classify(venue, 400, { code: -2010, message: 'Duplicate order sent.' })).toMatchObject({ kind: 'conflict', conflict: 'duplicate' });
    expect(classify(venue, 400, { code: -2011, message: 'DUPLICATE!' }).kind).toBe('conflict');
    expect(classify(venue, 400, { code: -2012, message: 'Duplicate order sent.' }).kind).toBe('fatal');
    expect(classify(venue, 400, { code: -2010, message: 'Insufficient balance.' }).kind).toBe('fatal');
    expect(classify(venue, 400, { code: -2010 }).kind).toBe('fatal'); // no message: a message condition cannot match
    expect(classify(venue, 503, { code: -2010, message: 'Duplicate order sent.' }).kind).toBe('unknown');
  });

  it('matches messages as case-insensitive regular expressions', () => {
    const venue = extendVenue(genericVenue, { errors: [{ match: { message: '^timestamp .* recvwindow\\.?$' }, outcome: 'resign' }] });
    expect(classify(venue, 400, { message: 'Timestamp for this request is outside of the recvWindow.' }).kind).toBe('resign');
    expect(classify(venue, 400, { message: 'The timestamp is outside of the recvWindow.' }).kind).toBe('fatal');
  });

  it('maps every rule outcome to its outcome kind', () => {
    const cases = [
      ['success', { kind: 'success' }],
      ['retry', { kind: 'retry' }],
      ['rateLimited', { kind: 'rateLimited', scope: 'request' }],
      ['resign', { kind: 'resign' }],
      ['unknown', { kind: 'unknown' }],
      ['conflictInProgress', { kind: 'conflict', conflict: 'inProgress' }],
      ['conflictDuplicate', { kind: 'conflict', conflict: 'duplicate' }],
      ['fatal', { kind: 'fatal' }],
    ] as const;
    for (const [outcome, expected] of cases) {
      const venue = extendVenue(genericVenue, { errors: [{ match: { code: 'X' }, outcome }] });
      expect(classify(venue, 400, { code: 'X' })).toMatchObject(expected);
    }
  });

  it('ignores a rule whose message pattern does not compile instead of throwing', () => {
    // Only reachable with a profile that skipped defineVenue.
    const unchecked: VenueProfile = { ...genericVenue, errors: [{ match: { message: '(' }, outcome: 'retry' }] };
    expect(classify(unchecked, 400, { message: '(' }).kind).toBe('fatal');
  });
});

describe('classifyResponse: rate limits', () => {
  const limited = extendVenue(genericVenue, {
    errors: [
      { match: { status: 418 }, outcome: 'rateLimited', scope: 'venue', waitMs: 120_000 },
      { match: { status: 429 }, outcome: 'rateLimited', waitMs: 5_000 },
    ],
  });

  it('reads Retry-After seconds', () => {
    expect(classify(limited, 429, undefined, { 'Retry-After': '120' })).toMatchObject({ kind: 'rateLimited', retryAfterMs: 120_000 });
  });

  it('reads a Retry-After HTTP date relative to now', () => {
    expect(classify(limited, 429, undefined, { 'Retry-After': 'Wed, 01 Jan 2025 00:00:30 GMT' })).toMatchObject({ retryAfterMs: 30_000 });
    // A date in the past means "now".
    expect(classify(limited, 429, undefined, { 'Retry-After': 'Tue, 31 Dec 2024 23:59:00 GMT' })).toMatchObject({ retryAfterMs: 0 });
  });

  it("falls back to the rule's waitMs when the header is missing or unreadable", () => {
    expect(classify(limited, 429)).toMatchObject({ retryAfterMs: 5_000 });
    expect(classify(limited, 429, undefined, { 'Retry-After': 'soon' })).toMatchObject({ retryAfterMs: 5_000 });
  });

  it('leaves retryAfterMs out when nothing gives a wait', () => {
    const outcome = classify(genericVenue, 429);
    expect(outcome).toEqual({ kind: 'rateLimited', scope: 'request', reason: 'HTTP 429', httpStatus: 429 });
    expect('retryAfterMs' in outcome).toBe(false);
  });

  it('carries the scope of the rule', () => {
    expect(classify(limited, 418, undefined, { 'retry-after': '7200' })).toMatchObject({ scope: 'venue', retryAfterMs: 7_200_000 });
    expect(classify(limited, 429)).toMatchObject({ scope: 'request' });
  });

  it('uses the first parseable header, reading venue headers in the profile unit but Retry-After in seconds', () => {
    const venue = extendVenue(limited, {
      rateLimit: { retryAfterHeaders: ['x-reset-at', 'retry-after'], retryAfterUnit: 'epochMilliseconds' },
    });
    expect(classify(venue, 429, undefined, { 'x-reset-at': String(NOW + 2_500), 'retry-after': '60' })).toMatchObject({
      retryAfterMs: 2_500,
    });
    // x-reset-at unreadable: Retry-After "60" is seconds even though the profile unit is epoch ms.
    expect(classify(venue, 429, undefined, { 'x-reset-at': 'n/a', 'retry-after': '60' })).toMatchObject({ retryAfterMs: 60_000 });
  });
});

describe('readVenueError', () => {
  const venue = (codePaths: string[], messagePaths: string[]): VenueProfile =>
    extendVenue(genericVenue, { response: { codePaths, messagePaths } });

  it('follows dotted paths in order and stringifies codes', () => {
    const v = venue(['code', 'error.code'], ['msg', 'error.message']);
    expect(readVenueError(v, { code: -2010, msg: 'Duplicate order sent.' })).toEqual({ code: '-2010', message: 'Duplicate order sent.' });
    expect(readVenueError(v, { error: { code: 'card_declined', message: 'Declined.' } })).toEqual({
      code: 'card_declined',
      message: 'Declined.',
    });
    expect(readVenueError(v, { code: false })).toEqual({ code: 'false' });
  });

  it('indexes arrays with numeric segments (Bitfinex error arrays)', () => {
    const v = venue(['1'], ['2']);
    expect(readVenueError(v, ['error', 10020, 'price: invalid'])).toEqual({ code: '10020', message: 'price: invalid' });
    expect(readVenueError(venue(['data.0.sCode'], ['data.0.sMsg']), { data: [{ sCode: '51008', sMsg: 'Insufficient' }] })).toEqual({
      code: '51008',
      message: 'Insufficient',
    });
  });

  it('skips values that are not scalar codes', () => {
    const v = venue(['code', 'error'], ['message']);
    expect(readVenueError(v, { code: null, error: { code: 1 } })).toEqual({});
    expect(readVenueError(v, { code: '', message: '' })).toEqual({});
    expect(readVenueError(v, { code: Number.POSITIVE_INFINITY })).toEqual({});
  });

  it('parses a JSON string body an adapter left unparsed', () => {
    const v = venue(['code'], ['msg']);
    expect(readVenueError(v, ' {"code":-1021,"msg":"Timestamp"}')).toEqual({ code: '-1021', message: 'Timestamp' });
    expect(readVenueError(v, '<html>502 Bad Gateway</html>')).toEqual({});
    expect(readVenueError(v, '{not json')).toEqual({});
  });

  it('never reads inherited properties', () => {
    const v = venue(['constructor', '__proto__', 'toString'], ['constructor.name']);
    expect(readVenueError(v, {})).toEqual({});
  });

  it('does not index strings or numbers', () => {
    expect(readVenueError(venue(['0', 'a.0'], []), { a: 'xyz' })).toEqual({});
    expect(readVenueError(venue(['0'], []), 'xyz')).toEqual({});
  });
});

describe('classifyResponse never throws', () => {
  it('survives a throwing header function and a hostile body', () => {
    const hostile = new Proxy(
      {},
      {
        get() {
          throw new Error('no');
        },
        has() {
          throw new Error('no');
        },
        getOwnPropertyDescriptor() {
          throw new Error('no');
        },
      },
    );
    const limited = extendVenue(genericVenue, { errors: [{ match: { status: 429 }, outcome: 'rateLimited', waitMs: 10 }] });
    const facts: ResponseFacts = {
      status: 429,
      body: hostile,
      header: () => {
        throw new Error('no');
      },
    };
    expect(classifyResponse(limited, facts, NOW)).toMatchObject({ kind: 'rateLimited', retryAfterMs: 10 });
  });
});

describe('classifyResponse: key-store replay signals', () => {
  const keyStore = defineVenue({
    ...genericVenue,
    name: 'replaying-venue',
    response: { ...genericVenue.response, replayedHeader: 'idempotent-replayed', shouldRetryHeader: 'x-should-retry' },
  });
  const table: [label: string, status: number, headers: Record<string, string>, expected: Partial<Outcome>][] = [
    ['a replayed 500 stays unknown and says it is a replay', 500, { 'Idempotent-Replayed': 'true' }, { kind: 'unknown', replayed: true }],
    ['a replayed 200 is a success marked as a replay', 200, { 'idempotent-replayed': ' TRUE ' }, { kind: 'success', replayed: true }],
    ['the venue advising against a retry', 503, { 'x-should-retry': 'false' }, { kind: 'unknown', shouldRetry: false }],
    ['the venue advising a retry', 409, { 'x-should-retry': 'true' }, { kind: 'conflict', shouldRetry: true }],
  ];
  it.each(table)('%s', (_, status, headers, expected) => {
    expect(classify(keyStore, status, {}, headers)).toMatchObject(expected);
  });

  it('adds nothing for absent, false or malformed replay headers, nor for a profile that names none', () => {
    for (const headers of [{}, { 'idempotent-replayed': 'false' }, { 'idempotent-replayed': 'yes' }, { 'x-should-retry': '1' }]) {
      const outcome = classify(keyStore, 500, {}, headers);
      expect(outcome).not.toHaveProperty('replayed');
      expect(outcome).not.toHaveProperty('shouldRetry');
    }
    expect(classify(genericVenue, 500, {}, { 'idempotent-replayed': 'true' })).not.toHaveProperty('replayed');
  });

  it('never changes the kind: a replay of "may have executed" is still "may have executed"', () => {
    for (const status of [200, 400, 409, 429, 500, 503]) {
      const plain = classify(keyStore, status, {});
      const replayed = classify(keyStore, status, {}, { 'idempotent-replayed': 'true', 'x-should-retry': 'false' });
      expect(replayed.kind).toBe(plain.kind);
    }
  });
});
