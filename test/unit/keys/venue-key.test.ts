import { createHash } from 'node:crypto';
import { ulidToUUID } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, KeyFormatError, isIntentError } from '../../../src/errors/index.js';
import { assertVenueKey, checkVenueKey, createKeyGenerator, deriveKey, encodeVenueKey } from '../../../src/keys/index.js';
import { ManualClock } from '../../../src/testing/manual-clock.js';
import { SeededRandom } from '../../../src/testing/seeded-random.js';
import type { KeyFormat } from '../../../src/venues/profile.js';
import { FORMATS } from '../../helpers/venue-formats.js';


const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ULID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const UUID = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** Test-side decoders, independent of src/keys/encoding.ts. */
function crockfordValue(text: string): bigint {
  let value = 0n;
  for (let i = 0; i < text.length; i++) value = value * 32n + BigInt(CROCKFORD.indexOf(text.charAt(i).toUpperCase()));
  return value;
}
const uuidValue = (uuid: string): bigint => BigInt(`0x${uuid.replaceAll('-', '')}`);
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

describe('encodeVenueKey: verbatim', () => {
  it('returns the key unchanged without a prefix', () => {
    expect(encodeVenueKey(ULID, FORMATS.binanceSpot)).toBe(ULID);
    expect(encodeVenueKey(ULID, FORMATS.okx)).toBe(ULID);
    expect(encodeVenueKey(UUID, FORMATS.square)).toBe(UUID);
  });

  it("prepends the venue's prefix (Gate's t-)", () => {
    expect(encodeVenueKey(ULID, FORMATS.gate)).toBe(`t-${ULID}`);
    expect(checkVenueKey(encodeVenueKey(ULID, FORMATS.gate), FORMATS.gate)).toBeUndefined();
  });
});

describe('encodeVenueKey: uuid', () => {
  it("keeps a ULID's 128 bits (decoded independently on both sides)", () => {
    const uuid = encodeVenueKey(ULID, FORMATS.kraken);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(uuidValue(uuid)).toBe(crockfordValue(ULID));
    // Cross-check with the ulid package's own converter (which answers in upper case).
    expect(uuid).toBe(ulidToUUID(ULID).toLowerCase());
  });

  it('keeps the bits of generated ULIDs and derived keys', () => {
    const next = createKeyGenerator('ulid', new SeededRandom(5), new ManualClock());
    for (const key of [next(), next(), deriveKey({ scope: 's', operation: 'o', businessId: 'b' })]) {
      expect(uuidValue(encodeVenueKey(key, FORMATS.kraken))).toBe(crockfordValue(key));
    }
  });

  it('extreme ULIDs map to the extreme UUIDs', () => {
    expect(encodeVenueKey('0'.repeat(26), FORMATS.kraken)).toBe('00000000-0000-0000-0000-000000000000');
    // 7 followed by 25 Z = 2^128 - 1.
    expect(encodeVenueKey(`7${'Z'.repeat(25)}`, FORMATS.kraken)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('passes a dashed UUID through in lower case and dashes a 32-hex UUID', () => {
    expect(encodeVenueKey(UUID, FORMATS.kraken)).toBe(UUID);
    expect(encodeVenueKey(UUID.toUpperCase(), FORMATS.kraken)).toBe(UUID);
    expect(encodeVenueKey(UUID.replaceAll('-', ''), FORMATS.kraken)).toBe(UUID);
  });

  it('hashes any other key: first 16 bytes of SHA-256', () => {
    for (const key of ['order-123', 'V1StGXR8_Z5jdHi6B-myT', `8${'0'.repeat(25)}` /* 130-bit: not a ULID */]) {
      const hex = sha256(key).subarray(0, 16).toString('hex');
      const expected = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
      expect(encodeVenueKey(key, FORMATS.kraken)).toBe(expected);
    }
  });

  it('rejects a prefix', () => {
    expect(() => encodeVenueKey(ULID, { encoding: 'uuid', maxLength: 36, prefix: 'x' })).toThrow(ConfigurationError);
  });
});

describe('encodeVenueKey: hash', () => {
  it('is the first maxLength base32 digits of SHA-256(key), read most significant bit first', () => {
    const encoded = encodeVenueKey(ULID, FORMATS.hash18);
    // 18 digits = the top 90 of the 256 hash bits.
    const top90 = BigInt(`0x${sha256(ULID).toString('hex')}`) >> 166n;
    let expected = '';
    for (let i = 17; i >= 0; i--) expected += CROCKFORD.charAt(Number((top90 >> BigInt(i * 5)) & 31n));
    expect(encoded).toBe(expected);
    expect(checkVenueKey(encoded, FORMATS.hash18)).toBeUndefined();
  });

  it('counts the prefix in maxLength', () => {
    const format: KeyFormat = { encoding: 'hash', prefix: 'ik-', maxLength: 18 };
    const encoded = encodeVenueKey(ULID, format);
    expect(encoded).toHaveLength(18);
    expect(encoded).toBe(`ik-${encodeVenueKey(ULID, FORMATS.hash18).slice(0, 15)}`);
  });

  it('stops at 52 digits (256 bits) when maxLength allows more', () => {
    // ceil(256 / 5) = 52; the last digit carries 1 hash bit and 4 zero bits.
    const encoded = encodeVenueKey(ULID, { encoding: 'hash', maxLength: 64 });
    expect(encoded).toHaveLength(52);
    const lastBit = sha256(ULID)[31]! & 1;
    expect(encoded.at(-1)).toBe(CROCKFORD[lastBit << 4]);
  });

  it('rejects a prefix that leaves no room', () => {
    expect(() => encodeVenueKey(ULID, { encoding: 'hash', prefix: 'abc', maxLength: 3 })).toThrow(ConfigurationError);
  });
});

describe('encodeVenueKey: integer', () => {
  it('is 1 + (first 8 hash bytes, big-endian) mod maxInteger (Bitfinex int45)', () => {
    const max = BigInt(FORMATS.bitfinex.maxInteger);
    for (const key of [ULID, UUID, 'order-123']) {
      const expected = 1n + (sha256(key).readBigUInt64BE(0) % max);
      const encoded = encodeVenueKey(key, FORMATS.bitfinex);
      expect(encoded).toBe(expected.toString());
      expect(checkVenueKey(encoded, FORMATS.bitfinex)).toBeUndefined();
    }
  });

  it('maxInteger 1 always gives 1 (the range is [1, maxInteger])', () => {
    const format: KeyFormat = { encoding: 'integer', maxLength: 1, maxInteger: 1 };
    for (const key of [ULID, UUID, 'a', 'b']) expect(encodeVenueKey(key, format)).toBe('1');
  });

  it('without maxInteger, stays within maxLength digits', () => {
    const format: KeyFormat = { encoding: 'integer', maxLength: 3 };
    const next = createKeyGenerator('uuidv4', new SeededRandom(11), new ManualClock());
    for (let i = 0; i < 200; i++) {
      const value = Number(encodeVenueKey(next(), format));
      expect(value).toBeGreaterThanOrEqual(1);
      expect(value).toBeLessThanOrEqual(999);
    }
  });

  it('rejects maxInteger beyond Number.MAX_SAFE_INTEGER, and a prefix', () => {
    expect(() => encodeVenueKey(ULID, { encoding: 'integer', maxLength: 20, maxInteger: 2 ** 60 })).toThrow(
      ConfigurationError,
    );
    expect(() => encodeVenueKey(ULID, { encoding: 'integer', maxLength: 14, prefix: '9' })).toThrow(ConfigurationError);
  });
});

describe('encodeVenueKey: determinism', () => {
  for (const [name, format] of Object.entries(FORMATS)) {
    it(`${name}: the same key gives the same venue key, different keys differ`, () => {
      expect(encodeVenueKey(ULID, format)).toBe(encodeVenueKey(ULID, format));
      expect(encodeVenueKey('01ARZ3NDEKTSV4RRFFQ69G5FAW', format)).not.toBe(encodeVenueKey(ULID, format));
    });
  }
});

describe('checkVenueKey', () => {
  const cases: ReadonlyArray<[string, string, KeyFormat, string | undefined]> = [
    ['ULID into OKX', ULID, FORMATS.okx, undefined],
    ['UUID (36) into OKX (32)', UUID, FORMATS.okx, 'maxLength 32'],
    ['underscore into OKX', 'abc_def', FORMATS.okx, 'pattern ^[A-Za-z0-9]{1,32}$'],
    ['37 chars into Binance', 'a'.repeat(37), FORMATS.binanceSpot, 'maxLength 36'],
    ['dot into Binance', 'a.b', FORMATS.binanceSpot, 'pattern ^[A-Za-z0-9_-]{1,36}$'],
    ['empty key', '', FORMATS.binanceSpot, 'minLength 1'],
    ['Gate without prefix', `x-${'a'.repeat(10)}`, FORMATS.gate, 'prefix t-'],
    ['Gate with a space', 't-ab cd', FORMATS.gate, 'pattern ^t-[0-9A-Za-z_.-]{1,28}$'],
    ['Gate at 30', `t-${'a'.repeat(28)}`, FORMATS.gate, undefined],
    ['Gate at 31', `t-${'a'.repeat(29)}`, FORMATS.gate, 'maxLength 30'],
    ['UUID into Kraken', UUID, FORMATS.kraken, undefined],
    // Passes Kraken's free-text alternative, but a uuid-encoded venue key must be a UUID.
    ['free text into uuid format', 'not-a-uuid-at-all', FORMATS.kraken, 'uuid'],
    ['Bitfinex max', String(2 ** 45 - 1), FORMATS.bitfinex, undefined],
    ['Bitfinex max + 1', String(2 ** 45), FORMATS.bitfinex, 'integer <= 35184372088831'],
    ['Bitfinex zero', '0', FORMATS.bitfinex, 'integer >= 1'],
    ['Bitfinex leading zero', '007', FORMATS.bitfinex, 'integer'],
    ['Bitfinex letters', '12a', FORMATS.bitfinex, 'pattern ^[0-9]{1,14}$'],
    ['Bitfinex 15 digits', '1'.repeat(15), FORMATS.bitfinex, 'maxLength 14'],
    ['46 chars into Square', 'k'.repeat(46), FORMATS.square, 'maxLength 45'],
    ['anything short into Square', 'any key at all: ✓', FORMATS.square, undefined],
    ['minLength 5', 'abcd', { encoding: 'verbatim', maxLength: 10, minLength: 5 }, 'minLength 5'],
    // Compiled without flags: case matters.
    ['no i flag', 'ABC', { encoding: 'verbatim', maxLength: 10, pattern: '^[a-z]+$' }, 'pattern ^[a-z]+$'],
    ['bad pattern', 'abc', { encoding: 'verbatim', maxLength: 10, pattern: '(' }, 'pattern does not compile'],
    ['uuid with prefix', UUID, { encoding: 'uuid', maxLength: 36, prefix: 'u' }, 'format: prefix not allowed with uuid'],
  ];

  for (const [name, venueKey, format, rule] of cases) {
    it(`${name} -> ${rule ?? 'ok'}`, () => {
      expect(checkVenueKey(venueKey, format)).toBe(rule);
    });
  }

  it('gives the same answer on repeated calls (cached patterns carry no state)', () => {
    for (let i = 0; i < 3; i++) {
      expect(checkVenueKey('abc_def', FORMATS.okx)).toBe('pattern ^[A-Za-z0-9]{1,32}$');
      expect(checkVenueKey('abcdef', FORMATS.okx)).toBeUndefined();
      expect(checkVenueKey('abc', { encoding: 'verbatim', maxLength: 10, pattern: '[' })).toBe('pattern does not compile');
    }
  });
});

describe('assertVenueKey', () => {
  it('returns quietly for a valid key', () => {
    expect(() => {
      assertVenueKey(ULID, FORMATS.okx, 'okx');
    }).not.toThrow();
  });

  it('throws KeyFormatError with code, venue and rule, and without the key in the message', () => {
    const key = `${UUID}-extra`;
    let caught: unknown;
    try {
      assertVenueKey(key, FORMATS.okx, 'okx');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KeyFormatError);
    expect(isIntentError(caught)).toBe(true);
    const error = caught as KeyFormatError;
    expect(error.code).toBe('ERR_KEY_FORMAT');
    expect(error.venue).toBe('okx');
    expect(error.rule).toBe('maxLength 32');
    expect(error.message).toContain('okx');
    expect(error.message).toContain('maxLength 32');
    expect(error.message).toContain(String(key.length));
    expect(error.message).not.toContain(UUID);
  });

  it('names the prefix rule for Gate', () => {
    expect(() => {
      assertVenueKey(ULID, FORMATS.gate, 'gate');
    }).toThrow(
      expect.objectContaining({ venue: 'gate', rule: 'prefix t-' }),
    );
  });
});
