import { describe, expect, it } from 'vitest';
import { LedgerLeaseLostError, LedgerTransitionError, LedgerUnavailableError, MemoryLedger, type IntentDraft, type IntentStatus } from '../../../src/index.js';
import { INTENT_STATUSES, isAllowedTransition } from '../../../src/ledger/index.js';

const draft = (id: string, createdAt = 1000): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  businessId: `b-${id}`,
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: 'f'.repeat(64),
  input: { qty: '1' },
  createdAt,
});

describe('state machine', () => {
  it('allows exactly the edges of the intent state machine', () => {
    const allowed: Array<[IntentStatus, IntentStatus]> = [];
    for (const from of INTENT_STATUSES) for (const to of INTENT_STATUSES) if (isAllowedTransition(from, to)) allowed.push([from, to]);
    expect(allowed).toEqual([
      ['pending', 'inFlight'],
      ['pending', 'failed'],
      ['inFlight', 'pending'],
      ['inFlight', 'succeeded'],
      ['inFlight', 'failed'],
      ['inFlight', 'unknown'],
      // A person's verdict that it did not execute (resolveIntent).
      ['unknown', 'pending'],
      ['unknown', 'inFlight'],
      ['unknown', 'succeeded'],
      ['unknown', 'failed'],
      ['unknown', 'unknown'],
    ]);
  });
});

describe('MemoryLedger', () => {
  it('creates once: a second create returns the stored record unchanged', async () => {
    const ledger = new MemoryLedger();
    const a = await ledger.create(draft('1'), 1000);
    const b = await ledger.create({ ...draft('1'), key: 'other' }, 2000);
    expect(a.created).toBe(true);
    expect(b.created).toBe(false);
    expect(b.record).toMatchObject({ key: 'K1', status: 'pending', attempt: 0, epoch: 0, updatedAt: 1000 });
  });

  it('copies records in and out so callers cannot mutate stored state', async () => {
    const ledger = new MemoryLedger();
    const d = draft('1');
    const { record } = await ledger.create(d, 1000);
    (record.input as { qty: string }).qty = '999';
    (d.input as { qty: string }).qty = '777';
    expect((await ledger.get('1'))?.input).toEqual({ qty: '1' });
  });

  it('a transition returns a record that shares nothing with the stored one', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    await ledger.transition('1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 1001 });
    const outcome = { kind: 'success' as const, reason: 'HTTP 200', result: { orderId: 7, fills: [{ qty: '1' }] } };
    const done = await ledger.transition('1', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome, now: 1002 });
    // The caller changes the request it passed, and the record it got back, at every level.
    outcome.result.fills[0] = { qty: '999' };
    (done.input as { qty: string }).qty = '555';
    ((done.outcome as { result: { orderId: number } }).result).orderId = 8;
    const stored = await ledger.get('1');
    expect(stored?.input).toEqual({ qty: '1' });
    expect(stored?.outcome).toEqual({ kind: 'success', reason: 'HTTP 200', result: { orderId: 7, fills: [{ qty: '1' }] } });
    // A transition without an outcome returns a copy as well.
    const created = await ledger.create(draft('2'), 1000);
    const moved = await ledger.transition('2', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 1001 });
    (moved.input as { qty: string }).qty = '444';
    expect((await ledger.get('2'))?.input).toEqual(created.record.input);
  });

  it('claim increments the epoch and refuses another owner until the lease expires', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    const first = await ledger.claim('1', { owner: 'w1', leaseMs: 500, now: 1000 });
    expect(first).toMatchObject({ claimed: true, record: { epoch: 1, leaseOwner: 'w1', leaseExpiresAt: 1500 } });
    expect((await ledger.claim('1', { owner: 'w2', leaseMs: 500, now: 1499 })).claimed).toBe(false);
    expect(await ledger.claim('1', { owner: 'w1', leaseMs: 500, now: 1499 })).toMatchObject({ claimed: true, record: { epoch: 2 } });
    expect(await ledger.claim('1', { owner: 'w2', leaseMs: 500, now: 2000 })).toMatchObject({ claimed: true, record: { epoch: 3, leaseOwner: 'w2' } });
  });

  it('fences a stale epoch: the old holder cannot write after a takeover', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    await ledger.claim('1', { owner: 'w1', leaseMs: 100, now: 1000 });
    await ledger.claim('1', { owner: 'w2', leaseMs: 100, now: 2000 });
    await expect(ledger.transition('1', { expectStatus: 'pending', expectEpoch: 1, to: 'inFlight', attempt: 1, now: 2001 })).rejects.toBeInstanceOf(
      LedgerLeaseLostError,
    );
    const r = await ledger.transition('1', { expectStatus: 'pending', expectEpoch: 2, to: 'inFlight', attempt: 1, now: 2001 });
    expect(r).toMatchObject({ status: 'inFlight', attempt: 1, epoch: 2 });
  });

  it('refuses illegal transitions and attempt numbers that do not follow the last one', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    await expect(ledger.transition('1', { expectStatus: 'pending', expectEpoch: 0, to: 'succeeded', now: 1 })).rejects.toBeInstanceOf(LedgerTransitionError);
    await expect(ledger.transition('1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 2, now: 1 })).rejects.toBeInstanceOf(
      LedgerTransitionError,
    );
    await ledger.transition('1', { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: 1 });
    await ledger.transition('1', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200', result: { id: 1 } }, now: 2 });
    for (const to of INTENT_STATUSES) {
      await expect(ledger.transition('1', { expectStatus: 'succeeded', expectEpoch: 0, to, attempt: 2, now: 3 })).rejects.toBeInstanceOf(LedgerTransitionError);
    }
    expect((await ledger.get('1'))?.outcome).toEqual({ kind: 'success', reason: 'HTTP 200', result: { id: 1 } });
  });

  it('does not claim terminal intents', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    await ledger.transition('1', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', now: 1 });
    expect((await ledger.claim('1', { owner: 'w', leaseMs: 10, now: 2 })).claimed).toBe(false);
  });

  it('release drops only a matching lease', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('1'), 1000);
    await ledger.claim('1', { owner: 'w1', leaseMs: 100, now: 1000 });
    await ledger.release('1', 'w2', 1);
    expect((await ledger.get('1'))?.leaseOwner).toBe('w1');
    await ledger.release('1', 'w1', 1);
    expect((await ledger.get('1'))?.leaseOwner).toBeUndefined();
  });

  it('lists resumable intents oldest first and leaves terminal ones out', async () => {
    const ledger = new MemoryLedger();
    await ledger.create(draft('b', 2000), 2000);
    await ledger.create(draft('a', 1000), 1000);
    await ledger.create(draft('c', 3000), 3000);
    await ledger.transition('c', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', now: 3001 });
    expect((await ledger.listResumable()).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('rejects (never throws synchronously) after close', async () => {
    const ledger = new MemoryLedger();
    await ledger.close();
    await ledger.close();
    const pending = ledger.get('x');
    await expect(pending).rejects.toBeInstanceOf(LedgerUnavailableError);
  });
});
