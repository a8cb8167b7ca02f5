// What deriveKey checks and the bytes it MACs, with no `node:` import: shared by the
// client's deriveKey (src/keys/derive.ts, Node's HMAC over a Buffer) and the portable
// one of src/keys/portable.ts (the key designer, also in a browser).
import { ConfigurationError } from '../errors/index.js';
import { utf8Bytes } from '../internal/sha256.js';
import { describeValue } from '../internal/validation.js';

/**
 * HMAC key used when no secret is given. It only separates our keys from any other
 * HMAC-SHA256 use of the same inputs; it is public, so it makes keys reproducible,
 * not unguessable.
 */
export const DEFAULT_SECRET = 'intentkey/derive/v1';

function checkString(path: string, value: unknown): asserts value is string {
  if (typeof value !== 'string') {
    throw new ConfigurationError({ path, expected: 'a string', received: describeValue(value) });
  }
}

/** Throws unless every part is a string and `businessId` is not empty. */
export function checkParts(scope: unknown, operation: unknown, businessId: unknown): asserts businessId is string {
  checkString('scope', scope);
  checkString('operation', operation);
  checkString('businessId', businessId);
  if (businessId.length === 0) {
    throw new ConfigurationError({ path: 'businessId', expected: 'a non-empty string', received: 'an empty string' });
  }
}

/** Throws unless `secret` is a non-empty string or Uint8Array; never echoes it. */
export function checkSecret(secret: unknown): void {
  if (typeof secret === 'string' ? secret.length === 0 : !(secret instanceof Uint8Array) || secret.length === 0) {
    throw new ConfigurationError({
      path: 'secret',
      expected: 'a non-empty string or Uint8Array',
      received: typeof secret === 'string' || secret instanceof Uint8Array ? 'an empty value' : describeValue(secret, { secret: true }),
    });
  }
}

/**
 * The message a derived key MACs: each part's UTF-8 bytes preceded by their count as 4
 * big-endian bytes (so ('a', 'bc') and ('ab', 'c') differ). Built with `TextEncoder`;
 * derive.ts writes the same bytes into one pooled Buffer.
 */
export function encodeDeriveParts(parts: readonly string[]): Uint8Array {
  const encoded = parts.map((part) => utf8Bytes(part));
  const out = new Uint8Array(encoded.reduce((n, bytes) => n + 4 + bytes.length, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const bytes of encoded) {
    view.setUint32(offset, bytes.length);
    out.set(bytes, offset + 4);
    offset += 4 + bytes.length;
  }
  return out;
}
