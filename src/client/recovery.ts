import { setMaxListeners } from 'node:events';
import { ConfigurationError, IntentBusyError, isAmbiguousOutcomeError, isCircuitOpenError, isIntentError, isRetriesExhaustedError, isVenueRejectedError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentRecord } from '../ledger/intent.js';
import { isParkedNotDue, oldestFirst } from '../ledger/list.js';
import type { JoinMap } from './joins.js';
import type { ClaimResumable, LeasedRuns, RunPool } from './leased-run.js';
import type { OperationRegistry } from './operation-registry.js';
import type { ResolvedClientOptions } from './options.js';
import { observeRun } from './run-events.js';
import type { IntentRun, RunnerEnvironment } from './runner.js';
import { Slots } from './slots.js';
import type { AttentionEntry, RecoveryHandle, RecoveryOptions, RecoveryReport } from './types.js';

/** What a recovery pass is wired to. */
export interface RecoveryParts {
  readonly env: RunnerEnvironment;
  readonly operations: OperationRegistry;
  readonly joins: JoinMap;
  readonly leases: LeasedRuns;
  /** Called when a pass starts (the client's one-time warnings). */
  readonly beforeWork: () => void;
}

/**
 * Starts a recovery pass in the background (see `IntentClient.startRecovery`) and
 * returns its handle at once.
 * @throws ConfigurationError synchronously for bad options.
 */
export function startRecovery(parts: RecoveryParts, options: RecoveryOptions = {}): RecoveryHandle {
  const { concurrency, budgetMs } = checkRecoveryOptions(options);
  parts.beforeWork();
  return new RecoveryPass(parts, concurrency, budgetMs, options.signal).start();
}

/** Why a recovery pass stopped early: the abort reason its runs see. */
class RecoveryStopped extends Error {
  override readonly name = 'RecoveryStopped';
  constructor(readonly why: 'budget' | 'stop') {
    super(why === 'budget' ? 'The recovery budget ran out.' : 'Recovery was stopped.');
  }
}

/** Where a batch pass resumes: the last intent of the previous batch. */
type Cursor = { createdAt: number; id: string };

/**
 * One pass: resumes every unfinished intent whose operation is registered, at most
 * `concurrency` doing something at a time, within `budgetMs`, and reports what it did.
 */
class RecoveryPass {
  readonly #parts: RecoveryParts;
  readonly #options: ResolvedClientOptions;
  readonly #concurrency: number;
  readonly #budgetMs: number;
  readonly #userSignal: AbortSignal | undefined;
  /**
   * Ends the pass early (budget spent, stop()): nothing new starts and running intents
   * stop at their next wait; a request already in flight is never cut.
   */
  readonly #stopper = new AbortController();
  /** The caller's signal, followed through a signal of our own so its settings stay theirs. */
  readonly #runSignal: AbortSignal | undefined;
  readonly #startedAt: number;
  readonly #counts = { resumed: 0, succeeded: 0, reconciledFound: 0, resent: 0, failed: 0, parked: 0, notReached: 0 };
  readonly #needsAttention: AttentionEntry[] = [];
  readonly #slots: Slots;
  #total = 0;
  #finished = 0;
  #budgetExhausted = false;

  constructor(parts: RecoveryParts, concurrency: number, budgetMs: number, userSignal: AbortSignal | undefined) {
    this.#parts = parts;
    this.#options = parts.env.options;
    this.#concurrency = concurrency;
    this.#budgetMs = budgetMs;
    this.#userSignal = userSignal;
    this.#runSignal = userSignal === undefined ? undefined : AbortSignal.any([userSignal]);
    // Every intent of the pass listens to these signals, and a waiting intent holds no
    // place in the pool, so hundreds may listen at once: not a leak.
    setMaxListeners(0, this.#stopper.signal);
    if (this.#runSignal !== undefined) setMaxListeners(0, this.#runSignal);
    this.#startedAt = this.#options.clock.now();
    this.#slots = new Slots(concurrency);
  }

  start(): RecoveryHandle {
    const ledger = this.#options.ledger;
    const claimResumable = ledger.claimResumable?.bind(ledger);
    // The budget: when it runs out, nothing new starts (checked on the client's clock
    // before each intent) and running intents stop at their next wait (this wall-clock
    // timer aborts their waits). The timer ends with the pass and never keeps a
    // process alive.
    const budgetTimer = setTimeout(() => {
      this.#budgetExhausted = true;
      this.#stopper.abort(new RecoveryStopped('budget'));
    }, this.#budgetMs);
    budgetTimer.unref();
    const done = (claimResumable === undefined ? this.#listingPass() : this.#batchPass(claimResumable)).finally(() => clearTimeout(budgetTimer));
    // A pass nobody awaits must not become an unhandled rejection; `done` still rejects.
    done.catch(() => undefined);
    return Object.freeze({
      done,
      progress: () => Object.freeze({ total: this.#total, finished: this.#finished }),
      stop: () => {
        this.#stopper.abort(new RecoveryStopped('stop'));
        return done;
      },
    });
  }

  /** The store lists every unfinished intent; each is claimed as its turn comes. */
  async #listingPass(): Promise<RecoveryReport> {
    const { events } = this.#parts.env;
    const slots = this.#slots;
    const found = await this.#options.ledger.listResumable();
    this.#total = found.length;
    const now = this.#options.clock.now();
    const queue: IntentRecord[] = [];
    for (const record of found) {
      if (isParkedNotDue(record, now)) this.#reportParked(record);
      else queue.push(record);
    }
    if (events.has('recoveryStarted')) events.emit('recoveryStarted', { total: this.#total, parkedNotDue: this.#total - queue.length });
    // Intents are independent: several run at once, oldest first, and one waiting out a
    // backoff or settle delay gives its place to the next (RunSlot), so the bound is on
    // intents doing something, not on intents waiting.
    let next = 0;
    const active = new Set<Promise<void>>();
    while (next < queue.length) {
      await slots.acquireNew();
      if (this.#stopped()) {
        slots.release();
        break;
      }
      this.#launch(queue[next++] as IntentRecord, false, active);
    }
    if (next < queue.length) this.#counts.notReached += queue.length - next;
    await Promise.all(active);
    if (this.#userSignal?.aborted) throw this.#userSignal.reason;
    return this.#finish();
  }

  /**
   * The store claims in batches (`claimResumable`): each batch is as large as the places
   * free in the pool (so at most `concurrency`), oldest first, and every intent of it
   * starts at once, holding its place, exactly as a listed intent would after its claim.
   * A cursor (the last intent of the previous batch) keeps the pass from taking an
   * intent twice, and it ends with the first batch that comes back short (or when its
   * budget runs out). Like a listing, a batch may take an intent another worker's call
   * has created and not claimed yet (that call then finds it busy). Intents another
   * worker holds a live lease on are left to it (not reported); parked intents not due
   * are listed once, reported as the listing pass reports them, and never claimed.
   */
  async #batchPass(claimResumable: ClaimResumable): Promise<RecoveryReport> {
    const { events } = this.#parts.env;
    const { leases } = this.#parts;
    const slots = this.#slots;
    const counts = this.#counts;
    const store = this.#options.ledger;
    const now = this.#options.clock.now();
    const unknown = store.list
      ? await store.list({ statuses: ['unknown'], limit: Number.MAX_SAFE_INTEGER })
      : (await store.listResumable()).filter((r) => r.status === 'unknown');
    // Reported here; one that falls due while the pass runs is left for the next pass, as
    // the listing pass leaves it.
    const parkedIds = new Set<string>();
    for (const record of unknown) {
      if (!isParkedNotDue(record, now)) continue;
      this.#reportParked(record);
      parkedIds.add(record.id);
    }
    this.#total = parkedIds.size;
    let announced = false;
    let after: Cursor | undefined;
    let more = true;
    let stoppedEarly = false;
    let failure: { error: unknown } | undefined;
    const active = new Set<Promise<void>>();
    const take = (held: number, claimed: IntentRecord[]): void => {
      // A store that returned more than asked: the extra ones go back untouched.
      for (const extra of claimed.slice(held)) void leases.giveBack(extra);
      const records = claimed.length > held ? claimed.slice(0, held) : claimed;
      if (records.length < held) more = false;
      for (let i = records.length; i < held; i++) slots.release();
      const last = records[records.length - 1];
      if (last !== undefined) after = { createdAt: last.createdAt, id: last.id };
      const runnable: IntentRecord[] = [];
      for (const record of records) {
        if (!parkedIds.has(record.id)) runnable.push(record);
        else {
          void leases.giveBack(record);
          slots.release();
        }
      }
      this.#total += runnable.length;
      if (!announced) {
        announced = true;
        if (events.has('recoveryStarted')) events.emit('recoveryStarted', { total: this.#total, parkedNotDue: parkedIds.size });
      }
      // Stopped while the batch was being claimed: none of it starts; the leases go back.
      if (runnable.length > 0 && this.#stopped()) {
        stoppedEarly = true;
        counts.notReached += runnable.length;
        for (const record of runnable) {
          void leases.giveBack(record);
          slots.release();
        }
        return;
      }
      for (const record of runnable) this.#launch(record, true, active);
    };
    while (more && !stoppedEarly) {
      await slots.acquireNew();
      if (this.#stopped()) {
        slots.release();
        stoppedEarly = true;
        break;
      }
      let held = 1;
      while (held < this.#concurrency && slots.tryAcquireNew()) held++;
      const batch = held;
      let taken = false;
      try {
        await leases.claimBatch(claimResumable, { limit: batch, ...(after === undefined ? {} : { after }) }, (records) => {
          taken = true;
          take(batch, records);
        });
      } catch (error) {
        // Nothing was started from a batch the store refused: its places are free again.
        if (!taken) for (let i = 0; i < batch; i++) slots.release();
        failure = { error };
        break;
      }
    }
    if (!announced && failure === undefined && events.has('recoveryStarted')) events.emit('recoveryStarted', { total: this.#total, parkedNotDue: parkedIds.size });
    await Promise.all(active);
    if (failure !== undefined) throw failure.error;
    if (this.#userSignal?.aborted) throw this.#userSignal.reason;
    if (stoppedEarly) counts.notReached += await this.#notClaimedYet(after, parkedIds);
    return this.#finish();
  }

  /** Starts resuming `record`, which holds a place in the pool until it ends. */
  #launch(record: IntentRecord, leased: boolean, active: Set<Promise<void>>): void {
    const one = this.#resumeOne(record, leased).finally(() => {
      this.#slots.release();
      this.#progressed();
      active.delete(one);
    });
    active.add(one);
  }

  /**
   * Resumes one intent: `record` as listed (`leased` false: claimed here, one by one), or
   * as a batch claimed it for this worker (`leased` true). Either way the same run, the
   * same events and the same counts.
   */
  async #resumeOne(record: IntentRecord, leased: boolean): Promise<void> {
    const { env, operations, joins, leases } = this.#parts;
    const counts = this.#counts;
    const op = operations.get(record.operation);
    if (!op) {
      // Claimed by a batch: given back at once, for a worker that has the operation.
      if (leased) await leases.giveBack(record);
      this.#attention(record, 'operation not registered in this process');
      return;
    }
    counts.resumed++;
    let run: IntentRun | undefined;
    try {
      // A call already running this intent in this process: wait for it, run nothing.
      // (The batch's lease is given back: the call claims, or has claimed, its own.)
      const joined = joins.get(record.id);
      if (joined) {
        if (leased) void leases.giveBack(record);
        await joined.promise;
      } else {
        const pool: RunPool = { slot: this.#slots, stopWaits: this.#stopper.signal };
        const signal = this.#runSignal;
        await joins.track(
          record.id,
          record.fingerprint,
          observeRun(env.events, this.#options.clock, 'recovery', record, true, (onRun) => {
            const traced = (r: IntentRun): void => {
              run = r;
              onRun(r);
            };
            return leased ? leases.runLeased(op, record, signal, pool, traced) : leases.claimAndRun(op, record, signal, pool, traced);
          }),
        );
      }
      counts.succeeded++;
    } catch (error) {
      if (this.#userSignal?.aborted) throw this.#userSignal.reason;
      if (isVenueRejectedError(error)) counts.failed++;
      else if (isAmbiguousOutcomeError(error)) {
        if (error.nextCheckAt !== undefined) counts.parked++;
        this.#attention(record, `outcome unknown: ${error.reason}`, error.nextCheckAt);
      } else if (isCircuitOpenError(error) || (isRetriesExhaustedError(error) && error.reason === 'retryBudget')) {
        // The client's protection held it back (nothing sent): it stays pending in the
        // ledger for a later pass, not for a person.
        counts.notReached++;
      } else if (this.#stopper.signal.aborted && !isIntentError(error)) {
        // The budget ran out or stop() was called during a wait: the intent stays as it
        // is in the ledger for the next pass.
        counts.notReached++;
      } else {
        const reason = isIntentError(error) ? `${error.code}: ${error.message}` : 'unexpected error while resuming';
        this.#attention(record, error instanceof IntentBusyError ? 'held by another worker' : reason);
      }
    } finally {
      if (run?.trace.reconciledFound) counts.reconciledFound++;
      if (run?.trace.resent) counts.resent++;
    }
  }

  #attention(record: IntentRecord, reason: string, nextCheckAt?: number): void {
    this.#needsAttention.push({
      intentId: record.id,
      operation: record.operation,
      ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
      reason,
      ...(nextCheckAt === undefined ? {} : { nextCheckAt }),
    });
  }

  /** Reports a parked intent whose next check is not due: costs nothing (no claim, no request). */
  #reportParked(record: IntentRecord): void {
    const parked = record.outcome?.parked;
    if (parked === undefined) return;
    this.#counts.parked++;
    this.#attention(record, `parked: ${parked.reason}`, parked.nextCheckAt);
    this.#finished++;
  }

  #progressed(): void {
    this.#finished++;
    const { events } = this.#parts.env;
    if (events.has('recoveryProgress')) {
      const counts = this.#counts;
      events.emit('recoveryProgress', {
        total: this.#total,
        finished: this.#finished,
        succeeded: counts.succeeded,
        failed: counts.failed,
        parked: counts.parked,
        needsAttention: this.#needsAttention.length,
      });
    }
  }

  /** True once the pass must start nothing new: its budget ran out, it was stopped, or the caller aborted. */
  #stopped(): boolean {
    if (!this.#budgetExhausted && this.#options.clock.now() - this.#startedAt >= this.#budgetMs) {
      this.#budgetExhausted = true;
      this.#stopper.abort(new RecoveryStopped('budget'));
    }
    return this.#stopper.signal.aborted || this.#userSignal?.aborted === true;
  }

  /**
   * What a batch pass stopped early did not reach: the unfinished intents it would have
   * claimed next (after its cursor, not reported parked). One listing, made only when
   * the budget ran out or the pass was stopped; if it fails, the report counts only what
   * the pass claimed and left.
   */
  async #notClaimedYet(after: Cursor | undefined, parkedIds: ReadonlySet<string>): Promise<number> {
    try {
      const left = await this.#options.ledger.listResumable();
      return left.filter((r) => !parkedIds.has(r.id) && (after === undefined || oldestFirst(r, after) > 0)).length;
    } catch {
      return 0;
    }
  }

  #finish(): RecoveryReport {
    const { events } = this.#parts.env;
    const needsAttention = this.#needsAttention;
    needsAttention.sort((a, b) => (a.intentId < b.intentId ? -1 : a.intentId > b.intentId ? 1 : 0));
    const report: RecoveryReport = { ...this.#counts, budgetExhausted: this.#budgetExhausted, durationMs: this.#options.clock.now() - this.#startedAt, needsAttention };
    if (events.has('recoveryFinished')) events.emit('recoveryFinished', { report });
    return report;
  }
}

function checkRecoveryOptions(options: RecoveryOptions): { concurrency: number; budgetMs: number } {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError({ path: 'recover(options)', expected: 'an options object', received: describeValue(options) });
  }
  const concurrency = options.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new ConfigurationError({ path: 'recover(options).concurrency', expected: 'an integer from 1 to 256', received: describeValue(concurrency) });
  }
  const budgetMs = options.budgetMs ?? 300_000;
  if (!Number.isInteger(budgetMs) || budgetMs < 1 || budgetMs > 2 ** 31 - 1) {
    throw new ConfigurationError({ path: 'recover(options).budgetMs', expected: 'an integer number of ms from 1 to 2147483647', received: describeValue(budgetMs) });
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new ConfigurationError({ path: 'recover(options).signal', expected: 'an AbortSignal', received: describeValue(options.signal) });
  }
  return { concurrency, budgetMs };
}
