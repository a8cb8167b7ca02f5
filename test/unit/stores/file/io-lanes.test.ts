import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FileLedger } from '../../../../src/stores/file/file-ledger.js';
import { WorkerLedgerIo, type LedgerIoAside } from '../../../../src/stores/file/io.js';
import { createSyncCore } from '../../../../src/stores/file/sync-core.js';
import { CrashFs, MUTATING_KINDS } from '../../../helpers/crash-fs.js';
import { draftOf } from '../../../helpers/interrupted-compaction.js';

const roots: string[] = [];
afterEach(() => {
  for (const d of roots.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Two cores over one file system, as the ledger's two writer threads, sharing a stop flag or not. */
function twoLanes(shared: boolean) {
  const fs = new CrashFs();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const a = createSyncCore(fs.asCoreFs(), undefined, flag);
  const b = createSyncCore(fs.asCoreFs(), undefined, shared ? flag : new Int32Array(new SharedArrayBuffer(4)));
  a.ensureDir('/ledger');
  return { fs, a, b };
}

describe('the ledger io: a failed change stops every later change, on both writer lanes', () => {
  it('after a failed write on one lane, the other lane writes nothing (ERR_LEDGER_STOPPED), and neither retries', () => {
    const { fs, a, b } = twoLanes(true);
    fs.failAt(1, 'EIO', { kinds: ['write'] });
    expect(() => a.writeDurable('/ledger/snapshot-00000001.ikl', Buffer.from('snapshot'))).toThrow(expect.objectContaining({ code: 'EIO' }));
    const failure = fs.failures[0];
    if (!failure) throw new Error('the fault did not fire');
    expect(() => b.writeDurable('/ledger/log-00000001.ikl', Buffer.from('log'))).toThrow(expect.objectContaining({ code: 'ERR_LEDGER_STOPPED' }));
    expect(() => b.remove('/ledger/log-00000000.ikl')).toThrow(expect.objectContaining({ code: 'ERR_LEDGER_STOPPED' }));
    // The failing lane itself keeps refusing with its own error, even once the fault is gone.
    fs.clearFaults();
    expect(() => a.writeDurable('/ledger/other.ikl', Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'EIO' }));
    expect(fs.opsAfter(failure.index).filter((op) => MUTATING_KINDS.includes(op.kind))).toEqual([]);
    // Reads are not changes: still served.
    expect(b.list('/ledger')).toEqual(expect.any(Array));
  });

  it('negative control: cores that do not share the flag do not stop each other', () => {
    const { fs, a, b } = twoLanes(false);
    fs.failAt(1, 'EIO', { kinds: ['write'] });
    expect(() => a.writeDurable('/ledger/snapshot-00000001.ikl', Buffer.from('snapshot'))).toThrow(expect.objectContaining({ code: 'EIO' }));
    b.writeDurable('/ledger/log-00000001.ikl', Buffer.from('log'));
    expect(fs.peekFile('/ledger/log-00000001.ikl')?.toString()).toBe('log');
  });
});

describe('WorkerLedgerIo: the two writer threads share the stop', () => {
  it('a change that fails on the aside thread stops the changes of the main thread (ERR_LEDGER_STOPPED); negative control before it', async () => {
    const root = mkdtempSync(join(tmpdir(), 'intentkey-lanes-'));
    roots.push(root);
    const io = new WorkerLedgerIo();
    try {
      // Before any failure the main thread writes.
      await io.writeDurable(join(root, 'before.ikl'), Buffer.from('a'));
      // A write into a directory that does not exist fails on the aside thread...
      await expect(io.aside.writeDurable(join(root, 'missing', 'snapshot.ikl'), Buffer.from('b'))).rejects.toMatchObject({ code: 'ENOENT' });
      // ...and from then on the main thread changes nothing either.
      await expect(io.writeDurable(join(root, 'after.ikl'), Buffer.from('c'))).rejects.toMatchObject({ code: 'ERR_LEDGER_STOPPED' });
      expect(readdirSync(root).sort()).toEqual(['before.ikl']);
    } finally {
      await io.close();
    }
  });
});

describe('WorkerLedgerIo: a compaction writes its snapshot and the new log on the second lane', () => {
  it('with writes going on, the aside lane takes the snapshot and the new log, and a reopen holds every intent', async () => {
    const root = mkdtempSync(join(tmpdir(), 'intentkey-lanes-'));
    roots.push(root);
    const dir = join(root, 'ledger');
    const written: string[] = [];
    class CountingIo extends WorkerLedgerIo {
      override get aside(): LedgerIoAside {
        const lane = super.aside;
        return {
          read: (path) => lane.read(path),
          readInto: (path, offset, target) => lane.readInto(path, offset, target),
          writeDurable: (path, data, handOver) => {
            written.push(path.slice(dir.length + 1));
            return lane.writeDurable(path, data, handOver);
          },
        };
      }
    }
    const ledger = await FileLedger.open({ dir, io: new CountingIo() });
    for (let i = 0; i < 20; i++) await ledger.create(draftOf(`b${i}`), 1000);
    const compacting = ledger.compact();
    const during = Array.from({ length: 20 }, (_, i) => ledger.create(draftOf(`d${i}`), 1000));
    await Promise.all([compacting, ...during]);
    await ledger.close();
    expect(written).toEqual(['snapshot-00000001.ikl', 'log-00000001.ikl']);
    const reopened = await FileLedger.open({ dir });
    expect(reopened.size).toBe(40);
    for (const id of ['b0', 'b19', 'd0', 'd19']) expect((await reopened.get(id))?.fingerprint).toBe(`fp-${id}`);
    await reopened.close();
  });
});
