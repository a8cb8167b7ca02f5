/**
 * The OpenTelemetry metric instruments of `intentkey/otel`: names, kinds, units (UCUM),
 * attributes and meaning, as data, so docs can be generated or checked from it.
 *
 * Names are stable (`intentkey.*`); attribute values are low-cardinality (operation,
 * venue, outcome kind, cause, status...), never intent ids, keys or business ids.
 */

import { ATTEMPTS_PER_INTENT_BUCKETS, FLUSH_BATCH_RECORDS_BUCKETS, FLUSH_LATENCY_BUCKETS_MS } from '../observability/metrics.js';

export { ATTEMPTS_PER_INTENT_BUCKETS, FLUSH_BATCH_RECORDS_BUCKETS, FLUSH_LATENCY_BUCKETS_MS };

/** Bucket boundaries of request durations (attempts, lookups), in ms. */
export const REQUEST_DURATION_BUCKETS_MS: readonly number[] = Object.freeze([5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000]);
/** Bucket boundaries of a whole intent run, in ms (a run may wait out backoffs and settle delays). */
export const INTENT_DURATION_BUCKETS_MS: readonly number[] = Object.freeze([10, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000]);
/** Bucket boundaries of rate-limit waits (Retry-After, bans, usage pauses), in ms. */
export const RATE_LIMIT_WAIT_BUCKETS_MS: readonly number[] = Object.freeze([100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000]);

/**
 * Bucket boundaries of protection waits (an open circuit breaker, the retry budget's
 * tokens, room in the rate limiter), in ms: from a limiter's few ms to a breaker's
 * minutes.
 */
export const PROTECTION_WAIT_BUCKETS_MS: readonly number[] = Object.freeze([5, 25, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 120_000, 300_000]);

/** Values of `intentkey.breaker.position`: 0 closed, 1 half-open, 2 open. */
export const BREAKER_POSITION_VALUES: Readonly<Record<'closed' | 'halfOpen' | 'open', number>> = Object.freeze({ closed: 0, halfOpen: 1, open: 2 });

/** How an instrument is created: `counter`, `upDownCounter`, `histogram` or `observableGauge`. */
export type InstrumentKind = 'counter' | 'upDownCounter' | 'histogram' | 'observableGauge';

/** One row of {@link INSTRUMENTS}. */
export interface InstrumentSpec {
  /** Stable instrument name. */
  readonly name: string;
  readonly kind: InstrumentKind;
  /** UCUM unit: `ms`, `By`, or a `{annotation}` count. */
  readonly unit: string;
  /** What it counts or measures. */
  readonly description: string;
  /** Attributes its data points carry. */
  readonly attributes: readonly string[];
  /** Explicit bucket boundaries (histograms only), passed as `advice.explicitBucketBoundaries`. */
  readonly buckets?: readonly number[];
  /** The fields of `client.metrics()` (`IntentMetrics`) that count the same signal. */
  readonly mirrors: readonly string[];
}

const INTENT = ['intentkey.operation', 'intentkey.venue'] as const;

/**
 * Every instrument `instrumentIntentClient` creates. The same signals as
 * `client.metrics()` (see `mirrors`), plus request and run durations. Fields of
 * `IntentMetrics` left out are ratios or maxima a backend derives: `conflicts.rate`,
 * `writes.perObject`, `duplicatesPrevented.runs`, `ledger.maxQueueDepth`, `since`, `at`.
 */
export const INSTRUMENTS = [
  {
    name: 'intentkey.intents.started',
    kind: 'counter',
    unit: '{intent}',
    description: 'Intent runs started: one per call of an operation (via call) and one per intent a recovery pass drives (via recovery); resumed when the ledger record existed before.',
    attributes: [...INTENT, 'intentkey.via', 'intentkey.resumed'],
    mirrors: ['intents.started', 'intents.startedByCall', 'intents.startedByRecovery', 'intents.resumed'],
  },
  {
    name: 'intentkey.intents.finished',
    kind: 'counter',
    unit: '{intent}',
    description: 'Intent runs ended, by result: succeeded, failed, ambiguous, exhausted, busy, aborted, conflict, error.',
    attributes: [...INTENT, 'intentkey.result', 'intentkey.via'],
    mirrors: ['intents.finished', 'intents.results'],
  },
  {
    name: 'intentkey.intents.active',
    kind: 'upDownCounter',
    unit: '{intent}',
    description: "Unfinished intents this client drove, by status: pending, inFlight, unknown, parked (the client's own view, not a ledger scan; succeeded and failed intents leave it).",
    attributes: [...INTENT, 'intentkey.status'],
    mirrors: ['statusNow'],
  },
  {
    name: 'intentkey.intent.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Wall time of an intent run on the client clock, waits and lookups included, by result.',
    attributes: [...INTENT, 'intentkey.result'],
    buckets: INTENT_DURATION_BUCKETS_MS,
    mirrors: [],
  },
  {
    name: 'intentkey.attempts_per_intent',
    kind: 'histogram',
    unit: '{request}',
    description: 'Write requests one intent run sent, for runs that sent at least one, by result.',
    attributes: [...INTENT, 'intentkey.result'],
    buckets: ATTEMPTS_PER_INTENT_BUCKETS,
    mirrors: ['intents.attempts'],
  },
  {
    name: 'intentkey.retry.recovered',
    kind: 'counter',
    unit: '{intent}',
    description: 'Runs that succeeded after at least one attempt (in any process life) failed to settle the intent: retries that recovered.',
    attributes: [...INTENT],
    mirrors: ['intents.recovered'],
  },
  {
    name: 'intentkey.parked',
    kind: 'counter',
    unit: '{intent}',
    description: 'Intents parked: attempts and lookups spent with the outcome still unknown.',
    attributes: [...INTENT],
    mirrors: ['intents.parked'],
  },
  {
    name: 'intentkey.idempotency.conflicts',
    kind: 'counter',
    unit: '{call}',
    description: 'Calls refused because their business id was recorded with another payload (IntentConflictError).',
    attributes: [...INTENT],
    mirrors: ['conflicts.count'],
  },
  {
    name: 'intentkey.duplicates.prevented',
    kind: 'counter',
    unit: '{run}',
    description: 'Runs in which a second execution was prevented, by how (intentkey.prevented_by): ledger_replay (answered from the ledger, nothing sent), venue_answer (the venue answered duplicate, key in use or replayed), reconcile_found (a lookup found the first execution). A run may count under more than one; a ledger replay of a record a lookup settled counts as ledger_replay only.',
    attributes: [...INTENT, 'intentkey.prevented_by'],
    mirrors: ['duplicatesPrevented.ledgerReplay', 'duplicatesPrevented.venueAnswer', 'duplicatesPrevented.reconcileFound'],
  },
  {
    name: 'intentkey.writes.sent',
    kind: 'counter',
    unit: '{request}',
    description: 'Write requests sent (first sends and resends; lookups not counted); intentkey.first_send is true for the first send of an intent in any process life.',
    attributes: [...INTENT, 'intentkey.first_send'],
    mirrors: ['writes.sent', 'writes.firstSends'],
  },
  {
    name: 'intentkey.writes.venue_replayed',
    kind: 'counter',
    unit: '{request}',
    description: "Writes the venue answered from its key store (the stored answer to an earlier request with the key, e.g. Stripe's Idempotent-Replayed): each a second execution the venue prevented.",
    attributes: [...INTENT],
    mirrors: ['writes.venueReplayed'],
  },
  {
    name: 'intentkey.business_objects',
    kind: 'counter',
    unit: '{intent}',
    description: 'Distinct intents (business objects) this client sent at least one write for; writes.sent / business_objects is the write amplification (1 is ideal).',
    attributes: [...INTENT],
    mirrors: ['writes.objects'],
  },
  {
    name: 'intentkey.outcomes',
    kind: 'counter',
    unit: '{request}',
    description: 'Attempts classified, by outcome kind (success, retry, rateLimited, resign, unknown, conflict, fatal); conflicts also carry intentkey.outcome.conflict (inProgress, duplicate).',
    attributes: [...INTENT, 'intentkey.outcome.kind', 'intentkey.outcome.conflict'],
    mirrors: ['outcomes'],
  },
  {
    name: 'intentkey.attempt.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'From sending an attempt to its classification, on the client clock, by outcome kind.',
    attributes: [...INTENT, 'intentkey.outcome.kind'],
    buckets: REQUEST_DURATION_BUCKETS_MS,
    mirrors: [],
  },
  {
    name: 'intentkey.retries',
    kind: 'counter',
    unit: '{retry}',
    description:
      "Waits scheduled before a send (mostly a resend), by cause: the outcome kind (retry, rateLimited, resign, unknown, conflict...), venueBan, rateLimitUsage, or protection's circuitOpen, retryBudget, rateLimiter (which may also hold a first send).",
    attributes: [...INTENT, 'intentkey.cause'],
    mirrors: ['retries.total', 'retries.byCause'],
  },
  {
    name: 'intentkey.rate_limit.wait.duration',
    kind: 'histogram',
    unit: 'ms',
    description: "Waits forced by the venue's limits, before a send or a lookup, by cause: rateLimited (429, Retry-After), venueBan, rateLimitUsage (a pause before the limit is hit).",
    attributes: [...INTENT, 'intentkey.cause'],
    buckets: RATE_LIMIT_WAIT_BUCKETS_MS,
    mirrors: ['rateLimits.rateLimited', 'rateLimits.venueBan', 'rateLimits.rateLimitUsage'],
  },
  {
    name: 'intentkey.protection.held',
    kind: 'counter',
    unit: '{request}',
    description:
      'Requests the client\'s protection held back, by cause (circuitOpen: the breaker is open; retryBudget: the budget cannot pay for a resend or lookup; rateLimiter: a limit is full) and by what the run did (intentkey.protection.action: wait, stop, park); intentkey.protection.before is send or lookup, intentkey.limit.id the full limit (rateLimiter only). A request held again after its wait counts again.',
    attributes: [...INTENT, 'intentkey.cause', 'intentkey.protection.action', 'intentkey.protection.before', 'intentkey.limit.id'],
    mirrors: ['protection.held', 'protection.heldByLimit', 'protection.budgetRefusals'],
  },
  {
    name: 'intentkey.protection.wait.duration',
    kind: 'histogram',
    unit: 'ms',
    description:
      'Waits the client\'s protection scheduled, before a send or a lookup, by cause: circuitOpen (for the breaker to let requests through; a probe\'s answer may end it early), retryBudget (for tokens), rateLimiter (for room in a limit). Its sum is the time scheduled to wait for each.',
    attributes: [...INTENT, 'intentkey.cause'],
    buckets: PROTECTION_WAIT_BUCKETS_MS,
    mirrors: ['protection.waits'],
  },
  {
    name: 'intentkey.breaker.transitions',
    kind: 'counter',
    unit: '{transition}',
    description:
      'Circuit breaker changes of position, by the position moved to (intentkey.breaker.to: open, halfOpen, closed) and from (intentkey.breaker.from); intentkey.operation only for a per-operation breaker. A breaker shared between clients is counted by each.',
    attributes: ['intentkey.venue', 'intentkey.operation', 'intentkey.breaker.from', 'intentkey.breaker.to'],
    mirrors: ['protection.breakerTransitions'],
  },
  {
    name: 'intentkey.breaker.position',
    kind: 'observableGauge',
    unit: '{position}',
    description:
      'Position of each circuit breaker at collection, read from client.protection(): 0 closed, 1 halfOpen (an open breaker whose open time has passed counts as half-open), 2 open; intentkey.operation only for a per-operation breaker. Absent without a breaker.',
    attributes: ['intentkey.venue', 'intentkey.operation'],
    mirrors: ['protection.breakers'],
  },
  {
    name: 'intentkey.retry_budget.balance',
    kind: 'observableGauge',
    unit: '{token}',
    description:
      'Tokens in the retry budget at collection, read from client.protection() (a resend or a lookup costs one by default; the capacity is the most it holds). Absent without a retry budget.',
    attributes: ['intentkey.venue'],
    mirrors: [],
  },
  {
    name: 'intentkey.lookups',
    kind: 'counter',
    unit: '{request}',
    description: "Reconcile lookup requests sent, by kind (intentkey.lookup.via): lookup (the profile's), scan (a scan page), operation (the operation's own).",
    attributes: [...INTENT, 'intentkey.lookup.via'],
    mirrors: ['lookups.started', 'lookups.byVia'],
  },
  {
    name: 'intentkey.lookup.verdicts',
    kind: 'counter',
    unit: '{request}',
    description: 'Lookup answers read, by verdict: found, failed (found, and failed at the venue), notFound, inconclusive.',
    attributes: [...INTENT, 'intentkey.lookup.verdict'],
    mirrors: ['lookups.byVerdict'],
  },
  {
    name: 'intentkey.lookup.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'From sending a lookup request to its verdict, on the client clock, by verdict.',
    attributes: [...INTENT, 'intentkey.lookup.verdict'],
    buckets: REQUEST_DURATION_BUCKETS_MS,
    mirrors: [],
  },
  {
    name: 'intentkey.reconcile.decisions',
    kind: 'counter',
    unit: '{decision}',
    description: 'Decisions taken after a lookup verdict, by action: settled, resend, wait, giveUp.',
    attributes: [...INTENT, 'intentkey.reconcile.action'],
    mirrors: ['lookups.decisions'],
  },
  {
    name: 'intentkey.key.expired',
    kind: 'counter',
    unit: '{intent}',
    description: "Venue key windows that had passed: a pending intent failed unsent (beforeSend), or an unknown outcome looked up instead of resent (resend).",
    attributes: [...INTENT, 'intentkey.key_expired.when'],
    mirrors: ['keysExpired'],
  },
  {
    name: 'intentkey.recovery.passes',
    kind: 'counter',
    unit: '{pass}',
    description: 'Recovery passes started.',
    attributes: [],
    mirrors: ['recoveryPasses'],
  },
  {
    name: 'intentkey.ledger.flush.duration',
    kind: 'histogram',
    unit: 'ms',
    description: 'Ledger group commits, from the first queued write to the flush completing (fsync included); its count is the number of flushes.',
    attributes: [],
    buckets: FLUSH_LATENCY_BUCKETS_MS,
    mirrors: ['ledger.flushLatencyMs', 'ledger.flushes'],
  },
  {
    name: 'intentkey.ledger.flush.records',
    kind: 'histogram',
    unit: '{record}',
    description: 'Records written by one ledger group commit; its sum is the records written.',
    attributes: [],
    buckets: FLUSH_BATCH_RECORDS_BUCKETS,
    mirrors: ['ledger.flushRecords', 'ledger.records'],
  },
  {
    name: 'intentkey.ledger.flush.bytes',
    kind: 'counter',
    unit: 'By',
    description: 'Bytes written by ledger group commits.',
    attributes: [],
    mirrors: ['ledger.bytes'],
  },
  {
    name: 'intentkey.ledger.queue.depth',
    kind: 'observableGauge',
    unit: '{write}',
    description: 'Ledger writes still waiting when the last group commit completed.',
    attributes: [],
    mirrors: ['ledger.queueDepth'],
  },
  {
    name: 'intentkey.ledger.compactions',
    kind: 'counter',
    unit: '{compaction}',
    description: 'Ledger compactions (snapshot and a new log generation).',
    attributes: [],
    mirrors: ['ledger.compactions'],
  },
  {
    name: 'intentkey.ledger.compaction.dropped_intents',
    kind: 'counter',
    unit: '{intent}',
    description: 'Finished intents dropped past retention by compactions.',
    attributes: [],
    mirrors: ['ledger.compactedIntentsDropped'],
  },
  {
    name: 'intentkey.ledger.torn_tails_repaired',
    kind: 'counter',
    unit: '{repair}',
    description: 'Torn ledger tails (a write cut by a crash) cut off and kept aside at open.',
    attributes: [],
    mirrors: ['ledger.tornTailsRepaired'],
  },
  {
    name: 'intentkey.ledger.lock_takeovers',
    kind: 'counter',
    unit: '{takeover}',
    description: 'Stale ledger lock files taken over at open (a writer that died without releasing it).',
    attributes: [],
    mirrors: ['ledger.lockTakeovers'],
  },
] as const satisfies readonly InstrumentSpec[];

/** The name of an instrument of {@link INSTRUMENTS}. */
export type InstrumentName = (typeof INSTRUMENTS)[number]['name'];

/** {@link INSTRUMENTS} as a Markdown table (name, kind, unit, attributes, meaning, `client.metrics()` fields). */
export function instrumentsMarkdown(): string {
  const code = (values: readonly string[]): string => (values.length > 0 ? values.map((v) => `\`${v}\``).join(', ') : '–');
  const rows = INSTRUMENTS.map((spec: InstrumentSpec) => {
    const buckets = spec.buckets === undefined ? '' : ` Buckets: ${spec.buckets.join(', ')}.`;
    return `| \`${spec.name}\` | ${spec.kind} | \`${spec.unit}\` | ${code(spec.attributes)} | ${spec.description}${buckets} | ${code(spec.mirrors)} |`;
  });
  return ['| Instrument | Kind | Unit | Attributes | Meaning | `client.metrics()` |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}
