// vitest globalSetup: the `intentkey` command tests run the built bin (dist/cli.js) as
// a child process. CI builds before it tests; on a laptop a run after a source change
// would test a stale bin, so this rebuilds once, before any test file loads, when any
// source is newer than the built bin (or it is missing).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'cli.js');

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Blocks the (setup-only) thread for `ms`: waiting for another run's build to finish. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function stale(): boolean {
  const sources = Math.max(newestMtime(join(ROOT, 'src')), statSync(join(ROOT, 'tsup.config.ts')).mtimeMs, statSync(join(ROOT, 'package.json')).mtimeMs);
  return !(existsSync(BIN) && statSync(BIN).mtimeMs >= sources);
}

export default function setup(): void {
  if (!stale()) return;
  // Two test runs at once (two terminals) must not both wipe and write dist/: the lock
  // directory is created atomically by one of them; the other waits for it (at most 2 min).
  const lock = join(ROOT, 'node_modules', '.cache', 'intentkey-build.lock');
  mkdirSync(join(ROOT, 'node_modules', '.cache'), { recursive: true });
  for (let waited = 0; ; waited += 200) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited > 120_000) rmSync(lock, { recursive: true, force: true });
      pause(200);
    }
  }
  try {
    if (stale()) execFileSync(process.execPath, [join(ROOT, 'node_modules', 'tsup', 'dist', 'cli-default.js')], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    // Not fatal here: only the tests of the built bin need it, and they fail on their own,
    // while the rest of the suite still runs. Say why, once.
    const output = (error as { stderr?: Buffer }).stderr?.toString('utf8') ?? String(error);
    process.stderr.write(`\nWARNING: building dist/ for the intentkey command tests failed; those tests will fail:\n${output.slice(-2000)}\n`);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
