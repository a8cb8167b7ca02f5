// Geometry of the playground's charts, drawn as inline SVG by the components: the spread
// of each attempt's wait (or send time) and a fleet's requests over time. Pure numbers
// in a fixed viewBox; the components only place the shapes and the text.
import { formatMs, type FleetLoad, type PolicyTimeline, type Spread } from '../../../../src/tools/index.js';

/** A tick of a time axis: its x in the viewBox and its label. */
export interface Tick {
  readonly x: number;
  readonly ms: number;
  readonly label: string;
}

/**
 * Round tick values from 0 to at least `max`: a step of 1, 2 or 5 times a power of ten,
 * about `target` steps. `max <= 0` gives `[0, 1]`.
 */
export function niceTicks(max: number, target = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1];
  const raw = max / Math.max(1, target);
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power);
  const count = Math.ceil(max / step - 1e-9);
  return Array.from({ length: count + 1 }, (_, i) => Math.round(i * step * 1e6) / 1e6);
}

/** Which quantity the timeline chart draws per attempt. */
export type TimelineAxis = 'wait' | 'at';

/** One attempt's row of the timeline chart. */
export interface TimelineRow {
  readonly attempt: number;
  /** Centre line of the row. */
  readonly y: number;
  /** `null`: no draw reached this attempt (the deadline stopped every one). */
  readonly spread: Spread | null;
  /** x of min, p50, p95 and max; `null` with `spread`. */
  readonly x: { readonly min: number; readonly p50: number; readonly p95: number; readonly max: number } | null;
  /** Share of the simulated calls that sent this attempt, in percent (one decimal). */
  readonly sentPercent: number;
  /** The row in words, for the chart's text alternative. */
  readonly text: string;
}

/** The timeline chart, in a viewBox of `width` × `height`. */
export interface TimelineSvgModel {
  readonly width: number;
  readonly height: number;
  /** Left edge and width of the plot area. */
  readonly plotLeft: number;
  readonly plotWidth: number;
  readonly plotTop: number;
  readonly plotBottom: number;
  readonly rowHeight: number;
  readonly rows: readonly TimelineRow[];
  readonly ticks: readonly Tick[];
  /** Attempts left out of the picture (the table lists them all). */
  readonly hiddenRows: number;
  readonly axisLabel: string;
}

/** Most rows the timeline chart draws; the table below it lists every attempt. */
export const MAX_CHART_ROWS = 40;

const CHART_WIDTH = 640;
const LEFT = 44;
const RIGHT = 16;
const TOP = 8;
const ROW = 26;
const AXIS = 40;

/**
 * The timeline chart of `timeline`: per attempt a line from min to max, a box from p50
 * to p95 and a tick at p50, of the wait before the attempt (`wait`, from attempt 2) or
 * of its send time since the first send (`at`).
 */
export function timelineSvgModel(timeline: PolicyTimeline, axis: TimelineAxis): TimelineSvgModel {
  const all = timeline.attempts.filter((a) => axis === 'at' || a.attempt > 1);
  const shown = all.slice(0, MAX_CHART_ROWS);
  const pick = (a: (typeof all)[number]): Spread | null => (axis === 'wait' ? a.waitMs : a.elapsedMs);
  const max = Math.max(0, ...shown.map((a) => pick(a)?.max ?? 0));
  const ticksMs = niceTicks(max);
  const scaleMax = ticksMs[ticksMs.length - 1] ?? 1;
  const plotWidth = CHART_WIDTH - LEFT - RIGHT;
  const x = (ms: number): number => Math.round((LEFT + (ms / scaleMax) * plotWidth) * 10) / 10;
  const rows = shown.map((a, i): TimelineRow => {
    const spread = pick(a);
    const y = TOP + i * ROW + ROW / 2;
    const sentPercent = Math.round(a.reachedShare * 1000) / 10;
    const what = axis === 'wait' ? 'wait before it' : 'sent at';
    const text =
      spread === null
        ? `Attempt ${a.attempt}: never sent (the deadline stops every call first).`
        : `Attempt ${a.attempt}: ${what} min ${formatMs(spread.min)}, p50 ${formatMs(spread.p50)}, p95 ${formatMs(spread.p95)}, max ${formatMs(spread.max)}; sent by ${sentPercent}% of calls.`;
    return {
      attempt: a.attempt,
      y,
      spread,
      x: spread === null ? null : { min: x(spread.min), p50: x(spread.p50), p95: x(spread.p95), max: x(spread.max) },
      sentPercent,
      text,
    };
  });
  const plotBottom = TOP + Math.max(1, rows.length) * ROW;
  return {
    width: CHART_WIDTH,
    height: plotBottom + AXIS,
    plotLeft: LEFT,
    plotWidth,
    plotTop: TOP,
    plotBottom,
    rowHeight: ROW,
    rows,
    ticks: ticksMs.map((ms) => ({ x: x(ms), ms, label: formatMs(ms) })),
    hiddenRows: all.length - shown.length,
    axisLabel: axis === 'wait' ? 'wait before the attempt, after the previous one failed' : 'time the attempt is sent, since the first send',
  };
}

/** The fleet chart: requests per bucket as two stacked step areas (first sends under retries). */
export interface FleetSvgModel {
  readonly width: number;
  readonly height: number;
  readonly plotLeft: number;
  readonly plotWidth: number;
  readonly plotTop: number;
  readonly plotBottom: number;
  /** SVG path of all requests per bucket (first sends and retries). */
  readonly totalPath: string;
  /** SVG path of the first sends per bucket. */
  readonly firstPath: string;
  /** x of the end of the outage, when it ends inside the picture. */
  readonly outageX: number | null;
  readonly xTicks: readonly Tick[];
  /** Requests-per-bucket gridlines: y and value. */
  readonly yTicks: readonly { readonly y: number; readonly value: number }[];
  /** The chart in words. */
  readonly text: string;
}

const FLEET_HEIGHT = 220;

/** Geometry of the requests-per-bucket chart of `fleet`. */
export function fleetSvgModel(fleet: FleetLoad): FleetSvgModel {
  const plotWidth = CHART_WIDTH - LEFT - RIGHT;
  const plotTop = 8;
  const plotBottom = FLEET_HEIGHT - AXIS;
  const spanMs = Math.max(fleet.bucketMs, fleet.buckets.length * fleet.bucketMs);
  const xTicksMs = niceTicks(spanMs);
  const xMax = xTicksMs[xTicksMs.length - 1] ?? 1;
  const yTicksValues = niceTicks(fleet.peak.requests, 4);
  const yMax = yTicksValues[yTicksValues.length - 1] ?? 1;
  const r = (n: number): number => Math.round(n * 10) / 10;
  const x = (ms: number): number => r(LEFT + (ms / xMax) * plotWidth);
  const y = (n: number): number => r(plotBottom - (n / yMax) * (plotBottom - plotTop));
  const step = (value: (b: FleetLoad['buckets'][number]) => number): string => {
    const parts = [`M${x(0)} ${y(0)}`];
    for (const b of fleet.buckets) {
      const h = y(value(b));
      parts.push(`L${x(b.startMs)} ${h}`, `L${x(b.startMs + fleet.bucketMs)} ${h}`);
    }
    parts.push(`L${x(fleet.buckets.length * fleet.bucketMs)} ${y(0)}`, 'Z');
    return parts.join(' ');
  };
  return {
    width: CHART_WIDTH,
    height: FLEET_HEIGHT,
    plotLeft: LEFT,
    plotWidth,
    plotTop,
    plotBottom,
    totalPath: step((b) => b.requests),
    firstPath: step((b) => b.firstAttempts),
    outageX: fleet.outageMs > 0 && fleet.outageMs <= xMax ? x(fleet.outageMs) : null,
    xTicks: xTicksMs.map((ms) => ({ x: x(ms), ms, label: formatMs(ms) })),
    yTicks: yTicksValues.map((value) => ({ y: y(value), value })),
    text: `Requests per ${formatMs(fleet.bucketMs)} from ${fleet.clients} clients: ${fleet.totalRequests} in all, peak ${fleet.peak.requests} in the bucket from ${formatMs(fleet.peak.startMs)}; the venue fails everything until ${formatMs(fleet.outageMs)}.`,
  };
}
