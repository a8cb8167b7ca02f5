import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintDir } from '../../../helpers/dir-fingerprint.js';
import { LedgerUnavailableError } from '../../../../src/errors/index.js';
import { FileLedger } from '../../../../src/stores/file/file-ledger.js';
import { encodeRecord, encodeSegmentHeader, RecordType } from '../../../../src/stores/file/format.js';
import { readFileLedger, recordProblems } from '../../../../src/stores/file/read-only.js';
import type { IntentRecord, IntentStatus, StoredOutcome } from '../../../../src/ledger/intent.js';
import type { LedgerStore } from '../../../../src/ledger/ledger-store.js';

const T0 = Date.UTC(2025, 0, 1);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'intentkey-readonly-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function create(store: LedgerStore, id: string, at: number): Promise<void> {
  await store.create({ id, scope: 's', operation: 'order.create', venue: 'v', key: `k-${id}`, venueKey: `vk-${id}`, fingerprint: 'f', input: { id }, createdAt: at }, at);
}
async function move(store: LedgerStore, id: string, to: IntentStatus, at: number, outcome?: StoredOutcome): Promise<void> {
  const rec = (await store.get(id)) as IntentRecord;
  const c = await store.claim(id, { owner: 'w', leaseMs: 1000, now: at });
  await store.transition(id, { expectStatus: rec.status, expectEpoch: c.record.epoch, to, ...(to === 'inFlight' ? { attempt: rec.attempt + 1 } : {}), ...(outcome ? { outcome } : {}), now: at });
  await store.release(id, 'w', c.record.epoch);
}

/** A ledger with a pending, a succeeded and an unknown intent (3 stored versions for `b`). */
async function seed(): Promise<void> {
  const ledger = await FileLedger.open({ dir });
  await create(ledger, 'a', T0);
  await create(ledger, 'b', T0 + 1);
  await move(ledger, 'b', 'inFlight', T0 + 2, { kind: 'inFlight', reason: 'attempt in flight', correlationId: 'c-b-1' });
  await move(ledger, 'b', 'succeeded', T0 + 3, { kind: 'success', reason: 'HTTP 200', result: { n: 1 }, correlationId: 'c-b-1' });
  await create(ledger, 'c', T0 + 4);
  await move(ledger, 'c', 'inFlight', T0 + 5, { kind: 'inFlight', reason: 'attempt in flight', correlationId: 'c-c-1' });
  await move(ledger, 'c', 'unknown', T0 + 6, { kind: 'unknown', reason: 'socket reset', correlationId: 'c-c-1' });
  await ledger.close();
}


describe('readFileLedger', () => {
  it('reads the state the ledger itself holds, and the stored versions of one intent in order', async () => {
    await seed();
    const view = await readFileLedger(dir, { historyOf: 'b' });
    const reopened = await FileLedger.open({ dir });
    const expected = await reopened.list({ limit: 100 });
    await reopened.close();
    expect([...view.records.values()].sort((x, y) => (x.id < y.id ? -1 : 1))).toEqual(expected.sort((x, y) => (x.id < y.id ? -1 : 1)));
    expect(view.versions.map((v) => [v.record.status, v.record.outcome?.correlationId])).toEqual([
      ['pending', undefined],
      ['inFlight', 'c-b-1'],
      ['succeeded', 'c-b-1'],
    ]);
    // Offsets point at frames in the log: each is the start of a record whose body is that version.
    const log = readFileSync(join(dir, 'log-00000000.ikl'));
    for (const v of view.versions) expect(log.toString('utf8', v.offset + 21, v.offset + 21 + 12)).toBe('{"id":"b","s');
    expect(view.findings).toEqual([]);
    expect(view.unreadable).toBe(false);
  });

  it('after a compaction: the snapshot copy, then what the new log added', async () => {
    await seed();
    const ledger = await FileLedger.open({ dir });
    await ledger.compact();
    await move(ledger, 'c', 'succeeded', T0 + 10, { kind: 'success', reason: 'found by lookup' });
    await ledger.close();
    const view = await readFileLedger(dir, { historyOf: 'c', checkRecords: true });
    expect(view.generation).toBe(1);
    expect(view.versions.map((v) => [v.file, v.record.status])).toEqual([
      ['snapshot-00000001.ikl', 'unknown'],
      ['log-00000001.ikl', 'succeeded'],
    ]);
    expect(view.findings).toEqual([]);
  });

  it('never writes: no lock file, no repair, a temp file and a torn tail are left as they are', async () => {
    await seed();
    const logPath = join(dir, 'log-00000000.ikl');
    const before = readFileSync(logPath).length;
    // Half of a record header: what a writer leaves mid-append (or a crash leaves behind).
    writeFileSync(logPath, Buffer.concat([readFileSync(logPath), Buffer.from([9, 0, 0, 0, 1, 2, 3])]));
    writeFileSync(join(dir, 'snapshot-00000001.ikl.tmp'), 'partial');
    const files = fingerprintDir(dir);
    const view = await readFileLedger(dir, { checkRecords: true });
    expect(fingerprintDir(dir)).toEqual(files);
    expect(readdirSync(dir)).not.toContain('ledger.lock');
    expect(view.records.size).toBe(3);
    const torn = view.findings.find((f) => f.file === 'log-00000000.ikl');
    expect(torn).toMatchObject({ severity: 'warning', offset: before });
    expect(torn?.problem).toMatch(/torn tail of 7 bytes/);
    expect(view.findings.some((f) => f.file === 'snapshot-00000001.ikl.tmp' && f.severity === 'note')).toBe(true);
  });

  it('a damaged record with valid records after it is damage at that frame, and the prefix is still read', async () => {
    await seed();
    const clean = await readFileLedger(dir, { historyOf: '*' });
    const third = clean.versions[2] as { offset: number };
    const logPath = join(dir, 'log-00000000.ikl');
    const bytes = readFileSync(logPath);
    bytes[third.offset + 30] = (bytes[third.offset + 30] as number) ^ 0x01;
    writeFileSync(logPath, bytes);
    const view = await readFileLedger(dir);
    expect(view.findings).toEqual([expect.objectContaining({ severity: 'damage', file: 'log-00000000.ikl', offset: third.offset })]);
    expect(view.findings[0]?.problem).toMatch(/checksum mismatch.*valid later record/);
    expect(view.records.get('a')?.status).toBe('pending');
  });

  it('checks every stored change against the state machine and the fixed fields', async () => {
    const ledgerId = new Uint8Array(16).fill(7);
    const base = { id: 'x', scope: 's', operation: 'o', venue: 'v', key: 'k', venueKey: 'vk', fingerprint: 'f', input: null, attempt: 0, epoch: 0, createdAt: 1, updatedAt: 1 };
    const bodies = [
      { ...base, status: 'pending' },
      // pending -> succeeded never happens (no attempt was sent), and the key changed.
      { ...base, key: 'other', status: 'succeeded', attempt: 1, outcome: { kind: 'success', reason: 'HTTP 200' } },
    ];
    const frames = [encodeSegmentHeader({ ledgerId, generation: 0, firstSeq: 1 }), encodeRecord({ type: RecordType.Epoch, seq: 1, epoch: 1, body: Buffer.from('{}') })];
    bodies.forEach((b, i) => frames.push(encodeRecord({ type: RecordType.Put, seq: i + 2, epoch: 1, body: Buffer.from(JSON.stringify(b)) })));
    writeFileSync(join(dir, 'log-00000000.ikl'), Buffer.concat(frames));
    const view = await readFileLedger(dir, { checkRecords: true });
    const problems = view.findings.map((f) => f.problem);
    expect(problems).toContain('stored change pending -> succeeded is not allowed by the state machine');
    expect(problems).toContain('key changed from "k" to "other"');
    // Without checks only the frames are judged: the same file reads clean.
    expect((await readFileLedger(dir)).findings).toEqual([]);
  });

  it('refuses a directory that is not a ledger, and one that does not exist, without creating it', async () => {
    await expect(readFileLedger(join(dir, 'missing'))).rejects.toThrow(LedgerUnavailableError);
    expect(readdirSync(dir)).toEqual([]);
    writeFileSync(join(dir, 'notes.txt'), 'x');
    await expect(readFileLedger(dir)).rejects.toThrow(/holds no snapshot-\*\.ikl or log-\*\.ikl/);
  });

  it('a missing snapshot of the newest generation makes the ledger unreadable (damage), not empty', async () => {
    await seed();
    const ledger = await FileLedger.open({ dir });
    await ledger.compact();
    await ledger.close();
    rmSync(join(dir, 'snapshot-00000001.ikl'));
    const view = await readFileLedger(dir);
    expect(view.unreadable).toBe(true);
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: 'snapshot-00000001.ikl' }));
  });
});

describe('recordProblems', () => {
  const good: IntentRecord = {
    id: 'i',
    scope: 's',
    operation: 'o',
    venue: 'v',
    key: 'k',
    venueKey: 'vk',
    fingerprint: 'f',
    input: {},
    status: 'unknown',
    attempt: 1,
    epoch: 2,
    createdAt: 1,
    updatedAt: 2,
    outcome: { kind: 'unknown', reason: 'reset' },
  };
  it.each([
    ['a consistent unknown record', good, []],
    ['a pending record without outcome', { ...good, status: 'pending', attempt: 0, outcome: undefined }, []],
    ['unknown status', { ...good, status: 'lost' }, ['unknown status "lost"']],
    ['unknown without outcome', { ...good, outcome: undefined }, ['status unknown without an outcome']],
    ['in flight with no attempt', { ...good, status: 'inFlight', attempt: 0 }, ['status inFlight with attempt 0 (no attempt was ever started)']],
    ['negative epoch', { ...good, epoch: -1 }, ['epoch is not a whole number >= 0']],
    ['empty key', { ...good, key: '' }, ['key is missing or not a non-empty string']],
    ['half a lease', { ...good, leaseOwner: 'w' }, ['leaseOwner and leaseExpiresAt must be set together']],
    [
      'parked on a succeeded intent',
      { ...good, status: 'succeeded', outcome: { kind: 'success', reason: 'ok', parked: { at: 1, nextCheckAt: 2, count: 1, reason: 'r' } } },
      ['outcome.parked on a succeeded intent (only unknown ones are parked)'],
    ],
    [
      'a malformed verdict',
      { ...good, outcome: { kind: 'resolved', reason: 'r', resolution: { verdict: 'maybe', by: 'a', at: 1, reason: 'r', previous: { status: 'unknown' } } } },
      ['outcome.resolution lacks verdict, by, at or reason'],
    ],
    ['not an object', [1, 2], ['not a JSON object']],
  ] as const)('%s', (_name, record, expected) => {
    expect(recordProblems(record)).toEqual(expected);
  });
});
