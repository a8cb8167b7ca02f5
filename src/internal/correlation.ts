import { randomFillSync } from 'node:crypto';

/** Crockford base32, lower case: no i, l, o or u, so ids read back unambiguously. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** Random bytes per id: 104 bits, of which the 20 characters use 100. */
const ID_BYTES = 13;
const pool = Buffer.alloc(4096);
let offset = pool.length;

/**
 * A fresh correlation id for one attempt or lookup request: `ik-` and 20 base32
 * characters (100 random bits from the CSPRNG). Not derived from the intent key or any
 * secret, so it is safe to send to a venue and to print in logs.
 */
export function newCorrelationId(): string {
  // 13 bytes from a pool refilled 4 KiB at a time: one system call per ~300 ids.
  if (offset + ID_BYTES > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const start = offset;
  offset += ID_BYTES;
  let bits = 0;
  let value = 0;
  let out = 'ik-';
  for (let i = start; i < start + ID_BYTES; i++) {
    value = (value << 8) | (pool[i] as number);
    bits += 8;
    while (bits >= 5 && out.length < 23) {
      bits -= 5;
      out += ALPHABET.charAt((value >>> bits) & 31);
    }
    value &= (1 << bits) - 1;
  }
  return out;
}

/**
 * The URL a request goes to, without query string or fragment (they may carry
 * signatures): `url` when absolute, else `baseURL` joined with it, as axios joins them.
 */
export function summariseUrl(baseURL: string | undefined, url: string | undefined): string {
  const path = url ?? '';
  const full = baseURL === undefined || baseURL === '' || /^[a-z][a-z\d+\-.]*:\/\//i.test(path) ? path : path === '' ? baseURL : `${baseURL.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
  const cut = full.search(/[?#]/);
  return cut < 0 ? full : full.slice(0, cut);
}
