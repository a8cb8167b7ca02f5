import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL test server, from DATABASE_URL (CI sets it). When it is unset, the
 * vitest globalSetup test/helpers/local-services.ts sets it to
 * postgres://postgres@127.0.0.1:5432/test if a server answers there. Without a server the
 * PostgreSQL suites are skipped and say so once per file.
 */
export const DATABASE_URL = process.env.DATABASE_URL;

/** Prints the one loud line a skipped PostgreSQL suite owes its reader. */
export function warnIfNoDatabase(what: string): void {
  if (!DATABASE_URL) console.warn(`SKIPPED ${what}: DATABASE_URL is not set and no PostgreSQL answered at postgres://postgres@127.0.0.1:5432/test.`);
}

/** A table name no other run uses: tests create, use and drop only their own. */
export function randomTable(prefix = 'ik_test'): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A pool on the test server; `max` connections. */
export function testPool(max = 4): pg.Pool {
  return new pg.Pool({ connectionString: DATABASE_URL, max });
}

/** Drops a table this test run created (never anything else: the name is one of ours). */
export async function dropTable(pool: pg.Pool, table: string): Promise<void> {
  if (!/^ik_[a-z0-9_]+$/.test(table)) throw new Error(`refusing to drop ${table}: not a test table`);
  await pool.query(`DROP TABLE IF EXISTS "${table}"`);
}
