/**
 * Loop sizes of the heavier tests. Each size has an environment variable and a full
 * size: `npm test` and `npm run test:slow` run the full size, `npm run test:fast` sets
 * smaller ones (FAST_SIZES in vitest.config.ts), and a variable set by hand wins over
 * both, e.g. `INTENTKEY_PG_MODEL_RUNS=1000 npx vitest run test/stores/postgres-ledger.test.ts`.
 */

/**
 * The size named by environment variable `name`: a positive integer, or `full` when the
 * variable is unset or empty. Anything else throws, naming the variable, so a typo does
 * not silently run the test at some other size.
 */
export function sizeFromEnv(name: string, full: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return full;
  const size = Number(raw);
  if (!Number.isSafeInteger(size) || size < 1) {
    throw new Error(`${name} must be a positive integer (a test loop size; full size ${full}), received ${JSON.stringify(raw)}`);
  }
  return size;
}
