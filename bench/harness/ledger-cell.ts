/**
 * One ledger-alone cell, run in a fresh child process: `concurrency` callers create
 * intents durably, back to back, for a fixed time. Each create starts from its own
 * macrotask (`setImmediate`), as it would from a request handler: without that, a
 * synchronous store's callers would chain microtasks and never let the loop turn.
 * `group-commit` runs the same callers against the bare group-commit loop
 * (./group-commit.ts) with records of the sizes the FileLedger writes for these creates.
 * Also the two probes: `idle` (event-loop delay of a process doing nothing) and
 * `flush` (sequential 200-byte append + fdatasync).
 */
import { closeSync, fdatasyncSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setImmediate as nextMacrotask, setTimeout as sleep } from 'node:timers/promises';
import { FileLedger } from '../../src/index.js';
import type { LedgerCellInput, LedgerCellResult } from './cells.js';
import { peakRssMb, serveChild } from './child.js';
import { SqliteLedger, loadSqlite } from './sqlite-ledger.js';
import { benchDraft } from './drafts.js';
import { GroupCommitLoop } from './group-commit.js';
import { latencySummaryUs, runConcurrent } from './stats.js';

function loopDelayMs(histogram: ReturnType<typeof monitorEventLoopDelay>): LedgerCellResult['loopDelayMs'] {
  return { p50: histogram.percentile(50) / 1e6, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 };
}

async function idle(input: LedgerCellInput): Promise<LedgerCellResult> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  histogram.enable();
  await sleep(input.durationMs);
  histogram.disable();
  return {
    ops: 0, errors: 0, wallMs: input.durationMs, opsPerS: 0, p50Us: Number.NaN, p99Us: Number.NaN, maxUs: Number.NaN,
    cpuUsPerOp: Number.NaN, loopDelayMs: loopDelayMs(histogram), peakRssMb: peakRssMb(),
  };
}

function flush(input: LedgerCellInput): LedgerCellResult {
  const dir = mkdtempSync(join(input.tmpDir, 'intentkey-bench-flush-'));
  const record = Buffer.alloc(200, 0x61);
  const fd = openSync(join(dir, 'probe.log'), 'a');
  const ops = Math.max(20, Math.min(input.maxOps, 400));
  const latencies = new Float64Array(ops);
  const started = process.hrtime.bigint();
  try {
    for (let i = 0; i < ops; i++) {
      const start = process.hrtime.bigint();
      writeSync(fd, record);
      fdatasyncSync(fd);
      latencies[i] = Number(process.hrtime.bigint() - start);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  return {
    ops, errors: 0, wallMs, opsPerS: (ops / wallMs) * 1000, ...latencySummaryUs(latencies), cpuUsPerOp: Number.NaN,
    loopDelayMs: { p50: Number.NaN, p99: Number.NaN, max: Number.NaN }, peakRssMb: peakRssMb(),
  };
}

/** Decimal digits of a non-negative integer. */
const digits = (i: number): number => String(i).length;

/**
 * Sizes in bytes of the log records a FileLedger writes for `create(benchDraft(i))`, by
 * the number of digits of `i` (the only part of a bench draft whose length varies),
 * measured on a scratch ledger as the log's growth per create.
 */
async function fileCreateRecordSizes(tmpDir: string): Promise<Map<number, number>> {
  const dir = mkdtempSync(join(tmpDir, 'intentkey-bench-sizes-'));
  const ledger = await FileLedger.open({ dir });
  try {
    const logSize = (): number => {
      const logs = readdirSync(dir).filter((f) => /^log-\d{8}\.ikl$/.test(f));
      if (logs.length !== 1) throw new Error(`expected one log file in ${dir}, found ${logs.length}`);
      return statSync(join(dir, logs[0] as string)).size;
    };
    const sizes = new Map<number, number>();
    for (let d = 1; d <= 9; d++) {
      const i = d === 1 ? 0 : 10 ** (d - 1);
      const before = logSize();
      await ledger.create(benchDraft(i, Date.now()), Date.now());
      sizes.set(d, logSize() - before);
    }
    return sizes;
  } finally {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function store(input: LedgerCellInput): Promise<LedgerCellResult> {
  const dir = mkdtempSync(join(input.tmpDir, `intentkey-bench-${input.kind}-`));
  let compactions = 0;
  let create: (i: number) => Promise<unknown>;
  let close: () => Promise<void>;
  let note: string | undefined;
  let recordBytes: LedgerCellResult['recordBytes'];
  if (input.kind === 'group-commit') {
    const sizes = await fileCreateRecordSizes(input.tmpDir);
    // One buffer per size, filled once: callers hand over bytes already encoded.
    const records = new Map([...sizes].map(([d, n]) => [d, Buffer.alloc(n, 0x61)]));
    const used = [...sizes].filter(([d]) => d <= digits(2 * input.maxOps)).map(([, n]) => n);
    recordBytes = { min: Math.min(...used), max: Math.max(...used) };
    const loop = new GroupCommitLoop(join(dir, 'group-commit.log'));
    create = (i) => loop.append(records.get(digits(i)) as Buffer);
    close = () => loop.close();
    note = `records of ${recordBytes.min}-${recordBytes.max} B (the FileLedger's create records), one writer thread, write + fdatasync per batch`;
  } else if (input.kind === 'file') {
    const ledger = await FileLedger.open({
      dir,
      onEvent: (e) => {
        if (e.type === 'compacted') compactions++;
      },
    });
    create = (i) => ledger.create(benchDraft(i, Date.now()), Date.now());
    close = () => ledger.close();
  } else {
    const sqlite = loadSqlite(input.depsDir);
    if (!sqlite) throw new Error(`better-sqlite3 is not installed in ${input.depsDir}`);
    const ledger = new SqliteLedger(sqlite.Database, join(dir, 'intents.db'));
    note = `better-sqlite3 ${sqlite.version}, SQLite ${ledger.sqliteVersion}, ${ledger.settings()}`;
    create = async (i) => ledger.create(benchDraft(i, Date.now()), Date.now());
    close = async () => ledger.close();
  }
  const op = async (i: number): Promise<unknown> => {
    await nextMacrotask();
    return create(i);
  };
  try {
    const warmupMs = Math.min(500, input.durationMs / 10);
    // Warm-up ids lie past the timed range so every timed create is a new intent.
    await runConcurrent(input.maxOps, input.concurrency, (i) => op(input.maxOps + i), warmupMs);
    compactions = 0;
    const histogram = monitorEventLoopDelay({ resolution: 1 });
    const cpuBefore = process.cpuUsage();
    histogram.enable();
    const started = process.hrtime.bigint();
    const timed = await runConcurrent(input.maxOps, input.concurrency, op, input.durationMs);
    const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
    histogram.disable();
    const cpu = process.cpuUsage(cpuBefore);
    return {
      ops: timed.completed,
      errors: timed.errors,
      ...(timed.firstError === undefined ? {} : { firstError: timed.firstError }),
      wallMs,
      opsPerS: (timed.completed / wallMs) * 1000,
      ...latencySummaryUs(timed.latenciesNs),
      cpuUsPerOp: (cpu.user + cpu.system) / Math.max(1, timed.completed),
      loopDelayMs: loopDelayMs(histogram),
      peakRssMb: peakRssMb(),
      ...(input.kind === 'file' ? { compactions } : {}),
      ...(note === undefined ? {} : { note }),
      ...(recordBytes === undefined ? {} : { recordBytes }),
    };
  } finally {
    await close();
    rmSync(dir, { recursive: true, force: true });
  }
}

serveChild(async (input: LedgerCellInput): Promise<LedgerCellResult> => {
  if (input.kind === 'idle') return idle(input);
  if (input.kind === 'flush') return flush(input);
  return store(input);
});
