/**
 * Byte <-> text helpers shared by key generation, derivation and venue encoding.
 * Internal: not part of the public surface.
 */

/** Crockford base32 digits, in value order (no I, L, O, U). */
export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A ULID in either case: 26 digits, the first at most 7 so the value fits 128 bits. */
const ULID_PATTERN_ANY_CASE = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/i;
const DASHED_UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PLAIN_UUID_PATTERN = /^[0-9a-f]{32}$/i;

/** `HEX_BYTE[b]` is the two lowercase hex digits of byte `b`; a table beats `toString(16)` + pad in hot loops. */
const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/** Value of each Crockford digit by char code, or -1; accepts lower case as the Crockford spec does. */
const CROCKFORD_VALUE: Int8Array = (() => {
  const table = new Int8Array(128).fill(-1);
  for (let v = 0; v < CROCKFORD_ALPHABET.length; v++) {
    const upper = CROCKFORD_ALPHABET.charCodeAt(v);
    table[upper] = v;
    table[String.fromCharCode(upper).toLowerCase().charCodeAt(0)] = v;
  }
  return table;
})();

/** Char code of each Crockford digit, by value. */
const CROCKFORD_CODES: readonly number[] = Array.from(CROCKFORD_ALPHABET, (c) => c.charCodeAt(0));

/** Scratch for {@link uint128ToCrockford}'s 26 digits (filled and read synchronously). */
const CROCKFORD_DIGITS: number[] = new Array<number>(26).fill(0);

function hexAt(bytes: Uint8Array, index: number): string {
  return HEX_BYTE[bytes[index] as number] as string;
}

/** Formats 16 bytes as a lowercase dashed UUID (8-4-4-4-12). */
export function bytesToUuid(b: Uint8Array): string {
  return (
    hexAt(b, 0) + hexAt(b, 1) + hexAt(b, 2) + hexAt(b, 3) + '-' +
    hexAt(b, 4) + hexAt(b, 5) + '-' +
    hexAt(b, 6) + hexAt(b, 7) + '-' +
    hexAt(b, 8) + hexAt(b, 9) + '-' +
    hexAt(b, 10) + hexAt(b, 11) + hexAt(b, 12) + hexAt(b, 13) + hexAt(b, 14) + hexAt(b, 15)
  );
}

/**
 * The 16 bytes of a UUID written dashed (8-4-4-4-12) or as 32 hex digits, in either
 * case; `undefined` for anything else. Version and variant bits are not checked: we
 * only need the 128 bits.
 */
export function uuidToBytes(text: string): Uint8Array | undefined {
  let hex: string;
  if (text.length === 36 && DASHED_UUID_PATTERN.test(text)) hex = text.replaceAll('-', '');
  else if (text.length === 32 && PLAIN_UUID_PATTERN.test(text)) hex = text;
  else return undefined;
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

/**
 * The 128 bits of a ULID (26 Crockford digits, first digit 0-7, either case) as 16
 * big-endian bytes; `undefined` for anything else. A first digit above 7 would need
 * 129-130 bits, which no ULID has.
 */
export function ulidToBytes(text: string): Uint8Array | undefined {
  if (text.length !== 26 || !ULID_PATTERN_ANY_CASE.test(text)) return undefined;
  const bytes = new Uint8Array(16);
  // 26 digits carry 130 bits; the leading digit is at most 7, so its top 2 bits are
  // zero and we start with only its low 3 bits: 3 + 25 * 5 = 128.
  let acc = CROCKFORD_VALUE[text.charCodeAt(0)] as number;
  let bits = 3;
  let out = 0;
  for (let i = 1; i < 26; i++) {
    acc = (acc << 5) | (CROCKFORD_VALUE[text.charCodeAt(i)] as number);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      bytes[out++] = (acc >>> bits) & 0xff;
      acc &= (1 << bits) - 1;
    }
  }
  return bytes;
}

/**
 * Encodes 16 bytes as a 128-bit big-endian number in 26 Crockford digits, exactly as
 * a ULID is written (two zero bits on the left, so the first digit is 0-7). The
 * inverse of {@link ulidToBytes}.
 */
export function uint128ToCrockford(bytes: Uint8Array): string {
  const digits = CROCKFORD_DIGITS;
  const first = bytes[0] as number;
  digits[0] = CROCKFORD_CODES[first >>> 5] as number;
  let acc = first & 0x1f;
  let bits = 5;
  let n = 1;
  for (let i = 1; i < 16; i++) {
    acc = (acc << 8) | (bytes[i] as number);
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      digits[n++] = CROCKFORD_CODES[(acc >>> bits) & 0x1f] as number;
    }
    acc &= (1 << bits) - 1;
  }
  // One flat string from the 26 char codes. Appending digit by digit would leave a chain
  // of concatenation nodes (several hundred bytes) in every intent id a ledger keeps.
  return String.fromCharCode.apply(null, digits);
}

/**
 * The first `chars` Crockford digits of `bytes` read as a bit stream, most
 * significant bit first (5 bits per digit; the last digit is zero-padded on the
 * right). Never longer than `ceil(bytes.length * 8 / 5)` digits.
 */
export function bitsToCrockford(bytes: Uint8Array, chars: number): string {
  const limit = Math.min(chars, Math.ceil((bytes.length * 8) / 5));
  let text = '';
  let acc = 0;
  let bits = 0;
  let next = 0;
  while (text.length < limit) {
    if (bits < 5) {
      if (next < bytes.length) {
        acc = (acc << 8) | (bytes[next++] as number);
        bits += 8;
      } else {
        acc <<= 5 - bits;
        bits = 5;
      }
    }
    bits -= 5;
    text += CROCKFORD_ALPHABET.charAt((acc >>> bits) & 0x1f);
    acc &= (1 << bits) - 1;
  }
  return text;
}
