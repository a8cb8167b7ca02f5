/**
 * The public surface, written down: the run-time names of every entry point. A change
 * here is a change users see, so it must be deliberate (and go in CHANGELOG.md). Type
 * names are not listed (they do not exist at run time); the consumer checks of
 * scripts/check-consumers.mjs compile against the published declarations.
 */
import { describe, expect, it } from 'vitest';

const ENTRIES: Record<string, () => Promise<Record<string, unknown>>> = {
  intentkey: () => import('../../src/index.js'),
  'intentkey/ledger': () => import('../../src/ledger/index.js'),
  'intentkey/stores/file': () => import('../../src/stores/file/index.js'),
  'intentkey/stores/postgres': () => import('../../src/stores/postgres/index.js'),
  'intentkey/stores/redis': () => import('../../src/stores/redis/index.js'),
};

const EXPECTED: Record<string, readonly string[]> = {
  intentkey: [
    // client
    'createIntentClient', 'resolveIntent',
    // errors, one guard per class
    'AmbiguousOutcomeError', 'ConfigurationError', 'IntentBusyError', 'IntentConflictError', 'IntentError', 'KeyFormatError',
    'LedgerCorruptError', 'LedgerError', 'LedgerLeaseLostError', 'LedgerLockedError', 'LedgerTransitionError', 'LedgerUnavailableError',
    'RetriesExhaustedError', 'VenueRejectedError',
    'isAmbiguousOutcomeError', 'isConfigurationError', 'isIntentBusyError', 'isIntentConflictError', 'isIntentError', 'isKeyFormatError',
    'isLedgerCorruptError', 'isLedgerError', 'isLedgerLeaseLostError', 'isLedgerLockedError', 'isLedgerTransitionError', 'isLedgerUnavailableError',
    'isRetriesExhaustedError', 'isVenueRejectedError',
    'CircuitOpenError', 'isCircuitOpenError',
    // protection
    'CircuitBreaker', 'LocalRateLimiter', 'RetryBudget',
    // stores
    'FileLedger', 'MemoryLedger',
    // venues
    'defineVenue', 'extendVenue', 'GENERIC_RULES', 'genericVenue', 'ietfIdempotencyKey', 'VENUE_PROFILES',
    'adyen', 'binanceSpot', 'binanceUsdm', 'bitfinex', 'braintree', 'bybit', 'checkoutCom', 'coinbase', 'deribit', 'gate',
    'kraken', 'kucoin', 'okx', 'paypal', 'square', 'stripe',
    // pure decisions
    'checkVenueKey', 'classifyResponse', 'classifyTransport', 'computeBackoffDelay', 'createKeyGenerator', 'deriveKey',
    'encodeVenueKey', 'parseRetryAfter', 'planRetry', 'readRateLimitUsage',
  ],
  'intentkey/ledger': ['INTENT_STATUSES', 'isAllowedTransition', 'RESUMABLE_STATUSES', 'TERMINAL_STATUSES'],
  'intentkey/stores/file': ['FileLedger'],
  'intentkey/stores/postgres': ['DEFAULT_TABLE', 'PostgresLedger'],
  'intentkey/stores/redis': ['RedisLedger', 'RedisRateLimiter'],
};

describe('public API', () => {
  for (const [entry, load] of Object.entries(ENTRIES)) {
    it(`${entry} exports exactly the documented run-time names`, async () => {
      const names = Object.keys(await load()).sort();
      expect(names).toEqual([...(EXPECTED[entry] ?? [])].sort());
    });
  }

  it('exposes no schema object, internal helper or default-ledger plumbing from the root', async () => {
    const root = await import('../../src/index.js');
    for (const internal of ['venueProfileSchema', 'LazyFileLedger', 'DEFAULT_LEDGER_DIR', 'systemClock', 'systemSleep', 'createCryptoRandom', 'isAllowedTransition']) {
      expect(Object.keys(root)).not.toContain(internal);
    }
  });
});
