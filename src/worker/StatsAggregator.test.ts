import { describe, expect, it } from 'vitest';
import { RateMeter, RollingWindow, StatsAggregator } from './StatsAggregator.js';

describe('RollingWindow', () => {
  it('gives nearest-rank percentiles over the last `capacity` samples', () => {
    const w = new RollingWindow(100);
    for (let i = 1; i <= 100; i++) w.push(i);
    expect(w.percentile(50)).toBe(50);
    expect(w.percentile(95)).toBe(95);
    expect(w.percentile(100)).toBe(100);
    for (let i = 0; i < 50; i++) w.push(1000);
    expect(w.percentile(50)).toBe(100);
    expect(w.percentile(95)).toBe(1000);
  });

  it('is NaN when empty and rejects a bad capacity', () => {
    expect(Number.isNaN(new RollingWindow(3).percentile(50))).toBe(true);
    expect(() => new RollingWindow(0)).toThrow(RangeError);
  });
});

describe('RateMeter', () => {
  it('measures events per second within its span', () => {
    const m = new RateMeter(2000);
    for (let t = 0; t <= 3000; t += 40) m.mark(t);
    expect(m.rate(3000)).toBeCloseTo(25, 5);
    expect(m.rate(10_000)).toBe(0);
  });
});

describe('StatsAggregator', () => {
  it('aggregates fps, sizes, model time and latency percentiles', () => {
    const s = new StatsAggregator();
    for (let i = 0; i < 60; i++) {
      const t = i * (1000 / 30);
      s.frameIn(t, 480, 270);
      s.modelTime(i < 56 ? 10 : 50);
      if (i % 2 === 0) s.painted(t + 5, 5);
    }
    const snap = s.snapshot(59 * (1000 / 30) + 5);
    expect(snap.inputFps).toBeCloseTo(30, 0);
    expect(snap.outputFps).toBeCloseTo(15, 0);
    expect(snap.inputWidth).toBe(480);
    expect(snap.framesIn).toBe(60);
    expect(snap.framesPainted).toBe(30);
    expect(snap.modelMsP50).toBe(10);
    expect(snap.modelMsP95).toBe(50);
    expect(snap.latencyMsP95).toBe(5);
    s.resetModelTimes();
    expect(s.snapshot(2000).modelMsP50).toBe(0);
  });

  it('latency describes the current painter: stopgap bicubic frames do not dilute the model frames after them', () => {
    const s = new StatsAggregator();
    for (let i = 0; i < 100; i++) s.painted(i * 33, 0.5, 'bicubic');
    expect(s.snapshot(3300).latencyMsP50).toBe(0.5);
    s.painted(4000, 900, 'webgpu');
    s.painted(5000, 1100, 'webgpu');
    const snap = s.snapshot(5000);
    expect([snap.latencyMsP50, snap.latencyMsP95]).toEqual([900, 1100]);
    expect(snap.framesPainted).toBe(102);
  });
});
