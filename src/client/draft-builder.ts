import { fingerprintOf } from '../internal/canonical-json.js';
import { jsonRoundTrip } from '../internal/clone-data.js';
import { describeValue } from '../internal/validation.js';
import { ConfigurationError } from '../errors/index.js';
import { createKeyDeriver } from '../keys/derive.js';
import { assertVenueKey, createKeyGenerator, encodeVenueKey } from '../keys/index.js';
import type { IntentDraft } from '../ledger/intent.js';
import type { RegisteredOperation } from './operation-registry.js';
import type { ResolvedClientOptions } from './options.js';
import type { CallOptions, KeyStrategyOption } from './types.js';

/**
 * Keys that together use every character and the extreme values each strategy can
 * produce: if all of them fit a venue format after encoding, every generated key does.
 */
const KEY_SAMPLES: Readonly<Record<KeyStrategyOption, readonly string[]>> = {
  ulid: ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '0123456789ABCDEFGHJKMNPQRS'],
  derived: ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '0123456789ABCDEFGHJKMNPQRS'],
  uuidv4: ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff'],
  uuidv7: ['00000000-0000-7000-8000-000000000000', 'ffffffff-ffff-7fff-bfff-ffffffffffff'],
  nanoid: ['ABCDEFGHIJKLMNOPQRSTU', 'VWXYZabcdefghijklmnop', 'qrstuvwxyz0123456789-', '_____________________'],
};

/** Domain-separation secret for deterministic intent ids (not keys). */
const INTENT_ID_SECRET = 'intentkey/intent-id/v1';

/**
 * Builds the intent a call creates (an `IntentDraft`): its id (derived from scope,
 * operation and business id, else random), its key (generated, derived or the caller's),
 * the key encoded and checked for the venue, the input's fingerprint and its storable
 * copy, the key window's end. Writes and sends nothing.
 */
export class DraftBuilder {
  readonly #options: ResolvedClientOptions;
  readonly #generate: (() => string) | undefined;
  /** Intent ids for calls without a business id: random, time-ordered. */
  readonly #newIntentId: () => string;
  // Ids and derived keys come from HMACs under fixed secrets: each secret is prepared once.
  readonly #deriveIntentId: (scope: string, operation: string, businessId: string) => string;
  readonly #deriveIntentKey: ((scope: string, operation: string, businessId: string) => string) | undefined;

  /**
   * @throws ConfigurationError (`options.keys.strategy`) when the key strategy can make
   *   keys the venue's format refuses.
   */
  constructor(options: ResolvedClientOptions) {
    this.#options = options;
    this.#generate = options.keyStrategy === 'derived' ? undefined : createKeyGenerator(options.keyStrategy, options.random, options.clock);
    this.#newIntentId = createKeyGenerator('ulid', options.random, options.clock);
    this.#deriveIntentId = createKeyDeriver(INTENT_ID_SECRET);
    this.#deriveIntentKey = options.keyStrategy === 'derived' ? createKeyDeriver(options.keySecret) : undefined;
    assertStrategyFitsVenue(options);
  }

  /** The intent id a call gets: derived from scope, operation and business id, else random. */
  intentIdFor(op: RegisteredOperation, call: CallOptions): string {
    const scope = call.scope ?? this.#options.scope;
    return call.businessId === undefined ? `${op.name}:${this.#newIntentId()}` : this.#deriveIntentId(scope, op.name, call.businessId);
  }

  /** The fingerprint of a call's input (the operation's `fingerprint` projection, when it has one). */
  fingerprintFor(op: RegisteredOperation, input: unknown): string {
    return fingerprintOf(op.definition.fingerprint ? op.definition.fingerprint(input) : input);
  }

  /**
   * The record a call creates: key generated (or derived, or the caller's), encoded and
   * validated for the venue, input made storable.
   * @throws ConfigurationError for a derived key without a business id, or an input that
   *   is not JSON-serialisable; KeyFormatError when the key cannot fit the venue's format.
   */
  build(op: RegisteredOperation, id: string, input: unknown, fingerprint: string, call: CallOptions): IntentDraft {
    const options = this.#options;
    const scope = call.scope ?? options.scope;
    const generate = this.#generate;
    const derive = this.#deriveIntentKey;
    if (!generate && call.key === undefined && call.businessId === undefined) {
      throw new ConfigurationError({
        path: 'call.businessId',
        expected: "a business id: keys.strategy 'derived' derives the key from it",
        received: 'undefined',
      });
    }
    const key = call.key ?? (generate ? generate() : (derive as NonNullable<typeof derive>)(scope, op.name, call.businessId as string));
    const venueKey = encodeVenueKey(key, options.venue.key.format);
    // Validated before the intent is written, so nothing unsendable ever reaches the ledger.
    assertVenueKey(venueKey, options.venue.key.format, options.venue.name);
    const now = options.clock.now();
    return {
      id,
      scope,
      operation: op.name,
      ...(call.businessId === undefined ? {} : { businessId: call.businessId }),
      venue: options.venue.name,
      key,
      venueKey,
      fingerprint,
      input: toStorable(input, op.name),
      createdAt: now,
      ...expiresAtFor(options, now),
    };
  }
}

/**
 * Fails at construction, not at the first order: a key strategy whose keys can fail this
 * venue's format (e.g. nanoid's '-' and '_' for OKX's alphanumeric ids) is a config bug.
 * Checked on fixed keys spanning each strategy's alphabet and extremes, so the verdict
 * does not depend on which random key happened to be drawn.
 */
function assertStrategyFitsVenue(options: ResolvedClientOptions): void {
  try {
    for (const sample of KEY_SAMPLES[options.keyStrategy]) {
      assertVenueKey(encodeVenueKey(sample, options.venue.key.format), options.venue.key.format, options.venue.name);
    }
  } catch (error) {
    throw new ConfigurationError({
      path: 'options.keys.strategy',
      expected: `a key strategy whose keys fit ${options.venue.name}'s key format`,
      received: describeValue(options.keyStrategy),
      cause: error,
    });
  }
}

/**
 * Checks a call's options (`businessId`, `scope`, `key`, `signal`); by hand, not by a
 * schema, to keep the per-call path cheap.
 * @throws ConfigurationError naming the bad field (`call.<field>`).
 */
export function checkCallOptions(call: CallOptions): void {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `call.${field}`, expected, received: describeValue(value) });
  };
  if (typeof call !== 'object' || call === null) bad('', 'an options object', call);
  if (call.businessId !== undefined && (typeof call.businessId !== 'string' || call.businessId.length === 0 || call.businessId.length > 512)) {
    bad('businessId', 'a non-empty string of at most 512 characters', call.businessId);
  }
  if (call.scope !== undefined && (typeof call.scope !== 'string' || call.scope.length === 0 || call.scope.length > 200)) {
    bad('scope', 'a non-empty string of at most 200 characters', call.scope);
  }
  if (call.key !== undefined && (typeof call.key !== 'string' || call.key.length === 0)) bad('key', 'a non-empty string', call.key);
  if (call.signal !== undefined && !(call.signal instanceof AbortSignal)) bad('signal', 'an AbortSignal', call.signal);
}

/**
 * Dedupe window for a key-store venue, minus a safety margin: past it the venue may
 * have pruned the key, so a resend could execute twice.
 */
function expiresAtFor(options: ResolvedClientOptions, now: number): { expiresAt?: number } {
  const dedupe = options.venue.dedupe;
  if (dedupe.kind !== 'keyStore') return {};
  const margin = Math.min(dedupe.retentionMs * 0.1, 60 * 60 * 1000);
  return { expiresAt: now + dedupe.retentionMs - margin };
}

function toStorable(input: unknown, operation: string): unknown {
  try {
    // Inputs are stored so a restarted process can rebuild the request; they must
    // survive a JSON round trip (the file, Redis and PostgreSQL stores serialise).
    // (jsonRoundTrip: that round trip's result, copied directly when nothing would change.)
    return jsonRoundTrip(input ?? null);
  } catch (cause) {
    throw new ConfigurationError({
      path: `operations.${operation}.input`,
      expected: 'a JSON-serialisable input',
      received: describeValue(input),
      cause,
    });
  }
}
