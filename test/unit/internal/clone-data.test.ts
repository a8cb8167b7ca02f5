import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cloneData } from '../../../src/internal/clone-data.js';

/** Every object and array reachable from `value`, to check that no part is shared. */
function containers(value: unknown, out: object[] = []): object[] {
  if (typeof value === 'object' && value !== null) {
    out.push(value);
    for (const child of Object.values(value)) containers(child, out);
  }
  return out;
}

describe('cloneData', () => {
  it('equals structuredClone on JSON-like data and shares no object or array with the original', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const copy = cloneData(value);
        expect(copy).toStrictEqual(structuredClone(value));
        const originals = new Set(containers(value));
        for (const c of containers(copy)) expect(originals.has(c)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps undefined-valued keys and key order, as structuredClone does', () => {
    const value = { b: 1, a: undefined, 2: 'two', 1: ['x', { y: null }] };
    const copy = cloneData(value);
    expect(Object.keys(copy)).toEqual(Object.keys(structuredClone(value)));
    expect(Object.hasOwn(copy, 'a')).toBe(true);
    expect(copy).toStrictEqual(structuredClone(value));
  });

  it('changing the copy leaves the original as it was', () => {
    const original = { order: { qty: '1', legs: [{ px: '2' }] } };
    const copy = cloneData(original);
    copy.order.qty = '9';
    (copy.order.legs[0] as { px: string }).px = '8';
    expect(original).toEqual({ order: { qty: '1', legs: [{ px: '2' }] } });
  });

  it('hands anything but plain data to structuredClone: dates, maps, class instances, sparse arrays, cycles', () => {
    const date = new Date(1_700_000_000_000);
    const withDate = cloneData({ at: date });
    expect(withDate.at).toBeInstanceOf(Date);
    expect(withDate.at).not.toBe(date);
    expect(withDate.at.getTime()).toBe(date.getTime());

    const map = cloneData({ m: new Map([['k', 1]]) });
    expect(map.m).toBeInstanceOf(Map);
    expect(map.m.get('k')).toBe(1);

    class Point {
      constructor(readonly x: number) {}
    }
    const point = cloneData({ p: new Point(3) });
    expect(point.p).not.toBeInstanceOf(Point); // structuredClone drops the class
    expect(point.p).toEqual({ x: 3 });

    // eslint-disable-next-line no-sparse-arrays
    const sparse = cloneData([1, , 3]);
    expect(1 in sparse).toBe(false);
    expect(sparse).toHaveLength(3);

    const cyclic: { self?: unknown; n: number } = { n: 1 };
    cyclic.self = cyclic;
    const copy = cloneData(cyclic);
    expect(copy.self).toBe(copy);
    expect(copy).not.toBe(cyclic);

    const tag = Symbol('tag');
    const withSymbol = cloneData({ a: { b: 1 }, [tag]: { hidden: true } });
    expect(Object.getOwnPropertySymbols(withSymbol)).toHaveLength(0); // structuredClone leaves symbol keys out
    expect(withSymbol).toStrictEqual({ a: { b: 1 } });

    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { a: 1 });
    expect(Object.getPrototypeOf(cloneData(bare))).toBe(Object.prototype);
  });

  it('throws what structuredClone throws for values it cannot copy', () => {
    expect(() => cloneData({ f: () => 1 })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
    expect(() => cloneData({ s: Symbol('s') })).toThrow(expect.objectContaining({ name: 'DataCloneError' }));
  });

  it('copies nesting deeper than the fast path through structuredClone', () => {
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = { next: deep };
    expect(cloneData(deep)).toStrictEqual(structuredClone(deep));
  });
});

describe('cloneData and __proto__', () => {
  it('copies an own __proto__ key as a key, not as the prototype', () => {
    const value = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as Record<string, unknown>;
    const copy = cloneData(value);
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect(copy).toStrictEqual(structuredClone(value));
  });
});
