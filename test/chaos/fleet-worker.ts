/**
 * Worker process of the fleet chaos test (test/chaos/fleet-harness.ts): one member of a
 * fleet of processes sharing one PostgreSQL or Redis ledger.
 *
 * It is started ahead of use and waits for a `go` message with its configuration, so a
 * restart after a SIGKILL does not pay for module loading. Then it opens the shared
 * ledger, calls `client.recover()` (the restart path of a real worker), reports `ready`
 * and takes deliveries: each `deliver` message is one delivery of a business action
 * from an at-least-once queue. The worker calls the action's operation and answers with
 * how the call ended; the parent acknowledges or redelivers. Every `sweepEveryMs` it
 * calls `recover()` again, as a fleet's periodic sweeper would, so intents left behind
 * by a dead worker are taken over once their lease expires even if nobody redelivers.
 *
 * The ledger is wrapped (no hooks in `src/`) to tell the parent what the oracle needs
 * (and which workers hold leases, so kills can be aimed at them):
 * - `takeover`: a claim that took an intent from another owner whose lease had expired
 *   without being released, with that owner's epoch and the status it left. Before the
 *   claim returns, the wrapper replays the write that owner would have made next, with
 *   its old epoch and the status as it still is (nobody else can change it while this
 *   worker holds the fresh lease), so only the epoch check can refuse it;
 * - `fenced`: one of this worker's own writes refused because another worker had taken
 *   the intent over (`LedgerLeaseLostError`).
 *
 * Run by the harness as `node --import tsx test/chaos/fleet-worker.ts` from the
 * repository root, with an IPC channel.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import axios from 'axios';
import { binanceSpot, createIntentClient, extendVenue, isAmbiguousOutcomeError, isIntentError, stripe, type IntentClient, type IntentDraft, type IntentRecord, type IntentStatus, type LedgerStore } from '../../src/index.js';
import { type ClaimRequest, type CreateInFlight, type ClaimResult, type TransitionRequest } from '../../src/ledger/index.js';

/** Which shared store the fleet runs on. */
export type FleetStore = 'postgres' | 'redis';
/** Which fake venue semantics the fleet talks to. */
export type FleetMode = 'exchange' | 'payments';

/** Timing of every worker's intent client. Short, because kills and takeovers must fit a test. */
export const FLEET_TIMING = {
  /** Per-attempt HTTP timeout, in ms. The venue's `delay` fault holds longer than this. */
  attemptTimeoutMs: 400,
  baseDelayMs: 20,
  maxDelayMs: 200,
  /**
   * Exchange mode: how long after the last attempt a "not found" lookup is believed, in
   * ms. The fake exchange executes a write as it arrives (no queue), so loopback transit
   * is all it must cover.
   */
  settleDelayMs: 300,
  /** Budget of one call, in ms. */
  deadlineMs: 10_000,
  maxAttempts: 12,
  maxLookups: 10,
} as const;

/** What the parent sends to start a waiting worker. */
export interface FleetWorkerConfig {
  readonly store: FleetStore;
  /** DATABASE_URL or REDIS_URL. */
  readonly url: string;
  /** PostgreSQL table, or Redis key prefix. */
  readonly namespace: string;
  readonly mode: FleetMode;
  readonly venueUrl: string;
  /** Lease owner name of this incarnation (a restarted worker gets a new one). */
  readonly workerId: string;
  readonly leaseMs: number;
  /** Interval of the periodic `recover()` sweep, in ms; 0: only at start. */
  readonly sweepEveryMs: number;
  /**
   * Simulated network latency to the venue, in ms: each request waits a random
   * 0..latencyMs/2 before it is sent and its response as long again before the client
   * sees it. It widens the windows a kill can land in (in flight but not yet sent;
   * executed but not yet recorded). Keep it far below half the lease.
   */
  readonly latencyMs: number;
}

/** Messages from the parent. */
export type FleetCommand =
  | { readonly type: 'go'; readonly config: FleetWorkerConfig }
  | { readonly type: 'deliver'; readonly deliveryId: number; readonly businessId: string }
  | { readonly type: 'stop' };

/** How one delivery's call ended. */
export type DeliveryOutcome =
  /** The call resolved: executed now, or answered from the ledger. */
  | 'succeeded'
  /** `IntentBusyError`: another worker holds the intent's lease. Redeliver later. */
  | 'busy'
  /** `LedgerLeaseLostError`: another worker took the intent over mid-call. */
  | 'leaseLost'
  /** `AmbiguousOutcomeError`: may have executed; the ledger keeps it unknown. */
  | 'ambiguous'
  /** `VenueRejectedError`: the venue definitively refused it. */
  | 'rejected'
  /** Any other error (retries exhausted, ledger unavailable, ...). */
  | 'error';

/**
 * How a late write with a superseded epoch ended: refused by the epoch check (`fenced`,
 * the only correct answer), `accepted` (the store does not fence), or failed otherwise
 * (`error`: e.g. the store was unreachable, so it proves nothing either way).
 */
export type LateWriteResult = 'fenced' | 'accepted' | 'error';

/**
 * The write a previous owner would make next from the status it left: one the state
 * machine allows, so only the epoch check can refuse it.
 */
const LATE_WRITE_TARGET: Readonly<Record<IntentStatus, IntentStatus | undefined>> = {
  pending: 'failed',
  inFlight: 'unknown',
  unknown: 'failed',
  succeeded: undefined,
  failed: undefined,
};

/** What `recover()` returned, reduced to what the parent counts. */
export interface FleetRecovered {
  readonly type: 'recovered';
  /** True for a periodic sweep, false for the start-up recovery. */
  readonly sweep: boolean;
  /** Intents it claimed and ran (not counting those another worker held). */
  readonly resumed: number;
  readonly succeeded: number;
  readonly reconciledFound: number;
  readonly resent: number;
  readonly failed: number;
  /** Intents it could not settle, except those another live worker holds. */
  readonly needsAttention: ReadonlyArray<{ readonly intentId: string; readonly reason: string }>;
}

/** Messages from a worker. */
export type FleetMessage =
  | { readonly type: 'booted'; readonly pid: number }
  | { readonly type: 'ready'; readonly openMs: number }
  | FleetRecovered
  | {
      readonly type: 'result';
      readonly deliveryId: number;
      readonly businessId: string;
      readonly outcome: DeliveryOutcome;
      readonly code: string;
      readonly intentId: string | undefined;
      readonly key: string | undefined;
      readonly replayed: boolean;
      readonly message: string;
    }
  | {
      readonly type: 'takeover';
      readonly intentId: string;
      readonly fromOwner: string;
      readonly fromEpoch: number;
      readonly fromStatus: IntentStatus;
      readonly toEpoch: number;
      /** How the previous owner's late write, replayed right after the takeover, ended. */
      readonly lateWrite: LateWriteResult;
    }
  | { readonly type: 'fenced'; readonly intentId: string; readonly expectEpoch: number; readonly to: IntentStatus }
  /** This worker took (`held: true`) or released a lease; lets the parent aim kills at lease holders. */
  | { readonly type: 'lease'; readonly intentId: string; readonly held: boolean }
  /** A periodic sweep failed (e.g. the store was briefly unreachable); the next one retries. */
  | { readonly type: 'sweepFailed'; readonly message: string }
  | { readonly type: 'stopped' }
  | { readonly type: 'fatal'; readonly message: string };

/**
 * Sends a message to the parent and resolves once it is written into the channel, so a
 * kill right after cannot take it back.
 */
function report(message: FleetMessage): Promise<void> {
  const send = process.send?.bind(process);
  if (!send) return Promise.reject(new Error('fleet worker: no IPC channel'));
  return new Promise<void>((done, fail) => {
    send(message, undefined, undefined, (error: Error | null) => (error ? fail(error) : done()));
  });
}

/** Reports without waiting; for the ledger wrapper, whose callers must not be slowed by the parent. */
function tell(message: FleetMessage): void {
  report(message).catch(() => undefined);
}

/**
 * The shared ledger with two observations added: takeovers (a claim that moved an
 * unexpired-by-release lease of another owner to this worker) and this worker's own
 * writes refused by the epoch check. Behaviour is the inner store's, unchanged.
 */
export class ObservedLedger implements LedgerStore {
  readonly capabilities: LedgerStore['capabilities'];
  readonly #inner: LedgerStore;

  constructor(inner: LedgerStore) {
    this.#inner = inner;
    this.capabilities = inner.capabilities;
  }

  async create(draft: IntentDraft, now: number, inFlight?: CreateInFlight): Promise<{ readonly created: boolean; readonly record: IntentRecord }> {
    // Passed through, so the fleet runs the client's short path: a new intent is created
    // already leased, with its first attempt in flight.
    const result = await this.#inner.create(draft, now, inFlight);
    if (result.created && result.record.leaseOwner !== undefined) tell({ type: 'lease', intentId: draft.id, held: true });
    return result;
  }

  get(id: string): Promise<IntentRecord | undefined> {
    return this.#inner.get(id);
  }

  async claim(id: string, request: ClaimRequest): Promise<ClaimResult> {
    // One extra read, for the report only: what the claim is about to replace.
    const before = await this.#inner.get(id);
    const result = await this.#inner.claim(id, request);
    if (result.claimed) tell({ type: 'lease', intentId: id, held: true });
    if (
      result.claimed &&
      before?.leaseOwner !== undefined &&
      before.leaseOwner !== request.owner &&
      // The claim replaced exactly the lease read above (not one released or taken since),
      // and that lease had run out: the previous owner died or stalled holding it.
      result.record.epoch === before.epoch + 1 &&
      (before.leaseExpiresAt ?? 0) <= request.now
    ) {
      const lateWrite = await this.#lateWrite(id, before);
      tell({ type: 'takeover', intentId: id, fromOwner: before.leaseOwner, fromEpoch: before.epoch, fromStatus: before.status, toEpoch: result.record.epoch, lateWrite });
    }
    return result;
  }

  /** The write the previous owner would make next, sent with its superseded epoch. */
  async #lateWrite(id: string, before: IntentRecord): Promise<LateWriteResult> {
    const to = LATE_WRITE_TARGET[before.status];
    if (to === undefined) return 'error';
    try {
      await this.#inner.transition(id, {
        expectStatus: before.status,
        expectEpoch: before.epoch,
        to,
        outcome: { kind: 'unknown', reason: `late write of ${before.leaseOwner ?? 'a previous owner'}` },
        now: Date.now(),
      });
      return 'accepted';
    } catch (error) {
      return isIntentError(error) && error.code === 'ERR_LEDGER_LEASE_LOST' ? 'fenced' : 'error';
    }
  }

  async transition(id: string, request: TransitionRequest): Promise<IntentRecord> {
    try {
      const record = await this.#inner.transition(id, request);
      // The write that ends a run gives the lease back itself (no release call follows).
      if (request.releaseLease === true) tell({ type: 'lease', intentId: id, held: false });
      return record;
    } catch (error) {
      if (isIntentError(error) && error.code === 'ERR_LEDGER_LEASE_LOST') tell({ type: 'fenced', intentId: id, expectEpoch: request.expectEpoch, to: request.to });
      throw error;
    }
  }

  async release(id: string, owner: string, epoch: number): Promise<void> {
    await this.#inner.release(id, owner, epoch);
    tell({ type: 'lease', intentId: id, held: false });
  }

  listResumable(): Promise<IntentRecord[]> {
    return this.#inner.listResumable();
  }

  close(): Promise<void> {
    return this.#inner.close();
  }
}

/** Opens the shared store; returns it and a function that releases its connections. */
export async function openFleetStore(store: FleetStore, url: string, namespace: string): Promise<{ ledger: LedgerStore; end: () => Promise<void> }> {
  if (store === 'postgres') {
    const [{ default: pg }, { PostgresLedger }] = await Promise.all([import('pg'), import('../../src/stores/postgres/index.js')]);
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    // A lost connection must not crash the worker; the store reports it as unavailable.
    pool.on('error', () => undefined);
    return { ledger: await PostgresLedger.open({ pool, table: namespace, reapEveryMs: 0, migrate: false }), end: () => pool.end() };
  }
  const [{ Redis }, { RedisLedger }] = await Promise.all([import('ioredis'), import('../../src/stores/redis/index.js')]);
  const client = new Redis(url);
  client.on('error', () => undefined);
  // The test server runs without persistence: opted in explicitly, durable is then false.
  const ledger = await RedisLedger.open({ client, prefix: namespace, allowVolatileServer: true });
  return {
    ledger,
    end: async () => {
      client.disconnect();
      return Promise.resolve();
    },
  };
}

interface FleetOrder {
  readonly symbol: string;
  readonly side: 'BUY' | 'SELL';
  readonly type: 'MARKET';
  readonly quantity: string;
  readonly businessId: string;
}

interface FleetPayment {
  readonly amount: number;
  readonly currency: string;
  readonly businessId: string;
}

/**
 * The fleet's one operation on the fake venue. Every worker registers the same name and
 * derives the same input from the business id, so any of them can resume any intent.
 */
export function fleetOperation(client: IntentClient, mode: FleetMode): (businessId: string) => ReturnType<ReturnType<IntentClient['operation']>> {
  if (mode === 'exchange') {
    const place = client.operation<FleetOrder>('fleet.order.create', {
      request: (order) => ({ method: 'POST', url: '/api/v3/order', params: order }),
      reconcile: (order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: order.symbol, origClientOrderId: ctx.venueKey } }),
    });
    return (businessId) =>
      place({ symbol: 'BTCUSDT', side: businessId.length % 2 === 0 ? 'BUY' : 'SELL', type: 'MARKET', quantity: '0.001', businessId }, { businessId });
  }
  const pay = client.operation<FleetPayment>('fleet.payment.create', {
    request: (payment) => ({ method: 'POST', url: '/v1/payments', data: payment }),
  });
  return (businessId) => pay({ amount: 100 + businessId.length, currency: 'usd', businessId }, { businessId });
}

function outcomeOf(error: unknown): DeliveryOutcome {
  if (!isIntentError(error)) return 'error';
  switch (error.code) {
    case 'ERR_INTENT_BUSY':
      return 'busy';
    case 'ERR_LEDGER_LEASE_LOST':
      return 'leaseLost';
    case 'ERR_VENUE_REJECTED':
      return 'rejected';
    default:
      return isAmbiguousOutcomeError(error) ? 'ambiguous' : 'error';
  }
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error)).slice(0, 300);

async function run(config: FleetWorkerConfig, commands: AsyncIterable<FleetCommand>): Promise<void> {
  const started = performance.now();
  const opened = await openFleetStore(config.store, config.url, config.namespace);
  const ledger = new ObservedLedger(opened.ledger);
  const http = axios.create({ baseURL: config.venueUrl });
  if (config.latencyMs > 0) {
    const lag = (): Promise<void> => new Promise((r) => setTimeout(r, Math.random() * (config.latencyMs / 2)));
    http.interceptors.request.use(async (request) => {
      await lag();
      return request;
    });
    http.interceptors.response.use(
      async (response) => {
        await lag();
        return response;
      },
      async (error: unknown) => {
        await lag();
        throw error;
      },
    );
  }
  const venue =
    config.mode === 'exchange'
      ? extendVenue(binanceSpot, { name: 'binance-spot-fleet-chaos', reconcile: { settleDelayMs: FLEET_TIMING.settleDelayMs } })
      : stripe;
  const client = createIntentClient(http, {
    venue,
    ledger,
    workerId: config.workerId,
    leaseMs: config.leaseMs,
    attemptTimeoutMs: FLEET_TIMING.attemptTimeoutMs,
    maxLookups: FLEET_TIMING.maxLookups,
    retry: {
      maxAttempts: FLEET_TIMING.maxAttempts,
      baseDelayMs: FLEET_TIMING.baseDelayMs,
      maxDelayMs: FLEET_TIMING.maxDelayMs,
      deadlineMs: FLEET_TIMING.deadlineMs,
    },
  });
  const place = fleetOperation(client, config.mode);

  const recover = async (sweep: boolean): Promise<void> => {
    const r = await client.recover({ concurrency: 4 });
    // A live worker's lease is not something to report: that worker is on it.
    const held = r.needsAttention.filter((n) => n.reason === 'held by another worker');
    await report({
      type: 'recovered',
      sweep,
      resumed: r.resumed - held.length,
      succeeded: r.succeeded,
      reconciledFound: r.reconciledFound,
      resent: r.resent,
      failed: r.failed,
      needsAttention: r.needsAttention.filter((n) => n.reason !== 'held by another worker').map((n) => ({ intentId: n.intentId, reason: n.reason })),
    });
  };
  await recover(false);
  await report({ type: 'ready', openMs: Math.round(performance.now() - started) });

  let stopping = false;
  let sweeping: Promise<void> | undefined;
  const sweeper =
    config.sweepEveryMs > 0
      ? setInterval(() => {
          // One sweep at a time: a tick that finds the last one still running is skipped.
          if (sweeping || stopping) return;
          sweeping = recover(true)
            .catch((error: unknown) => tell({ type: 'sweepFailed', message: messageOf(error) }))
            .finally(() => (sweeping = undefined));
        }, config.sweepEveryMs)
      : undefined;

  const calls = new Set<Promise<void>>();
  for await (const command of commands) {
    if (command.type === 'stop') break;
    if (command.type !== 'deliver') continue;
    const call = (async () => {
      try {
        const result = await place(command.businessId);
        await report({ type: 'result', deliveryId: command.deliveryId, businessId: command.businessId, outcome: 'succeeded', code: 'OK', intentId: result.intentId, key: result.key, replayed: result.replayed, message: '' });
      } catch (error) {
        await report({
          type: 'result',
          deliveryId: command.deliveryId,
          businessId: command.businessId,
          outcome: outcomeOf(error),
          code: isIntentError(error) ? error.code : 'UNEXPECTED',
          intentId: (error as { intentId?: string } | null)?.intentId,
          key: undefined,
          replayed: false,
          message: messageOf(error),
        });
      }
    })();
    calls.add(call);
    void call.finally(() => calls.delete(call));
  }
  stopping = true;
  if (sweeper) clearInterval(sweeper);
  await Promise.all([...calls, sweeping]);
  await client.close();
  await opened.end();
  await report({ type: 'stopped' });
}

/** The parent's messages as an async stream; ends when the parent goes away. */
async function* commandStream(first: FleetCommand[]): AsyncGenerator<FleetCommand> {
  const queue: FleetCommand[] = [...first];
  let wake: (() => void) | undefined;
  let closed = false;
  process.on('message', (m: FleetCommand) => {
    queue.push(m);
    wake?.();
  });
  process.once('disconnect', () => {
    closed = true;
    wake?.();
  });
  for (;;) {
    const next = queue.shift();
    if (next) {
      yield next;
      continue;
    }
    if (closed) return;
    await new Promise<void>((r) => (wake = r));
    wake = undefined;
  }
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('fleet worker: needs an IPC channel');
  // Everything the worker needs is loaded before it says it is booted.
  await Promise.all([import('pg'), import('ioredis'), import('../../src/stores/postgres/index.js'), import('../../src/stores/redis/index.js')]);
  const early: FleetCommand[] = [];
  let go: ((config: FleetWorkerConfig) => void) | undefined;
  const config = new Promise<FleetWorkerConfig>((r) => (go = r));
  const onEarly = (m: FleetCommand): void => {
    if (m.type === 'go') go?.(m.config);
    else early.push(m);
  };
  process.on('message', onEarly);
  // The parent gave up on this standby before using it.
  process.once('disconnect', () => process.exit(0));
  await report({ type: 'booted', pid: process.pid });
  const cfg = await config;
  process.off('message', onEarly);
  await run(cfg, commandStream(early));
  // exit() rather than waiting for the event loop: the IPC channel keeps it alive.
  process.exit(0);
}

const isEntry = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isEntry) {
  main().catch(async (error: unknown) => {
    await report({ type: 'fatal', message: String((error as Error).stack ?? error).slice(0, 2000) }).catch(() => undefined);
    process.exit(2);
  });
}
