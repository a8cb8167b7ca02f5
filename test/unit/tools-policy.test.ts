import { spawnSync } from 'node:child_process';
import axios, { AxiosError, type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import axiosRetry from 'axios-retry';
import pRetry, { AbortError } from 'p-retry';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { STRATEGY_SERIES, seedFor } from '../../bench/jitter-experiment.js';
import { JITTER_STRATEGIES, computeBackoffDelay, type JitterStrategy } from '../../src/backoff/jitter.js';
import { simulateContention } from '../../src/backoff/simulate.js';
import { resolveClientOptions } from '../../src/client/options.js';
import { ConfigurationError } from '../../src/errors/index.js';
import { MemoryLedger } from '../../src/stores/memory/memory-ledger.js';
import { FixedRandom, SeededRandom } from '../../src/testing/seeded-random.js';
import {
  DEFAULT_RETRY_POLICY,
  EXPORT_TARGETS,
  closedFormBounds,
  exportPolicy,
  fleetLoad,
  policySvg,
  policyTimeline,
  resolveRetryPolicy,
  timelineChart,
  toAxiosRetryOptions,
  toPRetryOptions,
  type AttemptBounds,
  type PolicyTimeline,
  type RetryPolicy,
} from '../../src/tools/policy.js';
import { genericVenue } from '../../src/venues/generic.js';

const policyOf = (over: Partial<RetryPolicy>): RetryPolicy => resolveRetryPolicy(over);
/** A draw as close to 1 as a 32-bit source gets. */
const TOP = 1 - 2 ** -32;

describe('DEFAULT_RETRY_POLICY', () => {
  it('is what createIntentClient resolves when retry is omitted', () => {
    const resolved = resolveClientOptions({ venue: genericVenue, ledger: new MemoryLedger() });
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: resolved.maxAttempts,
      jitter: resolved.jitter,
      baseDelayMs: resolved.baseDelayMs,
      maxDelayMs: resolved.maxDelayMs,
      deadlineMs: resolved.deadlineMs,
      maxRetryAfterMs: resolved.maxRetryAfterMs,
    });
  });

  it.each([
    [{ baseDelayMs: -1 }, 'policy.baseDelayMs'],
    [{ baseDelayMs: 1.5 }, 'policy.baseDelayMs'],
    [{ baseDelayMs: 500, maxDelayMs: 100 }, 'policy.maxDelayMs'],
    [{ maxAttempts: 0 }, 'policy.maxAttempts'],
    [{ maxAttempts: 1001 }, 'policy.maxAttempts'],
    [{ jitter: 'sometimes' as JitterStrategy }, 'policy.jitter'],
    [{ deadlineMs: 0 }, 'policy.deadlineMs'],
    [{ maxRetryAfterMs: Number.NaN }, 'policy.maxRetryAfterMs'],
  ])('rejects %o at %s', (input, path) => {
    expect(() => resolveRetryPolicy(input)).toThrow(ConfigurationError);
    try {
      resolveRetryPolicy(input);
    } catch (error) {
      expect((error as ConfigurationError).path).toBe(path);
    }
  });

  it('refuses what the client refuses, with the same wording (one retry schema)', () => {
    const caught = (run: () => unknown): ConfigurationError => {
      try {
        run();
      } catch (error) {
        if (error instanceof ConfigurationError) return error;
        throw error;
      }
      throw new Error('expected a ConfigurationError');
    };
    const bad: Partial<Record<keyof RetryPolicy, unknown>>[] = [{ baseDelayMs: 1.5 }, { maxAttempts: 1001 }, { maxDelayMs: 100 }, { jitter: 'x' }, { deadlineMs: 2 ** 31 }];
    for (const retry of bad) {
      const fromPolicy = caught(() => resolveRetryPolicy(retry as Partial<RetryPolicy>));
      const fromClient = caught(() => resolveClientOptions({ venue: genericVenue, ledger: new MemoryLedger(), retry }));
      expect(fromPolicy.path.replace(/^policy\./, '')).toBe(fromClient.path.replace(/^options\.retry\./, ''));
      expect([fromPolicy.expected, fromPolicy.received]).toEqual([fromClient.expected, fromClient.received]);
    }
  });

  it('takes the cap up to the base when only a large base is given, as the client does', () => {
    expect(resolveRetryPolicy({ baseDelayMs: 30_000 }).maxDelayMs).toBe(30_000);
    expect(resolveClientOptions({ venue: genericVenue, ledger: new MemoryLedger(), retry: { baseDelayMs: 30_000 } }).maxDelayMs).toBe(30_000);
  });
});

/** Every simulated value lies inside the analytical range; returns the violations. */
function violations(timeline: PolicyTimeline, bounds: readonly AttemptBounds[]): string[] {
  const found: string[] = [];
  for (const a of timeline.attempts) {
    const b = bounds[a.attempt - 1] as AttemptBounds;
    if (b.reach === 'never' && a.reached > 0) found.push(`#${a.attempt} sent although never reachable`);
    if (b.reach === 'always' && a.reachedShare !== 1) found.push(`#${a.attempt} not always sent`);
    if (a.waitMs === null || a.elapsedMs === null || b.waitMs === null || b.elapsedMs === null) continue;
    if (a.waitMs.min < b.waitMs.min) found.push(`#${a.attempt} wait min ${a.waitMs.min} < ${b.waitMs.min}`);
    if (a.waitMs.max > b.waitMs.max) found.push(`#${a.attempt} wait max ${a.waitMs.max} > ${b.waitMs.max}`);
    if (a.elapsedMs.min < b.elapsedMs.min) found.push(`#${a.attempt} elapsed min ${a.elapsedMs.min} < ${b.elapsedMs.min}`);
    if (a.elapsedMs.max > b.elapsedMs.max) found.push(`#${a.attempt} elapsed max ${a.elapsedMs.max} > ${b.elapsedMs.max}`);
  }
  return found;
}

describe('policyTimeline against closedFormBounds', () => {
  const base = { maxAttempts: 8, baseDelayMs: 100, maxDelayMs: 3000, deadlineMs: 1_000_000 };

  describe.each(JITTER_STRATEGIES)('%s jitter', (jitter) => {
    const policy = policyOf({ ...base, jitter });
    const bounds = closedFormBounds(policy);
    const timeline = policyTimeline(policy, { draws: 20_000, seed: 11 });

    it('every simulated wait and send time is inside the analytical bounds', () => {
      expect(violations(timeline, bounds)).toEqual([]);
    });

    it('with many draws the extreme single waits come within 1% of the bounds', () => {
      for (const a of timeline.attempts.slice(1)) {
        const b = bounds[a.attempt - 1] as AttemptBounds;
        const range = Math.max(1, b.waitMs!.max - b.waitMs!.min);
        expect(a.waitMs!.min - b.waitMs!.min, `#${a.attempt} min`).toBeLessThanOrEqual(0.01 * range + 1);
        // Decorrelated jitter reaches its top only after top draws at every earlier retry,
        // which 20,000 draws do not see beyond the first retry.
        if (jitter !== 'decorrelated' || a.attempt === 2) {
          expect(b.waitMs!.max - a.waitMs!.max, `#${a.attempt} max`).toBeLessThanOrEqual(0.01 * range + 1);
        }
      }
    });

    it('the bounds are attained: all-lowest draws give the minima, all-highest draws the maxima', () => {
      const low = policyTimeline(policy, { draws: 1, random: new FixedRandom([0]) });
      const high = policyTimeline(policy, { draws: 1, random: new FixedRandom([TOP]) });
      for (const a of low.attempts) {
        const b = bounds[a.attempt - 1] as AttemptBounds;
        expect(a.elapsedMs!.min, `#${a.attempt} low`).toBe(b.elapsedMs!.min);
        expect(high.attempts[a.attempt - 1]!.elapsedMs!.max, `#${a.attempt} high`).toBe(b.elapsedMs!.max);
      }
    });

    it('percentiles are ordered and the share sent is 1 without a binding deadline', () => {
      for (const a of timeline.attempts) {
        const s = a.elapsedMs!;
        expect(s.min <= s.p50 && s.p50 <= s.p95 && s.p95 <= s.max).toBe(true);
        expect(a.reachedShare).toBe(1);
      }
    });
  });

  it.each(JITTER_STRATEGIES)('%s: with a deadline that cuts the timeline, values stay within the clipped bounds', (jitter) => {
    const policy = policyOf({ maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 5000, deadlineMs: 4000, jitter });
    for (const attemptMs of [0, 250]) {
      const bounds = closedFormBounds(policy, { attemptMs });
      const timeline = policyTimeline(policy, { draws: 5000, seed: 5, attemptMs });
      expect(violations(timeline, bounds)).toEqual([]);
      // Nothing is sent at or after the deadline, and the draws stopped add up.
      for (const a of timeline.attempts) if (a.elapsedMs !== null) expect(a.elapsedMs.max).toBeLessThan(4000);
      const stopped = timeline.attempts.reduce((n, a) => n + a.stoppedByDeadline, 0);
      expect(stopped).toBe(timeline.draws - timeline.attempts.at(-1)!.reached);
    }
  });

  it('the bounds check is sharp: full-jitter draws break equal-jitter bounds (negative control)', () => {
    const full = policyTimeline(policyOf({ ...base, jitter: 'full' }), { draws: 2000, seed: 3 });
    expect(violations(full, closedFormBounds(policyOf({ ...base, jitter: 'equal' }))).length).toBeGreaterThan(0);
  });

  it('known values: no jitter doubles from the base up to the cap', () => {
    const bounds = closedFormBounds(policyOf({ maxAttempts: 6, jitter: 'none', baseDelayMs: 200, maxDelayMs: 1000, deadlineMs: 60_000 }));
    expect(bounds.map((b) => b.waitMs!.max)).toEqual([0, 200, 400, 800, 1000, 1000]);
    expect(bounds.map((b) => b.elapsedMs!.max)).toEqual([0, 200, 600, 1400, 2400, 3400]);
    const deadline = closedFormBounds(policyOf({ maxAttempts: 6, jitter: 'none', baseDelayMs: 200, maxDelayMs: 1000, deadlineMs: 1400 }));
    expect(deadline.map((b) => b.reach)).toEqual(['always', 'always', 'always', 'never', 'never', 'never']);
  });

  it('is reproducible by seed and changes with it', () => {
    const policy = policyOf({ jitter: 'decorrelated' });
    expect(policyTimeline(policy, { draws: 500, seed: 9 })).toEqual(policyTimeline(policy, { draws: 500, seed: 9 }));
    expect(policyTimeline(policy, { draws: 500, seed: 9 }).attempts[3]).not.toEqual(policyTimeline(policy, { draws: 500, seed: 10 }).attempts[3]);
  });

  it('refuses a run too large to hold', () => {
    expect(() => policyTimeline(policyOf({ maxAttempts: 1000 }), { draws: 10_000 })).toThrow(/draws/);
  });
});

describe('agreement with the simulation behind npm run bench:jitter', () => {
  // simulateContention's one-tick model with two clients: client 0 wins tick 0, client 1
  // learns of its conflict at tick 1 and calls again at 1 + its first backoff, alone, so
  // the run ends at that send + 1. That is the timeline's attempt 2 with attemptMs 1,
  // drawn from the same seeded source.
  it.each(STRATEGY_SERIES.map((s) => [s.label, s] as const))('%s, on the bench seeds: attempt 2 matches the contention run exactly', (_label, series) => {
    const policy = policyOf({ maxAttempts: 2, jitter: series.strategy, baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs });
    for (let run = 0; run < 25; run++) {
      const seed = seedFor(run, 2);
      const contention = simulateContention({ clients: 2, strategy: series.strategy, baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs, random: new SeededRandom(seed) });
      const timeline = policyTimeline(policy, { draws: 1, attemptMs: 1, random: new SeededRandom(seed) });
      expect(timeline.attempts[1]!.elapsedMs!.max + 1).toBe(contention.completionMs);
    }
  });

  it('no jitter, N clients in lockstep: the last client finishes at the timeline send time of attempt N + 1', () => {
    const series = STRATEGY_SERIES.find((s) => s.strategy === 'none')!;
    for (const clients of [1, 2, 5, 10, 20]) {
      const contention = simulateContention({ clients, strategy: 'none', baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs, random: new SeededRandom(1) });
      const timeline = policyTimeline(policyOf({ maxAttempts: clients, jitter: 'none', baseDelayMs: series.baseDelayMs, maxDelayMs: series.maxDelayMs }), { draws: 1, attemptMs: 1 });
      expect(timeline.attempts.at(-1)!.elapsedMs!.max + 1).toBe(contention.completionMs);
    }
  });
});

describe('fleetLoad', () => {
  const policy = policyOf({ maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 8000, deadlineMs: 60_000 });

  it.each(JITTER_STRATEGIES)('%s: requests and outcomes add up', (jitter) => {
    const load = fleetLoad({ ...policy, jitter }, { clients: 300, outageMs: 5000, spreadMs: 2000, seed: 4 });
    expect(load.buckets.reduce((n, b) => n + b.requests, 0)).toBe(load.totalRequests);
    expect(load.buckets.reduce((n, b) => n + b.firstAttempts, 0)).toBe(300);
    expect(load.succeeded + load.exhaustedAttempts + load.stoppedByDeadline).toBe(300);
    expect(load.totalRequests).toBeGreaterThanOrEqual(300);
    expect(load.totalRequests).toBeLessThanOrEqual(300 * 5);
    // First sends fall inside the spread window only.
    for (const b of load.buckets) if (b.startMs >= 2000) expect(b.firstAttempts).toBe(0);
  });

  it('no outage: one request per client, all succeed', () => {
    const load = fleetLoad(policy, { clients: 100, outageMs: 0 });
    expect(load).toMatchObject({ totalRequests: 100, succeeded: 100, amplification: 1 });
  });

  it('an outage past every attempt: each client sends maxAttempts requests; no jitter sends them in lockstep', () => {
    const load = fleetLoad({ ...policy, jitter: 'none' }, { clients: 100 });
    expect(load.totalRequests).toBe(500);
    expect(load.exhaustedAttempts).toBe(100);
    // Waits 1, 2, 4, 8 s: sends at 0, 1, 3, 7, 15 s, every client in the same second.
    expect(load.buckets.filter((b) => b.requests > 0).map((b) => [b.startMs, b.requests])).toEqual([
      [0, 100],
      [1000, 100],
      [3000, 100],
      [7000, 100],
      [15_000, 100],
    ]);
  });

  it('jitter flattens the storm: in 250 ms windows full jitter retries peak at under half of no jitter', () => {
    const peakRetries = (jitter: JitterStrategy): number =>
      Math.max(...fleetLoad({ ...policy, jitter }, { clients: 1000, seed: 2, bucketMs: 250 }).buckets.map((b) => b.retries));
    expect(peakRetries('none')).toBe(1000);
    expect(peakRetries('full')).toBeLessThan(500);
  });

  it('clients stopped by the deadline are counted', () => {
    const load = fleetLoad(policyOf({ maxAttempts: 10, baseDelayMs: 1000, maxDelayMs: 20_000, deadlineMs: 10_000, jitter: 'none' }), { clients: 10 });
    // Sends at 0, 1, 3, 7 s; the next would be at 15 s, past the 10 s deadline.
    expect(load).toMatchObject({ totalRequests: 40, stoppedByDeadline: 10, exhaustedAttempts: 0 });
  });

  it('rejects bad options by name', () => {
    expect(() => fleetLoad(policy, { clients: 0 })).toThrow(/fleet\.clients/);
    expect(() => fleetLoad(policy, { clients: 1, bucketMs: 1 })).toThrow(/fleet\.bucketMs/);
  });
});

describe('exportPolicy', () => {
  const policies = JITTER_STRATEGIES.map((jitter) => policyOf({ maxAttempts: 4, jitter, baseDelayMs: 150, maxDelayMs: 12_000, deadlineMs: 30_000, maxRetryAfterMs: 45_000 }));

  /** Reads the `key: value` lines of the exported TS object literal. */
  function tsLiteral(text: string): Record<string, unknown> {
    const body = /= \{\n([\s\S]*?)\n\};/.exec(text)?.[1] ?? '';
    return Object.fromEntries(
      body.split('\n').map((line) => {
        const [, key, raw] = /^\s+(\w+): (.+),$/.exec(line) ?? [];
        const value = raw!.startsWith("'") ? raw!.slice(1, -1) : Number(raw!.replace(/_/g, ''));
        return [key, value] as [string, unknown];
      }),
    );
  }

  const asClientRetry = (retry: unknown) => {
    const r = resolveClientOptions({ venue: genericVenue, ledger: new MemoryLedger(), retry });
    return { maxAttempts: r.maxAttempts, jitter: r.jitter, baseDelayMs: r.baseDelayMs, maxDelayMs: r.maxDelayMs, deadlineMs: r.deadlineMs, maxRetryAfterMs: r.maxRetryAfterMs };
  };

  it.each(policies.map((p) => [p.jitter, p] as const))('%s: ts, json and yaml read back as createIntentClient retry options with the same values', async (_j, policy) => {
    // js-yaml ships with the lint toolchain; a real YAML parser, not the exporter's own rules.
    const specifier: string = 'js-yaml';
    const yaml = (await import(specifier)) as { load(text: string): unknown };
    const fromTs = tsLiteral(exportPolicy(policy, 'ts').text);
    const fromJson = (JSON.parse(exportPolicy(policy, 'json').text) as { retry: unknown }).retry;
    const fromYaml = (yaml.load(exportPolicy(policy, 'yaml').text) as { retry: unknown }).retry;
    for (const retry of [fromTs, fromJson, fromYaml]) {
      expect(retry).toEqual(policy);
      // The strict option schema refuses any name the client does not know.
      expect(asClientRetry(retry)).toEqual(policy);
    }
    for (const target of ['ts', 'json', 'yaml'] as const) expect(exportPolicy(policy, target).caveats).toEqual([]);
  });

  it.each(policies.map((p) => [p.jitter, p] as const))('%s: every other target has caveats, including Retry-After where it is not read', (jitter, policy) => {
    for (const target of ['p-retry', 'python', 'csharp'] as const) {
      const { caveats } = exportPolicy(policy, target);
      expect(caveats.some((c) => c.includes('Retry-After')), target).toBe(true);
    }
    expect(exportPolicy(policy, 'axios-retry').caveats.some((c) => c.includes('deadline'))).toBe(true);
    expect(exportPolicy(policy, 'p-retry').caveats.some((c) => c.includes('randomize'))).toBe(true);
    const decorrelatedCaveat = (target: 'python' | 'csharp') => exportPolicy(policy, target).caveats.some((c) => c.includes('decorrelated'));
    expect(decorrelatedCaveat('python')).toBe(jitter === 'decorrelated');
    expect(decorrelatedCaveat('csharp')).toBe(jitter === 'decorrelated');
  });

  it.each([
    ['none', 'wait_exponential(multiplier=0.15, min=0, max=12)'],
    ['full', 'wait_random_exponential(multiplier=0.15, max=12)'],
    ['equal', 'wait_exponential(multiplier=0.075, min=0, max=6) + wait_random_exponential(multiplier=0.075, max=6)'],
    ['decorrelated', 'wait_random_exponential(multiplier=0.15, max=12)'],
  ] as const)('python %s: attempts, deadline in seconds and the wait', (jitter, wait) => {
    const { text } = exportPolicy(policies.find((p) => p.jitter === jitter)!, 'python');
    expect(text).toContain('stop=stop_after_attempt(4) | stop_before_delay(30)');
    expect(text).toContain(`wait=${wait},`);
  });

  const python = spawnSync('python3', ['--version']).status === 0;
  it.skipIf(!python)('python exports are valid Python', () => {
    for (const policy of policies) {
      const run = spawnSync('python3', ['-c', 'import ast, sys; ast.parse(sys.stdin.read())'], { input: exportPolicy(policy, 'python').text });
      expect(run.status, run.stderr.toString()).toBe(0);
    }
  });

  it.each([
    ['none', ['BackoffType = DelayBackoffType.Exponential', 'UseJitter = false', 'Delay = TimeSpan.FromMilliseconds(150)', 'MaxDelay = TimeSpan.FromMilliseconds(12000)']],
    ['full', ['DelayGenerator', 'Math.Min(12000d, 150d * Math.Pow(2, args.AttemptNumber))', 'Random.Shared.NextDouble() * nominal']],
    ['equal', ['DelayGenerator', 'nominal / 2 + Random.Shared.NextDouble() * nominal / 2']],
    ['decorrelated', ['UseJitter = true', 'MaxDelay = TimeSpan.FromMilliseconds(12000)']],
  ] as const)('csharp %s: Polly v8 retry inside the deadline timeout', (jitter, parts) => {
    const { text } = exportPolicy(policies.find((p) => p.jitter === jitter)!, 'csharp');
    expect(text).toContain('MaxRetryAttempts = 3,');
    expect(text.indexOf('.AddTimeout(TimeSpan.FromMilliseconds(30000))')).toBeLessThan(text.indexOf('.AddRetry('));
    for (const part of parts) expect(text).toContain(part);
    expect(text.split('{').length).toBe(text.split('}').length);
  });

  it('refuses an unknown target', () => {
    expect(() => exportPolicy(DEFAULT_RETRY_POLICY, 'cobol' as never)).toThrow(ConfigurationError);
    expect(EXPORT_TARGETS).toHaveLength(7);
  });
});

describe('toAxiosRetryOptions drives axios-retry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'], now: 1_700_000_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  /** An axios instance whose adapter fails every request the way `fail` says, recording when each was sent. */
  function scripted(fail: (config: InternalAxiosRequestConfig) => AxiosError) {
    const sentAt: number[] = [];
    const adapter: AxiosAdapter = (config) => {
      sentAt.push(Date.now());
      return Promise.reject(fail(config));
    };
    return { http: axios.create({ adapter }), sentAt };
  }
  const networkError = (config: InternalAxiosRequestConfig) => new AxiosError('socket hang up', 'ECONNRESET', config);
  const unavailable = (headers: Record<string, string>) => (config: InternalAxiosRequestConfig) =>
    new AxiosError('503', AxiosError.ERR_BAD_RESPONSE, config, undefined, { status: 503, statusText: 'Service Unavailable', headers, config, data: '' });

  async function settle(promise: Promise<unknown>): Promise<unknown> {
    const caught = promise.catch((error: unknown) => error);
    await vi.runAllTimersAsync();
    return caught;
  }
  const gaps = (times: readonly number[]) => times.slice(1).map((t, i) => t - (times[i] as number));

  it.each(JITTER_STRATEGIES)('%s: maxAttempts sends, waits drawn by computeBackoffDelay in order', async (jitter) => {
    const policy = policyOf({ maxAttempts: 5, jitter, baseDelayMs: 100, maxDelayMs: 2000, deadlineMs: 60_000 });
    const { http, sentAt } = scripted(networkError);
    axiosRetry(http, toAxiosRetryOptions(policy, { random: new SeededRandom(42) }));
    const error = await settle(http.get('/ticker'));
    expect(error).toBeInstanceOf(AxiosError);
    expect(sentAt).toHaveLength(5);
    const reference = new SeededRandom(42);
    const expected: number[] = [];
    let previous = 0;
    for (let retry = 1; retry <= 4; retry++) expected.push((previous = computeBackoffDelay(policy, retry, previous, reference)));
    expect(gaps(sentAt)).toEqual(expected);
  });

  it('stops before a wait that would reach the deadline, as the timeline says', async () => {
    const policy = policyOf({ maxAttempts: 10, jitter: 'full', baseDelayMs: 400, maxDelayMs: 10_000, deadlineMs: 5000 });
    const { http, sentAt } = scripted(networkError);
    axiosRetry(http, toAxiosRetryOptions(policy, { random: new SeededRandom(7) }));
    await settle(http.get('/ticker'));
    const timeline = policyTimeline(policy, { draws: 1, random: new SeededRandom(7) });
    const sentInTimeline = timeline.attempts.filter((a) => a.reached === 1);
    expect(sentInTimeline.length).toBeLessThan(10);
    expect(sentAt.map((t) => t - sentAt[0]!)).toEqual(sentInTimeline.map((a) => a.elapsedMs!.max));
  });

  it('waits a longer Retry-After, and gives up on one above maxRetryAfterMs', async () => {
    const policy = policyOf({ maxAttempts: 3, jitter: 'none', baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 });
    const honoured = scripted(unavailable({ 'retry-after': '2' }));
    axiosRetry(honoured.http, toAxiosRetryOptions(policy));
    await settle(honoured.http.get('/ticker'));
    expect(gaps(honoured.sentAt)).toEqual([2000, 2000]);
    const tooLong = scripted(unavailable({ 'retry-after': '30' }));
    axiosRetry(tooLong.http, toAxiosRetryOptions(policy));
    await settle(tooLong.http.get('/ticker'));
    expect(tooLong.sentAt).toHaveLength(1);
  });

  it('does not retry a POST by default, and follows a given retryCondition (negative controls)', async () => {
    const policy = policyOf({ maxAttempts: 4, jitter: 'none', baseDelayMs: 10 });
    const post = scripted(networkError);
    axiosRetry(post.http, toAxiosRetryOptions(policy));
    await settle(post.http.post('/order', {}));
    expect(post.sentAt).toHaveLength(1);
    const custom = scripted(networkError);
    axiosRetry(custom.http, toAxiosRetryOptions(policy, { retryCondition: () => true }));
    await settle(custom.http.post('/order', {}));
    expect(custom.sentAt).toHaveLength(4);
  });
});

describe('toPRetryOptions drives p-retry', () => {
  function harness(seed: number) {
    let clock = 0;
    const slept: number[] = [];
    return {
      slept,
      options: {
        random: new SeededRandom(seed),
        now: () => clock,
        sleep: async (ms: number) => {
          slept.push(ms);
          clock += ms;
        },
      },
    };
  }

  it.each(JITTER_STRATEGIES)('%s: maxAttempts attempts, waits drawn by computeBackoffDelay in order', async (jitter) => {
    const policy = policyOf({ maxAttempts: 6, jitter, baseDelayMs: 100, maxDelayMs: 2000 });
    const { slept, options } = harness(3);
    let attempts = 0;
    await expect(
      pRetry(() => {
        attempts++;
        throw new Error('down');
      }, toPRetryOptions(policy, options)),
    ).rejects.toThrow('down');
    expect(attempts).toBe(6);
    const reference = new SeededRandom(3);
    let previous = 0;
    const expected = [1, 2, 3, 4, 5].map((retry) => (previous = computeBackoffDelay(policy, retry, previous, reference)));
    expect(slept).toEqual(expected.filter((ms) => ms > 0));
  });

  it('succeeds on a later attempt and stops at the deadline as the timeline does', async () => {
    const policy = policyOf({ maxAttempts: 4, jitter: 'none', baseDelayMs: 100 });
    let attempts = 0;
    const result = await pRetry(() => {
      attempts++;
      if (attempts < 3) throw new Error('flaky');
      return 'ok';
    }, toPRetryOptions(policy, harness(1).options));
    expect([result, attempts]).toEqual(['ok', 3]);

    const short = policyOf({ maxAttempts: 10, jitter: 'equal', baseDelayMs: 500, maxDelayMs: 10_000, deadlineMs: 6000 });
    let sent = 0;
    await expect(
      pRetry(() => {
        sent++;
        throw new Error('down');
      }, toPRetryOptions(short, harness(8).options)),
    ).rejects.toThrow('down');
    const timeline = policyTimeline(short, { draws: 1, random: new SeededRandom(8) });
    expect(sent).toBe(timeline.attempts.filter((a) => a.reached === 1).length);
    expect(sent).toBeLessThan(10);
  });

  it('an AbortError or a refusing shouldRetry ends after one attempt (negative controls)', async () => {
    const policy = policyOf({ maxAttempts: 5 });
    let attempts = 0;
    await expect(
      pRetry(() => {
        attempts++;
        throw new AbortError('rejected by the venue');
      }, toPRetryOptions(policy, harness(1).options)),
    ).rejects.toThrow('rejected by the venue');
    expect(attempts).toBe(1);
    attempts = 0;
    await expect(
      pRetry(() => {
        attempts++;
        throw new Error('400');
      }, toPRetryOptions(policy, { ...harness(1).options, shouldRetry: () => false })),
    ).rejects.toThrow('400');
    expect(attempts).toBe(1);
  });
});

describe('charts', () => {
  const timeline = policyTimeline(policyOf({ maxAttempts: 5, deadlineMs: 1500, baseDelayMs: 200 }), { draws: 2000 });

  it('timelineChart: one row per attempt plus the axis, styling only through the hooks', () => {
    const plain = timelineChart(timeline, 40);
    const lines = plain.trimEnd().split('\n');
    expect(lines).toHaveLength(6);
    expect(plain.includes('\u001b[')).toBe(false);
    expect(lines[0]).toMatch(/^#1 │/);
    const styled = timelineChart(timeline, 40, { strong: (t) => `<${t}>` });
    expect(styled).toContain('<│>');
  });

  it('policySvg: one range per attempt sent, a bucket per fleet bucket, nothing executable', () => {
    const fleet = fleetLoad(timeline.policy, { clients: 50 });
    const svg = policySvg(timeline, { fleet, title: 'a < b & "c"' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const sent = timeline.attempts.filter((a) => a.elapsedMs !== null).length;
    expect(svg.match(/class="range"/g)).toHaveLength(sent);
    expect(svg.match(/class="p50-p95"/g)).toHaveLength(sent);
    expect(svg.match(/class="bucket"/g)).toHaveLength(fleet.buckets.length);
    expect(svg).toContain('a &lt; b &amp; &quot;c&quot;');
    expect(svg).not.toMatch(/<script|href=/);
  });
});
