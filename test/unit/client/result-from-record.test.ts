import { describe, expect, it } from 'vitest';
import { resultFromRecord } from '../../../src/client/runner.js';
import type { IntentRecord, StoredOutcome } from '../../../src/ledger/intent.js';

const record = (outcome: StoredOutcome): IntentRecord => ({
  id: 'i',
  scope: 's',
  operation: 'op',
  venue: 'v',
  key: 'k',
  venueKey: 'k',
  fingerprint: '0'.repeat(64),
  input: {},
  status: 'succeeded',
  attempt: 1,
  epoch: 1,
  createdAt: 0,
  updatedAt: 0,
  outcome,
});

describe('resultFromRecord: was a stored success found by a lookup?', () => {
  it.each([
    ['the stored flag', { kind: 'success', reason: 'found by reconcile lookup', reconciled: true }, true],
    ['the flag alone decides, whatever the reason says', { kind: 'success', reason: 'HTTP 200', reconciled: true }, true],
    ['a record written before the flag existed (its reason only)', { kind: 'success', reason: 'found by reconcile lookup' }, true],
    ['an answer to an attempt', { kind: 'success', reason: 'HTTP 200' }, false],
    ["a person's verdict", { kind: 'success', reason: 'settled by ops: seen in the history' }, false],
  ] as const)('%s', (_name, outcome, reconciled) => {
    expect(resultFromRecord(record(outcome), { replayed: true, reconciled: false }).reconciled).toBe(reconciled);
  });
});
