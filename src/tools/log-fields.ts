/**
 * The log-field checklist behind `intentkey log-fields`: for each kind of idempotency
 * incident, the structured fields to keep so that it can be investigated afterwards,
 * why each one matters for that incident, and whether intentkey's own log lines
 * (`attachLogger`, the `logger` client option) or its events (`client.on`) already
 * carry it. Pure data and pure renderers (Markdown, JSON Schema draft 2020-12).
 *
 * The "carried" claims are checked by test/unit/tools-log-fields.test.ts against the
 * lines a real client writes through its `logger` option and the events it emits.
 */

/** The incident kinds a checklist is built for. */
export const INCIDENTS = ['duplicate-order', 'ambiguous-timeout', 'key-conflict', 'rate-limit-ban', 'crash-recovery', 'expired-key'] as const;

/** One of {@link INCIDENTS}. */
export type Incident = (typeof INCIDENTS)[number];

/** One line on what each incident is, for help texts and headings. */
export const INCIDENT_TITLES: Readonly<Record<Incident, string>> = Object.freeze({
  'duplicate-order': 'one business action executed twice at the venue',
  'ambiguous-timeout': 'a timeout or dropped connection left the outcome unknown',
  'key-conflict': 'one key or business id came back with another payload',
  'rate-limit-ban': 'rate limits, bans and usage pauses',
  'crash-recovery': 'a process died mid-flight and a restart finished its intents',
  'expired-key': "the venue's key window passed before the intent settled",
});

/** JSON type of a field's value. */
export type LogFieldType = 'string' | 'integer' | 'number' | 'boolean';

/** Where intentkey already carries a field. */
export interface Carried {
  /** Events (the `event` field) whose log line carries the field, as `attachLogger` writes it. */
  readonly log: readonly string[];
  /** Event payloads that carry it, as `eventName.path` (`attemptStarted.venueKey`). */
  readonly events: readonly string[];
}

/** One field of the checklist. */
export interface LogField {
  /** Field name in a structured log line. */
  readonly name: string;
  readonly type: LogFieldType;
  /** A realistic value. */
  readonly example: string | number | boolean;
  /** What the field holds (units for numbers). */
  readonly description: string;
  /** Why the field is needed, per incident that needs it. */
  readonly why: Readonly<Partial<Record<Incident, string>>>;
  /** Where intentkey carries it; empty lists: your code (or your logger) must add it. */
  readonly carried: Carried;
  /** Who adds it when intentkey does not. */
  readonly addedBy?: string;
}

const PER_INTENT_LINES = ['intentStarted', 'attemptStarted', 'outcome', 'retryScheduled', 'lookupStarted', 'lookupFinished', 'reconcile', 'intentParked', 'keyExpired', 'intentFinished'] as const;

/**
 * Every field the checklists use. A field appears in the checklist of each incident
 * its `why` names. Order: the fields to search by first, then what happened, then
 * timing, then what only your code knows.
 */
export const LOG_FIELD_CATALOGUE: readonly LogField[] = Object.freeze([
  {
    name: 'time',
    type: 'integer',
    example: 1767614401250,
    description: 'When the line was written, epoch ms (as pino writes it).',
    why: {
      'duplicate-order': 'orders the two executions against your sends and the venue fill times',
      'ambiguous-timeout': 'measures the gap between the send and the lookup against the settle delay',
      'key-conflict': 'shows which payload came first',
      'rate-limit-ban': 'places each refusal inside the venue window that counted it',
      'crash-recovery': 'shows what was in flight when the process died',
      'expired-key': "compares the intent's age with the venue's key retention",
    },
    carried: { log: [], events: [] },
    addedBy: 'your logger (pino adds `time` to every line)',
  },
  {
    name: 'event',
    type: 'string',
    example: 'outcome',
    description: 'Which client decision the line is about (the `client.on` event name).',
    why: {
      'duplicate-order': 'filters the story of one intent down to sends, outcomes and reconciles',
      'ambiguous-timeout': 'separates the unknown outcome from the lookup that settled it',
      'key-conflict': 'finds `idempotencyConflict` lines',
      'rate-limit-ban': 'finds `retryScheduled` and `rateLimitUsage` lines',
      'crash-recovery': 'finds `recoveryStarted`/`recoveryFinished` and the resumed intents',
      'expired-key': 'finds `keyExpired` lines',
    },
    carried: { log: ['intentStarted', 'attemptStarted', 'outcome', 'retryScheduled', 'lookupStarted', 'lookupFinished', 'reconcile', 'intentParked', 'keyExpired', 'idempotencyConflict', 'intentFinished', 'rateLimitUsage', 'recoveryStarted', 'recoveryFinished'], events: [] },
  },
  {
    name: 'intentId',
    type: 'string',
    example: '786BFDJJ41C44Z08RC1DBF3BZ0',
    description: 'Ledger id of the intent (derived from scope, operation and business id, or random).',
    why: {
      'duplicate-order': 'joins every line of the action to its ledger record (`intentkey ledger show`)',
      'ambiguous-timeout': 'joins the unknown outcome to the ledger record that says how it settled',
      'key-conflict': 'names the stored intent the second payload collided with',
      'crash-recovery': 'joins the lines written before the crash with the ones after the restart',
      'expired-key': 'joins the expiry to the ledger record and its creation time',
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['intentStarted.intentId', 'outcome.intentId'] },
  },
  {
    name: 'key',
    type: 'string',
    example: '01M970DEFPR8S830S9FRNWYDST',
    description: 'The intent key: the same for every attempt of the action, across restarts.',
    why: {
      'duplicate-order': 'two executions under one key point at the venue; under two keys, at the caller',
      'ambiguous-timeout': 'the same key on the resend proves the resend could not create a second order where the venue deduplicates',
      'key-conflict': 'shows whether the collision was on the key or on the business id',
      'crash-recovery': 'proves the restarted process kept the key of the first send',
      'expired-key': "the key whose window passed; search the venue's dashboard with its venue form",
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['attemptStarted.key'] },
  },
  {
    name: 'venueKey',
    type: 'string',
    example: '0f8f6b3a-9d2c-4e1b-8a57-3c1d2e4f5a6b',
    description: 'The key as the venue received it (after the profile encoding: UUID, hash, prefix).',
    why: {
      'duplicate-order': "what the venue's order list and support search by (`clientOrderId`, `Idempotency-Key`)",
      'ambiguous-timeout': 'the value a manual lookup at the venue needs',
      'expired-key': "the value to search for in the venue's key store or dashboard",
    },
    carried: { log: [], events: ['attemptStarted.venueKey'] },
    addedBy: 'a `client.on.attemptStarted` handler (intentkey logs the intent key, not its venue form)',
  },
  {
    name: 'businessId',
    type: 'string',
    example: 'bot-7:signal-1182',
    description: 'Your id for the business action (signal id, invoice id).',
    why: {
      'duplicate-order': 'two intents for one business id mean the caller created two actions',
      'key-conflict': 'the id that came back with another payload',
      'crash-recovery': 'ties a resumed intent back to the signal or invoice that started it',
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['intentStarted.businessId'] },
  },
  {
    name: 'operation',
    type: 'string',
    example: 'order.create',
    description: 'The registered operation name.',
    why: {
      'duplicate-order': 'tells a double create from a create followed by an amend',
      'key-conflict': 'intent ids are per operation: the same business id on two operations is no conflict',
      'crash-recovery': 'recovery needs the operation registered to resume an intent',
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['outcome.operation'] },
  },
  {
    name: 'scope',
    type: 'string',
    example: 'account-42',
    description: 'Actor or account the intent belongs to.',
    why: {
      'duplicate-order': 'two scopes for one account split the dedupe: the same action is two intents',
      'key-conflict': 'intent ids are per scope',
      'rate-limit-ban': 'limits are per account or IP: shows which account hit them',
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['outcome.scope'] },
  },
  {
    name: 'venue',
    type: 'string',
    example: 'binance-spot',
    description: 'Venue profile name; its rules decided every outcome (`intentkey explain VENUE CODE`).',
    why: {
      'duplicate-order': "the profile's dedupe kind says whether a resend could execute again",
      'ambiguous-timeout': 'the profile says whether "not found" is trusted and after how long',
      'rate-limit-ban': 'bans are per venue',
      'expired-key': "the profile's key retention decides when the window passed",
    },
    carried: { log: [...PER_INTENT_LINES, 'idempotencyConflict'], events: ['outcome.venue'] },
  },
  {
    name: 'attempt',
    type: 'integer',
    example: 2,
    description: 'Attempt number, 1 for the first send, counted across restarts.',
    why: {
      'duplicate-order': 'an execution per attempt points at a venue that did not deduplicate',
      'ambiguous-timeout': 'which attempt timed out, and whether a later one was sent before the lookup',
      'rate-limit-ban': 'how many sends the limit cost',
      'crash-recovery': 'an attempt number that carries on after the restart proves the ledger was read',
      'expired-key': 'the attempt at which the window was found passed',
    },
    carried: { log: ['attemptStarted', 'outcome', 'retryScheduled', 'lookupStarted', 'lookupFinished', 'reconcile', 'intentParked', 'keyExpired'], events: ['attemptStarted.attempt'] },
  },
  {
    name: 'correlationId',
    type: 'string',
    example: 'ik-9cv4w6m2pr9pnds3wx1k',
    description: 'Id of one HTTP request (a send or a lookup); sent to the venue with the `correlationHeader` option.',
    why: {
      'duplicate-order': "finds the exact request in your HTTP logs and, with `correlationHeader`, in the venue's",
      'ambiguous-timeout': 'names the request whose answer was lost',
      'crash-recovery': 'the id of the attempt found in flight is kept in the ledger across the crash',
    },
    carried: { log: ['attemptStarted', 'outcome', 'lookupStarted', 'lookupFinished'], events: ['attemptStarted.correlationId', 'lookupStarted.correlationId'] },
  },
  {
    name: 'method',
    type: 'string',
    example: 'POST',
    description: 'HTTP method of the request.',
    why: { 'duplicate-order': 'tells a write from a lookup in mixed request logs' },
    carried: { log: ['attemptStarted', 'lookupStarted'], events: ['attemptStarted.request.method'] },
  },
  {
    name: 'url',
    type: 'string',
    example: 'https://api.binance.com/api/v3/order',
    description: 'Request URL without query string, fragment or user info.',
    why: { 'duplicate-order': 'which endpoint executed (order, cancel-replace, batch)', 'rate-limit-ban': 'limits are often per endpoint' },
    carried: { log: ['attemptStarted', 'lookupStarted'], events: ['attemptStarted.request.url'] },
  },
  {
    name: 'outcome',
    type: 'string',
    example: 'unknown',
    description: 'Classification of an answer: success, retry, rateLimited, resign, unknown, conflict, fatal.',
    why: {
      'duplicate-order': 'an `unknown` followed by a resend is where a second execution can come from',
      'ambiguous-timeout': 'the `unknown` that started the incident',
      'rate-limit-ban': '`rateLimited` answers, proof nothing executed',
      'key-conflict': 'a `conflict` or `fatal` from the venue for a reused key',
    },
    carried: { log: ['outcome'], events: ['outcome.outcome.kind'] },
  },
  {
    name: 'reason',
    type: 'string',
    example: 'binance-spot -2010 Duplicate order sent.',
    description: "Short text: `HTTP 503`, a transport error, or the venue's code and message (scrubbed, 200 characters).",
    why: {
      'duplicate-order': "the venue's own words on the duplicate",
      'ambiguous-timeout': 'which transport error (written or not written) made it unknown',
      'key-conflict': "the venue's message for a key reused with other parameters",
      'rate-limit-ban': 'the ban text (some venues put the end of the ban in it)',
      'crash-recovery': 'why a resumed intent was parked or left for a person',
    },
    carried: { log: ['outcome', 'lookupFinished', 'intentParked', 'intentFinished'], events: ['outcome.outcome.reason'] },
  },
  {
    name: 'httpStatus',
    type: 'integer',
    example: 503,
    description: 'HTTP status of the answer, when there was one.',
    why: {
      'ambiguous-timeout': 'a 5xx says "may have executed"; no status means the connection dropped',
      'rate-limit-ban': '429 (slow down) versus 418 or 403 (banned)',
      'key-conflict': '409 (in use) versus 422 or 400 (other parameters)',
    },
    carried: { log: ['outcome', 'lookupFinished'], events: ['outcome.outcome.httpStatus'] },
  },
  {
    name: 'venueCode',
    type: 'string',
    example: '-2010',
    description: "The venue's error code, when it sent one (`intentkey explain VENUE CODE` tells what it means).",
    why: {
      'duplicate-order': "the venue's duplicate code proves an earlier attempt landed",
      'ambiguous-timeout': 'codes such as a backend timeout that leave the outcome open',
      'key-conflict': "the venue's key-reuse code",
      'rate-limit-ban': 'which limit (weight, order count, ban)',
    },
    carried: { log: ['outcome'], events: ['outcome.outcome.venueCode'] },
  },
  {
    name: 'venueMessage',
    type: 'string',
    example: 'Duplicate order sent.',
    description: "The venue's full error message (not logged by intentkey: it may echo request values; `reason` carries a scrubbed copy).",
    why: { 'key-conflict': 'some venues name the differing parameter only in the message' },
    carried: { log: [], events: ['outcome.outcome.venueMessage'] },
    addedBy: 'a `client.on.outcome` handler, after scrubbing it yourself',
  },
  {
    name: 'conflict',
    type: 'string',
    example: 'duplicate',
    description: 'For a conflict outcome: `duplicate` (the venue holds an object with this key) or `inProgress` (a request with it is still running).',
    why: { 'duplicate-order': 'a `duplicate` answer is evidence the first attempt executed', 'key-conflict': '`inProgress` is a concurrent send of the same key' },
    carried: { log: ['outcome'], events: ['outcome.outcome.conflict'] },
  },
  {
    name: 'replayed',
    type: 'boolean',
    example: true,
    description: "True when a key-store venue replayed its stored answer (Stripe's `Idempotent-Replayed`).",
    why: { 'duplicate-order': 'a replay proves the venue deduplicated the resend', 'expired-key': 'no replay on a resend past the window means the venue forgot the key' },
    carried: { log: ['outcome'], events: ['outcome.outcome.replayed'] },
  },
  {
    name: 'status',
    type: 'string',
    example: 'unknown',
    description: 'Ledger status after the decision: pending, inFlight, unknown, succeeded, failed.',
    why: {
      'ambiguous-timeout': '`unknown` until a lookup or a key-store resend settles it',
      'crash-recovery': '`inFlight` at start means an attempt was cut off by the crash',
      'duplicate-order': 'an intent `succeeded` twice is impossible; two intents succeeded is the duplicate',
    },
    carried: { log: ['intentStarted', 'outcome', 'intentParked', 'intentFinished'], events: ['outcome.status', 'intentStarted.status'] },
  },
  {
    name: 'durationMs',
    type: 'integer',
    example: 5012,
    description: 'From the send to the classification (outcome lines), or of the whole run (finished lines), in ms.',
    why: { 'ambiguous-timeout': 'a duration at the attempt timeout says the client gave up, not the venue' },
    carried: { log: ['outcome', 'lookupFinished', 'intentFinished'], events: ['outcome.durationMs'] },
  },
  {
    name: 'verdict',
    type: 'string',
    example: 'notFound',
    description: 'What a lookup said: found, failed, notFound, inconclusive.',
    why: {
      'ambiguous-timeout': 'how the unknown was settled, or why it was not',
      'duplicate-order': 'a `notFound` believed too early is the usual root of a double execution',
      'expired-key': 'past the key window only a lookup can settle the intent',
    },
    carried: { log: ['lookupFinished'], events: ['lookupFinished.verdict'] },
  },
  {
    name: 'action',
    type: 'string',
    example: 'resend',
    description: 'What the client did after a reconcile: settled, resend, wait, giveUp (on a `requestHeld` line: what it did about a request its protection held back: wait, stop, park).',
    why: {
      'duplicate-order': 'a `resend` after `notFound` is the decision to check first',
      'ambiguous-timeout': 'the decision that closed the unknown',
      'crash-recovery': 'what recovery did with each resumed intent',
    },
    carried: { log: ['reconcile'], events: ['reconcile.action'] },
  },
  {
    name: 'delayMs',
    type: 'integer',
    example: 61000,
    description: 'Length of the wait about to start, in ms (for a parked intent: until its next check).',
    why: {
      'ambiguous-timeout': 'the settle delay waited before "not found" was believed',
      'rate-limit-ban': 'how long the client held back',
      'crash-recovery': 'when a parked intent is checked again',
    },
    carried: { log: ['retryScheduled', 'intentParked'], events: ['retryScheduled.delayMs'] },
  },
  {
    name: 'cause',
    type: 'string',
    example: 'venueBan',
    description:
      'What a wait is for: the outcome kind that caused it, `venueBan`, `rateLimitUsage` or `settle`; or what of the client\'s protection held the request back: `circuitOpen`, `retryBudget`, `rateLimiter` (also on `requestHeld` lines).',
    why: {
      'rate-limit-ban': 'separates a ban from a per-request limit, a self-imposed usage pause and the client-side rate limiter (`rateLimiter`) holding requests before the venue could refuse them',
      'ambiguous-timeout': '`settle`: waiting out the venue validity window',
    },
    carried: { log: ['retryScheduled'], events: ['retryScheduled.cause'] },
  },
  {
    name: 'retryAfterMs',
    type: 'integer',
    example: 120000,
    description: 'The wait the venue asked for, in ms, from its headers or message.',
    why: { 'rate-limit-ban': 'the ban length the venue announced' },
    carried: { log: ['outcome'], events: ['outcome.outcome.retryAfterMs'] },
  },
  {
    name: 'limitScope',
    type: 'string',
    example: 'venue',
    description: 'Who must wait after a rate limit: `request` or `venue` (every request to it).',
    why: { 'rate-limit-ban': '`venue` means an IP or account ban: every worker on that IP must stop' },
    carried: { log: ['outcome'], events: ['outcome.outcome.scope'] },
  },
  {
    name: 'resumeAt',
    type: 'integer',
    example: 1767614460000,
    description: 'Epoch ms at which the client sends to the venue again: it holds every request to it until then because a usage counter is nearly spent.',
    why: { 'rate-limit-ban': 'the client paused itself before the venue banned it' },
    carried: { log: ['rateLimitUsage'], events: ['rateLimitUsage.resumeAt'] },
  },
  {
    name: 'utilisation',
    type: 'number',
    example: 0.97,
    description: "Highest share of a rate-limit counter used, from the venue's usage headers (0 to 1).",
    why: { 'rate-limit-ban': 'how close to the limit the fleet ran before the refusal' },
    carried: { log: ['rateLimitUsage'], events: ['rateLimitUsage.usage'] },
  },
  {
    name: 'fingerprint',
    type: 'string',
    example: '232364e5c141c666ead39196b8975f678c1c51a84ac6df9e831bd1bd2131a5a1',
    description: 'SHA-256 (hex) of the fields that define the action (never the payload itself).',
    why: { 'key-conflict': 'two fingerprints for one business id show the payload changed', 'duplicate-order': 'equal fingerprints on two intents show one action sent twice under two ids' },
    carried: { log: ['intentStarted', 'idempotencyConflict'], events: ['intentStarted.fingerprint'] },
  },
  {
    name: 'storedFingerprint',
    type: 'string',
    example: '9f0c6a1d54e2b7308c1f4a2e6d93b5c7a8e0f1d2c3b4a59687e6f5d4c3b2a190',
    description: 'On a conflict: the fingerprint recorded first for that business id.',
    why: { 'key-conflict': 'the payload the intent was created with, to diff against the new one' },
    carried: { log: ['idempotencyConflict'], events: ['idempotencyConflict.storedFingerprint'] },
  },
  {
    name: 'resumed',
    type: 'boolean',
    example: true,
    description: "True when the intent's ledger record existed before this run (a retried call or a recovery).",
    why: { 'crash-recovery': 'which intents the restart picked up rather than created', 'duplicate-order': 'a second call for the same action resumed the intent instead of sending anew' },
    carried: { log: ['intentStarted'], events: ['intentStarted.resumed'] },
  },
  {
    name: 'via',
    type: 'string',
    example: 'recovery',
    description: 'Who drove the intent: a `call` of the operation or a `recovery` pass.',
    why: { 'crash-recovery': 'separates the recovery pass from new calls made while it ran' },
    carried: { log: ['intentStarted', 'intentFinished'], events: ['intentStarted.via'] },
  },
  {
    name: 'result',
    type: 'string',
    example: 'succeeded',
    description: 'How a run ended: succeeded, failed, ambiguous, exhausted, busy, aborted, conflict, error.',
    why: {
      'ambiguous-timeout': '`ambiguous` or `exhausted`: still unknown when the run gave up',
      'crash-recovery': 'the end of each resumed intent',
      'key-conflict': '`conflict`: refused before anything was sent',
    },
    carried: { log: ['intentFinished'], events: ['intentFinished.result'] },
  },
  {
    name: 'reconciled',
    type: 'boolean',
    example: true,
    description: 'True when a lookup in this run settled the intent.',
    why: { 'ambiguous-timeout': 'settled by asking the venue, not by a resend', 'crash-recovery': 'the restart found the order at the venue' },
    carried: { log: ['intentFinished'], events: ['intentFinished.reconciled'] },
  },
  {
    name: 'resent',
    type: 'boolean',
    example: false,
    description: 'True when the run sent the action again after an outcome that may have executed.',
    why: { 'duplicate-order': 'every resend after an unknown is a candidate for the second execution' },
    carried: { log: ['intentFinished'], events: ['intentFinished.resent'] },
  },
  {
    name: 'venueDuplicate',
    type: 'boolean',
    example: true,
    description: 'True when the venue answered "duplicate" or "key in use", or replayed a stored answer, during the run.',
    why: { 'duplicate-order': "the venue's dedupe caught a second send (no second execution)" },
    carried: { log: ['intentFinished'], events: ['intentFinished.venueDuplicate'] },
  },
  {
    name: 'recovered',
    type: 'boolean',
    example: true,
    description: 'True when the intent succeeded after an attempt (in any process life) that failed to settle it.',
    why: { 'crash-recovery': 'the intent survived the crash and finished' },
    carried: { log: ['intentFinished'], events: ['intentFinished.recovered'] },
  },
  {
    name: 'nextCheckAt',
    type: 'integer',
    example: 1767614520000,
    description: 'Epoch ms of the next automatic check of a parked intent.',
    why: { 'ambiguous-timeout': 'when the client will look again without a person', 'crash-recovery': 'parked intents a restart did not settle' },
    carried: { log: ['intentParked'], events: ['intentParked.nextCheckAt'] },
  },
  {
    name: 'when',
    type: 'string',
    example: 'resend',
    description: "Where the key window was found passed: `beforeSend` (failed unsent) or `resend` (looked up instead of resent).",
    why: { 'expired-key': 'unsent and failed, or looked up instead of resent' },
    carried: { log: ['keyExpired'], events: ['keyExpired.when'] },
  },
  {
    name: 'needsPerson',
    type: 'integer',
    example: 1,
    description: 'Intents a recovery pass left that nothing will check again automatically.',
    why: { 'crash-recovery': 'the intents a person must look at after the restart', 'expired-key': 'intents unknown past the key window end here' },
    carried: { log: ['recoveryFinished'], events: ['recoveryFinished.report.needsAttention'] },
  },
  {
    name: 'venueOrderId',
    type: 'string',
    example: '28457',
    description: "The venue's own id of the order or payment created (from the success answer).",
    why: {
      'duplicate-order': "the two venue ids to cancel or refund, and to match against the venue's fills",
      'ambiguous-timeout': 'the id the settling lookup returned',
    },
    carried: { log: [], events: [] },
    addedBy: "your code, from the operation's result",
  },
  {
    name: 'requestWindowMs',
    type: 'integer',
    example: 5000,
    description: 'The validity window the signed request carried (`recvWindow`, `X-BAPI-RECV-WINDOW`), in ms.',
    why: {
      'ambiguous-timeout': 'after the window (plus the clock allowance) no copy of the request can still execute',
      'duplicate-order': 'a long window lets a delayed copy execute after "not found"',
    },
    carried: { log: [], events: [] },
    addedBy: 'your signing interceptor',
  },
  {
    name: 'clockSkewMs',
    type: 'integer',
    example: -350,
    description: "Your clock minus the venue's server time, in ms.",
    why: {
      'expired-key': 'a skewed clock misjudges when the key window ends',
      'rate-limit-ban': 'fixed-window counters reset on the venue clock',
      'ambiguous-timeout': 'timestamps and settle delays assume clocks close to the venue',
    },
    carried: { log: [], events: [] },
    addedBy: 'your code (compare with the venue time endpoint)',
  },
  {
    name: 'workerId',
    type: 'string',
    example: 'bot-7@host-3:4121',
    description: 'Which process (host and pid, or the `workerId` client option) wrote the line.',
    why: {
      'duplicate-order': 'two workers driving one action (shared ledger misconfigured) show up here',
      'crash-recovery': 'the process life before and after the restart',
      'rate-limit-ban': 'which workers share the banned IP',
    },
    carried: { log: [], events: [] },
    addedBy: 'your logger (pino adds `pid` and `hostname`)',
  },
  {
    name: 'appVersion',
    type: 'string',
    example: '2026.01.05-3f2a1c',
    description: 'Version of your bot or service.',
    why: { 'crash-recovery': 'a restart onto a new version may no longer register an operation', 'key-conflict': 'a changed fingerprint function changes every fingerprint' },
    carried: { log: [], events: [] },
    addedBy: 'your logger (a base field)',
  },
] satisfies LogField[]);

/** One row of a checklist: a field with the incidents that need it. */
export interface ChecklistRow extends LogField {
  /** Incidents (of those asked for) that need the field, in {@link INCIDENTS} order. */
  readonly incidents: readonly Incident[];
  /** True when intentkey's log lines or events carry it. */
  readonly carriedByIntentkey: boolean;
}

/** True when `value` is one of {@link INCIDENTS}. */
export function isIncident(value: string): value is Incident {
  return (INCIDENTS as readonly string[]).includes(value);
}

/**
 * The checklist for `incident`, or for every incident (the union, each row saying
 * which incidents need it) when absent. Catalogue order.
 */
export function logFieldChecklist(incident?: Incident): ChecklistRow[] {
  const wanted: readonly Incident[] = incident === undefined ? INCIDENTS : [incident];
  const rows: ChecklistRow[] = [];
  for (const field of LOG_FIELD_CATALOGUE) {
    const incidents = wanted.filter((i) => field.why[i] !== undefined);
    if (incidents.length === 0) continue;
    rows.push({ ...field, incidents, carriedByIntentkey: field.carried.log.length > 0 || field.carried.events.length > 0 });
  }
  return rows;
}

/** `log: outcome, lookupFinished; events: outcome.outcome.venueMessage` or `no: <who adds it>`. */
export function carriedText(row: LogField): string {
  const parts: string[] = [];
  if (row.carried.log.length > 0) parts.push(`log lines: ${row.carried.log.join(', ')}`);
  if (row.carried.events.length > 0) parts.push(`events: ${row.carried.events.join(', ')}`);
  if (parts.length === 0) return `no: ${row.addedBy ?? 'your code'}`;
  if (row.carried.log.length === 0) parts.push(`not logged; add with ${row.addedBy ?? 'your code'}`);
  return parts.join('; ');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** The checklist as a Markdown section: a table of field, type, example, why, carried. */
export function checklistMarkdown(incident?: Incident): string {
  const rows = logFieldChecklist(incident);
  const heading = incident === undefined ? 'Log fields for every idempotency incident' : `Log fields for ${incident}: ${INCIDENT_TITLES[incident]}`;
  const lines = [`## ${heading}`, ''];
  const header = incident === undefined ? '| field | type | example | needed for | why | carried by intentkey |' : '| field | type | example | why | carried by intentkey |';
  lines.push(header, header.replace(/[^|]+/g, '---'));
  for (const row of rows) {
    const why =
      incident === undefined
        ? row.incidents.map((i) => `${i}: ${row.why[i] ?? ''}`).join('; ')
        : (row.why[incident] ?? '');
    const example = `\`${typeof row.example === 'string' ? row.example : JSON.stringify(row.example)}\``;
    const cells = incident === undefined ? [`\`${row.name}\``, row.type, example, row.incidents.join(', '), why, carriedText(row)] : [`\`${row.name}\``, row.type, example, why, carriedText(row)];
    lines.push(`| ${cells.map(cell).join(' | ')} |`);
  }
  return lines.join('\n') + '\n';
}

/** The JSON Schema dialect of {@link checklistJsonSchema}. */
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

/**
 * The checklist as a JSON Schema (draft 2020-12) for one structured log record: every
 * field a property with its type, description (why, and whether intentkey carries it)
 * and an example. No field is required (a line carries the fields its event knows);
 * other fields are allowed.
 */
export function checklistJsonSchema(incident?: Incident): Record<string, unknown> {
  const rows = logFieldChecklist(incident);
  const properties: Record<string, unknown> = {};
  for (const row of rows) {
    const why = row.incidents.map((i) => (incident === undefined ? `${i}: ${row.why[i] ?? ''}` : (row.why[i] ?? ''))).join('; ');
    properties[row.name] = {
      type: row.type,
      description: `${row.description} Why: ${why}.`,
      examples: [row.example],
      $comment: `carried by intentkey: ${carriedText(row)}`,
    };
  }
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: `urn:intentkey:log-fields:${incident ?? 'all'}`,
    title: incident === undefined ? 'intentkey log record: every idempotency incident' : `intentkey log record: ${incident}`,
    description: incident === undefined ? 'The structured log fields to keep to investigate idempotency incidents.' : `The structured log fields to keep to investigate ${incident} (${INCIDENT_TITLES[incident]}).`,
    type: 'object',
    properties,
    additionalProperties: true,
  };
}
