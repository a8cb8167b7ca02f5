/**
 * `intentkey ledger ...` over real file ledgers: the built bin for the main paths, the
 * in-process runner for the rest; a damaged ledger; and a ledger held by a running bot
 * in another process (reads work, writes are refused, its files are left unchanged).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { attentionItems, formatAge, parseAge } from '../../src/cli/commands/ledger.js';
import { redactText, redactUrl } from '../../src/cli/ledger-source.js';
import { FileLedger } from '../../src/stores/file/file-ledger.js';
import type { IntentRecord, IntentStatus, StoredOutcome } from '../../src/ledger/intent.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import { killAndWait } from '../helpers/processes.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';

const H = 3_600_000;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

let root: string;
let dir: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'intentkey-cli-ledger-'));
  dir = join(root, '.intentkey');
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

async function move(store: LedgerStore, id: string, to: IntentStatus, at: number, outcome?: StoredOutcome): Promise<void> {
  const rec = (await store.get(id)) as IntentRecord;
  const c = await store.claim(id, { owner: 'seed', leaseMs: 1000, now: at });
  await store.transition(id, { expectStatus: rec.status, expectEpoch: c.record.epoch, to, ...(to === 'inFlight' ? { attempt: rec.attempt + 1 } : {}), ...(outcome ? { outcome } : {}), now: at });
  await store.release(id, 'seed', c.record.epoch);
}

/**
 * Intents in every view, made through the ledger API: p1 pending, p2 pending past its key
 * window, f1 left in flight, s1 succeeded, x1 failed, u1 unknown, k1 parked (two attempts).
 */
async function seed(store: LedgerStore, now: number): Promise<void> {
  const mk = (id: string, operation: string, scope: string, createdAt: number, extra: { expiresAt?: number } = {}) =>
    store.create({ id, scope, operation, businessId: `biz-${id}`, venue: 'scripted', key: `key-${id}`, venueKey: `vk${id}`, fingerprint: 'f'.repeat(64), input: { symbol: 'BTCUSDT', id }, createdAt, ...extra }, createdAt);
  const inFlight = (c: string): StoredOutcome => ({ kind: 'inFlight', reason: 'attempt in flight', correlationId: c });
  await mk('p1', 'order.create', 'acct-1', now - 1 * H);
  await mk('p2', 'order.create', 'acct-2', now - 2 * H, { expiresAt: now - 5 * 60_000 });
  await mk('f1', 'payment.charge', 'acct-1', now - 3 * H);
  await move(store, 'f1', 'inFlight', now - 3 * H, inFlight('corr-f1-1'));
  await mk('s1', 'order.create', 'acct-1', now - 4 * H);
  await move(store, 's1', 'inFlight', now - 4 * H, inFlight('corr-s1-1'));
  await move(store, 's1', 'succeeded', now - 4 * H + 1000, { kind: 'success', reason: 'HTTP 200', httpStatus: 200, result: { orderId: 77 }, correlationId: 'corr-s1-1' });
  await mk('x1', 'payment.charge', 'acct-2', now - 5 * H);
  await move(store, 'x1', 'inFlight', now - 5 * H, inFlight('corr-x1-1'));
  await move(store, 'x1', 'failed', now - 5 * H + 1000, { kind: 'fatal', reason: 'HTTP 400', httpStatus: 400, correlationId: 'corr-x1-1' });
  await mk('u1', 'order.create', 'acct-2', now - 6 * H, { expiresAt: now + 24 * H });
  await move(store, 'u1', 'inFlight', now - 6 * H, inFlight('corr-u1-1'));
  await move(store, 'u1', 'unknown', now - 6 * H + 1000, { kind: 'unknown', reason: 'socket reset after write', correlationId: 'corr-u1-1' });
  await mk('k1', 'order.create', 'acct-1', now - 7 * H);
  await move(store, 'k1', 'inFlight', now - 7 * H, inFlight('corr-k1-1'));
  await move(store, 'k1', 'unknown', now - 7 * H + 1000, { kind: 'unknown', reason: 'HTTP 500', httpStatus: 500, correlationId: 'corr-k1-1' });
  await move(store, 'k1', 'inFlight', now - 7 * H + 2000, inFlight('corr-k1-2'));
  await move(store, 'k1', 'unknown', now - 7 * H + 3000, {
    kind: 'unknown',
    reason: 'timeout after write',
    correlationId: 'corr-k1-2',
    parked: { at: now - 7 * H + 3000, nextCheckAt: now + 60_000, count: 1, reason: 'lookups spent; still unknown' },
  });
}

async function seedFile(now: number): Promise<void> {
  const ledger = await FileLedger.open({ dir });
  await seed(ledger, now);
  await ledger.close();
}

function hashFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) out[name] = createHash('sha256').update(readFileSync(join(dir, name))).digest('hex');
  return out;
}

const ENV = { USER: 'tester' };

describe('intentkey ledger (built bin, file ledger)', () => {
  it('ls --json lists every status, parked included, newest first; the default dir is ./.intentkey', async () => {
    const now = Date.now();
    await seedFile(now);
    const run = await runBuiltCli(['ledger', 'ls', '--json'], { cwd: root, env: ENV });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { total: number; intents: Array<{ id: string; status: string }> };
    expect(out.total).toBe(7);
    expect(out.intents.map((i) => [i.id, i.status])).toEqual([
      ['p1', 'pending'],
      ['p2', 'pending'],
      ['f1', 'inFlight'],
      ['s1', 'succeeded'],
      ['x1', 'failed'],
      ['u1', 'unknown'],
      ['k1', 'parked'],
    ]);
  });

  it('show prints every stored version with its correlation id; stats counts; attention exits 3; verify exits 0', async () => {
    const now = Date.now();
    await seedFile(now);
    const show = await runBuiltCli(['ledger', 'show', 'k1', '--dir', dir, '--json'], { env: ENV });
    expect(show.code).toBe(0);
    const shown = JSON.parse(show.stdout) as { record: IntentRecord; history: Array<{ status: string; attempt: number; correlationId?: string; file: string }> };
    expect(shown.record.outcome?.parked?.count).toBe(1);
    expect(shown.history.map((h) => [h.status, h.attempt, h.correlationId ?? null])).toEqual([
      ['pending', 0, null],
      ['inFlight', 1, 'corr-k1-1'],
      ['unknown', 1, 'corr-k1-1'],
      ['inFlight', 2, 'corr-k1-2'],
      ['parked', 2, 'corr-k1-2'],
    ]);
    const text = await runBuiltCli(['ledger', 'show', 'k1', '--dir', dir], { env: ENV });
    expect(text.stdout).toMatch(/correlation id\s+corr-k1-2/);
    expect(text.stdout).toMatch(/CORRELATION ID/);

    const stats = await runBuiltCli(['ledger', 'stats', '--dir', dir, '--json'], { env: ENV });
    expect(stats.code).toBe(0);
    const s = JSON.parse(stats.stdout) as { byStatus: Record<string, number>; byOperation: Record<string, Record<string, number>>; oldestUnfinished: { id: string }; size: { bytes: number } };
    expect(s.byStatus).toEqual({ pending: 2, inFlight: 1, succeeded: 1, failed: 1, unknown: 1, parked: 1 });
    expect(s.byOperation['payment.charge']).toMatchObject({ inFlight: 1, failed: 1, pending: 0 });
    expect(s.oldestUnfinished.id).toBe('k1');
    expect(s.size.bytes).toBe(statSync(join(dir, 'log-00000000.ikl')).size);

    const attention = await runBuiltCli(['ledger', 'attention', '--dir', dir, '--json'], { env: ENV });
    expect(attention.code).toBe(3);
    const a = JSON.parse(attention.stdout) as { intents: Array<{ id: string; why: string }> };
    expect(a.intents.map((i) => i.id)).toEqual(['k1', 'u1', 'f1', 'p2']);

    const verify = await runBuiltCli(['ledger', 'verify', '--dir', dir], { env: ENV });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^OK: file ledger/);
  });

  it('verify on a ledger damaged mid-log reports the file and byte offset, exits 3, and leaves the files byte-identical', async () => {
    const now = Date.now();
    await seedFile(now);
    const ok = JSON.parse((await runBuiltCli(['ledger', 'show', 'u1', '--dir', dir, '--json'], { env: ENV })).stdout) as { history: Array<{ offset: number }> };
    const target = (ok.history[1] as { offset: number }).offset;
    const logPath = join(dir, 'log-00000000.ikl');
    const bytes = readFileSync(logPath);
    bytes[target + 40] = (bytes[target + 40] as number) ^ 0xff;
    writeFileSync(logPath, bytes);
    const before = hashFiles();
    const run = await runBuiltCli(['ledger', 'verify', '--dir', dir, '--json'], { env: ENV });
    expect(run.code).toBe(3);
    const out = JSON.parse(run.stdout) as { ok: boolean; findings: Array<{ severity: string; file: string; offset: number; problem: string }> };
    expect(out.ok).toBe(false);
    expect(out.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: 'log-00000000.ikl', offset: target }));
    expect(hashFiles()).toEqual(before);
    const text = await runBuiltCli(['ledger', 'verify', '--dir', dir], { env: ENV });
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`log-00000000.ikl  ${String(target).padStart(6)}`);
    // Reading commands still work on what precedes the damage, and say so on stderr.
    const ls = await runBuiltCli(['ledger', 'ls', '--dir', dir], { env: ENV });
    expect(ls.code).toBe(0);
    expect(ls.stderr).toMatch(/damaged.*intentkey ledger verify/);
    expect(hashFiles()).toEqual(before);
  });

  it('resolve --not-executed through the built bin: pending again, audit fields kept, next step printed', async () => {
    const now = Date.now();
    await seedFile(now);
    const run = await runBuiltCli(['ledger', 'resolve', 'u1', '--not-executed', '--reason', 'not in the order history', '--dir', dir], { env: ENV });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/unknown -> pending/);
    expect(run.stdout).toMatch(/sends it again with the same key \(vku1\), only while the key window lasts/);
    const ledger = await FileLedger.open({ dir });
    const record = (await ledger.get('u1')) as IntentRecord;
    await ledger.close();
    expect(record.status).toBe('pending');
    expect(record.outcome?.resolution).toMatchObject({ verdict: 'notExecuted', by: 'tester', reason: 'not in the order history', previous: { status: 'unknown', reason: 'socket reset after write' } });
  });
});

describe('intentkey ledger (in-process, file ledger)', () => {
  const NOW = Date.UTC(2025, 5, 1, 12);
  const run = (args: string[], env: Record<string, string> = ENV) =>
    runCliInProcess(['ledger', ...args, ...(args.some((a) => ['--dir', '--postgres', '--redis'].includes(a)) ? [] : ['--dir', dir])], { now: NOW, env, cwd: root });

  it('ls filters by status (parked apart from unknown), operation, scope and age', async () => {
    await seedFile(NOW);
    const ids = async (args: string[]) => (JSON.parse((await run(['ls', '--json', ...args])).stdout) as { intents: Array<{ id: string }> }).intents.map((i) => i.id);
    expect(await ids(['--status', 'parked'])).toEqual(['k1']);
    expect(await ids(['--status', 'unknown'])).toEqual(['u1']);
    expect(await ids(['--status', 'unknown,parked'])).toEqual(['u1', 'k1']);
    expect(await ids(['--operation', 'payment.charge'])).toEqual(['f1', 'x1']);
    expect(await ids(['--scope', 'acct-2'])).toEqual(['p2', 'x1', 'u1']);
    expect(await ids(['--older-than', '5h'])).toEqual(['x1', 'u1', 'k1']);
    expect(await ids(['--older-than', '5h', '--scope', 'acct-1'])).toEqual(['k1']);
  });

  it('ls pages: by number, and by cursor (stable when a newer intent arrives between pages)', async () => {
    await seedFile(NOW);
    const page = async (args: string[]) => JSON.parse((await run(['ls', '--json', '--limit', '3', ...args])).stdout) as { intents: Array<{ id: string }>; nextCursor?: string; pages?: number };
    const p2 = await page(['--page', '2']);
    expect(p2.intents.map((i) => i.id)).toEqual(['s1', 'x1', 'u1']);
    expect(p2.pages).toBe(3);
    const first = await page([]);
    expect(first.intents.map((i) => i.id)).toEqual(['p1', 'p2', 'f1']);
    const ledger = await FileLedger.open({ dir });
    await ledger.create({ id: 'new', scope: 'acct-1', operation: 'order.create', venue: 'v', key: 'k', venueKey: 'vk', fingerprint: 'f', input: null, createdAt: NOW }, NOW);
    await ledger.close();
    const next = await page(['--cursor', first.nextCursor as string]);
    expect(next.intents.map((i) => i.id)).toEqual(['s1', 'x1', 'u1']);
    const last = await page(['--cursor', next.nextCursor as string]);
    expect(last.intents.map((i) => i.id)).toEqual(['k1']);
    expect(last.nextCursor).toBeUndefined();
  });

  it('text output: a table with ISO times and ages; no colour when not a terminal', async () => {
    await seedFile(NOW);
    const out = await run(['ls', '--status', 'parked']);
    expect(out.stdout).toMatch(/^ID\s+STATUS\s+OPERATION/);
    expect(out.stdout).toContain(new Date(NOW - 7 * H).toISOString());
    expect(out.stdout).toMatch(/\b7h\b/);
    expect(out.stdout).not.toContain('\u001b[');
  });

  it.each([
    [['ls', '--status', 'lost'], /--status: expected one or more of pending, inFlight, succeeded, failed, unknown, parked/],
    [['ls', '--older-than', '10 minutes'], /--older-than: expected an age like 90s/],
    [['ls', '--limit', '0'], /--limit: expected a whole number from 1 to 1000, received "0"/],
    [['ls', '--page', '2', '--cursor', 'abc'], /--page, --cursor: expected one of them, received both/],
    [['ls', '--cursor', 'garbage'], /--cursor: expected a cursor/],
    [['ls', '--table', 'x'], /--table: expected together with --postgres/],
    [['ls', '--postgres', 'postgres://h/db', '--redis', 'redis://h'], /expected one ledger, received more than one/],
    [['ls', '--postgres'], /--postgres: expected a URL .*INTENTKEY_POSTGRES_URL is unset/],
    [['resolve', 'u1'], /--executed, --not-executed: expected exactly one, received neither/],
    [['resolve', 'u1', '--executed', '--not-executed', '--reason', 'r'], /received both/],
    [['resolve', 'u1', '--not-executed'], /--reason: expected what was checked/],
    [['resolve', 'u1', '--executed', '--result', '{bad'], /--result: expected JSON/],
    [['resolve', 'u1', '--not-executed', '--reason', 'r', '--result', '1'], /--result: expected only with --executed/],
    [['compact', '--retention', 'forever'], /--retention: expected an age/],
  ])('bad usage %j exits 2 with the option named', async (args, message) => {
    await seedFile(NOW);
    const before = hashFiles();
    const out = await run(args);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(message);
    expect(hashFiles()).toEqual(before);
  });

  it('resolve without --by and without USER/USERNAME is bad usage; USERNAME is used when USER is unset', async () => {
    await seedFile(NOW);
    const none = await run(['resolve', 'u1', '--executed'], {});
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--by: expected who decides/);
    const windows = await run(['resolve', 'u1', '--executed', '--json'], { USERNAME: 'win-user' });
    expect(windows.code).toBe(0);
    expect((JSON.parse(windows.stdout) as { resolution: { by: string } }).resolution.by).toBe('win-user');
  });

  it('resolve --executed settles it as succeeded with the result and the audit trail; later calls get the result', async () => {
    await seedFile(NOW);
    const out = await run(['resolve', 'k1', '--executed', '--result', '{"orderId":"8123"}', '--reason', 'in the order history', '--by', 'alice', '--json']);
    expect(out.code).toBe(0);
    const body = JSON.parse(out.stdout) as { before: { status: string }; after: { status: string }; record: IntentRecord; next: string };
    expect(body.before.status).toBe('parked');
    expect(body.after.status).toBe('succeeded');
    expect(body.next).toMatch(/return the stored result/);
    const ledger = await FileLedger.open({ dir });
    const record = (await ledger.get('k1')) as IntentRecord;
    await ledger.close();
    expect(record.status).toBe('succeeded');
    expect(record.outcome?.result).toEqual({ orderId: '8123' });
    expect(record.outcome?.resolution).toEqual({ verdict: 'executed', by: 'alice', at: NOW, reason: 'in the order history', previous: { status: 'unknown', reason: 'timeout after write' } });
    // The stored version shows up in the history too.
    const show = JSON.parse((await run(['show', 'k1', '--json'])).stdout) as { history: Array<{ status: string }> };
    expect(show.history.map((h) => h.status).slice(-2)).toEqual(['parked', 'succeeded']);
  });

  it('resolve: a missing intent exits 5, a pending or final one exits 3 with the reason, and nothing changes', async () => {
    await seedFile(NOW);
    const before = hashFiles();
    const missing = await run(['resolve', 'nope', '--executed']);
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/intent "nope" is not in the file ledger/);
    const pending = await run(['resolve', 'p1', '--executed']);
    expect(pending.code).toBe(3);
    expect(pending.stderr).toMatch(/p1 is pending: it was never sent/);
    const final = await run(['resolve', 's1', '--not-executed', '--reason', 'r']);
    expect(final.code).toBe(3);
    expect(final.stderr).toMatch(/s1 is succeeded: it is final/);
    // Only the epoch records of the two refused opens were appended; no intent changed.
    const ledger = await FileLedger.open({ dir });
    expect((await ledger.get('s1'))?.status).toBe('succeeded');
    expect((await ledger.get('p1'))?.status).toBe('pending');
    await ledger.close();
    expect(Object.keys(hashFiles())).toEqual(Object.keys(before));
  });

  it('a directory without a ledger: reads and writes exit 4 and nothing is created', async () => {
    const empty = join(root, 'none');
    for (const args of [['ls'], ['resolve', 'u1', '--executed'], ['compact']]) {
      const out = await run([...args, '--dir', empty]);
      expect(out.code).toBe(4);
      expect(out.stderr).toMatch(/no file ledger in .*none/);
    }
    expect(existsSync(empty)).toBe(false);
    const hinted = await run(['ls', '--dir', empty], { INTENTKEY_REDIS_URL: 'redis://127.0.0.1:1' });
    expect(hinted.stderr).toMatch(/INTENTKEY_REDIS_URL is set: add --redis/);
  });

  it('export: every record as JSON Lines as stored, to stdout or a new file (never overwritten)', async () => {
    await seedFile(NOW);
    const out = await run(['export']);
    const lines = out.stdout.trim().split('\n').map((l) => JSON.parse(l) as IntentRecord);
    expect(lines.map((r) => r.id)).toEqual(['k1', 'u1', 'x1', 's1', 'f1', 'p2', 'p1']);
    expect(lines.find((r) => r.id === 's1')?.input).toEqual({ symbol: 'BTCUSDT', id: 's1' });
    const file = join(root, 'out.jsonl');
    const written = await run(['export', '--out', file, '--json']);
    expect(JSON.parse(written.stdout)).toMatchObject({ records: 7 });
    expect(readFileSync(file, 'utf8')).toBe(out.stdout);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = await run(['export', '--out', file]);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/exists \(not overwritten\)/);
  });

  it('compact: a new generation with every intent kept (within retention) and finished ones past it dropped', async () => {
    await seedFile(NOW);
    const before = await runCliInProcess(['ledger', 'export', '--dir', dir], { now: NOW });
    const kept = await run(['compact', '--json']);
    expect(kept.code).toBe(0);
    expect(JSON.parse(kept.stdout)).toMatchObject({ compacted: { generation: 1, liveIntents: 7, droppedIntents: 0 } });
    expect(readdirSync(dir).filter((f) => f.endsWith('.ikl')).sort()).toEqual(['log-00000001.ikl', 'snapshot-00000001.ikl']);
    expect((await run(['export'])).stdout).toBe(before.stdout);
    // s1 and x1 finished about 4-5 h before NOW: a 1 h retention drops exactly them.
    const dropped = await run(['compact', '--retention', '1h', '--json']);
    expect(JSON.parse(dropped.stdout)).toMatchObject({ compacted: { generation: 2, liveIntents: 5, droppedIntents: 2 } });
    expect((await run(['verify'])).code).toBe(0);
  });

  it('compact refuses a fleet ledger (usage)', async () => {
    const out = await run(['compact', '--postgres', 'postgres://u:pw@127.0.0.1:1/db']);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/compact is for file ledgers/);
    expect(out.stderr).not.toContain('pw');
  });
});

describe('a file ledger held by a running bot in another process', () => {
  let bot: ChildProcess | undefined;
  afterEach(async () => {
    if (bot && bot.exitCode === null && bot.signalCode === null) await killAndWait([bot]);
    bot = undefined;
  });

  /** A child that opens the ledger (taking its lock), says so, and closes it when stdin ends (or after 60 s by itself). */
  async function startBot(): Promise<ChildProcess> {
    const source = `
      const { FileLedger } = await import(process.env.LEDGER_MODULE);
      const ledger = await FileLedger.open({ dir: process.env.LEDGER_DIR });
      const stop = async () => { await ledger.close(); process.exit(0); };
      setTimeout(stop, 60000);
      process.stdin.on('end', stop);
      process.stdin.resume();
      process.stdout.write('ready\\n');
    `;
    // The built package (made by the test setup with the bin): plain node, no transpiler.
    // A script file, not -e: the ledger's writer thread would inherit --input-type.
    const script = join(root, 'bot.mjs');
    writeFileSync(script, source);
    const child = spawn(process.execPath, [script], {
      cwd: repoRoot,
      env: { ...process.env, LEDGER_MODULE: pathToFileURL(join(repoRoot, 'dist', 'index.js')).href, LEDGER_DIR: dir },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    await Promise.race([
      once(lines, 'line'),
      once(child, 'exit').then(([code]) => {
        throw new Error(`bot exited with ${String(code)} before opening the ledger`);
      }),
    ]);
    lines.close();
    return child;
  }

  it('ls, show and stats work; resolve and compact exit 4 saying the bot must be stopped; the bot files are unchanged', async () => {
    const now = Date.now();
    await seedFile(now);
    bot = await startBot();
    const before = hashFiles();
    expect(Object.keys(before)).toContain('ledger.lock');

    const ls = await runBuiltCli(['ledger', 'ls', '--dir', dir, '--json'], { env: ENV });
    expect(ls.code).toBe(0);
    expect((JSON.parse(ls.stdout) as { total: number }).total).toBe(7);
    const show = await runBuiltCli(['ledger', 'show', 'u1', '--dir', dir], { env: ENV });
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('socket reset after write');
    const stats = await runBuiltCli(['ledger', 'stats', '--dir', dir, '--json'], { env: ENV });
    expect(stats.code).toBe(0);
    expect((JSON.parse(stats.stdout) as { size: { lock: { pid: number; running: boolean } } }).size.lock).toMatchObject({ pid: bot.pid, running: true });

    const resolve = await runBuiltCli(['ledger', 'resolve', 'u1', '--executed', '--dir', dir], { env: ENV });
    expect(resolve.code).toBe(4);
    expect(resolve.stderr).toMatch(/cannot write a verdict while the bot runs: .*locked by process \d+.*Stop the bot first/);
    const compact = await runBuiltCli(['ledger', 'compact', '--dir', dir], { env: ENV });
    expect(compact.code).toBe(4);
    expect(compact.stderr).toMatch(/cannot compact the ledger while the bot runs/);
    expect(hashFiles()).toEqual(before);

    // Negative control: once the bot has stopped, the same verdict goes through.
    bot.stdin?.end();
    await once(bot, 'exit');
    const after = await runBuiltCli(['ledger', 'resolve', 'u1', '--executed', '--dir', dir], { env: ENV });
    expect(after.code).toBe(0);
  });
});

describe('helpers', () => {
  it.each([
    ['90s', 90_000],
    ['10m', 600_000],
    ['2h', 7_200_000],
    ['3d', 259_200_000],
    ['1w', 604_800_000],
  ])('parseAge(%s)', (text, ms) => {
    expect(parseAge(text, '--x')).toBe(ms);
  });
  it.each(['', '10', 'm', '-1h', '1.5h', '10 m', '2y'])('parseAge refuses %j', (text) => {
    expect(() => parseAge(text, '--older-than')).toThrow(/--older-than: expected an age/);
  });
  it.each([
    [0, '0s'],
    [59_999, '59s'],
    [60_000, '1m'],
    [3_600_000, '1h'],
    [3_660_000, '1h 1m'],
    [86_400_000 * 2 + 3_600_000 * 4, '2d 4h'],
    [-5, '0s'],
  ])('formatAge(%d) = %s', (ms, text) => {
    expect(formatAge(ms)).toBe(text);
  });
  it.each([
    ['postgres://app:s3cr%40t@db:5432/prod', 'postgres://app:***@db:5432/prod'],
    ['redis://:pw@cache:6379', 'redis://:***@cache:6379'],
    ['redis://cache:6379', 'redis://cache:6379'],
    ['not a url', '<not a URL>'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
  it('redactText removes the password as written and decoded', () => {
    const url = 'postgres://app:s3cr%40t@db/prod';
    expect(redactText(`failed for ${url}: password s3cr@t / s3cr%40t rejected`, url)).toBe('failed for postgres://app:***@db/prod: password *** / *** rejected');
  });
  it('attentionItems: stale in-flight only past the threshold, pending only past its window', () => {
    const base = { id: 'a', scope: 's', operation: 'o', venue: 'v', key: 'k', venueKey: 'vk', fingerprint: 'f', input: null, attempt: 1, epoch: 1, createdAt: 0 } as const;
    const now = 10 * H;
    const items = attentionItems(
      [
        { ...base, id: 'fresh', status: 'inFlight', updatedAt: now - 60_000 },
        { ...base, id: 'stale', status: 'inFlight', updatedAt: now - 20 * 60_000 },
        { ...base, id: 'leased', status: 'inFlight', updatedAt: now - H, leaseOwner: 'w', leaseExpiresAt: now + 60_000 },
        { ...base, id: 'open', status: 'pending', attempt: 0, updatedAt: 0, expiresAt: now + 1 },
        { ...base, id: 'late', status: 'pending', attempt: 0, updatedAt: 0, expiresAt: now - 1 },
        { ...base, id: 'done', status: 'succeeded', updatedAt: 0, outcome: { kind: 'success', reason: 'ok' } },
      ],
      now,
      10 * 60_000,
    );
    expect(items.map((i) => i.record.id)).toEqual(['stale', 'late']);
  });
});
