import { context, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span, type Tracer } from '@opentelemetry/api';
import type { IntentEventMap, IntentFinishedEvent, OutcomeEvent } from '../client/types.js';

type On = <K extends keyof IntentEventMap>(name: K, listener: (event: IntentEventMap[K]) => void) => void;

interface Run {
  readonly intentId: string;
  readonly span: Span;
  readonly context: Context;
  /** Correlation ids of this run's attempts and lookups still open. */
  readonly requests: Set<string>;
  /** Kind and venue code of this run's last attempt outcome. */
  lastOutcome?: { readonly kind: string; readonly venueCode: string | undefined };
}

interface RequestSpan {
  readonly span: Span;
  readonly run: Run | undefined;
}

/** What the propagation interceptor needs: the open span of an attempt or lookup, by correlation id. */
export interface SpanTracker {
  requestSpan(correlationId: string): Span | undefined;
  /** Ends every span still open (marked `intentkey.abandoned`) and forgets them. */
  close(): void;
}

const HTTP_METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'CONNECT', 'QUERY']);
/** Results whose intent span is an error: the action failed, or the call threw for a reason other than ambiguity. */
const ERROR_RESULTS: ReadonlySet<string> = new Set(['failed', 'exhausted', 'error', 'conflict']);

/**
 * Spans from a client's events: one per intent run, with a CLIENT child per attempt and
 * per lookup request. Runs are kept by intent id (the newest run of an intent is the one
 * children attach to), requests by correlation id; both bounded by `maxOpen`.
 */
export function recordSpans(tracer: Tracer, on: On, maxOpen: number): SpanTracker {
  const runs = new Map<string, Run[]>();
  let openRuns = 0;
  const requests = new Map<string, RequestSpan>();

  const currentRun = (intentId: string): Run | undefined => {
    const list = runs.get(intentId);
    return list === undefined ? undefined : list[list.length - 1];
  };

  const endRequest = (id: string, mark: 'intentkey.abandoned' | 'intentkey.evicted'): void => {
    const request = requests.get(id);
    if (request === undefined) return;
    requests.delete(id);
    request.run?.requests.delete(id);
    request.span.setAttribute(mark, true);
    request.span.end();
  };

  /** Forgets a run and ends its open requests; ends its span too unless it finished normally. */
  const dropRun = (run: Run, mark: 'intentkey.abandoned' | 'intentkey.evicted' | undefined): void => {
    const list = runs.get(run.intentId);
    if (list !== undefined) {
      const i = list.indexOf(run);
      if (i >= 0) {
        list.splice(i, 1);
        openRuns -= 1;
      }
      if (list.length === 0) runs.delete(run.intentId);
    }
    for (const id of [...run.requests]) endRequest(id, 'intentkey.abandoned');
    if (mark !== undefined) {
      run.span.setAttribute(mark, true);
      run.span.end();
    }
  };

  const startRequest = (id: string, name: string, attributes: Attributes, run: Run | undefined): void => {
    if (requests.size >= maxOpen) {
      // A request whose answer event never came (not expected): forget the oldest.
      const oldest = requests.keys().next();
      if (oldest.done !== true) endRequest(oldest.value, 'intentkey.evicted');
    }
    const span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, run?.context ?? context.active());
    requests.set(id, { span, run });
    run?.requests.add(id);
  };

  const takeRequest = (id: string): RequestSpan | undefined => {
    const entry = requests.get(id);
    if (entry === undefined) return undefined;
    requests.delete(id);
    entry.run?.requests.delete(id);
    return entry;
  };

  /** The span intent-level events go on: the intent's run, else the caller's active span. */
  const eventSpan = (intentId: string): Span | undefined => currentRun(intentId)?.span ?? trace.getActiveSpan();

  on('intentStarted', (e) => {
    if (openRuns >= maxOpen) {
      const oldest = runs.values().next();
      const run = oldest.done === true ? undefined : oldest.value[0];
      if (run !== undefined) dropRun(run, 'intentkey.evicted');
    }
    const parent = context.active();
    const attributes: Attributes = { ...intentAttributes(e), 'intentkey.via': e.via, 'intentkey.resumed': e.resumed, 'intentkey.status': e.status };
    if (e.businessId !== undefined) attributes['intentkey.business_id'] = e.businessId;
    const span = tracer.startSpan(`intentkey.intent ${e.operation}`, { kind: SpanKind.INTERNAL, attributes }, parent);
    const run: Run = { intentId: e.intentId, span, context: trace.setSpan(parent, span), requests: new Set() };
    const list = runs.get(e.intentId);
    if (list === undefined) runs.set(e.intentId, [run]);
    else list.push(run);
    openRuns += 1;
  });

  on('attemptStarted', (e) => {
    startRequest(
      e.correlationId,
      spanName(e.request.method),
      {
        ...httpAttributes(e.request.method, e.request.url),
        ...intentAttributes(e),
        'intentkey.attempt': e.attempt,
        'intentkey.correlation_id': e.correlationId,
        'intentkey.request.purpose': 'send',
      },
      currentRun(e.intentId),
    );
  });

  on('outcome', (e) => {
    const entry = takeRequest(e.correlationId);
    const run = entry?.run ?? currentRun(e.intentId);
    if (run !== undefined) run.lastOutcome = { kind: e.outcome.kind, venueCode: e.outcome.venueCode };
    if (entry !== undefined) endAttemptSpan(entry.span, e);
  });

  on('lookupStarted', (e) => {
    startRequest(
      e.correlationId,
      spanName(e.request.method),
      {
        ...httpAttributes(e.request.method, e.request.url),
        ...intentAttributes(e),
        'intentkey.attempt': e.attempt,
        'intentkey.correlation_id': e.correlationId,
        'intentkey.request.purpose': 'lookup',
        'intentkey.lookup.via': e.via,
      },
      currentRun(e.intentId),
    );
  });

  on('lookupFinished', (e) => {
    const span = takeRequest(e.correlationId)?.span;
    if (span === undefined) return;
    span.setAttribute('intentkey.lookup.verdict', e.verdict);
    if (e.httpStatus !== undefined) span.setAttribute('http.response.status_code', e.httpStatus);
    if (e.reason !== undefined) span.setAttribute('intentkey.outcome.reason', e.reason);
    if (e.verdict === 'inconclusive') {
      // The lookup could not tell: an error of the lookup request, not of the action.
      span.setAttribute('error.type', e.httpStatus !== undefined && e.httpStatus >= 400 ? String(e.httpStatus) : 'inconclusive');
      span.setStatus({ code: SpanStatusCode.ERROR, message: e.reason ?? 'lookup inconclusive' });
    }
    span.end();
  });

  on('retryScheduled', (e) => {
    eventSpan(e.intentId)?.addEvent('intentkey.retry_scheduled', {
      'intentkey.attempt': e.attempt,
      'intentkey.cause': e.cause,
      'intentkey.retry.delay_ms': e.delayMs,
      'intentkey.retry.before': e.before,
    });
  });

  on('requestHeld', (e) => {
    const attributes: Attributes = { 'intentkey.cause': e.cause, 'intentkey.protection.action': e.action, 'intentkey.protection.before': e.before };
    if (typeof e.limitId === 'string') attributes['intentkey.limit.id'] = e.limitId;
    eventSpan(e.intentId)?.addEvent('intentkey.request_held', attributes);
  });

  on('reconcile', (e) => {
    eventSpan(e.intentId)?.addEvent('intentkey.reconcile', {
      'intentkey.attempt': e.attempt,
      'intentkey.reconcile.lookup': e.lookup,
      'intentkey.reconcile.action': e.action,
    });
  });

  on('intentParked', (e) => {
    eventSpan(e.intentId)?.addEvent('intentkey.parked', {
      'intentkey.attempt': e.attempt,
      'intentkey.parked.reason': e.reason,
      'intentkey.parked.count': e.count,
      'intentkey.parked.next_check_at': new Date(e.nextCheckAt).toISOString(),
    });
  });

  on('keyExpired', (e) => {
    eventSpan(e.intentId)?.addEvent('intentkey.key_expired', { 'intentkey.attempt': e.attempt, 'intentkey.key_expired.when': e.when });
  });

  on('idempotencyConflict', (e) => {
    const attributes: Attributes = { 'intentkey.intent_id': e.intentId, 'intentkey.operation': e.operation, 'intentkey.scope': e.scope, 'intentkey.venue': e.venue };
    if (e.businessId !== undefined) attributes['intentkey.business_id'] = e.businessId;
    eventSpan(e.intentId)?.addEvent('intentkey.idempotency_conflict', attributes);
  });

  on('intentFinished', (e) => {
    const run = currentRun(e.intentId);
    if (run === undefined) return;
    dropRun(run, undefined);
    if (run.lastOutcome !== undefined) {
      run.span.setAttribute('intentkey.outcome.kind', run.lastOutcome.kind);
      if (run.lastOutcome.venueCode !== undefined) run.span.setAttribute('intentkey.venue_code', run.lastOutcome.venueCode);
    }
    endIntentSpan(run.span, e);
  });

  return {
    requestSpan: (correlationId) => requests.get(correlationId)?.span,
    close: () => {
      for (const list of [...runs.values()]) for (const run of [...list]) dropRun(run, 'intentkey.abandoned');
      for (const id of [...requests.keys()]) endRequest(id, 'intentkey.abandoned');
    },
  };
}

function intentAttributes(e: { readonly intentId: string; readonly operation: string; readonly scope: string; readonly venue: string; readonly key: string }): Attributes {
  return {
    'intentkey.intent_id': e.intentId,
    'intentkey.key': e.key,
    'intentkey.operation': e.operation,
    'intentkey.scope': e.scope,
    'intentkey.venue': e.venue,
  };
}

function spanName(method: string): string {
  const upper = method.toUpperCase();
  return HTTP_METHODS.has(upper) ? upper : 'HTTP';
}

/** HTTP client semantic-convention attributes of a request. */
function httpAttributes(method: string, url: string): Attributes {
  const upper = method.toUpperCase();
  if (HTTP_METHODS.has(upper)) return { 'http.request.method': upper, ...urlAttributes(url) };
  return { 'http.request.method': '_OTHER', 'http.request.method_original': method, ...urlAttributes(url) };
}

const urlCache = new Map<string, Attributes>();

/** `url.full` (or `url.path` for a relative URL), `server.address`, `server.port`; never a query, fragment or credentials. */
export function urlAttributes(url: string): Attributes {
  const cached = urlCache.get(url);
  if (cached !== undefined) return cached;
  let attributes: Attributes;
  try {
    const parsed = new URL(url);
    parsed.search = '';
    parsed.hash = '';
    parsed.username = '';
    parsed.password = '';
    attributes = { 'url.full': parsed.href, 'server.address': parsed.hostname.replace(/^\[(.*)\]$/s, '$1') };
    const port = parsed.port !== '' ? Number(parsed.port) : parsed.protocol === 'https:' ? 443 : parsed.protocol === 'http:' ? 80 : undefined;
    if (port !== undefined) attributes['server.port'] = port;
  } catch {
    // A relative URL (an instance without baseURL): only its path is known.
    attributes = { 'url.path': url.replace(/[?#].*$/s, '') };
  }
  if (urlCache.size >= 256) urlCache.clear();
  urlCache.set(url, attributes);
  return attributes;
}

function endAttemptSpan(span: Span, e: OutcomeEvent): void {
  const outcome = e.outcome;
  span.setAttribute('intentkey.outcome.kind', outcome.kind);
  span.setAttribute('intentkey.outcome.reason', outcome.reason);
  span.setAttribute('intentkey.status', e.status);
  if (outcome.httpStatus !== undefined) span.setAttribute('http.response.status_code', outcome.httpStatus);
  if (outcome.venueCode !== undefined) span.setAttribute('intentkey.venue_code', outcome.venueCode);
  if (outcome.replayed === true) span.setAttribute('intentkey.outcome.replayed', true);
  if (outcome.kind === 'conflict') span.setAttribute('intentkey.outcome.conflict', outcome.conflict);
  if (outcome.kind === 'rateLimited' && outcome.retryAfterMs !== undefined) span.setAttribute('intentkey.retry_after_ms', outcome.retryAfterMs);
  switch (outcome.kind) {
    case 'success':
      break;
    case 'unknown':
    case 'conflict':
      if (outcome.kind === 'unknown' || outcome.conflict === 'duplicate') {
        // May have executed: shown as ambiguous, never as a plain error.
        span.setAttribute('intentkey.ambiguous', true);
        span.addEvent('intentkey.ambiguous', { 'intentkey.outcome.kind': outcome.kind, 'intentkey.outcome.reason': outcome.reason });
      }
      break;
    case 'retry':
    case 'rateLimited':
    case 'resign':
    case 'fatal':
      // Proven not executed: a failed request.
      span.setAttribute('error.type', outcome.httpStatus !== undefined ? String(outcome.httpStatus) : outcome.kind);
      span.setStatus({ code: SpanStatusCode.ERROR, message: outcome.reason });
      break;
  }
  span.end();
}

function endIntentSpan(span: Span, e: IntentFinishedEvent): void {
  span.setAttributes({
    'intentkey.result': e.result,
    'intentkey.status': e.status,
    'intentkey.attempts': e.attempts,
    'intentkey.lookups': e.lookups,
    'intentkey.replayed_from_ledger': e.replayedFromLedger,
    'intentkey.reconciled': e.reconciled,
    'intentkey.venue_duplicate': e.venueDuplicate,
    'intentkey.resent': e.resent,
    'intentkey.recovered': e.recovered,
  });
  if (e.businessId !== undefined) span.setAttribute('intentkey.business_id', e.businessId);
  if (e.reason !== undefined) span.setAttribute('intentkey.outcome.reason', e.reason);
  if (e.errorName !== undefined) span.setAttribute('error.type', e.errorName);
  if (e.result === 'succeeded') {
    span.setStatus({ code: SpanStatusCode.OK });
  } else if (e.result === 'ambiguous') {
    span.setAttribute('intentkey.ambiguous', true);
    span.setAttribute('intentkey.outcome.kind', 'unknown');
    span.addEvent('intentkey.ambiguous', e.reason === undefined ? {} : { 'intentkey.outcome.reason': e.reason });
  } else if (ERROR_RESULTS.has(e.result)) {
    if (e.errorName === undefined) span.setAttribute('error.type', e.result);
    span.setStatus({ code: SpanStatusCode.ERROR, message: e.reason ?? e.result });
  }
  span.end();
}
