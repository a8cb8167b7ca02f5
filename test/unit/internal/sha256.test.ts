/**
 * The portable SHA-256 and HMAC-SHA256 (src/internal/sha256.ts) against published test
 * vectors and against Node's own implementation on random inputs: lengths around every
 * padding boundary, multi-block messages, keys shorter and longer than a block, and
 * strings with non-ASCII characters and lone surrogates.
 */
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha256, sha256, utf8Bytes } from '../../../src/internal/sha256.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const nodeSha = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 examples', () => {
    expect(hex(sha256(''))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(hex(sha256('abc'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(hex(sha256('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'))).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(hex(sha256('a'.repeat(1_000_000)))).toBe('cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0');
  });

  it('equals node:crypto at every length from 0 to 200 bytes (all padding cases)', () => {
    for (let n = 0; n <= 200; n++) {
      const data = Uint8Array.from({ length: n }, (_, i) => (i * 131 + n) & 0xff);
      expect(hex(sha256(data)), `length ${n}`).toBe(nodeSha(data));
    }
  });

  it('equals node:crypto on random bytes and strings, hashing strings as UTF-8', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), (data) => hex(sha256(data)) === nodeSha(data)),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => hex(sha256(text)) === createHash('sha256').update(text, 'utf8').digest('hex')),
      { numRuns: 300 },
    );
  });

  it('turns a lone surrogate into U+FFFD, as Node does', () => {
    expect(hex(utf8Bytes('a\uD800b'))).toBe(Buffer.from('a\uD800b', 'utf8').toString('hex'));
    expect(hex(sha256('\uDC00'))).toBe(nodeSha(Buffer.from('\uDC00', 'utf8')));
  });
});

describe('hmacSha256', () => {
  it('matches RFC 4231 test cases 1, 2 and 6 (a key longer than a block)', () => {
    expect(hex(hmacSha256(new Uint8Array(20).fill(0x0b), utf8Bytes('Hi There')))).toBe(
      'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7',
    );
    expect(hex(hmacSha256('Jefe', utf8Bytes('what do ya want for nothing?')))).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
    expect(hex(hmacSha256(new Uint8Array(131).fill(0xaa), utf8Bytes('Test Using Larger Than Block-Size Key - Hash Key First')))).toBe(
      '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
    );
  });

  it('equals createHmac for random keys (string and bytes, up to three blocks) and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.uint8Array({ maxLength: 300 }), (key, message) => {
        return hex(hmacSha256(key, message)) === createHmac('sha256', key).update(message).digest('hex');
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }), fc.uint8Array({ maxLength: 100 }), (key, message) => {
        return hex(hmacSha256(key, message)) === createHmac('sha256', key).update(message).digest('hex');
      }),
      { numRuns: 300 },
    );
  });
});
