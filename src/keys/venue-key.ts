// The venue key as the client computes it: the encoding of venue-key-format.ts with
// Node's SHA-256. The same code with the portable SHA-256 (src/keys/portable.ts) is what
// the key designer of `intentkey/tools` runs, in Node and in a browser.
import { createHash } from 'node:crypto';
import type { KeyFormat } from '../venues/profile.js';
import { encodeVenueKeyWith } from './venue-key-format.js';

export { assertVenueKey, checkVenueKey } from './venue-key-format.js';

function sha256(text: string): Uint8Array {
  return createHash('sha256').update(text, 'utf8').digest();
}

/**
 * Turns an intent key into the key sent to a venue, as `format.encoding` says.
 * Deterministic: the same key and format always give the same venue key, so every
 * retry and every process after a restart sends the same value.
 *
 * - `verbatim`: `prefix + key`. The key must already fit; check it with
 *   `assertVenueKey`.
 * - `uuid`: lowercase dashed UUID. A ULID (or {@link deriveKey} output) and a UUID
 *   (dashed or 32 hex digits, any case) keep their 128 bits, so the venue key can be
 *   traced back to the intent key; spellings of the same 128 bits give the same UUID.
 *   Any other key becomes the first 16 bytes of SHA-256(key), with no version bits set.
 * - `hash`: `prefix` + Crockford base32 of SHA-256(key) (bit stream, most significant
 *   bit first), cut to `maxLength - prefix.length` characters (at most 52).
 * - `integer`: `1 + (first 8 bytes of SHA-256(key), big-endian) mod maxInteger`, in
 *   decimal, so the result is in `[1, maxInteger]`. The modulo bias is at most
 *   `maxInteger / 2^64` (below 2^-11 for any safe integer), which only nudges collision
 *   odds, not correctness. Without `maxInteger`, the ceiling is the largest
 *   `maxLength`-digit number (capped at `Number.MAX_SAFE_INTEGER`).
 *
 * `hash` and `integer` are one-way: the venue key cannot be turned back into the
 * intent key, so record both (the ledger does). Shorter outputs collide sooner:
 * 18 base32 characters carry 90 bits, 2^45 - 1 integers about 45 bits (a collision
 * becomes likely after a few million keys), which matters only where the venue
 * enforces uniqueness over that many live keys.
 *
 * @throws {ConfigurationError} when the format itself is unusable (unknown encoding,
 *   a prefix on `uuid` or `integer`, no room for a hash, bad `maxInteger`). It does not
 *   check the result; call `assertVenueKey` for that.
 */
export function encodeVenueKey(key: string, format: KeyFormat): string {
  return encodeVenueKeyWith(key, format, sha256);
}
