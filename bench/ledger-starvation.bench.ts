/**
 * Why the file ledger writes from its own worker thread: an fsync sent to libuv's shared
 * thread pool waits behind whatever else is queued there.
 *
 * Four pbkdf2 jobs keep libuv's default thread pool (4 threads) busy, as password
 * hashing, DNS or zlib work in a real service would. Meanwhile we commit intents:
 *   - through FileLedger (append + fdatasync on a dedicated worker thread);
 *   - through fs.promises append + datasync (the thread pool, the usual async way).
 * Reported: commit latency p50/p99/max and event-loop delay while committing.
 *
 * Run: npm run bench:ledger-starvation   (about 20 s; writes to a temp directory)
 */
import { pbkdf2 } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { FileLedger } from '../src/index.js';

const COMMITS = Number(process.env['COMMITS'] ?? 200);
const BUSY_JOBS = 4;

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Keeps `BUSY_JOBS` pbkdf2 jobs on the thread pool until `stop()`. */
function saturatePool(): () => void {
  let running = true;
  const loop = (): void => {
    if (!running) return;
    pbkdf2('password', 'salt', 400_000, 64, 'sha512', loop);
  };
  for (let i = 0; i < BUSY_JOBS; i++) loop();
  return () => {
    running = false;
  };
}

async function measure(label: string, commit: (i: number) => Promise<void>): Promise<string> {
  const latencies: number[] = [];
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  for (let i = 0; i < COMMITS; i++) {
    const start = process.hrtime.bigint();
    await commit(i);
    latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  loop.disable();
  latencies.sort((a, b) => a - b);
  return `${label.padEnd(44)} p50 ${percentile(latencies, 50).toFixed(2).padStart(8)} ms   p99 ${percentile(latencies, 99).toFixed(2).padStart(8)} ms   max ${(latencies.at(-1) ?? NaN).toFixed(2).padStart(8)} ms   loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(2)} ms`;
}

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'intentkey-starve-'));
  const lines: string[] = [];
  try {
    for (const busy of [false, true]) {
      const stop = busy ? saturatePool() : () => undefined;
      const tag = busy ? `with ${BUSY_JOBS} pbkdf2 jobs on the pool` : 'idle pool';

      const ledger = await FileLedger.open({ dir: join(root, `ledger-${String(busy)}`) });
      lines.push(
        await measure(`FileLedger create (worker thread), ${tag}`, (i) =>
          ledger
            .create({ id: `i${i}`, scope: 's', operation: 'o', venue: 'v', key: `k${i}`, venueKey: `k${i}`, fingerprint: 'f', input: { i }, createdAt: i }, i)
            .then(() => undefined),
        ),
      );
      await ledger.close();

      const handle = await open(join(root, `plain-${String(busy)}.log`), 'a');
      const record = Buffer.alloc(200, 0x61);
      lines.push(
        await measure(`fs.promises append + datasync, ${tag}`, async () => {
          await handle.write(record);
          await handle.datasync();
        }),
      );
      await handle.close();
      stop();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log(`${COMMITS} sequential commits each, Node ${process.version}`);
  for (const l of lines) console.log(l);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
