/**
 * Fleet chaos (B6-B7, shared ledgers): 4 worker processes on one PostgreSQL ledger, and 4
 * on one Redis ledger, take business actions from an at-least-once queue (every action
 * delivered at least twice, duplicates often in flight at once in different workers)
 * while one worker at a time is SIGKILLed and restarted with `recover()`. Leases are
 * short, so survivors take over what the dead worker held, and the late write the dead
 * worker would have made with its old epoch is sent after every takeover.
 *
 * Pass: every action executed exactly once at the fake venue (0 duplicates, 0 lost), every
 * intent settled, every late write refused, in exchange and payments modes.
 *
 * CI size; the larger run is `npm run chaos:fleet -- --actions 1000 --kills 20 --store both`.
 * INTENTKEY_FLEET_ACTIONS and INTENTKEY_FLEET_KILLS override the size here.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, warnIfNoDatabase } from '../helpers/postgres.js';
import { REDIS_URL, warnIfSkipped } from '../helpers/redis.js';
import { fleetSummary, isCleanFleetReport, killLeftoverFleet, runFleetChaos, type FleetChaosReport, type FleetMode, type FleetStore } from './fleet-harness.js';

warnIfNoDatabase('fleet chaos on PostgreSQL');
warnIfSkipped('fleet chaos on Redis');

/** Business actions per run (one store, one venue mode). */
const ACTIONS = Number(process.env['INTENTKEY_FLEET_ACTIONS'] ?? 120);
/** SIGKILLs per run. */
const KILLS = Number(process.env['INTENTKEY_FLEET_KILLS'] ?? 4);
/** Wall-time budget of one run; a run that needs more fails as not converged. */
const BUDGET_MS = 60_000;

afterAll(async () => {
  await killLeftoverFleet();
});

function expectExactlyOnce(r: FleetChaosReport): void {
  expect(r.violations, r.violations.join('\n')).toEqual([]);
  expect(r.budgetExhausted).toBe(false);
  expect(r.workerErrors).toBe(0);
  expect(r.abandoned).toBe(0);
  // Exactly once at the venue, and the ledger agrees.
  expect(r.duplicates).toBe(0);
  expect(r.lost).toBe(0);
  expect(r.orphans).toBe(0);
  expect(r.executions).toBe(r.businessActions);
  expect(r.succeeded).toBe(r.businessActions);
  expect(r.unsettled).toBe(0);
  expect(r.unsettledUnreported).toBe(0);
  // Fencing: no late write with a superseded epoch got through.
  expect(r.lateWritesAccepted).toBe(0);
  expect(r.lateWritesFenced + r.lateWritesErrored).toBe(r.takeovers);
  expect(isCleanFleetReport(r)).toBe(true);
}

/** The zeros mean something only if the run produced the hazards they are about. */
function expectHazards(r: FleetChaosReport): void {
  expect(r.kills).toBe(KILLS);
  expect(r.killsWithWork).toBeGreaterThan(0);
  expect(r.killsHoldingLeases).toBeGreaterThan(0);
  // Every action reached the queue at least twice, some twice at once in two workers.
  expect(r.minDeliveriesPerAction).toBeGreaterThanOrEqual(2);
  expect(r.concurrentDuplicates).toBeGreaterThan(0);
  expect(r.busy).toBeGreaterThan(0);
  expect(r.replayedDeliveries).toBeGreaterThan(0);
  // Survivors took over intents a killed worker held, and its late writes were refused.
  expect(r.takeoversFromKilled).toBeGreaterThan(0);
  expect(r.lateWritesFenced).toBeGreaterThan(0);
}

const STORES: ReadonlyArray<readonly [FleetStore, string | undefined]> = [
  ['postgres', DATABASE_URL],
  ['redis', REDIS_URL],
];

for (const [store, url] of STORES) {
  describe.runIf(url !== undefined && url !== '')(`fleet chaos on ${store}: 4 workers, one killed at random times`, () => {
    it.each<FleetMode>(['exchange', 'payments'])(
      `%s: ${ACTIONS} actions delivered at least twice, ${KILLS} kills: each executed exactly once`,
      async (mode) => {
        const report = await runFleetChaos({ store, mode, url: url ?? '', actions: ACTIONS, kills: KILLS, seed: mode === 'exchange' ? 11 : 12, timeBudgetMs: BUDGET_MS });
        console.info(fleetSummary(report));
        expectExactlyOnce(report);
        expectHazards(report);
      },
      BUDGET_MS + 30_000,
    );

    it('negative control: with a ledger per worker instead of the shared one, the audit sees duplicates', async () => {
      // No kills, no venue faults: every duplicate comes from two workers that do not
      // share a ledger running the same action, which is what the oracle must catch.
      const report = await runFleetChaos({ store, mode: 'exchange', url: url ?? '', actions: 30, kills: 0, seed: 13, faults: {}, privateLedgers: true, timeBudgetMs: BUDGET_MS });
      console.info(`control ${fleetSummary(report)}`);
      expect(report.privateLedgers).toBe(true);
      expect(report.duplicates).toBeGreaterThan(0);
      expect(report.violations.some((v) => v.includes('executed'))).toBe(true);
      expect(isCleanFleetReport(report)).toBe(false);
    }, BUDGET_MS);
  });
}
