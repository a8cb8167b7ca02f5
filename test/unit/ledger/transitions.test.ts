import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { IntentRecord, IntentStatus, StoredOutcome } from '../../../src/ledger/intent.js';
import type { TransitionRequest } from '../../../src/ledger/ledger-store.js';
import { applyTransition, createdInFlight, isAllowedTransition } from '../../../src/ledger/transitions.js';

/** The transition as plain spreads and rest-destructurings would write it: the model the fast version must equal. */
function model(record: IntentRecord, request: TransitionRequest): IntentRecord {
  const { outcome: _previous, ...kept } = record;
  let rest: Omit<IntentRecord, 'outcome'> = kept;
  if (request.releaseLease === true) {
    const { leaseOwner: _o, leaseExpiresAt: _u, ...unleased } = kept;
    rest = unleased;
  }
  const attempt = request.to === 'inFlight' ? (request.attempt as number) : record.attempt;
  return { ...rest, status: request.to, attempt, updatedAt: request.now, ...(request.outcome === undefined ? {} : { outcome: structuredClone(request.outcome) }) };
}

const statuses: IntentStatus[] = ['pending', 'inFlight', 'unknown', 'succeeded', 'failed'];
const outcome = fc.record({ kind: fc.constantFrom('success', 'unknown', 'inFlight'), reason: fc.string({ maxLength: 8 }), result: fc.option(fc.jsonValue(), { nil: undefined }) }, { requiredKeys: ['kind', 'reason'] }) as fc.Arbitrary<StoredOutcome>;
const record = fc.record(
  {
    id: fc.string({ minLength: 1, maxLength: 8 }),
    scope: fc.constant('default'),
    operation: fc.constant('order.create'),
    businessId: fc.string({ maxLength: 8 }),
    venue: fc.constant('v'),
    key: fc.constant('K'),
    venueKey: fc.constant('K'),
    fingerprint: fc.constant('f'),
    input: fc.jsonValue(),
    createdAt: fc.nat(),
    expiresAt: fc.nat(),
    status: fc.constantFrom(...statuses),
    attempt: fc.nat({ max: 5 }),
    epoch: fc.nat({ max: 5 }),
    leaseOwner: fc.string({ maxLength: 4 }),
    leaseExpiresAt: fc.nat(),
    updatedAt: fc.nat(),
    outcome,
  },
  { requiredKeys: ['id', 'scope', 'operation', 'venue', 'key', 'venueKey', 'fingerprint', 'input', 'createdAt', 'status', 'attempt', 'epoch', 'updatedAt'] },
) as fc.Arbitrary<IntentRecord>;

describe('applyTransition', () => {
  it('gives the same record, key order included, as the spread-and-rest model for every allowed transition', () => {
    fc.assert(
      fc.property(record, fc.constantFrom(...statuses), fc.option(outcome, { nil: undefined }), fc.boolean(), fc.nat(), (r, to, out, releaseLease, now) => {
        fc.pre(isAllowedTransition(r.status, to));
        const request: TransitionRequest = { expectStatus: r.status, expectEpoch: r.epoch, to, attempt: r.attempt + 1, now, releaseLease, ...(out === undefined ? {} : { outcome: out }) };
        const next = applyTransition(r, request);
        const want = model(r, request);
        expect(next).toStrictEqual(want);
        expect(Object.keys(next)).toEqual(Object.keys(want));
        if (out !== undefined) expect(next.outcome).not.toBe(out);
        if (releaseLease) expect(Object.hasOwn(next, 'leaseOwner') || Object.hasOwn(next, 'leaseExpiresAt')).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('leaves the record it was given as it was', () => {
    const r = createdInFlight({ id: 'a', scope: 's', operation: 'o', venue: 'v', key: 'K', venueKey: 'K', fingerprint: 'f', input: { qty: '1' }, createdAt: 1 }, 2, { owner: 'w', leaseMs: 10, outcome: { kind: 'inFlight', reason: 'attempt in flight' } });
    const before = structuredClone(r);
    applyTransition(r, { expectStatus: 'inFlight', expectEpoch: 1, to: 'succeeded', now: 3, releaseLease: true, outcome: { kind: 'success', reason: 'HTTP 200' } });
    expect(r).toStrictEqual(before);
  });

  it('does not copy keys inherited from a patched Object.prototype', () => {
    const proto = Object.prototype as Record<string, unknown>;
    proto.injected = 'x';
    try {
      const r = createdInFlight({ id: 'a', scope: 's', operation: 'o', venue: 'v', key: 'K', venueKey: 'K', fingerprint: 'f', input: null, createdAt: 1 }, 2, { owner: 'w', leaseMs: 10, outcome: { kind: 'inFlight', reason: 'r' } });
      const next = applyTransition(r, { expectStatus: 'inFlight', expectEpoch: 1, to: 'unknown', now: 3 });
      expect(Object.hasOwn(next, 'injected')).toBe(false);
    } finally {
      delete proto.injected;
    }
  });

  it('keeps an own __proto__ key of a record as a key, as the model does', () => {
    const r = JSON.parse(
      '{"id":"a","__proto__":{"polluted":true},"scope":"s","operation":"o","venue":"v","key":"K","venueKey":"K","fingerprint":"f","input":null,"createdAt":1,"status":"inFlight","attempt":1,"epoch":1,"updatedAt":2}',
    ) as IntentRecord;
    const request: TransitionRequest = { expectStatus: 'inFlight', expectEpoch: 1, to: 'unknown', now: 3 };
    const next = applyTransition(r, request);
    expect(Object.getPrototypeOf(next)).toBe(Object.prototype);
    expect(Object.hasOwn(next, '__proto__')).toBe(true);
    expect(Object.keys(next)).toEqual(Object.keys(model(r, request)));
  });
});
