/**
 * The one validation path for options.
 *
 * Every options object the library accepts is checked by {@link parseOptions} against a
 * zod schema, and its first problem becomes a `ConfigurationError(path, expected,
 * received)` worded here: `path` is dotted from a root the caller names
 * (`options.retry.maxDelayMs`, `venue.errors.3.match.message`), `expected` says what
 * would have been accepted, `received` is {@link describeValue} of what came. Checks
 * written by hand (call arguments on a hot path, live handles such as a pg pool) use
 * {@link describeValue} too, so `received` reads the same everywhere.
 *
 * Only types come from zod here; the schemas live beside the options they describe.
 */
import type { z } from 'zod';
import { ConfigurationError } from '../errors/errors.js';

/** Longest string {@link describeValue} shows verbatim; longer ones are described by length. */
const MAX_SHOWN_STRING = 40;

/**
 * A short description of a value for `ConfigurationError.received`: numbers, booleans,
 * `null` and `undefined` as written, a string quoted when it is short (by its length
 * otherwise), anything else by its kind (`a function`, `an array of length 3`,
 * `an object`, `an instance of Buffer`). Never the content of an object, an array or a
 * long string.
 *
 * @param options.secret - show no scalar at all, not even a string's length, only its
 *   type (`a string (not shown)`): for keys, secrets, request bodies.
 */
export function describeValue(value: unknown, options: { readonly secret?: boolean } = {}): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    if (options.secret === true) return `a ${typeof value} (not shown)`;
    if (typeof value === 'string') return value.length > MAX_SHOWN_STRING ? `a string of ${value.length} characters` : JSON.stringify(value);
    return typeof value === 'bigint' ? `${String(value)}n` : String(value);
  }
  if (typeof value === 'function') return 'a function';
  if (typeof value === 'symbol') return 'a symbol';
  return describeObject(value);
}

function describeObject(value: object): string {
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype === Object.prototype || prototype === null) return 'an object';
  const name: unknown = (prototype as { constructor?: { name?: unknown } }).constructor?.name;
  return typeof name === 'string' && name !== '' ? `an instance of ${name}` : 'an object';
}

/** How {@link parseOptions} treats some options. */
export interface ParseOptionsSettings {
  /**
   * Option paths, relative to the root (`keys.secret`), whose value must never appear
   * in an error: a bad value there is described by its type only.
   */
  readonly secretPaths?: readonly string[];
}

/**
 * Parses `value` with `schema`, or throws the {@link ConfigurationError} for its first
 * problem.
 *
 * @param root - how the error names the value itself; field paths are appended with
 *   dots (`options` gives `options.retry.jitter`).
 * @returns the schema's output (defaults of the schema applied, unknown keys of a
 *   non-strict object dropped).
 * @throws ConfigurationError naming the option, what was expected and what came.
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, root: string, settings: ParseOptionsSettings = {}): z.output<S> {
  // A parse without parameters keeps zod's compiled fast path (about 20 times faster);
  // only a refused value is parsed again with the error map that words every issue the
  // schema gave no message of its own.
  const quick = schema.safeParse(value);
  if (quick.success) return quick.data;
  const result = schema.safeParse(value, { error: expectedFor });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  if (issue === undefined) throw new ConfigurationError({ path: root, expected: 'valid options', received: describeValue(value), cause: result.error });
  throw issueToConfigurationError(issue, value, root, settings, result.error);
}

/**
 * Turns one issue of a {@link parseOptions} parse into a {@link ConfigurationError}.
 *
 * - `path`: `root` and the issue's path, dotted; an unknown key is named itself
 *   (`options.retries`), not its parent object.
 * - `expected`: the issue's message, which is the schema's own wording when it gave one
 *   and {@link expectedFor}'s otherwise; `(required)` is added when nothing was given
 *   (except to a refinement's message, which says itself when and why a field is needed).
 * - `received`: {@link describeValue} of the value found at that path in `input`.
 */
export function issueToConfigurationError(
  issue: z.core.$ZodIssue,
  input: unknown,
  root: string,
  settings: ParseOptionsSettings = {},
  cause?: unknown,
): ConfigurationError {
  const segments = issue.path.map(String);
  if (issue.code === 'unrecognized_keys' && issue.keys[0] !== undefined) segments.push(issue.keys[0]);
  const found = valueAt(input, segments);
  const relative = segments.join('.');
  return new ConfigurationError({
    path: [root, ...segments].filter((part) => part !== '').join('.'),
    // A refinement's own message says when a field is required and why.
    expected: found.found || issue.code === 'custom' ? issue.message : `${issue.message} (required)`,
    received: describeValue(found.value, { secret: settings.secretPaths?.includes(relative) === true }),
    cause,
  });
}

/**
 * The `expected` wording of a zod issue, used as the error map of every options parse
 * (a message given in the schema takes precedence). One sentence fragment that reads
 * after "expected", e.g. `an integer`, `a number >= 1`, `one of "full", "equal"`.
 */
export function expectedFor(issue: z.core.$ZodRawIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      if (issue.expected === 'int') return 'an integer';
      // zod refuses NaN and ±Infinity as numbers of the wrong type.
      if (issue.expected === 'number' && typeof issue.input === 'number') return 'a finite number';
      return withArticle(issue.expected);
    case 'too_small':
      return bounded(issue.origin, issue.minimum, issue.exact === true ? 'exactly' : issue.inclusive === false ? 'more than' : 'at least', issue.inclusive === false ? '>' : '>=');
    case 'too_big':
      return bounded(issue.origin, issue.maximum, issue.exact === true ? 'exactly' : issue.inclusive === false ? 'fewer than' : 'at most', issue.inclusive === false ? '<' : '<=');
    case 'invalid_value':
      return oneOf(issue.values);
    case 'invalid_format':
      return issue.format === 'regex' && issue.pattern !== undefined ? `a string matching ${issue.pattern}` : `a string in ${issue.format} format`;
    case 'not_multiple_of':
      return `a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'no such option (check the spelling)';
    case 'invalid_union':
      return unionExpected(issue);
    case 'invalid_key':
      return `an object whose keys are valid (${issue.issues[0]?.message ?? 'a valid key'})`;
    case 'invalid_element':
      return `valid entries (${issue.issues[0]?.message ?? 'a valid value'})`;
    case 'custom':
      return 'a valid value';
  }
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
}

function bounded(origin: string, bound: number | bigint, words: string, symbol: string): string {
  const n = String(bound);
  const plural = n === '1' ? '' : 's';
  if (origin === 'string') return `a string of ${words} ${n} character${plural}`;
  if (origin === 'array' || origin === 'set') return `a list of ${words} ${n} item${plural}`;
  if (origin === 'number' || origin === 'int' || origin === 'bigint') return `a number ${symbol} ${n}`;
  return `a ${origin} ${symbol} ${n}`;
}

function oneOf(values: readonly unknown[]): string {
  const shown = values.map((v) => (typeof v === 'bigint' ? `${String(v)}n` : (JSON.stringify(v) ?? String(v))));
  return shown.length === 1 ? (shown[0] as string) : `one of ${shown.join(', ')}`;
}

/** A union without a message of its own: a discriminator's values, or each branch's expectation. */
function unionExpected(issue: z.core.$ZodRawIssue<z.core.$ZodIssueInvalidUnion>): string {
  if (issue.inclusive === false) return 'a value that matches exactly one of the accepted forms';
  if (issue.options !== undefined && issue.options.length > 0) return oneOf(issue.options);
  const branches = issue.errors.map((branch) => (branch.length === 1 && branch[0]?.path.length === 0 ? branch[0].message : undefined));
  if (branches.length === 0 || branches.some((b) => b === undefined)) return 'a value of one of the accepted forms';
  return [...new Set(branches)].join(' or ');
}

/** The input's value at `path`, walking own properties only. */
function valueAt(input: unknown, path: readonly string[]): { found: boolean; value: unknown } {
  let current: unknown = input;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return { found: false, value: undefined };
    current = (current as Record<string, unknown>)[segment];
  }
  return { found: true, value: current };
}
