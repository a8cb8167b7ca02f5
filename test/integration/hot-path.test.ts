import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { binanceSpot, createIntentClient, FileLedger, MemoryLedger } from '../../src/index.js';
import type { IntentDraft, IntentRecord, LedgerStore } from '../../src/index.js';
import type { CreateInFlight, TransitionRequest } from '../../src/ledger/index.js';
import { ManualClock, SeededRandom } from '../../src/testing/index.js';
import { scripted, scriptedExchange, type Answer, type Sent } from '../helpers/scripted-adapter.js';

/**
 * The happy path's ledger cost: a new intent is created already claimed with its first
 * attempt in flight (one write before the first byte), and the outcome gives the lease
 * back (one write after the answer). Every other path keeps its old steps.
 */

const exchange = scriptedExchange('hot-exchange');
const WORKER = 'worker-hot';

/** Wraps a store and records each call the client makes, with the arguments that matter here. */
function counting(inner: LedgerStore, options: { ignoreInFlight?: boolean } = {}): { store: LedgerStore; calls: string[] } {
  const calls: string[] = [];
  const store: LedgerStore = {
    capabilities: inner.capabilities,
    create: (draft: IntentDraft, now: number, inFlight?: CreateInFlight) => {
      calls.push(inFlight === undefined ? 'create' : `create+inFlight`);
      // A store written before the in-flight start existed: it creates a pending intent.
      return options.ignoreInFlight === true ? inner.create(draft, now) : inner.create(draft, now, inFlight);
    },
    get: (id) => inner.get(id),
    claim: (id, request) => {
      calls.push('claim');
      return inner.claim(id, request);
    },
    transition: (id, request: TransitionRequest) => {
      calls.push(`${request.to}${request.releaseLease === true ? '+release' : ''}`);
      return inner.transition(id, request);
    },
    release: (id, owner, epoch) => {
      calls.push('release');
      return inner.release(id, owner, epoch);
    },
    listResumable: () => inner.listResumable(),
    close: () => inner.close(),
  };
  return { store, calls };
}

function setup(store: LedgerStore, answer: (req: Sent, index: number) => Answer, clock = new ManualClock()) {
  const { adapter, sent } = scripted(clock, answer);
  const client = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test/api' }), {
    venue: exchange,
    ledger: store,
    clock,
    sleep: clock.sleep,
    random: new SeededRandom(7),
    workerId: WORKER,
    attemptTimeoutMs: 1_000,
    retry: { maxAttempts: 4, deadlineMs: 3_600_000 },
  });
  return { client, sent, clock };
}

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the happy path costs two ledger writes', () => {
  it('create (claimed, attempt 1 in flight) before the send, then the outcome, which releases the lease', async () => {
    const inner = new MemoryLedger();
    const { store, calls } = counting(inner);
    let seenAtSend: IntentRecord | undefined;
    const { client } = setup(store, () => ({ status: 200, data: { orderId: 1 } }));
    const op = client.operation('order', {
      request: (_input: unknown, ctx) => ({ method: 'POST', url: '/order', params: { id: ctx.intentId } }),
    });
    // The venue looks at the ledger when the request arrives: the attempt must already be recorded.
    const probe = createIntentClient(
      axios.create({
        adapter: async (config) => {
          seenAtSend = await inner.get((config.intentkey as { intentId: string }).intentId);
          return { data: { orderId: 2 }, status: 200, statusText: '', headers: {}, config, request: {} };
        },
      }),
      { venue: exchange, ledger: store, clock: new ManualClock(), random: new SeededRandom(8), workerId: WORKER },
    );
    const probeOp = probe.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });

    const result = await op({ qty: 1 }, { businessId: 'h1' });
    expect(calls).toEqual(['create+inFlight', 'succeeded+release']);
    const stored = await inner.get(result.intentId);
    expect(stored?.status).toBe('succeeded');
    expect([stored?.leaseOwner, stored?.leaseExpiresAt, stored?.attempt, stored?.epoch]).toEqual([undefined, undefined, 1, 1]);

    calls.length = 0;
    const probed = await probeOp({}, { businessId: 'h2' });
    expect(calls).toEqual(['create+inFlight', 'succeeded+release']);
    expect(seenAtSend?.id).toBe(probed.intentId);
    expect([seenAtSend?.status, seenAtSend?.attempt, seenAtSend?.leaseOwner]).toEqual(['inFlight', 1, WORKER]);
    expect(seenAtSend?.outcome?.kind).toBe('inFlight');
    expect(seenAtSend?.outcome?.correlationId).toMatch(/^ik-/);
  });

  it('a store that ignores the in-flight start gets the long path, with the same result', async () => {
    const inner = new MemoryLedger();
    const { store, calls } = counting(inner, { ignoreInFlight: true });
    const { client, sent } = setup(store, () => ({ status: 200, data: { orderId: 1 } }));
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    const result = await op({}, { businessId: 'l1' });
    expect(result.attempts).toBe(1);
    expect(sent).toHaveLength(1);
    expect(calls).toEqual(['create+inFlight', 'claim', 'inFlight', 'succeeded+release']);
    expect((await inner.get(result.intentId))?.leaseOwner).toBeUndefined();
  });

  it('an existing intent is not touched by the in-flight start: it is replayed, or claimed and run', async () => {
    const inner = new MemoryLedger();
    const { store, calls } = counting(inner);
    const { client, sent } = setup(store, () => ({ status: 200, data: { orderId: 1 } }));
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
    await op({}, { businessId: 'e1' });
    calls.length = 0;
    const replay = await op({}, { businessId: 'e1' });
    expect(replay.replayed).toBe(true);
    expect(calls).toEqual(['create+inFlight']);
    expect(sent).toHaveLength(1);
  });

  it('a request builder that throws leaves a pending intent, created without an attempt, and nothing is sent', async () => {
    const inner = new MemoryLedger();
    const { store, calls } = counting(inner);
    const { client, sent } = setup(store, () => ({ status: 200 }));
    const op = client.operation('order', {
      request: () => {
        throw new Error('cannot build');
      },
    });
    await expect(op({}, { businessId: 'b1' })).rejects.toThrow('cannot build');
    expect(sent).toHaveLength(0);
    expect(calls[0]).toBe('create');
    const [stored] = await inner.listResumable();
    expect([stored?.status, stored?.attempt]).toEqual(['pending', 0]);
  });

  it('while the venue is held (a ban), a new intent is created pending and waits: no attempt is recorded before the hold ends', async () => {
    const clock = new ManualClock({ autoAdvance: false });
    const inner = new MemoryLedger();
    const { store, calls } = counting(inner);
    let posts = 0;
    const { adapter, sent } = scripted(clock, () => (++posts === 1 ? { status: 418, data: { code: -1003, msg: 'banned' }, headers: { 'retry-after': '5' } } : { status: 200, data: { orderId: posts } }));
    const client = createIntentClient(axios.create({ adapter, baseURL: 'http://venue.test/api' }), {
      venue: binanceSpot,
      ledger: store,
      clock,
      sleep: clock.sleep,
      random: new SeededRandom(9),
      workerId: WORKER,
      retry: { maxAttempts: 4, deadlineMs: 3_600_000 },
    });
    const op = client.operation('order', { request: () => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT' } }) });
    const first = op({}, { businessId: 'ban-1' });
    await clock.whenSleeping(1);
    calls.length = 0;
    const second = op({}, { businessId: 'ban-2' });
    await clock.whenSleeping(2);
    expect(calls).toEqual(['create', 'claim']);
    expect(sent).toHaveLength(1);
    clock.advance(10_000);
    await Promise.all([first, second]);
    expect(sent).toHaveLength(3);
  });
});

describe('FileLedger: two flushes per request', () => {
  it('a first-try success at concurrency 1 waits for exactly two group commits', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'intentkey-hot-'));
    dirs.push(dir);
    const ledger = await FileLedger.open({ dir });
    const flushes: number[] = [];
    ledger.observe((o) => {
      if (o.type === 'flush') flushes.push(o.records);
    });
    try {
      const { client } = setup(ledger, () => ({ status: 200, data: { orderId: 1 } }));
      const op = client.operation('order', { request: () => ({ method: 'POST', url: '/order' }) });
      for (let i = 0; i < 5; i++) {
        const before = flushes.length;
        await op({}, { businessId: `f${i}` });
        expect(flushes.length - before, `request ${i}`).toBe(2);
      }
    } finally {
      await ledger.close();
    }
  });
});
