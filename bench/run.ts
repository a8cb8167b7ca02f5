/**
 * `npm run bench`: what intentkey's safety costs, measured side by side in one run.
 *
 * Parts (see docs/benchmarks.md for the method and the latest numbers):
 * - http: a node:http server in its own process on 127.0.0.1; for each concurrency,
 *   raw axios (the reference), axios-retry, p-retry and intentkey with each ledger,
 *   each cell in a fresh client process; rounds rotate the variant order and ratios
 *   are taken against the same round's raw axios.
 * - ledger: the durable ledger alone, FileLedger against a bare group-commit loop (the
 *   same writer thread and record sizes, no ledger logic) and better-sqlite3 (WAL,
 *   synchronous=FULL, one intent per transaction), with the event-loop delay.
 * - recovery: open a ledger of 1,000,000 finished and 10,000 pending intents and list
 *   what needs resuming, in a fresh process: time and peak RSS.
 * - jitter: runs bench/jitter.bench.ts when present (its own output and files).
 * - protection: runs bench/protection.bench.ts (outage amplification in simulated time,
 *   ban avoidance on 127.0.0.1; its own output and files), `--smoke` in a smoke run.
 *
 * - with --profile: one more HTTP cell per variant at c=16 under V8's CPU profiler, after
 *   the measured rounds; the .cpuprofile files and a self-time summary of each.
 *
 * Nothing here asserts speed: targets are reported as met or not, with the ratio.
 * Results: <out>/<timestamp>.json, <out>/latest.json and <out>/latest.md.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem, type as osType } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VARIANT_UNAVAILABLE, type HttpCellInput, type HttpCellResult, type HttpVariant, type LedgerCellInput, type LedgerCellResult, type RecoveryBuildResult, type RecoveryInput, type RecoveryOpenResult } from './harness/cells.js';
import { forkTs, harnessFile, runChild, stopChild } from './harness/child.js';
import { parseOptions, PROFILE_CONCURRENCY, USAGE, type BenchOptions, type Part } from './harness/options.js';
import { profileLines, summariseProfile, type CpuProfile, type ProfileSummary } from './harness/profile.js';
import {
  httpTable,
  judgeTargets,
  LEDGER_STORES,
  ledgerTable,
  OPTION_UNAVAILABLE,
  summariseHttp,
  summariseLedger,
  summariseRecovery,
  targetsTable,
  type FlushProbe,
  type HttpCellRecord,
  type HttpPart,
  type LedgerCellRecord,
  type LedgerPart,
  type LedgerStoreKind,
  type RecoveryPart,
} from './harness/report.js';
import { ensureSqlite } from './harness/sqlite-ledger.js';
import { rotate, round } from './harness/stats.js';

const PROJECT_DIR = fileURLToPath(new URL('..', import.meta.url));

const log = (line: string): void => console.log(line);
const load = (): number[] => loadavg().map((n) => round(n, 2));

/** The machine, as far as the process can see it. */
function describeMachine(options: BenchOptions): Record<string, unknown> {
  const cpuList = cpus();
  let packageVersions: Record<string, string> = {};
  try {
    const lock = JSON.parse(readFileSync(join(PROJECT_DIR, 'package-lock.json'), 'utf8')) as { packages?: Record<string, { version?: string }> };
    const version = (name: string): string => lock.packages?.[`node_modules/${name}`]?.version ?? '?';
    packageVersions = { axios: version('axios'), 'axios-retry': version('axios-retry'), 'p-retry': version('p-retry'), ioredis: version('ioredis'), pg: version('pg'), tsx: version('tsx') };
  } catch {
    // Versions are informative only.
  }
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cpuCount: cpuList.length,
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    os: `${osType()} ${release()}`,
    node: process.version,
    tmpDir: options.tmpDir,
    packages: packageVersions,
  };
}

/** Starts the HTTP server in its own process; resolves with its URL. */
async function startServer(): Promise<{ url: string; child: ChildProcess }> {
  const child = forkTs(harnessFile('http-server.ts'));
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the HTTP server did not start within 30 s')), 30_000);
    child.once('message', (m: { port: number }) => {
      clearTimeout(timer);
      resolve(m.port);
    });
    child.once('exit', (code) => reject(new Error(`the HTTP server exited (code ${String(code)})`)));
  });
  return { url: `http://127.0.0.1:${port}`, child };
}


const flushProbe = (options: BenchOptions): Promise<LedgerCellResult> =>
  runChild<LedgerCellResult>(harnessFile('ledger-cell.ts'), { kind: 'flush', concurrency: 1, durationMs: 0, maxOps: 200, tmpDir: options.tmpDir, depsDir: options.depsDir } satisfies LedgerCellInput, 60_000);

/** One `--profile` cell: where its profile went and what it says, or why there is none. */
interface ProfileRecord {
  readonly variant: HttpVariant;
  readonly concurrency: number;
  readonly file?: string;
  readonly summary?: ProfileSummary;
  readonly error?: string;
}

function cellInput(options: BenchOptions, url: string, variant: HttpVariant, concurrency: number): HttpCellInput {
  return {
    url,
    variant,
    concurrency,
    requests: options.requests,
    warmup: options.warmup,
    timeLimitMs: options.cellTimeLimitMs,
    tmpDir: options.tmpDir,
    ...(options.redisUrl === undefined ? {} : { redisUrl: options.redisUrl }),
    ...(options.databaseUrl === undefined ? {} : { databaseUrl: options.databaseUrl }),
  };
}

/** The first line of a failed cell's error, and whether it says the variant does not exist on this code. */
function cellError(error: unknown): { message: string; unavailable: boolean } {
  const text = (error as Error).message;
  const unavailable = text.startsWith(`${VARIANT_UNAVAILABLE}: `);
  const first = text.split('\n')[0] ?? 'failed';
  return { message: unavailable ? first.slice(VARIANT_UNAVAILABLE.length + 2) : first, unavailable };
}

/**
 * `--profile`: after the measured rounds, one more cell per variant at c=16 with the
 * timed phase under V8's profiler. These cells are not part of any table or ratio.
 */
async function runProfiles(options: BenchOptions, url: string, variants: readonly HttpVariant[], dir: string, stamp: string): Promise<ProfileRecord[]> {
  const records: ProfileRecord[] = [];
  const concurrency = PROFILE_CONCURRENCY;
  log(`profile: one extra cell per variant at c=${concurrency} under V8's CPU profiler (main thread), into ${dir}`);
  for (const variant of variants) {
    const file = join(dir, `${stamp}-${variant}-c${concurrency}.cpuprofile`);
    try {
      await runChild<HttpCellResult>(harnessFile('http-client.ts'), { ...cellInput(options, url, variant, concurrency), profileFile: file }, options.cellTimeLimitMs * 2 + 60_000);
      const summary = summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, PROJECT_DIR);
      records.push({ variant, concurrency, file, summary });
      for (const line of profileLines(`  ${variant} c=${concurrency} (${file})`, summary)) log(line);
    } catch (error) {
      const { message } = cellError(error);
      records.push({ variant, concurrency, error: message });
      log(`  ${variant} c=${concurrency} profile FAILED: ${message}`);
    }
  }
  return records;
}

async function runHttp(options: BenchOptions, stamp: string): Promise<HttpPart & { profiles?: ProfileRecord[] }> {
  const skipped: Partial<Record<HttpVariant, string>> = {};
  if (options.variants.includes('intentkey-redis') && options.redisUrl === undefined) skipped['intentkey-redis'] = 'REDIS_URL is not set';
  if (options.variants.includes('intentkey-postgres') && options.databaseUrl === undefined) skipped['intentkey-postgres'] = 'DATABASE_URL is not set';
  const cells: HttpCellRecord[] = [];
  const flush: FlushProbe[] = [];
  const server = await startServer();
  log(`http: server ${server.url} (pid ${String(server.child.pid)}), ${options.requests} timed + ${options.warmup} warm-up requests per cell`);
  try {
    for (let r = 0; r < options.rounds; r++) {
      const probe = await flushProbe(options);
      flush.push({ round: r, p50Us: round(probe.p50Us, 1), p99Us: round(probe.p99Us, 1) });
      log(`http round ${r + 1}/${options.rounds}: one flush (200 B append + fdatasync) p50 ${probe.p50Us.toFixed(0)} µs, load ${load().join(' ')}`);
      for (const concurrency of options.httpConcurrency) {
        const order = rotate(options.variants, r);
        for (const [position, variant] of order.entries()) {
          if (skipped[variant] !== undefined) continue;
          const input = cellInput(options, server.url, variant, concurrency);
          try {
            const result = await runChild<HttpCellResult>(harnessFile('http-client.ts'), input, options.cellTimeLimitMs * 2 + 60_000);
            cells.push({ round: r, concurrency, variant, position, result });
            const flags = `${result.errors > 0 ? ` ERRORS ${result.errors} (${result.firstError ?? ''})` : ''}${result.timedOut ? ' TIME LIMIT' : ''}`;
            log(`  c=${String(concurrency).padStart(4)} ${variant.padEnd(19)} ${result.reqPerS.toFixed(0).padStart(6)} req/s  p50 ${result.p50Us.toFixed(0).padStart(6)} µs  p99 ${result.p99Us.toFixed(0).padStart(7)} µs  CPU ${result.cpuUsPerReq.toFixed(0).padStart(5)} µs/req  RSS ${result.peakRssMb.toFixed(0)} MB${flags}`);
          } catch (error) {
            const { message, unavailable } = cellError(error);
            if (unavailable) {
              // Not a failure of the bench: the variant does not exist on this code.
              skipped[variant] = `${OPTION_UNAVAILABLE}: ${message}`;
              log(`  c=${String(concurrency).padStart(4)} ${variant.padEnd(19)} NOT MEASURED: ${message}`);
              continue;
            }
            cells.push({ round: r, concurrency, variant, position, error: message });
            log(`  c=${String(concurrency).padStart(4)} ${variant.padEnd(19)} FAILED: ${message}`);
            // A store that cannot be reached will not come back in the next cell.
            if (variant === 'intentkey-redis' || variant === 'intentkey-postgres') skipped[variant] = `failed: ${message}`;
          }
        }
      }
    }
    const profiles = options.profileDir === undefined ? undefined : await runProfiles(options, server.url, options.variants.filter((v) => skipped[v] === undefined), options.profileDir, stamp);
    return { requests: options.requests, warmup: options.warmup, rounds: options.rounds, concurrency: options.httpConcurrency, variants: options.variants, skipped, flush, cells, ...(profiles ? { profiles } : {}) };
  } finally {
    await stopChild(server.child);
  }
}

async function runLedger(options: BenchOptions): Promise<LedgerPart> {
  const availability = await (async () => {
    if (options.installSqlite) log(`ledger: making better-sqlite3 available in ${options.depsDir} (may compile for about 2 min)`);
    return ensureSqlite(options.depsDir, options.installSqlite);
  })();
  const sqlite = availability.available
    ? { measured: true, detail: `better-sqlite3 ${availability.version}${availability.installedNow ? `, installed in ${Math.round(availability.installMs / 1000)} s` : ''}` }
    : { measured: false, detail: availability.reason };
  log(`ledger: SQLite ${sqlite.measured ? 'available' : 'NOT MEASURED'}: ${sqlite.detail}`);
  const stores: LedgerStoreKind[] = LEDGER_STORES.filter((s) => s !== 'sqlite' || sqlite.measured);
  const maxOps = Math.max(10_000, Math.ceil(options.ledgerMs * 400));
  const cells: LedgerCellRecord[] = [];
  const idle: LedgerPart['idle'][number][] = [];
  for (let r = 0; r < options.rounds; r++) {
    const idleResult = await runChild<LedgerCellResult>(
      harnessFile('ledger-cell.ts'),
      { kind: 'idle', concurrency: 1, durationMs: Math.min(options.ledgerMs, 2000), maxOps: 1, tmpDir: options.tmpDir, depsDir: options.depsDir } satisfies LedgerCellInput,
      60_000,
    );
    idle.push({ round: r, loopDelayMs: idleResult.loopDelayMs });
    log(`ledger round ${r + 1}/${options.rounds}: idle loop delay p99 ${idleResult.loopDelayMs.p99.toFixed(2)} ms, max ${idleResult.loopDelayMs.max.toFixed(1)} ms (1 ms timer), load ${load().join(' ')}`);
    for (const concurrency of options.ledgerConcurrency) {
      for (const [position, store] of rotate(stores, r + concurrency).entries()) {
        const input: LedgerCellInput = { kind: store, concurrency, durationMs: options.ledgerMs, maxOps, tmpDir: options.tmpDir, depsDir: options.depsDir };
        try {
          const result = await runChild<LedgerCellResult>(harnessFile('ledger-cell.ts'), input, options.ledgerMs * 4 + 120_000);
          cells.push({ round: r, concurrency, store, position, result });
          log(`  c=${String(concurrency).padStart(4)} ${store.padEnd(12)} ${result.opsPerS.toFixed(0).padStart(7)} intents/s  p50 ${result.p50Us.toFixed(0).padStart(6)} µs  p99 ${result.p99Us.toFixed(0).padStart(7)} µs  loop delay p99 ${result.loopDelayMs.p99.toFixed(2)} ms max ${result.loopDelayMs.max.toFixed(1)} ms  RSS ${result.peakRssMb.toFixed(0)} MB${result.errors > 0 ? ` ERRORS ${result.errors} (${result.firstError ?? ''})` : ''}`);
        } catch (error) {
          const message = (error as Error).message.split('\n')[0] ?? 'failed';
          cells.push({ round: r, concurrency, store, position, error: message });
          log(`  c=${String(concurrency).padStart(4)} ${store.padEnd(12)} FAILED: ${message}`);
        }
      }
    }
  }
  return { durationMs: options.ledgerMs, rounds: options.rounds, concurrency: options.ledgerConcurrency, sqlite, idle, cells };
}

async function runRecovery(options: BenchOptions): Promise<RecoveryPart> {
  const dir = join(options.tmpDir, `intentkey-bench-recovery-${process.pid}`);
  const base = { dir, finished: options.recoveryFinished, pending: options.recoveryPending };
  const opens: RecoveryOpenResult[] = [];
  let build: RecoveryBuildResult | undefined;
  try {
    log(`recovery: building a ledger of ${options.recoveryFinished} finished + ${options.recoveryPending} pending intents in ${dir}`);
    build = await runChild<RecoveryBuildResult>(harnessFile('recovery.ts'), { ...base, action: 'build' } satisfies RecoveryInput, 900_000);
    log(`recovery: built in ${(build.buildMs / 1000).toFixed(1)} s: snapshot ${(build.snapshotBytes / 2 ** 20).toFixed(1)} MiB, log ${(build.logBytes / 2 ** 20).toFixed(1)} MiB, ${build.recordBytesMean.toFixed(0)} B per record body`);
    for (let r = 0; r < options.rounds; r++) {
      const result = await runChild<RecoveryOpenResult>(harnessFile('recovery.ts'), { ...base, action: 'open' } satisfies RecoveryInput, 600_000);
      opens.push(result);
      log(`  round ${r + 1}: open ${result.openMs.toFixed(0)} ms + listResumable ${result.listMs.toFixed(0)} ms = ${result.totalMs.toFixed(0)} ms, ${result.resumable} resumable of ${result.size}; peak RSS ${result.peakRssMb.toFixed(0)} MB (${result.baseRssMb.toFixed(0)} MB before), load ${load().join(' ')}`);
    }
    return { ...base, build, opens };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? 'failed';
    log(`recovery FAILED: ${message}`);
    return { ...base, ...(build === undefined ? {} : { build }), opens, error: message };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs bench/jitter.bench.ts (written separately) when it exists; its output is its own. */
async function runJitter(options: BenchOptions): Promise<{ ran: boolean; exitCode?: number; detail: string }> {
  const script = join(PROJECT_DIR, 'bench', 'jitter.bench.ts');
  if (!existsSync(script)) return { ran: false, detail: 'bench/jitter.bench.ts is not present' };
  const args = options.mode === 'smoke' && readFileSync(script, 'utf8').includes('--smoke') ? ['--smoke'] : [];
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], { stdio: 'inherit', cwd: PROJECT_DIR });
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { ran: true, exitCode, detail: `tsx bench/jitter.bench.ts ${args.join(' ')}`.trim() };
}

/** Runs bench/protection.bench.ts (its output and files are its own), with `--smoke` in a smoke run. */
async function runProtection(options: BenchOptions): Promise<{ ran: boolean; exitCode?: number; detail: string }> {
  const script = join(PROJECT_DIR, 'bench', 'protection.bench.ts');
  if (!existsSync(script)) return { ran: false, detail: 'bench/protection.bench.ts is not present' };
  const args = options.mode === 'smoke' ? ['--smoke'] : [];
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), script, ...args], { stdio: 'inherit', cwd: PROJECT_DIR });
  const exitCode = await new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
  return { ran: true, exitCode, detail: `tsx bench/protection.bench.ts ${args.join(' ')}`.trim() };
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseOptions(process.argv.slice(2));
  } catch (error) {
    const message = (error as Error).message;
    console.error(message === 'usage' ? USAGE : `${message}\n\n${USAGE}`);
    process.exitCode = message === 'usage' ? 0 : 2;
    return;
  }
  const startedAt = new Date();
  const machine = describeMachine(options);
  log(`intentkey bench (${options.mode}): parts ${options.parts.join(', ')}, ${options.rounds} round(s); ${String(machine['cpuCount'])} x ${String(machine['cpu'])}, Node ${process.version}, load ${load().join(' ')}`);
  const loads: Partial<Record<Part | 'start' | 'end', number[]>> = { start: load() };
  const has = (p: Part): boolean => options.parts.includes(p);

  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  const http = has('http') ? await runHttp(options, stamp) : undefined;
  if (http) loads.http = load();
  const ledger = has('ledger') ? await runLedger(options) : undefined;
  if (ledger) loads.ledger = load();
  const recovery = has('recovery') ? await runRecovery(options) : undefined;
  if (recovery) loads.recovery = load();
  const jitter = has('jitter') ? await runJitter(options) : undefined;
  const protection = has('protection') ? await runProtection(options) : undefined;
  loads.end = load();

  const httpRows = http ? summariseHttp(http) : undefined;
  const ledgerRows = ledger ? summariseLedger(ledger) : undefined;
  const recoverySummary = recovery ? summariseRecovery(recovery) : undefined;
  const targets = judgeTargets({
    ...(http && httpRows ? { http: { part: http, rows: httpRows } } : {}),
    ...(ledger && ledgerRows ? { ledger: { part: ledger, rows: ledgerRows } } : {}),
    ...(recovery ? { recovery: { part: recovery, summary: recoverySummary } } : {}),
  });
  const finishedAt = new Date();
  const results = {
    schema: 1,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
    options,
    machine,
    loadAverage: loads,
    summary: { http: httpRows, ledger: ledgerRows, recovery: recoverySummary, jitter, protection },
    targets,
    parts: { http, ledger, recovery },
  };

  const md: string[] = [`# intentkey bench, ${options.mode} run of ${startedAt.toISOString()}`, ''];
  md.push(`${String(machine['cpuCount'])} x ${String(machine['cpu'])}, ${String(machine['memoryGiB'])} GiB, ${String(machine['os'])}, Node ${process.version}. Load average (1/5/15 min) at start ${loads.start?.join(' ') ?? ''}, at end ${loads.end.join(' ')}.`, '');
  if (httpRows) {
    md.push(`## HTTP (${options.requests} timed requests per cell, ${options.rounds} round(s); medians; ratios against raw axios in the same round)`, '', httpTable(httpRows), '');
    const skippedLines = Object.entries(http?.skipped ?? {}).map(([v, why]) => `- ${v}: skipped, ${why}`);
    if (skippedLines.length > 0) md.push(...skippedLines, '');
    md.push(`One flush (200 B append + fdatasync, sequential) p50 per round: ${http?.flush.map((f) => `${f.p50Us.toFixed(0)} µs`).join(', ') ?? ''}.`, '');
    if (http?.profiles) {
      md.push(`### CPU profiles (one extra cell per variant at c=${PROFILE_CONCURRENCY}, main thread, not in the tables)`, '', '```');
      for (const p of http.profiles) md.push(...(p.summary ? profileLines(`${p.variant} (${p.file ?? ''})`, p.summary) : [`${p.variant}: failed, ${p.error ?? '?'}`]));
      md.push('```', '');
    }
  }
  if (ledgerRows) {
    md.push(`## Ledger alone (${options.ledgerMs} ms per cell, ${options.rounds} round(s))`, '', ledgerTable(ledgerRows), '');
    md.push(`SQLite: ${ledger?.sqlite.measured ? ledgerRows.find((r) => r.store === 'sqlite')?.note ?? ledger.sqlite.detail : `not measured: ${ledger?.sqlite.detail ?? ''}`}.`);
    md.push(`Idle loop delay p99 per round (1 ms timer): ${ledger?.idle.map((i) => `${i.loopDelayMs.p99.toFixed(2)} ms`).join(', ') ?? ''}.`, '');
  }
  if (recovery) {
    md.push(`## Recovery (${recovery.finished} finished + ${recovery.pending} pending intents)`, '');
    if (recoverySummary) {
      md.push(
        `open ${recoverySummary.openMs.toFixed(0)} ms + listResumable ${recoverySummary.listMs.toFixed(0)} ms = ${recoverySummary.totalMs.toFixed(0)} ms (median of ${recoverySummary.rounds}); peak RSS ${recoverySummary.peakRssMb.toFixed(0)} MB (${recoverySummary.baseRssMb.toFixed(0)} MB before the open); heap used after ${recoverySummary.heapUsedMb.toFixed(0)} MB.` +
          (recovery.build ? ` Files: snapshot ${(recovery.build.snapshotBytes / 2 ** 20).toFixed(1)} MiB, log ${(recovery.build.logBytes / 2 ** 20).toFixed(1)} MiB.` : ''),
        '',
      );
    } else md.push(`not measured: ${recovery.error ?? 'no result'}`, '');
  }
  md.push('## Targets', '', targetsTable(targets), '');
  const markdown = md.join('\n');

  mkdirSync(options.outDir, { recursive: true });
  const json = `${JSON.stringify(results, null, 2)}\n`;
  writeFileSync(join(options.outDir, `${stamp}.json`), json);
  writeFileSync(join(options.outDir, 'latest.json'), json);
  writeFileSync(join(options.outDir, 'latest.md'), `${markdown}\n`);
  log('');
  log(markdown);
  log(`results: ${join(options.outDir, `${stamp}.json`)} (and latest.json, latest.md); ${results.durationS} s`);
  // Failures of the harness itself (not slowness) make the run fail, so CI notices a broken bench.
  const broken = [
    ...(http?.cells.filter((c) => c.error !== undefined && c.variant !== 'intentkey-redis' && c.variant !== 'intentkey-postgres') ?? []),
    ...(ledger?.cells.filter((c) => c.error !== undefined) ?? []),
  ];
  const cellErrors = [...(httpRows ?? []).filter((r) => r.errors > 0), ...(ledgerRows ?? []).filter((r) => r.errors > 0)];
  const protectionFailed = protection?.ran === true && protection.exitCode !== 0;
  if (broken.length > 0 || cellErrors.length > 0 || recovery?.error !== undefined || (jitter?.ran === true && jitter.exitCode !== 0) || protectionFailed) {
    console.error(
      `bench: ${broken.length} failed cell(s), ${cellErrors.length} row(s) with request errors${recovery?.error ? ', recovery failed' : ''}${jitter?.ran === true && jitter.exitCode !== 0 ? ', jitter failed' : ''}${protectionFailed ? ', protection failed' : ''}`,
    );
    process.exitCode = 1;
  }
}

await main();
