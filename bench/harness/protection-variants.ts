/**
 * The variant tables of `bench/protection.bench.ts`: every client the two runs compare,
 * and how each is built. **The protected variants plug in here**: each placeholder has
 * `pending` set (the run reports it as not measured) and, in a comment, the options it
 * takes once `createIntentClient` has `options.protection`. To plug one in, delete its
 * `pending` line and uncomment its builder; nothing else in the bench changes.
 */
import type { AxiosInstance } from 'axios';
import { binanceSpot, createIntentClient, extendVenue, MemoryLedger, type IntentClientOptions } from '../../src/index.js';
import { SeededRandom } from '../../src/testing/seeded-random.js';
import type { VenueProfile } from '../../src/venues/profile.js';
import type { OutageRole } from './protection-metrics.js';

/** The order every bot places; `businessId` only feeds the venue's duplicate counter. */
export function orderParams(businessId: string): Record<string, string> {
  return { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', businessId };
}

// ---------------------------------------------------------------------------- intentkey

/**
 * One intentkey client placing orders: `createIntentClient(http, { venue, ledger, random,
 * workerId, ...extra })`, one operation, the business id as the intent's. `extra` is where
 * a variant's own options go (e.g. `protection`); they are passed as given.
 */
export function intentkeyOrders(
  http: AxiosInstance,
  venue: VenueProfile,
  seed: number,
  workerId: string,
  extra: Readonly<Record<string, unknown>> = {},
): { place(businessId: string, signal?: AbortSignal): Promise<unknown>; close(): Promise<void> } {
  const options = { venue, ledger: new MemoryLedger(), random: new SeededRandom(seed), workerId, ...extra } as IntentClientOptions;
  const client = createIntentClient(http, options);
  const placeOrder = client.operation('order.create', {
    request: (order: { businessId: string }) => ({ method: 'POST', url: '/api/v3/order', params: orderParams(order.businessId) }),
    result: (response) => response.data as unknown,
  });
  return {
    place: (businessId, signal) => placeOrder({ businessId }, { businessId, ...(signal === undefined ? {} : { signal }) }),
    close: () => client.close(),
  };
}

// ---------------------------------------------------------------------------- outage (part a)

/** What an outage variant's builder gets: one bot's axios instance (its adapter is the in-process venue) and its seed. */
export interface OutageBotContext {
  readonly http: AxiosInstance;
  /** The bot's index, 0 to clients - 1. */
  readonly client: number;
  /** The bot's seed (the run's seed and the bot's index). */
  readonly seed: number;
  readonly venue: VenueProfile;
}

/** One bot of an outage variant: places one action and settles (resolves or rejects) when the client is done with it. */
export interface OutageBot {
  place(businessId: string): Promise<unknown>;
  close(): Promise<void>;
}

/** A client variant of the outage run. */
export interface OutageVariant {
  readonly id: string;
  readonly label: string;
  readonly role: OutageRole;
  /** Target on requests per action placed in the outage, as a multiple of `no retry`'s. */
  /** The variant must drain at least as fast as the best peer. */
  readonly drainTarget?: boolean;
  readonly requestsRatioTarget?: number;
  /** Set while the variant cannot run on this code: reported as not measured, with this reason. */
  readonly pending?: string;
  readonly build?: (ctx: OutageBotContext) => Promise<OutageBot>;
}

/** A peer's order: a plain POST, its own client order id (the business id). */
const postOrder = (http: AxiosInstance, businessId: string): Promise<unknown> =>
  http.post('/api/v3/order', null, { params: { ...orderParams(businessId), newClientOrderId: businessId } });

/** Protection needs this API, which is not on this code yet. */

/** The outage run's variants, in table order. `no retry` is the reference of every ratio. */
export const OUTAGE_VARIANTS: readonly OutageVariant[] = [
  {
    id: 'no-retry',
    label: 'no retry',
    role: 'reference',
    build: async ({ http }) => ({ place: (id) => postOrder(http, id), close: async () => undefined }),
  },
  {
    id: 'axios-retry',
    label: 'axios-retry',
    role: 'peer',
    build: async ({ http }) => {
      const { default: axiosRetry, exponentialDelay, isNetworkError } = await import('axios-retry');
      // As a user configures it for writes: network errors and 5xx (503 included) for POST too.
      axiosRetry(http, { retries: 5, retryDelay: exponentialDelay, retryCondition: (error) => isNetworkError(error) || (error.response?.status ?? 0) >= 500 });
      return { place: (id) => postOrder(http, id), close: async () => undefined };
    },
  },
  {
    id: 'p-retry',
    label: 'p-retry',
    role: 'peer',
    build: async ({ http }) => {
      const { default: pRetry } = await import('p-retry');
      return { place: (id) => pRetry(() => postOrder(http, id), { retries: 5, randomize: true }), close: async () => undefined };
    },
  },
  {
    id: 'intentkey',
    label: 'intentkey',
    role: 'intentkey',
    build: async ({ http, venue, seed, client }) => intentkeyOrders(http, venue, seed, `bot-${client}`),
  },
  // ---- PLUG IN: intentkey with protection, breaker in wait mode -----------------------
  {
    id: 'intentkey-protection',
    label: 'intentkey + protection (wait)',
    role: 'intentkey',
    requestsRatioTarget: 1.1,
    drainTarget: true,
    build: async ({ http, venue, seed, client }) =>
      intentkeyOrders(http, venue, seed, `bot-${client}`, { protection: { retryBudget: true, breaker: { whenOpen: 'wait' } } }),
  },
];

// ---------------------------------------------------------------------------- ban (part b)

/**
 * The ban run's venue: binance-spot, with the limit the fake venue enforces published
 * as `rateLimit.limits` (what `protection.limiter: true` builds its local limiter from).
 */
export const BAN_VENUE: VenueProfile = extendVenue(binanceSpot, {
  name: 'binance-spot-bench',
  rateLimit: { limits: [{ id: 'weight-1s', limit: 100, windowMs: 1000, unit: 'weight', per: 'ip', usageHeader: 'x-mbx-used-weight-1m' }] },
});

/** The fake venue's limits in the ban run: those of {@link BAN_VENUE}, with a ban after 20 refusals in a window. */
export const BAN_VENUE_LIMITS = { weightLimit: { limit: 100, windowMs: 1000, banAfter: 20 }, banSeconds: 5 } as const;

/** What a ban variant's protection builder gets, in each bot process. */
export interface BanBotContext {
  readonly venue: VenueProfile;
  /** Redis at 127.0.0.1:6379 (or REDIS_URL). */
  readonly redisUrl: string;
  /** A key prefix unique to this run and variant, shared by its bots. */
  readonly prefix: string;
}

/** A client variant of the ban run: which `protection` each bot's intentkey client gets. */
export interface BanVariant {
  readonly id: string;
  readonly label: string;
  /** Target: no ban may start. */
  readonly targetNoBan?: boolean;
  /** Set while the variant cannot run on this code: reported as not measured, with this reason. */
  readonly pending?: string;
  /** Extra client options (e.g. `{ protection }`) and how to release what they hold; none for plain intentkey. */
  readonly options?: (ctx: BanBotContext) => Promise<{ readonly extra: Readonly<Record<string, unknown>>; close(): Promise<void> }>;
}

/** The ban run's variants, in table order. `no limiter` is the reference of the 429 ratio. */
export const BAN_VARIANTS: readonly BanVariant[] = [
  { id: 'no-limiter', label: 'no limiter' },
  // ---- PLUG IN: a local limiter per process, from BAN_VENUE.rateLimit.limits ----------
  {
    id: 'local-limiter',
    label: 'local limiter',
    // No target: limiters that do not share their counts each let the whole allowance
    // through; only the venue's usage headers correct them, after the fact. Shown to
    // make the case for the shared one.
    options: async () => ({ extra: { protection: { limiter: true } }, close: async () => undefined }),
  },
  // ---- PLUG IN: one limiter shared by every bot through Redis --------------------------
  {
    id: 'shared-limiter-redis',
    label: 'shared limiter (Redis)',
    targetNoBan: true,
    options: async ({ venue, redisUrl, prefix }) => {
      const [{ Redis }, { RedisRateLimiter }] = await Promise.all([import('ioredis'), import('../../src/stores/redis/index.js')]);
      const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
      const limiter = await RedisRateLimiter.open({ redis, limits: venue.rateLimit.limits ?? [], prefix });
      return { extra: { protection: { limiter } }, close: async () => redis.disconnect() };
    },
  },
];
