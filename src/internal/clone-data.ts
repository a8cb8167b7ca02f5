/**
 * Deepest nesting the fast path copies before handing the value to `structuredClone`.
 * Far beyond any order or payment input; it also stops a cycle, which only
 * `structuredClone` reproduces.
 */
const MAX_DEPTH = 64;

/**
 * Thrown inside the fast path when a value needs `structuredClone`'s full algorithm.
 * One instance, made once: it never leaves this module.
 */
const NOT_PLAIN = new Error('not plain data');

/**
 * A deep copy of `value`, equal to `structuredClone(value)` for the plain data intent
 * records hold (objects with `Object.prototype`, dense arrays, strings, numbers,
 * booleans, `null`, `undefined`), at a fraction of its cost: `structuredClone` runs a
 * serialiser and a deserialiser, several microseconds even for a small record, and the
 * in-memory ledger copies every record it hands out.
 *
 * Anything else anywhere inside (a `Date`, a `Map`, a class instance, a null-prototype
 * object, symbol keys, a sparse array, nesting deeper than 64, a cycle) sends the whole value to
 * `structuredClone`, so the result, and any `DataCloneError`, are the same as
 * before. One difference remains: an object reached twice is copied twice here, where
 * `structuredClone` keeps one shared copy (JSON has no shared references either).
 */
export function cloneData<T>(value: T): T {
  try {
    return copy(value, 0) as T;
  } catch (error) {
    if (error === NOT_PLAIN) return structuredClone(value);
    throw error;
  }
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') {
    // Functions and symbols: `structuredClone` throws its own DataCloneError for them.
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
    const length = value.length;
    const out = new Array<unknown>(length);
    for (let i = 0; i < length; i++) {
      if (!(i in value)) throw NOT_PLAIN;
      out[i] = copy(value[i], depth + 1);
    }
    // Extra named properties on an array are kept by `structuredClone`.
    if (Object.keys(value).length !== length) throw NOT_PLAIN;
    return out;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) throw NOT_PLAIN;
  // structuredClone leaves symbol keys out; the spread below would copy them.
  if (Object.getOwnPropertySymbols(value).length !== 0) throw NOT_PLAIN;
  // A spread copies every own enumerable property in order (an own `__proto__` key stays a
  // key) and is far cheaper than building the object key by key; nested objects are then
  // replaced by their copies.
  const out: Record<string, unknown> = { ...value };
  for (const key in out) {
    const item = out[key];
    if (typeof item === 'object') {
      // for-in also walks keys inherited from a patched Object.prototype: not ours to copy.
      if (item !== null && Object.hasOwn(out, key)) out[key] = copy(item, depth + 1);
    } else if (typeof item === 'function' || typeof item === 'symbol') {
      throw NOT_PLAIN;
    }
  }
  return out;
}
