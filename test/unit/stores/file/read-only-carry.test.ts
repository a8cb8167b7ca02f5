import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintDir } from '../../../helpers/dir-fingerprint.js';
import { LedgerCorruptError } from '../../../../src/errors/index.js';
import type { IntentRecord } from '../../../../src/ledger/intent.js';
import { FileLedger } from '../../../../src/stores/file/file-ledger.js';
import { decodeSegmentHeader, encodeRecord, encodeSegmentHeader, RECORD_HEADER_BYTES, scanSegment, SEGMENT_HEADER_BYTES } from '../../../../src/stores/file/format.js';
import { readFileLedger, type FileLedgerView } from '../../../../src/stores/file/read-only.js';
import { interruptCompaction, type CompactionStop } from '../../../helpers/interrupted-compaction.js';

const LOG0 = 'log-00000000.ikl';
const LOG1 = 'log-00000001.ikl';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'intentkey-readonly-carry-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});


const byId = (records: Iterable<IntentRecord>): IntentRecord[] => [...records].sort((x, y) => (x.id < y.id ? -1 : 1));

/** What a real open of the directory holds (this writes: the open carries over and removes the old generation). */
async function openedState(): Promise<IntentRecord[]> {
  const ledger = await FileLedger.open({ dir });
  try {
    return byId(await ledger.list({ limit: 1000 }));
  } finally {
    await ledger.close();
  }
}

/** Reads without writing, and checks that nothing in the directory changed. */
async function readUnchanged(): Promise<FileLedgerView> {
  const files = fingerprintDir(dir);
  const view = await readFileLedger(dir, { historyOf: '*', checkRecords: true });
  expect(fingerprintDir(dir)).toEqual(files);
  return view;
}

/** The offset in the old log of the carried record of intent `id` (default: the first one carried). */
function carriedOffset(view: FileLedgerView, id?: string): number {
  const from = view.carriedOver?.firstSeq ?? Infinity;
  const v = view.versions.find((x) => x.file === LOG0 && x.seq >= from && (id === undefined ? x.seq === from : x.record.id === id));
  if (!v) throw new Error(`no carried version of ${id ?? `seq ${from}`}`);
  return v.offset;
}

describe('readFileLedger after a compaction interrupted while writes went on', () => {
  it.each(['snapshot', 'newLog', 'switch'] as const)('stopped at %s: holds every acknowledged intent, as the next open does', async (stop: CompactionStop) => {
    const { before, during } = await interruptCompaction(dir, stop);
    const view = await readUnchanged();
    for (const id of [...before, ...during]) expect(view.records.get(id)?.fingerprint, id).toBe(`fp-${id}`);
    expect(view.unreadable).toBe(false);
    expect(view.findings.filter((f) => f.severity !== 'note')).toEqual([]);

    const carried = view.carriedOver;
    const oldLog = readFileSync(join(dir, LOG0));
    if (stop === 'snapshot') {
      // The snapshot never reached its name: generation 0 is complete, nothing to carry.
      expect(view.generation).toBe(0);
      expect(carried).toBeUndefined();
      expect(view.findings).toEqual([]);
    } else {
      expect(view.generation).toBe(1);
      // 'newLog': every record after the cut is only in the old log; 'switch': the new
      // log has a copy of those durable when it was written, the old log alone has the
      // rest (at least those made while the compaction was stopped).
      const inNew = new Set(view.versions.filter((v) => v.file === LOG1).map((v) => v.record.id));
      if (stop === 'switch') expect(inNew.size).toBeGreaterThan(0);
      const onlyInOld = during.filter((id) => !inNew.has(id));
      for (const id of during.filter((x) => x.startsWith('d'))) expect(onlyInOld).toContain(id);
      expect(carried).toMatchObject({ file: LOG0, frames: onlyInOld.length });
      expect(carried && carried.lastSeq - carried.firstSeq + 1).toBe(onlyInOld.length);
      for (const id of onlyInOld) expect(view.versions.filter((v) => v.record.id === id).map((v) => v.file)).toEqual([LOG0]);
      const note = view.findings.find((f) => f.file === LOG0);
      expect(note).toMatchObject({ severity: 'note' });
      expect(note?.problem).toMatch(new RegExp(`^${onlyInOld.length} record\\(s\\) after the newest snapshot .* carries them over into ${LOG1.replace('.', '\\.')}`));
      if (stop === 'newLog') {
        expect(view.findings.find((f) => f.file === LOG1)?.problem).toMatch(new RegExp(`no log for the newest snapshot yet .*creates it and appends to it the ${onlyInOld.length} record`));
      } else {
        expect(view.findings.some((f) => f.file === LOG1)).toBe(false);
      }
      expect(view.findings.some((f) => /interrupted after its switch/.test(f.problem))).toBe(false);
    }

    const logBytesRead = stop === 'switch' ? statSync(join(dir, LOG1)).size : stop === 'newLog' ? 0 : oldLog.length;
    expect(view.logBytes).toBe(logBytesRead + (carried?.bytes ?? 0));

    // The next open holds exactly what the view showed...
    expect(await openedState()).toEqual(byId(view.records.values()));
    if (carried) {
      // ...and appended the very bytes the view counted as carried, where its own log ended.
      const at = logBytesRead === 0 ? SEGMENT_HEADER_BYTES : logBytesRead;
      const start = carriedOffset(view);
      expect(readFileSync(join(dir, LOG1)).subarray(at, at + carried.bytes)).toEqual(oldLog.subarray(start, start + carried.bytes));
      expect(readdirSync(dir)).not.toContain(LOG0);
      // Read again after that open: the same intents, nothing left to carry.
      const after = await readFileLedger(dir);
      expect(after.carriedOver).toBeUndefined();
      expect(byId(after.records.values())).toEqual(byId(view.records.values()));
      expect(after.findings).toEqual([]);
    }
  });

  it('a leftover previous log with nothing after the newest generation: a note, nothing carried', async () => {
    await interruptCompaction(dir, 'switch');
    // What the switch would have done: the rest appended to the new log (here: what the next open carries).
    const view = await readUnchanged();
    const carried = view.carriedOver as NonNullable<FileLedgerView['carriedOver']>;
    const old = readFileSync(join(dir, LOG0));
    const start = carriedOffset(view);
    writeFileSync(join(dir, LOG1), Buffer.concat([readFileSync(join(dir, LOG1)), old.subarray(start, start + carried.bytes)]));
    const switched = await readUnchanged();
    expect(switched.carriedOver).toBeUndefined();
    expect(switched.findings).toEqual([expect.objectContaining({ severity: 'note', file: LOG0, problem: expect.stringMatching(/left over .* holds no record after the newest generation/) })]);
    expect(byId(switched.records.values())).toEqual(byId(view.records.values()));
  });

  it('a damaged carried record with valid records after it is damage, and the open refuses too', async () => {
    const { during } = await interruptCompaction(dir, 'newLog');
    const clean = await readUnchanged();
    const offset = carriedOffset(clean, during[1]);
    const path = join(dir, LOG0);
    const bytes = readFileSync(path);
    bytes[offset + RECORD_HEADER_BYTES + 5] = (bytes[offset + RECORD_HEADER_BYTES + 5] as number) ^ 0x01;
    writeFileSync(path, bytes);
    const view = await readUnchanged();
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: LOG0, offset, problem: expect.stringMatching(/checksum mismatch.*valid later record/) }));
    // The prefix before the damage is still read.
    expect(view.records.get(during[0] as string)?.fingerprint).toBe(`fp-${during[0] as string}`);
    expect(view.records.has(during[1] as string)).toBe(false);
    await expect(FileLedger.open({ dir })).rejects.toThrow(LedgerCorruptError);
  });

  it('a torn last record of the previous log is not carried (a warning), as the open leaves it out', async () => {
    const { during } = await interruptCompaction(dir, 'newLog');
    const last = during[during.length - 1] as string;
    const clean = await readUnchanged();
    const path = join(dir, LOG0);
    const bytes = readFileSync(path);
    writeFileSync(path, bytes.subarray(0, carriedOffset(clean, last) + RECORD_HEADER_BYTES + 3));
    const view = await readUnchanged();
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'warning', file: LOG0, problem: expect.stringMatching(/torn tail of \d+ bytes.*does not carry it over/) }));
    expect(view.carriedOver?.frames).toBe(during.length - 1);
    expect(view.records.has(last)).toBe(false);
    expect(await openedState()).toEqual(byId(view.records.values()));
  });

  it("a previous log with another ledger's header is damage, and nothing of it is carried", async () => {
    await interruptCompaction(dir, 'newLog');
    const path = join(dir, LOG0);
    const bytes = readFileSync(path);
    const header = decodeSegmentHeader(bytes);
    if (!header) throw new Error('no header');
    writeFileSync(path, Buffer.concat([encodeSegmentHeader({ ...header, ledgerId: new Uint8Array(16).fill(9) }), bytes.subarray(SEGMENT_HEADER_BYTES)]));
    const view = await readUnchanged();
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: LOG0, problem: expect.stringMatching(/another ledger or generation/) }));
    expect(view.carriedOver).toBeUndefined();
    await expect(FileLedger.open({ dir })).rejects.toThrow(LedgerCorruptError);
  });

  it('records after the newest generation that do not start at the expected seq are damage', async () => {
    await interruptCompaction(dir, 'newLog');
    const clean = await readUnchanged();
    const from = (clean.carriedOver as { firstSeq: number }).firstSeq;
    const path = join(dir, LOG0);
    const scan = scanSegment(readFileSync(path));
    if (!scan.header) throw new Error('no header');
    // The old log without the first two records after the cut: a gap after the snapshot.
    const rest = scan.records.filter((r) => r.seq >= from + 2);
    writeFileSync(path, Buffer.concat([encodeSegmentHeader({ ...scan.header, firstSeq: from + 2 }), ...rest.map((r) => encodeRecord(r))]));
    const view = await readUnchanged();
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: LOG0, problem: expect.stringMatching(`continues at sequence ${from + 2} .*expected ${from}`) }));
    expect(view.carriedOver).toBeUndefined();
    await expect(FileLedger.open({ dir })).rejects.toThrow(LedgerCorruptError);
  });

  it("an unreadable header of the previous log is damage and makes the view unreadable", async () => {
    await interruptCompaction(dir, 'newLog');
    const path = join(dir, LOG0);
    writeFileSync(path, readFileSync(path).subarray(0, 10));
    const view = await readUnchanged();
    expect(view.unreadable).toBe(true);
    expect(view.findings).toContainEqual(expect.objectContaining({ severity: 'damage', file: LOG0, offset: 0, problem: expect.stringMatching(/unreadable segment header/) }));
    await expect(FileLedger.open({ dir })).rejects.toThrow(LedgerCorruptError);
  });
});
