import { describe, expect, it } from 'vitest';
import { simulateContention, type ContentionInput } from '../../../src/backoff/simulate.js';
import { ConfigurationError } from '../../../src/errors/index.js';
import type { RandomSource } from '../../../src/internal/random.js';
import { FixedRandom, SeededRandom } from '../../../src/testing/seeded-random.js';

const BASE_MS = 200;
const MAX_MS = 20_000;
const SEED = 20_150_304;

function run(overrides: Partial<ContentionInput>): ReturnType<typeof simulateContention> {
  return simulateContention({
    clients: 1,
    strategy: 'full',
    baseDelayMs: BASE_MS,
    maxDelayMs: MAX_MS,
    random: new SeededRandom(SEED),
    ...overrides,
  });
}

describe('simulateContention', () => {
  it('a lone client succeeds with one 1 ms call', () => {
    expect(run({ clients: 1 })).toEqual({ totalCalls: 1, completionMs: 1, unfinishedClients: 0 });
  });

  it('two clients without jitter: one wins at tick 0, the other calls again after 1 ms of service + 200 ms', () => {
    // Second call at tick 0 + 1 + 200 = 201, finishing at 202.
    expect(run({ clients: 2, strategy: 'none' })).toEqual({ totalCalls: 3, completionMs: 202, unfinishedClients: 0 });
  });

  it('without jitter the losers stay in lockstep: one winner per round, N(N+1)/2 calls', () => {
    const clients = 10;
    // Round k (k = 1..N) has N − k + 1 callers. After round k the losers wait 1 ms of service
    // plus the nominal delay min(MAX, BASE × 2^(k−1)), all of them the same.
    let roundAt = 0;
    for (let k = 1; k < clients; k++) roundAt += 1 + Math.min(MAX_MS, BASE_MS * 2 ** (k - 1));
    expect(run({ clients, strategy: 'none' })).toEqual({
      totalCalls: (clients * (clients + 1)) / 2,
      completionMs: roundAt + 1,
      unfinishedClients: 0,
    });
  });

  it('a zero delay retries on the next tick, never in the tick already decided', () => {
    // Base 0, no jitter: rounds at ticks 0, 1, 2 with 3, 2, 1 callers.
    expect(run({ clients: 3, strategy: 'none', baseDelayMs: 0, maxDelayMs: 0 })).toEqual({
      totalCalls: 6,
      completionMs: 3,
      unfinishedClients: 0,
    });
  });

  it('stops a client after maxCallsPerClient calls and reports it as unfinished', () => {
    expect(run({ clients: 3, strategy: 'none', maxCallsPerClient: 1 })).toEqual({
      totalCalls: 3,
      completionMs: 1,
      unfinishedClients: 2,
    });
    // With 2 calls each: round 1 (3 calls, client 0 wins), round 2 at 201 (2 calls, client 1 wins),
    // then client 2 has used both calls.
    expect(run({ clients: 3, strategy: 'none', maxCallsPerClient: 2 })).toEqual({
      totalCalls: 5,
      completionMs: 202,
      unfinishedClients: 1,
    });
  });

  it('is deterministic for a seed', () => {
    for (const strategy of ['full', 'equal', 'decorrelated'] as const) {
      expect(run({ clients: 30, strategy, random: new SeededRandom(7) })).toEqual(
        run({ clients: 30, strategy, random: new SeededRandom(7) }),
      );
    }
  });

  it('more clients make more calls', () => {
    const calls = [1, 10, 50].map((clients) => run({ clients }).totalCalls);
    expect(calls[0]).toBeLessThan(calls[1] as number);
    expect(calls[1]).toBeLessThan(calls[2] as number);
  });

  it('every client collides at tick 0, so N clients make at least 2N − 1 calls', () => {
    for (const strategy of ['full', 'equal', 'decorrelated', 'none'] as const) {
      const result = run({ clients: 50, strategy });
      expect(result.totalCalls).toBeGreaterThanOrEqual(2 * 50 - 1);
      expect(result.unfinishedClients).toBe(0);
    }
  });

  it('with 50 clients, every jittered strategy does less work than none', () => {
    const none = run({ clients: 50, strategy: 'none' });
    // 'none' is exactly 50 × 51 / 2 by the lockstep argument above.
    expect(none.totalCalls).toBe(1_275);
    for (const strategy of ['full', 'equal', 'decorrelated'] as const) {
      expect(run({ clients: 50, strategy }).totalCalls, strategy).toBeLessThan(none.totalCalls);
    }
  });

  it.each<[string, Partial<ContentionInput>]>([
    ['zero clients', { clients: 0 }],
    ['fractional clients', { clients: 2.5 }],
    ['zero maxCallsPerClient', { maxCallsPerClient: 0 }],
    ['unknown strategy', { strategy: 'half' as ContentionInput['strategy'] }],
    ['base above cap', { baseDelayMs: 500, maxDelayMs: 100 }],
  ])('rejects %s with ConfigurationError', (_, overrides) => {
    expect(() => run(overrides)).toThrow(ConfigurationError);
  });

  it.each<[string, Partial<ContentionInput>, string]>([
    ['unknown strategy', { strategy: 'half' as ContentionInput['strategy'] }, 'strategy'],
    ['base above cap', { baseDelayMs: 500, maxDelayMs: 100 }, 'simulation.maxDelayMs'],
    ['zero clients', { clients: 0 }, 'clients'],
  ])('names the bad input of %s', (_, overrides, path) => {
    expect(() => run(overrides)).toThrow(expect.objectContaining({ name: 'ConfigurationError', path }));
  });
});

describe('simulateContention over a network (read, then conditional write)', () => {
  /** Every message takes exactly 10 ms, so a round trip of read + write is 40 ms. */
  const EXACT = { meanDelayMs: 10, sdDelayMs: 0 };

  function runNet(overrides: Partial<ContentionInput>): ReturnType<typeof simulateContention> {
    return run({ baseDelayMs: 10, maxDelayMs: 2000, network: EXACT, ...overrides });
  }

  /** A source that fails the test if anything draws from it. */
  const noDraws: RandomSource = {
    next: () => {
      throw new Error('unexpected draw');
    },
    fill: () => {
      throw new Error('unexpected draw');
    },
  };

  it('a lone client reads, writes and is done after four messages', () => {
    expect(runNet({ clients: 1, random: noDraws })).toEqual({ totalCalls: 1, completionMs: 40, unfinishedClients: 0 });
  });

  it('two clients without jitter: the second write fails, then lands after 10 ms of network + 10 ms of backoff', () => {
    // Both read version 0 at 10 and write at 30; client 0's write lands first. Client 1
    // learns at 40, reads again at 40 + 10 + 10 = 60, writes at 80, learns at 90.
    expect(runNet({ clients: 2, strategy: 'none', random: noDraws })).toEqual({
      totalCalls: 3,
      completionMs: 90,
      unfinishedClients: 0,
    });
  });

  it('without jitter or network variance the clients stay in lockstep: N(N+1)/2 writes', () => {
    const clients = 12;
    // Round k (k = 1..N) takes 40 ms; between rounds k and k + 1 the losers back off by
    // min(2000, 10 × 2^(k−1)) on top of the 10 ms that is already the next read's travel.
    let completionMs = 40 * clients;
    for (let k = 1; k < clients; k++) completionMs += Math.min(2000, 10 * 2 ** (k - 1));
    expect(runNet({ clients, strategy: 'none', random: noDraws })).toEqual({
      totalCalls: (clients * (clients + 1)) / 2,
      completionMs,
      unfinishedClients: 0,
    });
  });

  it('a write fails when another write landed between its read and its write, not only on a tie', () => {
    // Round 1: all three read at 10, client 0 wins at 30, clients 1 and 2 learn at 40.
    // Full jitter, draws 0 then 0.5: client 1 waits 0 ms (read at 50, write at 70: wins);
    // client 2 waits floor(0.5 × 10) = 5 ms (read at 55, before client 1's write: version 1;
    // write at 75: fails although it never arrived together with client 1). Its second
    // retry waits floor(0.5 × 20) = 10 ms: read at 105, write at 125, answer at 135.
    expect(runNet({ clients: 3, strategy: 'full', random: new FixedRandom([0, 0.5]) })).toEqual({
      totalCalls: 6,
      completionMs: 135,
      unfinishedClients: 0,
    });
    // The one-tick model only counts same-tick calls as conflicts, so there client 2's
    // retry 5 ms after client 1's succeeds at once.
    expect(run({ clients: 3, strategy: 'full', baseDelayMs: 10, random: new FixedRandom([0, 0.5]) }).totalCalls).toBe(5);
  });

  it('stops a client after maxCallsPerClient writes and reports it as unfinished', () => {
    expect(runNet({ clients: 3, strategy: 'none', maxCallsPerClient: 1, random: noDraws })).toEqual({
      totalCalls: 3,
      completionMs: 40,
      unfinishedClients: 2,
    });
  });

  it('draws network delays from the random source, deterministically for a seed', () => {
    const network = { meanDelayMs: 10, sdDelayMs: 2 };
    const first = runNet({ clients: 20, strategy: 'full', network, random: new SeededRandom(11) });
    expect(runNet({ clients: 20, strategy: 'full', network, random: new SeededRandom(11) })).toEqual(first);
    // With variance, the lone client's four messages no longer add up to exactly 40 ms.
    const lone = runNet({ clients: 1, network, random: new SeededRandom(11) });
    expect(lone.totalCalls).toBe(1);
    expect(lone.completionMs).not.toBe(40);
    expect(lone.completionMs).toBeGreaterThan(0);
  });

  it('every client writes at least once and at most maxCallsPerClient times', () => {
    for (const strategy of ['full', 'equal', 'decorrelated', 'none'] as const) {
      const result = runNet({ clients: 40, strategy, network: { meanDelayMs: 10, sdDelayMs: 2 }, maxCallsPerClient: 5 });
      expect(result.totalCalls, strategy).toBeGreaterThanOrEqual(40);
      expect(result.totalCalls, strategy).toBeLessThanOrEqual(40 * 5);
    }
    // Without network variance no jitter keeps them in lockstep, one winner per round: after
    // 5 rounds (40 + 39 + 38 + 37 + 36 writes) the other 35 give up.
    expect(runNet({ clients: 40, strategy: 'none', maxCallsPerClient: 5, random: noDraws })).toMatchObject({
      totalCalls: 190,
      unfinishedClients: 35,
    });
  });

  it.each([
    ['a negative mean', { meanDelayMs: -1, sdDelayMs: 0 }],
    ['a NaN mean', { meanDelayMs: Number.NaN, sdDelayMs: 0 }],
    ['an infinite standard deviation', { meanDelayMs: 10, sdDelayMs: Number.POSITIVE_INFINITY }],
    ['a negative standard deviation', { meanDelayMs: 10, sdDelayMs: -2 }],
  ])('rejects %s with ConfigurationError', (_, network) => {
    expect(() => runNet({ clients: 2, network })).toThrow(ConfigurationError);
  });
});
