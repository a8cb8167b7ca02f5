import { createHmac } from 'node:crypto';
import { createFixedKeyHmac, type FixedKeyHmac } from '../internal/hash.js';
import { checkParts, checkSecret, DEFAULT_SECRET } from './derive-input.js';
import { uint128ToCrockford } from './encoding.js';

/**
 * What a derived key is computed from. All strings are hashed as UTF-8 (a lone UTF-16
 * surrogate becomes U+FFFD first, as everywhere in Node).
 */
export interface DeriveKeyInput {
  /** Who the action belongs to (account, tenant, strategy name). May be empty. */
  readonly scope: string;
  /** What kind of action it is, e.g. `placeOrder`, `createPayment`. May be empty. */
  readonly operation: string;
  /**
   * The caller's own identifier of this one action (order id, invoice id). Must not be
   * empty: an empty id would give every action in the scope and operation one key.
   */
  readonly businessId: string;
  /**
   * HMAC key. Without one, anyone who knows or guesses scope, operation and business
   * id can compute the key, and a venue replays a stored response to whoever presents
   * it; pass a per-deployment secret when those inputs are guessable. Changing the
   * secret changes every key, so keep it stable for as long as intents may be retried.
   * Must not be empty. @default 'intentkey/derive/v1' (public domain-separation string)
   */
  readonly secret?: string | Uint8Array;
}

/**
 * Concatenates the parts, each preceded by its UTF-8 byte length as 4 big-endian
 * bytes, so that no two different part lists share an encoding: plain joining would
 * make ('a', 'bc') and ('ab', 'c') the same action. The encoding starts after `gap`
 * bytes left free for the HMAC's inner pad.
 */
function encodeParts(parts: readonly string[], gap: number): Buffer {
  let total = gap;
  for (const part of parts) total += 4 + Buffer.byteLength(part, 'utf8');
  // One pooled buffer written in place: TextEncoder plus per-part arrays cost several
  // times the HMAC itself.
  const out = Buffer.allocUnsafe(total);
  let offset = gap;
  for (const part of parts) {
    const written = out.write(part, offset + 4, 'utf8');
    out.writeUInt32BE(written, offset);
    offset += 4 + written;
  }
  return out;
}

/** HMAC under the default secret, prepared on first use. */
let defaultHmac: FixedKeyHmac | undefined;

/**
 * Computes the intent key from the business action itself, so the same action always
 * gets the same key, even when the ledger record that held a random key is lost.
 *
 * The key is HMAC-SHA256(secret, len(scope) scope len(operation) operation
 * len(businessId) businessId), with each length the part's UTF-8 byte count as
 * 4 big-endian bytes; the first 128 bits of the MAC are written as 26 Crockford
 * base32 characters, the same alphabet and shape as a ULID (first character 0-7), so
 * a derived key fits every venue a ULID fits and converts losslessly to a UUID.
 *
 * Pure: no clock, no randomness.
 *
 * @returns 26 characters matching `^[0-7][0-9A-HJKMNP-TV-Z]{25}$`.
 * @throws {ConfigurationError} when a part is not a string, `businessId` is empty, or
 *   `secret` is empty or of the wrong type (the secret itself is never echoed).
 *
 * @example
 * const key = deriveKey({ scope: 'acct-7', operation: 'placeOrder', businessId: 'ord-2024-000123' });
 */
export function deriveKey(input: DeriveKeyInput): string {
  const { scope, operation, businessId, secret = DEFAULT_SECRET } = input;
  checkParts(scope, operation, businessId);
  checkSecret(secret);
  if (secret === DEFAULT_SECRET) return keyFromMac(scope, operation, businessId, (defaultHmac ??= createFixedKeyHmac(DEFAULT_SECRET)));
  // Any other secret: a one-off HMAC, so no caller's secret is kept in this module.
  const mac = createHmac('sha256', secret).update(encodeParts([scope, operation, businessId], 0)).digest();
  return uint128ToCrockford(mac.subarray(0, 16));
}

/**
 * {@link deriveKey} bound to one secret, for callers that derive many keys under it (the
 * client derives an intent id, and with the `derived` strategy a key, for every call).
 * The HMAC's key pads are computed once, here. Same keys, same checks and errors as
 * `deriveKey({ scope, operation, businessId, secret })`.
 *
 * @param secret - HMAC key. @default 'intentkey/derive/v1'
 * @throws {ConfigurationError} at creation for an empty secret; from the deriver for a
 *   part that is not a string or an empty `businessId`.
 */
export function createKeyDeriver(secret: string = DEFAULT_SECRET): (scope: string, operation: string, businessId: string) => string {
  checkSecret(secret);
  const hmac = createFixedKeyHmac(secret);
  return (scope, operation, businessId) => {
    checkParts(scope, operation, businessId);
    return keyFromMac(scope, operation, businessId, hmac);
  };
}

/** The key: the first 128 bits of the MAC as 26 Crockford digits. */
function keyFromMac(scope: string, operation: string, businessId: string, hmac: FixedKeyHmac): string {
  const mac = hmac.mac(encodeParts([scope, operation, businessId], hmac.gap));
  return uint128ToCrockford(mac.subarray(0, 16));
}
