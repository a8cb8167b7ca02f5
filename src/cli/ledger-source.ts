/**
 * Which ledger an `intentkey ledger ...` command works on, from its options: a file
 * ledger directory, or a fleet ledger in PostgreSQL or Redis reached through the
 * user's own driver (`pg`, `ioredis`), loaded on demand from the user's project.
 *
 * Reading never writes: the file ledger is read by {@link readFileLedger} (no lock, no
 * repair), the PostgreSQL store is opened without its reaper and never migrated, and
 * the Redis store is opened only where its ledger already exists.
 */
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LedgerUnavailableError } from '../errors/index.js';
import { DEFAULT_LEDGER_DIR } from '../stores/file/default-ledger.js';
import { readFileLedger, recordProblems, type FileLedgerView, type LedgerFinding, type ReadFileLedgerOptions } from '../stores/file/read-only.js';
import { INTENT_STATUSES, type IntentRecord } from '../ledger/intent.js';
import type { LedgerStore, ListRecordsQuery } from '../ledger/ledger-store.js';
import { PostgresLedger, type PgQueryable } from '../stores/postgres/postgres-ledger.js';
import { DEFAULT_TABLE, SELECT_COLUMNS, tableNames } from '../stores/postgres/schema.js';
import { replyText } from '../stores/redis/client.js';
import { RedisLedger } from '../stores/redis/redis-ledger.js';
import { RESUMABLE_STATUSES } from '../ledger/transitions.js';
import { CliError, EXIT, type CliIo } from './io.js';

/** Environment variable read by `--postgres` given without a URL. */
export const POSTGRES_URL_ENV = 'INTENTKEY_POSTGRES_URL';
/** Environment variable read by `--redis` given without a URL. */
export const REDIS_URL_ENV = 'INTENTKEY_REDIS_URL';
/** Default key prefix of the Redis ledger (as `RedisLedger.open`). */
export const DEFAULT_REDIS_PREFIX = 'intentkey:';

/** The store options every `ledger` subcommand takes. */
export interface LedgerSourceOptions {
  /** File ledger directory. @default '.intentkey' (relative to the working directory) */
  readonly dir?: string;
  /** PostgreSQL URL, or `true` (flag without a value): from `INTENTKEY_POSTGRES_URL`. */
  readonly postgres?: string | boolean;
  /** Redis URL, or `true`: from `INTENTKEY_REDIS_URL`. */
  readonly redis?: string | boolean;
  /** PostgreSQL table (`table` or `schema.table`). @default 'intentkey_intents' */
  readonly table?: string;
  /** Redis key prefix. @default 'intentkey:' */
  readonly prefix?: string;
}

/** A ledger chosen by the options. `label` is safe to print (no password). */
export type LedgerSource =
  | { readonly kind: 'file'; readonly dir: string; readonly label: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly table: string; readonly label: string }
  | { readonly kind: 'redis'; readonly url: string; readonly prefix: string; readonly label: string };

/**
 * `url` with its password replaced by `***` (and nothing else changed). A value that is
 * not a URL is replaced as a whole: it may be a password pasted in the wrong place.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '<not a URL>';
  }
  if (parsed.password !== '') parsed.password = '***';
  return parsed.toString();
}

/** `text` with every occurrence of the URL's password (as written and URL-decoded) replaced by `***`. */
export function redactText(text: string, url: string | undefined): string {
  if (url === undefined) return text;
  let password = '';
  try {
    password = new URL(url).password;
  } catch {
    return text.split(url).join('<redacted URL>');
  }
  if (password === '') return text;
  let out = text.split(url).join(redactUrl(url));
  const decoded = safeDecode(password);
  for (const secret of new Set([password, decoded])) if (secret.length > 0) out = out.split(secret).join('***');
  return out;
}

/** An error's message, or a short description of a non-error. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : (JSON.stringify(error) ?? typeof error);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

const PREFIX = /^[A-Za-z0-9:_.\-{}/]{1,100}$/;

function pickUrl(value: string | boolean, option: string, envName: string, env: CliIo['env'], schemes: readonly string[]): string {
  const url = value === true ? env[envName] : value;
  if (typeof url !== 'string' || url === '') {
    throw new CliError(`${option}: expected a URL (${option} URL, or ${option} alone with ${envName} set), received nothing (${envName} is unset)`, EXIT.usage);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError(`${option}: expected a URL like ${schemes[0] ?? ''}//user@host/…, received a value that is not a URL`, EXIT.usage);
  }
  if (!schemes.includes(parsed.protocol)) {
    throw new CliError(`${option}: expected a URL starting ${schemes.map((s) => `${s}//`).join(' or ')}, received ${redactUrl(url)}`, EXIT.usage);
  }
  return url;
}

/**
 * Picks the ledger from the options: `--postgres` or `--redis` when given (their URL,
 * or the environment variable when the flag has no value), otherwise the file ledger in
 * `--dir`. `--table` goes with `--postgres` only, `--prefix` with `--redis` only.
 *
 * @throws CliError (usage) for two stores at once, a missing or malformed URL, or an
 *   option of another store.
 */
export function ledgerSourceFrom(options: LedgerSourceOptions, io: CliIo): LedgerSource {
  const chosen = [options.postgres !== undefined && options.postgres !== false, options.redis !== undefined && options.redis !== false, options.dir !== undefined].filter(Boolean).length;
  if (chosen > 1) throw new CliError('--dir, --postgres, --redis: expected one ledger, received more than one', EXIT.usage);
  if (options.table !== undefined && (options.postgres === undefined || options.postgres === false)) {
    throw new CliError('--table: expected together with --postgres, received without it', EXIT.usage);
  }
  if (options.prefix !== undefined && (options.redis === undefined || options.redis === false)) {
    throw new CliError('--prefix: expected together with --redis, received without it', EXIT.usage);
  }
  if (options.postgres !== undefined && options.postgres !== false) {
    const url = pickUrl(options.postgres, '--postgres', POSTGRES_URL_ENV, io.env, ['postgres:', 'postgresql:']);
    const table = options.table ?? DEFAULT_TABLE;
    try {
      tableNames(table);
    } catch {
      throw new CliError(
        `--table: expected a table name (optionally schema.table) of lower-case letters, digits and underscores, at most 48 characters each, received ${JSON.stringify(table.slice(0, 80))}`,
        EXIT.usage,
      );
    }
    return { kind: 'postgres', url, table, label: `PostgreSQL table ${table} at ${redactUrl(url)}` };
  }
  if (options.redis !== undefined && options.redis !== false) {
    const url = pickUrl(options.redis, '--redis', REDIS_URL_ENV, io.env, ['redis:', 'rediss:']);
    const prefix = options.prefix ?? DEFAULT_REDIS_PREFIX;
    if (!PREFIX.test(prefix)) {
      throw new CliError(`--prefix: expected 1 to 100 characters of A-Z a-z 0-9 : _ . - { } /, received ${JSON.stringify(prefix.slice(0, 120))}`, EXIT.usage);
    }
    return { kind: 'redis', url, prefix, label: `Redis ledger "${prefix}" at ${redactUrl(url)}` };
  }
  const dir = options.dir ?? DEFAULT_LEDGER_DIR;
  if (dir === '') throw new CliError('--dir: expected a directory, received an empty value', EXIT.usage);
  // Relative to the command's working directory (not the process's: tests run in-process).
  const abs = resolve(io.cwd, dir);
  return { kind: 'file', dir: abs, label: `file ledger ${abs}` };
}

/** Hint added to "no file ledger" errors when a fleet ledger URL is in the environment. */
export function fleetHint(io: CliIo): string {
  const set = [POSTGRES_URL_ENV, REDIS_URL_ENV].filter((name) => (io.env[name] ?? '') !== '');
  if (set.length === 0) return '';
  return ` (${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set: add ${set.map((n) => (n === POSTGRES_URL_ENV ? '--postgres' : '--redis')).join(' or ')} to use ${set.length === 1 ? 'it' : 'one'})`;
}

/**
 * Imports a driver from the user's project (resolved from the working directory, then
 * from wherever intentkey itself is installed).
 *
 * @throws CliError (unavailable) saying how to install it when it cannot be found.
 */
export async function loadDriver(name: 'pg' | 'ioredis', cwd: string): Promise<unknown> {
  let resolved: string | undefined;
  try {
    resolved = createRequire(join(cwd, 'noop.js')).resolve(name);
  } catch {
    resolved = undefined;
  }
  try {
    return (await import(resolved === undefined ? name : pathToFileURL(resolved).href)) as unknown;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      const what = name === 'pg' ? 'PostgreSQL' : 'Redis';
      throw new CliError(
        `the ${what} driver "${name}" is not installed in this project (${cwd}); install it with: npm install ${name}   (intentkey uses your own driver, it does not ship one)`,
        EXIT.unavailable,
      );
    }
    throw error;
  }
}

/** An opened fleet ledger and what the commands need besides the store. */
export interface FleetLedger {
  readonly kind: 'postgres' | 'redis';
  readonly store: LedgerStore & Required<Pick<LedgerStore, 'list'>>;
  /** Size of the ledger: rows and bytes on disk (PostgreSQL), or intent keys (Redis). */
  size(): Promise<{ readonly records: number; readonly bytes?: number }>;
  /** Reads every stored record raw and reports what does not parse or is inconsistent. */
  verify(): Promise<{ readonly checked: number; readonly findings: LedgerFinding[] }>;
  /** Warnings for a write (a Redis server that can lose acknowledged writes). */
  readonly writeWarnings: readonly string[];
  close(): Promise<void>;
}

interface PgPool extends PgQueryable {
  end(): Promise<void>;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

interface IoRedisClient {
  call(command: string, ...args: string[]): Promise<unknown>;
  disconnect(): void;
  on?(event: string, listener: (...args: unknown[]) => void): unknown;
}

/**
 * Opens a PostgreSQL or Redis ledger for the commands, without writing anything: no
 * reaper, no migration; a Redis ledger is opened only when its marker key exists.
 *
 * @throws CliError (unavailable) when the driver is missing, the server cannot be
 *   reached, or there is no ledger there (no table, no marker key).
 */
export async function openFleetLedger(source: Exclude<LedgerSource, { kind: 'file' }>, io: CliIo): Promise<FleetLedger> {
  return source.kind === 'postgres' ? openPostgres(source, io) : openRedis(source, io);
}

async function openPostgres(source: Extract<LedgerSource, { kind: 'postgres' }>, io: CliIo): Promise<FleetLedger> {
  const mod = (await loadDriver('pg', io.cwd)) as { default?: { Pool?: unknown }; Pool?: unknown };
  const Pool = (mod.Pool ?? mod.default?.Pool) as (new (config: object) => PgPool) | undefined;
  if (typeof Pool !== 'function') throw new CliError('the installed "pg" module has no Pool export; install pg 8 or later (npm install pg)', EXIT.unavailable);
  const pool = new Pool({ connectionString: source.url, max: 2, connectionTimeoutMillis: 5_000, idleTimeoutMillis: 1_000 });
  pool.on?.('error', () => undefined);
  const names = tableNames(source.table);
  const fail = async (message: string, cause?: unknown): Promise<never> => {
    await pool.end().catch(() => undefined);
    throw new CliError(redactText(message + (cause === undefined ? '' : `: ${messageOf(cause)}`), source.url), EXIT.unavailable);
  };
  let exists: unknown;
  try {
    exists = (await pool.query('SELECT to_regclass($1)::text AS t', [names.sql])).rows[0];
  } catch (error) {
    return fail(`cannot reach ${source.label}`, error);
  }
  if ((exists as { t?: unknown } | undefined)?.t === null || (exists as { t?: unknown } | undefined)?.t === undefined) {
    return fail(`there is no intentkey ledger in ${source.label}: the table does not exist (a bot creates it when it opens the ledger with PostgresLedger.open; check --table)`);
  }
  // reapEveryMs 0: the reaper deletes rows, and these commands must not.
  const store = await PostgresLedger.open({ pool, table: source.table, reapEveryMs: 0, migrate: false });
  return {
    kind: 'postgres',
    store,
    writeWarnings: [],
    async size() {
      const row = (await pool.query(`SELECT count(*)::text AS n, pg_total_relation_size($1::regclass)::text AS b FROM ${names.sql}`, [names.sql])).rows[0] as { n: string; b: string };
      return { records: Number(row.n), bytes: Number(row.b) };
    },
    async verify() {
      const findings: LedgerFinding[] = [];
      let checked = 0;
      let after = '';
      for (;;) {
        const rows = (await pool.query(`SELECT ${SELECT_COLUMNS} FROM ${names.sql} WHERE id COLLATE "C" > $1 ORDER BY id COLLATE "C" LIMIT 1000`, [after])).rows as Record<string, string | null>[];
        for (const row of rows) {
          checked++;
          const id = row.id ?? '';
          after = id;
          const parsed = pgRecord(row);
          if (typeof parsed === 'string') findings.push({ severity: 'damage', intentId: id, problem: parsed });
          else for (const problem of recordProblems(parsed)) findings.push({ severity: 'damage', intentId: id, problem });
        }
        if (rows.length < 1000) break;
      }
      return { checked, findings };
    },
    async close() {
      await store.close();
      await pool.end().catch(() => undefined);
    },
  };
}

/** A row (every column as text) as a record, or what is wrong with it. */
function pgRecord(row: Record<string, string | null>): IntentRecord | string {
  const num = (v: string | null): number | undefined => (v === null ? undefined : Number(v));
  let input: unknown;
  let outcome: unknown;
  try {
    input = row.input === null ? undefined : JSON.parse(row.input ?? '');
  } catch {
    return 'input is not valid JSON';
  }
  try {
    outcome = row.outcome === null ? undefined : JSON.parse(row.outcome ?? '');
  } catch {
    return 'outcome is not valid JSON';
  }
  const record: Record<string, unknown> = {
    id: row.id,
    scope: row.scope,
    operation: row.operation,
    venue: row.venue,
    key: row.key,
    venueKey: row.venue_key,
    fingerprint: row.fingerprint,
    input,
    status: row.status,
    attempt: num(row.attempt ?? null),
    epoch: num(row.epoch ?? null),
    createdAt: num(row.created_at ?? null),
    updatedAt: num(row.updated_at ?? null),
  };
  if (row.business_id !== null) record.businessId = row.business_id;
  if (row.lease_owner !== null) record.leaseOwner = row.lease_owner;
  if (row.lease_until !== null) record.leaseExpiresAt = num(row.lease_until ?? null);
  if (row.expires_at !== null) record.expiresAt = num(row.expires_at ?? null);
  if (outcome !== undefined) record.outcome = outcome;
  return record as unknown as IntentRecord;
}

async function openRedis(source: Extract<LedgerSource, { kind: 'redis' }>, io: CliIo): Promise<FleetLedger> {
  const mod = (await loadDriver('ioredis', io.cwd)) as { Redis?: unknown; default?: unknown };
  const Redis = (mod.Redis ?? (mod.default as { Redis?: unknown } | undefined)?.Redis ?? mod.default) as (new (url: string, options: object) => IoRedisClient) | undefined;
  if (typeof Redis !== 'function') throw new CliError('the installed "ioredis" module has no Redis export; install ioredis 5 or later (npm install ioredis)', EXIT.unavailable);
  // No reconnect loop and no offline queue: a server that is down is reported at once.
  const client = new Redis(source.url, { lazyConnect: false, maxRetriesPerRequest: 0, enableOfflineQueue: true, connectTimeout: 5_000, retryStrategy: () => null });
  client.on?.('error', () => undefined);
  const fail = (message: string, cause?: unknown): never => {
    client.disconnect();
    throw new CliError(redactText(message + (cause === undefined ? '' : `: ${messageOf(cause)}`), source.url), EXIT.unavailable);
  };
  const call = (...args: string[]): Promise<unknown> => client.call(args[0] ?? '', ...args.slice(1));
  let meta: unknown;
  try {
    meta = await call('HGET', `${source.prefix}meta`, 'layout');
  } catch (error) {
    return fail(`cannot reach ${source.label}`, error);
  }
  if (meta === null || meta === undefined) {
    return fail(`there is no intentkey ledger in ${source.label}: the key ${source.prefix}meta does not exist (check --prefix)`);
  }
  let store: RedisLedger;
  try {
    // Reading cannot lose anything, so a server without strict persistence is accepted;
    // a write is warned about (writeWarnings).
    store = await RedisLedger.open({ client, prefix: source.prefix, allowVolatileServer: true, commandTimeoutMs: 10_000 });
  } catch (error) {
    return fail(`cannot open ${source.label}`, error);
  }
  const prefix = source.prefix;
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}intent:*`;
  const scanIds = async (): Promise<string[]> => {
    const ids: string[] = [];
    let cursor = '0';
    do {
      const page = (await call('SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000')) as [unknown, unknown[]];
      cursor = replyText(page[0]);
      for (const key of page[1]) ids.push(replyText(key).slice(`${prefix}intent:`.length));
    } while (cursor !== '0');
    return [...new Set(ids)];
  };
  return {
    kind: 'redis',
    store,
    writeWarnings:
      store.persistence.problems.length === 0
        ? []
        : [`this Redis server can lose acknowledged writes (${store.persistence.problems.join('; ')}): a verdict lost in a crash leaves the intent as it was, to be resolved again`],
    async size() {
      return { records: (await scanIds()).length };
    },
    async verify() {
      const findings: LedgerFinding[] = [];
      const resumable = new Map<string, number>();
      const reply = (await call('ZRANGE', `${prefix}resumable`, '0', '-1', 'WITHSCORES')) as unknown[];
      // RESP2 answers member, score, member, ...; RESP3 answers [member, score] pairs.
      const flat = reply.flatMap((v) => (Array.isArray(v) ? (v as unknown[]) : [v]));
      for (let i = 0; i + 1 < flat.length; i += 2) resumable.set(replyText(flat[i]), Number(replyText(flat[i + 1])));
      let checked = 0;
      const seen = new Set<string>();
      for (const id of await scanIds()) {
        const key = `${prefix}intent:${id}`;
        const raw = (await call('HGETALL', key)) as unknown[];
        if (raw.length === 0) continue; // Expired since the scan.
        const f = new Map<string, string>();
        for (let i = 0; i + 1 < raw.length; i += 2) f.set(replyText(raw[i]), replyText(raw[i + 1]));
        let doc: Record<string, unknown>;
        let outcome: unknown;
        try {
          doc = JSON.parse(f.get('doc') ?? '') as Record<string, unknown>;
          const o = f.get('outcome');
          outcome = o === undefined ? undefined : JSON.parse(o);
        } catch {
          checked++;
          findings.push({ severity: 'damage', intentId: id, problem: 'doc or outcome is not valid JSON' });
          continue;
        }
        // A key of another ledger whose prefix extends this one's.
        if (typeof doc === 'object' && doc !== null && typeof doc.id === 'string' && doc.id !== id) continue;
        checked++;
        seen.add(id);
        const record: Record<string, unknown> = { ...doc, status: f.get('status'), attempt: Number(f.get('attempt')), epoch: Number(f.get('epoch')), updatedAt: Number(f.get('updatedAt')) };
        if (f.has('leaseOwner')) record.leaseOwner = f.get('leaseOwner');
        // The hash field keeps its first name (`leaseUntil`).
        if (f.has('leaseUntil')) record.leaseExpiresAt = Number(f.get('leaseUntil'));
        if (outcome !== undefined) record.outcome = outcome;
        for (const problem of recordProblems(record)) findings.push({ severity: 'damage', intentId: id, problem });
        const status = record.status as IntentRecord['status'];
        if (!(INTENT_STATUSES as readonly string[]).includes(status)) continue;
        const unfinished = RESUMABLE_STATUSES.includes(status);
        if (unfinished && !resumable.has(id)) findings.push({ severity: 'damage', intentId: id, problem: `${status} but missing from ${prefix}resumable: recovery would never find it` });
        if (unfinished && resumable.has(id) && resumable.get(id) !== record.createdAt) findings.push({ severity: 'warning', intentId: id, problem: `its score in ${prefix}resumable is not its createdAt` });
        if (!unfinished && resumable.has(id)) findings.push({ severity: 'damage', intentId: id, problem: `${status} but still listed in ${prefix}resumable` });
        const ttl = Number(await call('PTTL', key));
        if (unfinished && ttl >= 0) findings.push({ severity: 'damage', intentId: id, problem: `${status} but set to expire in ${ttl} ms: it would vanish unfinished` });
        if (!unfinished && ttl < 0) findings.push({ severity: 'warning', intentId: id, problem: `${status} with no expiry: it is never dropped` });
      }
      for (const id of resumable.keys()) {
        if (!seen.has(id)) findings.push({ severity: 'warning', intentId: id, problem: `listed in ${prefix}resumable but its record is gone` });
      }
      return { checked, findings };
    },
    async close() {
      await store.close();
      client.disconnect();
    },
  };
}

/** The whole list of a store, filtered by what it can filter; for listing, stats and export. */
export async function listAll(store: Required<Pick<LedgerStore, 'list'>>, query: Omit<ListRecordsQuery, 'limit'> = {}): Promise<IntentRecord[]> {
  return store.list({ ...query, limit: Number.MAX_SAFE_INTEGER });
}

/** Reads a file ledger read-only, with errors as the commands report them. */
export async function readFileSource(source: Extract<LedgerSource, { kind: 'file' }>, io: CliIo, options: ReadFileLedgerOptions = {}): Promise<FileLedgerView> {
  try {
    return await readFileLedger(source.dir, options);
  } catch (error) {
    if (error instanceof LedgerUnavailableError) throw new CliError(error.message + fleetHint(io), EXIT.unavailable);
    throw error;
  }
}
