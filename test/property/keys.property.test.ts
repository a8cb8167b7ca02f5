import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bitsToCrockford, uint128ToCrockford, ulidToBytes, uuidToBytes } from '../../src/keys/encoding.js';
import { checkVenueKey, createKeyGenerator, deriveKey, encodeVenueKey, type KeyStrategy } from '../../src/keys/index.js';
import { ManualClock } from '../../src/testing/manual-clock.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import type { KeyFormat } from '../../src/venues/profile.js';
import { FORMATS } from '../helpers/venue-formats.js';

type FormatName = keyof typeof FORMATS;

type Source = KeyStrategy | 'derived';
const SOURCES: readonly Source[] = ['ulid', 'uuidv4', 'uuidv7', 'nanoid', 'derived'];

/**
 * The rule each (key source, venue) pair must fail, reasoned from the shapes:
 * UUIDs are 36 characters, too long for OKX (32) and for Gate once `t-` is added (38);
 * nanoid's alphabet includes `_` and `-`, which OKX's alphanumeric pattern refuses,
 * but a given nanoid contains neither with probability (62/64)^21, about 0.51, and
 * then it fits. Everything else fits (ULID and derived keys are 26 alphanumerics;
 * uuid, hash and integer encodings produce their own shapes).
 */
function expectedRule(source: Source, format: FormatName, key: string): string | undefined {
  const isUuid = source === 'uuidv4' || source === 'uuidv7';
  if (format === 'okx') {
    if (isUuid) return 'maxLength 32';
    if (source === 'nanoid' && /[_-]/.test(key)) return `pattern ${FORMATS.okx.pattern}`;
  }
  if (format === 'gate' && isUuid) return 'maxLength 30';
  return undefined;
}

const seedArb = fc.integer({ min: 0, max: 0xffffffff });
const timeArb = fc.integer({ min: 1, max: 2 ** 48 - 1 });

function makeKeys(source: Source, seed: number, nowMs: number, businessId: string, count: number): string[] {
  if (source === 'derived') {
    return Array.from({ length: count }, (_, i) => deriveKey({ scope: 'p', operation: 'op', businessId: `${businessId}#${i}` }));
  }
  const next = createKeyGenerator(source, new SeededRandom(seed), new ManualClock({ now: nowMs }));
  return Array.from({ length: count }, () => next());
}

describe('keys: generated keys against venue formats', () => {
  it('every source x format encodes to a key that passes exactly when the pair is compatible', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.string({ minLength: 1 }), (seed, nowMs, businessId) => {
        for (const source of SOURCES) {
          for (const key of makeKeys(source, seed, nowMs, businessId, 3)) {
            for (const name of Object.keys(FORMATS) as FormatName[]) {
              const venueKey = encodeVenueKey(key, FORMATS[name]);
              expect(checkVenueKey(venueKey, FORMATS[name]), `${source} ${key} -> ${name}`).toBe(
                expectedRule(source, name, key),
              );
            }
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('nanoid into OKX: both outcomes occur, and failure is always the pattern rule', () => {
    const next = createKeyGenerator('nanoid', new SeededRandom(2024), new ManualClock());
    const outcomes = new Map<string, number>();
    for (let i = 0; i < 200; i++) {
      const key = next();
      const rule = checkVenueKey(encodeVenueKey(key, FORMATS.okx), FORMATS.okx) ?? 'ok';
      outcomes.set(rule, (outcomes.get(rule) ?? 0) + 1);
    }
    // With p ~ 0.51 per key, 200 keys give both outcomes except with probability ~2^-190.
    expect([...outcomes.keys()].sort()).toEqual(['ok', `pattern ${FORMATS.okx.pattern}`].sort());
  });

  it('encoding is stable: regenerating from the same seed and clock gives the same venue keys', () => {
    fc.assert(
      fc.property(seedArb, timeArb, fc.constantFrom(...SOURCES), (seed, nowMs, source) => {
        const first = makeKeys(source, seed, nowMs, 'b', 2);
        const again = makeKeys(source, seed, nowMs, 'b', 2);
        for (const name of Object.keys(FORMATS) as FormatName[]) {
          expect(again.map((k) => encodeVenueKey(k, FORMATS[name]))).toEqual(first.map((k) => encodeVenueKey(k, FORMATS[name])));
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('keys: encodings over arbitrary keys', () => {
  it('integer encoding is always in [1, maxInteger] and passes its own check', () => {
    fc.assert(
      fc.property(fc.string(), fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (key, maxInteger) => {
        const format: KeyFormat = { encoding: 'integer', maxLength: 16, maxInteger };
        const encoded = encodeVenueKey(key, format);
        const value = BigInt(encoded);
        expect(value >= 1n && value <= BigInt(maxInteger)).toBe(true);
        expect(encoded).toBe(value.toString()); // canonical decimal, no leading zeros
        expect(checkVenueKey(encoded, format)).toBeUndefined();
        expect(encodeVenueKey(key, format)).toBe(encoded);
      }),
      { numRuns: 500 },
    );
  });

  it('hash encoding has length min(maxLength, prefix + 52), keeps the prefix, and passes', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.stringMatching(/^[a-z-]{0,4}$/),
        fc.integer({ min: 1, max: 70 }),
        (key, prefix, room) => {
          const format: KeyFormat = { encoding: 'hash', prefix, maxLength: prefix.length + room };
          const encoded = encodeVenueKey(key, format);
          expect(encoded).toHaveLength(prefix.length + Math.min(room, 52));
          expect(encoded.startsWith(prefix)).toBe(true);
          expect(encoded.slice(prefix.length)).toMatch(/^[0-9A-HJKMNP-TV-Z]+$/);
          expect(checkVenueKey(encoded, format)).toBeUndefined();
        },
      ),
      { numRuns: 500 },
    );
  });

  it('uuid encoding of any key is a lowercase dashed UUID that passes Kraken', () => {
    fc.assert(
      fc.property(fc.string(), (key) => {
        const encoded = encodeVenueKey(key, FORMATS.kraken);
        expect(encoded).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(checkVenueKey(encoded, FORMATS.kraken)).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it('checkVenueKey never throws, whatever the key and pattern', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.integer({ min: 1, max: 40 }), (key, pattern, maxLength) => {
        expect(() => checkVenueKey(key, { encoding: 'verbatim', pattern, maxLength })).not.toThrow();
      }),
      { numRuns: 500 },
    );
  });
});

describe('keys: 128-bit helpers', () => {
  const bytes16 = fc.uint8Array({ minLength: 16, maxLength: 16 });

  it('ULID text <-> 16 bytes round-trips and matches a BigInt base32 reading', () => {
    fc.assert(
      fc.property(bytes16, (bytes) => {
        const text = uint128ToCrockford(bytes);
        expect(text).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
        expect(ulidToBytes(text)).toEqual(bytes);
        expect(ulidToBytes(text.toLowerCase())).toEqual(bytes);
        let value = 0n;
        for (let i = 0; i < text.length; i++) {
          value = value * 32n + BigInt('0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(text.charAt(i)));
        }
        expect(value).toBe(BigInt(`0x${Buffer.from(bytes).toString('hex')}`));
      }),
      { numRuns: 500 },
    );
  });

  it('UUID text -> bytes reads dashed and plain hex alike', () => {
    fc.assert(
      fc.property(bytes16, (bytes) => {
        const hex = Buffer.from(bytes).toString('hex');
        const dashed = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
        expect(uuidToBytes(dashed)).toEqual(bytes);
        expect(uuidToBytes(hex.toUpperCase())).toEqual(bytes);
      }),
      { numRuns: 300 },
    );
  });

  it('bit-stream base32 of a prefix of the output is a prefix of the longer output', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }), fc.integer({ min: 0, max: 70 }), (bytes, chars) => {
        const full = bitsToCrockford(bytes, 1000);
        expect(full).toHaveLength(Math.ceil((bytes.length * 8) / 5));
        expect(bitsToCrockford(bytes, chars)).toBe(full.slice(0, chars));
      }),
      { numRuns: 300 },
    );
  });
});
