import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { isIntentError, isLedgerError, type IntentDraft, type IntentRecord, type IntentStatus } from '../../src/index.js';
import type { LedgerStore, ListRecordsQuery } from '../../src/ledger/ledger-store.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { persistenceProblems } from '../../src/stores/redis/persistence.js';
import { SeededRandom, startFakeVenue, type FakeVenue } from '../../src/testing/index.js';
import {
  closeClients,
  connect,
  deletePrefix,
  freePort,
  HAS_REDIS_SERVER,
  randomPrefix,
  REDIS_URL,
  startPrivateRedis,
  startReplyCutProxy,
  warnIfSkipped,
  type PrivateRedis,
} from '../helpers/redis.js';
import { venueClient } from '../helpers/redis-venue-client.js';

/** The script call that records a first attempt in flight: a create with an in-flight start, or the transition to inFlight. */
function isInFlightWrite(args: readonly string[]): boolean {
  return args.includes('inFlight') || args.some((a) => a.includes('"kind":"inFlight"'));
}

warnIfSkipped('the RedisLedger tests');

const onShared = describe.runIf(REDIS_URL !== undefined);
const onPrivate = describe.runIf(REDIS_URL !== undefined && HAS_REDIS_SERVER);

const T0 = 1_700_000_000_000;
const draft = (id: string, createdAt = T0): IntentDraft => ({
  id,
  scope: 'acct',
  operation: 'order.create',
  businessId: id,
  venue: 'v',
  key: `K${id}`,
  venueKey: `K${id}`,
  fingerprint: 'f'.repeat(64),
  input: { qty: '1' },
  createdAt,
});

const prefixes: Array<[Redis, string]> = [];
function track(client: Redis, prefix: string): string {
  prefixes.push([client, prefix]);
  return prefix;
}
afterEach(async () => {
  for (const [client, prefix] of prefixes.splice(0)) await deletePrefix(client, prefix).catch(() => undefined);
});
afterAll(closeClients);

const codeOf = (e: unknown): string => (isIntentError(e) ? e.code : `not an intentkey error: ${String(e)}`);

describe('persistence problems (pure)', () => {
  it('accepts AOF with appendfsync always and names every weaker setting', () => {
    expect(persistenceProblems({ appendonly: true, appendfsync: 'always', save: '', maxmemoryBytes: 0, maxmemoryPolicy: 'noeviction' }, 'config')).toEqual([]);
    expect(persistenceProblems({ appendonly: true, appendfsync: 'always', maxmemoryBytes: 1e9, maxmemoryPolicy: 'volatile-lru' }, 'config')).toEqual([]);
    const cases: Array<[Parameters<typeof persistenceProblems>[0], RegExp]> = [
      [{ appendonly: false, save: '' }, /persistence is off .* a restart loses every intent/],
      [{ appendonly: false, save: '3600 1 300 100' }, /only RDB snapshots .*save "3600 1 300 100"/],
      [{ appendonly: false }, /AOF is off/],
      [{ appendonly: true, appendfsync: 'everysec' }, /everysec.*about the last second/],
      [{ appendonly: true, appendfsync: 'no' }, /appendfsync is no/],
      [{ appendonly: true }, /appendfsync could not be read/],
      [{ appendonly: true, appendfsync: 'always', maxmemoryBytes: 1e9, maxmemoryPolicy: 'allkeys-lru' }, /allkeys-lru.*evict/],
    ];
    for (const [settings, message] of cases) expect(persistenceProblems(settings, 'config').join('; ')).toMatch(message);
    expect(persistenceProblems({}, 'none')).toEqual([expect.stringMatching(/neither CONFIG GET nor INFO/)]);
  });
});

onShared('RedisLedger on the shared test server', () => {
  it('refuses the server without persistence unless allowVolatileServer is set, and writes nothing', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('refuse'));
    const error = await RedisLedger.open({ client, prefix }).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('ERR_CONFIG_INVALID_OPTION');
    const message = (error as Error).message;
    expect(message).toMatch(/appendonly no/);
    expect(message).toMatch(/appendonly yes.*appendfsync always/);
    expect(message).toMatch(/everysec.*last second/);
    expect(message).toMatch(/allowVolatileServer: true/);
    expect(await client.keys(`${prefix}*`)).toEqual([]);

    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    expect(ledger.capabilities).toEqual({ durable: false, shared: true });
    expect(ledger.persistence).toMatchObject({ source: 'config', appendonly: false });
    expect(ledger.persistence.problems.length).toBeGreaterThan(0);
  });

  it('validates its options', async () => {
    const client = connect();
    const bad: Array<[string, Record<string, unknown>]> = [
      ['client', { client: {} }],
      ['client', { client: null }],
      ['prefix', { client, prefix: '' }],
      ['prefix', { client, prefix: 'has space' }],
      ['prefix', { client, prefix: 'x'.repeat(101) }],
      ['prefix', { client, prefix: 42 }],
      ['retentionMs', { client, retentionMs: 0 }],
      ['retentionMs', { client, retentionMs: 1.5 }],
      ['commandTimeoutMs', { client, commandTimeoutMs: -1 }],
      ['waitForReplicas.replicas', { client, waitForReplicas: { replicas: 0, timeoutMs: 10 } }],
      ['allowVolatileServer', { client, allowVolatileServer: 'yes' }],
    ];
    for (const [path, options] of bad) {
      const error = await RedisLedger.open(options as never).catch((e: unknown) => e);
      expect(codeOf(error), path).toBe('ERR_CONFIG_INVALID_OPTION');
      expect((error as { path: string }).path).toBe(`RedisLedger.open(options).${path}`);
    }
    // What came is described in the shared words; a connection URL is never shown.
    const described: Array<[Record<string, unknown>, string, string]> = [
      [{ client: 'redis://app:hunter2@cache.test:6379' }, 'client', 'a string (not shown)'],
      [{ client, prefix: 42 }, 'prefix', '42'],
      [{ client, retentionMs: 1.5 }, 'retentionMs', '1.5'],
      [{ client, allowVolatileServer: 'yes' }, 'allowVolatileServer', '"yes"'],
    ];
    for (const [options, path, received] of described) {
      const error = await RedisLedger.open(options as never).catch((e: unknown) => e);
      expect(error, path).toMatchObject({ path: `RedisLedger.open(options).${path}`, received });
      expect((error as Error).message).not.toContain('hunter2');
    }
  });

  it('keeps the lease in the hash field leaseUntil, read as leaseExpiresAt, so ledgers written before the rename open unchanged', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('lease-field'));
    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    await ledger.create(draft('a'), T0);
    const claim = await ledger.claim('a', { owner: 'w1', leaseMs: 500, now: T0 });
    expect(claim.record.leaseExpiresAt).toBe(T0 + 500);
    expect(await client.hmget(`${prefix}intent:a`, 'leaseOwner', 'leaseUntil', 'leaseExpiresAt')).toEqual(['w1', String(T0 + 500), null]);
    // A lease as an earlier version wrote it: the same hash fields.
    await client.hset(`${prefix}intent:a`, 'leaseOwner', 'old-worker', 'leaseUntil', String(T0 + 9_000));
    expect(await ledger.get('a')).toMatchObject({ leaseOwner: 'old-worker', leaseExpiresAt: T0 + 9_000 });
    // It still fences: another owner cannot claim before it expires, and can at its expiry.
    expect((await ledger.claim('a', { owner: 'w2', leaseMs: 500, now: T0 + 8_999 })).claimed).toBe(false);
    expect((await ledger.claim('a', { owner: 'w2', leaseMs: 500, now: T0 + 9_000 })).record).toMatchObject({ leaseOwner: 'w2', leaseExpiresAt: T0 + 9_500 });
  });

  it('keeps finished intents for retentionMs (PEXPIRE), unfinished ones without expiry', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('ttl'));
    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true, retentionMs: 60_000 });
    for (const id of ['done', 'open']) {
      await ledger.create(draft(id), T0);
      await ledger.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: T0 });
    }
    await ledger.transition('done', { expectStatus: 'inFlight', expectEpoch: 0, to: 'failed', outcome: { kind: 'fatal', reason: 'HTTP 400' }, now: T0 });
    const ttl = await client.pttl(`${prefix}intent:done`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect(await client.pttl(`${prefix}intent:open`)).toBe(-1);
    expect(await client.zrange(`${prefix}resumable`, '0', '-1')).toEqual(['open']);

    const short = await RedisLedger.open({ client, prefix, allowVolatileServer: true, retentionMs: 20 });
    await short.transition('open', { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: 'HTTP 200' }, now: T0 });
    const deadline = Date.now() + 3_000;
    while ((await short.get('open')) !== undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(await short.get('open')).toBeUndefined();
    expect(await short.listResumable()).toEqual([]);
  });

  it('stops with LedgerCorruptError when its marker key disappears (data lost under it)', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('lost'));
    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    await ledger.create(draft('a'), T0);
    await client.del(`${prefix}meta`, `${prefix}intent:a`, `${prefix}resumable`);
    for (const call of [() => ledger.create(draft('b'), T0), () => ledger.get('a'), () => ledger.claim('a', { owner: 'w', leaseMs: 10, now: T0 }), () => ledger.listResumable()]) {
      const error = await call().catch((e: unknown) => e);
      expect(codeOf(error)).toBe('ERR_LEDGER_CORRUPT');
      expect((error as Error).message).toMatch(/lost its marker key/);
    }
    expect(await client.exists(`${prefix}intent:b`)).toBe(0);
    // A new open starts a new generation: the old handle stays stopped.
    const again = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    expect((await again.create(draft('b'), T0)).created).toBe(true);
    expect(codeOf(await ledger.get('b').catch((e: unknown) => e))).toBe('ERR_LEDGER_CORRUPT');
  });

  it('refuses a prefix that holds another layout', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('layout'));
    await client.hset(`${prefix}meta`, 'generation', 'g', 'layout', '99');
    expect(codeOf(await RedisLedger.open({ client, prefix, allowVolatileServer: true }).catch((e: unknown) => e))).toBe('ERR_LEDGER_CORRUPT');
  });

  it('works through a node-redis style sendCommand, a bare command function, and ioredis with RESP3 reply mapping', async () => {
    const io = connect();
    const resp3 = connect(REDIS_URL, { replyMapping: 'resp3' });
    const prefix = track(io, randomPrefix('shapes'));
    const clients = [
      { sendCommand: (args: string[]) => io.call(args[0] ?? '', ...args.slice(1)) },
      (args: readonly string[]) => io.call(args[0] ?? '', ...args.slice(1)),
      resp3,
    ];
    for (const [i, client] of clients.entries()) {
      const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
      expect(ledger.persistence.source).toBe('config');
      const id = `i${i}`;
      expect((await ledger.create(draft(id), T0)).created).toBe(true);
      const claim = await ledger.claim(id, { owner: 'w', leaseMs: 1000, now: T0 });
      const done = await ledger.transition(id, { expectStatus: 'pending', expectEpoch: claim.record.epoch, to: 'failed', outcome: { kind: 'fatal', reason: 'x' }, now: T0 + 1 });
      expect(done).toMatchObject({ id, status: 'failed', epoch: 1, leaseOwner: 'w', outcome: { kind: 'fatal', reason: 'x' } });
      expect((await ledger.list({ limit: 10 })).map((r) => r.id)).toEqual(Array.from({ length: i + 1 }, (_, j) => `i${j}`));
      expect(await ledger.list({ statuses: ['failed'], limit: 10 })).toEqual(await ledger.list({ limit: 10 }));
    }
  });

  it('fails closed when fewer replicas than asked for acknowledge a write (WAIT)', async () => {
    const client = connect();
    const prefix = track(client, randomPrefix('wait'));
    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true, waitForReplicas: { replicas: 1, timeoutMs: 50 } });
    const error = await ledger.create(draft('w1'), T0).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('ERR_LEDGER_UNAVAILABLE');
    expect((error as Error).message).toMatch(/Only 0 of 1 replica/);
  });

  it('says the server cannot be reached when nothing listens (within commandTimeoutMs), for default and fail-fast clients', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    for (const client of [connect(url), connect(url, { maxRetriesPerRequest: 0 })]) {
      const started = Date.now();
      const error = await RedisLedger.open({ client, prefix: randomPrefix('down'), commandTimeoutMs: 500 }).catch((e: unknown) => e);
      expect(codeOf(error)).toBe('ERR_LEDGER_UNAVAILABLE');
      expect((error as Error).message).toMatch(/cannot reach its server.*nothing was written or sent/);
      expect(Date.now() - started).toBeLessThan(3_000);
      client.disconnect();
    }
  });
});

/** Applies the same create and transitions to every store: `n` intents with random times (many ties), scopes, operations and statuses. */
async function seedRandom(stores: readonly LedgerStore[], n: number, seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const pick = <T,>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)] as T;
  const plans = Array.from({ length: n }, (_, i) => ({
    id: `${pick(['a', 'B', 'c-', 'é', 'z'])}${i}`,
    createdAt: T0 + Math.floor(random.next() * 40),
    scope: pick(['s1', 's2']),
    operation: pick(['op.a', 'op.b', 'op.c']),
    status: pick<IntentStatus>(['pending', 'inFlight', 'unknown', 'succeeded', 'failed']),
  }));
  await Promise.all(
    plans.map(async (p) => {
      for (const store of stores) {
        await store.create({ ...draft(p.id, p.createdAt), scope: p.scope, operation: p.operation }, p.createdAt);
        if (p.status === 'pending') continue;
        await store.transition(p.id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: p.createdAt + 1 });
        if (p.status === 'inFlight') continue;
        await store.transition(p.id, { expectStatus: 'inFlight', expectEpoch: 0, to: p.status, outcome: { kind: p.status, reason: p.id }, now: p.createdAt + 2 });
      }
    }),
  );
}

onShared('RedisLedger.list', () => {
  it('equals MemoryLedger on 1,200 intents for every kind of query, through the resumable index and through SCAN', async () => {
    const client = connect();
    const commands: string[] = [];
    const counted = (args: readonly string[]): Promise<unknown> => {
      commands.push(args[0] === 'EVALSHA' || args[0] === 'EVAL' ? `script` : (args[0] ?? ''));
      return client.call(args[0] ?? '', ...args.slice(1));
    };
    const ledger = await RedisLedger.open({ client: counted, prefix: track(client, randomPrefix('list')), allowVolatileServer: true });
    const model = new MemoryLedger();
    await seedRandom([ledger, model], 1_200, 7);
    const queries: ListRecordsQuery[] = [
      { limit: 5_000 },
      { limit: 7 },
      { limit: 0 },
      { statuses: ['pending'], limit: 5_000 },
      { statuses: ['pending', 'unknown', 'inFlight'], limit: 5_000 },
      { statuses: ['unknown', 'pending'], limit: 3 },
      { statuses: ['unknown'], limit: 230 },
      { statuses: ['inFlight'], createdBefore: T0 + 12, limit: 40 },
      { statuses: ['succeeded', 'failed'], limit: 5_000 },
      { statuses: ['failed'], scope: 's2', operation: 'op.c', limit: 5_000 },
      { statuses: ['succeeded', 'pending'], createdBefore: T0 + 20, limit: 25 },
      { scope: 's1', limit: 300 },
      { operation: 'op.b', createdBefore: T0 + 3, limit: 5_000 },
      { createdBefore: T0 - 1, limit: 5_000 },
      { createdBefore: Number.NaN, limit: 5 },
      { statuses: ['pending'], createdBefore: Number.POSITIVE_INFINITY, limit: 5 },
      { statuses: [], limit: 5 },
    ];
    for (const query of queries) expect(await ledger.list(query), JSON.stringify(query)).toStrictEqual(await model.list(query));
    // Through the index the read stops once the oldest `limit` are known: the range,
    // then one batch of 200 records.
    commands.length = 0;
    expect((await ledger.list({ statuses: ['pending', 'unknown'], limit: 5 })).length).toBe(5);
    expect(commands).toEqual(['script', 'script']);
    await expect(ledger.list({ limit: -1 })).rejects.toMatchObject({ code: 'ERR_CONFIG_INVALID_OPTION' });
  }, 30_000);

  it('skips the keys of a ledger whose prefix extends its own', async () => {
    const client = connect();
    const outer = track(client, randomPrefix('nest'));
    const a = await RedisLedger.open({ client, prefix: outer, allowVolatileServer: true });
    const b = await RedisLedger.open({ client, prefix: `${outer}intent:x:`, allowVolatileServer: true });
    await a.create(draft('mine'), T0);
    await a.create(draft('x:intent:y'), T0 + 1);
    await b.create(draft('theirs'), T0);
    await b.transition('theirs', { expectStatus: 'pending', expectEpoch: 0, to: 'failed', outcome: { kind: 'fatal', reason: 'x' }, now: T0 + 1 });
    expect((await a.list({ limit: 10 })).map((r) => r.id)).toEqual(['mine', 'x:intent:y']);
    expect((await b.list({ limit: 10 })).map((r) => r.id)).toEqual(['theirs']);
  });

  it('under concurrent writers lists every intent that exists throughout exactly once, each as it was at some moment', async () => {
    const client = connect();
    const writerClient = connect();
    const prefix = track(client, randomPrefix('listrace'));
    const reader = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    const writer = await RedisLedger.open({ client: writerClient, prefix, allowVolatileServer: true });
    const n = 3_000;
    await Promise.all(Array.from({ length: n }, (_, i) => writer.create(draft(`p${i}`, T0 + (i % 50)), T0)));
    let stop = false;
    let writes = 0;
    const writing = (async () => {
      for (let round = 0; !stop; round++) {
        const batch = Array.from({ length: 20 }, (_, j) => (round * 20 + j) % n);
        await Promise.all(
          batch.map(async (i) => {
            const id = `p${i}`;
            const record = await writer.get(id);
            if (record?.status === 'pending') await writer.transition(id, { expectStatus: 'pending', expectEpoch: 0, to: 'inFlight', attempt: 1, now: T0 + 1 });
            else if (record?.status === 'inFlight') await writer.transition(id, { expectStatus: 'inFlight', expectEpoch: 0, to: 'succeeded', outcome: { kind: 'success', reason: id }, now: T0 + 2 });
            await writer.create(draft(`new${round}-${i}`, T0 + 100), T0 + 100);
            writes += 2;
          }),
        );
      }
    })();
    const lists: IntentRecord[][] = [];
    try {
      for (let i = 0; i < 3; i++) lists.push(await reader.list({ statuses: ['pending', 'inFlight', 'succeeded'], limit: 100_000 }));
    } finally {
      stop = true;
      await writing;
    }
    expect(writes).toBeGreaterThan(0);
    for (const listed of lists) {
      const old = listed.filter((r) => r.id.startsWith('p'));
      expect(new Set(listed.map((r) => r.id)).size).toBe(listed.length);
      expect(old.map((r) => r.id).sort()).toEqual(Array.from({ length: n }, (_, i) => `p${i}`).sort());
      for (const r of old) {
        expect(['pending', 'inFlight', 'succeeded']).toContain(r.status);
        expect([r.attempt, r.epoch, r.outcome === undefined]).toEqual(r.status === 'pending' ? [0, 0, true] : [1, 0, r.status !== 'succeeded']);
      }
      expect(listed.map((r) => [r.createdAt, r.id])).toEqual([...listed].sort((x, y) => x.createdAt - y.createdAt || (x.id < y.id ? -1 : 1)).map((r) => [r.createdAt, r.id]));
    }
  }, 60_000);
});

onShared('a connection lost mid-intent fails closed (fake venue)', () => {
  let venue: FakeVenue;
  beforeAll(async () => {
    venue = await startFakeVenue({ mode: 'exchange' });
  });
  afterAll(async () => {
    await venue.close();
  });

  it('connection killed (CLIENT KILL) just before the in-flight write: nothing is sent, and nothing was created', async () => {
    const admin = connect();
    const own = connect(REDIS_URL, { enableOfflineQueue: false });
    await new Promise<void>((resolve) => (own.status === 'ready' ? resolve() : own.once('ready', () => resolve())));
    const ownId = String(await own.client('ID'));
    const prefix = track(admin, randomPrefix('kill'));
    let killed = false;
    // The ledger's client: kills its own connection once, right before the write that
    // records the first attempt in flight (for a new intent, the create itself).
    const client = async (args: readonly string[]): Promise<unknown> => {
      if (!killed && args[0] === 'EVALSHA' && isInFlightWrite(args)) {
        killed = true;
        const closed = new Promise<void>((resolve) => own.once('close', () => resolve()));
        await admin.call('CLIENT', 'KILL', 'ID', ownId);
        await closed;
      }
      return own.call(args[0] ?? '', ...args.slice(1));
    };
    const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true });
    const { place } = venueClient({ mode: 'exchange', url: venue.url, ledger, workerId: 'w1', leaseMs: 5_000 });
    const before = venue.stats().writes;
    const error = await place('kill-1').catch((e: unknown) => e);
    expect(killed).toBe(true);
    expect(isLedgerError(error), String(error)).toBe(true);
    expect(venue.stats().writes - before).toBe(0);
    const observer = await RedisLedger.open({ client: admin, prefix, allowVolatileServer: true });
    // The create that carried the in-flight record never ran: there is nothing to resume.
    expect(await observer.listResumable()).toEqual([]);
  });

  it('reply of the in-flight write lost with the connection: nothing is sent before a reconcile; executes once', async () => {
    const admin = connect();
    const proxy = await startReplyCutProxy(Number(new URL(REDIS_URL ?? '').port || 6379));
    try {
      for (const autoResend of [true, false]) {
        const prefix = track(admin, randomPrefix('cut'));
        const client = connect(`redis://127.0.0.1:${proxy.port}`, { autoResendUnfulfilledCommands: autoResend });
        // Without auto-resend, ioredis leaves the unanswered command pending until it
        // reconnects: the ledger's own command timeout is what ends the wait.
        const ledger = await RedisLedger.open({ client, prefix, allowVolatileServer: true, commandTimeoutMs: 500 });
        const cut = proxy.arm('inFlight');
        const { place } = venueClient({ mode: 'exchange', url: venue.url, ledger, workerId: `w-${String(autoResend)}`, leaseMs: 200 });
        const businessId = `cut-${String(autoResend)}`;
        const error = await place(businessId).catch((e: unknown) => e);
        await cut;
        if (autoResend) {
          // Resent after the reconnect, the create meets its own earlier effect and returns
          // the stored intent: attempt 1 in flight, under this worker's lease, never sent.
          // The run must treat it as found in flight, reconcile before anything else, and
          // resend the same key only after an authoritative "not found".
          expect(isLedgerError(error), String(error)).toBe(false);
          expect(venue.executionsOf(businessId)).toBe(1);
          expect((error as { attempts: number }).attempts).toBe(2);
          continue;
        }
        // Not resent, the create times out (LedgerUnavailableError) and the run stops before sending.
        expect(isLedgerError(error), String(error)).toBe(true);
        expect(venue.executionsOf(businessId)).toBe(0);
        const observer = await RedisLedger.open({ client: admin, prefix, allowVolatileServer: true });
        const [record] = await observer.listResumable();
        expect([record?.status, record?.attempt]).toEqual(['inFlight', 1]);

        // Another worker, after the lease: reconciles (not found), resends the same key once.
        const other = venueClient({ mode: 'exchange', url: venue.url, ledger: observer, workerId: 'recoverer', leaseMs: 5_000 });
        const leaseExpiresAt = record?.leaseExpiresAt ?? 0;
        while (Date.now() <= leaseExpiresAt) await new Promise((r) => setTimeout(r, 20));
        const report = await other.client.recover();
        expect(report).toMatchObject({ resumed: 1, succeeded: 1, resent: 1, needsAttention: [] });
        expect(venue.executionsOf(businessId)).toBe(1);
      }
    } finally {
      await proxy.close();
    }
  });
});

onPrivate('RedisLedger on private servers', () => {
  const servers: PrivateRedis[] = [];
  afterAll(async () => {
    await closeClients();
    for (const s of servers) await s.stop();
  });
  const start = async (args: string[]): Promise<PrivateRedis> => {
    const s = await startPrivateRedis(args);
    servers.push(s);
    return s;
  };

  it('refuses everysec, RDB-only and allkeys eviction; reads INFO where CONFIG is disabled', async () => {
    const server = await start([]);
    const client = connect(server.url);
    const settings: Array<[string[][], RegExp]> = [
      [[['appendonly', 'yes'], ['appendfsync', 'everysec']], /appendfsync is everysec: .*about the last second/],
      [[['appendonly', 'no'], ['save', '3600 1']], /only RDB snapshots/],
      [[['appendonly', 'yes'], ['appendfsync', 'always'], ['save', ''], ['maxmemory', '100000000'], ['maxmemory-policy', 'allkeys-lru']], /allkeys-lru/],
    ];
    for (const [pairs, message] of settings) {
      for (const [name, value] of pairs) await client.call('CONFIG', 'SET', name ?? '', value ?? '');
      const error = await RedisLedger.open({ client, prefix: 'p:' }).catch((e: unknown) => e);
      expect(codeOf(error)).toBe('ERR_CONFIG_INVALID_OPTION');
      expect((error as Error).message).toMatch(message);
    }
    await client.call('CONFIG', 'SET', 'maxmemory-policy', 'noeviction');
    const ok = await RedisLedger.open({ client, prefix: 'p:' });
    expect(ok.capabilities.durable).toBe(true);

    const noConfig = await start(['--appendonly', 'yes', '--appendfsync', 'always', '--rename-command', 'CONFIG', '']);
    const c2 = connect(noConfig.url);
    const refused = await RedisLedger.open({ client: c2, prefix: 'p:' }).catch((e: unknown) => e);
    expect(codeOf(refused)).toBe('ERR_CONFIG_INVALID_OPTION');
    expect((refused as Error).message).toMatch(/appendfsync could not be read/);
    const accepted = await RedisLedger.open({ client: c2, prefix: 'p:', allowVolatileServer: true });
    expect(accepted.persistence).toMatchObject({ source: 'info', appendonly: true });
    expect(accepted.capabilities.durable).toBe(false);
  });

  it('durable server: acknowledged intents survive kill -9 of redis-server; a server without persistence loses them and the ledger says so', async () => {
    const durable = await start(['--appendonly', 'yes', '--appendfsync', 'always']);
    const client = connect(durable.url);
    const ledger = await RedisLedger.open({ client, prefix: 'p:', commandTimeoutMs: 3_000 });
    await ledger.create(draft('a'), T0);
    await ledger.claim('a', { owner: 'w', leaseMs: 1_000, now: T0 });
    const acked = await ledger.transition('a', { expectStatus: 'pending', expectEpoch: 1, to: 'inFlight', attempt: 1, now: T0 + 1 });
    await durable.restart();
    expect(await ledger.get('a')).toEqual(acked);
    expect((await ledger.listResumable()).map((r) => r.id)).toEqual(['a']);

    const volatile = await start([]);
    const c2 = connect(volatile.url);
    const lossy = await RedisLedger.open({ client: c2, prefix: 'p:', allowVolatileServer: true, commandTimeoutMs: 3_000 });
    await lossy.create(draft('a'), T0);
    await volatile.restart();
    const error = await lossy.create(draft('b'), T0).catch((e: unknown) => e);
    expect(codeOf(error)).toBe('ERR_LEDGER_CORRUPT');
  });

  it('reloads its scripts after SCRIPT FLUSH', async () => {
    const server = await start([]);
    const client = connect(server.url);
    const ledger = await RedisLedger.open({ client, prefix: 'p:', allowVolatileServer: true });
    await ledger.create(draft('a'), T0);
    await client.call('SCRIPT', 'FLUSH');
    expect((await ledger.claim('a', { owner: 'w', leaseMs: 10, now: T0 })).claimed).toBe(true);
  });

  it('server stopped mid-run: the call fails closed with nothing sent', async () => {
    const server = await start([]);
    const venue = await startFakeVenue({ mode: 'payments' });
    try {
      const client = connect(server.url);
      const ledger = await RedisLedger.open({ client, prefix: 'p:', allowVolatileServer: true, commandTimeoutMs: 400 });
      const { place } = venueClient({ mode: 'payments', url: venue.url, ledger, workerId: 'w', leaseMs: 5_000 });
      await place('before');
      await server.kill();
      const error = await place('during').catch((e: unknown) => e);
      expect(codeOf(error)).toBe('ERR_LEDGER_UNAVAILABLE');
      expect(venue.stats().writes).toBe(1);
      expect(venue.executionsOf('during')).toBe(0);
    } finally {
      await venue.close();
    }
  });

  it('waits for a real replica with WAIT and succeeds', async () => {
    const primary = await start(['--repl-diskless-sync-delay', '0']);
    const replica = await start(['--replicaof', '127.0.0.1', String(primary.port)]);
    const rc = connect(replica.url);
    const deadline = Date.now() + 10_000;
    while (!/master_link_status:up/.test(await rc.info('replication')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const client = connect(primary.url);
    const ledger = await RedisLedger.open({ client, prefix: 'p:', allowVolatileServer: true, waitForReplicas: { replicas: 1, timeoutMs: 2_000 } });
    expect((await ledger.create(draft('r'), T0)).created).toBe(true);
    const claim = await ledger.claim('r', { owner: 'w', leaseMs: 100, now: T0 });
    await ledger.transition('r', { expectStatus: 'pending', expectEpoch: claim.record.epoch, to: 'inFlight', attempt: 1, now: T0 });
    expect(await rc.hget('p:intent:r', 'status')).toBe('inFlight');
  });
});
