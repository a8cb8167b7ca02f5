/**
 * Child process of the Redis store's race and takeover tests. Run with
 * `node --import tsx test/helpers/redis-worker.ts` from the repository root, with an IPC
 * channel; it answers `ready` and then serves messages:
 *
 * - `race`: opens `connections` ledgers (one ioredis connection each) on `prefix`, answers
 *   `connected`, and on `go` has every one create, then claim, each of `ids` in order, all
 *   connections at once; answers which ids each connection created and claimed. (The
 *   parent says `go` once every process is connected, so that they all race from the
 *   first id: one that connected early could otherwise win every intent alone.)
 * - `open` then `place`: a worker on the fake venue whose lease is `leaseMs`. On `place`
 *   it runs the business action and stops itself with SIGSTOP at `pauseAt`; the parent
 *   sees the stop in /proc, lets the lease expire, has another worker take the intent
 *   over, and sends SIGCONT. When the call has settled, the worker also replays the
 *   write it would have made next with the epoch it last held (a zombie write), and
 *   answers how both ended.
 */
import type { Redis as RedisClient } from 'ioredis';
import { Redis } from 'ioredis';
import { isIntentError, type IntentRecord, type LedgerStore } from '../../src/index.js';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { venueClient, type VenueMode } from './redis-venue-client.js';

/** Where the takeover worker stops itself. */
export type PausePoint = 'beforeInFlight' | 'afterInFlight' | 'afterResponse';

/** Messages from the parent. */
export type WorkerRequest =
  | { readonly type: 'race'; readonly url: string; readonly prefix: string; readonly connections: number; readonly ids: readonly string[]; readonly owner: string }
  | { readonly type: 'go' }
  | { readonly type: 'open'; readonly url: string; readonly prefix: string; readonly mode: VenueMode; readonly venueUrl: string; readonly leaseMs: number; readonly workerId: string }
  | { readonly type: 'place'; readonly businessId: string; readonly pauseAt: PausePoint };

/** Messages to the parent. */
export type WorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'connected' }
  | { readonly type: 'raced'; readonly created: string[][]; readonly claimed: string[][] }
  | { readonly type: 'opened' }
  | { readonly type: 'placed'; readonly businessId: string; readonly paused: boolean; readonly placeCode: string; readonly zombieCode: string; readonly heldEpoch: number }
  | { readonly type: 'error'; readonly message: string };

const T0 = 1_700_000_000_000;

function send(message: WorkerReply): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    process.send?.(message, undefined, undefined, (error: Error | null) => (error ? reject(error) : resolve()));
  });
}

const codeOf = (e: unknown): string => (isIntentError(e) ? e.code : e instanceof Error ? `${e.name}: ${e.message}` : String(e));

/** Races waiting for the parent's `go`. */
const goWaiters: Array<() => void> = [];

async function race(request: Extract<WorkerRequest, { type: 'race' }>): Promise<void> {
  const clients: RedisClient[] = [];
  try {
    const ledgers: RedisLedger[] = [];
    for (let i = 0; i < request.connections; i++) {
      const client = new Redis(request.url);
      clients.push(client);
      ledgers.push(await RedisLedger.open({ client, prefix: request.prefix, allowVolatileServer: true }));
    }
    const go = new Promise<void>((resolve) => goWaiters.push(resolve));
    await send({ type: 'connected' });
    await go;
    const created: string[][] = ledgers.map(() => []);
    const claimed: string[][] = ledgers.map(() => []);
    await Promise.all(
      ledgers.map(async (ledger, w) => {
        for (const id of request.ids) {
          const draft = {
            id,
            scope: 's',
            operation: 'race',
            venue: 'v',
            key: id,
            venueKey: id,
            fingerprint: 'f',
            input: { id },
            createdAt: T0,
          };
          if ((await ledger.create(draft, T0)).created) created[w]?.push(id);
          if ((await ledger.claim(id, { owner: `${request.owner}-${w}`, leaseMs: 3_600_000, now: T0 })).claimed) claimed[w]?.push(id);
        }
      }),
    );
    await send({ type: 'raced', created, claimed });
  } finally {
    for (const c of clients) c.disconnect();
  }
}

/** Remembers the last record this worker got back for each intent: what it believes it holds. */
class Remembering implements LedgerStore {
  readonly last = new Map<string, IntentRecord>();
  /**
   * When set, a create ignores its in-flight start (as a store without it would), so the
   * intent is created pending, then claimed, and its first in-flight record is a separate
   * write: the only way a worker can hold a lease with the attempt not yet recorded,
   * which the `beforeInFlight` pause needs.
   */
  longPath = false;
  /** True between a claim and the next write: the worker holds a lease with nothing recorded since. */
  justClaimed = false;
  constructor(readonly inner: RedisLedger) {}
  get capabilities(): LedgerStore['capabilities'] {
    return this.inner.capabilities;
  }
  async create(...[draft, now, inFlight]: Parameters<LedgerStore['create']>): ReturnType<LedgerStore['create']> {
    const r = await (this.longPath ? this.inner.create(draft, now) : this.inner.create(draft, now, inFlight));
    this.justClaimed = false;
    this.last.set(r.record.id, r.record);
    return r;
  }
  get(id: string): Promise<IntentRecord | undefined> {
    return this.inner.get(id);
  }
  async claim(...args: Parameters<LedgerStore['claim']>): ReturnType<LedgerStore['claim']> {
    const r = await this.inner.claim(...args);
    if (r.claimed) this.last.set(r.record.id, r.record);
    this.justClaimed = r.claimed;
    return r;
  }
  async transition(...args: Parameters<LedgerStore['transition']>): ReturnType<LedgerStore['transition']> {
    this.justClaimed = false;
    const r = await this.inner.transition(...args);
    this.last.set(r.id, r);
    return r;
  }
  release(...args: Parameters<LedgerStore['release']>): Promise<void> {
    return this.inner.release(...args);
  }
  listResumable(): Promise<IntentRecord[]> {
    return this.inner.listResumable();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

async function serveTakeover(open: Extract<WorkerRequest, { type: 'open' }>): Promise<void> {
  const client = new Redis(open.url);
  const ledger = new Remembering(await RedisLedger.open({ client, prefix: open.prefix, allowVolatileServer: true }));
  let armed: PausePoint | undefined;
  let paused = false;
  const pause = (at: PausePoint): void => {
    if (armed !== at) return;
    armed = undefined;
    paused = true;
    // The parent waits for the stopped state in /proc, so no message is needed here.
    process.kill(process.pid, 'SIGSTOP');
  };
  const { client: intentClient, http, place } = venueClient({
    mode: open.mode,
    url: open.venueUrl,
    ledger,
    workerId: open.workerId,
    leaseMs: open.leaseMs,
    hooks: {
      beforeRequest: (attempt) => {
        // Only once the lease is held: a new intent's builder also runs before its create.
        if (attempt === 1 && ledger.justClaimed) pause('beforeInFlight');
      },
    },
  });
  intentClient.on('attemptStarted', () => pause('afterInFlight'));
  http.interceptors.response.use((response) => {
    if (response.config.intentkey?.purpose === 'send') pause('afterResponse');
    return response;
  });
  process.on('message', (message: WorkerRequest) => {
    if (message.type !== 'place') return;
    void (async () => {
      armed = message.pauseAt;
      ledger.longPath = message.pauseAt === 'beforeInFlight';
      paused = false;
      const placeCode = await place(message.businessId).then(
        () => 'ok',
        (e: unknown) => codeOf(e),
      );
      // The write this worker would make next, with the epoch it last held.
      const held = [...ledger.last.values()].find((r) => r.businessId === message.businessId);
      let zombieCode = 'no record';
      if (held) {
        const to = held.status === 'pending' ? 'inFlight' : 'succeeded';
        zombieCode = await ledger.inner
          .transition(held.id, {
            expectStatus: held.status,
            expectEpoch: held.epoch,
            to,
            now: Date.now(),
            ...(to === 'inFlight' ? { attempt: held.attempt + 1 } : { outcome: { kind: 'success', reason: 'zombie' } }),
          })
          .then(
            () => 'accepted',
            (e: unknown) => codeOf(e),
          );
      }
      await send({ type: 'placed', businessId: message.businessId, paused, placeCode, zombieCode, heldEpoch: held?.epoch ?? -1 });
    })().catch((e: unknown) => send({ type: 'error', message: codeOf(e) }));
  });
  await send({ type: 'opened' });
}

process.once('disconnect', () => process.exit(0));
process.on('message', (message: WorkerRequest) => {
  if (message.type === 'go') {
    for (const start of goWaiters.splice(0)) start();
    return;
  }
  const run = message.type === 'race' ? race(message) : message.type === 'open' ? serveTakeover(message) : undefined;
  run?.catch((e: unknown) => send({ type: 'error', message: codeOf(e) }));
});
void send({ type: 'ready' });
