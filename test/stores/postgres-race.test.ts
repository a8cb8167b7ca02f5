/**
 * Fleet tests of the PostgreSQL ledger (B7.1-B7.3): races between many
 * connections and between processes, and a lease takeover from a worker frozen with
 * SIGSTOP, checked end to end at the fake venue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { IntentDraft } from '../../src/index.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';
import { startFakeVenue } from '../../src/testing/index.js';
import { DATABASE_URL, dropTable, randomTable, testPool, warnIfNoDatabase } from '../helpers/postgres.js';
import { fleetClient, type TakeoverLine, type WorkerConfig } from './postgres-worker.js';

warnIfNoDatabase('PostgresLedger fleet tests');
const suite = describe.runIf(Boolean(DATABASE_URL));

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workerPath = fileURLToPath(new URL('./postgres-worker.ts', import.meta.url));

/** B7.1 rounds (plan: 1,000); INTENTKEY_PG_RACE_ROUNDS overrides. */
const ROUNDS = Number(process.env.INTENTKEY_PG_RACE_ROUNDS ?? 1_000);
const WORKERS = 50;
/** Intents the separate processes race on. */
const PROCESS_IDS = Number(process.env.INTENTKEY_PG_PROCESS_IDS ?? 1_000);
const PROCESSES = 4;

let admin: pg.Pool;
beforeAll(() => {
  if (DATABASE_URL) admin = testPool(2);
});
afterAll(async () => {
  await admin?.end();
});

/** Starts a worker child; resolves its JSON lines through `onLine`. */
function startWorker(config: WorkerConfig, onLine: (message: Record<string, unknown>) => void): { child: ChildProcess; exited: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', workerPath, JSON.stringify(config)], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'inherit'] });
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (text) => {
    if (text.startsWith('{')) onLine(JSON.parse(text) as Record<string, unknown>);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited };
}

/** Resolves when `predicate` holds, checking every `everyMs`; rejects after `limitMs`. */
async function until(predicate: () => boolean | Promise<boolean>, what: string, limitMs = 15_000, everyMs = 20): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

const draftOf = (id: string, now: number): IntentDraft => ({ id, scope: 's', operation: 'race', venue: 'v', key: id, venueKey: id, fingerprint: 'f', input: { id }, createdAt: now });

suite('PostgresLedger races', () => {
  it(`${WORKERS} workers on separate connections, ${ROUNDS} rounds: exactly one creator and one claimant per round`, async () => {
    const table = randomTable();
    const pools = Array.from({ length: WORKERS }, () => testPool(1));
    const first = await PostgresLedger.open({ pool: pools[0] as pg.Pool, table, reapEveryMs: 0 });
    const ledgers = pools.map((pool) => first.on(pool));
    try {
      // Connect every pool first: the rounds race on the ledger, not on connecting.
      await Promise.all(ledgers.map((l) => l.get('warm-up')));
      const bad: string[] = [];
      const started = performance.now();
      for (let round = 0; round < ROUNDS; round++) {
        const id = `round-${round}`;
        const now = Date.now();
        const results = await Promise.all(
          ledgers.map(async (ledger, w) => {
            const created = (await ledger.create(draftOf(id, now), now)).created;
            const claimed = (await ledger.claim(id, { owner: `w${w}`, leaseMs: 600_000, now })).claimed;
            return { created, claimed };
          }),
        );
        const creators = results.filter((r) => r.created).length;
        const claimants = results.filter((r) => r.claimed).length;
        if (creators !== 1 || claimants !== 1) bad.push(`${id}: ${creators} creators, ${claimants} claimants`);
      }
      const ms = performance.now() - started;
      console.info(`B7.1 PostgreSQL: ${ROUNDS} rounds x ${WORKERS} connections in ${Math.round(ms)} ms (${(ms / ROUNDS).toFixed(1)} ms a round), ${bad.length} bad rounds`);
      expect(bad).toEqual([]);
      const { rows } = await admin.query<{ n: string; epochs: string }>(`SELECT count(*)::text AS n, sum(epoch)::text AS epochs FROM "${table}"`);
      expect(rows[0]).toEqual({ n: String(ROUNDS), epochs: String(ROUNDS) });
    } finally {
      await Promise.all(pools.map((p) => p.end()));
      await dropTable(admin, table);
    }
  }, 180_000);

  it(`${PROCESSES} processes race on ${PROCESS_IDS} intents: exactly one creator and one claimant each`, async () => {
    const table = randomTable();
    await (await PostgresLedger.open({ pool: admin, table, reapEveryMs: 0 })).close();
    const results: Array<{ created: string[]; claimed: string[] }> = [];
    let ready = 0;
    let batches = 0;
    const batch = 10;
    try {
      const workers = Array.from({ length: PROCESSES }, (_, p) =>
        startWorker({ kind: 'race', databaseUrl: DATABASE_URL as string, table, owner: `p${p}`, prefix: 'id-', count: PROCESS_IDS, batch, connections: 3 }, (message) => {
          if (message.type === 'ready') ready++;
          if (message.type === 'batch') batches++;
          if (message.type === 'result') results.push(message as unknown as { created: string[]; claimed: string[] });
        }),
      );
      await until(() => ready === PROCESSES, 'the workers to connect', 30_000);
      for (let b = 1; b * batch < PROCESS_IDS + batch; b++) {
        for (const w of workers) w.child.stdin?.write('go\n');
        await until(() => batches === b * PROCESSES, `batch ${b}`, 30_000, 1);
      }
      for (const w of workers) w.child.stdin?.end();
      expect(await Promise.all(workers.map((w) => w.exited))).toEqual(Array(PROCESSES).fill(0));
      expect(results.length).toBe(PROCESSES);
      const count = (key: 'created' | 'claimed'): Map<string, number> => {
        const m = new Map<string, number>();
        for (const r of results) for (const id of r[key]) m.set(id, (m.get(id) ?? 0) + 1);
        return m;
      };
      const created = count('created');
      const claimed = count('claimed');
      expect(created.size).toBe(PROCESS_IDS);
      expect(claimed.size).toBe(PROCESS_IDS);
      expect([...created.values()].every((n) => n === 1)).toBe(true);
      expect([...claimed.values()].every((n) => n === 1)).toBe(true);
      // The race was real: every process won some of the creates and some of the claims.
      const spread = results.map((r) => [r.created.length, r.claimed.length]);
      console.info(`B7.1 PostgreSQL, ${PROCESSES} processes: [created, claimed] per process ${JSON.stringify(spread)}`);
      expect(spread.every(([c, k]) => (c ?? 0) > 0 && (k ?? 0) > 0)).toBe(true);
    } finally {
      await dropTable(admin, table);
    }
  }, 120_000);
});

suite('PostgresLedger takeover from a frozen worker (SIGSTOP)', () => {
  for (const mode of ['exchange', 'payments'] as const) {
    it(`${mode}: the takeover finishes every action once; the resumed worker's late writes are all refused`, async () => {
      const venue = await startFakeVenue({ mode });
      const table = randomTable();
      const ledger = await PostgresLedger.open({ pool: admin, table, reapEveryMs: 0 });
      const businessIds = Array.from({ length: 5 }, (_, i) => `${mode}-action-${i}`);
      const leaseMs = 400;
      let stopping: { held: Array<{ id: string; status: string; epoch: number; leaseOwner: string }> } | undefined;
      let result: { report: TakeoverLine[] } | undefined;
      const a = startWorker({ kind: 'takeover', databaseUrl: DATABASE_URL as string, table, owner: 'worker-a', venueUrl: venue.url, mode, businessIds, leaseMs }, (message) => {
        if (message.type === 'stopping') stopping = message as unknown as typeof stopping;
        if (message.type === 'result') result = message as unknown as typeof result;
      });
      try {
        await until(() => stopping !== undefined, 'worker A to freeze', 30_000);
        await until(() => readFileSync(`/proc/${a.child.pid}/stat`, 'utf8').split(') ')[1]?.startsWith('T') === true, 'worker A to be stopped');
        expect(stopping?.held.map((h) => [h.status, h.epoch, h.leaseOwner])).toEqual(businessIds.map(() => ['inFlight', 1, 'worker-a']));
        expect(venue.stats().executions).toBe(businessIds.length);
        // A's leases run out while it is frozen.
        await until(async () => (await ledger.listResumable()).every((r) => (r.leaseExpiresAt ?? 0) < Date.now()), 'the frozen leases to expire');

        const b = fleetClient(axios.create({ baseURL: venue.url }), mode, ledger, 'worker-b', 5_000);
        const report = await b.client.recover();
        expect(report).toMatchObject({ resumed: businessIds.length, succeeded: businessIds.length, needsAttention: [] });
        if (mode === 'exchange') expect(report.reconciledFound).toBe(businessIds.length);
        const afterB = await Promise.all((stopping?.held ?? []).map((h) => ledger.get(h.id)));
        expect(afterB.map((r) => [r?.status, r?.epoch])).toEqual(businessIds.map(() => ['succeeded', 2]));

        a.child.kill('SIGCONT');
        expect(await a.exited).toBe(0);
        // Every late write of A was refused: its client's calls stopped on the lost lease
        // (or on B's live lease), and a raw write with its old epoch is fenced.
        for (const line of result?.report ?? []) {
          expect(['ERR_LEDGER_LEASE_LOST', 'ERR_INTENT_BUSY'], `${line.businessId} call`).toContain(line.call);
          expect(line.staleWrite, `${line.businessId} stale write`).toBe('ERR_LEDGER_LEASE_LOST');
        }
        expect(result?.report.length).toBe(businessIds.length);
        const final = await Promise.all((stopping?.held ?? []).map((h) => ledger.get(h.id)));
        expect(final).toEqual(afterB);
        expect(venue.stats()).toMatchObject({ executions: businessIds.length, duplicates: 0 });
        for (const id of businessIds) expect(venue.executionsOf(id)).toBe(1);
      } finally {
        if (a.child.exitCode === null) {
          a.child.kill('SIGKILL');
          await a.exited;
        }
        await venue.close();
        await dropTable(admin, table);
      }
    }, 60_000);
  }
});
