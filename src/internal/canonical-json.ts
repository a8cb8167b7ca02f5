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
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((item) => (item === undefined ? 'null' : write(item, seen))).join(',')}]`;
  } else if (obj instanceof Date) {
    out = JSON.stringify(obj.toISOString());
  } else {
    const record = obj as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${write(record[k], seen)}`).join(',')}}`;
  }
  seen.delete(obj);
  return out;
}

/** SHA-256 of the canonical JSON of `value`, as lowercase hex. */
export function fingerprintOf(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}
