import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, fingerprintOf } from '../../../src/internal/canonical-json.js';
import { sha256Hex } from '../../../src/internal/hash.js';

/**
 * A second statement of the format, written differently (sorted key lists mapped and
 * joined): the form fingerprints had before the writer was made faster. Fingerprints
 * are stored with every intent, so the canonical form must never drift: any JSON value
 * must give exactly this text. (JSON.stringify with a sorting replacer is no oracle:
 * an object lists integer-like keys first whatever order they are inserted in.)
 */
function oracle(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : oracle(item))).join(',')}]`;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${oracle(record[k])}`).join(',')}}`;
}

/** The same object with its keys inserted in another order, at every level. */
function reordered(value: unknown, pick: (keys: string[]) => string[]): unknown {
  if (Array.isArray(value)) return value.map((item) => reordered(item, pick));
  if (value === null || typeof value !== 'object') return value;
  const record = value as Record<string, unknown>;
  return Object.fromEntries(pick(Object.keys(record)).map((k) => [k, reordered(record[k], pick)]));
}

describe('canonicalJson', () => {
  it('writes every JSON value as the sorted-key form always written (a second implementation as oracle)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        expect(canonicalJson(value)).toBe(oracle(value));
      }),
      { numRuns: 2000 },
    );
  });

  it('gives one text whatever order the keys were written in', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const reversed = reordered(value, (keys) => [...keys].reverse());
        const rotated = reordered(value, (keys) => [...keys.slice(1), ...keys.slice(0, 1)]);
        expect(canonicalJson(reversed)).toBe(canonicalJson(value));
        expect(canonicalJson(rotated)).toBe(canonicalJson(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps the stored format: fixed inputs, fixed texts', () => {
    expect(canonicalJson({ side: 'BUY', symbol: 'BTCUSDT', price: '50000.00', quantity: 0.01 })).toBe(
      '{"price":"50000.00","quantity":0.01,"side":"BUY","symbol":"BTCUSDT"}',
    );
    expect(canonicalJson({ b: [3, { z: 1, a: null }, 'x'], a: { d: true, c: false } })).toBe('{"a":{"c":false,"d":true},"b":[3,{"a":null,"z":1},"x"]}');
    // Keys sort by UTF-16 code units: upper case before lower case, "10" before "9".
    expect(canonicalJson({ b: 1, B: 2, 9: 'n', 10: 't', é: 3 })).toBe('{"10":"t","9":"n","B":2,"b":1,"é":3}');
    expect(canonicalJson([])).toBe('[]');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson('a"b\n')).toBe('"a\\"b\\n"');
  });

  it('leaves out undefined object values, writes undefined array items as null, and a Date as its ISO text', () => {
    expect(canonicalJson({ a: undefined, b: 1 })).toBe('{"b":1}');
    expect(canonicalJson({ only: undefined })).toBe('{}');
    expect(canonicalJson([1, undefined, 2])).toBe('[1,null,2]');
    expect(canonicalJson({ at: new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 6)) })).toBe('{"at":"2026-01-02T03:04:05.006Z"}');
  });

  it('refuses what JSON cannot represent faithfully, instead of dropping it', () => {
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) {
      expect(() => canonicalJson({ price: bad })).toThrow(TypeError);
    }
    expect(() => canonicalJson({ f: () => 1 })).toThrow(TypeError);
    expect(() => canonicalJson({ s: Symbol('x') })).toThrow(TypeError);
    expect(() => canonicalJson({ n: 10n })).toThrow(TypeError);
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow(/cycle/);
    const looped: unknown[] = [];
    looped.push(looped);
    expect(() => canonicalJson(looped)).toThrow(/cycle/);
  });

  it('writes a hole in a sparse array as it always has: nothing between the commas', () => {
    // Not JSON, but the form fingerprints were stored with: it must not change.
    // eslint-disable-next-line no-sparse-arrays
    const sparse = [1, , 2];
    expect(canonicalJson({ fills: sparse })).toBe('{"fills":[1,,2]}');
    expect(canonicalJson(sparse)).toBe(oracle(sparse));
    expect(canonicalJson(new Array(2))).toBe('[,]');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { qty: 1 };
    expect(canonicalJson({ a: shared, b: [shared, shared] })).toBe('{"a":{"qty":1},"b":[{"qty":1},{"qty":1}]}');
  });

  it('fingerprints are the SHA-256 of the canonical text', () => {
    const input = { symbol: 'ETHUSDT', side: 'SELL' };
    expect(fingerprintOf(input)).toBe(sha256Hex('{"side":"SELL","symbol":"ETHUSDT"}'));
    expect(fingerprintOf({ side: 'SELL', symbol: 'ETHUSDT' })).toBe(fingerprintOf(input));
  });
});
