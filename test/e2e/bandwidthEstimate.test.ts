import { describe, expect, it } from 'vitest';
import { describeEstimate, estimate1080p, parseEquivalents } from '../../demo/receiver/bandwidthEstimate.js';

const json = {
  equivalents: [
    { curve: 'B/vp8/bicubic', linkKbps: 200, psnrY: 31.9, direct1080pKbps: null },
    { curve: 'B/vp8/bicubic', linkKbps: 600, psnrY: 34.7, direct1080pKbps: 1000 },
    { curve: 'B/vp8/tiny', linkKbps: 300, psnrY: 33, direct1080pKbps: 900 },
    { curve: 'B/vp8/tiny', linkKbps: 700, psnrY: 35, direct1080pKbps: 1700 },
    { curve: 'B/vp9/tiny', linkKbps: 300, psnrY: 34, direct1080pKbps: 800 },
    { bogus: true },
  ],
};

describe('1080p bandwidth estimate', () => {
  const points = parseEquivalents(json);

  it('keeps only well-formed points', () => {
    expect(points).toHaveLength(5);
    expect(parseEquivalents({})).toEqual([]);
    expect(parseEquivalents(null)).toEqual([]);
  });

  it('interpolates linearly on the curve matching tier and codec', () => {
    const e = estimate1080p(points, 'tiny', 'VP8', 500);
    expect(e).toEqual({ kind: 'estimate', curve: 'B/vp8/tiny', direct1080pKbps: 1300, psnrY: 34 });
    expect(describeEstimate(e)).toBe('1080p equivalent: ~1300 kbit/s (34.0 dB Y-PSNR)');
    expect(estimate1080p(points, 'tiny', 'vp9', 300)).toMatchObject({ curve: 'B/vp9/tiny', direct1080pKbps: 800 });
  });

  it('says so outside the measured range and when nothing was measured', () => {
    expect(estimate1080p(points, 'tiny', 'vp8', 1000)).toEqual({ kind: 'out-of-range', curve: 'B/vp8/tiny', minKbps: 300, maxKbps: 700 });
    // Points without a direct equivalent are skipped: only 600 kbit/s is left on the bicubic curve.
    expect(estimate1080p(points, 'bicubic', 'vp8', 600)).toMatchObject({ kind: 'estimate', direct1080pKbps: 1000 });
    expect(describeEstimate(estimate1080p([], 'tiny', 'vp8', 500))).toContain('not measured');
    expect(estimate1080p(points, 'paper', 'vp8', 500)).toEqual({ kind: 'not-measured' });
  });

  it('below the lowest rate with an equivalent, where direct 1080p could not go as low, gives its floor', () => {
    const e = estimate1080p(points, 'bicubic', 'vp8', 300);
    expect(e).toEqual({ kind: 'below-direct-floor', curve: 'B/vp8/bicubic', directAtLeastKbps: 1000 });
    expect(describeEstimate(e)).toBe('1080p equivalent: direct 1080p needs ≥ ~1000 kbit/s (its encoder could not go lower in the benchmark)');
    // The tiny curve has no point without an equivalent below 300 kbit/s: that is just out of range.
    expect(estimate1080p(points, 'tiny', 'vp8', 100)).toMatchObject({ kind: 'out-of-range' });
  });
});
