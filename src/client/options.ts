import { hostname } from 'node:os';
import { z } from 'zod';
import { DEFAULT_BACKOFF, DEFAULT_MAX_RETRY_AFTER_MS, type JitterStrategy } from '../backoff/index.js';
import { ConfigurationError } from '../errors/index.js';
import { systemClock, systemSleep, type Clock, type Sleep } from '../internal/clock.js';
import { createCryptoRandom, type RandomSource } from '../internal/random.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { LazyFileLedger } from '../stores/file/default-ledger.js';
import { defineVenue } from '../venues/schema.js';
import type { VenueProfile } from '../venues/profile.js';
import type { IntentClientOptions, IntentEventHandlers, IntentLogger, KeyStrategyOption } from './types.js';

/** Options after validation and defaults. Frozen. */
export interface ResolvedClientOptions {
  readonly venue: VenueProfile;
  readonly ledger: LedgerStore;
  readonly maxAttempts: number;
  readonly jitter: JitterStrategy;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
  readonly deadlineMs: number;
  readonly maxRetryAfterMs: number;
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
}

/** Default `retry.pauseAtUsage`: pause at 95 % of a venue limit. */
export const DEFAULT_PAUSE_AT_USAGE = 0.95;

const durationMs = (min: number) => z.number().int().min(min).max(2 ** 31 - 1);
const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', { message: 'a function' });
const hasMethods = (names: readonly string[]) =>
  z.custom<object>(
    (v) => typeof v === 'object' && v !== null && names.every((n) => typeof (v as Record<string, unknown>)[n] === 'function'),
    { message: `an object with methods ${names.join(', ')}` },
  );

const retrySchema = z
  .object({
    maxAttempts: z.number().int().min(1).max(1000).optional(),
    jitter: z.enum(['full', 'equal', 'decorrelated', 'none']).optional(),
    baseDelayMs: durationMs(0).optional(),
    maxDelayMs: durationMs(0).optional(),
    deadlineMs: durationMs(1).optional(),
    maxRetryAfterMs: durationMs(0).optional(),
    pauseAtUsage: z.number().gt(0).max(1).optional(),
  })
  .strict();

const optionsSchema = z
  .object({
    venue: z.unknown(),
    ledger: hasMethods(['create', 'get', 'claim', 'transition', 'release', 'listResumable', 'close']).optional(),
    retry: retrySchema.optional(),
    keys: z
      .object({
        strategy: z.enum(['ulid', 'uuidv4', 'uuidv7', 'nanoid', 'derived']).optional(),
        secret: z.string().min(16, 'a string of at least 16 characters').optional(),
      })
      .strict()
      .optional(),
    scope: z.string().min(1).max(200).optional(),
    attemptTimeoutMs: durationMs(1).optional(),
    maxLookups: z.number().int().min(0).max(100).optional(),
    leaseMs: durationMs(100).optional(),
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
        ledger: fn.optional(),
      })
      .strict()
      .optional(),
    parked: z
      .object({ baseDelayMs: durationMs(1).optional(), maxDelayMs: durationMs(1).optional() })
      .strict()
      .optional(),
    // An HTTP header name (RFC 9110 token).
    correlationHeader: z
      .string()
      .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: "an HTTP header name (letters, digits and !#$%&'*+.^_`|~-)" })
      .optional(),
    logger: hasMethods(['debug', 'info', 'warn', 'error']).optional(),
  })
  .strict();

/**
 * Validates `createIntentClient` options and applies defaults.
 * @throws ConfigurationError naming the option path, what was given and what is expected.
 */
export function resolveClientOptions(input: unknown): ResolvedClientOptions {
  if (typeof input !== 'object' || input === null) {
    throw new ConfigurationError({ path: 'options', expected: 'an options object with at least `venue`', received: describe(input) });
  }
  // `retry: 3` is shorthand for `retry: { maxAttempts: 3 }`; normalise it first so a bad
  // field inside the object form is reported by its own path.
  const raw = input as { retry?: unknown };
  const normalised = typeof raw.retry === 'number' ? { ...input, retry: { maxAttempts: raw.retry } } : input;
  const parsed = optionsSchema.safeParse(normalised);
  if (!parsed.success) throw toConfigurationError(parsed.error, normalised, 'options');
  const o = parsed.data as IntentClientOptions;
  if ((input as { venue?: unknown }).venue === undefined) {
    throw new ConfigurationError({ path: 'options.venue', expected: 'a venue profile (e.g. binanceSpot, stripe, or defineVenue({...}))', received: 'undefined' });
  }
  const venue = defineVenue(o.venue);
  const retry = (o.retry ?? {}) as Exclude<IntentClientOptions['retry'], number | undefined>;
  const baseDelayMs = retry.baseDelayMs ?? DEFAULT_BACKOFF.baseDelayMs;
  const maxDelayMs = retry.maxDelayMs ?? Math.max(DEFAULT_BACKOFF.maxDelayMs, baseDelayMs);
  if (maxDelayMs < baseDelayMs) {
    throw new ConfigurationError({
      path: 'options.retry.maxDelayMs',
      expected: `a number >= retry.baseDelayMs (${baseDelayMs})`,
      received: String(maxDelayMs),
    });
  }
  const keyStrategy = o.keys?.strategy ?? 'ulid';
  const parkedBaseDelayMs = o.parked?.baseDelayMs ?? 60_000;
  const parkedMaxDelayMs = o.parked?.maxDelayMs ?? Math.max(3_600_000, parkedBaseDelayMs);
  if (parkedMaxDelayMs < parkedBaseDelayMs) {
    throw new ConfigurationError({ path: 'options.parked.maxDelayMs', expected: `a number >= parked.baseDelayMs (${parkedBaseDelayMs})`, received: String(parkedMaxDelayMs) });
  }
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
  });
}

/** Turns the first zod issue into a ConfigurationError with a dotted path. */
export function toConfigurationError(error: z.ZodError, input: unknown, root: string): ConfigurationError {
  const issue = error.issues[0];
  if (!issue) return new ConfigurationError({ path: root, expected: 'valid options', received: describe(input) });
  const segments = issue.path.map(String);
  let value: unknown = input;
  for (const segment of segments) {
    value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[segment] : undefined;
  }
  const path = [root, ...segments].join('.');
  if (issue.code === 'unrecognized_keys') {
    const keys = (issue as { keys?: string[] }).keys ?? [];
    return new ConfigurationError({
      path: keys.length > 0 ? `${path}.${keys[0]}` : path,
      expected: 'no such option (check the spelling; see the option reference in the README)',
      received: 'an unknown option',
    });
  }
  return new ConfigurationError({ path, expected: expectedFromIssue(issue), received: describe(value), cause: error });
}

function expectedFromIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_small':
      return `a value >= ${String(issue.minimum)}${issue.origin === 'number' ? '' : ` (${issue.origin} length)`}`;
    case 'too_big':
      return `a value <= ${String(issue.maximum)}${issue.origin === 'number' ? '' : ` (${issue.origin} length)`}`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : `a ${issue.expected}`;
    case 'invalid_value':
      return `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
    default:
      return issue.message;
  }
}

/** A short, secret-free description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value);
    case 'string':
      return value.length > 40 ? `a string of length ${value.length}` : JSON.stringify(value);
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return Array.isArray(value) ? `an array of length ${value.length}` : 'an object';
  }
}
