import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three ways to run the suite, chosen by vitest's `--mode`:
 *
 * - `npm test` (`vitest run`, mode `test`): every test file at full size. CI runs this.
 * - `npm run test:fast` (`--mode fast`): every file except {@link SLOW_FILES}, with the
 *   loops that read a size knob shortened ({@link FAST_SIZES}), and test files sharing
 *   their worker's process. The edit loop: under 90 s on two cores.
 * - `npm run test:slow` (`--mode slow`): only {@link SLOW_FILES}, at full size.
 *
 * A test file is fast unless it is listed in {@link SLOW_FILES}, so the fast and slow
 * runs together are exactly `npm test`; test/meta/test-split.test.ts asks vitest for the
 * three file lists and checks that they partition, and that every listed file exists.
 */

/** Every test file; examples/*.test.ts are the copyable example tests (e.g. examples/msw-venue.test.ts). */
const ALL_FILES = ['test/**/*.test.ts', 'examples/**/*.test.ts'];

/**
 * The heavy suites: SIGKILL chaos, crash and power-loss sweeps, lock races across
 * processes and long property runs. Each takes from about 20 s to several minutes here.
 */
export const SLOW_FILES: readonly string[] = [
  // SIGKILL chaos: hundreds of killed and restarted bots, a fleet of killed workers,
  // liveness under kills (every run has a 20 s budget).
  'test/chaos/chaos.test.ts',
  'test/chaos/fleet-chaos.test.ts',
  'test/chaos/liveness.test.ts',
  // A crash after every I/O operation of a workload, in many damage variants; every
  // I/O operation failed in turn with each errno.
  'test/crash/power-loss.test.ts',
  'test/crash/io-errors.test.ts',
  // The file store against its model through 200 runs of crashes and compactions.
  'test/property/file-ledger-model.property.test.ts',
  // Lock contention and kills across processes.
  'test/integration/lock-processes.test.ts',
  // Hundreds of business actions per mode through a fault proxy with real latencies,
  // resets and hangs (its assertions are on proportions, which need the full count).
  'test/integration/network-faults.test.ts',
  // Claim races and lease takeovers across processes on PostgreSQL and Redis.
  'test/stores/postgres-race.test.ts',
  'test/stores/redis-race.test.ts',
  'test/stores/redis-takeover.test.ts',
];

/**
 * Loop sizes of `npm run test:fast`, by the environment variable each test reads (full
 * sizes in brackets). A variable already set in the environment wins.
 */
const FAST_SIZES: Readonly<Record<string, string>> = {
  // Random command sequences of the PostgreSQL store against the model (150).
  INTENTKEY_PG_MODEL_RUNS: '50',
  // Rounds of the SIGKILL right after a lazy success (3).
  INTENTKEY_LAZY_KILL_ROUNDS: '1',
};

export default defineConfig(({ mode }) => {
  const fast = mode === 'fast';
  const slow = mode === 'slow';
  return {
    test: {
      include: slow ? [...SLOW_FILES] : ALL_FILES,
      exclude: fast ? [...configDefaults.exclude, ...SLOW_FILES] : configDefaults.exclude,
      env: fast ? Object.fromEntries(Object.entries(FAST_SIZES).filter(([name]) => process.env[name] === undefined)) : {},
      environment: 'node',
      globalSetup: [
        // Builds dist/ when a source is newer: the `intentkey` command tests run the built bin.
        'test/helpers/build-cli.ts',
        // Finds PostgreSQL and Redis at their default local addresses when DATABASE_URL /
        // REDIS_URL are unset, so the store suites run rather than skip.
        'test/helpers/local-services.ts',
      ],
      // Tests import `describe`/`it`/`expect` explicitly; no ambient globals.
      globals: false,
      // Generous ceiling for the store suites that talk to local Postgres/Redis
      // and spawn child processes; unit tests finish far below it.
      testTimeout: 20_000,
      // Separate processes: crash tests kill children and file stores take
      // process-level locks, which worker threads would share.
      pool: 'forks',
      // `npm test` gives every test file a fresh process. The fast run lets the files of a
      // worker share one process and its module cache: importing the sources once per
      // worker instead of once per file saves about half its time. Every test file must
      // therefore clean up after itself (close ledgers, servers and clients it opens), which
      // the fast run checks on every edit.
      isolate: !fast,
    },
  };
});
