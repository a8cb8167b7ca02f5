import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, extendVenue, FileLedger } from '../../src/index.js';
import type { IntentDraft } from '../../src/index.js';
import { ManualClock, SeededRandom, startFakeVenue } from '../../src/testing/index.js';
import { scripted, scriptedExchange } from '../helpers/scripted-adapter.js';
import { sizeFromEnv } from '../helpers/sizes.js';

/**
 * `outcomeDurability: 'lazy'`: a success resolves before its flush. What a crash in that
 * window costs is stated in FileLedgerOptions.outcomeDurability (a lookup, or a same-key
 * resend, never a second execution); the SIGKILL test below checks that statement.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const srcIndex = new URL('../../src/index.ts', import.meta.url).href;
const T0 = 1_700_000_000_000;

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'intentkey-lazy-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const draft = (id: string): IntentDraft => ({ id, scope: 's', operation: 'op', venue: 'v', key: `k-${id}`, venueKey: `k-${id}`, fingerprint: 'f', input: { id }, createdAt: T0 });
const inFlightStart = { owner: 'w', leaseMs: 60_000, outcome: { kind: 'inFlight', reason: 'attempt in flight' } };

/** Opens a ledger and counts its completed group commits. */
async function counted(dir: string, outcomeDurability?: 'durable' | 'lazy'): Promise<{ ledger: FileLedger; flushes: () => number }> {
  // A lazy success waits a minute for a write to share its flush (2 ms by default), so
  // which group commit carries it does not depend on the machine's speed.
  const ledger = await FileLedger.open({ dir, lazyFlushDelayMs: 60_000, ...(outcomeDurability === undefined ? {} : { outcomeDurability }) });
  let flushes = 0;
  ledger.observe((o) => {
    if (o.type === 'flush') flushes++;
  });
  return { ledger, flushes: () => flushes };
}

describe("FileLedger outcomeDurability: 'lazy'", () => {
  it('a success resolves before its flush; with the default it resolves after it', async () => {
    for (const mode of ['lazy', 'durable'] as const) {
      const { ledger, flushes } = await counted(tempDir(), mode);
      try {
        await ledger.create(draft('a'), T0, inFlightStart);
        const before = flushes();
        const done = await ledger.transition('a', { expectStatus: 'inFlight', expectEpoch: 1, to: 'succeeded', now: T0 + 1, outcome: { kind: 'success', reason: 'ok' }, releaseLease: true });
        // The flush completes on the writer thread and is reported in a later macrotask,
        // so right after the await it is seen only if the call waited for it.
        expect(flushes() - before, mode).toBe(mode === 'lazy' ? 0 : 1);
        expect(done.status).toBe('succeeded');
        // A replay (a create of the same id) and a read of the intent wait for the flush either way.
        const replay = await ledger.create(draft('a'), T0 + 2, inFlightStart);
        expect([replay.created, replay.record.status]).toEqual([false, 'succeeded']);
        expect(flushes() - before, mode).toBe(1);
        expect((await ledger.get('a'))?.status).toBe('succeeded');
      } finally {
        await ledger.close();
      }
    }
  });

  it('only successes are lazy: a failure, an unknown outcome and every write before a send wait for their flush', async () => {
    const { ledger, flushes } = await counted(tempDir(), 'lazy');
    try {
      let before = flushes();
      await ledger.create(draft('b'), T0, inFlightStart);
      expect(flushes() - before, 'create in flight').toBe(1);
      before = flushes();
      await ledger.transition('b', { expectStatus: 'inFlight', expectEpoch: 1, to: 'unknown', now: T0 + 1, outcome: { kind: 'unknown', reason: 'timeout' } });
      expect(flushes() - before, 'unknown').toBe(1);
      before = flushes();
      await ledger.transition('b', { expectStatus: 'unknown', expectEpoch: 1, to: 'failed', now: T0 + 2, outcome: { kind: 'fatal', reason: 'rejected' } });
      expect(flushes() - before, 'failed').toBe(1);
      await ledger.create(draft('c'), T0);
      before = flushes();
      await ledger.transition('c', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: T0 + 3 });
      expect(flushes() - before, 'pending -> inFlight').toBe(1);
    } finally {
      await ledger.close();
    }
  });

  it('close() flushes a queued success: it is there after a reopen', async () => {
    const dir = tempDir();
    const { ledger } = await counted(dir, 'lazy');
    await ledger.create(draft('d'), T0, inFlightStart);
    await ledger.transition('d', { expectStatus: 'inFlight', expectEpoch: 1, to: 'succeeded', now: T0 + 1, outcome: { kind: 'success', reason: 'ok' } });
    await ledger.close();
    const again = await FileLedger.open({ dir });
    try {
      expect((await again.get('d'))?.status).toBe('succeeded');
    } finally {
      await again.close();
    }
  });

  it('a first-try success through the client waits for one flush instead of two', async () => {
    for (const mode of ['lazy', 'durable'] as const) {
      const { ledger, flushes } = await counted(tempDir(), mode);
      try {
        const clock = new ManualClock();
        const { adapter } = scripted(clock, () => ({ status: 200, data: { orderId: 1 } }));
        const client = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test' }), { venue: scriptedExchange('lazy-venue'), ledger, clock, random: new SeededRandom(3) });
        const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
        const before = flushes();
        await op({}, { businessId: `one-${mode}` });
        expect(flushes() - before, mode).toBe(mode === 'lazy' ? 1 : 2);
        // Orders placed one after another: each create carries the previous order's
        // success in its group commit, so the lazy mode costs one flush per order.
        const start = flushes();
        for (let i = 0; i < 5; i++) await op({}, { businessId: `seq-${mode}-${i}` });
        expect(flushes() - start, mode).toBe(mode === 'lazy' ? 5 : 10);
      } finally {
        await ledger.close();
      }
    }
  });

  it('refuses an unknown value, naming the option', async () => {
    await expect(FileLedger.open({ dir: tempDir(), outcomeDurability: 'sometimes' as never })).rejects.toThrow(/outcomeDurability[\s\S]*one of "durable", "lazy"[\s\S]*"sometimes"/);
  });
});

/**
 * A child places orders one at a time through a lazy FileLedger whose flushes are slowed
 * (each append waits 300 ms before it is written), prints each business id the moment its
 * call resolves, and is SIGKILLed by the parent on that line: inside the window between a
 * lazy success and its flush.
 */
const CHILD = `
  const { createIntentClient, extendVenue, binanceSpot, FileLedger } = await import(process.env.SRC_INDEX);
  const { WorkerLedgerIo } = await import(process.env.IO_MODULE);
  const axios = (await import('axios')).default;
  const io = new WorkerLedgerIo();
  const append = io.append.bind(io);
  io.append = async (data) => { await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS))); return append(data); };
  const ledger = await FileLedger.open({ dir: process.env.LEDGER_DIR, outcomeDurability: process.env.DURABILITY, io });
  const venue = extendVenue(binanceSpot, { name: 'lazy-kill', reconcile: { settleDelayMs: 200 } });
  const client = createIntentClient(axios.create({ baseURL: process.env.VENUE_URL }), { venue, ledger, leaseMs: 1000 });
  const op = client.operation('order', {
    request: (o) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', businessId: o.id } }),
    reconcile: (o, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: ctx.venueKey } }),
  });
  await op({ id: process.env.BUSINESS_ID }, { businessId: process.env.BUSINESS_ID });
  process.stdout.write(process.env.BUSINESS_ID + '\\n');
  // Alive until the parent's SIGKILL. A never-settled promise alone would not do: with
  // nothing left to do the process exits (code 13; Node 22 and later also warn).
  setInterval(() => {}, 60_000);
`;

async function placeAndKill(env: Record<string, string>): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', CHILD], {
    cwd: repoRoot,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = once(child, 'exit');
  if (!child.stdout) throw new Error('child has no stdout');
  const lines = createInterface({ input: child.stdout });
  const resolved = await Promise.race([once(lines, 'line'), exited.then(([code]) => Promise.reject(new Error(`child exited with ${String(code)} before resolving`)))]);
  expect(resolved).toEqual([env['BUSINESS_ID']]);
  child.kill('SIGKILL');
  await exited;
  lines.close();
}

describe("SIGKILL right after a lazy success resolves (outcomeDurability: 'lazy')", () => {
  const ROUNDS = sizeFromEnv('INTENTKEY_LAZY_KILL_ROUNDS', 3);
  it(`the success is lost from the ledger, and recover() settles it by lookup with one execution (${ROUNDS} rounds; one 'durable' round as the control)`, async () => {
    const venueServer = await startFakeVenue({ mode: 'exchange', seed: 5 });
    try {
      for (const durability of ['lazy', 'durable'] as const) {
        // The control needs one round: it only shows the window is the lazy mode's.
        for (let round = 0; round < (durability === 'lazy' ? ROUNDS : 1); round++) {
          const dir = tempDir();
          const businessId = `kill-${durability}-${round}`;
          await placeAndKill({
            SRC_INDEX: srcIndex,
            IO_MODULE: new URL('../../src/stores/file/io.ts', import.meta.url).href,
            LEDGER_DIR: dir,
            DURABILITY: durability,
            SLOW_MS: '300',
            VENUE_URL: venueServer.url,
            BUSINESS_ID: businessId,
          });
          expect(venueServer.executionsOf(businessId)).toBe(1);
          const ledger = await FileLedger.open({ dir });
          try {
            const [found] = (await ledger.list({ limit: 10 }));
            if (durability === 'durable') {
              // The control: the call resolved only after the success was flushed.
              expect(found?.status, businessId).toBe('succeeded');
              continue;
            }
            // The window was hit: the success never reached the disk.
            expect([found?.status, found?.attempt], businessId).toEqual(['inFlight', 1]);
            const venue = extendVenue(binanceSpot, { name: 'lazy-kill', reconcile: { settleDelayMs: 200 } });
            const client = createIntentClient(axios.create({ baseURL: venueServer.url }), { venue, ledger, leaseMs: 1_000 });
            client.operation('order', {
              request: (o: { id: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01', businessId: o.id } }),
              reconcile: (_o, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: 'BTCUSDT', origClientOrderId: ctx.venueKey } }),
            });
            const report = await client.recover();
            expect(report).toMatchObject({ resumed: 1, succeeded: 1, resent: 0, needsAttention: [] });
            expect((await ledger.get(found?.id ?? ''))?.status).toBe('succeeded');
            expect(venueServer.executionsOf(businessId), 'never a second execution').toBe(1);
          } finally {
            await ledger.close();
          }
        }
      }
    } finally {
      await venueServer.close();
    }
  }, 120_000);
});
