import { decodeTime } from 'ulid';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import type { Clock } from '../../../src/internal/clock.js';
import { createCryptoRandom, type RandomSource } from '../../../src/internal/random.js';
import { createKeyGenerator, type KeyStrategy } from '../../../src/keys/index.js';
import { FixedRandom, SeededRandom } from '../../../src/testing/seeded-random.js';
import { ManualClock } from '../../../src/testing/manual-clock.js';

const STRATEGIES: readonly KeyStrategy[] = ['ulid', 'uuidv4', 'uuidv7', 'nanoid'];

const FORMAT: Record<KeyStrategy, RegExp> = {
  // Crockford base32 without I, L, O, U; first digit 0-7 because the value is 128 bits.
  ulid: /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/,
  // RFC 9562: version nibble at string index 14, variant (10xx -> 8, 9, a, b) at index 19.
  uuidv4: /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  uuidv7: /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
  nanoid: /^[A-Za-z0-9_-]{21}$/,
};

/** A RandomSource whose fill() writes the given bytes (cycled); next() is unused by these strategies. */
function bytesRandom(bytes: readonly number[]): RandomSource {
  return {
    next: () => 0,
    fill(target) {
      for (let i = 0; i < target.length; i++) target[i] = bytes[i % bytes.length] as number;
    },
  };
}

/** The 48-bit millisecond time in the first 12 hex digits of a UUIDv7. */
function uuidV7TimeMs(uuid: string): number {
  return Number.parseInt(uuid.slice(0, 8) + uuid.slice(9, 13), 16);
}

describe('createKeyGenerator: shapes', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy} keys match the strategy's format (crypto random)`, () => {
      const next = createKeyGenerator(strategy, createCryptoRandom(), new ManualClock());
      for (let i = 0; i < 2000; i++) expect(next()).toMatch(FORMAT[strategy]);
    });

    it(`${strategy} keys match the strategy's format (seeded random)`, () => {
      const next = createKeyGenerator(strategy, new SeededRandom(7), new ManualClock());
      for (let i = 0; i < 2000; i++) expect(next()).toMatch(FORMAT[strategy]);
    });
  }

  it('uuidv4 forces the version and variant bits whatever the random bytes are', () => {
    // All-ones bytes: only the bits RFC 9562 fixes can differ from "f".
    // Byte 6 = 0100 1111 -> "4f"; byte 8 = 10 111111 -> "bf".
    expect(createKeyGenerator('uuidv4', bytesRandom([0xff]), new ManualClock())()).toBe(
      'ffffffff-ffff-4fff-bfff-ffffffffffff',
    );
    // All-zero bytes: byte 6 -> 0x40, byte 8 -> 0x80.
    expect(createKeyGenerator('uuidv4', bytesRandom([0x00]), new ManualClock())()).toBe(
      '00000000-0000-4000-8000-000000000000',
    );
  });

  it('uuidv7 puts the clock in the first 48 bits, big-endian, then version 7 and variant 10', () => {
    const clock = new ManualClock({ now: 0x0123456789ab });
    expect(createKeyGenerator('uuidv7', bytesRandom([0x00]), clock)()).toBe('01234567-89ab-7000-8000-000000000000');
    expect(createKeyGenerator('uuidv7', bytesRandom([0xff]), clock)()).toBe('01234567-89ab-7fff-bfff-ffffffffffff');
  });

  it('nanoid maps each random byte to alphabet[byte & 63] (A-Z, a-z, 0-9, _, -)', () => {
    // Indices: 0 -> A, 25 -> Z, 26 -> a, 51 -> z, 52 -> 0, 61 -> 9, 62 -> _, 63 -> -.
    // 64, 128 and 255 fold onto 0, 0 and 63 because only the low 6 bits count.
    const bytes = [0, 25, 26, 51, 52, 61, 62, 63, 64, 128, 255, 1, 27, 53, 0, 0, 0, 0, 0, 0, 0];
    const key = createKeyGenerator('nanoid', bytesRandom(bytes), new ManualClock())();
    expect(key).toBe('AZaz09_-AA-Bb1AAAAAAA');
  });

  it('nanoid symbols are close to uniform (no modulo bias) over 64k crypto-random symbols', () => {
    const next = createKeyGenerator('nanoid', createCryptoRandom(), new ManualClock());
    const counts = new Map<string, number>();
    let total = 0;
    while (total < 64 * 1000) {
      for (const ch of next()) {
        counts.set(ch, (counts.get(ch) ?? 0) + 1);
        total++;
      }
    }
    expect(counts.size).toBe(64);
    // Expected ~1000 per symbol (sd ~31). A modulo over 62 symbols would double two of
    // them; 1300 is ~9 sd above the mean and far below that.
    for (const count of counts.values()) {
      expect(count).toBeGreaterThan(700);
      expect(count).toBeLessThan(1300);
    }
  });
});

describe('createKeyGenerator: time', () => {
  const times = [1, 32, 1_700_000_000_000, 0xfedcba987654, 2 ** 48 - 1];

  for (const nowMs of times) {
    it(`uuidv7 time field decodes to the clock's ms (${nowMs})`, () => {
      const key = createKeyGenerator('uuidv7', new SeededRandom(1), new ManualClock({ now: nowMs }))();
      expect(uuidV7TimeMs(key)).toBe(nowMs);
    });

    it(`ulid time prefix decodes to the clock's ms (${nowMs})`, () => {
      const key = createKeyGenerator('ulid', new SeededRandom(1), new ManualClock({ now: nowMs }))();
      expect(decodeTime(key)).toBe(nowMs);
    });
  }

  it('ulid time prefix is the 10-digit base32 clock value (32 ms -> "0000000010")', () => {
    // FixedRandom(0) makes every random digit "0".
    const key = createKeyGenerator('ulid', new FixedRandom([0]), new ManualClock({ now: 32 }))();
    expect(key).toBe('0000000010' + '0'.repeat(16));
  });

  it('fractional clock readings are floored to whole milliseconds', () => {
    const clock = new ManualClock({ now: 1_700_000_000_000.9 });
    expect(decodeTime(createKeyGenerator('ulid', new SeededRandom(1), clock)())).toBe(1_700_000_000_000);
    expect(uuidV7TimeMs(createKeyGenerator('uuidv7', new SeededRandom(1), clock)())).toBe(1_700_000_000_000);
  });

  it('each key reads the clock again', () => {
    const clock = new ManualClock({ now: 1_700_000_000_000 });
    const ulid = createKeyGenerator('ulid', new SeededRandom(1), clock);
    const v7 = createKeyGenerator('uuidv7', new SeededRandom(1), clock);
    ulid();
    v7();
    clock.advance(5);
    expect(decodeTime(ulid())).toBe(1_700_000_000_005);
    expect(uuidV7TimeMs(v7())).toBe(1_700_000_000_005);
  });

  for (const strategy of ['ulid', 'uuidv7'] as const) {
    for (const bad of [0, -1, Number.NaN, 2 ** 48, Number.POSITIVE_INFINITY]) {
      it(`${strategy} rejects a clock reading of ${bad} with ConfigurationError`, () => {
        const next = createKeyGenerator(strategy, new SeededRandom(1), { now: () => bad } satisfies Clock);
        expect(next).toThrow(ConfigurationError);
        try {
          next();
        } catch (error) {
          expect(error).toMatchObject({ code: 'ERR_CONFIG_INVALID_OPTION', path: 'clock' });
        }
      });
    }
  }

  it('uuidv4 and nanoid never read the clock', () => {
    const clock: Clock = {
      now: () => {
        throw new Error('clock read');
      },
    };
    expect(() => createKeyGenerator('uuidv4', new SeededRandom(1), clock)()).not.toThrow();
    expect(() => createKeyGenerator('nanoid', new SeededRandom(1), clock)()).not.toThrow();
  });
});

describe('createKeyGenerator: ulid monotonicity', () => {
  it('keys from one millisecond sort in creation order and share the time prefix', () => {
    const clock = new ManualClock({ now: 1_700_000_000_000 });
    const next = createKeyGenerator('ulid', createCryptoRandom(), clock);
    const keys = Array.from({ length: 1000 }, () => next());
    expect([...keys].sort()).toEqual(keys);
    expect(new Set(keys).size).toBe(keys.length);
    for (const key of keys) expect(decodeTime(key)).toBe(1_700_000_000_000);
  });

  it('increments the random part by one within a millisecond', () => {
    const next = createKeyGenerator('ulid', new FixedRandom([0]), new ManualClock({ now: 32 }));
    expect(next()).toBe('0000000010' + '0000000000000000');
    expect(next()).toBe('0000000010' + '0000000000000001');
    expect(next()).toBe('0000000010' + '0000000000000002');
  });

  it('stays ascending when the clock steps back, keeping the latest time prefix', () => {
    const clock = new ManualClock({ now: 1_700_000_000_100 });
    const next = createKeyGenerator('ulid', new SeededRandom(3), clock);
    const first = next();
    clock.set(1_700_000_000_000);
    const second = next();
    expect(second > first).toBe(true);
    expect(decodeTime(second)).toBe(1_700_000_000_100);
  });

  it('sorts across milliseconds', () => {
    const clock = new ManualClock({ now: 1_700_000_000_000 });
    const next = createKeyGenerator('ulid', new SeededRandom(4), clock);
    const keys: string[] = [];
    for (let ms = 0; ms < 50; ms++) {
      keys.push(next(), next());
      clock.advance(1);
    }
    expect([...keys].sort()).toEqual(keys);
  });
});

describe('createKeyGenerator: determinism and uniqueness', () => {
  for (const strategy of STRATEGIES) {
    it(`${strategy}: the same seed and clock give the same keys`, () => {
      const a = createKeyGenerator(strategy, new SeededRandom(42), new ManualClock());
      const b = createKeyGenerator(strategy, new SeededRandom(42), new ManualClock());
      const keysA = Array.from({ length: 100 }, () => a());
      const keysB = Array.from({ length: 100 }, () => b());
      expect(keysB).toEqual(keysA);
    });

    it(`${strategy}: different seeds give different keys`, () => {
      const a = createKeyGenerator(strategy, new SeededRandom(42), new ManualClock());
      const b = createKeyGenerator(strategy, new SeededRandom(43), new ManualClock());
      const keysA = new Set(Array.from({ length: 100 }, () => a()));
      for (let i = 0; i < 100; i++) expect(keysA.has(b())).toBe(false);
    });

    it(`${strategy}: 10k keys are unique (crypto random, advancing clock)`, () => {
      const clock = new ManualClock();
      const next = createKeyGenerator(strategy, createCryptoRandom(), clock);
      const keys = new Set<string>();
      for (let i = 0; i < 10_000; i++) {
        keys.add(next());
        if (i % 100 === 0) clock.advance(1);
      }
      expect(keys.size).toBe(10_000);
    });
  }

  it('uuidv7 keys in one millisecond differ (random tail)', () => {
    const next = createKeyGenerator('uuidv7', new SeededRandom(9), new ManualClock());
    const keys = new Set(Array.from({ length: 1000 }, () => next()));
    expect(keys.size).toBe(1000);
  });

  it('rejects an unknown strategy with ConfigurationError', () => {
    const create = (): unknown => createKeyGenerator('snowflake' as KeyStrategy, new SeededRandom(1), new ManualClock());
    expect(create).toThrow(ConfigurationError);
    expect(create).toThrow(/keyStrategy/);
  });
});
