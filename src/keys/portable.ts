/**
 * `encodeVenueKey` and `deriveKey` without `node:crypto`: the same checks, the same
 * encodings and the same bytes hashed, with the SHA-256 and HMAC of
 * src/internal/sha256.ts instead of Node's. For the key designer of `intentkey/tools`,
 * which runs in the `intentkey` command and in the docs site's playground alike.
 *
 * The client keeps the Node versions (faster, and the ones the benchmarks measure);
 * test/unit/keys/portable.test.ts checks that both give the same keys for every venue
 * format and for random inputs.
 */
import { hmacSha256, sha256 } from '../internal/sha256.js';
import type { KeyFormat } from '../venues/profile.js';
import type { DeriveKeyInput } from './derive.js';
import { checkParts, checkSecret, DEFAULT_SECRET, encodeDeriveParts } from './derive-input.js';
import { uint128ToCrockford } from './encoding.js';
import { encodeVenueKeyWith } from './venue-key-format.js';

/** `encodeVenueKey(key, format)`, hashing with the portable SHA-256. Same result, same errors. */
export function encodeVenueKeyPortable(key: string, format: KeyFormat): string {
  return encodeVenueKeyWith(key, format, sha256);
}

/** `deriveKey(input)`, with the portable HMAC-SHA256. Same key, same errors (the secret is never echoed). */
export function deriveKeyPortable(input: DeriveKeyInput): string {
  const { scope, operation, businessId, secret = DEFAULT_SECRET } = input;
  checkParts(scope, operation, businessId);
  checkSecret(secret);
  const mac = hmacSha256(secret, encodeDeriveParts([scope, operation, businessId]));
  return uint128ToCrockford(mac.subarray(0, 16));
}
