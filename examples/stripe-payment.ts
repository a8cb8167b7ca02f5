/**
 * Charging through Stripe safely: `npm run example:stripe`.
 *
 * Runs against the fake payments API from `intentkey/testing`, which keeps
 * idempotency keys like Stripe and loses some answers after charging (dropped
 * connections, 500s, slow answers past the client timeout). Point `baseURL` at
 * `https://api.stripe.com` and add your `Authorization` header for the real thing.
 *
 * What to look for: Stripe keeps a key's first result for 24 h, so for a lost answer
 * the `stripe` profile resends the same `Idempotency-Key`, and Stripe replays the
 * charge it already made instead of charging twice. When that first result was a 500
 * (the charge went through, the answer did not), the replay is that same 500: the
 * client stops resending and finds the payment by the key it wrote into its metadata,
 * in Stripe's payment list.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import axios from 'axios';
import { createIntentClient, FileLedger, stripe } from '../src/index.js';
import { startFakeVenue } from '../src/testing/index.js';

/** What the example reports; the example test checks it. */
export interface ExampleSummary {
  readonly payments: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly retried: number;
  /** Payments whose stored 500 was replayed, settled by finding them in the list. */
  readonly foundByScan: number;
}

export async function main(options: { payments?: number; log?: (line: string) => void } = {}): Promise<ExampleSummary> {
  const count = options.payments ?? 20;
  const log = options.log ?? console.log;
  const venue = await startFakeVenue({ mode: 'payments', seed: 9, faults: { executeThenDrop: 0.15, executeThen500: 0.1, delay: 0.05 }, delayMs: 400 });
  const dir = await mkdtemp(join(tmpdir(), 'intentkey-stripe-'));
  const ledger = await FileLedger.open({ dir });
  try {
    const http = axios.create({ baseURL: venue.url, headers: { Authorization: 'Bearer sk_test_your_key' } });
    const client = createIntentClient(http, {
      venue: stripe,
      ledger,
      attemptTimeoutMs: 200,
      retry: { baseDelayMs: 50, maxDelayMs: 1_000, deadlineMs: 30_000 },
    });
    const charge = client.operation('payment.create', {
      request: (invoice: { id: string; amountCents: number }) => ({
        method: 'POST',
        url: '/v1/payment_intents',
        data: { amount: invoice.amountCents, currency: 'usd', businessId: invoice.id },
      }),
      // What is stored in the ledger and returned: keep it small, no card data.
      result: (response) => {
        const body = response.data as { id: string; status: string };
        return { id: body.id, status: body.status };
      },
    });

    let retried = 0;
    let foundByScan = 0;
    for (let i = 1; i <= count; i++) {
      const invoice = { id: `invoice-${i}`, amountCents: 1_000 + i };
      const paid = await charge(invoice, { businessId: invoice.id });
      if (paid.attempts > 1) retried++;
      if (paid.reconciled) foundByScan++;
      const how = paid.reconciled ? ', found in the payment list after a replayed 500' : '';
      log(`${invoice.id}: ${paid.result.id} ${paid.result.status} after ${paid.attempts} attempt(s)${how}`);
    }
    const stats = venue.stats();
    log(`${count} payments, ${stats.executions} charges, ${stats.duplicates} duplicates, ${retried} needed a resend, ${foundByScan} found in the list after a replayed 500`);
    return { payments: count, executions: stats.executions, duplicates: stats.duplicates, retried, foundByScan };
  } finally {
    await ledger.close();
    await venue.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
