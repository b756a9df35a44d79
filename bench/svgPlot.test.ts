import { describe, expect, it } from 'vitest';
import { linePlotSvg, niceTicks } from './svgPlot.js';

describe('linePlotSvg', () => {
  it('draws one path per multi-point series, a marker per point and escaped labels', () => {
    const svg = linePlotSvg(
      [
        { label: 'A <direct>', points: [[200, 30], [400, 33], [800, 35]] },
        { label: 'B & SR', points: [[200, 32], [400, 34]], dashed: true },
        { label: 'single', points: [[300, 31]] },
      ],
      { title: 'PSNR vs rate', xLabel: 'kbit/s', yLabel: 'dB', logX: true },
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)).toHaveLength(2);
    expect(svg.match(/<circle /g)).toHaveLength(6);
    expect(svg).toContain('A &lt;direct&gt;');
    expect(svg).toContain('B &amp; SR');
    expect(svg).toContain('stroke-dasharray');
    // Log axis: 1-2-5 ticks inside [200, 800].
    expect(svg).toContain('>500</text>');
    expect(svg).not.toContain('>1000</text>');
  });
  it('maps larger y to smaller SVG y (up is better)', () => {
    const svg = linePlotSvg([{ label: 's', points: [[0, 0], [1, 10]] }], { title: 't', xLabel: 'x', yLabel: 'y' });
    const cy = [...svg.matchAll(/<circle cx="[\d.]+" cy="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(cy).toHaveLength(2);
    expect(cy[1]).toBeLessThan(cy[0] ?? 0);
  });
  it('refuses an empty plot', () => {
    expect(() => linePlotSvg([{ label: 's', points: [[Number.NaN, 1]] }], { title: 't', xLabel: 'x', yLabel: 'y' })).toThrow(RangeError);
  });
});

describe('niceTicks', () => {
  it('uses 1-2-5 steps', () => {
    expect(niceTicks(28.3, 37.9, 5)).toEqual([30, 32, 34, 36]);
    expect(niceTicks(0, 1, 4)).toEqual([0, 0.5, 1]);
  });
});
