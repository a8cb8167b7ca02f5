import type * as nodeCrypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createFixedKeyHmac, sha256Hex } from '../../../src/internal/hash.js';

/** Runs the fixed-key HMAC over `message` the way its callers do: message after the gap. */
function macOf(hmac: ReturnType<typeof createFixedKeyHmac>, message: Uint8Array): Buffer {
  const buffer = Buffer.alloc(hmac.gap + message.length, 0xaa);
  buffer.set(message, hmac.gap);
  return hmac.mac(buffer);
}

describe('sha256Hex', () => {
  it('equals createHash over the same string, lone surrogates and non-ASCII included', () => {
    for (const text of ['', 'abc', '{"a":1}', 'çé ✓ 注文 🧾', 'lone \ud800 surrogate', 'x'.repeat(10_000)]) {
      expect(sha256Hex(text)).toBe(createHash('sha256').update(text).digest('hex'));
    }
  });

  it('is the known SHA-256 of "abc"', () => {
    expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('createFixedKeyHmac', () => {
  it('equals createHmac for keys shorter than, equal to and longer than a block, as strings and bytes', () => {
    const keys: Array<string | Uint8Array> = ['', 'k', 'intentkey/intent-id/v1', 'x'.repeat(64), 'y'.repeat(65), 'z'.repeat(200), 'ключ ✓', new Uint8Array([0, 1, 2, 255]), new Uint8Array(64).fill(7), new Uint8Array(100).fill(9)];
    const messages = [new Uint8Array(0), Buffer.from('hello'), Buffer.alloc(1000, 3)];
    for (const key of keys) {
      const hmac = createFixedKeyHmac(key);
      for (const message of messages) {
        expect(macOf(hmac, message).toString('hex')).toBe(createHmac('sha256', key).update(message).digest('hex'));
      }
    }
  });

  it('equals createHmac on random keys and messages, one prepared key reused for many messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 5 }), (key, messages) => {
        const hmac = createFixedKeyHmac(key);
        for (const message of messages) {
          expect(macOf(hmac, message).equals(createHmac('sha256', key).update(message).digest())).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('keeps its own copy of a byte key: changing the caller array afterwards changes nothing', () => {
    const key = new Uint8Array([1, 2, 3]);
    const hmac = createFixedKeyHmac(key);
    key[0] = 9;
    expect(macOf(hmac, Buffer.from('m')).equals(createHmac('sha256', new Uint8Array([1, 2, 3])).update('m').digest())).toBe(true);
  });
});

describe('without crypto.hash (Node before 20.12)', () => {
  afterEach(() => {
    vi.doUnmock('node:crypto');
    vi.resetModules();
  });

  it('falls back to createHash and createHmac with the same results', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (importOriginal) => {
      const original = await importOriginal<typeof nodeCrypto>();
      return { ...original, hash: undefined };
    });
    const fallback = await import('../../../src/internal/hash.js');
    expect(fallback.sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    const hmac = fallback.createFixedKeyHmac('secret');
    expect(hmac.gap).toBe(0);
    expect(macOf(hmac, Buffer.from('message')).equals(createHmac('sha256', 'secret').update('message').digest())).toBe(true);
  });
});
