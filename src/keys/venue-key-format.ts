/**
 * Venue keys without a hash function of their own: the format rules (`checkVenueKey`,
 * `assertVenueKey`) and the encoding (`encodeVenueKeyWith`), which takes the SHA-256 to
 * use. No `node:` import, so the key designer of `intentkey/tools` runs it in a browser
 * too; src/keys/venue-key.ts binds it to `node:crypto` for the client.
 */
import { ConfigurationError, KeyFormatError } from '../errors/index.js';
import type { KeyFormat } from '../venues/profile.js';
import { bitsToCrockford, bytesToUuid, ulidToBytes, uuidToBytes } from './encoding.js';

const DASHED_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CANONICAL_DECIMAL = /^[1-9][0-9]*$/;

/** Patterns come from a handful of venue profiles; the cap only guards against misuse. */
const PATTERN_CACHE_LIMIT = 256;
const patternCache = new Map<string, RegExp | null>();

/** The compiled pattern, or `null` when the source does not compile. Compiled once per source. */
function compilePattern(source: string): RegExp | null {
  const cached = patternCache.get(source);
  if (cached !== undefined) return cached;
  let compiled: RegExp | null;
  try {
    compiled = new RegExp(source);
  } catch {
    compiled = null;
  }
  if (patternCache.size >= PATTERN_CACHE_LIMIT) patternCache.clear();
  patternCache.set(source, compiled);
  return compiled;
}

/** SHA-256 of the UTF-8 bytes of a string: 32 bytes. */
export type Sha256 = (text: string) => Uint8Array;

/**
 * The integer ceiling of an `integer` format: `maxInteger`, or when absent the
 * largest number with `maxLength` digits, capped at `Number.MAX_SAFE_INTEGER`.
 */
function integerCeiling(format: KeyFormat): number {
  return format.maxInteger ?? Math.min(10 ** format.maxLength - 1, Number.MAX_SAFE_INTEGER);
}

/**
 * Why `format` cannot be used at all, or `undefined`. Shared by encode (which throws)
 * and check (which reports), so both agree on what a usable format is.
 */
function formatProblem(format: KeyFormat): string | undefined {
  const { maxLength, minLength = 1, prefix = '' } = format;
  // Widened: profiles can come from untyped JSON, so an unknown encoding is possible.
  const encoding: string = format.encoding;
  if (encoding !== 'verbatim' && encoding !== 'uuid' && encoding !== 'hash' && encoding !== 'integer') {
    return 'encoding must be verbatim, uuid, hash or integer';
  }
  if (!Number.isSafeInteger(maxLength) || maxLength < 1) return 'maxLength must be an integer >= 1';
  if (!Number.isSafeInteger(minLength) || minLength < 0 || minLength > maxLength) {
    return 'minLength must be an integer in [0, maxLength]';
  }
  if (prefix !== '' && (encoding === 'uuid' || encoding === 'integer')) return `prefix not allowed with ${encoding}`;
  if (encoding === 'hash' && prefix.length >= maxLength) return 'prefix leaves no room for the hash';
  if (encoding === 'integer') {
    const ceiling = integerCeiling(format);
    if (!Number.isSafeInteger(ceiling) || ceiling < 1) return 'maxInteger must be a safe integer >= 1';
  }
  return undefined;
}

/**
 * `encodeVenueKey` (src/keys/venue-key.ts) with the SHA-256 given: the same encoding for every format
 * (see there), hashing with `sha256` where the format hashes (`hash`, `integer`, and
 * `uuid` for a key that is neither a ULID nor a UUID).
 *
 * @throws {ConfigurationError} when the format itself is unusable.
 */
export function encodeVenueKeyWith(key: string, format: KeyFormat, sha256: Sha256): string {
  const problem = formatProblem(format);
  if (problem !== undefined) {
    throw new ConfigurationError({
      path: 'key.format',
      expected: 'a usable key format',
      received: problem,
    });
  }
  const prefix = format.prefix ?? '';
  switch (format.encoding) {
    case 'verbatim':
      return prefix + key;
    case 'uuid':
      return bytesToUuid(ulidToBytes(key) ?? uuidToBytes(key) ?? sha256(key).subarray(0, 16));
    case 'hash':
      return prefix + bitsToCrockford(sha256(key), format.maxLength - prefix.length);
    case 'integer': {
      const digest = sha256(key);
      const value = new DataView(digest.buffer, digest.byteOffset, digest.byteLength).getBigUint64(0) % BigInt(integerCeiling(format));
      return (value + 1n).toString();
    }
  }
}

/**
 * Checks a venue key against `format`, without throwing.
 *
 * Rules, in the order they are tried (the first failure is reported):
 * `minLength N`, `maxLength N`, `prefix P`, `pattern SRC` (or `pattern does not
 * compile`), then for `uuid` encoding `uuid` (dashed 8-4-4-4-12 hex) and for `integer`
 * encoding `integer` (decimal, no sign or leading zero), `integer >= 1` and
 * `integer <= N`. An unusable format is reported as the format problem. Lengths are
 * UTF-16 code units (`string.length`), which never undercounts characters.
 *
 * @returns `undefined` when the key satisfies the format, else the rule that failed.
 */
export function checkVenueKey(venueKey: string, format: KeyFormat): string | undefined {
  const problem = formatProblem(format);
  if (problem !== undefined) return `format: ${problem}`;
  const { minLength = 1, maxLength, prefix = '', pattern } = format;
  if (venueKey.length < minLength) return `minLength ${minLength}`;
  if (venueKey.length > maxLength) return `maxLength ${maxLength}`;
  if (!venueKey.startsWith(prefix)) return `prefix ${prefix}`;
  if (pattern !== undefined) {
    const compiled = compilePattern(pattern);
    if (compiled === null) return 'pattern does not compile';
    if (!compiled.test(venueKey)) return `pattern ${pattern}`;
  }
  if (format.encoding === 'uuid' && !DASHED_UUID.test(venueKey)) return 'uuid';
  if (format.encoding === 'integer') {
    if (!CANONICAL_DECIMAL.test(venueKey)) return venueKey === '0' ? 'integer >= 1' : 'integer';
    const ceiling = integerCeiling(format);
    // Compare as BigInt: a long digit string is beyond double precision.
    if (BigInt(venueKey) > BigInt(ceiling)) return `integer <= ${ceiling}`;
  }
  return undefined;
}

/**
 * Throws unless `venueKey` satisfies `format` (see {@link checkVenueKey} for the rules).
 * Call it before the intent is written, so a key the venue would reject never reaches
 * the ledger or the network.
 *
 * @param venue - the venue profile's name, carried in the error.
 * @throws {KeyFormatError} with `venue` and `rule` set; the message gives the key's
 *   length, not the key.
 */
export function assertVenueKey(venueKey: string, format: KeyFormat, venue: string): void {
  const rule = checkVenueKey(venueKey, format);
  if (rule === undefined) return;
  throw new KeyFormatError({
    venue,
    rule,
    message: `Key (length ${venueKey.length}) does not satisfy ${venue} key format: ${rule}.`,
  });
}
