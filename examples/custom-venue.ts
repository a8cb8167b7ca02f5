/**
 * A profile for a venue intentkey does not ship: `npm run example:custom`.
 *
 * A venue profile is plain data, checked by the same schema as the shipped ones.
 * This one describes "Acme Exchange", whose API (played here by the fake exchange
 * from `intentkey/testing`) takes a client order id in the query, keeps it unique
 * only among open orders, finds orders by it, and reports request weight in a header.
 */
import { pathToFileURL } from 'node:url';
import axios from 'axios';
import { createIntentClient, defineVenue, extendVenue, isConfigurationError, MemoryLedger } from '../src/index.js';
import { startFakeVenue } from '../src/testing/index.js';

export const acmeExchange = defineVenue({
  name: 'acme-exchange',
  kind: 'exchange',
  about: {
    title: 'Acme Exchange',
    sources: ['Acme REST API reference, "Place order" and "Errors" (v2, 2026-01)'],
    unverified: ['rateLimit.usage: the 1,200 weight limit is read from a blog post, not the reference.'],
  },
  key: {
    placement: 'query',
    field: 'newClientOrderId',
    // Up to 36 of [A-Za-z0-9_-]: a ULID (26 characters) fits as it is.
    format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9_-]{1,36}$', maxLength: 36 },
  },
  // The id is unique among open orders only: a filled order's id is accepted again,
  // so an unknown outcome is looked up before anything is resent.
  dedupe: { kind: 'openOrders' },
  reconcile: {
    // Acme drops requests older than their 5 s validity window, so 6 s after the last
    // attempt a "not found" proves the order never reached the matching engine.
    notFoundIsAuthoritative: true,
    settleDelayMs: 6_000,
    notFoundCodes: ['-2013'],
    lookup: { method: 'GET', path: '/api/v3/order', keyIn: 'query', keyParam: 'origClientOrderId', copyParams: ['symbol'] },
  },
  response: { codePaths: ['code'], messagePaths: ['msg'], successCodes: [] },
  rateLimit: {
    retryAfterHeaders: ['retry-after'],
    usage: [{ header: 'x-mbx-used-weight-1m', reports: 'used', limit: 1_200, windowMs: 60_000 }],
  },
  // Tried in order, before the generic defaults (5xx unknown, 429 rate limited, other 4xx fatal).
  errors: [
    { match: { status: 418 }, outcome: 'rateLimited', scope: 'venue', waitMs: 120_000, note: 'IP banned: every request waits.' },
    { match: { status: '5xx' }, outcome: 'unknown', note: 'The order may have been placed: look it up.' },
    { match: { code: '-1021' }, outcome: 'resign', note: 'Timestamp outside the validity window: sign again.' },
    { match: { code: '-2010', message: 'duplicate' }, outcome: 'conflictDuplicate', note: 'An open order already holds this id.' },
    { match: { code: '-2010' }, outcome: 'fatal', note: 'Order rejected (balance, filters).' },
  ],
});

/** What the example reports; the example test checks it. */
export interface ExampleSummary {
  readonly orders: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly badProfileError: string;
}

export async function main(options: { orders?: number; log?: (line: string) => void } = {}): Promise<ExampleSummary> {
  const count = options.orders ?? 10;
  const log = options.log ?? console.log;

  // A mistake in a profile is caught when it is defined, with the field it concerns.
  let badProfileError = '';
  try {
    extendVenue(acmeExchange, { reconcile: { settleDelayMs: -1 } });
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    badProfileError = error.message;
    log(`refused: ${error.message}`);
  }

  // Overrides go first: here a venue code this account sees for maintenance.
  const acme = extendVenue(acmeExchange, {
    name: 'acme-exchange-eu',
    errors: [{ match: { code: '-1099' }, outcome: 'retry', note: 'Maintenance window: nothing was processed.' }],
  });

  const venue = await startFakeVenue({ mode: 'exchange', seed: 3, faults: { executeThenDrop: 0.2, executeThen500: 0.1 } });
  try {
    const client = createIntentClient(axios.create({ baseURL: venue.url }), { venue: acme, ledger: new MemoryLedger(), attemptTimeoutMs: 2_000 });
    const buy = client.operation('order.create', {
      request: (o: { signalId: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'ACMEUSD', side: 'BUY', type: 'MARKET', quantity: '1', businessId: o.signalId } }),
    });
    for (let i = 1; i <= count; i++) {
      const placed = await buy({ signalId: `acme-${i}` }, { businessId: `acme-${i}` });
      log(`acme-${i}: ${placed.venueKey} after ${placed.attempts} attempt(s)${placed.reconciled ? ', found by lookup' : ''}`);
    }
    const stats = venue.stats();
    log(`${count} orders, ${stats.executions} executions, ${stats.duplicates} duplicates`);
    return { orders: count, executions: stats.executions, duplicates: stats.duplicates, badProfileError };
  } finally {
    await venue.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
