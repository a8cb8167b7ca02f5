import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_BACKOFF, DEFAULT_MAX_RETRY_AFTER_MS } from '../backoff/index.js';
import { delayOrder } from '../backoff/jitter.js';
import { defaultMaxDelayMs, retryDelayOrder, retryPolicyFields, timerMsSchema, type RetryPolicy } from '../backoff/retry-options.js';
import { ConfigurationError } from '../errors/index.js';
import { systemClock, systemSleep, type Clock, type Sleep } from '../internal/clock.js';
import { createCryptoRandom, type RandomSource } from '../internal/random.js';
import { describeValue, parseOptions } from '../internal/validation.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { LazyFileLedger } from '../stores/file/default-ledger.js';
import { defineVenue } from '../venues/schema.js';
import type { VenueProfile } from '../venues/profile.js';
import { resolveProtection, type ClientProtection } from './protection.js';
import type { IntentClientOptions, IntentEventHandlers, IntentLogger, KeyStrategyOption } from './types.js';

/** Options after validation and defaults. Frozen. */
export interface ResolvedClientOptions extends RetryPolicy {
  readonly venue: VenueProfile;
  readonly ledger: LedgerStore;
  readonly pauseAtUsage: number;
  readonly keyStrategy: KeyStrategyOption;
  readonly keySecret: string | undefined;
  readonly scope: string;
  readonly attemptTimeoutMs: number;
  readonly maxLookups: number;
  readonly leaseMs: number;
  readonly workerId: string;
  readonly clock: Clock;
  readonly sleep: Sleep;
  readonly random: RandomSource;
  readonly on: IntentEventHandlers | undefined;
  readonly parkedBaseDelayMs: number;
  readonly parkedMaxDelayMs: number;
  readonly correlationHeader: string | undefined;
  readonly logger: IntentLogger | undefined;
  /** The retry budget, breaker and limiter of option `protection`; `undefined` when all are off. */
  readonly protection: ClientProtection | undefined;
}

/** Default `retry.pauseAtUsage`: pause at 95 % of a venue limit. */
export const DEFAULT_PAUSE_AT_USAGE = 0.95;

/** Default `parked.baseDelayMs`: the first wait before a parked intent is looked at again (1 min). */
const DEFAULT_PARKED_BASE_DELAY_MS = 60_000;
/** Default `parked.maxDelayMs`: the longest wait between looks at a parked intent (1 h), or the base when larger. */
const defaultParkedMaxDelayMs = (baseDelayMs: number): number => Math.max(3_600_000, baseDelayMs);

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'a function' });
const hasMethods = (names: readonly string[]) =>
  z.custom<object>(
    (v) => typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
    { message: `an object with methods ${names.join(', ')}` },
  );

const retrySchema = z
  .strictObject({ ...retryPolicyFields, pauseAtUsage: z.number().gt(0).max(1).optional() })
  .superRefine(retryDelayOrder);

const optionsSchema = z
  .object({
    venue: z.unknown(),
    ledger: hasMethods(['create', 'get', 'claim', 'transition', 'release', 'listResumable', 'close']).optional(),
    retry: retrySchema.optional(),
    keys: z
      .object({
        strategy: z.enum(['ulid', 'uuidv4', 'uuidv7', 'nanoid', 'derived']).optional(),
        secret: z.string().min(16).optional(),
      })
      .strict()
      .optional(),
    scope: z.string().min(1).max(200).optional(),
    attemptTimeoutMs: timerMsSchema(1).optional(),
    maxLookups: z.number().int().min(0).max(100).optional(),
    leaseMs: timerMsSchema(100).optional(),
    workerId: z.string().min(1).max(200).optional(),
    clock: hasMethods(['now']).optional(),
    sleep: fn.optional(),
    random: hasMethods(['next', 'fill']).optional(),
    on: z
      .object({
        attemptStarted: fn.optional(),
        retryScheduled: fn.optional(),
        outcome: fn.optional(),
        reconcile: fn.optional(),
        warning: fn.optional(),
        rateLimitUsage: fn.optional(),
        intentParked: fn.optional(),
        recoveryStarted: fn.optional(),
        recoveryProgress: fn.optional(),
        recoveryFinished: fn.optional(),
        intentStarted: fn.optional(),
        intentFinished: fn.optional(),
        lookupStarted: fn.optional(),
        lookupFinished: fn.optional(),
        idempotencyConflict: fn.optional(),
        keyExpired: fn.optional(),
        intentResolved: fn.optional(),
        requestHeld: fn.optional(),
        breakerStateChanged: fn.optional(),
        ledger: fn.optional(),
      })
      .strict()
      .optional(),
    parked: z
      .strictObject({ baseDelayMs: timerMsSchema(1).optional(), maxDelayMs: timerMsSchema(1).optional() })
      .superRefine(delayOrder({ baseDelayMs: DEFAULT_PARKED_BASE_DELAY_MS, maxDelayMs: defaultParkedMaxDelayMs }))
      .optional(),
    // An HTTP header name (RFC 9110 token).
    correlationHeader: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" })
      .optional(),
    logger: hasMethods(['debug', 'info', 'warn', 'error']).optional(),
    // Checked by resolveProtection: its parts may be class instances shared between clients.
    protection: z.unknown().optional(),
  })
  .strict();

/**
 * Validates `createIntentClient` options and applies defaults.
 * @throws ConfigurationError naming the option path, what was given and what is expected.
 */
export function resolveClientOptions(input: unknown): ResolvedClientOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigurationError({ path: 'options', expected: 'an options object with at least `venue`', received: describeValue(input) });
  }
  // `retry: 3` is shorthand for `retry: { maxAttempts: 3 }`; normalise it first so a bad
  // field inside the object form is reported by its own path.
  const raw = input as { retry?: unknown };
  const normalised = typeof raw.retry === 'number' ? { ...input, retry: { maxAttempts: raw.retry } } : input;
  const o = parseOptions(optionsSchema, normalised, 'options', { secretPaths: ['keys.secret'] }) as IntentClientOptions;
  if ((input as { venue?: unknown }).venue === undefined) {
    throw new ConfigurationError({ path: 'options.venue', expected: 'a venue profile (e.g. binanceSpot, stripe, or defineVenue({...}))', received: 'undefined' });
  }
  const venue = defineVenue(o.venue);
  const retry = (o.retry ?? {}) as Exclude<IntentClientOptions['retry'], number | undefined>;
  const baseDelayMs = retry.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs;
  const maxDelayMs = retry.maxDelayMs ?? defaultMaxDelayMs(baseDelayMs);
  const keyStrategy = o.keys?.strategy ?? 'ulid';
  const parkedBaseDelayMs = o.parked?.baseDelayMs ?? DEFAULT_PARKED_BASE_DELAY_MS;
  const parkedMaxDelayMs = o.parked?.maxDelayMs ?? defaultParkedMaxDelayMs(parkedBaseDelayMs);
  return Object.freeze({
    venue,
    ledger: o.ledger ?? new LazyFileLedger(),
    maxAttempts: retry.maxAttempts ?? 6,
    jitter: retry.jitter ?? DEFAULT_BACKOFF.jitter,
    baseDelayMs,
    maxDelayMs,
    deadlineMs: retry.deadlineMs ?? 60_000,
    maxRetryAfterMs: retry.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    pauseAtUsage: retry.pauseAtUsage ?? DEFAULT_PAUSE_AT_USAGE,
    keyStrategy,
    keySecret: o.keys?.secret,
    scope: o.scope ?? 'default',
    attemptTimeoutMs: o.attemptTimeoutMs ?? 10_000,
    maxLookups: o.maxLookups ?? 5,
    leaseMs: o.leaseMs ?? 30_000,
    workerId: o.workerId ?? `${hostname()}:${process.pid}:${Math.random().toString(36).slice(2, 10)}`,
    clock: o.clock ?? systemClock,
    sleep: o.sleep ?? systemSleep,
    random: o.random ?? createCryptoRandom(),
    on: o.on,
    parkedBaseDelayMs,
    parkedMaxDelayMs,
    correlationHeader: o.correlationHeader,
    logger: o.logger,
    protection: resolveProtection(o.protection, venue),
  });
}
