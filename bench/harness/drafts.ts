import type { IntentDraft } from '../../src/index.js';

/** A draft shaped like the ones the client writes (ids and keys of realistic length). */
export function benchDraft(i: number, now: number): IntentDraft {
  const n = String(i).padStart(10, '0');
  return {
    id: `01JBENCH${n}AAAAAAAA`,
    scope: 'default',
    operation: 'order.create',
    businessId: `bench-order-${i}`,
    venue: 'ietf-idempotency-key',
    key: `01JBENCHKEY${n}AAAAA`,
    venueKey: `01JBENCHKEY${n}AAAAA`,
    fingerprint: 'a3f1c2e4b5d6a7980112233445566778899aabbccddeeff00112233445566778',
    input: { symbol: 'BTCUSDT', side: 'BUY', type: 'LIMIT', quantity: '0.01', price: '50000.00', timeInForce: 'GTC', clientRef: i },
    createdAt: now,
    expiresAt: now + 86_400_000 - 8_640_000,
  };
}
