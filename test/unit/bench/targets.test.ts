import { describe, expect, it } from 'vitest';
import type { HttpVariant } from '../../../bench/harness/cells.js';
import { judgeTargets, type HttpPart, type HttpSummaryRow, type LedgerPart, type LedgerSummaryRow } from '../../../bench/harness/report.js';

/** A summary row with the ratios given (everything else is filler the verdicts do not read). */
function httpRow(concurrency: number, variant: HttpVariant, cpuRatio: number, reqPerSRatio: number): HttpSummaryRow {
  return { concurrency, variant, rounds: 1, reqPerS: 1000 * reqPerSRatio, p50Us: 400, p99Us: 900, cpuUsPerReq: 400 * cpuRatio, peakRssMb: 150, rssGrowthMb: 10, reqPerSRatio, cpuRatio, p50Ratio: 1, errors: 0 };
}

const cell = (variant: HttpVariant, p50Us: number) => ({
  round: 1,
  concurrency: 1,
  variant,
  position: 0,
  result: { completed: 100, errors: 0, timedOut: false, wallMs: 100, reqPerS: 1000, p50Us, p99Us: 2 * p50Us, maxUs: 3 * p50Us, cpuUsPerReq: 400, peakRssMb: 150, setupRssMb: 140 },
});

function httpPart(variants: HttpVariant[]): HttpPart {
  return {
    requests: 100,
    warmup: 10,
    rounds: 1,
    concurrency: [1, 16, 128],
    variants,
    skipped: {},
    flush: [{ round: 1, p50Us: 150, p99Us: 300 }],
    cells: [cell('axios', 400), ...(variants.includes('floor') ? [cell('floor', 450)] : []), cell('intentkey-file', 1100)],
  };
}

function ledgerRow(concurrency: number, store: 'file' | 'group-commit', loopDelayP99ExcessMs: number): LedgerSummaryRow {
  return { concurrency, store, rounds: 1, opsPerS: 1000, p50Us: 300, p99Us: 600, maxUs: 900, cpuUsPerOp: 100, loopDelayP99ExcessMs, loopDelayMaxMs: 5, peakRssMb: 150, errors: 0 };
}

const ledgerPart: LedgerPart = { durationMs: 1000, rounds: 1, concurrency: [16, 128], sqlite: { measured: false, detail: '' }, idle: [], cells: [] };

const verdict = (all: ReturnType<typeof judgeTargets>, start: string) => {
  const found = all.find((v) => v.target.startsWith(start));
  if (!found) throw new Error(`no verdict for ${start}`);
  return found;
};

describe('judgeTargets: the floor beside each client target', () => {
  const rows = (withFloor: boolean): HttpSummaryRow[] =>
    [1, 16, 128].flatMap((c) => [
      httpRow(c, 'axios', 1, 1),
      httpRow(c, 'intentkey-memory', 1.3, 0.8),
      httpRow(c, 'intentkey-file', 1.5, 0.85),
      ...(withFloor ? [httpRow(c, 'floor', c === 16 ? 1.05 : 1.16, c === 16 ? 0.97 : 0.86)] : []),
    ]);

  it('gives the floor its ratio, and says when the floor itself misses the limit', () => {
    const all = judgeTargets({ http: { part: httpPart(['axios', 'floor', 'intentkey-memory', 'intentkey-file']), rows: rows(true) } });
    const cpu1 = verdict(all, 'MemoryLedger client CPU per request <= 1.10x raw axios (c=1)');
    expect(cpu1.measured).toContain('the hand-written floor: 1.16x, itself past the limit');
    expect(cpu1.met).toBe(false);
    // Within the limit at c=16: named, without the remark.
    const cpu16 = verdict(all, 'MemoryLedger client CPU per request <= 1.10x raw axios (c=16)');
    expect(cpu16.measured).toContain('the hand-written floor: 1.05x');
    expect(cpu16.measured).not.toContain('itself past the limit');
    // req/s: "past the limit" means below it.
    expect(verdict(all, 'MemoryLedger req/s >= 0.95x raw axios (c=128)').measured).toContain('the hand-written floor: 0.86x, itself past the limit');
    expect(verdict(all, 'MemoryLedger req/s >= 0.95x raw axios (c=16)').measured).not.toContain('itself past the limit');
    // Latency at c=1: the floor plus the same two flushes, against raw axios plus two flushes.
    const p50 = verdict(all, 'FileLedger p50 latency at c=1');
    expect(p50.measured).toContain(`the hand-written floor + the same flushes: ${((450 + 300) / (400 + 300)).toFixed(2)}`);
    expect(p50.ratio).toBeCloseTo(1100 / 700, 2);
  });

  it('says nothing of a floor the run did not measure', () => {
    const all = judgeTargets({ http: { part: httpPart(['axios', 'intentkey-memory', 'intentkey-file']), rows: rows(false) } });
    for (const v of all) expect(v.measured).not.toContain('floor');
    expect(verdict(all, 'MemoryLedger client CPU per request <= 1.10x raw axios (c=16)').ratio).toBe(1.3);
  });

  it('gives each event-loop target the bare group-commit loop’s own figure', () => {
    const all = judgeTargets({
      ledger: { part: ledgerPart, rows: [ledgerRow(16, 'group-commit', 0.48), ledgerRow(16, 'file', 2.47), ledgerRow(128, 'group-commit', 1.13), ledgerRow(128, 'file', 5.27)] },
    });
    const at16 = verdict(all, 'Event-loop delay p99 beyond the 1 ms timer < 1 ms while FileLedger runs (c=16)');
    expect(at16.measured).toContain('bare group-commit loop: 0.48 ms');
    expect(at16.measured).not.toContain('itself past the limit');
    expect(at16.met).toBe(false);
    expect(verdict(all, 'Event-loop delay p99 beyond the 1 ms timer < 1 ms while FileLedger runs (c=128)').measured).toContain('bare group-commit loop: 1.13 ms, itself past the limit');
  });
});
