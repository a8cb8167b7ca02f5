import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { crc32c, crc32cRange, makeCrc32cRange } from '../../../../src/stores/file/crc32c.js';

/**
 * Independent oracle: the textbook bit-at-a-time definition (reflected polynomial
 * 0x82F63B78, init and final XOR 0xFFFFFFFF), sharing nothing with the table code.
 */
function bitwiseCrc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes = (length: number, at: (i: number) => number): Uint8Array => Uint8Array.from({ length }, (_, i) => at(i));

describe('crc32c', () => {
  it('gives the catalogue check value for "123456789" (CRC-32C / CRC-32/ISCSI: 0xE3069283)', () => {
    expect(crc32c(ascii('123456789'))).toBe(0xe3069283);
  });

  // RFC 3720 (iSCSI) appendix B.4 lists these as the CRC bytes in wire order
  // (least significant first), e.g. "aa 36 91 8a" for 32 zero bytes.
  it.each([
    ['32 bytes of 0x00', bytes(32, () => 0x00), 0x8a9136aa],
    ['32 bytes of 0xFF', bytes(32, () => 0xff), 0x62a8ab43],
    ['32 incrementing bytes 0x00..0x1F', bytes(32, (i) => i), 0x46dd794e],
    ['32 decrementing bytes 0x1F..0x00', bytes(32, (i) => 31 - i), 0x113fdb5c],
  ])('matches RFC 3720 B.4: %s', (_name, data, expected) => {
    expect(crc32c(data)).toBe(expected);
  });

  it('is 0 for no bytes (init and final XOR cancel)', () => {
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it('returns an unsigned 32-bit integer', () => {
    // The CRC of 32 zero bytes, 0x8A9136AA, has its top bit set, so a signed 32-bit
    // result would come out negative.
    const value = crc32c(bytes(32, () => 0x00));
    expect(value).toBeGreaterThan(0x7fffffff);
    expect(Number.isInteger(value)).toBe(true);
  });

  it('agrees with the bit-at-a-time definition for every length 0..64 (all slicing tail lengths)', () => {
    const data = bytes(64, (i) => (i * 151 + 7) & 0xff);
    for (let length = 0; length <= 64; length++) {
      const slice = data.subarray(0, length);
      expect(crc32c(slice), `length ${length}`).toBe(bitwiseCrc32c(slice));
    }
  });

  it('agrees with the bit-at-a-time definition on arbitrary data at arbitrary (unaligned) offsets', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), fc.nat(15), (data, skip) => {
        const view = data.subarray(Math.min(skip, data.length));
        expect(crc32c(view)).toBe(bitwiseCrc32c(view));
      }),
      { numRuns: 300 },
    );
  });

  it('continues across buffers: crc32c(b, crc32c(a)) === crc32c(a ++ b)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.uint8Array({ maxLength: 600 }), (a, b) => {
        const joined = new Uint8Array(a.length + b.length);
        joined.set(a);
        joined.set(b, a.length);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(joined));
      }),
      { numRuns: 300 },
    );
  });

  it('detects every single-bit flip in a 1 KiB buffer', () => {
    const data = bytes(1024, (i) => (i * 31) & 0xff);
    const original = crc32c(data);
    let undetected = 0;
    for (let bit = 0; bit < data.length * 8; bit++) {
      data[bit >> 3] = (data[bit >> 3] as number) ^ (1 << (bit & 7));
      if (crc32c(data) === original) undetected++;
      data[bit >> 3] = (data[bit >> 3] as number) ^ (1 << (bit & 7));
    }
    expect(undetected).toBe(0);
  });
});

describe('crc32cRange (slicing-by-8) against the bit-at-a-time definition', () => {
  // A second, freshly built instance, and the module's.
  const fresh = makeCrc32cRange();

  it('agrees on every (start, end) with lengths 0..64 at every offset 0..15 of a random buffer', () => {
    const data = Uint8Array.from({ length: 96 }, (_, i) => (i * 197 + 11) & 0xff);
    for (let start = 0; start < 16; start++) {
      for (let length = 0; length <= 64; length++) {
        const expected = bitwiseCrc32c(data.subarray(start, start + length));
        expect(crc32cRange(data, start, start + length), `start ${start} length ${length}`).toBe(expected);
        expect(fresh(data, start, start + length)).toBe(expected);
      }
    }
  });

  it('agrees on random buffers, random unaligned ranges and continuation values', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(), fc.nat(), fc.nat(), (data, a, b, initial) => {
        const start = data.length === 0 ? 0 : a % (data.length + 1);
        const end = start + (data.length - start === 0 ? 0 : b % (data.length - start + 1));
        const view = data.subarray(start, end);
        const seed = initial >>> 0;
        expect(crc32cRange(data, start, end)).toBe(bitwiseCrc32c(view));
        expect(fresh(data, start, end, seed)).toBe(crc32c(view, seed));
      }),
      { numRuns: 300 },
    );
  });

  it('agrees on a large buffer (1 MiB + 13 bytes) viewed at an odd byteOffset', () => {
    const backing = new Uint8Array(2 ** 20 + 20);
    let x = 0x12345678;
    for (let i = 0; i < backing.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      backing[i] = x >>> 24;
    }
    const view = new Uint8Array(backing.buffer, 3, 2 ** 20 + 13);
    const expected = bitwiseCrc32c(view);
    expect(crc32cRange(view, 0, view.length)).toBe(expected);
    expect(fresh(backing, 3, 3 + view.length)).toBe(expected);
  });
});
