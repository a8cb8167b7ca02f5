import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { checkLedgerAgainstModel, describeLedgerContract } from '../../src/testing/index.js';
import {
  closeClients,
  connect,
  deletePrefix,
  HAS_REDIS_SERVER,
  randomPrefix,
  REDIS_URL,
  startPrivateRedis,
  warnIfSkipped,
  type PrivateRedis,
} from '../helpers/redis.js';

// The LedgerStore contract suite and the model-based check (MemoryLedger as the model)
// against RedisLedger: on the shared test server (no persistence, so opened with
// allowVolatileServer), and on a private server with appendonly yes + appendfsync always,
// where the store declares durable: true and the suite checks a reopen.

warnIfSkipped('the RedisLedger contract and model tests');

afterAll(closeClients);

const onShared = describe.runIf(REDIS_URL !== undefined);

describeLedgerContract('RedisLedger (shared test server, volatile opt-in)', { describe: onShared, it }, async () => {
  const prefix = randomPrefix('contract');
  const a = connect();
  const b = connect();
  const open = (client = a): Promise<RedisLedger> => RedisLedger.open({ client, prefix, allowVolatileServer: true });
  return {
    store: await open(),
    openPeer: () => open(b),
    reopen: () => open(),
    dispose: async () => {
      await deletePrefix(a, prefix);
    },
  };
}, { requireList: true, requireClaimResumable: true });

const onDurable = describe.runIf(REDIS_URL !== undefined && HAS_REDIS_SERVER);
let durable: PrivateRedis | undefined;
onDurable('private server with appendonly yes, appendfsync always', () => {
  beforeAll(async () => {
    durable = await startPrivateRedis(['--appendonly', 'yes', '--appendfsync', 'always']);
  });
  afterAll(async () => {
    await closeClients();
    await durable?.stop();
  });
  it('is accepted without the opt-in and declares durable: true', async () => {
    const ledger = await RedisLedger.open({ client: connect(durable?.url), prefix: randomPrefix('durable') });
    expect(ledger.capabilities).toEqual({ durable: true, shared: true });
    expect(ledger.persistence).toMatchObject({ source: 'config', appendonly: true, appendfsync: 'always', problems: [] });
  });
  describeLedgerContract('RedisLedger (durable private server)', { describe, it }, async () => {
    const prefix = randomPrefix('contract');
    const url = durable?.url;
    const a = connect(url);
    const b = connect(url);
    return {
      store: await RedisLedger.open({ client: a, prefix }),
      openPeer: () => RedisLedger.open({ client: b, prefix }),
      // A new connection: nothing of the old handle's connection state is reused.
      reopen: () => RedisLedger.open({ client: connect(url), prefix }),
      dispose: async () => {
        await deletePrefix(a, prefix);
      },
    };
  }, { requireList: true, requireClaimResumable: true });
});

onShared('RedisLedger against the model', () => {
  it('matches MemoryLedger over random command sequences on two connections, with reopens', async () => {
    const a = connect();
    const b = connect();
    const prefixes: string[] = [];
    try {
      const totals = await checkLedgerAgainstModel({
        numRuns: 40,
        open: async () => {
          const prefix = randomPrefix('model');
          prefixes.push(prefix);
          const open = (client = a): Promise<RedisLedger> => RedisLedger.open({ client, prefix, allowVolatileServer: true });
          let handles = { store: await open(), peer: await open(b) };
          return {
            ...handles,
            reopen: async () => {
              await handles.store.close();
              await handles.peer.close();
              handles = { store: await open(), peer: await open(b) };
              return handles;
            },
            dispose: async () => {
              await deletePrefix(a, prefix);
            },
          };
        },
      });
      expect(totals.runs).toBe(40);
      expect(totals.transitions).toBeGreaterThan(totals.runs);
      expect(totals.takeovers).toBeGreaterThan(0);
      expect(totals.races).toBeGreaterThan(0);
      expect(totals.reopens).toBeGreaterThan(0);
    } finally {
      for (const p of prefixes) await deletePrefix(a, p);
    }
  }, 60_000);
});
