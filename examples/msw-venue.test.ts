/**
 * Testing your own bot with msw and the intentkey venue simulator: `npx vitest run examples/msw-venue.test.ts`.
 *
 * Copy this file into your project and change the imports to the package names:
 *   '../src/index.js'         -> 'intentkey'
 *   '../src/testing/index.js' -> 'intentkey/testing'
 *   '../src/testing/msw.js'   -> 'intentkey/testing/msw'   (needs msw 2.x installed)
 *
 * The simulated venues answer at made-up base URLs, so nothing leaves the process.
 * They keep their venue's idempotency rules (Stripe's key store, Binance's client order
 * ids) and inject faults from a seeded plan: the same seed gives the same faults on
 * every run. What the tests check is the one thing that matters with real money: every
 * business action executed exactly once, however many times it was sent.
 * docs/testing.md explains every option.
 */
import axios from 'axios';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, stripe } from '../src/index.js';
import { ManualClock, MemoryLedger, SeededRandom } from '../src/testing/index.js';
import { createVenueHandlers } from '../src/testing/msw.js';

// One test clock for your client and the venues: retries, Retry-After waits, bans and
// Stripe's `created` timestamps all follow it, so no test waits for real seconds.
const clock = new ManualClock({ now: 1_767_225_600_000 });

const stripeVenue = createVenueHandlers({
  mode: 'payments',
  baseUrl: 'https://api.stripe.test',
  seed: 7,
  // Per payment request: 15% charged but the connection drops, 10% charged but a 500 is
  // stored under the key (Stripe replays it forever), 10% charged with the answer held
  // past the client's timeout, 5% refused with 429 or 503.
  faults: { executeThenDrop: 0.15, executeThen500: 0.1, delay: 0.1, rateLimit: 0.05, reject503: 0.05 },
  delayMs: 60_000,
  retryAfterSeconds: 1,
  now: () => clock.now(),
});

const binanceVenue = createVenueHandlers({
  mode: 'exchange',
  baseUrl: 'https://api.binance.test',
  seed: 5,
  // Per order: 10% filled but the connection dropped before the answer, 10% filled but
  // answered 500, 10% refused with 503 (-1001), 5% with 429, 3% with a 418 ban of the
  // whole venue for 30 s. Each lost or ambiguous answer is settled by a lookup.
  faults: { executeThenDrop: 0.1, executeThen500: 0.1, reject503: 0.1, rateLimit: 0.05, ban: 0.03 },
  banSeconds: 30,
  now: () => clock.now(),
});

const server = setupServer(...stripeVenue.handlers, ...binanceVenue.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => {
  stripeVenue.reset();
  binanceVenue.reset();
});
afterAll(() => server.close());

/**
 * The client's waits, on the test clock. A held answer (the `delay` fault) stands for
 * work still running at the venue; when your client waits, that work may finish, so
 * end the holds first. This keeps the test deterministic without real sleeps.
 */
const sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
  stripeVenue.release();
  await clock.sleep(ms, signal);
};

describe('a bot tested against simulated venues with msw', () => {
  it('charges every invoice exactly once through Stripe-like faults', async () => {
    const client = createIntentClient(axios.create({ baseURL: stripeVenue.baseUrl }), {
      venue: stripe,
      ledger: new MemoryLedger(),
      clock,
      sleep,
      random: new SeededRandom(1),
      // Real milliseconds: how long one attempt may wait for its answer.
      attemptTimeoutMs: 50,
    });
    const charge = client.operation('payment.create', {
      request: (invoice: { id: string; cents: number }) => ({
        method: 'POST',
        url: '/v1/payment_intents',
        // `businessId` only feeds the simulator's per-action counter.
        data: { amount: invoice.cents, currency: 'usd', businessId: invoice.id },
      }),
      result: (response) => response.data as { id: string; status: string },
    });

    const invoices = Array.from({ length: 30 }, (_, i) => ({ id: `invoice-${i + 1}`, cents: 1_000 + i }));
    let foundInList = 0;
    for (const invoice of invoices) {
      const paid = await charge(invoice, { businessId: invoice.id });
      expect(paid.result.status).toBe('succeeded');
      // A stored 500 is all a resend with its key can get: the stripe profile found
      // the payment in the list by the key it wrote into its metadata.
      if (paid.reconciled) foundInList++;
    }
    // A redelivered message for the same invoice: answered from the ledger, nothing sent.
    const again = await charge({ id: 'invoice-1', cents: 1_000 }, { businessId: 'invoice-1' });
    expect(again.replayed).toBe(true);

    const stats = stripeVenue.stats();
    expect(stats.faultsInjected.executeThenDrop + stats.faultsInjected.delay).toBeGreaterThan(0);
    expect(stats.storedErrors).toBeGreaterThan(0);
    expect(foundInList).toBeGreaterThan(0);
    expect(stats.executions).toBe(invoices.length);
    expect(stats.duplicates).toBe(0);
    for (const invoice of invoices) expect(stripeVenue.executionsOf(invoice.id)).toBe(1);
  });

  it('places every order exactly once through Binance-like faults, a ban included', async () => {
    const client = createIntentClient(axios.create({ baseURL: binanceVenue.baseUrl }), {
      venue: binanceSpot,
      ledger: new MemoryLedger(),
      clock,
      sleep,
      random: new SeededRandom(2),
      attemptTimeoutMs: 1_000,
      // Generous budgets for a test that injects many faults: a few 503s in a row would
      // otherwise spend the default lookups and park the order (safe, but not what this
      // test is about).
      retry: { maxAttempts: 10 },
      maxLookups: 20,
    });
    const placeOrder = client.operation('order.create', {
      request: (signal: { id: string; side: 'BUY' | 'SELL' }) => ({
        method: 'POST',
        url: '/api/v3/order',
        params: { symbol: 'BTCUSDT', side: signal.side, type: 'MARKET', quantity: '0.001', businessId: signal.id },
      }),
      result: (response) => response.data as { orderId: number; status: string },
    });

    const signals = Array.from({ length: 40 }, (_, i) => ({ id: `signal-${i + 1}`, side: i % 2 === 0 ? ('BUY' as const) : ('SELL' as const) }));
    let foundByLookup = 0;
    for (const signal of signals) {
      const placed = await placeOrder(signal, { businessId: signal.id });
      expect(placed.result.status).toBe('FILLED');
      if (placed.reconciled) foundByLookup++;
    }

    const stats = binanceVenue.stats();
    // A 500 after the fill: the binanceSpot profile looked the order up instead of resending.
    expect(stats.faultsInjected.executeThen500).toBeGreaterThan(0);
    expect(stats.faultsInjected.executeThenDrop).toBeGreaterThan(0);
    expect(foundByLookup).toBeGreaterThan(0);
    // The ban refused every request for 30 s of test-clock time; the client waited it out.
    expect(stats.faultsInjected.ban).toBeGreaterThan(0);
    expect(stats.executions).toBe(signals.length);
    expect(stats.duplicates).toBe(0);
  });
});
