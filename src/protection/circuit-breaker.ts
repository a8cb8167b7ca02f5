/**
 * The circuit breaker: stops a client from sending to a venue that is failing, and lets
 * one probe find out when it has recovered.
 *
 * - `closed`: requests go. It opens on `consecutiveFailures` failures in a row, or when
 *   at least `minimumRequests` answers in the last `windowMs` include a share of
 *   failures of `failureRatio` or more.
 * - `open`: no write goes until `openMs` has passed (after each failed probe the next
 *   opening doubles, up to `maxOpenMs`, which is `openMs` unless set: a steady probe).
 * - `halfOpen`: one request (the probe) goes; the others wait for its answer. A success
 *   closes the breaker, a failure opens it again, an answer that says nothing about the
 *   venue's health (a rate limit, a request never sent) lets the next request probe.
 *
 * The client tells it the answers of writes (order and payment creates) only: a venue
 * may answer reads while its writes fail. A failure is an answer that says the venue is unwell: a 5xx or retryable venue error,
 * a timeout or a dropped connection. A success or a rejection (the venue works and said
 * no) counts as healthy. The breaker only ever holds requests back: it never changes what
 * an intent's outcome is, so an intent whose outcome is unknown stays unknown and is
 * reconciled once the breaker lets requests through again.
 *
 * The transitions are pure functions of a {@link BreakerState}; {@link CircuitBreaker}
 * keeps the states (one for the venue, or one per operation) and tells listeners of changes.
 *
 * @module
 */

import { setMaxListeners } from 'node:events';
import { ConfigurationError } from '../errors/index.js';
import { describeValue } from '../internal/validation.js';

/** Options of the circuit breaker. Every field has a default; `true` takes them all. */
export interface CircuitBreakerOptions {
  /** Failures in a row that open the breaker. @default 5 */
  readonly consecutiveFailures?: number;
  /** Share of failures among the answers of the last `windowMs` that opens it, in (0, 1]. @default 0.5 */
  readonly failureRatio?: number;
  /** Answers the window must hold before `failureRatio` is judged. @default 10 */
  readonly minimumRequests?: number;
  /** The sampling window for `failureRatio`, in ms. @default 30000 */
  readonly windowMs?: number;
  /** How long it stays open before a probe, in ms. @default 5000 */
  readonly openMs?: number;
  /**
   * Longest open time, in ms: each failed probe doubles the next opening, up to this.
   * Equal to `openMs` (the default) probes at a steady pace, so a venue that recovers is
   * found within `openMs`. @default openMs
   */
  readonly maxOpenMs?: number;
  /**
   * What a request does while the breaker is open: `fail` at once with
   * `CircuitOpenError` (a new call writes nothing and sends nothing; an intent already
   * in the ledger keeps its state), or `wait` until the breaker lets it through (within
   * the intent's deadline). @default 'fail'
   */
  readonly whenOpen?: 'fail' | 'wait';
  /** One breaker for the whole venue, or one per operation (an outage of one endpoint). @default 'venue' */
  readonly scope?: 'venue' | 'operation';
}

/** The breaker's resolved settings. */
export interface BreakerConfig {
  readonly consecutiveFailures: number;
  readonly failureRatio: number;
  readonly minimumRequests: number;
  readonly windowMs: number;
  readonly openMs: number;
  readonly maxOpenMs: number;
  readonly whenOpen: 'fail' | 'wait';
  readonly scope: 'venue' | 'operation';
}

export const DEFAULT_CIRCUIT_BREAKER: BreakerConfig = Object.freeze({
  consecutiveFailures: 5,
  failureRatio: 0.5,
  minimumRequests: 10,
  windowMs: 30_000,
  openMs: 5_000,
  maxOpenMs: 5_000,
  whenOpen: 'fail',
  scope: 'venue',
});

/** Buckets the sampling window is counted in. */
const BUCKETS = 10;

/** What an answer says about the venue's health. */
export type BreakerResult = 'success' | 'failure' | 'neutral';

/** The breaker's position. */
export type BreakerPosition = 'closed' | 'open' | 'halfOpen';

/** One bucket of the sampling window: answers whose time falls in `[start, start + windowMs / BUCKETS)`. */
interface Bucket {
  readonly start: number;
  readonly successes: number;
  readonly failures: number;
}

/** The state of one breaker. Times are epoch ms. */
export interface BreakerState {
  readonly position: BreakerPosition;
  /** Failures in a row (closed). */
  readonly consecutive: number;
  /** The sampling window (closed), oldest first. */
  readonly buckets: readonly Bucket[];
  /** When it last opened. */
  readonly openedAt: number;
  /** When an open breaker lets a probe through. */
  readonly openUntil: number;
  /** How long the last opening lasted (doubles after a failed probe). */
  readonly lastOpenMs: number;
  /** A probe is out (half-open). */
  readonly probeOut: boolean;
  /** Why it last opened, in words. */
  readonly reason: string;
}

export const CLOSED: BreakerState = Object.freeze({ position: 'closed', consecutive: 0, buckets: [], openedAt: 0, openUntil: 0, lastOpenMs: 0, probeOut: false, reason: '' });

/**
 * Whether a request may go now: `admit` (closed), `probe` (this request is the
 * half-open probe; its answer decides), or `refuse` until `retryAt` at the latest (the
 * end of the open time, or, while a probe is out, a bound after which to ask again;
 * a change of state comes sooner).
 */
export type Admission = { readonly kind: 'admit' } | { readonly kind: 'probe' } | { readonly kind: 'refuse'; readonly retryAt: number; readonly position: 'open' | 'halfOpen' };

/** Pure: what the breaker says to a request at `now` (the state it would move to when it admits). */
export function admit(state: BreakerState, config: BreakerConfig, now: number): { readonly admission: Admission; readonly state: BreakerState } {
  switch (state.position) {
    case 'closed':
      return { admission: ADMIT, state };
    case 'open':
      if (now < state.openUntil) return { admission: { kind: 'refuse', retryAt: state.openUntil, position: 'open' }, state };
      return { admission: PROBE, state: { ...state, position: 'halfOpen', probeOut: true } };
    case 'halfOpen':
      if (state.probeOut) return { admission: { kind: 'refuse', retryAt: now + config.openMs, position: 'halfOpen' }, state };
      return { admission: PROBE, state: { ...state, probeOut: true } };
  }
}

/**
 * Pure: the state after an answer. `probe`: the answer is the half-open probe's. Answers
 * of requests admitted before the breaker opened do not move an open breaker.
 */
export function record(state: BreakerState, config: BreakerConfig, result: BreakerResult, probe: boolean, now: number): BreakerState {
  if (probe && state.position === 'halfOpen') {
    // Closed with its counting reset (the next opening is openMs again); when and why it last
    // opened stay, so a snapshot still says it did.
    if (result === 'success') return { ...CLOSED, openedAt: state.openedAt, reason: state.reason };
    if (result === 'failure') return open(state, Math.min(config.maxOpenMs, Math.max(config.openMs, state.lastOpenMs * 2)), now, 'the probe failed');
    return { ...state, probeOut: false };
  }
  if (state.position !== 'closed' || result === 'neutral') return state;
  const buckets = counted(state.buckets, config, result, now);
  if (result === 'success') return { ...state, consecutive: 0, buckets };
  const consecutive = state.consecutive + 1;
  if (consecutive >= config.consecutiveFailures) return open(state, config.openMs, now, `${consecutive} failures in a row`);
  let successes = 0;
  let failures = 0;
  for (const bucket of buckets) {
    successes += bucket.successes;
    failures += bucket.failures;
  }
  const total = successes + failures;
  if (total >= config.minimumRequests && failures / total >= config.failureRatio) {
    return open(state, config.openMs, now, `${failures} of ${total} answers in ${config.windowMs} ms failed`);
  }
  return { ...state, consecutive, buckets };
}

/** Pure: a probe admitted but never sent (the request was not made): the next request may probe. */
export function abandonProbe(state: BreakerState): BreakerState {
  return state.position === 'halfOpen' && state.probeOut ? { ...state, probeOut: false } : state;
}

function open(_state: BreakerState, openMs: number, now: number, reason: string): BreakerState {
  return { position: 'open', consecutive: 0, buckets: [], openedAt: now, openUntil: now + openMs, lastOpenMs: openMs, probeOut: false, reason };
}

/** The window's buckets with this answer counted and buckets older than the window dropped. */
function counted(buckets: readonly Bucket[], config: BreakerConfig, result: 'success' | 'failure', now: number): readonly Bucket[] {
  const width = Math.max(1, Math.floor(config.windowMs / BUCKETS));
  const start = Math.floor(now / width) * width;
  const kept = buckets.filter((bucket) => bucket.start > now - config.windowMs);
  const last = kept[kept.length - 1];
  if (last !== undefined && last.start === start) {
    const updated: Bucket = result === 'success' ? { ...last, successes: last.successes + 1 } : { ...last, failures: last.failures + 1 };
    return [...kept.slice(0, -1), updated];
  }
  return [...kept, { start, successes: result === 'success' ? 1 : 0, failures: result === 'failure' ? 1 : 0 }];
}

const ADMIT: Admission = Object.freeze({ kind: 'admit' });
const PROBE: Admission = Object.freeze({ kind: 'probe' });

/** Checks breaker options and applies the defaults; throws `ConfigurationError` naming `where` and the field. */
export function resolveCircuitBreaker(options: CircuitBreakerOptions | true, where: string): BreakerConfig {
  if (options === true) return DEFAULT_CIRCUIT_BREAKER;
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ConfigurationError({ path: where, expected: 'true or an object of circuit breaker options', received: describeValue(options) });
  }
  const d = DEFAULT_CIRCUIT_BREAKER;
  const known = new Set(Object.keys(d));
  for (const key of Object.keys(options)) {
    if (!known.has(key)) throw new ConfigurationError({ path: `${where}.${key}`, expected: `one of ${[...known].join(', ')}`, received: 'an unknown option' });
  }
  const integer = (field: 'consecutiveFailures' | 'minimumRequests' | 'windowMs' | 'openMs' | 'maxOpenMs', fallback: number): number => {
    const value = options[field];
    if (value === undefined) return fallback;
    if (!Number.isInteger(value) || value < 1) throw new ConfigurationError({ path: `${where}.${field}`, expected: 'an integer >= 1', received: describeValue(value) });
    return value;
  };
  // `=== undefined`, not `??`: a null is a wrong value, as it is for the integer fields.
  const ratio = options.failureRatio === undefined ? d.failureRatio : options.failureRatio;
  if (typeof ratio !== 'number' || !(ratio > 0 && ratio <= 1)) {
    throw new ConfigurationError({ path: `${where}.failureRatio`, expected: 'a number in (0, 1]', received: describeValue(options.failureRatio) });
  }
  const config: BreakerConfig = {
    consecutiveFailures: integer('consecutiveFailures', d.consecutiveFailures),
    failureRatio: ratio,
    minimumRequests: integer('minimumRequests', d.minimumRequests),
    windowMs: integer('windowMs', d.windowMs),
    openMs: integer('openMs', d.openMs),
    maxOpenMs: integer('maxOpenMs', options.openMs ?? d.maxOpenMs),
    whenOpen: options.whenOpen === undefined ? d.whenOpen : options.whenOpen,
    scope: options.scope === undefined ? d.scope : options.scope,
  };
  if (config.whenOpen !== 'fail' && config.whenOpen !== 'wait') {
    throw new ConfigurationError({ path: `${where}.whenOpen`, expected: "'fail' or 'wait'", received: describeValue(options.whenOpen) });
  }
  if (config.scope !== 'venue' && config.scope !== 'operation') {
    throw new ConfigurationError({ path: `${where}.scope`, expected: "'venue' or 'operation'", received: describeValue(options.scope) });
  }
  if (config.maxOpenMs < config.openMs) {
    throw new ConfigurationError({ path: `${where}.maxOpenMs`, expected: `at least openMs (${config.openMs})`, received: describeValue(config.maxOpenMs) });
  }
  return Object.freeze(config);
}

/** A change of a breaker's position, as listeners get it. */
export interface BreakerChange {
  /** `undefined` for the venue-wide breaker; the operation's name with `scope: 'operation'`. */
  readonly operation: string | undefined;
  readonly from: BreakerPosition;
  readonly to: BreakerPosition;
  /** When it changed, epoch ms. */
  readonly at: number;
  /** Why it opened (open only). */
  readonly reason?: string;
  /** When an open breaker lets a probe through, epoch ms (open only). */
  readonly retryAt?: number;
}

/** One breaker's position as `client.protection()` reports it. */
export interface BreakerSnapshot {
  readonly operation: string | undefined;
  readonly position: BreakerPosition;
  /** When it last opened, epoch ms (absent when it never did). */
  readonly openedAt?: number;
  /** When an open breaker lets a probe through, epoch ms. */
  readonly retryAt?: number;
  readonly reason?: string;
}

/** A ticket for one admitted request; hand it back with the answer (`record`) or unused (`abandon`). */
export interface BreakerTicket {
  readonly key: string;
  readonly probe: boolean;
}

const VENUE_KEY = '';

/**
 * The breakers of a venue: one, or one per operation (`scope: 'operation'`). Share the
 * instance between clients of the same venue to share its state. Every method takes the
 * caller's `now` (epoch ms).
 */
export class CircuitBreaker {
  readonly config: BreakerConfig;
  readonly #states = new Map<string, BreakerState>();
  readonly #listeners = new Set<(change: BreakerChange) => void>();
  #changed = CircuitBreaker.#signalling();

  /** @param options - `true` or omitted: every default. */
  constructor(options: CircuitBreakerOptions | true = true) {
    this.config = resolveCircuitBreaker(options, 'new CircuitBreaker(options)');
  }

  /** What the breaker says to a request of `operation` now, without taking the probe. */
  peek(operation: string, now: number): Admission {
    return admit(this.#state(this.#key(operation)), this.config, now).admission;
  }

  /** Why the breaker of `operation` last opened (empty when it never did). */
  openReason(operation: string): string {
    return this.#state(this.#key(operation)).reason;
  }

  /**
   * Whether a reconcile lookup may go now. Lookups do not probe and are not judged (a
   * venue may answer reads while its writes fail): they wait while the breaker is open
   * or its probe is out, and go once it closes. When no write comes to probe it, they go
   * one `openMs` after a probe could have gone, so an intent whose outcome is unknown is
   * never stuck behind a breaker nobody tests.
   */
  peekLookup(operation: string, now: number): Admission {
    const state = this.#state(this.#key(operation));
    switch (state.position) {
      case 'closed':
        return ADMIT;
      case 'halfOpen':
        return state.probeOut ? { kind: 'refuse', retryAt: now + this.config.openMs, position: 'halfOpen' } : ADMIT;
      case 'open': {
        const from = state.openUntil + this.config.openMs;
        return now < from ? { kind: 'refuse', retryAt: from, position: 'open' } : ADMIT;
      }
    }
  }

  /** Takes a place for one request: a ticket, or the refusal. */
  acquire(operation: string, now: number): { readonly ticket: BreakerTicket } | { readonly refused: Extract<Admission, { kind: 'refuse' }> } {
    const key = this.#key(operation);
    const before = this.#state(key);
    const { admission, state } = admit(before, this.config, now);
    if (admission.kind === 'refuse') return { refused: admission };
    this.#set(key, before, state, now);
    return { ticket: { key, probe: admission.kind === 'probe' } };
  }

  /** The answer to an admitted request. */
  record(ticket: BreakerTicket, result: BreakerResult, now: number): void {
    const before = this.#state(ticket.key);
    this.#set(ticket.key, before, record(before, this.config, result, ticket.probe, now), now);
  }

  /** An admitted request that was never sent. */
  abandon(ticket: BreakerTicket, now: number): void {
    if (!ticket.probe) return;
    const before = this.#state(ticket.key);
    this.#set(ticket.key, before, abandonProbe(before), now);
  }

  /** A signal that aborts at the next change of any of these breakers (for a request waiting on one). */
  whenChanged(): AbortSignal {
    return this.#changed.signal;
  }

  /** Calls `listener` on every change of position; returns a function that stops it. */
  onChange(listener: (change: BreakerChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every breaker that has been used, with its position now. */
  snapshot(now: number): readonly BreakerSnapshot[] {
    const keys = this.#states.size === 0 ? [VENUE_KEY] : [...this.#states.keys()];
    return keys.map((key) => {
      const state = this.#state(key);
      const position: BreakerPosition = state.position === 'open' && now >= state.openUntil ? 'halfOpen' : state.position;
      return {
        operation: key === VENUE_KEY ? undefined : key,
        position,
        ...(state.openedAt > 0 ? { openedAt: state.openedAt, reason: state.reason } : {}),
        ...(state.position === 'open' ? { retryAt: state.openUntil } : {}),
      };
    });
  }

  /** A controller whose signal any number of waiting requests may listen to. */
  static #signalling(): AbortController {
    const controller = new AbortController();
    setMaxListeners(0, controller.signal);
    return controller;
  }

  #key(operation: string): string {
    return this.config.scope === 'operation' ? operation : VENUE_KEY;
  }

  #state(key: string): BreakerState {
    return this.#states.get(key) ?? CLOSED;
  }

  #set(key: string, before: BreakerState, after: BreakerState, now: number): void {
    if (after === before) return;
    this.#states.set(key, after);
    // A probe given back is no change of position, but a waiter may now probe: wake them.
    const moved = before.position !== after.position;
    if (!moved && !(before.probeOut && !after.probeOut)) return;
    const controller = this.#changed;
    this.#changed = CircuitBreaker.#signalling();
    controller.abort();
    if (!moved) return;
    const change: BreakerChange = {
      operation: key === VENUE_KEY ? undefined : key,
      from: before.position,
      to: after.position,
      at: now,
      ...(after.position === 'open' ? { reason: after.reason, retryAt: after.openUntil } : {}),
    };
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not break the request that caused the change.
      }
    }
  }
}
