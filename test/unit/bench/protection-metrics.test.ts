import { describe, expect, it } from 'vitest';
import { AxiosError } from 'axios';
import { errorKind } from '../../../bench/harness/outage-run.js';
import {
  banTable,
  bestPeerDrain,
  judgeProtectionTargets,
  outageMetrics,
  outageTable,
  protectionTargetsTable,
  summariseBan,
  summariseOutage,
  type ActionEvent,
  type BanVariantResult,
  type OutageMetrics,
  type OutageVariantResult,
  type RequestEvent,
} from '../../../bench/harness/protection-metrics.js';
import { AmbiguousOutcomeError } from '../../../src/index.js';

const OUTAGE = { startMs: 10_000, endMs: 40_000 };

const req = (atMs: number, kind: RequestEvent['kind'] = 'write', status: RequestEvent['status'] = 503): RequestEvent => ({ atMs, client: 0, kind, status });
const act = (placedAtMs: number, settledAtMs?: number, outcome: ActionEvent['outcome'] = 'succeeded', error?: string): ActionEvent => ({
  client: 0,
  placedAtMs,
  ...(settledAtMs === undefined ? {} : { settledAtMs, outcome }),
  ...(error === undefined ? {} : { error }),
});

/** Metrics with only what a test sets. */
const metrics = (over: Partial<OutageMetrics>): OutageMetrics => ({
  actions: 10,
  actionsInOutage: 5,
  requests: 10,
  requestsInOutage: 5,
  writesInOutage: 5,
  readsInOutage: 0,
  requestsPerAction: 1,
  succeeded: 10,
  gaveUp: 0,
  unsettled: 0,
  drainMs: 0,
  ...over,
});

describe('outageMetrics', () => {
  it('counts requests and actions in the half-open outage window, reads and writes apart', () => {
    const requests = [req(9_999), req(10_000), req(20_000, 'read', 400), req(39_999), req(40_000, 'write', 200)];
    const actions = [act(9_999, 9_999 + 30), act(10_000, 41_000), act(39_999, 40_500), act(40_000, 40_020)];
    const m = outageMetrics(requests, actions, OUTAGE);
    expect(m).toMatchObject({ actions: 4, actionsInOutage: 2, requests: 5, requestsInOutage: 3, writesInOutage: 2, readsInOutage: 1, requestsPerAction: 1.5 });
  });

  it('drain runs from the outage end to the last settle of an action placed before the end; later actions do not count', () => {
    const actions = [act(5_000, 5_010), act(12_000, 43_500), act(39_000, 41_000), act(50_000, 90_000)];
    expect(outageMetrics([], actions, OUTAGE).drainMs).toBe(3_500);
  });

  it('drain is 0 when everything placed before the end settled during the outage (gave up at once)', () => {
    const actions = [act(12_000, 12_020, 'gaveUp', 'AxiosError 503'), act(39_990, 39_999, 'gaveUp', 'AxiosError 503')];
    const m = outageMetrics([req(12_010), req(39_995)], actions, OUTAGE);
    expect(m).toMatchObject({ drainMs: 0, gaveUp: 2, succeeded: 0, topError: { error: 'AxiosError 503', count: 2 } });
  });

  it('drain is null, with the count, when an action placed before the end never settled', () => {
    const m = outageMetrics([], [act(15_000), act(16_000, 45_000), act(60_000)], OUTAGE);
    expect(m.drainMs).toBeNull();
    expect(m.unsettled).toBe(1);
  });

  it('requests per action is NaN when no action was placed in the outage', () => {
    expect(outageMetrics([req(12_000)], [act(1_000, 1_010)], OUTAGE).requestsPerAction).toBeNaN();
  });

  it('names the most frequent rejection', () => {
    const actions = [act(11_000, 11_100, 'gaveUp', 'A'), act(12_000, 12_100, 'gaveUp', 'B'), act(13_000, 13_100, 'gaveUp', 'B')];
    expect(outageMetrics([], actions, OUTAGE).topError).toEqual({ error: 'B', count: 2 });
  });
});

describe('summariseOutage and the targets', () => {
  const results: OutageVariantResult[] = [
    { id: 'no-retry', label: 'no retry', role: 'reference', metrics: metrics({ requestsPerAction: 1, drainMs: 0 }), duplicates: 0 },
    { id: 'a', label: 'peer a', role: 'peer', metrics: metrics({ requestsPerAction: 5, drainMs: 4_000 }), duplicates: 0 },
    { id: 'b', label: 'peer b', role: 'peer', metrics: metrics({ requestsPerAction: 3, drainMs: 30_000 }), duplicates: 0 },
    { id: 'ik', label: 'ik', role: 'intentkey', metrics: metrics({ requestsPerAction: 1.05, drainMs: 6_000 }), duplicates: 0, requestsRatioTarget: 1.1 },
    { id: 'ik2', label: 'ik2', role: 'intentkey', metrics: metrics({ requestsPerAction: 2, drainMs: null, unsettled: 3 }), duplicates: 1, requestsRatioTarget: 1.1 },
    { id: 'ik3', label: 'ik3', role: 'intentkey', requestsRatioTarget: 1.1, notMeasured: 'pending' },
  ];

  it('takes the best peer among peers only (not the reference, not intentkey)', () => {
    expect(bestPeerDrain(results)).toEqual({ id: 'a', drainMs: 4_000, lossy: false });
    expect(bestPeerDrain(results.filter((r) => r.role !== 'peer'))).toBeUndefined();
  });

  it('prefers a peer that gave up no order to a faster one that dropped orders', () => {
    const lossyFast: OutageVariantResult = { id: 'fast', label: 'fast', role: 'peer', metrics: metrics({ requestsPerAction: 5, drainMs: 1_000, gaveUp: 40 }), duplicates: 0 };
    expect(bestPeerDrain([...results, lossyFast])).toEqual({ id: 'a', drainMs: 4_000, lossy: false });
    // When every peer dropped orders, the fastest of them, marked lossy.
    expect(bestPeerDrain([lossyFast, { ...lossyFast, id: 'slow', metrics: metrics({ requestsPerAction: 5, drainMs: 9_000, gaveUp: 1 }) }])).toEqual({ id: 'fast', drainMs: 1_000, lossy: true });
  });

  it('divides by the reference and compares drains with the best peer', () => {
    const rows = summariseOutage(results);
    const by = (id: string) => rows.find((r) => r.id === id);
    expect(by('a')).toMatchObject({ requestsRatio: 5, drainVsBestPeerMs: 0, drainVsBestPeerRatio: 1 });
    expect(by('ik')).toMatchObject({ requestsRatio: 1.05, drainVsBestPeerMs: 2_000, drainVsBestPeerRatio: 1.5 });
    expect(by('no-retry')?.drainVsBestPeerMs).toBeUndefined();
    expect(by('ik2')?.drainVsBestPeerMs).toBeUndefined();
    expect(by('ik3')?.requestsRatio).toBeUndefined();
  });

  it('judges each target met, not met or not measured, with its ratio', () => {
    const verdicts = judgeProtectionTargets(summariseOutage(results), []);
    const find = (text: string) => verdicts.filter((v) => v.target.includes(text));
    expect(find('ik sends')).toEqual([expect.objectContaining({ status: 'met', ratio: 1.05 })]);
    expect(find('ik2 sends')).toEqual([expect.objectContaining({ status: 'not met', ratio: 2 })]);
    expect(find('ik3 sends')).toEqual([expect.objectContaining({ status: 'not measured', value: 'pending' })]);
    expect(find('ik2 executes')).toEqual([expect.objectContaining({ status: 'not met', value: '1 duplicate(s)' })]);
    expect(find('ik executes')).toEqual([expect.objectContaining({ status: 'met' })]);
    // Peers and the reference carry no target.
    expect(find('peer')).toEqual([]);
    expect(protectionTargetsTable(verdicts)).toContain('**not met**');
  });

  it('prints one table line per variant, the unmeasured ones with their reason', () => {
    const table = outageTable(summariseOutage(results)).split('\n');
    expect(table).toHaveLength(2 + results.length);
    expect(table.find((l) => l.startsWith('| ik3 '))).toContain('not measured: pending');
    expect(table.find((l) => l.startsWith('| ik2 '))).toContain('not drained (3 unsettled)');
  });
});

describe('summariseBan', () => {
  const venue = (overWeightLimit: number, bansStarted: number) => ({ requests: 500, executions: 400, duplicates: 0, overWeightLimit, refusedByBan: bansStarted * 10, bansStarted });
  const bot = (placed: number) => ({ bot: 0, placed, failed: 1, statuses: { '200': placed }, elapsedMs: 2000, abandoned: 2 });
  const results: BanVariantResult[] = [
    { id: 'no-limiter', label: 'no limiter', runMs: 4000, bots: [bot(100), bot(60)], venue: venue(40, 1) },
    { id: 'local', label: 'local', targetNoBan: true, runMs: 2000, bots: [bot(150)], venue: venue(10, 0) },
    { id: 'shared', label: 'shared', targetNoBan: true, notMeasured: 'pending' },
    { id: 'broken', label: 'broken', targetNoBan: true, error: 'bot 3: the process exited' },
  ];

  it('adds the bots up, orders per second over the run, and 429s against no limiter', () => {
    const rows = summariseBan(results, 'no-limiter');
    expect(rows[0]).toMatchObject({ placed: 160, failed: 2, abandoned: 4, ordersPerS: 40, over429Ratio: 1 });
    expect(rows[1]).toMatchObject({ placed: 150, ordersPerS: 75, over429Ratio: 0.25 });
    expect(rows[2]?.placed).toBeUndefined();
  });

  it('judges "no ban" for the limiter variants only', () => {
    const verdicts = judgeProtectionTargets([], summariseBan(results, 'no-limiter'));
    expect(verdicts.map((v) => [v.target, v.status])).toEqual([
      ['ban: local starts no ban', 'met'],
      ['ban: shared starts no ban', 'not measured'],
      ['ban: broken starts no ban', 'not measured'],
    ]);
  });

  it('prints failures and unmeasured variants apart', () => {
    const table = banTable(summariseBan(results, 'no-limiter'));
    expect(table).toContain('| no limiter | 40 | 1.00x | 10 | 1 (yes) | 160 | 40.0 |');
    expect(table).toContain('not measured: pending');
    expect(table).toContain('FAILED: bot 3: the process exited');
  });
});

describe('errorKind', () => {
  it('keeps the kind of error without ids, so equal kinds count together', () => {
    const response = { status: 503, statusText: '503', headers: {}, config: {}, data: '' } as never;
    expect(errorKind(new AxiosError('Request failed with status code 503', AxiosError.ERR_BAD_RESPONSE, undefined, {}, response))).toBe('AxiosError ERR_BAD_RESPONSE 503');
    const ambiguous = (id: string) => new AmbiguousOutcomeError({ intentId: id, key: id, venueKey: id, venue: 'binance-spot', attempt: 3, reason: 'lookups spent', businessId: `b-${id}` });
    expect(errorKind(ambiguous('01A'))).toBe('AmbiguousOutcomeError ERR_OUTCOME_UNKNOWN');
    expect(errorKind(ambiguous('01B'))).toBe(errorKind(ambiguous('01A')));
    expect(errorKind('text')).toBe('string');
  });
});
