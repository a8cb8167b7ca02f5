import { mkdtempSync, openSync, readdirSync, readFileSync, readSync, closeSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LedgerCorruptError, type IntentDraft, type IntentRecord } from '../../../../src/index.js';
import { FileLedger, type FileLedgerOptions } from '../../../../src/stores/file/file-ledger.js';
import { FileKind, FinishedIndex, fnv1a32, indexableId } from '../../../../src/stores/file/finished-index.js';
import { MAX_BODY_BYTES, RECORD_HEADER_BYTES, SEGMENT_HEADER_BYTES } from '../../../../src/stores/file/format.js';

/** Every id hashes alike: every lookup has to tell ids apart by their bytes. */
const constantHash = (): number => 7;

describe('FinishedIndex', () => {
  const bytes = (id: string): Buffer => Buffer.from(id, 'utf8');

  for (const [label, hash] of [
    ['FNV-1a', fnv1a32],
    ['a constant hash (every id collides)', constantHash],
  ] as const) {
    it(`finds, replaces, removes and revives ids exactly, growing past its first capacity (${label})`, () => {
      const index = new FinishedIndex(hash, 16);
      const n = hash === constantHash ? 300 : 5000;
      for (let i = 0; i < n; i++) index.setId(`id-${i}`, 1, FileKind.Snapshot, i * 100, 90, 1000 + i);
      expect(index.size).toBe(n);
      for (let i = 0; i < n; i++) {
        const e = index.findId(`id-${i}`);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(index.id(e)).toBe(`id-${i}`);
        expect(index.location(e)).toEqual({ generation: 1, kind: FileKind.Snapshot, offset: i * 100, length: 90, updatedAt: 1000 + i });
      }
      // Absent ids, including prefixes and extensions of present ones, are not found.
      expect(index.findId('id-')).toBe(-1);
      expect(index.findId(`id-${n}`)).toBe(-1);
      expect(index.findId('id-10x')).toBe(-1);
      const b = bytes('xx-id-3-yy');
      expect(index.find(b, 3, 7)).toBe(index.findId('id-3'));

      // Replacing keeps one entry per id.
      index.setId('id-3', 2, FileKind.Log, 40, 50, 9);
      expect(index.size).toBe(n);
      expect(index.location(index.findId('id-3'))).toEqual({ generation: 2, kind: FileKind.Log, offset: 40, length: 50, updatedAt: 9 });

      index.removeId('id-4');
      expect(index.findId('id-4')).toBe(-1);
      expect(index.size).toBe(n - 1);
      index.removeId('id-4');
      expect(index.size).toBe(n - 1);
      index.setId('id-4', 3, FileKind.Snapshot, 1, 2, 3);
      expect(index.size).toBe(n);
      expect(index.location(index.findId('id-4')).generation).toBe(3);

      // File order: older generations first, snapshot before log, then by offset.
      const order = [...index.inFileOrder()].map((e) => index.location(e));
      for (let i = 1; i < order.length; i++) {
        const [a, c] = [order[i - 1] as { generation: number; kind: number; offset: number }, order[i] as { generation: number; kind: number; offset: number }];
        expect(a.generation < c.generation || (a.generation === c.generation && (a.kind < c.kind || (a.kind === c.kind && a.offset < c.offset)))).toBe(true);
      }
    });
  }

  it('refuses ids whose UTF-8 bytes could stand for another id (lone surrogates) and finds them nowhere', () => {
    expect(indexableId('plain-ü-😀')).toBe(true);
    expect(indexableId('a\uD800')).toBe(false);
    const index = new FinishedIndex();
    index.setId('a\uFFFD', 1, FileKind.Snapshot, 0, 1, 0);
    // 'a\uD800' encodes to the same bytes as 'a\uFFFD' in UTF-8: it must not be found as it.
    expect(index.findId('a\uD800')).toBe(-1);
    expect(() => index.setId('a\uD800', 1, FileKind.Snapshot, 0, 1, 0)).toThrow(RangeError);
  });
});

describe('FileLedger holds finished intents by position', () => {
  const dirs: string[] = [];
  const open: FileLedger[] = [];
  afterEach(async () => {
    for (const l of open.splice(0)) await l.close();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const tempDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'intentkey-finished-'));
    dirs.push(d);
    return join(d, 'ledger');
  };
  const openLedger = async (options: FileLedgerOptions): Promise<FileLedger> => {
    const l = await FileLedger.open(options);
    open.push(l);
    return l;
  };
  const closeLedger = async (l: FileLedger): Promise<void> => {
    open.splice(open.indexOf(l), 1);
    await l.close();
  };
  const draft = (id: string, input: unknown = { qty: '1', status: 'nested', id: 'inner' }): IntentDraft => ({
    id, scope: 's', operation: 'op', businessId: `b-${id}`, venue: 'v', key: `K${id}`, venueKey: `K${id}`,
    fingerprint: 'f'.repeat(64), input, createdAt: 1000,
  });
  /** Creates `id` and finishes it (succeeded with a result naming it, or failed). */
  const finish = async (l: FileLedger, id: string, fail = false, input?: unknown): Promise<IntentRecord> => {
    await l.create(draft(id, input), 1000);
    await l.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 2000 });
    return l.transition(id, fail
      ? { expectStatus: 'inFlight', expectEpoch: 0, to: 'failed', now: 3000, outcome: { kind: 'failure', reason: `HTTP 400 for ${id}` } }
      : { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', now: 3000, outcome: { kind: 'success', reason: 'HTTP 200', result: { for: id } } });
  };
  const clock = { now: () => 10_000 };
  /** Finishes `ids` 100 at a time (their writes share group commits); returns the records by id. */
  const finishAll = async (l: FileLedger, ids: string[], fail: (i: number) => boolean = () => false, input?: (id: string) => unknown): Promise<Map<string, IntentRecord>> => {
    const out = new Map<string, IntentRecord>();
    for (let i = 0; i < ids.length; i += 100) {
      const batch = ids.slice(i, i + 100);
      const records = await Promise.all(batch.map((id, k) => finish(l, id, fail(i + k), input?.(id))));
      for (const r of records) out.set(r.id, r);
    }
    return out;
  };
  const range = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, k) => `${prefix}${from + k}`);

  for (const [label, idHash] of [
    ['the default hash', undefined],
    ['a constant id hash (every id collides)', constantHash],
  ] as const) {
    it(`get() and create() of an old finished intent after reopen return that intent's stored record (${label})`, async () => {
      const dir = tempDir();
      const options = { dir, clock, ...(idHash ? { idHash } : {}) };
      let l = await openLedger(options);
      const done = new Map<string, IntentRecord>();
      const count = idHash ? 60 : 400;
      for (const [id, r] of await finishAll(l, range('I', 0, count), (i) => i % 3 === 0)) done.set(id, r);
      await l.create(draft('open-1'), 1000);
      // Half of them in a snapshot, the rest (and a pending one) only in the log.
      await l.compact();
      for (const [id, r] of await finishAll(l, range('I', count, 2 * count), (i) => i % 5 === 0)) done.set(id, r);
      await closeLedger(l);

      l = await openLedger(options);
      expect(l.size).toBe(2 * count + 1);
      for (const [id, record] of done) {
        expect(await l.get(id)).toEqual(record);
        const again = await l.create(draft(id), 9000);
        expect(again).toEqual({ created: false, record });
      }
      expect(await l.get('I-absent')).toBeUndefined();
      expect((await l.listResumable()).map((r) => r.id)).toEqual(['open-1']);
      // A new id is created, whatever its hash.
      expect((await l.create(draft('new-one'), 9000)).created).toBe(true);
      expect(l.size).toBe(2 * count + 2);
      const listed = await l.list({ statuses: ['failed'], limit: 10_000 });
      expect(listed.map((r) => r.id).sort()).toEqual([...done.values()].filter((r) => r.status === 'failed').map((r) => r.id).sort());
      const limited = await l.list({ limit: 3 });
      expect(limited).toHaveLength(3);
    });
  }

  it('compaction moves every finished intent, get() reads it from its new place, and retention still drops the old ones', async () => {
    const dir = tempDir();
    let now = 10_000;
    const options = { dir, clock: { now: () => now }, retentionMs: 50_000 };
    let l = await openLedger(options);
    const done = new Map<string, IntentRecord>();
    for (let i = 0; i < 50; i++) done.set(`A${i}`, await finish(l, `A${i}`));
    await l.compact();
    await closeLedger(l);

    l = await openLedger(options);
    // Indexed from the snapshot at open; now written again, at other offsets, into generation 2.
    for (let i = 0; i < 20; i++) done.set(`B${i}`, await finish(l, `B${i}`));
    await l.compact();
    expect(readdirSync(dir).filter((f) => f.startsWith('snapshot-'))).toEqual(['snapshot-00000002.ikl']);
    for (const [id, record] of done) expect(await l.get(id)).toEqual(record);
    // A claim brings a finished one into memory; a transition after it still refuses.
    expect((await l.claim('A1', { owner: 'o', now: 11_000, leaseMs: 1000 })).claimed).toBe(false);
    await l.compact();
    expect(await l.get('A1')).toEqual(done.get('A1'));
    await closeLedger(l);

    l = await openLedger(options);
    for (const [id, record] of done) expect(await l.get(id)).toEqual(record);
    expect(l.size).toBe(70);
    now = 100_000; // every one is past retention (updatedAt 3000)
    await l.create(draft('fresh'), now);
    await l.compact();
    expect(l.size).toBe(1);
    expect(await l.get('A0')).toBeUndefined();
    expect((await l.create(draft('A0'), now)).created).toBe(true);
    await closeLedger(l);
  });

  it('reads a snapshot larger than one chunk, records straddling the chunk boundaries', async () => {
    const dir = tempDir();
    const chunk = RECORD_HEADER_BYTES + MAX_BODY_BYTES;
    const options = { dir, clock, snapshotChunkBytes: chunk };
    let l = await openLedger(options);
    const pad = 'x'.repeat(900);
    const ids = range('C', 0, 2600);
    await finishAll(l, ids, () => false, (id) => ({ pad, i: Number(id.slice(1)) }));
    await l.create(draft('still-open'), 1000);
    await l.compact();
    await closeLedger(l);
    const snapshot = readFileSync(join(dir, 'snapshot-00000001.ikl'));
    expect(snapshot.length).toBeGreaterThan(2 * chunk);

    l = await openLedger(options);
    expect(l.size).toBe(2601);
    for (const id of [ids[0], ids[1100], ids[1200], ids[2400], ids[2599]] as string[]) expect((await l.get(id))?.input).toEqual({ pad, i: Number(id.slice(1)) });
    expect((await l.listResumable()).map((r) => r.id)).toEqual(['still-open']);
    await closeLedger(l);

    // Negative control: the same snapshot cut short in its second chunk is refused.
    const fd = openSync(join(dir, 'snapshot-00000001.ikl'), 'r+');
    try {
      const { ftruncateSync } = await import('node:fs');
      ftruncateSync(fd, chunk + 5000);
    } finally {
      closeSync(fd);
    }
    await expect(FileLedger.open(options)).rejects.toThrow(LedgerCorruptError);
  });

  it('a finished record damaged on disk after open is reported as corruption by get(), never as another record', async () => {
    const dir = tempDir();
    let l = await openLedger({ dir, clock });
    for (let i = 0; i < 10; i++) await finish(l, `D${i}`);
    await l.compact();
    await closeLedger(l);
    l = await openLedger({ dir, clock });
    expect((await l.get('D4'))?.id).toBe('D4'); // control: readable before the damage

    // Flip one byte inside D4's body in the snapshot, while the ledger is open.
    const path = join(dir, 'snapshot-00000001.ikl');
    const file = readFileSync(path);
    const at = file.indexOf('"businessId":"b-D4"');
    expect(at).toBeGreaterThan(SEGMENT_HEADER_BYTES);
    const fd = openSync(path, 'r+');
    try {
      const one = Buffer.alloc(1);
      readSync(fd, one, 0, 1, at + 15);
      one[0] = (one[0] as number) ^ 0x01;
      writeSync(fd, one, 0, 1, at + 15);
    } finally {
      closeSync(fd);
    }
    const error = await l.get('D4').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(LedgerCorruptError);
    expect((error as Error).message).toMatch(/intent D4 at byte \d+ of .*snapshot-00000001\.ikl does not check \(checksum mismatch\)/);
    await expect(l.create(draft('D4'), 5000)).rejects.toThrow(LedgerCorruptError);
    // The others are untouched and still read back.
    expect((await l.get('D3'))?.id).toBe('D3');
    expect((await l.get('D5'))?.id).toBe('D5');
    // A compaction refuses to copy the damaged record into a new generation.
    await expect(l.compact()).rejects.toThrow();
    await closeLedger(l);
    await expect(FileLedger.open({ dir, clock })).rejects.toThrow(LedgerCorruptError);
  });
});

describe('FinishedIndex.append (an open adds a snapshot, the table is filled in one pass)', () => {
  for (const [label, hash] of [
    ['FNV-1a', fnv1a32],
    ['a constant hash (every id collides)', constantHash],
  ] as const) {
    it(`finds every appended id, growing past its first capacity, and mixes with set (${label})`, () => {
      const index = new FinishedIndex(hash, 16);
      const n = hash === constantHash ? 300 : 20_000;
      const text = Buffer.from(Array.from({ length: n }, (_, i) => `id-${i}`).join(''), 'utf8');
      let at = 0;
      for (let i = 0; i < n; i++) {
        const len = `id-${i}`.length;
        index.append(text, at, at + len, 1, FileKind.Snapshot, i * 100, 90, 1000 + i);
        at += len;
      }
      expect(index.size).toBe(n);
      for (let i = 0; i < n; i += hash === constantHash ? 1 : 7) {
        const e = index.findId(`id-${i}`);
        expect(e).toBeGreaterThanOrEqual(0);
        expect(index.location(e)).toEqual({ generation: 1, kind: FileKind.Snapshot, offset: i * 100, length: 90, updatedAt: 1000 + i });
      }
      expect(index.findId(`id-${n}`)).toBe(-1);
      // Then the log replays over it with set: replacing, adding and removing as before.
      index.setId('id-5', 1, FileKind.Log, 40, 50, 9);
      index.setId('new', 1, FileKind.Log, 140, 50, 9);
      index.removeId('id-6');
      expect(index.size).toBe(n);
      expect(index.location(index.findId('id-5'))).toEqual({ generation: 1, kind: FileKind.Log, offset: 40, length: 50, updatedAt: 9 });
      expect(index.findId('id-6')).toBe(-1);
      expect(index.inFileOrder().length).toBe(n);
    });
  }

  it('an id appended twice (or appended after a set) is held once, with the later location', () => {
    for (const hash of [fnv1a32, constantHash]) {
      const index = new FinishedIndex(hash, 16);
      index.setId('a', 1, FileKind.Snapshot, 0, 10, 1);
      const b = Buffer.from('abc', 'utf8');
      index.append(b, 0, 1, 1, FileKind.Snapshot, 100, 10, 2); // 'a' again
      index.append(b, 1, 2, 1, FileKind.Snapshot, 200, 10, 3); // 'b'
      index.append(b, 1, 2, 1, FileKind.Snapshot, 300, 10, 4); // 'b' again
      index.append(b, 2, 3, 1, FileKind.Snapshot, 400, 10, 5); // 'c'
      expect(index.size).toBe(3);
      expect(index.location(index.findId('a')).offset).toBe(100);
      expect(index.location(index.findId('b')).offset).toBe(300);
      expect([...index.inFileOrder()].map((e) => index.id(e))).toEqual(['a', 'b', 'c']);
    }
  });
});
