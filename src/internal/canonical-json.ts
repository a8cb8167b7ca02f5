import { sha256Hex } from './hash.js';

/**
 * Serialises a JSON-compatible value with object keys sorted, so that two inputs
 * that are equal as data always produce the same string (and the same fingerprint),
 * whatever order their keys were written in.
 *
 * Throws a `TypeError` for values JSON cannot represent faithfully (functions,
 * symbols, bigint, non-finite numbers, cycles): a fingerprint that silently dropped
 * a field would let two different business actions share one key.
 */
export function canonicalJson(value: unknown): string {
  return write(value, new Set());
}

function write(value: unknown, seen: Set<object>): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`cannot fingerprint the number ${String(value)}`);
      return JSON.stringify(value);
    case 'object':
      break;
    default:
      throw new TypeError(`cannot fingerprint a value of type ${typeof value}`);
  }
  const obj = value;
  if (seen.has(obj)) throw new TypeError('cannot fingerprint a value with a cycle');
  seen.add(obj);
  // Built by appending to one string (no arrays of parts to join): this runs for the
  // input of every call.
  let out: string;
  if (Array.isArray(obj)) {
    out = '[';
    for (let i = 0; i < obj.length; i++) {
      if (i > 0) out += ',';
      // A hole in a sparse array writes nothing between its commas, as this form always
      // has (stored fingerprints depend on it); an undefined item writes null.
      if (!(i in obj)) continue;
      const item: unknown = obj[i];
      out += item === undefined ? 'null' : write(item, seen);
    }
    out += ']';
  } else if (obj instanceof Date) {
    out = JSON.stringify(obj.toISOString());
  } else {
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record);
    // Most inputs are written in one fixed order, often sorted already: sort only when not.
    if (!isSorted(keys)) keys.sort();
    out = '{';
    let first = true;
    for (const key of keys) {
      const item = record[key];
      if (item === undefined) continue;
      if (!first) out += ',';
      first = false;
      out += JSON.stringify(key) + ':' + write(item, seen);
    }
    out += '}';
  }
  seen.delete(obj);
  return out;
}

/** Whether `keys` are in the order `Array.prototype.sort` would put them (UTF-16 code units). */
function isSorted(keys: readonly string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false;
  return true;
}

/** SHA-256 of the canonical JSON of `value`, as lowercase hex. */
export function fingerprintOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
