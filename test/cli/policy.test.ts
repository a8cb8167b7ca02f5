import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY, EXPORT_TARGETS, closedFormBounds, exportPolicy, resolveRetryPolicy, type AttemptTimeline, type RetryPolicy } from '../../src/tools/policy.js';
import { runBuiltCli, runCliInProcess } from '../helpers/cli.js';

interface PolicyJson {
  policy: RetryPolicy;
  source: { venue: string | null; note: string };
  venue: { retryAfterHeaders: string[]; dedupe: string; settleDelayMs: number } | null;
  timeline: { draws: number; seed: number; attemptMs: number; attempts: AttemptTimeline[] };
  bounds: ReturnType<typeof closedFormBounds>;
  fleet: { clients: number; totalRequests: number; buckets: { requests: number }[] } | null;
  export: { target: string; text: string; caveats: string[] } | null;
  svg: string | null;
}

const run = (args: readonly string[], options: Parameters<typeof runCliInProcess>[1] = {}) => runCliInProcess(['policy', ...args], options);
const json = async (args: readonly string[]): Promise<PolicyJson> => {
  const result = await run([...args, '--json']);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as PolicyJson;
};

describe('intentkey policy: text', () => {
  it('prints the default policy, a row per attempt and the chart', async () => {
    const result = await run(['--draws', '2000']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout).toContain('Retry policy: 6 attempts, jitter full, base 200 ms, cap 20000 ms, deadline 60000 ms');
    expect(result.stdout).toContain('2000 simulated calls');
    for (let attempt = 1; attempt <= 6; attempt++) expect(result.stdout).toMatch(new RegExp(`^#${attempt} +100%`, 'm'));
    expect(result.stdout).toMatch(/^#6 .*█/m);
    expect(result.stdout).not.toContain('\u001b[');
  });

  it('colours only on a terminal, and not with NO_COLOR', async () => {
    expect((await run(['--draws', '200'], { tty: true })).stdout).toContain('\u001b[');
    expect((await run(['--draws', '200'], { tty: true, env: { NO_COLOR: '1' } })).stdout).not.toContain('\u001b[');
  });

  it('shows attempts the deadline cuts off', async () => {
    const result = await run(['--base', '1000', '--cap', '30000', '--attempts', '8', '--jitter', 'none', '--deadline', '20000']);
    expect(result.code).toBe(0);
    // Sends at 0, 1, 3, 7, 15 s; the sixth would be at 31 s.
    expect(result.stdout).toMatch(/^#5 +100%/m);
    expect(result.stdout).toMatch(/^#6 +0%/m);
    expect(result.stdout).toContain('never sent: deadline');
    expect(result.stdout).toContain('are stopped by the deadline before attempt 8');
  });

  it('--venue starts from the client defaults and names what the venue adds', async () => {
    const result = await run(['--venue', 'binanceSpot', '--draws', '200']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('venue binance-spot: venue profiles carry no retry settings');
    expect(result.stdout).toContain('retry-after');
    const byName = await json(['--venue', 'stripe', '--attempts', '3', '--draws', '200']);
    expect(byName.source.venue).toBe('stripe');
    expect(byName.policy).toEqual({ ...DEFAULT_RETRY_POLICY, maxAttempts: 3 });
    expect(byName.venue).toMatchObject({ dedupe: 'keyStore', retryAfterHeaders: ['retry-after'] });
  });

  it('--clients shows the fleet load and states the model', async () => {
    const result = await run(['--clients', '500', '--outage', '10000', '--spread', '1000', '--jitter', 'none', '--draws', '200']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Fleet: 500 clients, venue failing everything for 10.0 s, first sends spread over 1.00 s');
    expect(result.stdout).toContain('model: each client makes one call');
    expect(result.stdout).toMatch(/requests: \d+ \(\d+\.\d\d per client; without retries 500\)/);
  });
});

describe('intentkey policy: --json', () => {
  it('has the policy, the timeline within the closed-form bounds, and the bounds', async () => {
    const out = await json(['--jitter', 'equal', '--attempts', '7', '--draws', '3000', '--seed', '5']);
    expect(out.policy).toEqual(resolveRetryPolicy({ jitter: 'equal', maxAttempts: 7 }));
    expect(out.timeline).toMatchObject({ draws: 3000, seed: 5, attemptMs: 0 });
    expect(out.timeline.attempts).toHaveLength(7);
    expect(out.bounds).toEqual(closedFormBounds(out.policy));
    for (const a of out.timeline.attempts) {
      const b = out.bounds[a.attempt - 1]!;
      expect(a.elapsedMs!.min).toBeGreaterThanOrEqual(b.elapsedMs!.min);
      expect(a.elapsedMs!.max).toBeLessThanOrEqual(b.elapsedMs!.max);
    }
    expect(out.fleet).toBeNull();
    expect(out.export).toBeNull();
  });

  it('the same seed gives the same numbers; another seed does not', async () => {
    const a = await json(['--draws', '500', '--seed', '3']);
    const b = await json(['--draws', '500', '--seed', '3']);
    const c = await json(['--draws', '500', '--seed', '4']);
    expect(a.timeline).toEqual(b.timeline);
    expect(a.timeline.attempts[5]).not.toEqual(c.timeline.attempts[5]);
  });

  it('--clients adds the fleet', async () => {
    const out = await json(['--clients', '100', '--draws', '200']);
    expect(out.fleet?.clients).toBe(100);
    expect(out.fleet!.buckets.reduce((n, b) => n + b.requests, 0)).toBe(out.fleet!.totalRequests);
  });
});

describe('intentkey policy: --export', () => {
  const policy = resolveRetryPolicy({ jitter: 'decorrelated', baseDelayMs: 100, maxDelayMs: 5000, maxAttempts: 4 });
  const flags = ['--jitter', 'decorrelated', '--base', '100', '--cap', '5000', '--attempts', '4'];

  it.each(EXPORT_TARGETS)('%s: the export on stdout, its caveats on stderr', async (target) => {
    const result = await run([...flags, '--export', target, '--draws', '100']);
    expect(result.code).toBe(0);
    const expected = exportPolicy(policy, target);
    expect(result.stdout).toBe(expected.text);
    expect(result.stderr.trim().split('\n').filter(Boolean)).toHaveLength(expected.caveats.length);
    for (const caveat of expected.caveats) expect(result.stderr).toContain(caveat);
    const inJson = await json([...flags, '--export', target, '--draws', '100']);
    expect(inJson.export).toEqual(expected);
  });

  it('json export parses back to the policy', async () => {
    const result = await run([...flags, '--export', 'json']);
    expect((JSON.parse(result.stdout) as { retry: unknown }).retry).toEqual(policy);
  });
});

describe('intentkey policy: --svg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'intentkey-policy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes a valid SVG relative to the working directory', async () => {
    const result = await run(['--svg', 'out/../policy.svg', '--clients', '50', '--draws', '500'], { cwd: dir });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('wrote out/../policy.svg');
    const svg = readFileSync(join(dir, 'policy.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    // Well formed: every element opened is closed, in order.
    const stack: string[] = [];
    for (const [, closing, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (closing === '/') expect(stack.pop()).toBe(name);
      else if (selfClosing !== '/') stack.push(name!);
    }
    expect(stack).toEqual([]);
    expect(svg.match(/class="range"/g)).toHaveLength(6);
    expect(svg).toContain('class="bucket"');
  });

  it('a path that cannot be written is an error naming --svg', async () => {
    const result = await run(['--svg', join(dir, 'missing', 'dir', 'x.svg'), '--draws', '100']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--svg: could not write .*ENOENT/);
  });
});

describe('intentkey policy: bad input is exit 2 naming the option, what was expected and what came', () => {
  it.each([
    [['--base', '-5'], '--base', 'expected an integer in [0, 2147483647], received -5'],
    [['--base=-5'], '--base', 'received -5'],
    [['--cap', '100'], '--cap', 'expected an integer of ms >= the base delay (200, the default --base), received 100'],
    [['--base', '500', '--cap', '400'], '--cap', 'expected an integer of ms >= the base delay (500), received 400'],
    [['--jitter', 'random'], '--jitter', "expected one of full, equal, decorrelated, none, received 'random'"],
    [['--attempts', '0'], '--attempts', 'expected an integer in [1, 1000], received 0'],
    [['--attempts', '1001'], '--attempts', 'received 1001'],
    [['--attempts', '2.5'], '--attempts', 'received 2.5'],
    [['--deadline', '0'], '--deadline', 'received 0'],
    [['--draws', 'many'], '--draws', "received 'many'"],
    [['--attempts', '1000', '--draws', '10000'], '--draws', 'expected at most 5000 draws with 1000 attempts'],
    [['--outage', '1000'], '--outage', 'expected to be used with --clients'],
    [['--clients', '10', '--bucket', '1'], '--bucket', 'expected at least'],
    [['--venue', 'nasdaq'], '--venue', "expected one of binanceSpot, binanceUsdm"],
    [['--export', 'cobol'], '--export', "received 'cobol'"],
  ])('%j', async (args, flag, message) => {
    const result = await run(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`intentkey: ${flag}: `);
    expect(result.stderr).toContain(message);
  });

  it('help lists the options and examples', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--base', '--cap', '--attempts', '--jitter', '--deadline', '--venue', '--draws', '--seed', '--clients', '--outage', '--svg', '--export', '--json']) {
      expect(result.stdout).toContain(flag);
    }
    expect(result.stdout).toContain('Examples:');
  });
});

describe('intentkey policy: the built command', () => {
  it('runs as a child process and prints JSON', async () => {
    const result = await runBuiltCli(['policy', '--attempts', '3', '--jitter', 'none', '--base', '250', '--draws', '100', '--json']);
    expect(result.code, result.stderr).toBe(0);
    const out = JSON.parse(result.stdout) as PolicyJson;
    expect(out.timeline.attempts.map((a) => a.elapsedMs!.max)).toEqual([0, 250, 750]);
  });
});
