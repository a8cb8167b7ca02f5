import { describe, expect, it } from 'vitest';
import { classifyResponse } from '../../../src/classify/index.js';
import { ConfigurationError, isConfigurationError } from '../../../src/errors/index.js';
import {
  binanceSpot,
  defineVenue,
  extendVenue,
  genericVenue,
  ietfIdempotencyKey,
  stripe,
  type VenueProfile,
} from '../../../src/venues/index.js';
import { VENUE_PROFILES } from '../../../src/venues/registry.js';
import { venueProfileSchema } from '../../../src/venues/schema.js';

const SHIPPED: readonly VenueProfile[] = [genericVenue, ietfIdempotencyKey, binanceSpot, stripe];

type Json = Record<string, unknown>;

/** A valid profile as plain, mutable JSON: each case below breaks one field. */
function validInput(): Json {
  return {
    name: 'test-venue',
    kind: 'exchange',
    key: { placement: 'body', field: 'clientOrderId', format: { encoding: 'verbatim', maxLength: 36 } },
    dedupe: { kind: 'openOrders' },
    reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
    response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: ['0'] },
    rateLimit: { retryAfterHeaders: ['retry-after'] },
    errors: [
      { match: { status: 429 }, outcome: 'rateLimited' },
      { match: { code: ['1', '2'] }, outcome: 'fatal' },
      { match: { status: '5xx' }, outcome: 'unknown' },
      { match: { message: 'busy' }, outcome: 'retry' },
    ],
  };
}

const REMOVE = Symbol('remove');

/** Sets (or with {@link REMOVE}, deletes) the value at a dotted path of plain JSON. */
function setPath(root: Json, path: string, value: unknown): void {
  const segments = path.split('.');
  const last = segments.pop() as string;
  let node: Json = root;
  for (const segment of segments) node = node[segment] as Json;
  if (value === REMOVE) Reflect.deleteProperty(node, last);
  else node[last] = value;
}

function withChanges(changes: Record<string, unknown>): Json {
  const input = validInput();
  for (const [path, value] of Object.entries(changes)) setPath(input, path, value);
  return input;
}

function configError(input: unknown): ConfigurationError {
  try {
    defineVenue(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(isConfigurationError(error)).toBe(true);
    return error as ConfigurationError;
  }
  throw new Error('defineVenue accepted an invalid profile');
}

/** The USD-M futures client order id regex exactly as Binance publishes it. */
const BINANCE_USDM_PATTERN = '^[\\.A-Z\\:/a-z0-9_-]{1,36}$';

describe('defineVenue', () => {
  it.each(SHIPPED.map((p) => [p.name, p] as const))('accepts the shipped profile %s unchanged', (_, profile) => {
    expect(defineVenue(structuredClone(profile))).toEqual(profile);
    expect(venueProfileSchema.safeParse(profile).success).toBe(true);
  });

  it('accepts every optional field', () => {
    const input = withChanges({
      'key.format': { encoding: 'hash', maxLength: 30, minLength: 10, prefix: 't-', pattern: '^t-[0-9A-Z]+$' },
      dedupe: { kind: 'keyStore', retentionMs: 86_400_000 },
      reconcile: { notFoundIsAuthoritative: true, settleDelayMs: 61_000, findableForMs: 3_600_000, notFoundCodes: ['-2013'] },
      rateLimit: { retryAfterHeaders: ['x-reset'], retryAfterUnit: 'epochSeconds' },
      errors: [{ match: { status: [418, 429] }, outcome: 'rateLimited', scope: 'venue', waitMs: 120_000, note: 'ban' }],
    });
    expect(defineVenue(input)).toEqual(input);
  });

  it('returns a deep-frozen copy that later edits of the input do not reach', () => {
    const input = validInput();
    const profile = defineVenue(input);
    setPath(input, 'errors.0.outcome', 'fatal');
    setPath(input, 'key.format.maxLength', 1);
    expect(profile.errors[0]?.outcome).toBe('rateLimited');
    expect(profile.key.format.maxLength).toBe(36);
    expect(Object.isFrozen(profile)).toBe(true);
    expect(Object.isFrozen(profile.key.format)).toBe(true);
    expect(Object.isFrozen(profile.errors)).toBe(true);
    expect(Object.isFrozen(profile.errors[1]?.match.code)).toBe(true);
    for (const shipped of SHIPPED) {
      expect(Object.isFrozen(shipped.errors.at(-1)?.match)).toBe(true);
      expect(Object.isFrozen(shipped.response.codePaths)).toBe(true);
    }
  });

  const invalid: [label: string, changes: Record<string, unknown>, path: string, expected: RegExp][] = [
    ['empty name', { name: '' }, 'venue.name', /at least 1 character$/],
    ['missing field', { 'key.field': REMOVE }, 'venue.key.field', /string \(required\)/],
    ['missing section', { reconcile: REMOVE }, 'venue.reconcile', /object \(required\)/],
    ['unknown placement', { 'key.placement': 'cookie' }, 'venue.key.placement', /"header", "body", "query"/],
    ['unknown kind', { kind: 'bank' }, 'venue.kind', /"exchange", "payment", "generic"/],
    ['maxLength 0', { 'key.format.maxLength': 0 }, 'venue.key.format.maxLength', />= 1/],
    ['maxLength 1025', { 'key.format.maxLength': 1025 }, 'venue.key.format.maxLength', /<= 1024/],
    ['fractional maxLength', { 'key.format.maxLength': 3.5 }, 'venue.key.format.maxLength', /integer/],
    ['minLength above maxLength', { 'key.format.minLength': 37 }, 'venue.key.format.minLength', /minLength <= maxLength/],
    ['prefix fills maxLength', { 'key.format.prefix': 'x'.repeat(36) }, 'venue.key.format.prefix', /shorter than maxLength/],
    ['uuid with maxLength 20', { 'key.format': { encoding: 'uuid', maxLength: 20 } }, 'venue.key.format.maxLength', /maxLength >= 36/],
    ['uuid with a prefix', { 'key.format': { encoding: 'uuid', maxLength: 40, prefix: 'a' } }, 'venue.key.format.prefix', /no prefix/],
    [
      'integer without maxInteger',
      { 'key.format': { encoding: 'integer', maxLength: 14 } },
      'venue.key.format.maxInteger',
      /\[1, 9007199254740991\]/,
    ],
    [
      'integer maxInteger beyond safe',
      { 'key.format': { encoding: 'integer', maxLength: 20, maxInteger: 2 ** 60 } },
      'venue.key.format.maxInteger',
      /<= 9007199254740991/,
    ],
    [
      'integer maxInteger wider than maxLength',
      { 'key.format': { encoding: 'integer', maxLength: 5, maxInteger: 123_456 } },
      'venue.key.format.maxInteger',
      /maxLength \(5\) digits/,
    ],
    ['key pattern that does not compile', { 'key.format.pattern': '[a-' }, 'venue.key.format.pattern', /without flags/],
    ['bad message regex', { 'errors.3.match.message': '(unclosed' }, 'venue.errors.3.match.message', /"i" flag/],
    ['echo in a header', { 'key.echo': { placement: 'header', field: 'X' } }, 'venue.key.echo.placement', /"body", "query"/],
    ['echo without a field', { 'key.echo': { placement: 'body', field: '' } }, 'venue.key.echo.field', /at least 1 character/],
    ['scan with a relative path', { 'reconcile.scan': { ...stripe.reconcile.scan, path: 'v1/x' } }, 'venue.reconcile.scan.path', /starting with "\/"/],
    ['scan limit 0', { 'reconcile.scan': { ...stripe.reconcile.scan, limit: 0 } }, 'venue.reconcile.scan.limit', />= 1/],
    ['scan without consistent', { 'reconcile.scan': { ...stripe.reconcile.scan, consistent: undefined } }, 'venue.reconcile.scan.consistent', /boolean/],
    ['scan items path with an empty segment', { 'reconcile.scan': { ...stripe.reconcile.scan, itemsPath: 'data..x' } }, 'venue.reconcile.scan.itemsPath', /dotted path/],
    ['replayed header with a space', { 'response.replayedHeader': 'idempotent replayed' }, 'venue.response.replayedHeader', /HTTP header name/],
    ['negative settleDelayMs', { 'reconcile.settleDelayMs': -1 }, 'venue.reconcile.settleDelayMs', />= 0/],
    ['infinite settleDelayMs', { 'reconcile.settleDelayMs': Infinity }, 'venue.reconcile.settleDelayMs', /finite number/],
    ['negative retentionMs', { dedupe: { kind: 'keyStore', retentionMs: -5 } }, 'venue.dedupe.retentionMs', />= 0/],
    ['keyStore without retentionMs', { dedupe: { kind: 'keyStore' } }, 'venue.dedupe.retentionMs', /number \(required\)/],
    ['unknown dedupe kind', { dedupe: { kind: 'forever' } }, 'venue.dedupe.kind', /keyStore.*openOrders.*none/],
    ['status out of range', { 'errors.0.match.status': 99 }, 'venue.errors.0.match.status', />= 100/],
    ['status class out of range', { 'errors.0.match.status': '6xx' }, 'venue.errors.0.match.status', /"1xx".."5xx"/],
    ['empty code list', { 'errors.1.match.code': [] }, 'venue.errors.1.match.code', /at least 1 item$/],
    ['unknown rule outcome', { 'errors.2.outcome': 'ok' }, 'venue.errors.2.outcome', /"conflictInProgress"/],
    ['misspelt field', { 'reconcile.settleDelay': 5 }, 'venue.reconcile.settleDelay', /no such option \(check the spelling\)/],
    ['empty header name', { 'rateLimit.retryAfterHeaders': [''] }, 'venue.rateLimit.retryAfterHeaders.0', /an HTTP header name/],
    ['header name with a space', { 'rateLimit.retryAfterHeaders': ['retry after'] }, 'venue.rateLimit.retryAfterHeaders.0', /an HTTP header name/],
    [
      'path lookup without the {key} placeholder',
      { 'reconcile.lookup': { method: 'GET', path: '/orders', keyIn: 'path' } },
      'venue.reconcile.lookup.path',
      /"\{key\}" placeholder/,
    ],
    [
      '{key} placeholder with a query lookup',
      { 'reconcile.lookup': { method: 'GET', path: '/orders/{key}', keyIn: 'query', keyParam: 'id' } },
      'venue.reconcile.lookup.keyIn',
      /"path"/,
    ],
    [
      'query lookup without keyParam',
      { 'reconcile.lookup': { method: 'GET', path: '/order', keyIn: 'query' } },
      'venue.reconcile.lookup.keyParam',
      /required/,
    ],
    ['lookup path not starting with /', { 'reconcile.lookup': { method: 'GET', path: 'order', keyIn: 'query', keyParam: 'id' } }, 'venue.reconcile.lookup.path', /starting with "\/"/],
    ['lookup method PUT', { 'reconcile.lookup': { method: 'PUT', path: '/order', keyIn: 'query', keyParam: 'id' } }, 'venue.reconcile.lookup.method', /"GET", "POST"/],
    ['foundPath with an empty segment', { 'reconcile.lookup': { method: 'GET', path: '/o', keyIn: 'query', keyParam: 'id', foundPath: 'result..list' } }, 'venue.reconcile.lookup.foundPath', /dotted path/],
    [
      'used-count header without a limit',
      { 'rateLimit.usage': [{ header: 'x-used', reports: 'used' }] },
      'venue.rateLimit.usage.0.limit',
      /a limit or a limitHeader/,
    ],
    ['usage limit of 0', { 'rateLimit.usage': [{ header: 'x-used', reports: 'used', limit: 0 }] }, 'venue.rateLimit.usage.0.limit', /> 0/],
    [
      'message wait pattern without a capture group',
      { 'rateLimit.retryAfterMessage': { pattern: 'Throttled: \\d+', unit: 'epochSeconds' } },
      'venue.rateLimit.retryAfterMessage.pattern',
      /capture group/,
    ],
    ['message wait pattern that does not compile', { 'rateLimit.retryAfterMessage': { pattern: '(', unit: 'seconds' } }, 'venue.rateLimit.retryAfterMessage.pattern', /regular expression/],
    ['about without title', { about: { sources: [] } }, 'venue.about.title', /a string \(required\)/],
    ['unverified as a string', { 'errors.0.unverified': 'yes' }, 'venue.errors.0.unverified', /a boolean/],
    ['code and codePrefix together', { 'errors.1.match.codePrefix': '1' }, 'venue.errors.1.match.codePrefix', /either code or codePrefix/],
    ['an empty code prefix', { 'errors.0.match.codePrefix': '' }, 'venue.errors.0.match.codePrefix', /at least 1 character/],
    ['a header condition without a name', { 'errors.0.match.header': { value: 'x' } }, 'venue.errors.0.match.header.name', /a string \(required\)/],
    ['a header value that does not compile', { 'errors.0.match.header': { name: 'x-a', value: '(' } }, 'venue.errors.0.match.header.value', /regular expression/],
    ['a wait header that is not a header name', { 'errors.0.waitHeaders': ['bad header'] }, 'venue.errors.0.waitHeaders.0', /HTTP header name/],
    ['a wait unit that does not exist', { 'errors.0.waitUnit': 'minutes' }, 'venue.errors.0.waitUnit', /"seconds"/],
    ['a numeric key with verbatim encoding', { 'key.valueType': 'number' }, 'venue.key.valueType', /"integer"/],
    [
      'a numeric key in a header',
      { key: { placement: 'header', field: 'X-Cid', valueType: 'number', format: { encoding: 'integer', maxLength: 14, maxInteger: 35184372088831 } } },
      'venue.key.valueType',
      /placement is "body"/,
    ],
    ['a key store keeping something else', { dedupe: { kind: 'keyStore', retentionMs: 1, stores: 'errors' } }, 'venue.dedupe.stores', /"all", "successes"/],
    ['fallback lookups without a lookup', { 'reconcile.fallbackLookups': [{ method: 'GET', path: '/h', keyIn: 'query', keyParam: 'id' }] }, 'venue.reconcile.fallbackLookups', /without a lookup/],
    [
      'a fallback lookup without its key parameter',
      { 'reconcile.lookup': { method: 'GET', path: '/o', keyIn: 'query', keyParam: 'id' }, 'reconcile.fallbackLookups': [{ method: 'GET', path: '/h', keyIn: 'query' }] },
      'venue.reconcile.fallbackLookups.0.keyParam',
      /required/,
    ],
    ['valueFrom that is not a dotted path', { 'reconcile.lookup': { method: 'GET', path: '/o', keyIn: 'query', keyParam: 'ref', valueFrom: 'a..b' } }, 'venue.reconcile.lookup.valueFrom', /dotted path/],
    ['a request window in cookies', { 'reconcile.requestWindow': { in: 'cookie', field: 'w', defaultMs: 1, aheadMs: 0 } }, 'venue.reconcile.requestWindow.in', /"query", "body", "header"/],
    ['a default window above the maximum', { 'reconcile.requestWindow': { in: 'query', field: 'w', defaultMs: 10, maxMs: 5, aheadMs: 0 } }, 'venue.reconcile.requestWindow.defaultMs', /defaultMs <= maxMs \(5\)/],
    [
      'a published limit with a zero window',
      { 'rateLimit.limits': [{ id: 'w', limit: 10, windowMs: 0, unit: 'requests', per: 'ip' }] },
      'venue.rateLimit.limits.0.windowMs',
      /> 0/,
    ],
    [
      'a published limit counted per key',
      { 'rateLimit.limits': [{ id: 'w', limit: 10, windowMs: 1_000, unit: 'requests', per: 'key' }] },
      'venue.rateLimit.limits.0.per',
      /"ip", "account"/,
    ],
    [
      'a published limit id with capitals',
      { 'rateLimit.limits': [{ id: 'Weight-1m', limit: 10, windowMs: 1_000, unit: 'weight', per: 'ip' }] },
      'venue.rateLimit.limits.0.id',
      /a short id: lowercase/,
    ],
    ['a request window without aheadMs', { 'reconcile.requestWindow': { in: 'query', field: 'w', defaultMs: 1 } }, 'venue.reconcile.requestWindow.aheadMs', /a number \(required\)/],
  ];

  it.each(invalid)('rejects %s at its path', (_, changes, path, expected) => {
    const error = configError(withChanges(changes));
    expect(error.path).toBe(path);
    expect(error.expected).toMatch(expected);
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect(error.message).toContain(path);
  });

  it('describes what was received briefly: a long string by its length only', () => {
    const error = configError(withChanges({ 'key.placement': 'a-very-long-placement-name-that-goes-on-and-on-and-on' }));
    expect(error.received).toBe('a string of 53 characters');

    expect(configError(withChanges({ 'key.field': REMOVE })).received).toBe('undefined');
    expect(configError(withChanges({ 'reconcile.settleDelay': 5 })).received).toBe('5');
    expect(configError('binance').received).toBe('"binance"');
    expect(configError(null).path).toBe('venue');
  });

  it('compiles key patterns without flags: the published Binance USD-M pattern is valid only that way', () => {
    // `\:` is an identity escape: fine in a plain RegExp, a SyntaxError under the `u` flag.
    expect(() => new RegExp(BINANCE_USDM_PATTERN)).not.toThrow();
    expect(() => new RegExp(BINANCE_USDM_PATTERN, 'u')).toThrow(SyntaxError);
    expect(defineVenue(withChanges({ 'key.format.pattern': BINANCE_USDM_PATTERN })).key.format.pattern).toBe(BINANCE_USDM_PATTERN);
    expect(new RegExp(BINANCE_USDM_PATTERN).test('x-AB.c:d/e_f')).toBe(true);
  });
});

describe('extendVenue', () => {
  it('puts the override rules first, so they win over the base rules', () => {
    const tolerant = extendVenue(binanceSpot, {
      name: 'binance-spot-tolerant',
      errors: [{ match: { code: '-1008' }, outcome: 'retry', note: 'our account manager confirmed -1008 is pre-engine' }],
    });
    expect(tolerant.errors[0]?.match).toEqual({ code: '-1008' });
    expect(tolerant.errors.slice(1)).toEqual(binanceSpot.errors);
    const busy = { status: 400, header: () => undefined, body: { code: -1008, msg: 'Server is currently overloaded' } };
    expect(classifyResponse(binanceSpot, busy, 0).kind).toBe('unknown');
    expect(classifyResponse(tolerant, busy, 0).kind).toBe('retry');
  });

  it('shallow-merges sections and merges key.format one level deeper', () => {
    const venue = extendVenue(stripe, {
      key: { format: { maxLength: 64 } },
      reconcile: { settleDelayMs: 5_000 },
      response: { messagePaths: ['error.message', 'message'] },
      rateLimit: { retryAfterUnit: 'milliseconds' },
      dedupe: { kind: 'keyStore', retentionMs: 31 * 86_400_000 },
    });
    expect(venue.name).toBe('stripe');
    expect(venue.key).toEqual({ ...stripe.key, format: { encoding: 'verbatim', maxLength: 64 } });
    expect(venue.reconcile).toEqual({ ...stripe.reconcile, settleDelayMs: 5_000 });
    expect(venue.response.codePaths).toEqual(stripe.response.codePaths);
    expect(venue.response.messagePaths).toEqual(['error.message', 'message']);
    expect(venue.rateLimit).toEqual({ retryAfterHeaders: ['retry-after'], retryAfterUnit: 'milliseconds', limits: stripe.rateLimit.limits });
    expect(venue.dedupe).toEqual({ kind: 'keyStore', retentionMs: 31 * 86_400_000 });
    expect(venue.errors).toEqual(stripe.errors);
    expect(Object.isFrozen(venue.key.format)).toBe(true);
    // `null` removes an optional section; the rest stays.
    const bare = extendVenue(stripe, { key: { echo: null }, reconcile: { scan: null } });
    expect(bare.key).toEqual({ placement: 'header', field: 'Idempotency-Key', format: stripe.key.format });
    expect(bare.reconcile).toEqual({ notFoundIsAuthoritative: true, settleDelayMs: 0 });
    // The base is untouched.
    expect(stripe.key.format.maxLength).toBe(255);
  });

  it('validates the merged profile', () => {
    expect(() => extendVenue(stripe, { key: { format: { maxLength: 0 } } })).toThrow(ConfigurationError);
    try {
      extendVenue(stripe, { errors: [{ match: { message: '[' }, outcome: 'retry' }] });
      expect.unreachable();
    } catch (error) {
      expect((error as ConfigurationError).path).toBe('venue.errors.0.match.message');
    }
    // Switching to uuid keeps the base maxLength (255), which is long enough.
    expect(extendVenue(stripe, { key: { format: { encoding: 'uuid' } } }).key.format.encoding).toBe('uuid');
    // But not on a base whose keys are shorter than a UUID.
    const short = extendVenue(genericVenue, { key: { format: { maxLength: 32 } } });
    expect(() => extendVenue(short, { key: { format: { encoding: 'uuid' } } })).toThrow(/maxLength/);
  });
});

describe('rateLimit.limits', () => {
  const weight = { header: 'x-mbx-used-weight-1m', reports: 'used', limit: 6_000, windowMs: 60_000 } as const;
  const orders = { header: 'x-mbx-order-count-10s', reports: 'used', limit: 50, windowMs: 10_000 } as const;
  const limit = (id: string, usageHeader?: string): Json => ({
    id,
    limit: 6_000,
    windowMs: 60_000,
    unit: 'weight',
    per: 'ip',
    writeCost: 1,
    readCost: 4,
    ...(usageHeader === undefined ? {} : { usageHeader }),
  });

  it('accepts limits whose usage headers the profile reads, and limits without one', () => {
    const venue = defineVenue(
      withChanges({ 'rateLimit.usage': [weight, orders], 'rateLimit.limits': [limit('weight-1m', 'x-mbx-used-weight-1m'), limit('orders-10s', 'x-mbx-order-count-10s'), limit('raw-5m')] }),
    );
    expect(venue.rateLimit.limits?.map((l) => l.usageHeader)).toEqual(['x-mbx-used-weight-1m', 'x-mbx-order-count-10s', undefined]);
    expect(Object.isFrozen(venue.rateLimit.limits?.[0])).toBe(true);
  });

  it('refuses a usage header the profile does not read, naming the ones it does', () => {
    const error = configError(withChanges({ 'rateLimit.usage': [weight, orders], 'rateLimit.limits': [limit('weight-1m', 'x-mbx-used-weight-1m'), limit('orders-1d', 'x-mbx-order-count-1d')] }));
    expect(error.path).toBe('venue.rateLimit.limits.1.usageHeader');
    expect(error.expected).toBe(
      'one of the headers in rateLimit.usage (x-mbx-used-weight-1m, x-mbx-order-count-10s); a limit can only name a usage header the profile reads (replacing rateLimit.usage means giving rateLimit.limits too)',
    );
    expect(error.received).toBe('"x-mbx-order-count-1d"');
    expect(error.message).toContain('venue.rateLimit.limits.1.usageHeader');
  });

  it('refuses a usage header when the profile reads none', () => {
    const error = configError(withChanges({ 'rateLimit.limits': [limit('weight-1m', 'x-mbx-used-weight-1m')] }));
    expect(error.path).toBe('venue.rateLimit.limits.0.usageHeader');
    expect(error.expected).toMatch(/^one of the headers in rateLimit\.usage \(none is listed\)/);
  });

  it('refuses a usage header that is not lowercase, even when it matches one case-insensitively', () => {
    const error = configError(withChanges({ 'rateLimit.usage': [weight], 'rateLimit.limits': [limit('weight-1m', 'X-MBX-USED-WEIGHT-1M')] }));
    expect(error.path).toBe('venue.rateLimit.limits.0.usageHeader');
    expect(error.expected).toBe('a lowercase header name ("x-mbx-used-weight-1m")');
  });

  it('matches a usage header declared in capitals (headers are read case-insensitively)', () => {
    const venue = defineVenue(withChanges({ 'rateLimit.usage': [{ ...weight, header: 'X-MBX-USED-WEIGHT-1M' }], 'rateLimit.limits': [limit('weight-1m', 'x-mbx-used-weight-1m')] }));
    expect(venue.rateLimit.limits?.[0]?.usageHeader).toBe('x-mbx-used-weight-1m');
  });

  it('refuses two limits with the same id', () => {
    const error = configError(withChanges({ 'rateLimit.limits': [limit('weight-1m'), limit('orders-10s'), limit('weight-1m')] }));
    expect(error.path).toBe('venue.rateLimit.limits.2.id');
    expect(error.expected).toBe('a unique id (weight-1m is used twice)');
  });

  it('extendVenue: replacing usage without the limits that name its headers is refused; replacing both works', () => {
    expect(() => extendVenue(binanceSpot, { rateLimit: { usage: [weight] } })).toThrow(/rateLimit\.limits\.2\.usageHeader/);
    const vip = extendVenue(binanceSpot, {
      name: 'binance-spot-vip',
      rateLimit: {
        usage: (binanceSpot.rateLimit.usage ?? []).map((u) => (u.header === 'x-mbx-used-weight-1m' ? { ...u, limit: 12_000 } : u)),
        limits: (binanceSpot.rateLimit.limits ?? []).map((l) => (l.id === 'weight-1m' ? { ...l, limit: 12_000 } : l)),
      },
    });
    expect(vip.rateLimit.limits?.find((l) => l.id === 'weight-1m')?.limit).toBe(12_000);
    expect(vip.rateLimit.usage?.find((u) => u.header === 'x-mbx-used-weight-1m')?.limit).toBe(12_000);
  });

  it('every shipped profile passes the checks, and each usage header a limit names is one it reads', () => {
    for (const profile of Object.values(VENUE_PROFILES)) {
      expect(() => defineVenue(profile)).not.toThrow();
      const headers = (profile.rateLimit.usage ?? []).map((u) => u.header);
      for (const l of profile.rateLimit.limits ?? []) if (l.usageHeader !== undefined) expect(headers, `${profile.name} ${l.id}`).toContain(l.usageHeader);
    }
  });
});
