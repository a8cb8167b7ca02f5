/**
 * The comparison ledger: intents in SQLite through better-sqlite3, WAL mode,
 * synchronous=FULL, one intent per transaction (each INSERT is its own autocommit
 * transaction). better-sqlite3 is a native addon, so it is never a dependency of the
 * project: {@link ensureSqlite} installs it on demand into `bench/.deps` (ignored by
 * git) with `npm install --prefix`, and the benchmark reports SQLite as not measured
 * when that fails.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { IntentDraft, IntentRecord } from '../../src/index.js';

/** The version range installed on demand. */
export const SQLITE_PACKAGE = 'better-sqlite3@^12.4.0';

/** The part of better-sqlite3's API the ledger uses. */
interface Statement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
}
interface Database {
  pragma(source: string, options?: { simple?: boolean }): unknown;
  exec(source: string): void;
  prepare(source: string): Statement;
  close(): void;
}
type DatabaseConstructor = new (path: string) => Database;

/** Loads better-sqlite3 from `depsDir`; undefined when it is not installed there. */
export function loadSqlite(depsDir: string): { Database: DatabaseConstructor; version: string } | undefined {
  const packageJson = join(depsDir, 'node_modules', 'better-sqlite3', 'package.json');
  if (!existsSync(packageJson)) return undefined;
  const require = createRequire(join(depsDir, 'index.js'));
  const Database = require('better-sqlite3') as DatabaseConstructor;
  const version = (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
  return { Database, version };
}

/** Outcome of {@link ensureSqlite}. */
export type SqliteAvailability =
  | { readonly available: true; readonly version: string; readonly installedNow: boolean; readonly installMs: number }
  | { readonly available: false; readonly reason: string };

/**
 * Makes better-sqlite3 loadable from `depsDir`, installing it when `install` is true
 * (this may compile the addon from source: about 2 minutes here). Never throws.
 */
export async function ensureSqlite(depsDir: string, install: boolean, timeoutMs = 600_000): Promise<SqliteAvailability> {
  const probe = (): SqliteAvailability | undefined => {
    try {
      const loaded = loadSqlite(depsDir);
      if (!loaded) return undefined;
      // Opening a database proves the native addon loads (a half-built install does not).
      new loaded.Database(':memory:').close();
      return { available: true, version: loaded.version, installedNow: false, installMs: 0 };
    } catch (error) {
      return { available: false, reason: `better-sqlite3 is in ${depsDir} but does not load: ${(error as Error).message}` };
    }
  };
  const found = probe();
  if (found?.available === true) return found;
  if (!install) {
    return { available: false, reason: found?.available === false ? found.reason : `better-sqlite3 is not installed in ${depsDir} (this mode does not install it)` };
  }
  mkdirSync(depsDir, { recursive: true });
  const started = Date.now();
  const result = await new Promise<{ ok: boolean; output: string }>((resolve) => {
    execFile(
      'npm',
      ['install', '--prefix', depsDir, '--no-audit', '--no-fund', '--no-save', SQLITE_PACKAGE],
      { timeout: timeoutMs, maxBuffer: 16 * 2 ** 20 },
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}\n${stderr}` }),
    );
  });
  const installMs = Date.now() - started;
  if (!result.ok) {
    const tail = result.output.trim().split('\n').slice(-5).join(' | ');
    return { available: false, reason: `npm install ${SQLITE_PACKAGE} failed after ${Math.round(installMs / 1000)} s: ${tail}` };
  }
  const after = probe();
  if (after?.available === true) return { ...after, installedNow: true, installMs };
  return { available: false, reason: after?.available === false ? after.reason : 'better-sqlite3 installed but not found' };
}

/**
 * An intent table with the same `create` semantics as the project's ledgers: insert if
 * absent, otherwise return the stored record. Every call commits on its own.
 */
export class SqliteLedger {
  readonly #db: Database;
  readonly #insert: Statement;
  readonly #select: Statement;
  readonly sqliteVersion: string;

  constructor(Database: DatabaseConstructor, path: string) {
    this.#db = new Database(path);
    this.#db.pragma('journal_mode = WAL');
    this.#db.pragma('synchronous = FULL');
    this.#db.exec(
      'CREATE TABLE IF NOT EXISTS intents (id TEXT PRIMARY KEY, status TEXT NOT NULL, record TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL)',
    );
    this.#insert = this.#db.prepare(
      'INSERT INTO intents (id, status, record, created_at, updated_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING',
    );
    this.#select = this.#db.prepare('SELECT record FROM intents WHERE id = ?');
    this.sqliteVersion = (this.#db.prepare('SELECT sqlite_version() AS v').get() as { v: string }).v;
  }

  /** Settings in force, read back from the database. */
  settings(): string {
    const mode = String(this.#db.pragma('journal_mode', { simple: true }));
    const sync = Number(this.#db.pragma('synchronous', { simple: true }));
    return `journal_mode=${mode}, synchronous=${sync === 2 ? 'FULL' : String(sync)}`;
  }

  /** Synchronous: the calling thread (the event loop) waits for the commit and its fsync. */
  create(draft: IntentDraft, now: number): { created: boolean; record: IntentRecord } {
    const record: IntentRecord = { ...draft, status: 'pending', attempt: 0, epoch: 0, updatedAt: now };
    const { changes } = this.#insert.run(record.id, record.status, JSON.stringify(record), record.createdAt, now);
    if (changes === 1) return { created: true, record };
    const row = this.#select.get(record.id) as { record: string };
    return { created: false, record: JSON.parse(row.record) as IntentRecord };
  }

  close(): void {
    this.#db.close();
  }
}
