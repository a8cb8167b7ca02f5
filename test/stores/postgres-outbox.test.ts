import axios from 'axios';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, stripe } from '../../src/index.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';
import { startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { DATABASE_URL, dropTable, randomTable, testPool, warnIfNoDatabase } from '../helpers/postgres.js';

// The outbox pattern with the intent row itself in the application's transaction:
// client.prepare() builds the intent, a PostgresLedger on the transaction's connection
// writes it next to the business row, and it commits or rolls back with that row.

warnIfNoDatabase('PostgresLedger outbox tests');
const suite = describe.runIf(Boolean(DATABASE_URL));

let pool: pg.Pool;
let ledger: PostgresLedger;
let venue: FakeVenue;
const ledgerTable = randomTable();
const payoutsTable = randomTable('ik_test_payouts');

beforeAll(async () => {
  if (!DATABASE_URL) return;
  pool = testPool(4);
  venue = await startFakeVenue({ mode: 'payments', seed: 5, faults: { executeThenDrop: 0.2 } });
  ledger = await PostgresLedger.open({ pool, table: ledgerTable, reapEveryMs: 0 });
  await pool.query(`CREATE TABLE "${payoutsTable}" (id text PRIMARY KEY, cents integer NOT NULL)`);
});

afterAll(async () => {
  if (!DATABASE_URL) return;
  await dropTable(pool, ledgerTable);
  await dropTable(pool, payoutsTable);
  await pool.end();
  await venue.close();
});

function worker(workerId: string) {
  const client = createIntentClient(axios.create({ baseURL: venue.url }), {
    venue: stripe,
    ledger,
    workerId,
    attemptTimeoutMs: 500,
    retry: { baseDelayMs: 5, maxDelayMs: 50 },
  });
  const payout = client.operation('payout.create', {
    request: (p: { id: string; cents: number }) => ({ method: 'POST', url: '/v1/payments', data: { amount: p.cents, businessId: p.id } }),
  });
  return { client, payout };
}

/** The application's request handler: business row and intent in one transaction. */
async function createPayout(app: ReturnType<typeof worker>, id: string, cents: number, commit: boolean): Promise<string> {
  const tx = await pool.connect();
  try {
    await tx.query('BEGIN');
    await tx.query(`INSERT INTO "${payoutsTable}" (id, cents) VALUES ($1, $2)`, [id, cents]);
    const draft = app.client.prepare(app.payout, { id, cents }, { businessId: `payout:${id}` });
    await ledger.on(tx).create(draft, draft.createdAt);
    await tx.query(commit ? 'COMMIT' : 'ROLLBACK');
    return draft.id;
  } catch (error) {
    await tx.query('ROLLBACK');
    throw error;
  } finally {
    tx.release();
  }
}

suite('outbox: the intent row in the application transaction', () => {
  it('committed payouts are carried out exactly once by recover() on any worker; rolled-back ones never', async () => {
    const app = worker('app');
    const committed = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const rolledBack = Array.from({ length: 5 }, (_, i) => `r${i}`);
    for (const id of committed) await createPayout(app, id, 100, true);
    for (const id of rolledBack) await createPayout(app, id, 100, false);

    // Two workers sweep at the same time; leases let one carry out each intent.
    const [a, b] = await Promise.all([worker('w1').client.recover(), worker('w2').client.recover()]);
    // Whatever a sweep left (held by the other worker, or unknown after a dropped answer) the next one finishes.
    await worker('w3').client.recover();
    expect(a.succeeded + b.succeeded).toBeGreaterThan(0);
    for (const id of committed) expect(venue.executionsOf(id), id).toBe(1);
    for (const id of rolledBack) expect(venue.executionsOf(id), id).toBe(0);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM "${ledgerTable}" WHERE status = 'succeeded'`);
    expect(rows[0]).toEqual({ n: committed.length });
  }, 60_000);

  it('a handler call with the same business id joins the committed intent instead of paying again', async () => {
    const app = worker('app-2');
    const intentId = await createPayout(app, 'j1', 250, true);
    const result = await app.payout({ id: 'j1', cents: 250 }, { businessId: 'payout:j1' });
    expect(result.intentId).toBe(intentId);
    expect(await worker('w4').client.recover()).toMatchObject({ resumed: 0 });
    expect(venue.executionsOf('j1')).toBe(1);
  });
});
