import { ConfigurationError, LedgerLeaseLostError, LedgerUnavailableError } from '../../errors/index.js';
import { systemClock, type Clock } from '../../internal/clock.js';
import { describeValue } from '../../internal/validation.js';
import type { InputCodec } from '../../ledger/ledger-store.js';
import type { IntentDraft, IntentRecord, IntentStatus, StoredOutcome } from '../../ledger/intent.js';
import { INTENT_STATUSES } from '../../ledger/intent.js';
import type { ClaimRequest, ClaimResult, ClaimResumableRequest, CreateInFlight, LedgerCapabilities, LedgerStore, ListRecordsQuery, TransitionRequest } from '../../ledger/ledger-store.js';
import { claimLimitOf } from '../../ledger/list.js';
import { applyTransition, isAllowedTransition } from '../../ledger/transitions.js';
import { DEFAULT_TABLE, migrationSql, SELECT_COLUMNS, tableNames, type TableNames } from './schema.js';

/**
 * What the store needs of a `pg` `Pool` (or `Client`, or anything with the same
 * `query`): structural, so `pg` is not a dependency of intentkey. Every call is one
 * statement run in autocommit, so any pooled connection will do, including one behind
 * a transaction-mode pooler (PgBouncer): the store keeps no session state.
 */
export interface PgQueryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** Something the store reports that is not an error. */
export type PostgresLedgerEvent =
  | { readonly type: 'reaped'; readonly deleted: number }
  | { readonly type: 'reapFailed'; readonly error: unknown };

/** Options of {@link PostgresLedger}. */
export interface PostgresLedgerOptions {
  /** The application's `pg` `Pool`. The store never ends it: `close()` leaves it to its owner. */
  readonly pool: PgQueryable;
  /**
   * Table name, optionally schema-qualified (`app.intents`): lower-case letters,
   * digits and underscores, at most 48 characters per part. @default 'intentkey_intents'
   */
  readonly table?: string;
  /**
   * How long finished intents (succeeded or failed) are kept after their last change,
   * in ms, so that calling the same business action again returns the stored result.
   * Deleted by {@link PostgresLedger.reap} after that. @default 604800000 (7 days)
   */
  readonly retentionMs?: number;
  /**
   * Interval of the background reaper, in ms; 0 turns it off (call `reap()` from your
   * own scheduler instead). The timer does not keep the process alive. @default 3600000 (1 hour)
   */
  readonly reapEveryMs?: number;
  /** Encodes inputs before they are written (e.g. encryption). @default identity */
  readonly codec?: InputCodec;
  /** Time source for the reaper. @default the system clock */
  readonly clock?: Clock;
  /** Receives background reaper results and failures. */
  readonly onEvent?: (event: PostgresLedgerEvent) => void;
  /**
   * Whether {@link PostgresLedger.open} creates the table and its indexes when missing
   * (idempotent, one transaction, safe from several processes at once). Set `false`
   * when the application's role may not create tables and the table is created by a
   * deploy step (`migrate()` or the SQL of docs/stores.md): `open` then only checks
   * that the table exists. @default true
   */
  readonly migrate?: boolean;
}

/** A row as read: every column cast to text (see `SELECT_COLUMNS`). */
interface Row {
  id: string;
  scope: string;
  operation: string;
  business_id: string | null;
  venue: string;
  key: string;
  venue_key: string;
  fingerprint: string;
  input: string | null;
  status: string;
  attempt: string;
  epoch: string;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
  updated_at: string;
  expires_at: string | null;
  outcome: string | null;
}

const RESUMABLE_SQL = `('pending', 'inFlight', 'unknown')`;
const FINISHED_SQL = `('succeeded', 'failed')`;
/**
 * Order of every listing, on the table's columns (alias `t`): a bare `created_at` in
 * `ORDER BY` would name the text-cast output column of `SELECT_COLUMNS` and sort
 * `'999'` after `'1000'`, and no index could serve it.
 */
const ORDER_SQL = `t.created_at, t.id COLLATE "C"`;
/** Rows deleted per reaper statement, so one run never holds many row locks at once. */
const REAP_BATCH = 1_000;

/**
 * A shared, durable {@link LedgerStore} in a PostgreSQL table, for a fleet of workers.
 *
 * - `create` is `INSERT … ON CONFLICT (id) DO NOTHING`: the primary key picks the one
 *   creator among any number of racing processes.
 * - `claim` is one conditional `UPDATE` that bumps `epoch` (the fencing token) and sets
 *   the lease, unless another owner's lease is still live.
 * - every `transition` is `UPDATE … WHERE status = expected AND epoch = expected`: a
 *   worker that lost its lease (paused, partitioned) changes nothing.
 * - {@link claimResumable} hands out resumable work with `FOR UPDATE SKIP LOCKED`, so
 *   workers polling at once get disjoint batches.
 * - {@link reap} deletes finished intents past the retention window.
 *
 * Durable as far as the server is: with `synchronous_commit = on` (the default) a
 * resolved write is in the server's WAL on disk. No transaction is held across a call
 * to the venue, and no session-level state (advisory locks, prepared statement names,
 * `SET`) is used. See docs/durability.md#d20-postgresql-a-resolved-write-is-committed.
 *
 * Opened with {@link PostgresLedger.open}, which validates the options, creates or checks
 * the table, and starts the reaper.
 */
export class PostgresLedger implements LedgerStore {
  readonly capabilities: LedgerCapabilities = Object.freeze({ durable: true, shared: true });
  /** The validated table name, as given. */
  readonly table: string;
  readonly #pool: PgQueryable;
  readonly #t: TableNames;
  readonly #retentionMs: number;
  readonly #codec: InputCodec | undefined;
  readonly #clock: Clock;
  readonly #onEvent: ((event: PostgresLedgerEvent) => void) | undefined;
  readonly #reapEveryMs: number;
  #reaper: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * Opens the ledger: validates `options`, creates the table if missing (or, with
   * `migrate: false`, checks that it exists), then starts the background reaper (unless
   * `reapEveryMs` is 0). Nothing runs before this resolves.
   * @throws ConfigurationError for a missing pool or an invalid table name, duration or flag.
   * @throws LedgerUnavailableError when the server cannot be reached, refuses, or the table is missing with `migrate: false`.
   */
  static async open(options: PostgresLedgerOptions): Promise<PostgresLedger> {
    const ledger = new PostgresLedger(options);
    const migrate = (options as Partial<PostgresLedgerOptions>).migrate ?? true;
    if (typeof migrate !== 'boolean') {
      throw new ConfigurationError({ path: 'PostgresLedger.open(options).migrate', expected: 'a boolean', received: describeValue(migrate) });
    }
    if (migrate) await ledger.migrate();
    else await ledger.#query('check the ledger table', `SELECT 1 FROM ${ledger.#t.sql} LIMIT 0`);
    ledger.#startReaper();
    return ledger;
  }

  /**
   * The same ledger (table, retention, codec) running its statements on `queryable`,
   * typically the client of an open transaction, so that an intent can be created in the
   * same transaction as the application's own rows (the outbox pattern of
   * docs/stores.md). It has no reaper and checks nothing: the table is this ledger's.
   */
  on(queryable: PgQueryable): PostgresLedger {
    if (typeof (queryable as Partial<PgQueryable> | undefined)?.query !== 'function') {
      throw new ConfigurationError({ path: 'PostgresLedger#on(queryable)', expected: 'a pg Pool or client (an object with a query method)', received: describeValue(queryable, { secret: true }) });
    }
    return new PostgresLedger({ pool: queryable, table: this.table, retentionMs: this.#retentionMs, reapEveryMs: 0, clock: this.#clock, ...(this.#codec ? { codec: this.#codec } : {}) });
  }

  private constructor(options: PostgresLedgerOptions) {
    if (typeof (options as Partial<PostgresLedgerOptions> | undefined)?.pool?.query !== 'function') {
      throw new ConfigurationError({ path: 'PostgresLedger.open(options).pool', expected: 'a pg Pool (an object with a query method)', received: describeValue(options?.pool, { secret: true }) });
    }
    this.#t = tableNames(options.table ?? DEFAULT_TABLE);
    this.table = this.#t.name;
    this.#pool = options.pool;
    this.#retentionMs = nonNegativeInteger(options.retentionMs, 7 * 24 * 60 * 60 * 1000, 'retentionMs');
    this.#reapEveryMs = nonNegativeInteger(options.reapEveryMs, 60 * 60 * 1000, 'reapEveryMs');
    this.#codec = options.codec;
    this.#clock = options.clock ?? systemClock;
    this.#onEvent = options.onEvent;
  }

  /** Starts the background reaper (see `reapEveryMs`); the timer does not keep the process alive. */
  #startReaper(): void {
    if (this.#reapEveryMs === 0 || this.#reaper !== undefined || this.#closed) return;
    this.#reaper = setInterval(() => {
      this.reap().then(
        (deleted) => this.#onEvent?.({ type: 'reaped', deleted }),
        (error: unknown) => this.#onEvent?.({ type: 'reapFailed', error }),
      );
    }, this.#reapEveryMs);
    this.#reaper.unref();
  }

  /**
   * Creates the table and its indexes if they do not exist. Idempotent, safe to run
   * from several processes at once, and run in one transaction. `open` runs it (unless
   * `migrate: false`); call it yourself from a deploy step that runs with more rights.
   * @throws LedgerUnavailableError when the server cannot be reached or refuses.
   */
  async migrate(): Promise<void> {
    await this.#query('migrate the ledger table', migrationSql(this.#t));
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ created: boolean; record: IntentRecord }> {
    this.#assertOpen();
    const input = this.#codec ? this.#codec.encode(draft.input) : draft.input;
    const values = [
      draft.id,
      draft.scope,
      draft.operation,
      draft.businessId ?? null,
      draft.venue,
      draft.key,
      draft.venueKey,
      draft.fingerprint,
      toJson(input, 'input'),
      draft.createdAt,
      now,
      draft.expiresAt ?? null,
      // Created already claimed with attempt 1 in flight (CreateInFlight), or pending.
      inFlight === undefined ? 'pending' : 'inFlight',
      inFlight === undefined ? 0 : 1,
      inFlight === undefined ? 0 : 1,
      inFlight?.owner ?? null,
      inFlight === undefined ? null : now + inFlight.leaseMs,
      inFlight === undefined ? null : toJson(inFlight.outcome, 'outcome'),
    ];
    // A row deleted by the reaper between the conflict and the read is created anew on
    // the next pass; three passes cover any realistic interleaving.
    for (let pass = 0; pass < 3; pass++) {
      const inserted = await this.#rows(
        `create intent ${draft.id}`,
        `INSERT INTO ${this.#t.sql} (id, scope, operation, business_id, venue, key, venue_key, fingerprint, input, created_at, updated_at, expires_at, status, attempt, epoch, lease_owner, lease_until, outcome)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::json, $10, $11, $12, $13::text, $14::integer, $15::bigint, $16::text, $17::bigint, $18::json)
         ON CONFLICT (id) DO NOTHING
         RETURNING ${SELECT_COLUMNS}`,
        values,
      );
      if (inserted[0]) return { created: true, record: this.#toRecord(inserted[0]) };
      const existing = await this.#select(draft.id, `read intent ${draft.id}`);
      if (existing) return { created: false, record: existing };
    }
    throw new LedgerUnavailableError(`The PostgreSQL ledger ${this.table} could neither create nor read intent ${draft.id}.`);
  }

  async get(id: string): Promise<IntentRecord | undefined> {
    this.#assertOpen();
    return this.#select(id, `read intent ${id}`);
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    this.#assertOpen();
    const rows = await this.#rows(
      `claim intent ${id}`,
      `UPDATE ${this.#t.sql} SET epoch = epoch + 1, lease_owner = $2, lease_until = $3
       WHERE id = $1 AND status IN ${RESUMABLE_SQL}
         AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until IS NULL OR lease_until <= $4)
       RETURNING ${SELECT_COLUMNS}`,
      [id, request.owner, request.now + request.leaseMs, request.now],
    );
    if (rows[0]) return { claimed: true, record: this.#toRecord(rows[0]) };
    return { claimed: false, record: await this.#mustSelect(id, `claim intent ${id}`) };
  }

  /**
   * Claims up to `limit` resumable intents (pending, in flight or unknown) whose lease is
   * free, expired or already this owner's, oldest first, in one statement, as
   * {@link LedgerStore.claimResumable} says: rows another worker is claiming at the same
   * moment are skipped (`FOR UPDATE SKIP LOCKED`), so concurrent callers get disjoint sets.
   * Parked intents not yet due (`outcome.parked.nextCheckAt > now`) are left alone, and
   * `createdBefore`, `after` and `exclude` narrow the choice. Each claimed intent's epoch
   * is bumped, as by {@link claim}. Atomic as a whole: one `UPDATE` in autocommit.
   * Resolves the claimed records, oldest first. Ties in `createdAt` are ordered (and
   * `after` compared) in byte order, as {@link list} orders them.
   */
  async claimResumable(request: ClaimResumableRequest): Promise<IntentRecord[]> {
    this.#assertOpen();
    const limit = claimLimitOf(request);
    const values: unknown[] = [request.owner, request.now + request.leaseMs, request.now, limit];
    const where: string[] = [];
    const before = request.createdBefore;
    // As in list(): stored times are integers, NaN and +Infinity select every time.
    if (before !== undefined && before < Number.MAX_SAFE_INTEGER) {
      if (before < Number.MIN_SAFE_INTEGER) return [];
      values.push(Math.floor(before));
      where.push(`t.created_at <= $${values.length}::bigint`);
    }
    if (request.after !== undefined) {
      values.push(request.after.createdAt, request.after.id);
      const at = `$${values.length - 1}::double precision`;
      where.push(`(t.created_at > ${at} OR (t.created_at = ${at} AND t.id COLLATE "C" > $${values.length}::text))`);
    }
    if (request.exclude !== undefined && request.exclude.length > 0) {
      values.push([...request.exclude]);
      where.push(`NOT (t.id = ANY($${values.length}::text[]))`);
    }
    const rows = await this.#rows(
      'claim resumable intents',
      `UPDATE ${this.#t.sql} SET epoch = epoch + 1, lease_owner = $1::text, lease_until = $2::bigint
       WHERE id IN (
         SELECT t.id FROM ${this.#t.sql} AS t
         WHERE t.status IN ${RESUMABLE_SQL}
           AND (t.lease_owner IS NULL OR t.lease_owner = $1::text OR t.lease_until IS NULL OR t.lease_until <= $3::bigint)
           AND NOT (t.status = 'unknown' AND COALESCE((t.outcome -> 'parked' ->> 'nextCheckAt')::double precision > $3::bigint, false))${where.map((w) => `
           AND ${w}`).join('')}
         ORDER BY ${ORDER_SQL}
         LIMIT $4::bigint
         FOR UPDATE SKIP LOCKED)
       RETURNING ${SELECT_COLUMNS}`,
      values,
    );
    return rows.map((r) => this.#toRecord(r)).sort(oldestFirst);
  }

  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    this.#assertOpen();
    const possible = isAllowedTransition(request.expectStatus, request.to) && (request.to !== 'inFlight' || request.attempt !== undefined);
    if (possible) {
      const rows = await this.#rows(
        `record intent ${id} as ${request.to}`,
        `UPDATE ${this.#t.sql}
         SET status = $4::text, attempt = CASE WHEN $4::text = 'inFlight' THEN $5::integer ELSE attempt END,
             updated_at = $6, outcome = $7::json,
             lease_owner = CASE WHEN $8::boolean THEN NULL ELSE lease_owner END,
             lease_until = CASE WHEN $8::boolean THEN NULL ELSE lease_until END
         WHERE id = $1 AND status = $2::text AND epoch = $3 AND ($4::text <> 'inFlight' OR attempt + 1 = $5::integer)
         RETURNING ${SELECT_COLUMNS}`,
        [id, request.expectStatus, request.expectEpoch, request.to, request.attempt ?? null, request.now, request.outcome === undefined ? null : toJson(request.outcome, 'outcome'), request.releaseLease === true],
      );
      if (rows[0]) return this.#toRecord(rows[0]);
    }
    // Refused: say why with the same check the in-memory stores make, on the row as it is now.
    const current = await this.#mustSelect(id, `record intent ${id} as ${request.to}`);
    applyTransition(current, request);
    // The row matches now but did not when the update ran: it changed meanwhile, so
    // another worker is acting on it.
    throw new LedgerLeaseLostError(id, `Intent ${id} changed while it was being recorded as ${request.to}; nothing was changed by this call.`);
  }

  async release(id: string, owner: string, epoch: number): Promise<void> {
    this.#assertOpen();
    await this.#query(
      `release intent ${id}`,
      `UPDATE ${this.#t.sql} SET lease_owner = NULL, lease_until = NULL WHERE id = $1 AND lease_owner = $2 AND epoch = $3`,
      [id, owner, epoch],
    );
  }

  async listResumable(): Promise<IntentRecord[]> {
    this.#assertOpen();
    const rows = await this.#rows(
      'list resumable intents',
      `SELECT ${SELECT_COLUMNS} FROM ${this.#t.sql} AS t WHERE status IN ${RESUMABLE_SQL} ORDER BY ${ORDER_SQL}`,
    );
    return rows.map((r) => this.#toRecord(r));
  }

  /**
   * Intents matching `query` (any status, finished ones included until {@link reap}
   * deletes them), oldest first by `createdAt` then id, at most `query.limit`: one
   * `SELECT … WHERE <the given filters> ORDER BY created_at, id COLLATE "C" LIMIT n`,
   * every filter value a parameter. Cost: a query restricted to unfinished statuses can
   * use the partial index on `(created_at, id)` of unfinished rows; any other reads the
   * table (unfinished intents plus finished ones within `retentionMs`) and keeps the
   * oldest `limit` in a bounded sort. One statement, so the result is one consistent
   * snapshot. Ties in `createdAt` are cut at the limit in byte order, which is the
   * code-unit order of every id but those mixing characters above U+FFFF with U+E000–U+FFFF.
   */
  async list(query: ListRecordsQuery): Promise<IntentRecord[]> {
    this.#assertOpen();
    const limit = query.limit;
    if (!Number.isSafeInteger(limit) || limit < 0) {
      throw new ConfigurationError({ path: 'list(query).limit', expected: 'a non-negative integer', received: describeValue(limit) });
    }
    const values: unknown[] = [];
    const where: string[] = [];
    if (query.statuses !== undefined) {
      values.push([...query.statuses]);
      where.push(`t.status = ANY($${values.length}::text[])`);
    }
    if (query.operation !== undefined) {
      values.push(query.operation);
      where.push(`t.operation = $${values.length}::text`);
    }
    if (query.scope !== undefined) {
      values.push(query.scope);
      where.push(`t.scope = $${values.length}::text`);
    }
    const before = query.createdBefore;
    // Stored times are integers, so `created_at <= x` is `created_at <= floor(x)`; NaN and
    // +Infinity select every time (as the in-memory stores' `createdAt > x` test does).
    if (before !== undefined && before < Number.MAX_SAFE_INTEGER) {
      if (before < Number.MIN_SAFE_INTEGER) return [];
      values.push(Math.floor(before));
      where.push(`t.created_at <= $${values.length}::bigint`);
    }
    if (limit === 0 || query.statuses?.length === 0) return [];
    values.push(limit);
    const rows = await this.#rows(
      'list intents',
      `SELECT ${SELECT_COLUMNS} FROM ${this.#t.sql} AS t${where.length === 0 ? '' : ` WHERE ${where.join(' AND ')}`}
       ORDER BY ${ORDER_SQL} LIMIT $${values.length}::bigint`,
      values,
    );
    return rows.map((r) => this.#toRecord(r)).sort(oldestFirst);
  }

  /**
   * Deletes finished intents (succeeded or failed) whose last change is at least
   * `retentionMs` before `now`, in batches. Resolves how many were deleted. Runs by itself
   * every `reapEveryMs`; call it directly to reap on your own schedule.
   *
   * @param now - epoch ms. @default the store's clock
   */
  async reap(now: number = this.#clock.now()): Promise<number> {
    this.#assertOpen();
    let deleted = 0;
    for (;;) {
      const result = await this.#query(
        'delete finished intents past retention',
        `DELETE FROM ${this.#t.sql} WHERE id IN (
           SELECT id FROM ${this.#t.sql} WHERE status IN ${FINISHED_SQL} AND updated_at <= $1
           LIMIT ${REAP_BATCH} FOR UPDATE SKIP LOCKED)`,
        [now - this.#retentionMs],
      );
      const n = result.rowCount ?? 0;
      deleted += n;
      if (n < REAP_BATCH) return deleted;
    }
  }

  /** Stops the reaper. The pool stays open: it belongs to the application. Safe to call twice. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#reaper) clearInterval(this.#reaper);
    return Promise.resolve();
  }

  #assertOpen(): void {
    if (this.#closed) throw new LedgerUnavailableError(`The PostgreSQL ledger ${this.table} is closed.`);
  }

  async #select(id: string, action: string): Promise<IntentRecord | undefined> {
    const rows = await this.#rows(action, `SELECT ${SELECT_COLUMNS} FROM ${this.#t.sql} WHERE id = $1`, [id]);
    return rows[0] ? this.#toRecord(rows[0]) : undefined;
  }

  async #mustSelect(id: string, action: string): Promise<IntentRecord> {
    const record = await this.#select(id, action);
    if (!record) throw new LedgerUnavailableError(`Intent ${id} is not in the ledger.`);
    return record;
  }

  async #rows(action: string, text: string, values?: unknown[]): Promise<Row[]> {
    return (await this.#query(action, text, values)).rows as Row[];
  }

  async #query(action: string, text: string, values?: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> {
    try {
      return await (values === undefined ? this.#pool.query(text) : this.#pool.query(text, values));
    } catch (error) {
      throw new LedgerUnavailableError(`The PostgreSQL ledger ${this.table} could not ${action}: ${explain(error, this.table)}`, { cause: error });
    }
  }

  #toRecord(row: Row): IntentRecord {
    const status = row.status as IntentStatus;
    if (!(INTENT_STATUSES as readonly string[]).includes(status)) {
      throw new LedgerUnavailableError(`The PostgreSQL ledger ${this.table} holds intent ${row.id} with an unknown status ${JSON.stringify(row.status)}.`);
    }
    const stored = row.input === null ? undefined : (JSON.parse(row.input) as unknown);
    return {
      id: row.id,
      scope: row.scope,
      operation: row.operation,
      ...(row.business_id === null ? {} : { businessId: row.business_id }),
      venue: row.venue,
      key: row.key,
      venueKey: row.venue_key,
      fingerprint: row.fingerprint,
      input: this.#codec ? this.#codec.decode(stored) : stored,
      status,
      attempt: Number(row.attempt),
      epoch: Number(row.epoch),
      ...(row.lease_owner === null ? {} : { leaseOwner: row.lease_owner }),
      ...(row.lease_until === null ? {} : { leaseExpiresAt: Number(row.lease_until) }),
      createdAt: Number(row.created_at),
      updatedAt: Number(row.updated_at),
      ...(row.expires_at === null ? {} : { expiresAt: Number(row.expires_at) }),
      ...(row.outcome === null ? {} : { outcome: JSON.parse(row.outcome) as StoredOutcome }),
    };
  }
}

function oldestFirst(a: IntentRecord, b: IntentRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

function nonNegativeInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new ConfigurationError({ path: `PostgresLedger.open(options).${name}`, expected: 'a non-negative integer number of ms', received: describeValue(value) });
  }
  return value;
}

/** JSON text of a value to store; `undefined` is stored as SQL NULL and read back as `undefined`. */
function toJson(value: unknown, path: string): string | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value);
  } catch (error) {
    throw new ConfigurationError({ path, expected: 'JSON-compatible data', received: 'a value JSON.stringify refuses', cause: error });
  }
}

/** Connection failures: the server was not reached, so the statement did not run. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', '57P03', '53300']);
/** The connection broke while a statement may have been running. */
const LOST = new Set(['ECONNRESET', 'EPIPE', '57P01', '57P02', '08000', '08003', '08006', '08001', '08004']);

/** A short reason for a failed query: what the operator should look at. Never includes values. */
function explain(error: unknown, table: string): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (code !== undefined && UNREACHABLE.has(code)) return `the server cannot be reached (${code}); nothing was changed.`;
  if ((code !== undefined && LOST.has(code)) || /Connection terminated|connection.*(closed|ended|lost)|terminating connection/i.test(message)) {
    return `the connection to the server was lost (${code ?? message}); the change may or may not be stored.`;
  }
  if (code === '42P01') return `the table ${table} does not exist; run migrate() once before use.`;
  if (code === '42703') return `the table ${table} lacks a column the store needs (${message}); was it created by migrate()?`;
  return `${code === undefined ? '' : `${code} `}${message}`;
}

/** The error's `code` (pg sets the SQLSTATE; Node sets errno names), also inside an AggregateError. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  if (error instanceof AggregateError) {
    for (const inner of error.errors) {
      const c = codeOf(inner);
      if (c !== undefined) return c;
    }
  }
  return undefined;
}
