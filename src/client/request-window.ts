import { AxiosHeaders } from 'axios';
import type { RequestWindowSpec } from '../venues/profile.js';

/** The parts of a request that can carry its validity window. */
export interface WindowCarrier {
  readonly url?: string | undefined;
  readonly params?: unknown;
  readonly data?: unknown;
  readonly headers?: unknown;
}

/** What a request says about its validity window. */
export type CarriedWindow =
  /** The request names no window: the venue applies its default. */
  | { readonly kind: 'absent' }
  /** The window the request carries, in ms. */
  | { readonly kind: 'carried'; readonly ms: number }
  /** The field is there but holds no number we can read (the venue decides what it means). */
  | { readonly kind: 'unreadable' };

/**
 * Reads the validity window a request carries where `spec` says: a query parameter
 * (in `params`, or in the URL's own query string, where signers often put every
 * parameter; else in the body, which venues reading parameters from either place
 * consult when the query has none), a body field (object, URLSearchParams, form or JSON string) or a header.
 * Pure and total: never throws.
 */
export function readCarriedWindow(spec: RequestWindowSpec, request: WindowCarrier): CarriedWindow {
  let raw: unknown;
  try {
    raw = rawWindow(spec, request);
  } catch {
    return { kind: 'unreadable' };
  }
  if (raw === undefined || raw === null || raw === '') return { kind: 'absent' };
  const text = typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim() : undefined;
  // Decimal milliseconds (Binance accepts microsecond precision such as 6000.346).
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return { kind: 'unreadable' };
  const ms = Number(text);
  return Number.isFinite(ms) ? { kind: 'carried', ms } : { kind: 'unreadable' };
}

/**
 * How long after an attempt left a copy of it may still execute, in ms: the window
 * it carried (or the venue's default), capped by the venue's maximum (a larger one is
 * refused, see {@link windowRefusal}), plus how far ahead of the venue's clock its
 * timestamp may run. `undefined` when the window cannot be read: the caller then
 * falls back to the profile's `settleDelayMs`.
 */
export function attemptSettleMs(spec: RequestWindowSpec, carried: CarriedWindow): number | undefined {
  if (carried.kind === 'unreadable') return undefined;
  const window = carried.kind === 'carried' ? carried.ms : spec.defaultMs;
  return Math.min(window, spec.maxMs ?? Number.POSITIVE_INFINITY) + spec.aheadMs;
}

/** Why a request must not be sent: its window is above what the venue accepts. `undefined` when it may go. */
export function windowRefusal(spec: RequestWindowSpec, carried: CarriedWindow): string | undefined {
  if (carried.kind !== 'carried' || spec.maxMs === undefined || carried.ms <= spec.maxMs) return undefined;
  return `${spec.field} ${String(carried.ms)} ms is above the ${String(spec.maxMs)} ms the venue accepts`;
}

function rawWindow(spec: RequestWindowSpec, request: WindowCarrier): unknown {
  switch (spec.in) {
    case 'header': {
      const headers = request.headers;
      if (headers === undefined || headers === null) return undefined;
      const value: unknown = AxiosHeaders.from(headers as Record<string, string>).get(spec.field);
      return Array.isArray(value) ? value[0] : value;
    }
    case 'query':
      // A venue reading signed parameters from the query string or the body (Binance)
      // takes the query's value when both carry one; a body-only window still counts.
      return fieldOf(request.params, spec.field) ?? queryOfUrl(request.url, spec.field) ?? fieldOf(request.data, spec.field);
    case 'body':
      return fieldOf(request.data, spec.field);
  }
}

function fieldOf(container: unknown, field: string): unknown {
  if (container === undefined || container === null) return undefined;
  if (container instanceof URLSearchParams) return container.get(field) ?? undefined;
  if (typeof container === 'string') {
    const text = container.trim();
    if (text.startsWith('{')) {
      try {
        return fieldOf(JSON.parse(text) as unknown, field);
      } catch {
        return undefined;
      }
    }
    return new URLSearchParams(text).get(field) ?? undefined;
  }
  if (typeof container === 'object' && Object.hasOwn(container, field)) return (container as Record<string, unknown>)[field];
  return undefined;
}

function queryOfUrl(url: string | undefined, field: string): string | undefined {
  if (typeof url !== 'string') return undefined;
  const at = url.indexOf('?');
  if (at < 0) return undefined;
  const end = url.indexOf('#', at);
  return new URLSearchParams(url.slice(at + 1, end < 0 ? undefined : end)).get(field) ?? undefined;
}
