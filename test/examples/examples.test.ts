import { describe, expect, it } from 'vitest';
import { main as binanceOrder } from '../../examples/binance-order.js';
import { acmeExchange, main as customVenue } from '../../examples/custom-venue.js';
import { main as stripePayment } from '../../examples/stripe-payment.js';

// The examples run here exactly as `npm run example:*` runs them (real time, their own
// fake venue), so they cannot rot without this file failing.
describe('examples', () => {
  it('binance-order: every order executed once, lost answers settled by the profile lookup', async () => {
    const lines: string[] = [];
    const summary = await binanceOrder({ orders: 20, log: (l) => lines.push(l) });
    expect(summary).toMatchObject({ orders: 20, executions: 20, duplicates: 0 });
    expect(summary.settledByLookup).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('found by lookup')).length).toBe(summary.settledByLookup);
  });

  it('stripe-payment: every payment charged once although some answers were lost', async () => {
    const lines: string[] = [];
    const summary = await stripePayment({ payments: 20, log: (l) => lines.push(l) });
    expect(summary).toMatchObject({ payments: 20, executions: 20, duplicates: 0 });
    expect(summary.retried).toBeGreaterThan(0);
    // The fake venue stores 500s like Stripe: those payments are found in the list.
    expect(summary.foundByScan).toBeGreaterThan(0);
    expect(lines.filter((l) => l.includes('found in the payment list')).length).toBe(summary.foundByScan);
  });

  it('custom-venue: the profile is valid data, a bad override names its field, orders execute once', async () => {
    expect(acmeExchange.name).toBe('acme-exchange');
    const summary = await customVenue({ orders: 10, log: () => undefined });
    expect(summary).toMatchObject({ orders: 10, executions: 10, duplicates: 0 });
    expect(summary.badProfileError).toContain('venue.reconcile.settleDelayMs');
  });
});
