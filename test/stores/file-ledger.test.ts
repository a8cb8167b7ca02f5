import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, LedgerCorruptError, LedgerLockedError, LedgerUnavailableError, type IntentDraft } from '../../src/index.js';
import { LazyFileLedger } from '../../src/stores/file/default-ledger.js';
import { FileLedger, type FileLedgerEvent } from '../../src/stores/file/file-ledger.js';
import { InThreadLedgerIo, WorkerLedgerIo, type LedgerIo } from '../../src/stores/file/io.js';

/** Delegates to `inner`, with some methods replaced. */
function wrapIo(inner: LedgerIo, overrides: Partial<LedgerIo>): LedgerIo {
  return {
    ensureDir: (d) => inner.ensureDir(d),
    list: (d) => inner.list(d),
    read: (p) => inner.read(p),
    writeDurable: (p, b) => inner.writeDurable(p, b),
    openAppend: (p, f) => inner.openAppend(p, f),
    append: (b) => inner.append(b),
    truncate: (p, n) => inner.truncate(p, n),
    copy: (a, b) => inner.copy(a, b),
    remove: (p) => inner.remove(p),
    close: () => inner.close(),
    ...overrides,
  };
}

const dirs: string[] = [];
const ledgers: FileLedger[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'intentkey-fl-'));
  dirs.push(d);
  return join(d, 'ledger');
}
async function open(dir: string, extra: Partial<Parameters<typeof FileLedger.open>[0]> = {}): Promise<FileLedger> {
  const l = await FileLedger.open({ dir, ...extra });
  ledgers.push(l);
  return l;
}
afterEach(async () => {
  for (const l of ledgers.splice(0)) await l.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const draft = (id: string, input: unknown = { qty: '1' }): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  businessId: id,
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: 'f'.repeat(64),
  input,
  createdAt: 1000,
});

async function send(ledger: FileLedger, id: string): Promise<void> {
  await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 2000 });
}

describe('FileLedger', () => {
  for (const [label, makeIo] of [
    ['worker-thread writer', () => new WorkerLedgerIo()],
    ['in-thread writer', () => new InThreadLedgerIo()],
  ] as Array<[string, () => LedgerIo]>) {
    it(`${label}: every acknowledged change survives close and reopen`, async () => {
      const dir = tempDir();
      const a = await open(dir, { io: makeIo() });
      await a.create(draft('1'), 1000);
      await a.create(draft('2'), 1000);
      await send(a, '1');
      await a.transition('1', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200', result: { orderId: 9 } }, now: 3000 });
      await send(a, '2');
      await a.close();
      const b = await open(dir, { io: makeIo() });
      expect(await b.get('1')).toMatchObject({ status: 'succeeded', attempt: 1, outcome: { result: { orderId: 9 } } });
      expect((await b.listResumable()).map((r) => [r.id, r.status, r.attempt])).toEqual([['2', 'inFlight', 1]]);
    });
  }

  it('creates its directory 0700 and its files 0600', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('1'), 1000);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect([f, statSync(join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
  });

  it('refuses a second writer with LedgerLockedError', async () => {
    const dir = tempDir();
    await open(dir);
    await expect(FileLedger.open({ dir })).rejects.toBeInstanceOf(LedgerLockedError);
  });

  it('waits out an incomplete lock file left by a process killed while creating it, then takes it over', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    // A process killed between its exclusive create and its write left an empty lock file
    // 1.9 s ago: the grace period (2 s) ends in about 100 ms.
    const lockPath = join(dir, 'ledger.lock');
    writeFileSync(lockPath, '', { mode: 0o600 });
    const past = new Date(Date.now() - 1_900);
    utimesSync(lockPath, past, past);
    const events: FileLedgerEvent[] = [];
    const l = await FileLedger.open({ dir, onEvent: (e) => events.push(e) });
    expect(events.some((e) => e.type === 'staleLockTakenOver')).toBe(true);
    await l.create(draft('after-wait'), 1000);
    expect(JSON.parse(readFileSync(lockPath, 'utf8'))).toMatchObject({ pid: process.pid });
    await l.close();
  });

  it('with lockWaitMs 0 an incomplete lock file is refused at once, saying when to retry', async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(join(dir, 'ledger.lock'), '', { mode: 0o600 });
    const error = await FileLedger.open({ dir, lockWaitMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerLockedError);
    expect((error as LedgerLockedError).retryInMs).toBeGreaterThan(0);
    expect((error as LedgerLockedError).retryInMs).toBeLessThanOrEqual(2_001);
    // A live holder is refused without a retry hint, however long the caller would wait.
    const live = tempDir();
    await open(live);
    const refused = await FileLedger.open({ dir: live, lockWaitMs: 60_000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(LedgerLockedError);
    expect((refused as LedgerLockedError).retryInMs).toBeUndefined();
    await expect(FileLedger.open({ dir: live, lockWaitMs: -1 })).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('a writer whose lock was taken over appends nothing more (fencing)', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('before'), 1000);
    const log = join(dir, readdirSync(dir).find((f) => f.startsWith('log-')) as string);
    const sizeBefore = statSync(log).size;
    // Another process judged us dead and took the lock: its file now holds another nonce.
    const lockPath = join(dir, 'ledger.lock');
    const holder = JSON.parse(readFileSync(lockPath, 'utf8')) as { nonce: string };
    writeFileSync(lockPath, JSON.stringify({ ...holder, nonce: 'f'.repeat(32), pid: 1 }));
    const error = await l.create(draft('after'), 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerUnavailableError);
    expect(((error as Error).cause as { code?: string }).code).toBe('ERR_LEDGER_LOCK_LOST');
    expect(statSync(log).size).toBe(sizeBefore);
    await expect(l.get('before')).rejects.toBeInstanceOf(LedgerUnavailableError);
  });

  it('group commit: concurrent writes share flushes', async () => {
    const dir = tempDir();
    const inner = new InThreadLedgerIo();
    let appends = 0;
    const io = wrapIo(inner, {
      append: (data: Uint8Array) => {
        appends++;
        return inner.append(data);
      },
    });
    const l = await open(dir, { io });
    appends = 0;
    await Promise.all(Array.from({ length: 200 }, (_, i) => l.create(draft(`c${i}`), 1000)));
    expect(appends).toBeGreaterThanOrEqual(1);
    expect(appends).toBeLessThan(20);
    expect((await l.listResumable()).length).toBe(200);
  });

  it('poisons itself on a write error: the batch and every later call are rejected, reopening recovers', async () => {
    const dir = tempDir();
    const inner = new InThreadLedgerIo();
    let fail = false;
    const io = wrapIo(inner, {
      append: (data: Uint8Array) => (fail ? Promise.reject(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' })) : inner.append(data)),
    });
    const l = await open(dir, { io });
    await l.create(draft('ok'), 1000);
    fail = true;
    await expect(l.create(draft('lost'), 1000)).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(l.get('ok')).rejects.toBeInstanceOf(LedgerUnavailableError);
    await expect(l.create(draft('later'), 1000)).rejects.toBeInstanceOf(LedgerUnavailableError);
    await l.close();
    const again = await open(dir);
    expect(await again.get('ok')).toBeDefined();
    expect(await again.get('later')).toBeUndefined();
  });

  it('repairs a torn tail: keeps the bytes aside, reports it, keeps every whole record before it', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('1'), 1000);
    await l.create(draft('2'), 1000);
    await l.close();
    const log = join(dir, readdirSync(dir).find((f) => f.startsWith('log-')) as string);
    const whole = readFileSync(log);
    writeFileSync(log, whole.subarray(0, whole.length - 7));
    const events: FileLedgerEvent[] = [];
    const r = await open(dir, { onEvent: (e) => events.push(e) });
    expect(events).toEqual([expect.objectContaining({ type: 'tornTailRepaired', droppedBytes: expect.any(Number) })]);
    expect(readdirSync(dir).some((f) => f.includes('.broken-'))).toBe(true);
    // The cut record (intent 2) is gone from the ledger but its bytes are in the .broken file.
    expect((await r.listResumable()).map((x) => x.id)).toEqual(['1']);
    const broken = readdirSync(dir).find((f) => f.includes('.broken-')) as string;
    expect(readFileSync(join(dir, broken)).equals(whole.subarray(0, whole.length - 7))).toBe(true);
  });

  it('refuses to open over damage in the middle of the log, changing nothing', async () => {
    const dir = tempDir();
    const l = await open(dir);
    for (let i = 0; i < 5; i++) await l.create(draft(`m${i}`), 1000);
    await l.close();
    const log = join(dir, readdirSync(dir).find((f) => f.startsWith('log-')) as string);
    const bytes = readFileSync(log);
    const damaged = Buffer.from(bytes);
    const at = Math.floor(bytes.length / 2);
    damaged[at] = (damaged[at] as number) ^ 0x10;
    writeFileSync(log, damaged);
    const error = await FileLedger.open({ dir }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LedgerCorruptError);
    expect((error as Error).message).toMatch(/byte \d+/);
    expect(readFileSync(log).equals(damaged)).toBe(true);
  });

  it('compaction keeps live and retained intents, drops expired finished ones, and survives reopen', async () => {
    const dir = tempDir();
    let now = 10_000;
    const events: FileLedgerEvent[] = [];
    const l = await open(dir, { retentionMs: 5_000, clock: { now: () => now }, onEvent: (e) => events.push(e) });
    for (const id of ['old', 'recent', 'live']) await l.create(draft(id), 1000);
    for (const id of ['old', 'recent']) {
      await send(l, id);
      await l.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'ok' }, now: id === 'old' ? 1_000 : 9_000 });
    }
    await l.compact();
    expect(events.at(-1)).toMatchObject({ type: 'compacted', generation: 1, liveIntents: 2, droppedIntents: 1 });
    await l.create(draft('after'), 1000);
    await l.close();
    const files = readdirSync(dir).filter((f) => f.endsWith('.ikl')).sort();
    expect(files).toEqual(['log-00000001.ikl', 'snapshot-00000001.ikl']);
    now = 11_000;
    const r = await open(dir, { retentionMs: 5_000, clock: { now: () => now } });
    expect(await r.get('old')).toBeUndefined();
    expect(await r.get('recent')).toMatchObject({ status: 'succeeded' });
    expect((await r.listResumable()).map((x) => x.id).sort()).toEqual(['after', 'live']);
  });

  it('compacts by itself when the log passes compactAfterBytes', async () => {
    const dir = tempDir();
    const events: FileLedgerEvent[] = [];
    const l = await open(dir, { compactAfterBytes: 4096, onEvent: (e) => events.push(e) });
    for (let i = 0; i < 40; i++) await l.create(draft(`a${i}`, { pad: 'x'.repeat(200) }), 1000);
    await l.compact();
    expect(events.filter((e) => e.type === 'compacted').length).toBeGreaterThanOrEqual(1);
    await l.close();
    expect((await (await open(dir)).listResumable()).length).toBe(40);
  });

  it('stores inputs through the codec and never in clear when one is given', async () => {
    const dir = tempDir();
    const codec = {
      encode: (input: unknown) => Buffer.from(JSON.stringify(input)).toString('base64'),
      decode: (stored: unknown) => JSON.parse(Buffer.from(stored as string, 'base64').toString('utf8')) as unknown,
    };
    const l = await open(dir, { codec });
    await l.create(draft('1', { card: '4242-secret' }), 1000);
    expect((await l.get('1'))?.input).toEqual({ card: '4242-secret' });
    await l.close();
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f), 'utf8')).not.toContain('4242-secret');
    expect((await open(dir, { codec }).then((x) => x.get('1')))?.input).toEqual({ card: '4242-secret' });
  });

  it('a zero-filled tail (size reached disk before data) is torn, not records', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('1'), 1000);
    await l.close();
    const log = join(dir, readdirSync(dir).find((f) => f.startsWith('log-')) as string);
    appendFileSync(log, Buffer.alloc(4096));
    const events: FileLedgerEvent[] = [];
    const r = await open(dir, { onEvent: (e) => events.push(e) });
    expect(events.map((e) => e.type)).toEqual(['tornTailRepaired']);
    expect((await r.listResumable()).map((x) => x.id)).toEqual(['1']);
  });
});

describe('LazyFileLedger', () => {
  it('opens on first use and behaves as the file ledger it wraps', async () => {
    const dir = tempDir();
    const lazy = new LazyFileLedger({ dir });
    expect(existsSync(dir)).toBe(false);
    await lazy.create(draft('1'), 1000);
    expect(existsSync(dir)).toBe(true);
    expect((await lazy.get('1'))?.status).toBe('pending');
    await lazy.close();
    const again = await open(dir);
    expect((await again.get('1'))?.key).toBe('K1');
  });

  it('a failed open rejects every call with the same error and sends nothing', async () => {
    const dir = tempDir();
    const holder = await open(dir);
    const lazy = new LazyFileLedger({ dir });
    await expect(lazy.create(draft('x'), 1)).rejects.toBeInstanceOf(LedgerLockedError);
    await expect(lazy.listResumable()).rejects.toBeInstanceOf(LedgerLockedError);
    expect(await holder.get('x')).toBeUndefined();
  });
});

describe('FileLedger compaction under concurrent writes', () => {
  it('every record written while compactions run lands in the right generation', async () => {
    const dir = tempDir();
    const l = await open(dir);
    const writes: Array<Promise<unknown>> = [];
    for (let round = 0; round < 5; round++) {
      for (let i = 0; i < 30; i++) writes.push(l.create(draft(`r${round}-${i}`), 1000));
      writes.push(l.compact());
      for (let i = 30; i < 60; i++) writes.push(l.create(draft(`r${round}-${i}`), 1000));
    }
    await Promise.all(writes);
    await l.close();
    const reopened = await open(dir);
    expect((await reopened.listResumable()).length).toBe(300);
  });
});

describe('FileLedger records near the 1 MiB limit', () => {
  it('refuses an input too large to store before changing anything, and stays consistent', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('small'), 1000);
    const error = await l.create(draft('huge', { blob: 'x'.repeat(1_100_000) }), 1000).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(await l.get('huge')).toBeUndefined();
    await l.create(draft('after'), 1000);
    await l.close();
    // No sequence gap: the ledger reopens with both small intents.
    const r = await open(dir);
    expect((await r.listResumable()).map((x) => x.id).sort()).toEqual(['after', 'small']);
  });

  it('records a success whose result is too large without the result, and reopens', async () => {
    const dir = tempDir();
    const l = await open(dir);
    await l.create(draft('big'), 1000);
    await send(l, 'big');
    const stored = await l.transition('big', {
      expectStatus: 'inFlight',
      expectEpoch: 0,
      to: 'succeeded',
      outcome: { kind: 'success', reason: 'HTTP 200', result: { body: 'y'.repeat(1_200_000) } },
      now: 3000,
    });
    expect(stored.status).toBe('succeeded');
    expect(stored.outcome?.result).toBeUndefined();
    expect(stored.outcome?.reason).toBe('HTTP 200 (result too large to store)');
    await l.close();
    expect((await (await open(dir)).get('big'))?.status).toBe('succeeded');
  });
});
