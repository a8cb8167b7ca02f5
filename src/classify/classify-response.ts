import { parseRetryAfter } from '../backoff/retry-after.js';
import { GENERIC_RULES } from '../venues/generic.js';
import type { ErrorRule, HeaderMatch, RuleOutcome, TimeUnit, VenueProfile } from '../venues/profile.js';
import type { Outcome } from './outcome.js';
import { extend } from '../internal/extend.js';

/** What {@link classifyResponse} needs to know about one HTTP response. */
export interface ResponseFacts {
  /** HTTP status code. */
  readonly status: number;
  /** Header lookup by name, case-insensitive; `undefined` when absent. */
  readonly header: (name: string) => string | undefined;
  /** The response body: parsed JSON, a string, an array, or anything else. */
  readonly body: unknown;
}

/** The venue's error code and message found in a body; each absent when not found. */
export interface VenueError {
  /** The code, stringified (`-2010`, `idempotency_key_in_use`). */
  readonly code?: string;
  /** The message, untruncated. */
  readonly message?: string;
}

/** Longest venue message carried in an outcome (and in its reason). */
const MAX_MESSAGE_LENGTH = 200;
/** Longest message a rule's regular expression is run against: bounds regex cost. */
const MAX_MATCHED_MESSAGE_LENGTH = 2_000;
/** String bodies up to this size are tried as JSON (an adapter that did not parse). */
const MAX_JSON_STRING_LENGTH = 64 * 1024;
/** Name whose numeric value is always seconds (RFC 9110 §10.2.3), whatever the profile says. */
const RETRY_AFTER = 'retry-after';

/**
 * Compiled `match.message` per rule. Keyed by the match object so the cache lives as
 * long as the profile; `null` records a source that does not compile (such a rule
 * never matches: the classifier must not throw, and `defineVenue` rejects it anyway).
 */
const messagePatterns = new WeakMap<object, RegExp | null>();

/**
 * Reads the venue's error code and message from a body, following
 * `profile.response.codePaths` and `messagePaths` in order; the first present value
 * of each wins. Paths are dotted (`error.code`); a numeric segment indexes an array
 * (`1` in Bitfinex's `["error", 10020, "..."]`). Strings, finite numbers, booleans
 * and bigints count as present and are stringified; `null`, objects and empty
 * strings do not. A string body that looks like JSON is parsed first. Never throws.
 */
export function readVenueError(profile: VenueProfile, body: unknown): VenueError {
  const root = maybeParseJson(body);
  const code = firstPresent(root, profile.response.codePaths);
  const message = firstPresent(root, profile.response.messagePaths);
  if (code !== undefined && message !== undefined) return { code, message };
  if (code !== undefined) return { code };
  if (message !== undefined) return { message };
  return {};
}

/**
 * Classifies an HTTP response for `profile`. Pure and total: every input gives exactly
 * one {@link Outcome}, and it never throws.
 *
 * 1. Read the venue code and message (`readVenueError`).
 * 2. The response is an *apparent error* when the status is not 2xx, or when it is 2xx
 *    and carries a code that is not in `profile.response.successCodes`.
 * 3. A 2xx that is not an apparent error is `success`, unless a profile rule names
 *    that 2xx status explicitly (a number, list or `2xx`), e.g. a venue's
 *    "202 accepted, not finished" → `unknown`.
 * 4. An apparent error goes through `profile.errors`, then {@link GENERIC_RULES}; the
 *    first rule whose every condition matches decides. `rateLimited` takes its wait
 *    from the first parseable header in `profile.rateLimit.retryAfterHeaders`, else
 *    from the message (`profile.rateLimit.retryAfterMessage`), else the rule's `waitMs`.
 * 5. Nothing matched (impossible with the generic catch-all): `unknown`.
 * 6. With `profile.response.replayedHeader` / `shouldRetryHeader`, the outcome notes
 *    `replayed: true` and `shouldRetry` when the venue sent them.
 *
 * @param nowMs - current time, epoch ms; used only to turn HTTP-date and reset-time
 *   headers into a wait.
 */
export function classifyResponse(profile: VenueProfile, response: ResponseFacts, nowMs: number): Outcome {
  const outcome = classifyStatusAndBody(profile, response, nowMs);
  // 6. Key-store signals: a replayed answer and the venue's retry advice are noted on
  //    the outcome; they change no kind (the runner decides what a replay means).
  const { replayedHeader, shouldRetryHeader } = profile.response;
  if (replayedHeader === undefined && shouldRetryHeader === undefined) return outcome;
  const replayed = replayedHeader === undefined ? undefined : readBooleanHeader(response, replayedHeader);
  const shouldRetry = shouldRetryHeader === undefined ? undefined : readBooleanHeader(response, shouldRetryHeader);
  if (replayed !== true && shouldRetry === undefined) return outcome;
  return { ...outcome, ...(replayed === true ? { replayed } : {}), ...(shouldRetry === undefined ? {} : { shouldRetry }) };
}

/** `true` or `false` from a header (case-insensitive, trimmed); anything else is `undefined`. Never throws. */
function readBooleanHeader(response: ResponseFacts, name: string): boolean | undefined {
  let value: string | undefined;
  try {
    value = response.header(name);
  } catch {
    return undefined;
  }
  if (typeof value !== 'string') return undefined;
  const text = value.trim().toLowerCase();
  return text === 'true' ? true : text === 'false' ? false : undefined;
}

/** Steps 1 to 5 of {@link classifyResponse}. */
function classifyStatusAndBody(profile: VenueProfile, response: ResponseFacts, nowMs: number): Outcome {
  const status = response.status;
  const venueError = safeReadVenueError(profile, response.body);
  const is2xx = Number.isInteger(status) && status >= 200 && status <= 299;
  const apparentError =
    !is2xx || (venueError.code !== undefined && !safeIncludes(profile.response.successCodes, venueError.code));

  const rule = decidingRule(profile, response, venueError, apparentError)?.rule;
  const reason = reasonFor(profile, status, venueError);
  if (rule === undefined) return build(apparentError ? 'unknown' : 'success', status, venueError, reason);
  if (rule.outcome !== 'rateLimited') return build(rule.outcome, status, venueError, reason);

  const scope = rule.scope === 'venue' ? 'venue' : 'request';
  const retryAfterMs =
    readRuleWaitMs(profile, rule, response, nowMs) ??
    readRetryAfterMs(profile, response, nowMs) ??
    readMessageWaitMs(profile, venueError, nowMs) ??
    validWait(rule.waitMs);
  const base = build('rateLimited', status, venueError, reason);
  return retryAfterMs === undefined
    ? extend(base, { kind: 'rateLimited', scope } as const)
    : extend(base, { kind: 'rateLimited', scope, retryAfterMs } as const);
}

/** The rule that decides a response, with the list it comes from and its position there. */
export interface MatchedRule {
  /** `venue`: `profile.errors[index]`; `generic`: `GENERIC_RULES[index]`. */
  readonly source: 'venue' | 'generic';
  /** Position in its list, from 0. */
  readonly index: number;
  readonly rule: ErrorRule;
}

/**
 * The rule {@link classifyResponse} applies to `response` (the first matching rule of the
 * venue, then of the generic defaults, for an apparent error; only venue rules naming the
 * 2xx status for a success body), or `undefined` when none does and the status decides
 * (`unknown` for an apparent error, `success` otherwise). The same matcher the classifier
 * runs, for tools that explain a classification (`intentkey explain`).
 */
export function matchErrorRule(profile: VenueProfile, response: ResponseFacts): MatchedRule | undefined {
  const status = response.status;
  const venueError = safeReadVenueError(profile, response.body);
  const is2xx = Number.isInteger(status) && status >= 200 && status <= 299;
  const apparentError = !is2xx || (venueError.code !== undefined && !safeIncludes(profile.response.successCodes, venueError.code));
  return decidingRule(profile, response, venueError, apparentError);
}

function decidingRule(profile: VenueProfile, response: ResponseFacts, venueError: VenueError, apparentError: boolean): MatchedRule | undefined {
  const status = response.status;
  if (!apparentError) {
    const index = findRule(profile.errors, status, venueError, response, true);
    return index === undefined ? undefined : { source: 'venue', index, rule: profile.errors[index] as ErrorRule };
  }
  const venueIndex = findRule(profile.errors, status, venueError, response);
  if (venueIndex !== undefined) return { source: 'venue', index: venueIndex, rule: profile.errors[venueIndex] as ErrorRule };
  const genericIndex = findRule(GENERIC_RULES, status, venueError, response);
  return genericIndex === undefined ? undefined : { source: 'generic', index: genericIndex, rule: GENERIC_RULES[genericIndex] as ErrorRule };
}

/** The outcome a rule decides; for `rateLimited` the caller adds the rule's scope and the wait. */
function build(outcome: RuleOutcome, status: number, venueError: VenueError, reason: string): Outcome {
  const base: { reason: string; httpStatus?: number; venueCode?: string; venueMessage?: string } = { reason };
  if (Number.isFinite(status)) base.httpStatus = status;
  if (venueError.code !== undefined) base.venueCode = clip(venueError.code);
  if (venueError.message !== undefined) base.venueMessage = clip(venueError.message);
  switch (outcome) {
    case 'success':
      return extend(base, { kind: 'success' } as const);
    case 'retry':
      return extend(base, { kind: 'retry' } as const);
    case 'rateLimited':
      return extend(base, { kind: 'rateLimited', scope: 'request' } as const);
    case 'resign':
      return extend(base, { kind: 'resign' } as const);
    case 'conflictInProgress':
      return extend(base, { kind: 'conflict', conflict: 'inProgress' } as const);
    case 'conflictDuplicate':
      return extend(base, { kind: 'conflict', conflict: 'duplicate' } as const);
    case 'fatal':
      return extend(base, { kind: 'fatal' } as const);
    case 'unknown':
      return extend(base, { kind: 'unknown' } as const);
    default:
      // A profile built without validation may carry anything here; the safe reading is "may have executed".
      return extend(base, { kind: 'unknown' } as const);
  }
}

/** `binance-spot -2010 Duplicate order sent.` when the venue sent a code, else `HTTP 503`. */
function reasonFor(profile: VenueProfile, status: number, venueError: VenueError): string {
  if (venueError.code === undefined) return `HTTP ${String(status)}`;
  const head = `${profile.name} ${clip(venueError.code)}`;
  return venueError.message === undefined ? head : `${head} ${clip(venueError.message)}`;
}

/**
 * Index of the first rule in `rules` matching the response. With `explicit2xxOnly`, only
 * rules that name a 2xx status are eligible: a success body must not be turned into an
 * error by a rule written for error bodies.
 */
function findRule(
  rules: readonly ErrorRule[],
  status: number,
  venueError: VenueError,
  response: ResponseFacts,
  explicit2xxOnly = false,
): number | undefined {
  if (!Array.isArray(rules)) return undefined;
  const list = rules as readonly unknown[];
  for (let index = 0; index < list.length; index++) {
    const rule = list[index];
    if (!isRule(rule)) continue;
    if (explicit2xxOnly && !namesStatus(rule.match.status, status)) continue;
    if (ruleMatches(rule, status, venueError, response)) return index;
  }
  return undefined;
}

function isRule(value: unknown): value is ErrorRule {
  return typeof value === 'object' && value !== null && typeof (value as { match?: unknown }).match === 'object' && (value as { match?: unknown }).match !== null;
}

function ruleMatches(rule: ErrorRule, status: number, venueError: VenueError, response: ResponseFacts): boolean {
  const { match } = rule;
  if (match.status !== undefined && !statusMatches(match.status, status)) return false;
  if (match.code !== undefined) {
    if (venueError.code === undefined) return false;
    if (typeof match.code === 'string' ? match.code !== venueError.code : !safeIncludes(match.code, venueError.code)) {
      return false;
    }
  }
  if (match.codePrefix !== undefined) {
    const code = venueError.code;
    if (code === undefined) return false;
    const prefixes: readonly unknown[] = typeof match.codePrefix === 'string' ? [match.codePrefix] : Array.isArray(match.codePrefix) ? match.codePrefix : [];
    if (!prefixes.some((prefix) => typeof prefix === 'string' && prefix !== '' && code.startsWith(prefix))) return false;
  }
  if (match.message !== undefined) {
    if (venueError.message === undefined) return false;
    const pattern = compilePattern(match, match.message);
    if (pattern === null || !pattern.test(venueError.message.slice(0, MAX_MATCHED_MESSAGE_LENGTH))) return false;
  }
  if (match.header !== undefined && !headerMatches(match.header, response)) return false;
  return true;
}

/** The header is present and, when a value pattern is given, its value matches it. Never throws. */
function headerMatches(condition: HeaderMatch, response: ResponseFacts): boolean {
  if (typeof condition !== 'object' || condition === null || typeof condition.name !== 'string') return false;
  let value: unknown;
  try {
    value = response.header(condition.name);
  } catch {
    return false;
  }
  if (typeof value !== 'string') return false;
  if (condition.value === undefined) return true;
  const pattern = compilePattern(condition, condition.value);
  return pattern !== null && pattern.test(value.slice(0, MAX_MATCHED_MESSAGE_LENGTH));
}

function statusMatches(condition: ErrorRule['match']['status'], status: number): boolean {
  if (typeof condition === 'number') return condition === status;
  if (typeof condition === 'string') {
    const digit = Number(condition.charAt(0));
    return Number.isInteger(status) && Math.floor(status / 100) === digit && status >= 100 && status <= 599;
  }
  return Array.isArray(condition) && condition.includes(status);
}

/** True when `condition` explicitly covers the 2xx `status` (a catch-all rule does not). */
function namesStatus(condition: ErrorRule['match']['status'], status: number): boolean {
  return condition !== undefined && statusMatches(condition, status);
}

/** `source` compiled with the `i` flag, cached per owning object (a rule's match or a header condition). */
function compilePattern(owner: object, source: unknown): RegExp | null {
  const cached = messagePatterns.get(owner);
  if (cached !== undefined) return cached;
  let compiled: RegExp | null;
  try {
    compiled = new RegExp(String(source), 'i');
  } catch {
    compiled = null;
  }
  messagePatterns.set(owner, compiled);
  return compiled;
}

/** The wait from the rule's own headers (`waitHeaders`), in ms; `undefined` when none parses. */
function readRuleWaitMs(profile: VenueProfile, rule: ErrorRule, response: ResponseFacts, nowMs: number): number | undefined {
  if (!Array.isArray(rule.waitHeaders)) return undefined;
  return readHeaderWaitMs(rule.waitHeaders, rule.waitUnit ?? profile.rateLimit?.retryAfterUnit ?? 'seconds', response, nowMs);
}

/** The wait from the first of the profile's `retryAfterHeaders` that parses, in ms; `undefined` when none does. */
function readRetryAfterMs(profile: VenueProfile, response: ResponseFacts, nowMs: number): number | undefined {
  const names = profile.rateLimit?.retryAfterHeaders;
  if (!Array.isArray(names)) return undefined;
  return readHeaderWaitMs(names, profile.rateLimit.retryAfterUnit ?? 'seconds', response, nowMs);
}

/** The wait from the first of `names` whose value parses in `unit` (`Retry-After` always in seconds), in ms. */
function readHeaderWaitMs(names: readonly unknown[], unit: TimeUnit, response: ResponseFacts, nowMs: number): number | undefined {
  for (const name of names) {
    if (typeof name !== 'string') continue;
    let value: unknown;
    try {
      value = response.header(name);
    } catch {
      continue;
    }
    if (typeof value !== 'string') continue;
    const waitMs = parseRetryAfter(value, nowMs, name.toLowerCase() === RETRY_AFTER ? 'seconds' : unit);
    if (waitMs !== undefined) return waitMs;
  }
  return undefined;
}

/**
 * Compiled `rateLimit.retryAfterMessage.pattern` per spec object; `null` for a source
 * that does not compile (never used then: the classifier must not throw).
 */
const messageWaitPatterns = new WeakMap<object, RegExp | null>();

/** The wait carried inside the venue message (Kraken `EService: Throttled: <unix ts>`), in ms. */
function readMessageWaitMs(profile: VenueProfile, venueError: VenueError, nowMs: number): number | undefined {
  const spec = profile.rateLimit?.retryAfterMessage;
  if (typeof spec !== 'object' || spec === null || venueError.message === undefined) return undefined;
  let pattern = messageWaitPatterns.get(spec);
  if (pattern === undefined) {
    try {
      pattern = new RegExp(spec.pattern, 'i');
    } catch {
      pattern = null;
    }
    messageWaitPatterns.set(spec, pattern);
  }
  const captured = pattern?.exec(venueError.message.slice(0, MAX_MATCHED_MESSAGE_LENGTH))?.[1];
  if (captured === undefined) return undefined;
  // An HTTP-date is only meaningful for `Retry-After`; a message carries numbers.
  if (!/^\s*\d+(\.\d+)?\s*$/.test(captured)) return undefined;
  return parseRetryAfter(captured, nowMs, spec.unit);
}

function validWait(waitMs: number | undefined): number | undefined {
  return typeof waitMs === 'number' && Number.isFinite(waitMs) && waitMs >= 0 ? waitMs : undefined;
}

function safeReadVenueError(profile: VenueProfile, body: unknown): VenueError {
  try {
    return readVenueError(profile, body);
  } catch {
    // Only a hostile body (throwing getter, revoked proxy) gets here; treat it as codeless.
    return {};
  }
}

function safeIncludes(list: readonly string[] | undefined, value: string): boolean {
  return Array.isArray(list) && list.includes(value);
}

function clip(text: string): string {
  return text.length <= MAX_MESSAGE_LENGTH ? text : text.slice(0, MAX_MESSAGE_LENGTH);
}

function maybeParseJson(body: unknown): unknown {
  if (typeof body !== 'string' || body.length > MAX_JSON_STRING_LENGTH) return body;
  const first = body.trimStart().charAt(0);
  if (first !== '{' && first !== '[') return body;
  try {
    return JSON.parse(body) as unknown;
  } catch {
    return body;
  }
}

function firstPresent(root: unknown, paths: readonly string[] | undefined): string | undefined {
  if (!Array.isArray(paths)) return undefined;
  for (const path of paths as readonly unknown[]) {
    if (typeof path !== 'string') continue;
    const value = stringify(readPath(root, path));
    if (value !== undefined) return value;
  }
  return undefined;
}

/** Follows a dotted path through own properties only (never `__proto__` or inherited names). */
function readPath(root: unknown, path: string): unknown {
  // Most paths are one field (`code`, `msg`): read it without splitting the path.
  if (!path.includes('.')) return readSegment(root, path);
  let current: unknown = root;
  for (const segment of path.split('.')) {
    current = readSegment(current, segment);
    if (current === undefined) return undefined;
  }
  return current;
}

/** One step of {@link readPath}. */
function readSegment(current: unknown, segment: string): unknown {
  if (Array.isArray(current)) return /^\d+$/.test(segment) ? current[Number(segment)] : undefined;
  if (typeof current === 'object' && current !== null) return Object.hasOwn(current, segment) ? (current as Record<string, unknown>)[segment] : undefined;
  return undefined;
}

function stringify(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return value === '' ? undefined : value;
    case 'number':
      return Number.isFinite(value) ? String(value) : undefined;
    case 'boolean':
    case 'bigint':
      return String(value);
    default:
      return undefined;
  }
}
