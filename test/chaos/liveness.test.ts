/**
 * Liveness under random SIGKILLs, at CI size (test/chaos/liveness.ts has the harness).
 *
 * Per mode, 40 business actions are placed against the fake venue (through a front
 * adding 150 ms of one-way latency) by a driver that starts with the non-blocking
 * recovery flow: `client.startRecovery()`, and calls at once. The workload runs once
 * without kills and once with a SIGKILL every 0.5 to 3 s (seeded), restarts at once.
 * A restart must not wait for the recovery of what the killed process left behind
 * before it places new work, so kills may cost at most as much time again as the
 * workload itself: the active time with kills is at most twice the time without.
 * Safety holds as in the safety harness: no action executed twice, none lost, and no
 * intent left unsettled that the venue could have settled.
 *
 * Sizes: without kills a run takes about 5 s; with kills about 5 to 10 s plus the
 * restarts. Each run has a 20 s budget (the harness kills the driver at its end, so a
 * run always ends), and at most 15 kills.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { killLivenessLeftovers, runLiveness, summariseLiveness, type ChaosMode, type LivenessRunReport } from './liveness.js';

const ACTIONS = 40;
const RUN_BUDGET_MS = 20_000;
/** Both runs at their full budget, plus the venue probe, loading and the audits. */
const TIMEOUT_MS = 2 * RUN_BUDGET_MS + 10_000;
/** Active time with kills over the time without. */
const MAX_RATIO = 2;

afterAll(async () => {
  await killLivenessLeftovers();
});

/** The safety half of a run: the audit's counts, with the findings in the failure message. */
function expectSound(run: LivenessRunReport): void {
  const label = `${run.run}: ${run.violations.slice(0, 10).join('\n')}`;
  expect(run.violations, label).toEqual([]);
  expect(run.driverErrors, label).toBe(0);
  expect(run.finished, label).toBe(true);
  expect(run.audit.duplicates, label).toBe(0);
  expect(run.audit.lost, label).toBe(0);
  expect(run.audit.failedButExecuted, label).toBe(0);
  expect(run.audit.notStarted, label).toBe(0);
  expect(run.audit.unsettledSettleable, label).toBe(0);
  expect(run.audit.extraIntents, label).toBe(0);
  expect(run.audit.foreignExecutions, label).toBe(0);
}

describe('liveness: random SIGKILLs with the background recovery flow', () => {
  it.each<ChaosMode>(['exchange', 'payments'])(
    `%s: ${ACTIONS} actions, kills every 0.5-3 s: nothing duplicated, lost or left unsettled, and at most ${MAX_RATIO}x the time`,
    async (mode) => {
      const report = await runLiveness({
        mode,
        seed: 1,
        startup: 'background',
        actions: ACTIONS,
        killIntervalMs: [500, 3_000],
        maxKills: 15,
        runBudgetMs: RUN_BUDGET_MS,
      });
      console.info(summariseLiveness(report));
      expectSound(report.baseline);
      expectSound(report.withKills);
      // The comparison means something only if kills happened and restarts worked.
      expect(report.withKills.kills).toBeGreaterThanOrEqual(1);
      expect(report.withKills.restartFigures.restarts).toBeGreaterThanOrEqual(1);
      // Faults were injected on the way, so the run had outcomes to settle.
      expect(Object.values(report.withKills.faultsInjected).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);
      expect(report.ratio).toBeLessThanOrEqual(MAX_RATIO);
    },
    TIMEOUT_MS,
  );
});
