import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { startWorker, waitUntilStopped, type WorkerProcess } from '../helpers/redis-process.js';
import { venueClient, type VenueMode } from '../helpers/redis-venue-client.js';
import type { PausePoint } from '../helpers/redis-worker.js';
import { closeClients, connect, deletePrefix, randomPrefix, REDIS_URL, warnIfSkipped } from '../helpers/redis.js';

// B6.2: a worker process holding an intent's lease is frozen with SIGSTOP
// past the lease at a chosen point of the run; a second worker takes the intent over and
// finishes it through the fake venue; the first is resumed. Pass: 0 duplicate executions,
// the resumed worker's call fails with a lost lease, and a replay of the write it would
// have made with its old epoch is refused by the store.
//
// Pause points: before the in-flight record (it must never send), between the in-flight
// record and the send (the client dispatches only while its lease runs, so on waking it
// sends nothing: this matters on an exchange, whose client ids are unique only among open
// orders; on a payments API the same key would be deduplicated anyway), and after the
// venue answered (its outcome write must be refused).

warnIfSkipped('the RedisLedger takeover tests');

const ROUNDS = Number(process.env['INTENTKEY_REDIS_TAKEOVER_ROUNDS'] ?? 3);
const LEASE_MS = 300;
const PLAN: ReadonlyArray<[VenueMode, readonly PausePoint[]]> = [
  ['exchange', ['beforeInFlight', 'afterInFlight', 'afterResponse']],
  ['payments', ['beforeInFlight', 'afterInFlight', 'afterResponse']],
];

describe.runIf(REDIS_URL !== undefined && process.platform === 'linux')('RedisLedger takeover of a SIGSTOPped worker (B6.2)', () => {
  afterAll(closeClients);

  for (const [mode, points] of PLAN) {
    describe(`${mode} mode`, () => {
      let venue: FakeVenue;
      let worker: WorkerProcess;
      const prefix = randomPrefix(`takeover-${mode}`);
      const admin = connect();
      beforeAll(async () => {
        venue = await startFakeVenue({ mode });
        worker = await startWorker();
        worker.request({ type: 'open', url: REDIS_URL ?? '', prefix, mode, venueUrl: venue.url, leaseMs: LEASE_MS, workerId: 'frozen' });
        await worker.next('opened');
      });
      afterAll(async () => {
        worker.kill();
        await venue.close();
        await deletePrefix(admin, prefix);
      });

      it(`${ROUNDS} round(s) at each of ${points.join(', ')}: 0 duplicates, late writes refused by the epoch`, async () => {
        const ledger = await RedisLedger.open({ client: connect(), prefix, allowVolatileServer: true });
        const rescuer = venueClient({ mode, url: venue.url, ledger, workerId: 'rescuer', leaseMs: 10_000 });
        const pid = worker.child.pid ?? -1;
        const outcomes: string[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          for (const pauseAt of points) {
            const businessId = `${mode}-${pauseAt}-${round}`;
            worker.request({ type: 'place', businessId, pauseAt });
            await waitUntilStopped(pid);
            try {
              const held = (await ledger.listResumable()).find((r) => r.businessId === businessId);
              expect(held?.leaseOwner, businessId).toBe('frozen');
              // Past the frozen worker's lease on the machine's clock, which both use.
              while (Date.now() <= (held?.leaseExpiresAt ?? 0)) await new Promise((r) => setTimeout(r, 10));
              const result = await rescuer.place(businessId);
              expect(result.status).toBe('succeeded');
              const after = await ledger.get(result.intentId);
              expect(after?.epoch).toBe((held?.epoch ?? 0) + 1);
            } finally {
              worker.child.kill('SIGCONT');
            }
            const report = await worker.next('placed');
            expect(report.paused).toBe(true);
            outcomes.push(`${pauseAt}: ${report.placeCode} / zombie ${report.zombieCode}`);
            expect(report.placeCode, businessId).toBe('ERR_LEDGER_LEASE_LOST');
            expect(report.zombieCode, businessId).toBe('ERR_LEDGER_LEASE_LOST');
            expect(venue.executionsOf(businessId), businessId).toBe(1);
          }
        }
        expect(venue.stats().duplicates).toBe(0);
        expect(outcomes).toHaveLength(ROUNDS * points.length);
      }, 60_000 + ROUNDS * points.length * 5_000);
    });
  }
});
