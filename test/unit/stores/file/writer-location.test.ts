import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { writerEntry, WRITER_ENTRY_NAME } from '../../../../src/stores/file/writer-location.js';

describe('writerEntry (where the file ledger finds its writer thread)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  /** A fake built package: `files` are created (empty) under a fresh folder. */
  const dist = (...files: string[]): string => {
    const root = mkdtempSync(join(tmpdir(), 'intentkey-writer-location-'));
    dirs.push(root);
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), '');
    }
    return root;
  };
  const url = (root: string, file: string): string => pathToFileURL(join(root, file)).href;

  it('finds the ESM writer beside a module at the root of dist/', () => {
    const root = dist(`${WRITER_ENTRY_NAME}.js`, `${WRITER_ENTRY_NAME}.cjs`);
    expect(writerEntry(url(root, 'chunk-A.js'))).toEqual({ file: new URL(url(root, `${WRITER_ENTRY_NAME}.js`)) });
  });

  it('finds the CommonJS writer for a CommonJS module, from a sub-folder entry', () => {
    const root = dist(`${WRITER_ENTRY_NAME}.js`, `${WRITER_ENTRY_NAME}.cjs`);
    expect(writerEntry(url(root, 'stores/file.cjs'))).toEqual({ file: new URL(url(root, `${WRITER_ENTRY_NAME}.cjs`)) });
  });

  it('fails with a clear message when the built writer is missing', () => {
    const root = dist(`${WRITER_ENTRY_NAME}.cjs`);
    expect(() => writerEntry(url(root, 'chunk-B.js'))).toThrow(/writer thread \(ledger-writer\.js\) is missing .*reinstall/);
  });

  it('bundles the writer from the TypeScript sources when run from them', () => {
    const entry = writerEntry(new URL('../../../../src/stores/file/writer-location.ts', import.meta.url).href);
    expect('code' in entry).toBe(true);
    // The bundle carries the synchronous core and the role check of writer-thread.ts.
    expect((entry as { code: string }).code).toContain('intentkey-ledger-writer');
    expect((entry as { code: string }).code).toContain('fdatasyncSync');
  });

  it('the writer module does nothing in a worker not started as the writer (no listener keeps it alive)', async () => {
    const entry = writerEntry(new URL('../../../../src/stores/file/writer-location.ts', import.meta.url).href);
    const run = (workerData: unknown): Promise<number> =>
      new Promise((resolve, reject) => {
        const worker = new Worker((entry as { code: string }).code, { eval: true, workerData, stdout: false, stderr: false });
        worker.on('error', reject);
        worker.on('exit', resolve);
        // The writer answers this; anything else leaves it unanswered and exits on its own.
        worker.on('message', () => void worker.terminate());
        worker.postMessage({ id: 1, op: 'list', args: [tmpdir()] });
      });
    // Not the writer: no message listener is registered, so the thread ends by itself (code 0).
    expect(await run({ role: 'something-else' })).toBe(0);
    // The writer: it answers the request (and is then terminated, code 1).
    expect(await run({ role: 'intentkey-ledger-writer' })).toBe(1);
  });
});
