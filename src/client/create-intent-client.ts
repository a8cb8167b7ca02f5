import type { AxiosInstance } from 'axios';
import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';
import type { IntentDraft, IntentRecord } from '../ledger/intent.js';
import type { IntentVerdict } from '../ledger/resolve.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { attachLogger } from '../observability/logger.js';
import { MetricsCollector, type IntentMetrics } from '../observability/metrics.js';
import type { VenueProfile } from '../venues/profile.js';
import { Calls } from './calls.js';
import { checkCallOptions, DraftBuilder } from './draft-builder.js';
import { IntentEvents } from './events.js';
import { JoinMap } from './joins.js';
import { LeasedRuns } from './leased-run.js';
import { listIntents } from './list-intents.js';
import { OperationRegistry } from './operation-registry.js';
import { protectionSnapshot, type ProtectionSnapshot } from './protection.js';
import { resolveClientOptions } from './options.js';
import { startRecovery } from './recovery.js';
import type { RunnerEnvironment } from './runner.js';
import type {
  CallOptions,
  IntentClientOptions,
  IntentEventMap,
  IntentResult,
  IntentSummary,
  ListQuery,
  Operation,
  OperationDefinition,
  RecoveryHandle,
  RecoveryOptions,
  RecoveryReport,
} from './types.js';
import { recordVerdict } from './verdict.js';

/**
 * The client facade: validates the options, builds one of each part and wires them.
 * Each part has one job (docs/design.md, "Layout"): the operation registry, the
 * draft builder, the join map, the leased runs (claim, run, release), the call path,
 * recovery passes, listing and verdicts; the runner (`IntentRun`) carries out one intent.
 *
 * @module
 */

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
  /**
   * The client's protection now (option `protection`): the retry budget's balance, each
   * circuit breaker's position, and each rate limit's count in its window. Parts that
   * are off are absent. A shared Redis limiter is read from Redis, hence the promise.
   */
  protection(): Promise<ProtectionSnapshot>;
  /** The validated venue profile in use. */
  readonly venue: VenueProfile;
  /** The ledger in use. */
  readonly ledger: LedgerStore;
  /** Closes the ledger. */
  close(): Promise<void>;
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
  const env: RunnerEnvironment = { http, options: resolved, events, venueHoldEndsAt: 0, venueHoldCause: 'venueBan' };
  // Fails here, not at the first order, when the key strategy cannot fit the venue's format.
  const drafts = new DraftBuilder(resolved);
  const operations = new OperationRegistry(resolved, events);
  const joins = new JoinMap();
  const leases = new LeasedRuns(env, joins);

  // The monitoring signals, kept from construction. The three events every call raises
  // reach it as plain arguments (events.counters), so a call builds their payloads only
  // for listeners of your own; every other event it counts from its payload.
  const metricsCollector = new MetricsCollector(events, resolved.clock, { fedDirectly: true });
  events.counters = metricsCollector.counters;
  if (resolved.logger !== undefined) attachLogger(events, resolved.logger);

  // What the store reports about its own work (group commits, compactions, repairs)
  // becomes `ledger` events, for metrics.
  resolved.ledger.observe?.((observation) => {
    if (events.has('ledger')) events.emit('ledger', observation);
  });

  // A breaker's changes become this client's events (a shared breaker tells every client).
  const stopBreakerEvents = resolved.protection?.breaker?.onChange((change) => {
    if (!events.has('breakerStateChanged')) return;
    const { operation: op, ...rest } = change;
    events.emit('breakerStateChanged', { venue: resolved.venue.name, ...(op === undefined ? {} : { operation: op }), ...rest });
  });

  let warned = false;
  /** Warns once, at the first call or recovery pass, when the ledger is not durable. */
  const beforeWork = (): void => {
    if (warned) return;
    warned = true;
    if (!resolved.ledger.capabilities.durable) {
      events.emit('warning', {
        code: 'NON_DURABLE_LEDGER',
        message: 'The ledger is not durable: intents in flight are lost if the process dies.',
      });
    }
  };
  const calls = new Calls({ env, drafts, joins, leases, beforeWork });
  const recovery = { env, operations, joins, leases, beforeWork };

  function operation<I, R = unknown>(name: string, definition: OperationDefinition<I, R>): Operation<I, R> {
    const registered = operations.register(name, definition as OperationDefinition<unknown, unknown>);
    const run = (input: I, call: CallOptions = {}): Promise<IntentResult<R>> => {
      checkCallOptions(call);
      return calls.start(registered, input, call) as Promise<IntentResult<R>>;
    };
    return Object.assign(run, { operationName: name });
  }

  function prepare(operation: unknown, input: unknown, call: CallOptions = {}): IntentDraft {
    checkCallOptions(call);
    const op = operations.find(operation, 'prepare.operation');
    return drafts.build(op, drafts.intentIdFor(op, call), input, drafts.fingerprintFor(op, input), call);
  }

  return Object.freeze({
    operation,
    prepare,
    startRecovery: (recoveryOptions?: RecoveryOptions): RecoveryHandle => startRecovery(recovery, recoveryOptions),
    recover: (recoveryOptions?: RecoveryOptions): Promise<RecoveryReport> => startRecovery(recovery, recoveryOptions).done,
    list: (query?: ListQuery): Promise<IntentSummary[]> => listIntents(resolved, query),
    inspect: (intentId: string): Promise<IntentRecord | undefined> => resolved.ledger.get(intentId),
    resolve: (intentId: string, verdict: IntentVerdict): Promise<IntentRecord> => recordVerdict(resolved, events, intentId, verdict),
    on: <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void) => events.on(name, listener),
    metrics: () => metricsCollector.snapshot(),
    protection: () => protectionSnapshot(resolved.protection, resolved.clock.now()),
    venue: resolved.venue,
    ledger: resolved.ledger,
    close: () => {
      stopBreakerEvents?.();
      return resolved.ledger.close();
    },
  });
}
