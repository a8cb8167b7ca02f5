/**
 * The pure pieces of `bench/protection.bench.ts`: what the outage run and the ban run
 * measured, computed from their event logs and counts, the targets judged, and the
 * markdown tables. No timers, no I/O: tested in test/unit/bench/protection-metrics.test.ts.
 */
import { round } from './stats.js';

// ---------------------------------------------------------------------------- outage

/** One HTTP request a bot sent, as the in-process adapter saw it. Times are ms since the run's t = 0. */
export interface RequestEvent {
  readonly atMs: number;
  readonly client: number;
  /** `write`: the order (POST); `read`: anything else (a reconcile lookup). */
  readonly kind: 'write' | 'read';
  /** The answer's status, or `network` for a dropped connection. */
  readonly status: number | 'network';
}

/** One business action (an order) and how it ended. */
export interface ActionEvent {
  readonly client: number;
  readonly placedAtMs: number;
  /** When the bot's call resolved or rejected; absent while it has not. */
  readonly settledAtMs?: number;
  /** `succeeded`: the call resolved; `gaveUp`: it rejected (the action is lost to the bot). */
  readonly outcome?: 'succeeded' | 'gaveUp';
  /** First line of the rejection, for the report. */
  readonly error?: string;
}

/** The outage, in ms since t = 0: every write in `[startMs, endMs)` is answered 503. */
export interface OutageWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** What one variant did in the outage run. */
export interface OutageMetrics {
  readonly actions: number;
  /** Actions placed during the outage (`startMs <= placedAtMs < endMs`). */
  readonly actionsInOutage: number;
  readonly requests: number;
  /** Requests sent during the outage, writes and reads. */
  readonly requestsInOutage: number;
  readonly writesInOutage: number;
  readonly readsInOutage: number;
  /** `requestsInOutage / actionsInOutage`: what one action placed in the outage cost the venue. */
  readonly requestsPerAction: number;
  readonly succeeded: number;
  /** Actions whose call rejected: lost to the bot. */
  readonly gaveUp: number;
  /** Actions placed before the outage's end that had not settled when the run stopped. */
  readonly unsettled: number;
  /**
   * From the outage's end until every action placed before the end had settled, ms
   * (0 when all had settled by the end); `null` when some never settled in the run.
   */
  readonly drainMs: number | null;
  /** The most frequent rejection, with its count. */
  readonly topError?: { readonly error: string; readonly count: number };
}

/** Computes {@link OutageMetrics} from the event logs of one variant's run. */
export function outageMetrics(requests: readonly RequestEvent[], actions: readonly ActionEvent[], outage: OutageWindow): OutageMetrics {
  const inOutage = (t: number): boolean => t >= outage.startMs && t < outage.endMs;
  let writesInOutage = 0;
  let readsInOutage = 0;
  for (const r of requests) {
    if (!inOutage(r.atMs)) continue;
    if (r.kind === 'write') writesInOutage++;
    else readsInOutage++;
  }
  const actionsInOutage = actions.filter((a) => inOutage(a.placedAtMs)).length;
  const beforeEnd = actions.filter((a) => a.placedAtMs < outage.endMs);
  const unsettled = beforeEnd.filter((a) => a.settledAtMs === undefined).length;
  const lastSettle = beforeEnd.reduce((m, a) => Math.max(m, a.settledAtMs ?? Number.NEGATIVE_INFINITY), Number.NEGATIVE_INFINITY);
  const drainMs = unsettled > 0 ? null : beforeEnd.length === 0 ? 0 : Math.max(0, lastSettle - outage.endMs);
  const errors = new Map<string, number>();
  for (const a of actions) if (a.outcome === 'gaveUp') errors.set(a.error ?? '?', (errors.get(a.error ?? '?') ?? 0) + 1);
  let topError: { error: string; count: number } | undefined;
  for (const [error, count] of errors) if (topError === undefined || count > topError.count) topError = { error, count };
  const requestsInOutage = writesInOutage + readsInOutage;
  return {
    actions: actions.length,
    actionsInOutage,
    requests: requests.length,
    requestsInOutage,
    writesInOutage,
    readsInOutage,
    requestsPerAction: actionsInOutage === 0 ? Number.NaN : requestsInOutage / actionsInOutage,
    succeeded: actions.filter((a) => a.outcome === 'succeeded').length,
    gaveUp: actions.filter((a) => a.outcome === 'gaveUp').length,
    unsettled,
    drainMs,
    ...(topError === undefined ? {} : { topError }),
  };
}

/** How a variant of the outage run relates to the others. */
export type OutageRole = 'reference' | 'peer' | 'intentkey';

/** One variant's outage result, or why it was not measured. */
export interface OutageVariantResult {
  readonly id: string;
  readonly label: string;
  readonly role: OutageRole;
  /** The variant must drain at least as fast as the best peer (see {@link bestPeerDrain}). */
  readonly drainTarget?: boolean;
  /** Target on `requestsPerAction` as a multiple of the reference's, when the variant has one. */
  readonly requestsRatioTarget?: number;
  /** Set when the variant was not run: why. */
  readonly notMeasured?: string;
  readonly metrics?: OutageMetrics;
  /** Venue `stats().duplicates` after the run. */
  readonly duplicates?: number;
  /** Wall time the simulation took, ms (informative; the run itself is in virtual time). */
  readonly wallMs?: number;
}

/** One line of the outage table. */
export interface OutageRow extends OutageVariantResult {
  /** `requestsPerAction` over the reference's (`no retry`). */
  readonly requestsRatio?: number;
  /** Drain time minus the best peer's, ms. */
  readonly drainVsBestPeerMs?: number;
  /** Drain time over the best peer's (undefined when the best peer drained in 0 ms). */
  readonly drainVsBestPeerRatio?: number;
}

/**
 * The best peer's drain: the shortest among `peer` variants that drained and gave up no
 * order (a peer that drops orders has not drained them, it has lost them); when every
 * peer gave some up, the shortest of all, marked `lossy`. Undefined if none drained.
 */
export function bestPeerDrain(results: readonly OutageVariantResult[]): { readonly id: string; readonly drainMs: number; readonly lossy: boolean } | undefined {
  let best: { id: string; drainMs: number; lossy: boolean } | undefined;
  for (const r of results) {
    const d = r.metrics?.drainMs;
    if (r.role !== 'peer' || d === null || d === undefined) continue;
    const lossy = (r.metrics?.gaveUp ?? 0) > 0;
    const better = best === undefined || (best.lossy && !lossy) || (best.lossy === lossy && d < best.drainMs);
    if (better) best = { id: r.id, drainMs: d, lossy };
  }
  return best;
}

/** Adds the ratios against the reference and the best peer. */
export function summariseOutage(results: readonly OutageVariantResult[]): OutageRow[] {
  const reference = results.find((r) => r.role === 'reference')?.metrics?.requestsPerAction;
  const best = bestPeerDrain(results);
  return results.map((r) => {
    const m = r.metrics;
    if (m === undefined) return { ...r };
    const requestsRatio = reference !== undefined && reference > 0 && Number.isFinite(m.requestsPerAction) ? round(m.requestsPerAction / reference, 4) : undefined;
    const drain = m.drainMs;
    const vs =
      best === undefined || drain === null || r.role === 'reference'
        ? {}
        : { drainVsBestPeerMs: drain - best.drainMs, ...(best.drainMs > 0 ? { drainVsBestPeerRatio: round(drain / best.drainMs, 4) } : {}) };
    return { ...r, ...(requestsRatio === undefined ? {} : { requestsRatio }), ...vs };
  });
}

// ---------------------------------------------------------------------------- ban

/** What one bot process reports. */
export interface BotResult {
  readonly bot: number;
  /** Orders whose call resolved. */
  readonly placed: number;
  /** Orders whose call rejected. */
  readonly failed: number;
  readonly firstError?: string;
  /** Responses this bot saw, by status (`network` for a transport failure). */
  readonly statuses: Readonly<Record<string, number>>;
  /** From the start signal to the last order settled, ms. */
  readonly elapsedMs: number;
  /** Orders still running when the bot stopped waiting for them (abandoned). */
  readonly abandoned: number;
}

/** The venue's counts the ban run reads (a subset of `VenueStats`). */
export interface BanVenueCounts {
  readonly requests: number;
  readonly executions: number;
  readonly duplicates: number;
  readonly overWeightLimit: number;
  readonly refusedByBan: number;
  readonly bansStarted: number;
}

/** One variant's ban result, or why it was not measured. */
export interface BanVariantResult {
  readonly id: string;
  readonly label: string;
  /** When set, the variant's target: no ban may start. */
  readonly targetNoBan?: boolean;
  readonly notMeasured?: string;
  /** The run failed (not a measurement): why. */
  readonly error?: string;
  readonly runMs?: number;
  readonly bots?: readonly BotResult[];
  readonly venue?: BanVenueCounts;
}

/** One line of the ban table. */
export interface BanRow extends BanVariantResult {
  readonly placed?: number;
  readonly failed?: number;
  readonly abandoned?: number;
  /** Orders placed per second over the bots' run, all bots together. */
  readonly ordersPerS?: number;
  /** 429s over the `no limiter` variant's. */
  readonly over429Ratio?: number;
}

/** Totals per variant and the 429 ratio against the variant `referenceId`. */
export function summariseBan(results: readonly BanVariantResult[], referenceId: string): BanRow[] {
  const reference = results.find((r) => r.id === referenceId)?.venue?.overWeightLimit;
  return results.map((r) => {
    if (r.bots === undefined || r.venue === undefined || r.runMs === undefined) return { ...r };
    const placed = r.bots.reduce((n, b) => n + b.placed, 0);
    const failed = r.bots.reduce((n, b) => n + b.failed, 0);
    const abandoned = r.bots.reduce((n, b) => n + b.abandoned, 0);
    const ordersPerS = r.runMs > 0 ? round((placed / r.runMs) * 1000, 1) : Number.NaN;
    const over429Ratio = reference !== undefined && reference > 0 ? round(r.venue.overWeightLimit / reference, 4) : undefined;
    return { ...r, placed, failed, abandoned, ordersPerS, ...(over429Ratio === undefined ? {} : { over429Ratio }) };
  });
}

// ---------------------------------------------------------------------------- targets

/** A target, judged. */
export interface TargetVerdict {
  readonly target: string;
  readonly status: 'met' | 'not met' | 'not measured';
  /** The measured value, in words. */
  readonly value: string;
  readonly ratio?: number;
}

/** Judges every target the variants carry. */
export function judgeProtectionTargets(outage: readonly OutageRow[], ban: readonly BanRow[]): TargetVerdict[] {
  const verdicts: TargetVerdict[] = [];
  for (const r of outage) {
    if (r.requestsRatioTarget !== undefined) {
      const target = `outage: ${r.label} sends at most ${r.requestsRatioTarget}x the requests per action of no retry`;
      if (r.requestsRatio === undefined) verdicts.push({ target, status: 'not measured', value: r.notMeasured ?? 'no ratio' });
      else {
        verdicts.push({
          target,
          status: r.requestsRatio <= r.requestsRatioTarget ? 'met' : 'not met',
          value: `${fmt(r.metrics?.requestsPerAction ?? Number.NaN, 2)} requests per action`,
          ratio: r.requestsRatio,
        });
      }
    }
    if (r.drainTarget === true) {
      const best = bestPeerDrain(outage);
      const target = `outage: ${r.label} drains at least as fast as the best peer (the fastest retrying peer that gave up no order), giving up none`;
      const m = r.metrics;
      if (m === undefined || best === undefined) verdicts.push({ target, status: 'not measured', value: r.notMeasured ?? 'no peer drained' });
      else if (m.drainMs === null || m.gaveUp > 0) verdicts.push({ target, status: 'not met', value: m.drainMs === null ? `not drained (${m.unsettled} unsettled)` : `${m.gaveUp} order(s) given up` });
      else {
        verdicts.push({
          target,
          status: m.drainMs <= best.drainMs ? 'met' : 'not met',
          value: `${fmt(m.drainMs / 1000, 1)} s against ${best.id}'s ${fmt(best.drainMs / 1000, 1)} s${best.lossy ? ' (every peer gave orders up)' : ''}`,
          ...(best.drainMs > 0 ? { ratio: round(m.drainMs / best.drainMs, 4) } : {}),
        });
      }
    }
    if (r.role === 'intentkey') {
      const target = `outage: ${r.label} executes no action twice (venue duplicates = 0)`;
      if (r.duplicates === undefined) verdicts.push({ target, status: 'not measured', value: r.notMeasured ?? 'no count' });
      else verdicts.push({ target, status: r.duplicates === 0 ? 'met' : 'not met', value: `${r.duplicates} duplicate(s)` });
    }
  }
  for (const r of ban) {
    if (r.targetNoBan !== true) continue;
    const target = `ban: ${r.label} starts no ban`;
    if (r.venue === undefined) verdicts.push({ target, status: 'not measured', value: r.notMeasured ?? r.error ?? 'no count' });
    else {
      verdicts.push({
        target,
        status: r.venue.bansStarted === 0 ? 'met' : 'not met',
        value: `${r.venue.bansStarted} ban(s), ${r.venue.overWeightLimit} 429(s)`,
        ...(r.over429Ratio === undefined ? {} : { ratio: r.over429Ratio }),
      });
    }
  }
  return verdicts;
}

// ---------------------------------------------------------------------------- tables

/** `n` with `digits` decimals, `-` when not finite. */
export function fmt(n: number | undefined | null, digits = 0): string {
  if (n === undefined || n === null || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;

/** The outage table (markdown). */
export function outageTable(rows: readonly OutageRow[]): string {
  const lines = [
    row(['variant', 'actions in outage', 'requests in outage (writes + reads)', 'requests per action', 'vs no retry', 'drain (s)', 'vs best peer', 'given up', 'duplicates']),
    row([':--', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:']),
  ];
  for (const r of rows) {
    const m = r.metrics;
    if (m === undefined) {
      lines.push(row([r.label, `not measured: ${r.notMeasured ?? '?'}`, '', '', '', '', '', '', '']));
      continue;
    }
    const drain = m.drainMs === null ? `not drained (${m.unsettled} unsettled)` : fmt(m.drainMs / 1000, 1);
    const vsPeer =
      r.drainVsBestPeerMs === undefined ? '-' : `${r.drainVsBestPeerMs >= 0 ? '+' : '−'}${fmt(Math.abs(r.drainVsBestPeerMs) / 1000, 1)} s${r.drainVsBestPeerRatio === undefined ? '' : ` (${fmt(r.drainVsBestPeerRatio, 2)}x)`}`;
    lines.push(
      row([
        r.label,
        fmt(m.actionsInOutage),
        `${fmt(m.requestsInOutage)} (${fmt(m.writesInOutage)} + ${fmt(m.readsInOutage)})`,
        fmt(m.requestsPerAction, 2),
        r.requestsRatio === undefined ? '-' : `${fmt(r.requestsRatio, 2)}x`,
        drain,
        vsPeer,
        `${fmt(m.gaveUp)} of ${fmt(m.actions)}`,
        fmt(r.duplicates),
      ]),
    );
  }
  return lines.join('\n');
}

/** The ban table (markdown). */
export function banTable(rows: readonly BanRow[]): string {
  const lines = [
    row(['variant', '429 (over the limit)', 'vs no limiter', '418 (banned)', 'bans started', 'orders placed', 'orders/s', 'failed', 'abandoned']),
    row([':--', '--:', '--:', '--:', '--:', '--:', '--:', '--:', '--:']),
  ];
  for (const r of rows) {
    if (r.venue === undefined) {
      lines.push(row([r.label, r.notMeasured === undefined ? `FAILED: ${r.error ?? '?'}` : `not measured: ${r.notMeasured}`, '', '', '', '', '', '', '']));
      continue;
    }
    lines.push(
      row([
        r.label,
        fmt(r.venue.overWeightLimit),
        r.over429Ratio === undefined ? '-' : `${fmt(r.over429Ratio, 2)}x`,
        fmt(r.venue.refusedByBan),
        `${fmt(r.venue.bansStarted)}${r.venue.bansStarted > 0 ? ' (yes)' : ' (no)'}`,
        fmt(r.placed),
        fmt(r.ordersPerS, 1),
        fmt(r.failed),
        fmt(r.abandoned),
      ]),
    );
  }
  return lines.join('\n');
}

/** The targets table (markdown). */
export function protectionTargetsTable(verdicts: readonly TargetVerdict[]): string {
  const lines = [row(['target', 'status', 'value', 'ratio']), row([':--', ':--', ':--', '--:'])];
  for (const v of verdicts) lines.push(row([v.target, v.status === 'not met' ? '**not met**' : v.status, v.value, v.ratio === undefined ? '-' : `${fmt(v.ratio, 2)}x`]));
  return lines.join('\n');
}
