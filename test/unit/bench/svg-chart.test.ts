import { describe, expect, it } from 'vitest';
import { linearTicks, renderLineChart } from '../../../bench/svg-chart.js';

describe('renderLineChart', () => {
  const series = [
    { label: 'a < b', color: '#ff0000', points: [[1, 10], [2, 400], [3, 9000]] as [number, number][] },
    { label: 'reference', color: '#777777', dashed: true, points: [[1, 5], [2, 6], [3, 7]] as [number, number][] },
  ];

  it('draws one polyline and one legend entry per series, escaping text', () => {
    const svg = renderLineChart({ title: 'T & t', xLabel: 'x', yLabel: 'y', series });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('>a &lt; b</text>');
    expect(svg).toContain('<title>T &amp; t</title>');
    expect(svg.match(/stroke-dasharray/g)).toHaveLength(2); // the dashed line and its legend swatch
  });

  it('puts larger values higher on both scales', () => {
    for (const yScale of ['linear', 'log'] as const) {
      const svg = renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', yScale, series: [series[0] as (typeof series)[0]] });
      const points = /points="([^"]+)"/.exec(svg)?.[1]?.split(' ').map((pair) => pair.split(',').map(Number)) ?? [];
      expect(points).toHaveLength(3);
      const ys = points.map((pt) => pt[1] as number);
      // SVG y grows downwards.
      expect(ys[0]).toBeGreaterThan(ys[1] as number);
      expect(ys[1]).toBeGreaterThan(ys[2] as number);
    }
  });

  it('labels a log axis with whole decades and refuses values it cannot place', () => {
    const svg = renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', yScale: 'log', series });
    for (const label of ['1', '10', '100', '1,000', '10,000']) expect(svg).toContain(`>${label}</text>`);
    expect(() =>
      renderLineChart({ title: 't', xLabel: 'x', yLabel: 'y', yScale: 'log', series: [{ label: 'z', color: '#000', points: [[1, 0]] }] }),
    ).toThrow(RangeError);
  });
});

describe('linearTicks', () => {
  it('covers the range with round steps', () => {
    expect(linearTicks(0, 2431)).toEqual([0, 500, 1000, 1500, 2000, 2500]);
    expect(linearTicks(1, 100)).toEqual([0, 20, 40, 60, 80, 100]);
  });
});
