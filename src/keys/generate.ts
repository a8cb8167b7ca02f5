import { monotonicFactory } from 'ulid';
import { ConfigurationError } from '../errors/index.js';
import type { Clock } from '../internal/clock.js';
import type { RandomSource } from '../internal/random.js';
import { describeValue } from '../internal/validation.js';
import { bytesToUuid } from './encoding.js';

/**
 * How random intent keys are minted.
 *
 * - `ulid` (default): 26 Crockford base32 characters (`[0-9A-HJKMNP-TV-Z]`), 48-bit
 *   millisecond time then 80 random bits. Sorts by creation time and fits every
 *   venue format we know of, including OKX's alphanumeric-only `clOrdId`.
 * - `uuidv4`: RFC 9562 version 4, lowercase dashed (36 characters), 122 random bits.
 * - `uuidv7`: RFC 9562 version 7, lowercase dashed (36 characters), 48-bit
 *   millisecond time then 74 random bits.
 * - `nanoid`: 21 characters from `A-Za-z0-9_-` (126 random bits). Contains `_` and `-`
 *   about half the time, so it does not fit alphanumeric-only venues verbatim.
 */
export type KeyStrategy = 'ulid' | 'uuidv4' | 'uuidv7' | 'nanoid';

const STRATEGIES: readonly KeyStrategy[] = ['ulid', 'uuidv4', 'uuidv7', 'nanoid'];

/** The largest millisecond timestamp a ULID or UUIDv7 can carry (2^48 - 1). */
const MAX_TIME_MS = 2 ** 48 - 1;

const NANOID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-';
const NANOID_LENGTH = 21;

/**
 * Reads the clock as whole epoch milliseconds that fit 48 bits.
 *
 * The `ulid` factory treats a time of 0 (or NaN) as "use `Date.now()`", which would
 * silently bypass the injected clock, so 0 is rejected here with the other values
 * no key format can encode.
 */
function readTimeMs(clock: Clock): number {
  const raw = clock.now();
  const nowMs = Math.floor(raw);
  if (!(nowMs >= 1 && nowMs <= MAX_TIME_MS)) {
    throw new ConfigurationError({
      path: 'clock',
      expected: `epoch milliseconds in [1, ${MAX_TIME_MS}]`,
      received: describeValue(raw),
    });
  }
  return nowMs;
}

function createUlidGenerator(random: RandomSource, clock: Clock): () => string {
  const factory = monotonicFactory(() => random.next());
  // Within one millisecond (or when the clock steps back) the factory reuses the last
  // time prefix and increments the random part by one, so keys from one generator
  // sort in creation order. The time prefix is then the latest time seen, which may
  // be ahead of `clock.now()` after a backwards step.
  return () => factory(readTimeMs(clock));
}

function createUuidV4Generator(random: RandomSource): () => string {
  // One buffer per generator: the string is built before the next call refills it.
  const bytes = new Uint8Array(16);
  return () => {
    random.fill(bytes);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x40; // version 4 (RFC 9562 section 5.4)
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10
    return bytesToUuid(bytes);
  };
}

function createUuidV7Generator(random: RandomSource, clock: Clock): () => string {
  const bytes = new Uint8Array(16);
  const randomPart = bytes.subarray(6);
  // No sub-millisecond counter (RFC 9562 section 6.2 makes it optional): keys from one
  // millisecond are ordered by their 74 random bits, not by creation. Uniqueness does
  // not depend on the counter.
  return () => {
    const nowMs = readTimeMs(clock);
    // 48-bit big-endian time; split because bitwise operators are 32-bit in JavaScript.
    const high = Math.floor(nowMs / 2 ** 32);
    const low = nowMs >>> 0;
    bytes[0] = high >>> 8;
    bytes[1] = high & 0xff;
    bytes[2] = low >>> 24;
    bytes[3] = (low >>> 16) & 0xff;
    bytes[4] = (low >>> 8) & 0xff;
    bytes[5] = low & 0xff;
    random.fill(randomPart);
    bytes[6] = ((bytes[6] as number) & 0x0f) | 0x70; // version 7 (RFC 9562 section 5.7)
    bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80; // variant 10
    return bytesToUuid(bytes);
  };
}

function createNanoidGenerator(random: RandomSource): () => string {
  const bytes = new Uint8Array(NANOID_LENGTH);
  return () => {
    random.fill(bytes);
    let key = '';
    // 64 symbols: masking to 6 bits maps uniform bytes to uniform symbols (no modulo bias).
    for (let i = 0; i < NANOID_LENGTH; i++) key += NANOID_ALPHABET.charAt((bytes[i] as number) & 63);
    return key;
  };
}

/**
 * Creates a function that returns a fresh random intent key on every call.
 *
 * Call it once per business action, when the intent is created, and keep the key for
 * every retry and restart; never call it per attempt. For a key that can be rebuilt
 * after a lost ledger record, use {@link deriveKey} instead.
 *
 * Keys are only as unguessable as `random`: use `createCryptoRandom()` in production
 * (a venue replays a stored response to anyone presenting the same key). With the
 * buffered crypto source every strategy costs well under 1 µs per key.
 *
 * @param strategy - key shape; see {@link KeyStrategy}. `ulid` is the usual choice.
 * @param random - source of the random bits (`next()` for `ulid`, `fill()` for the others).
 * @param clock - read once per key by `ulid` and `uuidv7` for the 48-bit millisecond
 *   time prefix; ignored by `uuidv4` and `nanoid`.
 * @returns a generator; each generator keeps its own monotonic state (`ulid`).
 * @throws {ConfigurationError} at creation for an unknown strategy; from the generator
 *   when the clock reads outside `[1, 2^48 - 1]` epoch ms (`ulid`, `uuidv7`).
 *
 * @example
 * const nextKey = createKeyGenerator('ulid', createCryptoRandom(), systemClock);
 * const key = nextKey(); // 26 Crockford base32 characters, time-ordered
 */
export function createKeyGenerator(strategy: KeyStrategy, random: RandomSource, clock: Clock): () => string {
  switch (strategy) {
    case 'ulid':
      return createUlidGenerator(random, clock);
    case 'uuidv4':
      return createUuidV4Generator(random);
    case 'uuidv7':
      return createUuidV7Generator(random, clock);
    case 'nanoid':
      return createNanoidGenerator(random);
    default: {
      // Reachable from JavaScript callers and from unvalidated configuration.
      const given: unknown = strategy;
      throw new ConfigurationError({
        path: 'keyStrategy',
        expected: `one of ${STRATEGIES.map((s) => JSON.stringify(s)).join(', ')}`,
        received: describeValue(given),
      });
    }
  }
}
