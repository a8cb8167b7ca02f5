/**
 * The playgrounds' view models (site/.vitepress/theme/playground/*-view.ts) against the
 * `intentkey` command: for the same inputs, the page and the command give the same
 * numbers, keys, exports, contracts and explanations. Each view builds the argv of its
 * equivalent command; these tests run that argv in-process with --json and compare.
 * Also the pieces only the pages have: chart geometry, replayable randomness, quoting.
 */
import { describe, expect, it } from 'vitest';
import { fleetSvgModel, niceTicks, timelineSvgModel, MAX_CHART_ROWS } from '../../../site/.vitepress/theme/playground/chart.js';
import { ALL_VENUES, ERROR_SCHEMA, errorsView, explainCommandArgs, type ErrorState } from '../../../site/.vitepress/theme/playground/errors-view.js';
import { KEY_SCHEMA, SECRET_ENV, keyView, replayableRandom, type KeyState } from '../../../site/.vitepress/theme/playground/keys-view.js';
import { POLICY_SCHEMA, exportCommandArgs, policyCommandArgs, policyView, type PolicyState } from '../../../site/.vitepress/theme/playground/policy-view.js';
import { commandLine, shellQuote } from '../../../site/.vitepress/theme/playground/shell.js';
import { defaultState } from '../../../site/.vitepress/theme/playground/url-state.js';
import { SeededRandom } from '../../../src/testing/seeded-random.js';
import { designKeys, findVenueProfile, fleetLoad, policyTimeline, resolveRetryPolicy, venueNames } from '../../../src/tools/index.js';
import type { VenueProfile } from '../../../src/venues/profile.js';
import { runCliInProcess } from '../../helpers/cli.js';

const NOW = Date.UTC(2026, 3, 1, 12, 0, 0, 5);

async function cliJson(args: readonly string[], env: Record<string, string> = {}): Promise<Record<string, unknown>> {
  const run = await runCliInProcess(args, { env, now: NOW });
  expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(0);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

describe('policy playground = intentkey policy', () => {
  const base = defaultState(POLICY_SCHEMA);
  const states: readonly (readonly [string, PolicyState])[] = [
    ['the defaults', base],
    ['a venue, decorrelated jitter, more attempts', { ...base, venue: 'binance-spot', jitter: 'decorrelated', attempts: 8, export: 'python' }],
    ['a tight deadline, attempt time, an outage shorter than the deadline, spread first sends', { ...base, base: 100, cap: 5000, deadline: 4000, attemptMs: 250, draws: 3000, seed: 7, clients: 500, outage: 2500, spread: 800, bucket: 250, export: 'csharp' }],
    ['no jitter (every client in step), YAML', { ...base, jitter: 'none', retryAfter: 1000, clients: 50, export: 'yaml' }],
  ];
  for (const [name, state] of states) {
    it(`${name}: same policy, timeline, fleet and export`, async () => {
      const view = policyView(state);
      expect(view.error).toBeNull();
      const json = (await cliJson([...policyCommandArgs(state), '--export', state.export, '--json'])) as {
        policy: unknown;
        source: unknown;
        venue: unknown;
        timeline: { draws: number; seed: number; attemptMs: number; attempts: unknown; giveUpMs: unknown };
        fleet: Record<string, unknown>;
        export: unknown;
      };
      expect(json.policy).toEqual(view.policy);
      expect(json.source).toEqual(view.source);
      expect(json.venue).toEqual(view.venue);
      expect(json.timeline.attempts).toEqual(view.timeline?.attempts);
      expect(json.timeline.giveUpMs).toEqual(view.timeline?.giveUpMs);
      expect(json.fleet).toEqual(JSON.parse(JSON.stringify(view.fleet)));
      expect(json.export).toEqual(view.exported);
      // The export command alone writes the same text.
      const exportRun = await runCliInProcess(exportCommandArgs(state));
      expect(exportRun.stdout).toBe(view.exported?.text);
    });
  }

  it('writes only the flags that differ from the command\'s defaults, and always --clients', () => {
    expect(policyCommandArgs(base)).toEqual(['policy', '--clients', '1000']);
    expect(exportCommandArgs(base)).toEqual(['policy', '--export', 'ts']);
    expect(policyCommandArgs({ ...base, venue: 'okx', cap: 900, outage: 0 })).toEqual(['policy', '--venue', 'okx', '--cap', '900', '--clients', '1000', '--outage', '0']);
    expect(exportCommandArgs({ ...base, venue: 'okx', cap: 900, seed: 3, export: 'json' })).toEqual(['policy', '--venue', 'okx', '--cap', '900', '--export', 'json']);
  });

  it('names the field of a policy the client refuses, as the command does', async () => {
    const state = { ...base, base: 500, cap: 100 };
    expect(policyView(state).error).toEqual({ field: 'cap', message: 'expected a number >= baseDelayMs (500), received 100' });
    expect((await runCliInProcess(policyCommandArgs(state))).code).toBe(2);
    const tooMany = policyView({ ...base, attempts: 1000, draws: 10_000 });
    expect(tooMany.error).toBeNull();
    expect(tooMany.timelineError?.field).toBe('draws');
    expect(tooMany.fleet).not.toBeNull();
    expect(policyView({ ...base, bucket: 1, deadline: 100_000 }).fleetError?.field).toBe('bucket');
  });
});

describe('key playground = intentkey key', () => {
  const base = { ...defaultState(KEY_SCHEMA), venue: 'okx' } satisfies KeyState;
  const env = () => ({ random: new SeededRandom(11), now: NOW });

  it('derived: the same key and venue key, from the same inputs and secret', async () => {
    const secret = 'a-test-secret-of-enough-length';
    for (const venue of ['okx', 'bitfinex', 'stripe', 'binance-spot', '']) {
      const state: KeyState = { ...base, venue, strategy: 'derived', scope: 'acct 7', operation: 'order.create', business: 'inv-9' };
      const view = keyView(state, env(), secret);
      const cmd = view.command;
      expect(cmd.designEnv).toEqual({ [SECRET_ENV]: '<your secret>' });
      const json = (await cliJson(cmd.design, { [SECRET_ENV]: secret })) as { keys: unknown[]; venue: unknown; failing: number };
      expect(json.keys).toEqual(view.design?.keys);
      expect(json.venue).toEqual(view.design?.venue);
      expect(view.commandText.design).not.toContain(secret);
      expect(JSON.stringify(view)).not.toContain(secret);
    }
  });

  it('checking your keys: the same encoding, check and time for every venue', async () => {
    const keys = ['01J5ZQ0W6X8Y9Z0A1B2C3D4E5F', '0190b4e0-8a7b-7c3d-9e0f-123456789abc', 'bot-7:signal 1182', 'x'.repeat(70)];
    for (const venue of venueNames()) {
      const view = keyView({ ...base, venue, key: keys }, env(), '');
      const run = await runCliInProcess(view.command.design, { now: NOW });
      const json = JSON.parse(run.stdout) as { keys: unknown[]; failing: number };
      expect(json.keys).toEqual(view.design?.keys);
      expect(run.code).toBe(json.failing > 0 ? 3 : 0);
      expect(view.rows.map((r) => r.fits)).toEqual(view.design?.keys.map((k) => k.check?.ok));
    }
  });

  it('minted keys are designKeys with the page\'s random source and time', () => {
    const view = keyView({ ...base, strategy: 'uuidv7', count: 3, venue: 'stripe' }, env(), '');
    expect(view.design).toEqual(designKeys({ strategy: 'uuidv7', count: 3, venue: venueProfile('stripe') }, env()));
    expect(view.rows.map((r) => r.time)).toEqual([new Date(NOW).toISOString(), new Date(NOW).toISOString(), new Date(NOW).toISOString()]);
    expect(view.request).toContain('Idempotency-Key: ');
    expect(view.verdict).toBe("all 3 keys fit stripe's key format");
  });

  it('the contract is the command\'s, for every venue and strategy', async () => {
    for (const venue of ['', 'paypal', 'bitfinex']) {
      for (const strategy of ['ulid', 'derived'] as const) {
        const state: KeyState = { ...base, venue, strategy, operation: 'order.capture', fingerprint: ' amount, currency ,' };
        const view = keyView(state, env(), 'x'.repeat(16));
        const json = (await cliJson([...view.command.contract, '--json'])) as { markdown: string };
        expect(json.markdown).toBe(view.contract);
        expect(view.contract).toContain('`amount`, `currency`');
      }
    }
  });

  it('says which control is wrong: a short secret, an empty business id, a bad operation', () => {
    const derived: KeyState = { ...base, strategy: 'derived' };
    expect(keyView(derived, env(), 'short').error?.field).toBe('secret');
    expect(keyView({ ...derived, business: '' }, env(), 'x'.repeat(16)).error?.field).toBe('business');
    expect(keyView({ ...derived, operation: 'no spaces allowed' }, env(), 'x'.repeat(16)).error?.field).toBe('operation');
    expect(keyView({ ...derived, operation: 'no spaces allowed' }, env(), 'x'.repeat(16)).contract).toBe('');
  });
});

describe('error playground = intentkey explain', () => {
  const base = defaultState(ERROR_SCHEMA);
  const questions: readonly ErrorState[] = [
    { ...base, code: '-1007' },
    { ...base, code: '-2010', message: 'Duplicate order sent.' },
    { ...base, code: '-', status: 429, header: ['Retry-After: 30'] },
    { ...base, code: '503' },
    { ...base, code: 'idempotency_key_in_use', status: 409, venue: 'stripe' },
    { ...base, code: '704', venue: 'adyen', header: ['transient-error=true'] },
  ];
  for (const q of questions) {
    it(`${q.code} ${q.status ?? ''} at ${q.venue || 'every profile'}: the command's explanation, per profile`, async () => {
      const view = errorsView(q, NOW);
      expect(view.error).toBeNull();
      expect(view.rows.map((r) => r.venue)).toEqual(q.venue === '' ? [...ALL_VENUES] : [q.venue]);
      for (const row of view.rows) {
        expect(row.command).toEqual(explainCommandArgs(row.venue, q));
        const json = await cliJson([...row.command, '--json']);
        expect(json).toEqual(JSON.parse(JSON.stringify(row.explanation)));
      }
      expect(view.tally.reduce((n, t) => n + t.count, 0)).toBe(view.rows.length);
    });
  }

  it('shows nothing for an empty code, and names a malformed header', () => {
    expect(errorsView(base, NOW)).toEqual({ empty: true, error: null, rows: [], tally: [] });
    expect(errorsView({ ...base, code: '1', header: ['ok: 1', 'broken'] }, NOW).error).toEqual({ field: 'header', message: 'expected NAME: VALUE (or NAME=VALUE), received "broken"' });
  });
});

describe('chart geometry', () => {
  it('niceTicks: steps of 1, 2 or 5 times a power of ten, reaching the maximum', () => {
    expect(niceTicks(0)).toEqual([0, 1]);
    expect(niceTicks(199)).toEqual([0, 50, 100, 150, 200]);
    expect(niceTicks(1000)).toEqual([0, 200, 400, 600, 800, 1000]);
    expect(niceTicks(3200)).toEqual([0, 1000, 2000, 3000, 4000]);
    expect(niceTicks(7, 4)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(0.3)).toEqual([0, 0.1, 0.2, 0.3]);
  });

  it('timeline rows: min <= p50 <= p95 <= max inside the plot, attempt 1 left out of the waits', () => {
    const timeline = policyTimeline(resolveRetryPolicy({ maxAttempts: 6, deadlineMs: 2000 }), { draws: 2000 });
    for (const axis of ['wait', 'at'] as const) {
      const chart = timelineSvgModel(timeline, axis);
      expect(chart.rows[0]?.attempt).toBe(axis === 'wait' ? 2 : 1);
      for (const row of chart.rows) {
        if (row.x === null) continue;
        expect(row.x.min).toBeGreaterThanOrEqual(chart.plotLeft);
        expect(row.x.min).toBeLessThanOrEqual(row.x.p50);
        expect(row.x.p50).toBeLessThanOrEqual(row.x.p95);
        expect(row.x.p95).toBeLessThanOrEqual(row.x.max);
        expect(row.x.max).toBeLessThanOrEqual(chart.plotLeft + chart.plotWidth);
      }
      expect(chart.ticks[chart.ticks.length - 1]?.x).toBe(chart.plotLeft + chart.plotWidth);
    }
    const long = policyTimeline(resolveRetryPolicy({ maxAttempts: 100 }), { draws: 100 });
    expect(timelineSvgModel(long, 'at').rows).toHaveLength(MAX_CHART_ROWS);
    expect(timelineSvgModel(long, 'at').hiddenRows).toBe(100 - MAX_CHART_ROWS);
  });

  it('fleet: the areas start and end on the baseline, the outage line sits at its time', () => {
    const fleet = fleetLoad(resolveRetryPolicy({ jitter: 'none', baseDelayMs: 1000, maxAttempts: 3, deadlineMs: 10_000 }), { clients: 10, outageMs: 1500 });
    const chart = fleetSvgModel(fleet);
    const baseline = `${chart.plotBottom}`;
    for (const path of [chart.totalPath, chart.firstPath]) {
      expect(path.startsWith(`M${chart.plotLeft} ${baseline} `)).toBe(true);
      expect(path.endsWith(` ${baseline} Z`)).toBe(true);
    }
    // Buckets 0, 1 and 3 hold 10 requests each; the y axis reaches 10.
    expect(chart.yTicks[chart.yTicks.length - 1]?.value).toBe(10);
    expect(chart.outageX).toBeCloseTo(chart.plotLeft + (1500 / (chart.xTicks[chart.xTicks.length - 1]?.ms ?? 1)) * chart.plotWidth, 0);
  });
});

describe('replayableRandom', () => {
  it('replays the same values on every run and draws from the source only for new ones', () => {
    let filled = 0;
    const source = new SeededRandom(5);
    const counting = {
      next: () => source.next(),
      fill: (t: Uint8Array): void => {
        filled += t.length;
        source.fill(t);
      },
    };
    const replay = replayableRandom(counting);
    const first = replay.run();
    const a = [first.next(), first.next()];
    const bytes = new Uint8Array(40);
    first.fill(bytes);
    const second = replay.run();
    expect([second.next(), second.next()]).toEqual(a);
    const again = new Uint8Array(40);
    second.fill(again);
    expect(again).toEqual(bytes);
    const before = filled;
    second.fill(new Uint8Array(1000));
    expect(filled).toBeGreaterThan(before);
    for (const v of a) expect(v >= 0 && v < 1).toBe(true);
  });
});

describe('shellQuote and commandLine', () => {
  it('leaves safe words bare and single-quotes the rest', () => {
    expect(shellQuote('order.create')).toBe('order.create');
    expect(shellQuote('-1007')).toBe('-1007');
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('$HOME;rm')).toBe("'$HOME;rm'");
    expect(commandLine(['key', '--scope', 'acct 7'], { KEY_SECRET: '<your secret>' })).toBe("KEY_SECRET='<your secret>' intentkey key --scope 'acct 7'");
  });
});

function venueProfile(name: string): VenueProfile {
  const found = findVenueProfile(name);
  if (found === undefined) throw new Error(`no venue ${name}`);
  return found;
}
