import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../../../src/errors/index.js';
import {
  abandonProbe,
  admit,
  CircuitBreaker,
  CLOSED,
  DEFAULT_CIRCUIT_BREAKER,
  record,
  resolveCircuitBreaker,
  type Admission,
  type BreakerChange,
  type BreakerConfig,
  type BreakerResult,
  type BreakerState,
  type BreakerTicket,
} from '../../../src/protection/circuit-breaker.js';

/** An instant aligned to the 3 s buckets of the default 30 s window; other times are offsets from it. */
const T0 = 1_700_000_040_000;

function config(overrides: Partial<BreakerConfig> = {}): BreakerConfig {
  return { ...DEFAULT_CIRCUIT_BREAKER, ...overrides };
}

function thrown(run: () => unknown): ConfigurationError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return error as ConfigurationError;
  }
  throw new Error('expected a ConfigurationError, nothing was thrown');
}

/** An open breaker, opened at T0 for `openMs`. */
function opened(openMs = 5_000, reason = '5 failures in a row'): BreakerState {
  return { ...CLOSED, position: 'open', openedAt: T0, openUntil: T0 + openMs, lastOpenMs: openMs, reason };
}

/** A half-open breaker (opened at T0 for `openMs`), with or without its probe out. */
function halfOpen(probeOut: boolean, openMs = 5_000): BreakerState {
  return { ...opened(openMs), position: 'halfOpen', probeOut };
}

type Answer = readonly [BreakerResult, number];
const F = (offsetMs: number): Answer => ['failure', offsetMs];
const S = (offsetMs: number): Answer => ['success', offsetMs];
/** `results` one per ms from `fromMs`: 'F', 'S' or 'N' each. */
function answers(results: string, fromMs = 0): Answer[] {
  return Array.from(results, (letter, i) => [letter === 'F' ? 'failure' : letter === 'S' ? 'success' : 'neutral', fromMs + i] as const);
}

type RecordFn = typeof record;

/** Non-probe answers recorded in order on a closed breaker, with `recordFn` (the real one, or a mutant). */
function replay(overrides: Partial<BreakerConfig>, sequence: readonly Answer[], recordFn: RecordFn = record): BreakerState {
  const resolved = config(overrides);
  return sequence.reduce<BreakerState>((s, [result, offsetMs]) => recordFn(s, resolved, result, false, T0 + offsetMs), CLOSED);
}

describe('DEFAULT_CIRCUIT_BREAKER and CLOSED', () => {
  it('are the documented defaults and an empty closed state, frozen', () => {
    expect(DEFAULT_CIRCUIT_BREAKER).toEqual({ consecutiveFailures: 5, failureRatio: 0.5, minimumRequests: 10, windowMs: 30_000, openMs: 5_000, maxOpenMs: 5_000, whenOpen: 'fail', scope: 'venue' });
    expect(Object.isFrozen(DEFAULT_CIRCUIT_BREAKER)).toBe(true);
    expect(CLOSED).toMatchObject({ position: 'closed', consecutive: 0, buckets: [], probeOut: false, lastOpenMs: 0 });
    expect(Object.isFrozen(CLOSED)).toBe(true);
  });
});

describe('record on a closed breaker', () => {
  // Ratio rows use consecutiveFailures: 100 so only the ratio can open.
  const ratioOnly = { consecutiveFailures: 100 };

  it.each<{ name: string; config: Partial<BreakerConfig>; answers: readonly Answer[]; position: 'closed' | 'open'; reason?: string; consecutive?: number }>([
    { name: '5 failures in a row open it (default)', config: {}, answers: answers('FFFFF'), position: 'open', reason: '5 failures in a row' },
    { name: '4 failures in a row do not', config: {}, answers: answers('FFFF'), position: 'closed', consecutive: 4 },
    { name: 'a success breaks the run', config: {}, answers: answers('FFFFSFFFF'), position: 'closed', consecutive: 4 },
    { name: 'consecutiveFailures 1 opens on the first failure', config: { consecutiveFailures: 1 }, answers: answers('F'), position: 'open', reason: '1 failures in a row' },
    { name: 'neutral answers neither break nor extend the run', config: { consecutiveFailures: 3 }, answers: answers('FNFNNF'), position: 'open', reason: '3 failures in a row' },
    { name: 'neutral answers alone never open it', config: { consecutiveFailures: 1, minimumRequests: 1 }, answers: answers('NNNNNNNNNNNN'), position: 'closed', consecutive: 0 },
    { name: 'ratio: 5 failures of 10 answers open it', config: ratioOnly, answers: answers('SFSFSFSFSF'), position: 'open', reason: '5 of 10 answers in 30000 ms failed' },
    { name: 'ratio: 4 failures of 10 do not', config: ratioOnly, answers: answers('SSFSFSSFSF'), position: 'closed' },
    { name: 'ratio: 8 failures of 9 answers, under minimumRequests, do not', config: ratioOnly, answers: answers('SFFFFFFFF'), position: 'closed' },
    { name: 'ratio: exactly failureRatio opens', config: { ...ratioOnly, minimumRequests: 4, failureRatio: 0.75 }, answers: answers('SFFF'), position: 'open', reason: '3 of 4 answers in 30000 ms failed' },
    { name: 'ratio: just under failureRatio does not', config: { ...ratioOnly, minimumRequests: 4, failureRatio: 0.76 }, answers: answers('SFFF'), position: 'closed' },
    // Would open if neutral answers counted, as failures (4 of 4) or as successes (2 of 4 = 0.5).
    { name: 'ratio: neutral answers count toward neither minimumRequests nor the ratio', config: { ...ratioOnly, minimumRequests: 4 }, answers: answers('NNFF'), position: 'closed' },
    { name: 'ratio: the window judges only on a failure', config: { ...ratioOnly, minimumRequests: 2 }, answers: answers('FS'), position: 'closed' },
    { name: 'window: a failure 31 s ago does not count', config: { ...ratioOnly, minimumRequests: 2 }, answers: [F(0), F(31_000)], position: 'closed', consecutive: 2 },
    { name: 'window: a failure 20 s ago does', config: { ...ratioOnly, minimumRequests: 2 }, answers: [F(0), F(20_000)], position: 'open', reason: '2 of 2 answers in 30000 ms failed' },
    { name: 'window: answers older than windowMs drop out of the count', config: { ...ratioOnly, minimumRequests: 3 }, answers: [F(0), F(1_000), S(2_000), F(32_000)], position: 'closed' },
    { name: 'window: answers within windowMs stay in the count', config: { ...ratioOnly, minimumRequests: 3 }, answers: [F(0), F(1_000), S(2_000), F(29_000)], position: 'open', reason: '3 of 4 answers in 30000 ms failed' },
    { name: 'window: a shorter windowMs drops sooner', config: { ...ratioOnly, minimumRequests: 2, windowMs: 1_000 }, answers: [F(0), F(1_100)], position: 'closed' },
    { name: 'the run of failures is not bounded by the window', config: { consecutiveFailures: 3 }, answers: [F(0), F(60_000), F(120_000)], position: 'open', reason: '3 failures in a row' },
    { name: 'a success keeps its place in the window', config: { ...ratioOnly, minimumRequests: 3, failureRatio: 0.6 }, answers: [S(0), F(1), F(2)], position: 'open', reason: '2 of 3 answers in 30000 ms failed' },
  ])('$name', ({ config: overrides, answers: sequence, position, reason, consecutive }) => {
    const after = replay(overrides, sequence);
    expect(after.position).toBe(position);
    if (reason !== undefined) expect(after.reason).toBe(reason);
    if (consecutive !== undefined) expect(after.consecutive).toBe(consecutive);
    if (position === 'open') {
      const last = sequence[sequence.length - 1];
      const at = T0 + (last?.[1] ?? 0);
      expect(after).toEqual({ position: 'open', consecutive: 0, buckets: [], openedAt: at, openUntil: at + config(overrides).openMs, lastOpenMs: config(overrides).openMs, probeOut: false, reason });
    }
  });

  it('a neutral answer returns the very same state', () => {
    const before = replay({}, answers('FFS'));
    expect(record(before, DEFAULT_CIRCUIT_BREAKER, 'neutral', false, T0 + 10)).toBe(before);
  });

  it('negative control: a record that counted neutral answers would fail the rows above', () => {
    const asFailure: RecordFn = (s, c, result, probe, now) => record(s, c, result === 'neutral' ? 'failure' : result, probe, now);
    const asSuccess: RecordFn = (s, c, result, probe, now) => record(s, c, result === 'neutral' ? 'success' : result, probe, now);
    const ratioRow = { consecutiveFailures: 100, minimumRequests: 4 };
    expect(replay(ratioRow, answers('NNFF')).position).toBe('closed');
    expect(replay(ratioRow, answers('NNFF'), asFailure).position).toBe('open');
    expect(replay(ratioRow, answers('NNFF'), asSuccess).position).toBe('open');
    expect(replay({ consecutiveFailures: 3 }, answers('FNFNNF')).position).toBe('open');
    expect(replay({ consecutiveFailures: 3 }, answers('FNFNNF'), asSuccess).position).toBe('closed');
    expect(replay({ consecutiveFailures: 3 }, answers('FNF'), asFailure).position).toBe('open');
    expect(replay({ consecutiveFailures: 3 }, answers('FNF')).position).toBe('closed');
  });

  it('negative control: a window that never dropped old answers would fail the 31 s row', () => {
    const neverDrops: RecordFn = (s, c, result, probe, now) => record(s, { ...c, windowMs: Number.MAX_SAFE_INTEGER }, result, probe, now);
    const row = { consecutiveFailures: 100, minimumRequests: 2 };
    expect(replay(row, [F(0), F(31_000)]).position).toBe('closed');
    expect(replay(row, [F(0), F(31_000)], neverDrops).position).toBe('open');
  });
});

describe('admit', () => {
  it.each<{ name: string; state: BreakerState; now: number; admission: Admission; after: BreakerState | 'same' }>([
    { name: 'closed: admit', state: CLOSED, now: T0, admission: { kind: 'admit' }, after: 'same' },
    { name: 'open, before openUntil: refuse until openUntil', state: opened(), now: T0 + 4_999, admission: { kind: 'refuse', retryAt: T0 + 5_000, position: 'open' }, after: 'same' },
    { name: 'open, at openUntil: this request is the probe', state: opened(), now: T0 + 5_000, admission: { kind: 'probe' }, after: halfOpen(true) },
    { name: 'open, long after openUntil: the probe', state: opened(), now: T0 + 600_000, admission: { kind: 'probe' }, after: halfOpen(true) },
    { name: 'half-open, probe out: refuse, ask again after openMs', state: halfOpen(true), now: T0 + 6_000, admission: { kind: 'refuse', retryAt: T0 + 11_000, position: 'halfOpen' }, after: 'same' },
    { name: 'half-open, probe given back: the next request probes', state: halfOpen(false), now: T0 + 6_000, admission: { kind: 'probe' }, after: halfOpen(true) },
  ])('$name', ({ state: before, now, admission, after }) => {
    const result = admit(before, DEFAULT_CIRCUIT_BREAKER, now);
    expect(result.admission).toEqual(admission);
    if (after === 'same') expect(result.state).toBe(before);
    else expect(result.state).toEqual(after);
  });
});

describe('record of the probe', () => {
  const resolved = config({ openMs: 5_000, maxOpenMs: 60_000 });

  it('a success closes the breaker and resets its counting state', () => {
    const after = record(halfOpen(true), resolved, 'success', true, T0 + 6_000);
    expect(after).toEqual({ ...CLOSED, openedAt: T0, reason: '5 failures in a row' });
    // Reset: a new run of failures is needed, and the next opening is openMs again, not a doubling.
    expect(record(after, resolved, 'failure', false, T0 + 6_500).position).toBe('closed');
    const fromRecovered = answers('FFFFF', 7_000).reduce<BreakerState>((s, [r, t]) => record(s, resolved, r, false, T0 + t), after);
    expect(fromRecovered).toMatchObject({ position: 'open', openUntil: T0 + 7_004 + 5_000, lastOpenMs: 5_000 });
  });

  it.each<{ name: string; lastOpenMs: number; expectedOpenMs: number }>([
    { name: 'a failure after the first opening doubles it', lastOpenMs: 5_000, expectedOpenMs: 10_000 },
    { name: 'a failure doubles again', lastOpenMs: 20_000, expectedOpenMs: 40_000 },
    { name: 'a doubling past maxOpenMs is capped', lastOpenMs: 40_000, expectedOpenMs: 60_000 },
    { name: 'at maxOpenMs it stays there', lastOpenMs: 60_000, expectedOpenMs: 60_000 },
  ])('$name', ({ lastOpenMs, expectedOpenMs }) => {
    const now = T0 + 70_000;
    const before = { ...halfOpen(true, lastOpenMs) };
    expect(record(before, resolved, 'failure', true, now)).toEqual({
      position: 'open',
      consecutive: 0,
      buckets: [],
      openedAt: now,
      openUntil: now + expectedOpenMs,
      lastOpenMs: expectedOpenMs,
      probeOut: false,
      reason: 'the probe failed',
    });
  });

  it('a neutral answer gives the probe back and changes nothing else', () => {
    expect(record(halfOpen(true), resolved, 'neutral', true, T0 + 6_000)).toEqual(halfOpen(false));
  });

  it('a chain of failed probes: 5, 10, 20, 40, 60, 60 s', () => {
    let s = replay({}, answers('FFFFF'));
    const openings = [s.lastOpenMs];
    for (let i = 0; i < 5; i++) {
      const probe = admit(s, resolved, s.openUntil);
      expect(probe.admission).toEqual({ kind: 'probe' });
      s = record(probe.state, resolved, 'failure', true, s.openUntil);
      openings.push(s.lastOpenMs);
    }
    expect(openings).toEqual([5_000, 10_000, 20_000, 40_000, 60_000, 60_000]);
  });

  it.each<{ name: string; state: BreakerState; result: BreakerResult }>([
    { name: 'open (failure)', state: opened(), result: 'failure' },
    { name: 'open (success)', state: opened(), result: 'success' },
    { name: 'open (neutral)', state: opened(), result: 'neutral' },
    { name: 'half-open, probe out (success)', state: halfOpen(true), result: 'success' },
    { name: 'half-open, probe out (failure)', state: halfOpen(true), result: 'failure' },
    { name: 'half-open, probe given back (success)', state: halfOpen(false), result: 'success' },
  ])('the answer of a request admitted before it opened does not move a breaker $name', ({ state: before, result }) => {
    expect(record(before, resolved, result, false, T0 + 1_000)).toBe(before);
  });
});

describe('abandonProbe', () => {
  it.each<[string, BreakerState, BreakerState | 'same']>([
    ['half-open with its probe out: the next request may probe', halfOpen(true), halfOpen(false)],
    ['half-open without a probe out: unchanged', halfOpen(false), 'same'],
    ['open: unchanged', opened(), 'same'],
    ['closed: unchanged', CLOSED, 'same'],
  ])('%s', (_, before, expected) => {
    const after = abandonProbe(before);
    if (expected === 'same') expect(after).toBe(before);
    else expect(after).toEqual(expected);
  });
});

describe('resolveCircuitBreaker', () => {
  it('true takes every default; {} too; given fields win, frozen', () => {
    expect(resolveCircuitBreaker(true, 'breaker')).toBe(DEFAULT_CIRCUIT_BREAKER);
    expect(resolveCircuitBreaker({}, 'breaker')).toEqual(DEFAULT_CIRCUIT_BREAKER);
    const resolved = resolveCircuitBreaker({ failureRatio: 1, openMs: 1, maxOpenMs: 1, whenOpen: 'wait', scope: 'operation' }, 'breaker');
    expect(resolved).toEqual({ ...DEFAULT_CIRCUIT_BREAKER, failureRatio: 1, openMs: 1, maxOpenMs: 1, whenOpen: 'wait', scope: 'operation' });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  const objectExpected = 'true or an object of circuit breaker options';
  const integer = 'an integer >= 1';
  const ratio = 'a number in (0, 1]';

  it.each<{ name: string; options: unknown; path: string; expected: string; received: string }>([
    { name: 'null options', options: null, path: 'breaker', expected: objectExpected, received: 'null' },
    { name: 'false options', options: false, path: 'breaker', expected: objectExpected, received: 'false' },
    { name: 'an array', options: [1], path: 'breaker', expected: objectExpected, received: 'an array of length 1' },
    { name: 'an unknown key', options: { threshold: 3 }, path: 'breaker.threshold', expected: 'one of consecutiveFailures, failureRatio, minimumRequests, windowMs, openMs, maxOpenMs, whenOpen, scope', received: 'an unknown option' },
    { name: 'consecutiveFailures 0', options: { consecutiveFailures: 0 }, path: 'breaker.consecutiveFailures', expected: integer, received: '0' },
    { name: 'consecutiveFailures fractional', options: { consecutiveFailures: 2.5 }, path: 'breaker.consecutiveFailures', expected: integer, received: '2.5' },
    { name: 'consecutiveFailures a string', options: { consecutiveFailures: '5' }, path: 'breaker.consecutiveFailures', expected: integer, received: '"5"' },
    { name: 'minimumRequests negative', options: { minimumRequests: -1 }, path: 'breaker.minimumRequests', expected: integer, received: '-1' },
    { name: 'minimumRequests null', options: { minimumRequests: null }, path: 'breaker.minimumRequests', expected: integer, received: 'null' },
    { name: 'windowMs 0', options: { windowMs: 0 }, path: 'breaker.windowMs', expected: integer, received: '0' },
    { name: 'windowMs infinite', options: { windowMs: Number.POSITIVE_INFINITY }, path: 'breaker.windowMs', expected: integer, received: 'Infinity' },
    { name: 'openMs fractional', options: { openMs: 0.5 }, path: 'breaker.openMs', expected: integer, received: '0.5' },
    { name: 'maxOpenMs a string', options: { maxOpenMs: '60s' }, path: 'breaker.maxOpenMs', expected: integer, received: '"60s"' },
    { name: 'failureRatio 0', options: { failureRatio: 0 }, path: 'breaker.failureRatio', expected: ratio, received: '0' },
    { name: 'failureRatio above 1', options: { failureRatio: 1.5 }, path: 'breaker.failureRatio', expected: ratio, received: '1.5' },
    { name: 'failureRatio NaN', options: { failureRatio: Number.NaN }, path: 'breaker.failureRatio', expected: ratio, received: 'NaN' },
    { name: 'failureRatio a string', options: { failureRatio: '0.5' }, path: 'breaker.failureRatio', expected: ratio, received: '"0.5"' },
    { name: 'failureRatio null', options: { failureRatio: null }, path: 'breaker.failureRatio', expected: ratio, received: 'null' },
    { name: 'whenOpen unknown', options: { whenOpen: 'queue' }, path: 'breaker.whenOpen', expected: "'fail' or 'wait'", received: '"queue"' },
    { name: 'whenOpen null', options: { whenOpen: null }, path: 'breaker.whenOpen', expected: "'fail' or 'wait'", received: 'null' },
    { name: 'scope unknown', options: { scope: 'endpoint' }, path: 'breaker.scope', expected: "'venue' or 'operation'", received: '"endpoint"' },
    { name: 'scope null', options: { scope: null }, path: 'breaker.scope', expected: "'venue' or 'operation'", received: 'null' },
    { name: 'maxOpenMs below the default openMs', options: { maxOpenMs: 4_000 }, path: 'breaker.maxOpenMs', expected: 'at least openMs (5000)', received: '4000' },
    { name: 'maxOpenMs below the given openMs', options: { openMs: 90_000, maxOpenMs: 60_000 }, path: 'breaker.maxOpenMs', expected: 'at least openMs (90000)', received: '60000' },
  ])('$name: names $path, what was expected and what came', ({ options, path, expected, received }) => {
    const error = thrown(() => resolveCircuitBreaker(options as never, 'breaker'));
    expect(error.code).toBe('ERR_CONFIG_INVALID_OPTION');
    expect({ path: error.path, expected: error.expected, received: error.received }).toEqual({ path, expected, received });
  });

  it('new CircuitBreaker(options) names itself in the path', () => {
    expect(thrown(() => new CircuitBreaker({ openMs: 0 })).path).toBe('new CircuitBreaker(options).openMs');
  });
});

/** A breaker and the changes its listener saw. */
function watched(options: ConstructorParameters<typeof CircuitBreaker>[0] = {}): { breaker: CircuitBreaker; changes: BreakerChange[] } {
  const breaker = new CircuitBreaker(options);
  const changes: BreakerChange[] = [];
  breaker.onChange((change) => changes.push(change));
  return { breaker, changes };
}

function ticketOf(result: ReturnType<CircuitBreaker['acquire']>): BreakerTicket {
  if (!('ticket' in result)) throw new Error(`expected a ticket, got a refusal until ${result.refused.retryAt}`);
  return result.ticket;
}

/** Opens `breaker` (operation `op`) with consecutive failures at `at`. */
function openIt(breaker: CircuitBreaker, at: number, op = 'createOrder'): void {
  for (let i = 0; i < breaker.config.consecutiveFailures; i++) breaker.record(ticketOf(breaker.acquire(op, at)), 'failure', at);
}

describe('CircuitBreaker', () => {
  it('takes the defaults with no options', () => {
    expect(new CircuitBreaker().config).toBe(DEFAULT_CIRCUIT_BREAKER);
  });

  it('goes closed → open → halfOpen → closed, telling listeners from, to, at, reason and retryAt', () => {
    const { breaker, changes } = watched();
    openIt(breaker, T0);
    expect(breaker.acquire('createOrder', T0 + 4_999)).toEqual({ refused: { kind: 'refuse', retryAt: T0 + 5_000, position: 'open' } });
    const probe = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
    expect(probe.probe).toBe(true);
    breaker.record(probe, 'success', T0 + 5_100);
    expect(breaker.acquire('createOrder', T0 + 5_200)).toEqual({ ticket: { key: '', probe: false } });
    expect(changes).toEqual([
      { operation: undefined, from: 'closed', to: 'open', at: T0, reason: '5 failures in a row', retryAt: T0 + 5_000 },
      { operation: undefined, from: 'open', to: 'halfOpen', at: T0 + 5_000 },
      { operation: undefined, from: 'halfOpen', to: 'closed', at: T0 + 5_100 },
    ]);
  });

  it('a failed probe reopens for twice as long, up to maxOpenMs', () => {
    const { breaker, changes } = watched({ openMs: 1_000, maxOpenMs: 3_000 });
    openIt(breaker, T0);
    let at = T0 + 1_000;
    for (const expected of [2_000, 3_000, 3_000]) {
      breaker.record(ticketOf(breaker.acquire('createOrder', at)), 'failure', at);
      expect(changes[changes.length - 1]).toEqual({ operation: undefined, from: 'halfOpen', to: 'open', at, reason: 'the probe failed', retryAt: at + expected });
      at += expected;
    }
  });

  it('while the probe is out, every other request is refused; a second probe is never handed out', () => {
    const { breaker } = watched();
    openIt(breaker, T0);
    const probe = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
    expect(probe.probe).toBe(true);
    for (const at of [T0 + 5_000, T0 + 6_000, T0 + 60_000]) {
      expect(breaker.acquire('createOrder', at)).toEqual({ refused: { kind: 'refuse', retryAt: at + 5_000, position: 'halfOpen' } });
    }
    breaker.record(probe, 'success', T0 + 60_000);
    expect(ticketOf(breaker.acquire('createOrder', T0 + 60_000)).probe).toBe(false);
  });

  it('a neutral probe answer gives the probe back: the next request probes', () => {
    const { breaker, changes } = watched();
    openIt(breaker, T0);
    breaker.record(ticketOf(breaker.acquire('createOrder', T0 + 5_000)), 'neutral', T0 + 5_001);
    expect(breaker.snapshot(T0 + 5_002)[0]?.position).toBe('halfOpen');
    expect(ticketOf(breaker.acquire('createOrder', T0 + 5_002)).probe).toBe(true);
    expect(changes.map((c) => c.to)).toEqual(['open', 'halfOpen']);
  });

  it('abandoning the probe lets the next request probe; abandoning an ordinary ticket does nothing', () => {
    const { breaker } = watched();
    const ordinary = ticketOf(breaker.acquire('createOrder', T0));
    breaker.abandon(ordinary, T0);
    expect(breaker.snapshot(T0)).toEqual([{ operation: undefined, position: 'closed' }]);
    openIt(breaker, T0);
    const probe = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
    expect('refused' in breaker.acquire('createOrder', T0 + 5_000)).toBe(true);
    breaker.abandon(probe, T0 + 5_000);
    expect(ticketOf(breaker.acquire('createOrder', T0 + 5_000)).probe).toBe(true);
  });

  it('answers of requests admitted before it opened move neither an open nor a half-open breaker', () => {
    const { breaker, changes } = watched();
    const early = Array.from({ length: 3 }, () => ticketOf(breaker.acquire('createOrder', T0)));
    openIt(breaker, T0);
    const [a, b, c] = early as [BreakerTicket, BreakerTicket, BreakerTicket];
    breaker.record(a, 'success', T0 + 100);
    breaker.record(b, 'failure', T0 + 200);
    expect(breaker.snapshot(T0 + 300)).toEqual([{ operation: undefined, position: 'open', openedAt: T0, retryAt: T0 + 5_000, reason: '5 failures in a row' }]);
    const probe = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
    breaker.record(c, 'success', T0 + 5_001);
    expect('refused' in breaker.acquire('createOrder', T0 + 5_002)).toBe(true);
    breaker.record(probe, 'failure', T0 + 5_003);
    expect(changes.map((change) => `${change.from}->${change.to}`)).toEqual(['closed->open', 'open->halfOpen', 'halfOpen->open']);
  });

  it("scope 'operation' keeps one state per operation", () => {
    const { breaker, changes } = watched({ scope: 'operation' });
    openIt(breaker, T0, 'createOrder');
    const cancel = ticketOf(breaker.acquire('cancelOrder', T0));
    expect(cancel.key).toBe('cancelOrder');
    breaker.record(cancel, 'success', T0);
    expect('refused' in breaker.acquire('createOrder', T0)).toBe(true);
    expect(breaker.peek('cancelOrder', T0)).toEqual({ kind: 'admit' });
    expect(changes).toEqual([{ operation: 'createOrder', from: 'closed', to: 'open', at: T0, reason: '5 failures in a row', retryAt: T0 + 5_000 }]);
    expect(breaker.snapshot(T0)).toEqual([
      { operation: 'createOrder', position: 'open', openedAt: T0, retryAt: T0 + 5_000, reason: '5 failures in a row' },
      { operation: 'cancelOrder', position: 'closed' },
    ]);
  });

  it("scope 'venue' (the default) keeps one state for every operation", () => {
    const { breaker } = watched();
    // Failures spread over operations add up.
    for (const op of ['createOrder', 'cancelOrder', 'getOrder', 'createOrder', 'cancelOrder']) breaker.record(ticketOf(breaker.acquire(op, T0)), 'failure', T0);
    expect(breaker.peek('anything', T0)).toEqual({ kind: 'refuse', retryAt: T0 + 5_000, position: 'open' });
    expect(breaker.snapshot(T0)).toHaveLength(1);
    expect(breaker.snapshot(T0)[0]?.operation).toBeUndefined();
  });

  it('peek says what acquire would, without taking the probe', () => {
    const { breaker } = watched();
    expect(breaker.peek('createOrder', T0)).toEqual({ kind: 'admit' });
    openIt(breaker, T0);
    expect(breaker.peek('createOrder', T0 + 5_000)).toEqual({ kind: 'probe' });
    expect(breaker.peek('createOrder', T0 + 5_000)).toEqual({ kind: 'probe' });
    expect(ticketOf(breaker.acquire('createOrder', T0 + 5_000)).probe).toBe(true);
    expect(breaker.peek('createOrder', T0 + 5_000)).toEqual({ kind: 'refuse', retryAt: T0 + 10_000, position: 'halfOpen' });
  });

  it('a throwing listener neither breaks record nor keeps the other listeners from hearing', () => {
    const breaker = new CircuitBreaker({ consecutiveFailures: 1 });
    const heard: string[] = [];
    breaker.onChange(() => {
      throw new Error('listener bug');
    });
    breaker.onChange((change) => heard.push(change.to));
    expect(() => {
      breaker.record(ticketOf(breaker.acquire('createOrder', T0)), 'failure', T0);
    }).not.toThrow();
    expect(heard).toEqual(['open']);
    expect(breaker.peek('createOrder', T0).kind).toBe('refuse');
  });

  it('onChange returns a function that stops the listener', () => {
    const { breaker, changes } = watched({ consecutiveFailures: 1 });
    const more: BreakerChange[] = [];
    const stop = breaker.onChange((change) => more.push(change));
    stop();
    openIt(breaker, T0);
    expect(changes).toHaveLength(1);
    expect(more).toEqual([]);
  });

  describe('whenChanged', () => {
    it('aborts when the position changes, then hands out a fresh signal', () => {
      const breaker = new CircuitBreaker();
      const signal = breaker.whenChanged();
      expect(breaker.whenChanged()).toBe(signal);
      // Answers that do not move the breaker leave it alone.
      breaker.record(ticketOf(breaker.acquire('createOrder', T0)), 'failure', T0);
      breaker.record(ticketOf(breaker.acquire('createOrder', T0)), 'success', T0);
      breaker.record(ticketOf(breaker.acquire('createOrder', T0)), 'neutral', T0);
      expect(signal.aborted).toBe(false);
      openIt(breaker, T0);
      expect(signal.aborted).toBe(true);
      const next = breaker.whenChanged();
      expect(next.aborted).toBe(false);
      // open → halfOpen when the probe is taken is a change of position.
      const probe = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
      expect(next.aborted).toBe(true);
      const afterProbe = breaker.whenChanged();
      breaker.record(probe, 'success', T0 + 5_001);
      expect(afterProbe.aborted).toBe(true);
    });

    it('aborts when the probe is given back (neutral or abandoned), not when a half-open probe is taken or refused', () => {
      const breaker = new CircuitBreaker();
      openIt(breaker, T0);
      const first = ticketOf(breaker.acquire('createOrder', T0 + 5_000));
      let signal = breaker.whenChanged();
      expect('refused' in breaker.acquire('createOrder', T0 + 5_000)).toBe(true);
      expect(signal.aborted).toBe(false);
      breaker.record(first, 'neutral', T0 + 5_001);
      expect(signal.aborted).toBe(true);

      signal = breaker.whenChanged();
      const second = ticketOf(breaker.acquire('createOrder', T0 + 5_002));
      expect(second.probe).toBe(true);
      expect(signal.aborted).toBe(false);
      breaker.abandon(second, T0 + 5_003);
      expect(signal.aborted).toBe(true);
    });
  });

  describe('snapshot', () => {
    it('a breaker never used: one closed venue breaker, nothing else', () => {
      expect(new CircuitBreaker().snapshot(T0)).toEqual([{ operation: undefined, position: 'closed' }]);
    });

    it('open until openUntil, then halfOpen (the next request probes) before anyone asked', () => {
      const breaker = new CircuitBreaker();
      openIt(breaker, T0);
      expect(breaker.snapshot(T0 + 4_999)).toEqual([{ operation: undefined, position: 'open', openedAt: T0, retryAt: T0 + 5_000, reason: '5 failures in a row' }]);
      expect(breaker.snapshot(T0 + 5_000)[0]?.position).toBe('halfOpen');
    });

    it('after recovering: closed, still saying when and why it last opened', () => {
      const breaker = new CircuitBreaker();
      openIt(breaker, T0);
      breaker.record(ticketOf(breaker.acquire('createOrder', T0 + 5_000)), 'success', T0 + 5_001);
      expect(breaker.snapshot(T0 + 5_002)).toEqual([{ operation: undefined, position: 'closed', openedAt: T0, reason: '5 failures in a row' }]);
    });
  });
});

describe('maxOpenMs follows openMs unless given', () => {
  it('a given openMs without maxOpenMs probes at a steady pace of openMs', () => {
    expect(resolveCircuitBreaker({ openMs: 90_000 }, 'breaker')).toMatchObject({ openMs: 90_000, maxOpenMs: 90_000 });
    expect(resolveCircuitBreaker({ openMs: 90_000, maxOpenMs: 120_000 }, 'breaker')).toMatchObject({ openMs: 90_000, maxOpenMs: 120_000 });
  });
});
