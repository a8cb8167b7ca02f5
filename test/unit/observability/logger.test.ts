import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { IntentEvents } from '../../../src/client/events.js';
import type { IntentEventMap, IntentLogger } from '../../../src/client/types.js';
import { attachLogger, LOG_FIELDS, LOGGED_EVENTS, logEntryFor, type IntentLogLevel } from '../../../src/observability/logger.js';
import { instrumentsMarkdown } from '../../../src/otel/index.js';

interface Line {
  readonly level: IntentLogLevel;
  readonly fields: Record<string, unknown>;
  readonly message: string | undefined;
}

function recorder(): IntentLogger & { lines: Line[] } {
  const lines: Line[] = [];
  const at =
    (level: IntentLogLevel) =>
    (fields: Record<string, unknown>, message?: string): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const base = { intentId: 'order.create:01J', operation: 'order.create', scope: 'acct-1', venue: 'binance-spot', key: '01JKEY' };

const outcome = (o: IntentEventMap['outcome']['outcome'], status: IntentEventMap['outcome']['status'] = 'unknown'): IntentEventMap['outcome'] => ({
  ...base,
  attempt: 2,
  correlationId: 'ik-abcdefghijklmnopqrst',
  outcome: o,
  status,
  durationMs: 12,
});

const finished = (result: IntentEventMap['intentFinished']['result'], extra: Partial<IntentEventMap['intentFinished']> = {}): IntentEventMap['intentFinished'] => ({
  ...base,
  businessId: 'signal-1',
  via: 'call',
  status: 'succeeded',
  result,
  replayedFromLedger: false,
  reconciled: false,
  venueDuplicate: false,
  resent: false,
  attempts: 1,
  lookups: 0,
  recovered: false,
  durationMs: 40,
  ...extra,
});

const report = (extra: Partial<IntentEventMap['recoveryFinished']['report']> = {}): IntentEventMap['recoveryFinished'] => ({
  report: { resumed: 2, succeeded: 2, reconciledFound: 1, resent: 0, failed: 0, parked: 0, notReached: 0, budgetExhausted: false, durationMs: 30, needsAttention: [], ...extra },
});

function levelOf<K extends keyof IntentEventMap>(name: K, payload: IntentEventMap[K]): IntentLogLevel | undefined {
  return logEntryFor(name, payload)?.level;
}

describe('logEntryFor: the level policy', () => {
  it('routine steps are debug', () => {
    expect(levelOf('intentStarted', { ...base, businessId: 'b', resumed: false, status: 'pending', fingerprint: 'f'.repeat(64), via: 'call' })).toBe('debug');
    expect(levelOf('attemptStarted', { ...base, attempt: 1, venueKey: 'k', correlationId: 'ik-x', request: { method: 'POST', url: 'https://x/api' } })).toBe('debug');
    expect(levelOf('outcome', outcome({ kind: 'success', reason: 'HTTP 200', httpStatus: 200 }, 'succeeded'))).toBe('debug');
    expect(levelOf('outcome', outcome({ kind: 'retry', reason: 'HTTP 503', httpStatus: 503 }, 'pending'))).toBe('debug');
    expect(levelOf('retryScheduled', { ...base, attempt: 1, delayMs: 200, before: 'send', cause: 'retry' })).toBe('debug');
    expect(levelOf('lookupStarted', { ...base, attempt: 1, correlationId: 'ik-y', via: 'lookup', request: { method: 'GET', url: 'https://x/order' } })).toBe('debug');
    expect(levelOf('lookupFinished', { ...base, attempt: 1, correlationId: 'ik-y', verdict: 'found', httpStatus: 200, durationMs: 5 })).toBe('debug');
    expect(levelOf('lookupFinished', { ...base, attempt: 1, correlationId: 'ik-y', verdict: 'notFound', httpStatus: 400, durationMs: 5 })).toBe('debug');
    expect(levelOf('reconcile', { ...base, attempt: 1, lookup: 'notFound', action: 'wait' })).toBe('debug');
    expect(levelOf('intentFinished', finished('succeeded'))).toBe('debug');
    expect(levelOf('intentFinished', finished('succeeded', { recovered: true, attempts: 3 }))).toBe('debug');
    expect(levelOf('intentFinished', finished('succeeded', { replayedFromLedger: true, attempts: 0 }))).toBe('debug');
    expect(levelOf('recoveryProgress', { total: 3, finished: 1, succeeded: 1, failed: 0, parked: 0, needsAttention: 0 })).toBe('debug');
    // A recovery pass that found nothing to do: the usual start of a healthy bot.
    expect(levelOf('recoveryStarted', { total: 0, parkedNotDue: 0 })).toBe('debug');
    expect(levelOf('recoveryFinished', report({ resumed: 0, succeeded: 0, reconciledFound: 0 }))).toBe('debug');
    expect(levelOf('ledger', { type: 'flush', records: 3, bytes: 900, latencyMs: 2, queueDepth: 0 })).toBe('debug');
    expect(levelOf('rateLimitUsage', { ...base, usage: [] })).toBe('debug');
  });

  it('rare but normal decisions are info', () => {
    expect(levelOf('outcome', outcome({ kind: 'fatal', reason: 'binance -2010', httpStatus: 400, venueCode: '-2010' }, 'failed'))).toBe('info');
    expect(levelOf('outcome', outcome({ kind: 'resign', reason: 'binance -1021', httpStatus: 400, venueCode: '-1021' }, 'pending'))).toBe('info');
    expect(levelOf('outcome', outcome({ kind: 'rateLimited', reason: 'HTTP 429', httpStatus: 429, scope: 'request', retryAfterMs: 1000 }, 'pending'))).toBe('info');
    expect(levelOf('reconcile', { ...base, attempt: 1, lookup: 'found', action: 'settled' })).toBe('info');
    expect(levelOf('reconcile', { ...base, attempt: 1, lookup: 'notFound', action: 'resend' })).toBe('info');
    expect(levelOf('retryScheduled', { ...base, attempt: 1, delayMs: 60_000, before: 'send', cause: 'venueBan' })).toBe('info');
    expect(levelOf('rateLimitUsage', { ...base, usage: [], resumeAt: 1 })).toBe('info');
    expect(levelOf('intentFinished', finished('failed', { status: 'failed' }))).toBe('info');
    expect(levelOf('intentFinished', finished('busy', { status: 'inFlight' }))).toBe('info');
    expect(levelOf('intentFinished', finished('aborted', { status: 'pending' }))).toBe('info');
    expect(levelOf('intentFinished', finished('succeeded', { reconciled: true, lookups: 1 }))).toBe('info');
    expect(levelOf('intentFinished', finished('succeeded', { resent: true }))).toBe('info');
    expect(levelOf('intentFinished', finished('succeeded', { venueDuplicate: true }))).toBe('info');
    expect(levelOf('recoveryStarted', { total: 3, parkedNotDue: 0 })).toBe('info');
    expect(levelOf('recoveryFinished', report())).toBe('info');
    expect(levelOf('ledger', { type: 'compacted', generation: 2, liveIntents: 1, droppedIntents: 5, bytesBefore: 10, bytesAfter: 5, durationMs: 3, writesHeldMs: 1 })).toBe('info');
  });

  it('may-have-executed and not-as-planned are warn', () => {
    expect(levelOf('outcome', outcome({ kind: 'unknown', reason: 'ECONNRESET after the request was written' }))).toBe('warn');
    expect(levelOf('outcome', outcome({ kind: 'conflict', conflict: 'duplicate', reason: 'binance -2010 duplicate', httpStatus: 400 }))).toBe('warn');
    expect(levelOf('outcome', outcome({ kind: 'conflict', conflict: 'inProgress', reason: 'HTTP 409', httpStatus: 409 }))).toBe('warn');
    expect(levelOf('outcome', outcome({ kind: 'rateLimited', reason: 'HTTP 418', httpStatus: 418, scope: 'venue', retryAfterMs: 60_000 }, 'pending'))).toBe('warn');
    expect(levelOf('lookupFinished', { ...base, attempt: 1, correlationId: 'ik-y', verdict: 'inconclusive', httpStatus: 500, reason: 'HTTP 500', durationMs: 5 })).toBe('warn');
    expect(levelOf('reconcile', { ...base, attempt: 1, lookup: 'inconclusive', action: 'giveUp' })).toBe('warn');
    expect(levelOf('intentParked', { ...base, attempt: 6, businessId: 'b', at: 1000, nextCheckAt: 61_000, count: 1, reason: 'lookups inconclusive' })).toBe('warn');
    expect(levelOf('keyExpired', { ...base, attempt: 1, when: 'beforeSend' })).toBe('warn');
    expect(levelOf('keyExpired', { ...base, attempt: 3, when: 'resend' })).toBe('warn');
    expect(levelOf('idempotencyConflict', { ...base, businessId: 'b', storedFingerprint: 'a'.repeat(64), fingerprint: 'b'.repeat(64) })).toBe('warn');
    expect(levelOf('intentFinished', finished('ambiguous', { status: 'unknown' }))).toBe('warn');
    expect(levelOf('intentFinished', finished('exhausted', { status: 'pending' }))).toBe('warn');
    expect(levelOf('intentFinished', finished('conflict', { status: 'pending' }))).toBe('warn');
    expect(levelOf('warning', { code: 'NON_DURABLE_LEDGER', message: 'The ledger is not durable' })).toBe('warn');
    expect(levelOf('recoveryFinished', report({ parked: 1, needsAttention: [{ intentId: 'x', operation: 'o', reason: 'parked', nextCheckAt: 5 }] }))).toBe('warn');
    expect(levelOf('recoveryFinished', report({ budgetExhausted: true, notReached: 4 }))).toBe('warn');
    expect(levelOf('ledger', { type: 'tornTailRepaired', file: '/secret/path/log', offset: 10, droppedBytes: 7, keptAs: '/secret/path/torn', problem: 'bad crc' })).toBe('warn');
    expect(levelOf('ledger', { type: 'staleLockTakenOver', previousPid: 4242 })).toBe('warn');
  });

  it('protection: a held request that waits is debug, one that stops or parks info; a breaker that opens warn, otherwise info', () => {
    const held = (cause: IntentEventMap['requestHeld']['cause'], action: IntentEventMap['requestHeld']['action']): IntentEventMap['requestHeld'] => ({ ...base, cause, before: 'send', action });
    for (const cause of ['circuitOpen', 'retryBudget', 'rateLimiter'] as const) {
      expect(levelOf('requestHeld', held(cause, 'wait')), cause).toBe('debug');
      expect(levelOf('requestHeld', held(cause, 'stop')), cause).toBe('info');
      expect(levelOf('requestHeld', held(cause, 'park')), cause).toBe('info');
    }
    const change = (from: IntentEventMap['breakerStateChanged']['from'], to: IntentEventMap['breakerStateChanged']['to']): IntentEventMap['breakerStateChanged'] => ({
      venue: 'binance-spot',
      from,
      to,
      at: 1_000,
      ...(to === 'open' ? { reason: '5 failures in a row', retryAt: 31_000 } : {}),
    });
    expect(levelOf('breakerStateChanged', change('closed', 'open'))).toBe('warn');
    expect(levelOf('breakerStateChanged', change('halfOpen', 'open'))).toBe('warn');
    expect(levelOf('breakerStateChanged', change('open', 'halfOpen'))).toBe('info');
    expect(levelOf('breakerStateChanged', change('halfOpen', 'closed'))).toBe('info');
    // Waits for protection are routine, like every wait but a ban's.
    expect(levelOf('retryScheduled', { ...base, attempt: 1, delayMs: 30_000, before: 'send', cause: 'circuitOpen' })).toBe('debug');
    expect(levelOf('retryScheduled', { ...base, attempt: 0, delayMs: 40, before: 'send', cause: 'rateLimiter' })).toBe('debug');
    // A call the open breaker failed fast (CircuitOpenError, result `error`) is protection working, not a person's job.
    expect(levelOf('intentFinished', finished('error', { status: 'pending', attempts: 0, errorName: 'CircuitOpenError', reason: 'ERR_CIRCUIT_OPEN' }))).toBe('info');
  });

  it('error only when a person must act', () => {
    expect(levelOf('intentFinished', finished('error', { status: 'pending', errorName: 'LedgerUnavailableError', reason: 'disk full' }))).toBe('error');
    expect(levelOf('recoveryFinished', report({ needsAttention: [{ intentId: 'x', operation: 'o', reason: 'operation not registered in this process' }] }))).toBe('error');
  });
});

describe('logEntryFor: fields', () => {
  it('an outcome line carries the checklist fields it knows, the kind as `outcome`', () => {
    const line = logEntryFor(
      'outcome',
      outcome({ kind: 'fatal', reason: 'binance -2010', httpStatus: 400, venueCode: '-2010', venueMessage: 'Account has insufficient balance' }, 'failed'),
      () => 'signal-9',
    );
    expect(line?.fields).toEqual({
      event: 'outcome',
      ...base,
      businessId: 'signal-9',
      attempt: 2,
      correlationId: 'ik-abcdefghijklmnopqrst',
      outcome: 'fatal',
      reason: 'binance -2010',
      httpStatus: 400,
      venueCode: '-2010',
      status: 'failed',
      durationMs: 12,
    });
  });

  it('intentStarted carries the fingerprint and status; retryScheduled the delay', () => {
    expect(logEntryFor('intentStarted', { ...base, businessId: 'b', resumed: true, status: 'unknown', fingerprint: 'f'.repeat(64), via: 'recovery' })?.fields).toMatchObject({
      event: 'intentStarted',
      businessId: 'b',
      fingerprint: 'f'.repeat(64),
      status: 'unknown',
      resumed: true,
      via: 'recovery',
    });
    expect(logEntryFor('retryScheduled', { ...base, attempt: 1, delayMs: 250, before: 'lookup', cause: 'unknown' })?.fields).toMatchObject({ delayMs: 250, cause: 'unknown', before: 'lookup' });
  });

  it('requestHeld carries cause, before, action and the full limit; its message is fixed text per cause and action', () => {
    const line = logEntryFor('requestHeld', { ...base, cause: 'rateLimiter', before: 'lookup', action: 'wait', limitId: 'weight-1m' }, () => 'signal-3');
    expect(line?.fields).toEqual({
      event: 'requestHeld',
      ...base,
      businessId: 'signal-3',
      cause: 'rateLimiter',
      before: 'lookup',
      action: 'wait',
      limitId: 'weight-1m',
    });
    expect(line?.message).toBe('rate limiter full: waiting for room in the limit');
    const stop = logEntryFor('requestHeld', { ...base, cause: 'circuitOpen', before: 'send', action: 'stop' });
    expect(stop?.fields).not.toHaveProperty('limitId');
    expect(stop?.message).toBe('circuit open: failed fast, nothing sent');
    expect(logEntryFor('requestHeld', { ...base, cause: 'retryBudget', before: 'lookup', action: 'park' })?.message).toBe('retry budget empty: outcome unknown, parked');
    // The message never carries data: every cause and action gives one of a few fixed texts.
    const messages = new Set<string>();
    for (const cause of ['circuitOpen', 'retryBudget', 'rateLimiter'] as const) {
      for (const action of ['wait', 'stop', 'park'] as const) for (const before of ['send', 'lookup'] as const) messages.add(logEntryFor('requestHeld', { ...base, cause, before, action, limitId: 'x' })?.message ?? '');
    }
    expect(messages.size).toBe(9);
    for (const m of messages) expect(m).not.toMatch(/order\.create|01JKEY|binance/);
  });

  it('breakerStateChanged carries venue, operation, from, to, reason and retryAt, and nothing per intent', () => {
    const line = logEntryFor('breakerStateChanged', { venue: 'binance-spot', operation: 'order.create', from: 'closed', to: 'open', at: 1_000, reason: '5 failures in a row', retryAt: 31_000 });
    expect(line?.fields).toEqual({ event: 'breakerStateChanged', venue: 'binance-spot', operation: 'order.create', from: 'closed', to: 'open', reason: '5 failures in a row', retryAt: 31_000 });
    expect(line?.message).toBe('circuit breaker opened: requests are held back');
    // The venue's breaker: no operation; a change that is not an opening has no reason or retryAt.
    const closed = logEntryFor('breakerStateChanged', { venue: 'binance-spot', from: 'halfOpen', to: 'closed', at: 40_000 });
    expect(closed?.fields).toEqual({ event: 'breakerStateChanged', venue: 'binance-spot', from: 'halfOpen', to: 'closed' });
    expect(closed?.message).toBe('circuit breaker closed: requests flow again');
    expect(logEntryFor('breakerStateChanged', { venue: 'v', from: 'open', to: 'halfOpen', at: 1 })?.message).toBe('circuit breaker half-open: one probe may go');
  });

  it('protection lines keep secrets out: extra payload fields never reach them, and reason and limitId are scrubbed', () => {
    const held = {
      ...base,
      cause: 'rateLimiter',
      before: 'send',
      action: 'wait',
      limitId: 'weight?signature=SECRET1',
      headers: { 'X-MBX-APIKEY': 'SECRET2' },
      request: { url: 'https://api.example.com/order?signature=SECRET3' },
    } as unknown as IntentEventMap['requestHeld'];
    expect(JSON.stringify(logEntryFor('requestHeld', held))).not.toContain('SECRET');
    const change = {
      venue: 'binance-spot',
      from: 'closed',
      to: 'open',
      at: 1,
      reason: 'HTTP 503 from https://u:p@api.example.com/x?signature=SECRET4 apiKey=SECRET5',
      retryAt: 2,
      config: { headers: { authorization: 'Bearer SECRET6' } },
    } as unknown as IntentEventMap['breakerStateChanged'];
    const line = logEntryFor('breakerStateChanged', change);
    expect(JSON.stringify(line)).not.toMatch(/SECRET|u:p@/);
    expect(line?.fields['reason']).toContain('https://api.example.com/x');
  });

  it('picks only known fields: anything else a payload carries never reaches the line', () => {
    const poisoned = {
      ...base,
      attempt: 1,
      venueKey: 'k',
      correlationId: 'ik-z',
      request: { method: 'POST', url: 'https://user:pw@api.example.com/api/v3/order?signature=SECRET1', headers: { 'X-MBX-APIKEY': 'SECRET2' }, data: { apiSecret: 'SECRET3' } },
      headers: { authorization: 'Bearer SECRET4' },
      body: { card: 'SECRET5' },
    } as unknown as IntentEventMap['attemptStarted'];
    const text = JSON.stringify(logEntryFor('attemptStarted', poisoned));
    expect(text).not.toMatch(/SECRET|pw@|user:/);
    expect(logEntryFor('attemptStarted', poisoned)?.fields['url']).toBe('https://api.example.com/api/v3/order');

    const o = outcome({ kind: 'unknown', reason: 'socket hang up' });
    const withExtras = { ...o, outcome: { ...o.outcome, venueMessage: 'echo apiKey SECRET6', request: { headers: { k: 'SECRET7' } } }, config: { params: { signature: 'SECRET8' } } } as unknown as IntentEventMap['outcome'];
    expect(JSON.stringify(logEntryFor('outcome', withExtras))).not.toContain('SECRET');
  });

  it('scrubs free text: URL query strings, user info and secret=value pairs', () => {
    const line = logEntryFor(
      'intentFinished',
      finished('error', { errorName: 'Error', reason: 'GET https://u:p@x.test/a?signature=SECRET9&k=1 failed; apiKey=SECRET10 token: SECRET11 Authorization: Bearer SECRET12 key sk_live_SECRET13' }),
    );
    const reason = String(line?.fields['reason']);
    expect(reason).not.toContain('SECRET');
    expect(reason).toContain('https://x.test/a');
    expect(reason).toContain('apiKey=[redacted]');
    expect(String(logEntryFor('intentFinished', finished('error', { reason: 'x'.repeat(500) }))?.fields['reason']).length).toBeLessThanOrEqual(201);
  });

  it('the ledger lines leave file paths out', () => {
    const text = JSON.stringify(logEntryFor('ledger', { type: 'tornTailRepaired', file: '/home/alice/ledger/log', offset: 10, droppedBytes: 7, keptAs: '/home/alice/torn', problem: 'bad crc' }));
    expect(text).not.toContain('/home/alice');
  });

  it('an unknown event name gives no line', () => {
    expect(logEntryFor('nope' as keyof IntentEventMap, {} as never)).toBeUndefined();
  });

  it('the checklist names the fields of the brief', () => {
    expect([...LOG_FIELDS].sort()).toEqual(
      [
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
        // waits and protection
        'cause',
        'before',
        'action',
        'limitId',
        'from',
        'to',
        'retryAt',
      ].sort(),
    );
  });
});

describe('attachLogger', () => {
  it('subscribes to every event and writes one line each, with its message', () => {
    const events = new IntentEvents(undefined);
    const log = recorder();
    attachLogger(events, log);
    for (const name of LOGGED_EVENTS) expect(events.has(name)).toBe(true);
    events.emit('outcome', outcome({ kind: 'unknown', reason: 'timeout after the request was written' }));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatchObject({ level: 'warn', fields: { event: 'outcome', outcome: 'unknown', status: 'unknown' } });
    expect(log.lines[0]?.message).toMatch(/may have executed/);
  });

  it('fills businessId from intentStarted on every line of the intent, until it finishes', () => {
    const events = new IntentEvents(undefined);
    const log = recorder();
    attachLogger(events, log);
    events.emit('intentStarted', { ...base, businessId: 'signal-7', resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    events.emit('attemptStarted', { ...base, attempt: 1, venueKey: 'k', correlationId: 'ik-a', request: { method: 'POST', url: 'http://x/o' } });
    events.emit('intentFinished', finished('succeeded', { businessId: 'signal-7' }));
    events.emit('attemptStarted', { ...base, attempt: 2, venueKey: 'k', correlationId: 'ik-b', request: { method: 'POST', url: 'http://x/o' } });
    expect(log.lines.map((l) => l.fields['businessId'])).toEqual(['signal-7', 'signal-7', 'signal-7', undefined]);
  });

  it('a joined run keeps the business id until the last run finishes', () => {
    const events = new IntentEvents(undefined);
    const log = recorder();
    attachLogger(events, log);
    const started = { ...base, businessId: 'signal-8', resumed: true, status: 'unknown', fingerprint: 'f', via: 'recovery' } as const;
    events.emit('intentStarted', started);
    events.emit('intentStarted', { ...started, via: 'call' });
    events.emit('intentFinished', finished('succeeded'));
    events.emit('reconcile', { ...base, attempt: 1, lookup: 'found', action: 'settled' });
    expect(log.lines.at(-1)?.fields['businessId']).toBe('signal-8');
  });

  it('a throwing logger never reaches the emitter, even one that does not isolate listeners', () => {
    const listeners = new Map<string, (e: unknown) => void>();
    const bare = {
      on: ((name: string, listener: (e: unknown) => void) => {
        listeners.set(name, listener);
        return () => listeners.delete(name);
      }) as IntentEvents['on'],
    };
    const boom = (): never => {
      throw new Error('logger down');
    };
    attachLogger(bare, { debug: boom, info: boom, warn: boom, error: boom });
    expect(() => listeners.get('outcome')?.(outcome({ kind: 'unknown', reason: 'x' }))).not.toThrow();
    expect(() => listeners.get('recoveryFinished')?.({ report: null })).not.toThrow();
    expect(() => listeners.get('intentFinished')?.(undefined)).not.toThrow();
  });

  it('calls the logger as a method (pino needs its this)', () => {
    const events = new IntentEvents(undefined);
    const seen: unknown[] = [];
    const logger = {
      name: 'me',
      debug(this: { name: string }) {
        seen.push(this.name);
      },
      info(this: { name: string }) {
        seen.push(this.name);
      },
      warn(this: { name: string }) {
        seen.push(this.name);
      },
      error(this: { name: string }) {
        seen.push(this.name);
      },
    };
    attachLogger(events, logger);
    events.emit('recoveryStarted', { total: 1, parkedNotDue: 0 });
    expect(seen).toEqual(['me']);
  });

  it('writes protection lines through attachLogger, with the business id of the run', () => {
    const events = new IntentEvents(undefined);
    const log = recorder();
    attachLogger(events, log);
    events.emit('intentStarted', { ...base, businessId: 'signal-9', resumed: false, status: 'pending', fingerprint: 'f', via: 'call' });
    events.emit('requestHeld', { ...base, cause: 'circuitOpen', before: 'send', action: 'stop' });
    events.emit('breakerStateChanged', { venue: 'binance-spot', from: 'closed', to: 'open', at: 1, reason: '5 failures in a row', retryAt: 30_001 });
    expect(log.lines.slice(1).map((l) => [l.level, l.fields['event'], l.fields['businessId']])).toEqual([
      ['info', 'requestHeld', 'signal-9'],
      ['warn', 'breakerStateChanged', undefined],
    ]);
  });

  it('the returned function stops logging', () => {
    const events = new IntentEvents(undefined);
    const log = recorder();
    const stop = attachLogger(events, log);
    stop();
    for (const name of LOGGED_EVENTS) expect(events.has(name)).toBe(false);
    events.emit('recoveryStarted', { total: 1, parkedNotDue: 0 });
    expect(log.lines).toHaveLength(0);
  });
});

describe('docs/observability.md', () => {
  const doc = readFileSync(new URL('../../../docs/observability.md', import.meta.url), 'utf8');

  it('lists every checklist field and every logged event', () => {
    for (const field of LOG_FIELDS) expect(doc, field).toContain(`| \`${field}\` |`);
    for (const event of LOGGED_EVENTS) expect(doc, event).toContain(`\`${event}\``);
  });

  it('its instrument table is the one INSTRUMENTS generates', () => {
    const table = /<!-- instruments:start -->\n([\s\S]*?)\n<!-- instruments:end -->/.exec(doc)?.[1];
    expect(table?.trim()).toBe(instrumentsMarkdown().trim());
  });
});
