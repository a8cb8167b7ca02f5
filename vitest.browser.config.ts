import { defineConfig } from 'vitest/config';

/**
 * The browser tests: the built docs site (`npm run docs:build`) driven in headless
 * Chromium from Debian's package (`/usr/bin/chromium`, or `CHROMIUM_PATH`), through
 * playwright-core (which downloads nothing). Run with `npm run test:browser`; kept out of
 * `npm test` because they need the built site and the browser.
 */
export default defineConfig({
  test: {
    include: ['test/browser/**/*.browser.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
