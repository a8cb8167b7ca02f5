import { describe, expect, it } from 'vitest';
import { simulateContention, type ContentionInput } from '../../../src/backoff/simulate.js';
import { ConfigurationError } from '../../../src/errors/index.js';
import { SeededRandom } from '../../../src/testing/seeded-random.js';

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
});
