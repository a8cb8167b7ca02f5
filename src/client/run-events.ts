import { IntentBusyError, IntentConflictError, RetriesExhaustedError, isAmbiguousOutcomeError, isIntentError, isVenueRejectedError } from '../errors/index.js';
import type { Clock } from '../internal/clock.js';
import type { IntentRecord, IntentStatus } from '../ledger/intent.js';
import { TERMINAL_STATUSES } from '../ledger/intent.js';
import type { IntentEvents } from './events.js';
import type { IntentRun } from './runner.js';
import type { IntentFinishedEvent, IntentResult } from './types.js';

/** Called with the `IntentRun` a run creates, so its trace can be read when it ends. */
export type OnRun = (run: IntentRun) => void;

/** For runs nobody observes. */
export const noRun: OnRun = () => undefined;

/**
 * Drives one intent run (`go`) between an `intentStarted` and an `intentFinished`
 * event, which carry what metrics, traces and logs need about the whole run. `record`
 * is the intent as it was when the run began. Every failure of `go`, thrown or
 * rejected, comes back as a rejection, after its `intentFinished`.
 */
export function observeRun(
  events: IntentEvents,
  clock: Clock,
  via: 'call' | 'recovery',
  record: IntentRecord,
  resumed: boolean,
  go: (onRun: OnRun) => Promise<IntentResult<unknown>>,
): Promise<IntentResult<unknown>> {
  events.counters?.started(record.id, via, resumed, record.status);
  if (!events.has('intentStarted') && !events.has('intentFinished')) return started(go, noRun);
  const startedAt = clock.now();
  // Plain object literals with fixed fields (no spreads). `intentStarted` is built only
  // for a listener; `intentFinished` on every run, which the metrics collector reads.
  if (events.has('intentStarted')) events.emit('intentStarted', {
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
  // `.then` rather than an async function and its awaits: a call's happy path runs here,
  // and each layer of promises costs it.
  return started(go, (r) => (run = r)).then(
    (result) => {
      events.emit('intentFinished', finishedEvent(via, record, run, 'succeeded', 'succeeded', result.reconciled, clock.now() - startedAt, undefined));
      return result;
    },
    (error: unknown) => {
      events.emit('intentFinished', finishedEvent(via, record, run, runResultOf(error), run?.status ?? record.status, false, clock.now() - startedAt, error));
      throw error;
    },
  );
}

/** `go(onRun)`, with a synchronous throw turned into a rejection. */
function started(go: (onRun: OnRun) => Promise<IntentResult<unknown>>, onRun: OnRun): Promise<IntentResult<unknown>> {
  try {
    return go(onRun);
  } catch (error) {
    return Promise.reject(error);
  }
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
