/**
 * Reading the few top-level fields of a stored record body that a replay needs (id,
 * status, updatedAt) without parsing it. A ledger holds up to `retentionMs` (7 days by
 * default) of finished intents, which are read back only to answer a repeated business
 * action; parsing a million of them at open, and keeping them as objects, cost seconds
 * and about 1 KB of heap each, so the file ledger indexes them by file position instead
 * (see finished-index.ts) and needs only these fields. The body format:
 * docs/durability.md#records.
 */

/**
 * The body stored for `record`: its JSON with `id`, `status` and `updatedAt` written
 * first, then every other field in the record's own order (leases are never stored;
 * the caller leaves them out). Still one plain JSON object with the same keys and
 * values, so any reader, including an older version of this ledger, reads it exactly
 * as before; a replay (which reads only those three fields, see {@link summarizeRaw})
 * then stops after the first hundred bytes or so instead of walking the whole body.
 *
 * @param stored - the record as stored (no lease fields).
 * @returns the UTF-8 bytes of the body.
 */
export function encodeStoredBody(stored: { readonly id: string; readonly status: string; readonly updatedAt: number }): Buffer {
  return Buffer.from(storedBodyText(stored));
}

/**
 * {@link encodeStoredBody} as a string (the file ledger writes it straight into the
 * buffer of its group commit), leaving out the lease fields `leaseOwner` and
 * `leaseExpiresAt` if `record` has them: a lease is never stored.
 */
export function storedBodyText(record: { readonly id: string; readonly status: string; readonly updatedAt: number; readonly leaseOwner?: unknown; readonly leaseExpiresAt?: unknown }): string {
  const unleased = record.leaseOwner === undefined && record.leaseExpiresAt === undefined;
  // A key whose value is undefined is left out by JSON.stringify.
  if (unleased && inStoredOrder(record)) return JSON.stringify(record);
  // Spreading into keys that already exist keeps their (first) position: the copy fills
  // in the values and appends every other key in the record's order. (No key may follow
  // the spread: V8 builds a spread followed by new keys several times slower.)
  if (unleased) return JSON.stringify({ id: undefined, status: undefined, updatedAt: undefined, ...(record as object) });
  const { leaseOwner: _o, leaseExpiresAt: _u, ...stored } = record;
  return JSON.stringify({ id: undefined, status: undefined, updatedAt: undefined, ...(stored as object) });
}

/**
 * Whether the first keys of `record` are `id`, `status` and `updatedAt`, in that order
 * (records built by createdPending, read from a body written here, or copied from one
 * of those keep it): its JSON is then laid out as {@link storedBodyText} writes it.
 * Walks three keys, allocates nothing.
 */
function inStoredOrder(record: object): boolean {
  let k = 0;
  for (const key in record) {
    if (key !== LEADING_KEYS[k]) return false;
    if (++k === LEADING_KEYS.length) return true;
  }
  return false;
}

const LEADING_KEYS = ['id', 'status', 'updatedAt'] as const;

/** The top-level fields a replay needs to decide whether a record can stay encoded. */
export interface RecordSummary {
  readonly id: string;
  readonly status: string;
  readonly updatedAt: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

const isSpace = (c: number): boolean => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/** Index just past the closing quote of the string whose opening quote is at `i - 1`; -1 if unterminated. */
function skipString(b: Uint8Array, i: number, end: number): number {
  while (i < end) {
    const c = b[i] as number;
    if (c === QUOTE) return i + 1;
    i += c === BACKSLASH ? 2 : 1;
  }
  return -1;
}

/** Index just past the object or array opening at `i`; -1 if it does not close before `end`. */
function skipNested(b: Uint8Array, i: number, end: number): number {
  let depth = 0;
  while (i < end) {
    const c = b[i] as number;
    if (c === QUOTE) {
      i = skipString(b, i + 1, end);
      if (i < 0) return -1;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return -1;
}

/** Whether `b[start..end)` holds exactly the ASCII characters of `key`. */
function keyIs(b: Uint8Array, start: number, end: number, key: string): boolean {
  if (end - start !== key.length) return false;
  for (let k = 0; k < key.length; k++) if (b[start + k] !== key.charCodeAt(k)) return false;
  return true;
}

/** A JSON number in `b[start..end)` as JSON.parse would read it, or `undefined`. */
function jsonNumber(b: Uint8Array, start: number, end: number): number | undefined {
  // The usual case, a non-negative integer of at most 15 digits, without a string.
  if (end > start && end - start <= 15 && (b[start] !== 0x30 || end - start === 1)) {
    let n = 0;
    let k = start;
    for (; k < end; k++) {
      const d = (b[k] as number) - 0x30;
      if (d < 0 || d > 9) break;
      n = n * 10 + d;
    }
    if (k === end) return n;
  }
  const text = Buffer.from(b.buffer, b.byteOffset + start, end - start).toString('latin1');
  if (!/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Where the top-level `id` and `status` values lie in a record body (byte ranges of the
 * string contents, without quotes or escapes) and its `updatedAt`; filled by
 * {@link summarizeRaw}. One object is reused for a whole replay.
 */
export interface RawSummary {
  idStart: number;
  idEnd: number;
  statusStart: number;
  statusEnd: number;
  updatedAt: number;
}

/** A fresh {@link RawSummary} to pass to {@link summarizeRaw}. */
export const rawSummary = (): RawSummary => ({ idStart: 0, idEnd: 0, statusStart: 0, statusEnd: 0, updatedAt: 0 });

/** Whether `b[start..end)` is free of backslashes (a JSON string value without escapes). */
function noEscapes(b: Uint8Array, start: number, end: number): boolean {
  for (let k = start; k < end; k++) if (b[k] === BACKSLASH) return false;
  return true;
}

/**
 * Reads `id`, `status` and `updatedAt` from the top level of the JSON object in
 * `b[start..end)` without parsing the rest (nested values are skipped, strings are
 * skipped escape-aware) and without creating a string: `out` receives the byte ranges
 * of the two string values and the number. Returns `false` whenever anything is
 * unexpected (not an object, a key or needed value with escapes, a field missing or of
 * the wrong type, malformed input): the caller then parses the body with `JSON.parse`,
 * so this fast path never has to handle every case, only to be right when it answers.
 * As with `JSON.parse`, a repeated key counts with its last value. A string value
 * without escapes is, byte for byte, the UTF-8 encoding of the string JSON.parse reads.
 */
export function summarizeRaw(b: Uint8Array, start: number, end: number, out: RawSummary, stopEarly = false): boolean {
  let i = start;
  while (i < end && isSpace(b[i] as number)) i++;
  if (b[i] !== OPEN_BRACE) return false;
  i++;
  let found = 0;
  for (;;) {
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] === CLOSE_BRACE) break;
    if (b[i] !== QUOTE) return false;
    const keyStart = i + 1;
    i = skipString(b, keyStart, end);
    if (i < 0) return false;
    const keyEnd = i - 1;
    if (!noEscapes(b, keyStart, keyEnd)) return false;
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] !== COLON) return false;
    i++;
    while (i < end && isSpace(b[i] as number)) i++;
    if (i >= end) return false;
    const valueStart = i;
    const c = b[i] as number;
    if (c === QUOTE) i = skipString(b, i + 1, end);
    else if (c === OPEN_BRACE || c === OPEN_BRACKET) i = skipNested(b, i, end);
    else {
      while (i < end) {
        const d = b[i] as number;
        if (d === COMMA || d === CLOSE_BRACE || isSpace(d)) break;
        i++;
      }
    }
    if (i < 0) return false;
    const valueEnd = i;
    const keyLength = keyEnd - keyStart;
    if ((keyLength === 2 && keyIs(b, keyStart, keyEnd, 'id')) || (keyLength === 6 && keyIs(b, keyStart, keyEnd, 'status'))) {
      if (c !== QUOTE || !noEscapes(b, valueStart + 1, valueEnd - 1)) return false;
      if (keyLength === 2) {
        out.idStart = valueStart + 1;
        out.idEnd = valueEnd - 1;
        found |= 1;
      } else {
        out.statusStart = valueStart + 1;
        out.statusEnd = valueEnd - 1;
        found |= 2;
      }
    } else if (keyLength === 9 && keyIs(b, keyStart, keyEnd, 'updatedAt')) {
      const n = jsonNumber(b, valueStart, valueEnd);
      if (n === undefined) return false;
      out.updatedAt = n;
      found |= 4;
    }
    if (found === 7 && stopEarly) return true;
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] === COMMA) {
      i++;
      continue;
    }
    if (b[i] === CLOSE_BRACE) break;
    return false;
  }
  i++;
  while (i < end && isSpace(b[i] as number)) i++;
  return i === end && found === 7;
}

const LEAD_ID = Buffer.from('{"id":"', 'latin1');
const LEAD_STATUS = Buffer.from('","status":"', 'latin1');
const LEAD_UPDATED_AT = Buffer.from('","updatedAt":', 'latin1');

/** Whether `b[at..)` starts with `literal` (within `end`). */
function startsWith(b: Uint8Array, at: number, end: number, literal: Uint8Array): boolean {
  if (end - at < literal.length) return false;
  for (let k = 0; k < literal.length; k++) if (b[at + k] !== literal[k]) return false;
  return true;
}

/** Index of the first `"` in `b[at..end)`, or -1 if there is none or a backslash comes first. */
function plainStringEnd(b: Uint8Array, at: number, end: number): number {
  for (let i = at; i < end; i++) {
    const c = b[i] as number;
    if (c === QUOTE) return i;
    if (c === BACKSLASH) return -1;
  }
  return -1;
}

/**
 * {@link summarizeRaw} with `stopEarly`, for a body laid out as `encodeStoredBody` writes
 * it: exactly `{"id":"…","status":"…","updatedAt":N` followed by `,` or `}`, with no
 * escapes in the two strings and `N` a non-negative integer of at most 15 digits
 * without a leading zero. Reads those bytes and nothing else; returns `false` for any
 * other body (the caller then uses {@link summarizeRaw}), so it only ever answers where
 * {@link summarizeRaw} would answer the same.
 */
export function summarizeLeading(b: Uint8Array, start: number, end: number, out: RawSummary): boolean {
  if (!startsWith(b, start, end, LEAD_ID)) return false;
  const idStart = start + LEAD_ID.length;
  const idEnd = plainStringEnd(b, idStart, end);
  if (idEnd < 0 || !startsWith(b, idEnd, end, LEAD_STATUS)) return false;
  const statusStart = idEnd + LEAD_STATUS.length;
  const statusEnd = plainStringEnd(b, statusStart, end);
  if (statusEnd < 0 || !startsWith(b, statusEnd, end, LEAD_UPDATED_AT)) return false;
  const numberStart = statusEnd + LEAD_UPDATED_AT.length;
  let n = 0;
  let i = numberStart;
  for (; i < end; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  const digits = i - numberStart;
  if (digits === 0 || digits > 15 || (digits > 1 && b[numberStart] === 0x30) || i >= end) return false;
  if (b[i] !== COMMA && b[i] !== CLOSE_BRACE) return false;
  out.idStart = idStart;
  out.idEnd = idEnd;
  out.statusStart = statusStart;
  out.statusEnd = statusEnd;
  out.updatedAt = n;
  return true;
}

/** {@link summarizeRaw} with the values as strings, or `undefined`. */
export function summarizeRecord(b: Buffer, start: number, end: number): RecordSummary | undefined {
  const out = rawSummary();
  if (!summarizeRaw(b, start, end, out)) return undefined;
  return { id: b.toString('utf8', out.idStart, out.idEnd), status: b.toString('utf8', out.statusStart, out.statusEnd), updatedAt: out.updatedAt };
}
