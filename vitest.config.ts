import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // examples/*.test.ts: the copyable example tests (e.g. examples/msw-venue.test.ts) run with the suite.
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    environment: 'node',
    // Builds dist/ when a source is newer: the `intentkey` command tests run the built bin.
    globalSetup: ['test/helpers/build-cli.ts'],
    // Tests import `describe`/`it`/`expect` explicitly; no ambient globals.
    globals: false,
    // Generous ceiling for the store suites that talk to local Postgres/Redis
    // and spawn child processes; unit tests finish far below it.
    testTimeout: 20_000,
    // Separate processes: crash tests kill children and file stores take
    // process-level locks, which worker threads would share.
    pool: 'forks',
  },
});
