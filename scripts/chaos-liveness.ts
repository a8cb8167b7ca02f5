/**
 * `npm run chaos -- --liveness`: the liveness mode of the SIGKILL chaos harness
 * (test/chaos/liveness.ts). For each mode and seed it runs the workload once without
 * kills and once with kills, prints one table, and exits non-zero when a run did not
 * finish, when the audit found a duplicate, a lost, wrongly failed, unstarted or
 * settleable-but-unsettled action, or when the time ratio is above `--max-ratio`.
 *
 * Options:
 *   --actions <n>              business actions per run                              [200]
 *   --mode exchange|payments|both                                                   [both]
 *   --seed <n>[,<n>...]        seeds of venue faults and kill times; one comparison each [1]
 *   --startup blocking|background
 *                              blocking: `await client.recover()` before any call;
 *                              background: `client.startRecovery()` and calls at once
 *                              (the README's flow)                             [background]
 *   --concurrency <n>          calls in flight in the driver                           [3]
 *   --recovery-concurrency <n> intents the recovery pass resumes at once               [8]
 *   --kill-min-ms <n>          shortest delay from a driver's start to its kill      [500]
 *   --kill-max-ms <n>          longest such delay                                   [3000]
 *   --max-kills <n>            most kills per run                                     [50]
 *   --budget-s <n>             wall-time budget of each run, in seconds              [180]
 *   --faults <k=p,...>         venue faults, e.g. reject503=0.06,executeThenDrop=0.06
 *                              (default: exchange reject503 0.06 + executeThenDrop 0.06,
 *                              payments executeThen500 0.12)
 *   --payment-path <path>      payment write path (default: /v1/payment_intents when the
 *                              fake venue serves it, else /v1/payments)
 *   --latency-ms <n>           one-way latency the venue front adds (<= 250)         [150]
 *   --replay-stored-500 auto|on|off
 *                              payments: the front keeps a 500 per idempotency key and
 *                              replays it; auto = only if the fake venue does not   [auto]
 *   --max-passes <n>           passes a driver makes over unanswered actions           [5]
 *   --standby <n>              driver processes loaded ahead of use                    [3]
 *   --max-ratio <x>            largest accepted active-time ratio kills / no kills     [2]
 *   --json <file>              also write the reports as JSON
 */
import { writeFileSync } from 'node:fs';
import type { FakeVenueFaults } from '../src/testing/index.js';
import {
  formatLivenessReports,
  isSoundRun,
  killLivenessLeftovers,
  runLiveness,
  type ChaosMode,
  type LivenessReport,
  type StartupFlow,
} from '../test/chaos/liveness.js';
import { readArgs } from './cli-args.js';

const FAULT_NAMES: readonly (keyof FakeVenueFaults)[] = ['executeThenDrop', 'executeThen500', 'reject503', 'delay', 'rateLimit'];

function usage(message: string): never {
  console.error(
    `chaos --liveness: ${message}\nusage: npm run chaos -- --liveness [--actions 200] [--mode both] [--seed 1[,2...]] [--startup blocking|background] ` +
      '[--concurrency 3] [--recovery-concurrency 8] [--kill-min-ms 500] [--kill-max-ms 3000] [--max-kills 50] [--budget-s 180] ' +
      '[--faults reject503=0.06,...] [--payment-path /v1/payments] [--latency-ms 150] [--replay-stored-500 auto|on|off] [--max-passes 5] [--standby 3] [--max-ratio 2] [--json file]',
  );
  process.exit(2);
}

function parseFaults(raw: string): FakeVenueFaults {
  const faults: Partial<Record<keyof FakeVenueFaults, number>> = {};
  let total = 0;
  for (const part of raw.split(',').filter((p) => p !== '')) {
    const [name, value] = part.split('=');
    const p = Number(value);
    if (!(FAULT_NAMES as readonly (string | undefined)[]).includes(name)) usage(`--faults: unknown fault ${String(name)} (known: ${FAULT_NAMES.join(', ')})`);
    if (!(p >= 0 && p <= 1)) usage(`--faults: ${String(name)} needs a probability in [0, 1]`);
    faults[name as keyof FakeVenueFaults] = p;
    total += p;
  }
  if (total > 1) usage('--faults: the probabilities add up to more than 1');
  return faults;
}

/** Runs the liveness CLI on `argv` (without the `--liveness` switch handling); returns the exit code. */
export async function livenessCli(argv: readonly string[]): Promise<number> {
  const args = readArgs(
    argv,
    {
      values: [
        'actions',
        'mode',
        'seed',
        'startup',
        'concurrency',
        'recovery-concurrency',
        'kill-min-ms',
        'kill-max-ms',
        'max-kills',
        'budget-s',
        'faults',
        'payment-path',
        'max-passes',
        'standby',
        'max-ratio',
        'latency-ms',
        'replay-stored-500',
        'json',
      ],
      flags: ['liveness'],
    },
    usage,
  );
  const int = args.int;
  const mode = args.get('mode') ?? 'both';
  if (mode !== 'exchange' && mode !== 'payments' && mode !== 'both') usage('--mode must be exchange, payments or both');
  const startup = args.get('startup') ?? 'background';
  if (startup !== 'blocking' && startup !== 'background') usage('--startup must be blocking or background');
  const seeds = (args.get('seed') ?? '1').split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 0) usage('--seed must be a non-negative integer or a comma-separated list of them');
    return n;
  });
  const maxRatio = Number(args.get('max-ratio') ?? 2);
  if (!(maxRatio > 0)) usage('--max-ratio must be a positive number');
  const killMinMs = int('kill-min-ms', 500, 0);
  const killMaxMs = int('kill-max-ms', 3_000, 0);
  if (killMaxMs < killMinMs) usage('--kill-max-ms must be >= --kill-min-ms');
  const rawFaults = args.get('faults');
  const faults = rawFaults === undefined ? undefined : parseFaults(rawFaults);
  const paymentPath = args.get('payment-path');
  const replay = args.get('replay-stored-500') ?? 'auto';
  if (replay !== 'auto' && replay !== 'on' && replay !== 'off') usage('--replay-stored-500 must be auto, on or off');
  const modes: ChaosMode[] = mode === 'both' ? ['exchange', 'payments'] : [mode];
  const flow: StartupFlow = startup;

  const reports: LivenessReport[] = [];
  let failed = false;
  for (const seed of seeds) {
    for (const m of modes) {
      console.log(`liveness: ${m}, seed ${seed}, ${flow} startup, ${int('actions', 200, 1)} actions: without kills, then with kills`);
      let lastPrintAt = 0;
      const report = await runLiveness({
        mode: m,
        seed,
        startup: flow,
        actions: int('actions', 200, 1),
        concurrency: int('concurrency', 3, 1),
        recoveryConcurrency: int('recovery-concurrency', 8, 1),
        killIntervalMs: [killMinMs, killMaxMs],
        maxKills: int('max-kills', 50, 0),
        runBudgetMs: int('budget-s', 180, 1) * 1000,
        maxPasses: int('max-passes', 5, 1),
        standbyProcesses: int('standby', 3, 0),
        latencyMs: int('latency-ms', 150, 0),
        replayStoredErrors: replay === 'auto' ? 'auto' : replay === 'on',
        ...(faults === undefined ? {} : { faults }),
        ...(paymentPath === undefined ? {} : { paymentPath }),
        onProgress: (p) => {
          const now = Date.now();
          if (now - lastPrintAt < 2_000) return;
          lastPrintAt = now;
          console.log(`  ${p.mode} ${p.run}: ${p.answered}/${p.actions} answered, ${p.processes} processes, ${p.kills} kills, ${(p.elapsedMs / 1000).toFixed(0)} s`);
        },
      });
      reports.push(report);
      const findings = [...report.baseline.violations.map((v) => `no kills: ${v}`), ...report.withKills.violations.map((v) => `kills: ${v}`)];
      for (const v of findings.slice(0, 20)) console.log(`  finding: ${v}`);
      if (findings.length > 20) console.log(`  ... ${findings.length - 20} more finding(s)`);
      const sound = isSoundRun(report.baseline) && isSoundRun(report.withKills);
      const fast = report.ratio <= maxRatio;
      console.log(
        `${sound && fast ? 'PASS' : 'FAIL'}: ${m} seed ${seed}: ratio ${report.ratio.toFixed(2)} (max ${maxRatio})` +
          (sound ? '' : '; the audit or the run is not clean (see the table)'),
      );
      failed ||= !sound || !fast;
    }
  }
  console.log(`\n${formatLivenessReports(reports)}\n`);
  const json = args.get('json');
  if (json !== undefined) writeFileSync(json, `${JSON.stringify(reports, null, 2)}\n`);
  await killLivenessLeftovers();
  return failed ? 1 : 0;
}
