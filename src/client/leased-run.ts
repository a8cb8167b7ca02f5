import { IntentBusyError } from '../errors/index.js';
import type { IntentRecord } from '../ledger/intent.js';
import { TERMINAL_STATUSES } from '../ledger/intent.js';
import { isParkedNotDue } from '../ledger/list.js';
import type { ClaimResumableRequest } from '../ledger/ledger-store.js';
import type { JoinMap } from './joins.js';
import type { RegisteredOperation } from './operation-registry.js';
import { noRun, type OnRun } from './run-events.js';
import { IntentRun, type RunnerEnvironment, type RunSlot } from './runner.js';
import type { IntentResult } from './types.js';

/** A recovery run's place in its pool, and the signal that ends its waits (never a request). */
export interface RunPool {
  readonly slot: RunSlot;
  readonly stopWaits: AbortSignal;
}

/** A store's batch claim (`LedgerStore.claimResumable`). */
export type ClaimResumable = (request: ClaimResumableRequest) => Promise<IntentRecord[]>;

/**
 * The claim → run → release sequence, the one way this worker runs an intent under its
 * lease (a call and a recovery pass alike), and the batch claims of recovery, which must
 * not race a per-intent claim of this process.
 */
export class LeasedRuns {
  readonly #env: RunnerEnvironment;
  readonly #joins: JoinMap;
  /**
   * Set while a recovery batch claim (`claimResumable`) is under way, until the claimed
   * intents are registered in the join map. A batch may re-claim this worker's own
   * leases, so a per-intent claim of this process waits for it to end instead of racing
   * it (the batch would fence the run that claimed first); see {@link claimBatch}.
   */
  #batchClaiming: Promise<void> | undefined;

  constructor(env: RunnerEnvironment, joins: JoinMap) {
    this.#env = env;
    this.#joins = joins;
  }

  /**
   * Claims `record` for this worker, runs it and gives the lease back. A finished
   * intent, or a parked one whose next check is not due, is answered without a claim or
   * a request. Throws `IntentBusyError` while another worker holds the intent.
   */
  async claimAndRun(op: RegisteredOperation, record: IntentRecord, signal: AbortSignal | undefined, pool?: RunPool, onRun: OnRun = noRun): Promise<IntentResult<unknown>> {
    const { options } = this.#env;
    const unclaimed = (r: IntentRecord): Promise<IntentResult<unknown>> => {
      const run = new IntentRun(this.#env, op, r, signal);
      onRun(run);
      return run.run();
    };
    if (TERMINAL_STATUSES.has(record.status)) return unclaimed(record);
    // A parked intent that is not due fails at once, with no claim and no request.
    if (isParkedNotDue(record, options.clock.now())) return unclaimed(record);
    // Never while a batch claim of this worker is under way (it could re-claim, and so
    // fence, what this claim takes).
    while (this.#batchClaiming !== undefined) await this.#batchClaiming;
    const claim = await options.ledger.claim(record.id, { owner: options.workerId, leaseMs: options.leaseMs, now: options.clock.now() });
    if (!claim.claimed) {
      if (TERMINAL_STATUSES.has(claim.record.status)) return unclaimed(claim.record);
      throw new IntentBusyError({ intentId: record.id, leaseExpiresAt: claim.record.leaseExpiresAt ?? 0 });
    }
    return this.runLeased(op, claim.record, signal, pool, onRun);
  }

  /** Runs an intent this worker has just claimed (`record` as the claim returned it), then gives the lease back. */
  runLeased(op: RegisteredOperation, record: IntentRecord, signal: AbortSignal | undefined, pool: RunPool | undefined, onRun: OnRun): Promise<IntentResult<unknown>> {
    return this.runHeld(new IntentRun(this.#env, op, record, signal, pool), record.id, onRun);
  }

  /**
   * Runs an intent whose lease this worker holds, and gives the lease back at the end
   * unless the run's last write already did (a settled or parked intent).
   */
  runHeld(run: IntentRun, id: string, onRun: OnRun): Promise<IntentResult<unknown>> {
    onRun(run);
    // `.then` rather than try/finally in an async function: one promise fewer on every
    // call. A run that ends settled or parked gave its lease back with its last write.
    return run.run().then(
      (result) => {
        const epoch = run.heldLeaseEpoch;
        return epoch === undefined ? result : this.#release(id, epoch).then(() => result);
      },
      (error: unknown) => {
        const epoch = run.heldLeaseEpoch;
        if (epoch === undefined) throw error;
        return this.#release(id, epoch).then(() => {
          throw error;
        });
      },
    );
  }

  /** Gives back the lease of an intent a batch claimed for this worker and that is not run here. */
  giveBack(record: IntentRecord): Promise<void> {
    return this.#release(record.id, record.epoch);
  }

  /**
   * One batch claim of recovery: `claimResumable` with this worker's identity and lease,
   * leaving out the intents this process is running (their leases are this worker's, so
   * the batch would take them again). `take` runs synchronously on the claimed records
   * before any per-intent claim of this process can run again, so every claimed intent is
   * in the join map (or given back) before a call for it could claim it. One batch at a time.
   */
  async claimBatch(
    claimResumable: ClaimResumable,
    request: Omit<ClaimResumableRequest, 'owner' | 'leaseMs' | 'now' | 'exclude'>,
    take: (records: IntentRecord[]) => void,
  ): Promise<void> {
    const { options } = this.#env;
    while (this.#batchClaiming !== undefined) await this.#batchClaiming;
    let open!: () => void;
    this.#batchClaiming = new Promise<void>((resolve) => (open = resolve));
    try {
      const exclude = this.#joins.ids();
      const records = await claimResumable({ ...request, owner: options.workerId, leaseMs: options.leaseMs, now: options.clock.now(), exclude });
      take(records);
    } finally {
      this.#batchClaiming = undefined;
      open();
    }
  }

  /** Best effort: a lease that is not given back simply expires after `leaseMs`. */
  #release(id: string, epoch: number): Promise<void> {
    const { options } = this.#env;
    return options.ledger.release(id, options.workerId, epoch).catch(() => undefined);
  }
}
