import { describe, expect, it } from 'vitest';
import { TierController } from './TierController.js';

const feed = (c: TierController, ms: number, n: number, budget = 33) => {
  const decisions = [];
  for (let i = 0; i < n; i++) {
    const d = c.observe(ms, budget);
    if (d !== null) decisions.push(d);
  }
  return decisions;
};

describe('TierController', () => {
  it('steps down after one slow window and not before', () => {
    const c = new TierController({ count: 3, initial: 0, window: 10 });
    expect(feed(c, 50, 9)).toEqual([]);
    expect(feed(c, 50, 1)).toEqual([{ from: 0, to: 1, reason: 'too-slow' }]);
    expect(c.tier).toBe(1);
    expect(feed(c, 50, 10)).toEqual([{ from: 1, to: 2, reason: 'too-slow' }]);
    expect(feed(c, 50, 30)).toEqual([]);
  });

  it('ignores a few slow outliers under p95', () => {
    const c = new TierController({ count: 2, initial: 0, window: 40 });
    const d = [];
    for (let i = 0; i < 40; i++) d.push(c.observe(i === 3 ? 80 : 20, 33));
    expect(d.filter((x) => x !== null)).toEqual([]);
  });

  it('steps up only after sustained headroom', () => {
    const c = new TierController({ count: 2, initial: 1, window: 10, upWindows: 3 });
    expect(feed(c, 10, 29)).toEqual([]);
    expect(feed(c, 10, 1)).toEqual([{ from: 1, to: 0, reason: 'headroom' }]);
  });

  it('a window without headroom restarts the count', () => {
    const c = new TierController({ count: 2, initial: 1, window: 10, upWindows: 3 });
    feed(c, 10, 20);
    feed(c, 25, 10);
    expect(feed(c, 10, 20)).toEqual([]);
    expect(feed(c, 10, 10)).toHaveLength(1);
  });

  it('backs off exponentially from a tier that proved too slow right after stepping up', () => {
    const c = new TierController({ count: 2, initial: 1, window: 10, upWindows: 2 });
    expect(feed(c, 10, 20)).toHaveLength(1);
    expect(feed(c, 50, 10)).toEqual([{ from: 0, to: 1, reason: 'too-slow' }]);
    // Penalty: 2 extra windows on top of the base 2.
    expect(feed(c, 10, 30)).toEqual([]);
    expect(feed(c, 10, 10)).toEqual([{ from: 1, to: 0, reason: 'headroom' }]);
    expect(feed(c, 50, 10)).toHaveLength(1);
    // Doubled: 4 extra windows.
    expect(feed(c, 10, 50)).toEqual([]);
    expect(feed(c, 10, 10)).toHaveLength(1);
  });

  it('judges a model that takes seconds per frame within seconds, not after a full window of frames', () => {
    const c = new TierController({ count: 3, initial: 0, window: 30, windowMs: 3000 });
    // One 60 s frame (the paper model on a CPU adapter) is a full verdict on its own.
    expect(feed(c, 60_000, 1)).toEqual([{ from: 0, to: 1, reason: 'too-slow' }]);
    // 1.2 s frames: the window closes at the third (3.6 s of model time).
    expect(feed(c, 1200, 2)).toEqual([]);
    expect(feed(c, 1200, 1)).toEqual([{ from: 1, to: 2, reason: 'too-slow' }]);
  });

  it('validates its options', () => {
    expect(() => new TierController({ count: 0, initial: 0 })).toThrow(RangeError);
    expect(() => new TierController({ count: 2, initial: 2 })).toThrow(RangeError);
  });
});
