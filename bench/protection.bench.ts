/**
 * `npm run bench:protection`: what retries do to a venue in trouble, and what protects it.
 *
 * Part a, **outage amplification** (simulated time, bench/harness/outage-run.ts): 50 bots
 * each place one order a second from t = 0 to 60 s on one simulated Binance-like venue
 * whose writes all fail with 503 (not executed) from t = 10 s to 40 s. Per client
 * variant: requests sent during the outage per order placed during it (and that against
 * a client that never retries), the time from the outage's end until every order placed
 * before it has settled (against the best peer), orders given up, and duplicates.
 *
 * Part b, **ban avoidance** (real time, 127.0.0.1): one fake venue process with a request
 * weight limit of 100 per second that bans for 5 s after 20 refusals in a window; 10 bot
 * processes placing orders with intentkey at a steady concurrency for a few seconds. Per
 * variant: 429s, 418s, whether a ban started, orders placed per second.
 *
 * The variants, and the places where the protected ones plug in, are the tables of
 * bench/harness/protection-variants.ts.
 *
 * Options:
 * - `--smoke`: scaled down (8 bots and a 10 s outage; 3 bot processes for 1.5 s), the
 *   outage run of intentkey repeated to check it gives the same numbers, output to a
 *   temporary directory that is checked and removed. For CI; well under 30 s.
 * - `--only outage,ban`: parts to run. @default both
 * - `--out DIR`: where results go. @default bench/results (smoke: a temporary directory)
 *
 * Environment: `REDIS_URL` for the shared-limiter variant. @default redis://127.0.0.1:6379
 *
 * Writes `<out>/<timestamp>-protection.json` and `<out>/latest-protection.md`, and prints
 * the markdown. Nothing here asserts speed: targets are reported as met or not, with the
 * ratio. The run fails (exit 1) only when the harness breaks or an intentkey variant
 * executes an order twice.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BotInput } from './harness/ban-bot.js';
import { forkTs, harnessFile, stopChild } from './harness/child.js';
import { OUTAGE_FULL, OUTAGE_SMOKE, runOutageVariant, type OutageScale } from './harness/outage-run.js';
import {
  banTable,
  judgeProtectionTargets,
  outageTable,
  protectionTargetsTable,
  summariseBan,
  summariseOutage,
  type BanVariantResult,
  type BanVenueCounts,
  type BotResult,
  type OutageVariantResult,
} from './harness/protection-metrics.js';
import { BAN_VARIANTS, BAN_VENUE_LIMITS, OUTAGE_VARIANTS, type BanVariant } from './harness/protection-variants.js';
import { round } from './harness/stats.js';

// ---------------------------------------------------------------------------- options

const PARTS = ['outage', 'ban'] as const;
type ProtectionPart = (typeof PARTS)[number];

/** The shape of the ban run. */
interface BanScale {
  readonly bots: number;
  /** Orders each bot keeps in flight. */
  readonly concurrency: number;
  /** How long each bot starts new orders, ms. */
  readonly durationMs: number;
  /** How long a bot then waits for its running orders before cancelling them, ms. */
  readonly graceMs: number;
  /** Most orders one bot starts. */
  readonly maxOrders: number;
}

const BAN_FULL: BanScale = { bots: 10, concurrency: 4, durationMs: 6000, graceMs: 2000, maxOrders: 20_000 };
const BAN_SMOKE: BanScale = { bots: 3, concurrency: 3, durationMs: 1500, graceMs: 1000, maxOrders: 5000 };

const args = process.argv.slice(2);
const valueOf = (flag: string): string | undefined => {
  const i = args.findIndex((a) => a === flag || a.startsWith(`${flag}=`));
  if (i === -1) return undefined;
  const arg = args[i] as string;
  return arg.includes('=') ? arg.slice(arg.indexOf('=') + 1) : args[i + 1];
};
const isSmoke = args.includes('--smoke');
const onlyFlag = valueOf('--only');
const parts: ProtectionPart[] = onlyFlag === undefined ? [...PARTS] : (onlyFlag.split(',').map((s) => s.trim()) as ProtectionPart[]);
for (const p of parts) if (!(PARTS as readonly string[]).includes(p)) throw new Error(`--only: unknown part ${p} (parts: ${PARTS.join(', ')})`);
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const outFlag = valueOf('--out');
const outDir = outFlag ?? (isSmoke ? mkdtempSync(join(tmpdir(), 'intentkey-protection-')) : join(repoRoot, 'bench', 'results'));
const redisUrl = process.env['REDIS_URL'] !== undefined && process.env['REDIS_URL'] !== '' ? process.env['REDIS_URL'] : 'redis://127.0.0.1:6379';
const outageScale: OutageScale = isSmoke ? OUTAGE_SMOKE : OUTAGE_FULL;
const banScale: BanScale = isSmoke ? BAN_SMOKE : BAN_FULL;

const log = (line: string): void => console.log(line);
const load = (): number[] => loadavg().map((n) => round(n, 2));

// ---------------------------------------------------------------------------- part a

async function runOutage(): Promise<{ results: OutageVariantResult[]; repeatable?: boolean }> {
  const s = outageScale;
  log(`outage: ${s.clients} bots, one action each every ${s.actionEveryMs} ms from t = 0 to ${s.placeUntilMs / 1000} s, writes answered 503 from ${s.outage.startMs / 1000} s to ${s.outage.endMs / 1000} s (simulated time, seed ${s.seed})`);
  const results: OutageVariantResult[] = [];
  for (const variant of OUTAGE_VARIANTS) {
    const result = await runOutageVariant(variant, s);
    results.push(result);
    const m = result.metrics;
    if (m === undefined) log(`  ${variant.label.padEnd(30)} NOT MEASURED: ${result.notMeasured ?? '?'}`);
    else {
      const drain = m.drainMs === null ? `not drained (${m.unsettled} unsettled)` : `${(m.drainMs / 1000).toFixed(1)} s`;
      log(`  ${variant.label.padEnd(30)} ${m.requestsPerAction.toFixed(2).padStart(6)} requests/action in the outage, drain ${drain}, given up ${m.gaveUp}/${m.actions}, duplicates ${result.duplicates ?? '?'} (${(result.wallMs ?? 0).toFixed(0)} ms wall)`);
    }
  }
  if (!isSmoke) return { results };
  // The smoke run checks that the simulation is deterministic: intentkey again, same numbers.
  const intentkey = OUTAGE_VARIANTS.find((v) => v.id === 'intentkey');
  if (intentkey === undefined) return { results };
  const again = await runOutageVariant(intentkey, s);
  const first = results.find((r) => r.id === 'intentkey');
  const repeatable = JSON.stringify(first?.metrics) === JSON.stringify(again.metrics) && first?.duplicates === again.duplicates;
  log(`  intentkey run again: ${repeatable ? 'the same numbers' : 'DIFFERENT numbers (the simulation is not deterministic)'}`);
  return { results, repeatable };
}

// ---------------------------------------------------------------------------- part b

/** The next IPC message of `child` that `pick` accepts; rejects on exit, an `{ error }` message, or after `timeoutMs`. */
function nextMessage<T>(child: ChildProcess, what: string, pick: (m: Record<string, unknown>) => T | undefined, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const done = (fn: () => void): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      fn();
    };
    const onMessage = (m: Record<string, unknown>): void => {
      if (typeof m['error'] === 'string') {
        done(() => reject(new Error(`${what}: ${m['error'] as string}`)));
        return;
      }
      const value = pick(m);
      if (value !== undefined) done(() => resolve(value));
    };
    const onExit = (code: number | null): void => done(() => reject(new Error(`${what}: the process exited (code ${String(code)})`)));
    const timer = setTimeout(() => {
      done(() => reject(new Error(`${what}: no answer within ${timeoutMs} ms`)));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}


async function runBanVariant(variant: BanVariant, stamp: string): Promise<BanVariantResult> {
  const base = { id: variant.id, label: variant.label, ...(variant.targetNoBan === undefined ? {} : { targetNoBan: variant.targetNoBan }) };
  if (variant.pending !== undefined) return { ...base, notMeasured: variant.pending };
  const s = banScale;
  const server = forkTs(harnessFile('ban-venue.ts'));
  const bots: ChildProcess[] = [];
  try {
    server.send({ start: { mode: 'exchange', seed: 1, ...BAN_VENUE_LIMITS } });
    const port = await nextMessage(server, 'venue', (m) => (typeof m['port'] === 'number' ? m['port'] : undefined), 30_000);
    const url = `http://127.0.0.1:${port}`;
    const prefix = `intentkey-bench-protection:${stamp}:${variant.id}:`;
    for (let bot = 0; bot < s.bots; bot++) bots.push(forkTs(harnessFile('ban-bot.ts')));
    const ready = bots.map((child, bot) => {
      const input: BotInput = { bot, url, variant: variant.id, concurrency: s.concurrency, durationMs: s.durationMs, maxOrders: s.maxOrders, graceMs: s.graceMs, redisUrl, prefix, seed: 7000 + bot };
      const answer = nextMessage(child, `bot ${bot}`, (m) => (m['ready'] === true ? true : undefined), 90_000);
      child.send({ input });
      return answer;
    });
    await Promise.all(ready);
    // Every bot is built and connected: start them together.
    const results = bots.map((child, bot) => nextMessage(child, `bot ${bot}`, (m) => m['result'] as BotResult | undefined, s.durationMs + s.graceMs + 30_000));
    for (const child of bots) child.send({ go: true });
    const botResults = await Promise.all(results);
    const statsAnswer = nextMessage(server, 'venue', (m) => m['stats'] as BanVenueCounts | undefined, 10_000);
    server.send({ stats: true });
    const stats = await statsAnswer;
    const venue: BanVenueCounts = {
      requests: stats.requests,
      executions: stats.executions,
      duplicates: stats.duplicates,
      overWeightLimit: stats.overWeightLimit,
      refusedByBan: stats.refusedByBan,
      bansStarted: stats.bansStarted,
    };
    return { ...base, runMs: Math.max(...botResults.map((b) => b.elapsedMs)), bots: botResults, venue };
  } catch (error) {
    return { ...base, error: (error as Error).message.split('\n')[0] ?? 'failed' };
  } finally {
    await Promise.all([...bots.map(stopChild), stopChild(server)]);
  }
}

async function runBan(stamp: string): Promise<BanVariantResult[]> {
  const s = banScale;
  log(
    `ban: 1 venue process (weight limit ${BAN_VENUE_LIMITS.weightLimit.limit} per ${BAN_VENUE_LIMITS.weightLimit.windowMs} ms, ban of ${BAN_VENUE_LIMITS.banSeconds} s after ${BAN_VENUE_LIMITS.weightLimit.banAfter} refusals in a window), ` +
      `${s.bots} bot processes x ${s.concurrency} orders in flight for ${s.durationMs} ms (+${s.graceMs} ms grace), real time on 127.0.0.1`,
  );
  const results: BanVariantResult[] = [];
  for (const variant of BAN_VARIANTS) {
    const result = await runBanVariant(variant, stamp);
    results.push(result);
    if (result.notMeasured !== undefined) log(`  ${variant.label.padEnd(24)} NOT MEASURED: ${result.notMeasured}`);
    else if (result.error !== undefined) log(`  ${variant.label.padEnd(24)} FAILED: ${result.error}`);
    else {
      const placed = (result.bots ?? []).reduce((n, b) => n + b.placed, 0);
      log(
        `  ${variant.label.padEnd(24)} 429: ${result.venue?.overWeightLimit ?? '?'}, 418: ${result.venue?.refusedByBan ?? '?'}, bans started: ${result.venue?.bansStarted ?? '?'}, ` +
          `${placed} orders placed in ${((result.runMs ?? 0) / 1000).toFixed(1)} s, load ${load().join(' ')}`,
      );
    }
  }
  return results;
}

// ---------------------------------------------------------------------------- main

async function main(): Promise<void> {
  const startedAt = new Date();
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  log(`intentkey protection bench (${isSmoke ? 'smoke' : 'full'}): parts ${parts.join(', ')}; ${cpus().length} x ${cpus()[0]?.model ?? '?'}, Node ${process.version}, load ${load().join(' ')}`);
  const outage = parts.includes('outage') ? await runOutage() : undefined;
  const ban = parts.includes('ban') ? await runBan(stamp) : undefined;
  const outageRows = outage ? summariseOutage(outage.results) : [];
  const banRows = ban ? summariseBan(ban, 'no-limiter') : [];
  const targets = judgeProtectionTargets(outageRows, banRows);
  const finishedAt = new Date();

  const md: string[] = [`# intentkey protection bench, ${isSmoke ? 'smoke' : 'full'} run of ${startedAt.toISOString()}`, ''];
  if (outage) {
    const s = outageScale;
    md.push(
      `## Outage amplification (simulated time)`,
      '',
      `${s.clients} bots, each placing one order every ${s.actionEveryMs / 1000} s (without waiting for the previous one) from t = 0 to ${s.placeUntilMs / 1000} s, on one simulated Binance-like venue (binance-spot profile); ` +
        `every write from ${s.outage.startMs / 1000} s to ${s.outage.endMs / 1000} s is answered 503 -1001 and not executed, reads keep working. ` +
        `Requests per action: requests of any kind sent during the outage over orders placed during it. Drain: from the outage's end until every order placed before it has settled (succeeded or given up). ` +
        `Best peer: the retrying peer (axios-retry, p-retry) with the shortest drain among those that gave up no order (a peer that drops orders has not drained them). Seed ${s.seed}; the same run gives the same numbers.`,
      '',
      outageTable(outageRows),
      '',
    );
  }
  if (ban) {
    const s = banScale;
    md.push(
      `## Ban avoidance (real time, 127.0.0.1)`,
      '',
      `One fake venue process (weight limit ${BAN_VENUE_LIMITS.weightLimit.limit} requests per ${BAN_VENUE_LIMITS.weightLimit.windowMs} ms, a ${BAN_VENUE_LIMITS.banSeconds} s ban after ${BAN_VENUE_LIMITS.weightLimit.banAfter} refusals in one window); ` +
        `${s.bots} bot processes, each an intentkey client with ${s.concurrency} orders in flight for ${s.durationMs / 1000} s (running orders get ${s.graceMs / 1000} s more, then are cancelled: "abandoned"). ` +
        `429 and 418 are the venue's counts; orders/s is orders placed over the longest bot's run.`,
      '',
      banTable(banRows),
      '',
    );
  }
  md.push('## Targets', '', protectionTargetsTable(targets), '');
  const markdown = md.join('\n');

  const results = {
    schema: 1,
    mode: isSmoke ? 'smoke' : 'full',
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationS: round((finishedAt.getTime() - startedAt.getTime()) / 1000, 1),
    node: process.version,
    machine: { cpu: cpus()[0]?.model ?? 'unknown', cpuCount: cpus().length },
    outage: outage ? { scale: outageScale, repeatable: outage.repeatable, rows: outageRows } : undefined,
    ban: ban ? { scale: banScale, venue: BAN_VENUE_LIMITS, rows: banRows } : undefined,
    targets,
  };
  mkdirSync(outDir, { recursive: true });
  const jsonPath = join(outDir, `${stamp}-protection.json`);
  const mdPath = join(outDir, 'latest-protection.md');
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(mdPath, `${markdown}\n`);
  log('');
  log(markdown);
  log(`results: ${jsonPath} and ${mdPath}; ${results.durationS} s`);

  // Failures of the harness itself (not slowness), and duplicates by intentkey, fail the run.
  const problems: string[] = [];
  for (const r of outageRows) if (r.role === 'intentkey' && (r.duplicates ?? 0) > 0) problems.push(`${r.label} executed ${r.duplicates ?? '?'} order(s) twice`);
  for (const r of banRows) if (r.error !== undefined) problems.push(`ban run ${r.label} failed: ${r.error}`);
  if (outage?.repeatable === false) problems.push('the outage simulation gave different numbers on the same seed');
  if (isSmoke) {
    const written = JSON.parse(readFileSync(jsonPath, 'utf8')) as typeof results;
    const outageOk = !parts.includes('outage') || (written.outage?.rows.length === OUTAGE_VARIANTS.length && written.outage.rows.some((r) => r.metrics !== undefined));
    const banOk = !parts.includes('ban') || (written.ban?.rows.length === BAN_VARIANTS.length && written.ban.rows.some((r) => r.venue !== undefined));
    if (!outageOk || !banOk || !readFileSync(mdPath, 'utf8').includes('## Targets')) problems.push('the results file or the markdown is incomplete');
    if (outFlag === undefined) rmSync(outDir, { recursive: true, force: true });
    log(problems.length === 0 ? 'smoke: results file and markdown complete (temporary copies removed)' : 'smoke: FAILED');
  }
  if (problems.length > 0) {
    console.error(`protection bench: ${problems.join('; ')}`);
    process.exitCode = 1;
  }
}

await main();
