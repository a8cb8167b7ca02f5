/**
 * `npm run demo`: a trading bot placing a few hundred market orders against a fake
 * Binance-like exchange with injected faults, SIGKILLed several times mid-flight and
 * restarted, first as a naive axios-retry bot, then with intentkey and its file ledger.
 *
 * The exchange (from `intentkey/testing`) treats a client order id as unique only
 * among open orders, fills market orders at once, and sometimes executes an order and
 * then loses the answer (dropped connection, 500, a reply after the client's timeout).
 * It counts executions per business action, so duplicates and lost orders are visible.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { HistogramSnapshot, IntentMetrics } from '../src/index.js';
import { SeededRandom, startFakeVenue, type FakeVenue, type FakeVenueOptions } from '../src/testing/index.js';

const ORDERS = Number(process.env['DEMO_ORDERS'] ?? 240);
const KILLS = Number(process.env['DEMO_KILLS'] ?? 5);
const botPath = fileURLToPath(new URL('./demo-bot.ts', import.meta.url));
const venueOptions: FakeVenueOptions = {
  mode: 'exchange',
  seed: 7,
  delayMs: 1_200,
  retryAfterSeconds: 1,
  faults: { executeThenDrop: 0.05, executeThen500: 0.04, reject503: 0.04, delay: 0.03, rateLimit: 0.02 },
};

interface BotSummary {
  readonly bot: string;
  readonly kills: number;
  readonly runs: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly neverExecuted: number;
  readonly resumedAfterKill: number;
  readonly reconciled: number;
  readonly needsAttention: number;
  readonly seconds: number;
  /** The monitoring signals, one snapshot per process life (its last before it ended or was killed). */
  readonly signals: ReadonlyMap<number, IntentMetrics | NaiveSignals>;
}

/** What the naive bot can count about itself: no ledger, no outcomes, no lookups. */
interface NaiveSignals {
  readonly writesSent: number;
  readonly objects: number;
  readonly retries: number;
  readonly recovered: number;
  readonly succeeded: number;
  readonly gaveUp: number;
}

const children = new Set<ChildProcess>();
const killAll = (): void => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);

function runBot(mode: 'naive' | 'intentkey', venue: FakeVenue, stateDir: string, killAfterMs: number | undefined, onMessage: (m: Record<string, unknown>) => void): Promise<'finished' | 'killed'> {
  return new Promise((resolve, reject) => {
    const child = fork(botPath, [mode, venue.url, stateDir, String(ORDERS)], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.add(child);
    let finished = false;
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    child.on('message', (m: Record<string, unknown>) => {
      if (m['type'] === 'finished') finished = true;
      onMessage(m);
    });
    child.on('exit', (code, signal) => {
      children.delete(child);
      if (timer) clearTimeout(timer);
      if (finished) resolve('finished');
      else if (signal === 'SIGKILL') resolve('killed');
      else reject(new Error(`bot exited with ${code ?? signal}`));
    });
  });
}

async function runScenario(mode: 'naive' | 'intentkey', random: SeededRandom): Promise<BotSummary> {
  const venue = await startFakeVenue(venueOptions);
  const stateDir = mkdtempSync(join(tmpdir(), `intentkey-demo-${mode}-`));
  const started = Date.now();
  const done = new Set<string>();
  const attention = new Set<string>();
  let kills = 0;
  let runs = 0;
  let resumed = 0;
  let reconciled = 0;
  let lastPrint = 0;
  const signals = new Map<number, IntentMetrics | NaiveSignals>();
  const label = mode === 'naive' ? 'naive axios-retry bot' : 'intentkey bot        ';
  try {
    for (;;) {
      runs++;
      const killAfterMs = kills < KILLS ? 400 + Math.floor(random.next() * 1_200) : undefined;
      attention.clear();
      const result = await runBot(mode, venue, stateDir, killAfterMs, (m) => {
        if (m['type'] === 'done') {
          done.add(String(m['businessId']));
          if (m['reconciled'] === true) reconciled++;
        } else if (m['type'] === 'attention') attention.add(String(m['businessId']));
        else if (m['type'] === 'recovered') resumed += Number(m['resumed']);
        else if (m['type'] === 'metrics' || m['type'] === 'naiveMetrics') signals.set(runs, m['metrics'] as IntentMetrics | NaiveSignals);
        if (done.size - lastPrint >= ORDERS / 6) {
          lastPrint = done.size;
          process.stdout.write(`  ${label}  run ${runs}: ${done.size}/${ORDERS} orders done, ${kills} kills so far\n`);
        }
      });
      if (result === 'killed') {
        kills++;
        process.stdout.write(`  ${label}  run ${runs}: SIGKILL after ${killAfterMs} ms (${done.size}/${ORDERS} done)\n`);
        continue;
      }
      break;
    }
    const stats = venue.stats();
    const executions = venue.executions();
    let neverExecuted = 0;
    for (let i = 1; i <= ORDERS; i++) if (!executions.get(`signal-${i}`)) neverExecuted++;
    return {
      bot: mode === 'naive' ? 'naive axios-retry' : 'intentkey',
      kills,
      runs,
      executions: stats.executions,
      duplicates: stats.duplicates,
      neverExecuted,
      resumedAfterKill: resumed,
      reconciled,
      needsAttention: attention.size,
      seconds: (Date.now() - started) / 1000,
      signals,
    };
  } finally {
    await venue.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

function table(rows: readonly BotSummary[]): string {
  const lines: Array<[string, ...string[]]> = [
    ['', ...rows.map((r) => r.bot)],
    ['business actions', ...rows.map(() => String(ORDERS))],
    ['SIGKILLs / runs', ...rows.map((r) => `${r.kills} / ${r.runs}`)],
    ['executions at the venue', ...rows.map((r) => String(r.executions))],
    ['duplicate executions', ...rows.map((r) => String(r.duplicates))],
    ['lost (never executed)', ...rows.map((r) => String(r.neverExecuted))],
    ['resumed from the ledger after a kill', ...rows.map((r) => (r.bot === 'intentkey' ? String(r.resumedAfterKill) : '-'))],
    ['settled by reconcile lookup', ...rows.map((r) => (r.bot === 'intentkey' ? String(r.reconciled) : '-'))],
    ['left for a person', ...rows.map((r) => String(r.needsAttention))],
    ['wall time (s)', ...rows.map((r) => r.seconds.toFixed(1))],
  ];
  const header = lines[0] as [string, ...string[]];
  const widths = header.map((_, c) => Math.max(...lines.map((l) => (l[c] ?? '').length)));
  return lines.map((l) => l.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('   ')).join('\n');
}

const sum = (values: readonly number[]): number => values.reduce((a, b) => a + b, 0);

/** Adds up a record of counters over every process life. */
function sumRecords(records: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v;
  return out;
}

/** Non-zero entries of a counter record, as `name n, name n`. */
function counts(record: Readonly<Record<string, number>>): string {
  const entries = Object.entries(record).filter(([, v]) => v > 0);
  return entries.length === 0 ? 'none' : entries.map(([k, v]) => `${k} ${v}`).join(', ');
}

/** The upper bound of the bucket holding quantile `q` of histograms with the same buckets merged: a conservative percentile. */
function quantileBound(histograms: readonly HistogramSnapshot[], q: number): string {
  const first = histograms[0];
  if (!first) return '-';
  const merged = first.counts.map((_, i) => sum(histograms.map((h) => h.counts[i] ?? 0)));
  const total = sum(merged);
  if (total === 0) return '-';
  let seen = 0;
  for (const [i, n] of merged.entries()) {
    seen += n;
    if (seen >= q * total) {
      const bound = first.boundaries[i];
      return bound === undefined ? `> ${String(first.boundaries.at(-1))} ms` : `<= ${String(bound)} ms`;
    }
  }
  return '-';
}

/**
 * The monitoring signals of one bot, summed over its process lives (each life's client
 * counts from its own start; a SIGKILLed life counts up to its last snapshot, sent every
 * 100 ms). Gauges (intents by status now) are the last life's.
 */
function signalsReport(summary: BotSummary): string {
  const lives = [...summary.signals.entries()].sort(([a], [b]) => a - b).map(([, s]) => s);
  // A life SIGKILLed before its client started (the bot takes a moment to load) reports nothing.
  const head = `monitoring signals, ${summary.bot} bot (summed over the ${lives.length} of its ${summary.runs} process lives that reported):`;
  if (lives.length === 0) return `${head}\n  none received`;
  if (!('intents' in (lives[0] as object))) {
    const naive = lives as NaiveSignals[];
    const sent = sum(naive.map((n) => n.writesSent));
    return [
      head,
      `  writes sent vs business objects   ${sent} order requests for ${ORDERS} orders (${(sent / ORDERS).toFixed(2)} per order; nothing tells which of them executed)`,
      `  retries                           ${sum(naive.map((n) => n.retries))} axios-retry resends, ${sum(naive.map((n) => n.recovered))} orders succeeded after one`,
      `  gave up                           ${sum(naive.map((n) => n.gaveUp))} order calls`,
      '  conflicts, duplicates prevented, outcomes, ledger: not measurable (no key kept per order, no ledger)',
    ].join('\n');
  }
  const m = lives as IntentMetrics[];
  const last = m[m.length - 1] as IntentMetrics;
  const sent = sum(m.map((x) => x.writes.sent));
  const firstSends = sum(m.map((x) => x.writes.firstSends));
  const flushLatency = m.map((x) => x.ledger.flushLatencyMs);
  const flushes = sum(m.map((x) => x.ledger.flushes));
  const records = sum(m.map((x) => x.ledger.records));
  return [
    head,
    `  idempotency conflicts             ${sum(m.map((x) => x.conflicts.count))}`,
    `  duplicates prevented              ${sum(m.map((x) => x.duplicatesPrevented.runs))} runs: ledger replay ${sum(m.map((x) => x.duplicatesPrevented.ledgerReplay))}, ` +
      `venue answer ${sum(m.map((x) => x.duplicatesPrevented.venueAnswer))}, lookup found ${sum(m.map((x) => x.duplicatesPrevented.reconcileFound))}`,
    `  retries recovered                 ${sum(m.map((x) => x.intents.recovered))} intents succeeded after a failed or unknown attempt (${sum(m.map((x) => x.retries.total))} waits before a resend)`,
    `  writes sent vs business objects   ${sent} order requests, ${firstSends} orders sent for the first time (${firstSends === 0 ? '-' : (sent / firstSends).toFixed(2)} writes per order)`,
    `  outcomes by kind                  ${counts(sumRecords(m.map((x) => x.outcomes)))}`,
    `  lookups                           ${sum(m.map((x) => x.lookups.started))} requests; verdicts ${counts(sumRecords(m.map((x) => x.lookups.byVerdict)))}`,
    `  intent runs by result             ${counts(sumRecords(m.map((x) => x.intents.results)))}`,
    `  intents by status now (last life) ${Object.entries(last.statusNow).map(([k, v]) => `${k} ${v}`).join(', ')}; parked over all lives ${sum(m.map((x) => x.intents.parked))}`,
    `  keys expired                      ${sum(m.map((x) => x.keysExpired.total))}`,
    `  ledger flushes                    ${flushes} group commits, ${records} records (${flushes === 0 ? '-' : (records / flushes).toFixed(1)} per commit), ` +
      `latency p50 ${quantileBound(flushLatency, 0.5)}, p99 ${quantileBound(flushLatency, 0.99)}, max ${Math.max(...flushLatency.map((h) => h.max ?? 0)).toFixed(1)} ms, ` +
      `queue depth max ${Math.max(...m.map((x) => x.ledger.maxQueueDepth))}`,
    `  ledger repairs after kills        ${sum(m.map((x) => x.ledger.tornTailsRepaired))} torn tails, ${sum(m.map((x) => x.ledger.lockTakeovers))} lock takeovers`,
  ].join('\n');
}

async function main(): Promise<void> {
  const f = venueOptions.faults ?? {};
  console.log(`intentkey demo: ${ORDERS} market orders against a fake Binance-like exchange on 127.0.0.1, bot SIGKILLed ${KILLS} times`);
  console.log(
    `faults per order request: execute+drop ${f.executeThenDrop}, execute+500 ${f.executeThen500}, 503 ${f.reject503}, ` +
      `slow reply ${f.delay}, 429 ${f.rateLimit} (seed ${venueOptions.seed})\n`,
  );
  const naive = await runScenario('naive', new SeededRandom(1));
  console.log(`\n${signalsReport(naive)}\n`);
  const safe = await runScenario('intentkey', new SeededRandom(1));
  console.log(`\n${signalsReport(safe)}\n`);
  console.log(`\n${table([naive, safe])}\n`);
  const ok = safe.duplicates === 0 && safe.neverExecuted === 0;
  console.log(
    ok
      ? `PASS: through ${safe.kills} SIGKILLs intentkey executed each of the ${ORDERS} orders exactly once; the naive bot made ${naive.duplicates} duplicates and lost ${naive.neverExecuted}.`
      : `FAIL: intentkey made ${safe.duplicates} duplicates and left ${safe.neverExecuted} orders unexecuted.`,
  );
  if (!ok) process.exitCode = 1;
}

main().catch((error: unknown) => {
  killAll();
  console.error(error);
  process.exitCode = 1;
});
