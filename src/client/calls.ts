import { ConfigurationError, IntentConflictError } from '../errors/index.js';
import type { IntentRecord } from '../ledger/intent.js';
import type { DraftBuilder } from './draft-builder.js';
import type { JoinMap } from './joins.js';
import type { LeasedRuns } from './leased-run.js';
import type { RegisteredOperation } from './operation-registry.js';
import { observeRun } from './run-events.js';
import { IntentRun, resultFromRecord, type RunnerEnvironment } from './runner.js';
import type { CallOptions, IntentResult } from './types.js';
import { extend } from '../internal/extend.js';

/** What the call path is wired to. */
export interface CallsParts {
  readonly env: RunnerEnvironment;
  readonly drafts: DraftBuilder;
  readonly joins: JoinMap;
  readonly leases: LeasedRuns;
  /** Called before each call's work (the client's one-time warnings). */
  readonly beforeWork: () => void;
}

/**
 * One call of an operation: joins the run of the same intent when one is under way in
 * this process; otherwise creates the intent (with its first attempt already in flight
 * when it is sent at once) or finds it in the ledger, and runs it under this worker's lease.
 */
export class Calls {
  readonly #parts: CallsParts;

  constructor(parts: CallsParts) {
    this.#parts = parts;
  }

  /** Runs one call; `call` is already checked. Every failure comes as a rejection. */
  async start(op: RegisteredOperation, input: unknown, call: CallOptions): Promise<IntentResult<unknown>> {
    const { drafts, joins, beforeWork } = this.#parts;
    beforeWork();
    const fingerprint = drafts.fingerprintFor(op, input);
    const id = drafts.intentIdFor(op, call);
    const existing = joins.get(id);
    // The same business action is already running in this process: join it.
    if (existing) {
      if (existing.fingerprint !== fingerprint) return this.#joinConflict(op, id, call, existing.fingerprint, fingerprint);
      return existing.promise;
    }
    const draft = drafts.build(op, id, input, fingerprint, call);
    return joins.track(id, fingerprint, this.#createAndRun(op, draft, fingerprint, call));
  }

  /** A call whose input differs from the run of the same intent under way in this process. */
  async #joinConflict(op: RegisteredOperation, id: string, call: CallOptions, storedFingerprint: string, fingerprint: string): Promise<never> {
    const stored = await this.#parts.env.options.ledger.get(id);
    this.#emitConflict(op, id, call.businessId ?? stored?.businessId, stored?.key, storedFingerprint, fingerprint, call.scope);
    throw new IntentConflictError({ intentId: id, key: stored?.key ?? '', storedFingerprint, fingerprint });
  }

  async #createAndRun(op: RegisteredOperation, draft: ReturnType<DraftBuilder['build']>, fingerprint: string, call: CallOptions): Promise<IntentResult<unknown>> {
    const { env, leases } = this.#parts;
    const { options, events } = env;
    const id = draft.id;
    const now = draft.createdAt;
    // The run is built on the draft first: when its first step is a send, that attempt
    // is prepared now and recorded by the create itself (claimed, in flight), so the
    // happy path costs two ledger writes: this one and the outcome.
    const asPending: IntentRecord = extend(draft, { status: 'pending', attempt: 0, epoch: 0, updatedAt: now } as const);
    const fresh = new IntentRun(env, op, asPending, call.signal);
    const maybeFirst = fresh.prepareFirstSend();
    const first = maybeFirst instanceof Promise ? await maybeFirst : maybeFirst;
    let existing: IntentRecord | undefined;
    if (first !== undefined && 'refused' in first) {
      // An open breaker fails a *new* action fast, writing nothing. The business id may
      // name an intent already in the ledger (a replay, a pending or unknown intent): that
      // one takes the ordinary path, whose run answers for it (and asks the breaker again).
      existing = await options.ledger.get(id);
      if (existing === undefined) throw first.refused;
    }
    const inFlight = first !== undefined && 'inFlight' in first ? first.inFlight : undefined;
    // Durable for a durable store: from here a crash cannot lose the intent or its key,
    // and with `inFlight` the first attempt is recorded as started before any byte is sent
    // (docs/durability.md#d1-the-attempt-is-durable-before-the-first-byte-is-sent).
    // The in-flight record's time is taken last, right before its write: the dispatch
    // fence lets the request leave only within attemptTimeoutMs of it.
    let stored: Awaited<ReturnType<typeof options.ledger.create>>;
    try {
      stored =
        existing !== undefined
          ? { created: false, record: existing }
          : inFlight === undefined
            ? await options.ledger.create(draft, now)
            : await options.ledger.create(draft, options.clock.now(), { owner: options.workerId, leaseMs: options.leaseMs, outcome: inFlight });
    } catch (error) {
      fresh.abandonPrepared();
      throw error;
    }
    const { created, record } = stored;
    if (created && inFlight !== undefined && fresh.adoptCreated(record)) {
      // Reported as a new intent: it starts pending, whatever the create stored with it.
      return observeRun(events, options.clock, 'call', asPending, false, (onRun) => leases.runHeld(fresh, record.id, onRun));
    }
    if (!created) {
      if (record.fingerprint !== fingerprint) {
        this.#emitConflict(op, id, record.businessId, record.key, record.fingerprint, fingerprint, record.scope);
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
    return observeRun(events, options.clock, 'call', record, !created, async (onRun) => {
      if (record.status === 'succeeded') return resultFromRecord(record, { replayed: true, reconciled: false });
      return leases.claimAndRun(op, record, call.signal, undefined, onRun);
    });
  }

  #emitConflict(op: RegisteredOperation, intentId: string, businessId: string | undefined, key: string | undefined, storedFingerprint: string, fingerprint: string, scope: string | undefined): void {
    const { options, events } = this.#parts.env;
    if (!events.has('idempotencyConflict')) return;
    events.emit('idempotencyConflict', {
      intentId,
      operation: op.name,
      scope: scope ?? options.scope,
      venue: options.venue.name,
      businessId,
      ...(key === undefined ? {} : { key }),
      storedFingerprint,
      fingerprint,
    });
  }
}
