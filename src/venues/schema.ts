import { z } from 'zod';
import { parseOptions } from '../internal/validation.js';
import type {
  DedupeSpec,
  ErrorRule,
  KeyFormat,
  KeyEcho,
  HeaderMatch,
  KeySpec,
  LookupMatch,
  LookupSpec,
  PublishedLimit,
  RequestWindowSpec,
  ScanSpec,
  RateLimitSpec,
  ReconcileSpec,
  ResponseSpec,
  UsageHeaderSpec,
  VenueAbout,
  VenueProfile,
} from './profile.js';

/** Longest key any venue we know of accepts is 255; 1024 leaves room without inviting abuse. */
const MAX_KEY_LENGTH = 1024;
/** A dashed UUID (8-4-4-4-12) is 36 characters. */
const UUID_LENGTH = 36;

const nonEmptyString = z.string().min(1);
// zod 4 numbers already reject NaN and ±Infinity.
const durationMs = z.number().min(0);
const stringList = z.array(z.string()).readonly();

/** A regular expression source that compiles with exactly the flags the library uses. */
function regexSource(flags: '' | 'i', what: string) {
  return z.string().superRefine((source, ctx) => {
    try {
      new RegExp(source, flags);
    } catch {
      ctx.addIssue({
        code: 'custom',
        message: `${what} that compiles as a JavaScript RegExp${flags === '' ? ' without flags' : ` with the "${flags}" flag`}`,
      });
    }
  });
}

const keyFormatSchema = z
  .strictObject({
    encoding: z.enum(['verbatim', 'uuid', 'hash', 'integer']),
    // Compiled without flags, like the key code does: the `u` flag would reject escapes
    // such as `\:` that venues publish (Binance USD-M's `^[\.A-Z\:/a-z0-9_-]{1,36}$`).
    pattern: regexSource('', 'a regular expression').exactOptional(),
    minLength: z.int().min(0).max(MAX_KEY_LENGTH).exactOptional(),
    maxLength: z.int().min(1).max(MAX_KEY_LENGTH),
    prefix: z.string().exactOptional(),
    maxInteger: z.int().min(1).max(Number.MAX_SAFE_INTEGER).exactOptional(),
  })
  .readonly()
  .superRefine((format, ctx) => {
    const minLength = format.minLength ?? 1;
    const prefix = format.prefix ?? '';
    if (minLength > format.maxLength) {
      ctx.addIssue({ code: 'custom', path: ['minLength'], message: `minLength <= maxLength (${format.maxLength})` });
    }
    if (prefix.length >= format.maxLength) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: `a prefix shorter than maxLength (${format.maxLength})` });
    }
    if (prefix !== '' && (format.encoding === 'uuid' || format.encoding === 'integer')) {
      ctx.addIssue({ code: 'custom', path: ['prefix'], message: `no prefix with ${format.encoding} encoding` });
    }
    if (format.encoding === 'uuid') {
      if (format.maxLength < UUID_LENGTH) {
        ctx.addIssue({ code: 'custom', path: ['maxLength'], message: `maxLength >= ${UUID_LENGTH} for uuid encoding` });
      }
      if (minLength > UUID_LENGTH) {
        ctx.addIssue({ code: 'custom', path: ['minLength'], message: `minLength <= ${UUID_LENGTH} for uuid encoding` });
      }
    }
    if (format.encoding === 'integer') {
      if (format.maxInteger === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['maxInteger'],
          message: `an integer in [1, ${Number.MAX_SAFE_INTEGER}] for integer encoding`,
        });
      } else if (String(format.maxInteger).length > format.maxLength) {
        ctx.addIssue({ code: 'custom', path: ['maxInteger'], message: `at most maxLength (${format.maxLength}) digits` });
      }
    }
  });

const keySpecSchema = z
  .strictObject({
    placement: z.enum(['header', 'body', 'query']),
    field: nonEmptyString,
    format: keyFormatSchema,
    valueType: z.enum(['string', 'number']).exactOptional(),
    echo: z.strictObject({ placement: z.enum(['body', 'query']), field: nonEmptyString }).readonly().exactOptional(),
  })
  .readonly()
  .superRefine((key, ctx) => {
    if (key.valueType !== 'number') return;
    if (key.format.encoding !== 'integer') {
      ctx.addIssue({ code: 'custom', path: ['valueType'], message: '"string" unless format.encoding is "integer" (only an integer key can be a JSON number)' });
    } else if (key.placement !== 'body') {
      ctx.addIssue({ code: 'custom', path: ['valueType'], message: '"string" unless placement is "body" (a header or query carries text)' });
    }
  });

const dedupeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('keyStore'), retentionMs: durationMs, stores: z.enum(['all', 'successes']).exactOptional() }).readonly(),
    z.strictObject({ kind: z.literal('openOrders') }).readonly(),
    z.strictObject({ kind: z.literal('none') }).readonly(),
  ],
  { error: 'kind "keyStore" (with retentionMs), "openOrders" or "none"' },
);

/** A dotted path such as `result.list` or `data.0.sCode`: non-empty segments. */
const dottedPath = z.string().regex(/^[^.]+(\.[^.]+)*$/, { error: 'a dotted path such as "result.list"' });

const lookupSchema = z
  .strictObject({
    method: z.enum(['GET', 'POST']),
    path: z.string().regex(/^\//, { error: 'a path starting with "/"' }),
    keyIn: z.enum(['query', 'body', 'path']),
    keyParam: nonEmptyString.exactOptional(),
    copyParams: z.array(nonEmptyString).readonly().exactOptional(),
    foundPath: dottedPath.exactOptional(),
    valueFrom: dottedPath.exactOptional(),
    match: z.lazy(() => lookupMatchSchema).exactOptional(),
    note: z.string().exactOptional(),
  })
  .readonly()
  .superRefine((lookup, ctx) => {
    const hasPlaceholder = lookup.path.includes('{key}');
    if (lookup.keyIn === 'path' && !hasPlaceholder) {
      ctx.addIssue({ code: 'custom', path: ['path'], message: 'a path containing the "{key}" placeholder when keyIn is "path"' });
    }
    if (lookup.keyIn !== 'path' && hasPlaceholder) {
      ctx.addIssue({ code: 'custom', path: ['keyIn'], message: '"path" when the path contains "{key}"' });
    }
    if (lookup.keyIn !== 'path' && lookup.keyParam === undefined) {
      ctx.addIssue({ code: 'custom', path: ['keyParam'], message: `the parameter name holding the key when keyIn is "${lookup.keyIn}" (required)` });
    }
  });

const lookupMatchSchema = z.strictObject({ itemsPath: dottedPath, keyPath: dottedPath }).readonly();

const scanSchema = z
  .strictObject({
    path: z.string().regex(/^\//, { error: 'a path starting with "/"' }),
    createdSinceParam: nonEmptyString,
    createdSinceUnit: z.enum(['seconds', 'milliseconds']),
    createdSinceMarginMs: durationMs.exactOptional(),
    itemsPath: dottedPath,
    matchPath: dottedPath,
    limitParam: nonEmptyString,
    limit: z.int().min(1).max(1000),
    cursorParam: nonEmptyString,
    cursorPath: dottedPath,
    hasMorePath: dottedPath,
    maxPages: z.int().min(1).max(1000).exactOptional(),
    consistent: z.boolean(),
    note: z.string().exactOptional(),
  })
  .readonly();

const requestWindowSchema = z
  .strictObject({
    in: z.enum(['query', 'body', 'header']),
    field: nonEmptyString,
    defaultMs: durationMs,
    maxMs: durationMs.exactOptional(),
    aheadMs: durationMs,
    note: z.string().exactOptional(),
  })
  .readonly()
  .superRefine((window, ctx) => {
    if (window.maxMs !== undefined && window.defaultMs > window.maxMs) {
      ctx.addIssue({ code: 'custom', path: ['defaultMs'], message: `defaultMs <= maxMs (${window.maxMs})` });
    }
  });

const reconcileSchema = z
  .strictObject({
    notFoundIsAuthoritative: z.boolean(),
    settleDelayMs: durationMs,
    findableForMs: durationMs.exactOptional(),
    notFoundCodes: stringList.exactOptional(),
    lookup: lookupSchema.exactOptional(),
    scan: scanSchema.exactOptional(),
    fallbackLookups: z.array(lookupSchema).readonly().exactOptional(),
    requestWindow: requestWindowSchema.exactOptional(),
  })
  .readonly()
  .superRefine((reconcile, ctx) => {
    if (reconcile.fallbackLookups !== undefined && reconcile.fallbackLookups.length > 0 && reconcile.lookup === undefined) {
      ctx.addIssue({ code: 'custom', path: ['fallbackLookups'], message: 'no fallback lookups without a lookup (they run after it)' });
    }
  });

const responseSchema = z
  .strictObject({
    codePaths: stringList,
    messagePaths: stringList,
    successCodes: stringList,
    replayedHeader: z.lazy(() => headerName).exactOptional(),
    shouldRetryHeader: z.lazy(() => headerName).exactOptional(),
  })
  .readonly();

const timeUnit = z.enum(['seconds', 'milliseconds', 'epochSeconds', 'epochMilliseconds']);
/** HTTP header names are tokens (RFC 9110 §5.1). */
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { error: 'an HTTP header name (letters, digits and !#$%&\'*+.^_`|~-)' });

const usageHeaderSchema = z
  .strictObject({
    header: headerName,
    reports: z.enum(['used', 'remaining']),
    limit: z.number().positive().exactOptional(),
    limitHeader: headerName.exactOptional(),
    resetHeader: headerName.exactOptional(),
    resetUnit: timeUnit.exactOptional(),
    windowMs: z.number().positive().exactOptional(),
    note: z.string().exactOptional(),
  })
  .readonly()
  .superRefine((usage, ctx) => {
    if (usage.limit === undefined && usage.limitHeader === undefined && usage.reports === 'used') {
      ctx.addIssue({ code: 'custom', path: ['limit'], message: 'a limit or a limitHeader when the header reports usage (a count alone says nothing about headroom)' });
    }
  });

const publishedLimitSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,39}$/, 'a short id: lowercase letters, digits, ".", "_" or "-", at most 40 characters'),
    limit: z.number().positive(),
    windowMs: z.int().positive(),
    unit: z.enum(['weight', 'requests', 'orders']),
    per: z.enum(['ip', 'account']),
    writeCost: z.number().min(0).exactOptional(),
    readCost: z.number().min(0).exactOptional(),
    usageHeader: headerName.exactOptional(),
    note: z.string().exactOptional(),
  })
  .readonly();

const rateLimitSchema = z
  .strictObject({
    retryAfterHeaders: z.array(headerName).readonly(),
    retryAfterUnit: timeUnit.exactOptional(),
    retryAfterMessage: z
      .strictObject({
        pattern: regexSource('i', 'a regular expression with one capture group').refine((source) => capturingGroups(source) >= 1, {
          error: 'a regular expression with at least one capture group (the number)',
        }),
        unit: timeUnit,
      })
      .readonly()
      .exactOptional(),
    usage: z.array(usageHeaderSchema).readonly().exactOptional(),
    limits: z
      .array(publishedLimitSchema)
      .readonly()
      .exactOptional()
      .superRefine((limits, ctx) => {
        const seen = new Set<string>();
        for (const [index, limit] of (limits ?? []).entries()) {
          if (seen.has(limit.id)) ctx.addIssue({ code: 'custom', path: [index, 'id'], message: `a unique id (${limit.id} is used twice)` });
          seen.add(limit.id);
        }
      }),
  })
  .readonly()
  .superRefine((rateLimit, ctx) => {
    // A limit names the usage header that reports its counter; one the profile does not
    // read would leave the limiter without the venue's own count, silently.
    const usageHeaders = (rateLimit.usage ?? []).map((usage) => usage.header.toLowerCase());
    const listed = usageHeaders.length === 0 ? 'none is listed' : usageHeaders.join(', ');
    for (const [index, limit] of (rateLimit.limits ?? []).entries()) {
      const header = limit.usageHeader;
      if (header === undefined) continue;
      if (header !== header.toLowerCase()) {
        ctx.addIssue({ code: 'custom', path: ['limits', index, 'usageHeader'], message: `a lowercase header name ("${header.toLowerCase()}")` });
      } else if (!usageHeaders.includes(header)) {
        ctx.addIssue({
          code: 'custom',
          path: ['limits', index, 'usageHeader'],
          message: `one of the headers in rateLimit.usage (${listed}); a limit can only name a usage header the profile reads (replacing rateLimit.usage means giving rateLimit.limits too)`,
        });
      }
    }
  });

const aboutSchema = z
  .strictObject({
    title: nonEmptyString,
    sources: z.array(nonEmptyString).readonly(),
    unverified: z.array(nonEmptyString).readonly().exactOptional(),
  })
  .readonly();

const httpStatus = z.int().min(100).max(599);

const headerMatchSchema = z.strictObject({ name: z.lazy(() => headerName), value: regexSource('i', 'a regular expression').exactOptional() }).readonly();

const errorRuleSchema = z
  .strictObject({
    match: z
      .strictObject({
        status: z
          .union([httpStatus, z.array(httpStatus).min(1).readonly(), z.enum(['1xx', '2xx', '3xx', '4xx', '5xx'])], {
            error: 'an HTTP status (100-599), a non-empty list of them, or a class "1xx".."5xx"',
          })
          .exactOptional(),
        code: z
          .union([nonEmptyString, z.array(nonEmptyString).min(1).readonly()], {
            error: 'a non-empty code string or a non-empty list of them',
          })
          .exactOptional(),
        codePrefix: z
          .union([nonEmptyString, z.array(nonEmptyString).min(1).readonly()], {
            error: 'a non-empty code prefix or a non-empty list of them',
          })
          .exactOptional(),
        message: regexSource('i', 'a regular expression').exactOptional(),
        header: headerMatchSchema.exactOptional(),
      })
      .readonly()
      .superRefine((match, ctx) => {
        if (match.code !== undefined && match.codePrefix !== undefined) {
          ctx.addIssue({ code: 'custom', path: ['codePrefix'], message: 'either code or codePrefix, not both' });
        }
      }),
    outcome: z.enum(['success', 'retry', 'rateLimited', 'resign', 'unknown', 'conflictInProgress', 'conflictDuplicate', 'fatal']),
    scope: z.enum(['request', 'venue']).exactOptional(),
    waitMs: durationMs.exactOptional(),
    waitHeaders: z.array(z.lazy(() => headerName)).readonly().exactOptional(),
    waitUnit: z.lazy(() => timeUnit).exactOptional(),
    note: z.string().exactOptional(),
    unverified: z.boolean().exactOptional(),
  })
  .readonly();

/**
 * Zod schema of a {@link VenueProfile}. Unknown fields are rejected at every level, so
 * a misspelt option (`settleDelay`) fails loudly instead of being ignored. Beyond the
 * types it checks: non-empty `name` and `key.field`; `key.format.maxLength` in
 * 1..1024 and `minLength <= maxLength`; a prefix shorter than `maxLength` (and none
 * with `uuid`/`integer`); `uuid` needs `maxLength >= 36`; `integer` needs `maxInteger`
 * in `[1, Number.MAX_SAFE_INTEGER]` with at most `maxLength` digits; every regular
 * expression compiles with the flags the library uses (none for the key pattern, `i`
 * for rule messages); durations are finite and `>= 0`; statuses are 100-599;
 * `rateLimit.limits` ids are unique, and a limit's `usageHeader` is lowercase and one of
 * the `rateLimit.usage` headers.
 *
 * Prefer {@link defineVenue}, which also freezes the result and throws
 * `ConfigurationError`.
 */
export const venueProfileSchema = z
  .strictObject({
    name: nonEmptyString,
    kind: z.enum(['exchange', 'payment', 'generic']),
    key: keySpecSchema,
    dedupe: dedupeSchema,
    reconcile: reconcileSchema,
    response: responseSchema,
    rateLimit: rateLimitSchema,
    errors: z.array(errorRuleSchema).readonly(),
    about: aboutSchema.exactOptional(),
  })
  .readonly();

// The schema and the hand-written interfaces must describe exactly the same data: a
// field added to one and not the other fails type-checking here.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the type-identity idiom needs the lone T
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
export type _SchemaMatchesProfile = [
  Assert<Equals<z.output<typeof keyFormatSchema>, KeyFormat>>,
  Assert<Equals<z.output<typeof keySpecSchema>, KeySpec>>,
  Assert<Equals<z.output<typeof dedupeSchema>, DedupeSpec>>,
  Assert<Equals<z.output<typeof reconcileSchema>, ReconcileSpec>>,
  Assert<Equals<z.output<typeof responseSchema>, ResponseSpec>>,
  Assert<Equals<z.output<typeof rateLimitSchema>, RateLimitSpec>>,
  Assert<Equals<z.output<typeof errorRuleSchema>, ErrorRule>>,
  Assert<Equals<z.output<typeof lookupSchema>, LookupSpec>>,
  Assert<Equals<z.output<typeof scanSchema>, ScanSpec>>,
  Assert<Equals<z.output<typeof requestWindowSchema>, RequestWindowSpec>>,
  Assert<Equals<z.output<typeof headerMatchSchema>, HeaderMatch>>,
  Assert<Equals<z.output<typeof lookupMatchSchema>, LookupMatch>>,
  Assert<Equals<z.output<typeof usageHeaderSchema>, UsageHeaderSpec>>,
  Assert<Equals<z.output<typeof publishedLimitSchema>, PublishedLimit>>,
  Assert<Equals<z.output<typeof aboutSchema>, VenueAbout>>,
  Assert<Equals<z.output<typeof venueProfileSchema>, VenueProfile>>,
];

/**
 * Validates a venue profile and returns a deep-frozen copy (later changes to the
 * argument do not reach it).
 *
 * @example
 * const myVenue = defineVenue({
 *   name: 'my-exchange', kind: 'exchange',
 *   key: { placement: 'body', field: 'clientOrderId', format: { encoding: 'verbatim', maxLength: 36 } },
 *   dedupe: { kind: 'openOrders' },
 *   reconcile: { notFoundIsAuthoritative: false, settleDelayMs: 0 },
 *   response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: ['0'] },
 *   rateLimit: { retryAfterHeaders: ['retry-after'] },
 *   errors: [{ match: { code: '1001' }, outcome: 'retry', note: 'busy, not processed' }],
 * });
 *
 * @throws {ConfigurationError} for the first bad field: `path` is its dotted path
 *   (`venue.key.format.maxLength`, `venue.errors.3.match.message`), `expected` the
 *   constraint, `received` a short description of the value given.
 */
export function defineVenue(profile: unknown): VenueProfile {
  return deepFreeze(parseOptions(venueProfileSchema, profile, 'venue'));
}

/** Changes {@link extendVenue} can make to a profile. */
export interface VenueOverrides {
  /** New name; keep it unique, it is recorded in the ledger. @default the base name */
  readonly name?: string;
  /** Rules tried **before** the base profile's rules, so they override them. */
  readonly errors?: readonly ErrorRule[];
  /** Shallow-merged over `base.key`; `format` is merged one level deeper; `echo: null` removes the echo. */
  readonly key?: Partial<Omit<KeySpec, 'format' | 'echo'>> & { readonly format?: Partial<KeyFormat>; readonly echo?: KeyEcho | null };
  /** Replaces `base.dedupe`. */
  readonly dedupe?: DedupeSpec;
  /** Shallow-merged over `base.reconcile`; `lookup: null` or `scan: null` removes that lookup. */
  readonly reconcile?: Partial<Omit<ReconcileSpec, 'lookup' | 'scan'>> & { readonly lookup?: LookupSpec | null; readonly scan?: ScanSpec | null };
  /** Shallow-merged over `base.response`. */
  readonly response?: Partial<ResponseSpec>;
  /**
   * Shallow-merged over `base.rateLimit`. A base limit names the usage header of its
   * counter (`limits[].usageHeader`), so replacing `usage` with a list that drops that
   * header is refused unless `limits` is replaced too.
   */
  readonly rateLimit?: Partial<RateLimitSpec>;
}

/**
 * A new profile based on `base`: the override's error rules go first (so they win),
 * the other sections are shallow-merged, and the result is validated again with
 * {@link defineVenue}.
 *
 * @example
 * // Stripe, but treat lock_timeout as a plain retry and keep keys 48 h.
 * const myStripe = extendVenue(stripe, {
 *   errors: [{ match: { code: 'lock_timeout' }, outcome: 'retry' }],
 *   dedupe: { kind: 'keyStore', retentionMs: 48 * 3_600_000 },
 * });
 *
 * @throws {ConfigurationError} when the merged profile is invalid.
 */
export function extendVenue(base: VenueProfile, overrides: VenueOverrides): VenueProfile {
  return defineVenue({
    ...base,
    name: overrides.name ?? base.name,
    key: withoutNulls({
      ...base.key,
      ...overrides.key,
      format: { ...base.key.format, ...overrides.key?.format },
    }),
    dedupe: overrides.dedupe ?? base.dedupe,
    reconcile: withoutNulls({ ...base.reconcile, ...overrides.reconcile }),
    response: { ...base.response, ...overrides.response },
    rateLimit: { ...base.rateLimit, ...overrides.rateLimit },
    errors: [...(overrides.errors ?? []), ...base.errors],
  });
}

/** The object without its `null` fields: how an override removes an optional section. */
function withoutNulls<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], null> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null)) as { [K in keyof T]: Exclude<T[K], null> };
}

/** Number of capturing groups in a (valid) regular expression source. */
function capturingGroups(source: string): number {
  try {
    return (new RegExp(`${source}|`, 'i').exec('')?.length ?? 1) - 1;
  } catch {
    return 0;
  }
}

/** Freezes `value` and everything reachable from it, in place; returns it. */
export function deepFreeze<T>(value: T, seen: WeakSet<object> = new WeakSet()): T {
  if (typeof value !== 'object' || value === null || seen.has(value)) return value;
  seen.add(value);
  Object.freeze(value);
  for (const key of Reflect.ownKeys(value)) deepFreeze((value as Record<PropertyKey, unknown>)[key], seen);
  return value;
}
