import { Agent } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import axios from 'axios';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ConfigurationError,
  createIntentClient,
  FileLedger,
  IntentBusyError,
  isAmbiguousOutcomeError,
  MemoryLedger,
  type IntentClient,
  type IntentResolvedEvent,
  type LedgerStore,
} from '../../src/index.js';
import { FixedRandom, ManualClock, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import type { VenueProfile } from '../../src/venues/profile.js';
import { startFaultProxy, type FaultProxy, type Toxic } from '../helpers/fault-proxy.js';
import { testExchange, testPayments } from '../helpers/profiles.js';

/**
 * An exchange whose client order id is unique among open orders only, with no lookup:
 * an unknown outcome of a market order is a person's problem (a resend could fill twice).
 */
const exchange: VenueProfile = {
  ...testExchange,
  name: 'resolve-exchange',
  key: { placement: 'query', field: 'newClientOrderId', format: { encoding: 'verbatim', pattern: '^[A-Za-z0-9]{1,36}$', maxLength: 36 } },
};

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function world(firstConnection: Toxic): Promise<{ venue: FakeVenue; proxy: FaultProxy; dir: string }> {
  const venue = await startFakeVenue({ mode: 'exchange' });
  cleanups.push(() => venue.close());
  // Seeded fault: the first connection (the first write) gets the toxic, every later one passes.
  const proxy = await startFaultProxy({ upstream: venue.url, seed: 7, toxic: (info) => (info.index === 0 ? firstConnection : { kind: 'none' }) });
  cleanups.push(() => proxy.close());
  const dir = mkdtempSync(join(tmpdir(), 'ik-resolve-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return { venue, proxy, dir };
}

/** A bot process: a client on the file ledger in `dir`, one connection per request. */
async function bot(proxy: FaultProxy, dir: string): Promise<{ client: IntentClient; place: (businessId: string) => Promise<unknown>; events: IntentResolvedEvent[] }> {
  const ledger = await FileLedger.open({ dir });
  const events: IntentResolvedEvent[] = [];
  const http = axios.create({ baseURL: proxy.url, httpAgent: new Agent({ keepAlive: false }), timeout: 5_000 });
  const client = createIntentClient(http, { venue: exchange, ledger, on: { intentResolved: (e) => events.push(e) } });
  const place = client.operation('order.create', {
    request: (input: { businessId: string }) => ({ method: 'POST', url: '/api/v3/order', params: { symbol: 'BTCUSDT', type: 'MARKET', businessId: input.businessId } }),
    result: (response) => response.data as unknown,
  });
  return { client, place: (businessId) => place({ businessId }, { businessId }), events };
}

async function unknownIntent(place: (businessId: string) => Promise<unknown>, businessId: string): Promise<void> {
  const error: unknown = await place(businessId).catch((e: unknown) => e);
  expect(isAmbiguousOutcomeError(error), String(error)).toBe(true);
}

describe('a person resolves an unknown intent (end to end, file ledger, fake venue)', () => {
  it('executed: settled without a send; recover() and a repeat call send nothing; one execution', async () => {
    // The venue executes the first write, then the connection is reset before any answer.
    const { venue, proxy, dir } = await world({ kind: 'resetAfterRequest' });
    const first = await bot(proxy, dir);
    await unknownIntent(first.place, 'b-exec');
    expect(venue.executionsOf('b-exec')).toBe(1);
    const [summary] = await first.client.list({ status: ['unknown', 'parked'] });
    expect(summary).toBeDefined();
    const id = summary!.intentId;

    const record = await first.client.resolve(id, { executed: true, by: 'ops-alice', reason: 'seen in the trade history', result: { orderId: 1, status: 'FILLED' } });
    expect(record.status).toBe('succeeded');
    expect(record.outcome?.resolution).toMatchObject({ verdict: 'executed', by: 'ops-alice', reason: 'seen in the trade history', previous: { status: 'unknown' } });
    expect(first.events).toEqual([expect.objectContaining({ intentId: id, verdict: 'executed', by: 'ops-alice', previousStatus: 'unknown' })]);
    await first.client.close();

    // Restart: a new process on the same ledger.
    const connectionsBefore = proxy.stats().connections;
    const second = await bot(proxy, dir);
    const report = await second.client.recover();
    expect(report.resumed).toBe(0);
    await expect(second.place('b-exec')).resolves.toMatchObject({ result: { orderId: 1, status: 'FILLED' }, replayed: true });
    expect(proxy.stats().connections).toBe(connectionsBefore);
    expect(venue.executionsOf('b-exec')).toBe(1);
    expect(venue.stats().duplicates).toBe(0);
    await second.client.close();
  });

  it('not executed: sendable again with the same key; recover() sends it once; a repeat call sends nothing', async () => {
    // The first write never reaches the venue: the proxy reads it and resets the connection.
    const { venue, proxy, dir } = await world({ kind: 'resetBeforeRequest' });
    const first = await bot(proxy, dir);
    await unknownIntent(first.place, 'b-not');
    expect(venue.executionsOf('b-not')).toBe(0);
    const [summary] = await first.client.list({ status: ['unknown', 'parked'] });
    const id = summary!.intentId;
    const key = summary!.venueKey;

    const record = await first.client.resolve(id, { executed: false, by: 'ops-bob', reason: 'absent from open orders and trade history' });
    expect(record.status).toBe('pending');
    expect(record.outcome?.resolution).toMatchObject({ verdict: 'notExecuted', by: 'ops-bob' });
    await first.client.close();

    const second = await bot(proxy, dir);
    const report = await second.client.recover();
    expect(report).toMatchObject({ resumed: 1, succeeded: 1 });
    expect(venue.executionsOf('b-not')).toBe(1);
    // Sent with its same key: the venue holds an order under the original client order id.
    const found = await axios.get(`${venue.url}/api/v3/order`, { params: { origClientOrderId: key } });
    expect(found.data).toMatchObject({ clientOrderId: key });
    // The audit trail survives the resend.
    const settled = await second.client.inspect(id);
    expect(settled?.status).toBe('succeeded');
    expect(settled?.outcome?.resolution).toMatchObject({ verdict: 'notExecuted', by: 'ops-bob', previous: { status: 'unknown' } });
    const connections = proxy.stats().connections;
    await expect(second.place('b-not')).resolves.toBeDefined();
    expect(proxy.stats().connections).toBe(connections);
    expect(venue.executionsOf('b-not')).toBe(1);
    expect(venue.stats().duplicates).toBe(0);
    await second.client.close();
  });

  it('negative control: without the verdict the restarted bot does not send (the intent stays a person\'s problem)', async () => {
    const { venue, proxy, dir } = await world({ kind: 'resetBeforeRequest' });
    const first = await bot(proxy, dir);
    await unknownIntent(first.place, 'b-none');
    await first.client.close();
    const second = await bot(proxy, dir);
    await second.client.recover();
    expect(venue.executionsOf('b-none')).toBe(0);
    await expect(second.place('b-none')).rejects.toSatisfy(isAmbiguousOutcomeError);
    expect(venue.executionsOf('b-none')).toBe(0);
    await second.client.close();
  });
});

describe('client.resolve refuses what it must not settle', () => {
  const clock = new ManualClock();

  function draftClient(ledger: LedgerStore, venue: VenueProfile = testPayments): IntentClient {
    return createIntentClient(axios.create(), { venue, ledger, clock, sleep: clock.sleep, random: new FixedRandom([0.5]) });
  }

  async function seed(ledger: MemoryLedger, id: string, status: 'pending' | 'inFlight' | 'unknown' | 'succeeded', extra: { expiresAt?: number } = {}): Promise<void> {
    const now = clock.now();
    await ledger.create({ id, scope: 's', operation: 'pay', venue: 'test-payments', key: `K${id}`, venueKey: `K${id}`, fingerprint: '0'.repeat(64), input: {}, createdAt: now, ...extra }, now);
    if (status === 'pending') return;
    await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now });
    if (status === 'unknown') await ledger.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'unknown', outcome: { kind: 'unknown', reason: 'socket reset after write' }, now });
    if (status === 'succeeded') await ledger.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200' }, now });
  }

  it.each([
    ['a missing intent', undefined, /not found/],
    ['a pending intent (never sent)', 'pending', /never sent/],
    ['a succeeded intent (final)', 'succeeded', /final/],
  ] as const)('%s', async (_name, status, message) => {
    const ledger = new MemoryLedger();
    if (status) await seed(ledger, 'x', status);
    const client = draftClient(ledger);
    const error: unknown = await client.resolve('x', { executed: true, by: 'ops' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(message);
    if (status) expect((await ledger.get('x'))?.status).toBe(status);
  });

  it.each([
    ['no by', { executed: true }],
    ['not executed without a reason', { executed: false, by: 'ops' }],
    ['executed not a boolean', { executed: 'yes', by: 'ops' }],
  ])('malformed verdict: %s', async (_name, verdict) => {
    const ledger = new MemoryLedger();
    await seed(ledger, 'x', 'unknown');
    const client = draftClient(ledger);
    await expect(client.resolve('x', verdict as never)).rejects.toBeInstanceOf(ConfigurationError);
    expect((await ledger.get('x'))?.status).toBe('unknown');
  });

  it('refuses while a worker holds the lease (IntentBusyError), and changes nothing', async () => {
    const ledger = new MemoryLedger();
    await seed(ledger, 'x', 'unknown');
    await ledger.claim('x', { owner: 'bot-1', leaseMs: 60_000, now: clock.now() });
    const client = draftClient(ledger);
    await expect(client.resolve('x', { executed: true, by: 'ops' })).rejects.toBeInstanceOf(IntentBusyError);
    expect(await ledger.get('x')).toMatchObject({ status: 'unknown', leaseOwner: 'bot-1' });
  });

  it('settles an in-flight intent left by a dead process (its lease expired)', async () => {
    const ledger = new MemoryLedger();
    await seed(ledger, 'x', 'inFlight');
    const client = draftClient(ledger);
    const record = await client.resolve('x', { executed: false, by: 'ops', reason: 'not at the venue' });
    expect(record).toMatchObject({ status: 'pending', outcome: { resolution: { previous: { status: 'inFlight' } } } });
    expect(record.leaseOwner).toBeUndefined();
  });

  it('not executed past the key window: the next run fails it unsent rather than resend', async () => {
    const ledger = new MemoryLedger();
    await seed(ledger, 'x', 'unknown', { expiresAt: clock.now() + 1_000 });
    let sends = 0;
    const http = axios.create({ adapter: () => {
      sends++;
      return Promise.reject(new Error('must not be sent'));
    } });
    const client = createIntentClient(http, { venue: testPayments, ledger, clock, sleep: clock.sleep, random: new FixedRandom([0.5]) });
    client.operation('pay', { request: () => ({ method: 'POST', url: '/pay' }) });
    await client.resolve('x', { executed: false, by: 'ops', reason: 'not in the dashboard' });
    clock.advance(2_000);
    const report = await client.recover();
    expect(report.needsAttention).toEqual([expect.objectContaining({ intentId: 'x', reason: expect.stringMatching(/expired before it was sent/) })]);
    expect(sends).toBe(0);
    expect(await ledger.get('x')).toMatchObject({ status: 'failed', outcome: { reason: 'expired before it was sent', resolution: { verdict: 'notExecuted' } } });
  });
});
