import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../src/errors/index.js';
import type { IntentRecord } from '../../src/ledger/intent.js';
import type { ClaimRequest, ClaimResult } from '../../src/ledger/ledger-store.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { checkLedgerAgainstModel, type LedgerModelCheckOptions } from '../../src/testing/index.js';
import { rebuildModel } from '../../src/testing/ledger-model.js';
import { draftOf } from '../../src/testing/ledger-drafts.js';

// The model-based store check (`checkLedgerAgainstModel` of `intentkey/testing`) itself: it
// passes on the model, and it catches a store that breaks lease exclusion. The server
// stores run it in their own files, the file store in file-ledger-model.property.test.ts.

/** Grants every claim, live leases of other owners included. */
class GreedyLedger extends MemoryLedger {
  override async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    const record = await this.get(id);
    if (record?.leaseOwner !== undefined) await this.release(id, record.leaseOwner, record.epoch);
    return super.claim(id, request);
  }
}

const memoryOpen: LedgerModelCheckOptions['open'] = async () => {
  const store = new MemoryLedger();
  return { store, dispose: () => store.close() };
};

describe('model-based store check', () => {
  it('passes a MemoryLedger shared by two handles', async () => {
    const totals = await checkLedgerAgainstModel({
      open: async () => {
        const store = new MemoryLedger();
        return { store, peer: store, reopen: async () => ({ store }), dispose: () => store.close() };
      },
      numRuns: 100,
    });
    expect(totals.runs).toBe(100);
    expect(totals.transitions).toBeGreaterThan(totals.runs);
    expect(totals.takeovers).toBeGreaterThan(0);
    expect(totals.reopens).toBeGreaterThan(0);
  });

  it('fails a store that grants a claim while another owner holds a live lease', async () => {
    await expect(
      checkLedgerAgainstModel({
        open: async () => {
          const store = new GreedyLedger();
          return { store, dispose: () => store.close() };
        },
        numRuns: 100,
      }),
    ).rejects.toThrow(/Property failed/);
  });

  it("with reopenKeeps 'acknowledgedWrites', fails a store whose reopen forgets a transition", async () => {
    // A reopen that brings back the intents as first created: every later write is lost.
    await expect(
      checkLedgerAgainstModel({
        reopenKeeps: 'acknowledgedWrites',
        open: async () => {
          let store = new MemoryLedger();
          return {
            store,
            reopen: async () => {
              const created = new MemoryLedger();
              for (const id of ['a', 'b', 'c', 'd', 'e']) {
                const r = await store.get(id);
                if (!r) continue;
                const { status: _s, attempt: _a, epoch: _e, updatedAt: _u, outcome: _o, leaseOwner: _l, leaseExpiresAt: _t, ...draft } = r;
                await created.create(draft, r.createdAt);
              }
              store = created;
              return { store };
            },
            dispose: () => store.close(),
          };
        },
        numRuns: 100,
      }),
    ).rejects.toThrow(/Property failed/);
  });

  it('rejects bad options with a ConfigurationError naming the option, before running anything', async () => {
    let opened = 0;
    const open: LedgerModelCheckOptions['open'] = async () => {
      opened++;
      return memoryOpen();
    };
    const bad: Array<[Partial<LedgerModelCheckOptions>, string]> = [
      [{ intents: 0 }, 'intents'],
      [{ intents: 27 }, 'intents'],
      [{ numRuns: 1.5 }, 'numRuns'],
      [{ maxCommands: -1 }, 'maxCommands'],
      [{ retentionMs: Number.NaN }, 'retentionMs'],
      [{ reopenKeeps: 'leases' as never }, 'reopenKeeps'],
    ];
    for (const [extra, option] of bad) {
      const error: unknown = await checkLedgerAgainstModel({ open, ...extra }).catch((e: unknown) => e);
      expect(error, option).toBeInstanceOf(ConfigurationError);
      expect((error as ConfigurationError).path).toBe(`checkLedgerAgainstModel(options).${option}`);
    }
    await expect(checkLedgerAgainstModel({ open: 'not a function' as never })).rejects.toThrow(/options\)\.open/);
    expect(opened).toBe(0);
  });

  it('the replay that rebuilds the model reproduces records of every shape', async () => {
    const base = draftOf('x');
    const at = base.createdAt;
    const shapes: IntentRecord[] = [
      { ...base, status: 'pending', attempt: 0, epoch: 0, updatedAt: at },
      { ...base, status: 'pending', attempt: 2, epoch: 3, updatedAt: at + 5 },
      { ...base, status: 'pending', attempt: 0, epoch: 2, updatedAt: at + 1, leaseOwner: 'w1', leaseExpiresAt: at + 40 },
      { ...base, status: 'inFlight', attempt: 1, epoch: 1, updatedAt: at + 1, outcome: { kind: 'x', reason: 'y' } },
      { ...base, status: 'failed', attempt: 0, epoch: 0, updatedAt: at + 2, outcome: { kind: 'fatal', reason: 'expired' } },
      { ...base, status: 'succeeded', attempt: 3, epoch: 4, updatedAt: at + 9, outcome: { kind: 'success', reason: 'ok', result: { id: 1 } } },
      { ...base, status: 'unknown', attempt: 1, epoch: 0, updatedAt: at + 3 },
    ];
    for (const [i, shape] of shapes.entries()) {
      const record = { ...shape, id: `x${i}` };
      const mem = await rebuildModel([record]);
      expect(isDeepStrictEqual(await mem.get(record.id), record)).toBe(true);
    }
  });
});
