import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, createIntentClient, IntentConflictError, KeyFormatError, MemoryLedger, stripe } from '../../src/index.js';
import { startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import { testExchange } from '../helpers/profiles.js';

const venues: FakeVenue[] = [];
afterEach(async () => {
  for (const v of venues.splice(0)) await v.close();
});

async function setup() {
  const venue = await startFakeVenue({ mode: 'payments' });
  venues.push(venue);
  const ledger = new MemoryLedger();
  const client = createIntentClient(axios.create({ baseURL: venue.url }), { venue: stripe, ledger });
  const pay = client.operation('payment.create', {
    request: (p: { cents: number; id: string }) => ({ method: 'POST', url: '/v1/payments', data: { amount: p.cents, businessId: p.id } }),
  });
  return { venue, ledger, client, pay };
}

describe('client.prepare (outbox)', () => {
  it('builds the intent a call would create, writes nothing, and a later call carries out that very intent once', async () => {
    const { venue, ledger, client, pay } = await setup();
    const draft = client.prepare(pay, { cents: 500, id: 'p1' }, { businessId: 'p1' });
    expect(await ledger.get(draft.id)).toBeUndefined();
    expect(venue.stats().requests).toBe(0);
    // What the application writes in its own transaction.
    await ledger.create(draft, draft.createdAt);

    const result = await pay({ cents: 500, id: 'p1' }, { businessId: 'p1' });
    expect(result).toMatchObject({ intentId: draft.id, key: draft.key, venueKey: draft.venueKey, status: 'succeeded' });
    expect(await pay({ cents: 500, id: 'p1' }, { businessId: 'p1' })).toMatchObject({ replayed: true });
    expect(venue.executionsOf('p1')).toBe(1);
  });

  it('recover() alone carries out a prepared intent (no call needed)', async () => {
    const { venue, ledger, client, pay } = await setup();
    const draft = client.prepare('payment.create', { cents: 700, id: 'p2' }, { businessId: 'p2' });
    await ledger.create(draft, draft.createdAt);
    const report = await client.recover();
    expect(report).toMatchObject({ resumed: 1, succeeded: 1 });
    expect(venue.executionsOf('p2')).toBe(1);
    expect(await pay({ cents: 700, id: 'p2' }, { businessId: 'p2' })).toMatchObject({ replayed: true });
  });

  it('a call with another input for the same business id is refused before anything is sent', async () => {
    const { venue, ledger, client, pay } = await setup();
    const draft = client.prepare(pay, { cents: 500, id: 'p3' }, { businessId: 'p3' });
    await ledger.create(draft, draft.createdAt);
    await expect(pay({ cents: 501, id: 'p3' }, { businessId: 'p3' })).rejects.toBeInstanceOf(IntentConflictError);
    expect(venue.stats().requests).toBe(0);
  });

  it('gives the same intent id as the call, and a fresh key each time it is asked', async () => {
    const { client, pay } = await setup();
    const a = client.prepare(pay, { cents: 1, id: 'x' }, { businessId: 'x', scope: 'acct-1' });
    const b = client.prepare(pay, { cents: 1, id: 'x' }, { businessId: 'x', scope: 'acct-1' });
    const c = client.prepare(pay, { cents: 1, id: 'x' }, { businessId: 'x', scope: 'acct-2' });
    expect(a.id).toBe(b.id);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.id).not.toBe(a.id);
    expect(a.key).not.toBe(b.key);
    expect(a).toMatchObject({ scope: 'acct-1', operation: 'payment.create', businessId: 'x', venue: 'stripe', input: { cents: 1, id: 'x' } });
  });

  it('refuses an unregistered operation, bad call options and a key that cannot fit the venue', async () => {
    const { client, pay } = await setup();
    expect(() => client.prepare('nope', {})).toThrow(ConfigurationError);
    expect(() => client.prepare(pay, { cents: 1, id: 'x' }, { businessId: '' })).toThrow(/call\.businessId/);
    const exchange = createIntentClient(axios.create(), { venue: testExchange, ledger: new MemoryLedger() });
    const op = exchange.operation('o', { request: () => ({ url: '/' }) });
    expect(() => exchange.prepare(op, {}, { key: 'has spaces and is far too long for the venue format of this test exchange' })).toThrow(KeyFormatError);
  });
});
