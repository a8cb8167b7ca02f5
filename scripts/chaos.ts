/**
 * `npm run chaos -- --kills 1000 --mode both --seed 1`: the SIGKILL chaos test (B3,
 * test/chaos/chaos.test.ts) at full size. Prints progress, then one table, and exits non-zero
 * on any violation (a duplicate, a lost or orphan action, a ledger that does not open,
 * a run that does not converge) or when the kills asked for did not all happen.
 *
 * Options:
 *   --kills <n>               kills to inflict (per fail point with --failpoint all) [1000]
 *   --mode exchange|payments|both                                                  [both]
 *   --seed <n>                seed of kill times, fail point choices and venue faults [1]
 *   --failpoint <name>|all    kill at a named moment instead of at random times
 *   --naive                   negative control: the naive axios-retry bot. It passes when
 *                             it DOES produce duplicates (proving the harness sees them).
 *   --actions <n>             business actions per run (per ledger)                 [16]
 *   --concurrency <n>         calls in flight in the driver                           [3]
 *   --padding-bytes <n>       filler stored with each intent (large records, B3.3; keep
 *                             it under 1 MiB, the ledger record limit)                 [0]
 *   --compact-after-bytes <n> ledger compaction threshold                         [16384]
 *   --standby <n>             driver processes started ahead of use                   [2]
 *   --budget-s <n>            wall-time budget in seconds                          [3600]
 *   --protection <name>       run the bot with client protection: on (protection:
 *                             true), breakerFail (budget that waits + breaker that
 *                             fails fast) or breakerWait (budget that stops + breaker
 *                             that waits); the venue's faults are then about tripled
 *                             (PROTECTION_CHAOS_FAULTS) unless the name is `on`   [off]
 *
 * `npm run chaos -- --liveness [--actions 200] [--seed N] [--mode exchange|payments|both]
 * [--startup blocking|background] ...` runs the liveness mode instead: the same workload
 * with and without kills, timed and audited. Its options are listed in chaos-liveness.ts.
 */
import {
  CHAOS_PROTECTION,
  FAILPOINTS,
  killLeftoverChildren,
  PROTECTION_CHAOS_FAULTS,
  runChaos,
  isCleanReport,
  type ChaosModeReport,
  type ChaosOptions,
  type ChaosProtection,
  type ChaosReport,
  type FailpointName,
} from '../test/chaos/harness.js';
import { killLivenessLeftovers } from '../test/chaos/liveness.js';
import { livenessCli } from './chaos-liveness.js';
import { readArgs } from './cli-args.js';

interface CliOptions {
  readonly kills: number;
  readonly mode: 'exchange' | 'payments' | 'both';
  readonly seed: number;
  readonly naive: boolean;
  readonly failpoints: readonly (FailpointName | undefined)[];
  readonly extra: Partial<ChaosOptions>;
}

function usage(message: string): never {
  console.error(`chaos: ${message}\nusage: npm run chaos -- [--kills 1000] [--mode both] [--seed 1] [--failpoint <name>|all] [--naive] [--actions 16] [--concurrency 3] [--padding-bytes 0] [--compact-after-bytes 16384] [--standby 2] [--budget-s 3600] [--protection on|breakerFail|breakerWait]`);
  process.exit(2);
}

function parse(argv: readonly string[]): CliOptions {
  const args = readArgs(
    argv,
    { values: ['kills', 'mode', 'seed', 'failpoint', 'actions', 'concurrency', 'padding-bytes', 'compact-after-bytes', 'standby', 'budget-s', 'protection'], flags: ['naive'] },
    usage,
  );
  const naive = args.flag('naive');
  const int = args.int;
  const mode = args.get('mode') ?? 'both';
  if (mode !== 'exchange' && mode !== 'payments' && mode !== 'both') usage('--mode must be exchange, payments or both');
  const failpoint = args.get('failpoint');
  let failpoints: (FailpointName | undefined)[] = [undefined];
  if (failpoint === 'all') failpoints = [...FAILPOINTS];
  else if (failpoint !== undefined) {
    if (!(FAILPOINTS as readonly string[]).includes(failpoint)) usage(`--failpoint must be all or one of ${FAILPOINTS.join(', ')}`);
    failpoints = [failpoint as FailpointName];
  }
  if (naive && failpoint !== undefined) usage('--naive and --failpoint do not combine: the naive bot has no fail points');
  const protection = args.get('protection');
  if (protection !== undefined && !Object.hasOwn(CHAOS_PROTECTION, protection)) usage(`--protection must be one of ${Object.keys(CHAOS_PROTECTION).join(', ')}`);
  if (naive && protection !== undefined) usage('--naive and --protection do not combine: the naive bot has no client');
  return {
    kills: int('kills', 1000, 0),
    mode,
    seed: int('seed', 1, 0),
    naive,
    failpoints,
    extra: {
      actionsPerRun: int('actions', 16, 1),
      concurrency: int('concurrency', 3, 1),
      paddingBytes: int('padding-bytes', 0, 0),
      compactAfterBytes: int('compact-after-bytes', 16_384, 1),
      standbyProcesses: int('standby', 2, 0),
      timeBudgetMs: int('budget-s', 3600, 1) * 1000,
      ...(protection === undefined ? {} : { protection: protection as ChaosProtection }),
      ...(protection === undefined || protection === 'on' ? {} : { faults: PROTECTION_CHAOS_FAULTS }),
    },
  };
}

type Row = readonly [string, ...string[]];

function table(reports: readonly ChaosModeReport[], total: ChaosReport): string {
  const cols = [...reports, total];
  const row = (label: string, pick: (r: ChaosModeReport | ChaosReport) => string | number): Row => [label, ...cols.map((r) => String(pick(r)))];
  const rows: Row[] = [
    ['', ...reports.map((r) => r.mode + (r.failpoint ? ` @${r.failpoint}` : '')), 'total'],
    row('kills (harness / fail point)', (r) => `${r.kills} (${r.harnessKills} / ${r.failpointKills})`),
    row('runs (ledgers)', (r) => r.runs),
    row('driver processes started', (r) => r.cycles),
    row('business actions', (r) => r.businessActions),
    row('executions at the venue', (r) => r.executions),
    row('duplicates', (r) => r.duplicates),
    row('lost', (r) => r.lost),
    row('orphans', (r) => r.orphans),
    row('succeeded / failed', (r) => `${r.succeeded} / ${r.failed}`),
    row('needs attention', (r) => r.needsAttention),
    row('not placed (breaker, nothing written)', (r) => r.notPlaced),
    row('protection: opens / held / called again', (r) => `${r.protection.breakerOpens} / ${r.protection.held} / ${r.protection.calledAgain}`),
    row('replays after restart', (r) => r.replays),
    row('recover: resumed / found / resent', (r) => `${r.recoverResumed} / ${r.recoverReconciledFound} / ${r.recoverResent}`),
    row('torn tails repaired', (r) => r.tornTailsRepaired),
    row('stale locks taken over', (r) => r.staleLocksTakenOver),
    row('compactions', (r) => r.compactions),
    row('opens refused as locked (max wait ms)', (r) => `${r.lockedOpens} (${r.maxLockedWaitMs})`),
    row('unrecoverable opens', (r) => r.unrecoverableOpens),
    row('driver errors / hung', (r) => `${r.driverErrors} / ${r.hung}`),
    row('non-converged runs', (r) => r.nonConverged),
    row('max clean restarts to finish', (r) => r.maxCleanCycles),
    row('kills during open / recover / calls', (r) => `${r.killPhases.open} / ${r.killPhases.recover} / ${r.killPhases.calls}`),
    row('mean kill delay (ms)', (r) => r.meanKillDelayMs),
    row('mean wait for a driver (ms)', (r) => r.meanBootWaitMs),
    row('time (s)', (r) => (r.elapsedMs / 1000).toFixed(1)),
  ];
  const widths = (rows[0] ?? ['']).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')).join('\n');
}

async function main(): Promise<void> {
  const stop = (): void => {
    // Ctrl-C: leave no driver behind.
    void killLivenessLeftovers().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const argv = process.argv.slice(2);
  if (argv.includes('--liveness')) {
    process.exitCode = await livenessCli(argv);
    return;
  }
  const cli = parse(argv);
  let failed = false;

  for (const failpoint of cli.failpoints) {
    const shielded = cli.extra.protection === undefined ? '' : `, protection ${cli.extra.protection}`;
    const label = cli.naive ? 'naive axios-retry bot' : `${failpoint ? `intentkey, fail point ${failpoint}` : 'intentkey, random kills'}${shielded}`;
    console.log(`chaos: ${cli.kills} kills, mode ${cli.mode}, seed ${cli.seed}, ${label}`);
    let lastPrintAt = 0;
    const report = await runChaos({
      ...cli.extra,
      kills: cli.kills,
      mode: cli.mode,
      seed: cli.seed,
      naive: cli.naive,
      ...(failpoint === undefined ? {} : { failpoint }),
      onProgress: (p) => {
        const now = Date.now();
        if (now - lastPrintAt < 2_000) return;
        lastPrintAt = now;
        console.log(`  ${p.mode}: ${p.kills}/${p.targetKills} kills, ${p.runs} runs, ${p.cycles} driver starts, ${(p.elapsedMs / 1000).toFixed(0)} s`);
      },
    });
    console.log(`\n${table(report.byMode, report)}\n`);
    for (const v of report.violations) console.log(`  violation: ${v}`);

    if (cli.naive) {
      // The negative control passes when the oracle sees what a naive bot does.
      const ok = report.duplicates > 0;
      console.log(
        ok
          ? `CONTROL OK: the naive bot made ${report.duplicates} duplicate execution(s) under ${report.kills} kills; the harness detects them.`
          : `CONTROL FAILED: the naive bot made no duplicates under ${report.kills} kills; the harness may be blind.`,
      );
      failed ||= !ok;
      continue;
    }
    const short = report.kills < cli.kills;
    const clean = isCleanReport(report);
    if (short) console.log(`FAIL: only ${report.kills} of ${cli.kills} kills happened${report.budgetExhausted ? ' (time budget spent)' : ''}.`);
    console.log(
      clean
        ? `${short ? 'NO VIOLATION' : 'PASS'}: ${report.kills} kills, ${report.businessActions} actions, ${report.executions} executions, 0 duplicates, 0 lost, 0 orphans.`
        : `FAIL: ${report.duplicates} duplicate(s), ${report.lost} lost, ${report.orphans} orphan(s), ${report.violations.length} violation(s).`,
    );
    failed ||= short || !clean;
  }
  await killLeftoverChildren();
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killLeftoverChildren();
  process.exitCode = 1;
});
