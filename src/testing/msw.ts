// `intentkey/testing/msw`: the fake venue as msw request handlers. This is the only
// module of the package that imports `msw` (an optional peer dependency), so users
// without msw can still load `intentkey` and `intentkey/testing`.
import { http, HttpResponse, type RequestHandler } from 'msw';
import { ConfigurationError } from '../errors/errors.js';
import { describeValue } from '../internal/validation.js';
import { createVenueSim, type VenueSimOptions, type VenueStats } from './venue-sim.js';

export { VENUE_FAULTS, type VenueFault, type VenueFaults, type VenueSimOptions, type VenueStats } from './venue-sim.js';

/** Options of {@link createVenueHandlers}: the simulated venue's (see {@link VenueSimOptions}) and where it answers. */
export interface VenueHandlersOptions extends VenueSimOptions {
  /**
   * Absolute `http:` or `https:` URL the venue answers under, e.g. `https://api.binance.test`
   * or `https://api.test/stripe` (a path prefix is stripped before routing, so
   * `https://api.test/stripe/v1/payments` is the venue's `/v1/payments`). Point your axios
   * instance's `baseURL` at it. Requests to other URLs are left to your other handlers
   * (or to msw's `onUnhandledRequest`). Required; a trailing `/` is ignored.
   */
  readonly baseUrl: string;
}

/** A simulated venue behind msw, from {@link createVenueHandlers}. */
export interface VenueHandlers {
  /** The msw handlers: pass them to `setupServer(...venue.handlers)` or `server.use(...venue.handlers)`. */
  readonly handlers: RequestHandler[];
  /** The base URL, without a trailing `/`. */
  readonly baseUrl: string;
  /** Counts so far (requests, writes, executions, duplicates, faults drawn, replays, ...). */
  stats(): VenueStats;
  /** Executions recorded for one business id (the `businessId` field of the write, else the key or client order id). */
  executionsOf(businessId: string): number;
  /** Every business id with its execution count. */
  executions(): ReadonlyMap<string, number>;
  /** Answers held right now by the `delay` fault (executed, not yet answered). */
  held(): number;
  /** Resolves once at least `count` answers are held at once: synchronise on this, not on a sleep. @param count - @default 1 */
  whenHeld(count?: number): Promise<void>;
  /** Ends every current hold now (those answers are stored under their key and sent); returns how many. */
  release(): number;
  /**
   * Back to a fresh venue: forgets orders, payments, keys, counts and bans, and restarts
   * the fault draws from the seed (current holds are released first). Call it in
   * `afterEach` when one venue serves several tests.
   */
  reset(): void;
}

/**
 * msw handlers that simulate a Binance-like (`exchange`) or Stripe-like (`payments`)
 * venue with its idempotency semantics and seeded faults: the same core, fault plan and
 * answers as `startFakeVenue` from `intentkey/testing`, without a port.
 *
 * Faults map onto msw as: `executeThenDrop` executes, then answers
 * `HttpResponse.error()` (a network error); `delay` executes, then holds the answer
 * for `delayMs` (see `sleep`, `whenHeld()` and `release()`); the others are plain
 * responses (500, 503, 429, 418).
 *
 * @example
 * const venue = createVenueHandlers({ mode: 'payments', baseUrl: 'https://api.stripe.test', seed: 7, faults: { executeThenDrop: 0.2 } });
 * const server = setupServer(...venue.handlers);
 * server.listen({ onUnhandledRequest: 'error' });
 * // ... run your code against axios.create({ baseURL: venue.baseUrl }) ...
 * expect(venue.stats().duplicates).toBe(0);
 *
 * @throws ConfigurationError for a bad option, naming it (`createVenueHandlers(options).faults.ban`).
 */
export function createVenueHandlers(options: VenueHandlersOptions): VenueHandlers {
  const where = 'createVenueHandlers(options)';
  const sim = createVenueSim(options, where);
  const base = parseBaseUrl(options.baseUrl, `${where}.baseUrl`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const baseUrl = `${base.origin}${prefix}`;

  const handler = http.all(`${baseUrl}/*`, async ({ request }) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const path = url.pathname.slice(prefix.length) || '/';
    const answer = sim.handle({ method: request.method, url: `${path}${url.search}`, headers, body });
    if (answer.kind === 'drop') return HttpResponse.error();
    let response = answer.kind === 'respond' ? answer.response : undefined;
    if (answer.kind === 'hold') {
      await sim.hold(answer.ms);
      response = answer.complete();
    }
    if (response === undefined) return HttpResponse.error();
    return HttpResponse.json(response.body as Parameters<typeof HttpResponse.json>[0], { status: response.status, headers: { ...response.headers } });
  });

  return {
    handlers: [handler],
    baseUrl,
    stats: () => sim.stats(),
    executionsOf: (businessId) => sim.executionsOf(businessId),
    executions: () => sim.executions(),
    held: () => sim.held(),
    whenHeld: (count) => sim.whenHeld(count),
    release: () => sim.release(),
    reset: () => sim.reset(),
  };
}

function parseBaseUrl(value: unknown, path: string): URL {
  const expected = "an absolute http(s) URL without query or fragment, e.g. 'https://api.venue.test'";
  if (typeof value !== 'string') throw new ConfigurationError({ path, expected, received: describeValue(value) });
  let url: URL;
  try {
    url = new URL(value);
  } catch (cause) {
    throw new ConfigurationError({ path, expected, received: 'a string that is not a URL', cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigurationError({ path, expected, received: `a ${url.protocol} URL` });
  // Credentials in a base URL would end up in error messages and logs: refuse them without echoing them.
  if (url.username !== '' || url.password !== '') throw new ConfigurationError({ path, expected, received: 'a URL with credentials' });
  if (url.search !== '' || url.hash !== '') throw new ConfigurationError({ path, expected, received: 'a URL with a query or fragment' });
  return url;
}
