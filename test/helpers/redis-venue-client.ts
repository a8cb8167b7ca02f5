import axios, { type AxiosInstance } from 'axios';
import { binanceSpot, createIntentClient, extendVenue, stripe, type IntentClient, type IntentResult, type LedgerStore } from '../../src/index.js';

/**
 * An intentkey client on the fake venue (exchange or payments mode) for the Redis store
 * tests, with one operation that places one action per business id. Used in-process and
 * by the worker processes of the takeover and race tests, so both sides agree on the
 * operation name and inputs (recover() finds intents by operation name).
 */

/** Fake venue semantics. */
export type VenueMode = 'exchange' | 'payments';

/** Timing of the test clients: short, so takeovers happen within a test's budget. */
export const TEST_TIMING = {
  attemptTimeoutMs: 1_000,
  /** The fake exchange executes a write when it arrives, so a short settle delay is enough. */
  settleDelayMs: 150,
  baseDelayMs: 10,
  maxDelayMs: 100,
  deadlineMs: 15_000,
} as const;

/** A client and its one operation. */
export interface VenueClient {
  readonly client: IntentClient;
  readonly http: AxiosInstance;
  /** Places the action of `businessId` (same input every time for the same id). */
  place(businessId: string): Promise<IntentResult<unknown>>;
}

/** Builds the client; `hooks.beforeRequest` runs in the request builder of every attempt. */
export function venueClient(options: {
  mode: VenueMode;
  url: string;
  ledger: LedgerStore;
  workerId: string;
  leaseMs: number;
  hooks?: { beforeRequest?: (attempt: number) => void };
}): VenueClient {
  const http = axios.create({ baseURL: options.url });
  const venue =
    options.mode === 'exchange'
      ? extendVenue(binanceSpot, { name: 'binance-spot-redis-test', reconcile: { settleDelayMs: TEST_TIMING.settleDelayMs } })
      : stripe;
  const client = createIntentClient(http, {
    venue,
    ledger: options.ledger,
    workerId: options.workerId,
    leaseMs: options.leaseMs,
    attemptTimeoutMs: TEST_TIMING.attemptTimeoutMs,
    retry: { maxAttempts: 6, baseDelayMs: TEST_TIMING.baseDelayMs, maxDelayMs: TEST_TIMING.maxDelayMs, deadlineMs: TEST_TIMING.deadlineMs },
  });
  const hook = options.hooks?.beforeRequest;
  if (options.mode === 'exchange') {
    const op = client.operation('redis-test.order', {
      request: (order: { symbol: string; side: string; type: string; quantity: string; businessId: string }, ctx) => {
        hook?.(ctx.attempt);
        return { method: 'POST', url: '/api/v3/order', params: order };
      },
      reconcile: (order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: order.symbol, origClientOrderId: ctx.venueKey } }),
    });
    return { client, http, place: (businessId) => op({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.001', businessId }, { businessId }) };
  }
  const op = client.operation('redis-test.payment', {
    request: (payment: { amount: number; currency: string; businessId: string }, ctx) => {
      hook?.(ctx.attempt);
      return { method: 'POST', url: '/v1/payments', data: payment };
    },
  });
  return { client, http, place: (businessId) => op({ amount: 100, currency: 'usd', businessId }, { businessId }) };
}
