/**
 * A line chart as a standalone SVG string, written by hand so the benchmarks need no
 * plotting dependency. Enough for a few series over a shared x axis: axes with ticks,
 * grid lines, a linear or logarithmic y axis and a legend.
 */

/** One line of a chart. */
export interface ChartSeries {
  readonly label: string;
  /** Any SVG colour. */
  readonly color: string;
  /** Draw dashed (for reference lines). @default false */
  readonly dashed?: boolean;
  /** `[x, y]` pairs in increasing x. On a log axis, y must be > 0. */
  readonly points: readonly (readonly [number, number])[];
}

/** What to draw. */
export interface LineChart {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  /** @default 'linear' */
  readonly yScale?: 'linear' | 'log';
  readonly series: readonly ChartSeries[];
}

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 72, right: 190, top: 44, bottom: 56 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;

/** Renders `chart` as an SVG document. */
export function renderLineChart(chart: LineChart): string {
  const all = chart.series.flatMap((s) => s.points);
  if (all.length === 0) throw new RangeError('a chart needs at least one point');
  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const xTicks = linearTicks(xMin, xMax);
  const xLow = Math.min(xMin, xTicks[0] as number);
  const xHigh = Math.max(xMax, xTicks.at(-1) as number);
  const toX = (x: number): number => MARGIN.left + (xHigh === xLow ? 0 : ((x - xLow) / (xHigh - xLow)) * PLOT_W);

  const isLog = chart.yScale === 'log';
  let yTicks: number[];
  let toY: (y: number) => number;
  if (isLog) {
    if (ys.some((y) => !(y > 0))) throw new RangeError('a log axis needs every y > 0');
    const low = Math.floor(Math.log10(Math.min(...ys)));
    const high = Math.max(low + 1, Math.ceil(Math.log10(Math.max(...ys))));
    yTicks = [];
    for (let e = low; e <= high; e++) yTicks.push(10 ** e);
    toY = (y) => MARGIN.top + PLOT_H - ((Math.log10(y) - low) / (high - low)) * PLOT_H;
  } else {
    yTicks = linearTicks(Math.min(0, ...ys), Math.max(...ys));
    const low = yTicks[0] as number;
    const high = yTicks.at(-1) as number;
    toY = (y) => MARGIN.top + PLOT_H - (high === low ? 0 : ((y - low) / (high - low)) * PLOT_H);
  }

  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${escapeXml(chart.title)}</title>`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(chart.title)}</text>`,
  );

  // Grid and y ticks; minor grid at 2× and 5× on a log axis.
  if (isLog) {
    for (let i = 0; i + 1 < yTicks.length; i++) {
      for (const m of [2, 5]) {
        const y = toY((yTicks[i] as number) * m);
        out.push(line(MARGIN.left, y, MARGIN.left + PLOT_W, y, '#f0f0f0'));
      }
    }
  }
  for (const tick of yTicks) {
    const y = toY(tick);
    out.push(line(MARGIN.left, y, MARGIN.left + PLOT_W, y, '#dddddd'));
    out.push(`<text x="${MARGIN.left - 8}" y="${fmt(y + 4)}" text-anchor="end">${formatTick(tick)}</text>`);
  }
  for (const tick of xTicks) {
    const x = toX(tick);
    out.push(line(x, MARGIN.top, x, MARGIN.top + PLOT_H, '#eeeeee'));
    out.push(`<text x="${fmt(x)}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${formatTick(tick)}</text>`);
  }
  // Axes.
  out.push(line(MARGIN.left, MARGIN.top + PLOT_H, MARGIN.left + PLOT_W, MARGIN.top + PLOT_H, '#333333'));
  out.push(line(MARGIN.left, MARGIN.top, MARGIN.left, MARGIN.top + PLOT_H, '#333333'));
  out.push(
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(chart.xLabel)}</text>`,
    `<text transform="translate(18 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(chart.yLabel)}</text>`,
  );

  // Lines, then the legend (same order, so the legend reads top to bottom as drawn).
  chart.series.forEach((s, i) => {
    const points = s.points.map(([x, y]) => `${fmt(toX(x))},${fmt(toY(y))}`).join(' ');
    const dash = s.dashed === true ? ' stroke-dasharray="6 4"' : '';
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2"${dash} points="${points}"><title>${escapeXml(s.label)}</title></polyline>`);
    const ly = MARGIN.top + 10 + i * 22;
    const lx = MARGIN.left + PLOT_W + 16;
    out.push(
      `<line x1="${lx}" y1="${ly}" x2="${lx + 28}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`,
      `<text x="${lx + 36}" y="${ly + 4}">${escapeXml(s.label)}</text>`,
    );
  });
  out.push('</svg>', '');
  return out.join('\n');
}

/** About five round ticks (1, 2 or 5 × 10^k apart) covering `[min, max]`. */
export function linearTicks(min: number, max: number): number[] {
  if (max <= min) return [min, min + 1];
  const rough = (max - min) / 5;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = ([1, 2, 5, 10].find((m) => m * power >= rough) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.floor(min / step) * step; t < max + step; t += step) {
    ticks.push(Number(t.toPrecision(12)));
    if (t >= max) break;
  }
  return ticks;
}

function formatTick(value: number): string {
  return value.toLocaleString('en-US');
}

function line(x1: number, y1: number, x2: number, y2: number, stroke: string): string {
  return `<line x1="${fmt(x1)}" y1="${fmt(y1)}" x2="${fmt(x2)}" y2="${fmt(y2)}" stroke="${stroke}" stroke-width="1"/>`;
}

function fmt(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
