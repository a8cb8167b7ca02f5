/**
 * Finished intents as the file ledger keeps them in memory after a replay: the stored
 * JSON bytes of the record, decoded only when the intent is asked for again. A ledger
 * holds up to `retentionMs` (7 days by default) of finished intents, which are read back
 * only to answer a repeated business action; parsing a million of them at open, and
 * keeping them as objects, cost seconds and about 1 KB of heap each.
 */

/** A finished intent held as its stored record body (UTF-8 JSON, lease fields absent). */
export class EncodedRecord {
  /**
   * @param bytes - the buffer holding the body (shared by many records; never modified).
   * @param start - offset of the body's first byte in `bytes`.
   * @param end - offset just past the body's last byte.
   * @param updatedAt - the record's `updatedAt`, epoch ms (for retention at compaction).
   */
  constructor(
    readonly bytes: Buffer,
    readonly start: number,
    readonly end: number,
    readonly updatedAt: number,
  ) {}

  /** The body bytes (a view, not a copy). */
  body(): Buffer {
    return this.bytes.subarray(this.start, this.end);
  }

  /** The body as text. */
  text(): string {
    return this.bytes.toString('utf8', this.start, this.end);
  }
}

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

/** A plain string value without escapes, or `undefined`. */
function plainString(b: Buffer, start: number, end: number): string | undefined {
  // Values written with escapes are left to JSON.parse.
  let ascii = true;
  for (let k = start; k < end; k++) {
    const c = b[k] as number;
    if (c === BACKSLASH) return undefined;
    if (c >= 0x80) ascii = false;
  }
  return b.toString(ascii ? 'latin1' : 'utf8', start, end);
}

/** A JSON number in `b[start..end)` as JSON.parse would read it, or `undefined`. */
function jsonNumber(b: Buffer, start: number, end: number): number | undefined {
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
  const text = b.toString('latin1', start, end);
  if (!/^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Reads `id`, `status` and `updatedAt` from the top level of the JSON object in
 * `b[start..end)` without parsing the rest (nested values are skipped, strings are
 * skipped escape-aware). Returns `undefined` whenever anything is unexpected (not an
 * object, a key or needed value with escapes, a field missing or of the wrong type,
 * malformed input): the caller then parses the body with `JSON.parse`, so this fast
 * path never has to handle every case, only to be right when it answers. As with
 * `JSON.parse`, a repeated key counts with its last value.
 */
export function summarizeRecord(b: Buffer, start: number, end: number): RecordSummary | undefined {
  let i = start;
  while (i < end && isSpace(b[i] as number)) i++;
  if (b[i] !== OPEN_BRACE) return undefined;
  i++;
  let id: string | undefined;
  let status: string | undefined;
  let updatedAt: number | undefined;
  for (;;) {
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] === CLOSE_BRACE) break;
    if (b[i] !== QUOTE) return undefined;
    const keyStart = i + 1;
    i = skipString(b, keyStart, end);
    if (i < 0) return undefined;
    const keyEnd = i - 1;
    for (let k = keyStart; k < keyEnd; k++) if (b[k] === BACKSLASH) return undefined;
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] !== COLON) return undefined;
    i++;
    while (i < end && isSpace(b[i] as number)) i++;
    if (i >= end) return undefined;
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
    if (i < 0) return undefined;
    const valueEnd = i;
    if (keyIs(b, keyStart, keyEnd, 'id') || keyIs(b, keyStart, keyEnd, 'status')) {
      if (c !== QUOTE) return undefined;
      const value = plainString(b, valueStart + 1, valueEnd - 1);
      if (value === undefined) return undefined;
      if (keyEnd - keyStart === 2) id = value;
      else status = value;
    } else if (keyIs(b, keyStart, keyEnd, 'updatedAt')) {
      updatedAt = jsonNumber(b, valueStart, valueEnd);
      if (updatedAt === undefined) return undefined;
    }
    while (i < end && isSpace(b[i] as number)) i++;
    if (b[i] === COMMA) {
      i++;
      continue;
    }
    if (b[i] === CLOSE_BRACE) break;
    return undefined;
  }
  i++;
  while (i < end && isSpace(b[i] as number)) i++;
  if (i !== end || id === undefined || status === undefined || updatedAt === undefined) return undefined;
  return { id, status, updatedAt };
}
