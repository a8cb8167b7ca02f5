import * as fs from 'node:fs';
import { mkdtempSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSyncCore } from '../../../../src/stores/file/sync-core.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/**
 * A core over the real file system whose clock runs `aheadMs` in the future, so the lock
 * file looks old enough for its metadata to be trusted at once; counts lock-file reads.
 */
function setup(aheadMs: number): { core: ReturnType<typeof createSyncCore>; lockPath: string; logPath: string; reads: () => number } {
  const dir = mkdtempSync(join(tmpdir(), 'intentkey-fence-'));
  dirs.push(dir);
  const lockPath = join(dir, 'ledger.lock');
  const logPath = join(dir, 'log.ikl');
  writeFileSync(lockPath, JSON.stringify({ nonce: 'a'.repeat(32) }));
  // An old mtime, so a rewrite in place shows on any kernel's timestamp granularity.
  utimesSync(lockPath, new Date(Date.now() - 3_600_000), new Date(Date.now() - 3_600_000));
  writeFileSync(logPath, '');
  let lockReads = 0;
  const core = createSyncCore({
    ...fs,
    readFileSync: ((path: string, options?: unknown) => {
      if (path === lockPath) lockReads++;
      return fs.readFileSync(path, options as BufferEncoding | undefined);
    }) as typeof fs.readFileSync,
    join,
    dirname,
    basename,
    pid: process.pid,
    now: () => Date.now() + aheadMs,
  });
  core.openAppend(logPath, { path: lockPath, token: 'a'.repeat(32) });
  return { core, lockPath, logPath, reads: () => lockReads };
}

const replaceLock = (lockPath: string, nonce: string): void => {
  // As a takeover does: move the old file away, delete it, create a new one.
  renameSync(lockPath, `${lockPath}.stale`);
  unlinkSync(`${lockPath}.stale`);
  writeFileSync(lockPath, JSON.stringify({ nonce }));
};

describe('append fencing by the lock file', () => {
  it('skips re-reading an old, unchanged lock file and still stops after a takeover', () => {
    const { core, lockPath, logPath, reads } = setup(60_000);
    core.append(Buffer.from('one'));
    core.append(Buffer.from('two'));
    core.append(Buffer.from('three'));
    expect(reads()).toBe(1);
    replaceLock(lockPath, 'b'.repeat(32));
    expect(() => core.append(Buffer.from('four'))).toThrow(expect.objectContaining({ code: 'ERR_LEDGER_LOCK_LOST' }) as Error);
    expect(readFileSync(logPath, 'utf8')).toBe('onetwothree');
  });

  it('stops after the lock file is rewritten in place with the same size', () => {
    const { core, lockPath, logPath } = setup(60_000);
    core.append(Buffer.from('one'));
    writeFileSync(lockPath, JSON.stringify({ nonce: 'c'.repeat(32) }));
    expect(statSync(lockPath).size).toBe(JSON.stringify({ nonce: 'a'.repeat(32) }).length);
    expect(() => core.append(Buffer.from('two'))).toThrow(expect.objectContaining({ code: 'ERR_LEDGER_LOCK_LOST' }) as Error);
    expect(readFileSync(logPath, 'utf8')).toBe('one');
  });

  it('re-reads a young lock file before every append (its timestamps may not show a change yet)', () => {
    const { core, reads } = setup(0);
    core.append(Buffer.from('one'));
    core.append(Buffer.from('two'));
    expect(reads()).toBe(2);
  });
});
