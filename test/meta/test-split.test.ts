/**
 * `npm run test:fast` and `npm run test:slow` split `npm test` in two: every test file
 * runs in exactly one of them, so a new file cannot fall out of both (vitest.config.ts
 * says how the split is made). Checked on the file lists vitest itself collects
 * (`vitest list --filesOnly`) in each mode, not on a copy of its glob rules.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SLOW_FILES } from '../../vitest.config.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VITEST = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');

/** The test files vitest collects with `--mode <mode>`, relative to the repository root, sorted. */
async function filesOf(mode: 'test' | 'fast' | 'slow'): Promise<string[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [VITEST, 'list', '--filesOnly', '--json', '--mode', mode], {
    cwd: ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  const listed = JSON.parse(stdout) as Array<{ file: string }>;
  return listed.map((entry) => relative(ROOT, entry.file).split('\\').join('/')).sort();
}

describe('the fast and slow test runs', () => {
  it('partition the files of `npm test`: each file is in exactly one of them', async () => {
    const [all, fast, slow] = await Promise.all([filesOf('test'), filesOf('fast'), filesOf('slow')]);
    expect(all.length).toBeGreaterThan(100);
    expect(fast.filter((file) => slow.includes(file)), 'files in both runs').toEqual([]);
    expect(all.filter((file) => !fast.includes(file) && !slow.includes(file)), 'files in neither run').toEqual([]);
    expect([...fast, ...slow].sort(), 'fast and slow together').toEqual(all);
    // This file guards the split, so it runs in the edit loop.
    expect(fast).toContain('test/meta/test-split.test.ts');
  }, 60_000);

  it('names only test files that exist, each once, in the slow list', () => {
    expect(SLOW_FILES.filter((file) => !existsSync(join(ROOT, file))), 'listed as slow but missing').toEqual([]);
    expect(new Set(SLOW_FILES).size).toBe(SLOW_FILES.length);
    expect(SLOW_FILES.every((file) => file.endsWith('.test.ts'))).toBe(true);
  });
});
