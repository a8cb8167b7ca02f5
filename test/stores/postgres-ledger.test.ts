import { createServer, type Server, type Socket, connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigurationError, createIntentClient, isIntentError, LedgerUnavailableError, stripe, type IntentDraft } from '../../src/index.js';
import { PostgresLedger, type PostgresLedgerOptions } from '../../src/stores/postgres/index.js';
import { checkLedgerAgainstModel, describeLedgerContract, startFakeVenue } from '../../src/testing/index.js';
import { countingClaims } from '../helpers/ledger-wrappers.js';
import { DATABASE_URL, dropTable, randomTable, testPool, warnIfNoDatabase } from '../helpers/postgres.js';
import { sizeFromEnv } from '../helpers/sizes.js';

warnIfNoDatabase('PostgresLedger tests');
const suite = describe.runIf(Boolean(DATABASE_URL));

// Two pools: the contract's "peer" handle and the model's second handle use other
// connections than the store under test.
let poolA: pg.Pool;
let poolB: pg.Pool;
beforeAll(() => {
  if (!DATABASE_URL) return;
  poolA = testPool(6);
  poolB = testPool(6);
});
afterAll(async () => {
  await poolA?.end();
  await poolB?.end();
});

const open = (pool: pg.Pool, table: string, extra: Partial<PostgresLedgerOptions> = {}): Promise<PostgresLedger> =>
  PostgresLedger.open({ pool, table, reapEveryMs: 0, ...extra });

/**
 * A ledger on `pool` that has checked nothing (no table created, no query run), for the
 * tests of an unreachable server: `open` itself would already fail there.
 */
const unchecked = async (pool: pg.Pool): Promise<PostgresLedger> => {
  const table = randomTable();
  const base = await open(poolA, table);
  await base.close();
  await dropTable(poolA, table);
  return base.on(pool);
};

describeLedgerContract('PostgresLedger', { describe: suite, it }, async () => {
  const table = randomTable();
  const store = await open(poolA, table);
  return {
    store,
    openPeer: async () => open(poolB, table, { migrate: false }),
    reopen: async () => open(poolB, table, { migrate: false }),
    dispose: () => dropTable(poolA, table),
  };
}, { requireList: true, requireClaimResumable: true });

const draft = (id: string, createdAt = 1_000): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: `fp-${id}`,
  input: { b: 2, a: 1, nested: { z: [3, 2, 1], y: null } },
  createdAt,
});

suite('PostgresLedger', () => {
  it('equals MemoryLedger under random create/claim/settle/expire/reap/reopen sequences on two connections', async () => {
    const retentionMs = 100;
    const totals = await checkLedgerAgainstModel({
      open: async () => {
        const table = randomTable();
        const make = async (): Promise<{ store: PostgresLedger; peer: PostgresLedger }> => ({
          store: await open(poolA, table, { retentionMs }),
          peer: await open(poolB, table, { retentionMs, migrate: false }),
        });
        let handles = await make();
        return {
          ...handles,
          reopen: async () => {
            await handles.store.close();
            await handles.peer.close();
            handles = await make();
            return handles;
          },
          reap: (now) => handles.store.reap(now),
          dispose: async () => {
            await handles.store.close();
            await handles.peer.close();
            await dropTable(poolA, table);
          },
        };
      },
      retentionMs,
      numRuns: sizeFromEnv('INTENTKEY_PG_MODEL_RUNS', 150),
    });
    console.info(`PostgresLedger model check: ${JSON.stringify(totals)}`);
    expect(totals.transitions).toBeGreaterThan(totals.runs);
    expect(totals.takeovers).toBeGreaterThan(0);
    expect(totals.reaped).toBeGreaterThan(0);
    expect(totals.reopens).toBeGreaterThan(0);
  }, 120_000);

  it('migrate is idempotent and safe when several processes run it at once', async () => {
    const table = randomTable();
    try {
      // Eight opens at once, each migrating.
      const ledgers = await Promise.all(Array.from({ length: 8 }, (_, i) => open(i % 2 ? poolA : poolB, table)));
      await ledgers[0]?.migrate();
      const { rows } = await poolA.query<{ indexname: string }>('SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY indexname', [table]);
      expect(rows.map((r) => r.indexname)).toEqual([`${table}_finished`, `${table}_pkey`, `${table}_resumable`]);
    } finally {
      await dropTable(poolA, table);
    }
  });

  it('keeps the lease in the column lease_until, read as leaseExpiresAt, so tables written before the rename open unchanged', async () => {
    const table = randomTable();
    const ledger = await open(poolA, table);
    try {
      await ledger.create(draft('a'), 1_000);
      const claim = await ledger.claim('a', { owner: 'w1', leaseMs: 500, now: 1_000 });
      expect(claim.record.leaseExpiresAt).toBe(1_500);
      const raw = await poolA.query<{ lease_owner: string; lease_until: string }>(`SELECT lease_owner, lease_until::text AS lease_until FROM "${table}" WHERE id = 'a'`);
      expect(raw.rows[0]).toEqual({ lease_owner: 'w1', lease_until: '1500' });
      // A lease as an earlier version wrote it: the same columns.
      await poolA.query(`UPDATE "${table}" SET lease_owner = 'old-worker', lease_until = 9000 WHERE id = 'a'`);
      expect(await ledger.get('a')).toMatchObject({ leaseOwner: 'old-worker', leaseExpiresAt: 9_000 });
      // It still fences: another owner cannot claim before it expires, and can at its expiry.
      expect((await ledger.claim('a', { owner: 'w2', leaseMs: 500, now: 8_999 })).claimed).toBe(false);
      expect((await ledger.claim('a', { owner: 'w2', leaseMs: 500, now: 9_000 })).record).toMatchObject({ leaseOwner: 'w2', leaseExpiresAt: 9_500 });
    } finally {
      await ledger.close();
      await dropTable(poolA, table);
    }
  });

  it('stores inputs exactly as given (key order included) and undefined inputs as absent', async () => {
    const table = randomTable();
    const ledger = await open(poolA, table);
    try {
      await ledger.create(draft('k1'), 1_000);
      const raw = await poolA.query<{ input: string }>(`SELECT input::text AS input FROM "${table}" WHERE id = 'k1'`);
      expect(raw.rows[0]?.input).toBe(JSON.stringify(draft('k1').input));
      expect(Object.keys((await ledger.get('k1'))?.input as object)).toEqual(['b', 'a', 'nested']);
      await ledger.create({ ...draft('k2'), input: undefined }, 1_000);
      expect(await ledger.get('k2')).not.toHaveProperty('input', null);
      expect((await ledger.get('k2'))?.input).toBeUndefined();
      await ledger.create({ ...draft('k3'), input: null }, 1_000);
      expect((await ledger.get('k3'))?.input).toBeNull();
    } finally {
      await dropTable(poolA, table);
    }
  });

  it('is not fooled by type parsers the application installed on pg', async () => {
    const table = randomTable();
    // int4, int8 and json as an application might parse them (BigInt, a decimal library, ...).
    const types = { getTypeParser: (oid: number) => ([20, 23, 114].includes(oid) ? () => 'parsed by the application' : (v: string) => v) };
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 1, types });
    const ledger = await open(pool, table);
    try {
      await ledger.create(draft('t1', 5), 6);
      expect(await ledger.get('t1')).toMatchObject({ createdAt: 5, updatedAt: 6, epoch: 0, attempt: 0, input: draft('t1').input });
    } finally {
      await dropTable(pool, table);
      await pool.end();
    }
  });

  it('encodes inputs with the codec before they are written', async () => {
    const table = randomTable();
    const codec = { encode: (v: unknown) => ({ sealed: Buffer.from(JSON.stringify(v)).toString('base64') }), decode: (v: unknown) => JSON.parse(Buffer.from((v as { sealed: string }).sealed, 'base64').toString()) as unknown };
    const ledger = await open(poolA, table, { codec });
    try {
      await ledger.create(draft('c1'), 1_000);
      const raw = await poolA.query<{ input: string }>(`SELECT input::text AS input FROM "${table}"`);
      expect(raw.rows[0]?.input).not.toContain('nested');
      expect((await ledger.get('c1'))?.input).toEqual(draft('c1').input);
    } finally {
      await dropTable(poolA, table);
    }
  });

  it('claimResumable hands concurrent workers disjoint batches (FOR UPDATE SKIP LOCKED), oldest first', async () => {
    const table = randomTable();
    const a = await open(poolA, table);
    const b = await open(poolB, table);
    try {
      for (let i = 0; i < 60; i++) await a.create(draft(`q${String(i).padStart(2, '0')}`, 1_000 + i), 1_000 + i);
      await a.transition('q00', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', now: 2_000 });
      const [x, y] = await Promise.all([
        a.claimResumable({ owner: 'wa', leaseMs: 10_000, now: 5_000, limit: 40 }),
        b.claimResumable({ owner: 'wb', leaseMs: 10_000, now: 5_000, limit: 40 }),
      ]);
      const ids = [...x, ...y].map((r) => r.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(59);
      expect(x.map((r) => r.id)).toEqual([...x.map((r) => r.id)].sort());
      for (const r of x) expect(r).toMatchObject({ leaseOwner: 'wa', epoch: 1, leaseExpiresAt: 15_000 });
      expect(await a.claimResumable({ owner: 'wc', leaseMs: 10_000, now: 14_999 })).toEqual([]);
      expect((await a.claimResumable({ owner: 'wc', leaseMs: 10_000, now: 15_000 })).length).toBe(59);
    } finally {
      await dropTable(poolA, table);
    }
  });

  it('reap deletes only finished intents past retention, in batches', async () => {
    const table = randomTable();
    const ledger = await open(poolA, table, { retentionMs: 1_000 });
    try {
      const values: string[] = [];
      for (let i = 0; i < 2_500; i++) values.push(`('old${i}', 's', 'o', 'v', 'k', 'vk', 'f', 'succeeded', 1, 1, 0, 0)`);
      await poolA.query(`INSERT INTO "${table}" (id, scope, operation, venue, key, venue_key, fingerprint, status, attempt, epoch, created_at, updated_at) VALUES ${values.join(',')}`);
      await ledger.create(draft('live'), 0);
      await ledger.create(draft('recent'), 0);
      await ledger.transition('recent', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', now: 500 });
      expect(await ledger.reap(1_000)).toBe(2_500);
      expect(await ledger.get('live')).toBeDefined();
      expect(await ledger.get('recent')).toBeDefined();
      expect(await ledger.reap(1_500)).toBe(1);
      expect(await ledger.get('recent')).toBeUndefined();
      expect(await ledger.get('live')).toBeDefined();
    } finally {
      await dropTable(poolA, table);
    }
  });

  it('the background reaper runs on its interval and reports what it deleted', async () => {
    const table = randomTable();
    const events: unknown[] = [];
    const setup = await open(poolA, table);
    await setup.create(draft('done'), 0);
    await setup.transition('done', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', now: 0 });
    let reported!: () => void;
    const done = new Promise<void>((r) => (reported = r));
    const ledger = await open(poolA, table, {
      retentionMs: 1,
      reapEveryMs: 20,
      onEvent: (e) => {
        events.push(e);
        reported();
      },
    });
    try {
      await done;
      expect(events[0]).toEqual({ type: 'reaped', deleted: 1 });
      expect(await setup.get('done')).toBeUndefined();
    } finally {
      await ledger.close();
      await dropTable(poolA, table);
    }
  });

  it('refuses table names that are not plain identifiers, a missing pool and bad flags, before any query', async () => {
    let queries = 0;
    const counting = {
      query: (text: string, values?: unknown[]) => {
        queries++;
        return poolA.query(text, values);
      },
    } as unknown as pg.Pool;
    for (const table of ['', 'Intents', 'a-b', 'a;drop table x', '"q"', 'a.b.c', '1abc', 'x'.repeat(49), 'ok.' + 'y'.repeat(49)]) {
      await expect(PostgresLedger.open({ pool: counting, table }), table).rejects.toThrow(ConfigurationError);
    }
    await expect(PostgresLedger.open({} as never)).rejects.toThrow(ConfigurationError);
    await expect(PostgresLedger.open({ pool: counting, retentionMs: -1 })).rejects.toThrow(ConfigurationError);
    await expect(PostgresLedger.open({ pool: counting, migrate: 'yes' as never })).rejects.toThrow(/migrate.*a boolean/);
    expect(queries).toBe(0);
    const schemaTable = 'public.' + randomTable();
    try {
      expect((await open(poolA, schemaTable)).table).toBe(schemaTable);
    } finally {
      await poolA.query(`DROP TABLE IF EXISTS ${schemaTable}`);
    }
  });

  it('open starts the reaper (never on() or reapEveryMs 0); close stops it', async () => {
    const table = randomTable();
    const setSpy = vi.spyOn(globalThis, 'setInterval');
    const clearSpy = vi.spyOn(globalThis, 'clearInterval');
    try {
      const reaperTimers = (): number => setSpy.mock.calls.filter((call) => call[1] === 54_321).length;
      const ledger = await open(poolA, table, { reapEveryMs: 54_321 });
      expect(reaperTimers()).toBe(1);
      const timer = setSpy.mock.results[setSpy.mock.calls.findIndex((call) => call[1] === 54_321)]?.value as unknown;
      const bound = ledger.on(poolB);
      const quiet = await open(poolA, table, { reapEveryMs: 0 });
      expect(reaperTimers()).toBe(1);
      await bound.close();
      await quiet.close();
      expect(clearSpy.mock.calls.some((call) => call[0] === timer)).toBe(false);
      await ledger.close();
      expect(clearSpy.mock.calls.some((call) => call[0] === timer)).toBe(true);
    } finally {
      setSpy.mockRestore();
      clearSpy.mockRestore();
      await dropTable(poolA, table);
    }
  });

  it('names the bad option and describes what came in the shared words, never a connection string', async () => {
    const refusal = async (options: unknown): Promise<Pick<ConfigurationError, 'path' | 'expected' | 'received'>> => {
      const error = await PostgresLedger.open(options as never).catch((e: unknown) => e);
      if (!(error instanceof ConfigurationError)) throw new Error(`expected a ConfigurationError, got ${String(error)}`);
      return { path: error.path, expected: error.expected, received: error.received };
    };
    const url = await refusal({ pool: 'postgres://app:hunter2@db.test/app' });
    expect(url).toMatchObject({ path: 'PostgresLedger.open(options).pool', received: 'a string (not shown)' });
    expect(await refusal({ pool: poolA, retentionMs: -1 })).toMatchObject({ path: 'PostgresLedger.open(options).retentionMs', received: '-1' });
    expect(await refusal({ pool: poolA, reapEveryMs: '1h' })).toMatchObject({ path: 'PostgresLedger.open(options).reapEveryMs', received: '"1h"' });
    expect(await refusal({ pool: poolA, table: 'Intents' })).toMatchObject({ path: 'PostgresLedger.open(options).table', received: '"Intents"' });
  });

  it('fleet recovery: two clients recovering one table at once claim in disjoint batches and run every intent exactly once', async () => {
    const table = randomTable();
    const venue = await startFakeVenue({ mode: 'payments' });
    const a = countingClaims(await open(poolA, table));
    const b = countingClaims(await open(poolB, table));
    try {
      const client = (store: typeof a.store, workerId: string) => {
        const c = createIntentClient(axios.create({ baseURL: venue.url }), { venue: stripe, ledger: store, workerId });
        const pay = c.operation<{ amount: number; businessId: string }>('pay', { request: (p) => ({ method: 'POST', url: '/v1/payments', data: { ...p } }) });
        return { c, pay };
      };
      const wa = client(a.store, 'worker-a');
      const wb = client(b.store, 'worker-b');
      const ids: string[] = [];
      const total = 40;
      for (let i = 0; i < total; i++) {
        const businessId = `fleet-${i}`;
        const draft = wa.c.prepare(wa.pay, { amount: i + 1, businessId }, { businessId });
        await a.store.create(draft, draft.createdAt);
        ids.push(draft.id);
      }
      const [ra, rb] = await Promise.all([wa.c.recover({ concurrency: 4 }), wb.c.recover({ concurrency: 4 })]);
      expect([a.counts.claim, b.counts.claim]).toEqual([0, 0]);
      expect(a.counts.claimResumable).toBeGreaterThan(0);
      expect(b.counts.claimResumable).toBeGreaterThan(0);
      const claimedA = [...a.counts.batchClaimed.keys()];
      const claimedB = [...b.counts.batchClaimed.keys()];
      expect(claimedA.filter((id) => b.counts.batchClaimed.has(id))).toEqual([]);
      expect([...claimedA, ...claimedB].sort()).toEqual([...ids].sort());
      expect([...a.counts.batchClaimed.values(), ...b.counts.batchClaimed.values()].every((n) => n === 1)).toBe(true);
      expect(ra.resumed + rb.resumed).toBe(total);
      expect(ra.succeeded + rb.succeeded).toBe(total);
      expect([...ra.needsAttention, ...rb.needsAttention]).toEqual([]);
      for (let i = 0; i < total; i++) expect(venue.executionsOf(`fleet-${i}`), `fleet-${i}`).toBe(1);
      expect(venue.stats().executions).toBe(total);
      for (const id of ids) expect((await a.store.get(id))?.status).toBe('succeeded');
    } finally {
      await venue.close();
      await dropTable(poolA, table);
    }
  });

  it('open with migrate: false refuses a missing table, and a call on a dropped table says to run migrate()', async () => {
    const missing = await open(poolA, randomTable(), { migrate: false }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(LedgerUnavailableError);
    expect((missing as Error).message).toMatch(/does not exist; run migrate\(\)/);
    const table = randomTable();
    const ledger = await open(poolA, table);
    await dropTable(poolA, table);
    const error = await ledger.create(draft('m'), 1).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect((error as Error).message).toMatch(/does not exist; run migrate\(\)/);
  });
});

/** Host and port of the test server, from DATABASE_URL. */
function server(): { host: string; port: number } {
  const url = new URL(DATABASE_URL as string);
  return { host: url.hostname, port: Number(url.port || 5432) };
}

/** User and database of the test server, for a pool pointed at another port. */
function login(): { user: string; database: string } {
  const url = new URL(DATABASE_URL as string);
  return { user: decodeURIComponent(url.username), database: url.pathname.slice(1) };
}

/** A loopback port nothing listens on (bound, then closed): connecting is refused, as with a server that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

/** A TCP relay to the PostgreSQL server that can cut every connection and refuse new ones. */
async function startRelay(target: { host: string; port: number }): Promise<{ port: number; cut: () => void; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let down = false;
  const server: Server = createServer((client) => {
    if (down) {
      client.destroy();
      return;
    }
    const upstream = connect(target.port, target.host);
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    cut: () => {
      down = true;
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

suite('PostgresLedger when the server is down or the connection is lost', () => {
  it('rejects every call with LedgerUnavailableError naming the unreachable server', async () => {
    const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), ...login(), connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    const opening = await open(pool, randomTable()).catch((e: unknown) => e);
    expect(isIntentError(opening) && opening.code).toBe('ERR_LEDGER_UNAVAILABLE');
    const ledger = await unchecked(pool);
    try {
      for (const call of [() => ledger.migrate(), () => ledger.create(draft('x'), 1), () => ledger.get('x'), () => ledger.listResumable()]) {
        const error = await call().catch((e: unknown) => e);
        expect(isIntentError(error) && error.code).toBe('ERR_LEDGER_UNAVAILABLE');
        expect((error as Error).message).toMatch(/could not .*: the server cannot be reached \(ECONNREFUSED\); nothing was changed/);
      }
    } finally {
      await pool.end();
    }
  });

  it('a connection lost during a transition rejects it; the row is either unchanged or fully changed', async () => {
    const table = randomTable();
    const relay = await startRelay(server());
    const pool = new pg.Pool({ host: '127.0.0.1', port: relay.port, ...login(), max: 1, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    const ledger = await open(pool, table);
    try {
      await ledger.create(draft('lost'), 1);
      const pending = ledger.transition('lost', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 2 });
      relay.cut();
      const error = await pending.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerUnavailableError);
      const row = await (await open(poolA, table)).get('lost');
      // Either outcome is possible (the statement may have committed before the cut);
      // what matters is that the caller was told "not recorded", so it sends nothing.
      expect(['pending', 'inFlight']).toContain(row?.status);
    } finally {
      await pool.end();
      await relay.close();
      await dropTable(poolA, table);
    }
  });

  it('through the client: server down at start fails the call with LedgerUnavailableError and sends nothing', async () => {
    const venue = await startFakeVenue({ mode: 'payments' });
    const pool = new pg.Pool({ host: '127.0.0.1', port: await closedPort(), ...login(), connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    try {
      const client = createIntentClient(axios.create({ baseURL: venue.url }), { venue: stripe, ledger: await unchecked(pool) });
      const pay = client.operation<{ amount: number }>('pay', { request: (p) => ({ method: 'POST', url: '/v1/payments', data: { ...p, businessId: 'b1' } }) });
      const error = await pay({ amount: 1 }, { businessId: 'b1' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerUnavailableError);
      expect((error as Error).message).toMatch(/cannot be reached/);
      expect(venue.stats().requests).toBe(0);
    } finally {
      await pool.end();
      await venue.close();
    }
  });

  it('through the client: a connection lost before the write that records the first attempt fails closed (nothing sent, nothing created)', async () => {
    const venue = await startFakeVenue({ mode: 'payments' });
    const table = randomTable();
    const relay = await startRelay(server());
    const pool = new pg.Pool({ host: '127.0.0.1', port: relay.port, ...login(), max: 1, connectionTimeoutMillis: 2_000 });
    pool.on('error', () => undefined);
    const ledger = await open(pool, table);
    try {
      const client = createIntentClient(axios.create({ baseURL: venue.url }), { venue: stripe, ledger });
      // The request builder runs before the create that stores the intent with its first
      // attempt in flight: the database goes away exactly there.
      const pay = client.operation<{ amount: number }>('pay', {
        request: (p) => {
          relay.cut();
          return { method: 'POST', url: '/v1/payments', data: { ...p, businessId: 'b2' } };
        },
      });
      const error = await pay({ amount: 1 }, { businessId: 'b2' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(LedgerUnavailableError);
      expect(venue.stats().requests).toBe(0);
      const rows = await (await open(poolA, table)).listResumable();
      expect(rows).toEqual([]);
    } finally {
      await pool.end();
      await relay.close();
      await venue.close();
      await dropTable(poolA, table);
    }
  });
});
