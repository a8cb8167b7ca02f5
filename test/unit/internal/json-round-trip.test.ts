import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonRoundTrip } from '../../../src/internal/clone-data.js';

/** The behaviour jsonRoundTrip must reproduce: the value or the error of a real round trip. */
function reference(value: unknown): { value: unknown } | { error: unknown } {
  try {
    return { value: JSON.parse(JSON.stringify(value)) as unknown };
  } catch (error) {
    return { error };
  }
}

function actual(value: unknown): { value: unknown } | { error: unknown } {
  try {
    return { value: jsonRoundTrip(value) };
  } catch (error) {
    return { error };
  }
}

/** Same value, same key order at every level (JSON text compares both), same error class and message. */
function expectSame(value: unknown): void {
  const want = reference(value);
  const got = actual(value);
  if ('error' in want) {
    expect(got).toHaveProperty('error');
    const error = (got as { error: Error }).error;
    expect(error.constructor).toBe((want.error as Error).constructor);
    expect(error.message).toBe((want.error as Error).message);
    return;
  }
  expect(got).toHaveProperty('value');
  const copy = (got as { value: unknown }).value;
  expect(copy).toStrictEqual(want.value);
  expect(JSON.stringify(copy)).toBe(JSON.stringify(want.value));
}

class Order {
  constructor(readonly qty: string) {}
}

/** Anything, including what JSON drops, nulls, converts or refuses. */
const awkward = fc.letrec((tie) => ({
  leaf: fc.oneof(
    fc.jsonValue(),
    fc.constantFrom(undefined, Number.NaN, Number.POSITIVE_INFINITY, -0, 0, () => 1, Symbol('s')),
    fc.date({ noInvalidDate: true }),
    fc.constant(new Order('1')),
    fc.constant({ toJSON: () => 'custom' }),
    fc.constant(Object.create(null) as object),
    fc.string(),
  ),
  node: fc.oneof({ depthSize: 'small' }, tie('leaf'), fc.array(tie('node'), { maxLength: 4 }), fc.dictionary(fc.string({ maxLength: 6 }), tie('node'), { maxKeys: 4 })),
})).node;

describe('jsonRoundTrip', () => {
  it('equals JSON.parse(JSON.stringify(x)) on JSON data, key order included', () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => expectSame(value)), { numRuns: 400 });
  });

  it('equals the round trip, or throws its error, on values JSON changes or refuses', () => {
    fc.assert(fc.property(awkward, (value) => expectSame(value)), { numRuns: 600 });
  });

  it.each([
    ['undefined', undefined],
    ['a function', () => 1],
    ['NaN inside an object', { px: Number.NaN }],
    ['-0 in an array', [-0]],
    ['an undefined key', { a: 1, b: undefined }],
    // eslint-disable-next-line no-sparse-arrays -- the hole is the case under test
    ['a hole', [1, , 3]],
    ['a Date', { at: new Date(0) }],
    ['a class instance', { order: new Order('2') }],
    ['toJSON', { a: { toJSON: () => ({ z: 1 }) } }],
    ['a symbol key', { [Symbol('k')]: 1, a: 2 }],
    ['a BigInt', { n: 1n }],
    ['integer-like keys after string keys', { b: 1, 2: 'two', a: 3, 1: 'one' }],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"x": 1}, "a": 2}') as unknown],
    ['a named property on an array', Object.assign([1, 2], { extra: true })],
    ['a lone surrogate', { s: '\ud800' }],
    ['a non-enumerable toJSON', { a: Object.defineProperty({ b: 1 }, 'toJSON', { value: () => 'replaced', enumerable: false }) }],
  ])('%s', (_name, value) => expectSame(value));

  it('throws the round trip error for a cycle', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expectSame(cyclic);
  });

  it('shares no object or array with its input', () => {
    const input = { legs: [{ px: '1' }], meta: { tag: 'x' } };
    const copy = jsonRoundTrip(input) as typeof input;
    expect(copy).not.toBe(input);
    expect(copy.legs).not.toBe(input.legs);
    expect(copy.legs[0]).not.toBe(input.legs[0]);
    expect(copy.meta).not.toBe(input.meta);
  });

  it('skips keys inherited from a patched Object.prototype, as JSON does', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.injected = 'x';
    try {
      expectSame({ a: 1, nested: { b: 2 } });
      expect(Object.hasOwn(jsonRoundTrip({ a: 1 }) as object, 'injected')).toBe(false);
    } finally {
      delete proto.injected;
    }
  });
});
