import { ConfigurationError } from '../../errors/index.js';
import { describeValue } from '../../internal/validation.js';

/** Default table of {@link PostgresLedger}. */
export const DEFAULT_TABLE = 'intentkey_intents';

/**
 * One unquoted PostgreSQL identifier as the store accepts it: lower case (so the
 * quoted and unquoted spellings name the same table), and short enough that the
 * index names derived from it stay within PostgreSQL's 63 bytes.
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,47}$/;

/** A validated table name: its quoted SQL form and the names derived from it. */
export interface TableNames {
  /** As the user gave it, e.g. `app.intents`. */
  readonly name: string;
  /** Quoted for SQL, e.g. `"app"."intents"`. */
  readonly sql: string;
  /** Quoted index names (unqualified: an index lives in its table's schema). */
  readonly resumableIndex: string;
  readonly finishedIndex: string;
  /** Key of the transaction-scoped advisory lock that serialises concurrent `migrate()` calls. */
  readonly migrateLockKey: number;
}

/**
 * Checks a table option (`table` or `schema.table`) and derives the SQL names from it.
 * Table names are interpolated into SQL, never passed as parameters, so anything but
 * a plain identifier is refused.
 *
 * @throws ConfigurationError for anything but one or two identifiers of `[a-z_][a-z0-9_]*`, at most 48 characters each.
 */
export function tableNames(table: unknown): TableNames {
  const parts = typeof table === 'string' ? table.split('.') : [];
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => IDENTIFIER.test(p))) {
    throw new ConfigurationError({
      path: 'PostgresLedger.open(options).table',
      expected: 'a table name, optionally schema-qualified, of lower-case letters, digits and underscores (at most 48 characters each, not starting with a digit)',
      received: describeValue(table),
    });
  }
  const base = parts[parts.length - 1] as string;
  return {
    name: table as string,
    sql: parts.map((p) => `"${p}"`).join('.'),
    resumableIndex: `"${base}_resumable"`,
    finishedIndex: `"${base}_finished"`,
    migrateLockKey: lockKey(`intentkey:migrate:${table as string}`),
  };
}

/** A stable 32-bit key for an advisory lock (FNV-1a; collisions only serialise two migrations). */
function lockKey(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h | 0;
}

/**
 * The statements `migrate()` runs, as one multi-statement query: PostgreSQL runs such a
 * query in one implicit transaction, so the transaction-scoped advisory lock serialises
 * concurrent migrations (`CREATE TABLE IF NOT EXISTS` alone can fail when two sessions
 * race) and is released at its end. No session state is left behind, which keeps the
 * store usable through a transaction-mode connection pooler.
 *
 * Times are epoch milliseconds in `bigint` columns (the client's clock, as the
 * `LedgerStore` contract passes it). `input` and `outcome` are `json`, not `jsonb`, so
 * stored inputs come back with their keys in the order they were written.
 */
export function migrationSql(t: TableNames): string {
  return `
SELECT pg_advisory_xact_lock(${t.migrateLockKey});
CREATE TABLE IF NOT EXISTS ${t.sql} (
  id text PRIMARY KEY,
  scope text NOT NULL,
  operation text NOT NULL,
  business_id text,
  venue text NOT NULL,
  key text NOT NULL,
  venue_key text NOT NULL,
  fingerprint text NOT NULL,
  input json,
  status text NOT NULL CHECK (status IN ('pending', 'inFlight', 'succeeded', 'failed', 'unknown')),
  attempt integer NOT NULL CHECK (attempt >= 0),
  epoch bigint NOT NULL CHECK (epoch >= 0),
  lease_owner text,
  lease_until bigint,
  created_at bigint NOT NULL,
  updated_at bigint NOT NULL,
  expires_at bigint,
  outcome json
);
CREATE INDEX IF NOT EXISTS ${t.resumableIndex} ON ${t.sql} (created_at, id COLLATE "C")
  WHERE status IN ('pending', 'inFlight', 'unknown');
CREATE INDEX IF NOT EXISTS ${t.finishedIndex} ON ${t.sql} (updated_at)
  WHERE status IN ('succeeded', 'failed');
COMMENT ON TABLE ${t.sql} IS 'intentkey ledger, schema version 1';
`;
}

/**
 * The columns every read returns, each cast to text: the store parses them itself, so
 * type parsers the application set on its `pg` module (for `int8`, `json`, ...) cannot
 * change what it sees.
 */
export const SELECT_COLUMNS = [
  'id',
  'scope',
  'operation',
  'business_id',
  'venue',
  'key',
  'venue_key',
  'fingerprint',
  'input::text AS input',
  'status',
  'attempt::text AS attempt',
  'epoch::text AS epoch',
  'lease_owner',
  'lease_until::text AS lease_until',
  'created_at::text AS created_at',
  'updated_at::text AS updated_at',
  'expires_at::text AS expires_at',
  'outcome::text AS outcome',
].join(', ');
