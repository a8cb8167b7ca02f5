import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import fc from 'fast-check';
import { createKeyDeriver } from '../../../src/keys/derive.js';
import { deriveKey, encodeVenueKey } from '../../../src/keys/index.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const KEY_SHAPE = /^[0-9A-HJKMNP-TV-Z]{26}$/;

const base = { scope: 'acct-7', operation: 'placeOrder', businessId: 'ord-2024-000123' } as const;

/**
 * Independent reference for the documented construction: HMAC-SHA256 over each part
 * prefixed with its 4-byte big-endian UTF-8 length, first 16 bytes as a 128-bit number
 * in 26 base32 digits. Uses Buffer and BigInt rather than the library's helpers.
 */
function reference(parts: readonly string[], secret: string | Uint8Array): string {
  const chunks = parts.flatMap((part) => {
    const bytes = Buffer.from(part, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    return [length, bytes];
  });
  const mac = createHmac('sha256', secret).update(Buffer.concat(chunks)).digest();
  let value = BigInt(`0x${mac.subarray(0, 16).toString('hex')}`);
  let text = '';
  for (let i = 0; i < 26; i++) {
    text = CROCKFORD.charAt(Number(value % 32n)) + text;
    value /= 32n;
  }
  return text;
}

describe('deriveKey', () => {
  it('is stable: two calls with equal input give the same key', () => {
    expect(deriveKey({ ...base })).toBe(deriveKey({ ...base }));
  });

  it('has the ULID alphabet and length', () => {
    expect(deriveKey(base)).toMatch(KEY_SHAPE);
    // 128 bits in 26 digits leave the top 2 bits zero, so the first digit is 0-7 as in a ULID.
    expect(deriveKey(base)).toMatch(/^[0-7]/);
  });

  it('matches an independent computation of the documented construction (default secret)', () => {
    expect(deriveKey(base)).toBe(reference([base.scope, base.operation, base.businessId], 'intentkey/derive/v1'));
  });

  it('matches the reference with a secret and non-ASCII parts (lengths are UTF-8 bytes)', () => {
    const input = { scope: 'désk', operation: '注文', businessId: '🧾-1', secret: 's3cret' };
    expect(deriveKey(input)).toBe(reference([input.scope, input.operation, input.businessId], 's3cret'));
  });

  it('omitting the secret equals passing the default domain string', () => {
    expect(deriveKey(base)).toBe(deriveKey({ ...base, secret: 'intentkey/derive/v1' }));
  });

  it('changes when any one part changes', () => {
    const key = deriveKey(base);
    expect(deriveKey({ ...base, scope: 'acct-8' })).not.toBe(key);
    expect(deriveKey({ ...base, operation: 'cancelOrder' })).not.toBe(key);
    expect(deriveKey({ ...base, businessId: 'ord-2024-000124' })).not.toBe(key);
  });

  it('is case-sensitive in every part', () => {
    expect(deriveKey({ ...base, businessId: base.businessId.toUpperCase() })).not.toBe(deriveKey(base));
  });

  it('does not confuse part boundaries (length prefixes)', () => {
    const a = deriveKey({ scope: 'a', operation: 'bc', businessId: 'x' });
    const b = deriveKey({ scope: 'ab', operation: 'c', businessId: 'x' });
    expect(a).not.toBe(b);
    // The same bytes shifted across the operation/businessId boundary.
    expect(deriveKey({ scope: 's', operation: 'op1', businessId: '23' })).not.toBe(
      deriveKey({ scope: 's', operation: 'op', businessId: '123' }),
    );
    // An empty part is not the same as no part: ('', 'ab', 'c') vs ('a', 'b', 'c').
    expect(deriveKey({ scope: '', operation: 'ab', businessId: 'c' })).not.toBe(
      deriveKey({ scope: 'a', operation: 'b', businessId: 'c' }),
    );
  });

  it('changes with the secret', () => {
    const withDefault = deriveKey(base);
    const withA = deriveKey({ ...base, secret: 'secret-a' });
    const withB = deriveKey({ ...base, secret: 'secret-b' });
    expect(new Set([withDefault, withA, withB]).size).toBe(3);
  });

  it('treats a string secret and its UTF-8 bytes as the same HMAC key', () => {
    expect(deriveKey({ ...base, secret: new TextEncoder().encode('secret-a') })).toBe(
      deriveKey({ ...base, secret: 'secret-a' }),
    );
  });

  it('converts losslessly to a UUID (its 128 bits are the first 16 MAC bytes)', () => {
    const mac = createHmac('sha256', 'intentkey/derive/v1');
    mac.update(Buffer.from([0, 0, 0, 1, 0x61, 0, 0, 0, 1, 0x62, 0, 0, 0, 1, 0x63])); // ('a', 'b', 'c')
    const expectedHex = mac.digest().subarray(0, 16).toString('hex');
    const uuid = encodeVenueKey(deriveKey({ scope: 'a', operation: 'b', businessId: 'c' }), {
      encoding: 'uuid',
      maxLength: 36,
    });
    expect(uuid.replaceAll('-', '')).toBe(expectedHex);
  });

  it('rejects an empty businessId', () => {
    expect(() => deriveKey({ ...base, businessId: '' })).toThrow(ConfigurationError);
  });

  it('rejects an empty secret without echoing it', () => {
    for (const secret of ['', new Uint8Array(0)]) {
      try {
        deriveKey({ ...base, secret });
        expect.unreachable('deriveKey accepted an empty secret');
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigurationError);
        expect(error).toMatchObject({ path: 'secret' });
      }
    }
  });

  it('rejects non-string parts from untyped callers', () => {
    const bad = { ...base, businessId: 123 } as unknown as Parameters<typeof deriveKey>[0];
    expect(() => deriveKey(bad)).toThrow(ConfigurationError);
  });
});

describe('createKeyDeriver', () => {
  it('derives the keys deriveKey derives, under the default and under any other secret', () => {
    const withDefault = createKeyDeriver();
    const withSecret = createKeyDeriver('a-deployment-secret-of-some-length');
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string({ minLength: 1 }), (scope, operation, businessId) => {
        expect(withDefault(scope, operation, businessId)).toBe(deriveKey({ scope, operation, businessId }));
        expect(withDefault(scope, operation, businessId)).toBe(reference([scope, operation, businessId], 'intentkey/derive/v1'));
        expect(withSecret(scope, operation, businessId)).toBe(reference([scope, operation, businessId], 'a-deployment-secret-of-some-length'));
      }),
      { numRuns: 200 },
    );
  });

  it('rejects what deriveKey rejects', () => {
    expect(() => createKeyDeriver('')).toThrow(ConfigurationError);
    const derive = createKeyDeriver('s3cret');
    expect(() => derive('scope', 'op', '')).toThrow(ConfigurationError);
    expect(() => derive('scope', 7 as unknown as string, 'id')).toThrow(ConfigurationError);
  });
});
