import { randomBytes } from 'node:crypto';

/** Crockford base32, lower case: no i, l, o or u, so ids read back unambiguously. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * A fresh correlation id for one attempt or lookup request: `ik-` and 20 base32
 * characters (100 random bits from the CSPRNG). Not derived from the intent key or any
 * secret, so it is safe to send to a venue and to print in logs.
 */
export function newCorrelationId(): string {
  const bytes = randomBytes(13);
  let bits = 0;
  let value = 0;
  let out = 'ik-';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 23) {
      bits -= 5;
      out += ALPHABET.charAt((value >>> bits) & 31);
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/** `method` upper-cased and the URL without query string or fragment (they may carry signatures). */
export function summariseUrl(url: string): string {
  const cut = url.search(/[?#]/);
  return cut < 0 ? url : url.slice(0, cut);
}
