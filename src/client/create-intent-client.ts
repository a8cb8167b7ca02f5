import { setMaxListeners } from 'node:events';
import type { AxiosInstance } from 'axios';
import { fingerprintOf } from '../internal/canonical-json.js';
import { describeValue } from '../internal/validation.js';
import {
  ConfigurationError,
  IntentBusyError,
  IntentConflictError,
  LedgerUnavailableError,
  RetriesExhaustedError,
  isAmbiguousOutcomeError,
  isIntentError,
  isVenueRejectedError,
} from '../errors/index.js';
import { createKeyDeriver } from '../keys/derive.js';
import { assertVenueKey, createKeyGenerator, encodeVenueKey } from '../keys/index.js';
import type { IntentDraft, IntentRecord, IntentStatus, IntentView } from '../ledger/intent.js';
import { INTENT_STATUSES, TERMINAL_STATUSES, viewOf } from '../ledger/intent.js';
import { RESUMABLE_STATUSES } from '../ledger/transitions.js';
import { isParkedNotDue, oldestFirst, selectRecords } from '../ledger/list.js';
import { resolveIntent, type IntentVerdict } from '../ledger/resolve.js';
import type { ClaimResumableRequest, ListRecordsQuery } from '../ledger/ledger-store.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { VenueProfile } from '../venues/profile.js';
import { IntentEvents } from './events.js';
import { attachLogger } from '../observability/logger.js';
import { MetricsCollector, type IntentMetrics } from '../observability/metrics.js';
import { resolveClientOptions, type ResolvedClientOptions } from './options.js';
import { IntentRun, resultFromRecord, settlesByResend, type RegisteredOperation, type RunnerEnvironment, type RunSlot } from './runner.js';
import { Slots } from './slots.js';
import type {
  AttentionEntry,
  CallOptions,
  IntentClientOptions,
  IntentEventMap,
  IntentFinishedEvent,
  IntentResult,
  IntentSummary,
  ListQuery,
  Operation,
  KeyStrategyOption,
  OperationDefinition,
  RecoveryHandle,
  RecoveryOptions,
  RecoveryReport,
} from './types.js';

/**
 * Keys that together use every character and the extreme values each strategy can
 * produce: if all of them fit a venue format after encoding, every generated key does.
 */
const KEY_SAMPLES: Readonly<Record<KeyStrategyOption, readonly string[]>> = {
  ulid: ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '0123456789ABCDEFGHJKMNPQRS'],
  derived: ['00000000000000000000000000', '7ZZZZZZZZZZZZZZZZZZZZZZZZZ', '0123456789ABCDEFGHJKMNPQRS'],
  uuidv4: ['00000000-0000-4000-8000-000000000000', 'ffffffff-ffff-4fff-bfff-ffffffffffff'],
  uuidv7: ['00000000-0000-7000-8000-000000000000', 'ffffffff-ffff-7fff-bfff-ffffffffffff'],
  nanoid: ['ABCDEFGHIJKLMNOPQRSTU', 'VWXYZabcdefghijklmnop', 'qrstuvwxyz0123456789-', '_____________________'],
};

/** Domain-separation secret for deterministic intent ids (not keys). */
const INTENT_ID_SECRET = 'intentkey/intent-id/v1';
const OPERATION_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;

/** A client that runs intents through one axios instance against one venue. */
export interface IntentClient {
  /**
   * Registers an operation under a stable name and returns a function that runs one
   * intent per call. The name is stored with every intent so a restarted process
   * can rebuild its requests: keep names stable across deployments.
   * @throws ConfigurationError when the name is taken or the definition is malformed.
   */
  operation<I, R = unknown>(name: string, definition: OperationDefinition<I, R>): Operation<I, R>;
  /**
   * Starts a recovery pass in the background and returns at once, so a restarted
   * process can place new calls while it runs. The pass resumes every unfinished intent
   * in the ledger whose operation is registered: pending ones are sent with their
   * stored key, in-flight and unknown ones are reconciled before any resend, parked
   * ones get one check when it is due (and are only reported before). A call for an
   * intent the pass is running joins that run (one execution). Progress comes as
   * `recoveryStarted`, `recoveryProgress` and `recoveryFinished` events, and the report
   * through `done`. Never throws for a single intent; reports it.
   *
   * On a store with `claimResumable` the pass claims in batches of at most `concurrency`
   * (disjoint between the workers of a fleet) instead of listing every unfinished intent
   * and claiming each; intents another worker holds a live lease on are left to it, not
   * reported, and `total` grows as batches are claimed.
   *
   * @example
   * const recovery = client.startRecovery();   // returns at once
   * await placeOrder(order, { businessId });   // sent while recovery runs
   * const report = await recovery.done;        // when you want to know
   *
   * @throws ConfigurationError synchronously for bad options.
   */
  startRecovery(options?: RecoveryOptions): RecoveryHandle;
  /**
   * Runs a recovery pass and resolves with its report when it ends: `startRecovery(options).done`.
   * For batch jobs that must finish the past before they begin; a long-running bot
   * should use {@link IntentClient.startRecovery} so new work is not held up.
   */
  recover(options?: RecoveryOptions): Promise<RecoveryReport>;
  /**
   * Lists intents by view (status, or `parked`), operation, scope and age, oldest
   * first, from the ledger: what is done, pending, unknown or parked, without
   * rebuilding any intent id. Inputs are not included.
   * @throws ConfigurationError for a bad query; LedgerUnavailableError when the ledger
   *   cannot list finished intents (a custom store without `list`).
   */
  list(query?: ListQuery): Promise<IntentSummary[]>;
  /**
   * Builds the intent that calling `operation(input, call)` would create (same id, key,
   * venue key and fingerprint), without writing or sending anything. Write it with your
   * ledger inside your own database transaction, next to your business row (the outbox
   * pattern): it commits or rolls back with that row, and a later call with the same
   * business id, or `recover()` on any worker, carries it out exactly once.
   *
   * @example
   * const draft = client.prepare(payout, { amount: 500 }, { businessId: `payout:${id}` });
   * await ledger.on(tx).create(draft, draft.createdAt); // a PostgresLedger on the transaction's client, inside BEGIN … COMMIT
   *
   * @throws ConfigurationError for an unregistered operation or bad call options;
   *   KeyFormatError when the key cannot fit the venue's format.
   */
  prepare<I>(operation: Operation<I, unknown> | string, input: I, call?: CallOptions): IntentDraft;
  /** Reads an intent from the ledger by id. */
  inspect(intentId: string): Promise<IntentRecord | undefined>;
  /**
   * Records a person's verdict on an intent the machine could not settle (`unknown`,
   * parked, or left `inFlight` by a process that died), after checking the venue:
   *
   * - `{ executed: true, by, reason?, result? }` settles it as succeeded without a send;
   *   later calls of the same business action return `result`.
   * - `{ executed: false, by, reason }` makes it sendable again with its same key: the
   *   next call of the business action, or the next recovery pass, sends it. Only while
   *   the venue's key window lasts: past it the intent is failed unsent, so a mistaken
   *   verdict cannot become a duplicate the venue would not catch.
   *
   * One fenced ledger transition under its own lease, kept on the record as
   * `outcome.resolution` (who, when, why, the state it replaced) and on every later
   * outcome of the intent; emits `intentResolved`. The same verdict from a terminal:
   * `intentkey ledger resolve`.
   *
   * @throws ConfigurationError for a malformed verdict, an unknown id, or an intent that
   *   is pending (never sent) or already final.
   * @throws IntentBusyError while a worker (this client's included) is running the intent.
   */
  resolve(intentId: string, verdict: IntentVerdict): Promise<IntentRecord>;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void): () => void;
  /**
   * The monitoring signals of this client since it was created, as a plain,
   * JSON-serialisable snapshot: idempotency conflicts, duplicates prevented (and how),
   * retries recovered, expired keys, writes sent versus business objects, outcomes,
   * intents by status, lookups, rate-limit waits and ledger flushes. See
   * docs/observability.md for every field.
   */
  metrics(): IntentMetrics;
  /** The validated venue profile in use. */
  readonly venue: VenueProfile;
  /** The ledger in use. */
  readonly ledger: LedgerStore;
  /** Closes the ledger. */
  close(): Promise<void>;
}

/** The `intentFinished` event of a run of `record` (as it was when the run began). */
function finishedEvent(
  via: 'call' | 'recovery',
  record: IntentRecord,
  run: IntentRun | undefined,
  result: IntentFinishedEvent['result'],
  status: IntentStatus,
  resultReconciled: boolean,
  durationMs: number,
  error: unknown,
): IntentFinishedEvent {
  const trace = run?.trace;
  // A finished record answered without any request: the ledger prevented a duplicate.
  const replayedFromLedger = TERMINAL_STATUSES.has(record.status) && (trace === undefined || (trace.attempts === 0 && trace.lookupRequests === 0));
  // Settled by a lookup in this run (a replay of a record a lookup once settled is the ledger's doing).
  const reconciled = !replayedFromLedger && (resultReconciled || trace?.reconciledFound === true);
  const event: { -readonly [K in keyof IntentFinishedEvent]: IntentFinishedEvent[K] } = {
    intentId: record.id,
    operation: record.operation,
    scope: record.scope,
    venue: record.venue,
    key: record.key,
    businessId: record.businessId,
    via,
    status,
    result,
    replayedFromLedger,
    reconciled,
    venueDuplicate: trace?.venueDuplicate === true,
    resent: trace?.resent === true,
    attempts: trace?.attempts ?? 0,
    lookups: trace?.lookupRequests ?? 0,
    // Succeeded, but not by the first attempt alone: an earlier attempt (this run or a
    // previous life) left it unsettled, and a retry, resend or lookup recovered it.
    recovered: result === 'succeeded' && !TERMINAL_STATUSES.has(record.status) && (record.status !== 'pending' || record.attempt > 0 || trace?.unsettledAttempt === true || reconciled),
    durationMs,
  };
  if (error !== undefined) {
    event.errorName = error instanceof Error ? error.name : typeof error;
    if (isIntentError(error)) event.reason = (error as { reason?: string }).reason ?? error.code;
  }
  return event;
}

/** For runs nobody observes. */
const noRun = (): void => undefined;

/** How a run that threw ended, for `intentFinished.result`. */
function runResultOf(error: unknown): IntentFinishedEvent['result'] {
  if (isVenueRejectedError(error)) return 'failed';
  if (isAmbiguousOutcomeError(error)) return 'ambiguous';
  if (error instanceof RetriesExhaustedError) return 'exhausted';
  if (error instanceof IntentBusyError) return 'busy';
  if (error instanceof IntentConflictError) return 'conflict';
  if (error instanceof Error && error.name === 'AbortError') return 'aborted';
  return 'error';
}

/**
 * Wraps your axios instance (interceptors, agents and defaults stay as they are)
 * so that writes made through registered operations are safe to retry.
 *
 * @example
 * const client = createIntentClient(http, { venue: binanceSpot, ledger });
 * const placeOrder = client.operation('order.create', {
 *   request: (order) => ({ method: 'POST', url: '/api/v3/order', params: order }),
 *   reconcile: (order, ctx) => ({ method: 'GET', url: '/api/v3/order', params: { symbol: order.symbol, origClientOrderId: ctx.venueKey } }),
 * });
 * const { result } = await placeOrder({ symbol: 'BTCUSDT', side: 'BUY', type: 'MARKET', quantity: '0.01' }, { businessId: 'signal-1182' });
 *
 * @throws ConfigurationError synchronously for any invalid option.
 */
export function createIntentClient(http: AxiosInstance, options: IntentClientOptions): IntentClient {
  if (typeof http !== 'function' || typeof (http as { request?: unknown }).request !== 'function') {
    throw new ConfigurationError({ path: 'http', expected: 'an axios instance (axios.create())', received: describeValue(http) });
  }
  const resolved = resolveClientOptions(options);
  const events = new IntentEvents(resolved.on);
  const env: RunnerEnvironment = { http, options: resolved, events, venueBlockedUntil: 0, venueBlockedCause: 'venueBan' };
  const generate = resolved.keyStrategy === 'derived' ? undefined : createKeyGenerator(resolved.keyStrategy, resolved.random, resolved.clock);
  // Intent ids for calls without a business id: random, time-ordered.
  const newIntentId = createKeyGenerator('ulid', resolved.random, resolved.clock);
  // Ids and derived keys come from HMACs under fixed secrets: prepare each secret once.
  const deriveIntentId = createKeyDeriver(INTENT_ID_SECRET);
  const deriveIntentKey = resolved.keyStrategy === 'derived' ? createKeyDeriver(resolved.keySecret) : undefined;
  const operations = new Map<string, RegisteredOperation>();
  const running = new Map<string, { fingerprint: string; promise: Promise<IntentResult<unknown>> }>();
  /**
   * Set while a recovery batch claim (`claimResumable`) is under way, until the claimed
   * intents are registered in `running`. A batch may re-claim this worker's own leases, so
   * a per-intent claim of this process waits for it to end instead of racing it (the
   * batch would fence the run that claimed first); see `claimBatch`.
   */
  let batchClaiming: Promise<void> | undefined;

  // Fail at construction, not at the first order: a key strategy whose keys can fail
  // this venue's format (e.g. nanoid's '-' and '_' for OKX's alphanumeric ids) is a
  // config bug. Checked on fixed keys spanning each strategy's alphabet and extremes, so
  // the verdict does not depend on which random key happened to be drawn.
  try {
    for (const sample of KEY_SAMPLES[resolved.keyStrategy]) {
      assertVenueKey(encodeVenueKey(sample, resolved.venue.key.format), resolved.venue.key.format, resolved.venue.name);
    }
  } catch (error) {
    throw new ConfigurationError({
      path: 'options.keys.strategy',
      expected: `a key strategy whose keys fit ${resolved.venue.name}'s key format`,
      received: describeValue(resolved.keyStrategy),
      cause: error,
    });
  }

  // The monitoring signals, kept from construction; a listener of every event, so the
  // runner always builds event payloads (a few small objects per attempt).
  const metricsCollector = new MetricsCollector(events, resolved.clock);
  if (resolved.logger !== undefined) attachLogger(events, resolved.logger);

  // What the store reports about its own work (group commits, compactions, repairs)
  // becomes `ledger` events, for metrics.
  resolved.ledger.observe?.((observation) => {
    if (events.has('ledger')) events.emit('ledger', observation);
  });

  let warned = false;
  const warnOnce = (): void => {
    if (warned) return;
    warned = true;
    if (!resolved.ledger.capabilities.durable) {
      events.emit('warning', {
        code: 'NON_DURABLE_LEDGER',
        message: 'The ledger is not durable: intents in flight are lost if the process dies.',
      });
    }
  };

  /** The intent id a call gets: derived from scope, operation and business id, else random. */
  function intentIdFor(op: RegisteredOperation, call: CallOptions): string {
    const scope = call.scope ?? resolved.scope;
    return call.businessId === undefined ? `${op.name}:${newIntentId()}` : deriveIntentId(scope, op.name, call.businessId);
  }

  /**
   * The record a call creates: key generated (or derived, or the caller's), encoded and
   * validated for the venue, input made storable. Writes and sends nothing.
   */
  function buildDraft(op: RegisteredOperation, id: string, input: unknown, fingerprint: string, call: CallOptions): IntentDraft {
    const scope = call.scope ?? resolved.scope;
    if (!generate && call.key === undefined && call.businessId === undefined) {
      throw new ConfigurationError({
        path: 'call.businessId',
        expected: "a business id: keys.strategy 'derived' derives the key from it",
        received: 'undefined',
      });
    }
    const key = call.key ?? (generate ? generate() : (deriveIntentKey as NonNullable<typeof deriveIntentKey>)(scope, op.name, call.businessId as string));
    const venueKey = encodeVenueKey(key, resolved.venue.key.format);
    // Validated before the intent is written, so nothing unsendable ever reaches the ledger.
    assertVenueKey(venueKey, resolved.venue.key.format, resolved.venue.name);
    const now = resolved.clock.now();
    return {
      id,
      scope,
      operation: op.name,
      ...(call.businessId === undefined ? {} : { businessId: call.businessId }),
      venue: resolved.venue.name,
      key,
      venueKey,
      fingerprint,
      input: toStorable(input, op.name),
      createdAt: now,
      ...expiresAtFor(resolved, now),
    };
  }

  function fingerprintFor(op: RegisteredOperation, input: unknown): string {
    return fingerprintOf(op.definition.fingerprint ? op.definition.fingerprint(input) : input);
  }

  async function start(op: RegisteredOperation, input: unknown, call: CallOptions): Promise<IntentResult<unknown>> {
    warnOnce();
    const fingerprint = fingerprintFor(op, input);
    const id = intentIdFor(op, call);

    const existing = running.get(id);
    if (existing) {
      // The same business action is already running in this process: join it.
      if (existing.fingerprint !== fingerprint) {
        const stored = await resolved.ledger.get(id);
        emitConflict(op, id, call.businessId ?? stored?.businessId, stored?.key, existing.fingerprint, fingerprint, call.scope);
        throw new IntentConflictError({ intentId: id, key: stored?.key ?? '', storedFingerprint: existing.fingerprint, fingerprint });
      }
      return existing.promise;
    }

    const draft = buildDraft(op, id, input, fingerprint, call);
    const now = draft.createdAt;

    const promise = (async (): Promise<IntentResult<unknown>> => {
      // The run is built on the draft first: when its first step is a send, that attempt
      // is prepared now and recorded by the create itself (claimed, in flight), so the
      // happy path costs two ledger writes: this one and the outcome.
      const asPending: IntentRecord = { ...draft, status: 'pending', attempt: 0, epoch: 0, updatedAt: now };
      const fresh = new IntentRun(env, op, asPending, call.signal);
      const inFlight = fresh.prepareFirstSend();
      // Durable for a durable store: from here a crash cannot lose the intent or its key,
      // and with `inFlight` the first attempt is recorded as started before any byte is sent
      // (docs/durability.md#d1-the-attempt-is-durable-before-the-first-byte-is-sent).
      // The in-flight record's time is taken last, right before its write: the dispatch
      // fence lets the request leave only within attemptTimeoutMs of it.
      const { created, record } =
        inFlight === undefined
          ? await resolved.ledger.create(draft, now)
          : await resolved.ledger.create(draft, resolved.clock.now(), { owner: resolved.workerId, leaseMs: resolved.leaseMs, outcome: inFlight });
      if (created && inFlight !== undefined && fresh.adoptCreated(record)) {
        // Reported as a new intent: it starts pending, whatever the create stored with it.
        return observeRun('call', asPending, false, (onRun) => runHeld(fresh, record.id, onRun));
      }
      if (!created) {
        if (record.fingerprint !== fingerprint) {
          emitConflict(op, id, record.businessId, record.key, record.fingerprint, fingerprint, record.scope);
          throw new IntentConflictError({ intentId: id, key: record.key, storedFingerprint: record.fingerprint, fingerprint });
        }
        if (call.key !== undefined && call.key !== record.key) {
          throw new ConfigurationError({
            path: 'call.key',
            expected: `the key intent ${id} was created with (one business action, one key)`,
            received: 'a different key',
          });
        }
      }
      return observeRun('call', record, !created, async (onRun) => {
        if (record.status === 'succeeded') return resultFromRecord(record, { replayed: true, reconciled: false });
        return runClaimed(op, record, call.signal, undefined, onRun);
      });
    })();
    return track(id, fingerprint, promise);
  }

  function emitConflict(op: RegisteredOperation, intentId: string, businessId: string | undefined, key: string | undefined, storedFingerprint: string, fingerprint: string, scope: string | undefined): void {
    if (!events.has('idempotencyConflict')) return;
    events.emit('idempotencyConflict', {
      intentId,
      operation: op.name,
      scope: scope ?? resolved.scope,
      venue: resolved.venue.name,
      businessId,
      ...(key === undefined ? {} : { key }),
      storedFingerprint,
      fingerprint,
    });
  }

  /**
   * Drives one intent run (`go`) between an `intentStarted` and an `intentFinished`
   * event, which carry what metrics, traces and logs need about the whole run.
   */
  async function observeRun(
    via: 'call' | 'recovery',
    record: IntentRecord,
    resumed: boolean,
    go: (onRun: (run: IntentRun) => void) => Promise<IntentResult<unknown>>,
  ): Promise<IntentResult<unknown>> {
    if (!events.has('intentStarted') && !events.has('intentFinished')) return go(noRun);
    const startedAt = resolved.clock.now();
    // Plain object literals with fixed fields (no spreads): built on every run when
    // someone listens, which the metrics collector always does.
    events.emit('intentStarted', {
      intentId: record.id,
      operation: record.operation,
      scope: record.scope,
      venue: record.venue,
      key: record.key,
      businessId: record.businessId,
      resumed,
      status: record.status,
      fingerprint: record.fingerprint,
      via,
    });
    let run: IntentRun | undefined;
    try {
      const result = await go((r) => (run = r));
      events.emit('intentFinished', finishedEvent(via, record, run, 'succeeded', 'succeeded', result.reconciled, resolved.clock.now() - startedAt, undefined));
      return result;
    } catch (error) {
      events.emit('intentFinished', finishedEvent(via, record, run, runResultOf(error), run?.status ?? record.status, false, resolved.clock.now() - startedAt, error));
      throw error;
    }
  }

  /**
   * Registers a run of intent `id` in this process, synchronously, before its first
   * ledger call completes: a call or a recovery pass that comes for the same intent
   * meanwhile joins it instead of claiming it a second time.
   */
  function track<T extends IntentResult<unknown>>(id: string, fingerprint: string, promise: Promise<T>): Promise<T> {
    const entry = { fingerprint, promise };
    running.set(id, entry);
    const forget = (): void => {
      if (running.get(id) === entry) running.delete(id);
    };
    promise.then(forget, forget);
    return promise;
  }

  async function runClaimed(
    op: RegisteredOperation,
    record: IntentRecord,
    signal: AbortSignal | undefined,
    pool?: { readonly slot: RunSlot; readonly stopWaits: AbortSignal; readonly trace: (run: IntentRun) => void },
    onRun: (run: IntentRun) => void = noRun,
  ): Promise<IntentResult<unknown>> {
    const unclaimed = (r: IntentRecord): Promise<IntentResult<unknown>> => {
      const run = new IntentRun(env, op, r, signal);
      onRun(run);
      return run.run();
    };
    if (TERMINAL_STATUSES.has(record.status)) return unclaimed(record);
    // A parked intent that is not due fails at once, with no claim and no request.
    if (isParkedNotDue(record, resolved.clock.now())) return unclaimed(record);
    // Never while a batch claim of this worker is under way (it could re-claim, and so
    // fence, what this claim takes).
    while (batchClaiming !== undefined) await batchClaiming;
    const claim = await resolved.ledger.claim(record.id, { owner: resolved.workerId, leaseMs: resolved.leaseMs, now: resolved.clock.now() });
    if (!claim.claimed) {
      if (TERMINAL_STATUSES.has(claim.record.status)) return unclaimed(claim.record);
      throw new IntentBusyError({ intentId: record.id, leaseUntil: claim.record.leaseUntil ?? 0 });
    }
    return runLeased(op, claim.record, signal, pool, onRun);
  }

  /** Runs an intent this worker has just claimed (`record` as the claim returned it), then releases the lease. */
  async function runLeased(
    op: RegisteredOperation,
    record: IntentRecord,
    signal: AbortSignal | undefined,
    pool: { readonly slot: RunSlot; readonly stopWaits: AbortSignal; readonly trace: (run: IntentRun) => void } | undefined,
    onRun: (run: IntentRun) => void,
  ): Promise<IntentResult<unknown>> {
    const run = new IntentRun(env, op, record, signal, pool);
    pool?.trace(run);
    return runHeld(run, record.id, onRun);
  }

  /**
   * Runs an intent whose lease this worker holds, and gives the lease back at the end
   * unless the run's last write already did (a settled or parked intent).
   */
  async function runHeld(run: IntentRun, id: string, onRun: (run: IntentRun) => void): Promise<IntentResult<unknown>> {
    onRun(run);
    try {
      return await run.run();
    } finally {
      const epoch = run.heldLeaseEpoch;
      // Best effort: an unreleased lease simply expires after leaseMs.
      if (epoch !== undefined) await resolved.ledger.release(id, resolved.workerId, epoch).catch(() => undefined);
    }
  }

  /**
   * One batch claim of recovery: `claimResumable` with this worker's identity and lease,
   * leaving out the intents this process is running (their leases are this worker's, so
   * the batch would take them again). `take` runs synchronously on the claimed records
   * before any per-intent claim of this process can run again, so every claimed intent is
   * in `running` (or released) before a call for it could claim it. One batch at a time.
   */
  async function claimBatch(
    claimResumable: (request: ClaimResumableRequest) => Promise<IntentRecord[]>,
    request: Omit<ClaimResumableRequest, 'owner' | 'leaseMs' | 'now' | 'exclude'>,
    take: (records: IntentRecord[]) => void,
  ): Promise<void> {
    while (batchClaiming !== undefined) await batchClaiming;
    let open!: () => void;
    batchClaiming = new Promise<void>((resolve) => (open = resolve));
    try {
      const exclude = [...running.keys()];
      const records = await claimResumable({ ...request, owner: resolved.workerId, leaseMs: resolved.leaseMs, now: resolved.clock.now(), exclude });
      take(records);
    } finally {
      batchClaiming = undefined;
      open();
    }
  }

  function operation<I, R = unknown>(name: string, definition: OperationDefinition<I, R>): Operation<I, R> {
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) {
      throw new ConfigurationError({
        path: 'operation.name',
        expected: `a name matching ${OPERATION_NAME.source}`,
        received: describeValue(name),
      });
    }
    if (operations.has(name)) {
      throw new ConfigurationError({
        code: 'ERR_CONFIG_DUPLICATE_OPERATION',
        path: `operations.${name}`,
        expected: 'a name not registered yet on this client',
        received: 'a name already registered',
      });
    }
    checkDefinition(name, definition as OperationDefinition<unknown, unknown>);
    const given =
      definition.reconcile === undefined
        ? undefined
        : typeof definition.reconcile === 'function'
          ? { request: definition.reconcile }
          : definition.reconcile;
    // Without a request builder of its own the operation uses the profile's lookup by key,
    // or its scan (which needs the key echoed into the created object).
    const profileLookup = resolved.venue.reconcile.lookup ?? (resolved.venue.key.echo === undefined ? undefined : resolved.venue.reconcile.scan);
    if (given !== undefined && given.request === undefined && profileLookup === undefined) {
      throw new ConfigurationError({
        path: `operations.${name}.reconcile.request`,
        expected: `a function (${resolved.venue.name} has no lookup by key to build one from)`,
        received: 'undefined',
      });
    }
    const reconcile = given ?? (profileLookup === undefined ? undefined : {});
    const registered: RegisteredOperation = {
      name,
      definition: definition as OperationDefinition<unknown, unknown>,
      reconcile: reconcile as RegisteredOperation['reconcile'],
    };
    operations.set(name, registered);
    if (!reconcile && !settlesByResend(resolved.venue.dedupe)) {
      events.emit('warning', {
        code: 'UNRESOLVABLE_UNKNOWN',
        message: `Operation ${name} has no reconcile lookup and ${resolved.venue.name} keeps no key store that replays every answer: an unknown outcome will need a person.`,
      });
    }
    const run = (input: I, call: CallOptions = {}): Promise<IntentResult<R>> => {
      checkCallOptions(call);
      return start(registered, input, call) as Promise<IntentResult<R>>;
    };
    return Object.assign(run, { operationName: name });
  }

  function startRecovery(recoveryOptions: RecoveryOptions = {}): RecoveryHandle {
    const { concurrency, budgetMs } = checkRecoveryOptions(recoveryOptions);
    warnOnce();
    const userSignal = recoveryOptions.signal;
    // Ends the pass early (budget spent, stop()): nothing new starts and running intents
    // stop at their next wait; a request already in flight is never cut.
    const stopper = new AbortController();
    // Every intent of the pass listens to these signals, and a waiting intent holds no
    // place in the pool, so hundreds may listen at once: not a leak.
    // (The caller's signal is followed through a signal of our own, so its settings stay theirs.)
    const runSignal = userSignal === undefined ? undefined : AbortSignal.any([userSignal]);
    setMaxListeners(0, stopper.signal);
    if (runSignal !== undefined) setMaxListeners(0, runSignal);
    const startedAt = resolved.clock.now();
    const counts = { resumed: 0, succeeded: 0, reconciledFound: 0, resent: 0, failed: 0, parked: 0, notReached: 0 };
    const needsAttention: AttentionEntry[] = [];
    let total = 0;
    let finished = 0;
    let budgetExhausted = false;
    const slots = new Slots(concurrency);

    const attention = (record: IntentRecord, reason: string, parkedUntil?: number): void => {
      needsAttention.push({
        intentId: record.id,
        operation: record.operation,
        ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
        reason,
        ...(parkedUntil === undefined ? {} : { parkedUntil }),
      });
    };
    const progressed = (): void => {
      finished++;
      if (events.has('recoveryProgress')) {
        events.emit('recoveryProgress', { total, finished, succeeded: counts.succeeded, failed: counts.failed, parked: counts.parked, needsAttention: needsAttention.length });
      }
    };
    const stopped = (): boolean => {
      if (!budgetExhausted && resolved.clock.now() - startedAt >= budgetMs) {
        budgetExhausted = true;
        stopper.abort(new RecoveryStopped('budget'));
      }
      return stopper.signal.aborted || userSignal?.aborted === true;
    };

    /** Gives back the lease of an intent a batch claimed for this pass and that the pass does not run. */
    const giveBack = (record: IntentRecord): Promise<void> => resolved.ledger.release(record.id, resolved.workerId, record.epoch).catch(() => undefined);

    /**
     * Resumes one intent: `record` as listed (`leased` false: claimed here, one by one), or
     * as a batch claimed it for this worker (`leased` true). Either way the same run, the
     * same events and the same counts.
     */
    const resumeOne = async (record: IntentRecord, leased: boolean): Promise<void> => {
      const op = operations.get(record.operation);
      if (!op) {
        // Claimed by a batch: given back at once, for a worker that has the operation.
        if (leased) await giveBack(record);
        attention(record, 'operation not registered in this process');
        return;
      }
      counts.resumed++;
      let run: IntentRun | undefined;
      try {
        // A call already running this intent in this process: wait for it, run nothing.
        // (The batch's lease is given back: the call claims, or has claimed, its own.)
        const joined = running.get(record.id);
        if (joined) {
          if (leased) void giveBack(record);
          await joined.promise;
        } else {
          const pool = { slot: slots, stopWaits: stopper.signal, trace: (r: IntentRun) => (run = r) };
          await track(
            record.id,
            record.fingerprint,
            observeRun('recovery', record, true, (onRun) => (leased ? runLeased(op, record, runSignal, pool, onRun) : runClaimed(op, record, runSignal, pool, onRun))),
          );
        }
        counts.succeeded++;
      } catch (error) {
        if (userSignal?.aborted) throw userSignal.reason;
        if (isVenueRejectedError(error)) counts.failed++;
        else if (isAmbiguousOutcomeError(error)) {
          if (error.parkedUntil !== undefined) counts.parked++;
          attention(record, `outcome unknown: ${error.reason}`, error.parkedUntil);
        } else if (stopper.signal.aborted && !isIntentError(error)) {
          // The budget ran out or stop() was called during a wait: the intent stays as it
          // is in the ledger for the next pass.
          counts.notReached++;
        } else {
          const reason = isIntentError(error) ? `${error.code}: ${error.message}` : 'unexpected error while resuming';
          attention(record, error instanceof IntentBusyError ? 'held by another worker' : reason);
        }
      } finally {
        if (run?.trace.reconciledFound) counts.reconciledFound++;
        if (run?.trace.resent) counts.resent++;
      }
    };

    const finish = (): RecoveryReport => {
      needsAttention.sort((a, b) => (a.intentId < b.intentId ? -1 : a.intentId > b.intentId ? 1 : 0));
      const report: RecoveryReport = { ...counts, budgetExhausted, durationMs: resolved.clock.now() - startedAt, needsAttention };
      if (events.has('recoveryFinished')) events.emit('recoveryFinished', { report });
      return report;
    };

    /** Reports a parked intent whose next check is not due: costs nothing (no claim, no request). */
    const reportParked = (record: IntentRecord): void => {
      const parked = record.outcome?.parked;
      if (parked === undefined) return;
      counts.parked++;
      attention(record, `parked: ${parked.reason}`, parked.nextCheckAt);
      finished++;
    };

    /** The store lists every unfinished intent; each is claimed as its turn comes. */
    const listingPass = async (): Promise<RecoveryReport> => {
      const found = await resolved.ledger.listResumable();
      total = found.length;
      const now = resolved.clock.now();
      const queue: IntentRecord[] = [];
      for (const record of found) {
        if (isParkedNotDue(record, now)) reportParked(record);
        else queue.push(record);
      }
      if (events.has('recoveryStarted')) events.emit('recoveryStarted', { total, parkedNotDue: total - queue.length });
      // Intents are independent: several run at once, oldest first, and one waiting out a
      // backoff or settle delay gives its place to the next (RunSlot), so the bound is on
      // intents doing something, not on intents waiting.
      let next = 0;
      const active = new Set<Promise<void>>();
      while (next < queue.length) {
        await slots.acquireNew();
        if (stopped()) {
          slots.release();
          break;
        }
        const record = queue[next++] as IntentRecord;
        const one = resumeOne(record, false).finally(() => {
          slots.release();
          progressed();
          active.delete(one);
        });
        active.add(one);
      }
      if (next < queue.length) counts.notReached += queue.length - next;
      await Promise.all(active);
      if (userSignal?.aborted) throw userSignal.reason;
      return finish();
    };

    /**
     * The store claims in batches (`claimResumable`): each batch is as large as the places
     * free in the pool (so at most `concurrency`), oldest first, and every intent of it
     * starts at once, holding its place, exactly as a listed intent would after its claim.
     * A cursor (the last intent of the previous batch) keeps the pass from taking an
     * intent twice, and it ends with the first batch that comes back short (or when its
     * budget runs out). Like a listing, a batch may take an intent another worker's call
     * has created and not claimed yet (that call then finds it busy). Intents another worker holds a live lease on are left to
     * it (not reported); parked intents not due are listed once, reported as the listing
     * pass reports them, and never claimed.
     */
    const batchPass = async (claimResumable: (request: ClaimResumableRequest) => Promise<IntentRecord[]>): Promise<RecoveryReport> => {
      const store = resolved.ledger;
      const now = resolved.clock.now();
      const unknown = store.list
        ? await store.list({ statuses: ['unknown'], limit: Number.MAX_SAFE_INTEGER })
        : (await store.listResumable()).filter((r) => r.status === 'unknown');
      // Reported here; one that falls due while the pass runs is left for the next pass, as
      // the listing pass leaves it.
      const parkedIds = new Set<string>();
      for (const record of unknown) {
        if (!isParkedNotDue(record, now)) continue;
        reportParked(record);
        parkedIds.add(record.id);
      }
      total = parkedIds.size;
      let announced = false;
      let after: { createdAt: number; id: string } | undefined;
      let more = true;
      let stoppedEarly = false;
      let failure: { error: unknown } | undefined;
      const active = new Set<Promise<void>>();
      const take = (held: number, claimed: IntentRecord[]): void => {
        // A store that returned more than asked: the extra ones go back untouched.
        for (const extra of claimed.slice(held)) void giveBack(extra);
        const records = claimed.length > held ? claimed.slice(0, held) : claimed;
        if (records.length < held) more = false;
        for (let i = records.length; i < held; i++) slots.release();
        const last = records[records.length - 1];
        if (last !== undefined) after = { createdAt: last.createdAt, id: last.id };
        const runnable: IntentRecord[] = [];
        for (const record of records) {
          if (!parkedIds.has(record.id)) runnable.push(record);
          else {
            void giveBack(record);
            slots.release();
          }
        }
        total += runnable.length;
        if (!announced) {
          announced = true;
          if (events.has('recoveryStarted')) events.emit('recoveryStarted', { total, parkedNotDue: parkedIds.size });
        }
        // Stopped while the batch was being claimed: none of it starts; the leases go back.
        if (runnable.length > 0 && stopped()) {
          stoppedEarly = true;
          counts.notReached += runnable.length;
          for (const record of runnable) {
            void giveBack(record);
            slots.release();
          }
          return;
        }
        for (const record of runnable) {
          const one = resumeOne(record, true).finally(() => {
            slots.release();
            progressed();
            active.delete(one);
          });
          active.add(one);
        }
      };
      while (more && !stoppedEarly) {
        await slots.acquireNew();
        if (stopped()) {
          slots.release();
          stoppedEarly = true;
          break;
        }
        let held = 1;
        while (held < concurrency && slots.tryAcquireNew()) held++;
        const batch = held;
        let taken = false;
        try {
          await claimBatch(claimResumable, { limit: batch, ...(after === undefined ? {} : { after }) }, (records) => {
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
      if (!announced && failure === undefined && events.has('recoveryStarted')) events.emit('recoveryStarted', { total, parkedNotDue: parkedIds.size });
      await Promise.all(active);
      if (failure !== undefined) throw failure.error;
      if (userSignal?.aborted) throw userSignal.reason;
      if (stoppedEarly) counts.notReached += await notClaimedYet(after, parkedIds);
      return finish();
    };

    /**
     * What a batch pass stopped early did not reach: the unfinished intents it would have
     * claimed next (after its cursor, not reported parked). One listing, made only when
     * the budget ran out or the pass was stopped; if it fails, the report counts only what
     * the pass claimed and left.
     */
    const notClaimedYet = async (after: { createdAt: number; id: string } | undefined, parkedIds: ReadonlySet<string>): Promise<number> => {
      try {
        const left = await resolved.ledger.listResumable();
        return left.filter((r) => !parkedIds.has(r.id) && (after === undefined || oldestFirst(r, after) > 0)).length;
      } catch {
        return 0;
      }
    };

    const claimResumable = resolved.ledger.claimResumable?.bind(resolved.ledger);
    const pass = (): Promise<RecoveryReport> => (claimResumable === undefined ? listingPass() : batchPass(claimResumable));

    // The budget: when it runs out, nothing new starts (checked on the client's clock
    // before each intent) and running intents stop at their next wait (this wall-clock
    // timer aborts their waits). The timer ends with the pass and never keeps a
    // process alive.
    const budgetTimer = setTimeout(() => {
      budgetExhausted = true;
      stopper.abort(new RecoveryStopped('budget'));
    }, budgetMs);
    budgetTimer.unref();
    const done = pass().finally(() => clearTimeout(budgetTimer));
    // A pass nobody awaits must not become an unhandled rejection; `done` still rejects.
    done.catch(() => undefined);
    return Object.freeze({
      done,
      progress: () => Object.freeze({ total, finished }),
      stop: () => {
        stopper.abort(new RecoveryStopped('stop'));
        return done;
      },
    });
  }

  function recover(recoveryOptions: RecoveryOptions = {}): Promise<RecoveryReport> {
    return startRecovery(recoveryOptions).done;
  }

  async function list(query: ListQuery = {}): Promise<IntentSummary[]> {
    const q = checkListQuery(query);
    const statuses = [...new Set(q.views.map((v): IntentStatus => (v === 'parked' ? 'unknown' : v)))];
    // `parked` and `unknown` share a stored status: when only one of them is asked for,
    // the store cannot apply the limit, so it returns every candidate and the view decides.
    const splitsUnknown = statuses.includes('unknown') && q.views.includes('unknown') !== q.views.includes('parked');
    const storeQuery: ListRecordsQuery = {
      statuses,
      ...(q.operation === undefined ? {} : { operation: q.operation }),
      ...(q.scope === undefined ? {} : { scope: q.scope }),
      ...(q.olderThanMs === undefined ? {} : { createdBefore: resolved.clock.now() - q.olderThanMs }),
      limit: splitsUnknown ? MAX_LIST_SCAN : q.limit,
    };
    const store = resolved.ledger;
    let records: IntentRecord[];
    if (store.list !== undefined) records = await store.list(storeQuery);
    else if (statuses.every((st) => RESUMABLE_STATUSES.includes(st))) records = selectRecords(await store.listResumable(), storeQuery);
    else throw new LedgerUnavailableError('This ledger store has no list(): it can list only unfinished intents (status pending, inFlight, unknown or parked).');
    const out: IntentSummary[] = [];
    for (const record of records) {
      const view = viewOf(record);
      if (!q.views.includes(view)) continue;
      out.push(summaryOf(record, view));
      if (out.length >= q.limit) break;
    }
    return out;
  }

  function prepare(operation: string | { readonly operationName: string }, input: unknown, call: CallOptions = {}): IntentDraft {
    checkCallOptions(call);
    const name = typeof operation === 'string' ? operation : (operation as { operationName?: unknown } | null)?.operationName;
    const op = typeof name === 'string' ? operations.get(name) : undefined;
    if (op === undefined) {
      throw new ConfigurationError({ path: 'prepare.operation', expected: 'a registered operation (its name or the function operation() returned)', received: describeValue(operation) });
    }
    return buildDraft(op, intentIdFor(op, call), input, fingerprintFor(op, input), call);
  }

  async function resolve(intentId: string, verdict: IntentVerdict): Promise<IntentRecord> {
    if (typeof intentId !== 'string' || intentId.length === 0) {
      throw new ConfigurationError({ path: 'resolve(intentId)', expected: 'an intent id', received: describeValue(intentId) });
    }
    // Its own lease owner: a run of this client holding the intent is never overtaken.
    const record = await resolveIntent(resolved.ledger, intentId, verdict, { owner: `${resolved.workerId}:resolve`, now: resolved.clock.now(), leaseMs: resolved.leaseMs });
    const resolution = record.outcome?.resolution;
    if (resolution && events.has('intentResolved')) {
      events.emit('intentResolved', {
        intentId: record.id,
        operation: record.operation,
        scope: record.scope,
        venue: record.venue,
        key: record.key,
        businessId: record.businessId,
        verdict: resolution.verdict,
        by: resolution.by,
        reason: resolution.reason,
        previousStatus: resolution.previous.status,
        at: resolution.at,
      });
    }
    return record;
  }

  return Object.freeze({
    operation,
    prepare,
    startRecovery,
    recover,
    list,
    inspect: (intentId: string) => resolved.ledger.get(intentId),
    resolve,
    on: <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void) => events.on(name, listener),
    metrics: () => metricsCollector.snapshot(),
    venue: resolved.venue,
    ledger: resolved.ledger,
    close: () => resolved.ledger.close(),
  });
}

/**
 * Dedupe window for a key-store venue, minus a safety margin: past it the venue may
 * have pruned the key, so a resend could execute twice.
 */
function expiresAtFor(options: ResolvedClientOptions, now: number): { expiresAt?: number } {
  const dedupe = options.venue.dedupe;
  if (dedupe.kind !== 'keyStore') return {};
  const margin = Math.min(dedupe.retentionMs * 0.1, 60 * 60 * 1000);
  return { expiresAt: now + dedupe.retentionMs - margin };
}

function toStorable(input: unknown, operation: string): unknown {
  try {
    // Inputs are stored so a restarted process can rebuild the request; they must
    // survive a JSON round trip (the file, Redis and PostgreSQL stores serialise).
    return JSON.parse(JSON.stringify(input ?? null)) as unknown;
  } catch (cause) {
    throw new ConfigurationError({
      path: `operations.${operation}.input`,
      expected: 'a JSON-serialisable input',
      received: describeValue(input),
      cause,
    });
  }
}

function checkDefinition(name: string, definition: OperationDefinition<unknown, unknown>): void {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `operations.${name}.${field}`, expected, received: describeValue(value) });
  };
  if (typeof definition !== 'object' || definition === null) fail('', 'an operation definition object', definition);
  if (typeof definition.request !== 'function') fail('request', 'a function (input, ctx) => axios request config', definition.request);
  const r = definition.reconcile;
  if (r !== undefined && typeof r !== 'function') {
    if (typeof r !== 'object' || r === null) fail('reconcile', 'a function, or { request?, params?, interpret? }', r);
    for (const field of ['request', 'params', 'interpret'] as const) {
      if (r[field] !== undefined && typeof r[field] !== 'function') fail(`reconcile.${field}`, 'a function', r[field]);
    }
  }
  if (definition.fingerprint !== undefined && typeof definition.fingerprint !== 'function') fail('fingerprint', 'a function', definition.fingerprint);
  if (definition.result !== undefined && typeof definition.result !== 'function') fail('result', 'a function', definition.result);
}

function checkCallOptions(call: CallOptions): void {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `call.${field}`, expected, received: describeValue(value) });
  };
  if (typeof call !== 'object' || call === null) bad('', 'an options object', call);
  if (call.businessId !== undefined && (typeof call.businessId !== 'string' || call.businessId.length === 0 || call.businessId.length > 512)) {
    bad('businessId', 'a non-empty string of at most 512 characters', call.businessId);
  }
  if (call.scope !== undefined && (typeof call.scope !== 'string' || call.scope.length === 0 || call.scope.length > 200)) {
    bad('scope', 'a non-empty string of at most 200 characters', call.scope);
  }
  if (call.key !== undefined && (typeof call.key !== 'string' || call.key.length === 0)) bad('key', 'a non-empty string', call.key);
  if (call.signal !== undefined && !(call.signal instanceof AbortSignal)) bad('signal', 'an AbortSignal', call.signal);
}

/** Longest list `list()` asks a store for when it must filter parked intents out of `unknown` ones. */
const MAX_LIST_SCAN = 100_000;

/** Why a recovery pass stopped early: the abort reason its runs see. */
class RecoveryStopped extends Error {
  override readonly name = 'RecoveryStopped';
  constructor(readonly why: 'budget' | 'stop') {
    super(why === 'budget' ? 'The recovery budget ran out.' : 'Recovery was stopped.');
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

const LIST_VIEWS: readonly IntentView[] = [...INTENT_STATUSES, 'parked'];

function checkListQuery(query: ListQuery): { views: IntentView[]; operation?: string; scope?: string; olderThanMs?: number; limit: number } {
  const bad = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `list(query)${field === '' ? '' : `.${field}`}`, expected, received: describeValue(value) });
  };
  if (typeof query !== 'object' || query === null) bad('', 'a query object', query);
  const raw = query.status;
  const views = raw === undefined ? [...LIST_VIEWS] : typeof raw === 'string' ? [raw] : Array.isArray(raw) ? [...(raw as readonly IntentView[])] : bad('status', 'a status or an array of them', raw);
  for (const view of views) if (!LIST_VIEWS.includes(view)) bad('status', `one of ${LIST_VIEWS.join(', ')}`, view);
  if (query.operation !== undefined && (typeof query.operation !== 'string' || query.operation === '')) bad('operation', 'a non-empty string', query.operation);
  if (query.scope !== undefined && (typeof query.scope !== 'string' || query.scope === '')) bad('scope', 'a non-empty string', query.scope);
  if (query.olderThanMs !== undefined && !(Number.isInteger(query.olderThanMs) && query.olderThanMs >= 0)) bad('olderThanMs', 'a whole number of ms >= 0', query.olderThanMs);
  const limit = query.limit ?? 1000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_SCAN) bad('limit', `an integer from 1 to ${MAX_LIST_SCAN}`, limit);
  return {
    views,
    limit,
    ...(query.operation === undefined ? {} : { operation: query.operation }),
    ...(query.scope === undefined ? {} : { scope: query.scope }),
    ...(query.olderThanMs === undefined ? {} : { olderThanMs: query.olderThanMs }),
  };
}

function summaryOf(record: IntentRecord, view: IntentView): IntentSummary {
  return {
    intentId: record.id,
    operation: record.operation,
    scope: record.scope,
    ...(record.businessId === undefined ? {} : { businessId: record.businessId }),
    view,
    status: record.status,
    key: record.key,
    venueKey: record.venueKey,
    attempts: record.attempt,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    ...(record.outcome === undefined ? {} : { reason: record.outcome.reason }),
    ...(record.outcome?.parked === undefined ? {} : { parked: record.outcome.parked }),
  };
}
