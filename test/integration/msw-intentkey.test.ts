import axios, { type CreateAxiosDefaults } from 'axios';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient } from '../../src/index.js';
import { describeTransportError } from '../../src/client/transport-facts.js';
import { ManualClock, MemoryLedger, SeededRandom } from '../../src/testing/index.js';
import { createVenueHandlers } from '../../src/testing/msw.js';

/**
 * intentkey against the msw exchange simulator with the faults that lose an answer
 * after the order executed: `executeThenDrop` (msw `HttpResponse.error()`) and `delay`
 * past the attempt timeout.
 *
 * With axios's node http adapter, msw answers through a mock socket (a subclass of
 * `net.Socket`) whose `bytesWritten` stays 0 even after the request reached the handler
 * and executed. `describeTransportError` believes "nothing written" only from a plain
 * net or TLS socket, so such an attempt is `unknown` and settled by lookup, as it is
 * with the fetch adapter (no socket to read). Trusting the 0 would resend without a
 * lookup, and on a Binance-like venue a filled order's id is accepted again: the order
 * would execute twice.
 */

const clock = new ManualClock({ now: 1_767_225_600_000 });
const venue = createVenueHandlers({
  mode: 'exchange',
  baseUrl: 'https://api.binance.test',
  seed: 3,
  faults: { executeThenDrop: 0.2, delay: 0.1 },
  delayMs: 60_000,
  now: () => clock.now(),
});
const server = setupServer(...venue.handlers);
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => venue.reset());
afterAll(() => server.close());

async function placeOrders(axiosOptions: CreateAxiosDefaults): Promise<void> {
  const client = createIntentClient(axios.create({ baseURL: venue.baseUrl, ...axiosOptions }), {
    venue: binanceSpot,
    ledger: new MemoryLedger(),
    clock,
    // A held answer is work still running at the venue: let it finish whenever the client waits.
    sleep: async (ms, signal) => {
      venue.release();
      await clock.sleep(ms, signal);
    },
    random: new SeededRandom(4),
    attemptTimeoutMs: 50,
    maxLookups: 20,
  });
  const place = client.operation('order.create', {
    request: (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', quantity: '1', businessId: o.id } }),
  });
  for (let i = 1; i <= 20; i++) await place({ id: `o${i}` }, { businessId: `o${i}` });
  venue.release();
  const stats = venue.stats();
  expect(stats.faultsInjected.executeThenDrop).toBeGreaterThan(0);
  expect(stats.faultsInjected.delay).toBeGreaterThan(0);
  expect(stats.executions).toBe(20);
  expect(stats.duplicates).toBe(0);
}

describe('intentkey over the msw exchange simulator, answers lost after execution', () => {
  it('an msw network error after execution is "cannot tell", never "nothing written", through the http adapter', async () => {
    const drop = createVenueHandlers({ mode: 'exchange', baseUrl: 'https://drop.test', faults: { executeThenDrop: 1 } });
    server.use(...drop.handlers);
    const error: unknown = await axios.post('https://drop.test/api/v3/order', null, { params: { newClientOrderId: 'x' } }).catch((e: unknown) => e);
    expect(drop.executionsOf('x')).toBe(1);
    expect(describeTransportError(error)).toMatchObject({ requestWritten: undefined, responseStarted: false });
  });

  it('fetch adapter: every order executed once, lost answers settled by lookup', async () => {
    await placeOrders({ adapter: 'fetch' });
  });

  it('http adapter: every order executed once, lost answers settled by lookup', async () => {
    await placeOrders({ adapter: 'http' });
  });
});
