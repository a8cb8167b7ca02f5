import { describe, expect, it } from 'vitest';
import { extend } from '../../../src/internal/extend.js';

describe('extend', () => {
  it('gives the same keys, values and key order as a spread with the patch after it', () => {
    const base = { id: 'a', status: 'pending', attempt: 0, input: { qty: '1' } };
    const patch = { status: 'inFlight', attempt: 1, leaseOwner: 'w1' };
    const spread = { ...base, ...patch };
    const copy = extend(base, patch);
    expect(copy).toEqual(spread);
    expect(Object.keys(copy)).toEqual(Object.keys(spread));
    expect(JSON.stringify(copy)).toBe(JSON.stringify(spread));
  });

  it('returns a new object and changes neither argument', () => {
    const base = { id: 'a', status: 'pending' };
    const patch = { status: 'failed' };
    const copy = extend(base, patch);
    expect(copy).not.toBe(base);
    expect(base).toEqual({ id: 'a', status: 'pending' });
    expect(patch).toEqual({ status: 'failed' });
    copy.status = 'succeeded';
    expect(base.status).toBe('pending');
  });

  it('is shallow, as a spread is: nested objects are shared', () => {
    const input = { qty: '1' };
    expect(extend({ input }, { status: 'x' }).input).toBe(input);
  });

  it('keeps a patch value of undefined as an own key, as a spread does', () => {
    const copy = extend({ a: 1 }, { b: undefined });
    expect(Object.hasOwn(copy, 'b')).toBe(true);
    expect(Object.keys(copy)).toEqual(Object.keys({ ...{ a: 1 }, b: undefined }));
  });

  it('keeps an own __proto__ key as a key and the copy an ordinary object, as a spread does', () => {
    const base = JSON.parse('{"__proto__": {"polluted": true}, "a": 1}') as Record<string, unknown>;
    const copy = extend(base, { b: 2 });
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, '__proto__')).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(copy)).toEqual(Object.keys({ ...base, b: 2 }));
    const fromPatch = extend({ a: 1 }, JSON.parse('{"__proto__": {"polluted": true}}') as object);
    expect(Object.getPrototypeOf(fromPatch)).toBe(Object.prototype);
    expect(Object.hasOwn(fromPatch, '__proto__')).toBe(true);
  });
});
