// A playground's state <-> the URL query, so a configuration can be shared as a link.
// Pure: no `window`, no `location`; the components read `location.search` and write with
// `history.replaceState`. Every field is typed by a schema: a value that does not fit
// (out of range, unknown option, too long) falls back to the field's default and is
// reported, so a hand-edited or stale link never breaks a page.

/** An integer field. */
export interface IntField {
  readonly kind: 'int';
  readonly min: number;
  readonly max: number;
  readonly default: number;
}

/** An integer field that may be empty (`null`: "the default the tool computes"). */
export interface OptionalIntField {
  readonly kind: 'optionalInt';
  readonly min: number;
  readonly max: number;
}

/** One of a fixed list of strings. */
export interface EnumField<V extends string = string> {
  readonly kind: 'enum';
  readonly values: readonly V[];
  readonly default: V;
}

/** Free text, up to `maxLength` UTF-16 code units. */
export interface TextField {
  readonly kind: 'text';
  readonly maxLength: number;
  readonly default: string;
}

/** A list of strings, as a repeated parameter (`?header=a&header=b`); empty by default. */
export interface ListField {
  readonly kind: 'list';
  readonly maxItems: number;
  readonly maxLength: number;
}

export type FieldSpec = IntField | OptionalIntField | EnumField | TextField | ListField;

/** Field name -> spec. The field name is the query parameter's name; the order is the URL's. */
export type Schema = Readonly<Record<string, FieldSpec>>;

/** The value type of one field. */
export type ValueOf<F extends FieldSpec> = F extends IntField
  ? number
  : F extends OptionalIntField
    ? number | null
    : F extends EnumField<infer V>
      ? V
      : F extends ListField
        ? readonly string[]
        : string;

/** The state a schema describes. */
export type StateOf<S extends Schema> = { -readonly [K in keyof S]: ValueOf<S[K]> };

/** A parameter of the URL that was not used, and why. */
export interface IgnoredParam {
  readonly param: string;
  readonly reason: string;
}

/** What {@link decodeState} returns. */
export interface DecodedState<S extends Schema> {
  readonly state: StateOf<S>;
  /** Parameters that were unknown or did not fit their field (their default was used). */
  readonly ignored: readonly IgnoredParam[];
}

/** The default of every field. */
export function defaultState<S extends Schema>(schema: S): StateOf<S> {
  const state: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema)) state[name] = defaultOf(field);
  return state as StateOf<S>;
}

function defaultOf(field: FieldSpec): unknown {
  switch (field.kind) {
    case 'int':
    case 'enum':
    case 'text':
      return field.default;
    case 'optionalInt':
      return null;
    case 'list':
      return [];
  }
}

/** Why `value` does not fit `field`, or `undefined` when it does. */
export function fieldProblem(field: FieldSpec, value: unknown): string | undefined {
  switch (field.kind) {
    case 'int':
    case 'optionalInt':
      if (field.kind === 'optionalInt' && value === null) return undefined;
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= field.min && value <= field.max
        ? undefined
        : `expected an integer in [${field.min}, ${field.max}]`;
    case 'enum':
      return typeof value === 'string' && field.values.includes(value) ? undefined : `expected one of ${field.values.map((v) => (v === '' ? '(none)' : v)).join(', ')}`;
    case 'text':
      return typeof value === 'string' && value.length <= field.maxLength ? undefined : `expected text of at most ${field.maxLength} characters`;
    case 'list':
      return Array.isArray(value) && value.length <= field.maxItems && value.every((v) => typeof v === 'string' && v.length <= field.maxLength)
        ? undefined
        : `expected at most ${field.maxItems} values of at most ${field.maxLength} characters`;
  }
}

/** An integer as the URL writes it: decimal digits with an optional minus, nothing else. */
function parseInteger(text: string): number | undefined {
  if (!/^-?\d{1,16}$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * Reads a state from a query string (`?a=1&b=x`, with or without the `?`). Fields not in
 * the query get their default; a parameter that does not fit its field is ignored (the
 * default is used) and listed in `ignored`, as is an unknown parameter.
 */
export function decodeState<S extends Schema>(schema: S, search: string): DecodedState<S> {
  const params = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const state = defaultState(schema) as Record<string, unknown>;
  const ignored: IgnoredParam[] = [];
  const seen = new Set<string>();
  for (const [param] of params) {
    if (seen.has(param)) continue;
    seen.add(param);
    const field = Object.hasOwn(schema, param) ? schema[param] : undefined;
    if (field === undefined) {
      ignored.push({ param, reason: 'unknown parameter' });
      continue;
    }
    const all = params.getAll(param);
    let value: unknown;
    if (field.kind === 'list') value = all;
    else if (all.length > 1) {
      ignored.push({ param, reason: 'given more than once' });
      continue;
    } else {
      const text = all[0] ?? '';
      value = field.kind === 'int' || field.kind === 'optionalInt' ? (field.kind === 'optionalInt' && text === '' ? null : (parseInteger(text) ?? text)) : text;
    }
    const problem = fieldProblem(field, value);
    if (problem === undefined) state[param] = value;
    else ignored.push({ param, reason: problem });
  }
  return { state: state as StateOf<S>, ignored };
}

/**
 * Writes a state as a query string, `?` included, or `''` when every field has its
 * default: fields in schema order, defaults left out, list items in order. Values that
 * do not fit their field are left out too (the link then gives the default).
 */
export function encodeState<S extends Schema>(schema: S, state: StateOf<S>): string {
  const params = new URLSearchParams();
  for (const [name, field] of Object.entries(schema)) {
    const value = (state as Record<string, unknown>)[name];
    if (fieldProblem(field, value) !== undefined) continue;
    switch (field.kind) {
      case 'list':
        for (const item of value as readonly string[]) params.append(name, item);
        break;
      case 'optionalInt':
        if (typeof value === 'number') params.set(name, value.toString());
        break;
      default:
        if (value !== field.default) params.set(name, String(value));
    }
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

/** Whether two states of one schema are equal field by field (lists item by item). */
export function sameState<S extends Schema>(schema: S, a: StateOf<S>, b: StateOf<S>): boolean {
  return Object.keys(schema).every((name) => {
    const x = (a as Record<string, unknown>)[name];
    const y = (b as Record<string, unknown>)[name];
    return Array.isArray(x) && Array.isArray(y) ? x.length === y.length && x.every((v, i) => v === y[i]) : x === y;
  });
}

/** The fields of `state` that do not fit the schema, with why (empty when all fit). */
export function stateProblems<S extends Schema>(schema: S, state: StateOf<S>): Partial<Record<keyof S, string>> {
  const problems: Partial<Record<keyof S, string>> = {};
  for (const [name, field] of Object.entries(schema)) {
    const problem = fieldProblem(field, (state as Record<string, unknown>)[name]);
    if (problem !== undefined) problems[name as keyof S] = problem;
  }
  return problems;
}

/** The non-blank lines of a text box, trimmed: how a list field is typed (one item per line). */
export function parseLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}
