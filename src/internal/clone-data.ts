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

/**
 * A dense array with `Array.prototype` and nothing but its items, each copied with `item`.
 * Anything else sends the whole value to the slow path (NOT_PLAIN): a hole (kept as a hole
 * by `structuredClone`, written as null by JSON), another prototype, or named properties
 * on the array (kept by `structuredClone`, dropped by JSON).
 */
function copyArray(value: unknown[], depth: number, item: (value: unknown, depth: number) => unknown): unknown[] {
  if (Object.getPrototypeOf(value) !== Array.prototype) throw NOT_PLAIN;
  const length = value.length;
  const out = new Array<unknown>(length);
  for (let i = 0; i < length; i++) {
    if (!(i in value)) throw NOT_PLAIN;
    out[i] = item(value[i], depth + 1);
  }
  if (Object.keys(value).length !== length) throw NOT_PLAIN;
  return out;
}

function copy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object') {
    // Functions and symbols: `structuredClone` throws its own DataCloneError for them.
    if (typeof value === 'function' || typeof value === 'symbol') throw NOT_PLAIN;
    return value;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) return copyArray(value, depth, copy);
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

/**
 * `JSON.parse(JSON.stringify(value))`, the same value and the same errors, at a fraction of
 * the cost for the plain JSON data operation inputs nearly always are: such a value
 * (objects with `Object.prototype` and no `toJSON`, dense arrays, strings, booleans,
 * `null`, finite numbers other than -0, every object key with a value JSON keeps) comes
 * back from a JSON round trip as an exact copy, so it is copied directly. Anything a
 * round trip would change or refuse anywhere inside (an `undefined`, a function or a
 * symbol that JSON drops or turns into `null`, `NaN`, `-0`, a `Date` or anything else
 * with `toJSON`, a class instance, a `Map`, a `BigInt`, a cycle, nesting deeper than 64)
 * sends the whole value through the real round trip, which gives its usual result or
 * throws its usual error.
 *
 * One difference remains: a getter on the input may run twice (once by the direct copy
 * that then finds something to refuse, once by the round trip).
 */
export function jsonRoundTrip(value: unknown): unknown {
  try {
    return copyJson(value, 0);
  } catch (error) {
    if (error !== NOT_PLAIN) throw error;
  }
  // `JSON.stringify` returns undefined for a lone undefined or function; `JSON.parse`
  // then throws its SyntaxError, as the plain round trip always did.
  return JSON.parse(JSON.stringify(value)) as unknown;
}

function copyJson(value: unknown, depth: number): unknown {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // NaN and ±Infinity become null in JSON, and -0 becomes 0.
      if (!Number.isFinite(value) || Object.is(value, -0)) throw NOT_PLAIN;
      return value;
    case 'object':
      break;
    default:
      // undefined, functions and symbols are dropped or nulled; BigInt throws.
      throw NOT_PLAIN;
  }
  if (value === null) return null;
  if (depth >= MAX_DEPTH) throw NOT_PLAIN;
  if (Array.isArray(value)) return copyArray(value, depth, copyJson);
  if (Object.getPrototypeOf(value) !== Object.prototype) throw NOT_PLAIN;
  // JSON calls toJSON (own or inherited) and skips symbol keys; a spread would copy them.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
  if (Object.getOwnPropertySymbols(value).length !== 0) throw NOT_PLAIN;
  // The spread reads every own enumerable property once, in the order JSON.stringify
  // writes them and JSON.parse recreates them; nested values are then checked and copied.
  const out: Record<string, unknown> = { ...value };
  for (const key in out) {
    // for-in also walks keys inherited from a patched Object.prototype: JSON skips them.
    if (!Object.hasOwn(out, key)) throw NOT_PLAIN;
    const item = out[key];
    if (typeof item === 'object' && item !== null) out[key] = copyJson(item, depth + 1);
    else copyJson(item, depth + 1);
  }
  return out;
}
