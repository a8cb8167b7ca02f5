/**
 * `intentkey ledger ...`: the operator's ledger kit. Lists, shows, counts and checks the
 * intents of a file ledger (read-only, safe beside the running bot) or of a PostgreSQL
 * or Redis fleet ledger; exports them; compacts a file ledger; and writes a person's
 * verdict on an intent whose outcome the machine could not settle (`resolve`).
 */
import { writeFile } from 'node:fs/promises';
import { resolve as resolvePath } from 'node:path';
import { Option, type Command } from 'commander';
import { isIntentError } from '../../errors/index.js';
import { FileLedger, type FileLedgerEvent } from '../../stores/file/file-ledger.js';
import type { FileLedgerView, LedgerFinding } from '../../stores/file/read-only.js';
import { INTENT_STATUSES, viewOf, type IntentRecord, type IntentStatus, type IntentView } from '../../ledger/intent.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { resolveIntent, type IntentVerdict } from '../../ledger/resolve.js';
import { RESUMABLE_STATUSES } from '../../ledger/transitions.js';
import { withJson, type CommandContext, type RegisterCommand } from '../context.js';
import { CliError, EXIT, formatTable, writeJson, type CliIo } from '../io.js';
import {
  listAll,
  ledgerSourceFrom,
  messageOf,
  openFleetLedger,
  readFileSource,
  redactText,
  type FleetLedger,
  type LedgerSource,
  type LedgerSourceOptions,
} from '../ledger-source.js';

/** Every view `--status` accepts: the stored statuses and `parked`. */
const VIEWS: readonly IntentView[] = [...INTENT_STATUSES, 'parked'];

/** Default page size of `ledger ls`. */
export const DEFAULT_PAGE_SIZE = 50;
/** Largest page `ledger ls` prints. */
export const MAX_PAGE_SIZE = 1000;
/** Default of `ledger attention --stale-after`: an in-flight intent untouched this long is stuck (10 min). */
export const DEFAULT_STALE_AFTER_MS = 10 * 60_000;
/** Default of `ledger compact --retention`: the library's `retentionMs` (7 days). */
export const DEFAULT_RETENTION_MS = 7 * 24 * 60 * 60_000;

const AGE_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/**
 * Parses an age such as `90s`, `10m`, `2h`, `3d` or `1w` into ms.
 * @throws CliError (usage) naming `option` for anything else.
 */
export function parseAge(value: string, option: string): number {
  const m = /^(\d{1,9})(s|m|h|d|w)$/.exec(value.trim());
  if (!m) throw new CliError(`${option}: expected an age like 90s, 10m, 2h, 3d or 1w, received ${JSON.stringify(value.slice(0, 40))}`, EXIT.usage);
  return Number(m[1]) * (AGE_UNITS[m[2] as string] as number);
}

/** A duration in ms as a short age: `42s`, `12m`, `3h 5m`, `2d 4h`. Negative values count as 0. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${h}h` : `${h}h ${m % 60}m`;
  const d = Math.floor(h / 24);
  return h % 24 === 0 ? `${d}d` : `${d}d ${h % 24}h`;
}

const iso = (ms: number): string => new Date(ms).toISOString();
/** `ISO (age ago)` or `ISO (in age)`. */
const when = (ms: number, now: number): string => `${iso(ms)} (${ms <= now ? `${formatAge(now - ms)} ago` : `in ${formatAge(ms - now)}`})`;

function parsePositive(value: string, option: string, max: number): number {
  if (!/^\d{1,9}$/.test(value) || Number(value) < 1 || Number(value) > max) {
    throw new CliError(`${option}: expected a whole number from 1 to ${max}, received ${JSON.stringify(value.slice(0, 40))}`, EXIT.usage);
  }
  return Number(value);
}

function parseViews(value: string): IntentView[] {
  const views = value.split(',').map((v) => v.trim()).filter((v) => v !== '');
  const bad = views.find((v) => !(VIEWS as readonly string[]).includes(v));
  if (views.length === 0 || bad !== undefined) {
    throw new CliError(`--status: expected one or more of ${VIEWS.join(', ')} (comma-separated), received ${JSON.stringify(value.slice(0, 60))}`, EXIT.usage);
  }
  return [...new Set(views)] as IntentView[];
}

/** A page position in `ledger ls`: the last listed intent (newest-first order). */
interface Cursor {
  readonly createdAt: number;
  readonly id: string;
}

/** Encodes a cursor for `--cursor` (opaque to the user). */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.createdAt, cursor.id])).toString('base64url');
}

function decodeCursor(value: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') return { createdAt: parsed[0], id: parsed[1] };
  } catch {
    // Reported below.
  }
  throw new CliError(`--cursor: expected a cursor printed by an earlier ledger ls, received ${JSON.stringify(value.slice(0, 60))}`, EXIT.usage);
}

/** Newest first: `createdAt` descending, then id descending. */
function newestFirst(a: IntentRecord, b: IntentRecord): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

/** The short summary of a record printed by `ls`, `attention` and `show --json`. */
function summary(record: IntentRecord, now: number): Record<string, unknown> {
  return {
    id: record.id,
    status: viewOf(record),
    operation: record.operation,
    scope: record.scope,
    ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
    venue: record.venue,
    venueKey: record.venueKey,
    attempt: record.attempt,
    createdAt: iso(record.createdAt),
    updatedAt: iso(record.updatedAt),
    ageMs: Math.max(0, now - record.createdAt),
    ...(record.expiresAt === undefined ? {} : { expiresAt: iso(record.expiresAt) }),
    ...(record.outcome?.reason === undefined ? {} : { reason: record.outcome.reason }),
    ...(record.outcome?.correlationId === undefined ? {} : { correlationId: record.outcome.correlationId }),
  };
}

const clip = (text: string, width: number): string => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** Adds the store options every ledger-reading subcommand takes (`--dir`, `--postgres`, `--table`, `--redis`, `--prefix`) and `--json`. */
export function withStore(command: Command): Command {
  return withJson(
    command
      .option('--dir <dir>', 'file ledger directory (default: ./.intentkey, the library default)')
      .addOption(new Option('--postgres [url]', 'PostgreSQL ledger; without a URL, from INTENTKEY_POSTGRES_URL (prefer this: a URL in argv is visible to other users)'))
      .option('--table <name>', 'PostgreSQL table, optionally schema.table (default: intentkey_intents)')
      .addOption(new Option('--redis [url]', 'Redis ledger; without a URL, from INTENTKEY_REDIS_URL'))
      .option('--prefix <prefix>', 'Redis key prefix (default: intentkey:)'),
  );
}

type StoreOptions = LedgerSourceOptions & { readonly json?: boolean };

/** Maps any error of a ledger command to a one-line CliError with no password in it. */
function reported(error: unknown, source: LedgerSource | undefined): CliError {
  const url = source && source.kind !== 'file' ? source.url : undefined;
  if (error instanceof CliError) return new CliError(redactText(error.message, url), error.exitCode);
  if (isIntentError(error)) {
    const name = (error as { name?: string }).name;
    const message = redactText(error.message, url);
    if (name === 'ConfigurationError') return new CliError(message, EXIT.usage);
    if (name === 'LedgerCorruptError') return new CliError(`${message} (run: intentkey ledger verify)`, EXIT.unavailable);
    if (name === 'LedgerLockedError' || name === 'LedgerUnavailableError' || name === 'IntentBusyError' || name === 'LedgerLeaseLostError') return new CliError(message, EXIT.unavailable);
    return new CliError(message, EXIT.error);
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : messageOf(error);
  return new CliError(redactText(`unexpected error: ${text}`, url), EXIT.error);
}

/**
 * Wraps a subcommand's body: chooses its store from the options, and turns any error
 * into a one-line CliError with the right exit code and no URL password in it.
 */
export function action<A extends unknown[]>(ctx: CommandContext, body: (source: LedgerSource, ...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A) => {
    const command = args[args.length - 1] as Command;
    let source: LedgerSource | undefined;
    try {
      source = ledgerSourceFrom(command.opts<StoreOptions>(), ctx.io);
      await body(source, ...args);
    } catch (error) {
      throw reported(error, source);
    }
  };
}

/** The records of a ledger for a read command, plus what each kind adds. */
export interface ReadLedger {
  readonly records: IntentRecord[];
  readonly file?: FileLedgerView;
  readonly fleet?: FleetLedger;
}

/** Prints the damage a read came across (to stderr: stdout stays parseable). */
function warnFindings(io: CliIo, view: FileLedgerView): void {
  const bad = view.findings.filter((f) => f.severity === 'damage');
  if (bad.length > 0 || view.unreadable) {
    io.stderr.write(`intentkey: warning: the ledger in ${view.dir} is damaged (${bad.length} problem(s)); what follows is what could be read. Run: intentkey ledger verify --dir ${view.dir}\n`);
  }
}

/**
 * Reads the ledger for a read-only command and calls `use` with its records (filtered by
 * `query`): a file ledger through the read-only reader (damage warned about on stderr), a
 * fleet ledger through its store, closed afterwards.
 */
export async function withRead(
  ctx: CommandContext,
  source: LedgerSource,
  query: { statuses?: readonly IntentStatus[]; operation?: string; scope?: string; createdBefore?: number },
  use: (ledger: ReadLedger) => Promise<void>,
  historyOf?: string,
): Promise<void> {
  if (source.kind === 'file') {
    const view = await readFileSource(source, ctx.io, historyOf === undefined ? {} : { historyOf });
    warnFindings(ctx.io, view);
    const records = [...view.records.values()].filter(
      (r) =>
        (query.statuses === undefined || query.statuses.includes(r.status)) &&
        (query.operation === undefined || r.operation === query.operation) &&
        (query.scope === undefined || r.scope === query.scope) &&
        (query.createdBefore === undefined || r.createdAt <= query.createdBefore),
    );
    await use({ records, file: view });
    return;
  }
  const fleet = await openFleetLedger(source, ctx.io);
  try {
    const q = {
      ...(query.statuses === undefined ? {} : { statuses: query.statuses }),
      ...(query.operation === undefined ? {} : { operation: query.operation }),
      ...(query.scope === undefined ? {} : { scope: query.scope }),
      ...(query.createdBefore === undefined ? {} : { createdBefore: query.createdBefore }),
    };
    await use({ records: await listAll(fleet.store, q), fleet });
  } finally {
    await fleet.close();
  }
}

/** Help text describing the store options, for a subcommand's `--help`. */
export const STORE_HELP = `
Ledger (one of):
  --dir DIR           a file ledger (default ./.intentkey). Read commands never take its
                      lock and never write, so they run beside the bot that owns it.
  --postgres [URL]    a PostgreSQL ledger (needs the "pg" driver in your project);
                      URL from INTENTKEY_POSTGRES_URL when omitted. --table NAME.
  --redis [URL]       a Redis ledger (needs "ioredis"); URL from INTENTKEY_REDIS_URL
                      when omitted. --prefix PREFIX.
Passwords in URLs are never printed.`;

function registerLs(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('ls'))
    .description('list intents, newest first, a page at a time')
    .option('--status <views>', `only these statuses, comma-separated: ${VIEWS.join(', ')}`)
    .option('--operation <name>', 'only this operation')
    .option('--scope <scope>', 'only this scope (account)')
    .option('--older-than <age>', 'only intents created at least this long ago (90s, 10m, 2h, 3d, 1w)')
    .option('--limit <n>', `intents per page (1-${MAX_PAGE_SIZE})`, String(DEFAULT_PAGE_SIZE))
    .option('--page <n>', 'page number, from 1')
    .option('--cursor <cursor>', 'continue after the cursor an earlier page printed (stable while intents are added)')
    .addHelpText(
      'after',
      `${STORE_HELP}

Examples:
  intentkey ledger ls
  intentkey ledger ls --status unknown,parked --older-than 10m
  intentkey ledger ls --operation order.create --scope account-42 --limit 20 --page 2
  INTENTKEY_POSTGRES_URL=postgres://app@db/prod intentkey ledger ls --postgres --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions & { status?: string; operation?: string; scope?: string; olderThan?: string; limit: string; page?: string; cursor?: string }) => {
        const now = ctx.io.now();
        const views = opts.status === undefined ? undefined : parseViews(opts.status);
        const olderThan = opts.olderThan === undefined ? undefined : parseAge(opts.olderThan, '--older-than');
        const limit = parsePositive(opts.limit, '--limit', MAX_PAGE_SIZE);
        if (opts.page !== undefined && opts.cursor !== undefined) throw new CliError('--page, --cursor: expected one of them, received both', EXIT.usage);
        const page = opts.page === undefined ? 1 : parsePositive(opts.page, '--page', 1_000_000_000);
        const cursor = opts.cursor === undefined ? undefined : decodeCursor(opts.cursor);
        const statuses = views === undefined ? undefined : [...new Set(views.map((v): IntentStatus => (v === 'parked' ? 'unknown' : v)))];
        await withRead(
          ctx,
          source,
          {
            ...(statuses === undefined ? {} : { statuses }),
            ...(opts.operation === undefined ? {} : { operation: opts.operation }),
            ...(opts.scope === undefined ? {} : { scope: opts.scope }),
            ...(olderThan === undefined ? {} : { createdBefore: now - olderThan }),
          },
          async ({ records }) => {
            let matching = records.filter((r) => views === undefined || views.includes(viewOf(r))).sort(newestFirst);
            const total = matching.length;
            if (cursor !== undefined) matching = matching.filter((r) => r.createdAt < cursor.createdAt || (r.createdAt === cursor.createdAt && r.id < cursor.id));
            const start = cursor === undefined ? (page - 1) * limit : 0;
            const shown = matching.slice(start, start + limit);
            const last = shown[shown.length - 1];
            const more = start + limit < matching.length;
            const nextCursor = more && last !== undefined ? encodeCursor(last) : undefined;
            const pages = Math.max(1, Math.ceil(total / limit));
            if (opts.json === true) {
              writeJson(ctx.io.stdout, {
                ledger: source.label,
                total,
                limit,
                ...(cursor === undefined ? { page, pages } : {}),
                ...(nextCursor === undefined ? {} : { nextCursor }),
                intents: shown.map((r) => summary(r, now)),
              });
              return;
            }
            const p = ctx.paint;
            const colour = (view: IntentView): string =>
              view === 'succeeded' ? p.green(view) : view === 'failed' ? p.red(view) : view === 'unknown' || view === 'parked' ? p.yellow(view) : view;
            if (shown.length === 0) {
              ctx.io.stdout.write(`No intents${total > 0 ? ' on this page' : ' match'} in ${source.label}.\n`);
              return;
            }
            ctx.io.stdout.write(
              formatTable(
                ['ID', 'STATUS', 'OPERATION', 'SCOPE', 'BUSINESS ID', 'ATT', 'CREATED', 'AGE', 'REASON'],
                shown.map((r) => [
                  r.id,
                  colour(viewOf(r)),
                  r.operation,
                  r.scope,
                  r.businessId ?? '-',
                  String(r.attempt),
                  iso(r.createdAt),
                  formatAge(now - r.createdAt),
                  clip(r.outcome?.reason ?? '', 60),
                ]),
                ['left', 'left', 'left', 'left', 'left', 'right', 'left', 'right', 'left'],
              ),
            );
            const position = cursor === undefined ? `page ${page} of ${pages}, ` : '';
            ctx.io.stdout.write(p.dim(`${position}${shown.length} shown of ${total} matching in ${source.label}${nextCursor === undefined ? '' : `; next: --cursor ${nextCursor}`}`) + '\n');
          },
        );
      }),
    );
}

function detailLines(record: IntentRecord, now: number, ledgerHasLeases: boolean): Array<[string, string]> {
  const view = viewOf(record);
  const o = record.outcome;
  const lines: Array<[string, string]> = [
    ['status', view === 'parked' ? 'parked (stored as unknown)' : view],
    ['operation', record.operation],
    ['scope', record.scope],
    ['business id', record.businessId ?? '-'],
    ['venue', record.venue],
    ['key', record.key],
    ['venue key', record.venueKey],
    ['fingerprint', record.fingerprint],
    ['attempt', String(record.attempt)],
    ['epoch', String(record.epoch)],
    ['created', when(record.createdAt, now)],
    ['updated', when(record.updatedAt, now)],
    ['key window', record.expiresAt === undefined ? 'none recorded' : `until ${when(record.expiresAt, now)}`],
  ];
  if (ledgerHasLeases) {
    lines.push(['lease', record.leaseOwner === undefined ? 'none' : `${record.leaseOwner} until ${when(record.leaseExpiresAt ?? 0, now)}${(record.leaseExpiresAt ?? 0) <= now ? ' (expired)' : ''}`]);
  }
  if (o) {
    const codes = [o.httpStatus === undefined ? undefined : `HTTP ${o.httpStatus}`, o.venueCode === undefined ? undefined : `venue code ${o.venueCode}`].filter((x) => x !== undefined);
    lines.push(['outcome', `${o.kind}: ${o.reason}${codes.length > 0 ? ` (${codes.join(', ')})` : ''}`]);
    if (o.venueMessage !== undefined) lines.push(['venue message', o.venueMessage]);
    if (o.correlationId !== undefined) lines.push(['correlation id', o.correlationId]);
    if (o.sentBy !== undefined) lines.push(['sent by', when(o.sentBy, now)]);
    if (o.settleAt !== undefined) lines.push(['settles at', when(o.settleAt, now)]);
    if (o.parked) lines.push(['parked', `since ${iso(o.parked.at)}, next check ${when(o.parked.nextCheckAt, now)}, parked ${o.parked.count} time(s): ${o.parked.reason}`]);
    if (o.resolution) {
      const r = o.resolution;
      lines.push(['resolution', `${r.verdict === 'executed' ? 'executed' : 'not executed'}, by ${r.by} at ${iso(r.at)}: ${r.reason} (was ${r.previous.status}${r.previous.reason === undefined ? '' : `: ${r.previous.reason}`})`]);
    }
    if (o.result !== undefined) lines.push(['result', JSON.stringify(o.result)]);
  }
  lines.push(['input', JSON.stringify(record.input) ?? 'none']);
  return lines;
}

function registerShow(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('show'))
    .description('show one intent: its record and, for a file ledger, every stored version since the last compaction')
    .argument('<id>', 'intent id (from ledger ls)')
    .addHelpText(
      'after',
      `${STORE_HELP}

A file ledger's log keeps every stored version of a record since its last compaction,
so show lists them (time, status, attempt, epoch, outcome, correlation id). PostgreSQL
and Redis keep only the current record.

Examples:
  intentkey ledger show 01JBX6Z6S3M4Q7W8E9R0T1Y2U3
  intentkey ledger show 01JBX6Z6S3M4Q7W8E9R0T1Y2U3 --json`,
    )
    .action(
      action(ctx, async (source, id: string, opts: StoreOptions) => {
        const now = ctx.io.now();
        let record: IntentRecord | undefined;
        let history: Array<Record<string, unknown>> | undefined;
        let fleet = false;
        if (source.kind === 'file') {
          const view = await readFileSource(source, ctx.io, { historyOf: id });
          warnFindings(ctx.io, view);
          record = view.records.get(id);
          history = view.versions.map((v) => ({
            at: iso(v.record.updatedAt),
            status: viewOf(v.record),
            attempt: v.record.attempt,
            epoch: v.record.epoch,
            ...(v.record.outcome === undefined ? {} : { outcomeKind: v.record.outcome.kind, reason: v.record.outcome.reason }),
            ...(v.record.outcome?.correlationId === undefined ? {} : { correlationId: v.record.outcome.correlationId }),
            file: v.file,
            offset: v.offset,
            seq: v.seq,
          }));
        } else {
          fleet = true;
          const opened = await openFleetLedger(source, ctx.io);
          try {
            record = await opened.store.get(id);
          } finally {
            await opened.close();
          }
        }
        if (!record) throw new CliError(`intent ${JSON.stringify(id)} is not in the ${source.label}`, EXIT.notFound);
        const historyNote = fleet
          ? `${source.kind === 'postgres' ? 'PostgreSQL' : 'Redis'} keeps only the current record of an intent: earlier versions are not stored (the bots' logs and events hold the attempts).`
          : 'Every version stored since the last compaction (a compaction keeps only the latest).';
        if (opts.json === true) {
          writeJson(ctx.io.stdout, { ledger: source.label, intent: { ...summary(record, now) }, record, history: history ?? null, historyNote });
          return;
        }
        const p = ctx.paint;
        const lines = detailLines(record, now, fleet);
        const width = Math.max(...lines.map(([k]) => k.length));
        ctx.io.stdout.write(`${p.bold(`Intent ${record.id}`)} ${p.dim(`(${source.label})`)}\n`);
        for (const [k, v] of lines) ctx.io.stdout.write(`  ${k.padEnd(width)}  ${v}\n`);
        ctx.io.stdout.write(`\n${p.bold('History')}: ${historyNote}\n`);
        if (history && history.length > 0) {
          ctx.io.stdout.write(
            formatTable(
              ['TIME', 'STATUS', 'ATT', 'EPOCH', 'OUTCOME', 'REASON', 'CORRELATION ID', 'WHERE'],
              history.map((h) => [
                h.at as string,
                h.status as string,
                String(h.attempt),
                String(h.epoch),
                (h.outcomeKind as string | undefined) ?? '-',
                clip((h.reason as string | undefined) ?? '', 50),
                (h.correlationId as string | undefined) ?? '-',
                `${h.file as string}@${String(h.offset)}`,
              ]),
              ['left', 'left', 'right', 'right', 'left', 'left', 'left', 'left'],
            ),
          );
        }
      }),
    );
}

const isUnfinished = (r: IntentRecord): boolean => RESUMABLE_STATUSES.includes(r.status);

function registerStats(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('stats'))
    .description('counts by status and operation, the oldest unfinished intent, and the ledger size')
    .addHelpText(
      'after',
      `${STORE_HELP}

Examples:
  intentkey ledger stats
  intentkey ledger stats --redis --prefix bot-7: --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions) => {
        const now = ctx.io.now();
        await withRead(ctx, source, {}, async ({ records, file, fleet }) => {
          const byStatus = Object.fromEntries(VIEWS.map((v) => [v, 0])) as Record<IntentView, number>;
          const byOperation = new Map<string, Record<IntentView, number>>();
          let oldest: IntentRecord | undefined;
          for (const r of records) {
            const v = viewOf(r);
            byStatus[v]++;
            let row = byOperation.get(r.operation);
            if (!row) byOperation.set(r.operation, (row = Object.fromEntries(VIEWS.map((x) => [x, 0])) as Record<IntentView, number>));
            row[v]++;
            if (isUnfinished(r) && (!oldest || r.createdAt < oldest.createdAt)) oldest = r;
          }
          const fleetSize = fleet ? await fleet.size() : undefined;
          let size: Record<string, unknown>;
          const fileBytes = file ? file.files.reduce((n, f) => n + f.bytes, 0) : 0;
          if (file) {
            size = {
              generation: file.generation,
              files: file.files.map((f) => ({ name: f.name, kind: f.kind, bytes: f.bytes })),
              bytes: fileBytes,
              lock: file.lock === undefined ? null : { pid: file.lock.holder.pid, host: file.lock.holder.host, since: iso(file.lock.holder.acquiredAt), running: file.lock.alive ?? null },
            };
          } else {
            size = { ...fleetSize };
          }
          const out = {
            ledger: source.label,
            intents: records.length,
            byStatus,
            byOperation: Object.fromEntries([...byOperation].sort(([a], [b]) => (a < b ? -1 : 1))),
            oldestUnfinished: oldest === undefined ? null : { ...summary(oldest, now) },
            size,
          };
          if (opts.json === true) {
            writeJson(ctx.io.stdout, out);
            return;
          }
          const p = ctx.paint;
          ctx.io.stdout.write(`${p.bold(source.label)}: ${records.length} intent(s)\n\n`);
          ctx.io.stdout.write(
            formatTable(
              ['OPERATION', ...VIEWS.map((v) => v.toUpperCase()), 'TOTAL'],
              [
                ...[...byOperation].sort(([a], [b]) => (a < b ? -1 : 1)).map(([op, row]) => [op, ...VIEWS.map((v) => String(row[v])), String(VIEWS.reduce((n, v) => n + row[v], 0))]),
                ['(all)', ...VIEWS.map((v) => String(byStatus[v])), String(records.length)],
              ],
              ['left', ...VIEWS.map(() => 'right' as const), 'right'],
            ),
          );
          ctx.io.stdout.write(`\noldest unfinished: ${oldest === undefined ? 'none' : `${oldest.id} (${viewOf(oldest)}, ${oldest.operation}), created ${when(oldest.createdAt, now)}`}\n`);
          if (file) {
            const lock = file.lock;
            ctx.io.stdout.write(
              `size: ${fileBytes} bytes in ${file.files.length} file(s), generation ${file.generation}; ` +
                `lock: ${lock === undefined ? 'not held (no bot has it open)' : `held by pid ${lock.holder.pid} on ${lock.holder.host} since ${iso(lock.holder.acquiredAt)}${lock.alive === true ? ' (running)' : lock.alive === false ? ' (gone: the next open takes it over)' : ''}`}\n`,
            );
            ctx.io.stdout.write(formatTable(['FILE', 'KIND', 'BYTES'], file.files.map((f) => [f.name, f.kind, String(f.bytes)]), ['left', 'left', 'right']));
          } else {
            ctx.io.stdout.write(`size: ${fleetSize?.records ?? 0} record(s)${fleetSize?.bytes === undefined ? '' : `, ${fleetSize.bytes} bytes on disk (table and indexes)`}\n`);
          }
        });
      }),
    );
}

/** One intent that needs a person, and why. */
interface AttentionItem {
  readonly record: IntentRecord;
  readonly why: string;
  /** What to do about it. */
  readonly action: string;
  readonly since: number;
}

/**
 * The intents of `records` a person should look at, oldest first: unknown and parked
 * ones, in-flight ones whose lease (or, where leases are not stored, last change) ended
 * more than `staleAfterMs` ago, and pending ones past their key window. Pure.
 */
export function attentionItems(records: readonly IntentRecord[], now: number, staleAfterMs: number): AttentionItem[] {
  const items: AttentionItem[] = [];
  for (const r of records) {
    const parked = r.status === 'unknown' ? r.outcome?.parked : undefined;
    if (parked) {
      items.push({ record: r, since: parked.at, why: `parked (${parked.count}x), next check ${parked.nextCheckAt <= now ? 'due now' : `in ${formatAge(parked.nextCheckAt - now)}`}: ${parked.reason}`, action: 'check the venue, then: intentkey ledger resolve' });
    } else if (r.status === 'unknown') {
      items.push({ record: r, since: r.updatedAt, why: `outcome unknown: ${r.outcome?.reason ?? 'no reason stored'}`, action: 'the next call or recovery looks it up; if it cannot, check the venue and resolve it' });
    } else if (r.status === 'inFlight') {
      const free = r.leaseExpiresAt ?? r.updatedAt;
      if (free + staleAfterMs <= now) {
        items.push({
          record: r,
          since: free,
          why: r.leaseExpiresAt === undefined ? `in flight since ${iso(r.updatedAt)} (${formatAge(now - r.updatedAt)}): its process most likely died mid-attempt` : `in flight, its lease expired ${formatAge(now - r.leaseExpiresAt)} ago: its worker most likely died`,
          action: 'a recovery pass (client.startRecovery) reconciles it; or check the venue and resolve it',
        });
      }
    } else if (r.status === 'pending' && r.expiresAt !== undefined && r.expiresAt <= now) {
      items.push({ record: r, since: r.expiresAt, why: `pending past its key window (ended ${formatAge(now - r.expiresAt)} ago)`, action: 'never sent: the next call or recovery fails it unsent' });
    }
  }
  return items.sort((a, b) => a.since - b.since || (a.record.id < b.record.id ? -1 : 1));
}

function registerAttention(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('attention'))
    .description('what needs a person and why (exit 3 when anything does)')
    .option('--stale-after <age>', 'an in-flight intent whose lease ended (file ledger: last change) this long ago counts as stuck', '10m')
    .addHelpText(
      'after',
      `${STORE_HELP}

Lists unknown and parked intents, in-flight ones whose worker most likely died, and
pending ones past their key window. Exit 3 when the list is not empty (for cron/alerts).

Examples:
  intentkey ledger attention
  intentkey ledger attention --stale-after 30m --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions & { staleAfter: string }) => {
        const now = ctx.io.now();
        const staleAfterMs = parseAge(opts.staleAfter, '--stale-after');
        await withRead(ctx, source, { statuses: RESUMABLE_STATUSES }, async ({ records }) => {
          const items = attentionItems(records, now, staleAfterMs);
          if (items.length > 0) ctx.exit(EXIT.findings);
          if (opts.json === true) {
            writeJson(ctx.io.stdout, { ledger: source.label, count: items.length, intents: items.map((i) => ({ ...summary(i.record, now), since: iso(i.since), why: i.why, action: i.action })) });
            return;
          }
          if (items.length === 0) {
            ctx.io.stdout.write(`${ctx.paint.green('Nothing needs attention')} in ${source.label}.\n`);
            return;
          }
          ctx.io.stdout.write(`${ctx.paint.yellow(`${items.length} intent(s) need attention`)} in ${source.label}:\n`);
          ctx.io.stdout.write(
            formatTable(
              ['ID', 'STATUS', 'OPERATION', 'SCOPE', 'BUSINESS ID', 'SINCE', 'WHY', 'WHAT NEXT'],
              items.map((i) => [i.record.id, viewOf(i.record), i.record.operation, i.record.scope, i.record.businessId ?? '-', `${iso(i.since)} (${formatAge(now - i.since)})`, clip(i.why, 90), i.action]),
            ),
          );
        });
      }),
    );
}

function registerVerify(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('verify'))
    .description('check every record and checksum; report damage with file and byte offset; change nothing (exit 3 on damage)')
    .addHelpText(
      'after',
      `${STORE_HELP}

File ledger: walks every frame of the snapshot and the log (length, checksum, sequence,
epoch), then every record (fields, and each stored change against the state machine).
A partial last frame while a bot is running is an append in progress (a note); after a
crash it is a torn tail the next open cuts (a warning). PostgreSQL and Redis: every
record parses and its fields are consistent (Redis: also the resumable index and expiry).
Nothing is written, locked, repaired or removed.

Examples:
  intentkey ledger verify --dir /var/lib/bot/.intentkey
  intentkey ledger verify --postgres --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions) => {
        let findings: LedgerFinding[];
        let checked: Record<string, unknown>;
        if (source.kind === 'file') {
          const view = await readFileSource(source, ctx.io, { checkRecords: true });
          findings = [...view.findings];
          checked = { frames: view.framesChecked, intents: view.records.size, generation: view.generation, files: view.files.filter((f) => f.kind === 'snapshot' || f.kind === 'log').map((f) => f.name) };
        } else {
          const fleet = await openFleetLedger(source, ctx.io);
          try {
            const result = await fleet.verify();
            findings = result.findings;
            checked = { records: result.checked };
          } finally {
            await fleet.close();
          }
        }
        const problems = findings.filter((f) => f.severity !== 'note');
        if (problems.length > 0) ctx.exit(EXIT.findings);
        if (opts.json === true) {
          writeJson(ctx.io.stdout, { ledger: source.label, ok: problems.length === 0, checked, findings });
          return;
        }
        const p = ctx.paint;
        const what =
          source.kind === 'file'
            ? `${String(checked.frames)} frames, ${String(checked.intents)} intents, generation ${String(checked.generation)}: ${(checked.files as string[]).join(', ')}`
            : `${String(checked.records)} records`;
        ctx.io.stdout.write(`${problems.length === 0 ? p.green('OK') : p.red(`${problems.length} problem(s)`)}: ${source.label} (checked ${what})\n`);
        if (findings.length > 0) {
          ctx.io.stdout.write(
            formatTable(
              ['SEVERITY', 'FILE', 'OFFSET', 'INTENT', 'PROBLEM'],
              findings.map((f) => [f.severity === 'damage' ? p.red(f.severity) : f.severity === 'warning' ? p.yellow(f.severity) : f.severity, f.file ?? '-', f.offset === undefined ? '-' : String(f.offset), f.intentId ?? '-', f.problem]),
              ['left', 'left', 'right', 'left', 'left'],
            ),
          );
        }
        if (problems.some((f) => f.severity === 'damage')) {
          ctx.io.stdout.write('Nothing was changed. Copy the ledger aside before anything else touches it.\n');
        }
      }),
    );
}

/** The refusal printed when a running bot holds the file ledger a write needs. */
function lockedMessage(error: unknown, what: string): CliError {
  const message = error instanceof Error ? error.message : messageOf(error);
  return new CliError(`cannot ${what} while the bot runs: ${message} Stop the bot first (ls, show, stats, attention, verify and export work while it runs). Nothing was changed.`, EXIT.unavailable);
}

/**
 * Opens a file ledger for writing (taking its lock). A running bot's lock is refused with
 * a CliError (exit 4) that says the bot must be stopped and that `what` did not happen.
 * `options.clock` is the clock retention is counted from at compaction (the command's).
 */
export async function openForWrite(
  dir: string,
  what: string,
  options: { retentionMs?: number; onEvent?: (event: FileLedgerEvent) => void; clock?: { now(): number } } = {},
): Promise<FileLedger> {
  try {
    return await FileLedger.open({ dir, ...options });
  } catch (error) {
    if ((error as { name?: unknown } | null)?.name === 'LedgerLockedError') throw lockedMessage(error, what);
    throw error;
  }
}

function registerCompact(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('compact'))
    .description('file ledger: write a snapshot and start a new log (refused while the bot runs)')
    .option('--retention <age>', 'keep finished intents this long after their last change: use your bot\'s retentionMs (default 7d, the library default)', '7d')
    .addHelpText(
      'after',
      `
Opens the file ledger for writing (its lock: refused with exit 4 while a bot holds it),
compacts it, and closes it. A bot compacts by itself past compactAfterBytes; this is
for a stopped one. Finished intents older than --retention are dropped: later calls of
those business actions no longer find the stored result, so pass your bot's retentionMs.
Opening also repairs a torn tail (a copy of the cut bytes is kept), as the bot would.

Examples:
  intentkey ledger compact --dir /var/lib/bot/.intentkey
  intentkey ledger compact --retention 30d --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions & { retention: string }) => {
        if (source.kind !== 'file') {
          throw new CliError(`--postgres, --redis: expected a file ledger (compact is for file ledgers; PostgreSQL's reaper and Redis expiry drop finished intents by themselves), received the ${source.label}`, EXIT.usage);
        }
        const retentionMs = parseAge(opts.retention, '--retention');
        // Refuse before the open would create a new ledger in a directory that has none.
        await readFileSource(source, ctx.io);
        const events: FileLedgerEvent[] = [];
        const ledgerFile = await openForWrite(source.dir, 'compact the ledger', { retentionMs, clock: { now: ctx.io.now }, onEvent: (e) => events.push(e) });
        try {
          await ledgerFile.compact();
        } finally {
          await ledgerFile.close();
        }
        const compacted = events.find((e) => e.type === 'compacted');
        const repaired = events.filter((e) => e.type === 'tornTailRepaired');
        if (opts.json === true) {
          writeJson(ctx.io.stdout, { ledger: source.label, compacted: compacted ?? null, repaired });
          return;
        }
        for (const r of repaired) ctx.io.stdout.write(`repaired a torn tail: ${r.droppedBytes} bytes cut at byte ${r.offset} of ${r.file} (${r.problem}); copy kept as ${r.keptAs}\n`);
        if (compacted) {
          ctx.io.stdout.write(
            `compacted ${source.label}: generation ${compacted.generation}, ${compacted.liveIntents} intent(s) kept, ${compacted.droppedIntents} finished intent(s) past retention dropped, ` +
              `${compacted.bytesBefore} -> ${compacted.bytesAfter} bytes\n`,
          );
        }
      }),
    );
}

function registerExport(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('export'))
    .description('every record as JSON Lines (one record per line, oldest first) to stdout or --out FILE')
    .option('--out <file>', 'write to this new file (mode 0600; an existing file is never overwritten)')
    .addHelpText(
      'after',
      `${STORE_HELP}

Records are exported as stored, inputs included: inputs hold business data (orders,
amounts, customer references), never credentials, but treat the file accordingly. An
input encoded by a codec stays encoded.

Examples:
  intentkey ledger export > ledger.jsonl
  intentkey ledger export --postgres --out /tmp/intents.jsonl --json`,
    )
    .action(
      action(ctx, async (source, opts: StoreOptions & { out?: string }) => {
        await withRead(ctx, source, {}, async ({ records }) => {
          const sorted = [...records].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
          const text = sorted.map((r) => JSON.stringify(r)).join('\n') + (sorted.length > 0 ? '\n' : '');
          if (opts.out === undefined) {
            ctx.io.stdout.write(text);
            return;
          }
          const path = resolvePath(ctx.io.cwd, opts.out);
          try {
            await writeFile(path, text, { flag: 'wx', mode: 0o600 });
          } catch (error) {
            const code = (error as { code?: unknown } | null)?.code;
            if (code === 'EEXIST') throw new CliError(`--out: expected a new file, received ${path}, which exists (not overwritten)`, EXIT.usage);
            throw new CliError(`--out: cannot write ${path} (${typeof code === 'string' ? code : messageOf(error)})`, EXIT.error);
          }
          if (opts.json === true) writeJson(ctx.io.stdout, { ledger: source.label, out: path, records: sorted.length, bytes: Buffer.byteLength(text) });
          else ctx.io.stdout.write(`wrote ${sorted.length} record(s) to ${path}\n`);
        });
      }),
    );
}

/** What happens to an intent after a verdict, in words. */
function nextStep(record: IntentRecord, now: number): string {
  if (record.status === 'succeeded') return 'Later calls of this business action return the stored result; nothing is sent.';
  const window =
    record.expiresAt === undefined
      ? 'no key window is recorded for it, so it is sent whenever that happens'
      : record.expiresAt > now
        ? `only while the key window lasts (until ${when(record.expiresAt, now)}); after that it is failed unsent instead`
        : `but its key window ended at ${iso(record.expiresAt)}, so it will be failed unsent instead of sent`;
  return `The next call of this business action, or the next recovery pass, sends it again with the same key (${record.venueKey}), ${window}.`;
}

function registerResolve(ledger: Command, ctx: CommandContext): void {
  withStore(ledger.command('resolve'))
    .description("write a person's verdict on an intent whose outcome is unknown: executed at the venue, or not")
    .argument('<id>', 'intent id (from ledger attention or ledger ls)')
    .option('--executed', 'the venue executed it: settle it as succeeded (later calls return --result)')
    .option('--not-executed', 'the venue did not execute it: make it sendable again with the same key')
    .option('--result <json>', 'with --executed: the result as found at the venue (JSON)')
    .option('--reason <text>', 'what was checked (required with --not-executed)')
    .option('--by <name>', 'who decides (default: $USER or $USERNAME)')
    .addHelpText(
      'after',
      `${STORE_HELP}

Settles an unknown (or parked) intent, or one left in flight by a process that died,
as one audited, fenced ledger change (who, when, why and the state it replaced are kept
on the record). Check the venue first: its order history, dashboard or support.
A file ledger must not be open in a running bot (exit 4); in a fleet, an intent leased
by a live worker is refused until the lease expires (exit 4).

Exit codes: 0 done, 2 bad usage, 3 the intent cannot take a verdict (pending or final),
4 ledger locked by a running bot or intent leased, 5 no such intent.

Examples:
  intentkey ledger resolve 01JBX6Z6S3M4Q7W8E9R0T1Y2U3 --executed --result '{"orderId":"8123"}' --reason "in the order history"
  intentkey ledger resolve 01JBX6Z6S3M4Q7W8E9R0T1Y2U3 --not-executed --reason "not in order history or fills" --by alice`,
    )
    .action(
      action(ctx, async (source, id: string, opts: StoreOptions & { executed?: boolean; notExecuted?: boolean; result?: string; reason?: string; by?: string }) => {
        if ((opts.executed === true) === (opts.notExecuted === true)) {
          throw new CliError(`--executed, --not-executed: expected exactly one, received ${opts.executed === true ? 'both' : 'neither'}`, EXIT.usage);
        }
        if (opts.result !== undefined && opts.executed !== true) throw new CliError('--result: expected only with --executed, received with --not-executed', EXIT.usage);
        if (opts.notExecuted === true && (opts.reason === undefined || opts.reason.trim() === '')) {
          throw new CliError('--reason: expected what was checked (required with --not-executed: a resend follows from it), received nothing', EXIT.usage);
        }
        let result: unknown;
        if (opts.result !== undefined) {
          try {
            result = JSON.parse(opts.result);
          } catch {
            throw new CliError(`--result: expected JSON (e.g. '{"orderId":"8123"}'), received ${JSON.stringify(opts.result.slice(0, 60))}`, EXIT.usage);
          }
        }
        const by = opts.by ?? ctx.io.env.USER ?? ctx.io.env.USERNAME;
        if (by === undefined || by.trim() === '') throw new CliError('--by: expected who decides, received nothing (USER and USERNAME are unset)', EXIT.usage);
        const verdict: IntentVerdict =
          opts.executed === true
            ? { executed: true, by, ...(result === undefined ? {} : { result }), ...(opts.reason === undefined ? {} : { reason: opts.reason }) }
            : { executed: false, by, reason: opts.reason as string };
        const now = ctx.io.now();
        const owner = `intentkey ledger resolve (${by}, pid ${process.pid})`;

        let store: LedgerStore;
        let close: () => Promise<void>;
        let fleet: FleetLedger | undefined;
        if (source.kind === 'file') {
          // Read first, without the lock: a missing ledger or intent is reported as such
          // (the open below would create an empty ledger in a directory that has none).
          const view = await readFileSource(source, ctx.io);
          if (!view.records.has(id)) throw new CliError(`intent ${JSON.stringify(id)} is not in the ${source.label}`, EXIT.notFound);
          const opened = await openForWrite(source.dir, 'write a verdict', { clock: { now: ctx.io.now } });
          store = opened;
          close = () => opened.close();
        } else {
          fleet = await openFleetLedger(source, ctx.io);
          store = fleet.store;
          close = () => (fleet as FleetLedger).close();
          for (const w of fleet.writeWarnings) ctx.io.stderr.write(`intentkey: warning: ${w}\n`);
        }
        try {
          const before = await store.get(id);
          if (!before) throw new CliError(`intent ${JSON.stringify(id)} is not in the ${source.label}`, EXIT.notFound);
          const beforeView = viewOf(before);
          if (before.status !== 'unknown' && before.status !== 'inFlight') {
            throw new CliError(
              `intent ${id} is ${beforeView}: ${before.status === 'pending' ? 'it was never sent, so there is nothing to settle' : 'it is final; a verdict cannot change it'} (only unknown, parked, or in-flight intents left by a dead process take a verdict)`,
              EXIT.findings,
            );
          }
          let after: IntentRecord;
          try {
            after = await resolveIntent(store, id, verdict, { owner, now });
          } catch (error) {
            const name = (error as { name?: unknown } | null)?.name;
            if (name === 'IntentBusyError') {
              const current = await store.get(id).catch(() => undefined);
              const holder = current?.leaseOwner === undefined ? 'a running worker' : `worker "${current.leaseOwner}"`;
              const until = current?.leaseExpiresAt ?? (error as { leaseExpiresAt?: number }).leaseExpiresAt;
              throw new CliError(
                `intent ${id} is leased by ${holder}${until === undefined ? '' : ` until ${when(until, now)}`}: it is being worked on right now. Wait until the lease expires (or stop that worker), check the venue again, then run this again. Nothing was changed.`,
                EXIT.unavailable,
              );
            }
            if (name === 'ConfigurationError') {
              const message = error instanceof Error ? error.message : messageOf(error);
              throw new CliError(message, /not found/.test(message) ? EXIT.notFound : /verdict\./.test(message) ? EXIT.usage : EXIT.findings);
            }
            throw error;
          }
          const resolution = after.outcome?.resolution;
          const next = nextStep(after, now);
          if (opts.json === true) {
            writeJson(ctx.io.stdout, { ledger: source.label, intentId: id, before: { status: beforeView, attempt: before.attempt, reason: before.outcome?.reason ?? null }, after: { status: viewOf(after) }, resolution: resolution ?? null, record: after, next });
            return;
          }
          const p = ctx.paint;
          ctx.io.stdout.write(`${p.bold(`Intent ${id}`)}: ${beforeView} -> ${p.green(viewOf(after))} (${resolution?.verdict === 'executed' ? 'executed' : 'not executed'}, by ${by} at ${iso(now)})\n`);
          ctx.io.stdout.write(`  reason: ${resolution?.reason ?? '-'}\n`);
          if (after.outcome?.result !== undefined) ctx.io.stdout.write(`  result: ${JSON.stringify(after.outcome.result)}\n`);
          ctx.io.stdout.write(`  was:    ${before.status}${before.outcome?.reason === undefined ? '' : ` (${before.outcome.reason})`}\n`);
          ctx.io.stdout.write(`Next: ${next}\n`);
        } finally {
          await close();
        }
      }),
    );
}

/** Adds `intentkey ledger` and its subcommands. */
export const registerLedger: RegisterCommand = (program, context) => {
  const ledger = program
    .command('ledger')
    .description('inspect, check, export and settle a ledger (file, PostgreSQL or Redis)')
    .addHelpText(
      'after',
      `${STORE_HELP}

Examples:
  intentkey ledger attention                 # what needs a person (exit 3 when anything does)
  intentkey ledger ls --status parked
  intentkey ledger show <id>
  intentkey ledger verify                    # read-only checksum walk (exit 3 on damage)
  intentkey ledger resolve <id> --not-executed --reason "not in the order history"`,
    );
  for (const register of [registerLs, registerShow, registerStats, registerAttention, registerVerify, registerCompact, registerExport, registerResolve]) register(ledger, context);
  for (const command of ledger.commands) {
    command.exitOverride().configureOutput({ writeOut: (t) => context.io.stdout.write(t), writeErr: (t) => context.io.stderr.write(t) });
  }
};
