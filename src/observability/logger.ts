/**
 * Structured logging of the client's decisions: one line per event, with the fields of
 * the idempotency-incident checklist (docs/observability.md, "Logs").
 *
 * Safety: every field is picked by name from an event payload. Events carry no headers,
 * credentials, signatures, bodies or query strings, and nothing here spreads a payload
 * or an outcome into a line, so nothing the events do not name can reach the logger.
 * Free-text fields (`reason`, `url`, `errorName`, `limitId`) are scrubbed once more (query strings,
 * user info, `secret=value` pairs, bearer tokens, Stripe-style secret keys) and truncated
 * to 200 characters: a `reason` is the engine's short text, which for a venue answer
 * includes the venue's own error message (`binance -2010 Account has insufficient
 * balance...`), the part a person needs to act on a refusal. The separate
 * `outcome.venueMessage` field is not logged.
 *
 * Levels: a healthy client logs almost nothing at `info`. `debug` for the routine path
 * (attempts, first-try successes, provable not-executed retries, lookups, waits);
 * `info` for rare but normal decisions (a refusal, a reconcile that settled or resent, a
 * recovery pass); `warn` for anything that means "may have executed" or "not as planned"
 * (unknown outcomes, duplicates, inconclusive lookups, parking, conflicts, expired keys,
 * bans, a circuit breaker opening); `error` only when a person must act (a call that
 * ended in an unexpected error, a recovery pass that left intents nobody will check again
 * automatically). Protection: a held request that waits is `debug`, one that stops or
 * parks `info` (its run's own line says the rest); a breaker that opens `warn`, one that
 * half-opens or closes `info`.
 */
import type { IntentEvents } from '../client/events.js';
import type { RateLimitUsage } from '../classify/rate-limit-usage.js';
import type { AttentionEntry, IntentEventMap, IntentLogger, LedgerObservation } from '../client/types.js';

/** Level of a log line (pino's names). */
export type IntentLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * The incident checklist: the fields a line carries whenever its event knows them.
 * `outcome` is the outcome kind, `fingerprint` the payload digest (already a hash).
 * For waits and protection: `cause` (what a wait is for, or what held a request back),
 * `before` (`send` or `lookup`), `action` (a reconcile decision, or what a run did about
 * a held request: `wait`, `stop`, `park`), `limitId` (the rate limiter's full limit),
 * `from` and `to` (a circuit breaker's positions), `retryAt` (epoch ms an open breaker
 * lets a probe through).
 */
export const LOG_FIELDS = [
  'event',
  'intentId',
  'key',
  'businessId',
  'operation',
  'scope',
  'venue',
  'attempt',
  'correlationId',
  'outcome',
  'reason',
  'httpStatus',
  'venueCode',
  'delayMs',
  'fingerprint',
  'status',
  'cause',
  'before',
  'action',
  'limitId',
  'from',
  'to',
  'retryAt',
] as const;

/** One line as {@link attachLogger} writes it. */
export interface IntentLogEntry {
  readonly level: IntentLogLevel;
  /** Short fixed text (no data in it: the data is in `fields`). */
  readonly message: string;
  /** Always has `event`; only fields with a value are present. */
  readonly fields: Readonly<Record<string, string | number | boolean>>;
}

type Fields = Record<string, string | number | boolean>;
type Value = string | number | boolean | undefined;

const MAX_TEXT = 200;
/** `name=value` or `name: value` pairs whose name suggests a secret. */
const SECRET_PAIR = /(authorization|api[-_]?key|signature|secret|token|password|passphrase)([^\s:=]*)\s*([:=])\s*\S+/gi;
/** Bearer tokens and Stripe-style secret keys quoted in a message. */
const BEARER = /\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+/gi;
const SECRET_KEY = /\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g;
/** The query string and fragment of an absolute URL inside a text. */
const URL_TAIL = /([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)[?#]\S*/gi;
/** `user:password@` in an absolute URL inside a text. */
const URL_USERINFO = /([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi;

/** Free text made safe to log: no URL query strings or user info, no `secret=value`, bounded. */
function scrub(text: string): string {
  const clean = text
    .replace(URL_USERINFO, '$1')
    .replace(URL_TAIL, '$1')
    .replace(BEARER, '$1 [redacted]')
    .replace(SECRET_PAIR, '$1$2$3[redacted]')
    .replace(SECRET_KEY, '$1_$2_[redacted]');
  return clean.length > MAX_TEXT ? `${clean.slice(0, MAX_TEXT)}…` : clean;
}

/** A request URL without query string, fragment or user info (the events already strip the query; this is a second line). */
function safeUrl(url: string): string {
  const cut = url.split(/[?#]/, 1)[0] ?? '';
  return scrub(cut.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1'));
}

function fields(event: string, values: Readonly<Record<string, Value>>): Fields {
  const out: Fields = { event };
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    out[name] = typeof value === 'string' && (name === 'reason' || name === 'errorName' || name === 'detail') ? scrub(value) : value;
  }
  return out;
}

/** The fields every per-intent event has. */
function base(e: { intentId: string; operation: string; scope: string; venue: string; key: string }): Record<string, Value> {
  return { intentId: e.intentId, key: e.key, operation: e.operation, scope: e.scope, venue: e.venue };
}

function entry(level: IntentLogLevel, message: string, event: string, values: Readonly<Record<string, Value>>): IntentLogEntry {
  return { level, message, fields: fields(event, values) };
}

const OUTCOME_MESSAGES: Readonly<Record<string, string>> = {
  success: 'attempt succeeded',
  retry: 'attempt not executed (provably); will retry with the same key',
  rateLimited: 'attempt rate-limited (not executed)',
  resign: 'attempt refused as stale (not executed); will re-sign',
  unknown: 'attempt outcome unknown: it may have executed; looking it up before any resend',
  conflict: 'venue says the key is already in use: an earlier attempt may have executed',
  fatal: 'venue refused the action (not executed)',
};

const HELD_MESSAGES: Readonly<Record<string, string>> = {
  'circuitOpen:wait': 'circuit open: waiting for the breaker to let requests through',
  'circuitOpen:stop': 'circuit open: failed fast, nothing sent',
  'circuitOpen:park': 'circuit open: outcome unknown, parked until the breaker lets requests through',
  'retryBudget:wait': 'retry budget empty: waiting for tokens',
  'retryBudget:stop': 'retry budget empty: stopped, nothing sent',
  'retryBudget:park': 'retry budget empty: outcome unknown, parked',
  'rateLimiter:wait': 'rate limiter full: waiting for room in the limit',
  'rateLimiter:stop': 'rate limiter full: stopped, nothing sent',
  'rateLimiter:park': 'rate limiter full: outcome unknown, parked',
};

const BREAKER_MESSAGES: Readonly<Record<string, string>> = {
  open: 'circuit breaker opened: requests are held back',
  halfOpen: 'circuit breaker half-open: one probe may go',
  closed: 'circuit breaker closed: requests flow again',
};

/**
 * The line for one event: its level, message and checklist fields, or `undefined` for
 * an event name this version does not know. Pure; {@link attachLogger} writes what it
 * returns. `businessId` is filled from `intentStarted` when the event lacks it (pass
 * `businessIdOf`).
 */
export function logEntryFor<K extends keyof IntentEventMap>(
  name: K,
  payload: IntentEventMap[K],
  businessIdOf: (intentId: string) => string | undefined = () => undefined,
): IntentLogEntry | undefined {
  // Each case reads only the fields it names, so a payload that grew a field (or an
  // unexpected one) adds nothing to the line.
  switch (name) {
    case 'intentStarted': {
      const e = payload as IntentEventMap['intentStarted'];
      return entry('debug', e.resumed ? 'intent resumed' : 'intent started', name, {
        ...base(e),
        businessId: e.businessId,
        status: e.status,
        fingerprint: e.fingerprint,
        resumed: e.resumed,
        via: e.via,
      });
    }
    case 'attemptStarted': {
      const e = payload as IntentEventMap['attemptStarted'];
      return entry('debug', 'attempt started', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        correlationId: e.correlationId,
        method: typeof e.request?.method === 'string' ? e.request.method : undefined,
        url: typeof e.request?.url === 'string' ? safeUrl(e.request.url) : undefined,
      });
    }
    case 'outcome': {
      const e = payload as IntentEventMap['outcome'];
      const o = e.outcome;
      let level: IntentLogLevel;
      switch (o.kind) {
        case 'success':
        case 'retry':
          level = 'debug';
          break;
        case 'resign':
        case 'fatal':
          level = 'info';
          break;
        case 'rateLimited':
          level = o.scope === 'venue' ? 'warn' : 'info';
          break;
        default: // unknown, conflict, and any kind added later: may have executed
          level = 'warn';
      }
      const message = o.kind === 'rateLimited' && o.scope === 'venue' ? 'venue ban: every request to this venue waits' : (OUTCOME_MESSAGES[o.kind] ?? 'attempt classified');
      return entry(level, message, name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        correlationId: e.correlationId,
        outcome: o.kind,
        reason: o.reason,
        httpStatus: o.httpStatus,
        venueCode: o.venueCode,
        status: e.status,
        durationMs: e.durationMs,
        conflict: o.kind === 'conflict' ? o.conflict : undefined,
        retryAfterMs: o.kind === 'rateLimited' ? o.retryAfterMs : undefined,
        limitScope: o.kind === 'rateLimited' ? o.scope : undefined,
        replayed: o.replayed,
      });
    }
    case 'retryScheduled': {
      const e = payload as IntentEventMap['retryScheduled'];
      return entry(e.cause === 'venueBan' ? 'info' : 'debug', e.before === 'lookup' ? 'waiting before the next lookup' : 'waiting before the next attempt', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        delayMs: e.delayMs,
        before: e.before,
        cause: e.cause,
      });
    }
    case 'lookupStarted': {
      const e = payload as IntentEventMap['lookupStarted'];
      return entry('debug', 'lookup started', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        correlationId: e.correlationId,
        via: e.via,
        method: typeof e.request?.method === 'string' ? e.request.method : undefined,
        url: typeof e.request?.url === 'string' ? safeUrl(e.request.url) : undefined,
      });
    }
    case 'lookupFinished': {
      const e = payload as IntentEventMap['lookupFinished'];
      const inconclusive = e.verdict === 'inconclusive';
      return entry(inconclusive ? 'warn' : 'debug', inconclusive ? 'lookup inconclusive: the outcome is still unknown' : 'lookup answered', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        correlationId: e.correlationId,
        verdict: e.verdict,
        httpStatus: e.httpStatus,
        reason: e.reason,
        durationMs: e.durationMs,
      });
    }
    case 'reconcile': {
      const e = payload as IntentEventMap['reconcile'];
      const byAction: Readonly<Record<string, [IntentLogLevel, string]>> = {
        settled: ['info', 'reconcile settled the intent from the venue'],
        resend: ['info', 'reconcile: not executed, sending again with the same key'],
        wait: ['debug', 'reconcile: not settled yet, waiting'],
        giveUp: ['warn', 'reconcile gave up: the outcome stays unknown'],
      };
      const [level, message] = byAction[e.action] ?? ['warn', 'reconcile decided'];
      return entry(level, message, name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        attempt: e.attempt,
        lookup: e.lookup,
        action: e.action,
      });
    }
    case 'intentParked': {
      const e = payload as IntentEventMap['intentParked'];
      return entry('warn', 'intent parked with its outcome unknown; checked again later', name, {
        ...base(e),
        businessId: e.businessId ?? businessIdOf(e.intentId),
        attempt: e.attempt,
        status: 'unknown',
        reason: e.reason,
        parkedCount: e.count,
        nextCheckAt: e.nextCheckAt,
        delayMs: Math.max(0, e.nextCheckAt - e.at),
      });
    }
    case 'keyExpired': {
      const e = payload as IntentEventMap['keyExpired'];
      return entry(
        'warn',
        e.when === 'beforeSend' ? "key expired before the send: intent failed unsent" : "venue's key window passed: looking up instead of resending",
        name,
        { ...base(e), businessId: businessIdOf(e.intentId), attempt: e.attempt, when: e.when },
      );
    }
    case 'intentResolved': {
      const e = payload as IntentEventMap['intentResolved'];
      return entry('warn', e.verdict === 'executed' ? 'settled by a person: executed at the venue' : 'a person found it not executed: sendable again with its key', name, {
        ...base(e),
        businessId: e.businessId ?? businessIdOf(e.intentId),
        verdict: e.verdict,
        resolvedBy: scrub(e.by),
        reason: scrub(e.reason),
        previousStatus: e.previousStatus,
      });
    }
    case 'idempotencyConflict': {
      const e = payload as IntentEventMap['idempotencyConflict'];
      return entry('warn', 'same business id with another payload: refused, nothing sent', name, {
        intentId: e.intentId,
        key: e.key,
        businessId: e.businessId,
        operation: e.operation,
        scope: e.scope,
        venue: e.venue,
        fingerprint: e.fingerprint,
        storedFingerprint: e.storedFingerprint,
      });
    }
    case 'intentFinished': {
      const e = payload as IntentEventMap['intentFinished'];
      let level: IntentLogLevel;
      switch (e.result) {
        case 'succeeded':
          // Quiet unless it closes an ambiguous episode that was logged at warn.
          level = e.reconciled || e.resent || e.venueDuplicate ? 'info' : 'debug';
          break;
        case 'failed':
        case 'busy':
        case 'aborted':
          level = 'info';
          break;
        case 'ambiguous':
        case 'exhausted':
        case 'conflict':
          level = 'warn';
          break;
        default: // 'error' and anything added later
          // A call the open breaker failed fast ends with CircuitOpenError (result `error`):
          // protection working, nothing sent; its requestHeld line and the breaker's
          // opening (warn) tell the story.
          level = e.errorName === 'CircuitOpenError' ? 'info' : 'error';
      }
      return entry(level, `intent finished: ${e.result}`, name, {
        ...base(e),
        businessId: e.businessId,
        status: e.status,
        result: e.result,
        via: e.via,
        attempts: e.attempts,
        lookups: e.lookups,
        replayedFromLedger: e.replayedFromLedger,
        reconciled: e.reconciled,
        venueDuplicate: e.venueDuplicate,
        resent: e.resent,
        recovered: e.recovered,
        durationMs: e.durationMs,
        errorName: e.errorName,
        reason: e.reason,
      });
    }
    case 'rateLimitUsage': {
      const e = payload as IntentEventMap['rateLimitUsage'];
      let highest: number | undefined;
      const usage: readonly RateLimitUsage[] = Array.isArray(e.usage) ? e.usage : [];
      for (const u of usage) {
        if (typeof u.utilisation === 'number' && (highest === undefined || u.utilisation > highest)) highest = u.utilisation;
      }
      const paused = e.resumeAt !== undefined;
      return entry(paused ? 'info' : 'debug', paused ? 'rate-limit usage high: pausing requests to this venue' : 'rate-limit usage', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        utilisation: highest,
        resumeAt: e.resumeAt,
      });
    }
    case 'requestHeld': {
      const e = payload as IntentEventMap['requestHeld'];
      // A wait is routine (a retryScheduled line follows). A stop or a park is a normal
      // decision of protection: the line that says what it means for the intent follows
      // (intentFinished, or intentParked at warn), and the breaker's opening is the one
      // warn of an outage, so a held call does not add a warn of its own.
      return entry(e.action === 'wait' ? 'debug' : 'info', HELD_MESSAGES[`${e.cause}:${e.action}`] ?? 'request held back by protection', name, {
        ...base(e),
        businessId: businessIdOf(e.intentId),
        cause: e.cause,
        before: e.before,
        action: e.action,
        limitId: typeof e.limitId === 'string' ? scrub(e.limitId) : undefined,
      });
    }
    case 'breakerStateChanged': {
      const e = payload as IntentEventMap['breakerStateChanged'];
      // Opening holds back every request to the venue (or operation): warn, once per opening.
      return entry(e.to === 'open' ? 'warn' : 'info', BREAKER_MESSAGES[e.to] ?? 'circuit breaker changed position', name, {
        venue: e.venue,
        operation: e.operation,
        from: e.from,
        to: e.to,
        reason: e.reason,
        retryAt: e.retryAt,
      });
    }
    case 'warning': {
      const e = payload as IntentEventMap['warning'];
      return entry('warn', 'intentkey configuration warning', name, { code: e.code, detail: e.message });
    }
    case 'recoveryStarted': {
      const e = payload as IntentEventMap['recoveryStarted'];
      // A pass that found nothing (the usual start of a healthy bot, or a periodic pass) stays quiet.
      return entry(e.total > 0 ? 'info' : 'debug', 'recovery pass started', name, { total: e.total, parkedNotDue: e.parkedNotDue });
    }
    case 'recoveryProgress': {
      const e = payload as IntentEventMap['recoveryProgress'];
      return entry('debug', 'recovery progress', name, {
        total: e.total,
        finished: e.finished,
        succeeded: e.succeeded,
        failed: e.failed,
        parked: e.parked,
        needsAttention: e.needsAttention,
      });
    }
    case 'recoveryFinished': {
      const r = (payload as IntentEventMap['recoveryFinished']).report;
      const attention: readonly AttentionEntry[] = Array.isArray(r.needsAttention) ? r.needsAttention : [];
      // Parked intents are checked again automatically; the others wait for a person.
      const forAPerson = attention.filter((a) => a.nextCheckAt === undefined).length;
      const idle = r.resumed === 0 && attention.length === 0 && r.parked === 0 && r.notReached === 0 && !r.budgetExhausted;
      const level: IntentLogLevel = forAPerson > 0 ? 'error' : r.parked > 0 || r.notReached > 0 || r.budgetExhausted ? 'warn' : idle ? 'debug' : 'info';
      return entry(level, forAPerson > 0 ? 'recovery pass finished: intents need a person' : 'recovery pass finished', name, {
        resumed: r.resumed,
        succeeded: r.succeeded,
        reconciledFound: r.reconciledFound,
        resent: r.resent,
        failed: r.failed,
        parked: r.parked,
        notReached: r.notReached,
        needsAttention: attention.length,
        needsPerson: forAPerson,
        budgetExhausted: r.budgetExhausted,
        durationMs: r.durationMs,
      });
    }
    case 'ledger':
      return ledgerEntry(payload as LedgerObservation);
    default:
      return undefined;
  }
}

function ledgerEntry(o: LedgerObservation): IntentLogEntry {
  switch (o.type) {
    case 'flush':
      return entry('debug', 'ledger flush', 'ledger', { ledgerEvent: o.type, records: o.records, bytes: o.bytes, latencyMs: o.latencyMs, queueDepth: o.queueDepth });
    case 'compacted':
      return entry('info', 'ledger compacted', 'ledger', {
        ledgerEvent: o.type,
        generation: o.generation,
        liveIntents: o.liveIntents,
        droppedIntents: o.droppedIntents,
        bytesBefore: o.bytesBefore,
        bytesAfter: o.bytesAfter,
        durationMs: o.durationMs,
        writesHeldMs: o.writesHeldMs,
      });
    case 'tornTailRepaired':
      // The file path and the problem text stay out: the count and offset say enough.
      return entry('warn', 'ledger repaired a torn tail left by a crash', 'ledger', { ledgerEvent: o.type, offset: o.offset, droppedBytes: o.droppedBytes });
    case 'staleLockTakenOver':
      return entry('warn', 'ledger lock taken over from a dead holder', 'ledger', { ledgerEvent: o.type, previousPid: o.previousPid });
    default: {
      // A store reporting a kind this version does not know: its name only.
      const type: unknown = (o as { readonly type?: unknown }).type;
      return entry('debug', 'ledger observation', 'ledger', { ledgerEvent: typeof type === 'string' ? scrub(type) : undefined });
    }
  }
}

// Every event of the map, as a record so that an event added to IntentEventMap
// without a line here fails the type check.
const LOGGED: { readonly [K in keyof IntentEventMap]: true } = {
  intentStarted: true,
  attemptStarted: true,
  outcome: true,
  retryScheduled: true,
  lookupStarted: true,
  lookupFinished: true,
  reconcile: true,
  intentParked: true,
  keyExpired: true,
  idempotencyConflict: true,
  intentResolved: true,
  intentFinished: true,
  rateLimitUsage: true,
  requestHeld: true,
  breakerStateChanged: true,
  warning: true,
  recoveryStarted: true,
  recoveryProgress: true,
  recoveryFinished: true,
  ledger: true,
};

/** Every event name {@link attachLogger} subscribes to: all of them. */
export const LOGGED_EVENTS = Object.keys(LOGGED) as ReadonlyArray<keyof IntentEventMap>;

/** Most intents whose business id is remembered between `intentStarted` and `intentFinished`. */
const MAX_REMEMBERED = 10_000;

/**
 * Writes one structured line per client event to `logger` (pino, or anything with
 * `debug/info/warn/error(fields, message)`). Returns a function that stops logging.
 * A logger that throws is ignored: logging never changes what happens to an intent.
 *
 * ```ts
 * import pino from 'pino';
 * const stop = attachLogger(client, pino({ level: 'info' }));
 * ```
 */
export function attachLogger(events: Pick<IntentEvents, 'on'>, logger: IntentLogger): () => void {
  // Business ids of intents being driven (with how many runs drive each: a call can
  // join a recovery's run), so every line of an intent carries it.
  const businessIds = new Map<string, { readonly businessId: string; runs: number }>();
  const businessIdOf = (intentId: string): string | undefined => businessIds.get(intentId)?.businessId;
  const write = (line: IntentLogEntry | undefined): void => {
    if (!line) return;
    try {
      // Called as a method: pino's methods need their `this`.
      switch (line.level) {
        case 'debug':
          logger.debug(line.fields, line.message);
          break;
        case 'info':
          logger.info(line.fields, line.message);
          break;
        case 'warn':
          logger.warn(line.fields, line.message);
          break;
        case 'error':
          logger.error(line.fields, line.message);
          break;
      }
    } catch {
      // A broken logger must not break an intent.
    }
  };
  const unsubscribes = LOGGED_EVENTS.map((name) =>
    events.on(name, (payload: IntentEventMap[typeof name]) => {
      try {
        if (name === 'intentStarted') {
          const e = payload as IntentEventMap['intentStarted'];
          const known = businessIds.get(e.intentId);
          if (known) known.runs++;
          else if (e.businessId !== undefined) {
            if (businessIds.size >= MAX_REMEMBERED) {
              const oldest = businessIds.keys().next();
              if (oldest.done !== true) businessIds.delete(oldest.value);
            }
            businessIds.set(e.intentId, { businessId: e.businessId, runs: 1 });
          }
        }
        write(logEntryFor(name, payload, businessIdOf));
        if (name === 'intentFinished') {
          const id = (payload as IntentEventMap['intentFinished']).intentId;
          const known = businessIds.get(id);
          if (known && --known.runs <= 0) businessIds.delete(id);
        }
      } catch {
        // A malformed payload must not break an intent either.
      }
    }),
  );
  return () => {
    for (const off of unsubscribes) off();
    businessIds.clear();
  };
}
