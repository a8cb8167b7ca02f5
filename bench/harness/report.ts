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

export type LedgerStoreKind = 'file' | 'sqlite';

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
  readonly cpuUsPerOp: number;
  /** Event-loop delay beyond the 1 ms timer interval, ms (median over rounds). */
  readonly loopDelayP99ExcessMs: number;
  readonly loopDelayMaxMs: number;
  readonly peakRssMb: number;
  /** File rows: median of same-round FileLedger / SQLite intents per second. */
  readonly vsSqlite?: number;
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
    for (const store of ['file', 'sqlite'] as const) {
      const cells = part.cells.filter((c) => c.concurrency === concurrency && c.store === store);
      const results = ok(cells);
      if (results.length === 0) continue;
      const vs: number[] = [];
      if (store === 'file') {
        for (const cell of cells) {
          const sqlite = part.cells.find((c) => c.round === cell.round && c.concurrency === concurrency && c.store === 'sqlite')?.result;
          if (cell.result && sqlite) vs.push(cell.result.opsPerS / sqlite.opsPerS);
        }
      }
      const note = results.find((r) => r.note !== undefined)?.note;
      rows.push({
        concurrency,
        store,
        rounds: results.length,
        opsPerS: round(median(results.map((r) => r.opsPerS)), 0),
        p50Us: round(median(results.map((r) => r.p50Us)), 1),
        p99Us: round(median(results.map((r) => r.p99Us)), 1),
        cpuUsPerOp: round(median(results.map((r) => r.cpuUsPerOp)), 1),
        loopDelayP99ExcessMs: round(median(results.map((r) => Math.max(0, r.loopDelayMs.p99 - 1)))),
        loopDelayMaxMs: round(median(results.map((r) => r.loopDelayMs.max)), 2),
        peakRssMb: round(median(results.map((r) => r.peakRssMb)), 1),
        ...(vs.length > 0 ? { vsSqlite: round(median(vs), 2) } : {}),
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

/** Every target of the issue, judged on this run's summaries. */
export function judgeTargets(input: {
  http?: { part: HttpPart; rows: HttpSummaryRow[] };
  ledger?: { part: LedgerPart; rows: LedgerSummaryRow[] };
  recovery?: { part: RecoveryPart; summary: RecoverySummary | undefined };
}): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  const notMeasured = (target: string, why: string): void => void verdicts.push({ target, measured: `not measured (${why})`, ratio: null, met: null });
  const http = input.http;
  const row = (c: number, v: HttpVariant): HttpSummaryRow | undefined => http?.rows.find((r) => r.concurrency === c && r.variant === v);

  for (const c of [1, 16, 128]) {
    const target = `MemoryLedger client CPU per request <= 1.10x raw axios (c=${c})`;
    const r = row(c, 'intentkey-memory');
    const ref = row(c, 'axios');
    if (!r || !ref) notMeasured(target, 'cell missing');
    else verdicts.push({ target, measured: `${fmt(r.cpuUsPerReq, 0)} vs ${fmt(ref.cpuUsPerReq, 0)} µs/req`, ratio: r.cpuRatio, met: r.cpuRatio <= 1.1 });
  }
  for (const c of [16, 128]) {
    const target = `MemoryLedger req/s >= 0.95x raw axios (c=${c})`;
    const r = row(c, 'intentkey-memory');
    const ref = row(c, 'axios');
    if (!r || !ref) notMeasured(target, 'cell missing');
    else verdicts.push({ target, measured: `${int(r.reqPerS)} vs ${int(ref.reqPerS)} req/s`, ratio: r.reqPerSRatio, met: r.reqPerSRatio >= 0.95 });
  }
  {
    const target = 'FileLedger p50 latency at c=1 <= raw axios p50 + one flush';
    const ratios: number[] = [];
    const detail: string[] = [];
    for (const probe of http?.part.flush ?? []) {
      const at = (v: HttpVariant): HttpCellResult | undefined =>
        http?.part.cells.find((c) => c.round === probe.round && c.concurrency === 1 && c.variant === v)?.result;
      const file = at('intentkey-file');
      const ref = at('axios');
      if (!file || !ref) continue;
      ratios.push(file.p50Us / (ref.p50Us + probe.p50Us));
      detail.push(`${int(file.p50Us)} vs ${int(ref.p50Us)} + ${int(probe.p50Us)}`);
    }
    if (ratios.length === 0) notMeasured(target, 'cell missing');
    else {
      const ratio = round(median(ratios));
      verdicts.push({ target, measured: `p50 µs per round: ${detail.join('; ')}`, ratio, met: ratio <= 1 });
    }
  }
  for (const c of [16, 128]) {
    const target = `FileLedger req/s >= 0.90x raw axios (c=${c})`;
    const r = row(c, 'intentkey-file');
    const ref = row(c, 'axios');
    if (!r || !ref) notMeasured(target, 'cell missing');
    else verdicts.push({ target, measured: `${int(r.reqPerS)} vs ${int(ref.reqPerS)} req/s`, ratio: r.reqPerSRatio, met: r.reqPerSRatio >= 0.9 });
  }

  const ledger = input.ledger;
  const file128 = ledger?.rows.find((r) => r.concurrency === 128 && r.store === 'file');
  {
    const target = 'FileLedger alone >= 50,000 durable intents/s at c=128';
    if (!file128) notMeasured(target, 'cell missing');
    else verdicts.push({ target, measured: `${int(file128.opsPerS)} intents/s`, ratio: round(file128.opsPerS / 50_000), met: file128.opsPerS >= 50_000 });
  }
  {
    const target = 'FileLedger alone >= 10x the SQLite ledger at c=128';
    if (!file128) notMeasured(target, 'cell missing');
    else if (file128.vsSqlite === undefined) notMeasured(target, ledger?.part.sqlite.detail ?? 'SQLite not measured');
    else {
      const sqlite = ledger?.rows.find((r) => r.concurrency === 128 && r.store === 'sqlite');
      verdicts.push({ target, measured: `${int(file128.opsPerS)} vs ${int(sqlite?.opsPerS ?? Number.NaN)} intents/s`, ratio: file128.vsSqlite, met: file128.vsSqlite >= 10 });
    }
  }
  // The same statistic of an idle process in the same round: on a loaded machine the
  // floor itself can exceed the target, which the verdict then cannot separate.
  const idleFloor = median((ledger?.part.idle ?? []).map((i) => Math.max(0, i.loopDelayMs.p99 - 1)));
  for (const c of ledger?.part.concurrency ?? [128]) {
    const target = `Event-loop delay p99 < 1 ms while FileLedger runs (c=${c})`;
    const r = ledger?.rows.find((x) => x.concurrency === c && x.store === 'file');
    if (!r) notMeasured(target, 'cell missing');
    else {
      verdicts.push({
        target,
        measured: `${fmt(r.loopDelayP99ExcessMs)} ms beyond the 1 ms timer (max ${fmt(r.loopDelayMaxMs, 1)} ms; idle process: ${fmt(idleFloor)} ms)`,
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
    ['conc', 'store', 'intents/s', 'p50 µs', 'p99 µs', 'CPU µs/intent', 'loop delay p99 beyond 1 ms timer, ms', 'loop delay max ms', 'peak RSS MB', 'x SQLite'],
    rows.map((r) => [
      String(r.concurrency),
      r.store === 'file' ? `FileLedger${r.compactions ? ` (${r.compactions} compactions)` : ''}` : 'SQLite (WAL, FULL)',
      int(r.opsPerS),
      int(r.p50Us),
      int(r.p99Us),
      fmt(r.cpuUsPerOp, 1),
      fmt(r.loopDelayP99ExcessMs),
      fmt(r.loopDelayMaxMs, 1),
      fmt(r.peakRssMb, 0),
      r.vsSqlite === undefined ? '' : fmt(r.vsSqlite, 1),
    ]),
    ['r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
  );
}

export function targetsTable(verdicts: readonly TargetVerdict[]): string {
  return table(
    ['target', 'measured (medians)', 'ratio to target', 'verdict'],
    verdicts.map((v) => [v.target, v.measured, v.ratio === null ? '' : fmt(v.ratio), v.met === null ? 'not measured' : v.met ? 'met' : '**not met**']),
    ['l', 'l', 'r', 'l'],
  );
}
