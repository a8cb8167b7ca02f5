/**
 * `npm run chaos:fleet -- --actions 1000 --kills 20 --store both`: the fleet chaos test
 * at full size. A fleet of worker processes shares one PostgreSQL table or one Redis key
 * prefix; every business action is delivered at least twice; one worker at a time is
 * SIGKILLed at random moments and restarted (its restart calls recover()); leases are
 * short, so survivors take over. Runs the exchange and the payments fake venue for each
 * store, prints one table, and exits non-zero on any violation (a duplicate or lost
 * execution, an unsettled and unreported intent, a late write accepted) or when fewer
 * kills happened than asked for.
 *
 * Needs DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test) and/or REDIS_URL
 * (e.g. redis://127.0.0.1:6379). Uses a random table / key prefix and removes only it.
 *
 * Options:
 *   --store postgres|redis|both                                              [both]
 *   --mode exchange|payments|both                                            [both]
 *   --actions <n>          business actions per run (store x mode)            [400]
 *   --kills <n>            SIGKILLs per run                                    [10]
 *   --seed <n>             seed of deliveries, kill times and venue faults      [1]
 *   --workers <n>          worker processes                                     [4]
 *   --lease-ms <n>         lease of every claim                              [1500]
 *   --rate <n>             actions released per second  [paced to the kill schedule]
 *   --in-flight <n>        deliveries in flight per worker                      [6]
 *   --budget-s <n>         wall-time budget per run, in seconds               [900]
 *   --control              negative control: one ledger per worker instead of the
 *                          shared one. It passes when the audit DOES see duplicates.
 */
import { byStatus, fleetSummary, isCleanFleetReport, killLeftoverFleet, runFleetChaos, type FleetChaosReport, type FleetMode, type FleetStore } from '../test/chaos/fleet-harness.js';
import { readArgs } from './cli-args.js';

interface Cli {
  readonly stores: readonly FleetStore[];
  readonly modes: readonly FleetMode[];
  readonly actions: number;
  readonly kills: number;
  readonly seed: number;
  readonly workers: number;
  readonly leaseMs: number;
  readonly rate: number | undefined;
  readonly inFlight: number;
  readonly budgetS: number;
  readonly control: boolean;
}

const USAGE =
  'usage: npm run chaos:fleet -- [--store postgres|redis|both] [--mode exchange|payments|both] [--actions 400] [--kills 10] [--seed 1] [--workers 4] [--lease-ms 1500] [--rate <n>] [--in-flight 6] [--budget-s 900] [--control]';

function usage(message: string): never {
  console.error(`chaos:fleet: ${message}\n${USAGE}`);
  process.exit(2);
}

function parse(argv: readonly string[]): Cli {
  const args = readArgs(
    argv,
    { values: ['store', 'mode', 'actions', 'kills', 'seed', 'workers', 'lease-ms', 'rate', 'in-flight', 'budget-s'], flags: ['control'] },
    usage,
  );
  const control = args.flag('control');
  const int = args.int;
  const store = args.get('store') ?? 'both';
  if (store !== 'postgres' && store !== 'redis' && store !== 'both') usage('--store must be postgres, redis or both');
  const mode = args.get('mode') ?? 'both';
  if (mode !== 'exchange' && mode !== 'payments' && mode !== 'both') usage('--mode must be exchange, payments or both');
  return {
    stores: store === 'both' ? ['postgres', 'redis'] : [store],
    modes: mode === 'both' ? ['exchange', 'payments'] : [mode],
    actions: int('actions', 400, 1),
    kills: int('kills', 10, 0),
    seed: int('seed', 1, 0),
    workers: int('workers', 4, 2),
    leaseMs: int('lease-ms', 1500, 100),
    rate: args.get('rate') !== undefined ? int('rate', 1, 1) : undefined,
    inFlight: int('in-flight', 6, 1),
    budgetS: int('budget-s', 900, 1),
    control,
  };
}

type Row = readonly [string, ...string[]];

function table(reports: readonly FleetChaosReport[]): string {
  const row = (label: string, pick: (r: FleetChaosReport) => string | number): Row => [label, ...reports.map((r) => String(pick(r)))];
  const rows: Row[] = [
    ['', ...reports.map((r) => `${r.store}/${r.mode}`)],
    row('workers / lease (ms)', (r) => `${r.workers} / ${r.leaseMs}`),
    row('business actions', (r) => r.businessActions),
    row('deliveries (min per action)', (r) => `${r.deliveries} (${r.minDeliveriesPerAction})`),
    row('concurrent duplicate deliveries', (r) => r.concurrentDuplicates),
    row('answered: ok / replayed', (r) => `${r.succeededDeliveries} / ${r.replayedDeliveries}`),
    row('redelivered: busy / lease lost', (r) => `${r.busy} / ${r.leaseLost}`),
    row('redelivered: ambiguous / other', (r) => `${r.ambiguous} / ${r.otherErrors}`),
    row('kills (holding leases / with work)', (r) => `${r.kills} (${r.killsHoldingLeases} / ${r.killsWithWork})`),
    row('deliveries lost to kills', (r) => r.deliveriesLostToKills),
    row('mean kill-to-ready (ms)', (r) => r.meanRestartMs),
    row('takeovers (from killed / live)', (r) => `${r.takeovers} (${r.takeoversFromKilled} / ${r.takeoversFromLive})`),
    row('takeovers found in', (r) => byStatus(r)),
    row('late writes fenced / accepted', (r) => `${r.lateWritesFenced} / ${r.lateWritesAccepted}`),
    row("workers' own writes fenced", (r) => r.ownWritesFenced),
    row('recover at restart: settled / resumed', (r) => `${r.restartRecovered.succeeded} / ${r.restartRecovered.resumed}`),
    row('sweeps: settled / resumed', (r) => `${r.sweepRecovered.succeeded} / ${r.sweepRecovered.resumed}`),
    row('executions at the venue', (r) => r.executions),
    row('duplicates / lost / orphans', (r) => `${r.duplicates} / ${r.lost} / ${r.orphans}`),
    row('ledger: succeeded / failed', (r) => `${r.succeeded} / ${r.failed}`),
    row('unsettled (unreported)', (r) => `${r.unsettled} (${r.unsettledUnreported})`),
    row('abandoned deliveries', (r) => r.abandoned),
    row('worker errors', (r) => r.workerErrors),
    row('time (s)', (r) => (r.elapsedMs / 1000).toFixed(1)),
  ];
  const widths = (rows[0] ?? ['']).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')).join('\n');
}

async function main(): Promise<void> {
  const cli = parse(process.argv.slice(2));
  const urls: Record<FleetStore, string | undefined> = { postgres: process.env['DATABASE_URL'] || undefined, redis: process.env['REDIS_URL'] || undefined };
  for (const store of cli.stores) {
    if (urls[store] === undefined) usage(`${store === 'postgres' ? 'DATABASE_URL' : 'REDIS_URL'} is not set (e.g. ${store === 'postgres' ? 'postgres://postgres@127.0.0.1:5432/test' : 'redis://127.0.0.1:6379'})`);
  }
  const stop = (): void => {
    // Ctrl-C: leave no worker behind. The run's table or keys stay; their names are random.
    void killLeftoverFleet().finally(() => process.exit(130));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);

  const reports: FleetChaosReport[] = [];
  let failed = false;
  for (const store of cli.stores) {
    for (const mode of cli.modes) {
      console.log(`chaos:fleet: ${store}/${mode}, ${cli.workers} workers, ${cli.actions} actions, ${cli.kills} kills, lease ${cli.leaseMs} ms, seed ${cli.seed}`);
      let lastPrintAt = 0;
      const report = await runFleetChaos({
        store,
        mode,
        url: urls[store] ?? '',
        actions: cli.actions,
        kills: cli.kills,
        seed: cli.seed,
        workers: cli.workers,
        leaseMs: cli.leaseMs,
        perWorkerInFlight: cli.inFlight,
        timeBudgetMs: cli.budgetS * 1000,
        privateLedgers: cli.control,
        ...(cli.rate === undefined ? {} : { actionsPerSecond: cli.rate }),
        onProgress: (p) => {
          if (p.elapsedMs - lastPrintAt < 5_000) return;
          lastPrintAt = p.elapsedMs;
          console.log(`  ${p.retired}/${p.actions} actions done (${p.released} released), ${p.kills}/${p.targetKills} kills, ${(p.elapsedMs / 1000).toFixed(0)} s`);
        },
      });
      reports.push(report);
      console.log(`  ${fleetSummary(report)}`);
      for (const v of report.violations) console.log(`  violation: ${v}`);
      if (cli.control) {
        // The control passes when the audit sees what unshared ledgers do.
        const seen = report.duplicates > 0;
        console.log(seen ? `  CONTROL OK: ${report.duplicates} duplicate execution(s) seen.` : '  CONTROL FAILED: no duplicates seen; the audit may be blind.');
        failed ||= !seen;
        continue;
      }
      const short = report.kills < cli.kills;
      if (short) console.log(`  FAIL: only ${report.kills} of ${cli.kills} kills happened before the work ran out (lower --rate or raise --actions).`);
      failed ||= short || !isCleanFleetReport(report);
    }
  }
  console.log(`\n${table(reports)}\n`);
  const total = (pick: (r: FleetChaosReport) => number): number => reports.reduce((sum, r) => sum + pick(r), 0);
  if (cli.control) {
    console.log(failed ? 'CONTROL FAILED.' : `CONTROL OK: ${total((r) => r.duplicates)} duplicate(s) seen across ${reports.length} run(s).`);
  } else {
    console.log(
      failed
        ? `FAIL: ${total((r) => r.duplicates)} duplicate(s), ${total((r) => r.lost)} lost, ${total((r) => r.violations.length)} violation(s).`
        : `PASS: ${total((r) => r.kills)} kills, ${total((r) => r.takeovers)} takeovers, ${total((r) => r.businessActions)} actions executed exactly once, ${total((r) => r.lateWritesFenced)} late writes fenced.`,
    );
  }
  await killLeftoverFleet();
  process.exitCode = failed ? 1 : 0;
}

main().catch(async (error: unknown) => {
  console.error(error);
  await killLeftoverFleet();
  process.exitCode = 1;
});
