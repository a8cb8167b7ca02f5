import { AxiosHeaders, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { defineVenue, type VenueProfile } from '../../src/index.js';
import type { ManualClock } from '../../src/testing/index.js';

/** What a scripted venue answers: a response, or a dropped connection after the request arrived. */
export type Answer = { status: number; data?: unknown; headers?: Record<string, string> } | 'drop';

/** One request as the scripted venue saw it (after every interceptor). */
export interface Sent {
  readonly method: string;
  readonly url: string;
  readonly params: Record<string, unknown>;
  readonly data: unknown;
  readonly headers: AxiosHeaders;
  readonly at: number;
}

/**
 * An in-process venue: an axios adapter answering each request from `answer`; every
 * request is recorded with the clock time, so a test controls exactly what executed.
 */
export function scripted(clock: ManualClock, answer: (req: Sent, index: number) => Answer): { adapter: AxiosAdapter; sent: Sent[] } {
  const sent: Sent[] = [];
  const adapter: AxiosAdapter = (config: InternalAxiosRequestConfig) => {
    const req: Sent = {
      method: (config.method ?? 'get').toUpperCase(),
      url: config.url ?? '',
      params: { ...(config.params as Record<string, unknown> | undefined) },
      data: typeof config.data === 'string' && config.data.startsWith('{') ? (JSON.parse(config.data) as unknown) : config.data,
      headers: AxiosHeaders.from(config.headers),
      at: clock.now(),
    };
    sent.push(req);
    const a = answer(req, sent.length - 1);
    if (a === 'drop') return Promise.reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    return Promise.resolve({ data: a.data ?? {}, status: a.status, statusText: '', headers: a.headers ?? {}, config, request: {} });
  };
  return { adapter, sent };
}

/**
 * A small exchange profile for scripted venues: key in the query (`clientId`), lookup by
 * `GET /order?clientId=`, 404 is "not found" and trusted after 1 s, 400 is a refusal.
 */
export function scriptedExchange(name: string): VenueProfile {
  return defineVenue({
    name,
    kind: 'exchange',
    key: { placement: 'query', field: 'clientId', format: { encoding: 'hash', pattern: '^[A-Za-z0-9]{1,32}$', maxLength: 32 } },
    dedupe: { kind: 'openOrders' },
    reconcile: {
      notFoundIsAuthoritative: true,
      settleDelayMs: 1_000,
      notFoundCodes: ['404'],
      lookup: { method: 'GET', path: '/order', keyIn: 'query', keyParam: 'clientId', foundPath: 'orderId' },
    },
    response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
    rateLimit: { retryAfterHeaders: ['retry-after'] },
    errors: [{ match: { status: 400 }, outcome: 'fatal' }],
  });
}
