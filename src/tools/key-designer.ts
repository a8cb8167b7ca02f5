/**
 * The key designer behind `intentkey key`: mint intent keys with any strategy, show each
 * one as a venue receives it (encoded, checked against the venue's format, placed in
 * the request), decode the time a ULID or UUIDv7 carries, and write an operation's
 * idempotency contract as Markdown.
 *
 * Pure: randomness and time are injected, nothing is read or written. Key generation,
 * derivation and venue encoding are the library's own (`src/keys`), so a key shown here
 * is exactly the key a client with the same settings would send. Derivation and the
 * hashing venue encodings run through src/keys/portable.ts (the same code with a SHA-256
 * of its own instead of `node:crypto`), so this module also runs in a browser: the docs
 * site's key playground calls it unchanged.
 */
import { ConfigurationError } from '../errors/index.js';
import type { RandomSource } from '../internal/random.js';
import { describeValue } from '../internal/validation.js';
import { ulidToBytes, uuidToBytes } from '../keys/encoding.js';
import { createKeyGenerator } from '../keys/generate.js';
import { deriveKeyPortable as deriveKey, encodeVenueKeyPortable as encodeVenueKey } from '../keys/portable.js';
import { checkVenueKey } from '../keys/venue-key-format.js';
import type { DedupeSpec, ErrorRule, KeyFormat, KeySpec, VenueProfile } from '../venues/profile.js';
import { GENERIC_RULES } from '../venues/generic.js';
import { VENUE_PROFILES } from '../venues/registry.js';

/** Key strategies the designer knows: the four random ones and `derived` (HMAC of the action). */
export type DesignStrategy = 'ulid' | 'uuidv4' | 'uuidv7' | 'nanoid' | 'derived';

/** Every {@link DesignStrategy}, in the order the help text lists them. */
export const DESIGN_STRATEGIES: readonly DesignStrategy[] = Object.freeze(['ulid', 'uuidv4', 'uuidv7', 'nanoid', 'derived']);

/** The most keys one {@link designKeys} call mints or checks. */
export const MAX_DESIGN_COUNT = 1000;

/**
 * Shortest secret accepted for `derived` keys, in characters: the client's
 * `keys.secret` option refuses anything shorter, so the designer does too.
 */
export const MIN_DERIVE_SECRET_LENGTH = 16;

/**
 * How long the shipped ledgers (file, PostgreSQL, Redis) keep a finished intent by
 * default, in ms (their `retentionMs` option): 7 days.
 */
export const DEFAULT_LEDGER_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** Operation names the client accepts (`client.operation(name, ...)`). */
export const OPERATION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** What a `derived` key is computed from. */
export interface DerivedKeyInputs {
  /**
   * HMAC key. Never returned, never part of any result or error message. At least
   * {@link MIN_DERIVE_SECRET_LENGTH} characters.
   */
  readonly secret: string;
  /** Who the action belongs to (account, tenant). */
  readonly scope: string;
  /** The operation name, as registered with `client.operation`. */
  readonly operation: string;
  /** The caller's own id of this one action. Must not be empty. */
  readonly businessId: string;
}

/** What to design. */
export interface DesignKeysOptions {
  /** Key strategy. Ignored when `keys` is given. @default 'ulid' */
  readonly strategy?: DesignStrategy;
  /**
   * How many keys to mint, 1 to {@link MAX_DESIGN_COUNT}. `derived` gives the same key
   * for the same inputs, so it allows only 1. Ignored when `keys` is given. @default 1
   */
  readonly count?: number;
  /** Show each key as this venue receives it and check it against the venue's format. @default none */
  readonly venue?: VenueProfile;
  /** Required with `strategy: 'derived'`, ignored otherwise. */
  readonly derived?: DerivedKeyInputs;
  /**
   * Keys you already have (e.g. your own order ids) to check instead of minting new
   * ones; 1 to {@link MAX_DESIGN_COUNT} of them. @default none
   */
  readonly keys?: readonly string[];
}

/** The injected sources of randomness and time. */
export interface DesignEnvironment {
  /** Random bits for the random strategies (a CSPRNG in production). */
  readonly random: RandomSource;
  /** Current time, epoch ms: the time a ULID or UUIDv7 carries. */
  readonly now: number;
}

/** Result of checking a venue key against the venue's format. */
export type KeyCheck = { readonly ok: true } | { readonly ok: false; readonly rule: string };

/** The creation time a ULID or UUIDv7 carries in its first 48 bits. */
export interface DecodedTimestamp {
  /** Epoch milliseconds. */
  readonly ms: number;
  /** The same instant as an ISO 8601 UTC string. */
  readonly iso: string;
  /** Which layout it was read from. */
  readonly from: 'ulid' | 'uuidv7';
}

/** One place the venue key is written in a request, spelled out. */
export interface KeyPlacementLine {
  /** Header, query parameter or body field. */
  readonly in: 'header' | 'query' | 'body';
  /** The name the venue profile gives (dotted for a nested body field). */
  readonly field: string;
  /**
   * Exactly how the key appears: a header line (`Idempotency-Key: <key>`), a query
   * parameter (`newClientOrderId=<key>`, URL-encoded) or a JSON body fragment
   * (`{"orderLinkId":"<key>"}`).
   */
  readonly text: string;
  /** For a body field: how it appears in a form-encoded body (`metadata[intentkey_key]=<key>`). */
  readonly form?: string;
}

/** Where and how the venue key travels with every send. */
export interface KeyPlacement extends KeyPlacementLine {
  /** JSON type of the key in a JSON body (`number` for Bitfinex `cid`). */
  readonly valueType: 'string' | 'number';
  /** A second place the same venue key is written (Stripe's `metadata.intentkey_key`). */
  readonly echo?: KeyPlacementLine;
}

/** One designed key. */
export interface DesignedKey {
  /** The intent key (stored in the ledger). */
  readonly key: string;
  /** The key as the venue receives it (after the venue's encoding); the intent key when no venue was given. */
  readonly venueKey: string;
  /** The venue format check; `null` when no venue was given. */
  readonly check: KeyCheck | null;
  /** The time in a ULID or UUIDv7 key; `null` for other keys (a derived key's bits carry no time). */
  readonly timestamp: DecodedTimestamp | null;
  /** Where the venue key travels; `null` when no venue was given. */
  readonly http: KeyPlacement | null;
}

/** A venue as the designer describes it. */
export interface DesignVenue {
  /** Profile name, e.g. `binance-spot`. */
  readonly name: string;
  /** Display name, e.g. `Binance spot`. */
  readonly title: string;
  /** The venue's key format, as in the profile. */
  readonly format: KeyFormat;
  /** The format in words, e.g. `verbatim, 1-36 chars, pattern ^[A-Za-z0-9_-]{1,36}$`. */
  readonly formatText: string;
}

/** What {@link designKeys} returns. */
export interface KeyDesign {
  /** The strategy used, or `given` when keys were supplied to be checked. */
  readonly strategy: DesignStrategy | 'given';
  /** The venue, or `null`. */
  readonly venue: DesignVenue | null;
  /** The non-secret inputs of a derived key (the secret is never included). */
  readonly derivedFrom?: { readonly scope: string; readonly operation: string; readonly businessId: string };
  readonly keys: readonly DesignedKey[];
  /** How many keys fail the venue's format (0 without a venue). */
  readonly failing: number;
}

const MAX_TIME_MS = 2 ** 48 - 1;

/** The error for a bad input: `value` is described by `describeValue` (by its type only when `secret`). */
function invalid(path: string, expected: string, value: unknown, secret = false): ConfigurationError {
  return new ConfigurationError({ path, expected, received: describeValue(value, { secret }) });
}

/** Finds a shipped profile by name; the registry's lookup, re-exported for the tools. */
export { findVenueProfile } from '../venues/registry.js';

/** Names of every shipped venue profile, in registry order. */
export function venueNames(): readonly string[] {
  return Object.values(VENUE_PROFILES).map((p) => p.name);
}

/**
 * Reads the creation time from a ULID (26 Crockford digits) or a version-7 UUID
 * (dashed or 32 hex digits): their first 48 bits are epoch milliseconds. `null` for
 * anything else, including a UUID of another version. A derived key has a ULID's shape
 * but no time in it: do not pass one.
 */
export function decodeKeyTimestamp(key: string): DecodedTimestamp | null {
  let bytes = ulidToBytes(key);
  let from: DecodedTimestamp['from'] = 'ulid';
  if (bytes === undefined) {
    bytes = uuidToBytes(key);
    if (bytes === undefined || ((bytes[6] as number) >>> 4) !== 7) return null;
    from = 'uuidv7';
  }
  let ms = 0;
  for (let i = 0; i < 6; i++) ms = ms * 256 + (bytes[i] as number);
  return { ms, iso: new Date(ms).toISOString(), from };
}

/** The format in words: encoding, length, prefix, pattern, integer range. */
export function describeKeyFormat(format: KeyFormat): string {
  const parts: string[] = [format.encoding];
  if (format.encoding === 'integer') {
    const ceiling = format.maxInteger ?? Math.min(10 ** format.maxLength - 1, Number.MAX_SAFE_INTEGER);
    parts.push(`1..${ceiling}`);
  } else {
    const min = format.minLength ?? 1;
    parts.push(min > 1 ? `${min}-${format.maxLength} chars` : `max ${format.maxLength} chars`);
  }
  if (format.prefix) parts.push(`prefix ${format.prefix}`);
  if (format.pattern !== undefined) parts.push(`pattern ${format.pattern}`);
  return parts.join(', ');
}

function nestedJson(dotted: string, value: string | number): string {
  let json = JSON.stringify(value);
  for (const part of dotted.split('.').reverse()) json = `{${JSON.stringify(part)}:${json}}`;
  return json;
}

function bracketed(dotted: string): string {
  const [head, ...rest] = dotted.split('.');
  return `${head ?? ''}${rest.map((part) => `[${part}]`).join('')}`;
}

/** `name=value` as a query string or form body carries it (the value percent-encoded; the name as the venue spells it). */
function formPair(name: string, value: string): string {
  return `${name}=${encodeURIComponent(value)}`;
}

/**
 * Where `venueKey` travels in a request to a venue with this key spec, written out as
 * the venue sees it. Mirrors how the client places the key: the field as named for a
 * header, a query parameter or a JSON body (dotted names nest); in a form body the key
 * field is used as named, and the echo field in brackets (`metadata[intentkey_key]`).
 */
export function keyPlacement(spec: KeySpec, venueKey: string): KeyPlacement {
  const valueType = spec.valueType ?? 'string';
  const line = ((): KeyPlacementLine => {
    switch (spec.placement) {
      case 'header':
        return { in: 'header', field: spec.field, text: `${spec.field}: ${venueKey}` };
      case 'query':
        return { in: 'query', field: spec.field, text: formPair(spec.field, venueKey) };
      case 'body':
        return {
          in: 'body',
          field: spec.field,
          text: nestedJson(spec.field, valueType === 'number' ? Number(venueKey) : venueKey),
          form: formPair(spec.field, venueKey),
        };
    }
  })();
  const echo = spec.echo;
  if (echo === undefined) return { ...line, valueType };
  const echoLine: KeyPlacementLine =
    echo.placement === 'query'
      ? { in: 'query', field: echo.field, text: formPair(echo.field, venueKey) }
      : { in: 'body', field: echo.field, text: nestedJson(echo.field, venueKey), form: formPair(bracketed(echo.field), venueKey) };
  return { ...line, valueType, echo: echoLine };
}

/** Options of {@link keyRequestExample}. */
export interface KeyRequestOptions {
  /** Request method. @default 'POST' */
  readonly method?: string;
  /** Request path. @default '/<operation path>' (profiles do not name the operation's endpoint) */
  readonly path?: string;
  /** How a body carries the key: a JSON object or a form-encoded body. @default 'json' */
  readonly body?: 'json' | 'form';
}

/** Sets `value` at a dotted path of `root`, making objects on the way. */
function setDotted(root: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let current = root;
  parts.forEach((part, i) => {
    if (i === parts.length - 1) {
      current[part] = value;
      return;
    }
    const next = current[part];
    if (typeof next === 'object' && next !== null) {
      current = next as Record<string, unknown>;
      return;
    }
    const made: Record<string, unknown> = {};
    current[part] = made;
    current = made;
  });
}

/**
 * The request a venue with this key spec receives, reduced to the key's part, as an
 * HTTP/1.1 message: the request line (with the key in the query string when the venue
 * reads it there), the key header, and a body holding the key field (and its echo),
 * as JSON or form-encoded. Built from {@link keyPlacement}, so each line is exactly
 * what that function spells out; the operation's own fields are not shown.
 */
export function keyRequestExample(spec: KeySpec, venueKey: string, options: KeyRequestOptions = {}): string {
  const placement = keyPlacement(spec, venueKey);
  const places: KeyPlacementLine[] = placement.echo === undefined ? [placement] : [placement, placement.echo];
  const query = places.filter((p) => p.in === 'query').map((p) => p.text);
  const headers = places.filter((p) => p.in === 'header').map((p) => p.text);
  const inBody = places.filter((p) => p.in === 'body');
  const form = options.body === 'form';
  const lines = [`${options.method ?? 'POST'} ${options.path ?? '/<operation path>'}${query.length > 0 ? `?${query.join('&')}` : ''} HTTP/1.1`];
  if (inBody.length > 0) lines.push(`Content-Type: ${form ? 'application/x-www-form-urlencoded' : 'application/json'}`);
  lines.push(...headers);
  if (inBody.length > 0) {
    let body: string;
    if (form) body = inBody.map((p) => p.form ?? p.text).join('&');
    else {
      const root: Record<string, unknown> = {};
      for (const p of inBody) setDotted(root, p.field, p === placement && placement.valueType === 'number' ? Number(venueKey) : venueKey);
      body = JSON.stringify(root, null, 2);
    }
    lines.push('', body);
  }
  return `${lines.join('\n')}\n`;
}

function checkCount(count: number, path: string): void {
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_DESIGN_COUNT) {
    throw invalid(path, `an integer in [1, ${MAX_DESIGN_COUNT}]`, count);
  }
}

function checkDerived(derived: DerivedKeyInputs | undefined): DerivedKeyInputs {
  if (derived === undefined) throw invalid('derived', 'the secret, scope, operation and business id of a derived key', undefined);
  const { secret, scope, operation, businessId } = derived;
  if (typeof secret !== 'string' || secret.length < MIN_DERIVE_SECRET_LENGTH) {
    // Never echo the secret, not even its length.
    throw invalid('derived.secret', `a string of at least ${MIN_DERIVE_SECRET_LENGTH} characters`, secret, true);
  }
  if (typeof scope !== 'string' || scope.length === 0 || scope.length > 200) throw invalid('derived.scope', 'a string of 1 to 200 characters', scope);
  if (typeof operation !== 'string' || !OPERATION_NAME_PATTERN.test(operation)) {
    throw invalid('derived.operation', `an operation name matching ${OPERATION_NAME_PATTERN.source}`, operation);
  }
  if (typeof businessId !== 'string' || businessId.length === 0) throw invalid('derived.businessId', 'a non-empty string', businessId);
  return derived;
}

function mint(options: DesignKeysOptions, env: DesignEnvironment): { strategy: KeyDesign['strategy']; keys: readonly string[] } {
  if (options.keys !== undefined) {
    checkCount(options.keys.length, 'keys.length');
    return { strategy: 'given', keys: options.keys };
  }
  const strategy = options.strategy ?? 'ulid';
  const count = options.count ?? 1;
  checkCount(count, 'count');
  if (strategy === 'derived') {
    if (count !== 1) throw invalid('count', '1 with the derived strategy (the same inputs always give the same key)', count);
    const { secret, scope, operation, businessId } = checkDerived(options.derived);
    return { strategy, keys: [deriveKey({ secret, scope, operation, businessId })] };
  }
  if (!DESIGN_STRATEGIES.includes(strategy)) {
    const given: unknown = strategy;
    throw invalid('strategy', `one of ${DESIGN_STRATEGIES.map((s) => JSON.stringify(s)).join(', ')}`, given);
  }
  if (!(Number.isFinite(env.now) && Math.floor(env.now) >= 1 && Math.floor(env.now) <= MAX_TIME_MS)) {
    throw invalid('now', `epoch milliseconds in [1, ${MAX_TIME_MS}]`, env.now);
  }
  const next = createKeyGenerator(strategy, env.random, { now: () => env.now });
  return { strategy, keys: Array.from({ length: count }, () => next()) };
}

/**
 * Mints `count` keys with `strategy` (or takes the `keys` given) and, with a `venue`,
 * shows each one encoded as that venue receives it, checked against the venue's
 * format, and placed where the venue expects it.
 *
 * The time in a ULID or UUIDv7 is decoded (it is `env.now`, or later for ULIDs minted
 * within one millisecond of a backwards clock step); given keys are decoded when they
 * have a ULID or UUIDv7 shape.
 *
 * @throws {ConfigurationError} for a count outside [1, 1000], an unknown strategy, a
 *   `derived` strategy without complete inputs (the secret is never echoed), or a
 *   `now` outside [1, 2^48 - 1] epoch ms for the random strategies.
 *
 * @example
 * designKeys({ strategy: 'ulid', venue: stripe }, { random: createCryptoRandom(), now: Date.now() })
 * // { strategy: 'ulid', venue: { name: 'stripe', ... }, keys: [{ key, venueKey, check: { ok: true }, timestamp, http: { text: 'Idempotency-Key: 01J...' } }], failing: 0 }
 */
export function designKeys(options: DesignKeysOptions, env: DesignEnvironment): KeyDesign {
  const { strategy, keys } = mint(options, env);
  const venue = options.venue;
  const decode = strategy === 'ulid' || strategy === 'uuidv7' || strategy === 'given';
  let failing = 0;
  const designed = keys.map((key): DesignedKey => {
    const timestamp = decode ? decodeKeyTimestamp(key) : null;
    if (venue === undefined) return { key, venueKey: key, check: null, timestamp, http: null };
    const venueKey = encodeVenueKey(key, venue.key.format);
    const rule = checkVenueKey(venueKey, venue.key.format);
    if (rule !== undefined) failing++;
    return { key, venueKey, check: rule === undefined ? { ok: true } : { ok: false, rule }, timestamp, http: keyPlacement(venue.key, venueKey) };
  });
  const derived = strategy === 'derived' ? options.derived : undefined;
  return {
    strategy,
    venue: venue === undefined ? null : { name: venue.name, title: venue.about?.title ?? venue.name, format: venue.key.format, formatText: describeKeyFormat(venue.key.format) },
    ...(derived === undefined ? {} : { derivedFrom: { scope: derived.scope, operation: derived.operation, businessId: derived.businessId } }),
    keys: designed,
    failing,
  };
}

/**
 * The design's verdict in a sentence (`the key fits binance-spot's key format`, `2 of 5
 * keys do not fit okx's key format`), as `intentkey key` and the key playground print
 * it; `null` when no venue was given.
 */
export function designVerdict(design: KeyDesign): string | null {
  if (design.venue === null) return null;
  const name = design.venue.name;
  const n = design.keys.length;
  if (design.failing === 0) return n === 1 ? `the key fits ${name}'s key format` : `all ${n} keys fit ${name}'s key format`;
  return n === 1 ? `the key does not fit ${name}'s key format` : `${design.failing} of ${n} keys do not fit ${name}'s key format`;
}

// ---------------------------------------------------------------------------
// The idempotency contract
// ---------------------------------------------------------------------------

/** Options of {@link keyContract}. */
export interface KeyContractOptions {
  /** The intent key strategy the client uses. @default 'ulid' */
  readonly strategy?: DesignStrategy;
  /**
   * The fields the operation's `fingerprint` function returns, for the contract to
   * list. @default none: the contract says the whole input is the fingerprint unless
   * the operation defines one
   */
  readonly fingerprintFields?: readonly string[];
  /** How long the ledger keeps finished intents, in ms. @default {@link DEFAULT_LEDGER_RETENTION_MS} (7 days) */
  readonly ledgerRetentionMs?: number;
}

const UNITS: readonly (readonly [string, number])[] = [
  ['d', 86_400_000],
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** A duration in ms as `1 d`, `23 h`, `61 s`, `21 h 36 min` (every non-zero unit). */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return `${ms} ms`;
  if (ms === 0) return '0 s';
  const parts: string[] = [];
  let rest = Math.round(ms);
  for (const [unit, size] of UNITS) {
    const n = Math.floor(rest / size);
    if (n > 0) parts.push(`${n} ${unit}`);
    rest -= n * size;
  }
  return parts.join(' ');
}

/** `86400000 ms (1 d)`: exact and readable. */
function span(ms: number): string {
  return `${ms} ms (${formatDurationMs(ms)})`;
}

/** Intent key shape of each strategy, in words. */
const STRATEGY_TEXT: Readonly<Record<DesignStrategy, string>> = {
  ulid: 'ULID: 26 Crockford base32 characters, a 48-bit millisecond time then 80 random bits (sorts by creation time)',
  uuidv4: 'UUID version 4: 36 characters, lowercase and dashed, 122 random bits',
  uuidv7: 'UUID version 7: 36 characters, lowercase and dashed, a 48-bit millisecond time then 74 random bits',
  nanoid: 'nanoid: 21 characters from A-Za-z0-9_- (126 random bits)',
  derived: 'derived: HMAC-SHA256(secret, scope, operation, business id), first 128 bits as 26 Crockford base32 characters (a ULID\'s shape; the same action always gets the same key, even after a lost ledger record)',
};

function encodingText(format: KeyFormat): string {
  switch (format.encoding) {
    case 'verbatim':
      return format.prefix ? `the intent key after the prefix \`${format.prefix}\`, unchanged` : 'the intent key, unchanged';
    case 'uuid':
      return "the intent key's 128 bits as a lowercase dashed UUID (a ULID, derived key or UUID converts losslessly; any other key is hashed)";
    case 'hash':
      return `${format.prefix ? `\`${format.prefix}\` + ` : ''}Crockford base32 of SHA-256(intent key), cut to ${format.maxLength - (format.prefix?.length ?? 0)} characters (one-way: the ledger keeps both keys)`;
    case 'integer':
      return 'SHA-256(intent key) reduced to an integer in the allowed range, in decimal (one-way: the ledger keeps both keys)';
  }
}

function placementText(spec: KeySpec): string {
  const sample = keyPlacementWithPlaceholder(spec);
  const lines = [`- Sent in the ${sample.in} \`${spec.field}\` of every attempt: \`${sample.text}\`${sample.form === undefined ? '' : ` (form body: \`${sample.form}\`)`}${sample.valueType === 'number' ? ', as a JSON number' : ''}.`];
  if (sample.echo !== undefined) {
    lines.push(
      `- Also written to the ${sample.echo.in} field \`${sample.echo.field}\`: \`${sample.echo.text}\`${sample.echo.form === undefined ? '' : ` (form body: \`${sample.echo.form}\`)`}, so the object the venue creates carries the key and can be found by a scan.`,
    );
  }
  return lines.join('\n');
}

/** The placement with `<venue key>` where the key goes (a placeholder a query string would otherwise percent-encode). */
function keyPlacementWithPlaceholder(spec: KeySpec): KeyPlacement {
  const marker = 'VENUEKEYMARKER';
  const swap = (line: KeyPlacementLine): KeyPlacementLine => ({
    ...line,
    text: line.text.replace(marker, '<venue key>'),
    ...(line.form === undefined ? {} : { form: line.form.replace(marker, '<venue key>') }),
  });
  // A numeric key has no placeholder spelling in JSON: show it as <venue key> unquoted.
  const placed = keyPlacement({ ...spec, valueType: 'string' }, marker);
  const main = swap(placed);
  const numeric = (spec.valueType ?? 'string') === 'number';
  return {
    ...main,
    text: numeric ? main.text.replace('"<venue key>"', '<venue key>') : main.text,
    valueType: spec.valueType ?? 'string',
    ...(placed.echo === undefined ? {} : { echo: swap(placed.echo) }),
  };
}

function dedupeWindow(dedupe: DedupeSpec): string {
  switch (dedupe.kind) {
    case 'keyStore':
      return `${span(dedupe.retentionMs)}: the venue keeps ${dedupe.stores === 'successes' ? 'successful answers only' : 'every answer'} under the key`;
    case 'openOrders':
      return 'no fixed window: the key is refused only while an order holding it is open';
    case 'none':
      return 'none: the venue does not deduplicate by key';
  }
}

function conflictCodes(rules: readonly ErrorRule[], outcome: 'conflictDuplicate' | 'conflictInProgress'): string[] {
  const out: string[] = [];
  for (const rule of rules) {
    if (rule.outcome !== outcome) continue;
    const m = rule.match;
    const bits: string[] = [];
    if (m.status !== undefined) bits.push(`HTTP ${Array.isArray(m.status) ? m.status.join('/') : String(m.status)}`);
    if (m.code !== undefined) bits.push(`code ${(typeof m.code === 'string' ? [m.code] : m.code).join('/')}`);
    if (m.codePrefix !== undefined) bits.push(`code starting ${(typeof m.codePrefix === 'string' ? [m.codePrefix] : m.codePrefix).join('/')}`);
    if (m.message !== undefined) bits.push(`message /${m.message}/`);
    if (m.header !== undefined) bits.push(`header ${m.header.name}`);
    out.push(bits.join(', '));
  }
  return out;
}

function hasLookup(profile: VenueProfile): boolean {
  return profile.reconcile.lookup !== undefined || (profile.reconcile.scan !== undefined && profile.key.echo !== undefined);
}

function lookupText(profile: VenueProfile): string {
  const r = profile.reconcile;
  if (r.lookup !== undefined) {
    const all = [r.lookup, ...(r.fallbackLookups ?? [])].map((l) => `${l.method} \`${l.path}\``);
    return `by key: ${all.join(', then ')}`;
  }
  if (r.scan !== undefined && profile.key.echo !== undefined) return `by a scan of \`${r.scan.path}\` for the echoed key, ${r.scan.consistent ? 'a read-after-write consistent list' : 'an eventually consistent list, where a miss proves nothing'}`;
  return 'none: the venue offers no lookup by key';
}

/**
 * The idempotency contract of one operation on one venue, as Markdown: the key (how
 * an intent is identified, the intent key's and the venue key's format, where the key
 * travels), the fingerprint, the windows (the venue's key window, how long intentkey
 * resends the same key, lookups, settle delay, ledger retention) and what a repeat, a
 * conflict and an expired key get, all from the venue profile.
 *
 * @param venue - the venue profile.
 * @param operation - the operation name, e.g. `order.create`. @default a placeholder
 * @param options - strategy, fingerprint fields and ledger retention to describe.
 */
export function keyContract(venue: VenueProfile, operation?: string, options: KeyContractOptions = {}): string {
  const op = operation ?? '<operation>';
  const strategy = options.strategy ?? 'ulid';
  const retentionMs = options.ledgerRetentionMs ?? DEFAULT_LEDGER_RETENTION_MS;
  const { key, dedupe, reconcile } = venue;
  const title = venue.about?.title ?? venue.name;
  const out: string[] = [];
  out.push(`# Idempotency contract: \`${op}\` on ${title} (\`${venue.name}\`)`, '');

  out.push('## Key', '');
  out.push(
    `- One business action, one intent: calls with the same scope, operation (\`${op}\`) and business id are one intent, with one key for every attempt and every restart.`,
    `- Intent key (\`${strategy}\`): ${STRATEGY_TEXT[strategy]}.`,
    `- Venue key: ${encodingText(key.format)}. Must satisfy: ${describeKeyFormat(key.format)}.`,
    placementText(key),
    '',
  );

  out.push('## Fingerprint', '');
  const fields = options.fingerprintFields ?? [];
  out.push(
    fields.length > 0
      ? `- Fields: ${fields.map((f) => `\`${f}\``).join(', ')} (what the operation's \`fingerprint\` function returns).`
      : "- Fields: the whole input, unless the operation's `fingerprint` function picks some (pass `--fingerprint` to list them here).",
    '- Stored with the intent as canonical JSON (key order ignored). A call with a known business id and another fingerprint is refused with `IntentConflictError` before anything is sent.',
    '',
  );

  out.push('## Windows', '');
  out.push('| What | How long |', '|---|---|');
  out.push(`| Venue key window (dedupe) | ${dedupeWindow(dedupe)} |`);
  if (dedupe.kind === 'keyStore') {
    const margin = Math.min(dedupe.retentionMs * 0.1, 3_600_000);
    out.push(`| intentkey resends the same key until | ${span(dedupe.retentionMs - margin)} after the intent was created (the window less ${formatDurationMs(margin)} of margin) |`);
  }
  out.push(`| Lookup | ${lookupText(venue)} |`);
  out.push(`| Findable by lookup | ${reconcile.findableForMs === undefined ? 'no limit known' : `${span(reconcile.findableForMs)} from creation`} |`);
  const window = reconcile.requestWindow;
  out.push(
    `| Settle delay before a "not found" is believed | ${window === undefined ? span(reconcile.settleDelayMs) : `the request window the attempt carried (\`${window.field}\`, ${window.defaultMs} ms when absent${window.maxMs === undefined ? '' : `, at most ${window.maxMs} ms`}) + ${window.aheadMs} ms; ${span(reconcile.settleDelayMs)} when it cannot be read`}${reconcile.notFoundIsAuthoritative ? '' : ' (a "not found" never proves the action did not run on this venue)'} |`,
  );
  out.push(`| Ledger keeps a finished intent | ${span(retentionMs)} (the ledger's \`retentionMs\`) |`, '');

  out.push('## What each case gets', '');
  out.push('### Repeat (same action, same key)', '');
  out.push('- intentkey: a finished intent returns its stored result (or stored rejection) with no network call; one still running is joined, not sent again.');
  switch (dedupe.kind) {
    case 'keyStore':
      out.push(
        dedupe.stores === 'successes'
          ? '- Venue: a success is replayed and a concurrent copy refused, but a failed first attempt is not kept, so a resend could execute again: an unknown outcome is looked up before any resend.'
          : `- Venue: inside the key window a same-key resend returns the first result instead of executing again${venue.response.replayedHeader === undefined ? '' : ` (marked by the \`${venue.response.replayedHeader}\` header)`}; that resend is how an unknown outcome is settled.`,
      );
      break;
    case 'openOrders':
      out.push('- Venue: refused as a duplicate while the order is open; once it is filled or cancelled the same id is accepted again as a new order, so intentkey looks the order up by key before it ever resends.');
      break;
    case 'none':
      out.push('- Venue: a resend executes again; only a lookup (or a person) can tell whether the first one ran, so intentkey never resends an unknown outcome blindly.');
      break;
  }
  out.push('');
  out.push('### Conflict (same business id, different request; or a key the venue reports in use)', '');
  out.push('- intentkey: another fingerprint under a known business id throws `IntentConflictError`; nothing is sent.');
  const duplicate = conflictCodes(venue.errors, 'conflictDuplicate');
  const inProgress = conflictCodes(venue.errors, 'conflictInProgress');
  if (duplicate.length > 0) out.push(`- Venue "already used" answers (${duplicate.join('; ')}): evidence an earlier attempt landed; handled like an unknown outcome, never resent blindly.`);
  if (inProgress.length > 0) out.push(`- Venue "in progress" answers (${inProgress.join('; ')}): the first request is still running; the same key is sent again later.`);
  if (duplicate.length === 0 && inProgress.length === 0) out.push('- Venue: the profile has no rule of its own for a key conflict.');
  out.push(`- Any answer the venue's rules leave open goes to the generic rules: ${conflictCodes(GENERIC_RULES, 'conflictInProgress').join('; ')} counts as "in progress" (the same key is sent again later), HTTP 422 as a refusal (the request must change).`);
  out.push('');
  out.push('### Expired key', '');
  if (dedupe.kind === 'keyStore') {
    out.push(
      `- After ${formatDurationMs(dedupe.retentionMs)} the venue forgets the key, and a resend would execute again. intentkey stops resending the key ${formatDurationMs(Math.min(dedupe.retentionMs * 0.1, 3_600_000))} before that; ${hasLookup(venue) ? `an intent still unknown then is looked up ${lookupText(venue)}, and parked for a person (\`AmbiguousOutcomeError\`) if that cannot settle it` : 'an intent still unknown then is parked for a person (`AmbiguousOutcomeError`): this venue has no lookup by key'}.`,
    );
  } else {
    out.push(
      hasLookup(venue)
        ? `- The venue has no key window to expire. ${reconcile.findableForMs === undefined ? 'Lookups' : `Past ${formatDurationMs(reconcile.findableForMs)} a "not found" proves nothing; until then lookups`} decide, and an outcome they cannot settle is parked for a person (\`AmbiguousOutcomeError\`).`
        : '- The venue has no key window to expire and no lookup by key: an unknown outcome is parked for a person (`AmbiguousOutcomeError`).',
    );
  }
  out.push(`- After ${formatDurationMs(retentionMs)} the ledger drops the finished intent: the same business id then starts a new intent${strategy === 'derived' ? ' with the same derived key' : ' with a new key'}.`, '');
  return out.join('\n');
}
