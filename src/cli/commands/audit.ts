import { readFile } from 'node:fs/promises';
import { extname, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import type { IntentRecord } from '../../ledger/intent.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { resolveIntent } from '../../ledger/resolve.js';
import { auditIntents, type AuditReport, type VenueOrder } from '../../tools/audit.js';
import { VENUE_PROFILES } from '../../venues/index.js';
import { findVenueProfile } from '../../venues/registry.js';
import type { CommandContext, RegisterCommand } from '../context.js';
import { CliError, EXIT, formatTable } from '../io.js';
import { openFleetLedger, type LedgerSource } from '../ledger-source.js';
import { action, openForWrite, parseAge, STORE_HELP, withRead, withStore } from './ledger.js';

/**
 * Field names under which venues return the client-supplied key, tried in order when
 * `--key-field` is not given (Binance, OKX, Bybit, KuCoin/Coinbase, Gate, Bitfinex,
 * Deribit, Kraken, payments APIs, and a plain `key`).
 */
const KEY_FIELDS = ['key', 'clientOrderId', 'newClientOrderId', 'origClientOrderId', 'clOrdId', 'orderLinkId', 'clientOid', 'client_oid', 'client_order_id', 'text', 'cid', 'label', 'cl_ord_id', 'userref', 'idempotencyKey', 'idempotency_key', 'reference', 'merchantReference', 'requestId'];
const ID_FIELDS = ['orderId', 'id', 'ordId', 'order_id', 'txid'];
const STATUS_FIELDS = ['status', 'state', 'orderStatus', 'order_state'];
const TIME_FIELDS = ['createdAt', 'created', 'time', 'cTime', 'createdTime', 'creation_timestamp', 'create_time', 'opentm', 'timestamp'];

/** A number or date text as epoch ms; seconds (below 1e11) are scaled. */
function epochMs(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value < 1e11 ? value * 1000 : value;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    if (Number.isFinite(n)) return n < 1e11 ? n * 1000 : n;
    const t = Date.parse(value);
    return Number.isNaN(t) ? undefined : t;
  }
  return undefined;
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : typeof value === 'number' ? String(value) : undefined);

/** Reads a dotted field of a row. */
function field(row: Record<string, unknown>, name: string): unknown {
  let current: unknown = row;
  for (const part of name.split('.')) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/**
 * One venue row (a JSON object or a CSV line) as a {@link VenueOrder}; undefined when it
 * carries no key (an order placed without a client key is nobody's intent).
 */
export function orderFromRow(row: Record<string, unknown>, keyField: string | undefined): VenueOrder | undefined {
  const key = text(keyField === undefined ? KEY_FIELDS.map((f) => field(row, f)).find((v) => text(v) !== undefined) : field(row, keyField));
  if (key === undefined) return undefined;
  const id = text(ID_FIELDS.map((f) => row[f]).find((v) => text(v) !== undefined));
  const status = text(STATUS_FIELDS.map((f) => row[f]).find((v) => text(v) !== undefined));
  const createdAt = epochMs(TIME_FIELDS.map((f) => row[f]).find((v) => v !== undefined));
  return { key, ...(id === undefined ? {} : { id }), ...(status === undefined ? {} : { status }), ...(createdAt === undefined ? {} : { createdAt }) };
}

/** Splits one CSV line (RFC 4180 quoting: `"a,b"`, `""` for a quote). */
function csvCells(line: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charAt(i);
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      cells.push(cell);
      cell = '';
    } else cell += c;
  }
  cells.push(cell);
  return cells;
}

/** Parses a venue export: `.csv` (header row), `.json` (an array) or JSON Lines (anything else). */
export function parseOrderExport(content: string, fileName: string): Record<string, unknown>[] {
  const ext = extname(fileName).toLowerCase();
  if (ext === '.csv') {
    const lines = content.split(/\r?\n/).filter((l) => l.trim() !== '');
    const header = csvCells(lines[0] ?? '').map((h) => h.trim());
    return lines.slice(1).map((line) => Object.fromEntries(csvCells(line).map((v, i) => [header[i] ?? `column${i + 1}`, v])));
  }
  if (ext === '.json') {
    const parsed: unknown = JSON.parse(content);
    const rows = Array.isArray(parsed) ? parsed : (parsed as { orders?: unknown; data?: unknown } | null)?.orders ?? (parsed as { data?: unknown } | null)?.data;
    if (!Array.isArray(rows)) throw new CliError(`--orders ${fileName}: expected a JSON array of orders (or {"orders": [...]}), received another JSON value`, EXIT.usage);
    return rows as Record<string, unknown>[];
  }
  return content
    .split(/\r?\n/)
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '')
    .map(({ line, n }) => {
      try {
        return JSON.parse(line) as Record<string, unknown>;
      } catch {
        throw new CliError(`--orders ${fileName}: expected one JSON object per line (JSON Lines), line ${n} is not JSON`, EXIT.usage);
      }
    });
}

/** What a `--fetch` module receives. */
export interface AuditFetchContext {
  /** Orders created at or after this time are wanted (epoch ms); the list must be complete from here. */
  readonly since: number;
  /** Now, epoch ms. */
  readonly now: number;
  /** Venue profile name given with `--venue`, if any. */
  readonly venue?: string;
}

async function fetchRows(modulePath: string, context: AuditFetchContext, cwd: string): Promise<Record<string, unknown>[]> {
  const url = pathToFileURL(resolvePath(cwd, modulePath)).href;
  let mod: { default?: unknown; fetchOrders?: unknown };
  try {
    mod = (await import(url)) as typeof mod;
  } catch (error) {
    throw new CliError(`--fetch ${modulePath}: could not load the module (${error instanceof Error ? error.message : String(error)})`, EXIT.usage);
  }
  const fn = typeof mod.default === 'function' ? mod.default : mod.fetchOrders;
  if (typeof fn !== 'function') throw new CliError(`--fetch ${modulePath}: expected a default export (or a "fetchOrders" export) that is a function, received ${typeof fn}`, EXIT.usage);
  const rows: unknown = await (fn as (c: AuditFetchContext) => unknown)(context);
  if (!Array.isArray(rows)) throw new CliError(`--fetch ${modulePath}: expected the function to return an array of orders, received ${typeof rows}`, EXIT.usage);
  return rows as Record<string, unknown>[];
}

interface AuditOpts {
  readonly orders?: string;
  readonly fetch?: string;
  readonly venue?: string;
  readonly keyField?: string;
  readonly keyPattern?: string;
  readonly since?: string;
  readonly settle: string;
  readonly resolve?: boolean;
  readonly by?: string;
  readonly json?: boolean;
}

/** `--since`: an age (`2h`, `3d`) or an ISO time; the list is complete from then. */
function sinceMs(value: string | undefined, now: number): number {
  if (value === undefined) return 0;
  const iso = Date.parse(value);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(iso)) return iso;
  return now - parseAge(value, '--since');
}

function printReport(ctx: CommandContext, report: AuditReport, orders: number, records: number, label: string): void {
  const p = ctx.paint;
  const out = ctx.io.stdout;
  out.write(`${p.bold('Audit')} of ${label}: ${records} intent(s), ${orders} venue order(s) with a key; ${report.matched} matched, ${report.notJudged} not judged (outside the list's window or too recent).\n`);
  if (report.keyPattern !== undefined) out.write(p.dim(`This client's keys: /${report.keyPattern}/\n`));
  out.write('\n');
  out.write(`${p.bold(`Orphans (${report.orphans.length})`)}: venue orders with this client's key format that no intent knows\n`);
  if (report.orphans.length > 0) out.write(formatTable(['key', 'venue id', 'status', 'why'], report.orphans.map((o) => [o.order.key, o.order.id ?? '-', o.order.status ?? '-', o.why])));
  out.write(`\n${p.bold(`Ghosts (${report.ghosts.length})`)}: intents the ledger holds as done or in flight that the venue does not agree with\n`);
  if (report.ghosts.length > 0) out.write(formatTable(['intent', 'status', 'venue key', 'why'], report.ghosts.map((g) => [g.intent.intentId, g.intent.view, g.intent.venueKey, g.why])));
  out.write(`\n${p.bold(`Settled by the list (${report.settles.length})`)}: unknown intents the venue's list answers\n`);
  if (report.settles.length > 0) {
    out.write(formatTable(['intent', 'status', 'verdict', 'why'], report.settles.map((s) => [s.intent.intentId, s.intent.view, s.verdict === 'executed' ? p.green('executed') : p.yellow('not executed'), s.why])));
  }
}

async function applySettles(ctx: CommandContext, source: LedgerSource, report: AuditReport, by: string): Promise<Array<{ intentId: string; verdict: string; applied: boolean; error?: string }>> {
  let store: LedgerStore;
  let close: () => Promise<void>;
  if (source.kind === 'file') {
    const ledger = await openForWrite(source.dir, 'apply verdicts');
    store = ledger;
    close = () => ledger.close();
  } else {
    const fleet = await openFleetLedger(source, ctx.io);
    store = fleet.store;
    close = () => fleet.close();
  }
  const applied: Array<{ intentId: string; verdict: string; applied: boolean; error?: string }> = [];
  try {
    for (const s of report.settles) {
      const reason = `intentkey audit: ${s.why}${s.order?.id === undefined ? '' : ` (venue order ${s.order.id})`}`;
      try {
        await resolveIntent(
          store,
          s.intent.intentId,
          s.verdict === 'executed' ? { executed: true, by, reason } : { executed: false, by, reason },
          { owner: `intentkey audit (${by}, pid ${process.pid})`, now: ctx.io.now() },
        );
        applied.push({ intentId: s.intent.intentId, verdict: s.verdict, applied: true });
      } catch (error) {
        applied.push({ intentId: s.intent.intentId, verdict: s.verdict, applied: false, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } finally {
    await close();
  }
  return applied;
}

/** `intentkey audit`: the ledger compared with the venue's own list of orders. */
export const registerAudit: RegisterCommand = (program: Command, ctx: CommandContext) => {
  withStore(program.command('audit'))
    .description("compare the ledger with the venue's list of orders: orphans, ghosts, and unknown intents the list settles")
    .option('--orders <file>', 'the venue\'s orders as JSON Lines, a JSON array (.json) or CSV with a header (.csv)')
    .option('--fetch <module>', 'a module whose default export fetches the orders (async ({ since, now, venue }) => rows), e.g. with your bot\'s signed axios instance')
    .option('--venue <name>', 'venue profile, passed to the --fetch module')
    .option('--key-field <field>', `field of a row holding the client key (default: the first present of ${KEY_FIELDS.slice(0, 8).join(', ')}, …)`)
    .option('--key-pattern <regex>', "which keys this client makes (default: inferred from the ledger's own keys)")
    .option('--since <age|iso>', 'the list is complete for orders created since then (e.g. 24h, or 2026-12-01T00:00:00Z); older intents are not judged (default: complete since the beginning)')
    .option('--settle <age>', 'intents changed more recently than this are not judged missing (the venue may not list them yet)', '1m')
    .option('--resolve', 'apply the verdicts the list gives for unknown intents (needs write access: refused while the bot runs)')
    .option('--by <name>', 'who applies the verdicts with --resolve (default: $USER or $USERNAME)')
    .addHelpText(
      'after',
      `${STORE_HELP}

Orphans are venue orders whose key has this client's format and that no intent knows;
ghosts are intents held as succeeded or in flight that the venue does not list (or held
as failed that it does list). Unknown intents the list settles are offered as verdicts:
apply them with --resolve, or one by one with intentkey ledger resolve.

Exit codes: 0 ledger and venue agree, 2 bad usage, 3 orphans, ghosts or verdicts found,
4 ledger unavailable or (with --resolve) held by a running bot.

Examples:
  intentkey audit --dir ./.intentkey --orders orders.jsonl --since 24h
  intentkey audit --postgres --fetch ./my-orders.mjs --venue binance-spot --since 2026-12-01T00:00:00Z
  intentkey audit --orders export.csv --key-field "Client Order ID" --resolve --by alice`,
    )
    .action(
      action(ctx, async (source, opts: AuditOpts) => {
        if ((opts.orders === undefined) === (opts.fetch === undefined)) {
          throw new CliError(`--orders, --fetch: expected exactly one, received ${opts.orders === undefined ? 'neither' : 'both'}`, EXIT.usage);
        }
        if (opts.venue !== undefined && findVenueProfile(opts.venue) === undefined) {
          throw new CliError(`--venue: expected one of ${Object.values(VENUE_PROFILES).map((v) => v.name).join(', ')}, received ${JSON.stringify(opts.venue)}`, EXIT.usage);
        }
        let keyPattern: RegExp | undefined;
        if (opts.keyPattern !== undefined) {
          try {
            keyPattern = new RegExp(opts.keyPattern);
          } catch {
            throw new CliError(`--key-pattern: expected a regular expression, received ${JSON.stringify(opts.keyPattern)}`, EXIT.usage);
          }
        }
        const now = ctx.io.now();
        const since = sinceMs(opts.since, now);
        const settleMs = parseAge(opts.settle, '--settle');
        const by = opts.by ?? ctx.io.env.USER ?? ctx.io.env.USERNAME;
        if (opts.resolve === true && (by === undefined || by.trim() === '')) throw new CliError('--by: expected who applies the verdicts, received nothing (USER and USERNAME are unset)', EXIT.usage);

        let rows: Record<string, unknown>[];
        if (opts.orders !== undefined) {
          const path = resolvePath(ctx.io.cwd, opts.orders);
          let content: string;
          try {
            content = await readFile(path, 'utf8');
          } catch (error) {
            throw new CliError(`--orders: expected a readable file, received ${opts.orders} (${(error as { code?: string }).code ?? 'unreadable'})`, EXIT.usage);
          }
          rows = parseOrderExport(content, opts.orders);
        } else {
          rows = await fetchRows(opts.fetch as string, { since, now, ...(opts.venue === undefined ? {} : { venue: opts.venue }) }, ctx.io.cwd);
        }
        const orders = rows.map((row) => orderFromRow(row, opts.keyField)).filter((o): o is VenueOrder => o !== undefined);

        let records: IntentRecord[] = [];
        await withRead(ctx, source, {}, async (ledger) => {
          records = ledger.records;
        });
        const report = auditIntents(records, orders, { listedAt: now, listFrom: since, settleMs, ...(keyPattern === undefined ? {} : { keyPattern }) });
        const applied = opts.resolve === true && report.settles.length > 0 ? await applySettles(ctx, source, report, by as string) : undefined;

        if (opts.json === true) {
          ctx.io.stdout.write(JSON.stringify({ ledger: source.label, intents: records.length, orders: orders.length, rowsWithoutKey: rows.length - orders.length, ...report, ...(applied === undefined ? {} : { applied }) }, null, 2) + '\n');
        } else {
          printReport(ctx, report, orders.length, records.length, source.label);
          if (applied !== undefined) {
            ctx.io.stdout.write(`\nApplied ${applied.filter((a) => a.applied).length} of ${applied.length} verdict(s).\n`);
            for (const a of applied.filter((x) => !x.applied)) ctx.io.stdout.write(`  ${a.intentId}: not applied (${a.error ?? 'refused'})\n`);
          } else if (report.settles.length > 0) {
            ctx.io.stdout.write('\nTo apply after a look at the venue (or run again with --resolve):\n');
            for (const s of report.settles) {
              ctx.io.stdout.write(`  intentkey ledger resolve ${s.intent.intentId} ${s.verdict === 'executed' ? '--executed' : '--not-executed'} --reason ${JSON.stringify(`audit: ${s.why}`)}\n`);
            }
          }
        }
        const unapplied = applied === undefined ? report.settles.length : applied.filter((a) => !a.applied).length;
        if (report.orphans.length > 0 || report.ghosts.length > 0 || unapplied > 0) ctx.exit(EXIT.findings);
      }),
    );
};
