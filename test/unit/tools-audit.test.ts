import { describe, expect, it } from 'vitest';
import type { IntentRecord, IntentStatus } from '../../src/ledger/intent.js';
import { auditIntents, inferKeyPattern, type VenueOrder } from '../../src/tools/audit.js';

const T = 1_700_000_000_000;
const rec = (id: string, status: IntentStatus, extra: Partial<IntentRecord> = {}): IntentRecord => ({
  id,
  scope: 's',
  operation: 'order.create',
  venue: 'v',
  key: `K${id}`,
  venueKey: `01JAAAAAAAAAAAAAAAAAAAA${id.toUpperCase().padStart(3, '0')}`.slice(-26),
  fingerprint: '0'.repeat(64),
  input: {},
  status,
  attempt: status === 'pending' ? 0 : 1,
  epoch: 1,
  createdAt: T,
  updatedAt: T,
  ...extra,
});
const order = (key: string, status = 'FILLED'): VenueOrder => ({ key, status, id: `o-${key}` });
const listedAt = T + 120_000;

describe('auditIntents', () => {
  const ok = rec('a', 'succeeded');
  const ghost = rec('b', 'succeeded');
  const unknownListed = rec('c', 'unknown');
  const unknownMissing = rec('d', 'unknown');
  const inFlightMissing = rec('e', 'inFlight');
  const young = rec('f', 'unknown', { updatedAt: listedAt - 1_000 });
  const old = rec('g', 'succeeded', { createdAt: T - 10_000 });
  const failedListed = rec('h', 'failed');
  const rejected = rec('i', 'unknown');
  const records = [ok, ghost, unknownListed, unknownMissing, inFlightMissing, young, old, failedListed, rejected];
  const orphanKey = '01JZZZZZZZZZZZZZZZZZZZZZZZ';
  const orders = [order(ok.venueKey), order(unknownListed.venueKey), order(failedListed.venueKey), order(rejected.venueKey, 'REJECTED'), order(orphanKey), order('manual-order-1')];
  const report = auditIntents(records, orders, { listedAt, listFrom: T });

  it('matches what both hold, and counts what it cannot judge', () => {
    expect(report.matched).toBe(1);
    // The young unknown intent (the list may lag) and the one created before the list starts.
    expect(report.notJudged).toBe(2);
  });

  it('finds orphans by key format, ignoring keys this client could not have made', () => {
    expect(report.orphans.map((o) => o.order.key)).toEqual([orphanKey]);
  });

  it('finds ghosts: succeeded or in flight at home, absent at the venue; failed at home but listed', () => {
    expect(report.ghosts.map((g) => [g.intent.intentId, g.why])).toEqual([
      ['b', 'the venue does not list its key'],
      ['e', 'held as in flight, and the venue does not list its key'],
      ['h', 'held as failed, but the venue lists it (FILLED): it may have executed'],
    ]);
  });

  it('offers verdicts for unsettled intents the list settles', () => {
    expect(report.settles.map((s) => [s.intent.intentId, s.verdict])).toEqual([
      ['c', 'executed'],
      ['d', 'notExecuted'],
      ['e', 'notExecuted'],
      ['i', 'notExecuted'],
    ]);
  });

  it('negative control: an incomplete list (listFrom after the intents) judges nobody missing', () => {
    const partial = auditIntents(records, orders, { listedAt, listFrom: T + 1 });
    expect(partial.ghosts.map((g) => g.intent.intentId)).toEqual(['h']);
    expect(partial.settles.map((s) => s.verdict)).toEqual(['executed', 'notExecuted']);
  });

  it('an explicit key pattern replaces the inferred one', () => {
    const all = auditIntents(records, orders, { listedAt, listFrom: T, keyPattern: /.*/ });
    expect(all.orphans.map((o) => o.order.key)).toEqual([orphanKey, 'manual-order-1']);
    expect(all.keyPattern).toBe('.*');
  });

  it('an empty ledger calls nothing an orphan without a pattern', () => {
    expect(auditIntents([], orders, { listedAt }).orphans).toEqual([]);
  });
});

describe('inferKeyPattern', () => {
  it.each([
    [['01JAAAAAAAAAAAAAAAAAAAAAAA', '01JBBBBBBBBBBBBBBBBBBBBBBB'], '01JCCCCCCCCCCCCCCCCCCCCCCC', true],
    [['01JAAAAAAAAAAAAAAAAAAAAAAA'], 'manual-1', false],
    [['ab-1', 'cd_22'], 'x_y-z', true],
    [['ab-1', 'cd_22'], 'x.y', false],
    [['a]b', 'c^d'], 'e]^', true],
  ])('%j recognises %s: %s', (keys, candidate, expected) => {
    expect(inferKeyPattern(keys)?.test(candidate)).toBe(expected);
  });
  it('is undefined for no keys', () => {
    expect(inferKeyPattern([])).toBeUndefined();
  });
});
