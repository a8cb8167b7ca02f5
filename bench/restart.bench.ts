/**
 * `npm run bench:restart`: how soon a restarted bot places new business.
 *
 * A file ledger is left as a crash would leave it: `--intents` intents recorded in
 * flight (default 1,000), of which `--unsettleable` (default 100) the venue cannot
 * settle (their lookups answer 503, so they back off and retry). Each run copies it,
 * starts a fresh Node process on the built package (bench/harness/restart-child.mjs),
 * which opens the ledger, starts recovery and places one new order; the time from
 * process start (and from the bot's first line) to that order's dispatch is recorded.
 *
 * `--startup background` (default) is the README's flow: `client.startRecovery()`,
 * then new calls at once. `--startup blocking` is `await client.recover()` first, for
 * comparison. Target: under 100 ms at the 99th percentile from process start, with
 * the background flow.
 *
 * Options: --runs <n> [30], --intents <n> [1000], --unsettleable <n> [100],
 * --startup background|blocking|both [both], --smoke (5 background runs, 2 blocking,
 * 200 intents), --timeout-s <n> per run [180], --dist <path to a built index.js> [this
 * checkout's dist, built first].
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { FileLedger } from '../src/index.js';
import { readArgs } from '../scripts/cli-args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHILD = fileURLToPath(new URL('./harness/restart-child.mjs', import.meta.url));
const DEFAULT_DIST = join(ROOT, 'dist', 'index.js');

interface RunResult {
  readonly fromProcessStartMs: number;
  readonly fromBotStartMs: number;
  readonly moduleLoadMs: number;
  readonly ledgerOpenMs: number;
  /** From the ledger being open to the first new send: recovery start, the call's writes, dispatch. */
  readonly fromLedgerOpenedMs: number;
  readonly recoverMs?: number;
}

function usage(message: string): never {
  console.error(`bench:restart: ${message}\nusage: npm run bench:restart -- [--runs 30] [--intents 1000] [--unsettleable 100] [--startup both|background|blocking] [--smoke] [--timeout-s 180]`);
  process.exit(2);
}

const args = readArgs(process.argv.slice(2), { values: ['runs', 'intents', 'unsettleable', 'startup', 'timeout-s', 'dist'], flags: ['smoke'] }, usage);
/** Another build to measure (e.g. an older commit's dist/index.js), for before/after figures. */
const DIST = args.get('dist') ?? DEFAULT_DIST;
const smoke = args.flag('smoke');
const runs = args.int('runs', smoke ? 5 : 30, 1);
const intents = args.int('intents', smoke ? 200 : 1000, 1);
const unsettleable = args.int('unsettleable', smoke ? 20 : 100, 0);
const timeoutMs = args.int('timeout-s', 180, 1) * 1000;
const startup = args.get('startup') ?? 'both';
if (!['both', 'background', 'blocking'].includes(startup)) usage('--startup must be both, background or blocking');
if (unsettleable > intents) usage('--unsettleable cannot exceed --intents');

/** Keys the venue cannot settle: their lookups answer 503. */
const stuck = new Set<string>();

/** A Binance-like venue: orders fill at once; lookups find every order but the stuck ones. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const json = (status: number, body: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.method === 'POST') return json(200, { orderId: 1, status: 'FILLED', clientOrderId: url.searchParams.get('newClientOrderId') });
    const key = url.searchParams.get('origClientOrderId') ?? '';
    if (stuck.has(key)) return json(503, { code: -1001, msg: 'Internal error; unable to process your request.' });
    return json(200, { orderId: 1, status: 'FILLED', clientOrderId: key });
  });
}

/** The ledger a crash leaves: every intent recorded in flight, none answered. */
async function buildTemplate(dir: string): Promise<void> {
  const ledger = await FileLedger.open({ dir });
  const now = Date.now() - 60_000;
  for (let i = 0; i < intents; i++) {
    const id = `crash-${i}`;
    const key = `K${String(i).padStart(8, '0')}`;
    if (i < unsettleable) stuck.add(key);
    await ledger.create(
      { id, scope: 'default', operation: 'order.create', businessId: id, venue: 'binance-bench', key, venueKey: key, fingerprint: '0'.repeat(64), input: { id }, createdAt: now + i },
      now + i,
    );
    await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: now + i });
  }
  await ledger.close();
}

function runOnce(dir: string, url: string, mode: 'background' | 'blocking'): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, pathToFileURL(DIST).href, dir, url, mode], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`restart child exited with ${String(code)} (${mode}); a run is bounded by --timeout-s`));
      resolve(JSON.parse(out.trim()) as RunResult);
    });
  });
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main(): Promise<void> {
  if (DIST === DEFAULT_DIST) {
    console.log('building the package (npm run build)');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'inherit' });
  }
  const work = mkdtempSync(join(tmpdir(), 'intentkey-restart-'));
  const template = join(work, 'template');
  const server = createServer(handle);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await buildTemplate(template);
    console.log(`ledger: ${intents} intents in flight, ${unsettleable} of them unsettleable; ${runs} run(s) per flow`);
    const modes: Array<'background' | 'blocking'> = startup === 'both' ? ['background', 'blocking'] : [startup as 'background' | 'blocking'];
    const rows: string[] = [];
    let met = true;
    for (const mode of modes) {
      const n = mode === 'blocking' ? Math.max(1, Math.min(runs, smoke ? 2 : 3)) : runs;
      const results: RunResult[] = [];
      for (let i = 0; i < n; i++) {
        const dir = join(work, `run-${mode}-${i}`);
        cpSync(template, dir, { recursive: true });
        results.push(await runOnce(dir, url, mode));
        rmSync(dir, { recursive: true, force: true });
      }
      const sorted = (pick: (r: RunResult) => number): number[] => results.map(pick).sort((a, b) => a - b);
      const fromStart = sorted((r) => r.fromProcessStartMs);
      const fromOpened = sorted((r) => r.fromLedgerOpenedMs);
      const open = sorted((r) => r.ledgerOpenMs);
      const load = sorted((r) => r.moduleLoadMs);
      const boot = sorted((r) => r.fromProcessStartMs - r.fromBotStartMs);
      const f = (v: number): string => v.toFixed(1);
      rows.push(
        `| ${mode} | ${n} | ${f(percentile(fromStart, 50))} | ${f(percentile(fromStart, 99))} | ${f(fromStart.at(-1) ?? NaN)} | ${f(percentile(boot, 50))} | ${f(percentile(load, 50))} | ${f(percentile(open, 50))} / ${f(percentile(open, 99))} | ${f(percentile(fromOpened, 50))} / ${f(percentile(fromOpened, 99))} |`,
      );
      if (mode === 'background' && !(percentile(fromStart, 99) < 100)) met = false;
    }
    console.log('\n| startup | runs | process start to first new send, p50 (ms) | p99 | max | of which: Node boot p50 | module load (axios, zod, intentkey) p50 | ledger open p50 / p99 | ledger open to first new send p50 / p99 |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const row of rows) console.log(row);
    if (modes.includes('background')) {
      console.log(`\ntarget (background, p99 from process start < 100 ms): ${met ? 'met' : 'NOT met'}`);
      console.log(`intentkey's share (ledger open + open to first send), background: see the last two columns`);
    }
  } finally {
    server.close();
    rmSync(work, { recursive: true, force: true });
  }
}

await main();
