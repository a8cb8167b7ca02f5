import type { AxiosRequestConfig } from 'axios';
import type { LookupMatch, LookupSpec, ScanSpec } from '../venues/profile.js';

/** A lookup request built from a profile, or why it cannot be built for this intent. */
export type BuiltLookup =
  /** `value`: what the lookup searches for (the venue key, or the `valueFrom` value), for `LookupSpec.match`. */
  | { readonly kind: 'request'; readonly config: AxiosRequestConfig; readonly value?: string }
  | { readonly kind: 'unavailable'; readonly reason: string };

/** Values a lookup parameter may take once copied. */
type ParamValue = string | number | boolean;

/**
 * Builds the reconcile lookup a profile describes (`profile.reconcile.lookup`, or one of
 * its `fallbackLookups`) for one intent: the key (or, with `valueFrom`, the original
 * request's own reference) goes where the venue expects it, and every `copyParams` entry is
 * taken from `extra` (the operation's `reconcile.params`), else from the original
 * request's query, else from its body. A dotted name (`params.currency`) is read at
 * that path and sent under its last segment.
 *
 * Pure: the original request is not modified. Signing is left to the caller's axios
 * interceptors, exactly as for the write itself.
 *
 * @returns `unavailable` when a required parameter is in none of those places: the
 *   lookup would be refused or, worse, search the wrong market, so it is not sent.
 */
export function buildLookupRequest(
  spec: LookupSpec,
  original: AxiosRequestConfig,
  venueKey: string,
  extra: Readonly<Record<string, unknown>> | undefined,
): BuiltLookup {
  const fields = new Map<string, ParamValue>();
  for (const name of spec.copyParams ?? []) {
    const value = readParam(name, extra, original);
    if (value === undefined) {
      return { kind: 'unavailable', reason: `the lookup needs "${name}", which is neither in reconcile.params nor in the original request` };
    }
    fields.set(lastSegment(name), value);
  }
  // Most venues look an object up by the key itself; some only by a reference of the
  // request's own (valueFrom), read from the original body, then its query.
  let value: ParamValue = venueKey;
  if (spec.valueFrom !== undefined) {
    const path = spec.valueFrom.split('.');
    const found = scalar(readPath(asRecord(original.data), path)) ?? scalar(readPath(asRecord(original.params), path));
    if (found === undefined) {
      return { kind: 'unavailable', reason: `the lookup needs "${spec.valueFrom}" from the original request, which has none` };
    }
    value = found;
  }
  if (spec.keyIn !== 'path' && spec.keyParam !== undefined) fields.set(spec.keyParam, value);

  const url = spec.keyIn === 'path' ? spec.path.replaceAll('{key}', encodeURIComponent(String(value))) : spec.path;
  const config: AxiosRequestConfig = { method: spec.method, url };
  const searched = spec.match === undefined ? {} : { value: String(value) };
  if (spec.method === 'GET' || spec.keyIn === 'query') {
    if (fields.size > 0) config.params = Object.fromEntries(fields);
    return { kind: 'request', config, ...searched };
  }
  // POST with the key in the body: same encoding as the original write (form or JSON),
  // since that is what the venue and the user's signer already handle.
  config.data = encodeLike(original.data, fields);
  if (original.headers !== undefined) {
    const contentType = headerValue(original.headers, 'content-type');
    if (contentType !== undefined) config.headers = { 'Content-Type': contentType };
  }
  return { kind: 'request', config, ...searched };
}

/**
 * Whether a lookup answer holds an object carrying `value` ({@link LookupSpec.match}):
 * `match` when an item has it at `keyPath`, `miss` when items carry the field with other
 * values only (or there are no items), `unreadable` when the items lack the field or are
 * not a collection. Pure; never throws.
 */
export function matchLookupItems(match: LookupMatch, body: unknown, value: string): 'match' | 'miss' | 'unreadable' {
  const collection = readDotted(body, match.itemsPath);
  if (collection === undefined || collection === null) return 'miss';
  if (typeof collection !== 'object') return 'unreadable';
  const items: unknown[] = Array.isArray(collection) ? collection : Object.values(collection);
  let lacking = false;
  for (const item of items) {
    const found = scalar(readDotted(item, match.keyPath));
    if (found === undefined) lacking = true;
    else if (String(found) === value) return 'match';
  }
  return lacking ? 'unreadable' : 'miss';
}

function readParam(name: string, extra: Readonly<Record<string, unknown>> | undefined, original: AxiosRequestConfig): ParamValue | undefined {
  const path = name.split('.');
  return scalar(readPath(extra, path)) ?? scalar(readPath(asRecord(original.params), path)) ?? scalar(readPath(asRecord(original.data), path));
}

/** A container as a plain record: objects as they are, URLSearchParams and form/JSON strings parsed. */
function asRecord(container: unknown): unknown {
  if (container instanceof URLSearchParams) return Object.fromEntries(container);
  if (typeof container === 'string') {
    const text = container.trim();
    if (text.startsWith('{')) {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return undefined;
      }
    }
    return Object.fromEntries(new URLSearchParams(text));
  }
  return container;
}

/** The value at a dotted path (`data.0.id`), or `undefined`. */
export function readDotted(root: unknown, path: string): unknown {
  return readPath(root, path.split('.'));
}

function readPath(root: unknown, path: readonly string[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return undefined;
    current = (current as Record<string, unknown>)[segment];
  }
  return current;
}

function scalar(value: unknown): ParamValue | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value;
  return undefined;
}

function lastSegment(name: string): string {
  const i = name.lastIndexOf('.');
  return i < 0 ? name : name.slice(i + 1);
}

function encodeLike(originalData: unknown, fields: ReadonlyMap<string, ParamValue>): unknown {
  const form = () => new URLSearchParams([...fields].map(([k, v]): [string, string] => [k, String(v)]));
  if (originalData instanceof URLSearchParams) return form();
  if (typeof originalData === 'string' && !originalData.trim().startsWith('{')) return form().toString();
  return Object.fromEntries(fields);
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  const getter = (headers as { get?: unknown }).get;
  if (typeof getter === 'function') {
    const value: unknown = (getter as (n: string) => unknown).call(headers, name);
    return typeof value === 'string' ? value : undefined;
  }
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name && typeof value === 'string') return value;
  }
  return undefined;
}

/** Default of {@link ScanSpec.createdSinceMarginMs}. */
const DEFAULT_SCAN_MARGIN_MS = 5 * 60_000;
/** Default of {@link ScanSpec.maxPages}. */
export const DEFAULT_SCAN_MAX_PAGES = 10;

/**
 * One page request of a scan (`profile.reconcile.scan`): the objects created since the
 * intent (less the margin for clock skew), newest first, continuing after `cursor`.
 * Pure; signing is left to the caller's interceptors.
 */
export function buildScanPage(spec: ScanSpec, intentCreatedAt: number, cursor: string | undefined): AxiosRequestConfig {
  const sinceMs = Math.max(0, intentCreatedAt - (spec.createdSinceMarginMs ?? DEFAULT_SCAN_MARGIN_MS));
  const since = spec.createdSinceUnit === 'seconds' ? Math.floor(sinceMs / 1000) : sinceMs;
  const params: Record<string, string | number> = { [spec.createdSinceParam]: since, [spec.limitParam]: spec.limit };
  if (cursor !== undefined) params[spec.cursorParam] = cursor;
  return { method: 'GET', url: spec.path, params };
}

/** What one scan page says about the intent's object. */
export type ScanPage =
  | { readonly kind: 'match'; readonly item: unknown }
  | { readonly kind: 'next'; readonly cursor: string }
  | { readonly kind: 'end' }
  | { readonly kind: 'unreadable'; readonly reason: string };

/**
 * Reads one page of a scan: the object whose `matchPath` holds `venueKey`, else the
 * cursor to the next page, else the end of the list. Pure and total.
 */
export function readScanPage(spec: ScanSpec, body: unknown, venueKey: string): ScanPage {
  const items = readDotted(body, spec.itemsPath);
  if (!Array.isArray(items)) return { kind: 'unreadable', reason: `no list at "${spec.itemsPath}" in the scan page` };
  for (const item of items as unknown[]) {
    if (readDotted(item, spec.matchPath) === venueKey) return { kind: 'match', item };
  }
  const hasMore = readDotted(body, spec.hasMorePath);
  if (hasMore === false || (hasMore === undefined && items.length === 0)) return { kind: 'end' };
  if (hasMore !== true) return { kind: 'unreadable', reason: `no boolean at "${spec.hasMorePath}" in the scan page` };
  const cursor = items.length === 0 ? undefined : readDotted(items[items.length - 1], spec.cursorPath);
  if (typeof cursor !== 'string' && typeof cursor !== 'number') {
    return { kind: 'unreadable', reason: `more pages follow, but the last object has no "${spec.cursorPath}" to continue from` };
  }
  return { kind: 'next', cursor: String(cursor) };
}
