import axios, { AxiosHeaders, type AxiosAdapter, type AxiosInstance, type AxiosRequestConfig, type AxiosResponse } from 'axios';
import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { KeySpec } from '../venues/profile.js';
import { extend } from '../internal/extend.js';

/** Per-request metadata intentkey attaches; visible to your interceptors as `config.intentkey`. */
export interface IntentRequestMeta {
  readonly intentId: string;
  readonly operation: string;
  readonly key: string;
  readonly venueKey: string;
  /** Attempt number; `0` for a reconcile lookup. */
  readonly attempt: number;
  /** `send` for the write itself, `lookup` for a reconcile lookup. */
  readonly purpose: 'send' | 'lookup';
  /** Fresh id of this attempt or lookup request; stored with the attempt in the ledger. */
  readonly correlationId: string;
}

/**
 * The prototype of the {@link IntentRequestMeta} objects intentkey attaches: an empty
 * frozen object. axios deep-copies every plain object it finds in a request config
 * (`mergeConfig`; an object counts as plain when its prototype is `Object.prototype` or
 * `null`) and passes other objects on as they are. With this prototype the metadata
 * reaches your interceptors and the transport as the one frozen object made here, with
 * no copy made on every request.
 */
const REQUEST_META_PROTOTYPE: object = Object.freeze({});

/** The metadata of one request, frozen, with the fields in the order given. */
export function requestMeta(fields: IntentRequestMeta): IntentRequestMeta {
  return Object.freeze(Object.assign(Object.create(REQUEST_META_PROTOTYPE) as IntentRequestMeta, fields));
}

declare module 'axios' {
  interface AxiosRequestConfig {
    /**
     * Set by intentkey on requests it sends. Read it in your interceptors (for
     * logging). It is frozen: writing to it throws a `TypeError`. The key itself is
     * already placed in the request.
     */
    intentkey?: IntentRequestMeta;
  }
}

/**
 * Places the venue key where the profile says. Idempotent: placing the same key
 * twice gives the same request, so re-running interceptors (or a user's own retry
 * wrapper calling the instance again) cannot mint a second key. A different key
 * already in that place is a bug and is refused before anything is sent.
 */
export function placeKey(config: AxiosRequestConfig, spec: KeySpec, venueKey: string, operation: string): AxiosRequestConfig {
  switch (spec.placement) {
    case 'header': {
      const headers = AxiosHeaders.from((config.headers ?? {}) as Record<string, string>);
      const existing = headers.get(spec.field);
      if (existing !== undefined && existing !== null && String(existing) !== venueKey) {
        throw conflictingKey(operation, `headers.${spec.field}`);
      }
      headers.set(spec.field, venueKey);
      return extend(config, { headers });
    }
    case 'query':
      return extend(config, { params: withField(config.params, spec.field, venueKey, operation, 'params') });
    case 'body':
      return extend(config, { data: withField(config.data, spec.field, venueKey, operation, 'data', spec.valueType === 'number') });
  }
}

/**
 * `asNumber`: the key goes into a JSON object as a number (an `integer`-encoded key
 * the venue documents as numeric); form bodies and query strings carry text anyway.
 */
function withField(container: unknown, field: string, venueKey: string, operation: string, where: string, asNumber = false): unknown {
  const value: string | number = asNumber ? Number(venueKey) : venueKey;
  if (container === undefined || container === null) return setPath({}, field.split('.'), value, operation, where);
  if (container instanceof URLSearchParams) {
    const existing = container.get(field);
    if (existing !== null && existing !== venueKey) throw conflictingKey(operation, `${where}.${field}`);
    const copy = new URLSearchParams(container);
    copy.set(field, venueKey);
    return copy;
  }
  if (typeof container === 'string' && where === 'data') {
    // A pre-encoded form body (application/x-www-form-urlencoded), as some exchanges sign.
    const form = new URLSearchParams(container);
    const existing = form.get(field);
    if (existing !== null && existing !== venueKey) throw conflictingKey(operation, `${where}.${field}`);
    form.set(field, venueKey);
    return form.toString();
  }
  if (typeof container === 'object' && Object.getPrototypeOf(container) === Object.prototype) {
    return setPath(container as Record<string, unknown>, field.split('.'), value, operation, where);
  }
  throw new ConfigurationError({
    path: `operations.${operation}.request().${where}`,
    expected: 'a plain object, URLSearchParams or a form-encoded string, so the key can be placed in it',
    // A body may carry signed or personal data: its kind only.
    received: describeValue(container, { secret: true }),
  });
}

function setPath(obj: Record<string, unknown>, path: readonly string[], value: string | number, operation: string, where: string): Record<string, unknown> {
  const [head, ...rest] = path as [string, ...string[]];
  if (rest.length === 0) {
    const existing = obj[head];
    // The same key as text or as a number is the same key (a caller may have placed it either way).
    const same = existing === value || ((typeof existing === 'string' || typeof existing === 'number') && String(existing) === String(value));
    if (existing !== undefined && !same) throw conflictingKey(operation, `${where}.${path.join('.')}`);
    return { ...obj, [head]: value };
  }
  const child = obj[head];
  const base = typeof child === 'object' && child !== null && !Array.isArray(child) ? (child as Record<string, unknown>) : {};
  return { ...obj, [head]: setPath(base, rest, value, operation, where) };
}

function conflictingKey(operation: string, where: string): ConfigurationError {
  return new ConfigurationError({
    path: `operations.${operation}.request().${where}`,
    expected: "the intent's venue key (or nothing: intentkey places it)",
    received: 'a different key',
  });
}

/** What one HTTP round trip gave, normalised for classification: the response, or the error and whether the request left. */
export type RoundTrip =
  | { readonly kind: 'response'; readonly response: AxiosResponse }
  | { readonly kind: 'error'; readonly error: unknown; readonly dispatched: boolean };

/**
 * One HTTP round trip: sends one request through the user's instance (so their interceptors sign it)
 * with the settings that keep intent semantics intact:
 * - `validateStatus: () => true`: every status comes back as a response, and we
 *   classify it ourselves;
 * - `axios-retry: { retries: 0 }`: an installed axios-retry must not add hidden
 *   attempts that bypass the ledger (its per-request config wins over its defaults);
 * - the adapter is wrapped to record whether it was reached at all. An error raised
 *   before that (a failing request interceptor) proves nothing was sent.
 *
 * @param beforeDispatch - called in the adapter with the final request, after your
 *   interceptors and just before it is handed to the transport; if it throws, the request is not sent and
 *   the result is a not-dispatched error.
 */
export async function roundTrip(http: AxiosInstance, config: AxiosRequestConfig, beforeDispatch?: (final: AxiosRequestConfig) => void): Promise<RoundTrip> {
  let dispatched = false;
  let adapterResponse: AxiosResponse | undefined;
  let adapterError: unknown;
  let adapterFailed = false;
  const base: AxiosAdapter = axios.getAdapter(config.adapter ?? http.defaults.adapter);
  const adapter: AxiosAdapter = async (cfg) => {
    // Last check before any byte can leave, after every request interceptor (signing)
    // has run. Throwing here proves nothing was sent.
    beforeDispatch?.(cfg);
    dispatched = true;
    try {
      adapterResponse = await base(cfg);
      return adapterResponse;
    } catch (error) {
      adapterFailed = true;
      adapterError = error;
      throw error;
    }
  };
  const retryOff = { retries: 0, validateResponse: null };
  const final = extend(config, { adapter, validateStatus: () => true, 'axios-retry': retryOff }) as AxiosRequestConfig;
  try {
    const response = await http.request(final);
    return { kind: 'response', response };
  } catch (error) {
    // The adapter's own failure (reset, timeout, a body cut mid-stream) is a transport
    // fault even when axios attached the partial response: classify it as such.
    if (adapterFailed) return { kind: 'error', error: adapterError, dispatched: true };
    // The adapter returned a whole response and a user's response interceptor threw
    // afterwards: that response is still the venue's answer.
    if (adapterResponse) return { kind: 'response', response: adapterResponse };
    return { kind: 'error', error, dispatched };
  }
}

/** Case-insensitive header reader over an axios response. */
export function headerReader(response: AxiosResponse): (name: string) => string | undefined {
  const headers = AxiosHeaders.from(response.headers as Record<string, string>);
  return (name) => {
    const value = headers.get(name);
    if (value === undefined || value === null || value === false) return undefined;
    return Array.isArray(value) ? value.join(', ') : String(value);
  };
}
