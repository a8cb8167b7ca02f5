/**
 * `intentkey ledger ...` on the fleet ledgers: PostgreSQL (DATABASE_URL) and Redis
 * (REDIS_URL), each in its own random table or key prefix. Skipped with a printed reason
 * when the variable is unset.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { IntentRecord, IntentStatus, StoredOutcome } from '../../src/ledger/intent.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';
import { DATABASE_URL, dropTable, randomTable, testPool, warnIfNoDatabase } from '../helpers/postgres.js';
import { closeClients, connect, deletePrefix, randomPrefix, REDIS_URL, warnIfSkipped } from '../helpers/redis.js';

const H = 3_600_000;
const NOW = Date.UTC(2025, 5, 1, 12);

async function move(store: LedgerStore, id: string, to: IntentStatus, at: number, outcome: StoredOutcome): Promise<void> {
  const rec = (await store.get(id)) as IntentRecord;
  const c = await store.claim(id, { owner: 'seed', leaseMs: 1000, now: at });
  await store.transition(id, { expectStatus: rec.status, expectEpoch: c.record.epoch, to, ...(to === 'inFlight' ? { attempt: rec.attempt + 1 } : {}), outcome, now: at });
  await store.release(id, 'seed', c.record.epoch);
}

/** p1 pending, s1 succeeded, u1 unknown, k1 parked, b1 unknown and leased by a live worker until NOW + 1 h. */
async function seed(store: LedgerStore): Promise<void> {
  const mk = (id: string, createdAt: number) =>
    store.create({ id, scope: 'acct-1', operation: 'order.create', businessId: `biz-${id}`, venue: 'scripted', key: `key-${id}`, venueKey: `vk${id}`, fingerprint: 'f', input: { id }, createdAt, expiresAt: NOW + 24 * H }, createdAt);
  const sent = (c: string): StoredOutcome => ({ kind: 'inFlight', reason: 'attempt in flight', correlationId: c });
  await mk('p1', NOW - 1 * H);
  await mk('s1', NOW - 2 * H);
  await move(store, 's1', 'inFlight', NOW - 2 * H, sent('c-s1'));
  await move(store, 's1', 'succeeded', NOW - 2 * H + 1, { kind: 'success', reason: 'HTTP 200', result: { orderId: 1 } });
  for (const [id, age] of [['u1', 3], ['k1', 4], ['b1', 5]] as const) {
    await mk(id, NOW - age * H);
    await move(store, id, 'inFlight', NOW - age * H, sent(`c-${id}`));
    await move(store, id, 'unknown', NOW - age * H + 1, {
      kind: 'unknown',
      reason: 'socket reset after write',
      correlationId: `c-${id}`,
      ...(id === 'k1' ? { parked: { at: NOW - age * H + 1, nextCheckAt: NOW + 60_000, count: 2, reason: 'lookups spent' } } : {}),
    });
  }
  // A worker is on b1 right now.
  await store.claim('b1', { owner: 'worker-7', leaseMs: H, now: NOW });
}

interface Kind {
  readonly name: string;
  readonly url: string | undefined;
  /** Opens the store seeded for one test; returns the CLI arguments that select it and a cleanup. */
  setup(): Promise<{ store: LedgerStore; args: string[]; env: Record<string, string>; cleanup(): Promise<void> }>;
}

const kinds: Kind[] = [
  {
    name: 'PostgreSQL',
    url: DATABASE_URL,
    async setup() {
      const pool = testPool(2);
      const table = randomTable('ik_cli');
      const store = await PostgresLedger.open({ pool, table, reapEveryMs: 0 });
      await seed(store);
      return {
        store,
        args: ['--postgres', '--table', table],
        env: { INTENTKEY_POSTGRES_URL: DATABASE_URL ?? '' },
        async cleanup() {
          await dropTable(pool, table);
          await pool.end();
        },
      };
    },
  },
  {
    name: 'Redis',
    url: REDIS_URL,
    async setup() {
      const client = connect();
      const prefix = randomPrefix('cli');
      const store = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
      await seed(store);
      return {
        store,
        args: ['--redis', '--prefix', prefix],
        env: { INTENTKEY_REDIS_URL: REDIS_URL ?? '' },
        async cleanup() {
          await deletePrefix(client, prefix);
        },
      };
    },
  },
];

warnIfNoDatabase('intentkey ledger on PostgreSQL (test/cli/ledger-stores.test.ts)');
warnIfSkipped('intentkey ledger on Redis (test/cli/ledger-stores.test.ts)');
afterAll(async () => {
  await closeClients();
});

for (const kind of kinds) {
  describe.skipIf(kind.url === undefined)(`intentkey ledger on ${kind.name}`, () => {
    let ctx: Awaited<ReturnType<Kind['setup']>>;
    afterEach(async () => {
      await ctx.cleanup();
    });
    const run = (args: string[], extraEnv: Record<string, string> = {}) => runCliInProcess(['ledger', ...args, ...ctx.args], { now: NOW, env: { USER: 'tester', ...ctx.env, ...extraEnv } });

    it('the built bin lists every status (parked apart), with the URL from the environment', async () => {
      ctx = await kind.setup();
      const out = await runBuiltCli(['ledger', 'ls', '--json', ...ctx.args], { env: ctx.env });
      expect(out.stderr).toBe('');
      expect(out.code).toBe(0);
      const body = JSON.parse(out.stdout) as { intents: Array<{ id: string; status: string }> };
      expect(body.intents.map((i) => [i.id, i.status])).toEqual([
        ['p1', 'pending'],
        ['s1', 'succeeded'],
        ['u1', 'unknown'],
        ['k1', 'parked'],
        ['b1', 'unknown'],
      ]);
    });

    it('show says only the current record is kept; stats, attention (exit 3) and verify (exit 0) read it', async () => {
      ctx = await kind.setup();
      const show = await run(['show', 'b1']);
      expect(show.code).toBe(0);
      expect(show.stdout).toMatch(/keeps only the current record/);
      expect(show.stdout).toMatch(/lease\s+worker-7 until/);
      const stats = JSON.parse((await run(['stats', '--json'])).stdout) as { byStatus: Record<string, number>; size: { records: number } };
      expect(stats.byStatus).toMatchObject({ pending: 1, succeeded: 1, unknown: 2, parked: 1 });
      expect(stats.size.records).toBe(5);
      const attention = await run(['attention', '--json']);
      expect(attention.code).toBe(3);
      expect((JSON.parse(attention.stdout) as { intents: Array<{ id: string }> }).intents.map((i) => i.id).sort()).toEqual(['b1', 'k1', 'u1']);
      const verify = await run(['verify']);
      expect(verify.stdout).toMatch(/^OK/);
      expect(verify.code).toBe(0);
    });

    it('resolve --executed and --not-executed change the record as the verdict says, with the audit trail', async () => {
      ctx = await kind.setup();
      const yes = await run(['resolve', 'k1', '--executed', '--result', '{"orderId":9}', '--reason', 'in the fills', '--by', 'alice']);
      expect(yes.code).toBe(0);
      expect(yes.stdout).toMatch(/parked -> succeeded/);
      const no = await run(['resolve', 'u1', '--not-executed', '--reason', 'not in the order history']);
      expect(no.code).toBe(0);
      const k1 = (await ctx.store.get('k1')) as IntentRecord;
      expect(k1.status).toBe('succeeded');
      expect(k1.outcome?.result).toEqual({ orderId: 9 });
      expect(k1.outcome?.resolution).toEqual({ verdict: 'executed', by: 'alice', at: NOW, reason: 'in the fills', previous: { status: 'unknown', reason: 'socket reset after write' } });
      const u1 = (await ctx.store.get('u1')) as IntentRecord;
      expect(u1.status).toBe('pending');
      expect(u1.outcome?.resolution).toMatchObject({ verdict: 'notExecuted', by: 'tester', reason: 'not in the order history' });
      // The verdict's lease is released: a worker can take the intent at once.
      expect(u1.leaseOwner).toBeUndefined();
    });

    it('resolve is refused with exit 4 while a live worker holds the lease, and the record is unchanged', async () => {
      ctx = await kind.setup();
      const before = await ctx.store.get('b1');
      const out = await run(['resolve', 'b1', '--executed']);
      expect(out.code).toBe(4);
      expect(out.stderr).toMatch(/leased by worker "worker-7" until .*Wait until the lease expires/);
      expect(await ctx.store.get('b1')).toEqual(before);
      // Negative control: once the lease has expired, the same verdict is written.
      const later = await runCliInProcess(['ledger', 'resolve', 'b1', '--executed', ...ctx.args], { now: NOW + 2 * H, env: { USER: 'tester', ...ctx.env } });
      expect(later.code).toBe(0);
      expect((await ctx.store.get('b1'))?.status).toBe('succeeded');
    });

    it('a missing intent exits 5; a URL password never reaches the output', async () => {
      ctx = await kind.setup();
      const missing = await run(['resolve', 'nope', '--executed']);
      expect(missing.code).toBe(5);
      const url = new URL(kind.name === 'PostgreSQL' ? 'postgres://u@127.0.0.1:1/db' : 'redis://127.0.0.1:1');
      url.password = 'hunter2-secret';
      const out = await runCliInProcess(['ledger', 'ls', kind.name === 'PostgreSQL' ? '--postgres' : '--redis', url.toString()], { now: NOW });
      expect(out.code).toBe(4);
      expect(out.stderr).toMatch(/cannot reach/);
      expect(out.stderr).toContain('***');
      expect(out.stderr + out.stdout).not.toContain('hunter2');
    });
  });
}
