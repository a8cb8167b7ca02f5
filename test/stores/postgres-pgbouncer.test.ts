import axios from 'axios';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIntentClient, stripe } from '../../src/index.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';
import { describeLedgerContract, startFakeVenue } from '../../src/testing/index.js';
import { PGBOUNCER, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js';
import { DATABASE_URL, dropTable, randomTable, warnIfNoDatabase } from '../helpers/postgres.js';

// PostgresLedger through pgbouncer in transaction pool mode: consecutive statements of
// one client connection may run on different server connections, so a store that kept
// session state (advisory locks, SET, named prepared statements, a transaction spread
// over several calls) would break here.

warnIfNoDatabase('PostgresLedger through pgbouncer');
if (DATABASE_URL && PGBOUNCER === undefined) console.warn('SKIPPED PostgresLedger through pgbouncer: pgbouncer is not installed (apt-get install pgbouncer).');
const enabled = Boolean(DATABASE_URL) && PGBOUNCER !== undefined;
const suite = describe.runIf(enabled);

let bouncer: PgBouncer | undefined;
let poolA: pg.Pool;
let poolB: pg.Pool;
let direct: pg.Pool;

beforeAll(async () => {
  if (!enabled || DATABASE_URL === undefined) return;
  bouncer = await startPgBouncer(DATABASE_URL, 4);
  // More client connections than pgbouncer has server connections: statements multiplex.
  poolA = new pg.Pool({ connectionString: bouncer.url, max: 10 });
  poolB = new pg.Pool({ connectionString: bouncer.url, max: 10 });
  direct = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  // pgbouncer daemonises before it listens: wait until it answers (bounded).
  for (let i = 0; ; i++) {
    try {
      await poolA.query('select 1');
      break;
    } catch (error) {
      if (i >= 100) throw error;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}, 30_000);

afterAll(async () => {
  await poolA?.end();
  await poolB?.end();
  await direct?.end();
  bouncer?.stop();
});

const open = (pool: pg.Pool, table: string): Promise<PostgresLedger> => PostgresLedger.open({ pool, table, reapEveryMs: 0 });

describeLedgerContract('PostgresLedger via pgbouncer (transaction mode)', { describe: suite, it }, async () => {
  const table = randomTable();
  const store = await open(poolA, table);
  return {
    store,
    openPeer: async () => open(poolB, table),
    reopen: async () => open(poolB, table),
    dispose: () => dropTable(direct, table),
  };
}, { requireList: true, requireClaimResumable: true });

suite('PostgresLedger via pgbouncer (transaction mode)', () => {
  it('20 connections racing create + claim on one intent, 200 rounds: one creator and one claimant each', async () => {
    const table = randomTable();
    const stores = await Promise.all(Array.from({ length: 20 }, (_, i) => open(i % 2 === 0 ? poolA : poolB, table)));
    try {
      let bad = 0;
      for (let round = 0; round < 200; round++) {
        const id = `race-${round}`;
        const draft = { id, scope: 's', operation: 'op', venue: 'v', key: `K${id}`, venueKey: `K${id}`, fingerprint: 'f', input: null, createdAt: 1_000 };
        const created = await Promise.all(stores.map((s) => s.create(draft, 1_000)));
        const claimed = await Promise.all(stores.map((s, i) => s.claim(id, { owner: `w${i}`, leaseMs: 60_000, now: 2_000 })));
        if (created.filter((c) => c.created).length !== 1 || claimed.filter((c) => c.claimed).length !== 1) bad++;
      }
      expect(bad).toBe(0);
    } finally {
      await dropTable(direct, table);
    }
  }, 120_000);

  it('two clients sharing the ledger through the pooler execute each payment once', async () => {
    const table = randomTable();
    const venue = await startFakeVenue({ mode: 'payments', seed: 4, faults: { executeThenDrop: 0.2, executeThen500: 0.1 } });
    const ledgerA = await open(poolA, table);
    try {
      const make = (ledger: PostgresLedger, workerId: string) =>
        createIntentClient(axios.create({ baseURL: venue.url }), { venue: stripe, ledger, workerId, attemptTimeoutMs: 500, retry: { baseDelayMs: 5, maxDelayMs: 50 } }).operation(
          'payment.create',
          { request: (p: { id: string }) => ({ method: 'POST', url: '/v1/payments', data: { amount: 100, businessId: p.id } }) },
        );
      const payA = make(ledgerA, 'a');
      const payB = make(await open(poolB, table), 'b');
      const ids = Array.from({ length: 40 }, (_, i) => `pay-${i}`);
      // Every payment delivered to both workers at once: one executes it, the other joins or is told it is busy.
      const settled = await Promise.allSettled(ids.flatMap((id) => [payA({ id }, { businessId: id }), payB({ id }, { businessId: id })]));
      const retried = await Promise.all(ids.map((id) => payA({ id }, { businessId: id })));
      expect(retried.every((r) => r.status === 'succeeded')).toBe(true);
      expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThanOrEqual(ids.length);
      expect(venue.stats()).toMatchObject({ executions: ids.length, duplicates: 0 });
    } finally {
      await venue.close();
      await dropTable(direct, table);
    }
  }, 120_000);
});
