import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { startWorker, type WorkerProcess } from '../helpers/redis-process.js';
import { closeClients, connect, deletePrefix, randomPrefix, REDIS_URL, warnIfSkipped } from '../helpers/redis.js';

// B6.1: 50 workers on separate connections race to create and claim the
// same intents, 1,000 rounds: exactly one creator and one claimant per intent. Once in
// this process (a round at a time, all 50 at once), once across separate processes.

warnIfSkipped('the RedisLedger race tests');
afterAll(closeClients);

const WORKERS = 50;
const ROUNDS = Number(process.env['INTENTKEY_REDIS_RACE_ROUNDS'] ?? 1_000);
const T0 = 1_700_000_000_000;

function tally(perWorker: string[][]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ids of perWorker) for (const id of ids) counts.set(id, (counts.get(id) ?? 0) + 1);
  return counts;
}

describe.runIf(REDIS_URL !== undefined)('RedisLedger races (B6.1)', () => {
  it(`${WORKERS} connections, ${ROUNDS} rounds: one creator and one claimant per round`, async () => {
    const admin = connect();
    const prefix = randomPrefix('race');
    try {
      const ledgers: RedisLedger[] = [];
      for (let i = 0; i < WORKERS; i++) ledgers.push(await RedisLedger.open({ client: connect(), prefix, allowVolatileServer: true }));
      const bad: string[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const id = `r${round}`;
        const results = await Promise.all(
          ledgers.map(async (ledger, w) => {
            const { created } = await ledger.create(
              { id, scope: 's', operation: 'race', venue: 'v', key: id, venueKey: id, fingerprint: `f${w}`, input: { w }, createdAt: T0 + round },
              T0 + round,
            );
            const { claimed } = await ledger.claim(id, { owner: `w${w}`, leaseMs: 3_600_000, now: T0 + round });
            return { created, claimed };
          }),
        );
        const creators = results.filter((r) => r.created).length;
        const claimants = results.filter((r) => r.claimed).length;
        if (creators !== 1 || claimants !== 1) bad.push(`${id}: ${creators} creators, ${claimants} claimants`);
      }
      expect(bad).toEqual([]);
      const sample = await ledgers[0]?.get(`r${ROUNDS - 1}`);
      expect(sample?.epoch).toBe(1);
      expect(await admin.zcard(`${prefix}resumable`)).toBe(ROUNDS);
    } finally {
      await deletePrefix(admin, prefix);
    }
  }, 120_000);

  it(`5 processes x 10 connections, ${ROUNDS} intents each raced by all ${WORKERS}: one creator and one claimant each`, async () => {
    const admin: Redis = connect();
    const prefix = randomPrefix('race-proc');
    const workers: WorkerProcess[] = [];
    try {
      for (let p = 0; p < 5; p++) workers.push(await startWorker());
      const ids = Array.from({ length: ROUNDS }, (_, i) => `p${i}`);
      // All started, loaded and connected before any is told to go, so they race from the first id.
      for (const [p, worker] of workers.entries()) worker.request({ type: 'race', url: REDIS_URL ?? '', prefix, connections: 10, ids, owner: `proc${p}` });
      await Promise.all(workers.map((w) => w.next('connected', 60_000)));
      for (const worker of workers) worker.request({ type: 'go' });
      const replies = await Promise.all(workers.map((w) => w.next('raced', 120_000)));
      const created = tally(replies.flatMap((r) => r.created));
      const claimed = tally(replies.flatMap((r) => r.claimed));
      const bad = ids.filter((id) => created.get(id) !== 1 || claimed.get(id) !== 1);
      expect(bad.map((id) => `${id}: ${created.get(id) ?? 0}/${claimed.get(id) ?? 0}`)).toEqual([]);
      // The race was real: more than one process won some intents.
      const winners = replies.filter((r) => r.created.some((ids2) => ids2.length > 0)).length;
      expect(winners).toBeGreaterThan(1);
    } finally {
      for (const w of workers) w.kill();
      await deletePrefix(admin, prefix);
    }
  }, 180_000);
});
