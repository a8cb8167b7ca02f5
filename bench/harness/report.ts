/**
 * Turns the cells of a run into summaries (medians over rounds, medians of same-round
 * ratios), the target verdicts and Markdown tables. Targets are reported, never asserted.
 */
import type { HttpCellResult, HttpVariant, LedgerCellResult, RecoveryBuildResult, RecoveryOpenResult } from './cells.js';
import { median, round } from './stats.js';

/** One HTTP cell as recorded: where it ran in the round, and what it measured or why it failed. */
export interface HttpCellRecord {
  readonly round: number;
  readonly concurrency: number;
  readonly variant: HttpVariant;
  /** Position in the round's (rotated) variant order, from 0. */
  readonly position: number;
  readonly result?: HttpCellResult;
  readonly error?: string;
}

/** The flush probe of one round: sequential 200-byte append + fdatasync. */
export interface FlushProbe {
  readonly round: number;
  readonly p50Us: number;
  readonly p99Us: number;
}

export interface HttpPart {
  readonly requests: number;
  readonly warmup: number;
  readonly rounds: number;
  readonly concurrency: readonly number[];
  readonly variants: readonly HttpVariant[];
  readonly skipped: Readonly<Partial<Record<HttpVariant, string>>>;
  readonly flush: readonly FlushProbe[];
  readonly cells: readonly HttpCellRecord[];
}

export interface HttpSummaryRow {
  readonly concurrency: number;
  readonly variant: HttpVariant;
  readonly rounds: number;
  readonly reqPerS: number;
  readonly p50Us: number;
  readonly p99Us: number;
  readonly cpuUsPerReq: number;
  readonly peakRssMb: number;
  /** Peak RSS minus the RSS after setup (before the warm-up), MB: what the requests added. */
  readonly rssGrowthMb: number;
  /** Medians over rounds of this variant's value divided by axios's in the same round. */
  readonly reqPerSRatio: number;
  readonly cpuRatio: number;
  readonly p50Ratio: number;
  readonly errors: number;
  readonly note?: string;
}

/** Ledger-alone stores: the FileLedger, the SQLite ledger, and the bare group-commit loop (the ceiling). */
export type LedgerStoreKind = 'file' | 'sqlite' | 'group-commit';

/** The order of the ledger-alone rows. */
export const LEDGER_STORES: readonly LedgerStoreKind[] = ['group-commit', 'file', 'sqlite'];

export interface LedgerCellRecord {
  readonly round: number;
  readonly concurrency: number;
  readonly store: LedgerStoreKind;
  readonly position: number;
  readonly result?: LedgerCellResult;
  readonly error?: string;
}

export interface LedgerPart {
  readonly durationMs: number;
  readonly rounds: number;
  readonly concurrency: readonly number[];
  readonly sqlite: { readonly measured: boolean; readonly detail: string };
  /** Event-loop delay of an idle child, one per round: the noise floor. */
  readonly idle: ReadonlyArray<{ readonly round: number; readonly loopDelayMs: LedgerCellResult['loopDelayMs'] }>;
  readonly cells: readonly LedgerCellRecord[];
}

export interface LedgerSummaryRow {
  readonly concurrency: number;
  readonly store: LedgerStoreKind;
  readonly rounds: number;
  readonly opsPerS: number;
  readonly p50Us: number;
  readonly p99Us: number;
  /** The slowest single operation, µs (median over rounds): shows a stall, such as writes held by a compaction. */
  readonly maxUs: number;
  readonly cpuUsPerOp: number;
  /** Event-loop delay beyond the 1 ms timer interval, ms (median over rounds). */
  readonly loopDelayP99ExcessMs: number;
  readonly loopDelayMaxMs: number;
  readonly peakRssMb: number;
  /** File rows: median of same-round FileLedger / SQLite intents per second. */
  readonly vsSqlite?: number;
  /** File rows: median of same-round FileLedger / bare group-commit loop operations per second. */
  readonly vsGroupCommit?: number;
  /** Group-commit rows: the record sizes written, bytes. */
  readonly recordBytes?: { readonly min: number; readonly max: number };
  readonly compactions?: number;
  readonly errors: number;
  readonly note?: string;
}

export interface RecoveryPart {
  readonly finished: number;
  readonly pending: number;
  readonly build?: RecoveryBuildResult;
  readonly opens: readonly RecoveryOpenResult[];
  readonly error?: string;
}

export interface RecoverySummary {
  readonly rounds: number;
  readonly totalMs: number;
  readonly openMs: number;
  readonly listMs: number;
  readonly peakRssMb: number;
  readonly baseRssMb: number;
  readonly heapUsedMb: number;
}

/** A target of the benchmark and whether this run met it. `met: null` when not measured. */
export interface TargetVerdict {
  readonly target: string;
  readonly measured: string;
  readonly ratio: number | null;
  readonly met: boolean | null;
}

/** Start of the `skipped` reason of a variant whose option does not exist on the code under test. */
export const OPTION_UNAVAILABLE = 'option not available';

const ok = <T>(cells: ReadonlyArray<{ result?: T }>): T[] => cells.flatMap((c) => (c.result ? [c.result] : []));

/** Median rows per (concurrency, variant), with same-round ratios against axios. */
export function summariseHttp(part: HttpPart): HttpSummaryRow[] {
  const rows: HttpSummaryRow[] = [];
  for (const concurrency of part.concurrency) {
    for (const variant of part.variants) {
      const cells = part.cells.filter((c) => c.concurrency === concurrency && c.variant === variant);
      const results = ok(cells);
      if (results.length === 0) continue;
      const ratios = { req: [] as number[], cpu: [] as number[], p50: [] as number[] };
      for (const cell of cells) {
        const reference = part.cells.find((c) => c.round === cell.round && c.concurrency === concurrency && c.variant === 'axios')?.result;
        if (!cell.result || !reference) continue;
        ratios.req.push(cell.result.reqPerS / reference.reqPerS);
        ratios.cpu.push(cell.result.cpuUsPerReq / reference.cpuUsPerReq);
        ratios.p50.push(cell.result.p50Us / reference.p50Us);
      }
      const note = results.find((r) => r.note !== undefined)?.note;
      rows.push({
        concurrency,
        variant,
        rounds: results.length,
        reqPerS: round(median(results.map((r) => r.reqPerS)), 1),
        p50Us: round(median(results.map((r) => r.p50Us)), 1),
        p99Us: round(median(results.map((r) => r.p99Us)), 1),
        cpuUsPerReq: round(median(results.map((r) => r.cpuUsPerReq)), 1),
        peakRssMb: round(median(results.map((r) => r.peakRssMb)), 1),
        rssGrowthMb: round(median(results.map((r) => r.peakRssMb - r.setupRssMb)), 1),
        reqPerSRatio: round(median(ratios.req)),
        cpuRatio: round(median(ratios.cpu)),
        p50Ratio: round(median(ratios.p50)),
        errors: results.reduce((n, r) => n + r.errors, 0),
        ...(note === undefined ? {} : { note }),
      });
    }
  }
  return rows;
}

export function summariseLedger(part: LedgerPart): LedgerSummaryRow[] {
  const rows: LedgerSummaryRow[] = [];
  for (const concurrency of part.concurrency) {
    for (const store of LEDGER_STORES) {
      const cells = part.cells.filter((c) => c.concurrency === concurrency && c.store === store);
      const results = ok(cells);
      if (results.length === 0) continue;
      // Same-round ratios of the FileLedger to another store at this concurrency.
      const sameRound = (other: LedgerStoreKind): number[] => {
        if (store !== 'file') return [];
        const vs: number[] = [];
        for (const cell of cells) {
          const o = part.cells.find((c) => c.round === cell.round && c.concurrency === concurrency && c.store === other)?.result;
          if (cell.result && o) vs.push(cell.result.opsPerS / o.opsPerS);
        }
        return vs;
      };
      const vs = sameRound('sqlite');
      const vsLoop = sameRound('group-commit');
      const sizes = results.flatMap((r) => (r.recordBytes ? [r.recordBytes] : []));
      const note = results.find((r) => r.note !== undefined)?.note;
      rows.push({
        concurrency,
        store,
        rounds: results.length,
        opsPerS: round(median(results.map((r) => r.opsPerS)), 0),
        p50Us: round(median(results.map((r) => r.p50Us)), 1),
        p99Us: round(median(results.map((r) => r.p99Us)), 1),
        maxUs: round(median(results.map((r) => r.maxUs)), 1),
        cpuUsPerOp: round(median(results.map((r) => r.cpuUsPerOp)), 1),
        loopDelayP99ExcessMs: round(median(results.map((r) => Math.max(0, r.loopDelayMs.p99 - 1)))),
        loopDelayMaxMs: round(median(results.map((r) => r.loopDelayMs.max)), 2),
        peakRssMb: round(median(results.map((r) => r.peakRssMb)), 1),
        ...(vs.length > 0 ? { vsSqlite: round(median(vs), 2) } : {}),
        ...(vsLoop.length > 0 ? { vsGroupCommit: round(median(vsLoop), 3) } : {}),
        ...(sizes.length > 0 ? { recordBytes: { min: Math.min(...sizes.map((b) => b.min)), max: Math.max(...sizes.map((b) => b.max)) } } : {}),
        ...(store === 'file' ? { compactions: results.reduce((n, r) => n + (r.compactions ?? 0), 0) } : {}),
        errors: results.reduce((n, r) => n + r.errors, 0),
        ...(note === undefined ? {} : { note }),
      });
    }
  }
  return rows;
}

export function summariseRecovery(part: RecoveryPart): RecoverySummary | undefined {
  if (part.opens.length === 0) return undefined;
  const m = (f: (o: RecoveryOpenResult) => number): number => round(median(part.opens.map(f)), 1);
  return {
    rounds: part.opens.length,
    totalMs: m((o) => o.totalMs),
    openMs: m((o) => o.openMs),
    listMs: m((o) => o.listMs),
    peakRssMb: m((o) => o.peakRssMb),
    baseRssMb: m((o) => o.baseRssMb),
    heapUsedMb: m((o) => o.heapUsedMb),
  };
}

const fmt = (n: number, digits = 2): string => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');
const int = (n: number): string => (Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : 'n/a');

/** Every target of the issue, judged on this run's summaries. All ratios come from this run. */
export function judgeTargets(input: {
  http?: { part: HttpPart; rows: HttpSummaryRow[] };
  ledger?: { part: LedgerPart; rows: LedgerSummaryRow[] };
  recovery?: { part: RecoveryPart; summary: RecoverySummary | undefined };
}): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const notMeasured = (target: string, why: string): void => void verdicts.push({ target, measured: `not measured (${why})`, ratio: null, met: null });
  const http = input.http;
  const row = (c: number, v: HttpVariant): HttpSummaryRow | undefined => http?.rows.find((r) => r.concurrency === c && r.variant === v);
  const missing = (v: HttpVariant): string => {
    const skipped = http?.part.skipped[v];
    return skipped === undefined ? (http ? 'cell missing' : 'part not run') : skipped;
  };
  /**
   * A ratio of `variant` to raw axios at `c` (from the summary rows), judged against
   * `limit`. When the run has the hand-written floor, its ratio is given alongside: a
   * limit the floor itself misses cannot be met by any client doing the same work here.
   */
  const vsAxios = (target: string, c: number, variant: HttpVariant, what: 'cpu' | 'req', limit: number): void => {
    const r = row(c, variant);
    const ref = row(c, 'axios');
    if (!r || !ref) return notMeasured(target, missing(variant));
    const floor = row(c, 'floor');
    const floorRatio = floor === undefined ? undefined : what === 'cpu' ? floor.cpuRatio : floor.reqPerSRatio;
    const floorNote = floorRatio === undefined ? '' : `; the hand-written floor: ${fmt(floorRatio)}x${(what === 'cpu' ? floorRatio > limit : floorRatio < limit) ? ', itself past the limit' : ''}`;
    if (what === 'cpu') verdicts.push({ target, measured: `${fmt(r.cpuUsPerReq, 0)} vs ${fmt(ref.cpuUsPerReq, 0)} µs/req${floorNote}`, ratio: r.cpuRatio, met: r.cpuRatio <= limit });
    else verdicts.push({ target, measured: `${int(r.reqPerS)} vs ${int(ref.reqPerS)} req/s${floorNote}`, ratio: r.reqPerSRatio, met: r.reqPerSRatio >= limit });
  };
  /**
   * p50 at c=1 of `variant` against raw axios's p50 plus `flushes` times the round's
   * flush probe p50, per round (same round for all three); the ratio is the median.
   */
  const p50WithinFlushes = (target: string, variant: HttpVariant, flushes: number): void => {
    const ratios: number[] = [];
    const floorRatios: number[] = [];
    const detail: string[] = [];
    for (const probe of http?.part.flush ?? []) {
      const at = (v: HttpVariant): HttpCellResult | undefined =>
        http?.part.cells.find((c) => c.round === probe.round && c.concurrency === 1 && c.variant === v)?.result;
      const cell = at(variant);
      const ref = at('axios');
      if (!cell || !ref) continue;
      const allowed = ref.p50Us + flushes * probe.p50Us;
      ratios.push(cell.p50Us / allowed);
      // The floor writes nothing durable: with the same flushes added, where it would land.
      const floor = at('floor');
      if (floor) floorRatios.push((floor.p50Us + flushes * probe.p50Us) / allowed);
      detail.push(`${int(cell.p50Us)} vs ${int(ref.p50Us)} + ${flushes === 1 ? '' : `${flushes} x `}${int(probe.p50Us)}`);
    }
    if (ratios.length === 0) return notMeasured(target, missing(variant));
    const ratio = round(median(ratios));
    const floorNote = floorRatios.length === 0 ? '' : `; the hand-written floor + the same flushes: ${fmt(median(floorRatios))}`;
    verdicts.push({ target, measured: `p50 µs per round: ${detail.join('; ')}${floorNote}`, ratio, met: ratio <= 1 });
  };

  // MemoryLedger: client CPU at c=16 and c=128, and c=1 when the run has it; req/s at c=16 and c=128.
  for (const c of [1, 16, 128]) {
    if (c === 1 && !(http?.part.concurrency ?? []).includes(1)) continue;
    vsAxios(`MemoryLedger client CPU per request <= 1.10x raw axios (c=${c})`, c, 'intentkey-memory', 'cpu', 1.1);
  }
  for (const c of [16, 128]) vsAxios(`MemoryLedger req/s >= 0.95x raw axios (c=${c})`, c, 'intentkey-memory', 'req', 0.95);

  // FileLedger through the client.
  p50WithinFlushes('FileLedger p50 latency at c=1 <= raw axios p50 + 2 flushes', 'intentkey-file', 2);
  {
    const target = "FileLedger with outcomeDurability 'lazy': p50 latency at c=1 <= raw axios p50 + 1 flush";
    const skipped = http?.part.skipped['intentkey-file-lazy'];
    if (skipped !== undefined && skipped.startsWith(OPTION_UNAVAILABLE)) notMeasured(target, skipped);
    else p50WithinFlushes(target, 'intentkey-file-lazy', 1);
  }
  for (const c of [16, 128]) vsAxios(`FileLedger req/s >= 0.90x raw axios (c=${c})`, c, 'intentkey-file', 'req', 0.9);
  vsAxios('FileLedger client CPU per request at c=1 <= 1.3x raw axios', 1, 'intentkey-file', 'cpu', 1.3);

  // The ledger alone.
  const ledger = input.ledger;
  const ledgerRow = (c: number, store: LedgerStoreKind): LedgerSummaryRow | undefined => ledger?.rows.find((r) => r.concurrency === c && r.store === store);
  {
    const target = 'FileLedger alone at c=128 >= 0.90x a bare group-commit loop (same run, same record sizes, same writer thread)';
    const file = ledgerRow(128, 'file');
    const loop = ledgerRow(128, 'group-commit');
    if (!file || !loop || file.vsGroupCommit === undefined) notMeasured(target, ledger ? 'cell missing' : 'part not run');
    else verdicts.push({ target, measured: `${int(file.opsPerS)} vs ${int(loop.opsPerS)} ops/s`, ratio: file.vsGroupCommit, met: file.vsGroupCommit >= 0.9 });
  }
  // The same statistic of an idle process in the same round: on a loaded machine the
  // floor itself can exceed the target, which the verdict then cannot separate.
  const idleFloor = median((ledger?.part.idle ?? []).map((i) => Math.max(0, i.loopDelayMs.p99 - 1)));
  /** The bare group-commit loop's own figure at `c`: a limit it misses, no ledger on this design can meet. */
  const loopNote = (c: number): string => {
    const bare = ledgerRow(c, 'group-commit');
    return bare === undefined ? '' : `; bare group-commit loop: ${fmt(bare.loopDelayP99ExcessMs)} ms${bare.loopDelayP99ExcessMs >= 1 ? ', itself past the limit' : ''}`;
  };
  for (const c of [16, 128, 1024]) {
    const target = `Event-loop delay p99 beyond the 1 ms timer < 1 ms while FileLedger runs (c=${c})`;
    const r = ledgerRow(c, 'file');
    if (!r) notMeasured(target, ledger ? 'cell missing' : 'part not run');
    else {
      verdicts.push({
        target,
        measured: `${fmt(r.loopDelayP99ExcessMs)} ms beyond the 1 ms timer (max ${fmt(r.loopDelayMaxMs, 1)} ms; idle process: ${fmt(idleFloor)} ms${loopNote(c)})`,
        ratio: r.loopDelayP99ExcessMs,
        met: r.loopDelayP99ExcessMs < 1,
      });
    }
  }

  const recovery = input.recovery;
  const size = recovery ? `${int(recovery.part.finished)} finished + ${int(recovery.part.pending)} pending` : '';
  {
    const target = 'Recovery (open + listResumable) of 1,000,000 finished + 10,000 pending intents in < 2 s';
    const s = recovery?.summary;
    if (!s) notMeasured(target, recovery?.part.error ?? 'part not run');
    else verdicts.push({ target, measured: `${fmt(s.totalMs / 1000)} s for ${size}`, ratio: round(s.totalMs / 2000), met: s.totalMs < 2000 && recovery.part.finished >= 1_000_000 ? true : s.totalMs < 2000 ? null : false });
  }
  {
    const target = 'Recovery peak memory < 300 MB';
    const s = recovery?.summary;
    if (!s) notMeasured(target, recovery?.part.error ?? 'part not run');
    else verdicts.push({ target, measured: `peak RSS ${fmt(s.peakRssMb, 0)} MB (${fmt(s.baseRssMb, 0)} MB before the open) for ${size}`, ratio: round(s.peakRssMb / 300), met: s.peakRssMb < 300 && recovery.part.finished >= 1_000_000 ? true : s.peakRssMb < 300 ? null : false });
  }
  return verdicts;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, align: readonly ('l' | 'r')[]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${align.map((a) => (a === 'l' ? '---' : '---:')).join('|')}|`];
  for (const r of rows) lines.push(`| ${r.join(' | ')} |`);
  return lines.join('\n');
}

export function httpTable(rows: readonly HttpSummaryRow[]): string {
  return table(
    ['conc', 'variant', 'req/s', 'p50 µs', 'p99 µs', 'client CPU µs/req', 'peak RSS MB', 'RSS growth MB', 'req/s ratio', 'CPU ratio', 'p50 ratio'],
    rows.map((r) => [
      String(r.concurrency),
      r.variant === 'axios' ? '**axios (reference)**' : r.note === undefined ? r.variant : `${r.variant} (${r.note})`,
      int(r.reqPerS),
      int(r.p50Us),
      int(r.p99Us),
      int(r.cpuUsPerReq),
      fmt(r.peakRssMb, 0),
      fmt(r.rssGrowthMb, 0),
      fmt(r.reqPerSRatio),
      fmt(r.cpuRatio),
      fmt(r.p50Ratio),
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function ledgerTable(rows: readonly LedgerSummaryRow[]): string {
  return table(
    ['conc', 'store', 'intents/s', 'p50 µs', 'p99 µs', 'max µs', 'CPU µs/intent', 'loop delay p99 beyond 1 ms timer, ms', 'loop delay max ms', 'peak RSS MB', 'x SQLite', 'x group-commit loop'],
    rows.map((r) => [
      String(r.concurrency),
      r.store === 'file'
        ? `FileLedger${r.compactions ? ` (${r.compactions} compactions)` : ''}`
        : r.store === 'sqlite'
          ? 'SQLite (WAL, FULL)'
          : `bare group-commit loop${r.recordBytes ? ` (${r.recordBytes.min}-${r.recordBytes.max} B records)` : ''}`,
      int(r.opsPerS),
      int(r.p50Us),
      int(r.p99Us),
      int(r.maxUs),
      fmt(r.cpuUsPerOp, 1),
      fmt(r.loopDelayP99ExcessMs),
      fmt(r.loopDelayMaxMs, 1),
      fmt(r.peakRssMb, 0),
      r.vsSqlite === undefined ? '' : fmt(r.vsSqlite, 1),
      r.vsGroupCommit === undefined ? '' : fmt(r.vsGroupCommit, 2),
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function targetsTable(verdicts: readonly TargetVerdict[]): string {
  return table(
    ['target', 'measured (medians)', 'ratio to target', 'verdict'],
    verdicts.map((v) => [v.target, v.measured, v.ratio === null ? '' : fmt(v.ratio), v.met === null ? 'not measured' : v.met ? 'met' : '**not met**']),
    ['l', 'l', 'r', 'l'],
  );
}
