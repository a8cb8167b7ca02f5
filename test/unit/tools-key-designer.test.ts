import { AxiosHeaders, type AxiosRequestConfig } from 'axios';
import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { placeKey } from '../../src/client/axios-request.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { checkVenueKey, deriveKey } from '../../src/keys/index.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import {
  DEFAULT_LEDGER_RETENTION_MS,
  DESIGN_STRATEGIES,
  MAX_DESIGN_COUNT,
  decodeKeyTimestamp,
  describeKeyFormat,
  designKeys,
  findVenueProfile,
  formatDurationMs,
  keyContract,
  keyPlacement,
  venueNames,
  type DesignStrategy,
} from '../../src/tools/index.js';
import { VENUE_PROFILES, binanceSpot, bitfinex, ietfIdempotencyKey, stripe, type VenueProfile } from '../../src/venues/index.js';

/** 2026-12-07T03:00:00.123Z: the instant every minted key is made at. */
const NOW = Date.UTC(2026, 11, 7, 3, 0, 0, 123);
const env = (seed = 7, now = NOW) => ({ random: new SeededRandom(seed), now });

const RANDOM_STRATEGIES = ['ulid', 'uuidv4', 'uuidv7', 'nanoid'] as const;

/** Shapes each strategy must produce, written from the strategies' definitions (not from the code). */
const SHAPE: Readonly<Record<DesignStrategy, RegExp>> = {
  ulid: /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/,
  derived: /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/,
  uuidv4: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  uuidv7: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  nanoid: /^[A-Za-z0-9_-]{21}$/,
};

const SECRET = 'correct-horse-battery-staple-42';
const DERIVED = { secret: SECRET, scope: 'acct-42', operation: 'order.create', businessId: 'inv-1182' };

const VENUES = Object.entries(VENUE_PROFILES);

/** Value at a dotted path of a parsed JSON body. */
function at(value: unknown, dotted: string): unknown {
  let cur = value;
  for (const part of dotted.split('.')) cur = (cur as Record<string, unknown> | undefined)?.[part];
  return cur;
}

/** An independent check of a venue key against its profile: length, prefix, pattern, integer range. */
function fitsProfile(venueKey: string, profile: VenueProfile): boolean {
  const f = profile.key.format;
  if (venueKey.length > f.maxLength || venueKey.length < (f.minLength ?? 1)) return false;
  if (f.prefix !== undefined && !venueKey.startsWith(f.prefix)) return false;
  if (f.pattern !== undefined && !new RegExp(f.pattern).test(venueKey)) return false;
  if (f.encoding === 'uuid' && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(venueKey)) return false;
  if (f.encoding === 'integer') return /^[1-9][0-9]*$/.test(venueKey) && BigInt(venueKey) <= BigInt(f.maxInteger ?? Number.MAX_SAFE_INTEGER);
  return true;
}

describe('designKeys: every strategy on every shipped venue', () => {
  const cases = [...RANDOM_STRATEGIES, 'derived' as const].flatMap((strategy) => VENUES.map(([exportName, profile]) => [strategy, exportName, profile] as const));

  it('covers the 16 venue profiles and the two generic ones', () => {
    expect(VENUES).toHaveLength(18);
    expect(venueNames()).toEqual(VENUES.map(([, p]) => p.name));
  });

  it.each(cases)('%s on %s: the key fits, is placed where the profile says, and carries its time', (strategy, _name, profile) => {
    const design = designKeys(strategy === 'derived' ? { strategy, derived: DERIVED, venue: profile } : { strategy, venue: profile }, env());
    expect(design.strategy).toBe(strategy);
    expect(design.venue?.name).toBe(profile.name);
    expect(design.keys).toHaveLength(1);
    const [k] = design.keys;
    if (k === undefined) throw new Error('no key');
    expect(k.key).toMatch(SHAPE[strategy]);

    // The encoded key satisfies the venue, by the library's check and by an independent one.
    expect(k.check).toEqual({ ok: true });
    expect(fitsProfile(k.venueKey, profile)).toBe(true);
    expect(design.failing).toBe(0);
    if (profile.key.format.encoding === 'verbatim') expect(k.venueKey).toBe(`${profile.key.format.prefix ?? ''}${k.key}`);

    // Placement: what the designer shows is where the client's placeKey puts the key.
    const http = k.http;
    if (http === null) throw new Error('no placement');
    expect(http.in).toBe(profile.key.placement);
    expect(http.field).toBe(profile.key.field);
    const placed = placeKey({ method: 'POST', url: '/x' }, profile.key, k.venueKey, 'op');
    switch (profile.key.placement) {
      case 'header':
        expect(http.text).toBe(`${profile.key.field}: ${k.venueKey}`);
        expect(AxiosHeaders.from(placed.headers as Record<string, string>).get(profile.key.field)).toBe(k.venueKey);
        break;
      case 'query':
        expect(new URLSearchParams(http.text).get(profile.key.field)).toBe(k.venueKey);
        expect((placed.params as Record<string, unknown>)[profile.key.field]).toBe(k.venueKey);
        break;
      case 'body': {
        const json: unknown = JSON.parse(http.text);
        expect(json).toEqual(placed.data);
        const expected = profile.key.valueType === 'number' ? Number(k.venueKey) : k.venueKey;
        expect(at(json, profile.key.field)).toBe(expected);
        expect(new URLSearchParams(http.form).get(profile.key.field)).toBe(k.venueKey);
        const form = placeKey({ data: new URLSearchParams() } satisfies AxiosRequestConfig, profile.key, k.venueKey, 'op');
        expect(http.form).toBe((form.data as URLSearchParams).toString());
        break;
      }
    }
    if (profile.key.echo === undefined) expect(http.echo).toBeUndefined();
    else {
      expect(http.echo?.in).toBe(profile.key.echo.placement);
      expect(http.echo?.field).toBe(profile.key.echo.field);
      if (profile.key.echo.placement === 'body') expect(at(JSON.parse(http.echo?.text ?? 'null'), profile.key.echo.field)).toBe(k.venueKey);
    }

    // Time: ULID and UUIDv7 carry the injected now; the others carry none.
    if (strategy === 'ulid' || strategy === 'uuidv7') expect(k.timestamp).toEqual({ ms: NOW, iso: '2026-12-07T03:00:00.123Z', from: strategy });
    else expect(k.timestamp).toBeNull();
  });
});

describe('designKeys: minting', () => {
  it.each(RANDOM_STRATEGIES)('%s: count keys, all distinct, all of the strategy\'s shape', (strategy) => {
    const design = designKeys({ strategy, count: 200 }, env());
    expect(design.keys).toHaveLength(200);
    expect(new Set(design.keys.map((k) => k.key)).size).toBe(200);
    for (const k of design.keys) {
      expect(k.key).toMatch(SHAPE[strategy]);
      // Without a venue the key is its own venue key and nothing is checked or placed.
      expect(k.venueKey).toBe(k.key);
      expect(k.check).toBeNull();
      expect(k.http).toBeNull();
    }
  });

  it('the same seed gives the same keys; another seed others (randomness is the injected source)', () => {
    const a = designKeys({ strategy: 'nanoid', count: 3 }, env(1)).keys.map((k) => k.key);
    expect(designKeys({ strategy: 'nanoid', count: 3 }, env(1)).keys.map((k) => k.key)).toEqual(a);
    expect(designKeys({ strategy: 'nanoid', count: 3 }, env(2)).keys.map((k) => k.key)).not.toEqual(a);
  });

  it('ULID time agrees with the ulid package\'s own decoder, and follows the injected now', () => {
    for (const now of [1, NOW, 2 ** 48 - 1]) {
      const [k] = designKeys({ strategy: 'ulid' }, env(3, now)).keys;
      expect(decodeTime(k?.key ?? '')).toBe(now);
      expect(k?.timestamp?.ms).toBe(now);
    }
    const later = designKeys({ strategy: 'uuidv7' }, env(3, NOW + 60_000)).keys[0];
    expect(later?.timestamp?.ms).toBe(NOW + 60_000);
    expect(later?.timestamp?.iso).toBe('2026-12-07T03:01:00.123Z');
  });

  it('UUIDv7 time is the first 48 bits, read independently', () => {
    const [k] = designKeys({ strategy: 'uuidv7' }, env()).keys;
    const hex = (k?.key ?? '').replaceAll('-', '').slice(0, 12);
    expect(Number.parseInt(hex, 16)).toBe(NOW);
  });

  it('refuses counts outside 1..1000 and a now no time-carrying key can hold', () => {
    for (const count of [0, -1, 1.5, MAX_DESIGN_COUNT + 1, Number.NaN]) {
      expect(() => designKeys({ strategy: 'ulid', count }, env())).toThrow(ConfigurationError);
    }
    expect(designKeys({ strategy: 'uuidv4', count: MAX_DESIGN_COUNT }, env()).keys).toHaveLength(MAX_DESIGN_COUNT);
    expect(() => designKeys({ strategy: 'ulid' }, env(1, 0))).toThrow(/epoch milliseconds/);
    expect(() => designKeys({ strategy: 'bogus' as DesignStrategy }, env())).toThrow(/one of "ulid", "uuidv4", "uuidv7", "nanoid", "derived", received "bogus"/);
    expect(DESIGN_STRATEGIES).toEqual(['ulid', 'uuidv4', 'uuidv7', 'nanoid', 'derived']);
  });
});

describe('designKeys: derived keys', () => {
  it('is the library\'s derived key for the same inputs, carries no time, and lists its non-secret inputs', () => {
    const design = designKeys({ strategy: 'derived', derived: DERIVED }, env());
    expect(design.keys[0]?.key).toBe(deriveKey(DERIVED));
    expect(design.keys[0]?.timestamp).toBeNull();
    expect(design.derivedFrom).toEqual({ scope: 'acct-42', operation: 'order.create', businessId: 'inv-1182' });
  });

  it('a different secret, scope, operation or business id gives a different key', () => {
    const base = designKeys({ strategy: 'derived', derived: DERIVED }, env()).keys[0]?.key;
    for (const change of [{ secret: `${SECRET}!` }, { scope: 'acct-43' }, { operation: 'order.cancel' }, { businessId: 'inv-1183' }]) {
      expect(designKeys({ strategy: 'derived', derived: { ...DERIVED, ...change } }, env()).keys[0]?.key).not.toBe(base);
    }
    // Randomness and time play no part.
    expect(designKeys({ strategy: 'derived', derived: DERIVED }, env(99, NOW + 1)).keys[0]?.key).toBe(base);
  });

  it('never carries the secret in its result or its errors', () => {
    const design = designKeys({ strategy: 'derived', derived: DERIVED, venue: stripe }, env());
    expect(JSON.stringify(design)).not.toContain(SECRET);
    const short = 'short-secret';
    let message = '';
    try {
      designKeys({ strategy: 'derived', derived: { ...DERIVED, secret: short } }, env());
    } catch (error) {
      message = String(error);
    }
    expect(message).toMatch(/at least 16 characters/);
    expect(message).not.toContain(short);
  });

  it('refuses missing inputs and a count above 1', () => {
    expect(() => designKeys({ strategy: 'derived' }, env())).toThrow(ConfigurationError);
    expect(() => designKeys({ strategy: 'derived', derived: { ...DERIVED, businessId: '' } }, env())).toThrow(/businessId/);
    expect(() => designKeys({ strategy: 'derived', derived: { ...DERIVED, scope: '' } }, env())).toThrow(/scope/);
    expect(() => designKeys({ strategy: 'derived', derived: { ...DERIVED, operation: 'has space' } }, env())).toThrow(/operation/);
    expect(() => designKeys({ strategy: 'derived', derived: DERIVED, count: 2 }, env())).toThrow(/count/);
  });
});

describe('designKeys: keys that do not fit', () => {
  // Every minted strategy fits every shipped profile (the table above). Keys a caller
  // already has are where formats bite.
  it.each([
    ['a business id with a colon on Binance spot', binanceSpot, 'bot-7:signal-1182', 'pattern ^[A-Za-z0-9_-]{1,36}$'],
    ['37 characters on Binance spot', binanceSpot, 'A'.repeat(37), 'maxLength 36'],
    ['256 characters on Stripe', stripe, 'k'.repeat(256), 'maxLength 255'],
    ['a double quote under the IETF header grammar', ietfIdempotencyKey, 'order"7', 'pattern ^[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+$'],
  ] as const)('%s fails with the rule that fails', (_name, profile, key, rule) => {
    const design = designKeys({ keys: [key], venue: profile }, env());
    expect(design.strategy).toBe('given');
    expect(design.failing).toBe(1);
    expect(design.keys[0]?.check).toEqual({ ok: false, rule });
    // Negative control: the library's own check agrees, and the profile's pattern or limit rejects it.
    expect(checkVenueKey(key, profile.key.format)).toBe(rule);
    expect(fitsProfile(key, profile)).toBe(false);
  });

  it('counts failing keys among fitting ones, and decodes the time of given ULID and UUIDv7 keys only', () => {
    const v4 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
    const design = designKeys({ keys: ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'no:colons', v4, '01890a5d-ac96-774b-bcce-b302099a8057'], venue: binanceSpot }, env());
    expect(design.failing).toBe(1);
    expect(design.keys.map((k) => k.check?.ok)).toEqual([true, false, true, true]);
    expect(design.keys[0]?.timestamp?.ms).toBe(decodeTime('01ARZ3NDEKTSV4RRFFQ69G5FAV'));
    expect(design.keys[1]?.timestamp).toBeNull();
    expect(design.keys[2]?.timestamp).toBeNull();
    expect(design.keys[3]?.timestamp).toEqual({ ms: 0x01890a5dac96, iso: new Date(0x01890a5dac96).toISOString(), from: 'uuidv7' });
  });

  it('an integer venue encodes any key into its range (the key is hashed)', () => {
    const design = designKeys({ keys: ['no:colons', 'x'.repeat(500)], venue: bitfinex }, env());
    expect(design.failing).toBe(0);
    for (const k of design.keys) expect(fitsProfile(k.venueKey, bitfinex)).toBe(true);
  });
});

describe('helpers', () => {
  it.each([
    ['binance-spot', 'binance-spot'],
    ['binanceSpot', 'binance-spot'],
    ['STRIPE', 'stripe'],
    ['checkoutCom', 'checkout-com'],
    ['generic', 'generic'],
  ])('findVenueProfile(%s) is %s', (name, expected) => {
    expect(findVenueProfile(name)?.name).toBe(expected);
  });

  it('findVenueProfile of an unknown name is undefined', () => {
    expect(findVenueProfile('binance')).toBeUndefined();
  });

  it.each([
    [0, '0 s'],
    [1000, '1 s'],
    [61_000, '1 min 1 s'],
    [3_600_000, '1 h'],
    [19_440_000, '5 h 24 min'],
    [86_400_000, '1 d'],
    [7_776_000_000, '90 d'],
    [1500, '1 s 500 ms'],
  ])('formatDurationMs(%d) = %s', (ms, text) => {
    expect(formatDurationMs(ms)).toBe(text);
  });

  it('decodeKeyTimestamp: ULID and UUIDv7 only', () => {
    expect(decodeKeyTimestamp('7ZZZZZZZZZZZZZZZZZZZZZZZZZ')?.ms).toBe(2 ** 48 - 1);
    expect(decodeKeyTimestamp('8ZZZZZZZZZZZZZZZZZZZZZZZZZ')).toBeNull();
    expect(decodeKeyTimestamp('3f2504e0-4f89-41d3-9a0c-0305e82c3301')).toBeNull();
    expect(decodeKeyTimestamp('not a key')).toBeNull();
  });

  it('describeKeyFormat names the limits', () => {
    expect(describeKeyFormat(binanceSpot.key.format)).toBe('verbatim, max 36 chars, pattern ^[A-Za-z0-9_-]{1,36}$');
    expect(describeKeyFormat(bitfinex.key.format)).toContain(`1..${bitfinex.key.format.maxInteger ?? 0}`);
    expect(describeKeyFormat({ encoding: 'hash', maxLength: 30, prefix: 't-' })).toBe('hash, max 30 chars, prefix t-');
  });

  it('keyPlacement percent-encodes a query or form value and keeps a header value as it is', () => {
    expect(keyPlacement({ placement: 'query', field: 'label', format: { encoding: 'verbatim', maxLength: 64 } }, 'a b&c').text).toBe('label=a%20b%26c');
    expect(keyPlacement({ placement: 'header', field: 'Idempotency-Key', format: { encoding: 'verbatim', maxLength: 64 } }, 'a b').text).toBe('Idempotency-Key: a b');
  });
});

describe('keyContract', () => {
  it.each(VENUES)('%s: the profile\'s own field, windows and conflict answers', (_name, profile) => {
    const md = keyContract(profile, 'order.create');
    expect(md.startsWith(`# Idempotency contract: \`order.create\` on `)).toBe(true);
    expect(md).toContain(`\`${profile.name}\``);
    expect(md).toContain(`\`${profile.key.field}\``);
    expect(md).toContain(`${DEFAULT_LEDGER_RETENTION_MS} ms (7 d)`);
    for (const heading of ['## Key', '## Fingerprint', '## Windows', '### Repeat', '### Conflict', '### Expired key']) expect(md).toContain(heading);
    const { dedupe, reconcile } = profile;
    if (dedupe.kind === 'keyStore') {
      expect(md).toContain(`${dedupe.retentionMs} ms (${formatDurationMs(dedupe.retentionMs)})`);
      // docs/design.md: the key is resent until created + retention - min(10 %, 1 h).
      const until = dedupe.retentionMs - Math.min(dedupe.retentionMs / 10, 3_600_000);
      expect(md).toContain(`${until} ms`);
    } else {
      expect(md).not.toContain('resends the same key until');
    }
    if (reconcile.findableForMs !== undefined) expect(md).toContain(`${reconcile.findableForMs} ms`);
    expect(md).toContain(`${reconcile.settleDelayMs} ms`);
    if (reconcile.requestWindow !== undefined) expect(md).toContain(`\`${reconcile.requestWindow.field}\``);
    for (const rule of profile.errors) {
      if (rule.outcome === 'conflictDuplicate' && typeof rule.match.code === 'string') expect(md).toContain(rule.match.code);
    }
  });

  it('Stripe: 24 h key store, resent for 23 h, the echo field and the scan', () => {
    const md = keyContract(stripe, 'payment.create', { fingerprintFields: ['amount', 'currency'] });
    expect(md).toContain('86400000 ms (1 d)');
    expect(md).toContain('82800000 ms (23 h)');
    expect(md).toContain('`Idempotency-Key: <venue key>`');
    expect(md).toContain('metadata[intentkey_key]=<venue key>');
    expect(md).toContain('/v1/payment_intents');
    expect(md).toContain('`amount`, `currency`');
    // Negative control: numbers of another venue's window are not there.
    expect(md).not.toContain('604800000 ms (7 d): the venue keeps');
  });

  it('Binance spot: no key window, 90 d findable, the request window settle delay and the duplicate codes', () => {
    const md = keyContract(binanceSpot);
    expect(md).toContain('`<operation>`');
    expect(md).toContain('refused only while an order holding it is open');
    expect(md).toContain('7776000000 ms (90 d)');
    expect(md).toContain('`recvWindow`');
    expect(md).toContain('-2010');
    expect(md).toContain('the whole input');
  });

  it('describes the strategy asked for and a custom ledger retention', () => {
    const md = keyContract(bitfinex, 'order.create', { strategy: 'derived', ledgerRetentionMs: 86_400_000 });
    expect(md).toContain('Intent key (`derived`)');
    expect(md).toContain('86400000 ms (1 d) (the ledger');
    expect(md).toContain('with the same derived key');
    expect(md).toContain('`{"cid":<venue key>}`');
    expect(md).toContain('no lookup by key');
  });
});
