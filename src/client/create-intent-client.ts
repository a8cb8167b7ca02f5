import type { AxiosInstance } from 'axios';
import { fingerprintOf } from '../internal/canonical-json.js';
import {
  ConfigurationError,
  IntentBusyError,
  IntentConflictError,
  isAmbiguousOutcomeError,
  isIntentError,
  isVenueRejectedError,
} from '../errors/index.js';
import { createKeyDeriver } from '../keys/derive.js';
import { assertVenueKey, createKeyGenerator, encodeVenueKey } from '../keys/index.js';
import type { IntentDraft, IntentRecord } from '../ledger/intent.js';
import { TERMINAL_STATUSES } from '../ledger/intent.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import type { VenueProfile } from '../venues/profile.js';
import { IntentEvents } from './events.js';
import { describe, resolveClientOptions, type ResolvedClientOptions } from './options.js';
import { IntentRun, resultFromRecord, type RegisteredOperation, type RunnerEnvironment } from './runner.js';
import type {
  CallOptions,
  IntentClientOptions,
  IntentEventMap,
  IntentResult,
  Operation,
  KeyStrategyOption,
  OperationDefinition,
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
   * Resumes every unfinished intent in the ledger whose operation is registered:
   * pending ones are sent with their stored key, in-flight and unknown ones are
   * reconciled before any resend. Never throws for a single intent; reports it.
   */
  recover(options?: {
    /** Cancels waits; the intents stay in the ledger for the next recovery. */
    signal?: AbortSignal;
    /** Intents resumed at the same time. @default 8 */
    concurrency?: number;
  }): Promise<RecoveryReport>;
  /**
   * Builds the intent that calling `operation(input, call)` would create (same id, key,
   * venue key and fingerprint), without writing or sending anything. Write it with your
   * ledger inside your own database transaction, next to your business row (the outbox
   * pattern): it commits or rolls back with that row, and a later call with the same
   * business id, or `recover()` on any worker, carries it out exactly once.
   *
   * @example
   * const draft = client.prepare(payout, { amount: 500 }, { businessId: `payout:${id}` });
   * await new PostgresLedger({ pool: tx, table, reapEveryMs: 0 }).create(draft, draft.createdAt); // inside BEGIN … COMMIT
   *
   * @throws ConfigurationError for an unregistered operation or bad call options;
   *   KeyFormatError when the key cannot fit the venue's format.
   */
  prepare<I>(operation: Operation<I, unknown> | string, input: I, call?: CallOptions): IntentDraft;
  /** Reads an intent from the ledger by id. */
  inspect(intentId: string): Promise<IntentRecord | undefined>;
  /** Subscribes to an event; returns an unsubscribe function. */
  on<K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void): () => void;
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
    throw new ConfigurationError({ path: 'http', expected: 'an axios instance (axios.create())', received: describe(http) });
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
      received: JSON.stringify(resolved.keyStrategy),
      cause: error,
    });
  }

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
        throw new IntentConflictError({ intentId: id, key: stored?.key ?? '', storedFingerprint: existing.fingerprint, fingerprint });
      }
      return existing.promise;
    }

    const draft = buildDraft(op, id, input, fingerprint, call);
    const now = draft.createdAt;

    const promise = (async (): Promise<IntentResult<unknown>> => {
      // Durable for a durable store: from here a crash cannot lose the intent or its key.
      const { created, record } = await resolved.ledger.create(draft, now);
      if (!created) {
        if (record.fingerprint !== fingerprint) {
          throw new IntentConflictError({ intentId: id, key: record.key, storedFingerprint: record.fingerprint, fingerprint });
        }
        if (call.key !== undefined && call.key !== record.key) {
          throw new ConfigurationError({
            path: 'call.key',
            expected: `the key intent ${id} was created with (one business action, one key)`,
            received: 'a different key',
          });
        }
        if (record.status === 'succeeded') return resultFromRecord(record, { replayed: true, reconciled: false });
      }
      return runClaimed(op, record, call.signal);
    })();
    running.set(id, { fingerprint, promise });
    try {
      return await promise;
    } finally {
      running.delete(id);
    }
  }

  async function runClaimed(op: RegisteredOperation, record: IntentRecord, signal: AbortSignal | undefined): Promise<IntentResult<unknown>> {
    if (TERMINAL_STATUSES.has(record.status)) return new IntentRun(env, op, record, signal).run();
    const claim = await resolved.ledger.claim(record.id, { owner: resolved.workerId, leaseMs: resolved.leaseMs, now: resolved.clock.now() });
    if (!claim.claimed) {
      if (TERMINAL_STATUSES.has(claim.record.status)) return new IntentRun(env, op, claim.record, signal).run();
      throw new IntentBusyError({ intentId: record.id, leaseUntil: claim.record.leaseUntil ?? 0 });
    }
    const run = new IntentRun(env, op, claim.record, signal);
    try {
      return await run.run();
    } finally {
      // Best effort: an unreleased lease simply expires after leaseMs.
      await resolved.ledger.release(record.id, resolved.workerId, claim.record.epoch).catch(() => undefined);
    }
  }

  function operation<I, R = unknown>(name: string, definition: OperationDefinition<I, R>): Operation<I, R> {
    if (typeof name !== 'string' || !OPERATION_NAME.test(name)) {
      throw new ConfigurationError({
        path: 'operation.name',
        expected: `a name matching ${OPERATION_NAME.source}`,
        received: describe(name),
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
    // Without a request builder of its own the operation uses the profile's lookup by key.
    const profileLookup = resolved.venue.reconcile.lookup;
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
    if (!reconcile && resolved.venue.dedupe.kind !== 'keyStore') {
      events.emit('warning', {
        code: 'UNRESOLVABLE_UNKNOWN',
        message: `Operation ${name} has no reconcile lookup and ${resolved.venue.name} keeps no key store: an unknown outcome will need a person.`,
      });
    }
    const run = (input: I, call: CallOptions = {}): Promise<IntentResult<R>> => {
      checkCallOptions(call);
      return start(registered, input, call) as Promise<IntentResult<R>>;
    };
    return Object.assign(run, { operationName: name });
  }

  async function recover(recoverOptions: { signal?: AbortSignal; concurrency?: number } = {}): Promise<RecoveryReport> {
    warnOnce();
    const concurrency = recoverOptions.concurrency ?? 8;
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
      throw new ConfigurationError({ path: 'recover(options).concurrency', expected: 'an integer from 1 to 256', received: describe(concurrency) });
    }
    const report = { resumed: 0, succeeded: 0, reconciledFound: 0, resent: 0, failed: 0, needsAttention: [] as Array<{ intentId: string; operation: string; reason: string }> };
    const queue = await resolved.ledger.listResumable();

    const resumeOne = async (record: IntentRecord): Promise<void> => {
      const op = operations.get(record.operation);
      if (!op) {
        report.needsAttention.push({ intentId: record.id, operation: record.operation, reason: 'operation not registered in this process' });
        return;
      }
      if (running.has(record.id)) return;
      report.resumed++;
      try {
        const claim = await resolved.ledger.claim(record.id, { owner: resolved.workerId, leaseMs: resolved.leaseMs, now: resolved.clock.now() });
        if (!claim.claimed) {
          report.needsAttention.push({ intentId: record.id, operation: record.operation, reason: 'held by another worker' });
          return;
        }
        const run = new IntentRun(env, op, claim.record, recoverOptions.signal);
        const promise = run.run();
        running.set(record.id, { fingerprint: record.fingerprint, promise });
        try {
          await promise;
          report.succeeded++;
        } finally {
          running.delete(record.id);
          await resolved.ledger.release(record.id, resolved.workerId, claim.record.epoch).catch(() => undefined);
          if (run.trace.reconciledFound) report.reconciledFound++;
          if (run.trace.resent) report.resent++;
        }
      } catch (error) {
        if (recoverOptions.signal?.aborted) throw recoverOptions.signal.reason;
        if (isVenueRejectedError(error)) report.failed++;
        else {
          const reason = isAmbiguousOutcomeError(error)
            ? `outcome unknown: ${error.reason}`
            : isIntentError(error)
              ? `${error.code}: ${error.message}`
              : 'unexpected error while resuming';
          report.needsAttention.push({ intentId: record.id, operation: record.operation, reason });
        }
      }
    };

    // Intents are independent: resume several at once so one waiting out a settle
    // delay does not hold up the rest. Oldest first.
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(concurrency, queue.length) }, async () => {
        while (next < queue.length) await resumeOne(queue[next++] as IntentRecord);
      }),
    );
    report.needsAttention.sort((a, b) => (a.intentId < b.intentId ? -1 : a.intentId > b.intentId ? 1 : 0));
    return report;
  }

  function prepare(operation: string | { readonly operationName: string }, input: unknown, call: CallOptions = {}): IntentDraft {
    checkCallOptions(call);
    const name = typeof operation === 'string' ? operation : (operation as { operationName?: unknown } | null)?.operationName;
    const op = typeof name === 'string' ? operations.get(name) : undefined;
    if (op === undefined) {
      throw new ConfigurationError({ path: 'prepare.operation', expected: 'a registered operation (its name or the function operation() returned)', received: describe(operation) });
    }
    return buildDraft(op, intentIdFor(op, call), input, fingerprintFor(op, input), call);
  }

  return Object.freeze({
    operation,
    prepare,
    recover,
    inspect: (intentId: string) => resolved.ledger.get(intentId),
    on: <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void) => events.on(name, listener),
    venue: resolved.venue,
    ledger: resolved.ledger,
    close: () => resolved.ledger.close(),
  });
}

/**
 * Dedupe window for a key-store venue, minus a safety margin: past it the venue may
 * have pruned the key, so a resend could execute twice (reliability.md F20).
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
      received: describe(input),
      cause,
    });
  }
}

function checkDefinition(name: string, definition: OperationDefinition<unknown, unknown>): void {
  const fail = (field: string, expected: string, value: unknown): never => {
    throw new ConfigurationError({ path: `operations.${name}.${field}`, expected, received: describe(value) });
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
    throw new ConfigurationError({ path: `call.${field}`, expected, received: describe(value) });
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
