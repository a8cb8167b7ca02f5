import { describe, expect, it } from 'vitest';
import type { ClaimRequest, ClaimResult } from '../../src/ledger/ledger-store.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { checkAgainstModel } from '../helpers/ledger-model.js';

// The model-based store check (test/helpers/ledger-model.ts) itself: it passes on the
// model, and it catches a store that breaks lease exclusion. The server stores run it
// in their own files.

/** Grants every claim, live leases of other owners included. */
class GreedyLedger extends MemoryLedger {
  override async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    const record = await this.get(id);
    if (record?.leaseOwner !== undefined) await this.release(id, record.leaseOwner, record.epoch);
    return super.claim(id, request);
  }
}

describe('model-based store check', () => {
  it('passes a MemoryLedger shared by two handles', async () => {
    const totals = await checkAgainstModel({
      open: async () => {
        const store = new MemoryLedger();
        return { store, peer: store, reopen: async () => ({ store }), dispose: () => store.close() };
      },
      numRuns: 100,
    });
    expect(totals.runs).toBe(100);
    expect(totals.transitions).toBeGreaterThan(totals.runs);
    expect(totals.takeovers).toBeGreaterThan(0);
  });

  it('fails a store that grants a claim while another owner holds a live lease', async () => {
    await expect(
      checkAgainstModel({
        open: async () => {
          const store = new GreedyLedger();
          return { store, dispose: () => store.close() };
        },
        numRuns: 100,
      }),
    ).rejects.toThrow(/Property failed/);
  });
});
