/**
 * The playgrounds' state <-> URL query encoding (site/.vitepress/theme/playground/url-state.ts):
 * every valid state survives the round trip, defaults stay out of the link, and a link
 * that does not fit (edited by hand, or from an older page) falls back field by field.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ERROR_SCHEMA } from '../../../site/.vitepress/theme/playground/errors-view.js';
import { KEY_SCHEMA } from '../../../site/.vitepress/theme/playground/keys-view.js';
import { POLICY_SCHEMA } from '../../../site/.vitepress/theme/playground/policy-view.js';
import {
  decodeState,
  defaultState,
  encodeState,
  parseLines,
  sameState,
  stateProblems,
  type FieldSpec,
  type Schema,
  type StateOf,
} from '../../../site/.vitepress/theme/playground/url-state.js';

const SCHEMA = {
  n: { kind: 'int', min: -5, max: 100, default: 7 },
  cap: { kind: 'optionalInt', min: 0, max: 10 },
  mode: { kind: 'enum', values: ['a', 'b', ''], default: 'a' },
  text: { kind: 'text', maxLength: 20, default: 'hi' },
  items: { kind: 'list', maxItems: 3, maxLength: 10 },
} as const satisfies Schema;

/**
 * Text of at most `maxLength` UTF-16 units, any Unicode (a URL carries scalar values:
 * a lone surrogate, which no keyboard types, would come back as U+FFFD).
 */
function text(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: 'binary', maxLength: Math.min(maxLength, 40) }).filter((s) => s.length <= maxLength && !/\p{Surrogate}/u.test(s));
}

/** Any valid value of a field: the generator the round trip runs on. */
function arbitraryOf(field: FieldSpec): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'int':
      return fc.integer({ min: field.min, max: field.max });
    case 'optionalInt':
      return fc.option(fc.integer({ min: field.min, max: field.max }), { nil: null });
    case 'enum':
      return fc.constantFrom(...field.values);
    case 'text':
      return text(field.maxLength);
    case 'list':
      return fc.array(text(field.maxLength), { maxLength: Math.min(field.maxItems, 4) });
  }
}

function arbitraryState<S extends Schema>(schema: S): fc.Arbitrary<StateOf<S>> {
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, field] of Object.entries(schema)) record[name] = arbitraryOf(field);
  return fc.record(record) as unknown as fc.Arbitrary<StateOf<S>>;
}

describe('encodeState and decodeState', () => {
  for (const [name, schema] of [
    ['a test schema', SCHEMA],
    ['the key playground', KEY_SCHEMA],
    ['the policy playground', POLICY_SCHEMA],
    ['the error playground', ERROR_SCHEMA],
  ] as const) {
    it(`round-trips every valid state of ${name}, with nothing ignored`, () => {
      fc.assert(
        fc.property(arbitraryState(schema as Schema), (state) => {
          const decoded = decodeState(schema as Schema, encodeState(schema as Schema, state));
          return decoded.ignored.length === 0 && sameState(schema as Schema, decoded.state, state);
        }),
        { numRuns: 300 },
      );
    });

    it(`encodes the defaults of ${name} as an empty query`, () => {
      expect(encodeState(schema as Schema, defaultState(schema as Schema))).toBe('');
      expect(stateProblems(schema as Schema, defaultState(schema as Schema))).toEqual({});
    });
  }

  it('writes only what differs from the default, in schema order, lists as repeated parameters', () => {
    const state = { ...defaultState(SCHEMA), items: ['x y', 'z&'], n: 8, cap: 0 };
    expect(encodeState(SCHEMA, state)).toBe('?n=8&cap=0&items=x+y&items=z%26');
    expect(encodeState(SCHEMA, { ...defaultState(SCHEMA), text: '' })).toBe('?text=');
    expect(encodeState(SCHEMA, { ...defaultState(SCHEMA), mode: '' })).toBe('?mode=');
  });

  it('reads with or without the leading ?, and keeps defaults for what is absent', () => {
    expect(decodeState(SCHEMA, '?n=-5&mode=b').state).toEqual({ ...defaultState(SCHEMA), n: -5, mode: 'b' });
    expect(decodeState(SCHEMA, 'n=100').state.n).toBe(100);
    expect(decodeState(SCHEMA, '').state).toEqual(defaultState(SCHEMA));
    expect(decodeState(SCHEMA, '?cap=').state.cap).toBeNull();
  });

  it('ignores, and reports, what does not fit: keeps the default of that field only', () => {
    const { state, ignored } = decodeState(SCHEMA, '?n=101&cap=1.5&mode=c&text=' + 'x'.repeat(21) + '&items=1&items=2&items=3&items=4&other=1&n=3');
    expect(state).toEqual(defaultState(SCHEMA));
    expect(ignored).toEqual([
      { param: 'n', reason: 'given more than once' },
      { param: 'cap', reason: 'expected an integer in [0, 10]' },
      { param: 'mode', reason: 'expected one of a, b, (none)' },
      { param: 'text', reason: 'expected text of at most 20 characters' },
      { param: 'items', reason: 'expected at most 3 values of at most 10 characters' },
      { param: 'other', reason: 'unknown parameter' },
    ]);
    for (const bad of ['abc', '1e3', '0x10', ' 5', '+5', '99999999999999999']) {
      expect(decodeState(SCHEMA, `?n=${encodeURIComponent(bad)}`).ignored, bad).toHaveLength(1);
    }
    // A prototype key is an unknown parameter, not a field.
    expect(decodeState(SCHEMA, '?__proto__=1&constructor=2').ignored.map((i) => i.param)).toEqual(['__proto__', 'constructor']);
  });

  it('leaves invalid fields out of the link, and stateProblems names them', () => {
    const state = { ...defaultState(SCHEMA), n: Number.NaN, cap: 11, text: 'ok' };
    expect(encodeState(SCHEMA, state)).toBe('?text=ok');
    expect(stateProblems(SCHEMA, state)).toEqual({ n: 'expected an integer in [-5, 100]', cap: 'expected an integer in [0, 10]' });
  });
});

describe('parseLines', () => {
  it('keeps the non-blank lines, trimmed, of any line ending', () => {
    expect(parseLines('')).toEqual([]);
    expect(parseLines(' a \r\n\n b\n  \n')).toEqual(['a', 'b']);
  });
});
