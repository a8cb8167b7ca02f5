import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerObservation } from '../../../../src/client/types.js';
import type { IntentDraft } from '../../../../src/index.js';
import { FileLedger, type FileLedgerOptions } from '../../../../src/stores/file/file-ledger.js';
import { InThreadLedgerIo, type LedgerIo } from '../../../../src/stores/file/io.js';

const dirs: string[] = [];
const ledgers: FileLedger[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'intentkey-observe-'));
  dirs.push(d);
  return join(d, 'ledger');
}
async function open(options: FileLedgerOptions): Promise<FileLedger> {
  const l = await FileLedger.open(options);
  ledgers.push(l);
  return l;
}
afterEach(async () => {
  for (const l of ledgers.splice(0)) await l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const draft = (id: string): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  businessId: id,
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: 'f'.repeat(64),
  input: { qty: '1' },
  createdAt: 1000,
});

const logSize = (dir: string): number => statSync(join(dir, readdirSync(dir).filter((f) => /^log-\d+\.ikl$/.test(f)).sort().at(-1) as string)).size;

/** An in-thread io whose appends wait until the test opens the gate, counting them. */
function gatedIo(): { io: LedgerIo; appends: Buffer[]; release: () => void; waiting: () => number } {
  const inner = new InThreadLedgerIo();
  const appends: Buffer[] = [];
  let gates: Array<() => void> = [];
  let open = true;
  const io: LedgerIo = {
    ensureDir: (d) => inner.ensureDir(d),
    list: (d) => inner.list(d),
    read: (p) => inner.read(p),
    writeDurable: (p, b) => inner.writeDurable(p, b),
    openAppend: (p, f) => inner.openAppend(p, f),
    append: async (b) => {
      if (!open) await new Promise<void>((r) => gates.push(r));
      appends.push(Buffer.from(b));
      return inner.append(b);
    },
    truncate: (p, n) => inner.truncate(p, n),
    copy: (a, b) => inner.copy(a, b),
    remove: (p) => inner.remove(p),
    close: () => inner.close(),
  };
  return {
    io,
    appends,
    release: () => {
      open = false;
      const g = gates;
      gates = [];
      for (const r of g) r();
    },
    waiting: () => gates.length,
  };
}

/** Resolves once `check()` is true, polling on microtasks and immediates (no timers). */
async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 10_000 && !check(); i++) await new Promise((r) => setImmediate(r));
  expect(check()).toBe(true);
}

describe('FileLedger.observe', () => {
  it('reports each group commit: records, bytes, latency from the first queued write on the ledger clock, and the writes still queued', async () => {
    const dir = tempDir();
    let now = 1_000;
    const gate = gatedIo();
    const l = await open({ dir, io: gate.io, clock: { now: () => now } });
    const seen: LedgerObservation[] = [];
    l.observe((o) => seen.push(o));
    const before = logSize(dir);
    gate.appends.length = 0; // the epoch record written at open
    gate.release(); // appends from now on wait for the test

    const a = l.create(draft('a'), 1000); // queued at 1000, taken alone
    await until(() => gate.waiting() === 1);
    now = 1_010;
    const b = l.create(draft('b'), 1000); // queued at 1010 while a's batch is being written
    now = 1_020;
    const c = l.create(draft('c'), 1000);
    now = 1_035;
    gate.release(); // a's append ends at 1035
    await until(() => gate.waiting() === 1); // b + c taken as one batch
    now = 1_060;
    gate.release();
    await Promise.all([a, b, c]);

    const flushes = seen.filter((o) => o.type === 'flush');
    expect(flushes).toEqual([
      { type: 'flush', records: 1, bytes: gate.appends[0]?.length, latencyMs: 35, queueDepth: 2 },
      { type: 'flush', records: 2, bytes: gate.appends[1]?.length, latencyMs: 50, queueDepth: 0 },
    ]);
    // Every byte written is in a report.
    expect(flushes.reduce((s, f) => s + (f.type === 'flush' ? f.bytes : 0), 0)).toBe(logSize(dir) - before);
  });

  it('counts every record written: reports sum to the writes made, batches or not', async () => {
    const dir = tempDir();
    const l = await open({ dir, io: new InThreadLedgerIo() });
    const flushes: Array<Extract<LedgerObservation, { type: 'flush' }>> = [];
    l.observe((o) => {
      if (o.type === 'flush') flushes.push(o);
    });
    const before = logSize(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => l.create(draft(`p${i}`), 1000)));
    for (let i = 0; i < 10; i++) await l.transition(`p${i}`, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 2000 });
    await l.listResumable();
    expect(flushes.reduce((s, f) => s + f.records, 0)).toBe(60);
    expect(flushes.reduce((s, f) => s + f.bytes, 0)).toBe(logSize(dir) - before);
    expect(flushes.length).toBeLessThan(60); // the 50 concurrent creates were grouped
    for (const f of flushes) expect(f.latencyMs).toBeGreaterThanOrEqual(0);
  });

  it('reads no clock on the write path while nobody observes, and stops reporting after unsubscribe', async () => {
    const dir = tempDir();
    let reads = 0;
    const l = await open({ dir, io: new InThreadLedgerIo(), clock: { now: () => (reads++, 5_000) } });
    const readsAtOpen = reads;
    for (let i = 0; i < 5; i++) await l.create(draft(`q${i}`), 1000);
    expect(reads).toBe(readsAtOpen);

    const seen: LedgerObservation[] = [];
    const off = l.observe((o) => seen.push(o));
    await l.create(draft('watched'), 1000);
    expect(reads).toBeGreaterThan(readsAtOpen);
    expect(seen).toEqual([{ type: 'flush', records: 1, bytes: expect.any(Number), latencyMs: 0, queueDepth: 0 }]);

    off();
    const readsAfter = reads;
    await l.create(draft('unwatched'), 1000);
    expect(seen).toHaveLength(1);
    expect(reads).toBe(readsAfter);
  });

  it('ignores a listener that throws: the write succeeds and the other listeners are told', async () => {
    const dir = tempDir();
    const l = await open({ dir, io: new InThreadLedgerIo() });
    const seen: LedgerObservation[] = [];
    l.observe(() => {
      throw new Error('observer bug');
    });
    l.observe((o) => seen.push(o));
    await expect(l.create(draft('x'), 1000)).resolves.toMatchObject({ created: true });
    await l.compact();
    expect(seen.map((o) => o.type)).toEqual(['flush', 'compacted']);
    expect(await l.get('x')).toMatchObject({ status: 'pending' });
  });

  it('forwards compactions as onEvent reports them, and the same listener subscribed twice is told twice', async () => {
    const dir = tempDir();
    const l = await open({ dir, io: new InThreadLedgerIo(), retentionMs: 0 });
    const seen: LedgerObservation[] = [];
    const listener = (o: LedgerObservation): void => {
      if (o.type === 'compacted') seen.push(o);
    };
    const off1 = l.observe(listener);
    l.observe(listener);
    await l.create(draft('live'), 1000);
    await l.compact();
    expect(seen).toEqual([
      expect.objectContaining({ type: 'compacted', generation: 1, liveIntents: 1, droppedIntents: 0 }),
      expect.objectContaining({ type: 'compacted', generation: 1, liveIntents: 1, droppedIntents: 0 }),
    ]);
    off1();
    await l.compact();
    expect(seen).toHaveLength(3);
  });

  it('tells each new listener what happened while the ledger opened: a torn-tail repair, a stale lock takeover', async () => {
    const dir = tempDir();
    const first = await FileLedger.open({ dir, io: new InThreadLedgerIo() });
    await first.create(draft('1'), 1000);
    await first.create(draft('2'), 1000);
    await first.close();
    const log = join(dir, readdirSync(dir).find((f) => f.startsWith('log-')) as string);
    const whole = readFileSync(log);
    writeFileSync(log, whole.subarray(0, whole.length - 5));

    const repaired = await open({ dir, io: new InThreadLedgerIo() });
    const a: LedgerObservation[] = [];
    const b: LedgerObservation[] = [];
    repaired.observe((o) => a.push(o));
    expect(a).toEqual([expect.objectContaining({ type: 'tornTailRepaired', droppedBytes: expect.any(Number) })]);
    repaired.observe((o) => b.push(o));
    expect(b.map((o) => o.type)).toEqual(['tornTailRepaired']);
    await repaired.close();

    // A lock file left empty by a process killed while creating it, long ago.
    const other = tempDir();
    mkdirSync(other, { recursive: true, mode: 0o700 });
    const lockPath = join(other, 'ledger.lock');
    writeFileSync(lockPath, '', { mode: 0o600 });
    const past = new Date(Date.now() - 60_000);
    utimesSync(lockPath, past, past);
    const taken = await open({ dir: other, io: new InThreadLedgerIo() });
    const c: LedgerObservation[] = [];
    taken.observe((o) => c.push(o));
    expect(c).toEqual([{ type: 'staleLockTakenOver', previousPid: expect.any(Number) }]);
  });
});
