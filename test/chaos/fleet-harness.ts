/**
 * Parent side of the fleet chaos test (B6-B7: shared ledgers).
 *
 * A fleet of worker processes (test/chaos/fleet-worker.ts, 4 by default) shares one
 * PostgreSQL table or one Redis key prefix. The parent plays two roles the workers
 * cannot kill:
 *
 * - the fake venue, which counts executions per business id;
 * - an at-least-once queue: every business action is delivered at least twice (the
 *   second delivery at the same moment, shortly after, or seconds later, always to
 *   another worker when one is free), and a delivery that does not come back as a
 *   success (the intent is busy in another worker, the lease was lost, the outcome is
 *   still unknown, the worker died) is delivered again, as a queue would after a nack or
 *   a visibility timeout.
 *
 * Meanwhile one worker at a time is SIGKILLed at a seeded random moment and replaced by
 * a new incarnation (a new lease owner) whose first act is `recover()`. Leases are
 * short, so the survivors, through redeliveries and their periodic `recover()` sweeps,
 * take over what the dead worker held. Right after every takeover the worker replays the
 * write the previous owner would have made with its old epoch: the store must refuse it.
 *
 * At the end the run is audited against the venue and the ledger: every action executed
 * exactly once (0 duplicates, 0 lost, 0 orphans), every intent settled (or reported to
 * the parent as needing a person), one key per action, no late write accepted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { type IntentStatus, type LedgerStore } from '../../src/index.js';
import { PostgresLedger } from '../../src/stores/postgres/index.js';
import { RedisLedger } from '../../src/stores/redis/index.js';
import { SeededRandom, startFakeVenue, type FakeVenue, type FakeVenueFaults } from '../../src/testing/index.js';
import { FLEET_TIMING, type FleetCommand, type FleetMessage, type FleetMode, type FleetStore, type FleetWorkerConfig } from './fleet-worker.js';
import { killAndWait } from '../helpers/processes.js';

export type { FleetMode, FleetStore };

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const workerPath = fileURLToPath(new URL('./fleet-worker.ts', import.meta.url));

/** Venue faults of fleet runs: modest, so kills and takeovers stay the main hazard. */
export const DEFAULT_FLEET_FAULTS: FakeVenueFaults = Object.freeze({
  executeThenDrop: 0.03,
  executeThen500: 0.03,
  reject503: 0.03,
  delay: 0.03,
  rateLimit: 0.02,
});

/** Options of {@link runFleetChaos}. */
export interface FleetChaosOptions {
  readonly store: FleetStore;
  readonly mode: FleetMode;
  /** DATABASE_URL or REDIS_URL. */
  readonly url: string;
  /** Business actions. */
  readonly actions: number;
  /** SIGKILLs to inflict, one worker at a time. */
  readonly kills: number;
  /** Seed of delivery order, duplicate timing, kill times, victims and venue faults. @default 1 */
  readonly seed?: number;
  /** Worker processes. @default 4 */
  readonly workers?: number;
  /** Lease of every worker's claims, in ms. @default 1500 */
  readonly leaseMs?: number;
  /** Interval of every worker's `recover()` sweep, in ms. @default leaseMs */
  readonly sweepEveryMs?: number;
  /**
   * New business actions released per second. @default chosen so that releasing them
   * takes about 1.5 times the expected kill schedule, so kills land while work flows
   */
  readonly actionsPerSecond?: number;
  /** Simulated round trip to the venue, in ms (see `FleetWorkerConfig.latencyMs`). @default 60 */
  readonly latencyMs?: number;
  /** Deliveries in flight per worker at most. @default 6 */
  readonly perWorkerInFlight?: number;
  /** Uniform range of the wait before each kill, counted from the previous replacement being ready, in ms. @default [800, 2500] */
  readonly killDelayMs?: readonly [number, number];
  /** Deliveries of one logical delivery (first try plus redeliveries) before it is abandoned and reported. @default 40 */
  readonly maxRedeliveries?: number;
  /**
   * Negative control: every worker gets a ledger of its own (as with one file ledger per
   * machine) instead of the shared one. Duplicate deliveries in different workers then
   * execute twice, which the audit must report. @default false
   */
  readonly privateLedgers?: boolean;
  /** Venue fault probabilities. @default {@link DEFAULT_FLEET_FAULTS} */
  readonly faults?: FakeVenueFaults;
  /**
   * Wall-time budget, in ms. When spent, no more deliveries or kills are started, the
   * fleet is stopped and the run audited; the report says `budgetExhausted`. @default 120000
   */
  readonly timeBudgetMs?: number;
  /** Progress callback, about once a second. */
  readonly onProgress?: (progress: FleetProgress) => void;
}

/** Progress of a run. */
export interface FleetProgress {
  readonly released: number;
  readonly retired: number;
  readonly actions: number;
  readonly kills: number;
  readonly targetKills: number;
  readonly elapsedMs: number;
}

/** What {@link runFleetChaos} found. */
export interface FleetChaosReport {
  readonly store: FleetStore;
  readonly mode: FleetMode;
  readonly seed: number;
  /** The negative control ran: one ledger per worker. */
  readonly privateLedgers: boolean;
  readonly workers: number;
  readonly leaseMs: number;
  readonly businessActions: number;
  /** Deliveries sent to workers (first deliveries, duplicates and redeliveries). */
  readonly deliveries: number;
  /** Logical deliveries per action at least (the queue's duplicates). */
  readonly minDeliveriesPerAction: number;
  /** Deliveries of an action sent while another delivery of it was in flight in another worker. */
  readonly concurrentDuplicates: number;
  /** Deliveries answered with a success, and how many of those came from the ledger (replays). */
  readonly succeededDeliveries: number;
  readonly replayedDeliveries: number;
  /** Deliveries answered busy (another worker held the lease), lease lost, ambiguous, or other errors. */
  readonly busy: number;
  readonly leaseLost: number;
  readonly ambiguous: number;
  readonly rejected: number;
  readonly otherErrors: number;
  readonly kills: number;
  /** Kills that hit a worker with deliveries in flight, and those deliveries. */
  readonly killsWithWork: number;
  /** Kills that hit a worker while it held at least one lease (by its own reports). */
  readonly killsHoldingLeases: number;
  readonly deliveriesLostToKills: number;
  /** Mean time from a kill until its replacement had recovered and was ready, in ms. */
  readonly meanRestartMs: number;
  /** Claims that took an expired, unreleased lease from another owner; from a killed incarnation / a live one. */
  readonly takeovers: number;
  readonly takeoversFromKilled: number;
  readonly takeoversFromLive: number;
  /** Takeovers by the status the previous owner left the intent in. */
  readonly takeoversByStatus: Readonly<Partial<Record<IntentStatus, number>>>;
  /**
   * The previous owner's next write, replayed with its superseded epoch right after each
   * takeover: refused by the store (must be all of them), accepted, or failed otherwise.
   */
  readonly lateWritesFenced: number;
  readonly lateWritesAccepted: number;
  /** Late writes that failed otherwise (store unreachable): neither fenced nor accepted. */
  readonly lateWritesErrored: number;
  /** Workers' own writes refused because another worker had taken the intent over. */
  readonly ownWritesFenced: number;
  /** `recover()` at restarts and in sweeps: intents resumed and settled. */
  readonly restartRecovered: { readonly resumed: number; readonly succeeded: number };
  readonly sweepRecovered: { readonly resumed: number; readonly succeeded: number };
  readonly sweepFailures: number;
  /** Executions at the venue. */
  readonly executions: number;
  readonly duplicates: number;
  readonly lost: number;
  readonly orphans: number;
  /** Final ledger: succeeded, failed, and left unsettled (must have been reported). */
  readonly succeeded: number;
  readonly failed: number;
  readonly unsettled: number;
  readonly unsettledUnreported: number;
  /** Logical deliveries given up after `maxRedeliveries`. */
  readonly abandoned: number;
  /** Worker processes that died without being killed, or reported a fatal error. */
  readonly workerErrors: number;
  readonly faultsInjected: Readonly<Record<string, number>>;
  readonly budgetExhausted: boolean;
  readonly elapsedMs: number;
  /** Human-readable violations (first 50). */
  readonly violations: readonly string[];
}

/** True when the run upholds every invariant. */
export function isCleanFleetReport(r: FleetChaosReport): boolean {
  return (
    r.violations.length === 0 &&
    r.duplicates === 0 &&
    r.lost === 0 &&
    r.orphans === 0 &&
    r.unsettledUnreported === 0 &&
    r.lateWritesAccepted === 0 &&
    r.abandoned === 0 &&
    r.workerErrors === 0 &&
    !r.budgetExhausted
  );
}

/** Takeovers by the status they found, e.g. `pending 2, inFlight 3`. */
export function byStatus(r: FleetChaosReport): string {
  const parts = Object.entries(r.takeoversByStatus).map(([status, n]) => `${status} ${n}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/** One line of figures. */
export function fleetSummary(r: FleetChaosReport): string {
  return (
    `${r.store}/${r.mode}: ${r.workers} workers, lease ${r.leaseMs} ms, ${r.businessActions} actions, ${r.deliveries} deliveries ` +
    `(${r.concurrentDuplicates} concurrent duplicates, ${r.replayedDeliveries} replays, ${r.busy} busy, ${r.leaseLost} lease lost, ${r.ambiguous} ambiguous, ${r.otherErrors} other), ` +
    `${r.kills} kills (${r.killsHoldingLeases} holding leases, ${r.killsWithWork} with work, ${r.deliveriesLostToKills} deliveries lost, restart ${r.meanRestartMs} ms), ` +
    `${r.takeovers} takeovers (${r.takeoversFromKilled} from killed, ${r.takeoversFromLive} from live; ${byStatus(r)}), ` +
    `late writes fenced ${r.lateWritesFenced}/${r.lateWritesFenced + r.lateWritesAccepted} (+${r.ownWritesFenced} own), ` +
    `recover at restart ${r.restartRecovered.succeeded}/${r.restartRecovered.resumed}, sweeps ${r.sweepRecovered.succeeded}/${r.sweepRecovered.resumed}, ` +
    `${r.executions} executions, ${r.duplicates} duplicates, ${r.lost} lost, ${r.orphans} orphans, ${r.unsettled} unsettled, ` +
    `${(r.elapsedMs / 1000).toFixed(1)} s`
  );
}

// ---------------------------------------------------------------------------------
// Worker processes

const liveChildren = new Set<ChildProcess>();

/** SIGKILLs every worker this module started that is still alive; returns how many. */
export async function killLeftoverFleet(): Promise<number> {
  const killed = await killAndWait(liveChildren);
  return killed;
}

/** A worker process, started ahead of use and waiting for `go`. */
class WorkerProcess {
  readonly child: ChildProcess;
  readonly booted: Promise<boolean>;
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  #stderr = '';
  #listener: ((message: FleetMessage) => void) | undefined;

  constructor() {
    this.child = spawn(process.execPath, ['--import', 'tsx', workerPath], { cwd: repoRoot, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
    liveChildren.add(this.child);
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString('utf8')).slice(-4000);
    });
    // 'close' comes after the exit and after the IPC channel is drained: every message
    // the worker wrote before it died has been delivered by then.
    this.closed = new Promise((done) => {
      this.child.once('close', (code, signal) => {
        liveChildren.delete(this.child);
        done({ code, signal });
      });
    });
    this.booted = new Promise<boolean>((done) => {
      this.child.on('message', (message: FleetMessage) => {
        if (message.type === 'booted') done(true);
        else this.#listener?.(message);
      });
      void this.closed.then(() => done(false));
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  get stderrTail(): string {
    return this.#stderr.trim().split('\n').slice(-6).join('\n');
  }

  listen(listener: (message: FleetMessage) => void): void {
    this.#listener = listener;
  }

  send(command: FleetCommand): void {
    if (!this.alive || !this.child.connected) return;
    // A worker that dies meanwhile loses the message; its deliveries are redelivered.
    this.child.send(command, () => {
      // A send error means the worker is gone; its 'close' handler redelivers.
    });
  }
}

// ---------------------------------------------------------------------------------
// The shared store, as the parent uses it

interface ParentStore {
  readonly ledger: LedgerStore;
  /** Removes the run's table or keys (only those) and closes the connection. */
  cleanup(): Promise<void>;
}

async function openParentStore(store: FleetStore, url: string, namespace: string): Promise<ParentStore> {
  if (store === 'postgres') {
    const { default: pgModule } = await import('pg');
    const pool: pg.Pool = new pgModule.Pool({ connectionString: url, max: 3 });
    pool.on('error', () => undefined);
    let ledger: PostgresLedger;
    try {
      ledger = await PostgresLedger.open({ pool, table: namespace, reapEveryMs: 0 });
    } catch (error) {
      await pool.end();
      throw error;
    }
    return {
      ledger,
      cleanup: async () => {
        try {
          const { dropTable } = await import('../helpers/postgres.js');
          await dropTable(pool, namespace);
        } finally {
          await pool.end();
        }
      },
    };
  }
  const { Redis: RedisClient } = await import('ioredis');
  const client: Redis = new RedisClient(url);
  client.on('error', () => undefined);
  try {
    // The test server runs without persistence: opted in, as in the workers.
    const ledger = await RedisLedger.open({ client, prefix: namespace, allowVolatileServer: true });
    return {
      ledger,
      cleanup: async () => {
        try {
          const { deletePrefix } = await import('../helpers/redis.js');
          await deletePrefix(client, namespace);
        } finally {
          client.disconnect();
        }
      },
    };
  } catch (error) {
    client.disconnect();
    throw error;
  }
}

/** A table name or key prefix no other run uses. */
async function randomNamespace(store: FleetStore): Promise<string> {
  if (store === 'postgres') {
    const { randomTable } = await import('../helpers/postgres.js');
    return randomTable('ik_fleet');
  }
  const { randomPrefix } = await import('../helpers/redis.js');
  return randomPrefix('fleet');
}

// ---------------------------------------------------------------------------------
// The run

interface Action {
  readonly businessId: string;
  /** Logical deliveries not yet answered with a success. */
  open: number;
  /** Deliveries of this action in flight, by worker slot. */
  readonly inFlightAt: Map<number, number>;
  intentId: string | undefined;
  keys: Set<string>;
  /** An ambiguous answer or a recovery report named it: a person would have been told. */
  reported: boolean;
  rejected: boolean;
}

interface Delivery {
  readonly id: number;
  readonly action: Action;
  /** Sends so far of this logical delivery. */
  sends: number;
}

interface Slot {
  readonly index: number;
  incarnation: number;
  workerId: string;
  proc: WorkerProcess | undefined;
  ready: boolean;
  killed: boolean;
  readonly inFlight: Map<number, Delivery>;
  /** Intents whose lease this incarnation holds, as far as its reports tell. */
  readonly leases: Set<string>;
}

/**
 * Runs one fleet chaos workload and audits it. Throws only for setup failures (store
 * unreachable, workers that cannot start); every violation is in the report.
 */
export async function runFleetChaos(options: FleetChaosOptions): Promise<FleetChaosReport> {
  const seed = options.seed ?? 1;
  const random = new SeededRandom(seed);
  const uniform = (lo: number, hi: number): number => lo + (hi - lo) * random.next();
  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(random.next() * items.length)];
  const workers = options.workers ?? 4;
  const leaseMs = options.leaseMs ?? 1500;
  const sweepEveryMs = options.sweepEveryMs ?? leaseMs;
  const perWorkerInFlight = options.perWorkerInFlight ?? 6;
  const [killMinMs, killMaxMs] = options.killDelayMs ?? [800, 2500];
  const maxRedeliveries = options.maxRedeliveries ?? 40;
  const timeBudgetMs = options.timeBudgetMs ?? 120_000;
  const latencyMs = options.latencyMs ?? 60;
  // Release the actions over ~1.8x the expected kill schedule, so every kill lands while
  // work still flows: each kill waits its delay, then up to a second for a worker that
  // holds leases (half of it on average), then the replacement's recover() (a few hundred
  // ms: the process is started ahead of time, but a loaded machine slows it).
  const expectedKillScheduleMs = Math.max(1, options.kills) * ((killMinMs + killMaxMs) / 2 + 500 + 300);
  const actionsPerSecond = options.actionsPerSecond ?? Math.max(1, (options.actions * 1000) / (1.8 * expectedKillScheduleMs));

  const privateLedgers = options.privateLedgers ?? false;
  const namespace = await randomNamespace(options.store);
  const parentStore = await openParentStore(options.store, options.url, namespace);
  // The control's per-worker ledgers: created (and removed) like the shared one.
  const privateNamespaces = privateLedgers ? Array.from({ length: workers }, (_, i) => (options.store === 'postgres' ? `${namespace}_w${i}` : `${namespace}w${i}:`)) : [];
  const privateStores: ParentStore[] = [];
  try {
    for (const ns of privateNamespaces) privateStores.push(await openParentStore(options.store, options.url, ns));
  } catch (error) {
    for (const p of [parentStore, ...privateStores]) await p.cleanup();
    throw error;
  }
  const venue: FakeVenue = await startFakeVenue({
    mode: options.mode,
    seed,
    faults: options.faults ?? DEFAULT_FLEET_FAULTS,
    // Longer than the attempt timeout: a delayed answer is a timeout after execution.
    delayMs: FLEET_TIMING.attemptTimeoutMs + 200,
    retryAfterSeconds: 0,
  });

  const startedAt = performance.now();
  const elapsed = (): number => performance.now() - startedAt;
  const violations: string[] = [];
  const violation = (text: string): void => {
    if (violations.length < 50) violations.push(text);
  };
  const c = {
    deliveries: 0,
    concurrentDuplicates: 0,
    succeededDeliveries: 0,
    replayedDeliveries: 0,
    busy: 0,
    leaseLost: 0,
    ambiguous: 0,
    rejected: 0,
    otherErrors: 0,
    kills: 0,
    killsWithWork: 0,
    killsHoldingLeases: 0,
    deliveriesLostToKills: 0,
    restartMsSum: 0,
    restarts: 0,
    takeovers: 0,
    takeoversFromKilled: 0,
    takeoversFromLive: 0,
    takeoversByStatus: {} as Partial<Record<IntentStatus, number>>,
    lateWritesFenced: 0,
    lateWritesAccepted: 0,
    lateWritesErrored: 0,
    ownWritesFenced: 0,
    restartResumed: 0,
    restartSucceeded: 0,
    sweepResumed: 0,
    sweepSucceeded: 0,
    sweepFailures: 0,
    abandoned: 0,
    workerErrors: 0,
  };

  const actions: Action[] = Array.from({ length: options.actions }, (_, i) => ({
    businessId: `fleet-${seed}-${i}`,
    open: 0,
    inFlightAt: new Map(),
    intentId: undefined,
    keys: new Set(),
    reported: false,
    rejected: false,
  }));
  /** Intents a worker's `recover()` could not settle and reported for a person. */
  const reportedIntents = new Set<string>();
  const killedOwners = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  const later = (ms: number, fn: () => void): void => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
    }, Math.max(0, ms));
    timers.add(t);
  };
  /** Sleeps of the killer, cut short when the run stops. */
  const wakers = new Set<() => void>();
  const nap = (ms: number): Promise<void> =>
    new Promise<void>((r) => {
      const wake = (): void => {
        wakers.delete(wake);
        r();
      };
      wakers.add(wake);
      later(ms, wake);
    });
  let released = 0;
  let minDeliveries = Number.POSITIVE_INFINITY;
  let nextDeliveryId = 1;
  let stopping = false;
  let budgetExhausted = false;
  const queue: Delivery[] = [];

  const slots: Slot[] = Array.from({ length: workers }, (_, index) => ({
    index,
    incarnation: 0,
    workerId: '',
    proc: undefined,
    ready: false,
    killed: false,
    inFlight: new Map(),
    leases: new Set(),
  }));

  const retiredCount = (): number => actions.slice(0, released).filter((a) => a.open === 0).length;
  let openDeliveries = 0;
  let allDone!: () => void;
  const done = new Promise<void>((r) => (allDone = r));
  const checkDone = (): void => {
    if (released === actions.length && openDeliveries === 0) allDone();
  };

  // --- dispatching -----------------------------------------------------------------

  const pump = (): void => {
    if (stopping) return;
    while (queue.length > 0) {
      const free = slots.filter((s) => s.ready && s.proc?.alive && s.inFlight.size < perWorkerInFlight);
      if (free.length === 0) return;
      const delivery = queue.shift() as Delivery;
      // Another worker than those already running this action, when one is free.
      const elsewhere = free.filter((s) => !delivery.action.inFlightAt.has(s.index));
      const slot = pick(elsewhere.length > 0 ? elsewhere : free) as Slot;
      if ([...delivery.action.inFlightAt.values()].some((n) => n > 0)) c.concurrentDuplicates++;
      delivery.sends++;
      c.deliveries++;
      slot.inFlight.set(delivery.id, delivery);
      delivery.action.inFlightAt.set(slot.index, (delivery.action.inFlightAt.get(slot.index) ?? 0) + 1);
      slot.proc?.send({ type: 'deliver', deliveryId: delivery.id, businessId: delivery.action.businessId });
    }
  };

  const enqueue = (delivery: Delivery, delayMs: number): void => {
    later(delayMs, () => {
      if (stopping) return;
      queue.push(delivery);
      pump();
    });
  };

  const finishDelivery = (delivery: Delivery): void => {
    delivery.action.open--;
    openDeliveries--;
    checkDone();
  };

  /** A delivery came back without a success (or never came back): deliver it again. */
  const redeliver = (delivery: Delivery, delayMs: number, why: string): void => {
    if (delivery.sends >= maxRedeliveries) {
      c.abandoned++;
      violation(`${delivery.action.businessId}: delivery abandoned after ${delivery.sends} sends (last: ${why})`);
      finishDelivery(delivery);
      return;
    }
    enqueue(delivery, delayMs);
  };

  const untrack = (slot: Slot, delivery: Delivery): void => {
    slot.inFlight.delete(delivery.id);
    const n = (delivery.action.inFlightAt.get(slot.index) ?? 1) - 1;
    if (n <= 0) delivery.action.inFlightAt.delete(slot.index);
    else delivery.action.inFlightAt.set(slot.index, n);
  };

  const release = (): void => {
    const action = actions[released];
    if (!action || stopping) return;
    released++;
    // At least two logical deliveries; one in six gets a third.
    const extra = random.next() < 1 / 6 ? 1 : 0;
    const offsets = [0];
    for (let i = 0; i < 1 + extra; i++) {
      const u = random.next();
      // Same moment (two workers race on it), shortly after, or seconds later (a replay).
      offsets.push(u < 0.3 ? 0 : u < 0.7 ? uniform(0, 300) : uniform(800, 2500));
    }
    minDeliveries = Math.min(minDeliveries, offsets.length);
    action.open = offsets.length;
    openDeliveries += offsets.length;
    for (const offset of offsets) enqueue({ id: nextDeliveryId++, action, sends: 0 }, offset);
    if (released < actions.length) later(1000 / actionsPerSecond, release);
  };

  // --- worker messages -------------------------------------------------------------

  const onMessage = (slot: Slot, proc: WorkerProcess, message: FleetMessage): void => {
    if (slot.proc !== proc) return;
    switch (message.type) {
      case 'ready':
        slot.ready = true;
        pump();
        break;
      case 'recovered':
        if (message.sweep) {
          c.sweepResumed += message.resumed;
          c.sweepSucceeded += message.succeeded;
        } else {
          c.restartResumed += message.resumed;
          c.restartSucceeded += message.succeeded;
        }
        for (const n of message.needsAttention) reportedIntents.add(n.intentId);
        break;
      case 'result': {
        const delivery = slot.inFlight.get(message.deliveryId);
        if (!delivery) break;
        untrack(slot, delivery);
        const action = delivery.action;
        if (message.intentId !== undefined) {
          action.intentId ??= message.intentId;
          if (action.intentId !== message.intentId) violation(`${action.businessId}: two intent ids (${action.intentId}, ${message.intentId})`);
        }
        switch (message.outcome) {
          case 'succeeded':
            c.succeededDeliveries++;
            if (message.replayed) c.replayedDeliveries++;
            if (message.key !== undefined) action.keys.add(message.key);
            finishDelivery(delivery);
            break;
          case 'rejected':
            // Definitive: the venue refused it. A queue would not redeliver.
            c.rejected++;
            action.rejected = true;
            finishDelivery(delivery);
            break;
          case 'busy':
            c.busy++;
            redeliver(delivery, uniform(100, 400), message.code);
            break;
          case 'leaseLost':
            c.leaseLost++;
            redeliver(delivery, uniform(50, 200), message.code);
            break;
          case 'ambiguous':
            c.ambiguous++;
            action.reported = true;
            redeliver(delivery, uniform(100, 400), `${message.code}: ${message.message}`);
            break;
          case 'error':
            c.otherErrors++;
            redeliver(delivery, uniform(100, 400), `${message.code}: ${message.message}`);
            break;
        }
        pump();
        break;
      }
      case 'takeover':
        c.takeovers++;
        if (killedOwners.has(message.fromOwner)) c.takeoversFromKilled++;
        else c.takeoversFromLive++;
        c.takeoversByStatus[message.fromStatus] = (c.takeoversByStatus[message.fromStatus] ?? 0) + 1;
        if (message.lateWrite === 'fenced') c.lateWritesFenced++;
        else if (message.lateWrite === 'error') c.lateWritesErrored++;
        else {
          c.lateWritesAccepted++;
          violation(`${message.intentId}: late write of ${message.fromOwner} with epoch ${message.fromEpoch} accepted (the intent is at epoch ${message.toEpoch})`);
        }
        break;
      case 'fenced':
        c.ownWritesFenced++;
        break;
      case 'lease':
        if (message.held) slot.leases.add(message.intentId);
        else slot.leases.delete(message.intentId);
        break;
      case 'sweepFailed':
        c.sweepFailures++;
        break;
      case 'fatal':
        c.workerErrors++;
        violation(`worker ${slot.workerId}: ${message.message}`);
        break;
      case 'stopped':
      case 'booted':
        break;
    }
  };

  // --- processes -------------------------------------------------------------------

  const standby: WorkerProcess[] = [];
  const spawnStandby = (): void => {
    if (!stopping) standby.push(new WorkerProcess());
  };
  const takeStandby = async (): Promise<WorkerProcess> => {
    for (;;) {
      const proc = standby.shift() ?? new WorkerProcess();
      spawnStandby();
      if (await proc.booted) return proc;
      violation(`a worker process exited before it booted: ${proc.stderrTail}`);
      c.workerErrors++;
      if (c.workerErrors > 5) throw new Error('fleet chaos: worker processes do not start');
    }
  };

  /** Starts a new incarnation in `slot`; resolves when it has recovered and is ready. */
  const startIn = async (slot: Slot): Promise<void> => {
    const proc = await takeStandby();
    slot.incarnation++;
    slot.workerId = `${options.store}-w${slot.index}.${slot.incarnation}`;
    slot.proc = proc;
    slot.ready = false;
    slot.killed = false;
    slot.leases.clear();
    const ready = new Promise<void>((r) => {
      proc.listen((message) => {
        onMessage(slot, proc, message);
        if (message.type === 'ready') r();
      });
      void proc.closed.then(() => r());
    });
    void proc.closed.then(({ code, signal }) => onClosed(slot, proc, code, signal));
    const config: FleetWorkerConfig = {
      store: options.store,
      url: options.url,
      namespace: privateNamespaces[slot.index] ?? namespace,
      mode: options.mode,
      venueUrl: venue.url,
      workerId: slot.workerId,
      leaseMs,
      sweepEveryMs,
      latencyMs,
    };
    proc.send({ type: 'go', config });
    await ready;
  };

  const onClosed = (slot: Slot, proc: WorkerProcess, code: number | null, signal: NodeJS.Signals | null): void => {
    if (slot.proc !== proc) return;
    slot.ready = false;
    const orphaned = [...slot.inFlight.values()];
    for (const d of orphaned) untrack(slot, d);
    if (slot.killed) {
      if (orphaned.length > 0) c.killsWithWork++;
      c.deliveriesLostToKills += orphaned.length;
    } else if (!stopping) {
      c.workerErrors++;
      violation(`worker ${slot.workerId} exited on its own (code ${code}, signal ${signal}): ${proc.stderrTail}`);
    }
    // The queue never heard back: these deliveries go out again.
    for (const d of orphaned) redeliver(d, uniform(0, 50), 'worker died');
    if (!slot.killed && !stopping) void startIn(slot);
  };

  // --- kills -----------------------------------------------------------------------

  const killer = async (): Promise<void> => {
    while (c.kills < options.kills && !stopping) {
      const waitMs = uniform(killMinMs, killMaxMs);
      await nap(waitMs);
      if (stopping) return;
      // A worker holding leases: a kill of an idle one leaves nothing to take over. When
      // none holds any at this moment, the first that does (within a second) is hit,
      // else one with deliveries in flight, else any.
      const live = (): Slot[] => slots.filter((s) => s.ready && s.proc?.alive);
      let victims: Slot[] = [];
      for (let waited = 0; waited < 1000 && !stopping; waited += 10) {
        victims = live().filter((s) => s.leases.size > 0);
        if (victims.length > 0) break;
        await nap(10);
      }
      if (stopping) return;
      if (victims.length === 0) victims = live().filter((s) => s.inFlight.size > 0);
      if (victims.length === 0) victims = live();
      const slot = pick(victims);
      if (!slot?.proc) continue;
      const killedAt = performance.now();
      slot.killed = true;
      slot.ready = false;
      killedOwners.add(slot.workerId);
      if (slot.leases.size > 0) c.killsHoldingLeases++;
      const closed = slot.proc.closed;
      slot.proc.child.kill('SIGKILL');
      c.kills++;
      await closed;
      if (stopping) return;
      // The replacement is a new lease owner; its first act is recover().
      await startIn(slot);
      c.restarts++;
      c.restartMsSum += performance.now() - killedAt;
    }
  };

  // --- main ------------------------------------------------------------------------

  let progressTimer: NodeJS.Timeout | undefined;
  let budgetTimer: NodeJS.Timeout | undefined;
  try {
    for (let i = 0; i <= workers; i++) spawnStandby();
    await Promise.all(slots.map((slot) => startIn(slot)));
    const runStartedAt = performance.now();
    release();
    const killing = killer();
    if (options.onProgress) {
      const onProgress = options.onProgress;
      progressTimer = setInterval(() => {
        onProgress({ released, retired: retiredCount(), actions: actions.length, kills: c.kills, targetKills: options.kills, elapsedMs: Math.round(performance.now() - runStartedAt) });
      }, 1000);
    }
    await Promise.race([
      done,
      new Promise<void>((r) => {
        budgetTimer = setTimeout(() => {
          budgetExhausted = true;
          r();
        }, timeBudgetMs);
      }),
    ]);
    // The kill in progress (if any) finishes with its restart; no new one starts.
    stopping = true;
    for (const wake of [...wakers]) wake();
    await killing;
  } finally {
    stopping = true;
    if (progressTimer) clearInterval(progressTimer);
    if (budgetTimer) clearTimeout(budgetTimer);
    for (const t of timers) clearTimeout(t);
    timers.clear();
    // Graceful stop: each worker finishes its calls and sweep, then exits.
    await Promise.all(
      slots.map(async (slot) => {
        const proc = slot.proc;
        if (!proc?.alive) return;
        proc.send({ type: 'stop' });
        const exited = await Promise.race([proc.closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20_000))]);
        if (!exited) {
          violation(`worker ${slot.workerId} did not stop within 20 s`);
          c.workerErrors++;
          proc.child.kill('SIGKILL');
          await proc.closed;
        }
      }),
    );
    for (const proc of standby.splice(0)) {
      proc.child.kill('SIGKILL');
      await proc.closed;
    }
  }

  // --- audit -----------------------------------------------------------------------

  let report: FleetChaosReport;
  try {
    const executions = venue.executions();
    const known = new Set(actions.map((a) => a.businessId));
    let duplicates = 0;
    let lost = 0;
    let orphans = 0;
    let total = 0;
    for (const [businessId, n] of executions) {
      total += n;
      if (!known.has(businessId)) {
        orphans++;
        violation(`${businessId}: executed ${n} time(s) but not part of the workload`);
      }
    }
    const resumable = await parentStore.ledger.listResumable();
    const unsettledById = new Map(resumable.map((r) => [r.id, r]));
    for (const r of resumable) {
      const action = actions.find((a) => a.businessId === r.businessId);
      if (action && action.intentId === undefined) action.intentId = r.id;
    }
    let succeeded = 0;
    let failed = 0;
    let unsettledUnreported = 0;
    for (const [index, action] of actions.entries()) {
      const n = executions.get(action.businessId) ?? 0;
      if (n > 1) {
        duplicates += n - 1;
        violation(`${action.businessId}: executed ${n} times`);
      }
      if (action.keys.size > 1) violation(`${action.businessId}: succeeded under ${action.keys.size} different keys`);
      const record = action.intentId === undefined ? undefined : await parentStore.ledger.get(action.intentId);
      if (record?.status === 'succeeded') succeeded++;
      else if (record?.status === 'failed') failed++;
      else if (record !== undefined && unsettledById.has(record.id) && !action.reported && !reportedIntents.has(record.id)) {
        unsettledUnreported++;
        violation(`${action.businessId}: left ${record.status} and never reported`);
      }
      if (record !== undefined && action.keys.size === 1 && !action.keys.has(record.key)) violation(`${action.businessId}: the ledger's key differs from the one reported`);
      // Exactly once: an action the ledger says succeeded executed once; every released
      // action was meant to execute (the venue's faults are all retryable).
      if (n === 0 && (record?.status === 'succeeded' || index < released)) {
        lost++;
        violation(`${action.businessId}: never executed (ledger: ${record?.status ?? 'no record'})`);
      }
    }
    const stats = venue.stats();
    report = {
      store: options.store,
      mode: options.mode,
      seed,
      privateLedgers,
      workers,
      leaseMs,
      businessActions: actions.length,
      deliveries: c.deliveries,
      minDeliveriesPerAction: Number.isFinite(minDeliveries) ? minDeliveries : 0,
      concurrentDuplicates: c.concurrentDuplicates,
      succeededDeliveries: c.succeededDeliveries,
      replayedDeliveries: c.replayedDeliveries,
      busy: c.busy,
      leaseLost: c.leaseLost,
      ambiguous: c.ambiguous,
      rejected: c.rejected,
      otherErrors: c.otherErrors,
      kills: c.kills,
      killsWithWork: c.killsWithWork,
      killsHoldingLeases: c.killsHoldingLeases,
      deliveriesLostToKills: c.deliveriesLostToKills,
      meanRestartMs: c.restarts === 0 ? 0 : Math.round(c.restartMsSum / c.restarts),
      takeovers: c.takeovers,
      takeoversFromKilled: c.takeoversFromKilled,
      takeoversFromLive: c.takeoversFromLive,
      takeoversByStatus: { ...c.takeoversByStatus },
      lateWritesFenced: c.lateWritesFenced,
      lateWritesAccepted: c.lateWritesAccepted,
      lateWritesErrored: c.lateWritesErrored,
      ownWritesFenced: c.ownWritesFenced,
      restartRecovered: { resumed: c.restartResumed, succeeded: c.restartSucceeded },
      sweepRecovered: { resumed: c.sweepResumed, succeeded: c.sweepSucceeded },
      sweepFailures: c.sweepFailures,
      executions: total,
      duplicates,
      lost,
      orphans,
      succeeded,
      failed,
      unsettled: resumable.length,
      unsettledUnreported,
      abandoned: c.abandoned,
      workerErrors: c.workerErrors,
      faultsInjected: stats.faultsInjected,
      budgetExhausted,
      elapsedMs: Math.round(elapsed()),
      violations: budgetExhausted ? [...violations, `time budget of ${timeBudgetMs} ms spent with ${released - retiredCount()} action(s) open`] : violations,
    };
  } finally {
    await venue.close();
    for (const p of [parentStore, ...privateStores]) {
      await p.ledger.close();
      await p.cleanup();
    }
  }
  return report;
}
