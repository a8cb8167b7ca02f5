/**
 * The portable key functions (src/keys/portable.ts, what the key designer runs in the
 * command and in a browser) give exactly the client's keys: the same venue key for
 * every shipped venue format and for random formats, the same derived key for random
 * actions and secrets, and the same errors.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import { deriveKey, encodeVenueKey } from '../../../src/keys/index.js';
import { deriveKeyPortable, encodeVenueKeyPortable } from '../../../src/keys/portable.js';
import { VENUE_PROFILES } from '../../../src/venues/index.js';
import type { KeyFormat } from '../../../src/venues/profile.js';

const keys = fc.oneof(
  fc.string({ minLength: 1, maxLength: 60 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.uuid(),
  fc.stringMatching(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/),
);

/** Usable formats of every encoding, with random lengths, prefixes and integer ceilings. */
const formats: fc.Arbitrary<KeyFormat> = fc.oneof(
  fc.record({ encoding: fc.constant('uuid' as const), maxLength: fc.constant(36) }),
  fc
    .record({ maxLength: fc.integer({ min: 2, max: 64 }), prefix: fc.stringMatching(/^[a-z-]{0,4}$/) })
    .filter((f) => f.prefix.length < f.maxLength)
    .map((f) => ({ encoding: 'hash' as const, ...f })),
  fc.record({ encoding: fc.constant('integer' as const), maxLength: fc.integer({ min: 1, max: 19 }), maxInteger: fc.option(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), { nil: undefined }) }).map((f) =>
    f.maxInteger === undefined ? { encoding: f.encoding, maxLength: f.maxLength } : { encoding: f.encoding, maxLength: f.maxLength, maxInteger: f.maxInteger },
  ),
  fc.record({ encoding: fc.constant('verbatim' as const), maxLength: fc.integer({ min: 1, max: 64 }) }),
);

describe('encodeVenueKeyPortable', () => {
  it('gives the client\'s venue key for every shipped venue', () => {
    for (const profile of Object.values(VENUE_PROFILES)) {
      fc.assert(
        fc.property(keys, (key) => encodeVenueKeyPortable(key, profile.key.format) === encodeVenueKey(key, profile.key.format)),
        { numRuns: 100 },
      );
    }
  });

  it('gives the client\'s venue key for random formats of every encoding', () => {
    fc.assert(fc.property(keys, formats, (key, format) => encodeVenueKeyPortable(key, format) === encodeVenueKey(key, format)), { numRuns: 500 });
  });

  it('refuses an unusable format as the client does', () => {
    const bad: KeyFormat = { encoding: 'hash', maxLength: 2, prefix: 'ab' };
    expect(() => encodeVenueKeyPortable('k', bad)).toThrow(ConfigurationError);
    expect(() => encodeVenueKey('k', bad)).toThrow(ConfigurationError);
  });
});

describe('deriveKeyPortable', () => {
  it('gives the client\'s derived key for random actions, with and without a secret', () => {
    const part = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(part, part, part.filter((s) => s.length > 0), fc.option(fc.oneof(fc.string({ minLength: 1, maxLength: 100 }), fc.uint8Array({ minLength: 1, maxLength: 100 })), { nil: undefined }), (scope, operation, businessId, secret) => {
        const input = secret === undefined ? { scope, operation, businessId } : { scope, operation, businessId, secret };
        return deriveKeyPortable(input) === deriveKey(input);
      }),
      { numRuns: 500 },
    );
  });

  it('refuses what the client refuses, with the same error and no secret in it', () => {
    const secret = 'a-secret-value-that-must-not-leak';
    for (const input of [
      { scope: 's', operation: 'o', businessId: '' },
      { scope: 's', operation: 'o', businessId: 'b', secret: '' },
      { scope: 's', operation: 7 as unknown as string, businessId: 'b', secret },
    ]) {
      let portable: unknown;
      let node: unknown;
      try {
        deriveKeyPortable(input);
      } catch (error) {
        portable = error;
      }
      try {
        deriveKey(input);
      } catch (error) {
        node = error;
      }
      expect(portable).toBeInstanceOf(ConfigurationError);
      expect((portable as Error).message).toBe((node as Error).message);
      expect((portable as Error).message).not.toContain(secret);
    }
  });
});
