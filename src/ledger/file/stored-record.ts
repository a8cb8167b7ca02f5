/**
 * Reading the few top-level fields of a stored record body that a replay needs (id,
 * status, updatedAt) without parsing it. A ledger holds up to `retentionMs` (7 days by
 * default) of finished intents, which are read back only to answer a repeated business
 * action; parsing a million of them at open, and keeping them as objects, cost seconds
 * and about 1 KB of heap each, so the file ledger indexes them by file position instead
 * (see finished-index.ts) and needs only these fields.
 */

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

/** {@link summarizeRaw} with the values as strings, or `undefined`. */
export function summarizeRecord(b: Buffer, start: number, end: number): RecordSummary | undefined {
  const out = rawSummary();
  if (!summarizeRaw(b, start, end, out)) return undefined;
  return { id: b.toString('utf8', out.idStart, out.idEnd), status: b.toString('utf8', out.statusStart, out.statusEnd), updatedAt: out.updatedAt };
}
